"""The optional `households` table: boolean flags, money, duplicate ids and household ids
that people does not have are quarantined with file, row, column and reason."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from workbench.data.reading import combine_loaded, load_folder

PEOPLE = "person_id,household_id,forename,surname,date_of_birth\nP1,H1,Ada,Lee,1990-01-01\n"
PEOPLE += "P2,H2,Mo,Lee,1990-01-01\nP3,H3,Jo,Lee,1990-01-01\nP4,H4,Al,Lee,1990-01-01\n"
HOUSEHOLDS = (
    "household_id,no_recourse_to_public_funds,annual_income,savings,in_london\n"
    'H1,Yes,"£26,500",0,N\n'  # row 2
    "H2,maybe,100,0,no\n"  # row 3: not a boolean
    "H3,TRUE,lots,0,1\n"  # row 4: text money
    "H9,y,100,0,0\n"  # row 5: not a household in people
    "H4, t ,,,\n"  # row 6: blanks are empty
    "H4,false,1,1,f\n"  # row 7: duplicate id
)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "people.csv").write_text(PEOPLE)
    (tmp_path / "benefits.csv").write_text("award_id,person_id,benefit,start_date\n")
    (tmp_path / "households.csv").write_text(HOUSEHOLDS)
    return tmp_path


def test_households_rows_are_typed_and_bad_ones_quarantined(folder):
    loaded = load_folder(folder)
    assert loaded.tables["households"].rows() == [("H1", True, 26500.0, 0.0, False)]
    assert loaded.tables["households"].schema["in_london"] == pl.Boolean
    quarantine = loaded.quarantine.filter(pl.col("table") == "households")
    assert quarantine.select("file", "row", "column", "value").rows() == [
        ("households.csv", 3, "no_recourse_to_public_funds", "maybe"),
        ("households.csv", 4, "annual_income", "lots"),
        ("households.csv", 5, "household_id", "H9"),
        ("households.csv", 6, "household_id", "H4"),
        ("households.csv", 7, "household_id", "H4"),
    ]
    reasons = quarantine["reason"].to_list()
    assert reasons[0] == "'maybe' is not true or false (expected true/false, yes/no, y/n or 1/0)"
    assert reasons[1].startswith("not a number")
    assert reasons[2] == "household_id H9 is not a household_id in people.csv"
    assert reasons[3] == (
        "household_id H4 appears on rows 6, 7; they differ in no_recourse_to_public_funds, "
        "annual_income, savings, in_london"
    )
    report = loaded.reports["households"]
    assert (report.read, report.accepted, report.quarantined) == (6, 1, 5)


def test_every_spelling_of_true_and_false_is_read(tmp_path):
    (tmp_path / "people.csv").write_text(PEOPLE)
    (tmp_path / "benefits.csv").write_text("award_id,person_id,benefit,start_date\n")
    words = ["true", "FALSE", "Yes", "no", "Y", "n", "t", "F", "1", "0"]
    lines = [f"H{n},{w},,," for n, w in enumerate(words)]
    (tmp_path / "households.csv").write_text(
        "household_id,no_recourse_to_public_funds,annual_income,savings,in_london\n"
        + "\n".join(lines)
    )
    people = "person_id,household_id,forename,surname,date_of_birth\n" + "".join(
        f"P{n},H{n},A,B,1990-01-01\n" for n in range(len(words))
    )
    (tmp_path / "people.csv").write_text(people)
    loaded = load_folder(tmp_path)
    assert loaded.tables["households"]["no_recourse_to_public_funds"].to_list() == [
        True, False, True, False, True, False, True, False, True, False,
    ]  # fmt: skip
    assert loaded.quarantine.is_empty()


def test_a_parquet_households_file_keeps_its_booleans(tmp_path):
    (tmp_path / "people.csv").write_text(PEOPLE)
    (tmp_path / "benefits.csv").write_text("award_id,person_id,benefit,start_date\n")
    pl.DataFrame(
        {
            "household_id": ["H1", "H2"],
            "no_recourse_to_public_funds": [True, False],
            "annual_income": [1000.0, None],
            "savings": [None, 5.0],
            "in_london": pl.Series([1, 0], dtype=pl.Int8),
        }
    ).write_parquet(tmp_path / "households.parquet")
    loaded = load_folder(tmp_path)
    assert loaded.tables["households"].rows() == [
        ("H1", True, 1000.0, None, True),
        ("H2", False, None, 5.0, False),
    ]


def test_the_household_check_holds_when_people_is_loaded_apart(folder):
    whole = load_folder(folder)
    people = load_folder(folder, tables=["people"])
    rest = load_folder(folder, tables=["benefits", "households"])
    # Loaded without people, a household cannot be checked yet ...
    assert "H9" in rest.tables["households"]["household_id"].to_list()
    combined = combine_loaded(people, rest)
    # ... and combined, it is quarantined exactly as one load does.
    assert combined.quarantine.equals(whole.quarantine)
    assert combined.tables["households"].equals(whole.tables["households"])
    assert combined.reports["households"] == whole.reports["households"]


@pytest.mark.parametrize("status", ["previously_looked_after", "fsm_transitional_protection"])
def test_the_new_child_statuses_are_accepted(tmp_path, status):
    (tmp_path / "people.csv").write_text(PEOPLE)
    (tmp_path / "benefits.csv").write_text("award_id,person_id,benefit,start_date\n")
    (tmp_path / "child_statuses.csv").write_text(
        f"status_id,person_id,status,start_date\nS1,P1,{status},2025-01-01\n"
        "S2,P1,post_lac,2025-01-01\n"
    )
    loaded = load_folder(tmp_path)
    assert loaded.tables["child_statuses"]["status"].to_list() == [status]
    row = loaded.quarantine.row(0, named=True)
    assert (row["row"], row["column"], row["value"]) == (3, "status", "post_lac")
    assert row["reason"].startswith("'post_lac' is not one of: looked_after, previously_looked")
    assert loaded.tables["child_statuses"]["start_date"].to_list() == [date(2025, 1, 1)]


def test_implausible_dates_and_money_are_quarantined_with_the_range(tmp_path):
    (tmp_path / "people.csv").write_text(
        "person_id,household_id,forename,surname,date_of_birth\n"
        "P1,H1,Ada,Lee,9999-01-01\nP2,H2,Mo,Lee,1899-12-31\nP3,H3,Jo,Lee,1900-01-01\n"
    )
    (tmp_path / "benefits.csv").write_text(
        "award_id,person_id,benefit,start_date,net_earned_income\n"
        "A1,P3,universal_credit,2025-01-01,-0.01\nA2,P3,universal_credit,2025-01-01,0\n"
        "A3,P3,universal_credit,9999-12-31,10\n"
    )
    loaded = load_folder(tmp_path)
    dates = "is outside the plausible range (1900-01-01 to 2099-12-31)"
    assert loaded.quarantine.select("table", "row", "column", "reason").rows() == [
        ("people", 2, "date_of_birth", f"date_of_birth 9999-01-01 {dates}"),
        ("people", 3, "date_of_birth", f"date_of_birth 1899-12-31 {dates}"),
        (
            "benefits",
            2,
            "net_earned_income",
            "net_earned_income -0.01 is outside the plausible range (0 to 10,000,000)",
        ),
        ("benefits", 4, "start_date", f"start_date 9999-12-31 {dates}"),
    ]
    assert loaded.tables["people"]["person_id"].to_list() == ["P3"]
