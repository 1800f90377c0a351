"""Facts of a module-level function's parameter from the calls other modules of its package make.

``compute_circulant(X, Y, ...)`` in ``pidmd_utils.py`` knows nothing of ``Y``;
``pidmd.py`` calls it with the snapshot matrices. When every call the package
makes (outside the function's own module, found by its name and an import
of that module, parsed from disk, never imported) agrees on the rank, the
parameter takes it. That is evidence of kind "package-call", soft like a
docstring: a user of the library may pass something else, so a finding may
rest on it but no fix does. Only the linted file asks: inside another module's
context (kept parsed across files) the answer would depend on which file was
linted first. A function called more than :data:`MAX_CALLS` times, or in a
package of more than :data:`MAX_FILES` files, says nothing.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re

from blaslint.analysis import reads
from blaslint.analysis.evidence import Evidence
from blaslint.analysis.modules import package_root

MAX_FILES = 2000     # .py files of a package looked at
MAX_CALLS = 20       # calls of one function across the package
MAX_FILE_BYTES = 1_000_000
_FILES: dict = {}    # package directory -> (lint epoch, index of its files)


def _index(path: str) -> dict:
    """{path: (stamp, text)} for the .py files of the package holding
    ``path`` (empty for a file outside a package, or a package of more than :data:`MAX_FILES` files).
    Kept per process; once per lint each file is checked against the disk (a stat) and re-read if it
    changed."""
    root, parts = package_root(path)
    if len(parts) < 2:
        return {}
    top = os.path.join(root, parts[0])
    epoch = reads.epoch()
    got = _FILES.get(top)
    if got is not None and got[0] == epoch and epoch is not None:
        return got[1]
    found: list[str] = []
    for directory, subdirs, files in os.walk(top):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d != "__pycache__")
        found.extend(os.path.join(directory, f) for f in sorted(files) if f.endswith(".py"))
        if len(found) > MAX_FILES:
            found = []
            break
    old = got[1] if got is not None else {}
    table = {}
    for f in map(os.path.abspath, found):
        entry = old.get(f)
        fresh = reads.refresh(entry[0]) if entry is not None else None
        if fresh is not None:
            table[f] = (fresh, entry[1])
            continue
        raw, stamp = reads.read(f, MAX_FILE_BYTES)
        table[f] = (stamp, raw.decode("utf-8", errors="replace") if raw is not None else "")
    if len(_FILES) >= 16:
        _FILES.clear()
    _FILES[top] = (epoch, table)
    return table


def _candidates(here: str, name: str) -> list[str]:
    """The package's modules that may call ``name`` of module ``here`` (tests and ``here`` left out)."""
    stem = os.path.splitext(os.path.basename(here))[0]
    return [path for path, (_, text) in _index(here).items()
            if path != here and not _is_test(path) and _calls_name(text, name, stem)]


def _digest(paths: list[str]) -> str:
    return hashlib.blake2b("\n".join(paths).encode(), digest_size=16).hexdigest()


def _candidates_digest(argument: str) -> str:
    """The answer a query stamp records: which modules may call the function (their contents are
    stamped on their own)."""
    here, _, name = argument.rpartition("\x00")
    return _digest(_candidates(here, name))


reads.QUERIES["package-calls"] = _candidates_digest


def _calls_name(text: str, name: str, stem: str) -> bool:
    """Might this module call ``name`` imported from module ``stem``? (text only: cheap, then parsed)"""
    return name in text and stem in text and re.search(rf"\b{re.escape(name)}\s*\(", text) is not None


def _is_test(path: str) -> bool:
    """A test module: it calls the library with toy arrays, and its calls speak for no real use."""
    parts = path.replace(os.sep, "/").split("/")
    name = parts[-1]
    return any(p in ("tests", "test", "testing") for p in parts[:-1]) or name.startswith("test_") \
        or name.endswith("_test.py") or name == "conftest.py"


