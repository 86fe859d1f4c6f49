"""How the workbench writes a date for people to read: ``1 September 2026``.

One function, so that every sentence (rule descriptions, warnings, review pages, published
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

from datetime import date

__all__ = ["long_date"]


def long_date(day: date | None) -> str:
    """``1 September 2026``; empty for no date."""
    return "" if day is None else f"{day.day} {day:%B %Y}"
