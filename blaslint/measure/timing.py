"""The child's recorder: per-site call counts, times and operand descriptions.

Instrumented code calls ``__blaslint__.s(id)`` (start: returns the clock) and
``__blaslint__.e(id, t0, value)`` (end: returns ``value``) around a flagged
expression, ``s``/``t`` around a flagged statement, and ``loop`` around a
flagged loop's iterable. Operands are read from the caller's frame *before*
the site runs (in-place calls change them) and outside the timed interval.
Stdlib only: numpy/torch are looked at only when the program imported them.
"""

from __future__ import annotations

import sys
import time

_clock = time.perf_counter
MAX_SIGNATURES = 8      # distinct (shape, dtype, order, device) kept per operand


def describe(value) -> dict | None:
    """Shape/dtype/order/device of an array-like value, or None for anything else."""
    tp = type(value)
    mod = tp.__module__ or ""
    try:
        if mod == "numpy" and hasattr(value, "flags") and hasattr(value, "shape"):
            f = value.flags
            order = "C" if f.c_contiguous else "F" if f.f_contiguous else "strided"
            if f.c_contiguous and f.f_contiguous and value.ndim > 1:
                order = "C"  # a 1-row/1-column matrix: both; C as numpy reports
            return {"lib": "numpy", "shape": list(value.shape), "dtype": str(value.dtype), "order": order,
                    "device": "cpu", "nbytes": int(value.nbytes)}
        if mod.startswith("torch") and tp.__name__ in ("Tensor", "Parameter"):
            order = "C" if value.is_contiguous() else (
                "F" if value.dim() == 2 and value.t().is_contiguous() else "strided")
            return {"lib": "torch", "shape": list(value.shape), "dtype": str(value.dtype).replace("torch.", ""),
                    "order": order, "device": str(value.device),
                    "nbytes": int(value.element_size() * value.nelement())}
        if mod.startswith("scipy.sparse"):
            return {"lib": "scipy.sparse", "shape": list(value.shape), "dtype": str(value.dtype),
                    "order": getattr(value, "format", "sparse"), "device": "cpu",
                    "nbytes": int(getattr(getattr(value, "data", None), "nbytes", 0))}
    except Exception:  # noqa: BLE001 - a strange object is not an array
        return None
    return None


def signature(d: dict) -> tuple:
    return (d["lib"], tuple(d["shape"]), d["dtype"], d["order"], d["device"])


def _cuda_sync() -> None:
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            if torch.cuda.is_initialized():
                torch.cuda.synchronize()
        except Exception:  # noqa: BLE001
            pass


class SiteStats:
    __slots__ = ("calls", "total", "best", "worst", "raised", "operands", "result", "stack", "samples",
                 "sample_bytes", "params", "by_size", "size")

    def __init__(self) -> None:
        self.calls = 0
        self.total = 0.0
        self.best = float("inf")
        self.worst = 0.0
        self.raised = 0
        self.operands: dict[str, dict[tuple, int]] = {}
        self.result: dict[tuple, int] = {}
        self.stack: list[float] = []
        self.samples: list[dict] = []
        self.sample_bytes = 0
        self.params: dict[str, dict[tuple, int]] = {}
        # calls and time per size class of the operands (log2 of their elements): a fix's
        # speed-up measured on one size is applied only to the calls of that size
        self.by_size: dict[int, list] = {}
        self.size = 0  # the size class of the call being timed


def size_class(described) -> int:
    """log2 bucket of the operands' total elements (0: no array operand)."""
    n = 0
    for d in described:
        k = 1
        for dim in d["shape"]:
            k *= int(dim)
        n += k
    return n.bit_length()


