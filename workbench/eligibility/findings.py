"""Criterion by criterion, for the people asked about: the engine's verdict and the records
behind it, met or not and why.

`findings` gives the verdicts: one row per person and criterion of the rule set, ``met``,
possible (``income_missing``, ``care_history_missing``, ``place_to_review``), ``not_met`` or
``not_in_force``, with
the evidence of a criterion met or possible. `findings_in_detail` adds everything
`workbench explain` puts into words, so that explaining never judges anything itself:

- ``people``: each person's age window on the term start, age group, and whether an adult;
- ``carers``: the parents and carers the engine found for each person;
- ``places``: the funded places linked to each person, in every term read;
- ``records``: for each criterion in force, every record the criterion looked at (awards of
  the benefits it names, held by the right people, active or not; statuses; list and place
  links; the household's record) with its ``outcome`` (`OUTCOMES`): why it counts, or why not.

The verdicts and the records come from one `workbench.eligibility.engine.Compiler`, with the
engine's own expressions (`active_on`, `income_passes`, `household_tests`), so that a record
``met`` is exactly a piece of the list's evidence.

Example
-------
>>> from datetime import date
>>> import polars as pl
>>> from workbench.rules import load_rule_set
>>> people = pl.LazyFrame({"person_id": ["P1", "P2"], "household_id": ["H1", "H1"],
...     "forename": ["Ada", "Mo"], "surname": ["Lee", "Lee"],
...     "date_of_birth": [date(1990, 5, 1), date(2024, 3, 2)]})
>>> benefits = pl.LazyFrame({"award_id": ["A1", "A2"], "person_id": ["P1", "P1"],
...     "benefit": ["income_support", "universal_credit"],
...     "start_date": [date(2025, 1, 6), date(2025, 1, 6)], "end_date": [None, None],
...     "net_earned_income": [None, 16000.0]},
...     schema_overrides={"end_date": pl.Date})
>>> found = findings_in_detail({"people": people, "benefits": benefits},
...     load_rule_set("two_year_old"), person_ids=["P2"],
...     term_start=date(2026, 9, 1), as_of=date(2026, 8, 1))
>>> found.verdicts.filter(pl.col("status") == "met")["reason_code"].to_list()
['income_support']
>>> found.records.select("reason_code", "record_id", "amount", "limit", "outcome").rows()
[('income_support', 'A1', None, None, 'met'), ('universal_credit_low_income', 'A2', 16000.0, \
15400.0, 'over_limit')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from workbench.eligibility.engine import (
    CLERICAL,
    ENGINE,
    EVIDENCE_FIELDS,
    LINKED,
    MET,
    Compiler,
    active_on,
    assessment,
    check_dates,
    household_tests,
    income_limit,
    income_passes,
    rule_tables,
)
from workbench.eligibility.terms import birthday
from workbench.linkage import link_exact
from workbench.rules.model import Criterion, RuleSet

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

__all__ = [
    "FINDINGS_SCHEMA",
    "NOT_IN_FORCE",
    "NOT_MET",
    "OUTCOMES",
    "RECORDS_SCHEMA",
    "UNCOUNTED_SCHEMA",
    "Findings",
    "awards_without_role",
    "findings",
    "findings_in_detail",
]

NOT_MET = "not_met"
NOT_IN_FORCE = "not_in_force"
_FINDINGS_COLUMNS: dict[str, PolarsDataType] = {
    "person_id": pl.String,
    "reason_code": pl.String,
    # met, income_missing, care_history_missing or place_to_review (the possible tier),
    # not_met, or not_in_force for the term
    "status": pl.String,
    "evidence": pl.List(pl.Struct({f: pl.String for f in EVIDENCE_FIELDS})),
}
FINDINGS_SCHEMA = pl.Schema(_FINDINGS_COLUMNS)
# What a record's `outcome` says of it.
OUTCOMES = {
    "met": "counts for the criterion",
    "income_missing": "would count, but the income (or the household's savings) is missing",
    "care_history_missing": "an order with no record that the child was looked after before it",
    "over_limit": "the income (or the household's savings) is over the limit in force",
    "limit_ended": "the income limit is no longer in force, so no income meets it",
    "not_started": "starts after the evidence date",
    "ended": "ended before the evidence date",
    "barred": "would count, but an award in `bars` rules the criterion out",
    "bars": "an award that rules the criterion out",
    "clerical_review": "a possible match awaiting a person's review",
    "care_before_order": "a care episode that began before the order in `related_id`",
    "earlier_care": "a record of earlier care, for the order in `related_id`",
    "care_after_order": "a care episode that began on or after the order in `related_id`",
    "care_without_order": (
        "a record of earlier care that started on or before the evidence date, for a child "
        "with no order that did (the order is what counts: `left_care`)"
    ),
    "not_flagged": "the household record does not set the criterion's flag",
}
RECORDS_SCHEMA = pl.Schema(
    {
        "person_id": pl.String,  # the person asked about
        "reason_code": pl.String,
        "table": pl.String,  # benefits, child_statuses, funded_places, dwp_list, households
        "record_id": pl.String,  # award_id, status_id, the list's or place's record_id, ...
        "holder_id": pl.String,  # whose award it is (the child's own: the child's id)
        "item": pl.String,  # the benefit, status or funding stream
        "start_date": pl.Date,  # an award's or status's; a funded place's term start
        "end_date": pl.Date,
        "amount": pl.Float64,  # the income tested: an award's, or the household's annual income
        "limit": pl.Float64,  # the income limit in force for the term
        "savings": pl.Float64,
        "savings_limit": pl.Float64,
        "household_children": pl.Int64,
        "in_london": pl.Boolean,
        "related_id": pl.String,  # the order a record of care is the history of
        "outcome": pl.String,  # a key of OUTCOMES
    }
)
PEOPLE_SCHEMA = pl.Schema(
    {
        "person_id": pl.String,
        "household_id": pl.String,
        "date_of_birth": pl.Date,
        "role": pl.String,
        "eligible_from": pl.Date,
        "eligible_to": pl.Date,
        "in_window": pl.Boolean,
        "age_group": pl.String,
        "adult": pl.Boolean,
    }
)


@dataclass(frozen=True)
class Findings:
    """The engine's findings for the people asked about (see the module docstring)."""

    verdicts: pl.DataFrame  # FINDINGS_SCHEMA
    records: pl.DataFrame  # RECORDS_SCHEMA
    people: pl.DataFrame  # PEOPLE_SCHEMA; a person_id not in the people table is absent
    carers: pl.DataFrame  # person_id, parent_carer_id
    carers_by_role: bool  # the people table has roles (else: everyone else old enough)
    places: pl.DataFrame  # person_id, record_id, term_start, funding_stream
    links: pl.DataFrame  # the links used (workbench.linkage's LINKS_SCHEMA)


