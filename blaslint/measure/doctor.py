"""``blaslint doctor``: which BLAS/LAPACK numpy, scipy and torch loaded, and what slows them.

"Are both using the same BLAS?" is the first question about a slow product.
The facts come from threadpoolctl (the BLAS/OpenMP libraries actually loaded,
their version, threading layer, thread count and CPU kernel), the libraries'
build records (``numpy.show_config(mode="dicts")``, ``scipy.show_config``,
``torch.__config__``) and the environment. Stdlib only at import: it also
runs inside ``blaslint measure``'s child, where it looks only at the
libraries the program imported.
"""

from __future__ import annotations

import importlib
import os
import platform
import re
import sys

LIBS = ("numpy", "scipy", "torch")
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "GOTO_NUM_THREADS")
# Variables that make a library dispatch to other kernels than the CPU's own.
KERNEL_VARS = {
    "OPENBLAS_CORETYPE": "forces OpenBLAS's kernel set (instead of the one chosen for this CPU)",
    "MKL_CBWR": "MKL conditional numerical reproducibility: restricts MKL to a fixed, often slower code path",
    "MKL_ENABLE_INSTRUCTIONS": "caps the instruction set MKL may use",
    "ATEN_CPU_CAPABILITY": "forces PyTorch's CPU kernels to this instruction set",
    "NPY_DISABLE_CPU_FEATURES": "disables numpy's SIMD kernels for these CPU features",
}
_DEBUG_CPU = re.compile(r"^[A-Z0-9_]*_DEBUG_CPU_TYPE$")   # MKL_DEBUG_CPU_TYPE and the like
WAIT_VARS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")


def _cpu() -> dict:
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    quota = None
    try:
        with open("/sys/fs/cgroup/cpu.max", encoding="utf-8") as fh:
            q, period = fh.read().split()
            if q != "max":
                quota = float(q) / float(period)
    except (OSError, ValueError):
        pass
    simd = [f for f in ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile", "asimd", "sve")
            if f in flags]
    return {"model": model, "machine": platform.machine(), "logical_cores": os.cpu_count(),
            "usable_cores": usable, "cgroup_cpu_quota": quota, "simd": simd}


def _owner(filepath: str) -> str:
    p = filepath.replace("\\", "/")
    for lib in LIBS:
        if f"/{lib}.libs/" in p or f"/{lib}/" in p or f"/{lib}_" in p:
            return lib
    return "shared"


def _pools() -> tuple[list[dict], str | None]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [], "threadpoolctl is not installed here (pip install threadpoolctl): loaded libraries unknown"
    pools = []
    for info in threadpool_info():
        info = dict(info)
        info["owner"] = _owner(info.get("filepath") or "")
        pools.append(info)
    return pools, None


def _build(lib: str, mod) -> dict:
    """The BLAS/LAPACK the library was built against, from its own build record."""
    if lib in ("numpy", "scipy"):
        try:
            cfg = mod.show_config(mode="dicts")
        except Exception:  # noqa: BLE001 - old versions print only
            return {}
        deps = (cfg or {}).get("Build Dependencies", {})
        out = {}
        for which in ("blas", "lapack"):
            d = deps.get(which) or {}
            out[which] = {"name": d.get("name"), "version": d.get("version"),
                          "config": d.get("openblas configuration")}
        return out
    text = mod.__config__.show()
    info = dict(re.findall(r"(BLAS_INFO|LAPACK_INFO)=(\w+)", text))
    mkl = re.search(r"Math Kernel Library Version ([\w.\-]+)", text)
    cap = re.search(r"CPU capability usage: (\w+)", text)
    par = mod.__config__.parallel_info()
    backend = re.search(r"ATen parallel backend: (\w+)", par)
    return {"blas": {"name": info.get("BLAS_INFO"), "version": mkl.group(1) if mkl and info.get("BLAS_INFO") == "mkl"
                     else None},
            "lapack": {"name": info.get("LAPACK_INFO")},
            "cpu_capability": cap.group(1) if cap else None,
            "parallel_backend": backend.group(1) if backend else None,
            "num_threads": mod.get_num_threads(), "interop_threads": mod.get_num_interop_threads(),
            "cuda": bool(mod.cuda.is_available()) if hasattr(mod, "cuda") else False}


