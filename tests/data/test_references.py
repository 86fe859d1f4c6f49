"""An award or a status names a person of the people table: a row naming one that people does
not hold (or quarantined) is quarantined with its file, row, column and reason, and counts for
nothing, whether the tables are loaded at once or apart (`combine_loaded`, as `assess` loads
people on one thread and the rest on another). A person whose role is empty is a warning."""

from __future__ import annotations

import polars as pl
import pytest
import yaml

from workbench.data.checks import check_rows
from workbench.data.profiles import parse_profile
from workbench.data.quarantine import (
    mostly_quarantined,
    quarantine_summary,
    quarantined_record,
)
from workbench.data.reading import _absent, combine_loaded, load_folder
from workbench.data.schema import TABLES

PEOPLE = (
    "person_id,household_id,forename,surname,date_of_birth\n"
    "P1,H1,Ann,Lee,1990-01-01\n"
    "P2,H1,Bo,Lee,2024-03-01\n"
    "P3,H2,Cy,Ray,1985-05-05\n"
)
BENEFITS = (
    "award_id,person_id,benefit,start_date\n"
    "A1,P1,universal_credit,2025-01-01\n"  # row 2
    "A2,Q7,income_support,2025-01-01\n"  # row 3: no such person
    "A3,P3,income_support,2025-01-01\n"  # row 4
    "A4,p1,income_support,2025-01-01\n"  # row 5: ids are compared exactly, case and all
)
STATUSES = (
    "status_id,person_id,status,start_date\n"
    "S1,P2,looked_after,2025-01-01\n"  # row 2
    "S2,C9,ehc_plan,2025-01-01\n"  # row 3: no such person
)


def unknown(value: str) -> str:
    return f"person_id {value} is not a person_id in people.csv"


EXPECTED = [
    ("benefits", "benefits.csv", 3, "person_id", "Q7", unknown("Q7")),
    ("benefits", "benefits.csv", 5, "person_id", "p1", unknown("p1")),
    ("child_statuses", "child_statuses.csv", 3, "person_id", "C9", unknown("C9")),
]


def quarantined(data) -> list[tuple]:
    return data.quarantine.select("table", "file", "row", "column", "value", "reason").rows()


@pytest.fixture
def folder(make_folder):
    return make_folder(
        {"people.csv": PEOPLE, "benefits.csv": BENEFITS, "child_statuses.csv": STATUSES}
    )


def test_awards_and_statuses_of_unknown_people_are_quarantined(folder):
    data = load_folder(folder)
    assert quarantined(data) == EXPECTED
    assert data.tables["benefits"]["award_id"].to_list() == ["A1", "A3"]
    assert data.tables["child_statuses"]["status_id"].to_list() == ["S1"]
    counts = {n: (r.read, r.accepted, r.quarantined) for n, r in data.reports.items()}
    assert counts == {"people": (3, 3, 0), "benefits": (4, 2, 2), "child_statuses": (2, 1, 1)}
    summary = quarantine_summary(data.quarantine)
    assert summary.rows() == [
        ("benefits", "person_id", "unknown person", 2, 3),
        ("child_statuses", "person_id", "unknown person", 1, 3),
    ]


def test_an_award_of_a_person_whose_row_is_quarantined_says_it_may_be(make_folder):
    people = PEOPLE.replace("P3,H2,Cy,Ray,1985-05-05", "P3,H2,Cy,Ray,1985-02-30")
    data = load_folder(make_folder({"people.csv": people, "benefits.csv": BENEFITS}))
    assert quarantined(data)[1] == (
        "benefits", "benefits.csv", 3, "person_id", "Q7",
        "person_id Q7 is not a person_id in people.csv, or is only on rows quarantined there",
    )  # fmt: skip
    assert quarantined(data)[2][2:5] == (4, "person_id", "P3")
    assert data.tables["benefits"]["award_id"].to_list() == ["A1"]


def test_the_check_holds_when_people_is_loaded_apart_as_assess_loads_it(folder):
    whole = load_folder(folder)
    people = load_folder(folder, tables=["people"])
    rest = load_folder(folder, tables=["benefits", "child_statuses"])
    # Without people, an award cannot be checked yet: it waits ...
    assert rest.tables["benefits"]["award_id"].to_list() == ["A1", "A2", "A3", "A4"]
    assert rest.quarantine.is_empty()
    # ... and once combined it is quarantined exactly as one load does.
    for combined in (combine_loaded(people, rest), combine_loaded(rest, people)):
        assert quarantined(combined) == EXPECTED
        assert combined.quarantine.equals(whole.quarantine)
        assert combined.reports == whole.reports
        for table in ("benefits", "child_statuses"):
            assert combined.tables[table].equals(whole.tables[table])


