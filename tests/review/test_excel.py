"""The Excel round trip: a review workbook out, filled in with openpyxl as an officer would,
and decisions back in, all or nothing, with every bad edit named by sheet row and column."""

from __future__ import annotations

import json
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import openpyxl
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

import workbench.review.excel_import as excel_import
from workbench.eligibility.assess import write_list
from workbench.errors import DataFileError, UsageError, WorkbenchError
from workbench.provenance import file_sha256
from workbench.review import DECISIONS, REASON_REQUIRED, ReviewStore, pseudonym
from workbench.review.excel import export_list_file, export_review_workbook
from workbench.review.excel_import import (
    ImportResult,
    ReadAs,
    ReviewImportError,
    import_review_workbook,
    missing_rows_text,
)
from workbench.review.lists import read_list_file, register_list, register_list_file
from workbench.review.workbook import (
    COLUMNS,
    IMPORTABLE_FORMATS,
    LOCKED_COLUMNS,
    WRAPPED,
    edited_columns,
    exported_on,
    row_checksum,
)
from workbench.rules import load_rule_set

# A cell's value as openpyxl reads or writes it (its stubs' own name for it is private).
CellValue = Any

KEY = bytes(range(32))
RULE_SET = "two_year_old@2026.11.1"
EVIDENCE = pl.List(
    pl.Struct(
        {
            "reason_code": pl.String,
            "table": pl.String,
            "record_id": pl.String,
            "parent_carer_id": pl.String,
            "status": pl.String,
        }
    )
)
K1 = pseudonym("person", "P1", KEY)
K2 = pseudonym("person", "P2", KEY)
K_DWP = pseudonym("dwp", "D9", KEY)
K4 = pseudonym("person", "P4", KEY)
# The sheet row (header = row 1) of each child, in the candidate list's order.
ROW = {"P1": 2, "P2": 3, "D9": 4, "P4": 5}


def candidate_list(*person_ids: str | None) -> pl.DataFrame:
    """Four hand-made candidates shaped as the engine writes them (or a subset by person id)."""
    frame = pl.DataFrame(
        {
            "person_id": ["P1", "P2", None, "P4"],
            "dwp_record_id": [None, None, "D9", None],
            "initiative": ["two_year_old"] * 4,
            "tier": ["likely", "possible", "likely", "likely"],
            "reason_codes": [["income_support"], [], ["dwp_list"], ["looked_after"]],
            "eligible_from": [date(2026, 9, 1), date(2026, 9, 1), date(2026, 4, 1), None],
            "already_funded": [False, False, False, True],
            "review_status": ["pending_review"] * 4,
            "eligible_to": [date(2027, 9, 1)] * 4,
            "evidence": [
                [{"reason_code": "income_support", "table": "benefits", "record_id": "A1",
                  "parent_carer_id": "P0", "status": "met"}],
                [{"reason_code": "universal_credit_low_income", "table": "benefits",
                  "record_id": "A2", "parent_carer_id": "P5", "status": "income_missing"}],
                [{"reason_code": "dwp_list", "table": "dwp_list", "record_id": "D9",
                  "parent_carer_id": None, "status": "met"}],
                [{"reason_code": "looked_after", "table": "child_statuses", "record_id": "S4",
                  "parent_carer_id": None, "status": "met"}],
            ],
            "link_needs_review": [False, False, True, False],
            "rule_set": [RULE_SET] * 4,
            "probable_person_id": [None, None, "P2", None],
            "match_probability": [None, None, 0.97, None],
            "funded_place_to_review": [None, "F8;F9", None, None],
        },
        schema_overrides={"evidence": EVIDENCE},
    )  # fmt: skip
    if person_ids:
        frame = frame.filter(pl.col("person_id").is_in(list(person_ids)))
    return frame


class Clock:
    """The store's clock, set by the test: ``clock.day = "2026-09-03"``."""

    def __init__(self) -> None:
        self.day = "2026-09-01"

    def __call__(self) -> datetime:
        return datetime.fromisoformat(f"{self.day}T09:00:00").replace(tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[ReviewStore]:
    with ReviewStore(tmp_path / "review.sqlite", clock=clock) as opened:
        yield opened


@pytest.fixture
def exported(store: ReviewStore, tmp_path: Path) -> tuple[str, Path]:
    """The four-child list registered and exported: (list_id, workbook)."""
    candidates = candidate_list()
    list_id = register_list(store, candidates, "r-1", RULE_SET, {"people.csv": "ab"}, KEY)
    book = export_review_workbook(
        store, list_id, candidates, tmp_path / "review.xlsx", key=KEY, user="Tess Ter"
    )
    return list_id, book


def fill(path: Path, edits: dict[int, dict[str, CellValue]], out: Path | None = None) -> Path:
    """Type values into the Review sheet as an officer would: {sheet row: {column: value}}."""
    book = openpyxl.load_workbook(path)
    sheet = book["Review"]
    for row, values in edits.items():
        for column, value in values.items():
            sheet.cell(row=row, column=COLUMNS.index(column) + 1).value = value
    out = out or path
    book.save(out)
    return out


def read_rows(path: Path) -> list[dict[str, CellValue]]:
    sheet = openpyxl.load_workbook(path)["Review"]
    rows = list(sheet.iter_rows(values_only=True))
    header = cast(tuple[str, ...], rows[0])
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def recorded(store: ReviewStore, list_id: str) -> list[tuple[str, str, str, str | None]]:
    frame = store.decisions(list_id).select("item_key", "decision", "reviewer", "reason")
    return frame.rows()


def problems_of(store: ReviewStore, path: Path, reviewer: str = "J Smith") -> list[tuple]:
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, path, reviewer=reviewer, key=KEY)
    return [(p.row, p.column) for p in raised.value.problems]


# --- the round trip -----------------------------------------------------------------------
def test_round_trip_records_exactly_the_officers_decisions(store, exported):
    list_id, book = exported
    fill(
        book,
        {
            ROW["P1"]: {"decision": "contact", "reviewer": "J Smith"},
            ROW["D9"]: {"decision": "link_rejected", "reason": "different date of birth"},
            ROW["P4"]: {"decision": "not_eligible", "reason": "moved out of area"},
        },
    )
    result = import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert result == ImportResult(list_id, recorded=3, skipped_blank=1, already_recorded=0)
    assert recorded(store, list_id) == [
        (K1, "contact", "J Smith", None),
        (K_DWP, "link_rejected", "J Smith", "different date of birth"),
        (K4, "not_eligible", "J Smith", "moved out of area"),
    ]
    assert store.verify_chain().ok


def as_format(path: Path, version: int) -> Path:
    """The workbook as the workbench wrote it in an earlier format: format 6 without
    `later_list`, format 5 without `outreach_sent` too, format 4 without `dfe_checks` too,
    format 3 without `record_link` too; each row's checksum over that format's locked
    columns."""
    book = openpyxl.load_workbook(path)
    sheet, meta = book["Review"], book["workbench"]
    header = [cast(str, cell.value) for cell in sheet[1]]
    list_id = cast(str, next(row[1].value for row in meta.iter_rows() if row[0].value == "list_id"))
    for column in ("later_list", "outreach_sent", "dfe_checks", "record_link")[: 7 - version]:
        sheet.delete_cols(header.index(column) + 1)
        header.remove(column)
    locked = IMPORTABLE_FORMATS[f"workbench-review-{version}"]
    for row in sheet.iter_rows(min_row=2):
        cells = zip(header, row, strict=True)
        values = {name: "" if c.value is None else str(c.value) for name, c in cells}
        row[header.index("checksum")].value = row_checksum(KEY, list_id, values, locked)
    for row in meta.iter_rows():
        if row[0].value == "format":
            row[1].value = f"workbench-review-{version}"
    book.save(path)
    return path


def type_by_header(path: Path, edits: dict[int, dict[str, CellValue]]) -> None:
    """`fill` for a workbook of any format: columns found by the header row."""
    book = openpyxl.load_workbook(path)
    sheet = book["Review"]
    header = [cell.value for cell in sheet[1]]
    for row, values in edits.items():
        for column, value in values.items():
            sheet.cell(row=row, column=header.index(column) + 1).value = value
    book.save(path)


@pytest.mark.parametrize("version", [3, 4, 5, 6])
def test_a_workbook_exported_in_an_earlier_format_still_imports(store, exported, version):
    list_id, book = exported
    old = as_format(book, version)
    assert "later_list" not in read_rows(old)[0]
    assert ("outreach_sent" in read_rows(old)[0]) == (version == 6)
    assert ("dfe_checks" in read_rows(old)[0]) == (version >= 5)
    assert ("record_link" in read_rows(old)[0]) == (version >= 4)
    type_by_header(old, {ROW["P1"]: {"decision": "contact"}, ROW["P4"]: {"tier": "possible"}})
    assert problems_of(store, old) == [(ROW["P4"], "tier")]  # a changed cell is still named
    type_by_header(old, {ROW["P4"]: {"tier": "likely"}})
    result = import_review_workbook(store, old, reviewer="J Smith", key=KEY)
    assert result == ImportResult(list_id, recorded=1, skipped_blank=3, already_recorded=0)
    assert recorded(store, list_id) == [(K1, "contact", "J Smith", None)]


