"""Output formats. Each module renders a list of findings to text.

A format is a function ``render(diagnostics, env) -> str`` registered in
:data:`FORMATS`; the CLI only picks one by name (:mod:`.formats`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from blaslint.core.diagnostics import Diagnostic


@dataclass
class ReportEnv:
    """What a renderer may need besides the findings."""

    color: bool = False
    show_fixes: bool = False
    unsafe_fixes: bool = False
    fixes_applied: int = 0
    # path -> decoded source text, for code frames (only kept for the full format)
    sources: dict = field(default_factory=dict)
    files_checked: int = 0
    width: int | None = None
    # Root that report paths and fingerprints are made relative to (the project's).
    project_root: str = "."
    # Findings below min-severity, not rendered; the summary says how many and how to see them.
    hidden: int = 0
    hidden_note: str = ""


Renderer = Callable[[list[Diagnostic], ReportEnv], str]
FORMATS: dict[str, Renderer] = {}


def register(name: str):
    def deco(fn: Renderer) -> Renderer:
        FORMATS[name] = fn
        return fn
    return deco


def fix_available_note(diags: list[Diagnostic], env: ReportEnv) -> str:
    """ruff's summary of fixes: what ``--fix`` would apply now, and the hidden unsafe ones."""
    safe = sum(1 for d in diags if d.fix is not None and d.fix.is_safe)
    unsafe = sum(1 for d in diags if d.fix is not None and not d.fix.is_safe)
    fixable = safe + unsafe if env.unsafe_fixes else safe
    parts = []
    if fixable:
        parts.append(f"[*] {fixable} fixable with the `--fix` option.")
    if unsafe and not env.unsafe_fixes:
        parts.append(f"{unsafe} hidden fix{'es' if unsafe != 1 else ''} can be enabled with the "
                     "`--unsafe-fixes` option.")
    return " ".join(parts)
