"""A DWP-list row that Splink alone linked to a council child outside the age window (the two
dates of birth differ: a day and month swapped, in a tester's case) stays on the list on its
own, with the child proposed beside it and a caution, until an officer confirms the link; an
exact-rule link or a confirmed one takes the row off the list with the child, as before."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.review.test_link_decisions import decisions
from workbench.eligibility import assess as assess_module
from workbench.eligibility.assess import assess, load
from workbench.errors import UsageError
from workbench.review.link_decisions import StoredLinkDecisions

TERM = date(2026, 9, 1)
KEY = bytes(range(32))
CAUTION = (
    "the council child proposed as its match, C1, is not listed: their date of birth on the "
    "council's records is not the list's and is outside the age window. Check which date of "
    "birth is right before deciding the link (confirmed, this row goes off the list with "
    "that child until the council's record is corrected)"
)
NOT_LISTED = (
    "matched to council record C1, who is not listed (outside the age window by the "
    "council's date of birth): check which date of birth is right"
)
SHOWN = (
    "person_id",
    "dwp_record_id",
    "link_needs_review",
    "probable_person_id",
    "match_probability",
    "link_method",
    "link_caution",
)


@pytest.fixture
def data(tmp_path: Path):
    """C1 born 2024-09-03 on the council's records (in the window from January 2027); DWP's
    D1 names her born 2024-03-09 (in it now). C2 is in the window, linked to D2 by the exact
    pass; D3 is linked to no one."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "people.csv").write_text(
        "person_id,household_id,forename,surname,date_of_birth,nino,postcode,role\n"
        "A1,H1,Ada,Wright,1990-01-01,AB123456C,FQ1 1AA,parent_carer\n"
        "C1,H1,Holly,Wright,2024-09-03,,FQ1 1AA,child\n"
        "A2,H2,Bo,Lee,1991-01-01,AB654321C,FQ2 2BB,parent_carer\n"
        "C2,H2,Kit,Lee,2024-03-02,,FQ2 2BB,child\n"
    )
    (folder / "benefits.csv").write_text("award_id,person_id,benefit,start_date\n")
    (folder / "dwp_list.csv").write_text(
        "record_id,child_forename,child_surname,child_date_of_birth,parent_forename,"
        "parent_surname,parent_nino,postcode\n"
        "D1,Holly,Wright,2024-03-09,Ada,Wright,,FQ1 1AA\n"
        "D2,Kit,Lee,2024-03-02,Bo,Lee,AB654321C,FQ2 2BB\n"
        "D3,Zed,Ray,2024-01-10,Amy,Ray,,FQ3 3CC\n"
    )
    return load(folder)


