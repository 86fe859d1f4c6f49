"""The eligibility engine: a rule set compiled into polars expressions over the loaded tables.

`assess` lists the children who look eligible for an initiative in a term, each with a tier,
the sorted reason codes they meet, the dates of their age window and the *evidence*: for every
reason code, the award, status or DWP-list row that proves it and the parent or carer who holds
it. It proposes; it never decides: every row is `pending_review` until a person records a
decision (the review store).

How it runs (all lazy; joins, never loops over rows):

Which date decides what: the criteria, thresholds, limits and age window are those in force on
`term_start`, the first day of the term being targeted (a rule that changes from September
2026 applies to the list for that term even when it is prepared in August); awards and
statuses must be active on `as_of`, the evidence date.

1. children in the age window on `term_start` (a date-of-birth range first, the exact window
   test on the few rows left);
2. their parents and carers (role `parent_carer`, or without roles every other household member
   old enough);
3. the awards and statuses active on `as_of`, joined to those people;
4. one evidence frame per criterion in force on `term_start` (the rule file's kind decides
   how; a criterion limited to some age groups counts only for children in them);
5. reason codes and evidence gathered per child; tiers; the eligibility group; links to the
   DWP list and to funded places (`workbench.linkage`); DWP-list children matched to no one
   listed on their own. A DWP-list row in the age window by its own date of birth that Splink
   linked to a council child outside it (the two dates of birth differ: a day and month
   swapped, most often) is held for review (`hold_probable_links`): either date could be
   right, so the row stays on the list on its own, with the child beside it and a
   `link_caution`, until an officer confirms the link (`link_confirmed`, applied by
   `assess --store`), as an exact link or a confirmed one is used at once.

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
...     "net_earned_income": [None], "gross_income": [None],
... }, schema_overrides={"end_date": pl.Date, "net_earned_income": pl.Float64,
...     "gross_income": pl.Float64})
>>> listed = assess({"people": people, "benefits": benefits}, load_rule_set("two_year_old"),
...     term_start=date(2026, 9, 1), as_of=date(2026, 8, 1))
>>> listed.select("person_id", "tier", "reason_codes", "eligible_from").row(0)
('P2', 'likely', ['income_support'], datetime.date(2026, 4, 1))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Final, cast

import polars as pl

from workbench.data.schema import TABLES
from workbench.eligibility.terms import birthday, opens, window_dob_range
from workbench.errors import UsageError
from workbench.linkage import link_exact
from workbench.linkage.exact import repeated_list_rows
from workbench.rules.model import Criterion, HouseholdLimits, RuleSet

if TYPE_CHECKING:
    from polars._typing import PolarsDataType
    from polars.expr.whenthen import ChainedThen, Then

__all__ = [
    "CANDIDATE_SCHEMA",
    "EVIDENCE_FIELDS",
    "EVIDENCE_SCHEMA",
    "LIST_COLUMNS",
    "Compiler",
    "EngineResult",
    "active_on",
    "age_group_on",
    "assess",
    "assessment",
    "check_dates",
    "hold_probable_links",
    "household_tests",
    "income_limit",
    "income_passes",
    "link_sources",
    "rule_tables",
    "unlisted_list_rows",
    "window_links",
]

PENDING = "pending_review"
LINKED = "linked"
CLERICAL = "clerical_review"
NOT_LINKED = "not_linked"
# Splink's method (`workbench.linkage.METHOD_SPLINK`), named here so that the engine does not
# import Splink: a link scored, not made on an exact rule nor confirmed by a person.
SPLINK = "splink"
# A person's recorded link_confirmed (`workbench.review.link_decisions`).
REVIEWER_CONFIRMED = "reviewer_confirmed"
PLACE_DOB_CAUTION_ONE = (
    "the funded place row {} links to this child with a different date of birth: check it is "
    "the same child before relying on it"
)
"""The `link_caution` of a council child linked to one funded place the list rests on whose
row's date of birth is not the council's (`Compiler.link_cautions`)."""
PLACE_DOB_CAUTION_SEVERAL = (
    "the funded place rows {} link to this child with different dates of birth: check they are "
    "the same child's before relying on them"
)
DWP_DOB_CAUTION_ONE = (
    "the DWP list row {} links to this child with a different date of birth: check it is the "
    "same child before contacting the family"
)
"""The `link_caution` of a council child linked by Splink to a DWP-list row whose date of
birth is not the council's (`Compiler.link_cautions`): the row is the evidence of `dwp_list`."""
DWP_DOB_CAUTION_SEVERAL = (
    "the DWP list rows {} link to this child with different dates of birth: check they are the "
    "same child's before contacting the family"
)
DWP_AND_PLACE_DOB_CAUTION = (
    "the DWP list {} {} and the funded place {} {} link to this child with different dates of "
    "birth: check they are the same child's before contacting the family or relying on the {}"
)
"""Both in one sentence: the DWP-list row(s), the funded place row(s), and "place" or
"places" (`Compiler.link_cautions`)."""
# The contract's list columns (the README's `assess` section), in order; more follow.
LIST_COLUMNS = (
    "person_id",
    "dwp_record_id",
    "initiative",
    "tier",
    "reason_codes",
    "eligible_from",
    "already_funded",
    "review_status",
)
EVIDENCE_SCHEMA = pl.Schema(
    {
        "person_id": pl.String,  # the child (for a DWP-list child matched to no one: null)
        "dwp_record_id": pl.String,  # set only for DWP-list rows matched to no one
        "reason_code": pl.String,
        "table": pl.String,  # where the proof is: benefits, child_statuses, dwp_list
        "record_id": pl.String,  # award_id, status_id or DWP record_id
        "parent_carer_id": pl.String,  # whose award it is, when a parent's or carer's
        # "met"; for the possible tier "income_missing" (an income test, or a household's
        # income or savings, cannot be applied), "care_history_missing" (an order, no care)
        # or "place_to_review" (an earlier term's place whose link awaits review)
        "status": pl.String,
    }
)
EVIDENCE_FIELDS = ("reason_code", "table", "record_id", "parent_carer_id", "status")
_CANDIDATE_COLUMNS: dict[str, PolarsDataType] = {
    "person_id": pl.String,
    "dwp_record_id": pl.String,
    "initiative": pl.String,
    "tier": pl.String,
    "reason_codes": pl.List(pl.String),
    "eligible_from": pl.Date,
    "already_funded": pl.Boolean,
    "review_status": pl.String,
    "eligible_to": pl.Date,
    "evidence": pl.List(pl.Struct({f: pl.String for f in EVIDENCE_FIELDS})),
    "link_needs_review": pl.Boolean,
    "age_group": pl.String,
    "rule_set": pl.String,
    # Matched to a working-parent place for the term (the two-year-old offer lists such a
    # child: the disadvantaged 15 hours come first).
    "working_parent_place": pl.Boolean,
    # The rule set's group of the child's reason codes (free school meals: targeted or
    # expanded); null when the rule set has none, or for the possible tier.
    "eligibility_group": pl.String,
    # For a DWP-list row whose link awaits review (`link_needs_review`): the council's
    # child the linkage scored as its probable match, and that pair's match probability.
    # A proposal for the officer to confirm or reject, never a match: `person_id` stays
    # empty until a person records `link_confirmed`. Null on every other row.
    "probable_person_id": pl.String,
    "match_probability": pl.Float64,
    # For a council child: the funded places of the term's own streams whose link to this
    # child awaits review (record ids, sorted, ";"-joined). Not `already_funded` until a
    # person confirms one, but worth checking before contacting the family.
    "funded_place_to_review": pl.String,
    # How a council child's DWP-list row (`dwp_record_id`) was linked to them: the exact
    # pass's method (`parent_nino_and_child_dob`, `child_name_dob_postcode`), `splink`
    # (probable enough to link) or `reviewer_confirmed` (a person's recorded link_confirmed,
    # applied by `assess --store`). Null without such a row, and on a DWP-list row matched
    # to no one (its link, if any, awaits review).
    "link_method": pl.String,
    # For a DWP-list row listed on its own whose probable match (`probable_person_id`) is a
    # council child outside the age window by the council's date of birth, who is not listed:
    # a caution in words that the two dates of birth differ and which to check before the
    # link is decided (`hold_probable_links`); or whose closest record is linked to another
    # row (`LOST_BEST_MATCH_CAUTION`). For a council child linked (not by a person) to a
    # DWP-list row, or to a funded place the list rests on (for the term, or an earlier term's
    # that continues the entitlement), whose row gives another date of birth: which row(s),
    # and to check it is the same child, in one sentence (`Compiler.link_cautions`). Null on
    # every other row.
    "link_caution": pl.String,
    # For a DWP-list row whose link awaits review (`link_needs_review`): why the linkage held
    # the pair for a person rather than linking it, in words, as `workbench link` writes it
    # (the links' `held_because`: a twin of the proposed child, a namesake elsewhere, another
    # date of birth, a score under the linked threshold). Null on every other row, and where
    # the links say nothing (the exact pass, a list's own links without the column, a link
    # held for its date of birth alone: `link_caution` says why then).
    "held_because": pl.String,
}
CANDIDATE_SCHEMA = pl.Schema(_CANDIDATE_COLUMNS)
_POLARS_TYPES = {
    "string": pl.String,
    "enum": pl.String,
    "date": pl.Date,
    "decimal": pl.Float64,
    "boolean": pl.Boolean,
}
MET = "met"
INCOME_MISSING = "income_missing"
CARE_HISTORY_MISSING = "care_history_missing"
PLACE_TO_REVIEW = "place_to_review"
"""A continued-entitlement place of an earlier term whose link awaits a person's review."""
WORKING_PARENT = "working_parent"
# The engine's frames are small next to the tables they come from (children in a window, their
# carers' awards): polars' in-memory engine runs such queries about a fifth faster than its
# default streaming engine (benchmarks/, 1M households).
ENGINE: Final = "in-memory"