@pytest.mark.parametrize("people_order", ["in order", "reversed"])
@pytest.mark.parametrize("awards_order", ["in order", "reversed"])
def test_the_check_is_the_same_whatever_order_the_files_are_in(
    make_folder, people_order, awards_order
):
    # People in order of their ids are merged with the awards; out of order, looked up.
    people_rows = PEOPLE.splitlines()
    awards_rows = BENEFITS.splitlines()
    if people_order == "reversed":
        people_rows = people_rows[:1] + people_rows[:0:-1]
    if awards_order == "reversed":
        awards_rows = awards_rows[:1] + awards_rows[:0:-1]
    files = {"people.csv": "\n".join(people_rows), "benefits.csv": "\n".join(awards_rows)}
    data = load_folder(make_folder(files))
    rows = {"in order": [3, 5], "reversed": [4, 2]}[awards_order]
    assert data.quarantine.select("row", "value").rows() == sorted(
        zip(rows, ["Q7", "p1"], strict=True)
    )
    assert sorted(data.tables["benefits"]["award_id"]) == ["A1", "A3"]


def test_awards_of_people_the_index_lacks_are_said_plainly_when_most_are(make_folder):
    # A benefits extract whose claimants are in another system's ids: most awards vanish
    # from the list, and the run says why and where to look.
    awards = "award_id,person_id,benefit,start_date\n" + "".join(
        f"A{i},X{i},income_support,2025-01-01\n" for i in range(3)
    )
    folder = make_folder({"people.csv": PEOPLE, "benefits.csv": awards})
    assert mostly_quarantined(load_folder(folder)) == [
        "benefits.csv: 3 of 3 rows (100%) are quarantined and count for nothing; the commonest "
        "problem is unknown person in column 'person_id' (first at row 2). See `workbench "
        "validate --quarantine-out FILE` for every row; check that benefits.csv and people.csv "
        "come from the same system and the same extract: each person_id of benefits.csv "
        "should be one in people.csv"
    ]


def test_through_a_profile_the_unknown_person_is_named_by_the_source_column(make_folder, tmp_path):
    profile = tmp_path / "profile.yaml"
    document = {
        "version": 1,
        "tables": {
            "benefits": {
                "file": "awards.csv",
                "columns": {"award_id": "Ref", "person_id": "Client"},
            }
        },
    }
    profile.write_text(yaml.safe_dump(document), encoding="utf-8")
    awards = BENEFITS.replace("award_id,person_id", "Ref,Client")
    folder = make_folder({"people.csv": PEOPLE, "awards.csv": awards})
    whole = load_folder(folder, profile=profile)
    apart = combine_loaded(
        load_folder(folder, tables=["people"], profile=profile),
        load_folder(folder, tables=["benefits"], profile=profile),
    )
    for data in (whole, apart):
        named = "Client {} is not a person_id in people.csv"
        assert quarantined(data) == [
            ("benefits", "awards.csv", 3, "Client", "Q7", named.format("Q7")),
            ("benefits", "awards.csv", 5, "Client", "p1", named.format("p1")),
        ]


def clients_profile(path, people: dict | None = None, **tables: dict):
    """A profile reading people from clients.csv (`Client ID`, `Family`), with `people`'s
    further keys (encoding, separator) and other `tables` as given."""
    clients = {
        "file": "clients.csv",
        **(people or {}),
        "columns": {"person_id": "Client ID", "household_id": "Family"},
    }
    document = {"version": 1, "tables": {"people": clients, **tables}}
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_through_a_profile_both_files_are_named_as_the_council_names_them(make_folder, tmp_path):
    profile = clients_profile(
        tmp_path / "profile.yaml",
        benefits={"file": "awards.csv", "columns": {"award_id": "Ref", "person_id": "Client"}},
    )
    clients = PEOPLE.replace("person_id,household_id", "Client ID,Family")
    awards = BENEFITS.replace("award_id,person_id", "Ref,Client")
    folder = make_folder({"clients.csv": clients, "awards.csv": awards})
    data = load_folder(folder, profile=profile)
    assert quarantined(data)[0] == (
        "benefits", "awards.csv", 3, "Client", "Q7",
        "Client Q7 is not a Client ID (person_id) in clients.csv",
    )  # fmt: skip
    # Its kind is told by the contract's name (a tester's council saw "other" and no hint).
    assert quarantine_summary(data.quarantine).row(0, named=True)["kind"] == "unknown person"


