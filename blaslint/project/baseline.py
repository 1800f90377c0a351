"""Baselines: record today's findings, later report only the new ones.

A finding is identified by a fingerprint that survives unrelated edits: the
rule code, the file's path relative to the project root ('/'-separated), the
normalised source text of the flagged node and a hash of the enclosing
function's name -- never the line number. Inserting lines above a finding or
reformatting other code leaves the fingerprint alone; editing the flagged
expression changes it. The same snippet twice in one function gives one entry
with a ``count``: a third copy is new, a removed copy is stale.

The file is versioned JSON with a fixed key order and sorted entries, so that
it diffs well in review::

    {"version": 1, "tool": "blaslint", "findings": [
        {"code": "BL401", "path": "src/solve.py", "scope": "solve",
         "snippet": "np.linalg.inv(A) @ b", "fingerprint": "5f0c...", "count": 1}]}

``scope`` and ``snippet`` are there for the reader; matching uses
``fingerprint`` (which also covers code and path) and ``count``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field

from blaslint.project.config import Settings, _relative
from blaslint.core.diagnostics import Diagnostic

FORMAT_VERSION = 1
SNIPPET_SHOWN = 120  # characters of the snippet kept for the reader


class BaselineError(Exception):
    """The baseline file cannot be read or is not a blaslint baseline (exit 2)."""


@dataclass(frozen=True, order=True)
class Entry:
    path: str
    code: str
    fingerprint: str
    # For the reader only: not part of the identity.
    scope: str = field(default="", compare=False)
    snippet: str = field(default="", compare=False)


def baselinable(d: Diagnostic) -> bool:
    """Rule findings only: the tool's own reports (BL9xx) are never hidden."""
    return not d.code.startswith("BL9")


def normalise_snippet(snippet: str) -> str:
    """The flagged node's text with layout removed.

    Whitespace and line continuations outside string literals are dropped and
    a trailing comma before a closing bracket is ignored, so that a formatter
    (black, ruff format) re-wrapping the expression keeps its identity, while
    any change to names, operators or literals does not. Deliberately not
    ``ast.unparse``: its output differs between Python versions, and a baseline
    written on one must match on another.
    """
    out: list[str] = []
    i, n = 0, len(snippet)
    while i < n:
        ch = snippet[i]
        if ch in "'\"":
            j = _string_end(snippet, i)
            out.append(snippet[i:j])
            i = j
            continue
        if ch == "#":  # a comment (the snippet is one line: it runs to the end)
            break
        if ch == "\\" or ch.isspace():
            i += 1
            continue
        if ch in ")]}" and out and out[-1] == ",":
            out.pop()
        out.append(ch)
        i += 1
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    """Index just past the string literal opening at ``start``."""
    quote = text[start:start + 3] if text[start:start + 3] in ("'''", '"""') else text[start]
    i = start + len(quote)
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(quote, i):
            return i + len(quote)
        i += 1
    return len(text)


def fingerprint(d: Diagnostic, project_root: str) -> str:
    """Stable identity of a finding (hex); see the module docstring."""
    scope_hash = hashlib.sha256(d.scope.encode("utf-8")).hexdigest()[:16]
    key = "\0".join((d.code, relative_path(d.path, project_root), normalise_snippet(d.snippet), scope_hash))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def relative_path(path: str, project_root: str) -> str:
    """``path`` relative to the project root, '/'-separated (stdin '-' stays as is)."""
    if path == "-":
        return path
    return _relative(path, project_root)


def entry_for(d: Diagnostic, project_root: str) -> Entry:
    return Entry(relative_path(d.path, project_root), d.code, fingerprint(d, project_root), d.scope,
                 d.snippet[:SNIPPET_SHOWN])


# -- the file ------------------------------------------------------------------

