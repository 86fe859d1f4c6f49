"""An outreach export's files: the CSV and its sidecar, written crash-safely, and checked.

`workbench.review.outreach` chooses who is sent and what each row says; this module puts
the rows on disk and records them, so that a family's letter always traces to the store.

- The CSV is written owner-only (0600) beside ``FILE.outreach.json`` (`sidecar_path`: the
  list, the decision ids, the counts, the decision chain's head and, in row order, each row's
  keyed digest: `row_digests`; no personal data). The store's access log records who exported
  what, with the seal of the row digests (`digests_seal`).
- Both are written to hidden partial files first, then the store records the export, then they
  are renamed into place (`write_and_record`), so a process killed part-way leaves no contact
  file unrecorded, and an export recorded whose file was never put in place
  (`interrupted_exports`) is finished by the same export again (`finish_export`), and refuses
  any other export of the offer until then (`refuse_interrupted`: its families count as sent
  and were not). Partial files left before the store recorded their export were never sent
  (`remove_stale_partials`).
- ``--overwrite`` replaces the file of the latest export to the same name (`replaced_export`),
  which then does not count as sent.
- ``workbench assure`` recomputes each row's digest, so a row rewritten to name or address
  another family (its ids and decision kept) is found, as are rows added or removed; and a
  file with an outreach export's header (`looks_like_outreach`) but no sidecar beside it fails
  as untraceable.

Example
-------
>>> sidecar_path("autumn/contacts.csv").as_posix()
'autumn/contacts.csv.outreach.json'
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from workbench.dates import long_time
from workbench.errors import UsageError, WorkbenchError
from workbench.private_files import (
    check_folder_for,
    fsync_folder,
    partial_path,
    private_folder_for,
    write_partial,
)

if TYPE_CHECKING:
    from workbench.review.store import ReviewStore

__all__ = [
    "OUTREACH_FORMAT",
    "SIDECAR_SUFFIX",
    "InterruptedExport",
    "check_destination",
    "digests_seal",
    "finish_command",
    "finish_export",
    "interrupted_exports",
    "looks_like_outreach",
    "refuse_interrupted",
    "remove_stale_partials",
    "replaced_export",
    "row_digests",
    "sidecar_path",
    "write_and_record",
]

OUTREACH_FORMAT = "workbench-outreach-1"
"""The sidecar's format. ``row_digests`` (each row's keyed digest) was added to it without a
new version: an added field leaves every reader of the format reading it as before (subject
access accepts exactly this format), and a sidecar without it is one written before, whose
rows' details `workbench assure` cannot verify."""
SIDECAR_SUFFIX = ".outreach.json"
_ROW_DIGEST_LABEL = "workbench outreach row v1"
# The columns that make a CSV an outreach export, with or without its sidecar: the family's
# names and the decision and list its row rests on (no other file the workbench writes has them).
_OUTREACH_SIGNATURE = frozenset(
    ("list_id", "item_key", "child_forename", "child_surname", "decision_id")
)


def sidecar_path(out: str | Path) -> Path:
    """The ``.outreach.json`` written beside an outreach export."""
    out = Path(out)
    return out.with_name(out.name + SIDECAR_SUFFIX)


def row_digests(rows: pl.DataFrame, key: bytes) -> list[str]:
    """The keyed digest of each row of an outreach export as its CSV holds it, in row order.

    ``rows`` is the file read as text (``pl.read_csv(path, infer_schema=False)``: every column
    by name, its cell as written, an empty cell as ``""``); each digest is HMAC-SHA256 under
    the review key (the one the store and the pseudonyms use), in hex. The export records them
    in its sidecar and `workbench assure` recomputes them, so a row whose names, date of birth,
    parents or address were changed in the file is found. Keyed, so that no one without the key
    can check a digest against a guessed family's details.

    Examples
    --------
    >>> rows = pl.DataFrame({"child_forename": ["Amy", "Amy"], "postcode": ["FQ1 1AA", None]})
    >>> first, second = row_digests(rows, b"k" * 32)
    >>> len(first), first == second, first == row_digests(rows, b"j" * 32)[0]
    (64, False, False)
    """
    columns = rows.columns
    digests = []
    for values in rows.select(pl.all().cast(pl.String)).iter_rows():
        cells = [[name, value or ""] for name, value in zip(columns, values, strict=True)]
        message = json.dumps([_ROW_DIGEST_LABEL, cells], ensure_ascii=False)
        digests.append(hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest())
    return digests


