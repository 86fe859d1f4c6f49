"""Source profiles: a council's own extract read onto the data contract (issue 19, parts 1, 4)."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.command import workbench
from tests.data.extracts import PROFILE, write_council_extract
from workbench.data.profiles import EXAMPLE_PROFILES, ProfileError, load_profile, parse_profile
from workbench.data.quarantine import mostly_quarantined, quarantine_summary
from workbench.data.reading import find_table_file, load_folder
from workbench.errors import DataFileError
from workbench.synth import generate_council, write_council

CLIENTS = """
Client ID,Family,First Name,Last Name,DOB,Post Code,Relationship
C1,F1,Ann,Smith,01/04/1990,SW1A 1AA,Parent/Carer
C2,F1,Ben,Smith,06/05/2024,SW1A 1AA,CHILD
C3,F1,Cy,Smith,31/02/2024,SW1A 1AA,Step-parent
"""
AWARDS = """
Ref,Client,Benefit Type,From,To,Earnings
A1,C1,Universal Credit,01/01/2024,,"£12,000.50"
A2,C1,  jsa(ib) ,01/01/2024,,
A3,C1,Carers Allowance,01/01/2024,,
"""
# A parsed YAML document: nested dicts of whatever YAML holds.
MINIMAL: dict[str, Any] = {
    "version": 1,
    "date_format": "%d/%m/%Y",
    "tables": {
        "people": {
            "file": "clients*.csv",
            "columns": {
                "person_id": "Client ID",
                "household_id": "Family",
                "forename": "First Name",
                "surname": "last name",  # case and spaces ignored
                "date_of_birth": "DOB",
                "postcode": "Post Code",
                "role": {
                    "column": "Relationship",
                    "values": {"Parent/Carer": "parent_carer", "Child": "child"},
                },
            },
        },
        "benefits": {
            "file": "awards.csv",
            "columns": {
                "award_id": "Ref",
                "person_id": "Client",
                "benefit": {
                    "column": "Benefit Type",
                    "values": {
                        "Universal Credit": "universal_credit",
                        "JSA(IB)": "jsa_income_based",
                    },
                },
                "start_date": "From",
                "end_date": "To",
                "net_earned_income": "Earnings",
            },
        },
    },
}


def write_profile(folder: Path, document: object, name: str = "profile.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def extract(make_folder, tmp_path) -> tuple[Path, Path]:
    folder = make_folder({"clients 2026-08.csv": CLIENTS, "awards.csv": AWARDS}, name="extract")
    return folder, write_profile(tmp_path, MINIMAL)


def with_change(path: str, value: object) -> dict:
    """MINIMAL with the entry at a dotted path set to `value` (None removes it)."""
    document = json.loads(json.dumps(MINIMAL))
    *parents, last = path.split(".")
    entry = document
    for part in parents:
        entry = entry[part]
    if value is None:
        entry.pop(last)
    else:
        entry[last] = value
    return document


# --- reading through a profile ----------------------------------------------------------------


def test_extract_read_through_profile_gives_contract_tables(extract):
    folder, profile = extract
    data = load_folder(folder, profile=profile)
    people = data.tables["people"]
    assert people.select("person_id", "household_id", "role").rows() == [
        ("C1", "F1", "parent_carer"),
        ("C2", "F1", "child"),
    ]
    assert people["date_of_birth"].cast(str).to_list() == ["1990-04-01", "2024-05-06"]
    benefits = data.tables["benefits"]
    assert benefits.select("award_id", "benefit", "net_earned_income").rows() == [
        ("A1", "universal_credit", 12000.5),
        ("A2", "jsa_income_based", None),
    ]
    assert [f.name for f in data.files()] == ["awards.csv", "clients 2026-08.csv", "profile.yaml"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_file_whose_name_holds_brackets_is_read_as_named(make_folder, tmp_path, suffix):
    # Polars would take "[Aug]" for a pattern of file names, and find no file.
    clients = pl.read_csv(CLIENTS.strip().encode(), infer_schema=False)
    name = f"clients [Aug]{suffix}"
    folder = make_folder({name: clients, "awards.csv": AWARDS})
    profile = write_profile(tmp_path, with_change("tables.people.file", f"clients*{suffix}"))
    data = load_folder(folder, profile=profile)
    assert data.tables["people"]["person_id"].to_list() == ["C1", "C2"]
    assert data.reports["people"].file.name == name


def test_unmapped_values_are_quarantined_with_source_file_row_column_and_value(extract):
    folder, profile = extract
    data = load_folder(folder, profile=profile)
    assert data.quarantine.rows() == [
        (
            "people",
            "clients 2026-08.csv",
            4,
            "DOB",
            "31/02/2024",
            # With another problem, the column's part of the reason names the map too.
            "DOB: no such date in the calendar (this column uses dd/mm/yyyy); Relationship: "
            "'Step-parent' is not in the profile's value map (tables.people.columns.role.values, "
            "which maps 'Parent/Carer' and 'Child'): add it there",
        ),
        (
            "benefits",
            "awards.csv",
            4,
            "Benefit Type",
            "Carers Allowance",
            "'Carers Allowance' is not in the profile's value map "
            "(tables.benefits.columns.benefit.values, which maps 'Universal Credit' and "
            "'JSA(IB)'): add it there",
        ),
    ]
    # Summaries count every failing column, named as the source names it.
    assert quarantine_summary(data.quarantine).rows() == [
        ("people", "DOB", "impossible date", 1, 4),
        ("people", "Relationship", "unknown value", 1, 4),
        ("benefits", "Benefit Type", "unknown value", 1, 4),
    ]


def test_a_negative_amount_with_a_pound_sign_has_one_reason_naming_the_source(
    make_folder, tmp_path
):
    # `£-50` was "not a number" and "outside the plausible range" at once: it is minus fifty
    # pounds, below the range, and the quarantine says that alone, on the file's column.
    awards = AWARDS + 'A4,C1,Universal Credit,01/01/2024,,"£-50"\n'
    folder = make_folder({"clients.csv": CLIENTS, "awards.csv": awards})
    data = load_folder(folder, profile=write_profile(tmp_path, MINIMAL))
    rows = data.quarantine.filter(pl.col("file") == "awards.csv", pl.col("row") == 5)
    assert rows.select("column", "value", "reason").rows() == [
        (
            "Earnings",
            "£-50",
            "Earnings £-50 is outside the plausible range (0 to 10,000,000)",
        )
    ]
    summary = quarantine_summary(rows).select("column", "kind", "rows").rows()
    assert summary == [("Earnings", "implausible value", 1)]


# Awards whose earnings are written with three decimal places: £1.234, or £1,234 as a
# European export writes it. (`0.125` and `12345.678` read one way only.)
THREE_DECIMALS = """
Ref,Client,Benefit Type,From,To,Earnings
A1,C1,Universal Credit,01/01/2024,,1.234
A2,C1,Universal Credit,01/01/2024,,£12.345
A3,C1,Universal Credit,01/01/2024,,0.125
A4,C1,Universal Credit,01/01/2024,,"1.234,56"
A5,C1,Universal Credit,01/01/2024,,12345.678
A6,C1,Universal Credit,01/01/2024,,12.50
"""
TWO_WAYS = (
    " has three decimal places, so it reads two ways: £{} if awards.csv writes a decimal "
    "point, £{} if it writes a point between thousands (as European number formats do). Say "
    "which beside its file in the profile (tables.benefits.number_format): number_format: "
    "'1,234.56' or number_format: '1.234,56'"
)


def test_an_amount_with_three_decimal_places_is_quarantined_as_reading_two_ways(
    make_folder, tmp_path
):
    # `1.234` was read as £1.234 where a European-formatted extract means £1,234.
    folder = make_folder({"clients.csv": CLIENTS, "awards.csv": THREE_DECIMALS})
    profile = write_profile(tmp_path, MINIMAL)
    data = load_folder(folder, profile=profile)
    assert data.tables["benefits"].select("award_id", "net_earned_income").rows() == [
        ("A3", 0.125),
        ("A5", 12345.678),
        ("A6", 12.5),
    ]
    awards = data.quarantine.filter(pl.col("file") == "awards.csv")
    assert awards.select("row", "column", "value", "reason").rows() == [
        (2, "Earnings", "1.234", "Earnings 1.234" + TWO_WAYS.format("1.234", "1,234")),
        (3, "Earnings", "£12.345", "Earnings £12.345" + TWO_WAYS.format("12.345", "12,345")),
        (
            5,
            "Earnings",
            "1.234,56",
            "not a number as the contract writes them (1.234,56 looks written with a decimal "
            "comma, as European number formats write numbers): if awards.csv writes them so, "
            "say number_format: '1.234,56' beside its file in the profile "
            "(tables.benefits.number_format)",
        ),
    ]
    summary = quarantine_summary(awards).select("column", "kind", "rows").rows()
    assert summary == [("Earnings", "amount reads two ways", 2), ("Earnings", "not a number", 1)]
    # One line for the column, however many rows: most of them here, so the file looks
    # written the European way.
    result = workbench("validate", str(folder), "--profile", str(profile))
    warning = (
        "warning: awards.csv: 2 of 6 rows have three decimal places in Earnings (1.234, first "
        "at row 2), which reads two ways: £1.234, or £1,234 as European number formats write "
        "it. Say which beside its file in the profile (tables.benefits.number_format): "
        "number_format: '1,234.56' (a decimal point) or number_format: '1.234,56' (a decimal "
        "comma); until then those rows are quarantined"
    )
    assert warning in " ".join(result.stderr.split())
    # `assess` says it too (a note: the list is made without those rows), so a council that
    # never ran `validate` learns why its awards were set aside.
    result = workbench(
        "assess", "--initiative", "free_school_meals", "--data", str(folder),
        "--profile", str(profile), "--term-start", "2026-09-01", "--as-of", "2026-08-01",
        "--out", str(tmp_path / "list.csv"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert warning in " ".join(result.stderr.split())
    many = "Ref,Client,Benefit Type,From,To,Earnings\n" + "".join(
        f"A{i},C1,Universal Credit,01/01/2024,,{i}.{i:03}\n" for i in range(1, 1000)
    )
    folder = make_folder({"clients.csv": CLIENTS, "awards.csv": many})
    result = workbench("validate", str(folder), "--profile", str(profile))
    said = [line for line in result.stderr.splitlines() if "three decimal places" in line]
    assert said == [
        "warning: awards.csv: 999 of 999 rows have three decimal places in Earnings (1.001, "
        "first at row 2), which reads two ways: £1.234, or £1,234 as European number formats "
        "write it. Most of the file is written so: it looks written with points between "
        "thousands; if it is, say number_format: '1.234,56' beside its file in the profile "
        "(tables.benefits.number_format), else number_format: '1,234.56'; until then those "
        "rows are quarantined"
    ]


@pytest.mark.parametrize(
    ("number_format", "accepted", "quarantined"),
    [
        ("1,234.56", [1.234, 12.345, 0.125, 12345.678, 12.5], [5]),
        ("1.234,56", [1234.0, 12345.0, 1234.56], [4, 6, 7]),
    ],
)
def test_a_profile_says_how_a_file_writes_numbers(
    make_folder, tmp_path, number_format, accepted, quarantined
):
    folder = make_folder({"clients.csv": CLIENTS, "awards.csv": THREE_DECIMALS})
    document = with_change("tables.benefits.number_format", number_format)
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    assert data.tables["benefits"]["net_earned_income"].to_list() == accepted
    awards = data.quarantine.filter(pl.col("file") == "awards.csv")
    assert awards["row"].to_list() == quarantined
    assert set(quarantine_summary(awards)["kind"]) == {"not a number"}
    if number_format == "1.234,56":  # a point as a decimal point is not how the file writes
        assert awards["reason"][-1] == (
            "not a number (expected digits like 15400 or £15.400,50, as the profile's "
            "number_format says)"
        )


def test_a_contract_file_reads_three_decimal_places_as_it_always_has(make_folder):
    # The contract writes numbers with a decimal point: `1.234` in benefits.csv is 1.234.
    benefits = (
        "award_id,person_id,benefit,start_date,net_earned_income\n"
        "A1,P1,universal_credit,2024-01-01,1.234\n"
    )
    people = "person_id,household_id,forename,surname,date_of_birth\nP1,H1,Ann,Lee,1990-01-01\n"
    data = load_folder(make_folder({"people.csv": people, "benefits.csv": benefits}))
    assert data.tables["benefits"]["net_earned_income"].to_list() == [1.234]
    assert data.quarantine.is_empty()


def test_number_format_is_for_delimited_text_only(make_folder, tmp_path):
    clients = pl.read_csv(CLIENTS.lstrip().encode(), infer_schema=False)
    folder = make_folder({"awards.csv": AWARDS})
    clients.write_parquet(folder / "clients.parquet")
    document = with_change("tables.people.file", "clients.parquet")
    document["tables"]["people"]["number_format"] = "1.234,56"
    with pytest.raises(ProfileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, document))
    assert str(raised.value).endswith(
        "tables.people.number_format: clients.parquet is not a CSV file: number_format is for "
        "delimited text only (parquet and Excel files say their own); remove it"
    )


def test_profile_date_format_is_the_only_one_read(make_folder, tmp_path):
    clients = CLIENTS.replace("06/05/2024", "2024-05-06")
    folder = make_folder({"clients.csv": clients, "awards.csv": AWARDS})
    data = load_folder(folder, profile=write_profile(tmp_path, MINIMAL))
    row = data.quarantine.filter(row=3).row(0)
    assert row[3:] == (
        "DOB",
        "2024-05-06",
        "date written as YYYY-MM-DD but this column uses dd/mm/yyyy in this file "
        "(mixed date formats)",
    )


@pytest.mark.parametrize(
    ("date_format", "written", "label"),
    [
        ("%d/%m/%Y %H:%M", ["05/03/2024 00:00", "06/05/2024 14:30"], "dd/mm/yyyy hh:mm"),
        (
            "%Y-%m-%d %H:%M:%S%.f",
            ["2024-03-05 00:00:00.000", "2024-05-06 14:30:00"],
            "yyyy-mm-dd hh:mm:ss.fff",
        ),
        (
            "%d/%m/%Y %I:%M %p",
            ["05/03/2024 12:00 AM", "06/05/2024 2:30 pm"],
            "dd/mm/yyyy hh:mm am/pm",
        ),
    ],
)
def test_a_date_format_with_a_time_keeps_the_date(
    make_folder, tmp_path, date_format, written, label
):
    # Database and spreadsheet exports write dates with a time of day: the date is kept, the
    # time (real, or it is no date) dropped.
    first, second = written
    clients = CLIENTS.replace("01/04/1990", first).replace("06/05/2024", second)
    # A date without its time, in a column of dates with one, is in another format.
    clients = clients.replace("31/02/2024", "07/05/2024").replace("Step-parent", "Child")
    folder = make_folder({"clients.csv": clients, "awards.csv": AWARDS})
    document = with_change(
        "tables.people.columns.date_of_birth", {"column": "DOB", "date_format": date_format}
    )
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    people = data.tables["people"]
    assert people["date_of_birth"].cast(str).to_list() == ["2024-03-05", "2024-05-06"]
    assert data.quarantine.filter(row=4).select("column", "value", "reason").row(0) == (
        "DOB",
        "07/05/2024",
        f"date written as dd/mm/yyyy but this column uses {label} in this file (mixed date "
        "formats)",
    )


def test_a_date_with_an_impossible_time_is_quarantined_as_such(make_folder, tmp_path):
    clients = CLIENTS.replace("01/04/1990", "01/04/1990 25:00").replace(
        "06/05/2024", "06/05/2024 00:00"
    )
    folder = make_folder({"clients.csv": clients, "awards.csv": AWARDS})
    document = with_change("date_format", "%d/%m/%Y %H:%M")
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    assert data.quarantine.filter(row=2).select("column", "value", "reason").row(0) == (
        "DOB",
        "01/04/1990 25:00",
        "no such date in the calendar, or no such time of day (this column uses dd/mm/yyyy hh:mm)",
    )
    # Without the time in the format, the reason says which format would read them.
    data = load_folder(folder, profile=write_profile(tmp_path, MINIMAL))
    assert data.quarantine.filter(row=3).select("column", "reason").row(0) == (
        "DOB",
        "not a date in this column's format (dd/mm/yyyy): it has a time after the date, which "
        "date_format '%d/%m/%Y %H:%M' in a source profile reads (keeping the date)",
    )


def test_a_profile_date_format_the_dates_contradict_stops_the_run(make_folder, tmp_path):
    # The profile says day first; the file's dates are month first (12/25 exists only so).
    clients = CLIENTS.replace("01/04/1990", "12/25/1990").replace("31/02/2024", "02/01/2024")
    folder = make_folder({"clients.csv": clients, "awards.csv": AWARDS})
    with pytest.raises(DataFileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, MINIMAL))
    # Named as the file names it, as every other problem read through a profile is.
    assert (raised.value.row, raised.value.column) == (2, "DOB")
    assert str(raised.value).startswith("clients.csv, row 2, column 'DOB': the dates look ")
    assert (
        "the dates look written the other way round from the profile's date_format "
        "'%d/%m/%Y': 1 exist only as '%m/%d/%Y' (this row's is the first) and none only as "
        "'%d/%m/%Y', so those with a day up to 12 would be read with day and month swapped. "
        "Check the profile's date_format (is it '%m/%d/%Y'?)"
    ) in str(raised.value)
    # With the right date_format, the file is read.
    fixed = with_change("date_format", "%m/%d/%Y")
    people = load_folder(folder, profile=write_profile(tmp_path, fixed)).tables["people"]
    assert people["date_of_birth"].cast(str).to_list()[:2] == ["1990-12-25", "2024-06-05"]


def test_an_award_code_mapped_to_nothing_is_set_aside_counted_and_does_not_fail_strict(
    make_folder, tmp_path, monkeypatch
):
    from typer.testing import CliRunner

    from workbench.cli import app

    # `--profile` sets WORKBENCH_PROFILE for the process: restored after the test.
    monkeypatch.setenv("WORKBENCH_PROFILE", "")

    folder = make_folder({"clients.csv": CLIENTS, "awards.csv": AWARDS})
    values = MINIMAL["tables"]["benefits"]["columns"]["benefit"]["values"]
    document = with_change(
        "tables.benefits.columns.benefit.values", values | {"Carers Allowance": None}
    )
    profile = write_profile(tmp_path, document)
    data = load_folder(folder, profile=profile)
    awards = data.quarantine.filter(pl.col("file") == "awards.csv")
    assert awards.select("row", "column", "value", "reason").rows() == [
        (
            4,
            "Benefit Type",
            "Carers Allowance",
            "'Carers Allowance' is out of the rules' scope: the profile maps it to nothing "
            "(tables.benefits.columns.benefit.values), so the row counts for nothing",
        )
    ]
    assert quarantine_summary(awards).select("kind", "rows").rows() == [("out of scope", 1)]
    assert (data.reports["benefits"].read, data.reports["benefits"].quarantined) == (3, 1)
    # The people file's real slips (an impossible date, an unmapped role) still fail --strict;
    # with them mended, the award out of scope does not.
    args = ["--quiet", "validate", str(folder), "--profile", str(profile), "--strict"]
    assert CliRunner().invoke(app, args).exit_code == 3
    (folder / "clients.csv").write_text(
        CLIENTS.lstrip("\n").replace("31/02/2024", "29/02/2024").replace("Step-parent", "Child")
    )
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "1 of them set aside" in done.output
    assert "'Carers Allowance' -> (nothing: out of scope, set aside)   1 rows" in done.output


def test_validate_through_a_profile_on_a_missing_folder_is_one_line(tmp_path, monkeypatch):
    # A tester got fifty lines of traceback: the hint about `--for link` looked for the
    # profile's files in the folder that was not there.
    from typer.testing import CliRunner

    from workbench.cli import app

    monkeypatch.setenv("WORKBENCH_PROFILE", "")
    profile = write_profile(tmp_path, MINIMAL)
    missing = tmp_path / "no_such_extract"
    done = CliRunner().invoke(app, ["--quiet", "validate", str(missing), "--profile", str(profile)])
    # The command's own error (the entry point prints it in one line), not another's.
    assert isinstance(done.exception, DataFileError)
    assert str(done.exception) == (
        f"{missing}: is not a folder: expected a folder holding people.csv, benefits.csv, ..."
    )


def test_a_placeholder_in_an_optional_column_says_how_to_read_it_as_empty(make_folder, tmp_path):
    # A tester's household row was quarantined for `Savings: n/a`, its no-recourse flag with
    # it; the way round (a coalesce takes a placeholder as empty) was only implied.
    awards = AWARDS.replace('"£12,000.50"', "N/A ")
    folder = make_folder({"clients.csv": CLIENTS, "awards.csv": awards})
    data = load_folder(folder, profile=write_profile(tmp_path, MINIMAL))
    earnings = data.quarantine.filter(pl.col("column") == "Earnings")
    assert earnings.select("row", "value", "reason").rows() == [
        (
            2,
            "N/A ",
            "not a number (expected digits like 15400 or £15,400.50) ('N/A ' looks like a "
            "placeholder for not known: to read it as empty, map the column as {coalesce: "
            "[Earnings]}, and the rest of the row is read)",
        )
    ]
    # Placeholders in several columns of a row: each named, with its fix (a tester's hint
    # named only the first column, though the row's savings held one too).
    several = AWARDS.replace(',,"£12,000.50"', ",N/A,-")
    both = make_folder({"clients.csv": CLIENTS, "awards.csv": several})
    data = load_folder(both, profile=write_profile(tmp_path, MINIMAL))
    assert data.quarantine.filter(pl.col("table") == "benefits")["reason"].to_list()[0] == (
        "To: not a date in this column's format (dd/mm/yyyy); Earnings: not a number "
        "(expected digits like 15400 or £15,400.50) ('N/A' in To and '-' in Earnings look "
        "like placeholders for not known: to read them as empty, map end_date: {coalesce: "
        "[To]} and net_earned_income: {coalesce: [Earnings]}, and the rest of the row is read)"
    )
    # So mapped, the award is read, its earnings not known.
    document = with_change("tables.benefits.columns.net_earned_income", {"coalesce": ["Earnings"]})
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    assert data.quarantine.filter(pl.col("column") == "Earnings").is_empty()
    award = data.tables["benefits"].filter(pl.col("award_id") == "A1")
    assert award["net_earned_income"].to_list() == [None]
    # A value that is no placeholder gets no such hint.
    data = load_folder(
        make_folder({"clients.csv": CLIENTS, "awards.csv": AWARDS.replace('"£12,000.50"', "lots")}),
        profile=write_profile(tmp_path, MINIMAL),
    )
    (reason,) = data.quarantine.filter(pl.col("column") == "Earnings")["reason"]
    assert "placeholder" not in reason


def _workbook(path: Path, sheets: dict[str, str]) -> bytes:
    """An .xlsx workbook of `sheets`, each CSV text written as cells."""
    import csv
    import io

    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    for name, text in sheets.items():
        sheet = book.add_worksheet(name)
        for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\n")))):
            sheet.write_row(number, 0, row)
    book.close()
    return path.read_bytes()


def test_a_profile_names_the_sheet_of_a_workbook_that_opens_on_notes(make_folder, tmp_path):
    # A tester's benefits workbook opened on a "Notes" sheet; the profile could not say where
    # the table was, and the error did not say only the first sheet was read.
    notes = "Extract produced by Revenues team. Do not share.\n"
    awards = _workbook(tmp_path / "awards.xlsx", {"Notes": notes, "Awards": AWARDS})
    folder = make_folder({"clients.csv": CLIENTS, "awards.xlsx": awards})
    document = with_change("tables.benefits.file", "awards.xlsx")
    with pytest.raises(ProfileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, document))
    assert str(raised.value).endswith(
        "(its columns: Extract produced by Revenues team. Do not share.); only its first "
        "sheet, 'Notes', was read, and it also has 'Awards': name the table's sheet as "
        "tables.benefits.sheet (sheet: 'Awards')"
    )
    document["tables"]["benefits"]["sheet"] = "Awards"
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    assert data.tables["benefits"]["award_id"].to_list() == ["A1", "A2"]
    unmapped = data.quarantine.filter(pl.col("file") == "awards.xlsx")
    assert unmapped.select("row", "column", "value").rows() == [
        (4, "Benefit Type", "Carers Allowance")
    ]
    # A sheet the workbook does not have, and a sheet for a CSV file, are refused by name.
    document["tables"]["benefits"]["sheet"] = "Award"
    with pytest.raises(DataFileError) as no_sheet:
        load_folder(folder, profile=write_profile(tmp_path, document))
    assert str(no_sheet.value).endswith(
        "has no sheet 'Award' (the profile's sheet); its sheets: 'Notes', 'Awards'"
    )
    document["tables"]["people"]["sheet"] = "Clients"
    with pytest.raises(ProfileError, match=r"clients\.csv is not an Excel workbook: sheet is for"):
        load_folder(folder, profile=write_profile(tmp_path, document))


def test_a_profile_names_the_header_row_of_a_sheet_with_a_title_above(make_folder, tmp_path):
    # A tester's workbook had a title and a blank row above its header: its columns came out
    # as the title and "__UNNAMED__1".
    from workbench.data.quarantine import quarantined_record

    titled = "Benefits extract produced 01/08/2026\n\n" + AWARDS.lstrip("\n")
    awards = _workbook(tmp_path / "awards.xlsx", {"Awards": titled})
    folder = make_folder({"clients.csv": CLIENTS, "awards.xlsx": awards})
    document = with_change("tables.benefits.file", "awards.xlsx")
    with pytest.raises(ProfileError, match="its columns: Benefits extract produced"):
        load_folder(folder, profile=write_profile(tmp_path, document))
    document["tables"]["benefits"]["header_row"] = 3
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    assert data.tables["benefits"]["award_id"].to_list() == ["A1", "A2"]
    # Rows numbered as the spreadsheet shows them: the header on row 3, A3 on row 6.
    unmapped = data.quarantine.filter(pl.col("file") == "awards.xlsx")
    assert unmapped.select("row", "column", "value").rows() == [
        (6, "Benefit Type", "Carers Allowance")
    ]
    assert quarantined_record(data, "benefits", "award_id", "A3")["row"].to_list() == [6]


def test_a_profile_names_the_header_row_of_a_csv_file_with_a_title_above(make_folder, tmp_path):
    # A tester's CSV had a title line and a run date above its header: the first line was
    # read as the header, and its empty names were "one column twice".
    from workbench.data.quarantine import quarantined_record

    titled = 'Benefits payments extract,,,,,\n"Run 02/08/2026, 06:00",,,,,\n' + AWARDS.lstrip()
    folder = make_folder({"clients 2026-08.csv": CLIENTS, "awards.csv": titled})
    with pytest.raises(DataFileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, MINIMAL))
    assert str(raised.value).endswith(
        "awards.csv, row 1: row 1 looks like a title ('Benefits payments extract'), not a "
        "header, and row 3 looks like the header (Ref, Client, Benefit Type, From, ...): say "
        "header_row: 3 beside the table's file in a source profile (the rows above it are "
        "then skipped), or remove the lines above the header"
    )
    document = with_change("tables.benefits.header_row", 3)
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    assert data.tables["benefits"]["award_id"].to_list() == ["A1", "A2"]
    # Rows numbered as a spreadsheet shows them: the header on row 3, A3 on row 6.
    unmapped = data.quarantine.filter(pl.col("file") == "awards.csv")
    assert unmapped.select("row", "column", "value").rows() == [
        (6, "Benefit Type", "Carers Allowance")
    ]
    assert quarantined_record(data, "benefits", "award_id", "A3")["row"].to_list() == [6]
    # A title alone on its line (one field) is said the same way.
    alone = "Awards report\n" + AWARDS.lstrip()
    folder = make_folder({"clients 2026-08.csv": CLIENTS, "awards.csv": alone})
    with pytest.raises(
        DataFileError,
        match=r"row 1 looks like a title \('Awards report'\), not "
        r"a header, and row 2 looks like the header .*header_row: 2 beside",
    ):
        load_folder(folder, profile=write_profile(tmp_path, MINIMAL))
    data = load_folder(
        folder, profile=write_profile(tmp_path, with_change("tables.benefits.header_row", 2))
    )
    assert data.tables["benefits"]["award_id"].to_list() == ["A1", "A2"]
    # A header row the file does not reach.
    document = with_change("tables.benefits.header_row", 9)
    with pytest.raises(DataFileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, document))
    assert str(raised.value).endswith(
        "awards.csv: has 5 rows, so none is row 9, where the source profile's header_row says "
        "the header is"
    )


def test_header_row_is_for_workbooks_and_delimited_text_only(make_folder, tmp_path):
    clients = pl.read_csv(CLIENTS.lstrip().encode(), infer_schema=False)
    folder = make_folder({"awards.csv": AWARDS})
    clients.write_parquet(folder / "clients.parquet")
    document = with_change("tables.people.file", "clients.parquet")
    document["tables"]["people"]["header_row"] = 2
    with pytest.raises(ProfileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, document))
    assert str(raised.value).endswith(
        "tables.people.header_row: clients.parquet is not an Excel workbook or delimited "
        "text: header_row is for .xlsx and .csv (.txt, .tsv) files only; remove it"
    )


# Awards with a column the profile does not read written twice (`Payment Amount`).
PAID_TWICE = """
Ref,Client,Payment Amount,Benefit Type,From,To,Earnings,Payment Amount
A1,C1,£10.00,Universal Credit,01/01/2024,,"£12,000.50",£20.00
A2,C1,£11.00,  jsa(ib) ,01/01/2024,,,£21.00
"""


def test_a_column_twice_in_the_header_that_nothing_reads_is_left_out(make_folder, tmp_path):
    # A tester's benefits extract had two `Payment Amount` columns, which the profile never
    # reads: the load stopped, and a council cannot edit its extract every month.
    folder = make_folder({"clients 2026-08.csv": CLIENTS, "awards.csv": PAID_TWICE})
    data = load_folder(folder, profile=write_profile(tmp_path, MINIMAL))
    assert data.tables["benefits"].select("award_id", "net_earned_income").rows() == [
        ("A1", 12000.5),
        ("A2", None),
    ]
    result = workbench("validate", str(folder), "--profile", str(tmp_path / "profile.yaml"))
    assert "  not read: Payment Amount (twice in the header)" in result.stdout.splitlines()


def test_a_column_twice_in_the_header_that_the_profile_reads_is_an_error(make_folder, tmp_path):
    folder = make_folder({"clients 2026-08.csv": CLIENTS, "awards.csv": PAID_TWICE})
    document = with_change("tables.benefits.columns.net_earned_income", "payment amount")
    with pytest.raises(DataFileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, document))
    assert str(raised.value).endswith(
        "awards.csv, row 1, column 'Payment Amount': columns 3 and 8 ('Payment Amount') are "
        "one column twice, and the profile reads it for net_earned_income "
        "(tables.benefits.columns.net_earned_income): keep one in the file, or rename the other"
    )
    # The mapping `validate --profile` shows first says so too.
    result = workbench("validate", str(folder), "--profile", str(tmp_path / "profile.yaml"))
    assert result.returncode == 1
    assert "are one column twice, and the profile reads it for net_earned_income" in (result.stderr)
    # Written otherwise (case, spaces), the profile can name the one it reads exactly.
    folder = make_folder(
        {
            "clients 2026-08.csv": CLIENTS,
            "awards.csv": PAID_TWICE.replace("Earnings,Payment Amount", "Earnings,PAYMENT  AMOUNT"),
        }
    )
    with pytest.raises(DataFileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, document))
    assert str(raised.value).endswith(
        "awards.csv, row 1, column 'Payment Amount': columns 3 and 8 ('Payment Amount' and "
        "'PAYMENT  AMOUNT') are one column twice, and the profile reads it for "
        "net_earned_income (tables.benefits.columns.net_earned_income): name one in the "
        "profile exactly as written ('Payment Amount' or 'PAYMENT  AMOUNT'), or keep one in "
        "the file"
    )
    document = with_change("tables.benefits.columns.net_earned_income", "PAYMENT  AMOUNT")
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    assert data.tables["benefits"]["net_earned_income"].to_list() == [20.0, 21.0]


def _openpyxl_workbook(path: Path, sheets: dict[str, str]) -> bytes:
    """An .xlsx workbook of `sheets`, each CSV text written as cells (an empty field: an empty
    cell), made with openpyxl."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.worksheets[0])
    for name, text in sheets.items():
        sheet = book.create_sheet(name)
        for number, row in enumerate(csv.reader(text.lstrip("\n").splitlines()), start=1):
            for column, value in enumerate(row, start=1):
                if value:
                    sheet.cell(number, column, value)
    book.save(path)
    return path.read_bytes()


