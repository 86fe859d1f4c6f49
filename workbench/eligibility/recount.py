"""Children whose no-recourse-to-public-funds test turns on how the people table's roles count
the household's children.

The household limits (no recourse to public funds) differ by the number of children in the
household, and the engine counts the members recorded with role ``child``, of any age
(`workbench.eligibility.engine.Compiler.children_in_households`; without a role column, those
under the rule set's adult age). A brother of 10 recorded as ``other`` (or with no role) is
then not counted, and a family between the one-child and the two-or-more limits is left off
without a word (a tester's case); a member of 20 recorded as ``child`` is counted, and lifts
the household to the higher limit. `recounted` finds, for the children asked about, those whose
household's test would come out the other way were its members counted by age instead: under
the adult age (16) on the evidence date, whatever their role. The list is not changed (the
contract counts by role): `workbench.runs.unrecorded.roles_miscount_children` warns beside it,
and `workbench explain` says it for the child (`recount_sentence`).

Only households with the criterion's flag set are looked at, and only when the limits for one
child and for two or more differ; with none flagged it costs one filter of the households.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl

from workbench.dates import long_date
from workbench.eligibility.engine import ENGINE, household_tests, income_limit
from workbench.eligibility.terms import birthday

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

    from workbench.eligibility.engine import Compiler
    from workbench.rules.model import Criterion, HouseholdLimits

__all__ = [
    "LEFT_OFF",
    "LISTED",
    "RECOUNT_SCHEMA",
    "age_on",
    "households_in_question",
    "member_text",
    "recount_sentence",
    "recounted",
]

LEFT_OFF = "left_off"  # over the limit for the members with role child; within it by age
LISTED = "listed"  # within the limit only because a member with role child is of age
MEMBER = pl.Struct({"person_id": pl.String, "role": pl.String, "age": pl.Int64})
_RECOUNT_COLUMNS: dict[str, PolarsDataType] = {
    "person_id": pl.String,  # the child asked about
    "household_id": pl.String,
    "reason_code": pl.String,
    "change": pl.String,  # LEFT_OFF or LISTED
    "annual_income": pl.Float64,
    "in_london": pl.Boolean,
    "by_role": pl.Int64,  # the children the engine counts (at least the child asked about)
    "limit_by_role": pl.Float64,
    "by_age": pl.Int64,  # the members under the adult age (at least one)
    "limit_by_age": pl.Float64,
    "members": pl.List(MEMBER),  # those counted one way and not the other
}
RECOUNT_SCHEMA = pl.Schema(_RECOUNT_COLUMNS)


def age_on(date_of_birth: date, day: date) -> int:
    """Full years on `day`; a 29 February birthday comes on 1 March in a common year, as the
    engine keeps it (`workbench.eligibility.terms.birthday`).

    >>> age_on(date(2016, 2, 29), date(2026, 2, 28)), age_on(date(2016, 2, 29), date(2026, 3, 1))
    (9, 10)
    """
    before = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before


def recounted(compiler: Compiler, children: pl.LazyFrame) -> pl.DataFrame:
    """For the children of `children` (``person_id``, ``household_id``) whose household has a
    household-limits criterion's flag set and its income recorded: those whose test within the
    limits would come out the other way were the household's children counted by age (its
    members under the rule set's adult age on the evidence date) rather than by role
    (`RECOUNT_SCHEMA`, sorted by person and reason code), each with the members counted one
    way and not the other. Empty when the people table has no role column (the engine then
    counts by age already)."""
    people = compiler.tables["people"]
    if "role" not in people.collect_schema() or "households" not in compiler.tables:
        return pl.DataFrame(schema=RECOUNT_SCHEMA)
    adult_age = compiler.rule_set.parent_carers.adult_age_without_role
    found = [pl.DataFrame(schema=RECOUNT_SCHEMA)]
    for criterion, limits in _counted_limits(compiler):
        savings = ["savings"] if limits.savings is not None else []
        flagged = (
            _in_question(compiler, criterion, limits)
            .select("household_id", "annual_income", "in_london", *savings)
            .collect(engine=ENGINE)
        )
        if flagged.is_empty():  # the usual case: one filter of the households
            continue
        theirs = (
            children.select("person_id", "household_id")
            .join(flagged.lazy(), on="household_id")
            .collect(engine=ENGINE)
        )
        if theirs.is_empty():
            continue
        young = birthday(pl.col("date_of_birth"), 12 * adult_age) > compiler.as_of
        members = (
            people.join(theirs.lazy().select("household_id").unique(), on="household_id")
            .select("person_id", "household_id", "role", "date_of_birth")
            .with_columns(
                young.alias("young"), (pl.col("role") == "child").fill_null(False).alias("child")
            )
            .collect(engine=ENGINE)
        )
        counts = members.group_by("household_id").agg(
            pl.col("child").sum().cast(pl.Int64).alias("by_role"),
            pl.col("young").sum().cast(pl.Int64).alias("by_age"),
        )
        within, _ = household_tests(limits)
        # The engine's own test, once with its count (role child, at least the child asked
        # about) and once with the members under the adult age (at least one).
        tested = (
            theirs.join(counts, on="household_id", how="left")
            .with_columns(
                pl.max_horizontal(pl.col(c).fill_null(0), 1).alias(c) for c in ("by_role", "by_age")
            )
            .with_columns(pl.col("by_role").alias("household_children"))
            .with_columns(income_limit(limits).alias("limit_by_role"), within.alias("by_role_in"))
            .with_columns(pl.col("by_age").alias("household_children"))
            .with_columns(income_limit(limits).alias("limit_by_age"), within.alias("by_age_in"))
            .filter(pl.col("by_role_in") != pl.col("by_age_in"))
            .with_columns(
                pl.when("by_age_in")
                .then(pl.lit(LEFT_OFF))
                .otherwise(pl.lit(LISTED))
                .alias("change")
            )
        )
        if tested.is_empty():
            continue
        # Left off: the young members not recorded as children; listed: the members recorded
        # as children who are of age.
        odd = members.filter(pl.col("young") != pl.col("child"))
        odd = odd.with_columns(
            pl.Series("age", [age_on(b, compiler.as_of) for b in odd["date_of_birth"]], pl.Int64),
            pl.when("young").then(pl.lit(LEFT_OFF)).otherwise(pl.lit(LISTED)).alias("change"),
        )
        named = (
            odd.sort("person_id")
            .group_by("household_id", "change")
            .agg(pl.struct("person_id", "role", "age").alias("members"))
        )
        found.append(
            tested.join(named, on=["household_id", "change"], how="left")
            .with_columns(pl.lit(criterion.code).alias("reason_code"))
            .select(RECOUNT_SCHEMA.names())
            .cast(RECOUNT_SCHEMA)
        )
    return pl.concat(found).sort("person_id", "reason_code")


def households_in_question(compiler: Compiler) -> pl.LazyFrame:
    """The ids of the households whose test the count of children could change: a
    household-limits criterion's flag set and an income recorded between the lowest and the
    highest of its income limits (and the limits for one child and for two or more differ)."""
    frames = [
        _in_question(compiler, criterion, limits).select("household_id")
        for criterion, limits in _counted_limits(compiler)
    ]
    return (
        pl.concat(frames).unique() if frames else pl.LazyFrame(schema={"household_id": pl.String})
    )


def _counted_limits(compiler: Compiler) -> list[tuple[Criterion, HouseholdLimits]]:
    """The household-limits criteria in force whose income limits differ by the number of
    children, each with its limits."""
    found = []
    for criterion in compiler.criteria:
        limits = criterion.limits_on(compiler.term_start)
        if criterion.kind != "household_limits" or limits is None or limits.income is None:
            continue
        areas = (limits.income.outside_london, limits.income.london)
        if any(area.one_child != area.two_or_more_children for area in areas):
            found.append((criterion, limits))
    return found


def _in_question(compiler: Compiler, criterion: Criterion, limits: HouseholdLimits) -> pl.LazyFrame:
    """The households with the criterion's flag set and an income that some count of children
    puts within the limit and another over it."""
    assert criterion.flag is not None and limits.income is not None  # `_counted_limits`
    areas = (limits.income.outside_london, limits.income.london)
    values = [v for area in areas for v in (area.one_child, area.two_or_more_children)]
    income = pl.col("annual_income")
    return compiler.tables["households"].filter(
        pl.col(criterion.flag).fill_null(False), income > min(values), income <= max(values)
    )


def member_text(member: Mapping[str, Any], change: str) -> str:
    """A member counted one way and not the other, as a warning names them: `S4, role other,
    aged 10` (not counted), `P9, counted as a child though aged 20`."""
    if change == LISTED:
        return f"{member['person_id']}, counted as a child though aged {member['age']}"
    role = f"role {member['role']}" if member["role"] else "no role"
    return f"{member['person_id']}, {role}, aged {member['age']}"


def recount_sentence(row: Mapping[str, Any], as_of: date, adult_age: int) -> str:
    """What `recounted` found for one child (a row of it), in a sentence for `workbench
    explain`; `adult_age` is the rule set's (`parent_carers.adult_age_without_role`).

    >>> row = {"reason_code": "no_recourse_to_public_funds", "change": LEFT_OFF,
    ...     "annual_income": 30000.0, "by_role": 1, "limit_by_role": 26500.0,
    ...     "by_age": 2, "limit_by_age": 30600.0,
    ...     "members": [{"person_id": "S4", "role": "other", "age": 10}]}
    >>> print(recount_sentence(row, date(2026, 8, 1), 16))  # doctest: +NORMALIZE_WHITESPACE
    Children counted (no_recourse_to_public_funds): the household's income of £30,000 is over
    the £26,500 limit for 1 child, counting the members with role child, but within the
    £30,600 limit for 2 children if its members under 16 on 1 August 2026 were counted,
    whatever their role (S4, role other, aged 10, is not counted). Check the people table's
    roles and run again.
    """
    members = row["members"] or []
    named = "; ".join(member_text(m, row["change"]) for m in members)
    verb = "is" if len(members) == 1 else "are"
    income = _money(row["annual_income"])
    by_role = f"{_money(row['limit_by_role'])} limit for {_children(row['by_role'])}"
    by_age = f"{_money(row['limit_by_age'])} limit for {_children(row['by_age'])}"
    under = f"its members under {adult_age} on {long_date(as_of)}"
    if row["change"] == LEFT_OFF:
        found = (
            f"the household's income of {income} is over the {by_role}, counting the members "
            f"with role child, but within the {by_age} if {under} were counted, whatever their "
            f"role ({named}, {verb} not counted)"
        )
    else:
        found = (
            f"the household's income of {income} is within the {by_role}, counting the members "
            f"with role child, but over the {by_age} if only {under} were counted ({named})"
        )
    return (
        f"Children counted ({row['reason_code']}): {found}. Check the people table's roles and "
        "run again."
    )


def _children(count: int) -> str:
    return "1 child" if count == 1 else f"{count} children"


def _money(value: float) -> str:
    """`£30,000`, or `£30,000.50` when there are pence."""
    return f"£{value:,.0f}" if float(value).is_integer() else f"£{value:,.2f}"
