"The committed pad model meets issue 17's robustness targets on the 10,000 MNIST test digits (benchmarks/pad_targets.py)."
import importlib.util
from pathlib import Path
import numpy as np
import pytest
from numpy_mlp.data import load_mnist
from numpy_mlp.augment import load_draw_model

spec = importlib.util.spec_from_file_location('pad_targets', Path(__file__).resolve().parents[1] / 'benchmarks' / 'pad_targets.py')
pad_targets = importlib.util.module_from_spec(spec); spec.loader.exec_module(pad_targets)

@pytest.fixture(scope='module')
def data():
    _, (X, y) = load_mnist()
    return X, y, load_draw_model()

def check(model, sets, y):
    acc = pad_targets.measure(model, sets, y)
    missed = {k: acc[k] for k, t in pad_targets.TARGETS.items() if acc[k] < t}
    assert not missed, missed

def test_targets_on_numpy_mlps_own_transforms(data):
    X, y, model = data
    check(model, pad_targets.own_sets(X), y)

def test_targets_on_scipy_ndimage_transforms(data):
    pytest.importorskip('scipy.ndimage', reason='the independent transforms need scipy (a dev dependency)')
    X, y, model = data
    check(model, pad_targets.scipy_sets(X), y)

def test_the_weights_fit_the_page():
    "At most 4 MB of weights as the page loads them: model.js holds them in base64."
    from numpy_mlp.draw import model_js
    assert len(model_js(load_draw_model()).encode()) <= 4_000_000
