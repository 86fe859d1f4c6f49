"""The outcome funnel: a child counted once at the furthest stage, the campaign's and the
lists' tables protected together, and against report 02's table by tier of each list."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from workbench.errors import UsageError
from workbench.stats.disclosure import DisclosureRules
from workbench.stats.linked import LinkedTables, audit
from workbench.stats.outcomes import (
    OUTCOME_STAGES,
    list_tiers,
    outcome_funnel,
    outcome_funnel_by_list,
)
from workbench.stats.report_publish import protect_stats_table
from workbench.stats.table_links import (
    LIST_TIERS,
    eligibility_list_tables,
    protect_published,
    protect_set,
    stats_model,
)


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
    return pl.DataFrame(rows, infer_schema_length=None)


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


# --- against report 02's table by tier of each list -------------------------------------------

STAGES = OUTCOME_STAGES[:-1]  # the funded stage is left out where take-up is not measured


def campaign(lists: dict[str, dict[str, int]], tiers: dict[str, dict[str, int]]) -> pl.DataFrame:
    """Children of each list (no child on two), ``lists[label][stage]`` of them at each
    furthest stage, the first ``tiers[label]["likely"]`` of them likely, the rest possible."""
    frames = []
    for label, stages in lists.items():
        keys = [f"{label}-{i}" for i in range(sum(stages.values()))]
        stage_of = dict(zip(keys, [s for s, n in stages.items() for _ in range(n)], strict=True))
        likely = tiers[label]["likely"]
        assert likely + tiers[label]["possible"] == len(keys)
        frames.append(
            children({label: keys}, stage_of).with_columns(
                pl.Series("tier", ["likely"] * likely + ["possible"] * (len(keys) - likely))
            )
        )
    return pl.concat(frames)


def publish_04(frame: pl.DataFrame, rules: DisclosureRules, *, against_02: bool = True):
    """The outcome tables as `write_stats` publishes them (take-up not measured), protected
    against 02's table by tier of each list unless told not to; and 02's tables."""
    raws = {"outcome_funnel": outcome_funnel(frame, measured=False)}
    if frame["list_label"].n_unique() > 1:
        raws["outcome_funnel_by_list"] = outcome_funnel_by_list(frame, measured=False)
    elsewhere = eligibility_list_tables(list_tiers(frame), rules)
    protected, linked, withheld = protect_published(
        raws,
        lambda name, raw, hide: protect_stats_table(name, raw, rules, hide),
        rules=rules,
        elsewhere=elsewhere if against_02 else (),
    )
    return protected, linked, withheld, elsewhere


def shown(table) -> dict[str, int | None]:
    """A published table's count cells: the number shown, None where it shows c."""
    return {
        row: None if value == "c" else int(value)
        for row, value in table.wide(table.table["measure"][0]).rows()
    }


def attacked_02_cells(frame, rules, published_04, by_tier_02) -> dict:
    """An attacker's intervals for 02's hidden cells of each list, from 02's and 04's tables
    as published and only what a reader knows of them, written here by hand (not
    `stats_model`): each list's stages add up to its tiers (no child is on two lists), the
    campaign's stage by stage to the lists'."""
    model: LinkedTables = LinkedTables()
    labels = list(by_tier_02)
    stage_vars = {
        (label, stage): model.variable(f"{label}: {stage}") for label in labels for stage in STAGES
    }
    tier_vars = {(label, t): model.variable(f"{label} {t}") for label in labels for t in LIST_TIERS}
    for label in labels:
        ones = {tier_vars[(label, t)]: 1 for t in LIST_TIERS}
        model.cell(("02", label, "Total"), ones)
        for t in LIST_TIERS:
            model.cell(("02", label, t), {tier_vars[(label, t)]: 1})
        model.constrain(
            {**{stage_vars[(label, s)]: 1 for s in STAGES}, **{v: -1 for v in ones}}, 0, 0
        )
    for stage in STAGES:
        model.cell(("campaign", stage), {stage_vars[(label, stage)]: 1 for label in labels})
    model.cell(("campaign", "Total"), dict.fromkeys(stage_vars.values(), 1))
    if "outcome_funnel_by_list" in published_04:
        for (label, stage), variable in stage_vars.items():
            model.cell(("by_list", f"{label}: {stage}"), {variable: 1})
        model.cell(("by_list", "Total"), dict.fromkeys(stage_vars.values(), 1))
    values: dict = {}
    for label, table in by_tier_02.items():
        values |= {("02", label, row): v for row, v in shown(table).items()}
    values |= {("campaign", row): v for row, v in shown(published_04["outcome_funnel"]).items()}
    if "outcome_funnel_by_list" in published_04:
        by_list = shown(published_04["outcome_funnel_by_list"])
        values |= {("by_list", row): v for row, v in by_list.items()}
    intervals = audit(
        model,
        values,
        round_to=rules.round_to,
        zeros_hidden=lambda key: key[0] != "02" and rules.suppress_zeros,
    )
    return {key: interval for key, interval in intervals.items() if key[0] == "02"}