# No DWP-list row repeats another (`EngineResult.list_repeats`).
_NO_REPEATS = pl.DataFrame(schema={"record_id": pl.String, "first_record_id": pl.String})


@dataclass(frozen=True)
class EngineResult:
    """What the engine (`assessment`) found: the candidates, the evidence rows behind them and
    the links used. `workbench.assess` wraps it in a `workbench.Assessment` with the data and
    the run's identity."""

    candidates: pl.DataFrame
    evidence: pl.DataFrame
    links: pl.DataFrame
    rule_set: RuleSet
    term_start: date
    as_of: date
    # The DWP-list rows repeating an earlier row (`repeated_list_rows`: record_id,
    # first_record_id), found once: not listed, each accounted for by `unlisted_list_rows`.
    list_repeats: pl.DataFrame = field(default_factory=lambda: _NO_REPEATS)


def _empty(table: str) -> pl.LazyFrame:
    columns = TABLES[table].columns_for()
    return pl.LazyFrame(schema={c.name: _POLARS_TYPES[c.dtype] for c in columns})


def rule_tables(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame], rule_set: RuleSet
) -> dict[str, pl.LazyFrame]:
    """The tables the rule set may read (its declared sources), lazy; absent ones empty.

    A table the rule set does not declare is never read: purpose limitation.
    """
    for required in ("people", "benefits"):
        if required in rule_set.sources and required not in tables:
            raise UsageError(f"{rule_set.id} needs the {required} table; it was not given")
    found = {}
    for name in rule_set.sources:
        frame = tables.get(name)
        if frame is None:
            found[name] = _empty(name)
            continue
        frame = frame.lazy()
        present = frame.collect_schema()
        absent = [
            pl.lit(None, _POLARS_TYPES[c.dtype]).alias(c.name)
            for c in TABLES[name].columns_for()
            if c.name not in present and (name, c.name) != ("people", "role")
        ]
        # An optional column the file lacks reads as empty, except people.role, whose
        # absence changes who the parents and carers are (without it, every household member of
        # the adult age or over).
        found[name] = frame.with_columns(absent) if absent else frame
    return found


def active_on(as_of: date) -> pl.Expr:
    """An award or status is active: started on or before `as_of`, and not ended before it."""
    return (pl.col("start_date") <= as_of) & (
        pl.col("end_date").is_null() | (pl.col("end_date") >= as_of)
    )


def _evidence(
    frame: pl.LazyFrame, code: str, table: str, record_id: str, carer: str | None, status: str
) -> pl.LazyFrame:
    """Evidence rows (`EVIDENCE_SCHEMA`) of `code` from `frame`: its `person_id`, the record in
    column `record_id` of `table`, and the parent or carer in column `carer` (if any)."""
    return frame.select(
        pl.col("person_id"),
        pl.lit(None, pl.String).alias("dwp_record_id"),
        pl.lit(code).alias("reason_code"),
        pl.lit(table).alias("table"),
        pl.col(record_id).alias("record_id"),
        (pl.col(carer) if carer else pl.lit(None, pl.String)).alias("parent_carer_id"),
        pl.lit(status).alias("status"),
    )


