"""A tester's household key split across two columns (`Family Area` + `Family Seq`): the
suggestion read the first alone, 48,284 people fell into 3 households, and `assess` listed
every child of the age; a stale `benefits.csv` beside the profile's workbook was not named;
a misspelt column was reported only after other files were read
(`workbench.data.suggest`, `workbench.data.household_size`, `workbench.data.absent`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from workbench.data.absent import contract_files_not_read, looks_like
from workbench.data.household_size import large_households
from workbench.data.profiles import ProfileError
from workbench.data.reading import load_folder
from workbench.data.suggest import suggest_profile


def _clients(households: int, per: int) -> str:
    rows = ["Client No,Family Area,Family Seq,First Name,Last Name,DOB"]
    n = 0
    for h in range(households):
        for _ in range(per):
            n += 1
            rows.append(f"{n:05d},{h // 5:03d},{h % 5:04d},Ann,Lee,01/02/1990")
    return "\n".join(rows) + "\n"


def test_a_household_key_split_across_two_columns_is_proposed_joined(tmp_path):
    (tmp_path / "Client Index.csv").write_text(_clients(30, 3))
    people = suggest_profile(tmp_path).tables[0]
    assert people.table == "people"
    household = next(c for c in people.columns if c.column == "household_id")
    assert household.entry == {"concat": ["Family Area", "Family Seq"], "separator": "-"}
    assert household.certainty == "check"
    assert household.why == (
        "'Family Seq' alone has only 5 different values in 90 rows, too few for "
        "people.household_id: the key looks split across columns; with 'Family Area' it has 30"
    )
    assert people.unused == ()


def test_a_column_joined_into_the_key_is_counted_as_read(tmp_path):
    # A tester's count: "6 not read" in the table's comment, where one of the six was joined
    # into household_id and five were not read.
    rows = _clients(30, 3).splitlines()
    extra = [f"{rows[0]},Keyworker,Team"] + [
        f"{r},K{n % 4},T{n % 3}" for n, r in enumerate(rows[1:])
    ]
    (tmp_path / "Client Index.csv").write_text("\n".join(extra) + "\n")
    suggestion = suggest_profile(tmp_path)
    (people,) = suggestion.tables
    assert people.unused == ("Keyworker", "Team")
    said = (
        "5 contract columns from 6 of its 8 columns: household_id from Family Area and Family Seq"
    )
    assert people.why == said
    assert f"    file: Client Index.csv                  # check: {said}" in (
        suggestion.to_yaml().splitlines()
    )
    assert "      # not read: Keyworker, Team" in suggestion.to_yaml().splitlines()


def test_with_no_column_left_unread_none_is_pointed_to_for_a_column_the_rules_read(tmp_path):
    (tmp_path / "Client Index.csv").write_text(_clients(30, 3))
    suggestion = suggest_profile(tmp_path)
    (people,) = suggestion.tables
    assert people.why == (
        "5 contract columns from its 6 columns: household_id from Family Area and Family Seq"
    )
    # Family Seq was the only column not read, and it is joined into the key now.
    assert people.wanted == ()
    assert "check the columns not read" not in suggestion.to_yaml()


def test_a_household_key_of_too_few_values_and_nothing_to_complete_it_is_marked_check(
    tmp_path,
):
    # Family Seq left out of the extract.
    rows = [",".join(r.split(",")[:2] + r.split(",")[3:]) for r in _clients(30, 3).splitlines()]
    (tmp_path / "people.csv").write_text("\n".join(rows) + "\n")
    people = suggest_profile(tmp_path).tables[0]
    household = next(c for c in people.columns if c.column == "household_id")
    assert household.entry == "Family Area"
    assert household.certainty == "check"
    assert household.why == (
        "only 6 different values in 90 rows, too few for people.household_id: is the key "
        "split across columns? A profile joins them: {concat: [A, B], separator: '-'}"
    )


PEOPLE = "person_id,household_id,forename,surname,date_of_birth\n"
BENEFITS = "award_id,person_id,benefit,start_date\n"


def _people(sizes: dict[str, int]) -> str:
    rows, n = [], 0
    for household, size in sizes.items():
        for _ in range(size):
            n += 1
            rows.append(f"P{n},{household},Ann,Lee,1990-01-01")
    return PEOPLE + "\n".join(rows) + "\n"


def test_households_of_more_than_30_people_are_named_largest_first(tmp_path):
    (tmp_path / "people.csv").write_text(
        _people({"H1": 31, "H2": 45, "H3": 30, "H4": 2, "H5": 40, "H6": 33})
    )
    (tmp_path / "benefits.csv").write_text(BENEFITS)
    assert large_households(load_folder(tmp_path)) == [
        "4 household_ids of people.csv are each shared by more than 30 people (H2: 45 people, "
        "H5: 40 people, H6: 33 people, and 1 more): a household so large is most likely not "
        "one family. Is the household key split across two columns (a source profile joins "
        'them: household_id: {concat: [Area, Seq], separator: "-"}), or written as a '
        "placeholder? Children are matched to the parents and carers of their household, so "
        "a child of it may be listed on another family's award"
    ]


def test_households_of_30_people_or_fewer_say_nothing(tmp_path):
    (tmp_path / "people.csv").write_text(_people({"H1": 30, "H2": 3}))
    (tmp_path / "benefits.csv").write_text(BENEFITS)
    assert large_households(load_folder(tmp_path)) == []


def _profile(path: Path, people: dict[str, str]) -> Path:
    document = {
        "version": 1,
        "tables": {
            "people": {"file": "clients.csv", "columns": people},
            "benefits": {"file": "awards.csv", "columns": {}},
        },
    }
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_contract_named_file_the_profile_does_not_read_is_named(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "clients.csv").write_text(PEOPLE + "P1,H1,Ann,Lee,1990-01-01\n")
    (folder / "awards.csv").write_text(BENEFITS)
    (folder / "benefits.csv").write_text(BENEFITS)  # a stale extract
    profile = _profile(tmp_path / "p.yaml", {})
    loaded = load_folder(folder, profile=profile)
    assert loaded.reports["benefits"].file.name == "awards.csv"
    assert contract_files_not_read(loaded) == [
        f"benefits.csv is in {folder} but the profile p.yaml reads benefits from awards.csv: "
        "benefits.csv is not read (move it out of the folder if it is an old extract, or map "
        "it in the profile if it is the one meant)"
    ]


@pytest.mark.parametrize("name", ["Social Care Episodes.csv", "CLA episodes.xlsx"])
def test_a_social_care_extract_looks_like_the_child_statuses(name):
    assert looks_like(Path(name), "child_statuses")


def test_a_column_the_profile_names_that_a_file_lacks_stops_before_any_rows_are_read(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "clients.csv").write_text(PEOPLE + "P1,H1,Ann,Lee,1990-01-01\n")
    # Larger, so read first; its rows are broken (a stray quote mark), its header is not.
    (folder / "awards.csv").write_text(BENEFITS + 'B1,P1,"universal_credit,2025-01-01\n' * 50)
    profile = _profile(tmp_path / "p.yaml", {"date_of_birth": "D.O.B"})
    with pytest.raises(ProfileError, match=r"column 'D.O.B' is not in clients.csv"):
        load_folder(folder, profile=profile)
