"""BL6: dtypes BLAS cannot take (integer, bool, object products) or takes only
after a conversion on every call (float32 times float64).
"""

from blaslint.rules.dtypes import (  # noqa: F401  (importing a rule module registers it)
    non_blas_dtype,
    mixed_precision_product,
)
