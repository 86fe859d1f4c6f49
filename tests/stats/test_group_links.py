"""Free school meals' groups and criteria, published together, audited as an attacker would.

The groups follow from the criteria by the rules (a child is in the first group, in file
order, any of whose reason codes it meets), so a reader who knows the rules can subtract the
criterion table from the group table. The attacker here is written independently of
`workbench.stats.table_links`: one unknown per *kind of child* (the set of criteria it
meets), each kind in the group the rules give it.
"""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.stats.test_linked import published_values
from workbench.errors import WorkbenchError
from workbench.rules import load_rule_set
from workbench.stats import DisclosureRules, protect_table
from workbench.stats.linked import Interval, LinkedTables, audit
from workbench.stats.report_publish import protect_stats_table
from workbench.stats.table_links import (
    GroupLinks,
    group_links,
    protect_published,
    protect_set,
    stats_model,
)

FSM = load_rule_set("free_school_meals")
RULES = DisclosureRules()
UC_LOW, UC = "universal_credit_low_income", "universal_credit"
NRPF = "no_recourse_to_public_funds"

# --- the case that started it -------------------------------------------------------------------
# A 600-household synthetic council (`workbench synth --households 600 --seed 7`), term from
# 1 September 2026: 84 children, 40 expanded, 1 with no recourse to public funds (NRPF),
# 43 targeted. Criteria: Universal Credit 78 (the 40 expanded and the 38 targeted children on
# Universal Credit with low earnings, who carry both codes), 44 others.

RAWS = {
    "take_up": pl.DataFrame({"group": ["all"], "eligible": [84]}),
    "take_up_by_criterion": pl.DataFrame(
        {
            "criterion": ["esa_income_related", NRPF, "transitional_protection", UC, UC_LOW],
            "eligible": [3, 1, 2, 78, 38],
        }
    ),
    "take_up_by_group": pl.DataFrame(
        {"group": ["expanded", NRPF, "targeted"], "eligible": [40, 1, 43]}
    ),
}
NRPF_GROUP = ("take_up_by_group", NRPF, "eligible")


def attack_by_kind(shown: dict, implies=((UC_LOW, UC),)) -> dict:
    """The intervals of the hidden cells of the headline, group and criterion tables (count
    ``eligible``), from one unknown per set of criteria a child can meet."""
    criteria = sorted(
        {label for table, label, _ in shown if table == "take_up_by_criterion"} - {"Total"}
    )
    groups = [(group.name, set(group.codes)) for group in FSM.groups]
    model: LinkedTables = LinkedTables()
    kinds: dict[frozenset, tuple[int, str]] = {}
    for size in range(1, len(criteria) + 1):
        for codes in map(frozenset, itertools.combinations(criteria, size)):
            if any(a in codes and b in criteria and b not in codes for a, b in implies):
                continue  # a child meeting a meets b (when b is in force)
            group = next(name for name, own in groups if codes & own)
            kinds[codes] = (model.variable(" ".join(sorted(codes))), group)
    every = {variable: 1 for variable, _ in kinds.values()}
    cells = {("take_up", "all", "eligible"): every, ("take_up", "Total", "eligible"): every}
    for name, _ in groups:
        in_group = {v: 1 for v, group in kinds.values() if group == name}
        cells[("take_up_by_group", name, "eligible")] = in_group
    cells[("take_up_by_group", "Total", "eligible")] = every
    for code in criteria:
        cells[("take_up_by_criterion", code, "eligible")] = {
            v: 1 for codes, (v, _) in kinds.items() if code in codes
        }
    cells[("take_up_by_criterion", "Total", "eligible")] = {
        v: len(codes) for codes, (v, _) in kinds.items()
    }
    for key, terms in cells.items():
        model.cell(key, terms)
    # A group with no row has no child.
    seen = {key: value for key, value in shown.items() if key in cells}
    for key in cells.keys() - shown.keys():
        if key[0] == "take_up_by_group":
            model.constrain(cells[key], 0, 0)
    return audit(model, seen)


def old_pattern() -> dict:
    """The tables as published before the groups were tied to the criteria: the group
    table hid expanded and NRPF, the criterion table everything but Universal Credit (and
    it had a Total row then, the criteria met added up)."""
    tables = {
        name: protect_stats_table(name, raw, RULES)
        for name, raw in RAWS.items()
        if name != "take_up_by_criterion"
    }
    tables["take_up_by_criterion"] = protect_table(
        RAWS["take_up_by_criterion"],
        row="criterion",
        column=None,
        count="eligible",
        rules=RULES,
        also_hide=[("eligible", UC_LOW)],
    )
    return tables


def test_the_published_pattern_of_the_report_gave_away_the_nrpf_group():
    tables = old_pattern()
    shown = published_values(tables)
    assert shown[("take_up_by_group", "targeted", "eligible")] == 43
    assert shown[NRPF_GROUP] is None and shown[("take_up_by_group", "expanded", "eligible")] is None
    assert shown[("take_up_by_criterion", UC, "eligible")] == 78
    assert shown[("take_up_by_criterion", "Total", "eligible")] == 122
    # 122 - 78 = 44 criteria met besides Universal Credit; each of the 43 targeted children
    # meets one at least, and expanded children none, so NRPF is at most 1: exactly 1.
    assert attack_by_kind(shown)[NRPF_GROUP] == Interval(1, 1)
    # The workbench's own model of the tables knows it too (it did not: it found 1 to 40).
    model, _ = stats_model(tables, uses_dwp_list=False, groups=FSM)
    intervals = audit(model, shown)
    assert intervals[NRPF_GROUP] == Interval(1, 1)
    assert intervals[("take_up_by_group", "expanded", "eligible")] == Interval(40, 40)


