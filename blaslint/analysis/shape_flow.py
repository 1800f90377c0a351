"""Ranks and shapes that flow through indexing, reductions, ufuncs, decompositions.

:mod:`blaslint.analysis.facts` knows arrays from their creation sites; this
module follows them one step further through the operations numerical code
applies next, each of which changes the rank predictably:

- indexing: ``X[:, 0]`` drops an axis, ``d[:, None]`` adds one (only plain
  integer, slice, ``None`` and ``...`` indices; a fancy index is unknown);
- reductions with a literal axis: ``X.sum(axis=0)``, ``np.mean(X, 1)``,
  ``np.linalg.norm(X, axis=1)`` (no axis: a scalar);
- elementwise ufuncs (``np.maximum(s, eps)``, ``np.where(c, a, b)``);
- reshaping and stacking (``x.ravel()``, ``X.reshape(n, k)``, ``np.vstack``);
- linear-algebra results (``solve``, ``norm``, ``eigvalsh``, and the tuples of
  ``U, s, Vt = svd(X)``, ``w, V = eigh(A)``, ``Q, R = qr(A)``);
- integer loop counters (``for i in range(n)``) and sizes (``len(x)``,
  ``X.shape[0]``), which are scalars.

Everything else stays unknown; the rules stay silent on unknown.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING

from blaslint.analysis.dims import is_full_slice, is_new_axis
from blaslint.analysis.facts import (
    INT_DTYPES,
    PY_FLOAT,
    PY_INT,
    SCALAR,
    UNKNOWN,
    Facts,
    binop_facts,
    combine_dtypes,
    promote,
)

if TYPE_CHECKING:  # pragma: no cover
    from blaslint.analysis.base import Context as FileContext  # never the facade itself

INT_SCALAR = PY_INT  # a Python int: len(x), X.shape[0], a range counter (weak under NEP 50)

# -- integer scalars -----------------------------------------------------------

_INT_BUILTINS = {"len", "int", "round"}


def _builtin(ctx, func: ast.AST, names) -> bool:
    """Is ``func`` an unshadowed builtin among ``names``?"""
    if not isinstance(func, ast.Name) or func.id not in names:
        return False
    return ctx.scope_of(func).bindings.get(func.id) is None and ctx.imports.qualname(func.id) is None \
        and ctx.scope(ctx.tree).bindings.get(func.id) is None


def is_int_scalar(ctx: "FileContext", node: ast.AST, depth: int = 0) -> bool:
    """Is ``node`` certainly a Python/NumPy integer scalar (an index, a size)?"""
    if depth > 6:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int) and not isinstance(node.value, bool)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return is_int_scalar(ctx, node.operand, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)):
        return is_int_scalar(ctx, node.left, depth + 1) and is_int_scalar(ctx, node.right, depth + 1)
    if isinstance(node, ast.Call):
        return _builtin(ctx, node.func, _INT_BUILTINS) and len(node.args) == 1 and not node.keywords
    if isinstance(node, ast.Attribute) and node.attr in ("size", "ndim"):
        return ctx.array_facts(node.value).rank is not None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
            and node.value.attr == "shape" and is_int_scalar(ctx, node.slice, depth + 1):
        return ctx.array_facts(node.value.value).rank is not None
    if isinstance(node, ast.Name):
        f = ctx.array_facts(node)
        return f.rank == 0 and f.dtype in INT_DTYPES
    return False


def _range_target(ctx, binding) -> bool:
    """``for i in range(...)`` / ``for i, x in enumerate(...)``: is the binding the counter?"""
    stmt = binding.stmt
    if not isinstance(stmt, (ast.For, ast.AsyncFor)) or not isinstance(stmt.iter, ast.Call):
        return False
    if stmt.target is binding.node:
        return _builtin(ctx, stmt.iter.func, {"range", "xrange"})
    if isinstance(stmt.target, ast.Tuple) and len(stmt.target.elts) == 2 and stmt.target.elts[0] is binding.node:
        return _builtin(ctx, stmt.iter.func, {"enumerate"})
    return False


# -- names bound without a plain value ----------------------------------------

# Decompositions whose result is a tuple: rank of each part from the input's rank r.
_TUPLE_RESULTS = {
    "svd": lambda r: (r, r - 1, r),
    "eigh": lambda r: (r - 1, r),
    "eig": lambda r: (r - 1, r),
    "qr": lambda r: (r, r),
    "lu_factor": lambda r: (r, r - 1),  # (lu, piv): scipy.linalg only
}
# qr's modes that return (Q, R) (scipy adds the pivots P with pivoting=True)
_QR_PAIR_MODES = {"full", "economic", "reduced", "complete"}
# scipy.linalg's decompositions accept 2-D arrays only.
_SCIPY_2D = {"svd", "eigh", "eig", "qr", "svdvals", "eigvalsh", "eigvals", "cholesky", "solve", "lu_solve",
             "cho_solve"}


def name_facts(ctx: "FileContext", name: ast.Name) -> Facts:
    """Facts of a name whose reaching binding has no simple value (loop counter, tuple unpacking)."""
    counter = _comprehension_counter(ctx, name)
    if counter is not None:
        return counter
    binding = ctx.reaching_binding(name)
    if binding is None or binding.kind == "augassign":
        return rebound_name_facts(ctx, name)
    if binding.kind == "for":
        if _range_target(ctx, binding):
            return INT_SCALAR
        stmt = binding.stmt
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            return iteration_facts(ctx, stmt.target, stmt.iter, binding.node)
        return UNKNOWN
    if binding.kind == "param":
        kind = _param_kind(ctx, binding)
        if kind is not None:
            return INT_SCALAR if kind == "int" else SCALAR
        unpacked = shape_unpack_facts(ctx, name, binding)
        if unpacked.rank is not None:
            return unpacked
        from blaslint.analysis.parameters import param_facts  # guards, annotations, docstrings, ...

        return param_facts(ctx, name, binding)
    return unpacked_binding_facts(ctx, binding)


def unpacked_binding_facts(ctx: "FileContext", binding) -> Facts:
    """Facts of a name bound by tuple unpacking: ``n, d = X.shape``, ``w, V = eigh(A)``, ``P, V = helper()``."""
    stmt = binding.stmt
    if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Attribute) and stmt.value.attr == "shape" \
            and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Tuple) \
            and any(e is binding.node for e in stmt.targets[0].elts):
        return INT_SCALAR  # n, d = X.shape
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 or not isinstance(stmt.value, ast.Call):
        return UNKNOWN
    target = stmt.targets[0]
    if not isinstance(target, (ast.Tuple, ast.List)) or any(isinstance(e, ast.Starred) for e in target.elts):
        return UNKNOWN
    index = next((i for i, e in enumerate(target.elts) if e is binding.node), None)
    if index is None:
        return UNKNOWN
    parts = decomposition_parts(ctx, stmt.value)
    if parts is None and isinstance(stmt.value.func, (ast.Name, ast.Attribute)):
        from blaslint.analysis.summaries import tuple_parts  # P, V = model_matrices() / self._pair(X)

        parts = tuple_parts(ctx, stmt.value)
    if parts is not None and len(parts) == len(target.elts) and parts[index].rank is not None:
        return parts[index]
    documented = _documented_parts(ctx, stmt.value, len(target.elts))  # the code said nothing: its docstring
    return documented[index] if documented is not None else UNKNOWN


def _documented_parts(ctx, call: ast.Call, count: int):
    """``s, V = spd_eig(W)`` where the helper's numpydoc Returns lists ``s : ndarray(k)``, ``V : ndarray(n, k)``, or
    its return annotation is ``tuple[Float64Array, ...]`` (linearmodels' ``y, x, w = self._prepare_between()``)."""
    if not isinstance(call.func, (ast.Name, ast.Attribute)):
        return None
    from blaslint.analysis.docstrings import documented_return_parts
    from blaslint.analysis.summaries import helper_of

    target = helper_of(ctx, call.func)
    if target is None:
        return None
    from blaslint.analysis.annotations import annotated_return_parts

    parts = documented_return_parts(ctx, target[1], count)
    return parts if parts is not None else annotated_return_parts(target[0], target[1], count)


# -- names rebound in loops (x = x - lr * g) ----------------------------------------

_MAX_ASSUMPTIONS = 3  # nested fixpoints (x's update reads y, whose update reads z, ...)
# Evaluations of bindings per file. Each evaluation starts from an empty facts
# cache, so nested fixpoints can multiply (scipy/optimize/_zeros_py.py took
# minutes); past the budget a rebound name is unknown (silent), so a finding
# may be lost in such a file but none is invented.
_MAX_EVALUATIONS = 5000


def rebound_name_facts(ctx: "FileContext", name: ast.Name) -> Facts:
    """Facts of a name with several bindings (``x = x - lr * g`` in a loop).

    A small fixpoint over *every* binding of the name in its scope: assume the
    name has the facts of its bindings that do not read it, evaluate each
    binding under that assumption, and keep what all of them agree on (the
    rank must agree, else unknown; dtype, shape, order and library are kept
    only when equal). Any binding that is not ``name = value`` or
    ``name op= value`` (a parameter, a for-target, tuple unpacking without a
    tuple value, ``with``, ``del``, ``global``/``nonlocal``) makes it unknown.
    An in-place update of an array (``x += g`` on a rank >= 1 array) keeps its facts.
    """
    scope = ctx.binding_scope(name)
    if scope is None or scope.node is not ctx.scope_node_of(name) or name.id in scope.globals:
        return UNKNOWN
    key = (id(scope.node), name.id)
    assumed = ctx._assumed_facts.get(key)
    if assumed is not None:
        return assumed
    cached = ctx._rebound_facts.get(key)
    if cached is not None:
        return cached
    # Under assumptions (a nested fixpoint) the answer depends on them: memoised per
    # assumption set, so the same nested fixpoint is not recomputed for every binding.
    memo_key = (key, frozenset(ctx._assumed_facts.items())) if ctx._assumed_facts else None
    memo = ctx.__dict__.setdefault("_rebound_memo", {})
    if memo_key is not None and memo_key in memo:
        return memo[memo_key]
    result = _rebound_fixpoint(ctx, scope, name.id, key)
    ctx._rebound_facts[key] = result
    if memo_key is not None:
        memo[memo_key] = result
    return result


def _rebound_fixpoint(ctx, scope, name: str, key) -> Facts:
    binds = scope.bindings.get(name, [])
    if not binds or len(ctx._assumed_facts) >= _MAX_ASSUMPTIONS or _rebound_by_nested_scope(ctx, scope, name):
        return UNKNOWN
    if getattr(ctx, "_shape_flow_evaluations", 0) > _MAX_EVALUATIONS:
        return UNKNOWN
    for b in binds:
        stmt = b.stmt
        if b.kind == "assign" and (b.value is not None or _unpacked(ctx, b).rank is not None):
            continue
        if b.kind == "augassign" and isinstance(stmt, ast.AugAssign) and stmt.target is b.node:
            continue
        return UNKNOWN
    seeds = [b for b in binds if b.kind == "assign" and (b.value is None or not _reads_name(b.value, name))]
    if not seeds:
        return UNKNOWN
    guess = _join([_evaluate(ctx, key, None, b) for b in seeds])
    for _ in range(2):  # a dtype guess that fails is retried without the dtype
        if guess.rank is None:
            return UNKNOWN
        got = _join([guess, *(_evaluate(ctx, key, guess, b) for b in binds)])
        if got == guess:
            return guess
        guess = got
    return UNKNOWN


def _evaluate(ctx, key, assumption: Facts | None, binding) -> Facts:
    """Facts of one binding's value with the name assumed to have ``assumption``.

    Runs on a fresh facts cache (and restores it): facts computed under an
    assumption must not leak into the file's cache.
    """
    saved = ctx._facts_cache, ctx._rebound_facts
    ctx._facts_cache, ctx._rebound_facts = {}, {}
    ctx._shape_flow_evaluations = getattr(ctx, "_shape_flow_evaluations", 0) + 1
    if assumption is not None:
        ctx._assumed_facts[key] = assumption
    try:
        if binding.kind == "augassign":
            if assumption is not None and assumption.rank and assumption.lib in ("numpy", "torch"):
                return assumption  # an in-place update keeps the array's dtype and shape
            return binop_facts(binding.stmt.op, assumption or UNKNOWN, ctx.array_facts(binding.stmt.value))
        if binding.value is None:
            return _unpacked(ctx, binding)
        return ctx.array_facts(binding.value)
    finally:
        ctx._assumed_facts.pop(key, None)
        ctx._facts_cache, ctx._rebound_facts = saved


def _unpacked(ctx, binding) -> Facts:
    """A tuple-unpacking binding's facts when its value does not read the name (``w, V = eigh(A)``)."""
    stmt = binding.stmt
    if isinstance(stmt, ast.Assign) and _reads_name(stmt.value, binding.name):
        return UNKNOWN
    return unpacked_binding_facts(ctx, binding)


def _join(facts: list[Facts]) -> Facts:
    """What every one of ``facts`` agrees on (the rank must agree): the helper summaries' join."""
    from blaslint.analysis.facts import join_facts

    return join_facts(facts)


def _reads_name(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _rebound_by_nested_scope(ctx, scope, name: str) -> bool:
    """Could a nested function rebind ``name`` (``nonlocal name``)?"""
    if "nonlocal" not in ctx.source.text:
        return False
    return any(isinstance(n, ast.Nonlocal) and name in n.names for n in ast.walk(scope.node))


def _comprehension_counter(ctx, name: ast.Name) -> Facts | None:
    """``[... i ... for i in range(n)]``: INT_SCALAR; another comprehension target: UNKNOWN; else None."""
    for anc in ctx.ancestors(name):
        if isinstance(anc, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            for gen in anc.generators:
                if any(isinstance(t, ast.Name) and t.id == name.id for t in ast.walk(gen.target)):
                    if gen.target.__class__ is ast.Name and isinstance(gen.iter, ast.Call) \
                            and _builtin(ctx, gen.iter.func, {"range", "xrange"}):
                        return INT_SCALAR
                    bound = next(t for t in ast.walk(gen.target) if isinstance(t, ast.Name) and t.id == name.id)
                    return iteration_facts(ctx, gen.target, gen.iter, bound)
        if isinstance(anc, (ast.stmt, ast.Lambda)):
            return None
    return None


def iteration_facts(ctx, target: ast.AST, iterable: ast.AST, bound: ast.Name, depth: int = 0) -> Facts:
    """Facts of ``bound``, a name in the target of ``for target in iterable``: an item of an array of
    rank r is (r - 1)-D (``for row in X``), through ``zip(A, B)`` and ``enumerate(X)`` (the counter an
    int), nested as in ``for i, (a, b) in enumerate(zip(A, B))``. Anything else: unknown."""
    if depth > 3:
        return UNKNOWN
    if target is bound:
        return _item_facts(ctx, iterable)
    if not isinstance(target, (ast.Tuple, ast.List)) or not isinstance(iterable, ast.Call) \
            or iterable.keywords or any(isinstance(a, ast.Starred) for a in iterable.args):
        return UNKNOWN
    elts = target.elts
    if _builtin(ctx, iterable.func, {"enumerate"}) and len(elts) == 2 and len(iterable.args) == 1:
        if elts[0] is bound:
            return INT_SCALAR
        return iteration_facts(ctx, elts[1], iterable.args[0], bound, depth + 1)
    if _builtin(ctx, iterable.func, {"zip"}) and len(elts) == len(iterable.args):
        for elt, source in zip(elts, iterable.args):
            if any(n is bound for n in ast.walk(elt)):
                return _item_facts(ctx, source) if elt is bound else \
                    iteration_facts(ctx, elt, source, bound, depth + 1)
    return UNKNOWN


def _item_facts(ctx, iterable: ast.AST) -> Facts:
    """An item of ``iterable`` when it is a NumPy array or torch tensor of known rank >= 1."""
    f = ctx.array_facts(iterable)
    if f.rank is None or f.rank < 1 or f.lib not in ("numpy", "torch"):
        return UNKNOWN
    shape = tuple(f.shape[1:]) if f.shape is not None and len(f.shape) == f.rank else None
    return Facts(rank=f.rank - 1, dtype=f.dtype, shape=shape, lib=f.lib, evidence=f.evidence)


def _param_kind(ctx, binding) -> str | None:
    """"int", "scalar" or None for a parameter, computed once per parameter (its loads are scanned)."""
    cache = ctx.__dict__.setdefault("_bl_param_kinds", {})
    key = id(binding.node)
    if key not in cache:
        cache[key] = None  # guards the recursion through reaching_binding
        cache[key] = "int" if _int_param(ctx, binding) else \
            "scalar" if _float_param(ctx, binding) or _used_as_scalar(ctx, binding) else None
    return cache[key]


def _declared(ctx, binding):
    """(annotation name or None, default value node or None) of a parameter, or None if not one."""
    arg = binding.node
    if not isinstance(arg, ast.arg):
        return None
    annotation = arg.annotation.id if isinstance(arg.annotation, ast.Name) else None
    func = ctx.parent(ctx.parent(arg))  # arg -> arguments -> def
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return annotation, None
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    default = next((d for a, d in pairs if a is arg), None)
    if isinstance(default, ast.UnaryOp) and isinstance(default.op, ast.USub):
        default = default.operand
    return annotation, default


def _literal_param(ctx, binding, kind: type) -> bool:
    """Annotated ``kind`` or defaulting to a literal of it (``def f(n: int)``, ``def f(A, beta=0.5)``)."""
    got = _declared(ctx, binding)
    if got is None:
        return False
    annotation, default = got
    return annotation == kind.__name__ or isinstance(default, ast.Constant) \
        and isinstance(default.value, kind) and not isinstance(default.value, bool)


def _float_param(ctx, binding) -> bool:
    """A float parameter: a scalar by the same convention as an int default."""
    return _literal_param(ctx, binding, float)


def _int_param(ctx, binding) -> bool:
    """An int parameter (annotated, defaulted), or one that serves as a size."""
    return _literal_param(ctx, binding, int) or isinstance(binding.node, ast.arg) and _used_as_size(ctx, binding)


_SIZED_BY_ARGS = {"numpy.random.rand", "numpy.random.randn", "numpy.eye", "numpy.identity", "torch.eye"}


def _used_as_size(ctx, binding) -> bool:
    """Does the parameter also serve as a size (``range(n)``, ``np.zeros((m, n))``, ``randn(n, n)``)?

    Those calls accept integers only, so the parameter is an int wherever it holds this binding.
    """
    scope = ctx.scope(ctx.parent(ctx.parent(binding.node)))
    for load in scope.loads.get(binding.name, []):
        par = ctx.parent(load)
        if isinstance(par, (ast.Tuple, ast.List)) and isinstance(ctx.parent(par), ast.Call) \
                and ctx.parent(par) in _shape_taking_calls(ctx, par):
            pass
        elif isinstance(par, ast.Call) and load in par.args and (
                _builtin(ctx, par.func, {"range", "xrange"}) or ctx.resolve_call(par) in _SIZED_BY_ARGS):
            pass
        else:
            continue
        if ctx.reaching_binding(load) is binding:
            return True
    return False


_SCALAR_ARGS = {"numpy.arange", "numpy.linspace", "numpy.logspace", "numpy.fft.fftfreq", "numpy.fft.rfftfreq"}


def _used_as_scalar(ctx, binding) -> bool:
    """A parameter given to ``np.arange``/``np.linspace``/``fftfreq``: a scalar (int or float)."""
    scope = ctx.scope(ctx.parent(ctx.parent(binding.node)))
    for load in scope.loads.get(binding.name, []):
        par = ctx.parent(load)
        if isinstance(par, ast.Call) and load in par.args and ctx.resolve_call(par) in _SCALAR_ARGS \
                and ctx.reaching_binding(load) is binding:
            return True
    return False


def _shape_taking_calls(ctx, shape_node) -> tuple:
    """The call whose shape argument ``shape_node`` is, if it is one (np.zeros((m, n)), rng.normal(size=(m, n)))."""
    call = ctx.parent(shape_node)
    q = ctx.resolve_call(call) or ""
    lib, _, name = q.rpartition(".")
    first = call.args[0] if call.args else None
    size_kw = next((k.value for k in call.keywords if k.arg in ("size", "shape")), None)
    if lib in ("numpy", "torch") and name in ("zeros", "ones", "empty", "full", "rand", "randn") \
            and first is shape_node:
        return (call,)
    if size_kw is shape_node:
        return (call,)  # rng.normal(0, 1, size=(m, n)), np.random.uniform(size=(m, n))
    if isinstance(call.func, ast.Attribute) and call.func.attr in ("standard_normal", "random", "rand", "randn") \
            and first is shape_node:
        return (call,)  # rng.standard_normal((m, n))
    return ()


def shape_unpack_facts(ctx: "FileContext", name: ast.Name, binding) -> Facts:
    """Rank of a parameter from ``n, d = X.shape`` executed before ``name`` (unpacking proves the rank)."""
    scope = ctx.binding_scope(name)
    if scope is None:
        return UNKNOWN
    use_stmts = [a for a in [name, *ctx.ancestors(name)] if isinstance(a, ast.stmt)]
    for load in scope.loads.get(name.id, []):
        attr = ctx.parent(load)
        stmt = ctx.parent(attr)
        if not (isinstance(attr, ast.Attribute) and attr.attr == "shape" and isinstance(stmt, ast.Assign)
                and stmt.value is attr and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Tuple)):
            continue
        elts = stmt.targets[0].elts
        if any(isinstance(e, ast.Starred) for e in elts) or ctx.reaching_binding(load) is not binding:
            continue
        if not any(ctx.statements_between(stmt, u) is not None for u in use_stmts):
            continue  # it must run before the use, in the same or an enclosing block
        dims = tuple(e.id if isinstance(e, ast.Name) else None for e in elts)
        return Facts(rank=len(elts), shape=dims)
    return UNKNOWN


def decomposition_parts(ctx: "FileContext", call: ast.Call) -> tuple[Facts, ...] | None:
    """Facts of each element of a decomposition's result tuple (``svd``, ``eigh``, ``eig``, ``qr``)."""
    q = ctx.resolve_call(call)
    if q is None or not call.args:
        return None
    lib, _, name = q.rpartition(".")
    if lib not in ("numpy.linalg", "scipy.linalg", "torch.linalg") or name not in _TUPLE_RESULTS:
        return None
    if name == "svd" and any(k.arg == "compute_uv" for k in call.keywords):
        return None
    if name == "qr" and not _qr_pair(call) or name == "eigh" and lib == "scipy.linalg" \
            and any(k.arg in ("eigvals_only", "subset_by_index", "subset_by_value") for k in call.keywords):
        return None
    if name == "lu_factor" and lib != "scipy.linalg":
        return None
    base = ctx.array_facts(call.args[0])
    rank = (base.rank or 2) if lib == "scipy.linalg" else base.rank  # scipy >= 1.15 batches stacks too
    if rank is None and lib == "numpy.linalg" and name in ("svd", "eigh"):
        # One matrix assumed for the spectrum only (s of svd, w of eigh): stacked
        # decompositions are rare in NumPy code; the factors' ranks stay unknown.
        spectrum = 1 if name == "svd" else 0
        return tuple(Facts(rank=1, lib="numpy") if i == spectrum else UNKNOWN
                     for i in range(len(_TUPLE_RESULTS[name](2))))
    if rank is None or rank < 2:
        return None
    dtype = base.dtype if base.dtype in ("float32", "float64", "complex64", "complex128") else None
    lib_name = "torch" if lib.startswith("torch") else base.lib or "numpy"
    ranks = _TUPLE_RESULTS[name](rank)
    if name == "qr" and _keyword_true(call, "pivoting"):
        ranks = (*ranks, rank - 1)  # scipy's column permutation
    if name == "eig":
        dtypes = (None, None)  # a real matrix may have complex eigenpairs
    elif name == "svd":
        dtypes = (dtype, _real(dtype), dtype)
    elif name == "eigh":
        dtypes = (_real(dtype), dtype)
    elif name == "lu_factor":
        dtypes = (dtype, "int32")
    else:
        dtypes = (dtype,) * len(ranks)
    # the parts rest on what the matrix rests on (a docstring stays soft through its eigenvalues)
    return tuple(Facts(rank=r, dtype=d, order=None, lib=lib_name, evidence=base.evidence) for r, d in zip(ranks, dtypes))


def _qr_pair(call: ast.Call) -> bool:
    """Does this ``qr`` call return (Q, R) (or (Q, R, P)): no ``mode``, or a literal mode that does?"""
    mode = next((k.value for k in call.keywords if k.arg == "mode"), None)
    if mode is None:
        return not any(k.arg is None for k in call.keywords) and len(call.args) < 2
    return isinstance(mode, ast.Constant) and mode.value in _QR_PAIR_MODES


def _keyword_true(call: ast.Call, name: str) -> bool:
    return any(k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is True for k in call.keywords)


def _real(dtype):
    return {"complex64": "float32", "complex128": "float64"}.get(dtype, dtype)


# -- indexing -------------------------------------------------------------------

def subscript_facts(ctx: "FileContext", node: ast.Subscript) -> Facts:
    """Rank (and shape where obvious) of ``x[...]`` with basic indices only."""
    if isinstance(node.value, ast.Attribute) and node.value.attr == "shape":
        return INT_SCALAR if is_int_scalar(ctx, node.slice) else UNKNOWN
    if isinstance(node.value, ast.Attribute) and node.value.attr in ("c_", "r_"):
        return _index_trick_facts(ctx, node)
    base = ctx.array_facts(node.value)
    # A multi-axis index (``X[:, t]``) means array semantics whatever made ``X``
    # (numpy, torch, cupy, jax alike); a single index may select a DataFrame column.
    multi_axis = isinstance(node.slice, ast.Tuple) and len(node.slice.elts) >= 2
    if base.rank is None and base.min_rank and (base.lib in ("numpy", "torch") or multi_axis):
        return _bounded_subscript_facts(ctx, node, base)
    if base.rank is None or base.rank == 0 or (base.lib not in ("numpy", "torch") and not multi_axis):
        return UNKNOWN
    items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    if sum(1 for it in items if isinstance(it, ast.Constant) and it.value is Ellipsis) > 1:
        return UNKNOWN
    # a shape that disagrees with the rank (joined facts) says nothing about the axes
    in_shape = list(base.shape) if base.shape is not None and len(base.shape) == base.rank else [None] * base.rank
    consumed = sum(1 for it in items if not _is_none(it) and not _is_ellipsis(it))
    if consumed > base.rank:
        return UNKNOWN
    out: list = []
    pos = 0
    for it in items:
        if _is_none(it):
            out.append(1)
        elif _is_ellipsis(it):
            n_skip = base.rank - consumed
            out.extend(in_shape[pos:pos + n_skip])
            pos += n_skip
        elif isinstance(it, ast.Slice):
            out.append(in_shape[pos] if is_full_slice(it) else None)
            pos += 1
        elif is_int_scalar(ctx, it):
            pos += 1
        else:
            return _advanced_index_facts(ctx, base, items, it)  # an array or mask index
    out.extend(in_shape[pos:])
    if not out:
        return replace(SCALAR, dtype=base.dtype, lib=base.lib)
    return Facts(rank=len(out), dtype=base.dtype, order=None, shape=tuple(out), lib=base.lib)


def _bounded_subscript_facts(ctx, node: ast.Subscript, base: Facts) -> Facts:
    """``x[:, t]`` of an ``x`` known only to be at least k-D: at least (k - 1)-D.

    With basic indices only (integers, slices, ``None``, one ``...``) each
    integer removes an axis and each ``None`` adds one. An index of unknown
    kind (``t``: an integer, an index array or a mask, which may take several
    axes) keeps only what the slices and ``None`` items keep. A bound below 1
    says nothing (the element may be a scalar).
    """
    items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    if sum(1 for it in items if _is_ellipsis(it)) > 1:
        return UNKNOWN
    slices = sum(1 for it in items if isinstance(it, ast.Slice))
    nones = sum(1 for it in items if _is_none(it))
    ints = sum(1 for it in items if not isinstance(it, ast.Slice) and not _is_none(it) and not _is_ellipsis(it)
               and is_int_scalar(ctx, it))
    unknown = len(items) - slices - nones - ints - sum(1 for it in items if _is_ellipsis(it))
    if ints > base.min_rank:
        return UNKNOWN
    bound = slices + nones if unknown else base.min_rank - ints + nones
    if bound < 1:
        return UNKNOWN
    return Facts(min_rank=bound, dtype=base.dtype, lib=base.lib, evidence=base.evidence)


def _advanced_index_facts(ctx, base: Facts, items, index) -> Facts:
    """``x[mask]`` (a bool array of rank k: rank r - k + 1), ``x[idx]`` (ints of rank k: r - 1 + k).

    Only one array index among full slices (``x[:, idx]``); anything else is unknown.
    """
    others = [it for it in items if it is not index]
    if any(not is_full_slice(it) for it in others):
        return UNKNOWN
    if isinstance(index, ast.List) and index.elts and all(
            isinstance(e, ast.Constant) and type(e.value) is int for e in index.elts):
        f = Facts(rank=1, dtype="int64", shape=(len(index.elts),), lib="numpy")
    else:
        f = ctx.array_facts(index)
    if f.rank is None or f.rank == 0 or f.lib not in ("numpy", "torch"):
        return UNKNOWN
    pos = items.index(index)
    dims = list(base.shape) if base.shape is not None else [None] * base.rank
    if f.dtype == "bool":
        if pos + f.rank > base.rank:
            return UNKNOWN
        out = dims[:pos] + [None] + dims[pos + f.rank:]
    elif f.dtype in INT_DTYPES:
        idx_dims = list(f.shape) if f.shape is not None else [None] * f.rank
        out = dims[:pos] + idx_dims + dims[pos + 1:]
    else:
        return UNKNOWN
    shape = tuple(out) if any(d is not None for d in out) else None
    return Facts(rank=len(out), dtype=base.dtype, order=None, shape=shape, lib=base.lib)


def _index_trick_facts(ctx, node: ast.Subscript) -> Facts:
    """``np.c_[a, b]`` (columns side by side) and ``np.r_[a, b]`` (1-D parts end to end)."""
    q = ctx.resolve(node.value)
    if q not in ("numpy.c_", "numpy.r_"):
        return UNKNOWN
    elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    if not elts or any(isinstance(e, (ast.Slice, ast.Starred)) or isinstance(e, ast.Constant)
                       and isinstance(e.value, str) for e in elts):
        return UNKNOWN
    parts = [ctx.array_facts(e) for e in elts]
    if any(p.rank is None for p in parts):
        return UNKNOWN
    from blaslint.analysis.broadcasting import c_shape, concat_shape

    dtypes = {p.dtype for p in parts}
    dtype = dtypes.pop() if len(dtypes) == 1 else None
    if q == "numpy.c_":
        if any(p.rank not in (1, 2) for p in parts):
            return UNKNOWN
        return Facts(rank=2, dtype=dtype, order="C", shape=c_shape(parts), lib="numpy")
    if all(p.rank in (0, 1) for p in parts):
        ones = [p if p.rank == 1 else Facts(rank=1, shape=(1,)) for p in parts]
        return Facts(rank=1, dtype=dtype, order="C", shape=concat_shape(ones, 0), lib="numpy")
    if all(p.rank == 2 for p in parts):
        return Facts(rank=2, dtype=dtype, order="C", shape=concat_shape(parts, 0), lib="numpy")
    return UNKNOWN


_is_none = is_new_axis  # `None` and `np.newaxis` alike


def _is_ellipsis(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


# -- calls ------------------------------------------------------------------------

_REDUCTIONS = {"sum", "mean", "std", "var", "max", "min", "prod", "amax", "amin", "nansum", "nanmean",
               "nanmax", "nanmin", "nanstd", "nanvar", "median", "nanmedian", "ptp", "average",
               "argmax", "argmin", "any", "all", "count_nonzero"}
_UNARY_UFUNCS = {"square", "log1p", "expm1", "log2", "log10", "exp2", "sign", "floor", "ceil", "rint",
                 "reciprocal", "sinh", "cosh", "arcsin", "arccos", "arctan", "arcsinh", "arctanh",
                 "cbrt", "absolute", "fabs", "around", "round", "real", "imag", "tan", "positive",
                 "sigmoid", "relu", "deg2rad", "rad2deg", "radians", "degrees"}
_BINARY_UFUNCS = {"maximum", "minimum", "fmax", "fmin", "add", "subtract", "multiply", "divide",
                  "true_divide", "power", "hypot", "arctan2", "clip", "where", "mul", "div", "sub", "pow"}
_ELEMENTWISE_METHODS = {"abs", "sqrt", "exp", "log", "clamp", "clip", "square", "neg", "sign", "conj", "conjugate",
                        "round", "relu", "sigmoid", "tanh", "cumsum", "cumprod"}
_MATH_FLOAT = {"sqrt", "exp", "log", "log10", "log2", "sin", "cos", "tan", "asin", "acos", "atan", "atan2",
               "sinh", "cosh", "tanh", "radians", "degrees", "hypot", "pow", "fabs", "erf", "gamma", "lgamma"}
_LIBRARIES = {"numpy", "scipy", "torch", "cupy", "jax", "sklearn", "pandas", "math", "tensorflow", "geomstats"}
_STACKERS = {"concatenate", "hstack", "vstack", "stack", "column_stack", "cat"}


_DIVISIONS = {"past.utils.old_div", "operator.truediv"}


def call_facts(ctx: "FileContext", call: ast.Call, qualname: str | None) -> Facts:
    """Facts of library calls :mod:`facts` does not cover (see the module docstring)."""
    if qualname is None:
        if _builtin(ctx, call.func, _INT_BUILTINS) and len(call.args) == 1 and not call.keywords:
            return INT_SCALAR  # len(x), int(x), round(x): a Python int
        if _builtin(ctx, call.func, {"float"}) and len(call.args) <= 1 and not call.keywords:
            return PY_FLOAT  # float(t): a Python float (an array of size > 1 raises)
        if isinstance(call.func, ast.Attribute):
            got = method_facts(ctx, call, call.func)
            if got.rank is None and isinstance(call.func.value, ast.Name):
                from blaslint.analysis.summaries import call_result_facts  # `transformations.f(x)` of the package

                return call_result_facts(ctx, call)
            return got
        if isinstance(call.func, ast.Name):
            from blaslint.analysis.summaries import call_result_facts  # helpers of this package

            return call_result_facts(ctx, call)
        return UNKNOWN
    lib, _, name = qualname.rpartition(".")
    if qualname in _DIVISIONS and len(call.args) == 2 and not call.keywords:
        from blaslint.analysis.facts import binop_facts  # `old_div(1., d)`: futurize's spelling of `1. / d`

        return binop_facts(ast.Div(), ctx.array_facts(call.args[0]), ctx.array_facts(call.args[1]))
    if lib == "math" and name in _MATH_FLOAT:
        return PY_FLOAT  # math.radians(30.0): always a Python float
    if lib == "numpy.fft" and name in ("fftfreq", "rfftfreq"):
        return Facts(rank=1, dtype="float64", order="C", lib="numpy")
    if lib in ("numpy", "torch"):
        return _elementwise_facts(ctx, call, name, lib)
    if lib in ("numpy.linalg", "scipy.linalg", "torch.linalg"):
        return _linalg_facts(ctx, call, lib, name)
    if qualname in ("numpy.fft.fftfreq", "numpy.fft.rfftfreq"):
        return Facts(rank=1, dtype="float64", order="C", lib="numpy")
    if qualname in _PAIRWISE:
        return _pairwise_facts(ctx, call, qualname)
    if isinstance(call.func, ast.Attribute) and lib.split(".")[0] not in _LIBRARIES:
        from blaslint.analysis.summaries import call_result_facts  # `import pkg.mod as m; m.f(x)`

        return call_result_facts(ctx, call)
    return UNKNOWN


# Pairwise matrices between the rows of X and Y (Y = X when omitted): n_X x n_Y, dense.
# scipy's are float64 always; scikit-learn's keep float32 inputs float32 (dtype unknown).
_SKLEARN_PAIRWISE = ("pairwise_kernels", "pairwise_distances", "rbf_kernel", "laplacian_kernel", "polynomial_kernel",
                     "sigmoid_kernel", "chi2_kernel", "euclidean_distances", "manhattan_distances",
                     "cosine_distances", "nan_euclidean_distances")
_PAIRWISE = {"scipy.spatial.distance.cdist": "float64",
             **{f"sklearn.metrics.pairwise.{n}": None for n in _SKLEARN_PAIRWISE},
             **{f"sklearn.metrics.{n}": None for n in ("pairwise_kernels", "pairwise_distances")}}


def _pairwise_facts(ctx, call: ast.Call, qualname: str) -> Facts:
    """``cdist(XA, XB)``, ``pairwise_kernels(X, Y)``: 2-D, one row per row of the first argument.
    (``linear_kernel``/``cosine_similarity`` are left out: sparse inputs may give a sparse result.)"""
    args = _array_args(call)
    first = args[0] if args else next((k.value for k in call.keywords if k.arg in ("XA", "X")), None)
    if first is None or any(isinstance(a, ast.Starred) for a in call.args):
        return UNKNOWN
    second = args[1] if len(args) > 1 else next((k.value for k in call.keywords if k.arg in ("XB", "Y")), None)

    def rows(x):
        return f"{ctx.text(x)}.shape[0]" if isinstance(x, (ast.Name, ast.Attribute)) else None

    shape = (rows(first), rows(second if second is not None and not _is_none(second) else first))
    return Facts(rank=2, dtype=_PAIRWISE[qualname], order="C", shape=shape if any(shape) else None, lib="numpy")


def _array_args(call):
    return [a for a in call.args if not isinstance(a, ast.Starred)]


def _elementwise_facts(ctx, call, name, lib) -> Facts:
    if any(isinstance(a, ast.Starred) for a in call.args) or not call.args:
        return UNKNOWN
    first = ctx.array_facts(call.args[0])
    if name in _REDUCTIONS:
        axis = _axis_arg(call, 1, lib)
        if first.rank is None and _whole(call, axis):
            return Facts(rank=0, lib=lib)  # np.sum(x) of anything: one number
        return reduction_facts(ctx, call, first, axis, name)
    if name in _UNARY_UFUNCS and len(call.args) == 1:
        if first.rank is None:
            return UNKNOWN
        dtype = "float64" if first.dtype in INT_DTYPES and name not in ("sign", "absolute", "square") \
            else first.dtype
        return replace(first, dtype=dtype, order="C" if first.rank else None)
    if name in _BINARY_UFUNCS:
        args = _array_args(call)[:3]
        facts = [ctx.array_facts(a) for a in args]
        if any(f.rank is None for f in facts):
            return UNKNOWN
        rank = max(f.rank for f in facts)
        operands = facts[1:] if name == "where" else facts
        if not operands or name == "where" and len(facts) != 3:
            return UNKNOWN  # np.where(c): a tuple of index arrays
        acc = operands[0]
        for f in operands[1:]:
            acc = Facts(rank=max(acc.rank, f.rank), dtype=combine_dtypes(acc, f),
                        weak=acc.rank == 0 and f.rank == 0 and acc.weak and f.weak)
        dtype = acc.dtype
        from blaslint.analysis.broadcasting import broadcast_shape

        # np.where broadcasts its condition with the two choices: all three set the shape, the choices the dtype
        return Facts(rank=rank, dtype=dtype, order="C" if rank else None, shape=broadcast_shape(*facts), lib=lib)
    if name in _STACKERS and isinstance(call.args[0], (ast.List, ast.Tuple)) and call.args[0].elts:
        parts = [ctx.array_facts(e) for e in call.args[0].elts]
        ranks = {p.rank for p in parts}
        if len(ranks) != 1 or None in ranks:
            return UNKNOWN
        r = ranks.pop()
        axis = _kwarg(call, "axis") or _kwarg(call, "dim")
        if axis is None and len(call.args) == 2:
            axis = call.args[1]
        from blaslint.analysis.broadcasting import stack_shape

        literal_axis = axis.value if isinstance(axis, ast.Constant) and isinstance(axis.value, int) else (
            -axis.operand.value if isinstance(axis, ast.UnaryOp) and isinstance(axis.operand, ast.Constant)
            and isinstance(axis.operand.value, int) else None)
        shape = stack_shape(name, parts, literal_axis) if axis is None or literal_axis is not None else None
        if name in ("concatenate", "cat"):
            rank = 1 if _is_none(axis) else r
        elif name == "hstack":
            rank = max(r, 1)
        elif name in ("vstack", "column_stack"):
            rank = max(r, 2)
        else:
            rank = r + 1
        dtypes = {p.dtype for p in parts}
        return Facts(rank=rank, dtype=dtypes.pop() if len(dtypes) == 1 else None, order="C",
                     shape=shape if shape is not None and len(shape) == rank else None, lib=lib)
    if name == "reshape" and len(call.args) == 2:
        return _reshape_facts(ctx, ctx.array_facts(call.args[0]), [call.args[1]])
    if name == "ravel" and len(call.args) == 1:
        return Facts(rank=1, dtype=first.dtype, order="C", lib=lib)
    if name == "cov" and first.rank == 2 and len(call.args) == 1:
        return Facts(rank=2, dtype="float64", order="C", lib=lib)
    if name == "kron" and len(call.args) == 2 and first.rank == 2 and ctx.array_facts(call.args[1]).rank == 2:
        from blaslint.analysis.broadcasting import kron_shape

        return Facts(rank=2, order="C", shape=kron_shape(first, ctx.array_facts(call.args[1])), lib=lib)
    if name == "diag" and lib == "torch" and len(call.args) == 1:
        if first.rank == 1:
            n = first.shape[0] if first.shape else None
            return Facts(rank=2, dtype=first.dtype, order="C", shape=(n, n), lib=lib)
        return Facts(rank=1, dtype=first.dtype, order=None, lib=lib) if first.rank == 2 else UNKNOWN
    if name in ("diagonal", "trace") and first.rank == 2 and len(call.args) == 1:
        return Facts(rank=1 if name == "diagonal" else 0, dtype=first.dtype, lib=lib)
    if name in ("linspace", "logspace", "arange") and lib == "torch":
        return Facts(rank=1, order="C", lib=lib)
    if name in ("inverse", "pinverse") and lib == "torch":
        return replace(first, order="C") if first.rank and first.rank >= 2 else UNKNOWN
    return UNKNOWN


def _kwarg(call, name):
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _axis_arg(call, index, lib):
    """The axis argument node: ``axis=``/``dim=`` or positional; None when absent."""
    for kw in call.keywords:
        if kw.arg in ("axis", "dim"):
            return kw.value
    args = _array_args(call)
    return args[index] if len(args) > index else None


def reduction_facts(ctx, call, base: Facts, axis: ast.AST | None, name: str = "sum") -> Facts:
    """Rank after reducing ``base`` over a literal axis (none: all axes; keepdims keeps the rank)."""
    if base.rank is None or base.rank == 0:
        return UNKNOWN
    keep = _kwarg(call, "keepdims") or _kwarg(call, "keepdim")
    if keep is not None and not (isinstance(keep, ast.Constant) and keep.value is False):
        if isinstance(keep, ast.Constant) and keep.value is True:
            return replace(base, order=None)
        return UNKNOWN
    dtype = "int64" if name in ("argmax", "argmin", "count_nonzero") else (
        "bool" if name in ("any", "all") else base.dtype)
    if name in ("mean", "std", "var", "average", "nanmean", "median") and base.dtype in INT_DTYPES:
        dtype = "float64"
    if axis is None or _is_none(axis):
        return Facts(rank=0, dtype=dtype, lib=base.lib)
    axes = axis.elts if isinstance(axis, ast.Tuple) else [axis]
    values = []
    for a in axes:
        v = a.value if isinstance(a, ast.Constant) else (
            -a.operand.value if isinstance(a, ast.UnaryOp) and isinstance(a.op, ast.USub)
            and isinstance(a.operand, ast.Constant) else None)
        if not isinstance(v, int) or isinstance(v, bool) or not -base.rank <= v < base.rank:
            return UNKNOWN
        values.append(v % base.rank)
    if len(set(values)) != len(values):
        return UNKNOWN
    shape = tuple(d for i, d in enumerate(base.shape) if i not in values) if base.shape is not None else None
    rank = base.rank - len(values)
    return Facts(rank=rank, dtype=dtype, order="C" if rank else None, shape=shape, lib=base.lib)


def _reshape_facts(ctx, base: Facts, args) -> Facts:
    """``x.reshape(-1, 1)``: the rank is the number of sizes, whatever ``x`` was."""
    if len(args) == 1 and isinstance(args[0], (ast.Tuple, ast.List)):
        args = args[0].elts
    elif len(args) == 1 and not is_int_scalar(ctx, args[0]):
        return UNKNOWN
    if not args or any(isinstance(a, ast.Starred) for a in args):
        return UNKNOWN
    if len(args) == 1 and not all(is_int_scalar(ctx, a) for a in args):
        return UNKNOWN  # (two or more sizes: each must be an int, or reshape raises)
    # literal sizes and symbols are kept (reshape(3, 3), reshape(n, k)); -1 is an unknown dim
    from blaslint.analysis.facts import _dim

    shape = tuple(None if isinstance(a, ast.UnaryOp) or isinstance(a, ast.Constant) and (
        not isinstance(a.value, int) or a.value < 0) else _dim(ctx, a) for a in args)
    if all(d is None for d in shape):
        shape = tuple(None for _ in args)
    return Facts(rank=len(args), dtype=base.dtype, order=None, shape=shape, lib=base.lib)


def _whole(call, axis) -> bool:
    """A reduction over every axis: no axis (or ``axis=None``), no ``keepdims``, no ``out``."""
    if axis is not None and not _is_none(axis):
        return False
    return not any(k.arg in ("keepdims", "keepdim", "out", "dim", "axis") and not _is_none(k.value)
                   for k in call.keywords)


def method_facts(ctx: "FileContext", call: ast.Call, func: ast.Attribute) -> Facts:
    """Array methods that reduce, reshape or keep the receiver's rank."""
    name = func.attr
    base = ctx.array_facts(func.value)
    if name in ("ravel", "flatten") and not call.args and not call.keywords:
        # whatever it was called on, the result is 1-D (ndarray, tensor, pandas Series)
        return Facts(rank=1, dtype=base.dtype, order="C", lib=base.lib or "numpy")
    if name == "reshape" and call.args and not call.keywords:
        return _reshape_facts(ctx, base, call.args)
    if base.rank is None and name in _REDUCTIONS and not call.args and _whole(call, None) \
            and isinstance(func.value, ast.Call) and (ctx.resolve_call(func.value) or "").startswith("numpy."):
        return Facts(rank=0, lib="numpy")  # np.mean(x, axis=0).sum(): a NumPy result reduced whole
    if base.rank is None or any(isinstance(a, ast.Starred) for a in call.args):
        return UNKNOWN
    if name in _REDUCTIONS:
        return reduction_facts(ctx, call, base, _axis_arg(call, 0, base.lib), name)
    if name in ("reshape", "view") and call.args and (name == "reshape" or base.lib == "torch"):
        return _reshape_facts(ctx, base, call.args)
    if name in ("numpy",) and not call.args:
        return replace(base, lib="numpy")
    if name in ("inverse", "pinverse") and not call.args and base.lib == "torch" and base.rank >= 2:
        return replace(base, order="C")
    if name in ("diagonal",) and not call.args and base.rank == 2:
        return Facts(rank=1, dtype=base.dtype, lib=base.lib)
    if name in ("trace",) and not call.args and base.rank == 2:
        return Facts(rank=0, dtype=base.dtype, lib=base.lib)
    if name in _ELEMENTWISE_METHODS and (name not in ("cumsum", "cumprod") or call.args or call.keywords):
        return replace(base, order="C")
    return UNKNOWN


def _linalg_facts(ctx, call, lib, name) -> Facts:
    if not call.args or any(isinstance(a, ast.Starred) for a in call.args):
        return UNKNOWN
    first = ctx.array_facts(call.args[0])
    out_lib = "torch" if lib.startswith("torch") else first.lib or "numpy"
    if name in ("solve", "lstsq", "cho_solve", "lu_solve", "solve_triangular") and len(call.args) >= 2:
        a, b = first, ctx.array_facts(call.args[1])
        if name == "lstsq":
            return UNKNOWN  # a tuple (or a named tuple in torch)
        if name in ("cho_solve", "lu_solve"):
            a = Facts(rank=2)
        a_rank = (a.rank or 2) if lib == "scipy.linalg" else a.rank
        if b.rank == 1 and a_rank == 2 or b.rank == 2 and a_rank == 2:
            # A is square: the result has b's shape
            return Facts(rank=b.rank, dtype=promote(a.dtype, b.dtype), order=None, shape=b.shape, lib=out_lib)
        return UNKNOWN
    if name in ("norm", "vector_norm", "matrix_norm"):
        axis = _kwarg(call, "axis") or _kwarg(call, "dim")
        if axis is None and len(call.args) <= 2 and not _kwarg(call, "keepdims"):
            return Facts(rank=0, lib=out_lib)
        return reduction_facts(ctx, call, first, axis, "norm") if axis is not None else UNKNOWN
    if name in ("eigvalsh", "eigvals", "svdvals") and len(call.args) == 1:
        rank = (first.rank or 2) if lib == "scipy.linalg" else first.rank
        return Facts(rank=rank - 1, order="C", lib=out_lib) if rank and rank >= 2 else UNKNOWN
    if name == "svd" and any(k.arg == "compute_uv" and isinstance(k.value, ast.Constant)
                             and k.value.value is False for k in call.keywords):
        rank = (first.rank or 2) if lib == "scipy.linalg" else first.rank
        return Facts(rank=rank - 1, order="C", lib=out_lib) if rank and rank >= 2 else UNKNOWN
    if name in ("cholesky", "expm", "sqrtm", "matrix_power", "inv", "pinv") and first.rank is not None:
        rank = first.rank  # scipy >= 1.15 keeps a stack a stack
        shape = first.shape if first.shape is not None and len(first.shape) == rank else None
        if shape is not None and name == "pinv":
            shape = shape[:-2] + (shape[-1], shape[-2])
        return Facts(rank=rank, dtype=first.dtype, order=None, shape=shape, lib=out_lib) if rank >= 2 else UNKNOWN
    if name in ("det", "slogdet", "matrix_rank", "cond") and first.rank == 2 and name != "slogdet":
        return Facts(rank=0, lib=out_lib)
    return UNKNOWN
