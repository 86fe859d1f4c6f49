"""Equality monitoring: aggregate tables by special-category field, and proof the engine ignores
those fields."""

from __future__ import annotations

import math
from datetime import date
from typing import TypedDict

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.eligibility.engine import assessment
from workbench.errors import UsageError
from workbench.rules import load_rule_set
from workbench.stats.disclosure import DisclosureRules
from workbench.stats.equality import (
    EQUALITY_COLUMNS,
    EQUALITY_FIELDS,
    GROUPS,
    classify,
    equality_table,
    protect_equality,
)
from workbench.synth import generate_council


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval, written out independently of the package."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def population(groups: list[tuple[str | None, int, int]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Candidates and people from (group, eligible, funded) triples, plus one `possible` child."""
    ids: list[str] = []
    values: list[str | None] = []
    funded: list[bool] = []
    for group, eligible, paid in groups:
        for i in range(eligible):
            ids.append(f"C{len(ids):03d}")
            values.append(group)
            funded.append(i < paid)
    candidates = pl.DataFrame(
        {
            "person_id": [*ids, "X1"],
            "tier": ["likely"] * len(ids) + ["possible"],
            "reason_codes": [["income_support"]] * len(ids) + [[]],
            "already_funded": [*funded, True],
        }
    )
    people = pl.DataFrame(
        {"person_id": [*ids, "X1"], "ethnicity": [*values, "White"]},
        schema={"person_id": pl.String, "ethnicity": pl.String},
    )
    return candidates, people


@pytest.fixture
def monitored() -> tuple[pl.DataFrame, pl.DataFrame]:
    # Group A is the largest; C is a single child; two children have no recorded ethnicity.
    return population(
        [("Asian", 20, 16), ("Black", 10, 2), ("Mixed", 1, 1), (None, 1, 0), ("  ", 1, 0)]
    )


def test_equality_table_counts_rates_intervals_shares_and_gaps(monitored) -> None:
    candidates, people = monitored
    table = equality_table(candidates, people, "ethnicity")
    assert table.columns == ["ethnicity", *EQUALITY_COLUMNS]
    # Every group is listed, in the fixed order, whether or not an eligible child is in it.
    assert table.select("ethnicity", "eligible", "funded", "rate").rows() == [
        ("Asian", 20, 16, 0.8),
        ("Black", 10, 2, 0.2),
        ("Mixed", 1, 1, 1.0),
        ("Other", 0, 0, None),
        ("White", 0, 0, None),  # White is only in the possible tier: not counted
        ("unknown", 2, 0, 0.0),
    ]
    with_children = table.filter(pl.col("eligible") > 0)
    intervals = with_children.select(pl.col("ci_lower", "ci_upper").round(6)).rows()
    expected = [wilson(16, 20), wilson(2, 10), wilson(1, 1), wilson(0, 2)]
    assert intervals == [(round(lo, 6), round(hi, 6)) for lo, hi in expected]
    assert table.filter(pl.col("eligible") == 0).select("ci_lower", "ci_upper").rows() == [
        (None, None),
        (None, None),
    ]
    shares = [20 / 33, 10 / 33, 1 / 33, 0.0, 0.0, 2 / 33]
    assert table.get_column("eligible_share").to_list() == shares
    assert table.get_column("funded_share").to_list() == [16 / 19, 2 / 19, 1 / 19, 0, 0, 0.0]
    assert table.select("disparity", "is_reference", "gap_flagged").rows() == [
        (1.0, True, False),
        (0.25, False, True),  # 80% lies above B's interval
        (1.25, False, False),  # one child: the interval is too wide to say
        (None, False, False),  # no eligible child: no rate to compare
        (None, False, False),
        (0.0, False, True),
    ]


def test_a_named_reference_group_is_compared_with(monitored) -> None:
    candidates, people = monitored
    table = equality_table(candidates, people, "ethnicity", reference="Black")
    assert table.select("ethnicity", "disparity", "is_reference", "gap_flagged").rows() == [
        ("Asian", 4.0, False, True),
        ("Black", 1.0, True, False),
        ("Mixed", 5.0, False, True),  # the single child's interval (0.21, 1) excludes 20%
        ("Other", None, False, False),
        ("White", None, False, False),
        ("unknown", 0.0, False, False),
    ]


