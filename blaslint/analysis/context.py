"""Per-file analysis facts, computed once and shared by every rule.

The engine builds one :class:`FileContext` per file. Rules ask it questions in
a small vocabulary -- ``resolve_call``, ``array_facts``, ``is_loop_invariant``,
``reads_between`` -- and never re-derive facts themselves. Everything beyond
the parent links (set during the engine's single traversal) is computed lazily
and cached, so a file no rule asks about costs nothing more than its parse.
"""

from __future__ import annotations

import ast
from functools import cached_property

from blaslint.analysis import attributes as _attributes
from blaslint.analysis import blas_api as _blas_api
from blaslint.analysis import evidence as _evidence
from blaslint.analysis import facts as _facts
from blaslint.analysis import flow as _flow
from blaslint.analysis import namespaces as _namespaces
from blaslint.analysis import param_effects as _param_effects
from blaslint.analysis import shape_flow as _shape_flow
from blaslint.analysis import usage as _usage
from blaslint.analysis import sizes as _sizes
from blaslint.analysis.imports import ImportMap, canonical, dotted_name, library_of
from blaslint.analysis.scopes import (
    COMPREHENSION_TYPES,
    LOOP_TYPES,
    SCOPE_TYPES,
    Binding,
    Scope,
    build_scope,
)
from blaslint.core.source import SourceText
from blaslint.core.walk import PARENT  # the engine links parents in its single traversal

MAX_FACTS_DEPTH = 40  # nested array_facts queries; deeper is UNKNOWN (see array_facts)


def parent(node: ast.AST) -> ast.AST | None:
    return getattr(node, PARENT, None)


def set_parents(tree: ast.AST) -> None:
    """Link every node to its parent (the engine does this in its own traversal)."""
    from blaslint.core.walk import link_and_collect

    link_and_collect(tree, ())


_MISSING = object()


