"""Comparing dimensions as ``Facts.shape`` holds them: ints, or source strings of symbolic sizes.

A module of its own so that shape arithmetic (``broadcasting``) and the facts that use it share it
without importing each other.
"""

from __future__ import annotations

import ast


def is_new_axis(node) -> bool:
    """An index item that inserts an axis: ``None``, ``np.newaxis`` (any module's), a bare ``newaxis``."""
    return (isinstance(node, ast.Constant) and node.value is None
            or isinstance(node, ast.Attribute) and node.attr == "newaxis"
            or isinstance(node, ast.Name) and node.id == "newaxis")


def is_full_slice(node) -> bool:
    """An index item that takes the whole axis: a bare ``:``."""
    return isinstance(node, ast.Slice) and node.lower is None and node.upper is None and node.step is None


def same_dim(d1, d2) -> bool:
    """Are two dims (ints or source strings, as in ``Facts.shape``) provably equal?

    ``512 * 512`` equals ``262144``; ``n`` equals ``n``; anything else is unsure.
    """
    if d1 is None or d2 is None:
        return False
    n1, n2 = _dim_key(d1), _dim_key(d2)
    return n1 is not None and n1 == n2


def _dim_key(d, rewrite=None):
    """An int for a constant dim (``512 * 512``), else a normalised dump of its expression (after
    ``rewrite``, a transformer of its tree, if given)."""
    if isinstance(d, int):
        return d
    try:
        tree = ast.parse(str(d).strip(), mode="eval").body
    except SyntaxError:
        return None
    if rewrite is not None:
        tree = rewrite.visit(tree)
    value = _fold_int(tree)
    return value if value is not None else ast.dump(tree)


def _fold_int(node) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Pow)):
        left, right = _fold_int(node.left), _fold_int(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.FloorDiv):
            return left // right if right else None
        return left ** right if 0 <= right <= 64 else None
    return None


# -- one spelling for sizes that name each other ------------------------------------------------------

_MAX_HOPS = 4


def equal_sizes(ctx, d1, d2, at_node: ast.AST) -> bool:
    """Are two dims equal once local names are followed? ``N`` bound once to ``len(ind)`` equals
    ``len(ind)``; ``n`` from ``samples, n = h.shape`` equals ``h.shape[1]``; ``len(x)`` equals
    ``x.shape[0]`` (wherever both can be evaluated). Only names bound once in the scope are followed,
    and only into expressions whose own names are bound at most once (parameters included), so both
    sides are read from the same values."""
    if same_dim(d1, d2):
        return True
    c1, c2 = canonical_size(ctx, d1, at_node), canonical_size(ctx, d2, at_node)
    return c1 is not None and c1 == c2


def canonical_size(ctx, dim, at_node: ast.AST):
    """The dim as an int or a normalised dump, with single-binding names replaced by their values."""
    return _dim_key(dim, _Follow(ctx.scope_of(at_node)))


class _Follow(ast.NodeTransformer):
    def __init__(self, scope, hops: int = 0):
        self.scope, self.hops = scope, hops

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "len" and len(node.args) == 1 and not node.keywords:
            return ast.Subscript(ast.Attribute(node.args[0], "shape", ast.Load()), ast.Constant(0), ast.Load())
        return node

    def visit_Name(self, node: ast.Name):
        binds = self.scope.bindings.get(node.id) or []
        if self.hops >= _MAX_HOPS or len(binds) != 1 or binds[0].kind != "assign" or node.id in self.scope.globals:
            return node
        b = binds[0]
        value = b.value if b.value is not None else _unpacked_shape_axis(b)
        if value is None or not _stable(self.scope, value):
            return node
        return _Follow(self.scope, self.hops + 1).visit(_copy(value))


def _unpacked_shape_axis(b) -> ast.AST | None:
    """``n`` of ``m, n = X.shape``: ``X.shape[1]``."""
    stmt = b.stmt
    if not isinstance(stmt, ast.Assign) or not isinstance(stmt.value, ast.Attribute) or stmt.value.attr != "shape":
        return None
    for target in stmt.targets:
        if isinstance(target, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in target.elts):
            for axis, elt in enumerate(target.elts):
                if elt is b.node:
                    return ast.Subscript(stmt.value, ast.Constant(axis), ast.Load())
    return None


def _stable(scope, value: ast.AST) -> bool:
    """A size expression whose names are bound at most once in the scope (a parameter counts)."""
    if not isinstance(value, (ast.Name, ast.Attribute, ast.Subscript, ast.Call, ast.BinOp, ast.Constant)):
        return False
    for n in ast.walk(value):
        if isinstance(n, ast.Name) and len(scope.bindings.get(n.id) or []) > 1:
            return False
        if isinstance(n, ast.Call) and not (isinstance(n.func, ast.Name) and n.func.id in ("len", "int")):
            return False
    return True


def _copy(node: ast.AST) -> ast.AST:
    return ast.parse(ast.unparse(node), mode="eval").body
