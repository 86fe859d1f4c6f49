"""A term start a few days before one of the rules' own (a school's autumn term starting on
31 August): the list applies the rules and age window in force that day, as the contract says,
with a serious warning that names what the term about to start changes; `explain` says it too."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import polars as pl
import pytest

from tests.command import workbench
from tests.council import Council
from workbench.rules import load_rule_set
from workbench.runs.list_warnings import between_terms, just_before_a_term

FSM = load_rule_set("free_school_meals")
TWO = load_rule_set("two_year_old")
EYPP = load_rule_set("early_years_pupil_premium")

FSM_AUGUST = (
    "the term start 31 August 2026 is 1 day before 1 September 2026, a term start of the "
    "free_school_meals rules (1 September), and is not one itself: the list applies the rules "
    "in force on 31 August 2026 and the age window of the term that started on 1 September "
    "2025, so the children whose window opens on 1 September 2026 are not in it and those "
    "whose window closes then still are; what the rules change is not applied (on 1 September "
    "2026, universal_credit and pupil_universal_credit come into force). The rules are chosen "
    "by the term start given: if the list is for the term of the 2026/27 school year that the "
    "rules start on 1 September 2026 (a school's own term may start a few days earlier), give "
    "2026-09-01 as the term start"
)


def test_what_the_rules_change_on_a_day_comes_from_the_rule_file():
    assert FSM.changes_on(date(2026, 9, 1)) == [
        "universal_credit and pupil_universal_credit come into force"
    ]
    assert FSM.changes_on(date(2026, 2, 4)) == [
        "the household limits of no_recourse_to_public_funds start"
    ]
    assert TWO.changes_on(date(2025, 4, 6)) == ["tax_credits_low_income and wtc_run_on end"]
    assert EYPP.changes_on(date(2024, 4, 1)) == ["a new age window starts"]
    assert TWO.changes_on(date(2025, 4, 5)) == [] and FSM.changes_on(date(2026, 8, 31)) == []


def test_a_term_start_just_before_the_rules_term_start_is_said_with_the_changes():
    assert FSM.just_before_a_term(date(2026, 8, 31)) == FSM_AUGUST
    # 31 days before is within the notice, 32 is not; a term start of the rules is taken as
    # given (the April 2025 two-year-old list rightly applies tax credits, ending 5 April).
    assert FSM.just_before_a_term(date(2026, 8, 1)) is not None
    assert FSM.just_before_a_term(date(2026, 7, 31)) is None
    assert FSM.just_before_a_term(date(2026, 9, 1)) is None
    assert TWO.just_before_a_term(date(2025, 4, 1)) is None
    # A term after one of the rules' term starts is a term of its own (free school meals'
    # spring term): nothing to say, though a limit starts mid-term.
    assert FSM.just_before_a_term(date(2026, 1, 5)) is None
    # With no change on the way, the age window alone is said.
    assert TWO.just_before_a_term(date(2025, 3, 31)) == (
        "the term start 31 March 2025 is 1 day before 1 April 2025, a term start of the "
        "two_year_old rules (1 January, 1 April, 1 September), and is not one itself: the list "
        "applies the rules in force on 31 March 2025 and the age window of the term that "
        "started on 1 January 2025, so the children whose window opens on 1 April 2025 are not "
        "in it and those whose window closes then still are. The rules are chosen by the term "
        "start given: if the list is for the term of the 2024/25 school year that the rules "
        "start on 1 April 2025 (a school's own term may start a few days earlier), give "
        "2025-04-01 as the term start"
    )
    assert "(on 1 April 2024, a new age window starts)" in str(
        EYPP.just_before_a_term(date(2024, 3, 30))
    )


def test_between_terms_leaves_a_day_just_before_a_term_to_it():
    # The headcount's places for 1 April are an earlier term's for a list meant for
    # 1 September: "give 2026-04-01 as the term start" would be wrong advice.
    places = pl.DataFrame({"term_start": [date(2026, 4, 1)]})
    data = SimpleNamespace(tables={"funded_places": places}, lazy=lambda name: places.lazy())
    early = cast(Any, SimpleNamespace(rule_set=TWO, term_start=date(2026, 8, 31), data=data))
    assert between_terms(early) == []
    assert just_before_a_term(early) == [TWO.just_before_a_term(date(2026, 8, 31))]
    later = cast(Any, SimpleNamespace(rule_set=TWO, term_start=date(2026, 7, 20), data=data))
    assert just_before_a_term(later) == []
    assert between_terms(later)[0].startswith("the term start 2026-07-20 is not a term start")


@pytest.fixture(scope="module")
def school(tmp_path_factory) -> Path:
    """A school-age child on Universal Credit above £7,400 (the expanded group from September
    2026), a child starting Reception in September 2026 and one leaving Year 13 in July 2026,
    the others' parents on Income Support."""
    c = Council()
    c.person("A1", "H1", date(1990, 1, 1), role="parent_carer")
    c.person("K1", "H1", date(2018, 5, 1), role="child")
    c.award("B1", "A1", "universal_credit", net=20000.0)
    c.person("A2", "H2", date(1990, 1, 1), role="parent_carer")
    c.person("R2", "H2", date(2022, 3, 1), role="child")  # Reception from September 2026
    c.person("Y2", "H2", date(2008, 3, 1), role="child")  # 18; left Year 13 in July 2026
    c.award("B2", "A2", "income_support")
    data = tmp_path_factory.mktemp("school")
    for name, frame in c.tables().items():
        frame.collect().write_csv(data / f"{name}.csv", date_format="%Y-%m-%d")
    return data


def fsm(data: Path, term: str, out: Path, *more: str):
    return workbench(
        "assess",
        "--data",
        str(data),
        "--initiative",
        "free_school_meals",
        "--term-start",
        term,
        "--as-of",
        "2026-08-15",
        "--out",
        str(out),
        *more,
    )


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_assess_for_31_august_keeps_its_list_warns_and_fails_strict(school, tmp_path):
    done = fsm(school, "2026-08-31", tmp_path / "august.csv", "--strict")
    assert done.returncode == 3
    # The list is the contract's for that day: last year's rules and age window.
    assert pl.read_csv(tmp_path / "august.csv").select("person_id", "reason_codes").rows() == [
        ("Y2", "income_support")
    ]
    assert f"warning: {FSM_AUGUST}\n" in done.stderr
    # The term start the rules meant: the expanded group and the new Reception year.
    right = fsm(school, "2026-09-01", tmp_path / "september.csv", "--strict")
    assert right.returncode == 0, right.stderr
    assert pl.read_csv(tmp_path / "september.csv").select("person_id", "reason_codes").rows() == [
        ("K1", "universal_credit"),
        ("R2", "income_support"),
    ]
    assert "is not one itself" not in right.stderr


def test_explain_says_it_among_its_lines(school):
    done = workbench(
        "explain",
        "--data",
        str(school),
        "--initiative",
        "free_school_meals",
        "--term-start",
        "2026-08-31",
        "--as-of",
        "2026-08-15",
        "--person",
        "K1",
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "Child K1 (born 1 May 2018) is not listed for the term starting 31 August 2026: no "
        "criterion is met."
    )
    assert lines[2] == f"Term start: {FSM_AUGUST}."
