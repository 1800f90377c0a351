"""Facts BL401 needs about an inverse and its product: which inverse, is it kept, is the right side narrow."""

from __future__ import annotations

from typing import NamedTuple
import ast

from blaslint.analysis.evidence import describe_facts
from blaslint.rules._common import INVERSE_APIS, PINV_APIS
from blaslint.rules.algebra._products import _loops_in_scope, _used_once_binding, gram_text, product_pair

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


def inverted_gram(ctx, inv: InverseCall) -> str | None:
    """The Gram product (``X.T @ X``) an inverse inverts, shortened for a message; None for anything
    else and for a pseudo-inverse (a rank-deficient Gram matrix is what pinv is for: no size bound)."""
    if is_pinv(inv) or inv.api == CHOLESKY_INVERSE:
        return None
    text = gram_text(ctx, inv.matrix)
    return text if text is None or len(text) <= 40 else text[:37] + "..."


def is_pinv(inv: InverseCall) -> bool:
    return inv.api in PINV_APIS or inv.api.endswith(".linalg.pinv")


def narrow_side(ctx, other: ast.AST, side: str) -> str | None:
    """Why the other factor of ``pinv(A) @ other`` (side "left") is a vector or has <= 8 columns, or None."""
    f = ctx.array_facts(other)
    if f.rank == 1:
        return describe_facts(ctx.text(other), f)
    if f.rank == 2 and f.shape and len(f.shape) == 2:
        dim = f.shape[1] if side == "left" else f.shape[0]
        if isinstance(dim, int) and dim <= PINV_MAX_COLUMNS:
            what = "columns" if side == "left" else "rows"
            return f"`{ctx.text(other)}` has {dim} {what}"
    return None


