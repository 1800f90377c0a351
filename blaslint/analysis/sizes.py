"""How big a dimension is likely to be, and which loops multiply the work at a node.

The cost model needs an order of magnitude, not a number: a dimension is
``"small"`` (a literal below 32: a 3x3 Kalman matrix, ``np.eye(4)``),
``"model"`` (a model/feature size: ``n_features``, ``hidden``, ``d_model``,
``n_components``, ``k``; also a literal from 32 to 255, which in numerical
code is nearly always a layer width or a block size), ``"large"`` (a literal
of 256 or more), ``"data"`` (it grows with the data: ``X.shape[0]``,
``len(data)``, ``n_samples``, a data-like argument's first axis) or
``"unknown"``. Symbolic dimensions come as source text from
``ctx.array_facts(expr).shape`` (``"X.shape[0]"``, ``"n_samples"``); names
are followed through simple assignments in their scope (``n, d = X.shape``,
``m = len(obs) - 1``). Names are judged by the conventions of numerical
Python (scikit-learn, statsmodels, PyTorch): a guess from names is
deliberately coarse, and anything else stays ``"unknown"``, which the cost
model judges by the asymptotic gain alone.

:func:`loop_context` lists the loops around a node in its function, with what
each iterates over: a dataset (``for x in X``, ``range(len(data))``,
``range(n_samples)``), solver or training iterations (``range(n_epochs)``,
``while err > tol``), a small literal (``range(3)``) or something unknown.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from blaslint.analysis.scopes import COMPREHENSION_TYPES, SCOPE_TYPES

if TYPE_CHECKING:  # pragma: no cover
    from blaslint.analysis.base import Context as FileContext

SMALL_LIMIT = 32     # a literal below this is "small" (facts.SMALL_DIM)
LARGE_LIMIT = 256    # a literal from this on is "large"; in between "model"
KINDS = ("small", "model", "large", "data", "unknown")
_MAX_FOLLOW = 6      # assignment hops followed for a name

# Arrays whose first axis counts samples/observations (X: n_samples x n_features).
_DATA_ARRAY = re.compile(
    r"^(X|Y|y|Xs|data|dataset|samples?|obs|observations?|points|pts|vertices|verts|images?|imgs|batch|"
    r"inputs|targets|labels|measurements?|trajectory|traj|sequences?|series|frames|signals?|tokens|"
    r"records|events|examples|train|test)(_(?!(cov|covariance|var|variance|mean|means|std|stds|params?|coefs?|"
    r"weights?|stats?|scale|dims?|shape|size|sizes|len|count|counts|inv|norms?)$)\w+)?$")
# Names of sizes that grow with the data.
_DATA_SIZE = re.compile(
    r"^(n|num|number_of|nb)_?(samples?|obs|observations?|points|pts|voxels|pixels|rows|examples|instances|"
    r"data|records|events|particles|nodes|vertices|cells|elements|tokens|items|users|frames|images|"
    r"measurements?|trials|train|test|timesteps|time_?steps|steps|t)$|"
    r"^(N|T|M|n_?obs|nobs|batch_?size|bs|seq_?len|sequence_length|seqlen|n_?batch|num_?batches|"
    r"num_?steps|n_?timesteps|horizon|length)$")
# Names of model/feature sizes.
_MODEL_SIZE = re.compile(
    r"^(n|num|nb)_?(features?|components?|states?|hidden|classes|clusters|factors|dims?|inputs?|outputs?|"
    r"heads|layers|params|parameters|basis|latent|topics|regressors|covariates|variables|vars|channels|"
    r"modes|kernels|neurons|units|actions|joints|dof|subjects|sessions|runs|groups|folds|tasks|chains|"
    r"restarts|splits|regions|rois|conditions|contrasts|alphas|lambdas)$|"
    r"^(hidden|hidden_?size|hidden_?dim|d_?model|d_?ff|dim|ndim|ndims|d|k|p|q|r|rank|latent_?dim|"
    r"embed_?dim|embedding_?dim|head_?dim|in_?features|out_?features|in_?dim|out_?dim|width|order|degree|"
    r"state_?dim|obs_?dim|action_?dim|input_?size|output_?size|n_?dim|dim_?[a-z]|[a-z]_?dim|n_?[xuyz])$|"
    r"^([a-z]+_)?dimensions?$|^n_?dimensions?$")
# Loops over these counts are iterations of a solver or of training.
_ITERATIONS = re.compile(
    r"^(n_?|num_?|max_?|total_?)?(epochs?|iters?|iterations?|steps|updates|rounds|sweeps|episodes|"
    r"generations|outer|inner)(_\w+)?$|^(max_?iter|maxiter|niter|nsteps|nepochs|n_?iter|num_?iter)$")
_ITER_TARGETS = re.compile(r"^(epoch|it|iter|iteration|step|sweep|episode|generation|round)s?(_\w+)?$")
_CONVERGENCE = re.compile(r"tol|conver|err|resid|delta|diff|change|norm|iter|done|max_?it|eps")


# -- dimensions --------------------------------------------------------------------

def literal_kind(value: int) -> str:
    if value < SMALL_LIMIT:
        return "small"
    return "large" if value >= LARGE_LIMIT else "model"


def name_kind(name: str) -> str:
    """What a size's name says about it (``"unknown"`` when it says nothing)."""
    if _DATA_SIZE.match(name):
        return "data"
    if _MODEL_SIZE.match(name):
        return "model"
    return "unknown"