# A title and an empty row above the header: the header on row 3 of the sheet.
TITLED_PAID_TWICE = "Benefits payments extract\n\n" + PAID_TWICE.lstrip("\n")


@pytest.mark.parametrize("header_row", [None, 3])
def test_a_sheet_column_twice_that_nothing_reads_is_left_out(make_folder, tmp_path, header_row):
    # As in a CSV file: the Excel reader names the second `Payment Amount` apart itself, which
    # is never read; nothing reads the first either.
    awards = TITLED_PAID_TWICE if header_row else PAID_TWICE
    workbook = _openpyxl_workbook(
        tmp_path / "awards.xlsx", {"Notes": "See below\n", "Awards": awards}
    )
    folder = make_folder({"clients 2026-08.csv": CLIENTS, "awards.xlsx": workbook})
    document = with_change("tables.benefits.file", "awards.xlsx")
    document["tables"]["benefits"].update({"sheet": "Awards", "header_row": header_row})
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    assert data.tables["benefits"].select("award_id", "net_earned_income").rows() == [
        ("A1", 12000.5),
        ("A2", None),
    ]
    result = workbench("validate", str(folder), "--profile", str(tmp_path / "profile.yaml"))
    assert "  not read: Payment Amount (twice in the header)" in result.stdout.splitlines()


