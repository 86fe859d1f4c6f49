"""Why a person is or is not on an initiative's list, criterion by criterion (`workbench explain`).

The list itself comes from the engine: `explain_person` runs
`workbench.eligibility.engine.assessment`
and reads the person's row, so `listed`, `tier` and `reason_codes` are always what the list
says. The detail beside it (the age window, the parents and carers, and one finding per
criterion of the rule set, met or not and why) is rebuilt from the person's own household with
small filters, in words an early years officer can read: which award proves a criterion, which
income was over which limit, which award had ended, which rule was not in force.

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

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from workbench.eligibility.engine import (
    CARE_HISTORY_MISSING,
    CLERICAL,
    INCOME_MISSING,
    LINKED,
    MET,
    WORKING_PARENT,
    EngineResult,
    active_on,
    age_group_on,
    assessment,
    findings,
    rule_tables,
)
from workbench.eligibility.terms import birthday, opens
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


def _day(value: date) -> str:
    """`1 September 2026`."""
    return f"{value.day} {value:%B %Y}"


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

    def why_not_listed(self) -> list[str]:
        """The reasons a person is not listed (empty when listed)."""
        if self.listed:
            return []
        reasons = []
        if not self.in_window:
            reasons.append("outside the age window")
        if not any(f.met or f.possible for f in self.findings):
            reasons.append("no criterion is met")
        if self.funded_place_required and self.funded_place is None:
            reasons.append("no funded place for the term")
        return reasons or ["no criterion is met"]

    def to_text(self) -> str:
        """The explanation in plain English, one statement a line."""
        lines = [
            self._headline(),
            f"Rules in force for the term starting {_day(self.term_start)} (rule set "
            f"{self.rule_set}); evidence as on {_day(self.as_of)}.",
        ]
        lines += [self._age_line(), self._carers_line()]
        if self.funded_places_read:
            lines.append(self._funded_line())
        if self.eligibility_group:
            lines.append(f"Group: {self.eligibility_group}.")
        lines += [f"{f.mark} {f.code}: {f.status}." for f in self.findings]
        return "\n".join(lines)

    def _headline(self) -> str:
        who = "Child" if self.is_child else "Person"
        start = (
            f"{who} {self.person_id} (born {_day(self.date_of_birth)}) is "
            f"{'' if self.listed else 'not '}listed for the term starting {_day(self.term_start)}"
        )
        if self.listed:
            return f"{start}: tier {self.tier}."
        return f"{start}: {' and '.join(self.why_not_listed())}."

    def _age_line(self) -> str:
        if self.in_window:
            group = f" (age group {self.age_group})" if self.age_group else ""
            return (
                f"Age: in the window from {_day(self.eligible_from)} to "
                f"{_day(self.eligible_to)}{group}."
            )
        if self.eligible_from > self.term_start:
            return (
                f"Age: not yet in the window on {_day(self.term_start)}; "
                f"it opens on {_day(self.eligible_from)}."
            )
        return (
            f"Age: past the window on {_day(self.term_start)}; "
            f"it closed on {_day(self.eligible_to)}."
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
        term = f"the term starting {_day(self.term_start)}"
        if self.working_parent_place and not self.already_funded:
            return (
                f"Funded place: on a working-parent place (row {self.funded_place}) for {term}; "
                "the disadvantaged 15 hours come first, so the child is not already funded "
                "under this offer."
            )
        if self.funded_place is not None:
            return f"Funded place: matched to funded-place row {self.funded_place} for {term}."
        if self.funded_place_required:
            return (
                f"Funded place: none matched for {term}; this initiative lists only children "
                "with a funded place."
            )
        return f"Funded place: none matched for {term}."


@dataclass(frozen=True)
class _Household:
    """What the findings read: the person, their parents and carers, awards, statuses, links."""

    person_id: str
    parent_carers: tuple[str, ...]
    awards: pl.DataFrame  # of the person and their parents and carers, with `active`
    statuses: pl.DataFrame  # of the person, with `active`
    links: pl.DataFrame  # of the person (from the assessment)
    as_of: date
    term_start: date
    places: pl.DataFrame  # the person's linked funded places: record_id, term_start, stream
    household: dict[str, Any] | None  # the households row, with `household_children`
    age_group: str | None


def _person_row(people: pl.LazyFrame, person_id: str) -> dict[str, Any]:
    rows = people.filter(pl.col("person_id") == person_id).head(1).collect()
    if rows.is_empty():
        raise UsageError(
            f"no person {person_id!r} in people: expected a person_id from the people table. "
            "Check the id, and whether its row was quarantined (`workbench validate`)."
        )
    return rows.row(0, named=True)


def _parent_carers(
    people: pl.LazyFrame, rule_set: RuleSet, person: dict[str, Any], as_of: date
) -> tuple[tuple[str, ...], bool]:
    """The parents and carers as the engine finds them, and whether roles decided it."""
    rule = rule_set.parent_carers
    household = people.filter(
        (pl.col("household_id") == person["household_id"])
        & (pl.col("person_id") != person["person_id"])
    )
    by_role = "role" in people.collect_schema()
    if by_role:
        carers = household.filter(pl.col("role") == rule.role)
    else:
        carers = household.filter(
            birthday(pl.col("date_of_birth"), 12 * rule.adult_age_without_role) <= as_of
        )
    ids = carers.select("person_id").collect().to_series().unique().sort()
    return tuple(ids.to_list()), by_role


def _household(
    data: dict[str, pl.LazyFrame], found: EngineResult, person: dict[str, Any]
) -> tuple[_Household, bool]:
    carers, by_role = _parent_carers(data["people"], found.rule_set, person, found.as_of)
    person_id = person["person_id"]
    active = active_on(found.as_of).alias("active")
    awards = (
        data["benefits"]
        .filter(pl.col("person_id").is_in([person_id, *carers]))
        .with_columns(active)
        .sort("award_id")
        .collect()
        if "benefits" in data
        else pl.DataFrame()
    )
    statuses = (
        data["child_statuses"]
        .filter(pl.col("person_id") == person_id)
        .with_columns(active)
        .sort("status_id")
        .collect()
        if "child_statuses" in data
        else pl.DataFrame()
    )
    links = found.links.filter(pl.col("person_id") == person_id).sort("source", "record_id")
    linked = links.filter((pl.col("source") == "funded_places") & (pl.col("band") == LINKED))
    places = (
        data["funded_places"]
        .filter(pl.col("record_id").is_in(linked["record_id"].to_list()))
        .select("record_id", "term_start", "funding_stream")
        .sort("term_start", "record_id")
        .collect()
        if "funded_places" in data
        else pl.DataFrame(schema={"record_id": pl.String, "term_start": pl.Date})
    )
    household = None
    if "households" in data:
        rows = data["households"].filter(pl.col("household_id") == person["household_id"])
        found_rows = rows.collect()
        if found_rows.height:
            household = found_rows.row(0, named=True)
            household["household_children"] = _children_in_household(
                data["people"], found.rule_set, person["household_id"], found.as_of
            )
    age_group = age_group_on(found.rule_set, person["date_of_birth"], found.term_start)
    house = _Household(
        person_id,
        carers,
        awards,
        statuses,
        links,
        found.as_of,
        found.term_start,
        places,
        household,
        age_group,
    )
    return house, by_role


def _children_in_household(
    people: pl.LazyFrame, rule_set: RuleSet, household_id: str, as_of: date
) -> int:
    """The household's children, counted as the engine counts them."""
    members = people.filter(pl.col("household_id") == household_id)
    if "role" in people.collect_schema():
        young = pl.col("role") == "child"
    else:
        adult = birthday(
            pl.col("date_of_birth"), 12 * rule_set.parent_carers.adult_age_without_role
        )
        young = adult > as_of
    # The child explained is one of them, whatever its role says.
    return max(members.filter(young).select(pl.len()).collect().item(), 1)


