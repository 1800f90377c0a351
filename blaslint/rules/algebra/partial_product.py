"""BL403 partial-product: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis.dims import is_full_slice
from blaslint.analysis.shape_flow import is_int_scalar
from blaslint.analysis.sparse import sparse_evidence
from blaslint.analysis.structure import same_structure, untransposed_key
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import facts_note, in_assertion, POSTFIX, in_place, paren, product_operands
from blaslint.analysis import cost as _cost
from blaslint.rules.algebra._diagonal import numpy_name
from blaslint.rules.algebra._partial import einsum_part, min_rank, product_factors, proven_wider, sum_of_products
from blaslint.rules.algebra._products import (MATMUL_PREC, _rank, _used_once_binding, any_soft,
                                              chain_factors, product_pair)


def _gram(ctx, a, b) -> bool:
    """``X @ X.T``, ``X.T @ X``, ``X @ M @ X.T``: never 1-D in working code (a 1-D ``X`` gives a scalar)."""
    first, last = a, b
    while product_operands(ctx, first) is not None:  # the outer factors of a sandwich X @ ... @ X.T
        first = product_operands(ctx, first)[0]
    while product_operands(ctx, last) is not None:
        last = product_operands(ctx, last)[1]
    return (untransposed_key(first) == untransposed_key(last)) and not same_structure(first, last)


def _known_one(dim) -> bool:
    return isinstance(dim, int) and dim == 1


def _product_dims(ctx, a, b, ra, rb) -> tuple:
    """(rows, cols) of ``a @ b`` from each factor's own shape (None where unknown)."""
    sa, sb = ctx.array_facts(a).shape, ctx.array_facts(b).shape
    rows = sa[0] if ra == 2 and sa and len(sa) == 2 else None
    cols = sb[1] if rb == 2 and sb and len(sb) == 2 else None
    if rb == 1:
        cols = None
    return rows, cols


def _einsum_spelling(ctx, like_call: ast.Call | None, lib: str | None) -> str | None:
    """``np.einsum`` (or ``torch.einsum``) spelled with this file's imports, in the library used."""
    if like_call is not None and isinstance(like_call.func, ast.Attribute) \
            and ctx.resolve_call(like_call) is not None:
        return ctx.spell_like(like_call.func, "einsum", "numpy.einsum")
    lib = (ctx.library(like_call) if like_call is not None and ctx.resolve_call(like_call) else None) or lib
    if lib is None:
        return None
    return ctx.spell(f"{'torch' if lib == 'torch' else lib}.einsum")


# -- BL403 ----------------------------------------------------------------------

TRACE_APIS = {"numpy.trace", "torch.trace"}
DIAGONAL_APIS = {"numpy.diagonal", "torch.diagonal"}
DIAG_APIS = {"numpy.diag", "torch.diag"}  # extracts only when its argument is 2-D


