"""Effective settings of a run: which rules, which files, which fixes.

Read from ``[tool.blaslint]`` in the nearest ``pyproject.toml`` (or ``--config``)
and overridden by command-line flags. Unknown keys and unknown rule codes are
errors, never silently ignored.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass, field

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", "__pycache__", "__pypackages__", "_build", "build",
    "dist", "node_modules", "site-packages", ".eggs", ".blaslint_cache", ".ipynb_checkpoints",
)


class ConfigError(Exception):
    """A configuration mistake the user must fix (exit code 2)."""


def _default_context_paths() -> tuple[str, ...]:
    from blaslint.analysis.severity import DEFAULT_CONTEXT_PATHS

    return DEFAULT_CONTEXT_PATHS


def all_codes() -> list[str]:
    from blaslint.rules import all_rules as rule_classes  # importing the catalogue registers the rules

    return [cls.code for cls in rule_classes()]


def expand_codes(selectors, known: list[str] | None = None) -> set[str]:
    """Codes matched by selectors: exact codes, prefixes (``BL4``) or ``ALL``."""
    known = known if known is not None else all_codes()
    from blaslint.core.diagnostics import TOOL_CODES

    universe = list(known) + list(TOOL_CODES)
    out: set[str] = set()
    for sel in selectors:
        sel = sel.strip().upper()
        if not sel:
            continue
        if sel == "ALL":
            out.update(known)
            continue
        matched = [c for c in universe if c.startswith(sel)]
        if not matched:
            raise ConfigError(f"unknown rule selector {sel!r}")
        out.update(matched)
    return out


@dataclass
class Settings:
    select: list[str] | None = None            # None: every rule
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    unsafe_fixes: bool = False
    project_root: str = "."
    config_path: str | None = None
    force_exclude: bool = False
    # Shown severities and the paths where findings matter less (blaslint.analysis.severity).
    min_severity: str = "warning"
    context_paths: list[str] = field(default_factory=lambda: list(_default_context_paths()))
    extend_context_paths: list[str] = field(default_factory=list)
    facts: str | None = None                   # a `blaslint measure --facts-out` file (runtime evidence)
    runtime_facts: dict | None = None          # its contents, see blaslint.analysis.runtime_facts

    def __post_init__(self) -> None:
        self._codes: set[str] | None = None
        self._pfi: list[tuple[str, set[str]]] | None = None

    def selected_codes(self) -> set[str]:
        if self._codes is None:
            known = all_codes()
            codes = set(known) if self.select is None else expand_codes(self.select, known)
            codes |= expand_codes(self.extend_select, known)
            codes -= expand_codes(self.ignore, known)
            self._codes = codes
        return self._codes

    def codes_for(self, path: str) -> set[str]:
        codes = self.selected_codes()
        if self.per_file_ignores:
            if self._pfi is None:
                known = all_codes()
                self._pfi = [(pat, expand_codes(sel, known)) for pat, sel in self.per_file_ignores.items()]
            rel = _relative(path, self.project_root)
            base = os.path.basename(path)
            for pat, ignored in self._pfi:
                negated = pat.startswith("!")  # ruff: "!glob" applies to files NOT matching
                pat = pat[1:] if negated else pat
                if (_glob_match(rel, pat) or _glob_match(base, pat)) != negated:
                    codes = codes - ignored
        return codes

    def fingerprint(self) -> str:
        """A hash of everything that changes a file's findings (for the cache)."""
        data = json.dumps(
            [sorted(self.selected_codes()), sorted((k, sorted(v)) for k, v in self.per_file_ignores.items()),
             self.unsafe_fixes, _file_digest(self.facts)], sort_keys=True)
        return hashlib.sha256(data.encode()).hexdigest()[:16]


def _file_digest(path: str | None) -> str | None:
    if not path:
        return None
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()[:16]
    except OSError:
        return None


def load_runtime_facts(settings: Settings) -> None:
    """Read ``settings.facts`` into ``settings.runtime_facts`` (a ConfigError when unreadable)."""
    if not settings.facts:
        settings.runtime_facts = None
        return
    from blaslint.analysis.runtime_facts import RuntimeFactsError, load

    try:
        settings.runtime_facts = load(settings.facts)
    except RuntimeFactsError as exc:
        raise ConfigError(str(exc)) from None


def _relative(path: str, root: str) -> str:
    try:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    except ValueError:  # pragma: no cover - different drives on Windows
        return path
    return rel.replace(os.sep, "/")


def _glob_match(path: str, pattern: str) -> bool:
    """ruff-like glob match of a '/'-separated relative path.

    ``*`` and ``?`` may cross '/' (as in ruff's globset), ``**/`` matches any
    number of folders including none (``tests/**/*.py`` matches
    ``tests/test_a.py``). A pattern also matches the files under a folder it
    matches, and a pattern without '/' matches any single path component
    (``build`` excludes every folder named build).
    """
    regex = _glob_regex(pattern.replace(os.sep, "/").rstrip("/") or "/")
    if regex.fullmatch(path):
        return True
    parts = path.split("/")
    if "/" not in pattern.rstrip("/"):
        return any(regex.fullmatch(part) for part in parts)
    return any(regex.fullmatch("/".join(parts[:i])) for i in range(1, len(parts)))