@pytest.mark.parametrize("header_row", [None, 3])
def test_a_sheet_column_twice_that_the_profile_reads_is_an_error(make_folder, tmp_path, header_row):
    # Read before, the first `Payment Amount` was taken as the only one, with nothing said.
    awards = TITLED_PAID_TWICE if header_row else ",\n" + PAID_TWICE.lstrip("\n")
    workbook = _openpyxl_workbook(
        tmp_path / "awards.xlsx", {"Notes": "See below\n", "Awards": awards}
    )
    folder = make_folder({"clients 2026-08.csv": CLIENTS, "awards.xlsx": workbook})
    document = with_change("tables.benefits.columns.net_earned_income", "payment amount")
    document["tables"]["benefits"].update(
        {"file": "awards.xlsx", "sheet": "Awards", "header_row": header_row}
    )
    with pytest.raises(DataFileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, document))
    # The header's row as the sheet shows it: the profile's, or the first filled in (below an
    # empty row).
    row = header_row or 2
    assert str(raised.value).endswith(
        f"awards.xlsx, row {row}, column 'Payment Amount': columns C and H ('Payment Amount') "
        "are one column twice, and the profile reads it for net_earned_income "
        "(tables.benefits.columns.net_earned_income): keep one in the file, or rename the other"
    )
    # The mapping `validate --profile` shows first says so too.
    result = workbench("validate", str(folder), "--profile", str(tmp_path / "profile.yaml"))
    assert result.returncode == 1
    assert (
        f"awards.xlsx, row {row}, column 'Payment Amount': columns C and H ('Payment Amount') "
        "are one column twice, and the profile reads it for net_earned_income"
    ) in result.stderr


