"""Flow helpers the loop and dead-write rules rely on (analysis/flow.py, analysis/blas_writes.py),
and the scipy BLAS behaviour those helpers encode, checked against the installed scipy."""

from __future__ import annotations

import ast
import textwrap

import numpy as np
import pytest
from scipy.linalg.blas import dgemv, sgemm, sgemv, sger

from blaslint.analysis import blas_writes, flow
from blaslint.analysis.context import FileContext, set_parents
from blaslint.analysis.facts import same_dim
from blaslint.core.source import SourceText


def ctx_for(code: str) -> FileContext:
    code = textwrap.dedent(code)
    tree = ast.parse(code)
    set_parents(tree)
    return FileContext(SourceText(code), tree)


def first(ctx, kind, pred=lambda n: True):
    return next(n for n in ast.walk(ctx.tree) if isinstance(n, kind) and pred(n))


def loop_and_expr(code: str, text: str):
    """The first loop of ``code`` and the first expression in it whose source is ``text``."""
    ctx = ctx_for(code)
    loop = first(ctx, (ast.For, ast.While, ast.ListComp))
    expr = first(ctx, ast.expr, lambda n: ctx.text(n) == text)
    return ctx, loop, expr


# -- scipy facts (the rules' assumptions, on this machine's scipy + BLAS) --------------------

def test_gemv_beta0_overwrites_without_reading_even_nan():
    rng = np.random.default_rng(0)
    A = rng.random((3, 4), dtype=np.float32)
    x = rng.random(4, dtype=np.float32)
    for garbage in (np.nan, np.inf, -7.0):
        buf = np.full(3, garbage, dtype=np.float32)
        res = sgemv(1.0, A, x, beta=0.0, y=buf, overwrite_y=1)
        assert res is buf and np.allclose(buf, A @ x)
        buf = np.full(3, garbage, dtype=np.float32)
        sgemv(1.0, A, x, y=buf, overwrite_y=1)  # beta defaults to 0
        assert np.allclose(buf, A @ x)


def test_gemv_writes_only_the_first_m_elements_of_a_longer_y():
    A = np.ones((3, 4), dtype=np.float32)
    buf = np.full(5, 7.0, dtype=np.float32)
    sgemv(1.0, A, np.ones(4, dtype=np.float32), beta=0.0, y=buf, overwrite_y=1)
    assert buf.tolist() == [4.0, 4.0, 4.0, 7.0, 7.0]


def test_gemv_with_a_wrong_dtype_buffer_writes_a_copy():
    A = np.ones((3, 4), dtype=np.float32)
    buf = np.zeros(3)  # float64 to sgemv
    res = sgemv(1.0, A, np.ones(4, dtype=np.float32), beta=0.0, y=buf, overwrite_y=1)
    assert res is not buf and not buf.any()


def test_ger_accumulates_in_place_only_into_fortran_order():
    u, v = np.arange(1, 4, dtype=np.float32), np.arange(1, 5, dtype=np.float32)
    f = np.ones((3, 4), dtype=np.float32, order="F")
    assert sger(2.0, u, v, a=f, overwrite_a=1) is f
    assert np.allclose(f, 1 + 2 * np.outer(u, v))
    c = np.ones((3, 4), dtype=np.float32)
    assert sger(2.0, u, v, a=c, overwrite_a=1) is not c and np.all(c == 1)


def test_gemm_checks_c_shape_and_needs_fortran_order():
    A, B = np.ones((3, 4), dtype=np.float32), np.ones((4, 2), dtype=np.float32)
    c = np.full((3, 2), np.nan, dtype=np.float32, order="F")
    assert sgemm(1.0, A, B, beta=0.0, c=c, overwrite_c=1) is c and np.all(c == 4)
    with pytest.raises(Exception):
        sgemm(1.0, A, B, beta=0.0, c=np.zeros((4, 4), dtype=np.float32, order="F"), overwrite_c=1)


def test_outer_with_out_casts_same_kind_like_inplace_add():
    u, v = np.random.rand(3), np.random.rand(2)
    x = np.empty((3, 2), dtype=np.float32)
    np.outer(u, v, out=x)  # float64 result into float32: same_kind, allowed
    assert np.allclose(x, np.outer(u, v), rtol=1e-6)
    with pytest.raises(TypeError):
        np.outer(u + 1j, v, out=np.empty((3, 2)))  # complex into float: refused, as `+=` refuses


# -- blas_writes --------------------------------------------------------------------------

