"""The bring-your-own-data notebook run end to end by papermill (through `run_report`) on the
council-style extract of tests/data/extracts.py: the profile it suggests reads the extract with
nothing quarantined, and the report names no one."""

from __future__ import annotations

import re
import stat

import nbformat
import polars as pl
import pytest

from tests.data.extracts import write_council_extract
from workbench.data.profiles import load_profile
from workbench.runs.report import run_report
from workbench.synth import generate_council

NOTEBOOK = "07_bring_your_own_data"


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    folder = tmp_path_factory.mktemp("extract") / "data"
    write_council_extract(generate_council(300, 7), folder)
    return folder


@pytest.fixture(scope="module")
def run(extract, tmp_path_factory):
    return run_report(
        NOTEBOOK, data=extract, parameters={}, reports=tmp_path_factory.mktemp("reports")
    )


def test_the_suggested_profile_is_written_owner_only_and_loads(run):
    assert run.ok
    profile = run.run_dir / "restricted" / "suggested_profile.yaml"
    assert stat.S_IMODE(profile.stat().st_mode) == 0o600
    assert set(load_profile(profile).tables) == {
        "people", "benefits", "child_statuses", "households", "dwp_list", "funded_places",
    }  # fmt: skip


def test_the_extract_read_through_it_quarantines_nothing(run):
    validation = pl.read_csv(run.run_dir / "shareable" / "validation.csv", infer_schema=False)
    quarantined = validation.filter(pl.col("of") == "quarantined")
    assert set(quarantined["value"]) == {"0"}
    assert quarantined["file"].to_list()[:2] == ["Client Index.csv", "Benefits Extract.csv"]


def test_the_report_shows_mappings_and_codes_and_names_no_one(run, extract):
    html = run.html.read_text()
    assert "<td>date_of_birth</td><td>DOB</td><td>sure</td>" in html
    assert "<td>JSA(IB)</td><td>jsa_income_based</td>" in html
    people = pl.read_csv(extract / "Client Index.csv", infer_schema=False)
    for column in ("First Name", "Last Name", "NI Number", "Post Code", "DOB"):
        shown = [v for v in people[column].unique().drop_nulls() if re.search(rf">{v}<", html)]
        assert shown == [], column
    cells = nbformat.read(run.run_dir / "notebook.ipynb", as_version=4).cells
    assert not [o for c in cells if c.cell_type == "code" for o in c.outputs
                if o.output_type in ("error", "stream")]  # fmt: skip


def test_the_manifest_records_every_file_of_the_extract(run, extract):
    # The extract has none of the contract's file names: its manifest recorded no input, so a
    # report on another extract had the same run id and replaced this one.
    import json

    from workbench.provenance import file_sha256
    from workbench.runs.parameters import canonical_inputs

    inputs = json.loads(run.manifest.read_text())["inputs"]
    files = sorted(p for p in extract.iterdir() if p.suffix in (".csv", ".xlsx", ".txt"))
    assert files and {p.name: file_sha256(p) for p in files}.items() <= inputs.items()
    other = extract.parent / "other"
    other.mkdir()
    for path in files:
        (other / path.name).write_bytes(path.read_bytes())
    (other / files[0].name).write_bytes(files[0].read_bytes() + b"\n")
    assert canonical_inputs(other) != canonical_inputs(extract)


def test_a_profile_given_with_profile_is_the_one_the_extract_is_read_through(
    run, extract, tmp_path, monkeypatch
):
    # A tester's `report 07 --profile FILE` read the extract through a freshly suggested
    # profile, while its manifest recorded FILE as an input: its counts were not FILE's.
    from workbench.data.profiles import PROFILE_ENV

    suggested = (run.run_dir / "restricted" / "suggested_profile.yaml").read_text()
    own = tmp_path / "our_profile.yaml"
    own.write_text(suggested.replace("Universal Credit: universal_credit", ""))
    monkeypatch.setenv(PROFILE_ENV, str(own))
    mine = run_report(NOTEBOOK, data=extract, parameters={}, reports=tmp_path / "reports")
    assert mine.ok
    validation = pl.read_csv(mine.run_dir / "shareable" / "validation.csv", infer_schema=False)
    quarantined = validation.filter(pl.col("of") == "quarantined")
    by_file = dict(zip(quarantined["file"], quarantined["value"], strict=True))
    assert by_file["Benefits Extract.csv"] != "0"  # its Universal Credit code is unmapped
    assert mine.html is not None and run.html is not None
    assert "Read through your profile, our_profile.yaml." in mine.html.read_text()
    assert "Read through the suggested profile." in run.html.read_text()
