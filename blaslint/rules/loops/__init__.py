"""BL3: work repeated every step of a loop.

BL301: an array allocated inside a loop with the same shape on every
iteration. BL302: a factorisation, inverse, transposed copy or product whose
inputs do not change in the loop, recomputed on every iteration.
"""

from blaslint.rules.loops import (  # noqa: F401  (importing a rule module registers it)
    allocation_in_loop,
    loop_invariant_linalg,
)