def is_data_array_name(name: str) -> bool:
    return bool(_DATA_ARRAY.match(name))


def combine(kinds) -> str:
    """The kind of a sum/product of sizes: the biggest known one; unknown beats small and model."""
    kinds = list(kinds)
    for k in ("data", "large", "unknown", "model", "small"):
        if k in kinds:
            return k
    return "unknown"


def dim_kind(ctx: "FileContext | None", dim, at_node: ast.AST | None = None) -> str:
    """``"small" | "model" | "large" | "data" | "unknown"`` for one dimension of a shape.

    ``dim`` is an int (a literal), the source text of a symbolic size, an
    expression node, or None. ``at_node`` is where the size is used: names
    are followed through the assignments of its scope.
    """
    if dim is None or isinstance(dim, bool):
        return "unknown"
    if isinstance(dim, int):
        return literal_kind(dim)
    if isinstance(dim, str):
        try:
            expr = ast.parse(dim.strip(), mode="eval").body
        except (SyntaxError, ValueError, RecursionError):
            return "unknown"
        return _expr_kind(ctx, expr, at_node, 0)
    if isinstance(dim, ast.AST):
        return _expr_kind(ctx, dim, at_node, 0)
    return "unknown"


def _expr_kind(ctx, expr: ast.AST, at_node, depth: int) -> str:
    if depth > _MAX_FOLLOW:
        return "unknown"
    if isinstance(expr, ast.Constant):
        if isinstance(expr.value, int) and not isinstance(expr.value, bool):
            return literal_kind(expr.value)
        return "unknown"
    if isinstance(expr, ast.Name):
        by_name = name_kind(expr.id)
        if by_name != "unknown":
            return by_name
        return _followed_kind(ctx, expr.id, at_node, depth)
    if isinstance(expr, ast.Attribute):  # self.n_features, cfg.hidden
        return name_kind(expr.attr)
    if isinstance(expr, ast.Subscript):  # X.shape[0]
        return _shape_axis_kind(ctx, expr, at_node, depth)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.args:
        if expr.func.id == "len":
            return _length_kind(ctx, expr.args[0], at_node, depth)
        if expr.func.id in ("int", "max", "min", "round", "abs"):
            kinds = [_expr_kind(ctx, a, at_node, depth + 1) for a in expr.args]
            return min(kinds, key=_SIZE_ORDER.index) if expr.func.id == "min" else combine(kinds)
    if isinstance(expr, ast.BinOp):
        left = _expr_kind(ctx, expr.left, at_node, depth + 1)
        right = _expr_kind(ctx, expr.right, at_node, depth + 1)
        if isinstance(expr.op, (ast.FloorDiv, ast.Div, ast.Mod)):
            return left if left != "small" or right == "small" else "unknown"
        if isinstance(expr.op, (ast.Add, ast.Sub)) and right == "small":
            return left  # n - 1, n + 2
        return combine([left, right])
    return "unknown"


