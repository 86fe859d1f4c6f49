"""The tuned DuckDB contender of `make bench` (issue 20): the same list as assess on the perf
council it was written for, and every difference on the workbench's own council explained by
the rules it leaves out."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from benchmarks import perf_council, reference_duckdb_tuned
from benchmarks.compare import compare_lists
from workbench.eligibility.assess import assess

TERM_START = as_of = date(2026, 9, 1)
ROOT = Path(__file__).resolve().parent.parent


def _both(folder: Path, tmp_path: Path, suffix: str) -> tuple[Path, Path]:
    mine, theirs = tmp_path / f"assess{suffix}", tmp_path / f"tuned{suffix}"
    assess(folder, "two_year_old", term_start=TERM_START, as_of=as_of, linkage="exact").write(mine)
    reference_duckdb_tuned.write_list(folder, TERM_START, as_of, theirs)
    return mine, theirs


def test_on_the_perf_council_the_tuned_query_lists_what_assess_lists(tmp_path):
    folder = tmp_path / "perf"
    perf_council.write_council(folder, 3000, "parquet")
    mine, theirs = _both(folder, tmp_path, ".parquet")
    difference = compare_lists(mine, theirs, columns=reference_duckdb_tuned.LIST_COLUMNS)
    assert difference.same, difference.summary()
    assert difference.left_rows > 100


def test_on_the_workbench_council_every_difference_is_a_rule_the_tuned_query_leaves_out(
    tmp_path,
):
    mine, theirs = _both(ROOT / "data_samples" / "council_medium", tmp_path, ".csv")
    found = reference_duckdb_tuned.differences_from(mine, theirs)
    assert found["children_listed_differently"] > 0
    assert found["unexplained"] == 0, found["unexplained_examples"]
