"""What a run says beside a list, in one place for `assess` and the report notebooks, and how
a notebook hands it to `workbench report`.

`serious` sentences fail `--strict` (`assess --strict`, `report --strict`: exit 3): the rule
file was not checked for the term (`RuleSet.beyond_checked`), the term start given falls a few
days before one of the rules' own (`RuleSet.just_before_a_term`) or between two of them where
funded places are counted by term (`between_terms`), the list is empty or the data
mostly quarantined for a reason worth knowing (`workbench.runs.emptiness.silent_emptiness`),
or the providers' headcount holds no place for the term and places for days that are no
term's start (a date misread: `workbench.runs.emptiness.places_for_no_term`), or some of its
places are dated on a day that is no term's start within the term assessed, where the list
would count them (`workbench.runs.emptiness.places_off_term_starts`, whose other such places
are notes), or the DWP
list or the providers' headcount the rules read came with its header only
(`workbench.runs.emptiness.empty_lists`: a failed extract, never a quiet term), or a table a
criterion in force reads is not in the folder while a file there that is not read looks like
it (`DWPlist.csv`: `not_in_the_data`, `workbench.data.absent.absent_tables`), or a
household_id is shared by more than 30 people (`workbench.data.household_size`: a household
key split across two columns lumps families together), or a funded-place row the list rests on
links to no child though its child is in the age window by the row's date of birth (an earlier
term's place that could continue the entitlement, or a place for the term that makes a child
already funded or, where a place is required, listed: `workbench.linkage.places.unlinked_places`,
whose other places for the term linked to no child are notes), or an adult whose role is
blank holds an award that would list a child of their household, or list them higher, were
they recorded as a parent or carer (`awards_not_counted`: a family may be missed).
`notes` do not: a file named as a table (`benefits.csv`) that the profile does not read, as
it reads that table from another (`workbench.data.absent.contract_files_not_read`), such a
table absent with no file like it (the council may not hold it), an
optional column a criterion in force reads missing from a whole file, or mapped to nothing by
its profile (`workbench.data.absent.missing_columns`: the list is right by the rules as
written, with every such value unknown), a flag whose value map in the profile maps every
code to the same value (`workbench.data.profiles.one_valued_flags`), a required file with no rows
(`empty_required_tables`), references that
match once leading zeros are ignored and amounts that read two ways (`1.234`), as `validate`
says them (`workbench.data.quarantine`), and what the list rests on that the data does not
record (`workbench.runs.unrecorded`).

A notebook cannot print on the runner's stderr, so it writes its warnings to
``restricted/warnings.json`` (owner-only: a note may name records) in its run folder
(`hand_over`); the runner takes them from there, prints them as `assess` does, records the
serious ones and the number of notes in the run's manifest, and removes the file
(`take_over`).
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.data.profiles import one_valued_flags
from workbench.data.quarantine import ambiguous_amounts, dropped_zeros
from workbench.private_files import write_private
from workbench.runs.emptiness import (
    empty_lists,
    empty_required_tables,
    places_for_no_term,
    places_off_term_starts,
    silent_emptiness,
)
from workbench.runs.unrecorded import unrecorded_facts

if TYPE_CHECKING:
    from workbench.eligibility.assess import Assessment

__all__ = [
    "WARNINGS_FILE",
    "ListWarnings",
    "awards_not_counted",
    "between_terms",
    "hand_over",
    "income_clashes",
    "just_before_a_term",
    "list_warnings",
    "not_in_the_data",
    "parents_quarantined",
    "records_quarantined",
    "take_over",
]

WARNINGS_FILE = "warnings.json"


@dataclass(frozen=True)
class ListWarnings:
    """The sentences a run says beside its list: `serious` ones fail `--strict`."""

    serious: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def sentences(self) -> tuple[str, ...]:
        """Every sentence, the serious ones first."""
        return self.serious + self.notes

    def markdown(self) -> str:
        """The serious sentences as a Markdown list for a report, and how many notes there
        are: a note may name records (the DWP list's record ids) or count a handful of
        children, so it is said only where the list itself may be seen (the runner's stderr,
        as `assess` says it), never in a report that may be shared.

        >>> said = ListWarnings(serious=("The list is empty.",), notes=("2 rows repeat.",))
        >>> print(said.markdown())
        - The list is empty.
        <BLANKLINE>
        1 note beside, printed where the run was started (it may name records).
        >>> ListWarnings().markdown()
        'Nothing to warn of.'
        """
        if not self.sentences:
            return "Nothing to warn of."
        lines = [f"- {sentence}" for sentence in self.serious]
        if self.notes:
            count = f"{len(self.notes)} note{'s' if len(self.notes) > 1 else ''}"
            said = "printed where the run was started (it may name records)"
            lines += ["", f"{count} beside, {said}." if lines else f"{count}, {said}."]
        return "\n".join(lines)


def between_terms(found: Assessment) -> list[str]:
    """A sentence when the term start given is not one of the rules' term starts and the rules
    count funded places by term: a place the providers' headcount records for the start of the
    term it falls in (1 September, for 3 September) is then an earlier term's, so its child
    is listed for continued entitlement and as not already funded. Empty otherwise.

    Examples
    --------
    >>> from datetime import date
    >>> from types import SimpleNamespace
    >>> from workbench.rules import load_rule_set
    >>> places = pl.DataFrame({"term_start": [date(2026, 9, 1)]})
    >>> found = SimpleNamespace(rule_set=load_rule_set("two_year_old"),
    ...     term_start=date(2026, 9, 3), data=SimpleNamespace(
    ...         tables={"funded_places": places}, lazy=lambda name: places.lazy()))
    >>> between_terms(found)[0][:66]
    'the term start 2026-09-03 is not a term start of the two_year_old '
    """
    rules, day = found.rule_set, found.term_start
    if "funded_places" not in rules.sources or "funded_places" not in found.data.tables:
        return []
    if rules.just_before_a_term(day) is not None:
        # Meant, most likely, as the term about to start, not the one begun: said there.
        return []
    starts = rules.population.window_on(day).starts.month_days
    if (day.month, day.day) in starts:
        return []
    latest = max(
        date(year, month, first)
        for year in (day.year - 1, day.year)
        for month, first in starts
        if date(year, month, first) <= day
    )
    # Only when the headcount holds places between the term's start and the day given: those
    # are the places counted as an earlier term's.
    places = found.data.lazy("funded_places").filter(
        (pl.col("term_start") >= latest) & (pl.col("term_start") < day)
    )
    if places.select(pl.len()).collect().item() == 0:
        return []
    named = ", ".join(f"{first} {calendar.month_name[month]}" for month, first in starts)
    return [
        f"the term start {day} is not a term start of the {rules.id} rules ({named}): they "
        "count funded places by term, so a place the providers' headcount records for "
        f"{latest}, the start of the term {day} falls in, counts as an earlier term's "
        "(continued entitlement) and no child as already funded this term. Give "
        f"{latest} as the term start"
    ]


def just_before_a_term(found: Assessment) -> list[str]:
    """A sentence when the term start given is not one of the rules' term starts but falls a
    few days before one (`RuleSet.just_before_a_term`): free school meals for a term starting
    on 31 August 2026 would otherwise get the 2025/26 rules and age window without a word.
    Empty otherwise."""
    sentence = found.rule_set.just_before_a_term(found.term_start)
    return [] if sentence is None else [sentence]


SHOWN_CHILDREN = 10
"""How many children a note (`parents_quarantined`, `income_clashes`) names before counting
the rest."""


def parents_quarantined(found: Assessment) -> list[str]:
    """A sentence naming the children in the age window whose household holds a quarantined
    row of the people file (a row set aside, `SET_ASIDE_KINDS`, aside): whoever is on such a
    row is not read, so a parent's or carer's awards there count for nothing, and the child
    may be left off the list, or listed on less, with nothing else said (a tester's case).
    Empty when there is none. The household ids are read again from the file, and only when
    the people file has quarantined rows."""
    from workbench.data.quarantine import SET_ASIDE_KINDS, quarantine_kind, quarantined_values
    from workbench.eligibility.terms import in_window

    rows = found.data.quarantine.filter(
        pl.col("table") == "people",
        ~(
            quarantine_kind(pl.col("reason")).is_in(SET_ASIDE_KINDS)
            & ~pl.col("reason").str.contains("; ", literal=True)
        ),
    )
    if rows.is_empty() or "people" not in found.data.tables:
        return []
    held = quarantined_values(found.data, "people", "household_id").join(
        rows.select("row").unique(), on="row", how="semi"
    )
    households = held.filter(pl.col("held").str.len_chars() > 0)["held"].unique()
    if households.is_empty():
        return []
    window = found.rule_set.population.window_on(found.term_start)
    found_children = found.data.tables["people"].filter(
        pl.col("household_id").is_in(households.implode()),
        in_window(pl.col("date_of_birth"), window, found.term_start),
    )
    if found_children.is_empty():
        return []
    children = found_children["person_id"].sort().to_list()
    theirs = found_children["household_id"].unique().implode()
    numbers = held.filter(pl.col("held").is_in(theirs))["row"].sort().to_list()
    file = found.data.reports["people"].file.name
    named = ", ".join(children[:SHOWN_CHILDREN]) + (
        f" and {len(children) - SHOWN_CHILDREN} more" if len(children) > SHOWN_CHILDREN else ""
    )
    return [
        f"{len(children)} child(ren) in the age window live in a household with a quarantined "
        f"row of {file} (row(s) {', '.join(map(str, numbers))}): whoever is on such a row is "
        "not read, so a parent's or carer's awards there count for nothing, and the child may "
        f"be left off the list or listed on less: {named}. `workbench explain --person ID` "
        "names the rows; correct them in the extract and run again"
    ]


def records_quarantined(found: Assessment) -> list[str]:
    """A sentence per table of awards or statuses (benefits, child_statuses) naming the
    children in the age window with a quarantined row of it about them or, for awards, about
    a parent or carer: such a row is not read, so what it records counts for nothing and the
    child may be left off the list, or listed on less, with nothing else said (a tester's
    case: a parent's Universal Credit rows quarantined as a repeated claim with changing
    earnings, and the child gone from the list). Rows set aside (`SET_ASIDE_KINDS`) are not
    counted. Empty when there is none; the person ids are read again from the file only when
    it has quarantined rows, and only the people of the households they name are looked at.
    """
    from workbench.data.quarantine import SET_ASIDE_KINDS, quarantine_kind, quarantined_values
    from workbench.eligibility.engine import Compiler

    said = []
    for table, about in (("benefits", "them or a parent or carer"), ("child_statuses", "them")):
        if table not in found.rule_set.sources or "people" not in found.data.tables:
            continue
        rows = found.data.quarantine.filter(
            pl.col("table") == table,
            ~(
                quarantine_kind(pl.col("reason")).is_in(SET_ASIDE_KINDS)
                & ~pl.col("reason").str.contains("; ", literal=True)
            ),
        )
        if rows.is_empty():
            continue
        held = quarantined_values(found.data, table, "person_id").join(
            rows.select("row").unique(), on="row", how="semi"
        )
        held = held.filter(pl.col("held").str.len_chars() > 0)
        if held.is_empty():
            continue
        ids = held["held"].unique().implode()
        people = found.data.tables["people"]
        households = people.filter(pl.col("person_id").is_in(ids))["household_id"].unique()
        near = people.lazy().filter(pl.col("household_id").is_in(households.implode()))
        compiler = Compiler({"people": near}, found.rule_set, found.term_start, found.as_of)
        children = compiler.children().select("person_id", "household_id").collect()
        holders = [children.select("person_id", pl.col("person_id").alias("holder"))]
        if table == "benefits":
            carers = compiler.child_carers(children.lazy()).collect()
            holders.append(carers.select("person_id", pl.col("parent_carer_id").alias("holder")))
        affected = pl.concat(holders).join(
            held.rename({"held": "holder"}), on="holder", how="inner"
        )
        if affected.is_empty():
            continue
        named_children = affected["person_id"].unique().sort().to_list()
        numbers = affected["row"].unique().sort().to_list()
        file = found.data.reports[table].file.name
        said.append(
            f"{len(named_children)} child(ren) in the age window have a quarantined row of "
            f"{file} about {about} (row(s) {_some(numbers)}): such a row is not read, so what "
            "it records counts for nothing, and the child may be left off the list or listed "
            f"on less: {_some(named_children)}. `workbench explain --person ID` names the "
            "rows; correct them in the extract and run again"
        )
    return said


_TIER_RANK = {"likely": 2, "possible": 1}


def awards_not_counted(found: Assessment) -> list[str]:
    """A sentence naming the children in the age window who could be missed, or listed on
    less, because an adult in their household whose role is blank holds an award that would
    count for them were the adult recorded as a parent or carer
    (`workbench.eligibility.findings.awards_without_role`): by the contract (section 2, rule
    3) a person with no role is no one's parent or carer, so the child whose only claimant
    has no role is left off the list (a tester's case: `validate`'s note of the blank role
    named no child, and `assess --strict` passed). Serious: a family may be missed. A child
    is named when such an award would list them, list them as likely rather than possible,
    or in an earlier group (free school meals: targeted rather than expanded); a child the
    list already holds as it would then is not. Empty otherwise."""
    from workbench.eligibility.findings import awards_without_role

    if "people" not in found.data.tables:
        return []
    uncounted = awards_without_role(
        {name: found.data.lazy(name) for name in found.data.tables},
        found.rule_set,
        term_start=found.term_start,
        as_of=found.as_of,
        links=found.links,
    )
    if uncounted.is_empty():
        return []
    rank = pl.col("tier").replace_strict(_TIER_RANK, default=0, return_dtype=pl.Int8)
    listed = found.candidates.filter(pl.col("person_id").is_not_null()).select(
        "person_id", rank.alias("rank_now"), pl.col("eligibility_group").alias("group_now")
    )
    costly = (
        uncounted.with_columns(rank.alias("rank_then"))
        .join(listed, on="person_id", how="left")
        .sort("person_id", "holder_id", "award_id", "reason_code")
        .filter(
            (pl.col("rank_then") > pl.col("rank_now").fill_null(0))
            | (
                (pl.col("rank_then") == pl.col("rank_now"))
                & pl.col("eligibility_group").is_not_null()
                & (pl.col("eligibility_group") != pl.col("group_now").fill_null(""))
            )
        )
    )
    if costly.is_empty():
        return []
    named = [
        f"{child} (household {household}: "
        + "; ".join(
            f"{holder}'s award {award}, {code}"
            for holder, award, code in rows.select("holder_id", "award_id", "reason_code")
            .unique(maintain_order=True)
            .iter_rows()
        )
        + ")"
        for (child, household), rows in costly.group_by(
            "person_id", "household_id", maintain_order=True
        )
    ]
    file = found.data.reports["people"].file.name
    return [
        f"{len(named)} child(ren) in the age window could be missed, or listed on less, because "
        f"an adult in their household has no role in {file}: a person with no role is no one's "
        "parent or carer (the contract), so their awards count for no child, yet an award of "
        "theirs would count for the child were they recorded as a parent or carer: "
        f"{_some(named)}. Record each such adult's role (parent_carer, child or other) in the "
        "extract, or map the council's code for it to parent_carer in the profile's value map "
        "for role, and run again; `workbench explain --person ID` names the award"
    ]


def _some(values: list) -> str:
    """The first `SHOWN_CHILDREN` values, and how many more."""
    shown = ", ".join(map(str, values[:SHOWN_CHILDREN]))
    more = len(values) - SHOWN_CHILDREN
    return shown + (f" and {more} more" if more > 0 else "")


def income_clashes(found: Assessment) -> list[str]:
    """A sentence per income test (Universal Credit's take-home pay, ...) naming the listed
    children who meet it on one parent's or carer's award while a parent's or carer's award of
    the same benefit, active on the evidence date, records an income over the limit. A joint
    claim's partners should record the same household figure: two figures are a clash in the
    data, and the child is listed on the one within the limit (a tester's case), so the officer
    should check which is current. Empty when there is none.

    The awards over a limit are found first; only when there are some are the people read
    again, once, for the listed children and those awards' holders.
    """
    from workbench.eligibility.engine import Compiler, active_on, income_passes, rule_tables

    tests = [
        c
        for c in found.rule_set.criteria_in_force(found.term_start)
        if c.kind == "award_with_income_test" and c.applies_to == "parent_carer"
    ]
    if not tests or "benefits" not in found.data.tables:
        return []
    # As the engine reads them: an optional column the file lacks (end_date) reads as empty.
    tables = rule_tables(found.data.tables, found.rule_set)
    awards = tables["benefits"].filter(active_on(found.as_of))
    over = pl.concat(
        [
            awards.filter(
                pl.col("benefit").is_in(test.benefits),
                pl.col(test.income).is_not_null() & ~income_passes(test, found.term_start),
            ).select("person_id", pl.lit(test.code).alias("reason_code"))
            for test in tests
            if test.income is not None  # an income test names its income
        ]
    ).collect()
    listed = found.candidates.filter(pl.col("person_id").is_not_null()).select(
        "person_id", pl.col("reason_codes").alias("reason_code")
    )
    listed = listed.explode("reason_code").join(
        over.select("reason_code").unique(), on="reason_code"
    )
    if over.is_empty() or listed.is_empty():
        return []
    asked = pl.concat([listed["person_id"], over["person_id"]]).unique().implode()
    people = found.data.tables["people"].lazy().filter(pl.col("person_id").is_in(asked))
    people = people.collect().lazy()
    compiler = Compiler(
        {"people": people, "benefits": awards}, found.rule_set, found.term_start, found.as_of
    )
    children = people.join(listed.lazy().select("person_id").unique(), on="person_id")
    carers = compiler.child_carers(children).collect()
    said = []
    for test in tests:
        theirs = listed.filter(pl.col("reason_code") == test.code).join(carers, on="person_id")
        clashing = theirs.join(
            over.filter(pl.col("reason_code") == test.code).select(
                pl.col("person_id").alias("parent_carer_id")
            ),
            on="parent_carer_id",
            how="semi",
        )
        if clashing.is_empty():
            continue
        children_named = clashing["person_id"].unique().sort().to_list()
        named = _some(children_named)
        said.append(
            f"{len(children_named)} child(ren) are listed for {test.code} on one parent's or "
            f"carer's award whose {test.income} is within the limit, while another parent's "
            f"or carer's award of {' or '.join(test.benefits)} active on {found.as_of} records "
            "more: the household's records disagree, so check which is current before "
            f"contacting the family: {named}. `workbench explain --person ID` names the awards"
        )
    return said


def not_in_the_data(found: Assessment) -> tuple[list[str], list[str]]:
    """(serious, notes): the tables a criterion in force reads that the folder does not hold
    (serious when a file there not read looks like one: `workbench.data.absent.absent_tables`),
    and the optional columns they read that a file lacks altogether, or that its profile maps
    nothing to (notes: `workbench.data.absent.missing_columns`)."""
    from workbench.data.absent import absent_tables, column_uses, missing_columns

    serious, notes = absent_tables(found.data, found.rule_set, found.term_start)
    uses = column_uses([found.rule_set], found.term_start)
    return serious, [*notes, *missing_columns(found.data, uses)]


def list_warnings(found: Assessment) -> ListWarnings:
    """What `assess` warns of beside `found`'s list."""
    from workbench.data.absent import contract_files_not_read
    from workbench.data.household_size import large_households
    from workbench.linkage.places import unlinked_places

    unchecked = found.rule_set.beyond_checked(found.term_start)
    absent, missing = not_in_the_data(found)
    unlinked, unlinked_notes = unlinked_places(found)  # funded places linked to no child
    off_term, off_term_notes = places_off_term_starts(found)  # places dated on no term start
    return ListWarnings(
        serious=(
            *([unchecked] if unchecked else []),
            *just_before_a_term(found),
            *between_terms(found),
            *absent,
            *large_households(found.data),
            *awards_not_counted(found),
            *silent_emptiness(found),
            *empty_lists(found),
            *places_for_no_term(found),
            *off_term,
            *unlinked,
        ),
        notes=(
            *missing,
            *contract_files_not_read(found.data),
            *one_valued_flags(found.data.profile, found.data.reports),
            *empty_required_tables(found),
            *dropped_zeros(found.data),
            *ambiguous_amounts(found.data),
            *unrecorded_facts(found),
            *parents_quarantined(found),
            *records_quarantined(found),
            *income_clashes(found),
            *unlinked_notes,
            *off_term_notes,
        ),
    )


def hand_over(warnings: ListWarnings, run_dir: str | Path) -> ListWarnings:
    """Write `warnings` to the run folder for `workbench report` to take over; returns them,
    for the notebook to show (`ListWarnings.markdown`)."""
    record = {"serious": list(warnings.serious), "notes": list(warnings.notes)}
    path = Path(run_dir) / "restricted" / WARNINGS_FILE
    # Owner-only from the start (a note may name records): a run stopped before the runner
    # takes it over leaves it in restricted/, where every file is owner-only.
    text = json.dumps(record, indent=2) + "\n"
    write_private(path, lambda p: p.write_text(text, encoding="utf-8"))
    return warnings


def take_over(run_dir: Path) -> ListWarnings | None:
    """The warnings a notebook handed over in `run_dir`, removing their file; None when it
    handed none over (a notebook that makes no list)."""
    path = run_dir / "restricted" / WARNINGS_FILE
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    path.unlink()
    return ListWarnings(
        serious=tuple(record.get("serious", ())), notes=tuple(record.get("notes", ()))
    )
