"""A rerun of exactly the same inputs replaces the earlier run folder and loses nothing: the
earlier folder is deleted only when it holds just its run's files as the run wrote them, else
kept whole as `<name>-replaced-<UTC time>` (`workbench.runs.rerun`, `report._install`)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from workbench.provenance import file_sha256
from workbench.runs import report as report_module
from workbench.runs.rerun import (
    NOT_PUBLISHED_REPLACED,
    checkpoint_of,
    not_as_written,
    replaced_at,
    replaced_name,
)

NAME = "2026-12-07-02_eligibility_list-two_year_old-2026-09-01-r-0123456789ab"
AT = datetime(2026, 12, 7, 5, 16, 34, tzinfo=UTC)
KEPT = f"{NAME}-replaced-20261207T051634Z"
FILES = {
    "notebook.ipynb": '{"cells": []}',
    "report.html": "<p>report</p>",
    "shareable/by_tier.csv": "tier,children\nlikely,12\n",
    "restricted/two_year_old_list.csv": "person_id,tier\nP1,likely\n",
}


def a_run(folder: Path, files: dict[str, str] = FILES) -> Path:
    """A run folder as `workbench report` leaves it: its files and a manifest hashing them."""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    outputs = {name: file_sha256(folder / name) for name in files}
    (folder / "manifest.json").write_text(json.dumps({"status": "ok", "outputs": outputs}))
    return folder


def contents(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def as_kept(files: dict[str, str]) -> dict[str, str]:
    """A run folder's files as the rerun keeps them: its shareable/ renamed, so that a
    publisher taking */shareable/* takes nothing from it."""
    return {re.sub(r"^shareable/", f"{NOT_PUBLISHED_REPLACED}/", k): v for k, v in files.items()}


RENAMED = f" (its shareable/ renamed {NOT_PUBLISHED_REPLACED}/: publish nothing from it)"


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    a_run(folder / NAME)
    new = dict(FILES, **{"report.html": "<p>the rerun</p>"})
    a_run(folder / f".{NAME}.partial", new)
    return folder


def test_an_earlier_run_holding_only_its_own_files_unchanged_is_replaced(reports: Path):
    rerun = contents(reports / f".{NAME}.partial")
    assert report_module._install(reports / f".{NAME}.partial", reports / NAME, now=AT) == (
        None,
        None,
    )
    assert sorted(p.name for p in reports.iterdir()) == [NAME]
    assert contents(reports / NAME) == rerun


def test_an_earlier_run_with_a_file_added_is_kept_whole_and_said_so(reports: Path):
    (reports / NAME / "notes.docx").write_text("the analyst's notes")
    earlier = contents(reports / NAME)
    rerun = contents(reports / f".{NAME}.partial")
    kept, said = report_module._install(reports / f".{NAME}.partial", reports / NAME, now=AT)
    assert kept == reports / KEPT
    assert said == (
        "The earlier run of these inputs was not deleted: it held files its run did not write "
        f"as it wrote them (notes.docx (added since the run)), so it is kept whole as {kept}"
        f"{RENAMED}."
    )
    assert sorted(p.name for p in reports.iterdir()) == sorted([NAME, KEPT])
    assert contents(reports / KEPT) == as_kept(earlier)
    assert not (reports / KEPT / "shareable").exists()
    assert contents(reports / NAME) == rerun


def test_an_earlier_run_with_an_output_edited_is_kept_whole_and_said_so(reports: Path):
    table = reports / NAME / "shareable" / "by_tier.csv"
    table.write_text("tier,children\nlikely,13\n")
    (reports / NAME / "restricted" / "two_year_old_list.csv").unlink()  # missing: nothing lost
    earlier = contents(reports / NAME)
    kept, said = report_module._install(reports / f".{NAME}.partial", reports / NAME, now=AT)
    assert kept == reports / KEPT
    assert said == (
        "The earlier run of these inputs was not deleted: it held files its run did not write "
        "as it wrote them (shareable/by_tier.csv (changed since the run wrote it)), so it is "
        f"kept whole as {reports / KEPT}{RENAMED}."
    )
    assert contents(reports / KEPT) == as_kept(earlier)
    assert contents(reports / NAME)["report.html"] == "<p>the rerun</p>"


def test_a_second_earlier_run_kept_within_the_same_second_gets_its_own_name(reports: Path):
    (reports / KEPT).mkdir()
    (reports / NAME / "notes.docx").write_text("notes")
    kept, _ = report_module._install(reports / f".{NAME}.partial", reports / NAME, now=AT)
    assert kept == reports / f"{KEPT}-2"
    assert replaced_at(kept.name) == "20261207T051634Z"
    assert replaced_name(reports / NAME, AT) == reports / f"{KEPT}-3"


def test_more_than_five_files_are_counted_not_all_named(reports: Path):
    for number in range(7):
        (reports / NAME / f"note{number}.txt").write_text("notes")
    _, said = report_module._install(reports / f".{NAME}.partial", reports / NAME, now=AT)
    assert said is not None
    assert "note4.txt (added since the run); and 2 more), so it is kept whole" in said
    assert "note5.txt" not in said


def test_jupyters_checkpoint_of_the_executed_notebook_is_the_runs_own(reports: Path):
    checkpoint = reports / NAME / ".ipynb_checkpoints" / "notebook-checkpoint.ipynb"
    checkpoint.parent.mkdir()
    checkpoint.write_text(FILES["notebook.ipynb"])  # JupyterLab's copy, opened and not edited
    assert checkpoint_of(".ipynb_checkpoints/notebook-checkpoint.ipynb") == "notebook.ipynb"
    assert not_as_written(reports / NAME) == {}
    checkpoint.write_text('{"cells": ["an analyst\'s cell"]}')
    assert not_as_written(reports / NAME) == {
        ".ipynb_checkpoints/notebook-checkpoint.ipynb": "added since the run"
    }


@pytest.mark.parametrize("manifest", [None, "{not json", '{"status": "ok"}'])
def test_a_folder_whose_manifest_cannot_say_what_its_run_wrote_is_kept(
    reports: Path, manifest: str | None
):
    if manifest is None:
        (reports / NAME / "manifest.json").unlink()
    else:
        (reports / NAME / "manifest.json").write_text(manifest)
    unchecked = "cannot be checked: the folder's manifest.json is missing or records no outputs"
    expected = {name: unchecked for name in sorted([*FILES, "manifest.json"])}
    if manifest is None:
        del expected["manifest.json"]
    assert not_as_written(reports / NAME) == expected
    kept, _ = report_module._install(reports / f".{NAME}.partial", reports / NAME, now=AT)
    assert kept == reports / KEPT


def test_a_link_added_to_the_folder_is_not_the_runs(reports: Path, tmp_path: Path):
    (reports / NAME / "latest.csv").symlink_to(reports / NAME / "shareable" / "by_tier.csv")
    assert not_as_written(reports / NAME) == {"latest.csv": "added since the run"}
