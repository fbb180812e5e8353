"""Robustness to handwriting-like changes: accuracy of the quick model and of the drawing pad's model.

On the 10,000 MNIST test images, untouched and transformed (each transformation on its own, at two
strengths; the table in nbs/11_augment.ipynb says what each strength means).

The quick model is retrained here (`numpy_mlp train`'s recipe on all 60,000 training images, seed 0,
about 10 s); the pad's model is the one committed in numpy_mlp/datafiles/draw_model.npz.

    python benchmarks/robustness.py [--seed 0] > benchmarks/results/robustness.txt
"""
import argparse, time
from numpy_mlp.data import load_mnist
from numpy_mlp.augment import train_quick_model, load_draw_model, robustness, robustness_table

def main(seed=0):
    _, (X_test, y_test) = load_mnist()
    t0 = time.perf_counter()
    quick = train_quick_model(seed=seed)
    pad = load_draw_model()
    models = {'quick 784-100-10': quick, 'pad 784-512-512': pad}
    print(robustness_table(robustness(models, X_test, y_test, seed=seed)))
    secs = time.perf_counter() - t0
    print(f"(seed {seed}; test accuracy in percent on the 10,000 test images; {secs:.0f} s)")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--seed', type=int, default=0,
                   help="seeds the quick model and the transformations' draws")
    main(p.parse_args().seed)
