"""Free school meals and the Early Years Pupil Premium on hand-made councils: exact lists,
the September 2026 Universal Credit change on its effective date, school-year edges, and
EYPP's funded-place requirement, its dated age window and the Disability Access Fund."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from tests.council import Council, rows
from workbench.eligibility.assess import evidence_text
from workbench.eligibility.engine import age_group_on, assess
from workbench.rules import load_rule_set

FSM = load_rule_set("free_school_meals")
EYPP = load_rule_set("early_years_pupil_premium")
DAF = load_rule_set("disability_access_fund")
ADULT = date(1985, 1, 10)
TERM = date(2026, 9, 1)
PUPIL = date(2015, 5, 5)  # Year 6 in 2026/27
PUPIL_FROM = date(2019, 9, 1)


def family(c: Council, n: str, child_born: date):
    c.person(f"A{n}", f"H{n}", ADULT, role="parent_carer")
    return c.person(f"C{n}", f"H{n}", child_born, role="child")


def test_free_school_meals_universal_credit_before_and_on_the_change():
    c = Council()
    for n, net in [("1", 7400.0), ("2", 7400.01), ("3", None), ("4", 30000.0)]:
        family(c, n, PUPIL)
        c.award(f"B{n}", f"A{n}", "universal_credit", net=net)
    family(c, "5", PUPIL)
    c.award("B5", "A5", "income_support")
    summer = assess(c.tables(), FSM, term_start=date(2026, 4, 1), as_of=date(2026, 3, 15))
    assert rows(summer) == [
        ("C1", None, "likely", "universal_credit_low_income", date(2019, 9, 1), False),
        ("C3", None, "possible", "", date(2019, 9, 1), False),
        ("C5", None, "likely", "income_support", date(2019, 9, 1), False),
    ]
    assert summer["eligibility_group"].to_list() == ["targeted", None, "targeted"]
    # The list for the autumn term, prepared in August, applies the autumn's rules: both
    # groups, and a child earning £7,400 or less carries both codes.
    autumn = assess(c.tables(), FSM, term_start=TERM, as_of=date(2026, 8, 15))
    assert rows(autumn) == [
        ("C1", None, "likely", "universal_credit;universal_credit_low_income", PUPIL_FROM, False),
        ("C2", None, "likely", "universal_credit", PUPIL_FROM, False),
        ("C3", None, "likely", "universal_credit", PUPIL_FROM, False),
        ("C4", None, "likely", "universal_credit", PUPIL_FROM, False),
        ("C5", None, "likely", "income_support", PUPIL_FROM, False),
    ]
    assert autumn["eligibility_group"].to_list() == [
        "targeted",
        "expanded",
        "expanded",
        "expanded",
        "targeted",
    ]
    # C3's earnings are not recorded: expanded for sure, targeted unknown, and its evidence
    # says so (the targeted group still brings pupil premium).
    assert autumn.filter(pl.col("person_id") == "C3").select(evidence_text()).item() == (
        "universal_credit: award B3 of parent/carer A3; "
        "universal_credit_low_income (income missing): award B3 of parent/carer A3"
    )
    assert autumn.filter(pl.col("person_id") == "C2").select(evidence_text()).item() == (
        "universal_credit: award B2 of parent/carer A2"
    )


def test_free_school_meals_sixth_form_pupils_in_their_own_right():
    c = Council()
    sixth = date(2010, 3, 3)  # Year 11 in 2025/26, Year 12 in 2026/27
    family(c, "1", sixth)  # the pupil's own income support
    c.award("B1", "C1", "income_support")
    family(c, "2", sixth)  # the pupil's own Universal Credit, low earnings
    c.award("B2", "C2", "universal_credit", net=7400.0)
    family(c, "3", PUPIL)  # a Year 6 pupil's own award does not count
    c.award("B3", "C3", "income_support")
    family(c, "4", sixth)  # a parent's benefit counts in the sixth form too
    c.award("B4", "A4", "income_support")
    # In Year 11 a pupil's own award does not count: only over compulsory school age.
    summer = assess(c.tables(), FSM, term_start=date(2026, 4, 1), as_of=date(2026, 4, 1))
    assert rows(summer) == [("C4", None, "likely", "income_support", date(2014, 9, 1), False)]
    assert summer["age_group"].to_list() == ["year_3_to_11"]
    autumn = assess(c.tables(), FSM, term_start=TERM, as_of=TERM)
    assert rows(autumn) == [
        ("C1", None, "likely", "pupil_own_benefit", date(2014, 9, 1), False),
        (
            "C2",
            None,
            "likely",
            "pupil_universal_credit;pupil_universal_credit_low_income",
            date(2014, 9, 1),
            False,
        ),
        ("C4", None, "likely", "income_support", date(2014, 9, 1), False),
    ]
    assert autumn["age_group"].to_list() == ["sixth_form"] * 3
    assert autumn["eligibility_group"].to_list() == ["targeted"] * 3


def test_free_school_meals_transitional_protection_and_no_recourse_to_public_funds():
    c = Council()
    family(c, "1", PUPIL)
    c.status("T1", "C1", "fsm_transitional_protection", start=date(2024, 9, 1))
    family(c, "2", PUPIL)
    c.household("H2", nrpf=True, income=22700.0, london=False)
    family(c, "3", PUPIL)
    c.household("H3", nrpf=True, income=22700.01, london=False)
    family(c, "4", PUPIL)
    c.household("H4", nrpf=True, income=31500.0, london=True)
    family(c, "5", PUPIL)
    c.household("H5", nrpf=True, income=None)
    found = assess(c.tables(), FSM, term_start=TERM, as_of=TERM)
    assert rows(found) == [
        ("C1", None, "likely", "transitional_protection", PUPIL_FROM, False),
        ("C2", None, "likely", "no_recourse_to_public_funds", PUPIL_FROM, False),
        ("C4", None, "likely", "no_recourse_to_public_funds", PUPIL_FROM, False),
        ("C5", None, "possible", "", PUPIL_FROM, False),
    ]
    assert found["eligibility_group"].to_list() == [
        "targeted",
        "no_recourse_to_public_funds",
        "no_recourse_to_public_funds",
        None,
    ]


@pytest.mark.parametrize(
    ("born", "listed"),
    [
        (date(2022, 8, 31), True),  # youngest in Reception
        (date(2022, 9, 1), False),  # starts Reception next year
        (date(2010, 9, 1), True),  # oldest in Year 11
        (date(2010, 8, 31), True),  # left Year 11 in the summer: Year 12, sixth form
        (date(2008, 9, 1), True),  # oldest in Year 13
        (date(2008, 8, 31), False),  # left Year 13 in the summer
    ],
)
def test_free_school_meals_reception_to_year_13(born: date, listed: bool):
    c = Council()
    family(c, "1", born)
    c.award("B1", "A1", "income_support")
    found = assess(c.tables(), FSM, term_start=TERM, as_of=TERM)
    assert found.height == int(listed)


def test_free_school_meals_never_reads_the_dwp_list():
    c = Council()
    family(c, "1", PUPIL)
    c.dwp("D1", "NameC1", PUPIL, None)
    tables = c.tables()
    assert "dwp_list" not in FSM.sources
    assert assess(tables, FSM, term_start=TERM, as_of=TERM).is_empty()


def eypp_council() -> Council:
    c = Council()
    three = date(2023, 3, 3)  # three on 3 March 2026: funded from 1 April 2026
    family(c, "1", three)  # UC under 7,400 and funded this term
    c.award("B1", "A1", "universal_credit", net=7000.0)
    c.funded("F1", "NameC1", three, TERM, "universal_three_four")
    family(c, "2", three)  # same, but no funded place: not listed
    c.award("B2", "A2", "universal_credit", net=7000.0)
    family(c, "3", three)  # DLA is the Disability Access Fund's, not EYPP; an order, no care
    c.award("D3", "C3", "disability_living_allowance")
    c.status("S3", "C3", "adoption_order")
    c.funded("F3", "NameC3", three, TERM, "universal_three_four")
    family(c, "6", three)  # adopted from care: left care
    c.status("L6", "C6", "looked_after", start=date(2024, 1, 1), end=date(2024, 12, 31))
    c.status("S6", "C6", "adoption_order")
    c.funded("F6", "NameC6", three, TERM, "universal_three_four")
    two = date(2024, 5, 5)  # a two-year-old on the working-parent entitlement
    family(c, "4", two)
    c.award("B4", "A4", "universal_credit", net=1000.0)
    c.funded("F4", "NameC4", two, TERM, "working_parent")
    family(c, "5", three)  # UC above 7,400 even after September 2026: not listed
    c.award("B5", "A5", "universal_credit", net=9000.0)
    c.funded("F5", "NameC5", three, TERM, "universal_three_four")
    return c


def test_early_years_pupil_premium_needs_a_funded_place():
    found = rows(assess(eypp_council().tables(), EYPP, term_start=TERM, as_of=TERM))
    assert found == [
        # Since April 2024 the window opens the term after 9 months old.
        ("C1", None, "likely", "universal_credit_low_income", date(2024, 1, 1), True),
        ("C3", None, "possible", "", date(2024, 1, 1), True),
        ("C4", None, "likely", "universal_credit_low_income", date(2025, 4, 1), True),
        ("C6", None, "likely", "left_care", date(2024, 1, 1), True),
    ]


def test_early_years_pupil_premium_counts_a_place_split_between_providers_or_streams():
    c = Council()
    three = date(2023, 5, 1)
    family(c, "1", three)  # universal hours at two providers this term
    c.award("B1", "A1", "income_support")
    c.funded("F1a", "NameC1", three, TERM, "universal_three_four", provider="EY1")
    c.funded("F1b", "NameC1", three, TERM, "universal_three_four", provider="EY2")
    family(c, "2", three)  # universal hours with working-parent hours on top
    c.award("B2", "A2", "income_support")
    c.funded("F2a", "NameC2", three, TERM, "universal_three_four")
    c.funded("F2b", "NameC2", three, TERM, "working_parent")
    found = rows(assess(c.tables(), EYPP, term_start=TERM, as_of=TERM))
    assert found == [
        ("C1", None, "likely", "income_support", date(2024, 4, 1), True),
        ("C2", None, "likely", "income_support", date(2024, 4, 1), True),
    ]


def test_the_disability_access_fund_is_its_own_initiative():
    found = rows(assess(eypp_council().tables(), DAF, term_start=TERM, as_of=TERM))
    assert found == [
        ("C3", None, "likely", "disability_living_allowance", date(2024, 1, 1), True),
    ]


@pytest.mark.parametrize(
    ("term", "listed"),
    [
        (date(2025, 9, 1), True),  # deferred Reception: still in a funded early years place
        (date(2026, 1, 1), False),  # compulsory school age: a Reception pupil
    ],
)
def test_early_years_pupil_premium_runs_to_compulsory_school_age(term: date, listed: bool):
    c = Council()
    born = date(2020, 10, 15)  # five on 15 October 2025: compulsory school age from January
    family(c, "1", born)
    c.award("B1", "A1", "income_support")
    c.funded("F1", "NameC1", born, term, "universal_three_four")
    assert assess(c.tables(), EYPP, term_start=term, as_of=term).height == int(listed)


def test_early_years_pupil_premium_age_window_before_april_2024():
    c = Council()
    two = date(2021, 5, 5)  # two in the spring term of 2024
    family(c, "1", two)
    c.award("B1", "A1", "income_support", start=date(2023, 1, 1))
    c.funded("F1", "NameC1", two, date(2024, 1, 1), "two_year_old")
    c.funded("F2", "NameC1", two, date(2024, 4, 1), "two_year_old")
    # The window is the term's: 3- and 4-year-olds only for the spring term of 2024 ...
    before = assess(c.tables(), EYPP, term_start=date(2024, 1, 1), as_of=date(2024, 4, 1))
    assert before.is_empty()
    # ... every funded child from the summer term, whenever the evidence is dated.
    on = assess(c.tables(), EYPP, term_start=date(2024, 4, 1), as_of=date(2024, 3, 31))
    assert rows(on) == [("C1", None, "likely", "income_support", date(2022, 4, 1), True)]


@pytest.mark.parametrize(
    ("born", "group"),
    [
        (date(2022, 8, 31), "infant"),  # Reception
        (date(2019, 9, 1), "infant"),  # Year 2
        (date(2019, 8, 31), "year_3_to_11"),  # Year 3
        (date(2010, 9, 1), "year_3_to_11"),  # Year 11
    ],
)
def test_free_school_meals_shows_infants_separately(born: date, group: str):
    c = Council()
    family(c, "1", born)
    c.award("B1", "A1", "income_support")
    found = assess(c.tables(), FSM, term_start=TERM, as_of=TERM)
    assert found["age_group"].to_list() == [group]


def test_initiatives_without_age_groups_leave_the_column_empty():
    found = assess(eypp_council().tables(), EYPP, term_start=TERM, as_of=TERM)
    assert found["age_group"].null_count() == found.height > 0


def test_a_rule_set_of_one_age_group_puts_every_child_in_it():
    # The rule file's check allows a single group (no `ends`): every child is in it.
    groups = FSM.population.age_groups
    one = FSM.model_copy(
        update={"population": FSM.population.model_copy(update={"age_groups": groups[-1:]})}
    )
    for born in (date(2022, 8, 31), date(2015, 5, 5), date(2009, 1, 1)):
        assert age_group_on(one, born, TERM) == groups[-1].name
    assert age_group_on(FSM, date(2022, 8, 31), TERM) == "infant"
