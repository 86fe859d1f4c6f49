"""Notebooks 02 and 04 given `-p linkage_model=DIR` link with a council's own linkage model,
as `assess --model` and `stats --model` do: `workbench report` hands the folder to the kernel
(found from the working folder, as every path parameter is), hashes its files into the run,
and refuses one that is not there before a kernel starts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest

from tests.command import workbench
from tests.stats.test_linkage_model import DWP, PEOPLE, STRICT
from workbench.linkage.model import save_settings

DATES = ("-p", "term_start=2026-09-01", "-p", "as_of=2026-09-01")


@pytest.fixture
def council(tmp_path: Path) -> Path:
    """D1 is linked by the package's thresholds, held for review by the model's (STRICT)."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "people.csv").write_text(PEOPLE)
    (folder / "benefits.csv").write_text("award_id,person_id,benefit,start_date\n")
    (folder / "dwp_list.csv").write_text(DWP)
    save_settings(tmp_path / "model", thresholds=STRICT)
    return folder


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_folder(stdout: str, cwd: Path) -> Path:
    """The run folder the runner names (relative to `cwd`, where it was started)."""
    line = next(line for line in stdout.splitlines() if line.startswith("Manifest: "))
    return (cwd / line.removeprefix("Manifest: ")).parent


def model_inputs(model: Path, prefix: str) -> dict[str, str]:
    return {
        f"{prefix}{name}": sha256(model / name)
        for name in ("bands.json", "dwp_list.json", "funded_places.json")
    }


@pytest.mark.slow  # a whole report run: make test-slow (CI runs both)
def test_the_eligibility_report_lists_with_the_councils_model(council, tmp_path):
    model = tmp_path / "model"
    done = workbench(
        "report", "02", "--data", str(council), "--reports", "r", *DATES,
        "-p", "linkage_model=model", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    run = run_folder(done.stdout, tmp_path)
    record = json.loads((run / "manifest.json").read_text())
    assert record["parameters"]["linkage_model"] == "model"  # as given, its files hashed
    assert {k: v for k, v in record["inputs"].items() if "linkage_model" in k} == model_inputs(
        model, "parameter:linkage_model/"
    )
    listed = run / "restricted" / "two_year_old_list.csv"
    made = json.loads(listed.with_name(listed.name + ".manifest.json").read_text())
    assert made["linkage_model"]["folder"] == str(model.resolve())
    assert {k: v for k, v in made["inputs"].items() if k.startswith("model:")} == model_inputs(
        model, "model:"
    )
    rows = pl.read_csv(listed, infer_schema=False).select(
        "dwp_record_id", "person_id", "probable_person_id"
    )
    assert sorted(rows.rows()) == [("D1", None, "C1"), ("D2", "C2", None)]


@pytest.mark.slow  # a whole report run: make test-slow (CI runs both)
def test_the_take_up_report_counts_with_the_councils_model(council, tmp_path):
    model = tmp_path / "model"
    done = workbench(
        "report", "04", "--data", str(council), "--reports", "r", *DATES,
        "-p", "linkage_model=model", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    run = run_folder(done.stdout, tmp_path)
    record = json.loads((run / "manifest.json").read_text())
    assert {k: v for k, v in record["inputs"].items() if "linkage_model" in k} == model_inputs(
        model, "parameter:linkage_model/"
    )
    stats = json.loads((run / "shareable" / "stats_manifest.json").read_text())
    assert stats["linkage_model"] == {
        "folder": "model",
        "thresholds": {"linked": STRICT[0], "clerical_review": STRICT[1]},
        "estimate_u": True,
        "estimate_m": True,
    }
    assert {k: v for k, v in stats["inputs"].items() if k.startswith("model:")} == model_inputs(
        model, "model:"
    )


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_a_model_folder_that_is_not_there_is_refused_before_a_kernel_starts(council, tmp_path):
    done = workbench(
        "report", "02", "--data", str(council), "--reports", "r", *DATES,
        "-p", "linkage_model=no-model", cwd=tmp_path,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: Parameter 'linkage_model' names 'no-model', which does not exist (looked for "
        f"{tmp_path / 'no-model'}, then {Path(__file__).parents[2] / 'no-model'}); give an "
        'existing file, or "" for none.\n'
    )
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("notebook", "given", "what"),
    [
        ("02", "linkage_model=model", "a linkage model, which scores the pairs Splink compares"),
        ("04", "linkage_model=model", "a linkage model, which scores the pairs Splink compares"),
        (
            "02",
            "review_store=review.sqlite",
            "a review store, whose link decisions apply to the matches Splink proposes",
        ),
    ],
)
def test_a_model_or_a_store_with_exact_linkage_is_refused_before_a_kernel_starts(
    council, tmp_path, notebook, given, what
):
    # As `assess --linkage exact --model` is: exact-only linkage never uses either, and the
    # notebook stopped on them (exit 4, kept as a failed run).
    from workbench.review.store import ReviewStore

    ReviewStore(tmp_path / "review.sqlite").close()
    done = workbench(
        "report", notebook, "--data", str(council), "--reports", "r", *DATES,
        "-p", "linkage=exact", "-p", given, cwd=tmp_path,
    )  # fmt: skip
    name, value = given.split("=")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: Parameter {name!r} names {value!r}, {what}, which linkage 'exact' never makes: "
        "it is only used by probabilistic linkage. Give -p linkage=probabilistic (the default) "
        f"with it, or leave -p {name} out.\n"
    )
    assert not (tmp_path / "r").exists()
