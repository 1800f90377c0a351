"""The rule catalogue: importing this package registers every rule.

One package per family, one module per rule named after it (``algebra/partial_product.py``
holds BL403): layout (BL1), dead writes (BL2), loops (BL3), algebra (BL4),
vectorization (BL5), dtypes (BL6). Helpers used by two or more rules of a family
live in one named module of that family (``algebra/_products.py``), helpers used
across families in :mod:`blaslint.rules._common`. The engine never imports this
package: its callers do (runner, language server, configuration, rule docs).
"""

from blaslint.core.rule import Rule, rule_classes
from blaslint.rules import (  # noqa: F401  (importing a family registers its rules)
    algebra,
    dead_writes,
    dtypes,
    layout,
    loops,
    vectorize,
)


def all_rules(codes=None) -> list[type[Rule]]:
    """Every registered rule class (or those of ``codes``), sorted by code."""
    return rule_classes(codes)
