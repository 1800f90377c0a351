"""The lint findings measure works on: the one module calling the checker's public API.

Kept alone so that the import paths are updated in one place when the core
modules move. Fixes are computed as with ``--unsafe-fixes`` (only to be
timed on copies, never applied).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from blaslint.project.config import ConfigError, load_settings
from blaslint.core.diagnostics import Diagnostic
from blaslint.project.discover import discover
from blaslint.core.runner import RunOptions, check_text
from blaslint.core.source import SourceError, read_source


class FindingsError(Exception):
    pass


@dataclass
class FileFindings:
    path: str            # as discovered (relative to the working directory when given so)
    text: str            # the decoded source the positions refer to
    diagnostics: list[Diagnostic]


def lint_paths(paths: list[str], config: str | None = None, isolated: bool = False,
               select: list[str] | None = None) -> list[FileFindings]:
    """Findings (with fixes, unsafe ones included) for the .py files under ``paths``."""
    start = paths[0] if paths and os.path.exists(paths[0]) else "."
    try:
        settings = load_settings(config, start, isolated)
        if select is not None:
            settings.select, settings.ignore, settings.extend_select = select, [], []
        settings.unsafe_fixes = True
        settings.selected_codes()
    except ConfigError as exc:
        raise FindingsError(str(exc)) from None
    found = discover(paths, settings)
    if found.missing:
        raise FindingsError(f"{found.missing[0]}: no such file or directory")
    out = []
    options = RunOptions(unsafe_fixes=True)
    for path in found.files:
        if not path.endswith(".py"):
            continue  # notebooks and stubs are not imported as modules
        try:
            source, _ = read_source(path)
        except SourceError:
            continue
        result = check_text(source, path, settings, options)
        diags = [d for d in result.diagnostics if d.code.startswith("BL") and not d.code.startswith("BL9")]
        out.append(FileFindings(path, source.text, diags))
    return out
