"""No silent emptiness: what a run says when its result is empty for a reason worth knowing.

A list that comes out empty while the people table holds children in the initiative's age
window, or a file most of whose rows were quarantined, almost always means the data was read
the wrong way (a misfitting extract or profile), not that no family is eligible; and a DWP
list or providers' headcount given with its header only is a failed extract, never a quiet
term (`empty_lists`; `workbench link` says it too). `assess`
prints these sentences on stderr and, under `--strict`, exits 3 (as `validate --strict` does)
so that a scheduled run does not pass an empty list off as a result.

What a run says about a list that is not empty but rests on something unrecorded or not yet
reviewed is in `workbench.runs.unrecorded`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from workbench.data.quarantine import mostly_quarantined
from workbench.data.schema import TABLES
from workbench.eligibility.terms import in_window

if TYPE_CHECKING:
    from workbench.eligibility.assess import Assessment

__all__ = [
    "children_in_window",
    "empty_lists",
    "empty_required_tables",
    "header_only",
    "no_places_for_the_term",
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


def no_places_for_the_term(found: Assessment) -> str | None:
    """A sentence when the rule set reads the providers' headcount (`funded_places`) and the
    data holds one, but not one place in it is for the term assessed: most often the term's
    start is written another way there (1 January against the first day of school), or the
    term's headcount has not come in yet. None otherwise."""
    if "funded_places" not in found.rule_set.sources or "funded_places" not in found.data.tables:
        return None
    terms = (
        found.data.lazy("funded_places")
        .select(pl.col("term_start").drop_nulls().unique().sort())
        .collect()["term_start"]
        .to_list()
    )
    if not terms or found.term_start in terms:
        return None
    nearest = sorted(terms, key=lambda term: (abs((term - found.term_start).days), term))
    shown = sorted(nearest[:_TERMS_SHOWN])
    listed = ", ".join(str(t) for t in shown[:-1]) + (" and " if len(shown) > 1 else "")
    listed += str(shown[-1])
    of = f" (the nearest {len(shown)} of {len(terms)})" if len(terms) > len(shown) else ""
    return (
        f"No place in funded_places is for the term starting {found.term_start}: its places are "
        f"for the terms starting {listed}{of}. Is the term's start written another way in the "
        f"providers' headcount (then give that date as the term start), or has its headcount not "
        "come in yet?"
    )


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
