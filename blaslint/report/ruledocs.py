"""Rule documentation: ``blaslint rule CODE`` and ``blaslint rules``.

The pages are the Markdown files of ``rules/`` in the source tree, shipped in
the wheel as ``blaslint/_pages`` (pyproject's force-include); an editable
install reads them from the source tree instead. In a terminal a page is
rendered with rich's Markdown, otherwise printed as plain Markdown text (like
``ruff rule``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from blaslint.core.diagnostics import TOOL_CODES

EXIT_CLEAN, EXIT_ERROR = 0, 2
FAMILIES = {
    "BL1": "layout and copies",
    "BL2": "writes that do nothing",
    "BL3": "work repeated every step",
    "BL4": "algebra",
    "BL5": "vectorization",
    "BL6": "dtypes",
    "BL9": "blaslint's own reports",
}
_SOURCE_PAGES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "rules")


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    summary: str
    fix: str            # "safe", "unsafe", "none" ("—" for the tool's own codes)
    is_tool_code: bool = False

    @property
    def family(self) -> str:
        return FAMILIES.get(self.code[:3], "")


def all_rules(include_tool_codes: bool = True) -> list[RuleInfo]:
    from blaslint.rules import all_rules as rule_classes  # importing the catalogue registers the rules

    out = [RuleInfo(c.code, c.name, c.summary, c.fix_safety) for c in rule_classes()]
    if include_tool_codes:
        out += [RuleInfo(code, name, summary, "safe" if code == "BL902" else "—", True)
                for code, (name, summary) in sorted(TOOL_CODES.items())]
    return sorted(out, key=lambda r: r.code)


def find_rule(query: str) -> RuleInfo | None:
    """A rule by code (any case) or by kebab-case name."""
    q = query.strip()
    for info in all_rules():
        if info.code == q.upper() or info.name == q.lower():
            return info
    return None


def page_path(code: str) -> Path | None:
    """The page file: packaged as ``blaslint/_pages`` in wheels, ``rules/`` in a source tree."""
    name = f"{code}.md"
    try:
        from importlib.resources import files

        packaged = files("blaslint") / "_pages" / name
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError, OSError):  # pragma: no cover
        pass
    in_tree = Path(_SOURCE_PAGES) / name
    return in_tree if in_tree.is_file() else None


def page_text(code: str) -> str | None:
    """The Markdown page of a rule, from the installed package or the source tree."""
    path = page_path(code)
    return path.read_text(encoding="utf-8") if path is not None else None


def rule_page(info: RuleInfo) -> str:
    """The page to show: the rule's own, or a generated one for BL9xx and page-less rules."""
    text = page_text(info.code)
    if text is not None:
        return text
    if info.is_tool_code:
        return (f"# {info.code} {info.name}\n\n## What it does\n{info.summary}.\n\n"
                "This is a report of blaslint about a file, not a rule about code: "
                + _TOOL_NOTES.get(info.code, "") + "\n")
    return f"# {info.code} {info.name}\n\n{info.summary}.\n\n**Fix:** {info.fix}\n"


_TOOL_NOTES = {
    "BL900": "the file is not valid Python for the running interpreter, so no rule could look at it. "
             "Fix the syntax error; the location points at it. `# noqa` cannot silence it.",
    "BL901": "the file could not be read or decoded (permissions, a broken symlink, a bad `# coding` line, "
             "NUL bytes). `# noqa` cannot silence it.",
    "BL902": "a `# noqa: BLxxx` comment lists a code that suppressed nothing on its line. Off by default; "
             "enable it with `--report-unused-noqa` or by selecting `BL902`. Its fix (safe) removes the "
             "unused codes. A blanket `# noqa` and other linters' codes are never reported.",
    "BL999": "blaslint itself failed on this file: this is a bug, please report it with the file. "
             "The other files are still linted; the exit code is 2.",
}


def page_sections(text: str) -> dict[str, str]:
    """``## Heading`` -> body of a Markdown page."""
    out: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        m = re.match(r"^##\s+(.*?)\s*$", line)
        if m:
            current = m.group(1)
            out[current] = ""
        elif current is not None:
            out[current] += line + "\n"
    return {k: v.strip() for k, v in out.items()}


# -- commands ---------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"blaslint: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def main_rule(argv: list[str]) -> int:
    p = _Parser(prog="blaslint rule", description="Explain a rule: print its page.")
    p.add_argument("code", nargs="?", help="a rule code (BL401) or name (inverse-times)")
    p.add_argument("--all", action="store_true", help="print every rule's page")
    p.add_argument("--output-format", choices=("text", "json"), default="text")
    args = p.parse_args(argv)
    if args.all == bool(args.code):
        p.error("give a rule code, or --all")
    if args.all:
        infos = all_rules()
    else:
        info = find_rule(args.code)
        if info is None:
            print(f"blaslint: error: unknown rule {args.code!r} (see `blaslint rules`)", file=sys.stderr)
            return EXIT_ERROR
        infos = [info]
    if args.output_format == "json":
        data = [_rule_json(i, with_page=True) for i in infos]
        print(json.dumps(data if args.all else data[0], indent=2, ensure_ascii=False))
        return EXIT_CLEAN
    _print_markdown("\n\n".join(rule_page(i).rstrip() for i in infos) + "\n")
    return EXIT_CLEAN


def main_rules(argv: list[str]) -> int:
    p = _Parser(prog="blaslint rules", description="List the rules: code, name, fix safety, summary.")
    p.add_argument("--output-format", choices=("text", "json"), default="text")
    p.add_argument("--markdown", action="store_true", help="a Markdown table (the README's)")
    args = p.parse_args(argv)
    infos = all_rules()
    if args.output_format == "json":
        print(json.dumps([_rule_json(i) for i in infos], indent=2, ensure_ascii=False))
    elif args.markdown:
        sys.stdout.write(markdown_table(infos))
    else:
        width = max(len(i.name) for i in infos)
        for i in infos:
            print(f"{i.code}  {i.name:<{width}}  {i.fix:<6}  {i.summary}")
    return EXIT_CLEAN


def markdown_table(infos: list[RuleInfo]) -> str:
    """The README's rule table; each rule's code links to its page (every rule has one)."""
    rows = ["| code | name | fix | what it flags |", "|---|---|---|---|"]
    for i in infos:
        code = i.code if i.is_tool_code else f"[{i.code}](rules/{i.code}.md)"
        summary = i.summary.replace("|", "\\|")
        rows.append(f"| {code} | {i.name} | {i.fix} | {summary} |")
    return "\n".join(rows) + "\n"


def _rule_json(info: RuleInfo, with_page: bool = False) -> dict:
    out = {"code": info.code, "name": info.name, "summary": info.summary, "fix": info.fix,
           "family": info.family}
    if with_page:
        out["explanation"] = rule_page(info)
    return out


def _print_markdown(text: str) -> None:
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console(no_color=bool(os.environ.get("NO_COLOR")) or None).print(Markdown(text))
    else:
        sys.stdout.write(text)
