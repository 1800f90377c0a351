"""Helpers shared by the algebra rules."""

from __future__ import annotations

import ast

from blaslint.rules._common import product_operands


def _loops_in_scope(ctx, node) -> list:
    from blaslint.analysis.scopes import COMPREHENSION_TYPES, LOOP_TYPES, SCOPE_TYPES

    loops = []
    for anc in ctx.ancestors(node):
        if isinstance(anc, SCOPE_TYPES):
            break
        if isinstance(anc, (*LOOP_TYPES, *COMPREHENSION_TYPES)):
            loops.append(anc)
    return loops


def _used_once_binding(ctx, name: ast.AST, accept_value) -> "object | None":
    """The binding of ``name`` if it is ``name = <value>`` (accepted by ``accept_value``), used only here.

    A use inside a loop or comprehension the binding is not in counts as many uses.
    """
    if not isinstance(name, ast.Name):
        return None
    binding = ctx.reaching_binding(name) or _the_accepted_branch(ctx, name, accept_value)
    if binding is None or binding.kind != "assign" or binding.value is None:
        return None
    stmt = binding.stmt
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 or stmt.targets[0] is not binding.node:
        return None
    if not accept_value(binding.value):
        return None
    uses = ctx.uses(binding)
    if len(uses) != 1 or uses[0] is not name:
        return None
    if any(b.kind == "augassign" and getattr(b.node, "lineno", 0) >= stmt.lineno
           for b in ctx.scope_of(stmt).bindings.get(name.id, [])):
        return None  # `K -= np.diag(np.diag(K))`: the update reads the whole of it, and so does what follows
    bind_loops = _loops_in_scope(ctx, stmt)
    if any(lp not in bind_loops for lp in _loops_in_scope(ctx, name)):
        return None
    return binding


def _the_accepted_branch(ctx, name: ast.Name, accept_value):
    """Of several bindings that may reach ``name`` (``if pseudo: Ai = pinv_fn(a) / else: Ai = inv(a)``), the
    only one ``accept_value`` takes, when all of them are plain assignments before it: on the paths
    through that binding, its value is what is read here."""
    scope = ctx.binding_scope(name)
    if scope is None or scope.node is not ctx.scope_node_of(name) or _loops_in_scope(ctx, name):
        return None  # in a loop, a binding made on one pass (`if it == 1: Vi = inv(V)`) is read on the next
    where = (name.lineno, name.col_offset)
    binds = scope.bindings.get(name.id, [])
    if not any(b.kind == "assign" and b.value is not None and accept_value(b.value) for b in binds):
        return None  # (cheap first: most ambiguous names are no inverse or diagonal at all)
    reaching = [b for b in binds if any(u is name for u in ctx.uses(b))]
    if not reaching or any(b.kind != "assign" or b.value is None or b.stmt is None
                           or (b.stmt.end_lineno, b.stmt.end_col_offset) > where for b in reaching):
        return None
    accepted = [b for b in reaching if accept_value(b.value)]
    return accepted[0] if len(accepted) == 1 else None


def any_soft(ctx, *exprs) -> bool:
    """Does the rank of any of ``exprs`` rest only on soft evidence (a docstring, a runtime
    observation)? Then no fix: the rewrite's equivalence would rest on prose."""
    return any(e is not None and ctx.array_facts(e).soft for e in exprs)


# -- shared by BL402-BL405 -------------------------------------------------------

MATMUL_PREC = 12  # `@`, `*`: same precedence, left-associative


def _rank(ctx, expr) -> int | None:
    return ctx.array_facts(expr).rank


def call_kind(ctx, call: ast.Call) -> str:
    """What a product call is, for telling products apart: its API name, ``.dot`` for a method, or the
    text of a helper's name (``spdot``: a product helper of the package)."""
    q = ctx.resolve_call(call) or _relative_import_call(ctx, call)
    if q:
        return q
    func = call.func
    return f".{func.attr}" if isinstance(func, ast.Attribute) else ctx.text(func)


def _is_product(ctx, node) -> bool:
    return product_operands(ctx, node) is not None


