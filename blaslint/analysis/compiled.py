"""Is a node inside a function that a JIT compiles (numba's ``@jit``/``@njit`` ...)?

Loops in such a function run as machine code: the per-iteration interpreter
cost that a "Python loop" finding is about is not there, and the rewrite a
message suggests may not even type-check under the compiler (numba's ``@``
refuses integer operands). Rules whose claim is the Python loop ask here.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from blaslint.analysis.base import Context as FileContext

COMPILERS = frozenset({
    "numba.jit", "numba.njit", "numba.generated_jit", "numba.vectorize", "numba.guvectorize",
    "numba.stencil", "numba.cfunc", "numba.cuda.jit", "numba.core.decorators.jit",
    "numba.core.decorators.njit",
})


def _compiler(ctx: "FileContext", decorator: ast.AST) -> str | None:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    qual = ctx.qualname(target)
    if qual is None and isinstance(target, ast.Name):
        # `try: from numba import njit` / `except ImportError: def njit(f): return f`: an optional
        # JIT is a name bound twice, compiled wherever numba is installed
        qual = ctx.imports.names.get(target.id)
    return qual if qual in COMPILERS else None


def compiled_by(ctx: "FileContext", node: ast.AST) -> str | None:
    """The JIT (``numba.njit``) compiling the function ``node`` runs in (itself or an enclosing one), or None."""
    for anc in ctx.ancestors(node):
        if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in anc.decorator_list:
                got = _compiler(ctx, dec)
                if got is not None:
                    return got
    return None

__all__ = ["compiled_by", "COMPILERS"]