@pytest.mark.parametrize(
    ("entry", "ours", "unsaved"),
    [
        # Both files build their ids, with different letters (a slip in the profile): the
        # reason called people's id "a Client No (person_id)", and Client No 0000001 is in
        # clients.csv.
        (
            {"concat": [{"text": "P"}, "Client No"], "separator": ""},
            "Client No 0000001 (person_id P0000001)",
            "Client No P0000001",  # the file is not read again for its cells: the id made
        ),
        # Read as it is, beside people's built id.
        ("Client No", "Client No 0000001", "Client No 0000001"),
    ],
)
def test_an_id_the_other_file_builds_is_named_with_what_it_is_built_from(
    make_folder, tmp_path, entry, ours, unsaved
):
    clients = "Client No,Family,forename,surname,date_of_birth\n0000001,H1,Ann,Lee,1990-01-01\n"
    awards = "Ref,Client No,benefit,start_date\nA1,0000001,universal_credit,2025-01-01\n"
    folder = make_folder({"clients.csv": clients, "awards.csv": awards})
    profile = tmp_path / "profile.yaml"
    built = {"concat": [{"text": "C"}, "Client No"], "separator": ""}
    document = {
        "version": 1,
        "tables": {
            "people": {
                "file": "clients.csv",
                "columns": {"person_id": built, "household_id": "Family"},
            },
            "benefits": {"file": "awards.csv", "columns": {"award_id": "Ref", "person_id": entry}},
        },
    }
    profile.write_text(yaml.safe_dump(document), encoding="utf-8")
    data = load_folder(folder, profile=profile)
    assert quarantined(data) == [
        (
            "benefits",
            "awards.csv",
            2,
            "Client No",
            "0000001",
            f"{ours} is not a person_id in clients.csv (made there as 'C' + Client No)",
        )
    ]
    assert quarantine_summary(data.quarantine).row(0, named=True)["kind"] == "unknown person"
    # A profile made in Python, never saved: how the id is made is said more briefly.
    made = parse_profile(document, tmp_path / "unsaved.yaml")
    (said,) = load_folder(folder, profile=made).quarantine["reason"]
    assert (
        said == f"{unsaved} is not a person_id in clients.csv (made there as concat of Client No)"
    )


def test_a_quarantined_persons_rows_are_found_again_in_the_councils_own_file(make_folder, tmp_path):
    # `explain` on a person whose row was set aside: read back through the profile (its
    # column name, separator and encoding), by the file's own row numbers.
    profile = clients_profile(
        tmp_path / "profile.yaml", people={"encoding": "windows-1252", "separator": ";"}
    )
    clients = (
        "Client ID;Family;forename;surname;date_of_birth;role\n"
        "P1;H1;Zoë;Lee;1990-01-01;parent_carer\n"  # row 2
        "P2;H1;Bo;Lee;2024-02-30;child\n"  # row 3: no such date
        "P3;;Cy;Ray;1985-05-05;parent_carer\n"  # row 4: no household
        "P2;H1;Bo;Lee;2024-02-29;child\n"  # row 5: P2 again
    )
    folder = make_folder({})
    (folder / "clients.csv").write_bytes(clients.encode("windows-1252"))
    data = load_folder(folder, tables=["people"], profile=profile)
    found = {
        person: quarantined_record(data, "people", "person_id", person)
        .select("row", "column")
        .rows()
        for person in ("P1", "P2", "P3", "P9")
    }
    assert found == {
        "P1": [],
        "P2": [(3, "Client ID"), (5, "Client ID")],  # the same id twice comes first
        "P3": [(4, "Family")],
        "P9": [],
    }


# --- people whose role is empty ---------------------------------------------------------------

ROLES = (
    "person_id,household_id,forename,surname,date_of_birth,role\n"
    "P1,H1,Ann,Lee,1990-01-01,parent_carer\n"  # row 2
    "P2,H1,Bo,Lee,2024-03-01,child\n"  # row 3
    "P3,H2,Cy,Ray,1985-05-05,\n"  # row 4: empty
    "P4,H2,Di,Ray,2024-06-01,  \n"  # row 5: blank
    "P5,H2,Ed,Ray,1985-02-30,\n"  # row 6: quarantined, so not warned of
)
UNSET = (
    "a person without a role is neither a parent or carer nor a child of their household, so "
    "their awards count for no other child; record parent_carer, child or other"
)


