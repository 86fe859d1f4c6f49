"""Importing a returned review workbook: every row checked, then all decisions or none.

:func:`import_review_workbook` reads a workbook written by
:func:`workbench.review.excel.export_review_workbook` and filled in by an officer. It checks
every row (locked cells against their checksum, decisions, reasons, the reviewer's name)
before recording anything, then, in one write transaction, refuses a row decided on since
the workbook was exported and records all decisions, or none. Every name here is also
importable from `workbench.review`, as the export's are (`export_review_workbook`).

Example
-------
>>> import tempfile
>>> import polars as pl
>>> from workbench.review import ReviewStore
>>> from workbench.review.excel import export_review_workbook
>>> from workbench.review.lists import register_list
>>> folder = Path(tempfile.mkdtemp())
>>> candidates = pl.DataFrame({"person_id": ["P1"], "tier": ["likely"],
...                            "reason_codes": [["income_support"]]})
>>> with ReviewStore(folder / "review.sqlite") as store:
...     list_id = register_list(store, candidates, "r-1", "two_year_old@1", {}, bytes(32))
...     book = export_review_workbook(store, list_id, candidates, folder / "review.xlsx",
...                                   key=bytes(32), user="A. Officer")
...     result = import_review_workbook(store, book, reviewer="A. Officer", key=bytes(32))
>>> result.recorded, result.skipped_blank
(0, 1)
"""

from __future__ import annotations

import difflib
import hmac
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from workbench.errors import UsageError, WorkbenchError
from workbench.private_files import open_to_others
from workbench.review.offers import checked_by_dfe, decisions_for
from workbench.review.schema import (
    NAME_WANTED,
    decision_kind,
    decision_label,
    names_someone,
    reason_too_long,
    recorded_user,
    same_reviewer,
    says_why,
    too_long_message,
    why_not_a_name,
)
from workbench.review.store import (
    DECISIONS,
    LINK_DECISIONS,
    OUTCOME_DECISIONS,
    REASON_REQUIRED,
    ReviewStore,
)
from workbench.review.workbook import (
    CHECKSUM_COLUMN,
    EDITABLE_COLUMNS,
    FORMAT,
    GROUP_COLUMNS,
    IMPORTABLE_FORMATS,
    LAYOUT_FORMAT,
    LOCKED_COLUMNS,
    META_SHEET,
    REVIEW_SHEET,
    checksum_owner,
    columns_of,
    edited_columns,
    export_seal,
)
from workbench.spreadsheet import rows_text

__all__ = [
    "ImportResult",
    "ReadAs",
    "ReviewImportError",
    "RowProblem",
    "import_review_workbook",
    "missing_rows_text",
]

MAX_LISTED_PROBLEMS = 20
# Far more than any review workbook needs; a zip bomb unpacks to much more.
MAX_UNPACKED_BYTES = 512 * 2**20


@dataclass(frozen=True)
class ReadAs:
    """A decision cell not written exactly as the decision's name, and what it was read as:
    capitals, spaces around it and spaces for underscores are read without a word from the
    drop-down, but the officer is told (``Contact`` is read as ``contact``)."""

    written: str
    """The cell as written."""
    decision: str
    """The decision it was read as."""
    rows: tuple[int, ...]
    """The sheet rows (header = 1) written so, in order."""

    def __str__(self) -> str:
        return f"read {self.written!r} as {self.decision} ({rows_text(self.rows)})"


