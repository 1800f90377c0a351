"""BL503 proposals resting on what a reduction itself shows (no creation site says enough).

``(K * y).sum(1)`` with ``K`` known 2-D and ``y`` unknown: the product is made in full only to be summed,
whatever ``y`` is. ``np.sum(x ** 2)`` with nothing known of ``x``: NumPy sums it, so it is an array.
``np.sum(P * Q)`` with nothing known of either: the product is made only to be summed, whatever they are.
None offers a fix; the messages name the cases they rest on, and the last two are info.
"""

from __future__ import annotations

import ast

from blaslint.analysis.annotations import may_be_number
from blaslint.analysis.evidence import describe_facts
from blaslint.analysis.facts import known_small
from blaslint.analysis.sparse import matrix_semantics, sparse_evidence
from blaslint.rules._common import POSTFIX
from blaslint.rules.vectorize import _broadcast as bc
from blaslint.rules.vectorize._reduce_checks import NOT_BLAS, Proposal, _lib, _operand_text, quadratic_form, short
from blaslint.rules.vectorize._reduce_library import from_unknown_call, imported_tops
from blaslint.rules.vectorize._reduce_forms import (Reduction, array_evidence, factors, in_root_with_terms,
                                                    root_around,
                                                    int_constant, squared)


def beside_unknown(ctx, red: Reduction) -> Proposal | None:
    """``(K * y).sum(1)`` with ``K`` known 2-D (or more) and ``y`` of unknown shape: whatever ``y`` is, the
    product is made in full only to be summed. A vector along the summed axis makes it a matrix-vector
    product, ``K``'s shape row-wise dots, a number ``y * K.sum(1)``: the message names the three, no fix."""
    if red.lib in ("builtin", "geomstats") or red.lib == "method" and red.axis is None \
            or squared(ctx, red.operand) is not None or in_root_with_terms(ctx, red.call):
        return None
    pair = factors(ctx, red.operand)
    if pair is None or quadratic_form(ctx, *pair) or bool(array_evidence(ctx, pair[0])) == bool(
            array_evidence(ctx, pair[1])):
        return None
    a, b = pair
    known, other = (a, b) if array_evidence(ctx, a) else (b, a)
    f = ctx.array_facts(known)
    axis = int_constant(red.axis) if red.axis is not None else None
    numpy_sum = red.lib == "numpy" and _plain_numpy(ctx, red.call.func, autograd=True)
    if f.rank is None or f.rank < (2 if red.axis is not None else 1) or f.dtype in NOT_BLAS \
            or f.lib != "numpy" and not (f.lib is None and numpy_sum) \
            or known_small(f) or red.keepdims or red.axis is not None and (axis is None or not -f.rank <= axis < f.rank):
        return None
    if bc.pattern(ctx, known) or bc.pattern(ctx, other) or f.shape and 1 in f.shape:
        return None  # an inserted axis (`x[:, None]`, a reshape to (1, m, k)): a hidden contraction (BL505)
    if isinstance(other, ast.Constant) or ctx.array_facts(other).rank is not None \
            or sparse_evidence(ctx, other) or matrix_semantics(ctx, other) or _lib(ctx, red, known) is None:
        return None  # a number, a known scalar, a sparse matrix or np.matrix (`*` is a product there)
    k, o = short(ctx, known, 30), short(ctx, other, 30)
    # the "a number" spelling: `c * A.sum()` with each side parenthesised as its place needs
    scaled = f"{_operand_text(ctx, other, 12, 30)} * {_operand_text(ctx, known, POSTFIX, 30)}.sum"
    if red.axis is None:  # the whole product summed: an inner product, a contraction, or a scaled sum
        return Proposal(red.call, f"`{short(ctx, red.call)}` multiplies `{k}` by `{o}` (of unknown shape; "
                        f"{describe_facts(k, f)}) in full only to sum all of it: `np.vdot({k}, {o})` when `{o}` has "
                        f"`{k}`'s shape (real, C-contiguous), `np.einsum` on the factors when it broadcasts, "
                        f"`{scaled}()` when it is a number; each skips the temporary (2.5-5x measured; info: "
                        "such a sum usually sits beside the work that made its operands, which costs more)",
                        None, red.operand, "info")
    ax = ctx.text(red.axis)
    return Proposal(red.call, f"`{short(ctx, red.call)}` multiplies `{k}` by `{o}` (of unknown shape; "
                    f"{describe_facts(k, f)}) in full only to sum the product along axis {ax}: a matrix-vector "
                    f"product (`@`) when "
                    f"`{o}` is a vector along that axis, row-wise dots (`np.einsum`) when it has `{k}`'s shape, "
                    f"`{scaled}(axis={ax})` when it is a number; each skips the temporary (1.5-3x measured)",
                    None, red.operand)


