"""Retention inside the review store: removing expired rows and bridging the decision chain.

:meth:`ReviewStore.apply_retention <workbench.review.store.ReviewStore.apply_retention>` removes the
items of lists stored before one cut-off, the decisions recorded before another and, given a third,
the results of DfE's checks imported before it, in one transaction that opens a *retention window*
(a row the DELETE triggers check) and closes it before committing. Each removed run of decisions is
replaced by a sealed :class:`Checkpoint` (``chain_checkpoints``): ``from_hash`` and ``head_hash``
bridge the gap in the chain, and each seal covers the checkpoint before it, so
:meth:`ReviewStore.verify_chain` still proves the decisions kept (the checkpoints' format is
:mod:`workbench.review.chain`'s). An import whose check results go keeps its row and counts
(``check_imports``) and gets a row in ``check_result_removals`` (when, how many, by whom), as a list
whose items go keeps its row and gets one in ``list_item_removals``. The functions here take the
store's connection and clock; the store's methods are the public way in.

Examples
--------
>>> fields_ = {"seq_from": 1, "seq_upto": 2, "from_hash": "0" * 64, "head_hash": "a" * 64,
...            "count": 2, "before": "2020-01-01T00:00:00.000000Z",
...            "removed_at": "2026-01-01T00:00:00.000000Z", "user": "records.officer"}
>>> from workbench.review.chain import checkpoint_seal
>>> len(checkpoint_seal(fields_, GENESIS_HASH))
64
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.review.access_log import append_access
from workbench.review.chain import (
    CHECKPOINT_COLUMNS,
    PLAIN,
    Keying,
    checkpoint_seal,
    verify_chain,
)
from workbench.review.schema import GENESIS_HASH, immediate, utc_text

__all__ = [
    "EXPORT_FILE_DELETED",
    "EXPORT_FILE_KINDS",
    "RetentionResult",
    "apply_retention",
    "export_file_deleted_detail",
    "export_files_deleted",
    "retention_due",
]

Run = list[tuple[int, str, str]]

EXPORT_FILE_DELETED = "retention deleted file"
"""The access log's command of a line saying an export's file was deleted under retention
(`workbench retention --store`): its detail names the export (`export_file_deleted_detail`),
never the file's path (a path can name a person)."""
EXPORT_FILE_KINDS = {
    "outreach": "outreach export",
    "check": "check export",
    "workbook": "review export logged as access log line",
}
"""The exports whose files retention can tell the store it deleted, each named in the
detail by: an outreach export by its ``export_seq``, a DfE check export by its
``export_id`` and a review workbook by the number (``seq``) of the access-log line of its
export (the store records a workbook only there)."""
_DELETED_DETAIL = re.compile(
    rf"^(?P<what>{'|'.join(map(re.escape, EXPORT_FILE_KINDS.values()))}) (?P<ref>\S+): its "
    "files? (?:was|were) deleted under retention$"
)


def export_file_deleted_detail(kind: str, ref: str) -> str:
    """The access log's detail saying the file of one export (of `EXPORT_FILE_KINDS`) was
    deleted under retention.

    >>> export_file_deleted_detail("outreach", "3")
    'outreach export 3: its file was deleted under retention'
    >>> export_file_deleted_detail("check", "cx-0123")
    'check export cx-0123: its files were deleted under retention'
    """
    files = "files were" if kind == "check" else "file was"
    return f"{EXPORT_FILE_KINDS[kind]} {ref}: its {files} deleted under retention"


def export_files_deleted(log: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str], str]:
    """(kind, ref) -> when the store was told the export's file was deleted under retention
    (the first such line), from the access log's (at, command, detail) in order.

    >>> export_files_deleted([("2027-03-03T09:00:00.000000Z", EXPORT_FILE_DELETED,
    ...                        export_file_deleted_detail("workbook", "42"))])
    {('workbook', '42'): '2027-03-03T09:00:00.000000Z'}
    """
    kinds = {words: kind for kind, words in EXPORT_FILE_KINDS.items()}
    out: dict[tuple[str, str], str] = {}
    for at, command, detail in log:
        found = _DELETED_DETAIL.match(detail or "") if command == EXPORT_FILE_DELETED else None
        if found:
            out.setdefault((kinds[found["what"]], found["ref"]), at)
    return out


