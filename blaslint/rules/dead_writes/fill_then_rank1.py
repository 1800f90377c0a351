"""BL204 fill-then-rank1: the rule, its examples and its fix."""

from __future__ import annotations

from dataclasses import dataclass
import ast

from blaslint.analysis import cost as _cost
from blaslint.analysis import blas_writes
from blaslint.analysis.flow import mentions, next_mention
from blaslint.analysis.literals import numeric_value
from blaslint.core.rule import Invalid
from blaslint.rules._common import has_star_args, kwarg, paren, hot_loop_buffer_severity
from blaslint.rules.dead_writes._fills import (
    ZeroFill,
    _AfterZeroFill,
    _assigned_back,
    _buffer_path,
    _empty_edit,
    _full_slice_target,
    _reads_outside,
    _statement_call,
)


# -- BL204 -------------------------------------------------------------------------

@dataclass
class Rank1:
    """A rank-1 update of a buffer: ``x += alpha * np.outer(u, v)`` or ``?ger(alpha, u, v, a=x)``."""

    stmt: ast.stmt
    u: ast.AST
    v: ast.AST
    alpha: ast.AST | None   # None: 1
    sign: str               # "" or "-"
    lib: str                # "numpy" or "torch" (the outer's library) or "blas"
    call: ast.Call          # the outer / ger call
    replace_stmt: bool      # replace the whole statement (else only the call)
    fixable: bool


def _outer_call(ctx, node) -> tuple[ast.Call, str] | None:
    if isinstance(node, ast.Call) and len(node.args) == 2 and not node.keywords and not has_star_args(node):
        q = ctx.resolve_call(node)
        if q in ("numpy.outer", "numpy.multiply.outer"):
            return node, "numpy"
        if q in ("torch.outer", "torch.ger"):
            return node, "torch"
    return None


def _scaled_outer(ctx, value):
    """(outer call, lib, alpha or None) for ``np.outer(u, v)``, ``a * np.outer(u, v)``, ``np.outer(u, v) * a``."""
    hit = _outer_call(ctx, value)
    if hit:
        return hit[0], hit[1], None
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mult):
        for outer, alpha in ((value.right, value.left), (value.left, value.right)):
            hit = _outer_call(ctx, outer)
            if hit:
                return hit[0], hit[1], alpha
    return None


def rank1_update(ctx, stmt: ast.stmt, path: str) -> Rank1 | None:
    """``stmt`` as a rank-1 update into ``path``, if it is one."""
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, (ast.Add, ast.Sub)):
        target = stmt.target
        tpath = _buffer_path(ctx, target) if isinstance(target, (ast.Name, ast.Attribute)) \
            else _full_slice_target(ctx, target)
        hit = _scaled_outer(ctx, stmt.value)
        if tpath != path or hit is None or mentions(stmt.value, path):
            return None
        call, lib, alpha = hit
        sign = "-" if isinstance(stmt.op, ast.Sub) else ""
        fixable = lib == "numpy" and (alpha is None or _is_scalar(ctx, alpha))
        return Rank1(stmt, call.args[0], call.args[1], alpha, sign, lib, call, True, fixable)
    call = _statement_call(stmt)
    bound = blas_writes.bound_call(ctx, call) if call is not None else None
    if bound is None or bound.routine.base not in blas_writes.RANK1_UPDATES:
        return None
    base = bound.routine.base
    buf = bound.args.get("a")
    if buf is None or _buffer_path(ctx, buf) != path or _reads_outside(ctx, call, path, buf):
        return None
    if blas_writes.number(ctx, bound, "incx") != 1 or blas_writes.number(ctx, bound, "incy") != 1:
        return None
    alpha, u, v = (bound.args.get(p) for p in ("alpha", "x", "y"))
    if u is None or v is None or alpha is None:
        return None
    in_place = blas_writes.writes_in_place(ctx, bound, "a")
    slice_back = isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
        and _full_slice_target(ctx, stmt.targets[0]) == path
    if isinstance(stmt, ast.Assign) and not (slice_back or _assigned_back(ctx, stmt, call, path)):
        return None
    if not (in_place or slice_back or _assigned_back(ctx, stmt, call, path)):
        return None  # the update lands in a copy (BL202/BL203), not in the buffer
    facts = ctx.array_facts(buf)
    fixable = base in ("ger", "geru") and (in_place or slice_back) \
        and facts.dtype == bound.routine.dtype and facts.rank == 2
    if numeric_value(ctx, alpha) == 1:
        alpha = None
    return Rank1(stmt, u, v, alpha, "", "blas", call, slice_back or not _assigned_back(ctx, stmt, call, path)
                 and isinstance(stmt, ast.Expr), fixable)


def _is_scalar(ctx, node) -> bool:
    return numeric_value(ctx, node) is not None or ctx.array_facts(node).rank == 0


def accumulates_into(ctx, stmt: ast.stmt, path: str) -> bool:
    """Another accumulating write into ``path`` (``x += ...``, ``ger(..., a=x)``, ``np.add(x, .., out=x)``)."""
    for node in ast.walk(stmt):
        if isinstance(node, ast.AugAssign):
            t = node.target
            while isinstance(t, ast.Subscript):
                t = t.value
            if _buffer_path(ctx, t) == path:
                return True
        if isinstance(node, ast.Call):
            bound = blas_writes.bound_call(ctx, node)
            for param in (bound.routine.written if bound is not None else ()):
                buf = bound.args.get(param)
                if buf is not None and _buffer_path(ctx, buf) == path:
                    return True
            out = kwarg(node, "out")
            if out is not None and _buffer_path(ctx, out) == path and _reads_outside(ctx, node, path, out):
                return True
    return False


