"""Progress bars of the ``realtimekit`` command: rich on a terminal, nothing anywhere else.

rich is imported here and only here, and only once bars are wanted, so the core package and a
CLI run into a pipe never load it. Without the ``cli`` extra the command still works, silently.
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["PROGRESS_MODES", "Bars", "NoBars", "progress_bars"]

#: ``auto``: bars only when stderr is a terminal; ``always``: even into a pipe; ``never``.
PROGRESS_MODES = ("auto", "always", "never")
Unit = Literal["items", "bytes"]
_DESCRIPTION_WIDTH = 40


class Bars(Protocol):
    """A set of progress bars; each bar is a task id returned by :meth:`add`."""

    def add(self, description: str, total: int | None = None, unit: Unit = "items") -> int:
        """Show a new bar and return its id."""
        ...

    def update(
        self,
        task: int,
        *,
        completed: int | None = None,
        total: int | None = None,
        advance: int = 0,
    ) -> None:
        """Move a bar: set *completed* (or add *advance*) and, once known, its *total*."""
        ...

    def remove(self, task: int) -> None:
        """Take a finished bar off the screen."""
        ...


class NoBars:
    """Bars that draw nothing: for pipes, files and ``--progress never``."""

    def add(self, description: str, total: int | None = None, unit: Unit = "items") -> int:
        """Pretend to add a bar."""
        return 0

    def update(
        self,
        task: int,
        *,
        completed: int | None = None,
        total: int | None = None,
        advance: int = 0,
    ) -> None:
        """Ignore the update."""

    def remove(self, task: int) -> None:
        """Ignore the removal."""


def _amount(done: int, total: int | None, unit: Unit) -> str:
    if unit == "bytes":
        from rich.filesize import decimal  # noqa: PLC0415 - rich loads only when drawing

        return f"{decimal(done)}/{'?' if total is None else decimal(total)}"
    return f"{done}/{'?' if total is None else total}"


@dataclass
class _Task:
    id: TaskID
    unit: Unit
    total: int | None
    completed: int = 0


class _RichBars:
    """:class:`Bars` drawn by a running :class:`rich.progress.Progress`."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[int, _Task] = {}

    def add(self, description: str, total: int | None = None, unit: Unit = "items") -> int:
        if len(description) > _DESCRIPTION_WIDTH:
            description = description[: _DESCRIPTION_WIDTH - 1] + "…"
        task = self._progress.add_task(description, total=total, amount=_amount(0, total, unit))
        self._tasks[task] = _Task(task, unit, total)
        return task

    def update(
        self,
        task: int,
        *,
        completed: int | None = None,
        total: int | None = None,
        advance: int = 0,
    ) -> None:
        # Kept here too, since rich's public view of a task is a copy of all of them.
        state = self._tasks[task]
        state.completed = (state.completed if completed is None else completed) + advance
        state.total = state.total if total is None else total
        self._progress.update(
            state.id,
            completed=state.completed,
            total=state.total,
            amount=_amount(state.completed, state.total, state.unit),
        )

    def remove(self, task: int) -> None:
        self._progress.remove_task(self._tasks.pop(task).id)


@contextmanager
def progress_bars(mode: str = "auto") -> Generator[Bars, None, None]:
    """Bars on stderr while the block runs, per *mode* (one of :data:`PROGRESS_MODES`).

    Args:
        mode: ``auto`` draws only when stderr is a terminal, so logs and pipes stay clean;
            ``always`` draws anyway; ``never`` never does.

    Yields:
        The bars to add to and update; a :class:`NoBars` when nothing is drawn.
    """
    stream = sys.stderr
    if mode == "never" or (mode == "auto" and not stream.isatty()):
        yield NoBars()
        return
    try:
        from rich.console import Console  # noqa: PLC0415 - the core never loads rich
        from rich.progress import (  # noqa: PLC0415
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )
    except ImportError:  # no ``cli`` extra: work on without bars rather than fail
        yield NoBars()
        return
    console = Console(file=stream, force_terminal=True if mode == "always" else None)
    with Progress(
        TextColumn("{task.description}", style="bold"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[amount]}"),
        TimeRemainingColumn(),
        console=console,
        # Output to a terminal goes around the bars; output into a pipe or file stays there.
        redirect_stdout=sys.stdout.isatty(),
    ) as progress:
        yield _RichBars(progress)