def test_a_sheet_column_twice_is_named_by_its_letters_where_the_table_starts_in_column_b(
    make_folder, tmp_path
):
    # The reader passes over an empty column A, as over empty rows above: the duplicated
    # columns were numbered from B (3 and 8 for the sheet's D and I).
    awards = "\n".join("," + line for line in PAID_TWICE.strip().splitlines())
    workbook = _openpyxl_workbook(tmp_path / "awards.xlsx", {"Awards": awards})
    folder = make_folder({"clients 2026-08.csv": CLIENTS, "awards.xlsx": workbook})
    document = with_change("tables.benefits.columns.net_earned_income", "payment amount")
    document["tables"]["benefits"]["file"] = "awards.xlsx"
    with pytest.raises(DataFileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, document))
    assert str(raised.value).endswith(
        "awards.xlsx, row 1, column 'Payment Amount': columns D and I ('Payment Amount') "
        "are one column twice, and the profile reads it for net_earned_income "
        "(tables.benefits.columns.net_earned_income): keep one in the file, or rename the other"
    )
    # A contract file read without a profile says the same of a column it reads.
    people = "\n".join(
        ",,," + line
        for line in [
            "person_id,household_id,forename,surname,date_of_birth,surname",
            "P1,H1,Ann,Lee,1990-01-01,Smith",
        ]
    )
    workbook = _openpyxl_workbook(tmp_path / "people.xlsx", {"People": people})
    folder = make_folder({"people.xlsx": workbook, "benefits.csv": BENEFITS_TWICE_FREE})
    with pytest.raises(DataFileError) as raised:
        load_folder(folder, profile=None)
    assert str(raised.value).endswith(
        "people.xlsx, row 1, column 'surname': columns G and I ('surname') are one column "
        "twice: keep one, or rename the other"
    )


BENEFITS_TWICE_FREE = "award_id,person_id,benefit,start_date\nA1,P1,universal_credit,2025-01-01\n"


@pytest.mark.parametrize("read", [False, True])
def test_a_sheet_header_written_twice_as_a_number_is_handled_like_text(make_folder, tmp_path, read):
    # Two header cells holding the number 2024 (a column per year, twice): left out when
    # nothing reads them, refused when the profile reads one, as text headers are.
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.worksheets[0]
    rows: list[list[str | int | None]] = [
        ["Ref", "Client", 2024, "Benefit Type", "From", "To", "Earnings", 2024],
        ["A1", "C1", 10, "Universal Credit", "01/01/2024", None, "£12,000.50", 20],
    ]
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(number, column, value)
    book.save(tmp_path / "awards.xlsx")
    folder = make_folder(
        {"clients 2026-08.csv": CLIENTS, "awards.xlsx": (tmp_path / "awards.xlsx").read_bytes()}
    )
    document = with_change("tables.benefits.file", "awards.xlsx")
    if not read:
        data = load_folder(folder, profile=write_profile(tmp_path, document))
        assert data.tables["benefits"].select("award_id", "net_earned_income").rows() == [
            ("A1", 12000.5)
        ]
        result = workbench("validate", str(folder), "--profile", str(tmp_path / "profile.yaml"))
        assert "  not read: 2024 (twice in the header)" in result.stdout.splitlines()
        return
    document["tables"]["benefits"]["columns"]["net_earned_income"] = "2024"
    with pytest.raises(DataFileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, document))
    assert str(raised.value).endswith(
        "awards.xlsx, row 1, column '2024': columns C and H ('2024') are one column twice, "
        "and the profile reads it for net_earned_income "
        "(tables.benefits.columns.net_earned_income): keep one in the file, or rename the other"
    )


def test_a_date_error_names_the_row_as_a_spreadsheet_shows_it_below_a_title(make_folder, tmp_path):
    # The quarantine numbered the rows below a profile's header_row as a spreadsheet shows
    # them; the error of dates written month first named the row as if the header were row 1.
    clients = CLIENTS.replace("06/05/2024", "12/25/2023").replace("31/02/2024", "02/01/2024")
    titled = 'Client index extract,,,,,,\n"Run 02/08/2026, 06:00",,,,,,\n' + clients.lstrip()
    workbook = _openpyxl_workbook(tmp_path / "clients.xlsx", {"Clients": titled})
    for name, content in (("clients.csv", titled), ("clients.xlsx", workbook)):
        folder = make_folder({name: content, "awards.csv": AWARDS})
        document = with_change("tables.people.file", name)
        document["tables"]["people"]["header_row"] = 3
        with pytest.raises(DataFileError) as raised:
            load_folder(folder, profile=write_profile(tmp_path, document))
        # The header on row 3, C1 on row 4, C2 (the first dated month first) on row 5.
        assert (raised.value.row, raised.value.column) == (5, "DOB")
        assert str(raised.value).startswith(
            f"{name}, row 5, column 'DOB': the dates look written the other way round from the "
            "profile's date_format '%d/%m/%Y': 1 exist only as '%m/%d/%Y' (this row's is the "
            "first)"
        )


def test_a_profile_may_read_a_repeated_line_once(make_folder, tmp_path):
    # A tester's extract repeated a parent's line: both copies were quarantined (the
    # contract's rule for a duplicated id), the parent's awards with them, and their child
    # left the list. A council whose extract repeats lines says so in its profile.
    from workbench.data.quarantine import quarantine_summary, set_aside_rows

    parent = "C1,F1,Ann,Smith,01/04/1990,SW1A 1AA,Parent/Carer"
    clients = CLIENTS.replace(parent, f"{parent}\n{parent}")
    folder = make_folder({"clients.csv": clients, "awards.csv": AWARDS})
    data = load_folder(folder, profile=write_profile(tmp_path, MINIMAL))
    assert "C1" not in data.tables["people"]["person_id"].to_list()
    document = with_change("tables.people.repeated_rows", "once")
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    assert data.tables["people"]["person_id"].to_list() == ["C1", "C2"]
    people = data.quarantine.filter(pl.col("table") == "people")
    assert people.select("row", "column", "reason").rows()[0] == (
        3,
        "Client ID",
        "Client ID C1 repeats row 2 exactly (the same in every column read): only the first "
        "is read, so that no one is counted twice",
    )
    assert quarantine_summary(people)["kind"].to_list()[0] == "repeated row"
    assert set_aside_rows(people) == 1
    assert data.tables["benefits"]["person_id"].to_list() == ["C1", "C1"]  # the awards count
    # Rows of one id that differ are quarantined whole, whatever the profile says.
    differ = make_folder(
        {"clients.csv": CLIENTS.replace(parent, f"{parent}\n{parent.replace('Ann', 'Anne')}"),
         "awards.csv": AWARDS}
    )  # fmt: skip
    data = load_folder(differ, profile=write_profile(tmp_path, document))
    assert "C1" not in data.tables["people"]["person_id"].to_list()


def test_a_duplicated_id_names_the_columns_its_rows_differ_in_as_the_file_does(
    make_folder, tmp_path
):
    # A tester's benefits extract had a row per payment: a claim's rows differed in
    # "Net Earnings (annual)", and the reason ("Claim Ref A0010523 appears on rows 18301,
    # 18302, 18303") did not say why `repeated_rows: once` had not read them once.
    payment = 'A1,C1,Universal Credit,01/01/2024,,"£12,000.50"'
    awards = AWARDS.replace(payment, f"{payment}\n{payment.replace('12,000.50', '12,600')}")
    folder = make_folder({"clients.csv": CLIENTS, "awards.csv": awards})
    document = with_change("tables.benefits.repeated_rows", "once")
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    benefits = data.quarantine.filter(pl.col("table") == "benefits")
    reason = "Ref A1 appears on rows 2, 3; they differ in Earnings"
    assert benefits.select("row", "column", "reason").rows()[:2] == [
        (2, "Ref", reason),
        (3, "Ref", reason),
    ]
    assert quarantine_summary(benefits).row(0) == ("benefits", "Ref", "duplicate id", 2, 2)


