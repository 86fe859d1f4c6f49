"""Every funded-place row accounted for, as every DWP-list row is: linked to a child, awaiting
review, linked to no child (in the age window or outside it), repeating another row, for another
term or stream, or quarantined; the manifest's counts add up; a row the list rests on that links
to no child is warned of by record id and provider (serious when a child may be left off the
list or shown as not already funded); and a place linked with another date of birth than the
council's is cautioned on the list row (a tester's case: FP0007, born 2024-02-02 on the row and
2024-02-20 on the council's records, linked by Splink at 0.9995 with no word)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.command import workbench
from workbench.eligibility import assess as assess_module
from workbench.eligibility.assess import assess
from workbench.eligibility.engine import PLACE_DOB_CAUTION_ONE
from workbench.linkage.places import place_outcomes, unlinked_places
from workbench.review.details import record_link_text
from workbench.runs.list_warnings import list_warnings

TERM = date(2026, 9, 1)
AS_OF = date(2026, 8, 1)

PEOPLE = (
    "person_id,household_id,forename,surname,date_of_birth,nino,postcode,role\n"
    "A1,H1,Ada,Lee,1990-01-01,AB100001C,FQ1 1AA,parent_carer\n"
    "C1,H1,Kit,Lee,2024-01-15,,FQ1 1AA,child\n"
    "A2,H2,Bea,Ray,1990-01-01,AB100002C,FQ2 2BB,parent_carer\n"
    "C2,H2,Mo,Ray,2024-02-20,,FQ2 2BB,child\n"
    "A3,H3,Cy,Fox,1990-01-01,AB100003C,FQ3 3CC,parent_carer\n"
    "C3,H3,Ana,Fox,2024-05-10,,FQ3 3CC,child\n"
    "A4,H4,Di,Ng,1990-01-01,AB100004C,FQ4 4DD,parent_carer\n"
    "C4,H4,Bo,Ng,2024-03-03,,FQ4 4DD,child\n"
    "A5,H5,Ed,Orr,1990-01-01,AB100005C,FQ5 5EE,parent_carer\n"
    "C5,H5,Tia,Orr,2024-06-06,,FQ5 5EE,child\n"
)
# C1 and C2 are on the list only by continued entitlement; C3 and C5 by their parent's
# Income Support.
BENEFITS = (
    "award_id,person_id,benefit,start_date\n"
    "AW1,A3,income_support,2025-01-01\n"
    "AW2,A5,income_support,2025-01-01\n"
)
PLACES = (
    "record_id,provider_id,term_start,child_forename,child_surname,child_date_of_birth,"
    "postcode,funding_stream\n"
    # C1's earlier place, the forename mistyped
    "FP1,EY1,2026-04-01,Kitt,Lee,2024-01-15,FQ1 1AA,two_year_old\n"
    # C2's earlier place, the date of birth mistyped (in the window either way)
    "FP2,EY1,2026-04-01,Mo,Ray,2024-02-02,FQ2 2BB,two_year_old\n"
    # C3's place for the term, the surname mistyped
    "FP3,EY2,2026-09-01,Ana,Foxe,2024-05-10,FQ3 3CC,two_year_old\n"
    # C4's earlier place, exactly, and the same row given again
    "FP4,EY1,2026-04-01,Bo,Ng,2024-03-03,FQ4 4DD,two_year_old\n"
    "FP5,EY1,2026-04-01,Bo,Ng,2024-03-03,FQ4 4DD,two_year_old\n"
    # C4's place for a later term: not this list's
    "FP6,EY1,2027-01-01,Bo,Ng,2024-03-03,FQ4 4DD,two_year_old\n"
    # a child the council does not hold, long past the window
    "FP7,EY3,2025-09-01,Sam,Poe,2022-06-01,FQ6 6FF,two_year_old\n"
    # C5's working-parent place for the term, the forename mistyped
    "FP8,EY2,2026-09-01,Tya,Orr,2024-06-06,FQ5 5EE,working_parent\n"
    # a term that is not a date: quarantined
    "FP9,EY1,spring,Ann,Lee,2024-01-01,FQ1 1AA,two_year_old\n"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "people.csv").write_text(PEOPLE)
    (data / "benefits.csv").write_text(BENEFITS)
    (data / "funded_places.csv").write_text(PLACES)
    return data


EXACT_SERIOUS = (
    "2 funded-place row(s) of an earlier term that could carry continued entitlement "
    "(continued_entitlement) link to no child, though the row's date of birth puts its child "
    "in the age window for the term starting 2026-09-01: FP1 (provider EY1, two_year_old, term "
    "starting 2026-04-01); FP2 (provider EY1, two_year_old, term starting 2026-04-01). A child "
    "kept on the list only by such a place is missing from it. Under exact linkage a row links "
    "only when the child's forename, surname and date of birth agree exactly with the "
    "council's record, so one typo leaves it unlinked: run with the default linkage "
    "(probabilistic), which links such a row or holds it for review, or correct the row with "
    "the provider (or the council's record) and run again",
    "1 funded-place row(s) for the term starting 2026-09-01 link to no child, though the row's "
    "date of birth puts its child in the age window: FP3 (provider EY2, two_year_old, term "
    "starting 2026-09-01). Such a child shows as not already funded (already_funded false) and "
    "may be contacted needlessly. Under exact linkage a row links only when the child's "
    "forename, surname and date of birth agree exactly with the council's record, so one typo "
    "leaves it unlinked: run with the default linkage (probabilistic), which links such a row "
    "or holds it for review, or correct the row with the provider (or the council's record) "
    "and run again",
)
EXACT_NOTE = (
    "1 other funded-place row(s) for the term starting 2026-09-01 link to no child, though the "
    "row's date of birth puts its child in the age window: FP8 (provider EY2, working_parent, "
    "term starting 2026-09-01). The list's working_parent_place may be false for such a child. "
    "Under exact linkage a row links only when the child's forename, surname and date of birth "
    "agree exactly with the council's record, so one typo leaves it unlinked: run with the "
    "default linkage (probabilistic), which links such a row or holds it for review, or "
    "correct the row with the provider (or the council's record) and run again"
)


def test_exact_linkage_accounts_for_every_place_and_warns_of_those_linked_to_no_child(
    folder, tmp_path
):
    found = assess(folder, "two_year_old", term_start=TERM, as_of=AS_OF, linkage="exact")
    listed = found.candidates.select("person_id", "reason_codes", "already_funded").rows()
    # C1 and C2 are left off: their earlier places link to no one under exact linkage.
    assert listed == [
        ("C3", ["income_support"], False),
        ("C4", ["continued_entitlement"], False),
        ("C5", ["income_support"], False),
    ]
    outcomes = place_outcomes(found)
    assert outcomes is not None
    assert outcomes.select("record_id", "person_id", "outcome").rows() == [
        ("FP1", None, "not_linked"),
        ("FP2", None, "not_linked"),
        ("FP3", None, "not_linked"),
        ("FP4", "C4", "linked"),
        ("FP5", None, "repeats"),
        ("FP6", None, "not_for_this_term"),
        ("FP7", None, "outside_window"),
        ("FP8", None, "not_linked"),
    ]
    written = found.write(tmp_path / "list.csv")
    expected = {
        "read": 9,
        "linked": 1,
        "awaiting_review": 0,
        "not_linked": 4,
        "outside_window": 1,
        "repeats": 1,
        "not_for_this_term": 1,
        "quarantined": 1,
    }
    assert written.funded_places_accounted == expected
    assert json.loads(written.manifest.read_text())["funded_places_accounted"] == expected
    warnings = list_warnings(found)
    assert [s for s in warnings.serious if "funded-place row" in s] == list(EXACT_SERIOUS)
    assert [s for s in warnings.notes if "funded-place row" in s] == [EXACT_NOTE]
    assert unlinked_places(found) == (list(EXACT_SERIOUS), [EXACT_NOTE])


def test_assess_strict_fails_and_prints_the_count_and_the_rows(folder, tmp_path):
    out = tmp_path / "list.csv"
    done = workbench(
        "assess", "--initiative", "two_year_old", "--data", str(folder),
        "--term-start", "2026-09-01", "--as-of", "2026-08-01", "--out", str(out),
        "--linkage", "exact", "--strict",
    )  # fmt: skip
    assert done.returncode == 3, done.stderr
    said = " ".join(done.stdout.split())
    assert (
        "Funded places: 9 row(s) read = 1 linked to a child + 0 awaiting review + 4 linked to "
        "no child in the age window + 1 outside the age window by the row's date of birth + 1 "
        "repeating another row + 1 for another term or stream + 1 quarantined."
    ) in said
    assert f"warning: {EXACT_SERIOUS[0]}" in done.stderr
    # Names no child: record ids and providers only.
    assert "Kitt" not in done.stderr and "Ray" not in done.stderr


def test_the_default_linkage_links_the_typos_and_cautions_the_other_birth_date(folder, tmp_path):
    """Splink links the rows with a typo (the same folder, the default linkage), so nothing
    is warned of; the earlier place linked with another date of birth is cautioned."""
    found = assess(folder, "two_year_old", term_start=TERM, as_of=AS_OF)
    outcomes = place_outcomes(found)
    assert outcomes is not None
    assert outcomes.select("record_id", "person_id", "outcome").rows() == [
        ("FP1", "C1", "linked"),
        ("FP2", "C2", "linked"),
        ("FP3", "C3", "linked"),
        ("FP4", "C4", "linked"),
        ("FP5", None, "repeats"),
        ("FP6", None, "not_for_this_term"),
        ("FP7", None, "outside_window"),
        ("FP8", "C5", "linked"),
    ]
    assert unlinked_places(found) == ([], [])
    rows = found.candidates.select(
        "person_id", "reason_codes", "already_funded", "working_parent_place", "link_caution"
    ).rows()
    assert rows == [
        ("C1", ["continued_entitlement"], False, False, None),
        ("C2", ["continued_entitlement"], False, False, PLACE_DOB_CAUTION_ONE.format("FP2")),
        ("C3", ["income_support"], True, False, None),
        ("C4", ["continued_entitlement"], False, False, None),
        ("C5", ["income_support"], False, True, None),
    ]
    written = found.write(tmp_path / "list.csv")
    assert written.funded_places_accounted == {
        "read": 9,
        "linked": 5,
        "awaiting_review": 0,
        "not_linked": 0,
        "outside_window": 1,
        "repeats": 1,
        "not_for_this_term": 1,
        "quarantined": 1,
    }
    text = found.explain("C2").to_text()
    assert (
        "Caution: the funded place row FP2 links to this child with a different date of "
        "birth: check it is the same child before relying on it.\n"
    ) in text
    assert "Caution" not in found.explain("C1").to_text()


def _place_links(*rows: tuple[str, str | None, str, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            ("funded_places", record, person, band, 0.9995, method)
            for record, person, band, method in rows
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


def test_only_places_the_list_rests_on_and_no_confirmed_link_are_cautioned(folder, monkeypatch):
    """The links given as the linkage's. Cautioned: C3's working-parent place for the term
    (FP8, C5's birth date) and C5's two earlier places (FP1, C1's birth date; FP7, 2022's), in
    one sentence naming both. Not: FP2, another date but confirmed by a person; FP6, another
    date but for a later term, which the list does not rest on; FP3 and FP4, the same date."""
    links = _place_links(
        ("FP1", "C5", "linked", "splink"),
        ("FP2", "C2", "linked", "reviewer_confirmed"),
        ("FP3", "C3", "linked", "splink"),
        ("FP4", "C4", "linked", "child_name_dob_postcode"),
        ("FP6", "C2", "linked", "splink"),
        ("FP7", "C5", "linked", "splink"),
        ("FP8", "C3", "linked", "splink"),
    )
    monkeypatch.setattr(assess_module, "_probabilistic_links", lambda *_: links)
    found = assess(folder, "two_year_old", term_start=TERM, as_of=AS_OF)
    assert found.candidates.select("person_id", "link_caution").rows() == [
        ("C2", None),
        ("C3", "the funded place row FP8 links to this child with a different date of birth: "
         "check it is the same child before relying on it"),
        ("C4", None),
        ("C5", "the funded place rows FP1, FP7 link to this child with different dates of "
         "birth: check they are the same child's before relying on them"),
    ]  # fmt: skip
    # The officer's panel and workbook say it too, after how the child was found.
    row = found.candidates.filter(pl.col("person_id") == "C3").row(0, named=True)
    assert record_link_text(row) == (
        "No record linkage: found from the council's own records. Caution: the funded place "
        "row FP8 links to this child with a different date of birth: check it is the same "
        "child before relying on it."
    )


def test_a_rule_set_that_reads_no_places_accounts_for_none(folder, tmp_path):
    found = assess(folder, "free_school_meals", term_start=TERM, as_of=AS_OF, linkage="exact")
    assert place_outcomes(found) is None
    written = found.write(tmp_path / "list.csv")
    assert written.funded_places_accounted is None
    assert "funded_places_accounted" not in json.loads(written.manifest.read_text())


def test_a_place_for_the_term_linked_to_no_child_is_serious_where_a_place_is_required(
    folder, tmp_path
):
    """The early years pupil premium lists only children with a place for the term: FP3 and
    FP8, linked to no child under exact linkage, leave C3 and C5 off the list."""
    found = assess(
        folder, "early_years_pupil_premium", term_start=TERM, as_of=AS_OF, linkage="exact"
    )
    assert found.candidates.is_empty()
    serious, notes = unlinked_places(found)
    assert notes == []
    assert len(serious) == 1
    assert serious[0].startswith(
        "2 funded-place row(s) for the term starting 2026-09-01 link to no child, though the "
        "row's date of birth puts its child in the age window: FP3 (provider EY2, two_year_old, "
        "term starting 2026-09-01); FP8 (provider EY2, working_parent, term starting "
        "2026-09-01). This initiative lists only children with a funded place for the term, so "
        "such a child is missing from the list. Under exact linkage"
    )


# A universal 3 and 4 year old place for the term, its child in the window by the row's date
# of birth, whom the council does not hold.
UNIVERSAL = "FP10,EY3,2026-09-01,Uma,Ash,2024-04-04,FQ7 7GG,universal_three_four\n"
EXACT_RESOLVE = (
    "Under exact linkage a row links only when the child's forename, surname and date of birth "
    "agree exactly with the council's record, so one typo leaves it unlinked: run with the "
    "default linkage (probabilistic), which links such a row or holds it for review, or "
    "correct the row with the provider (or the council's record) and run again"
)


@pytest.mark.parametrize(
    ("places", "named", "effect"),
    [
        (
            PLACES.replace(
                "FP8,EY2,2026-09-01,Tya,Orr,2024-06-06,FQ5 5EE,working_parent\n", UNIVERSAL
            ),
            "1 other funded-place row(s) for the term starting 2026-09-01 link to no child, "
            "though the row's date of birth puts its child in the age window: FP10 (provider "
            "EY3, universal_three_four, term starting 2026-09-01).",
            "Such a universal_three_four place changes no column of the list (already_funded "
            "counts only two_year_old places), though the child's explanation shows no funded "
            "place matched for the term.",
        ),
        (
            PLACES + UNIVERSAL,
            "2 other funded-place row(s) for the term starting 2026-09-01 link to no child, "
            "though the row's date of birth puts its child in the age window: FP10 (provider "
            "EY3, universal_three_four, term starting 2026-09-01); FP8 (provider EY2, "
            "working_parent, term starting 2026-09-01).",
            "For a working_parent row, the list's working_parent_place may be false for its "
            "child; a universal_three_four place changes no column of the list (already_funded "
            "counts only two_year_old places), though the child's explanation shows no funded "
            "place matched for the term.",
        ),
    ],
    ids=["universal_only", "working_parent_and_universal"],
)
def test_the_note_of_other_unlinked_places_says_what_their_streams_affect(
    folder, places, named, effect
):
    """A universal 3 and 4 year old place sets no column of the two-year-old list (only its
    own stream makes a child already funded, and working_parent_place is the working-parent
    stream's): the note says so, not that working_parent_place may be false."""
    (folder / "funded_places.csv").write_text(places)
    found = assess(folder, "two_year_old", term_start=TERM, as_of=AS_OF, linkage="exact")
    assert unlinked_places(found)[1] == [f"{named} {effect} {EXACT_RESOLVE}"]
