"""Every notebook run end to end by papermill (through `run_report`) on data_samples/, with
assertions on what it wrote; a failing notebook; reproducibility; notebooks kept clean in git.

Kernel start-up is slow, so each run is made once per module and shared between tests.
"""

from __future__ import annotations

import errno
import hashlib
import json
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import polars as pl
import pytest
from filelock import FileLock
from nbformat.v4 import new_code_cell, new_notebook
from papermill.translators import papermill_translators

from tests.command import workbench
from workbench import __version__
from workbench.errors import UsageError, WorkbenchError
from workbench.rules import load_rule_set
from workbench.runs import report as report_module
from workbench.runs.html import remote_resources
from workbench.runs.parameters import NOTEBOOKS
from workbench.runs.report import NOT_PUBLISHED, ReportFailed, run_report

SAMPLE = Path(__file__).parents[2] / "data_samples" / "council_small"
# council_small on 1 September 2026: 38 children are listed for free school meals: 35 in
# Universal Credit households (every UC household qualifies from that date; 16 of them also
# in the targeted group, earning £7,400 or less), and the rest through income-related ESA or
# no recourse to public funds.
FSM = {"initiative": "free_school_meals", "term_start": "2026-09-01", "as_of": "2026-09-01"}
MANIFEST_KEYS = {
    "run_id",
    "notebook",
    "data",
    "inputs",
    "parameters",
    "rule_set",
    "package_version",
    "code_changes",
    "git_commit",
    "environment",
    "outputs",
    "started_at",
    "finished_at",
    "status",
}
TIMES = ("started_at", "finished_at")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text())


def executed_cells(run_dir: Path) -> list[nbformat.NotebookNode]:
    return nbformat.read(run_dir / "notebook.ipynb", as_version=4).cells


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under a folder with its bytes and modification time."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def explore(tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    return run_report("01_explore_data", data=SAMPLE, parameters={}, reports=reports)


@pytest.fixture(scope="module")
def fsm_runs(tmp_path_factory):
    """The same eligibility report run twice, into two report folders."""
    return tuple(
        run_report(
            "02_eligibility_list",
            data=SAMPLE,
            parameters=FSM,
            reports=tmp_path_factory.mktemp(f"reports{i}"),
        )
        for i in range(2)
    )


@pytest.fixture(scope="module")
def two_year_old(tmp_path_factory):
    """The eligibility notebook with its defaults: 4 children, too few to publish."""
    reports = tmp_path_factory.mktemp("reports")
    return run_report("02_eligibility_list", data=SAMPLE, parameters={}, reports=reports)


# --- 01_explore_data ---------------------------------------------------------------------------


def test_explore_writes_the_file_counts_to_shareable(explore):
    assert explore.ok

    # Disclosure control, file by file: a DWP list of 2 rows is 2 families on it, 9 statuses
    # 9 children in care or with a plan (the report's page shows the exact counts).
    def rows(file: str, accepted: str, read: str) -> str:
        hidden = "true" if accepted == "c" else "false"
        return (
            f"{file},accepted,rows,{accepted},{hidden}\n{file},quarantined,rows,0,false\n"
            f"{file},Total,rows,{read},{hidden}\n"
        )

    assert (explore.run_dir / "shareable" / "validation.csv").read_text() == (
        "file,of,measure,value,suppressed\n"
        + rows("people.csv", "712", "712")
        + rows("benefits.csv", "186", "186")
        + rows("child_statuses.csv", "c", "c")
        + rows("households.csv", "c", "c")
        + rows("dwp_list.csv", "c", "c")
        + rows("funded_places.csv", "52", "52")
    )
    assert sorted(p.name for p in (explore.run_dir / "restricted").iterdir()) == []