def test_export_writes_one_row_per_child_with_plain_english_reasons(exported):
    rows = read_rows(exported[1])
    assert list(rows[0]) == COLUMNS
    assert [r["item_key"] for r in rows] == [K1, K2, K_DWP, K4]
    first = {k: v for k, v in rows[0].items() if k != "checksum"}
    assert first == {
        "item_key": K1,
        "person_id": "P1",
        "dwp_record_id": None,
        "child_name": "(not read: no data folder given)",
        "date_of_birth": None,
        "age_on_first_day_of_term": None,
        "parent_carers": None,
        "address": None,
        "postcode": None,
        "area": None,
        "other_children_in_household": None,
        "tier": "likely",
        "reasons": "Income Support: A parent or carer gets Income Support.",
        "evidence": "Income Support: award A1 to parent or carer P0",
        "eligible_from": "1 September 2026",
        "already_funded": "no",
        "working_parent_place": "no",
        "later_list": None,
        "record_link": "No record linkage: found from the council's own records.",
        "earlier_decisions": None,
        "dfe_checks": None,
        "outreach_sent": None,
        "reason_codes": "income_support",
        "evidence_as_written": "income_support: award A1 of parent/carer P0",
        "decision": None,
        "reviewer": None,
        "reason": None,
    }
    assert cast(str, rows[1]["reasons"]).startswith(
        "No criterion met yet. The child is in the age window"
    )
    label = load_rule_set("two_year_old").criterion("universal_credit_low_income").label
    assert rows[1]["evidence"] == f"{label} (income not recorded): award A2 to parent or carer P5"
    assert (rows[2]["person_id"], rows[2]["dwp_record_id"]) == (None, "D9")
    assert rows[2]["record_link"] == (
        "A probable match with a child in the council's records awaits review: this DWP-list "
        "row is listed on its own until someone records link confirmed or link rejected. "
        "Proposed match: council record P2 (match probability 97%). Compare it with the "
        "DWP-list row before deciding."
    )
    assert rows[1]["record_link"] == (
        "No record linkage: found from the council's own records. DWP-list row D9 on this "
        "list may be this child: the link awaits review, so decide them together. A funded "
        "place for this term may already be this child's (rows F8, F9): its link awaits "
        "review, so check with the provider before contacting the family."
    )
    assert (rows[3]["eligible_from"], rows[3]["already_funded"]) == (None, "yes")


def test_sheet_is_protected_with_only_the_three_decision_columns_editable(exported):
    book = openpyxl.load_workbook(exported[1])
    sheet = book["Review"]
    assert sheet.protection.sheet
    # Filtering allowed, sorting not: Excel would sort only the unlocked decision columns,
    # moving each decision onto another child (a tester's case).
    assert (sheet.protection.autoFilter, sheet.protection.sort) == (False, True)
    assert sheet.freeze_panes == "A2"
    editable = {
        name
        for number, name in enumerate(COLUMNS, 1)
        if not sheet.cell(2, number).protection.locked
    }
    assert editable == {"decision", "reviewer", "reason"}

    def letter(name: str) -> str:
        return get_column_letter(COLUMNS.index(name) + 1)

    assert sheet.column_dimensions[letter("checksum")].hidden
    assert sheet.column_dimensions[letter("reasons")].width > 40  # reasons are readable
    [validation] = sheet.data_validations.dataValidation
    assert validation.type == "list"
    assert str(validation.sqref) == f"{letter('decision')}2:{letter('decision')}5"
    assert validation.formula1 == '"' + ",".join(DECISIONS) + '"'
    assert book.sheetnames[:2] == ["Review", "About"]
    about = "\n".join(str(c.value) for c in book["About"]["A"])
    assert "Nothing has been decided" in about
    assert " and ".join(REASON_REQUIRED) in about


def test_workbook_is_owner_only(exported):
    assert stat.S_IMODE(exported[1].stat().st_mode) == 0o600


def test_export_refuses_to_overwrite_a_workbook_unless_asked(store, exported):
    list_id, book = exported
    with pytest.raises(UsageError, match="already exists"):
        export_review_workbook(store, list_id, candidate_list(), book, key=KEY)
    export_review_workbook(store, list_id, candidate_list(), book, key=KEY, overwrite=True)
    assert stat.S_IMODE(book.stat().st_mode) == 0o600


