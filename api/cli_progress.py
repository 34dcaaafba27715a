"""The command line's progress bars: rich, on standard error, only on a terminal.

A command opens :func:`progress_bar` around its long work and hands the callback it yields to the
services (``services.progress.Progress``). Each step the services name gets a line: a bar, the
count done of the total (``?`` while the total is unknown), the rate per second, the time spent
and the time left. Standard output keeps the command's result alone; when standard error is not
a terminal (a pipe, a file, cron) nothing is drawn at all: no bar, no control characters.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from services.progress import Progress as ProgressCallback

__all__ = ["RateColumn", "progress_bar"]


class RateColumn(ProgressColumn):
    """Items per second: over rich's recent samples, else the step's average so far."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None and task.elapsed and task.completed:
            speed = task.completed / task.elapsed
        if speed is None:
            return Text("-/s", style="progress.data.speed")
        return Text(f"{speed:,.0f}/s", style="progress.data.speed")


def _silent(step: str, done: int, total: int | None = None) -> None:
    """Tells no one (output is not a terminal)."""


@contextmanager
def progress_bar(console: Console | None = None) -> Iterator[ProgressCallback]:
    """A progress callback that draws on ``console`` (default: standard error) while the block
    runs, or does nothing if that is not a terminal."""
    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield _silent
        return
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def report(step: str, done: int, total: int | None = None) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield report
