"""The library's training loop (`fit`) and the optimizers: every argument is
checked before the first batch with a message naming it; a loss that explodes (or weights that stop being
finite) raises TrainingDiverged and puts the model back to the last weights that passed a check; bad optimizer
settings and schedules are refused; an interrupted `fit` keeps the history of its finished epochs and a usable
model. Each case runs on a few hundred MNIST digits, in well under a second."""
import math, re, time
import numpy as np
import pytest

import numpy_mlp.training as training
from numpy_mlp.data import load_mnist
from numpy_mlp.model import MLP
from numpy_mlp.training import TrainingDiverged, fit, loss_ceiling, DIVERGED_FACTOR
from numpy_mlp.optim import Optimizer, SGD, Adam, step_schedule, cosine_schedule

nan, inf = float('nan'), float('inf')

@pytest.fixture(scope='module')
def digits():
    "3,000 training digits as raw uint8, as load_mnist(raw=True) returns them."
    (X, y), _ = load_mnist(raw=True)
    return X[:3000], y[:3000]

@pytest.fixture
def small(digits):
    X, y = digits
    return X[:256], y[:256]

def fit1(X, y, model=None, **kw):
    kw.setdefault('epochs', 1); kw.setdefault('progress', False)
    return fit(model or MLP([784, 32, 10], seed=0), X, y, **kw)

def finite(model): return all(np.isfinite(v).all() for v in model.params.values())
def copy(params): return {k: v.copy() for k, v in params.items()}

# ---- family 2: fit's arguments, checked before the first batch ----

@pytest.mark.parametrize('n', [0, -1, 2.5, True, '3', None, np.float64(2)])
def test_epochs_and_batch_size_must_be_integers_at_least_1(small, n):
    with pytest.raises((ValueError, TypeError), match='epochs must be an integer >= 1'): fit1(*small, epochs=n)
    with pytest.raises((ValueError, TypeError), match='batch_size must be an integer >= 1'):
        fit1(*small, batch_size=n)

def test_numpy_integers_are_integers(small):
    assert len(fit1(*small, epochs=np.int64(1), batch_size=np.int32(64))) == 1

@pytest.mark.parametrize('valid, message', [
    ('array', 'valid= must be an (X, y) pair, got an array of shape (256, 784)'),
    ('triple', 'valid= must be an (X, y) pair, got a tuple of 3 items'),
    ('single', 'valid= must be an (X, y) pair, got a list of 1 items'),
    ('dict', 'valid= must be an (X, y) pair, got a dict'),
    ('short_y', 'valid= (X, y): y has 255 labels but X has 256 rows'),
    ('narrow_X', 'valid= (X, y):'),
    ('labels', 'valid= (X, y): labels must lie in 0..9'),
])
def test_valid_must_be_an_X_y_pair(small, valid, message):
    X, y = small
    arg = {'array': X, 'triple': (X, y, y), 'single': [X], 'dict': {'X': X, 'y': y},
           'short_y': (X, y[:-1]), 'narrow_X': (X[:, :10], y), 'labels': (X, y + 10)}[valid]
    with pytest.raises((ValueError, TypeError)) as e: fit1(X, y, valid=arg)
    assert message in str(e.value)

def test_valid_as_a_list_pair_is_accepted(small):
    assert 'valid_acc' in fit1(*small, valid=list(small))[0]

@pytest.mark.parametrize('name, how', [('callback', 'callback(model, record)'), ('augment', 'augment(X_batch, rng)')])
def test_callback_and_augment_must_be_functions(small, name, how):
    with pytest.raises(TypeError, match=re.escape(f'{name}= must be a function, called as {how}')):
        fit1(*small, **{name: 'yes'})

def test_augment_output_is_checked(small):
    with pytest.raises(ValueError, match="augment= must return an array of the batch's shape"):
        fit1(*small, augment=lambda Xb, rng: Xb[:, :10])
    with pytest.raises(ValueError, match='augment= returned NaN or infinite values'):
        fit1(*small, augment=lambda Xb, rng: Xb * np.nan)

@pytest.mark.parametrize('opt', [0.1, 'adam', SGD, None.__class__])
def test_optimizer_must_be_an_optimizer(small, opt):
    with pytest.raises(TypeError, match=r'optimizer= must be an Optimizer such as SGD\(0.01\)'):
        fit1(*small, optimizer=opt)

