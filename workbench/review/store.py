"""The decision store: lists for review, and the append-only, hash-chained human decisions.

One SQLite file (WAL, ``synchronous=FULL``) holds the lists a run proposed, their items (a
pseudonymous key, tier, reason codes, evidence: never a name or an id), and every decision a
reviewer recorded. Decisions are never changed: triggers refuse UPDATE and DELETE, a correction
is a new decision, and each decision carries the SHA-256 of the one before it, so
:meth:`ReviewStore.verify_chain` finds any row edited, removed or inserted behind the
package's back. Every append runs in one ``BEGIN IMMEDIATE`` transaction that reads the chain's
head inside it, so several reviewers (processes) recording at once never fork the chain.

Rows leave the store only through :meth:`ReviewStore.apply_retention`: it removes the items of
lists stored before one cut-off and the decisions recorded before another, in one transaction
that opens a *retention window* (a row the DELETE triggers check) and closes it before
committing, so a DELETE from anywhere else is still refused. Each removed run of decisions is
replaced by a sealed checkpoint (``chain_checkpoints``) that bridges the gap, so
:meth:`ReviewStore.verify_chain` still proves the decisions kept and finds tampering after; the
access log records the counts.

Example
-------
>>> import tempfile, polars as pl
>>> from pathlib import Path
>>> items = pl.DataFrame({"item_key": ["pk_" + "a" * 24], "tier": ["likely"],
...                       "reason_codes": [["income_support"]]})
>>> with ReviewStore(Path(tempfile.mkdtemp()) / "review.sqlite") as store:
...     list_id = store.add_list("r-1", "two_year_old", "two_year_old@2026.1", {}, items)
...     decision = store.record_decision(list_id, "pk_" + "a" * 24, "contact", "A. Officer")
...     store.progress(list_id)["decided"], store.verify_chain().ok
(1, True)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import astuple, dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import polars as pl

from workbench.errors import WorkbenchError
from workbench.review import retention
from workbench.review.keys import PSEUDONYM_PATTERN
from workbench.review.retention import (
    _CHECKPOINT_COLUMNS,  # noqa: F401
    Checkpoint,
    RetentionResult,
    _bridge,
    _broken_checkpoint,
    _cut_off_text,  # noqa: F401
    checkpoint_seal,
)
from workbench.review.schema import (
    _DECISION_LIST,  # noqa: F401
    _REASON_LIST,  # noqa: F401
    BUSY_TIMEOUT_MS,
    DECISIONS,
    GENESIS_HASH,
    LINK_DECISIONS,
    MIGRATIONS,
    OUTCOME_DECISIONS,
    REASON_REQUIRED,
    _append_only,  # noqa: F401
    _refuse_delete_outside_retention,  # noqa: F401
)
from workbench.review.schema import statements as _statements
from workbench.review.schema import utc_text as _utc_text

# The schema (MIGRATIONS, decision names) lives in workbench.review.schema and the retention
# machinery in workbench.review.retention; their names above (the noqa ones too) stay
# importable from here, as before the split.
__all__ = [
    "DECISIONS",
    "GENESIS_HASH",
    "LINK_DECISIONS",
    "OUTCOME_DECISIONS",
    "REASON_REQUIRED",
    "ChainReport",
    "Checkpoint",
    "Decision",
    "RetentionResult",
    "ReviewStore",
    "checkpoint_seal",
    "decision_hash",
]

_DECISION_COLUMNS = (
    "seq",
    "decision_id",
    "list_id",
    "item_key",
    "reviewer",
    "decided_at",
    "decision",
    "reason",
    "prev_hash",
    "hash",
)
_DECISION_SCHEMA = {name: (pl.Int64 if name == "seq" else pl.String) for name in _DECISION_COLUMNS}
_LIST_SCHEMA = {
    "list_id": pl.String,
    "run_id": pl.String,
    "initiative": pl.String,
    "rule_set": pl.String,
    "input_hashes": pl.String,
    "created_at": pl.String,
    "item_count": pl.Int64,
    "items_removed_at": pl.String,
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ITEM_COLUMNS = ("item_key", "tier", "reason_codes", "evidence", "eligible_from")


@dataclass(frozen=True)
class Decision:
    """One recorded decision, exactly as stored (``decided_at`` is UTC ISO 8601 text)."""

    seq: int
    decision_id: str
    list_id: str
    item_key: str
    reviewer: str
    decided_at: str
    decision: str
    reason: str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainReport:
    """What :meth:`ReviewStore.verify_chain` found.

    ``head`` is the hash of the last decision checked: written into a run's manifest, it lets a
    later check notice decisions removed from the end of the chain.
    """

    ok: bool
    checked: int
    first_bad_seq: int | None
    message: str
    head: str = GENESIS_HASH
    removed: int = 0


def decision_hash(fields_: Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 (hex) of the canonical JSON of a decision's fields and the previous hash."""
    payload = {name: fields_[name] for name in _DECISION_COLUMNS[1:8]} | {"prev_hash": prev_hash}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _create_private_file(path: Path) -> None:
    """Create an empty database file owner-only (0600), in an owner-only folder if new."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
        path.parent.chmod(0o700)  # mkdir's mode is filtered by the umask
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


class ReviewStore:
    """The review decision store in one SQLite file, created (owner-only) when missing.

    Parameters
    ----------
    path
        The SQLite file. Its folder is created with mode 0700 when it does not exist.
    clock
        Returns the current time (timezone-aware); tests pass a fixed clock.

    Examples
    --------
    >>> import tempfile
    >>> with ReviewStore(Path(tempfile.mkdtemp()) / "review.sqlite") as store:
    ...     store.lists().height
    0
    """

    def __init__(self, path: str | Path, *, clock: Callable[[], datetime] | None = None) -> None:
        self.path = Path(path)
        self._clock = clock or (lambda: datetime.now(UTC))
        if not self.path.exists():
            _create_private_file(self.path)
        self._conn = sqlite3.connect(
            self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
        )
        try:
            self._configure()
            self._migrate()
        except sqlite3.DatabaseError as error:
            self._conn.close()
            raise WorkbenchError(
                f"{self.path}: cannot be used as a review store ({error}); expected a store "
                "written by the workbench, or a path where a new one can be created"
            ) from None

    # --- connection and schema ---------------------------------------------------------------
    def _configure(self) -> None:
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.DatabaseError(f"could not switch to WAL journal mode (got {mode})")
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.execute("PRAGMA foreign_keys = ON")

    def _migrate(self) -> None:
        with self._immediate() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            current = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version")
            current = current.fetchone()[0]
            if current > len(MIGRATIONS):
                raise WorkbenchError(
                    f"{self.path}: the store has schema version {current} but this workbench "
                    f"knows only up to {len(MIGRATIONS)}; upgrade the workbench"
                )
            applied_at = self._now() if current < len(MIGRATIONS) else None
            for version in range(current + 1, len(MIGRATIONS) + 1):
                for statement in _statements(MIGRATIONS[version - 1]):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version VALUES (?, ?)", (version, applied_at))

    @property
    def schema_version(self) -> int:
        """The number of migrations applied to this store."""
        return self._conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]

    @contextmanager
    def _immediate(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, holding the write lock from its first statement."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _now(self) -> str:
        return _utc_text(self._clock())

    def close(self) -> None:
        """Close the connection; the store stays on disk."""
        self._conn.close()

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- lists ---------------------------------------------------------------------------
    def add_list(
        self,
        run_id: str,
        initiative: str,
        rule_set: str,
        input_hashes: Mapping[str, str],
        items: pl.DataFrame,
    ) -> str:
        """Store a candidate list for review and return its ``list_id``.

        ``items`` has columns ``item_key`` (a pseudonymous key, unique), ``tier`` and
        ``reason_codes`` (list of str, or str joined with ';'), and optionally ``evidence``
        (str), ``eligible_from`` (date or ISO text) and ``link_needs_review`` (bool, default
        false). Adding the same ``run_id`` and ``initiative`` again returns the existing list.
        """
        rows = _item_rows(items)
        list_id = "l-" + hashlib.sha256(json.dumps([run_id, initiative]).encode()).hexdigest()[:16]
        with self._immediate() as conn:
            existing = conn.execute(
                "SELECT list_id, item_count FROM lists WHERE run_id = ? AND initiative = ?",
                (run_id, initiative),
            ).fetchone()
            if existing is not None:
                if existing[1] != len(rows):
                    raise WorkbenchError(
                        f"run {run_id} already has a {initiative} list with {existing[1]} items; "
                        f"got {len(rows)} items for it. A run's list cannot change: re-run "
                        "assess to get a new run id"
                    )
                return existing[0]
            conn.execute(
                "INSERT INTO lists VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    list_id,
                    run_id,
                    initiative,
                    rule_set,
                    json.dumps(dict(sorted(input_hashes.items()))),
                    self._now(),
                    len(rows),
                ),
            )
            conn.executemany(
                "INSERT INTO list_items VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(list_id, *row) for row in rows],
            )
        return list_id

    def lists(self) -> pl.DataFrame:
        """Every stored list, oldest first (``input_hashes`` as JSON text).

        ``item_count`` is the number of items the list was stored with; ``items_removed_at`` is
        when :meth:`apply_retention` removed them (null while they are held).
        """
        rows = self._conn.execute(
            "SELECT l.list_id, l.run_id, l.initiative, l.rule_set, l.input_hashes, l.created_at, "
            "l.item_count, r.removed_at FROM lists l "
            "LEFT JOIN list_item_removals r USING (list_id) ORDER BY l.rowid"
        )
        return pl.DataFrame(rows.fetchall(), schema=_LIST_SCHEMA, orient="row")

    def items(self, list_id: str) -> pl.DataFrame:
        """The items of one list, sorted by ``item_key``, as they were given to add_list."""
        self._require_list(list_id)
        rows = self._conn.execute(
            "SELECT item_key, tier, reason_codes, evidence, eligible_from, link_needs_review "
            "FROM list_items WHERE list_id = ? ORDER BY item_key",
            (list_id,),
        ).fetchall()
        frame = pl.DataFrame(
            rows,
            schema={**dict.fromkeys(_ITEM_COLUMNS, pl.String), "link_needs_review": pl.Int64},
            orient="row",
        )
        return frame.with_columns(
            pl.when(pl.col("reason_codes") == "")
            .then(pl.lit([], dtype=pl.List(pl.String)))
            .otherwise(pl.col("reason_codes").str.split(";"))
            .alias("reason_codes"),
            pl.col("eligible_from").str.to_date("%Y-%m-%d"),
            pl.col("link_needs_review").cast(pl.Boolean),
        )

    def _require_list(self, list_id: str) -> None:
        found = self._conn.execute("SELECT 1 FROM lists WHERE list_id = ?", (list_id,))
        if found.fetchone() is None:
            raise WorkbenchError(
                f"no list {list_id!r} in the review store {self.path}; "
                "`lists()` shows the lists it holds"
            )

    # --- decisions -------------------------------------------------------------------------
    def record_decision(
        self,
        list_id: str,
        item_key: str,
        decision: str,
        reviewer: str,
        reason: str | None = None,
    ) -> Decision:
        """Append one decision about one item and return it as stored.

        Raises
        ------
        WorkbenchError
            For an unknown list or item, an empty reviewer, an unknown decision, or a missing
            reason for ``not_eligible`` / ``link_rejected``.
        """
        return self.record_decisions(
            [
                {
                    "list_id": list_id,
                    "item_key": item_key,
                    "decision": decision,
                    "reviewer": reviewer,
                    "reason": reason,
                }
            ]
        )[0]

    def record_decisions(self, requests: Iterable[Mapping[str, Any]]) -> list[Decision]:
        """Append several decisions all or nothing, in one transaction, in the order given.

        Each mapping has ``list_id``, ``item_key``, ``decision``, ``reviewer`` and optionally
        ``reason``. If any is invalid nothing is recorded; the error names its position.
        """
        checked = [_checked_request(i, r) for i, r in enumerate(requests, start=1)]
        recorded: list[Decision] = []
        with self._immediate() as conn:
            prev_hash = self._chain_head()
            for position, request in enumerate(checked, start=1):
                self._require_item(position, request["list_id"], request["item_key"])
                row = request | {"decision_id": "d-" + uuid.uuid4().hex, "decided_at": self._now()}
                digest = decision_hash(row, prev_hash)
                values = [row[name] for name in _DECISION_COLUMNS[1:8]] + [prev_hash, digest]
                cursor = conn.execute(
                    f"INSERT INTO decisions ({', '.join(_DECISION_COLUMNS[1:])}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    values,
                )
                recorded.append(Decision(cursor.lastrowid, *values))  # type: ignore[arg-type]
                prev_hash = digest
        return recorded

    def _require_item(self, position: int, list_id: str, item_key: str) -> None:
        found = self._conn.execute(
            "SELECT 1 FROM list_items WHERE list_id = ? AND item_key = ?", (list_id, item_key)
        ).fetchone()
        if found is None:
            self._require_list(list_id)
            removed = self._conn.execute(
                "SELECT removed_at FROM list_item_removals WHERE list_id = ?", (list_id,)
            ).fetchone()
            if removed is not None:
                raise WorkbenchError(
                    f"decision {position}: the items of list {list_id!r} were removed under the "
                    f"retention policy on {removed[0][:10]}; decisions can no longer be recorded "
                    "on it. Decide on the item in a current list"
                )
            raise WorkbenchError(
                f"decision {position}: item {item_key!r} is not on list {list_id!r}; "
                "a decision can only be recorded about an item of the list"
            )

    def decisions(
        self, list_id: str | None = None, item_keys: Collection[str] | None = None
    ) -> pl.DataFrame:
        """Every decision (optionally of one list and/or some items), in recording order."""
        where, params = ["1"], []
        if list_id is not None:
            where.append("list_id = ?")
            params.append(list_id)
        if item_keys is not None:
            where.append("item_key IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(item_keys)))
        return self._decision_frame(
            f"SELECT * FROM decisions WHERE {' AND '.join(where)} ORDER BY seq", params
        )

    def latest_decisions(self, list_id: str, among: Collection[str] | None = None) -> pl.DataFrame:
        """The latest decision per item of a list, sorted by ``item_key``.

        A correction is a new decision, so the latest one is what stands. ``among`` limits the
        decisions considered, e.g. ``OUTCOME_DECISIONS`` for whether to contact a family and
        ``LINK_DECISIONS`` for whether its record link was confirmed.
        """
        self._require_list(list_id)
        kinds = list(DECISIONS if among is None else among)
        _check_decision_names(kinds)
        return self._decision_frame(
            "SELECT * FROM decisions WHERE seq IN (SELECT max(seq) FROM decisions "
            "WHERE list_id = ? AND decision IN (SELECT value FROM json_each(?)) "
            "GROUP BY item_key) ORDER BY item_key",
            [list_id, json.dumps(kinds)],
        )

    def earlier_decisions(
        self, item_keys: Collection[str], before_list_id: str | None = None
    ) -> pl.DataFrame:
        """Decisions about these keys on other lists, with each list's run, initiative and date.

        With ``before_list_id``, only lists stored before that one count (next term's list
        shows what was decided last term). Sorted by ``item_key``, then recording order.
        """
        where, params = "", [json.dumps(list(item_keys))]
        if before_list_id is not None:
            self._require_list(before_list_id)
            where = "AND l.rowid < (SELECT rowid FROM lists WHERE list_id = ?)"
            params.append(before_list_id)
        rows = self._conn.execute(
            "SELECT d.*, l.run_id, l.initiative, l.created_at FROM decisions d "
            "JOIN lists l USING (list_id) "
            f"WHERE d.item_key IN (SELECT value FROM json_each(?)) {where} "
            "ORDER BY d.item_key, d.seq",
            params,
        ).fetchall()
        schema = _DECISION_SCHEMA | {
            "run_id": pl.String,
            "initiative": pl.String,
            "list_created_at": pl.String,
        }
        return pl.DataFrame(rows, schema=schema, orient="row")

    def progress(self, list_id: str) -> dict[str, Any]:
        """How far review of a list has got.

        Returns ``{"decided": n, "undecided": n, "by_decision": {decision: n, ...}}``: an item
        is decided when any decision has been recorded about it, and ``by_decision`` counts the
        items by their latest decision (every decision name is present, 0 when unused).
        """
        latest = self.latest_decisions(list_id)
        total = self._conn.execute(
            "SELECT item_count FROM lists WHERE list_id = ?", (list_id,)
        ).fetchone()[0]
        counts = dict(latest.group_by("decision").len().iter_rows())
        return {
            "decided": latest.height,
            "undecided": total - latest.height,
            "by_decision": {name: counts.get(name, 0) for name in DECISIONS},
        }

    def _decision_frame(self, sql: str, params: Sequence[Any]) -> pl.DataFrame:
        rows = self._conn.execute(sql, params).fetchall()
        return pl.DataFrame(rows, schema=_DECISION_SCHEMA, orient="row")

    # --- integrity -------------------------------------------------------------------------
    def _chain_head(self) -> str:
        """The hash the next decision chains from: the last decision's, or the last removed."""
        last = self._conn.execute("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1")
        removed = self._conn.execute(
            "SELECT seq_upto, head_hash FROM chain_checkpoints ORDER BY seq_upto DESC LIMIT 1"
        )
        heads = [row for row in (last.fetchone(), removed.fetchone()) if row is not None]
        return max(heads)[1] if heads else GENESIS_HASH

    def _sequence(self, table: str) -> int:
        counter = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,))
        found = counter.fetchone()
        return found[0] if found else 0

    def checkpoints(self) -> list[Checkpoint]:
        """The chain checkpoints left by :meth:`apply_retention`, oldest first."""
        return retention.checkpoints(self._conn)

    def verify_chain(self) -> ChainReport:
        """Recompute every decision's hash and link; report the first that does not hold.

        Finds a decision edited, removed from the middle, inserted or reordered, and decisions
        removed from the end while the table's sequence counter still remembers them. Compare
        ``head`` with a value saved earlier to catch removal from the end by someone who also
        rewound the counter. Decisions removed by :meth:`apply_retention` are bridged by their
        sealed checkpoints (``removed`` counts them); a checkpoint edited, removed or inserted
        breaks the chain like a decision would.
        """
        checkpoints = self.checkpoints()
        broken = _broken_checkpoint(checkpoints, self._sequence("chain_checkpoints"))
        if broken is not None:
            return ChainReport(False, 0, *broken)
        bridges = {c.from_hash: c for c in checkpoints}
        prev_hash, checked, last_seq = GENESIS_HASH, 0, 0
        for row in self._conn.execute("SELECT * FROM decisions ORDER BY seq"):
            stored = Decision(*row)
            checked += 1
            if stored.prev_hash != prev_hash:
                prev_hash, last_seq = _bridge(bridges, prev_hash, last_seq, stored)
            problem = None
            if stored.prev_hash != prev_hash:
                problem = "its prev_hash is not the hash of the decision before it "
                problem += "(a decision was removed, inserted or reordered)"
            elif decision_hash(_as_dict(stored), prev_hash) != stored.hash:
                problem = "its fields do not match its hash (it was edited after recording)"
            if problem:
                return ChainReport(False, checked, stored.seq, f"seq {stored.seq}: {problem}")
            prev_hash, last_seq = stored.hash, stored.seq
        prev_hash, last_seq = _bridge(bridges, prev_hash, last_seq, None)
        counter = self._sequence("decisions")
        if counter > last_seq:
            return ChainReport(
                False,
                checked,
                last_seq + 1,
                f"decisions after seq {last_seq} up to {counter} were removed",
                prev_hash,
            )
        removed = sum(c.count for c in checkpoints)
        message = f"{checked} decisions, chain intact"
        if checkpoints:
            message += (
                f"; {removed} earlier decisions removed under retention, bridged by "
                f"{len(checkpoints)} checkpoints"
            )
        return ChainReport(True, checked, None, message, prev_hash, removed)

    # --- retention -------------------------------------------------------------------------
    def retention_due(self, before_lists: datetime, before_decisions: datetime) -> RetentionResult:
        """What :meth:`apply_retention` with these cut-offs would remove now; removes nothing."""
        return retention.retention_due(self, before_lists, before_decisions)

    def apply_retention(
        self, before_lists: datetime, before_decisions: datetime, *, user: str
    ) -> RetentionResult:
        """Remove the items of lists stored before ``before_lists`` and the decisions recorded
        before ``before_decisions``, in one transaction, and log the counts.

        The list rows stay (with ``item_count``) and are marked ``items_removed_at``. Each run
        of removed decisions is replaced by a sealed :class:`Checkpoint`, so
        :meth:`verify_chain` still proves the decisions kept and finds any tampering after.
        This is the only way rows leave the store: the DELETE triggers let them go only while
        this method's transaction holds its retention window open. The access log gets one
        line with the counts and cut-offs (``command`` ``retention``).

        Raises
        ------
        WorkbenchError
            For an empty ``user``, a cut-off without a timezone, or a store whose decision
            chain does not verify (nothing is removed from it: investigate first).

        Examples
        --------
        >>> import tempfile
        >>> from datetime import timedelta
        >>> key = "pk_" + "b" * 24
        >>> items = pl.DataFrame({"item_key": [key], "tier": ["likely"], "reason_codes": [["x"]]})
        >>> with ReviewStore(Path(tempfile.mkdtemp()) / "review.sqlite") as store:
        ...     list_id = store.add_list("r-1", "two_year_old", "two_year_old@1", {}, items)
        ...     _ = store.record_decision(list_id, key, "defer", "A. Officer")
        ...     later = datetime.now(UTC) + timedelta(days=1)
        ...     done = store.apply_retention(later, later, user="records.officer")
        ...     (done.list_items, done.decisions, done.checkpoints), store.verify_chain().ok
        ((1, 1, 1), True)
        """
        return retention.apply_retention(self, before_lists, before_decisions, user=user)

    # --- access log ------------------------------------------------------------------------
    def log_access(self, user: str, command: str, detail: str = "") -> None:
        """Append who ran which command on the store, and on what (no personal data)."""
        if not user.strip():
            raise WorkbenchError("log_access needs the user's name; got an empty user")
        with self._immediate() as conn:
            conn.execute(
                "INSERT INTO access_log (at, user, command, detail) VALUES (?, ?, ?, ?)",
                (self._now(), user, command, detail),
            )

    def access_log(self) -> pl.DataFrame:
        """The access log, oldest first."""
        rows = self._conn.execute("SELECT seq, at, user, command, detail FROM access_log")
        schema = {"seq": pl.Int64, "at": pl.String, "user": pl.String}
        schema |= {"command": pl.String, "detail": pl.String}
        return pl.DataFrame(rows.fetchall(), schema=schema, orient="row")


