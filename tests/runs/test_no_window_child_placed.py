"""An empty list of an initiative that lists only children with a funded place says that no
child in the age window has a place for the term, when that is why.

A tester's case: the Early Years Pupil Premium for the spring term 2027, whose headcount's one
place for the term was a child's past the age window, was said to have met no criterion,
"which usually means benefits or statuses were not read", while the children's benefits
were read; they simply had no place that term.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from tests.council import Council
from workbench.data.reading import load_folder
from workbench.eligibility.assess import Assessment
from workbench.eligibility.engine import assessment
from workbench.linkage import LINKS_SCHEMA
from workbench.rules import load_rule_set
from workbench.runs.emptiness import no_window_child_placed, silent_emptiness
from workbench.runs.list_warnings import list_warnings

SPRING, AUTUMN = date(2027, 1, 1), date(2026, 9, 1)
THREE = date(2022, 10, 1)  # 4 in the spring term 2027: in the pupil premium's window
PAST = date(2021, 10, 15)  # of compulsory school age from January 2027


def found_with(
    tmp_path: Path, links: list[tuple] | None = None, *, k1_placed: bool = True, **places: date
) -> Assessment:
    """Two children whose parent gets Income Support, each with a place in the terms given
    (`C1=AUTUMN`), and K1, past the window, with a place for the spring term (`k1_placed`)."""
    c = Council()
    for child, born in (("C1", THREE), ("C2", THREE), ("K1", PAST)):
        household = f"H{child}"
        c.person(child, household, born, role="child")
        c.person(f"A{child}", household, date(1990, 1, 1), role="parent_carer")
        c.award(f"W{child}", f"A{child}", "income_support")
    if k1_placed:
        c.funded("FK", "NameK1", PAST, SPRING, "universal_three_four")
    for n, (child, term) in enumerate(places.items()):
        c.funded(f"F{n}", f"Name{child}", THREE, term, "universal_three_four")
    for name, frame in c.tables().items():
        if not frame.collect().is_empty():
            frame.collect().write_csv(tmp_path / f"{name}.csv", date_format="%Y-%m-%d")
    loaded = load_folder(tmp_path)
    rules = load_rule_set("early_years_pupil_premium")
    given = None if links is None else pl.DataFrame(links, schema=LINKS_SCHEMA, orient="row")
    result = assessment(loaded.tables, rules, term_start=SPRING, as_of=SPRING, links=given)
    return Assessment(result=result, data=loaded, linkage="exact")


def test_an_empty_list_for_want_of_a_window_childs_place_says_so(tmp_path):
    found = found_with(tmp_path, C1=AUTUMN, C2=date(2026, 4, 1))
    assert found.candidates.is_empty()
    sentence = (
        "the list is empty, yet 2 child(ren) in the people table are in the "
        "early_years_pupil_premium age window for the term starting 2027-01-01: it lists only "
        "children with a funded place for the term, and not one child in the age window is "
        "matched to a place for the term starting 2027-01-01: funded_places holds 1 place(s) "
        "for it, and its places are for the terms starting 2026-04-01 (1), 2026-09-01 (1) and "
        "2027-01-01 (1). Has the term's headcount come in whole, and do its children's names, "
        "dates of birth and postcodes agree with the people table?"
    )
    assert silent_emptiness(found) == [sentence]
    assert sentence in list_warnings(found).serious


def test_places_of_the_term_awaiting_review_are_counted_apart(tmp_path):
    # F0 is C1's place for the spring term, proposed by Splink and not yet confirmed.
    links = [("funded_places", "F0", "C1", "clerical_review", 0.8, "splink")]
    found = found_with(tmp_path, links, C1=SPRING)
    assert found.candidates.is_empty()
    assert no_window_child_placed(found) == (
        "not one child in the age window is matched to a place for the term starting "
        "2027-01-01: funded_places holds 2 place(s) for it (1 of them matched to such a child "
        "but awaiting a person's review: confirmed, they count), and its places are for the "
        "terms starting 2027-01-01 (2). Has the term's headcount come in whole, and do its "
        "children's names, dates of birth and postcodes agree with the people table?"
    )


def test_with_a_window_childs_place_nothing_of_places_is_said(tmp_path):
    found = found_with(tmp_path, C1=SPRING)
    assert found.candidates["person_id"].to_list() == ["C1"]
    assert no_window_child_placed(found) is None
    assert silent_emptiness(found) == []


def test_with_no_place_for_the_term_the_headcounts_terms_are_said_as_before(tmp_path):
    found = found_with(tmp_path, k1_placed=False, C1=AUTUMN)
    assert found.candidates.is_empty()
    assert no_window_child_placed(found) is None
    assert silent_emptiness(found) == [
        "the list is empty, yet 2 child(ren) in the people table are in the "
        "early_years_pupil_premium age window for the term starting 2027-01-01: it lists only "
        "children with a funded place for the term, and no place in funded_places is for the "
        "term starting 2027-01-01: its places are for the terms starting 2026-09-01. Is the "
        "term's start written another way in the providers' headcount (then give that date as "
        "the term start), or has its headcount not come in yet?"
    ]


def test_the_two_year_old_offer_needs_no_place_and_is_not_told_of_one(tmp_path):
    c = Council()
    c.person("C1", "H1", date(2024, 3, 2), role="child")
    c.person("A1", "H1", date(1990, 1, 1), role="parent_carer")
    c.award("W1", "A1", "universal_credit", net=30000.0)
    c.funded("F1", "Other", date(2024, 3, 2), AUTUMN, "two_year_old")
    for name, frame in c.tables().items():
        if not frame.collect().is_empty():
            frame.collect().write_csv(tmp_path / f"{name}.csv", date_format="%Y-%m-%d")
    loaded = load_folder(tmp_path)
    rules = load_rule_set("two_year_old")
    result = assessment(loaded.tables, rules, term_start=AUTUMN, as_of=AUTUMN)
    found = Assessment(result=result, data=loaded, linkage="exact")
    assert found.candidates.is_empty()
    assert no_window_child_placed(found) is None
    [sentence] = silent_emptiness(found)
    assert "no criterion was met by anyone" in sentence
