"""BL502's explicit BLAS forms of 3-operand einsums, and where ``optimize=True`` does not pay.

Measured (benchmarks/speedup_cases/vectorize.py, 1 BLAS thread):
``einsum('ij,i,ik->jk')`` -> ``(a.T * w) @ b`` 12.6-18.9x, while ``optimize=True``
is only 3.2x at n=100, 1.3x at 1e3 and 0.7x (slower) at 1e5 against that form;
for a per-row 3-operand einsum inside a loop ``optimize=True`` measured 0.1x
(its path search costs more than the contraction). So: suggest the explicit
form where one exists, and ``optimize=True`` only outside loops over row subsets.
"""

from __future__ import annotations

import ast


def blas_form(spec) -> str | None:
    """A ``str.format`` template over operands ``{0}``, ``{1}``, ``{2}`` computing the same array, or None.

    - weighted Gram ``'ci,c,cj->ij'`` (any operand order): ``({X}.T * {w}) @ {Y}``
    - diagonal of a triple product ``'ki,ij,kj->k'``: ``np.einsum('ij,ij->i', {A} @ {M}, {B})``
    - bilinear form ``'i,ij,j->'``: ``{x} @ {A} @ {y}``
    - matrix chain ``'ij,jk,kl->il'``: ``{A} @ {B} @ {C}``
    """
    terms = list(spec.inputs)
    out = spec.output
    if len(terms) != 3 or spec.ellipsis or any(len(set(t)) != len(t) for t in terms):
        return None
    ranks = sorted(len(t) for t in terms)
    if ranks == [1, 2, 2]:
        w = next(i for i, t in enumerate(terms) if len(t) == 1)
        x, y = [i for i in range(3) if i != w]
        c = terms[w]
        tx, ty = terms[x], terms[y]
        if c in tx and c in ty and c not in out:
            p, q = tx.replace(c, ""), ty.replace(c, "")
            if p != q and out == p + q:
                left = f"{{{x}}}" if tx == p + c else f"{{{x}}}.T"
                right = f"{{{y}}}" if ty == c + q else f"{{{y}}}.T"
                return f"({left} * {{{w}}}) @ {right}"
        return None
    if ranks == [1, 1, 2] and out == "":
        return _bilinear(terms)
    if ranks == [2, 2, 2] and len(out) == 1:
        return _diag_triple(terms, out)
    if ranks == [2, 2, 2] and len(out) == 2:
        return _chain(terms, out)
    return None


def _bilinear(terms) -> str | None:
    m = next(i for i, t in enumerate(terms) if len(t) == 2)
    u, v = [i for i in range(3) if i != m]
    a, b = terms[m]
    if terms[u] == a and terms[v] == b and a != b:
        return f"{{{u}}} @ {{{m}}} @ {{{v}}}"
    if terms[v] == a and terms[u] == b and a != b:
        return f"{{{v}}} @ {{{m}}} @ {{{u}}}"
    return None


def _diag_triple(terms, out) -> str | None:
    k = out
    rows = [i for i, t in enumerate(terms) if k in t]
    if len(rows) != 2:
        return None
    m = next(i for i in range(3) if i not in rows)
    a, b = rows
    pa, pb = terms[a].replace(k, ""), terms[b].replace(k, "")
    if terms[a] != k + pa or terms[b] != k + pb or len(pa) != 1 or len(pb) != 1 or pa == pb:
        return None
    if terms[m] == pa + pb:
        return f"np.einsum('ij,ij->i', {{{a}}} @ {{{m}}}, {{{b}}})"
    if terms[m] == pb + pa:
        return f"np.einsum('ij,ij->i', {{{b}}} @ {{{m}}}, {{{a}}})"
    return None


def _chain(terms, out) -> str | None:
    for order in ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)):
        t = [terms[i] for i in order]
        if t[0][1] == t[1][0] and t[1][1] == t[2][0] and out == t[0][0] + t[2][1] \
                and len(set(t[0] + t[1] + t[2])) == 4:
            return " @ ".join(f"{{{i}}}" for i in order)
    return None


def row_subset_in_loop(ctx, node: ast.Call, operands) -> ast.AST | None:
    """The loop when an operand is a row subset chosen per iteration (``X[idx]``, ``X[i:j]``, ``X[mask]``)."""
    loop = ctx.enclosing_loop(node)
    if loop is None:
        return None
    for op in operands:
        if isinstance(op, ast.Name):
            value = ctx.value_of(op)
            op = value if value is not None else op
        if isinstance(op, ast.Subscript) and not ctx.is_loop_invariant(op, loop):
            return loop
    return None


def scaled_vector_form(spec) -> str | None:
    """``'ij,j,j->i'`` (pybasicbayes' diagonal Gaussian): two 1-D operands on one summed index are one vector,
    their product (as cheap as reading them), and the rest is a matrix-vector product through BLAS:
    ``{0} @ ({1} * {2})``. Two same-subscript operands that keep a data-sized index (``'ij,ij,j->i'``) are
    not: their product is a temporary as large as the data, and the fused einsum loop measured 2-5x faster
    than ``(x * x) @ J`` at 10^5 rows (benchmarks in the rule page)."""
    terms = list(spec.inputs)
    if len(terms) != 3 or spec.ellipsis or any(len(set(t)) != len(t) for t in terms):
        return None
    for i, j in ((0, 1), (0, 2), (1, 2)):
        if terms[i] == terms[j] and len(terms[i]) == 1 and terms[i] not in spec.output:
            k = 3 - i - j
            m, v = terms[k], terms[i]
            if len(m) == 2 and v in m and spec.output == m.replace(v, ""):
                left = m.index(v) == 1  # 'ij,j->i': M @ v; 'ji,j->i': v @ M
                pair = f"({{{i}}} * {{{j}}})"
                return f"{{{k}}} @ {pair}" if left else f"{pair} @ {{{k}}}"
    return None
