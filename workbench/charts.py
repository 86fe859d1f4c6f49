"""Charts for reports: one house theme and a function per picture, each returning an altair chart.

The theme (``workbench``, registered and enabled on import) uses the Okabe-Ito palette, which
stays distinguishable with the common colour-vision deficiencies, large enough labels, and
system fonts only (nothing is fetched from the internet). Every chart's title states what it
shows, worked out from the data ("Take-up is lowest in FQ3 (41%)"), so a reader who only
reads titles still gets the finding.

Charts are built from the aggregate tables of `workbench.stats` (never from per-person
rows); a chart for ``shareable/`` must be drawn from a table that has passed disclosure
control. `save_chart` writes SVG or PNG with vl-convert, offline; `chart_html` gives an HTML
page with Vega's JavaScript inline (no CDN).

Example
-------
>>> import polars as pl
>>> table = pl.DataFrame({"area": ["FQ1", "FQ3"], "eligible": [40, 22], "funded": [30, 9],
...     "rate": [0.75, 9 / 22]})
>>> take_up_by_area(table).to_dict()["title"]["text"]
'Take-up is lowest in FQ3 (41%)'
"""

from __future__ import annotations

import html
import itertools
import re
import textwrap
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import altair as alt
import polars as pl
import vl_convert as vlc

from workbench.errors import UsageError

__all__ = [
    "PALETTE",
    "THEME_NAME",
    "chart_description",
    "chart_html",
    "chart_spec",
    "chart_title",
    "equality_gaps",
    "funnel_chart",
    "house_theme",
    "save_chart",
    "take_up_by_area",
    "title_text",
    "trend_chart",
    "with_description",
]

THEME_NAME = "workbench"
# Okabe & Ito (2008), "Color Universal Design": safe for the common colour-vision deficiencies.
# Blue first; yellow last, as it is faint on white.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#F0E442",  # yellow
)
_FONT = "Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif"  # local fonts only
_INK = "#1F1F1F"
_MAIN, _SECOND, _FLAG = PALETTE[0], PALETTE[1], PALETTE[3]
_STAGE_LABELS = {
    "on_dwp_list": "On the DWP list",
    "linked": "Linked to our records",
    "reviewed": "Reviewed",
    "contacted": "Contacted",
    "funded": "Funded",
}
# What each stage's children have done, for the funnel's title ("120 of 133 ... are linked
# to our records").
_STAGE_DONE = {
    "linked": "linked to our records",
    "reviewed": "reviewed",
    "contacted": "contacted",
    "funded": "funded",
}
_Chart = TypeVar("_Chart", alt.LayerChart, alt.FacetChart, alt.LayerChart | alt.FacetChart)
_PNG_SCALE = 2  # twice the pixels: sharp when printed or zoomed
# Characters of a title (17 px, bold) and of a subtitle line (13 px) that fit in the house
# width of 480 pixels whatever the font the reader's browser picks: a longer line is wrapped.
# Vega sizes the picture by its own estimate of the text's width, so a line wider than the
# plot ran past the picture's right edge and was cut off where a wider font was used.
TITLE_CHARS = 55
SUBTITLE_CHARS = 72
_DATE = re.compile(r"\b\d{1,2} [A-Z][a-z]{2,8} \d{4}\b")
_KEEP = "\x00"  # a space textwrap does not break at


@alt.theme.register(THEME_NAME, enable=True)
def house_theme() -> alt.theme.ThemeConfig:
    """The house style: Okabe-Ito colours, readable sizes, local fonts, white background."""
    axis: alt.theme.AxisConfigKwds = {
        "labelFontSize": 13,
        "titleFontSize": 14,
        "labelColor": _INK,
        "titleColor": _INK,
    }
    return {
        "background": "white",
        "width": 480,
        "config": {
            "font": _FONT,
            "axis": axis,
            "legend": {"labelFontSize": 13, "titleFontSize": 14, "orient": "bottom"},
            "header": {"labelFontSize": 13, "titleFontSize": 14},
            "title": {
                "fontSize": 17,
                "subtitleFontSize": 13,
                "anchor": "start",
                "color": _INK,
                "subtitleColor": _INK,
                "offset": 12,
            },
            "text": {"fontSize": 13, "color": _INK},
            "range": {"category": list(PALETTE)},
            "mark": {"color": _MAIN},
            "bar": {"color": _MAIN},
            "line": {"color": _MAIN, "strokeWidth": 2.5},
            "point": {"color": _MAIN, "size": 80, "filled": True},
            "view": {"stroke": None},
        },
    }


