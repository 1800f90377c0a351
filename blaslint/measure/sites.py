"""From findings to sites: which node to time, its operands, and whether its fix may be timed.

A site is the node a finding points at, widened to its call when the finding
points at one argument (``sgemv(1.0, W1, ...)``: the call is what costs). It
is timed as an expression when it is one (in load context), as a statement
when the finding points at a simple statement, and as a whole loop (through
its iterable) when it points at a ``for``. Anything else is reported, not
instrumented.

A finding's fix is timed ("replay") only when all its edits fall inside the
timed expression and neither the original nor the fixed text can write
(``replay.static_check``); a fix that deletes exactly the flagged statement
saves that statement's time ("deleted"); any other fix is "rejected" with the
reason.
"""

from __future__ import annotations

import ast
import bisect
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import ExpressionContext, ExpressionContextProvider, MetadataWrapper, ParentNodeProvider, \
    PositionProvider

from blaslint.measure import replay as replay_mod
from blaslint.measure.findings import FileFindings

NOT_TIMED_STATEMENTS = (cst.Return, cst.Raise, cst.Break, cst.Continue, cst.Pass, cst.Global, cst.Nonlocal,
                        cst.Import, cst.ImportFrom)


@dataclass
class Finding:
    code: str
    name: str
    message: str
    line: int
    col: int
    fix: str            # "replay" | "deleted" | "rejected" | "none"
    fix_reason: str = ""
    fix_message: str = ""
    original: str = ""
    fixed: str = ""


@dataclass
class Site:
    id: int
    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    kind: str | None            # "expr" | "stmt" | "loop" | None (not instrumented)
    reason: str = ""            # why not instrumented
    text: str = ""              # the timed code
    function: str = "<module>"  # qualified name of the enclosing function
    operands: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    node: object = None         # the libcst node (parent side only)

    def plan(self) -> dict:
        """What the child needs: no libcst, no findings' prose."""
        return {"id": self.id, "kind": self.kind, "operands": self.operands, "params": self.params,
                "replay": [{"finding": i, "original": f.original, "fixed": f.fixed}
                           for i, f in enumerate(self.findings) if f.fix == "replay"]}


class _Lines:
    def __init__(self, text: str) -> None:
        self.starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.starts.append(i + 1)

    def offset(self, line: int, col0: int) -> int:
        return self.starts[line - 1] + col0

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def find_sites(ff: FileFindings, first_id: int = 0) -> tuple[list[Site], cst.Module | None, MetadataWrapper | None]:
    """The sites of one file (findings on the same node share a site)."""
    try:
        wrapper = MetadataWrapper(cst.parse_module(ff.text), unsafe_skip_copy=True)
    except cst.ParserSyntaxError:
        return [], None, None
    pos = wrapper.resolve(PositionProvider)
    parents = wrapper.resolve(ParentNodeProvider)
    ctx = wrapper.resolve(ExpressionContextProvider)
    by_start: dict[tuple[int, int], list] = {}
    for node, r in pos.items():
        if isinstance(node, (cst.BaseExpression, cst.BaseSmallStatement, cst.For)):
            by_start.setdefault((r.start.line, r.start.column), []).append((node, r))
    lines = _Lines(ff.text)
    functions = _functions(ff.text)
    sites: dict[int, Site] = {}
    out: list[Site] = []
    for d in ff.diagnostics:
        node, kind, reason = _timed_node(d, by_start, parents, ctx, pos)
        key = id(node) if node is not None else -len(out) - 1
        site = sites.get(key)
        if site is None:
            if node is not None:
                r = pos[node]
                start, end = lines.offset(r.start.line, r.start.column), lines.offset(r.end.line, r.end.column)
                text = ff.text[start:end]
                line, col, end_line, end_col = r.start.line, r.start.column + 1, r.end.line, r.end.column + 1
            else:
                text, line, col, end_line, end_col = "", d.line, d.col, d.end_line, d.end_col
            site = Site(first_id + len(out), ff.path, line, col, end_line, end_col, kind, reason, node=node)
            if node is not None:
                if kind == "loop":
                    site.text = ff.text[lines.offset(pos[node.iter].start.line, pos[node.iter].start.column):
                                        lines.offset(pos[node.iter].end.line, pos[node.iter].end.column)]
                else:
                    site.text = text
                fn = _enclosing(functions, line)
                if fn is not None:
                    site.function = fn["qualname"]
            sites[key] = site
            out.append(site)
        site.findings.append(_classify(d, site, node, kind, pos, lines, ff.text, parents))
    for site in out:
        if site.kind is None:
            continue
        texts = [site.text] + [f.fixed for f in site.findings if f.fix == "replay"]
        site.operands = operands(texts)
        fn = _enclosing(functions, site.line)
        if fn is not None:
            site.params = [p for p in fn["params"] if p in site.operands and p not in fn["assigned"]]
    return out, wrapper.module, wrapper


