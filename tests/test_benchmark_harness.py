"""The benchmark harness times contenders as a user's second run: bytecode cache in place."""

from __future__ import annotations

import importlib.util
from dataclasses import asdict
from pathlib import Path

from benchmarks import run

ROOT = Path(run.__file__).resolve().parent.parent


def test_the_harness_byte_compiles_the_contenders_code_even_when_told_not_to_write_it(
    monkeypatch,
):
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    sources = [
        ROOT / "workbench" / "data" / "reading.py",
        ROOT / "benchmarks" / "reference_duckdb.py",
    ]
    caches = [Path(importlib.util.cache_from_source(str(s))) for s in sources]
    for cache in caches:
        cache.unlink(missing_ok=True)
    run.compile_sources()
    for source, cache in zip(sources, caches, strict=True):
        assert cache.exists(), cache
        assert cache.stat().st_mtime >= source.stat().st_mtime


def test_the_issue_20_table_gives_the_wall_clock_and_the_cpu_ratios_to_the_tuned_query():
    def measured(contender: str, seconds: float, cpu: float, peak: float) -> dict:
        return asdict(
            run.Measurement(1_000_000, "csv", contender, "ok", seconds, peak, cpu, council="perf")
        )

    report = {
        "machine": run.machine(),
        "quick": False,
        "seed": 1,
        "term_start": "2026-09-01",
        "as_of": "2026-09-01",
        "repeat": 3,
        "measurements": [
            measured("assess", 1.5, 3.0, 800.0),
            measured("duckdb_tuned", 1.2, 2.0, 500.0),
        ],
        "targets": [],
        "comparisons": [],
    }
    text = run.markdown(report)
    assert (
        "| 1,000,000 | csv | perf | 1.5 | 1.2 | 1.25 | no | 3.0 | 2.0 | 1.50 | 800.0 | 500.0 "
        "| yes |"
    ) in text
