"""The export files a subject access request searches: what each held about the subject.

Kept apart from :mod:`workbench.governance.subject_access` because these are a job of their
own: the files the workbench wrote about people, found (given, or beside the lists searched),
read, and matched against the store's access log. Sections 5 to 7 of the export come from here:

- outreach exports (`workbench review outreach`): each row naming the subject (as the child,
  or beside a child of their household), from its file, else from the store's record of the
  export or the decisions it held when the export was made (:func:`outreach_files`,
  :func:`search_outreach`, :func:`outreach_section`);
- DfE check exports (`workbench check export`): each child they could not check, from
  ``NAME.not_checkable.csv`` or its sidecar, and the exports the store records whose files
  were not searched (:func:`check_files`, :func:`search_not_checkable`,
  :func:`not_checkable_section`);
- review workbooks (`workbench review export`): what each held of the subject, from the file
  (their row's cells, other people withheld; the record link of a DWP-list row naming them as
  the child proposed as its match, or as a parent or carer of that child), else from the store
  (:func:`workbook_files`, :func:`search_workbooks`, :func:`workbook_section`; the rows
  awaiting a link review and the child each proposes, :func:`proposal_index`).

`subject_access` reads the files (`*_files`) before it finds the subject, searches them with
the store open (`search_*`, through its `Found.search`: their counts go into the store's
access log line for the request), and writes the sections (`*_section`). What both modules
write about other people (the words for a person withheld, `SHOWN_AS`,
:func:`~workbench.governance._sar_subject.own_evidence`) and the day a time falls on
(:func:`~workbench.governance._sar_subject.on_day`) are in `_sar_subject`; this module does
not import `subject_access`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from workbench.errors import DataFileError
from workbench.governance._sar_document import SarDocument, day_text, when_text
from workbench.governance._sar_subject import (
    AS_CARER,
    AS_DWP_PARENT,
    AS_HELD_NAMED,
    AS_PROPOSED,
    SHOWN_AS,
    WITHHELD_CARER,
    WITHHELD_CHILD,
    Listed,
    Subject,
    held_names,
    on_day,
    own_evidence,
)
from workbench.review.checks import (
    CHECK_FORMAT,
    CHECK_SUFFIX,
    NOT_CHECKABLE_COLUMNS,
    NOT_CHECKABLE_SUFFIX,
    export_paths,
)
from workbench.review.details import VIEW_COMMAND, VIEW_DETAIL
from workbench.review.excel import NOT_LISTED_SHEET
from workbench.review.keys import pseudonym
from workbench.review.lists import PERSON_KIND
from workbench.review.outreach import CONTACT, LINK_CONFIRMED
from workbench.review.outreach_files import OUTREACH_FORMAT, SIDECAR_SUFFIX, sidecar_path
from workbench.review.store import LINK_DECISIONS, OUTCOME_DECISIONS, ReviewStore
from workbench.review.workbook import (
    EDITABLE_COLUMNS,
    GROUP_COLUMNS,
    LOCKED_COLUMNS,
    META_SHEET,
    REVIEW_SHEET,
    exported_on,
)
from workbench.spreadsheet import restored

__all__ = [
    "CheckFile",
    "OutreachFile",
    "Proposal",
    "WorkbookFile",
    "check_export_names",
    "check_files",
    "not_checkable_section",
    "outreach_files",
    "outreach_section",
    "proposal_index",
    "search_not_checkable",
    "search_outreach",
    "search_workbooks",
    "sidecar_record",
    "workbook_files",
    "workbook_section",
]


def _file_deleted(deleted: Mapping[tuple[str, str], str], kind: str, ref: object) -> str | None:
    """'deleted under retention on 3 March 2027' when `workbench retention --store` told the
    store that the file of this export (`kind`, `ref`: its key in
    `ReviewStore.export_files_deleted`) was deleted; None when it did not."""
    at = deleted.get((kind, str(ref)))
    return None if at is None else f"deleted under retention on {day_text(at)}"


def sidecar_record(sidecar: Path, fmt: str, command: str) -> dict[str, Any]:
    """An export's sidecar (its JSON record) as `command` writes it in format `fmt`; empty
    when there is none beside the export; a DataFileError naming it when it cannot be read
    as one."""
    if not sidecar.is_file():
        return {}
    try:
        record = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = None
    if not isinstance(record, dict) or record.get("format") != fmt:
        raise DataFileError(sidecar, f"cannot be read as the sidecar `{command}` writes")
    return record


# --- outreach exports ---------------------------------------------------------------------------

OUTREACH_COMMAND = "review outreach"
# The access log's detail of an outreach export (`workbench.review.outreach.export_outreach`).
_OUTREACH_DETAIL = re.compile(
    r"^list (?P<list_id>\S+): \d+ exported to (?P<file>.+), \d+ held back \(unconfirmed link\)"
    r"(?:, rows sealed [0-9a-f]+)?$"
)
_OUTREACH_NEEDS = ("list_id", "item_key", "decision_id", "reviewer", "decided_at")
_OUTREACH_COLUMNS = dict.fromkeys(
    (
        "exported at",
        "exported by",
        "export file",
        "initiative",
        "list of run",
        "about them as",
        "contact decision",
        "decided by",
        "decided at",
        "known from",
    ),
    pl.String,
)
AS_CHILD = "the child"
_IN_OUTREACH_AS = {
    AS_CHILD: "the child: their names, date of birth and address",
    AS_CARER: f"a parent or carer of {WITHHELD_CHILD}: their name, and the address",
    AS_DWP_PARENT: (
        "the parent named on a DWP-list row: their name, and the row's address, with the "
        "child of that row (id withheld)"
    ),
}
"""How an outreach export's row names the subject, in words: a row holds the child's names,
date of birth and address, and the names of the parents or carers."""


@dataclass(frozen=True)
class OutreachFile:
    """An outreach export given (or found beside a list searched): its rows, and what its
    sidecar (``FILE.outreach.json``, when beside it) records: list, time, who exported."""

    path: Path
    record: dict[str, Any]
    rows: pl.DataFrame

    @property
    def list_id(self) -> str | None:
        ids = self.rows["list_id"].drop_nulls().unique().to_list()
        return self.record.get("list_id") or (ids[0] if len(ids) == 1 else None)

    @property
    def initiative(self) -> str | None:
        return str(self.record.get("rule_set") or "").split("@", 1)[0] or None


def outreach_files(given: Sequence[Path], lists: Sequence[Path]) -> list[OutreachFile]:
    """The outreach exports given (each its CSV or its sidecar) and those found beside the
    lists searched (a sidecar with its CSV beside it), each read once."""
    wanted: dict[Path, Path] = {}
    for path in given:
        csv = path.with_name(path.name.removesuffix(SIDECAR_SUFFIX))
        wanted.setdefault(csv.resolve(), csv)
    for listed in lists:
        for sidecar in sorted(listed.parent.glob(f"*{SIDECAR_SUFFIX}")):
            csv = sidecar.with_name(sidecar.name.removesuffix(SIDECAR_SUFFIX))
            if csv.is_file():
                wanted.setdefault(csv.resolve(), csv)
    return [_read_outreach(csv) for csv in wanted.values()]


def _read_outreach(csv: Path) -> OutreachFile:
    if not csv.is_file():
        raise DataFileError(
            csv, "no outreach export here; expected a CSV `workbench review outreach` wrote"
        )
    try:
        rows = restored(pl.read_csv(csv, infer_schema=False))
    except (OSError, pl.exceptions.PolarsError) as error:
        raise DataFileError(csv, f"cannot be read as CSV ({type(error).__name__})") from None
    missing = [c for c in _OUTREACH_NEEDS if c not in rows.columns]
    if missing:
        raise DataFileError(
            csv,
            f"lacks column(s) {', '.join(missing)}; expected an outreach export written by "
            "`workbench review outreach`",
        )
    sidecar = sidecar_path(csv)
    record = sidecar_record(sidecar, OUTREACH_FORMAT, "workbench review outreach")
    return OutreachFile(csv, record, rows)


def _outreach_roles(
    subject: Subject, key: bytes, initiative: str | None, at: str | None
) -> dict[str, str]:
    """The store keys an outreach export of `initiative` made at `at` names the subject by:
    their own (as the child), and those of the children it names them beside (as a parent or
    carer, or the parent named on a DWP-list row)."""
    shown = subject.shown_with(key, initiative, on_day(at))
    roles = {k: how for k, how in shown.items() if how in (AS_CARER, AS_DWP_PARENT)}
    return roles | dict.fromkeys(subject.item_keys(key), AS_CHILD)


def _file_rows(found: OutreachFile, roles: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """The rows of an outreach export that name the subject, each with how."""
    rows = found.rows.filter(pl.col("item_key").is_in(list(roles)))
    return [(roles[row["item_key"]], row) for row in rows.iter_rows(named=True)]


def _inferred_rows(
    decisions: pl.DataFrame,
    items: pl.DataFrame,
    export: tuple[str, str | None, str],
    roles: dict[str, str],
) -> list[tuple[str, dict[str, Any]]]:
    """The rows an outreach export (`export`: its list id, the list's initiative and when it
    was made) held about the subject, its file not given: the children the subject is, or is
    named beside, whose latest outcome decision on the list then was `contact`, still standing
    on the lists of the initiative, and, for an uncertain link, with `link_confirmed` the
    latest link decision, as `workbench.review.outreach.contact_rows` chooses them, from the
    decisions the store holds (`decisions`: in recording order, with each list's
    `initiative`)."""
    list_id, initiative, at = export
    flags = dict(zip(items["item_key"], items["link_needs_review"], strict=True))
    before = decisions.filter(pl.col("decided_at") <= at)
    of_list = before.filter(pl.col("list_id") == list_id)
    out = []
    for item_key, role in roles.items():
        if item_key not in flags:
            continue
        mine = before.filter(pl.col("item_key") == item_key)
        outcome = of_list.filter(
            pl.col("item_key") == item_key, pl.col("decision").is_in(OUTCOME_DECISIONS)
        )
        if outcome.is_empty() or outcome["decision"][-1] != CONTACT:
            continue
        standing = mine.filter(
            pl.col("initiative") == initiative, pl.col("decision").is_in(OUTCOME_DECISIONS)
        )
        if standing["decision_id"][-1] != outcome["decision_id"][-1]:
            continue  # decided again since on another list: held back
        link = of_list.filter(
            pl.col("item_key") == item_key, pl.col("decision").is_in(LINK_DECISIONS)
        )
        if flags[item_key] and (link.is_empty() or link["decision"][-1] != LINK_CONFIRMED):
            continue  # an uncertain link not confirmed: held back
        out.append((role, outcome.row(-1, named=True)))
    return out


def search_outreach(
    subject: Subject,
    key: bytes,
    files: Sequence[OutreachFile],
    review: ReviewStore | None,
    lists: pl.DataFrame | None,
) -> tuple[pl.DataFrame, list[tuple[str, bool]]]:
    """Every row of an outreach export that named the subject, as the child or as a parent or
    carer: from the store's access log (each export it records: from its file, when given,
    else worked out from the decisions it held then) and from the files given that it does
    not record. A file given is taken for the last export the log records under its list and
    name: an export written again under the same name replaced it. An export whose file was
    not given and which `workbench retention --store` told the store it deleted says so.

    With them, in words, each export the log records whose file was not given and which the
    store can no longer answer for: its rows, its list or the decisions it rested on removed
    under retention (whether it named the subject cannot be said), each with whether its file
    was deleted under retention (then it is not asked for)."""
    rows: list[tuple] = []
    unknown: list[tuple[str, bool]] = []
    matched: set[Path] = set()
    if review is not None and lists is not None:
        log = review.access_log().filter(pl.col("command") == OUTREACH_COMMAND).sort("seq")
        entries = [
            (entry, found)
            for entry in log.iter_rows(named=True)
            if (found := _OUTREACH_DETAIL.match(entry["detail"]))
        ]
        last = {(found["list_id"], found["file"]): entry["seq"] for entry, found in entries}
        by_name = {(f.list_id, f.path.name): f for f in files}
        about = {row["list_id"]: row for row in lists.iter_rows(named=True)}
        wanted = sorted({*subject.item_keys(key), *subject.near_keys(key)})
        decisions = review.decisions(item_keys=wanted).join(
            lists.select("list_id", "initiative"), on="list_id", how="left"
        )
        items: dict[str, pl.DataFrame] = {}
        # Exports recorded with their rows (stores from version 8): what each held, exactly.
        recorded = {
            (e["list_id"], Path(e["file"]).name, e["exported_at"]): e
            for e in review.outreach_exports().iter_rows(named=True)
        }
        removals = review.checkpoints()
        deleted = review.export_files_deleted()
        held = review.outreach_exported()
        by_id = {d["decision_id"]: d for d in decisions.iter_rows(named=True)}
        for entry, found in entries:
            list_id, name = found["list_id"], found["file"]
            listed = about.get(list_id, {})
            initiative, run = listed.get("initiative"), listed.get("run_id")
            roles = _outreach_roles(subject, key, initiative, entry["at"])
            given = by_name.get((list_id, name))
            stored = recorded.get((list_id, name, entry["at"]))
            when = f"made at {when_text(entry['at'])} by {entry['user']}"
            this = f"the export {name} of list {list_id}, {when}"
            gone = _file_deleted(deleted, "outreach", stored["export_seq"]) if stored else None
            if given is not None and last[list_id, name] == entry["seq"]:
                matched.add(given.path)
                named = _file_rows(given, roles)
                known = f"the export file {given.path.name}"
            elif stored is not None and stored["rows_removed_at"] is not None:
                unknown.append(
                    (
                        f"{this} ({stored['row_count']} row(s); the store's record of its rows "
                        f"was removed under retention on {day_text(stored['rows_removed_at'])}"
                        + (f"; its file was {gone})" if gone else ")"),
                        gone is not None,
                    )
                )
                continue
            elif stored is not None:
                rows_held = held.filter(
                    pl.col("export_seq") == stored["export_seq"],
                    pl.col("item_key").is_in(list(roles)),
                )
                named = [
                    (roles[row["item_key"]], by_id.get(row["decision_id"], _gone(row)))
                    for row in rows_held.iter_rows(named=True)
                ]
                known = "the store's record of the export " + (
                    f"(its file was {gone})" if gone else "(the export file was not given)"
                )
            elif list_id in about:
                if list_id not in items:
                    items[list_id] = review.items(list_id)
                made = (list_id, initiative, entry["at"])
                named = _inferred_rows(decisions, items[list_id], made, roles)
                known = "the store's decisions when it was made (the export file was not given)"
                removed = listed.get("items_removed_at") or next(
                    (cp.removed_at for cp in removals if cp.before > entry["at"]), None
                )
                if not named and removed:
                    unknown.append(
                        (
                            f"{this} (the list's items or the decisions it rested on were "
                            f"removed under retention on {day_text(removed)})",
                            False,
                        )
                    )
            else:
                unknown.append((f"{this} (the store no longer holds its list)", False))
                continue
            export = (entry["at"], entry["user"], name, initiative, run)
            rows += [_outreach_row(export, role, row, known) for role, row in named]
    for given in files:
        if given.path in matched:
            continue
        record = given.record
        roles = _outreach_roles(subject, key, given.initiative, record.get("exported_at"))
        where = "not searched" if review is None else "does not record this export"
        known = f"the export file {given.path.name} (the review store {where})"
        at, by, run = record.get("exported_at"), record.get("exported_by"), record.get("run_id")
        export = (at, by, given.path.name, given.initiative, run)
        rows += [_outreach_row(export, role, row, known) for role, row in _file_rows(given, roles)]
    return pl.DataFrame(rows, schema=_OUTREACH_COLUMNS, orient="row"), unknown


def _gone(row: dict[str, Any]) -> dict[str, Any]:
    """A row of a recorded export whose decision retention has removed: its id only."""
    return {"decision_id": row["decision_id"], "reviewer": None, "decided_at": None}


def _outreach_row(export: tuple, role: str, row: dict[str, Any], known: str) -> tuple:
    """One row of the section: the export (when, by whom, file, initiative, run), how it named
    the subject, the decision it rests on, and where that is known from."""
    decision = (row["decision_id"], row["reviewer"], row["decided_at"])
    return (*export, _IN_OUTREACH_AS[role], *decision, known)


def outreach_section(
    doc: SarDocument, found: tuple[pl.DataFrame, list[tuple[str, bool]]], searched: str
) -> None:
    outreach, unknown = found
    doc.heading(2, "5. Outreach exports that named this person")
    doc.para(
        "An outreach export (`workbench review outreach`) gives officers the contact details "
        "of each child decided `contact`: the child's names, date of birth and address, and "
        "the names of their parents or carers. Each row rests on a reviewer's decision. An "
        "export whose file is not given is worked out from the decisions the store still "
        "holds (one resting on decisions removed under retention cannot be). "
        f"Searched: {searched}."
    )
    if outreach.height == 0 and unknown:
        doc.para(
            "No outreach export searched is known to have named this person, but the store "
            "cannot say so of every one (below)."
        )
    elif outreach.height == 0:
        doc.para("No outreach export searched named this person.")
    else:
        doc.table("outreach exports", "outreach row", outreach)
    asked = [text for text, deleted in unknown if not deleted]
    deleted = [text for text, deleted in unknown if deleted]
    if asked:
        doc.para(
            "The store no longer holds what these exports held, so whether they named this "
            "person cannot be said from it; if a file still exists, give it with --outreach: "
            + "; ".join(asked)
            + "."
        )
    if deleted:
        doc.para(
            "The store no longer holds what these exports held, and their files were deleted "
            "under retention, so whether they named this person can no longer be said: "
            + "; ".join(deleted)
            + "."
        )


# --- DfE check exports: the children who could not be checked -------------------------------

CHECK_COMMAND = "check export"
# The access log's detail of a check export (`workbench.review.checks.export_checks`): the list,
# the export, and the name its files were written under (``NAME-part*.csv``).
_CHECK_DETAIL = re.compile(
    r"^list (?P<list_id>\S+): export (?P<export_id>\S+), \d+ row\(s\) for \d+ child\(ren\) in "
    r"\d+ file\(s\) \((?P<stem>.+)-part\*\.csv\), \d+ not checkable"
)
_PART = re.compile(r"-part\d+$")


def check_export_names(review: ReviewStore, files: Sequence[CheckFile] = ()) -> dict[str, str]:
    """Export id -> the name a check export's files were written under (``NAME`` of
    ``NAME-part1.csv``, ...): from the store's access log (the store's own record of the export
    names none), else from the sidecar of a check export given or found."""
    names = {str(f.record["export_id"]): f.stem.name for f in files if f.record.get("export_id")}
    log = review.access_log().filter(pl.col("command") == CHECK_COMMAND).sort("seq")
    for entry in log.iter_rows(named=True):
        found = _CHECK_DETAIL.match(entry["detail"])
        if found:
            names[found["export_id"]] = Path(found["stem"]).name
    return names


# The reasons a child could not be checked that are about a parent's or carer's details
# (`workbench.review.checks._parent_problem`): shown to each parent or carer of the child.
_PARENT_REASON = ("the parent's ", "no parent or carer in the household has")
_AS_CARER_NOT_CHECKED = (
    f"a parent or carer of {WITHHELD_CHILD}: the reason is about the details of a parent or "
    "carer of the household"
)
_NOT_CHECKABLE_COLUMNS = dict.fromkeys(
    (
        "made at",
        "made by",
        "check export",
        "initiative",
        "list of run",
        "template",
        "not-checkable file",
        "about them as",
        "decision",
        "decision id",
        "reason",
        "known from",
    ),
    pl.String,
)


@dataclass(frozen=True)
class CheckFile:
    """A DfE check export given (or found beside a list searched): its not-checkable rows
    (from ``NAME.not_checkable.csv``, else from the sidecar, which lists them too) and what
    its sidecar ``NAME.check.json`` records (export id, list, when, by whom), when found."""

    stem: Path
    record: dict[str, Any]
    rows: pl.DataFrame
    from_file: bool

    @property
    def not_checkable_name(self) -> str:
        return export_paths(self.stem.with_suffix(".csv"))[1].name

    @property
    def sidecar_name(self) -> str:
        return export_paths(self.stem.with_suffix(".csv"))[0].name


def _check_stem(path: Path) -> Path:
    """The name a check export was written under (``--out NAME.csv``), from any of its files:
    the sidecar, the not-checkable file, a part file or the name itself."""
    name = path.name
    for suffix in (CHECK_SUFFIX, NOT_CHECKABLE_SUFFIX):
        if name.endswith(suffix):
            return path.with_name(name.removesuffix(suffix))
    return path.with_name(_PART.sub("", path.stem))


def check_files(given: Sequence[Path], lists: Sequence[Path]) -> list[CheckFile]:
    """The check exports given (any of their files) and those found beside the lists searched
    (by their sidecar or not-checkable file), each read once."""
    wanted: dict[Path, Path] = {}
    for path in given:
        stem = _check_stem(path)
        sidecar, not_checkable = export_paths(stem.with_suffix(".csv"))
        if not (sidecar.is_file() or not_checkable.is_file()):
            raise DataFileError(
                path,
                f"no check export here: neither {sidecar.name} nor {not_checkable.name} is "
                "beside it; expected a file `workbench check export` wrote",
            )
        wanted.setdefault(stem.resolve(), stem)
    for listed in lists:
        for suffix in (CHECK_SUFFIX, NOT_CHECKABLE_SUFFIX):
            for found in sorted(listed.parent.glob(f"*{suffix}")):
                wanted.setdefault(_check_stem(found).resolve(), _check_stem(found))
    return [_read_check_file(stem) for stem in wanted.values()]


def _read_check_file(stem: Path) -> CheckFile:
    sidecar, not_checkable = export_paths(stem.with_suffix(".csv"))
    record = sidecar_record(sidecar, CHECK_FORMAT, "workbench check export")
    if not not_checkable.is_file():
        listed = record.get("not_checkable")
        entries = [e for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
        rows = pl.DataFrame(
            [
                {
                    "list_id": record.get("list_id"),
                    "item_key": e.get("item_key"),
                    "decision_id": e.get("decision_id"),
                    "reason": e.get("reason"),
                }
                for e in entries
            ],
            schema=dict.fromkeys(("list_id", "item_key", "decision_id", "reason"), pl.String),
        )
        return CheckFile(stem, record, rows, from_file=False)
    try:
        rows = pl.read_csv(not_checkable, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise DataFileError(
            not_checkable, f"cannot be read as CSV ({type(error).__name__})"
        ) from None
    missing = [c for c in NOT_CHECKABLE_COLUMNS if c not in rows.columns]
    if missing:
        raise DataFileError(
            not_checkable,
            f"lacks column(s) {', '.join(missing)}; expected the not-checkable file "
            "`workbench check export` writes",
        )
    return CheckFile(stem, record, rows, from_file=True)


def _theirs_in(rows: pl.DataFrame, subject: Subject, key: bytes) -> pl.Expr:
    """The rows of a file that name the subject as the child: by their store key, person id,
    or (a child known only from the DWP list) a DWP-list row about them as the child."""
    found = pl.col("item_key").is_in(subject.item_keys(key))
    if subject.person_id is not None and "person_id" in rows.columns:
        found = found | (pl.col("person_id") == subject.person_id)
    if "dwp_record_id" in rows.columns:
        unlinked = pl.col("person_id").is_null() if "person_id" in rows.columns else pl.lit(True)
        found = found | (unlinked & pl.col("dwp_record_id").is_in(list(subject.as_child)))
    return found.fill_null(False)


def search_not_checkable(
    subject: Subject,
    key: bytes,
    files: Sequence[CheckFile],
    review: ReviewStore | None,
    lists: pl.DataFrame | None,
) -> pl.DataFrame:
    """Each row of a check export's not-checkable file naming the subject as the child (the
    file names no parent), with the export it came from: from the files given or found; and,
    from the store, each export of a list holding them that left children unchecked and whose
    file was not searched (whether they were among them cannot be said without it)."""
    about = {} if lists is None else {r["list_id"]: r for r in lists.iter_rows(named=True)}
    recorded: dict[str, dict[str, Any]] = {}
    logged: dict[str, tuple[dict[str, Any], str]] = {}  # export id -> its last log line, stem
    by_stem: dict[tuple[str, str], str] = {}  # (list id, stem) -> export id
    deleted: dict[tuple[str, str], str] = {}
    if review is not None:
        deleted = review.export_files_deleted()
        recorded = {e["export_id"]: e for e in review.check_exports().iter_rows(named=True)}
        log = review.access_log().filter(pl.col("command") == CHECK_COMMAND).sort("seq")
        for entry in log.iter_rows(named=True):
            found = _CHECK_DETAIL.match(entry["detail"])
            if found:
                logged[found["export_id"]] = (entry, found["stem"])
                by_stem[found["list_id"], found["stem"]] = found["export_id"]
    rows: list[tuple] = []
    searched: set[str] = set()
    for given in files:
        record = given.record
        list_id = record.get("list_id") or next(
            iter(given.rows["list_id"].drop_nulls().unique().to_list()), None
        )
        export_id = record.get("export_id") or by_stem.get((str(list_id), given.stem.name))
        if export_id:
            searched.add(export_id)
        stored = recorded.get(export_id or "", {})
        listed = about.get(list_id, {})
        initiative = str(record.get("rule_set") or "").split("@", 1)[0] or listed.get("initiative")
        export = (
            record.get("exported_at") or stored.get("exported_at"),
            record.get("exported_by") or stored.get("exported_by"),
            export_id,
            initiative,
            record.get("run_id") or listed.get("run_id"),
            record.get("template") or stored.get("template"),
            given.not_checkable_name,
        )
        if given.from_file:
            known = f"the file {given.not_checkable_name}"
        else:
            known = f"the sidecar {given.sidecar_name} (the file {given.not_checkable_name} was "
            known += "not found beside it)"
        if not given.record:
            known += f" (its sidecar {given.sidecar_name} not found"
            known += "; the export as the store's access log records it)" if export_id else ")"
        mine = given.rows.filter(_theirs_in(given.rows, subject, key))
        for row in mine.iter_rows(named=True):
            decision = (row.get("decision"), row.get("decision_id"), row.get("reason"))
            rows.append((*export, "the child", *decision, known))
        # A reason about a parent's details is about the child's parents or carers: shown to
        # each, the child and their decision withheld.
        carers = subject.shown_with(key, initiative, on_day(export[0]))
        children = [k for k, how in carers.items() if how == AS_CARER]
        about_parent = pl.col("reason").str.starts_with(_PARENT_REASON[0]) | pl.col(
            "reason"
        ).str.starts_with(_PARENT_REASON[1])
        theirs = given.rows.filter(pl.col("item_key").is_in(children), about_parent)
        for row in theirs.filter(~_theirs_in(theirs, subject, key)).iter_rows(named=True):
            rows.append((*export, _AS_CARER_NOT_CHECKED, None, None, row["reason"], known))
    if review is not None:
        keys = subject.item_keys(key)
        for export_id, stored in recorded.items():
            if export_id in searched or not stored["not_checkable"] or not keys:
                continue
            listed = about.get(stored["list_id"], {})
            removed = listed.get("items_removed_at")
            if removed is None:
                items = review.items(stored["list_id"])
                if items.filter(pl.col("item_key").is_in(keys)).is_empty():
                    continue  # not a child of its list: not among its children not checkable
            sent = review.check_export_items(export_id)
            if not sent.filter(pl.col("item_key").is_in(keys)).is_empty():
                continue  # sent to DfE: checked, shown above with the answer
            stem = logged.get(export_id, (None, None))[1]
            name = f"{stem}{NOT_CHECKABLE_SUFFIX}" if stem else None
            export = (
                stored["exported_at"],
                stored["exported_by"],
                export_id,
                listed.get("initiative"),
                listed.get("run_id"),
                stored["template"],
                name or "(its name is not recorded)",
            )
            if removed is None:
                known = (
                    "not searched: the store records that some children chosen for this export "
                    "of a list holding this person could not be checked, not who"
                )
            else:
                known = (
                    "not searched: the store records that some children chosen for this export "
                    "could not be checked, not who, and no longer holds the children of its list "
                    f"(removed under retention on {day_text(removed)}), so whether this person was "
                    "on it cannot be said"
                )
            if gone := _file_deleted(deleted, "check", export_id):
                known += f"; its files were {gone}"
                if removed is None:
                    known += ", so whether they are among them can no longer be said"
            else:
                known += (
                    "; give its file "
                    + (f"{name} " if name else "")
                    + "with --check to see whether they are among them"
                )
            rows.append((*export, "the child, if among them", None, None, None, known))
    return pl.DataFrame(rows, schema=_NOT_CHECKABLE_COLUMNS, orient="row")


def not_checkable_section(doc: SarDocument, found: pl.DataFrame, searched: str) -> None:
    doc.heading(2, "6. DfE eligibility check exports that could not check this person")
    doc.para(
        "A check export (`workbench check export`) writes, beside the files for DfE, "
        "NAME.not_checkable.csv: each child chosen for the check who could not be checked (for "
        "example a child known only from the DWP list, or one with no parent or carer with a "
        "National Insurance number), by item key, person id or DWP-list record id, with the "
        "decision and the reason. It names the child only, never a parent or carer (a reason "
        "about a parent's or carer's details is shown to each parent or carer of the child, "
        "the child withheld); its sidecar NAME.check.json says when, and by whom, it was made. "
        "The store records only how many children each export could not check: an export of a "
        "list holding this person whose file was not searched is named, to be looked at. "
        f"Searched: {searched}."
    )
    if found.height == 0:
        doc.para("No check export searched listed this person as a child who could not be checked.")
    else:
        doc.table("not checkable", "not checkable row", found)


# --- review workbooks ---------------------------------------------------------------------------

WORKBOOK_COMMAND = "review export"
# The access log's detail of a workbook export (`workbench.review.excel.export_review_workbook`);
# lines logged before 7 December 2026 do not name the file.
WORKBOOK_DETAIL = re.compile(r"^list (?P<list_id>\S+): \d+ rows(?: exported to (?P<file>.+))?$")
_WORKBOOK_COLUMNS = dict.fromkeys(
    (
        "exported at",
        "exported by",
        "workbook file",
        "initiative",
        "list of run",
        "about them as",
        "what it held of them",
        "known from",
    ),
    pl.String,
)
AS_NOT_LISTED = "the child of a DWP-list row not listed"
_HELD_AS_CHILD = (
    "their row: their names, date of birth, age, address and postcode (beside the names of "
    "their parents or carers and of the other children of the household, withheld here), the "
    "tier, reasons and evidence, when eligible from, the record link, the decisions about them "
    "so far and DfE's check answers"
)
_HELD_BY_IDS = (
    "their row, by its ids and pseudonymous key (who they are was not read: the export was "
    "given no data folder): the tier, reasons and evidence, when eligible from, the record "
    "link, the decisions about them so far and DfE's check answers"
)
_HELD_NOT_LISTED = (
    "their DWP-list row, on the sheet 'DWP rows not listed': its record id, the child's date "
    "of birth, the dates eligible from and to, and why it is not listed"
)
_NOT_READ = "(not "  # who-columns of a row not read: "(not read: ...)", "(not found in ...)"
# The cells of their own row that show other people: withheld, as everywhere in the export.
_OTHERS_CELLS = {
    "parent_carers": f"withheld here: the names of their parents or carers ({WITHHELD_CARER})",
    "other_children_in_household": (
        "withheld here: the names and ages of the other children of the household"
    ),
    "evidence": (
        "withheld here: in words it may name a parent or carer (see evidence_as_written, with "
        "other people's ids withheld)"
    ),
}
_PROPOSED_LINK = "withheld here: it names the council's child proposed as the row's match, who "
_PROPOSED_LINK += "may be another child"
# In a council child's own record link: the DWP-list rows proposing them as the match, and a
# funded place whose link awaits review (`record_link_text`), each perhaps another child's.
_PROPOSED_BY_ROWS = re.compile(r"DWP-list rows? [^:]*? on this list may be this child")
_PROPOSED_BY_ROWS_SHOWN = (
    "DWP-list row(s) (withheld here: they may be another child's) on this list may be this child"
)
_PLACE_TO_REVIEW = re.compile(r"(may already be this child's) \(rows? [^)]*\)")
# The proposed match in a workbook's `record_link` cell (`workbench.review.details.
# record_link_text`): who the child is when the export read it (name, "(council record ID)",
# date of birth, address, then "; parents or carers: ..."), else the id alone, and how sure
# the linkage was. Workbooks exported before 8 December 2026 put the id last, after the
# parents' names ("..., parents or carers: Jane Smyth (council record P1)"): both are read.
# How sure is beside the match ("(match probability 91%)"), or, in the record link of a row
# whose list says why its link was held (a twin, a namesake elsewhere), in the sentence after
# "Compare it with ...": "The match score is very high (99.9994%), but ...".
_PROPOSED_CELL = re.compile(
    r"Proposed match: (?:"
    r"(?P<name>[^;()]*?) \(council record (?P<id_after_name>[^\s)]+)\)(?P<rest>, born .*?)"
    r"|(?P<who>.*?)\(?council record (?P<person>[^\s)]+)\)?"
    r")(?: \(match probability (?P<chance>[^)]*)\))?\. Compare it with[^.]*\."
    r"(?: The match score is [a-z ]+ \((?P<score>[^)]*)\))?"
)


@dataclass(frozen=True)
class _ProposedShown:
    """A `record_link` cell's proposed match, in either form: who (as the old form had it:
    name, date of birth, address, parents; empty when not read), the record id, the chance."""

    who: str
    person: str
    chance: str | None


def proposed_shown(text: str) -> _ProposedShown | None:
    """The proposed match a `record_link` cell shows (`_PROPOSED_CELL`), whichever form its
    workbook was written in; None when it shows none.

    >>> old = ("Proposed match: Amelia Smyth, born 3 May 2024, 12 High Street, AB1 2CD; "
    ...        "parents or carers: Jane Smyth (council record P0075909). Compare it with ...")
    >>> new = ("Proposed match: Amelia Smyth (council record P0075909), born 3 May 2024, "
    ...        "12 High Street, AB1 2CD; parents or carers: Jane Smyth. Compare it with ...")
    >>> proposed_shown(old) == proposed_shown(new)
    True
    >>> proposed_shown(new).person
    'P0075909'
    """
    found = _PROPOSED_CELL.search(text)
    if found is None:
        return None
    if found["id_after_name"] is not None:
        who, person = f"{found['name']}{found['rest']}", found["id_after_name"]
    else:
        who, person = found["who"], found["person"]
    return _ProposedShown(who.strip(), person, found["chance"] or found["score"])


# Where a held row's record link stops saying why its link was held (`record_link_text`).
_AWAITS = "A probable match with a child in the council's records awaits review"
_HELD_ROW = (
    "a DWP-list row awaiting a link review, listed on its own: its child, and the child "
    "proposed as its match, are withheld (the row may be another child's)"
)
# What a cell naming the subject by record id only showed of them (review names a child
# only of the proposed child's household).
_HELD_BY_RECORD = (
    "their council record id, named in why the link of a DWP-list row awaiting review to "
    "another council child was held; that child and the row's child are withheld (the row may "
    "be another child's)"
)
_HELD_BY_ID = (
    "their council record id, named in why the link of a DWP-list row awaiting review to "
    "another council child was held (who they are was not read: the export was given no "
    "data folder); that child and the row's child are withheld (the row may be another child's)"
)


def _held_shown(text: str, person_id: str) -> str | None:
    """How a `record_link` cell names `person_id` in why its row's link was held (the words
    before `_AWAITS`): "Name (council record ID)" when review named them (a child of the
    proposed child's household), else "council record ID"; None when it does not."""
    held = text.partition(_AWAITS)[0]
    if not held.startswith("Held for review because") or person_id not in held_names(held):
        return None
    named = re.search(rf"([^,;()]+) \(council record {re.escape(person_id)}\)", held)
    if named is not None:
        return f"{named[1].strip()} (council record {person_id})"
    return f"council record {person_id}"


_CARERS_SHOWN = "; parents or carers: "
_PROPOSED_ROW = (
    "a DWP-list row awaiting a link review, listed on its own: its child is withheld (it may be "
    "another child)"
)
_PROPOSED_BY_ID = (
    "their council record id, as the child proposed as the match of a DWP-list row awaiting a "
    "link review (who they are was not read: the export was given no data folder); the row's "
    "child is withheld (it may be another child)"
)


@dataclass(frozen=True)
class WorkbookFile:
    """A review workbook given (or found beside a list searched): its hidden sheet (list,
    export day), the rows of its Review sheet and of its 'DWP rows not listed' sheet."""

    path: Path
    meta: dict[str, str]
    rows: list[dict[str, str]]
    not_listed: list[dict[str, str]]
    numbers: tuple[int, ...] = ()
    """The row of the Review sheet each of `rows` is on, as a spreadsheet numbers it."""

    @property
    def list_id(self) -> str | None:
        return self.meta.get("list_id") or None

    @property
    def exported_at(self) -> str | None:
        return self.meta.get("exported_at") or None


def workbook_files(given: Sequence[Path], lists: Sequence[Path]) -> list[WorkbookFile]:
    """The review workbooks given and those beside the lists searched (an .xlsx with the
    workbook's hidden sheet; other workbooks are not read), each read once."""
    wanted: dict[Path, Path] = {}
    for path in given:
        wanted.setdefault(path.resolve(), path)
    for listed in lists:
        for found in sorted(listed.parent.glob("*.xlsx")):
            if exported_on(found)[0]:
                wanted.setdefault(found.resolve(), found)
    return [_read_workbook(path) for path in wanted.values()]


def _sheet_rows(sheet: Any, header_row: int) -> list[tuple[int, dict[str, str]]]:
    """The rows of a sheet below its header (at `header_row`, from 1), as text, each with its
    row number as a spreadsheet shows it."""
    values = list(sheet.iter_rows(min_row=header_row, values_only=True))
    if not values:
        return []
    header = ["" if v is None else str(v) for v in values[0]]
    return [
        (number, {n: "" if v is None else str(v) for n, v in zip(header, row, strict=False) if n})
        for number, row in enumerate(values[1:], start=header_row + 1)
        if any(v not in (None, "") for v in row)
    ]


def _read_workbook(path: Path) -> WorkbookFile:
    if not path.is_file() or not exported_on(path)[0]:
        raise DataFileError(
            path,
            "not a review workbook; expected an .xlsx `workbench review export` wrote (with "
            "its hidden workbench sheet)",
        )
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise DataFileError(path, "cannot be read as a review workbook") from None
    try:
        meta = {
            str(row[0]): "" if row[1] is None else str(row[1])
            for row in book[META_SHEET].iter_rows(max_col=2, values_only=True)
            if row and row[0] is not None
        }
        numbered = _sheet_rows(book[REVIEW_SHEET], 1)
        not_listed = (
            [row for _, row in _sheet_rows(book[NOT_LISTED_SHEET], 3)]
            if NOT_LISTED_SHEET in book
            else []
        )
    finally:
        book.close()
    rows = [row for _, row in numbered]
    if rows and "item_key" not in rows[0]:
        raise DataFileError(path, f"its {REVIEW_SHEET} sheet has no item_key column")
    return WorkbookFile(path, meta, rows, not_listed, tuple(n for n, _ in numbered))


def _own_cells(row: dict[str, str]) -> dict[str, str]:
    """The cells of the subject's own row of a workbook, other people withheld."""
    out = {}
    for column in (*LOCKED_COLUMNS, *GROUP_COLUMNS, *EDITABLE_COLUMNS):
        if column not in row:
            continue
        value = row[column]
        if column in _OTHERS_CELLS and value:
            value = _OTHERS_CELLS[column]
        elif column == "record_link" and "probable match" in value:
            value = _PROPOSED_LINK
        elif column == "record_link":
            value = _PROPOSED_BY_ROWS.sub(_PROPOSED_BY_ROWS_SHOWN, value)
            value = _PLACE_TO_REVIEW.sub(r"\1 (withheld here: it may be another child's)", value)
        elif column == "evidence_as_written":
            value = own_evidence(value)
        out[column] = value
    return out


def _proposed_cells(number: int, shown: _ProposedShown) -> dict[str, str]:
    """What a workbook's `record_link` cell showed of the subject as the proposed match of a
    DWP-list row (`_PROPOSED_CELL`): the row, and the child proposed, their parents' or
    carers' names withheld."""
    who, carers, _ = shown.who.partition(_CARERS_SHOWN)
    values = {
        "Review sheet row": str(number),
        "the row": _PROPOSED_ROW,
        "proposed match shown (record_link)": (
            f"{who} (council record {shown.person})"
            if who
            else f"council record {shown.person} (who they are was not read)"
        ),
    }
    if carers:
        values["their parents or carers shown"] = _OTHERS_CELLS["parent_carers"]
    if shown.chance:
        values["match probability"] = shown.chance
    return values


def _proposed_file_row(
    number: int, row: dict[str, str], proposed: Mapping[str, str]
) -> tuple[str, str, dict[str, str] | None] | None:
    """What a workbook row's `record_link` cell showed of the subject as the child proposed
    as the match of its DWP-list row, or as a parent or carer of that child (`proposed`:
    `Subject.proposed_as`); None when it named neither."""
    shown = proposed_shown(row.get("record_link", ""))
    how = proposed.get(shown.person) if shown else None
    if shown is None or how is None:
        return None
    read = bool(shown.who)
    where = f" (the record_link cell of row {number} of the Review sheet)"
    if how == AS_PROPOSED:
        what = (SHOWN_AS[how] if read else _PROPOSED_BY_ID) + where
        return how, what, _proposed_cells(number, shown)
    return (how, SHOWN_AS[how] + where, None) if read else None


def _held_file_row(
    number: int, row: dict[str, str], subject: Subject
) -> tuple[str, str, dict[str, str]] | None:
    """What a workbook row's `record_link` cell showed of the subject named in why its
    DWP-list row's link to another council child was held for review (a twin, a namesake
    elsewhere: `_held_shown`); None when it did not name them. The row's child, and the child
    proposed, are withheld."""
    if subject.person_id is None:
        return None
    shown = _held_shown(row.get("record_link", ""), subject.person_id)
    if shown is None:
        return None
    where = f" (the record_link cell of row {number} of the Review sheet)"
    by_name = shown != f"council record {subject.person_id}"
    what = SHOWN_AS[AS_HELD_NAMED] if by_name else _HELD_BY_RECORD
    values = {
        "Review sheet row": str(number),
        "the row": _HELD_ROW,
        "named in why its link was held (record_link)": shown,
    }
    return AS_HELD_NAMED, what + where, values


def _workbook_file_rows(
    book: WorkbookFile,
    subject: Subject,
    key: bytes,
    roles: dict[str, str],
    proposed: Mapping[str, str],
) -> list[tuple[str, str, dict[str, str] | None]]:
    """What a workbook file held about the subject: (how, what, their cells when their own
    or, as the child proposed as a DWP-list row's match, what its record link showed)."""
    mine = set(subject.item_keys(key))
    out: list[tuple[str, str, dict[str, str] | None]] = []
    numbers = book.numbers or tuple(range(2, len(book.rows) + 2))
    for number, row in zip(numbers, book.rows, strict=True):
        item, person = row.get("item_key", ""), row.get("person_id", "")
        read = not row.get("child_name", "").startswith(_NOT_READ)
        own = item in mine or (subject.person_id is not None and person == subject.person_id)
        own = own or (not person and row.get("dwp_record_id", "") in subject.as_child)
        if own:
            out.append((AS_CHILD, _HELD_AS_CHILD if read else _HELD_BY_IDS, _own_cells(row)))
            continue
        if item in roles and read:
            out.append((roles[item], SHOWN_AS[roles[item]], None))
        if (as_proposed := _proposed_file_row(number, row, proposed)) is not None:
            out.append(as_proposed)
        elif (as_named := _held_file_row(number, row, subject)) is not None:
            out.append(as_named)
    for row in book.not_listed:
        if row.get("record_id") in subject.as_child:
            out.append((AS_NOT_LISTED, _HELD_NOT_LISTED, dict(row)))
    return out


def _workbook_store_rows(
    subject: Subject,
    key: bytes,
    items: pl.DataFrame,
    viewed: set[str],
    roles: dict[str, str],
    not_listed: Sequence[str],
    proposals: Sequence[Proposal] = (),
    proposed: Mapping[str, str] | None = None,
) -> list[tuple[str, str, dict[str, str] | None]]:
    """What a workbook held about the subject, its file not given, from the store: their item
    on its list (a workbook holds every child of its list), whether who they are was read (the
    export logs a view of each child when it reads the data folder), the children shown with
    them among those views, the DWP-list rows of its list awaiting a link review with them (or
    a child whose parent or carer they are) proposed as the match (`proposals` of its list,
    `proposed`: `Subject.proposed_as`), and their DWP-list rows the list searched of its run
    did not carry (`not_listed`: the workbook's 'DWP rows not listed' sheet is written from
    them)."""
    keys = [*subject.item_keys(key), *([subject.person_id] if subject.person_id else [])]
    held = set(items["item_key"].to_list())
    out: list[tuple[str, str, dict[str, str] | None]] = []
    if held & set(keys):
        read = bool(viewed & {*keys, *subject.as_child})
        out.append((AS_CHILD, _HELD_AS_CHILD if read else _HELD_BY_IDS, None))
    for child, how in roles.items():
        if child in viewed and how != AS_CHILD:
            out.append((how, SHOWN_AS[how], None))
    for proposal in proposals:
        if proposal.item_key in keys:
            continue  # their own row, above
        as_what = (proposed or {}).get(proposal.proposed)
        seen = bool(viewed & {proposal.item_key, proposal.record_id})
        where = " (the record_link column of the row of that DWP-list row)"
        if as_what == AS_PROPOSED:
            out.append((as_what, (SHOWN_AS[as_what] if seen else _PROPOSED_BY_ID) + where, None))
        elif as_what is not None and seen:
            out.append((as_what, SHOWN_AS[as_what] + where, None))
        elif as_what is None and proposal.names(subject, key):
            # Named in why the row's link was held: by id even when who they are was not read.
            what = SHOWN_AS[AS_HELD_NAMED] if seen else _HELD_BY_ID
            out.append((AS_HELD_NAMED, what + where, None))
    out += [(AS_NOT_LISTED, _HELD_NOT_LISTED, None) for _ in not_listed]
    return out


@dataclass(frozen=True)
class Proposal:
    """A DWP-list row of a list whose link awaited review with a council child proposed as
    its match: the list, the row's item key (and DWP record id, when a list searched gives
    it), and the child proposed (their store key, or their person id from a list searched)."""

    list_id: str
    item_key: str
    proposed: str
    record_id: str | None = None
    named: frozenset[str] = frozenset()
    """The other council children the list's `held_because` names in why the row's link was
    held (a twin of the child proposed, a namesake elsewhere): by person id from a list
    searched, by the pseudonymous key of their person id from the store (which keeps why
    for a list stored since it was at schema version 11; none for a list stored before)."""

    def names(self, subject: Subject, key: bytes) -> bool:
        """Whether why the row's link was held names `subject` (`named`): by their person
        id, or by its pseudonymous key."""
        person = subject.person_id
        if person is None or not self.named:
            return False
        return bool(self.named & {person, pseudonym(PERSON_KIND, person, key)})


def proposal_index(
    review: ReviewStore, lists: pl.DataFrame, listed: Sequence[Listed]
) -> dict[tuple[str, str], Proposal]:
    """The DWP-list rows awaiting a link review with a council child proposed as the match,
    by (list id, the child an access-log view names: the item key, or in a view logged
    before 6 December 2026 the DWP record id): from the lists searched (`probable_person_id`
    of a row whose link needs review) and the store's items (`proposed_key`, and
    `held_because` where the store keeps it: `ReviewStore.hold_reasons`; a list whose items
    were removed under retention has none). The details of such a row, in review or a
    workbook, name the child proposed and their parents or carers, and the other council
    children the list's `held_because` names in why its link was held (`Proposal.named`)."""
    index: dict[tuple[str, str], Proposal] = {}
    ids = {(r["run_id"], r["initiative"]): r["list_id"] for r in lists.iter_rows(named=True)}
    for entry in listed:
        list_id = ids.get((entry.run_id, entry.initiative))
        if list_id is None or "probable_person_id" not in entry.rows.columns:
            continue
        waiting = entry.rows.filter(
            pl.col("link_needs_review").fill_null(False),
            pl.col("probable_person_id").is_not_null(),
        )
        for row in waiting.iter_rows(named=True):
            named = held_names(row.get("held_because")) - {row["probable_person_id"]}
            found = Proposal(
                list_id,
                row["item_key"],
                row["probable_person_id"],
                row["dwp_record_id"],
                frozenset(named),
            )
            index.setdefault((list_id, found.item_key), found)
            if found.record_id:
                index.setdefault((list_id, found.record_id), found)
    for stored in lists.filter(pl.col("items_removed_at").is_null()).iter_rows(named=True):
        held = review.hold_reasons(stored["list_id"])
        for item, proposed in review.proposed_matches(stored["list_id"]).items():
            kept = frozenset(held_names(held.get(item)) - {proposed})
            found = Proposal(stored["list_id"], item, proposed, named=kept)
            index.setdefault((stored["list_id"], item), found)
    return index


def search_workbooks(
    subject: Subject,
    key: bytes,
    files: Sequence[WorkbookFile],
    review: ReviewStore | None,
    lists: pl.DataFrame | None,
    listed: Sequence[Listed],
    proposals: Mapping[tuple[str, str], Proposal] | None = None,
) -> tuple[pl.DataFrame, list[tuple[str, dict[str, str]]], list[tuple[str, bool]]]:
    """Every review workbook export that held the subject (section 7): the summary rows, the
    cells of their own rows in the files read (each with its title; as the child proposed as
    a DWP-list row's match, what its record link showed), and the exports the store records
    whose list it no longer holds (whether they held the subject cannot be said: each in
    words, with whether `workbench retention --store` told the store its file was deleted,
    as an export whose file is not given says then). From the store's access log (each
    export, from its file when given, else from the store and `proposals`,
    :func:`proposal_index`) and from the files given that it does not record. A file is
    taken for the last export the log records under its list and name (or, for a line logged
    before the log named the file, its list and day)."""
    rows: list[tuple] = []
    cells: list[tuple[str, dict[str, str]]] = []
    unknown: list[tuple[str, bool]] = []
    matched: set[Path] = set()

    def add(export: tuple, held: list, known: str, name: str) -> None:
        for how, what, own in held:
            rows.append((*export, how, what, known))
            if own is not None:
                title = f"{name}: their row" if how == AS_CHILD else f"{name}: {how}"
                if row := own.get("Review sheet row"):
                    title += f" (row {row})"
                cells.append((title, own))

    about = {} if lists is None else {row["list_id"]: row for row in lists.iter_rows(named=True)}
    if review is not None:
        deleted = review.export_files_deleted()
        log = review.access_log().sort("seq")
        entries = [
            (entry, found)
            for entry in log.filter(pl.col("command") == WORKBOOK_COMMAND).iter_rows(named=True)
            if (found := WORKBOOK_DETAIL.match(entry["detail"]))
        ]
        views: dict[tuple[str, str, str], set[str]] = {}
        for view in (
            log.filter(pl.col("command") == VIEW_COMMAND)
            .with_columns(pl.col("detail").str.extract_groups(VIEW_DETAIL).alias("view"))
            .unnest("view")
            .iter_rows(named=True)
        ):
            views.setdefault((view["at"], view["user"], view["list_id"]), set()).add(view["child"])
        taken: dict[int, WorkbookFile] = {}
        for book in files:
            fits = [
                entry["seq"]
                for entry, found in entries
                if found["list_id"] == book.list_id
                and (
                    found["file"] == book.path.name
                    or (found["file"] is None and entry["at"][:10] == book.exported_at)
                )
            ]
            if fits:
                taken[fits[-1]] = book
        for entry, found in entries:
            list_id, name = found["list_id"], found["file"]
            known_list = about.get(list_id, {})
            initiative, run = known_list.get("initiative"), known_list.get("run_id")
            roles = subject.shown_with(key, initiative, on_day(entry["at"]))
            proposed = subject.proposed_as(key, initiative, on_day(entry["at"]))
            given = taken.get(entry["seq"])
            gone = _file_deleted(deleted, "workbook", entry["seq"])
            shown = name or "(its name was not recorded)"
            file_name = given.path.name if given else shown
            export: tuple = (entry["at"], entry["user"], file_name, initiative, run)
            if given is not None:
                matched.add(given.path)
                held = _workbook_file_rows(given, subject, key, roles, proposed)
                add(export, held, f"the workbook file {given.path.name}", given.path.name)
            elif known_list and known_list.get("items_removed_at") is None:
                viewed = views.get((entry["at"], entry["user"], list_id), set())
                not_listed = [
                    record
                    for entry_listed in listed
                    if entry_listed.run_id == run and entry_listed.not_listed is not None
                    for record in entry_listed.not_listed.filter(
                        pl.col("record_id").is_in(list(subject.as_child))
                    )["record_id"].to_list()
                ]
                items = review.items(list_id)
                on_list = {p for p in (proposals or {}).values() if p.list_id == list_id}
                held = _workbook_store_rows(
                    subject,
                    key,
                    items,
                    viewed,
                    roles,
                    not_listed,
                    sorted(on_list, key=lambda p: p.item_key),
                    proposed,
                )
                if gone:
                    where = f"the workbook file {name} was {gone}"
                elif name:
                    where = f"the workbook file {name} was not given or found"
                else:
                    where = "the workbook's file name was not recorded"
                known = (
                    "the store's record of the export (its list's children, and the views of "
                    f"their details logged with it; {where})"
                )
                add(export, held, known, shown)
            else:
                unknown.append(
                    (
                        f"the workbook {shown} of list {list_id}, exported at "
                        f"{when_text(entry['at'])} by {entry['user']}"
                        + (f" (its file was {gone})" if gone else ""),
                        gone is not None,
                    )
                )
    for book in files:
        if book.path in matched:
            continue
        where = "not searched" if review is None else "does not record this export"
        known = f"the workbook file {book.path.name} (the review store {where})"
        stored_list = about.get(book.list_id or "", {})
        initiative, run = stored_list.get("initiative"), stored_list.get("run_id")
        roles = subject.shown_with(key, None, on_day(book.exported_at))
        proposed = subject.proposed_as(key, None, on_day(book.exported_at))
        add(
            (book.exported_at, None, book.path.name, initiative, run),
            _workbook_file_rows(book, subject, key, roles, proposed),
            known,
            book.path.name,
        )
    return pl.DataFrame(rows, schema=_WORKBOOK_COLUMNS, orient="row"), cells, unknown


def workbook_section(
    doc: SarDocument,
    found: tuple[pl.DataFrame, list[tuple[str, dict[str, str]]], list[tuple[str, bool]]],
    searched: str,
) -> None:
    summary, cells, unknown = found
    doc.heading(2, "7. Review workbooks that held this person")
    doc.para(
        "A review workbook (`workbench review export`, an .xlsx) holds a row for every child of "
        "a list, for officers to record decisions in: who the child is (names, date of birth, "
        "age, address, their parents' or carers' names, the other children of the household), "
        "the tier, reasons and evidence, the decisions so far and DfE's check answers. A child's "
        "row shows their parents or carers, and the household's other children, by name; a "
        "sheet shows the DWP-list rows the list does not carry. The store's access log records "
        "each export, who made it and when (and, since 7 December 2026, its file's name). An "
        "export whose file is not given is worked out from the store: the children of its list, "
        f"and the views of their details logged with it. Searched: {searched}."
    )
    if summary.height == 0:
        doc.para("No review workbook searched held this person.")
    else:
        doc.table("review workbooks", "workbook row", summary)
    for title, values in cells:
        doc.heading(3, title)
        doc.fields("review workbooks", title, dict(values))
    asked = [text for text, deleted in unknown if not deleted]
    deleted = [text for text, deleted in unknown if deleted]
    if asked:
        doc.para(
            "The store no longer holds the children of these exports' lists (removed under "
            "retention), so whether they held this person cannot be said from it; if a file "
            "still exists, give it with --workbook: " + "; ".join(asked) + "."
        )
    if deleted:
        doc.para(
            "The store no longer holds the children of these exports' lists, and their files "
            "were deleted (all under retention), so whether they held this person can no "
            "longer be said: " + "; ".join(deleted) + "."
        )
