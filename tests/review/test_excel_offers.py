"""Each offer's review workbook shows the columns and offers the decisions its rules mean: no
`check` for an offer DfE's services do not check, no DWP-list columns or link decisions for an
offer that never reads the DWP list, free school meals' groups kept apart; and the import says
so by row and column. The two-year-old offer's workbook is as it always was (test_excel.py)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, cast

import openpyxl
import polars as pl
import pytest

from workbench.review import ReviewStore
from workbench.review.excel import export_review_workbook, workbook_layout
from workbench.review.excel_import import ReviewImportError, import_review_workbook
from workbench.review.lists import register_list
from workbench.review.workbook import COLUMNS, FORMAT
from workbench.rules import load_rule_set

KEY = bytes(range(32))
ON = date(2026, 9, 1)  # the store's clock: the day each list is registered

# The columns every workbook has, in order, around the ones that depend on the offer.
WHO = [
    "item_key", "person_id", "child_name", "date_of_birth", "age_on_first_day_of_term",
    "parent_carers", "address", "postcode", "area", "other_children_in_household", "tier",
]  # fmt: skip
AFTER = ["later_list", "record_link", "earlier_decisions"]
OFFICER = ["decision", "reviewer", "reason", "checksum"]


def candidates(initiative: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Hand-made list rows of `initiative`, shaped as `assess` writes them to CSV."""
    return pl.DataFrame(
        [
            {
                "person_id": row["person_id"],
                "dwp_record_id": row.get("dwp_record_id"),
                "initiative": initiative,
                "tier": "likely",
                "reason_codes": ";".join(row["codes"]),
                "eligible_from": "2026-09-01",
                "already_funded": row.get("already_funded", "false"),
                "evidence": "",
                "working_parent_place": row.get("working_parent_place", "false"),
                "eligibility_group": row.get("eligibility_group"),
                "age_group": row.get("age_group"),
            }
            for row in rows
        ],
        schema_overrides={"dwp_record_id": pl.String, "eligibility_group": pl.String,
                          "age_group": pl.String},
    )  # fmt: skip


def export(store: ReviewStore, tmp_path: Path, initiative: str, rows: list[dict]) -> Path:
    frame = candidates(initiative, rows)
    list_id = register_list(store, frame, "r-1", f"{initiative}@1", {}, KEY)
    out = tmp_path / f"{initiative}.xlsx"
    return export_review_workbook(store, list_id, frame, out, key=KEY, user="Tess Ter")


def sheet(path: Path, name: str = "Review") -> list[tuple[Any, ...]]:
    return list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))


def drop_down(path: Path) -> list[str]:
    validations = openpyxl.load_workbook(path)["Review"].data_validations.dataValidation
    return [cast(str, v.formula1) for v in validations]


def about(path: Path) -> str:
    return "\n".join(str(row[0]) for row in sheet(path, "About"))


def meta(path: Path) -> dict[str, str]:
    return {str(row[0]): str(row[1]) for row in sheet(path, "workbench")}


def type_in(path: Path, row: int, values: dict[str, str]) -> None:
    book = openpyxl.load_workbook(path)
    review = book["Review"]
    header = [cell.value for cell in review[1]]
    for column, value in values.items():
        review.cell(row=row, column=header.index(column) + 1).value = value
    book.save(path)


@pytest.fixture
def store(tmp_path: Path):
    with ReviewStore(tmp_path / "review.sqlite", key=KEY) as opened:
        yield opened


DAF = [
    {"person_id": "P1", "codes": ["disability_living_allowance"], "already_funded": "true"},
    {"person_id": "P2", "codes": ["disability_living_allowance"], "working_parent_place": "true"},
]


def test_a_disability_access_fund_workbook_offers_no_check_and_no_dwp_list(store, tmp_path):
    book = export(store, tmp_path, "disability_access_fund", DAF)
    header = list(sheet(book)[0])
    # No dwp_record_id, working_parent_place (any funded place is the offer's condition:
    # already_funded says it) nor dfe_checks (DfE's services do not check the offer).
    assert header == [
        *WHO, "reasons", "evidence", "eligible_from", "already_funded", *AFTER,
        "outreach_sent", "reason_codes", "evidence_as_written", *OFFICER,
    ]  # fmt: skip
    assert drop_down(book) == ['"contact,not_eligible,already_in_touch,defer"']
    words = about(book)
    assert "check:" not in words and "DWP" not in words and "dfe_checks" not in words
    assert "Eligibility itself is confirmed through the DfE checking service" not in words
    assert (
        "DfE's eligibility checking services do not check this offer: eligibility is confirmed "
        "from the evidence itself (the award, or the provider, as the offer's rules say), never "
        "by this workbook." in words
    )
    assert "4. Write a reason in 'reason'. It is required for not_eligible.\n" in words
    assert meta(book)["format"] == "workbench-review-8"
    assert meta(book)["columns"] == ",".join(header[: header.index("decision")])
    # Back in as any workbook: decisions recorded, a locked cell still named by its column.
    type_in(book, 2, {"decision": "contact"})
    type_in(book, 3, {"tier": "possible"})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert [(p.row, p.column) for p in raised.value.problems] == [(3, "tier")]
    type_in(book, 3, {"tier": "likely"})
    assert import_review_workbook(store, book, reviewer="J Smith", key=KEY).recorded == 1


