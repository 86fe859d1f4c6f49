"""Take-up of an offer: how many children who look eligible already have a funded place.

Every function here returns *raw* counts for the council's own use (restricted outputs);
`protect` turns one of its tables into a `ProtectedTable` fit for ``shareable/``.

- `take_up`: eligible children (the ``likely`` tier), funded (``already_funded``: linked to a
  funded place for the term) and the take-up rate, overall or by area (postcode district),
  ward (from a council's lookup file, `workbench.stats.wards`), criterion (reason code) or
  age band (whole months of age on the first day of term; `age_band_labels` gives a rule
  set's bands, an edge band of too few birthdays merged into its neighbour).
- `funnel`: the outreach funnel of DWP-list children: on the list, linked to the council's
  records, reviewed, contacted, funded. Each stage counts the children of the stage before
  it that got this far.
- `trend`: take-up across terms, from one candidate list per term.
- `national_take_up`: DfE's national figures, read from ``national_take_up.yaml`` (never
  written in code), to compare against; `national_comparison` puts them beside each term.

Example
-------
>>> import polars as pl
>>> candidates = pl.DataFrame({
...     "person_id": ["C1", "C2", "C3"], "dwp_record_id": [None, None, None],
...     "tier": ["likely", "likely", "possible"],
...     "reason_codes": [["income_support"], ["ehc_plan"], []],
...     "already_funded": [True, False, False],
... })
>>> take_up(candidates).rows()
[('all', 2, 1, 0.5)]
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import yaml

from workbench.data import clean
from workbench.errors import DataFileError, UsageError
from workbench.review import OUTCOME_DECISIONS
from workbench.stats.disclosure import (
    TOTAL,
    DisclosureRules,
    ProtectedTable,
    protect_table,
    wilson_interval,
)
from workbench.stats.wards import match_wards

if TYPE_CHECKING:
    from workbench.eligibility.assess import Assessment
    from workbench.rules import RuleSet

__all__ = [
    "BY_OPTIONS",
    "EVIDENCE_COLUMN",
    "FUNNEL_STAGES",
    "NATIONAL_TAKE_UP_FILE",
    "UNKNOWN",
    "age_band_labels",
    "area_labels",
    "area_ward_pairs",
    "frame_labels",
    "funnel",
    "hide_suppressed",
    "national_caveats",
    "national_comparison",
    "national_take_up",
    "protect",
    "take_up",
    "trend",
    "ward_labels",
    "without_funded",
]

NATIONAL_TAKE_UP_FILE = Path(__file__).with_name("national_take_up.yaml")
UNKNOWN = "unknown"
"""The group of a child whose postcode, date of birth or other field is not known."""
BY_OPTIONS = ("area", "ward", "criterion", "age_band", "group")
FUNNEL_STAGES = ("on_dwp_list", "linked", "reviewed", "contacted", "funded")
_ALL = "all"
_LIKELY = "likely"
_CONTACT = "contact"
_CANDIDATE_COLUMNS = ("person_id", "tier", "reason_codes", "already_funded")
_COUNTS = ("eligible", "funded")
_RATE = "rate"
_TAKE_UP_RATE = {_RATE: ("funded", "eligible")}


def take_up(
    candidates: pl.DataFrame | Assessment,
    people: pl.DataFrame | pl.LazyFrame | None = None,
    *,
    by: str | None = None,
    term_start: date | None = None,
    band_months: int = 6,
    wards: pl.DataFrame | None = None,
    labels: Collection[str] | None = None,
) -> pl.DataFrame:
    """Eligible (``likely`` tier) and funded children, and the take-up rate, by one dimension.

    Parameters
    ----------
    candidates
        An assessment (`workbench.assess`) or its candidate list: ``person_id``, ``tier``,
        ``reason_codes``, ``already_funded``.
    people
        The people table: ``postcode`` for ``by="area"`` and ``by="ward"``,
        ``date_of_birth`` for ``by="age_band"``. Not needed otherwise; given an assessment,
        the people table it read is used.
    by
        None (one row, group ``all``), ``"area"`` (postcode district, the outward code of a
        postcode shaped like a UK one; any other value is ``unknown``),
        ``"ward"`` (from ``wards``: full postcode first, then sector, then district),
        ``"criterion"`` (a child meeting several criteria counts under each, so rows add up
        to more than the children), ``"age_band"`` (months of age on ``term_start``, in bands
        of ``band_months``, e.g. ``24-29``, or the bands ``labels`` name, `age_band_labels`:
        ``30-36`` holds ages 30 to 36 months) or ``"group"`` (the list's ``eligibility_group``:
        free school meals' targeted and expanded groups). A child the people table cannot
        place (a DWP-list child matched to no one, a missing postcode or one not shaped
        like a postcode) is in group ``unknown``.
    term_start
        The first day of the term; required for ``by="age_band"``.
    band_months
        Width of the age bands in months.
    wards
        The ward lookup (`workbench.stats.wards.load_ward_lookup`); required for
        ``by="ward"`` and only used by it. A child whose postcode matches no entry is in
        ward ``unknown``.
    labels
        Every row the table lists whether or not a child is in it (`frame_labels`): a row
        that appeared only while some child was in it, or vanished when the last one left,
        would tell a reader comparing two runs the group of a family that left. Given an
        assessment, by default the rows its rules and data define (`frame_labels`); the ward
        lookup's wards are always listed. ``unknown`` is always listed for ``area`` and
        ``ward`` (for ``age_band`` and ``group``, `frame_labels` says when). A child is
        never left out: a label found in the data and not in ``labels`` is listed too.

    Returns
    -------
    pl.DataFrame
        The dimension (``group``, ``area``, ``ward``, ``criterion`` or ``age_band``),
        ``eligible``,
        ``funded`` (Int64) and ``rate`` (funded / eligible; null for a row of no child),
        sorted by the dimension (age bands by age), ``unknown`` last.

    Examples
    --------
    >>> candidates = pl.DataFrame({
    ...     "person_id": ["C1", "C2"], "tier": ["likely", "likely"],
    ...     "reason_codes": [["income_support"], ["ehc_plan", "income_support"]],
    ...     "already_funded": [True, False],
    ... })
    >>> take_up(candidates, by="criterion").rows()
    [('ehc_plan', 1, 0, 0.0), ('income_support', 2, 1, 0.5)]

    Every criterion of the rules is listed, met by a child or not:

    >>> take_up(candidates, by="criterion", labels=["dwp_list", "ehc_plan"]).rows()
    [('dwp_list', 0, 0, None), ('ehc_plan', 1, 0, 0.0), ('income_support', 2, 1, 0.5)]
    """
    if by is not None and by not in BY_OPTIONS:
        raise UsageError(f"take_up's by must be None or one of {list(BY_OPTIONS)}; got {by!r}.")
    if not isinstance(candidates, pl.DataFrame):  # an Assessment
        if people is None:
            people = _assessed_people(candidates, by)
        if term_start is None:
            term_start = candidates.term_start
        if labels is None and by is not None:
            labels = frame_labels(candidates, by, people, band_months=band_months)
        candidates = candidates.candidates
    likely = _likely(candidates)
    if wards is not None and by != "ward":
        raise UsageError(f"take_up's wards are used only with by='ward'; got by={by!r}.")
    listed = [] if labels is None else [str(label) for label in labels]
    if by in _ALWAYS_UNKNOWN:
        listed.append(UNKNOWN)
    if by is None:
        grouped = likely.with_columns(pl.lit(_ALL).alias("group"))
        return _count(grouped, "group")
    if by == "criterion":
        grouped = likely.explode("reason_codes").rename({"reason_codes": "criterion"})
        grouped = grouped.with_columns(pl.col("criterion").fill_null(UNKNOWN))
        return _count(grouped, "criterion", listed)
    if by == "group":
        _require(candidates, ("eligibility_group",), "the candidate list")
        group = candidates.filter(pl.col("tier") == _LIKELY)["eligibility_group"]
        grouped = likely.with_columns(group.fill_null(UNKNOWN).alias("group"))
        return _count(grouped, "group", listed)
    if by == "area":
        return _count(_with_area(likely, people), "area", listed)
    if by == "ward":
        placed = _with_ward(likely, people, wards)
        return _count(placed, "ward", [*ward_labels(wards), *listed])
    placed = _with_age_band(likely, people, term_start, band_months, listed)
    return _count(placed, "age_band", listed)


_ALWAYS_UNKNOWN = ("area", "ward")
"""The splits whose ``unknown`` row is listed on every run, whether or not a child is in it:
any child may have no postcode, or one no district or ward holds (`frame_labels` says when
an age band or a group may be unknown)."""


def frame_labels(
    found: Assessment,
    by: str,
    people: pl.DataFrame | pl.LazyFrame | None = None,
    *,
    wards: pl.DataFrame | None = None,
    band_months: int = 6,
) -> list[str]:
    """Every row a take-up table by ``by`` lists for an assessment, whoever is eligible.

    What defines the rows is the rules and the council's data, never which children are
    eligible, so that no row comes or goes with one family:

    - ``criterion``: every criterion of the rule set in force on the term start;
    - ``group``: every group of the rule set, and ``unknown`` when a criterion in force is
      in no group (otherwise no child can be in it);
    - ``age_band``: every band of ``band_months`` holding an age in the rule set's age
      window on the term start, an edge band of too few birthdays merged into its neighbour
      (`age_band_labels`), and ``unknown`` when the rules read the DWP list (a child matched
      to no one has no age; every council record has a date of birth);
    - ``area``: the postcode district of every person in ``people`` (every person the
      council's data holds, adults too, not only the children who look eligible);
    - ``ward``: every ward of the ward lookup (`ward_labels`).

    ``people`` is the people table for ``area`` (by default the one the assessment read).
    """
    rule_set, term_start = found.rule_set, found.term_start
    if by == "criterion":
        return [criterion.code for criterion in rule_set.criteria_in_force(term_start)]
    if by == "group":
        # A child is in no group (``unknown``) only by a criterion of no group: where every
        # criterion has a group, that row is always 0 (a reader of the rules knows it).
        in_force = {criterion.code for criterion in rule_set.criteria_in_force(term_start)}
        grouped = {code for group in rule_set.groups for code in group.codes}
        return [group.name for group in rule_set.groups] + ([UNKNOWN] if in_force - grouped else [])
    if by == "age_band":
        # Every council record has a date of birth: only a DWP-list child matched to no one
        # has no age, so ``unknown`` is listed where the rules read the DWP list.
        bands = age_band_labels(rule_set, term_start, band_months)
        return bands + ([UNKNOWN] if "dwp_list" in rule_set.sources else [])
    if by == "area":
        return area_labels(people if people is not None else _assessed_people(found, by))
    if by == "ward":
        return [] if wards is None else ward_labels(wards)
    raise UsageError(f"frame_labels' by must be one of {list(BY_OPTIONS)}; got {by!r}.")


def area_labels(people: pl.DataFrame | pl.LazyFrame) -> list[str]:
    """The postcode district of every person whose postcode has the UK shape, sorted.

    Examples
    --------
    >>> area_labels(pl.DataFrame({"postcode": ["fq2 1ab", "FQ1 1AA", None, "a house"]}))
    ['FQ1', 'FQ2']
    """
    frame = people.lazy()
    if "postcode" not in frame.collect_schema().names():
        raise UsageError("take_up by 'area' needs the people table's 'postcode' column.")
    cleaned = clean.postcode(pl.col("postcode").cast(pl.String))
    district = pl.when(clean.is_uk_postcode(cleaned)).then(cleaned.str.split(" ").list.first())
    found = frame.select(district.alias("area")).drop_nulls().unique().collect()
    return sorted(found.get_column("area").to_list())


def ward_labels(wards: pl.DataFrame | None) -> list[str]:
    """Every ward of a ward lookup (`workbench.stats.wards.load_ward_lookup`), sorted."""
    if wards is None:
        return []
    return sorted(set(wards.get_column("ward").cast(pl.String).drop_nulls().to_list()))


def age_band_labels(rule_set: RuleSet, term_start: date, band_months: int = 6) -> list[str]:
    """The age bands of every age in the rule set's age window on the term start, youngest
    first: the bands a take-up table by age lists on every run.

    A band is named by the youngest and oldest age in it, in whole months, both included:
    ``24-29`` holds the children 24 to 29 months old on the first day of term. The bands
    are ``band_months`` wide (those at the ends of the window hold the ages the window lets
    in), except that a first or last band holding fewer than half a band's dates of birth
    (fewer than ``band_months`` x 365.25 / 24 days: 91 days or fewer for six-month bands)
    is merged into its neighbour, which is then wider: two-year-olds' ``30-36``. Such a
    sliver would be a handful of birthdays (the window lets a child in at 36 months only
    when their third birthday is the first day of term: one date of birth), and its row
    would tell of those few children, whatever its counts.

    Examples
    --------
    >>> from workbench.rules import load_rule_set
    >>> age_band_labels(load_rule_set("two_year_old"), date(2026, 9, 1))
    ['24-29', '30-36']

    (A child whose third birthday is the first day of term is 36 months old, and in the
    window until the next term: alone in a band ``36-41``, so counted in ``30-36``.)
    """
    from workbench.eligibility.terms import in_window, window_dob_range

    _check_band_months(band_months)
    window = rule_set.population.window_on(term_start)
    low, high = window_dob_range(window, term_start)
    days = pl.DataFrame({"date_of_birth": pl.date_range(low, high, eager=True)})
    inside = days.filter(in_window(pl.col("date_of_birth"), window, term_start))
    _, start = _age_band(term_start, band_months)
    age = _age_months(term_start)
    births = (
        inside.group_by(start.alias("start"))
        .agg(age.min().alias("youngest"), age.max().alias("oldest"), pl.len().alias("days"))
        .sort("start")
    )
    bands = [(youngest, oldest, days) for _, youngest, oldest, days in births.iter_rows()]
    return [f"{first}-{last}" for first, last in _merge_slivers(bands, band_months)]


def _merge_slivers(bands: list[tuple[int, int, int]], band_months: int) -> list[tuple[int, int]]:
    """``(youngest, oldest age in months, dates of birth)`` of each band, youngest first,
    with a first or last band of fewer than half a band's dates of birth merged into its
    neighbour (one band is kept whatever it holds): ``(youngest, oldest)`` of each left."""
    found = list(bands)

    def sliver(band: tuple[int, int, int]) -> bool:
        # Fewer than half the days of band_months months of 365.25 / 12 days each.
        return band[2] * 24 < band_months * 365.25

    while len(found) > 1 and sliver(found[0]):
        (first, _, days), (_, last, more) = found[0], found[1]
        found[:2] = [(first, last, days + more)]
    while len(found) > 1 and sliver(found[-1]):
        (first, _, days), (_, last, more) = found[-2], found[-1]
        found[-2:] = [(first, last, days + more)]
    return [(first, last) for first, last, _ in found]


def funnel(
    candidates: pl.DataFrame,
    links: pl.DataFrame | pl.LazyFrame,
    decisions: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The outreach funnel of the DWP-list children on a candidate list.

    Stages, each counting the children of the stage before who got this far:
    ``on_dwp_list`` (candidates carrying a ``dwp_record_id``: the list's children in the age
    window), ``linked`` (their DWP row is linked to a person in ``links``), ``reviewed`` (a
    reviewer recorded an outcome decision), ``contacted`` (that decision is ``contact``) and
    ``funded`` (``already_funded``). Without ``decisions`` the two review stages are left
    out, and ``funded`` follows ``linked``.

    Parameters
    ----------
    candidates
        A candidate list with ``person_id``, ``dwp_record_id`` and ``already_funded``.
    links
        The links the assessment used (`workbench.Assessment.links`): ``source``, ``record_id``,
        ``person_id``, ``band``.
    decisions
        The standing outcome decision per child: ``person_id`` and ``decision`` (one of
        `workbench.review.OUTCOME_DECISIONS`), at most one row per child, e.g. the review
        store's `latest_decisions` with item keys mapped back to ids on the restricted side.

    Returns
    -------
    pl.DataFrame
        ``stage`` (an Enum in funnel order), ``count``, ``share_of_previous`` and
        ``share_of_first`` (null where the stage before has no children).

    Examples
    --------
    >>> candidates = pl.DataFrame({"person_id": ["C1", None], "dwp_record_id": ["D1", "D2"],
    ...     "already_funded": [True, False]})
    >>> links = pl.DataFrame({"source": ["dwp_list"] * 2, "record_id": ["D1", "D2"],
    ...     "person_id": ["C1", None], "band": ["linked", "not_linked"]})
    >>> funnel(candidates, links).select("stage", "count").rows()
    [('on_dwp_list', 2), ('linked', 1), ('funded', 1)]
    """
    _require(candidates, ("person_id", "dwp_record_id", "already_funded"), "candidates")
    links = links.lazy().collect() if isinstance(links, pl.LazyFrame) else links
    _require(links, ("source", "record_id", "person_id", "band"), "links")
    linked_rows = links.filter(
        (pl.col("source") == "dwp_list")
        & (pl.col("band") == "linked")
        & pl.col("person_id").is_not_null()
    ).get_column("record_id")
    on_list = candidates.filter(pl.col("dwp_record_id").is_not_null())
    stages = {"on_dwp_list": on_list}
    stages["linked"] = on_list.filter(
        pl.col("dwp_record_id").is_in(linked_rows.implode()) & pl.col("person_id").is_not_null()
    )
    last = stages["linked"]
    if decisions is not None:
        standing = _standing_decisions(decisions)
        stages["reviewed"] = last.join(standing, on="person_id", how="semi")
        contacted = standing.filter(pl.col("decision") == _CONTACT)
        stages["contacted"] = last = last.join(contacted, on="person_id", how="semi")
    stages["funded"] = last.filter(pl.col("already_funded"))
    names = list(stages)
    counts = pl.Series("count", [frame.height for frame in stages.values()], dtype=pl.Int64)
    return pl.DataFrame(
        {"stage": pl.Series(names, dtype=pl.Enum(names)), "count": counts}
    ).with_columns(
        share_of_previous=_share(pl.col("count"), pl.col("count").shift(1)),
        share_of_first=_share(pl.col("count"), pl.col("count").first()),
    )


def area_ward_pairs(
    candidates: pl.DataFrame, people: pl.DataFrame | pl.LazyFrame, wards: pl.DataFrame
) -> set[tuple[str, str]]:
    """The (postcode district, ward) pairs the ``likely`` children fall in, as `take_up` puts them.

    Examples
    --------
    >>> from workbench.stats.wards import load_ward_lookup
    >>> lookup = pl.DataFrame({"postcode": ["FQ1"], "level": ["district"], "ward": ["Ash"],
    ...     "ward_code": [None]}, schema_overrides={"ward_code": pl.String})
    >>> candidates = pl.DataFrame({"person_id": ["C1", None], "tier": ["likely"] * 2,
    ...     "reason_codes": [["ehc_plan"], ["dwp_list"]], "already_funded": [False, False]})
    >>> people = pl.DataFrame({"person_id": ["C1"], "postcode": ["FQ1 2AB"]})
    >>> sorted(area_ward_pairs(candidates, people, lookup))
    [('FQ1', 'Ash'), ('unknown', 'unknown')]
    """
    placed = match_wards(_with_area(_likely(candidates), people), wards)
    return set(placed.select("area", "ward").unique().iter_rows())


def trend(
    runs: Mapping[date, pl.DataFrame],
    uncounted: Collection[date] = (),
    evidence: Mapping[date, date] | None = None,
) -> pl.DataFrame:
    """Take-up term by term: ``term_start``, ``eligible``, ``funded``, ``rate``, oldest first
    (and ``evidence_as_of`` last, given ``evidence``).

    A term with no eligible child has a row of zeros and no rate, so every term is shown.
    The terms are other children (or the same ones again), so the rows are not added up.

    Parameters
    ----------
    runs
        One candidate list per term, keyed by the term's first day.
    uncounted
        Terms whose funded places were not read (the providers' headcount holds none for
        them): their ``funded`` and ``rate`` are empty, not 0, since no child could be
        counted as funded.
    evidence
        Each term's evidence date (its ``as_of``): the figures of a term depend on it, so the
        trend says which each uses (``evidence_as_of``). A term it leaves out is refused.

    Examples
    --------
    >>> from datetime import date
    >>> term = pl.DataFrame({"person_id": ["C1"], "tier": ["likely"],
    ...     "reason_codes": [["ehc_plan"]], "already_funded": [True]})
    >>> trend({date(2026, 9, 1): term}).rows()
    [(datetime.date(2026, 9, 1), 1, 1, 1.0)]
    >>> trend({date(2026, 9, 1): term}, uncounted=[date(2026, 9, 1)]).rows()
    [(datetime.date(2026, 9, 1), 1, None, None)]
    >>> trend({date(2026, 9, 1): term}, evidence={date(2026, 9, 1): date(2026, 8, 1)}).row(0)
    (datetime.date(2026, 9, 1), 1, 1, 1.0, datetime.date(2026, 8, 1))
    """
    if not runs:
        raise UsageError("trend needs at least one term's candidate list; got none.")
    rows = []
    for term_start, candidates in runs.items():
        if not isinstance(term_start, date):
            raise UsageError(f"trend's runs are keyed by term start dates; got {term_start!r}.")
        overall = take_up(candidates).drop("group")
        if overall.is_empty():  # no eligible child that term: a row of zeros, not a gap
            overall = pl.DataFrame(
                {"eligible": [0], "funded": [0], _RATE: [None]},
                schema={"eligible": pl.Int64, "funded": pl.Int64, _RATE: pl.Float64},
            )
        if term_start in uncounted:
            overall = without_funded(overall)
        rows.append(overall.select(pl.lit(term_start).alias("term_start"), pl.all()))
    table = pl.concat(rows).sort("term_start")
    if evidence is None:
        return table
    missing = sorted(set(runs) - set(evidence))
    if missing:
        raise UsageError(
            f"trend's evidence dates leave out the term(s) starting {', '.join(map(str, missing))}."
        )
    return table.with_columns(
        pl.col("term_start")
        .replace_strict(dict(evidence), return_dtype=pl.Date)
        .alias(EVIDENCE_COLUMN)
    )


EVIDENCE_COLUMN = "evidence_as_of"
"""The trend's column of each term's evidence date, last in the table and in ``trend.csv``."""


_FROM_FUNDED = ("funded", _RATE, "ci_lower", "ci_upper", "funded_share", "disparity")
"""The columns of a take-up or equality table that are worked out from the funded count."""


def without_funded(table: pl.DataFrame) -> pl.DataFrame:
    """``table`` with ``funded`` and what is worked out from it (the rate, an equality
    table's interval, share of the funded and disparity) emptied: for a term whose funded
    places were not read, where 0 would read as "no child funded". Published blank.

    Examples
    --------
    >>> table = pl.DataFrame({"area": ["FQ1"], "eligible": [40], "funded": [0], "rate": [0.0]})
    >>> without_funded(table).rows()
    [('FQ1', 40, None, None)]
    """
    return table.with_columns(
        pl.lit(None, dtype=table.schema[name]).alias(name)
        for name in _FROM_FUNDED
        if name in table.columns
    )


def national_take_up(path: str | Path = NATIONAL_TAKE_UP_FILE) -> pl.DataFrame:
    """DfE's national take-up of the two-year-old offer, from the packaged YAML file.

    Returns
    -------
    pl.DataFrame
        ``year`` (January of the count), ``rate`` (a proportion), ``comparable`` (False when
        the year cannot be compared with earlier ones), ``note`` and ``source`` (URL).

    Examples
    --------
    >>> national_take_up().filter(pl.col("year") == 2024).select("rate").item()
    0.75
    """
    document = _national_document(path)
    source = document["reference"][0]["href"]
    rows = [
        {
            "year": int(year),
            "rate": float(entry["rate"]),
            "comparable": bool(entry["comparable"]),
            "note": (entry.get("note") or "").strip() or None,
            "source": source,
        }
        for year, entry in document["values"].items()
    ]
    schema = {
        "year": pl.Int32,
        "rate": pl.Float64,
        "comparable": pl.Boolean,
        "note": pl.String,
        "source": pl.String,
    }
    return pl.DataFrame(rows, schema=schema).sort("year")


def national_comparison(
    term_starts: Iterable[date], national: pl.DataFrame | None = None
) -> pl.DataFrame:
    """England's take-up beside each term: DfE's latest January count on or before it.

    Parameters
    ----------
    term_starts
        The terms' first days.
    national
        From `national_take_up` (by default the packaged figures).

    Returns
    -------
    pl.DataFrame
        ``term_start``, ``england_year`` (January of the count), ``england_rate`` (a
        proportion), ``comparable``, ``note`` and ``source``, one row per term, oldest first;
        the England columns are null for a term before DfE's first figure.

    Examples
    --------
    >>> national_comparison([date(2026, 9, 1), date(2024, 4, 1)]).select(
    ...     "term_start", "england_year", "england_rate").rows()
    [(datetime.date(2024, 4, 1), 2024, 0.75), (datetime.date(2026, 9, 1), 2026, 0.716)]
    """
    england = (national if national is not None else national_take_up()).sort("year")
    terms = list(term_starts)
    if any(not isinstance(term, date) for term in terms):
        raise UsageError(f"national_comparison needs term start dates; got {terms!r}.")
    terms = sorted(set(terms))
    frame = pl.DataFrame({"term_start": terms}, schema={"term_start": pl.Date})
    counts = england.select(
        pl.col("year").cast(pl.Int32).alias("england_year"),
        pl.col("rate").alias("england_rate"),
        "comparable",
        "note",
        "source",
    )
    # The latest January count on or before the term: join on the term's year, backwards.
    return (
        frame.with_columns(pl.col("term_start").dt.year().cast(pl.Int32).alias("_year"))
        .join_asof(counts, left_on="_year", right_on="england_year", strategy="backward")
        .drop("_year")
    )


def national_caveats(path: str | Path = NATIONAL_TAKE_UP_FILE) -> list[str]:
    """What a reader must know before comparing a council's rate with the national one."""
    return [" ".join(text.split()) for text in _national_document(path)["caveats"]]


def protect(
    table: pl.DataFrame,
    *,
    rules: DisclosureRules | None = None,
    also_hide: Collection[tuple[str, ...]] = (),
) -> ProtectedTable:
    """Disclosure control for a table from `take_up`, `trend` or `funnel`, before it is shared.

    A take-up or trend table publishes ``eligible``, ``funded`` and ``rate`` by its first
    column; one without ``funded`` (an initiative whose take-up is not measured, cut down to
    its first column and ``eligible``) publishes ``eligible`` alone. A funnel is published as
    where each child got to (``furthest_stage``), which adds up to the children on the list,
    so that no hidden count can be found by subtracting one stage from the next.
    ``also_hide`` names more cells to hide, as for `workbench.stats.protect_table` (for the
    funnel, by ``furthest_stage``).

    Examples
    --------
    >>> table = pl.DataFrame({"area": ["FQ1", "FQ2"], "eligible": [40, 3], "funded": [30, 2],
    ...     "rate": [0.75, 0.667]})
    >>> protect(table).wide("rate").rows()
    [('FQ1', 'c'), ('FQ2', 'c'), ('Total', '74.4')]
    """
    rules = rules or DisclosureRules()
    if {"stage", "count"} <= set(table.columns):
        return _protect_funnel(table, rules, also_hide)
    _require(table, ("eligible",), "the take-up table")
    rates = _TAKE_UP_RATE if "funded" in table.columns else None
    dimension = table.columns[0]
    overlap = _NO_TOTAL.get(dimension)
    protected = protect_table(
        _in_order(table),
        row=dimension,
        column=None,
        count="eligible",
        rates=rates,
        rules=rules,
        also_hide=also_hide,
        margins=overlap is None,
    )
    if overlap is None:
        return protected
    return dataclasses.replace(protected, notes=[*protected.notes, overlap])


_NO_TOTAL = {
    "criterion": "No Total row: a child who meets several criteria is counted under each, so "
    "the rows add up to more than the children. The children, each counted once, are in "
    "take_up.",
    "term_start": "No Total row: each term counts its own children, and a child eligible or "
    "funded in two terms would count twice in a sum, so the terms are not added up; each "
    "term's rate is its own.",
}
"""The one-way tables whose rows overlap, so a Total would count a child more than once: why
none is published."""


def _in_order(table: pl.DataFrame) -> pl.DataFrame:
    """An age-band table with its bands in the order `take_up` gives them (by the band's
    first month, ``unknown`` last), which disclosure control keeps: sorted as text, "102-107"
    would come before "48-53"."""
    if table.columns[0] != "age_band" or table.schema["age_band"] != pl.String:
        return table
    bands = table.get_column("age_band").unique(maintain_order=True)
    ordered = sorted(bands.to_list(), key=_band_start)
    return table.with_columns(pl.col("age_band").cast(pl.Enum(ordered)))


def _band_start(label: str) -> tuple[bool, int, str]:
    """How an age band sorts: by its first month (``24-29``: 24), anything else last."""
    start = label.split("-", 1)[0]
    return (not start.isdigit(), int(start) if start.isdigit() else 0, label)


def hide_suppressed(
    table: pl.DataFrame, protected: ProtectedTable, *, z: float = 1.96
) -> pl.DataFrame:
    """The rows of a raw table that its protected version publishes in full, for shared charts.

    A row any of whose published measures is hidden is dropped; counts become the published
    (possibly rounded) values, and what is worked out from them is worked out again from the
    published counts, like the published rates: ``rate`` (funded over eligible) and, for an
    equality table, its interval, shares (of the published totals), disparity and gap flag.
    A chart drawn from unrounded rates beside rounded counts would give the exact counts away.

    Parameters
    ----------
    table
        A raw table whose first column is the protected table's row dimension (from
        `take_up`, `trend` or `workbench.stats.equality_table`).
    protected
        ``protect(table)`` (or `protect_equality`) with the rules for publication.
    z
        For an equality table, the normal quantile its interval was made with
        (`workbench.stats.equality_table`'s ``z``).

    Examples
    --------
    >>> table = pl.DataFrame({"area": ["FQ1", "FQ2", "FQ3"], "eligible": [40, 3, 25],
    ...     "funded": [30, 0, 15], "rate": [0.75, 0.0, 0.6]})
    >>> hide_suppressed(table, protect(table, rules=DisclosureRules(threshold=3))).rows()
    [('FQ1', 40, 30, 0.75), ('FQ2', 3, 0, 0.0), ('FQ3', 25, 15, 0.6)]
    >>> hide_suppressed(table, protect(table)).get_column("area").to_list()
    ['FQ1']

    Rounded counts give the rate as published (30 of 40, not 29 of 41):

    >>> table = pl.DataFrame({"area": ["FQ1", "FQ2"], "eligible": [41, 27], "funded": [29, 17],
    ...     "rate": [29 / 41, 17 / 27]})
    >>> hide_suppressed(table, protect(table, rules=DisclosureRules(round_to=5))).rows()
    [('FQ1', 40, 30, 0.75), ('FQ2', 25, 15, 0.6)]
    """
    if protected.column is not None or not table.columns or table.columns[0] != protected.row:
        raise UsageError(
            f"hide_suppressed needs a one-way table whose first column is {protected.row!r}, "
            f"the protected table's rows; got columns {table.columns}."
        )
    row = protected.row
    cells = protected.table.filter(pl.col(row) != TOTAL)
    hidden = cells.filter("suppressed").get_column(row).unique().implode()
    published = cells.filter(
        pl.col("measure").is_in(table.columns) & ~pl.col(row).is_in(hidden)
    ).pivot(on="measure", index=row, values="value")
    counts = [
        name
        for name in published.columns[1:]
        if name in table.columns and table.schema[name].is_integer()
    ]
    shown = table.with_columns(pl.col(row).cast(pl.String).alias("_label")).filter(
        ~pl.col("_label").is_in(hidden)
    )
    rows = shown.drop(counts).join(
        published.select(pl.col(row).alias("_label"), pl.col(counts).cast(pl.Int64)),
        on="_label",
        how="left",
    )
    return _worked_out_again(rows, protected, z).select(table.columns)


def _worked_out_again(rows: pl.DataFrame, protected: ProtectedTable, z: float) -> pl.DataFrame:
    """`hide_suppressed`'s rows with what derives from the counts worked out from the
    published counts (the columns of `take_up` and `workbench.stats.equality_table`)."""
    if not {"eligible", "funded", _RATE} <= set(rows.columns):
        return rows
    eligible, funded = pl.col("eligible"), pl.col("funded")
    rows = rows.with_columns(_share(funded, eligible).alias(_RATE))
    if {"ci_lower", "ci_upper"} <= set(rows.columns):
        rows = rows.with_columns(*wilson_interval(funded, eligible, z=z))
    totals = protected.table.filter(
        (pl.col(protected.row) == TOTAL) & ~pl.col("suppressed")
    ).select("measure", "value")
    total = dict(totals.iter_rows())
    for share, count in (("eligible_share", "eligible"), ("funded_share", "funded")):
        if share in rows.columns:
            whole = pl.lit(int(total[count]) if count in total else None, pl.Int64)
            rows = rows.with_columns(_share(pl.col(count), whole).alias(share))
    if {"is_reference", "disparity", "gap_flagged"} <= set(rows.columns):
        reference = pl.col(_RATE).filter("is_reference").first()
        outside = (reference < pl.col("ci_lower")) | (reference > pl.col("ci_upper"))
        rows = rows.with_columns(
            _share(pl.col(_RATE), reference).alias("disparity"),
            (~pl.col("is_reference") & outside).fill_null(False).alias("gap_flagged"),
        )
    return rows


# --- helpers -------------------------------------------------------------------------------------


def _require(frame: pl.DataFrame, columns: tuple[str, ...], what: str) -> None:
    if not isinstance(frame, pl.DataFrame):
        raise UsageError(f"Expected {what} as a polars DataFrame; got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UsageError(
            f"Expected {what} to have column(s) {missing}; it has {frame.columns}. "
            "Pass the frame the workbench produced for it."
        )


def _likely(candidates: pl.DataFrame) -> pl.DataFrame:
    _require(candidates, _CANDIDATE_COLUMNS, "the candidate list")
    return candidates.filter(pl.col("tier") == _LIKELY).select(*_CANDIDATE_COLUMNS)


def _count(grouped: pl.DataFrame, dimension: str, labels: Collection[str] = ()) -> pl.DataFrame:
    """Eligible, funded and rate per group, each of ``labels`` listed (0 when no child is in
    it), sorted by the dimension (an age band by its first month) with ``unknown`` last."""
    counted = grouped.group_by(dimension).agg(
        pl.len().cast(pl.Int64).alias("eligible"),
        pl.col("already_funded").fill_null(False).sum().cast(pl.Int64).alias("funded"),
    )
    found = set(counted.get_column(dimension).to_list())
    empty = sorted({label for label in labels if label not in found})
    if empty:
        zeros = pl.DataFrame(
            {dimension: empty, "eligible": [0] * len(empty), "funded": [0] * len(empty)},
            schema={dimension: pl.String, "eligible": pl.Int64, "funded": pl.Int64},
        )
        counted = pl.concat([counted.with_columns(pl.col(dimension).cast(pl.String)), zeros])
    label = pl.col(dimension).cast(pl.String)
    if dimension == "age_band":
        order = [label.str.split("-").list.first().cast(pl.Int64, strict=False), label]
    else:
        order = [label]
    return (
        counted.sort(label == UNKNOWN, *order)
        .select(dimension, *_COUNTS)
        .with_columns(_share(pl.col("funded"), pl.col("eligible")).alias(_RATE))
    )


def _share(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    return pl.when(whole > 0).then(part.cast(pl.Float64) / whole)


def _people(
    people: pl.DataFrame | pl.LazyFrame | None, column: str, by: str, likely: pl.DataFrame
) -> pl.DataFrame:
    """The people table's `column` for the `likely` children only (each person once): a
    council's whole population need not be deduplicated for a few thousand children."""
    if people is None:
        raise UsageError(f"take_up by {by!r} needs the people table (its {column!r} column).")
    frame = people.lazy()
    names = frame.collect_schema().names()
    if "person_id" not in names or column not in names:
        raise UsageError(
            f"take_up by {by!r} needs the people table's 'person_id' and {column!r} columns; "
            f"it has {names}."
        )
    return (
        frame.select("person_id", column)
        .filter(pl.col("person_id").is_in(likely.get_column("person_id").implode()))
        .unique("person_id", keep="first")
        .collect()
    )


# The people table's column each split reads.
_PEOPLE_COLUMN = {"area": "postcode", "ward": "postcode", "age_band": "date_of_birth"}


def _assessed_people(found: Assessment, by: str | None) -> pl.DataFrame:
    """The people table an assessment read, or, when it did not read the column `by` needs
    (free school meals links no record, so reads no postcode), that column alone read for
    this table from the assessment's folder."""
    people = found.data.tables["people"]
    column = _PEOPLE_COLUMN.get(by or "")
    if column is None or column in people.columns:
        return people
    from workbench.data.reading import load_folder

    columns = {"people": (column,)}
    return load_folder(found.data.folder, tables=["people"], columns=columns).tables["people"]


def _with_area(likely: pl.DataFrame, people: pl.DataFrame | pl.LazyFrame | None) -> pl.DataFrame:
    """Postcode district: the outward code of a postcode shaped like a UK one.

    The postcode is cleaned as the data contract cleans it (`workbench.data.clean.postcode`)
    and kept only when it has the UK shape (`workbench.data.clean.is_uk_postcode`). Anything
    else (an address or a name typed into the field, a district alone, a typo) is in area
    ``unknown``, like a missing postcode: text from the field never becomes a published label.
    """
    postcodes = _people(people, "postcode", "area", likely)
    cleaned = clean.postcode(pl.col("postcode").cast(pl.String))
    outward = cleaned.str.split(" ").list.first()
    district = pl.when(clean.is_uk_postcode(cleaned)).then(outward)
    return likely.join(postcodes, on="person_id", how="left").with_columns(
        district.fill_null(UNKNOWN).alias("area")
    )


def _with_ward(
    likely: pl.DataFrame,
    people: pl.DataFrame | pl.LazyFrame | None,
    wards: pl.DataFrame | None,
) -> pl.DataFrame:
    """The ward of each child's postcode; ``unknown`` when it matches nothing or is missing."""
    if wards is None:
        raise UsageError(
            "take_up by 'ward' needs the ward lookup: wards=load_ward_lookup(FILE) "
            "(workbench.stats.wards)."
        )
    postcodes = _people(people, "postcode", "ward", likely)
    return match_wards(likely.join(postcodes, on="person_id", how="left"), wards)


def _with_age_band(
    likely: pl.DataFrame,
    people: pl.DataFrame | pl.LazyFrame | None,
    term_start: date | None,
    band_months: int,
    labels: Collection[str] = (),
) -> pl.DataFrame:
    """Each child's age band on ``term_start``: the band of ``labels`` (``first-last``
    months, `age_band_labels`) holding its age, else its band of ``band_months``."""
    if not isinstance(term_start, date):
        raise UsageError(f"take_up by 'age_band' needs term_start as a date; got {term_start!r}.")
    _check_band_months(band_months)
    births = _people(people, "date_of_birth", "age_band", likely)
    label, _ = _age_band(term_start, band_months)
    months = _age_months(term_start)
    for first, last, name in reversed(_band_ranges(labels)):
        label = pl.when(months.is_between(first, last)).then(pl.lit(name)).otherwise(label)
    return likely.join(births, on="person_id", how="left").with_columns(
        label.fill_null(UNKNOWN).alias("age_band")
    )


def _band_ranges(labels: Collection[str]) -> list[tuple[int, int, str]]:
    """The age bands among ``labels`` as ``(first month, last month, label)``, youngest
    first (``unknown`` and other labels not shaped ``first-last`` are left out); bands that
    overlap are refused, since a child would belong to two."""
    ranges = []
    for label in labels:
        start, _, end = label.partition("-")
        if start.isdigit() and end.isdigit():
            ranges.append((int(start), int(end), label))
    ranges.sort()
    for (_, oldest, before), (youngest, _, after) in itertools.pairwise(ranges):
        if youngest <= oldest:
            raise UsageError(
                f"take_up's age bands {before!r} and {after!r} overlap: a child would be in "
                "both. Give bands that do not (age_band_labels)."
            )
    return ranges


def _check_band_months(band_months: int) -> None:
    if isinstance(band_months, bool) or not isinstance(band_months, int) or band_months < 1:
        raise UsageError(f"band_months must be a whole number of months; got {band_months!r}.")


def _age_months(term_start: date) -> pl.Expr:
    """Whole months of age of ``date_of_birth`` on ``term_start``."""
    dob = pl.col("date_of_birth")
    # dt.month() and dt.day() are Int8: cast before arithmetic.
    months = (term_start.year - dob.dt.year().cast(pl.Int32)) * 12 + (
        term_start.month - dob.dt.month().cast(pl.Int32)
    )
    return months - (dob.dt.day().cast(pl.Int32) > term_start.day).cast(pl.Int32)


def _age_band(term_start: date, band_months: int) -> tuple[pl.Expr, pl.Expr]:
    """The age band (``24-29``) of ``date_of_birth`` on ``term_start``, and its first month."""
    start = _age_months(term_start) // band_months * band_months
    return pl.format("{}-{}", start, start + band_months - 1), start


def _standing_decisions(decisions: pl.DataFrame) -> pl.DataFrame:
    _require(decisions, ("person_id", "decision"), "decisions")
    standing = decisions.filter(pl.col("decision").is_in(list(OUTCOME_DECISIONS)))
    if standing.get_column("person_id").is_duplicated().any():
        raise UsageError(
            "Expected at most one standing outcome decision per child in decisions; some "
            "children have several. Pass the latest decision per child."
        )
    return standing.select("person_id", "decision")


def _protect_funnel(
    table: pl.DataFrame, rules: DisclosureRules, also_hide: Collection[tuple[str, ...]]
) -> ProtectedTable:
    counts = table.get_column("count").to_list()
    stopped = [a - b for a, b in itertools.pairwise(counts)] + counts[-1:]
    names = [str(stage) for stage in table.get_column("stage").to_list()]
    furthest = pl.DataFrame(
        {
            "furthest_stage": pl.Series(names, dtype=pl.Enum(names)),
            "count": pl.Series(stopped, dtype=pl.Int64),
        }
    )
    return protect_table(
        furthest, row="furthest_stage", column=None, rules=rules, also_hide=also_hide
    )


def _national_document(path: str | Path) -> dict:
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DataFileError(path, f"cannot read the national take-up figures: {error}") from error
    if not isinstance(document, dict) or not {"values", "reference", "caveats"} <= set(document):
        raise DataFileError(path, "expected 'values', 'reference' and 'caveats' keys")
    return document
