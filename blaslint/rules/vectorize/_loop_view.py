"""BL501's view of one loop: which names hold row indices, index pairs, rows, and what a name
holds in this iteration (a plain assignment, an if/else of two, or something carried over)."""

from __future__ import annotations

import ast

from blaslint.rules.vectorize import _loopdots as ld
from blaslint.rules.vectorize._loop_calls import loop_mutations

BAD = "bad"
COMPS = (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)
NDINDEX = {"numpy.ndindex"}


class LoopView:
    """What one loop (a ``for`` or a comprehension) binds and changes."""

    def __init__(self, ctx, loop) -> None:
        self.ctx = ctx
        self.loop = loop
        self.mutated, self.strict = loop_mutations(ctx, loop)
        self.index: set[str] = set()          # names holding a row index
        self.tuple_index: set[str] = set()    # np.ndindex tuples
        self.aliases: dict[str, tuple] = {}   # row -> (base, var)
        self.pairs: set[str] = set()          # indices unpacked from the iterated data (``for i, j, r in R``)
        self.iters = []
        gens = loop.generators if isinstance(loop, COMPS) else [loop]
        for g in gens:
            self._bind(g.target, g.iter)
            self.iters.append(g)
        self.body = list(loop.body) if isinstance(loop, (ast.For, ast.AsyncFor)) else []
        self._unpacked_pairs(gens)

    def over_arrays(self, expr: ast.AST) -> bool:
        """Are the items ``expr`` is made of of one shape: every level runs over a ``range`` or an array
        (not a list), and what ``expr`` indexes with the loop's names is an array?"""
        names = {n.id for g in self.iters for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        for sub in ast.walk(expr):
            if isinstance(sub, ast.Subscript) and any(isinstance(n, ast.Name) and n.id in names
                                                      for n in ast.walk(sub.slice)):
                f = self.ctx.array_facts(sub.value)
                if f.rank is None or f.rank < 1:
                    return False

        def uniform(it) -> bool:
            if isinstance(it, ast.Name) and isinstance(self.ctx.value_of(it), ast.Call):
                it = self.ctx.value_of(it)  # index = np.ndindex(shape); for idx in index
            if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id in ("range", "enumerate", "zip"):
                return it.func.id == "range" or bool(it.args) and all(uniform(a) for a in it.args)
            if isinstance(it, ast.Call) and (self.ctx.resolve_call(it) or "").endswith("ndindex"):
                return True  # index tuples
            f = self.ctx.array_facts(it)
            return f.rank is not None and f.rank >= 1

        return all(uniform(g.iter) for g in self.iters)

    def _unpacked_pairs(self, gens) -> None:
        """``for key, r in d.items(): i, j = key``: the indices unpacked first thing in the body."""
        targets = {n.id for g in gens for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        for stmt in self.body[:2]:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Tuple) \
                    and isinstance(stmt.value, ast.Name) and stmt.value.id in targets:
                for e in stmt.targets[0].elts:
                    if isinstance(e, ast.Name) and _used_as_index(self.loop, e.id) \
                            and not _rebound(self.loop, e.id, skip=stmt):
                        self.pairs.add(e.id)

    def _bind(self, target, it) -> None:
        ctx = self.ctx
        while isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "reversed" \
                and len(it.args) == 1 and not it.keywords and ctx.scope_of(it).bindings.get("reversed") is None \
                and ctx.scope(ctx.tree).bindings.get("reversed") is None:
            it = it.args[0]  # the same iterations in the other order: what each computes is unchanged
        if isinstance(it, ast.Name):  # `index = ndindex(shape)` ... `for v in index`
            b = ctx.reaching_binding(it)
            if b is not None and b.kind == "assign" and isinstance(b.value, ast.Call) \
                    and "ndindex" in ctx.text(b.value.func):
                it = b.value
        q = ctx.resolve_call(it) if isinstance(it, ast.Call) else None
        fname = it.func.id if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) \
            and ctx.scope_of(it).bindings.get(it.func.id) is None else None
        if fname in ("range", "xrange") or q == "numpy.arange":
            if isinstance(target, ast.Name):
                self.index.add(target.id)
            return
        if q in NDINDEX or (q or fname or "").split(".")[-1] == "ndindex" or \
                (isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr == "ndindex"):
            if isinstance(target, ast.Name):
                self.tuple_index.add(target.id)
            return
        if fname == "enumerate" and len(it.args) == 1 and isinstance(target, ast.Tuple) and len(target.elts) == 2:
            i, row = target.elts
            if isinstance(i, ast.Name):
                self.index.add(i.id)
            if isinstance(row, ast.Name):
                self.aliases[row.id] = (it.args[0], i.id if isinstance(i, ast.Name) else "<enum>")
            return
        if fname == "zip" and isinstance(target, ast.Tuple) and len(target.elts) == len(it.args):
            for e, a in zip(target.elts, it.args):
                if isinstance(e, ast.Name) and not (isinstance(a, ast.Call) and isinstance(a.func, ast.Name)
                                                    and a.func.id == "range"):
                    self.aliases[e.id] = (a, "<zip>")
                elif isinstance(e, ast.Name):
                    self.index.add(e.id)
            return
        if isinstance(target, ast.Tuple) and not any(isinstance(e, ast.Starred) for e in target.elts):
            # `for i, j, r in ratings`: the names used as subscripts are index pairs read from the data
            for e in target.elts:
                if isinstance(e, ast.Name) and _used_as_index(self.loop, e.id) and not _rebound(self.loop, e.id):
                    self.pairs.add(e.id)
            return
        if isinstance(target, ast.Name) and isinstance(it, (ast.Name, ast.Attribute, ast.Subscript)):
            if _used_as_index(self.loop, target.id) and not (_arrayish(ctx, it) and ctx.array_facts(it).rank >= 2):
                self.index.add(target.id)  # `for j in idx`: values used as indices
            else:
                self.aliases[target.id] = (it, "<row>")
            return

    # -- what runs before a node in this iteration ----------------------------------------
    def position(self, node):
        """The statements run before ``node`` in this iteration, outer blocks first (a list), or
        None when ``node`` is not in the loop body; ``[]`` in a comprehension."""
        if not self.body:
            return []
        path = []
        for anc in [node, *self.ctx.ancestors(node)]:
            if anc is self.loop:
                break
            path.append(anc)
        else:
            return None
        prefix = []
        for child in reversed(path):
            parent = self.ctx.parent(child)
            for field in ("body", "orelse", "finalbody"):
                block = getattr(parent, field, None)
                if isinstance(block, list) and child in block:
                    prefix += block[:block.index(child)]
                    break
        return prefix

    def reaching(self, name: str, prefix: list):
        """The value a plain ``name = value`` run before gives ``name`` (with the statements
        before that one), None if none does, BAD when bound otherwise (a branch, a loop)."""
        value = None
        for k, stmt in enumerate(prefix):
            if not _binds(stmt, name):
                continue
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                value = stmt.value, prefix[:k]
            elif isinstance(stmt, ast.Assign) and value is not None and all(
                    isinstance(t, ast.Subscript) for t in stmt.targets):
                continue  # params[1] = ...: changed in place, still this iteration's
            elif _both_branches(stmt, name) is not None:
                a, b = _both_branches(stmt, name)  # `if c: x = a` / `else: x = b`: this iteration's `a if c else b`
                value = ast.IfExp(test=stmt.test, body=a, orelse=b), prefix[:k]
            else:
                return BAD
        if value is None and any(_binds(stmt, name) for stmt in self.body) and name not in self.aliases:
            return BAD  # bound only later in the body: carried from the previous iteration
        return value


