"""The governance commands from the command line: transparency, retention, subject access."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from tests.command import workbench
from workbench.synth import generate_council, write_council


def test_transparency_lists_every_criterion_in_force(tmp_path: Path):
    out = tmp_path / "new" / "folder" / "atrs.md"  # made, as other commands' --out (a traceback)
    result = workbench("transparency", "--on", "2026-09-01", "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    for code in ("universal_credit_low_income", "disability_access_fund", "dwp_list"):
        assert f"`{code}`" in text


def test_retention_dry_run_deletes_nothing_and_a_bad_policy_is_refused(tmp_path: Path):
    old = tmp_path / "reports" / "2015-09-01-demo-r-0123456789ab"
    (old / "restricted").mkdir(parents=True)
    (old / "restricted" / "list.csv").write_text("person_id\nP1\n")
    dry = workbench("retention", "--reports", str(tmp_path / "reports"), "--today", "2026-11-26")
    assert dry.returncode == 0, dry.stderr
    assert "Nothing deleted" in dry.stdout and old.exists()
    applied = workbench(
        "retention", "--apply", "--reports", str(tmp_path / "reports"), "--today", "2026-11-26"
    )
    assert applied.returncode == 0, applied.stderr
    assert not old.exists()
    bad = tmp_path / "policy.yaml"
    bad.write_text("periods: {}\n")
    refused = workbench("retention", "--policy", str(bad), "--reports", str(tmp_path))
    assert refused.returncode == 1 and "policy.yaml" in refused.stderr


def test_retention_lists_and_deletes_a_stopped_runs_hidden_folders_but_not_a_running_one(
    tmp_path: Path,
):
    from filelock import FileLock

    reports = tmp_path / "reports"
    partial = reports / ".2018-09-01-demo-r-0123456789ab.partial"
    previous = reports / ".2019-01-01-demo-r-0123456789cd.previous"
    running = reports / ".2019-06-01-demo-r-0123456789ef.partial"
    for folder in (partial, previous, running):
        (folder / "restricted").mkdir(parents=True)
        (folder / "restricted" / "list.csv").write_text("person_id\nP1\n")
    args = ("retention", "--reports", str(reports), "--today", "2026-11-26")
    lock = FileLock(reports / ".2019-06-01-demo-r-0123456789ef.lock")
    lock.acquire()  # a report run writing `running` now
    try:
        dry = workbench(*args)
        assert (partial / "restricted" / "list.csv").exists() and previous.exists()
        applied = workbench(*args, "--apply")
    finally:
        lock.release()
    assert dry.returncode == 0, dry.stderr
    listed = [
        f"delete run_folders        2025-09-01  {partial}",
        f"delete restricted_outputs 2019-09-01  {partial / 'restricted'}",
        f"delete run_folders        2026-01-01  {previous}",
        f"delete restricted_outputs 2020-01-01  {previous / 'restricted'}",
        f"{running} is in progress (a report run holds its lock "
        ".2019-06-01-demo-r-0123456789ef.lock): left alone",
    ]
    assert dry.stdout.splitlines() == [
        *listed,
        "Dry run: 2 item(s) past their date, 0 kept. Nothing deleted; run with --apply to delete.",
    ]
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines() == [
        *listed,
        "Deleted 2 run_folders, 0 restricted_outputs, 0 lists, 0 outreach_exports, "
        "0 check_exports, 0 review_workbooks, 0 dfe_results, 0 quarantine_files, "
        "0 link_outputs, 0 subject_access_exports (a folder counts once, with all inside it). "
        "Logged.",
    ]
    assert not partial.exists() and not previous.exists()
    assert (running / "restricted" / "list.csv").exists()


def test_subject_access_by_person_id(tmp_path: Path):
    env = dict(os.environ, WORKBENCH_KEY_FILE=str(tmp_path / "k" / "pseudonym.key"))
    env["WORKBENCH_STORE"] = str(tmp_path / "access.sqlite")  # its key's own
    env.pop("WORKBENCH_KEY", None)
    data = tmp_path / "data"
    council = generate_council(300, 5)
    write_council(council, data, "csv")
    person = council["people"]["person_id"][0]
    out = tmp_path / "sar.md"
    result = workbench(
        "subject-access", "--person", person, "--data", str(data), "--out", str(out), env=env
    )
    assert result.returncode == 0, result.stderr
    assert person in out.read_text()
    assert oct(out.stat().st_mode & 0o777) == "0o600"


def _dwp_only_council(folder: Path) -> Path:
    """One council family, and a DWP-list child (Wren Hale) the council does not know."""
    folder.mkdir()
    (folder / "people.csv").write_text(
        "person_id,household_id,forename,surname,date_of_birth,nino,postcode,role\n"
        "P1,H1,Ada,Lee,1990-05-01,AB123456C,FQ1 1AA,parent_carer\n"
        "P2,H1,Mo,Lee,2024-03-02,,FQ1 1AA,child\n"
    )
    (folder / "benefits.csv").write_text(
        "award_id,person_id,benefit,start_date,end_date,net_earned_income,gross_income\n"
    )
    (folder / "dwp_list.csv").write_text(
        "record_id,child_forename,child_surname,child_date_of_birth,parent_forename,"
        "parent_surname,parent_nino,postcode\n"
        "D1,Mo,Lee,2024-03-02,Ada,Lee,AB123456C,FQ1 1AA\n"
        "D2,Wren,Hale,2024-06-10,Rose,Hale,CE654321A,FQ2 2BB\n"
    )
    return folder


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_subject_access_finds_a_dwp_only_child_by_name_and_a_parent_by_nino(tmp_path: Path):
    env = dict(os.environ, WORKBENCH_KEY_FILE=str(tmp_path / "k" / "pseudonym.key"))
    env["WORKBENCH_STORE"] = str(tmp_path / "access.sqlite")  # its key's own
    env.pop("WORKBENCH_KEY", None)
    data = _dwp_only_council(tmp_path / "data")
    child = tmp_path / "child.md"
    by_name = workbench(
        "subject-access", "--data", str(data), "--out", str(child),
        "--forename", " wren ", "--surname", "HALE", "--dob", "2024-06-10", env=env,
    )  # fmt: skip
    assert by_name.returncode == 0, by_name.stderr
    text = child.read_text()
    assert "D2" in text and "Wren" in text
    assert "D1" not in text and "Rose" not in text and "CE654321A" not in text
    parent = tmp_path / "parent.md"
    by_nino = workbench(
        "subject-access", "--data", str(data), "--out", str(parent), "--nino", "ce 65 43 21 a",
        env=env,
    )  # fmt: skip
    assert by_nino.returncode == 0, by_nino.stderr
    assert "D2" in parent.read_text() and "Wren" not in parent.read_text()
    # No one with that name and date of birth: a "nothing held" answer, the record that the
    # search was made (not a refusal, as it was).
    nobody = workbench(
        "subject-access", "--data", str(data), "--out", str(tmp_path / "x.md"),
        "--forename", "Nobody", "--surname", "Hale", "--dob", "2024-06-10", env=env,
    )  # fmt: skip
    assert nobody.returncode == 0, nobody.stderr
    text = (tmp_path / "x.md").read_text()
    assert text.startswith(
        "# Subject access: what the Eligibility Workbench holds about Nobody Hale, born "
        "2024-06-10\n\n"
    )
    assert (
        f"No one in the people file or the DWP list of the data folder {data} has the names "
        "Nobody Hale and the date of birth 2024-06-10" in text
    )
    assert "| files searched | dwp_list.csv, people.csv (the people file and the DWP list, " in text
    assert "Wren" not in text and "D2" not in text
    both = workbench(
        "subject-access", "--data", str(data), "--out", str(tmp_path / "y.md"),
        "--person", "P1", "--nino", "CE654321A", env=env,
    )  # fmt: skip
    assert both.returncode == 2 and "name the person in one way" in both.stderr


def test_subject_access_searches_the_lists_under_reports_by_default(tmp_path: Path):
    env = dict(os.environ, WORKBENCH_KEY_FILE=str(tmp_path / "k" / "pseudonym.key"))
    env["WORKBENCH_STORE"] = str(tmp_path / "access.sqlite")  # its key's own
    env.pop("WORKBENCH_KEY", None)
    data = _dwp_only_council(tmp_path / "data")
    restricted = tmp_path / "reports" / "2026-09-01-02_eligibility_list-r-1" / "restricted"
    restricted.mkdir(parents=True)
    listed = restricted / "two_year_old_list.csv"
    made = workbench(
        "assess", "--data", str(data), "--initiative", "two_year_old", "--term-start",
        "2026-09-01", "--as-of", "2026-09-01", "--out", str(listed), env=env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    answer = workbench(
        "subject-access", "--data", "data", "--out", "sar.md", "--dwp-record", "D2",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert answer.returncode == 0, answer.stderr
    text = (tmp_path / "sar.md").read_text()
    assert (
        "Every list under the reports folder reports (a file with its .manifest.json beside "
        "it, as retention finds them) was searched." in text
    )
    assert (
        "| reports/2026-09-01-02_eligibility_list-r-1/restricted/two_year_old_list.csv | " in text
    )
    assert "\n### 2026-09-01-02_eligibility_list-r-1/restricted/two_year_old_list.csv (" in text


def test_subject_access_by_name_refuses_two_children_and_takes_a_dwp_record(tmp_path: Path):
    # Another Mo Lee born the same day, on the DWP list with another mother, linked to no one.
    env = dict(os.environ, WORKBENCH_KEY_FILE=str(tmp_path / "k" / "pseudonym.key"))
    env["WORKBENCH_STORE"] = str(tmp_path / "access.sqlite")  # its key's own
    env.pop("WORKBENCH_KEY", None)
    data = _dwp_only_council(tmp_path / "data")
    with (data / "dwp_list.csv").open("a") as rows:
        rows.write("D3,Mo,Lee,2024-03-02,Kim,Other,CE111111A,FQ9 9ZZ\n")
    by_name = workbench(
        "subject-access", "--data", str(data), "--out", str(tmp_path / "mo.md"),
        "--forename", "Mo", "--surname", "Lee", "--dob", "2024-03-02", env=env,
    )  # fmt: skip
    assert by_name.returncode == 2
    assert (
        "person P2 in the people file; the child of DWP-list record(s) D3, linked to no one"
        in " ".join(by_name.stderr.split())
    )
    assert not (tmp_path / "mo.md").exists()
    by_record = workbench(
        "subject-access", "--data", str(data), "--out", str(tmp_path / "d3.md"),
        "--dwp-record", "D3", env=env,
    )  # fmt: skip
    assert by_record.returncode == 0, by_record.stderr
    text = (tmp_path / "d3.md").read_text()
    assert "the child of DWP-list record(s) D3" in text and "P2" not in text


def test_transparency_out_replaces_a_link_instead_of_writing_through_it(tmp_path: Path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    out = tmp_path / "record.md"
    out.symlink_to(victim)
    done = workbench("transparency", "--on", "2026-09-01", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "keep me\n"
    assert not out.is_symlink() and out.read_text().startswith("#")
    assert oct(out.stat().st_mode & 0o777) == "0o644"


def test_transparency_without_on_describes_the_term_in_progress():
    """A tester's case: without --on the record said "the term starting" today, a day no
    term starts on."""
    result = workbench("transparency")
    assert result.returncode == 0, result.stderr
    (heading,) = [
        line for line in result.stdout.splitlines() if line.startswith("### 5. Logic: the rules")
    ]
    start = date.fromisoformat(heading.rsplit(" ", 1)[1])
    assert (start.month, start.day) in {(1, 1), (4, 1), (9, 1)}
    assert start <= date.today() < start.replace(year=start.year + 1)