def _timed_node(d, by_start, parents, ctx, pos):
    """(node, kind, reason): the node to time for a finding."""
    cands = by_start.get((d.line, d.col - 1), [])
    exact = [(n, r) for n, r in cands if (r.end.line, r.end.column) == (d.end_line, d.end_col - 1)]
    if not exact:
        bigger = [(n, r) for n, r in cands if (r.end.line, r.end.column) >= (d.end_line, d.end_col - 1)]
        exact = sorted(bigger, key=lambda nr: (nr[1].end.line, nr[1].end.column))[:1]
    if not exact:
        return None, None, "could not locate the flagged code"
    exprs = [n for n, _ in exact if isinstance(n, cst.BaseExpression)]
    stmts = [n for n, _ in exact if isinstance(n, cst.BaseSmallStatement)]
    loops = [n for n, _ in exact if isinstance(n, cst.For)]
    if exprs:
        node = exprs[-1]  # the outermost of equal ranges (a Call over its Attribute)
        for n in exprs:
            if isinstance(parents.get(n), cst.Expr) or n is exprs[-1]:
                node = n
        node = _widen(node, parents)
        why = _expr_problem(node, parents, ctx)
        if why is None:
            return node, "expr", ""
        stmt = _statement_of(node, parents)
        if stmt is not None and not isinstance(stmt, NOT_TIMED_STATEMENTS):
            return stmt, "stmt", ""
        return None, None, why
    if stmts:
        stmt = stmts[0]
        if isinstance(stmt, NOT_TIMED_STATEMENTS):
            return None, None, f"a {type(stmt).__name__.lower()} statement"
        return stmt, "stmt", ""
    if loops:
        if loops[0].asynchronous is not None:
            return None, None, "an async for loop"
        return loops[0], "loop", ""
    return None, None, "a compound statement other than a for loop"


def _widen(node, parents):
    """An argument (name, attribute, subscript) widens to the call it is passed to."""
    if isinstance(node, (cst.Name, cst.Attribute, cst.Subscript)):
        parent = parents.get(node)
        if isinstance(parent, cst.Arg):
            call = parents.get(parent)
            if isinstance(call, cst.Call):
                return call
    return node


def _expr_problem(node, parents, ctx) -> str | None:
    if ctx.get(node) in (ExpressionContext.STORE, ExpressionContext.DEL):
        return "an assignment target"
    if isinstance(node, (cst.GeneratorExp, cst.Lambda)) or isinstance(node, cst.Yield):
        return f"a {type(node).__name__} (timing it would time nothing)"
    p, child = parents.get(node), node
    while p is not None:
        if isinstance(p, cst.Annotation):
            return "an annotation"
        if isinstance(p, (cst.AssignTarget, cst.Del)) or (isinstance(p, (cst.AugAssign, cst.AnnAssign))
                                                            and p.target is child):
            return "inside an assignment target"
        if isinstance(p, cst.BaseSmallStatement) or isinstance(p, cst.BaseCompoundStatement):
            return None
        child, p = p, parents.get(p)
    return None


