"""BL201 zero-fill-before-overwrite: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis import blas_writes
from blaslint.analysis import cost as _cost
from blaslint.analysis.flow import is_pure_call, mentions
from blaslint.core.rule import Invalid
from blaslint.rules._common import ZERO_CREATORS, facts_note, has_star_args, hot_loop_buffer_severity, kwarg
from blaslint.rules.dead_writes._blocks import blocks_write_all
from blaslint.rules.dead_writes._covers import like_shape, loop_writes_all, sequence_writes_all
from blaslint.rules.dead_writes._block_loops import block_loop_writes_all
from blaslint.rules.dead_writes._recurrence import head_then_loop_writes_all
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


_LIBRARIES = ("numpy", "torch", "scipy")


def _targets_ok(ctx, stmt, path) -> bool:
    """Assignment targets of a writing call: none, or plain names/paths (``x = f(..., out=x)``)."""
    if isinstance(stmt, ast.Expr):
        return True
    return all(isinstance(t, (ast.Name, ast.Attribute)) and (_buffer_path(ctx, t) == path or not mentions(t, path))
               for t in stmt.targets)


def full_overwrite(ctx, stmt: ast.stmt, path: str, kind: str) -> str | None:
    """How ``stmt`` replaces every element of ``path`` without reading it (a short phrase), else None."""
    # x[:] = expr
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        if _full_slice_target(ctx, stmt.targets[0]) == path and not mentions(stmt.value, path):
            return f"`{ctx.text(stmt.targets[0])} = ...`"
    call = _statement_call(stmt)
    if call is None or has_star_args(call) or not _targets_ok(ctx, stmt, path):
        return None
    q = ctx.resolve_call(call) or ""
    # np.copyto(x, src) / x.copy_(src)
    if q == "numpy.copyto" and len(call.args) == 2 and kwarg(call, "where") is None \
            and _buffer_path(ctx, call.args[0]) == path and not _reads_outside(ctx, call, path, call.args[0]):
        return "`np.copyto`"
    if not q and isinstance(call.func, ast.Attribute) and call.func.attr == "copy_" and len(call.args) == 1 \
            and _buffer_path(ctx, call.func.value) == path and not mentions(call.args[0], path):
        return "`.copy_()`"
    # f(..., out=x): a library function writes all of out
    out = kwarg(call, "out")
    if isinstance(out, ast.Tuple) and len(out.elts) == 1:
        out = out.elts[0]
    if out is not None and q.split(".")[0] in _LIBRARIES and not q.endswith(".at") and not _checks_only(q) \
            and kwarg(call, "where") is None and _buffer_path(ctx, out) == path \
            and not _reads_outside(ctx, call, path, out):
        return f"`{ctx.text(call.func)}(..., out={path})`"
    # BLAS product with beta=0 into the buffer
    bound = blas_writes.bound_call(ctx, call)
    if bound is not None and bound.routine.base in blas_writes.BETA_PRODUCTS:
        param = blas_writes.BETA_PRODUCTS[bound.routine.base]
        buf = bound.args.get(param)
        if buf is None or _buffer_path(ctx, buf) != path or _reads_outside(ctx, call, path, buf):
            return None
        if blas_writes.number(ctx, bound, "beta") != 0 or not blas_writes.output_covered(ctx, bound):
            return None
        if blas_writes.writes_in_place(ctx, bound, param) \
                or (kind == "alloc" and _assigned_back(ctx, stmt, call, path)):
            return f"`{ctx.text(call.func)}` with beta=0"
    return None


def _checks_only(qualname: str) -> bool:
    """Testing helpers (``numpy.testing.assert_raises(f, ..., out=x)``) pass ``out=`` on, maybe never writing it."""
    return ".testing" in qualname or "assert" in qualname.rsplit(".", 1)[-1].lower()


def rebinds(ctx, stmt: ast.stmt, path: str) -> bool:
    """``x = expr`` not reading ``x``: the old value is dropped unread."""
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
        and isinstance(stmt.targets[0], (ast.Name, ast.Attribute)) \
        and _buffer_path(ctx, stmt.targets[0]) == path and not mentions(stmt.value, path)


class ZeroFillBeforeOverwrite(_AfterZeroFill):
    """A zero-fill that the next write to the buffer replaces entirely.

    ``x.fill(0)`` (or ``x[:] = 0``, ``x.zero_()``, ``x = np.zeros(...)``)
    followed, with nothing reading ``x`` in between, by a write that replaces
    every element of ``x`` without reading it: ``x[:] = expr``, ``f(..., out=x)``,
    ``np.copyto(x, y)``, a BLAS product with ``beta=0`` writing ``x`` in place,
    a loop ``for i in range(n): x[i] = ...`` covering ``x``, or (for
    ``np.zeros``) rebinding the name. The zeros are never read: the fill is a
    wasted pass over the buffer.
    """

    code = "BL201"
    name = "zero-fill-before-overwrite"
    summary = "Zero-fill of a buffer that is overwritten before it is read"
    fix_safety = "safe"
    triggers = ("fill", "zero", "[:", "[...", "ones", "full")

    VALID = [
        # `0:n - 1` stops short of the axis: the last row keeps its zeros
        "import numpy as np\ndef f(n, ny, Y):\n    py = np.zeros((n, ny))\n    for i in range(ny):\n"
        "        py[0:n - 1, i] = Y[:, i]\n    return py\n",
        # the loop may not run: the zeros are what the function returns then
        "import numpy as np\ndef f(K, T, g):\n    w = np.zeros(K)\n    for t in range(T):\n        w = g(t)\n    return w\n",
        # an augmented update reads the zeros; an np.empty rebound writes nothing (no fill to save)
        "import numpy as np\ndef f(K, xs):\n    w = np.zeros(K)\n    for x in xs:\n        w += x\n        w = w * 2\n    return w\n",
        "import numpy as np\ndef f(K, T, D):\n    mus = np.empty((K, T, D))\n    mus = []\n    return mus\n",
        # a testing helper forwards out= to the function it checks (which may raise and never write)
        "import numpy as np\nfrom numpy.testing import assert_raises_regex\ndef test(f, x):\n"
        "    out = np.zeros(3)\n    assert_raises_regex(ValueError, 'bad', f, x, out=out)\n    return out\n",
        # realistic-corpus follow-ups (names rebound in loops, sizes, Python scalars, ...)
        'import numpy as np\nfrom scipy.linalg.blas import dgemv\nN, M = 64, 32\nA = np.asfortranarray(np.ones((N, M)))\ny = np.zeros(M)\ndef f(x):\n    y.fill(0.0)\n    dgemv(1.0, A, x, beta=0.0, y=y, overwrite_y=1)\n    return y\n',
        "import numpy as np\nfrom scipy.linalg.blas import dgemv\nN = 64\nA = np.ones((N, N), order='F')\ny = np.zeros(N)\ndef f(x):\n    y.fill(0.0)\n    dgemv(1.0, A, x, beta=1.0, y=y, overwrite_y=1)\n    return y\n",
        "import numpy as np\nfrom scipy.linalg.blas import dgemv\nN = 64\nA = np.ones((N, N), order='F')\ny = np.zeros(N + 1)\ndef f(x):\n    y.fill(0.0)\n    dgemv(1.0, A, x, beta=0.0, y=y, overwrite_y=1)\n    return y\n",
        "import numpy as np\nfrom scipy.linalg.blas import dgemv\nN = 64\nA = np.ones((N, N), order='F')\ny = np.zeros(N)\ndef f(x):\n    y.fill(0.0)\n    s = y.sum()\n    dgemv(1.0, A, x, beta=0.0, y=y, overwrite_y=1)\n    return y, s\n",
        "import numpy as np\nfrom scipy.linalg.blas import dgemv\nN = 64\nA = np.ones((N, N), order='F')\ny = np.zeros(N, dtype=np.float32)\ndef f(x):\n    y.fill(0.0)\n    dgemv(1.0, A, x, beta=0.0, y=y, overwrite_y=1)\n    return y\n",
        "import numpy as np\nfrom scipy.linalg.blas import dgemv\nN = 64\nA = np.ones((N, N), order='F')\ny = np.zeros(N)\ndef f(x):\n    y.fill(0.0)\n    dgemv(1.0, A, x, beta=0.0, y=y, offy=1, overwrite_y=1)\n    return y\n",
        # accumulating write: the zeros are read
        "import numpy as np\ndef f(A, x, y):\n    y.fill(0)\n    y += A @ x\n    return y\n",
        # BLAS with beta != 0 reads y
        "import numpy as np\nfrom scipy.linalg.blas import sgemv\n"
        "A = np.ones((4, 3), dtype=np.float32)\ny = np.zeros(4, dtype=np.float32)\n"
        "y.fill(0)\nsgemv(1.0, A, np.ones(3, dtype=np.float32), beta=1.0, y=y, overwrite_y=1)\n",
        # a read in between
        "import numpy as np\ndef f(A, x, y):\n    y.fill(0)\n    print(y.sum())\n    np.dot(A, x, out=y)\n",
        # the overwrite is conditional
        "import numpy as np\ndef f(A, x, y, c):\n    y.fill(0)\n    if c:\n        np.dot(A, x, out=y)\n    return y\n",
        # a partial write
        "import numpy as np\ndef f(y, v):\n    y[:] = 0\n    y[:3] = v\n    return y\n",
        # np.add(x, ..., out=x) reads x
        "import numpy as np\ndef f(y, a):\n    y.fill(0)\n    np.add(y, a, out=y)\n    return y\n",
        # a non-zero fill is not this rule
        "import numpy as np\ndef f(y, a):\n    y.fill(1)\n    y[:] = a\n",
        # zeros read before being rebound
        "import numpy as np\ndef f(W, X, G):\n    dW = np.zeros_like(W)\n    dW = dW + X.T @ G\n    return dW\n",
        # the buffer escapes to an unknown call in between
        "import numpy as np\ndef f(y, a, log):\n    y.fill(0)\n    log(y)\n    np.multiply(a, 2, out=y)\n",
        # BLAS with a float64 buffer to sgemv: the write lands in a copy, y keeps its zeros
        "import numpy as np\nfrom scipy.linalg.blas import sgemv\nA = np.ones((4, 3), dtype=np.float32)\n"
        "y = np.empty(4)\ny.fill(0)\nsgemv(1.0, A, np.ones(3, dtype=np.float32), beta=0.0, y=y, overwrite_y=1)\n",
    ]
    INVALID = [
        # dead stores: a filled array nothing reads (pyflux's GARCH models), one rebound before every read (ssm)
        Invalid("import numpy as np\ndef f(Y):\n    X = np.ones(Y.shape[0])\n    return Y.sum()\n",
                "import numpy as np\ndef f(Y):\n    return Y.sum()\n"),
        Invalid("import numpy as np\ndef f(K, T, g):\n    tmp = np.zeros(K)\n    out = []\n    for t in range(T):\n"
                "        tmp = g(t)\n        out.append(tmp.sum())\n    return out\n",
                "import numpy as np\ndef f(K, T, g):\n    out = []\n    for t in range(T):\n"
                "        tmp = g(t)\n        out.append(tmp.sum())\n    return out\n"),
        # `0:n` spans the axis of size n (statsmodels' and spreg's `py[0:n, i] = ...`)
        Invalid("import numpy as np\ndef f(n, ny, Y):\n    py = np.zeros((n, ny))\n    for i in range(ny):\n"
                "        py[0:n, i] = Y[:, i] * 2\n    return py\n",
                "import numpy as np\ndef f(n, ny, Y):\n    py = np.empty((n, ny))\n    for i in range(ny):\n"
                "        py[0:n, i] = Y[:, i] * 2\n    return py\n"),
        # realistic-corpus follow-ups (names rebound in loops, sizes, Python scalars, ...)
        Invalid('import numpy as np\nfrom scipy.linalg.blas import dgemv\nN, M = 64, 32\nA = np.asfortranarray(np.ones((N, M)))\ny = np.zeros(N)\ndef f(x):\n    y.fill(0.0)\n    dgemv(1.0, A, x, beta=0.0, y=y, overwrite_y=1)\n    return y\n'),
        Invalid("import numpy as np\nfrom scipy.linalg import blas\nN_OUT = 10\nN_H = 256\nW = np.ones((N_OUT, N_H), dtype=np.float32, order='F')\ng = np.zeros(N_H, dtype=np.float32)\ndef back(e):\n    g.fill(0.0)\n    blas.sgemv(1.0, W, e, beta=0.0, y=g, trans=1, overwrite_y=1)\n    return g\n"),
        Invalid("import numpy as np\nfrom scipy.linalg.blas import dgemv\nK = 128\nA = np.ones((K, K), order='F')\ndef f(x):\n    out = np.zeros(K)\n    dgemv(1.0, A, x, beta=0.0, y=out, overwrite_y=1)\n    return out\n"),
        Invalid("import numpy as np\nfrom scipy.linalg.blas import sgemv\nR, C = 40, 30\nA = np.zeros((R, C), dtype=np.float32, order='F')\nbuf = np.empty(C, dtype=np.float32)\ndef f(v):\n    buf[:] = 0\n    sgemv(2.0, A, v, beta=0.0, y=buf, trans=1, overwrite_y=1)\n    return buf\n"),
        Invalid("import numpy as np\nfrom scipy.linalg.blas import dgemv\nD = 100\nA = np.ones((D, D), order='F')\nz = np.zeros(D)\ndef g1(x):\n    z.fill(0.0)\n    dgemv(1.0, A, x, beta=0.0, y=z, overwrite_y=1)\n    return z\ndef g2(x):\n    z.fill(0.0)\n    dgemv(1.0, A, x, beta=0.0, y=z, overwrite_y=1)\n    return z\n", count=2),
        Invalid("import numpy as np\nfrom scipy.linalg.blas import dgemv\nN = 50\nA = np.ones((N, N), order='F')\ndef f(x):\n    y = np.zeros(N)\n    y = dgemv(1.0, A, x, beta=0.0, y=y, overwrite_y=1)\n    return y\n"),
        Invalid("import numpy as np\ndef f(A, x, y):\n    y.fill(0)\n    np.dot(A, x, out=y)\n",
                "import numpy as np\ndef f(A, x, y):\n    np.dot(A, x, out=y)\n"),
        Invalid("import numpy as np\ndef f(a, b):\n    out = np.zeros((3, 3))\n    out[:] = a * b\n    return out\n",
                "import numpy as np\ndef f(a, b):\n    out = np.empty((3, 3))\n    out[:] = a * b\n    return out\n"),
        # a dead store: the zeros are never used at all; delete the assignment
        Invalid("import numpy as np\ndef grad(W, X, G):\n    dW = np.zeros_like(W)\n    dW = X.T @ G\n    return dW\n",
                "import numpy as np\ndef grad(W, X, G):\n    dW = X.T @ G\n    return dW\n"),
        Invalid("import numpy as np\nfrom scipy.linalg.blas import sgemv\n"
                "W = np.ones((8, 4), dtype=np.float32)\nout = np.zeros(8, dtype=np.float32)\n"
                "def forward(x):\n    out.fill(0)\n    sgemv(1.0, W, x, beta=0.0, y=out, overwrite_y=1)\n    return out\n",
                "import numpy as np\nfrom scipy.linalg.blas import sgemv\n"
                "W = np.ones((8, 4), dtype=np.float32)\nout = np.zeros(8, dtype=np.float32)\n"
                "def forward(x):\n    sgemv(1.0, W, x, beta=0.0, y=out, overwrite_y=1)\n    return out\n"),
        Invalid("import torch\ndef f(a, b, out):\n    out.zero_()\n    torch.mm(a, b, out=out)\n",
                "import torch\ndef f(a, b, out):\n    torch.mm(a, b, out=out)\n"),
        Invalid("import numpy as np\ndef f(n, g):\n    r = np.zeros(n)\n    for i in range(n):\n        r[i] = g(i)\n    return r\n",
                "import numpy as np\ndef f(n, g):\n    r = np.empty(n)\n    for i in range(n):\n        r[i] = g(i)\n    return r\n"),
    ]

    def after_fill(self, stmt: ast.stmt, fill: ZeroFill, write: ast.stmt) -> None:
        ctx = self.ctx
        how = full_overwrite(ctx, write, fill.path, fill.kind)
        rebound = how is None and fill.kind == "alloc" and rebinds(ctx, write, fill.path)
        by_python_loop = by_part_writes = False
        if rebound:
            how = f"rebinding `{fill.path}`"
        elif how is None:
            shape = _alloc_shape(ctx, fill.call) if fill.kind == "alloc" else ctx.array_facts(_path_node(fill)).shape
            if loop_writes_all(ctx, write, fill.path, shape, since=stmt):
                how, by_python_loop = "the loop that sets every element", True
            elif (loop := head_then_loop_writes_all(ctx, write, fill.path, shape)) is not None:
                how, by_python_loop = f"the loop at {ctx.line_ref(loop)}, with the entries it starts from set before it", True
            elif (loop := block_loop_writes_all(ctx, write, fill.path, shape)) is not None:
                how, by_python_loop = f"the loop at {ctx.line_ref(loop)} writing it block by block", True
            else:
                last = sequence_writes_all(ctx, write, fill.path, shape) if fill.kind == "alloc" else None
                last = last or blocks_write_all(ctx, write, fill.path)
                if last is not None:
                    how, by_part_writes = f"the run of writes ending at {ctx.line_ref(last)}", True
        if how is None:
            return
        buffer = fill.call if fill.kind == "alloc" else _path_node(fill)
        cost = _cost.zero_fill(ctx, fill.node, ctx.array_facts(buffer))
        if rebound and isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            # a dead store: the array is never used at all
            fix = self._dead_store_fix(stmt, fill)
            func = ctx.text(fill.call.func)
            msg = (f"`{fill.path} = {func}(...)` is a dead store: `{fill.path}` is rebound "
                   f"({ctx.line_ref(write)}) before anything reads it; delete the assignment")
        elif fill.kind == "alloc":
            edit = _empty_edit(self, fill.call)
            fix = self.make_fix("Allocate with `empty` instead of `zeros`", edit) if edit else None
            func = ctx.text(fill.call.func)
            msg = (f"`{func}(...)` zeroes `{fill.path}`, but {how} ({ctx.line_ref(write)}) replaces it before "
                   f"anything reads it: allocate with `empty` instead (saves one pass over the buffer)")
        else:
            fix = self.make_fix("Delete the zero-fill", self.delete_statement(stmt))
            msg = (f"`{fill.path}` is zero-filled, but {how} ({ctx.line_ref(write)}) overwrites all of it before "
                   f"anything reads it: delete the fill (one extra pass over the buffer)")
        msg += facts_note(ctx, [buffer])
        if by_python_loop:
            # the Python loop costs 10^2-10^4 times the fill: worth a note at most
            msg += "; the Python loop writing it element by element costs far more than the fill"
            self.report(fill.node, msg, fix, cost=cost, severity="info")
            return
        # one pass over a buffer: worth showing only per step of a hot, vectorised loop (not when its parts are
        # written one statement each: those writes are as many passes as the fill, which is at most a fraction)
        severity = "info" if by_part_writes else hot_loop_buffer_severity(ctx, fill.node, ctx.array_facts(buffer))
        self.report(fill.node, msg, fix, cost=cost, severity=severity or "info")

    def _dead_store_fix(self, stmt: ast.stmt, fill: ZeroFill):
        """Delete ``x = np.zeros(...)``; safe when evaluating its arguments can have no effect."""
        pure = all(_pure_expr(self.ctx, a) for a in [*fill.call.args, *(k.value for k in fill.call.keywords)])
        return self.make_fix(f"Delete the unused assignment to `{fill.path}`", self.delete_statement(stmt), safe=pure)

    def unused_alloc(self, stmt: ast.stmt, fill: ZeroFill) -> None:
        self._dead_store(stmt, fill, f"nothing in `{self.ctx.function_name(stmt)}` reads `{fill.path}`")

    def rebound_alloc(self, stmt: ast.stmt, fill: ZeroFill, rebind: ast.stmt) -> None:
        self._dead_store(stmt, fill, f"every read of `{fill.path}` sees a later binding (the first at "
                                     f"{self.ctx.line_ref(rebind)}), never this array")

    def _dead_store(self, stmt: ast.stmt, fill: ZeroFill, why: str) -> None:
        ctx = self.ctx
        fix = self._dead_store_fix(stmt, fill)
        what = "a fill of zeros" if ctx.resolve_call(fill.call) in ZERO_CREATORS else "a fill"
        msg = (f"`{fill.path} = {ctx.text(fill.call.func)}(...)` is a dead store: {why}; delete the assignment "
               f"(an allocation and {what} that nothing uses)")
        facts = ctx.array_facts(fill.call)
        loops = ctx.loop_context(fill.node)
        own_loop = loops is not None and not loops.innermost.calls  # not only a caller's loop
        severity = (hot_loop_buffer_severity(ctx, fill.node, facts) if own_loop else None) or "info"
        self.report(fill.node, msg + facts_note(ctx, [fill.call]), fix, cost=_cost.zero_fill(ctx, fill.node, facts),
                    severity=severity)


def _pure_expr(ctx, node: ast.AST) -> bool:
    """Can evaluating ``node`` have no effect but its value (names, literals, arithmetic, pure calls)?"""
    for n in ast.walk(node):
        if isinstance(n, ast.Call) and not is_pure_call(ctx, n):
            return False
        if isinstance(n, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            return False
    return True


def _alloc_shape(ctx, call: ast.Call):
    """The shape of ``np.zeros(...)``; ``np.zeros(n)`` with an unknown ``n`` counts as ``(n,)``:
    a loop over ``range(n)`` can only run if ``n`` is an int."""
    shape = ctx.array_facts(call).shape
    like = like_shape(ctx, call)  # `np.zeros(h.shape)`: h's dims, not a 1-D size `h.shape`
    if shape is None and like is None and ctx.resolve_call(call) in ("numpy.zeros", "torch.zeros") \
            and len(call.args) == 1 \
            and isinstance(call.args[0], (ast.Name, ast.Attribute, ast.BinOp, ast.Call, ast.Subscript)):
        return (ast.unparse(call.args[0]),)
    if shape is None or like is None:
        return shape if shape is not None else like
    return tuple(like[k] if d is None else d for k, d in enumerate(shape))  # (None, None): X.shape[0], X.shape[1]


def _path_node(fill: ZeroFill) -> ast.AST:
    """The buffer expression of a fill statement (for its array facts)."""
    stmt = fill.stmt
    if isinstance(stmt, ast.Expr):
        return stmt.value.func.value
    return stmt.targets[0].value
