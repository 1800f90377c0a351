"""Time one step of the seed (fixtures/seed/): naive port vs blaslint's fixes vs by hand vs PyTorch.

The naive port is fixed with the real command line (``blaslint --fix
--unsafe-fixes`` on a temporary copy), then every variant runs the same
forward/backward step on the same inputs; results are checked equal before
anything is timed. The input size is the seed's ``N_IN`` (the thread uses
512 * 512; the fixtures use 64 * 64).

    python benchmarks/seed_speed.py                       # N_IN = 64*64, 128*128, 256*256
    python benchmarks/seed_speed.py --sizes 4096 --repeat 10
    python benchmarks/seed_speed.py --markdown            # the README table
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from functools import cache, lru_cache

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SEED = os.path.join(ROOT, "fixtures", "seed")
VARIANTS = ("naive", "fixed", "fast", "torch")
_N_IN = re.compile(r"^N_IN = .*$", re.MULTILINE)


@cache
def source(kind: str) -> str:
    """The variant's source text (``fixed``: mlp_naive.py after the real ``--fix --unsafe-fixes``)."""
    name = {"naive": "mlp_naive.py", "fixed": "mlp_naive.py", "fast": "mlp_fast.py", "torch": "mlp_torch.py"}[kind]
    path = os.path.join(SEED, name)
    if kind != "fixed":
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    with tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, name)
        shutil.copy(path, target)
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        proc = subprocess.run([sys.executable, "-m", "blaslint", "--fix", "--unsafe-fixes", target],
                              capture_output=True, text=True, env=env)
        if proc.returncode not in (0, 1):
            raise RuntimeError(proc.stderr)
        with open(target, encoding="utf-8") as fh:
            return fh.read()


def load(kind: str, n_in: int) -> dict:
    """Execute a variant with input size ``n_in``; its globals (``train``, weights, buffers)."""
    text, count = _N_IN.subn(f"N_IN = {n_in}", source(kind), count=1)
    assert count == 1, kind
    ns: dict = {"__name__": f"seed_{kind}"}
    exec(compile(text, f"<seed {kind}>", "exec"), ns)
    return ns


def step_inputs(n_in: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    return [rng.random(n_in, dtype=np.float32)], [rng.random(10, dtype=np.float32)]


def _numpy(result):
    return [r.numpy() if hasattr(r, "numpy") else r for r in result]


def time_step(ns: dict, xs, es, repeat: int, clock=time.perf_counter) -> float:
    ns["train"](xs, es)  # warm-up (first-touch page faults of the buffers)
    times = []
    for _ in range(repeat):
        t0 = clock()
        ns["train"](xs, es)
        times.append(clock() - t0)
    return statistics.median(times)


def measure(n_in: int, repeat: int, kinds=VARIANTS, clock=time.perf_counter) -> dict[str, float]:
    xs, es = step_inputs(n_in)
    reference = None
    out = {}
    for kind in kinds:
        if kind == "torch":
            try:
                import torch  # noqa: F401
            except ImportError:
                continue
        ns = load(kind, n_in)
        result = _numpy(ns["train"](xs, es))
        if reference is None:
            reference = [r.copy() for r in result]
        else:
            for a, b in zip(reference, result):
                if not np.allclose(a, b, rtol=1e-4, atol=0):
                    raise AssertionError(f"{kind} differs from naive at N_IN={n_in}")
        out[kind] = time_step(ns, xs, es, repeat, clock)
        del ns, result
    return out


def main(argv=None) -> int:
    sys.path.insert(0, HERE)
    from fix_speedups import machine

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[64 * 64, 128 * 128, 256 * 256])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--cpu", action="store_true",
                    help="time CPU seconds of the process (all threads) instead of wall-clock: "
                         "steadier on a busy machine")
    args = ap.parse_args(argv)
    clock = time.process_time if args.cpu else time.perf_counter
    print(f"machine: {machine()}; clock: {'process CPU time' if args.cpu else 'wall'}; "
          f"load average {os.getloadavg()[0]:.1f}")
    if args.markdown:
        print("\n| N_IN (W1 size) | naive | blaslint --fix --unsafe-fixes | by hand | PyTorch CPU | naive / fixed |")
        print("|---|---|---|---|---|---|")
    for n in args.sizes:
        t = measure(n, args.repeat, clock=clock)
        ms = {k: f"{v * 1e3:.1f} ms" for k, v in t.items()}
        ratio = t["naive"] / t["fixed"]
        mb = 2048 * n * 4 / 2**20
        if args.markdown:
            print(f"| {n} (2048 x {n}, {mb:.0f} MB) | {ms['naive']} | {ms['fixed']} | {ms['fast']} | "
                  f"{ms.get('torch', 'n/a')} | {ratio:.1f}x |")
        else:
            print(f"N_IN={n:<7} " + "  ".join(f"{k} {v}" for k, v in ms.items()) + f"  naive/fixed {ratio:.1f}x")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
