"""BL502 einsum-without-blas: the rule, its examples and its fix, and the subscript parser it rests on.

What an einsum subscript string computes: parse it, name the product it
spells, and give the exact ``@``/``dot``/``outer`` form where there is one.
An ellipsis is kept as the one character ``.`` in the parsed terms. Implicit
mode (no ``->``) follows NumPy: the output is every letter that appears once,
in sorted order, after the ellipsis.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from itertools import combinations

from blaslint.analysis.facts import known_small
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import kwarg, paren


# -- einsum subscripts -----------------------------------------------------------

@dataclass(frozen=True)
class Spec:
    inputs: tuple
    output: str
    ellipsis: bool


def parse(subscripts: str) -> Spec | None:
    s = subscripts.replace(" ", "")
    if s.count("->") > 1:
        return None
    lhs, arrow, rhs = s.partition("->")
    terms = []
    for raw in lhs.split(","):
        term = raw.replace("...", ".")
        if term.count(".") > 1 or not all(c.isalpha() or c == "." for c in term):
            return None
        terms.append(term)
    ellipsis = any("." in t for t in terms)
    if arrow:
        out = rhs.replace("...", ".")
        if out.count(".") > 1 or not all(c.isalpha() or c == "." for c in out):
            return None
        if "." in out and not ellipsis:
            return None
    else:
        letters = "".join(terms).replace(".", "")
        out = ("." if ellipsis else "") + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return Spec(tuple(terms), out, ellipsis)


def _repeats(term: str) -> bool:
    return len(set(term)) != len(term)


def classify(spec: Spec) -> str | None:
    """The product a two-operand einsum spells, or None (einsum is the right tool).

    Batched matrix-vector products ("bij,bj->bi") and matrix-vector products
    whose vector axes would need a transposed copy ("ijk,j->ik") are left
    alone: measured, einsum's loop is as fast as the BLAS route there.
    """
    if len(spec.inputs) != 2:
        return None
    a, b = spec.inputs
    o = spec.output
    if any(_repeats(t) for t in (a, b, o)):
        return None
    sa, sb, so = set(a), set(b), set(o)
    if not so <= sa | sb:
        return None
    if (sa - sb - so) or (sb - sa - so):
        return None  # a sum over one operand's own axis
    contracted = (sa & sb) - so
    batch = sa & sb & so
    free_a, free_b = sa - sb, sb - sa
    if "." in contracted:
        return None
    if not contracted:
        if not batch and len(a) == 1 and len(b) == 1 and free_a and free_b:
            return "outer product"
        return None
    if not free_a and not free_b:
        if not batch and len(a) == 1:
            return "dot product"
        return None  # "ij,ij->i", "ij,ij->": element-wise, then reduce
    if free_a and free_b:
        return ("batched " if batch else "") + "matrix product"
    if batch:
        return None
    mat, vec = (a, b) if free_a else (b, a)
    c = "".join(ch for ch in mat if ch in contracted)
    f = "".join(ch for ch in mat if ch not in contracted)
    if vec != c or mat not in (c + f, f + c) or o != f:
        return None
    return "matrix-vector product"


def product_form(spec: Spec) -> tuple[str, tuple[bool, bool]] | None:
    """(numpy function, (transpose a, transpose b)) computing exactly the same array."""
    if classify(spec) is None:
        return None
    a, b = spec.inputs
    o = spec.output
    if len(a) == 1 and len(b) == 1 and o == a + b and a != b:
        return "outer", (False, False)
    contracted = (set(a) & set(b)) - set(o)
    if len(contracted) != 1:
        return None
    c = next(iter(contracted))
    batch = "".join(ch for ch in o if ch in a and ch in b)
    if batch:
        # batched: the batch letters lead every term, nothing transposed
        n = len(batch)
        if a[:n] != batch or b[:n] != batch or o[:n] != batch or len(a) != n + 2 or len(b) != n + 2:
            return None
        p, q = a[n], b[n + 1]
        if a[n + 1] != c or b[n] != c or o[n:] != p + q:
            return None
        return "matmul", (False, False)
    if len(a) == 1 and len(b) == 1:
        if a == b == c and o == "":
            return "dot", (False, False)
        if o == a + b:
            return "outer", (False, False)
        return None
    if len(a) == 2 and len(b) == 2:
        p = (set(a) - {c}).pop()
        q = (set(b) - {c}).pop()
        if o != p + q:
            return None
        return "matmul", (a == c + p, b == q + c)
    if len(a) == 2 and len(b) == 1:
        p = (set(a) - {c}).pop()
        return ("matmul", (a == c + p, False)) if o == p else None
    if len(a) == 1 and len(b) == 2:
        q = (set(b) - {c}).pop()
        return ("matmul", (False, b == q + c)) if o == q else None
    return None


def pairwise_helps(spec: Spec) -> bool:
    """Would contracting 3+ operands pairwise (optimize=True) beat one loop nest?

    Yes when the nest spans more indices than any single term (pairwise
    contraction lowers the complexity), or when some index is shared by just
    two terms, is summed, and one of the two has an index the other lacks (that
    pair is a BLAS product). No for "ij,ij,ij->" and friends.
    """
    terms = list(spec.inputs)
    if any(_repeats(t) for t in terms):
        return False
    letters = set("".join(terms)) - {"."}
    largest = max(len(set(t) - {"."}) for t in [*terms, spec.output])
    if len(letters) > largest:
        return True
    for i, j in combinations(range(len(terms)), 2):
        ti, tj = set(terms[i]), set(terms[j])
        others = set("".join(t for k, t in enumerate(terms) if k not in (i, j))) | set(spec.output)
        shared = (ti & tj) - others - {"."}
        if shared and ((ti - tj - {"."}) or (tj - ti - {"."})):
            return True
    return False


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
        # batched matrix-vector: einsum's loop is as fast as matmul here (measured)
        'import numpy as np\ny = np.einsum("ijk,ik->ij", A, b)\n',
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
        Invalid('import numpy as np\nA = np.random.rand(50, 40)\nB = np.random.rand(40, 30)\nC = np.einsum("ij,jk->ik", A, B)\n',
                'import numpy as np\nA = np.random.rand(50, 40)\nB = np.random.rand(40, 30)\nC = A @ B\n', unsafe=True),
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
        Invalid('import numpy as np\nR = np.einsum("ij,jk,kl->il", A, B, D)\n',
                'import numpy as np\nR = np.einsum("ij,jk,kl->il", A, B, D, optimize=True)\n', unsafe=True),
        Invalid('import numpy as np\nR = np.einsum("ij,jk,kl->il", A, B, D, optimize=False)\n',
                'import numpy as np\nR = np.einsum("ij,jk,kl->il", A, B, D, optimize=True)\n', unsafe=True),
        Invalid('import numpy as np\nC = np.einsum("ij,jk->ijk", A, B).sum(axis=1)\n'),
        Invalid('import numpy as np\nC = np.einsum("...ij,...jk->...ik", A, B)\n',
                'import numpy as np\nC = np.matmul(A, B)\n', unsafe=True),
        Invalid('import cupy as cp\nC = cp.einsum("bij,bjk->bik", A, B)\n', count=0),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        if ctx.resolve_call(node) != "numpy.einsum" or ctx.library(node) != "numpy":
            return
        if not node.args or not isinstance(node.args[0], ast.Constant) or not isinstance(node.args[0].value, str):
            return
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            return
        opt = kwarg(node, "optimize")
        if opt is not None and not (isinstance(opt, ast.Constant) and opt.value is False):
            return
        if any(k.arg not in ("optimize",) for k in node.keywords):
            return  # out=, dtype=, casting=: leave alone
        spec = parse(node.args[0].value)
        operands = node.args[1:]
        if spec is None or len(spec.inputs) != len(operands):
            return
        if any(isinstance(x, (ast.List, ast.Tuple, ast.Constant)) for x in operands):
            return  # literal operands: a toy or a test of einsum itself
        small = [known_small(ctx.array_facts(x)) or (len(term) == 1 and _short_literal(ctx, x))
                 for x, term in zip(operands, spec.inputs)]
        if all(small) or (len(operands) == 2 and any(small)):
            return  # microseconds whatever the spelling
        if len(operands) >= 3:
            if pairwise_helps(spec):
                fix = self._optimize_fix(node, opt)
                self.report(node, f"einsum over {len(operands)} operands without `optimize=`: one loop nest "
                            "over every index and no BLAS; `optimize=True` contracts pairwise through BLAS "
                            "(~200x at n=1500)", fix)
            return
        if len(operands) != 2:
            self._summed_einsum(node, spec)
            return
        kind = classify(spec)
        if kind is None:
            self._summed_einsum(node, spec)
            return
        fix = self._product_fix(node, spec, operands)
        article = "an" if kind[0] in "aeiou" else "a"
        if kind == "outer product":
            advice = "write `np.outer(a, b)`, which says what it computes (no BLAS either way: no speed-up measured)"
        elif kind == "dot product":
            advice = "write `a @ b` (BLAS dot)"
        else:
            advice = "write it with `@` / `np.matmul` (BLAS) or pass `optimize=True` (7x faster for a 512x512 matmul)"
        self.report(node, f"`einsum(\"{node.args[0].value}\")` is {article} {kind} computed by einsum's own "
                    f"loop, without BLAS: {advice}", fix)

    def _summed_einsum(self, node, spec) -> None:
        """``np.einsum("ij,jk->ijk", A, B).sum(axis=1)``: a matmul through a 3-D temporary."""
        ctx = self.ctx
        parent = ctx.parent(node)
        axis = None
        if isinstance(parent, ast.Attribute) and parent.attr == "sum":
            call = ctx.parent(parent)
            if isinstance(call, ast.Call) and call.func is parent:
                ax = call.args[0] if len(call.args) == 1 and not call.keywords else kwarg(call, "axis")
                if isinstance(ax, ast.Constant) and isinstance(ax.value, int) and len(call.args) + len(call.keywords) == 1:
                    axis = ax.value
        if axis is None or len(spec.inputs) != 2 or spec.ellipsis or not (0 <= axis < len(spec.output)):
            return
        summed = spec.output[axis]
        reduced = Spec(spec.inputs, spec.output.replace(summed, ""), False)
        if classify(reduced) in ("matrix product", "batched matrix product", "matrix-vector product"):
            self.report(node, "einsum followed by `.sum()` over a shared index is a matrix product through a "
                        "temporary: write the product (`@`) instead")

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
        both_arrays = all(ctx.array_facts(x).rank is not None and ctx.array_facts(x).lib == "numpy"
                          for x in operands)

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


def _short_literal(ctx, expr) -> bool:
    """``np.array([Mult()])``: a 1-D operand built from a short list literal (any element type)."""
    if isinstance(expr, ast.Name):
        expr = ctx.value_of(expr)
    if isinstance(expr, ast.Call) and ctx.resolve_call(expr) in ("numpy.array", "numpy.asarray") and expr.args:
        lit = expr.args[0]
        return isinstance(lit, (ast.List, ast.Tuple)) and len(lit.elts) < 32 \
            and not any(isinstance(e, ast.Starred) for e in lit.elts)
    return False
