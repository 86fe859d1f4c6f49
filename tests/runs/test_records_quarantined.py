"""A child whose own, or a parent's, award or status row is quarantined is named beside the
list, and `explain` names the rows.

A tester's case: a parent's Universal Credit rows were quarantined (one row per payment, the
earnings changing between them), the child left the list with nothing said but the count of
quarantined rows, and `explain` said the parent had no award.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import workbench as wb
from workbench.runs.list_warnings import list_warnings, records_quarantined

TERM = date(2026, 9, 1)
# C1's parent A1 has an award on a row with an impossible date (row 2); C2's own status row
# has one (row 2 of child_statuses); A3 is nobody's parent in the window (C3 is seven): their
# bad row 4 names no child. Row 5 of benefits is blank: set aside, no one's.
PEOPLE = """person_id,household_id,forename,surname,date_of_birth,role
A1,H1,Ann,Lee,1990-02-03,parent_carer
C1,H1,Kit,Lee,2024-03-02,child
A2,H2,Bea,Roe,1988-01-01,parent_carer
C2,H2,Max,Roe,2024-03-02,child
A3,H3,Cy,Day,1985-01-01,parent_carer
C3,H3,Ola,Day,2019-01-01,child
"""
BENEFITS = """award_id,person_id,benefit,start_date,end_date,net_earned_income,gross_income
B1,A1,universal_credit,2025-02-30,,9000,
B2,A2,income_support,2025-01-01,,,
B3,A3,universal_credit,2025-02-30,,9000,
,,,,,,
"""
STATUSES = """status_id,person_id,status,start_date,end_date
S1,C2,looked_after,2025-13-01,
"""


def council(folder: Path) -> Path:
    folder.mkdir()
    (folder / "people.csv").write_text(PEOPLE)
    (folder / "benefits.csv").write_text(BENEFITS)
    (folder / "child_statuses.csv").write_text(STATUSES)
    return folder


def test_children_with_a_quarantined_award_or_status_are_named(tmp_path):
    found = wb.assess(
        council(tmp_path / "data"), "two_year_old", term_start=TERM, as_of=TERM, linkage="exact"
    )
    assert found.candidates["person_id"].to_list() == ["C2"]  # on A2's income support only
    assert records_quarantined(found) == [
        "1 child(ren) in the age window have a quarantined row of benefits.csv about them or "
        "a parent or carer (row(s) 2): such a row is not read, so what it records counts for "
        "nothing, and the child may be left off the list or listed on less: C1. `workbench "
        "explain --person ID` names the rows; correct them in the extract and run again",
        "1 child(ren) in the age window have a quarantined row of child_statuses.csv about "
        "them (row(s) 2): such a row is not read, so what it records counts for nothing, and "
        "the child may be left off the list or listed on less: C2. `workbench explain "
        "--person ID` names the rows; correct them in the extract and run again",
    ]
    assert set(records_quarantined(found)) <= set(list_warnings(found).notes)


def test_explain_names_the_quarantined_rows_of_the_child_and_their_parents(tmp_path):
    found = wb.assess(
        council(tmp_path / "data"), "two_year_old", term_start=TERM, as_of=TERM, linkage="exact"
    )
    lines = found.explain("C1").to_text().splitlines()
    (said,) = [line for line in lines if line.startswith("Quarantined rows of the child's")]
    assert said.startswith(
        "Quarantined rows of the child's or their parents' and carers' awards and statuses "
        "(not read, so a criterion they would meet shows as not met below): benefits.csv row "
        "2, of parent/carer A1 (start_date: "
    )
    assert said.endswith(". Correct them in the extract and run again.")
    (status,) = [
        line
        for line in found.explain("C2").to_text().splitlines()
        if line.startswith("Quarantined rows")
    ]
    assert "child_statuses.csv row 2, of the child (start_date: " in status


def test_nothing_is_said_when_no_award_or_status_row_is_quarantined(tmp_path):
    folder = council(tmp_path / "data")
    (folder / "benefits.csv").write_text(BENEFITS.replace("2025-02-30", "2025-02-28"))
    (folder / "child_statuses.csv").write_text(STATUSES.replace("2025-13-01", "2025-12-01"))
    found = wb.assess(folder, "two_year_old", term_start=TERM, as_of=TERM, linkage="exact")
    assert found.candidates["person_id"].to_list() == ["C1", "C2"]
    assert records_quarantined(found) == []
    assert not any(
        line.startswith("Quarantined rows") for line in found.explain("C1").to_text().splitlines()
    )
