"""Data flow questions: which binding reaches a use, what a loop changes,
whether a name is read between two statements.

Deliberately simple and conservative: straight-line reasoning inside one
function, with "unsure" (None / False) whenever branches or loops could make
the answer depend on the run. Rules stay silent on "unsure".
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from blaslint.analysis.imports import dotted_name
from blaslint.analysis.scopes import COMPREHENSION_TYPES, LOOP_TYPES, SCOPE_TYPES, Binding

if TYPE_CHECKING:  # pragma: no cover
    from blaslint.analysis.base import Context as FileContext  # never the facade itself

BLAS_GETTERS = {
    "scipy.linalg.get_blas_funcs": "scipy.linalg.blas",
    "scipy.linalg.blas.get_blas_funcs": "scipy.linalg.blas",
    "scipy.linalg.get_lapack_funcs": "scipy.linalg.lapack",
    "scipy.linalg.lapack.get_lapack_funcs": "scipy.linalg.lapack",
}

# Methods that change the array they are called on.
MUTATING_METHODS = {
    "fill", "sort", "resize", "put", "itemset", "setfield", "partition", "setflags",
    "__setitem__", "__iadd__", "__isub__", "__imul__", "append", "extend", "insert",
    "update", "pop", "clear", "remove", "setdefault", "popitem", "copy_", "zero_",
}
# Methods that only read their receiver (safe to call in invariant expressions).
PURE_METHODS = {
    "copy", "transpose", "reshape", "astype", "dot", "conj", "conjugate", "sum", "mean",
    "ravel", "flatten", "view", "T", "t", "contiguous", "clone", "detach", "cpu", "numpy",
    "squeeze", "unsqueeze", "max", "min", "std", "var", "prod", "cumsum", "diagonal",
    "trace", "swapaxes", "matmul", "mm", "mv", "inverse", "pinverse", "double", "float",
    "half", "to", "item", "tolist", "nonzero", "any", "all", "argmax", "argmin", "round",
    "clip", "real", "imag", "expand", "repeat", "permute", "norm", "abs", "sqrt", "exp",
    "log", "tobytes", "getH", "get", "keys", "values", "items", "multiply", "todense", "toarray", "tocsr",
    "tocsc",
}
# Library functions with side effects or fresh random results: never invariant.
_IMPURE_PREFIXES = ("numpy.random", "torch.rand", "torch.randn", "torch.randint", "torch.normal",
                    "torch.manual_seed", "random.", "time.", "numpy.copyto", "torch.nn.init",
                    "numpy.save", "numpy.load", "numpy.fill_diagonal", "numpy.put",
                    "numpy.place", "numpy.putmask")
_PURE_LIBRARIES = ("numpy", "scipy", "torch", "math", "cmath", "operator")
_PURE_BUILTINS = {"len", "range", "int", "float", "abs", "min", "max", "tuple", "sum", "round",
                  "complex", "bool", "slice", "divmod", "pow"}
# Functions whose first argument (or `out=`) is written in place.
MUTATING_FUNCTIONS = {
    "numpy.copyto", "numpy.fill_diagonal", "numpy.put", "numpy.place", "numpy.putmask",
    "numpy.random.shuffle", "numpy.put_along_axis",
}


# -- get_blas_funcs ------------------------------------------------------------

def _getter_routines(call: ast.Call) -> list[str] | None:
    if not call.args:
        return None
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, (ast.Tuple, ast.List)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in arg.elts
    ):
        return [e.value for e in arg.elts]
    return None


def _getter_module(qual: str | None) -> str | None:
    return BLAS_GETTERS.get(qual or "")


def getter_bindings(stmt: ast.Assign, resolve) -> dict[str, str]:
    """Names bound to BLAS/LAPACK routines by ``x = get_blas_funcs('gemv', ...)``."""
    out: dict[str, str] = {}
    value = stmt.value
    if not isinstance(value, ast.Call):
        return out
    module = _getter_module(resolve(value.func))
    if module is None:
        return out
    routines = _getter_routines(value)
    if not routines:
        return out
    for target in stmt.targets:
        if isinstance(target, ast.Name) and len(routines) == 1 and isinstance(value.args[0], ast.Constant):
            out[target.id] = f"{module}.?{routines[0]}"
        elif isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == len(routines):
            for elt, r in zip(target.elts, routines):
                if isinstance(elt, ast.Name):
                    out[elt.id] = f"{module}.?{r}"
    return out


def record_blas_getters(ctx: "FileContext", imap) -> None:
    """Bind module-level names assigned from get_blas_funcs (assigned once)."""
    def resolve(expr):
        d = dotted_name(expr)
        if d is None:
            return None
        head, _, rest = d.partition(".")
        q = imap.qualname(head)
        return (f"{q}.{rest}" if rest else q) if q else None

    mod = ctx.scope(ctx.tree)
    for stmt in ctx.tree.body:
        if isinstance(stmt, ast.Assign):
            for name, qual in getter_bindings(stmt, resolve).items():
                if len(mod.bindings.get(name, ())) == 1:
                    imap.names[name] = qual
                    imap.ambiguous.discard(name)


def blas_getter_qualname(ctx: "FileContext", binding: Binding) -> str | None:
    """Qualified routine name for a local bound once by get_blas_funcs."""
    if isinstance(binding.stmt, ast.Assign):
        return getter_bindings(binding.stmt, ctx.qualname).get(binding.name)
    return None


# -- positions and blocks ------------------------------------------------------

def _pos(node) -> tuple[int, int]:
    return (node.lineno, node.col_offset)


def _end(node) -> tuple[int, int]:
    return (node.end_lineno, node.end_col_offset)


def _is_ancestor(ctx, anc, node) -> bool:
    for a in ctx.ancestors(node):
        if a is anc:
            return True
    return False


def _block_of(ctx, stmt):
    """(list, index) of the statement list holding ``stmt``."""
    par = ctx.parent(stmt)
    if par is None:
        return None, -1
    for field in ("body", "orelse", "finalbody", "handlers"):
        lst = getattr(par, field, None)
        if isinstance(lst, list):
            for i, s in enumerate(lst):
                if s is stmt:
                    return lst, i
    if isinstance(par, ast.match_case if hasattr(ast, "match_case") else ()):  # pragma: no cover
        for i, s in enumerate(par.body):
            if s is stmt:
                return par.body, i
    return None, -1


def _binding_before(ctx, b: Binding, load: ast.Name) -> bool:
    if b.kind == "param":
        return True
    if b.kind == "for" and isinstance(b.stmt, (ast.For, ast.AsyncFor)):
        inside = (_is_ancestor(ctx, b.stmt, load) and load is not b.stmt.iter
                  and not _is_ancestor(ctx, b.stmt.iter, load))
        return inside or _end(b.stmt) <= _pos(load)
    if b.stmt is not None and b.kind in ("assign", "augassign"):
        # (a later statement in an enclosing loop may reach the load next time
        # round: reaching_binding checks that)
        return _end(b.stmt) <= _pos(load)
    node = b.node
    return hasattr(node, "lineno") and _pos(node) < _pos(load)


def _enclosing_loops(ctx, node, scope_node):
    loops = []
    for anc in ctx.ancestors(node):
        if anc is scope_node or isinstance(anc, SCOPE_TYPES):
            break
        if isinstance(anc, LOOP_TYPES):
            loops.append(anc)
    return loops


def _dominates(ctx, b: Binding, load: ast.Name) -> bool:
    """Is the binding's statement certainly executed before the load?"""
    if b.kind == "param":
        return True
    stmt = b.stmt
    if stmt is None:
        return False
    if b.kind == "for":
        return _is_ancestor(ctx, stmt, load)
    lst, _ = _block_of(ctx, stmt)
    if lst is None:
        return False
    # Find the load's ancestor statement that sits in the same list.
    for anc in [load, *ctx.ancestors(load)]:
        if isinstance(anc, ast.stmt):
            alst, _ = _block_of(ctx, anc)
            if alst is lst:
                return True
    return False