def both_unknown(ctx, red: Reduction) -> Proposal | None:
    """``np.sum(P * Q)`` (or along one axis) with nothing known of either factor. Whatever they are, the
    product is made in full only to be summed: an inner product when they share a shape, a contraction
    when they broadcast, a scaled sum when one is a number. Each skips the temporary, so the claim holds in
    every case; which rewrite applies is not known, so no fix, and info (the sum usually sits beside the
    work that made its operands, which costs more)."""
    backend = red.lib == "backend"
    torch = _torch_sum(ctx, red)
    if not (_numpy_sum(ctx, red) or backend or torch) or red.keepdims or root_around(ctx, red.call)[0]:
        return None  # a weighted norm sqrt(sum(w * x**2)) keeps its temporary x**2 whatever is done
    sq = squared(ctx, red.operand)
    if sq is not None:
        return _backend_squares(ctx, red, sq[0]) if backend and not sq[1] else None
    axis = int_constant(red.axis) if red.axis is not None else None
    if red.axis is not None and axis is None:
        return None
    pair = factors(ctx, red.operand)
    if pair is None or quadratic_form(ctx, *pair) or torch and any(from_unknown_call(ctx, x) for x in pair):
        return None  # (KeOps' LazyTensors, returned by a helper, reduce lazily: no temporary to save)
    ranks = [ctx.array_facts(x).rank for x in pair]
    if red.axis is None and 1 in ranks and None in ranks and ctx.array_facts(pair[ranks.index(None)]).min_rank:
        return None  # `weights[:, 0]` read: at least 2-D beside a vector, summed whole: the array checks decide
    for x, rank in zip(pair, ranks):
        f = ctx.array_facts(x)
        # a known vector beside an unknown factor (`np.sum(X * v, axis=1)`): no stronger check speaks of it
        vector = rank == 1 and ranks.count(None) == 1 and f.lib in ("numpy", None)
        if maybe_number(ctx, x, red.call) or rank is not None and not (backend and rank >= 1) and not vector \
                or bc.pattern(ctx, x) \
                or sparse_evidence(ctx, x) or matrix_semantics(ctx, x) or known_small(f):
            return None  # known facts: the stronger checks decide; an inserted axis is BL505's
    a, b = (short(ctx, x, 30) for x in pair)
    where = "all of it" if red.axis is None else f"it along axis {ctx.text(red.axis)}"
    kinds = _rewrites(ctx, red)
    shapes = "both of unknown shape"
    if 1 in ranks and not backend:
        vec, other = pair[ranks.index(1)], pair[ranks.index(None)]
        shapes = f"{describe_facts(short(ctx, vec, 30), ctx.array_facts(vec))}, `{short(ctx, other, 30)}` of unknown shape"
    return Proposal(red.call, f"`{short(ctx, red.call)}` multiplies `{a}` by `{b}` ({shapes}) in "
                    f"full only to sum {where}: {kinds}, a scaled sum when one is a number; each skips the "
                    f"temporary ({'in PyTorch 1.0-1.5x measured, mostly memory saved' if torch else '1.5-5x measured'}"
                    "; info: nothing says how big they are, and such a sum usually "
                    "sits beside the work that made its operands, which costs more)",
                    None, red.operand, "info")


