"""Notebooks 03_review and 04_take_up_report run end to end by papermill (through `run_report`).

The take-up report runs on a synthetic council large enough for its tables to be published
(20,000 households: about 180 eligible two-year-olds, 35 or more in each postcode district;
at 5,000 households no district reaches 10, so no chart could be drawn) and on
data_samples/council_small, where every table is too small and must be reported as withheld.
Kernel start-up is slow, so each run is made once per module and shared between tests.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
from datetime import date
from pathlib import Path

import nbformat
import papermill
import polars as pl
import pytest

from tests.command import workbench
from workbench.eligibility.assess import assess
from workbench.review import ReviewStore, load_key, register_list_file
from workbench.runs.html import remote_resources
from workbench.runs.list_warnings import list_warnings
from workbench.runs.parameters import NOTEBOOKS
from workbench.runs.report import run_report
from workbench.stats.report import MANIFEST_NAME, TABLES
from workbench.stats.report_publish import WITHHELD_REASON
from workbench.synth import generate_council, write_council

SAMPLE = Path(__file__).parents[2] / "data_samples" / "council_small"
TERM = date(2026, 9, 1)
CSVS = sorted(f"{name}.csv" for name in TABLES)
# With seed 20260901, protected as one set, the areas have rows shown in full; sex has
# fewer than 10 eligible children of unknown sex (DWP-list children the council does not
# know), so that row and, to protect it, the girls' row are hidden and the sex chart is not
# drawn; the funnel's unlinked DWP children are the age bands' "unknown" (10), shown, so the
# funnel is drawn (before the oldest age band was merged, a band 36-41 of one child, its
# third birthday the first day of term, hid them with many other cells across the tables);
# ethnicity and first language have one group of 10 or more besides "unknown".
SVGS = ["funnel.svg", "take_up_by_area.svg"]
PERSON_ID = re.compile(r"\bP\d{7}\b")
NINO = re.compile(r"\b[A-Z]{2}\d{6}[A-D]\b")
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def outputs(run_dir: Path) -> list[nbformat.NotebookNode]:
    cells = nbformat.read(run_dir / "notebook.ipynb", as_version=4).cells
    return [o for c in cells if c.cell_type == "code" for o in c.outputs]


def personal_values(data: Path) -> set[str]:
    """Every person id, NINO and full postcode in a data folder's people file."""
    people = pl.read_csv(data / "people.csv", infer_schema=False)
    columns = ("person_id", "nino", "postcode")
    return {v for c in columns for v in people.get_column(c).drop_nulls().to_list()}


def leaks(text: str, known: set[str]) -> set[str]:
    """Person ids, NINOs and full postcodes in `text`: any of the data's, or shaped like one."""
    found = set(PERSON_ID.findall(text)) | set(NINO.findall(text)) | set(POSTCODE.findall(text))
    return found | {v for v in known if v in text}


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic") / "council"
    write_council(generate_council(20000, 20260901, TERM), folder)
    return folder


@pytest.fixture(scope="module")
def take_up_runs(council, tmp_path_factory):
    """The take-up report on the synthetic council, twice, into two report folders."""
    return tuple(
        run_report(
            "04_take_up_report",
            data=council,
            parameters={"term_start": "2026-09-01", "as_of": "2026-09-01"},
            reports=tmp_path_factory.mktemp(f"reports{i}"),
        )
        for i in range(2)
    )


@pytest.fixture(scope="module")
def take_up_small(tmp_path_factory):
    return run_report(
        "04_take_up_report", data=SAMPLE, parameters={}, reports=tmp_path_factory.mktemp("r")
    )


@pytest.fixture(scope="module")
def key_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("key") / "pseudonym.key"


@pytest.fixture(scope="module")
def default_store(tmp_path_factory) -> Path:
    """The default review store (`WORKBENCH_STORE`) of the 03 run with no `store` given."""
    return tmp_path_factory.mktemp("council") / "review.sqlite"


@pytest.fixture(scope="module")
def review_run(key_file, default_store, tmp_path_factory):
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WORKBENCH_STORE", str(default_store))
        return run_report(
            "03_review",
            data=SAMPLE,
            parameters={"key_file": str(key_file), "reviewer": "A. Officer"},
            reports=tmp_path_factory.mktemp("reports"),
        )


# --- 04_take_up_report on a council large enough to publish ------------------------------------