BLAS_SETUP = """
import numpy as np
from scipy.linalg.blas import sgemv, dgemv, sgemm, sger
W = np.ones((8, 4), dtype=np.float32)
y8 = np.zeros(8, dtype=np.float32)
y4 = np.zeros(4, dtype=np.float32)
y10 = np.zeros(10, dtype=np.float32)
yd = np.zeros(8)
C = np.zeros((8, 3), dtype=np.float32, order="F")
Cc = np.zeros((8, 3), dtype=np.float32)
"""


def bound(code_line: str):
    ctx = ctx_for(BLAS_SETUP + code_line + "\n")
    call = ctx.tree.body[-1].value
    return ctx, blas_writes.bound_call(ctx, call)


@pytest.mark.parametrize("line,in_place,covered", [
    ("sgemv(1.0, W, x, beta=0.0, y=y8, overwrite_y=1)", True, True),
    ("sgemv(1.0, W, x, 0.0, y8, overwrite_y=True)", True, True),
    ("sgemv(1.0, W, x, beta=0.0, y=y4, trans=1, overwrite_y=1)", True, True),
    ("sgemv(1.0, W, x, beta=0.0, y=y4, overwrite_y=1)", True, False),     # 8 rows into 4
    ("sgemv(1.0, W, x, beta=0.0, y=y10, overwrite_y=1)", True, False),    # tail untouched
    ("sgemv(1.0, W, x, beta=0.0, y=y8)", False, True),                    # no overwrite flag
    ("sgemv(1.0, W, x, beta=0.0, y=yd, overwrite_y=1)", False, True),     # float64 into sgemv
    ("sgemv(1.0, W, x, beta=0.0, y=y8, offy=1, overwrite_y=1)", True, False),
    ("sgemm(1.0, W, B, c=C, overwrite_c=1)", True, True),
    ("sgemm(1.0, W, B, c=Cc, overwrite_c=1)", False, True),               # C order: a copy
])
def test_blas_output_facts(line, in_place, covered):
    ctx, b = bound(line)
    param = blas_writes.output_param(b)
    assert blas_writes.writes_in_place(ctx, b, param) is in_place
    assert blas_writes.output_covered(ctx, b) is covered


def test_blas_numbers_and_defaults():
    ctx, b = bound("sgemv(2.0, W, x, y=y8)")
    assert blas_writes.number(ctx, b, "beta") == 0 and blas_writes.number(ctx, b, "alpha") == 2.0
    ctx, b = bound("sgemv(1.0, W, x, np.float32(0), y8)")
    assert blas_writes.number(ctx, b, "beta") == 0
    ctx, b = bound("sgemv(1.0, W, x, beta, y8)")
    assert blas_writes.number(ctx, b, "beta") is None


def test_same_dim():
    assert same_dim(262144, "512 * 512") and same_dim("n", " n") and same_dim("n + 1", "n+1")
    assert not same_dim("n", "m") and not same_dim(None, 3) and not same_dim(4, 5)


# -- mutations and opaque calls ------------------------------------------------------------

def test_opaque_calls():
    ctx = ctx_for("""
        import numpy as np
        rng = np.random.default_rng(0)
        np.dot(a, b); print(a); lst.append(a); a.sum(); W.add_(b); rng.random(3)
        sgd(W, g); model.step(); Foo(a)
        """)
    calls = [n for n in ast.walk(ctx.tree) if isinstance(n, ast.Call)]
    opaque = {ctx.text(c.func) for c in calls if flow.is_opaque_call(ctx, c)}
    assert opaque == {"sgd", "model.step", "Foo"}


def test_arguments_of_unknown_calls_count_as_changed():
    ctx = ctx_for("""
        N = 64 * 64
        for i in range(3):
            sgd([W1, W2], {"g": G}, self.V, N)
            np.dot(A, B)
        """)
    loop = first(ctx, ast.For)
    changed = flow.mutated_names(ctx, loop)
    assert {"W1", "W2", "G", "self.V"} <= changed
    assert "A" not in changed and "N" not in changed  # library call; an int cannot change


def test_blas_output_passed_positionally_counts_as_changed():
    ctx = ctx_for("""
        from scipy.linalg.blas import dgemv
        for x in xs:
            dgemv(1.0, A, x, 0.0, y, overwrite_y=1)
        """)
    assert "y" in flow.mutated_names(ctx, first(ctx, ast.For))


