"""Render a measure report: a rich table (ranked by saving) or JSON."""

from __future__ import annotations

import io
import json

from blaslint.measure import doctor as doctor_mod
from blaslint.measure.report import TOLERANCE


def fmt_time(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 0:
        return "-" + fmt_time(-s)  # a fix that costs time
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.0f} µs"


def header_lines(report: dict) -> list[str]:
    lines = []
    out = report["command"]
    status = ("timed out after {:.0f} s (stopped)".format(out["seconds"]) if out["timed_out"]
              else f"exit status {out['returncode']}" + (f" ({out['signal']})" if out.get("signal") else ""))
    lines.append(f"command: {' '.join(out['argv'])}  ->  {status}, {out['seconds']:.1f} s")
    if not report.get("records"):
        lines.append("no records from the command (killed before it could write them): findings listed as not executed")
    elif report.get("records_status") == "terminated":
        lines.append("partial records (the command was stopped); fixes not timed")
    doc = report.get("doctor") or {}
    if doc.get("libraries"):
        blas = [f"{lib}: {doctor_mod.blas_of(lib, doc)}" for lib in doctor_mod.LIBS if doctor_mod.blas_of(lib, doc)]
        if blas:
            lines.append("BLAS in the command's interpreter: " + "; ".join(blas))
        for w in doc.get("warnings", []):
            lines.append(f"warning: {w}")
    return lines


def render_table(report: dict, color: bool = False, width: int = 160) -> str:
    from rich.console import Console
    from rich.table import Table

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=color, no_color=not color, width=width)
    for line in header_lines(report):
        console.print(line, highlight=False, markup=False)
    table = Table(show_lines=False, title="flagged sites ranked by measured time saved")
    for col, kw in (("site", {"overflow": "fold"}), ("rule", {}), ("calls", {"justify": "right"}), ("time spent", {"justify": "right"}),
                    ("with the fix", {"justify": "right"}), ("saving", {"justify": "right"}),
                    ("shapes", {"overflow": "fold"}), ("note", {"overflow": "fold"})):
        table.add_column(col, **kw)
    for r in report["rows"]:
        if r["status"] != "executed":
            table.add_row(r["site"], r["code"], "0", "-", "-", "-", "", r["status"])
            continue
        table.add_row(r["site"], r["code"], str(r["calls"]), fmt_time(r["seconds"]), fmt_time(r["with_fix"]),
                      fmt_time(r["saving"]), r["shapes"], r["note"])
    console.print(table)
    total = sum(r["saving"] for r in _unique_savings(report["rows"]))
    console.print(f"measured saving over the run: {fmt_time(total)} (best fix per site); {TOLERANCE}",
                  highlight=False, markup=False)
    return buf.getvalue()


def _unique_savings(rows):
    best: dict[str, dict] = {}
    for r in rows:
        if r["saving"] is None:
            continue
        key = r["site_id"]
        if key not in best or r["saving"] > best[key]["saving"]:
            best[key] = r
    return list(best.values())


def render_json(report: dict) -> str:
    return json.dumps({k: v for k, v in report.items() if k != "records"}, indent=2, default=str) + "\n"
