"""`workbench explain`: why a person is or is not listed, in words an officer reads.

Hand-made households with the exact lines expected, and a check on synthetic councils that the
explanation says what the list says (listed, tier, reason codes) for every listed child and for
unlisted ones, and that its findings account for the reason codes.
"""

from __future__ import annotations

from datetime import date
from typing import TypedDict

import polars as pl
import pytest

from workbench.data.schema import TABLES
from workbench.eligibility.assess import assess
from workbench.eligibility.engine import EngineResult, assessment, window_links
from workbench.eligibility.explain import Explanation, explain_assessed, explain_person
from workbench.eligibility.terms import in_window
from workbench.errors import UsageError, WorkbenchError
from workbench.linkage import LINKS_SCHEMA
from workbench.rules import load_rule_set
from workbench.synth import generate_council

TWO = load_rule_set("two_year_old")
EYPP = load_rule_set("early_years_pupil_premium")
TERM = date(2026, 9, 1)
AS_OF = date(2026, 8, 1)
PARENT = ("P1", "H1", "Ada", "Lee", date(1990, 5, 1), "parent_carer")
CHILD = ("P2", "H1", "Mo", "Lee", date(2024, 3, 2), "child")
PEOPLE_COLUMNS = ("person_id", "household_id", "forename", "surname", "date_of_birth", "role")
AWARD_SCHEMA = {
    "award_id": pl.String,
    "person_id": pl.String,
    "benefit": pl.String,
    "start_date": pl.Date,
    "end_date": pl.Date,
    "net_earned_income": pl.Float64,
    "gross_income": pl.Float64,
}
STATUS_SCHEMA = {
    "status_id": pl.String,
    "person_id": pl.String,
    "status": pl.String,
    "start_date": pl.Date,
    "end_date": pl.Date,
}


def people(*rows: tuple, role: bool = True) -> pl.LazyFrame:
    columns = PEOPLE_COLUMNS if role else PEOPLE_COLUMNS[:-1]
    return pl.LazyFrame([r[: len(columns)] for r in rows], schema=columns, orient="row")


def award(
    award_id: str,
    person_id: str,
    benefit: str,
    start: date = date(2025, 1, 6),
    end: date | None = None,
    net: float | None = None,
    gross: float | None = None,
) -> tuple:
    return (award_id, person_id, benefit, start, end, net, gross)


def awards(*rows: tuple) -> pl.LazyFrame:
    return pl.LazyFrame(list(rows), schema=AWARD_SCHEMA, orient="row")


def explain(
    benefits: pl.LazyFrame,
    person: pl.LazyFrame | None = None,
    *,
    rules=TWO,
    person_id: str = "P2",
    term_start: date = TERM,
    as_of: date = AS_OF,
    **more: pl.LazyFrame,
) -> Explanation:
    tables = {"people": person if person is not None else people(PARENT, CHILD)}
    tables |= {"benefits": benefits, **more}
    return explain_person(tables, rules, person_id=person_id, term_start=term_start, as_of=as_of)


def line(found: Explanation, code: str) -> str:
    """The line of `to_text` for one reason code."""
    (text,) = [t for t in found.to_text().splitlines() if t[2:].startswith(f"{code}:")]
    return text


def test_likely_child_via_universal_credit_low_income_reads_in_full() -> None:
    found = explain(awards(award("A1", "P1", "universal_credit", net=12000)))
    assert found.to_text().splitlines() == [
        "Child P2 (born 2 March 2024) is listed for the term starting 1 September 2026: "
        "tier likely.",
        "Rules in force for the term starting 1 September 2026 (rule set "
        "two_year_old@2026.12.4); evidence as on 1 August 2026.",
        "Age: in the window from 1 April 2026 to 1 April 2027.",
        "Parents and carers in the household: P1.",
        "Funded place: none matched for the term starting 1 September 2026.",
        "✗ income_support: no parent or carer has an Income Support award active on 1 August 2026.",
        "✗ jsa_income_based: no parent or carer has an income-based Jobseeker's Allowance "
        "award active on 1 August 2026.",
        "✗ esa_income_related: no parent or carer has an income-related Employment and "
        "Support Allowance award active on 1 August 2026.",
        "✓ universal_credit_low_income: parent/carer P1 gets Universal Credit (award A1) with "
        "take-home pay of £12,000, at or under the £15,400 limit.",
        "✗ tax_credits_low_income: not in force for the term starting 1 September 2026 (it "
        "applies from 1 April 2018 to 5 April 2025).",
        "✗ wtc_run_on: not in force for the term starting 1 September 2026 (it applies from "
        "1 April 2018 to 5 April 2025).",
        "✗ pension_credit_guarantee: no parent or carer has a guarantee Pension Credit award "
        "active on 1 August 2026.",
        "✗ asylum_support: no parent or carer has an asylum support award active on 1 August 2026.",
        "✗ disability_living_allowance: the child has no Disability Living Allowance award "
        "active on 1 August 2026.",
        "✗ looked_after: the child has no record of being looked after active on 1 August 2026.",
        "✗ ehc_plan: the child has no record of an EHC plan active on 1 August 2026.",
        "✗ left_care: the child has no record of a special guardianship order, a child "
        "arrangements order or an adoption order that started on or before 1 August 2026.",
        "✗ continued_entitlement: the child had no funded two-year-old place in an earlier term.",
        "✗ no_recourse_to_public_funds: no household record that the family has no recourse "
        "to public funds.",
        "✗ dwp_list: the child is not matched to any row of the DWP list.",
    ]
    assert (found.listed, found.tier, found.reason_codes) == (
        True,
        "likely",
        ("universal_credit_low_income",),
    )
    assert (found.eligible_from, found.eligible_to, found.in_window) == (
        date(2026, 4, 1),
        date(2027, 4, 1),
        True,
    )
    assert found.parent_carers == ("P1",)