class Recorder:
    """The ``__blaslint__`` object the instrumented code calls; never raises into user code."""

    def __init__(self, sites: dict[int, dict], budget: dict | None = None) -> None:
        self.sites = sites
        self.stats: dict[int, SiteStats] = {i: SiteStats() for i in sites}
        budget = budget or {}
        self.max_samples = int(budget.get("samples", 3))
        self.max_bytes = int(budget.get("bytes", 256 * 2**20))
        self.sync = False  # set when torch with CUDA is in use

    # -- the calls the instrumented code makes --------------------------------------
    def s(self, sid: int) -> float:
        """Start of an expression site: look at the operands, then read the clock."""
        try:
            self._observe(sid, sys._getframe(1))
            if self.sync:
                _cuda_sync()
        except Exception:  # noqa: BLE001
            pass
        return _clock()

    def e(self, sid: int, t0: float, value):
        """End of an expression site: stop the clock, count, pass the value through."""
        if self.sync:
            _cuda_sync()
        dt = _clock() - t0
        try:
            self._count(sid, dt, value)
        except Exception:  # noqa: BLE001
            pass
        return value

    def b(self, sid: int) -> None:
        """Begin a statement site."""
        st = self.stats[sid]
        try:
            self._observe(sid, sys._getframe(1))
            if self.sync:
                _cuda_sync()
        except Exception:  # noqa: BLE001
            pass
        if len(st.stack) > 64:  # left by statements that raised
            del st.stack[:-1]
        st.stack.append(_clock())

    def t(self, sid: int) -> None:
        """End of a statement site."""
        if self.sync:
            _cuda_sync()
        t1 = _clock()
        st = self.stats[sid]
        if st.stack:
            self._count(sid, t1 - st.stack.pop(), None)

    def loop(self, sid: int, iterable):
        """A flagged loop: its iterable wrapped; times the whole loop (body included)."""
        try:
            self._observe(sid, sys._getframe(1))
        except Exception:  # noqa: BLE001
            pass
        return self._timed_iter(sid, iterable)

    def _timed_iter(self, sid, iterable):
        t0 = _clock()
        try:
            yield from iterable
        finally:
            self._count(sid, _clock() - t0, None)

    # -- bookkeeping -----------------------------------------------------------------
    def _count(self, sid: int, dt: float, value) -> None:
        st = self.stats[sid]
        st.calls += 1
        st.total += dt
        per = st.by_size.get(st.size)
        if per is None:
            per = st.by_size[st.size] = [0, 0.0]
        per[0] += 1
        per[1] += dt
        st.best = min(st.best, dt)
        st.worst = max(st.worst, dt)
        if value is not None:
            d = describe(value)
            if d is not None:
                _bump(st.result, signature(d))

    def _observe(self, sid: int, frame) -> None:
        site = self.sites[sid]
        st = self.stats[sid]
        if not self.sync:
            torch = sys.modules.get("torch")
            if torch is not None and getattr(torch.cuda, "is_initialized", lambda: False)():
                self.sync = True
        f_locals, f_globals = frame.f_locals, frame.f_globals
        values = {}
        described = []
        for name in site.get("operands", ()):
            ok, value = resolve(name, f_locals, f_globals)
            if not ok:
                continue
            values[name] = value
            d = describe(value)
            if d is not None:
                described.append(d)
                _bump(st.operands.setdefault(name, {}), signature(d))
                if name in site.get("params", ()):
                    _bump(st.params.setdefault(name, {}), signature(d))
        st.size = size_class(described)
        # one sample per size class, the first of each, up to the budget: a run whose first
        # calls are large and the rest small (or the reverse) gets both timed
        if site.get("replay") and len(st.samples) < self.max_samples \
                and all(x["size"] != st.size for x in st.samples):
            self._sample(st, values, f_globals)

    def _sample(self, st: SiteStats, values: dict, f_globals: dict) -> None:
        """Copies of the operands of this call, within the site's memory budget."""
        size = 0
        for v in values.values():
            d = describe(v)
            if d is not None:
                size += d["nbytes"]
        if st.sample_bytes + size > self.max_bytes:
            return
        copies = {}
        for name, v in values.items():
            copies[name] = copy_value(v)
        st.samples.append({"values": copies, "globals": f_globals, "size": st.size})
        st.sample_bytes += size

    # -- output -------------------------------------------------------------------
    def dump(self) -> dict:
        out = {}
        for sid, st in self.stats.items():
            out[str(sid)] = {
                "calls": st.calls, "total": st.total, "best": st.best if st.calls else None,
                "worst": st.worst, "operands": {k: _sigs(v) for k, v in st.operands.items()},
                "result": _sigs(st.result), "params": {k: _sigs(v) for k, v in st.params.items()},
                "samples": len(st.samples), "sample_bytes": st.sample_bytes,
                "by_size": {str(k): v for k, v in sorted(st.by_size.items())},
            }
        return out


def resolve(dotted: str, f_locals: dict, f_globals: dict):
    """The value of ``name`` or ``name.attr...`` without running user code.

    Attributes are read only from an instance's ``__dict__`` (no property,
    no ``__getattr__``): looking must not have side effects.
    """
    root, *attrs = dotted.split(".")
    if root in f_locals:
        value = f_locals[root]
    elif root in f_globals:
        value = f_globals[root]
    else:
        builtins = f_globals.get("__builtins__")
        builtins = builtins if isinstance(builtins, dict) else getattr(builtins, "__dict__", {})
        if root not in builtins:
            return False, None
        value = builtins[root]
    for attr in attrs:
        d = getattr(value, "__dict__", None)
        if not isinstance(d, dict):
            return False, None
        if attr not in d and attr.startswith("__") and not attr.endswith("__"):
            attr = next((k for k in d if k.endswith(attr) and k[0] == "_" and k[1] != "_"), attr)  # _Class__x
        if attr not in d:
            return False, None
        value = d[attr]
    return True, value


def copy_value(v):
    """A private copy of an array operand; other values are passed as they are."""
    tp = type(v)
    mod = tp.__module__ or ""
    if mod == "numpy" and hasattr(v, "flags"):
        return v.copy(order="K")
    if mod.startswith("torch") and tp.__name__ in ("Tensor", "Parameter"):
        return v.detach().clone()
    if mod.startswith("scipy.sparse"):
        return v.copy()
    return v


def _bump(counter: dict, key: tuple) -> None:
    if key in counter:
        counter[key] += 1
    elif len(counter) < MAX_SIGNATURES:
        counter[key] = 1
    else:
        counter[("other",)] = counter.get(("other",), 0) + 1


def _sigs(counter: dict) -> list[dict]:
    out = []
    for key, n in sorted(counter.items(), key=lambda kv: -kv[1]):
        if key == ("other",):
            out.append({"other": True, "count": n})
            continue
        lib, shape, dtype, order, device = key
        out.append({"lib": lib, "shape": list(shape), "dtype": dtype, "order": order, "device": device,
                    "count": n})
    return out
