"""`workbench stats`: take-up and equality tables for a term, protected, as CSV for dashboards.

`write_stats` assesses an initiative exactly as `workbench assess` does (the same tables and
columns, so the same list), then works out:

- ``take_up`` (one row), ``take_up_by_area`` (postcode district), ``take_up_by_criterion``
  and ``take_up_by_age_band``: eligible (``likely`` tier) and funded children and the rate;
- ``funnel``: where each DWP-list child got to (on the list, linked, funded);
- ``equality_by_sex``, ``equality_by_ethnicity``, ``equality_by_first_language``: eligible
  and funded children and the rate by group. The special-category columns are read in a
  separate load of the people table, only here, and never reach the assessment;
- when asked (`OPTIONAL_TABLES`): ``take_up_by_ward`` from a ward lookup file, ``trend``
  (this term and earlier ones, each assessed on its own evidence date) and, for the
  two-year-old offer, ``national_comparison`` (England's rate beside each term).

Where take-up has no meaning (free school meals: no funded places; the Early Years Pupil
Premium: only funded children are listed, so all are funded) the tables carry ``eligible``
alone, with no funded count and no rate, and a caveat says why.

Each table passes disclosure control (`workbench.stats.protect`) and is written to ``out``
as CSV only when it is safe. ``stats_manifest.json`` beside them lists what was published
(with its SHA-256 and notes) and what was withheld, with the reason. Nothing in ``out``
names a child: the list itself is never written here.

Funded places and DWP-list rows are linked to the council's records by the exact pass then
Splink (``linkage="probabilistic"``, the default: a published figure should count a funded
child whose funded-place row has a typo; pairs in the clerical-review band are not counted)
or by the exact pass only (``"exact"``, as `workbench assess` does by default: a row with a
typo is not matched, so take-up reads low). The manifest records the linkage under
``parameters``.

The same inputs and rules give byte-identical files (no times are recorded).

Example
-------
>>> result = write_stats("data_samples/council_small", initiative="two_year_old",
...     term_start=date(2026, 9, 1), as_of=date(2026, 9, 1), out=Path("stats"))  # doctest: +SKIP
>>> sorted(result.withheld)  # doctest: +SKIP
['equality_by_ethnicity', ...]
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from workbench import __version__
from workbench.eligibility import Assessment, assessment
from workbench.errors import UsageError
from workbench.io import LoadedData, load_folder
from workbench.lists import LINKAGE_MODES, columns_needed, probabilistic_links
from workbench.rules import RuleSet, load_rule_set
from workbench.run import file_sha256, input_hashes
from workbench.stats.disclosure import TOTAL, DisclosureRules, ProtectedTable, write_protected
from workbench.stats.equality import EQUALITY_FIELDS, equality_table, protect_equality
from workbench.stats.report_charts import ChartFile, write_charts
from workbench.stats.takeup import (
    funnel,
    hide_suppressed,
    national_caveats,
    national_comparison,
    national_take_up,
    protect,
    take_up,
    trend,
)
from workbench.stats.wards import LEVELS, load_ward_lookup, match_summary

__all__ = [
    "DEFAULT_RULES",
    "MANIFEST_NAME",
    "OPTIONAL_TABLES",
    "TABLES",
    "ChartFile",
    "StatsResult",
    "StatsTable",
    "display_frame",
    "headline",
    "headline_markdown",
    "parse_trend_terms",
    "write_charts",
    "write_stats",
]

MANIFEST_NAME = "stats_manifest.json"
TABLES = {
    "take_up": "Eligible (likely tier) and funded children and the take-up rate, overall.",
    "take_up_by_area": "Take-up by postcode district (unknown: no postcode or no record).",
    "take_up_by_criterion": "Take-up by criterion met; a child meeting several counts in each.",
    "take_up_by_age_band": "Take-up by age in whole months on the first day of term.",
    "funnel": "Where each DWP-list child got to: on the list, linked to our records, funded.",
    **{
        f"equality_by_{field}": f"Eligible and funded children and take-up by {field}, "
        "for equality monitoring (aggregate only)."
        for field in EQUALITY_FIELDS
    },
}
"""Every table `write_stats` writes or withholds, in the order reported, with what it shows."""
OPTIONAL_TABLES = {
    "take_up_by_ward": "Take-up by ward, from the council's ward lookup (unknown: no postcode, "
    "no record, or a postcode the lookup does not cover).",
    "trend": "Take-up term by term: this term and the earlier terms asked for, each assessed "
    "on its own evidence date.",
    "national_comparison": "England's take-up of the two-year-old offer (DfE, each January) "
    "beside each term of the trend: published national figures, not the council's data.",
}
"""Tables `write_stats` considers only when asked: by ward (``ward_lookup``), across terms
(``terms``). ``take_up_by_ward`` follows ``take_up_by_area``; the other two come last."""
COUNTS_ONLY_TABLES = {
    "take_up": "Children who look eligible (likely tier), overall; take-up is not measured "
    "for this initiative (see the caveats).",
    "take_up_by_area": "Children who look eligible by postcode district (unknown: no postcode "
    "or no record).",
    "take_up_by_ward": "Children who look eligible by ward, from the council's ward lookup.",
    "take_up_by_criterion": "Children who look eligible by reason (criterion met); a child "
    "meeting several counts in each.",
    "take_up_by_age_band": "Children who look eligible by age in whole months on the first "
    "day of term.",
    "trend": "Children who look eligible term by term, each term assessed on its own evidence "
    "date.",
    **{
        f"equality_by_{field}": f"Children who look eligible by {field}, for equality "
        "monitoring (aggregate only)."
        for field in EQUALITY_FIELDS
    },
}
"""What a table shows when take-up is not measured (``eligible`` only, no rate)."""
DEFAULT_RULES = DisclosureRules()
"""Threshold 10, no rounding: UK official statistics practice (frozen, so safe to share)."""
_UNSAFE_MARKERS = ("cannot be made safe", "could still be worked out")
_TWO_YEAR_OLD = "two_year_old"
_RATE_MEASURES = ("eligible", "funded", "rate")
_NATIONAL_NOTE = (
    "England's figures are DfE's published statistics, not the council's data: no disclosure "
    "control applies. The row for a term is the latest January count on or before it."
)


@dataclass(frozen=True)
class StatsTable:
    """One table: its raw counts (restricted use), its protected form, and where it went.

    Attributes
    ----------
    name
        The table's name (a key of `TABLES`); the CSV is ``<name>.csv``.
    raw
        Unrounded counts, for the council's own use only (never written by `write_stats`).
    protected
        After disclosure control; None when the table does not apply (``reason`` says why).
    path
        The CSV written, or None when the table was withheld.
    reason
        Why the table was withheld; None when it was published.
    shows
        What the table shows, in words (as in `TABLES`, `OPTIONAL_TABLES` or
        `COUNTS_ONLY_TABLES`).

    A table with ``protected`` None and a ``path`` holds published national figures
    (``national_comparison``), which need no disclosure control.
    """

    name: str
    raw: pl.DataFrame
    protected: ProtectedTable | None
    path: Path | None
    reason: str | None
    shows: str = ""

    @property
    def published(self) -> bool:
        """Whether the table was written (it passed disclosure control)."""
        return self.path is not None

    def shown_rows(self) -> pl.DataFrame | None:
        """The raw rows the published table shows in full (for charts), or None if withheld.

        A row with any hidden measure is left out; counts are the published (possibly
        rounded) ones. Not for the funnel, whose published form is a different table.
        """
        if not self.published or self.protected is None or self.name == "funnel":
            return None
        return hide_suppressed(self.raw, self.protected)


@dataclass(frozen=True)
class StatsResult:
    """What `write_stats` did: the tables, the folder and its manifest."""

    out: Path
    manifest: Path
    initiative: str
    rule_set: str
    term_start: date
    as_of: date
    rules: DisclosureRules
    tables: dict[str, StatsTable]
    caveats: tuple[str, ...] = ()
    measured: bool = True
    """Whether take-up (funded children and a rate) is measured for the initiative."""
    trend_terms: tuple[tuple[date, date], ...] = ()
    """Each term of the trend with its evidence date, oldest first; empty without a trend."""
    ward_lookup: dict | None = None
    """The ward lookup used: file, SHA-256, entries by level and how the people's postcodes
    matched (distinct postcodes, not people); None when none was given."""
    linkage: str = "probabilistic"
    """How funded places and DWP-list rows were linked: ``exact`` or ``probabilistic``."""

    @property
    def published(self) -> dict[str, Path]:
        """The CSV written for each published table, by name."""
        return {name: t.path for name, t in self.tables.items() if t.path is not None}

    @property
    def withheld(self) -> dict[str, str]:
        """Why each table that was not written was withheld, by name."""
        return {name: t.reason for name, t in self.tables.items() if t.reason is not None}


def write_stats(
    data: str | Path,
    *,
    initiative: str,
    term_start: date,
    as_of: date,
    out: Path,
    rules: DisclosureRules = DEFAULT_RULES,
    ward_lookup: str | Path | None = None,
    terms: Sequence[date] | Mapping[date, date] | None = None,
    linkage: str = "probabilistic",
) -> StatsResult:
    """Assess a data folder and write its take-up, funnel and equality tables, protected.

    Parameters
    ----------
    data
        The data folder (``people.csv``, ``benefits.csv``, ...).
    initiative
        ``two_year_old``, ``free_school_meals`` or ``early_years_pupil_premium``.
    term_start, as_of
        The first day of the term, and the evidence date (as for `workbench assess`).
    out
        The folder for the CSV files and ``stats_manifest.json`` (created if missing). A
        table withheld (or not asked for) this time has any earlier CSV of the same name
        removed, so the folder never shows figures the manifest does not vouch for.
    rules
        Disclosure control: threshold (default 10), rounding, zeros, symbol.
    ward_lookup
        A ward lookup file (`workbench.stats.wards.load_ward_lookup`: CSV or xlsx with
        ``postcode`` and ``ward``); adds ``take_up_by_ward``.
    terms
        Earlier term starts for a ``trend`` table (this term is always in it). Each is
        assessed with its own start as the evidence date, or, given a mapping
        ``{term_start: as_of}``, with the date given. For the two-year-old offer the trend
        comes with ``national_comparison``. A term later than ``term_start`` is refused; the
        reported term itself, if listed, is ignored.
    linkage
        ``probabilistic`` (default: the exact pass, then Splink; pairs in the clerical-review
        band are never used) or ``exact`` (a funded-place or DWP-list row links only on exact
        agreement), as for `workbench assess`. Every term of the trend is linked the same
        way, against that term's funded places.

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
    if not isinstance(term_start, date) or not isinstance(as_of, date):
        raise UsageError(f"term_start and as_of must be dates; got {term_start!r} and {as_of!r}.")
    if linkage not in LINKAGE_MODES:
        raise UsageError(
            f"--linkage must be one of {', '.join(LINKAGE_MODES)}; got {linkage!r}. Use exact "
            "(the default) or probabilistic."
        )
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out must be a folder for the tables; {out} is a file.")
    rule_set = load_rule_set(initiative)
    rule_set.check_date(as_of)
    earlier = _earlier_terms(terms, term_start, rule_set)
    wards = None if ward_lookup is None else load_ward_lookup(ward_lookup)
    loaded = load_folder(data, tables=rule_set.sources, columns=columns_needed(rule_set.sources))
    frames = {name: loaded.lazy(name) for name in loaded.tables}
    found = _assess(frames, rule_set, term_start, as_of, linkage)
    # Special-category fields: a separate load, used for the equality tables and nothing else.
    monitoring = load_folder(
        data,
        tables=["people"],
        columns={"people": ("postcode", *EQUALITY_FIELDS)},
        equality_monitoring=True,
    ).tables["people"]
    candidates = found.candidates
    raw = {
        "take_up": take_up(candidates),
        "take_up_by_area": take_up(candidates, monitoring, by="area"),
        "take_up_by_criterion": take_up(candidates, by="criterion"),
        "take_up_by_age_band": take_up(
            candidates, monitoring, by="age_band", term_start=term_start
        ),
        "funnel": funnel(candidates, found.links),
    }
    if wards is not None:
        raw["take_up_by_ward"] = take_up(candidates, monitoring, by="ward", wards=wards)
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
    trend_terms = ()
    if earlier:
        trend_terms = tuple(sorted({**earlier, term_start: as_of}.items()))
        runs = {
            term: candidates
            if term == term_start
            else _assess(frames, rule_set, term, evidence, linkage).candidates
            for term, evidence in trend_terms
        }
        raw["trend"] = trend(runs)
        raw["national_comparison"] = national_comparison(list(runs))
        if rule_set.id != _TWO_YEAR_OLD:
            not_applicable["national_comparison"] = (
                "Not applicable: DfE publishes national take-up for the two-year-old offer only."
            )
    caveat = _not_measured(rule_set)
    if caveat is not None:
        raw = {name: _counts_only(name, table) for name, table in raw.items()}
    out.mkdir(parents=True, exist_ok=True)
    names = _table_names(raw)
    tables = {
        name: _publish(name, raw[name], not_applicable.get(name), out, rules, caveat is None)
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
        caveats=() if caveat is None else (caveat,),
        measured=caveat is None,
        trend_terms=trend_terms,
        ward_lookup=None if wards is None else _ward_record(ward_lookup, wards, monitoring),
        linkage=linkage,
    )
    _write_manifest(result, loaded)
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


