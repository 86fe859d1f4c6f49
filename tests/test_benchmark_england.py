"""England in one run (benchmarks/england.py): its targets, its council's facts, its report."""

from __future__ import annotations

from dataclasses import asdict

from benchmarks import england, perf_council
from benchmarks.run import _GIB, Measurement


def _measurement(contender: str, peak_mib: float | None, status: str = "ok") -> Measurement:
    return Measurement(
        16_000_000, "csv", contender, status, seconds=1.0, peak_mib=peak_mib, council="perf"
    )


def _same(same: bool) -> dict:
    return {"left": "assess", "right": "duckdb_tuned", "same": same, "summary": "", "format": "csv"}


def test_assess_fits_when_its_peak_is_under_the_machines_memory_and_lists_what_tuned_lists():
    results = [_measurement("assess", 9_000.0), _measurement("duckdb_tuned", 5_000.0)]
    checks = england.check_targets(results, [_same(True)], 24 * _GIB)
    assert [(c.value, c.met) for c in checks] == [("8.8 GiB", True), ("same", True)]


def test_a_peak_past_the_machines_memory_or_another_list_misses_the_targets():
    checks = england.check_targets([_measurement("assess", 30_000.0)], [_same(False)], 24 * _GIB)
    assert [c.met for c in checks] == [False, False]


def test_a_failed_assess_or_no_tuned_run_cannot_be_checked():
    checks = england.check_targets([_measurement("assess", None, "failed")], [], 24 * _GIB)
    assert [(c.value, c.met) for c in checks] == [("n/a", None), ("n/a", None)]


def test_the_report_gives_the_councils_rows_and_each_contenders_time_and_peak(tmp_path):
    perf_council.write_council(tmp_path, 200, "parquet")
    facts = england.council_facts(tmp_path, "parquet")
    people, benefits = perf_council.council(200)
    assert facts["people"]["rows"] == people.height
    assert facts["benefits"]["rows"] == benefits.height
    results = [_measurement("assess", 9_000.0)]
    comparisons = [_same(True)]
    report = {
        "households": england.ENGLAND_HOUSEHOLDS,
        "repeat": 2,
        "term_start": "2026-09-01",
        "as_of": "2026-09-01",
        "machine": {
            "date": "2026-12-04",
            "cpu": "AMD EPYC",
            "logical_cores": 2,
            "memory_gib": 23.5,
            "os": "Linux",
            "python": "3.11",
            "versions": {"polars": "2.1.0"},
            "git_commit": "abc1234",
        },
        "load_average": {"start": [1.0, 1.0, 1.0], "end": [2.0, 2.0, 2.0]},
        "formats": [
            {
                "format": "csv",
                "generated_seconds": 70.3,
                "cached": True,
                "tables": facts,
                "measurements": [asdict(m) for m in results],
                "comparisons": comparisons,
                "targets": [
                    asdict(t) for t in england.check_targets(results, comparisons, 24 * _GIB)
                ],
            }
        ],
    }
    text = england.markdown(report)
    assert "16,000,000 households (England's size)" in text
    assert "| csv | assess | ok | 1.0 |  | 9000.0 |  |" in text
    assert "| csv | the same list as the tuned DuckDB query | same | yes |" in text
    assert "| 70.3 (cached) |" in text and "best of 2" in text and "[1.0, 1.0, 1.0]" in text


def test_a_councils_making_time_is_remembered_for_when_it_is_reused(tmp_path):
    assert england.remembered_generation(tmp_path, 0.0) is None
    assert england.remembered_generation(tmp_path, 42.34) == 42.3
    assert england.remembered_generation(tmp_path, 0.0) == 42.3
