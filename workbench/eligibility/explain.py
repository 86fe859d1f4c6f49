"""Why a person is or is not on an initiative's list, criterion by criterion (`workbench explain`).

Nothing here judges anything. The list comes from the engine (`explain_person` runs
`workbench.eligibility.engine.assessment` and reads the person's row, so `listed`, `tier` and
`reason_codes` are always what the list says); the detail beside it, the age window, the
parents and carers, and for each criterion of the rule set its verdict and the records behind
it (which award proves it, which income was over which limit, which award had ended), comes
from `workbench.eligibility.findings.findings_in_detail`, the same compiled criteria. This
module puts those findings into words an early years officer can read.

Criteria are checked for a person outside the age window too, so a finding can be met while
the person is not listed: the first line of `to_text` says why they are not.

Example
-------
>>> from datetime import date
>>> import polars as pl
>>> from workbench.rules import load_rule_set
>>> people = pl.LazyFrame({
...     "person_id": ["P1", "P2"], "household_id": ["H1", "H1"],
...     "forename": ["Ada", "Mo"], "surname": ["Lee", "Lee"],
...     "date_of_birth": [date(1990, 5, 1), date(2024, 3, 2)],
... })
>>> benefits = pl.LazyFrame({
...     "award_id": ["A1"], "person_id": ["P1"], "benefit": ["income_support"],
...     "start_date": [date(2025, 1, 6)], "end_date": [None],
... }, schema_overrides={"end_date": pl.Date})
>>> found = explain_person({"people": people, "benefits": benefits},
...     load_rule_set("two_year_old"), person_id="P2",
...     term_start=date(2026, 9, 1), as_of=date(2026, 8, 1))
>>> found.listed, found.tier, found.reason_codes, found.parent_carers
(True, 'likely', ('income_support',), ('P1',))
>>> print(found.to_text().splitlines()[0])
Child P2 (born 2 March 2024) is listed for the term starting 1 September 2026: tier likely.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from workbench.dates import long_date
from workbench.eligibility.engine import (
    CARE_HISTORY_MISSING,
    CLERICAL,
    INCOME_MISSING,
    LINKED,
    MET,
    PLACE_TO_REVIEW,
    WORKING_PARENT,
    EngineResult,
    assessment,
    rule_tables,
)
from workbench.eligibility.findings import findings_in_detail
from workbench.errors import UsageError
from workbench.rules.model import Criterion, RuleSet

__all__ = ["Explanation", "Finding", "explain_assessed", "explain_person"]

# Plain-English names (with their article) for the words the data uses.
BENEFIT_NAMES = {
    "universal_credit": ("a", "Universal Credit"),
    "income_support": ("an", "Income Support"),
    "jsa_income_based": ("an", "income-based Jobseeker's Allowance"),
    "esa_income_related": ("an", "income-related Employment and Support Allowance"),
    "child_tax_credit": ("a", "Child Tax Credit"),
    "working_tax_credit": ("a", "Working Tax Credit"),
    "wtc_run_on": ("a", "Working Tax Credit run-on"),
    "pension_credit_guarantee": ("a", "guarantee Pension Credit"),
    "asylum_support": ("an", "asylum support"),
    "disability_living_allowance": ("a", "Disability Living Allowance"),
    "housing_benefit": ("a", "Housing Benefit"),
    "council_tax_reduction": ("a", "Council Tax Reduction"),
}
STATUS_NAMES = {
    "looked_after": "being looked after",
    "previously_looked_after": "having been looked after before (by this or another authority)",
    "fsm_transitional_protection": "free-school-meals transitional protection",
    "ehc_plan": "an EHC plan",
    "special_guardianship_order": "a special guardianship order",
    "child_arrangements_order": "a child arrangements order",
    "adoption_order": "an adoption order",
}
INCOME_NAMES = {"net_earned_income": "take-home pay", "gross_income": "gross income"}
LIST_NAMES = {"dwp_list": "the DWP list", "funded_places": "the funded places"}
STREAM_NAMES = {
    "two_year_old": "two-year-old",
    "universal_three_four": "universal 3 and 4 year old",
    "working_parent": "working-parent",
}
MARKS = {"met": "✓", "income_missing": "?", "not_met": "✗"}


def _money(value: float) -> str:
    """`£15,400`, or `£15,400.01` when there are pence."""
    return f"£{value:,.0f}" if float(value).is_integer() else f"£{value:,.2f}"


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _benefit(code: str) -> tuple[str, str]:
    return BENEFIT_NAMES.get(code, ("a", code.replace("_", " ")))


@dataclass(frozen=True)
class Finding:
    """One criterion for one person: met or not, and why, in a sentence.

    `possible` is set when the criterion is not met only because something the officer can
    check is missing (an award's income, a household's income or savings, the care record
    behind an order): with the rule file's `missing_income` or `missing_care_history` set to
    `possible`, that makes the child `possible`.
    """

    code: str
    met: bool
    status: str
    possible: bool = False

    @property
    def income_missing(self) -> bool:
        """The older name of `possible`."""
        return self.possible

    @property
    def mark(self) -> str:
        if self.met:
            return MARKS["met"]
        return MARKS["income_missing"] if self.possible else MARKS["not_met"]


@dataclass(frozen=True)
class Explanation:
    """Why `person_id` is or is not listed; `listed`, `tier` and `reason_codes` are the list's."""

    person_id: str
    initiative: str
    rule_set: str
    date_of_birth: date
    is_child: bool
    term_start: date
    as_of: date
    listed: bool
    tier: str | None
    reason_codes: tuple[str, ...]
    eligible_from: date
    eligible_to: date
    in_window: bool
    parent_carers: tuple[str, ...]
    parent_carers_by_role: bool
    findings: tuple[Finding, ...]
    funded_place: str | None
    funded_places_read: bool
    funded_place_required: bool
    age_group: str | None = None
    eligibility_group: str | None = None
    working_parent_place: bool = False
    already_funded: bool = False
    rules_note: str | None = None
    """Said when the term is later than the rule file was checked for (`beyond_checked`)."""
    term_note: str | None = None
    """Said when the term start given falls a few days before one of the rules' own term
    starts (`RuleSet.just_before_a_term`): the rules and age window are the earlier term's."""
    children_counted: tuple[str, ...] = ()
    """A sentence per household-limits criterion whose test would come out the other way were
    the household's children counted by age rather than by role
    (`workbench.eligibility.recount`)."""
    group_untested: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Each group before the child's (in file order) that a criterion could not be tested
    for, with those criteria (their income missing): the child may be in that group."""
    household_quarantined: tuple[str, ...] = ()
    """The people file's quarantined rows of the child's household, each "file row N
    (reason)": a parent or carer on one is not read, so their awards count for nothing
    (`Assessment.explain` fills it from the loaded data)."""
    link_caution: str | None = None
    """The list row's `link_caution` for a listed child (a DWP-list row, or a funded place the
    list rests on, linked with another date of birth:
    `workbench.eligibility.engine.Compiler.link_cautions`)."""
    awards_not_counted: tuple[str, ...] = ()
    """The awards of adults of the child's household whose role is blank that would count for
    the child were they recorded as parents or carers, each "P1's Income Support (award A1),
    for income_support" (`workbench.eligibility.findings.awards_without_role`)."""
    records_quarantined: tuple[str, ...] = ()
    """The quarantined rows of the child's awards and statuses and of their parents' and
    carers' awards, each "file row N, of <whose> (reason)": not read, so a criterion they
    would meet shows as not met (`Assessment.explain` fills it from the loaded data)."""
    places_off_term: str | None = None
    """Said beside the funded place when the providers' headcount holds places naming the
    child (forename, surname and date of birth) dated on a day that is no term start of the
    rules (`_places_off_term`): such a place is for no term, so it did not count."""

    def why_not_listed(self) -> list[str]:
        """The reasons a person is not listed (empty when listed)."""
        if self.listed:
            return []
        if not self.is_child:
            return ["not a child in the age window"]
        reasons = []
        if not self.in_window:
            reasons.append("outside the age window")
        if not any(f.met or f.possible for f in self.findings):
            reasons.append("no criterion is met")
        if self.funded_place_required and self.funded_place is None and self.in_window:
            reasons.append("no funded place for the term")
        return reasons or ["no criterion is met"]

    def __str__(self) -> str:
        """The plain-English explanation (`print(found.explain("P1"))`)."""
        return self.to_text()

    def to_text(self) -> str:
        """The explanation in plain English, one statement a line."""
        lines = [
            self._headline(),
            f"Rules in force for the term starting {long_date(self.term_start)} (rule set "
            f"{self.rule_set}); evidence as on {long_date(self.as_of)}.",
            *([f"Not checked for this term: {self.rules_note}"] if self.rules_note else []),
            *([f"Term start: {self.term_note}."] if self.term_note else []),
        ]
        if not self.is_child:
            # An adult: the criteria are about children in the window; none was weighed.
            return "\n".join([*lines, *self._not_a_child_lines()])
        lines += [self._age_line(), self._carers_line(), *self.children_counted]
        if self.awards_not_counted:
            lines.append(
                "Not counted: an adult of the household with no role in the people table holds "
                "an award that would count for the child were they recorded as a parent or "
                "carer, and a person with no role is no one's parent or carer (the contract): "
                + "; ".join(self.awards_not_counted)
                + ". Record their role (parent_carer, child or other), or map the council's "
                "code for it to parent_carer in the profile's value map for role, and run again."
            )
        if self.household_quarantined:
            lines.append(
                "Quarantined rows of the household (not read, so no one on them counts as a "
                "parent or carer, nor do their awards): "
                + "; ".join(self.household_quarantined)
                + ". Correct them in the extract and run again."
            )
        if self.records_quarantined:
            lines.append(
                "Quarantined rows of the child's or their parents' and carers' awards and "
                "statuses (not read, so a criterion they would meet shows as not met below): "
                + "; ".join(self.records_quarantined)
                + ". Correct them in the extract and run again."
            )
        if self.funded_places_read:
            lines.append(self._funded_line())
        if self.link_caution:
            lines.append(f"Caution: {self.link_caution}.")
        if self.eligibility_group:
            lines.append(f"Group: {self.eligibility_group}.")
        for group, codes in self.group_untested:
            lines.append(
                f"It may be {group} instead: {', '.join(codes)} could not be tested (something "
                "it needs is missing). Find out, and run again, before relying on the group."
            )
        lines += [f"{f.mark} {f.code}: {f.status}." for f in self.findings]
        return "\n".join(lines)

    def _headline(self) -> str:
        who = "Child" if self.is_child else "Person"
        start = (
            f"{who} {self.person_id} (born {long_date(self.date_of_birth)}) is "
            f"{'' if self.listed else 'not '}listed for the term starting "
            f"{long_date(self.term_start)}"
        )
        if self.listed:
            return f"{start}: tier {self.tier}."
        return f"{start}: {' and '.join(self.why_not_listed())}."

    def _not_a_child_lines(self) -> list[str]:
        term, born = self.term_start, self.date_of_birth
        age = term.year - born.year - ((term.month, term.day) < (born.month, born.day))
        return [
            f"Age: {age} on {long_date(term)}. The list is for children in the age window, "
            f"which for someone born on {long_date(born)} closed on "
            f"{long_date(self.eligible_to)}.",
            "No criterion was assessed: each is met by a child in the age window, through the "
            "child's own records or those of the child's parents and carers.",
        ]

    def _age_line(self) -> str:
        if self.in_window:
            group = f" (age group {self.age_group})" if self.age_group else ""
            return (
                f"Age: in the window from {long_date(self.eligible_from)} to "
                f"{long_date(self.eligible_to)}{group}."
            )
        if self.eligible_from > self.term_start:
            return (
                f"Age: not yet in the window on {long_date(self.term_start)}; "
                f"it opens on {long_date(self.eligible_from)}."
            )
        return (
            f"Age: past the window on {long_date(self.term_start)}; "
            f"it closed on {long_date(self.eligible_to)}."
        )

    def _carers_line(self) -> str:
        found = ", ".join(self.parent_carers) or "none found"
        if self.parent_carers_by_role:
            return f"Parents and carers in the household: {found}."
        return (
            "Parents and carers in the household (the data has no roles, so everyone else "
            f"old enough): {found}."
        )

    def _funded_line(self) -> str:
        line = self._funded_place()
        return f"{line} {self.places_off_term}" if self.places_off_term else line

    def _funded_place(self) -> str:
        term = f"the term starting {long_date(self.term_start)}"
        if self.working_parent_place and not self.already_funded:
            return (
                f"Funded place: on a working-parent place (row {self.funded_place}) for {term}; "
                "the disadvantaged 15 hours come first, so the list does not count the child "
                "as already funded under this offer."
            )
        if self.funded_place is not None:
            return f"Funded place: matched to funded-place row {self.funded_place} for {term}."
        if not self.in_window:
            # Only the window's children are matched to the headcount (`window_links`).
            return (
                f"Funded place: not looked for, as the child is outside the age window (only "
                f"children in it are matched to the providers' headcount for {term})."
            )
        if self.funded_place_required:
            return (
                f"Funded place: none matched for {term}; this initiative lists only children "
                "with a funded place."
            )
        return f"Funded place: none matched for {term}."