def test_a_check_typed_into_a_disability_access_fund_workbook_is_refused(store, tmp_path):
    book = export(store, tmp_path, "disability_access_fund", DAF)
    type_in(book, 2, {"decision": "contact"})
    type_in(book, 3, {"decision": "Check"})  # not in the drop-down: typed, or pasted
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert [str(p) for p in raised.value.problems] == [
        "row 3, column 'decision': check is not a decision for a disability_access_fund list: "
        "DfE's services do not check it (they check early_years_pupil_premium, "
        "free_school_meals, two_year_old), so `workbench check export` would never send this "
        "family; choose one of contact, not_eligible, already_in_touch, defer instead (defer "
        "to find out more first)"
    ]
    assert store.decisions(meta(book)["list_id"]).height == 0  # nothing recorded


FSM = [
    {"person_id": "P1", "codes": ["universal_credit", "universal_credit_low_income"],
     "eligibility_group": "targeted", "age_group": "infant"},
    {"person_id": "P2", "codes": ["universal_credit"], "eligibility_group": "expanded",
     "age_group": "sixth_form"},
]  # fmt: skip


def line(code: str) -> str:
    criterion = load_rule_set("free_school_meals").criterion(code)
    return f"{criterion.label}: {criterion.sentence(ON)}"


def test_a_free_school_meals_workbook_keeps_its_groups_apart(store, tmp_path):
    book = export(store, tmp_path, "free_school_meals", FSM)
    rows = sheet(book)
    header = list(rows[0])
    # No already_funded: free school meals reads no funded places, so it was "no" on every
    # row, saying nothing.
    assert header == [
        *WHO, "eligibility_group", "age_group", "reasons", "evidence", "eligible_from",
        *AFTER, "dfe_checks", "outreach_sent", "reason_codes", "evidence_as_written", *OFFICER,
    ]  # fmt: skip
    cells = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [(c["eligibility_group"], c["age_group"]) for c in cells] == [
        ("targeted", "infant"),
        ("expanded", "sixth_form"),
    ]
    # The targeted child meets the expanded group's Universal Credit too: said to be in one.
    # The age group's label says what it means (the sixth former's: where do they study?).
    assert cells[0]["reasons"] == (
        "Group: targeted (meals, pupil premium and holiday activities).\n"
        "Age group: Reception to Year 2: universal infant free school meals apply anyway; "
        "benefits-related eligibility still brings pupil premium funding.\n"
        "Also met, though the child counts in the targeted group: "
        f"{line('universal_credit')}\n{line('universal_credit_low_income')}"
    )
    assert cells[1]["reasons"] == (
        "Group: expanded (meals only, from September 2026).\n"
        "Age group: Years 12 and 13: eligible only in a school sixth form (not an FE "
        f"college): check where the pupil studies.\n{line('universal_credit')}"
    )
    # DfE's service checks free school meals; the DWP list is never read for them.
    assert drop_down(book) == ['"contact,not_eligible,already_in_touch,defer,check"']
    words = about(book)
    assert "check: check eligibility with DfE's service first" in words
    assert "DWP" not in words and "link_" not in words
    assert (
        "1. Read each row: tier, group ('eligibility_group': the reasons say which), age group "
        "('age_group': the reasons say what it means), reasons, " in words
    )
    assert "already_funded" not in words
    # The group is locked like the list's other columns.
    type_in(book, 2, {"eligibility_group": "expanded", "decision": "check"})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert [(p.row, p.column) for p in raised.value.problems] == [(2, "eligibility_group")]
    type_in(book, 2, {"eligibility_group": "targeted"})
    assert import_review_workbook(store, book, reviewer="J Smith", key=KEY).recorded == 1


def test_a_link_decision_typed_into_a_free_school_meals_workbook_is_refused(store, tmp_path):
    book = export(store, tmp_path, "free_school_meals", FSM)
    type_in(book, 2, {"decision": "link_confirmed"})
    with pytest.raises(ReviewImportError) as raised:
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)
    assert [(p.row, p.column) for p in raised.value.problems] == [(2, "decision")]


