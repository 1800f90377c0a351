"""BL505's three forms of a contraction hidden behind a broadcast temporary.

1. ``np.sum(x[:, None, :] * w[:, :, None], axis=0)``: a product broadcast through an
   inserted axis, then summed over an axis both factors span (a matrix product
   computed through an N x K x D temporary);
2. ``np.einsum('ij,jk->ijk', A, B).sum(axis=1)``: einsum keeps an index two
   operands share, and a sum then removes it;
3. ``T = x[..., :, None] * x[..., None, :]`` (directly or through a local helper)
   then ``np.einsum('ijk,ijklm->jklm', w, T)``: the broadcast product is
   materialised in full only for einsum to contract it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from blaslint.rules.vectorize import _broadcast as bc
from blaslint.rules.vectorize._reduce_forms import Reduction, factors

EINSUM_APIS = {"numpy.einsum", "torch.einsum", "geomstats.backend.einsum"}


@dataclass(frozen=True)
class Hidden:
    node: ast.AST
    detail: str               # what the temporary is
    new: str | None = None    # exact replacement text for ``node``
    batched: bool | None = False  # another full axis is kept: one contraction per item, no single BLAS call
    #                               (None: the factor's rank is unknown, so it may or may not be)


# -- 1. a broadcast product summed over an axis ---------------------------------------

def broadcast_sum(ctx, red: Reduction, reduced: str = "sum") -> Hidden | None:
    """``reduced``: how the reduction is named ("mean" for ``np.mean``, a sum over a count)."""
    axis = red.axis_value
    if axis is None or red.lib == "builtin" or red.keepdims:
        return None
    pair = factors(ctx, red.operand)
    if pair is None:
        return None
    a, b = pair
    pa, pb = bc.pattern(ctx, a), bc.pattern(ctx, b)
    if pa or pb:
        if pa and pb and not any(bc.axis_kind(p, axis) == "1" for p in (pa, pb)):
            return Hidden(red.call, "both factors insert an axis: the product is an outer-product-sized temporary")
        for p, x, other in ((pa, a, b), (pb, b, a)):
            if p and _aligned_contracts(ctx, p, other, axis):
                return Hidden(red.call, f"`{_short(ctx, x)}` inserts an axis, so the product is materialised "
                              f"in full before the {reduced} over axis {axis} contracts it", batched=_batch_axis(p, axis))
        return None
    fa, fb = ctx.array_facts(a), ctx.array_facts(b)
    if fa.rank and fb.rank and fa.rank != fb.rank and min(fa.rank, fb.rank) >= 1:
        big, small = (fa, fb) if fa.rank > fb.rank else (fb, fa)
        k = axis % big.rank if -big.rank <= axis < big.rank else None
        if k is not None and k >= big.rank - small.rank:
            return Hidden(red.call, f"a {small.rank}-D array broadcast against a {big.rank}-D one and summed "
                          f"over axis {axis}: a matrix-vector product through a temporary as large as the matrix")
    return None


def _aligned_contracts(ctx, pat: tuple, other, axis: int) -> bool:
    """Is the summed axis a full axis of ``pat`` (aligned to the result), with an inserted one kept?"""
    if axis >= 0 and "*" not in pat:
        r = ctx.array_facts(other).rank
        if r is not None and r > len(pat):
            axis -= r - len(pat)
            if axis < 0:
                return False
    kept = [i for i, d in enumerate(pat) if d == "1"]
    kind = bc.axis_kind(pat, axis)
    return kind == "F" and bool(kept)


def _batch_axis(pat: tuple, axis: int) -> bool | None:
    """Does the factor span another kept axis the other factor may span too (``y[None] * solve(S, y)``
    summed over axis 1: one matrix-vector product per sample, the temporary no bigger than a factor)?
    None when a run of axes of unknown length (``y[:, None]`` of an unknown ``y``) hides it."""
    if "*" in pat or not -len(pat) <= axis < len(pat):
        return None
    summed = axis % len(pat)
    return any(d == "F" and i != summed for i, d in enumerate(pat))


# -- 2. einsum keeping an index that a sum removes ---------------------------------------

def summed_einsum(ctx, red: Reduction, parse) -> Hidden | None:
    call = red.operand
    if not isinstance(call, ast.Call) or ctx.resolve_call(call) not in EINSUM_APIS or red.axis is None:
        return None
    if not call.args or not isinstance(call.args[0], ast.Constant) or not isinstance(call.args[0].value, str):
        return None
    spec = parse(call.args[0].value)
    axis = red.axis_value
    if spec is None or axis is None or len(spec.inputs) < 2 or len(spec.inputs) != len(call.args) - 1:
        return None
    out = spec.output
    letter = _output_letter(out, axis)
    if letter is None:
        return None
    shared = sum(letter in t for t in spec.inputs)
    if shared < 2:
        return None
    new = None
    if letter != "." and not red.keepdims and not any(k.arg is None for k in call.keywords):
        subs = ",".join(t.replace(".", "...") for t in spec.inputs) + "->" + out.replace(letter, "").replace(".", "...")
        args = ", ".join([repr(subs)] + [ctx.text(x) for x in call.args[1:]]
                         + [f"{k.arg}={ctx.text(k.value)}" for k in call.keywords])
        new = f"{ctx.text(call.func)}({args})"
    return Hidden(red.call, f"`einsum('{call.args[0].value}')` keeps index `{'...' if letter == '.' else letter}`, "
                  f"shared by {shared} operands, and the sum over axis {axis} then removes it: the product is "
                  "materialised with that extra axis", new)


def _output_letter(out: str, axis: int) -> str | None:
    if "." not in out:
        return out[axis] if -len(out) <= axis < len(out) else None
    head, tail = out.split(".")
    if axis >= 0:
        return head[axis] if axis < len(head) else "." if axis == len(head) and not head else None
    return tail[axis] if -axis <= len(tail) else None


# -- 3. einsum contracting a materialised broadcast product --------------------------------

def einsum_of_broadcast(ctx, call: ast.Call, parse) -> Hidden | None:
    if ctx.resolve_call(call) not in EINSUM_APIS or not call.args or not isinstance(call.args[0], ast.Constant) \
            or not isinstance(call.args[0].value, str):
        return None
    spec = parse(call.args[0].value)
    operands = call.args[1:]
    if spec is None or len(spec.inputs) != len(operands):
        return None
    for term, op in zip(spec.inputs, operands):
        if not isinstance(op, ast.Name) or set(term) - {"."} <= set(spec.output):
            continue  # nothing of this operand is contracted
        product, where = _bound_product(ctx, op)
        if product is None:
            continue
        pair = factors(ctx, product)
        if pair is None or not all(bc.pattern(ctx, x) for x in pair):
            continue  # an outer-product-sized temporary: both factors insert an axis
        return Hidden(call, f"`{op.id}` is the broadcast product `{_short(ctx, product)}` ({where}), materialised "
                      "in full only for einsum to contract it: pass its factors to einsum (with `optimize=True`) "
                      "instead")
    return None


def _bound_product(ctx, name: ast.Name):
    value = ctx.value_of(name)
    if value is None:
        return None, ""
    if isinstance(value, ast.BinOp) or isinstance(value, ast.Call) and factors(ctx, value):
        return value, f"line {value.lineno}"
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        fn = _local_function(ctx, value.func)
        if fn is not None:
            returns = [n for n in ast.walk(fn) if isinstance(n, ast.Return)]
            if len(returns) == 1 and returns[0].value is not None:
                return returns[0].value, f"returned by `{fn.name}`, line {returns[0].lineno}"
    return None, ""


def _local_function(ctx, func: ast.Name):
    b = ctx.reaching_binding(func)
    if b is None:
        return None
    for node in (b.stmt, b.node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return node
    return None


def temporary_dims(ctx, product) -> list:
    """The broadcast shape of ``a * b`` (dims aligned from the right, an inserted 1 takes the other's)."""
    pair = factors(ctx, product) if product is not None else None
    if pair is None:
        f = ctx.array_facts(product) if product is not None else None
        return list(f.shape) if f is not None and f.shape is not None else [None] * 3
    shapes = [ctx.array_facts(x).shape for x in pair]
    if any(s is None for s in shapes):
        # the rank: known facts, else the broadcast pattern's known part (`y[:, None]`: at least 2)
        pats = [bc.pattern(ctx, x) for x in pair]
        ranks = [ctx.array_facts(x).rank for x in pair] + [len([d for d in p if d != "*"]) for p in pats if p]
        rank = max((r for r in ranks if r), default=3)
        return [None] * rank
    a, b = (list(s) for s in shapes)
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
    return [y if x == 1 else x for x, y in zip(a, b)]


def _short(ctx, node, limit: int = 50) -> str:
    text = " ".join(ctx.text(node).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."