def test_repeats_with_another_problem_are_one_line_of_the_summary(make_folder, tmp_path):
    # A tester's `validate` printed a summary line per claim ("Claim Ref A0000079 repeats
    # row 131 exactly (the same in every column read)", kind other), over 2,000 of them: a
    # copy of a row with a bad number had its repeat taken for a column of the file.
    lines = ["A1,C1,Universal Credit,01/01/2024,,lots", "A2,C1,  jsa(ib) ,01/01/2024,,lots"]
    awards = "Ref,Client,Benefit Type,From,To,Earnings\n" + "\n".join(
        [lines[0]] * 3 + [lines[1]] * 2
    )
    folder = make_folder({"clients.csv": CLIENTS, "awards.csv": awards})
    document = with_change("tables.benefits.repeated_rows", "once")
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    benefits = data.quarantine.filter(pl.col("table") == "benefits")
    assert benefits.filter(pl.col("row") == 3)["reason"].to_list() == [
        "Ref A1 repeats row 2 exactly (the same in every column read): only the first is "
        "read, so that no one is counted twice; Earnings: not a number (expected digits like "
        "15400 or £15,400.50)"
    ]
    assert quarantine_summary(benefits).rows() == [
        ("benefits", "Earnings", "not a number", 5, 2),
        ("benefits", "Ref", "repeated row", 3, 3),
    ]


def test_only_an_award_or_status_code_may_be_mapped_to_nothing(tmp_path):
    values = MINIMAL["tables"]["people"]["columns"]["role"]["values"]
    document = with_change("tables.people.columns.role.values", values | {"Child": None})
    with pytest.raises(ProfileError) as raised:
        load_profile(write_profile(tmp_path, document))
    assert "only a code of an award (benefits.benefit) or a status" in str(raised.value)
    assert "role needs a value for every code" in str(raised.value)


def test_derived_columns_concat_split_coalesce_and_a_constant(make_folder, tmp_path):
    folder = make_folder(
        {
            "clients.csv": """
            Id,Fam,Name,Address,Old Postcode,New Postcode,Born
            7,12,"Lee, Ann","1 High St|Town",SW1A 1AA,,05-Jan-1990
            8,12,"Lee, Bo","1 High St|Town",,SW1A 2AA,17-Mar-2024
            """,
            "benefits.csv": "award_id,person_id,benefit,start_date\n",
        }
    )
    document = {
        "version": 1,
        "tables": {
            "people": {
                "file": "clients.csv",
                "columns": {
                    "person_id": {"concat": [{"text": "P"}, "Id"], "separator": ""},
                    "household_id": {"concat": [{"text": "H"}, "Fam"], "separator": "-"},
                    "surname": {"split": {"column": "Name", "separator": ",", "index": 0}},
                    "forename": {"split": {"column": "Name", "separator": ",", "index": -1}},
                    "address_line_1": {
                        "split": {"column": "Address", "separator": "|", "index": 0}
                    },
                    "postcode": {"coalesce": ["New Postcode", "Old Postcode"]},
                    "role": {"value": "other"},
                    "date_of_birth": {"column": "Born", "date_format": "%d-%b-%Y"},
                },
            }
        },
    }
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    assert data.tables["people"].select(
        "person_id", "household_id", "forename", "surname", "address_line_1", "postcode", "role"
    ).rows() == [
        ("P7", "H-12", "Ann", "Lee", "1 High St", "SW1A 1AA", "other"),
        ("P8", "H-12", "Bo", "Lee", "1 High St", "SW1A 2AA", "other"),
    ]
    assert data.tables["people"]["date_of_birth"].cast(str).to_list() == [
        "1990-01-05",
        "2024-03-17",
    ]


def test_coalesce_passes_over_a_cell_of_spaces_to_the_next_column(make_folder, tmp_path):
    # A cell of spaces is empty: taken as the first filled-in, it would be blanked by the
    # checks and the NINO in the next column lost.
    folder = make_folder(
        {
            "clients.csv": (
                "Id,Fam,Surname,Born,NI Number,NINO (legacy)\n"
                "1,12,Lee,01/02/1990, ,AB123456C\n"
                "2,12,Lee,01/02/1991,CD123456A,AB654321C\n"
                "3,12,Lee,01/02/1992,   ,\n"
            ),
            "benefits.csv": "award_id,person_id,benefit,start_date\n",
        }
    )
    document = {
        "version": 1,
        "tables": {
            "people": {
                "file": "clients.csv",
                "columns": {
                    "person_id": "Id",
                    "household_id": "Fam",
                    "forename": {"value": "X"},
                    "surname": "Surname",
                    "date_of_birth": {"column": "Born", "date_format": "%d/%m/%Y"},
                    "nino": {"coalesce": ["NI Number", "NINO (legacy)"]},
                },
            }
        },
    }
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    assert data.tables["people"]["nino"].to_list() == ["AB123456C", "CD123456A", None]


@pytest.mark.parametrize(
    "placeholder", ["N/A", "n/a", "NULL", "-", "none", "unknown", ".", " #N/A ", "Not Known"]
)
def test_coalesce_passes_over_a_placeholder_to_the_next_column(make_folder, tmp_path, placeholder):
    # A placeholder says nothing is known: taken as the first filled-in, it would hide the
    # NINO in the next column (and be warned of as a NINO out of shape).
    folder = make_folder(
        {
            "clients.csv": (
                "Id,Fam,Surname,Born,NI Number,NINO (legacy)\n"
                f"1,12,Lee,01/02/1990,{placeholder},AB123456C\n"
                "2,12,Lee,01/02/1991,CE123456A,AB654321C\n"
                f"3,12,Lee,01/02/1992,{placeholder},\n"
                f"4,12,Lee,01/02/1993,{placeholder},{placeholder}\n"
            ),
            "benefits.csv": "award_id,person_id,benefit,start_date\n",
        }
    )
    document = with_change(
        "tables",
        {
            "people": {
                "file": "clients.csv",
                "columns": {
                    "person_id": "Id",
                    "household_id": "Fam",
                    "forename": {"value": "X"},
                    "surname": "Surname",
                    "date_of_birth": "Born",
                    "nino": {"coalesce": ["NI Number", "NINO (legacy)"]},
                },
            }
        },
    )
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    assert data.tables["people"]["nino"].to_list() == ["AB123456C", "CE123456A", None, None]
    assert data.warnings.is_empty() and data.quarantine.is_empty()


def test_a_required_column_coalesced_from_placeholders_is_quarantined_showing_them(
    make_folder, tmp_path
):
    # Placeholders are empty to a coalesce, but never silently: a required column left empty
    # is quarantined as such, the cells it came from shown.
    folder = make_folder(
        {
            "clients.csv": (
                "Id,Old Id,Fam,Surname,Born\n"
                "1,,12,Lee,01/02/1990\n"
                "N/A,C7,12,Lee,01/02/1991\n"
                "N/A,-,12,Lee,01/02/1992\n"
            ),
            "benefits.csv": "award_id,person_id,benefit,start_date\n",
        }
    )
    document = with_change(
        "tables",
        {
            "people": {
                "file": "clients.csv",
                "columns": {
                    "person_id": {"coalesce": ["Id", "Old Id"]},
                    "household_id": "Fam",
                    "forename": {"value": "X"},
                    "surname": "Surname",
                    "date_of_birth": "Born",
                },
            }
        },
    )
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    assert data.tables["people"]["person_id"].to_list() == ["1", "C7"]
    assert data.quarantine.select("file", "row", "column", "value", "reason").rows() == [
        ("clients.csv", 4, "Id or Old Id", "N/A or -", "required field is empty")
    ]


def test_a_row_quarantined_for_a_derived_column_shows_the_cells_it_came_from(make_folder, tmp_path):
    # The derived value is empty (a split finding no comma) or not what the file holds (a
    # date put together): the analyst needs the cells as the file holds them.
    folder = make_folder(
        {
            "clients.csv": (
                "Id,Name,Day,Month,Year,Details\n"
                '1,"Lee, Ann",1,2,1990,F1|White British\n'
                "2,Bo Lee,1,2,1991,F1|White British\n"
                '3,"Lee, Cy",3,x,2020,F1|White British\n'
                '4,"Lee, Di",4,5,,F1|White British\n'
                '5,"Lee, Ed",5,6,2021,|Mixed: White and Asian\n'
            ),
            "benefits.csv": "award_id,person_id,benefit,start_date\n",
        }
    )
    document = with_change(
        "tables",
        {
            "people": {
                "file": "clients.csv",
                "columns": {
                    "person_id": "Id",
                    "household_id": {"split": {"column": "Details", "separator": "|", "index": 0}},
                    "ethnicity": {"split": {"column": "Details", "separator": "|", "index": 1}},
                    "surname": {"split": {"column": "Name", "separator": ",", "index": 0}},
                    "forename": {"split": {"column": "Name", "separator": ",", "index": 1}},
                    "date_of_birth": {"concat": ["Day", "Month", "Year"], "separator": "/"},
                },
            }
        },
    )
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    assert data.quarantine.select("row", "column", "value", "reason").rows() == [
        (3, "Name (part 1)", "Bo Lee", "required field is empty"),
        (
            4,
            "Day + Month + Year",
            "3 + x + 2020",
            "not a date in this column's format (dd/mm/yyyy)",
        ),
        (
            5,
            "Day + Month + Year",
            "4 + 5 + (empty)",
            "not a date in this column's format (dd/mm/yyyy)",
        ),
        # A column also read for a special-category column (ethnicity) is never quoted.
        (6, "Details (part 0)", "(special category: not shown)", "required field is empty"),
    ]


@pytest.mark.parametrize(
    ("relationships", "roles", "all_written"),
    [
        (["Parent/Carer", "Child", None], ["parent_carer", "child", None], True),
        # Another case: mapped, by the slower path that finds the distinct values.
        (["Parent/Carer", "CHILD"], ["parent_carer", "child"], False),
        # Not in the map: left as written, for the checks to quarantine.
        (["Child", "Step-parent"], ["child", "Step-parent"], False),
    ],
)
def test_the_checks_skip_only_a_column_the_map_wrote_every_value_of(
    tmp_path, relationships, roles, all_written
):
    # Values the map wrote are the contract's by construction, so check_rows is told not to
    # test them again (`mapped`); a value the map did not write must still be tested.
    from workbench.data.schema import TABLES

    profile = parse_profile(MINIMAL, tmp_path / "p.yaml")
    headers = ["Client ID", "Family", "First Name", "Last Name", "DOB", "Post Code"]
    plan = profile.plan(
        TABLES["people"], tmp_path / "clients.csv", [*headers, "Relationship"], ("role",)
    )
    raw = pl.DataFrame({"Relationship": relationships}, schema={"Relationship": pl.String})
    mapped, written = plan.mapped_values(raw.select(plan.columns))
    assert mapped["role"].to_list() == roles
    assert written == ({"role"} if all_written else set())


