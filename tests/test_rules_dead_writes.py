"""BL201 zero-fill-before-overwrite and BL204 fill-then-rank1: detection, silence, fixes run."""

from __future__ import annotations

import textwrap

import pytest

from support import assert_fix_equivalent, fix, lint


def bl(code, rule):
    return [d for d in lint(code, {rule}) if d.code == rule]


def lines(code, rule):
    return [d.line for d in bl(code, rule)]


HEADER = "import numpy as np\nfrom scipy.linalg.blas import sgemv, sger, dgemv, dger, sgemm\n"

# -- BL201: flagged ---------------------------------------------------------------------

FLAGGED_201 = {
    "fill then out=": """
        import numpy as np
        def f(A, x, y):
            y.fill(0)
            np.dot(A, x, out=y)
        """,
    "slice zero then slice write": """
        import numpy as np
        def f(a, b, buf):
            buf[:] = 0.0
            buf[:] = a + b
        """,
    "ellipsis zero then ufunc out": """
        import numpy as np
        def f(a, buf):
            buf[...] = 0
            np.exp(a, out=buf)
        """,
    "two-axis slice zero then copyto": """
        import numpy as np
        def f(a, buf):
            buf[:, :] = 0
            np.copyto(buf, a)
        """,
    "zeros then matmul out": """
        import numpy as np
        def f(A, B):
            C = np.zeros((A.shape[0], B.shape[1]))
            np.matmul(A, B, out=C)
            return C
        """,
    "zeros_like rebound": """
        import numpy as np
        def backward(W, X, G):
            dW = np.zeros_like(W)
            dW = X.T @ G
            return dW
        """,
    "zeros rebound after unrelated statements": """
        import numpy as np
        def f(X, G, lr):
            grad = np.zeros(X.shape[1])
            scale = lr / len(X)
            grad = scale * (X.T @ G)
            return grad
        """,
    "aliased import and keyword beta default": """
        import numpy as np
        import scipy.linalg.blas as B
        W = np.ones((8, 4), dtype=np.float32)
        h = np.zeros(8, dtype=np.float32)
        def fwd(x):
            h.fill(0)
            B.sgemv(1.0, W, x, y=h, overwrite_y=1)
            return h
        """,
    "positional beta and y, trans": """
        import numpy as np
        from scipy.linalg.blas import dgemv
        W = np.ones((8, 4))
        g = np.zeros(4)
        def back(e):
            g.fill(0.0)
            dgemv(1.0, W, e, 0.0, g, trans=1, overwrite_y=True)
            return g
        """,
    "zeros then gemv assigned back": """
        import numpy as np
        from scipy.linalg.blas import sgemv
        W = np.ones((16, 4), dtype=np.float32)
        def layer(x):
            y = np.zeros(16, dtype=np.float64)
            y = sgemv(1.0, W, x, beta=0.0, y=y)
            return y
        """,
    "gemm beta 0 into F-ordered c": """
        import numpy as np
        from scipy.linalg.blas import sgemm
        C = np.zeros((4, 5), dtype=np.float32, order="F")
        def f(A, B):
            C[:] = 0
            sgemm(1.0, A, B, c=C, overwrite_c=1)
        """,
    "torch zero_ then out=": """
        import torch
        def f(a, b, out):
            out.zero_()
            torch.matmul(a, b, out=out)
        """,
    "torch zeros rebound": """
        import torch
        def f(x, W):
            h = torch.zeros(x.shape[0], W.shape[1])
            h = x @ W
            return h
        """,
    "fill in a training loop": """
        import numpy as np
        def train(W, xs):
            out = np.empty(W.shape[0])
            for x in xs:
                out.fill(0)
                np.dot(W, x, out=out)
                print(out.sum())
        """,
    "attribute buffer": """
        import numpy as np
        class Layer:
            def forward(self, x):
                self.out.fill(0)
                np.dot(self.W, x, out=self.out)
                return self.out
        """,
    "loop writes every element": """
        import numpy as np
        def f(xs, n):
            r = np.zeros(n)
            for i in range(n):
                r[i] = xs[i] ** 2
            return r
        """,
    "nested loops write every element": """
        import numpy as np
        def gram(X, n):
            K = np.zeros((n, n))
            for i in range(n):
                for j in range(n):
                    K[i, j] = X[i] @ X[j]
            return K
        """,
    "loop writes every row": """
        import numpy as np
        def f(X, m, d):
            Y = np.zeros((m, d))
            for i in range(m):
                Y[i] = X[i] * 2
            return Y
        """,
    "zeros with module alias and dtype kw": """
        import numpy
        def f(a, b):
            out = numpy.zeros(a.shape, dtype=numpy.float32)
            numpy.add(a, b, out=out)
            return out
        """,
}


@pytest.mark.parametrize("name", list(FLAGGED_201))
def test_bl201_flags(name):
    assert len(bl(FLAGGED_201[name], "BL201")) == 1, name