def test_the_hidden_sheet_records_the_export_day_for_retention(exported, tmp_path):
    assert exported_on(exported[1]) == (True, datetime.now(UTC).date())
    assert exported_on(_write_text(tmp_path / "notes.xlsx", "not a zip")) == (False, None)


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_an_export_into_a_new_folder_makes_it_owner_only(store, exported, tmp_path):
    book = tmp_path / "new" / "workbooks" / "review.xlsx"
    export_review_workbook(store, exported[0], candidate_list(), book, key=KEY)
    assert stat.S_IMODE(book.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(book.stat().st_mode) == 0o600
    (tmp_path / "a-file").write_text("")
    with pytest.raises(UsageError, match="a-file is a file, not a folder"):
        export_review_workbook(
            store, exported[0], candidate_list(), tmp_path / "a-file" / "r.xlsx", key=KEY
        )


def test_export_refuses_candidates_that_are_not_the_registered_list(store, exported, tmp_path):
    with pytest.raises(WorkbenchError, match="holds 4 children, 1 of them not in the rows"):
        export_review_workbook(
            store, exported[0], candidate_list("P1", "P2", "P4"), tmp_path / "x.xlsx", key=KEY
        )


# --- every kind of bad edit -----------------------------------------------------------------
BAD_EDITS = {
    "unknown decision": ({ROW["P1"]: {"decision": "maybe"}}, [(ROW["P1"], "decision")]),
    "not_eligible without reason": (
        {ROW["P2"]: {"decision": "not_eligible"}},
        [(ROW["P2"], "reason")],
    ),
    "link_rejected without reason": (
        {ROW["D9"]: {"decision": "link_rejected", "reason": "   "}},
        [(ROW["D9"], "reason")],
    ),
    "not_eligible with a date for its reason": (  # a tester's paste
        {ROW["P2"]: {"decision": "not_eligible", "reason": "2026-09-14"}},
        [(ROW["P2"], "reason")],
    ),
    "edited tier": ({ROW["P2"]: {"tier": "likely"}}, [(ROW["P2"], "tier")]),
    "edited evidence and date": (
        {ROW["P1"]: {"evidence": "none", "eligible_from": "2026-01-01"}},
        [(ROW["P1"], "evidence"), (ROW["P1"], "eligible_from")],
    ),
    "edited checksum": ({ROW["P4"]: {"checksum": "0"}}, [(ROW["P4"], "checksum")]),
    "row added": (
        {6: {"item_key": pseudonym("person", "P9", KEY), "tier": "likely", "decision": "contact"}},
        [(6, "item_key")],
    ),
    "decision typed below the list": ({7: {"decision": "contact"}}, [(7, "item_key")]),
    "another reviewer's name": (
        {ROW["P1"]: {"decision": "contact", "reviewer": "A Jones"}},
        [(ROW["P1"], "reviewer")],
    ),
    "reason without decision": ({ROW["P2"]: {"reason": "called"}}, [(ROW["P2"], "decision")]),
    "a reviewer cell naming no one": (
        {ROW["P1"]: {"decision": "contact", "reviewer": "-"}},
        [(ROW["P1"], "reviewer")],
    ),
}


@pytest.mark.parametrize("edits, expected", BAD_EDITS.values(), ids=BAD_EDITS.keys())
def test_each_bad_edit_is_named_by_row_and_column_and_nothing_is_recorded(
    store, exported, edits, expected
):
    list_id, book = exported
    # A good decision on another row proves the import is all or nothing.
    good_row = ROW["P4"] if ROW["P4"] not in edits else ROW["P2"]
    fill(book, {good_row: {"decision": "defer"}} | edits)
    assert problems_of(store, book) == expected
    assert recorded(store, list_id) == []


def test_a_duplicated_row_names_the_first_copy(store, exported):
    list_id, book = exported
    copy = read_rows(book)[0] | {"decision": "contact"}
    fill(book, {6: copy})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    [problem] = raised.value.problems
    assert str(problem) == (
        "row 6, column 'item_key': the same child as row 2; each child may appear once: delete one"
    )
    assert recorded(store, list_id) == []


def test_every_problem_of_every_row_is_listed_in_sheet_order(store, exported):
    book = exported[1]
    fill(
        book,
        {
            ROW["P4"]: {"decision": "nope", "reviewer": "Someone Else"},
            ROW["P1"]: {"tier": "possible", "decision": "not_eligible"},
        },
    )
    assert problems_of(store, book) == [
        (ROW["P1"], "tier"),
        (ROW["P1"], "reason"),
        (ROW["P4"], "decision"),
        (ROW["P4"], "reviewer"),
    ]


def test_the_message_lists_the_first_twenty_problems_and_counts_the_rest(store, tmp_path):
    people = [f"P{i:02d}" for i in range(25)]
    candidates = pl.DataFrame(
        {"person_id": people, "tier": ["likely"] * 25, "reason_codes": [["ehc_plan"]] * 25}
    )
    list_id = register_list(store, candidates, "r-big", RULE_SET, {}, KEY)
    book = export_review_workbook(store, list_id, candidates, tmp_path / "big.xlsx", key=KEY)
    fill(book, {row: {"decision": "maybe"} for row in range(2, 27)})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    lines = str(raised.value).splitlines()
    assert lines[0] == (
        f"{book}: 25 problem(s) found, so nothing was recorded. Fix them in the workbook "
        "(or export the list afresh) and import again:"
    )
    assert lines[1].startswith("  - row 2, column 'decision': 'maybe' is not a decision")
    assert lines[20].startswith("  - row 21, column 'decision'")
    assert lines[21:] == ["  ... and 5 more"]
    assert len(raised.value.problems) == 25


def test_a_decision_typed_with_a_slip_is_refused_with_the_one_meant(store, exported):
    book = exported[1]
    fill(book, {ROW["P1"]: {"decision": "Contcat"}, ROW["P4"]: {"decision": "maybe"}})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    expected = "expected one of: contact, not_eligible, already_in_touch, defer, check, " + (
        "link_confirmed, link_rejected"
    )
    assert sorted(str(p) for p in raised.value.problems) == sorted(
        [
            f"row {ROW['P1']}, column 'decision': 'Contcat' is not a decision; did you mean "
            f"'contact'? {expected}",
            f"row {ROW['P4']}, column 'decision': 'maybe' is not a decision; {expected}",
        ]
    )


def test_checksum_catches_an_edited_tier_even_on_a_row_without_decision(store, exported):
    list_id, book = exported
    fill(book, {ROW["P2"]: {"tier": "likely"}, ROW["P1"]: {"decision": "contact"}})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert [str(p) for p in raised.value.problems] == [
        "row 3, column 'tier': was changed after export; locked columns cannot be edited: "
        "put back the exported value or export afresh"
    ]
    assert recorded(store, list_id) == []


def test_a_workbook_imported_under_another_key_is_refused_as_such(store, exported):
    # Under another key every item_key is another pseudonym and every checksum fails: the
    # import says the key is wrong, once, rather than blame a locked cell on every row.
    list_id, book = exported
    fill(book, {ROW["P1"]: {"decision": "contact"}})
    with pytest.raises(WorkbenchError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=bytes(32))
    assert not isinstance(raised.value, ReviewImportError)
    assert str(raised.value) == (
        f"{book}: it was exported with another pseudonym key, or its hidden details were "
        "changed. Import it with the key it was exported with (WORKBENCH_KEY or "
        "WORKBENCH_KEY_FILE), or export the list afresh"
    )
    assert recorded(store, list_id) == []
    assert import_review_workbook(store, book, reviewer="J Smith", key=KEY).recorded == 1


@given(
    values=st.fixed_dictionaries({name: st.text(max_size=30) for name in LOCKED_COLUMNS}),
    column=st.sampled_from([c for c in LOCKED_COLUMNS if c != "item_key"]),
    replacement=st.text(max_size=30),
)
def test_a_changed_locked_value_is_pinned_to_its_column(values, column, replacement):
    checksum = row_checksum(KEY, "l-1", values)
    edited = values | {column: replacement}
    expected = [] if replacement == values[column] else [column]
    assert edited_columns(KEY, "l-1", edited, checksum) == expected


# --- re-import, names, earlier decisions ----------------------------------------------------
def test_reimporting_the_same_file_records_nothing_twice(store, exported):
    list_id, book = exported
    fill(
        book,
        {
            ROW["P1"]: {"decision": "contact"},
            ROW["P4"]: {"decision": "not_eligible", "reason": "moved away"},
        },
    )
    first = import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    again = import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert (first.recorded, first.already_recorded) == (2, 0)
    assert again == ImportResult(list_id, recorded=0, skipped_blank=2, already_recorded=2)
    assert recorded(store, list_id) == [
        (K1, "contact", "J Smith", None),
        (K4, "not_eligible", "J Smith", "moved away"),
    ]


def test_a_decision_is_corrected_from_a_fresh_export_not_by_editing_the_old_workbook(
    store, exported, tmp_path, clock
):
    """The store cannot tell a decision imported from this workbook from one made since in
    another, so a changed row of an already imported workbook is refused like any stale row;
    a fresh export, which shows the decision, corrects it."""
    list_id, book = exported
    fill(book, {ROW["P4"]: {"decision": "not_eligible", "reason": "moved away"}})
    import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    fill(
        book,
        {ROW["P1"]: {"decision": "contact"}, ROW["P4"]: {"decision": "defer", "reason": None}},
    )
    assert [str(p) for p in problems_and_messages(store, book)] == [
        f"row {ROW['P4']}, column 'decision': J Smith (the reviewer of this import) recorded "
        "not eligible for this child on 2026-09-01, after this workbook was exported. "
        + KEEP_THE_REST
    ]
    fresh = export_review_workbook(
        store, list_id, candidate_list(), tmp_path / "fresh.xlsx", key=KEY
    )
    fill(fresh, {ROW["P4"]: {"decision": "defer"}})
    corrected = import_review_workbook(store, fresh, reviewer="J Smith", key=KEY)
    assert (corrected.recorded, corrected.already_recorded) == (1, 0)
    assert recorded(store, list_id) == [
        (K4, "not_eligible", "J Smith", "moved away"),
        (K4, "defer", "J Smith", None),
    ]


def test_reviewer_names_match_whatever_the_capitals_and_spaces(store, exported):
    list_id, book = exported
    fill(
        book, {ROW["P1"]: {"decision": " Not eligible ", "reviewer": "j  smith", "reason": "moved"}}
    )
    assert import_review_workbook(store, book, reviewer=" J Smith", key=KEY).recorded == 1
    again = import_review_workbook(store, book, reviewer="J SMITH", key=KEY)
    assert (again.recorded, again.already_recorded) == (0, 1)
    assert recorded(store, list_id) == [(K1, "not_eligible", "J Smith", "moved")]


SHORT = "which has no word of two letters or more"


@pytest.mark.parametrize(
    ("reviewer", "got"),
    [
        ("  ", "nothing"),
        (" x ", f"'x', {SHORT}"),
        ("1", f"'1', {SHORT}"),
        ("-", f"'-', {SHORT}"),
        ("R2", f"'R2', {SHORT}"),
        ("Officer", "'Officer', which is a role word"),
        ("n/a", "'n/a', which is a placeholder"),
    ],
)
def test_a_reviewer_that_names_no_one_is_refused_and_nothing_is_recorded(
    store, exported, reviewer, got
):
    list_id, book = exported
    fill(book, {ROW["P1"]: {"decision": "contact"}})
    with pytest.raises(UsageError) as refused:
        import_review_workbook(store, book, reviewer=reviewer, key=KEY)
    assert str(refused.value) == (
        "reviewer must name the person who made the decisions; give your name as colleagues "
        f"know it, e.g. 'A. Officer'; got {got}"
    )
    assert refused.value.for_flag().startswith("--reviewer must name the person")
    assert recorded(store, list_id) == []
    assert store.access_log().filter(pl.col("command") == "review import").height == 0


@pytest.mark.parametrize("reviewer", ["Al", "O'Neil", "Zoë Ng", "a.officer"])
def test_a_short_or_unusual_name_imports(store, exported, reviewer):
    list_id, book = exported
    fill(book, {ROW["P1"]: {"decision": "contact", "reviewer": reviewer.upper()}})
    assert import_review_workbook(store, book, reviewer=reviewer, key=KEY).recorded == 1
    assert recorded(store, list_id) == [(K1, "contact", reviewer, None)]


def test_a_reviewer_cell_naming_no_one_says_what_is_wanted(store, exported):
    list_id, book = exported
    fill(book, {ROW["P2"]: {"decision": "defer", "reviewer": " x "}})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert [str(problem) for problem in raised.value.problems] == [
        f"row {ROW['P2']}, column 'reviewer': 'x' is not a person's name: it has no word of "
        "two letters or more; give your name as colleagues know it, e.g. 'A. Officer' (the "
        "name you import with), or clear the cell"
    ]
    assert recorded(store, list_id) == []


def test_a_decision_not_written_as_its_name_is_read_and_said(store, exported):
    """The drop-down writes each decision's name; a decision typed otherwise (capitals, a
    space after it, spaces for underscores) is read as the decision it spells, and the import
    says how, one line per spelling with its rows."""
    list_id, book = exported
    fill(
        book,
        {
            ROW["P1"]: {"decision": "Contact"},
            ROW["P2"]: {"decision": "already in touch"},
            ROW["D9"]: {"decision": "contact "},
            ROW["P4"]: {"decision": "Contact"},
        },
    )
    result = import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert result.read_as == (
        ReadAs("Contact", "contact", (ROW["P1"], ROW["P4"])),
        ReadAs("already in touch", "already_in_touch", (ROW["P2"],)),
        ReadAs("contact ", "contact", (ROW["D9"],)),
    )
    assert [str(read) for read in result.read_as] == [
        "read 'Contact' as contact (rows 2 and 5)",
        "read 'already in touch' as already_in_touch (row 3)",
        "read 'contact ' as contact (row 4)",
    ]
    assert [decision for _, decision, _, _ in recorded(store, list_id)] == [
        "contact", "already_in_touch", "contact", "contact"
    ]  # fmt: skip
    # Imported again, nothing is recorded, and the reading is said again.
    again = import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert (again.recorded, again.already_recorded, again.read_as) == (0, 4, result.read_as)
    # Written exactly as the drop-down writes them, nothing is said.
    fill(book, {row: {"decision": "contact"} for row in (ROW["P1"], ROW["D9"], ROW["P4"])})
    fill(book, {ROW["P2"]: {"decision": "already_in_touch"}})
    assert import_review_workbook(store, book, reviewer="J Smith", key=KEY).read_as == ()


def test_import_needs_a_reviewer_and_a_review_workbook(store, exported, tmp_path):
    with pytest.raises(UsageError, match=r"^reviewer must name"):
        import_review_workbook(store, exported[1], reviewer="  ", key=KEY)
    other = tmp_path / "other.xlsx"
    pl.DataFrame({"a": [1]}).write_excel(other)
    with pytest.raises(WorkbenchError, match="is not a review workbook"):
        import_review_workbook(store, other, reviewer="J Smith", key=KEY)
    (tmp_path / "text.xlsx").write_text("not a workbook")
    with pytest.raises(WorkbenchError) as unreadable:
        import_review_workbook(store, tmp_path / "text.xlsx", reviewer="J Smith", key=KEY)
    assert str(unreadable.value) == (
        f"{tmp_path / 'text.xlsx'}: cannot be read as an Excel workbook (it is not a .xlsx file, "
        "or it is damaged: saved in another format, or not copied whole); expected the .xlsx "
        "written by `workbench review export`, saved by Excel as .xlsx"
    )


def test_import_refuses_a_workbook_of_a_list_the_store_does_not_hold(exported, tmp_path):
    with ReviewStore(tmp_path / "elsewhere.sqlite") as other, pytest.raises(WorkbenchError) as e:
        import_review_workbook(other, exported[1], reviewer="J Smith", key=KEY)
    assert f"no list {exported[0]!r}" in str(e.value)


def test_earlier_decisions_show_on_next_terms_list_latest_first(store, exported, tmp_path, clock):
    book = exported[1]
    clock.day = "2026-09-03"
    fill(book, {ROW["P1"]: {"decision": "defer"}}, out=tmp_path / "first.xlsx")
    import_review_workbook(store, tmp_path / "first.xlsx", reviewer="J Smith", key=KEY)
    clock.day = "2026-09-10"  # a colleague exports afresh, so sees J Smith's decision
    fresh = export_review_workbook(
        store, exported[0], candidate_list(), tmp_path / "f.xlsx", key=KEY
    )
    fill(fresh, {ROW["P1"]: {"decision": "not_eligible", "reason": "moved"}}, tmp_path / "2.xlsx")
    import_review_workbook(store, tmp_path / "2.xlsx", reviewer="A Jones", key=KEY)
    clock.day = "2027-01-04"
    next_term = candidate_list("P1", "P2")
    next_id = register_list(store, next_term, "r-2", RULE_SET, {}, KEY)
    store.record_decision(next_id, K2, "already_in_touch", "A Jones")
    later = export_review_workbook(store, next_id, next_term, tmp_path / "next.xlsx", key=KEY)
    rows = read_rows(later)
    assert rows[0]["earlier_decisions"] == (
        "not eligible by A Jones on 2026-09-10: moved (two_year_old list of 2026-09-01, run r-1)\n"
        "defer by J Smith on 2026-09-03 (two_year_old list of 2026-09-01, run r-1)"
    )
    assert rows[1]["earlier_decisions"] == "already in touch by A Jones on 2027-01-04 (this list)"
    # Showing them decides nothing: the new list has only the decision recorded on it.
    assert recorded(store, next_id) == [(K2, "already_in_touch", "A Jones", None)]


def test_a_later_lists_decision_shows_on_the_earlier_lists_workbook(store, exported, clock):
    list_id, book = exported
    clock.day = "2026-09-04"
    rerun = register_list(store, candidate_list(), "r-2", RULE_SET, {"people.csv": "ab"}, KEY)
    store.record_decision(rerun, K1, "not_eligible", "A Jones", "moved away")
    again = export_review_workbook(
        store, list_id, candidate_list(), book.with_name("again.xlsx"), key=KEY
    )
    assert read_rows(again)[0]["earlier_decisions"] == (
        "not eligible by A Jones on 2026-09-04: moved away "
        "(two_year_old list of 2026-09-04, run r-2)"
    )


KEEP_THE_REST = (
    "To keep your other decisions, clear this row's decision (and its reason) and import this "
    "file again; then decide this child where that decision is shown (a fresh export or the "
    "review app)"
)
"""What a row refused as stale says to do: the officer's other decisions are kept (a tester
was told to export the list again, and would have lost every other decision typed)."""


def test_a_stale_workbook_cannot_override_a_colleagues_later_decision(store, exported, clock):
    list_id, book = exported
    clock.day = "2026-09-04"
    store.record_decision(list_id, K1, "already_in_touch", "A Jones")  # after the export
    fill(book, {ROW["P1"]: {"decision": "contact"}, ROW["P2"]: {"decision": "defer"}})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert [str(p) for p in raised.value.problems] == [
        f"row {ROW['P1']}, column 'decision': A Jones recorded already in touch for this child "
        "on 2026-09-04, after this workbook was exported. " + KEEP_THE_REST
    ]
    # All or nothing: P2's decision, which nobody touched, is not recorded either.
    assert recorded(store, list_id) == [(K1, "already_in_touch", "A Jones", None)]
    # A workbook exported now shows A Jones's decision and imports.
    fresh = export_review_workbook(
        store, list_id, candidate_list(), book.with_name("new.xlsx"), key=KEY
    )
    fill(fresh, {ROW["P1"]: {"decision": "contact"}})
    assert import_review_workbook(store, fresh, reviewer="J Smith", key=KEY).recorded == 1


def test_a_stale_workbook_cannot_override_a_later_decision_on_a_rerun_list(store, exported, clock):
    list_id, book = exported
    clock.day = "2026-09-04"
    rerun = register_list(store, candidate_list(), "r-2", RULE_SET, {"people.csv": "ab"}, KEY)
    store.record_decision(rerun, K1, "not_eligible", "A Jones", "moved away")
    store.record_decision(rerun, K_DWP, "link_confirmed", "A Jones")  # another kind: not stale
    fill(book, {ROW["P1"]: {"decision": "contact"}, ROW["D9"]: {"decision": "defer"}})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert [str(p) for p in raised.value.problems] == [
        f"row {ROW['P1']}, column 'decision': A Jones recorded not eligible for this child on "
        f"2026-09-04 on another list of this offer ({rerun}), after this workbook was "
        "exported. " + KEEP_THE_REST
    ]
    assert recorded(store, list_id) == []


def meta_of(path: Path) -> dict[str, str]:
    """The workbook's hidden details (format, list, decided_upto, seal, exported_at)."""
    sheet = openpyxl.load_workbook(path)["workbench"]
    return {str(row[0]): str(row[1]) for row in sheet.iter_rows(values_only=True)}


def test_a_rerun_lists_workbook_decides_a_child_already_decided_on_the_first_list(
    store, exported, clock
):
    """A child decided on list 1 shows on the re-run's list 2 (earlier_decisions), and the
    officer's decision there imports: the workbook has seen every decision in the store when
    exported, not only its own list's (it sealed 0 for a list with none, and the import then
    refused every such child, however often the list was exported again). A colleague's
    decision on list 1 after the export still makes a row stale."""
    first, _ = exported
    store.record_decision(first, K1, "contact", "A Jones")
    store.record_decision(first, K4, "defer", "A Jones")
    clock.day = "2026-09-04"
    rerun = register_list(store, candidate_list(), "r-2", RULE_SET, {"people.csv": "ab"}, KEY)
    book = export_review_workbook(
        store, rerun, candidate_list(), exported[1].with_name("rerun.xlsx"), key=KEY
    )
    assert meta_of(book)["decided_upto"] == str(store.last_seq()) == "2"
    assert read_rows(book)[0]["earlier_decisions"] == (
        "contact by A Jones on 2026-09-01 (two_year_old list of 2026-09-01, run r-1)"
    )
    clock.day = "2026-09-05"
    store.record_decision(first, K2, "defer", "A Jones")  # after the export: not seen
    fill(
        book,
        {
            ROW["P1"]: {"decision": "not_eligible", "reason": "moved away"},
            ROW["P2"]: {"decision": "contact"},
        },
    )
    assert [str(p) for p in problems_and_messages(store, book)] == [
        f"row {ROW['P2']}, column 'decision': A Jones recorded defer for this child on "
        f"2026-09-05 on another list of this offer ({first}), after this workbook was "
        "exported. " + KEEP_THE_REST
    ]
    fill(book, {ROW["P2"]: {"decision": None}})
    result = import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert (result.recorded, result.skipped_blank) == (1, 3)
    assert recorded(store, rerun) == [(K1, "not_eligible", "J Smith", "moved away")]
    latest = store.latest_outcomes_for_initiative(rerun).select("item_key", "decision")
    assert dict(latest.iter_rows())[K1] == "not_eligible"


def test_a_decision_recorded_while_the_workbook_is_written_makes_its_row_stale(
    store, tmp_path, clock, monkeypatch
):
    # A colleague records a decision while the export builds the rows: the workbook neither
    # shows it nor may override it unseen (the last decision seen is read before the rows).
    import workbench.review.excel as excel

    candidates = candidate_list()
    list_id = register_list(store, candidates, "r-1", RULE_SET, {"people.csv": "ab"}, KEY)
    building = excel._sheet_rows

    def meanwhile(*args, **kwargs):
        rows = building(*args, **kwargs)
        store.record_decision(list_id, K1, "already_in_touch", "A Jones")
        return rows

    monkeypatch.setattr(excel, "_sheet_rows", meanwhile)
    book = export_review_workbook(store, list_id, candidates, tmp_path / "r.xlsx", key=KEY)
    fill(book, {ROW["P1"]: {"decision": "contact"}})
    assert [p.row for p in problems_and_messages(store, book)] == [ROW["P1"]]
    assert recorded(store, list_id) == [(K1, "already_in_touch", "A Jones", None)]


def problems_and_messages(store: ReviewStore, path: Path) -> list[Any]:
    """The problems an import as J Smith is refused with (it must be refused)."""
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, path, reviewer="J Smith", key=KEY)
    return list(raised.value.problems)


