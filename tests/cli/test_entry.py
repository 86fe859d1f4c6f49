"""The `workbench` entry point ends the process itself after a command: the exit status and
everything printed must be exactly what the ordinary exit gives."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from typer.testing import CliRunner

from workbench import _entry
from workbench.cli import app

ENTRY = "import sys; sys.argv[0] = 'workbench'; from workbench._entry import main; main()"


def run_entry(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", ENTRY, *args], capture_output=True, text=True, timeout=120
    )


def test_output_is_flushed_in_full_and_the_status_is_zero():
    done = run_entry("rules", "--initiative", "two_year_old", "--on", "2026-09-01")
    expected = CliRunner().invoke(
        app, ["rules", "--initiative", "two_year_old", "--on", "2026-09-01"]
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) > 1000
    assert done.stdout == expected.stdout


def test_a_usage_error_keeps_its_status_and_message():
    done = run_entry("rules", "--on", "2026-13-01")
    assert done.returncode == 2
    assert "--on must be an ISO date" in done.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["assess", "--initiative", "two_year_old"], "Missing option '--data'."),
        (["assess", "--bogus"], "No such option: --bogus"),
        (["nosuch"], "No such command 'nosuch'."),
        (["synth", "--households", "x"], "Invalid value for '--households'"),
    ],
)
def test_a_wrong_command_line_is_one_line_naming_what_is_wrong(args, says):
    done = run_entry(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: "), done.stderr
    assert says in done.stderr
    command = " ".join(["workbench", *args[:1]]) if args[0] != "nosuch" else "workbench"
    assert done.stderr.endswith(f"(see '{command} --help')\n")


def test_the_bare_command_still_prints_its_help():
    done = run_entry()
    assert done.returncode == 2
    assert "Usage: workbench [OPTIONS] COMMAND" in done.stdout
    assert "List children who look eligible" in done.stdout


def test_help_lists_each_command_by_its_summary_with_the_docstrings_breaks_undone():
    # The docstrings are wrapped at 100 characters; help shows each paragraph as one, reflowed
    # to the terminal, and the command list shows the first paragraph only.
    runner = CliRunner()
    listed = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    assert "│ assure          Check a run's lists, contacts, decision chain and files; exit 3 " in (
        listed
    )
    assert "Lists claim no decision" not in listed  # the second paragraph is assure's own help
    own = runner.invoke(app, ["assure", "--help"], env={"COLUMNS": "200"}).output
    assert (
        " Lists claim no decision, every contact traces to a recorded decision, the decision "
        "chain is intact, restricted files are owner-only, shareable files hold no personal "
    ) in own
    grouped = runner.invoke(app, ["review", "--help"], env={"COLUMNS": "200"}).output
    assert "Write a review workbook: one row per child (who they are, why listed), a drop-down" in (
        grouped
    )


@pytest.mark.parametrize(
    ("code", "status", "printed"), [(None, 0, ""), (3, 3, ""), ("no", 1, "no\n")]
)
def test_exit_status_is_the_interpreters(code, status, printed, capsys):
    assert _entry._exit_status(SystemExit(code)) == status
    assert capsys.readouterr().err == printed


def test_a_live_worker_thread_means_the_ordinary_exit():
    assert _entry._can_end_quickly()
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        assert not _entry._can_end_quickly()
    finally:
        release.set()
        worker.join()
    assert _entry._can_end_quickly()


def test_pydantic_plugins_are_off_unless_the_variable_is_set():
    check = (
        "import os, sys; sys.argv[0] = 'workbench'\n"
        "import workbench._entry as entry, workbench.cli as cli\n"
        "cli.main = lambda: print(os.environ.get('PYDANTIC_DISABLE_PLUGINS'))\n"
        "entry.main()\n"
    )

    def plugins(env: dict[str, str]) -> str:
        done = subprocess.run(
            [sys.executable, "-c", check], capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    base = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    assert plugins(base) == "__all__"
    assert plugins({**base, "PYDANTIC_DISABLE_PLUGINS": "logfire"}) == "logfire"


@pytest.mark.parametrize("umask", [0o000, 0o002])
def test_nothing_written_is_group_or_world_writable_whatever_the_umask(tmp_path, umask):
    # A scheduling tester's service ran with umask 000: run folders were 0777, reports 0666.
    out = tmp_path / "atrs" / "record.md"
    done = subprocess.run(
        [sys.executable, "-c", ENTRY, "transparency", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(umask),
    )
    assert done.returncode == 0, done.stderr
    assert not out.stat().st_mode & 0o022
    assert not out.parent.stat().st_mode & 0o022  # the folder it made