# --- one finding per criterion ----------------------------------------------------------------


def _whose(row: dict[str, Any], house: _Household) -> str:
    if row["person_id"] == house.person_id:
        return "the child"
    return f"parent/carer {row['person_id']}"


def _gets(row: dict[str, Any], house: _Household, also: str = "") -> str:
    """`parent/carer P8 gets Universal Credit (award A3)`."""
    name = _benefit(row["benefit"])[1]
    return f"{_whose(row, house)} {also}gets {name} (award {row['award_id']})"


def _inactive(rows: pl.DataFrame, house: _Household) -> str:
    """`: award A5 of parent/carer P8 ended on 31 July 2026` for awards not active, or ''."""
    notes = []
    for row in rows.filter(~pl.col("active")).iter_rows(named=True):
        is_award = "award_id" in row
        record = row["award_id"] if is_award else row["status_id"]
        whose = f" of {_whose(row, house)}" if is_award else ""
        kind = "award" if is_award else "record"
        if row["start_date"] > house.as_of:
            notes.append(f"{kind} {record}{whose} starts on {_day(row['start_date'])}")
        else:
            notes.append(f"{kind} {record}{whose} ended on {_day(row['end_date'])}")
    return ": " + "; ".join(notes) if notes else ""


def _no_award(criterion: Criterion, rows: pl.DataFrame, house: _Household, child: bool) -> str:
    """`no parent or carer has an Income Support award active on ...`, with the inactive ones."""
    article = _benefit(criterion.benefits[0])[0]
    names = _or([_benefit(b)[1] for b in criterion.benefits])
    who = "the child has no" if child else f"no parent or carer has {article}"
    return f"{who} {names} award active on {_day(house.as_of)}" + _inactive(rows, house)


