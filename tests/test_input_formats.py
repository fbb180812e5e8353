"""One way in for data and one evaluation path: every public entry point takes
images as uint8 bytes or floats in [0, 1] and gives the same answer for both; other integer types are refused
with a message naming the dtype and the fix; pixel values 0-255 passed as floats warn (data-driven: standardised
features do not); a model remembers what it was trained on, and a saved file keeps it."""
import json, re, warnings
import numpy as np
import pytest
from numpy_mlp.data import load_mnist, to_float, DATASETS, Batches
from numpy_mlp.checks import InputRangeWarning, RAW_PIXELS, looks_like_raw_pixels, check_input_range, training_range
from numpy_mlp.model import MLP
from numpy_mlp.loss import evaluate
from numpy_mlp.training import fit
from numpy_mlp.optim import SGD
from numpy_mlp.evaluation import mistakes, fgsm, input_gradient, plot_saliency, plot_mistakes
from numpy_mlp.io import save, load
from numpy_mlp.digits import prepare_digit
from numpy_mlp import augment

@pytest.fixture(scope='module')
def data():
    "3,000 training and 500 test digits, as bytes and as the floats they scale to."
    (X, y), (Xt, yt) = load_mnist(raw=True)
    X, y, Xt, yt = X[:3000], y[:3000], Xt[:500], yt[:500]
    return dict(X8=X, Xf=to_float(X), y=y, Xt8=Xt, Xtf=to_float(Xt), yt=yt)

@pytest.fixture(scope='module')
def model(data):
    m = MLP([784, 32, 10], l2=5e-4, seed=0)
    fit(m, data['X8'], data['y'], epochs=2, optimizer=SGD(0.1, momentum=0.9), seed=0, progress=False)
    return m

def silent(f):
    "f(), asserting it issues no InputRangeWarning."
    with warnings.catch_warnings():
        warnings.simplefilter('error', InputRangeWarning)
        return f()

def images(fig):
    import matplotlib.pyplot as plt
    out = [a.images[0].get_array() for a in fig.axes if a.images]
    plt.close(fig)
    return out

# ---- every entry point: uint8 and floats give the same answer -----------------------------------------------

ENTRY_POINTS = {
    'predict': lambda m, X, y: m.predict(X),
    'predict_proba': lambda m, X, y: m.predict_proba(X, batch_size=128),
    'forward': lambda m, X, y: m.forward(X)[0],
    'accuracy': lambda m, X, y: m.accuracy(X, y),
    'loss': lambda m, X, y: m.loss(X, y),
    'evaluate': lambda m, X, y: evaluate(m, X, y, batch_size=100, per_row=True),
    'mistakes': lambda m, X, y: mistakes(m, X, y, most_confident=True),
    'fgsm': lambda m, X, y: fgsm(m, X, y, 0.1),
    'input_gradient': lambda m, X, y: input_gradient(m.params, X, y),
    'plot_saliency': lambda m, X, y: images(plot_saliency(m, X, y, n=3)),
    'plot_mistakes': lambda m, X, y: images(plot_mistakes(m, X, y, n=4)),
    'robustness': lambda m, X, y: augment.robustness({'m': m}, X[:100], y[:100])[:3],
    'transform': lambda m, X, y: augment.transform(X[:20], 'rotate', 'mild'),
}

def same(a, b):
    if isinstance(a, dict): return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)): return len(a) == len(b) and all(same(u, v) for u, v in zip(a, b))
    return np.array_equal(np.asarray(a), np.asarray(b))

@pytest.mark.parametrize('name', ENTRY_POINTS)
def test_uint8_and_floats_give_the_same_answer(model, data, name):
    f = ENTRY_POINTS[name]
    got8 = silent(lambda: f(model, data['Xt8'], data['yt']))
    gotf = silent(lambda: f(model, data['Xtf'], data['yt']))
    assert same(got8, gotf), name

@pytest.mark.parametrize('name', ENTRY_POINTS)
def test_other_integer_types_are_refused_naming_the_dtype_and_the_fix(model, data, name):
    with pytest.raises(TypeError, match=r'X has dtype int64 \(values 0 to 255\).*X\.astype\(np\.uint8\)'):
        ENTRY_POINTS[name](model, data['Xt8'].astype(np.int64), data['yt'])