def _is_direct_operand(ctx, node) -> bool:
    """Is ``node`` one of the two factors of the product it sits in (``A @ B``, ``np.dot``, ``A.dot``)?"""
    par = ctx.parent(node)
    if isinstance(par, ast.Attribute) and par.value is node and isinstance(ctx.parent(par), ast.Call) \
            and ctx.parent(par).func is par:
        par = ctx.parent(par)  # the receiver of `A.dot(B)`
    ops = product_operands(ctx, par) if par is not None else None
    return ops is not None and any(op is node for op in ops)


# -- product spellings beyond `@`/`np.dot` -----------------------------------------

# The last name of an imported function that is a matrix product whatever module it
# comes from (`scipy.dot`, `geomstats.backend.matmul`, `jnp.dot`, a project's own `matvec`).
_PRODUCT_FUNC_NAMES = {"dot", "matmul", "matvec", "mm", "mv", "bmm", "multiprod"}
_TRANSPOSE_FUNC_NAMES = {"multitransp", "transpose"}
_CHAIN_FUNC_NAMES = {"multi_dot", "mdot"}


def product_pair(ctx, node) -> tuple[ast.AST, ast.AST] | None:
    """(left, right) of a two-factor matrix product in any spelling the algebra rules know.

    Beyond ``product_operands`` (``@``, ``np.dot``, ``np.matmul``, ``.dot``): ``torch.bmm`` and
    a product imported from elsewhere (``from scipy import dot``, ``gs.matmul``, ``gs.matvec``), and a
    helper of the module or package whose every return is the product of its first two parameters
    (read from its body: a function is trusted for what it is seen to do, not for its name).
    """
    ops = product_operands(ctx, node)
    if ops is not None:
        return ops
    if not isinstance(node, ast.Call) or node.keywords or len(node.args) != 2 \
            or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    q = ctx.resolve_call(node) or _relative_import_call(ctx, node)
    if (not q or q.startswith(".")) and _wraps_product(ctx, node):
        return node.args[0], node.args[1]
    if not q or "." not in q or q.startswith("numpy.") and q not in ("numpy.dot", "numpy.matmul"):
        return None
    if q.startswith("torch.") and q != "torch.bmm":
        return None
    return (node.args[0], node.args[1]) if q.rsplit(".", 1)[1] in _PRODUCT_FUNC_NAMES else None


def _wraps_product(ctx, call: ast.Call) -> bool:
    """Is ``call`` a call of a helper of the module or package that returns the product of its first
    two parameters on every path that returns (``spdot(a, b)``: ``np.dot(a, b)`` for arrays,
    ``(a @ b).toarray()`` for sparse ones, an exception otherwise)?"""
    from blaslint.analysis.summaries import helper_of

    func = call.func
    if not isinstance(func, (ast.Name, ast.Attribute)) or isinstance(func, ast.Attribute) \
            and not isinstance(func.value, ast.Name):
        return False
    # one answer per spelling and binding scope (a file calls the same helper many times)
    key = (ctx.text(func), id(ctx.binding_scope(func if isinstance(func, ast.Name) else func.value)))
    memo = ctx.__dict__.setdefault("_bl_product_calls", {})
    if key not in memo:
        target = helper_of(ctx, func)
        if target is None:
            memo[key] = False
        else:
            hctx, fdef = target
            cache = hctx.__dict__.setdefault("_bl_product_wrappers", {})
            if id(fdef) not in cache:
                cache[id(fdef)] = _returns_product(hctx, fdef)
            memo[key] = cache[id(fdef)]
    return memo[key]


def _returns_product(hctx, fdef) -> bool:
    params = [p.arg for p in [*fdef.args.posonlyargs, *fdef.args.args]]
    if len(params) < 2 or fdef.decorator_list:
        return False
    returns = [n for n in _own_nodes(fdef) if isinstance(n, ast.Return)]
    return bool(returns) and all(r.value is not None and _product_of(hctx, fdef, r.value, params[0], params[1], 0)
                                 for r in returns)


def _own_nodes(fdef):
    stack = list(fdef.body)
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(n))


