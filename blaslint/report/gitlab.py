"""GitLab Code Quality JSON (``artifacts:reports:codequality``).

The documented fields: ``description``, ``check_name``, ``fingerprint``,
``severity`` and ``location.path`` / ``location.lines.begin`` (plus
``lines.end``, ``categories`` and ``type``, which GitLab accepts from the Code
Climate spec). GitLab matches findings between the base and the head of a
merge request by fingerprint, so it is the baseline fingerprint (code, path,
normalised flagged text, enclosing function; no line number): moving code
does not show up as "fixed one, introduced one". GitLab keeps one finding per
fingerprint, so the second and later copies of the same finding get the
fingerprint of (fingerprint, copy number).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter

from blaslint.project.baseline import fingerprint
from blaslint.core.diagnostics import SYNTAX_ERROR, TOOL_CODES, Diagnostic
from blaslint.report import ReportEnv, register

# Rule findings by severity: correctness errors "critical", findings worth acting
# on "major", negligible ones (shown with --show-all) "info". A file that cannot
# be checked at all is worse than any one finding.
RULE_SEVERITY = "major"
SEVERITY_MAP = {"error": "critical", "warning": "major", "info": "info"}
TOOL_SEVERITY = {SYNTAX_ERROR: "blocker", "BL901": "blocker", "BL999": "critical", "BL902": "minor"}


def report_path(path: str) -> str:
    """Path relative to the repository checkout (``CI_PROJECT_DIR``, else the cwd), '/'-separated."""
    base = os.environ.get("CI_PROJECT_DIR") or os.getcwd()
    full = os.path.abspath(path)
    try:
        rel = os.path.relpath(full, base)
    except ValueError:  # pragma: no cover - another drive on Windows
        rel = full
    if rel.startswith(".."):
        rel = path
    return rel.replace(os.sep, "/")


def unique_fingerprints(diags: list[Diagnostic], project_root: str) -> list[str]:
    """The stable fingerprint of each finding, made unique within the report."""
    seen: Counter = Counter()
    out = []
    for d in diags:
        fp = fingerprint(d, project_root)
        copy = seen[fp]
        seen[fp] += 1
        out.append(fp if copy == 0 else hashlib.sha256(f"{fp}:{copy}".encode()).hexdigest()[:32])
    return out


def issue(d: Diagnostic, fp: str) -> dict:
    location = {"path": report_path(d.path), "lines": {"begin": d.line, "end": max(d.end_line, d.line)}}
    if d.cell is not None:
        location["lines"] = {"begin": 1, "end": 1}  # cell-relative lines do not exist in the .ipynb file
    description = f"{d.code} {d.message}" + (f" (cell {d.cell}, line {d.line})" if d.cell is not None else "")
    return {
        "type": "issue",
        "check_name": d.code,
        "description": description,
        "categories": ["Bug Risk"] if d.code in TOOL_CODES else ["Performance"],
        "severity": TOOL_SEVERITY.get(d.code, SEVERITY_MAP.get(d.severity, RULE_SEVERITY)),
        "fingerprint": fp,
        "location": location,
    }


@register("gitlab")
def render_gitlab(diags: list[Diagnostic], env: ReportEnv) -> str:
    fps = unique_fingerprints(diags, env.project_root)
    return json.dumps([issue(d, fp) for d, fp in zip(diags, fps, strict=True)], indent=2, ensure_ascii=False) + "\n"
