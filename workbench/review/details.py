"""Who the child is: names, age, parents or carers, address and what the council already knows,
read from the list's own data folder at review time.

A candidate list carries ids, never names; the review store carries neither. An officer cannot
decide about ``P0000191`` though: they need to know who the child is and whom to ring. This
module reads that from the data folder the list was made from (its manifest names the folder,
and each file's SHA-256 must still match: a changed folder is refused), once per panel or
export, and gives one row per list row, keyed by the row's ``item_key``. Nothing read here is
written into the list or the store; each view of a child's details is recorded in the store's
access log by the panel or export that shows it (:data:`VIEW_COMMAND`).

Also here: the list's name in words (:func:`list_title`) and the evidence in plain English
(:meth:`ChildDetails.evidence_words`): rule-file labels, benefit names and dates.

Example
-------
>>> list_title("two_year_old", date(2026, 9, 1))
'Two-year-old offer, term starting 1 September 2026'
>>> age_text(date(2024, 5, 31), date(2026, 9, 1))
'2 years 3 months'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from workbench.data.reading import load_folder
from workbench.dates import long_date
from workbench.eligibility.assess import EVIDENCE_NOTES
from workbench.eligibility.explain import BENEFIT_NAMES, STATUS_NAMES
from workbench.eligibility.terms import birthday
from workbench.errors import WorkbenchError
from workbench.review.check_results import outcome_label, tier_differs
from workbench.review.list_data import (
    carer_names,
    check_inputs,
    check_read_inputs,
    list_data_folder,
)
from workbench.review.lists import ListFile, review_candidates
from workbench.review.offers import already_funded_is_take_up
from workbench.review.schema import CHECK_OUTCOME_TEXT, DECISION_MEANINGS
from workbench.review.workbook import GROUP_COLUMNS
from workbench.rules import load_rule_set
from workbench.rules.model import RuleSet

__all__ = [
    "CHECK_OUTCOME_TEXT",
    "DETAIL_COLUMNS",
    "INITIATIVE_NAMES",
    "LINK_METHOD_TEXT",
    "VIEW_COMMAND",
    "VIEW_DETAIL",
    "ChildDetails",
    "age_group_label",
    "age_text",
    "already_funded_words",
    "check_result_lines",
    "decision_meanings",
    "evidence_lines",
    "group_columns",
    "group_label",
    "link_method_text",
    "list_title",
    "postcode_district",
    "read_child_details",
    "reason_lines",
    "record_link_columns",
    "record_link_text",
    "rules_caution",
    "view_detail",
    "why_listed_lines",
    "working_parent_flags",
]

VIEW_COMMAND = "review view"
"""The access-log command of a view of one child's details (`workbench assure` counts them)."""
VIEW_DETAIL = r"^list (?<list_id>\S+), child (?<child>\S+)$"
"""The pattern of a view's detail (`view_detail`): the list, and the child named."""
INITIATIVE_NAMES = {
    "two_year_old": "Two-year-old offer",
    "free_school_meals": "Free school meals",
    "early_years_pupil_premium": "Early Years Pupil Premium",
    "disability_access_fund": "Disability Access Fund",
}
"""The name officers use for each initiative; a rule file of a council's own uses its title."""
DETAIL_COLUMNS = {
    "item_key": pl.String,
    "child_name": pl.String,
    "date_of_birth": pl.Date,
    "age": pl.String,
    "parent_carers": pl.String,
    "address": pl.String,
    "postcode": pl.String,
    "postcode_district": pl.String,
    "household_children": pl.String,
    "known_from": pl.String,
    "probable_match": pl.String,
    "link_note": pl.String,
}
"""One row per list row: who the child is, as the panel, the app and the workbook show it.
``probable_match``: for a DWP-list row whose link awaits review, the council's child proposed
as its match, in words, for the officer to compare (`_probable_match_text`). ``link_note``:
what the officer should know of the link beside it (`record_link_text`): for a DWP-list row
awaiting review, why the linkage held it (the list's ``held_because``, the children of the
proposed child's household it names by their names too); for a council child linked to a
DWP-list row whose child's names are not the council's, the names the row gives."""
LINK_METHOD_TEXT = {
    "parent_nino_and_child_dob": (
        "the parent's National Insurance number and the child's date of birth agree"
    ),
    "child_name_dob_postcode": "the child's names, date of birth and postcode agree",
    "child_name_dob": "the child's names and date of birth agree, in the same postcode sector",
    "splink": "a probabilistic match (Splink) scored the two records as the same child",
    "reviewer_confirmed": (
        "a reviewer confirmed that they are the same child (a recorded link_confirmed "
        "decision; the list's manifest names it)"
    ),
}
"""How an exact, probabilistic or reviewer-confirmed link was made (the links' `method`), in
words."""
_PEOPLE_COLUMNS = ("address_line_1", "postcode", "role")
_DWP_COLUMNS = ("address_line_1", "address_line_2", "address_line_3", "address_line_4", "postcode")


# --- words ---------------------------------------------------------------------------------