@pytest.mark.parametrize('make, state', [(lambda: SGD(0.1, momentum=0.9), 'velocity'),
                                         (lambda: SGD(0.1, momentum=0.9, nesterov=True), 'velocity'),
                                         (lambda: Adam(1e-3), 'm')])
def test_optimizer_used_on_a_model_of_another_shape_is_refused(small, make, state):
    opt = make()
    fit1(*small, MLP([784, 32, 10], seed=0), optimizer=opt)
    other = MLP([784, 16, 10], seed=0)
    before = copy(other.params)
    with pytest.raises(ValueError) as e: fit1(*small, other, optimizer=opt)
    assert 'optimizer= was used on a model of another shape' in str(e.value)
    assert f"its {state} for W1 has shape (784, 32), this model's W1 has shape (784, 16)" in str(e.value)
    assert all((other.params[k] == before[k]).all() for k in before)        # refused before any step
    deeper = MLP([784, 32, 10, 10], seed=0)                                # W1 fits, W3 is new
    with pytest.raises(ValueError, match='optimizer= was used on a model of another shape'):
        fit1(*small, deeper, optimizer=opt)
    with pytest.raises(ValueError, match='carries the running state of another model'):
        fit1(*small, MLP([784, 32, 10], seed=1), optimizer=opt)            # the same shape, other arrays
    opt.reset(); fit1(*small, MLP([784, 32, 10], seed=1), optimizer=opt)   # forgotten: accepted
    opt.reset(); fit1(*small, other, optimizer=opt)                        # reset: starts afresh

@pytest.mark.parametrize('l2', [nan, inf, -1.0, None, 'x'])
def test_l2_nan_inf_or_negative_refused_by_fit(small, l2):
    model = MLP([784, 32, 10], seed=0); model.l2 = l2
    with pytest.raises(ValueError, match="the model's l2 must be >= 0 and finite"): fit1(*small, model)

def test_non_finite_weights_refused_before_training(small):
    model = MLP([784, 32, 10], seed=0); model.params['b2'][3] = inf
    with pytest.raises(ValueError, match=r"the model's weights are not finite \(b2 hold NaN or inf\)"):
        fit1(*small, model)

@pytest.mark.parametrize('kw, message', [({'seed': -1}, 'seed must be None or an integer >= 0'),
                                         ({'seed': 1.5}, 'seed must be None or an integer >= 0'),
                                         ({'shuffle': 'no'}, 'shuffle must be True or False'),
                                         ({'progress': None}, 'progress must be True or False')])
def test_other_flags_checked(small, kw, message):
    with pytest.raises((ValueError, TypeError), match=message): fit1(*small, **kw)

def test_no_rows_refused(small):
    with pytest.raises(ValueError, match='X has no rows'): fit1(small[0][:0], small[1][:0])

def test_argument_errors_come_before_any_work(small):
    "A schedule that goes wrong at the last epoch is refused before the first batch: the model is untouched."
    model = MLP([784, 32, 10], seed=0)
    before, calls = copy(model.params), []
    opt = SGD(0.1, schedule=lambda e, E: 1.0 if e < E - 1 else -1.0)
    with pytest.raises(ValueError, match='the schedule gave the factor -1.0 at epoch 9 of 10'):
        fit1(*small, model, epochs=10, optimizer=opt, augment=lambda Xb, rng: calls.append(1) or Xb)
    assert calls == [] and all((model.params[k] == before[k]).all() for k in before)

# ---- family 3: optimizers and schedules refuse settings that cannot train ----

@pytest.mark.parametrize('make', [SGD, Adam])
@pytest.mark.parametrize('lr', [0, -0.1, nan, inf, -inf])
def test_learning_rate_positive_and_finite(make, lr):
    with pytest.raises(ValueError, match='the learning rate must be positive and finite'): make(lr)

@pytest.mark.parametrize('lr', ['0.1', True, None, [0.1]])
def test_learning_rate_must_be_a_number(lr):
    with pytest.raises(TypeError, match='the learning rate must be a positive number'): SGD(lr)

@pytest.mark.parametrize('eps', [0, -1e-8, nan, inf])
def test_adam_eps_positive_and_finite(eps):
    with pytest.raises(ValueError, match='eps must be positive and finite'): Adam(1e-3, eps=eps)

@pytest.mark.parametrize('betas', [(nan, 0.999), (0.9, nan), (0.9, 1.0), (1.0, 0.9), (-0.1, 0.9), (0.9,),
                                   (0.9, 0.99, 0.9), 0.9, 'ab'])