@dataclass(frozen=True)
class _Facts:
    """What the words need besides a criterion's records: who and when."""

    person_id: str
    as_of: date
    term_start: date
    age_group: str | None


def _unknown_person(person_id: str) -> UsageError:
    return UsageError(
        f"no person {person_id!r} in people: expected a person_id from the people table. "
        "Check the id, and whether its row was quarantined (`workbench validate`)."
    )


# --- one finding per criterion, worded from the engine's records -----------------------------


def _whose(holder: str, facts: _Facts) -> str:
    return "the child" if holder == facts.person_id else f"parent/carer {holder}"


def _gets(row: dict[str, Any], facts: _Facts, also: str = "") -> str:
    """`parent/carer P8 gets Universal Credit (award A3)`."""
    name = _benefit(row["item"])[1]
    return f"{_whose(row['holder_id'], facts)} {also}gets {name} (award {row['record_id']})"


def _inactive(rows: pl.DataFrame, facts: _Facts) -> str:
    """`: award A5 of parent/carer P8 ended on 31 July 2026` for the records that start after
    the evidence date or ended before it, or ''."""
    notes = []
    for row in rows.filter(pl.col("outcome").is_in(INACTIVE)).iter_rows(named=True):
        is_award = row["table"] == "benefits"
        whose = f" of {_whose(row['holder_id'], facts)}" if is_award else ""
        kind = "award" if is_award else "record"
        if row["outcome"] == "not_started":
            starts = long_date(row["start_date"])
            notes.append(f"{kind} {row['record_id']}{whose} starts on {starts}")
        else:
            ended = long_date(row["end_date"])
            notes.append(f"{kind} {row['record_id']}{whose} ended on {ended}")
    return ": " + "; ".join(notes) if notes else ""


