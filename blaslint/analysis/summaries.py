"""What a helper function of the same package returns, evaluated with the call's argument facts.

``def as_diagonal(x): return np.diag(x)`` called as ``as_diagonal(v)`` with a
1-D ``v`` returns a 2-D array; ``model_matrices()`` returning literal 4x4
arrays returns 4x4 arrays. The helper is a plain ``def`` of this module, or of
a module of the same package imported with ``from .m import f`` /
``from pkg.m import f`` (parsed from disk, never imported). Other modules stay
parsed in the process while they, and the files their summaries read, hold the
same bytes; every file read is recorded for the lint in progress, whose cached
result rests on it (:mod:`blaslint.analysis.reads`). Every ``return`` must have
a value and all must agree (the rank at least); the body may not fall off its
end or yield. Recursion and cycles between helpers, and nesting deeper than
:data:`MAX_DEPTH`, give "unknown".
"""

from __future__ import annotations

import ast
import os
from contextlib import nullcontext
from dataclasses import replace

from blaslint.analysis.evidence import Evidence, SOFT_KINDS
from blaslint.analysis.facts import join_facts
from blaslint.analysis import reads
from blaslint.analysis.modules import import_path

MAX_DEPTH = 4           # helpers calling helpers
MAX_MODULES = 256       # other modules kept parsed per process
MAX_MODULE_BYTES = 1_000_000
_MODULES: dict = {}     # absolute path -> _Module
_IN_PROGRESS: set = set()
_DEPTH = [0]


def _ends(body) -> bool:
    """Does every path through ``body`` end in ``return``/``raise``?"""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    if isinstance(last, ast.If):
        return _ends(last.body) and _ends(last.orelse)
    if isinstance(last, (ast.With, ast.AsyncWith)):
        return _ends(last.body)
    return False


def _returns(fdef) -> list | None:
    """The returned expressions of ``fdef`` (None: a bare return, a yield, or a fall-off)."""
    if fdef.decorator_list or not _ends(fdef.body):
        return None
    out = []
    stack = list(fdef.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.Yield, ast.YieldFrom, ast.Await)):
            return None
        if isinstance(node, ast.Return):
            if node.value is None:
                return None
            out.append(node.value)
        stack.extend(ast.iter_child_nodes(node))
    return out or None


# -- finding the helper ---------------------------------------------------------

def _single_def(scope, name):
    binds = scope.bindings.get(name, [])
    if len(binds) != 1:
        return None
    b = binds[0]
    if b.kind == "def" and isinstance(b.node, ast.FunctionDef):
        return b.node
    return None


class _Module:
    """Another module of the package as parsed: its stamp, its context, the files its summaries read."""

    __slots__ = ("stamp", "ctx", "reads", "epoch")

    def __init__(self, stamp, ctx) -> None:
        self.stamp = stamp
        self.ctx = ctx
        self.reads: dict = {}   # path -> Stamp, filled while evaluating inside ctx (see _inside)
        self.epoch = reads.epoch()

    def still_valid(self) -> bool:
        """Do the file and everything its cached summaries rest on still hold the bytes read?"""
        stamp = reads.refresh(self.stamp)
        if stamp is None:
            return False
        self.stamp = stamp
        for path, dep in list(self.reads.items()):
            fresh = reads.refresh(dep)
            if fresh is None:
                return False
            self.reads[path] = fresh
        return True


def _module_ctx(ctx, path: str):
    """A context for another module of the package (parsed once per process), or None.

    Kept while the file and the files its summaries read hold the same bytes
    (checked once per lint: a long-lived process, the editor's server, sees
    edits); every use is recorded for the lint in progress.
    """
    path = os.path.abspath(path)
    got = _MODULES.get(path)
    if got is not None:
        now = reads.epoch()
        if now is None or got.epoch != now:
            if got.still_valid():
                got.epoch = now
            else:
                got = None
    if got is None:
        got = _parse_module(ctx, path)
        if len(_MODULES) >= MAX_MODULES:
            _MODULES.clear()
        _MODULES[path] = got
    reads.note(got.stamp)
    reads.note_all(got.reads.values())
    return got.ctx


