"""Facts of ``self.P`` from every assignment to it in its class, and functions stored in names.

``self.P`` has facts when every assignment ``self.P = ...`` in the methods of
the class, of its bases and of its subclasses defined in the module (a mixin
sets it, a subclass resets it), and ``P = ...`` in their bodies, agrees (joined; an update that reads
``self.P`` is evaluated with the others' facts assumed, as for a name rebound
in a loop). An assignment we cannot evaluate (tuple unpacking, ``for``
targets), an assignment to ``.P`` on any other object in the module, a method
or property called ``P``, or ``setattr`` in the class make it unknown.

``self.inv = np.linalg.inv`` (every assignment agreeing) and a module global
``inv = scipy.linalg.inv`` resolve as the function they hold, so that
``self.inv(A)`` is a call of ``numpy.linalg.inv``.
"""

from __future__ import annotations

import ast

from blaslint.analysis.evidence import Evidence

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_UNSURE = object()  # an assignment whose value we cannot see
MAX_NESTED = 2      # attribute updates reading attributes whose updates read attributes ...


def _self_name(fdef) -> str | None:
    """The instance parameter of a method, or the class parameter of a class method, whose attributes
    every instance reads (None for a static method or no parameter)."""
    if any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in fdef.decorator_list):
        return None
    params = [*fdef.args.posonlyargs, *fdef.args.args]
    return params[0].arg if params else None


def _method_of(ctx, node):
    """(class, method) when ``node`` sits in a method (or a closure in one), else None."""
    fdef = None
    for anc in ctx.ancestors(node):
        if isinstance(anc, _DEFS):
            fdef = anc
        elif isinstance(anc, ast.ClassDef):
            return (anc, fdef) if fdef is not None and ctx.parent(fdef) is anc else None
        elif isinstance(anc, ast.Lambda):
            continue
    return None


def _table(ctx, cls: ast.ClassDef, attr: str):
    """[(value or _UNSURE, stmt)] of every assignment to ``attr`` in ``cls``; None if it escapes.

    Computed per (class, attribute) from the attribute's mentions only: an
    assignment to ``.attr`` on anything but the class's own instance, or
    ``setattr``/``__dict__`` in the class, makes it None (unknown).
    """
    cache = ctx.__dict__.setdefault("_bl_attr_tables", {})
    key = (id(cls), attr)
    if key in cache:
        return cache[key]
    from blaslint.analysis.mentions import mention_lines, nodes_spelling

    cache[key] = None
    lines = mention_lines(ctx, attr, 400)
    related = _related(ctx, cls)
    if lines is None or any(_dynamic(ctx, c) for c in related):
        return None
    entries = []
    for c in related:
        for stmt in c.body:  # class-level `P = ...`, or a method/property named P
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]):
                    if isinstance(t, ast.Name) and t.id == attr:
                        entries.append((stmt.value, stmt))
            elif isinstance(stmt, (*_DEFS, ast.ClassDef)) and stmt.name == attr:
                entries.append((_UNSURE, stmt))
    for node in nodes_spelling(ctx, attr, ctx.tree.body, lines):
        if not isinstance(node, ast.Attribute) or isinstance(node.ctx, ast.Load):
            continue
        owner = _method_of(ctx, node)
        on_self = owner is not None and isinstance(node.value, ast.Name) and node.value.id == _self_name(owner[1])
        if on_self and owner[0] not in related:
            continue  # `self.P = ...` of an unrelated class of the module: other instances
        if not on_self:
            return None  # `obj.P = ...` elsewhere: some instance gets another P
        entries.append(_assigned(ctx, node))
    cache[key] = entries
    return entries


def _related(ctx, cls) -> list:
    """``cls``, its bases and its subclasses defined in this module (by name): every class whose
    methods may assign ``self.P`` on an instance ``cls``'s methods see (a mixin sets it, a subclass resets it)."""
    classes = {n.name: n for n in ctx.tree.body if isinstance(n, ast.ClassDef)}
    bases_of = {name: [b.id for b in c.bases if isinstance(b, ast.Name) and b.id in classes]
                for name, c in classes.items()}
    if classes.get(cls.name) is not cls:
        return [cls]  # a nested class, or a name defined twice: itself only
    out, todo = [cls.name], [cls.name]
    while todo:  # bases, transitively
        for b in bases_of.get(todo.pop(), []):
            if b not in out:
                out.append(b)
                todo.append(b)
    todo = [cls.name]
    while todo:  # subclasses, transitively
        name = todo.pop()
        for sub, bases in bases_of.items():
            if name in bases and sub not in out:
                out.append(sub)
                todo.append(sub)
    return [classes[n] for n in out]