def test_universal_credit_income_above_the_limit_is_named_with_amount_and_limit() -> None:
    found = explain(awards(award("A1", "P1", "universal_credit", net=15400.01)))
    assert found.to_text().splitlines()[0] == (
        "Child P2 (born 2 March 2024) is not listed for the term starting 1 September 2026: "
        "no criterion is met."
    )
    assert line(found, "universal_credit_low_income") == (
        "✗ universal_credit_low_income: parent/carer P1 gets Universal Credit (award A1) with "
        "take-home pay of £15,400.01, above the £15,400 limit."
    )
    assert (found.listed, found.tier, found.reason_codes) == (False, None, ())


def test_universal_credit_income_exactly_at_the_limit_meets_it() -> None:
    found = explain(awards(award("A1", "P1", "universal_credit", net=15400)))
    assert line(found, "universal_credit_low_income") == (
        "✓ universal_credit_low_income: parent/carer P1 gets Universal Credit (award A1) with "
        "take-home pay of £15,400, at or under the £15,400 limit."
    )
    assert found.tier == "likely"


def test_award_that_ended_the_day_before_as_of_is_named_with_its_end_date() -> None:
    found = explain(awards(award("A1", "P1", "income_support", end=date(2026, 7, 31))))
    assert line(found, "income_support") == (
        "✗ income_support: no parent or carer has an Income Support award active on "
        "1 August 2026: award A1 of parent/carer P1 ended on 31 July 2026."
    )
    assert not found.listed


def test_award_starting_the_day_after_as_of_is_named_with_its_start_date() -> None:
    found = explain(awards(award("A1", "P1", "income_support", start=date(2026, 8, 2))))
    assert line(found, "income_support") == (
        "✗ income_support: no parent or carer has an Income Support award active on "
        "1 August 2026: award A1 of parent/carer P1 starts on 2 August 2026."
    )


def test_award_ending_on_as_of_still_counts() -> None:
    found = explain(awards(award("A1", "P1", "income_support", end=AS_OF)))
    assert line(found, "income_support") == (
        "✓ income_support: parent/carer P1 gets Income Support (award A1)."
    )
    assert found.reason_codes == ("income_support",)


def test_child_born_too_late_is_outside_the_window_and_says_when_it_opens() -> None:
    born_on_term_day = ("P2", "H1", "Mo", "Lee", date(2024, 9, 1), "child")
    found = explain(awards(award("A1", "P1", "income_support")), people(PARENT, born_on_term_day))
    lines = found.to_text().splitlines()
    assert lines[0] == (
        "Child P2 (born 1 September 2024) is not listed for the term starting "
        "1 September 2026: outside the age window."
    )
    assert lines[2] == "Age: not yet in the window on 1 September 2026; it opens on 1 January 2027."
    # The criterion holds, but the window rules the child out: the list has no reason codes.
    assert line(found, "income_support") == (
        "✓ income_support: parent/carer P1 gets Income Support (award A1)."
    )
    assert (found.listed, found.reason_codes, found.in_window) == (False, (), False)


def test_child_born_a_day_earlier_is_in_the_window() -> None:
    born = ("P2", "H1", "Mo", "Lee", date(2024, 8, 31), "child")
    found = explain(awards(award("A1", "P1", "income_support")), people(PARENT, born))
    assert found.to_text().splitlines()[2] == (
        "Age: in the window from 1 September 2026 to 1 September 2027."
    )
    assert found.listed


