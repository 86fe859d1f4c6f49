"""`workbench stats`: take-up and equality tables for a term, protected, as CSV for dashboards.

`write_stats` assesses an initiative exactly as `workbench assess` does (the same tables and
columns, so the same list), then works out:

- ``take_up`` (one row), ``take_up_by_area`` (postcode district), ``take_up_by_criterion``
  and ``take_up_by_age_band``: eligible (``likely`` tier) and funded children and the rate;
- ``funnel``: where each DWP-list child got to (on the list, linked, funded);
- ``equality_by_sex``, ``equality_by_ethnicity``, ``equality_by_first_language``: eligible
  and funded children and the rate by group. The special-category columns are read in a
  separate load of the people table, only here, and never reach the assessment.

Each table passes disclosure control (`workbench.stats.protect`) and is written to ``out``
as CSV only when it is safe. ``stats_manifest.json`` beside them lists what was published
(with its SHA-256 and notes) and what was withheld, with the reason. Nothing in ``out``
names a child: the list itself is never written here.

The same inputs and rules give byte-identical files (no times are recorded).

Example
-------
>>> result = write_stats("data_samples/council_small", initiative="two_year_old",
...     term_start=date(2026, 9, 1), as_of=date(2026, 9, 1), out=Path("stats"))  # doctest: +SKIP
>>> sorted(result.withheld)  # doctest: +SKIP
['equality_by_ethnicity', ...]
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from workbench import __version__
from workbench.eligibility import assessment
from workbench.errors import UsageError
from workbench.io import LoadedData, load_folder
from workbench.lists import columns_needed
from workbench.rules import load_rule_set
from workbench.run import file_sha256, input_hashes
from workbench.stats.disclosure import TOTAL, DisclosureRules, ProtectedTable, write_protected
from workbench.stats.equality import EQUALITY_FIELDS, UNKNOWN, equality_table, protect_equality
from workbench.stats.takeup import funnel, hide_suppressed, protect, take_up

__all__ = [
    "DEFAULT_RULES",
    "MANIFEST_NAME",
    "TABLES",
    "ChartFile",
    "StatsResult",
    "StatsTable",
    "display_frame",
    "headline",
    "headline_markdown",
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
"""Every table `write_stats` considers, in the order it is reported, with what it shows."""
DEFAULT_RULES = DisclosureRules()
"""Threshold 10, no rounding: UK official statistics practice (frozen, so safe to share)."""
_UNSAFE_MARKERS = ("cannot be made safe", "could still be worked out")


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
    """

    name: str
    raw: pl.DataFrame
    protected: ProtectedTable | None
    path: Path | None
    reason: str | None

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
        table withheld this time has any earlier CSV of the same name removed, so the folder
        never shows figures the manifest does not vouch for.
    rules
        Disclosure control: threshold (default 10), rounding, zeros, symbol.

    Returns
    -------
    StatsResult
        Every table with its raw counts, protected form, and the CSV written or the reason
        it was withheld.

    Raises
    ------
    UsageError
        An unknown initiative, a date the rules do not cover, or ``out`` that is a file.
    DataFileError
        A missing or unreadable data file (as for `workbench assess`).

    Examples
    --------
    >>> result = write_stats("data_samples/council_small", initiative="two_year_old",
    ...     term_start=date(2026, 9, 1), as_of=date(2026, 9, 1),
    ...     out=Path(tempfile.mkdtemp()))  # doctest: +SKIP
    >>> result.withheld["take_up"]  # doctest: +SKIP
    'eligible: the grand total is below the threshold of 10, ...'
    """
    if not isinstance(term_start, date) or not isinstance(as_of, date):
        raise UsageError(f"term_start and as_of must be dates; got {term_start!r} and {as_of!r}.")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out must be a folder for the tables; {out} is a file.")
    rule_set = load_rule_set(initiative)
    rule_set.check_date(as_of)
    loaded = load_folder(data, tables=rule_set.sources, columns=columns_needed(rule_set.sources))
    found = assessment(
        {name: loaded.lazy(name) for name in loaded.tables},
        rule_set,
        term_start=term_start,
        as_of=as_of,
    )
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
    caveats = ()
    if "funded_places" not in rule_set.sources:
        caveats = (
            f"Funded places are not measured for {rule_set.id}: its rules read no funded "
            "places, so every funded count is 0 and the take-up rates say nothing.",
        )
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        name: _publish(name, raw[name], not_applicable.get(name), out, rules) for name in TABLES
    }
    result = StatsResult(
        out=out,
        manifest=out / MANIFEST_NAME,
        initiative=rule_set.id,
        rule_set=rule_set.ref,
        term_start=term_start,
        as_of=as_of,
        rules=rules,
        tables=tables,
        caveats=caveats,
    )
    _write_manifest(result, loaded)
    return result


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


@dataclass(frozen=True)
class ChartFile:
    """A chart saved as SVG, with its title as alternative text; a notebook shows it inline."""

    path: Path
    title: str

    def _repr_html_(self) -> str:
        svg = self.path.read_text(encoding="utf-8")
        svg = svg[svg.index("<svg") :] if "<svg" in svg else svg
        label = html.escape(self.title, quote=True)
        return f'<figure role="img" aria-label="{label}" style="margin:1rem 0">{svg}</figure>'


def write_charts(
    result: StatsResult, folder: Path | None = None
) -> tuple[dict[str, ChartFile], dict[str, str]]:
    """Draw the published tables as SVG charts: take-up by area, the funnel, equality gaps.

    A chart shows only what its published table shows in full: a row with a hidden cell is
    left out, the funnel is drawn only when no stage is hidden (else its stages could be
    worked out from the bars), and an equality chart only when its reference group and one
    other group are shown (children of unknown group are left out of it: they are mostly
    DWP-list children matched to no record, who cannot be counted as funded).

    Parameters
    ----------
    result
        From `write_stats`.
    folder
        Where the ``.svg`` files go; by default ``result.out``. A chart not drawn this time
        has any earlier file of the same name removed.

    Returns
    -------
    tuple of dict
        The charts drawn (name to `ChartFile`) and, for the others, why not (name to reason).
    """
    from workbench.charts import (
        chart_spec,
        equality_gaps,
        funnel_chart,
        save_chart,
        take_up_by_area,
    )

    folder = Path(folder or result.out)
    drawn: dict[str, ChartFile] = {}
    skipped: dict[str, str] = {}
    builders = {
        "take_up_by_area": (take_up_by_area, _area_rows),
        "funnel": (funnel_chart, _funnel_rows),
    }
    for field in EQUALITY_FIELDS:
        builders[f"equality_by_{field}"] = (equality_gaps, _equality_rows)
    for name, (build, rows_of) in builders.items():
        path = folder / f"{name}.svg"
        table = result.tables[name]
        rows, why = (None, table.reason) if not table.published else rows_of(table)
        if rows is None:
            path.unlink(missing_ok=True)
            skipped[name] = why or "Nothing to draw."
            continue
        chart = build(rows)
        title = chart_spec(chart).get("title", {})
        text = title.get("text", "") if isinstance(title, dict) else str(title)
        drawn[name] = ChartFile(path=save_chart(chart, path), title=text)
    return drawn, skipped


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
    from workbench.stats.takeup import national_caveats, national_take_up

    figures = headline(result)
    term = f"{result.term_start:%-d %B %Y}"
    if figures["eligible"] is None:
        reason = result.withheld.get("take_up", "")
        return f"**Too few children to publish figures** for the term starting {term}: {reason}"
    lines = [
        f"- **{figures['eligible']}** children look eligible (likely tier) for the term "
        f"starting {term}.",
        f"- **{figures['funded']}** of them have a funded place this term: take-up "
        f"**{_percent_text(figures['rate'])}**.",
    ]
    lines += [f"- {caveat}" for caveat in result.caveats]
    if result.initiative != "two_year_old":
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
    ``take-up %``. None when the table was withheld.
    """
    if not table.published or table.protected is None:
        return None
    protected = table.protected
    measures = protected.table.get_column("measure").unique(maintain_order=True).to_list()
    shown = protected.wide(measures[0])
    for measure in measures[1:]:
        shown = shown.join(protected.wide(measure), on=protected.row, how="left")
    return shown.rename({"rate": "take-up %"}, strict=False)