_SIZE_ORDER = ["small", "model", "unknown", "large", "data"]


def _length_kind(ctx, arg: ast.AST, at_node, depth: int) -> str:
    """``len(x)``: data-sized for a data-like sequence; else its first axis if known."""
    root = arg
    while isinstance(root, (ast.Attribute, ast.Subscript)) and not isinstance(root, ast.Name):
        if isinstance(root, ast.Attribute):
            if is_data_array_name(root.attr):
                return "data"
            break
        root = root.value
    if isinstance(root, ast.Name) and is_data_array_name(root.id):
        return "data"
    return _facts_axis_kind(ctx, arg, 0, at_node, depth)


def _shape_axis_kind(ctx, expr: ast.Subscript, at_node, depth: int) -> str:
    value, index = expr.value, expr.slice
    if not (isinstance(value, ast.Attribute) and value.attr in ("shape",)):
        return "unknown"
    if not (isinstance(index, ast.Constant) and isinstance(index.value, int)):
        if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub) and isinstance(index.operand, ast.Constant):
            axis = -index.operand.value
        else:
            return "unknown"
    else:
        axis = index.value
    array = value.value
    name = array.attr if isinstance(array, ast.Attribute) else array.id if isinstance(array, ast.Name) else None
    if name is not None and is_data_array_name(name):
        return "data" if axis == 0 else "model"
    return _facts_axis_kind(ctx, array, axis, at_node, depth)


def _facts_axis_kind(ctx, array: ast.AST, axis: int, at_node, depth: int) -> str:
    """The kind of one axis of an array named in a size, from the array's own facts."""
    if ctx is None or not isinstance(array, ast.Name) or at_node is None:
        return "unknown"
    value = _single_value(ctx, array.id, at_node)
    if value is None:
        return "unknown"
    facts = ctx.array_facts(value)
    if facts.shape is None or not -len(facts.shape) <= axis < len(facts.shape):
        return "unknown"
    dim = facts.shape[axis]
    if isinstance(dim, str) and dim.startswith(f"{array.id}."):
        return "unknown"  # about itself: no new information
    if isinstance(dim, str):
        try:
            sub = ast.parse(dim, mode="eval").body
        except (SyntaxError, ValueError, RecursionError):
            return "unknown"
        return _expr_kind(ctx, sub, at_node, depth + 1)
    return dim_kind(ctx, dim, at_node)


def _bindings(ctx, name: str, at_node):
    sc = ctx.scope_of(at_node)
    binds = sc.bindings.get(name)
    if binds is None and sc.node is not ctx.tree:
        binds = ctx.scope(ctx.tree).bindings.get(name)
    return binds or []


def _single_value(ctx, name: str, at_node) -> ast.AST | None:
    binds = [b for b in _bindings(ctx, name, at_node) if b.kind != "param"]
    if len(binds) == 1 and binds[0].value is not None:
        return binds[0].value
    return None


def _followed_kind(ctx, name: str, at_node, depth: int) -> str:
    """A name's kind from the assignments that bind it (all must agree)."""
    if ctx is None or at_node is None:
        return "unknown"
    binds = _bindings(ctx, name, at_node)
    if not binds:
        return "unknown"
    kinds = set()
    for b in binds:
        if b.kind == "param":
            kinds.add("unknown")
        elif b.value is not None:
            kinds.add(_expr_kind(ctx, b.value, b.stmt or at_node, depth + 1))
        elif isinstance(b.stmt, ast.Assign):
            kinds.add(_unpacked_kind(ctx, b, depth))
        else:
            kinds.add("unknown")
    return kinds.pop() if len(kinds) == 1 else "unknown"


def _unpacked_kind(ctx, b, depth: int) -> str:
    """``n, d = X.shape``: the axis of the shape that ``name`` receives."""
    stmt = b.stmt
    value = stmt.value
    for target in stmt.targets:
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, ast.Attribute) and value.attr == "shape":
            for axis, elt in enumerate(target.elts):
                if elt is b.node:
                    sub = ast.Subscript(value=value, slice=ast.Constant(axis), ctx=ast.Load())
                    return _shape_axis_kind(ctx, sub, stmt, depth + 1)
    return "unknown"


