"""The drawing pad model's robustness targets (issue 17, section 1), measured on the MNIST test digits.

Each target is measured twice, on two independent sets of transformed test digits:

- scipy: made with scipy.ndimage (`shift`, `rotate`, `grey_dilation`, `zoom`, `gaussian_filter`), code that the
  training's augmentation (numpy_mlp.augment) does not share;
- own: made with numpy_mlp.augment's own `warp`, `affine_matrix`, `dilate` and `gaussian_matrix`.

The targets (the digits are MNIST's 28 x 28 test images, untouched but for the one transformation):

| target | what is done to each test digit | at least |
|---|---|---|
| untouched | nothing | 98.5% |
| shift 4-5 px | moved by 4 to 5 pixels (uniform) horizontally and 4 to 5 vertically, directions random | 90% |
| rotate <= 25 deg | turned by an angle uniform in [-25, 25] degrees | 93% |
| thick 3x3 | one grey dilation by a 3 x 3 square | 95% |
| size 60% | shrunk to 60% (about the canvas's centre) | 95% |
| blur | a Gaussian blur of sigma 1 pixel | 95% |

The shift is 5.7 to 7.1 pixels in all, as the robustness table's "shift strong" (4 pixels along both axes, 5.7 in all),
on which the issue's baseline figure of 58% was measured. Rows marked "(info)" are variants reported beside the
targets: a shift of 4 to 5 pixels in all (a random direction), a turn by exactly 25 degrees either way, a blur of
sigma 1.5.

scipy is a benchmark and test dependency only (the package never imports it). Its ndimage filters use no BLAS,
so they do not fight numpy's OpenBLAS for the cores (see DESIGN.md); run with OPENBLAS_NUM_THREADS=1 on a
shared machine.

    python benchmarks/pad_targets.py [--n 10000] [--seed 0] [--model path.npz] > benchmarks/results/pad_targets.txt
"""
import argparse, time
import numpy as np

TARGETS = {'untouched': 0.985, 'shift 4-5 px': 0.90, 'rotate <= 25 deg': 0.93, 'thick 3x3': 0.95,
           'size 60%': 0.95, 'blur sigma 1': 0.95}
INFO = ['shift 4-5 px long (info)', 'rotate 25 deg (info)', 'blur sigma 1.5 (info)']

def _draws(n, seed):
    "The random parts, the same for both sets: shift vectors (right, up) and angles."
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=(n, 2))
    vec = signs * rng.uniform(4, 5, (n, 2))              # 4 to 5 pixels along each axis
    angles = rng.uniform(-25, 25, n)
    r, theta = rng.uniform(4, 5, n), rng.uniform(0, 2 * np.pi, n)
    vec_len = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)   # 4 to 5 pixels in all
    return vec, angles, signs, vec_len

def scipy_sets(X, seed=0):
    "name -> (n, 784) float32 images, transformed with scipy.ndimage; X: (n, 784) floats in [0, 1]."
    from scipy import ndimage
    imgs = np.asarray(X, np.float64).reshape(-1, 28, 28)
    n = len(imgs)
    vec, angles, signs, vec_len = _draws(n, seed)
    def each(f): return np.clip(np.stack([f(i, im) for i, im in enumerate(imgs)]), 0, 1).reshape(n, 784).astype(np.float32)
    def small(im, f=0.6):
        z = np.clip(ndimage.zoom(im, f, order=1), 0, 1)
        out = np.zeros((28, 28)); o = (28 - len(z)) // 2
        out[o:o + len(z), o:o + len(z)] = z
        return out
    return {'untouched': imgs.reshape(n, 784).astype(np.float32),
            # ndimage.shift takes (rows down, columns right)
            'shift 4-5 px': each(lambda i, im: ndimage.shift(im, (-vec[i, 1], vec[i, 0]), order=1, mode='constant')),
            'rotate <= 25 deg': each(lambda i, im: ndimage.rotate(im, angles[i], reshape=False, order=1, mode='constant')),
            'thick 3x3': ndimage.grey_dilation(imgs, size=(1, 3, 3)).reshape(n, 784).astype(np.float32),
            'size 60%': each(lambda i, im: small(im)),
            'blur sigma 1': ndimage.gaussian_filter(imgs, sigma=(0, 1, 1), mode='constant').reshape(n, 784).astype(np.float32),
            'shift 4-5 px long (info)': each(lambda i, im: ndimage.shift(im, (-vec_len[i, 1], vec_len[i, 0]), order=1, mode='constant')),
            'rotate 25 deg (info)': each(lambda i, im: ndimage.rotate(im, 25 * signs[i, 0], reshape=False, order=1, mode='constant')),
            'blur sigma 1.5 (info)': ndimage.gaussian_filter(imgs, sigma=(0, 1.5, 1.5), mode='constant').reshape(n, 784).astype(np.float32)}

