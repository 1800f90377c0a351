"""What the enclosing function's docstring says about its parameters (numpydoc, Google, Sphinx).

``X : ndarray of shape (n_samples, n_features)``, ``y : (N,) array``,
``x : array_like, shape (n,)``, ``A : (M, M) ndarray``, ``d : 1-D array``,
``alpha : float`` (a scalar). Dimension names become symbolic dims. A type with
``or`` between different ranks says nothing. An ``__init__``'s parameters may
be documented in its class's docstring. Evidence of kind "docstring" is soft:
code evidence overrides it, and no fix rests on it.
"""

from __future__ import annotations

import ast
import re

from blaslint.analysis.evidence import Evidence

_NUMPYDOC_HEADERS = {"parameters", "other parameters", "args", "arguments", "keyword arguments", "attributes"}
_GOOGLE_HEADER = re.compile(r"^\s*(Args|Arguments|Parameters|Params|Keyword Args|Keyword Arguments):\s*$")
_NUMPYDOC_ENTRY = re.compile(r"^(\s*)(\*{0,2}[A-Za-z_][\w]*(?:\s*,\s*\*{0,2}[A-Za-z_][\w]*)*)\s*:\s*(.*?)\s*$")
_GOOGLE_ENTRY = re.compile(r"^(\s*)(\*{0,2}[A-Za-z_]\w*)\s*(?:\(([^)]*(?:\([^)]*\)[^)]*)*)\))?\s*:\s*(.*)$")
_SPHINX_TYPE = re.compile(r"^\s*:type\s+([A-Za-z_]\w*)\s*:\s*(.*)$")
_SPHINX_VARTYPE = re.compile(r"^\s*:vartype\s+([A-Za-z_]\w*)\s*:\s*(.*)$")
_GOOGLE_ATTRIBUTES = re.compile(r"^\s*Attributes:\s*$")
_SPHINX_PARAM = re.compile(r"^\s*:param\s+(\S+)\s+([A-Za-z_]\w*)\s*:\s*(.*)$")
_SPHINX_DESCRIPTION = re.compile(r"^\s*:param\s+([A-Za-z_]\w*)\s*:\s*(.*)$")
# A Sphinx description that opens by naming what the parameter is: ":param X: matrix containing the snapshots"
_NAMED_KIND = re.compile(r"^(?:the |a |an )?(?:(?:[\w-]+) ){0,2}?(matrix|vector)\b")

_SHAPE_AFTER = re.compile(r"shape\s*[=:]?\s*[\(\[]([^\)\]]*)[\)\]]")
_SHAPE_BEFORE = re.compile(r"^[\(\[]([^\)\]]*)[\)\]]\s*,?\s*(?:\w[\w\- ]*)?$")
_SHAPE_AFTER_WORD = re.compile(r"^(?:nd)?array\s*[\(\[]([^\)\]]*)[\)\]]$")  # dipy's ``array (g, 7)``
_SHAPED = re.compile(r"\b(of|with) shape\b|\bshape\s*[=:]")
_CONTAINERS = re.compile(r"\b(list|tuple|sequence|iterable|dict|dataframe|series|collection)s?\b|\beach\b|"
                         r"\b(matrices|arrays|vectors|tensors)\b")  # "weight matrices, each of shape (p_i, k)"
_NDIM = re.compile(r"\b([0-9])[- ]?d\b")
_SCALARS = {"float", "int", "scalar", "complex", "number", "bool", "real", "positive float", "positive int",
            "non-negative float", "float scalar", "int scalar", "integer", "floating point", "double"}
_ARRAY_WORDS = ("ndarray", "array", "tensor", "matrix", "vector")
_DTYPES = {"float64": "float64", "float32": "float32", "complex128": "complex128", "complex64": "complex64",
           "int64": "int64", "int32": "int32", "bool": "bool", "boolean": "bool"}


def type_facts(text: str):
    """Facts a docstring type states (no evidence attached), or None."""
    from blaslint.analysis.facts import Facts

    t = text.strip().lower()
    t = re.sub(r",?\s*(optional|default[:= ].*|default)$", "", t).strip().rstrip(",").strip()
    t = re.sub(r"`|~|\bnp\.|\bnumpy\.|\btorch\.", "", t)
    if not t or "sparse" in t:
        return None  # a sparse matrix multiplies and slices by other rules
    if re.match(r"(list|tuple|sequence|iterable|collection|dict|set)s?\s*(of\b|\[)", t):
        return None  # "list of S array-like of shape (ns, N)": the items' shape, not the container's
    if _top_level_or(t):
        parts = [type_facts(p) for p in _split_or(t)]
        if any(p is None or p.rank is None for p in parts) or len({p.rank for p in parts}) != 1:
            return None
        return parts[0] if len({p.shape for p in parts}) == 1 else Facts(rank=parts[0].rank, lib=parts[0].lib)
    if t in _SCALARS:
        if t in ("int", "integer", "positive int", "int scalar"):
            return Facts(rank=0, dtype="int64", weak=True)
        return Facts(rank=0)
    lib = "torch" if "tensor" in t else "numpy" if re.search(r"\bndarray\b|\barray\b(?![-_ ]like)", t) else None
    if not any(w in t for w in _ARRAY_WORDS) and (not _SHAPED.search(t) or _CONTAINERS.search(t)):
        return None  # (a description that gives a shape, "predicted sentences of shape (b, l, v)", is an array)
    dtype = None
    for word, name in _DTYPES.items():
        if re.search(rf"\b{word}\b", t):
            dtype = name if dtype is None else False
    dtype = dtype or None
    m = _SHAPE_AFTER.search(t) or _SHAPE_BEFORE.match(t) or _SHAPE_AFTER_WORD.match(t)
    if m:
        dims = _dims(m.group(1), text)
        if dims is None:
            return None
        return Facts(rank=len(dims), dtype=dtype, shape=dims if any(d is not None for d in dims) else None, lib=lib)
    m = _NDIM.search(t)
    if m and "array" in t or m and "tensor" in t:
        return Facts(rank=int(m.group(1)), dtype=dtype, lib=lib)
    return None