# -- loops ----------------------------------------------------------------------------

# Assumed trip counts by what a loop runs over (orders of magnitude, not measurements).
TRIPS = {"data": 10_000, "iterations": 1_000, "large": 1_000, "model": 100, "unknown": 100, "small": 4}


@dataclass(frozen=True)
class Loop:
    node: ast.AST
    kind: str            # "data" | "iterations" | "large" | "model" | "small" | "unknown"
    trips: int           # a literal count, else TRIPS[kind]
    over: str            # what it runs over, as written: "X", "range(n_epochs)", "err > tol"
    line: int
    calls: str = ""      # a loop in a caller: the function whose call it repeats

    def describe(self, line_ref=None) -> str:
        where = line_ref(self.line) if line_ref is not None else f"line {self.line}"
        if self.kind == "callback":
            return f"the repeated calls of `{self.calls}` by `{self.over}` ({where})"
        word = "`while` loop" if isinstance(self.node, ast.While) else "loop"
        calls = f" that calls `{self.calls}`" if self.calls else ""
        return f"the {word} over `{self.over}` ({where}){calls}" if not isinstance(self.node, ast.While) else \
            f"the {word} `while {self.over}` ({where}){calls}"


@dataclass(frozen=True)
class LoopContext:
    """The loops around a node in its function, innermost first."""

    loops: tuple[Loop, ...]

    @property
    def trips(self) -> int:
        total = 1
        for loop in self.loops:
            total *= loop.trips
        return total

    @property
    def kind(self) -> str:
        """The multiplier's kind: the biggest of the loops' kinds."""
        kinds = ["iterations" if loop.kind == "callback" else loop.kind for loop in self.loops]
        for k in ("data", "iterations", "large", "unknown", "model", "small"):
            if k in kinds:
                return k
        return "unknown"

    @property
    def innermost(self) -> Loop:
        return self.loops[0]

    def describe(self, line_ref=None) -> str:
        return "inside " + ", inside ".join(loop.describe(line_ref) for loop in self.loops)


def loop_context(ctx: "FileContext", node: ast.AST) -> LoopContext | None:
    """The loops (and comprehensions) that run ``node`` repeatedly: in its function, then around the
    calls this module makes of that function (the most repeated one; two levels of callers at most),
    or the repeated calls of a function handed on as a callback."""
    loops, scope = _own_loops(ctx, node)
    loops.extend(_caller_loops(ctx, scope, CALLER_DEPTH))
    return LoopContext(tuple(loops)) if loops else None


CALLER_DEPTH = 2