@dataclass(frozen=True)
class RetentionResult:
    """What :meth:`ReviewStore.apply_retention` removed (or would remove): counts only.

    ``lists`` counts the lists whose items went (the list rows stay, with their counts),
    ``checkpoints`` the chain checkpoints that replace the removed runs of decisions.
    ``removed_at`` is None for :meth:`ReviewStore.retention_due`, which removes nothing.
    ``check_imports`` counts the imports of DfE's check results whose results went (their rows
    stay, with their counts) and ``check_results`` the results; ``before_check_results`` is
    None when no cut-off was given for them (then none is removed).
    """

    before_lists: str
    before_decisions: str
    lists: int
    list_items: int
    decisions: int
    checkpoints: int
    removed_at: str | None = None
    before_check_results: str | None = None
    check_imports: int = 0
    check_results: int = 0
    outreach_rows: int = 0
    """Rows of outreach exports made before ``before_decisions`` (the child's key and the
    decision each rested on), removed with the decisions; the exports' own rows stay."""

    def summary(self) -> str:
        """One line for the access log: counts and cut-offs, never an id."""
        line = (
            f"removed {self.list_items} list items of {self.lists} lists created before "
            f"{self.before_lists}; {self.decisions} decisions recorded before "
            f"{self.before_decisions}, bridged by {self.checkpoints} chain checkpoints"
        )
        if self.outreach_rows:
            line += f"; {self.outreach_rows} outreach export rows of exports made before then"
        if self.before_check_results is not None:
            line += (
                f"; {self.check_results} check results of {self.check_imports} imports of "
                f"DfE's results imported before {self.before_check_results}"
            )
        return line


def retention_due(
    conn: sqlite3.Connection,
    before_lists: datetime,
    before_decisions: datetime,
    before_check_results: datetime | None = None,
) -> RetentionResult:
    """What :func:`apply_retention` with these cut-offs would remove now; removes nothing."""
    lists_cut = _cut_off_text(before_lists, "before_lists")
    decisions_cut = _cut_off_text(before_decisions, "before_decisions")
    results_cut = _optional_cut_off(before_check_results)
    due_lists = _due_lists(conn, lists_cut)
    runs = _due_runs(conn, decisions_cut)
    due_imports = _due_imports(conn, results_cut)
    found = _result(lists_cut, decisions_cut, due_lists, runs, None, results_cut, due_imports)
    return dataclasses.replace(found, outreach_rows=_due_outreach_rows(conn, decisions_cut))


def apply_retention(
    conn: sqlite3.Connection,
    clock: Callable[[], datetime],
    before_lists: datetime,
    before_decisions: datetime,
    *,
    user: str,
    path: Path,
    keying: Keying = PLAIN,
    access_key: bytes,
    before_check_results: datetime | None = None,
) -> RetentionResult:
    """The body of :meth:`ReviewStore.apply_retention` (see there), on the store behind
    ``conn`` (at ``path``, for messages), with the store's ``clock``; its access-log line is
    sealed under ``access_key`` (the chain's key)."""
    if not user.strip():
        raise WorkbenchError("apply_retention needs the user's name; got an empty user")
    lists_cut = _cut_off_text(before_lists, "before_lists")
    decisions_cut = _cut_off_text(before_decisions, "before_decisions")
    results_cut = _optional_cut_off(before_check_results)
    with immediate(conn):
        report = verify_chain(conn, keying)
        if not report.ok:
            raise WorkbenchError(
                f"{path}: the decision chain does not verify ({report.message}); "
                "retention removes nothing from a store whose chain is broken. Investigate "
                "with `workbench assure --store` first"
            )
        now = utc_text(clock())
        due_lists = _due_lists(conn, lists_cut)
        runs = _due_runs(conn, decisions_cut)
        due_imports = _due_imports(conn, results_cut)
        conn.execute("INSERT INTO retention_window VALUES (1, ?)", (now,))
        for list_id, count in due_lists:
            conn.execute("DELETE FROM list_items WHERE list_id = ?", (list_id,))
            conn.execute(
                "INSERT INTO list_item_removals VALUES (?, ?, ?, ?)", (list_id, now, count, user)
            )
        for import_id, count in due_imports:
            conn.execute("DELETE FROM check_results WHERE import_id = ?", (import_id,))
            conn.execute(
                "INSERT INTO check_result_removals VALUES (?, ?, ?, ?)",
                (import_id, now, count, user),
            )
        _replace_by_checkpoints(conn, runs, decisions_cut, now, user, keying.key)
        outreach_rows = _due_outreach_rows(conn, decisions_cut)
        # Each export whose rows go is recorded, so that its seal's digest is not checked.
        conn.execute(
            "INSERT INTO outreach_item_removals SELECT e.export_seq, ?, count(i.item_key), ? "
            "FROM outreach_exports e JOIN outreach_export_items i USING (export_seq) "
            "WHERE e.exported_at < ? GROUP BY e.export_seq",
            (now, user, decisions_cut),
        )
        conn.execute(f"DELETE FROM outreach_export_items WHERE {_OUTREACH_DUE}", (decisions_cut,))
        conn.execute("DELETE FROM retention_window")
        result = _result(lists_cut, decisions_cut, due_lists, runs, now, results_cut, due_imports)
        result = dataclasses.replace(result, outreach_rows=outreach_rows)
        append_access(conn, now, user, "retention", result.summary(), access_key)
    return result