def reaching_binding(ctx: "FileContext", name: ast.Name) -> Binding | None:
    scope = ctx.binding_scope(name)
    if scope is None:
        return None
    binds = scope.bindings.get(name.id, [])
    if not binds:
        return None
    if scope.node is not ctx.scope_node_of(name):
        # A module global read from a function: only trust a single binding.
        if len(binds) == 1 and binds[0].kind == "assign":
            return binds[0]
        return None
    before = [b for b in binds if _binding_before(ctx, b, name)]
    if not before:
        return None
    last = max(before, key=lambda b: _pos(b.node) if hasattr(b.node, "lineno") else (0, 0))
    if not _dominates(ctx, last, name):
        return None
    # A later binding inside a loop that also holds the load reaches it next time round, unless
    # that loop also holds ``last``, which then runs again before the load on every iteration.
    loops = [lp for lp in _enclosing_loops(ctx, name, scope.node) if not _is_ancestor(ctx, lp, last.node)]
    if loops:
        for b in binds:
            if b is last or b.kind == "param":
                continue
            if not _binding_before(ctx, b, name) and any(_is_ancestor(ctx, lp, b.node) for lp in loops):
                return None
    # Any binding in between that does not dominate (in a branch) makes it unsure.
    for b in before:
        if b is last:
            continue
        if hasattr(b.node, "lineno") and hasattr(last.node, "lineno") and _pos(b.node) > _pos(last.node):
            return None
    return last


def uses_of(ctx: "FileContext", binding: Binding) -> list[ast.Name]:
    """Loads of the binding's name that this binding reaches (plus closures' loads)."""
    out = []
    scope_node = None
    for sc in list(ctx._scopes.values()):
        if binding in sc.bindings.get(binding.name, []):
            scope_node = sc.node
            break
    if scope_node is None:
        return out
    scope = ctx.scope(scope_node)
    for load in scope.loads.get(binding.name, []):
        rb = reaching_binding(ctx, load)
        if rb is binding:
            out.append(load)
        elif rb is None and _binding_could_reach(ctx, binding, load):
            out.append(load)
    # closures reading the name
    for node in ast.walk(scope_node):
        if node is scope_node or not isinstance(node, SCOPE_TYPES):
            continue
        inner = ctx.scope(node)
        if not inner.is_local(binding.name):
            out.extend(inner.loads.get(binding.name, []))
    return out