def test_child_past_the_window_says_when_it_closed() -> None:
    born = ("P2", "H1", "Mo", "Lee", date(2023, 3, 31), "child")
    found = explain(awards(award("A1", "P1", "income_support")), people(PARENT, born))
    assert found.to_text().splitlines()[2] == (
        "Age: past the window on 1 September 2026; it closed on 1 April 2026."
    )
    assert not found.listed


CTC_CHILD = ("P2", "H1", "Mo", "Lee", date(2023, 3, 2), "child")
OTHER_PARENT = ("P3", "H1", "Sam", "Lee", date(1989, 1, 1), "parent_carer")


class Days(TypedDict):
    """A term start and evidence date, given as keyword arguments."""

    term_start: date
    as_of: date


TAX_CREDIT_DAYS: Days = {"term_start": date(2025, 4, 1), "as_of": date(2025, 3, 1)}


def test_child_tax_credit_is_barred_by_working_tax_credit() -> None:
    found = explain(
        awards(
            award("A1", "P1", "child_tax_credit", start=date(2024, 4, 6), gross=12000),
            award("A2", "P3", "working_tax_credit", start=date(2024, 4, 6), gross=12000),
        ),
        people(PARENT, CTC_CHILD, OTHER_PARENT),
        **TAX_CREDIT_DAYS,
    )
    lines = found.to_text().splitlines()
    assert lines[0] == (
        "Child P2 (born 2 March 2023) is not listed for the term starting 1 April 2025: "
        "no criterion is met."
    )
    assert lines[3] == "Parents and carers in the household: P1, P3."
    assert line(found, "tax_credits_low_income") == (
        "✗ tax_credits_low_income: parent/carer P1 gets Child Tax Credit (award A1), but "
        "parent/carer P3 also gets Working Tax Credit (award A2), which rules this criterion out."
    )


def test_child_tax_credit_without_working_tax_credit_meets_the_test() -> None:
    found = explain(
        awards(award("A1", "P1", "child_tax_credit", start=date(2024, 4, 6), gross=16190)),
        people(PARENT, CTC_CHILD, OTHER_PARENT),
        **TAX_CREDIT_DAYS,
    )
    assert line(found, "tax_credits_low_income") == (
        "✓ tax_credits_low_income: parent/carer P1 gets Child Tax Credit (award A1) with "
        "gross income of £16,190, at or under the £16,190 limit."
    )
    assert found.reason_codes == ("tax_credits_low_income",)


def test_missing_universal_credit_income_makes_the_child_possible() -> None:
    found = explain(awards(award("A1", "P1", "universal_credit")))
    assert found.to_text().splitlines()[0] == (
        "Child P2 (born 2 March 2024) is listed for the term starting 1 September 2026: "
        "tier possible."
    )
    assert line(found, "universal_credit_low_income") == (
        "? universal_credit_low_income: parent/carer P1 gets Universal Credit (award A1) but "
        "the take-home pay is missing, so the income test cannot be applied: ask the family."
    )
    assert (found.listed, found.tier, found.reason_codes) == (True, "possible", ())


def test_without_roles_every_other_household_member_old_enough_is_a_parent_or_carer() -> None:
    teenager = ("P3", "H1", "Jo", "Lee", date(2010, 8, 2))  # 16 on 2 August 2026
    found = explain(
        awards(award("A1", "P3", "income_support")),
        people(PARENT, CHILD, teenager, role=False),
    )
    assert found.to_text().splitlines()[3] == (
        "Parents and carers in the household (the data has no roles, so everyone else old "
        "enough): P1."
    )
    assert line(found, "income_support").startswith("✗ income_support: no parent or carer")


def test_child_criteria_read_the_childs_own_award_and_statuses() -> None:
    statuses = pl.LazyFrame(
        [
            ("S1", "P2", "looked_after", date(2025, 3, 3), None),
            ("S2", "P2", "adoption_order", date(2026, 8, 2), None),
        ],
        schema=STATUS_SCHEMA,
        orient="row",
    )
    found = explain(
        awards(award("A9", "P2", "disability_living_allowance")), child_statuses=statuses
    )
    assert line(found, "disability_living_allowance") == (
        "✓ disability_living_allowance: the child gets Disability Living Allowance (award A9)."
    )
    assert line(found, "looked_after") == (
        "✓ looked_after: the child has a record of being looked after (record S1, "
        "from 3 March 2025)."
    )
    assert line(found, "left_care") == (
        "✗ left_care: the child has no record of a special guardianship order, a child "
        "arrangements order or an adoption order that started on or before 1 August 2026: "
        "record S2 starts on 2 August 2026."
    )
    assert found.reason_codes == ("disability_living_allowance", "looked_after")


def _links(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=LINKS_SCHEMA, orient="row")


