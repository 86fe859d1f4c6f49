"""A child whose only claimant has no role is named beside the list, and by `explain`.

A tester's case: a parent's `role` was blank, so by the contract (section 2, rule 3) they were
no one's parent or carer, their Income Support counted for no child, and their two-year-old
left the list with nothing said but `validate`'s count of blank roles; `assess --strict`
passed, and `explain` said "Parents and carers in the household: none found". The list keeps
the contract's rule; the warning names the children it could cost.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from tests.command import workbench
from tests.council import Council
from workbench.data.reading import load_folder
from workbench.eligibility.assess import Assessment
from workbench.eligibility.engine import assessment
from workbench.eligibility.findings import awards_without_role
from workbench.linkage import LINKS_SCHEMA, link_exact
from workbench.rules import load_rule_set
from workbench.runs.list_warnings import awards_not_counted, list_warnings

TERM, AS_OF = date(2026, 9, 1), date(2026, 8, 1)
TWO = date(2024, 3, 2)  # in the two-year-old window for TERM
ADULT = date(1990, 1, 1)
FIX = (
    "Record each such adult's role (parent_carer, child or other) in the extract, or map the "
    "council's code for it to parent_carer in the profile's value map for role, and run again; "
    "`workbench explain --person ID` names the award"
)
EXPLAIN_START = (
    "Not counted: an adult of the household with no role in the people table holds an award "
    "that would count for the child were they recorded as a parent or carer, and a person with "
    "no role is no one's parent or carer (the contract): "
)
EXPLAIN_END = (
    ". Record their role (parent_carer, child or other), or map the council's code for it to "
    "parent_carer in the profile's value map for role, and run again."
)


def written(c: Council, folder: Path, *, with_role: bool = True) -> Path:
    folder.mkdir()
    for name, lazy in c.tables(with_role=with_role).items():
        frame = lazy.collect()
        if not frame.is_empty():
            frame.write_csv(folder / f"{name}.csv", date_format="%Y-%m-%d")
    return folder


def assessed(folder: Path, initiative: str = "two_year_old", term: date = TERM) -> Assessment:
    loaded = load_folder(folder)
    rules = load_rule_set(initiative)
    result = assessment(loaded.tables, rules, term_start=term, as_of=AS_OF)
    return Assessment(result=result, data=loaded, linkage="exact")


def families() -> Council:
    """Seven households, each with a two-year-old (C1 to C7) and an adult with no role."""
    c = Council()
    for n in range(1, 8):
        c.person(f"C{n}", f"H{n}", TWO, role="child")
    c.person("A1", "H1", ADULT)  # role blank: their Income Support counts for no one
    c.award("W1", "A1", "income_support")
    c.person("A2", "H2", ADULT, role="parent_carer")  # C2 is listed on A2's award anyway
    c.award("W2", "A2", "jsa_income_based")
    c.person("B2", "H2", ADULT)
    c.award("X2", "B2", "income_support")
    c.person("A3", "H3", ADULT)  # income over the limit: would not count
    c.award("W3", "A3", "universal_credit", net=20000.0)
    c.person("A4", "H4", ADULT, role="parent_carer")  # C4 possible on A4's award
    c.award("W4", "A4", "universal_credit")
    c.person("B4", "H4", ADULT)  # would make C4 likely
    c.award("X4", "B4", "income_support")
    c.person("A5", "H5", ADULT)  # income missing: would make C5 possible
    c.award("W5", "A5", "universal_credit")
    c.person("Y6", "H6", date(2011, 1, 1))  # 15 on the evidence date: no adult
    c.award("W6", "Y6", "income_support")
    c.person("A7", "H7", ADULT)  # ended before the evidence date
    c.award("W7", "A7", "income_support", end=date(2026, 6, 30))
    return c


def test_a_child_whose_claimant_has_no_role_is_named_and_fails_strict(tmp_path):
    found = assessed(written(families(), tmp_path / "data"))
    assert found.candidates.select("person_id", "tier").rows() == [
        ("C2", "likely"),
        ("C4", "possible"),
    ]
    sentence = (
        "3 child(ren) in the age window could be missed, or listed on less, because an adult in "
        "their household has no role in people.csv: a person with no role is no one's parent or "
        "carer (the contract), so their awards count for no child, yet an award of theirs would "
        "count for the child were they recorded as a parent or carer: C1 (household H1: A1's "
        "award W1, income_support), C4 (household H4: B4's award X4, income_support), C5 "
        "(household H5: A5's award W5, universal_credit_low_income). " + FIX
    )
    assert awards_not_counted(found) == [sentence]
    assert sentence in list_warnings(found).serious


def test_the_awards_are_those_the_engine_would_count(tmp_path):
    loaded = load_folder(written(families(), tmp_path / "data"))
    tables = {name: loaded.lazy(name) for name in loaded.tables}
    rules = load_rule_set("two_year_old")
    links = link_exact({"people": tables["people"]})
    found = awards_without_role(tables, rules, term_start=TERM, as_of=AS_OF, links=links)
    # C2's is found too (the list holds C2 as it would then: no warning names C2); not A3's
    # income over the limit, the 15-year-old's, nor the award that had ended.
    assert found.drop("benefit").rows() == [
        ("C1", "H1", "A1", "W1", "income_support", "met", "likely", None),
        ("C2", "H2", "B2", "X2", "income_support", "met", "likely", None),
        ("C4", "H4", "B4", "X4", "income_support", "met", "likely", None),
        ("C5", "H5", "A5", "W5", "universal_credit_low_income", "income_missing", "possible", None),
    ]
    only = awards_without_role(
        tables, rules, term_start=TERM, as_of=AS_OF, links=links, households=["H5", "H6"]
    )
    assert only["person_id"].to_list() == ["C5"]


def test_explain_says_the_award_of_the_adult_with_no_role_is_not_counted(tmp_path):
    found = assessed(written(families(), tmp_path / "data"))
    lines = found.explain("C1").to_text().splitlines()
    at = lines.index("Parents and carers in the household: none found.")
    assert lines[at + 1] == (
        EXPLAIN_START + "A1's Income Support (award W1), for income_support" + EXPLAIN_END
    )
    assert lines[0] == (
        "Child C1 (born 2 March 2024) is not listed for the term starting 1 September 2026: no "
        "criterion is met."
    )
    # Said for a child listed anyway, and with the income missing.
    assert EXPLAIN_START + "B2's Income Support (award X2), for income_support" + EXPLAIN_END in (
        found.explain("C2").to_text().splitlines()
    )
    assert (
        EXPLAIN_START + "A5's Universal Credit (award W5), for universal_credit_low_income "
        "(possible: its income is missing)" + EXPLAIN_END
    ) in found.explain("C5").to_text().splitlines()
    for child in ("C3", "C6", "C7"):
        assert "Not counted" not in found.explain(child).to_text()


def test_assess_names_the_child_and_strict_exits_3(tmp_path):
    folder = written(families(), tmp_path / "data")
    out = tmp_path / "list.csv"
    args = ["--initiative", "two_year_old", "--data", str(folder), "--term-start", str(TERM)]
    done = workbench("assess", *args, "--as-of", str(AS_OF), "--out", str(out), "--strict")
    assert done.returncode == 3, done.stderr
    assert (
        "warning: 3 child(ren) in the age window could be missed, or listed on less, because "
        "an adult in their household has no role in people.csv" in done.stderr
    )


def test_nothing_is_said_when_every_adult_has_a_role_or_the_file_has_no_roles(tmp_path):
    c = Council()
    c.person("A1", "H1", ADULT, role="parent_carer")
    c.person("C1", "H1", TWO)  # the child's own role blank: no adult, and the child listed
    c.award("W1", "A1", "income_support")
    c.person("A2", "H2", ADULT, role="other")  # recorded as other: deliberately not counted
    c.person("C2", "H2", TWO, role="child")
    c.award("W2", "A2", "income_support")
    found = assessed(written(c, tmp_path / "roles"))
    assert found.candidates["person_id"].to_list() == ["C1"]
    assert awards_not_counted(found) == []
    assert "Not counted" not in found.explain("C2").to_text()

    without = assessed(written(families(), tmp_path / "no_roles", with_role=False))
    assert awards_not_counted(without) == []  # everyone 16 or over counts already


def test_a_child_with_no_funded_place_is_not_named_for_the_pupil_premium(tmp_path):
    c = Council()
    three = date(2022, 10, 1)  # 3 or 4 in September 2026
    for n in (1, 2):
        c.person(f"C{n}", f"H{n}", three, role="child")
        c.person(f"A{n}", f"H{n}", ADULT)
        c.award(f"W{n}", f"A{n}", "income_support")
    c.funded("F1", "NameC1", three, TERM, "universal_three_four")  # C2 has no place
    found = assessed(written(c, tmp_path / "data"), "early_years_pupil_premium")
    assert found.candidates.is_empty()
    assert awards_not_counted(found) == [
        "1 child(ren) in the age window could be missed, or listed on less, because an adult in "
        "their household has no role in people.csv: a person with no role is no one's parent or "
        "carer (the contract), so their awards count for no child, yet an award of theirs would "
        "count for the child were they recorded as a parent or carer: C1 (household H1: A1's "
        "award W1, income_support). " + FIX
    ]


def test_a_child_who_would_be_in_an_earlier_group_is_named(tmp_path):
    # Free school meals from September 2026: any Universal Credit is the expanded group, and
    # take-home pay of £7,400 or less the targeted one (pupil premium, holiday activities).
    c = Council()
    pupil = date(2017, 5, 1)
    for n in (1, 2):
        c.person(f"C{n}", f"H{n}", pupil, role="child")
        c.person(f"A{n}", f"H{n}", ADULT, role="parent_carer")
        c.award(f"W{n}", f"A{n}", "universal_credit", net=20000.0)
        c.person(f"B{n}", f"H{n}", ADULT)
    c.award("X1", "B1", "universal_credit", net=5000.0)  # would make C1 targeted
    c.award("X2", "B2", "universal_credit", net=9000.0)  # expanded either way
    found = assessed(written(c, tmp_path / "data"), "free_school_meals")
    assert found.candidates.select("person_id", "eligibility_group").rows() == [
        ("C1", "expanded"),
        ("C2", "expanded"),
    ]
    [sentence] = awards_not_counted(found)
    assert sentence.startswith("1 child(ren) in the age window could be missed")
    assert (
        "C1 (household H1: B1's award X1, universal_credit; B1's award X1, "
        "universal_credit_low_income). " in sentence
    )


def test_a_place_linked_by_the_assessment_counts_for_the_child(tmp_path):
    # The assessment's own links are used: a place linked only by Splink counts as it does
    # for the list.
    c = Council()
    three = date(2022, 10, 1)
    c.person("C1", "H1", three, role="child")
    c.person("A1", "H1", ADULT)
    c.award("W1", "A1", "income_support")
    c.funded("F1", "Someone", three, TERM, "universal_three_four")  # no exact match
    folder = written(c, tmp_path / "data")
    loaded = load_folder(folder)
    rules = load_rule_set("early_years_pupil_premium")
    links = pl.DataFrame(
        [("funded_places", "F1", "C1", "linked", 0.99, "splink")], schema=LINKS_SCHEMA, orient="row"
    )
    result = assessment(loaded.tables, rules, term_start=TERM, as_of=AS_OF, links=links)
    found = Assessment(result=result, data=loaded, linkage="probabilistic")
    assert "C1 (household H1: A1's award W1, income_support)" in awards_not_counted(found)[0]
