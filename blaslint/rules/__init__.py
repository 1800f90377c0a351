"""The rule catalogue: importing this package registers every rule.

One module per family: layout (BL1), dead writes (BL2), loops (BL3),
algebra (BL4), vectorization (BL5), dtypes (BL6).
"""

from blaslint.rules import (  # noqa: F401
    algebra,
    blas_calls,
    dead_writes,
    dtypes,
    layout,
    loops,
    vectorize,
)