@pytest.mark.parametrize(
    ("band", "expected", "listed"),
    [
        ("linked", "✓ dwp_list: the child is matched to row D1 of the DWP list.", True),
        (
            "clerical_review",
            "✗ dwp_list: a possible match to row D1 of the DWP list awaits review; it counts "
            "only once a person confirms it.",
            False,
        ),
    ],
)
def test_dwp_list_match_and_a_match_awaiting_review(band: str, expected: str, listed: bool) -> None:
    tables = {"people": people(PARENT, CHILD), "benefits": awards()}
    links = _links(("dwp_list", "D1", "P2", band, 0.9, "test"))
    found = explain_person(tables, TWO, person_id="P2", term_start=TERM, as_of=AS_OF, links=links)
    assert line(found, "dwp_list") == expected
    assert found.listed is listed


def _funded_place(forename: str) -> pl.LazyFrame:
    return pl.LazyFrame(
        {
            "record_id": ["F1"],
            "provider_id": ["PR1"],
            "term_start": [TERM],
            "child_forename": [forename],
            "child_surname": ["Lee"],
            "child_date_of_birth": [date(2024, 3, 2)],
            "funding_stream": ["two_year_old"],
        }
    )


def test_a_place_of_a_child_outside_the_window_is_not_said_to_be_missing() -> None:
    # Only the window's children are matched to the headcount: a two-year-old's place in
    # 2023-24, before EYPP reached two-year-olds, was not looked for, not found missing.
    autumn = date(2023, 9, 1)
    tables = {
        "people": people(PARENT, (*CHILD[:4], date(2021, 5, 5), *CHILD[5:])),
        "benefits": awards(award("A1", "P1", "income_support", start=date(2022, 1, 1))),
        "funded_places": _funded_place("Mo").with_columns(
            term_start=pl.lit(autumn), child_date_of_birth=pl.lit(date(2021, 5, 5))
        ),
    }
    links = window_links(tables, EYPP, term_start=autumn, as_of=autumn)  # as `assess` links
    found = assessment(tables, EYPP, term_start=autumn, as_of=autumn, links=links)
    lines = explain_assessed(found, tables, person_id="P2").to_text().splitlines()
    assert lines[0] == (
        "Child P2 (born 5 May 2021) is not listed for the term starting 1 September 2023: "
        "outside the age window."
    )
    assert lines[4] == (
        "Funded place: not looked for, as the child is outside the age window (only children in "
        "it are matched to the providers' headcount for the term starting 1 September 2023)."
    )


def test_pupil_premium_needs_a_funded_place() -> None:
    benefits = awards(award("A1", "P1", "income_support"))
    unfunded = explain(benefits, rules=EYPP, funded_places=_funded_place("Someone"))
    assert unfunded.to_text().splitlines()[0] == (
        "Child P2 (born 2 March 2024) is not listed for the term starting 1 September 2026: "
        "no funded place for the term."
    )
    assert unfunded.to_text().splitlines()[4] == (
        "Funded place: none matched for the term starting 1 September 2026; this initiative "
        "lists only children with a funded place."
    )
    funded = explain(benefits, rules=EYPP, funded_places=_funded_place("Mo"))
    assert funded.to_text().splitlines()[4] == (
        "Funded place: matched to funded-place row F1 for the term starting 1 September 2026."
    )
    assert (funded.listed, funded.tier, funded.reason_codes) == (
        True,
        "likely",
        ("income_support",),
    )


def test_the_childs_places_dated_off_a_term_start_are_named_with_why_they_did_not_count():
    # A tester's case: the provider dated the place with the first day of school (7
    # September), and the child was left off EYPP with "none matched" and nothing more. A
    # two-year-old place of an earlier term dated so is named too (EYPP reads no earlier
    # place); another child's place so dated is not.
    def dated(record: str, forename: str, day: date, stream: str) -> pl.LazyFrame:
        return _funded_place(forename).with_columns(
            record_id=pl.lit(record), term_start=pl.lit(day), funding_stream=pl.lit(stream)
        )

    places = pl.concat(
        [
            dated("F1", "Mo", date(2026, 9, 7), "universal_three_four"),
            dated("F2", "Mo", date(2026, 1, 5), "two_year_old"),
            dated("F3", "Someone", date(2026, 9, 7), "universal_three_four"),
        ]
    )
    found = explain(awards(award("A1", "P1", "income_support")), rules=EYPP, funded_places=places)
    assert (found.listed, found.funded_place) == (False, None)  # the list as the rules make it
    assert found.to_text().splitlines()[4] == (
        "Funded place: none matched for the term starting 1 September 2026; this initiative "
        "lists only children with a funded place. The providers' headcount has places naming "
        "the child dated on a day that is no term start of the early_years_pupil_premium rules "
        "(terms start on 1 January, 1 April and 1 September): row F2, a two-year-old place "
        "dated 5 January 2026; row F1, a universal 3 and 4 year old place dated 7 September "
        "2026, within this term. A place is for the term whose start it is dated, and the "
        "workbench does not guess which term is meant, so they count for no term: correct "
        "each one's term_start in the providers' headcount (to 2026-09-01 for a place of this "
        "term) and run again."
    )