@dataclass(frozen=True)
class ImportResult:
    """What an import did: decisions recorded, blank rows skipped, rows already recorded."""

    list_id: str
    recorded: int
    skipped_blank: int
    already_recorded: int
    not_in_workbook: int = 0
    """Children of the list with no row in the workbook (rows deleted): nothing recorded."""
    already_decided: int = 0
    """Of the rows without a decision (``skipped_blank``), those whose child already had an
    outcome decision on this list when imported (a colleague's, or an earlier one of the
    reviewer's): decided, not left undecided."""
    missing_decided: tuple[tuple[str, int], ...] = ()
    """Of the children with no row in the workbook (``not_in_workbook``), those with an outcome
    decision on this list when imported, by reviewer: (reviewer, children), most first. The
    rest (`missing_undecided`) have none."""
    read_as: tuple[ReadAs, ...] = ()
    """One per distinct spelling of a decision cell not written exactly as the decision's
    name (``Contact``, ``contact `` with a space, ``already in touch``), in sheet order:
    read as the decision it spells, and said so."""

    @property
    def missing_undecided(self) -> int:
        """Children with no row in the workbook and no outcome decision on this list."""
        return self.not_in_workbook - sum(n for _, n in self.missing_decided)

    @property
    def left_undecided(self) -> int:
        """Rows without a decision whose child has no outcome decision on this list."""
        return self.skipped_blank - self.already_decided


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong in a returned workbook, at its row as Excel shows it (header = 1)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column '{self.column}': {self.message}"


class ReviewImportError(WorkbenchError):
    """A returned workbook has problems; nothing was recorded. ``problems`` lists them all."""

    def __init__(self, path: Path, problems: list[RowProblem]) -> None:
        self.problems = problems
        shown = [f"  - {problem}" for problem in problems[:MAX_LISTED_PROBLEMS]]
        if len(problems) > MAX_LISTED_PROBLEMS:
            shown.append(f"  ... and {len(problems) - MAX_LISTED_PROBLEMS} more")
        super().__init__(
            f"{path}: {len(problems)} problem(s) found, so nothing was recorded. Fix them in "
            "the workbook (or export the list afresh) and import again:\n" + "\n".join(shown)
        )


def missing_rows_text(result: ImportResult) -> str:
    """What an import says of the children with no row in the workbook (rows deleted): that
    nothing was recorded for them, and what is true of each now: decided on this list (by
    whom: a colleague may have decided one meanwhile), or undecided.

    >>> missing_rows_text(ImportResult("l-1", 0, 0, 0, 2, 0, (("S. Green", 1),)))
    '2 child(ren) of the list have no row in the workbook (rows deleted?): nothing was recorded for them from it. 1 of them has a decision on this list (1 by S. Green), which stands; 1 has none and stays undecided: export the list again to review it.'
    """  # noqa: E501
    said = (
        f"{result.not_in_workbook} child(ren) of the list have no row in the workbook (rows "
        "deleted?): nothing was recorded for them"
    )
    undecided = result.missing_undecided
    if not result.missing_decided:
        return f"{said}, and they stay undecided. Export the list again to review them."
    decided = result.not_in_workbook - undecided
    by = ", ".join(f"{n} by {who}" for who, n in result.missing_decided)
    text = (
        f"{said} from it. {decided} of them {'has' if decided == 1 else 'have'} a decision on "
        f"this list ({by}), which stands"
    )
    if not undecided:
        return text + "."
    one = undecided == 1
    return (
        f"{text}; {undecided} {'has' if one else 'have'} none and {'stays' if one else 'stay'} "
        f"undecided: export the list again to review {'it' if one else 'them'}."
    )


