"""BL1: layout and copies. A transposed copy fed to a product (BL101) and a
C-ordered matrix handed to a Fortran BLAS wrapper (BL102) both pay a strided
pass over the whole matrix that BLAS's transpose flag makes unnecessary."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from blaslint.analysis import flow
from blaslint.analysis.blas_api import TRANS_FLAGS, constant_int, f2py_copies
from blaslint.analysis.facts import BLAS_DTYPES
from blaslint.rule import Invalid, Rule
from blaslint.rules._common import POSTFIX, paren, product_operands

# torch functions whose listed positional arguments are operands of a matrix product
_TORCH_OPERANDS = {"torch.nn.functional.linear": (0, 1), "torch.addmm": (1, 2), "torch.addmv": (1, 2)}
_PRODUCT_METHODS = ("dot", "matmul", "mm", "mv")
_COPY_NAMES = {"copy", "contiguous", "ascontiguousarray", "array"}
# measured by benchmarks/fix_speedups.py --rule BL101 / BL102 (see rules/BL101.md, rules/BL102.md)
BL101_COST = "measured: sgemv 4096²: 109x, `@` matvec 4096²: 49x, gemm 2048²: 1.2x"
BL102_COST = "measured: sgemv 4096²: 40x, sgemm 2048²: 1.3x"


@dataclass
class TransposedCopy:
    node: ast.Call      # the copying expression: X.T.copy(), np.ascontiguousarray(X.T), ...
    view: ast.AST       # the transposed view it copies: X.T
    source: ast.AST     # the array that is transposed: X


@dataclass
class CopyFinding:
    copy: TransposedCopy
    consumers: list     # [(kind, name)]: kind "blas" (f2py wrapper) or "product" (@, np.dot, torch.mm, ...)
    binding: object     # the Binding when the copy is bound to a local name first, else None

    @property
    def only_blas(self) -> bool:
        return all(kind == "blas" for kind, _ in self.consumers)


def _swaps_two_axes(args) -> bool:
    if len(args) == 1 and isinstance(args[0], (ast.Tuple, ast.List)):
        args = args[0].elts
    values = [constant_int(a) if not isinstance(a, ast.UnaryOp) else _negative(a) for a in args]
    return len(values) == 2 and set(values) in ({0, 1}, {-1, -2})


def _negative(node):
    if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, int):
        return -node.operand.value
    return None


def transposed_view_source(ctx, node: ast.AST) -> ast.AST | None:
    """The array ``node`` is a transposed view of: ``X.T``, ``X.transpose()``, ``np.transpose(X)``, ``X.t()``."""
    if isinstance(node, ast.Attribute) and node.attr in ("T", "mT"):
        return node.value
    if isinstance(node, ast.Call) and not node.keywords:
        q = ctx.resolve_call(node)
        if q in ("numpy.transpose", "torch.t") and len(node.args) == 1:
            return node.args[0]
        func = node.func
        if q is None and isinstance(func, ast.Attribute):
            if func.attr == "t" and not node.args:
                return func.value
            if func.attr == "transpose" and (not node.args or _swaps_two_axes(node.args)):
                return func.value
    return None


def transposed_copy(ctx, node: ast.AST) -> TransposedCopy | None:
    """``node`` if it copies a transposed view into a new contiguous array."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if last not in _COPY_NAMES:
        return None  # cheap syntactic filter before resolving names
    q = ctx.resolve_call(node)
    inner = None
    if q is None and isinstance(func, ast.Attribute) and not node.args:
        if func.attr == "copy" and all(k.arg == "order" for k in node.keywords):
            inner = func.value
        elif func.attr == "contiguous" and not node.keywords:
            inner = func.value
    elif q in ("numpy.ascontiguousarray", "numpy.copy") and len(node.args) == 1 and not node.keywords:
        inner = node.args[0]
    elif q == "numpy.array" and len(node.args) == 1 and all(
            k.arg == "copy" and constant_int(k.value) == 1 for k in node.keywords):
        inner = node.args[0]
    if inner is None:
        return None
    source = transposed_view_source(ctx, inner)
    if source is None:
        return None
    rank = ctx.array_facts(source).rank
    if rank is not None and rank != 2:
        return None
    return TransposedCopy(node, inner, source)