def test_an_earlier_place_dated_off_a_term_start_that_still_counts_is_not_named():
    # On the two-year-old list an earlier term's two-year-old place is read whatever its day
    # (it continues the entitlement): only the place of this term dated 7 September is named.
    places = pl.concat(
        [
            _funded_place("Mo").with_columns(term_start=pl.lit(date(2026, 4, 7))),
            _funded_place("Mo").with_columns(
                record_id=pl.lit("F2"), term_start=pl.lit(date(2026, 9, 7))
            ),
        ]
    )
    found = explain(awards(), funded_places=places)
    assert found.reason_codes == ("continued_entitlement",)
    assert found.to_text().splitlines()[4] == (
        "Funded place: none matched for the term starting 1 September 2026. The providers' "
        "headcount has a place naming the child dated on a day that is no term start of the "
        "two_year_old rules (terms start on 1 January, 1 April and 1 September): row F2, a "
        "two-year-old place dated 7 September 2026, within this term. A place is for the term "
        "whose start it is dated, and the workbench does not guess which term is meant, so it "
        "counts for no term: correct its term_start in the providers' headcount (to "
        "2026-09-01 for a place of this term) and run again."
    )


def test_an_adult_is_called_a_person() -> None:
    found = explain(awards(), person_id="P1")
    lines = found.to_text().splitlines()
    assert lines[0] == (
        "Person P1 (born 1 May 1990) is not listed for the term starting 1 September 2026: "
        "not a child in the age window."
    )
    # No criterion was weighed for an adult: the explanation says so rather than list them.
    assert lines[-1] == (
        "No criterion was assessed: each is met by a child in the age window, through the "
        "child's own records or those of the child's parents and carers."
    )
    assert found.why_not_listed() == ["not a child in the age window"]


def test_unknown_person_is_a_usage_error_naming_the_id() -> None:
    with pytest.raises(UsageError, match=r"no person 'P9' in people"):
        explain(awards(), person_id="P9")
    assert issubclass(UsageError, WorkbenchError)


# --- from a data folder ------------------------------------------------------------------------

PEOPLE_CSV = """\
person_id,household_id,forename,surname,date_of_birth,role
P1,H1,Ada,Lee,1990-05-01,parent_carer
P2,H1,Mo,Lee,02/03/2024,child
P3,H2,Kim,Ray,2024-03-03,child
P3,H2,Kimberley,Ray,2024-03-03,child
"""
BENEFITS_CSV = """\
award_id,person_id,benefit,start_date,end_date,net_earned_income
A1,P1,universal_credit,2025-01-06,,9000
"""


def explain_folder(folder, *, initiative, person_id, term_start, as_of):
    """What `workbench explain` does: assess the folder, explain one person."""
    return assess(folder, initiative, term_start=term_start, as_of=as_of).explain(person_id)


def test_explain_folder_loads_like_assess_and_explains(make_folder) -> None:
    folder = make_folder({"people.csv": PEOPLE_CSV.replace("02/03/2024", "2024-03-02")})
    (folder / "benefits.csv").write_text(BENEFITS_CSV)
    found = explain_folder(
        folder, initiative="two_year_old", person_id="P2", term_start=TERM, as_of=AS_OF
    )
    assert line(found, "universal_credit_low_income") == (
        "✓ universal_credit_low_income: parent/carer P1 gets Universal Credit (award A1) with "
        "take-home pay of £9,000, at or under the £15,400 limit."
    )
    assert found.tier == "likely"


def test_explain_folder_says_which_quarantined_rows_hold_a_person_and_why(make_folder) -> None:
    folder = make_folder({"people.csv": PEOPLE_CSV.replace("02/03/2024", "2024-31-02")})
    (folder / "benefits.csv").write_text(BENEFITS_CSV)
    explained = {}
    for person in ("P2", "P3", "P9"):
        with pytest.raises(UsageError) as raised:
            explain_folder(
                folder, initiative="two_year_old", person_id=person, term_start=TERM, as_of=AS_OF
            )
        explained[person] = str(raised.value)
    then = (
        "and a quarantined row counts for nothing. Correct it in the extract and run again; "
        "`workbench validate --quarantine-out FILE` lists every such row"
    )
    assert explained == {
        # The file's row (the header is row 1), the column, the value as written and why.
        "P2": "no person 'P2' among the people the rules read: people.csv row 3 holds it but "
        "was quarantined (date_of_birth '2024-31-02': no such date in the calendar (this "
        f"column uses YYYY-MM-DD)), {then}",
        # A reason met on each row is said once.
        "P3": "no person 'P3' among the people the rules read: people.csv rows 4 and 5 hold "
        "it but were quarantined (person_id P3 appears on rows 4, 5; they differ in forename), "
        + then,
        "P9": "no person 'P9' in people: expected a person_id from the people table. Check "
        "the id, and whether its row was quarantined (`workbench validate`).",
    }