def _both_branches(stmt, name: str):
    """(a, b) for ``if c: name = a`` / ``else: name = b`` with nothing else in either branch."""
    if not (isinstance(stmt, ast.If) and len(stmt.body) == 1 and len(stmt.orelse) == 1):
        return None
    values = []
    for branch in (stmt.body[0], stmt.orelse[0]):
        if not (isinstance(branch, ast.Assign) and len(branch.targets) == 1
                and isinstance(branch.targets[0], ast.Name) and branch.targets[0].id == name):
            return None
        values.append(branch.value)
    return tuple(values)


def _binds(stmt, name: str) -> bool:
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
            base = node.value
            while isinstance(base, ast.Subscript):
                base = base.value
            if isinstance(base, ast.Name) and base.id == name:
                return True
    return False


def _rebound(loop, name: str, skip=None) -> bool:
    """Is ``name`` bound inside the loop body (other than by ``skip``)? Then it is not the unpacked index."""
    body = loop.body if isinstance(loop, (ast.For, ast.AsyncFor)) else []
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
               for st in body if st is not skip for n in ast.walk(st))


def _used_as_index(loop, name: str) -> bool:
    """Is ``name`` used inside ``loop`` as (part of) a subscript index (``U[j]``, ``R[n, k]``)?"""
    for node in ast.walk(loop):
        if isinstance(node, ast.Subscript) and name in ld._names(node.slice):
            return True
    return False


def _arrayish(ctx, expr) -> bool:
    """Known to be an array of rank >= 1 (numpy, torch, or a rank the facts know without a library)."""
    f = ctx.array_facts(expr)
    return f.rank is not None and f.rank >= 1 and f.lib in ("numpy", "torch", None)
