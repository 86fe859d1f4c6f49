"""Linkage charts: match-weight bins and histogram, one pair's waterfall, calibration."""

from __future__ import annotations

import json

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.charts import PALETTE, chart_spec, save_chart
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


def layer_data(chart, index: int) -> list[dict]:
    """The rows of one layer of a chart's spec (datasets are held at the top level)."""
    spec = chart_spec(chart)
    name = spec["layer"][index]["data"]["name"]
    return spec["datasets"][name]


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
        spec["title"]["text"]
        == "10% of 100 scored pairs fall between the thresholds, for a person to review"
    )
    assert [r["weight"] for r in layer_data(chart, 1)] == pytest.approx([0.0, 2.0])


def test_histogram_says_about_when_a_bin_straddles_a_threshold():
    bins = pl.DataFrame({"weight_from": [-1.0, 6.0], "weight_to": [1.0, 8.0], "pairs": [5, 15]})
    title = chart_spec(match_weight_histogram(bins))["title"]["text"]
    assert (
        title == "About 0% of 20 scored pairs fall between the thresholds, for a person to review"
    )


def test_histogram_leaves_out_bins_hidden_by_disclosure_control():
    bins = pl.DataFrame(
        {"weight_from": [-4.0, 8.0], "weight_to": [-2.0, 10.0], "pairs": [None, 60]},
        schema_overrides={"pairs": pl.Int64},
    )
    chart = match_weight_histogram(bins)
    assert [r["pairs"] for r in layer_data(chart, 0)] == [60]


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
    assert chart_spec(between_hidden)["title"]["text"] == (
        "94 scored pairs; the share between the thresholds is not shown, as disclosure "
        "control hides some of its bins"
    )
    assert [r["pairs"] for r in layer_data(between_hidden, 0)] == [30, 60]
    # A bin hidden away from the thresholds still counts in the total: 4 of 94, not of 64.
    elsewhere = bins.with_columns(pl.Series("pairs", [4, 30, 60]))
    title = chart_spec(
        match_weight_histogram(elsewhere, thresholds=(0.8, 0.5), hidden=["-4 to -2"])
    )
    assert title["title"]["text"] == (
        "32% of 94 scored pairs fall between the thresholds, for a person to review"
    )
    # Hidden bins given without their counts: no total is claimed.
    unknown = elsewhere.with_columns(
        pl.when(pl.col("bin") == "-4 to -2").then(None).otherwise("pairs").alias("pairs")
    )
    title = chart_spec(match_weight_histogram(unknown, thresholds=(0.8, 0.5)))["title"]["text"]
    assert title == "30 scored pairs fall between the thresholds, for a person to review"


def test_histogram_title_says_under_1_percent_rather_than_0():
    bins = pl.DataFrame({"weight_from": [0.0, 8.0], "weight_to": [2.0, 10.0], "pairs": [1, 999]})
    title = chart_spec(match_weight_histogram(bins, thresholds=(0.8, 0.5)))["title"]["text"]
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
        spec["title"]["text"]
        == "Match probability 0.919: child's date of birth weighs most (+8.5 bits)"
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
    assert chart_spec(chart)["title"]["text"] == (
        "Match probabilities are well calibrated: within 2 percentage points of the observed "
        "share in every bin"
    )


def test_calibration_title_names_the_worst_bin():
    chart = calibration_chart(calibration([0.1, 0.05, 0.3]))
    assert chart_spec(chart)["title"]["text"] == (
        "At probability 0.20, 15 percentage points fewer pairs are true matches than the model says"
    )


def test_calibration_leaves_out_hidden_bins_and_refuses_an_empty_table():
    chart = calibration_chart(calibration([0.1, None, 0.3]))
    assert [r["observed_share"] for r in layer_data(chart, 2)] == [0.1, 0.3]
    with pytest.raises(UsageError, match="no bins to chart"):
        calibration_chart(calibration([None]))
    with pytest.raises(UsageError, match="lacks column"):
        calibration_chart(pl.DataFrame({"bin": [1]}))


def test_charts_save_as_svg_offline(tmp_path):
    path = save_chart(waterfall(PAIR), tmp_path / "pair.svg")
    assert path.read_text().lstrip().startswith("<svg")