def headline(result: StatsResult) -> dict[str, str | None]:
    """The overall figures as published: ``eligible``, ``funded`` and ``rate`` (a percentage).

    All three are None when the overall table was withheld; a hidden value shows the
    suppression symbol.

    Examples
    --------
    >>> headline(result)  # doctest: +SKIP
    {'eligible': '182', 'funded': '74', 'rate': '40.7'}
    """
    overall = result.tables["take_up"]
    if not overall.published or overall.protected is None:
        return {"eligible": None, "funded": None, "rate": None}
    cells = overall.protected.table.filter(pl.col(overall.protected.row) == TOTAL)
    values = dict(zip(cells.get_column("measure"), cells.get_column("value"), strict=True))
    return {name: values.get(name) for name in ("eligible", "funded", "rate")}


def headline_markdown(result: StatsResult, national: pl.DataFrame | None = None) -> str:
    """The headline in plain English (markdown): eligible, funded, take-up, and England's rate.

    Figures are the published ones (after disclosure control). England's rate (from
    `national_take_up`, the latest January on or before the term) is compared only for the
    two-year-old offer, with what limits the comparison.

    Examples
    --------
    >>> print(headline_markdown(result))  # doctest: +SKIP
    - **182** children look eligible (likely tier) for the term starting 1 September 2026.
    ...
    """
    figures = headline(result)
    term = f"{result.term_start:%-d %B %Y}"
    if figures["eligible"] is None:
        reason = result.withheld.get("take_up", "")
        return f"**Too few children to publish figures** for the term starting {term}: {reason}"
    lines = [
        f"- **{figures['eligible']}** children look eligible (likely tier) for the term "
        f"starting {term}."
    ]
    if result.measured:
        lines.append(
            f"- **{figures['funded']}** of them have a funded place this term: take-up "
            f"**{_percent_text(figures['rate'])}**."
        )
    lines += [f"- {caveat}" for caveat in result.caveats]
    if result.initiative != _TWO_YEAR_OLD:
        lines.append(
            "- No national figure is compared: DfE publishes national take-up for the "
            "two-year-old offer only."
        )
        return "\n".join(lines)
    england = national if national is not None else national_take_up()
    earlier = england.filter(pl.col("year") <= result.term_start.year).sort("year")
    latest = (earlier if earlier.height else england.sort("year")).row(-1, named=True)
    lines.append(
        f"- England: **{latest['rate']:.0%}** (DfE, January {latest['year']})."
        + (f" {latest['note']}" if latest["note"] else "")
    )
    caveats = " ".join(national_caveats())
    lines += ["", f"*How far the two compare:* {caveats} Source: {latest['source']}"]
    return "\n".join(lines)


