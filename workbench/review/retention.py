"""Retention inside the review store: removing expired rows and bridging the decision chain.

:meth:`ReviewStore.apply_retention <workbench.review.store.ReviewStore.apply_retention>` removes
the items of lists stored before one cut-off and the decisions recorded before another, in one
transaction that opens a *retention window* (a row the DELETE triggers check) and closes it
before committing. Each removed run of decisions is replaced by a sealed :class:`Checkpoint`
(``chain_checkpoints``): ``from_hash`` and ``head_hash`` bridge the gap in the chain, and each
seal covers the checkpoint before it, so :meth:`ReviewStore.verify_chain` still proves the
decisions kept. The functions here take the store (or its connection) as an argument; the
store's methods are the public way in.

Examples
--------
>>> fields_ = {"seq_from": 1, "seq_upto": 2, "from_hash": "0" * 64, "head_hash": "a" * 64,
...            "count": 2, "before": "2020-01-01T00:00:00.000000Z",
...            "removed_at": "2026-01-01T00:00:00.000000Z", "user": "records.officer"}
>>> len(checkpoint_seal(fields_, GENESIS_HASH))
64
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from workbench.errors import WorkbenchError
from workbench.review.schema import GENESIS_HASH, utc_text

if TYPE_CHECKING:
    from workbench.review.store import ReviewStore

__all__ = [
    "Checkpoint",
    "RetentionResult",
    "apply_retention",
    "checkpoint_seal",
    "checkpoints",
    "retention_due",
]

Run = list[tuple[int, str, str]]


@dataclass(frozen=True)
class Checkpoint:
    """A run of decisions removed under retention, as stored in ``chain_checkpoints``.

    ``from_hash`` is the ``prev_hash`` of the first decision removed and ``head_hash`` the hash
    of the last, so the chain is bridged across the gap; ``seal`` is the SHA-256 of the other
    fields and the previous checkpoint's seal (``prev_seal``), so a checkpoint edited, removed or
    inserted afterwards shows.
    """

    checkpoint: int
    seq_from: int
    seq_upto: int
    from_hash: str
    head_hash: str
    count: int
    before: str
    removed_at: str
    user: str
    prev_seal: str
    seal: str


@dataclass(frozen=True)
class RetentionResult:
    """What :meth:`ReviewStore.apply_retention` removed (or would remove): counts only.

    ``lists`` counts the lists whose items went (the list rows stay, with their counts),
    ``checkpoints`` the chain checkpoints that replace the removed runs of decisions.
    ``removed_at`` is None for :meth:`ReviewStore.retention_due`, which removes nothing.
    """

    before_lists: str
    before_decisions: str
    lists: int
    list_items: int
    decisions: int
    checkpoints: int
    removed_at: str | None = None

    def summary(self) -> str:
        """One line for the access log: counts and cut-offs, never an id."""
        return (
            f"removed {self.list_items} list items of {self.lists} lists created before "
            f"{self.before_lists}; {self.decisions} decisions recorded before "
            f"{self.before_decisions}, bridged by {self.checkpoints} chain checkpoints"
        )


class _Linked(Protocol):
    """A decision as :func:`_bridge` needs it (a ``workbench.review.store.Decision``)."""

    seq: int
    prev_hash: str


_CHECKPOINT_COLUMNS = tuple(f.name for f in fields(Checkpoint))


def checkpoint_seal(fields_: Mapping[str, Any], prev_seal: str) -> str:
    """SHA-256 (hex) of the canonical JSON of a checkpoint's fields and the previous seal."""
    payload = {name: fields_[name] for name in _CHECKPOINT_COLUMNS[1:9]} | {"prev_seal": prev_seal}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def checkpoints(conn: sqlite3.Connection) -> list[Checkpoint]:
    """The chain checkpoints left by retention in the store behind ``conn``, oldest first."""
    rows = conn.execute("SELECT * FROM chain_checkpoints ORDER BY checkpoint")
    return [Checkpoint(*row) for row in rows]


def retention_due(
    store: ReviewStore, before_lists: datetime, before_decisions: datetime
) -> RetentionResult:
    """What :func:`apply_retention` with these cut-offs would remove now; removes nothing."""
    lists_cut = _cut_off_text(before_lists, "before_lists")
    decisions_cut = _cut_off_text(before_decisions, "before_decisions")
    due_lists = _due_lists(store._conn, lists_cut)
    runs = _due_runs(store._conn, decisions_cut)
    return _result(lists_cut, decisions_cut, due_lists, runs)


