"""Linkage charts: match-weight bins and histogram, one pair's waterfall, calibration."""

from __future__ import annotations

import json

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.charts import PALETTE, chart_spec, save_chart, title_text
from workbench.errors import UsageError
from workbench.linkage.charts import (
    calibration_chart,
    match_weight_bins,
    match_weight_histogram,
    probability_to_weight,
    waterfall,
    waterfall_steps,
)

PAIR = {
    "match_weight": 3.5,
    "match_probability": 0.919,
    "contributions": json.dumps(
        {"postcode": -2.0, "forename": 6.0, "date_of_birth": 8.5, "surname": 1.0, "parent": None}
    ),
}


def layer_data(chart, index: int | str) -> list[dict]:
    """The rows of one layer of a chart's spec (datasets are held at the top level): by
    index, or the first layer drawing that mark."""
    spec = chart_spec(chart)
    if isinstance(index, str):
        index = next(i for i, part in enumerate(spec["layer"]) if mark(part) == index)
    name = spec["layer"][index]["data"]["name"]
    return spec["datasets"][name]


def mark(part: dict) -> str:
    return part["mark"] if isinstance(part["mark"], str) else part["mark"]["type"]


def test_probability_to_weight_is_log2_of_the_odds():
    assert probability_to_weight(0.5) == 0.0
    assert probability_to_weight(0.8) == pytest.approx(2.0)
    with pytest.raises(UsageError, match="strictly between 0 and 1"):
        probability_to_weight(1.0)


def test_match_weight_bins_count_pairs_per_two_bits():
    pairs = pl.DataFrame({"match_weight": [-3.5, -0.5, 0.0, 1.99, 9.0, None]})
    assert match_weight_bins(pairs).rows() == [
        ("-4 to -2", -4.0, -2.0, 1),
        ("-2 to 0", -2.0, 0.0, 1),
        ("0 to 2", 0.0, 2.0, 2),
        ("8 to 10", 8.0, 10.0, 1),
    ]


def test_match_weight_bins_take_any_width():
    pairs = pl.DataFrame({"match_weight": [0.2, 0.7]})
    assert match_weight_bins(pairs, width=0.5).select("bin", "pairs").rows() == [
        ("0 to 0.5", 1),
        ("0.5 to 1", 1),
    ]
    with pytest.raises(UsageError, match="positive number of bits"):
        match_weight_bins(pairs, width=0)


def test_histogram_title_gives_the_share_between_the_thresholds():
    # Thresholds 0.8 and 0.5 are 2 and 0 bits: the bin 0 to 2 lies between them.
    bins = pl.DataFrame(
        {"weight_from": [-4.0, 0.0, 8.0], "weight_to": [-2.0, 2.0, 10.0], "pairs": [30, 10, 60]}
    )
    chart = match_weight_histogram(bins, thresholds=(0.8, 0.5))
    spec = chart_spec(chart)
    assert (
        title_text(spec)
        == "10% of 100 scored pairs fall between the thresholds, for a person to review"
    )
    assert [r["weight"] for r in layer_data(chart, 1)] == pytest.approx([0.0, 2.0])


def test_histogram_says_about_when_a_bin_straddles_a_threshold():
    bins = pl.DataFrame({"weight_from": [-1.0, 6.0], "weight_to": [1.0, 8.0], "pairs": [5, 15]})
    title = title_text(match_weight_histogram(bins))
    assert (
        title == "About 0% of 20 scored pairs fall between the thresholds, for a person to review"
    )


def test_histogram_leaves_out_bins_hidden_by_disclosure_control():
    bins = pl.DataFrame(
        {"weight_from": [-4.0, 8.0], "weight_to": [-2.0, 10.0], "pairs": [None, 60]},
        schema_overrides={"pairs": pl.Int64},
    )
    chart = match_weight_histogram(bins)
    assert [r["pairs"] for r in layer_data(chart, "bar")] == [60]


