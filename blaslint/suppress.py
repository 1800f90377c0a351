"""Suppression comments: ``# noqa``, ``# noqa: BL401,BL402`` and ``# blaslint: skip-file``.

A ``noqa`` applies to findings on its line, and for a multi-line statement
also when it sits on the statement's first line. With ``report_unused`` the
suppressions that suppressed nothing are reported as BL902.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from blaslint.diagnostics import UNUSED_NOQA, Diagnostic
from blaslint.source import SourceText

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

    def matches(self, code: str) -> bool:
        return self.codes is None or code in self.codes


def skip_file(text: str) -> bool:
    return "skip-file" in text and SKIP_FILE_RE.search(text) is not None


def find_noqa(source: SourceText, lines: set[int] | None = None) -> dict[int, Noqa]:
    """Noqa comments by line (only ``lines`` when given)."""
    out: dict[int, Noqa] = {}
    if "noqa" not in source.text.lower():
        return out
    n = len(source.line_starts)
    targets = sorted(lines) if lines is not None else range(1, n + 1)
    for line in targets:
        text = source.line_text(line)
        if "#" not in text:
            continue
        m = NOQA_RE.search(text)
        if not m:
            continue
        codes = None
        if m.group("codes"):
            codes = frozenset(c.upper() for c in re.split(r"[,\s]+", m.group("codes")) if c)
        out[line] = Noqa(line, m.start() + 1, m.end() + 1, codes, set())
    return out


def apply_suppressions(diags: list[Diagnostic], source: SourceText, path: str,
                       report_unused: bool = False, selected: set[str] | None = None) -> list[Diagnostic]:
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
        kept.extend(_unused(noqas, path, selected))
        kept.sort(key=Diagnostic.sort_key)
    return kept


def _unused(noqas: dict[int, Noqa], path: str, selected: set[str] | None) -> list[Diagnostic]:
    out = []
    for nq in noqas.values():
        if nq.codes is None:
            if not nq.used:
                msg = "unused blanket `noqa` directive"
            else:
                continue
        else:
            ours = {c for c in nq.codes if c.startswith("BL")}
            unused = sorted(c for c in ours - nq.used if selected is None or c in selected)
            if not unused or not ours:
                continue
            msg = f"unused `noqa` directive (unused: {', '.join(unused)})"
        out.append(Diagnostic(UNUSED_NOQA, msg, path, nq.line, nq.col, nq.line, nq.end_col,
                              name="unused-noqa", stmt_line=nq.line))
    return out