def display_frame(table: StatsTable) -> pl.DataFrame | None:
    """A published table laid out for reading: one row per group, one column per measure.

    Values are as published (hidden cells show the symbol); the rate column is headed
    ``take-up %``. The national comparison shows England's figures beside each term. None
    when the table was withheld.
    """
    if not table.published:
        return None
    if table.protected is None:
        return _national_csv(table.raw).select(
            pl.col("term_start").cast(pl.String),
            pl.col("england_year").cast(pl.String).alias("England, January"),
            pl.format("{}", "england_rate_percent").alias("England take-up %"),
            pl.col("comparable").cast(pl.String),
            "note",
        )
    protected = table.protected
    measures = protected.table.get_column("measure").unique(maintain_order=True).to_list()
    shown = protected.wide(measures[0])
    for measure in measures[1:]:
        shown = shown.join(protected.wide(measure), on=protected.row, how="left")
    return shown.rename({"rate": "take-up %"}, strict=False)


# --- helpers -------------------------------------------------------------------------------------


def _assess(
    frames: dict[str, pl.LazyFrame], rule_set: RuleSet, term: date, evidence: date, linkage: str
) -> Assessment:
    """One term assessed as `workbench assess` does, with the funded places linked as asked."""
    links = None
    if linkage == "probabilistic":
        links = probabilistic_links(frames, rule_set, term)
    return assessment(frames, rule_set, term_start=term, as_of=evidence, links=links)