@pytest.mark.parametrize('name', ['predict_proba', 'evaluate', 'fgsm', 'input_gradient'])
def test_bools_are_0_and_1(model, data, name):
    B = data['Xt8'][:50] > 127
    f = ENTRY_POINTS[name]
    assert same(silent(lambda: f(model, B, data['yt'][:50])),
                silent(lambda: f(model, B.astype(np.float32), data['yt'][:50])))

def test_fit_trains_alike_on_bytes_and_floats(data):
    m8, mf = MLP([784, 16, 10], seed=1), MLP([784, 16, 10], seed=1)
    h8 = silent(lambda: fit(m8, data['X8'], data['y'], epochs=1, valid=(data['Xt8'], data['yt']),
                            seed=0, progress=False))
    hf = silent(lambda: fit(mf, data['Xf'], data['y'], epochs=1, valid=(data['Xtf'], data['yt']),
                            seed=0, progress=False))
    for k in m8.params: assert np.array_equal(m8.params[k], mf.params[k])
    assert h8[0]['valid_acc'] == hf[0]['valid_acc'] and h8[0]['train_loss'] == hf[0]['train_loss']
    assert m8.input_range == mf.input_range == (0.0, 1.0)

def test_fit_refuses_int64_with_the_fix(data):
    with pytest.raises(TypeError, match='X has dtype int64'):
        fit(MLP([784, 16, 10]), data['X8'].astype(np.int64), data['y'], epochs=1, progress=False)

def test_prepare_digit_and_the_pad_take_bytes_and_floats():
    paper = np.ones((60, 60)); paper[10:50, 28:33] = 0            # a dark 1 on white paper
    paper8 = (paper * 255).astype(np.uint8)
    assert np.array_equal(prepare_digit(paper8), prepare_digit(paper))
    assert np.array_equal(prepare_digit(paper8 > 127), prepare_digit(paper))
    with pytest.raises(TypeError, match='img has dtype int64'): prepare_digit(paper8.astype(np.int64))
    with pytest.raises(ValueError, match='outside \\[0, 1\\]: it looks like pixel values 0-255'):
        prepare_digit(paper8.astype(np.float64))

def test_to_float_rules():
    X = np.array([[0, 51, 255]], np.uint8)
    assert np.array_equal(to_float(X), np.float32([[0, 0.2, 1]])) and to_float(X).dtype == np.float32
    assert to_float(X > 0, np.float64).tolist() == [[0.0, 1.0, 1.0]]
    F = np.array([[0.5, 2.0]], np.float32)
    assert to_float(F) is F                                       # floats as they are, no copy
    for bad, fix in [(np.array([[0, 1]]), 'X.astype(bool) if 1 means ink'),
                     (np.array([[0, 200]], np.int16), 'X.astype(np.uint8) if they are pixel values'),
                     (np.array([[-5, 999]]), 'e.g. standardised'), (np.array([['a']]), 'images must be uint8')]:
        with pytest.raises(TypeError, match=re.escape(fix)): to_float(bad)

# ---- floats 0-255: a warning that names the cause, never a silent drop -------------------------------------------

def test_unscaled_floats_warn_at_every_entry_point(model, data):
    raw = data['Xt8'].astype(np.float32)                          # the slip: bytes as floats, not / 255
    for name, f in ENTRY_POINTS.items():
        if name in ('input_gradient', 'transform'): continue       # params only / no model: see below
        with pytest.warns(InputRangeWarning, match=r'far outside the range this network was trained on '
                                                   r'\(0 to 1\), and looks like pixel values 0-255 not '
                                                   r'divided by 255; pass uint8 or divide by 255'):
            f(model, raw, data['yt'])

def test_unscaled_floats_warn_at_fit_time(data):
    m = MLP([784, 32, 10], seed=0)
    with pytest.warns(InputRangeWarning, match='training on X, which holds whole numbers from 0 to 255 and '
                                               + re.escape(RAW_PIXELS)):
        try: fit(m, data['X8'].astype(np.float32), data['y'], epochs=1, optimizer=SGD(0.001),
                 progress=False)
        except FloatingPointError: pass
    assert m.input_range == (0.0, 255.0)

