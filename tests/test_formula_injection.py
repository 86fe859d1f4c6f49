"""Formula injection (OWASP "CSV Injection"): a name, address or id that a spreadsheet would
run as a formula is written inert into every CSV a person may open, read back exactly by the
workbench, and left as it is in parquet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tests.review.test_outreach as outreach_case
from workbench.review import ReviewStore, register_list_file
from workbench.review.lists import read_list_file
from workbench.review.outreach import export_outreach
from workbench.runs.console import write_quarantine
from workbench.spreadsheet import FORMULA_START, neutralised, restored

ATTACKS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)", "=cmd|' /C calc'!A0"]
ATTACKS += ["\t=1+1", "\r=1+1"]


@given(st.lists(st.one_of(st.text(), st.sampled_from(ATTACKS), st.none()), max_size=20))
def test_neutralising_is_undone_exactly_and_leaves_no_formula(values):
    frame = pl.DataFrame({"value": values}, schema={"value": pl.String})
    safe = neutralised(frame)
    assert restored(safe).equals(frame)
    assert not safe["value"].drop_nulls().str.contains(r"^[=+\-@\t\r]").any()


def test_numbers_and_dates_are_left_alone():
    frame = pl.DataFrame({"n": [-2, 3], "x": [-1.5, None]})
    assert neutralised(frame).equals(frame)


def _council(folder: Path) -> Path:
    folder.mkdir()
    (folder / "people.csv").write_text(
        "person_id,household_id,forename,surname,date_of_birth,role\n"
        "=cmd|' /C calc'!A0,H1,Kit,Lee,2024-03-02,child\n"
        "A1,H1,Ada,Lee,1990-01-01,parent_carer\n"
    )
    (folder / "benefits.csv").write_text(
        "award_id,person_id,benefit,start_date\n@SUM(1),A1,income_support,2025-01-01\n"
    )
    return folder


def test_an_id_that_is_a_formula_is_written_inert_and_read_back_as_it_was(tmp_path):
    data = _council(tmp_path / "data")
    out = tmp_path / "list.csv"
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "--quiet", "assess", "--initiative", "two_year_old",
         "--data", str(data), "--term-start", "2026-09-01", "--as-of", "2026-09-01",
         "--out", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    row = out.read_text().splitlines()[1]
    assert row.startswith("'=cmd|' /C calc'!A0,")
    assert "income_support: award @SUM(1) of parent/carer A1" in row  # not at a cell's start
    assert read_list_file(out).candidates["person_id"].to_list() == ["=cmd|' /C calc'!A0"]
    parquet = tmp_path / "list.parquet"
    subprocess.run(
        [sys.executable, "-m", "workbench", "--quiet", "assess", "--initiative", "two_year_old",
         "--data", str(data), "--term-start", "2026-09-01", "--as-of", "2026-09-01",
         "--out", str(parquet)],
        check=True, capture_output=True,
    )  # fmt: skip
    assert pl.read_parquet(parquet)["person_id"].to_list() == ["=cmd|' /C calc'!A0"]


def test_names_and_addresses_in_the_outreach_export_are_inert(tmp_path, monkeypatch):
    people = outreach_case.PEOPLE.replace(
        "Amy,Adams,2024-03-10,,1 Oak Road",
        '"=HYPERLINK(""http://x"",""y"")",Adams,2024-03-10,,-2+3',
    )
    people = people.replace("Beth,Adams", "+1+1,Adams")
    monkeypatch.setattr(outreach_case, "PEOPLE", people)
    data, listed = outreach_case.write_run(tmp_path / "run")
    with ReviewStore(tmp_path / "review.sqlite") as store:
        list_id, _ = register_list_file(store, listed, outreach_case.KEY)
        outreach_case.decide(store, list_id, ("P1", "contact", None))
        out = tmp_path / "outreach.csv"
        export_outreach(store, listed, data, out, key=outreach_case.KEY, user="A. Officer")
    exported = pl.read_csv(out, infer_schema=False)
    cells = [c for row in exported.rows() for c in row if c is not None]
    assert not any(pl.Series(cells).str.contains(FORMULA_START.replace("'*", "")))
    assert '\'=HYPERLINK("http://x","y")' in cells
    row, shown = restored(exported).row(0, named=True), exported.row(0, named=True)
    assert (shown["address_line_1"], shown["parent_carers"][:5]) == ("'-2+3", "'+1+1")
    assert (row["address_line_1"], row["parent_carers"][:4]) == ("-2+3", "+1+1")
    assert row["child_forename"] == '=HYPERLINK("http://x","y")'


def test_the_quarantine_file_holds_raw_values_inert(tmp_path):
    quarantine = pl.DataFrame(
        {"table": ["people"], "row": [2], "value": ["=1+1"], "reason": ["bad date"]}
    )
    path = write_quarantine(quarantine, tmp_path / "quarantine.csv")
    assert path.read_text().splitlines()[1] == "people,2,'=1+1,bad date"
    parquet = write_quarantine(quarantine, tmp_path / "quarantine.parquet")
    assert pl.read_parquet(parquet)["value"].to_list() == ["=1+1"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_every_attack_from_the_issue_is_neutralised(attack):
    assert neutralised(pl.DataFrame({"v": [attack]}))["v"][0] == "'" + attack


def test_the_quarantine_file_is_owner_only_under_umask_000_and_replaces_a_link(tmp_path):
    import os
    import stat

    quarantine = pl.DataFrame({"table": ["people"], "value": ["x"]})
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("untouched\n")
    target = tmp_path / "quarantine.csv"
    target.symlink_to(elsewhere)
    old = os.umask(0)
    try:
        write_quarantine(quarantine, target)
    finally:
        os.umask(old)
    assert not target.is_symlink() and elsewhere.read_text() == "untouched\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
