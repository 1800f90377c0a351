"""Is the argument of ``np.diag(d)`` a vector (so the call builds a diagonal matrix)?

``np.diag`` of a 1-D array builds a matrix, of a 2-D one extracts a diagonal: BL402 reports only
when ``d`` is shown to be 1-D. The evidence, each with the words a message uses: the facts say
so; a list of scalars; a concatenation with such a list; an elementwise function of a vector;
the spectrum of a decomposition (``w`` of ``eigh``, ``s`` of ``svd``: 1-D for one matrix);
a slice of a vector; a name bound to any of these.
"""

from __future__ import annotations

import ast
import re

from blaslint.analysis.evidence import describe_facts

_SPECTRUM = {  # decomposition -> position of its spectrum in the result tuple
    "numpy.linalg.eigh": 0, "numpy.linalg.eig": 0, "numpy.linalg.svd": 1,
    "scipy.linalg.eigh": 0, "scipy.linalg.eig": 0, "scipy.linalg.svd": 1,
    "torch.linalg.eigh": 0, "torch.linalg.eig": 0, "torch.linalg.svd": 1, "torch.svd": 1,
}
_SPECTRUM_ONLY = {"numpy.linalg.eigvalsh", "numpy.linalg.eigvals", "scipy.linalg.eigvalsh",
                  "scipy.linalg.eigvals", "scipy.linalg.svdvals", "torch.linalg.eigvalsh",
                  "torch.linalg.svdvals", "numpy.linalg.svd_values"}
_ELEMENTWISE = {"sqrt", "exp", "log", "abs", "absolute", "sign", "square", "reciprocal", "real", "conj",
                "log1p", "expm1", "sin", "cos", "tan", "tanh", "arctan", "arcsin", "arccos", "clip", "maximum",
                "minimum", "where", "power", "float_power", "negative", "positive", "round"}
_MATRIX_FACTORS = {  # decomposition -> positions of its matrix outputs
    "numpy.linalg.qr": (0, 1), "numpy.linalg.svd": (0, 2), "numpy.linalg.eigh": (1,), "numpy.linalg.eig": (1,),
    "scipy.linalg.qr": (0, 1), "scipy.linalg.svd": (0, 2), "scipy.linalg.eigh": (1,), "scipy.linalg.eig": (1,),
}
_CONCAT = {"numpy.concatenate", "numpy.hstack", "numpy.append", "numpy.r_", "torch.cat", "torch.hstack"}
MAX_DEPTH = 6
_NUMPY_ALIKES = ("autograd.numpy.", "jax.numpy.", "cupy.")


def numpy_name(q: str | None) -> str | None:
    """``autograd.numpy.linalg.svd`` -> ``numpy.linalg.svd``: work-alikes with numpy's semantics."""
    if q:
        for prefix in _NUMPY_ALIKES:
            if q.startswith(prefix):
                return "numpy." + q[len(prefix):]
    return q


def vector_evidence(ctx, d: ast.AST, depth: int = 0) -> str | None:
    """Why ``d`` is 1-D (words for a message), or None when that is not shown."""
    if depth > MAX_DEPTH or d is None:
        return None
    f = ctx.array_facts(d)
    if f.rank is not None:
        return describe_facts(_short(ctx, d), f) if f.rank == 1 else None
    if isinstance(d, (ast.List, ast.Tuple)):
        return "a list of scalars" if _flat_literal(ctx, d) else None
    if isinstance(d, ast.UnaryOp):
        return vector_evidence(ctx, d.operand, depth + 1)
    if isinstance(d, ast.BinOp) and isinstance(d.op, ast.MatMult):
        return _matvec_evidence(ctx, d.left, d.right)
    if isinstance(d, ast.BinOp):
        for vec, other in ((d.left, d.right), (d.right, d.left)):
            if _scalar(ctx, other):
                why = vector_evidence(ctx, vec, depth + 1)
                if why:
                    return why
        return None
    if isinstance(d, ast.Subscript):
        base = d.value
        if numpy_name(ctx.qualname(base)) == "numpy.r_":
            return _concat_evidence(ctx, d.slice.elts if isinstance(d.slice, ast.Tuple) else [d.slice], depth)
        if isinstance(d.slice, ast.Tuple):
            return None
        why = vector_evidence(ctx, base, depth + 1)
        return f"a part of a vector ({why})" if why else None  # a 0-D part would make np.diag raise
    if isinstance(d, ast.Call):
        return _call_evidence(ctx, d, depth)
    if isinstance(d, ast.Name):
        return _name_evidence(ctx, d, depth) or _conventional_vector(ctx, d)
    if isinstance(d, ast.Attribute):
        return _conventional_vector(ctx, d)
    return None


