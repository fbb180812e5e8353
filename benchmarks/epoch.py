"""Seconds per training epoch of the 784-100-10 network (batch 64, plain SGD, lr 0.01, L2 1e-3, 60,000 images),
each contender timed in a process of its own.

Contenders:
- fit: numpy_mlp's `fit` for one epoch (SGD(0.01), plain gradient descent, the model's l2 0.001, uint8 images scaled batch by batch,
  progress off; the model's dtype, float32);
- origin, as written: the origin notebook's own code (benchmarks/origin_code.py), its `train_mlp` for one
  epoch: the mini-batch loop and then, as every epoch of it does, the accuracy on the 60,000 training and 10,000
  test images and the last batch's loss (float64, as the notebook);
- origin, mini-batch loop: the same code's SGD pass alone (train_mlp's inner loop, without the accuracy);
- PyTorch: CPU, float32, nn.Sequential + autograd + torch.optim.SGD, the same recipe (L2 on the weights only,
  as weight decay), the same uint8 batches scaled batch by batch; skipped with a note where torch is missing;
- floor: the five matrix products one epoch's forward and backward passes need (float32, the same shapes,
  938 batches), in preallocated arrays, and nothing else.

Every measurement is a fresh `python` process that loads the data, builds its trainer, runs `--epochs` epochs and
reports the time of each; the first is a warm-up (first-call costs, page faults), the others are timed. The
contenders run one after another in an order that rotates every round, for `--rounds` rounds, so that each sees
the machine's varying load alike. The table gives, per contender, the median over rounds (and the min and max);
the column 'others' gives the median number of cores that other processes kept busy during the timed
epochs (from /proc/stat, less the child's own CPU time); a measurement during which they kept more than
`--max-others` cores busy is run again, up to `--retries` times, and kept after that. The ratios are those of
the medians of this one run (then those of the minima, the figures least touched by
other work on the machine, and in brackets the range of the same ratio within each round).

    python benchmarks/epoch.py [--rounds 5] [--epochs 2] [--out benchmarks/results/epoch.txt]
    python benchmarks/epoch.py --src PATH               # time the numpy_mlp of another checkout (PATH/numpy_mlp)
    python benchmarks/epoch.py --before PATH            # add `fit` from PATH as a contender: before/after in one run

`--src` and `--before` put PATH first on the child processes' PYTHONPATH (the origin code, the PyTorch trainer and
the floor come from this folder; only their data loading imports numpy_mlp). A copy of an older commit to pass
as PATH: `git archive COMMIT | tar -x -C PATH`.
"""
import argparse, json, os, platform, shlex, statistics, subprocess, sys, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LR, L2, BS, SIZES = 0.01, 0.001, 64, (784, 100, 10)
GFLOP = 2 * 60000 * (2 * 784 * 100 + 3 * 100 * 10) / 1e9    # the five products of one epoch: 19.2 GFLOP

# ---------------------------------------------------------------- the contenders, each run in a child process

def machine_busy():
    "CPU-seconds the whole machine has been busy (all cores; time stolen by the host counts), or None off Linux."
    try: jiffies = [int(x) for x in Path('/proc/stat').read_text().split('\n', 1)[0].split()[1:9]]
    except (OSError, ValueError): return None
    return (sum(jiffies) - jiffies[3] - jiffies[4]) / os.sysconf('SC_CLK_TCK')    # less idle and iowait

class Epochs(list):
    "Each `with epochs:` block appends (seconds, cores that other processes kept busy meanwhile)."
    def __enter__(self): self.b0, self.c0, self.t0 = machine_busy(), time.process_time(), time.perf_counter()
    def __exit__(self, *exc):
        seconds, own, busy = time.perf_counter() - self.t0, time.process_time() - self.c0, machine_busy()
        others = None if busy is None or self.b0 is None else max(0.0, (busy - self.b0 - own) / seconds)
        self.append((seconds, others))

def time_fit(epochs):
    from numpy_mlp.data import load_mnist
    from numpy_mlp.model import MLP
    from numpy_mlp.training import fit
    from numpy_mlp.optim import SGD       # plain gradient descent; also in the 'before' code (ae96f82)
    (X, y), _ = load_mnist(raw=True)
    model, times = MLP(list(SIZES), l2=L2, seed=0), Epochs()
    for e in range(epochs):
        with times: fit(model, X, y, epochs=1, batch_size=BS, optimizer=SGD(LR), seed=e, progress=False)
    return times, f"{model.dtype}"

def _origin(epochs, as_written):
    import numpy as np
    sys.path.insert(0, str(HERE))
    import origin_code as oc
    train_X, train_y, test_X, test_y = oc.load_origin_data()
    np.random.seed(0)
    mlp, times = oc.MLP(input_size=784, hidden_size=100, output_size=10, l2_lambda=L2), Epochs()
    for _ in range(epochs):
        with times:
            if as_written: oc.train_mlp(mlp, train_X, train_y, test_X, test_y, epochs=1, batch_size=BS,
                                        learning_rate=LR)
            else: oc.minibatch_loop(mlp, train_X, train_y, batch_size=BS, learning_rate=LR)
    return times, f"{train_X.dtype}"