def test_groups_and_criteria_protected_together_keep_every_hidden_count_uncertain():
    linked = protect_set(
        RAWS,
        lambda name, raw, also: protect_stats_table(name, raw, RULES, also),
        rules=RULES,
        uses_dwp_list=False,
        groups=FSM,
    )
    assert linked.safe
    shown = published_values(linked.protected)
    assert shown[NRPF_GROUP] is None
    # With no criterion Total (it added up criteria met, not children), the targeted group
    # stays published: the independent attack below still finds NRPF's 1 uncertain.
    assert shown[("take_up_by_group", "targeted", "eligible")] == 43
    assert ("take_up_by_criterion", "Total", "eligible") not in shown
    for key, interval in attack_by_kind(shown).items():
        assert interval.width >= RULES.protection_interval, key


def test_the_packaged_rules_are_found_from_the_tables_names():
    tables = old_pattern()
    model, values = stats_model(tables, uses_dwp_list=False)
    assert model.fits(values)
    assert audit(model, published_values(tables))[NRPF_GROUP] == Interval(1, 1)


def test_the_model_of_groups_and_criteria_fits_the_true_counts_and_no_more():
    tables = old_pattern()
    model, values = stats_model(tables, uses_dwp_list=False, groups=FSM)
    assert model.fits(values)
    # No child in the targeted group meets a targeted criterion: impossible by the rules.
    wrong = {**values, ("take_up_by_criterion", UC_LOW, "eligible"): 0}
    wrong[("take_up_by_criterion", "esa_income_related", "eligible")] = 0
    wrong[("take_up_by_criterion", "transitional_protection", "eligible")] = 0
    wrong[("take_up_by_criterion", "Total", "eligible")] = 79
    assert not model.fits(wrong)


def test_the_groups_implications_come_from_the_rules():
    links = group_links(FSM)
    assert [name for name, _ in links.groups] == ["targeted", NRPF, "expanded"]
    assert (UC_LOW, UC) in links.implies
    assert (UC, UC_LOW) not in links.implies
    assert links.allowed("expanded", [NRPF, UC, UC_LOW]) == ([UC], [UC])
    assert links.allowed(NRPF, [NRPF, UC, UC_LOW]) == ([NRPF, UC], [NRPF])
    assert links.allowed("unknown", [NRPF, UC, "unknown"]) == (["unknown"], ["unknown"])


def test_a_group_table_no_rule_set_describes_is_withheld_not_guessed():
    raws = {
        "take_up": pl.DataFrame({"group": ["all"], "eligible": [60]}),
        "take_up_by_group": pl.DataFrame({"group": ["north", "south"], "eligible": [25, 35]}),
    }
    with pytest.raises(WorkbenchError, match="take_up_by_group"):
        stats_model({name: protect_stats_table(name, raw, RULES) for name, raw in raws.items()})
    _, linked, withheld = protect_published(
        raws,
        lambda name, raw, also: protect_stats_table(name, raw, RULES, also),
        rules=RULES,
        uses_dwp_list=False,
    )
    assert set(withheld) == {"take_up_by_group"}
    assert linked is not None and linked.safe
    # Given the rules, it is modelled (and here safe).
    named = GroupLinks(groups=(("north", frozenset({"a"})), ("south", frozenset({"b"}))))
    *_, withheld = protect_published(
        raws,
        lambda name, raw, also: protect_stats_table(name, raw, RULES, also),
        rules=RULES,
        uses_dwp_list=False,
        groups=named,
    )
    assert withheld == {}


# --- the council of the report ------------------------------------------------------------------


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Path:
    from workbench.synth import generate_council, write_council

    folder = tmp_path_factory.mktemp("fsm") / "c600"
    write_council(generate_council(600, seed=7), folder)
    return folder


@pytest.mark.slow
def test_the_reported_council_no_longer_gives_away_the_nrpf_group(council, tmp_path):
    from workbench.stats.report import write_stats

    result = write_stats(
        council,
        initiative="free_school_meals",
        term_start=date(2026, 9, 1),
        as_of=date(2026, 8, 1),
        out=tmp_path / "stats",
    )

    def read(name: str) -> dict:
        frame = pl.read_csv(tmp_path / "stats" / f"{name}.csv", infer_schema=False)
        row = frame.columns[0]
        return {
            (name, label, measure): None if value == "c" else int(value)
            for label, measure, value in frame.select(row, "measure", "value").rows()
        }

    shown = {**read("take_up"), **read("take_up_by_group"), **read("take_up_by_criterion")}
    # The report's council: 84 children, NRPF 1 and expanded 40 among them.
    assert shown[("take_up", "Total", "eligible")] == 84
    assert shown[NRPF_GROUP] is None
    intervals = attack_by_kind(shown)
    assert intervals[NRPF_GROUP].width >= RULES.protection_interval
    assert all(i.width >= RULES.protection_interval for i in intervals.values())
    assert result.linked is not None and result.linked.safe
    assert result.linked.intervals[NRPF_GROUP].width >= RULES.protection_interval