def take_up_by_area(
    table: pl.DataFrame,
    dimension: str | None = None,
    *,
    overall: float | None = None,
    hidden: int = 0,
) -> alt.LayerChart | alt.FacetChart:
    """Take-up rate by area (or any group) as bars sorted from highest to lowest.

    Parameters
    ----------
    table
        From `workbench.stats.take_up`: the group column, ``eligible``, ``funded``, ``rate``.
    dimension
        The group column; by default the first column.
    overall
        The rate over all areas, when `table` does not hold them all (a published table's
        Total, its small areas hidden); by default worked out from `table`'s rows.
    hidden
        How many areas are not drawn (their counts hidden by disclosure control): the lowest
        rate is then the lowest of those shown, and the title says so; the subtitle counts
        them, without saying why each was hidden (a small count of its own, or one that
        would give away a small count elsewhere: telling which would bound it).

    The title names the area with the lowest rate (``unknown`` aside); a dashed line marks
    the rate over all areas.
    """
    dimension = dimension or table.columns[0]
    data = _rows_with(table, (dimension, "eligible", "funded", "rate"), "take-up table")
    data = data.filter(pl.col("rate").is_not_null())
    if data.is_empty():
        raise UsageError("The take-up table has no group with eligible children to chart.")
    known = data.filter(pl.col(dimension) != "unknown") if data.height > 1 else data
    lowest = known.sort(["rate", dimension]).row(0, named=True)
    if overall is None:
        overall = float(data["funded"].sum()) / float(data["eligible"].sum())
    shown = f" of the {_plural(dimension)} shown" if hidden else ""
    subtitle = [f"Dashed line: all {_plural(dimension)} together ({_percent(overall)})."]
    if hidden:
        # Hidden for a small count of their own or to protect one elsewhere (which is not
        # said: knowing a count is small bounds it), never "few children".
        subtitle.append(
            f"{hidden} {_plural(dimension)} not shown: their counts are hidden to protect "
            "small numbers."
            if hidden > 1
            else f"1 {_label(dimension).lower()} not shown: its counts are hidden to protect "
            "small numbers."
        )
    title = chart_title(
        f"Take-up is lowest in {lowest[dimension]} ({_percent(lowest['rate'])}){shown}",
        " ".join(subtitle),
    )
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("rate:Q", title="Take-up", axis=alt.Axis(format="%"), scale=_unit_scale()),
            y=alt.Y(f"{dimension}:N", sort="-x", title=_label(dimension)),
            tooltip=[dimension, "eligible", "funded", alt.Tooltip("rate:Q", format=".0%")],
        )
    )
    line = (
        alt.Chart(pl.DataFrame({"rate": [overall]}))
        .mark_rule(color=PALETTE[6], strokeDash=[6, 4], strokeWidth=2)
        .encode(x="rate:Q")
    )
    return with_description(alt.layer(bars, line, title=title))