# A spectrum or a vector of weights, by name: `eigenvalues`, `evals`, `eigs`, `singular_values`, `weights`,
# `weights_mean` (pykalman's sigma points), `sqrt_weights`. A matrix of weights is `W`; nobody calls one
# `weights_covariance` and takes its diagonal to multiply by it.
_VECTOR_NAME = re.compile(r"^(eig(en)?_?val(ue)?s|eigs|evals|e_vals|sing(ular)?_?val(ue)?s|svals|"
                          r"(sqrt_)?weights(_\w+)?|\w+_weights)$")


def _conventional_vector(ctx, d) -> str | None:
    """Why a name or an attribute of unknown rank is read as 1-D: its name (soft: never a fix)."""
    name = d.id if isinstance(d, ast.Name) else d.attr
    if not _VECTOR_NAME.match(name) or ctx.array_facts(d).rank is not None:
        return None
    return f"`{_short(ctx, d)}` is 1-D {BY_NAME} (its rank is not known)"


BY_NAME = "by the convention of its name"  # the words of a rank that rests on a name alone


def _call_evidence(ctx, call: ast.Call, depth: int) -> str | None:
    q = numpy_name(ctx.resolve_call(call))
    if q in _SPECTRUM_ONLY:
        return f"`{_short(ctx, call)}` is the spectrum of a matrix (1-D)"
    if q in ("numpy.linalg.svd", "scipy.linalg.svd") and any(
            k.arg == "compute_uv" and isinstance(k.value, ast.Constant) and k.value.value is False
            for k in call.keywords):
        return f"`{_short(ctx, call)}` is the spectrum of a matrix (1-D)"
    if q == "numpy.diag" and len(call.args) == 1 and not call.keywords and _matrix_evidence(ctx, call.args[0]):
        return f"`{_short(ctx, call)}` is the diagonal of a matrix"
    if q in ("numpy.dot", "numpy.matmul") and len(call.args) == 2 and not call.keywords:
        return _matvec_evidence(ctx, call.args[0], call.args[1])
    size = next((k.value for k in call.keywords if k.arg == "size"), None)
    if size is not None and (q or "").startswith("numpy.random.") and not isinstance(size, (ast.Tuple, ast.List)) \
            and (_number(size) or ctx.array_facts(size).rank == 0):
        return f"`{_short(ctx, call)}` draws a 1-D sample (`size` is a number)"
    if q == "numpy.append" and len(call.args) == 2 and not call.keywords:
        return "`np.append` without an axis returns a flat array"
    if q in _CONCAT and call.args:
        first = call.args[0]
        pieces = first.elts if q in ("numpy.concatenate", "torch.cat", "numpy.hstack", "torch.hstack") \
            and isinstance(first, (ast.List, ast.Tuple)) else call.args[:2] if q == "numpy.append" else None
        return _concat_evidence(ctx, pieces, depth) if pieces else None
    if q and (q.startswith(("numpy.", "torch.")) and q.rsplit(".", 1)[1] in _ELEMENTWISE):
        args = call.args[1:] if q.endswith(".where") else call.args
        vec = [a for a in args if not _scalar(ctx, a)]
        if vec and len(vec) <= len(args):
            whys = [vector_evidence(ctx, a, depth + 1) for a in vec]
            if whys and all(whys):
                return whys[0]
    return None


def _name_evidence(ctx, name: ast.Name, depth: int) -> str | None:
    binding = ctx.reaching_binding(name)
    if binding is None or binding.kind == "param":
        return documented_vector(ctx, name)
    if binding.kind != "assign" or not isinstance(binding.stmt, ast.Assign) or len(binding.stmt.targets) != 1:
        return None
    target, value = binding.stmt.targets[0], binding.stmt.value
    if target is binding.node:
        return vector_evidence(ctx, value, depth + 1)
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, ast.Call):
        q = numpy_name(ctx.resolve_call(value))
        if q is None and isinstance(value.func, ast.Attribute) and value.func.attr == "svd" and not value.args:
            q = "torch.svd" if ctx.array_facts(value.func.value).lib in ("torch", None) else None
        pos = _SPECTRUM.get(q)
        if pos is not None and len(target.elts) > pos and target.elts[pos] is binding.node \
                and not any(k.arg in ("compute_uv",) for k in value.keywords):
            return f"`{name.id}` is the spectrum of `{_short(ctx, value)}` (1-D for one matrix)"
    return None