class Compiler:
    """Builds the lazy frames of one assessment; one method per criterion kind.

    `assessment` runs it over the children in the age window; `workbench.eligibility.findings`
    over the people asked about (`only`), in the window or not, and reads the same methods for
    the records behind each verdict."""

    # The links of the list and the places to the people, computed: set by `build` (or by
    # `findings`, before it asks anything of them).
    links: pl.LazyFrame

    def __init__(
        self,
        tables: dict[str, pl.LazyFrame],
        rule_set: RuleSet,
        term_start: date,
        as_of: date,
        only: Sequence[str] | None = None,
    ) -> None:
        self.tables, self.rule_set = tables, rule_set
        self.term_start, self.as_of = term_start, as_of
        # The people asked about (`findings`), in the window or not; None: the window's.
        self.only = None if only is None else list(only)
        # The rules of the term being targeted; the evidence of the evidence date.
        self.window = rule_set.population.window_on(term_start)
        self.criteria = rule_set.criteria_in_force(term_start)

    # -- who ------------------------------------------------------------------------------------
    def children(self) -> pl.LazyFrame:
        """People in the age window on term_start, with the window's dates.

        The window's dates are worked out once per date of birth, not once per child: a few
        thousand days against hundreds of thousands of school-age children (about ten times
        faster for free school meals).
        """
        dob = pl.col("date_of_birth")
        if self.only is not None:
            asked = (
                self.tables["people"]
                .filter(pl.col("person_id").is_in(self.only))
                .select("person_id", "household_id", "date_of_birth")
            )
            dates = self.window_dates(asked, in_window_only=False)
            return asked.join(dates, on="date_of_birth").select(
                "person_id", "household_id", "eligible_from", "eligible_to", "age_group"
            )
        low, high = window_dob_range(self.window, self.term_start)
        near = (
            self.tables["people"]
            .filter(dob.is_between(low, high))
            .select("person_id", "household_id", "date_of_birth")
        )
        return near.join(self.window_dates(near), on="date_of_birth").select(
            "person_id", "household_id", "eligible_from", "eligible_to", "age_group"
        )

    def window_dates(
        self, born: pl.LazyFrame, column: str = "date_of_birth", *, in_window_only: bool = True
    ) -> pl.LazyFrame:
        """The distinct dates of birth in `born[column]` whose children are in the window on
        term_start (or all of them), as `date_of_birth`, with the window's dates and the age
        group: worked out once per day, the date arithmetic being the costly part."""
        dob = pl.col("date_of_birth")
        term = pl.lit(self.term_start)
        dates = born.select(pl.col(column).unique().alias("date_of_birth")).with_columns(
            opens(dob, self.window.starts).alias("eligible_from"),
            opens(dob, self.window.ends).alias("eligible_to"),
            _age_group(dob, self.rule_set, self.term_start),
        )
        if not in_window_only:
            return dates
        return dates.filter((pl.col("eligible_from") <= term) & (term < pl.col("eligible_to")))

    def child_carers(self, children: pl.LazyFrame) -> pl.LazyFrame:
        """(child person_id, parent_carer_id) for every child in the window."""
        people = self.tables["people"]
        rule = self.rule_set.parent_carers
        has_roles = "role" in people.collect_schema()
        # Joined on the household straight away: the join keeps only the carers of these
        # children (about twice as fast as picking their households out of the index first).
        carers = people.filter(pl.col("role") == rule.role) if has_roles else people
        pairs = (
            children.select("person_id", "household_id")
            .join(
                carers.select(
                    pl.col("person_id").alias("parent_carer_id"),
                    "household_id",
                    *([] if has_roles else ["date_of_birth"]),
                ),
                on="household_id",
            )
            .filter(pl.col("parent_carer_id") != pl.col("person_id"))
        )
        if not has_roles:
            adult = birthday(pl.col("date_of_birth"), 12 * rule.adult_age_without_role)
            pairs = pairs.filter(adult <= self.as_of)
        return pairs.select("person_id", "parent_carer_id")

    # -- what -----------------------------------------------------------------------------------
    def awards(self) -> pl.LazyFrame:
        """Awards active on as_of, of benefits some criterion in force names."""
        named = sorted(
            {b for c in self.criteria for b in (*c.benefits, *c.unless_parent_carer_has)}
        )
        return (
            self.tables["benefits"]
            .filter(pl.col("benefit").is_in(named) & active_on(self.as_of))
            .select("award_id", "person_id", "benefit", "net_earned_income", "gross_income")
        )

    def build(self, links: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame, pl.LazyFrame]:
        """(children in the window, evidence of criteria met, evidence of missing incomes);
        sets `self.links` to `links`, computed.

        The children, the links, the awards and the parents' and carers' awards are small next
        to the tables they come from and every criterion reads them: each is computed once,
        here. The children come first, alone: their households pick out the parents and
        carers; the other three are then computed at the same time.
        """
        children = self.children().collect(engine=ENGINE).lazy()
        uses_benefits = any(c.table == "benefits" for c in self.criteria)
        awards = self.awards() if uses_benefits else None
        carers = None
        if any(c.applies_to == "parent_carer" for c in self.criteria):
            carers = self.child_carers(children)
        # The carers and the awards are computed before they are joined: left to itself, the
        # optimiser joins every parent or carer to the awards first (half as fast again).
        computed_links, awards, carers = _collected(links, awards, carers)
        assert computed_links is not None  # a frame given comes back computed
        self.links = computed_links
        carer_awards = None
        if carers is not None:
            # Only awards apply to the parents and carers (the rule file's kinds): with
            # carers to look at, the awards were read.
            assert awards is not None
            carer_awards = carers.join(
                awards.rename({"person_id": "parent_carer_id"}), on="parent_carer_id"
            )
        if awards is not None and any(c.applies_to != "parent_carer" for c in self.criteria):
            awards = awards.join(children.select("person_id"), on="person_id", how="semi")
        awards, carer_awards = _collected(awards, carer_awards)
        child_awards = None
        if awards is not None:
            child_awards = awards.with_columns(pl.lit(None, pl.String).alias("parent_carer_id"))
        met, missing = [], []
        for criterion in self.criteria:
            if criterion.table == "benefits":
                holders = carer_awards if criterion.applies_to == "parent_carer" else child_awards
                assert holders is not None  # read above for every award criterion in force
                found, unknown = self.award_criterion(criterion, holders)
            else:
                found, unknown = self.child_criterion(criterion, children)
            if criterion.age_groups:
                in_groups = children.filter(pl.col("age_group").is_in(criterion.age_groups))
                found = found.join(in_groups, on="person_id", how="semi")
                if unknown is not None:
                    unknown = unknown.join(in_groups, on="person_id", how="semi")
            met.append(found)
            if unknown is not None:
                missing.append(unknown)
        empty = pl.LazyFrame(schema=EVIDENCE_SCHEMA)
        return children, pl.concat([empty, *met]), pl.concat([empty, *missing])

    def award_criterion(
        self, criterion: Criterion, holders: pl.LazyFrame
    ) -> tuple[pl.LazyFrame, pl.LazyFrame | None]:
        """Awards of the parents and carers (or of the child) that meet a criterion: for a
        parent's criterion `holders` has one row per child and carer's award, for the child's
        one per child's award (`parent_carer_id` null)."""
        code = criterion.code
        held = holders.filter(pl.col("benefit").is_in(criterion.benefits))
        if criterion.unless_parent_carer_has:
            barred = holders.filter(pl.col("benefit").is_in(criterion.unless_parent_carer_has))
            held = held.join(barred.select("person_id"), on="person_id", how="anti")
        evidence = {"table": "benefits", "record_id": "award_id", "carer": "parent_carer_id"}
        if criterion.kind == "active_award":
            return _evidence(held, code, **evidence, status=MET), None
        # An award_with_income_test names its income (checked when the rule file is loaded).
        assert criterion.income is not None
        income = pl.col(criterion.income)
        passes = income_passes(criterion, self.term_start)
        found = _evidence(held.filter(passes), code, **evidence, status=MET)
        if criterion.missing_income != "possible":
            return found, None
        return found, _evidence(
            held.filter(income.is_null()), code, **evidence, status=INCOME_MISSING
        )

    def child_criterion(
        self, criterion: Criterion, children: pl.LazyFrame
    ) -> tuple[pl.LazyFrame, pl.LazyFrame | None]:
        """Evidence of a criterion about the child's own records (statuses, places, household,
        the DWP list), and of the cases that make the child `possible`."""
        code = criterion.code
        ids = children.select("person_id")
        if criterion.kind in ("active_status", "status_ever_started"):
            statuses = self.statuses(criterion.statuses)
            if criterion.kind == "active_status":
                statuses = statuses.filter(active_on(self.as_of))
            else:
                statuses = statuses.filter(pl.col("start_date") <= self.as_of)
            found = ids.join(statuses, on="person_id")
            return _evidence(found, code, "child_statuses", "status_id", None, MET), None
        if criterion.kind == "left_care":
            return self.left_care(criterion, ids)
        if criterion.kind == "earlier_funded_place":
            return self.earlier_places(criterion, ids)
        if criterion.kind == "household_limits":
            return self.household_limits(criterion, children)
        # list_match: children linked to a row of the list
        assert criterion.matched_list is not None  # checked when the rule file is loaded
        links = self.links_of(criterion.matched_list).filter(pl.col("band") == LINKED)
        found = ids.join(links.select("person_id", "record_id"), on="person_id")
        return _evidence(found, code, criterion.matched_list, "record_id", None, MET), None

    def earlier_places(
        self, criterion: Criterion, ids: pl.LazyFrame
    ) -> tuple[pl.LazyFrame, pl.LazyFrame]:
        """A place of the criterion's streams in an earlier term, linked to the child; and, for
        a child with none, a place whose link to the child awaits a person's review
        (`PLACE_TO_REVIEW`, the possible tier): confirmed, it would continue the entitlement,
        so the child is not left off the list while the link waits."""
        code = criterion.code
        found = ids.join(self.earlier_funded(criterion), on="person_id")
        waiting = ids.join(self.earlier_funded(criterion, CLERICAL), on="person_id").join(
            found.select("person_id"), on="person_id", how="anti"
        )
        return (
            _evidence(found, code, "funded_places", "record_id", None, MET),
            _evidence(waiting, code, "funded_places", "record_id", None, PLACE_TO_REVIEW),
        )

    def statuses(self, names: list[str]) -> pl.LazyFrame:
        return self.tables["child_statuses"].filter(pl.col("status").is_in(names))

    def left_care(
        self, criterion: Criterion, ids: pl.LazyFrame
    ) -> tuple[pl.LazyFrame, pl.LazyFrame | None]:
        """An order started on or before `as_of` counts with a care history: a care episode
        that began before the order, or a record of earlier care started on or before `as_of`.
        Evidence: the order and the record of care; an order without either is `possible`."""
        code = criterion.code
        orders = ids.join(
            self.statuses(criterion.statuses).filter(pl.col("start_date") <= self.as_of),
            on="person_id",
        ).select("person_id", "status_id", pl.col("start_date").alias("order_start"))
        care = self.statuses(criterion.care_statuses).select(
            "person_id", pl.col("status_id").alias("care_id"), pl.col("start_date")
        )
        before_order = orders.join(care, on="person_id").filter(
            pl.col("start_date") < pl.col("order_start")
        )
        earlier = ids.join(
            self.statuses(criterion.previous_care_statuses).filter(
                pl.col("start_date") <= self.as_of
            ),
            on="person_id",
        ).select("person_id", pl.col("status_id").alias("care_id"))
        history = pl.concat(
            [
                before_order.select("person_id", "status_id", "care_id"),
                orders.join(earlier, on="person_id").select("person_id", "status_id", "care_id"),
            ]
        )
        with_care = orders.join(history.select("person_id"), on="person_id", how="semi")
        records = pl.concat(
            [
                with_care.select("person_id", pl.col("status_id").alias("record_id")),
                history.select("person_id", pl.col("care_id").alias("record_id")),
            ]
        ).unique()
        found = _evidence(records, code, "child_statuses", "record_id", None, MET)
        if criterion.missing_care_history != "possible":
            return found, None
        without = orders.join(history.select("person_id"), on="person_id", how="anti")
        return found, _evidence(
            without, code, "child_statuses", "status_id", None, CARE_HISTORY_MISSING
        )

    def household_limits(
        self, criterion: Criterion, children: pl.LazyFrame
    ) -> tuple[pl.LazyFrame, pl.LazyFrame | None]:
        """The child's household has the flag set and its income (and savings, where the
        limits have a savings limit) within the limits in force on `term_start`, which differ
        in London and by the number of children; a missing income or savings is `possible`."""
        code = criterion.code
        limits = criterion.limits_on(self.term_start)
        assert criterion.flag is not None  # checked when the rule file is loaded
        households = self.tables["households"].filter(pl.col(criterion.flag).fill_null(False))
        flagged = children.select("person_id", "household_id").join(households, on="household_id")
        if limits is None:
            empty = flagged.filter(pl.lit(False))
            return _evidence(empty, code, "households", "household_id", None, MET), None
        # The child assessed is one of the household's children, whatever its role says.
        counted = self.with_household_children(flagged)
        within, unknown = household_tests(limits)
        found = _evidence(counted.filter(within), code, "households", "household_id", None, MET)
        if criterion.missing_income != "possible":
            return found, None
        return found, _evidence(
            counted.filter(unknown), code, "households", "household_id", None, INCOME_MISSING
        )

    def with_household_children(self, households: pl.LazyFrame) -> pl.LazyFrame:
        """`households` with `household_children`: the child assessed is one of the household's
        children, whatever its role says, so never fewer than one."""
        return households.join(
            self.children_in_households(households), on="household_id", how="left"
        ).with_columns(pl.max_horizontal(pl.col("household_children").fill_null(0), 1))

    def children_in_households(self, households: pl.LazyFrame) -> pl.LazyFrame:
        """`household_children` per household: its members recorded as children (or, when the
        people table has no roles, younger than the adult age), counted on `as_of`; a
        household with none is absent (the caller counts the child assessed)."""
        people = self.tables["people"].join(
            households.select("household_id").unique(), on="household_id", how="semi"
        )
        if "role" in people.collect_schema():
            young = pl.col("role") == "child"
        else:
            adult = birthday(
                pl.col("date_of_birth"), 12 * self.rule_set.parent_carers.adult_age_without_role
            )
            young = adult > self.as_of
        return (
            people.filter(young)
            .group_by("household_id")
            .agg(pl.len().cast(pl.Int64).alias("household_children"))
        )

    # -- links ----------------------------------------------------------------------------------
    def link_tables(self, window_only: bool = False) -> dict[str, pl.LazyFrame]:
        """The tables the links come from (`link_sources`); with `window_only`, only the source
        rows whose child's date of birth is in the age window's range (see `window_links`)."""
        wanted = link_sources(self.tables, self.rule_set, self.term_start)
        if window_only:
            low, high = window_dob_range(self.window, self.term_start)
            born = pl.col("child_date_of_birth").is_between(low, high)
            wanted = {k: v if k == "people" else v.filter(born) for k, v in wanted.items()}
        return wanted

    def earlier_funded(self, criterion: Criterion, band: str = LINKED) -> pl.LazyFrame:
        """`funded_links` of the criterion's funding streams in terms before this one."""
        return self.funded_links(band).filter(
            (pl.col("term_start") < self.term_start)
            & pl.col("funding_stream").is_in(criterion.funding_streams)
        )

    def funded_links(self, band: str = LINKED) -> pl.LazyFrame:
        """The funded places linked to a child (or, with `band` clerical_review, proposed as
        the child's): `person_id`, `record_id`, `term_start` and `funding_stream`."""
        linked = self.links_of("funded_places").filter(pl.col("band") == band)
        places = self.tables.get("funded_places", _empty("funded_places"))
        places = places.select("record_id", "term_start", "funding_stream")
        return linked.select("person_id", "record_id").join(places, on="record_id")

    def list_criterion(self) -> Criterion | None:
        return next((c for c in self.criteria if c.kind == "list_match"), None)

    def link_cautions(self) -> pl.LazyFrame:
        """`person_id` and `link_caution` for each child linked to a DWP-list row
        (`dwp_cautions`) or to a funded place the list rests on (`place_cautions`) whose row
        gives another date of birth than the council's, in one sentence naming the rows by
        record id only (never the other row's details: the caution is the child's)."""
        dwp = self.dwp_cautions().select(
            "person_id", pl.col("rows").alias("dwp_rows"), pl.col("count").alias("dwp_count")
        )
        places = self.place_cautions().select(
            "person_id", pl.col("rows").alias("place_rows"), pl.col("count").alias("place_count")
        )

        def rows(count: str) -> pl.Expr:
            return pl.when(pl.col(count) == 1).then(pl.lit("row")).otherwise(pl.lit("rows"))

        def one_or_several(count: str, column: str, one: str, several: str) -> pl.Expr:
            return (
                pl.when(pl.col(count) == 1)
                .then(pl.format(one, pl.col(column)))
                .otherwise(pl.format(several, pl.col(column)))
            )

        caution = (
            pl.when(pl.col("dwp_rows").is_not_null() & pl.col("place_rows").is_not_null())
            .then(
                pl.format(
                    DWP_AND_PLACE_DOB_CAUTION,
                    rows("dwp_count"),
                    pl.col("dwp_rows"),
                    rows("place_count"),
                    pl.col("place_rows"),
                    pl.when(pl.col("place_count") == 1)
                    .then(pl.lit("place"))
                    .otherwise(pl.lit("places")),
                )
            )
            .when(pl.col("dwp_rows").is_not_null())
            .then(
                one_or_several(
                    "dwp_count", "dwp_rows", DWP_DOB_CAUTION_ONE, DWP_DOB_CAUTION_SEVERAL
                )
            )
            .otherwise(
                one_or_several(
                    "place_count", "place_rows", PLACE_DOB_CAUTION_ONE, PLACE_DOB_CAUTION_SEVERAL
                )
            )
        )
        return dwp.join(places, on="person_id", how="full", coalesce=True).select(
            "person_id", caution.alias("link_caution")
        )

    def dwp_cautions(self) -> pl.LazyFrame:
        """`person_id`, `rows` (record ids, sorted, ", "-joined) and `count` for each child
        linked to a DWP-list row whose date of birth is not the council's: Splink may link
        such a row on the names, the parent's National Insurance number and the postcode (the
        exact pass never does), and the row is the evidence of `dwp_list`, so the officer must
        not contact the family on it unseen. A link a person confirmed is not cautioned; a row
        linked to a child outside the age window is held for review instead
        (`hold_probable_links`), with its own caution."""
        if "dwp_list" not in self.tables:
            return pl.LazyFrame(
                schema={"person_id": pl.String, "rows": pl.String, "count": pl.Int64}
            )
        linked = (
            self.links_of("dwp_list")
            .filter(
                (pl.col("band") == LINKED) & (pl.col("method").fill_null("") != REVIEWER_CONFIRMED)
            )
            .select("person_id", "record_id")
            .join(
                self.tables["dwp_list"].select("record_id", "child_date_of_birth"), on="record_id"
            )
            .join(self.tables["people"].select("person_id", "date_of_birth"), on="person_id")
        )
        return _differing_rows(linked)

    def place_cautions(self) -> pl.LazyFrame:
        """`person_id`, `rows` (record ids, sorted, ", "-joined) and `count` for each child
        linked to a funded place the list rests on (one for the term, or an earlier term's of
        a stream a continued-entitlement criterion reads) whose row gives another date of
        birth than the council's: Splink may link such a row on the names and postcode (the
        exact pass never does), and the officer must not rely on it unseen. A link a person
        confirmed is not cautioned."""
        earlier = sorted(
            {
                s
                for c in self.criteria
                if c.kind == "earlier_funded_place"
                for s in c.funding_streams
            }
        )
        term = pl.col("term_start")
        relied = (term == self.term_start) | (
            (term < self.term_start) & pl.col("funding_stream").is_in(earlier)
        )
        places = self.tables.get("funded_places", _empty("funded_places"))
        linked = (
            self.links_of("funded_places")
            .filter(
                (pl.col("band") == LINKED) & (pl.col("method").fill_null("") != REVIEWER_CONFIRMED)
            )
            .select("person_id", "record_id")
            .join(places.filter(relied).select("record_id", "child_date_of_birth"), on="record_id")
            .join(self.tables["people"].select("person_id", "date_of_birth"), on="person_id")
        )
        return _differing_rows(linked)

    def hold_probable_links(self, links: pl.LazyFrame) -> pl.LazyFrame:
        """`links` with each DWP-list link that Splink made (method `splink`) between a row
        in the age window by the list's date of birth and a council child outside it by the
        council's moved to the `clerical_review` band (see `hold_probable_links`)."""
        rule = self.list_criterion()
        if rule is None or rule.matched_list not in self.tables:
            return links
        assert rule.matched_list is not None  # checked when the rule file is loaded
        source = rule.matched_list
        scored = (
            (pl.col("source") == source) & (pl.col("band") == LINKED) & (pl.col("method") == SPLINK)
        )
        pairs = (
            links.filter(scored)
            .select("record_id", "person_id")
            .join(self.tables[source].select("record_id", "child_date_of_birth"), on="record_id")
            .join(self.tables["people"].select("person_id", "date_of_birth"), on="person_id")
        )
        listed_dates = self.window_dates(pairs, "child_date_of_birth").select("date_of_birth")
        council_dates = self.window_dates(pairs).select("date_of_birth")
        held = (
            pairs.join(
                listed_dates, left_on="child_date_of_birth", right_on="date_of_birth", how="semi"
            )
            .join(council_dates, on="date_of_birth", how="anti")
            .select("record_id", pl.lit(source).alias("source"), pl.lit(True).alias("_held"))
            .unique()
        )
        columns = links.collect_schema().names()
        return (
            links.join(held, on=["source", "record_id"], how="left", maintain_order="left")
            .with_columns(
                pl.when(pl.col("_held").fill_null(False) & scored)
                .then(pl.lit(CLERICAL))
                .otherwise(pl.col("band"))
                .alias("band")
            )
            .select(columns)
        )

    def links_of(self, source: str) -> pl.LazyFrame:
        return self.links.filter(pl.col("source") == source)