def test_tables_the_profile_does_not_map_are_read_from_contract_files(make_folder, tmp_path):
    folder = make_folder(
        {
            "clients.csv": CLIENTS,
            "benefits.csv": (
                "award_id,person_id,benefit,start_date\nA9,C1,income_support,2024-01-01\n"
            ),
        }
    )
    only_people = {
        "version": 1,
        "date_format": "%d/%m/%Y",
        "tables": {"people": MINIMAL["tables"]["people"]},
    }
    profile = write_profile(tmp_path, only_people)
    data = load_folder(folder, profile=profile)
    assert data.tables["benefits"]["award_id"].to_list() == ["A9"]
    assert [r.file.name for r in data.reports.values()] == ["clients.csv", "benefits.csv"]
    people_file = find_table_file(folder, "people", profile)
    benefits_file = find_table_file(folder, "benefits", profile)
    assert people_file is not None and people_file.name == "clients.csv"
    assert benefits_file is not None and benefits_file.name == "benefits.csv"


@settings(max_examples=40, deadline=None)
@given(
    spelling=st.sampled_from(["Universal Credit", "JSA(IB)"]),
    cases=st.lists(st.booleans(), min_size=16, max_size=16),
    padding=st.tuples(st.sampled_from(["", " ", "  "]), st.sampled_from(["", " ", "\t"])),
    inner=st.sampled_from([" ", "  ", " \t "]),
)
def test_value_maps_ignore_case_and_runs_of_space(
    tmp_path_factory, spelling, cases, padding, inner
):
    written = "".join(
        c.upper() if up else c.lower() for c, up in zip(spelling, cases, strict=False)
    )
    written = padding[0] + written.replace(" ", inner) + padding[1]
    folder = tmp_path_factory.mktemp("maps")
    (folder / "clients.csv").write_text(
        "Client ID,Family,First Name,Last Name,DOB,Post Code,Relationship\nC1,F1,A,B,01/01/1990,,\n"
    )
    (folder / "awards.csv").write_text(
        f'Ref,Client,Benefit Type,From,To,Earnings\nA1,C1,"{written}",01/01/2024,,\n'
    )
    data = load_folder(folder, profile=parse_profile(MINIMAL, folder / "p.yaml"))
    expected = {"Universal Credit": "universal_credit", "JSA(IB)": "jsa_income_based"}[spelling]
    assert data.tables["benefits"]["benefit"].to_list() == [expected]
    assert data.quarantine.is_empty()


# --- the same council in two shapes -----------------------------------------------------------


@pytest.fixture(scope="module")
def two_shapes(tmp_path_factory) -> tuple[Path, Path]:
    tables = generate_council(600, 19260901)
    root = tmp_path_factory.mktemp("shapes")
    write_council(tables, root / "contract")
    write_council_extract(tables, root / "extract")
    return root / "contract", root / "extract"


def test_extract_through_profile_loads_the_same_tables_as_contract_files(two_shapes):
    contract, extract = two_shapes
    plain = load_folder(contract, equality_monitoring=True)
    profiled = load_folder(extract, profile=PROFILE, equality_monitoring=True)
    assert list(profiled.tables) == list(plain.tables)
    for name, table in plain.tables.items():
        assert profiled.tables[name].equals(table), name
    assert profiled.quarantine.is_empty() and plain.quarantine.is_empty()


def test_the_analysts_load_reads_an_extract_through_a_profile(two_shapes):
    # workbench.load, the public API, takes the profile as the command line's --profile does.
    from workbench import load

    contract, extract = two_shapes
    plain = load(contract, tables=["people", "benefits"])
    profiled = load(extract, tables=["people", "benefits"], profile=PROFILE)
    assert profiled.profile is not None and plain.profile is None
    for name, table in plain.tables.items():
        assert profiled.tables[name].equals(table), name


