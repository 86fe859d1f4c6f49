"""Every DWP-list row ends somewhere a person sees: on the list (matched or on its own), in
the restricted file of rows not listed with the reason, or quarantined; the manifest's counts
add up (read = listed + not listed + quarantined)."""

from __future__ import annotations

import json
import stat
from datetime import date

import polars as pl

from workbench.eligibility.assess import assess, unlisted_path

TERM = date(2026, 9, 1)


def test_every_dwp_row_is_listed_reported_or_quarantined(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "people.csv").write_text(
        "person_id,household_id,forename,surname,date_of_birth,nino,role\n"
        "A1,H1,Ada,Lee,1990-01-01,AB123456C,parent_carer\n"
        "C1,H1,Kit,Lee,2024-03-02,,child\n"
    )
    (data / "benefits.csv").write_text("award_id,person_id,benefit,start_date\n")
    (data / "dwp_list.csv").write_text(
        "record_id,child_forename,child_surname,child_date_of_birth,parent_forename,"
        "parent_surname,parent_nino\n"
        "D1,Kit,Lee,2024-03-02,Ada,Lee,AB123456C\n"  # matched: listed with C1
        "D2,Zed,Ray,2024-01-10,Amy,Ray,\n"  # no one: listed on its own
        "D3,Tia,Fox,2025-06-01,Bea,Fox,\n"  # too young for this term
        "D4,Max,Orr,2022-02-01,Cy,Orr,\n"  # past the window: a typo, most often
        "D5,Bo,Ng,not known,Di,Ng,\n"  # quarantined
    )
    out = tmp_path / "list.csv"
    found = assess(data, "two_year_old", term_start=TERM, as_of=TERM)
    run = found.write(out)
    assert sorted(found.candidates["dwp_record_id"].drop_nulls()) == ["D1", "D2"]
    record = json.loads(run.manifest.read_text())
    assert record["dwp_list_accounted"] == {
        "read": 5,
        "listed": 2,
        "not_listed": 2,
        "quarantined": 1,
        "not_listed_file": "list.dwp_not_listed.csv",
    }
    path = unlisted_path(out)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    reported = pl.read_csv(path, infer_schema=False)
    assert reported.select("record_id", "reason").rows() == [
        (
            "D3",
            "not yet in the age window by its date of birth on the list: in it from "
            "2027-09-01 (a later term's list)",
        ),
        (
            "D4",
            "past the age window by its date of birth on the list (it closed on 2025-04-01): "
            "check the date of birth with the family",
        ),
        # The quarantined row too, with why: a child DWP says may be eligible, that no
        # officer would otherwise see (a tester's case: the workbook's sheet showed 84 of 102).
        (
            "D5",
            "set aside as bad data (dwp_list.csv row 6: child_date_of_birth: not a date in "
            "this column's format (YYYY-MM-DD)): not assessed, so not listed; correct the row, "
            "or check it with DWP, and run again",
        ),
    ]


def test_a_rule_set_without_the_dwp_list_reports_nothing(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "people.csv").write_text(
        "person_id,household_id,forename,surname,date_of_birth\nC1,H1,Kit,Lee,2015-03-02\n"
    )
    (data / "benefits.csv").write_text("award_id,person_id,benefit,start_date\n")
    (data / "dwp_list.csv").write_text(
        "record_id,child_forename,child_surname,child_date_of_birth,parent_forename,"
        "parent_surname\nD1,Kit,Lee,2024-03-02,Ada,Lee\n"
    )
    out = tmp_path / "fsm.csv"
    run = assess(data, "free_school_meals", term_start=TERM, as_of=TERM).write(out)
    assert "dwp_list_accounted" not in json.loads(run.manifest.read_text())
    assert not unlisted_path(out).exists()


def test_a_row_failing_several_columns_names_each_column_once(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "people.csv").write_text(
        "person_id,household_id,forename,surname,date_of_birth\nC1,H1,Kit,Lee,2024-03-02\n"
    )
    (data / "benefits.csv").write_text("award_id,person_id,benefit,start_date\n")
    (data / "dwp_list.csv").write_text(
        "record_id,child_forename,child_surname,child_date_of_birth,parent_forename,"
        "parent_surname\n"
        "D1,,,2024-03-02,Ada,Lee\n"  # two required fields empty
        "D2,Bo,,2024-03-02,Ada,Lee\n"  # one
    )
    out = tmp_path / "list.csv"
    assess(data, "two_year_old", term_start=TERM, as_of=TERM).write(out)
    reported = pl.read_csv(unlisted_path(out), infer_schema=False)
    assert reported.select("record_id", "reason").rows() == [
        (
            "D1",
            "set aside as bad data (dwp_list.csv row 2: child_forename: required field is "
            "empty; child_surname: required field is empty): not assessed, so not listed; "
            "correct the row, or check it with DWP, and run again",
        ),
        (
            "D2",
            "set aside as bad data (dwp_list.csv row 3: child_surname: required field is "
            "empty): not assessed, so not listed; correct the row, or check it with DWP, and "
            "run again",
        ),
    ]
