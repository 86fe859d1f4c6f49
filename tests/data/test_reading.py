"""Loading a data folder: typed tables, the quarantine (file, row, column, reason), warnings."""

from __future__ import annotations

import csv
import hashlib
import textwrap
from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from workbench.data import clean
from workbench.data.checks import BLANK_ROW, SHARED_NINO
from workbench.data.quarantine import quarantine_summary
from workbench.data.reading import combine_loaded, find_table_file, load_folder
from workbench.data.schema import BENEFITS, TABLES
from workbench.errors import DataFileError, UsageError, WorkbenchError

PEOPLE = """
person_id,household_id,forename,surname,date_of_birth,nino,postcode,role
P1,H1,Ann,Smith,1990-04-01,AB123456C,SW1A 1AA,parent_carer
P2,H1,Ben,Smith,2023-05-06,,SW1A 1AA,child
"""
BENEFITS_CSV = """
award_id,person_id,benefit,start_date,end_date,net_earned_income,gross_income
A1,P1,universal_credit,2024-01-01,,12000.50,
"""
ALLOWED_BENEFITS = ", ".join(BENEFITS)


def load(make_folder, people: str | bytes = PEOPLE, benefits: str | bytes = BENEFITS_CSV, **kwargs):
    folder = make_folder({"people.csv": people, "benefits.csv": benefits})
    return load_folder(folder, **kwargs)


def quarantined(data) -> list[tuple]:
    return data.quarantine.select("table", "file", "row", "column", "value", "reason").rows()


def benefits_with(*rows: str) -> str:
    header = "award_id,person_id,benefit,start_date,end_date,net_earned_income,gross_income"
    return "\n".join([header, *rows]) + "\n"


def people_with(*rows: str) -> str:
    header = "person_id,household_id,forename,surname,date_of_birth"
    return "\n".join([header, *rows]) + "\n"


# --- good input ------------------------------------------------------------------------------


def test_valid_folder_loads_typed_tables_with_nothing_quarantined(make_folder):
    data = load(make_folder)
    people, benefits = data.tables["people"], data.tables["benefits"]
    # Optional columns the file lacks (address_line_1) are absent, not empty.
    assert people.schema == pl.Schema(
        {
            "person_id": pl.String,
            "household_id": pl.String,
            "forename": pl.String,
            "surname": pl.String,
            "date_of_birth": pl.Date,
            "nino": pl.String,
            "postcode": pl.String,
            "role": pl.String,
        }
    )
    assert people["date_of_birth"].to_list() == [date(1990, 4, 1), date(2023, 5, 6)]
    assert benefits.schema["start_date"] == pl.Date
    assert benefits.schema["net_earned_income"] == pl.Float64
    assert benefits.row(0) == (
        "A1",
        "P1",
        "universal_credit",
        date(2024, 1, 1),
        None,
        12000.5,
        None,
    )
    assert data.quarantine.is_empty() and data.warnings.is_empty()
    assert data.quarantine.schema == pl.Schema(
        {
            "table": pl.String,
            "file": pl.String,
            "row": pl.Int64,
            "column": pl.String,
            "value": pl.String,
            "reason": pl.String,
        }
    )


def test_reports_count_read_accepted_and_quarantined_per_file(make_folder):
    data = load(
        make_folder,
        benefits=benefits_with("A1,P1,foo,2024-01-01,,,", "A2,P1,wtc_run_on,2024-01-01,,,"),
    )
    report = data.reports["benefits"]
    assert (report.table, report.file.name, report.format) == ("benefits", "benefits.csv", "csv")
    assert (report.read, report.accepted, report.quarantined) == (2, 1, 1)
    assert data.reports["people"].read == data.reports["people"].accepted == 2


def test_uk_dates_are_accepted_when_the_whole_column_uses_them(make_folder):
    data = load(
        make_folder, people=people_with("P1,H1,Ann,Smith,01/04/1990", "P2,H1,Ben,Smith,6/5/2023")
    )
    assert data.tables["people"]["date_of_birth"].to_list() == [date(1990, 4, 1), date(2023, 5, 6)]
    assert data.quarantine.is_empty()


def test_headers_match_whatever_their_case_and_surrounding_space(make_folder):
    people = " Person_ID ,HOUSEHOLD_ID,Forename,Surname,Date Of Birth\nP1,H1,Ann,Smith,1990-04-01\n"
    data = load(make_folder, people=people)
    assert data.tables["people"].row(0) == ("P1", "H1", "Ann", "Smith", date(1990, 4, 1))


def test_cells_are_stripped_and_blank_optional_cells_are_null(make_folder):
    benefits = benefits_with(" A1 , P1 , Universal_Credit ,2024-01-01 ,  , , ")
    row = load(make_folder, benefits=benefits).tables["benefits"].row(0)
    assert row == ("A1", "P1", "universal_credit", date(2024, 1, 1), None, None, None)


def test_money_with_pound_sign_and_thousands_commas_is_a_number(make_folder):
    benefits = benefits_with(
        'A1,P1,universal_credit,2024-01-01,,"£15,400.50",',
        "A2,P1,child_tax_credit,2024-01-01,,,12",
        "A3,P1,child_tax_credit,2024-01-01,,.5,",
        'A4,P1,child_tax_credit,2024-01-01,,"£ 1,200.00", £ 7 ',  # Excel's accounting format
    )
    frame = load(make_folder, benefits=benefits).tables["benefits"]
    assert frame["net_earned_income"].to_list() == [15400.5, None, 0.5, 1200.0]
    assert frame["gross_income"].to_list() == [None, 12.0, None, 7.0]


def test_postcode_and_nino_are_normalised(make_folder):
    people = (
        "person_id,household_id,forename,surname,date_of_birth,nino,postcode\n"
        'P1,H1,"  Mary   Ann ",Smith,1990-04-01,ab 12 34 56 c, sw1a1aa\n'
    )
    row = load(make_folder, people=people).tables["people"].row(0, named=True)
    assert (row["forename"], row["nino"], row["postcode"]) == ("Mary Ann", "AB123456C", "SW1A 1AA")


def test_without_normalising_names_are_only_stripped_codes_kept_as_written_no_warnings(
    make_folder,
):
    people = (
        "person_id,household_id,forename,surname,date_of_birth,nino,postcode\n"
        'P1,H1,"  Mary   Ann ",Smith,1990-04-01,ab 12 34 56 c, sw1a1aa\n'
        "P2, H1 ,Ben,\t,1991-04-01,,\n"
        "P3,H1,Cy,Smith,1992-04-01,QQ123456C,n1\n"
    )
    kept = load(make_folder, people=people, normalise=False)
    usual = load(make_folder, people=people)
    rows = kept.tables["people"].select("person_id", "household_id", "forename", "nino", "postcode")
    assert rows.rows() == [
        ("P1", "H1", "Mary   Ann", "ab 12 34 56 c", " sw1a1aa"),
        ("P3", "H1", "Cy", "QQ123456C", "n1"),
    ]
    assert kept.warnings.is_empty() and usual.warnings.height == 2
    # The quarantine does not depend on normalising: P2's blank surname is rejected either way.
    assert kept.quarantine.equals(usual.quarantine)
    assert kept.quarantine.select("row", "column").rows() == [(3, "surname")]


def test_postcode_or_nino_not_in_uk_shape_is_kept_with_a_warning(make_folder):
    people = (
        "person_id,household_id,forename,surname,date_of_birth,nino,postcode\n"
        "P1,H1,Ann,Smith,1990-04-01,QQ123456C,n1\n"
        "P2,H1,Ben,Smith,1991-04-01,AB123456C,M1 1AE\n"
    )
    data = load(make_folder, people=people)
    assert data.tables["people"]["postcode"].to_list() == ["N1", "M1 1AE"]
    assert data.tables["people"]["nino"].to_list() == ["QQ123456C", "AB123456C"]
    assert data.quarantine.is_empty()
    assert data.warnings.rows() == [
        (
            "people",
            "people.csv",
            2,
            "nino",
            "QQ123456C",
            "NINO not in UK shape (like AB123456C): kept as given, normalised",
        ),
        (
            "people",
            "people.csv",
            2,
            "postcode",
            "n1",
            "postcode not in UK shape (like SW1A 1AA): kept as given, normalised",
        ),
    ]


def test_a_school_urn_is_compacted_and_one_not_of_six_digits_kept_with_a_warning(make_folder):
    people = (
        "person_id,household_id,forename,surname,date_of_birth,school_urn\n"
        "P1,H1,Ann,Smith,2016-04-01, 100 002 \n"
        "P2,H1,Ben,Smith,2017-04-01,12345\n"
        "P3,H1,Cy,Smith,1990-04-01,\n"
    )
    data = load(make_folder, people=people)
    assert data.tables["people"]["school_urn"].to_list() == ["100002", "12345", None]
    assert data.quarantine.is_empty()
    assert data.warnings.rows() == [
        (
            "people",
            "people.csv",
            3,
            "school_urn",
            "12345",
            "school URN not six digits (like 100001): kept as given, normalised",
        ),
    ]


