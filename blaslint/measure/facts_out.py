"""``--facts-out FILE``: what the run observed, per site and per function parameter.

Format (JSON, ``"format": "blaslint-runtime-facts"``, ``"version": 1``)::

    {"format": "blaslint-runtime-facts", "version": 1, "command": [...],
     "root": "/abs/dir paths are relative to",
     "sites": [{"path": "pkg/mod.py", "line": 12, "col": 9, "function": "Model.fit",
                "rules": ["BL401"], "calls": 40,
                "operands": {"X": [{"lib": "numpy", "shape": [500, 20], "dtype": "float64",
                                    "order": "C", "device": "cpu", "count": 40}]},
                "result": [...same signature records...]}],
     "parameters": [{"path": "pkg/mod.py", "module": "pkg.mod", "function": "Model.fit",
                     "parameter": "X", "calls": 40, "observed": [...signature records...]}]}

A signature record ``{"other": true, "count": n}`` counts calls beyond the
distinct signatures kept (8 per operand). ``blaslint.analysis.runtime_facts``
reads it for the static lint (``--facts``).
"""

from __future__ import annotations

import json
import os

from blaslint.measure.sites import Site

FORMAT, VERSION = "blaslint-runtime-facts", 1


def _rel(path: str, root: str) -> str:
    try:
        rel = os.path.relpath(os.path.realpath(path), root)
    except ValueError:  # pragma: no cover - other drive
        return path
    return rel.replace(os.sep, "/")


def module_name(rel: str) -> str:
    mod = rel[:-3] if rel.endswith(".py") else rel
    parts = [p for p in mod.split("/") if p not in ("", ".")]
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def build(sites: list[Site], records: dict | None, command: list[str], root: str) -> dict:
    root = os.path.realpath(root)
    recs = (records or {}).get("sites", {})
    site_facts = []
    params: dict[tuple[str, str, str], dict] = {}
    for site in sites:
        rec = recs.get(str(site.id))
        if not rec or not rec["calls"]:
            continue
        rel = _rel(site.path, root)
        site_facts.append({"path": rel, "line": site.line, "col": site.col, "function": site.function,
                           "rules": sorted({f.code for f in site.findings}), "calls": rec["calls"],
                           "operands": rec["operands"], "result": rec["result"]})
        for name, sigs in rec.get("params", {}).items():
            _merge(params, (rel, site.function, name), sigs, rec["calls"])
    for entry in (records or {}).get("params", []):
        rel = _rel(entry["file"], root)
        for name, sigs in entry["params"].items():
            _merge(params, (rel, entry["function"], name), sigs, entry["calls"], replace=True)
    return {"format": FORMAT, "version": VERSION, "command": command, "root": root, "sites": site_facts,
            "parameters": [{"path": p, "module": module_name(p), "function": f, "parameter": n,
                            "calls": v["calls"], "observed": v["observed"]}
                           for (p, f, n), v in sorted(params.items())]}


def _merge(params, key, sigs, calls, replace=False) -> None:
    """Parameter facts from function entry (``replace``) win over those seen at a site."""
    if key in params and not replace:
        return
    params[key] = {"calls": calls, "observed": sigs}


def write(path: str, facts: dict) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(facts, fh, indent=2)
        fh.write("\n")
    os.replace(tmp, path)
