"""The review workbook's format: its sheets, columns and the checksum that binds each locked cell.

Shared by the export (`workbench.review.excel`) and the import
(`workbench.review.excel_import`). A hidden ``checksum`` column holds, for every locked cell,
an HMAC tag under the pseudonym key that binds the list, the child and the value, so the
import can name the exact cell that was edited.

Example
-------
>>> values = {column: "x" for column in LOCKED_COLUMNS}
>>> checksum = row_checksum(bytes(32), "l-1", values)
>>> edited_columns(bytes(32), "l-1", {**values, "tier": "likely"}, checksum)
['tier']
"""

from __future__ import annotations

import hashlib
import hmac
import json
import zipfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path

__all__ = [
    "ABOUT_SHEET",
    "CHECKSUM_COLUMN",
    "COLUMNS",
    "EDITABLE_COLUMNS",
    "FORMAT",
    "GROUP_COLUMNS",
    "IMPORTABLE_FORMATS",
    "LAYOUT_FORMAT",
    "LOCKED_COLUMNS",
    "META_SHEET",
    "REVIEW_SHEET",
    "TAG_HEX_DIGITS",
    "WRAPPED",
    "checksum_owner",
    "columns_of",
    "edited_columns",
    "export_seal",
    "exported_on",
    "layout_columns",
    "row_checksum",
]

# 2: the hidden sheet records the last decision at export (`decided_upto`), sealed with the
# key, so an import can refuse a row a colleague decided on since. It is the store's last
# decision, on any list: the import also counts an outcome on another list of the offer after
# it. (Workbooks exported before recorded the list's own last decision: an import of one may
# refuse a child decided on another list before it was exported; a fresh export imports.)
# 3: who the child is (read from the list's data folder at export), the reasons and evidence in
# words, the codes beside them for analysts.
# 4: the record link in words (`record_link`): for a DWP-list row whose link awaits review,
# the council's child proposed as its match, to confirm or reject.
# 5: DfE's eligibility checks of the child's parent (`dfe_checks`): the newest result, what it
# means for the officer, then the earlier ones.
# 6: when the family was sent for contact (`outreach_sent`): each outreach export of a list of
# the offer that sent the child (one the file was replaced before it was sent is not).
# 7: whether the child is on the offer's later list (`later_list`): when a later list of the
# same offer is in the store (a re-run of `assess`), a child it does not hold is said to be
# not on it (their circumstances may have changed since: check before deciding).
# 8 (`LAYOUT_FORMAT`): the locked columns chosen for the list's offer (`layout_columns`), named
# in the hidden sheet's `columns` row and bound by its seal: free school meals' workbook adds
# `eligibility_group` and `age_group`; an offer whose rules never read the DWP list has no
# `dwp_record_id`, and so on. A workbook with every column of format 7 (the two-year-old
# offer's) is still written as format 7, exactly as before.
FORMAT = "workbench-review-7"
LAYOUT_FORMAT = "workbench-review-8"
REVIEW_SHEET, ABOUT_SHEET, META_SHEET = "Review", "About", "workbench"
# Column name -> width in characters (readable without resizing; long text wraps).
LOCKED_COLUMNS = {
    "item_key": 29,
    "person_id": 12,
    "dwp_record_id": 14,
    "child_name": 20,
    "date_of_birth": 14,
    "age_on_first_day_of_term": 16,
    "parent_carers": 24,
    "address": 28,
    "postcode": 10,
    "area": 8,
    "other_children_in_household": 30,
    "tier": 9,
    "reasons": 48,
    "evidence": 48,
    "eligible_from": 16,
    "already_funded": 9,
    "working_parent_place": 10,
    "later_list": 36,
    "record_link": 40,
    "earlier_decisions": 42,
    "dfe_checks": 44,
    "outreach_sent": 36,
    "reason_codes": 24,
    "evidence_as_written": 40,
}
# Columns only some offers' workbooks have (format 8), written after `tier`: the list's own
# columns, read-only like the others.
GROUP_COLUMNS = {"eligibility_group": 18, "age_group": 14}
EDITABLE_COLUMNS = {"decision": 18, "reviewer": 18, "reason": 40}
CHECKSUM_COLUMN = "checksum"
COLUMNS = [*LOCKED_COLUMNS, *EDITABLE_COLUMNS, CHECKSUM_COLUMN]
# The locked columns of each format the import reads: a workbook exported before an upgrade
# (format 6, without `later_list`; format 5, without `outreach_sent` either; format 4, without
# `dfe_checks` too; format 3, without `record_link` as well) still comes back.
_ADDED = ("later_list", "outreach_sent", "dfe_checks", "record_link")  # newest first
IMPORTABLE_FORMATS: dict[str, tuple[str, ...]] = {
    FORMAT: tuple(LOCKED_COLUMNS),
    **{
        f"workbench-review-{6 - n}": tuple(c for c in LOCKED_COLUMNS if c not in _ADDED[: n + 1])
        for n in range(len(_ADDED))
    },
}
WRAPPED = (
    "reasons",
    "evidence",
    "earlier_decisions",
    "reason",
    "parent_carers",
    "other_children_in_household",
    "evidence_as_written",
    "record_link",
    "dfe_checks",
    "outreach_sent",
    "later_list",
)
TAG_HEX_DIGITS = 16