def _dynamic(ctx, cls) -> bool:
    cache = ctx.__dict__.setdefault("_bl_attr_dynamic", {})
    if id(cls) not in cache:
        text = ctx.text(cls)
        cache[id(cls)] = any(w in text for w in ("setattr(", "__dict__", "vars(self"))
    return cache[id(cls)]


def _assigned(ctx, target: ast.Attribute):
    stmt = ctx.parent(target)
    if isinstance(stmt, ast.Assign) and target in stmt.targets:
        return stmt.value, stmt
    if isinstance(stmt, ast.AnnAssign):
        return (stmt.value if stmt.value is not None else None), stmt
    if isinstance(stmt, ast.AugAssign):
        return "aug", stmt
    if isinstance(stmt, ast.Tuple) and isinstance(ctx.parent(stmt), ast.Assign):
        assign = ctx.parent(stmt)
        if isinstance(assign.value, ast.Tuple) and len(assign.value.elts) == len(stmt.elts) \
                and not any(isinstance(e, ast.Starred) for e in stmt.elts):
            return assign.value.elts[stmt.elts.index(target)], assign
    if isinstance(stmt, ast.Delete):
        return None, stmt
    return _UNSURE, stmt


def _entries(ctx, expr: ast.Attribute):
    """(class, [(value, stmt)]) for ``self.attr`` read in a method, or None."""
    if not isinstance(expr.value, ast.Name):
        return None
    owner = _method_of(ctx, expr)
    if owner is None or expr.value.id != _self_name(owner[1]):
        return None
    cls, method = owner
    if len(ctx.scope(method).bindings.get(expr.value.id, [])) != 1:
        return None  # `self` rebound
    table = _table(ctx, cls, expr.attr)
    if table is None:
        return None
    entries = [e for e in table if e[0] is not None]
    if not entries or any(v is _UNSURE for v, _ in entries):
        return None
    return cls, entries


def _reads(value, attr: str) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == attr for n in ast.walk(value))


def attribute_facts(ctx, expr: ast.Attribute):
    """Facts of ``self.attr`` every assignment in the class agrees on (kind "attribute")."""
    from blaslint.analysis.facts import UNKNOWN

    got = _entries(ctx, expr)
    if got is None:
        return _documented(ctx, expr) or UNKNOWN
    cls, entries = got
    key = (id(cls), expr.attr)
    assumed = ctx.__dict__.get("_bl_attr_assume", {})
    if key in assumed:
        return assumed[key]
    # Under an assumption (inside another attribute's fixpoint) the answer depends
    # on it: kept apart from the file's cache, and nested at most MAX_NESTED deep.
    cache = ctx.__dict__.setdefault("_bl_attr_facts", {}) if not assumed else \
        ctx.__dict__.setdefault("_bl_attr_memo", {}).setdefault(frozenset(assumed.items()), {})
    busy = ctx.__dict__.setdefault("_bl_attr_busy", set())
    if key in busy:
        if not assumed:  # (under an assumption the caches are thrown away anyway)
            ctx.partial_reads += 1  # read inside its own fixpoint: unknown for now
        return UNKNOWN
    if key in cache:
        return cache[key]
    if len(assumed) >= MAX_NESTED:
        return UNKNOWN
    hits = ctx.partial_reads
    busy.add(key)
    try:
        result = _fixpoint(ctx, key, expr.attr, entries)
    finally:
        busy.discard(key)
    if result.rank is not None:
        shape = tuple(d if isinstance(d, int) else None for d in result.shape) if result.shape else None
        first = min(entries, key=lambda e: e[1].lineno)[1]
        from dataclasses import replace

        ev = Evidence("attribute", first.lineno, f"{len(entries)} assignment(s) to self.{expr.attr}")
        result = replace(result, shape=shape if shape and any(d is not None for d in shape) else None,
                         evidence=(ev,))
    elif not assumed:
        result = _documented(ctx, expr) or _partly_known(ctx, expr, cls, entries) \
            or _size_hint(ctx, expr.attr, entries) or result
    if assumed or ctx.partial_reads == hits or not busy:
        cache[key] = result  # (with no fixpoint left open, what it read is final)
    return result


