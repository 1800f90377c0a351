"""Small helpers shared by rules of different families (API name sets, operand access, transposed copies)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from blaslint.analysis.blas_api import constant_int
from blaslint.analysis.dims import is_full_slice
from blaslint.analysis.scopes import SCOPE_TYPES as _SCOPE_TYPES

INVERSE_APIS = {"numpy.linalg.inv", "scipy.linalg.inv", "torch.inverse", "torch.linalg.inv"}
PINV_APIS = {"numpy.linalg.pinv", "scipy.linalg.pinv", "torch.pinverse", "torch.linalg.pinv"}
MATMUL_FUNCS = {"numpy.dot", "numpy.matmul", "torch.matmul", "torch.mm", "torch.mv", "torch.dot"}
ZERO_CREATORS = {"numpy.zeros", "numpy.zeros_like", "torch.zeros", "torch.zeros_like"}
ALLOCATORS = {
    "numpy.zeros", "numpy.empty", "numpy.ones", "numpy.full",
    "numpy.zeros_like", "numpy.empty_like", "numpy.ones_like", "numpy.full_like",
    "torch.zeros", "torch.empty", "torch.ones", "torch.full",
    "torch.zeros_like", "torch.empty_like", "torch.ones_like", "torch.full_like",
}

# Operator precedence, for deciding when a substituted operand needs parentheses.
_PRECEDENCE = {
    ast.Lambda: 1, ast.IfExp: 2, ast.BoolOp: 4, ast.Compare: 6,
    ast.NamedExpr: 0,
}
_BINOP_PRECEDENCE = {
    ast.BitOr: 7, ast.BitXor: 8, ast.BitAnd: 9, ast.LShift: 10, ast.RShift: 10,
    ast.Add: 11, ast.Sub: 11, ast.Mult: 12, ast.MatMult: 12, ast.Div: 12,
    ast.FloorDiv: 12, ast.Mod: 12, ast.Pow: 14,
}
ATOM = 16
POSTFIX = 15  # attribute, call, subscript


def precedence(node: ast.AST) -> int:
    if isinstance(node, ast.BinOp):
        return _BINOP_PRECEDENCE[type(node.op)]
    if isinstance(node, ast.UnaryOp):
        return 5 if isinstance(node.op, ast.Not) else 13
    if isinstance(node, ast.Await):
        return 15
    for t, p in _PRECEDENCE.items():
        if isinstance(node, t):
            return p
    return ATOM


def paren(ctx, node: ast.AST, min_precedence: int) -> str:
    """Source of ``node``, parenthesised if it binds looser than ``min_precedence``.

    Already-parenthesised source (the user's own parens) is left as it is.
    """
    text = ctx.text(node)
    # (the user's own parentheses lie outside the node's span: moved text needs its own)
    if precedence(node) < min_precedence:
        return f"({text})"
    if "\n" in text and precedence(node) < ATOM:
        return f"({text})"
    return text


def fits_in_place(ctx, node: ast.AST, prec: int) -> bool:
    """Can text binding at precedence ``prec`` replace ``node`` without parentheses?"""
    par = ctx.parent(node)
    if _already_parenthesised(ctx, node):
        return True
    if isinstance(par, ast.BinOp):
        p = precedence(par)
        if isinstance(par.op, ast.Pow):
            return prec > p if par.left is node else prec >= 13
        return prec >= p if par.left is node else prec > p
    if isinstance(par, ast.UnaryOp):
        return prec >= precedence(par)
    if isinstance(par, (ast.Attribute, ast.Subscript)) and par.value is node \
            or isinstance(par, ast.Call) and par.func is node or isinstance(par, ast.Await):
        return prec >= POSTFIX
    if isinstance(par, ast.Compare):
        return prec > 6
    if isinstance(par, ast.BoolOp):
        return prec > 4
    return True


def in_place(ctx, node: ast.AST, text: str, prec: int) -> str:
    """``text`` (binding at ``prec``) ready to replace ``node``: parenthesised if its context needs it."""
    return text if fits_in_place(ctx, node, prec) else f"({text})"


def _already_parenthesised(ctx, node) -> bool:
    start, end = ctx.span(node)
    text = ctx.source.text
    before = text[:start].rstrip()
    after = text[end:].lstrip()
    if not (before.endswith("(") and after.startswith(")")):
        return False
    # `f(x)`, `g()(x)`, `a[0](x)`: call parentheses, not grouping ones
    prev = before[:-1].rstrip()[-1:]
    return not (prev.isalnum() or prev in ("_", ")", "]"))


def is_full_index(index: ast.AST) -> bool:
    """``[:]``, ``[...]``, ``[:, :]``: an index that selects every element."""
    items = index.elts if isinstance(index, ast.Tuple) else [index]
    return bool(items) and all(
        is_full_slice(i)
        or (isinstance(i, ast.Constant) and i.value is Ellipsis) for i in items)


def int_constant(node) -> int | None:
    """The int a literal index or axis spells (``2``, ``-1``), else None (a bool is no index)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and type(node.operand.value) is int:
        return -node.operand.value
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def is_number(ctx, expr: ast.AST) -> bool:
    """A literal, or an expression whose facts say 0-D (a number, not an array)."""
    return isinstance(expr, ast.Constant) or ctx.array_facts(expr).rank == 0


def kwarg(call: ast.Call, name: str) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def arg(call: ast.Call, index: int, name: str | None = None) -> ast.AST | None:
    if name is not None:
        v = kwarg(call, name)
        if v is not None:
            return v
    if any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return None
    return call.args[index] if len(call.args) > index else None


def has_star_args(call: ast.Call) -> bool:
    return any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords)


