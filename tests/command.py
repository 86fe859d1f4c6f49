"""The `workbench` command run as a user runs it: a subprocess, progress off."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def workbench(
    *args: str, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run `python -m workbench --quiet ARGS...`; stdout and stderr as text."""
    return subprocess.run(
        [sys.executable, "-m", "workbench", "--quiet", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
    )
