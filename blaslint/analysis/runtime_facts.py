"""Facts observed at run time (``blaslint measure --facts-out``), for the static lint.

Lowest-priority evidence (kind ``"runtime"``): a parameter's rank, dtype,
order and shape as seen on every recorded call. A field is kept only when
every observation agrees (a dimension that varied becomes ``None``); an entry
whose observations overflowed the recorder's limit keeps nothing. Reads the
file format of ``blaslint/measure/facts_out.py`` without importing it.

The seam for the shape engine is :func:`parameter_fact`.
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
    out: RuntimeFacts = {}
    for entry in data.get("parameters", []):
        try:
            key = (entry["path"], entry["function"], entry["parameter"])
            fact = summarise(entry["observed"])
        except (KeyError, TypeError) as exc:
            raise RuntimeFactsError(f"{path}: malformed parameter entry ({exc})") from None
        if fact is not None:
            fact["calls"] = entry.get("calls", 0)
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
    norm = os.path.normpath(path).replace(os.sep, "/")
    for (fpath, func, param), fact in facts.items():
        if func == function and param == parameter and _same_file(norm, fpath):
            return fact
    return None


def _same_file(a: str, b: str) -> bool:
    a, b = _plain(a), _plain(b)
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


def _plain(p: str) -> str:
    while p.startswith("./"):
        p = p[2:]
    return p
