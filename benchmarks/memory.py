"""Peak memory of `numpy_mlp train` and the time `load_mnist()` takes, each in fresh processes.

- peak memory: the largest resident set size (RSS) of a child process running `numpy_mlp train` with its
  defaults (the quick recipe: load, verify, train 10 epochs, evaluate), read with `resource.getrusage` after it
  ends (Linux reports kilobytes); the median over `--runs` processes;
- load time: a child process that imports numpy_mlp, then times `load_mnist()` (decompress the four bundled
  files, check their MD5 sums, convert to float32) once; the median over `--runs` processes.

    python benchmarks/memory.py [--runs 5] > benchmarks/results/memory.txt
"""
import argparse, os, platform, resource, statistics, subprocess, sys, time, json

LOAD = ("import time; from numpy_mlp.data import load_mnist; t0 = time.perf_counter(); load_mnist(); "
        "print(time.perf_counter() - t0)")

def peak_rss_mb(cmd: list) -> float:
    "Run `cmd` in a child process of a child, so that RUSAGE_CHILDREN holds that one process alone."
    probe = ("import resource, subprocess, sys, json; subprocess.run(json.loads(sys.argv[1]), check=True, "
             "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, '-c', probe, json.dumps(cmd)], check=True, capture_output=True, text=True)
    return int(out.stdout) / 1024            # kilobytes on Linux

def main(runs: int = 5):
    train = [sys.executable, '-c', "from numpy_mlp.cli import main; raise SystemExit(main(['train']))"]
    rss = [peak_rss_mb(train) for _ in range(runs)]
    load = [float(subprocess.run([sys.executable, '-c', LOAD], check=True, capture_output=True,
                                 text=True).stdout) for _ in range(runs)]
    import numpy
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, numpy {numpy.__version__}; medians over {runs} fresh processes")
    print(f"peak memory of `numpy_mlp train` (the quick recipe, its defaults): {statistics.median(rss):.0f} MB "
          f"(min {min(rss):.0f}, max {max(rss):.0f})")
    print(f"load_mnist() in a fresh process (decompress, verify, convert to float32): "
          f"{statistics.median(load):.2f} s (min {min(load):.2f}, max {max(load):.2f})")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--runs', type=int, default=5, help='fresh processes per figure (default: 5)')
    main(p.parse_args().runs)