NOT_FLAGGED_201 = {
    "fill before +=": """
        import numpy as np
        def f(A, x, y):
            y.fill(0)
            y += A @ x
            return y
        """,
    "fill before np.add into itself": """
        import numpy as np
        def f(a, y):
            y.fill(0)
            np.add(y, a, out=y)
        """,
    "fill before ger": """
        import numpy as np
        from scipy.linalg.blas import sger
        G = np.zeros((4, 3), dtype=np.float32, order="F")
        def f(u, v):
            G.fill(0)
            sger(1.0, u, v, a=G, overwrite_a=1)
            sger(1.0, v[:4], u[:3], a=G, overwrite_a=1)
        """,
    "fill before beta=1 gemv": """
        import numpy as np
        from scipy.linalg.blas import sgemv
        W = np.ones((8, 4), dtype=np.float32)
        h = np.zeros(8, dtype=np.float32)
        def f(x):
            h.fill(0)
            sgemv(1.0, W, x, beta=1.0, y=h, overwrite_y=1)
        """,
    "beta unknown": """
        import numpy as np
        from scipy.linalg.blas import sgemv
        W = np.ones((8, 4), dtype=np.float32)
        h = np.zeros(8, dtype=np.float32)
        def f(x, b):
            h.fill(0)
            sgemv(1.0, W, x, beta=b, y=h, overwrite_y=1)
        """,
    "gemv without overwrite flag": """
        import numpy as np
        from scipy.linalg.blas import sgemv
        W = np.ones((8, 4), dtype=np.float32)
        h = np.zeros(8, dtype=np.float32)
        def f(x):
            h.fill(0)
            sgemv(1.0, W, x, beta=0.0, y=h)
            return h
        """,
    "gemv into a longer buffer (tail keeps its zeros)": """
        import numpy as np
        from scipy.linalg.blas import sgemv
        W = np.ones((8, 4), dtype=np.float32)
        h = np.zeros(10, dtype=np.float32)
        def f(x):
            h.fill(0)
            sgemv(1.0, W, x, beta=0.0, y=h, overwrite_y=1)
            return h
        """,
    "zeros then gemv assigned back, length unknown": """
        import numpy as np
        from scipy.linalg.blas import sgemv
        def layer(W, x, m):
            y = np.zeros(m, dtype=np.float32)
            y = sgemv(1.0, W, x, beta=0.0, y=y)
            return y
        """,
    "gemv into a buffer of unknown length": """
        import numpy as np
        from scipy.linalg.blas import sgemv
        def f(W, x, h):
            h.fill(0)
            sgemv(1.0, W, x, beta=0.0, y=h, overwrite_y=1)
        """,
    "gemv with offy": """
        import numpy as np
        from scipy.linalg.blas import sgemv
        W = np.ones((8, 4), dtype=np.float32)
        h = np.zeros(8, dtype=np.float32)
        def f(x):
            h.fill(0)
            sgemv(1.0, W, x, beta=0.0, y=h, offy=2, overwrite_y=1)
        """,
    "gemm into a C-ordered buffer (lands in a copy)": """
        import numpy as np
        from scipy.linalg.blas import sgemm
        C = np.zeros((4, 5), dtype=np.float32)
        def f(A, B):
            C.fill(0)
            sgemm(1.0, A, B, c=C, overwrite_c=1)
            return C
        """,
    "read in between": """
        import numpy as np
        def f(a, y):
            y.fill(0)
            s = y.sum()
            y[:] = a
            return s
        """,
    "escapes in between": """
        import numpy as np
        def f(a, y, hist):
            y.fill(0)
            hist.append(y)
            y[:] = a
        """,
    "conditional overwrite": """
        import numpy as np
        def f(a, y, c):
            y.fill(0)
            if c:
                y[:] = a
            return y
        """,
    "overwrite in a loop that may not run": """
        import numpy as np
        def f(xs, y):
            y.fill(0)
            for x in xs:
                y[:] = x
            return y
        """,
    "return in between": """
        import numpy as np
        def f(a, y, c):
            y.fill(0)
            if c:
                return y
            y[:] = a
        """,
    "partial write": """
        import numpy as np
        def f(a, y):
            y[:] = 0
            y[1:] = a
            return y
        """,
    "index write": """
        import numpy as np
        def f(a, y, idx):
            y.fill(0)
            y[idx] = a
            return y
        """,
    "add.at": """
        import numpy as np
        def f(a, y, idx):
            y.fill(0)
            np.add.at(y, idx, a)
            return y
        """,
    "where= leaves elements": """
        import numpy as np
        def f(a, y):
            y.fill(0)
            np.multiply(a, 2, out=y, where=a > 0)
            return y
        """,
    "copyto with where": """
        import numpy as np
        def f(a, y, m):
            y.fill(0)
            np.copyto(y, a, where=m)
            return y
        """,
    "right side reads the buffer": """
        import numpy as np
        def f(a, y):
            y.fill(0)
            y[:] = y + a
            return y
        """,
    "zeros read before rebinding": """
        import numpy as np
        def f(W, X, G):
            dW = np.zeros_like(W)
            dW = dW + X.T @ G
            return dW
        """,
    "zeros accumulated": """
        import numpy as np
        def f(xs, n):
            acc = np.zeros(n)
            for x in xs:
                acc += x
            return acc
        """,
    "zeros rebound only in a branch": """
        import numpy as np
        def f(X, G, c):
            dW = np.zeros(3)
            if c:
                dW = X.T @ G
            return dW
        """,
    "loop with a break": """
        import numpy as np
        def f(xs, n):
            r = np.zeros(n)
            for i in range(n):
                if xs[i] < 0:
                    break
                r[i] = xs[i]
            return r
        """,
    "loop over a shorter range": """
        import numpy as np
        def f(xs, n):
            r = np.zeros(n)
            for i in range(n - 1):
                r[i] = xs[i]
            return r
        """,
    "loop writing only a column of a matrix": """
        import numpy as np
        def f(xs, n, m):
            r = np.zeros((n, m))
            for i in range(n):
                r[i, 0] = xs[i]
            return r
        """,
    "loop with conditional write": """
        import numpy as np
        def f(xs, n):
            r = np.zeros(n)
            for i in range(n):
                if xs[i] > 0:
                    r[i] = xs[i]
            return r
        """,
    "a function reads the global buffer in between": """
        import numpy as np
        buf = np.zeros(4)
        def show():
            print(buf)
        def f(a):
            buf.fill(0)
            show()
            buf[:] = a
        """,
    "a non-zero fill": """
        import numpy as np
        def f(a, y):
            y.fill(np.nan)
            y[:] = a
        """,
    "np.fill of another kind": """
        import matplotlib.pyplot as plt
        def f(x, y):
            plt.fill(0)
            plt.fill(x, y)
        """,
}


@pytest.mark.parametrize("name", list(NOT_FLAGGED_201))
def test_bl201_silent(name):
    assert bl(NOT_FLAGGED_201[name], "BL201") == [], name


def test_bl201_message_names_the_overwriting_line():
    (d,) = bl(FLAGGED_201["fill then out="], "BL201")
    assert "line 5" in d.message and "`y`" in d.message
    assert d.fix is not None and d.fix.is_safe


# -- BL201: fixes run to the same results (exactly: the fix is safe) ----------------------

def test_bl201_fill_deleted_before_out_is_exact():
    assert_fix_equivalent(
        """
        import numpy as np
        y = np.full(5, np.nan)
        y.fill(0)
        np.dot(A, x, out=y)
        """,
        "import numpy as np\nA = np.random.rand(5, 3)\nx = np.random.rand(3)\n",
        ["y"], codes={"BL201"}, unsafe=False, exact=True)


def test_bl201_blas_fill_deleted_is_exact_even_with_nan_garbage():
    fixed = assert_fix_equivalent(
        """
        from scipy.linalg.blas import sgemv
        import numpy as np
        W = np.random.rand(8, 4).astype(np.float32)
        out = np.full(8, np.nan, dtype=np.float32)
        def forward(x):
            out.fill(0)
            sgemv(1.0, W, x, beta=0.0, y=out, overwrite_y=1)
            return out
        r = forward(x).copy()
        """,
        HEADER + "x = np.random.rand(4).astype(np.float32)\n",
        ["r"], codes={"BL201"}, unsafe=False, exact=True)
    assert "fill" not in fixed