def _publish(
    name: str,
    raw: pl.DataFrame,
    reason: str | None,
    out: Path,
    rules: DisclosureRules,
    measured: bool,
) -> StatsTable:
    """Protect one table and write it when safe; remove a stale CSV when it is withheld."""
    path = out / f"{name}.csv"
    shows = _shows(name, measured)
    if name == "national_comparison" and reason is None:
        _national_csv(raw).write_csv(path)
        return StatsTable(name, raw, protected=None, path=path, reason=None, shows=shows)
    protected = None
    if reason is None:
        equality = name.startswith("equality_") and "funded" in raw.columns
        protected = (protect_equality if equality else protect)(raw, rules=rules)
        if not protected.safe:
            reason = _unsafe_reason(protected)
    if reason is not None:
        path.unlink(missing_ok=True)
        return StatsTable(name, raw, protected=protected, path=None, reason=reason, shows=shows)
    write_protected(protected, path)
    return StatsTable(name, raw, protected=protected, path=path, reason=None, shows=shows)


def _shows(name: str, measured: bool) -> str:
    if not measured and name in COUNTS_ONLY_TABLES:
        return COUNTS_ONLY_TABLES[name]
    return TABLES.get(name) or OPTIONAL_TABLES[name]


def _table_names(raw: Mapping[str, pl.DataFrame]) -> list[str]:
    """The tables to report, in order: `TABLES` with the optional ones that were asked for."""
    names = []
    for name in TABLES:
        names.append(name)
        if name == "take_up_by_area" and "take_up_by_ward" in raw:
            names.append("take_up_by_ward")
    return names + [name for name in ("trend", "national_comparison") if name in raw]