def _calls_in(other, ctx, fdef) -> list[ast.Call]:
    """The calls of ``fdef`` (defined in ``ctx``) that module ``other`` makes by an imported name (only
    the statements mentioning the name are walked)."""
    from blaslint.analysis.mentions import mention_lines, nodes_spelling
    from blaslint.analysis.summaries import _imported_def

    lines = mention_lines(other, fdef.name, MAX_CALLS * 4)
    if not lines:
        return []
    calls = []
    for node in nodes_spelling(other, fdef.name, other.tree.body, lines):
        call = other.parent(node)
        if not (isinstance(node, ast.Name) and isinstance(call, ast.Call) and call.func is node):
            continue
        scope = other.binding_scope(node)
        if scope is None or scope.node is not other.tree:
            continue  # a local of the same name
        calls.append(call)
    if not calls:
        return []
    # the module-level name is the import of this very function (looked up once: another module's
    # context keeps no memo of it)
    found = _imported_def(other, fdef.name)
    if found is None or os.path.abspath(found[0].path) != os.path.abspath(ctx.path) \
            or found[1].lineno != fdef.lineno:
        return []
    return calls


def calls_elsewhere(ctx, fdef) -> list:
    """[(module context, call, path relative to ``ctx``'s folder)] for the calls the other modules of
    the package make of module-level ``fdef`` (tests left out); [] when asked inside another module's
    context. Recorded for the lint cache like :func:`package_call_facts`."""
    from blaslint.analysis.summaries import _module_ctx

    if "_bl_module" in ctx.__dict__ or not ctx.path or ctx.path.startswith("<") or _is_test(ctx.path) \
            or not isinstance(ctx.parent(fdef), ast.Module):
        return []  # a test module's functions are called by the test runner, not by the package
    cache = ctx.__dict__.setdefault("_bl_calls_elsewhere", {})
    if id(fdef) in cache:
        return cache[id(fdef)]
    here = os.path.abspath(ctx.path)
    candidates = _candidates(here, fdef.name)
    reads.note(reads.query_stamp("package-calls", f"{here}\x00{fdef.name}", _digest(candidates)))
    out = []
    for path in candidates:
        other = _module_ctx(ctx, path)
        if other is None:
            continue
        rel = os.path.relpath(path, os.path.dirname(here))
        out.extend((other, call, rel) for call in _calls_in(other, ctx, fdef))
        if len(out) > MAX_CALLS:
            out = []
            break
    cache[id(fdef)] = out
    return out


def package_call_facts(ctx, fdef, param: str):
    """Joined facts of the argument every call elsewhere in the package gives ``param`` (soft), or None.
    Who may ask is :func:`calls_elsewhere`'s rule (it finds no calls otherwise)."""
    cache = ctx.__dict__.setdefault("_bl_package_calls", {})
    key = (id(fdef), param)
    if key not in cache:
        try:
            cache[key] = _evaluate(ctx, fdef, param)
        except RecursionError:
            cache[key] = None
    return cache[key]


def _evaluate(ctx, fdef, param: str):
    from blaslint.analysis.callers import bound_arguments
    from blaslint.analysis.facts import join_facts
    from blaslint.analysis.summaries import _inside

    facts, where = [], []
    for other, call, rel in calls_elsewhere(ctx, fdef):
        bound = bound_arguments(ctx, fdef, call)
        arg = bound.get(param) if bound is not None else None
        if arg is None:
            return None  # a default, or arguments we cannot bind
        with _inside(other):
            f = other.array_facts(arg)
        if f.rank is None:
            return None
        facts.append(f)
        where.append(f"{rel}:{call.lineno}")
    if not facts:
        return None
    joined = join_facts(facts)
    if joined.rank is None:
        return None
    from dataclasses import replace

    detail = f"{len(facts)} call(s) from other modules: {', '.join(where[:2])}"
    # the rank only: the callers' symbols mean nothing here, and their literal sizes are one use among many
    return replace(joined, shape=None, tail=(), evidence=(Evidence("package-call", 0, detail),))


__all__ = ["calls_elsewhere", "package_call_facts"]
