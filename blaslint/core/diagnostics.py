"""The data a rule produces: findings, their fixes and the edits a fix makes.

Positions are 1-based lines and 1-based character columns (ruff's convention),
end exclusive. Edits carry character offsets into the decoded source text so
that fixes can be spliced without re-deriving positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Applicability(str, Enum):
    """How far a fix can be trusted: ``safe`` keeps results, ``unsafe`` keeps the maths."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``text[start:end]`` with ``content`` (character offsets)."""

    start: int
    end: int
    content: str
    # 1-based (line, column) of start and end, filled in by the engine for reports.
    location: tuple[int, int] = field(default=(0, 0), compare=False)
    end_location: tuple[int, int] = field(default=(0, 0), compare=False)


@dataclass(frozen=True)
class Fix:
    message: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE

    @property
    def is_safe(self) -> bool:
        return self.applicability is Applicability.SAFE


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    fix: Fix | None = None
    name: str = ""
    # First line of the statement holding the finding: where `# noqa` may also sit.
    stmt_line: int = 0
    # Notebook cell (1-based) when the file is a notebook; lines are then cell-relative.
    cell: int | None = None
    # Normalised source of the flagged node; used for baseline fingerprints.
    snippet: str = ""
    # Name of the enclosing function (or "" at module level); used for fingerprints.
    scope: str = ""
    # "error" | "warning" | "info" (blaslint.analysis.severity); tool errors are always "error".
    severity: str = "warning"
    # What the finding costs and its fix saves (blaslint.analysis.cost.Cost), when the rule estimates it.
    cost: object = None
    # Why the severity was lowered ("a test path", "in an `except LinAlgError` fallback"), else "".
    context: str = ""

    def __post_init__(self) -> None:
        if self.code in _TOOL_ERRORS and self.severity != "error":
            object.__setattr__(self, "severity", "error")

    @property
    def saving(self) -> float:
        """Estimated seconds saved per run (0 without a cost estimate)."""
        return self.cost.saving if self.cost is not None else 0.0

    def sort_key(self) -> tuple:
        # at one position, the finding whose fix saves more comes first
        return (self.path, self.cell or 0, self.line, self.col, -self.saving, self.code)


# Codes the tool reports about itself (not rules).
SYNTAX_ERROR = "BL900"
UNREADABLE_FILE = "BL901"
UNUSED_NOQA = "BL902"
INTERNAL_ERROR = "BL999"

_TOOL_ERRORS = {SYNTAX_ERROR, UNREADABLE_FILE, INTERNAL_ERROR}

TOOL_CODES = {
    SYNTAX_ERROR: ("syntax-error", "The file does not parse"),
    UNREADABLE_FILE: ("unreadable-file", "The file cannot be read or decoded"),
    UNUSED_NOQA: ("unused-noqa", "A suppression comment suppresses nothing"),
    INTERNAL_ERROR: ("internal-error", "blaslint itself failed on this file (a bug: please report)"),
}
