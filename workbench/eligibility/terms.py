"""Term dates and age windows, as polars expressions over dates of birth.

An age window opens on the first term start (from the rule file, e.g. 1 January, 1 April,
1 September) that falls strictly after the child reaches an age, and closes the same way at a
later age. A 29 February birthday falls on 1 March in a common year. Ages and term starts come
from the rule file (`workbench.rules`); nothing here knows any initiative.

Example
-------
>>> import polars as pl
>>> from datetime import date
>>> from workbench.rules import load_rule_set
>>> window = load_rule_set("two_year_old").population.window_on(date(2026, 9, 1))
>>> frame = pl.DataFrame({"date_of_birth": [date(2024, 3, 31), date(2024, 4, 1)]})
>>> frame.select(opens(pl.col("date_of_birth"), window.starts)).to_series().to_list()
[datetime.date(2026, 4, 1), datetime.date(2026, 9, 1)]
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from workbench.rules.model import AgeWindow, Birthday, RuleSet

__all__ = [
    "EVIDENCE_DISTANCE_DAYS",
    "birthday",
    "evidence_date_far",
    "in_window",
    "latest_term_start",
    "next_term_start",
    "off_term_start",
    "opens",
    "term_start_days",
    "window_dob_range",
]

# An evidence date this many days or more from the term start is most likely a mistyped year:
# lists are prepared in the months before a term (or during it), not a year away.
EVIDENCE_DISTANCE_DAYS = 183


def birthday(date_of_birth: pl.Expr, months: int) -> pl.Expr:
    """The day a child born on `date_of_birth` is `months` months old.

    Built as the first of the month plus (day - 1) days, so a 29 February birthday rolls to
    1 March in a common year (and a 31st to the next month's 1st when a month is shorter).
    """
    month_index = (
        date_of_birth.dt.year().cast(pl.Int32) * 12
        + date_of_birth.dt.month().cast(pl.Int32)
        - 1
        + months
    )
    first = pl.date(month_index // 12, month_index % 12 + 1, 1)
    return first + pl.duration(days=date_of_birth.dt.day().cast(pl.Int64) - 1)


def _first_after(day: pl.Expr, month_days: tuple[tuple[int, int], ...]) -> pl.Expr:
    """The first (month, day) of `month_days` strictly after `day`."""
    year = day.dt.year().cast(pl.Int32)
    candidates: list[pl.Expr] = [
        pl.when(pl.date(year, m, d) > day).then(pl.date(year, m, d)) for m, d in month_days
    ]
    first_m, first_d = month_days[0]
    candidates.append(pl.date(year + 1, first_m, first_d))
    return pl.min_horizontal(candidates)


def opens(date_of_birth: pl.Expr, edge: Birthday) -> pl.Expr:
    """The first term start strictly after the child reaches the age `edge` gives."""
    return _first_after(birthday(date_of_birth, edge.total_months), edge.month_days)


def latest_term_start(day: date, edge: Birthday) -> date:
    """The latest of `edge`'s term starts on or before `day`."""
    starts = [date(day.year - k, m, d) for k in (0, 1) for m, d in edge.month_days]
    return max(s for s in starts if s <= day)


def term_start_days(rule_set: RuleSet) -> tuple[tuple[int, int], ...]:
    """The rule set's term starts, as sorted (month, day) pairs, in any of its age windows.

    >>> from workbench.rules import load_rule_set
    >>> term_start_days(load_rule_set("two_year_old"))
    ((1, 1), (4, 1), (9, 1))
    """
    return tuple(
        sorted(
            {
                start
                for window in rule_set.population.age_windows
                for edge in (window.starts, window.ends)
                for start in edge.month_days
            }
        )
    )


def off_term_start(day: pl.Expr, rule_set: RuleSet) -> pl.Expr:
    """True for a date that is no term start of the rule set (`term_start_days`): a funded
    place dated so is for no term, as a place is for the term whose start it is dated."""
    on_a_start = pl.lit(False)
    for month, first in term_start_days(rule_set):
        on_a_start = on_a_start | ((day.dt.month() == month) & (day.dt.day() == first))
    return ~on_a_start


def next_term_start(day: date, rule_set: RuleSet) -> date:
    """The first of the rule set's term starts strictly after `day`: the end (exclusive) of
    the term `day` starts.

    >>> from workbench.rules import load_rule_set
    >>> next_term_start(date(2027, 1, 1), load_rule_set("two_year_old"))
    datetime.date(2027, 4, 1)
    """
    days = term_start_days(rule_set)
    return min(
        date(year, m, d)
        for year in (day.year, day.year + 1)
        for m, d in days
        if date(year, m, d) > day
    )


def window_dob_range(window: AgeWindow, term_start: date) -> tuple[date, date]:
    """A date-of-birth range that holds every child in the window on `term_start`.

    A child is in the window when the window opened on or before `term_start` (so their
    opening birthday came before the latest opening term start) and has not closed (their
    closing birthday came on or after the latest closing term start). The range is widened by
    a few days so that birthdays rolled from the 29th-31st stay inside it: it is a cheap filter
    run before the exact test, never the test itself.
    """

    def minus_months(day: date, months: int) -> date:
        index = day.year * 12 + day.month - 1 - months
        return date(index // 12, index % 12 + 1, 1) + timedelta(days=day.day - 1)

    born_before = minus_months(
        latest_term_start(term_start, window.starts), window.starts.total_months
    )
    born_on_or_after = minus_months(
        latest_term_start(term_start, window.ends), window.ends.total_months
    )
    return born_on_or_after - timedelta(days=4), born_before + timedelta(days=4)


def in_window(date_of_birth: pl.Expr, window: AgeWindow, term_start: date) -> pl.Expr:
    """True when `eligible_from <= term_start < eligible_to` (the exact test)."""
    term = pl.lit(term_start)
    return (opens(date_of_birth, window.starts) <= term) & (
        term < opens(date_of_birth, window.ends)
    )


def evidence_date_far(term_start: date, as_of: date) -> str | None:
    """A warning when the evidence date is half a year or more from the term start (most
    often a mistyped year: awards active then may have ended, or not begun, by the term);
    None otherwise.

    Example
    -------
    >>> evidence_date_far(date(2026, 9, 1), date(2026, 8, 1)) is None
    True
    >>> evidence_date_far(date(2026, 9, 1), date(2025, 1, 1))[:85]
    'the evidence date (--as-of 2025-01-01) is 608 days before the term start (2026-09-01)'
    """
    days = (term_start - as_of).days
    if abs(days) < EVIDENCE_DISTANCE_DAYS:
        return None
    side = "before" if days > 0 else "after"
    return (
        f"the evidence date (--as-of {as_of}) is {abs(days)} days {side} the term start "
        f"({term_start}): awards and statuses are tested on that day, not the term's; check "
        "the year"
    )
