"""Facts BL401 needs about an inverse and its product: which inverse, is it kept, is the right side narrow."""

from __future__ import annotations

from typing import NamedTuple
import ast

from blaslint.rules._common import INVERSE_APIS, PINV_APIS
from blaslint.rules.algebra._products import _loops_in_scope, chain_factors, product_pair

# pinv(A) @ B -> lstsq(A, B) pays off only for a vector or a few columns: with 64 columns lstsq
# gained only 1.2-2.0x, and the issue measured it up to 18x slower with many columns.
PINV_MAX_COLUMNS = 8
CHOLESKY_INVERSE = "torch.cholesky_inverse"


class InverseCall(NamedTuple):
    call: ast.Call      # the ``inv(A)`` / ``A.inverse()`` call
    api: str            # canonical API name (INVERSE_APIS / PINV_APIS / CHOLESKY_INVERSE)
    matrix: ast.AST     # ``A`` (the Cholesky factor ``L`` for cholesky_inverse)


_TORCH_INVERSE_METHODS = {"inverse": "torch.inverse", "pinverse": "torch.pinverse"}


def inverse_call(ctx, node: ast.AST) -> InverseCall | None:
    """``inv(A)``/``pinv(A)``/``torch.cholesky_inverse(L)`` with one plain argument, or torch's
    ``A.inverse()`` on a known tensor."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if not node.args and not node.keywords and isinstance(func, ast.Attribute) \
            and func.attr in _TORCH_INVERSE_METHODS and ctx.resolve_call(node) is None:
        facts = ctx.array_facts(func.value)
        if facts.lib == "torch" and facts.rank is not None and facts.rank >= 2:
            return InverseCall(node, _TORCH_INVERSE_METHODS[func.attr], func.value)
        return None
    if len(node.args) != 1 or isinstance(node.args[0], ast.Starred) or node.keywords:
        return None
    q = ctx.resolve_call(node)
    if q in INVERSE_APIS or q in PINV_APIS or q == CHOLESKY_INVERSE or _other_library_inverse(q):
        return InverseCall(node, q, node.args[0])
    return None


def _other_library_inverse(q: str | None) -> bool:
    """``jnp.linalg.inv``, ``cupy.linalg.pinv``, ``gs.linalg.inv`` (a backend module): found, never fixed."""
    return bool(q) and q.endswith((".linalg.inv", ".linalg.pinv")) and not q.startswith("numpy.")


def is_pinv(inv: InverseCall) -> bool:
    return inv.api in PINV_APIS or inv.api.endswith(".linalg.pinv")


def narrow_side(ctx, other: ast.AST, side: str) -> str | None:
    """Why the other factor of ``pinv(A) @ other`` (side "left") is a vector or has <= 8 columns, or None."""
    f = ctx.array_facts(other)
    if f.rank == 1:
        return f"`{ctx.text(other)}` is 1-D"
    if f.rank == 2 and f.shape and len(f.shape) == 2:
        dim = f.shape[1] if side == "left" else f.shape[0]
        if isinstance(dim, int) and dim <= PINV_MAX_COLUMNS:
            what = "columns" if side == "left" else "rows"
            return f"`{ctx.text(other)}` has {dim} {what}"
    return None


def kept_operator(ctx, product: ast.AST, other: ast.AST) -> bool:
    """Is ``inv(A) @ M`` (``M`` not known to be a vector) a precomputed operator that is kept?

    Stored on an attribute or in a container, handed to a call that is not a product (a cache),
    or bound to a name used twice or in a loop: a pseudo-inverse-like matrix formed once and
    applied to many right sides, where solving each time would not be cheaper.
    """
    if ctx.array_facts(other).rank == 1:
        return False
    node = product
    par = ctx.parent(node)
    while isinstance(par, ast.UnaryOp) or isinstance(par, ast.BinOp) and not isinstance(par.op, ast.MatMult):
        node, par = par, ctx.parent(par)
    if not isinstance(par, ast.Assign) or par.value is not node or len(par.targets) != 1:
        return False
    target = par.targets[0]
    if isinstance(target, (ast.Attribute, ast.Subscript)):
        return True
    if not isinstance(target, ast.Name):
        return False
    binding = next((b for b in _bindings_at(ctx, target)), None)
    if binding is None:
        return False
    uses = ctx.uses(binding)
    if len(uses) >= 2:
        return True
    bind_loops = _loops_in_scope(ctx, par)
    for use in uses:
        if any(lp not in bind_loops for lp in _loops_in_scope(ctx, use)):
            return True
        up = ctx.parent(use)
        if isinstance(up, ast.Call) and use in up.args and product_pair(ctx, up) is None \
                and chain_factors(ctx, up) is None:
            return True
    return False


def _bindings_at(ctx, target: ast.Name):
    """The binding made by the store ``target``."""
    for b in ctx.scope_of(target).bindings.get(target.id, []):
        if b.node is target:
            yield b
