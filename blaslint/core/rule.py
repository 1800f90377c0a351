"""The Rule base class: a rule reads as its own specification.

Like Fixit's rules, a blaslint rule is a class whose docstring is its summary,
whose ``VALID`` and ``INVALID`` examples are its tests, and whose ``visit_<Node>``
methods (stdlib ``ast`` node names) call :meth:`Rule.report`. The engine knows
no rule; it finds them through :data:`REGISTRY`, filled by subclassing when
:mod:`blaslint.rules` is imported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import ClassVar

from blaslint.analysis.context import FileContext
from blaslint.core.diagnostics import Applicability, Edit, Fix

REGISTRY: dict[str, type["Rule"]] = {}


@dataclass(frozen=True)
class Invalid:
    """An example the rule must flag; ``fixed`` is the expected code after its fix."""

    code: str
    fixed: str | None = None
    count: int = 1          # how many findings of this rule the example must give
    unsafe: bool = False    # the expected fix is unsafe (applied with --unsafe-fixes)


@dataclass
class Report:
    node: ast.AST
    message: str
    fix: Fix | None = None
    rule: "Rule | None" = None
    # optional explicit span (character offsets) instead of the node's
    span: tuple[int, int] | None = None
    extra: dict = field(default_factory=dict)
    cost: object = None               # blaslint.analysis.cost.Cost
    severity: str | None = None       # explicit; else the engine derives it from the cost


class Rule:
    """Base class. Subclasses set the class attributes and define ``visit_*``."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    # "safe", "unsafe" or "none": the strongest fix the rule offers.
    fix_safety: ClassVar[str] = "none"
    # Substrings of which at least one must occur in a file for the rule to
    # possibly fire (a conservative prefilter: never too narrow).
    triggers: ClassVar[tuple[str, ...]] = ()
    VALID: ClassVar[list[str]] = []
    INVALID: ClassVar[list[Invalid]] = []

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if cls.code:
            if cls.code in REGISTRY and REGISTRY[cls.code] is not cls:
                raise ValueError(f"duplicate rule code {cls.code}")
            REGISTRY[cls.code] = cls

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.reports: list[Report] = []

    @classmethod
    def node_types(cls) -> dict[str, str]:
        """ast node class name -> method name, from the visit_* methods."""
        return {attr[6:]: attr for attr in dir(cls) if attr.startswith("visit_")}

    # -- reporting --------------------------------------------------------
    def report(self, node: ast.AST, message: str, fix: Fix | None = None,
               span: tuple[int, int] | None = None, cost=None, severity: str | None = None) -> None:
        """A finding at ``node``; ``cost`` (from :mod:`blaslint.analysis.cost`) lets the
        engine tell negligible findings apart; ``severity`` overrides the derived one."""
        self.reports.append(Report(node, message, fix, self, span, cost=cost, severity=severity))

    def finish(self) -> None:
        """Called once after the traversal, for rules that need the whole file."""

    # -- fix helpers ------------------------------------------------------
    def replace(self, node: ast.AST, new_text: str) -> Edit:
        start, end = self.ctx.span(node)
        return Edit(start, end, new_text)

    def replace_span(self, start: int, end: int, new_text: str) -> Edit:
        return Edit(start, end, new_text)

    def delete_statement(self, stmt: ast.stmt) -> Edit:
        """Remove a whole simple statement line (or replace with ``pass`` if alone in its block)."""
        src = self.ctx.source
        start, end = self.ctx.span(stmt)
        text = src.text
        starts = src.line_starts
        first_line = src.position(start)[0]
        last_line = src.position(end)[0]
        line_start = starts[first_line - 1]
        next_line_start = starts[last_line] if last_line < len(starts) else len(text)
        only_ws_before = text[line_start:start].strip() == ""
        rest = text[end:next_line_start].strip()
        parent = self.ctx.parent(stmt)
        siblings = None
        for fld in ("body", "orelse", "finalbody"):
            lst = getattr(parent, fld, None)
            if isinstance(lst, list) and any(s is stmt for s in lst):
                siblings = lst
        if siblings is not None and len(siblings) == 1:
            return Edit(start, end, "pass")
        if only_ws_before and (rest in ("", ";") or rest.startswith("#")):
            # the whole line goes, with the comment that describes the deleted statement
            return Edit(line_start, next_line_start, "")
        # `a; b` on one line: remove the statement, its separator and the blanks after it
        after = text[end:next_line_start]
        stripped = after.lstrip(" \t")
        if stripped.startswith(";"):
            tail = stripped[1:]
            skip = len(after) - len(stripped) + 1 + (len(tail) - len(tail.lstrip(" \t")))
            return Edit(start, end + skip, "")
        return Edit(start, end, "pass")

    def make_fix(self, message: str, *edits: Edit, safe: bool = True) -> Fix:
        return Fix(message, tuple(edits), Applicability.SAFE if safe else Applicability.UNSAFE)

    # -- documentation ----------------------------------------------------
    @classmethod
    def doc(cls) -> str:
        return (cls.__doc__ or "").strip()


def rule_classes(codes=None) -> list[type[Rule]]:
    """The registered rule classes (of ``codes``, or all), by code.

    The registry fills when :mod:`blaslint.rules` is imported, by whoever calls
    the engine (runner, language server, ``blaslint.rules.all_rules``); this
    module never imports the catalogue.
    """
    if not REGISTRY:
        raise RuntimeError("no rule is registered: import blaslint.rules before linting")
    items = sorted(REGISTRY.items())
    return [cls for code, cls in items if codes is None or code in codes]
