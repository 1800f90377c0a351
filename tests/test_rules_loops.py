"""BL301 allocation-in-loop and BL302 loop-invariant-linalg: real loop shapes, look-alikes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from support import assert_fix_equivalent, fix, lint

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "seed" / "mlp_naive.py"


def bl(code, rule):
    return [d for d in lint(code, {rule}) if d.code == rule]


# -- BL301 -------------------------------------------------------------------------------

FLAGGED_301 = {
    "epoch loop zeros_like of an in-place-updated weight": """
        import numpy as np
        def train(W, X, y, epochs, lr):
            for epoch in range(epochs):
                grad = np.zeros_like(W)
                grad += X.T @ (X @ W - y)
                W -= lr * grad
            return W
        """,
    "nested epoch/batch loops, shape from a constant": """
        import numpy as np
        H = 128
        def train(batches, epochs):
            for epoch in range(epochs):
                for xb in batches:
                    h = np.empty(H, dtype=np.float32)
                    np.dot(xb, xb, out=h)
        """,
    "while not converged": """
        import numpy as np
        def solve(A, b, x, tol):
            converged = False
            while not converged:
                r = np.zeros(b.shape)
                np.subtract(b, A @ x, out=r)
                x += 0.1 * r
                converged = np.linalg.norm(r) < tol
            return x
        """,
    "torch target in the batch loop": """
        import torch
        def fit(model, loader, opt, B):
            for xb, yb in loader:
                target = torch.zeros(B, 10)
                loss = ((model(xb) - target) ** 2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
        """,
    "np.full with an invariant value": """
        import numpy as np
        def f(xs, n):
            for x in xs:
                best = np.full(n, np.inf)
                np.minimum(best, x, out=best)
                print(best.min())
        """,
    "rebound to itself through a BLAS output": """
        import numpy as np
        from scipy.linalg.blas import sgemv
        def f(W, xs, m):
            for x in xs:
                y = np.zeros(m, dtype=np.float32)
                y = sgemv(1.0, W, x, beta=0.0, y=y, overwrite_y=1)
                print(y)
        """,
    "module-level script loop": """
        import numpy as np
        N = 64 * 64
        for step in range(100):
            buf = np.ones((N,), dtype=np.float32)
            print(buf.sum())
        """,
}


@pytest.mark.parametrize("name", list(FLAGGED_301))
def test_bl301_flags(name):
    found = bl(FLAGGED_301[name], "BL301")
    assert len(found) == 1, name
    assert "allocate it once before the loop" in found[0].message
    assert found[0].fix is None or not found[0].fix.is_safe


NOT_FLAGGED_301 = {
    "shape from the batch": """
        import numpy as np
        def f(batches, W):
            for xb in batches:
                h = np.zeros((xb.shape[0], W.shape[1]))
                np.dot(xb, W, out=h)
        """,
    "len of the loop variable": """
        import numpy as np
        def f(seqs):
            for s in seqs:
                mask = np.ones(len(s), dtype=bool)
                print(mask.sum())
        """,
    "size depends on the counter": """
        import numpy as np
        for i in range(1, 10):
            a = np.zeros(i)
            print(a)
        """,
    "appended": """
        import numpy as np
        def f(n, k):
            out = []
            for _ in range(k):
                buf = np.zeros(n)
                out.append(buf)
            return out
        """,
    "stored by index": """
        import numpy as np
        def f(n, k):
            grads = [None] * k
            for i in range(k):
                grads[i] = np.zeros(n)
            return grads
        """,
    "stored on an attribute": """
        import numpy as np
        class RNN:
            def reset(self, epochs):
                for e in range(epochs):
                    self.h = np.zeros(self.n)
        """,
    "yielded": """
        import numpy as np
        def batches(n, k):
            for _ in range(k):
                yield np.zeros(n)
        """,
    "returned from the loop": """
        import numpy as np
        def f(n, xs):
            for x in xs:
                out = np.zeros(n)
                out += x
                return out
        """,
    "kept in a tuple": """
        import numpy as np
        def f(n, xs):
            pairs = []
            for x in xs:
                pairs.append((x, np.zeros(n)))
            return pairs
        """,
    "aliased to survive the iteration": """
        import numpy as np
        def power(A, x, k):
            for _ in range(k):
                y = np.zeros_like(x)
                np.dot(A, x, out=y)
                x = y
            return x
        """,
    "handed to a constructor": """
        import numpy as np
        def f(n, k):
            states = []
            for _ in range(k):
                s = State(np.zeros(n))
                states.append(s)
        """,
    "runs once": """
        import numpy as np
        for _ in range(1):
            a = np.zeros(10)
            print(a)
        """,
    "one-element literal loop": """
        import numpy as np
        for n in [10]:
            a = np.zeros(n)
            print(a)
        """,
    "conditional lazy init": """
        import numpy as np
        def f(xs, n):
            acc = None
            for x in xs:
                if acc is None:
                    acc = np.zeros(n)
                acc += x
            return acc
        """,
    "template rebound in the loop": """
        import numpy as np
        def f(x, n):
            for i in range(n):
                m = np.ones_like(x)
                x = x * m
            return x
        """,
    "comprehension builds a list of arrays": """
        import numpy as np
        bufs = [np.zeros(8) for _ in range(4)]
        """,
    "allocation in the loop's iterable": """
        import numpy as np
        for v in np.zeros(5):
            print(v)
        """,
    "nested function in a loop": """
        import numpy as np
        def f(n, k):
            fs = []
            for i in range(k):
                def g():
                    return np.zeros(n)
                fs.append(g)
        """,
    "shape read from a batch rebound each step": """
        import numpy as np
        def f(loader):
            for X in loader:
                Z = np.empty(X.shape)
                np.tanh(X, out=Z)
        """,
    "initial value of a recurrence, rebound in the loop": """
        import numpy as np
        def rnn(seqs, Wx, Wh, H):
            for seq in seqs:
                h = np.zeros(H)
                for x in seq:
                    h = np.tanh(Wx @ x + Wh @ h)
                print(h)
        """,
    "not numpy": """
        def zeros(n):
            return [0] * n
        for i in range(3):
            a = zeros(4)
        """,
}


@pytest.mark.parametrize("name", list(NOT_FLAGGED_301))
def test_bl301_silent(name):
    assert bl(NOT_FLAGGED_301[name], "BL301") == [], name


def test_bl301_names_the_innermost_loop():
    (d,) = bl(FLAGGED_301["nested epoch/batch loops, shape from a constant"], "BL301")
    assert "loop at line 6" in d.message


# -- BL302 -------------------------------------------------------------------------------

FLAGGED_302 = {
    "inverse of a parameter in a loop": ("""
        import numpy as np
        def predict(A, bs):
            out = []
            for b in bs:
                Ai = np.linalg.inv(A)
                out.append(Ai @ b)
            return out
        """, 1),
    "cholesky with scipy alias": ("""
        import scipy.linalg as sla
        def f(K, ys):
            for y in ys:
                L = sla.cholesky(K, lower=True)
                print(sla.solve_triangular(L, y, lower=True))
        """, 1),
    "gram matrix in gradient descent": ("""
        import numpy as np
        def gd(X, y, w, lr, n):
            for it in range(n):
                grad = X.T @ X @ w - X.T @ y
                w = w - lr * grad
            return w
        """, 2),
    "transposed copy in a training loop (module level)": ("""
        import numpy as np
        W = np.ones((4, 3))
        for step in range(100):
            Wt = W.T.copy()
            print(Wt.sum())
        """, 1),
    "torch contiguous transpose": ("""
        import torch
        def f(W, xs):
            for x in xs:
                Wt = W.t().contiguous()
                print(Wt @ x)
        """, 1),
    "get_blas_funcs inside the loop": ("""
        from scipy.linalg import get_blas_funcs
        def f(A, xs):
            for x in xs:
                gemv, = get_blas_funcs(('gemv',), (A,))
                print(gemv(1.0, A, x))
        """, 1),
    "lu_factor in a comprehension": ("""
        from scipy.linalg import lu_factor, lu_solve
        def f(A, bs):
            return [lu_solve(lu_factor(A), b) for b in bs]
        """, 1),
    "svd in a while loop": ("""
        import numpy as np
        def f(M, x, tol):
            while np.linalg.norm(x) > tol:
                U, s, Vt = np.linalg.svd(M)
                x = x * s[0]
            return x
        """, 1),
    "eigh of an outer-loop-invariant matrix": ("""
        import numpy as np
        def f(H, psis, steps):
            for psi in psis:
                for t in range(steps):
                    w, V = np.linalg.eigh(H)
                    psi = V @ (np.exp(-1j * w * t) * (V.conj().T @ psi))
        """, 1),
    "np.dot of invariant operands": ("""
        import numpy as np
        def f(A, B, xs):
            total = 0
            for x in xs:
                total = total + np.dot(A, B).sum() * x
            return total
        """, 1),
}


@pytest.mark.parametrize("name", list(FLAGGED_302))
def test_bl302_flags(name):
    code, count = FLAGGED_302[name]
    found = bl(code, "BL302")
    assert len(found) == count, (name, [d.message for d in found])
    assert all("hoist it out of the loop" in d.message for d in found)


def test_bl302_reports_the_largest_invariant_operation_only():
    (d,) = bl("""
        import numpy as np
        def f(A, B, xs):
            for x in xs:
                y = np.linalg.inv(A @ B.T) @ x
        """, "BL302")
    assert d.message.startswith("the inverse `np.linalg.inv(A @ B.T)`")


def test_bl302_names_the_outermost_loop_it_can_leave():
    (d,) = bl(FLAGGED_302["eigh of an outer-loop-invariant matrix"][0], "BL302")
    assert "loop at line 4" in d.message  # the outer loop: H never changes


def test_bl302_stops_at_the_loop_that_changes_the_operand():
    (d,) = bl("""
        import numpy as np
        def f(W, epochs, batches):
            for epoch in range(epochs):
                for xb in batches:
                    Wt = W.T.copy()
                    print(Wt @ xb)
                W *= 0.9
        """, "BL302")
    assert "loop at line 5" in d.message  # hoist out of the batch loop only


NOT_FLAGGED_302 = {
    "operand reassigned": """
        import numpy as np
        def f(A, xs):
            for x in xs:
                Ai = np.linalg.inv(A)
                A = A + np.outer(x, x)
        """,
    "operand changed with +=": """
        import numpy as np
        def f(W, xs, lr):
            for x in xs:
                Wt = W.T.copy()
                W += lr * np.outer(x, x)
        """,
    "operand changed by index": """
        import numpy as np
        def f(P, xs):
            for x in xs:
                L = np.linalg.cholesky(P)
                P[...] = P + np.outer(x, x)
        """,
    "operand changed through out=": """
        import numpy as np
        def f(A, B, xs):
            for x in xs:
                C = A @ B
                np.add(A, x, out=A)
        """,
    "operand filled": """
        import numpy as np
        def f(A, B, xs):
            for x in xs:
                C = A @ B
                A.fill(x)
        """,
    "operand updated by BLAS in place": """
        import numpy as np
        from scipy.linalg.blas import dger
        def f(W, us, vs):
            for u, v in zip(us, vs):
                Q = np.linalg.qr(W)
                dger(-0.1, u, v, a=W, overwrite_a=1)
        """,
    "operand updated by torch in-place method": """
        import torch
        def f(W, xs):
            for x in xs:
                Wi = torch.linalg.inv(W)
                W.add_(x)
        """,
    "optimizer step may change the weights": """
        import torch
        def f(model, opt, loader):
            for xb in loader:
                opt.step()
                Wt = model.weight.t().contiguous()
        """,
    "weights passed to a user update function": """
        import numpy as np
        def f(W, xs, sgd):
            for x in xs:
                G = W.T @ W
                sgd([W], [G])
        """,
    "method on self may change the attribute": """
        import numpy as np
        class K:
            def run(self, xs):
                for x in xs:
                    Ki = np.linalg.inv(self.K)
                    self.update(x)
        """,
    "random": """
        import numpy as np
        for i in range(10):
            Q, R = np.linalg.qr(np.random.randn(5, 5))
        """,
    "depends on the loop variable": """
        import numpy as np
        def f(As, b):
            for A in As:
                x = np.linalg.inv(A) @ b
        """,
    "nested function defined in the loop": """
        import numpy as np
        def f(A, n):
            for i in range(n):
                def g():
                    return np.linalg.inv(A)
                g()
        """,
    "runs once": """
        import numpy as np
        for _ in range(1):
            Ai = np.linalg.inv(A)
        """,
    "lazy cache under if": """
        import numpy as np
        def f(A, xs):
            Ai = None
            for x in xs:
                if Ai is None:
                    Ai = np.linalg.inv(A)
                print(Ai @ x)
        """,
    "in the loop's iterable": """
        import numpy as np
        def f(A):
            for row in np.linalg.inv(A):
                print(row)
        """,
    "module global changed by a function called in the loop": """
        import numpy as np
        W = np.ones((3, 3))
        def step():
            W[...] *= 0.5
        for i in range(10):
            step()
            Wi = np.linalg.inv(W)
        """,
    "product with the loop variable": """
        import numpy as np
        def f(W, xs):
            for x in xs:
                print(W @ x)
        """,
}


@pytest.mark.parametrize("name", list(NOT_FLAGGED_302))
def test_bl302_silent(name):
    assert bl(NOT_FLAGGED_302[name], "BL302") == [], name


# -- the seed port ---------------------------------------------------------------------------

def test_seed_allocations_and_invariant_copies_are_flagged():
    code = SEED.read_text(encoding="utf-8")
    found = lint(code, {"BL301", "BL302", "BL201", "BL204"})
    expected = set()
    for lineno, line in enumerate(code.splitlines(), 1):
        if "#" in line:
            comment = line.split("#", 1)[1]
            for rule in ("BL201", "BL204", "BL301", "BL302"):
                if rule in comment:
                    expected.add((rule, lineno))
    got = {(d.code, d.line) for d in found}
    assert expected and expected <= got, sorted(expected - got)
    assert got <= expected, sorted(got - expected)


# -- BL301: the unsafe hoisting fix runs to the same results ------------------------------------

SETUP_301 = ("import numpy as np\nrng = np.random.default_rng(SEED)\nW = rng.random((6, 4))\n"
             "xs = [rng.random(4) for _ in range(5)]\nn = 6\n")


@pytest.mark.parametrize("alloc, reset", [
    ("np.zeros(n)", "acc.fill(0)"), ("np.ones(n)", "acc.fill(1)"), ("np.full(n, 0.5)", "acc.fill(0.5)"),
    ("np.zeros_like(W[:, 0])", "acc.fill(0)"), ("np.empty(n)", None)])
def test_bl301_hoist_fix_is_equivalent(alloc, reset):
    # `acc` is read after an in-place update: its initial value matters for zeros/ones/full
    body = "acc += W @ x" if reset is not None else "np.dot(W, x, out=acc)"
    code = f"""
        import numpy as np
        def run(W, xs, n):
            total = []
            for x in xs:
                acc = {alloc}
                {body}
                total.append(float(acc.sum()))
            return total, acc.copy()
        r = run(W, xs, n)
        """
    fixed = assert_fix_equivalent(code, SETUP_301.replace("SEED", "0"), ["r"], codes={"BL301"})
    head, loop = fixed.split("for x in xs:")
    assert f"acc = {alloc}" in head and "acc = " not in loop
    assert (reset in loop) if reset else (".fill" not in loop)


def test_bl301_hoist_fix_with_a_blas_output():
    code = """
        import numpy as np
        from scipy.linalg.blas import dgemv
        def run(W, xs, m):
            out = []
            for x in xs:
                y = np.zeros(m)
                dgemv(1.0, W, x, 0.0, y, overwrite_y=True)
                out.append(y.sum())
            return out
        r = run(np.asfortranarray(W), xs, 6)
        """
    assert_fix_equivalent(code, SETUP_301.replace("SEED", "1"), ["r"], codes={"BL301"})


@pytest.mark.parametrize("code", [
    # handed to unknown code, which may keep it
    "import numpy as np\ndef f(xs, n, keep):\n    for x in xs:\n        b = np.zeros(n)\n        b += x\n        keep(b)\n",
    # torch: autograd may hold the previous step's tensor
    "import torch\ndef f(xs, n):\n    for x in xs:\n        b = torch.zeros(n)\n        b += x\n        print(b.sum())\n",
    # inside an if within the loop
    "import numpy as np\ndef f(xs, n):\n    for x in xs:\n        if x[0]:\n            b = np.zeros(n)\n            b += x\n            print(b.sum())\n",
])
def test_bl301_no_hoist_fix_when_the_array_may_be_kept(code):
    assert all(d.fix is None for d in bl(code, "BL301"))


def test_bl301_python_loop_filling_is_named():
    code = """
        import numpy as np
        def f(xs, M):
            for x in xs:
                a = np.zeros((M, M))
                for i in range(M):
                    for j in range(M):
                        a[i, j] += x[i] * x[j]
                print(a.sum())
        """
    (d,) = bl(code, "BL301")
    assert "Python loop at line 6" in d.message


# -- BL302: if blocks, outer/kron, solves, rebuilt operands; copies written into or stored --------

def test_bl302_through_an_if_block():
    code = """
        import numpy as np
        def f(A, xs):
            for x in xs:
                if x.sum() > 0:
                    print(np.linalg.inv(A) @ x)
        """
    (d,) = bl(code, "BL302")
    assert "inverse" in d.message and "line 4" in d.message


@pytest.mark.parametrize("test", ["i == 0", "Ai is None"])
def test_bl302_silent_in_a_branch_that_runs_once(test):
    code = f"""
        import numpy as np
        def f(A, xs):
            Ai = None
            for i, x in enumerate(xs):
                if {test}:
                    Ai = np.linalg.inv(A)
                print(Ai @ x)
        """
    assert bl(code, "BL302") == []


@pytest.mark.parametrize("call, what", [("np.outer(u, v)", "outer product"), ("np.kron(u, v)", "Kronecker product")])
def test_bl302_outer_and_kron(call, what):
    code = f"import numpy as np\ndef f(u, v, xs):\n    for x in xs:\n        print(({call}).sum() * x)\n"
    (d,) = bl(code, "BL302")
    assert what in d.message


def test_bl302_solve_with_an_invariant_matrix():
    code = "import numpy as np\ndef f(B, rs):\n    return [np.linalg.solve(B, r) for r in rs]\n"
    (d,) = bl(code, "BL302")
    assert "`solve` factorises `B`" in d.message and "lu_factor" in d.message


def test_bl302_rebuilt_operand():
    code = """
        import numpy as np
        def f(V, Ms):
            for M in Ms:
                print(np.dot(M, np.column_stack((V, np.ones(len(V)))).T))
        """
    (d,) = bl(code, "BL302")
    assert "builds an operand" in d.message


@pytest.mark.parametrize("code", [
    "import numpy as np\ndef f(W, xs):\n    for x in xs:\n        Wt = W.T.copy()\n        Wt[0] = x\n        print(Wt @ x)\n",
    "import numpy as np\ndef f(W, xs):\n    for x in xs:\n        Wt = W.T.copy()\n        np.multiply(Wt, 2, out=Wt)\n        print(Wt @ x)\n",
    "import numpy as np\ndef f(A, xs):\n    out = []\n    for x in xs:\n        Ai = np.linalg.inv(A)\n        out.append(Ai)\n    return out\n",
    "import numpy as np\ndef f(u, v, xs):\n    d = {}\n    for i, x in enumerate(xs):\n        d[i] = np.outer(u, v)\n    return d\n",
])
def test_bl302_silent_on_copies_written_into_or_results_stored(code):
    assert bl(code, "BL302") == []


def test_bl302_product_written_into_asks_for_a_copy():
    code = """
        import numpy as np
        def f(X, lams):
            for lam in lams:
                H = X.T @ X
                H[np.diag_indices_from(H)] += lam
                print(np.linalg.det(H))
        """
    (d,) = bl(code, "BL302")
    assert ".copy()" in d.message


# -- BL302 through a call --------------------------------------------------------------

def test_bl302_through_a_helper_names_the_callers_loop_and_the_call():
    src = textwrap.dedent("""
        import numpy as np
        class SR3:
            def _step(self, x, y, w):
                xTx = x.T @ x
                return np.linalg.solve(xTx + np.eye(x.shape[1]), x.T @ y - w)
            def _objective(self, x, y, w):
                return float(np.sum((x @ w - y) ** 2))
            def fit(self, x, y):
                w = np.zeros(x.shape[1])
                for k in range(self.max_iter):
                    w = self._step(x, y, w)
                    self._objective(x, y, w)
                return w
        """)
    found = [d for d in lint(src, {"BL302"}) if d.code == "BL302"]
    texts = sorted(d.message.split("`")[1] for d in found)
    assert texts == ["x.T @ x", "x.T @ y"]
    first = next(d for d in found if "x.T @ x" in d.message)
    assert "the loop at line 11 passes unchanged to every call of `_step` (line 12)" \
        in first.message
    assert "that calls `_step`" in first.cost.loop


def test_bl302_through_a_helper_is_silent_when_a_callee_writes_the_argument():
    src = textwrap.dedent("""
        import numpy as np
        def step(x, w):
            return x.T @ x @ w
        def scale(x):
            x *= 0.5
        def fit(x, w, n_iter):
            for k in range(n_iter):
                w = step(x, w)
                scale(x)
            return w
        """)
    assert [d for d in lint(src, {"BL302"}) if d.code == "BL302"] == []


# -- BL301: constant arrays rebuilt every iteration, and allocations in branches that run every iteration ----

def test_bl301_identity_rebuilt_in_a_line_search_branch_is_reported():
    # picard's line search: `np.eye(N) + alpha * direction` in the else branch of every try
    code = ("import numpy as np\ndef ls(Y, W, direction, tries, ortho):\n    N = W.shape[0]\n    alpha = 1.0\n"
            "    for _ in range(tries):\n        if ortho:\n            T = direction\n        else:\n"
            "            T = np.eye(N) + alpha * direction\n        Y_new = np.dot(T, Y)\n        alpha /= 2\n"
            "    return Y_new\n")
    (d,) = [d for d in lint(code, {"BL301"})]
    assert d.line == 9 and "`np.eye(...)`" in d.message and d.fix is None


@pytest.mark.parametrize("code", [
    # the size changes every iteration
    "import numpy as np\ndef f(ds, tries):\n    out = 0\n    for d in ds:\n        out += np.eye(len(d)) @ d\n    return out\n",
    # a lazy initialisation runs once
    "import numpy as np\ndef f(xs, n):\n    I = None\n    for x in xs:\n        if I is None:\n            I = np.eye(n)\n"
    "        x = I @ x\n    return x\n",
    # kept: each iteration stores its own identity
    "import numpy as np\ndef f(n, k):\n    out = []\n    for _ in range(k):\n        out.append(np.eye(n))\n    return out\n",
])
def test_bl301_identity_look_alikes_are_silent(code):
    assert lint(code, {"BL301"}) == []


def test_bl302_per_index_messages_name_the_derived_names_and_a_triangle():
    square = ("import numpy as np\ndef f(C, n, m):\n    for k in range(n):\n        for i in range(m):\n"
              "            ui = C[:, i]\n            print(np.outer(ui, ui) * k)\n")
    (d,) = [d for d in lint(square) if d.code == "BL302"]
    assert "depends only on `i` (through `ui`)" in d.message and "the same values on every pass" in d.message
    triangle = ("import numpy as np\nimport scipy.linalg as la\ndef f(W, I, lam, n):\n    for i in range(n):\n"
                "        for j in range(i + 1, n):\n            B = I - W * lam[j]\n            print(la.inv(B) * i)\n")
    (d,) = [d for d in lint(triangle) if d.code == "BL302"]
    assert "these values again on later passes" in d.message and "each pass that reaches it" in d.message