def _top_level_or(t: str) -> bool:
    return len(_split_or(t)) > 1


def _split_or(t: str):
    parts, depth, cur = [], 0, ""
    tokens = re.split(r"(\bor\b|[()\[\]])", t)
    for tok in tokens:
        if tok in ("(", "["):
            depth += 1
        elif tok in (")", "]"):
            depth -= 1
        if tok == "or" and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += tok
    parts.append(cur.strip())
    return [p for p in parts if p]


def _dims(inner: str, original: str):
    """``n_samples, n_features`` -> ("n_samples", "n_features"); ``...`` or ``*`` -> None (rank unknown)."""
    # keep the original case of symbols (``(M, N)``)
    m = re.search(r"[\(\[]" + re.escape(inner).replace(r"\ ", r"\s*") + r"[\)\]]", original, re.I)
    if m:
        inner = m.group(0)[1:-1]
    items = [s.strip() for s in inner.split(",")]
    if items and items[-1] == "":
        items = items[:-1]
    if not items or any(i in ("...", "*", "") or i.startswith("*") for i in items):
        return None
    out = []
    for i in items:
        if i.isdigit():
            out.append(int(i))
        elif re.fullmatch(r"[A-Za-z_][\w]*(\s*[-+*]\s*[\w]+)?", i):
            out.append(i)
        else:
            out.append(None)
    return tuple(out)


def _raw_lines(node: ast.AST):
    body = getattr(node, "body", None)
    if not body or not isinstance(body[0], ast.Expr) or not isinstance(body[0].value, ast.Constant) \
            or not isinstance(body[0].value.value, str):
        return None, 0
    const = body[0].value
    return const.value.splitlines(), const.lineno


def parse_parameters(node: ast.AST, attributes_only: bool = False) -> dict:
    """{parameter name: (type text, line)} from a def's or class's docstring.

    ``attributes_only``: only the entries of an "Attributes" section (numpydoc or Google) and
    Sphinx ``:vartype x:`` lines, which describe what the instance holds after fitting."""
    lines, first = _raw_lines(node)
    if not lines:
        return {}
    out: dict = {}
    section = None  # "numpy" / "google" while in a parameters section
    entry_indent = None
    headers = {"attributes"} if attributes_only else _NUMPYDOC_HEADERS
    google = _GOOGLE_ATTRIBUTES if attributes_only else _GOOGLE_HEADER
    for i, line in enumerate(lines):
        stripped = line.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if nxt and set(nxt) <= {"-"} and stripped:
            section, entry_indent = ("numpy" if stripped.lower() in headers else None), None
            continue
        if google.match(line):
            section, entry_indent = "google", None
            continue
        if set(stripped) <= {"-"} and stripped:
            continue
        m = (_SPHINX_VARTYPE if attributes_only else _SPHINX_TYPE).match(line)
        if m:
            out.setdefault(m.group(1), (m.group(2), first + i))
            continue
        m = None if attributes_only else _SPHINX_PARAM.match(line)
        if m:
            out.setdefault(m.group(2), (m.group(1), first + i))
            continue
        if section is None or not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        if entry_indent is not None and indent < entry_indent:
            if section == "numpy" and nxt and set(nxt) <= {"-"}:
                section = None
            elif section == "google":
                section = None
            if section is None:
                continue
        if entry_indent is not None and indent > entry_indent:
            continue  # a description line
        if section == "numpy":
            m = _NUMPYDOC_ENTRY.match(line)
            if m:
                entry_indent = indent
                for name in m.group(2).split(","):
                    out.setdefault(name.strip().lstrip("*"), (m.group(3), first + i))
            elif entry_indent is None:
                section = None
        else:
            m = _GOOGLE_ENTRY.match(line)
            if m:
                entry_indent = indent
                if m.group(3):
                    out.setdefault(m.group(2).lstrip("*"), (m.group(3), first + i))
                else:  # `x: (n,) array of ...` with the type leading the description
                    out.setdefault(m.group(2).lstrip("*"), (m.group(4).split(".")[0], first + i))
    return out