def _no_award(criterion: Criterion, rows: pl.DataFrame, facts: _Facts) -> str:
    """`no parent or carer has an Income Support award active on ...`, with the inactive ones."""
    article = _benefit(criterion.benefits[0])[0]
    names = _or([_benefit(b)[1] for b in criterion.benefits])
    child = criterion.applies_to == "child"
    who = "the child has no" if child else f"no parent or carer has {article}"
    return f"{who} {names} award active on {long_date(facts.as_of)}" + _inactive(rows, facts)


def _income_words(criterion: Criterion, row: dict[str, Any], facts: _Facts) -> str:
    """One award under an income test, as the engine found it."""
    assert criterion.income is not None  # checked when the rule file is loaded
    income, value, limit = INCOME_NAMES[criterion.income], row["amount"], row["limit"]
    gets = _gets(row, facts)
    outcome = row["outcome"]
    if outcome == "income_missing":
        then = (
            "so the income test cannot be applied: ask the family"
            if criterion.missing_income == "possible"
            else "and this rule set does not count an award whose income is missing"
        )
        return f"{gets} but the {income} is missing, {then}"
    if outcome == "limit_ended":
        return f"{gets}, but the income limit has ended, so no income can meet it"
    if outcome == MET:
        bound = "at or under" if criterion.comparison == "at_most" else "under"
        return f"{gets} with {income} of {_money(value)}, {bound} the {_money(limit)} limit"
    over = "above" if value > limit else "not under"
    return f"{gets} with {income} of {_money(value)}, {over} the {_money(limit)} limit"