def time_origin(epochs): return _origin(epochs, True)
def time_origin_loop(epochs): return _origin(epochs, False)

def time_torch(epochs):
    import torch
    from numpy_mlp.data import load_mnist
    (X_raw, y), _ = load_mnist(raw=True)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))
    weights = [p for n, p in net.named_parameters() if n.endswith('weight')]
    biases = [p for n, p in net.named_parameters() if n.endswith('bias')]
    opt = torch.optim.SGD([{'params': weights, 'weight_decay': L2}, {'params': biases, 'weight_decay': 0.0}],
                          lr=LR)
    X, Y = torch.from_numpy(X_raw.copy()), torch.from_numpy(y)    # a writable copy: torch wants one
    gen, times = torch.Generator().manual_seed(0), Epochs()
    for _ in range(epochs):
        with times:
            perm = torch.randperm(len(X), generator=gen)
            for i in range(0, len(X), BS):
                idx = perm[i:i + BS]
                xb = X[idx].float().div_(255)
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(net(xb), Y[idx])
                loss.backward()
                opt.step()
    return times, f"torch {torch.__version__}, float32, {torch.get_num_threads()} threads"

def time_floor(epochs):
    import numpy as np
    from numpy_mlp.data import load_mnist
    (X_raw, _), _ = load_mnist(raw=True)
    X = (X_raw / np.float32(255)).astype(np.float32)
    rng = np.random.default_rng(0)
    W1 = (rng.standard_normal((784, 100)) * np.sqrt(2 / 784)).astype(np.float32)
    W2 = (rng.standard_normal((100, 10)) * np.sqrt(2 / 100)).astype(np.float32)
    dW1, dW2, bufs, times = np.empty_like(W1), np.empty_like(W2), {}, Epochs()
    def buffers(n):
        if n not in bufs: bufs[n] = [np.empty((n, k), np.float32) for k in (100, 10, 100)]
        return bufs[n]
    for _ in range(epochs):
        with times:
            for i in range(0, len(X), BS):
                Xb = X[i:i + BS]
                Z1, Z2, dA1 = buffers(len(Xb))
                np.matmul(Xb, W1, out=Z1)          # forward: X W1
                np.matmul(Z1, W2, out=Z2)          #          A1 W2
                np.matmul(Z1.T, Z2, out=dW2)       # backward: A1^T dZ2
                np.matmul(Z2, W2.T, out=dA1)       #           dZ2 W2^T
                np.matmul(Xb.T, dA1, out=dW1)      #           X^T dZ1
    return times, "float32"

KINDS = {'fit': time_fit, 'origin': time_origin, 'origin_loop': time_origin_loop, 'torch': time_torch,
         'floor': time_floor}

def child(kind, epochs):
    "Run one contender in this process and print one line of JSON: its epoch times and what ran."
    import numpy as np
    times, what = KINDS[kind](epochs)
    import numpy_mlp
    print(json.dumps({'times': times, 'what': what, 'numpy': np.__version__,
                      'numpy_mlp': str(Path(numpy_mlp.__file__).resolve().parent)}))

# ---------------------------------------------------------------- the parent: rounds of child processes

def run_child(kind, epochs, src=None):
    env = dict(os.environ)
    if src: env['PYTHONPATH'] = os.pathsep.join([str(src)] + [p for p in [env.get('PYTHONPATH')] if p])
    p = subprocess.run([sys.executable, str(Path(__file__).resolve()), '--child', kind, '--epochs', str(epochs)],
                       env=env, capture_output=True, text=True)
    if p.returncode: raise RuntimeError(f"the {kind} process failed:\n{p.stderr}")
    out = json.loads(p.stdout.strip().splitlines()[-1])
    if src and not Path(out['numpy_mlp']).is_relative_to(Path(src).resolve()):
        raise RuntimeError(f"--src/--before {src}: the child imported numpy_mlp from {out['numpy_mlp']}")
    return out

def cpu_name():
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'): return line.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine()

def measure(kind, epochs, src, max_others, retries):
    "One measurement in a fresh process, run again (up to `retries` times) while other work loaded the machine."
    for attempt in range(retries + 1):
        res = run_child(kind, epochs, src)
        timed = res['times'][1:] or res['times']                        # the first epoch warms up
        seconds = statistics.median(t for t, _ in timed)
        others = None if any(o is None for _, o in timed) else max(o for _, o in timed)
        if others is None or others <= max_others or attempt == retries: break
        time.sleep(2)
    return seconds, others, attempt, res

