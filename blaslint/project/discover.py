"""Paths on the command line -> the files to lint.

Directories are walked (``.py`` and ``.ipynb``), skipping the default excludes
(VCS folders, virtualenvs, caches), the configured ``exclude``/``extend-exclude``
globs, and -- unless ``respect-gitignore = false`` -- whatever ``.gitignore``
files ignore (via pathspec). Files named explicitly are always linted, like
ruff, unless ``--force-exclude``. Symlink loops are not followed twice.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from blaslint.project.config import Settings, _glob_match, _relative

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


@dataclass
class Discovered:
    files: list[str]
    missing: list[str]          # paths given that do not exist


def _is_excluded(path: str, settings: Settings, walked: bool = False) -> bool:
    """Does an exclude pattern match ``path``?

    For entries met while walking a directory given on the command line
    (``walked``), a bare-name pattern (``build``, ``site-packages``) is tested
    against the entry's own name only: its parents below the root were tested
    when the walk entered them, and the folders above the root the user named
    must not exclude it (``blaslint .../site-packages/numpy`` lints numpy).
    """
    rel = _relative(path, settings.project_root)
    base = os.path.basename(path.rstrip("/"))
    for pat in [*settings.exclude, *settings.extend_exclude]:
        if "/" not in pat.rstrip("/"):
            if base == pat or _glob_match(base, pat) or (not walked and _glob_match(rel, pat)):
                return True
        elif _glob_match(rel, pat):
            return True
    return False


class _GitIgnore:
    """Stacked .gitignore files, evaluated relative to their own folder."""

    def __init__(self) -> None:
        try:
            import pathspec

            self.ok = hasattr(pathspec.GitIgnoreSpec, "check_file")  # pathspec >= 0.12

        except ImportError:  # pragma: no cover - pathspec is optional
            self.ok = False
        self.specs: dict[str, object] = {}
        self.tops: dict[str, str] = {}

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

    def ignored(self, path: str, is_dir: bool, roots: list[str], ceiling: str | None = None) -> bool:
        """Whether git would ignore ``path`` (absolute).

        The .gitignore files from the path's folder up to the repository root
        (the folder holding ``.git``; without one, the walked root) are asked
        deepest first, and the deepest one with a matching pattern decides, so
        that a nested ``!pattern`` re-includes what a parent ignores.
        """
        if not self.ok:
            return False
        top = self._top(os.path.dirname(path), roots)
        if ceiling is not None and (top == ceiling or ceiling.startswith(top.rstrip(os.sep) + os.sep)):
            top = ceiling  # .gitignore files above an explicitly given, ignored root do not apply
        directory = os.path.dirname(path)
        while True:
            spec = self.load(directory)
            if spec is not None:
                rel = os.path.relpath(path, directory).replace(os.sep, "/")
                decision = spec.check_file(rel + "/" if is_dir else rel).include
                if decision is not None:
                    return bool(decision)
            if directory == top:
                return False
            parent = os.path.dirname(directory)
            if parent == directory:
                return False
            directory = parent

    def _top(self, directory: str, roots: list[str]) -> str:
        """The repository root above ``directory``, else the outermost given root."""
        if directory in self.tops:
            return self.tops[directory]
        probe, top = directory, None
        while True:
            if os.path.exists(os.path.join(probe, ".git")):
                top = probe
                break
            parent = os.path.dirname(probe)
            if parent == probe:
                break
            probe = parent
        if top is None:
            top = next((r for r in roots if directory == r or directory.startswith(r.rstrip(os.sep) + os.sep)),
                       directory)
        self.tops[directory] = top
        return top


def discover(paths: list[str], settings: Settings) -> Discovered:
    files: list[str] = []
    missing: list[str] = []
    seen_real: set[str] = set()
    gitignore = _GitIgnore() if settings.respect_gitignore else None
    if gitignore is not None and not gitignore.ok and any(
            os.path.isfile(os.path.join(p if os.path.isdir(p) else os.path.dirname(p) or ".", ".gitignore"))
            for p in paths):
        print("blaslint: warning: .gitignore files are not read without pathspec>=0.12 "
              "(pip install 'blaslint[gitignore]')", file=sys.stderr)
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
        # A directory the user names is linted even if an enclosing repository ignores it
        # (e.g. site-packages inside a pyenv checkout); .gitignore files inside it still apply.
        ceiling = abs_root if gitignore is not None and gitignore.ignored(abs_root, True, [abs_root]) else None
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
            real = os.path.realpath(dirpath)
            if real in seen_real:
                dirnames[:] = []
                continue
            seen_real.add(real)
            keep = []
            for d in sorted(dirnames):
                full = os.path.join(dirpath, d)
                if _is_excluded(full, settings, walked=True):
                    continue
                if gitignore is not None and gitignore.ignored(os.path.abspath(full), True, [abs_root], ceiling):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for f in sorted(filenames):
                if not f.endswith(SOURCE_SUFFIXES):
                    continue
                full = os.path.join(dirpath, f)
                if _is_excluded(full, settings, walked=True):
                    continue
                if gitignore is not None and gitignore.ignored(os.path.abspath(full), False, [abs_root], ceiling):
                    continue
                if os.path.isdir(full):
                    continue
                files.append(os.path.normpath(full))  # "./a.py" -> "a.py", as ruff prints it
    # stable, duplicate-free order
    out, seen = [], set()
    for f in sorted(files, key=lambda p: p.replace(os.sep, "/")):
        if f not in seen:
            seen.add(f)
            out.append(f)
    return Discovered(out, missing)