UNTESTED = ("income_missing", "limit_ended")
"""An active award's outcomes under an income test when no income was compared."""


def _award_words(criterion: Criterion, rows: pl.DataFrame, facts: _Facts) -> str:
    """The awards of a criterion about awards (the parents' and carers', or the child's)."""
    held = rows.filter(pl.col("outcome") != "bars")
    active = held.filter(~pl.col("outcome").is_in(INACTIVE))
    if active.is_empty():
        return _no_award(criterion, held, facts)
    bars = rows.filter(pl.col("outcome") == "bars")
    if not bars.is_empty():
        gets = "; ".join(_gets(r, facts) for r in active.iter_rows(named=True))
        also = "; ".join(_gets(r, facts, "also ") for r in bars.iter_rows(named=True))
        return f"{gets}, but {also}, which rules this criterion out"
    if criterion.kind == "active_award":
        return "; ".join(_gets(r, facts) for r in active.iter_rows(named=True))
    words = [
        (r["outcome"], _income_words(criterion, r, facts)) for r in active.iter_rows(named=True)
    ]
    met = [text for outcome, text in words if outcome == MET]
    if not met:
        return "; ".join(text for _, text in words)
    # Another active award over the limit beside one within it: a joint claim's partners
    # should record one household figure (`workbench.runs.list_warnings.income_clashes`).
    over = [text for outcome, text in words if outcome not in (MET, *UNTESTED)]
    if not over:
        return "; ".join(met)
    return (
        f"{'; '.join(met)}; but {'; '.join(over)}: the household's records disagree, so "
        "check which is current"
    )