def _binding_could_reach(ctx, binding, load) -> bool:
    """Conservative: an unsure load counts as a use of any earlier/looping binding."""
    if _binding_before(ctx, binding, load):
        return True
    return bool(_enclosing_loops(ctx, load, None))


# -- what a region changes ----------------------------------------------------

def target_path(node: ast.AST) -> str | None:
    """Dotted path whose contents a store to ``node`` changes (x[i] -> x, self.a[0] -> self.a)."""
    while isinstance(node, (ast.Subscript, ast.Starred)):
        node = node.value
    return dotted_name(node)


def mutated_names(ctx: "FileContext", region: ast.AST) -> set[str]:
    """Names and dotted paths rebound or changed in place anywhere in ``region``."""
    cache = getattr(region, "_bl_mutated", None)
    if cache is not None:
        return cache
    out: set[str] = set()
    for node in _walk_no_defs(region):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            out.add(node.id)
        elif isinstance(node, (ast.Attribute, ast.Subscript)) and not isinstance(node.ctx, ast.Load):
            p = target_path(node)
            if p:
                out.add(p)
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "out" or (kw.arg or "").startswith("overwrite_") or kw.arg in ("a", "y", "c") \
                        and _is_blas(ctx, node):
                    p = target_path(kw.value) if kw.arg != "out" or not isinstance(kw.value, ast.Tuple) else None
                    if p:
                        out.add(p)
                    if kw.arg == "out" and isinstance(kw.value, ast.Tuple):
                        for e in kw.value.elts:
                            p = target_path(e)
                            if p:
                                out.add(p)
            func = node.func
            if isinstance(func, ast.Attribute):
                recv = target_path(func.value)
                if recv and ctx.imports.qualname(recv.split(".")[0]) is None:
                    name = func.attr
                    if name in MUTATING_METHODS or (name.endswith("_") and not name.startswith("_")):
                        out.add(recv)
                    elif name not in PURE_METHODS:
                        # an unknown method may change its receiver (self.step()); a method of
                        # this class changes what its body assigns, a callable held in an
                        # attribute (self.activation(x)) changes at most that object
                        out.update(_self_call_changes(ctx, node, recv, name) or (recv,))
            q = ctx.resolve_call(node)
            if q in MUTATING_FUNCTIONS or (q and q.endswith(".at") and q.startswith("numpy.")):
                if node.args:
                    p = target_path(node.args[0])
                    if p:
                        out.add(p)
            if q and q.startswith("scipy.linalg.blas"):
                # the output buffer, also when passed positionally (sgemv(1, A, x, 0, y))
                from blaslint.analysis.blas_api import bind, lookup

                routine = lookup(q)
                bound = bind(routine, node) if routine is not None else None
                for param in (bound.routine.written if bound is not None else ()):
                    buf = bound.args.get(param)
                    p = target_path(buf) if buf is not None else None
                    if p:
                        out.add(p)
            if is_opaque_call(ctx, node):
                # an unknown function may change the arrays handed to it (sgd(W, dW, lr)); the package's
                # own function changes what its body writes (through the facade: no import cycle)
                for a in [*node.args, *(kw.value for kw in node.keywords)]:
                    if not (isinstance(a, ast.Name) and _immutable_name(ctx, a)) \
                            and not ctx.param_effects.leaves_untouched(ctx, node, a):
                        out.update(passed_paths(a))
    try:
        region._bl_mutated = out
    except AttributeError:  # pragma: no cover
        pass
    return out


def _is_blas(ctx, call) -> bool:
    q = ctx.resolve_call(call) or ""
    return q.startswith("scipy.linalg.blas") or q.startswith("scipy.linalg.lapack")


def _self_call_changes(ctx, call: ast.Call, recv: str, name: str) -> set[str] | None:
    """What ``<self>.name(...)`` may change, read from the class; None when unsure (then all of self)."""
    fdef = ctx.parent(call)
    while fdef is not None and not isinstance(fdef, (ast.FunctionDef, ast.AsyncFunctionDef)):
        fdef = ctx.parent(fdef)
    cls = ctx.parent(fdef) if fdef is not None else None
    params = fdef.args.posonlyargs + fdef.args.args if fdef is not None else []
    if not isinstance(cls, ast.ClassDef) or not params or params[0].arg != recv:
        return None
    methods = {m.name: m for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}
    method = methods.get(name)
    if method is None:
        # not a method of this class: an attribute holding a callable, when the class assigns it
        assigned = any(isinstance(n, ast.Attribute) and n.attr == name and isinstance(n.ctx, ast.Store)
                       and isinstance(n.value, ast.Name) and n.value.id == recv for n in ast.walk(cls))
        return {f"{recv}.{name}"} if assigned else None
    mparams = method.args.posonlyargs + method.args.args
    if not mparams or method.decorator_list:
        return None
    me = mparams[0].arg
    changed: set[str] = set()
    for n in ast.walk(method):
        if isinstance(n, ast.Name) and n.id == me and isinstance(n.ctx, ast.Load):
            parent = ctx.parent(n)
            if not (isinstance(parent, ast.Attribute) and parent.value is n):
                return None  # self handed on whole
            if isinstance(ctx.parent(parent), ast.Call) and ctx.parent(parent).func is parent:
                return None  # calls another method: not followed
        if isinstance(n, (ast.Attribute, ast.Subscript)) and not isinstance(n.ctx, ast.Load):
            p = target_path(n)
            if p and (p == me or p.startswith(me + ".")):
                changed.add(recv + p[len(me):])
    for p in mutated_names(ctx, method):
        if p == me or p.startswith(me + "."):
            changed.add(recv + p[len(me):])
    return changed or {f"{recv}.{name}"}


