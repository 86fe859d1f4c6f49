"""Progress reporting for long commands, on stderr so that stdout stays parseable.

`steps` wraps the stages of a command; `track` wraps an iterable. Both show a rich progress bar
on a terminal and plain one-line messages otherwise (papermill, cron, CI logs).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console

__all__ = ["console", "enabled", "set_enabled", "step", "track"]

T = TypeVar("T")
console = Console(stderr=True)
_enabled = True


def set_enabled(value: bool) -> None:
    """Switch progress output on or off (the CLI's --quiet)."""
    global _enabled
    _enabled = value


def enabled() -> bool:
    return _enabled


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Yield from `items`, showing a progress bar (or start/end lines when not on a terminal)."""
    if not _enabled:
        yield from items
        return
    if not console.is_terminal:
        start = time.perf_counter()
        console.print(f"{description}...", highlight=False)
        yield from items
        console.print(f"{description}: done in {time.perf_counter() - start:.1f}s", highlight=False)
        return
    # Imported here: commands that show no bar (most) do not pay for it.
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        yield from bar.track(items, total=total, description=description)


@contextmanager
def step(description: str) -> Iterator[None]:
    """Report one stage of a long command with its duration."""
    if not _enabled:
        yield
        return
    start = time.perf_counter()
    if console.is_terminal:
        with console.status(description):
            yield
    else:
        yield
    console.print(f"{description}: {time.perf_counter() - start:.1f}s", highlight=False)
