"""analysis/param_effects: what the package's own functions do with the arrays they are given. A call is no
barrier to loop-invariance only when the callee provably reads its argument and nothing else."""

from __future__ import annotations

import ast
import textwrap

import pytest

from blaslint.analysis.context import FileContext, set_parents
from blaslint.analysis.param_effects import leaves_untouched
from blaslint.core.source import SourceText
from support import lint

CALLER = "\ndef caller(A, B):\n    for it in range(10):\n        helper(A, B)\n"


def untouched(helper_body: str) -> bool:
    """Is the first argument of `helper(A, B)` left untouched by `helper`?"""
    text = "import numpy as np\nimport torch\n" + textwrap.dedent(helper_body) + CALLER
    tree = ast.parse(text)
    set_parents(tree)
    ctx = FileContext(SourceText(text), tree, "m.py")
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "helper")
    return leaves_untouched(ctx, call, call.args[0])


@pytest.mark.parametrize("body", [
    "def helper(p, q):\n    return np.sum(p * q) + p.shape[0]\n",
    "def helper(p, q):\n    s = 0\n    for row in p:\n        s += row.sum()\n    return s\n",
    "def helper(p, q):\n    v = p.T\n    return v @ q, np.linalg.solve(p, q)\n",
    "def helper(p, q):\n    c = p.copy()\n    c[0] = 1\n    return c\n",
    "def helper(p, q):\n    return other(p) + np.hstack([p, q]).sum()\n\ndef other(r):\n    return r.mean()\n",
    "def helper(p, q, *rest, **kw):\n    q[0] = 1\n    return p.sum() if p.ndim else 0.0\n",
    "def helper(p, q):\n    print(f'{p}', len(p))\n    return q[p > 0]\n",
])
def test_a_function_that_only_reads_leaves_its_argument_untouched(body):
    assert untouched(body)


@pytest.mark.parametrize("body", [
    "def helper(p, q):\n    p[0] = q\n",
    "def helper(p, q):\n    p += q\n",
    "def helper(p, q):\n    p.fill(0)\n",
    "def helper(p, q):\n    np.copyto(p, q)\n",
    "def helper(p, q):\n    np.dot(q, q, out=p)\n",
    "def helper(p, q):\n    return p\n",
    "def helper(p, q):\n    v = p.T\n    v[0] = 1\n",
    "def helper(p, q):\n    v = p.reshape(-1)\n    v *= 2\n",
    "def helper(p, q):\n    for row in p:\n        row[:] = 0\n",
    "def helper(p, q):\n    w = p.astype(float, copy=False)\n    w[0] = 1\n",
    "def helper(p, q):\n    p.add_(q)\n",
    "def helper(p, q):\n    torch.nn.init.normal_(p)\n",
    "def helper(p, q):\n    unknown(p)\n",
    "def helper(p, q):\n    other(p)\n\ndef other(r):\n    r[0] = 0\n",
    "def helper(p, q):\n    def inner():\n        p[0] = 0\n    inner()\n",
    "def helper(p, q):\n    store.append(p)\n",
    "def helper(p, q):\n    lst = [p]\n    lst[0][0] = 1\n",
    "def helper(p, q):\n    a, b = np.split(p, 2)\n    a[0] = 1\n",
    "def helper(p, q):\n    scipy_lu(p, overwrite_a=True)\n",
    "def helper(p, q):\n    helper(p, q)\n    p[0] = 1\n",
    "def helper(p, q):\n    G[0] = 1\n    return p.sum()\n",
    "def helper(p, q):\n    G.fill(0)\n    return p.sum()\n",
    "@some_decorator\ndef helper(p, q):\n    return p.sum()\n",
    "def helper(p, q):\n    np.ndarray.sort(p)\n",
])
def test_a_function_that_writes_or_lets_go_of_its_argument_is_a_barrier(body):
    assert not untouched(body)


def test_recursion_is_unsure_not_an_endless_loop():
    assert not untouched("def helper(p, q):\n    return helper(p, q) if q else p.sum()\n")


LOOP = """
import numpy as np

def {helper}

def unmix(T, Y, w, n):
    for it in range(n):
        g = np.sum(w * T.T.dot(Y))
        a = search(w, T, Y)
        w = w - g * a
    return w
"""


def test_bl302_sees_past_a_helper_that_only_reads_the_operands():
    """POT's unmixing loop: `T.T.dot(Y)` is invariant although `T` and `Y` go to the line search each step."""
    reads = "search(w, T, Y):\n    return np.sum(T * Y.shape[0]) + w.sum()\n"
    writes = "search(w, T, Y):\n    T *= 0.5\n    return w.sum()\n"
    (d,) = [d for d in lint(LOOP.format(helper=reads), {"BL302"}) if d.code == "BL302"]
    assert "`T.T.dot(Y)`" in d.message and "`search` only reads `T`, `Y` (read from its body)" in d.message
    assert [d for d in lint(LOOP.format(helper=writes), {"BL302"}) if d.code == "BL302"] == []
