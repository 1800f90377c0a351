"""BL2: writes that do nothing.

BL201: a zero-fill (``x.fill(0)``, ``x[:] = 0``, ``x = np.zeros(...)``) that the
next write to ``x`` replaces entirely before anything reads it. BL204: a
zero-fill whose only purpose is to start a single rank-1 update
(``x.fill(0); sger(1, u, v, a=x, overwrite_a=1)`` or ``x += np.outer(u, v)``).
BL202, BL203: scipy.linalg.blas calls whose effect is lost (see their modules).
"""

from blaslint.rules.dead_writes import (  # noqa: F401  (importing a rule module registers it)
    zero_fill_before_overwrite,
    blas_result_discarded,
    ineffective_overwrite,
    fill_then_rank1,
)
