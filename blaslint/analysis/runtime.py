"""Facts observed at run time by ``blaslint measure --facts-out``: the weakest source.

The engine (or ``measure``) fills the table once per process with
:func:`set_runtime_facts`; parameters nothing else describes consult it last.
Keys are ``(qualified function name, parameter name)``; the function name is
``Class.method`` or ``module.Class.method`` (both are tried).
"""

from __future__ import annotations

_RUNTIME: dict = {}


def set_runtime_facts(mapping) -> None:
    """Replace the observed facts: ``{(qualname, parameter): Facts}`` (empty: none)."""
    _RUNTIME.clear()
    _RUNTIME.update(mapping or {})


def runtime_facts(qualnames, param: str):
    """The observed facts of ``param`` under the first of ``qualnames`` that has any, else None."""
    if not _RUNTIME:
        return None
    for q in qualnames:
        f = _RUNTIME.get((q, param))
        if f is not None:
            return f
    return None


__all__ = ["runtime_facts", "set_runtime_facts"]