def _as_dict(decision: Decision) -> dict[str, Any]:
    return dict(zip([f.name for f in fields(decision)], astuple(decision), strict=True))


def _check_decision_names(names: Iterable[str]) -> None:
    unknown = sorted(set(names) - set(DECISIONS))
    if unknown:
        raise WorkbenchError(
            f"unknown decision {unknown[0]!r}; expected one of: {', '.join(DECISIONS)}"
        )


def _checked_request(position: int, request: Mapping[str, Any]) -> dict[str, Any]:
    """One decision request validated and normalised, or an error naming its position."""
    missing = [k for k in ("list_id", "item_key", "decision", "reviewer") if k not in request]
    if missing:
        raise WorkbenchError(f"decision {position}: missing {', '.join(missing)}")
    decision = request["decision"]
    if decision not in DECISIONS:
        raise WorkbenchError(
            f"decision {position}: unknown decision {decision!r}; "
            f"expected one of: {', '.join(DECISIONS)}"
        )
    reviewer = str(request["reviewer"] or "").strip()
    if not reviewer:
        raise WorkbenchError(
            f"decision {position}: the reviewer's name is required; got an empty reviewer"
        )
    reason = str(request.get("reason") or "").strip() or None
    if decision in REASON_REQUIRED and reason is None:
        raise WorkbenchError(
            f"decision {position}: a {decision} decision needs a reason saying why; got none"
        )
    return {
        "list_id": request["list_id"],
        "item_key": request["item_key"],
        "reviewer": reviewer,
        "decision": decision,
        "reason": reason,
    }


