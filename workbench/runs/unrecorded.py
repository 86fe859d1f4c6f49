"""What `assess` warns about beside a list that rests on something the data does not record or
a person has not yet reviewed: children left off, or listed, for that reason alone.

Each function returns plain sentences (none when all is well); `assess` prints them on stderr
as warnings. Unlike `workbench.runs.emptiness` they do not fail `--strict`: the list is right
by the rules as written, and the sentence says what to record or review to be sure.

- `london_not_recorded`: no recourse to public funds, an income over the limit outside London
  but within the London one, and the household's `in_london` not recorded;
- `roles_not_recorded`: no `role` column, and a listed child resting on an award of a household
  member under 18 (an older brother or sister, perhaps);
- `roles_miscount_children`: no recourse to public funds, and children left off (or listed)
  only because the household's children are counted by role: a brother of 10 recorded as
  `other` is not counted, a member of 20 recorded as `child` is
  (`workbench.eligibility.recount`);
- `care_without_order`: children in the age window with a record of earlier care
  (`previously_looked_after`) and no special guardianship, child arrangements or adoption
  order, not listed: `left_care` counts a child who left care through such an order, not one
  who returned home, and the order may simply not be recorded;
- `places_not_for_the_term`: the providers' headcount holds no place for the term assessed, so
  no listed child shows as already funded (a rule set that lists only children with a place
  says so through `workbench.runs.emptiness`, which fails `--strict`);
- `places_given_twice`: rows of the headcount that repeat another row's place for the same
  child (`workbench.linkage.exact.repeated_places`): one place, perhaps claimed for twice;
- `list_rows_given_twice`: rows of the DWP list that repeat an earlier row (the engine's
  `list_repeats`, from `workbench.linkage.exact.repeated_list_rows`): the child counted once,
  but the file may be two releases put together.

A column these rules read missing from a whole file, or mapped to nothing by a source profile
(the no-recourse flag, say), is said by `workbench.data.absent.missing_columns`.

Each costs a few milliseconds when it has nothing to say (it looks at the age window only
when the data make the warning possible).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from workbench.eligibility.engine import Compiler, household_tests, rule_tables
from workbench.eligibility.terms import birthday
from workbench.linkage.exact import repeated_places
from workbench.runs.emptiness import misread_terms, no_places_for_the_term

if TYPE_CHECKING:
    from workbench.eligibility.assess import Assessment

__all__ = [
    "care_without_order",
    "list_rows_given_twice",
    "london_not_recorded",
    "places_given_twice",
    "places_not_for_the_term",
    "roles_miscount_children",
    "roles_not_recorded",
    "unrecorded_facts",
]


def unrecorded_facts(found: Assessment) -> list[str]:
    """Every warning of this module about `found`, in the order above."""
    notes = (
        london_not_recorded,
        roles_miscount_children,
        roles_not_recorded,
        care_without_order,
        places_not_for_the_term,
        places_given_twice,
        list_rows_given_twice,
    )
    return [sentence for note in notes for sentence in note(found)]


def _criteria(found: Assessment, kind: str) -> list:
    """The criteria of `kind` in force for the term assessed."""
    return [c for c in found.rule_set.criteria_in_force(found.term_start) if c.kind == kind]


def _compiler(found: Assessment) -> Compiler:
    """The engine's compiler over the run's tables, for its age window and household counts."""
    tables = rule_tables({n: found.data.lazy(n) for n in found.data.tables}, found.rule_set)
    return Compiler(tables, found.rule_set, found.term_start, found.as_of)


def london_not_recorded(found: Assessment) -> list[str]:
    """A sentence per household-limits criterion (no recourse to public funds) under which
    children in the age window are left off only because their household's `in_london` is
    not recorded: the income is over the limit outside London, which a household not recorded
    as in London is held to, but within the London one. A London borough that leaves the
    column out would otherwise lose these families without a word."""
    criteria = _criteria(found, "household_limits")
    if not criteria or "households" not in found.data.tables:
        return []
    compiler = _compiler(found)
    said = []
    for criterion in criteria:
        limits = criterion.limits_on(found.term_start)
        if limits is None or limits.income is None:
            continue
        unrecorded = (
            compiler.tables["households"]
            .filter(pl.col(criterion.flag).fill_null(False) & pl.col("in_london").is_null())
            .collect()
        )
        if unrecorded.is_empty():  # the usual case: a few milliseconds, not the age window's
            continue
        children = compiler.children().select("person_id", "household_id")
        counted = compiler.with_household_children(
            children.join(unrecorded.lazy(), on="household_id")
        )
        # The engine's own test, once as if the household were in London and once as if not.
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


def care_without_order(found: Assessment) -> list[str]:
    """A sentence per left-care criterion (the two-year-old offer, EYPP) counting the children
    in the age window who hold a record of earlier care (`previously_looked_after`) that
    started on or before the evidence date, but no order of the criterion's (special
    guardianship, child arrangements, adoption) that did, and are not listed; where the rules
    list only children with a funded place for the term, only those matched to one (no order
    would list the others). By the contract such a child is rightly not listed (`left_care`
    needs an order; no one else is listed), but a child adopted, or under a special
    guardianship or child arrangements order, from care elsewhere is eligible, and the order
    may simply not be recorded: a tester's case, left off without a word. A note, counting
    the children and naming none (`workbench explain --person ID` names the record)."""
    from workbench.eligibility.engine import LINKED
    from workbench.eligibility.explain import STATUS_NAMES

    criteria = [c for c in _criteria(found, "left_care") if c.previous_care_statuses]
    if not criteria or "child_statuses" not in found.data.tables:
        return []
    compiler = _compiler(found)
    started = pl.col("start_date") <= found.as_of
    listed = found.candidates.filter(pl.col("person_id").is_not_null()).select("person_id")
    file = found.data.reports["child_statuses"].file.name
    said = []
    for criterion in criteria:
        earlier = (
            compiler.statuses(criterion.previous_care_statuses)
            .filter(started)
            .select("person_id")
            .unique()
            .collect()
        )
        if earlier.is_empty():  # the usual case: a few milliseconds, not the age window's
            continue
        orders = compiler.statuses(criterion.statuses).filter(started).select("person_id")
        children = (
            compiler.children()
            .select("person_id")
            .join(earlier.lazy(), on="person_id", how="semi")
            .join(orders, on="person_id", how="anti")
            .join(listed.lazy(), on="person_id", how="anti")
        )
        placed = ""
        if found.rule_set.population.funded_place_required:
            term_places = (
                found.data.lazy("funded_places")
                .filter(pl.col("term_start") == found.term_start)
                .select(pl.col("record_id").cast(pl.String))
                if "funded_places" in found.data.tables
                else pl.LazyFrame(schema={"record_id": pl.String})
            )
            with_place = (
                found.links.lazy()
                .filter((pl.col("source") == "funded_places") & (pl.col("band") == LINKED))
                .join(term_places, on="record_id", how="semi")
                .select("person_id")
            )
            children = children.join(with_place, on="person_id", how="semi")
            placed = ", matched to a funded place for the term,"
        count = children.select(pl.col("person_id").n_unique()).collect().item()
        if not count:
            continue
        names = [STATUS_NAMES.get(s, s.replace("_", " ")) for s in criterion.statuses]
        orders_named = ", ".join(names[:-1]) + (" or " if len(names) > 1 else "") + names[-1]
        said.append(
            f"{count} child(ren) in the age window{placed} have a "
            f"{' or '.join(criterion.previous_care_statuses)} record in {file} and no record "
            f"of {orders_named} that started on or before {found.as_of}, and are not listed: "
            f"{criterion.code} counts a child who left care through such an order (adopted, or "
            "under a special guardianship or child arrangements order, from care here or "
            "elsewhere), not one who returned home. Check whether each left care through an "
            f"order, and record it in {file} and run again; `workbench explain --person ID` "
            "names the record"
        )
    return said


# A warning names this many children before counting the rest.
_CHILDREN_SHOWN = 10


def roles_miscount_children(found: Assessment) -> list[str]:
    """A sentence per household-limits criterion (no recourse to public funds) under which
    children in the age window are left off, or listed, only because of how the people
    table's roles count the household's children (`workbench.eligibility.recount.recounted`):
    the limits differ by the number of children, and the engine counts the members with role
    `child`, of any age. Counted by age instead (members under the rule set's adult age, 16,
    on the evidence date), the household's income would be within the limit (a brother of 10
    recorded as `other`: a tester's family at £30,000 was left off without a word) or over it
    (a member of 20 recorded as `child`). The list keeps the contract's count; the sentence
    names the children and the members, for the roles to be checked.

    Costs one filter of the households when none has the flag set with an income between the
    lowest and highest limits (the only ones a count can move); otherwise only those
    households' people are read again."""
    from workbench.eligibility.recount import (
        LEFT_OFF,
        LISTED,
        households_in_question,
        member_text,
        recounted,
    )

    if not _criteria(found, "household_limits") or "households" not in found.data.tables:
        return []
    if "role" not in found.data.tables["people"].columns:
        return []  # the engine counts by age already
    compiler = _compiler(found)
    ids = households_in_question(compiler).collect()
    if ids.is_empty():  # the usual case: one filter of the households
        return []
    # Only the people of those households are looked at for the age window: a few hundred
    # rows, not the whole index.
    near = compiler.tables["people"].join(ids.lazy(), on="household_id", how="semi")
    near_compiler = Compiler(
        {**compiler.tables, "people": near.collect().lazy()},
        found.rule_set,
        found.term_start,
        found.as_of,
    )
    rows = recounted(near_compiler, near_compiler.children())
    adult_age = found.rule_set.parent_carers.adult_age_without_role
    said = []
    for code in rows["reason_code"].unique(maintain_order=True).to_list():
        parts = []
        for change, how in (
            (
                LEFT_OFF,
                "are not listed under {code} only because the household's children are "
                "counted by role: their household's income is over the limit for the members "
                "with role child, but within it if its members under {age} on {day} were "
                "counted, whatever their role",
            ),
            (
                LISTED,
                "are listed under {code} only because a member with role child aged {age} "
                "or over is counted as a child: with only its members under {age} on {day} "
                "counted, their household's income is over the limit",
            ),
        ):
            chosen = rows.filter(pl.col("reason_code") == code, pl.col("change") == change)
            if chosen.is_empty():
                continue
            named = [
                f"{row['person_id']} ({'; '.join(member_text(m, change) for m in row['members'])})"
                for row in chosen.iter_rows(named=True)
            ]
            more = len(named) - _CHILDREN_SHOWN
            text = how.format(code=code, age=adult_age, day=found.as_of)
            parts.append(
                f"{len(named)} child(ren) in the age window {text}: "
                + ", ".join(named[:_CHILDREN_SHOWN])
                + (f" and {more} more" if more > 0 else "")
            )
        said.append(
            "; and ".join(parts) + ". Check the people table's roles (parent_carer, child, "
            "other) and run again; `workbench explain --person ID` says it for each child"
        )
    return said