def test_people_with_an_empty_role_are_a_warning_counting_and_naming_them(make_folder):
    folder = make_folder({"people.csv": ROLES, "benefits.csv": BENEFITS})
    for normalise in (True, False):  # assess loads without normalising: warned all the same
        data = load_folder(folder, tables=["people"], normalise=normalise)
        reason = f"role is empty for 2 people (person_id P3, P4): {UNSET}"
        assert data.warnings.select("table", "file", "row", "column", "value", "reason").rows() == [
            ("people", "people.csv", 4, "role", None, reason),
            ("people", "people.csv", 5, "role", "  ", reason),
        ]
        assert data.tables["people"]["role"].to_list() == ["parent_carer", "child", None, None]


def test_an_empty_role_warning_names_the_first_five_people():
    ids = [f"P{i}" for i in range(1, 8)]
    raw = pl.DataFrame(
        {
            "person_id": ids,
            "household_id": ["H1"] * 7,
            "forename": ["Ann"] * 7,
            "surname": ["Lee"] * 7,
            "date_of_birth": ["1990-01-01"] * 7,
            "role": [None] * 7,
        }
    )
    checked = check_rows(TABLES["people"], raw, "people.csv", "csv")
    assert checked.warnings["row"].to_list() == [2, 3, 4, 5, 6, 7, 8]
    assert set(checked.warnings["reason"]) == {
        f"role is empty for 7 people (person_id P1, P2, P3, P4, P5, ...): {UNSET}"
    }


def test_no_role_warning_without_a_role_column_or_with_every_role_given(make_folder):
    given = ROLES.replace("1985-05-05,\n", "1985-05-05,other\n").replace(",  \n", ",child\n")
    for people in (PEOPLE, given):
        data = load_folder(make_folder({"people.csv": people, "benefits.csv": BENEFITS}))
        assert data.warnings.filter(pl.col("column") == "role").is_empty()


@pytest.mark.parametrize("people_in_order", [True, False])
@pytest.mark.parametrize("awards", [4, 60])  # few are looked up one by one, many merged
@pytest.mark.parametrize("awards_in_order", [True, False])
def test_an_unknown_person_is_found_exactly_whichever_way_it_is_looked_for(
    people_in_order, awards, awards_in_order
):
    people = pl.Series([f"P{i:03}" for i in range(0, 200, 2)])  # P000, P002, ..., P198
    if not people_in_order:
        people = people.shuffle(seed=3)
    # Before the first, after the last, between two, in another case, and known.
    odd = ["A1", "Z9", "P0505", "p002", "P003", "P198", "P000", "P100"]
    named = pl.Series((odd * 8)[:awards])
    if awards_in_order:
        named = named.sort()
    found = _absent(named, people)
    assert found.to_list() == [name not in set(people) for name in named]
    assert found.sum() == sum(name in {"A1", "Z9", "P0505", "p002", "P003"} for name in named)


def test_an_empty_person_id_is_never_called_unknown_on_any_path():
    people = pl.Series([f"P{i}" for i in range(100)])  # P10 sorts before P2: not in order
    many = pl.Series(["P7", None, "Q1", *[f"P{i}" for i in range(60)]])  # anti-joined
    assert _absent(many, people).to_list() == [False, False, True, *[False] * 60]
    few = pl.Series([None, "Q1"])  # probed
    assert _absent(few, people).to_list() == [False, True]


def test_people_held_in_large_pieces_are_merged_piece_by_piece_with_the_same_answer():
    # Three pieces of 40,000 ids (as polars holds a large table), household-like repeats
    # across the boundaries; asked about ids before, between, on and after the pieces.
    ids = [f"H{i // 2:06}" for i in range(120_000)]  # H000000 twice, H000001 twice, ...
    pieces = [pl.Series(ids[i : i + 40_000]) for i in range(0, 120_000, 40_000)]
    people = pl.concat(pieces, rechunk=False)
    assert people.n_chunks() == 3
    expected = {  # absent?
        "A": True, "H000000": False, "H019999": False, "H020000": False, "H020000x": True,
        "H039999": False, "H040000": False, "H059999": False, "H060000": True, "Z": True,
        "h000001": True,
    }  # fmt: skip
    asked = sorted(expected)
    found = _absent(pl.Series(asked), people)
    assert dict(zip(asked, found.to_list(), strict=True)) == expected
    many = pl.Series([f"H{i:06}" for i in range(0, 70_000, 7)])  # merged, piece by piece
    assert _absent(many, people).to_list() == [i >= 60_000 for i in range(0, 70_000, 7)]


