"""Time a fix on copies of captured operands, after proving it cannot write user data.

Runs in the child at exit. Both the original and the fixed expression are
evaluated in a namespace where every captured array operand is a private
copy; before anything runs, each call in either expression must resolve to
numpy/scipy/torch (or a pure builtin) and no call may write (``out=``,
``overwrite_*``, in-place methods, walrus). Results must agree: ``allclose``
with rtol 1e-5 for float32/float16/complex64 results and 1e-9 for float64/
complex128 (atol = rtol * max |original|), exact for integers and booleans.
A fix that allocates with ``empty`` is compared on shape and dtype only: the
finding it fixes shows the contents are overwritten before they are read.
"""

from __future__ import annotations

import ast
import builtins
import sys
import time
import types

INPLACE_KEYWORDS = {"out", "inplace"}
INPLACE_METHODS = {"fill", "sort", "resize", "put", "itemset", "setfield", "setflags", "partition",
                   "byteswap", "tofile", "dump", "clip_", "copy_", "zero_", "fill_", "resize_",
                   "__setitem__", "__iadd__", "__isub__", "__imul__", "__itruediv__"}
INPLACE_FUNCTIONS = {"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis", "save",
                     "savez", "savetxt", "tofile"}
SAFE_BUILTINS = {"len", "abs", "min", "max", "sum", "range", "float", "int", "complex", "bool", "tuple",
                 "list", "zip", "round", "pow", "slice", "enumerate", "reversed", "sorted", "divmod", "any",
                 "all", "map"}
LIBRARIES = ("numpy", "scipy", "torch")
EMPTY_ALLOCATORS = {"empty", "empty_like", "new_empty"}
RTOL = {"float16": 1e-3, "bfloat16": 1e-2, "float32": 1e-5, "complex64": 1e-5,
        "float64": 1e-9, "complex128": 1e-9}


class Unsafe(Exception):
    """The expression could write user data or run user code: not run."""


def static_check(text: str) -> str | None:
    """Why ``text`` (an expression) may write data, or None. Needs no values."""
    try:
        tree = ast.parse("(\n" + text + "\n)", mode="eval")
    except SyntaxError as exc:
        return f"does not parse as an expression ({exc.msg})"
    for node in ast.walk(tree):
        if isinstance(node, ast.NamedExpr):
            return "assigns a name (:=)"
        if isinstance(node, (ast.Yield, ast.YieldFrom, ast.Await)):
            return "yields or awaits"
        if isinstance(node, ast.keyword) and node.arg is not None:
            if node.arg in INPLACE_KEYWORDS or node.arg.startswith("overwrite_"):
                return f"writes an operand ({node.arg}=)"
        if isinstance(node, ast.Call):
            name = _callee_name(node.func)
            if isinstance(node.func, ast.Attribute) and (name in INPLACE_METHODS or (
                    name.endswith("_") and not name.startswith("_"))):
                return f"calls the in-place method .{name}()"
            if name in INPLACE_FUNCTIONS:
                return f"calls {name}(), which writes an operand"
    return None