class FillThenRank1(_AfterZeroFill):
    """A zero-fill whose only use is to start a single rank-1 update.

    ``x.fill(0)`` then ``sger(alpha, u, v, a=x, overwrite_a=1)`` (or
    ``x += np.outer(u, v)``) walks the buffer twice: once to write zeros,
    once to read them back and add the outer product. ``np.outer(u, v, out=x)``
    writes the result in one pass. A fill before several accumulating writes
    (a sum of outer products, a loop of ``ger`` calls) is not flagged.
    """

    code = "BL204"
    name = "fill-then-rank1"
    summary = "Zero-fill followed by a single rank-1 update: write the outer product directly"
    fix_safety = "unsafe"
    triggers = ("fill", "zero", "[:", "[...")

    VALID = [
        # several accumulating writes: a sum of outer products
        "import numpy as np\ndef f(G, u, v, p, q):\n    G.fill(0)\n    G += np.outer(u, v)\n    G += np.outer(p, q)\n",
        # a loop of ger calls
        "import numpy as np\nfrom scipy.linalg.blas import dger\n"
        "def f(G, us, vs):\n    G.fill(0)\n    for u, v in zip(us, vs):\n        dger(1.0, u, v, a=G, overwrite_a=1)\n",
        # the buffer is read before the update
        "import numpy as np\ndef f(G, u, v):\n    G.fill(0)\n    print(G)\n    G += np.outer(u, v)\n",
        # a non-zero fill
        "import numpy as np\ndef f(G, u, v):\n    G.fill(1)\n    G += np.outer(u, v)\n",
        # elementwise, not an outer product
        "import numpy as np\ndef f(G, u):\n    G.fill(0)\n    G += u * u\n",
    ]
    INVALID = [
        Invalid("import numpy as np\ndef f(G, u, v):\n    G.fill(0)\n    G += np.outer(u, v)\n    return G\n",
                "import numpy as np\ndef f(G, u, v):\n    np.outer(u, v, out=G)\n    return G\n", unsafe=True),
        Invalid("import numpy as np\nfrom scipy.linalg.blas import sger\n"
                "dW = np.zeros((4, 3), dtype=np.float32, order='F')\n"
                "def step(e, h):\n    dW.fill(0)\n    sger(0.5, e, h, a=dW, overwrite_a=1)\n",
                "import numpy as np\nfrom scipy.linalg.blas import sger\n"
                "dW = np.zeros((4, 3), dtype=np.float32, order='F')\n"
                "def step(e, h):\n    np.outer(0.5 * e, h, out=dW)\n", unsafe=True),
        Invalid("import numpy as np\ndef f(u, v, n, m):\n    G = np.zeros((n, m))\n    G += np.outer(u, v)\n    return G\n",
                "import numpy as np\ndef f(u, v, n, m):\n    G = np.empty((n, m))\n    np.outer(u, v, out=G)\n    return G\n",
                unsafe=True),
        Invalid("import torch\ndef f(G, u, v):\n    G.zero_()\n    G += torch.outer(u, v)\n"),
    ]

    def after_fill(self, stmt: ast.stmt, fill: ZeroFill, update_stmt: ast.stmt) -> None:
        ctx = self.ctx
        upd = rank1_update(ctx, update_stmt, fill.path)
        if upd is None:
            return
        after = next_mention(ctx, update_stmt, fill.path)
        if after is not None and accumulates_into(ctx, after[1], fill.path):
            return  # a sum of several rank-1 updates: a matrix product, not this rule
        fix = self._fix(fill, upd)
        what = "rank-1 update" if upd.lib != "blas" else f"`{ctx.text(upd.call.func)}` rank-1 update"
        msg = (f"`{fill.path}` is zeroed only to receive a single {what} ({ctx.line_ref(upd.stmt)}): write "
               f"the outer product straight into it with `outer(u, v, out={fill.path})` "
               f"(one pass over the buffer instead of two; 1.5x at 2048x32768)")
        buffer = fill.call if fill.call is not None else fill.node
        if fill.kind != "alloc" and isinstance(fill.stmt, ast.Expr):
            buffer = fill.stmt.value.func.value
        elif fill.kind != "alloc":
            buffer = fill.stmt.targets[0].value
        self.report(fill.node, msg, fix, cost=_cost.zero_fill(ctx, fill.node, ctx.array_facts(buffer)),
                    severity=hot_loop_buffer_severity(ctx, fill.node, ctx.array_facts(buffer)) or "info")

    def _fix(self, fill: ZeroFill, upd: Rank1):
        ctx = self.ctx
        if not upd.fixable:
            return None
        outer = ctx.spell("numpy.outer") if upd.lib == "blas" else ctx.spell_like(upd.call.func, "outer", "numpy.outer")
        if outer is None:
            return None
        u = paren(ctx, upd.u, 12)
        if upd.alpha is not None:
            u = f"{paren(ctx, upd.alpha, 12)} * {paren(ctx, upd.u, 13)}"
        if upd.sign:
            u = f"-({u})" if upd.alpha is not None else f"-{paren(ctx, upd.u, 13)}"
        new = f"{outer}({u}, {ctx.text(upd.v)}, out={fill.path})"
        edits = [self.replace(upd.stmt if upd.replace_stmt else upd.call, new)]
        if fill.kind == "alloc":
            edit = _empty_edit(self, fill.call)
            if edit is None:
                return None
            edits.append(edit)
        else:
            edits.append(self.delete_statement(fill.stmt))
        return self.make_fix(f"Write the outer product with `{outer}(..., out={fill.path})`", *edits, safe=False)