def test_bl201_transposed_gemv_fix_is_exact():
    assert_fix_equivalent(
        """
        import numpy as np
        from scipy.linalg.blas import dgemv
        W = np.random.rand(8, 4)
        g = np.full(4, np.inf, dtype=np.float64)
        g.fill(0.0)
        dgemv(1.0, W, e, 0.0, g, trans=1, overwrite_y=True)
        """,
        HEADER + "e = np.random.rand(8)\n",
        ["g"], codes={"BL201"}, unsafe=False, exact=True)


def test_bl201_zeros_to_empty_is_exact():
    fixed = assert_fix_equivalent(
        """
        import numpy as np
        def f(a, b):
            out = np.zeros(a.shape, dtype=np.float32)
            np.add(a, b, out=out)
            return out
        r = f(a, b)
        """,
        "import numpy as np\na = np.random.rand(6, 5)\nb = np.random.rand(6, 5)\n",
        ["r"], codes={"BL201"}, unsafe=False, exact=True)
    assert "np.empty(a.shape, dtype=np.float32)" in fixed


def test_bl201_dead_store_deleted_is_exact():
    fixed = assert_fix_equivalent(
        """
        import numpy as np
        dW = np.zeros_like(W)
        dW = X.T @ G
        """,
        "import numpy as np\nW = np.random.rand(3, 2)\nX = np.random.rand(5, 3)\nG = np.random.rand(5, 2)\n",
        ["dW"], codes={"BL201"}, unsafe=False, exact=True)
    assert "zeros" not in fixed and "empty" not in fixed


def test_bl201_loop_fill_is_exact():
    fixed = assert_fix_equivalent(
        """
        import numpy as np
        K = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                K[i, j] = np.exp(-np.sum((X[i] - X[j]) ** 2))
        """,
        "import numpy as np\nn = 6\nX = np.random.rand(n, 2)\n",
        ["K"], codes={"BL201"}, unsafe=False, exact=True)
    assert "np.empty((n, n))" in fixed


def test_bl201_slice_write_from_import_alias():
    fixed = fix("""
        from numpy import zeros, empty
        def f(a):
            out = zeros(a.shape)
            out[:] = a * 2
            return out
        """, {"BL201"}, unsafe=False)
    assert "out = empty(a.shape)" in fixed


def test_bl201_no_fix_without_an_empty_spelling():
    code = """
        from numpy import zeros
        def f(a):
            out = zeros(a.shape)
            out[:] = a * 2
            return out
        """
    (d,) = bl(code, "BL201")
    # `empty` is not imported: spell it through numpy only if numpy is imported
    assert d.fix is None or "empty" in d.fix.edits[0].content


def test_bl201_torch_fill_fix_text():
    fixed = fix(FLAGGED_201["torch zero_ then out="], {"BL201"}, unsafe=False)
    assert "zero_" not in fixed and "torch.matmul(a, b, out=out)" in fixed


def test_bl201_fill_only_statement_in_block_becomes_pass():
    code = textwrap.dedent("""
        import numpy as np
        def f(A, x, y, c):
            if c:
                y.fill(0)
            np.dot(A, x, out=y)
        """)
    assert bl(code, "BL201") == []  # different blocks: the fill is conditional, silent


# -- BL204 -------------------------------------------------------------------------------

FLAGGED_204 = {
    "fill then += outer": """
        import numpy as np
        def f(G, u, v):
            G.fill(0)
            G += np.outer(u, v)
        """,
    "slice zero then scaled outer": """
        import numpy as np
        def f(G, u, v, lr):
            G[:] = 0
            G[:] += 0.5 * np.outer(u, v)
        """,
    "fill then -= outer": """
        import numpy as np
        def f(G, u, v):
            G.fill(0)
            G -= np.outer(u, v)
        """,
    "zeros then += outer": """
        import numpy as np
        def f(u, v):
            G = np.zeros((u.size, v.size))
            G += np.outer(u, v)
            return G
        """,
    "fill then sger in place": """
        import numpy as np
        from scipy.linalg.blas import sger
        dW = np.zeros((4, 3), dtype=np.float32, order="F")
        def f(e, h):
            dW.fill(0)
            sger(1.0, e, h, a=dW, overwrite_a=1)
        """,
    "fill then ger assigned to a slice": """
        import numpy as np
        from scipy.linalg.blas import dger
        def f(G, u, v):
            G.fill(0)
            G[:] = dger(2.0, u, v, a=G)
        """,
    "fill then dger assigned back, positional a": """
        import numpy as np
        from scipy.linalg.blas import dger
        def f(u, v):
            G = np.zeros((3, 4), order="F")
            G = dger(1.0, u, v, 1, 1, G, 0, 0, 1)
            return G
        """,
    "torch zero_ then outer": """
        import torch
        def f(G, u, v):
            G.zero_()
            G += torch.outer(u, v)
        """,
}


@pytest.mark.parametrize("name", list(FLAGGED_204))
def test_bl204_flags(name):
    assert len(bl(FLAGGED_204[name], "BL204")) == 1, name


NOT_FLAGGED_204 = {
    "two accumulating outers": """
        import numpy as np
        def f(G, u, v, p, q):
            G.fill(0)
            G += np.outer(u, v)
            G += np.outer(p, q)
        """,
    "a loop of ger calls": """
        import numpy as np
        from scipy.linalg.blas import dger
        def f(G, us, vs):
            G.fill(0)
            for u, v in zip(us, vs):
                dger(1.0, u, v, a=G, overwrite_a=1)
        """,
    "outer then ger": """
        import numpy as np
        from scipy.linalg.blas import dger
        def f(G, u, v):
            G.fill(0)
            G += np.outer(u, v)
            dger(1.0, v, u, a=G, overwrite_a=1)
        """,
    "read before the update": """
        import numpy as np
        def f(G, u, v):
            G.fill(0)
            n = np.linalg.norm(G)
            G += np.outer(u, v)
            return n
        """,
    "non-zero fill": """
        import numpy as np
        def f(G, u, v):
            G.fill(1.0)
            G += np.outer(u, v)
        """,
    "ger into a C-ordered buffer, result dropped": """
        import numpy as np
        from scipy.linalg.blas import sger
        dW = np.zeros((4, 3), dtype=np.float32)
        def f(e, h):
            dW.fill(0)
            sger(1.0, e, h, a=dW, overwrite_a=1)
        """,
    "ger with strides": """
        import numpy as np
        from scipy.linalg.blas import dger
        def f(G, u, v):
            G.fill(0)
            G[:] = dger(1.0, u, v, incx=2, a=G)
        """,
    "elementwise product, not outer": """
        import numpy as np
        def f(G, u, v):
            G.fill(0)
            G += u * v
        """,
    "update conditional": """
        import numpy as np
        def f(G, u, v, c):
            G.fill(0)
            if c:
                G += np.outer(u, v)
        """,
    "outer reads the buffer": """
        import numpy as np
        def f(G, u):
            G.fill(0)
            G += np.outer(G[0], u)
        """,
}


