"""Charts of the published `workbench stats` tables, as SVG files a notebook shows inline.

`write_charts` draws what `workbench.stats.report.write_stats` published: take-up by area
(and ward), the funnel, equality gaps and the trend. A chart shows only what its published
table shows in full. Both names are also importable from `workbench.stats.report`.

Example
-------
>>> result = write_stats("data_samples/council_small", initiative="two_year_old",
...     term_start=date(2026, 9, 1), as_of=date(2026, 9, 1), out=Path("stats"))  # doctest: +SKIP
>>> drawn, skipped = write_charts(result)  # doctest: +SKIP
>>> sorted(skipped)  # doctest: +SKIP
['equality_by_ethnicity', ...]
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.stats.disclosure import TOTAL
from workbench.stats.equality import EQUALITY_FIELDS, UNKNOWN
from workbench.stats.takeup import national_take_up

if TYPE_CHECKING:  # only for annotations: report imports this module
    from collections.abc import Callable

    import altair as alt

    from workbench.stats.report_publish import StatsResult, StatsTable

    # A chart: what draws it (from its rows and its table), and what gives its rows (or says
    # why there are none).
    _Chart = tuple[
        Callable[[pl.DataFrame, StatsTable], alt.TopLevelMixin],
        Callable[[StatsTable], tuple[pl.DataFrame | None, str | None]],
    ]

__all__ = ["ChartFile", "write_charts"]


@dataclass(frozen=True)
class ChartFile:
    """A chart saved as SVG, with its title and description as alternative text; a notebook
    shows it inline (as HTML, so the report's picture carries that text, not nbconvert's "No
    description has been provided for this image").

    Example
    -------
    >>> import tempfile
    >>> from workbench.charts import funnel_chart
    >>> chart = funnel_chart(pl.DataFrame({"stage": ["on_dwp_list", "funded"], "count": [9, 3]}))
    >>> shown = ChartFile.save(chart, Path(tempfile.mkdtemp()) / "funnel.svg")
    >>> shown.title
    '3 of 9 children on the DWP list are funded'
    """

    path: Path
    title: str
    description: str = ""
    """The title and subtitle as sentences (what a screen reader says); the title when empty."""

    @classmethod
    def save(cls, chart: alt.TopLevelMixin, path: str | Path) -> ChartFile:
        """Save ``chart`` as SVG at ``path`` (`workbench.charts.save_chart`), with its finding
        as the title and its title and subtitle as the description."""
        from workbench.charts import chart_description, chart_spec, save_chart, title_text

        spec = chart_spec(chart)
        return cls(
            path=save_chart(chart, path),
            title=title_text(spec),
            description=spec.get("description") or chart_description(spec),
        )

    def _repr_html_(self) -> str:
        svg = self.path.read_text(encoding="utf-8")
        svg = svg[svg.index("<svg") :] if "<svg" in svg else svg
        label = html.escape(self.description or self.title, quote=True)
        return f'<figure role="img" aria-label="{label}" style="margin:1rem 0">{svg}</figure>'


def write_charts(
    result: StatsResult, folder: Path | None = None
) -> tuple[dict[str, ChartFile], dict[str, str]]:
    """Draw the published tables as SVG charts: take-up by area (and ward), the funnel,
    equality gaps and the trend (with England's rate for the two-year-old offer).

    A chart shows only what its published table shows in full: a row with a hidden cell is
    left out, the funnel is drawn only when no stage is hidden (else its stages could be
    worked out from the bars), and an equality chart only when its reference group and one
    other group are shown (children of unknown group are left out of it: they are mostly
    DWP-list children matched to no record, who cannot be counted as funded). Where take-up
    is not measured (`StatsResult.measured`) no take-up chart is drawn.

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
    from workbench.charts import equality_gaps, funnel_chart, take_up_by_area, trend_chart

    folder = Path(folder or result.out)
    drawn: dict[str, ChartFile] = {}
    skipped: dict[str, str] = {}
    england = _england_for_chart(result)

    def by_area(rows: pl.DataFrame, table: StatsTable) -> alt.TopLevelMixin:
        # Areas whose counts disclosure control hid; a row of no child (listed on every run)
        # is published, with no rate to draw, and is not among them.
        areas = table.raw.get_column(table.raw.columns[0]).drop_nulls().n_unique()
        hidden = max(areas - rows.height, 0)
        return take_up_by_area(rows, overall=_published_total_rate(table), hidden=hidden)

    builders: dict[str, _Chart] = {
        "take_up_by_area": (by_area, _area_rows),
        "take_up_by_ward": (by_area, _area_rows),
        "funnel": (lambda rows, _: funnel_chart(rows), _funnel_rows),
        **{
            f"equality_by_{field}": (lambda rows, _: equality_gaps(rows), _equality_rows)
            for field in EQUALITY_FIELDS
        },
        "trend": (lambda rows, _: trend_chart(rows, national=england), _trend_rows),
    }
    for name, (build, rows_of) in builders.items():
        path = folder / f"{name}.svg"
        table = result.tables.get(name)
        if table is None:  # an optional table that was not asked for
            path.unlink(missing_ok=True)
            continue
        if not table.published:
            rows, why = None, table.reason
        elif not result.measured and name != "funnel":
            rows, why = None, "Take-up is not measured for this initiative: no rate to draw."
        elif _not_counted(table):
            rows, why = None, _NOT_COUNTED
        else:
            rows, why = rows_of(table)
        if rows is None:
            path.unlink(missing_ok=True)
            skipped[name] = why or "Nothing to draw."
            continue
        drawn[name] = ChartFile.save(build(rows, table), path)
    return drawn, skipped


# --- chart rows ---------------------------------------------------------------------------------

_NOT_COUNTED = (
    "No funded place was read for the term (see the caveats): funded and the rate are blank, "
    "so there is no rate to draw."
)


def _not_counted(table: StatsTable) -> bool:
    """A take-up or equality table whose funded count is blank throughout: its term's funded
    places were not read (`workbench.stats.takeup.without_funded`)."""
    raw = table.raw
    return "funded" in raw.columns and raw.height > 0 and raw["funded"].null_count() == raw.height


def _area_rows(table: StatsTable) -> tuple[pl.DataFrame | None, str | None]:
    rows = table.shown_rows()
    if rows is None or rows.filter(pl.col("rate").is_not_null()).is_empty():
        return None, f"Every {table.raw.columns[0]} has too few eligible children to show."
    return rows, None


def _published_total_rate(table: StatsTable) -> float | None:
    """The rate over all areas as the table publishes it (its Total row: funded over eligible,
    rounded as published), or None when the Total is hidden. The areas a chart shows are only
    those published in full, so their sum is not all areas."""
    protected = table.protected
    if protected is None:
        return None
    total = dict(
        protected.table.filter((pl.col(protected.row) == TOTAL) & ~pl.col("suppressed"))
        .select("measure", "value")
        .iter_rows()
    )
    eligible, funded = total.get("eligible"), total.get("funded")
    if not eligible or funded is None:
        return None
    return float(funded) / float(eligible)


def _trend_rows(table: StatsTable) -> tuple[pl.DataFrame | None, str | None]:
    rows = table.shown_rows()
    if rows is None or rows.filter(pl.col("rate").is_not_null()).is_empty():
        return None, "Every term has too few eligible children to show."
    return rows, None


def _england_for_chart(result: StatsResult) -> pl.DataFrame | None:
    """DfE's figures for the years the published national comparison uses, or None."""
    table = result.tables.get("national_comparison")
    if table is None or not table.published:
        return None
    years = table.raw.get_column("england_year").drop_nulls().unique()
    england = national_take_up().filter(pl.col("year").is_in(years.implode()))
    return None if england.is_empty() else england


def _funnel_rows(table: StatsTable) -> tuple[pl.DataFrame | None, str | None]:
    """The funnel's stages rebuilt from the published furthest-stage counts (as rounded)."""
    protected = table.protected
    assert protected is not None  # a published funnel went through disclosure control
    cells = protected.table.filter(pl.col(protected.row) != TOTAL)
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
