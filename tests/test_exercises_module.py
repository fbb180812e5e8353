"""numpy_mlp.exercises as nbdev builds it from nine notebooks: the page 'How the exercises are checked' writes the
module, and chapters 0 to 7 append their checkers to it. Exported whole it holds each checker once, in the order of
the chapters; `nbdev_export --path` on one notebook would append a chapter twice or cut the module to its first
part, which these tests catch without nbdev."""
import re
from pathlib import Path
import numpy as np
import numpy_mlp.exercises as ex

EXERCISES = ['to_float', 'relu', 'relu_grad', 'softmax', 'log_softmax', 'forward', 'one_hot', 'cross_entropy',
             'l2_penalty', 'backward', 'sgd_update', 'momentum_step', 'adam_step', 'train_step', 'confusion_matrix',
             'precision_recall']
MEASURES = ['zero_pixels', 'overflow_logit', 'active_units', 'initial_loss', 'grad_norm', 'quadratic_steps',
            'one_epoch_acc', 'momentum_gain', 'worst_recall']

def test_every_checker_once_in_the_order_of_the_chapters():
    assert list(ex.EXERCISES) == EXERCISES and list(ex.MEASURES) == MEASURES

def test_each_cell_exported_once_and_the_chapters_in_order():
    text = Path(ex.__file__).read_text(encoding='utf-8')
    cells = re.findall(r'^# %% \.\./nbs/(\S+)\.ipynb #(\w+)', text, re.M)
    assert len(cells) == len(set(cells)), 'a cell exported twice: run nbdev_export on every notebook, not --path'
    books = [nb for nb, _ in cells]
    order = list(dict.fromkeys(books))
    assert order == ['000_exercises', '00_data', '01_activations', '02_forward', '03_loss', '04_backward',
                     '05_optimizers', '06_training', '07_evaluation'], order
    assert books == sorted(books, key=order.index), 'a chapter exported apart from its place'

def test_a_stub_gets_the_short_message_from_every_checker():
    def stub(*args, **kwargs): raise NotImplementedError()
    for name in EXERCISES:
        try: ex.EXERCISES[name](stub)
        except ex.ExerciseError as e: assert str(e).splitlines()[0].startswith(f'{name}: not implemented yet'), e
        else: raise AssertionError(f'{name} accepted a stub')
