"""Quick experiments for the pad model (issue 17): train one configuration, measure pad_targets.py's targets.

Each argument is a JSON object: a name, the network's sizes, epochs, lr, l2, and the augmentation's keywords
(those of `aug` below: a variant of numpy_mlp.augment.handwriting_augment with the experiments' extra options,
blur and contrast, which the final recipe does not use). Training is SGD with momentum 0.9 and a cosine
schedule, batches of 64, seed 0, on all 60,000 training images, as draw_recipe; each run appends a line to
pad_experiments.jsonl (the figures of benchmarks/results/pad_experiments.md) and prints the targets' figures,
scipy / own, in pad_targets.py's order.

    OPENBLAS_NUM_THREADS=1 python benchmarks/pad_experiments.py '{"name": "L", "sizes": [784, 512, 512, 10], "epochs": 10, "shift": 6, "degrees": 30, "scale": [0.5, 1.2], "l2": 1e-4, "p": 0.5}'
"""
import sys, json, time, functools
import numpy as np
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import pad_targets as pt
from numpy_mlp.data import load_mnist, DATASETS
from numpy_mlp.model import MLP
from numpy_mlp.training import fit
from numpy_mlp.optim import make_optimizer
from numpy_mlp.augment import (as_images, thickness, affine_matrix, elastic_field, warp, gaussian_matrix)

def aug(X, rng, degrees=15.0, scale=(0.7, 1.2), shear=0.3, thick=(-0.5, 1.5), alpha=34.0, sigma=4.0,
        shift=2.0, blur=0.0, blur_p=0.0, contrast=(1.0, 1.0), p=1.0, side=28):
    rng, n = np.random.default_rng(rng), len(X)
    strong = rng.random(n) < p          # these images get the strong ranges, the others the old recipe's
    imgs = thickness(as_images(X, side), rng.uniform(*thick, n), side)
    deg = np.where(strong, degrees, 15.0); lo = np.where(strong, np.log(scale[0]), np.log(0.7))
    sc = np.exp(rng.uniform(lo, np.log(scale[1]), n))
    M = affine_matrix(rng.uniform(-deg, deg, n), sc, rng.uniform(-shear, shear, n))
    field = elastic_field(n, rng, rng.uniform(0, alpha, n), sigma, side, imgs.dtype)
    sh = np.where(strong, shift, 2.0)[:, None]
    t = rng.uniform(-sh, sh, (n, 2)).astype(imgs.dtype)
    imgs = warp(imgs, M, shift=t, field=field, side=side)
    if blur > 0:
        s = np.where(strong & (rng.random(n) < blur_p), rng.uniform(0.3, blur, n), 0)
        d = np.arange(side)[:, None] - np.arange(side)[None, :]
        G = np.exp(-0.5 * (d[None] / np.maximum(s, 1e-3)[:, None, None]) ** 2)
        G = (G / G.sum(axis=2, keepdims=True)).astype(imgs.dtype)
        imgs = G @ imgs @ np.swapaxes(G, 1, 2)
    if contrast != (1.0, 1.0):
        imgs = imgs * rng.uniform(*contrast, n).astype(imgs.dtype)[:, None, None]
    return imgs.reshape(np.shape(X))

def run(name, sizes=(784, 256, 10), epochs=5, lr=0.1, l2=5e-4, n=None, seed=0, **kw):
    (X, y), _ = load_mnist(raw=True)
    if n: X, y = X[:n], y[:n]
    model = MLP(list(sizes), l2=l2, init='he', seed=seed, dtype='float32')
    opt = make_optimizer('momentum', lr, 0.9, 'cosine', epochs)
    t0 = time.perf_counter()
    fit(model, X, y, epochs=epochs, batch_size=64, optimizer=opt, seed=seed, progress=False,
        augment=functools.partial(aug, **kw))
    secs = time.perf_counter() - t0
    res = {}
    for setname, sets in (('scipy', SC), ('own', OWN)):
        res[setname] = pt.measure(model, sets, yt)
    row = {'name': name, 'sizes': list(sizes), 'epochs': epochs, 'lr': lr, 'l2': l2, 'aug': kw, 'secs': round(secs),
           'scipy': res['scipy'], 'own': res['own']}
    with open('pad_experiments.jsonl', 'a') as f: f.write(json.dumps(row) + '\n')
    keys = list(pt.TARGETS) + pt.INFO
    print(f"{name:28s} {secs:5.0f}s " + ' '.join(f"{100*res['scipy'][k]:5.1f}/{100*res['own'][k]:5.1f}" for k in keys), flush=True)
    return model

if __name__ == '__main__':
    _, (Xt, yt) = load_mnist()
    SC, OWN = pt.scipy_sets(Xt), pt.own_sets(Xt)
    print('keys:', list(pt.TARGETS) + pt.INFO, flush=True)
    for spec in sys.argv[1:]:
        cfg = json.loads(spec)
        run(**cfg)
