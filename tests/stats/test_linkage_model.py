"""`stats --model` (`write_stats(..., model=...)`): a council's own linkage model links the
rows the figures count, as `assess --model` links the list, every term of the trend too, and
`stats_manifest.json` records it as the list's manifest does (the folder by name only: the
manifest is published)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

import workbench.linkage as linkage
from tests.command import workbench
from workbench.cli import app
from workbench.eligibility.assess import assess
from workbench.errors import UsageError
from workbench.linkage.model import save_settings
from workbench.stats.report import write_stats

TERM = date(2026, 9, 1)
# D1 names Kit "Kitt" and gives no parent NINO, so no exact rule links it; Splink scores it
# 0.99999999: linked by the package's thresholds (0.95), held for review by a model whose
# linked threshold is 0.999999999. D2 agrees exactly (parent NINO and child's date of birth).
PEOPLE = """\
person_id,household_id,forename,surname,date_of_birth,nino,postcode,role
A1,H1,Ada,Lee,1990-01-01,AB123456C,FQ1 1AA,parent_carer
C1,H1,Kit,Lee,2024-03-02,,FQ1 1AA,child
A2,H2,Bea,Ray,1991-01-01,AB123457C,FQ1 2BB,parent_carer
C2,H2,Sam,Ray,2024-04-02,,FQ1 2BB,child
"""
DWP = """\
record_id,child_forename,child_surname,child_date_of_birth,parent_forename,parent_surname,parent_nino,postcode
D1,Kitt,Lee,2024-03-02,Ada,Lee,,FQ1 1AA
D2,Sam,Ray,2024-04-02,Bea,Ray,AB123457C,FQ1 2BB
"""
STRICT = (0.999999999, 0.5)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "people.csv").write_text(PEOPLE)
    (folder / "benefits.csv").write_text("award_id,person_id,benefit,start_date\n")
    (folder / "dwp_list.csv").write_text(DWP)
    return folder


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def funnel(result) -> list[tuple[str, int]]:
    return result.tables["funnel"].raw.select("stage", "count").rows()


def test_the_figures_count_the_links_the_councils_model_makes_as_its_list_does(data, tmp_path):
    model = save_settings(tmp_path / "model", thresholds=STRICT)
    default = write_stats(
        data, initiative="two_year_old", term_start=TERM, as_of=TERM, out=tmp_path / "a"
    )
    own = write_stats(
        data,
        initiative="two_year_old",
        term_start=TERM,
        as_of=TERM,
        out=tmp_path / "b",
        model=model,
    )
    assert funnel(default) == [("on_dwp_list", 2), ("linked", 2)]
    assert funnel(own) == [("on_dwp_list", 2), ("linked", 1)]
    # The list made with the model shows the same: D1 on its own, C1 proposed for review.
    listed = assess(data, "two_year_old", term_start=TERM, as_of=TERM, model=model)
    assert sorted(
        listed.candidates.select("dwp_record_id", "person_id", "probable_person_id").rows()
    ) == [("D1", None, "C1"), ("D2", "C2", None)]
    assert own.linkage_model is not None and own.linkage_model[0] == model
    assert default.linkage_model is None


def test_every_term_of_the_trend_is_linked_with_the_model(data, tmp_path, monkeypatch):
    model = save_settings(tmp_path / "model", thresholds=STRICT)
    given = []
    real = linkage.link_all

    def link_all(tables, **options):
        given.append(options.get("model"))
        return real(tables, **options)

    monkeypatch.setattr(linkage, "link_all", link_all)
    write_stats(
        data,
        initiative="two_year_old",
        term_start=TERM,
        as_of=TERM,
        out=tmp_path / "out",
        terms=[date(2026, 4, 1)],
        model=model,
    )
    assert [None if m is None else m.thresholds for m in given] == [STRICT, STRICT]


def test_the_manifest_records_the_models_files_and_thresholds_and_its_folder_by_name(
    data, tmp_path
):
    model = save_settings(tmp_path / "model", thresholds=STRICT)
    done = CliRunner().invoke(
        app,
        [
            "--quiet", "stats", "--initiative", "two_year_old", "--data", str(data),
            "--term-start", "2026-09-01", "--as-of", "2026-09-01", "--out",
            str(tmp_path / "tables"), "--model", str(model),
        ],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    record = json.loads((tmp_path / "tables" / "stats_manifest.json").read_text())
    assert {k: v for k, v in record["inputs"].items() if k.startswith("model:")} == {
        "model:bands.json": sha256(model / "bands.json"),
        "model:dwp_list.json": sha256(model / "dwp_list.json"),
        "model:funded_places.json": sha256(model / "funded_places.json"),
    }
    assert record["parameters"] == {
        "linkage": "probabilistic",
        "linkage_thresholds": "linked 0.999999999, clerical_review 0.5",
    }
    assert record["linkage_model"] == {
        "folder": "model",
        "thresholds": {"linked": 0.999999999, "clerical_review": 0.5},
        "estimate_u": True,
        "estimate_m": True,
    }
    # Without a model, nothing about one: manifests made before stay as they were.
    plain = write_stats(
        data, initiative="two_year_old", term_start=TERM, as_of=TERM, out=tmp_path / "plain"
    )
    without = json.loads(plain.manifest.read_text())
    assert "linkage_model" not in without and without["parameters"] == {"linkage": "probabilistic"}
    assert not any(k.startswith("model:") for k in without["inputs"])


def test_a_model_needs_probabilistic_linkage_and_a_model_folder_that_is_there(data, tmp_path):
    model = save_settings(tmp_path / "model")
    with pytest.raises(UsageError, match="a linkage model scores the pairs Splink compares"):
        write_stats(
            data,
            initiative="two_year_old",
            term_start=TERM,
            as_of=TERM,
            out=tmp_path / "out",
            linkage="exact",
            model=model,
        )
    missing = tmp_path / "no-model"
    done = workbench(
        "stats", "--initiative", "two_year_old", "--data", str(data), "--term-start",
        "2026-09-01", "--as-of", "2026-09-01", "--out", str(tmp_path / "tables"), "--model",
        str(missing),
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")  # a mistake of the command line
    assert done.stderr == (
        f"error: --model {missing}: no such folder. Give the linkage model's folder, as "
        "save_settings wrote it (bands.json and one Splink JSON file per source)\n"
    )
    assert not (tmp_path / "tables").exists()
