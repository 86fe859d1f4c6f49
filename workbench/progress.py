"""Progress reporting for long commands, on stderr so that stdout stays parseable.

`steps` wraps the stages of a command; `track` wraps an iterable. Both show a rich progress bar
on a terminal and plain one-line messages otherwise (papermill, cron, CI logs).

The rich console is made on first use, and a stage's start does not need it where stderr
cannot be a terminal (rich would say the same): a command's start does not wait for rich.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["console", "enabled", "set_enabled", "step", "track"]

T = TypeVar("T")
_console: Console | None = None
_enabled = True


def console() -> Console:
    """The rich console progress is written to (stderr), made on first use."""
    global _console
    if _console is None:
        from rich.console import Console

        _console = Console(stderr=True)
    return _console


def _on_terminal() -> bool:
    """Whether progress goes to a terminal, as rich decides; without rich when stderr is not
    a terminal and no variable rich reads (TTY_COMPATIBLE, FORCE_COLOR) says otherwise."""
    if _console is None and not _may_be_terminal():
        return False
    return console().is_terminal


def _may_be_terminal() -> bool:
    if "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


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
    if not _on_terminal():
        start = time.perf_counter()
        console().print(f"{description}...", highlight=False)
        yield from items
        done = f"{description}: done in {time.perf_counter() - start:.1f}s"
        console().print(done, highlight=False)
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
    with Progress(*columns, console=console(), transient=False) as bar:
        yield from bar.track(items, total=total, description=description)


@contextmanager
def step(description: str) -> Iterator[None]:
    """Report one stage of a long command with its duration."""
    if not _enabled:
        yield
        return
    start = time.perf_counter()
    if _on_terminal():
        with console().status(description):
            yield
    else:
        yield
    console().print(f"{description}: {time.perf_counter() - start:.1f}s", highlight=False)