def _status_words(criterion: Criterion, rows: pl.DataFrame, facts: _Facts) -> str:
    counted = rows.filter(pl.col("outcome") == MET)
    if counted.is_empty():
        names = _or([STATUS_NAMES.get(s, s) for s in criterion.statuses])
        when = (
            f"active on {long_date(facts.as_of)}"
            if criterion.kind == "active_status"
            else f"that started on or before {long_date(facts.as_of)}"
        )
        return f"the child has no record of {names} {when}" + _inactive(rows, facts)
    return "; ".join(
        f"the child has a record of {STATUS_NAMES.get(row['item'], row['item'])} "
        f"(record {row['record_id']}, from {long_date(row['start_date'])})"
        for row in counted.iter_rows(named=True)
    )


def _confirmed_by_reviewer(links: pl.DataFrame, criterion: Criterion, rows: pl.DataFrame) -> str:
    """Words to add when the list row was matched to the child by a reviewer's recorded
    decision (`assess --store`), not by the linkage alone."""
    from workbench.review.link_decisions import METHOD_REVIEWER_CONFIRMED

    matched = rows.filter(pl.col("outcome") == MET)["record_id"].to_list()
    confirmed = links.filter(
        (pl.col("source") == criterion.matched_list)
        & pl.col("record_id").is_in(matched)
        & (pl.col("method") == METHOD_REVIEWER_CONFIRMED)
    )
    if confirmed.is_empty():
        return ""
    return " (a reviewer confirmed the match: a recorded link_confirmed decision)"


def _list_words(criterion: Criterion, rows: pl.DataFrame, facts: _Facts) -> str:
    assert criterion.matched_list is not None  # checked when the rule file is loaded
    name = LIST_NAMES.get(criterion.matched_list, f"the {criterion.matched_list} table")
    linked = rows.filter(pl.col("outcome") == MET)["record_id"].to_list()
    if linked:
        return f"the child is matched to row {linked[0]} of {name}"
    clerical = rows.filter(pl.col("outcome") == CLERICAL)["record_id"].to_list()
    if clerical:
        return (
            f"a possible match to row {clerical[0]} of {name} awaits review; "
            "it counts only once a person confirms it"
        )
    return f"the child is not matched to any row of {name}"


def _record(row: dict[str, Any]) -> str:
    """`an adoption order (record S4, from 3 March 2025)`."""
    name = STATUS_NAMES.get(row["item"], row["item"].replace("_", " "))
    return f"{name} (record {row['record_id']}, from {long_date(row['start_date'])})"


def _left_care_words(criterion: Criterion, rows: pl.DataFrame, facts: _Facts) -> str:
    """The orders, each with the care history the engine found for it, or what is missing."""
    orders = rows.filter(pl.col("outcome").is_in([MET, CARE_HISTORY_MISSING]))
    if orders.is_empty():
        names = _or([STATUS_NAMES.get(s, s) for s in criterion.statuses])
        none = (
            f"the child has no record of {names} that started on or before "
            f"{long_date(facts.as_of)}"
            + _inactive(rows.filter(pl.col("related_id").is_null()), facts)
        )
        alone = rows.filter(pl.col("outcome") == "care_without_order")
        if alone.is_empty():
            return none
        held = " and ".join(
            f"a {row['item']} record ({row['record_id']}, from {long_date(row['start_date'])})"
            for row in alone.iter_rows(named=True)
        )
        return (
            f"{none}; the child holds {held}, but it counts only with such an order: a child "
            "who left care, here or elsewhere, through adoption or a special "
            "guardianship or child arrangements order is eligible, and one who returned home "
            "is not. If the child left care through an order, record it in child_statuses and "
            "run again"
        )
    met, missing = [], []
    for order in orders.iter_rows(named=True):
        of_order = rows.filter(pl.col("related_id") == order["record_id"])
        history = [
            *of_order.filter(pl.col("outcome") == "care_before_order").iter_rows(named=True),
            *of_order.filter(pl.col("outcome") == "earlier_care").iter_rows(named=True),
        ]
        if order["outcome"] == MET:
            how = "; ".join(_record(c) for c in history)
            met.append(f"the child has {_record(order)} and a record of care before it: {how}")
            continue
        after = of_order.filter(pl.col("outcome") == "care_after_order")
        note = (
            f" (a care episode began on {long_date(after['start_date'][0])}, not before the order)"
            if after.height
            else ""
        )
        missing.append(
            f"the child has {_record(order)} but no record that the child was looked after "
            f"before it{note}: check the care history"
        )
    return "; ".join(met or missing)


