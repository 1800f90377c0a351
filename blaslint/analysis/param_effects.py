"""Which arrays a call of the package's own functions leaves untouched.

A call of unknown code may change any array it is given, so an array handed to a
helper inside a loop is not loop-invariant (POT's unmixing loop passes ``T`` and
``Y`` to its line search every iteration). When the helper is this package's
own function, its body says what it does with each parameter: read it (an operand
of arithmetic, a library call without ``out=``, ``.shape``), or write it
(``p[...] = v``, ``p += v``, ``p.fill(0)``, ``np.copyto(p, v)``, ``out=p``), or let
it escape (returned, stored in an attribute or a container, captured by a nested
function, handed to unknown code). Only a parameter that is read and nothing
else, through views and aliases (``q = p.T``, ``for row in p``) and through the
package's functions it is passed on to (a few calls deep), is untouched.
"""

from __future__ import annotations

import ast

from blaslint.analysis.flow import MUTATING_FUNCTIONS, MUTATING_METHODS, PURE_METHODS
from blaslint.analysis.summaries import _bind_args, helper_of, self_method_of

MAX_DEPTH = 3
_LIBRARIES = ("numpy", "scipy", "torch", "math", "cmath")
# attributes that only read (the rest may be views the caller could write through: `.data`, `.flat`)
_READ_ATTRIBUTES = {"shape", "ndim", "dtype", "size", "nbytes", "itemsize", "strides", "flags"}
_VIEW_ATTRIBUTES = {"T", "mT", "H", "real", "imag"}
# methods whose result is always a new array or a scalar; any other known method may hand back the receiver
# itself or a view of it (`x.to(device)`, `x.astype(t, copy=False)`, `x.reshape(...)`): an alias
_FRESH_METHODS = {"copy", "clone", "sum", "mean", "dot", "matmul", "mm", "mv", "max", "min", "std", "var", "prod",
                  "cumsum", "trace", "inverse", "pinverse", "item", "tolist", "nonzero", "any", "all", "argmax",
                  "argmin", "round", "clip", "repeat", "norm", "abs", "sqrt", "exp", "log", "tobytes", "flatten",
                  "astype", "conjugate", "cumprod", "argsort", "searchsorted", "tostring"}
_VIEW_METHODS = {"reshape", "view", "transpose", "ravel", "squeeze", "swapaxes", "diagonal", "unsqueeze",
                 "permute", "expand", "t", "detach", "contiguous", "numpy", "conj", "to", "cpu", "cuda", "double",
                 "float", "half", "real", "imag", "getH", "view_as", "expand_as", "reshape_as", "squeeze_"}
_VIEW_FUNCTIONS = {"asarray", "asanyarray", "reshape", "transpose", "ravel", "squeeze", "swapaxes", "moveaxis",
                   "diagonal", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_to", "expand_dims",
                   "ascontiguousarray", "asfortranarray", "require", "real", "imag", "as_tensor", "from_numpy",
                   "flip", "fliplr", "flipud", "rot90", "asmatrix", "view_as_real", "split",
                   "array_split", "hsplit", "vsplit", "dsplit", "broadcast_arrays", "as_strided", "nditer",
                   "unstack", "chunk", "tensor_split", "unbind", "narrow", "select"}
_READING_BUILTINS = {"len", "isinstance", "print", "float", "int", "bool", "str", "repr", "type", "id", "hasattr",
                     "abs", "min", "max", "sum", "round", "complex", "format", "callable", "issubclass"}