def digests_seal(digests: list[str], key: bytes) -> str:
    """The keyed digest of an export's row digests, in order, which the store's access log
    records with the export: a sidecar stripped of its `row_digests` (to pass as one written
    before exports recorded them) or given others is found by `workbench assure --store`.

    Examples
    --------
    >>> len(digests_seal(["a" * 64, "b" * 64], b"k" * 32))
    32
    """
    message = json.dumps([_ROW_DIGEST_LABEL, "rows", digests])
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def looks_like_outreach(columns: list[str]) -> bool:
    """Whether a CSV file's header is an outreach export's: it names the family and the list,
    item and decision its row rests on (in any order, with or without other columns), as
    `export_outreach` writes them.

    Examples
    --------
    >>> header = ["list_id", "item_key", "child_forename", "child_surname", "decision_id"]
    >>> looks_like_outreach([*header, "caution"]), looks_like_outreach(["person_id", "tier"])
    (True, False)
    """
    return set(columns) >= _OUTREACH_SIGNATURE


# --- writing ---------------------------------------------------------------------------------
def check_destination(out: Path, overwrite: bool) -> None:
    """Refuse an ``out`` that is not a ``.csv``, whose folder cannot be written to privately
    (`check_folder_for`), or that exists or whose sidecar exists (unless ``overwrite``)."""
    if out.suffix.lower() != ".csv":
        raise UsageError(f"must end in .csv; got {out.name!r}", parameter="out")
    check_folder_for(out)
    if out.exists() and not overwrite:
        raise UsageError(
            f"{out} already exists; choose another name, or pass --overwrite to replace it"
        )
    if (sidecar := sidecar_path(out)).exists() and not overwrite:
        # An earlier export's record, its file gone (sent, then deleted): kept unless asked.
        raise UsageError(
            f"{sidecar} already exists (the record of an earlier export to {out.name}, whose "
            "file is gone); choose another name, or pass --overwrite to replace it"
        )


def replaced_export(exports: pl.DataFrame, out: Path, *, overwrite: bool) -> int | None:
    """The export whose file ``overwrite`` replaces: the latest to ``out`` not itself
    replaced, when its file is still there (None otherwise). It was never sent, so its rows do
    not count as sent; an earlier export to the same name whose file is gone (sent, then
    deleted) still counts."""
    if not overwrite or not out.exists():
        return None
    mine = exports.filter(pl.col("file") == str(out.resolve()), ~pl.col("replaced"))
    return cast("int | None", mine["export_seq"].max())


def remove_stale_partials(out: Path) -> tuple[Path, ...]:
    """Remove the partial files of ``out`` and its sidecar left by an export stopped before
    the store recorded it (nothing of them was recorded or sent); those removed."""
    removed = tuple(p for p in (partial_path(out), partial_path(sidecar_path(out))) if p.is_file())
    for stale in removed:
        stale.unlink()
    return removed


def write_and_record(
    store: ReviewStore,
    out: Path,
    text: str,
    record: dict[str, Any],
    *,
    list_id: str,
    items: list[tuple[Any, ...]],
    user: str,
    detail: str,
    replaces: int | None,
) -> int:
    """Write the CSV and its sidecar, recording the export in the store: in an order that a
    process stopped at any point (killed, a power cut) leaves no contact file unrecorded and
    no recorded export unfinished without its complete files on disk.

    1. Both files to their partial files (`partial_path`: hidden, owner-only, flushed to disk).
       A failure (a full disk) removes them: nothing was recorded or sent.
    2. The export recorded in the store and the access log (one transaction). Stopped before
       it commits: the partial files are removed by the next export to ``out``.
    3. The sidecar and then the CSV renamed into place (each in one step). Stopped before
       the CSV's rename: the next export to ``out`` finishes it (`interrupted_exports`); a
       failure (an error renaming) voids the export (`_voided`)."""
    sidecar = sidecar_path(out)
    partials: list[Path] = []
    try:
        private_folder_for(out)  # a new folder for contact details is made owner-only
        partials.append(write_partial(out, lambda p: p.write_bytes(text.encode("utf-8"))))
        partials.append(
            write_partial(
                sidecar, lambda p: p.write_text(json.dumps(record, indent=2, sort_keys=True))
            )
        )
    except OSError as error:
        for partial in partials:
            partial.unlink(missing_ok=True)
        raise WorkbenchError(
            f"{out}: could not be written ({error.strerror or error}). Nothing was exported: "
            "once there is room, run the same export again"
        ) from None
    before = _last_export(store)
    try:
        seq = store.record_outreach_export(
            list_id, str(out.resolve()), items, user=user, detail=detail, replaces=replaces
        )
    except Exception:
        # Not recorded (a full disk): the partial files are no one's. When the store cannot
        # say, they are left for the next export to `out` to judge.
        if _last_export(store) == before and before is not None:
            for partial in partials:
                partial.unlink(missing_ok=True)
        raise
    placed: list[Path] = []
    try:
        for partial, path in zip(partials[::-1], (sidecar, out), strict=True):
            os.replace(partial, path)
            placed.append(path)
        fsync_folder(out.parent)
    except OSError as error:
        # A sidecar put in place without its CSV would describe whatever file is at `out`.
        for path in (*partials, *([out, sidecar] if placed else [])):
            path.unlink(missing_ok=True)
        raise WorkbenchError(
            f"{out}: could not be written ({error.strerror or error}). "
            + _voided(store, seq, list_id, out, user)
        ) from None
    return seq