@pytest.mark.slow  # the 20,000-household take-up runs: make test-slow (CI runs both)
def test_take_up_report_writes_protected_tables_charts_and_manifest(take_up_runs):
    run = take_up_runs[0]
    assert run.ok
    shareable = run.run_dir / "shareable"
    assert sorted(p.name for p in shareable.iterdir()) == sorted([*CSVS, *SVGS, MANIFEST_NAME])
    assert sorted((run.run_dir / "restricted").iterdir()) == []
    record = json.loads((shareable / MANIFEST_NAME).read_text())
    assert [p["table"] for p in record["published"]] == list(TABLES)
    assert record["withheld"] == []
    overall = pl.read_csv(shareable / "take_up.csv", infer_schema=False)
    assert overall.columns == ["group", "measure", "value", "suppressed"]
    assert (
        overall.get_column("measure").to_list() == ["eligible"] * 2 + ["funded"] * 2 + ["rate"] * 2
    )


@pytest.mark.slow  # a whole report run: make test-slow (CI runs both)
def test_take_up_report_on_mostly_quarantined_data_warns_and_fails_strict(tmp_path):
    data = Path(shutil.copytree(SAMPLE, tmp_path / "data"))
    benefits = pl.read_csv(data / "benefits.csv", infer_schema=False)
    benefits.with_columns(pl.lit("someday").alias("start_date")).write_csv(data / "benefits.csv")
    args = ["--data", str(data), "--reports", str(tmp_path / "r"), "-p", "threshold=5"]
    args += ["-p", "term_start=2026-09-01", "-p", "as_of=2026-09-01"]
    done = workbench("report", "04", *args, "--strict")
    assert done.returncode == 3, done.stderr
    # The command's own lines (a loaded machine may add the kernel client's, such as
    # "Timeout waiting for IOPub output", which are not the workbench's to test).
    warning, low = [line for line in done.stderr.splitlines() if line.startswith("warning: ")]
    assert warning.startswith("warning: benefits.csv: 186 of 186 rows (100%) are quarantined")
    # The threshold below the default is said too, as a note (it does not fail --strict).
    assert low == (
        "warning: The threshold 5 is below the default of 10: counts from 5 to 9 will be published."
    )
    [run_dir] = (tmp_path / "r").iterdir()
    record = json.loads((run_dir / "manifest.json").read_text())
    assert record["status"] == "ok"
    assert record["warnings"] == {"serious": [warning.removeprefix("warning: ")], "notes": 1}
    assert "Warnings" in (run_dir / "report.html").read_text()


@pytest.mark.slow  # the 20,000-household take-up runs: make test-slow (CI runs both)
def test_take_up_report_html_has_headline_first_and_the_charts_inline(take_up_runs):
    html = take_up_runs[0].html.read_text()
    assert "<title>Take-up report</title>" in html
    # nbconvert orders attributes alphabetically
    assert html.count('<figure aria-label="') == html.count('role="img" style="margin') == len(SVGS)
    assert html.count("<svg") == len(SVGS)
    assert 'aria-label="Take-up is lowest in' in html
    assert "children look eligible (likely tier) for the term starting 1 September 2026" in html
    assert "(DfE, January 2026)" in html and "How far the two compare:" in html
    assert html.index("Headline") < html.index("<svg") < html.index("Method")
    assert "Legal basis:" in html
    assert "<td>Total</td>" in html
    assert "write_stats(" not in html and "In [" not in html
    assert "<script" not in html
    assert remote_resources(html) == []


@pytest.mark.slow  # the 20,000-household take-up runs: make test-slow (CI runs both)
def test_take_up_report_ran_without_errors_or_stray_output(take_up_runs):
    found = outputs(take_up_runs[0].run_dir)
    assert [o for o in found if o.output_type == "error"] == []
    assert [o for o in found if o.output_type == "stream"] == []


@pytest.mark.slow  # the 20,000-household take-up runs: make test-slow (CI runs both)
def test_take_up_report_shares_no_personal_data(take_up_runs, council):
    known = personal_values(council)
    run_dir = take_up_runs[0].run_dir
    for path in [*sorted((run_dir / "shareable").iterdir()), run_dir / "report.html"]:
        assert leaks(path.read_text(), known) == set(), path.name


@pytest.mark.slow  # the 20,000-household take-up runs: make test-slow (CI runs both)
def test_take_up_report_twice_gives_byte_identical_shareable_files(take_up_runs):
    first, second = (run.run_dir / "shareable" for run in take_up_runs)
    assert first.parent.name == second.parent.name
    assert first != second
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


# --- 04_take_up_report on council_small: too small to publish -----------------------------------


