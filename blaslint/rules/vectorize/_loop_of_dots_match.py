"""BL501 loop-of-dots, continued: which loop statements it rewrites and the evidence it needs.

A mixin of :class:`~blaslint.rules.vectorize.loop_of_dots.LoopOfDots`, kept in
its own module so that the rule's module stays short; its methods use the
rule's ``ctx`` and ``_bias_tail``.
"""

from __future__ import annotations

import ast

from blaslint.rules._common import is_number
from blaslint.rules.vectorize import _loopdots as ld


class LoopMatch:
    """The statement matcher and the evidence test of BL501."""

    def _match_statement(self, stmt, levels):
        """(match, target) for the one statement of the innermost loop body."""
        an = ld.Analyzer(self.ctx, levels)
        all_vars = an.vars
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "append" \
                and isinstance(stmt.value.func.value, ast.Name) and len(stmt.value.args) == 1 \
                and len(levels) == 1:
            m = an.match_dot(stmt.value.args[0])
            target = stmt.value.func.value
            if m is None or target.id in ld._names(stmt.value.args[0]):
                return None, None
            return m, target
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
            augmented = False
            if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add) \
                    and ld.same_expr(self.ctx, value.left, target):
                value, augmented = value.right, True
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Add):
            target, value, augmented = stmt.target, stmt.value, True
        else:
            return None, None
        m = an.match_dot(value)
        if m is None and not augmented:
            m = an.match_reduction(value)
        if m is None and not augmented and isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
            # out[i] = feats[i] @ W + b: the rows of feats @ W + b (reported without a fix)
            loop_vars = {lv.var for lv in levels}
            for dot, bias in ((value.left, value.right), (value.right, value.left)):
                if _plain_operand(bias) and not (ld._names(bias) & loop_vars):
                    m = an.match_dot(dot)
                    if m is not None:
                        self._bias_tail.add(id(stmt))
                        break
        if m is None and augmented:
            for k in all_vars:
                m = an.match_product(value, k)
                if m is None and len(levels) > 1 and k not in ld._names(target):
                    m = ld.match_factors(self.ctx, levels, value, k, getattr(self, "_guard", None))
                if m is not None:
                    break
        if m is None:
            return None, None
        out_vars = {lv.var for lv in m.levels} - {m.contracted}
        if not self._target_ok(target, out_vars, value):
            return None, None
        return m, target

    def _target_ok(self, target, out_vars, value) -> bool:
        if isinstance(target, ast.Name):
            return not out_vars and target.id not in ld._names(value)
        if not isinstance(target, ast.Subscript):
            return False
        items = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
        base = target.value
        if isinstance(base, ast.Subscript) and not isinstance(base.slice, ast.Tuple):  # C[i][j]
            items = [base.slice, *items]
            base = base.value
        names = [i.id for i in items if isinstance(i, ast.Name)]
        if len(names) != len(items) or set(names) != out_vars or len(names) != len(out_vars):
            return False
        base_names = ld._names(base)
        return not (base_names & ld._names(value)) and not (base_names & out_vars)

    # -- evidence ---------------------------------------------------------------
    def _worth_it(self, m: ld.Match, region, target=None, stacked=False) -> bool:
        ctx = self.ctx
        if any(ld.trip_count_small(ctx, lv) for lv in m.levels):
            return False
        if m.form == "nfactor":
            # scalar slots of a known array, one per output index
            f = ctx.array_facts(target.value if isinstance(target, ast.Subscript) else target)
            return f.rank == len(m.levels) - 1 and f.lib in ("numpy", "torch")
        for op in (m.left, m.right):
            if not ld.operand_not_scalar(ctx, op):
                return False
            if op.base is None:
                f = ctx.array_facts(op.expr)
                if f.rank is not None and f.rank > 2:
                    return False
        # the result lands in array slots (or is stacked into one array): the rows are vectors
        slots = False
        if m.form in ("call", "mulsum"):
            if stacked:
                slots = True
            elif isinstance(target, ast.Subscript):
                base = target.value.value if isinstance(target.value, ast.Subscript) else target.value
                f = ctx.array_facts(base)
                slots = f.rank is not None and f.lib in ("numpy", "torch") and f.rank == len(m.levels)
        indexed = [op for op in (m.left, m.right) if op.base is not None]
        evidence = [slots or ld.base_is_array(ctx, op, m.levels) for op in indexed]
        if m.form == "reduce":
            # every factor a scalar: `frac[i] * mD[i]` with mD a stack of matrices is a weighted sum of
            # matrices (tensordot), not a dot
            for op in (m.left, m.right):
                f = ctx.array_facts(op.base) if op.base is not None else None
                low = None if f is None else f.rank if f.rank is not None else f.min_rank
                if low is not None and low > len(op.items):  # `X[t]` of an X read as `X.shape[1]`: a row
                    return False
            # a vector factor (x[k]) may be any sequence once the other factor is an array, unless the
            # sequence is seen holding arrays (`ww = [w.T @ w for ...]`: a weighted sum of matrices)
            ok = any(evidence) and all(e or len(op.items) == 1 and not holds_arrays(ctx, op.base)
                                       for e, op in zip(evidence, indexed))
        else:
            ok = all(evidence)
        if not ok:
            return False
        loop = region if isinstance(region, ast.For) else None
        if loop is not None:
            for op in (m.left, m.right):
                expr = op.base if op.base is not None else op.expr
                if not ctx.is_loop_invariant(expr, loop):
                    return False
        return True


def _plain_operand(node) -> bool:
    """A bias term: names, attributes, subscripts and numbers only (no calls, no side effects)."""
    return all(isinstance(n, (ast.Name, ast.Attribute, ast.Subscript, ast.Constant, ast.Load, ast.Slice,
                              ast.Tuple, ast.UnaryOp, ast.unaryop, ast.expr_context))
               for n in ast.walk(node))


def holds_arrays(ctx, base) -> bool:
    """A name bound in its scope to a list of arrays (``[w.T @ w for m in ...]``, ``[a, b]`` of arrays) or
    whose items are assigned arrays (``ww[m] = w.T @ w``)."""
    if not isinstance(base, ast.Name):
        return False
    scope_node = ctx.scope_node_of(base)

    def array_valued(expr) -> bool:  # `w.T @ w + d * c`: a sum with a matrix product in it
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub)):
            return array_valued(expr.left) or array_valued(expr.right)
        return isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.MatMult) \
            or (ctx.array_facts(expr).rank or 0) >= 1

    for b in ctx.scope(scope_node).bindings.get(base.id) or []:
        v = b.value
        if isinstance(v, (ast.ListComp, ast.GeneratorExp)) and array_valued(v.elt) \
                or isinstance(v, (ast.List, ast.Tuple)) and any(array_valued(e) for e in v.elts):
            return True
    for n in ast.walk(scope_node):
        if isinstance(n, ast.Assign) and any(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
                                             and t.value.id == base.id for t in n.targets) and array_valued(n.value):
            return True
        # `V = []` filled by `V.append((1.0 / normr) * R)` (pyamg's Krylov basis of sparse matrices, held-out
        # set 22): whatever is appended and not known to be a number may be a matrix
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "append" \
                and isinstance(n.func.value, ast.Name) and n.func.value.id == base.id and len(n.args) == 1 \
                and not is_number(ctx, n.args[0]):
            return True
    return False