def test_histogram_title_counts_hidden_bins_and_never_gives_them_away():
    # The disclosure tester's case: "0% of 659 scored pairs fall between the thresholds",
    # summed over the bins shown, while the bins between the thresholds were the hidden ones.
    bins = pl.DataFrame(
        {
            "bin": ["-4 to -2", "0 to 2", "8 to 10"],
            "weight_from": [-4.0, 0.0, 8.0],
            "weight_to": [-2.0, 2.0, 10.0],
            "pairs": [30, 4, 60],
        }
    )
    between_hidden = match_weight_histogram(bins, thresholds=(0.8, 0.5), hidden=["0 to 2"])
    assert title_text(between_hidden) == (
        "94 scored pairs; the share between the thresholds is not shown, as disclosure "
        "control hides some of its bins"
    )
    assert [r["pairs"] for r in layer_data(between_hidden, "bar")] == [30, 60]
    # A bin hidden away from the thresholds still counts in the total: 4 of 94, not of 64.
    elsewhere = bins.with_columns(pl.Series("pairs", [4, 30, 60]))
    title = chart_spec(
        match_weight_histogram(elsewhere, thresholds=(0.8, 0.5), hidden=["-4 to -2"])
    )
    assert title_text(title) == (
        "32% of 94 scored pairs fall between the thresholds, for a person to review"
    )
    # Hidden bins given without their counts: no total is claimed.
    unknown = elsewhere.with_columns(
        pl.when(pl.col("bin") == "-4 to -2").then(None).otherwise("pairs").alias("pairs")
    )
    text = title_text(match_weight_histogram(unknown, thresholds=(0.8, 0.5)))
    assert text == "30 scored pairs fall between the thresholds, for a person to review"


def test_histogram_title_says_under_1_percent_rather_than_0():
    bins = pl.DataFrame({"weight_from": [0.0, 8.0], "weight_to": [2.0, 10.0], "pairs": [1, 999]})
    title = title_text(match_weight_histogram(bins, thresholds=(0.8, 0.5)))
    assert title == (
        "Under 1% of 1,000 scored pairs fall between the thresholds, for a person to review"
    )


def test_histogram_bins_scored_pairs_itself():
    pairs = pl.DataFrame({"match_weight": [-20.0, -19.0, 12.0]})
    assert [r["pairs"] for r in layer_data(match_weight_histogram(pairs), 0)] == [2, 1]


def test_histogram_of_nothing_is_refused():
    with pytest.raises(UsageError, match="no scored pairs to chart"):
        match_weight_histogram(
            pl.DataFrame({"match_weight": []}, schema={"match_weight": pl.Float64})
        )


def test_waterfall_steps_run_from_the_prior_to_the_match_weight():
    steps = waterfall_steps(PAIR, {"date_of_birth": "day and month swapped"})
    assert steps.select("label", "bits", "start", "end", "direction").rows() == [
        ("prior (before any comparison)", -10.0, 0.0, -10.0, "total"),
        ("child's forename", 6.0, -10.0, -4.0, "for"),
        ("child's surname", 1.0, -4.0, -3.0, "for"),
        ("child's date of birth: day and month swapped", 8.5, -3.0, 5.5, "for"),
        ("postcode", -2.0, 5.5, 3.5, "against"),
        ("parent or carer", 0.0, 3.5, 3.5, "for"),
        ("match weight", 3.5, 0.0, 3.5, "total"),
    ]


def test_an_unknown_comparison_comes_after_the_known_ones():
    pair = {"match_weight": 1.0, "contributions": {"address_line": 1.0, "forename": 2.0}}
    assert waterfall_steps(pair)["label"].to_list()[1:3] == ["child's forename", "address line"]


def test_waterfall_names_the_comparison_that_weighs_most_in_house_colours():
    chart = waterfall(pl.DataFrame([PAIR]))
    spec = chart_spec(chart)
    assert (
        title_text(spec) == "Match probability 0.919: child's date of birth weighs most (+8.5 bits)"
    )
    colours = spec["layer"][1]["encoding"]["color"]["scale"]["range"]
    assert colours == [PALETTE[0], PALETTE[3], PALETTE[6]]


