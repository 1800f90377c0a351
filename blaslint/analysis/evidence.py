"""Where a fact came from: the kind of evidence and the line that said so.

Every :class:`~blaslint.analysis.facts.Facts` carries the evidence its rank
rests on, so that a message can name it ("`d` is 1-D (docstring, line 12)")
and a rule can tell firm facts (the code made or checked the array) from soft
ones (a docstring, a run observed by ``blaslint measure``) on which no fix may
rest. Evidence never takes part in comparing facts.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

# Strongest first. A source of a weaker kind never overrides a stronger one.
KINDS = ("creation", "flow", "usage", "guard", "annotation", "docstring", "attribute", "helper",
         "method", "call-site", "package-call", "attribute-some", "runtime")
# soft: a finding may rest on it, a fix never does (a docstring may lie, callers elsewhere may change,
# a subclass in another module may override a method, a run saw one input; "attribute-some": the
# assignments to ``self.P`` that can be read agree, others (``self.P = value[-1]``) cannot be read)
SOFT_KINDS = frozenset({"docstring", "method", "package-call", "attribute-some", "runtime"})
MAX_EVIDENCE = 4  # a long chain keeps its first few roots; messages name one or two


@dataclass(frozen=True)
class Evidence:
    kind: str     # one of KINDS
    line: int     # 1-based line in the file that said so
    detail: str   # a few words: "np.zeros((3, 3))", "X : ndarray of shape (n, m)"


def strength(kind: str) -> int:
    """0 for the strongest kind; unknown kinds sort last."""
    return KINDS.index(kind) if kind in KINDS else len(KINDS)


def merge(*groups) -> tuple:
    """Evidence of several operands, de-duplicated, strongest first, capped."""
    seen = []
    for group in groups:
        for ev in group:
            if ev not in seen:
                seen.append(ev)
    seen.sort(key=lambda e: strength(e.kind))
    return tuple(seen[:MAX_EVIDENCE])


def is_soft(evidence) -> bool:
    """Does a rank rest (in part) on soft evidence (a docstring, an observed run)?"""
    return any(e.kind in SOFT_KINDS for e in evidence)


_CREATION_NODES = (ast.Call, ast.List, ast.Tuple, ast.Constant, ast.ListComp)


def attach(ctx, expr: ast.AST, facts):
    """``facts`` of ``expr`` with evidence: its operands' evidence, else where it was made.

    Called once per expression by ``ctx.array_facts`` (results are cached).
    Facts that already carry evidence (a parameter's docstring) keep it; facts
    built from operands inherit theirs, so a docstring's softness flows on.
    """
    if facts.evidence or (facts.rank is None and facts.min_rank is None):
        return facts
    children = []
    if isinstance(expr, ast.Name):
        value = ctx.value_of(expr)
        if value is not None:
            children.append(value)
    else:
        children.extend(ast.iter_child_nodes(expr))
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            children.append(expr.func.value)  # the receiver of `A.sum(axis=0)` (a docstring's matrix)
    cache = ctx._facts_cache
    inherited = []
    for child in children:
        got = cache.get(id(child))
        if got is not None and got.evidence and got.rank != 0:
            inherited.append(got.evidence)  # an array operand's; a size (`np.zeros(n)`) is no source
    if inherited:
        ev = merge(*inherited)
    else:
        kind = "creation" if isinstance(expr, _CREATION_NODES) else "flow"
        line = getattr(expr, "lineno", 0)
        ev = (Evidence(kind, line, _short(ctx, expr)),)
    return facts.with_evidence(ev)


def _short(ctx, node) -> str:
    try:
        text = ctx.text(node)
    except Exception:  # a node made by a rule, without positions
        return ""
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."


_KIND_NAMES = {"attribute-some": "an attribute assignment whose others are unknown"}


def describe_facts(name: str, facts) -> str:
    """One phrase naming the facts and their strongest evidence: "`d` is 1-D (docstring, line 12)"."""
    if facts.rank is not None:
        what = "a scalar" if facts.rank == 0 else f"{facts.rank}-D"
        dims = [d for d in (facts.shape or ()) if d is not None]
        if facts.shape and dims and facts.rank:
            what += " of shape (" + ", ".join("?" if d is None else str(d) for d in facts.shape) + \
                ("," if facts.rank == 1 else "") + ")"
    elif facts.min_rank is not None:
        what = f"at least {facts.min_rank}-D"
    elif facts.dtype is not None or facts.lib is not None:
        what = "an array of unknown rank"
    else:
        return f"`{name}` is of unknown shape"
    if facts.dtype and facts.rank != 0:
        what += f" ({facts.dtype})"
    if not facts.evidence:
        return f"`{name}` is {what}"
    # the strongest source, and a soft one the claim also rests on (a docstring under a flow of code)
    shown = [facts.evidence[0]]
    soft = next((e for e in facts.evidence if e.kind in SOFT_KINDS), None)
    if soft is not None and soft is not shown[0]:
        shown.append(soft)
    parts = [f"{_KIND_NAMES.get(ev.kind, ev.kind)}, line {ev.line}" if ev.line
             else f"{ev.kind}: {ev.detail}" if ev.detail else ev.kind for ev in shown]
    more = len({(e.kind, e.line) for e in facts.evidence}) - len(shown)
    where = "; ".join(parts)
    if more > 0:
        where += f"; +{more} more"
    return f"`{name}` is {what} ({where})"


__all__ = ["Evidence", "KINDS", "SOFT_KINDS", "attach", "describe_facts", "is_soft", "merge", "strength"]
