"""`workbench stats`: take-up and equality tables for a term, protected, as CSV for dashboards.

`write_stats` assesses an initiative with `workbench.assess`, as `workbench assess` does (the
same tables and columns, so the same list), then works out:

- ``take_up`` (one row), ``take_up_by_area`` (postcode district), ``take_up_by_criterion``
  and ``take_up_by_age_band``: eligible (``likely`` tier) and funded children and the rate;
- ``funnel``: where each DWP-list child got to (on the list, linked, funded);
- ``equality_by_sex``, ``equality_by_ethnicity``, ``equality_by_first_language``: eligible
  and funded children and the rate by group, every group of the fixed classification listed
  and zeros hidden (`workbench.stats.equality`). The special-category columns are read in a
  separate load of the people table, only here, and never reach the assessment;
- when asked (`OPTIONAL_TABLES`): ``take_up_by_ward`` from a ward lookup file, ``trend``
  (this term and earlier ones, each assessed on its own evidence date), for the
  two-year-old offer, ``national_comparison`` (England's rate beside each term), and the
  ``outcome_funnel`` of a campaign's earlier lists from the review store (per list too:
  ``outcome_funnel_by_list``).

Every take-up table lists every row its frame defines on every run, whether or not a child is
in it (`workbench.stats.takeup.frame_labels`: the rules' criteria in force, groups and age
bands, the districts of everyone in the people table, the ward lookup's wards, ``unknown``):
a row that came and went with one family would tell a reader comparing two runs its group. A
row with no child is 0, and passes disclosure control as any count does.

Where take-up has no meaning (free school meals: no funded places; the Early Years Pupil
Premium: only funded children are listed, so all are funded) the tables carry ``eligible``
alone, with no funded count and no rate, and a caveat says why.

Each table passes disclosure control (`workbench.stats.protect`), then the tables are
protected together (`workbench.stats.table_links.protect_set`: a reader could subtract one
from another), and each is written to ``out`` as CSV only when it is safe. The outcome
tables are protected against report 02's table by tier of each of their lists too
(`workbench.stats.table_links.eligibility_list_tables`): a list's stages add up to its
children, 02's Total, which 02 hides with a small possible tier; the manifest names, for
each table, the other reports' tables it was protected against (``protected_against``).
``stats_manifest.json`` beside them lists what was published (with its SHA-256 and notes),
what was withheld, with a reason that tells nothing of the data (the specific one is the
officers': `StatsResult.withheld`), and the audit across the tables (each hidden count's
interval width, never its value). Nothing in ``out``
names a child: the list itself is never written here.

Funded places and DWP-list rows are linked to the council's records by the exact pass then
Splink (``linkage="probabilistic"``, the default, as for `workbench assess`: a published
figure should count a funded child whose funded-place row has a typo; pairs in the
clerical-review band are not counted) or by the exact pass only (``"exact"``: a row with a
typo is not matched, so take-up reads low). The manifest records the linkage under
``parameters``. A council's own linkage model (``model``, `workbench stats --model`) links
them as it links the council's list (`workbench assess --model`); the manifest records it
as the list's does.

The same inputs and rules give byte-identical files (no times are recorded).

The tables' names and descriptions, `StatsTable`, `StatsResult` and the writing of the CSVs and
the manifest are in `workbench.stats.report_publish`; `headline`, `headline_markdown` and
`display_frame` in `workbench.stats.report_display`; the charts in
`workbench.stats.report_charts`. Their names are importable from here too.

Example
-------
>>> result = write_stats("data_samples/council_small", initiative="two_year_old",
...     term_start=date(2026, 9, 1), as_of=date(2026, 9, 1), out=Path("stats"))  # doctest: +SKIP
>>> sorted(result.withheld)  # doctest: +SKIP
['equality_by_ethnicity', ...]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.data.household_size import large_households
from workbench.data.quarantine import mostly_quarantined
from workbench.data.reading import load_folder
from workbench.eligibility.assess import Assessment, as_day, assess
from workbench.eligibility.assess import rule_set as rules_for
from workbench.errors import UsageError
from workbench.paths import project_path
from workbench.rules import RuleSet, rule_file
from workbench.runs.console import named_otherwise
from workbench.runs.emptiness import no_places_for_the_term
from workbench.runs.list_warnings import between_terms, just_before_a_term, not_in_the_data
from workbench.stats.disclosure import DisclosureRules, ProtectedTable
from workbench.stats.equality import EQUALITY_FIELDS, equality_table
from workbench.stats.outcomes import (
    OutcomeLists,
    campaign_children,
    funded_item_keys,
    list_tiers,
    outcome_funnel,
    outcome_funnel_by_list,
)
from workbench.stats.report_charts import ChartFile, write_charts
from workbench.stats.report_display import (
    TWO_YEAR_OLD,
    display_frame,
    headline,
    headline_markdown,
)
from workbench.stats.report_publish import (
    COUNTS_ONLY_TABLES,
    MANIFEST_NAME,
    OPTIONAL_TABLES,
    TABLES,
    StatsResult,
    StatsTable,
    protect_stats_table,
    publish_table,
    symbol_notes,
    ward_record,
    write_manifest,
)
from workbench.stats.table_links import (
    PublishedElsewhere,
    eligibility_list_tables,
    possible_area_wards,
    protect_published,
)
from workbench.stats.takeup import (
    EVIDENCE_COLUMN,
    area_ward_pairs,
    funnel,
    national_comparison,
    take_up,
    trend,
    without_funded,
)
from workbench.stats.wards import load_ward_lookup

if TYPE_CHECKING:
    from workbench.review.link_decisions import StoredLinkDecisions

__all__ = [
    "DEFAULT_RULES",
    "MANIFEST_NAME",
    "OPTIONAL_TABLES",
    "TABLES",
    "ChartFile",
    "OutcomeLists",
    "StatsResult",
    "StatsTable",
    "display_frame",
    "evidence_dates",
    "headline",
    "headline_markdown",
    "parse_trend_terms",
    "symbol_notes",
    "write_charts",
    "write_stats",
]

DEFAULT_RULES = DisclosureRules()
_MONITORING_COLUMNS = ("person_id", "postcode", "date_of_birth", *EQUALITY_FIELDS)
"""What the equality, area, ward and age-band tables read of the people table."""
"""Threshold 10, no rounding: UK official statistics practice (frozen, so safe to share)."""


def write_stats(
    data: str | Path,
    *,
    initiative: str,
    term_start: date | str,
    as_of: date | str,
    out: str | Path,
    rules: DisclosureRules = DEFAULT_RULES,
    ward_lookup: str | Path | None = None,
    terms: str | Sequence[date | str] | Mapping[date | str, date | str] | None = None,
    linkage: str = "probabilistic",
    outcomes: OutcomeLists | None = None,
    link_decisions: str | Path | None = None,
    command: str = "stats",
    model: str | Path | None = None,
) -> StatsResult:
    """Assess a data folder and write its take-up, funnel and equality tables, protected.

    Parameters
    ----------
    data
        The data folder (``people.csv``, ``benefits.csv``, ...).
    initiative
        ``two_year_old``, ``free_school_meals``, ``early_years_pupil_premium`` or
        ``disability_access_fund``.
    term_start, as_of
        The first day of the term, and the evidence date (as for `workbench assess`): dates,
        or ISO text like ``2026-09-01``.
    out
        The folder for the CSV files and ``stats_manifest.json`` (created if missing). A
        table withheld (or not asked for) this time has any earlier CSV of the same name
        removed, so the folder never shows figures the manifest does not vouch for.
    rules
        Disclosure control: threshold (default 10), rounding, zeros, symbol, and the
        protection interval every hidden count keeps across the tables published together.
        `workbench stats` and the take-up report build them with
        `DisclosureRules.for_publication`, which refuses a threshold below 5.
    ward_lookup
        A ward lookup file (`workbench.stats.wards.load_ward_lookup`: CSV or xlsx with
        ``postcode`` and ``ward``); adds ``take_up_by_ward``.
    terms
        Earlier term starts for a ``trend`` table (this term is always in it). Each is
        assessed on the same evidence rule as this term: evidence dated as many days before
        (or after) its start as ``as_of`` is before ``term_start`` (`evidence_dates`). The
        scheduled runs (on 1 August, 1 December and 1 March, each with ``as_of`` that day)
        are each 31 days before their term, so the trend of the April report assesses
        September on 1 August, as September's own report did: the same term gets the same
        figures from the same data. Given a mapping ``{term_start: as_of}``, each term is
        assessed on the date given. ``trend.csv`` gives each term's evidence date
        (``evidence_as_of``), and so does the trend chart. For the two-year-old offer the trend
        comes with ``national_comparison``. A term later than ``term_start`` is refused; the
        reported term itself, if listed, is ignored. Dates, or ISO text as for
        ``term_start``: each date as text, or all of them in one text separated by commas
        (``"2026-01-01,2026-04-01"``, as `parse_trend_terms` reads it).
    linkage
        ``probabilistic`` (default: the exact pass, then Splink; pairs in the clerical-review
        band are never used) or ``exact`` (a funded-place or DWP-list row links only on exact
        agreement), as for `workbench assess`. Every term of the trend is linked the same
        way, against that term's funded places.
    outcomes
        The lists of a campaign (earlier terms' lists, registered in a review store) whose
        outcomes to count: adds ``outcome_funnel`` and, for two lists or more,
        ``outcome_funnel_by_list`` (`workbench.stats.outcomes`); a child is funded when
        matched to a place of the offer's own stream for ``term_start``.
    link_decisions
        A review store whose link decisions are applied, as `workbench assess --store`
        applies them, so the figures count the children the list shows (every term of the
        trend too). The manifest records their digest.
    command
        What the reading of ``link_decisions`` is logged as in the store's access log:
        ``stats`` for `workbench stats`; the take-up report (notebook 04) gives ``report``,
        as `workbench report`'s own line in the store names it.
    model
        A council's own linkage model folder (`workbench.linkage.save_settings`), as
        `workbench assess --model` links with it, so the figures count the children the list
        made with it shows (every term of the trend too); None for the package's own
        settings. Probabilistic linkage only. The manifest records it as a list's does: its
        files' SHA-256 among the inputs (``model:<file>``), its thresholds under
        ``parameters`` (``linkage_thresholds``) and ``linkage_model`` (there the folder by
        its name only, as the ward lookup's file: the manifest is published).

    Returns
    -------
    StatsResult
        Every table with its raw counts, protected form, and the CSV written or the reason
        it was withheld.

    Raises
    ------
    UsageError
        An unknown initiative or linkage, a date the rules do not cover, a trend term later
        than ``term_start`` or given twice, or ``out`` that is a file.
    DataFileError
        A missing or unreadable data file (as for `workbench assess`), or a ward lookup
        that is missing, unreadable or has a bad row (the message names row and column).

    Examples
    --------
    >>> result = write_stats("data_samples/council_small", initiative="two_year_old",
    ...     term_start=date(2026, 9, 1), as_of=date(2026, 9, 1),
    ...     out=Path(tempfile.mkdtemp()), terms=[date(2026, 4, 1)])  # doctest: +SKIP
    >>> result.withheld["take_up"]  # doctest: +SKIP
    'eligible: the grand total is below the threshold of 10, ...'
    """
    term_start = as_day(term_start, "term_start")
    as_of = as_day(as_of, "as_of")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"must be a folder for the tables; {out} is a file.", parameter="out")
    rule_set = rules_for(initiative, on=term_start)
    earlier = _earlier_terms(terms, term_start, rule_set, as_of)
    wards = None if ward_lookup is None else load_ward_lookup(ward_lookup)
    store: str | Path | StoredLinkDecisions | None = link_decisions
    if link_decisions is not None and linkage == "probabilistic":
        # Read (and the store's chain verified) once, for this term and every trend term.
        from workbench.review.keys import load_key
        from workbench.review.link_decisions import read_link_decisions

        store = read_link_decisions(link_decisions, load_key(), command=command)
    found = assess(
        data,
        rule_set,
        term_start=term_start,
        as_of=as_of,
        linkage=linkage,
        store=store,
        model=model,
    )
    loaded = found.data
    # Special-category fields: a separate load, used for the equality tables and nothing else.
    # Names and the other required columns are read only to accept the same rows as the
    # assessment's load, and dropped there: never held beside the special-category fields.
    monitoring = load_folder(
        project_path(data),
        tables=["people"],
        columns={"people": ("postcode", *EQUALITY_FIELDS)},
        equality_monitoring=True,
        keep={"people": _MONITORING_COLUMNS},
    ).tables["people"]
    candidates = found.candidates
    # Every row each table's frame defines is listed on every run, whether or not a child is
    # in it (`workbench.stats.takeup.frame_labels`): the rules' criteria, groups and age
    # bands, the districts of everyone in the people table, the lookup's wards, `unknown`.
    raw = {
        "take_up": take_up(candidates),
        "take_up_by_area": take_up(found, monitoring, by="area"),
        "take_up_by_criterion": take_up(found, monitoring, by="criterion"),
        "take_up_by_age_band": take_up(found, monitoring, by="age_band"),
        "funnel": funnel(candidates, found.links),
    }
    if wards is not None:
        raw["take_up_by_ward"] = take_up(found, monitoring, by="ward", wards=wards)
    if rule_set.groups:
        raw["take_up_by_group"] = take_up(found, monitoring, by="group")
    not_applicable: dict[str, str] = {}
    if "dwp_list" not in rule_set.sources:
        not_applicable["funnel"] = (
            f"Not applicable: the {rule_set.id} rules do not use the DWP list."
        )
    for field in EQUALITY_FIELDS:
        name = f"equality_by_{field}"
        if field in monitoring.columns:
            raw[name] = equality_table(candidates, monitoring, field)
        else:
            raw[name] = pl.DataFrame()
            not_applicable[name] = f"Not available: the people table has no {field!r} column."
    caveat = _not_measured(rule_set)
    # Take-up in a term whose funded places were not read is not measured: blank, not 0.
    uncounted: dict[date, str] = {}
    if caveat is None and (missing := _no_headcount(found)) is not None:
        uncounted[term_start] = missing
        raw = {name: _funded_blank(name, table) for name, table in raw.items()}
    trend_terms: tuple[tuple[date, date], ...] = ()
    if earlier:
        trend_terms = tuple(sorted({**earlier, term_start: as_of}.items()))
        assessed = {
            term: found
            if term == term_start
            else assess(
                loaded,
                rule_set,
                term_start=term,
                as_of=evidence,
                linkage=linkage,
                store=store,
                model=model,
            )
            for term, evidence in trend_terms
        }
        if caveat is None:
            for term, term_found in assessed.items():
                if term != term_start and (missing := _no_headcount(term_found)) is not None:
                    uncounted[term] = missing
        runs = {term: term_found.candidates for term, term_found in assessed.items()}
        raw["trend"] = trend(runs, uncounted=uncounted, evidence=dict(trend_terms))
        raw["national_comparison"] = national_comparison(list(runs))
        if rule_set.id != TWO_YEAR_OLD:
            not_applicable["national_comparison"] = (
                "Not applicable: DfE publishes national take-up for the two-year-old offer only."
            )
    elsewhere: tuple[PublishedElsewhere, ...] = ()
    if outcomes is not None:
        measured = caveat is None and term_start not in uncounted
        outcome_tables, tiers = _outcome_tables(found, outcomes, term_start, measured=measured)
        raw |= outcome_tables
        # Each list by tier as report 02 publishes it: its hidden Total must stay hidden.
        elsewhere = eligibility_list_tables(
            tiers, rules, uses_dwp_list="dwp_list" in rule_set.sources
        )
    if caveat is not None:
        raw = {name: _counts_only(name, table) for name, table in raw.items()}
    out.mkdir(parents=True, exist_ok=True)
    names = _table_names(raw)
    pairs = None
    if wards is not None:
        pairs = possible_area_wards(
            wards,
            area_ward_pairs(candidates, monitoring, wards),
            areas=raw["take_up_by_area"].get_column("area").to_list(),
        )
    protected, linked, withheld = protect_published(
        {n: raw[n] for n in names if n not in not_applicable and n != "national_comparison"},
        lambda name, table, also_hide: protect_stats_table(name, table, rules, also_hide),
        rules=rules,
        term_start=term_start,
        area_wards=pairs or (),
        uses_dwp_list="dwp_list" in rule_set.sources,
        groups=rule_set,  # how its groups and criteria relate (free school meals)
        elsewhere=elsewhere,
    )
    if uncounted:  # why funded and the rate are blank, said in the tables' own notes
        protected = {
            name: _with_note(table, _uncounted_note(name, uncounted, term_start))
            for name, table in protected.items()
        }
    if "trend" in protected:  # which evidence each term's figures use, beside them
        protected["trend"] = _with_evidence(protected["trend"], trend_terms)
    tables = {
        name: publish_table(
            name,
            raw[name],
            not_applicable.get(name) or withheld.get(name),
            out,
            rules,
            caveat is None,
            protected.get(name),
            not_applicable=name in not_applicable,
        )
        for name in names
    }
    for name in OPTIONAL_TABLES.keys() - set(names):
        (out / f"{name}.csv").unlink(missing_ok=True)
    result = StatsResult(
        out=out,
        manifest=out / MANIFEST_NAME,
        initiative=rule_set.id,
        rule_set=rule_set.ref,
        term_start=term_start,
        as_of=as_of,
        rules=rules,
        tables=tables,
        caveats=tuple(
            c
            for c in (
                rule_set.beyond_checked(term_start),
                caveat,
                _uncounted_caveat(uncounted.get(term_start), found),
            )
            if c is not None
        ),
        warnings=(
            *([read_as] if (read_as := named_otherwise(loaded)) else []),
            *(said for told in not_in_the_data(found) for said in told),
            *large_households(loaded),
            *mostly_quarantined(loaded),
            *just_before_a_term(found),
            *between_terms(found),
            # The headline itself is blank: a scheduled take-up report without take-up.
            *(
                [f"Take-up is not measured for the term: {uncounted[term_start]}"]
                if term_start in uncounted
                else []
            ),
        ),
        measured=caveat is None,
        trend_terms=trend_terms,
        ward_lookup=(
            None
            if ward_lookup is None or wards is None
            else ward_record(ward_lookup, wards, monitoring)
        ),
        linkage=linkage,
        linked=linked,
        link_decisions=None if found.link_decisions is None else found.link_decisions.digest(),
        rules_file=rule_file(initiative),
        linkage_model=found.linkage_model,
    )
    write_manifest(result, loaded)
    return result


def parse_trend_terms(text: str | None, option: str = "--trend-terms") -> list[date]:
    """Term starts written as ISO dates separated by commas; empty text gives no terms.

    Raises
    ------
    UsageError
        A part that is not an ISO date (naming ``option`` and the part).

    Examples
    --------
    >>> parse_trend_terms("2026-01-01, 2026-04-01")
    [datetime.date(2026, 1, 1), datetime.date(2026, 4, 1)]
    >>> parse_trend_terms("")
    []
    """
    if text is None or not text.strip():
        return []
    terms = []
    for part in text.split(","):
        try:
            terms.append(date.fromisoformat(part.strip()))
        except ValueError:
            raise UsageError(
                f"{option} takes term start dates as ISO dates separated by commas, like "
                f"2026-01-01,2026-04-01; got {part.strip()!r}."
            ) from None
    return terms


# --- helpers -------------------------------------------------------------------------------------


def _table_names(raw: Mapping[str, pl.DataFrame]) -> list[str]:
    """The tables to report, in order: `TABLES` with the optional ones that were asked for."""
    names = []
    for name in TABLES:
        names.append(name)
        if name == "take_up_by_area" and "take_up_by_ward" in raw:
            names.append("take_up_by_ward")
        if name == "take_up_by_criterion" and "take_up_by_group" in raw:
            names.append("take_up_by_group")
    later = ("trend", "national_comparison", "outcome_funnel", "outcome_funnel_by_list")
    return names + [name for name in later if name in raw]


def _outcome_tables(
    found: Assessment, outcomes: OutcomeLists, term_start: date, *, measured: bool
) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    """The outcome funnel of a campaign's lists, and list by list when there are several;
    and each list's children by tier (`list_tiers`), as report 02 counts them."""
    from workbench.review.store import ReviewStore, existing_store

    with ReviewStore(existing_store(outcomes.store), key=outcomes.key) as store:
        children = campaign_children(
            store,
            outcomes.lists,
            outcomes.key,
            funded_item_keys(found, outcomes.key),
            term_start,
        )
    tables = {"outcome_funnel": outcome_funnel(children, measured=measured)}
    if len(outcomes.lists) > 1:
        tables["outcome_funnel_by_list"] = outcome_funnel_by_list(children, measured=measured)
    return tables, list_tiers(children)


def evidence_dates(terms: Sequence[date], term_start: date, as_of: date) -> dict[date, date]:
    """Each term's evidence date on the report's rule: as many days before (or after) the
    term's start as ``as_of`` is before ``term_start``.

    The same term is then assessed on the same evidence date whichever report's trend holds
    it, when the reports are run on the same rule (the scheduled runs: each on the day a
    month before its term, ``as_of`` that day), so a term's figures do not differ by a
    child or two from one published report to the next (two published figures for one
    term that differ by one child would tell a reader about that child).

    Example
    -------
    >>> evidence_dates([date(2026, 9, 1), date(2027, 1, 1)], date(2027, 4, 1), date(2027, 3, 1))
    {datetime.date(2026, 9, 1): datetime.date(2026, 8, 1), \
datetime.date(2027, 1, 1): datetime.date(2026, 12, 1)}
    """
    lead = term_start - as_of
    return {term: term - lead for term in terms}


def _earlier_terms(
    terms: str | Sequence[date | str] | Mapping[date | str, date | str] | None,
    term_start: date,
    rule_set: RuleSet,
    as_of: date,
) -> dict[date, date]:
    """The trend's earlier terms, each with its evidence date (as given in a mapping, else by
    `evidence_dates`), checked against the rules."""
    if terms is None:
        return {}
    if isinstance(terms, str):
        terms = parse_trend_terms(terms, option="terms")
    if not isinstance(terms, Sequence | Mapping):
        raise UsageError(
            "terms must be a list of term start dates (or a mapping of term start to evidence "
            f"date); got {terms!r}."
        )
    if isinstance(terms, Mapping):
        pairs = list(terms.items())
    else:
        days = [as_day(term, "terms") for term in terms]
        pairs = list(evidence_dates(days, term_start, as_of).items())
        if len(pairs) < len(days):  # a term given twice: refused below, naming it
            pairs = [(day, day) for day in days]
    earlier: dict[date, date] = {}
    for given, given_evidence in pairs:
        term, evidence = as_day(given, "terms"), as_day(given_evidence, "terms")
        if term > term_start:
            raise UsageError(
                f"Trend terms are earlier terms than the one reported ({term_start}); got "
                f"{term}. Report the latest term with --term-start and list the earlier ones."
            )
        if term in earlier:
            raise UsageError(f"Trend term {term} is given twice; give each term once.")
        if term != term_start:
            rule_set.check_date(term)
            earlier[term] = evidence
    return earlier


def _no_headcount(found: Assessment) -> str | None:
    """Why no child can be counted as funded in the term assessed, when the rules read the
    providers' headcount (``funded_places``) but it holds no place for the term: there is no
    such file, it has no place at all, or its places are for other terms
    (`workbench.runs.emptiness.no_places_for_the_term`). None when it holds some."""
    rule_set = found.rule_set
    if "funded_places" not in rule_set.sources:
        return None
    places = found.data.tables.get("funded_places")
    if places is None:
        return (
            f"The data folder has no funded_places file (the providers' headcount), so no "
            f"child can be counted as funded for the term starting {found.term_start}."
        )
    if places.is_empty():
        return (
            "The providers' headcount (funded_places) holds no place (none given, or every "
            f"row quarantined), so no child can be counted as funded for the term starting "
            f"{found.term_start}."
        )
    return no_places_for_the_term(found)


def _uncounted_caveat(sentence: str | None, found: Assessment) -> str | None:
    """The caveat for a term whose headcount holds no place, with what it means for the
    tables; None when the headcount was read."""
    if sentence is None:
        if found.rule_set.population.funded_place_required:
            sentence = _no_headcount(found)  # the list itself is empty for want of places
            if sentence is not None:
                return (
                    f"{sentence} Until the term's places are read, no child can be counted: "
                    "only children with a funded place for the term are listed."
                )
        return None
    return (
        f"{sentence} Until the term's places are read, funded children and the take-up rate "
        "are left blank (not 0) in every table for the term."
    )


def _funded_blank(name: str, table: pl.DataFrame) -> pl.DataFrame:
    """A take-up or equality table of a term whose funded places were not read, with the
    funded count and what is worked out from it empty (published blank); the DWP-list funnel
    without its funded stage (a 0 there would read as no child funded, and the funnel's
    stages are rows, so a blank row is no clearer than none). The outcomes of earlier lists
    leave it out too (`_outcome_tables`, ``measured``)."""
    if name in COUNTS_ONLY_TABLES and name != "trend" and "funded" in table.columns:
        return without_funded(table)
    if name == "funnel" and "stage" in table.columns:
        return table.filter(pl.col("stage").cast(pl.String) != "funded")
    return table


def _uncounted_note(name: str, uncounted: Mapping[date, str], term_start: date) -> str | None:
    """What a table's reader must know of the terms whose funded places were not read."""
    if name == "trend":
        terms = ", ".join(str(term) for term in sorted(uncounted))
        return (
            f"Funded and the rate are blank for the term(s) starting {terms}: the providers' "
            "headcount (funded_places) holds no place for them, so no child could be counted "
            "as funded. A blank is not a zero (a rate of 0.0 would read as no child funded)."
        )
    if term_start not in uncounted:
        return None
    if name in COUNTS_ONLY_TABLES:
        return (
            f"{uncounted[term_start]} So funded and the rate are left blank: a blank is not a "
            "zero (a rate of 0.0 would read as no child funded)."
        )
    if name == "funnel" or name.startswith("outcome_funnel"):
        return (
            f"{uncounted[term_start]} So the funded stage is left out until the term's places "
            "are read (a 0 would read as no child funded)."
        )
    return None


def _with_evidence(
    table: ProtectedTable, trend_terms: Sequence[tuple[date, date]]
) -> ProtectedTable:
    """The protected trend with each term's evidence date as a last column
    (``evidence_as_of``, as ISO text) beside its cells, and a note saying what it is."""
    evidence = {term.isoformat(): evidence.isoformat() for term, evidence in trend_terms}
    cells = table.table.with_columns(
        pl.col(table.row)
        .cast(pl.String)
        .replace_strict(evidence, default=None, return_dtype=pl.String)
        .alias(EVIDENCE_COLUMN)
    )
    note = (
        f"{EVIDENCE_COLUMN}: the evidence date each term was assessed on (awards and statuses "
        "active on it). A term's figures here can differ from those of its own report when "
        "that report used another evidence date, or the data have changed since."
    )
    return dataclasses.replace(table, table=cells, notes=[*table.notes, note])


def _with_note(table: ProtectedTable, note: str | None) -> ProtectedTable:
    return table if note is None else dataclasses.replace(table, notes=[*table.notes, note])


def _not_measured(rule_set: RuleSet) -> str | None:
    """Why take-up has no meaning for an initiative, or None when it does."""
    if "funded_places" not in rule_set.sources:
        return (
            f"Take-up is not measured for {rule_set.id}: its rules read no funded places, so "
            "the tables show the children who look eligible (likely tier), with no funded "
            "count and no rate."
        )
    if rule_set.population.funded_place_required:
        return (
            f"Take-up is not measured for {rule_set.id}: only children with a funded place "
            "are listed, so every one is funded and a rate would always be 100%. The tables "
            "show the children who look eligible (likely tier) by reason, area and age, with "
            "no funded count and no rate."
        )
    return None


def _counts_only(name: str, table: pl.DataFrame) -> pl.DataFrame:
    """A take-up, trend or equality table cut to its group and ``eligible``."""
    if name in COUNTS_ONLY_TABLES and "eligible" in table.columns:
        return table.select(table.columns[0], "eligible")
    return table
