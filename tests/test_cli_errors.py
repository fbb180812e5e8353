"""Whatever a user types or feeds it, `numpy_mlp` ends in one line on stderr naming the
problem and status 2 (130 on Ctrl-C, 1 with "please report" for a bug of ours), never in a Python traceback; and
`train --save` refuses an unwritable path before training, and never loses a trained model.

Most cases run `main([...])` in this process on a tiny slice of MNIST (so each takes well under a second); a few
run the real command in a subprocess: Ctrl-C, and the traceback-free guarantee end to end."""
import errno, gzip, json, os, signal, subprocess, sys, tempfile, time, zlib
from pathlib import Path
import numpy as np
import pytest

import numpy_mlp.cli as cli
from numpy_mlp import data
from numpy_mlp.cli import main
from numpy_mlp.data import bundled_mnist, find_files, load_mnist
from numpy_mlp.io import load, save
from numpy_mlp.model import MLP

@pytest.fixture(scope='module')
def tiny():
    "400 training and 100 test images, raw uint8, as load_mnist(raw=True) returns them."
    (X, y), (Xt, yt) = load_mnist(raw=True)
    return (X[:400], y[:400]), (Xt[:100], yt[:100])

@pytest.fixture
def tiny_data(monkeypatch, tiny):
    "The CLI's load_mnist returns the tiny slice; the calls are recorded."
    calls = []
    def fake(*args, **kwargs):
        calls.append((args, kwargs))
        return tiny
    monkeypatch.setattr(cli, 'load_mnist', fake)
    return calls

def run(capsys, *argv):
    "Run main(argv) in this process: (exit status, stdout, stderr)."
    try: code = main([str(a) for a in argv])
    except SystemExit as e: code = e.code
    out, err = capsys.readouterr()
    return code, out, err

def one_line(code, err, *words, status=2):
    "Assert the CLI failed as it should: the status, one line on stderr holding `words`, no traceback."
    assert code == status, (code, err)
    assert 'Traceback' not in err, err
    assert err.count('\n') == 1 and err.endswith('\n'), err
    for w in words: assert w in err, (w, err)

QUICK = ('--epochs', '1', '--valid', '50', '--sizes', '784,16,10', '--no-progress')

@pytest.fixture(scope='module')
def model_file(tmp_path_factory):
    "A small trained model, saved."
    (X, y), _ = load_mnist()
    from numpy_mlp.training import fit
    model = MLP([784, 16, 10], seed=0)
    fit(model, X[:2000], y[:2000], epochs=1, progress=False)
    return save(model, tmp_path_factory.mktemp('model')/'m.npz', settings={'dataset': 'mnist'})

# ---- family 1: divergence and bad numbers ----------------------------------------------------------------------

def test_lr_50_diverges_in_one_line_and_reports_no_accuracy(capsys, tiny_data):
    code, out, err = run(capsys, 'train', '--lr', '50', *QUICK)
    one_line(code, err, 'training diverged at epoch 1', 'the learning rate --lr 50 is too large')
    assert 'accuracy' not in out, out

def test_fit_floating_point_error_becomes_one_line(capsys, tiny_data, monkeypatch):
    def blow_up(*a, **k):
        raise FloatingPointError("the loss became nan at epoch 3, batch 7 of 9, learning rate 2: try a smaller one")
    monkeypatch.setattr(cli, 'fit', blow_up)
    code, out, err = run(capsys, 'train', '--lr', '2', *QUICK)
    one_line(code, err, 'training diverged, the learning rate --lr 2 is too large', 'at epoch 3')
    assert 'accuracy' not in out

