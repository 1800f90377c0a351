"""BL501 loop-of-dots, continued: the exact rewrites (single-level matrix-vector loops and
comprehensions, scalar dots), as a mixin of :class:`~blaslint.rules.vectorize.loop_of_dots.LoopOfDots`."""

from __future__ import annotations

import ast

from blaslint.analysis.facts import dimension_of, int_value
from blaslint.rules._common import paren
from blaslint.rules.vectorize import _loopdots as ld


class LoopFixes:
    """The fixes of BL501 (each offered only where the rewrite is exact in form)."""

    # -- fixes ------------------------------------------------------------------
    def _simple_matvec(self, m: ld.Match) -> str | None:
        """`A @ x` (or `A.T @ x`) when the single-level dot is exact in that form."""
        ctx = self.ctx
        if m.kind != "matvec" or m.form not in ("call", "mulsum") or len(m.levels) != 1:
            return None
        idx, inv = m.left, m.right
        if idx.base is None or inv.base is not None:
            return None
        if m.form == "call" and isinstance(m.call, ast.Call) and ctx.resolve_call(m.call) in (
                "numpy.inner", "torch.inner", "torch.dot"):
            return None
        fa, fx = ctx.array_facts(idx.base), ctx.array_facts(inv.expr)
        if fa.rank != 2 or fx.rank != 1 or fa.lib not in ("numpy", "torch"):
            return None
        if fx.lib not in (fa.lib, None):
            return None
        level = m.levels[0]
        var = level.var
        pos = idx.items.index(var)
        if pos not in (0, 1) or (len(idx.items) == 2 and idx.items[1 - pos] != ":"):
            return None
        # the loop must cover exactly that axis
        if level.iterated is not None:
            if pos != 0 or not ld.same_expr(ctx, level.iterated, idx.base):
                return None
        else:
            dim = dimension_of(ctx, level.bound)
            if dim is None or dim[1] != pos or not ld.same_expr(ctx, dim[0], idx.base):
                if not self._bound_matches_shape(level.bound, fa, pos):
                    return None
        base = paren(ctx, idx.base, 15) + (".T" if pos == 1 else "") if pos == 1 else paren(ctx, idx.base, 12)
        return f"{base} @ {paren(ctx, inv.expr, 13)}"

    def _bound_matches_shape(self, bound, facts, axis) -> bool:
        if facts.shape is None or axis >= len(facts.shape) or facts.shape[axis] is None:
            return False
        dim = facts.shape[axis]
        return self.ctx.text(bound) == str(dim) or (isinstance(dim, int) and int_value(self.ctx, bound) == dim)

    def _stack_fix(self, stacker: ast.Call, m: ld.Match):
        ctx = self.ctx
        if len(stacker.args) != 1 or stacker.keywords:
            return None
        q = ctx.resolve_call(stacker)
        lib = ctx.array_facts(m.left.base).lib if m.left.base is not None else None
        if (q, lib) not in (("numpy.array", "numpy"), ("numpy.asarray", "numpy"), ("torch.stack", "torch")):
            return None
        new = self._simple_matvec(m)
        if new is None:
            return None
        return self.make_fix(f"Replace with `{new}`", self.replace(stacker, new), safe=False)

    def _loop_fix(self, node: ast.For, m: ld.Match, target):
        ctx = self.ctx
        new = self._simple_matvec(m)
        if new is None or not isinstance(target, ast.Subscript) or not isinstance(node.body[0], ast.Assign):
            return None
        if ld.same_expr(ctx, target.value, m.left.base):
            return None
        ft = ctx.array_facts(target.value)
        if ft.rank != 1 or ft.lib != ctx.array_facts(m.left.base).lib:
            return None
        if self._loop_names_used_after(node):
            return None
        level = m.levels[0]
        y = paren(ctx, target.value, 15)
        if level.iterated is None and self._bound_matches_shape(level.bound, ft, 0):
            lhs = f"{y}[:]"
        else:
            bound = ctx.text(level.bound) if level.iterated is None else f"len({ctx.text(level.iterated)})"
            lhs = f"{y}[:{bound}]"
        return self.make_fix(f"Replace the loop with `{lhs} = {new}`", self.replace(node, f"{lhs} = {new}"),
                             safe=False)

    def _loop_names_used_after(self, node: ast.For) -> bool:
        ctx = self.ctx
        bound = ld._names(node.target)
        scope = ctx.scope_of(node)
        for name in bound:
            for load in scope.loads.get(name, []):
                if not any(a is node for a in ctx.ancestors(load)):
                    return True
        return False

    def _scalar_dot_fix(self, call: ast.Call, m: ld.Match):
        ctx = self.ctx
        if m.kind != "dot":
            return None
        a, b = m.left.base, m.right.base
        fa, fb = ctx.array_facts(a), ctx.array_facts(b)
        if fa.rank != 1 or fb.rank != 1 or fa.lib != "numpy" or fb.lib != "numpy":
            return None
        if m.left.items != (m.contracted,) or m.right.items != (m.contracted,):
            return None
        level = m.levels[0]
        if level.iterated is None:
            dim = dimension_of(ctx, level.bound)
            if dim is None or dim[1] != 0 or not (ld.same_expr(ctx, dim[0], a) or ld.same_expr(ctx, dim[0], b)):
                return None
            if fa.shape and fb.shape and fa.shape != fb.shape:
                return None
        elif not (fa.shape and fb.shape and fa.shape == fb.shape and fa.shape[0] is not None):
            return None
        new = f"{paren(ctx, a, 12)} @ {paren(ctx, b, 13)}"
        return self.make_fix(f"Replace with `{new}`", self.replace(call, new), safe=False)