def main(rounds=5, epochs=2, src=None, before=None, out=None, argv=(), max_others=0.25, retries=3):
    import importlib.util
    contenders = [('fit', 'fit', src)]
    if before: contenders.append(('fit, before', 'fit', before))
    contenders += [('origin, as written', 'origin', src), ('origin, mini-batch loop', 'origin_loop', src)]
    has_torch = importlib.util.find_spec('torch') is not None
    if has_torch: contenders.append(('PyTorch', 'torch', src))
    contenders.append(('floor: the matrix products', 'floor', src))
    times, others = {name: [] for name, _, _ in contenders}, {name: [] for name, _, _ in contenders}
    info, load0, t_start, reruns, loaded = {}, os.getloadavg(), time.time(), 0, 0
    for r in range(rounds):
        k = r % len(contenders)
        for name, kind, path in contenders[k:] + contenders[:k]:        # the order rotates every round
            seconds, busy, again, info[name] = measure(kind, epochs, path, max_others, retries)
            times[name].append(seconds); others[name].append(busy)
            reruns += again; loaded += busy is not None and busy > max_others
            print(f"  round {r + 1}/{rounds}: {name:28s} {seconds:.3f} s, others busy "
                  f"{'?' if busy is None else f'{busy:.2f}'} cores ({again} reruns)", file=sys.stderr)
    load1 = os.getloadavg()
    lines = [f"$ {' '.join(shlex.quote(a) for a in ['python', 'benchmarks/epoch.py', *argv])}",
             f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(t_start))}, {cpu_name()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}, numpy {info['fit']['numpy']}; load average "
             f"{load0[0]:.2f} before, {load1[0]:.2f} after (a shared machine: compare ratios, not seconds)",
             f"seconds per epoch, 784-100-10, batch {BS}, SGD lr {LR}, L2 {L2}, 60,000 images: each figure the "
             f"median over {rounds} processes (one warm-up epoch, then {max(epochs - 1, 1)} timed, in each)",
             f"other processes' load: a measurement during which they kept more than {max_others} cores busy "
             f"was run again, up to {retries} times; {reruns} reruns, {loaded} of "
             f"{rounds * len(contenders)} measurements kept above that",
             f"  {'contender':28s} {'median':>7s} {'min':>7s} {'max':>7s} {'others':>7s}   what ran"]
    med = {}
    for name, _, _ in contenders:
        t = times[name]
        med[name] = statistics.median(t)
        what = info[name]['what']
        if name.startswith('fit'): what = f"numpy_mlp from {info[name]['numpy_mlp']}, {what}"
        if name.startswith('floor'): what += f", {GFLOP:.1f} GFLOP: {GFLOP / med[name]:.0f} GFLOP/s"
        o = [x for x in others[name] if x is not None]
        busy = f"{statistics.median(o):7.2f}" if o else f"{'?':>7s}"
        lines.append(f"  {name:28s} {med[name]:7.3f} {min(t):7.3f} {max(t):7.3f} {busy}   {what}")
    if not has_torch: lines.append("  PyTorch: not installed, not compared (pip install torch to include it)")
    def ratio(a, b, target=None, note=''):
        per_round = [x / y for x, y in zip(times[a], times[b])]
        goal = f"   target <= {target:.2f}: {'met' if med[a] / med[b] <= target else 'NOT met'}" if target else ''
        lines.append(f"  {a + ' / ' + b:52s} {med[a] / med[b]:5.2f}  {min(times[a]) / min(times[b]):5.2f}  "
                     f"[{min(per_round):.2f}-{max(per_round):.2f}]{goal}{note}")
    lines.append("ratios: of the medians; of the minima; in brackets the range of the same ratio within each round")
    ratio('fit', 'origin, as written', 0.55)
    ratio('fit', 'origin, mini-batch loop', 0.55, '   (the SGD pass alone)')
    if has_torch: ratio('fit', 'PyTorch', 0.70)
    ratio('fit', 'floor: the matrix products')
    if before: ratio('fit', 'fit, before')
    text = '\n'.join(lines)
    print(text)
    if out: Path(out).write_text(text + '\n')
    return med

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--rounds', type=int, default=5, help="processes per contender (default 5)")
    ap.add_argument('--epochs', type=int, default=2, help="epochs per process, the first a warm-up (default 2)")
    ap.add_argument('--src', help="time the numpy_mlp found in this folder (first on the children's PYTHONPATH)")
    ap.add_argument('--before', help="also time `fit` from this folder's numpy_mlp, as 'fit, before'")
    ap.add_argument('--out', help="also write the table to this file")
    ap.add_argument('--max-others', type=float, default=0.25,
                    help="rerun a measurement while other processes kept more cores than this busy (default 0.25)")
    ap.add_argument('--retries', type=int, default=3, help="reruns at most, per measurement (default 3)")
    ap.add_argument('--child', choices=sorted(KINDS), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child: child(a.child, a.epochs)
    else: main(a.rounds, a.epochs, a.src, a.before, a.out, sys.argv[1:], a.max_others, a.retries)