def test_adam_betas_two_numbers_in_0_1(betas):
    with pytest.raises(ValueError, match=r'betas must be two numbers in \[0, 1\)'): Adam(1e-3, betas=betas)

@pytest.mark.parametrize('mu', [1.0, 1.5, -0.1, nan, inf, True, '0.9'])
def test_momentum_in_0_1(mu):
    with pytest.raises(ValueError, match=r'momentum must be in \[0, 1\)'): SGD(0.1, momentum=mu)

def test_nesterov_must_be_a_bool():
    with pytest.raises(TypeError, match='nesterov must be True or False'): SGD(0.1, momentum=0.9, nesterov='yes')

@pytest.mark.parametrize('gamma', [-0.5, 0, nan, inf])
def test_step_schedule_gamma_positive(gamma):
    with pytest.raises(ValueError, match='gamma must be positive and finite'): step_schedule(10, gamma)

@pytest.mark.parametrize('size', [0, -3, 2.5, True])
def test_step_schedule_step_size_integer(size):
    with pytest.raises((ValueError, TypeError), match='step_size must be an integer >= 1'): step_schedule(size)

@pytest.mark.parametrize('f', [-0.1, 1.5, nan, inf, True])
def test_cosine_min_factor_in_0_1(f):
    with pytest.raises(ValueError, match=r'min_factor must be in \[0, 1\]'): cosine_schedule(f)

@pytest.mark.parametrize('factor', [-1.0, 0.0, nan, inf, None, 'x', np.array([1.0, 2.0])])
def test_custom_schedule_bad_factor_refused(small, factor):
    opt = SGD(0.1, schedule=lambda e, E: factor)
    with pytest.raises(ValueError, match='the schedule gave the factor .* at epoch 0 of 2 .*positive and finite'):
        opt.start_epoch(0, 2)
    with pytest.raises(ValueError, match='the schedule gave the factor'): fit1(*small, epochs=2, optimizer=opt)

def test_schedule_overflowing_the_learning_rate_refused():
    with pytest.raises(ValueError, match='positive and finite'): SGD(10.0, schedule=lambda e, E: 1e308).start_epoch(0, 1)

def test_schedule_must_be_callable():
    with pytest.raises(TypeError, match='schedule must be a function'): SGD(0.1, schedule=0.5)

# ---- family 3: divergence is caught, and the model put back ----

def test_the_ceiling():
    assert loss_ceiling(2.4, 10) == pytest.approx(DIVERGED_FACTOR * 2.4)
    assert loss_ceiling(0.01, 10) == pytest.approx(DIVERGED_FACTOR * math.log(10))   # a trained model

@pytest.mark.parametrize('lr', [5.0, 50.0])
def test_momentum_blow_up_raises_and_restores_the_weights_before_the_bad_step(digits, monkeypatch, lr):
    "With a copy after every step, the model ends exactly where it was before the step that blew up."
    monkeypatch.setattr(training, 'CHECKPOINT_EVERY', 1)
    model, seen = MLP([784, 100, 10], seed=0), []       # seen[i]: the weights after i steps
    def record(Xb, rng): seen.append(copy(model.params)); return Xb
    opt = SGD(lr, momentum=0.9)
    with np.errstate(all='ignore'), pytest.raises(TrainingDiverged) as e:
        fit(model, *digits, epochs=2, optimizer=opt, seed=0, augment=record, progress=False)
    err = e.value
    assert isinstance(err, FloatingPointError)
    msg = str(err)
    assert f'training diverged at epoch {err.epoch}, batch {err.batch} of 47, learning rate {lr:g}' in msg
    assert 'the loss became' in msg and 'try a smaller learning rate' in msg
    assert (f'The model holds its weights after {err.steps_kept} steps' if err.steps_kept else
            'The model holds the weights it came in with') in msg
    bad_batch = (err.epoch - 1) * 47 + err.batch      # the batch whose loss failed: after bad_batch - 1 steps
    assert err.steps_kept == bad_batch - 2            # the weights before the step that blew up
    for k in model.params: np.testing.assert_array_equal(model.params[k], seen[err.steps_kept][k])
    assert finite(model) and opt.velocity == {} and err.lr == lr
    assert err.history == model.history

