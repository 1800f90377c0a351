"""Hypothesis strategies for fuzzing blaslint, and the property every input must satisfy.

Inputs: programs from hypothesmith (grammar- and libcst-node-based), and the
rule examples and fixture programs mutated the way real code differs from
them -- identifiers renamed, the body re-nested in a function, loop, branch,
``with`` or ``try``, statements inserted (rebindings, in-place writes, ``del``,
calls) at any statement boundary. The property (:func:`assert_never_crashes`):
no exception and no BL999 out of the real pipeline, every fix re-parses, and
fixing the fixed code changes nothing.
"""

from __future__ import annotations

import ast
import io
import keyword
import os
import textwrap
import tokenize
from functools import lru_cache

from hypothesis import assume
from hypothesis import strategies as st

from blaslint.project.config import Settings
from blaslint.core.fix import check_parses
from blaslint.rules import all_rules as rule_classes
from blaslint.core.runner import RunOptions, check_text
from blaslint.core.source import SourceText

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETTINGS = Settings()
OPTIONS = RunOptions(fix=True, unsafe_fixes=True, diff=True)


def assert_never_crashes(code: str) -> None:
    """The real pipeline (lint, suppressions, fixes to a fixpoint) on ``code``."""
    result = check_text(SourceText(code), "fuzz.py", SETTINGS, OPTIONS)
    assert not result.errors, "\n".join(result.errors)
    assert not [d for d in result.diagnostics if d.code == "BL999"], result.diagnostics
    if result.fixed_text is None:
        return
    ast.parse(result.fixed_text)
    check_parses(result.fixed_text, original=code)
    again = check_text(SourceText(result.fixed_text), "fuzz.py", SETTINGS, OPTIONS)
    assert not again.errors, "\n".join(again.errors)
    assert again.fixed_text is None, f"fixing twice changed the code:\n{result.fixed_text}\n---\n{again.fixed_text}"


# -- seeds -------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def seed_programs() -> tuple[str, ...]:
    """Every rule example (valid and invalid) and every fixture program, in a stable order."""
    out = []
    for cls in rule_classes():
        out += [textwrap.dedent(c) for c in cls.VALID]
        out += [textwrap.dedent(ex.code) for ex in cls.INVALID]
    for dirpath, dirnames, files in sorted(os.walk(os.path.join(ROOT, "fixtures"))):
        dirnames.sort()
        for f in sorted(files):
            if f.endswith(".py"):
                with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                    out.append(fh.read())
    return tuple(c for c in out if _parses(c))


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


# -- mutations ---------------------------------------------------------------------------

IDENTIFIER = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,7}", fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s) and not keyword.issoftkeyword(s))

HEADERS = [
    ("def _fuzz_f(A, B, x, y, n):", ""),
    ("def _fuzz_g(*args, **kwargs):", ""),
    ("async def _fuzz_h(A, x):", ""),
    ("for _fuzz_i in range(3):", ""),
    ("while _fuzz_flag:", ""),
    ("if _fuzz_flag:", "else:\n    pass\n"),
    ("with _fuzz_ctx() as _fuzz_c:", ""),
    ("try:", "except Exception:\n    pass\n"),
    ("class _FuzzC:", ""),
]

STATEMENTS = [
    "{a} = {b}", "{a} = {a}.T", "{a}[:] = 0", "del {a}", "{a} = np.zeros(({b}, {b}))",
    "print({a})", "{a} += 1", "{a} = None", "for {a} in range(3): pass", "{a} = np.linalg.inv({b}) @ {a}",
    "import numpy as np", "np = None", "{a}, {b} = {b}, {a}", "{a} = {b} @ {b}.T", "{a}.fill(0)",
    "{a} = np.empty_like({b})", "{a} = [{b} for {b} in {a}]", "{a} = lambda {b}: {b} @ {a}",
    "if {a}: {b} = {a}", "global {a}", "{a}[0, :] = {b}[:, 0]", "{a} = {b}.copy()", "{a} = torch.mm({a}, {b})",
]


def names_in(code: str) -> list[str]:
    return sorted({n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)})


def rename(code: str, old: str, new: str) -> str:
    """Every NAME token ``old`` becomes ``new`` (strings and comments untouched)."""
    lines = code.splitlines(keepends=True)
    edits = [tok.start for tok in tokenize.generate_tokens(io.StringIO(code).readline)
             if tok.type == tokenize.NAME and tok.string == old]
    for row, col in reversed(edits):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[col + len(old):]
    return "".join(lines)


def _first_line(stmt: ast.stmt) -> int:
    decorators = getattr(stmt, "decorator_list", None) or []
    return min([stmt.lineno, *(d.lineno for d in decorators)])


def nest(code: str, header: str, footer: str) -> str:
    """The statements after the leading imports (and docstring), indented under ``header``."""
    tree = ast.parse(code)
    body = tree.body
    k = 0
    while k < len(body) and (isinstance(body[k], (ast.Import, ast.ImportFrom))
                             or k == 0 and isinstance(body[k], ast.Expr)):
        k += 1
    lines = code.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    split = _first_line(body[k]) - 1 if k < len(body) else len(lines)
    inner = "".join("    " + line if line.strip() else line for line in lines[split:]) or "    pass\n"
    if not inner.strip():
        inner = "    pass\n"
    return "".join(lines[:split]) + header + "\n" + inner + footer


def insertion_points(code: str) -> list[tuple[int, str]]:
    """(0-based line, indentation) before every statement that starts its own line."""
    lines = code.splitlines(keepends=True)
    points = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.stmt):
            row = _first_line(node) - 1
            prefix = lines[row][:node.col_offset] if row < len(lines) else ""
            if prefix.strip() == "" and len(prefix) == len(lines[row]) - len(lines[row].lstrip()):
                points.append((row, prefix))
    return sorted(set(points))


def insert(code: str, row: int, indent: str, statement: str) -> str:
    lines = code.splitlines(keepends=True)
    lines.insert(row, indent + statement + "\n")
    return "".join(lines)


@st.composite
def mutated_programs(draw, max_mutations: int = 4) -> str:
    code = draw(st.sampled_from(seed_programs()))
    for _ in range(draw(st.integers(0, max_mutations))):
        kind = draw(st.sampled_from(["rename", "nest", "insert", "insert"]))
        names = names_in(code)
        if kind == "rename" and names:
            code = rename(code, draw(st.sampled_from(names)), draw(IDENTIFIER))
        elif kind == "nest":
            header, footer = draw(st.sampled_from(HEADERS))
            code = nest(code, header, footer)
        elif kind == "insert":
            points = insertion_points(code)
            if points:
                row, indent = draw(st.sampled_from(points))
                pool = names or ["x"]
                stmt = draw(st.sampled_from(STATEMENTS)).format(a=draw(st.sampled_from(pool)),
                                                                  b=draw(st.sampled_from(pool)))
                code = insert(code, row, indent, stmt)
        assume(_parses(code))
    return code
