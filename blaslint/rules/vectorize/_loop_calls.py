"""BL501 helpers: helper functions seen through (a distance ``d(u, v)``; a helper that does not
change its arguments does not make the loop's arrays vary), and distances."""

from __future__ import annotations

import ast

from blaslint.analysis.flow import (
    MUTATING_FUNCTIONS,
    PURE_METHODS,
    is_opaque_call,
    loop_region_mutations,
    passed_paths,
    target_path,
)
from blaslint.rules._common import product_operands
from blaslint.rules.vectorize import _loopdots as ld

# -- squared distances -------------------------------------------------------------------

def _difference(ctx, e, scope_body=None):
    """(a, b) of ``a - b``, or of a name bound once to it in the same function."""
    if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Sub):
        return e.left, e.right
    if isinstance(e, ast.Name):
        b = ctx.reaching_binding(e)
        if b is not None and b.kind == "assign" and isinstance(b.value, ast.BinOp) and isinstance(b.value.op, ast.Sub):
            return b.value.left, b.value.right
    return None


def _squared_form(ctx, node, builtin_sum: bool = False):
    """The ``diff`` of ``diff.dot(diff)`` / ``diff @ diff`` / ``np.sum(diff ** 2)`` / ``(diff ** 2).sum()``
    (with ``builtin_sum``, also ``sum(diff ** 2)``: under ``math.sqrt`` it can only be of a vector)."""
    ops = product_operands(ctx, node)
    if ops is not None and ld.same_expr(ctx, ops[0], ops[1]):
        return ops[0]
    inner = None
    if isinstance(node, ast.Call) and not node.keywords:
        if len(node.args) == 1 and ctx.resolve_call(node) in ("numpy.sum", "torch.sum"):
            inner = node.args[0]
        elif builtin_sum and len(node.args) == 1 and isinstance(node.func, ast.Name) and node.func.id == "sum" \
                and ctx.resolve_call(node) is None:
            inner = node.args[0]
        elif not node.args and isinstance(node.func, ast.Attribute) and node.func.attr == "sum":
            inner = node.func.value
    if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Pow) and isinstance(inner.right, ast.Constant) \
            and inner.right.value == 2:
        return inner.left
    if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Mult) and ld.same_expr(ctx, inner.left, inner.right):
        return inner.left
    return None


def squared_difference(ctx, node):
    """(a, b) when ``node`` is ``|a - b|^2`` spelled as a dot or a sum of squares (a helper returning
    one is seen by :func:`distance_form`)."""
    diff = _squared_form(ctx, node)
    pair = _difference(ctx, diff) if diff is not None else None
    return (pair[0], pair[1]) if pair is not None else None


_SCIPY_METRICS = {"euclidean", "sqeuclidean", "cityblock", "chebyshev", "cosine", "correlation", "minkowski",
                  "mahalanobis", "seuclidean", "braycurtis", "canberra"}


def _norm_form(ctx, node):
    """(a, b, metric) of ``np.linalg.norm(a - b)`` (metric None: the 2-norm) or of a scipy
    ``distance.<metric>(a, b[, ...])`` call; None otherwise."""
    if not isinstance(node, ast.Call) or not node.args or isinstance(node.args[0], ast.Starred):
        return None
    q = ctx.resolve_call(node) or ""
    if q in ("numpy.linalg.norm", "torch.linalg.norm", "torch.norm", "scipy.linalg.norm") and len(node.args) == 1 \
            and all(k.arg == "ord" and isinstance(k.value, ast.Constant) and k.value.value in (None, 2)
                    for k in node.keywords):
        pair = _difference(ctx, node.args[0])
        return (pair[0], pair[1], None) if pair is not None else None
    lib, _, name = q.rpartition(".")
    if lib == "scipy.spatial.distance" and name in _SCIPY_METRICS and len(node.args) >= 2:
        return node.args[0], node.args[1], name
    return None