def test_the_named_columns_are_sealed(store, tmp_path):
    book = export(store, tmp_path, "disability_access_fund", DAF)
    opened = openpyxl.load_workbook(book)
    for row in opened["workbench"].iter_rows():
        if row[0].value == "columns":
            row[1].value = str(row[1].value).replace(",tier", "")
    opened.save(book)
    with pytest.raises(Exception, match="exported with another pseudonym key, or its hidden"):
        import_review_workbook(store, book, reviewer="J Smith", key=KEY)


def test_the_layout_follows_the_rules_and_the_list():
    daf = load_rule_set("disability_access_fund")
    # A DWP-list row on a list shows the column and its link decisions, whatever the rules.
    linked = workbook_layout("disability_access_fund", daf, dwp_rows=True)
    assert "dwp_record_id" in linked.locked
    assert linked.decisions == (
        "contact", "not_eligible", "already_in_touch", "defer", "link_confirmed", "link_rejected",
    )  # fmt: skip
    eypp = workbook_layout(
        "early_years_pupil_premium", load_rule_set("early_years_pupil_premium"), dwp_rows=False
    )
    assert "check" in eypp.decisions and "dfe_checks" in eypp.locked
    assert "working_parent_place" not in eypp.locked and "dwp_record_id" not in eypp.locked
    # The two-year-old offer: every column, format 7, exactly as before.
    two = workbook_layout("two_year_old", load_rule_set("two_year_old"), dwp_rows=False)
    assert (two.columns, two.format) == (COLUMNS, FORMAT)


def test_review_import_warns_of_a_workbook_others_can_read(store, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from workbench.cli import app

    book = export(store, tmp_path, "disability_access_fund", DAF)
    type_in(book, 2, {"decision": "contact"})
    os.chmod(book, 0o644)
    store.close()
    monkeypatch.setenv("WORKBENCH_KEY", KEY.hex())
    args = ["review", "import", str(book), "--store", str(store.path), "--reviewer", "J Smith"]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert " ".join(done.stderr.split()) == (
        f"warning: {book}: mode 0644 lets other users of this computer read it (it names "
        f"children, their parents or carers and where they live). Run `chmod 600 {book}`, and "
        "keep review workbooks owner-only; delete it once imported."
    )
    assert "1 decision(s) recorded for J Smith" in done.stdout
    os.chmod(book, 0o600)
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and again.stderr == ""


def test_a_free_school_meals_workbook_exported_with_already_funded_still_imports(
    store, tmp_path, monkeypatch
):
    # Exported before the column was dropped (its hidden sheet names it): imported as it is.
    from workbench.review import excel
    from workbench.review.workbook import layout_columns

    def with_funded(*args: Any, **kwargs: Any) -> excel.WorkbookLayout:
        layout = workbook_layout(*args, **kwargs)
        locked = layout_columns([*layout.locked, "already_funded"])
        return excel.WorkbookLayout(
            layout.initiative, locked, layout.decisions, layout.dfe_checked, layout.dwp_links
        )

    monkeypatch.setattr(excel, "workbook_layout", with_funded)
    book = export(store, tmp_path, "free_school_meals", FSM)
    monkeypatch.undo()
    header = list(sheet(book)[0])
    assert header.index("already_funded") == header.index("eligible_from") + 1
    type_in(book, 2, {"decision": "contact"})
    assert import_review_workbook(store, book, reviewer="J Smith", key=KEY).recorded == 1


@pytest.mark.parametrize(
    ("initiative", "offer"),
    [
        ("disability_access_fund", "Disability Access Fund"),
        ("early_years_pupil_premium", "Early Years Pupil Premium"),
    ],
)
def test_an_offer_whose_condition_is_a_funded_place_says_so_on_the_about_sheet(
    store, tmp_path, initiative, offer
):
    # A tester's case: every child had already_funded yes, unexplained, and already_in_touch
    # read "or has a place", which every child of these lists has.
    book = export(store, tmp_path, initiative, DAF)
    lines = [str(row[0]) for row in sheet(book, "About")]
    at = lines.index("What already_funded means here")
    assert lines[at + 1] == (
        "'already_funded': yes on every row: a funded place this term is the condition of the "
        f"{offer} (the provider of the place claims the money), so it does not mean the offer "
        "is taken up."
    )
    assert lines[lines.index("The decisions") + 3] == (
        "already_in_touch: the family is already in touch with us, or the provider already "
        f"claims the {offer} for the child (every child here has a funded place: that is the "
        "offer's condition, so a place alone is no reason to choose this)"
    )
    assert "or has a place" not in "\n".join(lines)
