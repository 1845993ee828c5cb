"""Progress reporting for long work (backup, restore, import, export, synthetic seeding).

The work reports through a `Progress` it is given; it never prints. The CLI passes a rich bar
drawn on stderr (only on a terminal or with `--progress`), everything else gets `NULL_PROGRESS`,
so machine-readable stdout is never polluted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol


class Progress(Protocol):
    def start(self, label: str, total: int | None) -> None:
        """Begin a phase of `total` steps (None when the total is not known)."""

    def advance(self, steps: int = 1) -> None:
        """Count `steps` more done in the current phase."""


class _NullProgress:
    def start(self, label: str, total: int | None) -> None:
        return None

    def advance(self, steps: int = 1) -> None:
        return None


NULL_PROGRESS: Progress = _NullProgress()


class RichProgress:
    """One rich bar per phase: description, bar, count of total, elapsed and remaining time."""

    def __init__(self, bar: Any) -> None:
        self._bar = bar
        self._task: Any = None

    def start(self, label: str, total: int | None) -> None:
        if self._task is not None:
            self._bar.update(self._task, completed=self._bar.tasks[-1].total or 0)
        self._task = self._bar.add_task(label, total=total)

    def advance(self, steps: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, steps)


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Progress]:
    """A rich progress bar on stderr when `enabled`, else the silent one."""
    if not enabled:
        yield NULL_PROGRESS
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Bar

    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    with Bar(*columns, console=console, transient=False) as bar:
        yield RichProgress(bar)
