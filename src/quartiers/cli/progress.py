"""A French progress bar (rich) for long steps, quiet when output is not a terminal."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

console = Console(stderr=True)
#: Set by the first Ctrl-C / stop request; long loops stop at their next safe point.
stop_requested = threading.Event()


def check_stop() -> None:
    """Stop here (cleanly: temporary files are removed) if a stop was requested.

    Signals only set a flag: raising from a signal handler at an arbitrary point can land in
    a native library's callback (and abort the process) or in a destructor (and be lost)."""
    if stop_requested.is_set():
        raise KeyboardInterrupt


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """Yield ``update(label, done, total)``; one bar per label."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("reste"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def update(label: str, done: int, total: int) -> None:
            check_stop()
            if label not in tasks:
                tasks[label] = progress.add_task(label, total=max(total, 1))
            progress.update(tasks[label], completed=done)

        yield update


def thousands(n: float) -> str:
    """``12 345``: a count rounded to the unit, thousands set apart as French writes them."""
    return f"{n:,.0f}".replace(",", " ")


def info(message: str) -> None:
    console.print(message)