@pytest.mark.parametrize('flag, value, message', [
    ('--lr', 'inf', 'argument --lr: must be a finite number, got inf'),
    ('--lr', 'nan', 'argument --lr: must be a finite number, got nan'),
    ('--lr', '-inf', 'argument --lr: must be a finite number'),
    ('--l2', 'nan', 'argument --l2: must be a finite number, got nan'),
    ('--l2', 'inf', 'argument --l2: must be a finite number, got inf'),
    ('--l2', '-1', 'argument --l2: must be >= 0, got -1'),
    ('--momentum', 'nan', 'argument --momentum: must be a finite number'),
    ('--momentum', 'inf', 'argument --momentum: must be a finite number'),
    ('--momentum', '1', 'argument --momentum: must be below 1'),
    ('--epochs', 'inf', "argument --epochs: not a number: 'inf'"),
    ('--batch-size', 'nan', "argument --batch-size: not a number: 'nan'"),
    ('--epochs', '1e23', "argument --epochs: not a whole number: '1e23'"),
    ('--epochs', '2.5', "argument --epochs: not a whole number: '2.5'"),
])
def test_float_flags_refused_at_parse_time(capsys, tiny_data, flag, value, message):
    code, out, err = run(capsys, 'train', f'{flag}={value}')   # =: '-inf' is a value, not an option
    one_line(code, err, message)
    assert 'learning rate' not in err or flag == '--lr'      # --l2 nan is not blamed on the learning rate
    assert tiny_data == [] and out == ''                     # refused before any data was read

def test_absurd_width_refused_before_anything_is_allocated(capsys, tiny_data):
    t0 = time.perf_counter()
    code, out, err = run(capsys, 'train', '--sizes', '784,1000000000,10')
    one_line(code, err, 'sizes [784, 1000000000, 10]', 'weights would need 9,452.0 GB of memory (float32)',
             'GB available')
    assert tiny_data == [] and time.perf_counter() - t0 < 1

def test_out_of_memory_is_one_line(capsys, tiny_data, monkeypatch):
    def oom(*a, **k): raise MemoryError()
    monkeypatch.setattr(cli, 'fit', oom)
    code, out, err = run(capsys, 'train', *QUICK)
    one_line(code, err, 'numpy_mlp train: error: out of memory; try smaller layers')

# ---- family 1: files that cannot be read ---------------------------------------------------------------------

def _copy_mnist(dest):
    for p in find_files(bundled_mnist()).values(): (Path(dest)/p.name).write_bytes(p.read_bytes())
    return Path(dest)

def test_permission_denied_on_data_names_the_file(capsys, monkeypatch, tmp_path):
    d = _copy_mnist(tmp_path)
    def denied(path): raise PermissionError(errno.EACCES, 'Permission denied', str(path))
    monkeypatch.setattr(data, 'read_bytes', denied)       # what open() raises on a file we may not read
    code, out, err = run(capsys, 'data', '--path', d)
    one_line(code, err, 'numpy_mlp data: error: ', 'idx', 'ubyte.gz: Permission denied')

@pytest.mark.skipif(hasattr(os, 'geteuid') and os.geteuid() == 0, reason='root reads files whatever their mode')
def test_unreadable_data_file_chmod(capsys, tmp_path):
    d = _copy_mnist(tmp_path)
    (d/'train-labels-idx1-ubyte.gz').chmod(0)
    code, out, err = run(capsys, 'data', '--path', d)
    one_line(code, err, 'train-labels-idx1-ubyte.gz: Permission denied')

def test_data_path_that_is_a_file(capsys, tmp_path):
    f = tmp_path/'notafolder'; f.write_text('x')
    code, out, err = run(capsys, 'data', '--path', f)
    one_line(code, err, 'mnist files not found under')

def _bomb(path, header, gigabytes):
    "A gzip file that starts with `header` and expands to `gigabytes` GB of zeros (a few MB on disk)."
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = c.compress(header + bytes(2**20)) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(bytes(2**20)) + c.flush(zlib.Z_FULL_FLUSH)   # no back-references: repeatable
    with open(path, 'wb') as f:
        f.write(head)
        for _ in range(gigabytes * 2**10): f.write(block)
        f.write(c.flush())