def docstring_facts(ctx, fdef: ast.AST, param: str):
    """Facts of ``param`` of ``fdef`` from its docstring (or its class's, for ``__init__``), or None."""
    cache = ctx.__dict__.setdefault("_bl_docstrings", {})
    key = id(fdef)
    table = cache.get(key)
    if table is None:
        table = parse_parameters(fdef)
        if getattr(fdef, "name", "") == "__init__":
            cls = ctx.parent(fdef)
            if isinstance(cls, ast.ClassDef):
                for name, entry in parse_parameters(cls).items():
                    table.setdefault(name, entry)
        cache[key] = table
    entry = table.get(param)
    if entry is None:  # `:param A: adjacency matrix` with no `:type A:`
        return _described_facts(fdef, param, "")
    text, line = entry
    f = type_facts(text)
    if f is None or f.rank is None:
        described = _described_facts(fdef, param, text)
        if described is not None:
            return described
    if f is None:
        return None
    return f.with_evidence((Evidence("docstring", line, f"{param} : {' '.join(text.split())[:40]}"),))


def attribute_docstring_facts(ctx, cls: ast.ClassDef, attr: str):
    """Facts of ``attr`` as the class's docstring documents it ("Attributes" section:
    ``populations_ : array, shape = (n_states_,)``), or None. Soft: prose, checked by nothing."""
    cache = ctx.__dict__.setdefault("_bl_attribute_docs", {})
    table = cache.get(id(cls))
    if table is None:
        table = cache[id(cls)] = parse_parameters(cls, attributes_only=True)
    entry = table.get(attr)
    if entry is None:
        return None
    text, line = entry
    f = type_facts(text)
    if f is None or f.rank is None:
        return None
    return f.with_evidence((Evidence("docstring", line, f"{attr} : {' '.join(text.split())[:40]}"),))


def _described_facts(fdef, param: str, type_text: str):
    """Rank from a Sphinx description that says what the parameter is (":param X: matrix containing ...",
    ":param b: vector of ..."), when its ``:type:`` gives none. "matrix or vector", sparse: nothing."""
    from blaslint.analysis.facts import Facts

    lines, first = _raw_lines(fdef)
    for i, line in enumerate(lines or ()):
        m = _SPHINX_DESCRIPTION.match(line)
        if m is None or m.group(1) != param:
            continue
        desc = m.group(2).strip().lower()
        head = " ".join(desc.split()[:6])
        kind = _NAMED_KIND.match(desc)
        if kind is None or re.search(r"\b(or|sparse|list|tuple|matrices|vectors|dict)\b", head):
            return None
        lib = "numpy" if re.search(r"\bndarray\b", type_text.lower()) else None
        rank = 2 if kind.group(1) == "matrix" else 1
        return Facts(rank=rank, lib=lib).with_evidence(
            (Evidence("docstring", first + i, f":param {param}: {' '.join(desc.split()[:6])}"),))
    return None


def parse_returns(fdef: ast.AST) -> list:
    """[(type text, line)] of a numpydoc "Returns" section, in order (``s : ndarray(k)``, ``V : ndarray(n, k)``;
    a line that is only a type counts as an entry too); [] when there is none."""
    lines, first = _raw_lines(fdef)
    out: list = []
    inside, entry_indent = False, None
    for i, line in enumerate(lines or ()):
        stripped = line.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if nxt and set(nxt) <= {"-"} and stripped:
            if inside:
                break  # the next section
            inside = stripped.lower() in ("returns", "return")
            continue
        if not inside or not stripped or set(stripped) <= {"-"}:
            continue
        indent = len(line) - len(line.lstrip())
        if entry_indent is None:
            entry_indent = indent
        if indent < entry_indent:
            break
        if indent > entry_indent:
            continue  # a description line
        m = _NUMPYDOC_ENTRY.match(line)
        out.append((m.group(3) if m else stripped, first + i))
    return out


def documented_return_parts(ctx, fdef: ast.AST, count: int):
    """Facts of each of ``count`` returned values as the helper's docstring lists them (soft), or None."""
    cache = ctx.__dict__.setdefault("_bl_returns_docs", {})
    entries = cache.get(id(fdef))
    if entries is None:
        entries = cache[id(fdef)] = parse_returns(fdef)
    if len(entries) != count:
        return None
    name = getattr(fdef, "name", "?")
    parts = []
    for text, line in entries:
        f = type_facts(text)
        parts.append(f.with_evidence((Evidence("docstring", line, f"{name}() returns {' '.join(text.split())[:40]}"),))
                     if f is not None and f.rank is not None else None)
    if all(p is None for p in parts):
        return None
    from blaslint.analysis.facts import UNKNOWN

    return tuple(p if p is not None else UNKNOWN for p in parts)


__all__ = ["attribute_docstring_facts", "docstring_facts", "documented_return_parts", "parse_parameters",
           "parse_returns", "type_facts"]
