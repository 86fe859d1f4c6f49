"""No silent emptiness: what a run says when its result is empty for a reason worth knowing.

A list that comes out empty while the people table holds children in the initiative's age
window, or a file most of whose rows were quarantined, almost always means the data was read
the wrong way (a misfitting extract or profile), not that no family is eligible. `assess`
prints these sentences on stderr and, under `--strict`, exits 3 (as `validate --strict` does)
so that a scheduled run does not pass an empty list off as a result.

Also here, printed as warnings without failing `--strict`: children left off the list only
because a fact that decides it is not recorded (`london_not_recorded`), and children listed
on the strength of a household member whose role is not recorded (`roles_not_recorded`), and
children not listed whom an earlier funded place awaiting link review may keep entitled
(`earlier_places_to_review`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from workbench.data.quarantine import mostly_quarantined
from workbench.eligibility.engine import Compiler, household_tests, rule_tables
from workbench.eligibility.terms import birthday, in_window

if TYPE_CHECKING:
    from workbench.eligibility.assess import Assessment

__all__ = [
    "children_in_window",
    "earlier_places_to_review",
    "london_not_recorded",
    "roles_not_recorded",
    "silent_emptiness",
]


def children_in_window(found: Assessment) -> int:
    """How many people (accepted rows) are in the rule set's age window on the term start."""
    if "people" not in found.data.tables:
        return 0
    window = found.rule_set.population.window_on(found.term_start)
    people = found.data.lazy("people")
    inside = in_window(pl.col("date_of_birth"), window, found.term_start)
    return people.select(inside.fill_null(False).sum()).collect().item()


def silent_emptiness(found: Assessment) -> list[str]:
    """Plain sentences for what would otherwise pass silently: files mostly quarantined, and
    an empty list while the data holds children in the age window. Empty when all is well."""
    said = mostly_quarantined(found.data)
    if found.candidates.height == 0:
        children = children_in_window(found)
        if children:
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


def london_not_recorded(found: Assessment) -> list[str]:
    """A sentence per household-limits criterion (no recourse to public funds) under which
    children in the age window are left off only because their household's `in_london` is
    not recorded: the income is over the limit outside London, which a household not recorded
    as in London is held to, but within the London one. A London borough that leaves the
    column out would otherwise lose these families without a word."""
    criteria = [
        c
        for c in found.rule_set.criteria_in_force(found.term_start)
        if c.kind == "household_limits"
    ]
    if not criteria or "households" not in found.data.tables:
        return []
    tables = rule_tables({n: found.data.lazy(n) for n in found.data.tables}, found.rule_set)
    compiler = Compiler(tables, found.rule_set, found.term_start, found.as_of)
    said = []
    for criterion in criteria:
        limits = criterion.limits_on(found.term_start)
        if limits is None or limits.income is None:
            continue
        unrecorded = (
            tables["households"]
            .filter(pl.col(criterion.flag).fill_null(False) & pl.col("in_london").is_null())
            .collect()
        )
        if unrecorded.is_empty():  # the usual case: a few milliseconds, not the age window's
            continue
        unrecorded = unrecorded.lazy()
        children = compiler.children().select("person_id", "household_id")
        counted = compiler.with_household_children(children.join(unrecorded, on="household_id"))
        within, _ = household_tests(limits)
        as_london = within.alias("as_london")
        as_outside = within.alias("as_outside")
        missed = (
            counted.with_columns(pl.lit(True).alias("in_london"))
            .with_columns(as_london)
            .with_columns(pl.lit(False).alias("in_london"))
            .with_columns(as_outside)
            .filter(pl.col("as_london") & ~pl.col("as_outside"))
            .select(pl.col("person_id").n_unique())
            .collect()
            .item()
        )
        if missed:
            said.append(
                f"{missed} child(ren) in the age window are not listed under {criterion.code} "
                "only because their household's in_london is not recorded: its income is over "
                "the limit outside London but within the London one, and a household not "
                "recorded as in London is held to the limits outside London. If the council "
                "is a London borough, record in_london (the households file, or its profile) "
                "and run again"
            )
    return said


# Under this age a household member counted as a parent or carer only for want of roles may
# be an older brother or sister.
_SIBLING_BEFORE = 18


def roles_not_recorded(found: Assessment) -> list[str]:
    """A sentence when the people table has no `role` and some listed child rests on an award
    of a household member under 18: without roles everyone of the rule set's adult age (16)
    or over counts as a parent or carer (CONTRACT section 2, rule 3), so an older sibling's own
    benefit can list a younger child."""
    if "people" not in found.data.tables or "role" in found.data.tables["people"].columns:
        return []
    carers = found.evidence.filter(pl.col("parent_carer_id").is_not_null())
    if carers.is_empty():
        return []
    young = birthday(pl.col("date_of_birth"), 12 * _SIBLING_BEFORE) > found.as_of
    under_18 = (
        found.data.tables["people"]
        .filter(young)
        .select(pl.col("person_id").alias("parent_carer_id"))
    )
    children = carers.join(under_18, on="parent_carer_id", how="semi")["person_id"].n_unique()
    if not children:
        return []
    return [
        f"{children} listed child(ren) rest on an award of a household member under "
        f"{_SIBLING_BEFORE}: the people table has no role column, so everyone "
        f"{found.rule_set.parent_carers.adult_age_without_role} or over counts as a parent or "
        "carer, and an older brother or sister's own benefit lists a younger child. Check "
        "them, or add the role column (parent_carer, child, other) if your system records it"
    ]


def earlier_places_to_review(found: Assessment) -> list[str]:
    """A sentence when children in the age window are not listed, yet a funded place of an
    earlier term that a continued-entitlement criterion reads awaits link review with one of
    them proposed: confirmed, the place would keep the child entitled."""
    criteria = [
        c
        for c in found.rule_set.criteria_in_force(found.term_start)
        if c.kind == "earlier_funded_place"
    ]
    if not criteria or "funded_places" not in found.data.tables:
        return []
    streams = sorted({s for c in criteria for s in c.funding_streams})
    earlier = found.data.lazy("funded_places").filter(
        (pl.col("term_start") < found.term_start) & pl.col("funding_stream").is_in(streams)
    )
    waiting = (
        found.result.links.lazy()
        .filter((pl.col("source") == "funded_places") & (pl.col("band") == "clerical_review"))
        .join(earlier.select(pl.col("record_id").cast(pl.String)), on="record_id", how="semi")
        .select("person_id")
    )
    if waiting.collect().is_empty():  # the usual case: no window to work out
        return []
    tables = rule_tables({n: found.data.lazy(n) for n in found.data.tables}, found.rule_set)
    children = Compiler(tables, found.rule_set, found.term_start, found.as_of).children()
    listed = found.candidates.lazy().select("person_id").drop_nulls()
    missed = (
        children.select("person_id")
        .join(waiting, on="person_id", how="semi")
        .join(listed, on="person_id", how="anti")
        .select(pl.len())
        .collect()
        .item()
    )
    if not missed:
        return []
    codes = ", ".join(c.code for c in criteria)
    return [
        f"{missed} child(ren) in the age window are not listed, yet a funded place of an "
        f"earlier term awaits link review with each proposed as its child: confirmed, it would "
        f"meet {codes}. Review those links (`workbench link` lists the clerical_review rows)"
    ]