def test_a_reference_rate_of_zero_gives_no_disparity_ratio() -> None:
    candidates, people = population([("Asian", 12, 0), ("Black", 3, 3)])
    table = equality_table(candidates, people, "ethnicity")
    assert table.select("ethnicity", "disparity", "gap_flagged").rows()[:2] == [
        ("Asian", None, False),
        ("Black", None, True),
    ]


def test_a_tie_for_largest_group_takes_the_first_in_order() -> None:
    candidates, people = population([("White", 5, 1), ("Black", 5, 4)])
    table = equality_table(candidates, people, "ethnicity")
    assert table.filter("is_reference").get_column("ethnicity").to_list() == ["Black"]


def test_with_every_group_unknown_there_is_no_reference() -> None:
    candidates, people = population([(None, 4, 2)])
    table = equality_table(candidates, people, "ethnicity")
    assert table.select("ethnicity", "eligible", "disparity", "is_reference").rows() == [
        ("Asian", 0, None, False),
        ("Black", 0, None, False),
        ("Mixed", 0, None, False),
        ("Other", 0, None, False),
        ("White", 0, None, False),
        ("unknown", 4, None, False),
    ]


def test_the_table_is_aggregate_only(monitored) -> None:
    candidates, people = monitored
    table = equality_table(candidates, people, "ethnicity")
    assert "person_id" not in table.columns
    assert table.height == 6


def test_a_child_on_no_ones_record_is_unknown() -> None:
    candidates = pl.DataFrame(
        {"person_id": [None, "C1"], "tier": ["likely"] * 2, "already_funded": [False, True]},
        schema={"person_id": pl.String, "tier": pl.String, "already_funded": pl.Boolean},
    )
    people = pl.DataFrame({"person_id": ["C1"], "sex": ["F"]})
    table = equality_table(candidates, people, "sex")
    assert table.select("sex", "eligible", "funded").rows() == [
        ("F", 1, 1),
        ("M", 0, 0),
        ("unknown", 1, 0),
    ]


@pytest.mark.parametrize(
    ("field", "people", "reference", "message"),
    [
        ("postcode", pl.DataFrame({"person_id": ["C1"]}), None, "one of"),
        ("sex", pl.DataFrame({"person_id": ["C1"]}), None, "equality_monitoring=True"),
        ("sex", pl.DataFrame({"person_id": ["C1"], "sex": ["F"]}), "M", "has no eligible"),
    ],
)
def test_equality_table_explains_bad_arguments(field, people, reference, message) -> None:
    candidates = pl.DataFrame({"person_id": ["C1"], "tier": ["likely"], "already_funded": [True]})
    with pytest.raises(UsageError, match=message):
        equality_table(candidates, people, field, reference=reference)


def test_protect_equality_hides_small_groups() -> None:
    candidates, people = population(
        [("Asian", 20, 10), ("Black", 10, 2), ("Mixed", 1, 1), (None, 1, 0), ("  ", 1, 0)]
    )
    protected = protect_equality(equality_table(candidates, people, "ethnicity"))
    assert protected.safe
    # Every group is listed, and a group with no eligible child is hidden as a small one:
    # a 0 that later turned to `c` would tell a reader the group of the family that moved.
    assert protected.wide("eligible").rows() == [
        ("Asian", "20"),
        ("Black", "10"),
        ("Mixed", "c"),
        ("Other", "c"),
        ("White", "c"),
        ("unknown", "c"),
        ("Total", "33"),
    ]
    assert protected.wide("rate").rows() == [
        ("Asian", "50.0"),
        ("Black", "c"),  # 2 funded: too few to show, and so is the rate built on it
        ("Mixed", "c"),
        ("Other", "c"),
        ("White", "c"),
        ("unknown", "c"),
        ("Total", "39.4"),
    ]
    assert protected.notes[0] == (
        "eligible: 4 cell(s) hidden ('c'): counts from 0 to 9, and other cells where needed so "
        "that no hidden count can be worked out from what is published."
    )


