"""The exact linkage pre-pass: each rule, one-to-one, and never a guess."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from tests.council import SCHEMAS
from workbench.errors import UsageError
from workbench.linkage import LINKS_SCHEMA, link_exact
from workbench.linkage.exact import (
    forenames_differ_wholly,
    jaro_winkler,
    repeated_list_rows,
    repeated_places,
)

CHILD_DOB = date(2024, 3, 2)
PARENT_DOB = date(1990, 5, 1)
TERM = date(2026, 9, 1)
NEXT_TERM = date(2027, 1, 1)

PEOPLE_SCHEMA = SCHEMAS["people"]
DWP_SCHEMA = SCHEMAS["dwp_list"]
FUNDED_SCHEMA = {
    "record_id": pl.String,
    "provider_id": pl.String,
    "child_forename": pl.String,
    "child_surname": pl.String,
    "child_date_of_birth": pl.Date,
    "postcode": pl.String,
    "term_start": pl.Date,
    "funding_stream": pl.String,
}


def person(pid: str, household: str, forename: str, **fields: Any) -> dict[str, Any]:
    row = {
        "person_id": pid,
        "household_id": household,
        "forename": forename,
        "surname": "Lee",
        "date_of_birth": CHILD_DOB,
        "nino": None,
        "postcode": "FQ1 1AA",
        "role": "child",
    }
    return row | fields


def parent(pid: str, household: str, nino: str, **fields: Any) -> dict[str, Any]:
    adult = {"date_of_birth": PARENT_DOB, "nino": nino, "role": "parent_carer"}
    return person(pid, household, "Ada", **(adult | fields))


def dwp_row(record_id: str, forename: str, **fields: Any) -> dict[str, Any]:
    row = {
        "record_id": record_id,
        "child_forename": forename,
        "child_surname": "Lee",
        "child_date_of_birth": CHILD_DOB,
        "parent_forename": "Ada",
        "parent_surname": "Lee",
        "parent_nino": None,
        "postcode": "FQ1 1AA",
    }
    return row | fields


def funded_row(record_id: str, forename: str, **fields: Any) -> dict[str, Any]:
    row = {
        "record_id": record_id,
        "provider_id": "EY1",
        "child_forename": forename,
        "child_surname": "Lee",
        "child_date_of_birth": CHILD_DOB,
        "postcode": "FQ1 1AA",
        "term_start": TERM,
        "funding_stream": "two_year_old",
    }
    return row | fields


def link(
    people: list[dict[str, Any]],
    dwp: list[dict[str, Any]] | None = None,
    funded: list[dict[str, Any]] | None = None,
    drop: tuple[str, ...] = (),
) -> pl.DataFrame:
    tables = {"people": pl.LazyFrame(people, schema=PEOPLE_SCHEMA).drop(drop)}
    if dwp is not None:
        tables["dwp_list"] = pl.LazyFrame(dwp, schema=DWP_SCHEMA)
    if funded is not None:
        tables["funded_places"] = pl.LazyFrame(funded, schema=FUNDED_SCHEMA)
    return link_exact(tables).collect()


def outcome(links: pl.DataFrame) -> dict[str, tuple[str | None, str | None]]:
    """record_id -> (person_id, method)."""
    return {r["record_id"]: (r["person_id"], r["method"]) for r in links.iter_rows(named=True)}


FAMILY = [parent("P1", "H1", "AB123456C"), person("P2", "H1", "Mo")]


# --- DWP list -----------------------------------------------------------------------------------


def test_dwp_row_links_by_parent_nino_and_child_date_of_birth_even_with_other_names():
    # The DWP spells the child's name differently and has an old postcode: NINO + DOB decide.
    links = link(FAMILY, dwp=[dwp_row("D1", "Moe", parent_nino="AB123456C", postcode=None)])
    assert links.rows() == [
        ("dwp_list", "D1", "P2", "linked", 1.0, "parent_nino_and_child_dob"),
    ]


@pytest.mark.parametrize(
    ("forename", "linked"),
    [
        ("Zara", False),  # another name: a brother or sister, or a twin the council lacks
        ("Maurice", False),
        ("Moe", True),  # a slip
        ("Mohammed", True),  # the name Mo stands for (workbench/reference/nicknames.csv)
        ("Lee", True),  # the forename and surname swapped ("Lee Mo")
        (None, True),  # no forename: no evidence either way
    ],
)
def test_the_parent_nino_does_not_link_a_child_whose_forename_is_plainly_another(forename, linked):
    row = dwp_row("D1", forename, parent_nino="AB123456C")
    if forename == "Lee":
        row["child_surname"] = "Mo"
    expected = ("P2", "parent_nino_and_child_dob") if linked else (None, None)
    assert outcome(link(FAMILY, dwp=[row])) == {"D1": expected}


def test_forenames_differ_wholly_forgives_slips_nicknames_and_swaps_only():
    assert [
        forenames_differ_wholly(*names)
        for names in [
            ("Zara", "Yusuf"),
            ("Ayaan", "Ibrahim"),
            ("Iy", "Ivy"),  # one letter dropped: short names' Jaro-Winkler is low
            ("Mai", "Mia"),  # two letters swapped
            ("Liz", "Elizabeth"),
            ("Chloé", "chloe"),
            ("Sharma", "Deepak", "Dyepak", "Sharma"),  # swapped, with a slip
            ("Ila", "Ella"),
            ("", "Ella"),
        ]
    ] == [True, True, False, False, False, False, False, True, False]
    assert round(jaro_winkler("dixon", "dicksonx"), 4) == 0.8133  # as DuckDB computes it
    # Half the out-of-order letters rounded down, as DuckDB counts them (0.7875 halved exactly).
    assert round(jaro_winkler("sean", "sinead"), 4) == 0.825
    assert [
        forenames_differ_wholly("Ciarán", "Kieran"),
        forenames_differ_wholly("Sean", "Sinead"),
    ] == [
        False,
        False,
    ]


def test_dwp_row_links_by_child_name_date_of_birth_and_postcode_without_nino():
    links = link(FAMILY, dwp=[dwp_row("D1", "Mo")])
    assert outcome(links) == {"D1": ("P2", "child_name_dob_postcode")}


def test_dwp_row_with_name_and_date_of_birth_but_another_postcode_is_not_linked():
    links = link(FAMILY, dwp=[dwp_row("D1", "Mo", postcode="FQ9 9ZZ")])
    assert outcome(links) == {"D1": (None, None)}


def test_dwp_names_postcode_and_nino_compare_ignoring_case_and_whitespace():
    people = [
        parent("P1", "H1", "AB123456C"),
        person("P2", "H1", "Mary  Ann", surname="McDonald"),
        parent("P3", "H2", "CE654321A", postcode="FQ2 2BB"),
        person("P4", "H2", "Tom", surname="Ng", postcode="FQ2 2BB"),
    ]
    dwp = [
        dwp_row("D1", " MARY ANN ", child_surname="mcdonald", postcode="fq11aa"),
        dwp_row("D2", "Thomas", child_surname="Ng", parent_nino=" ce 65 43 21 a", postcode=None),
    ]
    assert outcome(link(people, dwp=dwp)) == {
        "D1": ("P2", "child_name_dob_postcode"),
        "D2": ("P4", "parent_nino_and_child_dob"),
    }


def test_twins_the_names_do_not_separate_are_not_linked():
    twins = [*FAMILY, person("P3", "H1", "Mae")]
    links = link(twins, dwp=[dwp_row("D1", "Moe", parent_nino="AB123456C")])
    assert links.rows() == [("dwp_list", "D1", None, "not_linked", None, None)]


def test_twins_the_names_separate_link_to_the_named_twin():
    twins = [*FAMILY, person("P3", "H1", "Jo")]
    links = link(twins, dwp=[dwp_row("D1", "Jo", parent_nino="AB123456C")])
    assert outcome(links) == {"D1": ("P3", "parent_nino_and_child_dob")}


def test_duplicate_child_in_the_index_is_not_linked():
    duplicates = [*FAMILY, person("P9", "H7", "Mo")]
    assert outcome(link(duplicates, dwp=[dwp_row("D1", "Mo")])) == {"D1": (None, None)}


def test_nino_and_names_pointing_at_different_children_is_not_linked():
    # The NINO's household has a child born that day under another name; a child with the
    # row's name, date of birth and postcode lives elsewhere: conflicting evidence.
    people = [
        parent("P1", "H1", "AB123456C", postcode="FQ3 3CC"),
        person("P2", "H1", "Kit", postcode="FQ3 3CC"),
        person("P5", "H5", "Mo"),
    ]
    links = link(people, dwp=[dwp_row("D1", "Mo", parent_nino="AB123456C")])
    assert outcome(links) == {"D1": (None, None)}


def test_two_dwp_rows_claiming_one_child_are_neither_linked():
    dwp = [dwp_row("D1", "Mo", parent_nino="AB123456C"), dwp_row("D2", "Mo")]
    links = link(FAMILY, dwp=dwp)
    assert outcome(links) == {"D1": (None, None), "D2": (None, None)}


def test_a_dwp_row_given_again_does_not_stop_the_first_linking():
    # D2 and D3 repeat D1 (the same child and parent; " mo " is "Mo" as compared): D1 links as
    # if alone. D4 differs (no parent NINO), so it claims the child beside D1: neither links.
    dwp = [
        dwp_row("D1", "Mo", parent_nino="AB123456C"),
        dwp_row("D2", " mo ", parent_nino="AB 12 34 56 C"),
        dwp_row("D3", "Mo", parent_nino="AB123456C"),
    ]
    assert outcome(link(FAMILY, dwp=dwp)) == {
        "D1": ("P2", "parent_nino_and_child_dob"),
        "D2": (None, None),
        "D3": (None, None),
    }
    assert repeated_list_rows(pl.LazyFrame(dwp)).rows() == [("D2", "D1"), ("D3", "D1")]
    differing = [*dwp, dwp_row("D4", "Mo")]
    assert outcome(link(FAMILY, dwp=differing)) == dict.fromkeys(
        ("D1", "D2", "D3", "D4"), (None, None)
    )


def test_child_not_in_the_index_is_not_linked():
    links = link(FAMILY, dwp=[dwp_row("D1", "Zara", child_date_of_birth=date(2024, 1, 9))])
    assert links.rows() == [("dwp_list", "D1", None, "not_linked", None, None)]


def test_nino_of_a_household_member_who_is_not_a_parent_carer_does_not_vouch():
    people = [parent("P1", "H1", "AB123456C", role="other"), person("P2", "H1", "Mo")]
    links = link(people, dwp=[dwp_row("D1", "Maurice", parent_nino="AB123456C")])
    assert outcome(links) == {"D1": (None, None)}


def test_without_a_role_column_any_other_household_member_with_the_nino_vouches():
    people = [parent("P1", "H1", "AB123456C", role="other"), person("P2", "H1", "Mo")]
    dwp = [dwp_row("D1", "Moe", parent_nino="AB123456C")]
    links = link(people, dwp=dwp, drop=("role",))
    assert outcome(links) == {"D1": ("P2", "parent_nino_and_child_dob")}


def test_without_a_role_column_the_child_cannot_vouch_for_itself():
    # A NINO on the child's own record (a data error) does not link the child to itself.
    people = [person("P2", "H1", "Mo", nino="AB123456C")]
    dwp = [dwp_row("D1", "Maurice", parent_nino="AB123456C")]
    assert outcome(link(people, dwp=dwp, drop=("role",))) == {"D1": (None, None)}


def test_people_without_nino_or_postcode_columns_link_on_neither():
    dwp = [dwp_row("D1", "Mo", parent_nino="AB123456C")]
    assert outcome(link(FAMILY, dwp=dwp, drop=("nino", "postcode"))) == {"D1": (None, None)}


# --- funded places ------------------------------------------------------------------------------


def test_funded_place_links_by_child_name_and_date_of_birth():
    funded = [funded_row("F1", "mo", postcode="FQ1 1XY"), funded_row("F2", "Mo")]
    links = link(FAMILY, funded=[*funded[:1], funded[1] | {"term_start": NEXT_TERM}])
    assert outcome(links) == {
        "F1": ("P2", "child_name_dob"),
        "F2": ("P2", "child_name_dob_postcode"),
    }


@pytest.mark.parametrize("postcode", ["LS1 4AB", "FQ1 2AA", "FQ9 9ZZ", None])
def test_a_funded_place_links_on_the_names_and_date_of_birth_wherever_its_postcode(postcode):
    # A family moved since the council's records (the reference rules' case): its place is
    # the child's. (An out-of-area namesake born the same day links too: an open question,
    # docs/linkage.md, "A funded place in another sector".)
    links = link(FAMILY, funded=[funded_row("F1", "Mo", postcode=postcode)])
    assert outcome(links) == {"F1": ("P2", "child_name_dob")}


def test_funded_place_prefers_the_one_candidate_at_its_postcode():
    people = [*FAMILY, person("P9", "H7", "Mo", postcode="FQ7 7GG")]
    links = link(people, funded=[funded_row("F1", "Mo", postcode="FQ7 7GG")])
    assert outcome(links) == {"F1": ("P9", "child_name_dob_postcode")}


def test_funded_place_with_candidates_its_postcode_does_not_separate_is_not_linked():
    people = [*FAMILY, person("P9", "H7", "Mo", postcode="FQ7 7GG")]
    links = link(people, funded=[funded_row("F1", "Mo", postcode="FQ5 5EE")])
    assert outcome(links) == {"F1": (None, None)}


def test_one_funded_row_per_child_per_term_provider_and_stream():
    # Rows of one place (term, provider, stream) claiming one child: the first at the child's
    # postcode links, the others repeat it (a row entered twice) and do not; the next term's
    # place is another place.
    funded = [
        funded_row("F1", "Mo", postcode=None),
        funded_row("F2", "Mo"),
        funded_row("F3", "Mo"),
        funded_row("F4", "Mo", term_start=NEXT_TERM),
    ]
    assert outcome(link(FAMILY, funded=funded)) == {
        "F1": (None, None),
        "F2": ("P2", "child_name_dob_postcode"),
        "F3": (None, None),
        "F4": ("P2", "child_name_dob_postcode"),
    }


def test_rows_of_one_place_none_at_the_childs_postcode_are_a_question_for_a_person():
    # Neither row is at the child's postcode: one may be a namesake elsewhere; neither links.
    funded = [funded_row("F1", "Mo", postcode="FQ9 9ZZ"), funded_row("F2", "Mo", postcode=None)]
    assert outcome(link(FAMILY, funded=funded)) == {"F1": (None, None), "F2": (None, None)}
    # The same row twice (the family moved since): the repeat adds no doubt, the first links
    # as a single row there does.
    funded = [
        funded_row("F1", "Mo", postcode="FQ1 1ZZ"),
        funded_row("F2", "Mo", postcode="FQ1 1ZZ"),
    ]
    assert outcome(link(FAMILY, funded=funded)) == {
        "F1": ("P2", "child_name_dob"),
        "F2": (None, None),
    }


def test_a_child_holds_two_places_of_one_term_in_two_streams_or_at_two_providers():
    # The disadvantaged 15 hours with working-parent hours on top, and hours split between two
    # providers, are each one child's places (DfE's census guidance): every row links.
    funded = [
        funded_row("F1", "Mo"),
        funded_row("F2", "Mo", funding_stream="working_parent"),
        funded_row("F3", "Mo", term_start=NEXT_TERM),
        funded_row("F4", "Mo", term_start=NEXT_TERM, provider_id="EY2"),
    ]
    assert outcome(link(FAMILY, funded=funded)) == {
        "F1": ("P2", "child_name_dob_postcode"),
        "F2": ("P2", "child_name_dob_postcode"),
        "F3": ("P2", "child_name_dob_postcode"),
        "F4": ("P2", "child_name_dob_postcode"),
    }


def test_of_a_child_s_several_places_in_a_term_only_rows_at_the_child_s_postcode_link():
    # Another child's row, its names mistyped into this child's, is not a second place.
    funded = [
        funded_row("F1", "Mo"),
        funded_row("F2", "Mo", funding_stream="working_parent", postcode="FQ1 1ZZ"),
        funded_row("F3", "Mo", term_start=NEXT_TERM, postcode="FQ1 1ZZ"),  # alone: it links
    ]
    assert outcome(link(FAMILY, funded=funded)) == {
        "F1": ("P2", "child_name_dob_postcode"),
        "F2": (None, None),
        "F3": ("P2", "child_name_dob"),
    }


# --- shape of the result ------------------------------------------------------------------------


def test_one_row_per_source_row_sorted_by_source_then_record_id():
    links = link(
        FAMILY,
        dwp=[dwp_row("D2", "Zara"), dwp_row("D1", "Mo")],
        funded=[funded_row("F1", "Mo")],
    )
    assert links.schema == LINKS_SCHEMA
    assert links.select("source", "record_id", "band").rows() == [
        ("dwp_list", "D1", "linked"),
        ("dwp_list", "D2", "not_linked"),
        ("funded_places", "F1", "linked"),
    ]


def test_without_dwp_list_or_funded_places_the_result_is_empty():
    links = link(FAMILY)
    assert links.schema == LINKS_SCHEMA
    assert links.height == 0


@pytest.mark.parametrize("present", ["dwp_list", "funded_places"])
def test_either_source_may_be_absent(present: str):
    links = link(
        FAMILY,
        dwp=[dwp_row("D1", "Mo")] if present == "dwp_list" else None,
        funded=[funded_row("F1", "Mo")] if present == "funded_places" else None,
    )
    assert links.select("source", "person_id").rows() == [(present, "P2")]


def test_linking_without_people_is_a_usage_error():
    with pytest.raises(UsageError, match="people"):
        link_exact({"dwp_list": pl.LazyFrame([dwp_row("D1", "Mo")], schema=DWP_SCHEMA)})


def test_a_source_lacking_a_required_column_is_a_usage_error_naming_it():
    dwp = pl.LazyFrame([dwp_row("D1", "Mo")], schema=DWP_SCHEMA).drop("child_date_of_birth")
    people = pl.LazyFrame(FAMILY, schema=PEOPLE_SCHEMA)
    with pytest.raises(UsageError, match=r"dwp_list.*child_date_of_birth"):
        link_exact({"people": people, "dwp_list": dwp})


def test_repeated_places_are_the_later_rows_of_one_place_for_one_child():
    funded = [
        funded_row("F1", "Mo"),
        funded_row("F2", " MO "),  # the same child's names as the exact pass compares them
        funded_row("F3", "Mo", provider_id="EY2"),  # another provider: another place
        funded_row("F4", "Mo", funding_stream="working_parent"),  # another stream
        funded_row("F5", "Mo", term_start=NEXT_TERM),  # another term
        funded_row("F6", "Mo", postcode="FQ9 9ZZ"),  # another postcode: perhaps a namesake
        funded_row("F7", "Mo"),
    ]
    repeats = repeated_places(pl.LazyFrame(funded))
    assert repeats.rows() == [("F2", TERM), ("F7", TERM)]
    # The exact pass links the first row of the place and neither repeat.
    linked = outcome(link(FAMILY, funded=funded))
    assert [r for r, (person, _) in linked.items() if person is None] == ["F2", "F6", "F7"]