def check_result_lines(
    results: pl.DataFrame, list_id: str | None = None, list_group: str | None = None
) -> tuple[list[str], str | None]:
    """DfE's check results about one child (rows of `ReviewStore.check_results`, or of
    `ReviewStore.initiative_check_results`), newest first, each in words; and what the
    newest means for the officer (None without any). A result from the check export of a
    list other than ``list_id`` (an earlier run's or a re-run's, about the same child) says
    which list it came from. Where the newest result's free school meals tier differs from
    the child's ``eligibility_group`` on the list (`list_group`), what it means starts by
    saying so (`workbench.review.check_results.tier_differs`)."""
    newest_first = results.sort("result_seq", descending=True)
    lines = []
    for row in newest_first.iter_rows(named=True):
        where = ""
        if list_id is not None and row.get("list_id", list_id) != list_id:
            made = row["list_created_at"][:10]
            where = (
                f", from another list of this offer ({row['initiative']} list of {made}, "
                f"run {row['run_id']})"
            )
        label = (
            outcome_label(row["outcome"], row["dfe_outcome"])
            or CHECK_OUTCOME_TEXT.get(row["outcome"], (row["outcome"], ""))[0]
        )
        extra = [f"tier {row['tier']}"] if row["tier"] else []
        if row["eligible_until"]:
            until = date.fromisoformat(row["eligible_until"])
            extra.append(f"eligible until {long_date(until)}")
        said = ", ".join([f"DfE's words: ‘{row['dfe_outcome']}’", *extra])
        read = long_date(date.fromisoformat(row["checked_at"][:10]))
        lines.append(
            f"{label} ({said}); read on {read} by {row['imported_by']}, check export "
            f"{row['export_id']}{where}"
        )
    if results.is_empty():
        return lines, None
    advice = CHECK_OUTCOME_TEXT.get(newest_first["outcome"][0], ("", None))[1]
    if differs := tier_differs(newest_first["tier"][0], list_group):
        advice = f"{differs}. {advice}" if advice else f"{differs}."
    return lines, advice


def rules_caution(listed: ListFile) -> str | None:
    """For a list made for a term later than its rules were checked for (its manifest says
    how far), the sentence an officer reads before the children: the law or a threshold may
    have changed since. None otherwise."""
    through, term = listed.rules_checked_through, listed.term_start
    if through is None or term is None or term <= through:
        return None
    return (
        f"The rules this list was made with were checked against the published guidance for "
        f"terms starting up to {long_date(through)}, and this list is for the term starting "
        f"{long_date(term)}. Before contacting a family, ask the person who made the list "
        "whether the rules have changed since."
    )


def list_title(initiative: str, term_start: date | None, rule_set: RuleSet | None = None) -> str:
    """A list named as officers name it: initiative and term, never a run id."""
    name = INITIATIVE_NAMES.get(initiative) or (rule_set.title if rule_set else initiative)
    return f"{name}, term starting {long_date(term_start)}" if term_start else name


def age_text(born: date | None, on: date | None) -> str:
    """Age in whole years and months on a day: ``2 years 3 months``, ``11 months``."""
    if born is None or on is None:
        return ""
    months = (on.year - born.year) * 12 + on.month - born.month - (on.day < born.day)
    return _age_words(months)


def _age_words(months: int | None) -> str:
    if months is None:
        return ""
    if months < 0:
        return "not yet born"
    years, rest = divmod(months, 12)
    parts = [f"{years} year{'s' if years != 1 else ''}"] if years else []
    if rest or not years:
        parts.append(f"{rest} month{'s' if rest != 1 else ''}")
    return " ".join(parts)


def _months_old(born: pl.Expr, on: date) -> pl.Expr:
    """Whole months of age on ``on`` (Int32: ``dt.month()`` is Int8 and would overflow)."""
    return (
        (on.year - born.dt.year().cast(pl.Int32)) * 12
        + on.month
        - born.dt.month().cast(pl.Int32)
        - (born.dt.day().cast(pl.Int32) > on.day).cast(pl.Int32)
    )


def postcode_district(postcode: pl.Expr) -> pl.Expr:
    """The postcode district (outward code): ``"ZZ9 9ZZ"`` and ``"zz99zz"`` give ``"ZZ9"``.

    Null for a missing postcode or one too short to hold an inward code.

    Examples
    --------
    >>> frame = pl.DataFrame({"postcode": ["zz1 2ab", "ZZ12AB", None, "Z1"]})
    >>> frame.select(postcode_district(pl.col("postcode")))["postcode"].to_list()
    ['ZZ1', 'ZZ1', None, None]
    """
    packed = postcode.cast(pl.String).str.to_uppercase().str.replace_all(r"\s+", "")
    length = packed.str.len_chars()
    return pl.when(length >= 5).then(packed.str.slice(0, length - 3)).otherwise(None)


def working_parent_flags(candidates: pl.DataFrame) -> pl.Series:
    """Each list row's ``working_parent_place`` as a boolean (false when the list has none)."""
    if "working_parent_place" not in candidates.columns:
        return pl.Series("working_parent_place", [False] * candidates.height, dtype=pl.Boolean)
    flags = candidates["working_parent_place"].cast(pl.String).str.to_lowercase()
    return flags.is_in(["true", "1", "yes"]).fill_null(False).alias("working_parent_place")


# The list's columns about its record links, with their types (CSV reads them as text).
_LINK_COLUMNS = {
    "link_method": pl.String,
    "probable_person_id": pl.String,
    "match_probability": pl.Float64,
    "funded_place_to_review": pl.String,
    "held_because": pl.String,
    "link_caution": pl.String,
}


def _column_or_null(
    frame: pl.DataFrame, name: str, dtype: pl.DataType | type[pl.DataType]
) -> pl.Series:
    """`frame[name]` as `dtype`, or nulls for a list written before the column existed."""
    if name in frame.columns:
        return frame[name].cast(dtype)
    return pl.Series(name, [None] * frame.height, dtype=dtype)