@pytest.mark.parametrize(
    ("first", "later", "label"),
    [
        ({"decision": "contact"}, {"decision": "not_eligible", "reason": "moved"}, "not eligible"),
        (
            {"decision": "link_confirmed"},
            {"decision": "link_rejected", "reason": "another child"},
            "link rejected",
        ),
    ],
    ids=["outcome", "record link"],
)
def test_reimporting_an_old_workbook_never_overrides_the_reviewers_own_later_decision(
    store, exported, tmp_path, clock, first, later, label
):
    """J Smith imports workbook a, decides otherwise from a later export b, then imports a
    again: a's row is older than b's decision, so it is refused and nothing is recorded
    (it used to be recorded again, on top, as if decided last)."""
    list_id, book = exported
    old = fill(book, {ROW["D9"]: first}, out=tmp_path / "a.xlsx")
    assert import_review_workbook(store, old, reviewer="J Smith", key=KEY).recorded == 1
    clock.day = "2026-09-05"
    b = export_review_workbook(store, list_id, candidate_list(), tmp_path / "b.xlsx", key=KEY)
    fill(b, {ROW["D9"]: later})
    assert import_review_workbook(store, b, reviewer="J Smith", key=KEY).recorded == 1
    clock.day = "2026-09-09"
    assert [str(p) for p in problems_and_messages(store, old)] == [
        f"row {ROW['D9']}, column 'decision': J Smith (the reviewer of this import) recorded "
        f"{label} for this child on 2026-09-05, after this workbook was exported. " + KEEP_THE_REST
    ]
    assert recorded(store, list_id) == [
        (K_DWP, first["decision"], "J Smith", None),
        (K_DWP, later["decision"], "J Smith", later["reason"]),
    ]
    # What stands is b's decision, not a's.
    latest = store.latest_decisions(list_id)
    assert latest.select("item_key", "decision").rows() == [(K_DWP, later["decision"])]


def test_reimporting_records_nothing_twice_whatever_was_decided_since_of_another_kind(
    store, exported, tmp_path, clock
):
    """Already recorded means the child's latest decision of the row's kind (an outcome, or
    the record link), not of any kind: a link decision since does not make workbook a's
    contact new again."""
    list_id, book = exported
    old = fill(book, {ROW["D9"]: {"decision": "contact"}}, out=tmp_path / "a.xlsx")
    import_review_workbook(store, old, reviewer="J Smith", key=KEY)
    b = export_review_workbook(store, list_id, candidate_list(), tmp_path / "b.xlsx", key=KEY)
    fill(b, {ROW["D9"]: {"decision": "link_confirmed"}})
    import_review_workbook(store, b, reviewer="J Smith", key=KEY)
    again = import_review_workbook(store, old, reviewer="J Smith", key=KEY)
    assert again == ImportResult(list_id, recorded=0, skipped_blank=3, already_recorded=1)
    assert recorded(store, list_id) == [
        (K_DWP, "contact", "J Smith", None),
        (K_DWP, "link_confirmed", "J Smith", None),
    ]