def test_default_checkpoint_every_50_steps(digits):
    "With the default spacing, the model goes back to the last copy: its steps are a multiple of 50."
    model, seen = MLP([784, 100, 10], seed=0), []
    def record(Xb, rng): seen.append(copy(model.params)); return Xb
    with np.errstate(all='ignore'), pytest.raises(TrainingDiverged) as e:
        fit(model, *digits, epochs=1, optimizer=SGD(3.0), seed=0, augment=record, progress=False)
    assert e.value.steps_kept % 50 == 0
    for k in model.params: np.testing.assert_array_equal(model.params[k], seen[e.value.steps_kept][k])
    if e.value.steps_kept == 0: assert 'The model holds the weights it came in with' in str(e.value)

def test_finite_but_exploding_loss_is_caught(digits):
    "Gradient descent at 3: the loss climbs to about 44 without overflowing; fit used to train on."
    X, y = digits[0][:3000], digits[1][:3000]
    with pytest.raises(TrainingDiverged, match=r'the loss became .*, above .* \(10 times the larger of the first'):
        fit1(X, y, MLP([784, 100, 10], seed=0), optimizer=SGD(3.0), seed=0)

@pytest.mark.parametrize('lr', [1e4, 1e300])
def test_infinite_loss_is_caught(small, lr):
    model = MLP([784, 32, 10], seed=0)
    before = copy(model.params)
    with np.errstate(all='ignore'), pytest.raises(TrainingDiverged, match='the loss became'):
        fit1(*small, model, optimizer=SGD(lr))
    for k in before: np.testing.assert_array_equal(model.params[k], before[k])

def test_last_step_of_the_run_is_checked(small):
    "A blow-up in the very last step (no batch after it) is caught by the end-of-epoch check."
    class LastStepBlowsUp(SGD):
        def __init__(self, n): super().__init__(0.01); self.n, self.calls = n, 0
        def step(self, params, grads, l2=0.0):
            self.calls += 1
            super().step(params, grads, l2)
            if self.calls == self.n: params['W2'] *= 1e30
    model = MLP([784, 32, 10], seed=0)
    with np.errstate(all='ignore'), pytest.raises(TrainingDiverged) as e:
        fit1(*small, model, optimizer=LastStepBlowsUp(4), batch_size=64)
    assert 'at the weights after its step' in str(e.value) and e.value.batch == 4
    assert e.value.steps_kept == 0 and finite(model)

def test_non_finite_weights_after_the_last_step_are_caught(small):
    class NaNStep(SGD):
        def step(self, params, grads, l2=0.0): super().step(params, grads, l2); params['b1'][0] = np.nan
    model = MLP([784, 32, 10], seed=0)
    with pytest.raises(TrainingDiverged, match='the weights are no longer finite'):
        fit1(*small, model, optimizer=NaNStep(0.01), batch_size=256)
    assert finite(model)

@pytest.mark.parametrize('opt', [lambda: SGD(0.5), lambda: SGD(0.1, momentum=0.9), lambda: Adam(3e-2),
                                 lambda: SGD(0.05, momentum=0.9, nesterov=True)])
def test_healthy_runs_are_not_stopped(digits, opt):
    hist = fit1(*digits, MLP([784, 100, 10], seed=0), epochs=2, optimizer=opt(), seed=0)
    assert hist['train_acc'][-1] > 0.8

def test_results_unchanged_by_the_guard(small):
    "The guard only reads: a run gives the same weights as the same steps taken by hand."
    from numpy_mlp.data import Batches
    from numpy_mlp.training import TrainStep
    a, b = MLP([784, 32, 10], seed=0), MLP([784, 32, 10], seed=0)
    fit1(*small, a, epochs=2, optimizer=SGD(0.1), seed=3)
    step, opt = TrainStep(b.params), SGD(0.1)
    batches = Batches(*small, 64, seed=3, dtype=b.dtype)
    for _ in range(2):
        for Xb, yb in batches: opt.step(b.params, step(Xb, yb)[2], b.l2)
    for k in a.params: np.testing.assert_array_equal(a.params[k], b.params[k])

# ---- family 4: an interrupted fit keeps its history and a usable model ----

