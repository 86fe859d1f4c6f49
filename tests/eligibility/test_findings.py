"""The engine's verdict per criterion for the people asked about (`engine.findings`): the same
compiled criteria as the list, for a child in the window or not, each criterion once."""

from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.council import Council
from workbench.eligibility.engine import FINDINGS_SCHEMA, assessment, findings
from workbench.eligibility.terms import in_window
from workbench.rules import load_rule_set
from workbench.synth import generate_council

TERM = date(2026, 9, 1)
TWO = load_rule_set("two_year_old")


def verdicts(council: Council, person: str, rules=TWO, **dates) -> dict[str, str]:
    found = findings(
        council.tables(),
        rules,
        person_ids=[person],
        term_start=dates.get("term_start", TERM),
        as_of=dates.get("as_of", TERM),
    )
    assert found.schema == FINDINGS_SCHEMA
    assert found["reason_code"].to_list() == [c.code for c in rules.criteria]
    return dict(zip(found["reason_code"], found["status"], strict=True))


def family(born: date = date(2024, 3, 2)) -> Council:
    c = Council()
    c.person("A1", "H1", date(1985, 1, 10), role="parent_carer")
    c.person("C1", "H1", born, role="child")
    return c


def test_a_child_in_the_window_met_possible_and_not_met():
    c = family()
    c.award("B1", "A1", "universal_credit")  # income missing: possible
    c.award("B2", "A1", "income_support", end=date(2026, 7, 31))  # ended: not met
    c.status("S1", "C1", "ehc_plan", start=date(2025, 5, 1))
    found = verdicts(c, "C1")
    assert found["ehc_plan"] == "met"
    assert found["universal_credit_low_income"] == "income_missing"
    assert found["income_support"] == "not_met"
    assert set(found.values()) <= {"met", "income_missing", "not_met", "not_in_force"}


def test_a_child_outside_the_window_is_judged_on_the_same_criteria():
    c = family(born=date(2021, 1, 1))  # four and a half on 1 September 2026
    c.award("B1", "A1", "income_support")
    assert verdicts(c, "C1")["income_support"] == "met"
    assert assessment(c.tables(), TWO, term_start=TERM, as_of=TERM).candidates.is_empty()


def test_a_criterion_not_in_force_for_the_term_says_so():
    c = family(born=date(2015, 5, 5))
    c.award("B1", "A1", "universal_credit", net=30000.0)
    rules = load_rule_set("free_school_meals")
    spring = verdicts(c, "C1", rules, term_start=date(2026, 4, 1), as_of=date(2026, 3, 1))
    autumn = verdicts(c, "C1", rules)
    assert spring["universal_credit"] == "not_in_force"
    assert autumn["universal_credit"] == "met"


def test_the_evidence_is_the_proof_of_the_verdict():
    c = family()
    c.award("B1", "A1", "income_support")
    found = findings(c.tables(), TWO, person_ids=["C1", "A1"], term_start=TERM, as_of=TERM)
    row = found.filter((pl.col("person_id") == "C1") & (pl.col("reason_code") == "income_support"))
    assert row["evidence"].item().to_list() == [
        {
            "reason_code": "income_support",
            "table": "benefits",
            "record_id": "B1",
            "parent_carer_id": "A1",
            "status": "met",
        }
    ]
    # The parent asked about too: their own criteria are judged for them (nothing met).
    parent = found.filter(pl.col("person_id") == "A1")
    assert set(parent["status"]) <= {"not_met", "not_in_force"}


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000), initiative=st.sampled_from(["two_year_old", "free_school_meals"])
)
def test_the_list_is_exactly_the_children_in_the_window_with_a_finding(seed, initiative):
    council = generate_council(households=120, seed=seed)
    tables = {name: frame.lazy() for name, frame in council.items() if name != "ground_truth"}
    rules = load_rule_set(initiative)
    found = assessment(tables, rules, term_start=TERM, as_of=TERM)
    listed = found.candidates.filter(pl.col("person_id").is_not_null())
    people = tables["people"].select("person_id").collect()["person_id"].to_list()
    judged = findings(
        tables, rules, person_ids=people, term_start=TERM, as_of=TERM, links=found.links
    )
    met = (
        judged.filter(pl.col("status") == "met")
        .group_by("person_id")
        .agg(pl.col("reason_code").sort())
    )
    likely = listed.filter(pl.col("tier") == "likely").select(
        "person_id", pl.col("reason_codes").alias("reason_code")
    )
    window = rules.population.window_on(TERM)
    children = (
        tables["people"]
        .filter(in_window(pl.col("date_of_birth"), window, TERM))
        .select("person_id")
        .collect()
    )
    in_window_met = met.join(children, on="person_id", how="semi")
    assert sorted(in_window_met.rows()) == sorted(likely.rows())
