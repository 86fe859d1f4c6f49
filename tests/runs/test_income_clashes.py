"""A child listed on one parent's Universal Credit earnings while the other parent's award
records earnings over the limit is named beside the list, and `explain` shows both awards.

A tester's case: the two partners of a joint claim held different take-home pay, and the
child was listed on the lower with nothing said.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import workbench as wb
from workbench.runs.list_warnings import income_clashes, list_warnings

TERM = date(2026, 9, 1)
# H1: the partners' figures disagree (9,000 and 21,000). H2: they agree. H3: the award over
# the limit ended before the evidence date. H4: the other award's income is missing.
PEOPLE = """person_id,household_id,forename,surname,date_of_birth,role
A1,H1,Ann,Lee,1990-02-03,parent_carer
B1,H1,Bob,Lee,1989-05-06,parent_carer
C1,H1,Kit,Lee,2024-03-02,child
A2,H2,Bea,Roe,1988-01-01,parent_carer
B2,H2,Ben,Roe,1987-01-01,parent_carer
C2,H2,Max,Roe,2024-03-02,child
A3,H3,Cy,Day,1985-01-01,parent_carer
B3,H3,Di,Day,1985-01-01,parent_carer
C3,H3,Ola,Day,2024-04-01,child
A4,H4,Ed,Fox,1985-01-01,parent_carer
B4,H4,Flo,Fox,1985-01-01,parent_carer
C4,H4,Gus,Fox,2024-04-01,child
"""
BENEFITS = """award_id,person_id,benefit,start_date,end_date,net_earned_income,gross_income
U1,A1,universal_credit,2025-01-01,,9000,
U2,B1,universal_credit,2025-01-01,,21000,
U3,A2,universal_credit,2025-01-01,,9000,
U4,B2,universal_credit,2025-01-01,,9000,
U5,A3,universal_credit,2025-01-01,,9000,
U6,B3,universal_credit,2025-01-01,2025-06-30,21000,
U7,A4,universal_credit,2025-01-01,,9000,
U8,B4,universal_credit,2025-01-01,,,
"""


def council(folder: Path, benefits: str = BENEFITS) -> Path:
    folder.mkdir()
    (folder / "people.csv").write_text(PEOPLE)
    (folder / "benefits.csv").write_text(benefits)
    return folder


def assessed(folder: Path) -> wb.Assessment:
    return wb.assess(folder, "two_year_old", term_start=TERM, as_of=TERM, linkage="exact")


def test_a_child_listed_on_the_lower_of_two_figures_is_named(tmp_path):
    found = assessed(council(tmp_path / "data"))
    assert sorted(found.candidates["person_id"].to_list()) == ["C1", "C2", "C3", "C4"]
    assert income_clashes(found) == [
        "1 child(ren) are listed for universal_credit_low_income on one parent's or carer's "
        "award whose net_earned_income is within the limit, while another parent's or "
        "carer's award of universal_credit active on 2026-09-01 records more: the "
        "household's records disagree, so check which is current before contacting the "
        "family: C1. `workbench explain --person ID` names the awards"
    ]
    assert income_clashes(found)[0] in list_warnings(found).notes


def test_explain_shows_the_award_over_the_limit_beside_the_one_within_it(tmp_path):
    found = assessed(council(tmp_path / "data"))
    said = found.explain("C1").to_text()
    assert (
        "✓ universal_credit_low_income: parent/carer A1 gets Universal Credit (award U1) with "
        "take-home pay of £9,000, at or under the £15,400 limit; but parent/carer B1 gets "
        "Universal Credit (award U2) with take-home pay of £21,000, above the £15,400 limit: "
        "the household's records disagree, so check which is current." in said.splitlines()
    )
    for agreed in ("C2", "C3", "C4"):  # one figure; the other award ended; its pay missing
        assert "disagree" not in found.explain(agreed).to_text()


def test_nothing_is_said_when_the_figures_agree(tmp_path):
    agreeing = BENEFITS.replace(
        "U2,B1,universal_credit,2025-01-01,,21000", "U2,B1,universal_credit,2025-01-01,,9000"
    )
    found = assessed(council(tmp_path / "data", agreeing))
    assert income_clashes(found) == []


def test_a_benefits_file_without_its_optional_columns_is_read_as_the_engine_reads_it(tmp_path):
    """end_date and gross_income are optional: the note once stopped `assess` on a file
    without them."""
    short = "award_id,person_id,benefit,start_date,net_earned_income\n" + "".join(
        f"{award},{person},universal_credit,2025-01-01,{pay}\n"
        for award, person, pay in [("U1", "A1", 9000), ("U2", "B1", 21000), ("U3", "A2", 9000)]
    )
    found = assessed(council(tmp_path / "data", short))
    assert [s.split(": ")[-1][:2] for s in income_clashes(found)] == ["C1"]
