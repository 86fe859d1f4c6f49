"""The rule-file schema (pydantic) and the loader.

Every rule file is checked against these models when it is loaded: an unknown field, a missing
reason code, a date in the wrong place or a kind without what it needs is a `RuleFileError`
naming the file and the field. The models also answer the questions the engine and the
`workbench rules` command ask: which criteria are in force on a date, which threshold applies.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from workbench.data.schema import BENEFITS, CHILD_STATUSES, FUNDING_STREAMS, TABLES
from workbench.dates import long_date
from workbench.errors import RuleFileError, UsageError

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

__all__ = [
    "AgeGroup",
    "AgeWindow",
    "Criterion",
    "DatedValue",
    "Funding",
    "Group",
    "HouseholdLimits",
    "RuleSet",
    "available_initiatives",
    "load_rule_set",
    "restricted_sources",
    "rule_file",
    "rules_folder",
]

RULES_FOLDER = Path(__file__).parent
RESTRICTED_SOURCES_FILE = "_restricted_sources.yaml"
Kind = Literal[
    "active_award",
    "award_with_income_test",
    "active_status",
    "status_ever_started",
    "left_care",
    "earlier_funded_place",
    "household_limits",
    "list_match",
]
NEEDS_TABLE = {
    "active_award": "benefits",
    "award_with_income_test": "benefits",
    "active_status": "child_statuses",
    "status_ever_started": "child_statuses",
    "left_care": "child_statuses",
    "earlier_funded_place": "funded_places",
    "household_limits": "households",
}
# What each kind needs besides the common fields (checked when a rule file is loaded).
NEEDS_FIELDS = {
    "active_award": ("benefits",),
    "award_with_income_test": ("benefits", "income", "threshold"),
    "active_status": ("statuses",),
    "status_ever_started": ("statuses",),
    "left_care": ("statuses", "care_statuses", "previous_care_statuses"),
    "earlier_funded_place": ("funding_streams",),
    "household_limits": ("flag", "limits"),
    "list_match": ("matched_list",),
}
# A term start given this many days or fewer before one of the rules' own term starts, and not
# one itself, is warned about (`RuleSet.just_before_a_term`): a school's autumn term starting
# on 31 August is most likely meant as the term the rules start on 1 September.
NOTICE_DAYS = 31
CHILD_ONLY_KINDS = (
    "active_status",
    "status_ever_started",
    "left_care",
    "earlier_funded_place",
    "household_limits",
    "list_match",
)


class _Strict(BaseModel):
    # defer_build: a model's validator is built when a rule file is first checked, as part of
    # the rule set's, not one per class at import.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Reference(_Strict):
    title: str
    url: str


class DatedValue(_Strict):
    """A value that takes effect on `from`; a later entry replaces it; `null` ends it."""

    from_: date = Field(alias="from")
    value: float | None
    reference: str


class InForce(_Strict):
    """The days a criterion or window applies: `from` to `to`, both inclusive."""

    from_: date = Field(alias="from")
    to: date | None = None

    def covers(self, day: date) -> bool:
        return self.from_ <= day and (self.to is None or day <= self.to)


class IncomeLimits(_Strict):
    """An income limit by the number of children in the household."""

    one_child: float = Field(ge=0)
    two_or_more_children: float = Field(ge=0)

    def for_children(self, children: int) -> float:
        return self.one_child if children <= 1 else self.two_or_more_children


class AreaIncomeLimits(_Strict):
    outside_london: IncomeLimits
    london: IncomeLimits


class HouseholdLimits(_Strict):
    """Household income and savings limits taking effect on `from` (a later entry replaces
    them; an entry whose `income` is null ends them). `check` says what the sources leave
    unconfirmed: it is printed beside the figures."""

    from_: date = Field(alias="from")
    income: AreaIncomeLimits | None
    savings: float | None = Field(default=None, ge=0)
    reference: str
    check: str | None = None


class Birthday(_Strict):
    """A window edge: the first of `term_starts` strictly after the child is this old."""

    years: int = Field(ge=0, le=25)
    months: int = Field(default=0, ge=0, le=11)
    term_starts: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _days(self) -> Self:
        for text in self.term_starts:
            try:
                date.fromisoformat(f"2000-{text}")
            except ValueError:
                raise ValueError(f"term start {text!r} is not a day of the year as MM-DD") from None
        return self

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months

    @cached_property
    def month_days(self) -> tuple[tuple[int, int], ...]:
        """The term starts as sorted (month, day) pairs."""
        return tuple(sorted((int(t[:2]), int(t[3:])) for t in self.term_starts))


class AgeWindow(_Strict):
    from_: date = Field(alias="from")
    starts: Birthday
    ends: Birthday
    text: str
    reference: str


class AgeGroup(_Strict):
    """A named part of the age window shown beside each child (e.g. infants in Reception to
    Year 2); a child is in the first group whose `ends` has not come by the term start."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    ends: Birthday | None = None