def test_waterfall_shows_no_field_of_the_row_but_the_scores():
    row = PAIR | {"record_id": "D123", "person_id": "P456", "child_forename": "Amelia"}
    text = json.dumps(chart_spec(waterfall(row)))
    assert "D123" not in text and "P456" not in text and "Amelia" not in text


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        (pl.DataFrame([PAIR, PAIR]), "one pair; got a frame of 2 rows"),
        ({"match_weight": None, "contributions": None}, "an exact link has no weights"),
        ({"match_weight": 1.0, "contributions": "not json"}, "JSON object of bits"),
    ],
)
def test_waterfall_refuses_what_is_not_one_scored_pair(pair, message):
    with pytest.raises(UsageError, match=message):
        waterfall(pair)


@given(
    st.dictionaries(
        st.sampled_from(["forename", "surname", "date_of_birth", "postcode", "parent"]),
        st.floats(-30, 30, allow_nan=False),
    ),
    st.floats(-40, 40, allow_nan=False),
)
def test_waterfall_steps_always_end_at_the_match_weight(contributions, match_weight):
    steps = waterfall_steps({"match_weight": match_weight, "contributions": contributions})
    comparisons = steps.filter(pl.col("direction") != "total")
    assert steps["end"][-2] == pytest.approx(match_weight, abs=1e-6)
    assert comparisons.height == len(contributions)
    assert (comparisons["start"][1:] == comparisons["end"][:-1]).all()


def calibration(shares: list[float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "bin": list(range(1, len(shares) + 1)),
            "pairs": [20] * len(shares),
            "mean_probability": [0.1 * (i + 1) for i in range(len(shares))],
            "observed_share": shares,
        }
    )


def test_calibration_title_says_when_every_bin_is_close():
    chart = calibration_chart(calibration([0.12, 0.19, 0.3]))
    assert title_text(chart) == (
        "Match probabilities are well calibrated: within 2 percentage points of the observed "
        "share in every bin"
    )


def test_calibration_title_names_the_worst_bin():
    chart = calibration_chart(calibration([0.1, 0.05, 0.3]))
    assert title_text(chart) == (
        "At probability 0.20, 15 percentage points fewer pairs are true matches than the model says"
    )


def test_calibration_marks_hidden_bins_and_refuses_an_empty_table():
    chart = calibration_chart(calibration([0.1, None, 0.3]))
    assert [r["observed_share"] for r in layer_data(chart, "point")] == [0.1, 0.3]
    assert [r["mean_probability"] for r in layer_data(chart, "rule")] == [0.2]
    # Every bin hidden: the chart says so rather than draw nothing.
    assert title_text(calibration_chart(calibration([None]))) == (
        "Calibration is not shown: disclosure control hides every bin's share (1 bin)"
    )
    with pytest.raises(UsageError, match="no bins to chart"):
        calibration_chart(calibration([]))
    with pytest.raises(UsageError, match="lacks column"):
        calibration_chart(pl.DataFrame({"bin": [1]}))


