"""Lint an editor buffer: the in-memory text, the project's settings, suppressions.

Independent of the LSP library so that it can be unit-tested directly. The
text linted is always the buffer's (never the file on disk) and nothing of the
user's code is imported. Unlike the command line, every buffer is parsed even
when no rule's trigger occurs in it, so that a syntax error always shows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from blaslint.analysis import package_calls  # noqa: F401  (registers the questions its stamps ask)
from blaslint.analysis.reads import Checker, recording
from blaslint.project.config import ConfigError, Settings, find_config, load_runtime_facts, load_settings
from blaslint.core.diagnostics import Diagnostic
import blaslint.rules  # noqa: F401  (the engine's caller registers the rule catalogue)
from blaslint.analysis import runtime_facts
from blaslint.core.engine import lint_source, parse, syntax_diagnostic
from blaslint.core.fix import FixError, check_parses, fix_to_fixpoint, splice
from blaslint.core.source import SourceText
from blaslint.core.suppress import apply_suppressions
from blaslint.core.visibility import apply_path_context, split


@dataclass
class Linted:
    """One buffer's text and findings, as last linted."""

    path: str
    source: SourceText
    settings: Settings
    diagnostics: list[Diagnostic]
    version: int | None = None
    errors: list[str] = field(default_factory=list)
    # Other files the findings rest on (modules of the package read for helper summaries).
    reads: tuple = ()

    @property
    def text(self) -> str:
        return self.source.text

    def still_valid(self) -> bool:
        """Do the other files these findings rest on still hold what was read (a helper edited on disk)?
        One :class:`Checker`: questions about the whole package (which modules call a function) look at the
        disk once for all of them."""
        checker = Checker()
        return all(checker.holds(r) for r in self.reads)

    def rests_on(self, path: str) -> bool:
        path = os.path.abspath(path)
        return any(r.path == path for r in self.reads)


class SettingsCache:
    """Settings per configuration file, re-read when the file changes on disk."""

    def __init__(self, fallback_root: str | None = None) -> None:
        self.fallback_root = fallback_root or os.getcwd()
        self._by_config: dict[str | None, tuple[float, Settings]] = {}
        self.problems: list[str] = []   # configuration errors not yet shown to the user

    def for_path(self, path: str | None) -> Settings:
        start = os.path.dirname(os.path.abspath(path)) if path else self.fallback_root
        try:
            config = find_config(start) if os.path.isdir(start) else None
            mtime = os.stat(config).st_mtime if config else 0.0
            cached = self._by_config.get(config)
            if cached is not None and cached[0] == mtime:
                return cached[1]
            settings = load_settings(config, start)
            load_runtime_facts(settings)
            settings.selected_codes()
        except (ConfigError, OSError) as exc:
            self.problems.append(f"blaslint: configuration ignored: {exc}")
            return Settings(project_root=start)
        self._by_config[config] = (mtime, settings)
        return settings


def is_excluded(path: str | None, settings: Settings) -> bool:
    """Whether the project's ``exclude`` globs leave this file out (never for unsaved buffers)."""
    if not path:
        return False
    from blaslint.project.discover import _is_excluded

    return _is_excluded(path, settings)


def lint_buffer(text: str, path: str, settings: Settings) -> tuple[list[Diagnostic], list[str]]:
    """Findings of one buffer after per-file-ignores and noqa comments; and internal errors."""
    source = SourceText(text)
    errors: list[str] = []
    try:
        tree = parse(text, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return [syntax_diagnostic(path, exc, source)], errors
    codes = settings.codes_for(path)
    diags = lint_source(source, path, codes, errors, tree=tree,
                        runtime_facts=runtime_facts.for_file(settings.runtime_facts, path))
    diags = apply_path_context(apply_suppressions(diags, source, path, False, codes), path, settings)
    # like the command line: what min-severity hides is neither shown nor fixed
    return split(diags, settings.min_severity)[0], errors


def lint_document(text: str, path: str | None, settings: Settings, version: int | None = None) -> Linted:
    lint_path = path or "untitled.py"
    source = SourceText(text)
    if is_excluded(path, settings):
        return Linted(lint_path, source, settings, [], version)
    with recording() as read:
        diags, errors = lint_buffer(text, lint_path, settings)
    return Linted(lint_path, source, settings, diags, version, errors, tuple(read.values()))


def relinter(linted: Linted):
    """``text -> findings`` for the fixpoint loop, with this buffer's path and settings."""
    return lambda text: lint_buffer(text, linted.path, linted.settings)[0]


def fixed_by_one(linted: Linted, diag: Diagnostic) -> str | None:
    """The text with only ``diag``'s fix applied, or None when the result would not parse."""
    new_text, applied = splice(linted.text, [diag], unsafe=True)
    if not applied:
        return None
    try:
        check_parses(new_text, linted.path)
    except FixError:
        return None
    return new_text


def fixed_all(linted: Linted, unsafe: bool) -> str | None:
    """The text with every applicable fix applied to a fixpoint (None: nothing to do or invalid)."""
    try:
        outcome = fix_to_fixpoint(linted.text, relinter(linted), unsafe, linted.path)
    except FixError:
        return None
    return outcome.text if outcome.applied and outcome.text != linted.text else None