def _links(method: str, band: str = "linked") -> pl.DataFrame:
    return pl.DataFrame(
        [
            ("dwp_list", "D1", "C1", band, 0.998, method),
            ("dwp_list", "D2", "C2", "linked", None, "parent_nino_and_child_dob"),
            ("dwp_list", "D3", None, "not_linked", 0.01, "splink"),
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


def _assessed(data, monkeypatch, links: pl.DataFrame, store=None):
    """The two-year-old list with `links` as the linkage's (Splink's scores are the tests')."""
    monkeypatch.setattr(assess_module, "_probabilistic_links", lambda *_: links)
    return assess(data, "two_year_old", term_start=TERM, as_of=TERM, store=store)


def test_a_splink_link_to_a_child_outside_the_window_keeps_the_row_listed(data, monkeypatch):
    found = _assessed(data, monkeypatch, _links("splink"))
    # Sorted by person_id, then dwp_record_id; the rows on their own last.
    assert found.candidates.select(SHOWN).rows() == [
        ("C2", "D2", False, None, None, "parent_nino_and_child_dob", None),
        (None, "D1", True, "C1", 0.998, None, CAUTION),
        (None, "D3", False, None, None, None, None),
    ]
    assert found.candidates.filter(pl.col("dwp_record_id") == "D1").select(
        "tier", "reason_codes"
    ).row(0) == ("likely", ["dwp_list"])
    unlisted = found.not_listed()
    assert unlisted is not None and unlisted.is_empty()
    # The link is a proposal: not linked until a person confirms it.
    held = found.links.filter(pl.col("record_id") == "D1")
    assert held.select("person_id", "band", "method").row(0) == ("C1", "clerical_review", "splink")
    with pytest.raises(UsageError, match="Caution: the council child proposed as its match, C1"):
        found.explain("D1")


@pytest.mark.parametrize("method", ["parent_nino_and_child_dob", "reviewer_confirmed"])
def test_an_exact_or_confirmed_link_takes_the_row_off_the_list_with_the_child(
    data, monkeypatch, method
):
    found = _assessed(data, monkeypatch, _links(method))
    assert found.candidates.select("person_id", "dwp_record_id").rows() == [
        ("C2", "D2"),
        (None, "D3"),
    ]
    unlisted = found.not_listed()
    assert unlisted is not None
    assert unlisted.select("record_id", "person_id", "reason").rows() == [("D1", "C1", NOT_LISTED)]


def _stored(*rows: tuple[str, str, str]) -> StoredLinkDecisions:
    return StoredLinkDecisions(decisions(*rows), "head", KEY)


def test_an_officer_confirming_the_held_link_takes_the_row_off_the_list(data, monkeypatch):
    found = _assessed(
        data, monkeypatch, _links("splink"), store=_stored(("D1", "C1", "link_confirmed"))
    )
    assert found.link_decisions is not None and found.link_decisions.confirmed == 1
    assert found.candidates.select("person_id", "dwp_record_id").rows() == [
        ("C2", "D2"),
        (None, "D3"),
    ]
    unlisted = found.not_listed()
    assert unlisted is not None
    assert unlisted.select("record_id", "reason").rows() == [("D1", NOT_LISTED)]
    assert found.links.filter(pl.col("record_id") == "D1").select("band", "method").row(0) == (
        "linked",
        "reviewer_confirmed",
    )


def test_an_officer_rejecting_the_held_link_lists_the_row_with_no_proposal(data, monkeypatch):
    found = _assessed(
        data, monkeypatch, _links("splink"), store=_stored(("D1", "C1", "link_rejected"))
    )
    assert found.link_decisions is not None and found.link_decisions.rejected == 1
    assert found.candidates.select(SHOWN).rows()[1:] == [
        (None, "D1", False, None, None, None, None),
        (None, "D3", False, None, None, None, None),
    ]


def test_a_row_outside_the_window_by_its_own_date_is_not_held(data, monkeypatch):
    """Splink linked D3, born 2022 on the list (past the window by its own date), to C1: the
    row is not listed for its own date, as before, and the link is left as Splink made it."""
    dwp = data.tables["dwp_list"].with_columns(
        pl.when(pl.col("record_id") == "D3")
        .then(pl.lit(date(2022, 2, 1)))
        .otherwise(pl.col("child_date_of_birth"))
        .alias("child_date_of_birth")
    )
    links = pl.DataFrame(
        {
            "source": ["dwp_list"] * 3,
            "record_id": ["D1", "D2", "D3"],
            "person_id": [None, "C2", "C1"],
            "band": ["not_linked", "linked", "linked"],
            "match_probability": [0.01, None, 0.97],
            "method": ["splink", "parent_nino_and_child_dob", "splink"],
        }
    )
    found = _assessed(replace(data, tables={**data.tables, "dwp_list": dwp}), monkeypatch, links)
    assert found.links.filter(pl.col("record_id") == "D3")["band"].item() == "linked"
    unlisted = found.not_listed()
    assert unlisted is not None
    assert unlisted.select("record_id", "reason").rows() == [
        (
            "D3",
            "past the age window by its date of birth on the list (it closed on 2025-04-01): "
            "check the date of birth with the family",
        )
    ]


@pytest.mark.parametrize(
    ("method", "status"), [("splink", "not_met"), ("parent_nino_and_child_dob", "met")]
)
def test_findings_hold_the_link_as_the_list_does(data, method, status):
    """What `findings` says of the council child C1 agrees with the list: a link Splink alone
    made awaits review, so the DWP list is not met on it; an exact link is used."""
    from workbench.eligibility.findings import findings
    from workbench.rules import load_rule_set

    found = findings(
        {name: frame.lazy() for name, frame in data.tables.items()},
        load_rule_set("two_year_old"),
        person_ids=["C1"],
        term_start=TERM,
        as_of=TERM,
        links=_links(method),
    )
    assert found.filter(pl.col("reason_code") == "dwp_list")["status"].to_list() == [status]


TWIN_HELD = (
    "a twin, council record C6 (the same date of birth and household), also scores at least "
    "the review threshold, and the row's forename is not exactly the chosen child's"
)
DOB_HELD = "the date of birth differs and the row names another parent"


def held_links() -> pl.DataFrame:
    """The links as `workbench link` writes them (`held_because` last): D1's pair held for
    its date of birth (C1 outside the window, too), D4's for the proposed child's twin."""
    from workbench.linkage import LINKAGE_RESULT_SCHEMA

    return pl.DataFrame(
        [
            ("dwp_list", "D1", "C1", "clerical_review", 0.93, 3.7, "splink", None, DOB_HELD),
            ("dwp_list", "D2", "C2", "linked", None, None, "parent_nino_and_child_dob", None, None),
            ("dwp_list", "D3", None, "not_linked", 0.01, -6.6, "splink", None, None),
            ("dwp_list", "D4", "C5", "clerical_review", 0.999994, 17.4, "splink", None, TWIN_HELD),
        ],
        schema=LINKAGE_RESULT_SCHEMA,
        orient="row",
    )


@pytest.fixture
def twins(data, tmp_path: Path):
    """`data` with the twins Isla (C5) and Ella (C6) Lee, born 5 May 2024, and DWP's D4 for
    "Ila Lee", born that day: a slip of either twin's name."""
    folder = tmp_path / "data"
    with (folder / "people.csv").open("a") as people:
        people.write(
            "A3,H3,Jo,Lee,1990-02-02,AB111111C,FQ3 3AA,parent_carer\n"
            "C5,H3,Isla,Lee,2024-05-05,,FQ3 3AA,child\n"
            "C6,H3,Ella,Lee,2024-05-05,,FQ3 3AA,child\n"
        )
    with (folder / "dwp_list.csv").open("a") as dwp:
        dwp.write("D4,Ila,Lee,2024-05-05,Jo,Lee,,FQ3 3AA\n")
    return load(folder)


def test_a_held_pair_s_reason_reaches_the_list_beside_its_caution(twins, monkeypatch, tmp_path):
    """Why the linkage held each pair (`held_because`) is on the row listed on its own, after
    `link_caution`, as the list file's last column before `run_id`: D4's twin, and D1's date
    of birth beside the caution that C1 is outside the window. Other rows have none."""
    found = _assessed(twins, monkeypatch, held_links())
    shown = ("person_id", "dwp_record_id", "link_needs_review", "probable_person_id")
    assert found.candidates.select(*shown, "link_caution", "held_because").rows() == [
        ("C2", "D2", False, None, None, None),
        (None, "D1", True, "C1", CAUTION, DOB_HELD),
        (None, "D3", False, None, None, None),
        (None, "D4", True, "C5", None, TWIN_HELD),
    ]
    assert found.candidates.columns[-3:] == ["link_method", "link_caution", "held_because"]
    written = pl.read_csv(found.write(tmp_path / "list.csv").out, infer_schema=False)
    assert written.columns[-3:] == ["link_caution", "held_because", "run_id"]
    assert written["held_because"].to_list() == [None, DOB_HELD, None, TWIN_HELD]


def test_links_that_do_not_say_why_leave_held_because_empty(data, monkeypatch):
    """Links without the column (the exact pass's; a list's links made before it) hold D1 for
    its date of birth alone: `link_caution` says why, `held_because` is empty."""
    found = _assessed(data, monkeypatch, _links("splink"))
    assert found.candidates.select("dwp_record_id", "link_caution", "held_because").rows() == [
        ("D2", None, None),
        ("D1", CAUTION, None),
        ("D3", None, None),
    ]


def test_explain_says_why_a_held_row_s_link_was_held_beside_its_caution(twins, monkeypatch):
    """`explain` of a DWP-list row held for review gives the linkage's reason
    (`held_because`), then the list's caution when it has one; a row held without a reason
    (links that do not say why) gives the caution alone, as before."""
    found = _assessed(twins, monkeypatch, held_links())
    awaits = (
        "proposed as its match, scored {chance}: the link awaits review (link_needs_review) "
        "and counts only once an officer confirms it (link_confirmed); to see the child, "
        "explain --person {child}"
    )
    with pytest.raises(UsageError) as d4:
        found.explain("D4")
    assert str(d4.value) == (
        "'D4' is a row of the DWP list, not a person: it is listed on its own, likely, with "
        f"council child C5 {awaits.format(chance='1.000', child='C5')}. Held for review "
        f"because: {TWIN_HELD}"
    )
    with pytest.raises(UsageError) as d1:
        found.explain("D1")
    assert str(d1.value) == (
        "'D1' is a row of the DWP list, not a person: it is listed on its own, likely, with "
        f"council child C1 {awaits.format(chance='0.930', child='C1')}. Held for review "
        f"because: {DOB_HELD}. Caution: {CAUTION}"
    )
    without = _assessed(twins, monkeypatch, _links("splink"))
    with pytest.raises(UsageError) as alone:
        without.explain("D1")
    assert str(alone.value).endswith(f"explain --person C1. Caution: {CAUTION}")
    assert "Held for review" not in str(alone.value)


def test_a_row_whose_best_match_another_row_took_is_cautioned_without_naming_either(
    data, monkeypatch
):
    """D3 lost its best match, C2, to D2, which scored higher: listed on its own, it is
    cautioned that it may be the same child listed twice, naming neither C2 nor D2; its
    explain and its record-link text in the panel and workbook say so."""
    from workbench.eligibility.engine import LOST_BEST_MATCH_CAUTION
    from workbench.linkage import LINKAGE_RESULT_SCHEMA
    from workbench.review.details import record_link_text

    lost = (
        "its best match, council record C2, was taken by row D2, which scored higher (the "
        "probability and contributions here are this row's with it)"
    )
    links = pl.DataFrame(
        [
            ("dwp_list", "D1", "C1", "clerical_review", 0.93, 3.7, "splink", None, DOB_HELD),
            ("dwp_list", "D2", "C2", "linked", 0.9999, 12.0, "splink", None, None),
            ("dwp_list", "D3", None, "not_linked", 0.95, 8.1, "splink", None, lost),
        ],
        schema=LINKAGE_RESULT_SCHEMA,
        orient="row",
    )
    found = _assessed(data, monkeypatch, links)
    rows = found.candidates.select("dwp_record_id", "link_needs_review", "link_caution")
    assert rows.rows() == [
        ("D2", False, None),
        ("D1", True, CAUTION),
        ("D3", False, LOST_BEST_MATCH_CAUTION),
    ]
    assert "C2" not in LOST_BEST_MATCH_CAUTION and "D2" not in LOST_BEST_MATCH_CAUTION
    with pytest.raises(UsageError) as d3:
        found.explain("D3")
    assert str(d3.value) == (
        "'D3' is a row of the DWP list, not a person: it is listed on its own, likely (no child "
        f"in the council's data matched it). Caution: {LOST_BEST_MATCH_CAUTION}"
    )
    row = found.candidates.filter(pl.col("dwp_record_id") == "D3").row(0, named=True)
    assert record_link_text(row) == (
        "A DWP-list row matched to no child in the council's records. Caution: "
        f"{LOST_BEST_MATCH_CAUTION}."
    )