class FileContext:
    # facts.py reaches shape_flow through the facade instead of importing it (no import cycle)
    shape_flow = _shape_flow
    usage = _usage            # likewise usage (guards, x.shape[k]) and class attributes
    attributes = _attributes
    param_effects = _param_effects  # and flow.py what the package's own functions do with their arguments

    def __init__(self, source: SourceText, tree: ast.Module, path: str = "<string>") -> None:
        self.source = source
        self.tree = tree
        self.path = path
        self._scopes: dict[int, Scope] = {}
        self._facts_cache: dict[int, object] = {}
        self._qualnames: dict[int, str | None] = {}
        self._resolved: dict[int, str | None] = {}
        self._computing: set[int] = set()
        # Reads of a fact still being computed (an attribute met again inside its own
        # fixpoint answers "unknown"): what was derived from such a read is not cached.
        self.partial_reads = 0
        self._facts_depth = 0
        # names rebound in loops (analysis/shape_flow.rebound_name_facts): the
        # fixpoint's current assumptions and its results, keyed by (scope id, name)
        self._assumed_facts: dict[tuple, object] = {}
        self._rebound_facts: dict[tuple, object] = {}
        # what `blaslint measure --facts-out` observed of this file's parameters:
        # {(function qualname, parameter): fact} (blaslint.analysis.runtime_facts)
        self.runtime_facts: dict[tuple[str, str], dict] = {}
        # (expression, facts) a rule asked about whose rank rests on those
        # observations; the engine clears it around each rule call
        self.runtime_consulted: list[tuple] = []

    # -- structure ----------------------------------------------------------
    @staticmethod
    def parent(node: ast.AST) -> ast.AST | None:
        return getattr(node, PARENT, None)

    def ancestors(self, node: ast.AST):
        node = parent(node)
        while node is not None:
            yield node
            node = parent(node)

    def statement_of(self, node: ast.AST) -> ast.stmt | None:
        while node is not None and not isinstance(node, ast.stmt):
            node = parent(node)
        return node

    def scope_node_of(self, node: ast.AST) -> ast.AST:
        for anc in self.ancestors(node):
            if isinstance(anc, SCOPE_TYPES):
                # default values and decorators belong to the outer scope; close enough here
                return anc
        return self.tree

    def scope_of(self, node: ast.AST) -> Scope:
        return self.scope(self.scope_node_of(node))

    def scope(self, scope_node: ast.AST) -> Scope:
        key = id(scope_node)
        sc = self._scopes.get(key)
        if sc is None:
            sc = build_scope(scope_node, parent)
            self._scopes[key] = sc
        return sc

    def function_name(self, node: ast.AST) -> str:
        """Dotted name of the enclosing functions/classes ("" at module level)."""
        names = []
        for anc in self.ancestors(node):
            if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.append(anc.name)
        return ".".join(reversed(names))

    def enclosing_loop(self, node: ast.AST) -> ast.AST | None:
        """The innermost for/while loop or comprehension around ``node`` in its scope.

        ``node`` inside a loop's ``iter`` (evaluated once) is not in that loop.
        """
        child = node
        for anc in self.ancestors(node):
            if isinstance(anc, SCOPE_TYPES):
                return None
            if isinstance(anc, (ast.For, ast.AsyncFor)):
                if child is not anc.iter and child not in anc.orelse:
                    return anc
            elif isinstance(anc, ast.While):
                if child not in anc.orelse:
                    return anc
            elif isinstance(anc, COMPREHENSION_TYPES):
                first_iter = anc.generators[0].iter
                if child is not first_iter:
                    return anc
            child = anc
        return None

    # -- source -------------------------------------------------------------
    def text(self, node: ast.AST) -> str:
        return self.source.segment(node)

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.source.node_span(node)

    # Names a line for a message: "line 57"; a notebook's adapter sets "cell 5, line 13".
    line_name = staticmethod(lambda line: f"line {line}")

    def line_ref(self, node_or_line) -> str:
        """How a message names the line of a node (or a line number): use this, never `line {n}`."""
        line = node_or_line if isinstance(node_or_line, int) else node_or_line.lineno
        return self.line_name(line)

    # -- sizes (blaslint.analysis.sizes; for the cost model) --------------------
    def dim_kind(self, dim, at_node: ast.AST | None = None) -> str:
        """"small" | "model" | "large" | "data" | "unknown" for one dimension of a shape."""
        return _sizes.dim_kind(self, dim, at_node)

    def loop_context(self, node: ast.AST):
        """The loops around ``node`` in its function and what they run over (None: no loop)."""
        return _sizes.loop_context(self, node)

    # -- names and APIs -----------------------------------------------------
    @cached_property
    def imports(self) -> ImportMap:
        imap = ImportMap.from_module(self.tree)
        module_scope = self.scope(self.tree)
        for name, binds in module_scope.bindings.items():
            if any(b.kind not in ("import",) for b in binds) and name in imap.names:
                imap.ambiguous.add(name)
        _flow.record_blas_getters(self, imap)
        return imap

    def qualname(self, expr: ast.AST) -> str | None:
        """Qualified name of a Name/Attribute chain through imports, as written.

        Memoised per node of this file's tree (a dozen rules ask about every
        call); a node outside the linked tree (made by a rule) is not memoised,
        as its id may be reused once it is freed.
        """
        if not hasattr(expr, PARENT):
            return self._qualname(expr)
        key = id(expr)
        try:
            return self._qualnames[key]
        except KeyError:
            # unknown while being computed: `A = A(...)` in a function asks about itself
            self._qualnames[key] = None
            self._computing.add(key)
            try:
                q = self._qualnames[key] = self._qualname(expr)
            finally:
                self._computing.discard(key)
            return q

    def enclosing_bindings(self, node: ast.AST, name: str):
        """The bindings of ``name`` in the innermost function scope around ``node`` that binds it (a
        closure reads its enclosing function's names: POT's nested ``loss`` reads ``nx``), or None."""
        sc = self.scope_of(node)
        while True:
            if sc.is_local(name):
                return sc.bindings[name]
            if sc.node is self.tree:
                return None
            outer = self.scope_node_of(sc.node)
            while isinstance(outer, ast.ClassDef):  # a class body's names are not visible in its methods
                outer = self.scope_node_of(outer)
            sc = self.scope(outer)

    def _qualname(self, expr: ast.AST) -> str | None:
        dotted = dotted_name(expr)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        if rest and head in self.namespace_names and head not in self.imports.names:
            root = expr
            while isinstance(root, ast.Attribute):
                root = root.value
            binds = self.enclosing_bindings(root, head)
            if binds is not None and _namespaces.is_namespace(binds):
                return f"numpy.{rest}"  # `xp.sum` of `xp = get_namespace(X)`: NumPy's API in kind
        if head not in self.imports.names and not self._may_get_routines:
            # Neither imported nor a get_blas_funcs result: unknown (unless a name
            # holds a library function: `self.inv = np.linalg.inv`), and no need
            # to build the enclosing scope (most calls in a file end here).
            return _attributes.function_alias(self, expr) if self._may_alias else None
        # A local (non-import) binding shadows the import.
        if isinstance(expr, (ast.Name, ast.Attribute)):
            root = expr
            while isinstance(root, ast.Attribute):
                root = root.value
            sc = self.scope_of(root)
            if sc.node is not self.tree and sc.is_local(head):
                binds = sc.bindings[head]
                if not all(b.kind == "import" for b in binds):
                    return self._local_blas_binding(head, binds, rest)
        qual = self.imports.qualname(head)
        if qual is None:
            return _attributes.function_alias(self, expr) if self._may_alias else None
        return f"{qual}.{rest}" if rest else qual

    @cached_property
    def _may_alias(self) -> bool:
        """Whether any name or attribute may hold an imported library object (``inv = la.inv``)."""
        return bool(_attributes.alias_candidates(self))

    @cached_property
    def namespace_names(self) -> frozenset:
        """Names bound somewhere to an array-API namespace (``xp = get_namespace(X)``), from the text."""
        return _namespaces.candidate_names(self.source.text)

    @cached_property
    def _may_get_routines(self) -> bool:
        """Whether a local name may hold a get_blas_funcs/get_lapack_funcs result.

        Such a getter resolves only through an import that spells its name.
        """
        text = self.source.text
        return "get_blas_funcs" in text or "get_lapack_funcs" in text

    def _local_blas_binding(self, head, binds, rest):
        if rest or len(binds) != 1:
            return None
        return _flow.blas_getter_qualname(self, binds[0])

    def resolve(self, expr: ast.AST) -> str | None:
        """Canonical API name of a Name/Attribute chain (cupy -> numpy, ...); memoised like :meth:`qualname`."""
        key = id(expr)
        got = self._resolved.get(key, _MISSING)
        if got is _MISSING:
            q = self.qualname(expr)
            got = canonical(q) if q else None
            if hasattr(expr, PARENT) and key in self._qualnames and not self._computing:
                self._resolved[key] = got
        return got

    def resolve_call(self, node: ast.AST) -> str | None:
        """Canonical API name of the function a Call calls, or None."""
        if not isinstance(node, ast.Call):
            return None
        return self.resolve(node.func)

    def blas_call(self, node: ast.AST) -> "_blas_api.BoundCall | None":
        """A scipy BLAS/LAPACK wrapper call, its arguments matched to the routine's parameters."""
        if not isinstance(node, ast.Call):
            return None
        routine = _blas_api.lookup(self.resolve_call(node))
        return _blas_api.bind(routine, node) if routine is not None else None

    def library(self, expr: ast.AST) -> str | None:
        q = self.qualname(expr.func if isinstance(expr, ast.Call) else expr)
        return library_of(q) if q else None

    def spell(self, qualname: str) -> str | None:
        """Source spelling of ``qualname`` with this file's imports (None if not imported)."""
        return self.imports.spelling(qualname)

    def spell_like(self, call_func: ast.AST, new_attr: str, new_qualname: str) -> str | None:
        """Spell ``new_qualname``, preferring the module path the user wrote for ``call_func``.

        ``np.linalg.inv`` -> ``np.linalg.solve``; ``la.inv`` -> ``la.solve``; a bare
        imported ``inv`` -> whatever spelling the imports allow.
        """
        if isinstance(call_func, ast.Attribute) and self._spelled_through_imports(call_func):
            return f"{self.text(call_func.value)}.{new_attr}"
        return self.spell(new_qualname)

    def _spelled_through_imports(self, func: ast.Attribute) -> bool:
        """``la.inv`` (an imported module), not ``self.inv`` (an attribute holding a function)."""
        root = func
        while isinstance(root, ast.Attribute):
            root = root.value
        return isinstance(root, ast.Name) and root.id in self.imports.names

    # -- bindings -----------------------------------------------------------
    def binding_scope(self, name: ast.Name) -> Scope | None:
        """The scope whose binding a Name load refers to (local, else module)."""
        sc = self.scope_of(name)
        if sc.is_local(name.id):
            return sc
        if name.id in sc.globals or sc.node is not self.tree:
            mod = self.scope(self.tree)
            if name.id in mod.bindings:
                return mod
        return None

    def reaching_binding(self, name: ast.Name) -> Binding | None:
        """The one binding that certainly reaches this load, or None if unsure."""
        return _flow.reaching_binding(self, name)

    def value_of(self, name: ast.Name) -> ast.AST | None:
        b = self.reaching_binding(name)
        return b.value if b is not None else None

    def uses(self, binding: Binding) -> list[ast.Name]:
        """Loads of a binding's name in its scope (and nested scopes that do not rebind it)."""
        return _flow.uses_of(self, binding)

    # -- arrays -------------------------------------------------------------
    def array_facts(self, expr: ast.AST) -> "_facts.Facts":
        key = id(expr)
        f = self._facts_cache.get(key)
        if f is None:
            # Inference recurses through operands and assignment chains; past
            # MAX_FACTS_DEPTH nested queries (deep but valid code: a 2,000-term
            # `@` chain) the answer is "unknown" rather than a RecursionError.
            if self._facts_depth >= MAX_FACTS_DEPTH:
                return _facts.UNKNOWN
            self._facts_cache[key] = _facts.UNKNOWN  # guards against cycles
            self._facts_depth += 1
            hits = self.partial_reads
            try:
                f = _evidence.attach(self, expr, _facts.infer(self, expr))
            finally:
                self._facts_depth -= 1
            if self.partial_reads == hits:
                self._facts_cache[key] = f
            else:  # read a fact still being computed (an attribute's fixpoint): asked again later
                del self._facts_cache[key]
        if self.runtime_facts and self._facts_depth == 0 and _is_runtime(f):
            self.runtime_consulted.append((expr, f))
        return f

    # -- flow ---------------------------------------------------------------
    def is_loop_invariant(self, expr: ast.AST, loop: ast.AST, given: frozenset = frozenset()) -> bool:
        return _flow.is_loop_invariant(self, expr, loop, given)

    def reads_between(self, name: str, stmt_a: ast.stmt, stmt_b: ast.stmt) -> bool:
        return _flow.reads_between(self, name, stmt_a, stmt_b)

    def statements_between(self, stmt_a: ast.stmt, stmt_b: ast.stmt) -> list[ast.stmt] | None:
        return _flow.statements_between(self, stmt_a, stmt_b)

    def next_statement(self, stmt: ast.stmt) -> ast.stmt | None:
        return _flow.next_statement(self, stmt)

    def previous_statement(self, stmt: ast.stmt) -> ast.stmt | None:
        return _flow.previous_statement(self, stmt)

    def mutated_in(self, region: ast.AST) -> set[str]:
        return _flow.mutated_names(self, region)


__all__ = ["FileContext", "set_parents", "parent", "LOOP_TYPES"]


def _is_runtime(f) -> bool:
    """Does ``f``'s rank rest on facts observed at run time (evidence kind "runtime")?"""
    return f.rank is not None and any(e.kind == "runtime" for e in getattr(f, "evidence", ()))
