"""The engine's verdict per criterion for the people asked about (`findings.findings`): the same
compiled criteria as the list, for a child in the window or not, each criterion once."""

from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.council import Council
from workbench.eligibility.engine import assessment
from workbench.eligibility.findings import (
    FINDINGS_SCHEMA,
    OUTCOMES,
    RECORDS_SCHEMA,
    findings,
    findings_in_detail,
)
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


# --- the records behind each verdict (findings_in_detail) -----------------------------------


def records(council: Council, person: str, code: str, rules=TWO, **dates) -> list[tuple]:
    found = findings_in_detail(
        council.tables(),
        rules,
        person_ids=[person],
        term_start=dates.get("term_start", TERM),
        as_of=dates.get("as_of", TERM),
    )
    assert found.records.schema == RECORDS_SCHEMA
    assert set(found.records["outcome"]) <= set(OUTCOMES)
    rows = found.records.filter(pl.col("reason_code") == code)
    return rows.select("record_id", "holder_id", "amount", "limit", "outcome").rows()


def test_each_award_looked_at_says_why_it_counts_or_not():
    c = family()
    c.person("A2", "H1", date(1987, 6, 1), role="parent_carer")
    c.award("B1", "A1", "universal_credit", net=16000.0)  # over the £15,400 limit
    c.award("B2", "A2", "universal_credit", net=15400.0)  # at it: met
    c.award("B3", "A2", "universal_credit")  # income missing
    c.award("B4", "A1", "income_support", end=date(2026, 8, 31))  # ended the day before
    c.award("B5", "A1", "income_support", start=date(2026, 9, 2))  # starts the day after
    c.award("B6", "C1", "income_support")  # the child's own: not a parent's award
    assert records(c, "C1", "universal_credit_low_income") == [
        ("B1", "A1", 16000.0, 15400.0, "over_limit"),
        ("B2", "A2", 15400.0, 15400.0, "met"),
        ("B3", "A2", None, 15400.0, "income_missing"),
    ]
    assert records(c, "C1", "income_support") == [
        ("B4", "A1", None, None, "ended"),
        ("B5", "A1", None, None, "not_started"),
    ]


def test_an_award_that_rules_a_criterion_out_is_shown_beside_the_one_it_bars():
    c = family(born=date(2023, 3, 2))
    c.person("A2", "H1", date(1987, 6, 1), role="parent_carer")
    c.award("B1", "A1", "child_tax_credit", start=date(2024, 4, 6), gross=12000.0)
    c.award("B2", "A2", "working_tax_credit", start=date(2024, 4, 6), gross=12000.0)
    days = {"term_start": date(2025, 4, 1), "as_of": date(2025, 3, 1)}
    assert records(c, "C1", "tax_credits_low_income", **days) == [
        ("B1", "A1", 12000.0, 16190.0, "barred"),
        ("B2", "A2", 12000.0, None, "bars"),
    ]
    assert verdicts(c, "C1", **days)["tax_credits_low_income"] == "not_met"


def test_an_order_is_shown_with_the_care_before_it_and_after_it():
    c = family()
    c.status("S1", "C1", "looked_after", start=date(2024, 6, 1), end=date(2025, 1, 31))
    c.status("S2", "C1", "special_guardianship_order", start=date(2025, 2, 1))
    c.status("S3", "C1", "adoption_order", start=date(2025, 3, 1))
    c.status("S4", "C1", "looked_after", start=date(2025, 6, 1), end=date(2025, 7, 1))
    found = findings_in_detail(c.tables(), TWO, person_ids=["C1"], term_start=TERM, as_of=TERM)
    rows = found.records.filter(pl.col("reason_code") == "left_care")
    assert rows.select("record_id", "related_id", "outcome").rows() == [
        ("S1", "S2", "care_before_order"),
        ("S1", "S3", "care_before_order"),
        ("S2", None, "met"),
        ("S3", None, "met"),
        ("S4", "S2", "care_after_order"),
        ("S4", "S3", "care_after_order"),
    ]


def test_a_record_of_earlier_care_without_an_order_is_shown_as_such():
    c = family()
    c.status("S1", "C1", "previously_looked_after", start=date(2025, 3, 1))
    c.status("S2", "C1", "previously_looked_after", start=date(2026, 9, 2))  # after as_of
    found = findings_in_detail(c.tables(), TWO, person_ids=["C1"], term_start=TERM, as_of=TERM)
    rows = found.records.filter(pl.col("reason_code") == "left_care")
    assert rows.select("record_id", "related_id", "outcome").rows() == [
        ("S1", None, "care_without_order")
    ]
    assert verdicts(c, "C1")["left_care"] == "not_met"


def test_the_people_their_carers_and_places_are_the_engines():
    c = family()
    c.person("T1", "H1", date(2010, 9, 2), role="child")  # a teenager: not a carer
    found = findings_in_detail(
        c.tables(), TWO, person_ids=["C1", "A1", "NOBODY"], term_start=TERM, as_of=TERM
    )
    assert found.people.select("person_id", "in_window", "adult", "eligible_from").rows() == [
        ("A1", False, True, date(1987, 4, 1)),
        ("C1", True, False, date(2026, 4, 1)),
    ]
    assert found.carers.rows() == [("C1", "A1")]
    assert found.carers_by_role


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    initiative=st.sampled_from(["two_year_old", "free_school_meals", "early_years_pupil_premium"]),
)
def test_a_verdicts_evidence_is_exactly_its_records_that_count(seed, initiative):
    council = generate_council(households=120, seed=seed)
    tables = {name: frame.lazy() for name, frame in council.items() if name != "ground_truth"}
    rules = load_rule_set(initiative)
    people = tables["people"].select("person_id").collect()["person_id"].to_list()
    found = findings_in_detail(tables, rules, person_ids=people, term_start=TERM, as_of=TERM)
    counted = {"met": {"met", "care_before_order", "earlier_care"}}
    by_key: dict[tuple, set] = {}
    for row in found.records.iter_rows(named=True):
        by_key.setdefault((row["person_id"], row["reason_code"], row["outcome"]), set()).add(
            (row["table"], row["record_id"])
        )
    grouped = {c.code: c for c in rules.criteria}
    for row in found.verdicts.iter_rows(named=True):
        if grouped[row["reason_code"]].age_groups or row["status"] == "not_in_force":
            continue
        key = (row["person_id"], row["reason_code"])
        outcomes = counted.get(row["status"], {row["status"]})
        behind = set().union(*(by_key.get((*key, o), set()) for o in outcomes))
        proof = {(e["table"], e["record_id"]) for e in row["evidence"]}
        if row["status"] == "not_met":
            assert not by_key.get((*key, "met")), key
        else:
            assert proof == behind, (key, row["status"])
