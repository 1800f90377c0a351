"""``acc += w[t] * X[t]``: a weighted sum of rows in a Python loop, one vector-matrix product
``w @ X``; which side holds the weights when neither says so (``covs[i] * ns[i]``)."""

from __future__ import annotations

import ast

from blaslint.analysis import cost as _cost
from blaslint.rules._common import in_assertion
from blaslint.rules.vectorize import _loop_products as lp
from blaslint.rules.vectorize._outer_acc import accumulation, reads_elsewhere, target_ok


class ScaledRows:
    """``acc += w[t] * X[t]`` (also ``gamma[t, j, k] * x[t]``) into one slot: a weighted sum of rows,
    one vector-matrix product ``w @ X``."""

    def _scaled_rows(self, stmt) -> None:
        ctx = self.ctx
        acc = accumulation(ctx, stmt)
        if acc is None or not (isinstance(acc[1], ast.BinOp) and isinstance(acc[1].op, ast.Mult)):
            return
        target, inc = acc
        loop = lp.enclosing_loop(ctx, stmt)
        if not isinstance(loop, ast.For) or in_assertion(ctx, stmt):
            return
        view, cl = self._loop_view(loop)
        pos = view.position(stmt)
        if pos is None or self._few_trips(view) or not target_ok(ctx, loop, target, stmt) \
                or reads_elsewhere(ctx, loop, target, stmt):
            return
        for w, x in ((inc.left, inc.right), (inc.right, inc.left)):
            sx = cl.status(x, pos)
            if sx.kind != lp.ITEM or sx.axis != 0 or sx.block or sx.transposed:
                continue
            if sx.base is not None and cl.varying(sx.base, strict=True):
                continue
            wvec = _weight_column(ctx, cl, view, w)
            if wvec is None or _swapped(ctx, w, sx.base):
                continue
            X = sx.source(ctx)
            for sub in ast.walk(stmt):
                self._claimed.add(id(sub))
            cost = _cost.loop_of_dots(ctx, stmt, loop, ctx.array_facts(w), ctx.array_facts(x), "dot")
            if _roles_unknown(ctx, w, sx.base):
                # `covs[i] * ns[i]`: which side holds a scalar per item nothing says; contracting the
                # loop's axis of both is right either way (a list of matrices weighted by counts)
                self.report(stmt, f"a weighted sum over the items of `{ctx.text(w.value)}` and `{X}`, one pair "
                                  f"per iteration of the Python loop: `np.tensordot({ctx.text(w.value)}, {X}, "
                                  f"axes=(0, 0))` (one product contracting the loop's axis) when one of them holds "
                                  f"a scalar per item (over the items the loop visits)", None, cost=cost)
                return
            self.report(stmt, f"a weighted sum of the rows of `{X}`, one row per iteration of the Python loop: "
                              f"`{wvec} @ {X}` (one vector-matrix product) when the weights are scalars, "
                              f"`({wvec}[:, None] * {X}).sum(0)` otherwise (over the rows the loop visits)", None,
                        cost=cost)
            return


def _low_rank(ctx, expr):
    f = ctx.array_facts(expr)
    return f.rank if f.rank is not None else f.min_rank


def _swapped(ctx, w, rows) -> bool:
    """``X[t] * w[t]`` read the other way round: the weights' array has 2+ axes, or the rows' only one."""
    if isinstance(w.slice, ast.Tuple):
        return False
    low = _low_rank(ctx, w.value)
    return low is not None and low >= 2 or rows is not None and ctx.array_facts(rows).rank == 1


def _roles_unknown(ctx, w, rows) -> bool:
    """``a[t] * b[t]`` with nothing saying which holds the weights: ``a`` is not known 1-D, nor ``b`` 2-D
    or more (``covs[i] * ns[i]`` weights a list of matrices by a list of counts: `covs @ ns` is wrong)."""
    if isinstance(w.slice, ast.Tuple):
        return False  # `gamma[t, j, k]`: picked on every axis named, the weight side by its form
    low = _low_rank(ctx, rows) if rows is not None else None
    return ctx.array_facts(w.value).rank != 1 and not (low is not None and low >= 2)


def _weight_column(ctx, cl, view, w):
    """``w[:, j, k]`` for ``w[t, j, k]``: the loop's index in one place, invariants elsewhere."""
    if not isinstance(w, ast.Subscript) or cl.varying(w.value, strict=True):
        return None
    items = list(w.slice.elts) if isinstance(w.slice, ast.Tuple) else [w.slice]
    out, hits = [], 0
    for it in items:
        if isinstance(it, ast.Name) and it.id in view.index:
            out.append(":")
            hits += 1
        elif isinstance(it, (ast.Name, ast.Constant)) and not cl.varying(it):
            out.append(ctx.text(it))
        else:
            return None
    if hits != 1:
        return None
    return ctx.text(w.value) if len(out) == 1 else f"{ctx.text(w.value)}[{', '.join(out)}]"
