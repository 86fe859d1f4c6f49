"""A child whose parent's row is quarantined is named beside the list.

A tester's case: a parent's row with a date of birth typed wrong was quarantined, so their
Universal Credit counted for nothing and their two-year-old left the list, with nothing said
but the count of quarantined rows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import workbench as wb
from workbench.runs.list_warnings import list_warnings, parents_quarantined

TERM = date(2026, 9, 1)
PEOPLE = """person_id,household_id,forename,surname,date_of_birth,role
A1,H1,Ann,Lee,1990-02-30,parent_carer
C1,H1,Kit,Lee,2024-03-02,child
A2,H2,Bea,Roe,1988-01-01,parent_carer
C2,H2,Max,Roe,2024-03-02,child
A3,H3,Cy,Day,not known,parent_carer
C3,H3,Ola,Day,2019-01-01,child
,,,,,
"""
BENEFITS = """award_id,person_id,benefit,start_date,end_date,net_earned_income,gross_income
B1,A1,universal_credit,2025-01-01,,9000,
B2,A2,universal_credit,2025-01-01,,9000,
B3,A3,universal_credit,2025-01-01,,9000,
"""


def council(folder: Path) -> Path:
    folder.mkdir()
    (folder / "people.csv").write_text(PEOPLE)
    (folder / "benefits.csv").write_text(BENEFITS)
    return folder


def test_a_child_whose_parents_row_is_quarantined_is_named(tmp_path):
    found = wb.assess(
        council(tmp_path / "data"), "two_year_old", term_start=TERM, as_of=TERM, linkage="exact"
    )
    assert found.candidates["person_id"].to_list() == ["C2"]  # C1's parent was not read
    # Row 2 (A1, 30 February) is C1's household; row 6 (A3) is C3's, who is not two; the
    # blank row 8 is set aside and no one's.
    assert parents_quarantined(found) == [
        "1 child(ren) in the age window live in a household with a quarantined row of "
        "people.csv (row(s) 2): whoever is on such a row is not read, so a parent's or carer's "
        "awards there count for nothing, and the child may be left off the list or listed on "
        "less: C1. `workbench explain --person ID` names the rows; correct them in the "
        "extract and run again"
    ]
    assert parents_quarantined(found)[0] in list_warnings(found).notes


def test_nothing_is_said_when_no_people_row_is_quarantined(tmp_path):
    folder = council(tmp_path / "data")
    (folder / "people.csv").write_text(PEOPLE.replace("1990-02-30", "1990-02-28"))
    found = wb.assess(folder, "two_year_old", term_start=TERM, as_of=TERM, linkage="exact")
    assert found.candidates["person_id"].to_list() == ["C1", "C2"]
    assert parents_quarantined(found) == []