def _statement_of(node, parents):
    p = parents.get(node)
    while p is not None and not isinstance(p, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
        p = parents.get(p)
    return p if isinstance(p, cst.BaseSmallStatement) else None


def _classify(d, site: Site, node, kind, pos, lines: _Lines, text: str, parents) -> Finding:
    f = Finding(d.code, d.name, d.message, d.line, d.col, "none")
    if d.fix is None:
        f.fix_reason = "no fix offered"
        return f
    f.fix_message = d.fix.message
    edits = sorted(d.fix.edits)
    if node is None:
        f.fix, f.fix_reason = "rejected", "the site is not instrumented"
        return f
    r = pos[node]
    ns, ne = lines.offset(r.start.line, r.start.column), lines.offset(r.end.line, r.end.column)
    if kind == "expr" and all(ns <= e.start and e.end <= ne for e in edits):
        fixed = text[ns:ne]
        for e in reversed(edits):
            fixed = fixed[:e.start - ns] + e.content + fixed[e.end - ns:]
        original = text[ns:ne]
        why = replay_mod.static_check(original) or replay_mod.static_check(fixed)
        if why:
            f.fix, f.fix_reason = "rejected", why
        else:
            f.fix, f.original, f.fixed = "replay", original, fixed
        return f
    stmt = node if kind == "stmt" else _statement_of(node, parents) if kind == "expr" else None
    if stmt is not None and len(edits) == 1 and edits[0].content == "":
        sr = pos[stmt]
        s0 = lines.offset(sr.start.line, 0)
        s1 = lines.starts[sr.end.line] if sr.end.line < len(lines.starts) else len(text)
        e = edits[0]
        line_stmts = parents.get(stmt)
        alone = isinstance(line_stmts, cst.SimpleStatementLine) and len(line_stmts.body) == 1
        if alone and e.start == s0 and e.end == s1:
            f.fix, f.fix_reason = "deleted", "the fix deletes the statement: saving = its time"
            return f
    outside = [e for e in edits if not (ns <= e.start and e.end <= ne)]
    if outside:
        f.fix, f.fix_reason = "rejected", f"the fix also edits line {lines.line_of(outside[0].start)} (outside the timed code)"
    else:
        f.fix, f.fix_reason = "rejected", "the fix rewrites a statement, not an expression"
    return f


def operands(texts: list[str]) -> list[str]:
    """Free names and attribute chains (``self.W``) read by the expressions, in first-seen order."""
    seen: dict[str, None] = {}
    for text in texts:
        try:
            tree = ast.parse("(\n" + text + "\n)", mode="eval")
        except SyntaxError:
            try:
                tree = ast.parse(text)
            except SyntaxError:
                continue
        bound = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.comprehension):
                bound |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
            elif isinstance(node, ast.Lambda):
                bound |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
            elif isinstance(node, ast.NamedExpr):
                bound.add(node.target.id)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound:
                seen.setdefault(node.id, None)
            elif isinstance(node, ast.Attribute):
                chain = replay_mod._dotted(node)
                if chain and chain.split(".")[0] not in bound:
                    parts = chain.split(".")
                    for i in range(2, len(parts) + 1):
                        seen.setdefault(".".join(parts[:i]), None)
    return list(seen)


def _functions(text: str) -> list[dict]:
    """Functions with their body lines, qualified name (like ``co_qualname``), parameters and rebound names."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    out = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                q = prefix + child.name
                a = child.args
                params = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
                assigned = set()
                for n in ast.walk(child):
                    if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
                        assigned.add(n.id)
                first = child.body[0].lineno if child.body else child.lineno
                out.append({"qualname": q, "start": first, "end": child.end_lineno, "params": params,
                            "assigned": assigned})
                visit(child, q + ".<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)
    visit(tree, "")
    return out


def _enclosing(functions: list[dict], line: int) -> dict | None:
    best = None
    for fn in functions:
        if fn["start"] <= line <= fn["end"] and (best is None or fn["start"] >= best["start"]):
            best = fn
    return best
