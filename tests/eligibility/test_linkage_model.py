"""A council's own linkage model (`assess(..., model=...)`, `assess --model`) links the lists,
and the manifest records its files' SHA-256 and its thresholds (docs/linkage.md: a council
sets its own thresholds from the quality tables)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

import workbench.linkage as linkage
from tests.command import workbench
from workbench.eligibility.assess import assess
from workbench.errors import UsageError
from workbench.linkage.model import save_settings

TERM = date(2026, 9, 1)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "people.csv").write_text(
        "person_id,household_id,forename,surname,date_of_birth,nino,postcode,role\n"
        "A1,H1,Ada,Lee,1990-01-01,AB123456C,FQ1 1AA,parent_carer\n"
        "C1,H1,Kit,Lee,2024-03-02,,FQ1 1AA,child\n"
    )
    (folder / "benefits.csv").write_text("award_id,person_id,benefit,start_date\n")
    (folder / "dwp_list.csv").write_text(
        "record_id,child_forename,child_surname,child_date_of_birth,parent_forename,"
        "parent_surname,parent_nino,postcode\n"
        "D1,Kit,Lee,2024-03-02,Ada,Lee,AB123456C,FQ1 1AA\n"
    )
    return folder


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_councils_model_links_the_list(data, tmp_path, monkeypatch):
    model = save_settings(tmp_path / "model", thresholds=(0.9, 0.4))
    given = []
    real = linkage.link_all

    def link_all(tables, **options):
        given.append(options.get("model"))
        return real(tables, **options)

    monkeypatch.setattr(linkage, "link_all", link_all)
    found = assess(data, "two_year_old", term_start=TERM, as_of=TERM, model=model)
    assert [None if m is None else m.thresholds for m in given] == [(0.9, 0.4)]
    assert found.linkage_model is not None and found.linkage_model[0] == model
    assert found.candidates.select("person_id", "dwp_record_id").rows() == [("C1", "D1")]


def test_the_manifest_records_the_models_files_and_thresholds(data, tmp_path):
    model = save_settings(tmp_path / "model", thresholds=(0.9, 0.4))
    default = assess(data, "two_year_old", term_start=TERM, as_of=TERM)
    found = assess(data, "two_year_old", term_start=TERM, as_of=TERM, model=model)
    record = json.loads(found.write(tmp_path / "list.csv").manifest.read_text())
    assert {k: v for k, v in record["inputs"].items() if k.startswith("model:")} == {
        "model:bands.json": sha256(model / "bands.json"),
        "model:dwp_list.json": sha256(model / "dwp_list.json"),
        "model:funded_places.json": sha256(model / "funded_places.json"),
    }
    assert record["parameters"]["linkage_thresholds"] == "linked 0.9, clerical_review 0.4"
    assert record["linkage_model"] == {
        "folder": str(model.resolve()),
        "thresholds": {"linked": 0.9, "clerical_review": 0.4},
        "estimate_u": True,
        "estimate_m": True,
    }
    assert found.run_id != default.run_id
    # Without a model, nothing about one: manifests made before stay as they were.
    plain = json.loads(default.write(tmp_path / "plain.csv").manifest.read_text())
    assert "linkage_model" not in plain and "linkage_thresholds" not in plain["parameters"]
    assert not any(k.startswith("model:") for k in plain["inputs"])


def test_a_model_needs_probabilistic_linkage_and_a_model_folder(data, tmp_path):
    model = save_settings(tmp_path / "model")
    with pytest.raises(UsageError, match="a linkage model scores the pairs Splink compares"):
        assess(data, "two_year_old", term_start=TERM, as_of=TERM, linkage="exact", model=model)
    done = workbench(
        "assess",
        "--initiative",
        "two_year_old",
        "--data",
        str(data),
        "--term-start",
        "2026-09-01",
        "--as-of",
        "2026-09-01",
        "--out",
        str(tmp_path / "list.csv"),
        "--model",
        str(tmp_path / "no-model"),
    )
    assert (done.returncode, done.stdout) == (2, "") and not (tmp_path / "list.csv").exists()
    assert done.stderr.startswith(f"error: --model {tmp_path / 'no-model'}: no such folder. ")
