"""The pre-commit hooks (.pre-commit-config.yaml): a configuration pre-commit can read, tools
that `make test` installs, and the two guards that are shell commands doing what they say."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def hooks() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    [local] = config["repos"]
    assert local["repo"] == "local"  # no download: council laptops may have no internet
    return {hook["id"]: hook for hook in local["hooks"]}


def run(hook: dict[str, Any], *files: Path) -> subprocess.CompletedProcess[str]:
    """The hook as pre-commit runs it: its entry, then the staged files' names."""
    command = [*shlex.split(hook["entry"]), *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)


def test_every_hook_is_local_and_runs_a_tool_make_test_installs():
    found = hooks()
    assert list(found) == [
        "nbstripout",
        "ruff",
        "ruff-format",
        "mypy",
        "no-large-files",
        "no-keys-or-stores",
    ]
    for hook in found.values():
        assert hook["language"] == "system"
        program = shlex.split(hook["entry"])[0]
        assert program == "bash" or program.startswith(".venv/bin/"), hook["id"]


def test_a_file_over_1_mb_is_refused(tmp_path: Path):
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    small.write_bytes(b"x" * 1_048_576)
    large.write_bytes(b"x" * 1_048_577)
    hook = hooks()["no-large-files"]
    assert run(hook, small).returncode == 0
    refused = run(hook, small, large)
    assert refused.returncode == 1
    assert refused.stdout == f"{large} is over 1 MB\n"


def test_keys_and_stores_are_refused_by_name(tmp_path: Path):
    hook = hooks()["no-keys-or-stores"]
    assert hook["files"] == r"\.(key|sqlite|sqlite-wal|sqlite-shm)$"
    refused = run(hook, tmp_path / "review.sqlite")
    assert refused.returncode == 1
    assert refused.stdout == f"refusing to commit keys or stores: {tmp_path / 'review.sqlite'}\n"
