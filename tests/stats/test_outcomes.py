"""The outcome funnel: a child counted once at the furthest stage, and the campaign's and the
lists' tables protected together."""

from __future__ import annotations

import polars as pl
import pytest

from workbench.stats.disclosure import DisclosureRules
from workbench.stats.outcomes import OUTCOME_STAGES, outcome_funnel, outcome_funnel_by_list
from workbench.stats.report_publish import protect_stats_table
from workbench.stats.table_links import protect_set, stats_model


def children(lists: dict[str, list[str]], stage_of: dict[str, str]) -> pl.DataFrame:
    """Children of each list; ``stage_of`` says how far each got (default: listed)."""
    rows = []
    for label, keys in lists.items():
        for key in keys:
            stage = stage_of.get(key, "listed")
            rows.append(
                {
                    "list_label": label,
                    "item_key": key,
                    "reviewed": stage != "listed",
                    "check_outcome": stage.removeprefix("checked_")
                    if stage.startswith("checked_")
                    else None,
                    "contacted": stage == "contacted",
                    "funded": stage == "funded_next_term",
                }
            )
    return pl.DataFrame(rows)


def test_a_child_on_two_lists_counts_once_in_the_campaign_at_its_furthest_stage():
    frame = children({"A": ["k1", "k2"], "B": ["k2", "k3"]}, {"k2": "contacted"})
    frame = frame.with_columns(
        pl.when((pl.col("list_label") == "A") & (pl.col("item_key") == "k2"))
        .then(False)
        .otherwise(pl.col("contacted"))
        .alias("contacted")
    )
    campaign = dict(outcome_funnel(frame).iter_rows())
    assert sum(campaign.values()) == 3 and campaign["contacted"] == 1
    by_list = dict(outcome_funnel_by_list(frame).iter_rows())
    assert by_list["A: reviewed"] == 1 and by_list["B: contacted"] == 1
    assert list(campaign) == list(OUTCOME_STAGES)


def test_without_funded_places_the_funded_stage_is_left_out():
    frame = children({"A": ["k1"]}, {})
    assert "funded_next_term" not in outcome_funnel(frame, measured=False)["furthest_stage"]


def _protected(frame: pl.DataFrame):
    raws = {
        "outcome_funnel": outcome_funnel(frame),
        "outcome_funnel_by_list": outcome_funnel_by_list(frame),
    }
    rules = DisclosureRules()
    return raws, protect_set(
        raws,
        lambda name, raw, hide: protect_stats_table(name, raw, rules, hide),
        rules=rules,
        keep=lambda key: False,
    )


@pytest.mark.parametrize("overlap", [False, True])
def test_the_campaign_and_its_lists_are_protected_together(overlap):
    stage_of = {f"a{i}": "listed" for i in range(40)} | {"a0": "contacted", "a1": "contacted"}
    stage_of |= {f"b{i}": "reviewed" for i in range(30)} | {"b0": "checked_eligible"}
    lists = {"A": [f"a{i}" for i in range(40)], "B": [f"b{i}" for i in range(30)]}
    if overlap:
        lists["B"].append("a5")
    _, protected = _protected(children(lists, stage_of))
    model, values = stats_model(protected.protected)
    assert model.fits(values)
    assert protected.safe, protected.reason
    # Every hidden count keeps a range of at least the threshold, across both tables.
    assert all(interval.width >= 10 for interval in protected.intervals.values())
    hidden = protected.protected["outcome_funnel_by_list"].mask.filter("suppressed")
    assert "A: contacted" in hidden["list_stage"].to_list()


def test_published_funnels_list_the_stages_in_order_not_alphabetically():
    stage_of = {"a0": "contacted", "a1": "checked_eligible", "b0": "reviewed"}
    _, protected = _protected(children({"A": ["a0", "a1", "a2"], "B": ["b0"]}, stage_of))
    published = protected.protected["outcome_funnel"].mask["furthest_stage"].to_list()
    assert published == [*OUTCOME_STAGES, "Total"]
    by_list = protected.protected["outcome_funnel_by_list"].mask["list_stage"].to_list()
    expected = [f"{label}: {stage}" for label in ("A", "B") for stage in OUTCOME_STAGES]
    assert by_list == [*expected, "Total"]