_OUTREACH_DUE = "export_seq IN (SELECT export_seq FROM outreach_exports WHERE exported_at < ?)"


def _due_outreach_rows(conn: sqlite3.Connection, decisions_cut: str) -> int:
    """How many rows of outreach exports made before the decisions' cut-off are held."""
    query = f"SELECT count(*) FROM outreach_export_items WHERE {_OUTREACH_DUE}"
    return int(conn.execute(query, (decisions_cut,)).fetchone()[0])


def _result(
    lists_cut: str,
    decisions_cut: str,
    due_lists: list[tuple[str, int]],
    runs: list[Run],
    removed_at: str | None = None,
    results_cut: str | None = None,
    due_imports: Sequence[tuple[str, int]] = (),
) -> RetentionResult:
    return RetentionResult(
        lists_cut,
        decisions_cut,
        len(due_lists),
        sum(count for _, count in due_lists),
        sum(len(run) for run in runs),
        len(runs),
        removed_at,
        results_cut,
        len(due_imports),
        sum(count for _, count in due_imports),
    )


def _cut_off_text(moment: datetime, name: str) -> str:
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise WorkbenchError(
            f"{name} must be a timezone-aware datetime (e.g. datetime(2020, 9, 1, tzinfo=UTC)); "
            f"got {moment!r}"
        )
    return utc_text(moment)


def _optional_cut_off(moment: datetime | None) -> str | None:
    return None if moment is None else _cut_off_text(moment, "before_check_results")


def _due_imports(conn: sqlite3.Connection, cut_off: str | None) -> list[tuple[str, int]]:
    """Imports of DfE's results made before the cut-off that still hold results, with how
    many (none without a cut-off)."""
    if cut_off is None:
        return []
    return conn.execute(
        "SELECT i.import_id, count(*) FROM check_imports i JOIN check_results r "
        "USING (import_id) WHERE i.imported_at < ? GROUP BY i.import_id ORDER BY min(i.rowid)",
        (cut_off,),
    ).fetchall()


def _due_lists(conn: sqlite3.Connection, cut_off: str) -> list[tuple[str, int]]:
    """Lists stored before the cut-off that still hold items, with how many."""
    return conn.execute(
        "SELECT l.list_id, count(*) FROM lists l JOIN list_items i USING (list_id) "
        "WHERE l.created_at < ? GROUP BY l.list_id ORDER BY min(l.rowid)",
        (cut_off,),
    ).fetchall()


def _due_runs(conn: sqlite3.Connection, cut_off: str) -> list[Run]:
    """Decisions recorded before the cut-off, as runs of neighbours in the chain.

    Each decision is ``(seq, prev_hash, hash)``; a run ends at a decision that is kept.
    """
    runs: list[Run] = [[]]
    rows = conn.execute(
        "SELECT seq, prev_hash, hash, decided_at < ? FROM decisions ORDER BY seq", (cut_off,)
    )
    for seq, prev_hash, digest, due in rows:
        if due:
            runs[-1].append((seq, prev_hash, digest))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _replace_by_checkpoints(
    conn: sqlite3.Connection,
    runs: list[Run],
    cut_off: str,
    now: str,
    user: str,
    key: bytes | None,
) -> None:
    """Delete each run of decisions and append the sealed checkpoint that bridges it."""
    last = conn.execute("SELECT seal FROM chain_checkpoints ORDER BY checkpoint DESC")
    prev_seal = (last.fetchone() or (GENESIS_HASH,))[0]
    for run in runs:
        (seq_from, from_hash, _), (seq_upto, _, head_hash) = run[0], run[-1]
        conn.execute("DELETE FROM decisions WHERE seq BETWEEN ? AND ?", (seq_from, seq_upto))
        row = dict(
            zip(
                CHECKPOINT_COLUMNS[1:9],
                (seq_from, seq_upto, from_hash, head_hash, len(run), cut_off, now, user),
                strict=True,
            )
        )
        seal = checkpoint_seal(row, prev_seal, key)  # new checkpoints come after keying
        conn.execute(
            f"INSERT INTO chain_checkpoints ({', '.join(CHECKPOINT_COLUMNS[1:])}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*row.values(), prev_seal, seal],
        )
        prev_seal = seal