TESTER = {
    "listed": 87,
    "reviewed": 13,
    "checked_eligible": 3,
    "checked_may_not_be_eligible": 2,
    "checked_information_does_not_match": 2,
    "checked_technical_error": 0,
    "contacted": 12,
}
"""The tester's September list in January's take-up report: 119 children, 115 likely."""


def test_the_tester_case_02s_hidden_possible_tier_cannot_be_worked_out_from_04s_funnel():
    frame = campaign(
        {"l-1 (2026-09-01)": TESTER}, {"l-1 (2026-09-01)": {"likely": 115, "possible": 4}}
    )
    rules = DisclosureRules()
    # What 02 publishes: the likely tier (public: 04 publishes it as the term's eligible
    # children), the possible tier and the Total hidden.
    before, _, _, [by_tier] = publish_04(frame, rules, against_02=False)
    assert by_tier.published and by_tier.table.wide("children").rows() == [
        ("likely", "115"),
        ("possible", "c"),
        ("Total", "c"),
    ]
    # Protected on its own, 04's funnel published its Total: 119 less 115 gave the 4.
    assert shown(before["outcome_funnel"])["Total"] == 119
    protected, linked, withheld, _ = publish_04(frame, rules)
    assert withheld == {} and linked.safe
    assert protected["outcome_funnel"].wide("count").rows() == [
        ("listed", "87"),
        ("reviewed", "13"),
        ("checked_eligible", "c"),
        ("checked_may_not_be_eligible", "c"),
        ("checked_information_does_not_match", "c"),
        ("checked_technical_error", "0"),
        ("contacted", "12"),
        ("Total", "c"),
    ]
    found = attacked_02_cells(frame, rules, protected, {"l-1 (2026-09-01)": by_tier.table})
    assert set(found) == {
        ("02", "l-1 (2026-09-01)", "possible"),
        ("02", "l-1 (2026-09-01)", "Total"),
    }
    assert all(interval.width >= rules.threshold for interval in found.values()), found
    # And the manifest's record: which table of which report the funnel was protected against.
    assert linked.protected_against("outcome_funnel") == [
        {"report": "02_eligibility_list", "file": "by_tier.csv", "list": "l-1 (2026-09-01)"}
    ]
    assert all(cell["table"] == "outcome_funnel" for cell in linked.widths())