def test_explain_names_the_households_quarantined_rows(make_folder) -> None:
    # A tester's child left the list when their parent's row was quarantined (an id given
    # twice); explain said only "Parents and carers in the household: none found".
    parent = "P1,H1,Ada,Lee,1990-05-01,parent_carer"
    people = PEOPLE_CSV.replace("02/03/2024", "2024-03-02").replace(
        parent, f"{parent}\n{parent.replace('Ada', 'Adah')}"
    )
    folder = make_folder({"people.csv": people, "benefits.csv": BENEFITS_CSV})
    found = explain_folder(
        folder, initiative="two_year_old", person_id="P2", term_start=TERM, as_of=AS_OF
    )
    assert found.household_quarantined == (
        "people.csv row 2 (person_id P1 appears on rows 2, 3; they differ in forename)",
        "people.csv row 3 (person_id P1 appears on rows 2, 3; they differ in forename)",
    )
    assert (
        "Parents and carers in the household: none found.\nQuarantined rows of the household "
        "(not read, so no one on them counts as a parent or carer, nor do their awards): "
        "people.csv row 2 (person_id P1 appears on rows 2, 3; they differ in forename); "
        "people.csv row 3 (person_id P1 appears on rows 2, 3; they differ in forename). "
        "Correct them in the extract and run again."
    ) in found.to_text()
    # Another household's quarantined rows are not this child's.
    assert (
        explain_folder(
            make_folder(
                {
                    "people.csv": PEOPLE_CSV.replace("02/03/2024", "2024-03-02"),
                    "benefits.csv": BENEFITS_CSV,
                }
            ),
            initiative="two_year_old",
            person_id="P2",
            term_start=TERM,
            as_of=AS_OF,
        ).household_quarantined
        == ()
    )


def test_explain_folder_refuses_an_unknown_initiative(make_folder) -> None:
    folder = make_folder({"people.csv": PEOPLE_CSV})
    with pytest.raises(UsageError, match="unknown initiative 'three_year_old'"):
        explain_folder(
            folder, initiative="three_year_old", person_id="P2", term_start=TERM, as_of=AS_OF
        )


# --- agreement with the list on synthetic councils ----------------------------------------------

SYNTHETIC_RUNS = {
    # name: (seed, the day the extracts are taken, term_start, as_of)
    "autumn_2026": (11, date(2026, 9, 1), date(2026, 9, 1), date(2026, 8, 15)),
    "summer_2026": (12, date(2026, 9, 1), date(2026, 4, 1), date(2026, 3, 20)),
    "tax_credits_2025": (13, date(2025, 9, 1), date(2025, 4, 1), date(2025, 3, 1)),
}


def _people_to_explain(found: EngineResult, people: pl.LazyFrame, listed: list[str]) -> list[str]:
    """Every listed child, everyone else in their households, every third child in the age
    window and every 20th person."""
    window = found.rule_set.population.window_on(found.as_of)
    everyone = (
        people.select(
            "person_id",
            "household_id",
            in_window(pl.col("date_of_birth"), window, found.term_start).alias("in_window"),
        )
        .sort("person_id")
        .collect()
    )
    households = everyone.filter(pl.col("person_id").is_in(listed))["household_id"]
    near = everyone.filter(pl.col("household_id").is_in(households.implode()))["person_id"]
    children = everyone.filter("in_window")["person_id"].gather_every(3)
    sample = everyone["person_id"].gather_every(20)
    return sorted({*listed, *near, *children, *sample})


def _check_findings(found: Explanation, row: dict | None) -> None:
    """The findings account for the list: met ones are the reason codes, '?' ones the tier.
    (That the records worded are the verdicts' own evidence is tested in test_findings.)"""
    met = {f.code for f in found.findings if f.met}
    unknown = {f.code for f in found.findings if f.income_missing}
    if row is not None:
        assert (found.eligible_from, found.eligible_to) == (
            row["eligible_from"],
            row["eligible_to"],
        )
        assert found.in_window
        assert row["already_funded"] is (found.funded_place is not None)
        if row["tier"] == "likely":
            assert met == set(row["reason_codes"])
        else:
            assert not met and unknown
    elif found.in_window and not (found.funded_place_required and found.funded_place is None):
        assert not met and not unknown