def _differing_rows(linked: pl.LazyFrame) -> pl.LazyFrame:
    """Of linked rows (`person_id`, `record_id`, the row's `child_date_of_birth` and the
    council's `date_of_birth`), those whose dates of birth differ: per child, the record ids
    (`rows`, sorted, ", "-joined) and their `count`."""
    ids = pl.col("record_id").unique().sort()
    return (
        linked.filter(pl.col("child_date_of_birth") != pl.col("date_of_birth"))
        .group_by("person_id")
        .agg(ids.str.join(", ").alias("rows"), ids.len().cast(pl.Int64).alias("count"))
    )


def income_passes(criterion: Criterion, term_start: date) -> pl.Expr:
    """An award's income (the criterion's `income` column) meets the criterion's limit in
    force on `term_start`: at most, or under, the limit; never when the limit has ended; null
    when the income is missing."""
    limit = criterion.threshold_on(term_start)
    if limit is None:  # the threshold has ended: nobody meets the test
        return pl.lit(False)
    # An income test names its income (checked when the rule file is loaded).
    assert criterion.income is not None
    income = pl.col(criterion.income)
    return income <= limit if criterion.comparison == "at_most" else income < limit


def income_limit(limits: HouseholdLimits) -> pl.Expr:
    """The household income limit that applies to each household (`in_london`,
    `household_children`)."""
    london = pl.col("in_london").fill_null(False)
    two = pl.col("household_children") >= 2
    # Limits in force have an income (`Criterion.limits_on`; an entry without one ends them).
    assert limits.income is not None
    area = {"london": limits.income.london, "outside": limits.income.outside_london}
    return (
        pl.when(london & two)
        .then(area["london"].two_or_more_children)
        .when(london)
        .then(area["london"].one_child)
        .when(two)
        .then(area["outside"].two_or_more_children)
        .otherwise(area["outside"].one_child)
    )


