"""Every command that reads personal data leaves a line in the access log: who, when, what."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.review import ReviewStore
from workbench.synth import generate_council, write_council


@pytest.mark.slow  # over 8 s: make test-slow (CI runs both)
def test_each_command_that_reads_personal_data_is_logged(tmp_path: Path):
    store = tmp_path / "audit.sqlite"
    env = dict(os.environ, WORKBENCH_STORE=str(store), WORKBENCH_USER="A Analyst")
    data = tmp_path / "data"
    council = generate_council(200, 2)
    write_council(council, data, "csv")
    person = council["people"]["person_id"][0]
    term = ("--term-start", "2026-09-01", "--as-of", "2026-09-01")
    commands = {
        "validate": ["validate", "data"],
        "assess": [
            "assess",
            "--initiative",
            "two_year_old",
            "--data",
            "data",
            *term,
            "--out",
            str(tmp_path / "list.csv"),
        ],
        "explain": [
            "explain",
            "--initiative",
            "two_year_old",
            "--data",
            "data",
            "--person",
            person,
            *term,
        ],
        "link": ["link", "--data", "data", "--out", str(tmp_path / "links.csv")],
        "subject-access": [
            "subject-access",
            "--person",
            person,
            "--data",
            "data",
            "--out",
            str(tmp_path / "sar.md"),
        ],
    }
    for args in commands.values():
        result = subprocess.run(
            [sys.executable, "-m", "workbench", "--quiet", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,  # the data folder given by a relative name, as typed
        )
        assert result.returncode == 0, (args, result.stderr)
    with ReviewStore(store) as review_store:
        log = review_store.access_log()
    assert set(commands) <= set(log["command"])
    assert set(log["user"]) == {"A Analyst"}
    # The log names inputs, never a person; the data folder by its full path, so an auditor
    # knows which folder was read whatever the directory the command was run from.
    assert not log["detail"].str.contains(person).any()
    assert log["detail"].str.replace(r"^data ([^,]*).*", "$1").to_list() == [str(data)] * 5


def test_an_unwritable_access_log_stops_the_command(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    env = dict(os.environ, WORKBENCH_STORE=str(blocker / "review.sqlite"))
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "--quiet", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1
    assert "access log" in result.stderr


NO_ONE_AS_USER = [("admin", "is a role word"), ("root", "is a role word"),
                  ("n/a", "is a placeholder"), ("Test User", "is a placeholder"),
                  ("<b>Al</b>", "holds markup ('<' or '>')"),
                  ("x", "has no word of two letters or more")]  # fmt: skip


@pytest.mark.parametrize(("user", "why"), NO_ONE_AS_USER)
def test_a_workbench_user_that_names_no_one_is_refused(user: str, why: str, monkeypatch):
    """WORKBENCH_USER is who the access log and exports say did it: a role word, a
    placeholder or markup is no one, as a reviewer's typed name would be."""
    from workbench.errors import WorkbenchError
    from workbench.governance.access import current_user

    monkeypatch.setenv("WORKBENCH_USER", f" {user} ")
    with pytest.raises(WorkbenchError) as refused:
        current_user()
    assert str(refused.value) == (
        f"WORKBENCH_USER is {user!r}, which is not a person's name (it {why}), and the access "
        "log and exports record it as who did it: set WORKBENCH_USER to your own name as "
        'colleagues know it (e.g. export WORKBENCH_USER="A. Officer"), or unset it to be '
        "recorded under your login name"
    )


@pytest.mark.parametrize("login", ["jbloggs", "analyst1", "a.officer", "officer1"])
def test_the_login_name_is_taken_as_it_is_when_workbench_user_is_not_set(login: str, monkeypatch):
    """Only a WORKBENCH_USER someone set is checked: the login name is the account that ran
    the command, whatever IT called it (`officer1`, refused as a WORKBENCH_USER, is taken)."""
    import getpass

    from workbench.governance.access import current_user

    monkeypatch.setattr(getpass, "getuser", lambda: login)
    for unset in (None, "  "):  # unset, or set to spaces alone
        if unset is None:
            monkeypatch.delenv("WORKBENCH_USER", raising=False)
        else:
            monkeypatch.setenv("WORKBENCH_USER", unset)
        assert current_user() == login


