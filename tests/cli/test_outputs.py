"""No command writes over a file it reads: every output option, and the files written beside
it, is checked against the command's inputs before anything is read or written."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from tests.command import workbench
from tests.council import Council

DATES = ("--term-start", "2026-09-01", "--as-of", "2026-09-01")
TWO = ("--initiative", "two_year_old", *DATES)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A council with people, benefits and funded places (no DWP list) as CSV files."""
    c = Council()
    c.person("A1", "H1", date(1990, 1, 1), role="parent_carer", nino="AB123456C")
    c.person("C1", "H1", date(2024, 3, 2), role="child")
    c.award("B1", "A1", "universal_credit", net=12000.0)
    c.funded("F1", "NameC1", date(2024, 3, 2), date(2026, 9, 1), "two_year_old")
    folder = tmp_path / "D"
    folder.mkdir()
    for name in ("people", "benefits", "funded_places"):
        frame = c.tables()[name].collect()
        frame.write_csv(folder / f"{name}.csv", date_format="%Y-%m-%d")
    return folder


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def refused(*args: str, cwd: Path | None = None) -> str:
    """The one-line error of a command refused as a wrong command line (exit 2)."""
    done = workbench(*args, cwd=cwd)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    return done.stderr.removeprefix("error: ").rstrip("\n")


def test_assess_refuses_a_list_over_a_file_of_its_data_folder(data, tmp_path):
    before = digests(data)
    out = data / "people.csv"
    assert refused("assess", "--data", str(data), *TWO, "--out", str(out)) == (
        f"--out {out}: the list would be written over the people table of the data folder "
        f"{data}, which this command reads. Give --out another file."
    )
    # Spelled another way, from the folder above: the same file.
    assert refused("assess", "--data", "D", *TWO, "--out", "./D/../D/people.csv", cwd=tmp_path) == (
        "--out D/../D/people.csv: the list would be written over the people table of the data "
        "folder D, which this command reads. Give --out another file."
    )
    # Through a symbolic link to it.
    link = tmp_path / "alias.csv"
    link.symlink_to(out)
    assert refused("assess", "--data", str(data), *TWO, "--out", str(link)) == (
        f"--out {link}: the list would be written over the people table of the data folder "
        f"{data} ({out}), which this command reads. Give --out another file."
    )
    assert digests(data) == before
    assert not list(tmp_path.glob("**/*.manifest.json"))


def test_a_file_named_as_a_table_is_refused_in_the_data_folder_even_before_it_exists(data):
    out = data / "dwp_list.csv"  # no DWP list yet: the next run would read the list as one
    assert refused("assess", "--data", str(data), *TWO, "--out", str(out)) == (
        f"--out {out}: the list would be written in the data folder {data} under the name of "
        "its dwp_list table, so the next command would read it as the council's data. Give "
        "--out a file outside the data folder, or another name."
    )
    assert not out.exists()


def test_validate_refuses_a_quarantine_over_its_data_and_writes_one_beside_it(data):
    before = digests(data)
    out = data / "benefits.csv"
    assert refused("validate", str(data), "--quarantine-out", str(out)) == (
        f"--quarantine-out {out}: the quarantine would be written over the benefits table of "
        f"the data folder {data}, which this command reads. Give --quarantine-out another file."
    )
    assert digests(data) == before
    beside = data / "quarantine.csv"  # not a table's name: fine
    done = workbench("validate", str(data), "--quarantine-out", str(beside))
    assert done.returncode == 0, done.stderr
    assert beside.read_text().splitlines()[0].startswith("table,file,row,column")


def test_link_refuses_links_over_its_data_and_a_quarantine_over_its_truth(data, tmp_path):
    before = digests(data)
    out = data / "funded_places.csv"
    assert refused("link", "--data", str(data), "--out", str(out)) == (
        f"--out {out}: the links would be written over the funded_places table of the data "
        f"folder {data}, which this command reads. Give --out another file."
    )
    # The file written beside the links may not land on an input either.
    truth = tmp_path / "links.quarantine.csv"
    truth.write_text("source,record_id,person_id\n")
    links = tmp_path / "links.csv"
    assert refused("link", "--data", str(data), "--out", str(links), "--truth", str(truth)) == (
        f"--out {links}: the quarantine would be written to {truth} over the ground truth "
        "(--truth), which this command reads. Give --out another file."
    )
    assert digests(data) == before and truth.read_text() == "source,record_id,person_id\n"