def operand_consumer(ctx, expr: ast.AST) -> tuple[str, str] | None:
    """(kind, name) when ``expr`` is a read-only operand of a matrix product or a BLAS wrapper."""
    par = ctx.parent(expr)
    if isinstance(par, ast.BinOp) and isinstance(par.op, ast.MatMult):
        return "product", "`@`"
    if isinstance(par, ast.Attribute) and par.value is expr and par.attr in _PRODUCT_METHODS:
        call = ctx.parent(par)
        if isinstance(call, ast.Call) and call.func is par and product_operands(ctx, call) is not None:
            return "product", f"`.{par.attr}()`"
        return None
    call = ctx.parent(par) if isinstance(par, ast.keyword) else par
    if isinstance(par, (ast.List, ast.Tuple)):
        outer = ctx.parent(par)
        if isinstance(outer, ast.Call) and outer.args and outer.args[0] is par \
                and ctx.resolve_call(outer) == "numpy.linalg.multi_dot":
            return "product", "`multi_dot`"
        return None
    if not isinstance(call, ast.Call):
        return None
    if par is call:
        ops = product_operands(ctx, call)
        if ops is not None and any(o is expr for o in ops):
            return "product", f"`{ctx.text(call.func)}`"
        q = ctx.resolve_call(call)
        if q in _TORCH_OPERANDS:
            positions = [i for i, a in enumerate(call.args) if a is expr]
            if positions and positions[0] in _TORCH_OPERANDS[q]:
                return "product", f"`{ctx.text(call.func)}`"
    bound = ctx.blas_call(call)
    if bound is not None and bound.routine.module == "blas":
        for param, arg in bound.args.items():
            if arg is expr and param not in bound.routine.written and not param.startswith("overwrite_"):
                return "blas", f"`{bound.routine.name}`"
    return None


def _single_binding(ctx, node: ast.Call):
    """The Binding of ``name = node`` when it is the only binding of that name in its scope."""
    stmt = ctx.parent(node)
    if not isinstance(stmt, ast.Assign) or stmt.value is not node or len(stmt.targets) != 1 \
            or not isinstance(stmt.targets[0], ast.Name):
        return None
    target = stmt.targets[0]
    scope = ctx.scope_of(target)
    binds = scope.bindings.get(target.id, [])
    if len(binds) != 1 or binds[0].node is not target or target.id in scope.globals:
        return None
    if scope.node is ctx.tree and any(isinstance(n, ast.Global) and target.id in n.names for n in ast.walk(ctx.tree)):
        return None  # a function may rebind the module-level name
    return binds[0]


def _live_region(ctx, stmt: ast.stmt, uses) -> list | None:
    """Statements from just after ``stmt`` up to the one holding the last use (same block)."""
    region: list = []
    for use in uses:
        found = None
        node = ctx.statement_of(use)
        while node is not None:
            between = ctx.statements_between(stmt, node)
            if between is not None:
                found = [*between, node]
                break
            node = ctx.statement_of(ctx.parent(node)) if ctx.parent(node) is not None else None
        if found is None:
            return None
        if len(found) > len(region):
            region = found
    return region


