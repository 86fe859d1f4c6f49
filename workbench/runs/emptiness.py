"""No silent emptiness: what a run says when its result is empty for a reason worth knowing.

A list that comes out empty while the people table holds children in the initiative's age
window, or a file most of whose rows were quarantined, almost always means the data was read
the wrong way (a misfitting extract or profile), not that no family is eligible; and a DWP
list or providers' headcount given with its header only is a failed extract, never a quiet
term (`empty_lists`; `workbench link` says it too). `assess`
prints these sentences on stderr and, under `--strict`, exits 3 (as `validate --strict` does)
so that a scheduled run does not pass an empty list off as a result. A headcount with places
for the term and some dated on a day that is no term start is said too
(`places_off_term_starts`): such a place counts for no term, so a child may be missing.

What a run says about a list that is not empty but rests on something unrecorded or not yet
reviewed is in `workbench.runs.unrecorded`.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from workbench.data.quarantine import mostly_quarantined
from workbench.data.schema import TABLES
from workbench.eligibility.terms import (
    in_window,
    next_term_start,
    off_term_start,
    term_start_days,
)

if TYPE_CHECKING:
    from workbench.eligibility.assess import Assessment

__all__ = [
    "children_in_window",
    "empty_lists",
    "empty_required_tables",
    "header_only",
    "misread_terms",
    "no_places_for_the_term",
    "no_window_child_placed",
    "places_for_no_term",
    "places_off_term_starts",
    "silent_emptiness",
]

_TERMS_SHOWN = 4


def children_in_window(found: Assessment) -> int:
    """How many people (accepted rows) are in the rule set's age window on the term start."""
    if "people" not in found.data.tables:
        return 0
    window = found.rule_set.population.window_on(found.term_start)
    people = found.data.lazy("people")
    inside = in_window(pl.col("date_of_birth"), window, found.term_start)
    return int(people.select(inside.fill_null(False).sum()).collect().item())


def _headcount_terms(found: Assessment) -> list[date] | None:
    """The terms the providers' headcount holds places for, when the rules read it, the data
    holds it and not one of its places is for the term assessed; None otherwise."""
    if "funded_places" not in found.rule_set.sources or "funded_places" not in found.data.tables:
        return None
    terms: list[date] = (
        found.data.lazy("funded_places")
        .select(pl.col("term_start").drop_nulls().unique().sort())
        .collect()["term_start"]
        .to_list()
    )
    if not terms or found.term_start in terms:
        return None
    return terms


def _term_starts(found: Assessment) -> set[tuple[int, int]]:
    """The rule set's term starts, as (month, day), in any of its age windows."""
    return set(term_start_days(found.rule_set))


def _swapped(day: date) -> date | None:
    """`day` with its day and month read the other way round (1 September for 9 January),
    or None where that is no date."""
    try:
        return date(day.year, day.day, day.month)
    except ValueError:
        return None


def misread_terms(found: Assessment) -> tuple[list[date], bool]:
    """The headcount's terms that are no term start of the rule set (a place is for a term,
    and a term starts on one of the rules' days: another day is a sign of a date misread),
    when not one of its places is for the term assessed; and whether every one of them would
    be a term start read with day and month swapped (a `date_format` the wrong way round, as
    `%m/%d/%Y` for dates written dd/mm/yyyy, which dates all on the 1st cannot show)."""
    terms = _headcount_terms(found)
    if terms is None:
        return [], False
    starts = _term_starts(found)
    odd = [t for t in terms if (t.month, t.day) not in starts]
    swapped = [_swapped(t) for t in odd]
    return odd, bool(odd) and all(s is not None and (s.month, s.day) in starts for s in swapped)