def _callee_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def contents_free(original: str, fixed: str) -> bool:
    """The fix allocates with ``empty`` where the original allocated with ``zeros``/``full``."""
    def allocators(text):
        tree = ast.parse("(\n" + text + "\n)", mode="eval")
        return {_callee_name(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return bool(allocators(fixed) & EMPTY_ALLOCATORS) and not (allocators(original) & EMPTY_ALLOCATORS)


def _is_library(obj) -> bool:
    if isinstance(obj, types.ModuleType):
        return (obj.__name__.split(".")[0] in LIBRARIES) or obj.__name__ in ("math", "cmath", "operator")
    if type(obj).__name__ == "fortran":  # an f2py wrapper (scipy.linalg.blas/lapack)
        return True
    if isinstance(obj, (types.BuiltinFunctionType, type)) and getattr(obj, "__module__", None) == "builtins":
        return getattr(obj, "__name__", "") in SAFE_BUILTINS
    mod = getattr(obj, "__module__", None) or type(obj).__module__ or ""
    return mod.split(".")[0] in LIBRARIES


def _is_array(obj) -> bool:
    mod = type(obj).__module__ or ""
    return mod.split(".")[0] in LIBRARIES and hasattr(obj, "shape")


class _Placeholders(ast.NodeTransformer):
    """Replace captured dotted operands (``self.W``) by placeholder names."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Attribute(self, node):
        dotted = _dotted(node)
        if dotted in self.names:
            return ast.copy_location(ast.Name(self.names[dotted], ast.Load()), node)
        return self.generic_visit(node)


def _dotted(node) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def compile_expr(text: str, placeholders: dict[str, str]):
    tree = ast.parse("(\n" + text + "\n)", mode="eval")
    tree = ast.fix_missing_locations(_Placeholders(placeholders).visit(tree))
    return tree, compile(tree, "<blaslint measure replay>", "eval")


def dynamic_check(tree: ast.Expression, env: dict, g: dict) -> None:
    """Every call resolves to library code, every attribute read to a library object or a copy."""
    def lookup(name):
        if name in env:
            return env[name]
        if name in g:
            return g[name]
        if hasattr(builtins, name):
            return getattr(builtins, name)
        raise Unsafe(f"`{name}` is not defined here")

    def value_of(node):
        """The object an expression of names and module attributes denotes, or a marker."""
        if isinstance(node, ast.Name):
            return lookup(node.id)
        if isinstance(node, ast.Attribute):
            base = value_of(node.value)
            if base is _TEMP:
                return _TEMP
            if isinstance(base, types.ModuleType) or _is_library(base) and isinstance(base, type):
                return getattr(base, node.attr)
            if _is_array(base):
                return _TEMP  # an attribute or method of a private copy
            raise Unsafe(f"reads an attribute of {type(base).__name__} (not a captured operand)")
        return _TEMP  # the result of a call or operator: a fresh object

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            value_of(node)
        if isinstance(node, ast.Call):
            f = value_of(node.func)
            if f is _TEMP:
                continue  # a method of a copy or of a fresh result (in-place names refused statically)
            if not _is_library(f):
                raise Unsafe(f"calls {getattr(f, '__qualname__', type(f).__name__)}, which is not numpy/scipy/torch")


_TEMP = object()


def compare(a, b, contents: bool = True) -> tuple[bool, str]:
    """Do the original and fixed results agree (see the module docstring for the tolerance)?"""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    if torch is not None and isinstance(b, torch.Tensor):
        b = b.detach().cpu().numpy()
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        if len(a) != len(b):
            return False, "different number of results"
        for x, y in zip(a, b):
            ok, why = compare(x, y, contents)
            if not ok:
                return ok, why
        return True, "equal"
    np = sys.modules.get("numpy")
    if np is None:
        return (a == b), "equal" if a == b else "different"
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    if a_arr.shape != b_arr.shape:
        return False, f"shape {a_arr.shape} vs {b_arr.shape}"
    if not contents:
        same = a_arr.dtype == b_arr.dtype
        return same, "same shape and dtype (contents not compared)" if same else f"dtype {a_arr.dtype} vs {b_arr.dtype}"
    if a_arr.dtype.kind in "iub" or b_arr.dtype.kind in "iub":
        same = bool(np.array_equal(a_arr, b_arr))
        return same, "exactly equal" if same else "different values"
    rtol = RTOL.get(str(np.result_type(a_arr.dtype, b_arr.dtype)), 1e-9)
    scale = float(np.max(np.abs(a_arr))) if a_arr.size else 0.0
    ok = bool(np.allclose(b_arr, a_arr, rtol=rtol, atol=rtol * scale))
    return ok, f"allclose(rtol={rtol:g}, atol={rtol:g}*max|orig|)" if ok else f"differ beyond rtol={rtol:g}"


def _time(code, g, env, repeat: int, deadline: float, sync) -> float:
    best = float("inf")
    for _ in range(repeat):
        sync()
        t0 = time.perf_counter()
        eval(code, g, env)  # noqa: S307 - checked above: library calls on private copies only
        sync()
        best = min(best, time.perf_counter() - t0)
        if time.perf_counter() > deadline:
            break
    return best


def replay_site(site: dict, info: dict, samples: list[dict], seconds: float, sync=lambda: None) -> dict:
    """Time ``info``'s original vs fixed text on each sample: the per-call ratio and the check, or why not."""
    contents = not contents_free(info["original"], info["fixed"])
    deadline = time.perf_counter() + seconds
    rows = []
    compiled: dict[tuple, tuple] = {}
    for sample in samples:
        g = sample["globals"]
        # captured dotted operands (``self.W``) become placeholder names; the others stay as written
        placeholders = {name: f"_blaslint_op{i}" for i, name in enumerate(sorted(sample["values"])) if "." in name}
        key = tuple(sorted(placeholders))
        if key not in compiled:
            try:
                compiled[key] = (*compile_expr(info["original"], placeholders),
                                 *compile_expr(info["fixed"], placeholders))
            except SyntaxError as exc:
                return {"status": "rejected", "reason": f"does not compile: {exc.msg}"}
        tree_o, code_o, tree_f, code_f = compiled[key]
        env = {placeholders.get(k, k): v for k, v in sample["values"].items()}
        try:
            dynamic_check(tree_o, env, g)
            dynamic_check(tree_f, env, g)
        except Unsafe as exc:
            return {"status": "rejected", "reason": str(exc)}
        try:
            ref = eval(code_o, g, env)  # noqa: S307
            got = eval(code_f, g, env)  # noqa: S307
        except Exception as exc:  # noqa: BLE001
            return {"status": "failed", "reason": f"{type(exc).__name__}: {exc}"}
        ok, how = compare(ref, got, contents)
        if not ok:
            return {"status": "differs", "reason": how}
        t_o = _time(code_o, g, env, 5, deadline, sync)
        t_f = _time(code_f, g, env, 5, deadline, sync)
        rows.append({"original": t_o, "fixed": t_f, "check": how, "size": sample.get("size", 0)})
        if time.perf_counter() > deadline:
            break
    if not rows:
        return {"status": "no-sample", "reason": "no call fitted the memory budget"}
    ratios = sorted(r["fixed"] / r["original"] for r in rows if r["original"] > 0)
    ratio = ratios[len(ratios) // 2] if ratios else 1.0
    return {"status": "timed", "ratio": ratio, "samples": rows, "check": rows[0]["check"]}