def _parse_module(ctx, path: str) -> _Module:
    raw, stamp = reads.read(path, MAX_MODULE_BYTES)
    other = None
    if raw is not None:
        try:
            from blaslint.core.source import SourceText
            from blaslint.core.walk import link_and_collect

            text = raw.decode("utf-8", errors="replace")
            tree = ast.parse(text)
            link_and_collect(tree, ())  # parent links, in the engine's fast walk (10x ast.walk's)
            other = type(ctx)(SourceText(text), tree, path)
        except (SyntaxError, ValueError, UnicodeError, RecursionError, MemoryError):
            other = None
    module = _Module(stamp, other)
    if other is not None:
        other.__dict__["_bl_module"] = module
    return module


def _inside(fctx):
    """Record what evaluating in another module's context reads into that module's entry as well."""
    module = fctx.__dict__.get("_bl_module")
    return reads.recording(module.reads) if module is not None else nullcontext()


def _imported_def(ctx, name: str, hops: int = 0):
    """(context, def) of ``name`` imported from a module of the same package (looked up once per file)."""
    memo = _file_memo(ctx, "_bl_imported_defs")
    key = (name, hops)
    if key not in memo:
        memo[key] = _find_imported_def(ctx, name, hops)
    return memo[key]


def _file_memo(ctx, name: str) -> dict:
    """A memo kept on the linted file's own context. Another module's context lives on across lints,
    and each lookup there must note the files it reads: it gets a fresh (throwaway) dict."""
    return {} if "_bl_module" in ctx.__dict__ else ctx.__dict__.setdefault(name, {})


def _find_imported_def(ctx, name: str, hops: int):
    if hops > 3:
        return None
    found = _import_binding(ctx, name)
    if found is None or not isinstance(found[0], ast.ImportFrom):
        return None
    stmt, alias = found
    path = import_path(ctx.path, stmt.level, stmt.module)
    if path is None or os.path.abspath(path) == os.path.abspath(ctx.path):
        return None
    other = _module_ctx(ctx, path)
    if other is None:
        return None
    scope = other.scope(other.tree)
    fdef = _single_def(scope, alias.name)
    if fdef is not None:
        return other, fdef
    binds = scope.bindings.get(alias.name, [])
    if len(binds) == 1 and binds[0].kind == "import":  # re-exported by a package __init__
        return _imported_def(other, alias.name, hops + 1)
    if not binds:
        return _star_reexport(other, alias.name, hops + 1)  # `from .data import *` in __init__
    return None


def _import_binding(ctx, name: str):
    """(statement, alias) of the module-level import that binds ``name``, or None (one scan per module)."""
    table = ctx.__dict__.get("_bl_import_bindings")
    if table is None:
        table = ctx.__dict__["_bl_import_bindings"] = _import_bindings(ctx)
    return table.get(name)


def _import_bindings(ctx) -> dict:
    """{name: (statement, alias)} for the module-level imports, the first binding of each name."""
    table: dict = {}
    for stmt in ctx.tree.body:
        if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        for alias in stmt.names:  # `from m import f [as g]`, `import pkg.m as m` (a bare `import pkg.m` binds `pkg`)
            local = alias.asname or alias.name if isinstance(stmt, ast.ImportFrom) else alias.asname
            if local is not None:
                table.setdefault(local, (stmt, alias))
    return table


def _star_reexport(ctx, name: str, hops: int):
    """(context, def) of ``name`` brought in by exactly one ``from .module import *`` of the package."""
    found = []
    for stmt in ctx.tree.body:
        if isinstance(stmt, ast.ImportFrom) and [a.name for a in stmt.names] == ["*"]:
            path = import_path(ctx.path, stmt.level, stmt.module)
            other = _module_ctx(ctx, path) if path is not None and hops <= 3 else None
            if other is None:
                return None  # a star import we cannot read: the name may come from it
            fdef = _single_def(other.scope(other.tree), name)
            if fdef is not None and not name.startswith("_"):
                found.append((other, fdef))
    return found[0] if len(found) == 1 else None


def _module_attribute_def(ctx, func: ast.Attribute):
    """(context, def) of ``mod.f`` where ``mod`` is a module of this package (``from . import mod``)."""
    if not isinstance(func.value, ast.Name):
        return None
    name = func.value.id
    scope = ctx.scope(ctx.tree)
    binds = scope.bindings.get(name, [])
    if len(binds) != 1 or binds[0].kind != "import" or ctx.binding_scope(func.value) is not scope:
        return None
    other = _imported_module(ctx, name)
    if other is None:
        return None
    fdef = _single_def(other.scope(other.tree), func.attr)
    return (other, fdef) if fdef is not None else None