def test_a_reviewers_later_decision_of_another_kind_does_not_make_a_row_stale(
    store, exported, tmp_path
):
    """A link decision recorded since the export, by the importing reviewer, leaves the
    row's outcome (never decided) free to import: only decisions of the row's kind, or any
    colleague's, make it stale."""
    list_id, book = exported
    fresh = export_review_workbook(store, list_id, candidate_list(), tmp_path / "b.xlsx", key=KEY)
    fill(fresh, {ROW["D9"]: {"decision": "link_confirmed"}})
    import_review_workbook(store, fresh, reviewer="J Smith", key=KEY)
    fill(book, {ROW["D9"]: {"decision": "contact"}})
    assert import_review_workbook(store, book, reviewer="J Smith", key=KEY).recorded == 1
    # A colleague's decision of any kind since the export makes the row stale.
    later = export_review_workbook(store, list_id, candidate_list(), tmp_path / "c.xlsx", key=KEY)
    store.record_decision(list_id, K_DWP, "link_rejected", "A Jones", "another child")
    fill(later, {ROW["D9"]: {"decision": "defer"}})
    assert [(p.row, p.column) for p in problems_and_messages(store, later)] == [
        (ROW["D9"], "decision")
    ]


def test_a_colleagues_decision_cannot_slip_in_between_the_check_and_the_write(
    store, exported, monkeypatch
):
    """The stale check and the writes are one write transaction: a colleague recording
    while an import is between them waits until it commits, so the colleague's decision
    (made later) stands. Before, the colleague's decision landed in between and the old
    workbook's row was written on top of it, unchecked."""
    list_id, book = exported
    fill(book, {ROW["P1"]: {"decision": "contact"}})
    waited: list[str] = []
    real_record = store.record_decisions
    colleague = ReviewStore(store.path)  # another officer's process
    colleague._conn.execute("PRAGMA busy_timeout = 0")  # refused at once, not after 10 s

    def record_after_a_colleague(requests: Any) -> Any:
        try:  # the colleague records now, between the import's check and its write
            colleague.record_decision(list_id, K1, "not_eligible", "A Jones", "moved")
        except sqlite3.OperationalError as error:
            assert "locked" in str(error)
            waited.append("A Jones")
        return real_record(requests)

    monkeypatch.setattr(store, "record_decisions", record_after_a_colleague)
    with colleague:
        result = import_review_workbook(store, book, reviewer="J Smith", key=KEY)
        assert (result.recorded, waited) == (1, ["A Jones"])
        # The colleague records once the import has committed: theirs is the later decision.
        colleague.record_decision(list_id, K1, "not_eligible", "A Jones", "moved")
    assert recorded(store, list_id) == [
        (K1, "contact", "J Smith", None),
        (K1, "not_eligible", "A Jones", "moved"),
    ]
    assert store.verify_chain().ok and store.verify_head_log() == []


def test_a_decision_recorded_just_before_the_import_writes_makes_it_stale(
    store, exported, monkeypatch
):
    """A colleague's decision that lands after the workbook was read and checked, before
    the import's write transaction, is seen inside it: the row is refused."""
    list_id, book = exported
    fill(book, {ROW["P1"]: {"decision": "contact"}, ROW["P2"]: {"decision": "defer"}})
    real_problems = excel_import._row_problems

    def problems_then_a_colleague(*args: Any) -> Any:
        found = real_problems(*args)
        with ReviewStore(store.path) as colleague:
            colleague.record_decision(list_id, K1, "already_in_touch", "A Jones")
        return found

    monkeypatch.setattr(excel_import, "_row_problems", problems_then_a_colleague)
    assert [(p.row, p.column) for p in problems_and_messages(store, book)] == [
        (ROW["P1"], "decision")
    ]
    assert recorded(store, list_id) == [(K1, "already_in_touch", "A Jones", None)]


def test_the_export_s_hidden_details_cannot_be_edited_to_look_fresh(store, exported):
    list_id, book = exported
    store.record_decision(list_id, K1, "already_in_touch", "A Jones")
    edited = openpyxl.load_workbook(book)
    edited["workbench"]["B3"].value = "99"  # decided_upto: claims to have seen decision 99
    edited.save(book)
    fill(book, {ROW["P1"]: {"decision": "contact"}})
    with pytest.raises(WorkbenchError, match="or its hidden details were changed"):
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert recorded(store, list_id) == [(K1, "already_in_touch", "A Jones", None)]


def test_a_formula_in_a_decision_cell_is_refused_not_read_by_its_result(store, exported):
    list_id, book = exported
    fill(book, {ROW["P1"]: {"decision": '=IF(1=1,"contact","defer")'}})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert [(p.row, p.column) for p in raised.value.problems] == [(ROW["P1"], "decision")]
    assert "holds a formula" in raised.value.problems[0].message
    assert store.decisions(list_id).is_empty()


def test_cells_are_searched_for_formulas_only_when_a_part_of_the_workbook_holds_one(
    exported, tmp_path
):
    from workbench.review.excel_import import _may_hold_formulas

    _, book = exported
    assert not _may_hold_formulas(book)  # as exported: a drop-down's list is no formula
    typed = fill(book, {ROW["P1"]: {"decision": "contact"}}, tmp_path / "typed.xlsx")
    assert not _may_hold_formulas(typed)
    formula = fill(book, {ROW["P1"]: {"reason": "=A1"}}, tmp_path / "formula.xlsx")
    assert _may_hold_formulas(formula)


@pytest.mark.parametrize(
    ("xml", "formula"),
    [
        (b'<c r="W2"><f>IF(1=1,"contact","defer")</f><v>contact</v></c>', True),
        (b'<c r="W3"><f t="shared" ref="W3:W9" si="0"/><v>contact</v></c>', True),
        (b'<x:c r="W2"><x:f>A1</x:f><x:v>contact</x:v></x:c>', True),  # a prefixed namespace
        (
            b'<dataValidation type="list"><formula1>"contact,defer"</formula1></dataValidation>',
            False,
        ),
        (b'<autoFilter ref="A1:Z9"><filterColumn colId="0"/></autoFilter>', False),
        (b'<c r="W2" t="inlineStr"><is><t>&lt;f&gt;=A1</t></is></c>', False),  # text, escaped
    ],
)
def test_what_counts_as_a_formula_in_a_parts_xml(xml: bytes, formula: bool):
    from workbench.review.excel_import import _FORMULA_ELEMENT

    assert bool(_FORMULA_ELEMENT.search(xml)) is formula


def test_a_workbook_that_would_unpack_too_large_is_not_opened(store, exported, monkeypatch):
    monkeypatch.setattr(excel_import, "MAX_UNPACKED_BYTES", 1024)  # the real limit is 512 MiB
    with pytest.raises(WorkbenchError, match=r"would unpack to .* MiB, more than the 0 MiB"):
        import_review_workbook(store, exported[1], reviewer="J Smith", key=KEY)


def test_a_link_decision_on_a_row_without_a_link_awaiting_review_is_refused(store, exported):
    fill(exported[1], {ROW["P1"]: {"decision": "link_confirmed"}})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, exported[1], reviewer="J Smith", key=KEY)
    assert [str(p) for p in raised.value.problems] == [
        f"row {ROW['P1']}, column 'decision': link_confirmed is for a DWP-list row whose record "
        "link awaits review (its record_link says so); this row has none to confirm or reject: "
        "choose an outcome"
    ]
    assert recorded(store, exported[0]) == []


def test_rows_deleted_from_the_workbook_are_counted_and_logged(store, exported):
    fill(exported[1], {ROW["P1"]: {"decision": "contact"}})
    book = openpyxl.load_workbook(exported[1])
    book["Review"].delete_rows(ROW["P4"])
    book.save(exported[1])
    result = import_review_workbook(store, exported[1], reviewer="J Smith", key=KEY)
    assert (result.recorded, result.skipped_blank, result.not_in_workbook) == (1, 2, 1)
    assert store.access_log()["detail"][-1] == (
        f"list {exported[0]}, reviewer J Smith: 1 recorded, 0 already recorded, 2 without a "
        "decision, 1 not in the workbook"
    )


def test_rows_left_blank_about_a_child_already_decided_are_counted_apart(store, exported):
    list_id, book = exported
    store.record_decision(list_id, K2, "defer", "A Jones")  # a colleague, before the export
    store.record_decision(list_id, K_DWP, "link_confirmed", "A Jones")  # a link: not decided
    fresh = export_review_workbook(
        store, list_id, candidate_list(), book.with_name("fresh.xlsx"), key=KEY
    )
    store.record_decision(list_id, K_DWP, "contact", "A Jones")  # and one since
    fill(fresh, {ROW["P1"]: {"decision": "contact"}})
    result = import_review_workbook(store, fresh, reviewer="J Smith", key=KEY)
    assert result == ImportResult(
        list_id, recorded=1, skipped_blank=3, already_recorded=0, already_decided=2
    )
    assert result.left_undecided == 1  # P4 only
    assert store.access_log()["detail"][-1] == (
        f"list {list_id}, reviewer J Smith: 1 recorded, 0 already recorded, 3 without a "
        "decision (2 of them already decided)"
    )