def test_a_command_run_as_a_workbench_user_naming_no_one_stops_and_logs_nothing(tmp_path):
    store = tmp_path / "review.sqlite"
    env = dict(os.environ, WORKBENCH_STORE=str(store), WORKBENCH_USER="Officer")
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "--quiet", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert (result.returncode, result.stderr) == (
        1,
        "error: WORKBENCH_USER is 'Officer', which is not a person's name (it is a role word), "
        "and the access log and exports record it as who did it: set WORKBENCH_USER to your "
        'own name as colleagues know it (e.g. export WORKBENCH_USER="A. Officer"), or unset it '
        "to be recorded under your login name\n",
    )
    assert not store.exists()  # nothing logged, not even a store made


def test_a_current_store_is_written_without_loading_the_store_module(tmp_path: Path):
    """The line goes straight in through sqlite3; the store reads it back like any other."""
    store = tmp_path / "review.sqlite"
    with ReviewStore(store) as review_store:  # an existing store at this schema version
        review_store.log_access("Earlier User", "validate", "data /srv/old")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from workbench.governance.access import record_access\n"
        f"record_access('assess', 'data /srv/extract', store=Path({str(store)!r}))\n"
        "print('workbench.review.store' in sys.modules)\n"
    )
    env = dict(os.environ, WORKBENCH_USER="B Officer")
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "False"
    with ReviewStore(store) as review_store:
        log = review_store.access_log()
    assert log.select("user", "command", "detail").rows() == [
        ("Earlier User", "validate", "data /srv/old"),
        ("B Officer", "assess", "data /srv/extract"),
    ]
    # The time is written as the store writes it: UTC, microseconds, Z.
    assert log["at"].str.contains(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$").all()


def test_a_new_or_older_store_is_created_or_migrated_by_the_store(tmp_path: Path, monkeypatch):
    import workbench.review.schema as schema
    from workbench.governance.access import record_access

    new = tmp_path / "new" / "review.sqlite"
    record_access("validate", "data /srv/a", store=new)
    with ReviewStore(new) as review_store:
        assert review_store.access_log()["command"].to_list() == ["validate"]

    older = tmp_path / "older.sqlite"
    import workbench.review.store as store_module

    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:1])
    ReviewStore(older).close()  # a store an earlier workbench made: one migration applied
    monkeypatch.undo()
    assert len(schema.MIGRATIONS) > 1
    record_access("validate", "data /srv/b", store=older)
    with ReviewStore(older) as review_store:
        assert review_store.schema_version == len(schema.MIGRATIONS)
        # The migration is logged first: a schema set back and migrated again shows.
        assert review_store.access_log()["detail"].to_list() == [
            f"schema version 1 to {len(schema.MIGRATIONS)}",
            "data /srv/b",
        ]


def test_a_file_that_is_not_a_store_is_refused_with_the_stores_own_error(tmp_path: Path):
    from workbench.errors import WorkbenchError
    from workbench.governance.access import record_access

    bogus = tmp_path / "review.sqlite"
    bogus.write_text("these are notes, not a database\n" * 100)
    with pytest.raises(WorkbenchError, match="cannot be used as a review store"):
        record_access("validate", "data /srv/a", store=bogus)
    assert bogus.read_text().startswith("these are notes")


