"""Run identity: input hashes, deterministic run ids and the environment a run records.

A run id is derived from what decides a run's output (the inputs' SHA-256, the parameters, the
rule-set version and the package version), so the same inputs give the same id and
byte-identical tables; a different input or parameter gives a different id.

Example
-------
>>> run_id({"people.csv": "ab"}, {"term_start": "2026-09-01"}, "two_year_old@2026.1", "0.1.0")
'r-...'
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from collections.abc import Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Protocol

__all__ = [
    "code_changes",
    "code_context",
    "code_version",
    "environment",
    "file_sha256",
    "git_commit",
    "input_hashes",
    "model_hashes",
    "run_id",
]

# The libraries whose version can change a run's tables: the data work, the default linkage
# (splink on duckdb), disclosure control's solver (scipy), the arrays and files under them,
# and the notebooks' execution and rendering.
KEY_LIBRARIES = (
    "polars",
    "pyarrow",
    "numpy",
    "splink",
    "duckdb",
    "scikit-learn",
    "scipy",
    "altair",
    "papermill",
    "nbconvert",
    "ipywidgets",
    "typer",
)


class Hashed(Protocol):
    """An input that is no file and knows its own hash: a table read by a query
    (`workbench.data.database.DatabaseTable`)."""

    @property
    def name(self) -> str: ...

    @property
    def sha256(self) -> str: ...


def file_sha256(path: str | Path | Hashed) -> str:
    """The SHA-256 of a file's bytes, as hex (`hashlib.file_digest`: read through one small
    buffer that stays in the CPU's cache, not mapped into memory, which would count a whole
    extract against the process's resident memory)."""
    if not isinstance(path, str | Path):  # a table read by a query: the query's SHA-256
        return path.sha256
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def input_hashes(files: Iterable[str | Path | Hashed]) -> dict[str, str]:
    """SHA-256 of each input file, keyed by file name, sorted by name."""
    named = {Path(f).name if isinstance(f, str | Path) else f.name: f for f in files}
    return {name: file_sha256(named[name]) for name in sorted(named)}


def run_id(
    inputs: Mapping[str, str],
    parameters: Mapping[str, object],
    rule_set: str,
    code_version: str,
) -> str:
    """A short id that is the same exactly when inputs, parameters, rules and code are."""
    canonical = json.dumps(
        {
            "inputs": dict(sorted(inputs.items())),
            "parameters": {k: str(v) for k, v in sorted(parameters.items())},
            "rule_set": rule_set,
            "code": code_version,
        },
        sort_keys=True,
    )
    return "r-" + hashlib.sha256(canonical.encode()).hexdigest()[:12]


def git_commit(start: str | Path = ".") -> str | None:
    """The checked-out commit of the repository holding `start`, if there is one."""
    try:
        result = subprocess.run(
            ["git", "-C", str(start), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def code_changes(start: str | Path = ".") -> str | None:
    """A short SHA-256 of the uncommitted changes to the tracked files under `start` in its
    repository (`git diff HEAD`), or None when there are none, or no repository: code edited
    in place gave a report different tables under the same run id and commit (a tester's
    case)."""
    try:
        result = subprocess.run(
            ["git", "-C", str(start), "diff", "HEAD", "--binary", "--", "."],
            capture_output=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0 or not result.stdout:
        return None
    return hashlib.sha256(result.stdout).hexdigest()[:16]


def code_version(version: str, changes: str | None) -> str:
    """The code a run was made with, for its run id and manifest: the package's version, and
    the digest of uncommitted changes to it when there are any (`code_changes`).

    >>> code_version("0.1.0", None), code_version("0.1.0", "ab12")
    ('0.1.0', '0.1.0+changes.ab12')
    """
    return version if changes is None else f"{version}+changes.{changes}"


def environment() -> dict[str, object]:
    """Python, platform and key library versions, for a run's manifest."""
    libraries: dict[str, str | None] = {}
    for name in KEY_LIBRARIES:
        try:
            libraries[name] = version(name)
        except PackageNotFoundError:
            libraries[name] = None
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": libraries,
    }


def code_context() -> tuple[str, str | None, dict[str, object]]:
    """The code version (`code_version`), the git commit and the environment, for a list's or
    the links' manifest."""
    from workbench import __version__

    # The package's own repository, wherever the command is run from (a list made from /tmp
    # recorded no commit).
    package = Path(__file__).parent
    return code_version(__version__, code_changes(package)), git_commit(package), environment()


def model_hashes(folder: Path) -> dict[str, str]:
    """The SHA-256 of a linkage model folder's files (`bands.json` and one Splink JSON file
    per source), as inputs ``model:<file>``."""
    return {
        f"model:{path.name}": file_sha256(path)
        for path in sorted(folder.iterdir())
        if path.is_file() and path.suffix == ".json"
    }