def _torch_sum(ctx, red: Reduction) -> bool:
    """``torch.sum(a * b, dim)``, or ``x.sum(dim)`` in a module that imports torch and no NumPy (gpytorch's
    kernels, ``(x1 * x2).sum(dim=-1)``)."""
    if red.lib == "torch":
        return True
    if red.lib != "method":
        return False
    mods = imported_tops(ctx)
    return "torch" in mods and "numpy" not in mods and not mods & _OTHER_ARRAYS


def _rewrites(ctx, red: Reduction) -> str:
    """The rewrites a sum of a product of unknown factors has, in the words of its library."""
    whole = red.axis is None
    if _torch_sum(ctx, red):
        return ("an inner product (`torch.dot` on 1-D, `torch.vdot`) when they have one shape, `torch.einsum` on "
                "the factors when they broadcast" if whole
                else "row-wise dots (`torch.linalg.vecdot`) when they have one shape, a matrix-vector product (`@`) "
                "when one is a vector along that axis, `torch.einsum` on the factors when they broadcast otherwise")
    if red.lib == "backend":  # nx = get_backend(...): the rewrites go through the same namespace
        ns = ctx.text(red.call.func.value)
        contract = f"a contraction through `{ns}` (`{ns}.einsum`; `tensordot`/`vecdot` in an array-API namespace)"
        return (f"{contract}: an inner product when they have one shape" if whole
                else f"{contract}: row-wise dots when they have one shape, a matrix-vector product when one is a "
                "vector along that axis")
    if red.lib == "method":
        return ("an inner product (`np.vdot`, `torch.dot` on 1-D) when they have one shape, `einsum` on the "
                "factors when they broadcast" if whole
                else "row-wise dots (`einsum`) when they have one shape, a matrix-vector product (`@`) when one is "
                "a vector along that axis, `einsum` on the factors when they broadcast otherwise")
    if not _plain_numpy(ctx, red.call.func):  # autograd's np: it has no gradient of vdot
        return ("`np.einsum` on the factors (`'ij,ij->'` when they have one shape; autograd differentiates "
                "einsum, not `vdot`)" if whole else
                "row-wise dots or a matrix-vector product, as `np.einsum` on the factors (autograd differentiates "
                "einsum)")
    return ("`np.vdot` when they have one shape (real, C-contiguous), `np.einsum` on the factors when they "
            "broadcast" if whole else
            "row-wise dots (`np.einsum`) when they have one shape, a matrix-vector product (`@`) when one is a "
            "vector along that axis, `np.einsum` on the factors when they broadcast otherwise")


def _backend_squares(ctx, red: Reduction, x) -> Proposal | None:
    """``nx.sum(x ** 2[, axis])`` through a run-time namespace: a sum of squares, rewritten through it."""
    if ctx.array_facts(x).rank == 0 or isinstance(x, ast.Constant) or red.axis is not None \
            and int_constant(red.axis) is None:
        return None
    ns, t = ctx.text(red.call.func.value), short(ctx, x, 30)
    what = "a squared norm" if red.axis is None else f"squared norms along axis {ctx.text(red.axis)}"
    return Proposal(red.call, f"`{short(ctx, red.call)}` sums the squares of `{t}` through a temporary as large "
                    f"as it: {what}, a contraction of `{t}` with itself through `{ns}` (`{ns}.einsum`; `vecdot` in "
                    "an array-API namespace) skips the temporary (info: such a sum usually sits beside the work "
                    "that made its operand, which costs more)", None, red.operand, "info")


def maybe_number(ctx, x, at) -> bool:
    """A factor that is likely a number or a mask, where the sum is a scaled sum or a count, not a dot:
    a comparison or a negated mask (``(y == 1) * (p == 1)`` counts), a difference of single elements
    (``f[1] - f[0]``, a step), a parameter whose annotation admits a number (``w: float | NDArray``)."""
    if isinstance(x, (ast.Compare, ast.BoolOp)) or isinstance(x, ast.UnaryOp) and isinstance(x.op, (ast.Invert, ast.Not)):
        return True
    if isinstance(x, ast.BinOp) and _of_elements(x) and any(isinstance(n, ast.Subscript) for n in ast.walk(x)):
        return True
    if isinstance(x, ast.Name):
        return any(b.kind == "param" and may_be_number(getattr(b.node, "annotation", None))
                   for b in ctx.scope_of(at).bindings.get(x.id, []))
    return False


