"""The registered output formats by name; loads every format module on first use.

Apart from the package (which the format modules import for :func:`register`),
so that no import cycle runs through the package's ``__init__``.
"""

from __future__ import annotations

from blaslint.report import FORMATS, Renderer


def renderer(name: str) -> Renderer:
    _load_all()
    return FORMATS[name]


def format_names() -> list[str]:
    _load_all()
    return sorted(FORMATS)


def _load_all() -> None:
    from blaslint.report import json_format, text  # noqa: F401
    import importlib

    for mod in ("sarif", "github", "junit", "gitlab"):
        try:
            importlib.import_module(f"blaslint.report.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"blaslint.report.{mod}":
                raise