# --- helpers -------------------------------------------------------------------------------------


def _publish(
    name: str, raw: pl.DataFrame, reason: str | None, out: Path, rules: DisclosureRules
) -> StatsTable:
    """Protect one table and write it when safe; remove a stale CSV when it is withheld."""
    path = out / f"{name}.csv"
    protected = None
    if reason is None:
        protect_one = protect_equality if name.startswith("equality_") else protect
        protected = protect_one(raw, rules=rules)
        if not protected.safe:
            reason = _unsafe_reason(protected)
    if reason is not None:
        path.unlink(missing_ok=True)
        return StatsTable(name=name, raw=raw, protected=protected, path=None, reason=reason)
    write_protected(protected, path)
    return StatsTable(name=name, raw=raw, protected=protected, path=path, reason=None)


def _unsafe_reason(protected: ProtectedTable) -> str:
    problems = [n for n in protected.notes if any(m in n for m in _UNSAFE_MARKERS)]
    return "Not safe to publish: " + (problems or protected.notes)[0]


def _write_manifest(result: StatsResult, loaded: LoadedData) -> Path:
    published, withheld = [], []
    for name, table in result.tables.items():
        if table.path is not None:
            notes = table.protected.notes if table.protected is not None else []
            published.append(
                {
                    "table": name,
                    "file": table.path.name,
                    "sha256": file_sha256(table.path),
                    "shows": TABLES[name],
                    "notes": notes,
                }
            )
        else:
            withheld.append({"table": name, "shows": TABLES[name], "reason": table.reason})
    rules = result.rules
    record = {
        "initiative": result.initiative,
        "rule_set": result.rule_set,
        "term_start": result.term_start.isoformat(),
        "as_of": result.as_of.isoformat(),
        "caveats": list(result.caveats),
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


def _area_rows(table: StatsTable) -> tuple[pl.DataFrame | None, str | None]:
    rows = table.shown_rows()
    if rows is None or rows.filter(pl.col("rate").is_not_null()).is_empty():
        return None, "Every area has too few eligible children to show."
    return rows, None


def _funnel_rows(table: StatsTable) -> tuple[pl.DataFrame | None, str | None]:
    """The funnel's stages rebuilt from the published furthest-stage counts (as rounded)."""
    cells = table.protected.table.filter(pl.col(table.protected.row) != TOTAL)
    if cells.get_column("suppressed").any():
        return None, "Some stages of the funnel have too few children to show."
    stopped = [int(v) for v in cells.get_column("value")]
    reached = [sum(stopped[i:]) for i in range(len(stopped))]
    stages = table.raw.get_column("stage")
    return pl.DataFrame({"stage": stages, "count": pl.Series(reached, dtype=pl.Int64)}), None


def _equality_rows(table: StatsTable) -> tuple[pl.DataFrame | None, str | None]:
    rows = table.shown_rows()
    group = table.raw.columns[0]
    known = None if rows is None else rows.filter(pl.col(group) != UNKNOWN)
    if known is None or known.height < 2 or not known.get_column("is_reference").any():
        return None, "Too few groups are large enough to compare."
    return known, None


def _percent_text(value: str | None) -> str:
    """A published rate as text: ``40.7%``, or the symbol itself when hidden."""
    if value is None:
        return "not published"
    return f"{value}%" if value[:1].isdigit() else value
