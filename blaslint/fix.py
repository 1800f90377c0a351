"""Apply fixes: splice non-overlapping edits, re-parse, repeat to a fixpoint.

Every pass must produce code that both ``ast`` and libcst parse, and that
libcst round-trips losslessly; otherwise the whole file is left untouched and
the failure is reported (a fix that breaks code is a bug, never a result).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from blaslint.diagnostics import Diagnostic, Edit

MAX_PASSES = 10


class FixError(Exception):
    """A fix produced code that does not parse; the file must stay untouched."""


@dataclass
class FixOutcome:
    text: str
    applied: int
    remaining: list[Diagnostic]


def applicable(diag: Diagnostic, unsafe: bool) -> bool:
    return diag.fix is not None and (diag.fix.is_safe or unsafe)


def splice(text: str, diags: list[Diagnostic], unsafe: bool) -> tuple[str, list[Diagnostic]]:
    """Apply the fixes of ``diags`` whose edits overlap no already-chosen edit.

    Fixes are taken in source order; a fix whose edits touch or overlap an
    accepted one waits for the next pass (after re-linting).
    """
    chosen: list[Edit] = []
    applied: list[Diagnostic] = []
    for d in sorted(diags, key=lambda d: (min(e.start for e in d.fix.edits) if d.fix and d.fix.edits else 0)):
        if not applicable(d, unsafe) or not d.fix.edits:
            continue
        edits = sorted(d.fix.edits)
        if _overlaps_any(edits, chosen) or _overlaps_self(edits):
            continue
        chosen.extend(edits)
        applied.append(d)
    if not chosen:
        return text, []
    chosen.sort()
    out = []
    pos = 0
    for e in chosen:
        out.append(text[pos:e.start])
        out.append(e.content)
        pos = e.end
    out.append(text[pos:])
    return "".join(out), applied


def _overlaps(a: Edit, b: Edit) -> bool:
    # Touching insertions at the same point also conflict (their order would be arbitrary).
    if a.start == a.end or b.start == b.end:
        return a.start <= b.end and b.start <= a.end
    return a.start < b.end and b.start < a.end


def _overlaps_any(edits, chosen) -> bool:
    return any(_overlaps(e, c) for e in edits for c in chosen)


def _overlaps_self(edits) -> bool:
    return any(_overlaps(edits[i], edits[i + 1]) for i in range(len(edits) - 1))


def check_parses(text: str, path: str = "<fixed>") -> None:
    """Raise FixError unless ``text`` parses with ast and round-trips through libcst."""
    try:
        ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise FixError(f"fixed code does not parse: {exc}") from None
    try:
        import libcst

        module = libcst.parse_module(text)
    except Exception as exc:  # noqa: BLE001 - libcst raises several error types
        # libcst cannot parse some valid Python (e.g. very new syntax); the ast check passed.
        if "ParserSyntaxError" in type(exc).__name__:
            raise FixError(f"fixed code does not parse (libcst): {exc}") from None
        return
    if module.code != text:
        raise FixError("fixed code does not round-trip through libcst")


def fix_to_fixpoint(text: str, lint, unsafe: bool, path: str = "<fixed>") -> FixOutcome:
    """Repeatedly lint and apply fixes until none applies (at most MAX_PASSES)."""
    total = 0
    diags = lint(text)
    for _ in range(MAX_PASSES):
        new_text, applied = splice(text, diags, unsafe)
        if not applied or new_text == text:
            break
        check_parses(new_text, path)
        total += len(applied)
        text = new_text
        diags = lint(text)
    return FixOutcome(text, total, diags)