def collect(import_missing: bool = True) -> dict:
    """Everything doctor reports, as plain data (the JSON output)."""
    libs = {}
    for lib in LIBS:
        mod = sys.modules.get(lib)
        if mod is None and import_missing:
            try:
                mod = importlib.import_module(lib)
                if lib == "scipy":
                    importlib.import_module("scipy.linalg")  # loads scipy's BLAS
            except Exception:  # noqa: BLE001 - not installed, or broken: say so
                mod = None
        if mod is None:
            libs[lib] = {"imported": False}
            continue
        try:
            build = _build(lib, mod)
        except Exception as exc:  # noqa: BLE001
            build = {"error": f"{type(exc).__name__}: {exc}"}
        libs[lib] = {"imported": True, "version": getattr(mod, "__version__", None), "build": build}
    pools, note = _pools()
    for lib, info in libs.items():
        if info.get("imported"):
            info["loaded"] = [p for p in pools if p["owner"] == lib and p.get("user_api") == "blas"]
    env = {k: v for k, v in os.environ.items()
           if k in THREAD_VARS or k in KERNEL_VARS or k in WAIT_VARS or _DEBUG_CPU.match(k)}
    facts = {"python": {"version": platform.python_version(), "executable": sys.executable},
             "cpu": _cpu(), "env": env, "libraries": libs, "pools": pools}
    if note:
        facts["note"] = note
    facts["warnings"] = warnings(facts)
    return facts


def blas_of(lib: str, facts: dict) -> str | None:
    """'openblas 0.3.30' for a library: what it loaded, else what it was built with."""
    info = facts["libraries"].get(lib, {})
    if not info.get("imported"):
        return None
    loaded = info.get("loaded") or []
    if loaded:
        p = loaded[0]
        return f"{p.get('internal_api')} {p.get('version')}"
    b = (info.get("build") or {}).get("blas") or {}
    if b.get("name"):
        name = {"scipy-openblas": "openblas"}.get(b["name"], b["name"])
        return f"{name} {b.get('version') or '(version unknown)'}"
    return None