def _imported_module(ctx, name: str):
    """The context of the package module the module-level import of ``name`` binds (looked up once per file)."""
    memo = _file_memo(ctx, "_bl_imported_modules")
    if name in memo:
        return memo[name]
    memo[name] = None
    found = _import_binding(ctx, name)
    if found is None:
        return None
    stmt, alias = found
    if isinstance(stmt, ast.ImportFrom):  # `from . import mod` / `from pkg import mod as m`
        path = import_path(ctx.path, stmt.level, f"{stmt.module}.{alias.name}" if stmt.module else alias.name)
    else:
        path = import_path(ctx.path, 0, alias.name)
    other = _module_ctx(ctx, path) if path is not None else None
    if other is None or os.path.abspath(other.path) == os.path.abspath(ctx.path):
        return None
    memo[name] = other
    return other


def self_method_of(ctx, func: ast.AST):
    """The def ``self.m`` names inside a method of the class that defines ``m`` (once, plainly), or None.

    Any other binding of ``m`` in the class (an attribute assigned, a second
    def) or a subclass in this module that defines ``m`` makes it None; a
    subclass elsewhere may still override it, so facts through it are soft.
    """
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    from blaslint.analysis.attributes import _method_of, _self_name, _table

    owner = _method_of(ctx, func)
    if owner is None or func.value.id != _self_name(owner[1]):
        return None
    cls = owner[0]
    defs = [s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == func.attr]
    if len(defs) != 1 or _self_name(defs[0]) is None:
        return None
    entries = _table(ctx, cls, func.attr)
    if entries is None or len(entries) != 1:
        return None
    for node in ctx.tree.body:
        if isinstance(node, ast.ClassDef) and node is not cls \
                and any(isinstance(b, ast.Name) and b.id == cls.name for b in node.bases) \
                and any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == func.attr
                        for s in node.body):
            return None
    return defs[0]


def helper_of(ctx, func: ast.AST):
    """(context, def) of the plain function a call's ``func`` names (``f`` or ``mod.f`` of the package), or None."""
    if isinstance(func, ast.Attribute):
        method = self_method_of(ctx, func)
        if method is not None:
            return ctx, method
        return _module_attribute_def(ctx, func)
    if not isinstance(func, ast.Name):
        return None
    scope = ctx.binding_scope(func)
    if scope is not None:
        if func.id in scope.globals:
            return None
        fdef = _single_def(scope, func.id)
        if fdef is not None:
            return ctx, fdef
        binds = scope.bindings.get(func.id, [])
        if scope.node is ctx.tree and len(binds) == 1 and binds[0].kind == "import":
            return _imported_def(ctx, func.id)
    return None


# -- evaluating it ------------------------------------------------------------------

