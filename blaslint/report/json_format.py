"""ruff's JSON shape: a list of findings with location, end_location and fix edits."""

from __future__ import annotations

import json

from blaslint.core.diagnostics import Diagnostic
from blaslint.report import ReportEnv, register


def diagnostic_dict(d: Diagnostic) -> dict:
    fix = None
    if d.fix is not None:
        fix = {
            "applicability": d.fix.applicability.value,
            "message": d.fix.message,
            "edits": [
                {
                    "content": e.content,
                    "location": {"row": e.location[0], "column": e.location[1]},
                    "end_location": {"row": e.end_location[0], "column": e.end_location[1]},
                }
                for e in d.fix.edits
            ],
        }
    out = {
        "code": d.code,
        "name": d.name,
        "message": d.message,
        "filename": d.path,
        "location": {"row": d.line, "column": d.col},
        "end_location": {"row": d.end_line, "column": d.end_col},
        "fix": fix,
        "noqa_row": d.stmt_line or d.line,
        "url": None,
        # ruff's shape: the 1-based notebook cell (lines are then cell-relative), null for .py files
        "cell": d.cell,
        # "error" | "warning" | "info"; the cost estimate (null when the rule gives none)
        "severity": d.severity,
        "cost": d.cost.as_dict() if d.cost is not None else None,
    }
    if d.context:
        out["context"] = d.context
    return out


@register("json")
def render_json(diags: list[Diagnostic], env: ReportEnv) -> str:
    return json.dumps([diagnostic_dict(d) for d in diags], indent=2, ensure_ascii=False) + "\n"


@register("json-lines")
def render_json_lines(diags: list[Diagnostic], env: ReportEnv) -> str:
    return "".join(json.dumps(diagnostic_dict(d), ensure_ascii=False) + "\n" for d in diags)