def _earlier_place_words(criterion: Criterion, rows: pl.DataFrame, facts: _Facts) -> str:
    streams = " or ".join(STREAM_NAMES.get(s, s) for s in criterion.funding_streams)

    def terms(outcome: str) -> str:
        chosen = rows.filter(pl.col("outcome") == outcome).sort("start_date", "record_id")
        return "; ".join(
            f"the term starting {long_date(row['start_date'])} (row {row['record_id']})"
            for row in chosen.iter_rows(named=True)
        )

    if found := terms(MET):
        return (
            f"the child had a funded {streams} place for {found}: evidence that the entitlement "
            "continues, for the officer to confirm"
        )
    if waiting := terms(CLERICAL):
        return (
            f"a funded {streams} place for {waiting} may be the child's: its link awaits a "
            "person's review, and confirmed it would be evidence that the entitlement continues"
        )
    return f"the child had no funded {streams} place in an earlier term"


def _household_words(criterion: Criterion, rows: pl.DataFrame, facts: _Facts) -> str:
    """The household's flag, income and savings against the limits of the term."""
    if rows.is_empty() or rows["outcome"][0] == "not_flagged":
        where = "no household record" if rows.is_empty() else "the household record does not say"
        return f"{where} that the family has no recourse to public funds"
    row = rows.row(0, named=True)
    if row["outcome"] == "limit_ended":
        return "no income limits are in force for this term"
    place = "in London" if row["in_london"] else "outside London"
    children = row["household_children"]
    kids = "one child" if children <= 1 else f"{children} children"
    income, limit = row["amount"], row["limit"]
    if income is None:
        parts = ["the household's income is not recorded"]
    else:
        within = "within" if income <= limit else "above"
        parts = [
            f"household income {_money(income)} is {within} the {_money(limit)} limit for a "
            f"household {place} with {kids}"
        ]
    savings, savings_limit = row["savings"], row["savings_limit"]
    if savings_limit is not None:
        if savings is None:
            parts.append("savings are not recorded")
        else:
            within = "within" if savings <= savings_limit else "above"
            parts.append(
                f"savings of {_money(savings)} are {within} the {_money(savings_limit)} limit"
            )
    if row["in_london"] is None:
        parts.append("whether it is in London is not recorded, so the limits outside London apply")
    text = "the household record says the family has no recourse to public funds; " + "; ".join(
        parts
    )
    return text + ": ask the family" if row["outcome"] == INCOME_MISSING else text


def _words(criterion: Criterion, rows: pl.DataFrame, facts: _Facts) -> str:
    """What the engine found of one criterion, in a sentence."""
    if not criterion.in_force_on(facts.term_start):
        span = criterion.in_force
        assert span is not None  # only a criterion with dates can be out of force
        until = f" to {long_date(span.to)}" if span.to else ""
        return (
            f"not in force for the term starting {long_date(facts.term_start)} (it applies from "
            f"{long_date(span.from_)}{until})"
        )
    if criterion.age_groups and facts.age_group not in criterion.age_groups:
        return (
            f"applies only in the age group {_or(criterion.age_groups)}; the child is in "
            f"{facts.age_group or 'no age group'} for this term"
        )
    if criterion.table == "benefits":
        return _award_words(criterion, rows, facts)
    kinds = {
        "list_match": _list_words,
        "left_care": _left_care_words,
        "earlier_funded_place": _earlier_place_words,
        "household_limits": _household_words,
    }
    return kinds.get(criterion.kind, _status_words)(criterion, rows, facts)


# --- the public functions ---------------------------------------------------------------------


INACTIVE = ("not_started", "ended")
POSSIBLE_STATUSES = (INCOME_MISSING, CARE_HISTORY_MISSING, PLACE_TO_REVIEW)


