"""BL4: algebra NumPy never rewrites for you (solve vs inverse, diagonal,
partial and chained products, repeated products).
"""

from blaslint.rules.algebra import (  # noqa: F401  (importing a rule module registers it)
    inverse_times,
    diagonal_matmul,
    partial_product,
    matrix_chain_order,
    repeated_product,
)
