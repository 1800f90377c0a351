"""Paths on the command line -> the files to lint.

Directories are walked (``.py`` and ``.ipynb``), skipping the default excludes
(VCS folders, virtualenvs, caches), the configured ``exclude``/``extend-exclude``
globs, and -- unless ``respect-gitignore = false`` -- whatever ``.gitignore``
files ignore (via pathspec). Files named explicitly are always linted, like
ruff, unless ``--force-exclude``. Symlink loops are not followed twice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from blaslint.config import Settings, _glob_match, _relative

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


@dataclass
class Discovered:
    files: list[str]
    missing: list[str]          # paths given that do not exist


def _is_excluded(path: str, settings: Settings) -> bool:
    rel = _relative(path, settings.project_root)
    base = os.path.basename(path.rstrip("/"))
    for pat in [*settings.exclude, *settings.extend_exclude]:
        if base == pat or _glob_match(rel, pat) or _glob_match(base, pat):
            return True
    return False


class _GitIgnore:
    """Stacked .gitignore files, evaluated relative to their own folder."""

    def __init__(self) -> None:
        try:
            import pathspec  # noqa: F401
            self.ok = True
        except ImportError:  # pragma: no cover - pathspec is optional
            self.ok = False
        self.specs: dict[str, object] = {}

    def load(self, directory: str):
        if not self.ok:
            return None
        if directory in self.specs:
            return self.specs[directory]
        spec = None
        gi = os.path.join(directory, ".gitignore")
        if os.path.isfile(gi):
            import pathspec

            try:
                with open(gi, encoding="utf-8", errors="replace") as fh:
                    spec = pathspec.GitIgnoreSpec.from_lines(fh)
            except OSError:
                spec = None
        self.specs[directory] = spec
        return spec

    def ignored(self, path: str, is_dir: bool, roots: list[str]) -> bool:
        if not self.ok:
            return False
        directory = os.path.dirname(path)
        while True:
            spec = self.load(directory)
            if spec is not None:
                rel = os.path.relpath(path, directory).replace(os.sep, "/")
                if is_dir:
                    rel += "/"
                if spec.match_file(rel):
                    return True
            if directory in roots or os.path.isdir(os.path.join(directory, ".git")):
                break
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
        return False


def discover(paths: list[str], settings: Settings) -> Discovered:
    files: list[str] = []
    missing: list[str] = []
    seen_real: set[str] = set()
    gitignore = _GitIgnore() if settings.respect_gitignore else None
    for given in paths:
        if not os.path.lexists(given):
            missing.append(given)
            continue
        if not os.path.isdir(given):
            if settings.force_exclude and _is_excluded(given, settings):
                continue
            files.append(given)  # explicit files are linted whatever their suffix
            continue
        root = os.path.normpath(given)
        abs_root = os.path.abspath(root)
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
            real = os.path.realpath(dirpath)
            if real in seen_real:
                dirnames[:] = []
                continue
            seen_real.add(real)
            keep = []
            for d in sorted(dirnames):
                full = os.path.join(dirpath, d)
                if _is_excluded(full, settings):
                    continue
                if gitignore is not None and gitignore.ignored(os.path.abspath(full), True, [abs_root]):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for f in sorted(filenames):
                if not f.endswith(SOURCE_SUFFIXES):
                    continue
                full = os.path.join(dirpath, f)
                if _is_excluded(full, settings):
                    continue
                if gitignore is not None and gitignore.ignored(os.path.abspath(full), False, [abs_root]):
                    continue
                if os.path.isdir(full):
                    continue
                files.append(full)
    # stable, duplicate-free order
    out, seen = [], set()
    for f in sorted(files, key=lambda p: p.replace(os.sep, "/")):
        if f not in seen:
            seen.add(f)
            out.append(f)
    return Discovered(out, missing)