def _bind_args(fdef, call: ast.Call, bound_self: bool = False):
    """{parameter arg node: argument expression} for the call, or None if unsure (``*args``)."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    params = [*fdef.args.posonlyargs, *fdef.args.args][1 if bound_self else 0:]
    if len(call.args) > len(params) and fdef.args.vararg is None:
        return None
    out = {}
    for p, a in zip(params, call.args):
        out[p.arg] = (p, a)
    by_name = {p.arg: p for p in [*params, *fdef.args.kwonlyargs]}
    for k in call.keywords:
        if k.arg in by_name:
            out[k.arg] = (by_name[k.arg], k.value)
    return out


def call_result_facts(ctx, call: ast.Call):
    """Facts of a call of a helper function (kind "helper"), or UNKNOWN."""
    from blaslint.analysis.facts import UNKNOWN, Facts

    target = helper_of(ctx, call.func)
    if target is None:
        return UNKNOWN
    fctx, fdef = target
    method = fctx is ctx and isinstance(call.func, ast.Attribute) and self_method_of(ctx, call.func) is fdef
    bound = _bind_args(fdef, call, bound_self=method)
    if bound is None:
        return UNKNOWN
    overrides = {}
    for name, (param, arg) in bound.items():
        f = ctx.array_facts(arg)
        if f.rank is not None:
            overrides[id(param)] = (name, f)
    result = summary(fctx, fdef, overrides)
    if result.rank is None:
        tail = tuple(d if isinstance(d, int) else None for d in result.tail)
        return Facts(tail=tail) if any(d is not None for d in tail) else UNKNOWN  # sizes only
    caller_dims = {d for _, f in overrides.values() for d in (f.shape or ()) if isinstance(d, str)}
    shape = result.shape
    if shape is not None:
        shape = tuple(d if isinstance(d, int) or d in caller_dims else None for d in shape)
        if all(d is None for d in shape):
            shape = None
    where = "" if fctx is ctx else f" in {os.path.basename(fctx.path)}"
    ev = Evidence("method", call.lineno, f"self.{fdef.name}() at line {fdef.lineno}") if method \
        else Evidence("helper", call.lineno, f"{fdef.name}() at line {fdef.lineno}{where}")
    soft = tuple(e for e in result.evidence if e.kind in SOFT_KINDS and fctx is ctx)
    return replace(result, shape=shape, evidence=(ev, *soft))


def summary(fctx, fdef, overrides: dict):
    """Join of the facts of ``fdef``'s returns with its parameters' facts overridden (cached)."""
    from blaslint.analysis.facts import UNKNOWN

    cache = fctx.__dict__.setdefault("_bl_summaries", {})
    key = (id(fdef), tuple(sorted((n, f) for n, f in overrides.values())))
    if key in cache:
        return cache[key]
    token = (fctx.path, id(fdef))
    if token in _IN_PROGRESS or _DEPTH[0] >= MAX_DEPTH:
        return UNKNOWN  # recursion, a cycle between helpers, or too deep
    returns = _returns(fdef)
    if returns is None:
        cache[key] = UNKNOWN
        return UNKNOWN
    _IN_PROGRESS.add(token)
    _DEPTH[0] += 1
    try:
        with _inside(fctx):
            result = _evaluate(fctx, returns, {k: f for k, (_, f) in overrides.items()})
            if result.rank is None:
                from blaslint.analysis.annotations import annotation_facts

                declared = annotation_facts(fctx, fdef.returns)
                if declared is not None and declared.rank is not None:
                    result = declared
    finally:
        _IN_PROGRESS.discard(token)
        _DEPTH[0] -= 1
    cache[key] = result
    return result


def _evaluate(fctx, returns, overrides):
    if not overrides:
        return join_facts([fctx.array_facts(r) for r in returns])
    saved = fctx._facts_cache, fctx._rebound_facts, fctx.__dict__.get("_rebound_memo"), \
        fctx.__dict__.get("_bl_overrides")
    fctx._facts_cache, fctx._rebound_facts = {}, {}
    fctx.__dict__["_rebound_memo"] = {}
    fctx.__dict__["_bl_overrides"] = {**(saved[3] or {}), **overrides}
    try:
        return join_facts([fctx.array_facts(r) for r in returns])
    finally:
        fctx._facts_cache, fctx._rebound_facts = saved[0], saved[1]
        fctx.__dict__["_rebound_memo"] = saved[2] if saved[2] is not None else {}
        if saved[3] is None:
            fctx.__dict__.pop("_bl_overrides", None)
        else:
            fctx.__dict__["_bl_overrides"] = saved[3]


def tuple_parts(ctx, call: ast.Call):
    """Facts of each element when every return of the helper is a tuple display of one length."""
    target = helper_of(ctx, call.func)
    if target is None:
        return None
    fctx, fdef = target
    returns = _returns(fdef)
    if not returns or not all(isinstance(r, ast.Tuple) for r in returns) or len({len(r.elts) for r in returns}) != 1:
        return None
    token = (fctx.path, id(fdef))
    if token in _IN_PROGRESS or _DEPTH[0] >= MAX_DEPTH or (call.args or call.keywords) and fctx is not ctx:
        return None
    _IN_PROGRESS.add(token)
    _DEPTH[0] += 1
    try:
        parts = []
        for i in range(len(returns[0].elts)):
            with _inside(fctx):
                f = join_facts([fctx.array_facts(r.elts[i]) for r in returns])
            if f.rank is not None:
                f = replace(f, shape=tuple(d if isinstance(d, int) else None for d in f.shape)
                            if f.shape else None,
                            evidence=(Evidence("method" if isinstance(call.func, ast.Attribute) and fctx is ctx
                                               else "helper", call.lineno, f"{fdef.name}() at line {fdef.lineno}"),))
            parts.append(f)
        return tuple(parts)
    finally:
        _IN_PROGRESS.discard(token)
        _DEPTH[0] -= 1


__all__ = ["call_result_facts", "helper_of", "join_facts", "self_method_of", "summary", "tuple_parts"]