def _walk_no_defs(region):
    stack = [region]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            stack.append(child)


def path_conflicts(path: str, mutated: set[str]) -> bool:
    """Is ``path`` (``W``, ``self.W``) or anything it contains or is contained in among ``mutated``?"""
    if path in mutated:
        return True
    parts = path.split(".")
    for i in range(1, len(parts)):
        if ".".join(parts[:i]) in mutated:
            return True
    prefix = path + "."
    return any(m.startswith(prefix) for m in mutated)


def loop_region_mutations(ctx, loop) -> set[str]:
    if isinstance(loop, COMPREHENSION_TYPES):
        out = set()
        for gen in loop.generators:
            out |= mutated_names(ctx, gen.target)
        return out | mutated_names(ctx, loop)
    return mutated_names(ctx, loop)


def is_loop_invariant(ctx: "FileContext", expr: ast.AST, loop: ast.AST, given: frozenset = frozenset()) -> bool:
    """Does ``expr`` compute the same value on every iteration of ``loop``?

    True only when every name and attribute path it reads is unchanged in the
    loop and every call in it is a known side-effect-free library function.
    Names in ``given`` count as inputs (an inner loop's index): the answer is then
    "the same value for the same ``given`` values".
    """
    mutated = loop_region_mutations(ctx, loop) - given
    # An unknown call in the loop (opt.step(), model.update()) may change any
    # array reachable from elsewhere: attributes, and names that may alias them.
    opaque = _loop_has_opaque_call(ctx, loop)
    local_names: set[str] = set()
    for node in ast.walk(expr):
        if isinstance(node, (ast.Lambda, *COMPREHENSION_TYPES)):
            return False
        if isinstance(node, ast.NamedExpr):
            return False
        if isinstance(node, ast.Call):
            if not _pure_call(ctx, node):
                return False
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            p = dotted_name(node)
            if p and p.split(".")[0] in given:
                continue
            if p and ctx.imports.qualname(p.split(".")[0]) is None and path_conflicts(p, mutated):
                return False
            if opaque and p and ctx.imports.qualname(p.split(".")[0]) is None and node.attr not in _ARRAY_ATTRS \
                    and not (isinstance(ctx.parent(node), ast.Call) and ctx.parent(node).func is node):
                return False  # self.W, model.weight: held elsewhere too (W.T.copy(): a method, checked as a call)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id in given:
                continue
            if node.id in mutated or node.id in local_names:
                return False
            if path_conflicts(node.id, mutated):
                return False
            if opaque and not _private_value(ctx, node):
                return False
        elif isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom)):
            return False
    return True


def is_pure_call(ctx: "FileContext", call: ast.Call) -> bool:
    """Does ``call`` return the same value for the same inputs and change nothing (no RNG, no ``out=``)?"""
    return _pure_call(ctx, call)


def _pure_call(ctx, call: ast.Call) -> bool:
    q = ctx.resolve_call(call)
    if q is not None:
        if any(q == p or q.startswith(p if p.endswith(".") else p + ".") or q == p.rstrip(".")
               for p in _IMPURE_PREFIXES):
            return False
        if q.split(".")[0] in _PURE_LIBRARIES:
            return not any(kw.arg == "out" for kw in call.keywords)
        return False
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in _PURE_BUILTINS and ctx.scope_of(func).bindings.get(func.id) is None
    if isinstance(func, ast.Attribute):
        return func.attr in PURE_METHODS and func.attr not in MUTATING_METHODS
    return False


# Builtins that neither change their arguments nor call back into user code.
_INERT_BUILTINS = _PURE_BUILTINS | {
    "print", "isinstance", "issubclass", "str", "repr", "list", "dict", "set", "frozenset", "sorted",
    "reversed", "enumerate", "zip", "any", "all", "iter", "next", "format", "hasattr", "id", "type",
    "hash", "bytes", "callable", "ord", "chr", "hex", "bin", "oct",
}


# Attributes of an array that are views or facts of it, not objects stored on it.
_ARRAY_ATTRS = {"T", "mT", "H", "mH", "real", "imag", "shape", "dtype", "ndim", "size", "flat", "itemsize",
                "nbytes", "strides", "device", "is_cuda"}