def funnel_chart(table: pl.DataFrame) -> alt.LayerChart | alt.FacetChart:
    """The outreach funnel as horizontal bars in stage order, each labelled with its count.

    Parameters
    ----------
    table
        From `workbench.stats.funnel`: ``stage`` and ``count``.

    The title gives how many of the list's children reached the last stage (funded, when
    the table has that stage) and, with more than two stages, where most are lost. A funnel
    without a ``funded`` stage is one whose term's funded places are not read yet
    (`workbench.stats.write_stats` leaves the stage out rather than show 0), and the title
    says so instead of calling the last stage's children funded.
    """
    data = _rows_with(table, ("stage", "count"), "funnel table").with_columns(
        pl.col("stage").cast(pl.String).alias("stage")
    )
    data = data.with_columns(pl.col("stage").replace(_STAGE_LABELS).alias("label"))
    stages = data.get_column("stage").to_list()
    labels = data.get_column("label").to_list()
    counts = data.get_column("count").to_list()
    title = chart_title(_funnel_finding(stages, labels, counts))
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=labels, title=None),
        x=alt.X("count:Q", title="Children"),
        tooltip=["label", "count"],
    )
    text = base.mark_text(align="left", dx=4).encode(text="count:Q")
    return with_description(alt.layer(base.mark_bar(), text, title=title))


def trend_chart(
    table: pl.DataFrame, national: pl.DataFrame | None = None
) -> alt.LayerChart | alt.FacetChart:
    """Take-up term by term, with England's rate when given.

    Parameters
    ----------
    table
        From `workbench.stats.trend`: ``term_start`` and ``rate``, and, when it has it,
        ``evidence_as_of``: each term's evidence date, which the subtitle gives (a term's
        figures depend on it, and may differ from its own report's made on another date).
    national
        From `workbench.stats.national_take_up`: ``year``, ``rate``, ``comparable``; drawn as
        points in January of each year, hollow where not comparable with earlier years.
    """
    council = _rows_with(table, ("term_start", "rate"), "trend table").sort("term_start")
    council = council.filter(pl.col("rate").is_not_null())
    if council.is_empty():
        raise UsageError("The trend table has no term with eligible children to chart.")
    long = council.select(
        pl.col("term_start").alias("date"),
        "rate",
        pl.lit("This council").alias("series"),
        pl.lit(True).alias("comparable"),
    )
    subtitle = []
    if "evidence_as_of" in table.columns:
        dates = table.filter(pl.col("rate").is_not_null()).sort("term_start")
        subtitle.append(_evidence_sentence(dates["term_start"], dates["evidence_as_of"]))
    if national is not None:
        england = _rows_with(national, ("year", "rate", "comparable"), "national table")
        long = pl.concat([long, _national_points(england)])
        latest = england.sort("year").row(-1, named=True)
        caveat = "" if latest["comparable"] else ", not comparable with earlier years"
        subtitle.append(f"England, January {latest['year']}: {_percent(latest['rate'])}{caveat}.")
    title = chart_title(_trend_finding(council), subtitle)
    colour = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=["This council", "England (DfE)"], range=[_MAIN, _SECOND]),
    )
    base = alt.Chart(long).encode(
        x=alt.X("date:T", title=None),
        y=alt.Y("rate:Q", title="Take-up", axis=alt.Axis(format="%"), scale=_unit_scale()),
        color=colour,
        tooltip=["series", "date:T", alt.Tooltip("rate:Q", format=".0%")],
    )
    line = base.mark_line().transform_filter(alt.datum.series == "This council")
    points = base.mark_point(size=80, filled=False, strokeWidth=2, opacity=1).encode(
        shape=alt.Shape("series:N", legend=None),
        fill=alt.condition("datum.comparable", colour, alt.value("white")),
    )
    return with_description(alt.layer(line, points, title=title))