def explain_assessed(
    found: EngineResult, tables: Mapping[str, pl.LazyFrame | pl.DataFrame], *, person_id: str
) -> Explanation:
    """Explain one person from an assessment already run on `tables` (many people, one run).

    `found` must come from `workbench.eligibility.engine.assessment` on the same `tables`; the rule
    set, term start and evidence date are its own.
    """
    rule_set, term_start = found.rule_set, found.term_start
    detail = findings_in_detail(
        tables,
        rule_set,
        person_ids=[person_id],
        term_start=term_start,
        as_of=found.as_of,
        links=found.links,
    )
    if detail.people.is_empty():
        raise _unknown_person(person_id)
    person = detail.people.row(0, named=True)
    facts = _Facts(person_id, found.as_of, term_start, person["age_group"])
    verdicts = dict(zip(detail.verdicts["reason_code"], detail.verdicts["status"], strict=True))
    worded = []
    for criterion in rule_set.criteria:
        records = detail.records.filter(pl.col("reason_code") == criterion.code)
        verdict = verdicts[criterion.code]
        text = _words(criterion, records, facts)
        if criterion.kind == "list_match" and verdict == MET:
            text += _confirmed_by_reviewer(found.links, criterion, records)
        worded.append(
            Finding(criterion.code, verdict == MET, text, possible=verdict in POSSIBLE_STATUSES)
        )
    row = found.candidates.filter(pl.col("person_id") == person_id)
    listed = not row.is_empty()
    places = detail.places
    this_term = places.filter(pl.col("term_start") == term_start)
    funded = this_term["record_id"].to_list()
    streams = this_term["funding_stream"].to_list()
    own = [s for s in streams if s in rule_set.population.already_funded_streams]
    in_window = person["in_window"]
    return Explanation(
        person_id=person_id,
        initiative=rule_set.id,
        rule_set=rule_set.ref,
        date_of_birth=person["date_of_birth"],
        is_child=in_window or not person["adult"] or person["role"] == "child",
        term_start=term_start,
        as_of=found.as_of,
        listed=listed,
        tier=row["tier"][0] if listed else None,
        reason_codes=tuple(row["reason_codes"][0]) if listed else (),
        eligible_from=person["eligible_from"],
        eligible_to=person["eligible_to"],
        in_window=in_window,
        parent_carers=tuple(sorted(set(detail.carers["parent_carer_id"].to_list()))),
        parent_carers_by_role=detail.carers_by_role,
        findings=tuple(worded),
        funded_place=funded[0] if funded else None,
        funded_places_read="funded_places" in rule_set.sources,
        funded_place_required=rule_set.population.funded_place_required,
        age_group=person["age_group"] if in_window else None,
        eligibility_group=row["eligibility_group"][0] if listed else None,
        group_untested=_group_untested(
            rule_set, row["eligibility_group"][0] if listed else None, worded
        ),
        working_parent_place=WORKING_PARENT in streams,
        already_funded=bool(own),
        rules_note=rule_set.beyond_checked(term_start),
        term_note=rule_set.just_before_a_term(term_start),
        children_counted=_children_counted(tables, found, person_id) if in_window else (),
        link_caution=row["link_caution"][0] if listed else None,
        awards_not_counted=_awards_not_counted(tables, found, person) if in_window else (),
        places_off_term=_places_off_term(tables, found, person_id, places) if in_window else None,
    )


def _places_off_term(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    found: EngineResult,
    person_id: str,
    linked: pl.DataFrame,
) -> str | None:
    """The providers' headcount's places naming the child, linked as the exact pass links
    (`workbench.linkage.link_exact`: forename, surname and date of birth), dated on a day
    that is no term start of the rules and not on the term start given, and not among the
    places `linked` to the child (an earlier term's two-year-old place, so dated, still
    continues the entitlement): in a sentence saying why they did not count, or None. The
    workbench does not guess the term of such a place (the list is the engine's), so this
    only names them (`workbench.runs.emptiness.places_off_term_starts` counts them)."""
    from workbench.eligibility.terms import next_term_start, off_term_start, term_start_days
    from workbench.linkage.exact import link_exact

    rule_set, term = found.rule_set, found.term_start
    if "funded_places" not in rule_set.sources or "funded_places" not in tables:
        return None
    day = pl.col("term_start")
    odd = (
        tables["funded_places"]
        .lazy()
        .filter(
            day.is_not_null(),
            day != term,
            off_term_start(day, rule_set),
            ~pl.col("record_id").is_in(linked["record_id"].implode()),
        )
        .collect()
    )
    if odd.is_empty():
        return None
    links = link_exact({"people": tables["people"].lazy(), "funded_places": odd.lazy()})
    own = (
        links.filter(pl.col("person_id") == person_id, pl.col("band") == LINKED)
        .select("record_id")
        .collect()
        .join(odd, on="record_id")
        .sort("term_start", "record_id")
    )
    if own.is_empty():
        return None
    following = next_term_start(term, rule_set)
    named = [
        f"row {row['record_id']}, a {STREAM_NAMES.get(stream, stream)} place dated "
        f"{long_date(row['term_start'])}"
        + (", within this term" if term <= row["term_start"] < following else "")
        for row in own.iter_rows(named=True)
        for stream in [row["funding_stream"]]
    ]
    starts = [f"{d} {calendar.month_name[m]}" for m, d in term_start_days(rule_set)]
    one = own.height == 1
    whose = "its" if one else "each one's"
    return (
        f"The providers' headcount has {'a place' if one else 'places'} naming the child dated "
        f"on a day that is no term start of the {rule_set.id} rules (terms start on "
        f"{', '.join(starts[:-1])} and {starts[-1]}): {'; '.join(named)}. A place is for the "
        "term whose start it is dated, and the workbench does not guess which term is meant, "
        f"so {'it' if one else 'they'} {'counts' if one else 'count'} for no term: correct "
        f"{whose} term_start in the providers' headcount (to "
        f"{term.isoformat()} for a place of this term) and run again."
    )