def household_tests(limits: HouseholdLimits) -> tuple[pl.Expr, pl.Expr]:
    """(within, unknown) for each household row: its income (and savings, where the limits
    have a savings limit) within the limits, never null; and not known to be over a limit
    with the income or savings missing (the possible tier)."""
    limit = income_limit(limits)
    within = pl.col("annual_income") <= limit
    unknown = pl.col("annual_income").is_null()
    if limits.savings is not None:
        within = within & (pl.col("savings") <= limits.savings)
        # Known to be over one limit rules the child out, whatever the other shows.
        over = (pl.col("annual_income") > limit) | (pl.col("savings") > limits.savings)
        unknown = (unknown | pl.col("savings").is_null()) & ~over.fill_null(False)
    return within.fill_null(False), unknown


def link_sources(
    tables: Mapping[str, pl.LazyFrame], rule_set: RuleSet, term_start: date
) -> dict[str, pl.LazyFrame]:
    """The tables an assessment of `rule_set` for `term_start` links to the people: the DWP
    list (when a criterion in force reads it) and the funded places of the term, with those of
    earlier terms that a continued-entitlement criterion reads."""
    wanted = {"people": tables["people"]}
    criteria = rule_set.criteria_in_force(term_start)
    if any(c.kind == "list_match" for c in criteria) and "dwp_list" in tables:
        wanted["dwp_list"] = tables["dwp_list"]
    if "funded_places" in tables:
        term = pl.col("term_start")
        rows = term == term_start
        earlier = sorted(
            {s for c in criteria if c.kind == "earlier_funded_place" for s in c.funding_streams}
        )
        if earlier:
            rows = rows | ((term < term_start) & pl.col("funding_stream").is_in(earlier))
        wanted["funded_places"] = tables["funded_places"].filter(rows)
    return wanted


