"""Facts observed at run time by ``blaslint measure --facts-out``: the weakest source.

A file's observations reach it on ``ctx.runtime_facts`` (the linter's
settings -> engine -> FileContext, keyed by the function's ``co_qualname`` and
the parameter; see :mod:`blaslint.analysis.runtime_facts`). Parameters nothing
else describes consult them last. An observed rank, dtype, order and library
are kept; observed sizes are not (one run's data sizes, not the code's: a
10x3 training set says nothing about the next), so dimensions stay unknown.
:func:`set_runtime_facts` is a process-wide table of ready ``Facts`` keyed by
``(qualname, parameter)`` for callers without a file (tests, embedding).
"""

from __future__ import annotations

from blaslint.analysis import runtime_facts as _observed
from blaslint.analysis.evidence import Evidence

_RUNTIME: dict = {}


def set_runtime_facts(mapping) -> None:
    """Replace the process-wide facts: ``{(qualname, parameter): Facts}`` (empty: none)."""
    _RUNTIME.clear()
    _RUNTIME.update(mapping or {})


def runtime_facts(ctx, fdef, qualnames, param: str):
    """The observed facts of ``param`` of ``fdef``: this file's observations, else the process table."""
    fact = _observed.observed(ctx, fdef, param)
    if fact is not None:
        return to_facts(fact, fdef.lineno)
    if not _RUNTIME:
        return None
    for q in qualnames:
        f = _RUNTIME.get((q, param))
        if f is not None:
            return f
    return None


def to_facts(fact: dict, line: int):
    """An observation (``rank``/``dtype``/``order``/``lib``, None where calls differed) as Facts."""
    from blaslint.analysis.facts import Facts

    rank = fact.get("rank")
    lib = fact.get("lib") if fact.get("lib") in ("numpy", "torch") else None
    if rank is None and lib is None:
        return None
    order = fact.get("order") if fact.get("order") in ("C", "F") and rank is not None and rank >= 2 else None
    dtype = fact.get("dtype")
    shape = (None,) * rank if rank is not None else None
    return Facts(rank=rank, dtype=dtype, order=order, shape=shape, lib=lib,
                 evidence=(Evidence("runtime", line, _observed.detail(fact)),))


__all__ = ["runtime_facts", "set_runtime_facts", "to_facts"]