def test_take_up_report_on_a_small_council_publishes_nothing_and_says_why(take_up_small):
    assert take_up_small.ok
    shareable = take_up_small.run_dir / "shareable"
    assert sorted(p.name for p in shareable.iterdir()) == [MANIFEST_NAME]
    record = json.loads((shareable / MANIFEST_NAME).read_text())
    assert record["published"] == []
    assert [w["table"] for w in record["withheld"]] == list(TABLES)
    # The shareable manifest's reason tells nothing of the data; the report (the officers')
    # says the specific one.
    assert all(w["reason"] == WITHHELD_REASON for w in record["withheld"])
    html = take_up_small.html.read_text()
    assert "<strong>Too few children to publish figures</strong>" in html
    assert "<em>Not published.</em> Not safe to publish:" in html
    assert "grand total is below the threshold" in html
    assert "grand total" not in json.dumps(record)
    assert "Nothing: no table could be made safe." in html
    assert "<svg" not in html and "<figure" not in html
    assert remote_resources(html) == []
    assert [o for o in outputs(take_up_small.run_dir) if o.output_type == "error"] == []
    assert leaks(html, personal_values(SAMPLE)) == set()


# --- 03_review ------------------------------------------------------------------------------------


def test_review_report_registers_the_list_and_shows_counts_only(
    review_run, key_file, default_store, tmp_path
):
    assert review_run.ok
    restricted = review_run.run_dir / "restricted"
    files = sorted(restricted.iterdir())
    # The list is registered in the council's store (WORKBENCH_STORE), not in the run folder.
    assert [p.name for p in files] == [
        "two_year_old_list.csv",
        "two_year_old_list.csv.manifest.json",
        "two_year_old_list.dwp_not_listed.csv",
    ]
    assert mode(restricted) == 0o700 and all(mode(p) == 0o600 for p in files)
    assert sorted((review_run.run_dir / "shareable").iterdir()) == []
    # The list it made is warned of as `assess` warns (the runner prints the notes).
    record = json.loads((review_run.run_dir / "manifest.json").read_text())
    assert record["warnings"] == {"serious": [], "notes": len(review_run.warnings.notes)}
    assert review_run.warnings == list_warnings(
        assess(SAMPLE, "two_year_old", term_start=TERM, as_of=TERM)
    )
    assert [p.name for p in review_run.run_dir.rglob("*.sqlite*")] == []
    # The store is closed at the end: no -wal or -shm file is left behind.
    assert sorted(p.name for p in default_store.parent.iterdir()) == [
        "review.sqlite",
        "review.sqlite.access",  # the access log's seals: registering the list is logged
        "review.sqlite.heads",  # made with the store, empty until a decision is recorded
        "review.sqlite.imports",
    ]
    copy = tmp_path / "review.sqlite"
    shutil.copy(default_store, copy)
    with ReviewStore(copy, key=load_key(key_file)) as store:
        lists = store.lists()
        assert lists.get_column("item_count").to_list() == [4]
        assert lists.get_column("initiative").to_list() == ["two_year_old"]


def test_review_report_reads_as_a_guide_and_names_no_child(review_run):
    html = review_run.html.read_text()
    assert "<title>Review a candidate list</title>" in html
    # No count: beside 02's protected tables an exact one could tell a small number (a
    # tester's 230 listed - 225 likely = 5 possible).
    assert "registered in the review store. How many children it holds" in html
    assert "children listed" not in html and "undecided" not in html
    assert "How to review" in html and "Record decision" in html
    assert "<em>The panel is not shown in a report.</em>" in html
    assert (
        "set <code>list_file</code> to this run's <code>restricted/two_year_old_list.csv</code>, "
        "leave <code>store</code> empty (the default review store: <code>WORKBENCH_STORE</code>, "
        "else <code>~/.local/share/workbench/review.sqlite</code>), and run every cell."
    ) in " ".join(html.split())
    assert "restricted/review.sqlite" not in html
    assert "register_list_file(" not in html and "In [" not in html
    assert remote_resources(html) == []
    known = personal_values(SAMPLE)
    assert leaks(html, known) == set()
    assert leaks((review_run.run_dir / "notebook.ipynb").read_text(), known) == set()
    found = outputs(review_run.run_dir)
    assert [o for o in found if o.output_type == "error"] == []
    assert not [o for o in found if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]