def apply_retention(
    store: ReviewStore, before_lists: datetime, before_decisions: datetime, *, user: str
) -> RetentionResult:
    """The body of :meth:`ReviewStore.apply_retention` (see there), for ``store``."""
    if not user.strip():
        raise WorkbenchError("apply_retention needs the user's name; got an empty user")
    lists_cut = _cut_off_text(before_lists, "before_lists")
    decisions_cut = _cut_off_text(before_decisions, "before_decisions")
    with store._immediate() as conn:
        report = store.verify_chain()
        if not report.ok:
            raise WorkbenchError(
                f"{store.path}: the decision chain does not verify ({report.message}); "
                "retention removes nothing from a store whose chain is broken. Investigate "
                "with `workbench assure --store` first"
            )
        now = store._now()
        due_lists = _due_lists(conn, lists_cut)
        runs = _due_runs(conn, decisions_cut)
        conn.execute("INSERT INTO retention_window VALUES (1, ?)", (now,))
        for list_id, count in due_lists:
            conn.execute("DELETE FROM list_items WHERE list_id = ?", (list_id,))
            conn.execute(
                "INSERT INTO list_item_removals VALUES (?, ?, ?, ?)", (list_id, now, count, user)
            )
        _replace_by_checkpoints(conn, runs, decisions_cut, now, user)
        conn.execute("DELETE FROM retention_window")
        result = _result(lists_cut, decisions_cut, due_lists, runs, now)
        conn.execute(
            "INSERT INTO access_log (at, user, command, detail) VALUES (?, ?, ?, ?)",
            (now, user, "retention", result.summary()),
        )
    return result


def _result(
    lists_cut: str,
    decisions_cut: str,
    due_lists: list[tuple[str, int]],
    runs: list[Run],
    removed_at: str | None = None,
) -> RetentionResult:
    return RetentionResult(
        lists_cut,
        decisions_cut,
        len(due_lists),
        sum(count for _, count in due_lists),
        sum(len(run) for run in runs),
        len(runs),
        removed_at,
    )


def _cut_off_text(moment: datetime, name: str) -> str:
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise WorkbenchError(
            f"{name} must be a timezone-aware datetime (e.g. datetime(2020, 9, 1, tzinfo=UTC)); "
            f"got {moment!r}"
        )
    return utc_text(moment)


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
    conn: sqlite3.Connection, runs: list[Run], cut_off: str, now: str, user: str
) -> None:
    """Delete each run of decisions and append the sealed checkpoint that bridges it."""
    last = conn.execute("SELECT seal FROM chain_checkpoints ORDER BY checkpoint DESC")
    prev_seal = (last.fetchone() or (GENESIS_HASH,))[0]
    for run in runs:
        (seq_from, from_hash, _), (seq_upto, _, head_hash) = run[0], run[-1]
        conn.execute("DELETE FROM decisions WHERE seq BETWEEN ? AND ?", (seq_from, seq_upto))
        row = dict(
            zip(
                _CHECKPOINT_COLUMNS[1:9],
                (seq_from, seq_upto, from_hash, head_hash, len(run), cut_off, now, user),
                strict=True,
            )
        )
        seal = checkpoint_seal(row, prev_seal)
        conn.execute(
            f"INSERT INTO chain_checkpoints ({', '.join(_CHECKPOINT_COLUMNS[1:])}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*row.values(), prev_seal, seal],
        )
        prev_seal = seal


def _bridge(
    bridges: Mapping[str, Checkpoint], prev_hash: str, last_seq: int, next_kept: _Linked | None
) -> tuple[str, int]:
    """Follow checkpoints from ``prev_hash`` across removed runs that lie between the last
    decision checked and ``next_kept`` (to the end when None), until its ``prev_hash`` is met.

    Returns the hash and seq the chain has reached.
    """
    while next_kept is None or prev_hash != next_kept.prev_hash:
        found = bridges.get(prev_hash)
        if found is None or found.seq_from <= last_seq:
            break
        if next_kept is not None and found.seq_upto >= next_kept.seq:
            break
        prev_hash, last_seq = found.head_hash, found.seq_upto
    return prev_hash, last_seq


def _broken_checkpoint(
    checkpoints_: list[Checkpoint], counter: int
) -> tuple[int | None, str] | None:
    """The first checkpoint edited, removed or inserted since it was sealed, as
    ``(first_bad_seq, message)`` for a failing chain report; None when all hold.
    """
    prev_seal, last = GENESIS_HASH, 0
    for found in checkpoints_:
        problem = None
        if found.prev_seal != prev_seal:
            problem = "its prev_seal is not the seal of the checkpoint before it "
            problem += "(a checkpoint was removed, inserted or reordered)"
        elif checkpoint_seal(asdict(found), prev_seal) != found.seal:
            problem = "its fields do not match its seal (it was edited after retention)"
        if problem:
            message = f"checkpoint {found.checkpoint} (seq {found.seq_from}-{found.seq_upto}): "
            return found.seq_from, message + problem
        prev_seal, last = found.seal, found.checkpoint
    if counter > last:
        return None, f"chain checkpoints after {last} up to {counter} were removed"
    return None