# Under this age a household member counted as a parent or carer only for want of roles may
# be an older brother or sister.
_SIBLING_BEFORE = 18


def roles_not_recorded(found: Assessment) -> list[str]:
    """A sentence when the people table has no `role` and some listed child rests on an award
    of a household member under 18: without roles everyone of the rule set's adult age (16)
    or over counts as a parent or carer, so an older sibling's own
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


def places_not_for_the_term(found: Assessment) -> list[str]:
    """A sentence when the rule set does not need a funded place to list a child but reads the
    headcount, and no place in it is for the term assessed: no child shows as already funded."""
    if found.rule_set.population.funded_place_required:
        return []  # an empty list, said by workbench.runs.emptiness
    if misread_terms(found)[0]:
        return []  # dates that are no term's start: serious, `emptiness.places_for_no_term`
    sentence = no_places_for_the_term(found)
    if sentence is None:
        return []
    return [
        f"{sentence} Until the term's places are read, no child on "
        "the list shows as already funded this term (`already_funded` is false on every row)."
    ]


# A warning names this many of the rows it counts, for the analyst to find in the file.
_RECORDS_SHOWN = 5


def places_given_twice(found: Assessment) -> list[str]:
    """A sentence when rows of the providers' headcount repeat another row's place for the
    same child: a child holds one place per term, provider and stream, so the repeat counts
    for nothing; but a headcount that gives a place twice may claim its funding twice."""
    if "funded_places" not in found.rule_set.sources or "funded_places" not in found.data.tables:
        return []
    repeats = repeated_places(found.data.lazy("funded_places"))
    if repeats.is_empty():
        return []
    ids = repeats["record_id"].to_list()
    return [
        f"{len(ids)} row(s) of funded_places repeat another row's place (the same child's names, "
        "date of birth and postcode, provider, term and funding stream): a child holds one "
        "place per term, provider and stream, so each is counted once. Ask the provider "
        f"whether the child was claimed for twice (record_id {_shown(ids)})"
    ]


def list_rows_given_twice(found: Assessment) -> list[str]:
    """A sentence when rows of the DWP list repeat an earlier row (the same child and parent):
    each child is listed once and each repeat accounted for as not listed, but many repeats
    most often mean two releases of the list were put together in one file."""
    ids = found.result.list_repeats["record_id"].to_list()  # found once, by the engine
    if not ids:
        return []
    return [
        f"{len(ids)} row(s) of the DWP list repeat an earlier row (the same child's names, date "
        "of birth and postcode, and parent's NINO): each child is listed once, and the repeats "
        "are in the rows not listed. Is the file two releases of the list put together? "
        f"(record_id {_shown(ids)})"
    ]


def _shown(ids: list[str]) -> str:
    """The first few ids a warning names, for the analyst to find in the file."""
    return ", ".join(ids[:_RECORDS_SHOWN]) + (", ..." if len(ids) > _RECORDS_SHOWN else "")
