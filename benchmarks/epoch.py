"""Seconds per training epoch of the 784-100-10 network (batch 64, plain SGD, lr 0.01) on the 60,000 MNIST images.

Three trainers run in one process, their epochs interleaved so that all see the same machine load:
- numpy_mlp's `fit` (float32; images kept as uint8 and scaled batch by batch; loss and accuracy tracked);
- a naive loop written the way the origin notebook does it (float64 arrays, one-hot rows from np.eye(10)
  in the loss and again in the backward pass, loss every batch), from benchmarks/step.py;
- for context, the same naive loop followed by what the origin notebook's loop also does every epoch: the
  accuracy on all 60,000 training and 10,000 test images (the design card's "0.96 s per epoch" is this);
- PyTorch, where it is installed (CPU, float32, nn.Sequential + autograd + torch.optim.SGD, same batches).
Each figure is the median over `--epochs` epochs (after one warm-up epoch each).

    python benchmarks/epoch.py [--epochs 5]
"""
import argparse, importlib.util, statistics, time
import numpy as np
from numpy_mlp.data import load_mnist
from numpy_mlp.model import MLP
from numpy_mlp.training import fit
from numpy_mlp.optim import SGD
from step import NaiveOrigin

def numpy_mlp_epoch(model, X_raw, y, seed):
    t0 = time.perf_counter()
    fit(model, X_raw, y, epochs=1, batch_size=64, optimizer=SGD(0.01), seed=seed, progress=False)
    return time.perf_counter() - t0

def naive_epoch(naive, X64, y):
    t0 = time.perf_counter()
    for i in range(0, len(X64), 64): naive.step(X64[i:i + 64], y[i:i + 64])
    return time.perf_counter() - t0

def naive_epoch_as_written(naive, X64, y, X64_test, y_test):
    "The naive epoch plus the origin notebook's per-epoch accuracy on the training and test sets."
    seconds = naive_epoch(naive, X64, y)
    t0 = time.perf_counter()
    for X, labels in ((X64, y), (X64_test, y_test)): naive.accuracy(X, labels)
    return seconds + time.perf_counter() - t0

def torch_trainer(X_raw, y):
    import torch
    net = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.01, weight_decay=0.001)
    X, Y = torch.from_numpy(X_raw.copy()), torch.from_numpy(y)   # a writable copy: torch wants one
    gen = torch.Generator().manual_seed(0)
    def epoch():
        t0 = time.perf_counter()
        perm = torch.randperm(len(X), generator=gen)
        for i in range(0, len(X), 64):
            idx = perm[i:i + 64]
            xb = X[idx].float().div_(255)
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(xb), Y[idx])
            loss.backward()
            opt.step()
        return time.perf_counter() - t0
    return epoch, f"PyTorch {torch.__version__} (float32, {torch.get_num_threads()} threads)"

def main(epochs=5):
    (X_raw, y), (X_test_raw, y_test) = load_mnist(raw=True)
    X64, X64_test = X_raw / 255.0, X_test_raw / 255.0    # the origin notebook's float64 copies
    model, naive, naive2 = MLP([784, 100, 10], l2=0.001, seed=0), NaiveOrigin(0), NaiveOrigin(0)
    trainers = {'numpy_mlp fit (float32)': lambda e: numpy_mlp_epoch(model, X_raw, y, e),
                'naive origin-style (float64)': lambda e: naive_epoch(naive, X64, y),
                'the same + per-epoch accuracy, 70k images': lambda e: naive_epoch_as_written(naive2, X64, y, X64_test, y_test)}
    if importlib.util.find_spec('torch'):
        epoch, name = torch_trainer(X_raw, y)
        trainers[name] = lambda e: epoch()
    for run in trainers.values(): run(0)                 # warm-up
    times = {name: [] for name in trainers}
    for e in range(1, epochs + 1):
        for name, run in trainers.items(): times[name].append(run(e))
    med = {name: statistics.median(t) for name, t in times.items()}
    ours = med['numpy_mlp fit (float32)']
    print(f"seconds per epoch, 784-100-10, batch 64, SGD; median of {epochs} epochs (numpy {np.__version__})")
    for name, m in med.items():
        print(f"  {name:42s} {m:6.3f} s   numpy_mlp / this: {ours / m:.2f}")
    if len(med) == 3: print("  (PyTorch not installed: no comparison with it)")
    print("  targets: at most 0.30 of the naive origin-style loop, at most 0.50 of PyTorch")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--epochs', type=int, default=5)
    main(ap.parse_args().epochs)
