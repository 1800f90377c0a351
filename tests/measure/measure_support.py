"""Helpers for the measure tests: instrument a text in memory and run it like the child does."""

from __future__ import annotations

import builtins
import sys
import traceback

from blaslint.core.diagnostics import Diagnostic
from blaslint.measure.findings import FileFindings
from blaslint.measure.instrument import instrument
from blaslint.measure.sites import find_sites
from blaslint.measure.timing import Recorder


def instrumented(text: str, diags: list[Diagnostic], path: str = "example.py"):
    """(instrumented text, sites) for a text and its findings."""
    sites, module, _ = find_sites(FileFindings(path, text, diags))
    return (instrument(module, sites) if module is not None else text), sites


def run(text: str, filename: str, recorder: Recorder | None = None, setup=None) -> dict:
    """Execute ``text``; the final namespace and the exception (type, message, traceback lines in ``filename``)."""
    ns: dict = {"__name__": "__measured__"}
    if setup:
        setup(ns)
    old = getattr(builtins, "__blaslint__", None)
    builtins.__blaslint__ = recorder or Recorder({})
    error = None
    try:
        exec(compile(text, filename, "exec", dont_inherit=True), ns)  # noqa: S102 - test code
    except Exception as exc:  # noqa: BLE001
        tb = traceback.extract_tb(exc.__traceback__)
        error = (type(exc).__name__, str(exc), [f.lineno for f in tb if f.filename == filename])
    finally:
        if old is None:
            del builtins.__blaslint__
        else:
            builtins.__blaslint__ = old
    return {"ns": ns, "error": error}


def same_value(a, b) -> bool:
    np = sys.modules.get("numpy")
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and bool(torch.equal(a, b) or (
            a.is_floating_point() and torch.allclose(a, b, equal_nan=True, rtol=0, atol=0)))
    if np is not None and isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and \
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, (int, float, complex, str, bytes, bool, type(None))):
        return a == b or (a != a and b != b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return True  # functions, modules, objects: compared through the arrays they produced
