"""Where one training step's time goes: the parts of fit's inner loop timed separately (784-100-10, batch 64).

Prints the median time of each part over 3 epochs' worth of batches: batch preparation (shuffled row gather
and uint8 -> float32), forward, cross-entropy, L2 penalty, accuracy count, backward, SGD update.

    python benchmarks/profile_step.py
"""
import statistics, time
from numpy_mlp.data import load_mnist, Batches
from numpy_mlp.model import init_params, forward
from numpy_mlp.loss import cross_entropy, l2_penalty
from numpy_mlp.backward import backward, sgd_update

def main(epochs=3, l2=0.001, lr=0.01):
    (X, y), _ = load_mnist(raw=True)
    params = init_params([784, 100, 10], rng=0)
    parts = ('batch', 'forward', 'cross-entropy', 'L2 penalty', 'accuracy', 'backward', 'SGD update')
    times = {k: [] for k in parts}
    for epoch in range(epochs):
        batches = iter(Batches(X, y, 64, seed=epoch))
        while True:
            t0 = time.perf_counter()
            try: Xb, yb = next(batches)
            except StopIteration: break
            t1 = time.perf_counter(); P, cache = forward(params, Xb)
            t2 = time.perf_counter(); cross_entropy(cache['Z2'], yb)
            t3 = time.perf_counter(); l2_penalty(params, l2)
            t4 = time.perf_counter(); int((P.argmax(axis=1) == yb).sum())
            t5 = time.perf_counter(); grads = backward(params, cache, Xb, yb, l2)
            t6 = time.perf_counter(); sgd_update(params, grads, lr)
            t7 = time.perf_counter()
            for k, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6)): times[k].append(dt)
    medians = {k: statistics.median(v) * 1e6 for k, v in times.items()}
    for k, m in medians.items(): print(f"  {k:14s} {m:7.1f} us")
    print(f"  {'sum':14s} {sum(medians.values()):7.1f} us")

if __name__ == '__main__': main()