@pytest.mark.parametrize("name", list(NOT_FLAGGED_204))
def test_bl204_silent(name):
    assert bl(NOT_FLAGGED_204[name], "BL204") == [], name


def test_bl204_fill_and_outer_fix_runs_the_same():
    fixed = assert_fix_equivalent(
        """
        import numpy as np
        G = np.full((5, 4), np.nan)
        G.fill(0)
        G += np.outer(u, v)
        """,
        "import numpy as np\nu = np.random.rand(5)\nv = np.random.rand(4)\n",
        ["G"], codes={"BL204"}, unsafe=True)
    assert "np.outer(u, v, out=G)" in fixed and "fill" not in fixed


def test_bl204_scaled_subtracted_outer_fix_runs_the_same():
    fixed = assert_fix_equivalent(
        """
        import numpy as np
        G = np.empty((5, 4))
        G[:] = 0
        G[:] -= 0.5 * np.outer(u + 1, v)
        """,
        "import numpy as np\nu = np.random.rand(5)\nv = np.random.rand(4)\n",
        ["G"], codes={"BL204"}, unsafe=True)
    assert "np.outer(-(0.5 * (u + 1)), v, out=G)" in fixed


def test_bl204_zeros_then_outer_fix_keeps_dtype():
    fixed = assert_fix_equivalent(
        """
        import numpy as np
        G = np.zeros((5, 4), dtype=np.float32)
        G += np.outer(u, v)
        is32 = G.dtype == np.float32
        """,
        "import numpy as np\nu = np.random.rand(5)\nv = np.random.rand(4)\n",
        ["G", "is32"], codes={"BL204"}, unsafe=True)
    assert "np.empty((5, 4), dtype=np.float32)" in fixed and "np.outer(u, v, out=G)" in fixed


def test_bl204_sger_fix_runs_the_same():
    fixed = assert_fix_equivalent(
        """
        import numpy as np
        from scipy.linalg.blas import sger
        dW = np.zeros((6, 3), dtype=np.float32, order="F")
        dW[:] = 7
        def step(e, h):
            dW.fill(0)
            sger(0.5, e, h, a=dW, overwrite_a=1)
        step(e, h)
        """,
        HEADER + "e = np.random.rand(6).astype(np.float32)\nh = np.random.rand(3).astype(np.float32)\n",
        ["dW"], codes={"BL204"}, unsafe=True, rtol=1e-6)
    assert "np.outer(0.5 * e, h, out=dW)" in fixed


def test_bl204_ger_slice_assign_fix_runs_the_same():
    assert_fix_equivalent(
        """
        import numpy as np
        from scipy.linalg.blas import dger
        G = np.ones((6, 3))
        G.fill(0)
        G[:] = dger(2.0, u, v, a=G)
        """,
        HEADER + "u = np.random.rand(6)\nv = np.random.rand(3)\n",
        ["G"], codes={"BL204"}, unsafe=True)


def test_bl204_fix_is_unsafe_only():
    (d,) = bl(FLAGGED_204["fill then += outer"], "BL204")
    assert d.fix is not None and not d.fix.is_safe


def test_bl204_no_fix_for_unknown_scale_or_torch():
    (d,) = bl("""
        import numpy as np
        def f(G, u, v, lr):
            G.fill(0)
            G += lr * np.outer(u, v)
        """, "BL204")
    assert d.fix is None  # lr may be an array: alpha * u would broadcast differently
    (d,) = bl(FLAGGED_204["torch zero_ then outer"], "BL204")
    assert d.fix is None


def test_bl204_ger_assigned_back_to_a_copy_has_no_fix():
    (d,) = bl(FLAGGED_204["fill then dger assigned back, positional a"], "BL204")
    assert d.fix is not None  # F-ordered float64 G: in place
    (d,) = bl("""
        import numpy as np
        from scipy.linalg.blas import dger
        def f(u, v):
            G = np.zeros((3, 4))
            G = dger(1.0, u, v, a=G, overwrite_a=1)
            return G
        """, "BL204")
    assert d.fix is None  # C-ordered: G is rebound to the copy f2py made


def test_bl201_and_bl204_never_both_on_one_fill():
    for code in [*FLAGGED_201.values(), *FLAGGED_204.values()]:
        found = lint(code, {"BL201", "BL204"})
        assert len({(d.line, d.col) for d in found}) == len(found)


def test_bl201_dead_store_message_and_unsafe_deletion_of_impure_arguments():
    code = """
        import numpy as np
        def f(X, G, make_shape):
            dW = np.zeros(make_shape())
            dW = X.T @ G
            return dW
        """
    (d,) = bl(code, "BL201")
    assert "dead store" in d.message and "delete the assignment" in d.message
    assert d.fix is not None and not d.fix.is_safe  # make_shape() may do something


def test_bl201_python_loop_fill_is_info():
    code = """
        import numpy as np
        def f(n, g):
            r = np.zeros(n)
            for i in range(n):
                r[i] = g(i)
            return r
        """
    (d,) = bl(code, "BL201")
    assert d.severity == "info" and "Python loop" in d.message


def test_bl201_vectorised_overwrite_of_a_large_buffer_in_a_hot_loop_is_shown():
    code = """
        import numpy as np
        def f(X, W, n_iter):
            n, d = X.shape
            for it in range(n_iter):
                out = np.zeros((n, d))
                np.multiply(X, W, out=out)
                W = W + out.mean()
            return W
        """
    (d,) = bl(code, "BL201")
    assert d.severity == "warning", d.cost


# -- BL201: loops and dead stores as real code writes them (held-out misses, session 9) -------------

LOOP_COVERS_201 = {
    "a size named once (N = len(ind))": """
        import numpy as np
        N = len(ind)
        images = np.zeros((N, 4))
        for i in range(len(ind)):
            images[i] = X[ind[i]] * 2
        """,
    "zeros_like with the sizes unpacked from .shape": """
        import numpy as np
        out = np.zeros_like(h)
        samples, n = h.shape
        for j in range(n):
            out[:, j] = h[::-1, j]
        """,
    "a loop from 1 indexing i - 1": """
        import numpy as np
        quasi = np.zeros(dim_num)
        for i in range(1, dim_num + 1):
            quasi[i - 1] = lastq[i - 1] * 0.5
        """,
    "both branches write the element": """
        import numpy as np
        stdv = np.zeros(n)
        for i in range(n):
            if X[i].sum() > 0:
                stdv[i] = X[i].std()
            else:
                stdv[i] = np.nan
        """,
    "the element written is read back in the iteration": """
        import numpy as np
        s = np.zeros((4, n))
        h = np.zeros((4, n))
        for t in range(n):
            s[:, t] = X[:, t] * 2
            h[:, t] = np.tanh(s[:, t])
        """,
    "np.zeros(X.shape) of a 2-D X whose sizes are unknown": """
        import numpy as np
        assert X.ndim == 2
        r = np.zeros(X.shape, np.float64)
        for i in range(X.shape[1]):
            r[:, i] = X[:, i] * 2
        """,
    "rows written over enumerate(seq)": """
        import numpy as np
        C = np.zeros((len(ind), 4))
        for i, k in enumerate(ind):
            C[i, :] = X[k] * 2
        """,
    "np.zeros of X.shape[0] with X unknown": """
        import numpy as np
        r = np.zeros(X.shape[0])
        for t in range(0, X.shape[0]):
            r[t] = X[t].sum()
        """,
}