@functools.lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern:
    out, i, n = [], 0, len(pattern)
    if pattern.startswith("./"):
        pattern, n = pattern[2:], n - 2
    while i < n:
        c = pattern[i]
        if pattern.startswith("**", i):
            at_start = i == 0 or pattern[i - 1] == "/"
            if at_start and pattern.startswith("**/", i):
                out.append("(?:.*/)?")
                i += 3
                continue
            out.append(".*")
            i += 2
        elif c == "*":
            out.append(".*")
            i += 1
        elif c == "?":
            out.append(".")
            i += 1
        elif c == "[" and "]" in pattern[i + 2:]:
            j = pattern.index("]", i + 2)
            body = pattern[i + 1:j]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = j + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out))


# -- loading -------------------------------------------------------------------

_KEYS = {
    "select": "select", "ignore": "ignore", "extend-select": "extend_select",
    "per-file-ignores": "per_file_ignores", "exclude": "exclude", "extend-exclude": "extend_exclude",
    "respect-gitignore": "respect_gitignore", "unsafe-fixes": "unsafe_fixes",
    "force-exclude": "force_exclude",
    "min-severity": "min_severity", "context-paths": "context_paths", "extend-context-paths": "extend_context_paths",
    "facts": "facts",
}
_LIST_KEYS = {"select", "ignore", "extend-select", "exclude", "extend-exclude", "context-paths",
              "extend-context-paths"}
_BOOL_KEYS = {"respect-gitignore", "unsafe-fixes", "force-exclude"}


def _load_toml(path: str) -> dict:
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


CONFIG_NAMES = (".blaslint.toml", "blaslint.toml", "pyproject.toml")


def find_config(start: str) -> str | None:
    """The nearest configuration file, searching upwards from ``start``.

    In each folder, like ruff: ``.blaslint.toml``, then ``blaslint.toml`` (both
    always count), then a ``pyproject.toml`` that has a [tool.blaslint] table.
    """
    directory = os.path.abspath(start)
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    while True:
        for name in CONFIG_NAMES:
            cand = os.path.join(directory, name)
            if not os.path.isfile(cand):
                continue
            if name != "pyproject.toml" or "blaslint" in _load_toml(cand).get("tool", {}):
                return cand
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def settings_from_table(table: dict, path: str) -> Settings:
    """Validate a [tool.blaslint] table and turn it into Settings."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.blaslint] must be a table")
    s = Settings(project_root=os.path.dirname(os.path.abspath(path)), config_path=path)
    known = all_codes()
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError(f"{path}: unknown key {key!r} in [tool.blaslint] "
                              f"(known: {', '.join(sorted(_KEYS))})")
        attr = _KEYS[key]
        if key in _LIST_KEYS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: {key} must be a list of strings")
            if key in ("select", "ignore", "extend-select"):
                _validate_codes(value, known, path, key)
            if key == "exclude":
                value = list(value)
        elif key in _BOOL_KEYS:
            if not isinstance(value, bool):
                raise ConfigError(f"{path}: {key} must be true or false")
        elif key == "min-severity":
            from blaslint.analysis.severity import SEVERITIES

            if value not in SEVERITIES:
                raise ConfigError(f"{path}: min-severity must be one of {', '.join(map(repr, SEVERITIES))}")
        elif key == "facts":
            if not isinstance(value, str):
                raise ConfigError(f"{path}: facts must be a path (a `blaslint measure --facts-out` file)")
            value = os.path.join(os.path.dirname(os.path.abspath(path)), value)
        elif key == "per-file-ignores":
            if not isinstance(value, dict) or not all(
                    isinstance(v, list) and all(isinstance(c, str) for c in v) for v in value.values()):
                raise ConfigError(f"{path}: per-file-ignores must map globs to lists of codes")
            for glob, codes in value.items():
                _validate_codes(codes, known, path, f"per-file-ignores[{glob!r}]")
            value = {k: list(v) for k, v in value.items()}
        setattr(s, attr, value)
    return s


def _validate_codes(codes: list[str], known: list[str], path: str, key: str) -> None:
    try:
        expand_codes(codes, known)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {key}: {exc} (see `blaslint rules`)") from None


def _inline_config(text: str) -> dict:
    """``--config "select=['BL4']"``: one TOML assignment (ruff accepts these too)."""
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--config {text!r} is neither a file nor a valid TOML `key = value`: {exc}") from None


def load_settings(config_path: str | None, start: str, isolated: bool = False) -> Settings:
    if isolated:
        return Settings(project_root=os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or "."))
    if config_path is None:
        config_path = find_config(start)
        if config_path is None:
            root = start if os.path.isdir(start) else os.path.dirname(os.path.abspath(start))
            return Settings(project_root=os.path.abspath(root))
    if not os.path.isfile(config_path):
        if "=" in config_path and not os.path.exists(config_path):
            found = find_config(start)
            base = settings_table(found) if found else {}
            table = {**base, **_inline_config(config_path)}
            return settings_from_table(table, found or os.path.join(os.path.abspath(
                start if os.path.isdir(start) else os.path.dirname(start) or "."), "--config"))
        raise ConfigError(f"config file not found: {config_path}")
    return settings_from_table(settings_table(config_path), config_path)


def settings_table(config_path: str) -> dict:
    """The blaslint table of a config file (``[tool.blaslint]`` or top level)."""
    data = _load_toml(config_path)
    if os.path.basename(config_path) == "pyproject.toml":
        table = data.get("tool", {}).get("blaslint", {})
    else:  # a blaslint.toml / .blaslint.toml holds the table at top level
        table = data.get("tool", {}).get("blaslint", data)
    return table