def _source_changed(ctx, source: ast.AST, region: list) -> bool:
    """May the transposed array change while its copy is alive (so the copy is a snapshot)?"""
    path = flow.target_path(source)
    if path is None:
        return False  # a temporary (f(x).T.copy()): nothing else refers to it
    changed: set[str] = set()
    for stmt in region:
        changed |= ctx.mutated_in(stmt)
    if flow.path_conflicts(path, changed):
        return True
    root = path.split(".")[0]
    scope = ctx.scope_of(source)
    local = scope.node is not ctx.tree and scope.is_local(root)
    for stmt in region:
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call):
                continue
            bound = ctx.blas_call(node)
            if bound is not None:
                for param in bound.routine.written:
                    arg = bound.args.get(param)
                    target = flow.target_path(arg) if arg is not None else None
                    if target and flow.path_conflicts(path, {target}):
                        return True
            elif flow.is_opaque_call(ctx, node):
                handed = set()
                for a in [*node.args, *(k.value for k in node.keywords)]:
                    handed |= flow.passed_paths(a)
                if isinstance(node.func, ast.Attribute):
                    handed |= flow.passed_paths(node.func.value)
                if any(flow.path_conflicts(path, {h}) for h in handed) or not local or "." in path:
                    return True
    return False


def droppable_copy(ctx, node: ast.AST) -> CopyFinding | None:
    """A transposed copy whose only purpose is to be a product/BLAS operand, so it can be dropped."""
    tc = transposed_copy(ctx, node)
    if tc is None:
        return None
    direct = operand_consumer(ctx, node)
    if direct is not None:
        return CopyFinding(tc, [direct], None)
    binding = _single_binding(ctx, node)
    if binding is None:
        return None
    uses = ctx.uses(binding)
    if not uses:
        return None
    consumers = [operand_consumer(ctx, u) for u in uses]
    if any(c is None for c in consumers):
        return None
    region = _live_region(ctx, binding.stmt, uses)
    if region is None or _source_changed(ctx, tc.source, region):
        return None
    return CopyFinding(tc, consumers, binding)


def bl101_operand(ctx, operand: ast.AST) -> bool:
    """Is this operand a transposed copy that BL101 reports (directly or through its name)?"""
    if droppable_copy(ctx, operand) is not None:
        return True
    if isinstance(operand, ast.Name):
        value = ctx.value_of(operand)
        return value is not None and droppable_copy(ctx, value) is not None
    return False


