"""BL501, per-iteration products: one product per iteration, inside any loop body.

The single-statement matcher (:mod:`_loopdots`) rewrites loops whose whole body
is the dot. Real loops do more (``pred[v] = S0 * np.exp(D @ params[v])``,
``delta = Y[i] - X[i].dot(mu)``): here each product node is judged on its own.
Its operands are classified relative to the innermost loop around it:

- *invariant*: reads nothing the loop changes;
- *item*: row ``i`` of an array the loop does not change (``X[i]``, ``X[i, :]``,
  ``X[:, j]``, ``X[i:i + 1]``, ``x`` of ``for x in X``, ``X[v]`` of
  ``for v in np.ndindex(...)``), directly or through a name bound to it;
- *fresh*: computed in this iteration from items, invariants and the loop's
  index (a name bound earlier in the body, never read before it is bound);
- anything else (a value carried from the previous iteration) stops the analysis.

An invariant times an item or fresh vector, in every iteration, is one row or
column of one product over the stacked items; two items of the same row index
are a row-wise dot or a batched product.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace

from blaslint.analysis.dims import is_full_slice, is_new_axis

from blaslint.analysis.facts import dimension_of
from blaslint.analysis.flow import path_conflicts
from blaslint.analysis.imports import dotted_name
from blaslint.rules._common import product_operands
from blaslint.rules.vectorize import _loopdots as ld
from blaslint.rules.vectorize._loop_view import BAD, COMPS, LoopView, _arrayish

INV, ITEM, FRESH, INDEX = "invariant", "item", "fresh", "index"
_SHAPED = tuple(f"numpy.{n}" for n in ("ones", "zeros", "empty", "full", "eye", "arange", "linspace",
                                        "random.", "tile", "repeat", "identity", "diag", "diagflat",
                                        "outer", "kron"))
_ELEMENTWISE = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_OP_TEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_MAX_DEPTH = 40


@dataclass
class Status:
    kind: str
    base: ast.AST | None = None     # the array an item is a row of
    axis: int = 0                   # which axis the loop index picks (0 rows, 1 columns)
    evidence: bool = False          # the base is known to be an array
    block: bool = False             # X[i:i + 1]: a 1-row block, not a vector
    text: str | None = None         # an item of an expression of arrays: ``(fX * delta)``
    rank: int | None = None         # the rank of the array the item is taken from
    window: bool = False            # a sliding window or an array shaped per iteration: not stackable
    transposed: bool = False        # ``X[i].T``: matters when the items are matrices
    index: str | None = None        # the loop name picking the item (``i`` of ``W[i]``)

    def source(self, ctx) -> str:
        return self.text if self.text is not None else ctx.text(self.base)

    def base_rank(self, ctx) -> int | None:
        return self.rank if self.base is None else ctx.array_facts(self.base).rank


class Classifier:
    def __init__(self, ctx, view: LoopView) -> None:
        self.ctx = ctx
        self.view = view
        self._memo: dict = {}

    def varying(self, node, strict: bool = False) -> bool:
        """Does ``node`` read anything the loop changes? (``self.X`` is judged by its whole path:
        a change to ``self.y`` does not change it.)"""
        v = self.view
        mutated = v.strict if strict else v.mutated
        covered: set = set()
        for n in ast.walk(node):
            if isinstance(n, ast.Attribute) and id(n) not in covered:
                p = dotted_name(n)
                if p:
                    if path_conflicts(p, mutated):
                        return True
                    covered.update(id(x) for x in ast.walk(n))
            elif isinstance(n, ast.Name) and id(n) not in covered \
                    and (n.id in mutated or path_conflicts(n.id, mutated)):
                return True
        return False

    def status(self, e, pos: list, depth: int = 0) -> Status:
        """What ``e`` is in one iteration, given the statements ``pos`` run before it (memoised:
        names bound to names bound to ... are judged once)."""
        key = (id(e), len(pos))
        cached = self._memo.get(key)
        if cached is None:
            cached = self._memo[key] = self._status(e, pos, depth)
        return cached

    def _status(self, e, pos: list, depth: int = 0) -> Status:
        if depth > _MAX_DEPTH:
            return Status(BAD)
        if not self.varying(e):
            if any(isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await, ast.NamedExpr, ast.Lambda, *COMPS))
                   for n in ast.walk(e)):
                return Status(BAD)
            return Status(INV)
        v = self.view
        if isinstance(e, ast.Name):
            if e.id in v.index or e.id in v.tuple_index:
                return Status(INDEX)
            r = v.reaching(e.id, pos) if v.body else None
            if r == BAD:
                return Status(BAD)
            if r is not None:
                s = self.status(r[0], r[1], depth + 1)
                return s if s.kind in (ITEM, BAD) else Status(FRESH, window=s.window)
            if e.id in v.aliases:
                base, _ = v.aliases[e.id]
                if self.varying(base):
                    return Status(BAD)
                return Status(ITEM, base, 0, _arrayish(self.ctx, base))
            return Status(BAD)
        if isinstance(e, ast.Subscript):
            return self._subscript(e, pos, depth)
        if isinstance(e, ast.Attribute):
            s = self.status(e.value, pos, depth + 1)
            if e.attr == "T" and s.kind == ITEM:
                return replace(s, transposed=not s.transposed)
            return Status(FRESH) if s.kind in (ITEM, FRESH) else s if s.kind == BAD else Status(FRESH)
        if isinstance(e, ast.IfExp):
            parts = [self.status(x, pos, depth + 1) for x in (e.test, e.body, e.orelse)]
            if any(p.kind == BAD for p in parts):
                return Status(BAD)
            return Status(FRESH)
        if isinstance(e, ast.BinOp) and isinstance(e.op, _ELEMENTWISE):
            derived = self._derived(e, pos, depth)
            if derived is not None:
                return derived
        if isinstance(e, (ast.BinOp, ast.UnaryOp, ast.Call, ast.Tuple, ast.List, ast.Compare, ast.BoolOp)):
            kids = [c for c in ast.iter_child_nodes(e) if isinstance(c, ast.expr)]
            if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and self.varying(e.func):
                return Status(BAD)
            for c in kids:
                if isinstance(e, ast.Call) and c is e.func and not isinstance(c, ast.Attribute):
                    continue
                if self.status(c, pos, depth + 1).kind == BAD:
                    return Status(BAD)
            window = False
            for c in kids:
                window |= self.status(c, pos, depth + 1).window
            for kw in getattr(e, "keywords", []):
                if self.status(kw.value, pos, depth + 1).kind == BAD:
                    return Status(BAD)
            if isinstance(e, ast.Call) and (self.ctx.resolve_call(e) or "").startswith(_SHAPED):
                window = True
            return Status(FRESH, window=window)
        if isinstance(e, ast.Constant):
            return Status(INV)
        return Status(BAD)

    def _derived(self, e, pos, depth) -> Status | None:
        """``X[i] - m``, ``fX[i, :] * delta[i, :]``: row ``i`` of ``X - m``, of ``fX * delta``."""
        ctx = self.ctx
        sides = [self.status(x, pos, depth + 1) for x in (e.left, e.right)]
        items = [s for s in sides if s.kind == ITEM]
        if not items or any(s.kind not in (ITEM, INV) for s in sides) or any(s.block for s in items):
            return None
        if len({s.axis for s in items}) != 1:
            return None
        axis = items[0].axis
        for x, s in zip((e.left, e.right), sides):
            if s.kind == INV:
                f = ctx.array_facts(x)
                scalar = isinstance(x, ast.Constant) or f.rank == 0
                if not (scalar or (axis == 0 and f.rank == 1)):
                    return None
        texts = [s.source(ctx) if s.kind == ITEM else ctx.text(x) for x, s in zip((e.left, e.right), sides)]
        ranks = [s.base_rank(ctx) for s in items]
        rank = ranks[0] if all(r == ranks[0] for r in ranks) else None
        op = _OP_TEXT[type(e.op)]
        return Status(ITEM, None, axis, any(s.evidence for s in items), text=f"({texts[0]} {op} {texts[1]})",
                      rank=rank)

    def _subscript(self, e, pos, depth) -> Status:
        v = self.view
        if self.varying(e.value):
            s = self.status(e.value, pos, depth + 1)
            if s.kind == BAD:
                return s
            if self.status(e.slice, pos, depth + 1).kind == BAD:
                return Status(BAD)
            return Status(FRESH)
        items = list(e.slice.elts) if isinstance(e.slice, ast.Tuple) else [e.slice]
        ctx = self.ctx
        picks = [k for k, it in enumerate(items) if isinstance(it, ast.Name) and (it.id in v.index)]
        if not picks and len(items) == 1 and isinstance(items[0], ast.Name) and items[0].id in v.pairs:
            return Status(ITEM, e.value, 0, _arrayish(ctx, e.value), index=items[0].id)
        if isinstance(e.slice, ast.Name) and e.slice.id in v.tuple_index:
            return Status(ITEM, e.value, 0, True)
        if len(items) == 1 and isinstance(items[0], ast.Slice) and _one_row(items[0], v.index):
            return Status(ITEM, e.value, 0, _arrayish(ctx, e.value), block=True)
        if len(picks) == 1 and all(k in picks or is_full_slice(it) for k, it in enumerate(items)):
            tuple_index = isinstance(e.slice, ast.Tuple)
            evidence = _arrayish(ctx, e.value) or tuple_index or self._bound_evidence(e.value)
            return Status(ITEM, e.value, picks[0], evidence, index=items[picks[0]].id)
        window = False
        for it in items:
            if self.status(it, pos, depth + 1).kind == BAD:
                return Status(BAD)
            window |= isinstance(it, ast.Slice) and self.varying(it)
        return Status(FRESH, window=window)

    def _bound_evidence(self, base) -> bool:
        for g in self.view.iters:
            it = g.iter
            if isinstance(it, ast.Call) and it.args:
                dim = dimension_of(self.ctx, it.args[-1] if len(it.args) <= 2 else it.args[1])
                if dim is not None and dim[2] and ld.same_expr(self.ctx, dim[0], base):
                    return True
        return False


def _one_row(sl: ast.Slice, index: set) -> bool:
    """``i:i + 1``."""
    lo, hi = sl.lower, sl.upper
    return isinstance(lo, ast.Name) and lo.id in index and sl.step is None and isinstance(hi, ast.BinOp) \
        and isinstance(hi.op, ast.Add) and isinstance(hi.left, ast.Name) and hi.left.id == lo.id \
        and isinstance(hi.right, ast.Constant) and hi.right.value == 1


def enclosing_loop(ctx, node):
    """The innermost loop (``for`` or comprehension) around ``node`` in the same function."""
    prev = node
    for anc in ctx.ancestors(node):
        if isinstance(anc, (ast.For, ast.AsyncFor)) and prev is not anc.iter and prev is not anc.target:
            return anc
        if isinstance(anc, COMPS):
            return anc
        if isinstance(anc, SCOPES):
            return None
        prev = anc
    return None


def operands(ctx, node):
    ops = product_operands(ctx, node)
    if ops is not None:
        return ops
    if isinstance(node, ast.Call) and not node.keywords and len(node.args) == 2:
        q = ctx.resolve_call(node) or ""
        if q.endswith((".dot", ".matmul")) and q.split(".")[0] not in ("numpy", "torch", "scipy"):
            return node.args[0], node.args[1]  # gs.dot / backend.matmul
    return None


def yields(loop) -> bool:
    """Does the loop body hand out results one at a time (``yield``)?"""
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(loop))


def is_column(ctx, expr, _unused=None) -> bool:
    """``v[:, None]``, ``v[:, np.newaxis]``, ``v.reshape(-1, 1)``, or a name bound once to one."""
    if isinstance(expr, ast.Name):
        b = ctx.reaching_binding(expr)
        if b is None or b.kind != "assign" or b.value is None:
            return False
        expr = b.value
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Tuple) and len(expr.slice.elts) == 2:
        a, c = expr.slice.elts
        none = is_new_axis(c)
        return is_full_slice(a) and none
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "reshape" \
            and len(expr.args) == 2 and isinstance(expr.args[1], ast.Constant) and expr.args[1].value == 1:
        return True
    return False
