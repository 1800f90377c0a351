"""Changed-lines mode: keep only findings on lines a change added or modified.

``--since REV`` asks git which lines of the working tree differ from REV
(``git diff -U0 REV``: committed, staged and unstaged changes alike); files git
does not track yet (and does not ignore) count as entirely new. A finding is
kept when any line of its range is such a line. Pure deletions touch no line
of the new file. Findings in notebooks are kept when the notebook changed at
all (their lines are cell-relative), and reports that are not about a line
(an unreadable file, an internal error) are always kept.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field

from blaslint.core.diagnostics import INTERNAL_ERROR, UNREADABLE_FILE, Diagnostic

HUNK_RE = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
ALL_LINES = None  # marker: every line of the file is new
ALWAYS_KEPT = {INTERNAL_ERROR, UNREADABLE_FILE}


class SinceError(Exception):
    """Not a git repository, git missing, or an unknown revision (exit 2)."""


@dataclass
class Changes:
    """Changed lines per file of one repository, paths relative to its top level."""

    root: str
    lines: dict[str, set[int] | None] = field(default_factory=dict)

    def touches(self, rel: str, first: int, last: int) -> bool:
        if rel not in self.lines:
            return False
        changed = self.lines[rel]
        if changed is ALL_LINES:
            return True
        return any(line in changed for line in range(first, max(first, last) + 1))


def _git(cwd: str, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=cwd,
                              capture_output=True, text=True, encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        raise SinceError("--since needs git, and git is not installed") from None


def repo_root(directory: str) -> str:
    """The top level of the git work tree holding ``directory``."""
    proc = _git(directory, "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        raise SinceError(f"--since: {os.path.abspath(directory)} is not in a git repository")
    return os.path.realpath(proc.stdout.strip())


def changed_lines(root: str, rev: str) -> Changes:
    """Lines added or changed in the work tree of ``root`` since ``rev``."""
    if rev.startswith("-") or _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").returncode != 0:
        raise SinceError(f"--since: unknown git revision {rev!r}")
    proc = _git(root, "diff", "-U0", "--no-color", "--no-ext-diff", "--no-renames", rev, "--")
    if proc.returncode != 0:
        raise SinceError(f"--since: git diff {rev} failed: {proc.stderr.strip()}")
    changes = Changes(root)
    current: set[int] | None = None
    for line in proc.stdout.splitlines():
        if line.startswith("+++ "):
            target = line[4:]
            if target.endswith("\t"):  # git ends the name with a tab when it holds spaces
                target = target[:-1]
            if target == "/dev/null":
                current = None
                continue
            rel = _unquote(target)
            rel = rel[2:] if rel.startswith("b/") else rel
            current = changes.lines.setdefault(rel, set())
        elif line.startswith("@@") and current is not None:
            m = HUNK_RE.match(line)
            if m:
                start, count = int(m.group(1)), int(m.group(2) or 1)
                current.update(range(start, start + count))
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z")
    for rel in untracked.stdout.split("\0"):
        if rel:
            changes.lines[rel] = ALL_LINES
    return changes


_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13}


def _unquote(path: str) -> str:
    """Undo git's C-style quoting of unusual file names (``"b/a\\tb.py"``, octal bytes)."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    body = path[1:-1].encode("utf-8", errors="surrogateescape")
    out = bytearray()
    i = 0
    while i < len(body):
        if body[i] == 0x5C and i + 1 < len(body):  # backslash
            octal = body[i + 1:i + 4]
            if len(octal) == 3 and all(0x30 <= b <= 0x37 for b in octal):
                out.append(int(octal, 8))
                i += 4
                continue
            out.append(_ESCAPES.get(chr(body[i + 1]), body[i + 1]))
            i += 2
            continue
        out.append(body[i])
        i += 1
    return out.decode("utf-8", errors="surrogateescape")


def filter_since(rev: str, diags: list[Diagnostic], paths: list[str] | None = None) -> list[Diagnostic]:
    """Findings of ``diags`` that touch lines changed since ``rev``.

    Errors (not a repository, unknown REV) are raised even when there are no
    findings, judged from the linted ``paths`` (default: the current folder).
    Files may live in several repositories; each is asked once.
    """
    starts = {_directory_of(p) for p in (paths or ["."]) if p != "-"} or {"."}
    by_root: dict[str, Changes] = {}
    for start in sorted(starts):
        root = repo_root(start)
        if root not in by_root:
            by_root[root] = changed_lines(root, rev)
    root_of_dir: dict[str, str] = {}
    kept = []
    for d in diags:
        if d.code in ALWAYS_KEPT or d.path == "-":
            kept.append(d)
            continue
        directory = _directory_of(d.path)
        root = root_of_dir.get(directory)
        if root is None:
            root = root_of_dir[directory] = repo_root(directory)
        changes = by_root.get(root)
        if changes is None:
            changes = by_root[root] = changed_lines(root, rev)
        rel = os.path.relpath(os.path.realpath(d.path), root).replace(os.sep, "/")
        if d.cell is not None:
            if rel in changes.lines:
                kept.append(d)
        elif changes.touches(rel, d.line, d.end_line - 1 if d.end_col == 1 and d.end_line > d.line else d.end_line):
            kept.append(d)
    return kept


def _directory_of(path: str) -> str:
    full = os.path.abspath(path)
    return full if os.path.isdir(full) else os.path.dirname(full)