def test_gzip_bomb_in_place_of_mnist_is_refused_at_once(capsys, tmp_path):
    d = _copy_mnist(tmp_path)
    header = bytes([0, 0, 8, 3]) + np.array([60000, 28, 28], '>u4').tobytes()
    _bomb(d/'train-images-idx3-ubyte.gz', header, 4)
    assert (d/'train-images-idx3-ubyte.gz').stat().st_size < 10 * 2**20
    t0 = time.perf_counter()
    code, out, err = run(capsys, 'data', '--path', d, '--no-verify')
    one_line(code, err, 'train-images-idx3-ubyte.gz: the gzip data expands past the 47,040,016 bytes',
             'gzip bomb')
    assert time.perf_counter() - t0 < 5

def test_fashion_offline_one_line_and_no_empty_cache(capsys, monkeypatch, tmp_path):
    pytest.importorskip('pooch')
    info = {**data.DATASETS['fashion'], 'url': 'http://127.0.0.1:9/', 'debian': str(tmp_path/'no-debian')}
    monkeypatch.setitem(data.DATASETS, 'fashion', info)
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path/'cache'))
    code, out, err = run(capsys, 'data', '--dataset', 'fashion')
    one_line(code, err, 'numpy_mlp data: error: fashion: downloading from http://127.0.0.1:9/ failed',
             'it needs the internet', 'numpy_mlp --data FOLDER')
    assert not (tmp_path/'cache').exists(), list((tmp_path/'cache').rglob('*'))

# ---- family 1: hostile model files and images ----------------------------------------------------------------

def _model_npz(path, meta, **arrays):
    np.savez(path, meta=np.array(json.dumps(meta)), **arrays)
    return path

def _meta(sizes, **settings):
    return {'format_version': 1, 'sizes': sizes, 'dtype': 'float32', 'l2': 0.0, 'init': 'he', 'seed': 0,
            'settings': settings}

def _weights(sizes):
    return {k: v for k, v in MLP(sizes, seed=0).params.items()}

def hostile_models(d):
    "Model files that a careless `load` crashes on, by name."
    d = Path(d)
    np.save(d/'plain.npy', np.zeros(3)); os.replace(d/'plain.npy', d/'npy.npz')
    w = _weights([784, 4, 10])
    return {
        'npy': d/'npy.npz',
        'strings': _model_npz(d/'strings.npz', _meta([784, 4, 10]), **{k: np.full(v.shape, 'x') for k, v in w.items()}),
        'meta_list': _model_npz(d/'meta_list.npz', [784, 4, 10], **w),
        'meta_number': _model_npz(d/'meta_number.npz', 3, **w),
        'huge_shape': _model_npz(d/'huge_shape.npz', _meta([784, 10**12, 10]), **w),
        'unknown_dataset': _model_npz(d/'unknown_dataset.npz', _meta([784, 4, 10], dataset='kmnist'), **w),
        'dataset_not_a_name': _model_npz(d/'dataset_list.npz', _meta([784, 4, 10], dataset=['mnist']), **w),
        'twelve_classes': _model_npz(d/'twelve.npz', _meta([784, 4, 12], dataset='mnist'), **_weights([784, 4, 12])),
        'empty': d/'empty.npz',
        'folder': d/'folder.npz',
    }

@pytest.fixture(scope='module')
def hostile(tmp_path_factory):
    d = tmp_path_factory.mktemp('hostile')
    files = hostile_models(d)
    files['empty'].write_bytes(b''); files['folder'].mkdir()
    return files

@pytest.mark.parametrize('name', ['npy', 'strings', 'meta_list', 'meta_number', 'huge_shape', 'unknown_dataset',
                                  'dataset_not_a_name', 'twelve_classes', 'empty', 'folder'])
@pytest.mark.parametrize('command', ['evaluate', 'predict'])
def test_hostile_model_files_one_line(capsys, hostile, tmp_path, name, command):
    from PIL import Image
    img = tmp_path/'digit.png'; Image.fromarray(np.kron(np.eye(7, dtype=np.uint8) * 255, np.ones((4, 4), np.uint8))).save(img)
    t0 = time.perf_counter()
    argv = ('evaluate', hostile[name]) if command == 'evaluate' else ('predict', hostile[name], img)
    code, out, err = run(capsys, *argv)
    one_line(code, err, f'numpy_mlp {command}: error: ', str(hostile[name]))
    assert out == '' and time.perf_counter() - t0 < 5

