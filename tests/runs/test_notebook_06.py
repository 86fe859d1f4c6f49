"""The linkage-quality notebook run end to end by papermill (through `run_report`) on a synthetic
council with a ground truth, and on one without: what it writes where, its charts, and that
nothing it shares names anyone.

Kernel start-up is slow, so each run is made once per module and shared between tests.
"""

from __future__ import annotations

import base64
import json
import re
import stat
from pathlib import Path

import nbformat
import polars as pl
import pytest

from workbench.runs.report import run_report
from workbench.synth import generate_council, write_council

NOTEBOOK = "06_linkage_quality"
HOUSEHOLDS = 3000
SEED = 6
NINO = re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b")
SHAREABLE_WITH_TRUTH = [
    "linkage_bands.csv",
    "linkage_calibration.svg",
    "linkage_calibration_pairs.csv",
    "linkage_quality_linked.csv",
    "linkage_quality_linked_and_clerical.csv",
    "match_weight_bins.csv",
    "match_weight_histogram.svg",
]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def council_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("council") / "data"
    write_council(generate_council(HOUSEHOLDS, SEED), folder, "csv")
    return folder


@pytest.fixture(scope="module")
def with_truth(council_folder, tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    return run_report(NOTEBOOK, data=council_folder, parameters={}, reports=reports)


@pytest.fixture(scope="module")
def without_truth(council_folder, tmp_path_factory):
    folder = tmp_path_factory.mktemp("real") / "data"
    folder.mkdir()
    for name in ("people.csv", "dwp_list.csv", "funded_places.csv"):
        (folder / name).write_bytes((council_folder / name).read_bytes())
    reports = tmp_path_factory.mktemp("reports")
    return run_report(NOTEBOOK, data=folder, parameters={"seed": 3}, reports=reports)


def personal_words(folder: Path) -> set[str]:
    """Every forename, surname and NINO in the council, lower-cased."""
    people = pl.read_csv(folder / "people.csv", infer_schema=False)
    words = set()
    for column in ("forename", "surname", "nino"):
        words |= {w.lower() for w in people[column].drop_nulls().to_list()}
    for source in ("dwp_list", "funded_places"):
        frame = pl.read_csv(folder / f"{source}.csv", infer_schema=False)
        for column in ("child_forename", "child_surname", "parent_forename", "parent_surname"):
            if column in frame.columns:
                words |= {w.lower() for w in frame[column].drop_nulls().to_list()}
    return words


def words_in(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'\-]+", text)}


def test_the_run_succeeds_with_no_error_cells(with_truth):
    assert with_truth.ok
    cells = nbformat.read(with_truth.run_dir / "notebook.ipynb", as_version=4).cells
    errors = [o for c in cells if c.cell_type == "code" for o in c.outputs]
    assert [o for o in errors if o.output_type == "error"] == []
    assert json.loads((with_truth.run_dir / "manifest.json").read_text())["status"] == "ok"


def test_shareable_holds_the_protected_tables_and_the_charts(with_truth):
    shareable = with_truth.run_dir / "shareable"
    assert sorted(p.name for p in shareable.iterdir()) == SHAREABLE_WITH_TRUTH
    for svg in shareable.glob("*.svg"):
        assert svg.read_text().lstrip().startswith("<svg"), svg.name


def test_shared_quality_table_is_child_level_with_totals(with_truth):
    table = pl.read_csv(with_truth.run_dir / "shareable" / "linkage_quality_linked.csv")
    assert table.columns == ["source", "measure", "value", "suppressed"]
    assert table["source"].unique(maintain_order=True).to_list() == [
        "dwp_list",
        "funded_places",
        "Total",
    ]
    assert set(table["measure"]) == {"true", "predicted", "correct", "precision", "recall"}


def embedded_svgs(html: str) -> list[str]:
    """The SVG images the HTML carries inline, as base64 data URIs, decoded."""
    found = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)
    return [base64.b64decode(image).decode("utf-8") for image in found]


def test_report_html_embeds_the_three_charts(with_truth):
    charts = embedded_svgs(with_truth.html.read_text())
    assert len(charts) == 3
    histogram, calibration, pair = charts
    assert "scored pairs fall between the thresholds" in histogram
    assert "calibrated" in calibration or "true matches than the model says" in calibration
    assert "weighs most" in pair and "prior (before any comparison)" in pair


def test_nothing_shared_names_anyone(with_truth, council_folder):
    names = personal_words(council_folder)
    for path in (with_truth.run_dir / "shareable").iterdir():
        text = path.read_text()
        assert NINO.findall(text) == [], path.name
        assert words_in(re.sub(r"<[^>]+>", " ", text)) & names == set(), path.name


def test_the_explained_pair_is_named_only_in_restricted(with_truth, council_folder):
    restricted = with_truth.run_dir / "restricted"
    assert mode(restricted) == 0o700
    assert {p.name for p in restricted.iterdir()} == {
        "explained_pair.json",
        "explained_pair_waterfall.svg",
        "links.parquet",
    }
    assert all(mode(p) == 0o600 for p in restricted.iterdir())
    pair = json.loads((restricted / "explained_pair.json").read_text())
    assert pair["band"] in ("clerical_review", "linked") and pair["person_id"]
    html = with_truth.html.read_text()
    shown = "\n".join([html, *embedded_svgs(html)])
    assert pair["record_id"] not in shown and pair["person_id"] not in shown
    people = pl.read_csv(council_folder / "people.csv", infer_schema=False)
    child = people.filter(pl.col("person_id") == pair["person_id"]).row(0, named=True)
    words = words_in(re.sub(r"<[^>]+>", " ", shown))
    assert {child["forename"].lower(), child["surname"].lower()} & words == set()


def test_without_a_ground_truth_only_the_bands_and_weights_are_shared(without_truth):
    assert without_truth.ok
    shareable = sorted(p.name for p in (without_truth.run_dir / "shareable").iterdir())
    assert shareable == ["linkage_bands.csv", "match_weight_bins.csv", "match_weight_histogram.svg"]
    assert "No `ground_truth.csv`" in without_truth.html.read_text() or (
        "No <code>ground_truth.csv</code>" in without_truth.html.read_text()
    )


def test_the_committed_sample_runs_end_to_end(tmp_path):
    """On data_samples/council_small (300 households): no error cells, the quality table is
    written only if it is safe, and nothing shareable names anyone."""
    sample = Path(__file__).parents[2] / "data_samples" / "council_small"
    run = run_report(NOTEBOOK, data=sample, parameters={}, reports=tmp_path)
    assert run.ok
    executed = nbformat.read(run.run_dir / "notebook.ipynb", as_version=4)
    errors = [
        o for c in executed.cells if c.cell_type == "code" for o in c.outputs
        if o.output_type == "error"
    ]  # fmt: skip
    assert errors == []
    assert (run.run_dir / "shareable" / "match_weight_histogram.svg").exists()
    people = pl.read_csv(sample / "people.csv", infer_schema=False)
    shared = " ".join(p.read_text() for p in (run.run_dir / "shareable").glob("*.csv"))
    assert not any(pid in shared for pid in people["person_id"])
    assert not NINO.search(shared)