def leaves_untouched(ctx, call: ast.Call, arg: ast.AST, depth: int = 0) -> bool:
    """Does the package function ``call`` names provably neither write the array passed as ``arg`` nor let
    anything else reach it? False when unsure (not the package's function, ``*args``, a dynamic body)."""
    if depth >= MAX_DEPTH:
        return False
    got = helper_of(ctx, call.func)
    if got is None:
        return False
    fctx, fdef = got
    if not isinstance(fdef, (ast.FunctionDef, ast.AsyncFunctionDef)) or any(
            not (isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod")) for d in fdef.decorator_list):
        return False  # a decorator may wrap the body in anything
    bound_self = isinstance(call.func, ast.Attribute) and self_method_of(ctx, call.func) is fdef
    bound = _bind_args(fdef, call, bound_self=bound_self)
    if bound is None:
        return False
    params = [name for name, (_, value) in bound.items() if value is arg]
    if len(params) != 1:
        return False
    memo = fctx.__dict__.setdefault("_untouched_params", {})
    key = (id(fdef), params[0])
    if key not in memo:
        memo[key] = False  # a recursive call on the way answers "unsure"
        memo[key] = _param_untouched(fctx, fdef, params[0], depth)
    return memo[key]


def _param_untouched(ctx, fdef, name: str, depth: int) -> bool:
    if _writes_free_names(fdef):
        return False  # `G[0] = v` on a module global: the caller may have passed that very array
    held = {name}  # the parameter and every local name that may hold it or a view of it
    for _ in range(8):
        before = len(held)
        for node in ast.walk(fdef):
            if node is fdef:
                continue
            if isinstance(node, (ast.Global, ast.Nonlocal)) and held & set(node.names):
                return False
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                if any(isinstance(n, ast.Name) and n.id in held for n in ast.walk(node)):
                    return False  # captured by a nested function: called who knows when
                continue
            if isinstance(node, ast.AugAssign) and _root_name(node.target) in held:
                return False  # `p += v`, `p[i] *= 2`: in place for an array
            if isinstance(node, ast.Name) and node.id in held and isinstance(node.ctx, ast.Load) \
                    and not _read_only(ctx, node, held, depth):
                return False
        if len(held) == before:
            return True
    return False


def _read_only(ctx, name: ast.Name, held: set, depth: int) -> bool:
    """Is this use of a held name a read? Aliases it makes (``q = p[:, 0]``) join ``held``."""
    got = _view_chain(ctx, name)
    if got is None:
        return False
    cur, fresh = got
    if fresh:
        return True  # `p.shape`, `p.sum()`, `p.copy()`: a read that keeps nothing of p
    par = ctx.parent(cur)
    if isinstance(cur, (ast.Subscript, ast.Attribute)) and not isinstance(cur.ctx, ast.Load):
        return False  # `p[i] = v`, `p.x = v`, `del p[i]`
    if isinstance(par, ast.IfExp) and cur is not par.test:
        return _read_only_expr(ctx, par, held, depth)
    return _context_reads(ctx, cur, par, held, depth)


def _read_only_expr(ctx, expr, held, depth) -> bool:
    par = ctx.parent(expr)
    return _context_reads(ctx, expr, par, held, depth)


def _context_reads(ctx, cur, par, held: set, depth: int) -> bool:
    if isinstance(par, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Expr, ast.FormattedValue)):
        return True  # arithmetic makes a new array; a bare expression statement keeps nothing
    if isinstance(par, ast.IfExp) and cur is par.test or isinstance(par, (ast.If, ast.While, ast.Assert)):
        return True
    if isinstance(par, ast.Subscript) and cur is par.slice or isinstance(par, ast.Tuple) \
            and isinstance(ctx.parent(par), ast.Subscript) and ctx.parent(par).slice is par:
        return True  # used as an index: `a[p]` reads p
    if isinstance(par, ast.keyword):
        par, cur = ctx.parent(par), par
    if isinstance(par, ast.Call) and cur is not par.func:
        return _call_reads(ctx, par, cur, held, depth)
    if isinstance(par, (ast.List, ast.Tuple)) and isinstance(ctx.parent(par), ast.Call) \
            and _library_reads(ctx, ctx.parent(par), par):
        return True  # `np.hstack([p, q])`: a new array from a list of operands
    if isinstance(par, (ast.Assign, ast.AnnAssign)) and par.value is cur:
        targets = par.targets if isinstance(par, ast.Assign) else [par.target]
        if all(isinstance(t, ast.Name) for t in targets):
            held.update(t.id for t in targets)  # an alias: its uses are checked as the parameter's
            return True
        return False  # stored in an attribute, a container, or unpacked
    if isinstance(par, ast.For) and par.iter is cur:
        parts = [n for n in ast.walk(par.target) if not isinstance(n, ast.expr_context)]
        if all(isinstance(n, (ast.Name, ast.Tuple)) for n in parts):
            held.update(n.id for n in parts if isinstance(n, ast.Name))  # each row is a view
            return True
        return False
    return False  # returned, yielded, put in a container, starred, compared by identity ...


def _call_reads(ctx, call: ast.Call, arg: ast.AST, held: set, depth: int) -> bool:
    api = ctx.resolve_call(call)
    if api is not None:
        if api.split(".")[0] not in _LIBRARIES or not _library_reads(ctx, call, arg):
            return False
        if api.rpartition(".")[2] in _VIEW_FUNCTIONS:
            return _read_only_expr(ctx, call, held, depth)  # a view: where it goes matters
        return True
    func = call.func
    if isinstance(func, ast.Name) and func.id in _READING_BUILTINS and ctx.binding_scope(func) is None:
        return True
    return leaves_untouched(ctx, call, arg, depth + 1)


def _library_reads(ctx, call: ast.Call, arg: ast.AST) -> bool:
    """A library call that only reads ``arg``: not an in-place function, no ``out=``, no ``overwrite_*=``."""
    api = ctx.resolve_call(call) or ""
    last = api.rpartition(".")[2]
    if api.split(".")[0] not in _LIBRARIES or api in MUTATING_FUNCTIONS or api.endswith(".at") \
            or _in_place(last) or api.startswith(("scipy.linalg.blas", "scipy.linalg.lapack")):
        return False  # in place: np.copyto, np.add.at, torch's init.normal_, BLAS/LAPACK overwrite flags
    for k in call.keywords:
        if k.arg in ("out", "copy") or (k.arg or "").startswith("overwrite_") and not (
                isinstance(k.value, ast.Constant) and k.value.value is False):
            return False
    return True


def _view_chain(ctx, node: ast.AST) -> tuple[ast.AST, bool] | None:
    """The largest expression around ``node`` that is still ``node`` or a view of it (``p[:, 0].T``), and
    whether it ends in a read that keeps nothing (``.shape``, ``.sum()``); None when a method may write it."""
    cur = node
    while True:
        par = ctx.parent(cur)
        if isinstance(par, ast.Subscript) and par.value is cur:
            cur = par
            continue
        if isinstance(par, ast.Attribute) and par.value is cur:
            call = ctx.parent(par)
            if isinstance(call, ast.Call) and call.func is par:
                if _in_place(par.attr):
                    return None  # `p.fill(0)`, torch's `p.add_(v)`
                if any(k.arg in ("out", "copy") for k in call.keywords):
                    return None  # `p.sum(out=p)`, `p.astype(t, copy=False)`
                if par.attr in _FRESH_METHODS:
                    return call, True  # a new array (`p.copy()`, `p.sum()`, `p.dot(q)`): read only
                if par.attr in _VIEW_METHODS or par.attr in PURE_METHODS:
                    cur = call
                    continue
                return None
            if par.attr in _VIEW_ATTRIBUTES:
                cur = par
                continue
            return (par, True) if par.attr in _READ_ATTRIBUTES else None
        return cur, False


def _writes_free_names(fdef) -> bool:
    """Does the body write through a name it does not bind (a global, a closure's variable, ``self``'s
    attributes are bound: ``self`` is a parameter)?"""
    local = {a.arg for a in ast.walk(fdef.args) if isinstance(a, ast.arg)}
    local |= {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for node in ast.walk(fdef):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            return True
        target = None
        if isinstance(node, (ast.Subscript, ast.Attribute)) and not isinstance(node.ctx, ast.Load):
            target = node
        elif isinstance(node, ast.AugAssign):
            target = node.target
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _in_place(node.func.attr):
            target = node.func.value
        if target is not None and (root := _root_name(target)) is not None and root not in local:
            return True
    return False


def _in_place(method: str) -> bool:
    """``fill``, ``sort``, ``append`` ... and torch's trailing-underscore methods (``add_``) change the receiver."""
    return method in MUTATING_METHODS or method.endswith("_") and not method.startswith("_")


def _root_name(target: ast.AST) -> str | None:
    while isinstance(target, (ast.Subscript, ast.Attribute)):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None