def _earlier_terms(
    terms: Sequence[date] | Mapping[date, date] | None, term_start: date, rule_set: RuleSet
) -> dict[date, date]:
    """The trend's earlier terms, each with its evidence date, checked against the rules."""
    if terms is None:
        return {}
    if isinstance(terms, str) or not isinstance(terms, Sequence | Mapping):
        raise UsageError(
            "terms must be a list of term start dates (or a mapping of term start to evidence "
            f"date); got {terms!r}. From text, use parse_trend_terms."
        )
    pairs = terms.items() if isinstance(terms, Mapping) else [(term, term) for term in terms]
    earlier: dict[date, date] = {}
    for term, evidence in pairs:
        if not isinstance(term, date) or not isinstance(evidence, date):
            raise UsageError(f"Trend terms and evidence dates must be dates; got {term!r}.")
        if term > term_start:
            raise UsageError(
                f"Trend terms are earlier terms than the one reported ({term_start}); got "
                f"{term}. Report the latest term with --term-start and list the earlier ones."
            )
        if term in earlier:
            raise UsageError(f"Trend term {term} is given twice; give each term once.")
        if term != term_start:
            rule_set.check_date(evidence)
            earlier[term] = evidence
    return earlier


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


def _national_csv(table: pl.DataFrame) -> pl.DataFrame:
    """England's rate as a percentage to one decimal, like the other published rates."""
    return table.with_columns((pl.col("england_rate") * 100).round(1).alias("england_rate")).rename(
        {"england_rate": "england_rate_percent"}
    )