def _concat_evidence(ctx, pieces, depth: int) -> str | None:
    """A concatenation is 1-D when one piece is (all pieces share their rank)."""
    for p in pieces or ():
        if isinstance(p, (ast.List, ast.Tuple)) and _flat_literal(ctx, p) or _scalar(ctx, p) \
                and not isinstance(p, ast.Name):
            return "a concatenation with a list of scalars"
        if isinstance(p, ast.Name) or isinstance(p, ast.Call):
            why = vector_evidence(ctx, p, depth + 1)
            if why:
                return why
    return None


def _flat_literal(ctx, node) -> bool:
    """``[1, 1, det]``: no nested sequences, and a number among the elements (so every element is a
    scalar: a list mixing numbers and arrays is ragged and raises)."""
    elts = node.elts
    if not elts or any(isinstance(e, (ast.List, ast.Tuple, ast.Starred, ast.ListComp, ast.Set, ast.Dict))
                       for e in elts):
        return False
    return any(_number(e) for e in elts) or all(ctx.array_facts(e).rank == 0 for e in elts)


def _number(e) -> bool:
    if isinstance(e, ast.UnaryOp):
        e = e.operand
    return isinstance(e, ast.Constant) and isinstance(e.value, (int, float)) and not isinstance(e.value, bool)


def _scalar(ctx, e) -> bool:
    return _number(e) or ctx.array_facts(e).rank == 0


def _short(ctx, node) -> str:
    text = ctx.text(node)
    return text if len(text) <= 40 else text[:37] + "..."


# -- a parameter's documented shape (until the shape engine reads docstrings) -----------------

_DOC_SHAPE = re.compile(r"\(([^()]*)\)")


def documented_rank(ctx, name: ast.Name) -> tuple[int, int] | None:
    """(rank, docstring line) of a parameter documented numpydoc-style (``sig : array (g, )``,
    ``evals : (3,) ndarray``, ``w : ndarray of shape (n,)``); soft evidence: never fixed on."""
    scope_node = ctx.scope_node_of(name)
    if not isinstance(scope_node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    params = {a.arg for a in [*scope_node.args.posonlyargs, *scope_node.args.args, *scope_node.args.kwonlyargs]}
    if name.id not in params:
        return None
    doc = ast.get_docstring(scope_node, clean=False)
    if not doc or not scope_node.body or not isinstance(scope_node.body[0], ast.Expr):
        return None
    first = scope_node.body[0].lineno
    for i, line in enumerate(doc.splitlines()):
        head, sep, rest = line.strip().partition(":")
        if not sep or name.id not in [h.strip() for h in head.split(",")]:
            continue
        m = _DOC_SHAPE.search(rest)
        if m is None:
            return None
        dims = [x for x in (p.strip() for p in m.group(1).split(",")) if x]
        return (len(dims), first + i) if dims and len(dims) <= 4 else None
    return None


def documented_vector(ctx, name: ast.Name) -> str | None:
    """Why a parameter (or a name only rebound to itself or a default) is 1-D by its docstring."""
    got = documented_rank(ctx, name)
    if got is None or got[0] != 1:
        return None
    scope = ctx.scope_of(name)
    for b in scope.bindings.get(name.id, []):
        if b.kind == "param":
            continue
        if b.kind != "assign" or b.value is None:
            return None
        v = b.value
        same = isinstance(v, ast.Call) and v.args and isinstance(v.args[0], ast.Name) and v.args[0].id == name.id \
            and ctx.resolve_call(v) in ("numpy.asarray", "numpy.array", "numpy.asanyarray")
        if not same and vector_evidence(ctx, v, MAX_DEPTH - 1) is None and not isinstance(v, ast.Name):
            return None
    return f"`{name.id}` is 1-D (docstring, line {got[1]})"


def rank_of(ctx, expr) -> int | None:
    """The rank from the facts, else from a parameter's docstring."""
    r = ctx.array_facts(expr).rank
    if r is None and isinstance(expr, ast.Name):
        doc = documented_rank(ctx, expr)
        if doc is not None and ctx.reaching_binding(expr) in (None,) or doc is not None and \
                ctx.reaching_binding(expr).kind == "param":
            r = doc[0]
    if r is None and isinstance(expr, ast.Attribute) and expr.attr in ("T", "mT"):
        r = rank_of(ctx, expr.value)
    return r


def _matvec_evidence(ctx, a, b) -> str | None:
    """A matrix times a vector (either side) is a vector."""
    ra, rb = rank_of(ctx, a), rank_of(ctx, b)
    if {ra, rb} == {1, 2}:
        return f"`{_short(ctx, a)} @ {_short(ctx, b)}` is a matrix times a vector"
    return None


def _matrix_evidence(ctx, m) -> bool:
    """Is ``m`` a matrix: 2-D facts or docstring, or a matrix factor of a decomposition (``r`` of ``qr``)?"""
    if rank_of(ctx, m) == 2:
        return True
    if not isinstance(m, ast.Name):
        return False
    binding = ctx.reaching_binding(m)
    if binding is None or binding.kind != "assign" or not isinstance(binding.stmt, ast.Assign):
        return False
    target, value = binding.stmt.targets[0], binding.stmt.value
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, ast.Call):
        pos = _MATRIX_FACTORS.get(numpy_name(ctx.resolve_call(value)), ())
        return any(i < len(target.elts) and target.elts[i] is binding.node for i in pos) \
            and rank_of(ctx, value.args[0]) in (None, 2) if value.args else False
    return False


