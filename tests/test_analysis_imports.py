"""Name resolution through imports, aliases, shadowing and get_blas_funcs."""

from __future__ import annotations

import ast
import textwrap

import pytest

from blaslint.analysis.context import FileContext, set_parents
from blaslint.analysis.imports import blas_routine, canonical
from blaslint.core.source import SourceText


def ctx_for(code: str) -> FileContext:
    code = textwrap.dedent(code)
    tree = ast.parse(code)
    set_parents(tree)
    return FileContext(SourceText(code), tree)


def calls(ctx):
    return [n for n in ast.walk(ctx.tree) if isinstance(n, ast.Call)]


def resolved(code: str) -> list:
    ctx = ctx_for(code)
    return sorted(str(ctx.resolve_call(c)) for c in calls(ctx))


@pytest.mark.parametrize("code,expected", [
    ("import numpy as np\nnp.linalg.inv(A)", "numpy.linalg.inv"),
    ("import numpy\nnumpy.linalg.inv(A)", "numpy.linalg.inv"),
    ("import numpy.linalg\nnumpy.linalg.inv(A)", "numpy.linalg.inv"),
    ("from numpy.linalg import inv\ninv(A)", "numpy.linalg.inv"),
    ("from numpy.linalg import inv as I\nI(A)", "numpy.linalg.inv"),
    ("from numpy import linalg as la\nla.inv(A)", "numpy.linalg.inv"),
    ("import scipy.linalg as sla\nsla.inv(A)", "scipy.linalg.inv"),
    ("from scipy import linalg\nlinalg.inv(A)", "scipy.linalg.inv"),
    ("import cupy as cp\ncp.linalg.inv(A)", "numpy.linalg.inv"),
    ("import jax.numpy as jnp\njnp.linalg.inv(A)", "numpy.linalg.inv"),
    ("import torch\ntorch.inverse(A)", "torch.inverse"),
    ("from scipy.linalg.blas import sgemv\nsgemv(1.0, A, x)", "scipy.linalg.blas.sgemv"),
    ("from scipy.linalg import blas as fblas\nfblas.dgemm(1.0, A, B)", "scipy.linalg.blas.dgemm"),
])
def test_resolves_through_aliases(code, expected):
    assert resolved(code) == [expected]


def test_unknown_names_do_not_resolve():
    assert resolved("inv(A)") == ["None"]
    assert resolved("import numpy as np\nfoo.linalg.inv(A)") == ["None"]


def test_local_binding_shadows_import():
    code = """
    from numpy.linalg import inv
    def f(inv, A):
        return inv(A)
    """
    assert resolved(code) == ["None"]


def test_module_level_redefinition_makes_name_ambiguous():
    code = """
    from numpy.linalg import inv
    def inv(a):
        return a
    inv(A)
    """
    assert "numpy.linalg.inv" not in resolved(code)


def test_get_blas_funcs_single_and_tuple():
    code = """
    import numpy as np
    from scipy.linalg import get_blas_funcs
    gemv = get_blas_funcs('gemv', (W,))
    gemm, ger = get_blas_funcs(('gemm', 'ger'), (W, x))
    gemv(1.0, W, x)
    gemm(1.0, W, W)
    ger(1.0, x, x)
    def f(W, x):
        g, = get_blas_funcs(['gemv'], (W, x))
        return g(1.0, W, x)
    """
    out = resolved(code)
    assert out.count("scipy.linalg.blas.?gemv") == 2
    assert "scipy.linalg.blas.?gemm" in out and "scipy.linalg.blas.?ger" in out


def test_blas_routine_split():
    assert blas_routine("scipy.linalg.blas.sgemv") == ("s", "gemv")
    assert blas_routine("scipy.linalg.blas.?ger") == ("?", "ger")
    assert blas_routine("numpy.dot") is None
    assert blas_routine(None) is None


def test_canonical_maps_mirrors():
    assert canonical("cupy.dot") == "numpy.dot"
    assert canonical("numpy.dot") == "numpy.dot"
    assert canonical("torch.mm") == "torch.mm"


def test_spelling_uses_existing_imports():
    ctx = ctx_for("import numpy as np\nfrom scipy import linalg as sla\n")
    assert ctx.spell("numpy.linalg.solve") == "np.linalg.solve"
    assert ctx.spell("scipy.linalg.solve") == "sla.solve"
    assert ctx.spell("torch.linalg.solve") is None


def test_reaching_binding_straight_line_and_branches():
    code = """
    import numpy as np
    def f(c):
        A = np.zeros((3, 3))
        A = np.ones((4, 4))
        use1 = A
        if c:
            B = np.zeros(3)
        else:
            B = np.ones(3)
        use2 = B
        for i in range(3):
            use3 = C
            C = np.eye(3)
    """
    ctx = ctx_for(code)
    loads = {n.id: n for n in ast.walk(ctx.tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
             and n.id in ("A", "B", "C")}
    a = ctx.reaching_binding(loads["A"])
    assert a is not None and ctx.text(a.value) == "np.ones((4, 4))"
    assert ctx.reaching_binding(loads["B"]) is None      # two branches: unsure
    assert ctx.reaching_binding(loads["C"]) is None      # loop-carried


def test_module_global_read_in_function_needs_single_binding():
    code = """
    import numpy as np
    W = np.zeros((3, 3), dtype=np.float32)
    def f():
        return W
    """
    ctx = ctx_for(code)
    load = [n for n in ast.walk(ctx.tree) if isinstance(n, ast.Name) and n.id == "W"
            and isinstance(n.ctx, ast.Load)][0]
    facts = ctx.array_facts(load)
    assert (facts.rank, facts.dtype, facts.order) == (2, "float32", "C")


def test_loop_invariance():
    code = """
    import numpy as np
    for i in range(10):
        a = np.linalg.inv(A)
        b = np.linalg.inv(A + i)
        c = np.random.rand(3)
        D += 1
        e = D @ x
        f = self.W.T @ x
        self.step()
    """
    ctx = ctx_for(code)
    loop = ctx.tree.body[1]
    values = {s.targets[0].id: s.value for s in loop.body if isinstance(s, ast.Assign)}
    assert ctx.is_loop_invariant(values["a"], loop)
    assert not ctx.is_loop_invariant(values["b"], loop)     # depends on the loop variable
    assert not ctx.is_loop_invariant(values["c"], loop)     # random
    assert not ctx.is_loop_invariant(values["e"], loop)     # D changes in place
    assert not ctx.is_loop_invariant(values["f"], loop)     # self.step() may change self.W


def test_self_referential_local_binding_does_not_recurse():
    """Found by the long fuzz run: a local rebound from a call of itself."""
    code = """
    from scipy.linalg.blas import A
    def f(A, W, x):
        def g(*args, **kwargs):
            A = A(1.0, W.T.copy(), x)
    """
    assert resolved(code) == ["None", "None"]
