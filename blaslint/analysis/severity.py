"""Severity levels and how a finding gets one: correctness, cost, context.

- ``"error"``: correctness -- work silently lost (BL202, BL203) and the
  tool's own failures (BL900, BL901, BL999). Always shown, never lowered.
- ``"warning"``: worth acting on: a cost that is not negligible, or no cost
  estimate at all (a rule that does not estimate keeps today's behaviour).
- ``"info"``: negligible: the estimated saving is below
  :data:`blaslint.analysis.cost.NEGLIGIBLE_SECONDS` per run. Hidden by default.

Context lowers a warning one level to info: a test/example/archive path
(:data:`DEFAULT_CONTEXT_PATHS`, configurable), an ``except LinAlgError``
fallback, a branch chosen by a user-facing string argument, an argument of
warnings/logging/print/assert (:mod:`blaslint.analysis.context_kind`).
"""

from __future__ import annotations

SEVERITIES = ("info", "warning", "error")
DEFAULT_MIN_SEVERITY = "warning"
CORRECTNESS_CODES = frozenset({"BL202", "BL203"})
TOOL_ERROR_CODES = frozenset({"BL900", "BL901", "BL999"})

# Globs (relative to the project root, '/'-separated; a glob without '/' matches
# any path component). Tests count at any depth (``pkg/sub/tests/test_x.py``);
# examples, docs, archives and scratch space only at the project's top level,
# so that a package's own ``examples/`` module or a fixture folder such as
# ``fixtures/examples`` is linted as code.
DEFAULT_CONTEXT_PATHS = (
    "tests", "test", "testing", "test_*.py", "*_test.py", "conftest.py",
    "examples/**", "example/**", "notebooks/**", "tutorials/**", "tutorial/**", "demos/**", "demo/**",
    "docs/**", "doc/**", "archive/**", "attic/**", "old/**",
    "sandbox/**", "scratch/**", "playground/**", "benchmarks/**", "benchmark/**",
)


def rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 1


def lower(severity: str) -> str:
    """One level down for context; an error (correctness) is never lowered."""
    return "info" if severity == "warning" else severity


def base_severity(code: str, cost=None, explicit: str | None = None) -> str:
    """The severity before context: correctness first, then an explicit one, then the cost."""
    if code in CORRECTNESS_CODES or code in TOOL_ERROR_CODES:
        return "error"
    if explicit is not None:
        if explicit not in SEVERITIES:
            raise ValueError(f"unknown severity {explicit!r}")
        return explicit
    if cost is not None and cost.negligible:
        return "info"
    return "warning"


def derive(code: str, cost=None, explicit: str | None = None, lowered: bool = False) -> str:
    sev = base_severity(code, cost, explicit)
    return lower(sev) if lowered else sev


def is_shown(severity: str, min_severity: str) -> bool:
    return rank(severity) >= rank(min_severity)


__all__ = ["SEVERITIES", "DEFAULT_MIN_SEVERITY", "CORRECTNESS_CODES", "DEFAULT_CONTEXT_PATHS", "derive",
           "lower", "rank", "is_shown", "base_severity"]
