"""Time one training step (forward, backward, SGD update, batch loss) of the 784-100-10 network at batch 64.

numpy_mlp's step (float32), as `fit` runs it (TrainStep, the L2 penalty, SGD with weight decay), runs beside
the same step written with the package's readable functions (forward, cross_entropy, backward, and the plain update),
a naive step written the way the origin notebook does it (float64, one-hot rows taken from a fresh np.eye(10)
in the loss and again in the backward pass, loss computed every batch with log(P + 1e-8)), and the step's
five matrix products alone. All run in one process on the same batches, interleaved; each figure is the
median over several runs of the mean time per step over `--steps` steps.

    python benchmarks/step.py [--steps 300] [--repeats 9]
"""
import argparse, platform, statistics, time
import numpy as np
from numpy_mlp.data import load_mnist, to_float
from numpy_mlp.model import init_params, forward
from numpy_mlp.loss import cross_entropy, l2_penalty
from numpy_mlp.backward import backward
from numpy_mlp.training import TrainStep
from numpy_mlp.optim import SGD

LR, L2, BS = 0.01, 0.001, 64

def fit_step(params):
    "The step `fit` takes: fused forward/loss/backward in reused buffers, then gradient descent with weight decay."
    step, opt = TrainStep(params), SGD(LR)
    def run(X, y):
        ce_sum, right, grads = step(X, y)
        batch_loss = ce_sum / len(y) + l2_penalty(params, L2)
        opt.step(params, grads, L2)
        return batch_loss
    return run

def readable_step(params, X, y):
    "The same step from the functions of notebooks 02-04, each allocating its results."
    P, cache = forward(params, X)
    batch_loss = cross_entropy(cache['Z2'], y) + l2_penalty(params, L2)
    for k, g in backward(params, cache, X, y, L2).items(): params[k] -= LR * g
    return batch_loss

class NaiveOrigin:
    "The origin notebook's arithmetic, float64, one-hot from np.eye, loss every batch."
    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        self.W1, self.b1 = rng.standard_normal((784, 100)) * 0.01, np.zeros((1, 100))
        self.W2, self.b2 = rng.standard_normal((100, 10)) * 0.01, np.zeros((1, 10))
    def forward(self, X):
        "The origin's forward pass: it keeps z1 and a1 on the object for the backward pass."
        self.z1 = X.dot(self.W1) + self.b1
        self.a1 = np.maximum(0, self.z1)
        z2 = self.a1.dot(self.W2) + self.b2
        e = np.exp(z2 - np.max(z2, axis=1, keepdims=True))
        return e / np.sum(e, axis=1, keepdims=True)
    def step(self, X, y):
        n = X.shape[0]
        out = self.forward(X)
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
    def accuracy(self, X, y):
        "The origin's accuracy: argmax of a forward pass over all of X at once."
        return np.mean(np.argmax(self.forward(X), axis=1) == y) * 100

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
    p_fit, p_readable, p_floor = (init_params([784, 100, 10], rng=0) for _ in range(3))
    runs = {'numpy_mlp, as fit runs it (float32)': (fit_step(p_fit), b32),
            'numpy_mlp, readable functions (float32)': (lambda X, yb: readable_step(p_readable, X, yb), b32),
            'naive origin-style (float64)': (NaiveOrigin(0).step, b64),
            'its matrix products alone (float32)': (lambda X, yb: matmuls_only(p_floor, X, yb), b32)}
    for step, batches in runs.values(): time_steps(step, batches)     # warm up
    times = {name: [] for name in runs}
    for _ in range(repeats):                                  # interleaved, so all see the same machine load
        for name, (step, batches) in runs.items(): times[name].append(time_steps(step, batches))
    med = {name: statistics.median(t) for name, t in times.items()}
    naive = med['naive origin-style (float64)']
    print(f"one training step, 784-100-10, batch {BS}: median of {repeats} runs of {steps} steps "
          f"({platform.processor() or platform.machine()}, numpy {np.__version__})")
    for name, m in med.items():
        print(f"  {name:42s} {m * 1e6:8.1f} us   / naive: {m / naive:.2f}")
    print("  target: numpy_mlp's step at most 0.30 of the naive one")
    return med

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--steps', type=int, default=300)
    ap.add_argument('--repeats', type=int, default=9)
    a = ap.parse_args()
    main(a.steps, a.repeats)
