"""Why a DWP-list row's link was held for review reaches the officer on a list `assess` made:
the list's `held_because` and `link_caution`, said first in the review panel and in the review
workbook's `record_link`, and the match score after them in words, never a bare figure beside
the proposed match (a twin scores as high as the child)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from tests.eligibility.test_held_links import CAUTION, DOB_HELD, TWIN_HELD, held_links
from workbench.eligibility import assess as assess_module
from workbench.eligibility.assess import assess
from workbench.review import ReviewStore, pseudonym
from workbench.review.details import read_child_details, record_link_text
from workbench.review.excel import export_review_workbook
from workbench.review.lists import read_list_file, register_list_file
from workbench.review.panel import ReviewPanel

KEY = bytes(range(32))
TERM = date(2026, 9, 1)
AWAITS = (
    "A probable match with a child in the council's records awaits review: this DWP-list row "
    "is listed on its own until someone records link confirmed or link rejected."
)
COMPARE = "Compare it with the DWP-list row before deciding."
ALIKE = (
    "but that only says the two records are much alike: a twin's or a namesake's can be too. "
    "Decide on the reason it was held, above, not on the score."
)
# D4, "Ila Lee": Isla (C5) proposed, her twin Ella (C6) named, as her household's.
D4_LINK = (
    "Held for review because a twin, Ella Lee (council record C6) (the same date of birth and "
    "household), also scores at least the review threshold, and the row's forename is not "
    f"exactly the chosen child's. {AWAITS} Proposed match: Isla Lee (council record C5), born "
    "5 May 2024, 3 Mill Lane, FQ3 3AA; parents or carers: Jo Lee. "
    f"{COMPARE} The match score is very high (99.9994%), {ALIKE}"
)
# D1, "Holly Wright" born 9 March 2024: Holly (C1) proposed, born 3 September 2024 on the
# council's records, outside the window: the linkage's reason, then the list's caution.
D1_LINK = (
    f"Held for review because {DOB_HELD}. Also, {CAUTION}. {AWAITS} Proposed match: Holly "
    "Wright (council record C1), born 3 September 2024, 1 Heron Row, FQ1 1AA; parents or "
    f"carers: Ada Wright. {COMPARE} The match score is high (93%), {ALIKE}"
)


@pytest.fixture
def listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The two-year-old list `assess` writes with `held_links` as the linkage's: D1 and D4
    listed on their own, their links held for review, each saying why."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "people.csv").write_text(
        "person_id,household_id,forename,surname,date_of_birth,nino,postcode,role,address_line_1\n"
        "A1,H1,Ada,Wright,1990-01-01,AB123456C,FQ1 1AA,parent_carer,1 Heron Row\n"
        "C1,H1,Holly,Wright,2024-09-03,,FQ1 1AA,child,1 Heron Row\n"
        "A2,H2,Bo,Lee,1991-01-01,AB654321C,FQ2 2BB,parent_carer,2 Quay Street\n"
        "C2,H2,Kit,Lee,2024-03-02,,FQ2 2BB,child,2 Quay Street\n"
        "A3,H3,Jo,Lee,1990-02-02,AB111111C,FQ3 3AA,parent_carer,3 Mill Lane\n"
        "C5,H3,Isla,Lee,2024-05-05,,FQ3 3AA,child,3 Mill Lane\n"
        "C6,H3,Ella,Lee,2024-05-05,,FQ3 3AA,child,3 Mill Lane\n"
    )
    (folder / "benefits.csv").write_text("award_id,person_id,benefit,start_date\n")
    (folder / "dwp_list.csv").write_text(
        "record_id,child_forename,child_surname,child_date_of_birth,parent_forename,"
        "parent_surname,parent_nino,postcode,address_line_1\n"
        "D1,Holly,Wright,2024-03-09,Ada,Wright,,FQ1 1AA,1 Heron Row\n"
        "D2,Kit,Lee,2024-03-02,Bo,Lee,AB654321C,FQ2 2BB,2 Quay Street\n"
        "D3,Zed,Ray,2024-01-10,Amy,Ray,,FQ3 3CC,5 Dock Road\n"
        "D4,Ila,Lee,2024-05-05,Jo,Lee,,FQ3 3AA,3 Mill Lane\n"
    )
    monkeypatch.setattr(assess_module, "_probabilistic_links", lambda *_: held_links())
    found = assess(folder, "two_year_old", term_start=TERM, as_of=TERM)
    return found.write(tmp_path / "list.csv").out


def key_of(record_id: str) -> str:
    return pseudonym("dwp", record_id, KEY)


def test_the_panel_says_why_a_link_was_held_before_the_match_and_its_score(
    listed: Path, tmp_path: Path
):
    with ReviewStore(tmp_path / "review.sqlite") as store:
        list_id, found = register_list_file(store, listed, KEY)
        assert found.candidates["held_because"].to_list() == [None, DOB_HELD, None, TWIN_HELD]
        details = read_child_details(found, KEY)
        panel = ReviewPanel(
            store, list_id, found.candidates, key=KEY, details=details, reviewer="A. Officer"
        )
        for record, text in [("D4", D4_LINK), ("D1", D1_LINK)]:
            panel.select(key_of(record))
            shown = panel.detail.value.replace("&#x27;", "'")
            assert f"<h3>Record link</h3><p>{text}</p>" in shown
            assert "match probability" not in shown  # no bare figure beside the match
        # The row linked by the exact pass, and the row matched to no one, say nothing of it.
        panel.select(key_of("D3"))
        assert "Held for review" not in panel.detail.value


def test_the_workbook_s_record_link_says_why_a_link_was_held(listed: Path, tmp_path: Path):
    with ReviewStore(tmp_path / "review.sqlite") as store:
        list_id, found = register_list_file(store, listed, KEY)
        book = export_review_workbook(
            store,
            list_id,
            found.candidates,
            tmp_path / "review.xlsx",
            key=KEY,
            details=read_child_details(found, KEY),
        )
    rows = list(openpyxl.load_workbook(book)["Review"].iter_rows(values_only=True))
    header = list(rows[0])
    links = {
        row[header.index("dwp_record_id")]: row[header.index("record_link")] for row in rows[1:]
    }
    assert links == {
        "D2": "Matched to a row of the DWP list because the parent's National Insurance number "
        "and the child's date of birth agree.",
        "D1": D1_LINK,
        "D3": "A DWP-list row matched to no child in the council's records.",
        "D4": D4_LINK,
    }


def test_without_the_details_the_list_s_words_are_shown_with_record_ids(listed: Path):
    """No data folder read: the list's `held_because` as written, ids only."""
    found = read_list_file(listed)
    row = found.candidates.filter(pl.col("dwp_record_id") == "D4").row(0, named=True)
    row["link_needs_review"] = True
    row["match_probability"] = float(row["match_probability"])
    assert record_link_text(row) == (
        f"Held for review because {TWIN_HELD}. {AWAITS} Proposed match: council record C5. "
        f"{COMPARE} The match score is very high (99.9994%), {ALIKE}"
    )


