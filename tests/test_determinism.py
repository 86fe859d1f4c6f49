"""The same inputs give byte-identical lists, whatever the process: two `workbench assess`
runs with probabilistic linkage (Splink on DuckDB, several threads) in separate processes,
with different hash seeds, on a messy council large enough for ties and clerical pairs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from workbench.synth import generate_council, write_council

pytestmark = pytest.mark.slow


def assess(data: Path, out: Path, hash_seed: str) -> bytes:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "--quiet", "assess", "--initiative", "two_year_old",
         "--data", str(data), "--term-start", "2026-09-01", "--as-of", "2026-09-01",
         "--out", str(out), "--linkage", "probabilistic"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


def test_probabilistic_lists_are_byte_identical_across_processes(tmp_path: Path):
    data = tmp_path / "council"
    write_council(generate_council(20_000, 7, messy=True), data, "csv")
    first = assess(data, tmp_path / "first.csv", "1")
    second = assess(data, tmp_path / "second.csv", "2")
    listed = pl.read_csv(first)
    # Large enough to matter: children linked to funded places, and a DWP row whose probable
    # match waits for a person (the cases a tie or a rounding difference would change).
    assert listed.height > 100
    assert listed["already_funded"].sum() > 50 and listed["link_needs_review"].any()
    assert first == second