def _last_export(store: ReviewStore) -> int | None:
    """The last export the store records (0 for none), or None when it cannot be read."""
    try:
        return cast("int | None", store.outreach_exports()["export_seq"].max()) or 0
    except (OSError, sqlite3.Error):
        return None


def _voided(store: ReviewStore, seq: int, list_id: str, out: Path, user: str) -> str:
    """Record that export `seq` was never sent (its file could not be written), as an empty
    export replacing it; what to do next, in words."""
    try:
        store.record_outreach_export(
            list_id,
            str(out.resolve()),
            [],
            user=user,
            detail=f"list {list_id}: 0 exported to {out.name} (the export before could not "
            "be written and was not sent)",
            replaces=seq,
        )
    except (OSError, sqlite3.Error):
        return (
            "The store records the export as made and could not record that it failed: once "
            "there is room, export again with --again to write these families"
        )
    return "Nothing was exported: once there is room, run the same export again"


# --- an export interrupted before its file was in place --------------------------------------
_SEAL_IN_LOG = re.compile(r", rows sealed (?P<seal>[0-9a-f]+)$")


@dataclass(frozen=True)
class InterruptedExport:
    """An outreach export the store records whose file was never put in place: the process
    was killed (or the machine lost power) after the store recorded it and before its partial
    file (`partial_path`) was renamed over ``file``. Its families count as sent, and were not.

    ``problem`` is None when the partial files are the export's own (the CSV holds exactly the
    recorded ``(item_key, decision_id)`` rows, in order, and the sidecar beside it, partial or
    in place, the digests of those rows that the store's access log sealed with the export):
    running the same ``review outreach`` with ``--out file`` again finishes it. Otherwise it
    says why they are not."""

    seq: int
    list_id: str
    file: Path
    exported_at: str
    rows: int
    partial: Path
    problem: str | None = None

    def describe(self) -> str:
        """The export in words: ``export 4 of list L to FILE, interrupted on DATE``."""
        return (
            f"export {self.seq} of list {self.list_id} to {self.file}, interrupted on "
            f"{long_time(self.exported_at)} before its file was written"
        )


def interrupted_exports(store: ReviewStore, key: bytes) -> list[InterruptedExport]:
    """Every outreach export the store records whose file was never put in place
    (`InterruptedExport`), oldest first.

    `export_outreach` writes an export's CSV and sidecar to partial files first, flushed to
    disk, then records the export in the store, then renames the sidecar and then the CSV into
    place. So the store never records an export without its complete partial files, and a
    partial CSV beside the file of the latest export to that name, holding that export's rows,
    is an export the process stopped between recording and renaming (whether or not an
    earlier file of that name, which it replaces, is still there). A partial file beside any
    other is not: it was left before its export was recorded, and nothing of it was sent."""
    exports = store.outreach_exports()
    if exports.is_empty():
        return []
    latest = exports.sort("export_seq").group_by("file", maintain_order=True).last()
    found = []
    for row in latest.sort("export_seq").iter_rows(named=True):
        file = Path(row["file"])
        partial = partial_path(file)
        if row["replaced"] or not partial.is_file():
            continue
        interrupted = InterruptedExport(
            seq=row["export_seq"],
            list_id=row["list_id"],
            file=file,
            exported_at=row["exported_at"],
            rows=row["row_count"],
            partial=partial,
        )
        problem = _partial_problem(store, interrupted, row["rows_removed_at"], key)
        found.append(
            interrupted if problem is None else _with_problem(interrupted, problem, partial)
        )
    return found