class Population(_Strict):
    who: Literal["child"] = "child"
    age_windows: list[AgeWindow] = Field(min_length=1)
    funded_place_required: bool = False
    # The funding streams of a place for the term that make a child `already_funded` (the
    # two-year-old offer: only its own stream; a working-parent place is flagged apart).
    already_funded_streams: list[str] = Field(default_factory=lambda: list(FUNDING_STREAMS))
    age_groups: list[AgeGroup] = Field(default_factory=list)

    @model_validator(mode="after")
    def _groups(self) -> Self:
        if self.age_groups:
            *bounded, last = self.age_groups
            if any(g.ends is None for g in bounded) or last.ends is not None:
                raise ValueError(
                    "age_groups: every group but the last needs `ends`; the last has none"
                )
        return self

    def window_on(self, day: date) -> AgeWindow:
        """The age window in force on `day` (the latest that has started)."""
        started = [w for w in self.age_windows if w.from_ <= day]
        if not started:
            first = min(w.from_ for w in self.age_windows)
            raise UsageError(f"no age window is in force on {day}: the first starts on {first}")
        return max(started, key=lambda w: w.from_)


class ParentCarers(_Strict):
    role: str = "parent_carer"
    adult_age_without_role: int = Field(ge=10, le=25)
    text: str