def layout_columns(wanted: Iterable[str]) -> tuple[str, ...]:
    """The locked columns of a workbook showing `wanted` (names of `LOCKED_COLUMNS` and
    `GROUP_COLUMNS`), in the workbook's order: `GROUP_COLUMNS` just after ``tier``.

    >>> layout_columns(["tier", "age_group", "item_key", "reasons"])
    ('item_key', 'tier', 'age_group', 'reasons')
    """
    chosen = set(wanted)
    unknown = sorted(chosen - set(LOCKED_COLUMNS) - set(GROUP_COLUMNS))
    if unknown:
        raise ValueError(f"not a workbook column: {', '.join(unknown)}")
    order: list[str] = []
    for name in LOCKED_COLUMNS:
        order.append(name)
        if name == "tier":
            order.extend(GROUP_COLUMNS)
    return tuple(name for name in order if name in chosen)


# --- the checksum ------------------------------------------------------------------------
def _tag(key: bytes, list_id: str, item_key: str, column: str, value: str) -> str:
    message = json.dumps(["review-row", list_id, item_key, column, value], ensure_ascii=False)
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:TAG_HEX_DIGITS]


def export_seal(
    key: bytes, list_id: str, decided_upto: int, columns: tuple[str, ...] | None = None
) -> str:
    """The HMAC tag binding a workbook to its list and to the last decision it has seen, and,
    in a workbook of `LAYOUT_FORMAT`, to its locked `columns`."""
    sealed: list[object] = ["review-export", list_id, decided_upto]
    if columns is not None:
        sealed.append(list(columns))
    message = json.dumps(sealed)
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def row_checksum(
    key: bytes,
    list_id: str,
    values: dict[str, str],
    locked: tuple[str, ...] = IMPORTABLE_FORMATS[FORMAT],
) -> str:
    """One tag per locked column (of the workbook's format: `locked`), joined with '.'; each
    binds the list, the child and the value."""
    item_key = values["item_key"]
    return ".".join(_tag(key, list_id, item_key, c, values[c]) for c in locked)


def edited_columns(
    key: bytes,
    list_id: str,
    values: dict[str, str],
    checksum: str,
    locked: tuple[str, ...] = IMPORTABLE_FORMATS[FORMAT],
) -> list[str]:
    """The locked columns whose value no longer matches its tag (["checksum"] if garbled)."""
    tags = checksum.split(".")
    if len(tags) != len(locked):
        return [CHECKSUM_COLUMN]
    expected = row_checksum(key, list_id, values, locked).split(".")
    wrong = [c for c, got, want in zip(locked, tags, expected, strict=True) if got != want]
    # A changed item_key changes every tag: name the cause, not every column.
    return ["item_key"] if "item_key" in wrong else wrong


def checksum_owner(
    key: bytes,
    list_id: str,
    checksum: str,
    item_keys: Iterable[str],
    locked: tuple[str, ...] = IMPORTABLE_FORMATS[FORMAT],
) -> str | None:
    """The child (of `item_keys`) whose row a checksum was written for, by its item_key tag:
    a row whose cells were pasted from another child's row, its hidden checksum too, is
    found to hold that child's checksum. None when the checksum is no row's of the list (from
    another workbook, or garbled).

    >>> values = {column: "x" for column in LOCKED_COLUMNS} | {"item_key": "pk_b"}
    >>> checksum_owner(bytes(32), "l-1", row_checksum(bytes(32), "l-1", values), ["pk_a", "pk_b"])
    'pk_b'
    """
    tags = checksum.split(".")
    if len(tags) != len(locked) or "item_key" not in locked:
        return None
    tag = tags[locked.index("item_key")]
    return next(
        (k for k in item_keys if hmac.compare_digest(_tag(key, list_id, k, "item_key", k), tag)),
        None,
    )


def columns_of(
    key: bytes,
    list_id: str,
    owner: str,
    values: dict[str, str],
    checksum: str,
    locked: tuple[str, ...] = IMPORTABLE_FORMATS[FORMAT],
) -> list[str]:
    """The locked columns (item_key aside) whose value is the one `owner`'s row was exported
    with, by `owner`'s checksum: the cells of a row that hold that child's values."""
    tags = checksum.split(".")
    return [
        c
        for c, got in zip(locked, tags, strict=True)
        if c != "item_key" and hmac.compare_digest(got, _tag(key, list_id, owner, c, values[c]))
    ]


def exported_on(path: str | Path) -> tuple[bool, date | None]:
    """Whether `path` is a review workbook (an .xlsx with the hidden ``workbench`` sheet), and
    the day it was exported, as its hidden sheet records it (``exported_at``; None in a
    workbook written before it was recorded, or unreadable). For retention: only the sheet
    list and the hidden sheet are read, never the children's rows."""
    try:
        with zipfile.ZipFile(path) as packed:
            listing = packed.read("xl/workbook.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False, None
    if f'name="{META_SHEET}"' not in listing or f'name="{REVIEW_SHEET}"' not in listing:
        return False, None
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        return True, None
    try:
        meta = {
            str(row[0]): row[1]
            for row in book[META_SHEET].iter_rows(max_col=2, values_only=True)
            if row and row[0] is not None
        }
    finally:
        book.close()
    try:
        return True, date.fromisoformat(str(meta.get("exported_at"))[:10])
    except ValueError:
        return True, None
