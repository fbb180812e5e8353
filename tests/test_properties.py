"""Property tests (hypothesis): invariants that must hold for any input, not just the examples in the notebooks."""
import gzip
import numpy as np
import pytest
from hypothesis import given, assume, settings, strategies as st, HealthCheck
from hypothesis.extra.numpy import arrays

from numpy_mlp.activations import softmax, log_softmax
from numpy_mlp.data import parse_idx, IDX_DTYPES, DataError, random_shift
from numpy_mlp.loss import cross_entropy
from numpy_mlp.model import init_params, forward
from numpy_mlp.backward import backward, grad_check, numerical_grad
from numpy_mlp.training import TrainStep

finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False, width=32)
logits = st.integers(1, 6).flatmap(lambda n: st.integers(2, 12).flatmap(
    lambda k: arrays(st.sampled_from([np.float32, np.float64]), (n, k), elements=finite)))

@given(logits)
def test_softmax_is_a_distribution_per_row(Z):
    P = softmax(Z)
    assert P.shape == Z.shape and P.dtype == Z.dtype and np.isfinite(P).all() and (P >= 0).all()
    np.testing.assert_allclose(P.sum(axis=1), 1, rtol=1e-5 if Z.dtype == np.float32 else 1e-12)

@given(logits, st.floats(-1e3, 1e3, allow_nan=False))
def test_softmax_ignores_a_constant_added_to_a_row(Z, c):
    Z = Z.astype(np.float64)
    np.testing.assert_allclose(softmax(Z + c), softmax(Z), atol=1e-9)

@given(logits)
def test_log_softmax_is_finite_and_consistent(Z):
    L = log_softmax(Z)
    assert np.isfinite(L).all() and (L <= 1e-6).all()
    np.testing.assert_allclose(np.exp(L), softmax(Z), atol=1e-5)

@given(logits, st.data())
def test_cross_entropy_is_nonnegative_and_at_most_the_worst_row(Z, data):
    y = np.array(data.draw(st.lists(st.integers(0, Z.shape[1] - 1), min_size=len(Z), max_size=len(Z))))
    ce = cross_entropy(Z, y)
    rows = -log_softmax(Z.astype(np.float64))[np.arange(len(y)), y]
    assert ce >= -1e-6
    assert ce <= rows.max() * (1 + 1e-4) + 1e-3              # a mean is at most its worst row
    np.testing.assert_allclose(ce, rows.mean(), rtol=1e-4, atol=1e-3)

@given(st.sampled_from(sorted(IDX_DTYPES)), st.lists(st.integers(0, 5), min_size=1, max_size=3), st.data())
def test_idx_round_trip(code, shape, data):
    dtype = IDX_DTYPES[code]
    n = int(np.prod(shape))
    elems = st.integers(int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)) if dtype.kind in 'iu' else \
            st.floats(-1e6, 1e6, allow_nan=False, width=32 if dtype.itemsize == 4 else 64)
    values = np.array(data.draw(st.lists(elems, min_size=n, max_size=n)), dtype=dtype).reshape(shape)
    blob = bytes([0, 0, code, len(shape)]) + np.array(shape, '>u4').tobytes() + values.tobytes()
    np.testing.assert_array_equal(parse_idx(blob), values)
    if len(blob) > 4 + 4 * len(shape) and n:
        with pytest.raises(DataError, match='truncated'): parse_idx(blob[:-1])

@given(st.binary(max_size=64))
def test_parse_idx_never_crashes_on_garbage(blob):
    try: parse_idx(blob)
    except DataError: pass                # a clear error is fine; anything else is a bug

@given(st.integers(0, 2**32 - 1), st.integers(0, 3))
@settings(max_examples=30)
def test_random_shift_moves_but_keeps_an_interior_image(seed, m):
    img = np.zeros((1, 28, 28), np.float32)
    img[0, 8:20, 9:19] = np.random.default_rng(seed).random((12, 10))
    out = random_shift(img, rng=seed, max_shift=m)
    np.testing.assert_allclose(out.sum(), img.sum(), rtol=1e-6)   # a border of 8 pixels: nothing falls off
    # it moves: by the offset random_shift draws from the same seed, (m - d) pixels down and to the right
    dy, dx = np.random.default_rng(seed).integers(0, 2 * m + 1, size=(2, 1))
    np.testing.assert_array_equal(out, np.roll(img, (m - int(dy[0]), m - int(dx[0])), axis=(1, 2)))
    moved = (m - int(dy[0]), m - int(dx[0])) != (0, 0)
    assert moved == (not np.array_equal(out, img))

@given(st.lists(st.integers(1, 8), min_size=1, max_size=3), st.integers(1, 6), st.floats(0, 1), st.integers(0, 10**6))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_backward_matches_central_differences(hidden, n, l2, seed):
    rng = np.random.default_rng(seed)
    sizes = [5] + hidden + [3]
    params = init_params(sizes, rng=rng, dtype=np.float64)
    for k in params: params[k] += rng.normal(scale=0.1, size=params[k].shape)   # non-zero biases too
    X, y = rng.normal(size=(n, 5)), rng.integers(0, 3, n)
    # central differences straddle ReLU's corner when a pre-activation is within eps of 0: not a fair test there
    cache = forward(params, X)[1]
    assume(all(np.abs(cache[f'Z{l}']).min() > 1e-4 for l in range(1, len(sizes) - 1)))
    errors = grad_check(params, X, y, l2)
    grads = backward(params, cache, X, y, l2)
    for k, e in errors.items():
        if e < 1e-6: continue
        # a relative error means nothing when the gradient itself is down at the rounding noise of central
        # differences (about 1e-16 * loss / eps = 1e-10, e.g. a dead unit's weights with a tiny l2): then the
        # absolute difference must be at that noise level
        diff = np.abs(numerical_grad(params, X, y, l2, key=k) - grads[k].ravel()).max()
        assert diff < 1e-9, (k, e, diff)

@given(st.lists(st.integers(1, 12), min_size=0, max_size=3), st.integers(1, 70), st.integers(2, 10),
       st.sampled_from([np.float32, np.float64]), st.integers(0, 10**6))
@settings(max_examples=40, deadline=None)
def test_train_step_matches_the_readable_functions(hidden, n, classes, dtype, seed):
    "fit's fused step gives the loss, right count and gradients of forward + cross_entropy + backward."
    rng = np.random.default_rng(seed)
    sizes = [7] + hidden + [classes]
    params = init_params(sizes, rng=rng, dtype=dtype)
    for k in params: params[k] += rng.normal(scale=0.3, size=params[k].shape).astype(dtype)
    step = TrainStep(params)
    for rows in (n, max(1, n // 2), n):                      # buffers reused across batch sizes
        X, y = rng.normal(size=(rows, 7)).astype(dtype), rng.integers(0, classes, rows)
        ce_sum, right, grads = step(X, y)
        P, cache = forward(params, X)
        tol = 1e-4 if dtype == np.float32 else 1e-10
        np.testing.assert_allclose(ce_sum, cross_entropy(cache[f'Z{len(sizes) - 1}'], y) * rows, rtol=tol, atol=tol)
        assert right == int((P.argmax(axis=1) == y).sum())
        for k, g in backward(params, cache, X, y).items():
            assert grads[k].dtype == dtype
            np.testing.assert_allclose(grads[k], g, rtol=tol, atol=tol * max(1.0, np.abs(g).max()))