@pytest.mark.parametrize(
    "initiative", ["two_year_old", "free_school_meals", "early_years_pupil_premium"]
)
@pytest.mark.parametrize("run", sorted(SYNTHETIC_RUNS))
@pytest.mark.slow  # nine assessments of synthetic councils: make test-slow (CI runs both)
def test_explanation_agrees_with_the_list_on_a_synthetic_council(initiative: str, run: str) -> None:
    seed, extracted, term_start, as_of = SYNTHETIC_RUNS[run]
    council = generate_council(households=300, seed=seed, reference_date=extracted)
    tables = {name: frame.lazy() for name, frame in council.items() if name in TABLES}
    rules = load_rule_set(initiative)
    found = assessment(tables, rules, term_start=term_start, as_of=as_of)
    rows = {r["person_id"]: r for r in found.candidates.iter_rows(named=True) if r["person_id"]}
    explained = [
        explain_assessed(found, tables, person_id=p)
        for p in _people_to_explain(found, tables["people"], list(rows))
    ]
    for explanation in explained:
        row = rows.get(explanation.person_id)
        assert explanation.listed is (row is not None)
        assert explanation.tier == (row["tier"] if row else None)
        assert explanation.reason_codes == (tuple(row["reason_codes"]) if row else ())
        _check_findings(explanation, row)
    assert sum(e.listed for e in explained) == len(rows)
    assert any(e.in_window and not e.listed for e in explained)
    first = explained[0].person_id
    again = explain_person(tables, rules, person_id=first, term_start=term_start, as_of=as_of)
    assert again == explained[0]


# --- the 2026-27 rules, in words -----------------------------------------------------------


def _council_line(council, code: str, initiative: str = "two_year_old", **dates) -> str:
    rules = load_rule_set(initiative)
    found = explain_person(
        council.tables(),
        rules,
        person_id="C1",
        term_start=dates.get("term_start", TERM),
        as_of=dates.get("as_of", TERM),
    )
    return line(found, code)


def _family():
    from tests.council import Council

    c = Council()
    c.person("A1", "H1", date(1985, 1, 10), role="parent_carer")
    c.person("C1", "H1", date(2024, 3, 2), role="child")
    return c


def test_left_care_names_the_order_and_the_care_before_it():
    c = _family()
    c.status("L1", "C1", "looked_after", start=date(2024, 6, 1), end=date(2025, 2, 28))
    c.status("S1", "C1", "adoption_order", start=date(2025, 3, 3))
    assert _council_line(c, "left_care") == (
        "✓ left_care: the child has an adoption order (record S1, from 3 March 2025) and a "
        "record of care before it: being looked after (record L1, from 1 June 2024)."
    )


def test_a_previously_looked_after_record_alone_is_named_with_what_would_count():
    # A tester's case: rightly not listed (an order is needed), but nothing said so.
    c = _family()
    c.status("S1", "C1", "previously_looked_after", start=date(2025, 3, 3))
    assert _council_line(c, "left_care") == (
        "✗ left_care: the child has no record of a special guardianship order, a child "
        "arrangements order or an adoption order that started on or before 1 September 2026; "
        "the child holds a previously_looked_after record (S1, from 3 March 2025), but it "
        "counts only with such an order: a child who left care, here or elsewhere, through "
        "adoption or a special guardianship or child arrangements order is eligible, and one "
        "who returned home is not. If the child left care through an order, record it in "
        "child_statuses and run again."
    )


def test_an_order_without_care_asks_the_officer_to_check_the_care_history():
    c = _family()
    c.status("S1", "C1", "child_arrangements_order", start=date(2025, 3, 3))
    found = explain_person(
        c.tables(), load_rule_set("two_year_old"), person_id="C1", term_start=TERM, as_of=TERM
    )
    assert (found.tier, found.why_not_listed()) == ("possible", [])
    assert line(found, "left_care") == (
        "? left_care: the child has a child arrangements order (record S1, from 3 March 2025) "
        "but no record that the child was looked after before it: check the care history."
    )


def test_continued_entitlement_names_the_earlier_place():
    c = _family()
    c.funded("F1", "NameC1", date(2024, 3, 2), date(2026, 4, 1), "two_year_old")
    assert _council_line(c, "continued_entitlement", as_of=date(2026, 8, 15)) == (
        "✓ continued_entitlement: the child had a funded two-year-old place for the term "
        "starting 1 April 2026 (row F1): evidence that the entitlement continues, for the "
        "officer to confirm."
    )