def test_explore_report_shows_headline_profile_and_ignored_files_without_code(explore):
    html = explore.html.read_text()
    assert "<strong>967 rows</strong> read from 6 files" in html
    assert "<td>date_of_birth</td>" in html
    # Only months of at least 10 rows: not the oldest person's birth month (March 1927), nor
    # the months the few children's care ended (March 2020 to December 2022).
    assert "<td>2025-09</td><td>2026-04</td>" in html  # funded places' terms
    for month in ("1927-03", "2020-03", "2022-12"):
        assert month not in html
    assert "<code>ground_truth.csv</code>, <code>providers.csv</code>" in html
    assert "load_folder(" not in html
    assert "<script" not in html
    assert remote_resources(html) == []
    # No cell's value shown bare: the report started with a stray "True" (a tester's case).
    cells = nbformat.read(explore.run_dir / "notebook.ipynb", as_version=4).cells
    found = [o for c in cells if c.cell_type == "code" for o in c.outputs]
    texts = [o for o in found if "text/plain" in o.get("data", {})]
    assert not [o for o in texts if o["data"]["text/plain"] in ("True", "False")]


def test_explore_manifest_records_inputs_and_no_rule_set(explore):
    record = manifest(explore.run_dir)
    assert set(record) == MANIFEST_KEYS
    assert record["status"] == "ok"
    assert record["rule_set"] is None
    assert record["parameters"] == {}
    assert record["inputs"] == {
        name: hashlib.sha256((SAMPLE / name).read_bytes()).hexdigest()
        for name in sorted(
            [
                "people.csv",
                "benefits.csv",
                "child_statuses.csv",
                "dwp_list.csv",
                "funded_places.csv",
                "households.csv",
                "ground_truth.csv",  # every table-like file: notebook 06 reads it
                "providers.csv",
            ]
        )
    }
    assert record["outputs"] == {
        name: hashlib.sha256((explore.run_dir / name).read_bytes()).hexdigest()
        for name in ("notebook.ipynb", "report.html", "shareable/validation.csv")
    }


# --- 02_eligibility_list -------------------------------------------------------------------------


def test_eligibility_run_folder_is_named_by_date_notebook_offer_term_and_run_id(fsm_runs):
    # A scheduling tester's three runs for three offers differed only by their run ids.
    run = fsm_runs[0]
    term = manifest(run.run_dir)["parameters"]["term_start"]
    match = re.fullmatch(
        rf"\d{{4}}-\d{{2}}-\d{{2}}-02_eligibility_list-free_school_meals-{term}-(r-[0-9a-f]{{12}})",
        run.run_dir.name,
    )
    assert match is not None
    assert manifest(run.run_dir)["run_id"] == match.group(1)
    assert not [p for p in run.run_dir.parent.iterdir() if p.name.startswith(".")]


def test_eligibility_shareable_tables_passed_disclosure_control(fsm_runs):
    shareable = fsm_runs[0].run_dir / "shareable"
    # Children by tier only: children by reason are published by the take-up report (04),
    # protected with its tables; a second copy protected alone could be set against it.
    assert sorted(p.name for p in shareable.iterdir()) == ["by_tier.csv"]
    assert (shareable / "by_tier.csv").read_text() == (
        "tier,measure,value,suppressed\nlikely,children,38,false\npossible,children,0,false\n"
        "Total,children,38,false\n"
    )


def test_eligibility_list_is_restricted_and_pending_review(fsm_runs):
    restricted = fsm_runs[0].run_dir / "restricted"
    assert mode(restricted) == 0o700
    files = sorted(restricted.iterdir())
    assert [p.name for p in files] == [
        "free_school_meals_list.csv",
        "free_school_meals_list.csv.manifest.json",
    ]
    assert all(mode(p) == 0o600 for p in files)
    listed = pl.read_csv(files[0])
    assert listed.height == 38
    assert listed.get_column("review_status").unique().to_list() == ["pending_review"]
    assert listed.get_column("initiative").unique().to_list() == ["free_school_meals"]


def test_eligibility_manifest_records_what_decided_the_run(fsm_runs):
    record = manifest(fsm_runs[0].run_dir)
    assert set(record) == MANIFEST_KEYS | {"warnings"}
    assert record["warnings"] == {"serious": [], "notes": 0}
    assert record["status"] == "ok"
    assert record["parameters"] == FSM | {
        "linkage": "probabilistic",
        "review_store": "",
        "linkage_model": "",
        "threshold": 10,
        "round_to": 0,
    }
    assert record["rule_set"] == load_rule_set("free_school_meals").ref
    assert record["package_version"] == __version__
    assert record["notebook"] == {
        "name": "02_eligibility_list",
        "sha256": hashlib.sha256(
            (NOTEBOOKS / "02_eligibility_list.ipynb").read_bytes()
        ).hexdigest(),
    }
    assert set(record["environment"]) == {"python", "platform", "libraries"}
    assert sorted(record["outputs"]) == [
        "notebook.ipynb",
        "report.html",
        "restricted/free_school_meals_list.csv",
        "restricted/free_school_meals_list.csv.manifest.json",
        "shareable/by_tier.csv",
    ]
    assert record["started_at"] <= record["finished_at"]