class PartialProduct(Rule):
    """A whole matrix product computed to use only part of it.

    ``np.trace(A @ B)`` forms all n^2 entries of the product (n^3 flops) and
    keeps n of them; ``np.einsum('ij,ji->', A, B)`` computes just the diagonal
    sums (n^2). The same holds for ``np.diag(A @ B)``, ``(A @ B)[i, j]`` (one
    entry: ``A[i] @ B[:, j]``), ``(A @ B)[i]`` (one row: ``A[i] @ B``) and
    ``(A @ B)[:, j]`` (one column: ``A @ B[:, j]``).
    """

    code = "BL403"
    name = "partial-product"
    summary = "Only part of a matrix product is used: compute only that part"
    fix_safety = "unsafe"
    triggers = ("trace", "diag", "@", "dot", "matmul", "mm(")

    VALID = [
        # np.diag of a plain matrix: extraction, no product
        "import numpy as np\nA = np.random.rand(4, 4)\nd = np.diag(A)\n",
        # the right tool already
        "import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(4, 4)\nd = np.einsum('ij,ij->i', A, B)\n",
        # the product is bound and used whole as well
        "import numpy as np\ndef f(A, B):\n    C = A @ B\n    return C[0, 0], C\n",
        # a slice keeps most of the product
        "import numpy as np\ndef f(A, B):\n    return (A @ B)[1:]\n",
        # an index array: could select every row
        "import numpy as np\ndef f(A, B, idx):\n    return (A @ B)[idx]\n",
        # np.diag of a product of unknown rank may build a matrix from a vector
        "import numpy as np\ndef f(A, b):\n    return np.diag(A @ b)\n",
        # bound once, but used in a loop: reused
        "import numpy as np\ndef f(A, B):\n    C = A @ B\n    for i in range(3):\n        print(C[i, i])\n",
        # the diagonal is removed in place and the rest is used (nipy's test_orthogonalize)
        "import numpy as np\ndef f(X):\n    K = np.dot(X.T, X)\n    K -= np.diag(np.diag(K))\n    return (K ** 2).sum()\n",
        # the one column of a one-column product is all of it (scipy.stats._multivariate)
        "import numpy as np\ndef rotate(R, p):\n    p = np.asarray(p).ravel()\n    return np.matmul(R, p[:, None])[:, 0]\n",
        # a test of the product itself (numpy's test_blas64_dot)
        "import numpy as np\ndef test(a, b):\n    c = np.dot(b, a)\n    np.testing.assert_equal(c[0, -1], 1)\n",
    ]
    VALID += [
        # an entry of a product that may be 1 x 1 uses all of it (issue 13): quadratic forms on columns
        "import numpy as np\ndef f(r, S):\n    return (r.T @ S @ r)[0, 0]\n",
        "import numpy as np\ndef f(v):\n    return (v.dot(v.T))[0, 0]\n",
        "import numpy as np\ndef f(A, B, i, j):\n    return (A @ B)[i, j]\n",
        # already the einsum form of a batched trace
        "import numpy as np\ndef f(A, B):\n    return np.einsum('...ij,...ji->...', A, B)\n",
        # scipy.sparse products (made here, libpysal's `w.sparse`, a name bound either way): nnz-sized, and
        # einsum raises on them
        "import numpy as np\nimport scipy.sparse as sp\ndef f(n):\n    A = sp.csr_matrix(np.eye(n))\n"
        "    return np.sum((A @ A).diagonal())\n",
        "import numpy as np\ndef f(w):\n    try:\n        w = w.sparse\n    except AttributeError:\n        w = w\n"
        "    return np.sum((w @ w.T).diagonal())\n",
        "import numpy as np\ndef f(wsparse):\n    wtw = wsparse.T @ wsparse\n    return np.sum(wtw.diagonal())\n",
    ]
    INVALID = [
        Invalid("import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(4, 4)\nt = np.trace(A @ B)\n",
                "import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(4, 4)\n"
                "t = np.einsum('ij,ji->', A, B)\n", unsafe=True),
        Invalid("import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(4, 4)\nd = np.diag(np.dot(A, B))\n",
                "import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(4, 4)\n"
                "d = np.einsum('ij,ji->i', A, B)\n", unsafe=True),
        Invalid("import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(4, 4)\nc = (A @ B)[1, 2]\n",
                "import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(4, 4)\nc = A[1] @ B[:, 2]\n",
                unsafe=True),
        Invalid("import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(4, 4)\nr = (A @ B)[0]\n",
                "import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(4, 4)\nr = A[0] @ B\n",
                unsafe=True),
        Invalid("import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(4, 4)\nt = (A @ B).trace()\n",
                "import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(4, 4)\n"
                "t = np.einsum('ij,ji->', A, B)\n", unsafe=True),
        Invalid("import torch\nA = torch.rand(4, 4)\nB = torch.rand(4, 4)\nt = torch.trace(A @ B)\n",
                "import torch\nA = torch.rand(4, 4)\nB = torch.rand(4, 4)\nt = torch.einsum('ij,ji->', A, B)\n",
                unsafe=True),
        # unknown ranks: reported without a fix
        Invalid("import numpy as np\ndef f(A, B):\n    return np.trace(A @ B)\n"),
        # a product bound once and only its trace used
        Invalid("import numpy as np\ndef f(K, P):\n    M = K @ P\n    return np.trace(M)\n"),
        Invalid("import numpy as np\ndef f(A, B, n):\n    out = 0.0\n    for i in range(n):\n"
                "        out += (A @ B)[i, i]\n    return out\n"),
        # the trace of a power, of a sum of products, of a scaled product, of an einsum product
        Invalid("import numpy as np\ndef f(A):\n    return np.trace(np.linalg.matrix_power(A, 2))\n"),
        Invalid("import numpy as np\ndef f(A, B, C, D):\n    return np.trace(A @ B - C @ D)\n"),
        Invalid("import numpy as np\ndef f(E, n):\n    return np.sqrt(np.diag(E.T.dot(E) / n))\n"),
        # nipy's ar_bias_corrector: products of rank >= 2 operands (np.eye - ..., scipy's toeplitz), scaled
        Invalid("import numpy as np\nimport scipy.linalg as spl\ndef f(design, beta, I, i, j):\n"
                "    R = np.eye(design.shape[0]) - np.dot(design, beta)\n    Di = np.dot(R, spl.toeplitz(I[i]))\n"
                "    Dj = np.dot(R, spl.toeplitz(I[j]))\n    return np.diag(np.dot(Di, Dj) / (1. + (i > 0))).sum()\n"),
        Invalid("import geomstats.backend as gs\ndef f(a, b):\n    p = gs.einsum('...ij,...jk->...ik', a, b)\n"
                "    return gs.trace(p)\n"),
        Invalid("import numpy as np\ndef f(omega, m):\n    return np.einsum('...ii', omega @ np.linalg.inv(m))\n"),
        # np.diag of a product of two arrays at least 2-D (rows of a stack of triangles)
        Invalid("import numpy as np\ndef f(tri, d):\n    e0 = tri[:, 1, :] - tri[:, 0, :]\n"
                "    P = np.cross(d, tri[:, 2, :])\n    return np.diag(np.dot(e0, P.T))\n"),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        q = numpy_name(ctx.resolve_call(node))
        func = node.func
        if q in TRACE_APIS | DIAGONAL_APIS | DIAG_APIS or _backend_trace(q):
            if len(node.args) != 1 or isinstance(node.args[0], ast.Starred) \
                    or any(k.arg not in ("axis1", "axis2") or q in DIAG_APIS for k in node.keywords):
                return  # (the axes of a batched trace/diagonal are fine; an offset is another part)
            kind = "trace" if q in TRACE_APIS or _backend_trace(q) else "diagonal"
            self._check(node, node.args[0], kind, need_2d=q in DIAG_APIS, like=node)
        elif q is None and isinstance(func, ast.Attribute) and func.attr in ("trace", "diagonal") \
                and not node.args and not node.keywords:
            self._check(node, func.value, func.attr, need_2d=False, like=None)
        else:
            part = einsum_part(ctx, node)
            if part is not None:
                self._check(node, node.args[1], part, need_2d=False, like=None)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if not isinstance(node.ctx, ast.Load) or not self._may_be_product(node.value):
            return
        part = self._index_part(node.slice)
        if part is not None:
            self._check(node, node.value, part, need_2d=False, like=None)

    def _may_be_product(self, expr) -> bool:
        """A cheap first look (most subscripts index a plain name): a call, an ``@``, or a name with a
        binding in its scope whose value is one."""
        if isinstance(expr, (ast.Call, ast.BinOp)):
            return True
        if not isinstance(expr, ast.Name):
            return False
        scope = self.ctx.binding_scope(expr)
        return scope is not None and any(isinstance(b.value, (ast.Call, ast.BinOp))
                                         for b in scope.bindings.get(expr.id, []))

    def _index_part(self, index) -> tuple | None:
        """('row', i) / ('col', j) / ('entry', i, j) for plain integer indices, else None."""
        ctx = self.ctx
        items = index.elts if isinstance(index, ast.Tuple) else [index]
        if len(items) == 1 and is_int_scalar(ctx, items[0]):
            return ("row", items[0])
        if len(items) == 2:
            a, b = items
            full = [is_full_slice(x) for x in items]
            ia, ib = is_int_scalar(ctx, a), is_int_scalar(ctx, b)
            if ia and ib:
                return ("entry", a, b)
            if ia and full[1]:
                return ("row", a)
            if full[0] and ib:
                return ("col", b)
            if all(isinstance(x, (ast.Name, ast.Constant, ast.UnaryOp)) for x in items) \
                    and not any(isinstance(x, ast.Constant) and not isinstance(x.value, int) for x in items):
                return ("entries", a, b)  # (A @ B)[i, j] with unknown i, j: entries, maybe several
        return None

    def _product(self, expr):
        """(product node, first factor, second factor or None, binding or None, exact) when ``expr`` is a
        product (``exact``: the product itself, not scaled elementwise), or a name bound to one used
        only here."""
        ctx = self.ctx
        hit = product_factors(ctx, expr)
        if hit is not None:
            a, b, prod = hit
            return prod, a, b, None, prod is expr
        binding = _used_once_binding(ctx, expr, lambda v: product_factors(ctx, v) is not None)
        if binding is not None:
            a, b, prod = product_factors(ctx, binding.value)
            return prod, a, b, binding, False
        return None

    def _check(self, node, expr, part, need_2d, like) -> None:
        ctx = self.ctx
        if in_assertion(ctx, node):
            return
        hit = self._product(expr)
        terms = None
        if hit is None:
            terms = sum_of_products(ctx, expr) if part == "trace" else None
            if terms is None:
                return
            a, b, prod = terms[0]
            hit = (prod, a, b, None, False)
        prod, a, b, binding, exact = hit
        last = b if b is not None else a
        if b is None and product_pair(ctx, prod) is None:
            factors = chain_factors(ctx, prod)
            last = factors[-1] if factors else prod.args[0]
        if need_2d and _rank(ctx, prod) != 2 and not _gram(ctx, a, last) \
                and not (min_rank(ctx, a) >= 2 and min_rank(ctx, last) >= 2):
            return  # np.diag of a 1-D product builds a matrix
        ra, rb = _rank(ctx, a), _rank(ctx, last)
        dims = _product_dims(ctx, a, last, ra, rb)
        if self._uses_all(node, part, dims):
            return
        if any(sparse_evidence(ctx, x) for x in (a, last)):
            return  # a scipy.sparse product costs its nonzeros, and einsum raises on it
        fix = None
        if exact and b is not None and terms is None and not any_soft(ctx, a, b):
            new = self._fixed_text(part, a, b, ra, rb, like)
            if new is not None:
                fix = self.make_fix("Compute only the part that is used",
                                    self.replace(node, in_place(ctx, node, new[0], new[1])), safe=False)
        kind = part if isinstance(part, str) else part[0]
        what = {"trace": "its trace", "diagonal": "its diagonal", "row": "one row",
                "col": "one column", "entry": "one entry", "entries": "the indexed entries"}[kind]
        cheaper = {"trace": "`np.einsum('ij,ji->', A, B)` (n^2 instead of n^3; 12x at n=1024)",
                   "diagonal": "`np.einsum('ij,ji->i', A, B)` (n^2 instead of n^3)",
                   "row": "`A[i] @ B`", "col": "`A @ B[:, j]`", "entry": "`A[i] @ B[:, j]`",
                   "entries": "`A[i] @ B[:, j]` for each entry"}[kind]
        if kind in ("trace", "diagonal") and not (ra == 2 and rb == 2):
            # ranks not known to be 2: the operands may be stacks (`gs.trace` reduces the last two axes)
            cheaper = ("`np.einsum('...ij,...ji->...', A, B)`" if kind == "trace"
                       else "`np.einsum('...ij,...ji->...i', A, B)`") + " (per matrix of a stack; n^2 instead of n^3)"
        if terms is not None:
            cheaper = "one einsum per term (the trace of a sum is the sum of the traces)"
        elif b is None:
            cheaper = "the product of all but the last factor, then the einsum form with the last one"
        via = f" (bound to `{binding.name}`)" if binding is not None else ""
        whole = f"the products of `{_short(ctx, expr)}` are" if terms else f"the whole product `{_short(ctx, prod)}`{via} is"
        # soft evidence (a docstring, a method a subclass may override) is named: the claim rests on it
        note = facts_note(ctx, [a, last]) if any_soft(ctx, a, last) else ""
        self.report(node, f"{whole} computed but only {what} is used: compute only that with {cheaper}{note}", fix,
                    cost=_cost.partial_product(ctx, node, ctx.array_facts(a), ctx.array_facts(last),
                                               "element" if kind in ("entry", "entries") else "trace"))

    def _uses_all(self, node, part, dims) -> bool:
        """Is the "part" possibly all of the product? An index must be proven to leave entries unused
        (the indexed axis has 2+ entries): ``(r.T @ S @ r)[0, 0]`` on a column ``r`` uses all of it."""
        rows, cols = dims
        kind = part if isinstance(part, str) else part[0]
        if kind in ("trace", "diagonal"):
            return _known_one(rows) or _known_one(cols)
        if kind == "row":
            return not proven_wider(self.ctx, node, rows, part[1])
        if kind == "col":
            return not proven_wider(self.ctx, node, cols, part[1])
        return not (proven_wider(self.ctx, node, rows, part[1]) or proven_wider(self.ctx, node, cols, part[2]))

    def _fixed_text(self, part, a, b, ra, rb, like) -> tuple[str, int] | None:
        """(replacement, its precedence) or None when the ranks do not make it exact."""
        ctx = self.ctx
        if isinstance(part, str):  # trace / diagonal
            if ra != 2 or rb != 2:
                return None
            lib = ctx.array_facts(a).lib or ctx.array_facts(b).lib
            einsum = _einsum_spelling(ctx, like, lib)
            if einsum is None:
                return None
            spec = "'ij,ji->'" if part == "trace" else "'ij,ji->i'"
            return f"{einsum}({spec}, {ctx.text(a)}, {ctx.text(b)})", POSTFIX
        kind = part[0]
        if kind == "entry" and ra == 2 and rb == 2:
            i, j = (ctx.text(x) for x in part[1:])
            return f"{paren(ctx, a, POSTFIX)}[{i}] @ {paren(ctx, b, POSTFIX)}[:, {j}]", MATMUL_PREC
        if kind == "row" and ra == 2 and rb in (1, 2):
            return f"{paren(ctx, a, POSTFIX)}[{ctx.text(part[1])}] @ {paren(ctx, b, 13)}", MATMUL_PREC
        if kind == "row" and ra == 1 and rb == 2:  # (a @ B)[j] is a column of B
            return f"{paren(ctx, a, 12)} @ {paren(ctx, b, POSTFIX)}[:, {ctx.text(part[1])}]", MATMUL_PREC
        if kind == "col" and ra == 2 and rb == 2:
            return f"{paren(ctx, a, 12)} @ {paren(ctx, b, POSTFIX)}[:, {ctx.text(part[1])}]", MATMUL_PREC
        return None


def _backend_trace(q) -> bool:
    """``gs.trace`` (a backend module's batched trace), not numpy's or torch's own."""
    return bool(q) and q.endswith(".trace") and not q.startswith(("numpy.", "torch.")) and q.count(".") >= 1


def _short(ctx, node) -> str:
    text = ctx.text(node)
    return text if len(text) <= 60 else text[:57] + "..."