def findings(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    rule_set: RuleSet,
    *,
    person_ids: Sequence[str],
    term_start: date,
    as_of: date,
    links: pl.LazyFrame | pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The engine's verdict on every criterion of the rule set for the people asked about,
    in the age window or not: one row per person and criterion (`FINDINGS_SCHEMA`), in the
    rule file's order, with the evidence of a criterion met or possible. The same compiled
    criteria as `assessment`: a child in the window is listed exactly when some criterion is
    ``met`` (tier likely) or, failing that, possible (tier possible).

    Example
    -------
    >>> from workbench.rules import load_rule_set
    >>> people = pl.LazyFrame({"person_id": ["P1", "P2"], "household_id": ["H1", "H1"],
    ...     "forename": ["Ada", "Mo"], "surname": ["Lee", "Lee"],
    ...     "date_of_birth": [date(1990, 5, 1), date(2024, 3, 2)]})
    >>> benefits = pl.LazyFrame({"award_id": ["A1"], "person_id": ["P1"],
    ...     "benefit": ["income_support"], "start_date": [date(2025, 1, 6)],
    ...     "end_date": [None]}, schema_overrides={"end_date": pl.Date})
    >>> found = findings({"people": people, "benefits": benefits},
    ...     load_rule_set("two_year_old"), person_ids=["P2"],
    ...     term_start=date(2026, 9, 1), as_of=date(2026, 8, 1))
    >>> found.filter(pl.col("status") == "met")["reason_code"].to_list()
    ['income_support']
    """
    compiler, _ = _compiled(tables, rule_set, person_ids, term_start, as_of, links)
    return _verdicts(compiler, person_ids)


def findings_in_detail(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    rule_set: RuleSet,
    *,
    person_ids: Sequence[str],
    term_start: date,
    as_of: date,
    links: pl.LazyFrame | pl.DataFrame | None = None,
) -> Findings:
    """`findings`, with the people's age windows, parents and carers, linked places and the
    records behind every criterion in force (`Findings`); arguments as for `findings`."""
    compiler, children = _compiled(tables, rule_set, person_ids, term_start, as_of, links)
    verdicts = _verdicts(compiler, person_ids)
    records = _Records(compiler, children)
    frames = [records.of(c) for c in compiler.criteria]
    found = pl.concat([pl.LazyFrame(schema=RECORDS_SCHEMA), *frames])
    done = pl.collect_all(
        [
            found.sort("person_id", "reason_code", "table", "record_id", "related_id"),
            _people(compiler, children),
            records.carers.sort("person_id", "parent_carer_id"),
            compiler.funded_links()
            .join(children.select("person_id"), on="person_id", how="semi")
            .sort("person_id", "term_start", "record_id"),
        ],
        engine=ENGINE,
    )
    return Findings(
        verdicts=verdicts,
        records=done[0],
        people=done[1],
        carers=done[2],
        carers_by_role="role" in compiler.tables["people"].collect_schema(),
        places=done[3],
        links=compiler.links.collect(),
    )


def _compiled(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    rule_set: RuleSet,
    person_ids: Sequence[str],
    term_start: date,
    as_of: date,
    links: pl.LazyFrame | pl.DataFrame | None,
) -> tuple[Compiler, pl.LazyFrame]:
    """The compiler for the people asked about, with its links set, and their window."""
    check_dates(term_start, as_of)
    compiler = Compiler(rule_tables(tables, rule_set), rule_set, term_start, as_of, only=person_ids)
    if links is None:
        links = link_exact(compiler.link_tables())
    # As the list holds them: a link Splink alone made to a child outside the window awaits
    # review (`workbench.eligibility.engine.hold_probable_links`).
    compiler.links = compiler.hold_probable_links(links.lazy()).collect().lazy()
    children = compiler.children().collect(engine=ENGINE).lazy()
    return compiler, children


def _verdicts(compiler: Compiler, person_ids: Sequence[str]) -> pl.DataFrame:
    _, *evidence = compiler.build(compiler.links)
    met, missing = pl.collect_all(evidence, engine=ENGINE)
    proven = pl.concat([met, missing]).filter(pl.col("person_id").is_not_null())
    # Sorted first: within a group the rows keep this order (a met criterion's evidence is its
    # met rows only, so the possible ones are filtered out after sorting).
    by_code = (
        proven.with_columns(pl.when(pl.col("status") == MET).then(0).otherwise(1).alias("rank"))
        .sort("table", "record_id", "parent_carer_id")
        .group_by("person_id", "reason_code")
        .agg(
            pl.col("status").sort_by("rank").first(),
            pl.struct(EVIDENCE_FIELDS)
            .filter(pl.col("rank") == pl.col("rank").min())
            .alias("evidence"),
        )
    )
    rule_set = compiler.rule_set
    in_force = {c.code for c in compiler.criteria}
    grid = pl.DataFrame(
        [
            (person, c.code, NOT_MET if c.code in in_force else NOT_IN_FORCE, position)
            for person in dict.fromkeys(person_ids)
            for position, c in enumerate(rule_set.criteria)
        ],
        schema={
            "person_id": pl.String,
            "reason_code": pl.String,
            "default": pl.String,
            "position": pl.Int64,
        },
        orient="row",
    )
    return (
        grid.join(by_code, on=["person_id", "reason_code"], how="left")
        .with_columns(
            pl.coalesce("status", "default").alias("status"),
            pl.col("evidence").fill_null(pl.lit([], FINDINGS_SCHEMA["evidence"])),
        )
        .sort("person_id", "position", maintain_order=True)
        .select(FINDINGS_SCHEMA.names())
        .cast(FINDINGS_SCHEMA)
    )


def _people(compiler: Compiler, children: pl.LazyFrame) -> pl.LazyFrame:
    """The people asked about: their window on the term start, age group, and adulthood on
    the evidence date (by the age after which, without roles, a member counts as a carer)."""
    people = compiler.tables["people"]
    role = pl.col("role") if "role" in people.collect_schema() else pl.lit(None, pl.String)
    adult_age = compiler.rule_set.parent_carers.adult_age_without_role
    term = pl.lit(compiler.term_start)
    return (
        people.join(children.select("person_id"), on="person_id", how="semi")
        .select("person_id", "date_of_birth", role.alias("role"))
        .unique("person_id", keep="first", maintain_order=True)
        .join(children, on="person_id")
        .with_columns(
            ((pl.col("eligible_from") <= term) & (term < pl.col("eligible_to"))).alias("in_window"),
            (birthday(pl.col("date_of_birth"), 12 * adult_age) <= compiler.as_of).alias("adult"),
        )
        .select(PEOPLE_SCHEMA.names())
        .cast(PEOPLE_SCHEMA)
        .sort("person_id")
    )


def _shaped(frame: pl.LazyFrame, code: str, table: str, **columns: pl.Expr) -> pl.LazyFrame:
    """`frame`'s rows as records (`RECORDS_SCHEMA`) of criterion `code` in `table`; a column
    not given is null."""
    exprs = []
    for name, dtype in RECORDS_SCHEMA.items():
        if name == "reason_code":
            exprs.append(pl.lit(code).alias(name))
        elif name == "table":
            exprs.append(pl.lit(table).alias(name))
        elif name in columns:
            exprs.append(columns[name].cast(dtype).alias(name))
        elif name == "person_id":
            exprs.append(pl.col("person_id"))
        else:
            exprs.append(pl.lit(None, dtype).alias(name))
    return frame.select(exprs)


class _Records:
    """The records each criterion looked at, with their outcome; one method per kind."""

    def __init__(self, compiler: Compiler, children: pl.LazyFrame) -> None:
        self.compiler, self.children = compiler, children
        self.ids = children.select("person_id")
        self.carers = compiler.child_carers(children)
        self.as_of, self.term_start = compiler.as_of, compiler.term_start

    def of(self, criterion: Criterion) -> pl.LazyFrame:
        if criterion.table == "benefits":
            return self.awards(criterion)
        kinds = {
            "list_match": self.list_links,
            "left_care": self.left_care,
            "earlier_funded_place": self.earlier_places,
            "household_limits": self.household,
        }
        return kinds.get(criterion.kind, self.statuses)(criterion)

    def awards(self, criterion: Criterion) -> pl.LazyFrame:
        """The awards of the benefits the criterion names, held by the parents and carers (or
        the child), active or not; and the active awards that rule it out (`bars`)."""
        if criterion.applies_to == "parent_carer":
            holders = self.carers.rename({"parent_carer_id": "holder_id"})
        else:
            holders = self.ids.with_columns(pl.col("person_id").alias("holder_id"))
        named = [*criterion.benefits, *criterion.unless_parent_carer_has]
        income = pl.col(criterion.income) if criterion.income else pl.lit(None, pl.Float64)
        rows = holders.join(
            self.compiler.tables["benefits"]
            .filter(pl.col("benefit").is_in(named))
            .select(
                "award_id",
                pl.col("person_id").alias("holder_id"),
                "benefit",
                "start_date",
                "end_date",
                income.alias("income"),
                *([pl.col(criterion.income)] if criterion.income else []),
            ),
            on="holder_id",
        ).with_columns(active_on(self.as_of).alias("active"))
        bars = rows.filter(
            pl.col("active") & pl.col("benefit").is_in(criterion.unless_parent_carer_has)
        )
        held = rows.filter(pl.col("benefit").is_in(criterion.benefits)).join(
            bars.select("person_id").unique().with_columns(pl.lit(True).alias("is_barred")),
            on="person_id",
            how="left",
        )
        ruled_out = (
            pl.when(pl.col("start_date") > self.as_of)
            .then(pl.lit("not_started"))
            .when(~pl.col("active"))
            .then(pl.lit("ended"))
            .when(pl.col("is_barred").fill_null(False))
            .then(pl.lit("barred"))
        )
        limit = None
        if criterion.kind == "active_award":
            outcome = ruled_out.otherwise(pl.lit(MET))
        else:
            limit = criterion.threshold_on(self.term_start)
            outcome = (
                ruled_out.when(pl.col("income").is_null())
                .then(pl.lit("income_missing"))
                .when(pl.lit(limit is None))
                .then(pl.lit("limit_ended"))
                .when(income_passes(criterion, self.term_start))
                .then(pl.lit(MET))
                .otherwise(pl.lit("over_limit"))
            )
        award = {
            "record_id": pl.col("award_id"),
            "holder_id": pl.col("holder_id"),
            "item": pl.col("benefit"),
            "start_date": pl.col("start_date"),
            "end_date": pl.col("end_date"),
            "amount": pl.col("income"),
        }
        return pl.concat(
            [
                _shaped(
                    held, criterion.code, "benefits", **award, limit=pl.lit(limit), outcome=outcome
                ),
                _shaped(bars, criterion.code, "benefits", **award, outcome=pl.lit("bars")),
            ]
        )

    def statuses(self, criterion: Criterion) -> pl.LazyFrame:
        """The child's records of the statuses the criterion names, counted or not."""
        rows = self.ids.join(self.compiler.statuses(criterion.statuses), on="person_id")
        if criterion.kind == "active_status":
            counted = active_on(self.as_of)
        else:
            counted = pl.col("start_date") <= self.as_of
        outcome = (
            pl.when(counted)
            .then(pl.lit(MET))
            .when(pl.col("start_date") > self.as_of)
            .then(pl.lit("not_started"))
            .otherwise(pl.lit("ended"))
        )
        return _shaped(rows, criterion.code, "child_statuses", **_status(), outcome=outcome)

    def left_care(self, criterion: Criterion) -> pl.LazyFrame:
        """The child's orders, each met when a care episode began before it or a record of
        earlier care started on or before the evidence date; and those records of care."""
        compiler, code = self.compiler, criterion.code
        orders = self.ids.join(compiler.statuses(criterion.statuses), on="person_id")
        current = orders.filter(pl.col("start_date") <= self.as_of).select(
            "person_id",
            pl.col("status_id").alias("related_id"),
            pl.col("start_date").alias("order_start"),
        )
        care = current.join(compiler.statuses(criterion.care_statuses), on="person_id")
        before = pl.col("start_date") < pl.col("order_start")
        earlier = current.join(
            compiler.statuses(criterion.previous_care_statuses).filter(
                pl.col("start_date") <= self.as_of
            ),
            on="person_id",
        )
        history = pl.concat(
            [
                _shaped(
                    care,
                    code,
                    "child_statuses",
                    **_status(),
                    related_id=pl.col("related_id"),
                    outcome=pl.when(before)
                    .then(pl.lit("care_before_order"))
                    .otherwise(pl.lit("care_after_order")),
                ),
                _shaped(
                    earlier,
                    code,
                    "child_statuses",
                    **_status(),
                    related_id=pl.col("related_id"),
                    outcome=pl.lit("earlier_care"),
                ),
            ]
        )
        backed = history.filter(pl.col("outcome") != "care_after_order").select(
            pl.col("related_id").alias("status_id")
        )
        outcome = (
            pl.when(pl.col("start_date") > self.as_of)
            .then(pl.lit("not_started"))
            .when(pl.col("status_id").is_in(backed.collect(engine=ENGINE).to_series().implode()))
            .then(pl.lit(MET))
            .otherwise(pl.lit("care_history_missing"))
        )
        # A record of earlier care alone, with no order: shown, since it is what the child
        # holds (a tester's case: a child whose only care record was previously looked after
        # was left off with no word of it), though only an order counts.
        alone = self.ids.join(
            compiler.statuses(criterion.previous_care_statuses).filter(
                pl.col("start_date") <= self.as_of
            ),
            on="person_id",
        ).join(current.select("person_id"), on="person_id", how="anti")
        return pl.concat(
            [
                _shaped(orders, code, "child_statuses", **_status(), outcome=outcome),
                history,
                _shaped(
                    alone, code, "child_statuses", **_status(), outcome=pl.lit("care_without_order")
                ),
            ]
        )

    def list_links(self, criterion: Criterion) -> pl.LazyFrame:
        """The child's links to rows of the list: matched, or awaiting review."""
        assert criterion.matched_list is not None  # checked when the rule file is loaded
        links = self.compiler.links_of(criterion.matched_list).filter(
            pl.col("band").is_in([LINKED, CLERICAL])
        )
        rows = self.ids.join(links.select("person_id", "record_id", "band"), on="person_id")
        outcome = pl.when(pl.col("band") == LINKED).then(pl.lit(MET)).otherwise(pl.col("band"))
        return _shaped(
            rows,
            criterion.code,
            criterion.matched_list,
            record_id=pl.col("record_id"),
            outcome=outcome,
        )

    def earlier_places(self, criterion: Criterion) -> pl.LazyFrame:
        """The child's funded places of the streams named, in terms before this one: linked
        (met), or proposed as the child's and awaiting a person's review (clerical_review)."""
        frames = [
            self.ids.join(
                self.compiler.earlier_funded(criterion, band), on="person_id"
            ).with_columns(pl.lit(band == LINKED).alias("_met"))
            for band in (LINKED, CLERICAL)
        ]
        return _shaped(
            pl.concat(frames),
            criterion.code,
            "funded_places",
            record_id=pl.col("record_id"),
            item=pl.col("funding_stream"),
            start_date=pl.col("term_start"),
            outcome=pl.when("_met").then(pl.lit(MET)).otherwise(pl.lit(CLERICAL)),
        )

    def household(self, criterion: Criterion) -> pl.LazyFrame:
        """The child's household record: its flag, income and savings against the limits in
        force for the term (which differ in London and by the number of children)."""
        households = self.compiler.tables["households"]
        rows = self.children.select("person_id", "household_id").join(households, on="household_id")
        limits = criterion.limits_on(self.term_start)
        assert criterion.flag is not None  # checked when the rule file is loaded
        flagged = pl.col(criterion.flag).fill_null(False)
        columns = {
            "record_id": pl.col("household_id"),
            "amount": pl.col("annual_income"),
            "savings": pl.col("savings"),
            "in_london": pl.col("in_london"),
        }
        if limits is None:
            outcome = pl.when(flagged).then(pl.lit("limit_ended")).otherwise(pl.lit("not_flagged"))
            return _shaped(rows, criterion.code, "households", **columns, outcome=outcome)
        within, unknown = household_tests(limits)
        outcome = (
            pl.when(~flagged)
            .then(pl.lit("not_flagged"))
            .when(within)
            .then(pl.lit(MET))
            .when(unknown)
            .then(pl.lit("income_missing"))
            .otherwise(pl.lit("over_limit"))
        )
        return _shaped(
            self.compiler.with_household_children(rows),
            criterion.code,
            "households",
            **columns,
            limit=income_limit(limits),
            savings_limit=pl.lit(limits.savings),
            household_children=pl.col("household_children"),
            outcome=outcome,
        )


def _status() -> dict[str, pl.Expr]:
    """A status record's columns."""
    return {
        "record_id": pl.col("status_id"),
        "item": pl.col("status"),
        "start_date": pl.col("start_date"),
        "end_date": pl.col("end_date"),
    }


UNCOUNTED_SCHEMA = pl.Schema(
    {
        "person_id": pl.String,  # the child
        "household_id": pl.String,
        "holder_id": pl.String,  # the adult whose role is blank
        "award_id": pl.String,
        "benefit": pl.String,
        "reason_code": pl.String,  # the criterion the award would meet
        "status": pl.String,  # met, or possible (income_missing) as in the list's evidence
        "tier": pl.String,  # the child's tier were such adults counted as parents or carers
        "eligibility_group": pl.String,  # the child's group then (free school meals)
    }
)


def awards_without_role(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    rule_set: RuleSet,
    *,
    term_start: date,
    as_of: date,
    links: pl.LazyFrame | pl.DataFrame,
    households: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The awards of adults whose role is blank that would count for a child of their
    household were they recorded as parents or carers (`UNCOUNTED_SCHEMA`: one row per child
    and such award, with the child's tier and group then).

    By the contract (section 2, rule 3) only a household member with role ``parent_carer``
    is a child's parent or carer when the people table has roles, so an adult whose role is
    empty counts for no child, and a child whose only claimant is such an adult is left off
    the list with nothing said (a tester's case). The list keeps the contract's rule; this is
    what `assess` warns of (`workbench.runs.list_warnings.awards_not_counted`) and `explain`
    says for the child.

    The adults are those of the parents' and carers' age without roles
    (`adult_age_without_role`) on `as_of`; only their awards active on `as_of` of a benefit a
    parent's or carer's criterion in force names are looked at. When there are any, the
    engine (`assessment`, with `links`, the assessment's own) is run again on their
    households alone with those adults given the parent-or-carer role, and the evidence that
    names them is returned: exactly what they would change, funded-place rules, income tests
    and awards that rule a criterion out included. Empty when the people table has no role
    column or no such award; `households` limits it to those households (`explain`).

    Example
    -------
    >>> from workbench.rules import load_rule_set
    >>> people = pl.LazyFrame({"person_id": ["P1", "P2"], "household_id": ["H1", "H1"],
    ...     "forename": ["Ada", "Mo"], "surname": ["Lee", "Lee"],
    ...     "date_of_birth": [date(1990, 5, 1), date(2024, 3, 2)], "role": [None, "child"]},
    ...     schema_overrides={"role": pl.String})
    >>> benefits = pl.LazyFrame({"award_id": ["A1"], "person_id": ["P1"],
    ...     "benefit": ["income_support"], "start_date": [date(2025, 1, 6)],
    ...     "end_date": [None]}, schema_overrides={"end_date": pl.Date})
    >>> from workbench.linkage import LINKS_SCHEMA
    >>> no_links = pl.DataFrame(schema=LINKS_SCHEMA)
    >>> found = awards_without_role({"people": people, "benefits": benefits},
    ...     load_rule_set("two_year_old"), term_start=date(2026, 9, 1),
    ...     as_of=date(2026, 8, 1), links=no_links)
    >>> found.select("person_id", "holder_id", "award_id", "reason_code", "tier").rows()
    [('P2', 'P1', 'A1', 'income_support', 'likely')]
    """
    none = pl.DataFrame(schema=UNCOUNTED_SCHEMA)
    rule = rule_set.parent_carers
    criteria = [
        c
        for c in rule_set.criteria_in_force(term_start)
        if c.table == "benefits" and c.applies_to == "parent_carer"
    ]
    data = rule_tables(tables, rule_set)
    people = data["people"]
    if not criteria or "role" not in people.collect_schema():
        return none
    if households is not None:
        people = people.filter(pl.col("household_id").is_in(list(households)))
    adult = birthday(pl.col("date_of_birth"), 12 * rule.adult_age_without_role) <= as_of
    unroled = people.filter(pl.col("role").is_null())
    named = sorted({b for c in criteria for b in c.benefits})
    held = (
        data["benefits"]
        .filter(pl.col("benefit").is_in(named) & active_on(as_of))
        .select("award_id", "person_id", "benefit")
        .join(unroled.select("person_id", "household_id", "date_of_birth"), on="person_id")
        .collect(engine=ENGINE)
        .filter(adult)  # the age on the few rows left
        .drop("date_of_birth")
    )
    if held.is_empty():
        return none
    holders = held["person_id"].unique().implode()
    near = (
        people.filter(pl.col("household_id").is_in(held["household_id"].unique().implode()))
        .with_columns(
            pl.when(pl.col("person_id").is_in(holders))
            .then(pl.lit(rule.role))
            .otherwise(pl.col("role"))
            .alias("role")
        )
        .collect(engine=ENGINE)
    )
    ids = near["person_id"].implode()
    links = links.lazy().filter(pl.col("person_id").is_in(ids)).collect(engine=ENGINE)
    subset: dict[str, pl.LazyFrame] = {"people": near.lazy()}
    for name, frame in data.items():
        if name in ("benefits", "child_statuses"):
            subset[name] = frame.filter(pl.col("person_id").is_in(ids))
        elif name == "households":
            subset[name] = frame.filter(
                pl.col("household_id").is_in(near["household_id"].implode())
            )
        elif name in ("dwp_list", "funded_places"):
            # Only the rows linked to these households' people can count for their children.
            linked = links.filter(pl.col("source") == name)["record_id"].implode()
            subset[name] = frame.filter(pl.col("record_id").is_in(linked))
        elif name != "people":
            subset[name] = frame
    again = assessment(subset, rule_set, term_start=term_start, as_of=as_of, links=links)
    rows = (
        again.candidates.filter(pl.col("person_id").is_not_null())
        .select("person_id", "tier", "eligibility_group", "evidence")
        .explode("evidence")
        .unnest("evidence")
        .join(
            held.select(
                pl.col("person_id").alias("parent_carer_id"),
                pl.col("award_id").alias("record_id"),
                "benefit",
                "household_id",
            ),
            on=["parent_carer_id", "record_id"],
        )
        .filter(pl.col("table") == "benefits")
    )
    return (
        rows.select(
            "person_id",
            "household_id",
            pl.col("parent_carer_id").alias("holder_id"),
            pl.col("record_id").alias("award_id"),
            "benefit",
            "reason_code",
            "status",
            "tier",
            "eligibility_group",
        )
        .unique()
        .sort("person_id", "holder_id", "award_id", "reason_code")
        .cast(UNCOUNTED_SCHEMA)
    )