def test_review_report_takes_a_written_list_and_an_existing_store(key_file, tmp_path):
    listed = assess(SAMPLE, "two_year_old", term_start=TERM, as_of=TERM).write(tmp_path / "l.csv")
    key = load_key(key_file)
    store_path = tmp_path / "review.sqlite"
    with ReviewStore(store_path, key=key) as store:
        list_id, _ = register_list_file(store, listed.out, key)
        item = store.items(list_id).get_column("item_key")[0]
        store.record_decision(list_id, item, "contact", "A. Officer")
    run = run_report(
        "03_review",
        data=SAMPLE,
        parameters={
            "list_file": str(listed.out),
            "store": str(store_path),
            "key_file": str(key_file),
        },
        reports=tmp_path / "reports",
    )
    assert run.html is not None
    html = run.html.read_text()
    assert f"List <code>{list_id}</code> from run <code>{listed.run_id}</code>" in html
    assert "children listed" not in html and "<li>contact: 1</li>" not in html
    assert "The rules this list was made with" not in html  # checked for its term
    assert sorted((run.run_dir / "restricted").iterdir()) == []
    with ReviewStore(store_path, key=key) as store:
        assert store.lists().height == 1  # registered once, not again


def test_review_report_of_a_list_beyond_its_rules_says_so(key_file, tmp_path, monkeypatch):
    """A list for a term later than its rules were checked for: the report (which shows no
    panel, where an officer would read it) says so; the 2026 list's report above does not."""
    later = date(2027, 9, 1)
    listed = assess(SAMPLE, "two_year_old", term_start=later, as_of=later).write(tmp_path / "l.csv")
    # WORKBENCH_STORE relative: the store where the run was started, though the notebook's
    # kernel runs in the run folder.
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("WORKBENCH_STORE", "council.sqlite")
    run = run_report(
        "03_review",
        data=SAMPLE,
        parameters={"list_file": str(listed.out), "key_file": str(key_file)},
        reports=tmp_path / "reports",
    )
    assert run.ok and run.html is not None
    text = re.sub(r"\s+", " ", run.html.read_text())
    assert "registered in the review store" in text and "children listed" not in text
    assert (
        "<strong>The rules this list was made with were checked against the published guidance "
        "for terms starting up to 31 August 2027, and this list is for the term starting "
        "1 September 2027. Before contacting a family, ask the person who made the list "
        "whether the rules have changed since.</strong>"
    ) in text
    assert [p.name for p in run.run_dir.rglob("*.sqlite*")] == []
    with ReviewStore(tmp_path / "work" / "council.sqlite", key=load_key(key_file)) as store:
        assert store.lists().get_column("run_id").to_list() == [listed.run_id]


def test_review_notebook_opened_interactively_shows_the_panel(key_file, tmp_path, monkeypatch):
    """Outside `workbench report` (another working folder), the panel widget is built, on the
    default review store (`WORKBENCH_STORE`), as the command line's."""
    workdir, output_dir = tmp_path / "work", tmp_path / "out"
    workdir.mkdir()
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "council" / "review.sqlite"))
    executed = tmp_path / "executed.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / "03_review.ipynb"),
        str(executed),
        parameters={
            "data": str(SAMPLE),
            "output_dir": str(output_dir),
            "key_file": str(key_file),
            "reviewer": "A. Officer",
        },
        cwd=str(workdir),
        progress_bar=False,
        log_output=False,
    )
    cells = nbformat.read(executed, as_version=4).cells
    found = [o for c in cells if c.cell_type == "code" for o in c.outputs]
    assert [o for o in found if o.output_type == "error"] == []
    widgets = [o for o in found if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widgets) == 1
    assert [p.name for p in output_dir.rglob("*.sqlite*")] == []
    with ReviewStore(tmp_path / "council" / "review.sqlite", key=load_key(key_file)) as store:
        log = store.access_log()
        # Opening the panel is logged with the name; no child's details are shown (nor a
        # view logged) until the officer picks a child.
        assert log.select("user", "command").rows() == [("A. Officer", "review-panel")]


def test_warnings_handed_over_are_owner_only_from_the_start(tmp_path):
    # A scheduling tester's run stopped by SIGTERM left restricted/warnings.json at 0644,
    # and assure failed the folder: a note may name records.
    from workbench.runs.list_warnings import ListWarnings, hand_over, take_over

    (tmp_path / "restricted").mkdir(mode=0o700)
    said = ListWarnings(serious=("The list is empty.",), notes=("Row D8 repeats D7.",))
    assert hand_over(said, tmp_path) == said
    path = tmp_path / "restricted" / "warnings.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert take_over(tmp_path) == said and not path.exists()
