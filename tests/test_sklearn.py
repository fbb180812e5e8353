"""numpy_mlp's scikit-learn estimator: scikit-learn's own estimator checks, each a test of its own, then the
estimator in scikit-learn's tools (Pipeline, GridSearchCV, cross_val_score, clone), string labels, partial_fit,
early stopping, reproducibility, that it wraps the package, and that `import numpy_mlp` leaves scikit-learn out.
"""
import os
# Lets scikit-learn's array-API check run instead of skipping; it must be set before scipy is first imported.
os.environ.setdefault('SCIPY_ARRAY_API', '1')
import pickle, subprocess, sys
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_blobs
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from numpy_mlp import MLP
from numpy_mlp.data import to_float
from numpy_mlp.sklearn import MLPClassifier

# The default estimator, then two others that take the other code paths (SGD with momentum in float64; Adam
# with two hidden layers, a schedule and early stopping). No check is expected to fail.
ESTIMATORS = [MLPClassifier(),
              MLPClassifier(optimizer='sgd', momentum=0.9, dtype='float64'),
              MLPClassifier(hidden_sizes=(32, 16), schedule='cosine', early_stopping=True)]

@parametrize_with_checks(ESTIMATORS)
def test_sklearn_check(estimator, check):
    check(estimator)

@pytest.fixture(scope='module')
def iris():
    d = load_iris()
    return d.data, d.target_names[d.target]        # string labels: 'setosa', 'versicolor', 'virginica'

def small(**kw):
    return MLPClassifier(hidden_sizes=(16,), lr=0.01, epochs=30, random_state=0, **kw)

def test_string_labels_come_back_as_strings(iris):
    X, y = iris
    clf = small().fit(X, y)
    assert list(clf.classes_) == ['setosa', 'versicolor', 'virginica']
    pred = clf.predict(X)
    assert pred.dtype == y.dtype and set(pred) <= set(clf.classes_)
    assert clf.score(X, y) > 0.9
    assert clf.predict_proba(X).shape == (150, 3)

def test_labels_of_other_kinds(iris):
    X, y = iris
    codes = {'setosa': -1, 'versicolor': 7, 'virginica': 3}
    y_int = np.array([codes[s] for s in y])
    clf = small().fit(X, y_int)
    assert list(clf.classes_) == [-1, 3, 7]
    assert set(clf.predict(X)) <= {-1, 3, 7} and clf.score(X, y_int) > 0.9

def test_predict_proba_is_the_wrapped_mlps(iris):
    X, y = iris
    clf = small().fit(X, y)
    assert type(clf.mlp_) is MLP and clf.mlp_.sizes == [4, 16, 3]
    X32 = to_float(X, clf.mlp_.dtype)                  # the inputs as training prepared them
    np.testing.assert_array_equal(clf.predict_proba(X), clf.mlp_.predict_proba(X32, dtype=np.float64))
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[clf.mlp_.predict(X32, dtype=np.float64)])
    np.testing.assert_allclose(clf.predict_proba(X), clf.mlp_.predict_proba(X32), atol=1e-5)  # float32