def test_extra_columns_are_ignored(make_folder):
    people = (
        people_with("P1,H1,Ann,Smith,1990-04-01")
        .replace("date_of_birth", "date_of_birth,shoe_size")
        .replace("1990-04-01", "1990-04-01,9")
    )
    data = load(make_folder, people=people)
    assert data.tables["people"].columns == [
        "person_id",
        "household_id",
        "forename",
        "surname",
        "date_of_birth",
    ]


# --- bad rows go to the quarantine ------------------------------------------------------------


def test_bad_date_is_quarantined_with_file_row_column_and_reason(make_folder):
    data = load(
        make_folder, people=people_with("P1,H1,Ann,Smith,1990-04-01", "P2,H1,Ben,Smith,soon")
    )
    assert quarantined(data) == [
        (
            "people",
            "people.csv",
            3,
            "date_of_birth",
            "soon",
            "not a date in this column's format (YYYY-MM-DD)",
        )
    ]
    assert data.tables["people"]["person_id"].to_list() == ["P1"]


def test_mixed_date_formats_quarantine_the_rows_in_the_minority_format(make_folder):
    people = people_with(
        "P1,H1,Ann,Smith,1990-04-01", "P2,H1,Ben,Smith,06/05/2023", "P3,H1,Cy,Smith,2001-01-31"
    )
    assert quarantined(load(make_folder, people=people)) == [
        (
            "people",
            "people.csv",
            3,
            "date_of_birth",
            "06/05/2023",
            "date written as dd/mm/yyyy but this column uses YYYY-MM-DD in this file "
            "(mixed date formats)",
        )
    ]


def test_a_uk_date_column_quarantines_its_iso_dates(make_folder):
    people = people_with(
        "P1,H1,Ann,Smith,01/04/1990", "P2,H1,Ben,Smith,06/05/2023", "P3,H1,Cy,Smith,2001-01-31"
    )
    data = load(make_folder, people=people)
    assert quarantined(data)[0][2:] == (
        4,
        "date_of_birth",
        "2001-01-31",
        "date written as YYYY-MM-DD but this column uses dd/mm/yyyy in this file "
        "(mixed date formats)",
    )


def test_a_tie_between_date_formats_goes_to_iso(make_folder):
    people = people_with("P1,H1,Ann,Smith,01/04/1990", "P2,H1,Ben,Smith,2023-05-06")
    data = load(make_folder, people=people)
    assert data.tables["people"]["person_id"].to_list() == ["P2"]
    assert quarantined(data)[0][2:4] == (2, "date_of_birth")


def test_two_digit_years_are_not_dates(make_folder):
    data = load(make_folder, people=people_with("P1,H1,Ann,Smith,1/4/90", "P2,H1,Bo,Li,1/4/1990"))
    assert quarantined(data)[0][2:] == (
        2,
        "date_of_birth",
        "1/4/90",
        "not a date in this column's format (dd/mm/yyyy)",
    )


@pytest.mark.parametrize(
    ("good", "impossible", "label"),
    [("2020-02-29", "2021-02-29", "YYYY-MM-DD"), ("30/04/2020", "31/04/2020", "dd/mm/yyyy")],
)
def test_impossible_dates_are_quarantined(make_folder, good, impossible, label):
    people = people_with(f"P1,H1,Ann,Smith,{good}", f"P2,H1,Ben,Smith,{impossible}")
    assert quarantined(load(make_folder, people=people)) == [
        (
            "people",
            "people.csv",
            3,
            "date_of_birth",
            impossible,
            f"no such date in the calendar (this column uses {label})",
        )
    ]


def test_dates_written_month_first_stop_the_run_naming_the_first_such_row(make_folder):
    # 05/06/2023 would be read as 5 June, unseen, were the column taken day first.
    people = people_with(
        "P1,H1,Ann,Smith,05/06/2023", "P2,H1,Ben,Smith,12/25/1990", "P3,H1,Cy,Smith,01/31/1991"
    )
    with pytest.raises(DataFileError) as raised:
        load(make_folder, people=people)
    error = raised.value
    assert (error.file, error.row, error.column) == ("people.csv", 3, "date_of_birth")
    assert str(error).startswith(
        "people.csv, row 3, column 'date_of_birth': the dates look written month first "
        "(mm/dd/yyyy, as in the US): 2 exist only that way round"
    )
    assert "date_format: '%m/%d/%Y'" in str(error)
    assert "12/25" not in str(error)  # no value of the file quoted


def test_a_day_first_column_with_a_slip_is_quarantined_not_taken_for_month_first(make_folder):
    # One date exists only month first (a slip), but another only day first: day first it is.
    people = people_with("P1,H1,Ann,Smith,25/06/2023", "P2,H1,Ben,Smith,12/25/1990")
    assert [(r[2], r[5]) for r in quarantined(load(make_folder, people=people))] == [
        (3, "no such date in the calendar (this column uses dd/mm/yyyy)")
    ]


def test_unknown_enum_value_is_quarantined_listing_the_allowed_values(make_folder):
    data = load(make_folder, benefits=benefits_with("A1,P1,free_money,2024-01-01,,,"))
    assert quarantined(data) == [
        (
            "benefits",
            "benefits.csv",
            2,
            "benefit",
            "free_money",
            f"'free_money' is not one of: {ALLOWED_BENEFITS}",
        )
    ]


def test_empty_required_field_is_quarantined(make_folder):
    data = load(make_folder, people=people_with("P1,H1,   ,Smith,1990-04-01"))
    assert quarantined(data)[0] == (
        "people", "people.csv", 2, "forename", "   ", "required field is empty"
    )  # fmt: skip


def test_blank_lines_and_rows_of_commas_are_quarantined_as_blank_rows(make_folder):
    # A spreadsheet's empty rows saved as commas, a blank line within, blank lines at the end.
    people = people_with("P1,H1,Ann,Smith,1990-04-01", "", ",,,,", "P2,H1,Bo,Smith,2023-05-06", "")
    data = load(make_folder, people=people)
    # One reason each, not "required field is empty" once per column.
    assert quarantined(data) == [
        ("people", "people.csv", row, "person_id", None, BLANK_ROW) for row in (3, 4, 6)
    ]
    assert data.tables["people"]["person_id"].to_list() == ["P1", "P2"]
    assert (data.reports["people"].read, data.reports["people"].quarantined) == (5, 3)
    assert quarantine_summary(data.quarantine).rows() == [
        ("people", "person_id", "blank row", 3, 3)
    ]


def test_a_row_with_one_column_filled_is_not_blank(make_folder):
    data = load(make_folder, people=people_with("P1,H1,Ann,Smith,1990-04-01", ",,Ann,,"))
    assert [r[2:] for r in quarantined(data)] == [
        (
            3,
            "person_id",
            None,
            "person_id: required field is empty; household_id: required field is empty; "
            "surname: required field is empty; date_of_birth: required field is empty",
        )
    ]


def test_a_dwp_list_row_blank_but_for_its_numbered_id_is_blank(make_folder):
    dwp = (
        "child_forename,child_surname,child_date_of_birth,parent_forename,parent_surname\n"
        "Ava,Li,2023-05-06,May,Li\n"
        ",,,,\n"
    )
    folder = make_folder({"people.csv": PEOPLE, "benefits.csv": BENEFITS_CSV, "dwp_list.csv": dwp})
    data = load_folder(folder)
    assert [(r[2], r[5]) for r in quarantined(data)] == [(3, BLANK_ROW)]
    assert data.tables["dwp_list"]["child_forename"].to_list() == ["Ava"]


def test_validate_strict_counts_blank_rows_but_does_not_fail_for_them(make_folder):
    folder = make_folder(
        {"people.csv": PEOPLE.lstrip("\n") + ",,,,,,,\n\n", "benefits.csv": BENEFITS_CSV}
    )
    done = validate(str(folder), "--strict")
    assert done.exit_code == 0, done.output
    assert (
        "Quarantined: 2 row(s), 2 of them set aside (blank rows, exact repeats of a row, or codes "
        "the profile maps to nothing)."
    ) in " ".join(done.output.split())
    (folder / "people.csv").write_text(PEOPLE.lstrip("\n") + "P3,H1,,Smith,1990-04-01\n\n")
    assert validate(str(folder), "--strict").exit_code == 3


