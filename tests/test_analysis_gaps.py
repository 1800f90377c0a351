"""Analysis facts behind the realistic-corpus recall fixes.

Names rebound in loops (a small fixpoint over every binding), Python scalars
(weak under NEP 50), ``float()``/``int()``/``len()``, library constants,
``fftfreq``, ``reshape(n, -1)``, results of the file's own functions, sizes
that only a rebinding changes, and values returned fresh by a plain function.
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from blaslint.analysis.context import FileContext, set_parents
from blaslint.analysis.flow import is_loop_invariant, is_shape_invariant
from blaslint.core.source import SourceText


def _ctx(code: str):
    code = textwrap.dedent(code)
    tree = ast.parse(code)
    set_parents(tree)
    return FileContext(SourceText(code), tree), tree


def facts_of(code: str, text: str, line: int | None = None):
    """Facts of the last expression spelled ``text`` (on ``line`` if given)."""
    ctx, tree = _ctx(code)
    found = [n for n in ast.walk(tree) if isinstance(n, ast.expr) and ctx.text(n) == text
             and (line is None or n.lineno == line)]
    assert found, text
    node = max(found, key=lambda n: (n.lineno, n.col_offset))
    return ctx.array_facts(node)


# -- names rebound in loops ----------------------------------------------------------

@pytest.mark.parametrize("code,text,rank,dtype", [
    ("import numpy as np\ndef f(n, g, k):\n    x = np.zeros((n,))\n    for _ in range(k):\n        x = x - 0.1 * x\n    return x\n",
     "x", 1, "float64"),
    ("import numpy as np\ndef f(n, k):\n    W = np.eye(n, dtype=int)\n    A = np.zeros((n, n), dtype=int)\n"
     "    for _ in range(k):\n        W = W @ A\n    return W\n", "W", 2, "int64"),
    ("import numpy as np\ndef f(n, k):\n    v = np.ones((n,), dtype=np.float32)\n    for _ in range(k):\n"
     "        v += 1.0\n        v = v / 2\n    return v\n", "v", 1, "float32"),
    # the dtype changes (int -> float), the rank does not: rank kept, dtype dropped
    ("import numpy as np\ndef f(n, k):\n    v = np.arange(5)\n    for _ in range(k):\n        v = v * 0.5\n    return v\n",
     "v", 1, None),
])
def test_rebound_names_known(code, text, rank, dtype):
    f = facts_of(code, text)
    assert (f.rank, f.dtype) == (rank, dtype)


@pytest.mark.parametrize("code", [
    # a parameter's value reaches the loop
    "import numpy as np\ndef f(x, k):\n    for _ in range(k):\n        x = x - 0.1 * x\n    return x\n",
    # the rank changes
    "import numpy as np\ndef f(n, k):\n    x = np.zeros(n)\n    for _ in range(k):\n        x = np.outer(x, x)\n    return x\n",
    # a for-target, tuple unpacking, with, del
    "import numpy as np\ndef f(n, xs):\n    x = np.zeros(n)\n    for x in xs:\n        pass\n    return x\n",
    "import numpy as np\ndef f(n, g):\n    x = np.zeros(n)\n    if n:\n        x, y = g()\n    return x\n",
    "import numpy as np\ndef f(n, g):\n    x = np.zeros(n)\n    if n:\n        with g() as x:\n            pass\n    return x\n",
    "import numpy as np\ndef f(n, g):\n    x = np.zeros(n)\n    if n:\n        del x\n        x = g\n    return x\n",
    # an unknown update
    "import numpy as np\ndef f(n, g, k):\n    x = np.zeros(n)\n    for _ in range(k):\n        x = g(x)\n    return x\n",
    # a nested function may rebind it
    "import numpy as np\ndef f(n, k):\n    x = np.zeros(n)\n    def h():\n        nonlocal x\n        x = 1\n"
    "    for _ in range(k):\n        x = x + 1\n        h()\n    return x\n",
])
def test_rebound_names_unknown(code):
    assert facts_of(code, "x", line=code.count("\n")).rank is None


# -- scalars ------------------------------------------------------------------------------

@pytest.mark.parametrize("expr,dtype", [
    ("a32 / len(a32)", "float32"),      # a Python int does not promote float32
    ("a32 * float(t)", "float32"),
    ("a32 * np.pi", "float32"),
    ("ai * 2.0", "float64"),            # a Python float turns ints into float64
    ("ai * 2", "int64"),
    ("a32 * 1j", "complex64"),
    ("np.maximum(a32, 0.0)", "float32"),
    ("np.float64(2.0) * a32", "float64"),  # a NumPy scalar is not weak
])
def test_python_scalars_are_weak(expr, dtype):
    code = ("import numpy as np\ndef f(n, t):\n    a32 = np.ones((n,), dtype=np.float32)\n"
            f"    ai = np.ones((n,), dtype=np.int64)\n    return {expr}\n")
    f = facts_of(code, expr)
    assert (f.rank, f.dtype) == (1, dtype)


@pytest.mark.parametrize("expr,rank", [
    ("float(t)", 0), ("int(t)", 0), ("len(t)", 0), ("np.pi", 0),
    ("np.fft.fftfreq(n, 0.1)", 1), ("np.fft.rfftfreq(n)", 1),
    ("np.sin(2 * np.pi * np.arange(n) / float(t))", 1),
    ("np.asarray(t).reshape(n, -1)", 2),
    ("(np.abs(np.fft.fftfreq(n)) < float(t)).astype(float)", 1),
])
def test_scalar_and_ufunc_ranks(expr, rank):
    f = facts_of(f"import numpy as np\ndef f(n, t):\n    return {expr}\n", expr)
    assert f.rank == rank


def test_where_with_one_argument_is_unknown():
    assert facts_of("import numpy as np\ndef f(c):\n    return np.where(np.ones(3) > c)\n",
                    "np.where(np.ones(3) > c)").rank is None


def test_named_constant_size_is_the_number():
    f = facts_of("import numpy as np\nN = 256\nx = np.zeros(N)\n", "x", line=3)
    assert f.shape == (256,)


# -- results of the file's own functions ----------------------------------------------------

def test_local_function_result():
    code = ("import numpy as np\ndef counts(docs):\n    c = np.zeros((len(docs), 9), dtype=np.int64)\n    return c\n"
            "def g(docs):\n    m = counts(docs)\n    return m\n")
    f = facts_of(code, "m", line=7)
    assert (f.rank, f.dtype, f.shape) == (2, "int64", (None, 9))  # the callee's len(docs) means nothing here


@pytest.mark.parametrize("body", [
    "    if d:\n        return np.zeros((3, 3), dtype=int)\n    return np.zeros(3)\n",   # returns disagree
    "    if d:\n        return np.zeros((3, 3))\n",                                     # may fall off the end
    "    yield np.zeros((3, 3))\n    return np.zeros((3, 3))\n",                        # a generator
])
def test_local_function_result_unknown(body):
    code = f"import numpy as np\ndef h(d):\n{body}def g(d):\n    m = h(d)\n    return m\n"
    assert facts_of(code, "m", line=code.count("\n")).rank is None


# -- loop invariance ----------------------------------------------------------------------------

def _loop_and(code: str, text: str):
    ctx, tree = _ctx(code)
    loop = next(n for n in ast.walk(tree) if isinstance(n, (ast.For, ast.While)))
    node = next(n for n in ast.walk(loop) if isinstance(n, ast.expr) and ctx.text(n) == text)
    return ctx, node, loop


@pytest.mark.parametrize("code,text,expected", [
    # sizes: only a rebinding changes them, an unknown call in the loop does not
    ("import numpy as np\ndef f(X, k, step, it):\n    n, d = X.shape\n    for _ in range(it):\n        step(d)\n        a = (k, d)\n",
     "(k, d)", True),
    ("import numpy as np\nclass M:\n    def f(self, rng, it):\n        for _ in range(it):\n            rng.choice(self.vocab)\n"
     "            a = self.vocab\n", "self.vocab", True),
    ("import numpy as np\nclass M:\n    def f(self, it):\n        for _ in range(it):\n            self.resize()\n            a = self.vocab\n",
     "self.vocab", False),
    ("import numpy as np\ndef f(d, it):\n    for _ in range(it):\n        a = d\n        d += 1\n", "d", False),
])
def test_sizes_invariant(code, text, expected):
    ctx, node, loop = _loop_and(code, text)
    assert is_shape_invariant(ctx, node, loop, sizes=True) is expected


@pytest.mark.parametrize("code,expected", [
    # bound once before the loop from a plain function of arrays: fresh, not held elsewhere
    ("import numpy as np\ndef f(g, jac, x0, it):\n    x = np.asarray(x0, dtype=float)\n    J = jac(x)\n"
     "    for _ in range(it):\n        g(x)\n        y = J\n", True),
    # a module function that builds a new array, updated in place before the loop only
    ("import numpy as np\ndef rbf(A, B):\n    return np.exp(-(A @ B.T))\ndef f(X, bs):\n    J = rbf(X, X)\n"
     "    J[np.diag_indices_from(J)] += 1.0\n    for b in bs:\n        rbf(b, X)\n        y = J\n", True),
    # a method's result may be the object's own array, changed by the loop's unknown calls
    ("import numpy as np\ndef f(model, it):\n    J = model.weights()\n    for _ in range(it):\n        model.step()\n        y = J\n", False),
    # an argument that is an arbitrary object: the result may be held by it
    ("import numpy as np\ndef f(get, model, opt, it):\n    J = get(model)\n    for _ in range(it):\n        opt(model)\n        y = J\n", False),
    # changed in the loop
    ("import numpy as np\ndef f(jac, x, it):\n    J = jac(np.ones(3))\n    for _ in range(it):\n        J[0] = 1\n        y = J\n", False),
])
def test_call_result_invariant(code, expected):
    ctx, node, loop = _loop_and(code, "J")
    assert is_loop_invariant(ctx, node, loop) is expected