def test_protect_equality_hides_a_group_whose_children_not_funded_are_few(monitored) -> None:
    # Group A: 16 of 20 funded, so 20 - 16 = 4 children of the group are not funded, a count
    # under the threshold found by one subtraction: its funded count is hidden, and its rate.
    candidates, people = monitored
    protected = protect_equality(equality_table(candidates, people, "ethnicity"))
    assert protected.safe
    eligible = protected.wide("eligible").get_column("eligible").to_list()
    assert eligible == ["20", "10", "c", "c", "c", "c", "33"]
    assert protected.wide("funded").rows() == [
        ("Asian", "c"),
        ("Black", "c"),
        ("Mixed", "c"),
        ("Other", "c"),
        ("White", "c"),
        ("unknown", "c"),  # a 0 too: no child of the group funded tells each family
        ("Total", "19"),
    ]
    assert protected.wide("rate").get_column("rate").to_list() == ["c"] * 6 + ["57.6"]


# --- the engine never reads the special-category fields ----------------------------------------

ENGINE_TABLES = ("people", "benefits", "child_statuses", "dwp_list", "funded_places")


class Days(TypedDict):
    """A term start and evidence date, given as keyword arguments."""

    term_start: date
    as_of: date


def scrambled(people: pl.DataFrame) -> pl.DataFrame:
    """Every special-category value changed: reversed, blanked, or replaced."""
    return people.with_columns(
        pl.col("sex").reverse(),
        pl.lit(None, pl.String).alias("ethnicity"),
        pl.lit("Klingon").alias("first_language"),
    )


def test_changing_special_category_fields_changes_no_list() -> None:
    tables = generate_council(households=3000, seed=5)
    assert set(EQUALITY_FIELDS) <= set(tables["people"].columns)
    rule_set = load_rule_set("two_year_old")
    inputs = {name: tables[name] for name in ENGINE_TABLES}
    kwargs: Days = {"term_start": date(2026, 9, 1), "as_of": date(2026, 8, 1)}
    original = assessment(inputs, rule_set, **kwargs)
    changed = assessment({**inputs, "people": scrambled(tables["people"])}, rule_set, **kwargs)
    assert original.candidates.height > 10  # a list worth comparing
    assert original.candidates.equals(changed.candidates)
    assert original.evidence.equals(changed.evidence)
    assert original.links.equals(changed.links)
    # ... while the equality table does see the change, so the scramble took effect.
    before = equality_table(original.candidates, tables["people"], "ethnicity")
    after = equality_table(changed.candidates, scrambled(tables["people"]), "ethnicity")
    assert after.filter(pl.col("eligible") > 0).get_column("ethnicity").to_list() == ["unknown"]
    assert before.filter(pl.col("eligible") > 0).height > 1


# --- invariants ---------------------------------------------------------------------------------

groups = st.lists(
    st.tuples(
        st.sampled_from(["likely", "possible"]),
        st.sampled_from(["F", "M", None, ""]),
        st.booleans(),
    ),
    min_size=1,
    max_size=50,
)


@settings(max_examples=60, deadline=None)
@given(rows=groups)
def test_rates_lie_in_their_intervals_and_the_reference_is_at_parity(rows) -> None:
    ids = [f"C{i}" for i in range(len(rows))]
    candidates = pl.DataFrame(
        {
            "person_id": ids,
            "tier": [row[0] for row in rows],
            "already_funded": [row[2] for row in rows],
        }
    )
    people = pl.DataFrame(
        {"person_id": ids, "sex": [row[1] for row in rows]},
        schema={"person_id": pl.String, "sex": pl.String},
    )
    table = equality_table(candidates, people, "sex")
    assert table.get_column("eligible").sum() == sum(row[0] == "likely" for row in rows)
    assert (table.get_column("funded") <= table.get_column("eligible")).all()
    assert table.get_column("rate").is_between(0.0, 1.0).all()
    assert (table.get_column("ci_lower") <= table.get_column("rate") + 1e-12).all()
    assert (table.get_column("rate") <= table.get_column("ci_upper") + 1e-12).all()
    reference = table.filter("is_reference")
    assert reference.height <= 1
    if reference.height and reference.get_column("rate").item() > 0:
        assert reference.select("disparity", "gap_flagged").row(0) == (1.0, False)