def _awards_not_counted(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame], found: EngineResult, person: dict[str, Any]
) -> tuple[str, ...]:
    """The awards of the child's household's adults whose role is blank that would count for
    the child were they parents or carers (`awards_without_role`), in words."""
    from workbench.eligibility.findings import awards_without_role

    if person["household_id"] is None:
        return ()
    rows = awards_without_role(
        tables,
        found.rule_set,
        term_start=found.term_start,
        as_of=found.as_of,
        links=found.links,
        households=[person["household_id"]],
    ).filter(pl.col("person_id") == person["person_id"])
    return tuple(
        f"{row['holder_id']}'s {_benefit(row['benefit'])[1]} (award {row['award_id']}), for "
        f"{row['reason_code']}"
        + ("" if row["status"] == MET else " (possible: its income is missing)")
        for row in rows.iter_rows(named=True)
    )


def _children_counted(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame], found: EngineResult, person_id: str
) -> tuple[str, ...]:
    """What `workbench.eligibility.recount` finds for the child, in sentences: the household
    limits' test that would come out the other way were the household's children counted by
    age rather than by role."""
    from workbench.eligibility.engine import Compiler
    from workbench.eligibility.recount import recount_sentence, recounted

    rule_set = found.rule_set
    if not any(c.kind == "household_limits" for c in rule_set.criteria_in_force(found.term_start)):
        return ()
    compiler = Compiler(
        rule_tables(tables, rule_set), rule_set, found.term_start, found.as_of, only=[person_id]
    )
    rows = recounted(compiler, compiler.children())
    adult_age = rule_set.parent_carers.adult_age_without_role
    return tuple(
        recount_sentence(row, found.as_of, adult_age) for row in rows.iter_rows(named=True)
    )


def explain_person(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    rule_set: RuleSet,
    *,
    person_id: str,
    term_start: date,
    as_of: date,
    links: pl.LazyFrame | pl.DataFrame | None = None,
) -> Explanation:
    """Why `person_id` is or is not on `rule_set`'s list for the term starting `term_start`.

    Parameters
    ----------
    tables
        Canonical typed tables (as `workbench.data.reading.load_folder` gives them), lazy or eager.
    rule_set
        From `workbench.rules.load_rule_set`.
    person_id
        A `person_id` of the people table.
    term_start, as_of
        As for `workbench.eligibility.engine.assessment`: the term targeted and the evidence date.
    links
        As for `assessment` (default: the exact linkage pre-pass).

    Returns
    -------
    Explanation
        `listed`, `tier` and `reason_codes` are those of the person's row in the list that
        `assessment` gives; the findings say, criterion by criterion, what was found.

    Raises
    ------
    UsageError
        The person is not in the people table, or a date is outside the rule set.
    """
    people = rule_tables(tables, rule_set)["people"]
    # Refused before the whole assessment runs.
    if people.filter(pl.col("person_id") == person_id).head(1).collect().is_empty():
        raise _unknown_person(person_id)
    found = assessment(tables, rule_set, term_start=term_start, as_of=as_of, links=links)
    return explain_assessed(found, tables, person_id=person_id)


def _group_untested(
    rule_set: RuleSet, group: str | None, findings: list[Finding]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The groups before `group` whose criteria the child may meet but that could not be
    tested (`Finding.possible`), each with those criteria (free school meals: Universal Credit
    with earnings not recorded is *expanded*, and may be *targeted*)."""
    if group is None:
        return ()
    untested = [f.code for f in findings if f.possible and not f.met]
    found = []
    for each in rule_set.groups:
        if each.name == group:
            break
        codes = tuple(code for code in untested if code in each.codes)
        if codes:
            found.append((each.name, codes))
    return tuple(found)