def _item_rows(items: pl.DataFrame) -> list[tuple[Any, ...]]:
    """The rows for list_items, validated: pseudonymous unique keys, tiers, ISO dates."""
    missing = [c for c in ("item_key", "tier", "reason_codes") if c not in items.columns]
    if missing:
        raise WorkbenchError(
            f"list items are missing column(s) {', '.join(missing)}; expected item_key, tier, "
            "reason_codes and optionally evidence, eligible_from, link_needs_review"
        )
    frame = items.select(
        pl.col("item_key").cast(pl.String),
        pl.col("tier").cast(pl.String),
        _joined_reasons(items),
        _optional_text(items, "evidence"),
        _optional_text(items, "eligible_from"),
        (
            pl.col("link_needs_review").cast(pl.Boolean).fill_null(False).cast(pl.Int64)
            if "link_needs_review" in items.columns
            else pl.lit(0, dtype=pl.Int64).alias("link_needs_review")
        ),
    )
    rows = frame.rows()
    seen: set[str] = set()
    for number, (key, tier, reasons, _, eligible_from, _) in enumerate(rows, start=1):
        _check_item(number, key, tier, reasons, eligible_from, seen)
        seen.add(key)
    return rows


def _joined_reasons(items: pl.DataFrame) -> pl.Expr:
    """Reason codes as one ';'-joined text; a listed code that is empty or holds ';' is refused."""
    column = pl.col("reason_codes")
    if not isinstance(items.schema["reason_codes"], pl.List):
        return column.cast(pl.String).fill_null("")
    unsplittable = items.select(
        column.list.eval((pl.element() == "") | pl.element().str.contains(";", literal=True))
        .list.any()
        .fill_null(False)
        .arg_true()
    ).to_series()
    if unsplittable.len():
        raise WorkbenchError(
            f"list items, row {unsplittable[0] + 1}: reason_codes has an empty code or a code "
            "holding ';'; expected codes like 'income_support', each non-empty, without ';'"
        )
    return column.list.join(";").fill_null("")