@pytest.mark.parametrize(
    ("groups", "measure"),
    [
        # every eligible child with a recorded group is in Group A (the unknown ones aside)
        ([("Asian", 30, 20), (None, 12, 3)], "eligible"),
        # every funded child is in Group A: knowing a child is funded tells its group
        ([("Asian", 30, 20), ("Black", 25, 0)], "funded"),
        # every child not funded is in Group B: knowing a child is not funded tells its group
        ([("Asian", 30, 30), ("Black", 25, 10)], "not_funded"),
    ],
)
def test_a_table_where_one_group_holds_all_is_not_safe(groups, measure) -> None:
    candidates, people = population(groups)
    protected = protect_equality(equality_table(candidates, people, "ethnicity"))
    assert not protected.safe
    reason = protected.notes[-1]
    assert reason.startswith(f"{measure}: every {measure.replace('_', ' ')} child whose ethnicity")
    assert "cannot be made safe" in reason
    assert "Group" not in reason  # naming the group would tell what the table hides


def test_groups_sharing_each_count_are_safe() -> None:
    candidates, people = population([("Asian", 30, 20), ("Black", 25, 10), (None, 12, 0)])
    assert protect_equality(equality_table(candidates, people, "ethnicity")).safe


def test_a_counts_only_equality_table_with_one_group_is_not_safe() -> None:
    table = pl.DataFrame({"sex": ["F", "unknown"], "eligible": [40, 12]})
    protected = protect_equality(table)
    assert protected.table.get_column("measure").unique().to_list() == ["eligible"]
    assert not protected.safe


# --- fixed groups ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "values", "expected"),
    [
        (
            "sex",
            ["F", " m ", "Female", "MALE", "X", "", None],
            ["F", "M", "F", "M"] + ["unknown"] * 3,
        ),
        (
            "ethnicity",
            [
                "White: English, Welsh, Scottish, Northern Irish or British",  # ONS 2021
                "Mixed or Multiple ethnic groups: White and Asian",
                "Asian or Asian British: Chinese",
                "Black, Black British, Caribbean or African: African",
                "Other ethnic group: Arab",
                "Any other White background",  # the 2011 wording
                "Chinese",
                "WBRI",  # DfE's school census codes
                "MWBC",
                "APKN",
                "BAFR",
                "CHNE",
                "OOTH",
                "REFU",
                "NOBT",
                "Not known",
                "Klingon",  # not recognised: unknown, never guessed
                "  ",
            ],
            ["White", "Mixed", "Asian", "Black", "Other", "White", "Asian", "White", "Mixed"]
            + ["Asian", "Black", "Asian", "Other"]
            + ["unknown"] * 5,
        ),
        (
            "first_language",
            ["English", "ENG", "ENB", "Polish", "OTH", "OTB", "NOT", "REF", "Refused", ""],
            ["English"] * 3 + ["Other than English"] * 3 + ["unknown"] * 4,
        ),
    ],
)
def test_values_are_classified_into_the_fixed_groups(field, values, expected) -> None:
    frame = pl.DataFrame({field: values}, schema={field: pl.String})
    assert frame.select(classify(field)).get_column(field).to_list() == expected
    assert set(expected) <= {*GROUPS[field], "unknown"}


def test_a_family_leaving_the_list_changes_no_row_of_the_published_table() -> None:
    # Run one: a single eligible child of mixed ethnicity. Run two: the family has left the
    # list. A row that appeared only while they were eligible, or a 0 in its place, would
    # tell a reader comparing the two runs the family's ethnicity; both runs show `c`.
    before, people = population([("White: Irish", 30, 20), ("Black", 12, 6), ("Mixed", 1, 0)])
    after = before.filter(pl.col("person_id") != "C042")
    assert before.height - after.height == 1
    published = [
        protect_equality(equality_table(candidates, people, "ethnicity"), rules=rules)
        for candidates in (before, after)
        for rules in (DisclosureRules(), DisclosureRules(round_to=5))
    ]
    assert all(table.safe for table in published)
    for table in published:
        rows = table.wide("eligible").rows()
        assert [label for label, _ in rows] == [*GROUPS["ethnicity"], "unknown", "Total"]
        assert dict(rows)["Mixed"] == "c"
        assert dict(table.wide("funded").rows())["Mixed"] == "c"