def test_a_list_of_data_loaded_through_a_profile_records_the_profile_as_an_input(
    two_shapes, tmp_path
):
    # workbench.assess(workbench.load(..., profile=...)) wrote a manifest without the profile:
    # the run could not be reproduced from its manifest, and its run id was not the CLI's.
    from workbench import assess, load

    _, extract = two_shapes
    dates = {"term_start": "2026-09-01", "as_of": "2026-08-01"}
    written = assess(load(extract, profile=PROFILE), "two_year_old", **dates).write(
        tmp_path / "api" / "list.csv"
    )
    done = workbench(
        "assess", "--initiative", "two_year_old", "--data", str(extract),
        "--profile", str(PROFILE), "--term-start", "2026-09-01", "--as-of", "2026-08-01",
        "--out", str(tmp_path / "cli" / "list.csv"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    api = json.loads(written.manifest.read_text())
    cli = json.loads((tmp_path / "cli" / "list.csv.manifest.json").read_text())
    profile_hash = hashlib.sha256(PROFILE.read_bytes()).hexdigest()
    assert api["inputs"][PROFILE.name] == profile_hash
    assert api["inputs"] == cli["inputs"]
    assert written.out.read_bytes() == (tmp_path / "cli" / "list.csv").read_bytes()


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def assess_both_shapes(contract: Path, extract: Path, profile: Path, out: Path) -> dict[str, Path]:
    """`workbench assess` on the contract files and on the extract read through `profile`;
    checks both lists are the same row for row but for the run id (the inputs, and so the
    run, differ by design) and their DWP not-listed files byte for byte; returns the lists."""
    dates = ["--term-start", "2026-09-01", "--as-of", "2026-08-01"]
    lists = {}
    for name, data, extra in (
        ("contract", contract, []),
        ("extract", extract, ["--profile", str(profile)]),
    ):
        written = out / name / "two.csv"
        done = workbench(
            "assess", "--initiative", "two_year_old", "--data", str(data), *dates,
            "--out", str(written), *extra,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "warning" not in done.stderr
        lists[name] = written
    contract_rows, extract_rows = _rows(lists["contract"]), _rows(lists["extract"])
    assert len(contract_rows) > 5
    assert contract_rows[0][-1] == "run_id"
    assert [r[:-1] for r in extract_rows] == [r[:-1] for r in contract_rows]
    unlisted = [p.parent / "two.dwp_not_listed.csv" for p in lists.values()]
    assert unlisted[0].read_bytes() == unlisted[1].read_bytes()
    return lists


@pytest.mark.slow
def test_assess_lists_are_identical_from_contract_files_and_from_an_extract(two_shapes, tmp_path):
    contract, extract = two_shapes
    lists = assess_both_shapes(contract, extract, PROFILE, tmp_path)
    manifest = json.loads((lists["extract"].parent / "two.csv.manifest.json").read_text())
    assert (
        manifest["inputs"]["council_extract.yaml"]
        == hashlib.sha256(PROFILE.read_bytes()).hexdigest()
    )
    assert "Client Index.csv" in manifest["inputs"]


# --- a profile that cannot work: one clear message naming the entry ---------------------------


@pytest.mark.parametrize(
    ("change", "value", "message"),
    [
        (
            "tables.people.columns.date_of_brith",
            "DOB",
            "tables.people.columns.date_of_brith: people has no column 'date_of_brith': did "
            "you mean 'date_of_birth'?",
        ),
        (
            "tables.benefits.columns.benefit",
            {"column": "Benefit Type", "values": {"UC": "universal_credits"}},
            "tables.benefits.columns.benefit.values.UC: 'universal_credits' is not a value of "
            "benefit: did you mean 'universal_credit'?",
        ),
        (
            "tables.benefits.columns.net_earned_income",
            {"column": "Earnings", "values": {"nil": "0"}},
            "tables.benefits.columns.net_earned_income.values: a value map is for coded "
            "columns (enums and true/false); net_earned_income is a decimal",
        ),
        (
            "tables.benefits.columns.benefit",
            {
                "column": "Benefit Type",
                "values": {"UC": "universal_credit", "uc ": "income_support"},
            },
            # Named by their lines in the file (a profile made in Python: by the entry).
            "line 27: 'uc ' and 'UC' (line 26) of tables.benefits.columns.benefit.values are "
            "the same code (a value map matches codes ignoring case and runs of space) but map "
            "to 'income_support' and 'universal_credit': remove one, or say which is meant",
        ),
        (
            "tables.people.columns.forename",
            {"column": "First Name", "split": {"column": "X", "separator": " ", "index": 0}},
            "tables.people.columns.forename: give exactly one of column, concat, split, "
            "coalesce, pad, value; got column, split",
        ),
        (
            "tables.peeple",
            {"file": "x.csv"},
            "tables.peeple: not a contract table: did you mean 'people'?",
        ),
        (
            "tables.people.connection",
            "COUNCIL_DB",
            "tables.people.query: missing: a table read from a database needs the SQL",
        ),
        ("tables.people.file", None, "tables.people.file: missing: name the file"),
        (
            "tables.people.file",
            "../elsewhere.csv",
            "tables.people.file: '../elsewhere.csv' must be a name inside",
        ),
        ("date_format", "%d/%m/%y", "date_format: '%d/%m/%y': two-digit years (%y) are ambiguous"),
        (
            "date_format",
            "%d/%m/%Y %H",
            "date_format: '%d/%m/%Y %H': a time needs an hour and minutes: %H:%M (or %H:%M:%S), "
            "or %I:%M %p for a 12-hour clock with am/pm",
        ),
        (
            "date_format",
            "%d/%m/%Y %I:%M",
            "date_format: '%d/%m/%Y %I:%M': a 12-hour clock (%I) needs am/pm (%p)",
        ),
        (
            "date_format",
            "%d/%m/%Y %H:%M %Z",
            "date_format: '%d/%m/%Y %H:%M %Z': %Z is not allowed; use %d, %m, %b, %B and %Y "
            "with literal separators, like %d/%m/%Y or %d-%b-%Y, then optionally a time, like "
            "%d/%m/%Y %H:%M or %d/%m/%Y %H:%M:%S",
        ),
        ("tables.people.tab", "Sheet1", "tables.people.tab: Extra inputs are not permitted"),
        ("version", 2, "version: Input should be 1"),
        (
            "tables.people.encoding",
            "latin-1",
            "tables.people.encoding: Input should be 'utf-8' or 'windows-1252'",
        ),
    ],
)
def test_a_bad_profile_is_refused_naming_the_entry(tmp_path, change, value, message):
    path = write_profile(tmp_path, with_change(change, value))
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert str(raised.value).startswith(f"profile {path}: {message}")


@pytest.mark.parametrize(
    ("codes", "read_as"),
    [("{Yes: true, No: false}", "true or false"), ("{1: x, 2: y}", "a number")],
)
def test_a_value_map_code_yaml_reads_as_a_flag_or_number_says_to_quote_it(tmp_path, codes, read_as):
    path = tmp_path / "profile.yaml"
    path.write_text(
        "version: 1\ntables:\n  households:\n    file: hh.csv\n    columns:\n"
        "      household_id: Ref\n      no_recourse_to_public_funds:\n"
        f"        column: NRPF\n        values: {codes}\n"
    )
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert str(raised.value).startswith(
        f"profile {path}: tables.households.columns.no_recourse_to_public_funds.values: a code "
        f"YAML reads as {read_as}, not as text (Yes, No, On, Off, 1, 2...): write every code "
        "in quotes, as 'Yes': true or '1': parent_carer"
    )


def test_a_profile_column_the_file_lacks_is_named_with_a_hint(make_folder, tmp_path):
    folder = make_folder({"clients.csv": CLIENTS, "awards.csv": AWARDS})
    profile = write_profile(tmp_path, with_change("tables.people.columns.forename", "First Nmae"))
    with pytest.raises(ProfileError) as raised:
        load_folder(folder, profile=profile)
    assert str(raised.value) == (
        f"profile {profile}: tables.people.columns.forename: column 'First Nmae' is not in "
        "clients.csv: did you mean 'First Name'? (its columns: Client ID, Family, First Name, "
        "Last Name, DOB, Post Code, Relationship)"
    )


def test_a_file_the_profile_names_but_the_folder_lacks(make_folder, tmp_path):
    folder = make_folder({"clients.csv": CLIENTS, "award.csv": AWARDS})
    profile = write_profile(tmp_path, MINIMAL)
    with pytest.raises(ProfileError) as raised:
        load_folder(folder, profile=profile)
    assert str(raised.value) == (
        f"profile {profile}: tables.benefits.file: no file matches 'awards.csv' in {folder}: "
        "did you mean 'award.csv'?"
    )


def test_a_glob_matching_two_files_is_refused(make_folder, tmp_path):
    folder = make_folder({"clients 1.csv": CLIENTS, "clients 2.csv": CLIENTS, "awards.csv": AWARDS})
    profile = write_profile(tmp_path, MINIMAL)
    with pytest.raises(ProfileError, match=r"tables.people.file: 'clients\*.csv' matches 2 files"):
        load_folder(folder, profile=profile)


def test_a_missing_or_unreadable_profile_file(tmp_path):
    with pytest.raises(DataFileError, match="no such profile file"):
        load_profile(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("tables: [unclosed\n")
    with pytest.raises(ProfileError, match=r"broken.yaml: is not valid YAML"):
        load_profile(broken)


def test_every_shipped_profile_is_valid():
    shipped = sorted(EXAMPLE_PROFILES.glob("*.yaml"))
    assert {p.stem for p in shipped} >= {
        "council_extract",
        "hb_ctr_extract",
        "social_care_extract",
        "dwp_two_year_old_list",
        "provider_headcount",
    }
    for path in shipped:
        assert load_profile(path).tables, path.name


# --- no silent emptiness ----------------------------------------------------------------------


def test_mostly_quarantined_file_is_said_plainly(make_folder, tmp_path):
    awards = "Ref,Client,Benefit Type,From,To,Earnings\n" + "".join(
        f"A{i},C1,Carers Allowance,01/01/2024,,\n" for i in range(3)
    )
    folder = make_folder({"clients.csv": CLIENTS, "awards.csv": awards})
    profile = write_profile(tmp_path, MINIMAL)
    data = load_folder(folder, profile=profile)
    assert mostly_quarantined(data) == [
        "awards.csv: 3 of 3 rows (100%) are quarantined and count for nothing; the commonest "
        "problem is unknown value in column 'Benefit Type' (first at row 2). See `workbench "
        "validate --quarantine-out FILE` for every row; check how the profile profile.yaml "
        "maps table benefits (tables.benefits)"
    ]


@pytest.mark.slow  # over 8 s: make test-slow (CI runs both)
def test_assess_on_a_misfit_extract_says_so_and_strict_exits_3(two_shapes, tmp_path):
    contract, extract = two_shapes
    document = yaml.safe_load(PROFILE.read_text())
    document["tables"]["benefits"]["columns"]["benefit"].pop("values")
    misfit = write_profile(tmp_path, document, "misfit.yaml")
    args = [
        "assess", "--initiative", "two_year_old", "--data", str(extract), "--term-start",
        "2026-09-01", "--as-of", "2026-08-01", "--linkage", "exact", "--profile", str(misfit),
    ]  # fmt: skip
    dwp = ["--out", str(tmp_path / "a.csv")]
    done = workbench(*args, *dwp)
    assert done.returncode == 0
    assert "warning: Benefits Extract.csv: " in done.stderr
    assert "(100%) are quarantined" in done.stderr
    assert "check how the profile misfit.yaml maps table benefits" in done.stderr
    strict = workbench(*args, "--out", str(tmp_path / "b.csv"), "--strict")
    assert strict.returncode == 3, strict.stderr
    # stats and explain, which read the same folder, say it too (on stderr, not published).
    common = ["--initiative", "two_year_old", "--data", str(extract), "--profile", str(misfit)]
    days = ["--term-start", "2026-09-01", "--as-of", "2026-08-01"]
    stats = workbench("stats", *common, *days, "--out", str(tmp_path / "stats"))
    person = _rows(contract / "people.csv")[1][0]
    explained = workbench("explain", *common, *days, "--person", person)
    assert explained.returncode == 0, explained.stderr
    for done in (stats, explained):
        assert "warning: Benefits Extract.csv: " in done.stderr, done.stderr
        assert "check how the profile misfit.yaml maps table benefits" in done.stderr
    published = "".join(p.read_text() for p in (tmp_path / "stats").iterdir() if p.is_file())
    assert "quarantined" not in published


def test_an_empty_list_with_children_in_the_window_is_said(make_folder, tmp_path):
    folder = make_folder(
        {
            "clients.csv": CLIENTS,
            "awards.csv": AWARDS.replace("Universal Credit", "Carers Allowance").replace(
                "jsa(ib)", "Carers Allowance"
            ),
        }
    )
    profile = write_profile(tmp_path, MINIMAL)
    args = [
        "assess", "--initiative", "two_year_old", "--data", str(folder), "--term-start",
        "2026-09-01", "--as-of", "2026-08-01", "--linkage", "exact", "--profile", str(profile),
        "--out", str(tmp_path / "list.csv"),
    ]  # fmt: skip
    done = workbench(*args)
    assert done.returncode == 0, done.stderr
    assert (
        "warning: the list is empty, yet 1 child(ren) in the people table are in the "
        "two_year_old age window for the term starting 2026-09-01"
    ) in done.stderr
    assert "the profile profile.yaml (its value maps for benefits and statuses)" in done.stderr
    assert workbench(*args, "--strict").returncode == 3


def test_validate_through_a_profile_and_a_bad_profile_on_the_command_line(extract):
    folder, profile = extract
    done = workbench("validate", str(folder), "--profile", str(profile))
    assert done.returncode == 0, done.stderr
    assert "clients 2026-08.csv" in done.stdout and "Benefit Type" in done.stdout
    bad = profile.with_name("bad.yaml")
    bad.write_text(profile.read_text().replace("date_of_birth: DOB", "date_of_brith: DOB"))
    refused = workbench("validate", str(folder), "--profile", str(bad))
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"error: profile {bad}: tables.people.columns.date_of_brith: people has no column "
        "'date_of_brith': did you mean 'date_of_birth'? (its columns: person_id, "
        "household_id, forename, surname, date_of_birth, nino, address_line_1, postcode, "
        "role, school_urn, sex, ethnicity, first_language)"
    ]


@pytest.mark.slow  # over 8 s: make test-slow (CI runs both)
def test_the_review_workbook_and_subject_access_read_an_extract_through_its_profile(
    two_shapes, tmp_path
):
    # A list made through a profile is reviewed, and a person found, through the same profile:
    # every command that reads the data folder takes --profile.
    contract, extract = two_shapes
    lists = assess_both_shapes(contract, extract, PROFILE, tmp_path)
    listed, store = lists["extract"], str(tmp_path / "review.sqlite")
    export = ("review", "export", "--store", store, "--list", str(listed))
    without = workbench(*export, "--out", str(tmp_path / "without.xlsx"))
    assert without.returncode != 0
    assert "has no people file" in without.stderr and "Traceback" not in without.stderr
    assert "through the source profile council_extract.yaml: give it with --profile" in (
        without.stderr
    )
    done = workbench(*export, "--out", str(tmp_path / "review.xlsx"), "--profile", str(PROFILE))
    assert done.returncode == 0, done.stderr
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "review.xlsx").worksheets[0]
    headers = [c.value for c in next(sheet.iter_rows(max_row=1))]
    column = headers.index("child_name")
    names = [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(names) > 5 and all(names)
    child = _rows(listed)[1][0]
    found = workbench(
        "subject-access", "--data", str(two_shapes[1]), "--person", child,
        "--list", str(listed), "--out", str(tmp_path / "sar.md"), "--profile", str(PROFILE),
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    assert child in (tmp_path / "sar.md").read_text()


# --- a CSV file not in UTF-8 --------------------------------------------------------------------

# Written by Excel's "CSV (Comma delimited)" or an older system: Windows-1252, not UTF-8.
CLIENTS_1252 = CLIENTS.lstrip("\n").replace("Ann,Smith", "Zoë,Sméth").encode("cp1252")
AWARDS_1252 = AWARDS.lstrip("\n").replace("Carers Allowance", "Carer’s Allowance").encode("cp1252")


def test_a_csv_file_in_windows_1252_is_read_through_a_profile_that_says_so(make_folder, tmp_path):
    folder = make_folder({"clients.csv": CLIENTS_1252, "awards.csv": AWARDS_1252})
    document = with_change("tables.people.encoding", "windows-1252")
    document["tables"]["benefits"]["encoding"] = "windows-1252"
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    people = data.tables["people"]
    assert people.select("person_id", "forename", "surname").rows() == [
        ("C1", "Zoë", "Sméth"),
        ("C2", "Ben", "Smith"),
    ]
    # A value the map does not hold is quarantined as written, decoded: Carer’s, not Carer\x92s.
    unmapped = data.quarantine.filter(pl.col("file") == "awards.csv")
    assert unmapped.select("row", "column", "value").rows() == [
        (4, "Benefit Type", "Carer’s Allowance")
    ]


def test_a_csv_file_not_in_utf_8_stops_the_load_naming_its_row_and_column(make_folder, tmp_path):
    folder = make_folder({"clients.csv": CLIENTS_1252, "awards.csv": AWARDS})
    with pytest.raises(DataFileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, MINIMAL))
    assert str(raised.value) == (
        f"{folder / 'clients.csv'}, row 2, column 'First Name': is not UTF-8 text: a character "
        'here is written in another encoding (Excel\'s "CSV (Comma delimited)" writes '
        'Windows-1252). Save the file as "CSV UTF-8", or read it through a source profile '
        "that says encoding: windows-1252 beside its file"
    )
    assert "Zo" not in str(raised.value)  # the value itself is never quoted
    # A contract file too, and a header in another encoding is row 1.
    contract = make_folder(
        {"people.csv": "person_id,household_id,foreñame\nP1,H1,A\n".encode("cp1252")}
    )
    with pytest.raises(DataFileError, match=r"people.csv, row 1: is not UTF-8 text"):
        load_folder(contract, tables=["people"])
    # The way out the message gives: a profile naming only the file and its encoding.
    people = "person_id,household_id,forename,surname,date_of_birth\nP1,H1,José,Ruíz,1990-04-01\n"
    contract = make_folder({"people.csv": people.encode("cp1252")})
    only = {"version": 1, "tables": {"people": {"file": "people.csv", "encoding": "windows-1252"}}}
    data = load_folder(contract, tables=["people"], profile=write_profile(tmp_path, only, "e.yaml"))
    assert data.tables["people"].select("forename", "surname").rows() == [("José", "Ruíz")]


def test_a_utf_8_file_declared_windows_1252_is_refused(make_folder, tmp_path):
    # Read as Windows-1252, José would come out as JosÃ©: wrong for every accented letter.
    folder = make_folder({"clients.csv": CLIENTS.replace("Ann", "José"), "awards.csv": AWARDS})
    document = with_change("tables.people.encoding", "windows-1252")
    with pytest.raises(DataFileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, document))
    assert str(raised.value) == (
        f"{folder / 'clients.csv'}: is UTF-8 text, though the source profile says encoding: "
        "windows-1252: remove that line (read as another encoding, every accented letter would "
        "be wrong)"
    )
    # A file of plain ASCII reads the same either way, and is read.
    folder = make_folder({"clients.csv": CLIENTS, "awards.csv": AWARDS})
    data = load_folder(folder, profile=write_profile(tmp_path, document, "ascii.yaml"))
    assert data.tables["people"]["forename"].to_list() == ["Ann", "Ben"]


def test_a_byte_windows_1252_does_not_define_is_named_by_row_and_column(make_folder, tmp_path):
    broken = CLIENTS_1252.replace(b"C2,F1,Ben", b"C2,F1,B\x81en")  # 0x81: no character
    folder = make_folder({"clients.csv": broken, "awards.csv": AWARDS})
    document = with_change("tables.people.encoding", "windows-1252")
    with pytest.raises(DataFileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, document))
    assert str(raised.value) == (
        f"{folder / 'clients.csv'}, row 3, column 'First Name': holds a byte that is not "
        "windows-1252 text"
    )


def test_a_quoting_fault_in_a_windows_1252_file_is_found_on_its_row(make_folder, tmp_path):
    broken = CLIENTS_1252.replace(b"C2,F1,Ben", b'C2,F1,"Ben')
    folder = make_folder({"clients.csv": broken, "awards.csv": AWARDS})
    document = with_change("tables.people.encoding", "windows-1252")
    with pytest.raises(DataFileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, document))
    assert str(raised.value).startswith(f'{folder / "clients.csv"}, row 3: a quote (")')


