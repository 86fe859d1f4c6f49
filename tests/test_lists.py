"""assess_folder with each linkage mode: the same list shape, one row per child and per DWP row,
and probabilistic links only where the exact pass left a row unmatched."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from workbench import progress
from workbench.errors import UsageError
from workbench.lists import assess_folder
from workbench.synth import generate_council, write_council

progress.set_enabled(False)
TERM = date(2026, 9, 1)


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    folder = tmp_path_factory.mktemp("council") / "data"
    write_council(generate_council(3000, 7), folder, "csv")
    return folder


def run(council, tmp_path, linkage):
    return assess_folder(
        council,
        initiative="two_year_old",
        term_start=TERM,
        as_of=TERM,
        out=tmp_path / f"{linkage}.parquet",
        linkage=linkage,
    ).candidates


def test_probabilistic_linkage_only_adds_links(council, tmp_path):
    exact = run(council, tmp_path, "exact")
    fuzzy = run(council, tmp_path, "probabilistic")
    for listed in (exact, fuzzy):
        people = listed["person_id"].drop_nulls()
        assert people.n_unique() == people.len()
        rows = listed["dwp_record_id"].drop_nulls()
        assert rows.n_unique() == rows.len()
    exact_links = exact.filter(
        pl.col("person_id").is_not_null() & pl.col("dwp_record_id").is_not_null()
    )
    fuzzy_links = fuzzy.filter(
        pl.col("person_id").is_not_null() & pl.col("dwp_record_id").is_not_null()
    )
    pairs = set(exact_links.select("person_id", "dwp_record_id").rows())
    assert pairs <= set(fuzzy_links.select("person_id", "dwp_record_id").rows())
    unmatched_exact = set(exact.filter(pl.col("person_id").is_null())["dwp_record_id"])
    unmatched_fuzzy = set(fuzzy.filter(pl.col("person_id").is_null())["dwp_record_id"])
    assert unmatched_fuzzy <= unmatched_exact
    assert len(unmatched_fuzzy) < len(unmatched_exact)


def test_unknown_linkage_mode_is_refused(council, tmp_path):
    with pytest.raises(UsageError, match="--linkage must be one of exact, probabilistic"):
        run(council, tmp_path, "fuzzy")


@pytest.mark.parametrize(
    ("initiative", "rules", "message"),
    [("free_lunch", None, "unknown initiative 'free_lunch'"), ("two_year_old", "mine.yaml", "")],
)
def test_a_missing_rule_file_is_refused_before_any_data_is_read(
    council, tmp_path, monkeypatch, initiative, rules, message
):
    from workbench import lists
    from workbench.errors import WorkbenchError

    read: list[list[str]] = []
    monkeypatch.setattr(lists, "_load_sources", lambda folder, tables: read.append(tables))
    with pytest.raises(WorkbenchError, match=message or "mine.yaml"):
        assess_folder(
            council,
            initiative=initiative,
            term_start=TERM,
            as_of=TERM,
            out=tmp_path / "l.csv",
            rules_path=tmp_path / rules if rules else None,
        )
    assert read == []
