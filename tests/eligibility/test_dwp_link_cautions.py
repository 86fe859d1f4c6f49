"""A DWP-list row that Splink links to a council child in the age window although the two dates
of birth differ is the child's evidence of `dwp_list`, so the child's list row says so in its
`link_caution` (naming the row by record id only), in one sentence with a funded place linked
with another date of birth; a link a person confirmed, or an exact one, is not cautioned.

The council is test_places_accounted's, with a DWP list: D1 gives C2 (born 2024-02-20) as born
2024-02-02, as C2's earlier place FP2 does; D2 is C4's exactly; D3 gives C5 (born 2024-06-06)
as born 2024-06-16. Splink links D1 and D3 on the names, the parent's National Insurance number
and the postcode; the exact pass links D2."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.linkage.test_places_accounted import BENEFITS, PEOPLE, PLACES
from workbench.eligibility import assess as assess_module
from workbench.eligibility.assess import assess
from workbench.eligibility.engine import DWP_DOB_CAUTION_ONE, PLACE_DOB_CAUTION_ONE
from workbench.review.details import record_link_text

TERM = date(2026, 9, 1)
AS_OF = date(2026, 8, 1)
DWP_LIST = (
    "record_id,child_forename,child_surname,child_date_of_birth,parent_forename,"
    "parent_surname,parent_nino,postcode\n"
    "D1,Mo,Ray,2024-02-02,Bea,Ray,AB100002C,FQ2 2BB\n"
    "D2,Bo,Ng,2024-03-03,Di,Ng,AB100004C,FQ4 4DD\n"
    "D3,Tia,Orr,2024-06-16,Ed,Orr,AB100005C,FQ5 5EE\n"
)
C2_CAUTION = (
    "the DWP list row D1 and the funded place row FP2 link to this child with different dates "
    "of birth: check they are the same child's before contacting the family or relying on the "
    "place"
)
C5_CAUTION = (
    "the DWP list row D3 links to this child with a different date of birth: check it is the "
    "same child before contacting the family"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "people.csv").write_text(PEOPLE)
    (data / "benefits.csv").write_text(BENEFITS)
    (data / "funded_places.csv").write_text(PLACES)
    (data / "dwp_list.csv").write_text(DWP_LIST)
    return data


def test_splink_links_with_another_birth_date_are_cautioned_on_the_childs_row(folder):
    """The real linkage: D1 and D3 linked by Splink with other dates of birth, D2 exactly."""
    found = assess(folder, "two_year_old", term_start=TERM, as_of=AS_OF)
    rows = found.candidates.select(
        "person_id", "dwp_record_id", "link_needs_review", "link_method", "link_caution"
    ).rows()
    assert rows == [
        ("C1", None, False, None, None),
        ("C2", "D1", False, "splink", C2_CAUTION),
        ("C3", None, False, None, None),
        ("C4", "D2", False, "parent_nino_and_child_dob", None),
        ("C5", "D3", False, "splink", C5_CAUTION),
    ]
    assert DWP_DOB_CAUTION_ONE.format("D3") == C5_CAUTION
    # explain says it, after the funded place and before the findings.
    text = found.explain("C5").to_text()
    assert f"\nCaution: {C5_CAUTION}.\n✓ income_support:" in text
    assert f"\nCaution: {C2_CAUTION}.\n" in found.explain("C2").to_text()
    assert "Caution" not in found.explain("C4").to_text()
    # The officer's panel and workbook say it after how the child was matched.
    row = found.candidates.filter(pl.col("person_id") == "C5").row(0, named=True)
    assert record_link_text(row) == (
        "Matched to a row of the DWP list because a probabilistic match (Splink) scored the "
        "two records as the same child. Caution: the DWP list row D3 links to this child with a "
        "different date of birth: check it is the same child before contacting the family."
    )
    # It names the row, never the row's details (the caution is the child's own).
    cautions = " ".join(c for c in found.candidates["link_caution"].to_list() if c)
    for detail in ("2024-06-16", "2024-02-02", "Tia", "Orr", "Bea", "AB100005C", "FQ5"):
        assert detail not in cautions


def _links(*rows: tuple[str, str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (source, record, person, "linked", 0.9995, method)
            for source, record, person, method in rows
        ],
        schema={
            "source": pl.String,
            "record_id": pl.String,
            "person_id": pl.String,
            "band": pl.String,
            "match_probability": pl.Float64,
            "method": pl.String,
        },
        orient="row",
    )


def test_only_unconfirmed_links_with_another_birth_date_are_cautioned(folder, monkeypatch):
    """The links given as the linkage's. C5: D3 by Splink with another date, and two earlier
    places with other dates (FP1, C1's; FP7, 2022's), in one sentence. C2: D1 and FP2 with
    other dates, both confirmed by a person: no caution. C4: D2 and FP4, the same dates (the
    DWP row by Splink: the method alone is no caution)."""
    links = _links(
        ("dwp_list", "D1", "C2", "reviewer_confirmed"),
        ("dwp_list", "D2", "C4", "splink"),
        ("dwp_list", "D3", "C5", "splink"),
        ("funded_places", "FP1", "C5", "splink"),
        ("funded_places", "FP2", "C2", "reviewer_confirmed"),
        ("funded_places", "FP4", "C4", "child_name_dob_postcode"),
        ("funded_places", "FP7", "C5", "splink"),
    )
    monkeypatch.setattr(assess_module, "_probabilistic_links", lambda *_: links)
    found = assess(folder, "two_year_old", term_start=TERM, as_of=AS_OF)
    assert found.candidates.select("person_id", "dwp_record_id", "link_caution").rows() == [
        ("C2", "D1", None),
        ("C3", None, None),
        ("C4", "D2", None),
        ("C5", "D3", "the DWP list row D3 and the funded place rows FP1, FP7 link to this child "
         "with different dates of birth: check they are the same child's before contacting "
         "the family or relying on the places"),
    ]  # fmt: skip


def test_a_rule_set_without_the_dwp_list_cautions_places_alone(folder, monkeypatch):
    """The early years pupil premium reads no DWP list (the folder's is not loaded for it):
    the places for the term, FP8 given as C3's and FP3 as C5's (each the other's date of
    birth), are cautioned by themselves."""
    links = _links(
        ("funded_places", "FP3", "C5", "splink"),
        ("funded_places", "FP8", "C3", "splink"),
    )
    monkeypatch.setattr(assess_module, "_probabilistic_links", lambda *_: links)
    found = assess(folder, "early_years_pupil_premium", term_start=TERM, as_of=AS_OF)
    assert found.candidates.select("person_id", "link_caution").rows() == [
        ("C3", PLACE_DOB_CAUTION_ONE.format("FP8")),
        ("C5", PLACE_DOB_CAUTION_ONE.format("FP3")),
    ]