class TransposedCopyOperand(Rule):
    """A transposed copy (``X.T.copy()``, ``np.ascontiguousarray(X.T)``, torch
    ``X.t().contiguous()``) whose only use is as an operand of a matrix product
    or a BLAS wrapper.

    BLAS multiplies by a transposed matrix through its ``trans`` flag, so the
    transposed view ``X.T`` is all it needs; the copy is a strided pass over the
    whole matrix (and an f2py wrapper then copies a C-ordered copy back to
    Fortran order). A copy that is mutated, whose source changes while it is
    alive, or that goes anywhere else (an unknown function, ``.tofile``,
    ``np.frombuffer``) is left alone.
    """

    code = "BL101"
    name = "transposed-copy"
    summary = "Transposed copy used as a product operand: pass the transposed view"
    fix_safety = "safe"
    triggers = ("copy", "contiguous", "array")

    VALID = [
        # the transposed view itself
        "import numpy as np\ny = W.T @ x\n",
        # the copy is mutated afterwards
        "import numpy as np\nWt = W.T.copy()\nWt[0] = 0\ny = Wt @ x\n",
        # the source changes while the copy is alive: the copy is a snapshot
        "import numpy as np\nWt = W.T.copy()\nW += 1\ny = Wt @ x\n",
        "import numpy as np\nfrom scipy.linalg.blas import sgemv\nWt = W.T.copy()\nfor i in range(3):\n"
        "    y = sgemv(1.0, Wt, x)\n    W -= 0.1 * np.outer(x, y).T\n",
        # handed to an unknown function
        "import numpy as np\nWt = np.ascontiguousarray(W.T)\nsave(Wt)\ny = Wt @ x\n",
        # an order-sensitive consumer
        "import numpy as np\nWt = W.T.copy()\nWt.tofile('w.bin')\n",
        "import numpy as np\nbuf = np.frombuffer(np.ascontiguousarray(W.T), dtype=np.float32)\n",
        # a copy without a transpose, or a transpose of a vector
        "import numpy as np\ny = W.copy() @ x\n",
        "import numpy as np\nv = np.zeros(3)\ny = v.T.copy() @ A\n",
        # a dtype change is not just a copy
        "import numpy as np\ny = np.ascontiguousarray(W.T, dtype=np.float32) @ x\n",
        # the copy is returned or stored
        "import numpy as np\ndef f(W):\n    Wt = W.T.copy()\n    y = Wt @ x\n    return Wt\n",
        "import numpy as np\nself.Wt = W.T.copy()\ny = self.Wt @ x\n",
        # written by a BLAS call (its output buffer)
        "from scipy.linalg.blas import sger\nA = sger(1.0, x, y, a=W.T.copy(), overwrite_a=1)\n",
        # not a product
        "import numpy as np\ny = W.T.copy() + b\n",
    ]
    INVALID = [
        Invalid("import numpy as np\ny = W.T.copy() @ x\n", "import numpy as np\ny = W.T @ x\n", unsafe=True),
        Invalid("import numpy as np\ny = np.dot(np.ascontiguousarray(W.T), x)\n",
                "import numpy as np\ny = np.dot(W.T, x)\n", unsafe=True),
        Invalid("import numpy as np\ny = np.array(W.T).dot(x)\n", "import numpy as np\ny = W.T.dot(x)\n", unsafe=True),
        Invalid("import numpy as np\ny = A @ np.copy(W.T)\n"),
        Invalid("import numpy as np\ny = np.matmul(W.transpose().copy(), x)\n"),
        Invalid("import numpy as np\ny = np.transpose(W).copy() @ x\n"),
        Invalid("import torch\ny = torch.mm(W.t().contiguous(), x)\n",
                "import torch\ny = torch.mm(W.t(), x)\n", unsafe=True),
        Invalid("import torch\nimport torch.nn.functional as F\ny = F.linear(x, W.T.contiguous())\n"),
        Invalid("from scipy.linalg.blas import sgemv\ny = sgemv(1.0, W.T.copy(), x)\n",
                "from scipy.linalg.blas import sgemv\ny = sgemv(1.0, W.T, x)\n"),
        Invalid("from scipy.linalg import blas as fblas\ny = fblas.dgemm(1.0, a=A.T.copy(), b=B)\n",
                "from scipy.linalg import blas as fblas\ny = fblas.dgemm(1.0, a=A.T, b=B)\n"),
        Invalid("import numpy as np\nfrom scipy.linalg import get_blas_funcs\n"
                "def f(W, e):\n    gemv, = get_blas_funcs(('gemv',), (W, e))\n"
                "    Wt = W.T.copy()\n    return gemv(1.0, Wt, e)\n",
                "import numpy as np\nfrom scipy.linalg import get_blas_funcs\n"
                "def f(W, e):\n    gemv, = get_blas_funcs(('gemv',), (W, e))\n"
                "    Wt = W.T\n    return gemv(1.0, Wt, e)\n"),
        Invalid("import numpy as np\ndef f(W, x, b):\n    Wt = W.T.copy()\n    return Wt @ x + Wt @ b\n",
                "import numpy as np\ndef f(W, x, b):\n    Wt = W.T\n    return Wt @ x + Wt @ b\n", unsafe=True),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        finding = droppable_copy(self.ctx, node)
        if finding is None:
            return
        ctx = self.ctx
        view = ctx.text(finding.copy.view)
        names = ", ".join(sorted({name for _, name in finding.consumers}))
        via = f" (bound to `{finding.binding.name}`)" if finding.binding is not None else ""
        safe = finding.only_blas
        fix = self.make_fix(f"Pass the transposed view `{view}`", self.replace(node, view), safe=safe)
        self.report(node, f"transposed copy `{ctx.text(node)}`{via} used only as an operand of {names}: pass "
                          f"the view `{view}`, BLAS reads it through its transpose flag; the copy is a strided "
                          f"pass over the whole matrix ({BL101_COST})", fix)


class COrderToFortranBlas(Rule):
    """A ``scipy.linalg.blas`` matrix routine handed a 2-D array known to be C-ordered.

    f2py wrappers need Fortran-contiguous matrices: a C-ordered one is copied
    (and transposed in memory) on every call, which costs far more than the
    BLAS operation itself for gemv. Pass the F-ordered view ``X.T`` and flip
    the routine's ``trans`` flag instead, or make the array Fortran-ordered
    once. Arrays known to be F-ordered (``np.asfortranarray``, ``.T`` of a
    C-ordered array) and arrays of unknown order are left alone.
    """

    code = "BL102"
    name = "c-order-to-fortran-blas"
    summary = "C-ordered matrix passed to an f2py BLAS wrapper: copied on every call"
    fix_safety = "unsafe"
    triggers = ("blas",)

    _SETUP = "import numpy as np\nfrom scipy.linalg.blas import sgemv\nW = np.zeros((64, 32), dtype=np.float32)\n"
    VALID = [
        # F-ordered: no copy
        "import numpy as np\nfrom scipy.linalg.blas import sgemv\n"
        "W = np.zeros((64, 32), dtype=np.float32, order='F')\ny = sgemv(1.0, W, x)\n",
        "import numpy as np\nfrom scipy.linalg.blas import sgemv\n"
        "W = np.asfortranarray(np.random.rand(64, 32).astype(np.float32))\ny = sgemv(1.0, W, x)\n",
        # the transposed view of a C-ordered array is F-ordered
        _SETUP + "y = sgemv(1.0, W.T, x)\n",
        # unknown order
        "from scipy.linalg.blas import sgemv\ndef f(W, x):\n    return sgemv(1.0, W, x)\n",
        # another dtype: the copy converts, a transpose would not avoid it
        "import numpy as np\nfrom scipy.linalg.blas import sgemv\nW = np.zeros((64, 32))\ny = sgemv(1.0, W, x)\n",
        # a vector is contiguous in any order
        "import numpy as np\nfrom scipy.linalg.blas import ddot\nx = np.zeros(5)\nd = ddot(x, x)\n",
        # a 1 x n matrix is both C- and F-contiguous
        "import numpy as np\nfrom scipy.linalg.blas import dgemv\nW = np.zeros((1, 8))\ny = dgemv(1.0, W, x)\n",
        # the output buffer of ger is not an input matrix (BL203's business)
        "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((3, 4))\nA = dger(1.0, u, v, a=A)\n",
        # not scipy's
        "import numpy as np\nW = np.zeros((64, 32))\ny = sgemv(1.0, W, x)\n",
        # a transposed copy: BL101 reports it
        _SETUP + "y = sgemv(1.0, W.T.copy(), x)\n",
    ]
    INVALID = [
        Invalid(_SETUP + "y = sgemv(1.0, W, x)\n", _SETUP + "y = sgemv(1.0, W.T, x, trans=1)\n", unsafe=True),
        Invalid(_SETUP + "y = sgemv(1.0, W.T.T, x, trans=1)\n", _SETUP + "y = sgemv(1.0, W.T, x, trans=0)\n",
                unsafe=True),
        Invalid("import numpy as np\nimport scipy.linalg.blas as B\nA = np.random.rand(8, 8)\n"
                "C = B.dgemm(1.0, A, A, trans_b=1)\n",
                "import numpy as np\nimport scipy.linalg.blas as B\nA = np.random.rand(8, 8)\n"
                "C = B.dgemm(1.0, A.T, A.T, trans_b=0, trans_a=1)\n", unsafe=True),
        Invalid("import numpy as np\nfrom scipy.linalg import get_blas_funcs\n"
                "rng = np.random.default_rng(0)\nW = rng.standard_normal((50, 40))\n"
                "gemv, = get_blas_funcs(('gemv',), (W,))\ny = gemv(1.0, W, x, beta=0.0)\n",
                "import numpy as np\nfrom scipy.linalg import get_blas_funcs\n"
                "rng = np.random.default_rng(0)\nW = rng.standard_normal((50, 40))\n"
                "gemv, = get_blas_funcs(('gemv',), (W,))\ny = gemv(1.0, W.T, x, beta=0.0, trans=1)\n",
                unsafe=True),
        Invalid("import numpy as np\nfrom scipy.linalg.blas import dsymv\nS = np.eye(4)\ny = dsymv(1.0, S, x)\n",
                "import numpy as np\nfrom scipy.linalg.blas import dsymv\nS = np.eye(4)\ny = dsymv(1.0, S.T, x, lower=1)\n",
                unsafe=True),
        # reported without a fix: no flag to flip
        Invalid("import numpy as np\nfrom scipy.linalg.blas import dtrmv\nL = np.ones((4, 4))\nz = dtrmv(L, x)\n"),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        bound = ctx.blas_call(node)
        if bound is None or bound.routine.module != "blas" or not bound.routine.matrices:
            return
        routine = bound.routine
        bad = []
        for param in routine.matrices:
            arg = bound.args.get(param)
            if arg is None:
                continue
            facts = ctx.array_facts(arg)
            if f2py_copies(routine, facts) != "order":
                continue
            if routine.dtype is None and facts.dtype not in BLAS_DTYPES:
                continue
            if bl101_operand(ctx, arg):
                continue
            bad.append((param, arg, facts))
        if not bad:
            return
        names = " and ".join(f"`{ctx.text(arg)}`" for _, arg, _ in bad)
        fix = self._fix(bound, bad)
        self.report(bad[0][1], f"`{routine.name}` gets C-ordered {names}: f2py copies "
                               f"{'it' if len(bad) == 1 else 'them'} to Fortran order on every call; pass the "
                               f"transposed view and flip the routine's transpose flag, or make the array "
                               f"Fortran-ordered once ({BL102_COST})", fix)

    def _fix(self, bound, bad):
        ctx = self.ctx
        routine = bound.routine
        flags = TRANS_FLAGS.get(routine.base)
        complex_ = routine.prefix in "cz" or any(f.dtype and f.dtype.startswith("complex") for _, _, f in bad)
        if flags is None and routine.base == "symv" and not complex_:
            flags = {"a": "lower"}
        if flags is None:
            return None
        edits = []
        appended = []
        for param, arg, _ in bad:
            flag = flags[param]
            current = bound.args.get(flag)
            value = 0 if current is None else constant_int(current)
            if value is None or (value == 2 and complex_):
                return None
            new = 0 if value else 1
            if isinstance(arg, ast.Attribute) and arg.attr == "T":
                edits.append(self.replace(arg, ctx.text(arg.value)))
            else:
                edits.append(self.replace(arg, f"{paren(ctx, arg, POSTFIX)}.T"))
            if current is not None:
                edits.append(self.replace(current, str(new)))
            else:
                appended.append(f"{flag}={new}")
        if appended:
            call = bound.call
            last = max([*call.args, *(k.value for k in call.keywords)], key=lambda n: ctx.span(n)[1])
            end = ctx.span(last)[1]
            extra = "".join(f", {a}" for a in appended)
            touching = [e for e in edits if e.end == end]
            if touching:  # one edit, not a replacement and an insertion that touch
                edits.remove(touching[0])
                edits.append(self.replace_span(touching[0].start, end, touching[0].content + extra))
            else:
                edits.append(self.replace_span(end, end, extra))
        what = "flip `" + "`, `".join(flags[p] for p, _, _ in bad) + "`"
        return self.make_fix(f"Pass the transposed view and {what}", *edits, safe=False)