def _and(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def _listed(days: list[date]) -> str:
    return _and([str(d) for d in days])


def no_places_for_the_term(found: Assessment) -> str | None:
    """A sentence when the rule set reads the providers' headcount (`funded_places`) and the
    data holds one, but not one place in it is for the term assessed: most often the term's
    start is written another way there (1 January against the first day of school), or the
    term's headcount has not come in yet. When some of its terms are no term start of the
    rules, it says so, and asks whether the dates are read the wrong way round when swapping
    day and month would make them term starts (`misread_terms`). None otherwise."""
    terms = _headcount_terms(found)
    if terms is None:
        return None
    nearest = sorted(terms, key=lambda term: (abs((term - found.term_start).days), term))
    shown = sorted(nearest[:_TERMS_SHOWN])
    of = f" (the nearest {len(shown)} of {len(terms)})" if len(terms) > len(shown) else ""
    sentence = (
        f"No place in funded_places is for the term starting {found.term_start}: its places are "
        f"for the terms starting {_listed(shown)}{of}. "
    )
    odd, swap = misread_terms(found)
    if not odd:
        return sentence + (
            "Is the term's start written another way in the providers' headcount (then give "
            "that date as the term start), or has its headcount not come in yet?"
        )
    named = _and(
        [f"{day} {calendar.month_name[month]}" for month, day in sorted(_term_starts(found))]
    )
    sentence += (
        f"{_listed(odd[:_TERMS_SHOWN])}"
        + (f" ({len(odd)} in all)" if len(odd) > _TERMS_SHOWN else "")
        + f" {'is' if len(odd) == 1 else 'are'} no term's start in the {found.rule_set.id} rules "
        f"(terms start on {named})"
    )
    if swap:
        return sentence + (
            ": are the term starts read the wrong way round (date_format)? Read with day and "
            "month swapped, every one is a term start."
        )
    return sentence + (
        ": is the term's start written another way in the providers' headcount (then give "
        "that date as the term start), or are its dates misread (check the date_format that "
        "reads them)?"
    )


def no_window_child_placed(found: Assessment) -> str | None:
    """A sentence when the rule set lists only children with a funded place for the term
    (`funded_place_required`: EYPP, the Disability Access Fund), the providers' headcount
    holds places for the term, and not one is matched to a child in the age window: then no
    child can be listed whatever their benefits, and an empty list says nothing of them (a
    tester's case: EYPP for the spring term 2027, whose one place was a child's past the
    window, was said to have met no criterion). It names the term, how many places the
    headcount holds for it and the terms its places are for, with how many each, and how
    many of the term's places await a person's review (not counted until confirmed). None
    otherwise, and when no place at all is for the term (`no_places_for_the_term`)."""
    from workbench.eligibility.engine import CLERICAL, LINKED

    rules, term = found.rule_set, found.term_start
    if not rules.population.funded_place_required or "funded_places" not in found.data.tables:
        return None
    places = found.data.lazy("funded_places")
    counts = places.group_by("term_start").agg(pl.len().alias("places")).drop_nulls().collect()
    by_term: dict[date, int] = dict(counts.iter_rows())
    if term not in by_term:
        return None
    window = rules.population.window_on(term)
    inside = (
        found.data.lazy("people")
        .filter(in_window(pl.col("date_of_birth"), window, term).fill_null(False))
        .select("person_id")
    )
    linked = (
        found.links.lazy()
        .filter(pl.col("source") == "funded_places")
        .join(places.filter(pl.col("term_start") == term).select("record_id"), on="record_id")
        .join(inside, on="person_id", how="semi")
        .group_by("band")
        .agg(pl.col("record_id").n_unique())
        .collect()
    )
    bands: dict[str, int] = dict(linked.iter_rows())
    if bands.get(LINKED, 0):
        return None
    nearest = sorted(by_term, key=lambda day: (abs((day - term).days), day))
    shown = sorted(nearest[:_TERMS_SHOWN])
    of = f", the nearest {len(shown)} of {len(by_term)}" if len(by_term) > len(shown) else ""
    held = by_term[term]
    waiting = bands.get(CLERICAL, 0)
    review = (
        f" ({waiting} of them matched to such a child but awaiting a person's review: "
        "confirmed, they count)"
        if waiting
        else ""
    )
    return (
        f"not one child in the age window is matched to a place for the term starting {term}: "
        f"funded_places holds {held} place(s) for it{review}, and its places are for the terms "
        "starting "
        + _and([f"{day} ({by_term[day]})" for day in shown])
        + f"{of}. Has the term's headcount come in whole, and do its children's names, dates "
        "of birth and postcodes agree with the people table?"
    )


def places_for_no_term(found: Assessment) -> list[str]:
    """A sentence when not one of the headcount's places is for the term assessed and some
    are for days that are no term's start (`misread_terms`): serious (it fails `--strict`),
    since no child then shows as already funded, and the dates are most likely misread (a
    tester's case: `date_format: '%m/%d/%Y'` on term starts all on the 1st, read without an
    error, took `already_funded` from 78 children to none). A headcount of an earlier term
    alone, every date a term start, is a note (`workbench.runs.unrecorded`): its term's
    headcount may not have come in yet. Empty otherwise, and when the list is empty for want
    of places (`silent_emptiness` says it)."""
    if not misread_terms(found)[0]:
        return []
    sentence = no_places_for_the_term(found)
    if sentence is None:  # (misread_terms found terms only where there is a sentence)
        return []
    if found.rule_set.population.funded_place_required:
        if found.candidates.height == 0 and children_in_window(found):
            return []  # said by silent_emptiness, with this sentence
        return [sentence]
    return [
        f"{sentence} Until the term's places are read, no child on the list shows as already "
        "funded this term (`already_funded` is false on every row)."
    ]


def _counted_places(found: Assessment) -> tuple[str, str]:
    """The streams of the places of the term that the list counts ('' for any), and what a
    child loses when theirs is not counted, in words (as
    `workbench.linkage.places.unlinked_places` says them)."""
    population = found.rule_set.population
    if population.funded_place_required:
        return (
            "",
            "this initiative lists only children with a funded place for the term, so such a "
            "child is missing from the list",
        )
    return (
        " or ".join(population.already_funded_streams) + " ",
        "such a child shows as not already funded (already_funded false) and may be "
        "contacted needlessly",
    )


def places_off_term_starts(found: Assessment) -> tuple[list[str], list[str]]:
    """(serious, notes): a sentence when some of the headcount's places (`funded_places`)
    are dated on a day that is no term start of the rules (the first day of school, 5
    January, against 1 January) while others are for the term assessed. A place is for the
    term whose start it is dated, and the workbench never guesses another, so such a place
    counts for no term: a tester's case, a child whose one place was dated 5 January was
    left off the EYPP list with exit 0 and no word, and on the two-year-old list shown as
    not already funded.

    Serious (it fails `--strict`) when such a place falls within the term assessed (on or
    after its start and before the rules' next term start), is of a child in the age window
    by the row's date of birth and of a stream the list counts for the term (any, where a
    place is required; else the streams that make a child already funded): the list is then
    wrong for that child. A note otherwise. It names how many places, their dates (the first
    few, with counts), the rules' term starts and what to do, and no record or child: `explain
    --person ID` names a child's places so dated. Nothing is said when not one place is for
    the term assessed: `no_places_for_the_term` names such dates then (`misread_terms`).
    Places dated on the term start given are for it, whatever the day."""
    if _headcount_terms(found) is not None or "funded_places" not in found.rule_set.sources:
        return [], []
    if "funded_places" not in found.data.tables:
        return [], []
    rules, term = found.rule_set, found.term_start
    following = next_term_start(term, rules)
    day = pl.col("term_start")
    population = rules.population
    window = population.window_on(term)
    counted = pl.lit(population.funded_place_required) | pl.col("funding_stream").is_in(
        list(population.already_funded_streams)
    )
    odd = (
        found.data.lazy("funded_places")
        .filter(day.is_not_null(), day != term, off_term_start(day, rules))
        .group_by("term_start")
        .agg(
            pl.len().alias("places"),
            (
                (day >= term)
                & (day < following)
                & counted
                & in_window(pl.col("child_date_of_birth"), window, term).fill_null(False)
            )
            .sum()
            .alias("in_term"),
        )
        .sort("term_start")
        .collect()
    )
    if odd.is_empty():
        return [], []
    total, in_term = int(odd["places"].sum()), int(odd["in_term"].sum())
    by_day = [f"{d} ({n})" for d, n in odd.select("term_start", "places").iter_rows()]
    named = _and(
        [f"{first} {calendar.month_name[month]}" for month, first in sorted(_term_starts(found))]
    )
    sentence = (
        f"{total} place(s) in funded_places are dated on a day that is no term's start in the "
        f"{rules.id} rules (terms start on {named}): "
        + _and(by_day[:_TERMS_SHOWN])
        + (
            f" (the first {_TERMS_SHOWN} of {len(by_day)} days)"
            if len(by_day) > _TERMS_SHOWN
            else ""
        )
        + ". A place is for the term whose start it is dated, and the workbench does not guess "
        "which term such a place is for"
    )
    what = (
        "Correct each place's term_start in the providers' headcount to the start of its term "
        f"({term} for a place of the term starting then) and run again; a data profile cannot "
        "do it (its date_format reads every date of the column alike). `workbench explain "
        "--person ID` names a child's places dated so"
    )
    streams, effect = _counted_places(found)
    if in_term:
        one = in_term == 1
        return [
            f"{sentence}: {in_term} of them {'is a' if one else 'are'} {streams}"
            f"place{'' if one else 's'} of {'a child' if one else 'children'} in the age window "
            f"by the row's date of birth, dated within the term starting {term} (on or after "
            f"it and before {following}), yet not counted for it: {effect}. {what}"
        ], []
    return [], [
        f"{sentence}. None of them is a {streams}place of a child in the age window by the "
        f"row's date of birth dated within the term starting {term} (on or after it and "
        f"before {following}), which the list would count for the term; other terms' lists "
        f"may miss them. {what}"
    ]


def empty_required_tables(found: Assessment) -> list[str]:
    """A sentence for each required table the rules read whose file holds no rows (its
    header only: `benefits`), which is most often an extract cut short. `assess` warns of it
    without failing `--strict`: a list may rightly rest on the other tables alone."""
    return [
        f"{report.file.name} has no rows (only its header): nothing in it counts for anyone, "
        f"and the rules read it ({report.table}). Is it the right file, or was the extract "
        "cut short?"
        for name, report in found.data.reports.items()
        # An optional table may well be empty (no statuses recorded); a required one not.
        if name in found.rule_set.sources and TABLES[name].required and report.read == 0
    ]


# What an empty file of each list a council is sent leaves out, for `header_only`.
_EMPTY_LIST = {
    "dwp_list": (
        "no child DWP names is listed from it, nor linked to a council child. DWP's list of "
        "families who may be eligible for the two-year-old offer is never empty for a "
        "council, so the extract or the download most likely failed"
    ),
    "funded_places": (
        "no child shows as already funded, and no earlier place continues an entitlement. "
        "The providers' headcount is never empty for a council, so the extract most likely "
        "failed"
    ),
}


def header_only(table: str, file: str) -> str | None:
    """The sentence for the DWP list or the providers' headcount (`table`) when its file
    (named `file`) holds a header and no row; None for another table.

    >>> header_only("dwp_list", "dwp_list.csv")[:58]
    'dwp_list.csv has no rows (only its header): no child DWP n'
    """
    left_out = _EMPTY_LIST.get(table)
    if left_out is None:
        return None
    return (
        f"{file} has no rows (only its header): {left_out}. Check the file; if there truly "
        "is none this term, leave the file out of the data folder rather than give it empty"
    )


def empty_lists(found: Assessment) -> list[str]:
    """A sentence for the DWP list and for the providers' headcount (`funded_places`) when
    the rules read it and its file holds a header and no row (`header_only`).

    Serious (it fails `--strict`), unlike an empty required table (`empty_required_tables`,
    a note): an empty file of either is a failed extract, never a quiet term. DWP sends a
    council a list of the families who may be eligible for the two-year-old offer every
    term, and it is never empty for a real council; every council funds places, so its
    headcount is never empty either. Given empty, the list would pass for a term with no
    such family (a tester's case: "0 read", exit 0, no word), and a scheduled run would
    publish it. A council that truly has no such file leaves it out of the folder: the
    rules read both as optional, and nothing is then said.
    """
    criteria = found.rule_set.criteria_in_force(found.term_start)
    reads = {
        "dwp_list": any(c.kind == "list_match" and c.matched_list == "dwp_list" for c in criteria),
        "funded_places": "funded_places" in found.rule_set.sources,
    }
    said = []
    for table, read in reads.items():
        report = found.data.reports.get(table)
        if not read or report is None or report.read > 0:
            continue
        sentence = header_only(table, report.file.name)
        if sentence is not None:
            said.append(sentence)
    return said


def silent_emptiness(found: Assessment) -> list[str]:
    """Plain sentences for what would otherwise pass silently: files mostly quarantined, and
    an empty list while the data holds children in the age window. Empty when all is well."""
    said = mostly_quarantined(found.data)
    if found.candidates.height == 0:
        children = children_in_window(found)
        no_places = no_places_for_the_term(found)
        if children and found.rule_set.population.funded_place_required:
            # Whether or not a criterion is met, no child without a place is listed.
            no_places = no_places or no_window_child_placed(found)
        if children and no_places and found.rule_set.population.funded_place_required:
            said.append(
                f"the list is empty, yet {children} child(ren) in the people table are in the "
                f"{found.rule_set.id} age window for the term starting {found.term_start}: "
                "it lists only children with a funded place for the term, and "
                f"{no_places[0].lower()}{no_places[1:]}"
            )
        elif children:
            profile = (
                f"the profile {found.data.profile.name} (its value maps for benefits and statuses)"
                if found.data.profile is not None
                else "the benefits and statuses files"
            )
            said.append(
                f"the list is empty, yet {children} child(ren) in the people table are in the "
                f"{found.rule_set.id} age window for the term starting {found.term_start}: "
                "no criterion was met by anyone, which usually means benefits or statuses "
                f"were not read as expected. Check the quarantine (`workbench validate "
                f"--quarantine-out FILE`) and {profile}"
            )
    return said
