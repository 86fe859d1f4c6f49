"""A published `workbench stats` result read back for people: the headline figures, the
headline in plain English (with England's rate for the two-year-old offer) and each table laid
out for display. Every public name here is also importable from `workbench.stats.report`.

Example
-------
>>> result = write_stats("data_samples/council_small", initiative="two_year_old",
...     term_start=date(2026, 9, 1), as_of=date(2026, 9, 1), out=Path("stats"))  # doctest: +SKIP
>>> headline(result)  # doctest: +SKIP
{'eligible': '182', 'funded': '74', 'rate': '40.7'}
"""

from __future__ import annotations

import polars as pl

from workbench.dates import long_date
from workbench.stats.disclosure import TOTAL
from workbench.stats.report_publish import StatsResult, StatsTable, national_csv
from workbench.stats.takeup import national_caveats, national_take_up

__all__ = [
    "TWO_YEAR_OLD",
    "display_frame",
    "headline",
    "headline_markdown",
]

TWO_YEAR_OLD = "two_year_old"


def headline(result: StatsResult) -> dict[str, str | None]:
    """The overall figures as published: ``eligible``, ``funded`` and ``rate`` (a percentage).

    All three are None when the overall table was withheld; a hidden value shows the
    suppression symbol; ``funded`` and ``rate`` are None (blank) when the term's funded
    places were not read.

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
    term = long_date(result.term_start)
    if figures["eligible"] is None:
        reason = result.withheld.get("take_up", "")
        return f"**Too few children to publish figures** for the term starting {term}: {reason}"
    lines = [
        f"- **{figures['eligible']}** children look eligible (likely tier) for the term "
        f"starting {term}."
    ]
    if result.measured and figures["funded"] is None:
        # Blank: the term's funded places were not read (the caveats below say why).
        lines.append("- How many of them have a funded place is not known yet: see below.")
    elif result.measured:
        lines.append(
            f"- **{figures['funded']}** of them have a funded place this term: take-up "
            f"**{_percent_text(figures['rate'])}**."
        )
    lines += [f"- {caveat}" for caveat in result.caveats]
    if result.initiative != TWO_YEAR_OLD:
        lines.append(
            "- No national figure is compared: DfE publishes national take-up for the "
            "two-year-old offer only."
        )
        return "\n".join(lines)
    england = national if national is not None else national_take_up()
    earlier = england.filter(pl.col("year") <= result.term_start.year).sort("year")
    latest = (earlier if earlier.height else england.sort("year")).row(-1, named=True)
    lines.append(
        f"- England: **{_england_percent(latest['rate'])}** (DfE, January {latest['year']})."
        + (f" {latest['note']}" if latest["note"] else "")
    )
    caveats = " ".join(national_caveats())
    lines += ["", f"*How far the two compare:* {caveats} Source: {latest['source']}"]
    return "\n".join(lines)


def _england_percent(rate: float) -> str:
    """DfE's rate as it publishes it: `65%`, `71.6%`."""
    return f"{rate * 100:.1f}".removesuffix(".0") + "%"


def display_frame(table: StatsTable) -> pl.DataFrame | None:
    """A published table laid out for reading: one row per group, one column per measure.

    Values are as published (hidden cells show the symbol); the rate column is headed
    ``take-up %``. The national comparison shows England's figures beside each term. None
    when the table was withheld.
    """
    if not table.published:
        return None
    if table.protected is None:
        return national_csv(table.raw).select(
            pl.col("term_start").cast(pl.String),
            pl.col("england_year").cast(pl.String).alias("England, January"),
            pl.format("{}", "england_rate_percent").alias("England take-up %"),
            pl.col("comparable").cast(pl.String),
            "note",
        )
    protected = table.protected
    measures = protected.table.get_column("measure").unique(maintain_order=True).to_list()
    if not measures:  # no row at all: a council with no child of the offer's age, say
        return pl.DataFrame(schema={protected.row: pl.String})
    shown = protected.wide(measures[0])
    for measure in measures[1:]:
        shown = shown.join(protected.wide(measure), on=protected.row, how="left")
    return shown.rename({"rate": "take-up %"}, strict=False)


def _percent_text(value: str | None) -> str:
    """A published rate as text: ``40.7%``, or the symbol itself when hidden."""
    if value is None:
        return "not published"
    return f"{value}%" if value[:1].isdigit() else value