def dump(counts: Counter) -> str:
    """Serialise entry -> count: fixed key order, sorted entries, one trailing newline."""
    findings = [
        {"code": e.code, "path": e.path, "scope": e.scope, "snippet": e.snippet,
         "fingerprint": e.fingerprint, "count": n}
        for e, n in sorted(counts.items()) if n > 0
    ]
    doc = {"version": FORMAT_VERSION, "tool": "blaslint", "findings": findings}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def load(path: str) -> Counter:
    """Entries of a baseline file with their counts."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except FileNotFoundError:
        raise BaselineError(f"baseline file not found: {path} (create it with --write-baseline)") from None
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise BaselineError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("tool") != "blaslint" or not isinstance(doc.get("findings"), list):
        raise BaselineError(f"{path}: not a blaslint baseline")
    if doc.get("version") != FORMAT_VERSION:
        raise BaselineError(f"{path}: baseline format version {doc.get('version')!r} is not supported "
                            f"(this blaslint writes version {FORMAT_VERSION}; re-create it with --write-baseline)")
    counts: Counter = Counter()
    for item in doc["findings"]:
        try:
            entry = Entry(str(item["path"]), str(item["code"]), str(item["fingerprint"]),
                          str(item.get("scope", "")), str(item.get("snippet", "")))
            count = int(item.get("count", 1))
        except (KeyError, TypeError, ValueError):
            raise BaselineError(f"{path}: malformed entry {item!r}") from None
        counts[entry] += count
    return counts


def _write(path: str, text: str) -> None:
    from blaslint.core.source import write_atomic

    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    write_atomic(path, text.encode("utf-8"))


# -- what the check command calls ----------------------------------------------

def write_baseline(path: str, diags: list[Diagnostic], settings: Settings) -> int:
    """Record the rule findings of ``diags`` in ``path``; return how many."""
    counts = Counter(entry_for(d, settings.project_root) for d in diags if baselinable(d))
    try:
        _write(path, dump(counts))
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return sum(counts.values())


def filter_baseline(path: str, diags: list[Diagnostic], settings: Settings, prune: bool = False,
                    checked: list[str] | None = None) -> tuple[list[Diagnostic], list[Entry]]:
    """Drop the findings recorded in the baseline; return (new findings, stale entries).

    An entry recorded ``count`` times hides at most ``count`` current findings
    with its fingerprint (the first ones in file order). Stale entries are the
    recorded findings that no longer occur -- judged only for files that were
    ``checked`` in this run and codes that were selected for them, so linting a
    sub-folder or one rule family never calls the rest stale. With ``prune`` the
    stale entries are removed from the file (nothing is ever added by pruning).
    """
    root = settings.project_root
    recorded = load(path)
    by_fp = {e.fingerprint: e for e in recorded}
    left: Counter = Counter()
    for e, n in recorded.items():
        left[e.fingerprint] += n
    kept: list[Diagnostic] = []
    for d in diags:
        if baselinable(d):
            fp = fingerprint(d, root)
            if left[fp] > 0:
                left[fp] -= 1
                continue
        kept.append(d)
    checked_rel = None if checked is None else {relative_path(p, root): p for p in checked}
    stale: list[Entry] = []
    gone: Counter = Counter()
    for fp, n in left.items():
        entry = by_fp[fp]
        if n <= 0:
            continue
        if checked_rel is not None:
            original = checked_rel.get(entry.path)
            if original is None or entry.code not in settings.codes_for(original):
                continue
        stale.extend([entry] * n)
        gone[entry] += n
    if prune and gone:
        try:
            _write(path, dump(recorded - gone))
        except OSError as exc:
            raise BaselineError(f"cannot rewrite baseline {path}: {exc.strerror or exc}") from None
    return kept, sorted(stale)


def stale_report(stale: list[Entry], path: str, pruned: bool) -> str:
    """The stderr text about stale entries: a count, or with pruning the list removed."""
    if not stale:
        return ""
    if not pruned:
        return (f"blaslint: {len(stale)} baselined finding(s) no longer occur "
                f"(list and remove them with --baseline-prune)\n")
    lines = [f"  {e.path}: {e.code} {e.snippet}" + (f" (in {e.scope})" if e.scope else "") + "\n" for e in stale]
    return f"blaslint: removed {len(stale)} stale finding(s) from {path}:\n" + "".join(lines)
