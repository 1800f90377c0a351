"""Where a module of the linted package lives on disk, and its dotted name (never imported).

Every file looked for is recorded (:func:`blaslint.analysis.reads.is_file`):
creating an ``__init__.py`` or the module an import names changes the answer.
"""

from __future__ import annotations

import os

from blaslint.analysis.reads import is_file


def _is_package(directory: str) -> bool:
    return is_file(os.path.join(directory, "__init__.py"))


def package_root(path: str) -> tuple[str, list[str]]:
    """(directory holding the top package, dotted parts of the module at ``path``)."""
    path = os.path.abspath(path)
    directory, filename = os.path.split(path)
    stem = os.path.splitext(filename)[0]
    parts = [] if stem == "__init__" else [stem]
    while _is_package(directory):
        directory, pkg = os.path.split(directory)
        parts.insert(0, pkg)
        if not pkg:
            break
    return directory, parts


def module_name(path: str) -> str:
    return ".".join(package_root(path)[1])


def import_path(path: str, level: int, module: str | None) -> str | None:
    """The file a ``from <module> import ...`` in ``path`` refers to, when it is in the same package.

    Relative imports (``level`` > 0) and absolute imports of the file's own
    top package; ``None`` for anything else (a library) or a file not found.
    """
    if not path or path.startswith("<"):
        return None
    root, parts = package_root(path)
    if level:
        pkg_parts = parts[:-1] if not path.endswith("__init__.py") else parts
        if level - 1 > len(pkg_parts):
            return None
        base = pkg_parts[:len(pkg_parts) - (level - 1)]
        target = base + (module.split(".") if module else [])
    else:
        if not module or not parts or module.split(".")[0] != parts[0]:
            return None
        target = module.split(".")
    if not target:
        return None
    stem = os.path.join(root, *target)
    for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
        if is_file(candidate):
            return candidate
    return None


__all__ = ["import_path", "module_name", "package_root"]