def _income_outcome(
    criterion: Criterion, row: dict[str, Any], limit: float | None, house: _Household
) -> tuple[str, str]:
    """("met" | "not_met" | "income_missing", sentence) for one award under an income test."""
    income, value = INCOME_NAMES[criterion.income], row[criterion.income]
    gets = _gets(row, house)
    if value is None:
        then = (
            "so the income test cannot be applied: ask the family"
            if criterion.missing_income == "possible"
            else "and this rule set does not count an award whose income is missing"
        )
        return "income_missing", f"{gets} but the {income} is missing, {then}"
    if limit is None:
        return "not_met", f"{gets}, but the income limit has ended, so no income can meet it"
    at_most = criterion.comparison == "at_most"
    if value <= limit if at_most else value < limit:
        bound = "at or under" if at_most else "under"
        return "met", f"{gets} with {income} of {_money(value)}, {bound} the {_money(limit)} limit"
    over = "above" if value > limit else "not under"
    return "not_met", f"{gets} with {income} of {_money(value)}, {over} the {_money(limit)} limit"


def _parent_finding(criterion: Criterion, house: _Household) -> Finding:
    """A parent's or carer's award criterion (or, for a criterion of the child's own awards
    with an income test, the child's)."""
    code = criterion.code
    holders = list(house.parent_carers) if criterion.applies_to == "parent_carer" else []
    if criterion.applies_to == "child":
        holders = [house.person_id]
    carers = pl.col("person_id").is_in(holders)
    rows = house.awards.filter(carers & pl.col("benefit").is_in(criterion.benefits))
    held = rows.filter(pl.col("active"))
    if held.is_empty():
        child = criterion.applies_to == "child"
        return Finding(code, False, _no_award(criterion, rows, house, child=child))
    barred = house.awards.filter(
        carers & pl.col("active") & pl.col("benefit").is_in(criterion.unless_parent_carer_has)
    )
    if not barred.is_empty():
        gets = "; ".join(_gets(r, house) for r in held.iter_rows(named=True))
        bars = "; ".join(_gets(r, house, "also ") for r in barred.iter_rows(named=True))
        return Finding(code, False, f"{gets}, but {bars}, which rules this criterion out")
    if criterion.kind == "active_award":
        return Finding(code, True, "; ".join(_gets(r, house) for r in held.iter_rows(named=True)))
    limit = criterion.threshold_on(house.term_start)
    outcomes = [_income_outcome(criterion, r, limit, house) for r in held.iter_rows(named=True)]
    met = [text for outcome, text in outcomes if outcome == "met"]
    if met:
        return Finding(code, True, "; ".join(met))
    missing = criterion.missing_income == "possible" and any(
        outcome == "income_missing" for outcome, _ in outcomes
    )
    return Finding(code, False, "; ".join(text for _, text in outcomes), possible=missing)


