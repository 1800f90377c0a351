"""Rules of this family (see rules/ pages)."""

from __future__ import annotations

