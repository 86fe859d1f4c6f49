"""Trained linkage models kept by what they were trained on (`workbench.linkage.trained`):
linking the same data again reads the model instead of training it, with the same links;
any change to the data trains again; a cache that cannot be written is no error. And the
DuckDB that Splink runs in shows no progress bar."""

from __future__ import annotations

import json
import os

import polars as pl
import pytest

from workbench import progress
from workbench.linkage import link_all, trained
from workbench.linkage import probabilistic as stage
from workbench.linkage.trained import CACHE_ENV
from workbench.synth import generate_council

progress.set_enabled(False)


@pytest.fixture(scope="module")
def council() -> dict[str, pl.DataFrame]:
    return generate_council(households=3_000, seed=11)


@pytest.fixture
def counted(monkeypatch):
    """How many times Splink is trained."""
    calls = []
    train = stage._train

    def counting(*args, **kwargs):
        calls.append(1)
        return train(*args, **kwargs)

    monkeypatch.setattr(stage, "_train", counting)
    return calls


@pytest.mark.slow
def test_linking_the_same_data_again_reads_the_model_and_links_the_same(
    council, counted, monkeypatch, tmp_path
):
    monkeypatch.setenv(CACHE_ENV, "off")
    trained_each_time = link_all(council)
    trainings = len(counted)
    assert trainings >= 1
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    first = link_all(council)
    assert len(counted) == 2 * trainings
    assert len(list(tmp_path.glob("*.json"))) == trainings
    again = link_all(council)
    assert len(counted) == 2 * trainings  # read, not trained
    assert first.equals(trained_each_time)
    assert again.equals(trained_each_time)


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_a_changed_row_trains_that_source_again(council, counted, monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    link_all(council)
    trainings = len(counted)
    assert len(list(tmp_path.glob("funded_places-*.json"))) == 1
    places = council["funded_places"]
    renamed = places.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("Zebedee"))
        .otherwise(pl.col("child_forename"))
        .alias("child_forename")
    )
    link_all({**council, "funded_places": renamed})
    assert len(counted) == trainings + 1  # the funded places again; any other source read
    assert len(list(tmp_path.glob("funded_places-*.json"))) == 2
    assert len(list(tmp_path.glob("*.json"))) == trainings + 1


def test_a_cache_that_cannot_be_written_is_no_error(council, counted, monkeypatch, tmp_path):
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    monkeypatch.setenv(CACHE_ENV, str(blocked))
    links = link_all(council)
    assert len(counted) >= 1
    assert links.height > 0
    assert blocked.read_text() == ""
    assert list(tmp_path.glob("*.partial")) == []


def test_splinks_duckdb_shows_no_progress_bar():
    # In a notebook DuckDB shows a query over two seconds as a progress widget, and the
    # report's HTML then carries the widget's <script> (seen in the take-up report on a busy
    # machine); the connections Splink trains and scores in have the bar off.
    connection = stage._duckdb().duckdb_con
    setting = "select current_setting('enable_progress_bar')"
    assert connection.execute(setting).fetchone() == (False,)


def test_the_cache_keeps_the_models_used_last_and_clears_what_a_stopped_run_left(
    monkeypatch, tmp_path
):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(trained, "KEEP_MODELS", 2)
    abandoned = tmp_path / "tmp1.partial"
    abandoned.write_text("{")
    os.utime(abandoned, (1, 1))  # left by a run that stopped long ago
    writing = tmp_path / "tmp2.partial"
    writing.write_text("{")  # another run writing now
    trainings: list[int] = []

    def keep(n: int, when: int) -> None:
        frame = pl.DataFrame({"row": [n]})

        def train() -> dict[str, int]:
            trainings.append(n)
            return {"n": n}

        trained.remembered("dwp_list", [frame], {}, train)
        for path in tmp_path.glob("*.json"):  # the clock moves on between runs
            if path.stat().st_mtime > 1e9:
                os.utime(path, (when, when))

    keep(1, 100)
    keep(2, 200)
    keep(1, 300)  # read again: used last
    assert trainings == [1, 2]
    keep(3, 400)  # a third: the one used longest ago goes
    kept = {json.loads(p.read_text())["n"] for p in tmp_path.glob("*.json")}
    assert kept == {1, 3}
    assert not abandoned.exists() and writing.exists()
    keep(2, 500)
    assert trainings == [1, 2, 3, 2]  # trained again, since it was removed


@pytest.mark.slow
@pytest.mark.parametrize("kept", ["[1, 2]", '"settings"', '{"comparisons": "none"}', "{"])
def test_a_kept_model_out_of_shape_is_trained_again_and_replaced(
    council, counted, monkeypatch, tmp_path, kept
):
    # Only the workbench writes the cache, atomically; but a file edited or damaged by hand
    # must be trained again, never reach Splink as its settings.
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    first = link_all(council)
    trainings = len(counted)
    for path in tmp_path.glob("*.json"):
        path.write_text(kept)
    again = link_all(council)
    assert len(counted) == 2 * trainings
    assert again.equals(first)
    for path in tmp_path.glob("*.json"):
        assert isinstance(json.loads(path.read_text())["comparisons"], list)