def _child_award_finding(criterion: Criterion, house: _Household) -> Finding:
    rows = house.awards.filter(
        (pl.col("person_id") == house.person_id) & pl.col("benefit").is_in(criterion.benefits)
    )
    held = rows.filter(pl.col("active"))
    if held.is_empty():
        return Finding(criterion.code, False, _no_award(criterion, rows, house, child=True))
    status = "; ".join(_gets(r, house) for r in held.iter_rows(named=True))
    return Finding(criterion.code, True, status)


def _status_finding(criterion: Criterion, house: _Household) -> Finding:
    rows = house.statuses.filter(pl.col("status").is_in(criterion.statuses))
    if criterion.kind == "active_status":
        counted = rows.filter(pl.col("active"))
        when = f"active on {_day(house.as_of)}"
        others = rows
    else:
        counted = rows.filter(pl.col("start_date") <= house.as_of)
        when = f"that started on or before {_day(house.as_of)}"
        others = rows.filter(pl.col("start_date") > house.as_of)
    if counted.is_empty():
        names = _or([STATUS_NAMES.get(s, s) for s in criterion.statuses])
        return Finding(
            criterion.code,
            False,
            f"the child has no record of {names} {when}" + _inactive(others, house),
        )
    found = []
    for row in counted.iter_rows(named=True):
        name = STATUS_NAMES.get(row["status"], row["status"])
        found.append(
            f"the child has a record of {name} (record {row['status_id']}, "
            f"from {_day(row['start_date'])})"
        )
    return Finding(criterion.code, True, "; ".join(found))


def _list_finding(criterion: Criterion, house: _Household) -> Finding:
    name = LIST_NAMES.get(criterion.matched_list, f"the {criterion.matched_list} table")
    rows = house.links.filter(pl.col("source") == criterion.matched_list)
    linked = rows.filter(pl.col("band") == LINKED)["record_id"].to_list()
    if linked:
        return Finding(criterion.code, True, f"the child is matched to row {linked[0]} of {name}")
    clerical = rows.filter(pl.col("band") == CLERICAL)["record_id"].to_list()
    if clerical:
        return Finding(
            criterion.code,
            False,
            f"a possible match to row {clerical[0]} of {name} awaits review; "
            "it counts only once a person confirms it",
        )
    return Finding(criterion.code, False, f"the child is not matched to any row of {name}")


def _record(row: dict[str, Any]) -> str:
    """`an adoption order (record S4, from 3 March 2025)`."""
    name = STATUS_NAMES.get(row["status"], row["status"].replace("_", " "))
    return f"{name} (record {row['status_id']}, from {_day(row['start_date'])})"


def _left_care_finding(criterion: Criterion, house: _Household) -> Finding:
    """An order with the care history the engine asks for, or what is missing."""
    code = criterion.code
    statuses = house.statuses
    orders = statuses.filter(
        pl.col("status").is_in(criterion.statuses) & (pl.col("start_date") <= house.as_of)
    )
    if orders.is_empty():
        names = _or([STATUS_NAMES.get(s, s) for s in criterion.statuses])
        later = statuses.filter(pl.col("status").is_in(criterion.statuses))
        return Finding(
            code,
            False,
            f"the child has no record of {names} that started on or before "
            f"{_day(house.as_of)}" + _inactive(later, house),
        )
    earlier = statuses.filter(
        pl.col("status").is_in(criterion.previous_care_statuses)
        & (pl.col("start_date") <= house.as_of)
    ).rows(named=True)
    care = statuses.filter(pl.col("status").is_in(criterion.care_statuses)).rows(named=True)
    met, missing = [], []
    for order in orders.iter_rows(named=True):
        before = [c for c in care if c["start_date"] < order["start_date"]]
        history = before + earlier
        if history:
            how = "; ".join(_record(c) for c in history)
            met.append(f"the child has {_record(order)} and was looked after before it: {how}")
            continue
        after = [c for c in care if c["start_date"] >= order["start_date"]]
        note = (
            f" (a care episode began on {_day(after[0]['start_date'])}, not before the order)"
            if after
            else ""
        )
        missing.append(
            f"the child has {_record(order)} but no record that the child was looked after "
            f"before it{note}: check the care history"
        )
    if met:
        return Finding(code, True, "; ".join(met))
    possible = criterion.missing_care_history == "possible"
    return Finding(code, False, "; ".join(missing), possible=possible)


