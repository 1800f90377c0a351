"""BL502 einsum-without-blas: the rule, its examples and its fix (subscripts parsed in ``_einsum_spec``)."""

from __future__ import annotations

import ast

from blaslint.analysis import cost as _cost
from blaslint.analysis.facts import known_small
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import kwarg, paren
from blaslint.rules.vectorize import _einsum_forms as ef
from blaslint.rules.vectorize._einsum_spec import classify, pairwise_helps, parse, product_form, spec_strings


class EinsumWithoutBlas(Rule):
    """``np.einsum`` spelling a matrix product (or 3+ operands) without ``optimize=``.

    NumPy's einsum runs its own loop nest unless ``optimize`` is set: a
    matmul, batched matmul, matrix-vector product or dot written as einsum
    never reaches BLAS (7x slower for a 512x512 matmul here), and with three
    or more operands it runs one loop nest over every index at once instead of
    contracting pairwise (``optimize=True``). Element-wise-then-reduce
    subscripts (``"ij,ij->i"``), traces and diagonals are what einsum is for,
    and are not flagged; nor are ``torch.einsum`` and ``jax.numpy.einsum``,
    which contract through BLAS already.
    """

    code = "BL502"
    name = "einsum-without-blas"
    summary = "einsum spelling a matrix product without optimize=: no BLAS"
    fix_safety = "unsafe"
    triggers = ("einsum",)

    VALID = [
        # the only contracted pairs keep a shared batch index: no BLAS pair, optimize=True measured 0.3-0.7x
        "import numpy as np\nv = np.einsum('ijkl,jl,kl->ikl', DF, phi, w)\n",
        # one of the run-time choices is a row-wise reduction einsum does well: no claim for every case
        "import numpy as np\ndef ll(x, J):\n    c = 'ij,ij->' if x.ndim == 2 else 'ij,nij->n'\n    return np.einsum(c, J, x)\n",
        # the subscripts may be rebound: unknown
        "import numpy as np\ndef f(spec, A, B):\n    return np.einsum(spec, A, B)\n",
        'import numpy as np\nr = np.einsum("ij,ij->i", A, B)\n',
        'import numpy as np\nd = np.einsum("ii->i", A)\n',
        'import numpy as np\nt = np.einsum("ii", A)\n',
        'import numpy as np\nC = np.einsum("ij,jk->ik", A, B, optimize=True)\n',
        'import numpy as np\nC = np.einsum("ij,jk,kl->il", A, B, D, optimize="greedy")\n',
        'import numpy as np\nC = np.einsum(spec, A, B)\n',
        'import numpy as np\nP = np.einsum("i,i->i", a, b)\n',
        'import numpy as np\nS = np.einsum("ij,j->ij", A, d)\n',
        'import torch\nC = torch.einsum("ij,jk->ik", A, B)\n',
        'import numpy as np\ns = np.einsum("ij,ij,ij->", A, B, D)\n',
        'import numpy as np\nT = np.einsum("ij->ji", A)\n',
        'import numpy as np\nC = np.einsum(A, [0, 1], B, [1, 2], [0, 2])\n',
        # the vector axis sits in the middle: the BLAS route needs a transposed copy
        'import numpy as np\ny = np.einsum("ijk,j->ik", T, v)\n',
        # a sum over one operand's own axis
        'import numpy as np\ny = np.einsum("ij,k->i", A, v)\n',
        # the output keeps every index: a broadcast product, no contraction
        'import numpy as np\nT = np.einsum("ik,jk->ijk", a, a)\n',
        # 1-D operands built from a one-element list (object arrays in numpy's own tests)
        'import numpy as np\nobj = np.array([Mult()])\nr = np.einsum("i,j", obj, obj)\n',
    ]
    INVALID = [
        Invalid('import numpy as np\nC = np.einsum("ij,jk->ik", A, B)\n',
                'import numpy as np\nC = np.matmul(A, B)\n', unsafe=True),
        Invalid('import numpy as np\nA = np.random.rand(2000, 800)\nB = np.random.rand(800, 600)\nC = np.einsum("ij,jk->ik", A, B)\n',
                'import numpy as np\nA = np.random.rand(2000, 800)\nB = np.random.rand(800, 600)\nC = A @ B\n', unsafe=True),
        # a 3x3 literal: microseconds whatever the spelling
        Invalid('import numpy as np\nR = np.eye(3)\nS = np.eye(3)\nC = np.einsum("ij,jk->ik", R, S)\n', count=0),
        Invalid('import numpy as np\nC = np.einsum("bij,bjk->bik", A, B)\n',
                'import numpy as np\nC = np.matmul(A, B)\n', unsafe=True),
        Invalid('import numpy as np\ns = np.einsum("i,i->", a, b)\n',
                'import numpy as np\ns = np.dot(a, b)\n', unsafe=True),
        Invalid('import numpy as np\ns = np.einsum("i,i", a, b)\n',
                'import numpy as np\ns = np.dot(a, b)\n', unsafe=True),
        Invalid('import numpy as np\ny = np.einsum("ij,j->i", A, x)\n',
                'import numpy as np\ny = np.matmul(A, x)\n', unsafe=True),
        Invalid('import numpy as np\nC = np.einsum("ji,jk->ik", A, B)\n',
                'import numpy as np\nC = np.matmul(A.T, B)\n', unsafe=True),
        Invalid('import numpy as np\nC = np.einsum("ij,kj", A, B)\n',
                'import numpy as np\nC = np.matmul(A, B.T)\n', unsafe=True),
        Invalid('import numpy as np\nO = np.einsum("i,j->ij", a, b)\n',
                'import numpy as np\nO = np.outer(a, b)\n', unsafe=True),
        Invalid('import numpy as np\nR = np.einsum("ij,jk,klm->ilm", A, B, D)\n',
                'import numpy as np\nR = np.einsum("ij,jk,klm->ilm", A, B, D, optimize=True)\n', unsafe=True),
        Invalid('import numpy as np\nR = np.einsum("ij,jk,klm->ilm", A, B, D, optimize=False)\n',
                'import numpy as np\nR = np.einsum("ij,jk,klm->ilm", A, B, D, optimize=True)\n', unsafe=True),
        # 3 operands with an explicit BLAS form: suggested (a fix when the operands are known arrays)
        Invalid('import numpy as np\nR = np.einsum("ij,jk,kl->il", A, B, D)\n'),
        Invalid('import numpy as np\nX = np.random.rand(500, 8)\nw = np.random.rand(500)\n'
                'G = np.einsum("ci,c,cj->ij", X, w, X)\n',
                'import numpy as np\nX = np.random.rand(500, 8)\nw = np.random.rand(500)\nG = (X.T * w) @ X\n',
                unsafe=True),
        Invalid('import numpy as np\ndef var(Kt, Kinv):\n    return np.einsum("ki,kj,ij->k", Kt, Kt, Kinv)\n'),
        # geomstats' backend einsum is numpy's
        Invalid('import geomstats.backend as gs\nC = gs.einsum("...ij,...jk->...ik", A, B)\n',
                'import geomstats.backend as gs\nC = gs.matmul(A, B)\n', unsafe=True),
        # a stack of vectors times a matrix that may be one 2-D array: a GEMM
        Invalid('import numpy as np\nP = np.random.rand(7, 60)\nY = np.random.rand(1000, 60)\n'
                'F = np.einsum("...ij,...j", P, Y)\n',
                'import numpy as np\nP = np.random.rand(7, 60)\nY = np.random.rand(1000, 60)\nF = Y @ P.T\n',
                unsafe=True),
        Invalid('import numpy as np\nC = np.einsum("...ij,...jk->...ik", A, B)\n',
                'import numpy as np\nC = np.matmul(A, B)\n', unsafe=True),
        Invalid('import cupy as cp\nC = cp.einsum("bij,bjk->bik", A, B)\n', count=0),
        # autograd.numpy wraps NumPy: the same einsum loop, and its matmul is differentiable too
        Invalid('import autograd.numpy as np\ndef f(A, B):\n    return np.einsum("ij,jk->ik", A, B)\n',
                'import autograd.numpy as np\ndef f(A, B):\n    return np.matmul(A, B)\n', unsafe=True),
        # batched matrix-vector: reported as info (einsum's loop is as fast as matmul here, measured)
        Invalid('import numpy as np\ny = np.einsum("ijk,ik->ij", A, b)\n'),
        # per-row 3-operand einsum in a loop: optimize=True is slower there (0.1x measured), no BLAS form
        Invalid('import numpy as np\ndef f(X, T, idx):\n    for i in idx:\n        rows = X[i]\n'
                '        r = np.einsum("ij,jk,klm->ilm", rows, T, T)\n', count=0),
        Invalid('import xp\nC = xp.einsum("ij,jk->ik", A, B)\n', count=0),
        # subscripts chosen at run time between literals, each a product without BLAS (pybasicbayes)
        Invalid("import numpy as np\ndef ll(x, h):\n    c1 = 'i,i->' if x.ndim == 1 else 'i,ni->n'\n"
                "    return np.einsum(c1, h, x)\n"),
        Invalid("import numpy as np\ndef ll(x, h, J, xxT):\n"
                "    c1, c2 = ('i,i->', 'ij,ij->') if x.ndim == 1 else ('i,ni->n', 'ij,nij->n')\n"
                "    return np.einsum(c1, h, x)\n"),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        api = ctx.resolve_call(node)
        if not (api == "numpy.einsum" and ctx.library(node) == "numpy" or api == "geomstats.backend.einsum"):
            api = _reexported_numpy(node.func)
        if api is None:
            return  # torch/jax einsum contract through BLAS; an unknown `xx.einsum` may too
        texts = spec_strings(ctx, node.args[0]) if node.args else None
        if not texts:
            return
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            return
        opt = kwarg(node, "optimize")
        if opt is not None and not (isinstance(opt, ast.Constant) and opt.value is False):
            return
        if any(k.arg not in ("optimize",) for k in node.keywords):
            return  # out=, dtype=, casting=: leave alone
        operands = node.args[1:]
        if any(isinstance(x, (ast.List, ast.Tuple, ast.Constant)) for x in operands):
            return  # literal operands: a toy or a test of einsum itself
        if any(_sparse(ctx, x) for x in operands):
            return  # einsum does not take scipy.sparse matrices: no rewrite to suggest
        if len(texts) > 1:
            self._alternatives(node, texts, operands)
            return
        self.subscripts = texts[0]
        spec = parse(texts[0])
        if spec is None or len(spec.inputs) != len(operands):
            return
        small = [known_small(ctx.array_facts(x)) or (len(term) == 1 and _short_literal(ctx, x))
                 for x, term in zip(operands, spec.inputs)]
        if all(small) or (len(operands) == 2 and any(small)):
            return  # microseconds whatever the spelling
        self.backend = " (geomstats' numpy backend calls numpy's einsum)" if api.startswith("geomstats") else ""
        cost = _cost.einsum_no_blas(ctx, node, _explicit(spec), [ctx.array_facts(x) for x in operands])
        if len(operands) >= 3:
            self._many(node, spec, operands, opt, cost)
            return
        if len(operands) != 2:
            return
        stacked = None if classify(spec) else _stacked_matvec(spec)
        kind = classify(spec) or (stacked[0] if stacked else None)
        if kind is None:
            return
        fix = self._matvec_fix(node, operands, stacked) if stacked else self._product_fix(node, spec, operands)
        article = "an" if kind[0] in "aeiou" else "a"
        severity = None
        if kind == "outer product":
            advice = "write `np.outer(a, b)`, which says what it computes (no BLAS either way: no speed-up measured)"
            severity = "info"
        elif kind == "dot product":
            advice = "write `a @ b` (BLAS dot; 2x measured)"
        elif kind == "stacked matrix-vector product":
            advice = ("when the matrix is one 2-D array, `x @ A.T` is a single GEMM over all the rows; for a stack "
                      "of matrices, `np.matmul(A, x[..., None])[..., 0]`")
            if ctx.array_facts(operands[stacked[1]]).rank != 2:
                # the gain rests on the matrix being one 2-D array, which nothing here shows: for a stack of
                # matrices einsum's loop is as fast as matmul (measured), so this is no default finding
                severity = "info"
                advice += " (no faster for a stack: measured; the matrix's rank is not known here)"
        elif kind == "batched matrix-vector product":
            advice = "`np.matmul(A, x[..., None])[..., 0]` exists, but is no faster for a stack (measured)"
            severity = "info"
        else:
            advice = "write it with `@` / `np.matmul` (BLAS; 4-10x measured for batched matrix products)"
        self.report(node, f"`einsum(\"{self.subscripts}\")` is {article} {kind} computed by einsum's own "
                    f"loop, without BLAS{self.backend}: {advice}; {cost.describe()}", fix, cost=cost,
                    severity=severity)

    def _alternatives(self, node, texts, operands) -> None:
        """Subscripts chosen at run time between literals: reported when every choice is one of the
        products einsum computes without BLAS (message only: the rewrite differs per choice)."""
        ctx = self.ctx
        if all(known_small(ctx.array_facts(x)) for x in operands):
            return
        kinds = []
        for text in texts:
            spec = parse(text)
            if spec is None or len(spec.inputs) != len(operands):
                return
            kind = classify(spec) or ((_stacked_matvec(spec) or (None,))[0] if len(operands) == 2 else None)
            if len(operands) >= 3 and pairwise_helps(spec):
                kind = "contraction of several operands"
            if kind in (None, "outer product", "batched matrix-vector product", "stacked matrix-vector product"):
                return
            kinds.append(f"`{text}` ({kind})")
        facts = [ctx.array_facts(x) for x in operands]
        cost = max((_cost.einsum_no_blas(ctx, node, _explicit(parse(t)), facts) for t in texts),
                   key=lambda c: c.saving)  # the costliest choice: either may run
        self.report(node, f"einsum with subscripts chosen at run time ({ctx.text(node.args[0])}: "
                          f"{' or '.join(kinds)}): each is computed by einsum's own loop, without BLAS: write each "
                          f"branch with `@` / `np.vdot` / `np.tensordot` (BLAS); {cost.describe()}", None, cost=cost)

    def _many(self, node, spec, operands, opt, cost) -> None:
        """3+ operands: the explicit BLAS form where one exists, else ``optimize=True`` (not per row in a loop)."""
        ctx = self.ctx
        scaled = ef.scaled_vector_form(spec)
        if scaled is not None:
            text = scaled.format(*[paren(ctx, x, 13) for x in operands])
            self.report(node, f"einsum over {len(operands)} operands without `optimize=`: one loop nest over every "
                        f"index and no BLAS{self.backend}; two of them are vectors on the summed index, so "
                        f"`{text}` is the same matrix-vector product through BLAS (3-9x measured at 10^3-10^5 "
                        f"rows); {cost.describe()}", None, cost=cost)
            return
        if not pairwise_helps(spec):
            return
        form = ef.blas_form(spec)
        if form is not None:
            text = form.format(*[paren(ctx, x, 15) for x in operands]).replace("np.einsum", ctx.text(node.func))
            text = text.replace(".T.T", "")  # an operand written `Y.T`, transposed back
            exact = all(ctx.array_facts(x).rank == len(t) and ctx.array_facts(x).lib == "numpy"
                        and not ctx.array_facts(x).soft for x, t in zip(operands, spec.inputs))
            fix = self.make_fix(f"Replace with `{text}`", self.replace(node, text), safe=False) if exact else None
            self.report(node, f"einsum over {len(operands)} operands without `optimize=`: one loop nest over every "
                        f"index and no BLAS{self.backend}; `{text}` is the same contraction through BLAS (12-19x "
                        f"measured for a weighted Gram, faster than `optimize=True` at every size); "
                        f"{cost.describe()}", fix, cost=cost)
            return
        loop = ef.row_subset_in_loop(ctx, node, operands)
        if loop is not None:
            return  # a few rows per iteration: optimize=True's path search costs more (0.1x measured)
        fix = self._optimize_fix(node, opt)
        self.report(node, f"einsum over {len(operands)} operands without `optimize=`: one loop nest over every "
                    f"index and no BLAS{self.backend}; `optimize=True` contracts pairwise through BLAS; "
                    f"{cost.describe()}", fix, cost=cost)

    def _matvec_fix(self, node, operands, stacked):
        """``einsum('...ij,...j', A, x)`` with ``A`` known 2-D: ``x @ A.T`` (``x @ A`` for ``'...j,...jk'``)."""
        ctx = self.ctx
        kind, m, last = stacked
        A, x = operands[m], operands[1 - m]
        fA, fx = ctx.array_facts(A), ctx.array_facts(x)
        if kind != "stacked matrix-vector product" or fA.rank != 2 or fA.lib != "numpy" or fx.rank is None \
                or fx.rank < 1 or fx.lib != "numpy" or fA.soft or fx.soft:
            return None
        new = f"{paren(ctx, x, 12)} @ {paren(ctx, A, 15)}" + (".T" if last else "")
        return self.make_fix(f"Replace with `{new}`", self.replace(node, new), safe=False)

    def _optimize_fix(self, node, opt):
        if opt is not None:
            return self.make_fix("Set `optimize=True`", self.replace(opt, "True"), safe=False)
        end = self.ctx.span(node)[1]
        last = node.args[-1] if not node.keywords else node.keywords[-1].value
        last_end = self.ctx.span(last)[1]
        text = self.ctx.source.text
        return self.make_fix("Add `optimize=True`", self.replace_span(last_end, last_end, ", optimize=True"),
                             safe=False) if text[last_end:end].strip().rstrip(",").strip() == ")" else None

    def _product_fix(self, node, spec, operands):
        ctx = self.ctx
        form = product_form(spec)
        if form is None or kwarg(node, "optimize") is not None and len(node.keywords) > 1:
            return None
        fn, (ta, tb) = form
        a, b = operands
        # `@` needs arrays known from the code (a docstring is not enough); np.matmul takes lists too
        both_arrays = all(ctx.array_facts(x).rank is not None and ctx.array_facts(x).lib == "numpy"
                          and not ctx.array_facts(x).soft for x in operands)

        def t(x, flag, prec):
            return f"{paren(ctx, x, 15)}.T" if flag else paren(ctx, x, prec)

        if fn == "matmul" and both_arrays:
            new = f"{t(a, ta, 12)} @ {t(b, tb, 13)}"
        else:
            spelled = ctx.spell_like(node.func, fn, f"numpy.{fn}")
            if spelled is None:
                return None
            new = f"{spelled}({t(a, ta, 1)}, {t(b, tb, 1)})"
        return self.make_fix(f"Replace with `{new}`", self.replace(node, new), safe=False)


def _sparse(ctx, x) -> bool:
    """A scipy.sparse matrix, made here or bound to a local name (``S = sp.csr_matrix(...)``)."""
    if isinstance(x, ast.Name):
        x = ctx.value_of(x) or x
    api = ctx.resolve_call(x) if isinstance(x, ast.Call) else None
    return bool(api and api.startswith("scipy.sparse"))


def _reexported_numpy(func) -> str | None:
    """``g.np.einsum``: numpy re-exported by a local module (trimesh's test helper ``g``)."""
    if isinstance(func, ast.Attribute) and func.attr == "einsum" and isinstance(func.value, ast.Attribute) \
            and func.value.attr in ("np", "numpy"):
        return "numpy.einsum"
    return None


def _explicit(spec) -> str:
    """Explicit-mode subscripts, the ellipsis as one more letter (``Z``) for the cost model."""
    return ",".join(spec.inputs).replace(".", "Z") + "->" + spec.output.replace(".", "Z")


def _stacked_matvec(spec) -> tuple[str, int, bool] | None:
    """``'...ij,...j->...i'``, ``'...j,...kj->...k'``, ``'bij,bj->bi'``: (kind, matrix operand, contracted last).

    With an ellipsis the matrix may be one 2-D array (then a single GEMM over all the
    rows); with an explicit batch letter it is a stack (measured: no faster through BLAS).
    """
    if len(spec.inputs) != 2:
        return None
    for m in (0, 1):
        mat, vec = spec.inputs[m], spec.inputs[1 - m]
        batch = vec[:-1]
        if len(mat) != len(batch) + 2 or mat[:len(batch)] != batch or len(set(mat)) != len(mat):
            continue
        c = vec[-1]
        rest = mat[len(batch):]
        if c not in rest or c in batch or spec.output != batch + rest.replace(c, ""):
            continue
        if batch == ".":
            return "stacked matrix-vector product", m, rest[1] == c
        if batch and "." not in batch:
            return "batched matrix-vector product", m, rest[1] == c
    return None


def _short_literal(ctx, expr) -> bool:
    """``np.array([Mult()])``: a 1-D operand built from a short list literal (any element type)."""
    if isinstance(expr, ast.Name):
        expr = ctx.value_of(expr)
    if isinstance(expr, ast.Call) and ctx.resolve_call(expr) in ("numpy.array", "numpy.asarray") and expr.args:
        lit = expr.args[0]
        return isinstance(lit, (ast.List, ast.Tuple)) and len(lit.elts) < 32 \
            and not any(isinstance(e, ast.Starred) for e in lit.elts)
    return False