@pytest.mark.parametrize('exc', [KeyboardInterrupt, RuntimeError])
def test_callback_that_raises_keeps_the_history(small, exc):
    def cb(model, rec):
        if rec['epoch'] == 2: raise exc('stop')
    model = MLP([784, 32, 10], seed=0)
    with pytest.raises(exc) as e: fit1(*small, model, epochs=5, callback=cb)
    assert list(e.value.history['epoch']) == [1, 2] and list(model.history['epoch']) == [1, 2]
    note = e.value.__notes__[0]
    assert 'fit stopped in epoch 2 after 2 finished epochs' in note and 'model.history' in note
    assert 'its weights after the last finished step (8 steps)' in note
    assert finite(model) and 0 <= model.accuracy(small[0] / 255, small[1]) <= 1

def test_history_on_the_model_grows_epoch_by_epoch(small):
    model, lengths = MLP([784, 32, 10], seed=0), []
    fit1(*small, model, epochs=3, callback=lambda m, rec: lengths.append(len(m.history)))
    assert lengths == [1, 2, 3] and len(model.history) == 3

def test_interrupt_in_augment_keeps_the_last_finished_step(small):
    model, calls = MLP([784, 32, 10], seed=0), []
    def aug(Xb, rng):
        calls.append(copy(model.params))
        if len(calls) == 7: raise KeyboardInterrupt
        return Xb
    with pytest.raises(KeyboardInterrupt) as e: fit1(*small, model, epochs=3, augment=aug)
    assert list(e.value.history['epoch']) == [1]
    assert 'after the last finished step (6 steps)' in e.value.__notes__[0]
    for k in model.params: np.testing.assert_array_equal(model.params[k], calls[-1][k])

def test_interrupt_in_the_middle_of_a_step_restores_the_checkpoint(small, monkeypatch):
    "Ctrl-C between two arrays of one step would leave a half-moved model: the checkpoint comes back."
    monkeypatch.setattr(training, 'CHECKPOINT_EVERY', 1)
    class HalfStep(SGD):
        calls = 0
        def step(self, params, grads, l2=0.0):
            HalfStep.calls += 1
            if HalfStep.calls == 6:
                params['W1'] -= 1.0                        # one array moved ...
                raise KeyboardInterrupt                    # ... and the user presses Ctrl-C
            super().step(params, grads, l2)
    model, seen = MLP([784, 32, 10], seed=0), []
    def record(Xb, rng): seen.append(copy(model.params)); return Xb
    opt = HalfStep(0.1, momentum=0.9)
    with pytest.raises(KeyboardInterrupt) as e: fit1(*small, model, epochs=3, optimizer=opt, augment=record)
    note = e.value.__notes__[0]
    assert 'the interrupt cut a step short' in note and 'its weights after 5 steps' in note
    for k in model.params: np.testing.assert_array_equal(model.params[k], seen[5][k])
    assert opt.velocity == {}

# ---- the guard is cheap ----

def test_guard_costs_little(digits, monkeypatch):
    """The guard's work, counted (timings on a shared machine are too noisy to assert): per epoch one batch more
    than the epoch's own, and a copy of the weights every 50 steps plus one at the epoch's end."""
    from numpy_mlp.training import TrainStep, Checkpoint
    counts = {'batches': 0, 'copies': 0}
    step_call, save = TrainStep.__call__, Checkpoint.save
    def counted_step(self, X, y): counts['batches'] += 1; return step_call(self, X, y)
    def counted_save(self, *a): counts['copies'] += 1; return save(self, *a)
    monkeypatch.setattr(TrainStep, '__call__', counted_step); monkeypatch.setattr(Checkpoint, 'save', counted_save)
    fit1(*digits, MLP([784, 100, 10], seed=0), epochs=3, seed=0)       # 47 batches an epoch, 141 steps
    assert counts == {'batches': 3 * 48, 'copies': 3 + 2}               # epoch ends, and steps 50 and 100

def test_an_empty_validation_set_is_refused_before_training():
    "valid= with no rows used to fail with ZeroDivisionError after the first epoch; evaluate too."
    import numpy as np
    from numpy_mlp.model import MLP
    from numpy_mlp.training import fit
    from numpy_mlp.loss import evaluate
    X, y = np.zeros((64, 784), np.float32), np.arange(64) % 10
    m = MLP([784, 10], seed=0); before = m.params['W1'].copy()
    with pytest.raises(ValueError, match='the validation set is empty'):
        fit(m, X, y, epochs=1, valid=(X[:0], y[:0]), progress=False)
    assert np.array_equal(m.params['W1'], before)
    with pytest.raises(ValueError, match='X has no rows'): evaluate(m, X[:0], y[:0])

