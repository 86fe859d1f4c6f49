"""No recourse to public funds: children left off, or listed, only because the people table's
roles count the household's children (`workbench.eligibility.recount`), warned beside the
list and said by `explain`; the list itself keeps the contract's count (role `child`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.command import workbench
from tests.council import Council
from workbench.eligibility.assess import assess
from workbench.runs.unrecorded import roles_miscount_children

IN_WINDOW = date(2024, 3, 2)
ARGS = ("--initiative", "two_year_old", "--term-start", "2026-09-01", "--as-of", "2026-08-15")


def council() -> Council:
    """NRPF households outside London, savings nil, each with a two-year-old (role child) and
    one other member: the limits are £26,500 with one child and £30,600 with two or more."""
    c = Council()
    for n, other, born, role, income, london in [
        ("1", "S1", date(2016, 6, 10), "other", 30000.0, False),  # 10, not counted: warned
        ("2", "S2", date(2017, 1, 5), None, 30600.0, False),  # 9, no role, at the limit: warned
        ("3", "S3", date(2006, 6, 10), "child", 30000.0, False),  # 20, counted: listed, warned
        ("4", "S4", date(2016, 6, 10), "other", 40000.0, False),  # over both limits: silent
        ("5", "S5", date(2016, 6, 10), "child", 30000.0, False),  # rightly counted: listed
        ("6", "S6", date(2016, 6, 10), "other", 30000.0, True),  # London, one child: listed
        ("7", "S7", date(2010, 8, 15), "other", 30000.0, False),  # 16 that day: not a child
    ]:
        c.person(f"A{n}", f"H{n}", date(1990, 1, 1), role="parent_carer")
        c.person(f"C{n}", f"H{n}", IN_WINDOW, role="child")
        c.person(other, f"H{n}", born, role=role)
        c.household(f"H{n}", nrpf=True, income=income, savings=0.0, london=london)
    # A household with no young child, for the benefits file not to be empty.
    c.person("A9", "H9", date(1960, 1, 1), role="parent_carer")
    c.award("B9", "A9", "income_support")
    return c


def written(c: Council, data: Path, *, with_role: bool = True) -> Path:
    data.mkdir()
    for name, frame in c.tables(with_role=with_role).items():
        table = frame.collect()
        if table.is_empty() and name in ("dwp_list", "funded_places"):
            continue  # a council with none leaves the file out: given empty, it is warned of
        table.write_csv(data / f"{name}.csv", date_format="%Y-%m-%d")
    return data


WARNING = (
    "warning: 2 child(ren) in the age window are not listed under no_recourse_to_public_funds "
    "only because the household's children are counted by role: their household's income is "
    "over the limit for the members with role child, but within it if its members under 16 on "
    "2026-08-15 were counted, whatever their role: C1 (S1, role other, aged 10), C2 (S2, no "
    "role, aged 9); and 1 child(ren) in the age window are listed under "
    "no_recourse_to_public_funds only because a member with role child aged 16 or over is "
    "counted as a child: with only its members under 16 on 2026-08-15 counted, their "
    "household's income is over the limit: C3 (S3, counted as a child though aged 20). Check "
    "the people table's roles (parent_carer, child, other) and run again; `workbench explain "
    "--person ID` says it for each child"
)


def test_assess_warns_of_children_a_role_leaves_off_or_lists_and_keeps_the_list(tmp_path):
    data = written(council(), tmp_path / "data")
    out = tmp_path / "list.csv"
    done = workbench("assess", "--data", str(data), *ARGS, "--out", str(out), "--strict")
    assert done.returncode == 0, done.stderr  # a note: the list is right by the contract
    listed = pl.read_csv(out)
    # The contract's count: members with role child, of any age.
    assert listed.select("person_id", "tier", "reason_codes").rows() == [
        ("C3", "likely", "no_recourse_to_public_funds"),
        ("C5", "likely", "no_recourse_to_public_funds"),
        ("C6", "likely", "no_recourse_to_public_funds"),
    ]
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [WARNING]


@pytest.mark.slow
def test_explain_says_it_for_the_child_left_off_and_the_child_listed(tmp_path):
    data = written(council(), tmp_path / "data")
    left_off = workbench("explain", "--data", str(data), *ARGS, "--person", "C1")
    assert left_off.returncode == 0, left_off.stderr
    lines = left_off.stdout.splitlines()
    assert lines[0] == (
        "Child C1 (born 2 March 2024) is not listed for the term starting 1 September 2026: "
        "no criterion is met."
    )
    assert lines[4] == (
        "Children counted (no_recourse_to_public_funds): the household's income of £30,000 is "
        "over the £26,500 limit for 1 child, counting the members with role child, but within "
        "the £30,600 limit for 2 children if its members under 16 on 15 August 2026 were "
        "counted, whatever their role (S1, role other, aged 10, is not counted). Check the "
        "people table's roles and run again."
    )
    listed = workbench("explain", "--data", str(data), *ARGS, "--person", "C3")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[4] == (
        "Children counted (no_recourse_to_public_funds): the household's income of £30,000 is "
        "within the £30,600 limit for 2 children, counting the members with role child, but "
        "over the £26,500 limit for 1 child if only its members under 16 on 15 August 2026 "
        "were counted (S3, counted as a child though aged 20). Check the people table's roles "
        "and run again."
    )
    # Nothing said for a child whose count is right, nor one over every limit.
    for person in ("C4", "C5", "C6", "C7"):
        said = workbench("explain", "--data", str(data), *ARGS, "--person", person)
        assert said.returncode == 0, said.stderr
        assert "Children counted" not in said.stdout


def test_nothing_is_said_without_roles_or_without_a_household_in_question(tmp_path):
    # Without a role column the engine counts the members under 16 already.
    bare = written(council(), tmp_path / "bare", with_role=False)
    found = assess(bare, "two_year_old", term_start="2026-09-01", as_of="2026-08-15")
    # (S3, 20, and S7, 16, are not counted; C3 and C7 are over the one-child limit.)
    assert found.candidates["person_id"].to_list() == ["C1", "C2", "C5", "C6"]
    assert roles_miscount_children(found) == []
    # No household with the flag: one filter of the households, and nothing said.
    c = council()
    for row in c.rows["households"]:
        row["no_recourse_to_public_funds"] = False
    data = written(c, tmp_path / "data")
    found = assess(data, "two_year_old", term_start="2026-09-01", as_of="2026-08-15")
    assert found.candidates.is_empty()
    assert roles_miscount_children(found) == []


def test_free_school_meals_limits_do_not_depend_on_the_count(tmp_path):
    # Free school meals' NRPF limits are the same for one child as for two: nothing to say.
    c = council()
    c.person("K1", "H1", date(2017, 3, 1), role="other")  # school age, not counted
    data = written(c, tmp_path / "data")
    found = assess(data, "free_school_meals", term_start="2026-09-01", as_of="2026-08-15")
    assert roles_miscount_children(found) == []
