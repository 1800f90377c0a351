"""How fast blaslint lints a real tree, next to ruff and Fixit, in one run.

    python benchmarks/lint_speed.py                     # installed numpy's sources
    python benchmarks/lint_speed.py PATH [PATH ...]     # any trees, linted together
    python benchmarks/lint_speed.py --fixit skip        # Fixit takes minutes: skip it
    python benchmarks/lint_speed.py --repeat 7 --fixit once

The ``.py``/``.pyi`` files of the given paths are copied into one temporary
tree (so that no tool picks up a project's configuration or cache, and every
tool sees the same files). Each tool then runs in a fresh subprocess, several
times: blaslint cold (all rules, ``--no-cache``), blaslint warm (a primed
cache, nothing changed), ``ruff check --select ALL --no-cache`` and ``fixit
lint``. For each: median wall time with min-max, lines per second, CPU time
of the whole process tree (steadier than wall time on a busy machine), and peak
memory: the largest single process (``getrusage(RUSAGE_CHILDREN).ru_maxrss``
of a wrapper around the tool) and, with psutil installed (``pip install
.[bench]``), the sum over the tool's process tree sampled every 20 ms.
The Markdown table it prints goes into the README's "Speed" section.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SUFFIXES = (".py", ".pyi")

# Runs a command, then prints the peak RSS (KiB) of its largest process and the
# CPU time of its whole process tree on stderr's last line.
_WRAPPER = r"""
import resource, subprocess, sys
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("maxrss", ru.ru_maxrss, rc, ru.ru_utime + ru.ru_stime, file=sys.stderr)
"""


# Byte-compiled modules are cached as in a normal install (some sandboxes set
# PYTHONDONTWRITEBYTECODE, which would make every run recompile the Python tools).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def default_corpus() -> list[str]:
    import numpy

    return [os.path.dirname(numpy.__file__)]


def copy_corpus(paths: list[str], dest: str) -> tuple[int, int]:
    """Copy the sources of ``paths`` under ``dest``; (files, lines)."""
    files = lines = 0
    for src in paths:
        src = os.path.abspath(src)
        name = os.path.basename(src.rstrip(os.sep)) or "root"
        for root, dirs, names in os.walk(src):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
            for fn in sorted(names):
                if not fn.endswith(SUFFIXES):
                    continue
                rel = os.path.relpath(os.path.join(root, fn), src)
                target = os.path.join(dest, name, rel)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copyfile(os.path.join(root, fn), target)
                with open(target, "rb") as fh:
                    lines += fh.read().count(b"\n")
                files += 1
    return files, lines


def _tree_rss(proc) -> int:
    import psutil

    try:
        p = psutil.Process(proc.pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for q in procs:
        try:
            total += q.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure(cmd: list[str], cwd: str) -> dict:
    """Wall time, exit code and peak memory of one run of ``cmd`` in a fresh process."""
    try:
        import psutil  # noqa: F401

        sample = True
    except ImportError:
        sample = False
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, *cmd], cwd=cwd, env=_ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_tree = 0
    if sample:
        while proc.poll() is None:
            peak_tree = max(peak_tree, _tree_rss(proc))
            time.sleep(0.02)
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    last = err.decode(errors="replace").strip().splitlines()[-1].split()
    return {"wall": wall, "maxrss_mb": int(last[1]) / 1024, "rc": int(last[2]), "cpu": float(last[3]),
            "tree_mb": peak_tree / 2**20 if sample else None}


def tool_versions() -> dict[str, str]:
    out = {}
    for name, cmd in (("blaslint", [sys.executable, "-m", "blaslint", "version"]),
                      ("ruff", ["ruff", "--version"]), ("fixit", ["fixit", "--version"])):
        try:
            out[name] = subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out[name] = "not installed"
    return out


def machine_line() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def _load() -> str:
    """The 1-minute load average: other work on the machine inflates wall times, not CPU times."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def count_findings(tree: str) -> int:
    proc = subprocess.run([sys.executable, "-m", "blaslint", "--no-cache", "--exit-zero",
                           "--output-format", "json", "."], cwd=tree, capture_output=True, text=True)
    try:
        return len(json.loads(proc.stdout or "[]"))
    except ValueError:
        return -1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help="trees to lint together (default: the installed numpy)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per tool (default 5)")
    ap.add_argument("--fixit", choices=("skip", "once", "repeat"), default="once",
                    help="Fixit takes ~3 minutes on numpy: run it once (default), --repeat times, or not at all")
    ap.add_argument("--no-ruff", action="store_true")
    ap.add_argument("--jobs", type=int, default=None, help="blaslint -j (default: all cores)")
    ap.add_argument("--json", metavar="FILE", help="also write the raw runs as JSON")
    args = ap.parse_args(argv)
    paths = args.paths or default_corpus()

    work = tempfile.mkdtemp(prefix="blaslint-bench-")
    try:
        tree = os.path.join(work, "tree")
        files, lines = copy_corpus(paths, tree)
        cache = os.path.join(work, "cache")
        jobs = ["-j", str(args.jobs)] if args.jobs else []
        blaslint = [sys.executable, "-m", "blaslint", "--exit-zero", "--output-format", "concise", *jobs]
        tools = [
            ("blaslint (cold, all rules)", [*blaslint, "--no-cache", "."], args.repeat),
            ("blaslint (warm cache)", [*blaslint, "--cache-dir", cache, "."], args.repeat),
        ]
        if not args.no_ruff and shutil.which("ruff"):
            tools.append(("ruff --select ALL --no-cache",
                          ["ruff", "check", "--isolated", "--select", "ALL", "--no-cache", "--exit-zero", "-q", "."],
                          args.repeat))
        if args.fixit != "skip" and shutil.which("fixit"):
            tools.append(("fixit lint", ["fixit", "lint", "."], 1 if args.fixit == "once" else args.repeat))

        print(f"corpus: {', '.join(paths)}: {files} files, {lines} lines", file=sys.stderr)
        load_before = _load()
        rows, raw = [], {}
        for label, cmd, n in tools:
            if "warm" in label:
                measure(cmd, tree)  # prime the cache
            runs = []
            for i in range(n):
                runs.append(measure(cmd, tree))
                print(f"  {label}: run {i + 1}/{n}: {runs[-1]['wall']:.2f} s", file=sys.stderr)
            raw[label] = runs
            walls = [r["wall"] for r in runs]
            med = statistics.median(walls)
            tree_mb = [r["tree_mb"] for r in runs if r["tree_mb"] is not None]
            rows.append((label, n, med, min(walls), max(walls), lines / med,
                         statistics.median(r["cpu"] for r in runs),
                         max(r["maxrss_mb"] for r in runs), max(tree_mb) if tree_mb else None))

        ruff_med = next((r[2] for r in rows if r[0].startswith("ruff")), None)
        versions = tool_versions()
        print(f"\nMachine: {machine_line()}. Corpus: {' + '.join(os.path.basename(p.rstrip(os.sep)) for p in paths)} "
              f"sources ({files} files, {lines:,} lines). {versions['blaslint']}, {versions['ruff']}, "
              f"{versions['fixit']}. blaslint finds {count_findings(tree)} findings.\n")
        print(f"Load average before the runs: {load_before}; after: {_load()}.\n")
        print("| tool | runs | median (s) | min-max (s) | lines/s | CPU time, median (s) "
              "| peak RSS, largest process (MB) | peak RSS, process tree (MB) | time vs ruff |")
        print("|---|---|---|---|---|---|---|---|---|")
        for label, n, med, lo, hi, lps, cpu, rss, tree_rss in rows:
            vs = f"{med / ruff_med:.1f}x" if ruff_med else "-"
            tree_col = f"{tree_rss:.0f}" if tree_rss is not None else "-"
            print(f"| {label} | {n} | {med:.2f} | {lo:.2f}-{hi:.2f} | {lps:,.0f} | {cpu:.2f} | {rss:.0f} "
                  f"| {tree_col} | {vs} |")
        if args.json:
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump({"files": files, "lines": lines, "paths": paths, "runs": raw}, fh, indent=2)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
