"""A progress bar on stderr that appears only once a run has taken a while.

Short runs (the usual pre-commit or editor case) never draw anything; a run
over a big tree shows a transient rich bar after ``delay`` seconds. The caller
decides whether stderr is a terminal.
"""

from __future__ import annotations

import os
import time

DEFAULT_DELAY = 1.0  # seconds before the bar appears


def progress_delay() -> float:
    """``BLASLINT_PROGRESS_DELAY`` (seconds) overrides the default; 0 shows the bar at once."""
    try:
        return max(0.0, float(os.environ.get("BLASLINT_PROGRESS_DELAY", DEFAULT_DELAY)))
    except ValueError:
        return DEFAULT_DELAY


class LazyProgress:
    """Count finished files; start drawing only after ``delay`` seconds."""

    def __init__(self, total: int, console, delay: float | None = None, clock=time.monotonic) -> None:
        self.total = total
        self.console = console
        self.delay = progress_delay() if delay is None else delay
        self.clock = clock
        self.start = clock()
        self.done = 0
        self.progress = None
        self.task = None

    def __enter__(self) -> "LazyProgress":
        return self

    def advance(self) -> None:
        self.done += 1
        if self.progress is None and self.done < self.total and self.clock() - self.start >= self.delay:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("linting"), BarColumn(), MofNCompleteColumn(),
                                     TimeRemainingColumn(), transient=True, console=self.console)
            self.progress.start()
            self.task = self.progress.add_task("linting", total=self.total, completed=self.done)
        elif self.progress is not None:
            self.progress.update(self.task, completed=self.done)

    @property
    def shown(self) -> bool:
        return self.progress is not None

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()