def test_an_encoding_is_refused_for_a_file_that_is_not_csv_or_a_query(make_folder, tmp_path):
    clients = pl.read_csv(CLIENTS.lstrip("\n").encode(), infer_schema=False)
    folder = make_folder({"clients.xlsx": clients, "awards.csv": AWARDS})
    document = with_change("tables.people.encoding", "windows-1252")
    document["tables"]["people"]["file"] = "clients.xlsx"
    profile = write_profile(tmp_path, document)
    with pytest.raises(ProfileError) as raised:
        load_folder(folder, profile=profile)
    assert str(raised.value) == (
        f"profile {profile}: tables.people.encoding: clients.xlsx is not a CSV file: "
        "encoding is for delimited text only (parquet and Excel files say their own); remove it"
    )
    document = with_change("tables.people.encoding", "windows-1252")
    document["tables"]["people"] = {
        "connection": "COUNCIL_DB",
        "query": "SELECT * FROM clients",
        "encoding": "windows-1252",
    }
    with pytest.raises(ProfileError) as raised:
        load_profile(write_profile(tmp_path, document, "query.yaml"))
    assert str(raised.value).endswith(
        "tables.people.encoding: is for a CSV file; a query's rows come from the database: "
        "remove it"
    )


def test_suggest_reads_a_file_not_in_utf_8_as_windows_1252_and_says_to_check_it(make_folder):
    from workbench.data.suggest import suggest_profile

    awards = "Award ID,Client ID,Benefit Type,Start Date\nA1,C1,Universal Credit,01/01/2024\n"
    folder = make_folder({"clients.csv": CLIENTS_1252, "awards.csv": awards})
    suggestion = suggest_profile(folder)
    encodings = {t.table: t.encoding for t in suggestion.tables}
    assert encodings == {"people": "windows-1252", "benefits": None}
    assert suggestion.document()["tables"]["people"]["encoding"] == "windows-1252"
    assert "encoding" not in suggestion.document()["tables"]["benefits"]
    assert any(n.startswith("people: clients.csv is not UTF-8 text") for n in suggestion.to_check())
    profile = suggestion.write(folder.parent / "suggested.yaml")
    assert "    encoding: windows-1252" in profile.read_text()
    people = load_folder(folder, profile=profile).tables["people"]
    assert people["forename"].to_list()[0] == "Zoë"


# --- delimited text with another separator, or under another name ------------------------------


def test_a_pipe_separated_txt_file_and_a_tab_separated_tsv_file_are_read(make_folder, tmp_path):
    clients = CLIENTS.lstrip("\n").replace(",", "|")
    awards = AWARDS.lstrip("\n").replace('"£12,000.50"', "12000.50").replace(",", "\t")
    folder = make_folder({"clients.txt": clients, "awards.tsv": awards})
    document = with_change("tables.people.separator", "|")
    document["tables"]["people"]["file"] = "clients.txt"
    document["tables"]["benefits"]["file"] = "awards.tsv"  # a tab, as its name says
    data = load_folder(folder, profile=write_profile(tmp_path, document))
    assert data.tables["people"].select("person_id", "forename").rows() == [
        ("C1", "Ann"),
        ("C2", "Ben"),
    ]
    assert data.tables["benefits"].select("award_id", "net_earned_income").rows() == [
        ("A1", 12000.5),
        ("A2", None),
    ]
    # Rows are numbered as before: C3's date of 31/02 is quarantined on row 4 of clients.txt.
    bad = data.quarantine.filter(pl.col("file") == "clients.txt")
    assert bad.select("row", "column").rows()[0] == (4, "DOB")
    assert [f.name for f in data.files()] == ["awards.tsv", "clients.txt", "profile.yaml"]


def test_a_row_with_a_field_too_many_names_the_files_own_separator(make_folder, tmp_path):
    # It said "an unquoted comma" of a file separated by bars.
    clients = CLIENTS.lstrip("\n").replace(",", "|")
    lines = clients.splitlines()
    lines[1] += "|extra"
    folder = make_folder({"clients.txt": "\n".join(lines) + "\n", "awards.csv": AWARDS})
    document = with_change("tables.people.separator", "|")
    document["tables"]["people"]["file"] = "clients.txt"
    with pytest.raises(DataFileError, match=r"clients.txt, row 2: .* an unquoted bar \(\|\),"):
        load_folder(folder, profile=write_profile(tmp_path, document))


def test_a_file_separated_otherwise_is_said_with_the_setting_to_use(make_folder, tmp_path):
    people = "person_id;household_id;forename;surname;date_of_birth\nP1;H1;Ann;Lee;1990-04-01\n"
    benefits = "award_id,person_id,benefit,start_date\nA1,P1,income_support,2024-01-01\n"
    folder = make_folder({"people.csv": people, "benefits.csv": benefits})
    with pytest.raises(DataFileError) as raised:
        load_folder(folder)
    assert str(raised.value) == (
        f"{folder / 'people.csv'}, row 1: has one column, whose header holds a semicolon: the "
        "file looks separated by semicolons, not commas. Read it through a source profile that "
        'says separator: ";" beside its file'
    )
    # A value holding a comma splits its line in two: the header is still no title above it.
    (folder / "people.csv").write_text(people.replace("Lee", "Lee, Jr"), encoding="utf-8")
    with pytest.raises(DataFileError, match="file looks separated by semicolons, not commas"):
        load_folder(folder)
    (folder / "people.csv").write_text(people, encoding="utf-8")
    only = {"version": 1, "tables": {"people": {"file": "people.csv", "separator": ";"}}}
    data = load_folder(folder, profile=write_profile(tmp_path, only))
    assert data.tables["people"].select("person_id", "surname").rows() == [("P1", "Lee")]


def test_a_quoting_fault_in_a_pipe_separated_file_is_found_on_its_row(make_folder, tmp_path):
    clients = CLIENTS.lstrip("\n").replace(",", "|").replace("C2|F1|Ben", 'C2|F1|"Ben')
    folder = make_folder({"clients.txt": clients, "awards.csv": AWARDS})
    document = with_change("tables.people.separator", "|")
    document["tables"]["people"]["file"] = "clients.txt"
    with pytest.raises(DataFileError) as raised:
        load_folder(folder, profile=write_profile(tmp_path, document))
    assert str(raised.value).startswith(f'{folder / "clients.txt"}, row 3: a quote (")')


@pytest.mark.parametrize(
    ("change", "value", "message"),
    [
        (
            "tables.people.separator",
            ":",
            "tables.people.separator: Input should be ',', ';', '\\t' or '|'",
        ),
        (
            "tables.people.file",
            "clients.dat",
            "tables.people.file: clients.dat is not a format the workbench reads (.csv, .txt or "
            ".tsv delimited text, .parquet, .xlsx)",
        ),
    ],
)
def test_a_bad_separator_or_file_is_refused(make_folder, tmp_path, change, value, message):
    folder = make_folder({"clients.dat": CLIENTS, "awards.csv": AWARDS})
    path = write_profile(tmp_path, with_change(change, value))
    with pytest.raises(ProfileError) as raised:
        load_folder(folder, profile=path)
    assert str(raised.value).startswith(f"profile {path}: {message}")


def test_suggest_tells_a_text_files_separator_and_leaves_notes_alone(make_folder):
    from workbench.data.suggest import suggest_profile

    clients = CLIENTS.lstrip("\n").replace(",", "|")
    awards = "Award ID;Client ID;Benefit Type;Start Date\nA1;C1;Universal Credit;01/01/2024\n"
    notes = "Extract of 1 September\nrun by the data team\n"
    folder = make_folder({"clients.txt": clients, "awards.csv": awards, "notes.txt": notes})
    suggestion = suggest_profile(folder)
    assert {t.table: (t.file, t.separator) for t in suggestion.tables} == {
        "people": ("clients.txt", "|"),
        "benefits": ("awards.csv", ";"),
    }
    assert suggestion.unmatched == ("notes.txt",)
    assert "people: clients.txt is read as separated by pipes (|): check it" in (
        suggestion.to_check()
    )
    profile = suggestion.write(folder.parent / "suggested.yaml")
    assert '    separator: "|"' in profile.read_text()
    data = load_folder(folder, profile=profile)
    assert data.tables["people"]["person_id"].to_list() == ["C1", "C2"]
    assert data.tables["benefits"]["benefit"].to_list() == ["universal_credit"]