def is_opaque_call(ctx: "FileContext", call: ast.Call) -> bool:
    """A call that may run unknown code: a user function or a method we do not know.

    Library functions (numpy, scipy, torch, math, ...), inert builtins and
    methods that only read or only change their receiver (``.sum()``,
    ``.append()``, torch's ``.add_()``) are not opaque: what they change is
    already visible to :func:`mutated_names`.
    """
    q = ctx.resolve_call(call)
    if q is not None:
        return q.split(".")[0] not in (*_PURE_LIBRARIES, "random", "time")
    func = call.func
    if isinstance(func, ast.Name):
        return not (func.id in _INERT_BUILTINS and ctx.scope_of(func).bindings.get(func.id) is None)
    if isinstance(func, ast.Attribute):
        from blaslint.analysis.facts import _is_generator

        if _is_generator(ctx, func.value):
            return False  # rng.random(...), rng.standard_normal(...): numpy's Generator
        name = func.attr
        if name in PURE_METHODS or name in MUTATING_METHODS or (name.endswith("_") and not name.startswith("_")):
            return False
        return True
    return True


def _immutable_name(ctx, name: ast.Name) -> bool:
    """Is ``name`` only ever bound to a number, a string or a library object (N = 64 * 64, T = np.float32)?"""
    scope = ctx.binding_scope(name)
    if scope is None:
        return False
    binds = scope.bindings.get(name.id, [])
    if not binds:
        return False
    for b in binds:
        v = b.value
        if b.kind != "assign" or v is None:
            return False
        if isinstance(v, (ast.Attribute, ast.Name)) and ctx.resolve(v) is not None:
            continue
        if not all(isinstance(n, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop))
                   for n in ast.walk(v)):
            return False
    return True


def passed_paths(arg: ast.AST) -> set[str]:
    """Names/paths whose objects an argument hands over (``W``, ``self.W``, ``[W1, W2]``, ``W[0]``)."""
    out: set[str] = set()
    stack = [arg]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            stack.extend(node.elts)
        elif isinstance(node, ast.Dict):
            stack.extend(v for v in node.values if v is not None)
        elif isinstance(node, (ast.Starred, ast.Subscript)):
            stack.append(node.value)
        else:
            p = dotted_name(node)
            if p:
                out.add(p)
    return out


def _loop_has_opaque_call(ctx, loop) -> bool:
    cache = getattr(loop, "_bl_opaque", None)
    if cache is None:
        cache = any(isinstance(n, ast.Call) and is_opaque_call(ctx, n) for n in _walk_no_defs(loop))
        try:
            loop._bl_opaque = cache
        except AttributeError:  # pragma: no cover
            pass
    return cache