@pytest.mark.parametrize("code,text,invariant", [
    # a parameter is private: an unknown call cannot reach it unless it is passed
    ("def f(A, xs, log):\n    for x in xs:\n        B = A.T @ A\n        log(x)\n", "A.T @ A", True),
    ("def f(A, xs, log):\n    for x in xs:\n        B = A.T @ A\n        log(A)\n", "A.T @ A", False),
    # an attribute can be reached by any unknown call
    ("def f(m, xs, opt):\n    for x in xs:\n        B = m.W.T @ m.W\n        opt.step()\n", "m.W.T @ m.W", False),
    ("def f(m, xs):\n    for x in xs:\n        B = m.W.T @ m.W\n        print(x)\n", "m.W.T @ m.W", True),
    # a name bound to an attribute may alias it
    ("def f(m, xs, opt):\n    W = m.weight\n    for x in xs:\n        B = W.T @ W\n        opt.step()\n",
     "W.T @ W", False),
    # a module global changed by a function of the module
    ("import numpy as np\nW = np.ones((3, 3))\ndef bump():\n    W[0] += 1\nfor i in range(3):\n"
     "    B = W @ W\n    bump()\n", "W @ W", False),
    ("import numpy as np\nW = np.ones((3, 3))\ndef show():\n    print(1)\nfor i in range(3):\n"
     "    B = W @ W\n    show()\n", "W @ W", True),
    # a size read off an array is a number: no call can change it (PyKrige's `n = bd_idx.shape[1]`)
    ("import numpy as np\ndef f(bd_idx, xs, g):\n    n = bd_idx.shape[1]\n    for x in xs:\n"
     "        b = np.zeros((n + 1, 1))\n        g(x)\n", "(n + 1, 1)", True),
    ("import numpy as np\ndef f(X, xs, g):\n    n, d = X.shape\n    for x in xs:\n        b = np.zeros((n, d))\n"
     "        g(x)\n", "(n, d)", True),
    # ... but a name bound to an element may alias a mutable object
    ("import numpy as np\ndef f(m, xs, g):\n    n = m.sizes[1]\n    for x in xs:\n        b = np.zeros(n)\n"
     "        g(x)\n", "np.zeros(n)", False),
    # numpy Generator results are fresh arrays
    ("import numpy as np\nrng = np.random.default_rng(0)\nW = rng.random((3, 3))\nfor i in range(3):\n"
     "    B = W.T.copy()\n    run(i)\n", "W.T.copy()", True),
])
def test_loop_invariance_with_unknown_calls(code, text, invariant):
    ctx, loop, expr = loop_and_expr(code, text)
    assert ctx.is_loop_invariant(expr, loop) is invariant


@pytest.mark.parametrize("code,text,invariant,whole", [
    ("for b in bs:\n    W -= b\n    z = zeros_like(W)\n", "W", True, True),
    ("for b in bs:\n    W = W - b\n    z = zeros_like(W)\n", "W", False, True),
    ("for b in bs:\n    W[0] = b\n    z = zeros(W.shape[0])\n", "W.shape[0]", True, False),
    ("for xb in bs:\n    z = zeros((len(xb), n))\n", "(len(xb), n)", False, False),
    ("import numpy as np\nfor xb in bs:\n    z = np.zeros((len(X), n))\n", "(len(X), n)", True, False),
    ("for i in range(3):\n    n += 1\n    z = zeros(n * 2)\n", "n * 2", False, False),
    ("for i in range(3):\n    self.h = f(i)\n    z = zeros(self.h.shape)\n", "self.h.shape", False, False),
])
def test_shape_invariance(code, text, invariant, whole):
    ctx, loop, expr = loop_and_expr(code, text)
    assert flow.is_shape_invariant(ctx, expr, loop, whole=whole) is invariant


def test_rebound_names_ignore_in_place_updates():
    ctx = ctx_for("for x in xs:\n    a += x\n    b[0] = x\n    c = x\n    self.d = x\n    e.f += 1\n")
    assert flow.rebound_names(ctx, first(ctx, ast.For)) == {"x", "c", "self.d"}


@pytest.mark.parametrize("header,once", [
    ("for _ in range(1):", True), ("for i in range(3, 4):", True), ("for x in [a]:", True),
    ("for i in range(2):", False), ("for x in xs:", False), ("while c:", False),
])
def test_runs_at_most_once(header, once):
    ctx = ctx_for(f"{header}\n    f()\n")
    assert flow.runs_at_most_once(ctx.tree.body[0]) is once