def test_an_unrecorded_model_falls_back_to_the_pixel_test(data):
    m = MLP([784, 32, 10], seed=0)                               # untrained: no range recorded
    with pytest.warns(InputRangeWarning, match='X holds whole numbers from 0 to 255'):
        m.predict(data['Xt8'].astype(np.float32))
    silent(lambda: m.predict(data['Xtf'])); silent(lambda: m.predict(data['Xt8']))

def test_warning_points_at_the_callers_line(model, data):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        model.accuracy(data['Xt8'].astype(np.float32), data['yt'])
    assert w and w[0].filename == __file__, w[0].filename

def test_standardised_features_never_warn():
    "A model trained on standardised features (negatives included) is judged by its own range."
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 20)).astype(np.float32); X[:, 3] *= 4
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0)
    m = MLP([20, 16, 3], seed=0)
    silent(lambda: fit(m, X, y, epochs=3, valid=(X[:100], y[:100]), progress=False))
    lo, hi = m.input_range
    assert lo < -4 and hi > 4
    Xn = rng.normal(size=(300, 20)).astype(np.float32) * 1.5      # wider, still within one width
    silent(lambda: (m.predict(Xn), evaluate(m, Xn, y[:300]), m.accuracy(Xn, y[:300])))
    with pytest.warns(InputRangeWarning, match='must be scaled as the training inputs were'):
        m.predict(Xn * 100)
    assert not looks_like_raw_pixels(X)

def test_integral_counts_warn_only_when_they_look_like_pixels():
    assert looks_like_raw_pixels(np.array([[0.0, 3.0, 255.0]]))
    assert not looks_like_raw_pixels(np.array([[0.0, 3.0, 16.0]]))   # small whole numbers: counts, not bytes
    assert not looks_like_raw_pixels(np.array([[0.0, 3.0, 256.0]]))  # beyond a byte
    assert not looks_like_raw_pixels(np.array([[0.1, 7.9]]))         # iris-like raw measurements
    assert not looks_like_raw_pixels(np.array([[0.0, 1.0]]))         # binary floats

def test_range_rule_edges():
    with pytest.warns(InputRangeWarning): check_input_range(np.array([[2.01]]), (0.0, 1.0))
    with pytest.warns(InputRangeWarning): check_input_range(np.array([[-1.01]]), (0.0, 1.0))
    silent(lambda: check_input_range(np.array([[2.0, -1.0]]), (0.0, 1.0)))
    silent(lambda: check_input_range(np.array([[5.0]]), (0.0, 0.0)))     # no width: nothing to judge
    assert training_range(np.array([[1.0, 3.5]]), (-2.0, 2.0)) == (-2.0, 3.5)

# ---- one evaluation path -------------------------------------------------------------------------------------

def test_every_accuracy_is_evaluates(model, data):
    X, y = data['Xt8'], data['yt']
    ev = evaluate(model, X, y, per_row=True)
    assert model.accuracy(X, y) == ev['acc'] and model.loss(X, y) == ev['loss']
    assert ev['acc'] == 1 - len(mistakes(model, X, y)) / len(y)
    assert np.array_equal(ev['pred'], model.predict(X))
    assert np.allclose(ev['confidence'], model.predict_proba(X).max(axis=1))
    m = MLP([784, 16, 10], seed=3)
    hist = fit(m, data['X8'][:500], data['y'][:500], epochs=1, valid=(X, y), progress=False)
    assert hist[-1]['valid_acc'] == evaluate(m, X, y)['acc']
    assert hist[-1]['valid_loss'] == evaluate(m, X, y)['loss']

def test_evaluate_lives_in_loss_and_the_package_top_level():
    import numpy_mlp, numpy_mlp.training, numpy_mlp.model
    assert numpy_mlp.evaluate is evaluate and numpy_mlp.training.evaluate is evaluate
    assert 'loss' not in vars(numpy_mlp.model.MLP) or numpy_mlp.model.MLP.loss.__module__ == 'numpy_mlp.loss'

# ---- what a model remembers, and a file keeps -------------------------------------------------------------