def _caller_loops(ctx, fdef, depth: int) -> list:
    """The loops around the calls of ``fdef`` in this module (the call site repeated most)."""
    from blaslint.analysis.callers import call_sites, passed_on

    if depth <= 0 or not isinstance(fdef, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    best: list = []
    for call in call_sites(ctx, fdef):
        if any(a is fdef for a in ctx.ancestors(call)):
            continue  # recursion
        own, scope = _own_loops(ctx, call)
        if not own:
            continue
        own = [replace(own[0], calls=fdef.name), *own[1:]]
        chain = own + _caller_loops(ctx, scope, depth - 1)
        if not best or LoopContext(tuple(chain)).trips > LoopContext(tuple(best)).trips:
            best = chain
    if not best:
        consumers = passed_on(ctx, fdef)
        if consumers:
            call = consumers[0]
            best = [Loop(call, "callback", TRIPS["unknown"], _text(ctx, call.func), call.lineno, fdef.name)]
    return best


def _own_loops(ctx, node) -> tuple[list, ast.AST | None]:
    """The loops around ``node`` in its own function, innermost first, and that function (its scope)."""
    loops = []
    child = node
    scope = None
    for anc in ctx.ancestors(node):
        if isinstance(anc, SCOPE_TYPES):
            scope = anc
            break
        if isinstance(anc, (ast.For, ast.AsyncFor)):
            if child is not anc.iter and child not in anc.orelse:
                loops.append(_for_loop(ctx, anc, anc.iter, anc.target))
        elif isinstance(anc, ast.While):
            if child not in anc.orelse:
                loops.append(_while_loop(ctx, anc))
        elif isinstance(anc, COMPREHENSION_TYPES):
            gens = anc.generators
            for gen in reversed(gens):
                if child is gens[0].iter:
                    break
                loops.append(_for_loop(ctx, anc, gen.iter, gen.target))
        child = anc
    return loops, scope


def _text(ctx, node) -> str:
    try:
        return ctx.text(node)
    except Exception:  # noqa: BLE001 - a node without positions
        return ast.unparse(node)


def _for_loop(ctx, loop: ast.AST, it: ast.AST, target: ast.AST) -> Loop:
    over = _text(ctx, it)
    kind, trips = _iter_kind(ctx, it, loop)
    if kind in ("unknown", "model", "large") and isinstance(target, ast.Name) and _ITER_TARGETS.match(target.id):
        kind, trips = "iterations", trips if kind != "unknown" else TRIPS["iterations"]
    return Loop(loop, kind, trips, over, getattr(loop, "lineno", 0))


def _iter_kind(ctx, it: ast.AST, at: ast.AST) -> tuple[str, int]:
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name):
        fname = it.func.id
        if fname in ("range", "xrange") and it.args:
            if len(it.args) == 1:
                stop, start = it.args[0], None
            else:
                start, stop = it.args[0], it.args[1]
            if isinstance(stop, ast.Constant) and isinstance(stop.value, int) and (
                    start is None or isinstance(start, ast.Constant) and isinstance(start.value, int)):
                count = max(stop.value - (start.value if start is not None else 0), 0)
                return literal_kind(count), count
            if isinstance(stop, ast.Name) and _ITERATIONS.match(stop.id):
                return "iterations", TRIPS["iterations"]
            if isinstance(stop, ast.Attribute) and _ITERATIONS.match(stop.attr):
                return "iterations", TRIPS["iterations"]
            kind = dim_kind(ctx, stop, at)
            return kind, TRIPS[kind] if kind != "small" else TRIPS["small"]
        if fname in ("enumerate", "zip", "reversed", "sorted", "list", "tqdm", "trange") and it.args:
            if fname == "trange":
                return _iter_kind(ctx, ast.Call(func=ast.Name("range", ast.Load()), args=it.args, keywords=[]), at)
            return _iter_kind(ctx, it.args[0], at)
    if isinstance(it, (ast.Tuple, ast.List, ast.Set)):
        return literal_kind(len(it.elts)), len(it.elts)
    name = it.attr if isinstance(it, ast.Attribute) else it.id if isinstance(it, ast.Name) else None
    if name is not None:
        if is_data_array_name(name):
            return "data", TRIPS["data"]
        if _ITERATIONS.match(name):
            return "iterations", TRIPS["iterations"]
    if ctx is not None:
        facts = ctx.array_facts(it)
        if facts.shape:
            kind = dim_kind(ctx, facts.shape[0], at)
            if isinstance(facts.shape[0], int) and not isinstance(facts.shape[0], bool):
                return kind, facts.shape[0]
            return kind, TRIPS[kind]
    return "unknown", TRIPS["unknown"]


def _while_loop(ctx, loop: ast.While) -> Loop:
    test = loop.test
    over = _text(ctx, test)
    names = [n.id for n in ast.walk(test) if isinstance(n, ast.Name)]
    names += [n.attr for n in ast.walk(test) if isinstance(n, ast.Attribute)]
    if (isinstance(test, ast.Constant) and test.value is True) or any(_CONVERGENCE.search(n.lower()) for n in names):
        kind = "iterations"  # an iterative solver: until converged or out of iterations
    elif any(_DATA_SIZE.match(n) for n in names):
        kind = "data"
    else:
        kind = "unknown"
    return Loop(loop, kind, TRIPS[kind], over, loop.lineno)


__all__ = ["dim_kind", "loop_context", "LoopContext", "Loop", "KINDS", "TRIPS", "name_kind", "combine"]