def test_divergence_on_unscaled_pixels_names_them(digits):
    "Floats 0-255 blow training up at lr 0.1: the error says what the likelier cause is, not only the rate."
    X, y = digits
    with np.errstate(all='ignore'), pytest.warns(UserWarning), pytest.raises(TrainingDiverged) as e:
        fit1(X.astype(np.float32), y, MLP([784, 100, 10], seed=0), optimizer=SGD(0.1), seed=0)
    assert 'the training inputs reach 255: if they are pixel values 0-255, divide them by 255' in str(e.value)
    with np.errstate(all='ignore'), pytest.raises(TrainingDiverged) as e:     # scaled, just too fast
        fit1(X, y, MLP([784, 100, 10], seed=0), optimizer=SGD(1e4), seed=0)
    assert 'try a smaller learning rate' in str(e.value) and 'pixel values' not in str(e.value)

def test_an_optimizer_with_state_is_not_shared_between_models(digits):
    "Momentum's velocities (or Adam's averages) from one model must not steer another of the same shape."
    X, y = digits
    for opt in (SGD(0.1, momentum=0.9), Adam(1e-3)):
        fit1(X[:256], y[:256], MLP([784, 32, 10], seed=0), optimizer=opt)
        with pytest.raises(ValueError, match='carries the running state of another model'):
            fit1(X[:256], y[:256], MLP([784, 32, 10], seed=1), optimizer=opt)
        opt.reset(); fit1(X[:256], y[:256], MLP([784, 32, 10], seed=1), optimizer=opt)
    model, opt = MLP([784, 32, 10], seed=0), SGD(0.1, momentum=0.9)
    fit1(X[:256], y[:256], model, optimizer=opt); fit1(X[:256], y[:256], model, optimizer=opt)  # same model: fine

def test_a_failed_fit_keeps_the_input_range_it_had(digits):
    X, y = digits
    model = MLP([784, 32, 10], seed=0)
    with np.errstate(all='ignore'), pytest.warns(UserWarning), pytest.raises(TrainingDiverged):
        fit1(X.astype(np.float32), y, model, optimizer=SGD(0.1))
    assert model.input_range is None                        # nothing was learnt from those inputs
    fit1(X, y, model)
    assert model.input_range == (0.0, 1.0)

def test_augment_returning_bytes_is_scaled(digits):
    "An augment that returns uint8 gets its bytes divided by 255, as every image entering the package does."
    X, y = digits
    seen = []
    def to_bytes(Xb, rng):
        out = (Xb * 255).round().astype(np.uint8); return out
    def record(m, rec): seen.append(rec['train_loss'])
    h_bytes = fit1(X[:512], y[:512], MLP([784, 32, 10], seed=0), augment=to_bytes, seed=0)
    h_plain = fit1(X[:512], y[:512], MLP([784, 32, 10], seed=0), seed=0)
    assert abs(h_bytes['train_loss'][0] - h_plain['train_loss'][0]) < 1e-3

# ---- callbacks= and the callbacks' own arguments ----

def _tiny():
    rng = np.random.default_rng(0)
    return rng.random((200, 8)).astype(np.float32), rng.integers(0, 3, 200)

def test_cancel_fit_mid_epoch_is_an_error_not_a_quiet_return():
    "CancelFit ends a run only between epochs; in the middle of one it would leave steps no check has seen."
    from numpy_mlp.training import Callback, CancelFit
    X, y = _tiny()
    for moment in ('before_batch', 'before_step', 'after_step'):
        cb = type('Stop', (Callback,), {moment: lambda self, t: (_ for _ in ()).throw(CancelFit())})()
        with pytest.raises(ValueError, match=f'CancelFit was raised in {moment}'):
            fit(MLP([8, 5, 3], seed=0), X, y, epochs=2, batch_size=50, progress=False, callbacks=[cb])
    class AtEpochEnd(Callback):
        def after_epoch(self, t): raise CancelFit
    m = MLP([8, 5, 3], seed=0)
    assert len(fit(m, X, y, epochs=5, progress=False, callbacks=[AtEpochEnd()])) == 1 and m.history[0]['epoch'] == 1