def _changed_by_functions(ctx, name: str) -> bool:
    """Does some function or method of the module change module-level ``name``?

    Asked per name, and only of the functions whose source spells it (a function
    that never writes the name cannot change it): big modules have hundreds of
    functions and a handful of names asked about.
    """
    answers = ctx.__dict__.setdefault("_bl_fn_changed", {})
    if name in answers:
        return answers[name]
    functions = ctx.__dict__.get("_bl_functions")
    if functions is None:
        functions = ctx.__dict__["_bl_functions"] = [
            n for n in ast.walk(ctx.tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
    answers[name] = any(_function_changes(ctx, fn, name) for fn in functions if name in ctx.text(fn))
    return answers[name]


def _function_changes(ctx, fn, name: str) -> bool:
    inner = ctx.scope(fn)
    if name in inner.globals:
        return True
    changed = mutated_names(ctx, fn) if not isinstance(fn, ast.Lambda) else set()
    return any(p.split(".")[0] == name and not inner.is_local(name) for p in changed)


def _private_value(ctx, name: ast.Name) -> bool:
    """Is ``name`` an array only this code reaches (so an unknown call cannot change it)?

    A parameter or a local bound to a library call / expression result counts;
    a name bound to an attribute, an element or an unknown call's result may
    alias an object held elsewhere (``W = model.weight``). A module-level name
    counts unless some function of the module changes it.
    """
    scope = ctx.binding_scope(name)
    if scope is None:
        return True  # a builtin (or a name this file never binds)
    if scope.node is ctx.tree and _changed_by_functions(ctx, name.id):
        return False
    binds = scope.bindings.get(name.id, [])
    for b in binds:
        if b.kind in ("import", "def", "param"):
            continue
        if b.kind == "assign" and isinstance(b.stmt, ast.Assign) and _size_value(b.stmt.value):
            continue  # n = X.shape[1], n, d = X.shape, T = len(x) + 1: a number, which no call changes
        if b.kind != "assign" or b.value is None:
            return False
        v = b.value
        if isinstance(v, (ast.Attribute, ast.Name)) and ctx.resolve(v) is not None:
            continue  # T = np.float32: a library object, not data
        if isinstance(v, (ast.Attribute, ast.Subscript, ast.Name)):
            return False
        if isinstance(v, ast.Call) and is_opaque_call(ctx, v) and ctx.array_facts(v).rank is None \
                and not fresh_function_result(ctx, v):
            return False  # W = model.get_weight() may be held elsewhere; rng.random((n, n)) is fresh
    return True


def _size_value(v: ast.AST) -> bool:
    """A size read off an array (``X.shape``, ``X.shape[1]``, ``len(x)``, ``X.ndim``) or arithmetic of sizes
    and numbers: Python ints (or a tuple of them), never an alias of anything."""
    if isinstance(v, ast.Constant):
        return isinstance(v.value, int) and not isinstance(v.value, bool)
    if isinstance(v, ast.Attribute):
        return v.attr in ("shape", "ndim", "size")
    if isinstance(v, ast.Subscript):
        return isinstance(v.value, ast.Attribute) and v.value.attr == "shape"
    if isinstance(v, ast.Call):
        return isinstance(v.func, ast.Name) and v.func.id == "len" and len(v.args) == 1 and not v.keywords
    if isinstance(v, ast.BinOp) and isinstance(v.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv)):
        return _size_value(v.left) and _size_value(v.right)
    return False


# Library functions that may return a view of (or the very object passed as) their argument.
_VIEW_FUNCTIONS = {"asarray", "asanyarray", "asarray_chkfinite", "reshape", "transpose", "ravel", "squeeze",
                   "diagonal", "swapaxes", "moveaxis", "rollaxis", "atleast_1d", "atleast_2d", "atleast_3d",
                   "broadcast_to", "expand_dims", "real", "imag", "ascontiguousarray", "asfortranarray",
                   "require", "view", "as_tensor", "from_numpy", "flip", "fliplr", "flipud", "permute"}


def fresh_function_result(ctx: "FileContext", call: ast.Call) -> bool:
    """Is ``f(args)`` a new array that nothing else holds (``J0 = jac(x)``, ``K = rbf(X, X)``)?

    True for a call of a plain function name (not a method: objects hold state,
    ``model.get_weight()`` may return their own array) when either the function
    is defined in this file and every ``return`` builds a new value (arithmetic,
    a library call that copies), or every argument is a known array or number
    (a function of arrays returns a fresh array; aliasing an argument is rare).
    """
    func = call.func
    if not isinstance(func, ast.Name) or any(isinstance(a, ast.Starred) for a in call.args):
        return False
    scope = ctx.binding_scope(func)
    binds = scope.bindings.get(func.id, []) if scope is not None else []
    if len(binds) == 1 and binds[0].kind == "def" and isinstance(binds[0].node, ast.FunctionDef) \
            and not binds[0].node.decorator_list:
        returns = [n.value for n in _walk_no_defs(binds[0].node) if isinstance(n, ast.Return)]
        if returns and all(r is not None and _builds_new(ctx, r) for r in returns):
            return True
    args = [*call.args, *(kw.value for kw in call.keywords)]
    return all(isinstance(a, ast.Constant) or (ctx.array_facts(a).rank is not None
                                               or ctx.array_facts(a).dtype is not None) for a in args)


def _builds_new(ctx, expr: ast.AST) -> bool:
    if isinstance(expr, (ast.BinOp, ast.Constant)) or isinstance(expr, ast.UnaryOp) \
            and isinstance(expr.op, (ast.USub, ast.Invert)):
        return True
    if isinstance(expr, ast.Call):
        q = ctx.resolve_call(expr)
        return q is not None and q.split(".")[0] in ("numpy", "scipy", "torch") \
            and q.rpartition(".")[2] not in _VIEW_FUNCTIONS and not q.startswith("scipy.linalg.blas")
    return False


def size_not_rebound(ctx: "FileContext", node: ast.AST, loop: ast.AST) -> bool:
    """Does the size ``node`` (``d``, ``self.vocab``) hold the same value on every iteration?

    A size is an int (or a tuple of them): nothing changes it in place, so only
    a rebinding counts: ``d = ...``, ``d += 1``, ``self.vocab = ...`` in the loop,
    ``global d`` in some function, or, for an attribute, unknown code that gets
    hold of the object it hangs off (``self.reset()``, ``update(self)``).
    """
    p = dotted_name(node)
    if p is None or ctx.imports.qualname(p.split(".")[0]) is not None:
        return False
    changed = rebound_names(ctx, loop) | {
        dotted_name(n.target) for n in _walk_no_defs(loop) if isinstance(n, ast.AugAssign)} - {None}
    if isinstance(loop, COMPREHENSION_TYPES):
        for gen in loop.generators:
            changed |= mutated_names(ctx, gen.target)
    if path_conflicts(p, changed) or _global_rebound(ctx, p):
        return False
    if "." not in p:
        return True
    owners = {".".join(p.split(".")[:i]) for i in range(1, p.count(".") + 1)}  # self, self.cfg
    for call in _walk_no_defs(loop):
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        if isinstance(func, ast.Attribute) and target_path(func.value) in owners and func.attr not in PURE_METHODS:
            return False  # self.reset(), self.resize() may rebind self.vocab
        if not is_opaque_call(ctx, call):
            continue
        for a in [*call.args, *(kw.value for kw in call.keywords)]:
            if passed_paths(a) & owners:
                return False  # update(self) too
    return True


def is_shape_invariant(ctx: "FileContext", expr: ast.AST, loop: ast.AST, whole: bool = False,
                       sizes: bool = False) -> bool:
    """Does ``expr`` give the same *shape* (and dtype) on every iteration of ``loop``?

    Like :func:`is_loop_invariant`, except that an array changed in place
    (``W -= lr * g``, ``W[i] = ...``, ``out=W``) keeps its shape: only
    rebinding a name changes it. Applies to ``X.shape``, ``X.shape[0]``,
    ``X.ndim``, ``X.size``, ``X.dtype``, ``len(X)``, and with ``whole=True``
    to ``expr`` itself (the template of ``np.zeros_like(X)``). With ``sizes=True``
    ``expr`` is a size or a tuple of sizes, whose names only a rebinding changes
    (see :func:`size_not_rebound`).
    """
    rebound = rebound_names(ctx, loop)

    def shape_query(node) -> str | None:
        if isinstance(node, ast.Attribute) and node.attr in ("shape", "ndim", "size", "dtype"):
            return dotted_name(node.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" \
                and len(node.args) == 1 and not node.keywords and ctx.scope_of(node.func).bindings.get("len") is None:
            return dotted_name(node.args[0])
        return None

    if whole:
        p = dotted_name(expr)
        if p is not None and ctx.imports.qualname(p.split(".")[0]) is None:
            return not path_conflicts(p, rebound) and not _global_rebound(ctx, p)
    if sizes:
        elts = expr.elts if isinstance(expr, (ast.Tuple, ast.List)) else [expr]
        if all(dotted_name(e) is not None and size_not_rebound(ctx, e, loop) for e in elts):
            return True
    stack = [expr]
    while stack:
        node = stack.pop()
        p = shape_query(node)
        if p is not None:
            if path_conflicts(p, rebound) or _global_rebound(ctx, p) or _resized_in(loop, p):
                return False
            continue
        if isinstance(node, (ast.Name, ast.Attribute)) and dotted_name(node) is not None:
            if not is_loop_invariant(ctx, node, loop):
                return False
            continue
        if isinstance(node, ast.Call):
            if not _pure_call(ctx, node):
                return False
            stack.extend(node.args)
            stack.extend(kw.value for kw in node.keywords)
            if isinstance(node.func, ast.Attribute):
                stack.append(node.func.value)
            continue
        if isinstance(node, (ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom, *COMPREHENSION_TYPES)):
            return False
        stack.extend(ast.iter_child_nodes(node))
    return True


_RESIZING = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "resize", "popitem"})


