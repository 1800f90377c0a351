"""Helpers for rule tests: lint a snippet, fix it, and run bad vs fixed code.

``assert_fix_equivalent`` is how every fix is proven: the original and the
fixed program run on the same random inputs and must give the same results
(exactly for safe fixes, ``allclose`` for unsafe ones).
"""

from __future__ import annotations

import textwrap

import numpy as np

from blaslint.project.config import Settings
import blaslint.rules  # noqa: F401  (registers the rules the engine runs)
from blaslint.core.engine import lint_source
from blaslint.core.fix import check_parses, fix_to_fixpoint
from blaslint.core.source import SourceText


def lint(code: str, codes=None, path: str = "example.py"):
    code = textwrap.dedent(code)
    if codes is None:
        codes = Settings().selected_codes()
    elif isinstance(codes, str):
        codes = {codes}
    errors: list[str] = []
    diags = lint_source(SourceText(code), path, set(codes), errors)
    assert not errors, errors
    assert not any(d.code == "BL999" for d in diags), diags
    return diags


def codes_of(code: str, codes=None) -> list[str]:
    return [d.code for d in lint(code, codes)]


def fix(code: str, codes=None, unsafe: bool = True) -> str:
    code = textwrap.dedent(code)
    outcome = fix_to_fixpoint(code, lambda t: lint(t, codes), unsafe)
    check_parses(outcome.text, original=code)
    return outcome.text


def _run(code: str, setup: str, seed: int) -> dict:
    ns: dict = {"__name__": "__blaslint_example__"}
    np.random.seed(seed)
    exec(compile(textwrap.dedent(setup), "<setup>", "exec"), ns)
    exec(compile(code, "<example>", "exec"), ns)
    return ns


def _same(a, b, exact: bool, rtol: float, atol: float) -> bool:
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y, exact, rtol, atol) for x, y in zip(a, b))
    try:
        import torch

        if isinstance(a, torch.Tensor):
            a, b = a.detach().numpy(), b.detach().numpy()
    except ImportError:  # pragma: no cover
        pass
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if exact:
        return np.array_equal(a, b, equal_nan=True)
    return np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)


def assert_fix_equivalent(code: str, setup: str, outputs, codes=None, unsafe: bool = True,
                          exact: bool = False, seeds=(0, 1, 2), rtol: float = 1e-6, atol: float = 1e-8) -> str:
    """Fix ``code``, then run both versions after ``setup`` and compare ``outputs``.

    Returns the fixed code. Fails if no fix was applied.
    """
    code = textwrap.dedent(code)
    fixed = fix(code, codes, unsafe)
    assert fixed != code, f"no fix applied to:\n{code}"
    if isinstance(outputs, str):
        outputs = [outputs]
    for seed in seeds:
        before = _run(code, setup, seed)
        after = _run(fixed, setup, seed)
        for name in outputs:
            assert _same(before[name], after[name], exact, rtol, atol), (
                f"fix changed `{name}` (seed {seed}):\n--- bad\n{code}\n--- fixed\n{fixed}")
    return fixed


def write_package(root, files: dict) -> None:
    """Write ``{"pkg/sub/mod.py": text}`` under ``root``, with an empty ``__init__.py`` in every folder
    that has none (package helpers are read from disk, never imported)."""
    from pathlib import Path

    root = Path(root)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for rel in files:
        for parent in list((root / rel).parents):
            if parent == root or root not in parent.parents:
                break
            init = parent / "__init__.py"
            if not init.exists():
                init.write_text("")


def lint_package(root, files: dict, main: str, codes):
    """Write the package (:func:`write_package`) and lint its module ``main`` where it lies."""
    from pathlib import Path

    write_package(root, files)
    return lint(files[main], codes, path=str(Path(root) / main))