BELOW = "the match probability is below the linked threshold (95%)"


@pytest.mark.parametrize(
    ("held", "caution", "chance", "said"),
    [
        # The score is the reason: said as such, no "but".
        (
            BELOW,
            None,
            0.93,
            f"Held for review because {BELOW}. {AWAITS} Proposed match: council record C5. "
            f"{COMPARE} The match score is high (93%): not high enough to match the two "
            "records without a person checking.",
        ),
        # A held reason with a score that is not high: no "a high score" words.
        (
            TWIN_HELD,
            None,
            0.62,
            f"Held for review because {TWIN_HELD}. {AWAITS} Proposed match: council record C5. "
            f"{COMPARE} The match score is moderate (62%). Check the reason it was held, above, "
            "before deciding.",
        ),
        # Held for its date of birth alone (the list's caution): the caution is the reason.
        (
            None,
            CAUTION,
            0.998,
            f"Held for review because {CAUTION}. {AWAITS} Proposed match: council record C5. "
            f"{COMPARE} The match score is very high (99.8%), {ALIKE}",
        ),
        # A list that says neither (written before lists did): as before, the figure beside.
        (
            None,
            None,
            0.998,
            f"{AWAITS} Proposed match: council record C5 (match probability 99.8%). {COMPARE}",
        ),
    ],
)
def test_the_score_is_said_after_the_reason_in_words(held, caution, chance, said):
    row = {
        "link_needs_review": True,
        "probable_person_id": "C5",
        "match_probability": chance,
        "held_because": held,
        "link_caution": caution,
    }
    assert record_link_text(row) == said


def test_the_store_keeps_why_a_link_was_held_with_each_id_as_its_pseudonym(
    listed: Path, tmp_path: Path
):
    """Registering the list keeps each held row's `held_because` with the row, its council
    record ids pseudonymous: subject access finds from the store alone a view naming a child
    in why. Rows whose link does not await review keep none."""
    with ReviewStore(tmp_path / "review.sqlite", key=KEY) as store:
        list_id, _ = register_list_file(store, listed, KEY)
        assert store.hold_reasons(list_id) == {
            key_of("D1"): DOB_HELD,
            key_of("D4"): TWIN_HELD.replace("C6", pseudonym("person", "C6", KEY)),
        }
        stored = store._conn.execute("SELECT group_concat(held_because) FROM list_items")
        assert "C6" not in stored.fetchone()[0]
        assert store.verify_lists() == (1, [])