def test_every_row_carrying_a_duplicated_id_is_quarantined(make_folder):
    benefits = benefits_with(
        "A7,P1,universal_credit,2024-01-01,,,",
        "A2,P1,universal_credit,2024-01-01,,,",
        "A7,P2,income_support,2024-01-01,,,",
    )
    data = load(make_folder, benefits=benefits)
    # The reason names the columns whose values differ between the rows.
    reason = "award_id A7 appears on rows 2, 4; they differ in person_id, benefit"
    assert quarantined(data) == [
        ("benefits", "benefits.csv", 2, "award_id", "A7", reason),
        ("benefits", "benefits.csv", 4, "award_id", "A7", reason),
    ]
    assert data.tables["benefits"]["award_id"].to_list() == ["A2"]


def test_an_id_repeated_many_times_lists_its_first_rows_and_the_count(make_folder):
    benefits = benefits_with(
        *[f"A1,P1,universal_credit,2024-01-{day:02d},,," for day in range(1, 13)]
    )
    reason = quarantined(load(make_folder, benefits=benefits))[0][5]
    assert (
        reason
        == "award_id A1 appears on 12 rows, the first 10 being 2, 3, 4, 5, 6, 7, 8, 9, 10, 11; "
        "they differ in start_date"
    )


def test_a_line_repeated_exactly_is_quarantined_whole_and_says_how_to_read_it_once(make_folder):
    """A council's extract repeated a parent's line (a join): both copies were quarantined,
    as the contract says of a duplicated id, and their child left the list; the reason did
    not say the rows were alike, nor what to do."""
    parent = "P1,H1,Ann,Smith,1990-04-01,AB123456C,SW1A 1AA,parent_carer"
    people = PEOPLE.replace(parent, "\n".join([parent, parent, " " + parent.replace(",", ", ")]))
    data = load(make_folder, people=people)
    reason = (
        "person_id P1 appears on rows 2, 3, 4 (the same in every column read: a line "
        "repeated, as a join in the extract can write it; remove the repeat, or a source "
        "profile's `repeated_rows: once` reads it once)"
    )
    assert [r[2:] for r in quarantined(data) if r[0] == "people"] == [
        (2, "person_id", "P1", reason),
        (3, "person_id", "P1", reason),
        (4, "person_id", " P1", reason),  # the value as written
    ]
    assert data.tables["people"]["person_id"].to_list() == ["P2"]
    # A line alike but for one cell: no such hint (which is right cannot be known), but the
    # column that differs is named.
    other = PEOPLE.replace(parent, "\n".join([parent, parent.replace("Ann", "Anne")]))
    differs = quarantined(load(make_folder, people=other))
    assert [r[5] for r in differs if r[0] == "people"] == [
        "person_id P1 appears on rows 2, 3; they differ in forename"
    ] * 2


def test_end_before_start_is_quarantined_on_the_end_column(make_folder):
    data = load(
        make_folder, benefits=benefits_with("A1,P1,universal_credit,2024-02-01,2024-01-01,,")
    )
    assert quarantined(data) == [
        (
            "benefits",
            "benefits.csv",
            2,
            "end_date",
            "2024-01-01",
            "end_date 2024-01-01 is before start_date 2024-02-01",
        )
    ]


def test_an_award_ending_on_its_first_day_is_accepted(make_folder):
    data = load(
        make_folder, benefits=benefits_with("A1,P1,universal_credit,2024-02-01,2024-02-01,,")
    )
    assert data.quarantine.is_empty()


def test_text_in_a_decimal_column_is_quarantined_as_not_a_number(make_folder):
    benefits = benefits_with(
        "A1,P1,universal_credit,2024-01-01,,twelve,",
        'A2,P1,universal_credit,2024-01-01,,"15,40",',
        "A3,P1,universal_credit,2024-01-01,,NaN,",
    )
    data = load(make_folder, benefits=benefits)
    reason = "not a number (expected digits like 15400 or £15,400.50)"
    assert [r[2:] for r in quarantined(data)] == [
        (2, "net_earned_income", "twelve", reason),
        (3, "net_earned_income", "15,40", reason),
        (4, "net_earned_income", "NaN", reason),
    ]


def test_an_accounting_negative_is_named_as_one_and_outside_the_plausible_range(make_folder):
    # A tester's `(1,234.00)` (a negative amount as Excel's accounting format writes it) was
    # "not a number": it is one, below zero, so outside money's plausible range. It is still
    # not read, and `1.234` is still read as a number.
    benefits = benefits_with(
        'A1,P1,universal_credit,2024-01-01,,"(1,234.00)",',
        "A2,P1,universal_credit,2024-01-01,,(£50),",
        "A3,P1,universal_credit,2024-01-01,,(1.2.3),",
        "A4,P1,universal_credit,2024-01-01,,1.234,",
    )
    data = load(make_folder, benefits=benefits)
    assert [r[2:] for r in quarantined(data)] == [
        (
            2,
            "net_earned_income",
            "(1,234.00)",
            "(1,234.00) is written as an accounting negative (-1,234.00), which is outside the "
            "plausible range (0 to 10,000,000)",
        ),
        (
            3,
            "net_earned_income",
            "(£50)",
            "(£50) is written as an accounting negative (-£50), which is outside the plausible "
            "range (0 to 10,000,000)",
        ),
        (
            4,
            "net_earned_income",
            "(1.2.3)",
            "not a number (expected digits like 15400 or £15,400.50)",
        ),
    ]
    assert data.tables["benefits"]["net_earned_income"].to_list() == [1.234]
    summary = quarantine_summary(data.quarantine)
    assert summary.select("kind", "rows").rows() == [("implausible value", 2), ("not a number", 1)]


def test_a_row_with_several_problems_is_quarantined_once_listing_them_all(make_folder):
    data = load(make_folder, benefits=benefits_with("A1,P1,foo,2024-02-01,2024-01-01,x,"))
    assert quarantined(data) == [
        (
            "benefits",
            "benefits.csv",
            2,
            "benefit",
            "foo",
            f"benefit: 'foo' is not one of: {ALLOWED_BENEFITS}; "
            "end_date 2024-01-01 is before start_date 2024-02-01; "
            "net_earned_income: not a number (expected digits like 15400 or £15,400.50)",
        )
    ]


def test_quarantine_keeps_the_raw_value_as_written(make_folder):
    data = load(make_folder, people=people_with("P1,H1,Ann,Smith, 1990-02-30 "))
    assert quarantined(data)[0][4] == " 1990-02-30 "


# --- whole-file problems stop the run -----------------------------------------------------------


def test_missing_required_column_names_file_and_column_with_a_hint(make_folder):
    people = "person_id,household_id,forename,surname,date_of_brith\nP1,H1,Ann,Smith,1990-04-01\n"
    with pytest.raises(DataFileError) as caught:
        load(make_folder, people=people)
    error = caught.value
    assert error.file.endswith("people.csv") and error.column == "date_of_birth"
    assert "required column 'date_of_birth' is missing" in str(error)
    assert "found 'date_of_brith': did you mean 'date_of_birth'?" in str(error)


def test_another_contract_column_is_never_offered_as_the_missing_one(make_folder):
    # 'provider_id' is close to 'record_id' in spelling, but it is funded_places' own column.
    header = "provider_id,term_start,child_forename,child_surname,child_date_of_birth,postcode"
    places = f"{header},funding_stream\nEY1,2026-09-01,Ann,Smith,2024-05-01,AB1 2CD,two_year_old\n"
    with pytest.raises(DataFileError) as caught:
        load_folder(
            make_folder(
                {"people.csv": PEOPLE, "benefits.csv": BENEFITS_CSV, "funded_places.csv": places}
            )
        )
    message = str(caught.value)
    assert caught.value.column == "record_id"
    assert "required column 'record_id' is missing; columns in the file: provider_id, " in message
    assert "did you mean" not in message


def test_binary_garbage_is_an_unreadable_file(make_folder):
    folder = make_folder({"people.csv": bytes(range(256)) * 4, "benefits.csv": BENEFITS_CSV})
    with pytest.raises(DataFileError, match=r"people\.csv: is not a CSV text file") as caught:
        load_folder(folder)
    assert caught.value.file.endswith("people.csv")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_a_utf16_file_is_named_as_such_with_advice(make_folder, codec):
    # Excel's "Unicode Text" and some exports write UTF-16, whose bytes hold zeros.
    text = people_with("P1,H1,Jos\xe9,Smith,1990-04-01")
    encoded = text.encode(codec) if codec == "utf-16" else b"\xfe\xff" + text.encode(codec)
    folder = make_folder({"people.csv": encoded, "benefits.csv": BENEFITS_CSV})
    with pytest.raises(
        DataFileError, match=r"people\.csv: is UTF-16 text, .* save it as CSV UTF-8"
    ):
        load_folder(folder)


