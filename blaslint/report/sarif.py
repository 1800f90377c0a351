"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

``tool.driver.rules`` describes every rule (id, name, short and full
description, the rule page as help); each result carries ``ruleId``, level,
message, a 1-based region (``endColumn`` exclusive, columns in Unicode code
points) and, where the finding has a fix, ``fixes`` with the replacements.

Notebook findings: SARIF has no notion of cells and a region indexes the raw
``.ipynb`` JSON, so (like ruff's structured formats) the region is a clearly
fallback ``1:1`` and the cell position goes into the message, a logical
location ``cell N`` and the location's properties.
"""

from __future__ import annotations

import json
import os
from pathlib import PurePath
from urllib.parse import quote

from blaslint import __version__
from blaslint.core.diagnostics import TOOL_CODES, Diagnostic
from blaslint.analysis.severity import CORRECTNESS_CODES
from blaslint.report import ReportEnv, register

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
ERROR_CODES = {"BL900", "BL901", "BL999"}


def artifact_uri(path: str) -> str:
    """A relative path stays relative (to %SRCROOT%, GitHub's convention), others become file: URIs."""
    if os.path.isabs(path):
        return PurePath(path).as_uri()
    rel = os.path.normpath(path).replace(os.sep, "/")
    return quote(rel, safe="/")


def level(code: str) -> str:
    """A rule's default level (its descriptor's ``defaultConfiguration``)."""
    return "error" if code in ERROR_CODES or code in CORRECTNESS_CODES else "warning"


SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def finding_level(d: Diagnostic) -> str:
    """A finding's SARIF level from its severity: error, warning, note."""
    return SARIF_LEVELS.get(d.severity, "warning")


def rule_descriptors() -> list[dict]:
    from blaslint.report.ruledocs import all_rules, page_sections, rule_page

    out = []
    for info in all_rules():
        page = rule_page(info)
        sections = page_sections(page)
        full = sections.get("What it does") or info.summary
        out.append({
            "id": info.code,
            "name": info.name,
            "shortDescription": {"text": info.summary},
            "fullDescription": {"text": full},
            "help": {"text": page, "markdown": page},
            "defaultConfiguration": {"level": level(info.code)},
            "properties": {"fix": info.fix, "tags": [info.family] if info.family else []},
        })
    return out


def _region(line: int, col: int, end_line: int, end_col: int) -> dict:
    return {"startLine": max(line, 1), "startColumn": max(col, 1),
            "endLine": max(end_line, line, 1), "endColumn": max(end_col, 1)}


def _result(d: Diagnostic, rule_index: dict[str, int]) -> dict:
    uri = artifact_uri(d.path)
    artifact = {"uri": uri} if os.path.isabs(d.path) else {"uri": uri, "uriBaseId": "%SRCROOT%"}
    message = d.message
    location: dict = {"physicalLocation": {"artifactLocation": artifact}}
    if d.cell is None:
        location["physicalLocation"]["region"] = _region(d.line, d.col, d.end_line, d.end_col)
    else:
        message = f"cell {d.cell}:{d.line}:{d.col}: {d.message}"
        location["physicalLocation"]["region"] = _region(1, 1, 1, 1)
        location["logicalLocations"] = [{"name": f"cell {d.cell}", "kind": "module"}]
        location["properties"] = {"cell": d.cell, "cellRegion": _region(d.line, d.col, d.end_line, d.end_col)}
    result = {
        "ruleId": d.code,
        "level": finding_level(d),
        "message": {"text": message},
        "locations": [location],
    }
    if d.code in rule_index:
        result["ruleIndex"] = rule_index[d.code]
    if d.fix is not None and d.cell is None and d.fix.edits:
        result["fixes"] = [{
            "description": {"text": f"{d.fix.message} ({d.fix.applicability.value} fix)"},
            "artifactChanges": [{
                "artifactLocation": artifact,
                "replacements": [{
                    "deletedRegion": _region(*e.location, *e.end_location),
                    "insertedContent": {"text": e.content},
                } for e in d.fix.edits],
            }],
        }]
        result["properties"] = {"fixApplicability": d.fix.applicability.value}
    props = result.setdefault("properties", {})
    props["severity"] = d.severity
    if d.cost is not None:
        props["cost"] = d.cost.as_dict()
    if d.context:
        props["context"] = d.context
    return result


@register("sarif")
def render_sarif(diags: list[Diagnostic], env: ReportEnv) -> str:
    rules = rule_descriptors()
    index = {r["id"]: i for i, r in enumerate(rules)}
    for code in sorted({d.code for d in diags} - set(index)):  # defensive: codes without a descriptor
        name, summary = TOOL_CODES.get(code, (code.lower(), code))
        index[code] = len(rules)
        rules.append({"id": code, "name": name, "shortDescription": {"text": summary}})
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "blaslint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": "https://pypi.org/project/blaslint/",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": [_result(d, index) for d in diags],
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