def hold_probable_links(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    rule_set: RuleSet,
    links: pl.LazyFrame | pl.DataFrame,
    *,
    term_start: date,
    as_of: date,
) -> pl.LazyFrame:
    """`links` with every DWP-list link Splink made (method `splink`, not an exact rule nor
    a person's `reviewer_confirmed`) between a row in the age window on `term_start` by the
    list's date of birth and a council child outside it by the council's moved from the
    `linked` band to `clerical_review`; every other link as it was, in order.

    Linked, such a row went with the child, off the list ("matched to council record ...,
    who is not listed"), on a link no person had seen, though either date of birth could be
    right (a tester's case: a day and month swapped between the two records). Held, the row
    is listed on its own with the child proposed beside it and a `link_caution` saying the
    dates differ, and a person decides: `link_confirmed`, applied by `assess --store` to the
    pair proposed, links it (method `reviewer_confirmed`, never held), and the row is then
    not listed, as that child is not. `assessment` holds them itself; `assess` holds them
    before the review store's decisions are applied, so that a decision meets its pair.
    """
    check_dates(term_start, as_of)
    compiler = Compiler(rule_tables(tables, rule_set), rule_set, term_start, as_of)
    return compiler.hold_probable_links(links.lazy())


def check_dates(term_start: object, as_of: object) -> None:
    """Refuse a term start or evidence date that is not a date."""
    if not isinstance(term_start, date) or not isinstance(as_of, date):
        raise UsageError("term_start and as_of must be dates")


def _collected(*frames: pl.LazyFrame | None) -> list[pl.LazyFrame | None]:
    """The frames computed together, lazy again; None stays None."""
    wanted = [f for f in frames if f is not None]
    done = (
        iter(frame.lazy() for frame in pl.collect_all(wanted, engine=ENGINE))
        if wanted
        else iter(())
    )
    return [None if f is None else next(done) for f in frames]


def _gather(evidence: pl.LazyFrame, key: str) -> pl.LazyFrame:
    """Per child (or DWP row): the sorted reason codes met, and the sorted evidence behind
    them and behind any criterion that could not be applied (status other than met).

    Sorted by the key first, so that each group's rows are already in order: the codes are
    then unique in the order met, which is sorted (a sort per group is three times slower)."""
    fields = pl.struct(*EVIDENCE_FIELDS)
    return (
        evidence.sort(key, "reason_code", "record_id", "parent_carer_id", "status", nulls_last=True)
        .group_by(key, maintain_order=True)
        .agg(
            pl.col("reason_code")
            .filter(pl.col("status") == MET)
            .unique(maintain_order=True)
            .alias("reason_codes"),
            fields.alias("evidence"),
        )
    )