@pytest.mark.parametrize("table", ["people", "benefits"])
def test_a_file_whose_lines_end_in_a_carriage_return_alone_is_named_as_such(make_folder, table):
    # Old Mac line endings: people read as "a header but no rows", benefits as an error
    # listing every field of the file (a reliability tester's finding).
    files: dict[str, str | bytes] = {
        "people.csv": people_with("P1,H1,Ann,Smith,1990-04-01"),
        "benefits.csv": BENEFITS_CSV,
    }
    files[f"{table}.csv"] = str(files[f"{table}.csv"]).replace("\n", "\r").encode()
    with pytest.raises(DataFileError) as caught:
        load_folder(make_folder(files))
    assert str(caught.value) == (
        f"{caught.value.file}: cannot be read as csv: its lines end in a carriage return alone "
        "(as old Mac programs wrote them), so it reads as one line. Save it again with Windows "
        "(CR LF) or Unix (LF) line endings (Excel: Save As CSV UTF-8)"
    )
    assert caught.value.file.endswith(f"{table}.csv")


def test_a_file_that_is_not_utf8_is_unreadable_with_advice(make_folder):
    latin1 = people_with("P1,H1,Jos\xe9,Smith,1990-04-01").encode("latin-1")
    folder = make_folder({"people.csv": latin1, "benefits.csv": BENEFITS_CSV})
    with pytest.raises(DataFileError) as caught:
        load_folder(folder)
    # The row and column of the first character in another encoding, never the value.
    assert (caught.value.row, caught.value.column) == (2, "forename")
    assert "is not UTF-8 text" in str(caught.value) and '"CSV UTF-8"' in str(caught.value)
    assert "encoding: windows-1252" in str(caught.value) and "Jos" not in str(caught.value)


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_a_corrupt_parquet_or_xlsx_file_is_unreadable(make_folder, suffix):
    folder = make_folder(
        {f"people{suffix}": b"PAR1 this is not really a table", "benefits.csv": BENEFITS_CSV}
    )
    with pytest.raises(DataFileError, match=rf"people\{suffix}: cannot be read as {suffix[1:]}"):
        load_folder(folder)


def test_two_formats_of_one_table_is_an_error_naming_both(make_folder):
    folder = make_folder(
        {
            "people.csv": PEOPLE,
            "people.xlsx": pl.DataFrame({"a": ["1"]}),
            "benefits.csv": BENEFITS_CSV,
        }
    )
    with pytest.raises(DataFileError, match=r"people\.csv and people\.xlsx"):
        load_folder(folder)
    with pytest.raises(DataFileError, match=r"people\.csv and people\.xlsx"):
        find_table_file(folder, "people")


def test_missing_required_file_is_an_error_naming_the_table(make_folder):
    folder = make_folder({"people.csv": PEOPLE, "benefits.xls": b"old excel"})
    with pytest.raises(DataFileError) as caught:
        load_folder(folder)
    assert "required table 'benefits' is missing" in str(caught.value)
    assert "found benefits.xls, which is not a format the workbench reads" in str(caught.value)


def test_two_headers_for_one_column_is_an_error(make_folder):
    people = people_with("P1,H1,Ann,Smith,1990-04-01,P1").replace(
        "date_of_birth", "date_of_birth,Person_ID"
    )
    with pytest.raises(
        DataFileError, match=r"columns 1 and 6 \('person_id' and 'Person_ID'\) are one column"
    ):
        load(make_folder, people=people)


def test_a_header_written_twice_exactly_is_an_error_not_the_first_silently(make_folder):
    people = people_with("P1,H1,Ann,Smith,1990-04-01,Jones").replace(
        "date_of_birth", "date_of_birth,surname"
    )
    with pytest.raises(DataFileError) as raised:
        load(make_folder, people=people)
    assert str(raised.value).endswith(
        "people.csv, row 1, column 'surname': columns 4 and 6 ('surname') are one column "
        "twice: keep one, or rename the other"
    )


def test_a_column_twice_in_the_header_that_no_contract_column_reads_is_left_out(make_folder):
    # A council's extract with two `Notes` columns: neither is read, so neither stops the load.
    people = people_with("P1,H1,Ann,Smith,1990-04-01,x,y").replace(
        "date_of_birth", "date_of_birth,Notes,notes"
    )
    data = load(make_folder, people=people)
    assert data.tables["people"].select("person_id", "surname").rows() == [("P1", "Smith")]
    assert data.tables["people"].columns == [
        "person_id",
        "household_id",
        "forename",
        "surname",
        "date_of_birth",
    ]


