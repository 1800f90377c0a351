"""BL2: writes that do nothing.

BL201: a zero-fill (``x.fill(0)``, ``x[:] = 0``, ``x = np.zeros(...)``) that the
next write to ``x`` replaces entirely before anything reads it. BL204: a
zero-fill whose only purpose is to start a single rank-1 update
(``x.fill(0); sger(1, u, v, a=x, overwrite_a=1)`` or ``x += np.outer(u, v)``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from blaslint.analysis import blas_writes
from blaslint.analysis.facts import same_dim
from blaslint.analysis.flow import may_read_unseen, mentions, next_mention, reads_path
from blaslint.analysis.imports import dotted_name
from blaslint.rule import Invalid, Rule
from blaslint.rules._common import ZERO_CREATORS, has_star_args, kwarg, numeric_value, paren

_EMPTY_OF = {"numpy.zeros": "empty", "numpy.zeros_like": "empty_like",
             "torch.zeros": "empty", "torch.zeros_like": "empty_like"}
_LIBRARIES = ("numpy", "torch", "scipy")


@dataclass
class ZeroFill:
    """A statement whose only effect is zeroing the buffer at ``path``."""

    stmt: ast.stmt
    path: str
    kind: str            # "fill" (x.fill(0), x[:] = 0, x.zero_()) or "alloc" (x = np.zeros(...))
    node: ast.AST        # what to underline
    call: ast.Call | None = None  # the np.zeros call of an "alloc"


# -- recognising the pieces ------------------------------------------------------

def is_full_index(index: ast.AST) -> bool:
    """``[:]``, ``[...]``, ``[:, :]``: an index that selects every element."""
    items = index.elts if isinstance(index, ast.Tuple) else [index]
    return bool(items) and all(
        (isinstance(i, ast.Slice) and i.lower is None and i.upper is None and i.step is None)
        or (isinstance(i, ast.Constant) and i.value is Ellipsis) for i in items)


def _buffer_path(ctx, node: ast.AST) -> str | None:
    """Dotted path of a buffer expression (not an imported module)."""
    p = dotted_name(node)
    if p is None or ctx.imports.qualname(p.split(".")[0]) is not None and "." in p:
        return None
    return p


def _full_slice_target(ctx, target: ast.AST) -> str | None:
    if isinstance(target, ast.Subscript) and is_full_index(target.slice):
        return _buffer_path(ctx, target.value)
    return None


def zero_fill(ctx, stmt: ast.stmt) -> ZeroFill | None:
    """The zero-fill ``stmt`` is, if it is one."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        func = call.func
        if isinstance(func, ast.Attribute) and not call.keywords and ctx.resolve_call(call) is None:
            path = _buffer_path(ctx, func.value)
            if path is None:
                return None
            if func.attr in ("fill", "fill_") and len(call.args) == 1 and numeric_value(ctx, call.args[0]) == 0:
                return ZeroFill(stmt, path, "fill", stmt)
            if func.attr == "zero_" and not call.args:
                return ZeroFill(stmt, path, "fill", stmt)
        return None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        path = _full_slice_target(ctx, target)
        if path is not None and numeric_value(ctx, stmt.value) == 0:
            return ZeroFill(stmt, path, "fill", stmt)
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else getattr(stmt, "target", None)
        value = stmt.value
        if target is None or value is None or not isinstance(target, (ast.Name, ast.Attribute)):
            return None
        path = _buffer_path(ctx, target)
        if path and isinstance(value, ast.Call) and ctx.resolve_call(value) in ZERO_CREATORS \
                and not has_star_args(value):
            return ZeroFill(stmt, path, "alloc", value, value)
    return None


def _reads_outside(ctx, node: ast.AST, path: str, allowed: ast.AST | None) -> bool:
    """Does ``node`` read ``path`` anywhere but in the subtree ``allowed`` (the written argument)?"""
    return reads_path(node, path, skip=allowed)


def _assigned_back(ctx, stmt: ast.stmt, call: ast.Call, path: str) -> bool:
    """``x = f(...)`` with ``x`` the buffer itself."""
    return isinstance(stmt, ast.Assign) and stmt.value is call and len(stmt.targets) == 1 \
        and _buffer_path(ctx, stmt.targets[0]) == path and not isinstance(stmt.targets[0], ast.Subscript)