@pytest.mark.parametrize('estimator', ESTIMATORS, ids=repr)
def test_a_rows_probabilities_do_not_depend_on_the_rows_beside_it(estimator):
    """float32 sums depend on where a row falls in the BLAS kernel's blocks (on AMD processors this
    broke check_methods_sample_order_invariance). Larger than the checks' data, wide enough to use several
    blocks: the estimator's probabilities for a row alone, in a batch and in a shuffled batch must agree to
    scikit-learn's tolerance (rtol 1e-7, atol 1e-9); predict_proba computes in float64 to give that."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 40)); y = (X[:, :3].sum(axis=1) > 0).astype(int) + (X[:, 3] > 1)
    clf = clone(estimator).set_params(epochs=3, random_state=0).fit(X, y)
    P, order = clf.predict_proba(X), rng.permutation(len(X))
    assert P.dtype == np.float64
    np.testing.assert_allclose(clf.predict_proba(X[order]), P[order], rtol=1e-7, atol=1e-9)
    alone = np.concatenate([clf.predict_proba(X[i:i + 1]) for i in range(0, len(X), 7)])
    np.testing.assert_allclose(alone, P[::7], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(clf.predict_proba(np.vstack([X[:5], X[:5]]))[5:], P[:5], rtol=1e-7, atol=1e-9)

def test_uint8_pixels_are_scaled_as_the_package_scales_them():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(60, 12), dtype=np.uint8)
    y = (X[:, 0] > 127).astype(int)
    clf = small().fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X),
                                  clf.mlp_.predict_proba(X / np.float32(255), dtype=np.float64))
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(to_float(X)))

def test_random_state_reproduces_and_differs(iris):
    X, y = iris
    a, b = small().fit(X, y), small().fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.loss_curve_ == b.loss_curve_
    c = small().set_params(random_state=1).fit(X, y)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))
    # a RandomState instance is consumed, as in scikit-learn: two fits, two different networks
    d = small().set_params(random_state=np.random.RandomState(0))
    p1 = d.fit(X, y).predict_proba(X); p2 = d.fit(X, y).predict_proba(X)
    assert not np.array_equal(p1, p2)

def test_clone_is_unfitted_with_the_same_settings(iris):
    X, y = iris
    clf = small(optimizer='sgd', momentum=0.5, schedule='step').fit(X, y)
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    assert not hasattr(twin, 'mlp_') and not hasattr(twin, 'classes_')
    np.testing.assert_array_equal(twin.fit(X, y).predict_proba(X), clf.predict_proba(X))

def test_trained_estimator_pickles_with_a_named_schedule(iris):
    X, y = iris
    clf = small(schedule='cosine').fit(X, y)
    back = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    back.partial_fit(X, y)                          # the optimizer came along and still works
    assert back.n_iter_ == clf.n_iter_ + 1

def test_in_a_pipeline(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), small()).fit(X, y)
    assert pipe.score(X, y) > 0.9
    assert list(pipe.classes_) == ['setosa', 'versicolor', 'virginica']

def test_cross_val_score(iris):
    X, y = iris
    scores = cross_val_score(Pipeline([('scale', StandardScaler()), ('mlp', small())]), X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8

def test_grid_search_sets_and_refits(iris):
    X, y = iris
    grid = {'mlp__hidden_sizes': [(4,), (16,)], 'mlp__lr': [1e-3, 1e-2]}
    search = GridSearchCV(Pipeline([('scale', StandardScaler()), ('mlp', small())]), grid, cv=3).fit(X, y)
    assert len(search.cv_results_['params']) == 4
    best = search.best_estimator_.named_steps['mlp']
    assert best.mlp_.sizes == [4, *search.best_params_['mlp__hidden_sizes'], 3]
    assert best.lr == search.best_params_['mlp__lr']
    assert search.score(X, y) > 0.9

def test_partial_fit_across_calls(iris):
    X, y = iris
    clf = MLPClassifier(hidden_sizes=(16,), lr=0.01, random_state=0)
    order = np.random.default_rng(0).permutation(150)
    first = order[:50]
    clf.partial_fit(X[first], y[first], classes=['virginica', 'setosa', 'versicolor'])
    assert list(clf.classes_) == ['setosa', 'versicolor', 'virginica']
    W1 = clf.mlp_.params['W1'].copy()
    for epoch in range(20):
        for part in np.array_split(order, 3):
            clf.partial_fit(X[part], y[part])
    assert clf.n_iter_ == 61 and len(clf.loss_curve_) == 61 and len(clf.history_) == 61
    assert not np.array_equal(W1, clf.mlp_.params['W1'])          # the same network, trained on
    assert clf.score(X, y) > 0.9
    # a batch may lack classes, as long as classes= named them on the first call
    only_setosa = y == 'setosa'
    clf.partial_fit(X[only_setosa], y[only_setosa])
    with pytest.raises(ValueError, match='first call'):
        MLPClassifier().partial_fit(X, y)
    with pytest.raises(ValueError, match='differs'):
        clf.partial_fit(X, y, classes=['setosa', 'versicolor'])
    with pytest.raises(ValueError, match=r"\['tulip'\]"):
        clf.partial_fit(X[:1], ['tulip'])

def test_partial_fit_continues_after_fit(iris):
    X, y = iris
    clf = small().fit(X, y)
    opt = clf.optimizer_
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 31 and clf.optimizer_ is opt

def test_fit_starts_again_after_partial_fit(iris):
    X, y = iris
    clf = small()
    clf.partial_fit(X, y, classes=np.unique(y))
    clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), small().fit(X, y).predict_proba(X))
    assert clf.n_iter_ == 30

def test_early_stopping_stops_and_keeps_the_best_weights():
    X, y = make_blobs(400, centers=3, cluster_std=3.0, random_state=0)
    clf = MLPClassifier(hidden_sizes=(16,), lr=0.02, epochs=300, early_stopping=True,
                        validation_fraction=0.25, n_iter_no_change=4, random_state=0).fit(X, y)
    assert clf.n_iter_ < 300
    assert len(clf.validation_scores_) == clf.n_iter_ == len(clf.loss_curve_)
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    # the last n_iter_no_change + 1 epochs brought no gain of tol over the best before them
    best_before = max(clf.validation_scores_[:-5])
    assert max(clf.validation_scores_[-5:]) < best_before + clf.tol
    # the weights kept are the best epoch's: rebuild the held-out rows from the same seeds and score them
    from sklearn.utils import check_random_state
    from numpy_mlp.sklearn import hold_out
    rng = check_random_state(0)
    rng.randint(2**31 - 1)                          # the initial weights' seed
    X_tr, X_va, y_tr, y_va = hold_out(X.astype(np.float32), y, 0.25, int(rng.randint(2**31 - 1)))
    assert clf.mlp_.accuracy(X_va, y_va) == clf.best_validation_score_

def test_without_early_stopping_all_epochs_run(iris):
    X, y = iris
    clf = small().fit(X, y)
    assert clf.n_iter_ == 30 and clf.validation_scores_ is None and clf.best_validation_score_ is None

def test_settings_are_checked_at_fit_with_clear_messages(iris):
    X, y = iris
    for params, message in [({'optimizer': 'lbfgs'}, "optimizer must be 'sgd' or 'adam'"),
                            ({'schedule': 'linear'}, 'schedule must be'),
                            ({'early_stopping': True, 'validation_fraction': 1.0}, 'validation_fraction'),
                            ({'early_stopping': True, 'n_iter_no_change': 0}, 'n_iter_no_change'),
                            ({'lr': -1.0}, 'learning rate'),
                            ({'epochs': 0}, 'epochs'),
                            ({'hidden_sizes': (0,)}, 'sizes')]:
        clf = small().set_params(**params)          # accepted as they are: scikit-learn checks nothing here
        with pytest.raises(ValueError, match=message):
            clf.fit(X, y)

def test_one_class_is_refused(iris):
    X, y = iris
    with pytest.raises(ValueError, match='1 class'):
        small().fit(X[:10], y[:10])

def test_verbose_shows_the_progress_bar(iris, capsys):
    X, y = iris
    small(verbose=True).set_params(epochs=2).fit(X, y)
    assert 'training' in capsys.readouterr().err

def test_importing_numpy_mlp_leaves_sklearn_out():
    "`import numpy_mlp`, and every module but numpy_mlp.sklearn, in a fresh process: no sklearn loaded."
    code = ("import importlib, pkgutil, sys, numpy_mlp\n"
            "for m in pkgutil.iter_modules(numpy_mlp.__path__):\n"
            "    if m.name == 'sklearn': continue\n"
            "    try: importlib.import_module('numpy_mlp.' + m.name)\n"
            "    except ImportError: pass\n"     # a module whose optional extra is not installed
            "print(sorted(m for m in sys.modules if m == 'sklearn' or m.startswith('sklearn.')))")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == '[]', out.stdout

def test_a_failed_refit_leaves_the_last_fit_standing(iris):
    "A setting refused (or a blow-up) during a new fit must not leave an untrained network behind."
    X, y = iris
    clf = small().fit(X, y)
    proba, classes = clf.predict_proba(X), clf.classes_.copy()
    for bad in ({'optimizer': 'bogus'}, {'lr': -1.0}, {'epochs': 0}, {'batch_size': 0}):
        with pytest.raises((ValueError, TypeError)): clf.set_params(**bad).fit(X, np.array(['x'] * len(y)))
        clf.set_params(**{k: small().get_params()[k] for k in bad})
        np.testing.assert_array_equal(clf.predict_proba(X), proba)
        np.testing.assert_array_equal(clf.classes_, classes)
    fresh = small(optimizer='bogus')
    with pytest.raises(ValueError): fresh.partial_fit(X, y, classes=np.unique(y))
    assert not hasattr(fresh, 'mlp_') and not hasattr(fresh, 'classes_')     # still unfitted

def test_the_scaling_is_the_one_fit_used(iris):
    "Integer features stay numbers at predict even when they arrive as uint8; uint8 pixels stay pixels."
    X, y = iris
    counts = np.round(X * 10).astype(np.int64)
    clf = small().fit(counts, y)
    np.testing.assert_array_equal(clf.predict_proba(counts.astype(np.uint8)), clf.predict_proba(counts))
    pix = np.round(X / X.max() * 255).astype(np.uint8)
    clf = small().fit(pix, y)
    np.testing.assert_allclose(clf.predict_proba(pix), clf.predict_proba(to_float(pix)), rtol=1e-6)

def test_the_wrapped_network_knows_its_labels(iris, tmp_path):
    from numpy_mlp.io import save, load
    X, y = iris
    clf = small().fit(X, y)                      # iris's labels are the names
    assert load(save(clf.mlp_, tmp_path / 'm.npz')).classes == ['setosa', 'versicolor', 'virginica']

@pytest.mark.parametrize('bad', [100.0, None, '100', (0,), (16, -1), True])
def test_bad_hidden_sizes_are_named(iris, bad):
    with pytest.raises(ValueError, match='hidden_sizes must be a positive integer or a tuple of them'):
        small().set_params(hidden_sizes=bad).fit(*iris)

def test_values_too_large_for_float32_are_named_not_called_infinite(iris):
    "A finite 5e38 overflows float32: the message says so (not 'NaN or infinite'), at fit and at predict."
    X, y = iris
    big = X.copy(); big[7, 1] = 5e38
    for call in (lambda: small().fit(big, y), lambda: small().fit(X, y).predict_proba(big)):
        with pytest.raises(ValueError, match="too large for float32 .largest magnitude 5e.38.: scale the "
                                             "features, or use dtype='float64'"):
            call()
    assert small(dtype='float64').fit(X, y).predict_proba(big).shape == (150, 3)

def test_early_stopping_takes_an_infinite_tol():
    "tol=inf (no rise after the first epoch counts) stops at epoch n_iter_no_change + 2, as before the move."
    rng = np.random.default_rng(0)
    X, y = rng.random((120, 6)).astype(np.float32), rng.integers(0, 3, 120)
    clf = MLPClassifier(hidden_sizes=(8,), epochs=50, early_stopping=True, n_iter_no_change=3, tol=np.inf,
                        random_state=0).fit(X, y)
    assert clf.n_iter_ == 5                   # 0f8aa52, before EarlyStopping became a callback, gave 5