def _with_problem(export: InterruptedExport, problem: str, partial: Path) -> InterruptedExport:
    return InterruptedExport(
        export.seq, export.list_id, export.file, export.exported_at, export.rows, partial, problem
    )


def _partial_problem(
    store: ReviewStore, export: InterruptedExport, removed_at: str | None, key: bytes
) -> str | None:
    """Why `export`'s partial files are not the export the store recorded (None when they are)."""
    if removed_at is not None:
        return (
            f"the store's rows of export {export.seq} were removed by retention on "
            f"{long_time(removed_at[:10])}"
        )
    try:
        written = pl.read_csv(export.partial, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        return f"it cannot be read as an outreach export ({error})"
    if not {"item_key", "decision_id"} <= set(written.columns):
        return "it is not an outreach export (no item_key and decision_id columns)"
    recorded = store.outreach_exported().filter(pl.col("export_seq") == export.seq)
    if (
        written.select("item_key", "decision_id").rows()
        != recorded.select("item_key", "decision_id").rows()
    ):
        return (
            f"its rows are not the {recorded.height} (child, decision) rows the store records "
            f"for export {export.seq}"
        )
    sidecar = sidecar_path(export.file)
    record = None
    for path in (partial_path(sidecar), sidecar):
        if path.is_file():
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                record = None
            break
    digests = record.get("row_digests") if isinstance(record, dict) else None
    if not isinstance(digests, list) or digests != row_digests(written, key):
        return f"no {sidecar.name} (partial or in place) records the digests of its rows"
    seal = _logged_seal(store, export)
    if seal is not None and seal != digests_seal(digests, key):
        return (
            f"its rows' digests are not those the store's access log sealed with export "
            f"{export.seq}"
        )
    return None


def _logged_seal(store: ReviewStore, export: InterruptedExport) -> str | None:
    """The seal of the row digests the access log recorded with `export` (its line shares the
    export's time), or None when it recorded none."""
    log = store.access_log().filter(
        (pl.col("command") == "review outreach") & (pl.col("at") == export.exported_at)
    )
    for detail in log["detail"].to_list():
        found = _SEAL_IN_LOG.search(detail or "")
        if found and detail.startswith(f"list {export.list_id}: "):
            return found["seal"]
    return None


def finish_command(export: InterruptedExport) -> str:
    """What to run to finish an interrupted export, in words."""
    return (
        f"finish it first: run `workbench review outreach` again with --out {export.file} (and "
        f"the list of {export.list_id} it was made from), which puts its file in place"
    )


def refuse_interrupted(interrupted: list[InterruptedExport]) -> None:
    """Refuse to export while an export of the offer was interrupted before its file was
    written: its families count as sent but were not, so this export would hold them back."""
    if not interrupted:
        return
    first = interrupted[0]
    more = f" ({len(interrupted) - 1} more like it)" if len(interrupted) > 1 else ""
    if first.problem is None:
        raise WorkbenchError(
            f"{first.file}: {first.describe()}{more}: the store counts its {first.rows} "
            f"families as sent, but no file holds them; {finish_command(first)}"
        )
    raise WorkbenchError(
        f"{first.partial}: is left from {first.describe()}{more}, but is not that export: "
        f"{first.problem}. Its {first.rows} families count as sent and no file holds them: "
        "find out what happened to the file; remove the partial file, and if the families "
        "were never sent, send them with --again"
    )


def finish_export(export: InterruptedExport, out: Path) -> dict[str, Any]:
    """Put an interrupted export's partial files in place (the sidecar first, then the CSV,
    each renamed in one step); its sidecar's record, which says what it holds."""
    sidecar = sidecar_path(out)
    sidecar_partial = partial_path(sidecar)
    if sidecar_partial.is_file():
        os.replace(sidecar_partial, sidecar)
    os.replace(export.partial, out)
    fsync_folder(out.parent)
    return cast("dict[str, Any]", json.loads(sidecar.read_text(encoding="utf-8")))