def _optional_text(items: pl.DataFrame, name: str) -> pl.Expr:
    if name not in items.columns:
        return pl.lit(None, dtype=pl.String).alias(name)
    if items.schema[name] == pl.Date:
        return pl.col(name).dt.strftime("%Y-%m-%d")
    return pl.col(name).cast(pl.String)


def _check_item(
    number: int, key: Any, tier: Any, reasons: str, eligible_from: Any, seen: set[str]
) -> None:
    where = f"list items, row {number}"
    if key is None or not PSEUDONYM_PATTERN.match(key):
        # The value is not echoed: it may be a person id that must not reach a log.
        raise WorkbenchError(
            f"{where}: item_key must be a pseudonymous key ('pk_' and 24 hex digits, from "
            "workbench.review.pseudonym); got something else. Never store names or ids"
        )
    if key in seen:
        raise WorkbenchError(f"{where}: item_key {key} appears twice; each item once")
    if not tier:
        raise WorkbenchError(f"{where}: tier is empty; expected e.g. 'likely' or 'possible'")
    if any(code == "" for code in reasons.split(";")) and reasons != "":
        raise WorkbenchError(
            f"{where}: reason_codes has an empty code or a code holding ';'; "
            "expected codes like 'income_support', each non-empty and without ';'"
        )
    if eligible_from is not None:
        try:
            if not _ISO_DATE.match(eligible_from):
                raise ValueError
            date.fromisoformat(eligible_from)
        except ValueError:
            raise WorkbenchError(
                f"{where}: eligible_from must be a date like 2026-09-01; got {eligible_from!r}"
            ) from None
