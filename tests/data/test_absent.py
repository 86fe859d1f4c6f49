"""A data folder's files named otherwise than the contract names them, and what the rules in
force read that the folder does not hold (`workbench.data.reading.table_named`,
`workbench.data.absent`): a tester's DWP list saved as `DWP list.csv` was ignored, and a
benefits file without `net_earned_income` moved children from likely to possible, both without
a word."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml

from workbench.data.absent import (
    absent_tables,
    column_uses,
    looks_like,
    missing_columns,
    unread_lookalikes,
)
from workbench.data.reading import find_table_file, load_folder, table_named
from workbench.errors import DataFileError
from workbench.rules import load_rule_set

PEOPLE = """person_id,household_id,forename,surname,date_of_birth,nino,postcode,role
A1,H1,Pat,Lee,1990-01-01,AB123456C,FQ1 1AA,parent_carer
C1,H1,Sam,Lee,2024-03-02,,FQ1 1AA,child
"""
BENEFITS = """award_id,person_id,benefit,start_date,end_date,net_earned_income,gross_income
B1,A1,universal_credit,2025-01-01,,,
"""
DWP_LIST = (
    "record_id,child_forename,child_surname,child_date_of_birth,parent_forename,parent_surname,"
    "parent_nino,postcode\nD1,Sam,Lee,2024-03-02,Pat,Lee,AB123456C,FQ1 1AA\n"
)
FUNDED = (
    "record_id,provider_id,term_start,child_forename,child_surname,child_date_of_birth,postcode,"
    "funding_stream\nF1,EY1,2026-09-01,Sam,Lee,2024-03-02,FQ1 1AA,two_year_old\n"
)
STATUSES = pl.DataFrame(
    {
        "status_id": ["S1"],
        "person_id": ["C1"],
        "status": ["ehc_plan"],
        "start_date": ["2025-01-01"],
    }
)
TERM = date(2026, 9, 1)
TWO = load_rule_set("two_year_old")


# --- which file is which table ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("dwp_list.csv", "dwp_list"),
        ("DWP list.csv", "dwp_list"),
        ("Benefits.csv", "benefits"),
        ("funded-places.csv", "funded_places"),
        ("Funded - Places.parquet", "funded_places"),
        ("Child Statuses.xlsx", "child_statuses"),
        (" households .csv", "households"),
        ("DWP list.txt", None),  # not a format a contract folder is read in
        ("DWPlist.csv", None),
        ("dwp_list 2026.csv", None),
        ("people.xls", None),
    ],
)
def test_a_file_is_the_table_its_name_plainly_names(name, table):
    assert table_named(Path(name)) == table


def test_files_named_otherwise_are_read_as_their_tables(make_folder):
    folder = make_folder(
        {
            "people.csv": PEOPLE,
            "Benefits.csv": BENEFITS,
            "DWP list.csv": DWP_LIST,
            "funded-places.csv": FUNDED,
            "Child Statuses.xlsx": STATUSES,
            "notes.txt": "not a table",
        }
    )
    data = load_folder(folder)
    assert {t: r.file.name for t, r in data.reports.items()} == {
        "people": "people.csv",
        "benefits": "Benefits.csv",
        "child_statuses": "Child Statuses.xlsx",
        "dwp_list": "DWP list.csv",
        "funded_places": "funded-places.csv",
    }
    assert data.tables["dwp_list"]["record_id"].to_list() == ["D1"]
    assert [p.name for p in data.ignored] == ["notes.txt"]
    assert find_table_file(folder, "dwp_list") == folder / "DWP list.csv"


def test_two_files_that_name_one_table_are_an_error_naming_both(make_folder):
    folder = make_folder(
        {
            "people.csv": PEOPLE,
            "benefits.csv": BENEFITS,
            "dwp_list.csv": DWP_LIST,
            "DWP List.csv": DWP_LIST,
        }
    )
    expected = (
        f"{folder}: table 'dwp_list' is given twice (DWP List.csv and dwp_list.csv): keep "
        "exactly one file per table (a file's name is read without case, and spaces or hyphens "
        "as underscores)"
    )
    with pytest.raises(DataFileError) as caught:
        load_folder(folder)
    assert str(caught.value) == expected
    with pytest.raises(DataFileError) as caught:
        find_table_file(folder, "dwp_list")
    assert str(caught.value) == expected


def test_a_required_table_in_a_format_not_read_is_named_under_its_plain_name(make_folder):
    folder = make_folder({"people.csv": PEOPLE, "Benefits.xls": b"old excel"})
    with pytest.raises(DataFileError) as caught:
        load_folder(folder)
    assert str(caught.value) == (
        f"{folder}: required table 'benefits' is missing: expected benefits.csv, "
        "benefits.parquet or benefits.xlsx in this folder; found Benefits.xls, which is not a "
        "format the workbench reads"
    )


# --- a table the rules read that the folder does not hold --------------------------------------


@pytest.mark.parametrize(
    ("name", "table", "alike"),
    [
        ("DWPlist.csv", "dwp_list", True),
        ("DWP list Aug 2026.xlsx", "dwp_list", True),
        ("dwp_lsit.csv", "dwp_list", True),
        ("ground_truth.csv", "dwp_list", False),
        ("providers.csv", "funded_places", False),
        ("Headcount spring.csv", "funded_places", True),
        ("statuses.csv", "child_statuses", True),
        ("providers.csv", "households", False),
    ],
)
def test_a_file_not_read_looks_like_a_table_by_its_words(name, table, alike):
    assert looks_like(Path(name), table) is alike


def test_a_table_the_rules_read_is_absent_while_a_file_like_it_is_not_read_is_serious(
    make_folder,
):
    folder = make_folder(
        {
            "people.csv": PEOPLE,
            "benefits.csv": BENEFITS,
            "DWPlist.csv": DWP_LIST,
            "funded_places.csv": FUNDED,
            "child_statuses.csv": STATUSES.write_csv(),
            "README.md": "about the extract",
            "providers.csv": "provider_id\nEY1\n",
        }
    )
    data = load_folder(folder)
    serious, notes = absent_tables(data, TWO, TERM)
    assert serious == [
        f"no dwp_list.csv (or .parquet, .xlsx) in {folder}, so no child is listed through the "
        f"DWP list (the criterion dwp_list lists no one); {folder} holds 'DWPlist.csv', not "
        "read: is it the DWP list? If so, rename it dwp_list.csv and run again"
    ]
    # households is absent too, and no file looks like it: a note naming the files not read
    # that look like no table absent (not the README).
    assert notes == [
        f"no households.csv (or .parquet, .xlsx) in {folder}, so no child is listed through "
        "the households file (the criterion no_recourse_to_public_funds lists no one); "
        f"{folder} holds 'providers.csv', not read as any table"
    ]
    # validate, which knows no rules, asks the same of the file.
    assert unread_lookalikes(data, ["dwp_list", "households"]) == [
        f"{folder} holds no dwp_list.csv (or .parquet, .xlsx) but holds 'DWPlist.csv', not "
        "read: is it the DWP list? If so, rename it dwp_list.csv"
    ]


def test_a_table_absent_with_every_file_read_is_not_warned_of(make_folder):
    # The council holds no DWP list or households file: nothing was left unread.
    folder = make_folder({"people.csv": PEOPLE, "benefits.csv": BENEFITS})
    assert absent_tables(load_folder(folder), TWO, TERM) == ([], [])


def test_a_look_alike_in_a_format_not_read_is_to_be_saved_as_the_table(make_folder):
    folder = make_folder(
        {"people.csv": PEOPLE, "benefits.csv": BENEFITS, "dwp list.tsv": "record_id\n"}
    )
    serious, _ = absent_tables(load_folder(folder), TWO, TERM)
    assert serious[0].endswith(
        "holds 'dwp list.tsv', not read: is it the DWP list? If so, save it as dwp_list.csv "
        "(or .parquet, .xlsx) and run again"
    )


# --- an optional column missing from a whole file ----------------------------------------------


def test_an_optional_column_the_rules_read_missing_from_the_whole_file_is_said_once(make_folder):
    without = BENEFITS.replace(",net_earned_income", "").replace(",,,", ",,")
    folder = make_folder({"people.csv": PEOPLE, "benefits.csv": without})
    data = load_folder(folder)
    assert missing_columns(data, column_uses([TWO], TERM)) == [
        "benefits.csv has no net_earned_income column: every Universal Credit award's "
        "take-home pay is treated as not known, so the criterion universal_credit_low_income "
        "can only mark a child possible, never likely. If the extract holds it, add it as "
        "net_earned_income"
    ]
    # Blank in every row, the column is there: each row's evidence says "income missing".
    blank = load_folder(make_folder({"people.csv": PEOPLE, "benefits.csv": BENEFITS}))
    assert missing_columns(blank, column_uses([TWO], TERM)) == []


def test_a_column_only_an_ended_criterion_reads_is_not_warned_of(make_folder):
    # Tax credits closed on 5 April 2025: gross_income is read by no criterion in force.
    without = BENEFITS.replace(",gross_income", "").replace(",,,", ",,")
    folder = make_folder({"people.csv": PEOPLE, "benefits.csv": without})
    assert missing_columns(load_folder(folder), column_uses([TWO], TERM)) == []
    assert missing_columns(load_folder(folder), column_uses([TWO], date(2024, 9, 1))) == [
        "benefits.csv has no gross_income column: every Child Tax Credit award's gross income "
        "is treated as not known, so the criterion tax_credits_low_income can only mark a "
        "child possible, never likely. If the extract holds it, add it as gross_income"
    ]


def test_validate_names_each_initiative_of_a_criterion_not_ended():
    uses = column_uses(
        [load_rule_set("two_year_old"), load_rule_set("early_years_pupil_premium")],
        today=date(2026, 12, 7),
    )
    assert uses[("benefits", "net_earned_income")] == [
        "every Universal Credit award's take-home pay is treated as not known, so the "
        "criterion universal_credit_low_income (early_years_pupil_premium, two_year_old) can "
        "only mark a child possible, never likely"
    ]
    assert ("benefits", "gross_income") not in uses


def test_a_profile_that_maps_nothing_to_a_column_the_rules_read_names_the_source_file(
    make_folder, tmp_path
):
    awards = "Ref,Client,Benefit Type,From\nB1,A1,UC,01/01/2025\n"
    folder = make_folder({"people.csv": PEOPLE, "Awards Extract.csv": awards})
    profile = tmp_path / "awards.yaml"
    profile.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "date_format": "%d/%m/%Y",
                "tables": {
                    "benefits": {
                        "file": "Awards*.csv",
                        "columns": {
                            "award_id": "Ref",
                            "person_id": "Client",
                            "benefit": {
                                "column": "Benefit Type",
                                "values": {"UC": "universal_credit"},
                            },
                            "start_date": "From",
                        },
                    }
                },
            }
        )
    )
    data = load_folder(folder, profile=profile)
    assert data.ignored == ()  # the profile's file is read, not ignored
    uses = column_uses([TWO], TERM)
    assert missing_columns(data, uses) == [
        "the profile awards.yaml maps no column of Awards Extract.csv to benefits.end_date: "
        "every award reads as still in payment (no end date), so an award that has ended still "
        "counts for the criteria income_support, jsa_income_based, esa_income_related, "
        "universal_credit_low_income, pension_credit_guarantee, asylum_support and "
        "disability_living_allowance. `workbench validate --profile awards.yaml` lists the "
        "file's columns not read",
        "the profile awards.yaml maps no column of Awards Extract.csv to "
        "benefits.net_earned_income: every Universal Credit award's take-home pay is treated "
        "as not known, so the criterion universal_credit_low_income can only mark a child "
        "possible, never likely. `workbench validate --profile awards.yaml` lists the file's "
        "columns not read",
    ]
    # validate knows the file's columns no entry reads.
    assert missing_columns(data, uses, {"benefits": ("Earnings",)})[1].endswith(
        "can only mark a child possible, never likely; Awards Extract.csv has Earnings not "
        "read: if one holds it, map it"
    )