def product_operands(ctx, node: ast.AST) -> tuple[ast.AST, ast.AST] | None:
    """(left, right) of a matrix product: ``a @ b``, ``np.dot(a, b)``, ``np.matmul``, ``a.dot(b)``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        return node.left, node.right
    # a product takes one or two positional arguments and no keywords: most calls stop at the lengths
    if isinstance(node, ast.Call) and not node.keywords and len(node.args) in (1, 2) \
            and not any(isinstance(a, ast.Starred) for a in node.args):
        q = ctx.resolve_call(node)
        if q in MATMUL_FUNCS and len(node.args) == 2 and not node.keywords:
            return node.args[0], node.args[1]
        if q is None and isinstance(node.func, ast.Attribute) and node.func.attr in ("dot", "matmul", "mm", "mv") \
                and len(node.args) == 1 and not node.keywords:
            return node.func.value, node.args[0]
    return None


def is_constant(node: ast.AST, value) -> bool:
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
        return node.value == value and isinstance(node.value, (int, float))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return -node.operand.value == value if isinstance(node.operand.value, (int, float)) else False
    return False


def in_assertion(ctx, node) -> bool:
    """Is ``node`` part of an assertion (``assert``, ``assert_allclose(...)``, ``self.assertEqual(...)``)?

    Tests compute products the slow, obvious way on purpose, as the reference
    a faster code path is checked against; rules leave such reference computations alone.
    """
    for anc in ctx.ancestors(node):
        if isinstance(anc, ast.Assert):
            return True
        if isinstance(anc, ast.Call):
            func = anc.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if "assert" in name.lower():  # assert_allclose, xp_assert_close, self.assertEqual
                return True
        if isinstance(anc, (ast.stmt, *_SCOPE_TYPES)):
            return False
    return False


def in_raises_block(ctx, node) -> bool:
    """Is ``node`` inside ``with pytest.raises(...)`` / ``with assert_raises(...)``?

    There a call is expected to fail: its result (or its writes) never matter.
    """
    for anc in ctx.ancestors(node):
        if isinstance(anc, (ast.With, ast.AsyncWith)):
            for item in anc.items:
                call = item.context_expr
                func = call.func if isinstance(call, ast.Call) else call
                name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                if "raises" in name.lower() or "assert" in name.lower():
                    return True
        if isinstance(anc, _SCOPE_TYPES):
            return False
    return False


# -- transposed copies (BL101, BL302) ---------------------------------------------

_COPY_NAMES = {"copy", "contiguous", "ascontiguousarray", "array"}


@dataclass
class TransposedCopy:
    node: ast.Call      # the copying expression: X.T.copy(), np.ascontiguousarray(X.T), ...
    view: ast.AST       # the transposed view it copies: X.T
    source: ast.AST     # the array that is transposed: X


def _swaps_two_axes(args) -> bool:
    if len(args) == 1 and isinstance(args[0], (ast.Tuple, ast.List)):
        args = args[0].elts
    values = [constant_int(a) if not isinstance(a, ast.UnaryOp) else _negative(a) for a in args]
    return len(values) == 2 and set(values) in ({0, 1}, {-1, -2})


def _negative(node):
    if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, int):
        return -node.operand.value
    return None


def transposed_view_source(ctx, node: ast.AST) -> ast.AST | None:
    """The array ``node`` is a transposed view of: ``X.T``, ``X.transpose()``, ``np.transpose(X)``, ``X.t()``."""
    if isinstance(node, ast.Attribute) and node.attr in ("T", "mT"):
        return node.value
    if isinstance(node, ast.Call) and not node.keywords:
        q = ctx.resolve_call(node)
        if q in ("numpy.transpose", "torch.t") and len(node.args) == 1:
            return node.args[0]
        func = node.func
        if q is None and isinstance(func, ast.Attribute):
            if func.attr == "t" and not node.args:
                return func.value
            if func.attr == "transpose" and (not node.args or _swaps_two_axes(node.args)):
                return func.value
    return None


def transposed_copy(ctx, node: ast.AST) -> TransposedCopy | None:
    """``node`` if it copies a transposed view into a new contiguous array."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if last not in _COPY_NAMES:
        return None  # cheap syntactic filter before resolving names
    q = ctx.resolve_call(node)
    inner = None
    if q is None and isinstance(func, ast.Attribute) and not node.args:
        if func.attr == "copy" and all(k.arg == "order" for k in node.keywords):
            inner = func.value
        elif func.attr == "contiguous" and not node.keywords:
            inner = func.value
    elif q in ("numpy.ascontiguousarray", "numpy.copy") and len(node.args) == 1 and not node.keywords:
        inner = node.args[0]
    elif q == "numpy.array" and len(node.args) == 1 and all(
            k.arg == "copy" and constant_int(k.value) == 1 for k in node.keywords):
        inner = node.args[0]
    if inner is None:
        return None
    source = transposed_view_source(ctx, inner)
    if source is None:
        return None
    rank = ctx.array_facts(source).rank
    if rank is not None and rank != 2:
        return None
    return TransposedCopy(node, inner, source)