def _ward_record(path: str | Path, wards: pl.DataFrame, people: pl.DataFrame) -> dict:
    """The lookup's file, hash, entries by level, and how the people's postcodes matched."""
    levels = wards.get_column("level")
    return {
        "file": Path(path).name,
        "sha256": file_sha256(path),
        "entries": {level: int((levels == level).sum()) for level in LEVELS},
        "people_postcodes": match_summary(people.get_column("postcode"), wards),
    }


def _unsafe_reason(protected: ProtectedTable) -> str:
    problems = [n for n in protected.notes if any(m in n for m in _UNSAFE_MARKERS)]
    return "Not safe to publish: " + (problems or protected.notes)[0]


def _write_manifest(result: StatsResult, loaded: LoadedData) -> Path:
    published, withheld = [], []
    for name, table in result.tables.items():
        if table.path is not None:
            notes = (
                table.protected.notes
                if table.protected is not None
                else [_NATIONAL_NOTE, *national_caveats()]
            )
            published.append(
                {
                    "table": name,
                    "file": table.path.name,
                    "sha256": file_sha256(table.path),
                    "shows": table.shows,
                    "notes": notes,
                }
            )
        else:
            withheld.append({"table": name, "shows": table.shows, "reason": table.reason})
    rules = result.rules
    record = {
        "initiative": result.initiative,
        "rule_set": result.rule_set,
        "term_start": result.term_start.isoformat(),
        "as_of": result.as_of.isoformat(),
        "parameters": {"linkage": result.linkage},
        "caveats": list(result.caveats),
        "measures": list(_RATE_MEASURES if result.measured else _RATE_MEASURES[:1]),
        "trend_terms": [
            {"term_start": term.isoformat(), "as_of": evidence.isoformat()}
            for term, evidence in result.trend_terms
        ],
        "ward_lookup": result.ward_lookup,
        "disclosure": {
            "threshold": rules.threshold,
            "round_to": rules.round_to,
            "suppress_zeros": rules.suppress_zeros,
            "symbol": rules.symbol,
        },
        "inputs": input_hashes(loaded.files()),
        "package_version": __version__,
        "published": published,
        "withheld": withheld,
    }
    text = json.dumps(record, indent=2, sort_keys=True) + "\n"
    result.manifest.write_text(text, encoding="utf-8")
    return result.manifest


def _percent_text(value: str | None) -> str:
    """A published rate as text: ``40.7%``, or the symbol itself when hidden."""
    if value is None:
        return "not published"
    return f"{value}%" if value[:1].isdigit() else value