def test_the_about_sheet_and_the_commands_say_how_many_children_are_decided(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from workbench.cli import app

    monkeypatch.setenv("WORKBENCH_KEY", KEY.hex())
    written = write_assessed(tmp_path, ".csv")
    path = tmp_path / "review.sqlite"
    with ReviewStore(path, key=KEY) as opened:
        list_id, _ = register_list_file(opened, written, KEY)
        opened.record_decision(list_id, K2, "defer", "A Jones")
        opened.record_decision(list_id, K4, "not_eligible", "A Jones", "moved away")
    book = tmp_path / "review.xlsx"
    runner = CliRunner()
    args = ["--quiet", "review", "export", "--store", str(path), "--list", str(written)]
    done = runner.invoke(app, [*args, "--out", str(book)])
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert "Nothing has been decided" not in said
    assert (
        "2 of the 4 children already have a decision on this list (shown in its "
        "earlier_decisions column): import it once filled in" in said
    )
    about = "\n".join(str(c.value) for c in openpyxl.load_workbook(book)["About"]["A"])
    assert "Nothing has been decided" not in about
    assert "2 of the 4 children have a decision\nWhen this workbook was written, 2 of" in about

    fill(book, {ROW["P1"]: {"decision": "contact"}})
    args = ["--quiet", "review", "import", str(book), "--store", str(path)]
    done = runner.invoke(app, [*args, "--reviewer", "J Smith"])
    assert done.exit_code == 0, done.output
    assert (
        f"List {list_id}: 1 decision(s) recorded for J Smith, 0 already recorded, 1 row(s) "
        "without a decision left undecided, 2 row(s) without a decision about a child already "
        "decided on this list (that decision stands)."
    ) in " ".join(done.output.split())


def test_export_and_import_are_in_the_access_log(store, exported, monkeypatch):
    # The line is the account's that ran the import (WORKBENCH_USER), not the reviewer's name
    # typed with it, which may be anyone's: the auditor's tester imported as alice "for Bob
    # Jones" and the log said Bob Jones alone.
    monkeypatch.setenv("WORKBENCH_USER", "alice")
    fill(exported[1], {ROW["P1"]: {"decision": "contact"}})
    import_review_workbook(store, exported[1], reviewer="J Smith", key=KEY)
    assert store.access_log().select("user", "command", "detail").rows() == [
        ("Tess Ter", "review export", f"list {exported[0]}: 4 rows exported to review.xlsx"),
        (
            "alice",
            "review import",
            f"list {exported[0]}, reviewer J Smith: 1 recorded, 0 already recorded, 3 without "
            "a decision",
        ),
    ]


def test_an_export_without_a_named_user_logs_workbench_user(store, exported, monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "jbloggs")
    book = exported[1].with_name("again.xlsx")
    export_review_workbook(store, exported[0], candidate_list(), book, key=KEY)
    assert store.access_log().select("user", "command").rows()[-1] == ("jbloggs", "review export")


# --- lists into the store -----------------------------------------------------------------
def test_item_keys_are_the_person_key_or_else_the_dwp_record_key(store):
    list_id = register_list(store, candidate_list(), "r-1", RULE_SET, {}, KEY)
    items = store.items(list_id)
    assert items.select("item_key", "tier", "link_needs_review").rows() == sorted(
        [(K1, "likely", False), (K2, "possible", False), (K_DWP, "likely", True),
         (K4, "likely", False)]
    )  # fmt: skip
    assert items.filter(pl.col("item_key") == K1)["evidence"].to_list() == [
        f"income_support: award {pseudonym('award', 'A1', KEY)} of parent/carer "
        f"{pseudonym('person', 'P0', KEY)}"
    ]
    assert register_list(store, candidate_list(), "r-1", RULE_SET, {}, KEY) == list_id


def test_register_list_refuses_rows_without_any_id_and_another_initiative(store):
    nameless = candidate_list().with_columns(pl.lit(None, dtype=pl.String).alias("person_id"))
    with pytest.raises(WorkbenchError, match="row 1: neither person_id nor dwp_record_id"):
        register_list(store, nameless, "r-1", RULE_SET, {}, KEY)
    with pytest.raises(WorkbenchError, match="is for \\['two_year_old'\\] but its rule set"):
        register_list(store, candidate_list(), "r-1", "free_school_meals@1", {}, KEY)


DATA = {
    "people.csv": "person_id,household_id,forename,surname,date_of_birth,address_line_1,"
    "postcode,role\n"
    "P0,H1,Jane,Lee,1994-03-02,1 Mill Lane,FQ1 1AA,parent_carer\n"
    "P1,H1,Amy,Lee,2024-05-31,1 Mill Lane,FQ1 1AA,child\n"
    "P5,H2,Tom,Okafor,1990-01-20,22 Quay Street,FQ2 3CD,parent_carer\n"
    "P2,H2,Ben,Okafor,2024-07-01,22 Quay Street,FQ2 3CD,child\n"
    "P4,H4,Dev,Patel,2024-11-11,4 Elm Close,FQ2 9GH,child\n",
    "benefits.csv": "award_id,person_id,benefit,start_date,end_date\n"
    "A1,P0,income_support,2025-03-03,\nA2,P5,universal_credit,2025-02-01,\n",
    "child_statuses.csv": "status_id,person_id,status,start_date,end_date\n"
    "S4,P4,looked_after,2025-05-01,\n",
    "dwp_list.csv": "record_id,child_forename,child_surname,child_date_of_birth,"
    "parent_forename,parent_surname,address_line_1,postcode\n"
    "D9,Finn,Walsh,2024-05-05,Kate,Walsh,7 Dock Road,FQ7 7AB\n",
}


def write_assessed(folder: Path, suffix: str) -> Path:
    """A list, its data folder and its manifest as `workbench assess` writes them."""
    data = folder / "data"
    data.mkdir()
    for name, text in DATA.items():
        (data / name).write_text(text)
    path = write_list(candidate_list(), folder / f"list{suffix}", "r-77")
    manifest = {
        "run_id": "r-77",
        "rule_set": RULE_SET,
        "parameters": {"term_start": "2026-09-01", "as_of": "2026-08-01"},
        "data": str(data),
        "inputs": {name: file_sha256(data / name) for name in DATA},
    }
    path.with_name(path.name + ".manifest.json").write_text(json.dumps(manifest))
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_list_file_registers_the_list_from_its_manifest(store, tmp_path, suffix):
    written = write_assessed(tmp_path, suffix)
    list_id, book = export_list_file(
        store, written, tmp_path / "out.xlsx", key=KEY, user="Tess Ter"
    )
    assert store.lists().select("run_id", "initiative", "rule_set").rows() == [
        ("r-77", "two_year_old", RULE_SET)
    ]
    rows = read_rows(book)
    assert [r["item_key"] for r in rows] == [K1, K2, K_DWP, K4]
    assert rows[3]["already_funded"] == "yes"
    assert register_list_file(store, written, KEY)[0] == list_id
    who = [
        "child_name",
        "date_of_birth",
        "age_on_first_day_of_term",
        "parent_carers",
        "address",
        "postcode",
        "area",
        "other_children_in_household",
    ]
    assert [tuple(r[c] for c in who) for r in rows] == [
        ("Amy Lee", "31 May 2024", "2 years 3 months", "Jane Lee", "1 Mill Lane", "FQ1 1AA",
         "FQ1", "none recorded"),
        ("Ben Okafor", "1 July 2024", "2 years 2 months", "Tom Okafor", "22 Quay Street",
         "FQ2 3CD", "FQ2", "none recorded"),
        ("Finn Walsh", "5 May 2024", "2 years 3 months", "Kate Walsh", "7 Dock Road", "FQ7 7AB",
         "FQ7", "not known: the child is known only from the DWP list"),
        ("Dev Patel", "11 November 2024", "1 year 9 months", "none recorded", "4 Elm Close",
         "FQ2 9GH", "FQ2", "none recorded"),
    ]  # fmt: skip
    label = load_rule_set("two_year_old").criterion("income_support").label
    assert rows[0]["evidence"] == (
        f"{label}: Income Support award A1 to Jane Lee (parent or carer), in payment from "
        "3 March 2025"
    )
    views = store.access_log().filter(pl.col("command") == "review view")
    assert views.select("user", "detail").rows() == [  # the workbook shows every child
        ("Tess Ter", f"list {list_id}, child {child}") for child in (K1, K2, K_DWP, K4)
    ]


def test_export_refuses_a_data_folder_that_has_changed(store, tmp_path):
    written = write_assessed(tmp_path, ".csv")
    people = tmp_path / "data" / "people.csv"
    people.write_text(people.read_text().replace("Amy", "Amie"))
    with pytest.raises(WorkbenchError, match=r"people\.csv: is not the file the list"):
        export_list_file(store, written, tmp_path / "out.xlsx", key=KEY, user="Tess Ter")
    assert not (tmp_path / "out.xlsx").exists()
    assert store.lists().height == 0


def test_export_refuses_a_workbook_there_already_before_reading_anyone(store, tmp_path):
    written = write_assessed(tmp_path, ".csv")
    (tmp_path / "data" / "people.csv").unlink()  # read first, this would be the error
    there = tmp_path / "out.xlsx"
    there.write_bytes(b"an officer's decisions")
    with pytest.raises(UsageError) as refused:
        export_list_file(store, written, there, key=KEY, user="Tess Ter")
    assert str(refused.value) == (
        f"{there} already exists and may hold an officer's decisions; choose another name, "
        "or pass --overwrite to replace it"
    )
    assert there.read_bytes() == b"an officer's decisions"
    assert store.lists().height == 0
    assert store.access_log().is_empty()


def test_a_list_file_needs_its_manifest_and_the_same_run(tmp_path):
    written = write_assessed(tmp_path, ".csv")
    manifest = written.with_name(written.name + ".manifest.json")
    manifest.write_text(json.dumps({"run_id": "r-other", "rule_set": RULE_SET, "inputs": {}}))
    with pytest.raises(DataFileError, match="its rows say run \\['r-77'\\]"):
        read_list_file(written)
    manifest.unlink()
    with pytest.raises(DataFileError, match=r"has no manifest list\.csv\.manifest\.json"):
        read_list_file(written)


def test_csv_ids_stay_text(tmp_path):
    written = write_assessed(tmp_path, ".csv")
    written.write_text(written.read_text().replace("P1,", "007,"))
    assert read_list_file(written).candidates["person_id"].to_list()[0] == "007"


def test_a_rerun_list_workbook_says_children_were_decided_on_the_earlier_list(tmp_path):
    # A tester's case: after a re-run, the new list's workbook and `review export` said
    # "Nothing has been decided" though about 100 of its children had decisions standing.
    (tmp_path / "first").mkdir()
    first = write_assessed(tmp_path / "first", ".csv")
    rerun_dir = tmp_path / "rerun"
    rerun_dir.mkdir()
    rerun = write_list(candidate_list(), rerun_dir / "list.csv", "r-78")
    manifest = json.loads(first.with_name(first.name + ".manifest.json").read_text())
    manifest["run_id"] = "r-78"
    rerun.with_name(rerun.name + ".manifest.json").write_text(json.dumps(manifest))
    with ReviewStore(tmp_path / "review.sqlite", key=KEY) as store:
        list_id, _ = register_list_file(store, first, KEY)
        store.record_decision(list_id, K2, "defer", "A Jones")
        store.record_decision(list_id, K4, "not_eligible", "A Jones", "moved away")
        _, book = export_list_file(store, rerun, tmp_path / "rerun.xlsx", key=KEY, user="Tess Ter")
    about = "\n".join(str(c.value) for c in openpyxl.load_workbook(book)["About"]["A"])
    assert "Nothing has been decided" not in about
    assert "Nothing decided on this list; 2 of its 4 children were decided on another list" in (
        about
    )


def test_the_import_names_are_importable_where_its_docstring_says():
    """The docstring names the module its names can also be imported from: each is there, as
    the same object (``from workbench.review import ReadAs`` for ``ImportResult.read_as``)."""
    import importlib
    import re

    doc = excel_import.__doc__ or ""
    homes = re.findall(r"Every name here is also\s+importable from `([\w.]+)`", doc)
    assert homes == ["workbench.review"]
    home = importlib.import_module(homes[0])
    assert excel_import.__all__ == [
        "ImportResult",
        "ReadAs",
        "ReviewImportError",
        "RowProblem",
        "import_review_workbook",
        "missing_rows_text",
    ]
    for name in excel_import.__all__:
        assert getattr(home, name, None) is getattr(excel_import, name), name
        assert name in home.__all__, name


def test_the_workbook_says_when_each_family_was_already_sent_for_contact(store, clock, tmp_path):
    """`outreach_sent`: each outreach export of a list of the offer that sent the child,
    newest first, as `review outreach` counts them: one whose file was replaced before it was
    sent is not, nor a send for another offer; a council child's DWP-list row sent while it
    was listed on its own is, marked as the row's."""
    candidates = candidate_list()
    first = register_list(store, candidates, "r-1", RULE_SET, {"people.csv": "ab"}, KEY)
    p1 = store.record_decision(first, K1, "contact", "A Jones").decision_id
    p2 = store.record_decision(first, K2, "contact", "A Jones").decision_id
    dwp = store.record_decision(first, K_DWP, "contact", "A Jones").decision_id
    clock.day = "2026-09-03"
    store.record_outreach_export(
        first, "/x/a.csv", [(K1, p1), (K_DWP, dwp)], user="B Cole", detail="x"
    )
    clock.day = "2026-09-04"
    unsent = store.record_outreach_export(first, "/x/b.csv", [(K2, p2)], user="B Cole", detail="x")
    clock.day = "2026-09-05"
    store.record_outreach_export(first, "/x/b.csv", [], user="B Cole", detail="x", replaces=unsent)
    # A re-run of the offer, D9 now linked to P2; P1 sent again from it (a reminder).
    rerun_rows = candidates.filter(pl.col("dwp_record_id").is_null()).with_columns(
        pl.when(pl.col("person_id") == "P2").then(pl.lit("D9")).alias("dwp_record_id")
    )
    rerun = register_list(store, rerun_rows, "r-2", RULE_SET, {"people.csv": "ab"}, KEY)
    again = store.record_decision(rerun, K1, "contact", "A Jones").decision_id
    clock.day = "2026-09-10"
    store.record_outreach_export(rerun, "/x/c.csv", [(K1, again)], user="C Dunn", detail="x")
    # Another offer's list sending P4 is not this offer's outreach.
    other_rows = candidates.with_columns(pl.lit("free_school_meals").alias("initiative"))
    other = register_list(store, other_rows, "r-3", "free_school_meals@1", {}, KEY)
    p4 = store.record_decision(other, K4, "contact", "A Jones").decision_id
    store.record_outreach_export(other, "/x/d.csv", [(K4, p4)], user="C Dunn", detail="x")

    book = export_review_workbook(store, rerun, rerun_rows, tmp_path / "rerun.xlsx", key=KEY)
    sent = {row["person_id"]: row["outreach_sent"] for row in read_rows(book)}
    assert sent == {
        "P1": "sent for contact on 10 September 2026 by C Dunn (outreach export 4, this list)\n"
        "sent for contact on 3 September 2026 by B Cole (outreach export 1, list of "
        "2026-09-01, run r-1)",
        "P2": "as the DWP-list row: sent for contact on 3 September 2026 by B Cole (outreach "
        "export 1, list of 2026-09-01, run r-1)",
        "P4": None,
    }
    assert "outreach_sent" in WRAPPED
    # Imported as any workbook is: the column is locked like the others.
    type_by_header(book, {2: {"decision": "defer"}, 3: {"outreach_sent": ""}})
    assert problems_of(store, book) == [(3, "outreach_sent")]


def test_the_about_sheet_and_the_command_count_link_decisions(tmp_path, monkeypatch):
    """A link confirmed or rejected is a decision too (not about what happens next): the
    workbook and `review export` do not say "Nothing has been decided" when one was made."""
    from typer.testing import CliRunner

    from workbench.cli import app

    monkeypatch.setenv("WORKBENCH_KEY", KEY.hex())
    written = write_assessed(tmp_path, ".csv")
    path = tmp_path / "review.sqlite"
    with ReviewStore(path, key=KEY) as opened:
        list_id, _ = register_list_file(opened, written, KEY)
        opened.record_decision(list_id, K_DWP, "link_confirmed", "A Jones")
    runner = CliRunner()
    args = ["--quiet", "review", "export", "--store", str(path), "--list", str(written)]

    def export(name: str) -> tuple[str, str]:
        done = runner.invoke(app, [*args, "--out", str(tmp_path / name)])
        assert done.exit_code == 0, done.output
        sheet = openpyxl.load_workbook(tmp_path / name)["About"]["A"]
        return " ".join(done.output.split()), "\n".join(str(c.value) for c in sheet)

    said, about = export("links.xlsx")
    assert "Nothing has been decided" not in said + about
    assert (
        "No child has a decision about what happens next; 1 DWP-list link decided "
        "(1 confirmed) on this list: import it once filled in" in said
    )
    assert (
        "No outcome decided on this list; 1 DWP-list link decided (1 confirmed)\n"
        "When this workbook was written, none of the 4 children on this list had a decision "
        "about what happens next. On this list, 1 DWP-list link decided (1 confirmed): a link "
        "decision says only whether a DWP-list row is the child proposed, not what happens "
        "next, so a child with no other decision still needs one.\n"
    ) in about
    with ReviewStore(path, key=KEY) as opened:
        # Counted by the latest link decision about each row: this one is now rejected.
        opened.record_decision(list_id, K_DWP, "link_rejected", "A Jones", "not the same child")
        opened.record_decision(list_id, K2, "defer", "A Jones")
    said, about = export("both.xlsx")
    assert (
        "1 of the 4 children already have a decision on this list (shown in its "
        "earlier_decisions column); 1 DWP-list link decided (1 rejected) on this list: "
        "import" in said
    )
    assert "1 of the 4 children have a decision; 1 DWP-list link decided (1 rejected)\n" in about


# --- what a refused or partial import says (a tester's two-officer term) --------------------
def test_clearing_the_refused_rows_and_importing_the_same_file_again_keeps_the_rest(
    store, exported, clock
):
    """What a stale row's message says to do works: the officer's other decisions, typed in
    the same file, are recorded once the refused row's decision and reason are cleared."""
    list_id, book = exported
    clock.day = "2026-09-04"
    store.record_decision(list_id, K1, "already_in_touch", "A Jones")  # after the export
    fill(
        book,
        {
            ROW["P1"]: {"decision": "not_eligible", "reason": "moved away"},
            ROW["P2"]: {"decision": "defer"},
            ROW["P4"]: {"decision": "contact"},
        },
    )
    assert problems_of(store, book) == [(ROW["P1"], "decision")]
    fill(book, {ROW["P1"]: {"decision": None, "reason": None}})
    result = import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert (result.recorded, result.already_decided) == (2, 1)
    assert recorded(store, list_id) == [
        (K1, "already_in_touch", "A Jones", None),
        (K2, "defer", "J Smith", None),
        (K4, "contact", "J Smith", None),
    ]


def test_a_deleted_row_whose_child_a_colleague_decided_meanwhile_is_said_to_be_decided(
    store, exported, clock
):
    list_id, book = exported
    fill(book, {ROW["P1"]: {"decision": "contact"}})
    workbook = openpyxl.load_workbook(book)
    workbook["Review"].delete_rows(ROW["P4"])
    workbook["Review"].delete_rows(ROW["P2"])
    workbook.save(book)
    clock.day = "2026-09-04"
    store.record_decision(list_id, K4, "not_eligible", "A Jones", "moved away")
    result = import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert (result.not_in_workbook, result.missing_decided, result.missing_undecided) == (
        2,
        (("A Jones", 1),),
        1,
    )
    assert missing_rows_text(result) == (
        "2 child(ren) of the list have no row in the workbook (rows deleted?): nothing was "
        "recorded for them from it. 1 of them has a decision on this list (1 by A Jones), "
        "which stands; 1 has none and stays undecided: export the list again to review it."
    )
    store.record_decision(list_id, K2, "defer", "A Jones")
    again = import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert missing_rows_text(again) == (
        "2 child(ren) of the list have no row in the workbook (rows deleted?): nothing was "
        "recorded for them from it. 2 of them have a decision on this list (2 by A Jones), "
        "which stands."
    )


def _paste(path: Path, source: int, target: int, columns: list[str]) -> None:
    """Copy `columns` of sheet row `source` over row `target` (the hidden checksum too when
    named), as a paste over a row does."""
    book = openpyxl.load_workbook(path)
    sheet = book["Review"]
    for column in columns:
        number = COLUMNS.index(column) + 1
        sheet.cell(target, number).value = sheet.cell(source, number).value
    book.save(path)


def test_cells_pasted_from_another_childs_row_are_named_not_the_item_key(store, exported):
    """A tester's row 4 was said to have its item_key changed: the item_key was its own, and
    the cells (the hidden checksum with them) were another row's."""
    list_id, book = exported
    _paste(book, ROW["P2"], ROW["P1"], ["tier", "reasons", "reason_codes", "checksum"])
    fill(book, {ROW["P1"]: {"decision": "contact"}})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    # P2's other filled cells the same as P1's (the name not read, eligible_from, ...) hold
    # its values too: said, since the checksum cannot tell them apart; empty ones are not.
    assert [str(p) for p in raised.value.problems] == [
        f"row {ROW['P1']}, column 'child_name': cells were pasted over this row from row "
        f"{ROW['P2']}, another child's (its hidden checksum too): child_name, tier, reasons, "
        "eligible_from, already_funded and working_parent_place hold that child's values (or "
        "one the same for both children). Put back this row's own cells (undo the paste) or "
        "export afresh"
    ]
    assert recorded(store, list_id) == []


def test_a_changed_item_key_is_still_named_as_such(store, exported):
    _paste(exported[1], ROW["P4"], ROW["P1"], ["item_key"])  # P4's key, P1's row otherwise
    workbook = openpyxl.load_workbook(exported[1])
    workbook["Review"].delete_rows(ROW["P4"])
    workbook.save(exported[1])
    assert problems_of(store, exported[1]) == [(ROW["P1"], "item_key")]


def test_a_row_pasted_from_the_same_childs_row_of_another_lists_workbook_names_that_list(
    store, exported, clock, tmp_path
):
    _, book = exported
    clock.day = "2026-09-08"
    rerun = register_list(store, candidate_list(), "r-2", RULE_SET, {"people.csv": "ab"}, KEY)
    other = export_review_workbook(store, rerun, candidate_list(), tmp_path / "r2.xlsx", key=KEY)
    old = openpyxl.load_workbook(other)["Review"]
    cells = {c: old.cell(ROW["P1"], COLUMNS.index(c) + 1).value for c in ("tier", "checksum")}
    fill(book, {ROW["P1"]: cells | {"decision": "contact"}})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert [str(p) for p in raised.value.problems] == [
        f"row {ROW['P1']}, column 'checksum': is not this row's: cells were pasted over this "
        "row (its hidden checksum too) from this child's row in the workbook of another list "
        f"({rerun}, run r-2 of 2026-09-08), so its cells are that list's, not this one's; put "
        "back the row as exported (undo the paste) or export afresh"
    ]


@pytest.mark.parametrize("reason", ["n/a", "N/A", "na", "none", "None ", "?", "-", "tbc"])
def test_a_placeholder_reason_is_refused_in_plain_words(store, exported, reason):
    list_id, book = exported
    fill(book, {ROW["P1"]: {"decision": "not_eligible", "reason": reason}})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert [str(p) for p in raised.value.problems] == [
        f"row {ROW['P1']}, column 'reason': a not_eligible decision needs a reason saying why, "
        f"in words (e.g. 'moved out of the area'); {reason.strip()!r} says nothing about why"
    ]
    assert recorded(store, list_id) == []


# --- a later list of the offer (a re-run of assess) -----------------------------------------
def test_an_earlier_lists_workbook_says_a_later_list_exists_and_who_is_not_on_it(
    store, exported, clock, tmp_path
):
    """A tester re-ran `assess` a week later: the first list's workbook said nothing, and a
    child no longer listed (her Universal Credit ended) was decided `contact` on it."""
    list_id, book = exported
    assert [row["later_list"] for row in read_rows(book)] == [None] * 4  # no later list yet
    clock.day = "2026-09-08"
    rerun = register_list(store, candidate_list("P1", "P2"), "r-2", RULE_SET, {}, KEY)
    again = export_review_workbook(
        store, list_id, candidate_list(), tmp_path / "again.xlsx", key=KEY
    )
    caution = (
        f"Not on the offer's later list {rerun} (run r-2, stored on 8 September 2026): their "
        "circumstances may have changed since (a benefit ended, a family moved); check before "
        "deciding"
    )
    assert {row["person_id"] or row["dwp_record_id"]: row["later_list"] for row in
            read_rows(again)} == {"P1": None, "P2": None, "D9": caution, "P4": caution}  # fmt: skip
    workbook = openpyxl.load_workbook(again)
    about = [str(c.value) for c in workbook["About"]["A"]]
    at = about.index("A later list of this offer exists")
    assert about[at + 1] == (
        f"A later list of this offer exists: list {rerun} (run r-2, stored on 8 September "
        "2026). Decide from it where you can (a decision there is the newer, and stands); 2 of "
        "this list's 4 children are not on it: their circumstances may have changed since (a "
        "benefit ended, a family moved), so check before deciding about them. Each child not "
        "on it is marked so in 'later_list'; deciding about one is not refused (you may have "
        "reasons), but check first."
    )
    assert workbook.active is not None and workbook.active.title == "About"  # opened there
    # Said, not refused: a decision about a child not on the later list imports.
    fill(again, {ROW["P4"]: {"decision": "contact"}})
    assert import_review_workbook(store, again, reviewer="J Smith", key=KEY).recorded == 1


def test_the_later_list_is_the_one_outreach_cautions_by(store, exported, clock):
    """The panel, the workbook and outreach's `caution` column name the same children."""
    from workbench.review.lists import later_list
    from workbench.review.outreach import _not_on_later_list

    list_id, _ = exported
    assert later_list(store, list_id) is None and _not_on_later_list(store, list_id)[1] is None
    clock.day = "2026-09-08"
    register_list(store, candidate_list("P1", "P2"), "r-2", RULE_SET, {}, KEY)
    clock.day = "2026-09-09"
    last = register_list(store, candidate_list("P1", "P4"), "r-3", RULE_SET, {}, KEY)
    later = later_list(store, list_id)
    assert later is not None and later.list_id == last
    assert later.not_on_it == _not_on_later_list(store, list_id)[0] == {K2, K_DWP}
    assert later_list(store, last) is None


def test_the_workbook_says_already_funded_is_not_known_without_the_terms_headcount(store, tmp_path):
    candidates = candidate_list()
    list_id = register_list(store, candidates, "r-1", RULE_SET, {"people.csv": "ab"}, KEY)
    book = export_review_workbook(
        store, list_id, candidates, tmp_path / "r.xlsx", key=KEY, user="Tess Ter",
        places_not_known=True,
    )  # fmt: skip
    assert [row["already_funded"] for row in read_rows(book)] == [
        "not known", "not known", "not known", "yes",  # P4 has a place: that is known
    ]  # fmt: skip
    opened = openpyxl.load_workbook(book)
    about = [str(row[0]) for row in opened["About"].iter_rows(values_only=True)]
    at = about.index("Already funded is not known")
    assert about[at + 1].startswith(
        "Funded places for the term were not in the providers' headcount this list was made "
        "from, so 'already_funded' cannot say whether a child has a place: it says 'not known' "
        "rather than 'no'."
    )
    assert opened.active is not None and opened.active.title == "About"  # read first
    # The workbook imports as any other: its locked cells are as written.
    fill(book, {ROW["P1"]: {"decision": "contact"}})
    assert import_review_workbook(store, book, reviewer="J Smith", key=KEY).recorded == 1
    usual = export_review_workbook(store, list_id, candidates, tmp_path / "u.xlsx", key=KEY)
    assert [row["already_funded"] for row in read_rows(usual)] == ["no", "no", "no", "yes"]
    assert "Already funded is not known" not in [
        row[0] for row in openpyxl.load_workbook(usual)["About"].iter_rows(values_only=True)
    ]


def test_earlier_decisions_too_long_for_a_cell_are_cut_and_say_so(store, exported, tmp_path):
    list_id, _ = exported
    for number in range(20):  # 20 reasons of 2,000 characters: more than a cell holds
        store.record_decision(list_id, K1, "not_eligible", "A Jones", f"{number} " + "m" * 1990)
    book = export_review_workbook(store, list_id, candidate_list(), tmp_path / "l.xlsx", key=KEY)
    cell = read_rows(book)[0]["earlier_decisions"]
    assert isinstance(cell, str) and len(cell) == 32_767
    assert cell.startswith("not eligible by A Jones on 2026-09-01: 19 mmm")  # newest first
    assert cell.endswith("\n... (cut: see the review store for the rest)")


def test_a_reason_longer_than_two_thousand_characters_is_refused_by_row(store, exported):
    list_id, book = exported
    fill(book, {ROW["P1"]: {"decision": "not_eligible", "reason": "moved " * 1000}})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert [(p.row, p.column, p.message) for p in raised.value.problems] == [
        (
            2,
            "reason",
            "is 5,999 characters long; a reason can be at most 2,000: say why in a few "
            "sentences (the case notes can hold the rest)",
        )
    ]
    assert recorded(store, list_id) == []


@pytest.mark.parametrize("reason", ["N/A.", "(none)", "-- n/a --", "see notes", "no", "xx"])
def test_a_placeholder_reason_with_punctuation_is_refused_by_row(store, exported, reason):
    list_id, book = exported
    fill(book, {ROW["P1"]: {"decision": "not_eligible", "reason": reason}})
    assert problems_of(store, book) == [(2, "reason")]
    assert recorded(store, list_id) == []


# --- who exports and imports: a name given that names no one is refused -----------------------
def refused_as_admin(where: str) -> str:
    return (
        f"{where}: user 'admin' is not a person's name (it is a role word), and the access log "
        "and the store record it as who did it: give your own name as colleagues know it, e.g. "
        'user="A. Officer", or leave user unset to record WORKBENCH_USER, else the login name'
    )


def test_an_export_by_a_user_naming_no_one_is_refused_before_it_writes_or_logs(store, tmp_path):
    """`WORKBENCH_USER=admin` was refused; `user="admin"` from Python was recorded as who
    exported. Now refused the same way, before the workbook is written or a line logged."""
    candidates = candidate_list()
    list_id = register_list(store, candidates, "r-1", RULE_SET, {}, KEY)
    book = tmp_path / "review.xlsx"
    with pytest.raises(WorkbenchError) as refused:
        export_review_workbook(store, list_id, candidates, book, key=KEY, user="admin")
    assert str(refused.value) == refused_as_admin("export_review_workbook")
    assert not book.exists()
    assert store.access_log().height == 0


def test_export_list_file_by_a_user_naming_no_one_registers_nothing(store, tmp_path):
    written = write_assessed(tmp_path, ".csv")
    with pytest.raises(WorkbenchError) as refused:
        export_list_file(store, written, tmp_path / "out.xlsx", key=KEY, user="admin")
    assert str(refused.value) == refused_as_admin("export_list_file")
    assert store.lists().height == 0 and store.access_log().height == 0
    assert not (tmp_path / "out.xlsx").exists()


def test_an_import_by_a_user_naming_no_one_records_and_logs_nothing(store, exported):
    list_id, book = exported
    fill(book, {ROW["P1"]: {"decision": "contact"}})
    logged = store.access_log().height
    with pytest.raises(WorkbenchError) as refused:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY, user="admin")
    assert str(refused.value) == refused_as_admin("import_review_workbook")
    assert recorded(store, list_id) == [] and store.access_log().height == logged
