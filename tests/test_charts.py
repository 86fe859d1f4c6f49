"""Charts: the house theme, findings in titles, encodings, and images written offline."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import altair as alt
import polars as pl
import pytest

from workbench.charts import (
    PALETTE,
    SUBTITLE_CHARS,
    THEME_NAME,
    TITLE_CHARS,
    chart_html,
    chart_spec,
    equality_gaps,
    funnel_chart,
    save_chart,
    take_up_by_area,
    title_text,
    trend_chart,
)
from workbench.errors import UsageError
from workbench.stats.takeup import national_take_up

OKABE_ITO = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000", "#F0E442"}


@pytest.fixture
def areas() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "area": ["FQ1", "FQ2", "FQ3", "unknown"],
            "eligible": [40, 30, 22, 3],
            "funded": [30, 20, 9, 0],
            "rate": [0.75, 20 / 30, 9 / 22, 0.0],
        }
    )


@pytest.fixture
def funnel_table() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "stage": ["on_dwp_list", "linked", "reviewed", "contacted", "funded"],
            "count": [40, 30, 28, 20, 12],
        }
    )


@pytest.fixture
def equality() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "sex": ["F", "M", "unknown"],
            "rate": [0.7, 0.4, 0.5],
            "ci_lower": [0.6, 0.3, 0.2],
            "ci_upper": [0.8, 0.5, 0.8],
            "is_reference": [True, False, False],
            "gap_flagged": [False, True, False],
        }
    )


def layer(spec: dict, mark: str) -> dict:
    """The first layer of a layered spec drawing ``mark``."""
    return next(part for part in spec["layer"] if _mark(part) == mark)


def _mark(part: dict) -> str:
    return part["mark"] if isinstance(part["mark"], str) else part["mark"]["type"]


# --- theme --------------------------------------------------------------------------------------


def test_the_house_theme_is_registered_with_a_colour_blind_safe_palette(areas) -> None:
    assert THEME_NAME in alt.theme.names()
    assert set(PALETTE) == OKABE_ITO
    config = chart_spec(take_up_by_area(areas))["config"]
    assert config["range"]["category"] == list(PALETTE)
    assert config["axis"]["labelFontSize"] >= 12
    assert "http" not in config["font"]


def test_chart_spec_applies_the_theme_even_when_another_is_active(areas) -> None:
    with alt.theme.enable("default"):
        assert chart_spec(take_up_by_area(areas))["config"]["range"]["category"] == list(PALETTE)


# --- findings and encodings ---------------------------------------------------------------------


def test_take_up_by_area_names_the_lowest_known_area_and_sorts_bars(areas) -> None:
    spec = chart_spec(take_up_by_area(areas))
    assert spec["title"] == {
        "text": "Take-up is lowest in FQ3 (41%)",
        "subtitle": "Dashed line: all areas together (62%).",
    }
    bars = layer(spec, "bar")
    assert bars["encoding"]["y"]["sort"] == "-x"
    assert bars["encoding"]["x"]["field"] == "rate"
    assert bars["encoding"]["x"]["axis"]["format"] == "%"
    rule = layer(spec, "rule")
    assert spec["datasets"][rule["data"]["name"]] == [{"rate": 59 / 95}]


def test_take_up_by_area_says_hidden_areas_are_hidden_not_small(areas) -> None:
    # An area hidden by secondary suppression may hold many children: never "few children".
    two = chart_spec(take_up_by_area(areas, hidden=2, overall=0.5))
    assert two["title"]["text"] == "Take-up is lowest in FQ3 (41%) of the areas shown"
    assert two["title"]["subtitle"] == [
        "Dashed line: all areas together (50%). 2 areas not shown:",
        "their counts are hidden to protect small numbers.",
    ]
    one = chart_spec(take_up_by_area(areas, hidden=1))
    assert " ".join(one["title"]["subtitle"]) == (
        "Dashed line: all areas together (62%). 1 area not shown: its counts are hidden to "
        "protect small numbers."
    )
    assert "few" not in str(two["title"]) + str(one["title"])


def test_take_up_by_age_band_uses_the_first_column() -> None:
    table = pl.DataFrame(
        {
            "age_band": ["24-29", "30-35"],
            "eligible": [20, 20],
            "funded": [15, 10],
            "rate": [0.75, 0.5],
        }
    )
    spec = chart_spec(take_up_by_area(table))
    assert spec["title"]["text"] == "Take-up is lowest in 30-35 (50%)"
    assert spec["title"]["subtitle"] == "Dashed line: all age bands together (62%)."


def test_funnel_chart_keeps_stage_order_and_names_the_biggest_drop(funnel_table) -> None:
    spec = chart_spec(funnel_chart(funnel_table))
    assert title_text(spec) == (
        "12 of 40 children on the DWP list are funded; "
        "the biggest drop is at 'Linked to our records' (10 fewer)"
    )
    bars = layer(spec, "bar")
    assert bars["encoding"]["y"]["sort"] == [
        "On the DWP list",
        "Linked to our records",
        "Reviewed",
        "Contacted",
        "Funded",
    ]
    assert layer(spec, "text")["encoding"]["text"]["field"] == "count"


def test_funnel_chart_without_a_funded_stage_says_what_its_last_stage_is() -> None:
    # A term whose funded places are not read: `write_stats` leaves the funded stage out.
    table = pl.DataFrame({"stage": ["on_dwp_list", "linked"], "count": [133, 120]})
    spec = chart_spec(funnel_chart(table))
    assert spec["title"]["text"] == [
        "120 of 133 children on the DWP list are linked to our",
        "records; funded places for the term are not in yet",
    ]
    assert title_text(spec) == (
        "120 of 133 children on the DWP list are linked to our records; funded places for the "
        "term are not in yet"
    )
    reviewed = pl.DataFrame({"stage": ["on_dwp_list", "linked", "reviewed"], "count": [40, 30, 28]})
    assert title_text(funnel_chart(reviewed)) == (
        "28 of 40 children on the DWP list are reviewed; the biggest drop is at 'Linked to our "
        "records' (10 fewer); funded places for the term are not in yet"
    )
    only = pl.DataFrame({"stage": ["on_dwp_list"], "count": [7]})
    assert title_text(funnel_chart(only)) == (
        "7 children are on the DWP list; funded places for the term are not in yet"
    )


def test_funnel_chart_of_two_stages_says_the_drop_once() -> None:
    table = pl.DataFrame({"stage": ["on_dwp_list", "funded"], "count": [20, 12]})
    assert title_text(funnel_chart(table)) == "12 of 20 children on the DWP list are funded"


def test_funnel_chart_with_no_losses_and_with_no_children() -> None:
    same = pl.DataFrame({"stage": ["on_dwp_list", "funded"], "count": [15, 15]})
    assert chart_spec(funnel_chart(same))["title"]["text"] == (
        "15 of 15 children on the DWP list are funded"
    )
    empty = pl.DataFrame({"stage": ["on_dwp_list", "funded"], "count": [0, 0]})
    assert chart_spec(funnel_chart(empty))["title"]["text"] == (
        "No children from the DWP list are on this term's list"
    )


def test_trend_chart_says_which_way_take_up_went_and_shows_england() -> None:
    table = pl.DataFrame(
        {
            "term_start": [date(2025, 9, 1), date(2026, 1, 1), date(2026, 9, 1)],
            "rate": [0.5, 0.61, 0.455],
        }
    )
    spec = chart_spec(trend_chart(table, national=national_take_up()))
    assert spec["title"] == {
        "text": "Take-up fell from 50% to 46% (1 Sep 2025 to 1 Sep 2026)",
        "subtitle": ["England, January 2026: 72%, not comparable with earlier years."],
    }
    points = layer(spec, "point")
    rows = next(data for data in spec["datasets"].values() if "series" in data[0])
    england = [row for row in rows if row["series"] == "England (DfE)"]
    assert [(row["rate"], row["comparable"]) for row in england] == [
        (0.68, True),
        (0.74, True),
        (0.75, True),
        (0.65, False),
        (0.716, False),
    ]
    assert points["encoding"]["fill"]["condition"]["test"] == "datum.comparable"


def test_trend_chart_says_which_evidence_date_each_term_uses() -> None:
    table = pl.DataFrame(
        {
            "term_start": [date(2026, 9, 1), date(2027, 1, 1), date(2027, 4, 1)],
            "rate": [0.47, 0.5, None],  # April's funded places not read: not drawn
            "evidence_as_of": [date(2026, 8, 1), date(2026, 12, 1), date(2027, 3, 1)],
        }
    )
    assert chart_spec(trend_chart(table))["title"]["subtitle"] == [
        "Each term on the evidence held 31 days before",
        "it starts (1 Aug 2026, 1 Dec 2026).",
    ]
    first_day = table.with_columns(pl.col("term_start").alias("evidence_as_of"))
    assert chart_spec(trend_chart(first_day))["title"]["subtitle"] == [
        "Each term on the evidence held on its first",
        "day (1 Sep 2026, 1 Jan 2027).",
    ]
    mixed = table.with_columns(
        pl.Series("evidence_as_of", [date(2026, 9, 1), date(2026, 12, 1), date(2027, 3, 1)])
    )
    assert chart_spec(trend_chart(mixed))["title"]["subtitle"] == [
        "Each term on the evidence held on a date of its own: the term from",
        "1 Sep 2026 on 1 Sep 2026; from 1 Jan 2027 on 1 Dec 2026.",
    ]


def test_trend_chart_of_one_term_and_of_a_level_trend() -> None:
    one = pl.DataFrame({"term_start": [date(2026, 9, 1)], "rate": [0.66]})
    assert chart_spec(trend_chart(one))["title"]["text"] == (
        "Take-up was 66% in the term from 1 Sep 2026"
    )
    level = pl.DataFrame({"term_start": [date(2026, 1, 1), date(2026, 9, 1)], "rate": [0.6, 0.601]})
    assert chart_spec(trend_chart(level))["title"]["text"] == (
        "Take-up held at 60% (1 Jan 2026 to 1 Sep 2026)"
    )


def test_equality_gaps_draws_intervals_points_and_the_parity_line(equality) -> None:
    spec = chart_spec(equality_gaps(equality))
    assert spec["title"] == {
        "text": ["Take-up differs clearly from F (70%) for", "1 group(s); lowest: M (40%)"],
        "subtitle": ["Dashed line: F, the reference group (70%)."],
    }
    rules = [part for part in spec["layer"] if _mark(part) == "rule"]
    interval = next(part for part in rules if "x2" in part["encoding"])
    assert (interval["encoding"]["x"]["field"], interval["encoding"]["x2"]["field"]) == (
        "ci_lower",
        "ci_upper",
    )
    parity = next(part for part in rules if "x2" not in part["encoding"])
    assert spec["datasets"][parity["data"]["name"]] == [{"rate": 0.7}]
    point = layer(spec, "point")
    assert point["encoding"]["shape"]["scale"]["range"] == ["circle", "diamond"]


def test_equality_gaps_title_when_no_gap_is_clear(equality) -> None:
    calm = equality.with_columns(gap_flagged=pl.lit(False))
    assert chart_spec(equality_gaps(calm))["title"]["text"] == (
        "No group's take-up differs clearly from F (70%)"
    )


def test_charts_explain_tables_they_cannot_draw(areas) -> None:
    with pytest.raises(UsageError, match=r"lacks column\(s\) \['rate'\]"):
        take_up_by_area(areas.drop("rate"))
    with pytest.raises(UsageError, match="no group with eligible children"):
        take_up_by_area(areas.with_columns(rate=pl.lit(None, pl.Float64)))
    with pytest.raises(UsageError, match="no rows"):
        funnel_chart(pl.DataFrame({"stage": [], "count": []}))


# --- output -------------------------------------------------------------------------------------


def test_save_chart_writes_svg_that_parses_and_carries_the_title(tmp_path: Path, areas) -> None:
    path = save_chart(take_up_by_area(areas), tmp_path / "charts" / "area.svg")
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "Take-up is lowest in FQ3 (41%)" in path.read_text(encoding="utf-8")


def test_save_chart_writes_the_finding_into_the_svg_as_its_alternative_text(
    tmp_path: Path, areas
) -> None:
    path = save_chart(take_up_by_area(areas, hidden=1), tmp_path / "area.svg")
    root = ET.parse(path).getroot()
    svg = "{http://www.w3.org/2000/svg}"
    description = (
        "Take-up is lowest in FQ3 (41%) of the areas shown. Dashed line: all areas together "
        "(62%). 1 area not shown: its counts are hidden to protect small numbers."
    )
    assert (root.get("role"), root.get("aria-label")) == ("img", description)
    assert root[0].tag == f"{svg}title"
    assert root[0].text == "Take-up is lowest in FQ3 (41%) of the areas shown"
    assert (root[1].tag, root[1].text) == (f"{svg}desc", description)


@pytest.mark.parametrize(
    "chart",
    [
        funnel_chart(pl.DataFrame({"stage": ["on_dwp_list", "linked"], "count": [133, 120]})),
        funnel_chart(
            pl.DataFrame({"stage": ["on_dwp_list", "linked", "funded"], "count": [133, 120, 78]})
        ),
        take_up_by_area(
            pl.DataFrame({"area": ["FQ1"], "eligible": [40], "funded": [30], "rate": [0.75]}),
            hidden=2,
        ),
    ],
    ids=["funnel without funded", "funnel", "area with hidden"],
)
def test_titles_are_wrapped_inside_the_picture(chart, tmp_path: Path) -> None:
    # The tester's funnel title ran past the SVG's right edge, its ")" cut off.
    spec = chart_spec(chart)
    lines = spec["title"]["text"]
    subtitle = spec["title"].get("subtitle", [])
    for line in [lines] if isinstance(lines, str) else lines:
        assert len(line) <= TITLE_CHARS
    for line in [subtitle] if isinstance(subtitle, str) else subtitle:
        assert len(line) <= SUBTITLE_CHARS
    # The title does not widen the picture: Vega sized the SVG by its own estimate of the
    # title's width, and a browser's wider font then ran the title past the edge.
    titled = save_chart(chart, tmp_path / "titled.png").read_bytes()
    untitled = save_chart(chart.properties(title=""), tmp_path / "untitled.png").read_bytes()
    assert struct.unpack(">I", titled[16:20]) == struct.unpack(">I", untitled[16:20])


def test_save_chart_writes_png(tmp_path: Path, funnel_table) -> None:
    path = save_chart(funnel_chart(funnel_table), tmp_path / "funnel.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_save_chart_refuses_other_formats(tmp_path: Path, funnel_table) -> None:
    with pytest.raises(UsageError, match=r"\.svg or \.png"):
        save_chart(funnel_chart(funnel_table), tmp_path / "funnel.pdf")


def test_chart_html_embeds_vega_inline_with_no_remote_script(equality) -> None:
    html = chart_html(equality_gaps(equality))
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?https?:", html, flags=re.IGNORECASE)
    assert "https://cdn" not in html
    assert "vega" in html.lower()
    assert "Take-up differs clearly from F (70%)" in html
