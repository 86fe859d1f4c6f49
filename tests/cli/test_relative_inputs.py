"""The command line finds a relative input as the Python API does (the working directory,
then the project root), writes its outputs from the working directory, and keeps a reviewed
list that `assess --out` would write over."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from tests.command import workbench
from tests.council import Council
from workbench.paths import PROJECT_ROOT as FOUND_ROOT
from workbench.review import ReviewStore, register_list_file
from workbench.runs.parameters import parameter_files, secret_files, store_parameters
from workbench.runs.report import _label

KEY_HEX = "11" * 32
TWO = ("--initiative", "two_year_old", "--term-start", "2026-09-01")
SAMPLE = "data_samples/council_small"
LOOKUP = "data_samples/ward_lookup.csv"

pytestmark = pytest.mark.skipif(FOUND_ROOT is None, reason="a source checkout's project root")
PROJECT_ROOT = FOUND_ROOT or Path()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of a command run from a working folder of its own."""
    return {
        **os.environ,
        "WORKBENCH_KEY": KEY_HEX,
        "WORKBENCH_STORE": str(tmp_path / "access" / "review.sqlite"),
    }


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def test_validate_reads_a_relative_folder_from_the_project_root(work, env):
    done = workbench("validate", SAMPLE, cwd=work, env=env)
    assert done.returncode == 0, done.stderr
    assert "Quarantined: 0 row(s)." in done.stdout
    assert workbench("validate", "--data", SAMPLE, cwd=work, env=env).returncode == 0


def test_a_relative_input_found_nowhere_names_both_places_looked_in(work, env):
    done = workbench("validate", "data_samples/no_such_council", cwd=work, env=env)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"error: data_samples/no_such_council (looked in the working folder {work} and the "
        f"project folder {PROJECT_ROOT}): no such file or folder\n"
    )
    done = workbench("report", "01", "--data", "no_such_council", cwd=work, env=env)
    assert done.stderr == (
        f"error: --data no_such_council (looked in the working folder {work} and the project "
        f"folder {PROJECT_ROOT}): no such file or folder\n"
    )


