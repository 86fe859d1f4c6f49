"""Disclosure control: small counts hidden, nothing recoverable from totals, unsafe tables kept."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from workbench.errors import UsageError, WorkbenchError
from workbench.stats import (
    TOTAL,
    DisclosureRules,
    ProtectedTable,
    protect_table,
    wilson_interval,
    write_protected,
)

# Short codes so the expected suppression grids read like the tables they describe.
KIND_CODES = {"primary": "p", "secondary": "s", None: "."}


def one_way(counts: dict[str, int], name: str = "area") -> pl.DataFrame:
    return pl.DataFrame({name: list(counts), "count": list(counts.values())})


def two_way(grid: dict[str, dict[str, int]]) -> pl.DataFrame:
    """``{"A": {"F": 12, "M": 0}, ...}`` as a long frame with columns area, sex, count."""
    rows = [(area, sex, n) for area, by_sex in grid.items() for sex, n in by_sex.items()]
    return pl.DataFrame(rows, schema=["area", "sex", "count"], orient="row")


def published(protected: ProtectedTable, measure: str = "count") -> list[tuple[str, ...]]:
    return protected.wide(measure).rows()


def kinds(protected: ProtectedTable, measure: str = "count") -> list[tuple[str, ...]]:
    """The suppression kind of every cell, laid out like `published`: p, s or '.'."""
    cells = protected.mask.filter(pl.col("measure") == measure).with_columns(
        pl.col("suppression").replace_strict(KIND_CODES, default=".", return_dtype=pl.String)
    )
    if protected.column is None:
        return cells.select(protected.row, "suppression").rows()
    return cells.pivot(on=protected.column, index=protected.row, values="suppression").rows()


# --- one-way tables -------------------------------------------------------------------------


def test_one_small_count_is_hidden_with_the_next_smallest_so_the_total_cannot_reveal_it():
    protected = protect_table(
        one_way({"North": 3, "South": 40, "West": 52}), row="area", column=None
    )

    assert published(protected) == [("North", "c"), ("South", "c"), ("West", "52"), ("Total", "95")]
    assert kinds(protected) == [("North", "p"), ("South", "s"), ("West", "."), ("Total", ".")]
    assert protected.safe
    # The note does not say how many hidden cells are small: if all were, each would be known
    # to be below 10.
    assert protected.notes == [
        "count: 2 cell(s) hidden ('c'): counts from 1 to 9, and other cells where needed so "
        "that no hidden count can be worked out from what is published.",
    ]


def test_long_table_has_labels_measure_value_and_flags_with_the_total_last():
    protected = protect_table(
        one_way({"North": 3, "South": 40, "West": 52}), row="area", column=None
    )

    expected = pl.DataFrame(
        {
            "area": ["North", "South", "West", TOTAL],
            "measure": ["count"] * 4,
            "value": ["c", "c", "52", "95"],
            "suppressed": [True, True, False, False],
            "suppression": ["primary", "secondary", None, None],
        }
    )
    assert_frame_equal(protected.table, expected)
    assert_frame_equal(protected.mask, expected.drop("value"))


def test_zeros_are_shown_and_never_chosen_to_hide_a_small_count():
    frame = one_way({"A": 0, "B": 4, "C": 30, "D": 22})

    protected = protect_table(frame, row="area", column=None)

    assert published(protected) == [
        ("A", "0"),
        ("B", "c"),
        ("C", "30"),
        ("D", "c"),
        ("Total", "56"),
    ]
    assert kinds(protected) == [("A", "."), ("B", "p"), ("C", "."), ("D", "s"), ("Total", ".")]


def test_suppress_zeros_hides_a_zero_and_protects_it_like_a_small_count():
    frame = one_way({"A": 0, "B": 25, "C": 30})

    shown = protect_table(frame, row="area", column=None)
    hidden = protect_table(
        frame, row="area", column=None, rules=DisclosureRules(suppress_zeros=True)
    )

    assert published(shown) == [("A", "0"), ("B", "25"), ("C", "30"), ("Total", "55")]
    assert published(hidden) == [("A", "c"), ("B", "c"), ("C", "30"), ("Total", "55")]
    assert kinds(hidden) == [("A", "p"), ("B", "s"), ("C", "."), ("Total", ".")]


def test_a_count_at_the_threshold_is_shown_and_one_below_is_hidden():
    frame = one_way({"A": 9, "B": 8, "C": 10, "D": 50})

    protected = protect_table(frame, row="area", column=None)

    # Two small counts hide each other: no secondary suppression is needed.
    assert published(protected) == [
        ("A", "c"),
        ("B", "c"),
        ("C", "10"),
        ("D", "50"),
        ("Total", "77"),
    ]
    assert kinds(protected) == [("A", "p"), ("B", "p"), ("C", "."), ("D", "."), ("Total", ".")]


def test_rounding_to_5_applies_to_shown_counts_and_to_the_total_of_unrounded_counts():
    frame = one_way({"A": 12, "B": 13, "C": 4, "D": 27, "E": 22})

    protected = protect_table(frame, row="area", column=None, rules=DisclosureRules(round_to=5))

    # C (4) is small; A (12) hides with it. The total 78 is summed before rounding.
    assert published(protected) == [
        ("A", "c"),
        ("B", "15"),
        ("C", "c"),
        ("D", "25"),
        ("E", "20"),
        ("Total", "80"),
    ]
    assert any("rounded to the nearest 5" in note for note in protected.notes)


def test_categories_keep_their_natural_order_and_labels_become_text():
    frame = pl.DataFrame({"age": [10, 2, 3], "count": [20, 30, 40]})

    protected = protect_table(frame, row="age", column=None)

    assert published(protected) == [("2", "30"), ("3", "40"), ("10", "20"), ("Total", "90")]


def test_a_lazy_frame_is_accepted():
    frame = one_way({"A": 20, "B": 30}).lazy()

    assert published(protect_table(frame, row="area", column=None)) == [
        ("A", "20"),
        ("B", "30"),
        ("Total", "50"),
    ]


# --- two-way tables -------------------------------------------------------------------------


def test_a_row_with_one_small_cell_hides_cells_in_its_row_and_columns_but_keeps_the_margins():
    frame = two_way({"N": {"F": 4, "M": 30}, "S": {"F": 25, "M": 41}})

    protected = protect_table(frame, row="area", column="sex")

    assert published(protected) == [
        ("N", "c", "c", "34"),
        ("S", "c", "c", "66"),
        ("Total", "29", "71", "100"),
    ]
    assert kinds(protected) == [
        ("N", "p", "s", "."),
        ("S", "s", "s", "."),
        ("Total", ".", ".", "."),
    ]


def test_secondary_suppression_prefers_a_cell_that_also_protects_another_line():
    frame = two_way(
        {
            "A": {"F": 20, "M": 3, "X": 15},
            "B": {"F": 30, "M": 40, "X": 0},
            "C": {"F": 12, "M": 14, "X": 25},
        }
    )

    protected = protect_table(frame, row="area", column="sex")

    # Row A hides X (15, smallest); column M hides C (14); row C then hides X (25) rather than
    # F (12), because that also covers column X: three cells lost instead of five.
    assert published(protected) == [
        ("A", "20", "c", "c", "38"),
        ("B", "30", "40", "0", "70"),
        ("C", "12", "c", "c", "51"),
        ("Total", "62", "57", "40", "159"),
    ]
    assert kinds(protected) == [
        ("A", ".", "p", "s", "."),
        ("B", ".", ".", ".", "."),
        ("C", ".", "s", "s", "."),
        ("Total", ".", ".", ".", "."),
    ]


def test_a_small_row_total_is_hidden_and_protected_through_the_total_column():
    frame = two_way({"A": {"F": 4, "M": 0}, "B": {"F": 20, "M": 30}, "C": {"F": 25, "M": 35}})

    protected = protect_table(frame, row="area", column="sex")

    # A's total (4) is small too. Column F hides B (20); row B then hides its total rather
    # than M (30), because that also covers the total column: two cells lost, not five.

    assert published(protected) == [
        ("A", "c", "0", "c"),
        ("B", "c", "30", "c"),
        ("C", "25", "35", "60"),
        ("Total", "49", "65", "114"),
    ]
    assert kinds(protected) == [
        ("A", "p", ".", "p"),
        ("B", "s", ".", "s"),
        ("C", ".", ".", "."),
        ("Total", ".", ".", "."),
    ]


def test_when_a_line_has_only_zeros_left_its_total_is_hidden():
    frame = two_way({"A": {"F": 12, "M": 0}, "B": {"F": 3, "M": 40}})

    protected = protect_table(frame, row="area", column="sex")

    # Row A has (A,F) hidden and only a zero left, so its total goes; likewise column M.
    assert published(protected) == [
        ("A", "c", "0", "c"),
        ("B", "c", "c", "c"),
        ("Total", "c", "c", "55"),
    ]
    assert kinds(protected) == [
        ("A", "s", ".", "s"),
        ("B", "p", "s", "s"),
        ("Total", "s", "s", "."),
    ]
    assert protected.safe


def test_missing_pairs_count_as_zero():
    frame = pl.DataFrame({"area": ["A", "B", "B"], "sex": ["F", "F", "M"], "count": [20, 30, 40]})

    protected = protect_table(frame, row="area", column="sex")

    assert published(protected) == [
        ("A", "20", "0", "20"),
        ("B", "30", "40", "70"),
        ("Total", "50", "40", "90"),
    ]


# --- rates ----------------------------------------------------------------------------------


def with_take_up(
    frame: pl.DataFrame, rules: DisclosureRules | None = None, rate: str = "rate"
) -> ProtectedTable:
    """Eligible and funded children by area, protected with the take-up rate (``rate``)."""
    return protect_table(
        frame,
        row="area",
        column=None,
        count="eligible",
        rates={rate: ("funded", "eligible")},
        rules=rules or DisclosureRules(),
    )


def test_rates_are_percentages_from_the_published_counts_hidden_where_either_count_is():
    frame = pl.DataFrame(
        {
            "area": ["A", "B", "C", "D"],
            "eligible": [160, 40, 0, 30],
            "funded": [10, 15, 0, 4],
        }
    )

    protected = with_take_up(frame, DisclosureRules(round_to=5), rate="take_up")

    assert published(protected, "eligible") == [
        ("A", "160"),
        ("B", "40"),
        ("C", "0"),
        ("D", "30"),
        ("Total", "230"),
    ]
    assert published(protected, "funded") == [
        ("A", "c"),
        ("B", "15"),
        ("C", "0"),
        ("D", "c"),
        ("Total", "30"),
    ]
    # The total funded, 29, is published as 30: the rate is 30 of 230, 13.0%, as published
    # (29 of 230, 12.6%, would tell a reader the total is 29). C has no one eligible: z.
    assert published(protected, "take_up") == [
        ("A", "c"),
        ("B", "37.5"),
        ("C", "z"),
        ("D", "c"),
        ("Total", "13.0"),
    ]
    assert kinds(protected, "take_up") == [
        ("A", "s"),
        ("B", "."),
        ("C", "."),
        ("D", "p"),
        ("Total", "."),
    ]
    assert protected.table.get_column("measure").unique(maintain_order=True).to_list() == [
        "eligible",
        "funded",
        "take_up",
    ]


def test_a_zero_beside_a_hidden_count_it_is_part_of_is_hidden_whatever_the_rules_say():
    # A tester's case: one household in district ZZ9 published "ZZ9, eligible c, funded 0",
    # telling that household its child has no place. The 0 is hidden, and so is FQ3's 0
    # beside the eligible count hidden to protect ZZ9's; two hidden zeros add up to 0 from
    # the Total, so FQ2's 15 is hidden with them.
    frame = pl.DataFrame(
        {
            "area": ["FQ1", "FQ2", "FQ3", "ZZ9"],
            "eligible": [40, 25, 12, 1],
            "funded": [30, 15, 0, 0],
        }
    )

    protected = with_take_up(frame)

    assert published(protected, "eligible") == [
        ("FQ1", "40"),
        ("FQ2", "25"),
        ("FQ3", "c"),
        ("ZZ9", "c"),
        ("Total", "78"),
    ]
    assert published(protected, "funded") == [
        ("FQ1", "30"),
        ("FQ2", "c"),
        ("FQ3", "c"),
        ("ZZ9", "c"),
        ("Total", "45"),
    ]
    assert kinds(protected, "funded") == [
        ("FQ1", "."),
        ("FQ2", "s"),
        ("FQ3", "p"),
        ("ZZ9", "p"),
        ("Total", "."),
    ]
    assert published(protected, "rate") == [
        ("FQ1", "75.0"),
        ("FQ2", "c"),
        ("FQ3", "c"),
        ("ZZ9", "c"),
        ("Total", "57.7"),
    ]
    assert protected.safe and not protected.zeros_hidden
    assert protected.zero_beside == (("funded", "eligible"),)
    # The note says a hidden funded count may be 0 whether or not one is.
    assert protected.notes[1] == (
        "funded: 3 cell(s) hidden ('c'): counts from 1 to 9 (0 too where the row's eligible "
        "count is hidden), and other cells where needed so that no hidden count can be "
        "worked out from what is published."
    )
    no_zero = frame.filter(pl.col("area") != "ZZ9").with_columns(funded=pl.Series([30, 15, 1]))
    assert (
        with_take_up(no_zero)
        .notes[0]
        .startswith("funded: 2 cell(s) hidden ('c'): counts from 1 to 9 (0 too where")
    )


def test_a_zero_beside_a_shown_count_stays_shown_unless_the_rules_hide_zeros():
    frame = pl.DataFrame({"area": ["FQ1", "FQ2", "FQ3"], "eligible": [40, 12, 25]}).with_columns(
        funded=pl.Series([30, 0, 15])
    )
    assert published(with_take_up(frame), "funded") == [
        ("FQ1", "30"),
        ("FQ2", "0"),
        ("FQ3", "15"),
        ("Total", "45"),
    ]
    hidden = with_take_up(frame, DisclosureRules(suppress_zeros=True))
    assert published(hidden, "funded") == [
        ("FQ1", "30"),
        ("FQ2", "c"),
        ("FQ3", "c"),
        ("Total", "45"),
    ]


def test_a_rate_beside_rounded_counts_does_not_give_the_exact_counts_away():
    # 12 of 23 eligible are funded. Rounded, the counts show 10 of 25; a rate of 52.2% (from
    # the unrounded counts) would leave only 12 of 23 among the counts that round so.
    frame = pl.DataFrame({"area": ["A", "B"], "eligible": [23, 41], "funded": [12, 30]})

    protected = with_take_up(frame, DisclosureRules(round_to=5))

    assert published(protected, "eligible") == [("A", "25"), ("B", "40"), ("Total", "65")]
    assert published(protected, "funded") == [("A", "10"), ("B", "30"), ("Total", "40")]
    assert published(protected, "rate") == [("A", "40.0"), ("B", "75.0"), ("Total", "61.5")]
    assert any("rates are worked out from the rounded counts" in n for n in protected.notes)


def test_a_rate_exactly_half_way_rounds_away_from_zero():
    frame = pl.DataFrame({"area": ["A", "B"], "eligible": [160, 400], "funded": [10, 25]})

    protected = with_take_up(frame)

    # 10/160 = 6.25% and 25/400 = 6.25%: both 6.3; 35/560 = 6.25% too.
    assert published(protected, "rate") == [("A", "6.3"), ("B", "6.3"), ("Total", "6.3")]


# --- tables that cannot be made safe --------------------------------------------------------


def test_a_small_grand_total_makes_the_table_unsafe_and_it_is_not_written(tmp_path: Path):
    protected = protect_table(one_way({"A": 3, "B": 4}), row="area", column=None)
    target = tmp_path / "shareable" / "take_up.csv"

    assert not protected.safe
    assert published(protected) == [("A", "c"), ("B", "c"), ("Total", "c")]
    assert any("grand total is below the threshold of 10" in note for note in protected.notes)
    with pytest.raises(WorkbenchError, match="not safe to publish"):
        write_protected(protected, target)
    assert not target.exists()


def test_a_two_way_table_with_a_small_grand_total_is_unsafe():
    frame = two_way({"A": {"F": 2, "M": 3}, "B": {"F": 1, "M": 0}})

    assert not protect_table(frame, row="area", column="sex").safe


def test_a_safe_table_is_written_as_csv_that_reads_back_the_same(tmp_path: Path):
    protected = protect_table(
        one_way({"North": 3, "South": 40, "West": 52}), row="area", column=None
    )

    path = write_protected(protected, tmp_path / "shareable" / "by_area.csv")

    # Which hidden cell is the small one is not written: both are c.
    assert path.read_text().splitlines() == [
        "area,measure,value,suppressed",
        "North,count,c,true",
        "South,count,c,true",
        "West,count,52,false",
        "Total,count,95,false",
    ]


def test_writing_to_a_path_that_is_not_csv_is_refused(tmp_path: Path):
    protected = protect_table(one_way({"A": 20}), row="area", column=None)

    with pytest.raises(UsageError, match=r"expected a \.csv path"):
        write_protected(protected, tmp_path / "by_area.xlsx")


# --- rows that do not add up, and counts not counted ----------------------------------------


def test_rows_that_overlap_publish_no_total_and_hide_nothing_to_protect_one():
    # Criteria met: a child meeting two counts under each, so 3 + 40 + 52 is not a count of
    # children. Without a Total, nothing is subtracted from: only the 3 is hidden.
    protected = protect_table(
        one_way({"ehc_plan": 3, "income_support": 40, "universal_credit": 52}, "criterion"),
        row="criterion",
        column=None,
        margins=False,
    )
    assert published(protected) == [
        ("ehc_plan", "c"),
        ("income_support", "40"),
        ("universal_credit", "52"),
    ]
    assert kinds(protected) == [
        ("ehc_plan", "p"),
        ("income_support", "."),
        ("universal_credit", "."),
    ]
    assert protected.counts is not None
    assert protected.counts.get_column("criterion").to_list() == [
        "ehc_plan",
        "income_support",
        "universal_credit",
    ]
    assert protected.notes == [
        "count: 1 cell(s) hidden ('c'): counts from 1 to 9, and other cells where needed so "
        "that no hidden count can be worked out from what is published.",
    ]
    with pytest.raises(UsageError, match="one-way tables"):
        protect_table(two_way({"A": {"F": 20}}), row="area", column="sex", margins=False)


def test_a_numerator_not_counted_is_published_blank_not_zero(tmp_path: Path):
    terms = pl.DataFrame(
        {"term": ["2026-01-01", "2026-09-01"], "eligible": [30, 50], "funded": [None, 20]},
        schema_overrides={"funded": pl.Int64},
    )
    protected = protect_table(
        terms,
        row="term",
        column=None,
        count="eligible",
        rates={"rate": ("funded", "eligible")},
        margins=False,
    )
    assert protected.wide("funded").rows() == [("2026-01-01", None), ("2026-09-01", "20")]
    assert protected.wide("rate").rows() == [("2026-01-01", None), ("2026-09-01", "40.0")]
    assert protected.safe
    # The blank cell is not a count for the audit across tables.
    assert protected.counts is not None
    assert protected.counts.rows() == [
        ("2026-01-01", "eligible", 30),
        ("2026-09-01", "eligible", 50),
        ("2026-09-01", "funded", 20),
    ]
    write_protected(protected, tmp_path / "trend.csv")
    assert (tmp_path / "trend.csv").read_text() == (
        "term,measure,value,suppressed\n"
        "2026-01-01,eligible,30,false\n"
        "2026-09-01,eligible,50,false\n"
        "2026-01-01,funded,,false\n"
        "2026-09-01,funded,20,false\n"
        "2026-01-01,rate,,false\n"
        "2026-09-01,rate,40.0,false\n"
    )


def test_a_total_of_a_numerator_not_counted_everywhere_is_blank_too():
    # With zeros hidden too, the blank cells are neither hidden nor published as 0.
    frame = pl.DataFrame(
        {"area": ["FQ1", "FQ2"], "eligible": [30, 50], "funded": [None, None]},
        schema_overrides={"funded": pl.Int64},
    )
    protected = protect_table(
        frame,
        row="area",
        column=None,
        count="eligible",
        rates={"rate": ("funded", "eligible")},
        rules=DisclosureRules(suppress_zeros=True),
    )
    assert published(protected, "eligible") == [("FQ1", "30"), ("FQ2", "50"), ("Total", "80")]
    assert protected.wide("funded").rows() == [("FQ1", None), ("FQ2", None), ("Total", None)]
    assert protected.wide("rate").rows() == [("FQ1", None), ("FQ2", None), ("Total", None)]
    assert not protected.mask.get_column("suppressed").any()
    assert protected.safe


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (one_way({"A": 20}), {"count": "children"}, r"expected column\(s\) \['children'\]"),
        (one_way({"A": 20}), {"rates": {"r": ("funded", "count")}}, r"\['funded'\]"),
        (one_way({"A": 20}), {"rates": {"count": ("count", "count")}}, "also count columns"),
        (one_way({"A": 20}), {"rates": {"r": ("count",)}}, r"\(numerator, denominator\)"),
        (pl.DataFrame({"area": ["A", "A"], "count": [20, 30]}), {}, "one row per area"),
        (pl.DataFrame({"area": ["A"], "count": [-1]}), {}, "non-negative"),
        (
            pl.DataFrame({"area": ["A"], "count": [None]}, schema_overrides={"count": pl.Int64}),
            {},
            "no gaps",
        ),
        (pl.DataFrame({"area": ["A"], "count": [2.5]}), {}, "whole numbers"),
        (
            pl.DataFrame({"area": [None], "count": [20]}, schema_overrides={"area": pl.String}),
            {},
            "empty categories",
        ),
        (pl.DataFrame({"area": ["Total"], "count": [20]}), {}, "kept for the margins"),
        (pl.DataFrame({"value": ["A"], "count": [20]}), {"row": "value"}, "may not be called"),
    ],
)
def test_a_table_that_cannot_be_protected_is_refused_with_a_clear_message(frame, kwargs, message):
    arguments = {"row": "area", "column": None, **kwargs}

    with pytest.raises(UsageError, match=message):
        protect_table(frame, **arguments)


def test_row_and_column_must_differ():
    with pytest.raises(UsageError, match="must be different"):
        protect_table(one_way({"A": 20}), row="area", column="area")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threshold": 0}, "threshold must be a whole number of at least 1"),
        ({"threshold": 2.5}, "threshold must be a whole number"),
        ({"round_to": 0}, "round_to must be a whole number of at least 1"),
        ({"symbol": ""}, "symbol must be non-empty"),
    ],
)
def test_bad_rules_are_refused(kwargs, message):
    with pytest.raises(UsageError, match=message):
        DisclosureRules(**kwargs)


def test_wide_names_the_measures_when_asked_for_an_unknown_one():
    protected = protect_table(one_way({"A": 20}), row="area", column=None)

    with pytest.raises(UsageError, match=r"No measure 'rate' in this table; it has \['count'\]"):
        protected.wide("rate")


# --- Wilson interval ------------------------------------------------------------------------


def test_wilson_interval_matches_known_values_and_is_null_without_trials():
    frame = pl.DataFrame({"funded": [0, 5, 10, 0], "eligible": [10, 10, 10, 0]})
    lower, upper = wilson_interval("funded", "eligible")

    result = frame.select(lower.round(4), upper.round(4))

    assert result.rows() == [
        (0.0, 0.2775),
        (0.2366, 0.7634),
        (0.7225, 1.0),
        (None, None),
    ]


def test_wilson_interval_takes_expressions_and_a_different_z():
    frame = pl.DataFrame({"k": [5], "n": [10]})
    lower, upper = wilson_interval(pl.col("k"), pl.col("n"), z=1.0)

    # z = 1: centre (5 + 0.5) / 11 = 0.5, half width sqrt(10 * 0.25 + 0.25) / 11.
    assert frame.select(lower.round(4), upper.round(4)).row(0) == (0.3492, 0.6508)


def test_wilson_interval_refuses_a_non_positive_z():
    with pytest.raises(UsageError, match="z must be a positive number"):
        wilson_interval("k", "n", z=0)


# --- invariants on random tables ------------------------------------------------------------

counts_strategy = st.one_of(st.integers(0, 12), st.integers(10, 400))


@st.composite
def count_tables(draw: st.DrawFn) -> tuple[pl.DataFrame, DisclosureRules]:
    n_rows = draw(st.integers(1, 5))
    n_columns = draw(st.integers(1, 4))
    values = draw(
        st.lists(counts_strategy, min_size=n_rows * n_columns, max_size=n_rows * n_columns)
    )
    rules = DisclosureRules(threshold=draw(st.integers(2, 12)), suppress_zeros=draw(st.booleans()))
    frame = pl.DataFrame(
        {
            "area": [f"R{i}" for i in range(n_rows) for _ in range(n_columns)],
            "sex": [f"C{j}" for _ in range(n_rows) for j in range(n_columns)],
            "count": values,
        }
    )
    return frame, rules


def raw_with_margins(frame: pl.DataFrame) -> dict[tuple[str, str], int]:
    cells = {(r, c): n for r, c, n in frame.iter_rows()}
    rows = sorted({r for r, _ in cells})
    columns = sorted({c for _, c in cells})
    for r in rows:
        cells[(r, TOTAL)] = sum(cells[(r, c)] for c in columns)
    for c in [*columns, TOTAL]:
        cells[(TOTAL, c)] = sum(cells[(r, c)] for r in rows)
    return cells


@settings(max_examples=200, deadline=None)
@given(count_tables())
def test_no_line_hides_exactly_one_cell_and_shown_values_are_the_raw_ones(table):
    frame, rules = table
    protected = protect_table(frame, row="area", column="sex", rules=rules)
    raw = raw_with_margins(frame)
    cells = {(r, c): (v, s) for r, c, _, v, _, s in protected.table.iter_rows()}

    assert cells.keys() == raw.keys()
    hidden = {cell for cell, (_, kind) in cells.items() if kind is not None}
    for label in {r for r, _ in raw}:  # every row, the total row included
        assert sum((label, c) in hidden for r, c in raw if r == label) != 1
    for label in {c for _, c in raw}:  # every column, the total column included
        assert sum((r, label) in hidden for r, c in raw if c == label) != 1
    for cell, (value, kind) in cells.items():
        if rules.is_small(raw[cell]):
            assert (value, kind) == ("c", "primary")
        elif kind is None:
            assert value == str(raw[cell])  # totals included: summed from the raw data
        else:
            assert (value, kind) == ("c", "secondary")
    assert protected.safe == (not rules.is_small(raw[(TOTAL, TOTAL)]))


@settings(max_examples=200, deadline=None)
@given(st.lists(counts_strategy, min_size=1, max_size=8), st.integers(2, 12))
def test_a_one_way_table_never_hides_exactly_one_cell(values, threshold):
    frame = pl.DataFrame({"area": [f"R{i}" for i in range(len(values))], "count": values})
    rules = DisclosureRules(threshold=threshold)

    protected = protect_table(frame, row="area", column=None, rules=rules)

    shown = protected.table.get_column("value").to_list()
    assert shown.count("c") != 1
    assert all(v == "c" for n, v in zip(values, shown, strict=False) if rules.is_small(n))
    if shown[-1] != "c":
        assert shown[-1] == str(sum(values))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(counts_strategy, counts_strategy), min_size=1, max_size=6),
    st.sampled_from([None, 3, 5, 10]),
    st.integers(2, 12),
)
def test_every_published_rate_is_the_published_numerator_over_the_published_denominator(
    pairs, round_to, threshold
):
    # So that a rate never says more than the counts beside it: with rounding, a rate from
    # unrounded counts would pin them down exactly.
    frame = pl.DataFrame(
        {
            "area": [f"R{i}" for i in range(len(pairs))],
            "eligible": [max(a, b) for a, b in pairs],
            "funded": [min(a, b) for a, b in pairs],
        }
    )
    rules = DisclosureRules(threshold=threshold, round_to=round_to)

    protected = with_take_up(frame, rules)

    rows = zip(
        published(protected, "eligible"),
        published(protected, "funded"),
        published(protected, "rate"),
        strict=True,
    )
    for (_, eligible), (_, funded), (_, rate) in rows:
        if rate == "c":
            assert "c" in (eligible, funded)
            continue
        assert "c" not in (eligible, funded)
        if int(eligible) == 0:
            assert rate == "z"
            continue
        tenths = int(int(funded) * 1000 / int(eligible) + 0.5)  # half away from zero
        assert rate == f"{tenths // 10}.{tenths % 10}"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(counts_strategy, counts_strategy), min_size=1, max_size=6),
    st.sampled_from([None, 5]),
    st.integers(2, 12),
    st.booleans(),
)
def test_no_published_zero_sits_beside_a_hidden_count_it_is_part_of(
    pairs, round_to, threshold, hide_zeros
):
    # "eligible c, funded 0" tells each family of a small group that none has a place; and
    # the funded counts hidden in a column never add up to 0 beside a shown Total that is not
    # (each would then be 0), nor is one alone hidden.
    frame = pl.DataFrame(
        {
            "area": [f"R{i}" for i in range(len(pairs))],
            "eligible": [max(a, b) for a, b in pairs],
            "funded": [min(a, b) for a, b in pairs],
        }
    )
    rules = DisclosureRules(threshold=threshold, round_to=round_to, suppress_zeros=hide_zeros)

    protected = with_take_up(frame, rules)

    eligible: dict[str, str] = {label: value for label, value in published(protected, "eligible")}
    funded: dict[str, str] = {label: value for label, value in published(protected, "funded")}
    for label, value in funded.items():
        assert not (eligible[label] == "c" and value == "0"), label
    raw = dict(zip(frame["area"], frame["funded"], strict=True))
    raw[TOTAL] = sum(frame["funded"])
    hidden = [label for label, value in funded.items() if value == "c"]
    assert len(hidden) != 1
    if hidden and funded[TOTAL] != "c" and raw[TOTAL] > 0:
        assert any(raw[label] > 0 for label in hidden)
    if not hide_zeros:
        for label, value in funded.items():
            if raw[label] == 0 and eligible[label] != "c":
                assert value == "0"  # a 0 beside a shown count stays shown


@settings(max_examples=200, deadline=None)
@given(st.lists(counts_strategy, min_size=1, max_size=8), st.sampled_from([5, 10]))
def test_rounded_values_are_the_nearest_multiple_of_the_unrounded_ones(values, round_to):
    frame = pl.DataFrame({"area": [f"R{i}" for i in range(len(values))], "count": values})
    rules = DisclosureRules(round_to=round_to)

    protected = protect_table(frame, row="area", column=None, rules=rules)

    unrounded = [*values, sum(values)]
    for raw, shown in zip(unrounded, protected.table.get_column("value"), strict=True):
        if shown != "c":
            assert int(shown) % round_to == 0
            assert -round_to / 2 < int(shown) - raw <= round_to / 2
