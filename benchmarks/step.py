"""Time one training step (forward, backward, SGD update, batch loss) of the 784-100-10 network at batch 64.

numpy_mlp's step (float32) runs beside a naive step written the way the origin notebook does it (float64,
one-hot rows taken from a fresh np.eye(10) in the loss and again in the backward pass, loss computed every
batch with log(P + 1e-8)). Both run in one process on the same batches; each figure is the median over
several runs of the mean time per step over `--steps` steps.

    python benchmarks/step.py [--steps 300] [--repeats 9]
"""
import argparse, platform, statistics, time
import numpy as np
from numpy_mlp.data import load_mnist, to_float
from numpy_mlp.model import init_params, forward
from numpy_mlp.loss import cross_entropy, l2_penalty
from numpy_mlp.backward import backward, sgd_update

LR, L2, BS = 0.01, 0.001, 64

def numpy_mlp_step(params, X, y):
    P, cache = forward(params, X)
    batch_loss = cross_entropy(cache['Z2'], y) + l2_penalty(params, L2)
    sgd_update(params, backward(params, cache, X, y, L2), LR)
    return batch_loss

class NaiveOrigin:
    "The origin notebook's arithmetic, float64, one-hot from np.eye, loss every batch."
    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        self.W1, self.b1 = rng.standard_normal((784, 100)) * 0.01, np.zeros((1, 100))
        self.W2, self.b2 = rng.standard_normal((100, 10)) * 0.01, np.zeros((1, 10))
    def step(self, X, y):
        n = X.shape[0]
        self.z1 = X.dot(self.W1) + self.b1
        self.a1 = np.maximum(0, self.z1)
        z2 = self.a1.dot(self.W2) + self.b2
        e = np.exp(z2 - np.max(z2, axis=1, keepdims=True))
        out = e / np.sum(e, axis=1, keepdims=True)
        Y = np.eye(10)[y]
        batch_loss = -np.sum(Y * np.log(out + 1e-8)) / n + L2 / 2 * (np.sum(np.square(self.W1)) + np.sum(np.square(self.W2)))
        Y = np.eye(10)[y]
        dz2 = out - Y
        dW2 = self.a1.T.dot(dz2) / n + L2 * self.W2
        db2 = np.sum(dz2, axis=0, keepdims=True) / n
        dz1 = dz2.dot(self.W2.T) * (self.z1 > 0).astype(float)
        dW1 = X.T.dot(dz1) / n + L2 * self.W1
        db1 = np.sum(dz1, axis=0, keepdims=True) / n
        self.W1 -= LR * dW1; self.b1 -= LR * db1; self.W2 -= LR * dW2; self.b2 -= LR * db2
        return batch_loss

def matmuls_only(params, X, y, cache={}):
    "Just the five matrix products of a step, on arrays of the step's shapes: a floor no NumPy step can beat."
    W1, W2 = params['W1'], params['W2']
    Z1 = X @ W1; Z2 = Z1 @ W2
    dW2 = Z1.T @ Z2; dA1 = Z2 @ W2.T; dW1 = X.T @ dA1

def time_steps(step, batches):
    t0 = time.perf_counter()
    for X, y in batches: step(X, y)
    return (time.perf_counter() - t0) / len(batches)

def main(steps=300, repeats=9):
    (X_raw, y), _ = load_mnist(raw=True)
    idx = [slice(i, i + BS) for i in range(0, steps * BS, BS)]
    b64 = [(X_raw[s] / 255.0, y[s]) for s in idx]            # float64, as the origin notebook's arrays
    b32 = [(to_float(X_raw[s]), y[s]) for s in idx]          # float32
    params, naive = init_params([784, 100, 10], rng=0), NaiveOrigin(0)
    ours = lambda X, yb: numpy_mlp_step(params, X, yb)
    time_steps(ours, b32); time_steps(naive.step, b64)        # warm up
    floor = lambda X, yb: matmuls_only(params, X, yb)
    t_ours, t_naive, t_floor = [], [], []
    for _ in range(repeats):                                  # interleaved, so all see the same machine load
        t_ours.append(time_steps(ours, b32)); t_naive.append(time_steps(naive.step, b64))
        t_floor.append(time_steps(floor, b32))
    mo, mn, mf = statistics.median(t_ours), statistics.median(t_naive), statistics.median(t_floor)
    print(f"one training step, 784-100-10, batch {BS}: median of {repeats} runs of {steps} steps "
          f"({platform.processor() or platform.machine()}, numpy {np.__version__})")
    print(f"  {'numpy_mlp (float32)':34s} {mo * 1e6:8.1f} us")
    print(f"  {'naive origin-style (float64)':34s} {mn * 1e6:8.1f} us")
    print(f"  {'its matrix products alone (float32)':34s} {mf * 1e6:8.1f} us")
    print(f"  ratio numpy_mlp / naive: {mo / mn:.2f}   (target: at most 0.30); "
          f"matrix products alone / naive: {mf / mn:.2f}")
    return mo, mn

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--steps', type=int, default=300)
    ap.add_argument('--repeats', type=int, default=9)
    a = ap.parse_args()
    main(a.steps, a.repeats)
