"""What the store takes as a reason and as a reviewer's name: `workbench.review.schema`'s
checks, shared by the review panel, a workbook's import and the store itself."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from workbench.errors import WorkbenchError
from workbench.review import ReviewStore
from workbench.review.lists import register_list
from workbench.review.schema import names_someone, reason_too_long, says_why, why_not_a_name

KEY = bytes(range(32))

PLACEHOLDERS = ["N/A.", "none.", "n/a!", "-- n/a --", "(none)", "not applicable.", "unknown.",
                "nil.", "...", "no", "xx", "asdf", "test", "ok", "see notes", "See the notes.",
                "2026-09-14", "Not known"]  # fmt: skip
REASONS = ["moved", "Moved to Leeds", "no longer two", "not the same child", "DOB wrong",
           "has a place elsewhere", "another mother", "dup", "x" * 3 + " moved"]  # fmt: skip


@pytest.mark.parametrize("reason", PLACEHOLDERS)
def test_placeholders_say_nothing_whatever_their_punctuation_and_case(reason: str) -> None:
    assert not says_why(reason)


@pytest.mark.parametrize("reason", REASONS)
def test_reasons_in_words_say_why(reason: str) -> None:
    assert says_why(reason)


NO_ONE = ["n/a", "admin", "test", "Officer", "none", "null", "unknown", "root",
          "reviewer", "<img src=x onerror=alert(5)>Al", "Test User", "A.B.", "x", "R2"]  # fmt: skip
SOMEONE = ["Al", "A. Officer", "J Smith", "J SMITH", "O'Neil", "Zoë Ng", "a.officer",
           "records.officer", "B Cole", "Someone Else", "AL"]  # fmt: skip


@pytest.mark.parametrize("name", NO_ONE)
def test_placeholders_role_words_initials_and_markup_name_no_one(name: str) -> None:
    assert not names_someone(name)


@pytest.mark.parametrize("name", SOMEONE)
def test_names_as_colleagues_know_them_name_someone(name: str) -> None:
    assert names_someone(name)


SHORT = "has no word of two letters or more"
WHY_NO_ONE = {"admin": "is a role word", "Officer": "is a role word", "root": "is a role word",
              "reviewer": "is a role word", "Early Years Officer": "is a role word",
              "n/a": "is a placeholder", "none": "is a placeholder",
              "Test User": "is a placeholder",
              "Test Officer": "is only placeholders and role words",
              "<img src=x onerror=alert(5)>Al": "holds markup ('<' or '>')",
              "A.B.": SHORT, "x": SHORT, "R2": SHORT, "  ": "is empty"}  # fmt: skip


def test_a_refused_name_is_refused_for_what_it_is_not_for_being_short() -> None:
    """A role word (`Officer`) was refused as "two letters at least", which it has."""
    assert {name: why_not_a_name(name) for name in WHY_NO_ONE} == WHY_NO_ONE
    assert [why_not_a_name(name) for name in SOMEONE] == [None] * len(SOMEONE)
    assert all(not names_someone(name) for name in WHY_NO_ONE)


def test_a_reason_may_be_two_thousand_characters_and_no_more() -> None:
    assert (reason_too_long("m" * 2000), reason_too_long(" " + "m" * 2000 + " ")) == (False, False)
    assert reason_too_long("m" * 2001)


def test_the_store_refuses_a_placeholder_a_long_reason_and_a_role_word(tmp_path: Path) -> None:
    candidates = pl.DataFrame(
        {"person_id": ["P1"], "tier": ["likely"], "reason_codes": [["income_support"]]}
    )
    with ReviewStore(tmp_path / "review.sqlite") as store:
        list_id = register_list(store, candidates, "r-1", "two_year_old@1", {}, KEY)
        item = store.items(list_id)["item_key"][0]
        with pytest.raises(WorkbenchError) as placeholder:
            store.record_decision(list_id, item, "not_eligible", "A. Officer", "N/A.")
        assert str(placeholder.value) == (
            "decision 1: a not_eligible decision needs a reason saying why in words; 'N/A.' "
            "says nothing about why"
        )
        with pytest.raises(WorkbenchError) as long:
            store.record_decision(list_id, item, "contact", "A. Officer", "m" * 60_000)
        assert str(long.value) == (
            "decision 1: the reason is 60,000 characters long; a reason can be at most 2,000: "
            "say why in a few sentences (the case notes can hold the rest)"
        )
        with pytest.raises(WorkbenchError, match="reviewer 'Officer' is not a person's name"):
            store.record_decision(list_id, item, "contact", "Officer")
        assert store.decisions(list_id).height == 0