def _resized_in(loop, path: str) -> bool:
    """Does ``loop`` change the length of ``path`` in place (``subset.pop(i)``, ``del subset[i]``,
    ``x.resize(...)``)? A list that shrinks each iteration gives ``len(subset)`` a new value."""
    for node in ast.walk(loop):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _RESIZING \
                and dotted_name(node.func.value) == path:
            return True
        if isinstance(node, ast.Delete) and any(isinstance(t, ast.Subscript) and dotted_name(t.value) == path
                                                for t in node.targets):
            return True
    return False


def _global_rebound(ctx, path: str) -> bool:
    """Could a function called in the loop rebind module-level ``path`` (``global X``)?"""
    if "global" not in ctx.source.text:
        return False
    declared = getattr(ctx.tree, "_bl_global_names", None)
    if declared is None:  # once per file: the names some function declares global
        declared = set()
        for n in ast.walk(ctx.tree):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                declared |= ctx.scope(n).globals
        ctx.tree._bl_global_names = declared
    return path.split(".")[0] in declared


def rebound_names(ctx: "FileContext", region: ast.AST) -> set[str]:
    """Names and dotted paths *rebound* in ``region`` (not changed in place).

    ``x = ...``, ``for x in``, ``with ... as x``, ``del x``, ``self.x = ...``; but
    not ``x += ...`` on a name (an array is updated in place) nor ``x[i] = ...``.
    For a comprehension, its targets count too.
    """
    cache = getattr(region, "_bl_rebound", None)
    if cache is not None:
        return cache
    aug_targets = {id(n.target) for n in _walk_no_defs(region) if isinstance(n, ast.AugAssign)}
    out: set[str] = set()
    for node in _walk_no_defs(region):
        if id(node) in aug_targets:
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            out.add(node.id)
        elif isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
            p = dotted_name(node)
            if p:
                out.add(p)
    try:
        region._bl_rebound = out
    except AttributeError:  # pragma: no cover
        pass
    return out


def runs_at_most_once(loop: ast.AST) -> bool:
    """``for _ in range(1)``, ``for x in [a]``, ``while True: ... break`` at the end: one pass."""
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        it = loop.iter
        if isinstance(it, (ast.List, ast.Tuple, ast.Set)) and len(it.elts) <= 1 \
                and not any(isinstance(e, ast.Starred) for e in it.elts):
            return True
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id in ("range", "xrange") \
                and not it.keywords and 1 <= len(it.args) <= 2 and all(isinstance(a, ast.Constant) for a in it.args):
            vals = [a.value for a in it.args]
            if all(isinstance(v, int) for v in vals):
                lo, hi = (0, vals[0]) if len(vals) == 1 else vals
                return hi - lo <= 1
    if isinstance(loop, (ast.For, ast.AsyncFor, ast.While)) and loop.body:
        last = loop.body[-1]
        return isinstance(last, (ast.Break, ast.Return, ast.Raise))
    return False


# -- statements ----------------------------------------------------------------

def statements_between(ctx, stmt_a, stmt_b) -> list | None:
    """Statements strictly between two statements of the same block, else None."""
    la, ia = _block_of(ctx, stmt_a)
    lb, ib = _block_of(ctx, stmt_b)
    if la is None or la is not lb or ia >= ib:
        return None
    return la[ia + 1:ib]