def _statement_call(stmt: ast.stmt) -> ast.Call | None:
    """The call a statement consists of (``f(...)`` or ``t = f(...)``)."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        return stmt.value
    if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
        return stmt.value
    return None


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


def loop_writes_all(ctx, stmt: ast.stmt, path: str, shape) -> bool:
    """``for i in range(n): x[i] = expr`` (nested loops too) writes every element of ``x``.

    Every loop must run over ``range(d)`` with ``d`` the size of the dimension
    its variable indexes, have no ``else``/``break``/``continue``/``return``,
    and hold exactly one statement mentioning ``x``: the write (or the next loop).
    """
    if not shape:
        return False
    loop_dims: dict[str, object] = {}
    node = stmt
    while True:
        if not isinstance(node, ast.For) or node.orelse or not isinstance(node.target, ast.Name):
            return False
        size = _range_size(node.iter)
        if size is None or node.target.id in loop_dims or any(_leaves(s) for s in node.body):
            return False
        loop_dims[node.target.id] = size
        touching = [s for s in node.body if mentions(s, path)]
        if len(touching) != 1:
            return False
        inner = touching[0]
        if any(mentions(s, v) and not isinstance(s, ast.For) and s is not inner and _rebinds_name(s, v)
               for s in node.body for v in loop_dims):
            return False
        if isinstance(inner, ast.For):
            node = inner
            continue
        break
    if not (isinstance(inner, ast.Assign) and len(inner.targets) == 1 and isinstance(inner.targets[0], ast.Subscript)):
        return False
    target = inner.targets[0]
    if _buffer_path(ctx, target.value) != path or mentions(inner.value, path):
        return False
    items = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
    if len(items) > len(shape):
        return False
    used = set()
    for k, item in enumerate(items):
        if isinstance(item, ast.Slice) and item.lower is None and item.upper is None and item.step is None:
            continue
        if isinstance(item, ast.Name) and item.id in loop_dims and item.id not in used \
                and same_dim(loop_dims[item.id], shape[k]):
            used.add(item.id)
            continue
        return False
    return used == set(loop_dims)


def _rebinds_name(stmt, name) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load) for n in ast.walk(stmt))


def _leaves(stmt) -> bool:
    from blaslint.analysis.flow import may_leave

    return may_leave(stmt)


def _range_size(it: ast.AST):
    """``n`` for ``range(n)`` / ``range(0, n)`` (as a dim: int or source text), else None."""
    if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"
            and not it.keywords and 1 <= len(it.args) <= 2):
        return None
    if len(it.args) == 2 and not (isinstance(it.args[0], ast.Constant) and it.args[0].value == 0):
        return None
    stop = it.args[-1]
    if isinstance(stop, ast.Constant) and isinstance(stop.value, int):
        return stop.value
    return ast.unparse(stop)


def _scope_node(ctx, stmt, path) -> ast.AST:
    scope_node = ctx.scope_node_of(stmt)
    if not ctx.scope(scope_node).is_local(path.split(".")[0]):
        return ctx.tree  # a global: any function of the module may read it
    return scope_node


def _next_write(ctx, fill: ZeroFill):
    """(statements in between, the next statement touching the buffer), if nothing can see it in between."""
    found = next_mention(ctx, fill.stmt, fill.path)
    if found is None:
        return None
    between, stmt = found
    if may_read_unseen(ctx, fill.path, [*between, stmt], _scope_node(ctx, fill.stmt, fill.path)):
        return None
    return between, stmt


def _empty_edit(rule: Rule, call: ast.Call):
    """``np.zeros(...)`` -> ``np.empty(...)`` in the user's spelling, or None."""
    ctx = rule.ctx
    q = ctx.resolve_call(call)
    new_attr = _EMPTY_OF.get(q or "")
    if new_attr is None:
        return None
    lib = q.split(".")[0]
    spelled = ctx.spell_like(call.func, new_attr, f"{lib}.{new_attr}")
    if spelled is None:
        return None
    return rule.replace(call.func, spelled)


# -- BL201 -------------------------------------------------------------------------

class _AfterZeroFill(Rule):
    """Shared front of BL201 and BL204: find a zero-fill statement and the next
    statement that writes the same buffer, then let the rule judge that write."""

    def visit_Expr(self, node: ast.Expr) -> None:
        self._check(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._check(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check(node)

    def _check(self, stmt: ast.stmt) -> None:
        fill = zero_fill(self.ctx, stmt)
        if fill is None:
            return
        found = _next_write(self.ctx, fill)
        if found is not None:
            self.after_fill(stmt, fill, found[1])

    def after_fill(self, stmt: ast.stmt, fill: "ZeroFill", write: ast.stmt) -> None:
        raise NotImplementedError


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
    triggers = ("fill", "zero", "[:", "[...")

    VALID = [
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
        Invalid("import numpy as np\ndef grad(W, X, G):\n    dW = np.zeros_like(W)\n    dW = X.T @ G\n    return dW\n",
                "import numpy as np\ndef grad(W, X, G):\n    dW = np.empty_like(W)\n    dW = X.T @ G\n    return dW\n"),
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
        if how is None and fill.kind == "alloc" and rebinds(ctx, write, fill.path):
            how = f"rebinding `{fill.path}`"
        if how is None:
            shape = _alloc_shape(ctx, fill.call) if fill.kind == "alloc" else ctx.array_facts(_path_node(fill)).shape
            if loop_writes_all(ctx, write, fill.path, shape):
                how = "the loop that sets every element"
        if how is None:
            return
        if fill.kind == "alloc":
            edit = _empty_edit(self, fill.call)
            fix = self.make_fix("Allocate with `empty` instead of `zeros`", edit) if edit else None
            func = ctx.text(fill.call.func)
            msg = (f"`{func}(...)` zeroes `{fill.path}`, but {how} ({ctx.line_ref(write)}) replaces it before "
                   f"anything reads it: allocate with `empty` instead (saves one pass over the buffer)")
        else:
            fix = self.make_fix("Delete the zero-fill", self.delete_statement(stmt))
            msg = (f"`{fill.path}` is zero-filled, but {how} ({ctx.line_ref(write)}) overwrites all of it before "
                   f"anything reads it: delete the fill (one extra pass over the buffer)")
        self.report(fill.node, msg, fix)


def _alloc_shape(ctx, call: ast.Call):
    """The shape of ``np.zeros(...)``; ``np.zeros(n)`` with an unknown ``n`` counts as ``(n,)``:
    a loop over ``range(n)`` can only run if ``n`` is an int."""
    shape = ctx.array_facts(call).shape
    if shape is None and ctx.resolve_call(call) in ("numpy.zeros", "torch.zeros") and len(call.args) == 1 \
            and isinstance(call.args[0], (ast.Name, ast.Attribute, ast.BinOp, ast.Call)):
        return (ast.unparse(call.args[0]),)
    return shape


def _path_node(fill: ZeroFill) -> ast.AST:
    """The buffer expression of a fill statement (for its array facts)."""
    stmt = fill.stmt
    if isinstance(stmt, ast.Expr):
        return stmt.value.func.value
    return stmt.targets[0].value


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
        self.report(fill.node, msg, fix)

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
