"""`save` and `load` against hostile files and interrupted saves. Fast: the whole module runs in a few seconds."""
import json, os, re, signal, struct, subprocess, sys, textwrap, time, tracemalloc, zipfile, zlib
from pathlib import Path

import numpy as np
import pytest

import numpy_mlp.model, numpy_mlp.checks
from numpy_mlp.io import (TEMP_TAG, ModelFileError, check_meta, load, new_file_mode, remove_stale_temps,
                          save)
from numpy_mlp.model import MLP

SIZES = [784, 32, 10]

@pytest.fixture
def model(): return MLP(SIZES, seed=0)

@pytest.fixture
def saved(tmp_path, model): return save(model, tmp_path/'m.npz', settings={'dataset': 'mnist'})

def temps(folder): return sorted(p.name for p in Path(folder).iterdir() if TEMP_TAG in p.name)

def same(a, b): return all(np.array_equal(a.params[k], b.params[k]) for k in a.params)

# ---- family 4: nothing lost, nothing left behind ----------------------------------------------------------

@pytest.mark.parametrize('bad', [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize('array', ['W1', 'b2'])
def test_save_refuses_nonfinite_weights_and_keeps_the_good_file(saved, model, bad, array):
    diverged = MLP(SIZES, seed=1); diverged.params[array].flat[3] = bad
    with pytest.raises(ValueError, match=f'refusing to save: array {array} holds NaN or infinite values'):
        save(diverged, saved)
    assert same(load(saved), model) and temps(saved.parent) == []

@pytest.mark.parametrize('settings, message', [
    ([1, 2], 'settings must be a JSON object, got a list'),
    ({'dataset': 'kmnist'}, "unknown dataset 'kmnist'"),
    ({'dataset': 'fashion', 'x': {1, 2}}, 'settings must be JSON-able'),
])
def test_save_refuses_settings_load_would_refuse(saved, model, settings, message):
    with pytest.raises(ValueError, match=message): save(MLP(SIZES, seed=1), saved, settings=settings)
    assert same(load(saved), model)

def test_new_file_mode_follows_the_umask(tmp_path, model):
    old = os.umask(0o022)
    try:
        save(model, tmp_path/'a.npz')
        assert oct(os.stat(tmp_path/'a.npz').st_mode & 0o7777) == '0o644'        # not mkstemp's 0o600
        os.umask(0o027); save(model, tmp_path/'b.npz')
        assert oct(os.stat(tmp_path/'b.npz').st_mode & 0o7777) == '0o640'
        assert new_file_mode() == 0o640
    finally: os.umask(old)

@pytest.mark.parametrize('mode', [0o600, 0o640, 0o664, 0o444])
def test_overwrite_keeps_the_mode(saved, mode):
    os.chmod(saved, mode)
    save(MLP(SIZES, seed=1), saved)
    assert oct(os.stat(saved).st_mode & 0o7777) == oct(mode)

def test_symlink_writes_the_target_and_stays_a_link(tmp_path, model):
    real = tmp_path/'models'/'real.npz'; real.parent.mkdir()
    save(model, real)
    (tmp_path/'link.npz').symlink_to('models/real.npz'); (tmp_path/'link2.npz').symlink_to('link.npz')
    other = MLP(SIZES, seed=5)
    assert save(other, tmp_path/'link2.npz') == tmp_path/'link2.npz'          # a chain of links
    assert (tmp_path/'link.npz').is_symlink() and (tmp_path/'link2.npz').is_symlink()
    assert same(load(real), other) and same(load(tmp_path/'link2.npz'), other)
    assert temps(tmp_path) == [] and temps(real.parent) == []              # written beside the target

def test_dangling_symlink_creates_the_target(tmp_path, model):
    (tmp_path/'link.npz').symlink_to('new.npz')
    save(model, tmp_path/'link.npz')
    assert (tmp_path/'link.npz').is_symlink() and same(load(tmp_path/'new.npz'), model)

def test_save_to_a_folder_or_a_missing_folder(tmp_path, model):
    (tmp_path/'dir.npz').mkdir()
    with pytest.raises(IsADirectoryError, match='is a folder, not a model file'): save(model, tmp_path/'dir.npz')
    with pytest.raises(FileNotFoundError, match='does not exist'): save(model, tmp_path/'no'/'m.npz')
    assert temps(tmp_path) == []

def test_a_name_at_the_length_limit_still_saves(tmp_path, model):
    name = 'x' * 251 + '.npz'                          # 255 bytes: the temporary name is shortened to fit
    save(model, tmp_path/name); assert same(load(tmp_path/name), model) and temps(tmp_path) == []

def test_25_interrupted_saves_leave_nothing_after_the_next_save(saved, tmp_path, model):
    for i in range(25):                                # 25 saves killed mid-write: their process is gone
        (tmp_path/f'.m.npz{TEMP_TAG}{999_999_000 + i}-abcd{i:04d}').write_bytes(os.urandom(4096))
    assert len(temps(tmp_path)) == 25
    save(model, saved)
    assert temps(tmp_path) == [] and same(load(saved), model)

def test_only_stale_temporary_files_are_removed(tmp_path):
    mine = tmp_path/f'.m.npz{TEMP_TAG}{os.getpid()}-live1234'; mine.write_bytes(b'x')   # a save in progress
    old = tmp_path/f'.m.npz{TEMP_TAG}{os.getpid()}-old12345'; old.write_bytes(b'x')
    os.utime(old, (time.time() - 3600,) * 2)                                          # an hour old
    dead = tmp_path/f'.other.npz{TEMP_TAG}999999999-dead1234'; dead.write_bytes(b'x')
    keep = ['notes.txt', f'm.npz{TEMP_TAG}999999999-abc', f'.m.npz{TEMP_TAG}999999999-abc.bak', 'folder']
    for k in keep[:-1]: (tmp_path/k).write_bytes(b'x')
    (tmp_path/f'.d{TEMP_TAG}999999999-dir').mkdir()                                 # a folder: not ours
    removed = remove_stale_temps(tmp_path)
    assert sorted(p.name for p in removed) == sorted([old.name, dead.name])
    assert mine.exists() and all((tmp_path/k).exists() for k in keep[:-1])

CHILD = textwrap.dedent('''
    import sys, time, numpy as np
    from numpy_mlp.io import save
    from numpy_mlp.model import MLP
    model = MLP([784, 1000, 1000, 10], seed=0)         # 4 M weights, 16 MB on disk
    if sys.argv[2] == 'pause':                         # write 1 MB, say so, and wait to be killed
        def slow_savez(f, **arrays): f.write(b'PK' * 2**19); f.flush(); print('writing', flush=True); time.sleep(60)
        np.savez = slow_savez
        save(model, sys.argv[1])
    else:                                              # save again and again until killed
        print('saving', flush=True)
        while True: save(model, sys.argv[1])
''')

def test_kill_9_mid_save_leaves_a_temp_file_that_the_next_save_removes(saved, tmp_path, model):
    env = {**os.environ, 'PYTHONPATH': str(Path(__file__).parents[1])}
    child = subprocess.Popen([sys.executable, '-c', CHILD, str(saved), 'pause'], stdout=subprocess.PIPE,
                             text=True, env=env)
    assert child.stdout.readline() == 'writing\n'
    left = temps(tmp_path)
    assert left == [f'.m.npz{TEMP_TAG}{child.pid}-' + left[0].rsplit('-', 1)[1]]   # recognisable, with its pid
    child.send_signal(signal.SIGKILL); child.wait(); child.stdout.close()
    assert same(load(saved), model)                    # the old file is intact
    save(model, saved)
    assert temps(tmp_path) == []

def test_real_kill_9_during_repeated_saves(saved, tmp_path, model):
    env = {**os.environ, 'PYTHONPATH': str(Path(__file__).parents[1])}
    for _ in range(3):
        child = subprocess.Popen([sys.executable, '-c', CHILD, str(saved), 'loop'], stdout=subprocess.PIPE,
                                 text=True, env=env)
        assert child.stdout.readline() == 'saving\n'
        deadline = time.time() + 20
        while not temps(tmp_path) and time.time() < deadline: time.sleep(0.001)   # kill it mid-write
        child.send_signal(signal.SIGKILL); child.wait(); child.stdout.close()
        assert load(saved).sizes in (SIZES, [784, 1000, 1000, 10])                 # old or new, never half
    save(model, saved)
    assert temps(tmp_path) == [] and same(load(saved), model)

# ---- family 5: bounded work on hostile model files -------------------------------------------------------

def meta(sizes=SIZES, **changes):
    return {'format_version': 1, 'sizes': sizes, 'dtype': 'float32', 'l2': 0.001, 'init': 'he', 'seed': 0,
            'settings': {}, **changes}

def npz(path, meta_value, sizes=SIZES, **arrays):
    "A model file: `meta_value` (JSON-dumped unless already an array), and the weights of `sizes`, replaced."
    weights = {**MLP(sizes, seed=0).params, **arrays}
    m = meta_value if isinstance(meta_value, np.ndarray) else np.array(json.dumps(meta_value))
    np.savez(path, meta=m, **{k: v for k, v in weights.items() if v is not None})
    return path

def test_1_5_million_unit_meta_refused_fast_without_allocating(tmp_path):
    f = npz(tmp_path/'huge.npz', meta([784, 1_500_000, 10]))
    assert 90_000 < f.stat().st_size < 110_000                 # a 103 KB file
    tracemalloc.start(); t0 = time.perf_counter()
    with pytest.raises(ModelFileError, match='1500000'): load(f)
    secs = time.perf_counter() - t0; peak = tracemalloc.get_traced_memory()[1]; tracemalloc.stop()
    assert secs < 0.2 and peak < 2_000_000, (secs, peak)     # 45 s and 13.5 GB before

def test_sizes_beyond_memory_refused_before_any_header(tmp_path, monkeypatch):
    monkeypatch.setattr(numpy_mlp.checks, 'memory_available', lambda: 2**30)     # a 1 GB machine
    f = npz(tmp_path/'big.npz', meta([784, 1_500_000, 10]))
    with pytest.raises(ModelFileError, match=r'GB of memory .* than the 1.1 GB available'): load(f)

def test_large_unused_entry_is_never_read(saved, monkeypatch):
    with zipfile.ZipFile(saved, 'a', zipfile.ZIP_DEFLATED) as zf: zf.writestr('junk.npy', bytes(30_000_000))
    opened, real_open = [], zipfile.ZipFile.open
    def spy(self, name, *a, **k):
        opened.append(getattr(name, 'filename', name)); return real_open(self, name, *a, **k)
    monkeypatch.setattr(zipfile.ZipFile, 'open', spy)
    t0 = time.perf_counter(); model = load(saved); secs = time.perf_counter() - t0
    assert model.sizes == SIZES and 'junk.npy' not in opened and secs < 0.1, (opened, secs)
    assert set(opened) == {'meta.npy', 'W1.npy', 'b1.npy', 'W2.npy', 'b2.npy'}

def test_declared_size_must_match_the_header(saved, tmp_path):
    with zipfile.ZipFile(saved) as zf, zipfile.ZipFile(tmp_path/'lying.npz', 'w') as out:
        for i in zf.infolist(): out.writestr(i.filename, zf.read(i) + (b'\0' * 10**6 if i.filename == 'b1.npy' else b''))
    with pytest.raises(ModelFileError, match="entry b1.npy declares 1,000,256 bytes, but its header says 256"):
        load(tmp_path/'lying.npz')

def test_meta_too_large(saved, tmp_path, monkeypatch):
    monkeypatch.setattr('numpy_mlp.io.MAX_META_BYTES', 100)
    with pytest.raises(ModelFileError, match="its 'meta' entry declares .* bytes, more than the 100"): load(saved)

HOSTILE = {   # name: (meta, arrays to replace, message)
    'meta_list': ([784, 32, 10], {}, "its 'meta' is a list, not a JSON object"),
    'meta_number': (3, {}, "its 'meta' is a number"),
    'meta_string': ('784,32,10', {}, "its 'meta' is a string"),
    'meta_null': (None, {}, "its 'meta' is null"),
    'version_string': (meta(format_version='1'), {}, "no valid format_version (got '1')"),
    'version_newer': (meta(format_version=2), {}, 'format version 2 is newer than this numpy_mlp reads (1)'),
    'sizes_strings': (meta(['784', '32', '10']), {}, "'784' is not a positive integer"),
    'sizes_string': (meta('784,32,10'), {}, "'meta' sizes must be a list of integers, got a string"),
    'sizes_float': (meta([784, 32.5, 10]), {}, '32.5 is not a positive integer'),
    'sizes_tera': (meta([784, 10**12, 10]), {}, 'GB of memory'),
    'l2_string': (meta(l2='0.001'), {}, "l2 must be a finite number >= 0, got '0.001'"),
    'seed_string': (meta(seed='0'), {}, "seed must be a non-negative integer or null, got '0'"),
    'dtype_object': (meta(dtype='object'), {}, "dtype must be 'float32' or 'float64', got 'object'"),
    'init_unknown': (meta(init='zeros'), {}, "init must be one of ['he', 'origin', 'xavier'], got 'zeros'"),
    'lacks_l2': ({k: v for k, v in meta().items() if k != 'l2'}, {}, "its 'meta' lacks ['l2']"),
    'settings_list': (meta(settings=['mnist']), {}, 'settings must be a JSON object, got a list'),
    'unknown_dataset': (meta(settings={'dataset': 'kmnist'}), {}, "its settings name an unknown dataset 'kmnist'"),
    'dataset_list': (meta(settings={'dataset': ['mnist']}), {}, "unknown dataset ['mnist']"),
    'class_outside_names': (meta([784, 32, 12], settings={'dataset': 'mnist'}), 'sizes12',
                            'a class index outside the class names'),
    'string_arrays': (meta(), {'W1': np.full((784, 32), 'x')}, 'array W1 has dtype <U1, expected floating-point'),
    'bytes_arrays': (meta(), {'b1': np.zeros(32, 'S4')}, 'array b1 has dtype |S4, expected floating-point'),
    'int_arrays': (meta(), {'b1': np.zeros(32, np.int32)}, 'array b1 has dtype int32'),
    'complex_arrays': (meta(), {'b1': np.zeros(32, complex)}, 'array b1 has dtype complex128'),
    'object_arrays': (meta(), {'W2': np.array([None, 1], dtype=object)}, 'holds pickled objects, which are never'),
    'wrong_shape': (meta(), {'W1': np.zeros((32, 784), np.float32)},
                    'array W1 has shape (32, 784), expected (784, 32) for sizes [784, 32, 10]'),
    'missing_array': (meta(), {'b2': None}, "missing arrays ['b2'] for a network of 3 layer sizes"),
    'nan_weights': (meta(), {'W2': np.full((32, 10), np.nan, np.float32)}, 'array W2 holds NaN or infinite values'),
    'meta_array': (np.zeros(3), {}, "its 'meta' entry is a float64 array of shape (3,), not JSON text"),
    'meta_pickled': (np.array([{'a': 1}], dtype=object), {}, 'holds pickled objects, which are never loaded'),
    'meta_bad_json': (np.array('{"sizes": [784'), {}, "its 'meta' entry is not valid JSON"),
}

@pytest.mark.parametrize('name', HOSTILE)
def test_hostile_model_file_refused_with_its_message(tmp_path, name):
    m, arrays, message = HOSTILE[name]
    sizes = [784, 32, 12] if arrays == 'sizes12' else SIZES
    f = npz(tmp_path/f'{name}.npz', m, sizes=sizes, **({} if arrays == 'sizes12' else arrays))
    t0 = time.perf_counter()
    with pytest.raises(ModelFileError) as e: load(f)
    assert message in str(e.value) and str(f) in str(e.value), str(e.value)
    assert '\n' not in str(e.value) and time.perf_counter() - t0 < 0.5

def test_other_hostile_files(tmp_path, saved):
    np.save(tmp_path/'a.npy', np.zeros(3)); os.replace(tmp_path/'a.npy', tmp_path/'npy.npz')
    cases = {'npy.npz': 'a single-array .npy file, not a .npz model file written by save',
             'empty.npz': 'damaged or truncated (not a zip archive)', 'text.npz': 'damaged or truncated',
             'half.npz': 'damaged or truncated', 'folder.npz': 'is a folder, not a model file',
             'nometa.npz': "no 'meta' entry: not a numpy_mlp model file"}
    (tmp_path/'empty.npz').write_bytes(b''); (tmp_path/'text.npz').write_text('hello')
    (tmp_path/'half.npz').write_bytes(saved.read_bytes()[:60_000]); (tmp_path/'folder.npz').mkdir()
    np.savez(tmp_path/'nometa.npz', W1=np.zeros(3))
    for name, message in cases.items():
        with pytest.raises(ModelFileError, match=re.escape(message)): load(tmp_path/name)
    with pytest.raises(FileNotFoundError, match='no such model file'): load(tmp_path/'none.npz')

def test_crc_damage_inside_an_entry(saved, tmp_path):
    blob = bytearray(saved.read_bytes()); i = blob.index(b'W1.npy') + 2000; blob[i] ^= 0xFF
    (tmp_path/'flipped.npz').write_bytes(bytes(blob))
    with pytest.raises(ModelFileError, match='damaged or truncated'): load(tmp_path/'flipped.npz')

def test_harmless_variants_still_load(tmp_path, model):
    p = model.params
    np.savez_compressed(tmp_path/'c.npz', meta=np.array(json.dumps(meta())), **p)              # deflated
    np.savez(tmp_path/'f.npz', meta=np.array(json.dumps(meta())),
             **{k: np.asfortranarray(v) if v.ndim == 2 else v for k, v in p.items()})            # Fortran order
    np.savez(tmp_path/'be.npz', meta=np.array(json.dumps(meta())), **{k: v.astype('>f8') for k, v in p.items()})
    for name in ('c.npz', 'f.npz', 'be.npz'):
        back = load(tmp_path/name)
        assert back.dtype == np.float32 and same(back, model), name
        assert all(v.flags.writeable and v.flags.c_contiguous for v in back.params.values())

def test_check_meta_accepts_what_save_writes(model):
    m = meta(settings={'dataset': 'fashion', 'history': [{'epoch': 1, 'train_loss': 0.3}]}, seed=None)
    assert check_meta(m) is m

def test_save_refuses_to_replace_a_device_or_a_pipe(tmp_path):
    "A FIFO (or /dev/full, as root) must stay what it is: save refuses anything but a regular file."
    import os
    from numpy_mlp.model import MLP
    from numpy_mlp.io import save
    fifo = tmp_path/'fifo'; os.mkfifo(fifo)
    with pytest.raises(ValueError, match='is not a regular file'): save(MLP([784, 10], seed=0), fifo)
    assert fifo.is_fifo()
    with pytest.raises(ValueError, match='is not a regular file'): save(MLP([784, 10], seed=0), '/dev/null')
    assert not os.path.isfile('/dev/null')

def test_more_save_targets_refused(tmp_path):
    from numpy_mlp.io import save
    model = MLP([784, 10], seed=0)
    with pytest.raises(ValueError, match='an empty path'): save(model, '')
    with pytest.raises(FileNotFoundError, match="names a folder .it ends with '/'. that does not exist"):
        save(model, f'{tmp_path}/newdir/')
    assert not (tmp_path / 'newdir').exists()

def test_json_integers_too_large_for_a_float_are_refused_not_raised():
    base = {'format_version': 1, 'sizes': [784, 10], 'dtype': 'float32', 'l2': 0.0, 'init': 'he', 'seed': 0}
    with pytest.raises(ModelFileError, match='l2 must be a finite number'): check_meta({**base, 'l2': 10**400})
    with pytest.raises(ModelFileError, match='input_range must be null or'):
        check_meta({**base, 'input_range': [0, 10**400]})

def test_a_known_dataset_names_classes_only_when_the_outputs_match(tmp_path):
    from numpy_mlp.io import save
    m = MLP([784, 32, 3], seed=0); m.dataset = 'mnist'
    assert load(save(m, tmp_path / 'm3.npz')).classes is None        # 3 outputs: MNIST's 10 names do not fit

@pytest.mark.parametrize('error, words', [(MemoryError(), 'not a readable model file (it needs too much memory)'),
                                          (TypeError('odd'), 'not a readable model file (TypeError: odd)')])
def test_load_words_any_failure_as_a_model_file_error(saved, monkeypatch, error, words):
    import numpy_mlp.io
    def fail(*args): raise error
    monkeypatch.setattr(numpy_mlp.io, '_read_weights', fail)
    with pytest.raises(ModelFileError, match=re.escape(f'{saved}: {words}')): load(saved)

@pytest.mark.parametrize('bad', [None, 3, b'model.npz'])
def test_a_path_that_is_not_a_file_name_is_named(tmp_path, bad):
    from numpy_mlp.io import save
    m = MLP([784, 10], seed=0)
    with pytest.raises(TypeError, match='path must be a file name \\(a str or a Path\\), got'): save(m, bad)
    with pytest.raises(TypeError, match='path must be a file name \\(a str or a Path\\), got'): load(bad)

def test_load_refuses_a_device_or_a_pipe_instead_of_reading_it_for_ever(tmp_path):
    fifo = tmp_path/'fifo'; os.mkfifo(fifo)          # opening a FIFO to read would wait for a writer
    for path in ('/dev/zero', fifo):
        with pytest.raises(ModelFileError, match='not a regular file \\(a device, a pipe or a socket\\)'): load(path)

def test_a_temporary_file_that_cannot_be_made_names_the_file_asked_for(tmp_path, monkeypatch):
    "A read-only folder (simulated: root writes anywhere) is reported for the model file, not for a temporary name."
    import tempfile
    from numpy_mlp.io import save, TEMP_TAG
    def refuse(*args, **kwargs): raise PermissionError(13, 'Permission denied')
    monkeypatch.setattr(tempfile, 'mkstemp', refuse)
    with pytest.raises(PermissionError) as e: save(MLP([784, 10], seed=0), tmp_path/'m.npz')
    assert f"{tmp_path/'m.npz'}: cannot write in {tmp_path} (Permission denied)" in str(e.value)
    assert TEMP_TAG not in str(e.value) and not (tmp_path/'m.npz').exists()