# -- buffers in hot loops (BL201, BL204, BL301) --------------------------------------

def hot_loop_buffer_severity(ctx, node: ast.AST, facts, vectorised: bool = True) -> str | None:
    """Severity of a zero-fill or allocation (BL201, BL204, BL301) from where it runs.

    ``"warning"``: a buffer that is not all-small, inside a loop that repeats many times
    (training/solver steps, data, unknown length) whose iteration does vectorised work (no
    nested Python loop), written in one vectorised pass (``vectorised``) -- the per-step
    overhead of the seed port. ``"info"``: outside such a loop (a one-off pass), in an
    iteration dominated by a nested Python loop (10^2-10^4 times the fill), or all-small.
    None: let the cost estimate decide.
    """
    from blaslint.analysis.facts import known_small
    from blaslint.analysis.sizes import loop_context

    loops = loop_context(ctx, node)
    if loops is None or loops.kind == "small" or loops.trips < 10 or known_small(facts):
        return "info"
    inner = loops.innermost.node
    body = getattr(inner, "body", None)
    if isinstance(body, list) and any(
            isinstance(n, (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp,
                           ast.GeneratorExp))
            for stmt in body for n in ast.walk(stmt)):
        return "info"
    return "warning" if vectorised else None


def facts_note(ctx, nodes) -> str:
    """`` (`A` is 2-D of shape (n, n) (creation, line 3); ...)`` for the operands whose rank is known."""
    from blaslint.analysis.evidence import describe_facts

    parts = []
    for node in nodes:
        if node is None:
            continue
        facts = ctx.array_facts(node)
        if facts.rank is None:
            continue
        text = " ".join(ctx.text(node).split())
        part = describe_facts(text if len(text) <= 30 else text[:27] + "...", facts)
        if part not in parts:  # `K @ K`: one note
            parts.append(part)
    return f" ({'; '.join(parts)})" if parts else ""
