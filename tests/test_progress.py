"""Progress lines on stderr: plain lines off a terminal, rich only when it is needed."""

from __future__ import annotations

import os
import subprocess
import sys

_SCRIPT = """
import sys
from workbench import progress
with progress.step("reading people.csv"):
    started_without_rich = "rich.console" not in sys.modules
for _ in progress.track(range(3), "scoring pairs"):
    pass
print(started_without_rich, type(progress.console()).__name__)
"""


def _run(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("TTY_COMPATIBLE", "FORCE_COLOR")}
    return subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        capture_output=True,
        text=True,
        env={**clean, **env},
        check=True,
    )


def test_off_a_terminal_each_stage_is_one_plain_line_and_rich_waits_for_it():
    result = _run()
    assert result.stdout.split() == ["True", "Console"]
    lines = result.stderr.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "reading people.csv",
        "scoring pairs...",
        "scoring pairs",
    ]
    assert lines[0].endswith("s") and "done in" in lines[2]


def test_a_variable_that_makes_rich_see_a_terminal_is_honoured():
    # TTY_COMPATIBLE=1 makes rich treat stderr as a terminal: the stage shows a spinner (no
    # plain start line for the loop) and rich decided that at the stage's start.
    result = _run(TTY_COMPATIBLE="1")
    assert result.stdout.split() == ["False", "Console"]
    assert "scoring pairs..." not in result.stderr
