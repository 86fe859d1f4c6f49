"""`workbench link` on hand-made folders: every row read is in the links or in the quarantine
beside them, a list whose every row is quarantined is refused in one line, and the truth's
pairs that involve quarantined rows are counted apart."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from workbench.cli import app, main
from workbench.errors import DataFileError, UsageError
from workbench.linkage.evaluate import evaluate_linkage
from workbench.linkage.folder import link_folder, quarantine_path
from workbench.linkage.model import load_settings, save_settings
from workbench.runs.link_manifest import IN_MEMORY_MODEL, settings_sha256

PEOPLE = """\
person_id,household_id,forename,surname,date_of_birth,postcode,role
A1,H1,Sara,Khan,1990-01-01,FQ1 1AA,parent_carer
C1,H1,Amir,Khan,2024-03-02,FQ1 1AA,child
C2,H2,Lily,Ward,2024-05-10,FQ1 2BB,child
C3,H3,Omar,Ali,2024-07-20,FQ1 3CC,child
C4,H4,,Jones,2024-02-02,FQ1 4DD,child
"""
DWP_HEADER = (
    "record_id,child_forename,child_surname,child_date_of_birth,parent_forename,parent_surname,"
    "postcode\n"
)
# D1 and D2 agree exactly with C1 and C2; D3 fails two columns; D4 is C4, whose people row is
# quarantined (no forename), so nothing can link it.
DWP = DWP_HEADER + (
    "D1,Amir,Khan,2024-03-02,Sara,Khan,FQ1 1AA\n"
    "D2,Lily,Ward,2024-05-10,Jo,Ward,FQ1 2BB\n"
    "D3,,Ali,2024-13-45,Nadia,Ali,FQ1 3CC\n"
    "D4,Eve,Jones,2024-02-02,Kay,Jones,FQ1 4DD\n"
)
BROKEN_DWP = DWP_HEADER + (
    "D1,,Khan,2024-03-02,Sara,Khan,FQ1 1AA\n"
    "D2,Lily,Ward,soon,Jo,Ward,FQ1 2BB\n"
    "D3,Omar,Ali,2024-13-45,Nadia,Ali,FQ1 3CC\n"
)
TRUTH = """\
source,record_id,person_id,corruption_level
dwp_list,D1,C1,0
dwp_list,D2,C2,0
dwp_list,D3,C3,1
dwp_list,D4,C4,0
"""
FUNDED_HEADER = (
    "record_id,provider_id,term_start,child_forename,child_surname,child_date_of_birth,"
    "postcode,funding_stream\n"
)


def folder(root: Path, dwp: str = DWP, **files: str) -> Path:
    data = root / "data"
    data.mkdir()
    for name, text in {"people.csv": PEOPLE, "dwp_list.csv": dwp, **files}.items():
        (data / name).write_text(text)
    (root / "truth.csv").write_text(TRUTH)
    return data


def link(*args: str):
    return CliRunner().invoke(app, ["--quiet", "link", *args])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_link_reports_rows_read_quarantined_and_linked_and_writes_the_quarantine(tmp_path):
    data = folder(tmp_path)
    out = tmp_path / "links.csv"
    result = link("--data", str(data), "--out", str(out))
    assert result.exit_code == 0, result.output
    held = tmp_path / "links.quarantine.csv"
    manifest = tmp_path / "links.csv.manifest.json"
    run_id = json.loads(manifest.read_text())["run_id"]
    assert result.stdout == (
        "people: 5 read = 4 to link to + 1 quarantined (never linked to)\n"
        "dwp_list: 4 read = 3 in the links + 1 quarantined (not in the links)\n"
        "dwp_list: 2 linked\n"
        "dwp_list: 0 clerical_review\n"
        "dwp_list: 1 not_linked\n"
        f"links written to {out}\n"
        f"quarantine (2 row(s), in no link) written to {held} (owner-only): each row with its "
        "file, row number, column and reason\n"
        f"manifest written to {manifest} (run {run_id}): the inputs' and outputs' SHA-256, "
        "seed, model and thresholds, code and environment\n"
    )
    assert held.stat().st_mode & 0o777 == 0o600
    assert pl.read_csv(held, infer_schema=False).select("table", "row", "column").rows() == [
        ("people", "6", "forename"),
        ("dwp_list", "4", "child_forename"),
    ]
    written = pl.read_csv(out, infer_schema=False)
    assert written.select("record_id", "person_id", "band").rows() == [
        ("D1", "C1", "linked"),
        ("D2", "C2", "linked"),
        ("D4", None, "not_linked"),
    ]


def test_links_into_a_new_folder_make_it_owner_only(tmp_path):
    data, out = folder(tmp_path), tmp_path / "new" / "links" / "links.parquet"
    run = link_folder(data, out)
    assert run.quarantine_file is not None
    assert out.exists() and run.quarantine_file.parent == out.parent
    assert out.parent.stat().st_mode & 0o777 == 0o700
    (tmp_path / "a-file").write_text("")
    with pytest.raises(UsageError, match="a-file is a file, not a folder"):
        link_folder(data, tmp_path / "a-file" / "links.parquet")


def test_the_run_carries_the_quarantine_and_the_counts(tmp_path):
    run = link_folder(folder(tmp_path), tmp_path / "links.parquet")
    assert run.quarantine_file == quarantine_path(tmp_path / "links.parquet")
    assert run.quarantine_file.name == "links.quarantine.csv"
    assert run.quarantine.select("table", "row").rows() == [("people", 6), ("dwp_list", 4)]
    assert run.counts().rows() == [("dwp_list", 4, 1, 3, 2, 0, 1)]
    assert run.counts().columns == [
        "source", "read", "quarantined", "in_links", "linked", "clerical_review", "not_linked"
    ]  # fmt: skip


def test_link_folder_writes_the_manifest_the_command_writes_and_the_same_on_a_rerun(tmp_path):
    data = folder(tmp_path)
    out = tmp_path / "python" / "links.csv"
    out.parent.mkdir()
    run = link_folder(data, out)
    manifest = tmp_path / "python" / "links.csv.manifest.json"
    assert run.manifest_file == manifest
    assert manifest.stat().st_mode & 0o777 == 0o600
    first = manifest.read_bytes()
    record = json.loads(first)
    assert (record["command"], record["run_id"]) == ("link", run.run_id)
    assert record["parameters"]["model"] == "built-in"
    assert record["rows"]["dwp_list"] == {"read": 4, "accepted": 3, "quarantined": 1}
    assert set(record["outputs"]) == {"links", "quarantine"}
    # A rerun writes it byte for byte again; the command writes the same, but for the files'
    # names and folders (its links are elsewhere).
    assert link_folder(data, out).manifest_file == manifest and manifest.read_bytes() == first
    by_command = tmp_path / "command" / "links.csv"
    by_command.parent.mkdir()
    assert link("--data", str(data), "--out", str(by_command)).exit_code == 0
    commanded = json.loads((tmp_path / "command" / "links.csv.manifest.json").read_text())
    assert commanded == record


def test_link_folder_records_a_model_folder_or_a_model_made_in_python(tmp_path):
    data = folder(tmp_path)
    model = save_settings(tmp_path / "model", thresholds=(0.9, 0.4))
    from_folder = link_folder(data, tmp_path / "a.csv", model=model, seed=7)
    record = json.loads((tmp_path / "a.csv.manifest.json").read_text())
    assert (record["parameters"]["model"], record["parameters"]["seed"]) == (
        str(model.resolve()),
        7,
    )
    assert sorted(k for k in record["inputs"] if k.startswith("model:")) == [
        "model:bands.json",
        "model:dwp_list.json",
        "model:funded_places.json",
    ]
    settings = load_settings(model)
    in_python = link_folder(data, tmp_path / "b.csv", model=settings, seed=7)
    made = json.loads((tmp_path / "b.csv.manifest.json").read_text())
    assert made["parameters"]["model"] == IN_MEMORY_MODEL == "given in Python"
    assert made["parameters"]["thresholds"] == {"linked": 0.9, "clerical_review": 0.4}
    assert {k: v for k, v in made["inputs"].items() if k.startswith("model:")} == {
        "model:settings": settings_sha256(settings)
    }
    # The same links, but not the same run: the model is known by other evidence.
    assert in_python.links.equals(from_folder.links)
    assert in_python.run_id != from_folder.run_id
    built_in = link_folder(data, tmp_path / "c.csv", seed=7)
    assert built_in.run_id not in {in_python.run_id, from_folder.run_id}


def test_without_a_truth_the_scored_pairs_are_not_kept_and_the_links_are_the_same(
    tmp_path, monkeypatch
):
    # The pairs serve only the evaluation: at a million households over every term they ran
    # to gigabytes, held for nothing when no truth is given.
    from workbench.linkage import probabilistic

    data = folder(tmp_path)
    with_truth = link_folder(data, tmp_path / "a.parquet", truth=tmp_path / "truth.csv")

    def refused(*args, **kwargs):
        raise AssertionError("the scored pairs were computed without a truth")

    monkeypatch.setattr(probabilistic, "link_all_with_pairs", refused)
    without = link_folder(data, tmp_path / "b.parquet")
    assert without.evaluation is None
    assert without.links.equals(with_truth.links)
    assert pl.read_parquet(tmp_path / "b.parquet").equals(pl.read_parquet(tmp_path / "a.parquet"))


def test_with_a_truth_recall_is_given_over_all_pairs_and_over_pairs_that_passed(tmp_path):
    data = folder(tmp_path)
    out, quality = tmp_path / "links.csv", tmp_path / "quality"
    result = link(
        "--data", str(data), "--out", str(out), "--truth", str(tmp_path / "truth.csv"),
        "--quality-out", str(quality),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    manifest = tmp_path / "links.csv.manifest.json"
    lines = result.stdout.splitlines()
    # The existing lines are kept: pairs whose source row is in the links (D1, D2, D4).
    assert lines[7] == (
        "pair level, linked: precision 1.0000, recall 0.6667, F1 0.8000 (2 of 3 true, 2 predicted)"
    )
    assert lines[11:] == [
        "truth pairs: 4; 2 involve a quarantined row (or one not in the data), which no link "
        "can reach; 2 have both rows past the checks",
        "pair level, linked: recall 0.5000 over all 4 truth pairs, 1.0000 over the 2 whose rows "
        "passed the checks (2 correct)",
        "pair level, linked+clerical_review: recall 0.5000 over all 4 truth pairs, 1.0000 over "
        "the 2 whose rows passed the checks (2 correct)",
        f"quality tables written to {quality}",
        f"manifest written to {out}.manifest.json (run {json.loads(manifest.read_text())['run_id']}"
        "): the inputs' and outputs' SHA-256, seed, model and thresholds, code and environment",
    ]
    # The quality tables are among the outputs whose SHA-256 it records.
    outputs = json.loads(manifest.read_text())["outputs"]
    assert sorted(outputs) == [
        "links",
        *(f"quality:{path.name}" for path in sorted(quality.iterdir())),
        "quarantine",
    ]
    assert len(outputs) == 8
    coverage = pl.read_csv(quality / "linkage_truth_coverage.csv")
    assert coverage.filter(pl.col("bands") == "linked").rows() == [
        ("dwp_list", "linked", 4, 2, 2, 2, 0.5, 1.0),
        ("all", "linked", 4, 2, 2, 2, 0.5, 1.0),
    ]


def test_evaluation_without_the_checks_has_no_coverage_and_with_them_counts_each_side():
    links = pl.DataFrame(
        {
            "source": ["dwp_list", "dwp_list"],
            "record_id": ["D1", "D2"],
            "person_id": ["P1", None],
            "band": ["linked", "not_linked"],
            "match_probability": [1.0, None],
            "method": ["splink", "splink"],
        }
    )
    truth = pl.DataFrame(
        {
            "source": ["dwp_list"] * 4 + ["funded_places"],
            "record_id": ["D1", "D2", "D3", "D4", "F1"],
            "person_id": ["P1", "P2", "P3", None, "P1"],
            "corruption_level": [0, 0, 0, 0, 0],
        }
    )
    assert evaluate_linkage(links, truth).coverage is None
    assert len(evaluate_linkage(links, truth).summary()) == 4
    # D2's child P2 was quarantined; D3's row was; D4 is no one; F1's source was not linked.
    evaluation = evaluate_linkage(
        links, truth, passed_checks={"people": ["P1", "P3"], "dwp_list": ["D1", "D2"]}
    )
    assert evaluation.coverage is not None
    assert evaluation.coverage.filter(pl.col("bands") == "linked").rows() == [
        ("dwp_list", "linked", 3, 2, 1, 1, 1 / 3, 1.0),
        ("all", "linked", 3, 2, 1, 1, 1 / 3, 1.0),
    ]
    assert "linkage_truth_coverage" in evaluation.to_tables()


@pytest.mark.parametrize("truth", [False, True])
def test_a_list_whose_every_row_is_quarantined_is_one_line_and_exit_1(tmp_path, truth):
    data = folder(tmp_path, dwp=BROKEN_DWP)
    out = tmp_path / "links.csv"
    args = ["--data", str(data), "--out", str(out)]
    if truth:
        args += ["--truth", str(tmp_path / "truth.csv")]
    result = link(*args)
    assert result.exit_code == 1
    assert isinstance(result.exception, DataFileError)
    message = (
        f"{data / 'dwp_list.csv'}: every one of its 3 row(s) was quarantined, so there is "
        "nothing to link (commonest problem: child_date_of_birth on 2 of the 3 rows: bad date, "
        "impossible date); each row and its reasons are in "
        f"{tmp_path / 'links.quarantine.csv'}"
    )
    assert str(result.exception) == message
    assert not out.exists()
    held = pl.read_csv(tmp_path / "links.quarantine.csv", infer_schema=False)
    assert held.filter(pl.col("table") == "dwp_list")["row"].to_list() == ["2", "3", "4"]


@pytest.mark.parametrize("truth", [False, True])
def test_the_wholly_quarantined_error_is_one_line_on_stderr_without_a_traceback(
    tmp_path, monkeypatch, capsys, truth
):
    data = folder(tmp_path, dwp=BROKEN_DWP)
    argv = ["workbench", "--quiet", "link", "--data", str(data), "--out", str(tmp_path / "l.csv")]
    if truth:
        argv += ["--truth", str(tmp_path / "truth.csv")]
    monkeypatch.setattr("sys.argv", argv)
    with pytest.raises(SystemExit) as caught:
        main()
    assert caught.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.err.startswith(f"error: {data / 'dwp_list.csv'}: every one of its 3 row(s)")


def test_a_wholly_quarantined_source_is_refused_even_when_the_other_has_rows(tmp_path):
    # Linking the DWP list alone would hide that the funded places were all lost.
    funded = FUNDED_HEADER + "F1,PR1,2026-09-01,Amir,Khan,2024-03-02,FQ1 1AA,free_for_all\n"
    data = folder(tmp_path, **{"funded_places.csv": funded})
    result = link("--data", str(data), "--out", str(tmp_path / "links.csv"))
    assert result.exit_code == 1
    assert str(result.exception).startswith(
        f"{data / 'funded_places.csv'}: every one of its 1 row(s) was quarantined, so there is "
        "nothing to link (commonest problem: funding_stream on 1 of the 1 rows: unknown value)"
    )


def test_people_whose_every_row_is_quarantined_leave_no_one_to_link_to(tmp_path):
    people = "person_id,household_id,forename,surname,date_of_birth\nC1,H1,Amir,Khan,2024-02-30\n"
    data = folder(tmp_path, **{"people.csv": people})
    result = link("--data", str(data), "--out", str(tmp_path / "links.csv"))
    assert result.exit_code == 1
    assert str(result.exception).startswith(
        f"{data / 'people.csv'}: every one of its 1 row(s) was quarantined, so there is no one "
        "to link to (commonest problem: date_of_birth on 1 of the 1 rows: impossible date)"
    )


def test_a_folder_with_nothing_to_link_is_refused_before_anything_is_written(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "people.csv").write_text(PEOPLE)
    result = link("--data", str(data), "--out", str(tmp_path / "out" / "links.csv"))
    assert result.exit_code == 1
    assert str(result.exception) == (
        f"{data}: holds neither dwp_list nor funded_places: `workbench link` links their rows "
        "to people, so there is nothing to link; add the DWP list or the providers' headcount"
    )
    assert not (tmp_path / "out").exists()


def test_linking_people_alone_gives_no_links_with_every_column():
    from workbench.linkage.probabilistic import (
        LINKAGE_RESULT_SCHEMA,
        SCORED_PAIRS_SCHEMA,
        link_all_with_pairs,
    )

    people = pl.read_csv(PEOPLE.encode(), try_parse_dates=True)
    links, pairs = link_all_with_pairs({"people": people})
    assert links.schema == LINKAGE_RESULT_SCHEMA and links.is_empty()
    assert pairs.schema == SCORED_PAIRS_SCHEMA and pairs.is_empty()


def test_the_same_inputs_linked_into_two_folders_give_byte_identical_manifests(tmp_path):
    """The quality tables are named from the links' folder, as a list's manifest names its
    files: their full paths made the manifests of the same inputs differ by the folder."""
    data = folder(tmp_path)
    truth = tmp_path / "truth.csv"
    manifests = []
    for name in ("first", "second"):
        out, quality = tmp_path / name / "links.csv", tmp_path / name / "quality"
        done = link(
            "--data", str(data), "--out", str(out), "--truth", str(truth),
            "--quality-out", str(quality),
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        manifests.append((tmp_path / name / "links.csv.manifest.json").read_bytes())
    assert manifests[0] == manifests[1]
    outputs = json.loads(manifests[0])["outputs"]
    tables = sorted(path.name for path in (tmp_path / "first" / "quality").iterdir())
    assert len(tables) == 6
    assert {key: entry["file"] for key, entry in outputs.items()} == {
        "links": "links.csv",
        "quarantine": "links.quarantine.csv",
        **{f"quality:{table}": f"quality/{table}" for table in tables},
    }
    bands = tmp_path / "second" / "quality" / "linkage_bands.csv"
    assert outputs["quality:linkage_bands.csv"]["sha256"] == sha256(bands)
    # Quality tables outside the links' folder: named by the way there from it.
    run = link_folder(
        data, tmp_path / "third" / "links.csv", truth=truth, quality_out=tmp_path / "tables"
    )
    record = json.loads((tmp_path / "third" / "links.csv.manifest.json").read_text())
    assert record["outputs"]["quality:linkage_bands.csv"]["file"] == "../tables/linkage_bands.csv"
    assert run.quality_files[0].parent == tmp_path / "tables"
