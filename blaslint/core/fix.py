"""Apply fixes: splice non-overlapping edits, re-parse, repeat to a fixpoint.

Every pass must produce code that both ``ast`` and libcst parse, and that
libcst round-trips losslessly; otherwise the whole file is left untouched and
the failure is reported (a fix that breaks code is a bug, never a result).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from blaslint.core.diagnostics import Diagnostic, Edit

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


# libcst recurses once per nesting level, natively while parsing (a 10,000-term
# `and` chain crashes the process) and in Python while printing (RecursionError
# past ~300 levels). Code nested deeper than this is judged by ``ast`` alone.
LIBCST_MAX_DEPTH = 150


def nesting_depth(tree: ast.AST, limit: int | None = None) -> int:
    """How deep libcst would nest ``tree`` (iterative; stops early past ``limit``).

    An n-operand ``and``/``or`` is one flat node in ``ast`` but n - 1 nested
    nodes in libcst, so it counts as that deep.
    """
    deepest = 0
    stack = [(tree, 1)]
    iter_children = ast.iter_child_nodes
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.BoolOp):
            depth += len(node.values) - 1
        if depth > deepest:
            deepest = depth
            if limit is not None and deepest > limit:
                return deepest
        for child in iter_children(node):
            stack.append((child, depth + 1))
    return deepest


def check_parses(text: str, path: str = "<fixed>", original: str | None = None) -> None:
    """Raise FixError unless ``text`` parses with ast and round-trips through libcst.

    ``original`` (the text before the fix) tells a libcst limitation from a
    broken fix: when libcst cannot parse the original either, ast's verdict stands.
    """
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise FixError(f"fixed code does not parse: {exc}") from None
    if nesting_depth(tree, LIBCST_MAX_DEPTH) > LIBCST_MAX_DEPTH:
        return
    try:
        import libcst

        module = libcst.parse_module(text)
        code = module.code
    except RecursionError:
        return  # too deep for libcst's printer; the ast check passed
    except Exception as exc:  # noqa: BLE001 - libcst raises several error types
        # libcst cannot parse some valid Python (e.g. very new syntax); the ast check passed.
        if "ParserSyntaxError" in type(exc).__name__ and not (
                original is not None and not _libcst_parses(original)):
            raise FixError(f"fixed code does not parse (libcst): {exc}") from None
        return
    if code != text:
        if original is not None and not _libcst_round_trips(original):
            return  # libcst cannot reproduce this file even unfixed (e.g. lone CR line endings)
        raise FixError("fixed code does not round-trip through libcst")


def _libcst_round_trips(text: str) -> bool:
    try:
        import libcst

        return libcst.parse_module(text).code == text
    except Exception:  # noqa: BLE001
        return False


def _libcst_parses(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    if nesting_depth(tree, LIBCST_MAX_DEPTH) > LIBCST_MAX_DEPTH:
        return False
    try:
        import libcst

        libcst.parse_module(text)
    except Exception:  # noqa: BLE001
        return False
    return True


def fix_to_fixpoint(text: str, lint, unsafe: bool, path: str = "<fixed>") -> FixOutcome:
    """Repeatedly lint and apply fixes until none applies (at most MAX_PASSES)."""
    total = 0
    diags = lint(text)
    for _ in range(MAX_PASSES):
        new_text, applied = splice(text, diags, unsafe)
        if not applied or new_text == text:
            break
        check_parses(new_text, path, text)
        total += len(applied)
        text = new_text
        diags = lint(text)
    return FixOutcome(text, total, diags)
