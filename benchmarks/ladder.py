"""The accuracy ladder: the origin notebook's recipe, then one change at a time, 3 seeds each.

Every run trains on 50,000 training images, watches a validation set of the other 10,000 (the split is seeded
with the run's seed), and measures the test set once at the end. Each row reports the test accuracy (mean and
spread over the seeds), the validation accuracy, and the training time on this machine. The table is printed
as markdown and saved with the raw figures under benchmarks/results/.

    python benchmarks/ladder.py [--seeds 0 1 2] [--rows 0 1 2 ...] [--out benchmarks/results/ladder]
"""
import argparse, json, platform, statistics, time
from pathlib import Path
import numpy as np
from numpy_mlp.data import load_mnist, train_valid_split, random_shift
from numpy_mlp.model import MLP
from numpy_mlp.training import fit
from numpy_mlp.loss import evaluate
from numpy_mlp.optim import make_optimizer

ORIGIN = dict(sizes=[784, 100, 10], init='origin', dtype='float64', shuffle=False, opt='gd', lr=0.01, momentum=0.0,
              schedule=None, l2=0.001, epochs=50, batch_size=64, shift=False)

def ladder():
    "The rows: (label, recipe), each recipe the previous one with one change (marked by the label)."
    rows, r = [], dict(ORIGIN)
    def add(label, **change):
        nonlocal r
        r = {**r, **change}; rows.append((label, dict(r)))
    add("origin notebook's recipe (float64, 0.01 init, no shuffling, SGD lr 0.01, L2 1e-3, 50 epochs)")
    add('+ float32', dtype='float32')
    add('+ a fresh shuffle every epoch', shuffle=True)
    add('+ He initialisation', init='he')
    add('+ momentum 0.9', opt='momentum', momentum=0.9)
    add('+ cosine learning-rate schedule', schedule='cosine')
    add('+ lr 0.1 and L2 5e-4 (chosen on the validation set)', lr=0.1, l2=5e-4)
    add('+ 10 epochs instead of 50 (the quick recipe, `numpy_mlp train`)', epochs=10)
    quick = dict(r)
    add('Adam (lr 1e-3, cosine) in place of momentum, 20 epochs', opt='adam', lr=1e-3, epochs=20)
    r = dict(quick)
    add('quick recipe + random shifts of up to 2 pixels, 30 epochs', shift=True, epochs=30)
    add('+ wider: 784-800-10, lr 0.05', sizes=[784, 800, 10], lr=0.05)
    add('deeper instead: 784-512-512-10, lr 0.05 (the best recipe)', sizes=[784, 512, 512, 10])
    return rows

def optimizer(r):
    "The recipe's optimizer, built as `numpy_mlp train` builds it ('gd' is the command line's plain 'sgd')."
    name = 'sgd' if r['opt'] == 'gd' else r['opt']
    return make_optimizer(name, r['lr'], r['momentum'], r['schedule'] or 'none', r['epochs'])

def run(r, seed, data):
    (X, y), (X_test, y_test) = data
    (X_tr, y_tr), valid = train_valid_split(X, y, 10_000, seed=seed)
    model = MLP(r['sizes'], l2=r['l2'], init=r['init'], seed=seed, dtype=np.dtype(r['dtype']))
    hist = fit(model, X_tr, y_tr, epochs=r['epochs'], batch_size=r['batch_size'], optimizer=optimizer(r),
               valid=valid, shuffle=r['shuffle'], seed=seed, progress=False,
               augment=random_shift if r['shift'] else None)
    return {'test_acc': evaluate(model, X_test, y_test)['acc'], 'valid_acc': hist[-1]['valid_acc'],
            'train_seconds': sum(h['seconds'] for h in hist)}

def main(seeds, rows, out):
    data = load_mnist(raw=True)
    table = ladder()
    results = []
    for i in rows:
        label, r = table[i]
        runs = [run(r, s, data) for s in seeds]
        te = [100 * x['test_acc'] for x in runs]
        res = {'row': i, 'label': label, 'recipe': r, 'seeds': list(seeds), 'runs': runs,
               'test_mean': statistics.mean(te), 'test_min': min(te), 'test_max': max(te),
               'valid_mean': 100 * statistics.mean(x['valid_acc'] for x in runs),
               'seconds_median': statistics.median(x['train_seconds'] for x in runs)}
        results.append(res)
        print(f"{i:2d} {label}: test {res['test_mean']:.2f}% ({res['test_min']:.2f}-{res['test_max']:.2f}), "
              f"valid {res['valid_mean']:.2f}%, {res['seconds_median']:.0f} s", flush=True)
    lines = [f"| # | recipe | test accuracy, mean (min-max) over {len(seeds)} seeds | validation | training time |",
             "|---|---|---|---|---|"]
    for res in results:
        lines.append(f"| {res['row']} | {res['label']} | {res['test_mean']:.2f}% ({res['test_min']:.2f}-{res['test_max']:.2f}) "
                     f"| {res['valid_mean']:.2f}% | {res['seconds_median']:.0f} s |")
    md = '\n'.join(lines)
    print(md)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        meta = {'machine': f"{platform.machine()}, {__import__('os').cpu_count()} cores", 'numpy': np.__version__,
                'date': time.strftime('%Y-%m-%d')}
        Path(out + '.json').write_text(json.dumps({'meta': meta, 'results': results}, indent=1))
        Path(out + '.md').write_text(md + '\n')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--rows', type=int, nargs='+', default=None, help='row numbers to run (default: all)')
    ap.add_argument('--out', default=None, help='save the table (.md) and figures (.json) under this path stem')
    a = ap.parse_args()
    main(a.seeds, a.rows if a.rows is not None else range(len(ladder())), a.out)