# --- import ------------------------------------------------------------------------------
def _cell_text(value: Any) -> str:
    """A cell as text: empty for a blank cell; numbers and dates as Excel shows them."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    return value if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class _Row:
    number: int
    values: dict[str, str]
    formulas: tuple[str, ...] = ()  # the officer's columns that hold a formula

    @property
    def decision(self) -> str:
        return self.values["decision"].strip().lower().replace(" ", "_")

    @property
    def reason(self) -> str | None:
        return self.values["reason"].strip() or None


@dataclass(frozen=True)
class _Exported:
    """What the hidden sheet says of the export: the list, and its last decision then."""

    list_id: str
    decided_upto: int
    seal: str
    locked: tuple[str, ...]  # the locked columns of the workbook's format
    named: tuple[str, ...] | None = None  # format 8: the columns its hidden sheet names


def _named_columns(meta: dict[str, str]) -> tuple[str, ...] | None:
    """The locked columns a format-8 workbook's hidden sheet names (`LAYOUT_FORMAT`), or
    None when they are not a layout the export writes (changed by hand)."""
    names = tuple(meta.get("columns", "").split(","))
    known = set(LOCKED_COLUMNS) | set(GROUP_COLUMNS)
    if "item_key" not in names or not set(names) <= known or len(set(names)) != len(names):
        return None
    return names


def _read_workbook(path: Path) -> tuple[_Exported, list[_Row]]:
    """The export's details and the non-empty rows of the Review sheet, by column name."""
    from openpyxl import load_workbook  # only the import reads workbooks

    if not path.exists():
        raise UsageError(f"{path} does not exist; expected a review workbook to import")
    _check_unpacked_size(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not xlsx
        raise WorkbenchError(
            f"{path}: cannot be read as an Excel workbook (it is not a .xlsx file, or it is "
            "damaged: saved in another format, or not copied whole); expected the .xlsx "
            "written by `workbench review export`, saved by Excel as .xlsx"
        ) from None
    try:
        if META_SHEET not in book.sheetnames or REVIEW_SHEET not in book.sheetnames:
            raise WorkbenchError(
                f"{path}: is not a review workbook (no '{REVIEW_SHEET}' sheet with its hidden "
                "details); expected a file written by `workbench review export`"
            )
        meta = {
            _cell_text(row[0]): _cell_text(row[1])
            for row in book[META_SHEET].iter_rows(max_col=2, values_only=True)
        }
        upto = meta.get("decided_upto", "")
        named = _named_columns(meta) if meta.get("format") == LAYOUT_FORMAT else None
        locked = named or IMPORTABLE_FORMATS.get(meta.get("format", ""))
        if locked is None or not meta.get("list_id") or not upto.isdigit():
            raise WorkbenchError(
                f"{path}: its hidden details were changed or come from another version "
                f"(expected format {LAYOUT_FORMAT} or {FORMAT}); export the list afresh"
            )
        cells = book[REVIEW_SHEET].iter_rows(values_only=True)
        header = [_cell_text(value) for value in next(cells, ())]
        rows = [
            (number, [_cell_text(value) for value in row])
            for number, row in enumerate(cells, start=2)
            if any(value not in (None, "") for value in row)
        ]
    finally:
        book.close()
    columns = [*locked, *EDITABLE_COLUMNS, CHECKSUM_COLUMN]
    missing = [name for name in columns if name not in header]
    if missing:
        raise WorkbenchError(
            f"{path}: sheet '{REVIEW_SHEET}' row 1 lacks column(s) {', '.join(missing)}; "
            f"expected the header {', '.join(columns)}"
        )
    where = {name: header.index(name) for name in columns}
    exported = _Exported(meta["list_id"], int(upto), meta.get("seal", ""), locked, named)
    formulas = (
        _formula_cells(path, {name: where[name] for name in EDITABLE_COLUMNS})
        if _may_hold_formulas(path)
        else {}
    )
    return exported, [
        _Row(
            number,
            {name: cells[i] if i < len(cells) else "" for name, i in where.items()},
            formulas.get(number, ()),
        )
        for number, cells in rows
    ]


def _check_unpacked_size(path: Path) -> None:
    """Refuse a workbook whose parts would unpack to more than `MAX_UNPACKED_BYTES`, before
    any is unpacked (a small file can inflate to gigabytes)."""
    try:
        with zipfile.ZipFile(path) as packed:
            unpacked = sum(info.file_size for info in packed.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # not a zip: openpyxl says so in its own words
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbenchError(
            f"{path}: would unpack to {unpacked / 2**20:,.0f} MiB, more than the "
            f"{MAX_UNPACKED_BYTES // 2**20} MiB a review workbook ever needs; it was not "
            "opened. Export the list afresh"
        )


# A cell's formula in a worksheet's XML: `<f>`, `<f t="shared" ...>`, `<f/>`, or with a
# namespace prefix (`<x:f>`). Not `<formula1>` (a drop-down's list) nor `<filterColumn>`.
_FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def _may_hold_formulas(path: Path) -> bool:
    """Whether any part of the workbook may hold a cell formula: most filled-in workbooks
    hold none, and then reading every cell a second time for formulas (half an import's
    time) is not needed. Every XML part is searched, wherever the workbook puts its sheets;
    a part that only looks like it (a chart's references) costs the second reading, no more.
    Their size was checked before (`_check_unpacked_size`)."""
    with zipfile.ZipFile(path) as packed:
        return any(
            _FORMULA_ELEMENT.search(packed.read(name))
            for name in packed.namelist()
            if name.endswith(".xml")
        )


def _formula_cells(path: Path, columns: dict[str, int]) -> dict[int, tuple[str, ...]]:
    """{sheet row: officer's columns holding a formula}: a formula's cached result is not a
    decision anyone typed, so such cells are refused, not read."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=False)
    try:
        found: dict[int, tuple[str, ...]] = {}
        for number, row in enumerate(book[REVIEW_SHEET].iter_rows(min_row=2), start=2):
            names = tuple(
                name
                for name, i in columns.items()
                if i < len(row) and getattr(row[i], "data_type", None) == "f"
            )
            if names:
                found[number] = names
        return found
    finally:
        book.close()


def _pasted_problems(
    row: _Row,
    list_id: str,
    items: set[str],
    rows_by_key: dict[str, int],
    key: bytes,
    locked: tuple[str, ...],
    other_lists: list[dict[str, Any]],
) -> Iterator[RowProblem]:
    """A row whose item_key is one of the list's children but whose hidden checksum is not
    that child's: its item_key was changed (the rest of the row, its ids above all, is the
    checksum's child's), or cells were pasted over it from another row, the hidden checksum
    with them (a tester's row 4 was blamed on its item_key, which was its own): then the
    cells holding the other child's values are named, each by its column."""
    item_key, checksum = row.values["item_key"], row.values[CHECKSUM_COLUMN]
    owner = checksum_owner(key, list_id, checksum, items, locked)
    if owner is None:
        # The same child's row in the workbook of another list of the store (an earlier
        # run's, last term's): its checksum binds that list.
        other = next(
            (
                listed
                for listed in other_lists
                if checksum_owner(key, listed["list_id"], checksum, [item_key], locked)
            ),
            None,
        )
        source = (
            f"this child's row in the workbook of another list ({other['list_id']}, run "
            f"{other['run_id']} of {other['created_at'][:10]}), so its cells are that list's, "
            "not this one's"
            if other is not None
            else "a row of another workbook, so which of them changed cannot be told"
        )
        yield RowProblem(
            row.number,
            CHECKSUM_COLUMN,
            f"is not this row's: cells were pasted over this row (its hidden checksum too) "
            f"from {source}; put back the row as exported (undo the paste) or export afresh",
        )
        return
    held = columns_of(key, list_id, owner, row.values, checksum, locked)
    if {"person_id", "dwp_record_id"} <= set(held):  # the owner's row, its item_key changed
        yield RowProblem(
            row.number,
            "item_key",
            "was changed after export; locked columns cannot be edited: put back the exported "
            "value or export afresh",
        )
        return
    whose = (
        f"row {rows_by_key[owner]}, another child's"
        if owner in rows_by_key
        else "another child's row"
    )
    # An empty cell of that child's is left out: the same as this child's, most likely.
    filled = [column for column in held if row.values[column].strip()]
    cells = f"{', '.join(filled[:-1])} and {filled[-1]}" if len(filled) > 1 else "".join(filled)
    said = (
        f": {cells} {'hold' if len(filled) > 1 else 'holds'} that child's "
        f"{'values' if len(filled) > 1 else 'value'} (or one the same for both children)"
        if filled
        else ""
    )
    yield RowProblem(
        row.number,
        filled[0] if filled else CHECKSUM_COLUMN,
        f"cells were pasted over this row from {whose} (its hidden checksum too){said}. Put "
        "back this row's own cells (undo the paste) or export afresh",
    )


def _locked_problems(
    row: _Row,
    list_id: str,
    items: set[str],
    seen: dict[str, int],
    key: bytes,
    locked: tuple[str, ...],
    rows_by_key: dict[str, int] | None = None,
    other_lists: list[dict[str, Any]] | None = None,
) -> Iterator[RowProblem]:
    item_key = row.values["item_key"]
    if not item_key:
        yield RowProblem(
            row.number,
            "item_key",
            "this row has no child (it is below or between the exported rows); only exported "
            "rows can be decided: clear what was typed in it",
        )
    elif item_key not in items:
        yield RowProblem(
            row.number,
            "item_key",
            f"this row is not on list {list_id}: rows cannot be added and item_key cannot be "
            "changed; delete the row or put back the exported one",
        )
    elif item_key in seen:
        yield RowProblem(
            row.number,
            "item_key",
            f"the same child as row {seen[item_key]}; each child may appear once: delete one",
        )
    else:
        checksum = row.values[CHECKSUM_COLUMN]
        edited = edited_columns(key, list_id, row.values, checksum, locked)
        if edited == ["item_key"]:  # its tag fails, though the child is on the list, once
            yield from _pasted_problems(
                row, list_id, items, rows_by_key or {}, key, locked, other_lists or []
            )
            return
        for column in edited:
            what = (
                "is missing or damaged"
                if column == CHECKSUM_COLUMN
                else "was changed after export; locked columns cannot be edited"
            )
            yield RowProblem(
                row.number, column, f"{what}: put back the exported value or export afresh"
            )


def _did_you_mean(decision: str, offered: tuple[str, ...] = DECISIONS) -> str:
    """A guess at the decision meant, for a decision typed with a slip ('contcat', 'chek'),
    among those `offered`: nothing when none is near enough to guess.

    >>> _did_you_mean("contcat"), _did_you_mean("maybe"), _did_you_mean("chek", ("contact",))
    (" did you mean 'contact'?", '', '')
    """
    near = difflib.get_close_matches(decision, offered, n=1, cutoff=0.75)
    return f" did you mean {near[0]!r}?" if near else ""


def _decision_problems(
    row: _Row, reviewer: str, offered: tuple[str, ...] = DECISIONS
) -> Iterator[RowProblem]:
    for name in row.formulas:
        yield RowProblem(
            row.number,
            name,
            "holds a formula; type the value itself (a formula's result is not a decision "
            "anyone made)",
        )
    if row.formulas:
        return
    decision, reason = row.decision, row.reason
    if not decision:
        if reason:
            yield RowProblem(
                row.number,
                "decision",
                "is empty but a reason is given; choose a decision or clear the reason",
            )
        return
    if decision not in DECISIONS:
        yield RowProblem(
            row.number,
            "decision",
            f"{row.values['decision']!r} is not a decision;{_did_you_mean(decision, offered)} "
            f"expected one of: {', '.join(offered)}",
        )
    elif reason is not None and reason_too_long(reason):
        yield RowProblem(row.number, "reason", too_long_message(reason))
    elif decision in REASON_REQUIRED and reason is None:
        yield RowProblem(row.number, "reason", f"a {decision} decision needs a reason; got none")
    elif decision in REASON_REQUIRED and not says_why(reason):
        yield RowProblem(
            row.number,
            "reason",
            f"a {decision} decision needs a reason saying why, in words (e.g. 'moved out of "
            f"the area'); {reason!r} says nothing about why",
        )
    named = row.values["reviewer"].strip()
    if named and not names_someone(named):
        yield RowProblem(
            row.number,
            "reviewer",
            f"{named!r} is not a person's name: it {why_not_a_name(named)}; {NAME_WANTED} (the "
            "name you import with), or clear the cell",
        )
    elif named and not same_reviewer(named, reviewer):
        yield RowProblem(
            row.number,
            "reviewer",
            f"says {named!r} but the import is by {reviewer!r}; each reviewer imports their "
            "own decisions: clear the cell or import with that name",
        )


def _row_problems(
    store: ReviewStore, exported: _Exported, rows: list[_Row], reviewer: str, key: bytes
) -> list[RowProblem]:
    """Every problem in every row, in sheet order (row, then column)."""
    list_id = exported.list_id
    stored = store.items(list_id)
    items = set(stored["item_key"].to_list())
    awaiting = set(stored.filter("link_needs_review")["item_key"].to_list())
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    rows_by_key: dict[str, int] = {}
    for row in rows:
        rows_by_key.setdefault(row.values["item_key"], row.number)
    lists = store.lists()
    others = list(lists.filter(pl.col("list_id") != list_id).iter_rows(named=True))
    initiative = lists.filter(pl.col("list_id") == list_id)["initiative"].item()
    # The drop-down's decisions: the link decisions only where the layout had DWP-list rows.
    offered = decisions_for(initiative, dwp_rows="dwp_record_id" in exported.locked)
    for row in rows:
        problems += _locked_problems(
            row, list_id, items, seen, key, exported.locked, rows_by_key, others
        )
        problems += _decision_problems(row, reviewer, offered)
        if row.decision in LINK_DECISIONS and row.values["item_key"] not in awaiting:
            problems.append(
                RowProblem(
                    row.number,
                    "decision",
                    f"{row.decision} is for a DWP-list row whose record link awaits review "
                    "(its record_link says so); this row has none to confirm or reject: choose "
                    "an outcome",
                )
            )
        if row.decision == "check" and not checked_by_dfe(initiative):
            problems.append(_not_checked(row.number, initiative))
        seen.setdefault(row.values["item_key"], row.number)
    columns = [*exported.locked, *EDITABLE_COLUMNS, CHECKSUM_COLUMN]
    order = {name: number for number, name in enumerate(columns)}
    return sorted(problems, key=lambda p: (p.row, order.get(p.column, len(order))))


def _not_checked(number: int, initiative: str) -> RowProblem:
    """A ``check`` decision on a list of an offer DfE's services do not check: `workbench check
    export` refuses its list, so the child would wait for a check that never comes."""
    from workbench.review.checks import SERVICE_TEMPLATES

    others = [d for d in OUTCOME_DECISIONS if d != "check"]
    return RowProblem(
        number,
        "decision",
        f"check is not a decision for a {initiative} list: DfE's services do not check it "
        f"(they check {', '.join(sorted(SERVICE_TEMPLATES))}), so `workbench check export` "
        f"would never send this family; choose one of {', '.join(others)} instead (defer to "
        "find out more first)",
    )


def readable_by_others(path: Path) -> str | None:
    """What to say of a returned workbook that people other than its owner can read (its mode
    lets group or others read or write it: saved so, or copied from a shared folder), as
    `workbench check import` says of DfE's results file: the file, its mode and the
    ``chmod`` that fixes it; None when it is owner-only (or cannot be read).
    Worded by `workbench.private_files.open_to_others`.
    """
    return open_to_others(
        path,
        "names children, their parents or carers and where they live",
        "keep review workbooks owner-only; delete it once imported",
    )


def _check_seal(exported: _Exported, key: bytes, path: Path) -> None:
    """Refuse a workbook whose hidden details do not hold under `key`: changed, or exported
    with another pseudonym key. Checked first: under another key every row's checksum fails
    too, and a locked cell would be blamed on every row."""
    if not hmac.compare_digest(
        exported.seal, export_seal(key, exported.list_id, exported.decided_upto, exported.named)
    ):
        raise WorkbenchError(
            f"{path}: it was exported with another pseudonym key, or its hidden details were "
            "changed. Import it with the key it was exported with (WORKBENCH_KEY or "
            "WORKBENCH_KEY_FILE), or export the list afresh"
        )


def _decided_since(
    store: ReviewStore,
    exported: _Exported,
    new: list[_Row],
    reviewer: str,
) -> list[RowProblem]:
    """The rows about a child on whom a decision the row would override was recorded after
    the workbook was exported: one of the row's kind (an outcome, or the record link) by
    anyone, the importing reviewer too, or any decision by a colleague. The store cannot
    tell a decision imported from this workbook from one made since from a later export, so
    the reviewer's own count: an old workbook never overrides a later decision, and a
    correction is made from a fresh export, which shows the decision it corrects."""
    keys = [row.values["item_key"] for row in new]
    # On this list; and, since the latest outcome on any list of the initiative is the one
    # that stands (a re-run's list), an outcome recorded on another of its lists.
    later = store.decided_since(exported.list_id, keys, exported.decided_upto)
    since: dict[str, list[dict[str, Any]]] = {}
    for found in later.iter_rows(named=True):  # recording order
        since.setdefault(found["item_key"], []).append(found)
    problems = []
    for row in new:
        kind = decision_kind(row.decision)
        overridden = [
            found
            for found in since.get(row.values["item_key"], [])
            if found["decision"] in kind or not same_reviewer(found["reviewer"], reviewer)
        ]
        if overridden:
            found = overridden[-1]  # the last such decision, what the officer must see
            who = found["reviewer"]
            if same_reviewer(who, reviewer):
                who += " (the reviewer of this import)"
            where = (
                ""
                if found["list_id"] == exported.list_id
                else f" on another list of this offer ({found['list_id']})"
            )
            problems.append(
                RowProblem(
                    row.number,
                    "decision",
                    f"{who} recorded {decision_label(found['decision'])} for this child on "
                    f"{found['decided_at'][:10]}{where}, after this workbook was exported. To "
                    "keep your other decisions, clear this row's decision (and its reason) and "
                    "import this file again; then decide this child where that decision is "
                    "shown (a fresh export or the review app)",
                )
            )
    return problems


def _not_yet_recorded(
    store: ReviewStore, list_id: str, decided: list[_Row], reviewer: str
) -> list[_Row]:
    """The rows whose decision is not already the child's latest of its kind (an outcome, or
    the record link), by this reviewer, for this reason: importing a file twice records
    nothing twice, whatever was decided since of the other kind."""
    latest: dict[tuple[str, ...], dict[str, dict[str, Any]]] = {
        kind: {
            d["item_key"]: d
            for d in store.latest_decisions(list_id, among=kind).iter_rows(named=True)
        }
        for kind in (OUTCOME_DECISIONS, LINK_DECISIONS)
    }

    def recorded(row: _Row) -> bool:
        found = latest[decision_kind(row.decision)].get(row.values["item_key"])
        return found is not None and (
            (found["decision"], found["reason"]) == (row.decision, row.reason)
            and same_reviewer(found["reviewer"], reviewer)
        )

    return [row for row in decided if not recorded(row)]


def _read_as(decided: list[_Row]) -> tuple[ReadAs, ...]:
    """Each spelling of a decision cell other than the decision's own name, with its rows."""
    spelt: dict[str, list[_Row]] = {}
    for row in decided:
        if row.values["decision"] != row.decision:
            spelt.setdefault(row.values["decision"], []).append(row)
    return tuple(
        ReadAs(written, rows[0].decision, tuple(row.number for row in rows))
        for written, rows in spelt.items()
    )


def import_review_workbook(
    store: ReviewStore,
    path: str | Path,
    *,
    reviewer: str,
    key: bytes,
    user: str | None = None,
) -> ImportResult:
    """Check every row of a returned workbook, then record its decisions all or nothing.

    Parameters
    ----------
    store
        The store holding the workbook's list.
    path
        A workbook written by :func:`export_review_workbook` and filled in.
    reviewer
        Who made the decisions: a person's name as colleagues know it
        (`workbench.review.schema.names_someone`), else `UsageError` saying which rule
        refused it (`workbench.review.schema.why_not_a_name`). A filled ``reviewer``
        cell must name the same person (spaces and capitals aside); the decisions are
        recorded under this name.
    key
        The pseudonym key the workbook was exported with.
    user
        Who ran the import, for the access log (default `WORKBENCH_USER`, else the login
        name); the log line names the reviewer beside it, since a typed name may be anyone's.
        A name given that names no one (``admin``, ``n/a``, a single letter) is refused,
        saying why, before anything is written or logged, as `WORKBENCH_USER` is
        (`workbench.review.schema.recorded_user`).

    Returns
    -------
    ImportResult
        Decisions recorded; rows skipped because ``decision`` is empty, and how many of
        them are about a child already decided on this list (``already_decided``); rows
        whose decision is already the child's latest of its kind (an outcome, or the record
        link) on this list, by this reviewer with this reason (importing the same file again
        records nothing twice); and each decision cell not written exactly as the decision's
        name, with what it was read as and its rows (``read_as``).

    Raises
    ------
    ReviewImportError
        Listing every problem (the first 20 in its message, all in ``problems``) by sheet
        row (the header is row 1) and column: an unknown decision, a missing reason, a
        changed locked cell, a row not on the list, a child twice, another reviewer's name,
        a ``reviewer`` cell that names no one, a reason without a decision; or, checked in
        the transaction that would record them, each row not already recorded about a child
        on whom a decision of its kind (by anyone, this reviewer too) or any colleague's
        decision was recorded after the workbook was exported, so an old workbook never
        overrides a later decision.
        Nothing is recorded.
    """
    user = recorded_user(user, "import_review_workbook")
    path = Path(path)
    reviewer = reviewer.strip()
    if not names_someone(reviewer):
        raise UsageError(
            f"must name the person who made the decisions; {NAME_WANTED}; got "
            + (f"{reviewer!r}, which {why_not_a_name(reviewer)}" if reviewer else "nothing"),
            parameter="reviewer",
        )
    exported, rows = _read_workbook(path)
    _check_seal(exported, key, path)
    list_id = exported.list_id
    items = store.items(list_id)  # refuses a list this store does not hold
    present = {row.values.get("item_key") for row in rows}
    absent = [key_ for key_ in items["item_key"] if key_ not in present]
    missing = len(absent)
    problems = _row_problems(store, exported, rows, reviewer, key)
    if problems:
        raise ReviewImportError(path, problems)
    decided = [row for row in rows if row.decision]
    # Checked and recorded in one write transaction: no decision can land between the
    # check against the store and the writes it allows (another import, the review app).
    with store.write_transaction():
        new = _not_yet_recorded(store, list_id, decided, reviewer)
        stale = _decided_since(store, exported, new, reviewer)
        if stale:
            raise ReviewImportError(path, stale)
        if new:
            store.record_decisions(
                {
                    "list_id": list_id,
                    "item_key": row.values["item_key"],
                    "decision": row.decision,
                    "reviewer": reviewer,
                    "reason": row.reason,
                }
                for row in new
            )
        # A row left blank about a child already decided (by a colleague, in the app or
        # another workbook) is not left undecided: counted apart.
        outcomes = store.latest_decisions(list_id, among=OUTCOME_DECISIONS)
        settled = set(outcomes["item_key"].to_list())
        blank = [row for row in rows if not row.decision]
        # A child whose row was deleted may have been decided by a colleague meanwhile: by whom.
        deciders: dict[str, int] = {}
        for found in outcomes.filter(pl.col("item_key").is_in(absent)).iter_rows(named=True):
            deciders[found["reviewer"]] = deciders.get(found["reviewer"], 0) + 1
        result = ImportResult(
            list_id,
            len(new),
            len(blank),
            len(decided) - len(new),
            missing,
            sum(1 for row in blank if row.values["item_key"] in settled),
            tuple(sorted(deciders.items(), key=lambda pair: (-pair[1], pair[0]))),
            _read_as(decided),
        )
        # The account that ran the import, as every line of the log (the reviewer's name is
        # typed, and may be anyone's); the reviewer the decisions are recorded under beside it.
        store.log_access(
            user,
            "review import",
            f"list {list_id}, reviewer {reviewer}: {result.recorded} recorded, "
            f"{result.already_recorded} already recorded, {result.skipped_blank} without a "
            "decision"
            + (
                f" ({result.already_decided} of them already decided)"
                if result.already_decided
                else ""
            )
            + (f", {missing} not in the workbook" if missing else ""),
        )
    return result
