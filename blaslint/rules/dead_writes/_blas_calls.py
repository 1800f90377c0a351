"""Helpers shared by the dead_writes rules."""

from __future__ import annotations

from blaslint.analysis.blas_api import f2py_copies


_REASONS = {"dtype": "its dtype is not the routine's", "order": "it is C-ordered"}


def _why_copied(ctx, routine, buf) -> str | None:
    """Words for why f2py copies ``buf`` (None when it does not, or we cannot tell)."""
    facts = ctx.array_facts(buf)
    reason = f2py_copies(routine, facts)
    if reason == "dtype":
        return f"`{ctx.text(buf)}` is {facts.dtype} and `{routine.name}` works in {routine.dtype}"
    if reason == "order":
        return f"`{ctx.text(buf)}` is C-ordered and f2py needs Fortran order"
    return None