def _partly_known(ctx, expr: ast.Attribute, cls, entries):
    """Soft facts of ``self.attr`` when the assignments whose facts are known agree and the others say
    nothing (ssm's ``self.inv_etas = npr.randn(1, N)`` in ``__init__`` beside the parameter setter's
    ``self.inv_etas = value[-1]``): a finding may rest on them, a fix may not. None when no
    assignment is known, two disagree, or an update of the attribute changes its rank."""
    from dataclasses import replace

    from blaslint.analysis.facts import join_facts

    seeds = _seeds(entries, expr.attr)
    known = [(f, s) for f, s in ((ctx.array_facts(v), s) for v, s in entries if v in seeds) if f.rank is not None]
    if not known or len(known) == len(entries):
        return None
    guess = join_facts([f for f, _ in known])
    if guess.rank is None or guess.rank == 0:
        return None
    key = (id(cls), expr.attr)
    for v, s in entries:
        if v == "aug" or _reads(v, expr.attr):
            after = _under(ctx, key, guess, v, s)
            if after.rank is not None and after.rank != guess.rank:
                return None
    first = min((s for _, s in known), key=lambda s: s.lineno)
    ev = Evidence("attribute-some", first.lineno,
                  f"{len(known)} of {len(entries)} assignments to self.{expr.attr} (the others unknown)")
    hint = _size_hint(ctx, expr.attr, entries)
    return replace(guess, shape=None, order=None, evidence=(ev,), tail=hint.tail if hint is not None else ())


def _instance_class(ctx, expr: ast.Attribute):
    """The class of this module whose instance ``expr.value`` is: ``self`` in its methods, or a name
    bound once to ``self.__class__(...)``, ``type(self)(...)`` or ``C(...)``."""
    recv = expr.value
    if not isinstance(recv, ast.Name):
        return None
    owner = _method_of(ctx, expr)
    if owner is not None and recv.id == _self_name(owner[1]):
        return owner[0]
    binding = ctx.reaching_binding(recv)
    value = getattr(binding, "value", None) if binding is not None and binding.kind == "assign" else None
    if not isinstance(value, ast.Call):
        return None
    func = value.func
    if owner is not None and (
            isinstance(func, ast.Attribute) and func.attr == "__class__" and isinstance(func.value, ast.Name)
            and func.value.id == _self_name(owner[1])
            or isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "type"
            and len(func.args) == 1 and isinstance(func.args[0], ast.Name)
            and func.args[0].id == _self_name(owner[1])):
        return owner[0]
    if isinstance(func, ast.Name):
        defs = [n for n in ctx.tree.body if isinstance(n, ast.ClassDef) and n.name == func.id]
        return defs[0] if len(defs) == 1 else None
    return None


def _documented(ctx, expr: ast.Attribute):
    """Facts of ``obj.attr`` from the "Attributes" section of its class's docstring (or of a base class
    of this module), when the code does not say (soft: ``populations_ : array, shape = (n_states_,)``)."""
    from blaslint.analysis.docstrings import attribute_docstring_facts

    cls = _instance_class(ctx, expr)
    seen = 0
    while cls is not None and seen < 4:
        got = attribute_docstring_facts(ctx, cls, expr.attr)
        if got is not None:
            return got
        bases = [n for b in cls.bases if isinstance(b, ast.Name)
                 for n in ctx.tree.body if isinstance(n, ast.ClassDef) and n.name == b.id]
        cls = bases[0] if len(bases) == 1 else None
        seen += 1
    return None


def _seeds(entries, attr: str) -> list:
    """The assignments that make the attribute without reading it (``self.P = np.eye(n)``)."""
    return [v for v, _ in entries if v != "aug" and not _reads(v, attr)]


def _size_hint(ctx, attr, entries):
    """Sizes only (``Facts.tail``): the shape the assignments that make the attribute agree on.

    ``self.P = eye(dim_x)`` in ``__init__`` and ``self.P = F @ self.P @ F.T + Q``
    later: the rank is not proven, but the matrix is dim_x x dim_x in practice.
    """
    from blaslint.analysis.facts import Facts

    shapes = {tuple(f.shape) for f in (ctx.array_facts(v) for v in _seeds(entries, attr))
              if f.rank and f.shape is not None and len(f.shape) == f.rank and any(d is not None for d in f.shape)}
    if len(shapes) != 1:
        return None
    return Facts(tail=shapes.pop())