def warnings(facts: dict, uses_processes: bool = False) -> list[str]:
    out = []
    cpu, env = facts["cpu"], facts["env"]
    cores = cpu.get("usable_cores") or cpu.get("logical_cores") or 1
    if cpu.get("cgroup_cpu_quota"):
        cores = min(cores, max(1, int(cpu["cgroup_cpu_quota"])))
    blases = {lib: blas_of(lib, facts) for lib in LIBS}
    blases = {k: v for k, v in blases.items() if v}
    if len(set(blases.values())) > 1:
        out.append("different BLAS libraries: " + ", ".join(f"{k} uses {v}" for k, v in blases.items())
                   + ": the same product can run at different speeds (and round differently) in each, "
                   "and each library keeps its own thread pool")
    pools = [p for p in facts["pools"] if (p.get("num_threads") or 1) > 1]
    torch = facts["libraries"].get("torch", {})
    torch_threads = (torch.get("build") or {}).get("num_threads") if torch.get("imported") else None
    total = sum(p["num_threads"] for p in pools)
    if torch_threads and torch_threads > 1 and not any(p["owner"] == "torch" and p["user_api"] == "openmp"
                                                       for p in pools):
        total += torch_threads
    if len(pools) > 1 and total > cores:
        out.append(f"{len(pools)} thread pools with {total} threads in all on {cores} usable cores: pools used at "
                   "the same time (a BLAS call inside an OpenMP/torch parallel region, or from several threads) "
                   "oversubscribe the cores; cap them with threadpoolctl.threadpool_limits or *_NUM_THREADS")
    for p in facts["pools"]:
        if (p.get("num_threads") or 0) > cores:
            out.append(f"{p.get('internal_api')} ({p['owner']}) runs {p['num_threads']} threads on {cores} usable cores")
    unset = [v for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS") if v not in env]
    per_process = max([p.get("num_threads") or 1 for p in facts["pools"]] + [torch_threads or 1])
    if len(unset) == 3 and per_process > 1:
        msg = (f"OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS are unset: every worker process "
               f"starts BLAS pools of {per_process} threads, so P workers run P x {per_process} threads on {cores} cores")
        out.append(msg if uses_processes else msg + " (matters under multiprocessing/joblib)")
    for var, value in env.items():
        if var in KERNEL_VARS:
            detail = KERNEL_VARS[var]
            if var == "OPENBLAS_CORETYPE":
                archs = sorted({p.get("architecture") for p in facts["pools"]
                                if p.get("internal_api") == "openblas" and p.get("architecture")})
                if archs:
                    detail += f"; OpenBLAS reports kernel {', '.join(archs)}"
            out.append(f"{var}={value} {detail}")
        elif _DEBUG_CPU.match(var):
            out.append(f"{var}={value} overrides the CPU type a library dispatches its kernels on")
    return out


def render_text(facts: dict) -> str:
    lines = [f"Python {facts['python']['version']} ({facts['python']['executable']})"]
    cpu = facts["cpu"]
    lines.append(f"CPU: {cpu['model']} ({cpu['machine']}), {cpu['usable_cores']} usable of "
                 f"{cpu['logical_cores']} logical cores; SIMD: {' '.join(cpu['simd']) or 'unknown'}"
                 + (f"; cgroup quota {cpu['cgroup_cpu_quota']:g} CPUs" if cpu.get("cgroup_cpu_quota") else ""))
    for lib, info in facts["libraries"].items():
        if not info.get("imported"):
            lines.append(f"{lib}: not imported")
            continue
        b = info.get("build") or {}
        built = (b.get("blas") or {})
        head = f"{lib} {info.get('version')}: built with {built.get('name') or '?'} {built.get('version') or ''}".rstrip()
        lines.append(head)
        for p in info.get("loaded") or []:
            lines.append(f"    loaded {p.get('internal_api')} {p.get('version')}, {p.get('threading_layer')} threads, "
                         f"{p.get('num_threads')} threads, kernel {p.get('architecture')} ({p.get('filepath')})")
        if lib == "torch" and b:
            lines.append(f"    BLAS {built.get('name')} (linked into torch: not visible to threadpoolctl), LAPACK "
                         f"{(b.get('lapack') or {}).get('name')}, CPU capability {b.get('cpu_capability')}, "
                         f"{b.get('parallel_backend')} backend, {b.get('num_threads')} intra-op threads")
    others = [p for p in facts["pools"] if p["owner"] == "shared" or p.get("user_api") != "blas"]
    for p in others:
        lines.append(f"other pool: {p.get('internal_api')} {p.get('version') or ''} ({p.get('user_api')}), "
                     f"{p.get('num_threads')} threads ({p.get('filepath')})")
    if facts.get("note"):
        lines.append("note: " + facts["note"])
    lines.append("environment: " + (", ".join(f"{k}={v}" for k, v in sorted(facts["env"].items())) or
                                    "no BLAS/OpenMP variables set"))
    for w in facts["warnings"]:
        lines.append(f"warning: {w}")
    return "\n".join(lines) + "\n"


def main_doctor(argv: list[str]) -> int:
    import argparse
    import json

    ap = argparse.ArgumentParser(prog="blaslint doctor", description=(
        "Report which BLAS/LAPACK numpy, scipy and torch load in this interpreter, their threads and CPU "
        "kernels, and warn about mismatches, oversubscription and variables that force slower kernels. "
        "Imports numpy/scipy/torch (never your code)."))
    ap.add_argument("--output-format", choices=("text", "json"), default="text")
    args = ap.parse_args(argv)
    facts = collect()
    if args.output_format == "json":
        sys.stdout.write(json.dumps(facts, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(render_text(facts))
    return 0
