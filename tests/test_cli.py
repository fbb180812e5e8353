"""The numpy_mlp command run end to end, as a user runs it: a separate process, exit codes, what it prints."""
import subprocess, sys
import numpy as np
import pytest
from numpy_mlp.data import load_mnist

def cli(*args, cwd=None):
    "Run `numpy_mlp ARGS` (through this Python) and return (exit code, stdout, stderr)."
    p = subprocess.run([sys.executable, '-c', 'import sys; from numpy_mlp.cli import main; sys.exit(main())', *args],
                       capture_output=True, text=True, cwd=cwd, timeout=600)
    return p.returncode, p.stdout, p.stderr

@pytest.fixture(scope='module')
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('model')/'m.npz'
    code, out, err = cli('train', '--sizes', '784,64,10', '--epochs', '2', '--valid', '5000', '--save', str(path))
    assert code == 0, err
    assert 'Traceback' not in err and path.is_file()
    assert float(out.split('test accuracy: ')[1].split()[0]) > 0.93
    return path

def test_evaluate(model_file):
    code, out, err = cli('evaluate', str(model_file))
    assert code == 0, err
    acc = float(out.split('test accuracy: ')[1].split()[0])
    rows = [l.split() for l in out.splitlines()[-10:]]
    cm = np.array([[int(v) for v in r[1:]] for r in rows])
    assert cm.shape == (10, 10) and cm.sum() == 10000
    assert cm.sum(axis=1).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert abs(np.trace(cm) / 10000 - acc) < 1e-4

def test_predict_images(model_file, tmp_path):
    from PIL import Image
    _, (X, y) = load_mnist()
    paths = []
    for i in range(8):    # black ink on white paper, enlarged, as RGB and grey-scale PNG and JPEG
        big = np.kron(1 - X[i].reshape(28, 28), np.ones((4, 4)))
        img = Image.fromarray((big * 255).astype(np.uint8))
        if i % 2: img = img.convert('RGB')
        paths.append(tmp_path/f'digit{i}.{"jpg" if i % 3 == 2 else "png"}'); img.save(paths[-1])
    code, out, err = cli('predict', str(model_file), *map(str, paths))
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 8
    predicted = [int(l.split(': ')[1].split()[0]) for l in lines]
    assert sum(p == t for p, t in zip(predicted, y[:8])) >= 7, (predicted, y[:8])
    assert all('probability 0.' in l or 'probability 1.' in l for l in lines)

@pytest.mark.parametrize('args, message', [
    (('evaluate', 'missing.npz'), 'missing.npz: no such model file'),
    (('predict', 'missing.npz', 'x.png'), 'missing.npz: no such model file'),
    (('train', '--epochs', '-2'), 'argument --epochs: must be positive'),
    (('train', '--optimizer', 'lbfgs'), "invalid choice: 'lbfgs'"),
    (('train', '--sizes', '784,100,12'), 'must start at 784 (pixels) and end at 10 (classes)'),
    (('data', '--path', 'nowhere'), 'mnist files not found under nowhere'),
])
def test_bad_input_one_line_no_traceback(args, message, tmp_path):
    code, out, err = cli(*args, cwd=tmp_path)
    assert code == 2, (code, err)
    assert message in err and err.count('\n') == 1 and 'Traceback' not in err, err

def test_damaged_model_and_image(model_file, tmp_path):
    cut = tmp_path/'cut.npz'; cut.write_bytes(model_file.read_bytes()[:1000])
    code, _, err = cli('evaluate', str(cut))
    assert code == 2 and 'damaged or truncated' in err and err.count('\n') == 1
    bad = tmp_path/'bad.png'; bad.write_text('not an image')
    code, _, err = cli('predict', str(model_file), str(bad))
    assert code == 2 and 'not a readable image' in err and err.count('\n') == 1
    code, _, err = cli('predict', str(model_file), str(tmp_path/'absent.png'))
    assert code == 2 and 'absent.png: no such image file' in err

def test_help_explains_every_flag():
    code, out, _ = cli('train', '--help')
    assert code == 0
    for flag in ('--sizes', '--epochs', '--batch-size', '--optimizer', '--lr', '--momentum', '--schedule', '--l2',
                 '--init', '--shift', '--valid', '--seed', '--dtype', '--dataset', '--data', '--save', '--no-progress'):
        assert flag in out, flag

def test_train_recipe_draw_trains_the_pads_network_and_saves_it(tmp_path, monkeypatch, capsys):
    "`train --recipe draw` runs augment.train_draw_model (here cut to 1 epoch on 2,000 images) and saves it."
    import numpy_mlp.augment as augment, numpy_mlp.cli as cli
    from numpy_mlp.io import load
    full, calls = augment.train_draw_model, []
    def quick(seed=0, progress=False):
        calls.append(seed)
        return full(seed=seed, progress=progress, epochs=1, n=2000)
    monkeypatch.setattr(augment, 'train_draw_model', quick)
    assert cli.main(['train', '--recipe', 'draw', '--seed', '3', '--save', str(tmp_path/'pad.npz'), '--no-progress']) == 0
    out = capsys.readouterr().out
    sizes = augment.draw_recipe()['sizes']
    assert calls == [3] and f"the drawing pad's network {sizes}" in out and 'test accuracy: 0.' in out
    model = load(tmp_path/'pad.npz')
    assert model.sizes == sizes and model.settings['augment'] == 'handwriting_augment'