def test_callbacks_refuse_fit_own_duplicates_and_early_stopping_without_valid():
    from numpy_mlp.training import Recorder, EarlyStopping, DivergenceGuard, Augment, AfterEpoch
    X, y = _tiny(); m = MLP([8, 5, 3], seed=0); before = m.params['W1'].copy()
    with pytest.raises(ValueError, match="callbacks= adds to fit's own"):
        fit(m, X, y, epochs=1, progress=False, callbacks=[Recorder((X, y))])
    es = EarlyStopping()
    with pytest.raises(ValueError, match='one callback twice'):
        fit(m, X, y, epochs=1, valid=(X, y), progress=False, callbacks=[es, es])
    with pytest.raises(ValueError, match='EarlyStopping watches the validation accuracy: give fit valid='):
        fit(m, X, y, epochs=1, progress=False, callbacks=[EarlyStopping()])
    assert np.array_equal(m.params['W1'], before)           # refused before the first step
    with pytest.raises(ValueError, match='every must be an integer >= 1'): DivergenceGuard(0)
    with pytest.raises(TypeError, match='augment= must be a function'): Augment('x')
    with pytest.raises(TypeError, match='callback= must be a function'): AfterEpoch(3)

def test_callback_sees_the_epoch_early_stopping_ends_on():
    from numpy_mlp.training import EarlyStopping
    X, y = _tiny(); seen = []
    h = fit(MLP([8, 16, 3], seed=0), X, y, epochs=30, optimizer=SGD(0.5, momentum=0.9), valid=(X[:40], y[:40]),
            callback=lambda m, r: seen.append(r['epoch']), callbacks=[EarlyStopping(patience=1, tol=0.05)],
            progress=False, seed=0)
    assert len(h) < 30 and seen == list(h['epoch'])

def test_mlp_checks_its_seed_and_l2():
    for seed in (-1, 1.5, 'x', True):
        with pytest.raises(ValueError, match='seed must be None or an integer >= 0'): MLP([8, 3], seed=seed)
    assert type(MLP([8, 3], seed=np.int64(3)).seed) is int            # JSON can store it
    for l2 in ('0.5', None, True, [0.1]):
        with pytest.raises(ValueError, match='l2 must be >= 0 and finite'): MLP([8, 3], l2=l2)

def test_numbers_too_large_for_a_float_are_refused_in_words():
    from numpy_mlp.optim import Adam
    with pytest.raises(ValueError, match='the learning rate must be positive and finite'): SGD(10**400)
    with pytest.raises(ValueError, match='eps must be positive and finite'): Adam(eps=2**2000)
    with pytest.raises(ValueError, match='the schedule gave the factor'):
        SGD(0.1, schedule=lambda e, E: 10**400).start_epoch(0, 1)

def test_a_run_of_10_to_the_23_epochs_starts_at_once_or_is_refused_at_once(small):
    "fit checks a run's schedule up front, but a run too long to check epoch by epoch does not hang there."
    import signal
    from numpy_mlp.optim import make_optimizer
    from numpy_mlp.training import Callback, CancelFit
    class StopAfterOne(Callback):
        def after_epoch(self, trainer): raise CancelFit()
    def hang(*args): raise TimeoutError('fit neither started nor refused within 60 s')
    X, y = small
    run = lambda opt: fit(MLP([784, 8, 10], seed=0), X, y, epochs=10**23, progress=False, optimizer=opt,
                          callbacks=[StopAfterOne()])
    old = signal.signal(signal.SIGALRM, hang); signal.alarm(60)
    try:
        assert len(run(SGD(0.1, momentum=0.9))) == 1                     # no schedule: it trains
        with pytest.raises(ValueError, match='the schedule gave the factor 0.0 at epoch 99999999999999999'):
            run(make_optimizer('sgd', 0.1, 0.9, 'cosine', 10**23))        # cos rounds to 0 near the end
    finally: signal.alarm(0); signal.signal(signal.SIGALRM, old)

@pytest.mark.parametrize('every, error, words', [(0, ValueError, 'every must be an integer >= 1, got 0'),
                                                 (-2, ValueError, 'every must be an integer >= 1, got -2'),
                                                 (1.5, TypeError, 'every must be an integer >= 1, got 1.5'),
                                                 (True, TypeError, 'every must be an integer >= 1, got True')])
def test_history_table_names_a_bad_every(small, every, error, words):
    X, y = small
    h = fit(MLP([784, 8, 10], seed=0), X[:256], y[:256], epochs=2, progress=False)
    with pytest.raises(error, match=re.escape(words)): h.table(every)
    assert h.table(2).splitlines()[-1].split()[0] == '2'
