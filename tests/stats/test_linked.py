"""Disclosure control across tables published together, audited as an attacker would."""

from __future__ import annotations

from datetime import date
from typing import get_args

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.errors import WorkbenchError
from workbench.rules.model import RuleSet
from workbench.stats import DisclosureRules
from workbench.stats.disclosure import protect_table
from workbench.stats.equality import equality_table
from workbench.stats.linked import Interval, LinkedTables, audit, protect_linked
from workbench.stats.report_publish import protect_stats_table
from workbench.stats.table_links import (
    LIST_TIERS,
    NOT_FUNDED,
    possible_area_wards,
    protect_list_summary,
    protect_published,
    protect_set,
    stats_model,
    zero_beside,
)
from workbench.stats.takeup import area_ward_pairs, funnel, take_up

TERM = date(2026, 9, 1)


def published_values(tables) -> dict:
    """What a reader sees: each count cell's published number, None where it shows c."""
    shown = {}
    for name, table in tables.items():
        counts = set(table.counts.get_column("measure").to_list())
        for label, measure, value in table.table.select(table.row, "measure", "value").rows():
            if measure in counts:
                shown[(name, str(label), measure)] = None if value == "c" else int(value)
    return shown


def two_parts_and_total(first: str, second: str) -> LinkedTables[str]:
    """Two counts (cells named as the unknowns) and their total, ``"total"``."""
    model: LinkedTables[str] = LinkedTables()
    one, other = model.variable(first), model.variable(second)
    model.cell(first, {one: 1})
    model.cell(second, {other: 1})
    model.cell("total", {one: 1, other: 1})
    return model


def attack(tables, rules=None, **links) -> dict:
    """The attacker's intervals for every hidden count of the published tables, and (given
    the rules) for every small number of children not funded, which must be as safe."""
    model, values = stats_model(tables, **links)
    shown = published_values(tables)

    def zeros_hidden(key) -> bool:
        # As each table's notes tell a reader: the equality tables hide zeros too.
        return key[0] in tables and tables[key[0]].zeros_hidden

    if rules is not None:
        small = (
            k
            for k, v in values.items()
            if k[2] == NOT_FUNDED and (rules.is_small(v) or (v == 0 and zeros_hidden(k)))
        )
        shown.update(dict.fromkeys(small))
    # And every table's notes: a funded count hidden beside a hidden eligible count may be 0.
    return audit(model, shown, zeros_hidden=zeros_hidden, zero_beside=zero_beside(tables))


def protect_alone(raws, rules):
    """Each table protected on its own, as `workbench stats` did before the audit."""
    return {name: protect_stats_table(name, raw, rules) for name, raw in raws.items()}


def protect_together(raws, rules, **links):
    return protect_set(
        raws,
        lambda name, raw, also_hide: protect_stats_table(name, raw, rules, also_hide),
        rules=rules,
        **links,
    )


# --- the case that started it -------------------------------------------------------------------
# District FQ1 has 17 eligible children: 15 in ward "FQ1 main" and 2 in "FQ1 small", a few
# streets that form their own ward, as real wards do. FQ2's 41 are in Hilltop (11) and
# Riverside (30).

FQ1_RAWS = {
    "take_up": pl.DataFrame({"group": ["all"], "eligible": [58]}),
    "take_up_by_area": pl.DataFrame({"area": ["FQ1", "FQ2"], "eligible": [17, 41]}),
    "take_up_by_ward": pl.DataFrame(
        {"ward": ["FQ1 main", "FQ1 small", "Hilltop", "Riverside"], "eligible": [15, 2, 11, 30]}
    ),
}
FQ1_PAIRS = {("FQ1", "FQ1 main"), ("FQ1", "FQ1 small"), ("FQ2", "Hilltop"), ("FQ2", "Riverside")}


def test_tables_protected_one_by_one_give_away_a_hidden_ward():
    tables = protect_alone(FQ1_RAWS, DisclosureRules())
    # Each table alone is safe: the ward table hides FQ1 small's 2 and, with it, Hilltop's 11.
    assert all(table.safe for table in tables.values())
    assert published_values(tables)[("take_up_by_ward", "FQ1 small", "eligible")] is None
    # But FQ1 (17) minus FQ1 main (15) gives it away.
    intervals = attack(tables, area_wards=FQ1_PAIRS, uses_dwp_list=False)
    assert intervals[("take_up_by_ward", "FQ1 small", "eligible")] == Interval(2, 2)