def own_sets(X, seed=0):
    "The same transformations, made with numpy_mlp.augment's own functions."
    from numpy_mlp.augment import warp, affine_matrix, dilate, gaussian_matrix
    X = np.asarray(X, np.float32).reshape(-1, 784)
    n = len(X)
    vec, angles, signs, vec_len = _draws(n, seed)
    def blur(s):
        G = gaussian_matrix(s).astype(np.float32)
        return (G @ X.reshape(n, 28, 28) @ G.T).reshape(n, 784)
    return {'untouched': X, 'shift 4-5 px': warp(X, shift=vec.astype(np.float32)),
            'rotate <= 25 deg': warp(X, affine_matrix(angles)), 'thick 3x3': dilate(X),
            'size 60%': warp(X, affine_matrix(0, 0.6)), 'blur sigma 1': blur(1.0),
            'shift 4-5 px long (info)': warp(X, shift=vec_len.astype(np.float32)),
            'rotate 25 deg (info)': warp(X, affine_matrix(25 * signs[:, 0])), 'blur sigma 1.5 (info)': blur(1.5)}

def measure(model, sets, y):
    "name -> accuracy of model on each transformed set."
    return {k: float((model.predict(v) == y).mean()) for k, v in sets.items()}

def report(acc_scipy, acc_own):
    "The table: each target, its figure with scipy and with the own transforms, pass or fail."
    lines = [f"{'target':24s}{'at least':>9s}{'scipy':>9s}{'':6s}{'own':>9s}"]
    ok = True
    for k in list(TARGETS) + INFO:
        t = TARGETS.get(k)
        def cell(a):
            if t is None: return f'{100 * a:8.2f}%{"":6s}'
            return f'{100 * a:8.2f}% {"pass" if a >= t else "FAIL":5s}'
        lines.append(f'{k:24s}' + (f'{100 * t:8.1f}%' if t else f'{"":9s}') + cell(acc_scipy[k]) + cell(acc_own[k]))
        if t is not None: ok &= acc_scipy[k] >= t and acc_own[k] >= t
    return '\n'.join(lines), ok

def main(n=10_000, seed=0, model_path=None):
    from numpy_mlp.data import load_mnist
    from numpy_mlp.augment import load_draw_model, file_sha256, draw_model_path
    from numpy_mlp.io import load
    _, (X, y) = load_mnist()
    X, y = X[:n], y[:n]
    model = load(model_path) if model_path else load_draw_model()
    t0 = time.perf_counter()
    text, ok = report(measure(model, scipy_sets(X, seed), y), measure(model, own_sets(X, seed), y))
    print(text)
    path = model_path or draw_model_path()
    size = sum(v.nbytes for v in model.params.values())
    print(f"(model {model.sizes}, {size / 1e6:.2f} MB of float32 weights, file SHA-256 {file_sha256(path)[:16]}...; "
          f"the first {n:,} test digits, seed {seed}; all targets met: {ok}; {time.perf_counter() - t0:.0f} s)")
    return ok

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--n', type=int, default=10_000, help='how many test digits (the first n)')
    p.add_argument('--seed', type=int, default=0, help="seeds the shifts' and turns' random draws")
    p.add_argument('--model', default=None, help='an .npz saved by numpy_mlp.io.save (default: the pad model)')
    a = p.parse_args()
    main(a.n, a.seed, a.model)
