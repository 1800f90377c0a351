"""Human output: ``concise`` (one line a finding) and ``full`` (with code frames and fixes)."""

from __future__ import annotations

import io

from blaslint.core.diagnostics import Diagnostic
from blaslint.report import ReportEnv, fix_available_note, register


def location(d: Diagnostic) -> str:
    if d.cell is not None:
        return f"{d.path}:cell {d.cell}:{d.line}:{d.col}"
    return f"{d.path}:{d.line}:{d.col}"


def fix_marker(d: Diagnostic, unsafe_fixes: bool = False) -> str:
    """ruff's ``[*]``: a fix that ``--fix`` (with the current settings) would apply."""
    return "[*] " if d.fix is not None and (d.fix.is_safe or unsafe_fixes) else ""


def concise_line(d: Diagnostic, unsafe_fixes: bool = False) -> str:
    star = fix_marker(d, unsafe_fixes)
    return f"{location(d)}: {d.code} {star}{d.message}"


def _summary(diags: list[Diagnostic], env: ReportEnv) -> str:
    n = len(diags)
    lines = []
    if env.fixes_applied:
        lines.append(f"Fixed {env.fixes_applied} error{'s' if env.fixes_applied != 1 else ''}"
                     f"{', ' + str(n) + ' remaining' if n else ''}.")
    if n:
        lines.append(f"Found {n} error{'s' if n != 1 else ''}.")
        note = fix_available_note(diags, env)
        if note:
            lines.append(note)
    elif not env.fixes_applied:
        lines.append("All checks passed!")
    if env.hidden_note:
        lines.append(env.hidden_note)
    return "\n".join(lines) + "\n"


@register("concise")
def render_concise(diags: list[Diagnostic], env: ReportEnv) -> str:
    body = "".join(concise_line(d, env.unsafe_fixes) + "\n" for d in diags)
    return body + _summary(diags, env)


@register("full")
def render_full(diags: list[Diagnostic], env: ReportEnv) -> str:
    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=env.color, no_color=not env.color,
                      width=env.width or 100, highlight=False, soft_wrap=True)
    for d in diags:
        star = fix_marker(d, env.unsafe_fixes)
        head = Text()
        head.append(location(d), style="bold")
        head.append(": ")
        head.append(d.code, style="bold red")
        head.append(f" {star}{d.message}")
        console.print(head)
        src = frame_source(d, env)
        if src is not None:
            _frame(console, src, d)
        if d.fix is not None:
            console.print(Text(f"  = help: {d.fix.message}", style="cyan"))
            # Like ruff's hidden fixes: an unsafe fix is shown only when it would be applied.
            if src is not None and (d.fix.is_safe or env.unsafe_fixes):
                _fix_diff(console, src, d)
        console.print()
    out = buf.getvalue()
    return out + _summary(diags, env)


def frame_source(d: Diagnostic, env: ReportEnv):
    """The text the finding's lines index into: the file, or the notebook cell."""
    src = env.sources.get(d.path)
    if src is None or d.cell is None:
        return src
    from blaslint.integrations.notebook import cell_source

    return cell_source(src, d.cell)


def _frame(console, src, d: Diagnostic) -> None:
    from rich.text import Text

    first = max(1, d.line - 1)
    last = min(len(src.line_starts), d.end_line + 1)
    width = len(str(last))
    for ln in range(first, last + 1):
        text = src.line_text(ln)
        line = Text(f"{ln:>{width}} | ", style="blue")
        line.append(text)
        console.print(line)
        if d.line <= ln <= d.end_line:
            start = d.col if ln == d.line else 1
            end = d.end_col if ln == d.end_line else len(text) + 1
            if end <= start:
                end = start + 1
            console.print(Text(" " * width + " | " + " " * (start - 1) + "^" * (end - start), style="red"))


def _fix_diff(console, src, d: Diagnostic) -> None:
    import difflib

    from rich.text import Text

    fix = d.fix
    kind = "Safe fix" if fix.is_safe else "Unsafe fix"
    text = src.text
    out, pos = [], 0
    for e in sorted(fix.edits):
        out.append(text[pos:e.start])
        out.append(e.content)
        pos = e.end
    out.append(text[pos:])
    new = "".join(out)
    old_lines = text.splitlines()
    new_lines = new.splitlines()
    console.print(Text(f"  {kind}", style="italic"))
    for line in difflib.unified_diff(old_lines, new_lines, lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        style = "green" if line.startswith("+") else "red"
        console.print(Text("  " + line, style=style))