SETUP_201 = ("import numpy as np\nn = 4\nX = np.random.rand(n, 4)\nh = np.random.rand(5, 3)\n"
             "ind = [2, 0, 1]\ndim_num = 5\nlastq = np.random.rand(5)\n")


@pytest.mark.parametrize("name", list(LOOP_COVERS_201))
def test_bl201_loop_covers_real_forms_fix_is_exact(name):
    code = textwrap.dedent(LOOP_COVERS_201[name])
    found = bl(code, "BL201")
    assert found and all(d.severity == "info" for d in found), name
    outputs = [t for t in ("images", "out", "quasi", "stdv", "s", "h", "r", "C") if f"\n{t} = np." in code]
    assert outputs, name
    fixed = assert_fix_equivalent(code, SETUP_201, outputs, codes={"BL201"}, unsafe=False, exact=True)
    assert "zeros" not in fixed


NOT_COVERED_201 = {  # (an `if` without `else` is among NOT_FLAGGED_201)
    "the iteration reads an element it did not write": """
        import numpy as np
        def f(X, n):
            y = np.zeros(n)
            for t in range(n):
                y[t] = X[t]
                z = y[t - 1]
            return y, z
        """,
    "a loop from 1 indexing i misses element 0": """
        import numpy as np
        def f(X, n):
            y = np.zeros(n)
            for i in range(1, n + 1):
                y[i] = X[i]
            return y
        """,
    "a size name bound twice": """
        import numpy as np
        def f(X, ind, m):
            N = len(ind)
            if m:
                N = m
            y = np.zeros(N)
            for i in range(len(ind)):
                y[i] = X[i]
            return y
        """,
    "the size rebound between the allocation and the loop": """
        import numpy as np
        def f(g, n):
            y = np.zeros(n)
            n = n - 1
            for i in range(n):
                y[i] = g(i)
            return y
        """,
    "enumerate counting from 1": """
        import numpy as np
        def f(seq):
            y = np.zeros(len(seq))
            for i, v in enumerate(seq, 1):
                y[i - 1] = v
            return y
        """,
    "zeros_like with another array's size": """
        import numpy as np
        def f(h, g):
            out = np.zeros_like(h)
            n = g.shape[1]
            for j in range(n):
                out[:, j] = g[:, j]
            return out
        """,
    "branches writing different elements": """
        import numpy as np
        def f(X, n):
            y = np.zeros(n)
            for i in range(n):
                if X[i] > 0:
                    y[i] = X[i]
                else:
                    y[i - 1] = 0
            return y
        """,
}


@pytest.mark.parametrize("name", list(NOT_COVERED_201))
def test_bl201_loop_look_alikes_stay_silent(name):
    assert bl(NOT_COVERED_201[name], "BL201") == [], name


def test_bl201_unused_allocation_is_a_dead_store_deleted_exactly():
    code = textwrap.dedent("""
        import numpy as np
        def smooth(D, N, x):
            K = np.zeros((D, N))
            return x * 2
        out = smooth(3, 4, np.arange(5.0))
        """)
    found = bl(code, "BL201")
    assert len(found) == 1 and "dead store" in found[0].message and "nothing in `smooth` reads `K`" in found[0].message
    assert found[0].severity == "info"
    fixed = assert_fix_equivalent(code, "import numpy as np\n", ["out"], codes={"BL201"}, unsafe=False, exact=True)
    assert "zeros" not in fixed


UNUSED_LOOK_ALIKES_201 = {
    "read by a closure": "def f(D):\n    K = np.zeros(D)\n    def g():\n        return K\n    return g\n",
    "visible to locals()": "def f(D):\n    K = np.zeros(D)\n    return locals()\n",
    "a module global": "K = np.zeros(3)\n",
    "declared global": "def f(D):\n    global K\n    K = np.zeros(D)\n",
    "an attribute": "class C:\n    def f(self, D):\n        self.K = np.zeros(D)\n",
}


@pytest.mark.parametrize("name", list(UNUSED_LOOK_ALIKES_201))
def test_bl201_allocations_others_may_read_are_not_dead(name):
    assert bl("import numpy as np\n" + UNUSED_LOOK_ALIKES_201[name], "BL201") == [], name


# -- BL201: a buffer whose parts are written one statement each (trimesh, astroML, dipy's design matrices) ---

SEQUENCES_201 = {
    "every column": ("X = np.zeros((n, 4))\nX[:, 0] = a - b\nX[:, 1] = b - c\nX[:, 2] = c - a\nX[:, 3] = a\n", "X"),
    "a column computed from the others already written":
        ("B = np.zeros((n, 3))\nB[:, 2] = a * 2\nB[:, 1] = b * 3\nB[:, 0] = 1 - B[:, 1] - B[:, 2]\n", "B"),
    "rows by constant slices": ("I = np.zeros((10, n))\nI[0] = a\nI[1:4] = a * 2\nI[4:7] = b\nI[7:] = c\n", "I"),
    "a last column by a negative index": ("Y = np.zeros((n, 2))\nY[:, 0] = a\nY[:, -1] = b\n", "Y"),
    # gpytorch's gradient kernels: blocks cut at symbolic points tile the buffer whatever its shape
    "blocks cut at a symbolic point on two trailing axes":
        ("K = np.zeros((2, n * 2, n * 3))\nK[..., :n, :n] = a\nt = b * 2\nK[..., :n, n:] = 1.0\n"
         "K[..., n:, :n] = t\nK[..., n:, n:] = c[2]\n", "K"),
    "three pieces on one axis, also when the middle one is empty":
        ("k, j = 5, 2\nB = np.zeros((n, 7))\nB[:, :k] = a[:, None]\nB[:, k:j] = 2.0\nB[:, j:] = b[:, None]\n", "B"),
    # deeptime's masked sums: a boolean mask and its complement cover the array
    "a boolean mask and its complement": ("m = a > 0.5\nS = np.zeros(n)\nS[m] = 1.0\nS[~m] = b[~m]\n", "S"),
    "a mask and np.logical_not of it, bound to a name":
        ("S = np.zeros(n)\nind = a == 0.5\nS[ind] = 2.0\nnot_ind = np.logical_not(ind)\nS[not_ind] = b[not_ind]\n", "S"),
    "a mask parameter beside its complement": ("S = np.zeros(n)\nS[mask] = 1.0\nS[~mask] = c[~mask]\n", "S"),
    "equal beside not equal": ("S = np.zeros((n, 2))\nS[a == c] = 1.0\nS[a != c] = 3.0\n", "S"),
    "a not-equal mask bound to a name beside the equality, 0.0 and 0 (pyamg's strength)":
        ("S = np.zeros(n)\nmask = a != 0.0\nS[mask] = 1.0 / a[mask]\nS[a == 0] = 1.0\n", "S"),
    "a first entry, then a slice for the rest (librosa's bin frequencies)":
        ("B = np.zeros((n, 2))\nB[0] = 1.0\nB[1:] = a[1:, None]\n", "B"),
    "a last entry and the slice before it": ("B = np.zeros(n)\nB[-1] = 2.0\nB[:-1] = b[:-1]\n", "B"),
    "leading axes cut, the trailing ones whole":
        ("B = np.zeros((n, 3, 2))\nB[:2] = 1.0\nB[2:] = a[2:, None, None]\n", "B"),
}


