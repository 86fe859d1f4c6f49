"""Every command that reads personal data leaves a line in the access log: who, when, what."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from workbench.review import ReviewStore
from workbench.synth import generate_council, write_council


def test_each_command_that_reads_personal_data_is_logged(tmp_path: Path):
    store = tmp_path / "audit.sqlite"
    env = dict(os.environ, WORKBENCH_STORE=str(store), WORKBENCH_USER="A Analyst")
    data = tmp_path / "data"
    council = generate_council(200, 2)
    write_council(council, data, "csv")
    person = council["people"]["person_id"][0]
    term = ("--term-start", "2026-09-01", "--as-of", "2026-09-01")
    commands = {
        "validate": ["validate", str(data)],
        "assess": [
            "assess",
            "--initiative",
            "two_year_old",
            "--data",
            str(data),
            *term,
            "--out",
            str(tmp_path / "list.csv"),
        ],
        "explain": [
            "explain",
            "--initiative",
            "two_year_old",
            "--data",
            str(data),
            "--person",
            person,
            *term,
        ],
        "link": ["link", "--data", str(data), "--out", str(tmp_path / "links.csv")],
        "subject-access": [
            "subject-access",
            "--person",
            person,
            "--data",
            str(data),
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
        )
        assert result.returncode == 0, (args, result.stderr)
    with ReviewStore(store) as review_store:
        log = review_store.access_log()
    assert set(commands) <= set(log["command"])
    assert set(log["user"]) == {"A Analyst"}
    # The log names inputs, never a person.
    assert not log["detail"].str.contains(person).any()


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
