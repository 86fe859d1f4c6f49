"""The two-year-old offer on a hand-made council: exact lists, every reason code,
both tiers and every date boundary, each case a household of its own."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from tests.council import Council, rows
from workbench.eligibility.assess import evidence_text, partly_met
from workbench.eligibility.engine import assess, assessment
from workbench.linkage import LINKS_SCHEMA
from workbench.linkage.probabilistic import link_all
from workbench.rules import load_rule_set

RULES = load_rule_set("two_year_old")
TERM = date(2026, 9, 1)
ADULT = date(1990, 6, 15)
IN_WINDOW = date(2024, 3, 2)  # eligible from 1 April 2026 to 1 April 2027


def listed(council: Council, term=TERM, as_of=TERM, **kw):
    return rows(assess(council.tables(**kw), RULES, term_start=term, as_of=as_of))


def family(council: Council, n: str, child_born: date = IN_WINDOW, nino: str | None = None):
    """Household Hn: parent An (parent_carer) and child Cn."""
    council.person(f"A{n}", f"H{n}", ADULT, role="parent_carer", nino=nino)
    return council.person(f"C{n}", f"H{n}", child_born, role="child")


def test_every_parent_benefit_reason_code():
    c = Council()
    for n, benefit in enumerate(
        [
            "income_support",
            "jsa_income_based",
            "esa_income_related",
            "pension_credit_guarantee",
            "asylum_support",
        ],
        start=1,
    ):
        family(c, str(n))
        c.award(f"B{n}", f"A{n}", benefit)
    found = listed(c)
    assert found == [
        ("C1", None, "likely", "income_support", date(2026, 4, 1), False),
        ("C2", None, "likely", "jsa_income_based", date(2026, 4, 1), False),
        ("C3", None, "likely", "esa_income_related", date(2026, 4, 1), False),
        ("C4", None, "likely", "pension_credit_guarantee", date(2026, 4, 1), False),
        ("C5", None, "likely", "asylum_support", date(2026, 4, 1), False),
    ]


def test_universal_credit_threshold_and_missing_income():
    c = Council()
    for n, net in [("1", 15400.0), ("2", 15400.01), ("3", None), ("4", 0.0)]:
        family(c, n)
        c.award(f"B{n}", f"A{n}", "universal_credit", net=net)
    assert listed(c) == [
        ("C1", None, "likely", "universal_credit_low_income", date(2026, 4, 1), False),
        ("C3", None, "possible", "", date(2026, 4, 1), False),
        ("C4", None, "likely", "universal_credit_low_income", date(2026, 4, 1), False),
    ]


def test_awards_starting_and_ending_on_the_evidence_date():
    c = Council()
    cases = [
        ("1", TERM, None),
        ("2", date(2025, 1, 1), TERM),
        ("3", date(2025, 1, 1), date(2026, 8, 31)),
        ("4", date(2026, 9, 2), None),
    ]
    for n, start, end in cases:
        family(c, n)
        c.award(f"B{n}", f"A{n}", "income_support", start=start, end=end)
    assert [r[0] for r in listed(c)] == ["C1", "C2"]


@pytest.mark.parametrize(
    ("born", "eligible_from"),
    [
        (date(2024, 8, 31), date(2026, 9, 1)),  # 2nd birthday 31 Aug: from the next day
        (date(2024, 9, 1), None),  # 2nd birthday on the term start: not strictly before
        (date(2023, 12, 31), date(2026, 1, 1)),
        (date(2024, 1, 1), date(2026, 4, 1)),  # 2nd birthday on 1 Jan: from 1 April
        (date(2024, 3, 31), date(2026, 4, 1)),
        (date(2024, 4, 1), date(2026, 9, 1)),
        (date(2023, 9, 1), date(2026, 1, 1)),  # 3rd birthday on the term start: still in
        (date(2023, 8, 31), None),  # 3rd birthday 31 Aug: window closed on 1 September
        (date(2024, 2, 29), date(2026, 4, 1)),  # 29 February: 2nd birthday on 1 March 2026
    ],
)
def test_age_window_boundaries(born: date, eligible_from: date | None):
    c = Council()
    family(c, "1", child_born=born)
    c.award("B1", "A1", "income_support")
    found = listed(c)
    if eligible_from is None:
        assert found == []
    else:
        assert found == [("C1", None, "likely", "income_support", eligible_from, False)]


def test_window_closes_on_the_term_start_after_the_third_birthday_including_29_february():
    c = Council()
    family(c, "1", child_born=date(2024, 2, 29))
    c.award("B1", "A1", "income_support")
    # 3rd birthday falls on 1 March 2027: the window closes on 1 April 2027.
    out = assess(c.tables(), RULES, term_start=date(2027, 1, 1), as_of=date(2027, 1, 1))
    assert out["eligible_to"].to_list() == [date(2027, 4, 1)]
    assert assess(c.tables(), RULES, term_start=date(2027, 4, 1), as_of=date(2027, 4, 1)).is_empty()


def test_tax_credits_before_and_after_they_closed():
    c = Council()
    family(c, "1")  # CTC alone, low income
    c.award("B1", "A1", "child_tax_credit", gross=16190.0)
    family(c, "2")  # CTC with WTC in the household: not eligible
    c.award("B2", "A2", "child_tax_credit", gross=1000.0)
    c.award("W2", "A2", "working_tax_credit")
    family(c, "3")  # CTC, income missing: possible until the end date
    c.award("B3", "A3", "child_tax_credit")
    family(c, "4")
    c.award("B4", "A4", "wtc_run_on")
    family(c, "5")  # CTC just over the limit
    c.award("B5", "A5", "child_tax_credit", gross=16190.01)
    term = date(2025, 4, 1)
    born = date(2023, 3, 2)  # in the window on 1 April 2025
    for person in c.rows["people"]:
        if person["role"] == "child":
            person["date_of_birth"] = born
    before = listed(c, term=term, as_of=date(2025, 4, 5))
    assert before == [
        ("C1", None, "likely", "tax_credits_low_income", date(2025, 4, 1), False),
        ("C3", None, "possible", "", date(2025, 4, 1), False),
        ("C4", None, "likely", "wtc_run_on", date(2025, 4, 1), False),
    ]
    # Rules are those of the term targeted: a list for the term starting 1 April 2025 keeps
    # the tax-credit criteria, whenever the evidence is dated; for the term after, they are gone.
    assert listed(c, term=term, as_of=date(2025, 4, 6)) == before
    assert listed(c, term=date(2025, 9, 1), as_of=date(2025, 4, 5)) == []


def test_child_criteria():
    c = Council()
    family(c, "1")
    c.award("D1", "C1", "disability_living_allowance")
    family(c, "2")
    c.status("S2", "C2", "looked_after")
    family(c, "3")
    c.status("S3", "C3", "ehc_plan", end=date(2026, 8, 31))  # ended: not met
    family(c, "4")  # looked after, then adopted: left care
    c.status("L4", "C4", "looked_after", start=date(2024, 6, 1), end=date(2024, 12, 31))
    c.status("S4", "C4", "adoption_order", start=date(2025, 1, 1), end=date(2025, 2, 1))
    family(c, "5")
    c.status("S5", "C5", "special_guardianship_order", start=date(2026, 9, 2))  # not yet
    family(c, "6")
    c.award("D6", "A6", "disability_living_allowance")  # the parent's DLA does not count
    assert listed(c) == [
        ("C1", None, "likely", "disability_living_allowance", date(2026, 4, 1), False),
        ("C2", None, "likely", "looked_after", date(2026, 4, 1), False),
        ("C4", None, "likely", "left_care", date(2026, 4, 1), False),
    ]


def test_left_care_needs_a_care_history_before_the_order():
    c = Council()
    family(c, "1")  # an order and no care record: possible, the officer checks
    c.status("S1", "C1", "child_arrangements_order", start=date(2025, 3, 1))
    family(c, "2")  # looked after only after the order began: not left care through it
    c.status("S2", "C2", "special_guardianship_order", start=date(2025, 3, 1))
    c.status("L2", "C2", "looked_after", start=date(2025, 3, 1), end=date(2025, 4, 1))
    family(c, "3")  # looked after the day before the order: left care
    c.status("S3", "C3", "special_guardianship_order", start=date(2025, 3, 1))
    c.status("L3", "C3", "looked_after", start=date(2025, 2, 28), end=date(2025, 2, 28))
    family(c, "4")  # adopted from care elsewhere: the council's "previously looked after" record
    c.status("S4", "C4", "adoption_order", start=date(2025, 3, 1))
    c.status("P4", "C4", "previously_looked_after", start=date(2025, 3, 1))
    family(c, "5")  # a care history and no order: nothing about leaving care
    c.status("P5", "C5", "previously_looked_after", start=date(2025, 3, 1))
    found = assessment(c.tables(), RULES, term_start=TERM, as_of=TERM)
    assert rows(found.candidates) == [
        ("C1", None, "possible", "", date(2026, 4, 1), False),
        ("C2", None, "possible", "", date(2026, 4, 1), False),
        ("C3", None, "likely", "left_care", date(2026, 4, 1), False),
        ("C4", None, "likely", "left_care", date(2026, 4, 1), False),
    ]
    assert found.evidence.select("person_id", "record_id", "status").rows() == [
        ("C1", "S1", "care_history_missing"),
        ("C2", "S2", "care_history_missing"),
        ("C3", "L3", "met"),
        ("C3", "S3", "met"),
        ("C4", "P4", "met"),
        ("C4", "S4", "met"),
    ]
    # C2 has a care record, but only from the order on: the list must not say it has none.
    assert found.candidates.select(evidence_text()).to_series().to_list() == [
        "left_care (no care before the order): status S1",
        "left_care (no care before the order): status S2",
        "left_care: status L3; left_care: status S3",
        "left_care: status P4; left_care: status S4",
    ]


def test_continued_entitlement_keeps_a_child_whose_parent_award_ended():
    c = Council()
    family(c, "1")  # funded last term; the income support has ended since
    c.award("B1", "A1", "income_support", end=date(2026, 5, 31))
    c.funded("F1", "NameC1", IN_WINDOW, date(2026, 4, 1), "two_year_old")
    family(c, "2")  # a working-parent place last term does not continue this offer
    c.funded("F2", "NameC2", IN_WINDOW, date(2026, 4, 1), "working_parent")
    family(c, "3")  # funded this term only: already funded, nothing continues
    c.award("B3", "A3", "income_support")
    c.funded("F3", "NameC3", IN_WINDOW, TERM, "two_year_old")
    family(c, "4")  # funded last term and this one
    c.funded("F4a", "NameC4", IN_WINDOW, date(2026, 4, 1), "two_year_old")
    c.funded("F4b", "NameC4", IN_WINDOW, TERM, "two_year_old")
    found = assessment(c.tables(), RULES, term_start=TERM, as_of=date(2026, 8, 15))
    assert rows(found.candidates) == [
        ("C1", None, "likely", "continued_entitlement", date(2026, 4, 1), False),
        ("C3", None, "likely", "income_support", date(2026, 4, 1), True),
        ("C4", None, "likely", "continued_entitlement", date(2026, 4, 1), True),
    ]
    assert found.evidence.filter(pl.col("person_id") == "C4")["record_id"].to_list() == ["F4a"]


def test_an_earlier_place_awaiting_link_review_makes_the_child_possible():
    # C1's benefits have ended; its place of last term awaits a person's review of the link.
    # Confirmed, it continues the entitlement: the child is listed `possible`, not left off.
    c = Council()
    family(c, "1")
    c.award("B1", "A1", "income_support", end=date(2026, 5, 31))
    c.funded("F1", "NameC1", IN_WINDOW, date(2026, 4, 1), "two_year_old")
    family(c, "2")  # a linked earlier place as well: likely, no note about the other
    c.funded("F2a", "NameC2", IN_WINDOW, date(2026, 4, 1), "two_year_old")
    c.funded("F2b", "NameC2", IN_WINDOW, date(2026, 1, 1), "two_year_old")
    family(c, "3")  # a working-parent place awaiting review continues nothing
    c.funded("F3", "NameC3", IN_WINDOW, date(2026, 4, 1), "working_parent")
    links = pl.DataFrame(
        [
            ("funded_places", "F1", "C1", "clerical_review", 0.8, "splink"),
            ("funded_places", "F2a", "C2", "linked", 1.0, "child_name_dob"),
            ("funded_places", "F2b", "C2", "clerical_review", 0.8, "splink"),
            ("funded_places", "F3", "C3", "clerical_review", 0.8, "splink"),
        ],
        schema=LINKS_SCHEMA,
        orient="row",
    )
    found = assessment(c.tables(), RULES, term_start=TERM, as_of=TERM, links=links).candidates
    assert rows(found) == [
        ("C1", None, "possible", "", date(2026, 4, 1), False),
        ("C2", None, "likely", "continued_entitlement", date(2026, 4, 1), False),
    ]
    texts = found.select(evidence_text()).to_series().to_list()
    assert texts == [
        "continued_entitlement (link awaiting review): funded_places row F1",
        "continued_entitlement: funded_places row F2a",
    ]
    assert partly_met(texts[0]) == [("continued_entitlement", "link awaiting review")]


def test_a_working_parent_place_does_not_count_as_already_funded():
    c = Council()
    family(c, "1")
    c.award("B1", "A1", "income_support")
    c.funded("F1", "NameC1", IN_WINDOW, TERM, "working_parent")
    family(c, "2")  # on a working-parent place and not eligible: not listed
    c.funded("F2", "NameC2", IN_WINDOW, TERM, "working_parent")
    found = assess(c.tables(), RULES, term_start=TERM, as_of=TERM)
    assert rows(found) == [("C1", None, "likely", "income_support", date(2026, 4, 1), False)]
    assert found["working_parent_place"].to_list() == [True]


def test_a_child_with_two_places_in_a_term_is_funded_by_either():
    # DfE's census guidance: the disadvantaged 15 hours first, working-parent hours on top;
    # and a place may be split between two providers. Each row is one of the child's places.
    c = Council()
    family(c, "1")  # 15 hours and working-parent hours at one provider this term
    c.award("B1", "A1", "income_support")
    c.funded("F1a", "NameC1", IN_WINDOW, TERM, "two_year_old")
    c.funded("F1b", "NameC1", IN_WINDOW, TERM, "working_parent")
    family(c, "2")  # last term's two-year-old hours split between two providers
    c.funded("F2a", "NameC2", IN_WINDOW, date(2026, 4, 1), "two_year_old", provider="EY1")
    c.funded("F2b", "NameC2", IN_WINDOW, date(2026, 4, 1), "two_year_old", provider="EY2")
    found = assessment(c.tables(), RULES, term_start=TERM, as_of=TERM)  # the exact pass
    assert rows(found.candidates) == [
        ("C1", None, "likely", "income_support", date(2026, 4, 1), True),
        ("C2", None, "likely", "continued_entitlement", date(2026, 4, 1), False),
    ]
    assert found.candidates["working_parent_place"].to_list() == [True, False]
    evidence = found.evidence.filter(pl.col("person_id") == "C2")
    assert sorted(evidence["record_id"].to_list()) == ["F2a", "F2b"]


def test_a_child_with_two_mistyped_places_in_a_term_is_funded_with_splink():
    # Both of the child's rows of this term carry a slip in the forename, so the exact pass
    # leaves them and Splink links them: it too gives the child both places, whichever it
    # scores first, so the child is already funded and holds working-parent hours on top.
    c = Council()
    family(c, "1")
    c.award("B1", "A1", "income_support")
    c.funded("F1a", "NameC1", IN_WINDOW, TERM, "working_parent")
    c.funded("F1b", "NameC1", IN_WINDOW, TERM, "two_year_old")
    tables = c.tables()
    mistyped = tables["funded_places"].with_columns(child_forename=pl.lit("NmaeC1"))
    tables = {**tables, "funded_places": mistyped}
    links = link_all(tables)
    assert links.select("record_id", "person_id", "method").rows() == [
        ("F1a", "C1", "splink"),
        ("F1b", "C1", "splink"),
    ]
    found = assessment(tables, RULES, term_start=TERM, as_of=TERM, links=links).candidates
    assert rows(found) == [("C1", None, "likely", "income_support", date(2026, 4, 1), True)]
    assert found["working_parent_place"].to_list() == [True]


@pytest.mark.parametrize(
    ("income", "savings", "london", "children", "expected"),
    [
        (26500.0, 16000.0, False, 1, "likely"),  # at both limits
        (26500.01, 16000.0, False, 1, None),  # just over the income limit
        (26500.0, 16000.01, False, 1, None),  # just over the savings limit
        (30600.0, 0.0, False, 2, "likely"),  # two children: the higher limit
        (30600.01, 0.0, False, 2, None),
        (34500.0, 0.0, True, 1, "likely"),  # London, one child
        (38600.0, 0.0, True, 3, "likely"),  # London, two or more
        (38600.01, 0.0, True, 3, None),
        (34500.0, 0.0, None, 1, None),  # London not recorded: the limits outside London
        (None, 0.0, False, 1, "possible"),  # income not recorded: ask the family
        (20000.0, None, False, 1, "possible"),  # savings not recorded
        (30000.0, None, False, 1, None),  # over the income limit: missing savings change nothing
    ],
)
def test_no_recourse_to_public_funds_limits(income, savings, london, children, expected):
    c = Council()
    family(c, "1")
    for n in range(2, children + 1):
        c.person(f"K{n}", "H1", date(2020, 1, n), role="child")
    c.household("H1", nrpf=True, income=income, savings=savings, london=london)
    c.household("H2", nrpf=False, income=0.0, savings=0.0)  # not NRPF: no criterion
    family(c, "2")
    found = assess(c.tables(), RULES, term_start=TERM, as_of=TERM)
    tiers = dict(zip(found["person_id"], found["tier"], strict=True))
    assert tiers.get("C1") == expected and "C2" not in tiers
    if expected == "likely":
        assert found["reason_codes"].to_list() == [["no_recourse_to_public_funds"]]


@pytest.mark.parametrize(("income", "savings"), [(None, 0.0), (20000.0, None)])
def test_an_nrpf_household_with_income_or_savings_missing_says_so(income, savings):
    # The list says what to ask the family: not "income missing" when the savings are.
    c = Council()
    family(c, "1")
    c.household("H1", nrpf=True, income=income, savings=savings, london=False)
    found = assess(c.tables(), RULES, term_start=TERM, as_of=TERM)
    texts = found.select(evidence_text()).to_series().to_list()
    assert texts == ["no_recourse_to_public_funds (income or savings missing): households row H1"]
    assert partly_met(texts[0]) == [("no_recourse_to_public_funds", "income or savings missing")]


def test_no_recourse_to_public_funds_starts_with_the_term_of_september_2022():
    c = Council()
    family(c, "1", child_born=date(2020, 3, 2))  # in the window from 1 April 2022
    c.household("H1", nrpf=True, income=1000.0, savings=0.0)
    assert listed(c, term=date(2022, 4, 1), as_of=date(2022, 4, 1)) == []
    assert listed(c, term=date(2022, 9, 1), as_of=date(2022, 4, 1)) == [
        ("C1", None, "likely", "no_recourse_to_public_funds", date(2022, 4, 1), False)
    ]


def test_parents_and_carers_by_role_and_by_age_without_roles():
    c = Council()
    # H1: the income support is an older sibling's (role other): counts only without roles.
    c.person("A1", "H1", date(2010, 9, 1), role="other")  # 16 on 1 September 2026
    c.person("C1", "H1", IN_WINDOW, role="child")
    c.award("B1", "A1", "income_support")
    # H2: a 15-year-old's award never counts.
    c.person("A2", "H2", date(2010, 9, 2), role="other")
    c.person("C2", "H2", IN_WINDOW, role="child")
    c.award("B2", "A2", "income_support")
    assert listed(c) == []
    assert listed(c, with_role=False) == [
        ("C1", None, "likely", "income_support", date(2026, 4, 1), False),
    ]


def test_several_reasons_are_sorted_and_each_has_evidence():
    c = Council()
    family(c, "1")
    c.person("Z1", "H1", ADULT, role="parent_carer")
    c.award("B1", "Z1", "universal_credit", net=100.0)
    c.award("B2", "A1", "income_support")
    c.status("S1", "C1", "ehc_plan")
    found = assessment(c.tables(), RULES, term_start=TERM, as_of=TERM)
    assert rows(found.candidates) == [
        (
            "C1",
            None,
            "likely",
            "ehc_plan;income_support;universal_credit_low_income",
            date(2026, 4, 1),
            False,
        ),
    ]
    assert found.evidence.select("reason_code", "table", "record_id", "parent_carer_id").rows() == [
        ("ehc_plan", "child_statuses", "S1", None),
        ("income_support", "benefits", "B2", "A1"),
        ("universal_credit_low_income", "benefits", "B1", "Z1"),
    ]
    assert found.candidates["review_status"].to_list() == ["pending_review"]
    assert found.candidates["rule_set"].to_list() == [RULES.ref]


def test_dwp_list_matched_unmatched_and_funded_places():
    c = Council()
    family(c, "1", nino="AB123456C")  # matched by parent NINO and child date of birth
    c.dwp("D1", "NameC1", IN_WINDOW, "AB123456C")
    family(c, "2")  # on a benefit and funded this term
    c.award("B2", "A2", "income_support")
    c.funded("F2", "NameC2", IN_WINDOW, TERM, "two_year_old")
    family(c, "3")  # funded in another term only: already funded is for this term
    c.award("B3", "A3", "income_support")
    c.funded("F3", "NameC3", IN_WINDOW, date(2027, 1, 1), "two_year_old")
    c.dwp("D8", "Nobody", date(2024, 5, 5), "ZZ999999Z")  # matched to no one, in window
    c.dwp("D9", "Baby", date(2025, 5, 5), None)  # matched to no one, too young
    assert listed(c) == [
        ("C1", "D1", "likely", "dwp_list", date(2026, 4, 1), False),
        ("C2", None, "likely", "income_support", date(2026, 4, 1), True),
        ("C3", None, "likely", "income_support", date(2026, 4, 1), False),
        (None, "D8", "likely", "dwp_list", date(2026, 9, 1), False),
    ]


def test_rule_set_before_it_starts_is_refused():
    from workbench.errors import UsageError

    with pytest.raises(UsageError, match="starts on 2018-04-01"):
        assess(Council().tables(), RULES, term_start=date(2017, 9, 1), as_of=date(2017, 9, 1))


def test_a_dwp_row_awaiting_link_review_carries_its_proposed_match_and_nothing_else_does():
    c = Council()
    family(c, "1")  # C1: the DWP row D1 may be this child; the link awaits a person
    c.award("B1", "A1", "income_support")
    c.dwp("D1", "NameC1", IN_WINDOW, None)
    c.dwp("D2", "Zed", IN_WINDOW, None)  # matched to no one
    links = pl.DataFrame(
        [
            ("dwp_list", "D1", "C1", "clerical_review", 0.9731, "splink"),
            ("dwp_list", "D2", None, "not_linked", 0.02, "splink"),
        ],
        schema=LINKS_SCHEMA,
        orient="row",
    )
    found = assessment(c.tables(), RULES, term_start=TERM, as_of=TERM, links=links).candidates
    assert found.select(
        "person_id", "dwp_record_id", "link_needs_review", "probable_person_id", "match_probability"
    ).rows() == [
        ("C1", None, False, None, None),  # its own row: the proposal is not a match
        (None, "D1", True, "C1", 0.9731),
        (None, "D2", False, None, None),
    ]


def test_a_funded_place_awaiting_link_review_is_named_on_the_childs_row():
    c = Council()
    for n in "123":
        family(c, n)
        c.award(f"B{n}", f"A{n}", "income_support")
    c.funded("F1", "NameC1", IN_WINDOW, TERM, "two_year_old")  # this term: named
    c.funded("F2", "NameC1", IN_WINDOW, TERM, "two_year_old")  # a second: both named
    c.funded("F3", "NameC2", IN_WINDOW, date(2026, 4, 1), "two_year_old")  # an earlier term
    c.funded("F4", "NameC3", IN_WINDOW, TERM, "working_parent")  # not this offer's stream
    links = pl.DataFrame(
        [
            ("funded_places", f"F{n}", f"C{child}", "clerical_review", 0.8, "splink")
            for n, child in [(1, 1), (2, 1), (3, 2), (4, 3)]
        ],
        schema=LINKS_SCHEMA,
        orient="row",
    )
    found = assessment(c.tables(), RULES, term_start=TERM, as_of=TERM, links=links).candidates
    assert found.select("person_id", "already_funded", "funded_place_to_review").rows() == [
        ("C1", False, "F1;F2"),  # not funded until a person confirms the link
        ("C2", False, None),
        ("C3", False, None),
    ]