def test_metadata_round_trip(model, tmp_path):
    model.dataset, model.classes = 'fashion', DATASETS['fashion']['classes']
    try:
        save(model, tmp_path/'m.npz', settings={'epochs': 2})
        back = load(tmp_path/'m.npz')
    finally: model.dataset = model.classes = None
    assert (back.input_range, back.dataset, back.classes) == ((0.0, 1.0), 'fashion', DATASETS['fashion']['classes'])
    assert back.class_names()[9] == 'Ankle boot' and back.settings == {'epochs': 2}
    meta = json.loads(str(np.load(tmp_path/'m.npz')['meta']))
    assert meta['format_version'] == 1 and meta['input_range'] == [0.0, 1.0]

def test_files_without_the_records_still_load(model, tmp_path):
    old = {'format_version': 1, 'sizes': [784, 32, 10], 'dtype': 'float32', 'l2': 5e-4, 'init': 'he',
           'seed': 0, 'settings': {'dataset': 'mnist'}}
    np.savez(tmp_path/'old.npz', meta=np.array(json.dumps(old)), **model.params)
    m = load(tmp_path/'old.npz')
    assert (m.input_range, m.dataset, m.class_names()[:2]) == (None, 'mnist', ['0', '1'])
    np.savez(tmp_path/'older.npz', meta=np.array(json.dumps({**old, 'settings': {}})), **model.params)
    m = load(tmp_path/'older.npz')
    assert (m.input_range, m.dataset, m.classes) == (None, None, None)
    pad = augment.load_draw_model()                               # the bundled file predates them too
    assert (pad.dataset, pad.input_range) == ('mnist', (0.0, 1.0))

def test_a_bad_record_is_refused_on_save(model, tmp_path):
    model.classes = ['a', 'b']
    try:
        with pytest.raises(ValueError, match="classes must be null or a list of 10 names"):
            save(model, tmp_path/'bad.npz')
    finally: model.classes = None

def test_cli_prints_the_recorded_class_names(model, tmp_path, capsys):
    from PIL import Image
    from numpy_mlp.cli import main
    model.dataset, model.classes = 'fashion', DATASETS['fashion']['classes']
    try: save(model, tmp_path/'f.npz')
    finally: model.dataset = model.classes = None
    _, (Xt, yt) = load_mnist(raw=True)
    Image.fromarray(Xt[0].reshape(28, 28)).save(tmp_path/'x.png')
    assert main(['predict', str(tmp_path/'f.npz'), str(tmp_path/'x.png')]) == 0
    out = capsys.readouterr().out
    assert re.search(r"x\.png: (%s) \(probability" % '|'.join(map(re.escape, DATASETS['fashion']['classes'])), out)

def test_input_gradient_checks_what_it_is_given():
    "input_gradient: bytes and floats alike, and a clear message for a stack, NaN, 0-255 floats or short labels."
    from numpy_mlp.evaluation import input_gradient
    (X, y), _ = load_mnist(raw=True)
    m = MLP([784, 32, 10], seed=0)
    np.testing.assert_allclose(input_gradient(m.params, X[:5], y[:5]),
                               input_gradient(m.params, to_float(X[:5]), y[:5]), rtol=1e-6)
    with pytest.raises(ValueError, match='a stack of images'): input_gradient(m.params, X[:5].reshape(5, 28, 28), y[:5])
    with pytest.raises(ValueError, match='NaN or infinite'): input_gradient(m.params, np.full((2, 784), np.nan), y[:2])
    with pytest.raises(ValueError, match='y has 4 labels but X has 5 rows'): input_gradient(m.params, X[:5], y[:4])
    with pytest.warns(InputRangeWarning, match='pixel values 0-255'):
        input_gradient(m.params, X[:5].astype(np.float32), y[:5])

def test_show_digits_checks_what_it_is_given():
    import matplotlib; matplotlib.use('Agg')
    from numpy_mlp.data import show_digits
    (X, y), _ = load_mnist(raw=True)
    show_digits(X[:4].reshape(4, 28, 28))
    with pytest.warns(InputRangeWarning, match='pixel values 0-255'): show_digits(X[:4].astype(np.float32))
    with pytest.raises(ValueError, match='no images'): show_digits(X[:0])
    with pytest.raises(ValueError, match=r'got shape \(784,\)'): show_digits(X[0])