def diag_helper(ctx, call: ast.Call, builders) -> tuple[ast.AST, str | None] | None:
    """(vector, why) for a call of a helper of this package that builds a diagonal matrix of its argument.

    Either ``return np.diag(v)`` (``why`` None: the argument's rank decides, as for ``np.diag``), or a
    zero square matrix whose only writes are ``m[i, i] = v[i]`` in a loop, returned (``why`` says so:
    such a helper builds a diagonal matrix whatever it is given, or raises).
    """
    from blaslint.analysis.summaries import helper_of

    if len(call.args) != 1 or call.keywords or isinstance(call.args[0], ast.Starred):
        return None
    found = helper_of(ctx, call.func)
    if found is None:
        return None
    hctx, fn = found
    params = [*fn.args.posonlyargs, *fn.args.args]
    body = [st for st in fn.body if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant))]
    if len(params) != 1 or not body or not isinstance(body[-1], ast.Return):
        return None
    v = params[0].arg
    ret = body[-1].value
    if len(body) == 1:
        if isinstance(ret, ast.Call) and hctx.resolve_call(ret) in builders and len(ret.args) == 1 \
                and not ret.keywords and isinstance(ret.args[0], ast.Name) and ret.args[0].id == v:
            return call.args[0], None
        return None
    if len(body) == 3 and _diagonal_fill(hctx, body, v):
        where = f"line {fn.lineno}" if hctx is ctx else f"{hctx.path.rsplit('/', 1)[-1]}, line {fn.lineno}"
        return call.args[0], f"`{fn.name}()` ({where}) writes only the diagonal of a zero matrix"
    return None


def _diagonal_fill(hctx, body, v: str) -> bool:
    """``m = zeros((len(v), len(v))); for i in ...: m[i, i] = v[i]; return m``."""
    make, loop, ret = body
    if not (isinstance(make, ast.Assign) and len(make.targets) == 1 and isinstance(make.targets[0], ast.Name)):
        return False
    m = make.targets[0].id
    if numpy_name(hctx.resolve_call(make.value) if isinstance(make.value, ast.Call) else None) != "numpy.zeros":
        return False
    shape = make.value.args[0] if make.value.args else None
    if not (isinstance(shape, ast.Tuple) and len(shape.elts) == 2
            and ast.dump(shape.elts[0]) == ast.dump(shape.elts[1])):
        return False
    if not (isinstance(ret.value, ast.Name) and ret.value.id == m):
        return False
    if not (isinstance(loop, ast.For) and isinstance(loop.target, ast.Name) and len(loop.body) == 1
            and not loop.orelse and isinstance(loop.body[0], ast.Assign)):
        return False
    i = loop.target.id
    st = loop.body[0]
    tgt = st.targets[0] if len(st.targets) == 1 else None
    if not (isinstance(tgt, ast.Subscript) and isinstance(tgt.value, ast.Name) and tgt.value.id == m
            and isinstance(tgt.slice, ast.Tuple) and len(tgt.slice.elts) == 2
            and all(isinstance(e, ast.Name) and e.id == i for e in tgt.slice.elts)):
        return False
    val = st.value
    return (isinstance(val, ast.Subscript) and isinstance(val.value, ast.Name) and val.value.id == v
            and isinstance(val.slice, ast.Name) and val.slice.id == i)
