"""Time each rule's bad pattern against its fixed form (run by hand, not by the tests).

Cases live in ``benchmarks/speedup_cases/<family>.py``; each module defines
``CASES``: a list of :class:`Case`. A case gives the setup (with ``n``), the
naive statement and the fixed statement; the driver checks that both compute
the same result, then times them (median of repeats) and prints a table.

    python benchmarks/fix_speedups.py                 # all cases, default sizes
    python benchmarks/fix_speedups.py --rule BL401 --sizes 256 1024 4096
    python benchmarks/fix_speedups.py --markdown      # tables for rules/ pages
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


@dataclass
class Case:
    rule: str
    title: str
    setup: str                 # Python code; `n` is defined; must create the inputs
    naive: str                 # statement(s) computing `out`
    fixed: str                 # statement(s) computing `out`
    sizes: tuple = (256, 1024, 4096)
    result: str = "out"        # name compared between naive and fixed
    rtol: float = 1e-4
    atol: float = 1e-6
    max_bytes: int = 6 * 2**30  # skip a size whose setup would need more memory
    bytes_for: object = None   # callable n -> approximate bytes of the setup
    extra: dict = field(default_factory=dict)


def machine() -> str:
    import numpy as np

    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i.get('internal_api')} {i.get('version')} ({i.get('num_threads')} threads)"
                         for i in threadpool_info() if i.get("user_api") == "blas")
    except Exception:  # noqa: BLE001
        blas = "BLAS: see numpy.show_config()"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}, {blas}"


def _time(stmt: str, ns: dict, repeat: int, budget: float) -> float:
    code = compile(stmt, "<stmt>", "exec")
    exec(code, ns)  # warm-up
    times = []
    start = time.perf_counter()
    for _ in range(repeat):
        t0 = time.perf_counter()
        exec(code, ns)
        times.append(time.perf_counter() - t0)
        if time.perf_counter() - start > budget and len(times) >= 3:
            break
    return statistics.median(times)


def run_case(case: Case, n: int, repeat: int, budget: float):
    import numpy as np

    if case.bytes_for is not None and case.bytes_for(n) > case.max_bytes:
        return None
    ns: dict = {"n": n}
    np.random.seed(0)
    exec(compile(case.setup, "<setup>", "exec"), ns)
    ns_naive = dict(ns)
    ns_fixed = dict(ns)
    exec(compile(case.naive, "<naive>", "exec"), ns_naive)
    exec(compile(case.fixed, "<fixed>", "exec"), ns_fixed)
    a, b = ns_naive[case.result], ns_fixed[case.result]
    try:
        import torch

        if isinstance(a, torch.Tensor):
            a, b = a.numpy(), b.numpy()
    except ImportError:
        pass
    if not np.allclose(a, b, rtol=case.rtol, atol=case.atol):
        raise AssertionError(f"{case.rule} {case.title}: naive and fixed differ at n={n}")
    t_naive = _time(case.naive, ns_naive, repeat, budget)
    t_fixed = _time(case.fixed, ns_fixed, repeat, budget)
    return t_naive, t_fixed


def load_cases(rule: str | None = None) -> list[Case]:
    import speedup_cases

    cases = []
    for mod in pkgutil.iter_modules(speedup_cases.__path__):
        module = importlib.import_module(f"speedup_cases.{mod.name}")
        cases.extend(getattr(module, "CASES", []))
    if rule:
        cases = [c for c in cases if c.rule.upper() == rule.upper()]
    return sorted(cases, key=lambda c: (c.rule, c.title))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rule", help="only this rule code")
    ap.add_argument("--sizes", type=int, nargs="*", help="override each case's sizes")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--budget", type=float, default=5.0, help="seconds per timing at most (after 3 runs)")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}")
    for case in load_cases(args.rule):
        rows = []
        for n in (args.sizes or case.sizes):
            r = run_case(case, n, args.repeat, args.budget)
            if r is None:
                rows.append((n, None, None))
                continue
            rows.append((n, *r))
        if args.markdown:
            print(f"\n**{case.rule} — {case.title}**\n")
            print("| n | naive | fixed | speed-up |\n|---|---|---|---|")
            for n, tn, tf in rows:
                if tn is None:
                    print(f"| {n} | (skipped: memory) | | |")
                else:
                    print(f"| {n} | {tn * 1e3:.3f} ms | {tf * 1e3:.3f} ms | {tn / tf:.1f}x |")
        else:
            for n, tn, tf in rows:
                if tn is None:
                    print(f"{case.rule:6} {case.title:45} n={n:<6} skipped (memory)")
                else:
                    print(f"{case.rule:6} {case.title:45} n={n:<6} naive {tn * 1e3:10.3f} ms  "
                          f"fixed {tf * 1e3:10.3f} ms  {tn / tf:7.1f}x")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