def test_an_earlier_place_awaiting_link_review_is_possible_and_says_so():
    c = _family()
    c.funded("F1", "NameC1", date(2024, 3, 2), date(2026, 4, 1), "two_year_old")
    links = pl.DataFrame(
        [("funded_places", "F1", "C1", "clerical_review", 0.8, "splink")],
        schema=LINKS_SCHEMA,
        orient="row",
    )
    found = explain_person(
        c.tables(), load_rule_set("two_year_old"), person_id="C1", term_start=TERM, as_of=TERM,
        links=links,
    )  # fmt: skip
    assert found.tier == "possible"
    assert line(found, "continued_entitlement") == (
        "? continued_entitlement: a funded two-year-old place for the term starting 1 April "
        "2026 (row F1) may be the child's: its link awaits a person's review, and confirmed it "
        "would be evidence that the entitlement continues."
    )


def test_no_recourse_to_public_funds_names_the_limit_that_applies():
    c = _family()
    c.person("K1", "H1", date(2019, 1, 1), role="child")
    c.household("H1", nrpf=True, income=30000.0, savings=None, london=False)
    assert _council_line(c, "no_recourse_to_public_funds") == (
        "? no_recourse_to_public_funds: the household record says the family has no recourse "
        "to public funds; household income £30,000 is within the £30,600 limit for a household "
        "outside London with 2 children; savings are not recorded: ask the family."
    )


def test_an_unrecorded_london_status_is_said_to_hold_the_family_to_the_outside_limits():
    c = _family()
    c.household("H1", nrpf=True, income=30000.0, savings=0.0, london=None)
    assert _council_line(c, "no_recourse_to_public_funds") == (
        "✗ no_recourse_to_public_funds: the household record says the family has no recourse "
        "to public funds; household income £30,000 is above the £26,500 limit for a household "
        "outside London with one child; savings of £0 are within the £16,000 limit; whether it "
        "is in London is not recorded, so the limits outside London apply."
    )


def test_a_working_parent_place_is_said_not_to_be_this_offer():
    c = _family()
    c.award("B1", "A1", "income_support")
    c.funded("F1", "NameC1", date(2024, 3, 2), TERM, "working_parent")
    found = explain_person(
        c.tables(), load_rule_set("two_year_old"), person_id="C1", term_start=TERM, as_of=TERM
    )
    assert (
        "Funded place: on a working-parent place (row F1) for the term starting 1 September "
        "2026; the disadvantaged 15 hours come first, so the list does not count the child as "
        "already funded under this offer." in found.to_text()
    )


def test_free_school_meals_says_the_group_and_the_sixth_form_limit():
    from tests.council import Council

    c = Council()
    c.person("A1", "H1", date(1985, 1, 10), role="parent_carer")
    c.person("C1", "H1", date(2015, 5, 5), role="child")
    c.award("B1", "A1", "universal_credit", net=9000.0)
    c.award("B2", "C1", "income_support")
    rules = load_rule_set("free_school_meals")
    autumn = explain_person(c.tables(), rules, person_id="C1", term_start=TERM, as_of=TERM)
    assert "Group: expanded." in autumn.to_text()
    assert line(autumn, "pupil_own_benefit") == (
        "✗ pupil_own_benefit: applies only in the age group sixth_form; the child is in "
        "year_3_to_11 for this term."
    )
    summer = explain_person(
        c.tables(), rules, person_id="C1", term_start=date(2026, 4, 1), as_of=TERM
    )
    assert line(summer, "universal_credit") == (
        "✗ universal_credit: not in force for the term starting 1 April 2026 (it applies from "
        "1 September 2026)."
    )


def test_free_school_meals_expanded_with_earnings_missing_says_it_may_be_targeted():
    """A tester's case: Universal Credit with no earnings recorded is *expanded* (the group
    goes by the codes met), but the child may be *targeted*: explain says so, once."""
    from tests.council import Council

    c = Council()
    c.person("A1", "H1", date(1985, 1, 10), role="parent_carer")
    c.person("C1", "H1", date(2016, 5, 1), role="child")
    c.award("B1", "A1", "universal_credit")
    rules = load_rule_set("free_school_meals")
    found = explain_person(c.tables(), rules, person_id="C1", term_start=TERM, as_of=TERM)
    assert (found.tier, found.eligibility_group) == ("likely", "expanded")
    assert found.group_untested == (("targeted", ("universal_credit_low_income",)),)
    text = found.to_text().splitlines()
    at = text.index("Group: expanded.")
    assert text[at + 1] == (
        "It may be targeted instead: universal_credit_low_income could not be tested (something "
        "it needs is missing). Find out, and run again, before relying on the group."
    )
    # With the earnings recorded, nothing is untested.
    again = Council()
    again.person("A1", "H1", date(1985, 1, 10), role="parent_carer")
    again.person("C1", "H1", date(2016, 5, 1), role="child")
    again.award("B1", "A1", "universal_credit", net=9000.0)
    found = explain_person(again.tables(), rules, person_id="C1", term_start=TERM, as_of=TERM)
    assert (found.eligibility_group, found.group_untested) == ("expanded", ())