def _product_of(hctx, fdef, v, a: str, b: str, depth: int) -> bool:
    """``v`` is ``a @ b`` (any product spelling), its ``.toarray()`` / ``np.asarray``, or a local name
    every assignment of which is one of those."""
    if depth > 3:
        return False
    ops = product_operands(hctx, v)
    if ops is not None:
        return isinstance(ops[0], ast.Name) and ops[0].id == a and isinstance(ops[1], ast.Name) and ops[1].id == b
    if isinstance(v, ast.Call) and not v.keywords:
        if isinstance(v.func, ast.Attribute) and v.func.attr == "toarray" and not v.args:
            return _product_of(hctx, fdef, v.func.value, a, b, depth + 1)
        if hctx.resolve_call(v) in ("numpy.asarray", "numpy.array") and len(v.args) == 1:
            return _product_of(hctx, fdef, v.args[0], a, b, depth + 1)
        return False
    if isinstance(v, ast.Name) and v.id not in (a, b):
        values = [n.value for n in _own_nodes(fdef) if isinstance(n, ast.Assign)
                  for t in n.targets if isinstance(t, ast.Name) and t.id == v.id]
        others = [n for n in _own_nodes(fdef) if isinstance(n, (ast.AugAssign, ast.AnnAssign, ast.For, ast.With))
                  and any(isinstance(t, ast.Name) and t.id == v.id for t in ast.walk(getattr(n, "target", n)))]
        if not values or others:
            return False
        products = [_product_of(hctx, fdef, x, a, b, depth + 1) for x in values]
        return any(products) and all(p or _is_conversion_of(x, v.id) for p, x in zip(products, values))
    return False


def _is_conversion_of(x, name: str) -> bool:
    """``ab = ab.toarray()``: the same product, densified."""
    return isinstance(x, ast.Call) and isinstance(x.func, ast.Attribute) and x.func.attr == "toarray" \
        and isinstance(x.func.value, ast.Name) and x.func.value.id == name and not x.args


def chain_factors(ctx, node) -> list | None:
    """The factors of an n-ary product call: ``np.linalg.multi_dot([A, B, C])`` (any module's
    ``multi_dot``), ``Matrices.mul(A, B, C)``; None for anything else."""
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    func = node.func
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if isinstance(func, ast.Name) and last not in _CHAIN_FUNC_NAMES:
        imported = ctx.imports.qualname(last) or ""  # `from numpy.linalg import multi_dot as md`
        last = imported.rpartition(".")[2]
    if last not in _CHAIN_FUNC_NAMES and last != "mul":
        return None  # most calls: no resolving needed (the name as written ends the spelling)
    q = ctx.resolve_call(node) or _relative_import_call(ctx, node)
    if not q or "." not in q:
        return None
    last = q.rsplit(".", 1)[1]
    if last in _CHAIN_FUNC_NAMES and len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple)):
        elts = node.args[0].elts
    elif q.endswith("Matrices.mul") and len(node.args) >= 2:
        elts = node.args
    else:
        return None
    if len(elts) < 2 or any(isinstance(e, ast.Starred) for e in elts):
        return None
    return list(elts)


def _relative_import_call(ctx, call: ast.Call) -> str | None:
    """``.util.multi_dot`` for ``util.multi_dot(...)`` / ``multi_dot(...)`` imported from the
    package itself (``from .. import util``, ``from .helpers import matvec``)."""
    func = call.func
    head = func
    while isinstance(head, ast.Attribute):
        head = head.value
    if not isinstance(head, ast.Name):
        return None
    scope = ctx.binding_scope(head)
    bindings = scope.bindings.get(head.id, []) if scope is not None else []
    if not bindings or not all(b.kind == "import" and isinstance(b.stmt, ast.ImportFrom) and b.stmt.level
                               for b in bindings):
        return None
    return "." + ctx.text(func)


def is_factor(ctx, node) -> bool:
    """Is ``node`` a factor of the product it sits in, in any spelling (two-factor or n-ary)?"""
    par = ctx.parent(node)
    if isinstance(par, ast.Attribute) and par.value is node and isinstance(ctx.parent(par), ast.Call) \
            and ctx.parent(par).func is par:
        par = ctx.parent(par)  # the receiver of `A.dot(B)`
    if par is None:
        return False
    ops = product_pair(ctx, par)
    if ops is not None:
        return any(op is node for op in ops)
    if isinstance(par, (ast.List, ast.Tuple)):
        par = ctx.parent(par)
    factors = chain_factors(ctx, par) if par is not None else None
    return factors is not None and any(f is node for f in factors)