def kept_operator(ctx, product: ast.AST, other: ast.AST, pinv: bool = False) -> bool:
    """Is ``inv(A) @ M`` (``M`` not known to be a vector) a precomputed operator that is kept?

    Handed to a method of the object (``self.cache_set(key, op)``), or, for a pseudo-inverse,
    stored on an attribute or bound to a name used inside a loop or a nested function: an operator formed once and
    applied to many right sides, where a least-squares solve each time would not be cheaper. (A
    plain inverse stored on the object is still better formed by ``solve(A, M)``.)
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
    if isinstance(target, ast.Attribute):
        # `self.op = pinv(G) @ M` applied later as `self.op @ y`: an operator kept on the object; not
        # `self.theta = pinv(Z) @ r`, a solution (nipy's NLSModel, once per Gauss-Newton step)
        return pinv and _applied_later(ctx, target)
    if isinstance(target, ast.Subscript):
        return False  # `out[i] = inv(A) @ b`: one result per row
    if not isinstance(target, ast.Name):
        return False
    binding = next((b for b in _bindings_at(ctx, target)), None)
    if binding is None:
        return False
    bind_loops = _loops_in_scope(ctx, par)
    for use in ctx.uses(binding):
        if pinv and any(lp not in bind_loops for lp in _loops_in_scope(ctx, use)):
            return True
        if pinv and ctx.scope_node_of(use) is not ctx.scope_node_of(par):
            return True  # used by a nested function (nipy's `project_resid(Y)`): applied on every call
        up = ctx.parent(use)
        if isinstance(up, ast.Call) and use in up.args and isinstance(up.func, ast.Attribute) \
                and isinstance(up.func.value, ast.Name) and up.func.value.id == "self":
            return True  # self.cache_set(key, op)
        if pinv and isinstance(up, ast.Assign) and up.value is use \
                and any(isinstance(t, ast.Attribute) for t in up.targets):
            return True  # self.op = op
    return False


def _applied_later(ctx, target: ast.Attribute) -> bool:
    """Is ``obj.attr`` (the store ``target``) used anywhere in the module as the left factor of a product?"""
    owner = target.value.id if isinstance(target.value, ast.Name) else None
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Attribute) and node.attr == target.attr and node is not target \
                and isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name) and node.value.id == owner:
            par = ctx.parent(node)
            if isinstance(par, ast.Attribute) and par.value is node and isinstance(ctx.parent(par), ast.Call):
                par = ctx.parent(par)  # `self.op.dot(y)`
            pair = product_pair(ctx, par) if par is not None else None
            if pair is not None and pair[0] is node:
                return True
    return False


def _bindings_at(ctx, target: ast.Name):
    """The binding made by the store ``target``."""
    for b in ctx.scope_of(target).bindings.get(target.id, []):
        if b.node is target:
            yield b


def wide_side(ctx, other: ast.AST, side: str, depth: int = 0) -> bool:
    """Is there evidence that ``other`` is a matrix with many (or an unknown number of) columns?

    Known rank >= 2 without a small width, a transpose (``M.T``: pointless on a vector), a
    2-D slice (``y[50:, :]``), a stack (``y[..., None]``), or a name bound to an array created with a 2-tuple shape
    (``standard_normal((nobs, b))``) or derived from one.
    """
    if depth > 4 or other is None:
        return False
    f = ctx.array_facts(other)
    if f.rank is not None:
        return f.rank >= 2 and narrow_side(ctx, other, side) is None
    if side != "left":
        return False  # `B @ pinv(A)`: the rows of B count, and a transpose or a slice says nothing of them
    if isinstance(other, ast.Attribute) and other.attr in ("T", "mT"):
        return True
    if isinstance(other, ast.Subscript):
        idx = other.slice
        items = idx.elts if isinstance(idx, ast.Tuple) else [idx]
        if any(isinstance(i, ast.Constant) and i.value is Ellipsis for i in items):
            return True  # `y[..., None]`: a stack of right sides, which lstsq does not broadcast over
        if isinstance(idx, ast.Tuple) and len(idx.elts) >= 2 and isinstance(idx.elts[-1], ast.Slice):
            return True
        return wide_side(ctx, other.value, side, depth + 1) if isinstance(idx, ast.Slice) else False
    if isinstance(other, ast.Call):
        from blaslint.rules.algebra._diagonal import numpy_name

        if numpy_name(ctx.resolve_call(other)) == "numpy.diag" and other.args:
            return True  # a dense diagonal matrix: as many columns as rows (see BL402 for the real fix)
        for a in [*other.args[:1], *(k.value for k in other.keywords if k.arg in ("size", "shape"))]:
            if isinstance(a, ast.Tuple) and len(a.elts) >= 2:
                return True
        func = other.func
        if isinstance(func, ast.Attribute) and func.attr in ("copy", "astype") and not other.args[1:]:
            return wide_side(ctx, func.value, side, depth + 1)
        if other.args and ctx.resolve_call(other) in ("numpy.cumsum", "numpy.asarray", "numpy.array", "numpy.copy"):
            return wide_side(ctx, other.args[0], side, depth + 1)
        return False
    if isinstance(other, ast.BinOp) and not isinstance(other.op, ast.MatMult):
        return wide_side(ctx, other.left, side, depth + 1) or wide_side(ctx, other.right, side, depth + 1)
    if isinstance(other, ast.Name):
        binding = ctx.reaching_binding(other)
        if binding is not None and binding.kind == "assign" and binding.value is not None:
            return wide_side(ctx, binding.value, side, depth + 1)
        if binding is None:  # bound in branches (`if ...: W = np.diag(a) else: W = np.diag(b)`): all agree
            scope = ctx.binding_scope(other)
            bindings = scope.bindings.get(other.id, []) if scope is not None else []
            return bool(bindings) and all(b.kind == "assign" and b.value is not None
                                          and wide_side(ctx, b.value, side, depth + 1) for b in bindings)
    return False


def assumed_size(ctx, other, before: bool) -> tuple[str, str]:
    """The size class assumed for an inverse nothing sizes (pseudo-inverses and regularised normal equations,
    ``M.T @ M + lam * L``, keep the general one): the rows of its right side when that is a data array by
    its name (``inv(K) @ y``), else model-sized -- a square matrix inverted whole is most often a covariance,
    a Hessian, a small system (on the labelled sets this hides 45 one-off inverses, all read negligible)."""
    from blaslint.analysis.sizes import is_data_array_name

    while isinstance(other, (ast.BinOp, ast.UnaryOp)):  # `2 * y`, `y + 0`, `-y`: the array's rows
        parts = [other.operand] if isinstance(other, ast.UnaryOp) else \
            [p for p in (other.left, other.right) if not isinstance(p, ast.Constant)]
        if len(parts) != 1:
            break
        other = parts[0]
    name = other.id if isinstance(other, ast.Name) else other.attr if isinstance(other, ast.Attribute) else None
    if not before and name and is_data_array_name(name):
        return "data", f"the rows of `{ctx.text(other)}`, a data array by its name"
    return "model", "a matrix inverted whole"


def inverse_operand(ctx, operand: ast.AST):
    """(inverse call, binding or None) if ``operand`` is an inverse, direct or bound once and used only here
    (:func:`_used_once_binding`: a use inside a loop the binding is not in reuses the inverse)."""
    direct = inverse_call(ctx, operand)
    if direct is not None:
        return direct, None
    binding = _used_once_binding(ctx, operand, lambda v: inverse_call(ctx, v) is not None)
    return (inverse_call(ctx, binding.value), binding) if binding is not None else None
