"""`workbench link` writes its manifest beside the links, as `assess` does beside a list (the
inputs' SHA-256, the seed, the model and its thresholds, the code and environment, the outputs'
SHA-256), byte-identical on a rerun, and names it; and it warns of a DWP list given with its
header only."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.command import workbench
from workbench.cli import app
from workbench.linkage.model import save_settings
from workbench.provenance import run_id
from workbench.review import ReviewStore

PEOPLE = """\
person_id,household_id,forename,surname,date_of_birth,postcode,role
A1,H1,Sara,Khan,1990-01-01,FQ1 1AA,parent_carer
C1,H1,Amir,Khan,2024-03-02,FQ1 1AA,child
C2,H2,Lily,Ward,2024-05-10,FQ1 2BB,child
"""
DWP_HEADER = (
    "record_id,child_forename,child_surname,child_date_of_birth,parent_forename,parent_surname,"
    "postcode\n"
)
DWP = DWP_HEADER + (
    "D1,Amir,Khan,2024-03-02,Sara,Khan,FQ1 1AA\nD2,Lily,Ward,2024-05-10,Jo,Ward,FQ1 2BB\n"
)
EMPTY_DWP_WARNING = (
    "warning: dwp_list.csv has no rows (only its header): no child DWP names is listed from "
    "it, nor linked to a council child. DWP's list of families who may be eligible for the "
    "two-year-old offer is never empty for a council, so the extract or the download most "
    "likely failed. Check the file; if there truly is none this term, leave the file out of "
    "the data folder rather than give it empty\n"
)


def folder(root: Path, dwp: str = DWP) -> Path:
    data = root / "data"
    data.mkdir()
    (data / "people.csv").write_text(PEOPLE)
    (data / "dwp_list.csv").write_text(dwp)
    return data


def link(*args: str):
    return CliRunner().invoke(app, ["--quiet", "link", *args])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_link_writes_its_manifest_the_same_on_a_rerun(tmp_path):
    data = folder(tmp_path)
    out = tmp_path / "links.csv"
    manifest = tmp_path / "links.csv.manifest.json"
    result = link("--data", str(data), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert manifest.stat().st_mode & 0o777 == 0o600
    first = manifest.read_bytes()
    record = json.loads(first)
    assert record["command"] == "link"
    assert record["data"] == str(data.resolve())
    assert record["inputs"] == {
        "dwp_list.csv": sha256(data / "dwp_list.csv"),
        "people.csv": sha256(data / "people.csv"),
    }
    assert record["parameters"] == {
        "seed": 0,
        "model": "built-in",
        "thresholds": {"linked": 0.95, "clerical_review": 0.5},
        "estimate_u": True,
        "estimate_m": True,
    }
    assert record["rows"] == {
        "people": {"read": 3, "accepted": 3, "quarantined": 0},
        "dwp_list": {"read": 2, "accepted": 2, "quarantined": 0},
    }
    assert record["bands"] == {
        "dwp_list": {
            "read": 2,
            "quarantined": 0,
            "in_links": 2,
            "linked": 2,
            "clerical_review": 0,
            "not_linked": 0,
        }
    }
    assert record["outputs"] == {
        "links": {"file": "links.csv", "sha256": sha256(out)},
        "quarantine": {
            "file": "links.quarantine.csv",
            "sha256": sha256(tmp_path / "links.quarantine.csv"),
        },
    }
    assert record["code_version"] and set(record["environment"]) == {
        "python",
        "platform",
        "libraries",
    }
    assert record["run_id"].startswith("r-")
    # It is named last, as assess names its list's manifest.
    assert result.stdout.splitlines()[-1] == (
        f"manifest written to {manifest} (run {record['run_id']}): the inputs' and outputs' "
        "SHA-256, seed, model and thresholds, code and environment"
    )
    # Nothing in it depends on the clock: the same inputs give the same bytes.
    links = out.read_bytes()
    again = link("--data", str(data), "--out", str(out))
    assert again.exit_code == 0, again.output
    assert manifest.read_bytes() == first and out.read_bytes() == links


def test_the_seed_and_a_councils_model_are_recorded_and_change_the_run(tmp_path):
    data = folder(tmp_path)
    model = save_settings(tmp_path / "model", thresholds=(0.9, 0.4))
    out = tmp_path / "links.csv"
    manifest = tmp_path / "links.csv.manifest.json"
    assert link("--data", str(data), "--out", str(out)).exit_code == 0
    default = json.loads(manifest.read_text())
    result = link("--data", str(data), "--out", str(out), "--model", str(model), "--seed", "7")
    assert result.exit_code == 0, result.output
    record = json.loads(manifest.read_text())
    assert record["parameters"]["seed"] == 7
    assert record["parameters"]["model"] == str(model.resolve())
    assert record["parameters"]["thresholds"] == {"linked": 0.9, "clerical_review": 0.4}
    assert {k: v for k, v in record["inputs"].items() if k.startswith("model:")} == {
        f"model:{name}": sha256(model / name)
        for name in ("bands.json", "dwp_list.json", "funded_places.json")
    }
    assert record["run_id"] != default["run_id"]
    assert record["run_id"] == run_id(
        record["inputs"],
        {
            k: json.dumps(v, sort_keys=True) if isinstance(v, dict) else str(v)
            for k, v in record["parameters"].items()
        },
        "link",
        record["code_version"],
    )


def test_link_warns_of_a_dwp_list_with_its_header_only(tmp_path):
    data = folder(tmp_path, dwp=DWP_HEADER)
    result = link("--data", str(data), "--out", str(tmp_path / "links.csv"))
    assert result.exit_code == 0, result.output
    assert result.stderr == EMPTY_DWP_WARNING
    assert "dwp_list: 0 read = 0 in the links + 0 quarantined" in result.stdout


def test_link_refuses_a_manifest_that_would_land_on_an_input(tmp_path):
    data = folder(tmp_path)
    truth = tmp_path / "links.csv.manifest.json"
    truth.write_text("source,record_id,person_id\n")
    links = tmp_path / "links.csv"
    done = workbench("link", "--data", str(data), "--out", str(links), "--truth", str(truth))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: --out {links}: its manifest would be written to {truth} over the ground truth "
        "(--truth), which this command reads. Give --out another file.\n"
    )
    assert truth.read_text() == "source,record_id,person_id\n" and not links.exists()


@pytest.mark.slow
def test_link_logs_its_access_in_the_store_given_not_the_default(tmp_path):
    """As `assess --store` does: the council's store is the record of what was read; the
    store's link decisions are not applied, so the links and manifest are as without it."""
    data = folder(tmp_path)
    given, default = tmp_path / "review.sqlite", tmp_path / "default" / "review.sqlite"
    for store in (given, default):
        ReviewStore(store).close()
    env = dict(os.environ, WORKBENCH_STORE=str(default), WORKBENCH_USER="A Analyst")
    out = tmp_path / "links.csv"
    # A relative --store: the working folder's, as for assess.
    done = workbench(
        "link", "--data", str(data), "--out", str(out), "--store", "review.sqlite",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with ReviewStore(given) as review_store:
        logged = review_store.access_log().select("user", "command", "detail").rows()
    assert logged == [("A Analyst", "link", f"data {data}, out {out}")]
    with ReviewStore(default) as review_store:
        assert review_store.access_log().height == 0
    links, manifest = out.read_bytes(), (tmp_path / "links.csv.manifest.json").read_bytes()
    without = workbench("link", "--data", str(data), "--out", str(out), env=env)
    assert without.returncode == 0, without.stderr
    assert out.read_bytes() == links
    assert (tmp_path / "links.csv.manifest.json").read_bytes() == manifest
    with ReviewStore(default) as review_store:  # without --store: the default store, as before
        assert review_store.access_log().select("command").rows() == [("link",)]


def test_link_refuses_a_store_that_is_not_there_before_logging_or_linking(tmp_path):
    data = folder(tmp_path)
    default = tmp_path / "default" / "review.sqlite"
    ReviewStore(default).close()
    env = dict(os.environ, WORKBENCH_STORE=str(default))
    out = tmp_path / "links.csv"
    done = workbench(
        "link", "--data", str(data), "--out", str(out), "--store", "missing.sqlite",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: --store no review store at missing.sqlite (in the working folder {tmp_path}): "
        "--store names the review store `link` logs its access in (a store is made by the "
        "first `workbench review export` or `review serve`); give the council's store, or "
        "leave --store out to log in WORKBENCH_STORE or the default store\n"
    )
    assert not out.exists() and not (tmp_path / "missing.sqlite").exists()
    with ReviewStore(default) as review_store:
        assert review_store.access_log().height == 0
