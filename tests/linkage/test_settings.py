"""The comparison levels of `workbench.linkage.settings` written for speed say exactly what
the plainer SQL they stand for says."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import duckdb
import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from splink import comparison_level_library as cll
from splink.internals.dialects import DuckDBDialect

from workbench.linkage.settings import _A_DAY_APART, _ONE_CHARACTER_OFF
from workbench.linkage.settings import _SharedElement as SharedElement

# ISO dates and near misses: digits and dashes, mostly ten characters, sometimes fewer or more.
DATE_TEXT = st.text(alphabet="0123456789-", min_size=8, max_size=11)


def _iso_like(draw_from: st.DrawFn) -> tuple[str, str]:
    first = draw_from(DATE_TEXT)
    edits = draw_from(st.lists(st.tuples(st.integers(0, 11), st.sampled_from("0123456789-"))))
    second = list(first)
    for where, character in edits:
        if second:
            second[where % len(second)] = character
    if draw_from(st.booleans()) and len(second) > 1:  # an adjacent swap
        i = draw_from(st.integers(0, len(second) - 2))
        second[i], second[i + 1] = second[i + 1], second[i]
    return first, "".join(second)


PAIRS = st.one_of(st.composite(_iso_like)(), st.tuples(DATE_TEXT, DATE_TEXT))


@functools.cache
def _duckdb() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB for every example (connecting anew took most of their time)."""
    return duckdb.connect()


def _pairs_table(rows: list[tuple], schema: dict[str, pl.DataType]) -> duckdb.DuckDBPyConnection:
    """The DuckDB of `_duckdb`, `rows` replacing its table `pairs`, in order (read from a polars
    frame, not inserted one by one)."""
    connection = _duckdb()
    connection.register("given", pl.DataFrame(rows, schema=schema, orient="row"))
    connection.execute("CREATE OR REPLACE TABLE pairs AS SELECT * FROM given")
    connection.unregister("given")
    return connection


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
@settings(max_examples=300, deadline=None)
@given(st.lists(PAIRS, min_size=1, max_size=50))
@example([("2024-03-14", "2024-03-14")])
@example([("2024-03-14", "2024-03-41"), ("2024-03-14", "2024-03-15"), ("2024-03-14", "2024-30-41")])
@example([("2024-03-14", "2024-3-14"), ("2024-03-14", "12024-03-14"), ("2024-03-14", "2042-03-14")])
def test_one_character_off_is_a_damerau_levenshtein_distance_of_at_most_one(pairs):
    connection = _pairs_table(pairs, {"dob_text_l": pl.String(), "dob_text_r": pl.String()})
    found = connection.execute(
        f"SELECT dob_text_l, dob_text_r, ({_ONE_CHARACTER_OFF}) AS fast, "
        "damerau_levenshtein(dob_text_l, dob_text_r) <= 1 AS plain FROM pairs"
    ).fetchall()
    assert [row[:2] for row in found if row[2] != row[3]] == []
    assert len(found) == len(pairs)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.dates(date(1900, 1, 1), date(2099, 12, 28)), st.integers(-3, 3)),
        min_size=1,
        max_size=50,
    ).map(lambda pairs: [(d, d + timedelta(days=k)) for d, k in pairs])
)
@example([(date(2024, 2, 28), date(2024, 3, 1)), (date(2023, 12, 31), date(2024, 1, 1))])
def test_a_day_apart_on_days_since_1970_is_a_date_difference_of_at_most_a_day(pairs):
    # The level reads `dob_day`, the date as polars stores it (days since 1970-01-01).
    connection = _pairs_table(pairs, {"dob_l": pl.Date(), "dob_r": pl.Date()})
    found = connection.execute(
        "SELECT dob_l, dob_r, (" + _A_DAY_APART + ") AS fast, "
        "abs(datediff('day', dob_l, dob_r)) <= 1 AS plain FROM ("
        "SELECT *, (dob_l - DATE '1970-01-01') AS dob_day_l, "
        "(dob_r - DATE '1970-01-01') AS dob_day_r FROM pairs)"
    ).fetchall()
    assert [row[:2] for row in found if row[2] != row[3]] == []


def test_dob_day_is_the_days_since_1970_that_the_level_reads():
    days = pl.Series([date(1970, 1, 1), date(2024, 2, 29), date(1969, 12, 31)]).cast(pl.Int32)
    assert days.to_list() == [0, 19782, -1]


NAME_LISTS = st.one_of(
    st.none(), st.lists(st.one_of(st.none(), st.sampled_from(["", "liz", "beth", "o"])), max_size=3)
)


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(NAME_LISTS, NAME_LISTS, st.booleans()), min_size=1, max_size=40))
@example([([], None, False), ([None], [None], True), (["liz"], ["liz", None], False)])
def test_a_shared_element_level_holds_for_the_pairs_splinks_array_intersection_does(rows):
    # As a level's condition (CASE WHEN), alone and inside the parent comparison's AND/OR.
    fast = SharedElement("aliases").create_sql(DuckDBDialect())
    plain = cll.ArrayIntersectLevel("aliases", 1).create_sql(DuckDBDialect())
    assert fast != plain and "list_has_any" in fast
    names = pl.List(pl.String())
    connection = _pairs_table(rows, {"aliases_l": names, "aliases_r": names, "same": pl.Boolean()})

    def levels(condition: str) -> list[tuple]:
        composite = f"(same OR ({condition})) AND (NOT same OR ({condition}))"
        return connection.execute(
            f"SELECT CASE WHEN {condition} THEN 1 ELSE 0 END, "
            f"CASE WHEN {composite} THEN 1 ELSE 0 END FROM pairs ORDER BY rowid"
        ).fetchall()

    assert levels(fast) == levels(plain)
