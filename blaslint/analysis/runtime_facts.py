"""Facts observed at run time (``blaslint measure --facts-out``), for the static lint.

Lowest-priority evidence (kind ``"runtime"``): a parameter's rank, dtype,
order and shape as seen on every recorded call. A field is kept only when
every observation agrees (a dimension that varied becomes ``None``); an entry
whose observations overflowed the recorder's limit keeps nothing. Reads the
file format of ``blaslint/measure/facts_out.py`` without importing it.

The linter hands each file its own table (:func:`for_file`, keyed by the
function's qualified name as ``co_qualname`` spells it and the parameter) on
``FileContext.runtime_facts``; the shape engine reads it through
:func:`observed`, last of all the sources of a parameter's facts.
"""

from __future__ import annotations

import json
import os

FORMAT, VERSION = "blaslint-runtime-facts", 1

# {(module path, function qualname, parameter): {"rank", "dtype", "order", "shape", "lib", "device", "calls"}}
RuntimeFacts = dict


class RuntimeFactsError(Exception):
    pass


def load(path: str) -> RuntimeFacts:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise RuntimeFactsError(f"cannot read facts file {path}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise RuntimeFactsError(f"{path}: not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RuntimeFactsError(f"{path}: not a blaslint runtime facts file (write one with `blaslint measure --facts-out`)")
    if data.get("version") != VERSION:
        raise RuntimeFactsError(f"{path}: facts format version {data.get('version')} (this blaslint reads {VERSION})")
    root = data.get("root")
    out: RuntimeFacts = {}
    for entry in data.get("parameters", []):
        try:
            key = (entry["path"], entry["function"], entry["parameter"])
            fact = summarise(entry["observed"])
            calls = entry.get("calls")
            if isinstance(calls, int) and sum(int(o.get("count", 1)) for o in entry["observed"]) < calls:
                fact = None  # some recorded calls passed something else (a list, a scalar, None)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise RuntimeFactsError(f"{path}: malformed parameter entry ({exc})") from None
        if fact is not None:
            fact["calls"] = entry.get("calls", 0)
            fact["file"] = _absolute(key[0], root)
            out[key] = fact
    return out


def summarise(observed: list[dict]) -> dict | None:
    """What every observation agrees on; None when nothing is certain."""
    if not observed or any(o.get("other") for o in observed):
        return None
    def same(field):
        values = {json.dumps(o[field]) for o in observed}
        return observed[0][field] if len(values) == 1 else None
    ranks = {len(o["shape"]) for o in observed}
    rank = ranks.pop() if len(ranks) == 1 else None
    shape = None
    if rank is not None:
        shape = tuple(observed[0]["shape"][i] if len({o["shape"][i] for o in observed}) == 1 else None
                      for i in range(rank))
    return {"rank": rank, "dtype": same("dtype"), "order": same("order"), "shape": shape,
            "lib": same("lib"), "device": same("device")}


def parameter_fact(facts: RuntimeFacts | None, path: str, function: str, parameter: str) -> dict | None:
    """The observed fact for ``parameter`` of ``function`` in the file ``path``, or None.

    ``path`` is the linted file's path; it matches a fact's module path when
    one ends with the other (facts are stored relative to where measure ran).
    ``function`` is the qualified name (``Class.method``, ``f.<locals>.g``).
    """
    if not facts:
        return None
    linted = _Linted(path)
    for (fpath, func, param), fact in facts.items():
        if func == function and param == parameter and linted.is_(fpath, fact):
            return fact
    return None


def for_file(facts: RuntimeFacts | None, path: str) -> dict:
    """``{(function qualname, parameter): fact}`` of the facts recorded for the file ``path``."""
    if not facts or not path or path.startswith("<"):
        return {}
    linted = _Linted(path)
    return {(func, param): fact for (fpath, func, param), fact in facts.items() if linted.is_(fpath, fact)}


def unmatched_paths(facts: RuntimeFacts | None, paths) -> list[str]:
    """The files of ``facts`` that none of ``paths`` (the linted files) is: facts for another tree."""
    if not facts:
        return []
    linted = [_Linted(p) for p in paths]
    return sorted({fpath for (fpath, _, _), fact in facts.items() if not any(p.is_(fpath, fact) for p in linted)})


def qualname(ctx, fdef) -> str:
    """``fdef``'s qualified name as Python's ``co_qualname`` spells it (``f.<locals>.g``, ``C.m``)."""
    import ast

    names = [fdef.name]
    for anc in ctx.ancestors(fdef):
        if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.append(anc.name + ".<locals>")
        elif isinstance(anc, ast.ClassDef):
            names.append(anc.name)
        elif isinstance(anc, ast.Lambda):
            names.append("<lambda>.<locals>")
    return ".".join(reversed(names))


def observed(ctx, fdef, parameter: str) -> dict | None:
    """The observed fact of ``parameter`` of the function ``fdef`` in ``ctx``'s file, or None."""
    table = getattr(ctx, "runtime_facts", None)
    if not table:
        return None
    return table.get((qualname(ctx, fdef), parameter))


def detail(fact: dict) -> str:
    """"observed at run time in 50 calls": the words a message cites (the rank and dtype are the Facts')."""
    calls = fact.get("calls")
    return "observed at run time" + (f" in {calls} call{'s' if calls != 1 else ''}" if calls else "")


def citation(ctx, consulted) -> str:
    """What a finding relied on: "`X` is 2-D float64 (observed at run time in 50 calls of `fit`, line 12)"."""
    parts = []
    for expr, facts in consulted:
        try:
            name = " ".join(ctx.text(expr).split())
        except Exception:  # noqa: BLE001 - a node without positions
            continue
        ev = next(e for e in facts.evidence if e.kind == "runtime")
        what = "a scalar" if facts.rank == 0 else f"{facts.rank}-D"
        if facts.dtype:
            what += f" {facts.dtype}"
        phrase = f"`{name if len(name) <= 30 else name[:27] + '...'}` is {what} ({ev.detail}; `def` at line {ev.line})"
        if phrase not in parts:
            parts.append(phrase)
    return "; ".join(parts[:3]) if parts else "relies on facts observed at run time"


class _Linted:
    """A linted file's path, compared with a fact's: the same real file, else one path ends the other."""

    def __init__(self, path: str) -> None:
        self.real = os.path.realpath(path)
        self.plain = _plain(os.path.normpath(path).replace(os.sep, "/"))

    def is_(self, fpath: str, fact: dict) -> bool:
        if fact.get("file") and fact["file"] == self.real:
            return True
        a, b = self.plain, _plain(fpath)
        return a == b or a.endswith("/" + b) or b.endswith("/" + a)


def _absolute(path: str, root) -> str | None:
    """The fact's file on this machine (paths are relative to the ``root`` measure ran in)."""
    if os.path.isabs(path):
        return os.path.realpath(path)
    if isinstance(root, str) and root:
        return os.path.realpath(os.path.join(root, path))
    return None


def _plain(p: str) -> str:
    """Without leading ``./`` and ``../``: a path relative to somewhere else still ends the same."""
    while p.startswith(("./", "../")):
        p = p[p.index("/") + 1:]
    return p