def test_tables_protected_together_keep_every_hidden_ward_uncertain():
    rules = DisclosureRules()
    result = protect_together(FQ1_RAWS, rules, area_wards=FQ1_PAIRS, uses_dwp_list=False)
    assert result.safe
    intervals = attack(result.protected, area_wards=FQ1_PAIRS, uses_dwp_list=False)
    assert intervals == result.intervals
    assert min(interval.width for interval in intervals.values()) >= 10
    assert ("take_up_by_ward", "FQ1 small", "eligible") in intervals
    # The headline figure stays published.
    assert published_values(result.protected)[("take_up", "all", "eligible")] == 58
    # FQ1 main goes too (FQ1 main + FQ1 small = 17: each 1 to 16), and then Riverside, or
    # FQ2's 41 less Riverside's 30 would give Hilltop's 11 (Hilltop + Riverside: 1 to 40).
    assert result.added == (
        ("take_up_by_ward", "FQ1 main", "eligible"),
        ("take_up_by_ward", "Riverside", "eligible"),
    )
    assert {
        row["row"]: row["interval_width"]
        for row in result.widths()
        if row["table"] == "take_up_by_ward"
    } == {"FQ1 main": 15, "FQ1 small": 15, "Hilltop": 39, "Riverside": 39}


def test_a_set_that_cannot_be_protected_without_hiding_the_headline_says_why():
    # 11 children in two wards of 9 and 2: both are hidden, but knowing they add up to 11,
    # each is 1 to 10, an interval of 9: only hiding the headline total would widen it.
    raws = {
        "take_up": pl.DataFrame({"group": ["all"], "eligible": [11]}),
        "take_up_by_ward": pl.DataFrame({"ward": ["A", "B"], "eligible": [9, 2]}),
    }
    result = protect_together(raws, DisclosureRules(), uses_dwp_list=False)
    assert not result.safe
    assert result.reason == (
        "A hidden count (take_up_by_ward, A, eligible) could be narrowed below the protection "
        "interval of 10 from the tables published together, and hiding more cells does not "
        "prevent it."
    )
    # The bounds stay for the workbench's own use (never published).
    assert result.intervals[("take_up_by_ward", "A", "eligible")] == Interval(1, 10)


def test_the_reason_a_set_is_not_safe_never_gives_the_hidden_counts_bounds():
    # North is hidden, but south and the total must stay published: north = 43 - 40 = 3
    # exactly. The reason is published (on the terminal, in the manifest and in the report),
    # so it names the cell and the interval it needed, and nothing from which its bounds (or
    # their width) follow; the bounds stay in `intervals` for the workbench's own use.
    model = two_parts_and_total("north", "south")
    result = protect_linked(
        model,
        {"north": 3, "south": 40, "total": 43},
        {"north"},
        protection=10,
        may_hide=lambda key: key == "north",
    )
    assert not result.safe and result.failed == "north"
    assert result.intervals["north"] == Interval(3, 3)
    assert result.reason == (
        "A hidden count ('north') could be narrowed below the protection interval of 10 from "
        "the tables published together, and hiding more cells does not prevent it."
    )
    assert not set(result.reason) & set("0123456789") - {"1", "0"}
    assert "between" not in result.reason


# --- the audit --------------------------------------------------------------------------------


def test_the_audit_knows_a_hidden_count_is_at_least_one_unless_zeros_are_hidden():
    model = two_parts_and_total("a", "b")
    shown = {"a": None, "b": None, "total": 5}
    assert audit(model, shown)["a"] == Interval(1, 4)
    assert audit(model, shown, zeros_hidden=True)["a"] == Interval(0, 5)


def test_the_audit_allows_for_rounding():
    model = two_parts_and_total("a", "b")
    # b published as 20 (18 to 22 round to it), total 25 (23 to 27): a is 1 to 9.
    assert audit(model, {"a": None, "b": 20, "total": 25}, round_to=5)["a"] == Interval(1, 9)


def test_an_unbounded_hidden_count_has_an_infinite_interval():
    model: LinkedTables[str] = LinkedTables()
    model.cell("a", {model.variable("a"): 1})
    assert audit(model, {"a": None})["a"].width == float("inf")


def test_published_figures_that_contradict_the_model_are_reported_as_a_fault():
    model: LinkedTables[str] = LinkedTables()
    a = model.variable("a")
    model.cell("a", {a: 1})
    model.cell("total", {a: 1})
    with pytest.raises(WorkbenchError, match="contradict the model"):
        audit(model, {"a": 3, "total": 4})
    with pytest.raises(WorkbenchError, match="does not fit"):
        protect_linked(model, {"a": 3, "total": 4}, set(), protection=1)