def test_a_loop_ending_in_break_runs_once():
    ctx = ctx_for("while True:\n    f()\n    break\n")
    assert flow.runs_at_most_once(ctx.tree.body[0])


# -- what the following statements do with a buffer -------------------------------------------

def test_next_mention_skips_unrelated_statements():
    ctx = ctx_for("def f():\n    y.fill(0)\n    a = 1\n    print(a)\n    y[:] = a\n    z = y\n")
    body = ctx.tree.body[0].body
    skipped, stmt = flow.next_mention(ctx, body[0], "y")
    assert skipped == body[1:3] and stmt is body[3]


@pytest.mark.parametrize("middle", ["return 1", "if c:\n        return", "yield", "raise E", "del y"])
def test_next_mention_stops_at_exits_and_deletes(middle):
    ctx = ctx_for(f"def f():\n    y.fill(0)\n    {middle}\n    y[:] = 1\n")
    body = ctx.tree.body[0].body
    found = flow.next_mention(ctx, body[0], "y")
    assert found is None or found[1] is body[1]


def test_next_mention_none_at_block_end():
    ctx = ctx_for("def f(c):\n    y.fill(0)\n    if c:\n        pass\n")
    assert flow.next_mention(ctx, ctx.tree.body[0].body[0], "y") is None


def test_hidden_reads_of_globals_and_attributes():
    ctx = ctx_for("buf = 0\ndef show():\n    print(buf)\ndef f():\n    show()\n    g()\n")
    f_body = ctx.tree.body[2].body
    assert flow.may_read_unseen(ctx, "buf", f_body, ctx.tree)
    assert not flow.may_read_unseen(ctx, "other", f_body, ctx.tree)
    assert flow.may_read_unseen(ctx, "self.buf", f_body, ctx.tree)
    assert not flow.may_read_unseen(ctx, "self.buf", [ast.parse("x = 1").body[0]], ctx.tree)


@pytest.mark.parametrize("code,reads", [
    ("np.dot(self.W, x, out=self.out)", False),   # with the out= argument skipped
    ("np.dot(self.out, x, out=self.out)", True),
    ("np.dot(self.W, self.step(), out=self.out)", True),  # a method on self may read self.out
    ("np.dot(f(self), x, out=self.out)", True),
])
def test_reads_path_attribute_precision(code, reads):
    ctx = ctx_for(code + "\n")
    call = ctx.tree.body[0].value
    out = call.keywords[0].value
    assert flow.reads_path(call, "self.out", skip=out) is reads


def test_mentions_covers_rebinding():
    ctx = ctx_for("y = g()\nfor y in ys: pass\nprint(z)\n")
    assert flow.mentions(ctx.tree.body[0], "y") and flow.mentions(ctx.tree.body[1], "y")
    assert not flow.mentions(ctx.tree.body[2], "y")


def test_dgemv_helper_import_is_used():
    # keep the imported wrappers exercised (they document the signatures the tables mirror)
    assert "trans" in dgemv.__doc__ and "overwrite_y" in sgemv.__doc__


@pytest.mark.parametrize("code,line,reaches", [
    # rebound further down the loop body, but rebound again before the read on every iteration (spreg's
    # `DD = np.dot(D, D); trDDi[i] = np.trace(DD); DD = np.dot(D.T, D); ...`)
    ("def f(D, n):\n    for i in range(n):\n        DD = D @ D\n        print(DD)\n        DD = D.T @ D\n"
     "        print(DD)\n", 4, 3),
    # `del` later in the body: the binding above still reaches the read
    ("def f(E, n):\n    for i in range(n):\n        e = E[i]\n        print(e)\n        del e\n", 4, 3),
    # bound before the loop and rebound in it: the read sees either binding
    ("def f(D, n):\n    DD = D @ D\n    for i in range(n):\n        print(DD)\n        DD = D.T @ D\n", 4, None),
    # bound in a branch inside the loop: it may not run before the read
    ("def f(D, n, c):\n    DD = D\n    for i in range(n):\n        if c:\n            DD = D @ D\n        print(DD)\n",
     6, None),
])
def test_reaching_binding_inside_a_loop(code, line, reaches):
    ctx = ctx_for(code)
    load = next(n for n in ast.walk(ctx.tree) if isinstance(n, ast.Name) and n.lineno == line
                and isinstance(n.ctx, ast.Load) and n.id in ("DD", "e"))
    b = ctx.reaching_binding(load)
    assert (b.stmt.lineno if b is not None else None) == reaches
