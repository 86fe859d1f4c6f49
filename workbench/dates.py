"""How the workbench writes a date for people to read: ``1 September 2026``, and a recorded
time: ``7 December 2026 at 09:14 UTC``.

One place, so that every sentence (rule descriptions, warnings, review pages, published
tables' notes) writes dates alike, and portably: strftime's flag for a day without its leading
zero (a minus sign after the percent) is a glibc extension that Windows' C library refuses.

Example
-------
>>> from datetime import date
>>> long_date(date(2026, 9, 1))
'1 September 2026'
>>> long_date(None)
''
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

__all__ = ["RECORDED_TIME", "long_date", "long_time"]


def long_date(day: date | None) -> str:
    """``1 September 2026``; empty for no date."""
    return "" if day is None else f"{day.day} {day:%B %Y}"


# A time as the store and the sidecars record it: a day, a time of day, and UTC's offset.
RECORDED_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)


def long_time(at: str | None) -> str:
    """A time recorded in ISO 8601 (UTC, as the store writes it), as people read it; a
    day alone as a date; empty for none; anything else as it is.

    >>> long_time("2026-12-07T09:14:05.123456Z")
    '7 December 2026 at 09:14 UTC'
    >>> long_time("2026-12-07T10:14:00+01:00"), long_time("2026-12-07")
    ('7 December 2026 at 09:14 UTC', '7 December 2026')
    """
    if not at:
        return ""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    if not RECORDED_TIME.match(at):
        return long_date(moment.date()) if len(at) == 10 else at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the workbench records every time in UTC
    moment = moment.astimezone(UTC)
    return f"{long_date(moment.date())} at {moment:%H:%M} UTC"
