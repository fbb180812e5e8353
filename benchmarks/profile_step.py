"""Where one training step's time goes: the parts of fit's inner loop timed separately (784-100-10, batch 64).

Prints the median time of each part over 3 epochs' worth of batches: batch preparation (shuffled row gather
and uint8 -> float32), the fused step (forward pass, cross-entropy, count of right answers, gradients), the
L2 penalty, and the optimizer's update (plain gradient descent with weight decay). For comparison it also
times, on the same batches, the readable functions of notebooks 02-04 that the fused step replaces, and the
floor: the five matrix products of the step alone (the same shapes, float32, in preallocated arrays), so that
'TrainStep' minus 'floor' is what the fused step spends besides them.

    python benchmarks/profile_step.py
"""
import statistics, time
import numpy as np
from numpy_mlp.data import load_mnist, Batches
from numpy_mlp.model import init_params, forward
from numpy_mlp.loss import cross_entropy, l2_penalty
from numpy_mlp.backward import backward
from numpy_mlp.training import TrainStep
from numpy_mlp.optim import SGD

def main(epochs=3, l2=0.001, lr=0.01):
    (X, y), _ = load_mnist(raw=True)
    params = init_params([784, 100, 10], rng=0)
    step, opt, shadow = TrainStep(params), SGD(lr), init_params([784, 100, 10], rng=0)
    parts = ('batch', 'TrainStep', 'L2 penalty', 'SGD update',
             'readable: forward', 'readable: cross-entropy', 'readable: backward', 'floor: 5 matmuls')
    W1, W2 = shadow['W1'], shadow['W2']
    dW1, dW2, bufs = np.empty_like(W1), np.empty_like(W2), {}
    times = {k: [] for k in parts}
    for epoch in range(epochs):
        batches = iter(Batches(X, y, 64, seed=epoch))
        while True:
            t0 = time.perf_counter()
            try: Xb, yb = next(batches)
            except StopIteration: break
            t1 = time.perf_counter(); ce_sum, right, grads = step(Xb, yb)
            t2 = time.perf_counter(); l2_penalty(params, l2)
            t3 = time.perf_counter(); opt.step(params, grads, l2)
            t4 = time.perf_counter(); P, cache = forward(shadow, Xb)      # a second network, not trained:
            t5 = time.perf_counter(); cross_entropy(cache['Z2'], yb)      # the readable parts, for comparison
            t6 = time.perf_counter(); backward(shadow, cache, Xb, yb, l2)
            t7 = time.perf_counter()
            if len(Xb) not in bufs: bufs[len(Xb)] = [np.empty((len(Xb), k), Xb.dtype) for k in (100, 10, 100)]
            Z1, Z2, dA1 = bufs[len(Xb)]
            t8 = time.perf_counter()
            np.matmul(Xb, W1, out=Z1); np.matmul(Z1, W2, out=Z2); np.matmul(Z1.T, Z2, out=dW2)
            np.matmul(Z2, W2.T, out=dA1); np.matmul(Xb.T, dA1, out=dW1)
            t9 = time.perf_counter()
            for k, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6, t9 - t8)):
                times[k].append(dt)
    medians = {k: statistics.median(v) * 1e6 for k, v in times.items()}
    for i, (k, m) in enumerate(medians.items()):
        print(f"  {k:24s} {m:7.1f} us")
        if i == 3: print(f"  {'sum, as fit runs it':24s} {sum(list(medians.values())[:4]):7.1f} us")
    print(f"  {'TrainStep minus floor':24s} {medians['TrainStep'] - medians['floor: 5 matmuls']:7.1f} us")

if __name__ == '__main__': main()