def assessment(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    rule_set: RuleSet,
    *,
    term_start: date,
    as_of: date,
    links: pl.LazyFrame | pl.DataFrame | None = None,
) -> EngineResult:
    """Assess everyone for one initiative; see the module docstring.

    Parameters
    ----------
    tables
        Canonical typed tables (as `workbench.data.reading.load_folder` gives them), lazy or eager.
        Only the tables the rule set declares in `sources` are read.
    rule_set
        From `workbench.rules.load_rule_set`.
    term_start
        The first day of the term being targeted: the age window is tested on it.
    as_of
        The evidence date: awards and statuses must be active on it. (The criteria,
        thresholds and age window are those in force on `term_start`.)
    links
        Links of DWP-list and funded-place rows to people (`workbench.linkage` columns). By
        default the exact linkage pre-pass is run. Rows in the `clerical_review` band are never
        used as matches: a person must confirm them first.
    """
    check_dates(term_start, as_of)
    data = rule_tables(tables, rule_set)
    compiler = Compiler(data, rule_set, term_start, as_of)
    if links is None:
        links = link_exact(compiler.link_tables())
    # Idempotent: a pair held and then confirmed by a person is `reviewer_confirmed`.
    children, *evidence = compiler.build(compiler.hold_probable_links(links.lazy()))
    met, missing = pl.collect_all(evidence, engine=ENGINE)

    # A likely child's evidence also names the criteria that could not be applied for want of
    # an income (or a care record): with Universal Credit's earnings missing, free school
    # meals' expanded group is met and the targeted one unknown, which the officer should see.
    # A child with evidence but no code met is `possible`.
    gathered = _gather(pl.concat([met.lazy(), missing.lazy()]), "person_id")
    population = rule_set.population
    places = compiler.funded_links().filter(pl.col("term_start") == term_start)
    place_streams = places.group_by("person_id").agg(
        pl.col("funding_stream").is_in(population.already_funded_streams).any().alias("own"),
        pl.col("funding_stream").eq(WORKING_PARENT).any().alias("working_parent_place"),
    )
    to_review = (
        compiler.links_of("funded_places")
        .filter(pl.col("band") == CLERICAL)
        .select("person_id", "record_id")
        .join(
            compiler.tables.get("funded_places", _empty("funded_places")).filter(
                (pl.col("term_start") == term_start)
                & pl.col("funding_stream").is_in(population.already_funded_streams)
            ),
            on="record_id",
        )
        .group_by("person_id")
        .agg(pl.col("record_id").sort().str.join(";").alias("funded_place_to_review"))
    )
    dwp = compiler.links_of("dwp_list").filter(pl.col("band") == LINKED)
    listed = (
        gathered.join(children, on="person_id")
        .join(
            dwp.select(
                "person_id",
                pl.col("record_id").alias("dwp_record_id"),
                pl.col("method").alias("link_method"),
            ),
            on="person_id",
            how="left",
        )
        .join(place_streams, on="person_id", how="left")
        .join(to_review, on="person_id", how="left")
        .join(compiler.link_cautions(), on="person_id", how="left")
        .with_columns(
            pl.when(pl.col("reason_codes").list.len() > 0)
            .then(pl.lit("likely"))
            .otherwise(pl.lit("possible"))
            .alias("tier"),
            pl.col("own").fill_null(False).alias("already_funded"),
            pl.col("working_parent_place").fill_null(False),
            # Any place for the term, whatever its stream (funded_place_required).
            pl.col("own").is_not_null().alias("has_place"),
            pl.lit(False).alias("link_needs_review"),
            pl.lit(None, pl.String).alias("probable_person_id"),
            pl.lit(None, pl.Float64).alias("match_probability"),
            pl.col("link_caution"),
            pl.lit(None, pl.String).alias("held_because"),
        )
    )
    frames = [listed]
    list_rule = compiler.list_criterion()
    repeats = _NO_REPEATS
    if list_rule is not None:
        assert list_rule.matched_list is not None  # checked when the rule file is loaded
        repeats = repeated_list_rows(compiler.tables[list_rule.matched_list])
        frames.append(_unmatched_list_rows(compiler, list_rule, repeats, children))
    rows = pl.concat([f.select(_OUTPUT_BEFORE_CONSTANTS) for f in frames])
    if population.funded_place_required:
        rows = rows.filter(pl.col("has_place"))
    candidates = (
        rows.with_columns(
            pl.lit(rule_set.id).alias("initiative"),
            pl.lit(PENDING).alias("review_status"),
            pl.lit(rule_set.ref).alias("rule_set"),
            _group(rule_set),
        )
        .select(CANDIDATE_SCHEMA.names())
        .sort("person_id", "dwp_record_id", nulls_last=True)
        .collect(engine=ENGINE)
        .cast(CANDIDATE_SCHEMA)
    )
    return EngineResult(
        candidates=candidates,
        evidence=_listed_evidence(candidates),
        links=compiler.links.collect(),
        rule_set=rule_set,
        term_start=term_start,
        as_of=as_of,
        list_repeats=repeats,
    )


UNLISTED_SCHEMA = pl.Schema(
    {
        "record_id": pl.String,
        "child_date_of_birth": pl.Date,
        "eligible_from": pl.Date,
        "eligible_to": pl.Date,
        "person_id": pl.String,
        "reason": pl.String,
    }
)


def unlisted_list_rows(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame], found: EngineResult
) -> pl.DataFrame:
    """The accepted DWP-list rows that are not on `found`'s list, each with the reason, so that
    every row of the list the department sent ends somewhere a person sees.

    A row is not listed when it repeats an earlier row (the same child and parent: its child is
    listed, or not, by that row), when its child is not yet in the age window by the list's own
    date of birth (a later term's child), past it (most often a typo on one side), or linked
    to a council child who is not listed (outside the window by the council's date of birth)
    by an exact rule or a person's confirmation: a link Splink alone made to such a child is
    held for review and its row listed on its own (`hold_probable_links`).
    Empty when the rule set reads no DWP list.
    """
    rule = next(
        (c for c in found.rule_set.criteria_in_force(found.term_start) if c.kind == "list_match"),
        None,
    )
    if rule is None or rule.matched_list not in tables:
        return pl.DataFrame(schema=UNLISTED_SCHEMA)
    assert rule.matched_list is not None  # checked when the rule file is loaded
    rows = tables[rule.matched_list].lazy().select("record_id", "child_date_of_birth")
    listed = found.candidates["dwp_record_id"].drop_nulls().implode()
    window = found.rule_set.population.window_on(found.term_start)
    dob = pl.col("child_date_of_birth")
    linked = found.links.lazy().filter(
        (pl.col("source") == rule.matched_list) & (pl.col("band") == LINKED)
    )
    term = pl.lit(found.term_start)
    outside = ~((pl.col("eligible_from") <= term) & (term < pl.col("eligible_to")))
    return (
        rows.filter(~pl.col("record_id").is_in(listed))
        .with_columns(
            opens(dob, window.starts).alias("eligible_from"),
            opens(dob, window.ends).alias("eligible_to"),
        )
        .join(linked.select("record_id", "person_id"), on="record_id", how="left")
        .join(found.list_repeats.lazy(), on="record_id", how="left")
        .with_columns(
            pl.when(pl.col("first_record_id").is_not_null())
            .then(
                pl.format(
                    "repeats row {} of the list (the same child's names, date of birth and "
                    "postcode, and parent's NINO): the child is counted once, by that row",
                    "first_record_id",
                )
            )
            .when(pl.col("eligible_from") > term)
            .then(
                pl.format(
                    "not yet in the age window by its date of birth on the list: in it from {} "
                    "(a later term's list)",
                    "eligible_from",
                )
            )
            .when(outside)
            .then(
                pl.format(
                    "past the age window by its date of birth on the list (it closed on {}): "
                    "check the date of birth with the family",
                    "eligible_to",
                )
            )
            .otherwise(
                pl.format(
                    "matched to council record {}, who is not listed (outside the age window "
                    "by the council's date of birth): check which date of birth is right",
                    "person_id",
                )
            )
            .alias("reason")
        )
        .select(UNLISTED_SCHEMA.names())
        .sort("record_id")
        .collect(engine=ENGINE)
        .cast(UNLISTED_SCHEMA)
    )


def window_links(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    rule_set: RuleSet,
    *,
    term_start: date,
    as_of: date,
) -> pl.LazyFrame:
    """The exact links (`workbench.linkage.link_exact`) of the DWP-list and funded-place rows
    whose child could be in the age window on `term_start`: all the candidate list depends on.

    A row whose child's date of birth is outside the window's range links only to a child born
    that day, who is not in the window, and never competes with a row inside it for a child;
    so `assessment(..., links=window_links(...))` gives the same list as linking every row,
    for much less work when the window is narrow (the two-year-old offer against the funded
    places of two- to four-year-olds). Its `EngineResult.links` then holds only these rows: for
    the links of every row (`workbench explain`, the take-up funnel), leave `links` out.
    """
    check_dates(term_start, as_of)
    compiler = Compiler(rule_tables(tables, rule_set), rule_set, term_start, as_of)
    return link_exact(compiler.link_tables(window_only=True))


_OUTPUT_BEFORE_CONSTANTS = (
    "person_id",
    "dwp_record_id",
    "tier",
    "reason_codes",
    "eligible_from",
    "already_funded",
    "eligible_to",
    "evidence",
    "link_needs_review",
    "age_group",
    "working_parent_place",
    "has_place",
    "probable_person_id",
    "match_probability",
    "funded_place_to_review",
    "link_method",
    "link_caution",
    "held_because",
)


