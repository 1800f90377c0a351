"""Is the argument of ``np.diag(d)`` a vector (so the call builds a diagonal matrix)?

``np.diag`` of a 1-D array builds a matrix, of a 2-D one extracts a diagonal: BL402 reports only
when ``d`` is shown to be 1-D. The evidence, each with the words a message uses: the facts say
so; a list of scalars; a concatenation with such a list; an elementwise function of a vector;
the spectrum of a decomposition (``w`` of ``eigh``, ``s`` of ``svd``: 1-D for one matrix);
a slice of a vector; a name bound to any of these.
"""

from __future__ import annotations

import ast

_SPECTRUM = {  # decomposition -> position of its spectrum in the result tuple
    "numpy.linalg.eigh": 0, "numpy.linalg.eig": 0, "numpy.linalg.svd": 1,
    "scipy.linalg.eigh": 0, "scipy.linalg.eig": 0, "scipy.linalg.svd": 1,
    "torch.linalg.eigh": 0, "torch.linalg.eig": 0, "torch.linalg.svd": 1, "torch.svd": 1,
}
_SPECTRUM_ONLY = {"numpy.linalg.eigvalsh", "numpy.linalg.eigvals", "scipy.linalg.eigvalsh",
                  "scipy.linalg.eigvals", "scipy.linalg.svdvals", "torch.linalg.eigvalsh",
                  "torch.linalg.svdvals", "numpy.linalg.svd_values"}
_ELEMENTWISE = {"sqrt", "exp", "log", "abs", "absolute", "sign", "square", "reciprocal", "real", "conj",
                "log1p", "expm1", "sin", "cos", "clip", "maximum", "minimum", "where", "power", "float_power"}
_CONCAT = {"numpy.concatenate", "numpy.hstack", "numpy.append", "numpy.r_", "torch.cat", "torch.hstack"}
MAX_DEPTH = 6


def vector_evidence(ctx, d: ast.AST, depth: int = 0) -> str | None:
    """Why ``d`` is 1-D (words for a message), or None when that is not shown."""
    if depth > MAX_DEPTH or d is None:
        return None
    f = ctx.array_facts(d)
    if f.rank is not None:
        return f"`{_short(ctx, d)}` is 1-D" if f.rank == 1 else None
    if isinstance(d, (ast.List, ast.Tuple)):
        return "a list of scalars" if _flat_literal(ctx, d) else None
    if isinstance(d, ast.UnaryOp):
        return vector_evidence(ctx, d.operand, depth + 1)
    if isinstance(d, ast.BinOp) and not isinstance(d.op, ast.MatMult):
        for vec, other in ((d.left, d.right), (d.right, d.left)):
            if _scalar(ctx, other):
                why = vector_evidence(ctx, vec, depth + 1)
                if why:
                    return why
        return None
    if isinstance(d, ast.Subscript):
        base = d.value
        if ctx.qualname(base) == "numpy.r_":
            return _concat_evidence(ctx, d.slice.elts if isinstance(d.slice, ast.Tuple) else [d.slice], depth)
        if isinstance(d.slice, ast.Tuple):
            return None
        why = vector_evidence(ctx, base, depth + 1)
        return f"a part of a vector ({why})" if why else None  # a 0-D part would make np.diag raise
    if isinstance(d, ast.Call):
        return _call_evidence(ctx, d, depth)
    if isinstance(d, ast.Name):
        return _name_evidence(ctx, d, depth)
    return None


def _call_evidence(ctx, call: ast.Call, depth: int) -> str | None:
    q = ctx.resolve_call(call)
    if q in _SPECTRUM_ONLY:
        return f"`{_short(ctx, call)}` is the spectrum of a matrix (1-D)"
    if q in ("numpy.linalg.svd", "scipy.linalg.svd") and any(
            k.arg == "compute_uv" and isinstance(k.value, ast.Constant) and k.value.value is False
            for k in call.keywords):
        return f"`{_short(ctx, call)}` is the spectrum of a matrix (1-D)"
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
    if binding is None or binding.kind != "assign" or not isinstance(binding.stmt, ast.Assign) \
            or len(binding.stmt.targets) != 1:
        return None
    target, value = binding.stmt.targets[0], binding.stmt.value
    if target is binding.node:
        return vector_evidence(ctx, value, depth + 1)
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, ast.Call):
        q = ctx.resolve_call(value)
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