def test_a_report_run_is_logged_with_what_was_asked_for(tmp_path: Path, monkeypatch):
    # A scheduling tester found report rows saying only "notebook 02, data ...": which offer
    # and term were looked at could not be told from the log. Secrets stay out. (Only a run
    # that passes its checks is logged: the notebook is found, its parameters taken.)
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook
    from typer.testing import CliRunner

    from workbench.cli import app
    from workbench.review import load_key
    from workbench.runs import report

    cell = new_code_cell(
        'data: str = "d"\noutput_dir: str = "o"\ninitiative: str = "two_year_old"\n'
        'term_start: str = "2026-09-01"\nkey_file: str = ""'
    )
    cell.metadata["tags"] = ["parameters"]
    nbformat.write(new_notebook(cells=[cell, new_code_cell("1")]), tmp_path / "asked.ipynb")
    store = tmp_path / "review.sqlite"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKBENCH_STORE", str(store))
    monkeypatch.setenv("WORKBENCH_USER", "Scheduler")
    monkeypatch.delenv("WORKBENCH_KEY", raising=False)

    def run(source, data, parameters, kernel, identity, final, *rest):  # no kernel
        return report.ReportRun(final, final / "report.html", final / "manifest.json", ok=True)

    monkeypatch.setattr(report, "_run", run)
    args = ["report", "asked.ipynb", "--data", str(tmp_path), "--reports", "r"]
    args += ["-p", "initiative=free_school_meals", "-p", "term_start=next"]
    args += ["-p", "key_file=secret.key"]
    handler = signal.getsignal(signal.SIGTERM)  # the command turns SIGTERM into Ctrl-C
    try:
        done = CliRunner().invoke(app, ["--quiet", *args])
    finally:
        signal.signal(signal.SIGTERM, handler)
    assert done.exit_code == 0, done.output
    with ReviewStore(store, key=load_key(tmp_path / "secret.key")) as review_store:
        log = review_store.access_log()
    assert log.select("user", "command", "detail").rows() == [
        (
            "Scheduler",
            "report",
            f"notebook asked.ipynb, data {tmp_path}, initiative=free_school_meals, term_start=next",
        )
    ]


@pytest.mark.slow
def test_a_command_given_a_store_logs_in_that_store_not_the_default(tmp_path: Path):
    """A tester's shell had no WORKBENCH_STORE: `subject-access --store review.sqlite` was
    refused because the per-user default store had another key. A command given --store
    logs its access there, the council's record; the default store is left alone."""
    from workbench.eligibility.assess import assess
    from workbench.review import register_list_file

    key, other_key = bytes(range(32)), bytes(range(1, 33))
    default = tmp_path / "default" / "review.sqlite"
    with ReviewStore(default, key=other_key) as review_store:
        review_store.log_access("Someone Else", "validate", "data /srv/theirs")
    data, work = tmp_path / "data", tmp_path / "work"
    council = generate_council(200, 2)
    write_council(council, data, "csv")
    person = council["people"]["person_id"][0]
    term = ("--term-start", "2026-09-01", "--as-of", "2026-09-01")
    listed = assess(data, "two_year_old", term_start="2026-09-01", as_of="2026-09-01")
    work.mkdir()
    with ReviewStore(work / "review.sqlite", key=key) as review_store:
        register_list_file(review_store, listed.write(tmp_path / "list.csv").out, key)
        before = review_store.access_log().height
    offer = ("--initiative", "two_year_old", "--data", str(data), *term)
    commands = [
        ["subject-access", "--person", person, "--data", str(data), "--out", "sar.md"],
        ["assess", *offer, "--out", "again.csv"],
        ["explain", *offer, "--person", person],
        ["stats", *offer, "--out", "tables"],
    ]
    env = dict(
        os.environ,
        WORKBENCH_KEY=key.hex(),
        WORKBENCH_STORE=str(default),
        WORKBENCH_USER="A Analyst",
    )
    for args in commands:  # a relative --store: the working folder's
        result = subprocess.run(
            [sys.executable, "-m", "workbench", "--quiet", *args, "--store", "review.sqlite"],
            capture_output=True,
            text=True,
            env=env,
            cwd=work,
        )
        assert result.returncode == 0, (args, result.stderr)
    with ReviewStore(work / "review.sqlite", key=key) as review_store:
        log = review_store.access_log().slice(before)
    offered = f"data {data}, initiative two_year_old"
    # Each command's line, then the store's own line of what it read there (the link
    # decisions), named by the command that read them.
    read = "read 0 link decision(s) to apply to links"
    assert log.select("user", "command", "detail").rows() == [
        ("A Analyst", "subject-access", f"data {data}, one person's record"),
        ("A Analyst", "subject-access", log["detail"][1]),  # what the store held about them
        ("A Analyst", "assess", f"{offered}, out again.csv"),
        ("A Analyst", "assess", read),
        ("A Analyst", "explain", f"{offered}, one person's record"),
        ("A Analyst", "explain", read),
        ("A Analyst", "stats", f"{offered}, out tables"),
        ("A Analyst", "stats", read),
    ]
    assert log["detail"][1].startswith("item ")
    with ReviewStore(default, key=other_key) as review_store:
        assert review_store.access_log().select("user", "command", "detail").rows() == [
            ("Someone Else", "validate", "data /srv/theirs")
        ]


