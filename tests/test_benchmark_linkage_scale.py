"""`benchmarks.linkage_scale` on the small sample: both commands run as whole processes, every
run's list is compared with the first's, and the results read as the README quotes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.commands import measure
from benchmarks.linkage_scale import COMMANDS, markdown
from benchmarks.run import machine
from workbench.linkage.trained import CACHE_ENV

SAMPLE = Path(__file__).parents[1] / "data_samples" / "council_small"
MEASURED = ["command", "cpu_seconds", "line", "peak_mib", "seconds"]


@pytest.mark.slow
def test_both_assess_runs_are_measured_and_written_up(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "models"))
    runs = measure(SAMPLE, tmp_path / "runs", 1, COMMANDS)
    assert [run["command"] for run in runs] == ["assess (exact)", "assess"]
    assert all(sorted(run) == MEASURED for run in runs)
    # The warm-up round's folders are kept as the first runs; the later ones, the same, removed.
    written = sorted(p.name for p in (tmp_path / "runs").iterdir() if p.name != "logs")
    assert written == ["assess-0", "assess_(exact)-0"]
    assert sorted(p.name for p in (tmp_path / "runs" / "assess-0").iterdir()) == [
        "two_year_old.dwp_not_listed.csv",
        "two_year_old.parquet",
        "two_year_old.parquet.manifest.json",
    ]
    text = markdown({"households": 300, "repeat": 1, "runs": runs, "machine": machine()})
    assert "| assess (exact) |" in text and "| assess |" in text
    assert "Ratio (default / exact-only, the model kept): " in text
    assert "`workbench assess --initiative two_year_old --data DIR" in text