def _openpyxl_workbook(path: Path, rows: list[list[str | None]]) -> bytes:
    """A one-sheet .xlsx workbook of `rows` (None: an empty cell), made with openpyxl."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.worksheets[0])
    sheet = book.create_sheet("People")
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(number, column, value)
    book.save(path)
    return path.read_bytes()


PEOPLE_HEADER = ["person_id", "household_id", "forename", "surname", "date_of_birth"]


@pytest.mark.parametrize("above", [0, 2])
def test_a_sheet_header_written_twice_exactly_is_an_error_as_in_a_csv_file(
    make_folder, tmp_path, above
):
    # The Excel reader names the second `surname` apart itself (`surname_1`): the first was
    # read as the only one, and the second, which may hold the right value, never seen.
    rows: list[list[str | None]] = [[] for _ in range(above)]
    rows += [[*PEOPLE_HEADER, "surname"], ["P1", "H1", "Ann", "Smith", "1990-04-01", "Jones"]]
    people = _openpyxl_workbook(tmp_path / "people.xlsx", rows)
    folder = make_folder({"people.xlsx": people, "benefits.csv": BENEFITS_CSV})
    with pytest.raises(DataFileError) as raised:
        load_folder(folder)
    # The header's row as the sheet shows it (below `above` empty rows), its columns by their
    # letters.
    assert str(raised.value).endswith(
        f"people.xlsx, row {above + 1}, column 'surname': columns D and F ('surname') are one "
        "column twice: keep one, or rename the other"
    )


def test_a_sheet_column_twice_that_no_contract_column_reads_is_left_out(make_folder, tmp_path):
    from workbench.data.reading import read_as_text, read_with_headers

    rows: list[list[str | None]] = [
        [*PEOPLE_HEADER, "Notes", "Notes", "Notes_1"],
        ["P1", "H1", "Ann", "Smith", "1990-04-01", "x", "y", "z"],
    ]
    people = _openpyxl_workbook(tmp_path / "people.xlsx", rows)
    folder = make_folder({"people.xlsx": people, "benefits.csv": BENEFITS_CSV})
    data = load_folder(folder)
    assert data.tables["people"].columns == PEOPLE_HEADER
    assert data.tables["people"].select("person_id", "surname").rows() == [("P1", "Smith")]
    # Looked at as text, the column twice is left out, and listed as written; a header that
    # only looks like the reader's renaming (`Notes_1`, written so) is read as written.
    frame, headers = read_with_headers(folder / "people.xlsx")
    assert headers == [*PEOPLE_HEADER, "Notes", "Notes", "Notes_1"]
    assert frame.columns == [*PEOPLE_HEADER, "Notes_1"]
    assert frame["Notes_1"].to_list() == ["z"]
    assert read_as_text(folder / "people.xlsx").equals(frame)


def test_a_sheet_header_like_the_readers_renaming_is_read_as_written(make_folder, tmp_path):
    # `surname_1` beside `surname`, each once: nothing twice, the reader's names kept.
    rows: list[list[str | None]] = [
        [*PEOPLE_HEADER, "surname_1"],
        ["P1", "H1", "Ann", "Smith", "1990-04-01", "Jones"],
    ]
    people = _openpyxl_workbook(tmp_path / "people.xlsx", rows)
    folder = make_folder({"people.xlsx": people, "benefits.csv": BENEFITS_CSV})
    data = load_folder(folder)
    assert data.tables["people"].select("person_id", "surname").rows() == [("P1", "Smith")]


def test_a_row_with_more_fields_than_the_header_names_the_row_not_its_contents(make_folder):
    people = people_with("P1,H1,Ann,Smith,1990-04-01", "P2,H1,Ben,Smith,2023-05-06,SECRET")
    with pytest.raises(DataFileError) as raised:
        load(make_folder, people=people)
    message = str(raised.value)
    assert message.endswith(
        "people.csv, row 3: has 6 fields but the header has 5: a value holds an unquoted "
        "comma, or the row has a column the header does not name"
    )
    assert "SECRET" not in message and "Ben" not in message


def test_an_unclosed_quote_names_the_row_where_it_opens_and_quotes_nothing(make_folder):
    people = people_with(
        "P1,H1,Ann,Smith,1990-04-01", 'P2,H1,"Ben,Smith,2023-05-06', "P3,H2,Cy,Ray,2020-01-01"
    )
    with pytest.raises(DataFileError) as raised:
        load(make_folder, people=people)
    message = str(raised.value)
    assert message.endswith(
        'people.csv, row 3: a quote (") opens a value that is never closed, or text follows a '
        "closing quote; fix the quoting from this row on"
    )
    assert "Ben" not in message and "Smith" not in message and "polars" not in message


# The people file as councils export it: the special-category columns last, which only
# equality monitoring reads, and assess reads fewer columns still.
PEOPLE_WIDE = (
    "person_id,household_id,forename,surname,date_of_birth,postcode,first_language\n"
    "P1,H1,Ann,Smith,1990-04-01,SW1A 1AA,English\n"
    "P2,H1,Ben,Smith,2023-05-06,SW1A 1AA,\n"
    "P3,H2,Cy,Ray,2020-01-01,SW1A 1AA,Polish\n"
)


@pytest.mark.parametrize(
    "row",
    [
        "P2,H1,Ben,Smith,2023-05-06,SW1A 1AA,,SECRET",  # a trailing field
        "P2,H1,Ben,Smith, Jr,2023-05-06,SW1A 1AA,",  # a comma in a value shifts the row
    ],
)
@pytest.mark.parametrize("columns", [None, {"people": ()}, {"people": ("postcode",)}])
def test_a_row_with_more_fields_stops_the_run_whatever_columns_are_read(make_folder, row, columns):
    people = PEOPLE_WIDE.replace("P2,H1,Ben,Smith,2023-05-06,SW1A 1AA,", row)
    with pytest.raises(DataFileError) as raised:
        load(make_folder, people=people, columns=columns)
    message = str(raised.value)
    assert message.endswith(
        "people.csv, row 3: has 8 fields but the header has 7: a value holds an unquoted "
        "comma, or the row has a column the header does not name"
    )
    assert "SECRET" not in message and "Jr" not in message


def test_a_row_with_more_fields_stops_validate_and_assess(make_folder, tmp_path):
    from typer.testing import CliRunner

    from workbench.cli import app

    people = PEOPLE_WIDE.replace("SW1A 1AA,Polish", "SW1A 1AA,Polish,extra")
    folder = make_folder({"people.csv": people, "benefits.csv": BENEFITS_CSV})
    assess = [
        "--quiet", "assess", "--initiative", "two_year_old", "--data", str(folder),
        "--term-start", "2026-09-01", "--as-of", "2026-09-01", "--linkage", "exact",
        "--out", str(tmp_path / "list.csv"),
    ]  # fmt: skip
    for done in (validate(str(folder)), CliRunner().invoke(app, assess)):
        assert done.exit_code == 1
        assert isinstance(done.exception, DataFileError)
        assert (done.exception.row, done.exception.column) == (4, None)
    assert not (tmp_path / "list.csv").exists()


def test_a_quote_mark_inside_an_unquoted_value_names_the_row_and_column(make_folder):
    rows = [f"P{i},H{i},Ann,Smith,1990-04-01" for i in range(1, 40)]
    rows[9] = 'P10,H10,Olivia,O"Brien,2012-08-25'  # row 11, as a spreadsheet numbers it
    with pytest.raises(DataFileError) as raised:
        load(make_folder, people=people_with(*rows))
    message = str(raised.value)
    assert (raised.value.row, raised.value.column) == (11, "surname")
    assert message.endswith(
        "people.csv, row 11, column 'surname': a quote mark (\") is inside a value that is not "
        "itself in quotes, so the rows after it cannot be read. Put the whole value in quotes "
        "and write the quote mark twice (as Excel's Save As CSV does), or remove it"
    )
    assert "Brien" not in message and "malformed" not in message


def test_a_quote_mark_written_as_csv_writes_it_is_read(make_folder):
    people = people_with('P1,H1,Olivia,"O""Brien",2012-08-25', 'P2,H1,"Ben, Jr",Smith,2020-01-01')
    data = load(make_folder, people=people)
    assert data.tables["people"]["surname"].to_list() == ['O"Brien', "Smith"]
    assert data.tables["people"]["forename"].to_list() == ["Olivia", "Ben, Jr"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_an_empty_file_is_said_to_be_empty(make_folder, suffix):
    folder = make_folder({"people.csv": PEOPLE, f"benefits{suffix}": b""})
    with pytest.raises(DataFileError) as raised:
        load_folder(folder)
    assert str(raised.value) == (
        f"{folder / f'benefits{suffix}'}: the file is empty (0 bytes): it should hold a header "
        "naming the columns, then one row per record; check that the extract ran and was saved"
    )
    assert raised.value.column is None


def test_a_file_whose_first_line_is_empty_has_no_header(make_folder):
    with pytest.raises(DataFileError) as raised:
        load(make_folder, benefits=b"\nA1,P1,universal_credit,2024-01-01\n")
    assert str(raised.value).endswith(
        "benefits.csv, row 1: has no header: its first line names no column. The first line "
        "must name the columns (person_id, household_id, ...), with one row per record after it"
    )


def test_an_excel_date_number_is_named_as_one_with_the_date_it_would_be(make_folder):
    data = load(
        make_folder,
        people=people_with("P1,H1,Ann,Smith,45123", "P2,H1,Ben,Smith,2023-05-06"),
        benefits=benefits_with(
            "A1,P2,universal_credit,01/02/2024,,,",
            "A2,P2,universal_credit,45292.5,,,",
        ),
    )
    assert quarantined(data) == [
        (
            "people", "people.csv", 2, "date_of_birth", "45123",
            "45123 is an Excel date number (it would be 2023-07-16), not a date in this "
            "column's format (YYYY-MM-DD): format the column as dates in the spreadsheet "
            "before saving it",
        ),
        (
            "benefits", "benefits.csv", 3, "start_date", "45292.5",
            "45292.5 is an Excel date number (it would be 01/01/2024), not a date in this "
            "column's format (dd/mm/yyyy): format the column as dates in the spreadsheet "
            "before saving it",
        ),
    ]  # fmt: skip
    summary = quarantine_summary(data.quarantine)
    assert summary["kind"].to_list() == ["Excel date number", "Excel date number"]


def test_a_negative_amount_is_shown_plainly_in_the_quarantine_file(make_folder, tmp_path):
    benefits = benefits_with("A1,P1,universal_credit,2024-01-01,,-5,")
    folder = make_folder({"people.csv": PEOPLE, "benefits.csv": benefits})
    out = tmp_path / "q.csv"
    assert validate(str(folder), "--quarantine-out", str(out)).exit_code == 0
    with open(out, newline="", encoding="utf-8") as handle:
        written = list(csv.reader(handle))
    # The value is the cell as written, escaped as any cell a spreadsheet would run; the
    # reason begins with the column, never with the value.
    assert written[1] == [
        "benefits", "benefits.csv", "2", "net_earned_income", "'-5",
        "net_earned_income -5 is outside the plausible range (0 to 10,000,000)",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        # A minus sign after the pound sign is still minus fifty pounds: below the range.
        ("£-50", "net_earned_income £-50 is outside the plausible range (0 to 10,000,000)"),
        ("-£50", "net_earned_income -£50 is outside the plausible range (0 to 10,000,000)"),
        # Excel's accounting format puts a space after the pound sign.
        ("£ -50", "net_earned_income £ -50 is outside the plausible range (0 to 10,000,000)"),
        ("-£ 50", "net_earned_income -£ 50 is outside the plausible range (0 to 10,000,000)"),
        (
            "£-1,200.50",
            "net_earned_income £-1,200.50 is outside the plausible range (0 to 10,000,000)",
        ),
        # Not a number: that reason alone, not a range it cannot be outside of too.
        ("-15,40", "not a number (expected digits like 15400 or £15,400.50)"),
        ("-1e5", "not a number (expected digits like 15400 or £15,400.50)"),
        ("£--5", "not a number (expected digits like 15400 or £15,400.50)"),
        ("£  50", "not a number (expected digits like 15400 or £15,400.50)"),
        ("- 50", "not a number (expected digits like 15400 or £15,400.50)"),
        ("1 200", "not a number (expected digits like 15400 or £15,400.50)"),
    ],
)
def test_a_negative_or_unreadable_amount_gets_one_reason(make_folder, written, reason):
    benefits = benefits_with(f'A1,P1,universal_credit,2024-01-01,,"{written}",')
    data = load(make_folder, benefits=benefits)
    assert quarantined(data) == [
        ("benefits", "benefits.csv", 2, "net_earned_income", written, reason)
    ]
    assert quarantine_summary(data.quarantine)["rows"].to_list() == [1]


def test_a_people_file_with_only_a_header_stops_the_run(make_folder):
    with pytest.raises(DataFileError, match=r"people.csv, row 2: has a header but no rows"):
        load(make_folder, people=people_with())


def test_a_nino_on_two_peoples_rows_is_a_warning_on_both(make_folder):
    people = PEOPLE + "P3,H2,Cy,Ray,1985-01-01,ab 12 34 56 c,,parent_carer\n"
    data = load(make_folder, people=people)
    shared = data.warnings.filter(pl.col("column") == "nino")
    assert shared.select("row", "value").rows() == [(2, "AB123456C"), (4, "ab 12 34 56 c")]
    assert set(shared["reason"]) == {SHARED_NINO}
    assert data.quarantine.is_empty()  # a warning: the rows are kept


def test_a_placeholder_in_the_nino_column_is_no_ones_nino(make_folder):
    people = PEOPLE.replace("AB123456C", "NOT KNOWN") + "P3,H2,Cy,Ray,1985-01-01,NOT KNOWN,,\n"
    data = load(make_folder, people=people)
    reasons = data.warnings.filter(pl.col("column") == "nino")["reason"].to_list()
    assert len(reasons) == 2 and SHARED_NINO not in reasons  # out of shape, twice: not shared


def test_a_quarantined_row_does_not_share_its_nino(make_folder):
    # The copy is quarantined (no date of birth): it counts for nothing, here too.
    people = PEOPLE + "P3,H2,Cy,Ray,,AB123456C,,parent_carer\n"
    data = load(make_folder, people=people)
    assert data.warnings.filter(pl.col("column") == "nino").is_empty()


def test_unknown_table_names_are_usage_errors(make_folder):
    folder = make_folder({"people.csv": PEOPLE, "benefits.csv": BENEFITS_CSV})
    with pytest.raises(UsageError, match="unknown table 'pets'"):
        find_table_file(folder, "pets")
    with pytest.raises(UsageError, match="unknown table"):
        load_folder(folder, tables=["pets"])
    with pytest.raises(UsageError, match="unknown table"):
        load_folder(folder, columns={"pets": ["name"]})


def test_a_folder_that_does_not_exist_is_a_data_file_error(tmp_path):
    with pytest.raises(DataFileError, match="is not a folder"):
        load_folder(tmp_path / "nowhere")


# --- which tables and columns are read ------------------------------------------------------


def test_optional_tables_absent_are_simply_not_loaded(make_folder):
    data = load(make_folder)
    assert sorted(data.tables) == ["benefits", "people"]
    with pytest.raises(WorkbenchError, match="table 'dwp_list' was not loaded"):
        data.lazy("dwp_list")
    assert data.lazy("people").collect().height == 2


def test_files_lists_the_files_read_and_ignored_lists_the_rest(make_folder):
    folder = make_folder({"people.csv": PEOPLE, "benefits.csv": BENEFITS_CSV, "notes.txt": "hi"})
    data = load_folder(folder)
    assert [p.name for p in data.files()] == ["benefits.csv", "people.csv"]
    assert [p.name for p in data.ignored] == ["notes.txt"]
    assert find_table_file(folder, "people") == folder / "people.csv"
    assert find_table_file(folder, "dwp_list") is None


def test_tables_restricts_what_is_read(make_folder):
    data = load(make_folder, tables=["people"])
    assert list(data.tables) == ["people"]
    assert [p.name for p in data.files()] == ["people.csv"]


def test_special_category_columns_are_not_read_without_equality_monitoring(make_folder):
    people = (
        people_with("P1,H1,Ann,Smith,1990-04-01")
        .replace("date_of_birth", "date_of_birth,sex,ethnicity")
        .replace("1990-04-01", "1990-04-01,F,WBRI")
    )
    assert "sex" not in load(make_folder, people=people).tables["people"].columns
    monitored = load(make_folder, people=people, equality_monitoring=True).tables["people"]
    assert monitored.select("sex", "ethnicity").row(0) == ("F", "WBRI")


def test_keep_checks_every_row_then_returns_only_the_columns_kept(make_folder):
    # P2 has no surname: quarantined as in any load, though the surname is not kept.
    people = (
        people_with("P1,H1,Ann,Smith,1990-04-01", "P2,H1,Bob,,1991-05-02")
        .replace("date_of_birth", "date_of_birth,ethnicity")
        .replace("1990-04-01", "1990-04-01,WBRI")
        .replace("1991-05-02", "1991-05-02,WIRI")
    )
    data = load(
        make_folder,
        people=people,
        tables=["people"],
        equality_monitoring=True,
        keep={"people": ["person_id", "ethnicity"]},
    )
    assert data.tables["people"].rows() == [("P1", "WBRI")]
    assert data.quarantine.select("row", "column").rows() == [(3, "surname")]
    assert data.reports["people"].accepted + data.reports["people"].quarantined == 2


def test_keep_names_only_columns_read(make_folder):
    with pytest.raises(UsageError, match="keep names columns not read from table people: sex"):
        load(make_folder, tables=["people"], keep={"people": ["person_id", "sex"]})
    with pytest.raises(UsageError, match="keep names columns not read from table benefits"):
        load(make_folder, tables=["people"], keep={"benefits": ["person_id"]})


def test_asking_for_a_special_category_column_without_the_flag_says_why(make_folder):
    with pytest.raises(UsageError, match=r"special category data \(UK GDPR Art\. 9\)"):
        load(make_folder, columns={"people": ["sex"]})


def test_columns_restricts_optional_columns_but_keeps_required_ones(make_folder):
    frame = load(make_folder, columns={"people": ["postcode"]}).tables["people"]
    assert frame.columns == [
        "person_id",
        "household_id",
        "forename",
        "surname",
        "date_of_birth",
        "postcode",
    ]


def test_unknown_column_asked_for_is_a_usage_error_with_a_hint(make_folder):
    with pytest.raises(UsageError, match="did you mean 'postcode'"):
        load(make_folder, columns={"people": ["postcod"]})


def test_dwp_list_without_record_ids_is_numbered_by_spreadsheet_row_and_child(make_folder):
    dwp = (
        "child_forename,child_surname,child_date_of_birth,parent_forename,parent_surname\n"
        "Ava,Li,2023-05-06,May,Li\n"
        "Bo,Li,2023-06-07,May,Li\n"
    )
    folder = make_folder({"people.csv": PEOPLE, "benefits.csv": BENEFITS_CSV, "dwp_list.csv": dwp})
    frame = load_folder(folder).tables["dwp_list"]
    # The row as a spreadsheet shows it, and the SHA-256 of the child's names and birth date.
    assert frame["record_id"].to_list() == ["dwp-row-2-9ce7a3", "dwp-row-3-59dec4"]
    assert hashlib.sha256(b"Ava\x1fLi\x1f2023-05-06").hexdigest()[:6] == "9ce7a3"
    # The next release of the list with another child on row 2: another id, so a decision
    # recorded about Ava's row is never shown against this child.
    (folder / "dwp_list.csv").write_text(dwp.replace("Ava,Li,2023-05-06", "Cy,Ng,2023-08-09"))
    again = load_folder(folder).tables["dwp_list"]
    assert again["record_id"].str.starts_with("dwp-row-").all()
    assert again["record_id"][0] not in frame["record_id"].to_list()
    assert again["record_id"][1] == frame["record_id"][1]  # Bo's row, unchanged


# --- other formats --------------------------------------------------------------------------


def _as_text_frame(csv_text: str) -> pl.DataFrame:
    return pl.read_csv(StringIO(textwrap.dedent(csv_text).lstrip("\n")), infer_schema=False)


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_parquet_and_xlsx_give_the_same_typed_frames_as_csv(make_folder, suffix):
    from_csv = load(make_folder)
    folder = make_folder(
        {
            f"people{suffix}": _as_text_frame(PEOPLE),
            f"benefits{suffix}": _as_text_frame(BENEFITS_CSV),
        }
    )
    other = load_folder(folder)
    for table in ("people", "benefits"):
        assert_frame_equal(other.tables[table], from_csv.tables[table])
    assert other.reports["people"].format == suffix[1:]


def test_parquet_with_typed_dates_and_numbers_is_taken_as_is(make_folder):
    people = pl.DataFrame(
        {
            "person_id": [1, 2],
            "household_id": ["H1", "H1"],
            "forename": ["Ann", "Ben"],
            "surname": ["Smith", "Smith"],
            "date_of_birth": [date(1990, 4, 1), None],
        }
    )
    benefits = pl.DataFrame(
        {
            "award_id": ["A1"],
            "person_id": ["1"],
            "benefit": ["universal_credit"],
            "start_date": [date(2024, 2, 1)],
            "end_date": [date(2024, 1, 1)],
            "net_earned_income": [12000],
        }
    )
    data = load_folder(make_folder({"people.parquet": people, "benefits.parquet": benefits}))
    assert data.tables["people"].row(0) == ("1", "H1", "Ann", "Smith", date(1990, 4, 1))
    assert quarantined(data) == [
        ("people", "people.parquet", 3, "date_of_birth", None, "required field is empty"),
        (
            "benefits",
            "benefits.parquet",
            2,
            "end_date",
            "2024-01-01",
            "end_date 2024-01-01 is before start_date 2024-02-01",
        ),
    ]


def test_parquet_datetimes_are_read_as_their_dates(make_folder):
    # pandas writes dates as datetime64[ns]; a system in England may write local midnight
    # with its zone, which in summer is 23:00 the day before in UTC.
    born = [datetime(1990, 4, 1), datetime(2024, 6, 1)]
    people = pl.DataFrame(
        {
            "person_id": ["1", "2"],
            "household_id": ["H1", "H1"],
            "forename": ["Ann", "Ben"],
            "surname": ["Smith", "Smith"],
            "date_of_birth": pl.Series(born, dtype=pl.Datetime("ns")),
        }
    )
    london = people.with_columns(
        pl.col("date_of_birth").dt.replace_time_zone("Europe/London").dt.cast_time_unit("us")
    )
    assert london["date_of_birth"].dt.convert_time_zone("UTC")[1] == datetime(
        2024, 5, 31, 23, tzinfo=UTC
    )
    for frame in (people, london):
        data = load_folder(make_folder({"people.parquet": frame}), tables=["people"])
        assert data.tables["people"]["date_of_birth"].to_list() == [
            date(1990, 4, 1),
            date(2024, 6, 1),
        ]
        assert quarantined(data) == []


def test_excel_date_cells_are_dates_whatever_the_text_dates_use(make_folder, tmp_path):
    import xlsxwriter

    path = tmp_path / "people.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["person_id", "household_id", "forename", "surname", "date_of_birth"])
    sheet.write_row(1, 0, ["P1", "H1", "Ann", "Smith"])
    sheet.write_datetime(1, 4, date(1990, 4, 1), book.add_format({"num_format": "dd/mm/yyyy"}))
    sheet.write_row(2, 0, ["P2", "H1", "Ben", "Smith", "06/05/2023"])
    sheet.write_row(3, 0, ["P3", "H1", "Cy", "Smith", "2023-05-07"])
    sheet.write_row(4, 0, ["P4", "H1", "Di", "Smith", "07/05/2023"])
    book.close()
    folder = make_folder({"people.xlsx": path.read_bytes(), "benefits.csv": BENEFITS_CSV})
    data = load_folder(folder)
    assert data.tables["people"]["date_of_birth"].to_list() == [
        date(1990, 4, 1),
        date(2023, 5, 6),
        date(2023, 5, 7),
    ]
    assert quarantined(data)[0][2:4] == (4, "date_of_birth")


@pytest.mark.parametrize("above", [0, 2])
def test_xlsx_rows_are_numbered_as_the_spreadsheet_shows_them_empty_rows_included(
    make_folder, tmp_path, above
):
    import xlsxwriter

    path = tmp_path / "people.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    header = ["person_id", "household_id", "forename", "surname", "date_of_birth"]
    sheet.write_row(above, 0, header)  # below `above` empty rows
    sheet.write_row(above + 1, 0, ["P1", "H1", "Ann", "Smith", "1990-04-01"])
    # above + 2: an empty row, in the middle of the data
    sheet.write_row(above + 3, 0, ["P2", "H1", "Ben", "Smith", "2019-02-31"])
    book.close()
    folder = make_folder({"people.xlsx": path.read_bytes(), "benefits.csv": BENEFITS_CSV})
    data = load_folder(folder)
    # The spreadsheet's rows: the header on row above + 1, the bad date on row above + 4.
    assert [(r[2], r[3], r[5][:12]) for r in quarantined(data)] == [
        (above + 3, "person_id", BLANK_ROW[:12]),
        (above + 4, "date_of_birth", "no such date"),
    ]
    assert (data.reports["people"].read, data.reports["people"].accepted) == (3, 1)


def test_a_workbook_whose_table_is_not_on_its_first_sheet_says_which_sheet_is_read(
    make_folder, tmp_path
):
    import xlsxwriter

    path = tmp_path / "people.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("Read me").write_row(0, 0, ["Client index extract"])
    book.add_worksheet("Data").write_row(0, 0, ["person_id", "household_id"])
    book.close()
    folder = make_folder({"people.xlsx": path.read_bytes(), "benefits.csv": BENEFITS_CSV})
    with pytest.raises(DataFileError) as raised:
        load_folder(folder)
    assert (
        "columns in the file: Client index extract (only the workbook's first sheet, "
        "'Read me', is read; it also has 'Data': put the table on the first sheet, save that "
        "sheet as CSV, or name it in a source profile: sheet)"
    ) in str(raised.value)


# --- clean.py ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" sw1a1aa ", "SW1A 1AA"),
        ("M1  1AE", "M1 1AE"),
        ("b33\t8th", "B33 8TH"),
        ("n1", "N1"),
        ("  ", None),
    ],
)
def test_postcode_normaliser(raw, expected):
    assert pl.select(clean.postcode(pl.lit(raw))).item() == expected


@pytest.mark.parametrize(
    ("value", "shape"),
    [("SW1A 1AA", True), ("GIR 0AA", True), ("M1 1AE", True), ("N1", False), ("SW1A1AA", False)],
)
def test_uk_postcode_shape(value, shape):
    assert pl.select(clean.is_uk_postcode(pl.lit(value))).item() is shape


@pytest.mark.parametrize(
    ("value", "shape"),
    [("AB123456C", True), ("AB123456E", False), ("DA123456A", False), ("TN123456A", False)],
)
def test_nino_shape(value, shape):
    assert pl.select(clean.is_nino(pl.lit(value))).item() is shape


def test_nino_shape_is_the_pattern_less_the_unallocated_prefixes_for_every_prefix():
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    values = pl.Series([a + b + "123456" + s for a in letters for b in letters for s in "ADE"])
    pattern = values.str.contains(clean.NINO_PATTERN)
    unallocated = values.str.head(2).is_in(clean.NINO_UNALLOCATED_PREFIXES)
    shape = pl.select(clean.is_nino(pl.lit(values))).to_series()
    assert shape.to_list() == (pattern & ~unallocated).to_list()
    assert shape.sum() == 2 * (20 * 19 - len(clean.NINO_UNALLOCATED_PREFIXES))


def test_name_normaliser_keeps_case_and_collapses_whitespace():
    assert pl.select(clean.name(pl.lit(" McDonald\u00a0 o'Neil "))).item() == "McDonald o'Neil"


def test_schema_tables_all_have_their_id_column_required():
    # The duplicate-id rule relies on ids being read in every file.
    assert all(t.column(t.id_column).required for t in TABLES.values())


# --- workbench validate -------------------------------------------------------------------------

BAD_BENEFITS = benefits_with(
    "A1,P1,universal_credit,2024-01-01,,,", "A1,P1,foo,2024-01-01,,,", "A3,P1,wtc_run_on,soon,,,"
)


def validate(*args: str):
    from typer.testing import CliRunner

    from workbench.cli import app

    return CliRunner().invoke(app, ["--quiet", "validate", *args])


def test_validate_prints_each_file_and_exits_0(make_folder):
    folder = make_folder({"people.csv": PEOPLE, "benefits.csv": BAD_BENEFITS, "notes.txt": "x"})
    result = validate(str(folder))
    assert result.exit_code == 0, result.output
    assert "│ people   │ people.csv   │ csv    │    2 │        2 │           0 │" in result.stdout
    assert "│ benefits │ benefits.csv │ csv    │    3 │        0 │           3 │" in result.stdout
    assert "duplicate id" in result.stdout and "bad date" in result.stdout
    assert "Quarantined: 3 row(s)." in result.stdout
    assert "Ignored (not a canonical table): notes.txt" in result.stdout


def test_validate_takes_the_folder_as_data_too_as_every_other_command_does(make_folder, tmp_path):
    folder = make_folder({"people.csv": PEOPLE, "benefits.csv": BAD_BENEFITS})
    as_argument = validate(str(folder))
    assert validate("--data", str(folder)).stdout == as_argument.stdout
    assert validate(str(folder), "--data", str(folder)).stdout == as_argument.stdout
    assert "Quarantined: 3 row(s)." in as_argument.stdout
    other = tmp_path / "other"
    two = validate(str(folder), "--data", str(other))  # the command line exits 2 on these
    assert isinstance(two.exception, UsageError)
    assert str(two.exception) == f"two folders given, {folder} and --data {other}: give one of them"
    none = validate()
    assert isinstance(none.exception, UsageError)
    assert str(none.exception) == "give the data folder: `workbench validate DIR` (or --data DIR)"


def test_validate_strict_exits_3_when_any_row_is_quarantined(make_folder):
    bad = make_folder({"people.csv": PEOPLE, "benefits.csv": BAD_BENEFITS})
    good = make_folder({"people.csv": PEOPLE, "benefits.csv": BENEFITS_CSV})
    assert validate(str(bad), "--strict").exit_code == 3
    assert validate(str(good), "--strict").exit_code == 0


def test_validate_writes_the_quarantine_csv(make_folder, tmp_path):
    folder = make_folder({"people.csv": PEOPLE, "benefits.csv": BAD_BENEFITS})
    out = tmp_path / "out" / "quarantine.csv"
    assert validate(str(folder), "--quarantine-out", str(out)).exit_code == 0
    written = pl.read_csv(out, infer_schema=False)
    assert written.columns == ["table", "file", "row", "column", "value", "reason"]
    assert written.select("row", "column", "value").rows() == [
        ("2", "award_id", "A1"),
        ("3", "award_id", "A1"),
        ("4", "start_date", "soon"),
    ]


def test_validate_exits_1_on_a_file_level_error(make_folder):
    people = "person_id,household_id,forename,surname\nP1,H1,Ann,Smith\n"
    result = validate(str(make_folder({"people.csv": people, "benefits.csv": BENEFITS_CSV})))
    assert result.exit_code == 1
    assert isinstance(result.exception, DataFileError)
    assert result.exception.column == "date_of_birth"


def test_validate_file_level_error_is_one_line_on_stderr(make_folder, monkeypatch, capsys):
    from workbench.cli import main

    people = "person_id,household_id,forename,surname\nP1,H1,Ann,Smith\n"
    folder = make_folder({"people.csv": people, "benefits.csv": BENEFITS_CSV})
    monkeypatch.setattr("sys.argv", ["workbench", "--quiet", "validate", str(folder)])
    with pytest.raises(SystemExit) as caught:
        main()
    assert caught.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"error: {folder / 'people.csv'}, column 'date_of_birth': required")


DWP_TWO_PROBLEMS = (
    "record_id,child_forename,child_surname,child_date_of_birth,parent_forename,parent_surname\n"
    "D1,,Smith,2023-13-45,Ann,Smith\n"
    "D2,Ben,Smith,2023-05-06,Ann,Smith\n"
    "D3,Cy,Smith,2023-05-06,,Smith\n"
)


def test_a_row_failing_two_columns_is_counted_under_both_but_once_as_a_row(make_folder):
    folder = make_folder({"people.csv": PEOPLE, "dwp_list.csv": DWP_TWO_PROBLEMS})
    result = validate(str(folder), "--for", "link")
    assert result.exit_code == 0, result.output
    assert "│ dwp_list │ dwp_list.csv │ csv    │    3 │        1 │           2 │" in result.stdout
    assert "│ dwp_list │ child_forename      │ empty required field │    1 │         2 │" in (
        result.stdout
    )
    assert "│ dwp_list │ child_date_of_birth │ impossible date      │    1 │         2 │" in (
        result.stdout
    )
    assert "│ dwp_list │ parent_forename     │ empty required field │    1 │         4 │" in (
        result.stdout
    )
    assert (
        "Quarantined: 2 row(s). A row with several problems is counted under each." in result.stdout
    )


def test_quarantine_problems_gives_one_entry_per_failing_column_and_rows_count_once(make_folder):
    from workbench.data.quarantine import quarantine_problems, quarantine_summary, quarantined_rows

    data = load(make_folder, benefits=benefits_with("A1,P1,foo,2024-02-01,2024-01-01,x,"))
    assert data.quarantine.height == data.reports["benefits"].quarantined == 1
    problems = quarantine_problems(data.quarantine)
    assert problems.select("row", "column", "reason").rows() == [
        (2, "benefit", f"'foo' is not one of: {ALLOWED_BENEFITS}"),
        (2, "end_date", "end_date 2024-01-01 is before start_date 2024-02-01"),
        (2, "net_earned_income", "not a number (expected digits like 15400 or £15,400.50)"),
    ]
    assert quarantined_rows(problems) == quarantined_rows(data.quarantine) == 1
    assert quarantine_summary(data.quarantine).select("column", "kind", "rows").rows() == [
        ("benefit", "unknown value", 1),
        ("end_date", "end before start", 1),
        ("net_earned_income", "not a number", 1),
    ]


def test_a_value_holding_a_semicolon_stays_in_its_own_problem():
    from workbench.data.quarantine import quarantine_problems

    reason = (
        "benefit: 'uc; child_tax_credit' is not one of: x; "
        "end_date 2024-01-01 is before start_date 2024-02-01"
    )
    frame = pl.DataFrame(
        {"table": ["benefits"], "file": ["benefits.csv"], "row": [2], "column": ["benefit"],
         "value": ["uc; child_tax_credit"], "reason": [reason]}
    )  # fmt: skip
    assert quarantine_problems(frame).select("column", "reason").rows() == [
        ("benefit", "'uc; child_tax_credit' is not one of: x"),
        ("end_date", "end_date 2024-01-01 is before start_date 2024-02-01"),
    ]


def test_validate_for_link_passes_a_folder_without_benefits_that_plain_validate_refuses(
    make_folder,
):
    folder = make_folder({"people.csv": PEOPLE, "dwp_list.csv": DWP_TWO_PROBLEMS})
    plain = validate(str(folder))
    assert plain.exit_code == 1
    assert isinstance(plain.exception, DataFileError)
    assert str(plain.exception) == (
        f"{folder}: required table 'benefits' is missing: expected benefits.csv, "
        "benefits.parquet or benefits.xlsx in this folder; `workbench link` does not need it: "
        "to check only the tables link reads (people, dwp_list, funded_places), run "
        f"`workbench validate {folder} --for link`"
    )
    for_link = validate(str(folder), "--for", "link")
    assert for_link.exit_code == 0, for_link.output
    assert "│ people   │ people.csv   │ csv    │    2 │        2 │           0 │" in for_link.stdout
    assert "Not in the folder (optional for link): funded_places" in for_link.stdout
    # Tables link does not read are not checked, even when present.
    with_benefits = make_folder(
        {"people.csv": PEOPLE, "benefits.csv": BAD_BENEFITS, "dwp_list.csv": DWP_TWO_PROBLEMS}
    )
    checked = validate(str(with_benefits), "--for", "link", "--strict")
    assert checked.exit_code == 3 and "benefits" not in checked.stdout


def test_validate_for_an_unknown_purpose_names_the_option(make_folder):
    folder = make_folder({"people.csv": PEOPLE, "benefits.csv": BENEFITS_CSV})
    result = validate(str(folder), "--for", "assess")
    assert isinstance(result.exception, UsageError)  # exit 2 from the `workbench` command
    assert result.exception.for_flag() == "--for must be one of link; got 'assess'"


def test_loads_of_different_tables_combine_as_one_load_of_them_all():
    folder = Path(__file__).parents[2] / "data_samples" / "council_messy"
    tables = ["people", "benefits", "child_statuses", "funded_places"]
    whole = load_folder(folder, tables=tables)
    parts = combine_loaded(
        load_folder(folder, tables=["funded_places", "benefits"]),
        load_folder(folder, tables=["people", "child_statuses"]),
    )
    assert whole.quarantine.height > 0 and whole.quarantine["table"].n_unique() > 1
    assert list(parts.tables) == list(whole.tables) == tables
    assert all(parts.tables[t].equals(whole.tables[t]) for t in tables)
    assert parts.quarantine.equals(whole.quarantine)
    assert parts.warnings.equals(whole.warnings)
    assert parts.reports == whole.reports
    with pytest.raises(ValueError, match="loaded twice"):
        combine_loaded(parts, load_folder(folder, tables=["people"]))


def test_a_blank_surname_and_an_excel_date_number_far_apart_are_both_quarantined(tmp_path):
    # A tester's 12,000-row people file (synth, two cells changed 4,600 rows apart) stopped
    # `validate` and `assess` with a polars panic and no file or row named: the quarantined
    # rows came out of the lazy filter in several chunks, and a string function in the
    # reason's when/then chain panicked on them.
    from workbench.synth.generate import generate_council, write_council

    write_council(generate_council(5000, seed=7), tmp_path / "data")
    path = tmp_path / "data" / "people.csv"
    people = pl.read_csv(path, infer_schema=False)
    people = people.with_columns(
        surname=pl.when(pl.int_range(pl.len()) == 494).then(None).otherwise("surname"),
        date_of_birth=pl.when(pl.int_range(pl.len()) == 5119)
        .then(pl.lit("36552"))
        .otherwise("date_of_birth"),
    )
    people.write_csv(path)
    data = load_folder(tmp_path / "data", tables=["people"])
    found = [(q[2], q[3], q[4]) for q in quarantined(data)]
    assert found == [(496, "surname", None), (5121, "date_of_birth", "36552")]
    assert data.reports["people"].quarantined == 2