def record_link_columns(candidates: pl.DataFrame) -> list[pl.Series]:
    """Each list row's ``link_method``, ``probable_person_id``, ``match_probability``,
    ``funded_place_to_review``, ``held_because`` (why the linkage held a DWP-list row's
    link for review) and ``link_caution`` (the proposed child's date of birth puts them
    outside the age window; each null when the list has no such column), and ``proposed_by``:
    for a council child, the DWP-list rows of the list that await a link decision with this
    child proposed (", "-joined), for `record_link_text`."""
    columns = {n: _column_or_null(candidates, n, t) for n, t in _LINK_COLUMNS.items()}
    proposals = pl.DataFrame(
        [columns["probable_person_id"], _column_or_null(candidates, "dwp_record_id", pl.String)]
    )
    by_person = (
        proposals.filter(pl.col("probable_person_id").is_not_null())
        .group_by("probable_person_id")
        .agg(pl.col("dwp_record_id").sort().str.join(", ").alias("proposed_by"))
    )
    proposed_by = (
        candidates.select(pl.col("person_id").cast(pl.String))
        .join(by_person, left_on="person_id", right_on="probable_person_id", how="left")
        .get_column("proposed_by")
    )
    return [*columns.values(), proposed_by]


def view_detail(list_id: str, row: Mapping[str, Any]) -> str:
    """The access log's detail for a view of one child: ``list L, child pk_...``, the child
    by its list row's item key (a keyed pseudonym), never by an id of the council's or the
    DWP's: the log is kept as long as the store, and is read by people who need to know who
    looked, not who was looked at. (Logs written before named the person id or the DWP
    record id; `workbench assure` reads both.)"""
    return f"list {list_id}, child {row['item_key']}"


# --- the data folder -----------------------------------------------------------------------
def _household_children(
    people: pl.DataFrame,
    children: pl.DataFrame,
    rule_set: RuleSet,
    term_start: date,
    on_list: list[str],
) -> pl.DataFrame:
    """The other children of each child's household, each with age and whether listed too."""
    rule = rule_set.parent_carers
    if "role" in people.columns:
        young = people.filter(pl.col("role") == "child")
    else:
        adult = birthday(pl.col("date_of_birth"), 12 * rule.adult_age_without_role)
        young = people.filter(adult > term_start)
    others = (
        children.select("person_id", "household_id")
        .join(
            young.select(
                pl.col("person_id").alias("other_id"),
                "household_id",
                "forename",
                "surname",
                "date_of_birth",
            ),
            on="household_id",
        )
        .filter(pl.col("other_id") != pl.col("person_id"))
        .sort("person_id", "date_of_birth", "other_id")
    )
    listed = pl.col("other_id").is_in(pl.Series(on_list, dtype=pl.String).implode())
    ages = _months_old(pl.col("date_of_birth"), term_start)
    return (
        others.with_columns(ages.alias("_months"))
        .with_columns(
            pl.concat_str(
                pl.col("forename"),
                pl.lit(" "),
                pl.col("surname"),
                pl.lit(" ("),
                pl.col("_months").map_elements(_age_words, return_dtype=pl.String),
                pl.when(listed).then(pl.lit(", also on this list")).otherwise(pl.lit("")),
                pl.lit(")"),
            ).alias("other")
        )
        .group_by("person_id", maintain_order=True)
        .agg(pl.col("other").str.join("; ").alias("household_children"))
    )


def _person_rows(
    people: pl.DataFrame, rows: pl.DataFrame, rule_set: RuleSet, term_start: date, as_of: date
) -> pl.DataFrame:
    children = people.filter(pl.col("person_id").is_in(rows["person_id"].implode()))
    optional = [
        (pl.col(c) if c in people.columns else pl.lit(None, pl.String)).alias(c)
        for c in ("address_line_1", "postcode")
    ]
    on_list = rows["person_id"].drop_nulls().to_list()
    return (
        rows.select("item_key", "person_id")
        .join(
            children.select(
                "person_id",
                pl.concat_str("forename", "surname", separator=" ").alias("child_name"),
                "date_of_birth",
                *optional,
            ),
            on="person_id",
            how="left",
        )
        .join(carer_names(people, children, rule_set.id, as_of), on="person_id", how="left")
        .join(
            _household_children(people, children, rule_set, term_start, on_list),
            on="person_id",
            how="left",
        )
        .with_columns(
            pl.col("address_line_1").alias("address"),
            pl.col("household_children").fill_null("none recorded"),
            pl.lit("the council's records").alias("known_from"),
        )
    )


