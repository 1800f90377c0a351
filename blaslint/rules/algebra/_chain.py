"""The arithmetic of BL404: a chain's operands as written, its cost in an order, the cheapest order."""

from __future__ import annotations

import ast
from typing import NamedTuple

from blaslint.rules._common import product_operands
from blaslint.rules.algebra._products import _used_once_binding


# Dims tried for a symbolic size when comparing orders: a chain is flagged only
# if its written order is costlier by the threshold at every one of them.
_SAMPLE_DIMS = (16, 256, 4096)
CHAIN_THRESHOLD = 2.0


class _Chain(NamedTuple):
    leaves: list          # operand nodes, left to right
    tree: object          # nested (left, right) tuples of leaf indices, as written
    nodes: list           # the product nodes of the chain
    via: list             # bindings of names the chain was followed through (no fix then)


MAX_CHAIN_DEPTH = 64


def _flatten_chain(ctx, node, follow_names: bool = False) -> _Chain:
    leaves: list = []
    nodes: list = []
    via: list = []

    def walk(n, depth=0):
        ops = product_operands(ctx, n)
        if ops is None and follow_names and depth <= MAX_CHAIN_DEPTH:
            binding = _used_once_binding(ctx, n, lambda v: product_operands(ctx, v) is not None)
            if binding is not None:  # `P = inv(G) @ M.T` ... `P @ data`: one chain, written in two lines
                via.append(binding)
                return walk(binding.value, depth + 1)
        if ops is None or depth > MAX_CHAIN_DEPTH:  # deeper: an opaque operand, not a RecursionError
            leaves.append(n)
            return len(leaves) - 1
        nodes.append(n)
        left = walk(ops[0], depth + 1)
        right = walk(ops[1], depth + 1)
        return (left, right)

    tree = walk(node)
    return _Chain(leaves, tree, nodes, via)


def _left_nested(tree) -> bool:
    """``((0, 1), 2)``: the order NumPy takes for an unparenthesised chain."""
    while isinstance(tree, tuple):
        if not isinstance(tree[1], int):
            return False
        tree = tree[0]
    return True


def _dims(ctx, leaf, rank):
    """(rows, cols) of a chain operand: a 1-D vector is a row on the left end, a column on the right."""
    shape = ctx.array_facts(leaf).shape
    if shape is None or len(shape) != rank:
        return None
    return tuple(shape)


def _eval_dim(d, env):
    if isinstance(d, int):
        return d
    return env.get(d)


def _cost(tree, dims, env) -> tuple[float, tuple]:
    """(flops, (rows, cols)) of evaluating ``tree`` with the given operand dims."""
    if isinstance(tree, int):
        r, c = dims[tree]
        return 0.0, (_eval_dim(r, env), _eval_dim(c, env))
    cl, (m, k) = _cost(tree[0], dims, env)
    cr, (_, p) = _cost(tree[1], dims, env)
    return cl + cr + float(m) * k * p, (m, p)


def _optimal(dims_num) -> tuple[float, object]:
    """Classic matrix-chain dynamic programme: (cost, tree) of the cheapest order."""
    n = len(dims_num)
    p = [dims_num[0][0]] + [d[1] for d in dims_num]
    best = [[(0.0, i) if i == j else None for j in range(n)] for i in range(n)]
    for length in range(2, n + 1):
        for i in range(n - length + 1):
            j = i + length - 1
            cand = None
            for k in range(i, j):
                c = best[i][k][0] + best[k + 1][j][0] + float(p[i]) * p[k + 1] * p[j + 1]
                if cand is None or c < cand[0]:
                    cand = (c, (best[i][k][1], best[k + 1][j][1]))
            best[i][j] = cand
    return best[0][n - 1]


def _vector_first_tree(n, from_left):
    if from_left:
        tree = 0
        for i in range(1, n):
            tree = (tree, i)
        return tree
    tree = n - 1
    for i in range(n - 2, -1, -1):
        tree = (i, tree)
    return tree


def _assignments(symbols):
    if not symbols:
        yield ()
        return
    import itertools

    yield from itertools.product(_SAMPLE_DIMS, repeat=len(symbols))


def inside(leaf, node) -> bool:
    """``leaf`` is written in ``node`` (not reached through a name: `X_X @ beta_hat` is a matvec)."""
    return any(n is leaf for n in ast.walk(node))


def prefix_needed_elsewhere(ctx, node) -> bool:
    """``mu = Ks.T @ K_inv @ y`` beside ``cov = Kss - Ks.T @ K_inv @ Ks``: the matrix-matrix product the
    written order forms is wanted again in the same function (BL405 binds it once), so multiplying the
    vector first saves nothing."""
    prefix = node.left if isinstance(node, ast.BinOp) else None
    if not (isinstance(prefix, ast.BinOp) and isinstance(prefix.op, ast.MatMult)):
        return False
    scope = ctx.scope_node_of(node)
    want = ast.dump(prefix)
    names = {n.id for n in ast.walk(prefix) if isinstance(n, ast.Name)}
    for other in ast.walk(scope):
        if other is prefix or not (isinstance(other, ast.BinOp) and isinstance(other.op, ast.MatMult)) \
                or ast.dump(other) != want:
            continue
        lo, hi = sorted((other.lineno, prefix.lineno))
        if not _written_between(scope, names, lo, hi):
            return True  # the same operands: one product serves both
    return False


def _written_between(scope, names: set, lo: int, hi: int) -> bool:
    """Is any of ``names`` assigned, updated or written into on lines ``lo``..``hi`` (``S_inv -= ...``)?"""
    for n in ast.walk(scope):
        if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and lo <= n.lineno <= hi:
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            for t in targets:
                for sub in ast.walk(t):
                    if isinstance(sub, ast.Name) and sub.id in names:
                        return True
    return False