def _one_info_finding_and_exact_empty_fix(body: str, out: str, phrase: str, setup: str) -> None:
    """One info BL201 whose message says ``phrase``; its `empty` fix computes the same ``out``."""
    code = "import numpy as np\n" + body
    (found,) = bl(code, "BL201")
    assert found.severity == "info" and phrase in found.message
    fixed = assert_fix_equivalent(code, setup, [out], codes={"BL201"}, unsafe=False, exact=True)
    assert "np.empty(" in fixed


@pytest.mark.parametrize("name", list(SEQUENCES_201))
def test_bl201_runs_of_part_writes_fix_is_exact(name):
    setup = ("import numpy as np\nn = 5\na, b, c = np.random.rand(n), np.random.rand(n), np.random.rand(n)\n"
             "mask = np.random.rand(n) > 0.5\n")
    _one_info_finding_and_exact_empty_fix(*SEQUENCES_201[name], "run of writes", setup)


SEQUENCE_LOOK_ALIKES_201 = {
    "a column left zero": "B = np.zeros((n, 3))\nB[:, 0] = a\nB[:, 1] = b\n",
    "a read of a column not yet written": "B = np.zeros((n, 2))\nB[:, 0] = B[:, 1] + a\nB[:, 1] = a\n",
    "a size that is not a literal": "B = np.zeros((n, m))\nB[:, 0] = a\nB[:, 1] = b\n",
    "slices cut at two different points": "B = np.zeros((4, n))\nB[:2] = a\nB[2:k] = b\nB[j:] = c\n",
    "a block combination left zero":
        "K = np.zeros((n * 2, n * 2))\nK[:n, :n] = a\nK[:n, n:] = b\nK[n:, :n] = c\n",
    "a cut point rebound between the writes": "B = np.zeros((n, 2))\nB[:k] = a\nk = k + 1\nB[k:] = b\n",
    "a block write that reads the buffer": "B = np.zeros((n, 2))\nB[:k] = a\nB[k:] = B[:1] + b\n",
    "a stepped slice": "B = np.zeros(n)\nB[:k:2] = a\nB[k:] = b\n",
    "a comparison beside its opposite leaves the NaNs at zero":
        "S = np.zeros(n)\nS[a < 0.5] = 1.0\nS[a >= 0.5] = b[a >= 0.5]\n",
    "the compared array rebound between the mask and its opposite":
        "S = np.zeros(n)\nm = a != 0.0\nS[m] = 1.0\na = b\nS[a == 0] = 2.0\n",
    "a mask rebound between the writes": "S = np.zeros(n)\nm = a > 0.5\nS[m] = 1.0\nm = a > 0.2\nS[~m] = 2.0\n",
    "the complement of an older mask":
        "m = a > 0.5\nnot_m = ~m\nm = a > 0.2\nS = np.zeros(n)\nS[m] = 1.0\nS[not_m] = 2.0\n",
    "a mask changed in place between the writes":
        "S = np.zeros(n)\nm = a > 0.5\nS[m] = 1.0\nm[0] = True\nS[~m] = 2.0\n",
    "np.logical_not of a parameter that may be a 0/1 index (bayespy's binary_matrix)":
        "S = np.zeros((n, 3))\nS[A] = 1.0\nS[np.logical_not(A)] = 2.0\n",
    "a first entry and a slice that skips the second": "B = np.zeros(n)\nB[0] = 1.0\nB[2:] = a[2:]\n",
    "a call that may move an attribute cut": "B = np.zeros((n, 2))\nB[:s.k] = a\ngrow(s)\nB[s.k:] = b\n",
    "writes on two axes": "B = np.zeros((2, 2))\nB[0] = a\nB[:, 1] = b\n",
    "a call in between that may read it": "B = np.zeros((n, 2))\nB[:, 0] = a\nlog(B)\nB[:, 1] = b\n",
}


@pytest.mark.parametrize("name", list(SEQUENCE_LOOK_ALIKES_201))
def test_bl201_partial_runs_stay_silent(name):
    assert bl("import numpy as np\n" + SEQUENCE_LOOK_ALIKES_201[name], "BL201") == [], name


def test_bl201_torch_zeros_with_a_starred_batch_shape():
    # gpytorch: `torch.zeros(*batch_shape, n1, n2)`; the zeros are dropped by a rebinding or tiled by blocks
    code = ("import torch\ndef f(x1, x2, batch_shape, n1, n2, d):\n"
            "    K12 = torch.zeros(*batch_shape, n1, n2 * d, dtype=x1.dtype)\n    K12 = x1 @ x2\n"
            "    K = torch.zeros(*batch_shape, n1 * 2, n2 * 2, dtype=x1.dtype)\n"
            "    K[..., :n1, :n2] = x1\n    K[..., :n1, n2:] = x2\n    K[..., n1:, :n2] = x2\n    K[..., n1:, n2:] = x1\n"
            "    return K12, K\n")
    dead, blocks = bl(code, "BL201")
    assert dead.line == 3 and "dead store" in dead.message
    assert blocks.line == 5 and "run of writes ending at line 9" in blocks.message and blocks.severity == "info"
    assert "torch.empty(*batch_shape" in fix(code, codes={"BL201"})
    # `**kw` may carry out=: the call may write a buffer someone reads
    assert bl("import torch\ndef f(x, n, kw):\n    K = torch.zeros(n, **kw)\n    K = x\n    return K\n", "BL201") == []