def equality_gaps(table: pl.DataFrame) -> alt.LayerChart | alt.FacetChart:
    """Each group's take-up with its interval, against the reference group's rate (parity).

    Parameters
    ----------
    table
        From `workbench.stats.equality_table`: the group column first, then ``rate``,
        ``ci_lower``, ``ci_upper``, ``is_reference`` and ``gap_flagged``.

    Groups whose interval excludes the reference rate are drawn as vermillion diamonds, the
    others as blue circles (shape as well as colour, for readers who cannot tell them apart).
    """
    group = table.columns[0] if table.columns else ""
    columns = (group, "rate", "ci_lower", "ci_upper", "is_reference", "gap_flagged")
    data = _rows_with(table, columns, "equality table").filter(pl.col("rate").is_not_null())
    if data.is_empty():
        raise UsageError("The equality table has no group with eligible children to chart.")
    data = data.with_columns(
        pl.when("gap_flagged").then(pl.lit("Gap")).otherwise(pl.lit("No clear gap")).alias("gap")
    )
    reference = data.filter("is_reference")
    subtitle = []
    if not reference.is_empty():
        ref = reference.row(0, named=True)
        subtitle.append(
            f"Dashed line: {ref[group]}, the reference group ({_percent(ref['rate'])})."
        )
    title = chart_title(_equality_finding(data, group, reference), subtitle)
    y = alt.Y(f"{group}:N", title=_label(group), sort="-x")
    gap_scale = alt.Scale(domain=["No clear gap", "Gap"], range=[_MAIN, _FLAG])
    base = alt.Chart(data).encode(y=y)
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_lower:Q", title="Take-up (95% interval)", axis=alt.Axis(format="%")),
        x2="ci_upper:Q",
        color=alt.Color("gap:N", scale=gap_scale, title=None),
    )
    points = base.mark_point(filled=True, size=90, opacity=1).encode(
        x=alt.X("rate:Q", scale=_unit_scale()),
        color=alt.Color("gap:N", scale=gap_scale, title=None),
        shape=alt.Shape(
            "gap:N", scale=alt.Scale(domain=["No clear gap", "Gap"], range=["circle", "diamond"])
        ),
        tooltip=[group, alt.Tooltip("rate:Q", format=".0%"), "gap"],
    )
    layers = [bars, points]
    if not reference.is_empty():
        parity = pl.DataFrame({"rate": [reference.get_column("rate").item()]})
        layers.append(
            alt.Chart(parity)
            .mark_rule(color=PALETTE[6], strokeDash=[6, 4], strokeWidth=1.5)
            .encode(x="rate:Q")
        )
    return with_description(alt.layer(*layers, title=title))


def chart_title(text: str, subtitle: str | Sequence[str] = ()) -> alt.TitleParams:
    """A chart's title (its finding) and subtitle, wrapped to fit the chart's width.

    A title longer than `TITLE_CHARS` becomes several lines (a list, as Vega-Lite takes
    them), and each subtitle sentence longer than `SUBTITLE_CHARS` likewise; a short title
    stays one string. `title_text` gives the title back as one line (for alternative text).

    Example
    -------
    >>> chart_title("Short").to_dict()
    {'text': 'Short'}
    >>> chart_title("a " * 30, ["b."]).to_dict()
    {'text': ['a a a a a a a a a a a a a a a a a a', 'a a a a a a a a a a a a'], 'subtitle': ['b.']}
    """
    lines = _wrapped(text, TITLE_CHARS)
    sentences = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    if not sentences:
        return alt.TitleParams(lines[0] if len(lines) == 1 else lines)
    wrapped = [line for sentence in sentences for line in _wrapped(sentence, SUBTITLE_CHARS)]
    return alt.TitleParams(
        lines[0] if len(lines) == 1 else lines,
        subtitle=wrapped[0] if isinstance(subtitle, str) and len(wrapped) == 1 else wrapped,
    )


