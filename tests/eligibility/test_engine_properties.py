"""Invariants of the engine on synthetic councils, for all three initiatives (hypothesis)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import progress
from workbench.eligibility.engine import assessment, window_links
from workbench.eligibility.terms import opens
from workbench.rules import available_initiatives, load_rule_set
from workbench.synth import generate_council

progress.set_enabled(False)
CANONICAL = ("people", "benefits", "child_statuses", "dwp_list", "funded_places")
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TERMS = [date(2025, 9, 1), date(2026, 1, 1), date(2026, 4, 1), date(2026, 9, 1)]


@st.composite
def cases(draw):
    seed = draw(st.integers(0, 10_000))
    council = generate_council(draw(st.integers(60, 250)), seed)
    tables = {name: council[name] for name in CANONICAL}
    initiative = draw(st.sampled_from(available_initiatives()))
    term = draw(st.sampled_from(TERMS))
    as_of = draw(st.sampled_from([term, date(2026, 8, 31), date(2025, 4, 5), date(2025, 4, 6)]))
    return tables, load_rule_set(initiative), term, as_of, seed


def run(tables, rules, term, as_of):
    return assessment({k: v.lazy() for k, v in tables.items()}, rules, term_start=term, as_of=as_of)


def contract(frame: pl.DataFrame) -> list[tuple]:
    return frame.drop("evidence").rows()


@SETTINGS
@given(cases())
def test_shuffling_rows_never_changes_the_list(case):
    tables, rules, term, as_of, seed = case
    shuffled = {k: v.sample(fraction=1.0, shuffle=True, seed=seed) for k, v in tables.items()}
    a, b = run(tables, rules, term, as_of), run(shuffled, rules, term, as_of)
    assert a.candidates.equals(b.candidates)


@SETTINGS
@given(cases())
def test_linking_only_the_rows_of_children_in_the_window_gives_the_same_list(case):
    tables, rules, term, as_of, _ = case
    lazy = {k: v.lazy() for k, v in tables.items()}
    links = window_links(lazy, rules, term_start=term, as_of=as_of)
    narrow = assessment(lazy, rules, term_start=term, as_of=as_of, links=links)
    full = run(tables, rules, term, as_of)
    assert narrow.candidates.equals(full.candidates)
    # Each row linked on its own is linked exactly as among every row.
    differing = narrow.links.join(full.links, on=narrow.links.columns, how="anti", nulls_equal=True)
    assert differing.is_empty()


@SETTINGS
@given(cases())
def test_an_award_no_criterion_names_changes_nothing(case):
    tables, rules, term, as_of, _ = case
    named = {b for c in rules.criteria for b in (*c.benefits, *c.unless_parent_carer_has)}
    unnamed = [b for b in ("housing_benefit", "council_tax_reduction") if b not in named]
    people = tables["people"]["person_id"]
    extra = pl.DataFrame(
        {
            "award_id": [f"X{i}" for i in range(people.len())],
            "person_id": people,
            "benefit": [unnamed[i % len(unnamed)] for i in range(people.len())],
            "start_date": [date(2020, 1, 1)] * people.len(),
        }
    )
    more = dict(tables, benefits=pl.concat([tables["benefits"], extra], how="diagonal"))
    assert run(tables, rules, term, as_of).candidates.equals(
        run(more, rules, term, as_of).candidates
    )


@SETTINGS
@given(cases())
def test_special_category_fields_never_change_a_list(case):
    tables, rules, term, as_of, seed = case
    people = tables["people"]
    scrambled = people.with_columns(
        pl.col("ethnicity", "sex", "first_language").shuffle(seed=seed).reverse()
    )
    changed = dict(tables, people=scrambled)
    assert run(tables, rules, term, as_of).candidates.equals(
        run(changed, rules, term, as_of).candidates
    )


@SETTINGS
@given(cases())
@pytest.mark.slow
def test_nobody_outside_the_age_window_is_listed(case):
    tables, rules, term, as_of, _ = case
    window = rules.population.window_on(as_of)
    listed = run(tables, rules, term, as_of).candidates.filter(pl.col("person_id").is_not_null())
    dob = tables["people"].select("person_id", "date_of_birth")
    check = listed.join(dob, on="person_id").with_columns(
        opens(pl.col("date_of_birth"), window.starts).alias("from"),
        opens(pl.col("date_of_birth"), window.ends).alias("to"),
    )
    assert check.height == listed.height
    assert check.filter((pl.col("from") > term) | (pl.col("to") <= term)).is_empty()
    assert (check["from"] == check["eligible_from"]).all()


def active_on(frame: pl.DataFrame, as_of: date) -> pl.DataFrame:
    return frame.filter(
        (pl.col("start_date") <= as_of)
        & (pl.col("end_date").is_null() | (pl.col("end_date") >= as_of))
    )


@SETTINGS
@given(cases())
@pytest.mark.slow
def test_every_reason_code_has_evidence_that_proves_it(case):
    tables, rules, term, as_of, _ = case
    found = run(tables, rules, term, as_of)
    coded = found.candidates.select("person_id", "dwp_record_id", "reason_codes").explode(
        "reason_codes"
    )
    proved = found.evidence.filter(pl.col("status") == "met").select(
        "person_id", "dwp_record_id", pl.col("reason_code").alias("reason_codes")
    )
    assert sorted(coded.unique().rows(), key=str) == sorted(proved.unique().rows(), key=str)
    awards = found.evidence.filter(pl.col("table") == "benefits")
    active = active_on(tables["benefits"], as_of)
    cited = awards.join(active, left_on="record_id", right_on="award_id", how="left")
    # Every cited award exists, is active, and belongs to the named parent/carer or the child.
    assert cited["benefit"].null_count() == 0
    owner = pl.coalesce("parent_carer_id", "person_id")
    assert cited.filter(owner != pl.col("person_id_right")).is_empty()
    household = tables["people"].select("person_id", "household_id")
    pairs = (
        awards.filter(pl.col("parent_carer_id").is_not_null())
        .join(household, on="person_id")
        .join(household, left_on="parent_carer_id", right_on="person_id", suffix="_carer")
    )
    assert (pairs["household_id"] == pairs["household_id_carer"]).all()


@SETTINGS
@given(cases(), st.data())
def test_removing_the_evidence_removes_the_code(case, data):
    tables, rules, term, as_of, _ = case
    found = run(tables, rules, term, as_of)
    proofs = found.evidence.filter(
        pl.col("person_id").is_not_null() & pl.col("table").is_in(["benefits", "child_statuses"])
    )
    if proofs.is_empty():
        return
    person, code = data.draw(st.sampled_from(proofs.select("person_id", "reason_code").rows()))
    cited = proofs.filter((pl.col("person_id") == person) & (pl.col("reason_code") == code))
    ids = cited["record_id"].to_list()
    table = cited["table"][0]
    id_column = "award_id" if table == "benefits" else "status_id"
    without = dict(tables, **{table: tables[table].filter(~pl.col(id_column).is_in(ids))})
    after = run(without, rules, term, as_of).candidates.filter(pl.col("person_id") == person)
    codes = after["reason_codes"].to_list()[0] if after.height else []
    assert code not in codes


@pytest.mark.parametrize("initiative", ["two_year_old", "free_school_meals"])
def test_every_row_is_pending_review_and_names_its_rule_set(initiative):
    council = generate_council(400, 11)
    rules = load_rule_set(initiative)
    out = run({k: council[k] for k in CANONICAL}, rules, date(2026, 9, 1), date(2026, 9, 1))
    assert out.candidates.height > 0
    assert set(out.candidates["review_status"]) == {"pending_review"}
    assert set(out.candidates["rule_set"]) == {rules.ref}