STORE_NOTEBOOK = 'data: str = "d"\noutput_dir: str = "o"\nstore: str = ""\nreview_store: str = ""'


@pytest.mark.slow
def test_a_report_given_a_store_logs_in_that_store_not_the_default(tmp_path: Path):
    # A tester's case: `workbench report ... -p store=review.sqlite` logged in the default
    # store, as the other commands given --store did before.
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    cell = new_code_cell(STORE_NOTEBOOK)
    cell.metadata["tags"] = ["parameters"]
    nbformat.write(new_notebook(cells=[cell, new_code_cell("1")]), tmp_path / "stores.ipynb")
    default, given = tmp_path / "default.sqlite", tmp_path / "review.sqlite"
    for store in (default, given):
        ReviewStore(store).close()
    env = dict(os.environ, WORKBENCH_STORE=str(default), WORKBENCH_USER="Scheduler")
    data = Path(__file__).parents[2] / "data_samples" / "council_small"
    args = ["report", "stores.ipynb", "--data", str(data), "--reports", "r"]

    def run(*parameters: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "workbench", "--quiet", *args, *parameters],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr

    def logged(store: Path) -> list[tuple[str, str]]:
        with ReviewStore(store) as review_store:
            return review_store.access_log().select("command", "detail").rows()

    run("-p", "store=review.sqlite", "-p", "review_store=review.sqlite")
    asked = f"notebook stores.ipynb, data {data}"
    both = f"{asked}, store=review.sqlite, review_store=review.sqlite"
    assert logged(given) == [("report", both)]  # once, though named twice
    assert logged(default) == []
    # A store that is not there is not made by asking (only 03 makes its store): the line
    # goes in the default store, and the notebook says what it makes of it.
    run("-p", "store=missing.sqlite")
    assert not (tmp_path / "missing.sqlite").exists()
    assert logged(default) == [("report", f"{asked}, store=missing.sqlite")]


def test_report_03_logs_in_the_store_it_makes_and_others_only_in_stores_there(
    tmp_path, monkeypatch
):
    from workbench.runs.parameters import access_stores

    monkeypatch.chdir(tmp_path)
    (tmp_path / "there.sqlite").write_bytes(b"")
    assert access_stores("03", {"store": "new.sqlite"}) == (tmp_path / "new.sqlite",)
    assert access_stores("05", {"store": "new.sqlite"}) == ()
    assert access_stores("05", {"store": "there.sqlite"}) == (tmp_path / "there.sqlite",)
    # Only the stores the notebook takes; none named: the default store.
    assert access_stores("02", {"store": "there.sqlite"}) == ()
    assert access_stores("04", {"review_store": "there.sqlite", "outcome_store": ""}) == (
        tmp_path / "there.sqlite",
    )
    assert access_stores("01", {}) == ()
