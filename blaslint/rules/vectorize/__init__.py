"""BL5: vectorization NumPy cannot do for you (Python loops of dots, einsum
spelled without BLAS, reductions that are dots or norms).
"""

from blaslint.rules.vectorize import (  # noqa: F401  (importing a rule module registers it)
    loop_of_dots,
    einsum_without_blas,
    reduction_as_blas,
    hidden_contraction,
    outer_product_accumulation,
)
