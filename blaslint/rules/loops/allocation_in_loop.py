"""BL301 allocation-in-loop: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis import cost as _cost
from blaslint.analysis.facts import known_small
from blaslint.analysis.flow import is_shape_invariant, runs_at_most_once
from blaslint.analysis.scopes import COMPREHENSION_TYPES, LOOP_TYPES
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import ALLOCATORS, facts_note, hot_loop_buffer_severity, in_assertion
from blaslint.rules.loops import _reuse
from blaslint.rules.loops._hoist import filled_by_python_loop, hoist_fix, vectorised_overwrite
from blaslint.rules.loops._enclosing_loops import _loop_line, loops_through_branches as loops_around


# -- BL301 -------------------------------------------------------------------------

class AllocationInLoop(Rule):
    """An array allocated on every iteration of a loop with the same shape.

    The unsafe fix moves ``x = np.zeros(...)`` above the loop and resets the
    buffer in place (``x.fill(0)``; nothing for ``empty``) when no iteration's
    array outlives it: bound to a name in the loop body, used there only by
    numpy/scipy calls, operators, indexing and methods. A buffer filled element
    by element by a nested Python loop is named as such: that loop costs far
    more than the allocation.

    ``np.zeros/empty/ones/full`` (and ``_like``, and the torch versions) called
    inside a loop body with arguments that do not change in the loop allocate
    (and, for zeros/ones/full, write) a fresh buffer every step. Allocate it
    once before the loop and reuse it (``out=``, ``x[:] = ...``, ``x.fill(0)``).
    Not flagged when each iteration needs a new array: it is stored in a
    container or on an attribute, appended, returned, yielded or aliased.
    """

    code = "BL301"
    name = "allocation-in-loop"
    summary = "Same-shape array allocated on every loop iteration"
    fix_safety = "unsafe"
    triggers = ("zeros", "empty", "ones", "full", "eye", "identity")

    VALID = [
        # the allocation is an element of what an inner loop runs over (it becomes the loop variable)
        "import numpy as np\ndef f(D0, ys, check):\n    for y in ys:\n        for D in [D0, np.zeros_like(D0)]:\n"
        "            check(D, y)\n",
        # a fresh buffer for every iteration is the point: it is appended, or handed to code that keeps it
        "import numpy as np\ndef f(xs, n):\n    rows = []\n    for x in xs:\n        r = np.zeros(n)\n        r += x\n"
        "        rows.append(r)\n    return rows\n",
        # the callee keeps the array (a frozen distribution, an estimator's sample weights)
        "import numpy as np\nfrom scipy.stats import multivariate_normal\ndef f(n, covs):\n    out = []\n"
        "    for C in covs:\n        d = multivariate_normal(np.zeros(n), C)\n        out.append(d.logpdf(C[0]))\n"
        "    return out\n",
        "import numpy as np\ndef f(clf, X, y, k):\n    for _ in range(k):\n"
        "        clf.fit(X, y, sample_weight=np.ones(len(X)))\n",
        # a test's expected value, built fresh for each comparison
        "import numpy as np\nfrom numpy.testing import assert_equal\ndef test(a, axes):\n    for ax in axes:\n"
        "        assert_equal(np.argsort(a, axis=ax), np.zeros_like(a, dtype=np.intp))\n",
        # realistic-corpus follow-ups (names rebound in loops, sizes, Python scalars, ...)
        'import numpy as np\ndef f(X, iters):\n    n, d = X.shape\n    for _ in range(iters):\n        acc = np.zeros((n, d))\n        acc += X\n        d = d + 1\n',
        'import numpy as np\ndef f(xs, n):\n    for x in xs:\n        buf = np.zeros(n)\n        buf += x\n        n += 1\n',
        'import numpy as np\nclass M:\n    def run(self, xs):\n        for x in xs:\n            v = np.zeros(self.dim)\n            v += x\n            self.grow()\n',
        'import numpy as np\nclass M:\n    def run(self, xs, hook):\n        for x in xs:\n            v = np.zeros(self.dim)\n            v += x\n            hook(self)\n',
        'import numpy as np\ndef f(xs, sizes):\n    for x in xs:\n        h = np.zeros(len(x))\n        h += x\n',
        'import numpy as np\ndef f(X, n_iter):\n    n, d = X.shape\n    hist = []\n    for _ in range(n_iter):\n        hist.append(np.zeros(d))\n    return hist\n',
        # a list that shrinks each iteration sizes the buffer (pyRiemann's channel selection)
        "import numpy as np\ndef select(n, k, score):\n    keep = list(range(n))\n    while len(keep) > k:\n"
        "        d = np.zeros((len(keep), 1))\n        for i in range(len(keep)):\n            d[i] = score(keep, i)\n"
        "        keep.pop(int(d.argmax()))\n    return keep\n",
        # the shape changes every iteration
        "import numpy as np\nfor xb in batches:\n    h = np.zeros((len(xb), 64))\n    h += xb @ W\n",
        # stored: every iteration needs its own array
        "import numpy as np\nout = []\nfor i in range(10):\n    out.append(np.zeros(5))\n",
        "import numpy as np\ndef f(n, k):\n    bufs = {}\n    for i in range(k):\n        bufs[i] = np.zeros(n)\n    return bufs\n",
        "import numpy as np\ndef gen(n):\n    while True:\n        yield np.zeros(n)\n",
        # runs once
        "import numpy as np\nfor _ in range(1):\n    a = np.zeros(10)\n    a[0] = 1\n",
        # double buffering: the new array becomes the old one
        "import numpy as np\ndef jacobi(A, b, x, it):\n    for _ in range(it):\n        x_new = np.zeros_like(x)\n"
        "        x_new[:] = (b - A @ x) / 2\n        x = x_new\n    return x\n",
        # lazy initialisation inside an if
        "import numpy as np\ndef f(xs, n):\n    buf = None\n    for x in xs:\n        if buf is None:\n"
        "            buf = np.zeros(n)\n        buf += x\n    return buf\n",
        # allocation inside a comprehension builds its elements
        "import numpy as np\nbufs = [np.zeros(8) for _ in range(4)]\n",
        # template rebound in the loop
        "import numpy as np\ndef f(xs):\n    for x in xs:\n        g = np.zeros_like(x)\n        g += x\n",
    ]
    INVALID = [
        # a handful of elements: true, but the allocation costs nothing worth hoisting (info)
        Invalid("import numpy as np\ndef f(k):\n    for o in range(k):\n        a = np.zeros((18,), dtype=bool)[o + 1:]\n"
                "        a[:o] = True\n        print(a.sum())\n"),
        # a constant rebuilt for every element of a comprehension (evo's pose errors; info: 4x4)
        Invalid("import numpy as np\ndef errs(poses):\n    return [np.linalg.norm(E - np.eye(4)) for E in poses]\n"),
        # the fix: allocate once above the loop, reset in place where the zeros are read
        Invalid("import numpy as np\ndef run(W, xs, n):\n    for x in xs:\n        acc = np.zeros(n)\n"
                "        acc += W @ x\n        print(acc.sum())\n",
                "import numpy as np\ndef run(W, xs, n):\n    acc = np.zeros(n)\n    for x in xs:\n        acc.fill(0)\n"
                "        acc += W @ x\n        print(acc.sum())\n", unsafe=True),
        Invalid("import numpy as np\ndef run(W, xs, n):\n    for x in xs:\n        y = np.empty(n)\n"
                "        np.dot(W, x, out=y)\n        print(y.max())\n",
                "import numpy as np\ndef run(W, xs, n):\n    y = np.empty(n)\n    for x in xs:\n"
                "        np.dot(W, x, out=y)\n        print(y.max())\n", unsafe=True),
        # a buffer filled element by element by a nested Python loop (named: the loop costs more)
        Invalid("import numpy as np\ndef f(xs, M):\n    for x in xs:\n        a = np.zeros((M, M))\n"
                "        for i in range(M):\n            for j in range(M):\n                a[i, j] += x[i] * x[j]\n"
                "        print(a.sum())\n"),
        # realistic-corpus follow-ups (names rebound in loops, sizes, Python scalars, ...)
        Invalid('import numpy as np\ndef fit(X, k, iters, step):\n    n, d = X.shape\n    for _ in range(iters):\n        acc = np.zeros((k, d))\n        step(acc)\n'),
        Invalid('import numpy as np\nclass Sampler:\n    def draw(self, n, rng):\n        out = []\n        for _ in range(n):\n            v = np.zeros(self.dim)\n            v[rng.integers(self.dim)] = 1.0\n            out.append(int(v.argmax()))\n        return out\n'),
        Invalid('import numpy as np\ndef run(batches, width, update):\n    for xb in batches:\n        g = np.empty((width, width))\n        np.matmul(xb.T, xb, out=g)\n        update(g)\n'),
        Invalid('import torch\ndef loop(model, loader, hidden):\n    for xb in loader:\n        h0 = torch.zeros(1, hidden)\n        model(xb, h0)\n'),
        Invalid('import numpy as np\nN = 256\ndef f(xs):\n    for x in xs:\n        buf = np.ones(N)\n        buf *= x\n'),
        Invalid('import numpy as np\ndef f(A, steps, callback):\n    m = A.shape[0]\n    t = 0\n    while t < steps:\n        r = np.full(m, 0.5)\n        callback(r)\n        t += 1\n'),
        Invalid("import numpy as np\ndef train(W, X, epochs, lr):\n    for epoch in range(epochs):\n"
                "        grad = np.zeros_like(W)\n        grad += X.T @ (X @ W)\n        W -= lr * grad\n    return W\n"),
        Invalid("import numpy as np\nn = 100\nfor step in range(1000):\n    buf = np.empty((n, n), dtype=np.float32)\n"
                "    np.matmul(A, B, out=buf)\n"),
        Invalid("import torch\ndef f(model, loader, B):\n    for xb, yb in loader:\n"
                "        target = torch.zeros(B, 10)\n        loss = model(xb, target)\n"),
        Invalid("import numpy as np\ndef f(x, tol):\n    converged = False\n    while not converged:\n"
                "        r = np.ones(x.shape)\n        x -= 0.1 * r\n        converged = abs(x).max() < tol\n"),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        q = ctx.resolve_call(node)
        if q not in ALLOCATORS and q not in _CONSTANTS:
            return
        loops = loops_around(ctx, node)
        if not loops:
            return
        loop = loops[0]
        if isinstance(loop, LOOP_TYPES):
            if runs_at_most_once(loop):
                return
        elif not _operand_in_comprehension(ctx, node, loop):
            return
        like = q.endswith("_like")
        args = [*node.args, *(kw.value for kw in node.keywords)]
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            return
        for i, a in enumerate(args):
            first = bool(node.args) and i == 0 and a is node.args[0]
            if not is_shape_invariant(ctx, a, loop, whole=like and first, sizes=not like and first):
                return
        if self._escapes(node):
            return
        # a test's expected value: written the obvious way on purpose
        if in_assertion(ctx, node):
            return
        # an array of a few dozen elements: true, but nothing to gain (info)
        tiny = known_small(ctx.array_facts(node))
        func = ctx.text(node.func)
        filler = filled_by_python_loop(ctx, node, loop)
        if filler is not None:
            how = (f"; the Python loop at {ctx.line_ref(filler.lineno)} that fills it costs far more than the "
                   f"allocation")
        else:
            how = "; costs an allocation and fresh pages per step, noticeable for large arrays"
        how += facts_note(ctx, [node])
        self.report(node, f"`{func}(...)` allocates a new array of the same shape on every iteration of "
                          f"{_loop_line(loop, ctx.line_ref)}: allocate it once before the loop and reuse it (write into it "
                          f"with `out=` or `[:] =`){how}", hoist_fix(self, node, q, loop),
                    cost=_cost.allocation_in_loop(ctx, node, ctx.array_facts(node)),
                    severity="info" if filler is not None or tiny else hot_loop_buffer_severity(
                        ctx, node, ctx.array_facts(node), vectorised_overwrite(ctx, node, loop)) or "info")

    # -- does the array have to be fresh every iteration? ---------------------------
    def _escapes(self, call: ast.Call) -> bool:
        ctx = self.ctx
        holder, target = _reuse.holder(ctx, call)
        if holder is None:
            return True
        if target is None:
            # an allocation handed straight to a call that may keep it (a constructor, fit(...))
            par = ctx.parent(holder)
            if isinstance(par, ast.keyword):
                par = ctx.parent(par)
            if isinstance(par, ast.Call) and holder is not par.func and not _consumes_only(ctx, par):
                return True
            return _reuse.stored_use(ctx, holder)
        if not isinstance(target, ast.Name):
            return True  # self.buf = np.zeros(...), out[i] = np.zeros(...): kept
        binds = ctx.scope_of(target).bindings.get(target.id, [])
        binding = next((b for b in binds if b.node is target), None)
        if binding is None:
            return True
        loop = loops_around(ctx, call)[0]
        for other in binds:
            # rebound in the loop (h = np.tanh(W @ h)): the zeros are an initial value, not a
            # reusable buffer; unless the rebinding writes into it (y = sgemv(..., y=y, overwrite_y=1))
            if other is not binding and other.kind != "augassign" and _inside(ctx, other.node, loop) \
                    and not _writes_into(other, target.id):
                return True
        if any(_reuse.stored_use(ctx, use) for use in ctx.uses(binding)):
            return True
        # `r += x` rebinds: uses after it belong to that binding (rows.append(r))
        return any(isinstance(u.ctx, ast.Load) and _reuse.stored_use(ctx, u)
                   for u in _reuse.name_uses_in(ctx, target, loop))


def _operand_in_comprehension(ctx, call, comp) -> bool:
    """``[norm(E - np.eye(4)) for E in poses]``: an operand of arithmetic in a comprehension's element,
    rebuilt for every element though it is the same each time (not the element itself, which is kept)."""
    return isinstance(comp, COMPREHENSION_TYPES) and isinstance(ctx.parent(call), (ast.BinOp, ast.Compare))


def _inside(ctx, node, loop) -> bool:
    return any(anc is loop for anc in ctx.ancestors(node))


def _writes_into(binding, name: str) -> bool:
    """``name = f(..., out=name)`` / ``name = sgemv(..., y=name)``: the same buffer, rebound to itself."""
    value = binding.value
    return isinstance(value, ast.Call) and any(
        kw.arg in ("out", "y", "c", "a") and isinstance(kw.value, ast.Name) and kw.value.id == name
        for kw in value.keywords)


def _consumes_only(ctx, call: ast.Call) -> bool:
    """Does ``call`` only read its arguments (a numpy/torch/scipy.linalg computation)?

    Anything else may keep the array: ``multivariate_normal(np.zeros(n), C)``,
    ``masked_array(np.ones(()))``, ``clf.fit(X, y, sample_weight=np.ones(n))``.
    """
    q = ctx.resolve_call(call)
    if q is None:
        func = call.func
        return isinstance(func, ast.Attribute) and func.attr in _ARRAY_READERS
    if q.startswith(("numpy.ma", "numpy.testing", "numpy.random", "numpy.lib.", "numpy.memmap")):
        return False
    return q.startswith(("numpy.", "torch.", "scipy.linalg.", "scipy.special.", "math."))


# Constant arrays rebuilt every iteration (`np.eye(N) + alpha * D` in a line search): the same allocation
# and fill, hoistable like a buffer.
_CONSTANTS = {"numpy.eye", "numpy.identity", "torch.eye"}

# array methods that read their argument and keep nothing of it
_ARRAY_READERS = {"dot", "matmul", "__matmul__", "mm", "mv", "sum", "add", "sub", "mul", "outer"}
