"""Data minimisation, rule set by rule set: `assess` keeps only the columns its rules use (a NINO
only to link the DWP list, a postcode only to link a record, an income only for an income test),
and reads the others of its tables that a value can break only to quarantine their rows."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest

import workbench as wb
from workbench import progress
from workbench.eligibility.assess import (
    OPTIONAL_COLUMNS_CHECKED,
    assess,
    columns_needed,
    columns_used,
    load,
    rule_set,
)
from workbench.synth import generate_council, write_council

progress.set_enabled(False)
TERM = date(2026, 9, 1)

REQUIRED = {
    "people": ("person_id", "household_id", "forename", "surname", "date_of_birth"),
    "benefits": ("award_id", "person_id", "benefit", "start_date"),
    "child_statuses": ("status_id", "person_id", "status", "start_date"),
    "households": ("household_id",),
    "dwp_list": (
        "record_id",
        "child_forename",
        "child_surname",
        "child_date_of_birth",
        "parent_forename",
        "parent_surname",
    ),
    "funded_places": (
        "record_id",
        "provider_id",
        "term_start",
        "child_forename",
        "child_surname",
        "child_date_of_birth",
        "funding_stream",
    ),
}
# The optional columns each initiative's assessment holds (what it uses), table by table.
USED = {
    "two_year_old": {
        "people": ("nino", "postcode", "role"),
        "benefits": ("end_date", "net_earned_income", "gross_income"),
        "child_statuses": ("end_date",),
        "households": ("no_recourse_to_public_funds", "annual_income", "savings", "in_london"),
        "dwp_list": ("parent_nino", "postcode"),
        "funded_places": ("postcode",),
    },
    # Links nothing: no NINO, no postcode. No savings limit for NRPF: no savings.
    "free_school_meals": {
        "people": ("role",),
        "benefits": ("end_date", "net_earned_income", "gross_income"),
        "child_statuses": ("end_date",),
        "households": ("no_recourse_to_public_funds", "annual_income", "in_london"),
    },
    # Links funded places (postcode; role: only a `child` is a place's child), not the DWP list.
    "early_years_pupil_premium": {
        "people": ("postcode", "role"),
        "benefits": ("end_date", "net_earned_income", "gross_income"),
        "child_statuses": ("end_date",),
        "funded_places": ("postcode",),
    },
    # The child's own Disability Living Allowance: no income test, no NINO.
    "disability_access_fund": {
        "people": ("postcode", "role"),
        "benefits": ("end_date",),
        "funded_places": ("postcode",),
    },
}


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("council")
    write_council(generate_council(1500, 11), folder, "csv")
    return folder


@pytest.mark.parametrize("initiative", sorted(USED))
def test_each_initiative_uses_only_the_columns_its_rules_need(initiative):
    assert columns_used(rule_set(initiative)) == USED[initiative]


@pytest.mark.parametrize("initiative", sorted(USED))
@pytest.mark.parametrize("linkage", ["exact", "probabilistic"])
def test_assess_holds_exactly_the_required_and_used_columns(council, initiative, linkage):
    found = assess(council, initiative, term_start=TERM, as_of=TERM, linkage=linkage)
    held = {name: set(frame.columns) for name, frame in found.data.tables.items()}
    expected = {name: {*REQUIRED[name], *used} for name, used in USED[initiative].items()}
    assert held == expected


@pytest.mark.parametrize("initiative", sorted(USED))
def test_loaded_data_given_to_assess_is_narrowed_the_same_way(council, initiative):
    everything = load(council)
    assert "nino" in everything.tables["people"].columns
    from_loaded = assess(everything, initiative, term_start=TERM, as_of=TERM, linkage="exact")
    from_folder = assess(council, initiative, term_start=TERM, as_of=TERM, linkage="exact")
    assert {n: f.columns for n, f in from_loaded.data.tables.items()} == {
        n: f.columns for n, f in from_folder.data.tables.items()
    }
    assert from_loaded.candidates.equals(from_folder.candidates)


def test_no_nino_is_read_unless_the_dwp_list_is_linked():
    for initiative in USED:
        rules = rule_set(initiative)
        reads_nino = "nino" in columns_needed(rules)["people"]
        assert reads_nino == (initiative == "two_year_old") == ("dwp_list" in rules.sources)


def test_the_columns_only_checked_are_those_a_value_can_break():
    assert OPTIONAL_COLUMNS_CHECKED == {
        "people": ("role",),
        "benefits": ("end_date", "net_earned_income", "gross_income"),
        "child_statuses": ("end_date",),
        "households": ("no_recourse_to_public_funds", "annual_income", "savings", "in_london"),
        "dwp_list": ("list_date",),
        "funded_places": ("hours_per_week",),
    }
    daf = columns_needed(rule_set("disability_access_fund"))
    assert daf["benefits"] == ("end_date", "net_earned_income", "gross_income")
    assert "nino" not in daf["people"] and "school_urn" not in daf["people"]


def test_a_bad_income_still_quarantines_a_dla_award_though_the_fund_never_uses_incomes(
    council, tmp_path
):
    # The data contract: a quarantined row counts for nothing. The Disability Access Fund
    # uses no income, but reads the income columns to check them as `validate` does.
    folder = tmp_path / "data"
    shutil.copytree(council, folder)
    found = assess(folder, "disability_access_fund", term_start=TERM, as_of=TERM, linkage="exact")
    listed = found.evidence.filter(pl.col("table") == "benefits")
    assert listed.height > 0
    award = listed["record_id"][0]
    benefits = pl.read_csv(folder / "benefits.csv", infer_schema=False)
    benefits.with_columns(
        pl.when(pl.col("award_id") == award)
        .then(pl.lit("lots"))
        .otherwise(pl.col("net_earned_income"))
        .alias("net_earned_income")
    ).write_csv(folder / "benefits.csv")
    again = assess(folder, "disability_access_fund", term_start=TERM, as_of=TERM, linkage="exact")
    assert award not in again.evidence["record_id"].to_list()
    assert "net_earned_income" not in again.data.tables["benefits"].columns
    quarantined = again.data.quarantine.filter(pl.col("table") == "benefits")
    assert quarantined["column"].to_list() == ["net_earned_income"]
    validated = load(folder, tables=["benefits"]).quarantine
    assert validated.select("row", "column").rows() == quarantined.select("row", "column").rows()


def test_take_up_by_area_reads_the_postcode_an_assessment_did_not(council):
    found = wb.assess(council, "free_school_meals", term_start=TERM, as_of=TERM)
    assert "postcode" not in found.data.tables["people"].columns
    by_area = wb.take_up(found, by="area")
    people = load(council, tables=["people"]).tables["people"]
    assert by_area.equals(wb.take_up(found.candidates, people, by="area"))
    assert by_area["eligible"].sum() == wb.take_up(found)["eligible"].sum()
