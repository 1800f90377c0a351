"""BL2 rules about scipy.linalg.blas calls whose effect is lost (BL202, BL203)."""

from __future__ import annotations

