"""Suppression comments: ``# noqa``, ``# noqa: BL401,BL402`` and ``# blaslint: skip-file``.

A ``noqa`` applies to findings on its line, and for a multi-line statement
also when it sits on the statement's first line. With ``report_unused`` the
suppressions that suppressed nothing are reported as BL902.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from blaslint.core.diagnostics import UNUSED_NOQA, Applicability, Diagnostic, Edit, Fix
from blaslint.core.source import SourceText

NOQA_RE = re.compile(
    r"#\s*noqa(?P<sep>\s*:\s*(?P<codes>[A-Za-z]+[0-9]+(?:\s*[,\s]\s*[A-Za-z]+[0-9]+)*))?",
    re.IGNORECASE,
)
SKIP_FILE_RE = re.compile(r"^\s*#\s*blaslint\s*:\s*skip-file\b", re.MULTILINE | re.IGNORECASE)
NEVER_SUPPRESSED = {"BL900", "BL901", "BL999"}


@dataclass
class Noqa:
    line: int
    col: int            # 1-based column of '#'
    end_col: int
    codes: frozenset[str] | None   # None: blanket noqa
    used: set
    comment: str = ""              # the directive's text, from its '#'

    def matches(self, code: str) -> bool:
        return self.codes is None or code in self.codes


def skip_file(text: str) -> bool:
    """Whether a ``# blaslint: skip-file`` comment (not a string) is in ``text``."""
    if "skip-file" not in text or SKIP_FILE_RE.search(text) is None:
        return False
    return any(SKIP_FILE_RE.match(c) for _, _, c in _comments(SourceText(text), "skip-file"))


def find_noqa(source: SourceText, lines: set[int] | None = None) -> dict[int, Noqa]:
    """Noqa comments by line (only ``lines`` when given).

    Only real comments count: ``"# noqa"`` inside a string is not one. The
    file is tokenized only when it contains "noqa" at all (on one of ``lines``, when given).
    """
    out: dict[int, Noqa] = {}
    if "noqa" not in source.text.lower():
        return out
    if lines is not None and not any("noqa" in source.line_text(line).lower() for line in lines):
        return out  # none of the lines asked about says it: no need to tokenize the file
    for line, col, text in _comments(source, "noqa"):
        if lines is not None and line not in lines:
            continue
        m = NOQA_RE.search(text)  # anywhere in the comment: `# type: ignore  # noqa: BL401`
        if not m:
            continue
        codes = None
        if m.group("codes"):
            codes = frozenset(c.upper() for c in re.split(r"[,\s]+", m.group("codes")) if c)
        out[line] = Noqa(line, col + m.start(), col + m.end(), codes, set(), text[m.start():m.end()])
    return out


def _comments(source: SourceText, needle: str):
    """(line, 1-based column, text) of each comment holding ``needle`` (any case)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source.text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        tokens = None
    if tokens is None:  # does not tokenize (it will be a BL900): fall back to a per-line scan
        for line in range(1, len(source.line_starts) + 1):
            text = source.line_text(line)
            idx = text.find("#")
            if idx >= 0 and needle in text[idx:].lower():
                yield line, idx + 1, text[idx:]
        return
    for tok in tokens:
        if tok.type == tokenize.COMMENT and needle in tok.string.lower():
            # tokenize columns are characters, like ours
            yield tok.start[0], tok.start[1] + 1, tok.string


def apply_suppressions(diags: list[Diagnostic], source: SourceText, path: str,
                       report_unused: bool = False, selected: set[str] | None = None) -> list[Diagnostic]:
    if not diags and not report_unused:
        return diags  # nothing to suppress: do not tokenize the file (most files of a run)
    if skip_file(source.text):
        return [d for d in diags if d.code in NEVER_SUPPRESSED]
    noqas = find_noqa(source, None if report_unused else {d.line for d in diags} | {d.stmt_line for d in diags})
    if not noqas:
        return diags
    kept = []
    for d in diags:
        if d.code in NEVER_SUPPRESSED:
            kept.append(d)
            continue
        hit = None
        for line in (d.line, d.stmt_line):
            nq = noqas.get(line)
            if nq is not None and nq.matches(d.code):
                hit = nq
                break
        if hit is None:
            kept.append(d)
        else:
            hit.used.add(d.code)
    if report_unused:
        kept.extend(_unused(noqas, path, selected, source))
        kept.sort(key=Diagnostic.sort_key)
    return kept


def _unused(noqas: dict[int, Noqa], path: str, selected: set[str] | None,
            source: SourceText | None = None) -> list[Diagnostic]:
    """BL902 for ``# noqa: BL...`` codes that suppressed nothing.

    A blanket ``# noqa`` and codes of other linters (``E501``) are left alone:
    those comments are shared with flake8/ruff, and blaslint cannot know
    whether the other tool needs them.
    """
    out = []
    for nq in noqas.values():
        if nq.codes is None:
            continue
        ours = {c for c in nq.codes if c.startswith("BL")}
        unused = sorted(c for c in ours - nq.used if selected is None or c in selected)
        if not unused:
            continue
        msg = f"unused `noqa` directive (unused: {', '.join(unused)})"
        fix = _removal_fix(nq, unused, source) if source is not None else None
        out.append(Diagnostic(UNUSED_NOQA, msg, path, nq.line, nq.col, nq.line, nq.end_col, fix,
                              name="unused-noqa", stmt_line=nq.line))
    return out


def _removal_fix(nq: Noqa, unused: list[str], source: SourceText) -> Fix | None:
    """Drop the unused codes, or the whole directive when none is left."""
    text = source.line_text(nq.line)
    start, end = nq.col - 1, nq.end_col - 1
    if text[end:].strip():  # `# noqa: BL401 because ...`: leave prose alone
        return None
    keep = [c for c in nq.codes if c not in unused]
    if keep:
        listed = re.split(r"[,\s]+", (NOQA_RE.match(nq.comment).group("codes") or ""))
        ordered = [c for c in listed if c.upper() in keep]
        content = nq.comment[:nq.comment.lower().index("noqa") + 4] + ": " + ", ".join(ordered)
        message = f"Remove unused code{'s' if len(unused) > 1 else ''} {', '.join(unused)}"
    else:
        while start > 0 and text[start - 1] in " \t":
            start -= 1
        content = ""
        message = "Remove unused `noqa` directive"
    base = source.line_starts[nq.line - 1]
    edit = Edit(base + start, base + end, content, (nq.line, start + 1), (nq.line, end + 1))
    return Fix(message, (edit,), Applicability.SAFE)