def _of_elements(x) -> bool:
    """Arithmetic of numbers and single elements only (``f[1] - f[0]``, ``2 * x[0]``)."""
    if isinstance(x, ast.BinOp):
        return _of_elements(x.left) and _of_elements(x.right)
    if isinstance(x, ast.UnaryOp):
        return _of_elements(x.operand)
    return isinstance(x, ast.Constant) or isinstance(x, ast.Subscript) and int_constant(x.slice) is not None


def summed_squares(ctx, red: Reduction) -> Proposal | None:
    """``np.sum(x ** 2)`` with nothing known of ``x`` but that NumPy sums it: an array, of unknown rank and
    dtype. The claim holds for any real one; info, no fix (a complex ``x`` wants ``x @ x``, not vdot)."""
    sq = squared(ctx, red.operand)
    if sq is None or sq[1] or red.axis is not None or red.keepdims or not _numpy_sum(ctx, red, autograd=False) \
            or in_root_with_terms(ctx, red.call):
        return None
    x = sq[0]
    if ctx.array_facts(x).rank is not None or isinstance(x, ast.Constant) \
            or sparse_evidence(ctx, x) or matrix_semantics(ctx, x):
        return None
    t, r = _operand_text(ctx, x, 12, 25), _operand_text(ctx, x, 13, 25)  # `a / b @ (a / b)`: `@` binds left
    summed = "by `np.sum`" if red.lib == "numpy" else "whole, in a module that uses NumPy"
    return Proposal(red.call, f"`{short(ctx, red.call)}` is a sum of squares (`{t}` is summed {summed}: an "
                    f"array of unknown rank and dtype): an inner product; `{t} @ {r}` (1-D) / `np.vdot({t}, {t})` "
                    "(real floating-point, C-contiguous) computes it in one BLAS pass without the temporary "
                    "(2.5-5x measured)",
                    None, red.operand, "info")


def _numpy_sum(ctx, red: Reduction, autograd: bool = True) -> bool:
    """NumPy's own sum: ``np.sum`` (autograd's too, with ``autograd``), or ``x.sum()`` in a module that uses
    NumPy and neither pandas (a DataFrame sums by column) nor JAX (whose jit fuses the product into the sum)."""
    if red.lib == "numpy":
        return _plain_numpy(ctx, red.call.func, autograd=autograd)
    if red.lib != "method":
        return False
    mods = imported_tops(ctx)
    return "numpy" in mods and not mods & _OTHER_ARRAYS


# Modules whose arrays sum differently (pandas by column), lazily (dask, xarray), or symbolically (Theano's graphs,
# SymPy's expressions, JAX and TensorFlow under their compilers, which fuse the product into the sum).
_OTHER_ARRAYS = frozenset({"pandas", "jax", "jaxlib", "tensorflow", "dask", "xarray", "theano", "pytensor", "aesara",
                           "sympy", "mxnet", "polars"})


def _plain_numpy(ctx, func, autograd: bool = False) -> bool:
    """``np.sum`` of NumPy itself, not of a mirror whose arrays differ (JAX's traced ones, autograd's boxes;
    ``autograd``: its boxes wrap NumPy's arrays, so a temporary it makes is as real, while under JAX's jit
    XLA fuses the product into the sum)."""
    head = func
    while isinstance(head, ast.Attribute):
        head = head.value
    q = ctx.imports.qualname(head.id) if isinstance(head, ast.Name) else None
    return q is not None and (q == "numpy" or q.startswith("numpy.")
                              or autograd and (q == "autograd.numpy" or q.startswith("autograd.numpy.")))