def distance_form(ctx, node):
    """(a, b, helper name, metric) for a distance between ``a`` and ``b``: metric ``"squared"`` for
    ``|a - b|^2`` (:func:`squared_difference`), None for the 2-norm ``np.linalg.norm(a - b)``, or a
    scipy metric name; a helper ``d(u, v)`` of the module or package returning one of them counts too."""
    sq = squared_difference(ctx, node)
    if sq is not None:
        return (*sq, None, "squared")
    got = _norm_form(ctx, node)
    if got is not None:
        return got[0], got[1], None, got[2]
    if not (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)) and len(node.args) == 2
            and not node.keywords):
        return None
    from blaslint.analysis.summaries import helper_of  # this module's or the package's (mla.metrics.distance)

    found = helper_of(ctx, node.func)
    if found is None:
        return None
    hctx, fn = found
    if fn.decorator_list or not fn.body or not isinstance(fn.body[-1], ast.Return) or fn.body[-1].value is None:
        return None
    params = [a.arg for a in fn.args.args]
    ret = fn.body[-1].value
    if isinstance(ret, ast.Call) and hctx.resolve_call(ret) in ("numpy.sqrt", "math.sqrt") and len(ret.args) == 1:
        diff = _squared_form(hctx, ret.args[0], builtin_sum=hctx.resolve_call(ret) == "math.sqrt")
        pair = _difference(hctx, diff) if diff is not None else None
        got = (pair[0], pair[1], None) if pair is not None else None
    else:
        got = _norm_form(hctx, ret)
        if got is None:
            diff = _squared_form(hctx, ret)
            pair = _difference(hctx, diff) if diff is not None else None
            got = (pair[0], pair[1], "squared") if pair is not None else None
    if got is None or len(params) != 2 or not all(isinstance(x, ast.Name) for x in got[:2]):
        return None
    names = [x.id for x in got[:2]]
    if sorted(names) != sorted(params):
        return None
    a, b = node.args if names == params else node.args[::-1]
    return a, b, ctx.text(node.func), got[2]


# -- what a loop changes, trusting local helpers that do not change their arguments ------------

def loop_mutations(ctx, loop) -> tuple[set, set]:
    """(lenient, strict) sets of what ``loop`` changes. Strict: :func:`loop_region_mutations`, less
    the arrays only handed to module-level helpers that neither store into nor call methods on
    their parameters (``d(M[k], X[n])``). Lenient: also less whatever is only handed to other
    calls, for judging what an iteration computes (a value it passes to ``fit(data[v])`` is still
    this iteration's); the fixed operand of a product must be unchanged in the strict sense."""
    base = loop_region_mutations(ctx, loop)
    kept: set = set()
    to_helpers: set = set()
    to_calls: set = set()
    for node in ast.walk(loop):
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) and not isinstance(node.ctx, ast.Load):
            p = node.id if isinstance(node, ast.Name) else target_path(node)
            if p:
                kept.add(p)
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                recv = target_path(node.func.value)
                if recv:
                    kept.add(recv)
            if is_opaque_call(ctx, node):
                safe = _harmless_helper(ctx, node.func)
                for a in [*node.args, *(kw.value for kw in node.keywords)]:
                    (to_helpers if safe else to_calls).update(passed_paths(a))
    strict = {p for p in base if p in kept or p in to_calls or p not in to_helpers}
    lenient = {p for p in base if p in kept or p not in (to_helpers | to_calls)}
    return lenient, strict


_HARMLESS_BUILTINS = {"len", "range", "int", "float", "abs", "min", "max", "tuple", "sum", "round", "complex",
                      "bool", "isinstance", "list", "zip", "enumerate", "pow"}


def _builtin_call(ctx, node, fn) -> bool:
    """``isinstance(a, list)``, ``len(a)``: a builtin the helper does not rebind."""
    func = node.func
    return isinstance(func, ast.Name) and func.id in _HARMLESS_BUILTINS and not any(
        isinstance(n, (ast.Name, ast.arg)) and getattr(n, "id", getattr(n, "arg", None)) == func.id
        and not isinstance(getattr(n, "ctx", None), ast.Load) for n in ast.walk(fn)) \
        and ctx.scope(ctx.tree).bindings.get(func.id) is None


def _harmless_helper(ctx, func) -> bool:
    """A function of this module or package that neither stores into nor calls methods on its arguments."""
    from blaslint.analysis.summaries import helper_of

    found = helper_of(ctx, func) if isinstance(func, (ast.Name, ast.Attribute)) else None
    if found is None or found[1].decorator_list:
        return False
    hctx, fn = found
    ctx = hctx
    params = {a.arg for a in fn.args.args}
    for node in ast.walk(fn):
        if isinstance(node, (ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom)):
            return False
        if isinstance(node, (ast.Attribute, ast.Subscript)) and not isinstance(node.ctx, ast.Load):
            return False
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id in params:
            return False  # `u -= v` changes an array argument in place
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr not in PURE_METHODS \
                    and ctx.resolve_call(node) is None:
                return False  # a method of an argument (`a.fill(0)`); `np.array(a)` is a library function
            if ctx.resolve_call(node) in MUTATING_FUNCTIONS:
                return False  # np.copyto(a, b), np.fill_diagonal(a, 0): writes its argument
            if ctx.resolve_call(node) is None and not isinstance(node.func, ast.Attribute) \
                    and not _builtin_call(ctx, node, fn):
                return False  # calls further unknown code
            if any(kw.arg == "out" for kw in node.keywords):
                return False
    return bool(params)
