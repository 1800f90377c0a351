"""Which library API a name or call refers to, through imports and aliases.

Built in one pass over the module's import statements (and the few function-
level ones), without libcst's generic providers: ``np`` -> ``numpy``,
``from numpy.linalg import inv`` -> ``numpy.linalg.inv``, ``import scipy.linalg
as sla`` -> ``scipy.linalg``, and BLAS routines fetched with ``get_blas_funcs``.

Names are canonicalised so rules can speak of one API: ``cupy.x`` and
``jax.numpy.x`` become ``numpy.x`` (see :func:`canonical`), and the library the
user wrote is kept separately so that fixes are spelled in it.
"""

from __future__ import annotations

import ast
import functools

# Library prefixes that mirror NumPy's API closely enough for our rules
# (autograd's are thin wrappers that call NumPy/SciPy: the same kernels, the same costs).
_NUMPY_MIRRORS = ("cupy", "jax.numpy", "numpy.matlib", "autograd.numpy")
_SCIPY_MIRRORS = ("autograd.scipy",)
_ALIASES = {
    "numpy.core.multiarray.dot": "numpy.dot",
    "numpy.core.numeric.dot": "numpy.dot",
    "numpy.linalg.linalg.inv": "numpy.linalg.inv",
    "torch.linalg.inv": "torch.linalg.inv",
    "torch.Tensor.inverse": "torch.inverse",
    "scipy.linalg.basic.inv": "scipy.linalg.inv",
    "numpy.random.mtrand.rand": "numpy.random.rand",
}
BLAS_MODULES = ("scipy.linalg.blas", "scipy.linalg.cython_blas")
LAPACK_MODULES = ("scipy.linalg.lapack",)


@functools.lru_cache(maxsize=4096)
def canonical(qualname: str) -> str:
    """Map a qualified name onto the API family rules reason about (cached: called per name node)."""
    for mirrors, target in ((_NUMPY_MIRRORS, "numpy"), (_SCIPY_MIRRORS, "scipy")):
        for mirror in mirrors:
            if qualname == mirror or qualname.startswith(mirror + "."):
                return _ALIASES.get(target + qualname[len(mirror):], target + qualname[len(mirror):])
    return _ALIASES.get(qualname, qualname)


def library_of(qualname: str) -> str:
    """The top-level library of a qualified name as written by the user."""
    if qualname.startswith("jax.numpy"):
        return "jax.numpy"
    if qualname.startswith(("autograd.numpy", "autograd.scipy")):
        return "numpy" if qualname.startswith("autograd.numpy") else "scipy"  # wrappers of NumPy/SciPy
    return qualname.split(".", 1)[0]


def dotted_name(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of Attribute over Name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class ImportMap:
    """Local name -> qualified name, for names bound by imports.

    A name also bound by something other than an import at module level
    (a ``def``, an assignment) is ambiguous and resolves to nothing.
    """

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.ambiguous: set[str] = set()

    @classmethod
    def from_module(cls, tree: ast.Module) -> "ImportMap":
        imap = cls()
        for stmt in _import_statements(tree):
            imap.add_import(stmt)
        return imap

    def add_import(self, stmt: ast.Import | ast.ImportFrom) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self._bind(alias.asname, alias.name)
                else:
                    top = alias.name.split(".", 1)[0]
                    self._bind(top, top)
        else:
            if stmt.level or not stmt.module:
                return
            for alias in stmt.names:
                if alias.name == "*":
                    continue
                self._bind(alias.asname or alias.name, f"{stmt.module}.{alias.name}")

    def _bind(self, local: str, qual: str) -> None:
        old = self.names.get(local)
        if old is not None and old != qual:
            self.ambiguous.add(local)
        self.names[local] = qual

    def bind_value(self, local: str, qual: str) -> None:
        """Record ``local = <something resolving to qual>`` (e.g. get_blas_funcs)."""
        self._bind(local, qual)

    def qualname(self, local: str) -> str | None:
        if local in self.ambiguous:
            return None
        return self.names.get(local)

    def spelling(self, qualname: str) -> str | None:
        """How to write ``qualname`` with the names this module imported."""
        best = None
        for local, qual in self.names.items():
            if local in self.ambiguous:
                continue
            if qualname == qual:
                return local
            if qualname.startswith(qual + "."):
                cand = local + qualname[len(qual):]
                if best is None or len(cand) < len(best):
                    best = cand
        return best


def _import_statements(tree: ast.Module):
    """Import statements at module level, inside if/try blocks, and in functions."""
    stack = list(tree.body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            yield stmt
        elif isinstance(stmt, (ast.If, ast.Try, ast.With, ast.FunctionDef, ast.AsyncFunctionDef,
                               ast.ClassDef, ast.For, ast.While)) or type(stmt).__name__ == "TryStar":
            for field in ("body", "orelse", "finalbody"):
                stack.extend(getattr(stmt, field, ()) or ())
            for handler in getattr(stmt, "handlers", ()) or ():
                stack.extend(handler.body)


def blas_routine(qualname: str | None) -> tuple[str, str] | None:
    """('s', 'gemv') for 'scipy.linalg.blas.sgemv'; ('?', 'gemv') for get_blas_funcs results."""
    if not qualname:
        return None
    for mod in BLAS_MODULES:
        if qualname.startswith(mod + "."):
            name = qualname[len(mod) + 1:]
            if name.startswith("?"):
                return "?", name[1:]
            if len(name) >= 3 and name[0] in "sdcz":
                return name[0], name[1:]
    return None
