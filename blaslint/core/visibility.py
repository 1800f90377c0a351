"""Which findings a run shows: path context, the severity threshold, the order.

The engine gives every finding a severity from its cost and where it sits in
the tree (:mod:`blaslint.analysis.severity`); what depends on the settings is
applied here, after the engine: findings in test/example/archive paths are
lowered one level (``context-paths``), findings below ``min-severity`` are
hidden (counted in the summary), and ``--sort cost`` orders by saving.

Fixes follow what is shown: with ``--fix``/``--diff`` the fixes of hidden
findings are not applied (``--show-all`` or ``min-severity = "info"`` applies
them too), so that a fix run never edits code the report did not show.
"""

from __future__ import annotations

import dataclasses
import os

from blaslint.analysis.severity import is_shown, lower, rank
from blaslint.project.config import Settings, _glob_match, _relative
from blaslint.core.diagnostics import Diagnostic


def context_glob(path: str, settings: Settings) -> str | None:
    """The ``context-paths`` glob that ``path`` matches, or None."""
    globs = [*settings.context_paths, *settings.extend_context_paths]
    if not globs or path in ("-", ""):
        return None
    rel = _relative(path, settings.project_root)
    base = os.path.basename(path)
    for glob in globs:
        if _glob_match(rel, glob) or ("/" not in glob and _glob_match(base, glob)):
            return glob
    return None


def apply_path_context(diags: list[Diagnostic], path: str, settings: Settings) -> list[Diagnostic]:
    """Lower the findings of a file in a test/example/... path one level."""
    glob = context_glob(path, settings)
    if glob is None:
        return diags
    out = []
    for d in diags:
        new = lower(d.severity)
        if new != d.severity:
            d = dataclasses.replace(d, severity=new, context=d.context or f"in a path matching `{glob}`")
        out.append(d)
    return out


def strip_hidden_fixes(diags: list[Diagnostic], min_severity: str) -> list[Diagnostic]:
    """The findings with the fixes of hidden ones removed (a fix run edits only what it shows)."""
    return [d if d.fix is None or is_shown(d.severity, min_severity) else dataclasses.replace(d, fix=None)
            for d in diags]


def split(diags: list[Diagnostic], min_severity: str) -> tuple[list[Diagnostic], list[Diagnostic]]:
    shown, hidden = [], []
    for d in diags:
        (shown if is_shown(d.severity, min_severity) else hidden).append(d)
    return shown, hidden


def sort_by_cost(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Errors first, then the biggest estimated saving; findings without an estimate last (path order)."""
    return sorted(diags, key=lambda d: (-rank(d.severity) if d.severity == "error" else 0,
                                        d.cost is None, -d.saving, d.sort_key()))


def hidden_note(hidden: list[Diagnostic]) -> str:
    """The summary line for hidden findings ("" when none)."""
    n = len(hidden)
    if not n:
        return ""
    what = "negligible" if all(d.severity == "info" for d in hidden) else "lower-severity"
    return f"{n} {what} finding{'s' if n != 1 else ''} hidden (--show-all to see them)."


__all__ = ["apply_path_context", "context_glob", "split", "sort_by_cost", "hidden_note", "strip_hidden_fixes"]