def test_a_table_with_no_model_is_refused():
    tables = protect_alone(
        {"take_up_by_moon": pl.DataFrame({"moon": ["x"], "eligible": [20]})}, DisclosureRules()
    )
    with pytest.raises(WorkbenchError, match="No disclosure model for the table 'take_up_by_moon'"):
        stats_model(tables)


# --- random councils with cross-cutting ward lookups -------------------------------------------

CRITERIA = ("dwp_list", "ehc_plan", "income_support")


@st.composite
def councils(draw):
    """Children of a random council: sectors in districts, wards across districts."""
    districts = [f"FQ{i}" for i in range(1, draw(st.integers(1, 3)) + 1)]
    sectors = [f"{d} {s}" for d in districts for s in range(1, draw(st.integers(1, 3)) + 1)]
    wards = [f"Ward {w}" for w in "ABCD"[: draw(st.integers(1, 4))]]
    entries = {sector: draw(st.sampled_from(wards)) for sector in sectors if draw(st.booleans())}
    for district in districts:  # some districts have a district-wide entry for the rest
        if draw(st.booleans()):
            entries[district] = draw(st.sampled_from(wards))
    lookup = pl.DataFrame(
        {
            "postcode": list(entries),
            "level": ["district" if " " not in p else "sector" for p in entries],
            "ward": list(entries.values()),
            "ward_code": [None] * len(entries),
        },
        schema_overrides={"ward_code": pl.String, "postcode": pl.String, "ward": pl.String},
    )
    n = draw(st.integers(1, 70))
    candidate_rows, people_rows, link_rows = [], [], []
    for i in range(n):
        record = draw(st.integers(0, 9)) > 0
        criteria = (
            sorted(draw(st.sets(st.sampled_from(CRITERIA), min_size=1))) if record else ["dwp_list"]
        )
        dwp = f"D{i}" if "dwp_list" in criteria else None
        person = f"C{i}" if record else None
        funded = record and draw(st.booleans())
        candidate_rows.append((person, "likely", criteria, funded, dwp))
        if dwp is not None:
            link_rows.append(("dwp_list", dwp, person, "linked" if record else "not_linked"))
        if record:
            sector = draw(st.sampled_from([*sectors, None]))
            postcode = None if sector is None else f"{sector}AB"
            born = date(2024, draw(st.integers(1, 12)), 1)
            sex = draw(st.sampled_from(["F", "M", None]))
            people_rows.append((person, postcode, born, sex))
    return (*council_frames(candidate_rows, people_rows, link_rows), lookup)