def test_injected_parameters_are_recorded_in_the_executed_notebook(fsm_runs):
    run = fsm_runs[0]
    cells = executed_cells(run.run_dir)
    injected = [c for c in cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert 'initiative = "free_school_meals"' in injected[0].source
    assert f'data = "{SAMPLE.resolve()}"' in injected[0].source
    # The folder the run is kept in, not the hidden `.partial` one it ran in (gone since).
    assert f'output_dir = "{run.run_dir.resolve()}"' in injected[0].source
    assert ".partial" not in (run.run_dir / "notebook.ipynb").read_text()
    code = [c for c in cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not [o for c in code for o in c.outputs if o.output_type == "stream"]


def test_eligibility_report_reads_for_an_officer_offline(fsm_runs):
    html = fsm_runs[0].html.read_text()
    assert "<title>Eligibility list</title>" in html
    assert "<td>likely</td><td>38</td>" in html
    # Children by reason are the take-up report's to publish: the page points there.
    assert "<td>universal_credit</td>" not in html
    assert "published once, by the take-up report" in html
    assert "Legal basis:" in html  # the method note from the rule set
    assert html.index("Headline") < html.index("Method")
    assert "assess_folder(" not in html and "In [" not in html
    assert "<script" not in html
    assert remote_resources(html) == []
    assert len(html) < 100_000


@pytest.mark.slow  # a whole report run: make test-slow (CI runs both)
def test_an_empty_list_for_a_reason_worth_knowing_is_said_and_fails_strict(tmp_path):
    # The early years pupil premium lists only children with a funded place for the term, and
    # the sample's headcount has none for January 2027: the list is empty, for that reason.
    args = ["-p", "initiative=early_years_pupil_premium", "-p", "term_start=2027-01-04"]
    args += ["-p", "as_of=2026-12-01", "--data", str(SAMPLE), "--reports", str(tmp_path)]
    done = workbench("report", "02", *args, "--strict")
    assert done.returncode == 3, done.stderr
    [warning] = done.stderr.splitlines()
    assert warning.startswith(
        "warning: the list is empty, yet 28 child(ren) in the people table are in the "
        "early_years_pupil_premium age window for the term starting 2027-01-04: it lists only "
        "children with a funded place for the term, and no place in funded_places is for the "
        "term starting 2027-01-04"
    )
    [run_dir] = tmp_path.iterdir()
    record = manifest(run_dir)
    assert record["status"] == "ok"  # the report is written all the same
    assert record["warnings"] == {"serious": [warning.removeprefix("warning: ")], "notes": 0}
    assert "warnings.json" not in [p.name for p in run_dir.rglob("*")]
    assert "the list is empty, yet 28 child(ren)" in (run_dir / "report.html").read_text()

    again = workbench("report", "02", *args)  # without --strict: said, exit 0
    assert again.returncode == 0
    assert again.stderr == done.stderr


@pytest.mark.slow  # a whole report run: make test-slow (CI runs both)
def test_a_take_up_report_without_take_up_fails_strict_and_a_low_threshold_is_said(tmp_path):
    # A scheduling tester's take-up report exited 0 under --strict with take-up blank (no
    # place in the headcount for the term), and its low threshold was said nowhere.
    args = ["-p", "term_start=2027-01-04", "-p", "as_of=2026-12-01", "-p", "threshold=7"]
    args += ["--data", str(SAMPLE), "--reports", str(tmp_path), "--strict"]
    done = workbench("report", "04", *args)
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines() == [
        "warning: Take-up is not measured for the term: No place in funded_places is for the "
        "term starting 2027-01-04: its places are for the terms starting 2025-09-01, "
        "2026-01-01, 2026-04-01 and 2026-09-01. Is the term's start written another way in "
        "the providers' headcount (then give that date as the term start), or has its "
        "headcount not come in yet?",
        "warning: The threshold 7 is below the default of 10: counts from 7 to 9 will be "
        "published.",
    ]
    [run_dir] = tmp_path.iterdir()
    assert manifest(run_dir)["warnings"]["notes"] == 1


@pytest.mark.slow  # a whole report run: make test-slow (CI runs both)
def test_the_linkage_report_says_a_dwp_list_all_quarantined_and_fails_strict(tmp_path):
    # Its bands held the funded places only, and nothing said why (`link` refuses the data).
    messy = SAMPLE.with_name("council_messy")
    done = workbench("report", "06", "--data", str(messy), "--reports", str(tmp_path), "--strict")
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith(
        "warning: dwp_list.csv: 16 of 16 rows (100%) are quarantined and count for nothing"
    )
    [run_dir] = tmp_path.iterdir()
    assert "dwp_list.csv: 16 of 16 rows (100%)" in (run_dir / "report.html").read_text()


@pytest.mark.slow  # over 8 s: make test-slow (CI runs both)
def test_a_report_on_a_folder_without_a_required_table_exits_1_as_bad_input(tmp_path):
    # A scheduler could not tell "the extract was not delivered" (exit 4 before) from "the
    # notebook is broken".
    (tmp_path / "data").mkdir()
    args = ["--data", str(tmp_path / "data"), "--reports", str(tmp_path / "r")]
    done = workbench("report", "02", *args, "-p", "term_start=2026-09-01", "-p", "as_of=today")
    assert done.returncode == 1, done.stderr
    assert "DataFileError" in done.stderr and "required table" in done.stderr
    [failed] = (tmp_path / "r").iterdir()
    assert failed.name.endswith("-failed")


def test_a_table_too_small_to_publish_is_not_written(two_year_old):
    assert sorted((two_year_old.run_dir / "shareable").iterdir()) == []
    html = two_year_old.html.read_text()
    assert "<code>by_tier.csv</code> <strong>not published</strong>" in html
    assert "the grand total is below the threshold of 10" in html
    assert manifest(two_year_old.run_dir)["rule_set"] == load_rule_set("two_year_old").ref


def test_different_parameters_give_a_different_run_id(fsm_runs, two_year_old):
    assert manifest(two_year_old.run_dir)["run_id"] != manifest(fsm_runs[0].run_dir)["run_id"]


# --- reproducibility -----------------------------------------------------------------------------


def test_the_same_inputs_give_byte_identical_tables_and_manifest(fsm_runs):
    first, second = fsm_runs
    assert first.run_dir.name == second.run_dir.name
    assert first.run_dir != second.run_dir
    for name in ("by_tier.csv",):
        assert (first.run_dir / "shareable" / name).read_bytes() == (
            second.run_dir / "shareable" / name
        ).read_bytes()
    listed = "restricted/free_school_meals_list.csv"
    assert (first.run_dir / listed).read_bytes() == (second.run_dir / listed).read_bytes()
    one, two = manifest(first.run_dir), manifest(second.run_dir)
    # The report reads the same; the executed notebook records when each cell ran.
    assert first.html.read_bytes() == second.html.read_bytes()
    for record in (one, two):
        record["outputs"].pop("notebook.ipynb")
    assert {k: v for k, v in one.items() if k not in TIMES} == {
        k: v for k, v in two.items() if k not in TIMES
    }


# --- a notebook that fails -----------------------------------------------------------------------


def flaky_notebook(path: Path) -> Path:
    """Writes a file to each output folder, then fails when WORKBENCH_TEST_FAIL is set."""
    parameters = new_code_cell(
        'data: str = "data"  # the data folder\noutput_dir: str = "out"  # the run folder'
    )
    parameters.metadata["tags"] = ["parameters"]
    cells = [
        parameters,
        new_code_cell(
            "import os\nfrom pathlib import Path\n"
            'Path(output_dir, "shareable", "counts.csv").write_text("n\\n12\\n")\n'
            'Path(output_dir, "restricted", "names.csv").write_text("name\\nAnn\\n")'
        ),
        new_code_cell(
            'if os.environ.get("WORKBENCH_TEST_FAIL"):\n'
            '    raise RuntimeError("the extract is incomplete")'
        ),
    ]
    nbformat.write(new_notebook(cells=cells, metadata={"title": "Flaky"}), path)
    return path


def test_a_failed_run_is_kept_aside_and_the_last_good_report_is_untouched(tmp_path, monkeypatch):
    notebook = flaky_notebook(tmp_path / "flaky.ipynb")
    reports = tmp_path / "reports"
    good = run_report(notebook, data=SAMPLE, parameters={}, reports=reports)
    before = snapshot(good.run_dir)

    monkeypatch.setenv("WORKBENCH_TEST_FAIL", "1")
    with pytest.raises(ReportFailed) as caught:
        run_report(notebook, data=SAMPLE, parameters={}, reports=reports)

    failed = caught.value.run
    assert failed.run_dir == reports / f"{good.run_dir.name}-failed"
    assert not failed.ok
    message = str(caught.value)
    # cells: parameters, injected parameters, writing files, raising (In [4], the 4th cell)
    assert "failed at cell In [4] (cell 4 of the executed notebook" in message
    assert "'if os.environ.get(\"WORKBENCH_TEST_FAIL\"):'" in message
    assert "RuntimeError: the extract is incomplete" in message
    assert snapshot(good.run_dir) == before
    assert sorted(p.name for p in reports.iterdir()) == sorted(
        [good.run_dir.name, failed.run_dir.name]
    )
    record = manifest(failed.run_dir)
    assert record["status"] == "failed"
    assert record["error"] == {
        "cell": 4,
        "execution_count": 4,
        "ename": "RuntimeError",
        "evalue": "the extract is incomplete",
    }
    # Kept for diagnosis, never where a publisher takes shareable tables from.
    assert not (failed.run_dir / "shareable").exists()
    assert (failed.run_dir / NOT_PUBLISHED / "counts.csv").read_text() == "n\n12\n"
    assert mode(failed.run_dir / "restricted") == 0o700
    assert mode(failed.run_dir / "restricted" / "names.csv") == 0o600
    errors = [
        o
        for c in executed_cells(failed.run_dir)
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert [e.ename for e in errors] == ["RuntimeError"]

    monkeypatch.delenv("WORKBENCH_TEST_FAIL")
    again = run_report(notebook, data=SAMPLE, parameters={}, reports=reports)
    assert again.run_dir == good.run_dir
    assert manifest(again.run_dir)["status"] == "ok"
    assert sorted(p.name for p in reports.iterdir()) == sorted(
        [good.run_dir.name, failed.run_dir.name]
    )


def test_a_kernel_killed_mid_run_fails_the_run_instead_of_hanging(tmp_path, caplog):
    # The out-of-memory killer's SIGKILL, sent by the kernel to itself after writing its files.
    notebook = flaky_notebook(tmp_path / "killed.ipynb")
    cells = nbformat.read(notebook, as_version=4)
    cells.cells[-1] = new_code_cell("import signal\nos.kill(os.getpid(), signal.SIGKILL)")
    nbformat.write(cells, notebook)
    reports = tmp_path / "reports"
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            run_report(notebook, data=SAMPLE, parameters={}, reports=reports)
        except BaseException as error:  # handed to the test's thread
            outcome.append(error)

    # A hang (the blocking kernel manager) would stop the suite: wait in a thread instead.
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the run hung after its kernel died"

    [error] = outcome
    assert isinstance(error, ReportFailed)
    assert str(error).startswith("Notebook killed stopped: its kernel died (killed from outside")
    assert f"Partial output kept in {error.run.run_dir};" in str(error)
    assert error.run.run_dir.name.endswith("-failed")
    assert [p.name for p in reports.iterdir()] == [error.run.run_dir.name]
    record = manifest(error.run.run_dir)
    assert record["status"] == "failed"
    assert record["error"]["ename"] == "DeadKernelError"
    assert (error.run.run_dir / NOT_PUBLISHED / "counts.csv").read_text() == "n\n12\n"
    assert mode(error.run.run_dir / "restricted" / "names.csv") == 0o600
    # The one-line failure says it: nbclient's own log line through papermill's is not printed.
    assert [r.getMessage() for r in caplog.records if "died" in r.getMessage()] == []


@pytest.mark.slow
def test_a_run_stopped_by_sigterm_is_kept_as_failed_not_left_hidden(tmp_path):
    # systemd stops a scheduled run with SIGTERM (as Ctrl-C sends SIGINT): the run is kept as
    # <folder>-failed/, as a failed run is, not left as a hidden .partial folder no report
    # lists, and the command says so in one line.
    notebook = flaky_notebook(tmp_path / "slow.ipynb")
    cells = nbformat.read(notebook, as_version=4)
    cells.cells.append(
        new_code_cell('Path(output_dir, "started").touch()\nimport time\ntime.sleep(300)')
    )
    nbformat.write(cells, notebook)
    reports = tmp_path / "reports"
    command = [sys.executable, "-m", "workbench", "--quiet", "report", str(notebook)]
    runner = subprocess.Popen(
        [*command, "--data", str(SAMPLE), "--reports", str(reports)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not list(reports.glob(".*.partial/started")):
        assert runner.poll() is None, runner.communicate()
        assert time.monotonic() < deadline, "the notebook never reached its last cell"
        time.sleep(0.2)
    runner.send_signal(signal.SIGTERM)
    _, stderr = runner.communicate(timeout=120)
    assert runner.returncode == 4, stderr
    [failed] = [p for p in reports.iterdir() if not p.name.endswith(".lock")]
    assert failed.name.endswith("-failed")
    [line] = stderr.splitlines()
    assert line == (
        "error: Notebook slow stopped: interrupted or terminated (SIGINT or SIGTERM) before it "
        f"finished. Partial output kept in {failed}; the last good report is untouched."
    )
    record = manifest(failed)
    assert record["status"] == "failed"
    assert record["error"]["ename"] == "Stopped"
    assert (failed / NOT_PUBLISHED / "counts.csv").read_text() == "n\n12\n"
    assert mode(failed / "restricted") == 0o700
    assert mode(failed / "restricted" / "names.csv") == 0o600


def test_a_second_identical_run_while_the_first_is_writing_stops_and_changes_nothing(tmp_path):
    notebook = flaky_notebook(tmp_path / "flaky.ipynb")
    reports = tmp_path / "reports"
    good = run_report(notebook, data=SAMPLE, parameters={}, reports=reports)
    before = snapshot(good.run_dir)
    assert sorted(p.name for p in reports.iterdir()) == [good.run_dir.name]  # no lock file left

    # The first run of the pair holds the folder name's lock (as run_report does) ...
    with FileLock(reports / f".{good.run_dir.name}.lock"):
        (reports / f".{good.run_dir.name}.partial").mkdir()
        logged: list[str] = []  # what `workbench report` writes its access-log line in
        with pytest.raises(UsageError) as caught:
            run_report(
                notebook,
                data=SAMPLE,
                parameters={},
                reports=reports,
                before_writing=lambda: logged.append("the access-log line"),
            )
        # ... and its half-written folder is not cleared by the second, which logs nothing.
        assert (reports / f".{good.run_dir.name}.partial").is_dir()
        assert logged == []
    assert str(caught.value) == (
        f"{good.run_dir} is being written now by another run of exactly these inputs (the same "
        "notebook, data and parameters, today); this run stopped and changed nothing. Its "
        "report will be there when that run ends."
    )
    assert snapshot(good.run_dir) == before


def test_a_rerun_replaces_an_earlier_run_holding_only_its_own_files(tmp_path):
    notebook = flaky_notebook(tmp_path / "flaky.ipynb")
    reports = tmp_path / "reports"
    good = run_report(notebook, data=SAMPLE, parameters={}, reports=reports)
    again = run_report(notebook, data=SAMPLE, parameters={}, reports=reports)
    assert again.run_dir == good.run_dir
    assert (again.kept, again.kept_note) == (None, None)
    assert [p.name for p in reports.iterdir()] == [good.run_dir.name]


@pytest.mark.slow  # two report runs: make test-slow (CI runs both)
def test_a_rerun_keeps_an_earlier_run_someone_added_a_file_to_and_says_so(tmp_path):
    notebook = flaky_notebook(tmp_path / "flaky.ipynb")
    reports = tmp_path / "reports"
    args = ("report", str(notebook), "--data", str(SAMPLE), "--reports", str(reports))
    first = workbench(*args)
    assert first.returncode == 0, first.stderr
    (run_dir,) = reports.iterdir()
    (run_dir / "notes.docx").write_bytes(b"the analyst's notes")
    before = snapshot(run_dir)

    again = workbench(*args)
    assert again.returncode == 0, again.stderr
    kept = next(p for p in reports.iterdir() if p != run_dir)
    assert re.fullmatch(rf"{re.escape(run_dir.name)}-replaced-[0-9]{{8}}T[0-9]{{6}}Z", kept.name)
    assert again.stdout.splitlines() == [
        f"Report: {run_dir / 'report.html'}",
        f"Manifest: {run_dir / 'manifest.json'}",
        "The earlier run of these inputs was not deleted: it held files its run did not write "
        f"as it wrote them (notes.docx (added since the run)), so it is kept whole as {kept} "
        "(its shareable/ renamed shareable-of-a-replaced-run/: publish nothing from it).",
    ]
    # Moved whole, every file with its bytes and times; its shareable/ renamed, so that a
    # publisher taking */shareable/* takes nothing from it.
    renamed = {
        re.sub(r"^shareable/", "shareable-of-a-replaced-run/", k): v for k, v in before.items()
    }
    assert snapshot(kept) == renamed and not (kept / "shareable").exists()
    assert not (run_dir / "notes.docx").exists()
    assert manifest(run_dir)["status"] == "ok"

    # The auditor is told, not failed: the kept folder's own files still check out.
    audit = workbench("assure", str(reports))
    assert audit.returncode == 0, audit.stdout
    stamp = kept.name.rsplit("-", 1)[1]
    when = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]} UTC"
    assert (
        "WARN  report outputs as the run wrote them: 2 report run(s) (1 of them an earlier run "
        "kept whole when a rerun of the same inputs replaced it), 8 file(s) (the executed "
        "notebook, its HTML and what is under shareable/ and restricted/), each with the "
        "SHA-256 its manifest records, none missing; not the runs' own:\n"
        f"      {kept}: an earlier run, kept whole instead of deleted when a rerun of the same "
        f"inputs replaced it ({when}, by {run_dir.name}), for files its run did not write as it "
        "wrote them, which are not the run's outputs: notes.docx (added since the run)\n"
    ) in audit.stdout
    assert workbench("assure", "--strict", str(reports)).returncode == 3


def test_a_failed_rerun_keeps_an_earlier_failed_run_whose_table_was_edited(tmp_path, monkeypatch):
    notebook = flaky_notebook(tmp_path / "flaky.ipynb")
    reports = tmp_path / "reports"
    monkeypatch.setenv("WORKBENCH_TEST_FAIL", "1")
    with pytest.raises(ReportFailed) as first:
        run_report(notebook, data=SAMPLE, parameters={}, reports=reports)
    failed = first.value.run.run_dir
    (failed / NOT_PUBLISHED / "counts.csv").write_text("n\n13\n")
    before = snapshot(failed)
    with pytest.raises(ReportFailed) as again:
        run_report(notebook, data=SAMPLE, parameters={}, reports=reports)
    kept = again.value.run.kept
    assert kept is not None and kept.name.startswith(f"{failed.name}-replaced-")
    assert str(again.value).endswith(
        f"{_kept_in(failed)} The earlier run of these inputs was not deleted: it held files its "
        f"run did not write as it wrote them ({NOT_PUBLISHED}/counts.csv (changed since the run "
        f"wrote it)), so it is kept whole as {kept}."
    )
    assert snapshot(kept) == before
    assert (failed / NOT_PUBLISHED / "counts.csv").read_text() == "n\n12\n"


def _kept_in(failed: Path) -> str:
    return (
        f"Partial output kept in {failed}; the last good report is untouched. Open "
        f"{failed / 'notebook.ipynb'} to see the error in place."
    )


def test_a_full_disk_removes_the_half_written_run_and_keeps_the_last_good_one(
    tmp_path, monkeypatch
):
    notebook = flaky_notebook(tmp_path / "flaky.ipynb")
    reports = tmp_path / "reports"
    good = run_report(notebook, data=SAMPLE, parameters={}, reports=reports)
    before = snapshot(good.run_dir)

    def full(path: Path, record: object) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(report_module, "_write_manifest", full)
    with pytest.raises(WorkbenchError) as caught:
        run_report(notebook, data=SAMPLE, parameters={}, reports=reports)
    partial = reports / f".{good.run_dir.name}.partial"
    assert str(caught.value) == (
        f"{reports}: cannot write the report there (No space left on device: "
        f"{partial / 'manifest.json'}); the half-written run was removed; the last good report "
        "is untouched"
    )
    assert [p.name for p in reports.iterdir()] == [good.run_dir.name]
    assert snapshot(good.run_dir) == before


def test_a_reports_folder_that_cannot_be_made_is_one_line_naming_it(tmp_path):
    notebook = flaky_notebook(tmp_path / "flaky.ipynb")
    (tmp_path / "a_file").write_text("not a folder")
    with pytest.raises(WorkbenchError) as caught:
        run_report(notebook, data=SAMPLE, parameters={}, reports=tmp_path / "a_file" / "reports")
    assert str(caught.value).startswith(
        f"{tmp_path / 'a_file' / 'reports'}: cannot write the report there (Not a directory: "
    )
    assert str(caught.value).endswith("the last good report is untouched")


# --- notebooks as committed ----------------------------------------------------------------------

COMMITTED = sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.mark.parametrize("path", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_notebooks_are_committed_without_outputs(path):
    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert [c.outputs for c in code] == [[] for _ in code]
    assert [c.execution_count for c in code] == [None for _ in code]


@pytest.mark.parametrize("path", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_notebooks_start_with_typed_commented_parameters(path):
    first = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", [])
    declared = papermill_translators.find_translator("python3", "python").inspect(first)
    names = [p.name for p in declared]
    assert {"data", "output_dir"} <= set(names)
    assert [p.name for p in declared if p.inferred_type_name == "None" or not p.help] == []


@pytest.mark.parametrize("path", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_the_nbstripout_hook_leaves_committed_notebooks_unchanged(path, tmp_path):
    pytest.importorskip("nbstripout")
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    subprocess.run([sys.executable, "-m", "nbstripout", str(copy)], check=True)
    assert copy.read_bytes() == path.read_bytes()


def test_every_notebook_is_covered_by_a_run_here():
    # 01 and 02 run here; 03 and 04 in test_notebook_03_04.py; 05 in test_notebook_05.py;
    # 06 in test_notebook_06.py; 07 in test_notebook_07.py. A new notebook must add its run
    # and its name here.
    assert [p.stem for p in COMMITTED] == [
        "01_explore_data",
        "02_eligibility_list",
        "03_review",
        "04_take_up_report",
        "05_assurance",
        "06_linkage_quality",
        "07_bring_your_own_data",
    ]


@pytest.mark.slow  # a whole report run: make test-slow (CI runs both)
def test_the_eligibility_report_rounds_as_the_take_up_report_does(tmp_path):
    # A tester's case: 04 published 240 likely children (-p round_to=5), 02 the exact 242;
    # 02 takes the same disclosure parameters, so one does not undo the other's rounding.
    args = ["-p", "initiative=free_school_meals", "-p", "round_to=5", "-p", "threshold=7"]
    args += ["-p", "term_start=2026-09-01", "-p", "as_of=2026-09-01"]
    done = workbench("report", "02", *args, "--data", str(SAMPLE), "--reports", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "warning: The threshold 7 is below the default of 10" in done.stderr
    [run_dir] = tmp_path.iterdir()
    assert (run_dir / "shareable" / "by_tier.csv").read_text() == (
        "tier,measure,value,suppressed\nlikely,children,40,false\npossible,children,0,false\n"
        "Total,children,40,false\n"
    )
