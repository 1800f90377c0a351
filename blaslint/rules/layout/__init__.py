"""BL1: layout and copies. A transposed copy fed to a product (BL101) and a
C-ordered matrix handed to a Fortran BLAS wrapper (BL102) both pay a strided
pass over the whole matrix that BLAS's transpose flag makes unnecessary.
"""

from blaslint.rules.layout import (  # noqa: F401  (importing a rule module registers it)
    transposed_copy,
    c_order_to_fortran_blas,
)