def _earlier_place_finding(criterion: Criterion, house: _Household) -> Finding:
    streams = " or ".join(STREAM_NAMES.get(s, s) for s in criterion.funding_streams)
    earlier = house.places.filter(
        (pl.col("term_start") < house.term_start)
        & pl.col("funding_stream").is_in(criterion.funding_streams)
    )
    if earlier.is_empty():
        return Finding(
            criterion.code, False, f"the child had no funded {streams} place in an earlier term"
        )
    found = "; ".join(
        f"the term starting {_day(row['term_start'])} (row {row['record_id']})"
        for row in earlier.iter_rows(named=True)
    )
    return Finding(
        criterion.code,
        True,
        f"the child had a funded {streams} place for {found}: the entitlement continues",
    )


def _household_finding(criterion: Criterion, house: _Household) -> Finding:
    """The household's flag, income and savings against the limits of the term."""
    code, row = criterion.code, house.household
    if row is None or not row.get(criterion.flag):
        where = "no household record" if row is None else "the household record does not say"
        return Finding(code, False, f"{where} that the family has no recourse to public funds")
    limits = criterion.limits_on(house.term_start)
    if limits is None:
        return Finding(code, False, "no income limits are in force for this term")
    london = bool(row.get("in_london"))
    area = limits.income.london if london else limits.income.outside_london
    children = row["household_children"]
    limit = area.for_children(children)
    place = "in London" if london else "outside London"
    kids = "one child" if children <= 1 else f"{children} children"
    income, savings = row.get("annual_income"), row.get("savings")
    parts, over, unknown = [], False, False
    if income is None:
        parts.append("the household's income is not recorded")
        unknown = True
    else:
        within = income <= limit
        over = over or not within
        parts.append(
            f"household income {_money(income)} is {'within' if within else 'above'} the "
            f"{_money(limit)} limit for a household {place} with {kids}"
        )
    if limits.savings is not None:
        if savings is None:
            parts.append("savings are not recorded")
            unknown = True
        else:
            within = savings <= limits.savings
            over = over or not within
            parts.append(
                f"savings of {_money(savings)} are {'within' if within else 'above'} the "
                f"{_money(limits.savings)} limit"
            )
    text = "the family has no recourse to public funds; " + "; ".join(parts)
    if over:
        return Finding(code, False, text)
    if unknown:
        possible = criterion.missing_income == "possible"
        return Finding(code, False, text + ": ask the family", possible=possible)
    return Finding(code, True, text)


def _finding(criterion: Criterion, house: _Household) -> Finding:
    if not criterion.in_force_on(house.term_start):
        span = criterion.in_force
        until = f" to {_day(span.to)}" if span.to else ""
        return Finding(
            criterion.code,
            False,
            f"not in force for the term starting {_day(house.term_start)} (it applies from "
            f"{_day(span.from_)}{until})",
        )
    if criterion.age_groups and house.age_group not in criterion.age_groups:
        groups = _or(criterion.age_groups)
        return Finding(
            criterion.code,
            False,
            f"applies only in the age group {groups}; the child is in "
            f"{house.age_group or 'no age group'} for this term",
        )
    if criterion.applies_to == "parent_carer" or criterion.kind == "award_with_income_test":
        return _parent_finding(criterion, house)
    kinds = {
        "active_award": _child_award_finding,
        "list_match": _list_finding,
        "left_care": _left_care_finding,
        "earlier_funded_place": _earlier_place_finding,
        "household_limits": _household_finding,
    }
    return kinds.get(criterion.kind, _status_finding)(criterion, house)


# --- the public functions ---------------------------------------------------------------------