def test_calibration_title_is_true_only_of_the_bins_shown():
    # The tester's report: bins 6 and 7 (the linked range) hidden, yet the title said "well
    # calibrated ... in every bin", and the hidden bins were not drawn at all.
    table = calibration([0.12, 0.19, 0.3, 0.9, 0.1])
    chart = calibration_chart(table, hidden=[4, 5])
    spec = chart_spec(chart)
    assert title_text(spec) == (
        "Match probabilities are well calibrated: within 2 percentage points of the observed "
        "share in every bin shown; 2 bins hidden"
    )
    assert spec["title"]["subtitle"] == [
        "Dashed line: perfect calibration. Point size: scored pairs in the bin.",
        "Grey lines marked c: 2 bins whose share disclosure control hides.",
    ]
    hidden = layer_data(chart, "rule")
    assert [(r["mean_probability"], r["bottom"], r["top"]) for r in hidden] == [
        (0.4, 0.0, 1.0),
        (0.5, 0.0, 1.0),
    ]
    assert [r["symbol"] for r in layer_data(chart, "text")] == ["c", "c"]
    # The hidden shares (0.9, 0.1) are nowhere in the chart, nor is their gap in the title.
    shown = layer_data(chart, "point")
    assert [r["observed_share"] for r in shown] == [0.12, 0.19, 0.3]
    assert "0.9" not in json.dumps(spec["datasets"]) and "0.1," not in json.dumps(hidden)
    worst = calibration_chart(calibration([0.1, 0.05, 0.3, 0.9]), hidden=[4])
    assert title_text(worst) == (
        "At probability 0.20, 15 percentage points fewer pairs are true matches than the "
        "model says (the largest gap of the bins shown; 1 bin hidden)"
    )
    assert chart_spec(worst)["description"].startswith("At probability 0.20, 15 percentage")


def test_calibration_line_breaks_at_a_hidden_bin():
    chart = calibration_chart(calibration([0.1, 0.2, 0.3, 0.4]), hidden=[2])
    line = layer_data(chart, "line")  # the diagonal is drawn from its own two points
    segments = [r["segment"] for r in layer_data(chart, 2)]
    assert [r["p"] for r in line] == [0.0, 1.0]
    assert segments == [0, 1, 1]
    assert chart_spec(chart)["layer"][1]["encoding"]["detail"]["field"] == "segment"


def test_histogram_draws_hidden_bins_as_marked_bands_across_the_axis():
    # The tester's histogram: bins hidden at 30-50 bits vanished (the axis stopped at 30) and
    # hidden bins looked like bins with no pair.
    bins = pl.DataFrame(
        {
            "bin": ["-4 to -2", "0 to 2", "8 to 10", "30 to 32", "48 to 50"],
            "weight_from": [-4.0, 0.0, 8.0, 30.0, 48.0],
            "weight_to": [-2.0, 2.0, 10.0, 32.0, 50.0],
            "pairs": [30, 40, 60, 3, 7],
        }
    )
    chart = match_weight_histogram(bins, thresholds=(0.8, 0.5), hidden=["30 to 32", "48 to 50"])
    spec = chart_spec(chart)
    assert spec["title"]["subtitle"] == [
        "Dashed lines: clerical review from probability 0.5",
        "(+0.0 bits), linked from 0.8 (+2.0 bits).",
        "Grey bands marked c: 2 bins whose count disclosure",
        "control hides; a gap is a bin with no pair.",
    ]
    bands = layer_data(chart, "rect")
    assert [(r["weight_from"], r["weight_to"], r["bottom"], r["top"]) for r in bands] == [
        (30.0, 32.0, 0, 60),
        (48.0, 50.0, 0, 60),
    ]
    assert [r["symbol"] for r in layer_data(chart, "text")] == ["c", "c"]
    rect = next(part for part in spec["layer"] if mark(part) == "rect")
    assert rect["mark"]["color"] != next(part for part in spec["layer"] if mark(part) == "bar")[
        "mark"
    ].get("color", PALETTE[0])
    # Their counts (3, 7) are in no layer's data.
    assert all("pairs" not in row for row in bands)
    assert [r["pairs"] for r in layer_data(chart, "bar")] == [30, 40, 60]
    assert chart_spec(chart)["description"].endswith("a gap is a bin with no pair.")


def test_histogram_with_nothing_hidden_has_no_band():
    bins = pl.DataFrame({"weight_from": [-4.0], "weight_to": [-2.0], "pairs": [30]})
    spec = chart_spec(match_weight_histogram(bins))
    assert [mark(part) for part in spec["layer"]] == ["bar", "rule"]
    assert len(spec["title"]["subtitle"]) == 2


def test_charts_save_as_svg_offline(tmp_path):
    path = save_chart(waterfall(PAIR), tmp_path / "pair.svg")
    assert path.read_text().lstrip().startswith("<svg")