def test_decompression_bomb_image_one_line(capsys, monkeypatch, model_file, tmp_path):
    from PIL import Image
    monkeypatch.setattr(Image, 'MAX_IMAGE_PIXELS', 1000)   # a small limit stands in for PIL's 89 million pixels
    for side in (40, 50):                                   # 1600 pixels: PIL warns; 2500: PIL refuses
        img = tmp_path/f'big{side}.png'
        Image.fromarray(np.full((side, side), 255, np.uint8)).save(img)
        code, out, err = run(capsys, 'predict', model_file, img)
        one_line(code, err, f'big{side}.png: refused, the image is too large to read safely', 'pixels')

def test_internal_error_is_one_line_status_1(capsys, monkeypatch):
    def broken(args): raise RuntimeError('boom')
    monkeypatch.setattr(cli, 'cmd_data', broken)
    code, out, err = run(capsys, 'data')
    assert (code, err) == (1, 'numpy_mlp: internal error: RuntimeError: boom (please report)\n')

def test_keyboard_interrupt_in_process_is_130(capsys, monkeypatch):
    def interrupted(args): raise KeyboardInterrupt
    monkeypatch.setattr(cli, 'cmd_data', interrupted)
    code, out, err = run(capsys, 'data')
    one_line(code, err, 'numpy_mlp: interrupted', status=130)

def test_evaluate_says_which_dataset(capsys, model_file, monkeypatch, tiny):
    (X, y), (Xt, yt) = tiny
    floats = (X / np.float32(255), y), (Xt / np.float32(255), yt)     # floats or bytes: the same answer
    monkeypatch.setattr(cli, 'load_mnist', lambda *a, **k: floats)
    code, out, err = run(capsys, 'evaluate', model_file)
    assert code == 0 and 'evaluated on the mnist test set\n' in out
    code, out, err = run(capsys, 'evaluate', model_file, '--dataset', 'fashion')
    assert code == 0 and 'evaluated on the fashion test set (the model was trained on mnist)' in out

# ---- family 2: --save is checked before training, and the model is never lost --------------------------------

@pytest.mark.parametrize('target, message', [
    (lambda d: d, 'is a folder, not a model file; give a file name'),
    (lambda d: d/'missing'/'m.npz', 'the folder {d}/missing does not exist'),
    (lambda d: d/('x' * 260 + '.npz'), 'the file name is too long (264 bytes; at most'),
    (lambda d: d/'afile'/'m.npz', '{d}/afile is not a folder'),
])
def test_save_path_refused_before_training(capsys, tiny_data, tmp_path, target, message):
    (tmp_path/'afile').write_text('x')
    code, out, err = run(capsys, 'train', *QUICK, '--save', target(tmp_path))
    one_line(code, err, '--save ', message.format(d=tmp_path))
    assert tiny_data == [] and out == ''      # no data read, no training

@pytest.mark.skipif(hasattr(os, 'geteuid') and os.geteuid() == 0, reason='root writes in any folder')
def test_save_into_read_only_folder_refused_before_training(capsys, tiny_data, tmp_path):
    ro = tmp_path/'ro'; ro.mkdir(); ro.chmod(0o500)
    try:
        code, out, err = run(capsys, 'train', *QUICK, '--save', ro/'m.npz')
        one_line(code, err, f'cannot write in {ro} (Permission denied)')
        assert tiny_data == []
    finally: ro.chmod(0o700)

def test_failed_save_falls_back_and_says_where(capsys, tiny_data, tmp_path, monkeypatch):
    target, spare = tmp_path/'m.npz', tmp_path/'spare'
    spare.mkdir()
    monkeypatch.setattr(tempfile, 'tempdir', str(spare))
    def full_disk(model, path, settings=None):
        if Path(path) == target: raise OSError(errno.ENOSPC, 'No space left on device')
        return save(model, path, settings=settings)
    monkeypatch.setattr(cli, 'save', full_disk)
    code, out, err = run(capsys, 'train', *QUICK, '--save', target)
    one_line(code, err, f'could not save the model to {target} (No space left on device); it was saved to '
                        f'{spare}/numpy_mlp-', '.npz instead')
    assert 'test accuracy' in out
    [kept] = spare.glob('numpy_mlp-*.npz')
    assert load(kept).sizes == [784, 16, 10]

