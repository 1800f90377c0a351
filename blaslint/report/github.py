"""GitHub Actions workflow commands: one annotation per finding.

``::warning file=PATH,line=L,col=C,endLine=L2,endColumn=C2,title=BL401::message``;
values are escaped as GitHub's toolkit does (``%``, CR and LF everywhere,
plus ``:`` and ``,`` inside properties). The command follows the severity:
``::error`` (tool errors BL900/901/999, correctness BL202/BL203),
``::warning``, ``::notice`` (info: shown only with --show-all). A notebook finding is annotated at the file's first line (its
lines index cells, not the JSON) with the cell position in the message.
"""

from __future__ import annotations

from blaslint.core.diagnostics import Diagnostic
from blaslint.report import ReportEnv, register

GITHUB_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic) -> str:
    if d.cell is None:
        line, col, end_line, end_col = d.line, d.col, d.end_line, d.end_col
        message = d.message
    else:
        line, col, end_line, end_col = 1, 1, 1, 1
        message = f"cell {d.cell}:{d.line}:{d.col}: {d.message}"
    props = {"file": d.path.replace("\\", "/"), "line": line, "col": col, "endLine": end_line,
             "endColumn": end_col, "title": d.code}
    rendered = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items())
    return f"::{GITHUB_COMMANDS.get(d.severity, 'warning')} {rendered}::{escape_data(message)}"


@register("github")
def render_github(diags: list[Diagnostic], env: ReportEnv) -> str:
    return "".join(annotation(d) + "\n" for d in diags)