def _fixpoint(ctx, key, attr, entries):
    from blaslint.analysis.facts import UNKNOWN
    from blaslint.analysis.facts import join_facts

    seeds = _seeds(entries, attr)
    if not seeds:
        return UNKNOWN
    guess = join_facts([ctx.array_facts(v) for v in seeds])
    rest = [(v, s) for v, s in entries if v == "aug" or _reads(v, attr)]
    if guess.rank is None or not rest:
        return guess
    for _ in range(2):
        got = join_facts([guess, *(_under(ctx, key, guess, v, s) for v, s in rest)])
        if got == guess:
            return guess
        guess = got
        if guess.rank is None:
            return UNKNOWN
    return UNKNOWN


def _under(ctx, key, assumption, value, stmt):
    """Facts of an update with ``self.attr`` assumed to have ``assumption`` (on a fresh facts cache)."""
    from blaslint.analysis.facts import binop_facts

    if value == "aug" and assumption.rank and assumption.lib in ("numpy", "torch"):
        return assumption  # in place: keeps dtype and shape
    saved = ctx._facts_cache, ctx._rebound_facts
    assumed = ctx.__dict__.setdefault("_bl_attr_assume", {})
    ctx._facts_cache, ctx._rebound_facts = {}, {}
    assumed[key] = assumption
    try:
        if value == "aug":
            return binop_facts(stmt.op, assumption, ctx.array_facts(stmt.value))
        return ctx.array_facts(value)
    finally:
        assumed.pop(key, None)
        ctx._facts_cache, ctx._rebound_facts = saved


# -- functions held in names and attributes -------------------------------------------

def function_alias(ctx, expr: ast.AST) -> str | None:
    """Qualified name of the library object ``expr`` holds through an alias (``self.inv``, ``inv``).

    ``expr`` is a Name/Attribute chain; its head is resolved through a module
    global bound once, or an instance attribute every assignment of which
    agrees, to a value that resolves through the imports.
    """
    rest = []
    node = expr
    while isinstance(node, ast.Attribute) and not isinstance(node.value, ast.Name):
        rest.append(node.attr)
        node = node.value
    names = alias_candidates(ctx)
    if (node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)) not in names and not (
            isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in names):
        return None
    head = _alias_head(ctx, node)
    if head is None:
        return None
    return ".".join([head, *reversed(rest)])


def alias_candidates(ctx) -> frozenset:
    """Names and attributes bound somewhere to a bare imported dotted name (``inv = la.inv``), from the text."""
    got = ctx.__dict__.get("_bl_alias_candidates")
    if got is None:
        import re

        names = ctx.imports.names
        got = frozenset()
        if names:
            pattern = r"^[ \t]*(?:\w+\.)*(\w+)[ \t]*=[ \t]*(?:" + "|".join(re.escape(n) for n in names) + \
                r")(?:\.\w+)*[ \t]*(?:#.*)?$"
            got = frozenset(m.group(1) for m in re.finditer(pattern, ctx.source.text, re.M))
        ctx.__dict__["_bl_alias_candidates"] = got
    return got


def _alias_head(ctx, node) -> str | None:
    guard = ctx.__dict__.setdefault("_bl_alias_busy", set())
    if id(node) in guard:
        return None
    guard.add(id(node))
    try:
        if isinstance(node, ast.Name):
            return _global_alias(ctx, node)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            outer = _global_alias(ctx, node.value)
            if outer is not None:
                return f"{outer}.{node.attr}"
            got = _entries(ctx, node)
            if got is None:
                return None
            quals = set()
            for value, _ in got[1]:
                if not isinstance(value, (ast.Name, ast.Attribute)):
                    return None
                quals.add(ctx.qualname(value))
            if len(quals) == 1 and None not in quals:
                return quals.pop()
        return None
    finally:
        guard.discard(id(node))


def _global_alias(ctx, name: ast.Name) -> str | None:
    """``inv = scipy.linalg.inv`` at module level, read where no local ``inv`` shadows it."""
    module = ctx.scope(ctx.tree)
    binds = module.bindings.get(name.id)
    if not binds or len(binds) != 1 or binds[0].kind != "assign":
        return None
    value = binds[0].value
    if not isinstance(value, (ast.Name, ast.Attribute)):
        return None
    sc = ctx.scope_of(name)
    if sc.node is not ctx.tree and sc.is_local(name.id):
        return None
    return ctx.qualname(value)


__all__ = ["attribute_facts", "function_alias"]
