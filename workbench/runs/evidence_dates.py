"""Dates a run is given that are probably not what was meant: an evidence date after today,
or after the term reported on ended (`date_warnings`). `workbench report` says them before a
kernel starts (`workbench.runs.report`), and `workbench assess` beside its list; both fail
`--strict` on the serious ones. Kept apart from `workbench.runs.parameters` (which reads
notebooks) so that `assess` does not load the notebook libraries to say them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date

from workbench.errors import WorkbenchError

__all__ = ["date_warnings"]


# How each command names the dates in a warning, and what it tells the user to give.
_DATE_WORDS = {
    "report": {
        "as_of": "as_of",
        "today": "Give the day the extract was taken, or -p as_of=today.",
        "term": "give its start as -p term_start",
        "about": "the report is about",
    },
    "assess": {
        "as_of": "--as-of",
        "today": "Give the day the extract was taken.",
        "term": "give its start as --term-start",
        "about": "the list is for",
    },
}


def date_warnings(
    parameters: Mapping[str, object], today: date | None = None, *, command: str = "report"
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the runner says, before a kernel starts, of a run's term start and evidence date
    that are probably not what was meant, as (serious, notes): `workbench report` prints them
    with a list's warnings, its manifest records them, and `--strict` fails on the serious.
    `workbench assess` says them too, with its list's warnings (``command="assess"``: the
    options named as it takes them, and without the note on an evidence date far from the
    term, which it says as it reads the dates, `workbench.eligibility.terms.evidence_date_far`).

    - serious: an evidence date (`as_of`) after today: the data cannot show what holds on a
      day still to come (an award may end, a family move), so the list would rest on
      evidence not held; most often a mistyped year;
    - a note: an evidence date on or after the next term's start (the rules' term starts; four
      months on when they give none): the evidence is from after the term reported on ended;
    - a note: an evidence date half a year or more before the term start, as `assess` says
      it (`workbench.eligibility.terms.evidence_date_far`).

    >>> serious, notes = date_warnings(
    ...     {"term_start": "2026-09-01", "as_of": "2027-06-01"}, today=date(2026, 12, 7))
    >>> serious[0][:61]
    'The evidence date (as_of 2027-06-01) is after today (2026-12-'
    >>> notes[0][:73]
    'The evidence date (as_of 2027-06-01) is on or after the next term start ('
    """
    from workbench.eligibility.terms import EVIDENCE_DISTANCE_DAYS

    words = _DATE_WORDS[command]
    today = today or date.today()
    term, as_of = _as_date(parameters.get("term_start")), _as_date(parameters.get("as_of"))
    serious: list[str] = []
    notes: list[str] = []
    if as_of is not None and as_of > today:
        serious.append(
            f"The evidence date ({words['as_of']} {as_of}) is after today ({today}): the data "
            "cannot yet show what holds on that day (an award may end, a family may move before "
            f"then), so the list rests on evidence not held. {words['today']}"
        )
    if term is not None and as_of is not None:
        following = _next_term_start(term, parameters.get("initiative"))
        far = (term - as_of).days >= EVIDENCE_DISTANCE_DAYS  # as `assess` warns of it
        if far and command != "assess":
            notes.append(
                f"The evidence date ({words['as_of']} {as_of}) is {(term - as_of).days} days "
                f"before the term start ({term}): awards and statuses are tested on that day, "
                "not the term's; check the year."
            )
        if as_of >= following:
            notes.append(
                f"The evidence date ({words['as_of']} {as_of}) is on or after the next term "
                f"start ({following}): {words['about']} the term starting {term}, on "
                f"evidence from after that term ended. For a later term, {words['term']}."
            )
    # A term long past is not warned of: a report run again on an earlier term (an audit, a
    # comparison) is meant, and its run would say something else each year it is repeated.
    return tuple(serious), tuple(notes)


def _as_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _next_term_start(term: date, initiative: object) -> date:
    """The first of the initiative's rules' term starts after `term` (an initiative's name, a
    rule file, or a rule set already loaded); four months on when the rules cannot say (no
    initiative, a term before their first age window)."""
    from workbench.rules import load_rule_set
    from workbench.rules.model import RuleSet

    starts: tuple[tuple[int, int], ...] = ()
    if isinstance(initiative, RuleSet):
        with contextlib.suppress(WorkbenchError, ValueError):
            starts = initiative.population.window_on(term).starts.month_days
    elif isinstance(initiative, str) and initiative.strip():
        with contextlib.suppress(WorkbenchError, ValueError):
            starts = load_rule_set(initiative).population.window_on(term).starts.month_days
    if not starts:
        month = term.month + 4
        return date(term.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return min(
        date(year, month, day)
        for year in (term.year, term.year + 1)
        for month, day in starts
        if date(year, month, day) > term
    )