def test_failed_save_and_failed_fallback_say_the_model_is_lost(capsys, tiny_data, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path/'gone'))
    def full_disk(model, path, settings=None): raise OSError(errno.ENOSPC, 'No space left on device')
    monkeypatch.setattr(cli, 'save', full_disk)
    code, out, err = run(capsys, 'train', *QUICK, '--save', tmp_path/'m.npz')
    one_line(code, err, 'could not save the model to', 'nor to', 'it is lost')

def test_save_works(capsys, tiny_data, tmp_path):
    code, out, err = run(capsys, 'train', *QUICK, '--save', tmp_path/'m.npz')
    assert (code, err) == (0, '') and f'saved to {tmp_path/"m.npz"}' in out
    assert [p.name for p in tmp_path.iterdir()] == ['m.npz']     # the up-front probe left nothing behind

# ---- the real command, in a subprocess -------------------------------------------------------------------------

COMMAND = [sys.executable, '-u', '-c', 'import sys; from numpy_mlp.cli import main; sys.exit(main())']

def test_ctrl_c_during_training_exits_130_with_one_line(tmp_path):
    p = subprocess.Popen([*COMMAND, 'train', '--epochs', '50', '--valid', '0', '--no-progress'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        first = p.stdout.readline()             # "training MLP(...)": the data is loaded, training has begun
        assert first.startswith('training'), first
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None: p.kill()
    one_line(p.returncode, err, 'numpy_mlp: interrupted', status=130)

@pytest.mark.parametrize('args, message', [
    (('train', '--lr', '50', '--epochs', '1', '--valid', '0', '--no-progress'), 'training diverged'),
    (('train', '--l2', 'nan'), 'argument --l2: must be a finite number'),
    (('train', '--sizes', '784,1000000000,10'), 'would need 9,452.0 GB of memory'),
    (('train', '--save', '.'), 'is a folder'),
    (('evaluate', 'meta_list.npz'), 'meta_list.npz'),
    (('predict', 'huge_shape.npz', 'x.png'), 'huge_shape.npz'),
])
def test_real_command_never_prints_a_traceback(args, message, hostile):
    p = subprocess.run([*COMMAND, *args], capture_output=True, text=True, cwd=hostile['npy'].parent, timeout=300)
    one_line(p.returncode, p.stderr, message)
    assert 'Traceback' not in p.stdout

@pytest.mark.parametrize('target, message', [('', '--save: an empty path'),
                                             ('/dev/null', 'not a regular file')])
def test_save_to_an_empty_path_or_a_device_is_refused_up_front(capsys, tiny_data, target, message):
    code, out, err = run(capsys, 'train', *QUICK, '--save', target)
    one_line(code, err, message)
    assert 'training' not in out

@pytest.mark.parametrize('l2', ['100', '1e6', '1e308'])
def test_huge_l2_is_named_not_the_learning_rate(capsys, tiny_data, l2):
    code, out, err = run(capsys, 'train', *QUICK, '--l2', l2)
    one_line(code, err, f'--lr 0.1 with --l2 {float(l2):g}', 'choose a smaller --l2')

def test_overflow_warnings_do_not_break_the_one_line(capsys, tiny_data):
    code, out, err = run(capsys, 'train', *QUICK, '--lr', '1e39', '--optimizer', 'sgd', '--l2', '0')
    one_line(code, err, 'training diverged')

def test_predict_names_the_image_that_fails(capsys, tiny_data, tmp_path, model_file):
    from PIL import Image
    Image.fromarray(np.zeros((40, 40), np.uint8)).save(tmp_path/'black.png')
    code, out, err = run(capsys, 'predict', str(model_file), str(tmp_path/'black.png'))
    one_line(code, err, 'black.png', 'blank')
