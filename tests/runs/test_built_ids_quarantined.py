"""Quarantined rows under a source profile whose ids are built (`concat`, `pad`): the rows'
ids are made as the accepted rows' are, so that the notes beside the list and `explain`
find the children they cost, and the quarantine shows the cells the council can find.

A tester's case: a council's extract read through a profile building person_id as
``{concat: [{text: P}, Client No]}`` and household_id as ``{concat: [{text: H}, Family Area,
Family Seq]}``. A parent's row with a relationship the value map lacked was quarantined and
their child's household lost its only carer; with contract files `assess` warned of the child
and `explain` named the row, but under the profile nothing was said: the quarantined rows'
ids were read as the file writes them (``0001829``, not ``P0001829``), and matched no one.
Likewise 2,129 Universal Credit awards quarantined for a value map lacking ``UC`` cost 8
children their place with nothing said.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

import workbench as wb
from workbench.data.quarantine import dropped_zeros, quarantined_values
from workbench.data.reading import load_folder
from workbench.runs.list_warnings import list_warnings, parents_quarantined, records_quarantined

TERM = date(2026, 9, 1)
# Ann (row 2) is a Step-parent, a relationship the profile does not map: her row is
# quarantined, and her award (row 2 of awards.csv) names no one read. Bea's award is written
# UC, which the profile's map lacks (row 3): quarantined. Row 4 of the NRPF register names a
# family no one is in.
CLIENTS = """Client No,Family Area,Family Seq,First Name,Last Name,DOB,Relationship
0000001,000,0001,Ann,Lee,03/02/1990,Step-parent
0000002,000,0001,Kit,Lee,02/03/2024,Child
0000003,000,0002,Bea,Roe,01/01/1988,Parent/Carer
0000004,000,0002,Max,Roe,02/03/2024,Child
0000005,000,0003,Cy,Day,05/05/1985,Parent/Carer
0000006,000,0003,Ola,Day,06/06/2024,Child
"""
AWARDS = """Claim Ref,Client No,Benefit Type,Award Start,Net Earnings
A1,0000001,Universal Credit,2025-01-01,9000
A2,0000003,UC,2025-01-01,9000
A3,0000005,Income Support,2025-01-01,
"""
NRPF = """Family Area,Family Seq,NRPF
000,0003,No
000,0009,Yes
"""
PROFILE = {
    "version": 1,
    "date_format": "%d/%m/%Y",
    "tables": {
        "people": {
            "file": "Client Index.csv",
            "columns": {
                "person_id": {"concat": [{"text": "P"}, "Client No"], "separator": ""},
                "household_id": {
                    "concat": [{"text": "H"}, "Family Area", "Family Seq"],
                    "separator": "",
                },
                "forename": "First Name",
                "surname": "Last Name",
                "date_of_birth": "DOB",
                "role": {
                    "column": "Relationship",
                    "values": {"Parent/Carer": "parent_carer", "Child": "child"},
                },
            },
        },
        "benefits": {
            "file": "awards.xlsx",
            "date_format": "%Y-%m-%d",
            "columns": {
                "award_id": "Claim Ref",
                "person_id": {"concat": [{"text": "P"}, "Client No"], "separator": ""},
                "benefit": {
                    "column": "Benefit Type",
                    "values": {
                        "Universal Credit": "universal_credit",
                        "Income Support": "income_support",
                    },
                },
                "start_date": "Award Start",
                "net_earned_income": "Net Earnings",
            },
        },
        "households": {
            "file": "NRPF Register.csv",
            "columns": {
                "household_id": {
                    "concat": [{"text": "H"}, "Family Area", "Family Seq"],
                    "separator": "",
                },
                "no_recourse_to_public_funds": {
                    "column": "NRPF",
                    "values": {"Yes": True, "No": False},
                },
            },
        },
    },
}


def council(folder: Path) -> tuple[Path, Path]:
    """The council's folder (its awards a workbook, its ids text) and its profile."""
    import polars as pl

    folder.mkdir()
    (folder / "Client Index.csv").write_text(CLIENTS)
    (folder / "NRPF Register.csv").write_text(NRPF)
    lines = [line.split(",") for line in AWARDS.splitlines()]
    awards = pl.DataFrame(lines[1:], schema=lines[0], orient="row")
    awards.write_excel(folder / "awards.xlsx")
    profile = folder.parent / "council.yaml"
    profile.write_text(yaml.safe_dump(PROFILE), encoding="utf-8")
    return folder, profile


def assessed(tmp_path: Path) -> wb.Assessment:
    folder, profile = council(tmp_path / "council")
    data = load_folder(folder, profile=profile)
    return wb.assess(data, "two_year_old", term_start=TERM, as_of=TERM, linkage="exact")