def test_a_folder_in_the_working_directory_wins_over_the_project_root(work, env):
    (work / "data_samples" / "council_small").mkdir(parents=True)  # empty: no people.csv
    done = workbench("validate", SAMPLE, cwd=work, env=env)
    assert done.returncode == 1
    assert "data_samples/council_small" in done.stderr and "people" in done.stderr


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_stats_reads_the_sample_ward_lookup_and_says_nothing_when_every_postcode_matched(work, env):
    done = workbench(
        "stats", "--data", SAMPLE, *TWO, "--as-of", "2026-09-01", "--out", "tables",
        "--ward-lookup", LOOKUP, cwd=work, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    record = json.loads((work / "tables" / "stats_manifest.json").read_text())
    assert record["ward_lookup"]["people_postcodes"]["unmatched"] == 0
    assert "matched no ward" not in done.stdout  # the output is the working folder's


def test_stats_says_how_many_postcodes_matched_no_ward(work, env):
    (work / "wards.csv").write_text("postcode,ward\nFQ1 1JX,Ashcombe\n")
    done = workbench(
        "stats", "--data", SAMPLE, *TWO, "--as-of", "2026-09-01", "--out", "tables",
        "--ward-lookup", "wards.csv", cwd=work, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    record = json.loads((work / "tables" / "stats_manifest.json").read_text())
    unmatched = record["ward_lookup"]["people_postcodes"]["unmatched"]
    assert unmatched == 24
    assert f"note: {unmatched} postcode(s) in the data matched no ward (ward unknown)\n" in (
        done.stdout
    )


def test_report_parameters_name_inputs_from_the_project_root_and_stores_from_here(
    work, monkeypatch
):
    monkeypatch.chdir(work)
    assert parameter_files({"ward_lookup": LOOKUP}) == {"ward_lookup": PROJECT_ROOT / LOOKUP}
    (work / "review.sqlite").write_bytes(b"")
    # A store is the working folder's, existing or not (03 creates its `store`).
    assert parameter_files({"store": "review.sqlite"}) == {"store": work / "review.sqlite"}
    assert store_parameters({"store": "new.sqlite", "review_store": "", "ward_lookup": LOOKUP}) == {
        "store": work / "new.sqlite"
    }
    # A key file is handed to the notebook (which runs in its run folder) by absolute path,
    # never hashed into the run id.
    (work / "my.key").write_text(KEY_HEX)
    assert secret_files({"key_file": "my.key"}) == {"key_file": work / "my.key"}
    assert secret_files({"key_file": ""}) == {}
    assert parameter_files({"key_file": "my.key"}) == {}


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_a_report_parameter_found_nowhere_names_both_places(work, env):
    done = workbench(
        "report", "04", "--data", SAMPLE, "-p", "term_start=2026-09-01", "-p", "as_of=2026-09-01",
        "-p", "ward_lookup=data_samples/wards.csv", cwd=work, env=env,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == (
        "error: Parameter 'ward_lookup' names 'data_samples/wards.csv', which does not exist "
        f"(looked for {work}/data_samples/wards.csv, then {PROJECT_ROOT}/data_samples/wards.csv)"
        '; give an existing file, or "" for none.\n'
    )


def test_a_run_or_list_given_names_the_report_folder(tmp_path):
    run = tmp_path / "2026-12-07-02_eligibility_list-free_school_meals-2026-09-01-r-1"
    run.mkdir()
    (run / "manifest.json").write_text(
        json.dumps({"parameters": {"initiative": "free_school_meals", "term_start": "2026-09-01"}})
    )
    defaults = {"initiative": "two_year_old", "term_start": "2026-04-01", "run": str(run)}
    assert _label(defaults, {"run": run}) == "-free_school_meals-2026-09-01"
    listed = tmp_path / "two_apr.csv"
    listed.write_text("person_id\n")
    (tmp_path / "two_apr.csv.manifest.json").write_text(
        json.dumps({"parameters": {"initiative": "two_year_old", "term_start": "2026-04-01"}})
    )
    defaults = {"initiative": "two_year_old", "term_start": "2026-09-01"}
    assert _label(defaults, {"list_file": listed}) == "-two_year_old-2026-04-01"
    # A manifest that cannot be read names nothing rather than the unused defaults.
    assert _label(defaults, {"list_file": tmp_path / "other.csv"}) == ""
    assert _label(defaults, {}) == "-two_year_old-2026-09-01"


@pytest.mark.slow
def test_report_03_makes_its_store_in_the_working_folder_named_by_its_list(work, env):
    listed = work / "lists" / "two_apr.csv"
    listed.parent.mkdir()
    made = workbench(
        "assess", "--data", SAMPLE, "--initiative", "two_year_old", "--term-start",
        "2026-04-01", "--as-of", "2026-03-01", "--out", "lists/two_apr.csv", cwd=work, env=env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    before = sorted(PROJECT_ROOT.glob("review.sqlite*"))
    done = workbench(
        "report", "03", "--data", SAMPLE, "-p", "list_file=lists/two_apr.csv",
        "-p", "store=review.sqlite", cwd=work, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert sorted(PROJECT_ROOT.glob("review.sqlite*")) == before
    assert (work / "review.sqlite").is_file() and (work / "review.sqlite.heads").is_file()
    (folder,) = (work / "reports").iterdir()
    assert "-03_review-two_year_old-2026-04-01-r-" in folder.name
    with ReviewStore(work / "review.sqlite", key=bytes.fromhex(KEY_HEX)) as store:
        assert store.lists().get_column("initiative").to_list() == ["two_year_old"]


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_a_relative_store_is_the_working_folders_never_the_project_roots(tmp_path, work, env):
    """A store is written (decisions, its access log at least), so every command takes a
    relative --store from the working folder only, as an output: looking in the project root
    could write decisions into the checkout."""
    from workbench.eligibility.assess import assess

    # pyproject.toml stands for a store the project root holds and the working folder not.
    assert (PROJECT_ROOT / "pyproject.toml").is_file()
    offer = ["--initiative", "two_year_old", "--data", SAMPLE]
    offer += ["--term-start", "2026-09-01", "--as-of", "2026-09-01"]
    where = f"pyproject.toml (in the working folder {work})"
    for args in (
        ["assess", *offer, "--out", "list.csv"],
        ["explain", *offer, "--person", "P0000001"],
        ["stats", *offer, "--out", "tables"],
    ):
        done = workbench(*args, "--store", "pyproject.toml", cwd=work, env=env)
        assert (done.returncode, done.stdout) == (2, ""), args
        assert done.stderr.startswith(
            f"error: --store no review store at {where}: --store reads the link decisions "
        ), args
    done = workbench(
        "subject-access", "--person", "P0000001", "--data", SAMPLE, "--out", "sar.md",
        "--store", "pyproject.toml", cwd=work, env=env,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"error: {where}: no review store here; expected a store the workbench wrote\n"
    )
    # A store to be made is the working folder's too: a workbook at its path is refused (the
    # project root's path was compared, and the store made, then written over).
    term = date(2026, 9, 1)
    listed = assess(PROJECT_ROOT / SAMPLE, "two_year_old", term_start=term, as_of=term)
    listed.write(tmp_path / "list.csv")
    done = workbench(
        "review", "export", "--store", "new.xlsx", "--list", str(tmp_path / "list.csv"),
        "--out", "new.xlsx", cwd=work, env=env,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    assert " ".join(done.stderr.split()) == (
        "error: --out new.xlsx: the workbook would be written over the review store (--store), "
        "which this command reads. Give --out another file."
    )
    assert sorted(work.iterdir()) == []  # nothing made, no store, no list
    assert not (tmp_path / "access").exists()  # nor any access logged: each was refused first


# --- assess --out over a list of another run --------------------------------------------------


@pytest.fixture
def data(tmp_path: Path) -> Path:
    c = Council()
    c.person("A1", "H1", date(1990, 1, 1), role="parent_carer", nino="AB123456C")
    c.person("C1", "H1", date(2024, 3, 2), role="child")
    c.award("B1", "A1", "income_support")
    folder = tmp_path / "D"
    folder.mkdir()
    for name in ("people", "benefits"):
        c.tables()[name].collect().write_csv(folder / f"{name}.csv", date_format="%Y-%m-%d")
    return folder


def assess_into(out: Path, as_of: str, data: Path, env: dict, *more: str):
    done = workbench(
        "assess", "--data", str(data), *TWO, "--as-of", as_of, "--out", str(out),
        *(more or ("--linkage", "exact")), env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def run_of(listed: Path) -> str:
    return json.loads(listed.with_name(listed.name + ".manifest.json").read_text())["run_id"]


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_assess_notes_the_list_of_another_run_it_replaced(tmp_path, data, env):
    out = tmp_path / "two.csv"
    assess_into(out, "2026-08-01", data, env)
    earlier = run_of(out)
    again = assess_into(out, "2026-08-01", data, env)  # the same run: nothing to say
    assert "held the list" not in again.stderr
    done = assess_into(out, "2026-07-01", data, env)
    assert done.stderr == (
        f"note: --out {out} held the list of run {earlier}, replaced by this run's list "
        f"({run_of(out)})\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("two")) == [
        "two.csv",
        "two.csv.manifest.json",
    ]


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
@pytest.mark.parametrize("given", ["--store", "WORKBENCH_STORE"])
def test_assess_keeps_a_list_registered_in_the_review_store(tmp_path, data, env, given):
    out, store = tmp_path / "two.csv", tmp_path / "review.sqlite"
    assess_into(out, "2026-08-01", data, env)
    earlier, listed_bytes = run_of(out), out.read_bytes()
    key = bytes.fromhex(KEY_HEX)
    with ReviewStore(store, key=key) as opened:
        register_list_file(opened, out, key)
    more: tuple[str, ...] = ("--store", str(store)) if given == "--store" else ()
    if given == "WORKBENCH_STORE":
        env = {**env, "WORKBENCH_STORE": str(store)}
    done = assess_into(out, "2026-07-01", data, env, *more)
    (kept,) = [p for p in tmp_path.glob("two-replaced-*.csv")]
    assert kept.name.startswith("two-replaced-2") and len(kept.stem) == len("two-replaced-") + 16
    named = f"--store {store}" if given == "--store" else f"{store} (WORKBENCH_STORE)"
    assert done.stderr == (
        f"note: --out {out} held the list of run {earlier}, registered in the review store "
        f"{named}: it is kept as {kept} (with its manifest beside it), and this run's list "
        f"({run_of(out)}) written to {out}\n"
    )
    assert kept.read_bytes() == listed_bytes and run_of(kept) == earlier
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("two")) == sorted(
        ["two.csv", "two.csv.manifest.json", kept.name, f"{kept.name}.manifest.json"]
    )
    assert run_of(out) != earlier
    # The kept list is still the one the store registered: it opens as that list.
    with ReviewStore(store, key=key) as opened:
        _, listed = register_list_file(opened, kept, key)
        assert listed.run_id == earlier and opened.lists().height == 1
    with sqlite3.connect(store) as connection:
        assert connection.execute("SELECT run_id FROM lists").fetchall() == [(earlier,)]
