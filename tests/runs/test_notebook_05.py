"""The assurance notebook run end to end by papermill: it passes on a clean run, and it
reports, without failing itself, a run whose list claims a decision."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import polars as pl
import pytest

from workbench.review import ReviewStore, load_key, register_list_file
from workbench.review.lists import review_candidates
from workbench.runs.report import run_report

SAMPLE = Path(__file__).parents[2] / "data_samples" / "council_small"


def _no_error_cells(run) -> None:
    executed = nbformat.read(run.run_dir / "notebook.ipynb", as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return run_report(
        "05_assurance", data=SAMPLE, parameters={}, reports=tmp_path_factory.mktemp("reports")
    )


def test_a_clean_run_passes_every_check(clean):
    assert clean.ok
    _no_error_cells(clean)
    checks = pl.read_csv(clean.run_dir / "shareable" / "assurance.csv")
    assert checks["result"].to_list() == ["pass"] * 10
    html = clean.html.read_text()
    assert "All 10 checks passed." in html
    assert (clean.run_dir / "restricted" / "two_year_old_list.csv").exists()


def test_a_list_that_claims_a_decision_is_reported(clean, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(clean.run_dir / "restricted", run / "restricted")
    listed = run / "restricted" / "two_year_old_list.csv"
    text = listed.read_text().replace("pending_review", "contacted", 1)
    listed.write_text(text)
    listed.chmod(0o600)
    result = run_report(
        "05_assurance", data=SAMPLE, parameters={"run": str(run)}, reports=tmp_path / "reports"
    )
    _no_error_cells(result)
    checks = pl.read_csv(result.run_dir / "shareable" / "assurance.csv")
    failed = checks.filter(pl.col("result") == "FAIL")["check"].to_list()
    assert failed == ["lists claim no decision"]
    # The finding names the list's file and row: the restricted copy holds it, the shareable
    # one keeps the result and points there (a file's name is an officer's choice).
    [found] = checks.filter(pl.col("result") == "FAIL")["what was found"].to_list()
    assert found == "not shareable: see restricted/assurance.csv"
    assert "two_year_old_list" not in (result.run_dir / "shareable" / "assurance.csv").read_text()
    kept = pl.read_csv(result.run_dir / "restricted" / "assurance.csv")
    assert kept["check"].to_list() == checks["check"].to_list()
    [detail] = kept.filter(pl.col("result") == "FAIL")["what was found"].to_list()
    assert detail.startswith(f"{listed} row 2: review_status is 'contacted'; a list never")
    assert (result.run_dir / "restricted" / "assurance.csv").stat().st_mode & 0o777 == 0o600
    assert result.html is not None
    assert "1 of 10 checks FAILED" in result.html.read_text()


def test_the_review_quality_of_a_store_is_tabled_and_its_warnings_shown(clean, tmp_path):
    """A store where one officer made 10 decisions in 30 s, contacted a funded child and opened
    no child's details: the notebook warns, tables it per reviewer (restricted), and keeps
    reviewers' names out of shareable/."""
    run = tmp_path / "run"
    shutil.copytree(clean.run_dir / "restricted", run / "restricted")
    listed = run / "restricted" / "two_year_old_list.csv"
    start = datetime(2026, 9, 14, 9, 0, tzinfo=UTC)
    moments = iter(start + timedelta(seconds=3 * n) for n in range(100))  # a read every 3 s
    key = load_key()
    with ReviewStore(tmp_path / "review.sqlite", clock=lambda: next(moments)) as store:
        list_id, found = register_list_file(store, listed, key)
        shaped = review_candidates(found.candidates, key).sort("already_funded", descending=True)
        assert shaped["already_funded"][0]
        items = shaped["item_key"].to_list()
        for n in range(10):  # the sample's list is short: some children are decided again
            store.record_decision(list_id, items[n % len(items)], "contact", "A. Officer")
    result = run_report(
        "05_assurance",
        data=SAMPLE,
        parameters={"run": str(run), "store": str(tmp_path / "review.sqlite")},
        reports=tmp_path / "reports",
    )
    _no_error_cells(result)
    checks = pl.read_csv(result.run_dir / "shareable" / "assurance.csv")
    assert checks.filter(pl.col("result") == "warn")["check"].to_list() == [
        "review pace",
        "no contact to already-funded children",
        "child's details seen before each decision",
    ]
    # The counts (of decisions about children, some already funded: small, and protected by
    # no disclosure control) stay in restricted/, as the reviewers' names do: shareable/ may
    # leave the council, so it keeps each check and its result only.
    assert set(checks["what was found"]) == {"not shareable: see restricted/assurance.csv"}
    assert "A. Officer" not in (result.run_dir / "shareable" / "assurance.csv").read_text()
    kept = pl.read_csv(result.run_dir / "restricted" / "assurance.csv")
    [pace] = kept.filter(pl.col("check") == "review pace")["what was found"].to_list()
    assert pace.splitlines()[0] == (
        "1 of 1 reviewer(s) on 1 list(s) recorded more than 6 decisions a minute on a list, "
        "sustained over 60 s:"
    )
    [funded] = kept.filter(pl.col("check") == "no contact to already-funded children")[
        "what was found"
    ].to_list()
    assert "contact decision(s) about children whose list row says already_funded" in funded
    quality = pl.read_csv(result.run_dir / "restricted" / "review_quality.csv")
    assert quality.select("reviewer", "decisions", "most_in_window", "without_view").rows() == [
        ("A. Officer", 10, 10, 10)
    ]
    assert quality["contacts_to_funded"][0] >= 1
    assert result.html is not None
    html = result.html.read_text()
    assert "All 14 checks passed (3 with warnings for the auditor: see below)." in html
    assert "How the decisions were made" in html and "A. Officer" in html


@pytest.mark.slow
def test_a_run_folder_given_by_a_relative_path_is_checked(clean, tmp_path, monkeypatch):
    # A tester's case: `-p run=lists` passed the runner's check, then failed in the kernel
    # ("/tmp/tnb/lists: does not exist", exit 4): the kernel, in the run folder, was handed
    # the folder as given. A relative file worked.
    shutil.copytree(clean.run_dir / "restricted", tmp_path / "lists")
    monkeypatch.chdir(tmp_path)
    result = run_report(
        "05_assurance", data=SAMPLE, parameters={"run": "lists"}, reports=Path("reports")
    )
    assert result.ok
    _no_error_cells(result)
    checks = pl.read_csv(result.run_dir / "shareable" / "assurance.csv")
    assert checks["result"].to_list() == ["pass"] * 10
    kept = pl.read_csv(result.run_dir / "restricted" / "assurance.csv")
    [found] = kept.filter(pl.col("check") == "lists claim no decision")["what was found"]
    assert found == "1 list(s), every row pending_review, each as assess wrote it"