def test_bl201_zeros_of_a_shape_whose_rank_alone_is_known():
    # nipy's whitening: `X.ndim == 2` proves the rank, nothing the sizes; the loop runs over X.shape[1]
    code = ("import numpy as np\ndef whiten(X, c):\n    X = np.asarray(X, np.float64)\n    if X.ndim == 2:\n"
            "        v = np.zeros(X.shape, np.float64)\n        for i in range(X.shape[1]):\n"
            "            v[:, i] = X[:, i] * c\n        return v\n    return X * c\n")
    (d,) = bl(code, "BL201")
    assert d.line == 5 and d.severity == "info"
    assert bl(code.replace("range(X.shape[1])", "range(X.shape[0])"), "BL201") == []  # rows of columns: no


# -- BL201: a manual counter walks the buffer (probnum's van der Corput sequence) ---------------------------

def test_bl201_manual_counter_covering_the_buffer_fix_is_exact():
    fixed = assert_fix_equivalent(
        """
        import numpy as np
        def vdc(n_start, n_end=None):
            if n_end is None:
                n_end = n_start + 1
            seq = np.zeros((n_end - n_start, 3))
            ind = 0
            for m in range(n_start, n_end):
                q = 0.0
                n = m
                while n != 0:
                    q = q + (n % 2) * 0.5
                    n = n // 2
                seq[ind, :] = q
                ind += 1
            return seq
        r = vdc(s, s + 40)
        """,
        "import numpy as np\ns = int(np.random.randint(0, 50))\n", ["r"], codes={"BL201"}, unsafe=False, exact=True)
    assert "np.empty((n_end - n_start, 3))" in fixed


@pytest.mark.parametrize("loop", [
    "    for m in range(a, b):\n        if m % 2:\n            x[k] = m\n        k += 1\n",       # written on some trips only
    "    for m in range(a, b):\n        x[k] = m\n        k += 2\n",                               # skips every other slot
    "    for m in range(a, b - 1):\n        x[k] = m\n        k += 1\n",                           # one trip short
    "    for m in range(a, b):\n        x[k] = m\n        if m > 3:\n            break\n        k += 1\n",  # may stop early
    "    for m in range(a, b):\n        x[k + 1] = m\n        k += 1\n",                          # shifted by one
    "    for m in range(a, b):\n        k += 1\n        x[k] = m\n",                               # raised first
])
def test_bl201_manual_counter_look_alikes_keep_the_zeros(loop):
    code = f"import numpy as np\ndef f(a, b):\n    x = np.zeros(b - a)\n    k = 0\n{loop}    return x\n"
    assert [d for d in lint(code, {"BL201"}) if "the loop that sets every element" in d.message] == []


@pytest.mark.parametrize("shape", ["(7,)", "(7, 3)", "(7, 2, 2)"])
def test_bl201_whole_shape_buffer_written_row_by_row_is_exact(shape):
    """GPyOpt's `logP = np.zeros(mu.shape)` then `logP[i] = ...` for i in range(mu.shape[0]): each write
    fills a whole row whatever `mu`'s rank, so no zero is read (executed at ranks 1 to 3)."""
    fixed = assert_fix_equivalent(
        """
        import numpy as np
        def f(mu):
            x = np.zeros(mu.shape)
            for i in range(mu.shape[0]):
                x[i] = mu[i] * 2.0 + 1.0
            return x
        r = f(mu)
        """,
        f"import numpy as np\nmu = np.random.rand(*{shape})\n",
        ["r"], codes={"BL201"}, unsafe=False, exact=True)
    assert "np.empty(mu.shape)" in fixed


def test_bl201_tuple_targets_and_arange_loops_are_exact():
    """astroML's `smin[i], smax[i] = range[i]` for i in np.arange(D): both buffers written whole."""
    fixed = assert_fix_equivalent(
        """
        import numpy as np
        def f(D, rng):
            smin = np.zeros(D)
            smax = np.zeros(D)
            for i in np.arange(D):
                smin[i], smax[i] = rng[i]
            return smin, smax
        r = np.concatenate(f(len(rng), rng))
        """,
        "import numpy as np\nrng = [(float(a), float(a) + 1.5) for a in np.random.rand(6)]\n",
        ["r"], codes={"BL201"}, unsafe=False, exact=True)
    assert fixed.count("np.empty(D)") == 2


@pytest.mark.parametrize("code", [
    # the tuple also reads the buffer; an arange with a step; a tuple writing two elements of one buffer
    "import numpy as np\ndef f(D, r):\n    s = np.zeros(D)\n    for i in range(D):\n        s[i], t = s[i - 1] + r[i], 0\n    return s\n",
    "import numpy as np\ndef f(D, r):\n    s = np.zeros(D)\n    for i in np.arange(0, D, 2):\n        s[i] = r[i]\n    return s\n",
    "import numpy as np\ndef f(D, r):\n    s = np.zeros(D + 1)\n    for i in range(D):\n        s[i], s[i + 1] = r[i]\n    return s\n",
])
def test_bl201_partial_tuple_and_stepped_loops_silent(code):
    assert bl(code, "BL201") == []


def test_bl201_arange_is_read_through_the_imports():
    """`np.arange` counts as `range` by what the name resolves to, not by its spelling."""
    aliased = ("import numpy as onp\ndef f(D, r):\n    s = onp.zeros(D)\n    for i in onp.arange(D):\n"
               "        s[i] = r[i]\n    return s\n")
    assert len(bl(aliased, "BL201")) == 1
    other = ("import mylib as np\nimport numpy\ndef f(D, r):\n    s = numpy.zeros(D)\n    for i in np.arange(D):\n"
             "        s[i] = r[i]\n    return s\n")
    assert bl(other, "BL201") == []


# -- BL201: a recurrence: the first entries, then a loop writing each one from those before ------------------

RECURRENCES_201 = {
    "an HMM's forward pass (lazyprogrammer's hmmc)":
        ("alpha = np.zeros((T, M))\nalpha[0] = pi * B[:, 0]\nfor t in range(1, T):\n"
         "    alpha[t] = alpha[t - 1] @ A * B[:, t]\n", "alpha"),
    "a simulated path (msmbuilder's brownian1d)":
        ("x = np.zeros(T + 1)\nx[0] = 0.5\nfor i in range(T):\n    x[i + 1] = x[i] * 0.9 + a[i]\n", "x"),
    "an RNN's states with the initial state in the last slot (MLAlgorithms)":
        ("states = np.zeros((2, T + 1, M))\nstates[:, -1, :] = 0.1\nfor i in range(T):\n"
         "    states[:, i, :] = np.tanh(states[:, i - 1, :] + 1.0)\n", "states"),
    "an HMM's backward pass from the last row":
        ("beta = np.zeros((T, M))\nbeta[-1] = 1.0\nfor t in range(T - 2, -1, -1):\n"
         "    beta[t] = A @ (B[:, t + 1] * beta[t + 1])\n", "beta"),
    "librosa's peak picking, a size one more than the data":
        ("values = np.zeros(len(a) + 1)\nvalues[-1] = 0\nfor n in range(len(a) - 1, -1, -1):\n"
         "    values[n] = a[n] + values[n + 1]\n    s = values[n] * 2\n", "values"),
    "statements around the write, two heads (astroML's generator)":
        ("x = np.zeros(T)\nx[0] = 1.0\nx[1] = 2.0\nfor i in range(2, T):\n    dt = 0.5 * i\n"
         "    x[i] = x[i - 1] * dt - x[i - 2]\n    s = x[i] + x[i - 1]\n", "x"),
}


