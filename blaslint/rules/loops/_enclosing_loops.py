"""Helpers shared by the loops rules."""

from __future__ import annotations

import ast

from blaslint.analysis.flow import leaves_loop
from blaslint.analysis.scopes import COMPREHENSION_TYPES, LOOP_TYPES, SCOPE_TYPES


# Nodes between a node and its loop that make it run only sometimes.
_CONDITIONAL = (ast.If, ast.IfExp, ast.BoolOp, ast.ExceptHandler, ast.match_case) \
    if hasattr(ast, "match_case") else (ast.If, ast.IfExp, ast.BoolOp, ast.ExceptHandler)


def loops_around(ctx, node: ast.AST) -> list[ast.AST]:
    """Loops (for/while/comprehension) around ``node`` in its scope, innermost first.

    Stops at a conditional (``if``, ``and``/``or``, ``x if c else y``, an
    ``except``): what it guards may run only once.
    """
    return _loops(ctx, node, through_ifs=False)


def _loop_line(loop: ast.AST, line_ref=lambda n: f"line {n}") -> str:
    kind = {ast.While: "`while` loop"}.get(type(loop), "loop" if isinstance(loop, LOOP_TYPES) else "comprehension")
    return f"the {kind} at {line_ref(loop.lineno)}"


def loops_through_branches(ctx, node: ast.AST) -> list[ast.AST]:
    """Like :func:`loops_around`, but looking through ``if`` blocks (and ``x if c else y``) that
    run on many iterations: only a branch that runs at most once stops the walk (one that leaves
    the loop with ``break``/``return``/``raise``, a lazy initialisation ``if buf is None: buf = ...``,
    a first/last-iteration test ``if i == 0``). ``and``/``or`` and ``except`` still stop it.
    """
    return _loops(ctx, node, through_ifs=True)


def _loops(ctx, node: ast.AST, through_ifs: bool) -> list[ast.AST]:
    out = []
    child = node
    for anc in ctx.ancestors(node):
        if isinstance(anc, SCOPE_TYPES):
            break
        if through_ifs and isinstance(anc, (ast.If, ast.IfExp)):
            if child is not anc.test and _runs_once(ctx, anc, child):
                break
        elif isinstance(anc, _CONDITIONAL):
            break
        if isinstance(anc, (ast.For, ast.AsyncFor)) and child is not anc.iter and child not in anc.orelse:
            out.append(anc)
        elif isinstance(anc, ast.While) and child not in anc.orelse and child is not anc.test:
            out.append(anc)
        elif isinstance(anc, COMPREHENSION_TYPES) and child is not anc.generators[0].iter:
            out.append(anc)
        elif isinstance(anc, ast.comprehension) and child in anc.ifs:
            break
        child = anc
    return out


def _runs_once(ctx, branch: ast.AST, child: ast.AST) -> bool:
    """Does the branch of ``branch`` holding ``child`` run on at most one iteration?"""
    test = branch.test
    if isinstance(branch, ast.If):
        block = branch.body if child in branch.body else branch.orelse
        # the branch leaves the loop: it runs once
        if any(leaves_loop(stmt) for stmt in block):
            return True
        # lazy initialisation: the branch assigns a name its test reads
        tested = {n.id for n in ast.walk(test) if isinstance(n, ast.Name)}
        for stmt in block:
            for n in ast.walk(stmt):
                if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load) and n.id in tested:
                    return True
        in_else = child in branch.orelse
    else:
        in_else = child is branch.orelse
    # `if i == 0`, `if it is last`: one iteration (the else branch runs on all the others)
    return not in_else and _tests_changing_equality(ctx, branch, test)


def _tests_changing_equality(ctx, branch: ast.AST, test: ast.AST) -> bool:
    """``a == b`` / ``a is b`` (alone or in an ``and``) on a name the enclosing loop changes."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_tests_changing_equality(ctx, branch, v) for v in test.values)
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.Is))):
        return False
    loop = next((a for a in ctx.ancestors(branch) if isinstance(a, (*LOOP_TYPES, *COMPREHENSION_TYPES))), None)
    if loop is None:
        return True
    changed = {n.id for n in ast.walk(loop) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    return any(isinstance(n, ast.Name) and n.id in changed for n in ast.walk(test))


_CLOCKS = {"time", "perf_counter", "perf_counter_ns", "monotonic", "process_time", "now", "default_timer",
           "time_ns", "utcnow"}


def timed_loop(ctx, loop: ast.AST) -> bool:
    """Is ``loop`` a timing loop (a clock read in the statement right before it and right after it)?

    ``t0 = datetime.now(); for _ in range(T): a.dot(b); dt = datetime.now() - t0`` repeats
    the work on purpose: hoisting it would make the measurement meaningless.
    """
    par = ctx.parent(loop)
    for field in ("body", "orelse", "finalbody"):
        block = getattr(par, field, None)
        if isinstance(block, list) and any(s is loop for s in block):
            i = next(k for k, s in enumerate(block) if s is loop)
            # the clock read may sit above a few argument checks (`if n < 1: raise ...`)
            before, after = block[max(i - 4, 0):i], block[i + 1:i + 3]
            return _reads_clock(before) and _reads_clock(after)
    return False


def _reads_clock(stmts) -> bool:
    for stmt in stmts:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Call):
                f = n.func
                name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
                if name in _CLOCKS:
                    return True
    return False
