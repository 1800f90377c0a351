"""The "suppress BLxxx on this line" edit: add or extend a ``# noqa`` comment.

The comment goes on the finding's own line; when that is impossible (the
line ends inside a string, or with a backslash continuation) on the first line
of its statement, which :mod:`blaslint.core.suppress` also honours. Every candidate
edit is checked: the file's syntax tree must be unchanged (a comment changes
nothing; text inserted into a string literal would).
"""

from __future__ import annotations

import ast

from blaslint.core.diagnostics import Diagnostic, Edit
from blaslint.core.source import SourceText
from blaslint.core.suppress import NEVER_SUPPRESSED, NOQA_RE


def noqa_edit(source: SourceText, diag: Diagnostic) -> Edit | None:
    """An insertion that suppresses ``diag`` with ``# noqa: CODE``, or None."""
    if diag.code in NEVER_SUPPRESSED:
        return None
    try:
        before = ast.dump(ast.parse(source.text))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = [diag.line] + ([diag.stmt_line] if diag.stmt_line and diag.stmt_line != diag.line else [])
    for line in lines:
        edit = _edit_on_line(source, line, diag.code)
        if edit is None:
            continue
        new_text = source.text[:edit.start] + edit.content + source.text[edit.end:]
        try:
            if ast.dump(ast.parse(new_text)) == before:
                return edit
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    return None


def _edit_on_line(source: SourceText, line: int, code: str) -> Edit | None:
    text = source.line_text(line)
    start = source.line_starts[line - 1]
    m = NOQA_RE.search(text)
    if m is not None:
        if m.group("codes") is None:
            return None  # a blanket noqa already suppresses everything here
        if code in {c.upper() for c in m.group("codes").replace(",", " ").split()}:
            return None
        at = start + m.end("codes")
        return Edit(at, at, f", {code}")
    stripped = text.rstrip()
    at = start + len(stripped)
    return Edit(at, start + len(text), f"  # noqa: {code}")
