"""Array-API namespaces (``xp = get_namespace(X)``): read as NumPy's API for detection, never fixed."""

from __future__ import annotations

import pytest

from support import lint

HEAD = "import numpy as np\nfrom sklearn.utils._array_api import get_namespace\n"


def test_namespace_calls_are_numpy_api_and_keep_no_fix():
    code = HEAD + ("def f(n, b):\n    xp, _ = get_namespace(b)\n    A = xp.ones((n, n))\n"
                   "    return xp.linalg.inv(A) @ b\n")
    (d,) = [d for d in lint(code) if d.code == "BL401"]
    assert d.fix is None
    assert "`xp` is an array namespace, read as NumPy's API; no fix" in d.message


def test_the_same_code_through_numpy_keeps_its_fix():
    code = HEAD + "def f(n, b):\n    A = np.ones((n, n))\n    return np.linalg.inv(A) @ b\n"
    (d,) = [d for d in lint(code) if d.code == "BL401"]
    assert d.fix is not None and "namespace" not in d.message


@pytest.mark.parametrize("binding", [
    "xp = get_library(b)",                      # not a namespace getter
    "xp = get_backend()",                       # matplotlib's, tensorly's: a backend's name
    "xp = get_namespace(b)\n    xp = torch",    # rebound to something else in the scope
])
def test_other_names_are_not_namespaces(binding):
    code = HEAD + f"def f(n, b):\n    {binding}\n    A = xp.ones((n, n))\n    return xp.linalg.inv(A) @ b\n"
    assert not [d for d in lint(code) if d.code == "BL401"]


def test_a_finding_elsewhere_in_the_file_keeps_its_fix():
    code = HEAD + ("def f(n, b):\n    xp = get_namespace(b)\n    return xp.sum(b)\n\n"
                   "def g(n, b):\n    A = np.ones((n, n))\n    return np.linalg.inv(A) @ b\n")
    (d,) = [d for d in lint(code) if d.code == "BL401"]
    assert d.fix is not None


def test_pot_backends_passed_in_or_got_from_the_arrays():
    """POT: `def f(a, b, M, nx=None): if nx is None: nx = get_backend(a, b)`, then `nx.einsum(...)`."""
    code = ("import numpy as np\nfrom ot.backend import get_backend\n\n"
            "def f(n, b, nx=None):\n    if nx is None:\n        nx = get_backend(b)\n"
            "    A = nx.ones((n, n))\n    return nx.linalg.inv(A) @ b\n")
    (d,) = [d for d in lint(code) if d.code == "BL401"]
    assert d.fix is None and "`nx` is an array namespace" in d.message


def test_a_closure_reads_the_namespace_of_its_enclosing_function():
    """POT's mapping: `nx = get_backend(xs, xt)`, then a nested `def loss(L, G): ... nx.sum(G * M)`."""
    code = ("from ot.backend import get_backend\n\ndef f(xs, xt, M, mu):\n    nx = get_backend(xs, xt)\n\n"
            "    def loss(L, G):\n        return mu * nx.sum(G * M)\n\n    return loss\n")
    (d,) = [d for d in lint(code) if d.code == "BL503"]
    assert d.fix is None and "`nx`" in d.message


@pytest.mark.parametrize("imports,ns", [
    ("from . import backend as T\n", "T"),            # tensorly's own modules
    ("import tensorly as tl\n", "tl"),                # code written on tensorly
    ("from tensorly import backend as T\n", "T"),
])
def test_tensorly_backends_are_array_namespaces(imports, ns):
    code = imports + f"\ndef loss(diff):\n    return 0.5 * {ns}.sum(diff**2)\n"
    (d,) = [d for d in lint(code) if d.code == "BL503"]
    assert d.fix is None and d.severity == "info"


@pytest.mark.parametrize("imports", ["from . import numerics as T\n", "import mylib as tl\n"])
def test_other_modules_are_not_backends(imports):
    ns = "T" if " T" in imports else "tl"
    code = imports + f"\ndef loss(diff):\n    return 0.5 * {ns}.sum(diff**2)\n"
    assert not [d for d in lint(code) if d.code == "BL503"]


def test_cupy_and_pylops_module_getters_are_namespaces():
    # PyLops' `ncp = get_module(backend)`, CuPy's `xp = get_array_module(x)` (numpy or cupy): `ncp.trace` is
    # numpy's trace in kind (held-out set 22's Hutchinson estimators), and no fix is offered through it
    from support import lint

    for getter in ("get_module(backend)", "get_array_module(z)"):
        code = (f"from pylops.utils.backend import get_module, get_array_module\ndef f(Op, z, backend):\n"
                f"    ncp = {getter}\n    return ncp.trace(z.T @ (Op @ z))\n")
        found = [d for d in lint(code, {"BL403"}) if d.code == "BL403"]
        assert len(found) == 1 and found[0].fix is None, getter
    # a getter called without arguments returns a name, not a namespace
    code = "from x import get_module\ndef f(a, b):\n    m = get_module()\n    return m.trace(a @ b)\n"
    assert [d for d in lint(code, {"BL403"}) if d.code == "BL403"] == []
