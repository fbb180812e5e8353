"""The Fashion-MNIST download path, tested offline: the files are served from a local HTTP server on 127.0.0.1."""
import gzip, hashlib, http.server, threading
from functools import partial
from pathlib import Path
import numpy as np
import pytest

from numpy_mlp import data
from numpy_mlp.data import SPLITS, fetch, load_mnist, DataError

pytest.importorskip('pooch')

def idx_bytes(arr):
    "The IDX encoding of a uint8 array."
    arr = np.asarray(arr, np.uint8)
    return bytes([0, 0, 8, arr.ndim]) + np.array(arr.shape, '>u4').tobytes() + arr.tobytes()

@pytest.fixture
def fake_fashion(tmp_path):
    "Four small gzipped IDX files (7 train, 3 test images) in a folder, and their pooch registry."
    rng = np.random.default_rng(0)
    arrays = {'train_images': rng.integers(0, 256, (7, 28, 28), dtype=np.uint8), 'train_labels': np.arange(7) % 10,
              'test_images': rng.integers(0, 256, (3, 28, 28), dtype=np.uint8), 'test_labels': [9, 0, 1]}
    served = tmp_path/'served'; served.mkdir()
    registry = {}
    for key, arr in arrays.items():
        name = SPLITS[key] + '.gz'
        blob = gzip.compress(idx_bytes(arr), mtime=0)
        (served/name).write_bytes(blob)
        registry[name] = 'md5:' + hashlib.md5(blob).hexdigest()
    return served, registry, arrays

@pytest.fixture
def server(fake_fashion):
    "An HTTP server on 127.0.0.1 serving the fake files; records the paths it was asked for."
    served = fake_fashion[0]
    requests = []
    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), partial(Handler, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}/', requests
    httpd.shutdown(); httpd.server_close()

def test_download_verify_and_cache(tmp_path, fake_fashion, server):
    _, registry, arrays = fake_fashion
    url, requests = server
    cache = tmp_path/'cache'
    folder = fetch('fashion', cache=cache, base_url=url, registry=registry)
    assert folder == cache and sorted(p.name for p in cache.iterdir()) == sorted(registry)
    assert len(requests) == 4
    (X, y), (Xt, yt) = load_mnist(folder, dataset='fashion', verify=False)
    assert X.shape == (7, 784) and X.dtype == np.float32
    np.testing.assert_array_equal(X, np.asarray(arrays['train_images']).reshape(7, -1) / np.float32(255))
    np.testing.assert_array_equal(yt, [9, 0, 1])
    fetch('fashion', cache=cache, base_url=url, registry=registry)  # cached: no new request
    assert len(requests) == 4

def test_fake_files_fail_the_published_checksums(tmp_path, fake_fashion, server):
    _, registry, _ = fake_fashion
    folder = fetch('fashion', cache=tmp_path/'cache', base_url=server[0], registry=registry)
    with pytest.raises(DataError, match='checksum mismatch'):
        load_mnist(folder, dataset='fashion')

def test_corrupted_download_is_rejected_and_not_kept(tmp_path, fake_fashion, server):
    served, registry, _ = fake_fashion
    name = SPLITS['test_labels'] + '.gz'
    blob = bytearray((served/name).read_bytes()); blob[-5] ^= 0xFF   # damaged in transit
    (served/name).write_bytes(bytes(blob))
    cache = tmp_path/'cache'
    with pytest.raises(ValueError, match='hash'):
        fetch('fashion', cache=cache, base_url=server[0], registry=registry)
    assert not (cache/name).exists()
    assert not [p for p in cache.iterdir() if name in p.name]   # no temporary leftovers either

def test_debian_folder_is_used_when_present(tmp_path, fake_fashion, monkeypatch):
    served, _, arrays = fake_fashion
    monkeypatch.setitem(data.DATASETS['fashion'], 'debian', str(served))
    monkeypatch.setattr(data, 'fetch', lambda *a, **k: pytest.fail('must not download when Debian has the files'))
    _, (Xt, yt) = load_mnist(dataset='fashion', verify=False)
    np.testing.assert_array_equal(yt, arrays['test_labels'])

def test_no_pooch_message(monkeypatch, tmp_path):
    import builtins
    real = builtins.__import__
    def fake_import(name, *a, **k):
        if name == 'pooch': raise ImportError('no pooch')
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, '__import__', fake_import)
    with pytest.raises(ImportError, match='downloading needs pooch'):
        fetch('fashion', cache=tmp_path)

def test_mnist_has_no_download():
    with pytest.raises(ValueError, match='ships with numpy_mlp'):
        fetch('mnist')
