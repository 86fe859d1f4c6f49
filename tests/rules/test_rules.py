"""Rule files: the schema catches mistakes with clear messages; dated values and in-force
periods; a fourth initiative needs only a rule file; the DWP list only for early years."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from tests.council import Council, rows
from workbench.eligibility.engine import assess
from workbench.errors import RuleFileError, UsageError
from workbench.rules import available_initiatives, load_rule_set, rules_folder
from workbench.rules.describe import describe_rule_set
from workbench.rules.model import restricted_sources

FOURTH = Path(__file__).parent / "holiday_activities_and_food.yaml"


def test_the_package_ships_four_initiatives():
    assert available_initiatives() == [
        "disability_access_fund",
        "early_years_pupil_premium",
        "free_school_meals",
        "two_year_old",
    ]


def test_thresholds_are_dated_values():
    uc = load_rule_set("two_year_old").criterion("universal_credit_low_income")
    assert uc.threshold_on(date(2018, 3, 31)) is None
    assert uc.threshold_on(date(2018, 4, 1)) == 15400.0
    fourth = load_rule_set(FOURTH).criterion("council_tax_reduction_low_income")
    assert fourth.threshold_on(date(2026, 3, 31)) == 20000.0
    assert fourth.threshold_on(date(2026, 4, 1)) == 21000.0


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        (date(2022, 4, 1), 0.60),
        (date(2023, 3, 31), 0.60),
        (date(2023, 4, 1), 0.62),  # DfE's 2023-24 operational guide, section 8.5
        (date(2024, 3, 31), 0.62),
        (date(2024, 4, 1), 0.68),
        (date(2025, 4, 1), 1.00),
        (date(2026, 4, 1), 1.15),
    ],
)
def test_the_eypp_hourly_rate_of_each_financial_year(day, rate):
    hourly = load_rule_set("early_years_pupil_premium").funding[0]
    assert hourly.name.startswith("EYPP hourly rate")
    assert hourly.value_on(day) == rate


def test_criteria_in_force_change_on_their_dates():
    fsm = load_rule_set("free_school_meals")
    codes = lambda day: [c.code for c in fsm.criteria_in_force(day)]  # noqa: E731
    assert "tax_credits_low_income" in codes(date(2025, 4, 5))
    assert "tax_credits_low_income" not in codes(date(2025, 4, 6))
    assert "universal_credit_low_income" in codes(date(2026, 8, 31))
    assert "universal_credit" not in codes(date(2026, 8, 31))
    assert "universal_credit" in codes(date(2026, 9, 1))
    # The targeted group stays in force beside the expanded one: it still brings pupil premium.
    assert "universal_credit_low_income" in codes(date(2026, 9, 1))


def test_a_fourth_initiative_needs_only_a_rule_file():
    rules = load_rule_set(FOURTH)
    c = Council()
    c.person("A1", "H1", date(1980, 1, 1))
    c.person("C1", "H1", date(2015, 1, 1))
    c.award("B1", "A1", "housing_benefit")
    c.person("A2", "H2", date(1980, 1, 1))
    c.person("C2", "H2", date(2016, 1, 1))
    c.award("B2", "A2", "council_tax_reduction", gross=20500.0)
    c.person("A3", "H3", date(2009, 1, 1))  # 17: not an adult under this rule set
    c.person("C3", "H3", date(2016, 1, 1))
    c.award("B3", "A3", "housing_benefit")
    tables = c.tables(with_role=False)
    on = lambda day: rows(assess(tables, rules, term_start=day, as_of=day))  # noqa: E731
    assert on(date(2026, 1, 5)) == [
        ("C1", None, "likely", "housing_benefit", date(2019, 9, 1), False),
    ]
    assert on(date(2026, 4, 13)) == [
        ("C1", None, "likely", "housing_benefit", date(2019, 9, 1), False),
        ("C2", None, "likely", "council_tax_reduction_low_income", date(2020, 9, 1), False),
    ]


def test_the_rules_are_described_in_plain_english_with_sources():
    text = describe_rule_set(load_rule_set("two_year_old"), date(2026, 9, 1))
    assert "£15,400 a year or less" in text
    assert "https://www.legislation.gov.uk/uksi/2018/146" in text
    assert "`tax_credits_low_income` (Child Tax Credit" in text  # listed as not in force
    assert "nothing here decides" in text


# The first day of each term of the 2026-27 school year, the year the package's rule files
# were checked for (DOMAIN: the 2026-27 rules), and of the next.
TERMS_2026_27 = [date(2026, 9, 1), date(2027, 1, 1), date(2027, 4, 1)]


@pytest.mark.parametrize("initiative", available_initiatives())
def test_each_package_rule_file_says_how_far_it_was_checked(initiative):
    rule_set = load_rule_set(initiative)
    assert rule_set.checked_through == date(2027, 8, 31)
    assert [rule_set.beyond_checked(term) for term in TERMS_2026_27] == [None] * 3
    assert rule_set.beyond_checked(date(2027, 8, 31)) is None
    assert rule_set.beyond_checked(date(2027, 9, 1)) == (
        f"{rule_set.ref} was checked against published sources for terms starting up to "
        "31 August 2027; the term starting 1 September 2027 is later, so a criterion, "
        "threshold or rate may have changed since. Check DfE's current guidance and, if "
        "anything has changed, use an updated rule file (--rules) or a newer workbench."
    )


def test_a_rule_file_need_not_say_how_far_it_was_checked():
    rule_set = load_rule_set(FOURTH)
    assert rule_set.checked_through is None
    assert rule_set.beyond_checked(date(2099, 9, 1)) is None
    assert "Not checked for this term" not in describe_rule_set(rule_set, date(2099, 9, 1))


def test_the_description_of_a_later_term_says_the_rules_were_not_checked_for_it():
    rule_set = load_rule_set("early_years_pupil_premium")
    later = date(2027, 9, 1)
    note = rule_set.beyond_checked(later)
    assert note is not None
    text = describe_rule_set(rule_set, later).splitlines()
    assert text[3] == f"**Not checked for this term:** {note}"
    assert "Not checked for this term" not in describe_rule_set(rule_set, date(2027, 4, 1))
    # The note is all that is added: checked further, the same term reads as before.
    checked = rule_set.model_copy(update={"checked_through": later})
    assert text[:3] + text[5:] == describe_rule_set(checked, later).splitlines()


def test_a_funding_amount_of_a_year_not_yet_checked_is_not_shown_as_known():
    rule_set = load_rule_set("disability_access_fund")
    (fund,) = rule_set.funding
    assert fund.checked_through == date(2027, 3, 31)
    assert (fund.known_on(date(2027, 1, 1)), fund.known_on(date(2027, 4, 1))) == (True, False)
    spring = describe_rule_set(rule_set, date(2027, 1, 1)).splitlines()
    summer = describe_rule_set(rule_set, date(2027, 4, 1)).splitlines()
    name = "- Disability Access Fund (a year, to one provider): "
    history = (
        " (history: £615 from 2017-04-01; £800 from 2022-04-01; £828 from 2023-04-01; £910 from "
        "2024-04-01; £938 from 2025-04-01; £975 from 2026-04-01)."
    )
    assert name + "£975 (pounds per year)" + history in spring
    assert (
        name + "not yet in the rule file for this term (amounts checked up to 31 March 2027; "
        "the last known: £975, pounds per year)" + history
    ) in summer
    # The list's rules were checked for the whole school year: only the amount is unknown.
    assert "Not checked for this term" not in "\n".join(summer)
    eypp = load_rule_set("early_years_pupil_premium")
    assert [f.checked_through for f in eypp.funding] == [date(2027, 3, 31)] * 2


def _broken(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(FOURTH.read_text())
    change(raw)
    path = tmp_path / FOURTH.name
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.update(colour="red"), "colour: Extra inputs are not permitted"),
        (lambda r: r["criteria"][0].pop("code"), "criteria.0.code: Field required"),
        (
            lambda r: r["criteria"][1].pop("threshold"),
            "a criterion of kind 'award_with_income_test' needs 'threshold'",
        ),
        (lambda r: r["criteria"][0].update(benefits=["child_benefit"]), "unknown benefit"),
        (lambda r: r["criteria"][1].update(code="housing_benefit"), "reason code(s) used twice"),
        (lambda r: r.update(id="something_else"), "must match the file name"),
        (
            lambda r: r.update(checked_through="2020-01-01"),
            "checked_through 2020-01-01 is before valid_from 2021-04-01",
        ),
        (
            lambda r: r["population"]["age_windows"][0]["starts"].update(term_starts=["13-01"]),
            "is not a day of the year",
        ),
    ],
)
def test_a_broken_rule_file_is_refused_naming_the_field(tmp_path, change, message):
    with pytest.raises(RuleFileError) as error:
        load_rule_set(_broken(tmp_path, change))
    assert message in str(error.value)
    assert "holiday_activities_and_food.yaml" in str(error.value)


def _reads_dwp(raw):
    raw["sources"].append("dwp_list")
    raw["criteria"].append(
        {
            "code": "dwp_list",
            "label": "DWP list",
            "applies_to": "child",
            "kind": "list_match",
            "list": "dwp_list",
            "text": "On the DWP list.",
            "reference": "https://www.legislation.gov.uk/ukpga/2006/21/section/13B",
        }
    )


def _fsm_reading_dwp(tmp_path: Path, purpose: str) -> Path:
    raw = yaml.safe_load((rules_folder() / "free_school_meals.yaml").read_text())
    _reads_dwp(raw)
    raw["purpose"] = purpose
    path = tmp_path / "free_school_meals.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_the_dwp_list_is_refused_outside_early_years(tmp_path):
    with pytest.raises(RuleFileError, match="'dwp_list' may be used only for"):
        load_rule_set(_broken(tmp_path, _reads_dwp))


def test_a_school_meals_rule_set_cannot_call_itself_early_years_to_read_the_dwp_list(tmp_path):
    with pytest.raises(RuleFileError, match="not by 'free_school_meals' for purpose"):
        load_rule_set(_fsm_reading_dwp(tmp_path, "early_years_provision"))


def test_a_policy_file_beside_a_rule_file_cannot_widen_the_dwp_list(tmp_path):
    (tmp_path / "_restricted_sources.yaml").write_text(
        "sources:\n  dwp_list:\n    purposes: [school]\n    text: anything\n    reference: x\n"
    )
    with pytest.raises(RuleFileError, match="may only record `commenced"):
        load_rule_set(_fsm_reading_dwp(tmp_path, "school"))


def test_an_unknown_purpose_is_refused(tmp_path):
    with pytest.raises(RuleFileError, match="purpose: 'early_years' is not one of the purposes"):
        load_rule_set(_broken(tmp_path, lambda r: r.update(purpose="early_years")))


def test_the_school_meals_data_sharing_entry_is_dated_off_and_can_be_switched_on(tmp_path):
    policy = restricted_sources()
    entry = policy.sources["dwp_free_school_meals"]
    assert entry["commenced"] is None and "section 33" in entry["text"]
    assert not policy.in_force("dwp_free_school_meals")
    (tmp_path / "_restricted_sources.yaml").write_text(
        "commenced:\n  dwp_free_school_meals: 2027-04-01\n"
    )
    switched = restricted_sources(tmp_path)
    assert not switched.in_force("dwp_free_school_meals", date(2027, 3, 31))
    assert switched.in_force("dwp_free_school_meals", date(2027, 4, 1))
    (tmp_path / "_restricted_sources.yaml").write_text("commenced:\n  dwp_list: 2027-04-01\n")
    with pytest.raises(RuleFileError, match="'dwp_list' is not a switchable entry"):
        restricted_sources(tmp_path)


def test_the_package_rule_sets_serve_the_purposes_the_dwp_list_allows():
    policy = restricted_sources()
    assert policy.initiatives("dwp_list") == [
        "disability_access_fund",
        "early_years_pupil_premium",
        "two_year_old",
    ]
    assert "offence" in policy.sources["dwp_list"]["text"]
    assert "disclos" in policy.sources["dwp_list"]["text"]


def test_unknown_initiative_names_the_known_ones():
    with pytest.raises(UsageError, match="expected one of: disability_access_fund"):
        load_rule_set("free_lunch")