def council_frames(
    candidate_rows: list[tuple], people_rows: list[tuple], link_rows: list[tuple]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Candidates, people and DWP-list links from rows, as `councils` draws them."""
    candidates = pl.DataFrame(
        candidate_rows,
        schema={
            "person_id": pl.String,
            "tier": pl.String,
            "reason_codes": pl.List(pl.String),
            "already_funded": pl.Boolean,
            "dwp_record_id": pl.String,
        },
        orient="row",
    )
    people = pl.DataFrame(
        people_rows,
        schema={
            "person_id": pl.String,
            "postcode": pl.String,
            "date_of_birth": pl.Date,
            "sex": pl.String,
        },
        orient="row",
    )
    links = pl.DataFrame(
        link_rows,
        schema={
            "source": pl.String,
            "record_id": pl.String,
            "person_id": pl.String,
            "band": pl.String,
        },
        orient="row",
    )
    return candidates, people, links


def raw_tables(candidates, people, links, lookup) -> dict[str, pl.DataFrame]:
    raws = {
        "take_up": take_up(candidates),
        "take_up_by_area": take_up(candidates, people, by="area"),
        "take_up_by_ward": take_up(candidates, people, by="ward", wards=lookup),
        "take_up_by_criterion": take_up(candidates, by="criterion"),
        "take_up_by_age_band": take_up(candidates, people, by="age_band", term_start=TERM),
        "equality_by_sex": equality_table(candidates, people, "sex"),
    }
    if candidates.get_column("dwp_record_id").is_not_null().any():
        raws["funnel"] = funnel(candidates, links)
    return raws


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    council=councils(),
    threshold=st.integers(2, 6),
    protection=st.integers(1, 6),
)
@pytest.mark.slow  # over 8 s: make test-slow (CI runs both)
def test_after_protection_no_hidden_count_is_narrower_than_the_protection_interval(
    council, threshold, protection
):
    candidates, people, links, lookup = council
    rules = DisclosureRules(threshold=threshold, protection=protection)
    raws = raw_tables(candidates, people, links, lookup)
    own = protect_alone(raws, rules)
    raws = {name: raw for name, raw in raws.items() if own[name].safe}
    if not raws:
        return
    pairs = possible_area_wards(lookup, area_ward_pairs(candidates, people, lookup))
    links_known = {"term_start": TERM, "area_wards": pairs}
    result = protect_together(raws, rules, **links_known)
    if not result.safe:
        return  # withheld whole, with the reason
    intervals = attack(result.protected, rules, **links_known)
    model, _ = stats_model(result.protected, term_start=TERM, area_wards=pairs)
    # A hidden count the model alone fixes tells nothing (the funded children of age unknown,
    # who have no council record, are 0 whatever is published): it needs no interval.
    assert all(
        interval.width >= protection or known_anyway(model, key)
        for key, interval in intervals.items()
    )
    assert intervals == result.intervals
    # No published 0 beside a hidden count it is part of: "eligible c, funded 0" would tell
    # each family of a small group that their child has no place.
    for name, table in result.protected.items():
        if "funded" in table.counts.get_column("measure"):
            eligible = dict(table.wide("eligible").iter_rows())
            for label, funded in table.wide("funded").iter_rows():
                assert not (eligible[label] == "c" and funded == "0"), (name, label)


def known_anyway(model, key) -> bool:
    """Whether the model alone, with nothing published, fixes the cell's value."""
    return audit(model, {key: None}, zeros_hidden=True)[key].width == 0


def test_a_small_number_of_children_not_funded_is_not_pinned_down_across_tables():
    # Two children, both on the DWP list with an EHC plan, one of them funded (threshold 2):
    # 1 child not funded, overall and under each criterion. Each table hides what it must on
    # its own; together, without auditing the children not funded, a reader could still work
    # out that 1 child under a criterion is not funded.
    both = ["dwp_list", "ehc_plan"]
    candidates, people, links = council_frames(
        [("C0", "likely", both, False, "D0"), ("C1", "likely", both, True, "D1")],
        [(child, "FQ1 1AB", date(2024, 1, 1), "F") for child in ("C0", "C1")],
        [("dwp_list", "D0", "C0", "linked"), ("dwp_list", "D1", "C1", "linked")],
    )
    columns = ("postcode", "level", "ward", "ward_code")
    lookup = pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
    rules = DisclosureRules(threshold=2, protection=1)
    raws = raw_tables(candidates, people, links, lookup)
    own = protect_alone(raws, rules)
    raws = {name: raw for name, raw in raws.items() if own[name].safe}
    links_known = {"term_start": TERM, "area_wards": possible_area_wards(lookup, set())}
    result = protect_together(raws, rules, **links_known)
    assert result.safe
    intervals = attack(result.protected, rules, **links_known)
    not_funded = {key: interval for key, interval in intervals.items() if key[2] == NOT_FUNDED}
    assert ("take_up_by_criterion", "ehc_plan", NOT_FUNDED) in not_funded
    assert all(interval.width >= 1 for interval in not_funded.values())
    assert intervals == result.intervals


def test_what_is_published_of_the_audit_never_points_at_a_small_number_not_funded(monkeypatch):
    # Only a small number not funded is audited: naming its row, in the reason a set is
    # withheld or among the widths the manifest lists, would say that row has few.
    import workbench.stats.table_links as table_links
    from workbench.stats.linked import LinkedProtection

    failed = ("take_up_by_area", "FQ1", NOT_FUNDED)
    intervals = {failed: Interval(1, 4), ("take_up_by_area", "FQ1", "funded"): Interval(1, 12)}

    def narrowed(*args, **kwargs):
        return LinkedProtection(
            frozenset(intervals), (), intervals, safe=False, reason="names FQ1", failed=failed
        )

    monkeypatch.setattr(table_links, "protect_linked", narrowed)
    raws = {
        "take_up": pl.DataFrame({"group": ["all"], "eligible": [40], "funded": [30]}),
        "take_up_by_area": pl.DataFrame(
            {"area": ["FQ1", "FQ2"], "eligible": [12, 28], "funded": [10, 20]}
        ),
    }
    rules = DisclosureRules(threshold=3)
    result = protect_together(raws, rules, uses_dwp_list=False)
    assert result.reason == (
        "A hidden count (take_up_by_area) could be narrowed below the protection interval of 3 "
        "from the tables published together, and hiding more cells does not prevent it."
    )
    assert [row["measure"] for row in result.widths()] == ["funded"]


def test_a_list_summary_may_have_children_who_meet_no_reason():
    # 30 children: 25 likely (each meeting income support, 6 also an EHC plan) and 5 possible
    # (an income missing: no reason met). The reasons add up to 31, more than the 25 with one:
    # no Total of reasons is published (it would count reasons, not children).
    summary = {
        "tier": pl.DataFrame({"tier": ["likely", "possible"], "children": [25, 5]}),
        "reason": pl.DataFrame(
            {"reason_code": ["income_support", "ehc_plan"], "children": [25, 6]}
        ),
    }
    together = protect_list_summary(summary, uses_dwp_list=False)
    assert together.safe
    assert published_values(together.protected) == {
        # The likely 25 is public (the take-up report's eligible children): the Total is
        # hidden instead, or 30 - 25 would give the possible 5.
        ("tier", "likely", "children"): 25,
        ("tier", "possible", "children"): None,
        ("tier", "Total", "children"): None,
        # 25 is safe without a Total: any of the 30 listed may meet a reason, or none.
        ("reason", "income_support", "children"): 25,
        ("reason", "ehc_plan", "children"): None,
    }


def test_a_small_possible_tier_is_not_given_away_by_the_take_up_reports_eligible_count():
    # The auditor's subtraction: report 02 hid both tiers and showed Total 230, and report 04
    # published the term's eligible children (the likely tier) as 225: possible = 5. The
    # likely tier is now shown as 04 shows it, and the Total hidden with the possible tier.
    summary = {
        "tier": pl.DataFrame({"tier": ["likely", "possible"], "children": [225, 5]}),
        "reason": pl.DataFrame({"reason_code": ["income_support"], "children": [225]}),
    }
    together = protect_list_summary(summary, uses_dwp_list=False)
    assert together.safe
    assert together.protected["tier"].wide("children").rows() == [
        ("likely", "225"),
        ("possible", "c"),
        ("Total", "c"),
    ]
    # A possible tier of 10 or more needs no cover: everything is shown.
    summary["tier"] = pl.DataFrame({"tier": ["likely", "possible"], "children": [225, 10]})
    shown = protect_list_summary(summary, uses_dwp_list=False).protected["tier"]
    assert shown.wide("children").rows() == [
        ("likely", "225"),
        ("possible", "10"),
        ("Total", "235"),
    ]


def test_a_tier_with_no_child_is_listed_as_zero_in_the_rules_order():
    summary = {"tier": pl.DataFrame({"tier": ["possible"], "children": [12]})}
    together = protect_list_summary(summary, uses_dwp_list=False)
    assert together.protected["tier"].wide("children").rows() == [
        ("likely", "0"),
        ("possible", "12"),
        ("Total", "12"),
    ]
    # The tiers listed are every tier a rule file may define.
    key, _ = get_args(RuleSet.model_fields["tiers"].annotation)
    assert get_args(key) == LIST_TIERS


def test_a_list_of_no_one_gives_a_tier_total_of_zero_and_no_reasons():
    summary = {
        "tier": pl.DataFrame(schema={"tier": pl.String, "children": pl.Int64}),
        "reason": pl.DataFrame(schema={"reason_code": pl.String, "children": pl.Int64}),
    }
    together = protect_list_summary(summary, uses_dwp_list=False)
    assert together.safe
    # Every tier is listed, with no child in it (a tester's report 02 for 2030 published
    # only "Total,children,0": every row of a table is always listed).
    assert together.protected["tier"].wide("children").rows() == [
        ("likely", "0"),
        ("possible", "0"),
        ("Total", "0"),
    ]
    # As notebook 02 shows it: the reasons' columns, and no row.
    shown = together.protected["reason"].wide("children")
    assert (shown.columns, shown.height) == (["reason_code", "children"], 0)


def sixty_children_with(name: str, split: pl.DataFrame):
    """60 eligible children and 11 funded, by age band and by ``split`` (table ``name``),
    protected together with the default rules."""
    raws = {
        "take_up": pl.DataFrame({"group": ["all"], "eligible": [60], "funded": [11]}),
        "take_up_by_age_band": pl.DataFrame(
            {"age_band": ["24-29", "30-35"], "eligible": [40, 20], "funded": [11, 0]}
        ),
        name: split,
    }
    rules = DisclosureRules()
    return protect_published(
        raws,
        lambda name, raw, also_hide: protect_stats_table(name, raw, rules, also_hide),
        rules=rules,
        uses_dwp_list=False,
    )


def test_a_table_that_cannot_be_protected_is_withheld_and_the_rest_are_published():
    # 60 eligible, 11 funded. By area the funded are 9 and 2: both hidden, they add up to the
    # published 11, so each is 0 to 11 at best (with the areas' eligible counts hidden too: a
    # funded 0 beside a hidden eligible count is hidden), a range of 11, under the protection
    # interval of 12, and only hiding the overall take-up would widen it.
    raws = {
        "take_up": pl.DataFrame({"group": ["all"], "eligible": [60], "funded": [11]}),
        "take_up_by_area": pl.DataFrame(
            {"area": ["FQ1", "FQ2"], "eligible": [30, 30], "funded": [9, 2]}
        ),
    }
    rules = DisclosureRules(protection=12)
    protected, linked, withheld = protect_published(
        raws,
        lambda name, raw, also_hide: protect_stats_table(name, raw, rules, also_hide),
        rules=rules,
        uses_dwp_list=False,
    )
    assert withheld == {
        "take_up_by_area": "Not safe to publish with the other tables. A hidden count "
        "(take_up_by_area, FQ1, funded) could be narrowed below the protection interval of 12 "
        "from the tables published together, and hiding more cells does not prevent it."
    }
    assert linked is not None
    assert linked.safe and set(linked.protected) == {"take_up"}
    published = {name: protected[name] for name in linked.protected}
    assert attack(published, uses_dwp_list=False) == linked.intervals == {}


def test_hiding_an_eligible_count_widens_the_funded_count_beside_it_to_zero():
    # The same 60 and 11 with the default interval of 10. Shown eligible counts would leave
    # FQ1's and FQ2's hidden funded counts at 1 to 10 (a range of 9); once an area's eligible
    # count is hidden, its funded count may be a hidden 0, so a reader knows each only to be
    # 0 to 11, and the set is safe. The audit hides the smallest eligible counts that do it:
    # the age band 30-35's 20 first (its funded 0 is then hidden, and 24-29's with it).
    split = pl.DataFrame({"area": ["FQ1", "FQ2"], "eligible": [30, 30], "funded": [9, 2]})
    protected, linked, withheld = sixty_children_with("take_up_by_area", split)
    assert withheld == {}
    assert linked is not None and linked.safe
    assert linked.added == (
        ("take_up_by_age_band", "30-35", "eligible"),
        ("take_up_by_area", "FQ1", "eligible"),
    )
    for name in ("take_up_by_area", "take_up_by_age_band"):
        for measure in ("eligible", "funded"):
            values = protected[name].wide(measure).get_column(measure).to_list()
            assert values == ["c", "c", "60" if measure == "eligible" else "11"]
    assert linked.intervals[("take_up_by_area", "FQ1", "funded")] == Interval(0, 11)
    assert linked.intervals[("take_up_by_age_band", "30-35", "funded")] == Interval(0, 11)
    assert attack(protected, uses_dwp_list=False) == linked.intervals


def test_a_hidden_zero_of_an_equality_table_widens_its_own_interval_only():
    # The same counts by sex: the equality tables hide zeros too, so a reader knows each
    # hidden funded count only to be 0 to 11 (a range of 11), and the set is safe. The age
    # bands, which do not hide zeros, keep their own 0 published.
    split = pl.DataFrame(
        {"sex": ["F", "M", "unknown"], "eligible": [30, 30, 0], "funded": [9, 2, 0]}
    )
    protected, linked, withheld = sixty_children_with("equality_by_sex", split)
    assert withheld == {}
    assert linked is not None and linked.safe
    assert protected["equality_by_sex"].wide("funded").rows() == [
        ("F", "c"),
        ("M", "c"),
        ("unknown", "c"),
        ("Total", "11"),
    ]
    assert protected["take_up_by_age_band"].wide("funded").get_column("funded").to_list() == [
        "11",
        "0",
        "11",
    ]
    f_funded = ("equality_by_sex", "F", "funded")
    assert linked.intervals[f_funded] == Interval(0, 11)
    assert attack(protected, DisclosureRules(), uses_dwp_list=False) == linked.intervals


# --- the linkage report's tables ---------------------------------------------------------------
# Notebook 06 publishes each source's rows by band and, against a ground truth, each source's
# children true, predicted (given a row in the bands counted as matches) and correct. A child is
# given at most one DWP row, so the DWP children predicted are the DWP rows in those bands.

LINKAGE_KINDS = {
    "bands": "linkage_bands",
    "linked": "linkage_quality",
    "with_clerical": "linkage_quality_with_clerical",
}
LINKAGE_COUNTS = ("rows", "true", "predicted", "correct")
SOURCES = ["dwp_list", "funded_places"]
BANDS = ["linked", "clerical_review", "not_linked"]


def linkage_raws(dwp_rows, funded_rows, linked, with_clerical) -> dict[str, pl.DataFrame]:
    """Rows by band (``BANDS`` order) per source; (true, predicted, correct) per source."""

    def quality(counts):
        return pl.DataFrame(
            [(source, *row) for source, row in zip(SOURCES, counts, strict=True)],
            schema=["source", "true", "predicted", "correct"],
            orient="row",
        )

    return {
        "bands": pl.DataFrame(
            {
                "source": [source for source in SOURCES for _ in BANDS],
                "band": BANDS * 2,
                "rows": [*dwp_rows, *funded_rows],
            }
        ),
        "linked": quality(linked),
        "with_clerical": quality(with_clerical),
    }


def protect_linkage_table(name, raw, rules, also_hide=()):
    """As notebook 06 protects each table (`workbench.runs.notebook.linkage_tables`)."""
    if name == "bands":
        return protect_table(
            raw, row="source", column="band", count="rows", rules=rules, also_hide=also_hide
        )
    return protect_table(
        raw,
        row="source",
        column=None,
        count="true",
        rates={"precision": ("correct", "predicted"), "recall": ("correct", "true")},
        rules=rules,
        also_hide=also_hide,
    )


def protect_linkage_together(raws, rules):
    return protect_set(
        raws,
        lambda name, raw, also_hide: protect_linkage_table(name, raw, rules, also_hide),
        rules=rules,
        kinds=LINKAGE_KINDS,
        keep=lambda key: key[0] == "bands" and key[2] == "Total",
    )


def published_linkage(tables) -> dict:
    """What a reader sees of the linkage tables: ``(table, source, band or measure)``, None
    where it shows c."""
    shown = {}
    for name, table in tables.items():
        labels = [table.row, table.column] if table.column else [table.row]
        for *label, measure, value in table.table.select(*labels, "measure", "value").rows():
            if measure in LINKAGE_COUNTS:
                shown[(name, label[0], label[-1] if table.column else measure)] = (
                    None if value == "c" else int(value)
                )
    return shown


def attack_linkage(tables) -> dict:
    model, _ = stats_model(tables, kinds=LINKAGE_KINDS)
    return audit(model, published_linkage(tables))


# The case a tester found: 216 DWP rows, 207 linked and 9 not; 522 funded places, 480 linked,
# 15 for clerical review and 27 not linked.
TESTER_RAWS = linkage_raws(
    dwp_rows=[207, 0, 9],
    funded_rows=[480, 15, 27],
    linked=[(212, 207, 190), (260, 250, 230)],
    with_clerical=[(212, 207, 190), (260, 260, 240)],
)


def test_linkage_tables_protected_one_by_one_give_away_the_rows_not_linked():
    rules = DisclosureRules()
    tables = {name: protect_linkage_table(name, raw, rules) for name, raw in TESTER_RAWS.items()}
    assert all(table.safe for table in tables.values())
    # The bands hide the 9 DWP rows not linked and, with no clerical row, the 207 linked...
    assert tables["bands"].wide("rows").rows() == [
        ("dwp_list", "0", "c", "c", "216"),
        ("funded_places", "15", "c", "c", "522"),
        ("Total", "15", "687", "36", "738"),
    ]
    # ...which the quality tables publish as the DWP children predicted: 216 - 0 - 207 gives
    # the 9, and 36 - 9 the funded places' 27.
    assert published_linkage(tables)[("linked", "dwp_list", "predicted")] == 207
    intervals = attack_linkage(tables)
    assert intervals[("bands", "dwp_list", "not_linked")] == Interval(9, 9)
    assert intervals[("bands", "funded_places", "not_linked")] == Interval(27, 27)


def test_linkage_tables_protected_together_keep_every_hidden_count_uncertain():
    together = protect_linkage_together(TESTER_RAWS, DisclosureRules())
    assert together.safe
    assert together.added == (
        ("linked", "dwp_list", "predicted"),
        ("with_clerical", "dwp_list", "predicted"),
    )
    shown = published_linkage(together.protected)
    assert shown[("linked", "dwp_list", "predicted")] is None
    assert shown[("linked", "funded_places", "predicted")] is None  # or the Total gives it
    intervals = attack_linkage(together.protected)
    assert intervals == together.intervals
    assert intervals[("bands", "dwp_list", "not_linked")] == Interval(1, 26)
    assert min(interval.width for interval in intervals.values()) >= 10


def test_a_small_number_of_children_not_found_right_is_not_pinned_down_across_tables():
    # 1,523 funded-place children: 1,518 linked right, 5 more with the 11 clerical rows. The
    # linked table hides its correct 1,518 (5 missed would follow from 1,523); but a child
    # right with the clerical band and not without it has a clerical row, so the 11 rows
    # published bound it to 1,512 - 1,518.
    raws = linkage_raws(
        dwp_rows=[168, 0, 12],
        funded_rows=[4280, 11, 39],
        linked=[(168, 168, 168), (1523, 1518, 1518)],
        with_clerical=[(168, 168, 168), (1523, 1523, 1523)],
    )
    rules = DisclosureRules()
    alone = {name: protect_linkage_table(name, raw, rules) for name, raw in raws.items()}
    assert published_linkage(alone)[("bands", "funded_places", "clerical_review")] == 11
    correct = ("linked", "funded_places", "correct")
    assert attack_linkage(alone)[correct] == Interval(1512, 1518)
    together = protect_linkage_together(raws, rules)
    assert together.safe
    assert together.added == (("bands", "funded_places", "clerical_review"),)
    assert attack_linkage(together.protected)[correct].width >= 10
    # The 5 missed, audited though never a cell, keep the interval too; and are never listed.
    missed = ("linked", "funded_places", "true_not_correct")
    assert together.intervals[missed].width >= 10
    assert all(row["measure"] != "true_not_correct" for row in together.widths())


def test_the_linkage_model_holds_dwp_children_to_their_rows_and_places_to_at_most_theirs():
    # A funded-place child may hold several places: 250 children of 480 rows fits...
    rules = DisclosureRules()
    assert protect_linkage_together(TESTER_RAWS, rules).safe
    # ...but a DWP child has one row: 206 children predicted of 207 rows linked cannot be.
    wrong = linkage_raws(
        dwp_rows=[207, 0, 9],
        funded_rows=[480, 15, 27],
        linked=[(212, 206, 190), (260, 250, 230)],
        with_clerical=[(212, 206, 190), (260, 260, 240)],
    )
    with pytest.raises(WorkbenchError, match="does not fit"):
        protect_linkage_together(wrong, rules)


def test_a_linkage_quality_measure_with_no_model_is_refused():
    raws = {"linked": TESTER_RAWS["linked"].rename({"correct": "f1"})}
    tables = {
        "linked": protect_table(raws["linked"], row="source", column=None, count="true",
                                rates={"recall": ("f1", "true")})
    }  # fmt: skip
    with pytest.raises(WorkbenchError, match="No disclosure model for the measure 'f1'"):
        stats_model(tables, kinds=LINKAGE_KINDS)


def test_a_hidden_cell_the_rules_alone_fix_needs_no_protection():
    # The age band of a child with no council record is unknown, and such a child is never
    # funded: the unknown band's funded count is 0 whatever is published. Hidden as a zero
    # (--hide-zeros), it discloses nothing, and nothing more is hidden for it (it used to
    # withhold the table: no cell could widen it).
    model: LinkedTables[tuple[str, str, str]] = LinkedTables()
    funded, not_funded = model.variable("funded"), model.variable("not funded")
    model.cell(("age", "unknown", "funded"), {})
    model.cell(("age", "unknown", "eligible"), {not_funded: 1})
    model.cell(("age", "Total", "funded"), {funded: 1})
    values = {
        ("age", "unknown", "funded"): 0,
        ("age", "unknown", "eligible"): 30,
        ("age", "Total", "funded"): 40,
    }
    result = protect_linked(
        model, values, {("age", "unknown", "funded")}, protection=10, zeros_hidden=True
    )
    assert result.safe
    assert result.added == ()