def transposed_operand(ctx, node) -> ast.AST | None:
    """The array ``node`` transposes: ``X.T``, ``X.transpose()``, ``np.transpose(X)``, a project's
    ``multitransp(X)`` (the last two axes of a stack)."""
    from blaslint.rules._common import transposed_view_source

    src = transposed_view_source(ctx, node)
    if src is not None:
        return src
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        q = ctx.resolve_call(node) or _relative_import_call(ctx, node)
        if q and q.rsplit(".", 1)[-1] == "multitransp":
            return node.args[0]
    return None


def twin_keys(ctx, node, pure) -> tuple | None:
    """(key of ``L @ R``, key of its transpose ``R^T @ L^T``) in one vocabulary, or None when an
    operand is not pure: two products whose keys cross are transposes of each other."""
    from blaslint.analysis.structure import structure_key

    ops = product_pair(ctx, node)
    if ops is None:
        return None
    okeys = []
    for op in ops:
        inner = transposed_operand(ctx, op)
        base = inner if inner is not None else op
        if not pure(base):
            return None
        okeys.append(("T", structure_key(base)) if inner is not None else structure_key(base))
    if isinstance(node, ast.BinOp):
        kind = "@"
    else:
        kind = call_kind(ctx, node).rsplit(".", 1)[-1]

    def flip(k):
        return k[1] if isinstance(k, tuple) and len(k) == 2 and k[0] == "T" else ("T", k)

    scope = id(ctx.scope_node_of(node))
    return (scope, kind, okeys[0], okeys[1]), (scope, kind, flip(okeys[1]), flip(okeys[0]))


def _factors(ctx, node, depth: int = 0) -> list:
    """The factors of a product in any spelling, flattened (``A.T.dot(W).dot(A)``: [A.T, W, A])."""
    if depth > 4:
        return [node]
    chain = chain_factors(ctx, node)
    if chain is not None:
        return [f for part in chain for f in _factors(ctx, part, depth + 1)]
    ops = product_pair(ctx, node)
    if ops is None:
        return [node]
    return _factors(ctx, ops[0], depth + 1) + _factors(ctx, ops[1], depth + 1)


def holds_gram(ctx, expr) -> bool:
    """A Gram product, or a sum with one (``M.T @ M + lam * L``: regularised normal equations)."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub)):
        return holds_gram(ctx, expr.left) or holds_gram(ctx, expr.right)
    return gram_text(ctx, expr) is not None


def gram_text(ctx, expr, depth: int = 0) -> str | None:
    """The source of the Gram product ``expr`` is (``X.T @ X``, ``A @ A.T``, ``X.T @ W @ X``, a
    ``spdot(h.T, h)`` helper, divided by a number), following a name to its one assignment; else None.

    A Gram matrix of an m x k matrix is k x k with k <= m, or it is singular: forming it costs
    O(m k^2) >= O(k^3), as much as its inverse. A regularised one (``X.T @ X + lam * I``) is not
    one: its size is not bounded by the other dimension.
    """
    if depth > 2:
        return None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div) and (
            isinstance(expr.right, ast.Constant) or ctx.array_facts(expr.right).rank == 0):
        return gram_text(ctx, expr.left, depth + 1)
    if isinstance(expr, ast.Name):
        binding = ctx.reaching_binding(expr)
        if binding is None or binding.kind != "assign" or binding.value is None \
                or not isinstance(binding.stmt, ast.Assign) or len(binding.stmt.targets) != 1:
            return None
        return gram_text(ctx, binding.value, depth + 1)
    factors = _factors(ctx, expr)
    if len(factors) < 2:
        return None
    first, last = factors[0], factors[-1]
    t_first, t_last = transposed_operand(ctx, first), transposed_operand(ctx, last)
    from blaslint.analysis.structure import same_structure

    if (t_first is not None) == (t_last is not None):
        return None  # `A @ A` or `A.T @ B.T`: no Gram product
    inner = t_first if t_first is not None else t_last
    other = last if t_first is not None else first
    if not same_structure(inner, other):
        return None
    return ctx.text(expr)