def test_a_quarantined_rows_ids_are_the_ones_the_profile_builds(tmp_path):
    folder, profile = council(tmp_path / "council")
    data = load_folder(folder, profile=profile)
    assert quarantined_values(data, "people", "person_id").rows() == [(2, "P0000001")]
    assert quarantined_values(data, "people", "household_id").rows() == [(2, "H0000001")]
    assert quarantined_values(data, "benefits", "person_id").rows() == [
        (2, "P0000001"),
        (3, "P0000003"),
    ]
    assert quarantined_values(data, "households", "household_id").rows() == [(3, "H0000009")]


def test_the_quarantine_shows_the_cells_a_built_id_was_made_of(tmp_path):
    # README: a row quarantined for a derived column shows the source cells, not the
    # derived value; the reason names the id made of them.
    folder, profile = council(tmp_path / "council")
    data = load_folder(folder, profile=profile)
    rows = data.quarantine.filter(pl_col_is("reason", "is not a")).select(
        "file", "row", "column", "value", "reason"
    )
    assert rows.rows() == [
        (
            "awards.xlsx",
            2,
            "Client No",
            "0000001",
            # Client Index.csv builds its person_id too: named with what it is made of there.
            "Client No 0000001 (person_id P0000001) is not a person_id in Client Index.csv "
            "(made there as 'P' + Client No), or is only on rows quarantined there",
        ),
        (
            "NRPF Register.csv",
            3,
            "Family Area + Family Seq",
            "000 + 0009",
            "Family Area + Family Seq 000 + 0009 (household_id H0000009) is not a "
            "household_id in Client Index.csv (made there as 'H' + Family Area + Family Seq), "
            "or is only on rows quarantined there",
        ),
    ]


def pl_col_is(column: str, text: str):
    import polars as pl

    return pl.col(column).str.contains(text, literal=True)


def test_a_child_whose_parents_row_is_quarantined_is_named_under_the_profile(tmp_path):
    found = assessed(tmp_path)
    # Kit's only carer was not read; Max's carer's award was not read: only Ola is listed.
    assert found.candidates["person_id"].to_list() == ["P0000006"]
    assert parents_quarantined(found) == [
        "1 child(ren) in the age window live in a household with a quarantined row of "
        "Client Index.csv (row(s) 2): whoever is on such a row is not read, so a parent's or "
        "carer's awards there count for nothing, and the child may be left off the list or "
        "listed on less: P0000002. `workbench explain --person ID` names the rows; correct "
        "them in the extract and run again"
    ]
    # The award written UC, a value the map lacks, cost Max his place: said.
    assert records_quarantined(found) == [
        "1 child(ren) in the age window have a quarantined row of awards.xlsx about them or "
        "a parent or carer (row(s) 3): such a row is not read, so what it records counts for "
        "nothing, and the child may be left off the list or listed on less: P0000004. "
        "`workbench explain --person ID` names the rows; correct them in the extract and run "
        "again"
    ]
    notes = list_warnings(found).notes
    assert set(parents_quarantined(found) + records_quarantined(found)) <= set(notes)


def test_explain_names_the_quarantined_rows_under_the_profile(tmp_path):
    found = assessed(tmp_path)
    kit = found.explain("P0000002").to_text().splitlines()
    assert (
        "Quarantined rows of the household (not read, so no one on them counts as a parent or "
        "carer, nor do their awards): Client Index.csv row 2 ('Step-parent' is not in the "
        "profile's value map (tables.people.columns.role.values, which maps 'Child' and "
        "'Parent/Carer'): add it there). Correct them in the extract and run again."
    ) in kit
    max_ = found.explain("P0000004").to_text().splitlines()
    (said,) = [line for line in max_ if line.startswith("Quarantined rows of the child's")]
    assert (
        "awards.xlsx row 3, of parent/carer P0000003 (Benefit Type: 'UC' is not in the "
        "profile's value map (tables.benefits.columns.benefit.values, which maps 'Income "
        "Support' and 'Universal Credit'): add it there)"
    ) in said


def test_ids_padded_by_the_profile_are_compared_as_made_for_lost_zeros(make_folder, tmp_path):
    # The quarantine shows the cell (24) of an id the profile pads (0000024); the ids that
    # differ only in their zeros are still found by the id made, as the reason says.
    profile = tmp_path / "profile.yaml"
    document = {
        "version": 1,
        "tables": {
            "benefits": {
                "file": "awards.csv",
                "columns": {"award_id": "Ref", "person_id": {"pad": {"column": "Who", "width": 7}}},
            }
        },
    }
    profile.write_text(yaml.safe_dump(document), encoding="utf-8")
    people = "person_id,household_id,forename,surname,date_of_birth\n24,H1,Ann,Lee,1990-01-01\n"
    awards = "Ref,Who,benefit,start_date\nA1,24,universal_credit,2025-01-01\n"
    folder = make_folder({"people.csv": people, "awards.csv": awards})
    data = load_folder(folder, profile=profile)
    assert data.quarantine.select("column", "value").rows() == [("Who", "24")]
    (said,) = dropped_zeros(data)
    assert said.startswith(
        "awards.csv: 1 of the 1 Who ids not found in people.csv match ids there once leading "
        "zeros are ignored (0000024 and 24): "
    )