ZEROS = (
    "person_id,household_id,forename,surname,date_of_birth\n"
    "24,H1,Ann,Lee,1990-01-01\n"
    "25,H1,Bo,Lee,2024-03-01\n"
    "P7,H2,Cy,Ray,1985-05-05\n"
)


def test_ids_alike_but_for_leading_zeros_say_excel_may_have_dropped_them(
    make_folder, tmp_path, monkeypatch
):
    # A tester's people workbook held `Person Ref` as a number (24) where the benefits and
    # social-care extracts wrote 0000024: every social-care row was quarantined as naming no
    # person, and nothing said the ids differed only in their leading zeros.
    from typer.testing import CliRunner

    from workbench.cli import app
    from workbench.data.quarantine import dropped_zeros

    statuses = (
        "status_id,person_id,status,start_date\n"
        "S1,0000025,looked_after,2025-01-01\n"  # row 2: 25 in people
        "S2,0000099,ehc_plan,2025-01-01\n"  # row 3: no such person, zeros or not
        "S3,0000025,ehc_plan,2025-02-01\n"  # row 4
    )
    benefits = "award_id,person_id,benefit,start_date\nA1,0000024,universal_credit,2025-01-01\n"
    folder = make_folder(
        {"people.csv": ZEROS, "benefits.csv": benefits, "child_statuses.csv": statuses}
    )
    data = load_folder(folder)
    advice = (
        "Excel may have dropped the zeros from person_id in people.csv: format that column as "
        "text and export again, or read it through a source profile as "
        "tables.people.columns.person_id: {pad: {column: person_id, width: 7}}"
    )
    assert quarantined(data) == [
        (
            "benefits",
            "benefits.csv",
            2,
            "person_id",
            "0000024",
            "person_id 0000024 is not a person_id in people.csv, though 24 is once leading "
            f"zeros are ignored: {advice}",
        ),
        (
            "child_statuses",
            "child_statuses.csv",
            2,
            "person_id",
            "0000025",
            "person_id 0000025 is not a person_id in people.csv, though 25 is once leading "
            f"zeros are ignored: {advice}",
        ),
        ("child_statuses", "child_statuses.csv", 3, "person_id", "0000099", unknown("0000099")),
        (
            "child_statuses",
            "child_statuses.csv",
            4,
            "person_id",
            "0000025",
            "person_id 0000025 is not a person_id in people.csv, though 25 is once leading "
            f"zeros are ignored: {advice}",
        ),
    ]
    assert quarantine_summary(data.quarantine)["kind"].to_list() == ["unknown person"] * 2
    # Every row is quarantined, most for ids alike but for their zeros: the zeros are named
    # as the likely cause, not two extracts that do not go together.
    assert mostly_quarantined(data) == [
        "benefits.csv: 1 of 1 rows (100%) are quarantined and count for nothing; the commonest "
        "problem is unknown person in column 'person_id' (first at row 2). See `workbench "
        "validate --quarantine-out FILE` for every row; the likely cause is leading zeros: 1 "
        f"of these rows name a person_id that people.csv holds once leading zeros are "
        f"ignored. {advice}",
        "child_statuses.csv: 3 of 3 rows (100%) are quarantined and count for nothing; the "
        "commonest problem is unknown person in column 'person_id' (first at row 2). See "
        "`workbench validate --quarantine-out FILE` for every row; the likely cause is leading "
        "zeros: 2 of these rows name a person_id that people.csv holds once leading zeros are "
        f"ignored. {advice}",
    ]
    assert dropped_zeros(data) == [
        "benefits.csv: 1 of the 1 person_id ids not found in people.csv match ids there once "
        f"leading zeros are ignored (0000024 and 24): {advice}",
        "child_statuses.csv: 1 of the 2 person_id ids not found in people.csv match ids there "
        f"once leading zeros are ignored (0000025 and 25): {advice}",
    ]
    monkeypatch.setenv("WORKBENCH_PROFILE", "")
    done = CliRunner().invoke(app, ["--quiet", "validate", str(folder)])
    assert (
        "warning: child_statuses.csv: 1 of the 2 person_id ids not found in people.csv match"
    ) in " ".join(done.output.split())
    # `assess` says it too, beside the list made without those rows.
    done = CliRunner().invoke(
        app,
        [
            "--quiet", "assess", "--initiative", "two_year_old", "--data", str(folder),
            "--term-start", "2026-09-01", "--as-of", "2026-08-01",
            "--out", str(tmp_path / "list.csv"),
        ],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert (
        "warning: benefits.csv: 1 of the 1 person_id ids not found in people.csv match ids "
        "there once leading zeros are ignored (0000024 and 24)"
    ) in " ".join(done.output.split())
    # The profile's `pad` reads the people's ids as the other files write them.
    profile = tmp_path / "pad.yaml"
    document = {
        "version": 1,
        "tables": {
            "people": {
                "file": "people.csv",
                "columns": {"person_id": {"pad": {"column": "person_id", "width": 7}}},
            }
        },
    }
    profile.write_text(yaml.safe_dump(document), encoding="utf-8")
    data = load_folder(folder, profile=profile)
    # (an id that is not digits alone is read as written)
    assert data.tables["people"]["person_id"].to_list() == ["0000024", "0000025", "P7"]
    # people's id is padded: said so, as it is not people.csv's person_id as written.
    padded = " (made there as person_id given leading zeros up to 7 digits)"
    assert quarantined(data) == [
        (
            "child_statuses",
            "child_statuses.csv",
            3,
            "person_id",
            "0000099",
            unknown("0000099") + padded,
        )
    ]
    assert dropped_zeros(data) == []


@pytest.mark.parametrize(
    ("entry", "header", "advice"),
    [
        (
            {"coalesce": ["Client ID", "Legacy ID"]},
            "Client ID,Legacy ID",
            "Excel may have dropped the zeros from Client ID and Legacy ID in clients.csv: "
            "format those columns as text and export again. The profile makes person_id from "
            "Client ID or Legacy ID by coalesce (tables.people.columns.person_id), and pad "
            "reads one column as it is, so it cannot give the zeros back there: the export (or "
            "whatever makes the column) must keep them",
        ),
        (
            {"split": {"column": "Client ID", "separator": "/", "index": 0}},
            "Client ID,Legacy ID",
            "Excel may have dropped the zeros from Client ID in clients.csv: format that column "
            "as text and export again. The profile makes person_id from Client ID (part 0) by "
            "split (tables.people.columns.person_id), and pad reads one column as it is, so it "
            "cannot give the zeros back there: the export (or whatever makes the column) must "
            "keep them",
        ),
        (
            {"pad": {"column": "Client ID", "width": 3}},
            "Client ID,Legacy ID",
            "Excel may have dropped the zeros from Client ID in clients.csv: format that column "
            "as text and export again, or read it through a source profile as "
            "tables.people.columns.person_id: {pad: {column: Client ID, width: 7}}",
        ),
    ],
)
def test_lost_zeros_of_a_derived_column_name_the_source_column_not_the_derivations_label(
    make_folder, tmp_path, entry, header, advice
):
    # The advice was `{pad: {column: Client ID or Legacy ID, width: 7}}`: no such column,
    # and a pad in place of the coalesce would have lost the legacy ids.
    from workbench.data.quarantine import dropped_zeros

    clients = (
        f"{header},household_id,forename,surname,date_of_birth\n"
        "24,,H1,Ann,Lee,1990-01-01\n"
        ",25,H1,Bo,Lee,2024-03-01\n"
    )
    benefits = "award_id,person_id,benefit,start_date\nA1,0000024,universal_credit,2025-01-01\n"
    folder = make_folder({"clients.csv": clients, "benefits.csv": benefits})
    profile = tmp_path / "profile.yaml"
    document = {
        "version": 1,
        "tables": {"people": {"file": "clients.csv", "columns": {"person_id": entry}}},
    }
    profile.write_text(yaml.safe_dump(document), encoding="utf-8")
    data = load_folder(folder, profile=profile, tables=["people", "benefits"])
    (reason,) = data.quarantine.filter(pl.col("table") == "benefits")["reason"]
    assert reason.endswith(f"once leading zeros are ignored: {advice}")
    (warning,) = dropped_zeros(data)
    assert warning.endswith(f": {advice}")