@pytest.mark.parametrize("name", list(RECURRENCES_201))
def test_bl201_recurrence_after_its_first_entries_fix_is_exact(name):
    setup = ("import numpy as np\nT, M = 6, 3\npi = np.random.rand(M)\nB = np.random.rand(M, T)\n"
             "A = np.random.rand(M, M)\na = np.random.rand(T)\n")
    _one_info_finding_and_exact_empty_fix(*RECURRENCES_201[name], "with the entries it starts from set before it",
                                          setup)


RECURRENCE_LOOK_ALIKES_201 = {
    "a slot the loop skips": "x = np.zeros(T)\nx[0] = 1.0\nfor i in range(2, T):\n    x[i] = x[i - 1]\n",
    "a read of the element about to be written":
        "x = np.zeros(T)\nx[0] = 1.0\nfor i in range(1, T):\n    x[i] = x[i] + x[i - 1]\n",
    "a read ahead": "x = np.zeros(T)\nx[0] = 1.0\nfor i in range(1, T - 1):\n    x[i] = x[i + 1]\nx[T - 1] = 0.0\n",
    "a loop that may stop early":
        "x = np.zeros(T)\nx[0] = 1.0\nfor i in range(1, T):\n    x[i] = x[i - 1] * 2\n    if x[i] > 9:\n        break\n",
    "one trip short": "x = np.zeros(T)\nx[0] = 1.0\nfor i in range(1, T - 1):\n    x[i] = x[i - 1]\n",
    "the last slot as head, the loop one short":
        "s = np.zeros((2, T + 1))\ns[:, -1] = 0.1\nfor i in range(T - 1):\n    s[:, i] = s[:, i - 1] + 1\n",
    "a write on another axis than the head": "x = np.zeros((T, T))\nx[0] = 1.0\nfor i in range(1, T):\n"
                                             "    x[:, i] = x[:, i - 1]\n",
    "an attribute buffer beside a call that may read it": "self.x = np.zeros(T)\nself.x[0] = 1.0\n"
                                                            "for i in range(1, T):\n    self.refresh()\n"
                                                            "    self.x[i] = self.x[i - 1] * 2\n",
    "a conditional write": "x = np.zeros(T)\nx[0] = 1.0\nfor i in range(1, T):\n    if i % 2:\n"
                           "        x[i] = x[i - 1]\n",
    "a backward pass stopping one short": "x = np.zeros(T)\nx[-1] = 1.0\nfor t in range(T - 2, 0, -1):\n"
                                          "    x[t] = x[t + 1] * 2\n",
    "a backward pass reading two ahead": "x = np.zeros(T)\nx[-1] = 1.0\nfor t in range(T - 2, -1, -1):\n"
                                         "    x[t] = x[t + 2] * 2\n",
    "a backward pass from the wrong start": "x = np.zeros(T)\nx[-1] = 1.0\nfor t in range(T - 3, -1, -1):\n"
                                            "    x[t] = x[t + 1] * 2\n",
}




# -- BL201: a loop writing the buffer block by block (python-control's Hankel and controllability matrices) ----

BLOCK_LOOPS_201 = {
    "row blocks of a Hankel matrix": ("H = np.zeros((q * m, 4))\nfor r in range(m):\n"
                                      "    H[q * r:q * (r + 1), :] = Y[r:r + q, :4]\n", "H"),
    "a controllability matrix from its first block": ("C = np.zeros((n, t * m))\nC[:, :m] = B\nfor k in range(1, t):\n"
                                                      "    C[:, k * m:(k + 1) * m] = A @ C[:, (k - 1) * m:k * m]\n", "C"),
}


@pytest.mark.parametrize("name", list(BLOCK_LOOPS_201))
def test_bl201_block_loops_fix_is_exact(name):
    setup = ("import numpy as np\nq, m, n, t = 3, 2, 4, 3\nY = np.random.rand(9, 6)\nB = np.random.rand(n, m)\n"
             "A = np.random.rand(n, n)\n")
    _one_info_finding_and_exact_empty_fix(*BLOCK_LOOPS_201[name], "writing it block by block", setup)


BLOCK_LOOK_ALIKES_201 = {
    "a block skipped": "C = np.zeros((n, t * m))\nC[:, :m] = B\nfor k in range(2, t):\n    C[:, k * m:(k + 1) * m] = B\n",
    "one block short": "H = np.zeros((q * m, 4))\nfor r in range(m - 1):\n    H[q * r:q * (r + 1), :] = 1.0\n",
    "a block size the loop changes": "H = np.zeros((q * m, 4))\nfor r in range(m):\n    H[q * r:q * (r + 1), :] = 1.0\n"
                                     "    q = q + 1\n",
    "a read of the block ahead": "C = np.zeros((n, t * m))\nC[:, :m] = B\nfor k in range(1, t):\n"
                                 "    C[:, k * m:(k + 1) * m] = C[:, (k + 1) * m:(k + 2) * m]\n",
    "blocks that overlap": "H = np.zeros((q * m, 4))\nfor r in range(m):\n    H[q * r:q * (r + 2), :] = 1.0\n",
    "an attribute buffer beside a call that may read it": "self.H = np.zeros((q * m, 4))\nfor r in range(m):\n"
                                                            "    self.refresh()\n    self.H[q * r:q * (r + 1), :] = 1.0\n",
}


@pytest.mark.parametrize("phrase, code", [
    *(("it starts from", code) for code in RECURRENCE_LOOK_ALIKES_201.values()),
    *(("block by block", code) for code in BLOCK_LOOK_ALIKES_201.values()),
], ids=[*RECURRENCE_LOOK_ALIKES_201, *BLOCK_LOOK_ALIKES_201])
def test_bl201_recurrence_and_block_loop_look_alikes_keep_the_zeros(phrase, code):
    assert [d for d in bl("import numpy as np\n" + code, "BL201") if phrase in d.message] == []