def _group(rule_set: RuleSet) -> pl.Expr:
    """The first of the rule set's groups (in file order) any of whose codes the child meets."""
    if not rule_set.groups:
        return pl.lit(None, pl.String).alias("eligibility_group")
    codes = pl.col("reason_codes")
    first, *rest = rule_set.groups
    chained: Then | ChainedThen = pl.when(
        codes.list.set_intersection(first.codes).list.len() > 0
    ).then(pl.lit(first.name))
    for group in rest:
        chained = chained.when(codes.list.set_intersection(group.codes).list.len() > 0).then(
            pl.lit(group.name)
        )
    return chained.otherwise(pl.lit(None, pl.String)).alias("eligibility_group")


def age_group_on(rule_set: RuleSet, date_of_birth: date, term_start: date) -> str | None:
    """The rule set's age group of a child born on `date_of_birth`, on `term_start` (None
    when the rule set has none), as the list's `age_group` column says it."""
    dob = pl.lit(date_of_birth, pl.Date)
    return cast(str | None, pl.select(_age_group(dob, rule_set, term_start)).item())


def _age_group(dob: pl.Expr, rule_set: RuleSet, term_start: date) -> pl.Expr:
    """The rule set's age group of each child on `term_start` (null when it has none)."""
    groups = rule_set.population.age_groups
    if not groups:
        return pl.lit(None, pl.String).alias("age_group")
    term = pl.lit(term_start)
    *bounded, last = groups
    # The first group whose `ends` the child has not reached; the last when none (a rule set
    # of one group puts every child in it). Every group but the last has `ends` (checked
    # when the rule file is loaded).
    age_group: pl.Expr = pl.lit(last.name)
    for group in reversed(bounded):
        assert group.ends is not None
        age_group = (
            pl.when(opens(dob, group.ends) > term).then(pl.lit(group.name)).otherwise(age_group)
        )
    return age_group.alias("age_group")


LOST_BEST_MATCH_HELD = "its best match, council record "
"""How the linkage's `held_because` begins for a row linked to no one because another row of
its list took its best match (`workbench.linkage.probabilistic`)."""
LOST_BEST_MATCH_CAUTION = (
    "the council record closest to this row is linked to another row of the DWP list, which "
    "scored as high or higher: check this is not the same child listed twice (under another "
    "spelling, say) before contacting the family"
)
"""The `link_caution` of such a row, listed on its own: it names neither the council's record
nor the other row, which the officer finds on the list by the child's name."""


def _unmatched_list_rows(
    compiler: Compiler, rule: Criterion, repeats: pl.DataFrame, children: pl.LazyFrame
) -> pl.LazyFrame:
    """DWP-list rows matched to no one whose child is in the age window: listed on their own,
    `likely` with the list's reason code; flagged when a probable match awaits review, with
    that match beside it (`probable_person_id`, `match_probability`) for the officer, why
    the linkage held it (`held_because`, when the links say) and a `link_caution` when that
    match is a council child outside the age window (`children`: those in it), who is not
    listed."""
    assert rule.matched_list is not None  # checked when the rule file is loaded
    source_links = compiler.links_of(rule.matched_list)
    matched = source_links.filter(pl.col("band") == LINKED).select("record_id")
    # Links made by the exact pass alone, or given without the column, say nothing of why.
    held = (
        pl.col("held_because").cast(pl.String)
        if "held_because" in source_links.collect_schema()
        else pl.lit(None, pl.String)
    )
    clerical = (
        source_links.filter(pl.col("band") == CLERICAL)
        .select(
            "record_id",
            pl.col("person_id").alias("probable_person_id"),
            "match_probability",
            pl.lit(True).alias("link_needs_review"),
            held.alias("held_because"),
        )
        .unique("record_id", keep="first", maintain_order=True)
    )
    # Linked to no one because another row took its best match (`held_because` says so): the
    # same child listed twice under another spelling, perhaps, so the row is cautioned,
    # without naming the council's record or the other row.
    lost = (
        source_links.filter(
            (pl.col("band") == NOT_LINKED)
            & held.str.starts_with(LOST_BEST_MATCH_HELD).fill_null(False)
        )
        .select("record_id", pl.lit(True).alias("_lost_best_match"))
        .unique("record_id")
    )
    # A row repeating an earlier one (`repeats`) is its child again: accounted for as not
    # listed.
    rows = (
        compiler.tables[rule.matched_list]
        .join(matched, on="record_id", how="anti")
        .join(repeats.lazy().select("record_id"), on="record_id", how="anti")
    )
    in_window = compiler.window_dates(rows, "child_date_of_birth")
    in_window_children = children.select(
        pl.col("person_id").alias("probable_person_id"), pl.lit(True).alias("_in_window")
    )
    caution = (
        pl.when(pl.col("probable_person_id").is_not_null() & pl.col("_in_window").is_null())
        .then(
            pl.format(
                "the council child proposed as its match, {}, is not listed: their date of "
                "birth on the council's records is not the list's and is outside the age "
                "window. Check which date of birth is right before deciding the link "
                "(confirmed, this row goes off the list with that child until the council's "
                "record is corrected)",
                "probable_person_id",
            )
        )
        .when(pl.col("_lost_best_match").fill_null(False))
        .then(pl.lit(LOST_BEST_MATCH_CAUTION))
        .otherwise(pl.lit(None, pl.String))
    )
    return (
        rows.join(in_window, left_on="child_date_of_birth", right_on="date_of_birth")
        .join(clerical, on="record_id", how="left")
        .join(lost, on="record_id", how="left")
        .join(in_window_children, on="probable_person_id", how="left")
        .select(
            pl.lit(None, pl.String).alias("person_id"),
            pl.col("record_id").alias("dwp_record_id"),
            pl.lit("likely").alias("tier"),
            pl.lit([rule.code], pl.List(pl.String)).alias("reason_codes"),
            pl.col("eligible_from"),
            pl.lit(False).alias("already_funded"),
            pl.col("eligible_to"),
            pl.concat_list(
                pl.struct(
                    pl.lit(rule.code).alias("reason_code"),
                    pl.lit(rule.matched_list).alias("table"),
                    pl.col("record_id"),
                    pl.lit(None, pl.String).alias("parent_carer_id"),
                    pl.lit("met").alias("status"),
                )
            ).alias("evidence"),
            pl.col("link_needs_review").fill_null(False),
            pl.col("age_group"),
            pl.lit(False).alias("working_parent_place"),
            pl.lit(False).alias("has_place"),
            pl.col("probable_person_id"),
            pl.col("match_probability"),
            pl.lit(None, pl.String).alias("funded_place_to_review"),
            pl.lit(None, pl.String).alias("link_method"),
            caution.alias("link_caution"),
            pl.col("held_because"),
        )
    )


def _listed_evidence(candidates: pl.DataFrame) -> pl.DataFrame:
    """One row per listed child (or DWP row) and piece of evidence: the proof, flat."""
    return (
        candidates.select("person_id", "dwp_record_id", "evidence")
        .explode("evidence")
        .unnest("evidence")
        .select(EVIDENCE_SCHEMA.names())
    )


def assess(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    rule_set: RuleSet,
    *,
    term_start: date,
    as_of: date,
    links: pl.LazyFrame | pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The candidate list (columns `CANDIDATE_SCHEMA`); `assessment` also gives the evidence."""
    return assessment(tables, rule_set, term_start=term_start, as_of=as_of, links=links).candidates