def title_text(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """A chart's title as one line of text (its lines joined), or "" when it has none: its
    finding, for a picture's alternative text.

    Example
    -------
    >>> chart = alt.Chart(pl.DataFrame({"x": [1]})).mark_point().properties(
    ...     title=chart_title("Take-up fell from 50% to 46% in the five terms from 1 Sep 2025"))
    >>> title_text(chart)
    'Take-up fell from 50% to 46% in the five terms from 1 Sep 2025'
    """
    spec = chart if isinstance(chart, dict) else chart_spec(chart)
    return _joined(spec.get("title", ""))


def chart_description(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """A chart's title and subtitle as sentences: what a screen reader says of the picture."""
    spec = chart if isinstance(chart, dict) else chart_spec(chart)
    title = spec.get("title", "")
    text = title_text(spec)
    subtitle = _joined(title.get("subtitle", "")) if isinstance(title, dict) else ""
    if text and not text.endswith("."):
        text += "."
    return " ".join(part for part in (text, subtitle) if part)


def with_description(chart: _Chart) -> _Chart:
    """The chart with its title and subtitle as its ``description``: its alternative text,
    which `save_chart` writes into the SVG (``<title>``, ``<desc>``, ``aria-label``)."""
    return chart.properties(description=chart_description(chart.to_dict(validate=False)))


def _wrapped(text: str, limit: int) -> list[str]:
    """``text`` in lines of at most ``limit`` characters, of about even length (no last line
    of one word)."""
    if len(text) <= limit:
        return [text]
    lines = -(-len(text) // limit)
    width = min(limit, -(-len(text) // lines) + 6)
    # A date ("1 Sep 2026") is never split across lines.
    kept = _DATE.sub(lambda m: m.group(0).replace(" ", _KEEP), text)
    wrapped = textwrap.wrap(kept, width, break_on_hyphens=False) or [kept]
    return [line.replace(_KEEP, " ") for line in wrapped]


def _joined(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("text", "")
    if isinstance(value, list | tuple):
        return " ".join(str(line) for line in value)
    return str(value)


def chart_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec as a dict, with the house theme applied."""
    with alt.theme.enable(THEME_NAME):
        return chart.to_dict()


def save_chart(chart: alt.TopLevelMixin, path: str | Path) -> Path:
    """Write a chart as ``.svg`` or ``.png`` (by suffix) with vl-convert, offline.

    Examples
    --------
    >>> import tempfile
    >>> chart = funnel_chart(pl.DataFrame({"stage": ["on_dwp_list", "funded"], "count": [20, 12]}))
    >>> save_chart(chart, Path(tempfile.mkdtemp()) / "funnel.svg").suffix
    '.svg'
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise UsageError(f"A chart is saved as .svg or .png; got {path}.")
    spec = chart_spec(chart)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".svg":
        svg = vlc.vegalite_to_svg(spec, vl_version=_vl_version())
        path.write_text(_accessible_svg(svg, spec), encoding="utf-8")
    else:
        path.write_bytes(vlc.vegalite_to_png(spec, vl_version=_vl_version(), scale=_PNG_SCALE))
    return path


def _accessible_svg(svg: str, spec: dict[str, Any]) -> str:
    """The SVG with its alternative text: ``role="img"`` and ``aria-label`` on the root, and
    ``<title>`` (the finding) and ``<desc>`` (title and subtitle) first inside it, which
    screen readers and browsers read (Vega's SVG writer leaves the description out)."""
    title, description = title_text(spec), spec.get("description") or chart_description(spec)
    if not description or "<svg" not in svg:
        return svg
    start = svg.index("<svg")
    end = svg.index(">", start)
    label = html.escape(description, quote=True)
    opening = svg[start:end].rstrip("/")
    if "aria-label=" not in opening:
        opening += f' role="img" aria-label="{label}"'
    inner = f"<title>{html.escape(title or description)}</title><desc>{label}</desc>"
    return svg[:start] + opening + ">" + inner + svg[end + 1 :]


def chart_html(chart: alt.TopLevelMixin) -> str:
    """A self-contained HTML page showing the chart, with Vega's JavaScript inline (no CDN).

    About 0.9 MB each, as the whole of Vega travels with it; for a report with many charts
    an SVG from `save_chart` is lighter.
    """
    return vlc.vegalite_to_html(chart_spec(chart), vl_version=_vl_version(), bundle=True)


# --- findings and helpers ------------------------------------------------------------------------


def _funnel_finding(stages: list[str], labels: list[str], counts: list[int]) -> str:
    first, last = counts[0], counts[-1]
    if first == 0:
        return "No children from the DWP list are on this term's list"
    if len(counts) == 1:
        head = f"{first} children are on the DWP list"
    elif stages[-1] in _STAGE_DONE:
        head = f"{last} of {first} children on the DWP list are {_STAGE_DONE[stages[-1]]}"
    else:
        head = f"{last} of {first} children on the DWP list reached '{labels[-1]}'"
    drops = [before - after for before, after in itertools.pairwise(counts)]
    lost = max(drops, default=0)
    at = drops.index(lost) if drops else 0  # the earliest stage on a tie
    # With two stages the drop is the head's own difference: said once.
    if lost > 0 and len(counts) > 2:
        head = f"{head}; the biggest drop is at '{labels[at + 1]}' ({lost} fewer)"
    if "funded" not in stages:
        head = f"{head}; funded places for the term are not in yet"
    return head


def _trend_finding(council: pl.DataFrame) -> str:
    first, last = council.row(0, named=True), council.row(-1, named=True)
    if council.height == 1:
        return f"Take-up was {_percent(last['rate'])} in the term from {_day(last['term_start'])}"
    change = round(last["rate"] * 100) - round(first["rate"] * 100)
    span = f"({_day(first['term_start'])} to {_day(last['term_start'])})"
    if change == 0:
        return f"Take-up held at {_percent(last['rate'])} {span}"
    verb = "rose" if change > 0 else "fell"
    return f"Take-up {verb} from {_percent(first['rate'])} to {_percent(last['rate'])} {span}"


def _evidence_sentence(terms: pl.Series, evidence: pl.Series) -> str:
    """Which evidence date each term of a trend was assessed on, in one sentence."""
    pairs = list(zip(terms.to_list(), evidence.to_list(), strict=True))
    leads = {(term - on).days for term, on in pairs}
    if len(leads) == 1:
        lead = leads.pop()
        when = (
            "on its first day"
            if lead == 0
            else f"{abs(lead)} day{'' if abs(lead) == 1 else 's'} "
            f"{'before' if lead > 0 else 'after'} it starts"
        )
        listed = ", ".join(_day(on) for _, on in pairs)
        return f"Each term on the evidence held {when} ({listed})."
    listed = "; ".join(f"from {_day(term)} on {_day(on)}" for term, on in pairs)
    return f"Each term on the evidence held on a date of its own: the term {listed}."


def _equality_finding(data: pl.DataFrame, group: str, reference: pl.DataFrame) -> str:
    flagged = data.filter("gap_flagged").sort(["rate", group])
    if reference.is_empty():
        return f"Take-up by {_label(group).lower()}: no reference group to compare with"
    ref = reference.row(0, named=True)
    against = f"{ref[group]} ({_percent(ref['rate'])})"
    if flagged.is_empty():
        return f"No group's take-up differs clearly from {against}"
    lowest = flagged.row(0, named=True)
    return (
        f"Take-up differs clearly from {against} for {flagged.height} group(s); "
        f"lowest: {lowest[group]} ({_percent(lowest['rate'])})"
    )


def _national_points(england: pl.DataFrame) -> pl.DataFrame:
    return england.select(
        pl.col("year").map_elements(lambda y: date(y, 1, 1), return_dtype=pl.Date).alias("date"),
        pl.col("rate").cast(pl.Float64),
        pl.lit("England (DfE)").alias("series"),
        pl.col("comparable").cast(pl.Boolean),
    )


def _rows_with(table: pl.DataFrame, columns: tuple[str, ...], what: str) -> pl.DataFrame:
    if not isinstance(table, pl.DataFrame):
        raise UsageError(f"Expected the {what} as a polars DataFrame; got {type(table).__name__}.")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise UsageError(f"The {what} lacks column(s) {missing}; it has {table.columns}.")
    if table.is_empty():
        raise UsageError(f"The {what} has no rows to chart.")
    return table.select(columns)


def _unit_scale() -> alt.Scale:
    return alt.Scale(domain=[0, 1])


def _percent(rate: float) -> str:
    return f"{rate:.0%}"


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def _label(column: str) -> str:
    return column.replace("_", " ").capitalize()


def _plural(column: str) -> str:
    return {"area": "areas", "criterion": "criteria", "age_band": "age bands"}.get(column, "groups")


def _vl_version() -> str | None:
    """The Vega-Lite version altair writes, when vl-convert knows it (else its default)."""
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return major_minor if major_minor in vlc.get_vegalite_versions() else None
