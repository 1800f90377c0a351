"""What an einsum subscript string computes (BL502, BL505): parse it, name the product it
spells, and give the exact ``@``/``dot``/``outer`` form where there is one.

An ellipsis is kept as the one character ``.`` in the parsed terms. Implicit
mode (no ``->``) follows NumPy: the output is every letter that appears once,
in sorted order, after the ellipsis.
"""

from __future__ import annotations

import ast

from dataclasses import dataclass
from itertools import combinations


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
        if not batch and len(a) == 1 and len(b) == 1 and free_a and free_b and "." not in a + b:
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
    pair is a BLAS product), provided the two share no index they both keep: a
    kept shared index is a batch (Hadamard) index, and such a pair is einsum's
    own loop again (scikit-fem's ``'ijkl,jl,kl->ikl'``: optimize=True measured
    slower). No for "ij,ij,ij->" and friends.
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
        common = (ti & tj) - {"."}
        shared = common - others
        if shared and shared == common and ((ti - tj - {"."}) or (tj - ti - {"."})):
            return True
    return False


def spec_strings(ctx, arg) -> list[str] | None:
    """The subscripts an einsum call can run with: a literal, a name bound once to one, or to a
    conditional choice of literals (``c = 'ij,nij->n' if x.ndim == 3 else 'ij,ij->'``, also unpacked
    from a conditional choice of tuples). None when anything else may reach it."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if not isinstance(arg, ast.Name):
        return None
    b = ctx.reaching_binding(arg)
    stmt = getattr(b, "stmt", None) if b is not None and b.kind == "assign" else None
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
        return None
    target, value = stmt.targets[0], stmt.value
    index = None
    if isinstance(target, ast.Tuple):
        index = next((i for i, e in enumerate(target.elts) if isinstance(e, ast.Name) and e.id == arg.id), None)
        if index is None:
            return None
    elif not (isinstance(target, ast.Name) and target.id == arg.id):
        return None
    branches = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
    out = []
    for br in branches:
        if index is not None:
            if not isinstance(br, ast.Tuple) or len(br.elts) != len(target.elts):
                return None
            br = br.elts[index]
        if not (isinstance(br, ast.Constant) and isinstance(br.value, str)):
            return None
        out.append(br.value)
    return out