def _window(
    rule_set: RuleSet, person: dict[str, Any], term_start: date, as_of: date
) -> tuple[date, date, bool]:
    """(eligible_from, eligible_to, is_child) by the window in force for the term, as the
    engine; `is_child` is judged on the evidence date."""
    window = rule_set.population.window_on(term_start)
    dob = pl.lit(person["date_of_birth"], pl.Date)
    adult = birthday(dob, 12 * rule_set.parent_carers.adult_age_without_role)
    return pl.select(
        opens(dob, window.starts).alias("eligible_from"),
        opens(dob, window.ends).alias("eligible_to"),
        (adult > pl.lit(as_of)).alias("young"),
    ).row(0)


POSSIBLE_STATUSES = (INCOME_MISSING, CARE_HISTORY_MISSING)


def _engine_findings(
    found: EngineResult,
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    rule_set: RuleSet,
    person_id: str,
    house: _Household,
) -> tuple[Finding, ...]:
    """One finding per criterion: met, possible or not as the engine finds it
    (`workbench.eligibility.engine.findings`, the list's own compiled criteria), worded from
    the person's household. Should the words ever judge a criterion otherwise than the engine,
    the engine's verdict stands and the sentence says so."""
    verdicts = findings(
        tables,
        rule_set,
        person_ids=[person_id],
        term_start=found.term_start,
        as_of=found.as_of,
        links=found.links,
    )
    status = dict(zip(verdicts["reason_code"], verdicts["status"], strict=True))
    out = []
    for criterion in rule_set.criteria:
        worded = _finding(criterion, house)
        verdict = status[criterion.code]
        met, possible = verdict == MET, verdict in POSSIBLE_STATUSES
        text = worded.status
        if (met, possible) != (worded.met, worded.possible):
            text += f" (the engine finds this criterion {verdict.replace('_', ' ')})"
        out.append(Finding(criterion.code, met, text, possible=possible))
    return tuple(out)


def explain_assessed(
    found: EngineResult, tables: Mapping[str, pl.LazyFrame | pl.DataFrame], *, person_id: str
) -> Explanation:
    """Explain one person from an assessment already run on `tables` (many people, one run).

    `found` must come from `workbench.eligibility.engine.assessment` on the same `tables`; the rule
    set, term start and evidence date are its own.
    """
    rule_set, term_start = found.rule_set, found.term_start
    data = rule_tables(tables, rule_set)
    person = _person_row(data["people"], person_id)
    house, by_role = _household(data, found, person)
    eligible_from, eligible_to, young = _window(rule_set, person, term_start, found.as_of)
    in_window = eligible_from <= term_start < eligible_to
    row = found.candidates.filter(pl.col("person_id") == person_id)
    listed = not row.is_empty()
    this_term = house.places.filter(pl.col("term_start") == term_start)
    funded = this_term["record_id"].to_list()
    streams = this_term["funding_stream"].to_list() if funded else []
    own = [s for s in streams if s in rule_set.population.already_funded_streams]
    return Explanation(
        person_id=person_id,
        initiative=rule_set.id,
        rule_set=rule_set.ref,
        date_of_birth=person["date_of_birth"],
        is_child=in_window or young or person.get("role") == "child",
        term_start=term_start,
        as_of=found.as_of,
        listed=listed,
        tier=row["tier"][0] if listed else None,
        reason_codes=tuple(row["reason_codes"][0]) if listed else (),
        eligible_from=eligible_from,
        eligible_to=eligible_to,
        in_window=in_window,
        parent_carers=house.parent_carers,
        parent_carers_by_role=by_role,
        findings=_engine_findings(found, tables, rule_set, person_id, house),
        funded_place=funded[0] if funded else None,
        funded_places_read="funded_places" in rule_set.sources,
        funded_place_required=rule_set.population.funded_place_required,
        age_group=house.age_group if in_window else None,
        eligibility_group=row["eligibility_group"][0] if listed else None,
        working_parent_place=WORKING_PARENT in streams,
        already_funded=bool(own),
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
    data = rule_tables(tables, rule_set)
    _person_row(data["people"], person_id)
    found = assessment(tables, rule_set, term_start=term_start, as_of=as_of, links=links)
    return explain_assessed(found, tables, person_id=person_id)