class Criterion(_Strict):
    """One way to qualify, with the reason code a listed child carries when it holds."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    applies_to: Literal["parent_carer", "child"]
    kind: Kind
    text: str
    reference: str
    note: str | None = None
    benefits: list[str] = Field(default_factory=list)
    statuses: list[str] = Field(default_factory=list)
    matched_list: str | None = Field(default=None, alias="list")
    income: Literal["net_earned_income", "gross_income"] | None = None
    comparison: Literal["at_most", "below"] = "at_most"
    threshold: list[DatedValue] = Field(default_factory=list)
    unless_parent_carer_has: list[str] = Field(default_factory=list)
    in_force: InForce | None = None
    missing_income: Literal["possible", "ignore"] = "ignore"
    # left_care: the orders (`statuses`) count only with a care history: a `care_statuses`
    # episode that began before the order, or a `previous_care_statuses` record.
    care_statuses: list[str] = Field(default_factory=list)
    previous_care_statuses: list[str] = Field(default_factory=list)
    missing_care_history: Literal["possible", "ignore"] = "ignore"
    # earlier_funded_place: a linked funded place of these streams for an earlier term.
    funding_streams: list[str] = Field(default_factory=list)
    # household_limits: the households flag that must be true, and the dated limits.
    flag: Literal["no_recourse_to_public_funds"] | None = None
    limits: list[HouseholdLimits] = Field(default_factory=list)
    # Only children in these age groups of the population can meet the criterion.
    age_groups: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        for name in NEEDS_FIELDS[self.kind]:
            if not getattr(self, name):
                raise ValueError(f"a criterion of kind {self.kind!r} needs {name!r}")
        for name in ("benefits", "unless_parent_carer_has"):
            unknown = sorted(set(getattr(self, name)) - set(BENEFITS))
            if unknown:
                raise ValueError(f"{name}: unknown benefit {unknown}; expected one of {BENEFITS}")
        for name in ("statuses", "care_statuses", "previous_care_statuses"):
            unknown = sorted(set(getattr(self, name)) - set(CHILD_STATUSES))
            if unknown:
                raise ValueError(f"{name}: unknown {unknown}; expected one of {CHILD_STATUSES}")
        unknown = sorted(set(self.funding_streams) - set(FUNDING_STREAMS))
        if unknown:
            raise ValueError(f"funding_streams: unknown {unknown}; expected {FUNDING_STREAMS}")
        if self.kind in CHILD_ONLY_KINDS and self.applies_to != "child":
            raise ValueError(f"a criterion of kind {self.kind!r} applies to the child")
        if self.matched_list is not None and self.matched_list not in TABLES:
            raise ValueError(f"list: unknown table {self.matched_list!r}")
        if self.threshold != sorted(self.threshold, key=lambda v: v.from_):
            raise ValueError("threshold: dated values must be in date order")
        if self.limits != sorted(self.limits, key=lambda v: v.from_):
            raise ValueError("limits: dated values must be in date order")
        return self

    def in_force_on(self, day: date) -> bool:
        return self.in_force is None or self.in_force.covers(day)

    def threshold_on(self, day: date) -> float | None:
        """The threshold in force on `day` (None when none has started or the last ended)."""
        started = [v for v in self.threshold if v.from_ <= day]
        return started[-1].value if started else None

    def limits_on(self, day: date) -> HouseholdLimits | None:
        """The household limits in force on `day` (None when none has started or they ended)."""
        started = [v for v in self.limits if v.from_ <= day]
        return started[-1] if started and started[-1].income is not None else None

    @property
    def table(self) -> str:
        if self.kind == "list_match":
            # A list_match criterion names its list (`_complete`).
            assert self.matched_list is not None
            return self.matched_list
        return NEEDS_TABLE[self.kind]

    def sentence(self, day: date) -> str:
        """The plain-English text with the threshold (or limits) of `day` filled in."""
        limit = self.threshold_on(day)
        text = self.text.replace("{threshold}", _pounds(limit) if limit is not None else "?")
        if "{limits}" in text:
            text = text.replace("{limits}", _limits_text(self.limits_on(day)))
        return text


def _pounds(value: float) -> str:
    """`£15,400`, or `£655.50` when there are pence."""
    return f"£{value:,.0f}" if float(value).is_integer() else f"£{value:,.2f}"


def _and(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _limits_text(limits: HouseholdLimits | None) -> str:
    if limits is None:
        return "(no limits in force)"
    income = limits.income
    # `limits_on` gives only limits with an income (an entry without one ends them).
    assert income is not None
    text = (
        f"income of no more than {_pounds(income.outside_london.one_child)} outside London with "
        f"one child ({_pounds(income.outside_london.two_or_more_children)} with two or more), "
        f"{_pounds(income.london.one_child)} in London "
        f"({_pounds(income.london.two_or_more_children)})"
    )
    if limits.savings is not None:
        text += f", and savings of no more than {_pounds(limits.savings)}"
    return text


class Group(_Strict):
    """A named group of reason codes that officers and the statistics keep apart (free school
    meals' *targeted* and *expanded* groups): a listed child is in the first group, in file
    order, any of whose codes it meets (its `eligibility_group`)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    codes: list[str] = Field(min_length=1)
    text: str


class Funding(_Strict):
    """A funding amount tied to the initiative (a rate or a lump sum), dated and sourced."""

    name: str
    unit: str
    values: list[DatedValue] = Field(min_length=1)
    note: str | None = None
    # The last day the amounts were checked for: amounts are set for a financial year (from 1
    # April), so a term in a later year may have another, not yet in the file. Optional.
    checked_through: date | None = None

    def value_on(self, day: date) -> float | None:
        started = [v for v in self.values if v.from_ <= day]
        return started[-1].value if started else None

    def known_on(self, day: date) -> bool:
        """Whether the amount on `day` is one the file was checked for (True when the file
        does not say how far it was checked)."""
        return self.checked_through is None or day <= self.checked_through


class RuleSet(_Strict):
    """An initiative's rules: what the engine compiles and `workbench rules` prints."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str
    title: str
    summary: str
    purpose: str
    valid_from: date
    # The last term start whose rules (and funding) this file was checked against published
    # sources for; a list for a later term warns (`beyond_checked`). Optional: a council's
    # own rule file may leave it out.
    checked_through: date | None = None
    legal_basis: Reference
    references: list[Reference] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    funding: list[Funding] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)
    population: Population
    parent_carers: ParentCarers
    criteria: list[Criterion] = Field(min_length=1)
    tiers: dict[Literal["likely", "possible"], str]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        codes = [c.code for c in self.criteria]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"criteria: reason code(s) used twice: {repeated}")
        unknown = sorted(set(self.sources) - set(TABLES))
        if unknown:
            raise ValueError(
                f"sources: unknown table(s) {unknown}; expected some of {list(TABLES)}"
            )
        for needed in ("people",):
            if needed not in self.sources:
                raise ValueError(f"sources: must include {needed!r}")
        for criterion in self.criteria:
            if criterion.table not in self.sources:
                raise ValueError(
                    f"criterion {criterion.code!r} reads {criterion.table!r}, "
                    f"which is not in this rule set's sources {self.sources}"
                )
        if self.checked_through is not None and self.checked_through < self.valid_from:
            raise ValueError(
                f"checked_through {self.checked_through} is before valid_from {self.valid_from}"
            )
        if self.population.funded_place_required and "funded_places" not in self.sources:
            raise ValueError("population.funded_place_required needs 'funded_places' in sources")
        group_names = {g.name for g in self.population.age_groups}
        for criterion in self.criteria:
            unknown = sorted(set(criterion.age_groups) - group_names)
            if unknown:
                raise ValueError(
                    f"criterion {criterion.code!r}: age_groups {unknown} are not groups of "
                    f"population.age_groups {sorted(group_names)}"
                )
        for group in self.groups:
            unknown = sorted(set(group.codes) - set(codes))
            if unknown:
                raise ValueError(f"groups: {group.name!r} names unknown reason code(s) {unknown}")
        return self

    @property
    def ref(self) -> str:
        """`id@version`, the rule set's name in outputs and manifests."""
        return f"{self.id}@{self.version}"

    def check_date(self, day: date) -> None:
        """Refuse a term start before the rule set's first day: rules are chosen by the term
        being targeted (`term_start`), never by the evidence date."""
        if day < self.valid_from:
            raise UsageError(
                f"the {self.id} rule set starts on {self.valid_from}; got a term starting "
                f"{day}. Earlier rules are not in this rule file."
            )

    def beyond_checked(self, day: date) -> str | None:
        """A sentence when the term starting `day` is later than the last one this rule file
        was checked for (`checked_through`): the law, a threshold or a rate may have changed
        since, and the list would not show it. None when the file covers the term, or does
        not say how far it was checked."""
        if self.checked_through is None or day <= self.checked_through:
            return None
        return (
            f"{self.ref} was checked against published sources for terms starting up to "
            f"{long_date(self.checked_through)}; the term starting {long_date(day)} is later, "
            "so a criterion, threshold or rate may have changed since. Check DfE's current "
            "guidance and, if anything has changed, use an updated rule file (--rules) or a "
            "newer workbench."
        )

    def changes_on(self, day: date) -> list[str]:
        """What the rules change on `day`, in file order: a new age window, criteria coming
        into force or ending, and income thresholds or household limits taking effect, changing
        or ending. Funding amounts are not counted: they do not decide who is listed.

        >>> from workbench.rules import load_rule_set
        >>> load_rule_set("free_school_meals").changes_on(date(2026, 9, 1))
        ['universal_credit and pupil_universal_credit come into force']
        >>> load_rule_set("two_year_old").changes_on(date(2025, 4, 6))
        ['tax_credits_low_income and wtc_run_on end']
        """
        said = [
            "a new age window starts"
            for window in self.population.age_windows[1:]
            if window.from_ == day
        ]
        starting = [c.code for c in self.criteria if c.in_force and c.in_force.from_ == day]
        ending = [
            c.code
            for c in self.criteria
            if c.in_force and c.in_force.to and c.in_force.to + timedelta(days=1) == day
        ]
        for codes, one, many in (
            (starting, "comes into force", "come into force"),
            (ending, "ends", "end"),
        ):
            if codes:
                said.append(f"{_and(codes)} {one if len(codes) == 1 else many}")
        for criterion in self.criteria:
            for earlier, value in zip(
                [None, *criterion.threshold], criterion.threshold, strict=False
            ):
                if value.from_ != day:
                    continue
                if value.value is None:
                    said.append(f"the income limit of {criterion.code} ends")
                else:
                    verb = "starts at" if earlier is None else "becomes"
                    said.append(
                        f"the income limit of {criterion.code} {verb} {_pounds(value.value)}"
                    )
            for earlier_limits, limits in zip(
                [None, *criterion.limits], criterion.limits, strict=False
            ):
                if limits.from_ != day:
                    continue
                verb = (
                    "end"
                    if limits.income is None
                    else "start"
                    if earlier_limits is None or earlier_limits.income is None
                    else "change"
                )
                said.append(f"the household limits of {criterion.code} {verb}")
        return said

    def just_before_a_term(self, day: date) -> str | None:
        """A sentence when `day`, the term start given, is not one of the rules' term starts
        but falls `NOTICE_DAYS` or fewer days before one: the list applies the rules in force
        on `day` and the age window of the term already begun, not those of the term about to
        start, so what the rules change then (free school meals' expansion from 1 September
        2026) and the children whose window opens then (a new Reception year) are left out
        without a word. A school's term that starts on 31 August is most likely meant as the
        term the rules start on 1 September. None otherwise: a term start of the rules is
        taken as given, and a day further from one is a term of its own.

        >>> from workbench.rules import load_rule_set
        >>> load_rule_set("free_school_meals").just_before_a_term(date(2026, 8, 31))[:62]
        'the term start 31 August 2026 is 1 day before 1 September 2026'
        >>> load_rule_set("free_school_meals").just_before_a_term(date(2026, 9, 1)) is None
        True
        """
        starts = self.population.window_on(day).starts.month_days
        if (day.month, day.day) in starts:
            return None
        dates = [
            date(year, m, d) for year in (day.year - 1, day.year, day.year + 1) for m, d in starts
        ]
        following = min(d for d in dates if d > day)
        gap = (following - day).days
        if gap > NOTICE_DAYS:
            return None
        began = max(d for d in dates if d < day)
        named = ", ".join(f"{d} {calendar.month_name[m]}" for m, d in starts)
        changes = [
            f"on {long_date(on)}, {_and(said)}"
            for on in (day + timedelta(days=n) for n in range(1, gap + 1))
            if (said := self.changes_on(on))
        ]
        year = following.year if following.month >= 9 else following.year - 1
        school_year = f"{year}/{(year + 1) % 100:02d}"
        return (
            f"the term start {long_date(day)} is {gap} day{'s' if gap > 1 else ''} before "
            f"{long_date(following)}, a term start of the {self.id} rules ({named}), and is "
            f"not one itself: the list applies the rules in force on {long_date(day)} and the "
            f"age window of the term that started on {long_date(began)}, so the children whose "
            f"window opens on {long_date(following)} are not in it and those whose window "
            "closes then still are"
            + (f"; what the rules change is not applied ({'; '.join(changes)})" if changes else "")
            + ". The rules are chosen by the term start given: if the list is for the term of "
            f"the {school_year} school year that the rules start on {long_date(following)} (a "
            f"school's own term may start a few days earlier), give {following.isoformat()} "
            "as the term start"
        )

    def criteria_in_force(self, day: date) -> list[Criterion]:
        self.check_date(day)
        return [c for c in self.criteria if c.in_force_on(day)]

    def criterion(self, code: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.code == code:
                return criterion
        raise UsageError(f"{self.id} has no criterion {code!r}")


def rules_folder() -> Path:
    """Where the package's rule files are."""
    return RULES_FOLDER


def available_initiatives(folder: Path | None = None) -> list[str]:
    """The initiatives with a rule file, sorted."""
    folder = folder or RULES_FOLDER
    return sorted(p.stem for p in folder.glob("*.yaml") if not p.stem.startswith("_"))


@dataclass(frozen=True)
class Policy:
    """The built-in purpose policy (`_restricted_sources.yaml`), with the commencements a
    council recorded beside its own rule files."""

    purposes: dict[str, dict]
    sources: dict[str, dict]

    def in_force(self, source: str, day: date | None = None) -> bool:
        """Whether a restricted source may be read at all (a switchable one once commenced)."""
        entry = self.sources[source]
        if not entry.get("switchable"):
            return True
        commenced = entry.get("commenced")
        return commenced is not None and (day is None or commenced <= day)

    def check(self, rule_set: RuleSet, path: Path) -> None:
        """Refuse a rule set whose purpose is unknown, or that reads a restricted source for a
        purpose (or as an initiative) the law does not allow."""
        if rule_set.purpose not in self.purposes:
            raise RuleFileError(
                path,
                f"purpose: {rule_set.purpose!r} is not one of the purposes the workbench knows: "
                f"{sorted(self.purposes)}",
            )
        for source in set(rule_set.sources) & set(self.sources):
            entry = self.sources[source]
            allowed = [
                p
                for p in entry["purposes"]
                if rule_set.id in self.purposes[p]["initiatives"] and rule_set.purpose == p
            ]
            if not allowed or not self.in_force(source):
                raise RuleFileError(
                    path,
                    f"sources: {source!r} may be used only for {entry['purposes']} (by the "
                    f"initiatives {self.initiatives(source)}), not by {rule_set.id!r} for purpose "
                    f"{rule_set.purpose!r}. {' '.join(entry['text'].split())}",
                )

    def initiatives(self, source: str) -> list[str]:
        return sorted(
            i for p in self.sources[source]["purposes"] for i in self.purposes[p]["initiatives"]
        )


def restricted_sources(folder: Path | None = None) -> Policy:
    """The purpose policy: always the package's own file. A `_restricted_sources.yaml` in
    `folder` (beside a council's rule files) may only record `commenced: {entry: DATE}` for
    entries the package marks `switchable`; anything else in it is refused."""
    raw = _yaml((RULES_FOLDER / RESTRICTED_SOURCES_FILE).read_text(encoding="utf-8"))
    assert isinstance(raw, dict)  # the package's own policy file, a mapping
    policy = Policy(
        purposes=raw["purposes"], sources={k: dict(v) for k, v in raw["sources"].items()}
    )
    local = (folder or RULES_FOLDER) / RESTRICTED_SOURCES_FILE
    if local.resolve() == (RULES_FOLDER / RESTRICTED_SOURCES_FILE).resolve() or not local.exists():
        return policy
    found = _yaml(local.read_text(encoding="utf-8")) or {}
    if not isinstance(found, dict) or set(found) - {"commenced"}:
        raise RuleFileError(
            local,
            "a local purpose policy may only record `commenced: {entry: DATE}` for a switchable "
            "entry; the package's own policy decides what each source may be used for",
        )
    for name, day in (found.get("commenced") or {}).items():
        if not policy.sources.get(name, {}).get("switchable"):
            raise RuleFileError(local, f"commenced: {name!r} is not a switchable entry")
        if not isinstance(day, date):
            raise RuleFileError(local, f"commenced.{name}: expected a date like 2027-04-01")
        policy.sources[name]["commenced"] = day
    return policy


def _yaml(text: str) -> object:
    """`yaml.safe_load`, with libyaml's parser where PyYAML has it (several times faster)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _where(error: ErrorDetails) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(top level)"


def rule_file(initiative: str | Path, folder: Path | None = None) -> Path:
    """The file an initiative's rules are read from: the path given (a council's own rule
    file), or the initiative's file in `folder` (default: the package's rules)."""
    path = Path(initiative)
    if path.suffix in (".yaml", ".yml"):
        return path
    return (folder or RULES_FOLDER) / f"{initiative}.yaml"


def load_rule_set(initiative: str | Path, folder: Path | None = None) -> RuleSet:
    """Load and validate a rule set by initiative name (a file in `folder`) or by path.

    Raises `UsageError` for an unknown initiative and `RuleFileError` for a file that breaks
    the schema, naming the field; refuses a rule set that would use a restricted source (the
    DWP list) for a purpose the law does not allow.
    """
    path = rule_file(initiative, folder)
    if path != Path(initiative) and not path.exists():
        known = ", ".join(available_initiatives(folder))
        raise UsageError(f"unknown initiative {initiative!r}; expected one of: {known}")
    try:
        raw = _yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RuleFileError(path, f"cannot read the rule file: {error}") from None
    if not isinstance(raw, dict):
        raise RuleFileError(path, f"a rule file is a mapping of fields; got {type(raw).__name__}")
    try:
        rule_set = RuleSet.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise RuleFileError(path, f"{_where(first)}: {first['msg']}{more}") from None
    if rule_set.id != path.stem:
        raise RuleFileError(path, f"id {rule_set.id!r} must match the file name {path.stem!r}")
    restricted_sources(path.parent).check(rule_set, path)
    return rule_set
