"""The assurance notebook run end to end by papermill: it passes on a clean run, and it
reports, without failing itself, a run whose list claims a decision."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import polars as pl
import pytest

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
    assert checks["result"].to_list() == ["pass"] * 5
    html = clean.html.read_text()
    assert "All 5 checks passed." in html
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
    assert "1 of 5 checks FAILED" in result.html.read_text()