def _dwp_rows(dwp: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    lines = [pl.col(c) for c in _DWP_COLUMNS[:-1] if c in dwp.columns]
    address = pl.concat_str(lines, separator=", ", ignore_nulls=True) if lines else pl.lit(None)
    return rows.select("item_key", "dwp_record_id").join(
        dwp.select(
            pl.col("record_id").alias("dwp_record_id"),
            pl.concat_str("child_forename", "child_surname", separator=" ").alias("child_name"),
            pl.col("child_date_of_birth").alias("date_of_birth"),
            pl.concat_str("parent_forename", "parent_surname", separator=" ").alias(
                "parent_carers"
            ),
            address.cast(pl.String).alias("address"),
            (pl.col("postcode") if "postcode" in dwp.columns else pl.lit(None, pl.String)).alias(
                "postcode"
            ),
            pl.lit("not known: the child is known only from the DWP list").alias(
                "household_children"
            ),
            pl.lit("the DWP list only").alias("known_from"),
        ),
        on="dwp_record_id",
        how="left",
    )


# --- what is read, and how it is shown -----------------------------------------------------
@dataclass(frozen=True)
class ChildDetails:
    """Who each child on a list is, read once from the list's data folder.

    ``frame`` has :data:`DETAIL_COLUMNS`, one row per list row. ``awards`` and ``statuses``
    hold the awards and statuses the list's evidence names (for :meth:`evidence_words`);
    ``names`` the names of the people it names.
    """

    title: str
    term_start: date | None
    data: Path
    frame: pl.DataFrame
    awards: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    caution: str | None = None
    """What the officer should know about the whole list first (`rules_caution`), or None."""

    def row(self, item_key: str) -> dict[str, Any] | None:
        """The details of one list row, or None when the row is not on the list."""
        index = self._row_of.get(item_key)
        return None if index is None else self.frame.row(index, named=True)

    @functools.cached_property
    def _row_of(self) -> dict[str, int]:
        """Each item key's row in `frame` (the first, if one were there twice): an export asks
        for every row, and a search of the column for each took seconds on a long list."""
        found: dict[str, int] = {}
        for index, key in enumerate(self.frame["item_key"].to_list()):
            found.setdefault(key, index)
        return found

    def probable_match(self, item_key: str) -> str | None:
        """For a DWP-list row whose link awaits review, the proposed child in words."""
        return (self.row(item_key) or {}).get("probable_match")

    def link_note(self, item_key: str) -> str | None:
        """What the officer should know of the row's link (`DETAIL_COLUMNS`' ``link_note``)."""
        return (self.row(item_key) or {}).get("link_note")

    def award_words(self, award_id: str, whose: str | None) -> str:
        """``Universal Credit award A12 to Jane Lee (parent or carer), in payment from
        3 March 2025``; the ids only when the award is not in the data."""
        award = self.awards.get(award_id)
        who = (
            "to the child"
            if whose is None
            else f"to {self.names.get(whose, whose)} (parent or carer)"
        )
        if award is None:
            return f"award {award_id} {who}"
        name = BENEFIT_NAMES.get(award["benefit"], ("", award["benefit"]))[1]
        since = f"in payment from {long_date(award['start_date'])}"
        until = f" to {long_date(award['end_date'])}" if award["end_date"] else ""
        return f"{name} award {award_id} {who}, {since}{until}"

    def status_words(self, status_id: str) -> str:
        status = self.statuses.get(status_id)
        if status is None:
            return f"record {status_id}"
        name = STATUS_NAMES.get(status["status"], status["status"].replace("_", " "))
        until = f" to {long_date(status['end_date'])}" if status["end_date"] else ""
        return f"{name} (record {status_id}), from {long_date(status['start_date'])}{until}"


_SENTENCE = re.compile(
    rf"^(?P<code>[A-Za-z0-9_]+)(?P<note> \((?:{'|'.join(EVIDENCE_NOTES)})\))?: (?P<proof>.+)$"
)
_AWARD = re.compile(r"^award (?P<award>\S+) of (?:parent/carer (?P<whose>\S+)|the child)$")
_STATUS = re.compile(r"^status (?P<status>\S+)")
_DWP_ROW = re.compile(r"^DWP list row (?P<id>\S+)$")
_TABLE_ROW = re.compile(r"^(?P<table>[a-z_]+) row (?P<id>\S+)$")
_TABLE_WORDS = {"funded_places": "a funded place", "households": "the household's record"}


def _label(code: str, rule_set: RuleSet | None) -> str:
    try:
        return rule_set.criterion(code).label if rule_set else code
    except WorkbenchError:
        return code


def reason_lines(codes: list[str], rule_set: RuleSet | None, on: date) -> list[str]:
    """Each reason code as its rule-file label and sentence (thresholds of ``on``); the code
    alone for a code the rule set does not know."""
    lines = []
    for code in codes:
        try:
            criterion = rule_set.criterion(code) if rule_set else None
        except WorkbenchError:
            criterion = None
        lines.append(f"{criterion.label}: {criterion.sentence(on)}" if criterion else code)
    return lines


def group_label(rule_set: RuleSet | None, group: str) -> str:
    """An ``eligibility_group`` by its rule-file label (the name in words for a group the
    rules do not have)."""
    found = next((g for g in rule_set.groups if g.name == group), None) if rule_set else None
    return found.label if found else group.replace("_", " ")


def age_group_label(rule_set: RuleSet | None, age_group: str) -> str:
    """An ``age_group`` by its rule-file label (the name in words for one the rules do not
    have).

    >>> age_group_label(load_rule_set("free_school_meals"), "year_3_to_11")
    'Year 3 to Year 11'
    """
    groups = rule_set.population.age_groups if rule_set else []
    found = next((g for g in groups if g.name == age_group), None)
    return found.label if found else age_group.replace("_", " ")


def why_listed_lines(
    codes: list[str],
    rule_set: RuleSet | None,
    on: date,
    tier: str,
    group: str = "",
    age_group: str = "",
) -> list[str]:
    """Why a child is listed, a line each, as the workbook's ``reasons`` and the review
    panel's "Why listed" both say it: the child's ``eligibility_group`` (free school meals'
    targeted, expanded, ...) and ``age_group`` (infant, ..., sixth form), each by its
    rule-file label, first; then each reason by its label and sentence (thresholds of
    `on`), a reason of another group than the child's marked as also met, so that a child in
    the targeted group, who meets the expanded group's Universal Credit too, does not read
    as being in both. A child meeting no criterion (tier ``possible``) reads "No criterion
    met yet." and the tier's meaning from the rule file, which names every way a child can
    be possible (an income missing, an order with no care record, ...); the evidence says
    which.

    >>> rules = load_rule_set("free_school_meals")
    >>> why_listed_lines([], rules, date(2026, 9, 1), "likely", age_group="year_3_to_11")
    ['Age group: Year 3 to Year 11.', 'No criterion met yet. The child is of school age and meets at least one criterion.']
    """  # noqa: E501
    said = [f"Group: {group_label(rule_set, group)}."] if group else []
    if age_group:
        said.append(f"Age group: {age_group_label(rule_set, age_group)}.")
    if not codes:
        tiers = rule_set.tiers.items() if rule_set else []
        meaning = next((said for name, said in tiers if name == tier), "")
        return [*said, "No criterion met yet. " + meaning]
    lines = reason_lines(codes, rule_set, on)
    if not group:
        return [*said, *lines]
    groups = rule_set.groups if rule_set else []
    own = next((set(g.codes) for g in groups if g.name == group), None)
    marked = [
        line
        if own is None or code in own
        else f"Also met, though the child counts in the {group.replace('_', ' ')} group: {line}"
        for code, line in zip(codes, lines, strict=True)
    ]
    return [*said, *marked]


def group_columns(candidates: pl.DataFrame) -> list[pl.Series]:
    """The list's ``eligibility_group`` and ``age_group`` as text (nulls when it has none)."""
    return [_column_or_null(candidates, name, pl.String) for name in GROUP_COLUMNS]


def already_funded_words(initiative: str) -> str | None:
    """What a list's ``already_funded`` means on an offer where it does not say the offer
    is taken up (`workbench.review.offers.already_funded_is_take_up`), as the workbook's
    About sheet and the review panel say it; None where it does (the two-year-old offer,
    and an offer of a council's own rules).

    >>> already_funded_words("two_year_old") is None
    True
    >>> already_funded_words("free_school_meals")[:51]
    "not known: this offer's rules read no funded places"
    """
    if already_funded_is_take_up(initiative):
        return None
    name = initiative.split("@", 1)[0]
    rules = load_rule_set(name)
    offer = INITIATIVE_NAMES.get(name, rules.title)
    if rules.population.funded_place_required:
        return (
            f"yes on every row: a funded place this term is the condition of the {offer} (the "
            "provider of the place claims the money), so it does not mean the offer is taken up"
        )
    return (
        "not known: this offer's rules read no funded places, nor who already has the offer, "
        "so the list cannot say whether a child already has it"
    )


def decision_meanings(initiative: str) -> dict[str, str]:
    """What each decision means on a list of `initiative`, as the workbook's About sheet and
    the review panel say it: `DECISION_MEANINGS`, with ``already_in_touch`` worded for an offer
    where a place is no reason to choose it (`already_funded_words`): where a funded place is
    the offer's condition, the provider already claiming it; where the rules read no places
    (free school meals), the child already getting it.

    >>> decision_meanings("two_year_old")["already_in_touch"]
    'the family is already in touch with us or has a place'
    >>> decision_meanings("free_school_meals")["already_in_touch"]
    'the family is already in touch with us, or the child already gets free school meals'
    """
    meanings = dict(DECISION_MEANINGS)
    funded = already_funded_words(initiative)
    if funded is None:
        return meanings
    name = initiative.split("@", 1)[0]
    offer = INITIATIVE_NAMES.get(name, "offer")
    if funded.startswith("yes"):  # a funded place is the offer's condition
        meanings["already_in_touch"] = (
            f"the family is already in touch with us, or the provider already claims the "
            f"{offer} for the child (every child here has a funded place: that is the offer's "
            "condition, so a place alone is no reason to choose this)"
        )
    else:
        meanings["already_in_touch"] = (
            f"the family is already in touch with us, or the child already gets {offer.lower()}"
        )
    return meanings


def _proof_words(proof: str, details: ChildDetails | None) -> str:
    found = _AWARD.match(proof)
    if found:
        if details is None:
            whose = found["whose"]
            return f"award {found['award']} " + (
                f"to parent or carer {whose}" if whose else "to the child"
            )
        return details.award_words(found["award"], found["whose"])
    found = _STATUS.match(proof)
    if found:
        return details.status_words(found["status"]) if details else f"record {found['status']}"
    found = _DWP_ROW.match(proof)
    if found:
        return f"row {found['id']} of the DWP list"
    found = _TABLE_ROW.match(proof)
    if found:
        words = _TABLE_WORDS.get(found["table"], found["table"].replace("_", " "))
        return f"{words} (record {found['id']})"
    return proof


_NOTE_WORDS = {
    " (income missing)": " (income not recorded)",
    " (income or savings missing)": " (income or savings not recorded)",
}


def evidence_lines(
    evidence: str | None, rule_set: RuleSet | None, details: ChildDetails | None = None
) -> list[str]:
    """The evidence, one proof a line, in words: the criterion's label, then the award (benefit
    name, to whom, dates), status or list row that proves it. With no ``details`` (no data
    folder) the ids stand in for names and dates.

    Examples
    --------
    >>> evidence_lines("income_support: award A1 of parent/carer P0", None)
    ['income_support: award A1 to parent or carer P0']
    >>> evidence_lines("nrpf (income or savings missing): households row H3", None)
    ["nrpf (income or savings not recorded): the household's record (record H3)"]
    """
    lines = []
    for sentence in (evidence or "").split("; "):
        if not sentence:
            continue
        found = _SENTENCE.match(sentence)
        if found is None:
            lines.append(sentence)
            continue
        note = _NOTE_WORDS.get(found["note"] or "", found["note"] or "")
        label = _label(found["code"], rule_set)
        lines.append(f"{label}{note}: {_proof_words(found['proof'], details)}")
    return lines


def _needed_tables(shaped: pl.DataFrame, evidence: str, probable: pl.Series) -> list[str]:
    tables = []
    if shaped["person_id"].is_not_null().any() or probable.is_not_null().any():
        tables.append("people")
    # A DWP row listed on its own, or linked to a council child (its names are compared).
    if shaped["person_id"].is_null().any() or shaped["dwp_record_id"].is_not_null().any():
        tables.append("dwp_list")
    if " award " in f" {evidence}":
        tables.append("benefits")
    if " status " in f" {evidence}":
        tables.append("child_statuses")
    return tables


def _ids_in(evidence: pl.Series, pattern: str) -> list[str]:
    found = evidence.drop_nulls().str.extract_all(pattern).explode().drop_nulls()
    return found.str.replace(pattern, "${id}").unique().to_list()


def read_child_details(
    listed: ListFile, key: bytes, data: str | Path | None = None
) -> ChildDetails:
    """Read who each child on the list is from the list's data folder (once).

    Parameters
    ----------
    listed
        The list as :func:`workbench.review.lists.read_list_file` read it.
    key
        The pseudonym key (each row's ``item_key`` is keyed with it).
    data
        The data folder; by default the one the list's manifest names.

    Raises
    ------
    WorkbenchError
        When no data folder is given or named by the manifest, or a file in it is not the one
        the list was made from (SHA-256 against the manifest).
    """
    initiative = listed.rule_set.split("@", 1)[0]
    term_start = listed.term_start
    as_of = listed.as_of or term_start
    folder = list_data_folder(listed, data)
    rule_set = load_rule_set(initiative)
    shaped = review_candidates(listed.candidates, key)
    evidence = shaped["evidence"].fill_null("")
    probable = _column_or_null(listed.candidates, "probable_person_id", pl.String)
    tables = _needed_tables(shaped, " ".join(evidence.to_list()), probable)
    check_inputs(folder, listed, tables)
    read = load_folder(
        folder,
        tables=tables,
        columns={
            "people": _PEOPLE_COLUMNS,
            "dwp_list": _DWP_COLUMNS,
            "benefits": ("end_date",),
            "child_statuses": ("end_date",),
        },
        normalise=False,
    )
    check_read_inputs(read, listed)
    loaded = read.tables
    day = term_start or date.today()
    parts = []
    people_rows = shaped.filter(pl.col("person_id").is_not_null())
    if people_rows.height:
        person_part = _person_rows(loaded["people"], people_rows, rule_set, day, as_of or day)
        linked = people_rows.filter(pl.col("dwp_record_id").is_not_null())
        if linked.height:
            person_part = person_part.join(
                _dwp_names_note(loaded["dwp_list"], loaded["people"], linked),
                on="item_key",
                how="left",
            )
        parts.append(person_part)
    dwp_rows = shaped.filter(pl.col("person_id").is_null())
    if dwp_rows.height:
        dwp_part = _dwp_rows(loaded["dwp_list"], dwp_rows)
        proposed = shaped.select("item_key", probable.alias("person_id")).filter(
            pl.col("person_id").is_not_null()
        )
        if proposed.height:
            matches = _person_rows(loaded["people"], proposed, rule_set, day, as_of or day)
            held = _column_or_null(listed.candidates, "held_because", pl.String)
            dwp_part = dwp_part.join(
                matches.select("item_key", _probable_match_text().alias("probable_match")),
                on="item_key",
                how="left",
            ).join(
                _held_note(loaded["people"], shaped, probable, held),
                on="item_key",
                how="left",
            )
        parts.append(dwp_part)
    # Every column, even where no part has it (no row awaits a link review: `probable_match`).
    computed = ("age", "postcode_district")
    empty = pl.DataFrame(schema={c: t for c, t in DETAIL_COLUMNS.items() if c not in computed})
    frame = pl.concat(
        [
            empty,
            *(
                p.select([pl.col(c).cast(t) for c, t in DETAIL_COLUMNS.items() if c in p.columns])
                for p in parts
            ),
        ],
        how="diagonal_relaxed",
    )
    frame = (
        shaped.select("item_key")
        .join(frame, on="item_key", how="left", maintain_order="left")
        .with_columns(
            pl.col("date_of_birth")
            .map_elements(lambda born: age_text(born, day), return_dtype=pl.String)
            .alias("age"),
            postcode_district(pl.col("postcode")).alias("postcode_district"),
        )
        .select(list(DETAIL_COLUMNS))
    )
    return ChildDetails(
        title=list_title(initiative, term_start, rule_set),
        term_start=term_start,
        data=folder,
        frame=frame,
        awards=_records(loaded.get("benefits"), "award_id", _ids_in(evidence, r"award (?<id>\S+)")),
        statuses=_records(
            loaded.get("child_statuses"), "status_id", _ids_in(evidence, r"status (?<id>\S+)")
        ),
        names=_names(loaded.get("people"), _ids_in(evidence, r"parent/carer (?<id>\S+)")),
        caution=rules_caution(listed),
    )


def _probable_match_text() -> pl.Expr:
    """The proposed match in words, from `_person_rows`' columns: "Amelia Smyth (council
    record P0075909), born 3 May 2024, 12 High Street, AB1 2CD; parents or carers: Jane
    Smyth". The record id follows the child's name: it is the child's record, not a
    parent's. (Workbooks exported before 8 December 2026 put it last, after the parents'
    names; subject access reads both: `workbench.governance._sar_exports`.)"""
    born = pl.col("date_of_birth").map_elements(long_date, return_dtype=pl.String)
    where = pl.concat_str("address_line_1", "postcode", separator=", ", ignore_nulls=True)
    return pl.concat_str(
        pl.col("child_name").fill_null("name not recorded"),
        pl.lit(" (council record "),
        pl.col("person_id"),
        pl.lit("), born "),
        born.fill_null("date of birth not recorded"),
        pl.when(where != "").then(pl.lit(", ") + where).otherwise(pl.lit("")),
        pl.lit("; parents or carers: "),
        pl.col("parent_carers").fill_null("none recorded"),
    )


def _name_key(expr: pl.Expr) -> pl.Expr:
    """A name as the linkage compares it: spacing tidied, lower case, accents dropped."""
    tidy = expr.str.replace_all(r"\s+", " ").str.strip_chars()
    return tidy.str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.to_lowercase()


def _dwp_names_note(dwp: pl.DataFrame, people: pl.DataFrame, linked: pl.DataFrame) -> pl.DataFrame:
    """For each council child linked to a DWP-list row (`linked`: item_key, person_id,
    dwp_record_id) whose child's forename or surname on the row is not the council's (but
    for case, spacing and accents), the note "DWP's row names the child Zara Onetwin."
    (`link_note`): the officer sees whom the list meant. The row is the same child's, as
    the link says, so nobody else's data is shown."""
    row_name = pl.concat_str("child_forename", "child_surname", separator=" ")
    council = people.select(
        "person_id",
        _name_key(pl.col("forename")).alias("_forename"),
        _name_key(pl.col("surname")).alias("_surname"),
    )
    rows = dwp.select(
        pl.col("record_id").alias("dwp_record_id"),
        row_name.alias("_row_name"),
        _name_key(pl.col("child_forename")).alias("_row_forename"),
        _name_key(pl.col("child_surname")).alias("_row_surname"),
    )
    differ = (pl.col("_row_forename") != pl.col("_forename")) | (
        pl.col("_row_surname") != pl.col("_surname")
    )
    return (
        linked.select("item_key", "person_id", "dwp_record_id")
        .join(council, on="person_id", how="left")
        .join(rows.unique("dwp_record_id", keep="first"), on="dwp_record_id", how="left")
        .filter(differ.fill_null(False) & pl.col("_row_name").is_not_null())
        .select(
            "item_key",
            pl.concat_str(pl.lit("DWP's row names the child "), "_row_name", pl.lit(".")).alias(
                "link_note"
            ),
        )
    )


_COUNCIL_RECORD = re.compile(r"council records? (?P<ids>[^\s:;(),]+(?:, [^\s:;(),]+)*)")


def _held_note(
    people: pl.DataFrame, shaped: pl.DataFrame, probable: pl.Series, held: pl.Series
) -> pl.DataFrame:
    """For each DWP-list row awaiting a link review whose list gives why the linkage held it
    (`held`, the links' ``held_because``), the note "Held for review because ...". A child
    it names by council record id who lives in the proposed child's household (a twin, a
    brother or sister) is named too, "Ella Jonesby (council record P13)": the proposed
    child's family, whom the officer deciding sees already. Another family's child stays a
    record id."""
    frame = shaped.select("item_key", probable.alias("person_id"), held.alias("_held")).filter(
        pl.col("person_id").is_not_null() & pl.col("_held").is_not_null()
    )
    household = {
        row["person_id"]: row["household_id"]
        for row in people.select("person_id", "household_id").iter_rows(named=True)
    }
    names = {
        row["person_id"]: f"{row['forename']} {row['surname']}"
        for row in people.select("person_id", "forename", "surname").iter_rows(named=True)
    }
    notes = []
    for item_key, proposed, why in frame.iter_rows():
        home = household.get(proposed)

        def named(found: re.Match[str], home: str | None = home) -> str:
            ids = found["ids"].split(", ")
            words = [
                f"{names[i]} (council record {i})"
                if home is not None and household.get(i) == home and i in names
                else f"council record {i}"
                for i in ids
            ]
            return ", ".join(words)

        notes.append((item_key, f"Held for review because {_COUNCIL_RECORD.sub(named, why)}."))
    return pl.DataFrame(notes, schema={"item_key": pl.String, "link_note": pl.String}, orient="row")


def link_method_text(method: str | None) -> str | None:
    """How a record was linked, in words (`LINK_METHOD_TEXT`; an unknown method as written;
    None for none)."""
    return LINK_METHOD_TEXT.get(method, method) if method else None


def record_link_text(
    row: dict[str, Any], probable_match: str | None = None, link_note: str | None = None
) -> str:
    """The record link of a list row in words, as the panel and the workbook show it: whether
    one awaits review (with the proposed match, named by `probable_match`, the row's details'
    column, when the officer may see them), and how the child was matched (`link_method`;
    with `link_note`, the names the DWP-list row gives a linked child when they are not the
    council's).

    A row whose link was held for review says why first (`link_note`, the details' words,
    else the list's ``held_because`` with record ids only; and the list's ``link_caution``),
    and its match score after it in words, never as a bare figure beside the proposed match:
    a twin or a namesake scores as high as the child, so the score does not settle it."""
    method = link_method_text(row.get("link_method"))
    how = f" Matched because {method}." if method else ""
    if row["link_needs_review"]:
        awaits = (
            "A probable match with a child in the council's records awaits review: this DWP-list "
            "row is listed on its own until someone records link confirmed or link rejected."
        )
        why = _held_words(row, link_note)
        if why is None:
            return awaits + _probable_text(row, probable_match) + how
        return (
            f"{why} {awaits}"
            + _probable_text(row, probable_match, scored=False)
            + _held_score_text(row)
            + how
        )
    if not row.get("person_id"):
        caution = row.get("link_caution")  # its closest record linked to another row
        return (
            "A DWP-list row matched to no child in the council's records."
            + how
            + (f" Caution: {caution}." if caution else "")
        )
    also = ""
    if dwp_rows := row.get("proposed_by"):
        also += (
            f" DWP-list {_rows(dwp_rows.split(', '))} on this list may be this child: the link "
            "awaits review, so decide them together."
        )
    if places := row.get("funded_place_to_review"):
        also += (
            f" A funded place for this term may already be this child's "
            f"({_rows(places.split(';'))}): its link awaits review, so check with the provider "
            "before contacting the family."
        )
    if caution := row.get("link_caution"):  # a DWP-list row or place with another birth date
        also += f" Caution: {caution}."
    if "dwp_list" in row["reason_codes"]:
        because = f" because {method}." if method else " (method not recorded)."
        named = f" {link_note}" if link_note else ""
        return "Matched to a row of the DWP list" + because + named + also
    return "No record linkage: found from the council's own records." + also


# The linkage's `held_because` for a pair held only for its score (`workbench.linkage.
# probabilistic._banded`): the score is then the reason, and is said as such.
_BELOW_THRESHOLD = "the match probability is below the linked threshold"


def _held_words(row: dict[str, Any], link_note: str | None) -> str | None:
    """Why a DWP-list row's link was held for review, in sentences: the linkage's reason
    (`link_note`, else the list's ``held_because``) and the list's ``link_caution``; None
    when the list says neither (a list written before it said why)."""
    said = []
    if link_note:
        said.append(link_note)
    elif held := row.get("held_because"):
        said.append(f"Held for review because {held}.")
    if caution := row.get("link_caution"):
        said.append(f"{'Also, ' if said else 'Held for review because '}{caution}.")
    return " ".join(said) or None


def _held_score_text(row: dict[str, Any]) -> str:
    """A held pair's match score, its level in words first (`_score_level`), with what it
    can and cannot tell the officer."""
    chance = row.get("match_probability")
    if chance is None:
        return ""
    level = _score_level(chance)
    score = f" The match score is {level} ({_percent(chance)})"
    held = row.get("held_because") or ""
    if held.startswith(_BELOW_THRESHOLD) and not row.get("link_caution"):
        return f"{score}: not high enough to match the two records without a person checking."
    if level in ("very high", "high"):
        return (
            f"{score}, but that only says the two records are much alike: a twin's or a "
            "namesake's can be too. Decide on the reason it was held, above, not on the score."
        )
    return f"{score}. Check the reason it was held, above, before deciding."


def _score_level(probability: float) -> str:
    """A match probability in a word: very high (99% or more), high (90%), moderate (50%),
    low."""
    if probability >= 0.99:
        return "very high"
    if probability >= 0.9:
        return "high"
    return "moderate" if probability >= 0.5 else "low"


def _rows(ids: list[str]) -> str:
    """The ids as the sentence names them: 'row D1' or 'rows D1, D2'."""
    return f"row{'s' if len(ids) > 1 else ''} {', '.join(ids)}"


def _probable_text(row: dict[str, Any], probable_match: str | None, scored: bool = True) -> str:
    """The proposed match, to compare with the DWP-list row: who (its details, else its
    record id) and, `scored`, how sure the linkage was."""
    person = row.get("probable_person_id")
    if not person:
        return ""
    who = probable_match or f"council record {person}"
    chance = row.get("match_probability") if scored else None
    sure = "" if chance is None else f" (match probability {_percent(chance)})"
    return f" Proposed match: {who}{sure}. Compare it with the DWP-list row before deciding."


def _percent(probability: float) -> str:
    """0.999994 -> '99.9994%': enough figures that a near-certain pair never reads 100%."""
    text = f"{probability * 100:.4f}".rstrip("0").rstrip(".")
    return f"{'99.9999+' if text == '100' and probability < 1 else text}%"


def _records(table: pl.DataFrame | None, id_column: str, ids: list[str]) -> dict[str, dict]:
    if table is None or not ids:
        return {}
    found = table.filter(pl.col(id_column).is_in(pl.Series(ids, dtype=pl.String).implode()))
    return {row[id_column]: row for row in found.iter_rows(named=True)}


def _names(people: pl.DataFrame | None, ids: list[str]) -> dict[str, str]:
    if people is None or not ids:
        return {}
    found = people.filter(pl.col("person_id").is_in(pl.Series(ids, dtype=pl.String).implode()))
    return {
        row["person_id"]: f"{row['forename']} {row['surname']}"
        for row in found.iter_rows(named=True)
    }
