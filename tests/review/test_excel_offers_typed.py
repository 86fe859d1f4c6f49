"""A decision typed into an offer's workbook is read against the decisions that workbook's
drop-down offers: the error lists those, and a slip is never guessed to be a decision the
offer has no next step for (`workbench.review.offers.decisions_for`)."""

from __future__ import annotations

import pytest

from tests.review.test_excel_offers import DAF, FSM, KEY, export, store, type_in
from workbench.review.excel_import import ReviewImportError, import_review_workbook

__all__ = ["store"]  # the fixture, shared


def problems(store, book) -> list[str]:
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    return [str(p) for p in raised.value.problems]


def test_a_slip_on_a_disability_access_fund_workbook_is_not_guessed_to_be_check(store, tmp_path):
    book = export(store, tmp_path, "disability_access_fund", DAF)
    type_in(book, 2, {"decision": "chek"})
    type_in(book, 3, {"decision": "contcat"})
    assert problems(store, book) == [
        "row 2, column 'decision': 'chek' is not a decision; expected one of: contact, "
        "not_eligible, already_in_touch, defer",
        "row 3, column 'decision': 'contcat' is not a decision; did you mean 'contact'? "
        "expected one of: contact, not_eligible, already_in_touch, defer",
    ]


def test_a_free_school_meals_workbook_lists_check_but_no_link_decision(store, tmp_path):
    book = export(store, tmp_path, "free_school_meals", FSM)
    type_in(book, 2, {"decision": "chek"})
    assert problems(store, book) == [
        "row 2, column 'decision': 'chek' is not a decision; did you mean 'check'? expected one "
        "of: contact, not_eligible, already_in_touch, defer, check",
    ]