def test_each_list_of_a_campaign_is_protected_against_its_own_table_by_tier():
    # Two lists, each with a small possible tier: the list-by-list funnel adds each list's
    # stages up to its 02 Total.
    lists = {
        "A (2026-04-01)": {**dict.fromkeys(STAGES, 0), "listed": 40, "reviewed": 12},
        "B (2026-09-01)": {**dict.fromkeys(STAGES, 0), "listed": 30, "contacted": 25},
    }
    tiers = {
        "A (2026-04-01)": {"likely": 49, "possible": 3},
        "B (2026-09-01)": {"likely": 50, "possible": 5},
    }
    frame = campaign(lists, tiers)
    rules = DisclosureRules()
    before, _, _, elsewhere = publish_04(frame, rules, against_02=False)
    assert shown(before["outcome_funnel_by_list"])["Total"] == 107  # 52 + 55
    assert [e.table.wide("children").rows()[2] for e in elsewhere] == [("Total", "c")] * 2
    cells = attacked_02_cells(frame, rules, before, {e.list_label: e.table for e in elsewhere})
    assert min(interval.width for interval in cells.values()) == 0  # the attack works
    protected, linked, withheld, _ = publish_04(frame, rules)
    assert withheld == {} and linked.safe
    cells = attacked_02_cells(frame, rules, protected, {e.list_label: e.table for e in elsewhere})
    assert len(cells) == 4 and all(i.width >= rules.threshold for i in cells.values()), cells
    assert [e["list"] for e in linked.protected_against("outcome_funnel_by_list")] == [
        "A (2026-04-01)",
        "B (2026-09-01)",
    ]


def test_a_table_02_withholds_fixes_nothing_and_is_not_named():
    # 02 publishes no table by tier it cannot make safe: nothing of it is fixed, so 04's
    # funnel is protected on its own, and the manifest names no table of 02.
    frame = campaign(
        {"l-1 (2026-09-01)": TESTER}, {"l-1 (2026-09-01)": {"likely": 115, "possible": 4}}
    )
    rules = DisclosureRules()
    [by_tier] = eligibility_list_tables(list_tiers(frame), rules)
    protected, linked, withheld = protect_published(
        {"outcome_funnel": outcome_funnel(frame, measured=False)},
        lambda name, raw, hide: protect_stats_table(name, raw, rules, hide),
        rules=rules,
        elsewhere=[dataclasses.replace(by_tier, published=False)],
    )
    assert withheld == {} and linked is not None and linked.safe
    assert shown(protected["outcome_funnel"])["Total"] == 119
    assert linked.protected_against("outcome_funnel") == []


def test_02_withholds_a_list_of_fewer_children_than_the_threshold_and_so_does_04():
    stages = {**dict.fromkeys(STAGES, 0), "listed": 8}
    frame = campaign(
        {"l-2 (2026-09-01)": stages}, {"l-2 (2026-09-01)": {"likely": 6, "possible": 2}}
    )
    _, linked, _, [by_tier] = publish_04(frame, DisclosureRules())
    assert not by_tier.published
    assert linked is None  # the funnel's own Total is small: not safe on its own either


def test_list_tiers_needs_each_childs_tier():
    with pytest.raises(UsageError, match="need a tier column"):
        list_tiers(children({"A": ["k1"]}, {}))
    frame = children({"A": ["k1"]}, {}).with_columns(pl.lit(None, dtype=pl.String).alias("tier"))
    with pytest.raises(UsageError, match="has no tier"):
        list_tiers(frame)


@settings(max_examples=40, deadline=None)
@given(
    stage_counts=st.lists(st.integers(0, 40), min_size=len(STAGES), max_size=len(STAGES)),
    possible=st.integers(0, 30),
    round_to=st.sampled_from([None, 5]),
    hide_zeros=st.booleans(),
)
def test_no_hidden_02_cell_is_recoverable_from_02_and_04_published_together(
    stage_counts, possible, round_to, hide_zeros
):
    stages = dict(zip(STAGES, stage_counts, strict=True))
    listed = sum(stage_counts)
    assume(listed > 0)  # a list of no one is in no outcome table
    possible = min(possible, listed)
    label = "l-1 (2026-09-01)"
    frame = campaign({label: stages}, {label: {"likely": listed - possible, "possible": possible}})
    rules = DisclosureRules.for_publication(10, round_to, hide_zeros=hide_zeros)
    protected, linked, withheld, [by_tier] = publish_04(frame, rules)
    if not by_tier.published or "outcome_funnel" in withheld:
        return  # nothing of 02's, or nothing of 04's, is published
    assert linked is not None and linked.safe
    found = attacked_02_cells(frame, rules, protected, {label: by_tier.table})
    assert all(interval.width >= rules.threshold for interval in found.values()), found