def next_statement(ctx, stmt):
    lst, i = _block_of(ctx, stmt)
    if lst is None or i + 1 >= len(lst):
        return None
    return lst[i + 1]


def previous_statement(ctx, stmt):
    lst, i = _block_of(ctx, stmt)
    if lst is None or i < 1:
        return None
    return lst[i - 1]


def reads_path(node: ast.AST, path: str, skip: ast.AST | None = None) -> bool:
    """Does ``node`` read (or pass along) ``path`` or anything under it?

    The subtree ``skip`` (e.g. the ``out=`` argument that writes ``path``) is not looked at.
    """
    stack = [node]
    while stack:
        sub = stack.pop()
        if sub is skip:
            continue
        stack.extend(ast.iter_child_nodes(sub))
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            if sub.id == path or path.startswith(sub.id + ".") and _load_covers(sub, path):
                return True
        elif isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Load):
            d = dotted_name(sub)
            if d == path:
                return True
    return False


def _load_covers(name_node, path) -> bool:
    """Does this load of ``path``'s root reach ``path``?

    A bare ``self`` (passed to a call) or a method call on it (``self.reset()``)
    may read ``self.buf``; ``self.W`` does not.
    """
    parts = path.split(".")[1:]
    node = name_node
    for part in parts:
        par = getattr(node, "_bl_parent", None)
        if not isinstance(par, ast.Attribute) or par.value is not node:
            return True  # the object itself is used: anything under it may be read
        if par.attr != part:
            grand = getattr(par, "_bl_parent", None)
            return isinstance(grand, ast.Call) and grand.func is par  # self.reset() may read self.buf
        node = par
    return True


def reads_between(ctx, name: str, stmt_a, stmt_b) -> bool:
    """Is ``name`` (a name or dotted path) read by a statement strictly between a and b?

    Unsure (different blocks) counts as read.
    """
    between = statements_between(ctx, stmt_a, stmt_b)
    if between is None:
        return True
    return any(reads_path(s, name) for s in between)


# -- what the following statements of a block do with a buffer ------------------

_LEAVES = (ast.Return, ast.Raise, ast.Break, ast.Continue, ast.Yield, ast.YieldFrom, ast.Await)


def mentions(node: ast.AST, path: str) -> bool:
    """Does ``node`` read, write, rebind or delete ``path`` (or the name it hangs off)?"""
    if reads_path(node, path):
        return True
    root = path.split(".")[0]
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id == root and not isinstance(sub.ctx, ast.Load):
            return True
        if isinstance(sub, ast.Attribute) and not isinstance(sub.ctx, ast.Load) and dotted_name(sub) == path:
            return True
    return False


def leaves_loop(stmt: ast.AST, raising: bool = True) -> bool:
    """Does ``stmt`` leave the loop whose body holds it (``break`` outside nested loops, ``return``, and
    ``raise`` unless ``raising`` is False)?"""
    leaving = (ast.Return, ast.Raise) if raising else (ast.Return,)
    stack = [(stmt, False)]
    while stack:
        n, nested = stack.pop()
        if isinstance(n, leaving) or isinstance(n, ast.Break) and not nested:
            return True
        for c in ast.iter_child_nodes(n):
            if isinstance(c, SCOPE_TYPES):
                continue
            stack.append((c, nested or isinstance(c, LOOP_TYPES)))
    return False


def may_leave(stmt: ast.AST) -> bool:
    """Can control leave the block (or the frame) from inside ``stmt``?"""
    return any(isinstance(n, _LEAVES) for n in _walk_no_defs(stmt))


def next_mention(ctx: "FileContext", stmt: ast.stmt, path: str):
    """(statements skipped, next statement) for the first statement after ``stmt``
    in its block that mentions ``path``; None when the block ends first or a
    skipped statement may leave the block (return, break, raise, yield, ...).
    """
    lst, i = _block_of(ctx, stmt)
    if lst is None:
        return None
    skipped = []
    for s in lst[i + 1:]:
        if mentions(s, path):
            return skipped, s
        if may_leave(s):
            return None
        skipped.append(s)
    return None


def may_read_unseen(ctx: "FileContext", path: str, stmts, scope_node: ast.AST) -> bool:
    """Could a call in ``stmts`` read ``path`` without naming it?

    A dotted path (``self.buf``) can be reached by any unknown call; a plain
    name only by functions of its scope that read it (closures, or the
    module's functions for a global).
    """
    calls = [n for s in stmts for n in _walk_no_defs(s) if isinstance(n, ast.Call) and is_opaque_call(ctx, n)]
    if not calls:
        return False
    if "." in path:
        return True
    return path in _names_read_by_nested_scopes(ctx, scope_node)


def _names_read_by_nested_scopes(ctx, scope_node) -> set[str]:
    cache = getattr(scope_node, "_bl_nested_reads", None)
    if cache is None:
        cache = set()
        for node in ast.walk(scope_node):
            if node is scope_node or not isinstance(node, SCOPE_TYPES):
                continue
            inner = ctx.scope(node)
            cache.update(name for name in inner.loads if not inner.is_local(name))
            cache.update(inner.globals)
        try:
            scope_node._bl_nested_reads = cache
        except AttributeError:  # pragma: no cover
            pass
    return cache