def test_stats_refuses_a_folder_whose_tables_would_replace_its_ward_lookup(data, tmp_path):
    out = tmp_path / "stats"
    out.mkdir()
    lookup = out / "take_up_by_ward.csv"
    lookup.write_text("postcode,ward\nFQ1,Ash\n")
    assert refused(
        "stats", "--data", str(data), *TWO, "--out", str(out), "--ward-lookup", str(lookup)
    ) == (
        f"--out {out}: the tables would be written to {lookup} over the ward lookup "
        "(--ward-lookup), which this command reads. Give --out another folder."
    )
    assert lookup.read_text() == "postcode,ward\nFQ1,Ash\n"


@pytest.mark.slow
def test_review_and_check_commands_refuse_outputs_over_the_list_its_folder_and_store(
    data, tmp_path
):
    lists = tmp_path / "lists"
    lists.mkdir()
    listed = lists / "list.csv"
    listed.write_text("person_id\n")
    # The list's manifest names the data folder it was made from: read for who each child is.
    (lists / "list.csv.manifest.json").write_text(json.dumps({"data": str(data)}))
    store = tmp_path / "review.sqlite"
    people = data / "people.csv"
    common = ("--store", str(store), "--list", str(listed))
    assert refused("review", "outreach", *common, "--out", str(people)) == (
        f"--out {people}: the contact list would be written over the people table of the data "
        f"folder {data}, which this command reads. Give --out another file."
    )
    assert refused("review", "export", *common, "--out", str(store)) == (
        f"--out {store}: the workbook would be written over the review store (--store), which "
        "this command reads. Give --out another file."
    )
    # check export writes NAME-part1.csv, ...: a list called checks-part1.csv would be one.
    parts = lists / "checks-part1.csv"
    parts.write_text("person_id\n")
    (lists / "checks-part1.csv.manifest.json").write_text(json.dumps({"data": str(data)}))
    checks = lists / "checks.csv"
    assert refused(
        "check", "export", "--store", str(store), "--list", str(parts), "--out", str(checks)
    ) == (
        f"--out {checks}: DfE's check files would be written in {lists} over the list (--list) "
        f"({parts}), which this command reads. Give --out another file."
    )
    # The review app's folder holds review_app.json, ...: a list of that name would be lost.
    app = tmp_path / "app"
    app.mkdir()
    named = app / "review_app.json"
    named.write_text("{}")
    assert refused(
        "review", "serve", "--store", str(store), "--list", str(named), "--write-app", str(app)
    ) == (
        f"--write-app {app}: the app would be written to {named} over the list (--list), which "
        "this command reads. Give --write-app another folder."
    )
    assert not store.exists() and listed.read_text() == "person_id\n"


def test_subject_access_profile_suggest_and_retention_refuse_their_inputs(data, tmp_path):
    people = data / "people.csv"
    assert refused(
        "subject-access", "--data", str(data), "--person", "C1", "--out", str(people)
    ) == (
        f"--out {people}: the export would be written over the people table of the data "
        f"folder {data}, which this command reads. Give --out another file."
    )
    assert refused("profile", "suggest", str(data), "--out", str(people), "--overwrite") == (
        f"--out {people}: the suggested profile would be written over a file of the extract "
        "(people.csv), which this command reads. Give --out another file."
    )
    policy = tmp_path / "policy.yaml"
    policy.write_text("kinds: {}\n")
    reports = tmp_path / "reports"
    assert refused(
        "retention",
        "--apply",
        "--reports",
        str(reports),
        "--policy",
        str(policy),
        "--log",
        str(policy),
    ) == (
        f"--log {policy}: the deletion log would be written over the retention policy "
        "(--policy), which this command reads. Give --log another file."
    )
    assert policy.read_text() == "kinds: {}\n"
