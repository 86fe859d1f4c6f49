"""The decision store: lists for review, and the append-only, hash-chained human decisions.

One SQLite file (WAL, ``synchronous=FULL``) holds the lists a run proposed, their items (a
pseudonymous key, tier, reason codes, evidence: never a name or an id), and every decision a
reviewer recorded. Decisions are never changed: triggers refuse UPDATE and DELETE, a correction
is a new decision, and each decision carries the SHA-256 of the one before it, so
:meth:`ReviewStore.verify_chain` finds any row edited, removed or inserted behind the
package's back. Every append runs in one ``BEGIN IMMEDIATE`` transaction that reads the chain's
head inside it, so several reviewers (processes) recording at once never fork the chain.

Rows leave the store only through :meth:`ReviewStore.apply_retention`: it removes the items of lists
stored before one cut-off, the decisions recorded before another and DfE's check results imported
before a third, in one transaction that opens a *retention window* (a row the DELETE triggers check)
and closes it before committing, so a DELETE from anywhere else is still refused. Each removed run
of decisions is replaced by a sealed checkpoint (``chain_checkpoints``) that bridges the gap, so
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

import contextlib
import hashlib
import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import polars as pl

from workbench.errors import WorkbenchError
from workbench.governance.access import current_user
from workbench.private_files import private_folder_for
from workbench.review import chain, queries, retention
from workbench.review.access_log import (
    ACCESS_LOG_SUFFIX,
    MIGRATE_COMMAND,
    AccessLogReport,
    access_head_log,
    append_access,
    append_line,
    last_access,
    log_access_head,
    migrate_detail,
    migration_problems,
    start_sealing,
    verify_access_log,
)
from workbench.review.chain import (
    DECISION_COLUMNS,
    ChainReport,
    Checkpoint,
    Decision,
    checkpoint_seal,
    decision_hash,
)
from workbench.review.inputs import checked_request, item_rows
from workbench.review.keys import load_key
from workbench.review.list_seals import (
    HELD_COLUMN,
    ITEM_COLUMNS,
    seal_list,
    seal_unsealed,
    verify_list,
    verify_lists,
)
from workbench.review.offers import checked_by_dfe
from workbench.review.retention import RetentionResult
from workbench.review.schema import (
    BUSY_TIMEOUT_MS,
    DECISIONS,
    FIELD_KEYS_VERSION,
    GENESIS_HASH,
    HELD_REASON_VERSION,
    KEYED_CHAIN_VERSION,
    LINK_DECISIONS,
    LIST_FILES_VERSION,
    MIGRATIONS,
    OUTCOME_DECISIONS,
    PROPOSED_MATCH_VERSION,
    REASON_REQUIRED,
    SEALED_ACCESS_VERSION,
    SEALED_IMPORTS_VERSION,
    SEALED_LISTS_VERSION,
    configure,
    immediate,
    refuse_unnamed_user,
    statements,
    utc_text,
)

# The schema (MIGRATIONS, decision names) is workbench.review.schema's, the hash chain and its
# checkpoints workbench.review.chain's, retention workbench.review.retention's, the checks on
# items and decision requests workbench.review.inputs' and the read queries
# workbench.review.queries'; each takes this store's connection (and clock). This module keeps
# the connection, the migrations and every write, and is the public way in.
HEAD_LOG_SUFFIX = ".heads"
# Beside it, the seal of each check import as it was recorded (`verify_check_results`).
IMPORT_LOG_SUFFIX = ".imports"

__all__ = [
    "DECISIONS",
    "GENESIS_HASH",
    "HEAD_LOG_SUFFIX",
    "IMPORT_LOG_SUFFIX",
    "LINK_DECISIONS",
    "OUTCOME_DECISIONS",
    "REASON_REQUIRED",
    "ChainReport",
    "CheckResultsReport",
    "Checkpoint",
    "Decision",
    "RetentionResult",
    "ReviewStore",
    "StaleCheckResults",
    "checkpoint_seal",
    "decision_hash",
    "existing_store",
]


def existing_store(path: str | Path) -> Path:
    """`path`, refused when no review store is there: only registering a list (`review
    export`) makes a store; a command acting on decisions (import, outreach, checks, the
    app) given a mistyped path would otherwise make an empty one and find nothing."""
    path = Path(path)
    if not path.is_file():
        raise WorkbenchError(
            f"{path}: no review store there; expected the store the list was registered in "
            "(a store is made by `workbench review export --store ... --list ...`)"
        )
    if missing := _logs_missing(path):
        # Its writes could not be logged (a deleted log is never made anew), and an export from
        # a copy would be recorded in no store the council audits.
        raise WorkbenchError(
            f"{path}: its log {' and '.join(m for m, _ in missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing, while it holds "
            f"{' and '.join(what for _, what in missing)}; a store copied or restored without "
            "its logs cannot be checked (`workbench assure --store`), so nothing is done with "
            "it. Restore them from the same backup as the store, or copy them with it"
        )
    return path


def _logs_missing(path: Path) -> list[tuple[str, str]]:
    """The logs beside the store at `path` that are missing while it holds what they log
    (decisions for ``.heads``, sealed access-log lines for ``.access``, sealed check imports
    for ``.imports``), each with what it holds; read-only, without migrating the store."""
    logs = (
        (HEAD_LOG_SUFFIX, "SELECT count(*) FROM decisions", "decision(s)"),
        (ACCESS_LOG_SUFFIX, "SELECT count(*) FROM access_log WHERE seal IS NOT NULL",
         "access-log line(s)"),
        (IMPORT_LOG_SUFFIX, "SELECT count(*) FROM check_imports WHERE seal IS NOT NULL",
         "check import(s)"),
    )  # fmt: skip
    wanted = [log for log in logs if not path.with_name(path.name + log[0]).is_file()]
    if not wanted:
        return []
    missing = []
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return []  # not a database: opening it says so
    try:
        for suffix, query, what in wanted:
            try:
                held = conn.execute(query).fetchone()[0]
            except sqlite3.Error:  # a store from before the log (no such table or column)
                continue
            if held:
                missing.append((path.name + suffix, f"{held} {what}"))
    finally:
        conn.close()
    return missing


def _create_private_file(path: Path) -> None:
    """Create an empty database file owner-only (0600), in an owner-only folder if new."""
    if path.is_symlink():  # a dangling link: creating the store would write through it
        raise WorkbenchError(
            f"{path}: is a symbolic link to {os.readlink(path)}, which does not exist; "
            "give the store's real path (a new store is never created through a link)"
        )
    private_folder_for(path)  # every new folder above it owner-only, not only the innermost
    with contextlib.suppress(FileExistsError):  # another process created it a moment ago
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))


_ITEM_COLUMNS = ("list_id", *ITEM_COLUMNS, HELD_COLUMN)


def _insert_items(version: int) -> tuple[str, int]:
    """The INSERT of a list's items into a store of schema `version`, and how many values
    of a row it takes (`proposed_key` from `PROPOSED_MATCH_VERSION` on, `held_because` from
    `HELD_REASON_VERSION` on)."""
    columns: tuple[str, ...] = _ITEM_COLUMNS
    if version < HELD_REASON_VERSION:
        columns = columns[:-1]
    if version < PROPOSED_MATCH_VERSION:
        columns = columns[:-1]
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO list_items ({', '.join(columns)}) VALUES ({marks})", len(columns)


class StaleCheckResults(WorkbenchError):
    """Results refused by :meth:`ReviewStore.record_check_results`, nothing recorded: for each
    row in ``rows`` (``row_number``, the answer ``given``, and the later import's
    ``dfe_outcome``, ``import_id``, ``file_name``, ``imported_at``, ``imported_by``), the
    answer given was recorded by an earlier import, and a later import recorded another."""

    def __init__(self, export_id: str, rows: list[dict[str, Any]]) -> None:
        self.export_id = export_id
        self.rows = rows
        first = rows[0]
        super().__init__(
            f"check export {export_id}: {len(rows)} row(s) answered as an earlier import "
            f"answered them, since answered otherwise (row {first['row_number']}: "
            f"{first['dfe_outcome']!r} from {first['file_name']}, imported on "
            f"{first['imported_at'][:10]} by {first['imported_by']}); nothing was recorded"
        )


@dataclass(frozen=True)
class CheckResultsReport:
    """What :meth:`ReviewStore.verify_check_results` found: ``sealed`` imports checked,
    ``unsealed`` ones recorded before sealing, and each ``problem`` (naming the import)."""

    ok: bool
    sealed: int
    unsealed: int
    problems: tuple[str, ...] = ()


class ReviewStore:
    """The review decision store in one SQLite file, created (owner-only) when missing.

    Parameters
    ----------
    path
        The SQLite file. Its folder is created with mode 0700 when it does not exist.
    clock
        Returns the current time (timezone-aware); tests pass a fixed clock.
    key
        The pseudonym key (default: `workbench.review.keys.load_key`); the decision chain is
        keyed with a key derived from it.
    key_must_match
        Refuse (WorkbenchError) a store whose chain is keyed with another key, or whose record
        of its keying was removed, at once, with a message saying so (the default). False
        opens it anyway, for a caller that reports on the store (`verify_chain` then says
        what is wrong); its access log is then not sealed anew (migration 9) under that key.

    Examples
    --------
    >>> import tempfile
    >>> with ReviewStore(Path(tempfile.mkdtemp()) / "review.sqlite") as store:
    ...     store.lists().height
    0
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Callable[[], datetime] | None = None,
        key: bytes | None = None,
        key_must_match: bool = True,
    ) -> None:
        self.path = Path(path)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._key = chain.chain_key(key if key is not None else load_key())
        self._joined = False  # inside `write_transaction`: the store's writes join it
        self._head_due = False  # a decision was appended in it: log the head at commit
        self._access_due = False  # and an access-log line: log the access log's last line
        if not self.path.exists():
            _create_private_file(self.path)
            # The logs beside it from the start: a crash after the first commit, before its
            # line, leaves an empty log (nothing to compare), not a missing one, which says
            # the log was deleted.
            for log in (self.head_log, self.import_log, self.access_head_log):
                self._append_line(log, "")
        self._conn = sqlite3.connect(
            self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
        )
        try:
            configure(self._conn)
            self._migrate(key_must_match)
            if key_must_match and self.schema_version >= KEYED_CHAIN_VERSION:
                # Refused here, before anything else: under another key every child's item
                # key is another pseudonym, and each later check would blame the list, the
                # workbook or a locked cell instead.
                self._keying()
        except sqlite3.DatabaseError as error:
            self._conn.close()
            raise WorkbenchError(
                f"{self.path}: cannot be used as a review store ({error}); expected a store "
                "written by the workbench, or a path where a new one can be created"
            ) from None
        except WorkbenchError:
            self._conn.close()
            raise

    # --- connection and schema ---------------------------------------------------------------
    def _migrate(self, key_must_match: bool = True) -> None:
        before = SEALED_ACCESS_VERSION
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
            before, sealed_lists = current, 0
            for version in range(current + 1, len(MIGRATIONS) + 1):
                for statement in statements(MIGRATIONS[version - 1]):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version VALUES (?, ?)", (version, applied_at))
                # Never sealed under a key the store was not made with, key_must_match or not:
                # `assure` with the wrong key once sealed an old store's lists for good under
                # it (an auditor's case). Refused, the migration writes nothing.
                if version == SEALED_ACCESS_VERSION:  # seal the access log from here on
                    self._keying()
                    start_sealing(conn, self._key)
                if version == SEALED_LISTS_VERSION:  # seal the lists stored so far
                    self._keying()
                    sealed_lists = seal_unsealed(conn, self._key)
                if version == KEYED_CHAIN_VERSION:  # key the chain from here on
                    conn.execute(
                        "INSERT INTO chain_key VALUES (1, ?, ?, ?, ?)",
                        (
                            chain.sequence_counter(conn, "decisions"),
                            chain.sequence_counter(conn, "chain_checkpoints"),
                            chain.key_fingerprint(self._key),
                            applied_at,
                        ),
                    )
            if 0 < before < len(MIGRATIONS) and len(MIGRATIONS) >= SEALED_ACCESS_VERSION:
                # A store made earlier, migrated: said in its sealed log, so that a schema set
                # back and migrated again (its lists sealed afresh as they then stood) shows
                # (`migration_problems`).
                append_access(
                    conn,
                    applied_at or self._now(),
                    current_user(),
                    MIGRATE_COMMAND,
                    migrate_detail(before, len(MIGRATIONS), sealed_lists),
                    self._key,
                )
                self._access_due = True
        if before < SEALED_ACCESS_VERSION <= len(MIGRATIONS):  # its log, from now on
            self._append_line(self.access_head_log, "")
        self._log_access_head()

    def _keying(self) -> chain.Keying:
        """How this store's chain is keyed; refuses a key other than the one it was keyed
        with, and a store whose record of its keying was removed."""
        found = self._conn.execute(
            "SELECT since_seq, since_checkpoint, fingerprint FROM chain_key"
        ).fetchone()
        if found is None:
            raise WorkbenchError(
                f"{self.path}: the record of the decision chain's key (table chain_key) was "
                "removed; the chain cannot be trusted. Investigate with `workbench assure "
                "--store`"
            )
        since_seq, since_checkpoint, fingerprint = found
        if fingerprint != chain.key_fingerprint(self._key):
            raise WorkbenchError(
                f"{self.path}: the decision chain is keyed with another key (fingerprint "
                f"{fingerprint}; this machine's key has {chain.key_fingerprint(self._key)}). "
                "Use the pseudonym key the store was made with: set WORKBENCH_KEY_FILE to it"
            )
        return chain.Keying(self._key, since_seq, since_checkpoint)

    @property
    def schema_version(self) -> int:
        """The number of migrations applied to this store."""
        return cast(
            int, self._conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        )

    def _immediate(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction, holding the write lock from its first statement; inside
        `write_transaction`, that one."""
        if self._joined:
            return contextlib.nullcontext(self._conn)
        return immediate(self._conn)

    @contextlib.contextmanager
    def write_transaction(self) -> Iterator[None]:
        """One write transaction (``BEGIN IMMEDIATE``) that the decisions and access-log lines
        recorded inside it join: what is read in it cannot change before they commit, all or
        nothing, so a check made in it still holds when they land (an import refusing a row
        decided on since its workbook was exported). Rolled back on any error. Not nested."""
        if self._joined:
            raise WorkbenchError("write_transaction is already open on this store")
        self._joined, self._head_due, self._access_due = True, False, False
        try:
            with immediate(self._conn):
                yield
            head_due, access_due = self._head_due, self._access_due
        finally:
            self._joined = self._head_due = self._access_due = False
        if head_due:  # only once the decisions are committed
            self._log_head()
        if access_due:
            self._write_access_head()

    def _now(self) -> str:
        return utc_text(self._clock())

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
    def record_list_file(self, list_id: str, sha256: str) -> None:
        """Record the SHA-256 of the file `list_id` was registered from, once: the first
        registration's stands (`list_file_sha256`), dated as the list was stored. Nothing
        for a store of an earlier schema (`LIST_FILES_VERSION`)."""
        if self.schema_version < LIST_FILES_VERSION:
            return
        with self._immediate() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO list_files "
                "SELECT list_id, ?, created_at FROM lists WHERE list_id = ?",
                (sha256, list_id),
            )

    def list_file_sha256(self, list_id: str) -> tuple[str, str] | None:
        """The SHA-256 of the file `list_id` was registered from and when, or None for a list
        registered before the store kept it (or added without its file)."""
        if self.schema_version < LIST_FILES_VERSION:
            return None
        found = self._conn.execute(
            "SELECT sha256, registered_at FROM list_files WHERE list_id = ?", (list_id,)
        ).fetchone()
        return None if found is None else (str(found[0]), str(found[1]))

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
        (str), ``eligible_from`` (date or ISO text), ``link_needs_review`` (bool, default
        false), ``proposed_key`` (the pseudonymous key of the child proposed as the match of
        an item whose link awaits review; what `link_decisions` reads) and ``held_because``
        (why the linkage held such an item's link, every id it names a pseudonymous key:
        `workbench.review.lists.pseudonymous_held`; what `hold_reasons` reads). Adding the
        same ``run_id`` and ``initiative`` again returns the existing list.
        """
        rows = item_rows(items)
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
                return str(existing[0])
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
            statement, width = _insert_items(self.schema_version)
            conn.executemany(statement, [(list_id, *row)[:width] for row in rows])
            if self.schema_version >= SEALED_LISTS_VERSION:
                seal_list(conn, list_id, self._key)
        return list_id

    def lists(self) -> pl.DataFrame:
        """Every stored list, oldest first (``input_hashes`` as JSON text).

        ``item_count`` is the number of items the list was stored with; ``items_removed_at`` is
        when :meth:`apply_retention` removed them (null while they are held).
        """
        return queries.lists(self._conn)

    def items(self, list_id: str) -> pl.DataFrame:
        """The items of one list, sorted by ``item_key``, as they were given to add_list."""
        self._require_list(list_id)
        return queries.items(self._conn, list_id)

    def _require_list(self, list_id: str) -> None:
        found = self._conn.execute("SELECT 1 FROM lists WHERE list_id = ?", (list_id,))
        if found.fetchone() is None:
            raise WorkbenchError(
                f"no list {list_id!r} in the review store {self.path}: a list is registered "
                "in a store when `workbench review export` or `review serve` is first run on "
                "its file (ReviewStore.lists() shows those it holds)"
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
            For an unknown list or item, a reviewer that names no one (empty, or fewer than
            two letters: `workbench.review.schema.names_someone`), an unknown decision, a
            missing reason for ``not_eligible`` / ``link_rejected``, or a decision with no next
            step on the item: ``check`` on a list of an offer DfE's services do not check, a
            record-link decision where no record link awaits review.
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
        checked = [checked_request(i, r) for i, r in enumerate(requests, start=1)]
        recorded: list[Decision] = []
        keying = self._keying()  # new decisions always come after the keying began
        with self._immediate() as conn:
            prev_hash = self._chain_head()
            for position, request in enumerate(checked, start=1):
                self._require_decidable(position, request)
                row = request | {"decision_id": "d-" + uuid.uuid4().hex, "decided_at": self._now()}
                digest = decision_hash(row, prev_hash, keying.key)
                values = [row[name] for name in DECISION_COLUMNS[1:8]] + [prev_hash, digest]
                cursor = conn.execute(
                    f"INSERT INTO decisions ({', '.join(DECISION_COLUMNS[1:])}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    values,
                )
                recorded.append(Decision(cursor.lastrowid, *values))  # type: ignore[arg-type]
                prev_hash = digest
        if recorded:
            self._log_head()
        return recorded

    def _require_decidable(self, position: int, request: Mapping[str, Any]) -> None:
        """Refuse a decision with no next step on its item, whoever records it (the workbook's
        import and the review panel refuse them first, in their own words): ``check`` on a
        list of an offer DfE's services do not check (`workbench.review.offers.checked_by_dfe`:
        `workbench check export` would never send the family), and a record-link decision on
        an item whose record link does not await review (nothing to confirm or reject)."""
        list_id, item_key, decision = request["list_id"], request["item_key"], request["decision"]
        link_needs_review = self._require_item(position, list_id, item_key)
        if decision in LINK_DECISIONS and not link_needs_review:
            raise WorkbenchError(
                f"decision {position}: {decision} is for a DWP-list row whose record link "
                f"awaits review, and item {item_key!r} of list {list_id!r} has none to confirm "
                "or reject; record an outcome instead"
            )
        if decision == "check":
            (initiative,) = self._conn.execute(
                "SELECT initiative FROM lists WHERE list_id = ?", (list_id,)
            ).fetchone()
            if not checked_by_dfe(initiative):
                raise WorkbenchError(
                    f"decision {position}: check is not a decision for a {initiative} list: "
                    "DfE's services do not check it, so `workbench check export` would never "
                    "send the family; record another outcome (defer to find out more first)"
                )

    def _require_item(self, position: int, list_id: str, item_key: str) -> bool:
        """Refuse an item that is not on the list; whether its record link awaits review."""
        found = self._conn.execute(
            "SELECT link_needs_review FROM list_items WHERE list_id = ? AND item_key = ?",
            (list_id, item_key),
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
        return bool(found[0])

    def decisions(
        self, list_id: str | None = None, item_keys: Collection[str] | None = None
    ) -> pl.DataFrame:
        """Every decision (optionally of one list and/or some items), in recording order."""
        return queries.decisions(self._conn, list_id, item_keys)

    def decided_since(
        self, list_id: str, item_keys: Collection[str], after_seq: int
    ) -> pl.DataFrame:
        """The decisions about these items recorded after decision number `after_seq` that
        one recorded now on `list_id` would override: any on this list, and an outcome on
        any list of its initiative (whose latest outcome stands), in recording order. A
        workbook's import and the review panel refuse a decision a colleague's since would
        be silently overridden by (the workbook from its export, the panel from when the
        child's details were shown)."""
        self._require_list(list_id)
        return queries.decided_since(self._conn, list_id, item_keys, after_seq)

    def last_seq(self) -> int:
        """The number of the latest decision recorded (0 for none): what a decision made
        after reading the store can be checked against with `decided_since`."""
        return queries.last_seq(self._conn)

    def latest_decisions(self, list_id: str, among: Collection[str] | None = None) -> pl.DataFrame:
        """The latest decision per item of a list, sorted by ``item_key``.

        A correction is a new decision, so the latest one is what stands. ``among`` limits the
        decisions considered, e.g. ``OUTCOME_DECISIONS`` for whether to contact a family and
        ``LINK_DECISIONS`` for whether its record link was confirmed.
        """
        self._require_list(list_id)
        return queries.latest_decisions(self._conn, list_id, among)

    def latest_outcomes_for_initiative(self, list_id: str) -> pl.DataFrame:
        """The outcome decision that stands for each item of a list: the latest about the same
        child on any list of the list's initiative (this one, an earlier run's or a re-run's),
        sorted by ``item_key``; its ``list_id`` says which.

        A family decided ``contact`` on one list and ``not_eligible`` on a later list of the
        same offer is not to be contacted from the first: outreach and DfE check exports act
        only on a decision that still stands here (`workbench.review.outreach`), and
        ``workbench assure`` fails an export that does not.
        """
        self._require_list(list_id)
        return queries.latest_outcomes_for_initiative(self._conn, list_id)

    def link_decisions(self) -> pl.DataFrame:
        """What reviewers decided about proposed record links: for each item whose link
        awaited review and each child proposed as its match (``item_key``, ``proposed_key``),
        the latest ``link_confirmed`` or ``link_rejected`` on any list, with its
        ``decision_id``, ``reviewer``, ``decided_at`` and ``list_id``; sorted by key.

        A later `assess --store` applies each to the same pair only
        (`workbench.review.link_decisions.apply_link_decisions`). On an item stored before
        the store kept the proposed match (schema version 6), ``proposed_key`` is null: such
        a decision cannot say which pair it was about, and is never applied. Items removed
        under retention take their decisions out of this view.
        """
        return queries.link_decisions(self._conn)

    def proposal_decisions(self, proposed_keys: Collection[str]) -> pl.DataFrame:
        """Every ``link_confirmed`` or ``link_rejected`` recorded on an item whose proposed
        match (``proposed_key``) is one of ``proposed_keys``, in recording order: what
        reviewers decided about a person proposed as the child of a DWP-list row, the row
        perhaps another child's (subject access)."""
        return queries.proposal_decisions(self._conn, proposed_keys)

    def proposed_match(self, list_id: str, item_key: str) -> str | None:
        """The pseudonymous key of the child proposed as the match of an item whose link
        awaited review (``proposed_key``); None when the item had none, or is not held."""
        found = self._conn.execute(
            "SELECT proposed_key FROM list_items WHERE list_id = ? AND item_key = ?",
            (list_id, item_key),
        ).fetchone()
        return None if found is None else found[0]

    def proposed_matches(self, list_id: str) -> dict[str, str]:
        """Each item of a list whose link awaited review with a child proposed as its match:
        item key -> the proposed child's pseudonymous key (``proposed_key``). Nothing for an
        item stored before the store kept the proposed match, nor for a list whose items were
        removed under retention. (Subject access: a view of such an item's details, or a
        workbook of its list, showed the child proposed.)"""
        self._require_list(list_id)
        found = self._conn.execute(
            "SELECT item_key, proposed_key FROM list_items WHERE list_id = ? "
            "AND proposed_key IS NOT NULL ORDER BY item_key",
            (list_id,),
        )
        return dict(found.fetchall())

    def hold_reasons(self, list_id: str) -> dict[str, str]:
        """Each item of a list whose link awaited review with why the linkage held it: item
        key -> the hold reason (``held_because``), each council record id and DWP-list row
        it names as its pseudonymous key. Nothing for an item stored before the store kept
        them (schema version 11: `held_reasons_since`), nor for a list whose items were
        removed under retention. (Subject access: a view of such an item's details, or a
        workbook of its list, named the children its hold reason names.)"""
        self._require_list(list_id)
        if self.schema_version < HELD_REASON_VERSION:
            return {}
        found = self._conn.execute(
            "SELECT item_key, held_because FROM list_items WHERE list_id = ? "
            "AND held_because IS NOT NULL ORDER BY item_key",
            (list_id,),
        )
        return dict(found.fetchall())

    def held_reasons_since(self) -> str | None:
        """When the store began keeping why a link was held (`hold_reasons`): the time it was
        made, or migrated to schema version 11; None for a store not yet at it. A list stored
        before then has no hold reason in the store, only in its file."""
        found = self._conn.execute(
            "SELECT applied_at FROM schema_version WHERE version = ?", (HELD_REASON_VERSION,)
        ).fetchone()
        return None if found is None else cast(str | None, found[0])

    def earlier_decisions(
        self, item_keys: Collection[str], before_list_id: str | None = None
    ) -> pl.DataFrame:
        """Decisions about these keys, with each list's run, initiative and date: on every
        list, or with ``before_list_id`` only on lists stored before that one. Sorted by
        ``item_key``, then recording order. (The workbook and the panel show a child's
        decisions on every other list, a later re-run's too: its outcome would stand.)
        """
        if before_list_id is not None:
            self._require_list(before_list_id)
        return queries.earlier_decisions(self._conn, item_keys, before_list_id)

    def progress(self, list_id: str) -> dict[str, Any]:
        """How far review of a list has got.

        Returns ``{"decided": n, "undecided": n, "by_decision": {decision: n, ...}}``: an item
        is decided when an outcome decision has been recorded about it (a link decision alone
        does not decide what happens next), and ``by_decision`` counts the items by their
        latest outcome decision and by their latest link decision (every decision name is
        present, 0 when unused).
        """
        self._require_list(list_id)
        return queries.progress(self._conn, list_id)

    # --- integrity -------------------------------------------------------------------------
    def _chain_head(self) -> str:
        """The hash the next decision chains from: the last decision's, or the last removed."""
        return chain.chain_head(self._conn)

    def checkpoints(self) -> list[Checkpoint]:
        """The chain checkpoints left by :meth:`apply_retention`, oldest first."""
        return chain.checkpoints(self._conn)

    def verify_chain(self) -> ChainReport:
        """Recompute every decision's hash and link; report the first that does not hold.

        Finds a decision edited, removed from the middle, inserted or reordered, and decisions
        removed from the end while the table's sequence counter still remembers them. Compare
        ``head`` with a value saved earlier to catch removal from the end by someone who also
        rewound the counter. Decisions removed by :meth:`apply_retention` are bridged by their
        sealed checkpoints (``removed`` counts them); a checkpoint edited, removed or inserted
        breaks the chain like a decision would. Links are keyed (HMAC-SHA256 under a key
        derived from the pseudonym key), so nobody with only the database can rehash them; a
        store opened with another key, or whose keying record was removed, fails.
        """
        try:
            keying = self._keying()
        except WorkbenchError as error:
            return ChainReport(False, 0, None, str(error).split(": ", 1)[1])
        return chain.verify_chain(self._conn, keying)

    # --- retention -------------------------------------------------------------------------
    def retention_due(
        self,
        before_lists: datetime,
        before_decisions: datetime,
        *,
        before_check_results: datetime | None = None,
    ) -> RetentionResult:
        """What :meth:`apply_retention` with these cut-offs would remove now; removes nothing."""
        return retention.retention_due(
            self._conn, before_lists, before_decisions, before_check_results
        )

    def apply_retention(
        self,
        before_lists: datetime,
        before_decisions: datetime,
        *,
        user: str,
        before_check_results: datetime | None = None,
    ) -> RetentionResult:
        """Remove the items of lists stored before ``before_lists``, the decisions recorded
        before ``before_decisions`` and (when given) the results of DfE's checks imported
        before ``before_check_results``, in one transaction, and log the counts.

        The list rows stay (with ``item_count``) and are marked ``items_removed_at``; an
        import whose check results go keeps its row and counts, and its removal is recorded
        in ``check_result_removals``. Each run
        of removed decisions is replaced by a sealed :class:`Checkpoint`, so
        :meth:`verify_chain` still proves the decisions kept and finds any tampering after.
        This is the only way rows leave the store: the DELETE triggers let them go only while
        this method's transaction holds its retention window open. The access log gets one
        line with the counts and cut-offs (``command`` ``retention``).

        Raises
        ------
        WorkbenchError
            For a ``user`` that names no one (empty, ``admin``: `log_access`), a cut-off
            without a timezone, or a store whose decision
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
        refuse_unnamed_user(user, "apply_retention")
        result = retention.apply_retention(
            self._conn,
            self._clock,
            before_lists,
            before_decisions,
            user=user,
            path=self.path,
            keying=self._keying(),
            access_key=self._key,
            before_check_results=before_check_results,
        )
        self._log_head()
        self._access_due = True
        self._log_access_head()
        return result

    # --- the head log ----------------------------------------------------------------------
    @property
    def head_log(self) -> Path:
        """The append-only log of the chain's head, beside the store: `<store>.heads`."""
        return self.path.with_name(self.path.name + HEAD_LOG_SUFFIX)

    def head(self) -> tuple[int, str]:
        """(seq, hash) the chain ends at: the last decision's, or the last removed under
        retention; (0, the genesis hash) for a store with no decision."""
        return chain.chain_end(self._conn)

    def _log_head(self) -> None:
        """Append the chain's head after a write, owner-only, never rewriting the file: a
        copy of where the chain ended, kept outside the database, that a rewrite of the
        database cannot change with it (`verify_head_log`)."""
        if self._joined:  # not committed yet: `write_transaction` logs it at commit
            self._head_due = True
            return
        seq, digest = self.head()
        self._append_line(self.head_log, f"{seq}\t{digest}\t{self._now()}\n")

    @staticmethod
    def _append_line(path: Path, line: str) -> None:
        """Append one line to a log beside the store, owner-only, never rewriting it."""
        append_line(path, line)

    def verify_head_log(self) -> list[str]:
        """The heads logged that the chain no longer holds: a logged (seq, hash) whose
        decision now has another hash (edited and rehashed) or is gone (removed from the
        end, the sequence rewound) when no retention checkpoint removed it; or, for a store
        holding decisions, no log at all (every write since the log existed appends to it, so
        a missing one was deleted or left behind when the store was copied). Empty: the log
        agrees, or there is nothing to log.
        """
        if not self.head_log.is_file():
            held = self._conn.execute("SELECT count(*) FROM decisions").fetchone()[0]
            if not held:
                return []
            return [
                f"{self.head_log}: missing, while the store holds {held} decision(s); every "
                "write appends the chain's head to it, so without it decisions cut from the end "
                "cannot be found. Restore it from the same backup as the store (a store copied "
                "without it: copy it too)"
            ]
        kept = dict(self._conn.execute("SELECT seq, hash FROM decisions").fetchall())
        removed = [(c.seq_from, c.seq_upto) for c in self.checkpoints()]
        problems = []
        for number, text in enumerate(self.head_log.read_text("ascii").splitlines(), start=1):
            fields = text.split("\t")
            if len(fields) != 3 or not fields[0].isdigit():
                problems.append(f"{self.head_log} line {number}: not a logged head")
                continue
            seq, digest = int(fields[0]), fields[1]
            if seq == 0 or any(a <= seq <= b for a, b in removed):
                continue
            if seq not in kept:
                problems.append(
                    f"{self.head_log} line {number}: the chain ended at seq {seq} on "
                    f"{fields[2][:10]}, and that decision is gone from the store"
                )
            elif kept[seq] != digest:
                problems.append(
                    f"{self.head_log} line {number}: decision {seq} has another hash than when "
                    "it was logged: it was edited and the chain rehashed"
                )
        return problems

    # --- outreach ----------------------------------------------------------------------------
    def record_outreach_export(
        self,
        list_id: str,
        file: str,
        items: Sequence[tuple[str, str]],
        *,
        user: str,
        detail: str,
        replaces: int | None = None,
    ) -> int:
        """Record an outreach export (`workbench.review.outreach.export_outreach`) and log the
        access, in one transaction: the file written and, for each of its rows, the child's
        item key and the decision it acted on (``(item_key, decision_id)``); ``replaces``, the
        export whose file this one replaced (never sent). Returns the export's ``export_seq``.
        A `user` that names no one is refused, nothing recorded (`log_access`)."""
        refuse_unnamed_user(user, "record_outreach_export")
        self._require_list(list_id)
        at = self._now()  # the access log's line and the record share it
        digest = chain.outreach_items_digest(items)
        with self._immediate() as conn:
            row = conn.execute("SELECT coalesce(max(export_seq), 0) + 1 FROM outreach_exports")
            seq = cast(int, row.fetchone()[0])
            record = dict(
                zip(
                    chain.OUTREACH_EXPORT_FIELDS,
                    (seq, list_id, at, user, file, len(items), replaces),
                    strict=True,
                )
            )
            seal = chain.outreach_export_seal(
                record, digest, chain.last_outreach_seal(conn), self._key
            )
            conn.execute(
                f"INSERT INTO outreach_exports ({', '.join(chain.OUTREACH_EXPORT_FIELDS)}, "
                "items_digest, seal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*record.values(), digest, seal),
            )
            conn.executemany(
                "INSERT INTO outreach_export_items VALUES (?, ?, ?)",
                [(seq, item_key, decision) for item_key, decision in items],
            )
            self._append_access(conn, at, user, "review outreach", detail)
        self._log_access_head()
        return seq

    def outreach_exports(self) -> pl.DataFrame:
        """Every outreach export recorded, oldest first: ``export_seq``, ``list_id``,
        ``exported_at`` (as its access-log line), ``exported_by``, ``file``, ``row_count``,
        ``replaces``, ``replaced`` (a later export replaced its file: never sent) and
        ``rows_removed_at`` (when :meth:`apply_retention` removed its rows; null while held)."""
        return queries.outreach_exports(self._conn)

    def outreach_exported(self) -> pl.DataFrame:
        """Every row of every outreach export, oldest first: the ``decision_id`` it acted
        on, the child's ``item_key``, the ``list_id``, ``exported_at``, ``exported_by``, the
        ``file`` written, the export's ``export_seq`` and ``replaced`` (a later export replaced
        its file: never sent)."""
        return queries.outreach_exported(self._conn)

    # --- checks through DfE's services ------------------------------------------------------
    def record_check_export(self, export: Mapping[str, Any], *, user: str, detail: str) -> bool:
        """Record a check export (`workbench.review.checks.export_checks`) and log the access,
        in one transaction; False (nothing recorded but the access) when it is already stored.

        ``export`` has ``export_id``, ``list_id``, ``template``, ``files``, ``not_checkable``
        and ``rows``: each ``{"row_number", "part", "row_key", "items": [(item_key,
        decision_id, decision_seq), ...]}`` and optionally ``"field_keys"`` (by header: the
        row's key with that field left out, `workbench.review.checks.field_keys`). Row keys
        are keyed pseudonyms of the parent's details; the store never holds the details
        themselves. A `user` that names no one is
        refused, nothing recorded (`log_access`).
        """
        refuse_unnamed_user(user, "record_check_export")
        self._require_list(export["list_id"])
        rows = list(export["rows"])
        with self._immediate() as conn:
            found = conn.execute(
                "SELECT 1 FROM check_exports WHERE export_id = ?", (export["export_id"],)
            ).fetchone()
            if found is None:
                conn.execute(
                    "INSERT INTO check_exports VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        export["export_id"],
                        export["list_id"],
                        export["template"],
                        self._now(),
                        user,
                        len(rows),
                        export["files"],
                        export["not_checkable"],
                    ),
                )
                if self.schema_version >= FIELD_KEYS_VERSION:
                    conn.executemany(
                        "INSERT INTO check_export_rows (export_id, row_number, part, row_key, "
                        "field_keys) VALUES (?, ?, ?, ?, ?)",
                        [
                            (
                                export["export_id"],
                                r["row_number"],
                                r["part"],
                                r["row_key"],
                                json.dumps(r["field_keys"]) if r.get("field_keys") else None,
                            )
                            for r in rows
                        ],
                    )
                else:  # a store of an earlier schema (only ever in tests of migration)
                    conn.executemany(
                        "INSERT INTO check_export_rows VALUES (?, ?, ?, ?)",
                        [
                            (export["export_id"], r["row_number"], r["part"], r["row_key"])
                            for r in rows
                        ],
                    )
                conn.executemany(
                    "INSERT INTO check_export_items VALUES (?, ?, ?, ?, ?)",
                    [
                        (export["export_id"], r["row_number"], *item)
                        for r in rows
                        for item in r["items"]
                    ],
                )
            self._append_access(conn, self._now(), user, "check export", detail)
        self._log_access_head()
        return found is None

    def record_check_results(
        self,
        export_id: str,
        results: Iterable[Mapping[str, Any]],
        *,
        file_name: str,
        file_sha256: str,
        user: str,
    ) -> tuple[str, int]:
        """Record DfE's results for rows of one check export, all or nothing, and log it.

        Each result has ``row_number``, ``outcome`` (one of `CHECK_OUTCOMES`),
        ``dfe_outcome`` (DfE's words), ``tier`` and ``eligible_until`` (or None). A row
        whose latest result already says the same is not recorded twice. Returns the import
        id and how many results were recorded. Never records or changes a decision.

        Raises
        ------
        StaleCheckResults
            Nothing recorded: for a row, the result given is one an earlier import recorded,
            and a later import recorded another since (the file is older than that import;
            recorded, it would become the latest). Checked in the write transaction.
        """
        refuse_unnamed_user(user, "record_check_results")
        results = list(results)
        import_id = "ci-" + uuid.uuid4().hex
        fields = ("outcome", "dfe_outcome", "tier", "eligible_until")
        with self._immediate() as conn:
            history: dict[int, list[tuple[Any, ...]]] = {}
            for found in conn.execute(
                "SELECT c.row_number, c.outcome, c.dfe_outcome, c.tier, c.eligible_until, "
                "c.import_id, i.file_name, i.imported_at, i.imported_by FROM check_results c "
                "JOIN check_imports i USING (import_id) WHERE c.export_id = ? "
                "AND c.row_number IN (SELECT value FROM json_each(?)) ORDER BY c.result_seq",
                (export_id, json.dumps(sorted({r["row_number"] for r in results}))),
            ):
                history.setdefault(found[0], []).append(found[1:])
            new, stale = [], []
            for r in results:
                given = tuple(r[name] for name in fields)
                earlier = history.get(r["row_number"], [])
                if earlier and earlier[-1][:4] == given:
                    continue  # already the row's latest result
                if any(e[:4] == given for e in earlier):
                    later = earlier[-1]
                    stale.append(
                        {"row_number": r["row_number"], "given": r["dfe_outcome"]}
                        | dict(
                            zip(
                                ("dfe_outcome", "import_id", "file_name", "imported_at",
                                 "imported_by"),
                                later[1:2] + later[4:],
                                strict=True,
                            )
                        )
                    )  # fmt: skip
                new.append(r)
            if stale:
                raise StaleCheckResults(export_id, stale)
            record = (
                import_id,
                export_id,
                self._now(),
                user,
                file_name,
                file_sha256,
                len(results),
                len(new),
            )
            recorded = [(r["row_number"], *(r[name] for name in fields)) for r in new]
            seal = None
            if self.schema_version >= SEALED_IMPORTS_VERSION:
                digest = chain.check_results_digest(recorded)
                seal = chain.check_import_seal(
                    dict(zip(chain.CHECK_IMPORT_FIELDS, record, strict=True)),
                    digest,
                    chain.last_import_seal(conn),  # read inside the write transaction
                    self._key,
                )
                conn.execute(
                    f"INSERT INTO check_imports ({', '.join(chain.CHECK_IMPORT_FIELDS)}, "
                    "results_digest, seal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*record, digest, seal),
                )
            else:  # a store of an earlier schema (only ever in tests of migration)
                conn.execute("INSERT INTO check_imports VALUES (?, ?, ?, ?, ?, ?, ?, ?)", record)
            conn.executemany(
                "INSERT INTO check_results (import_id, export_id, row_number, outcome, "
                "dfe_outcome, tier, eligible_until) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(import_id, export_id, *row) for row in recorded],
            )
            self._append_access(
                conn,
                self._now(),
                user,
                "check import",
                f"export {export_id}: {len(results)} result(s) read from {file_name}, "
                f"{len(new)} recorded",
            )
        if seal is not None:
            self._append_line(self.import_log, f"{import_id}\t{seal}\t{self._now()}\n")
        self._log_access_head()
        return import_id, len(new)

    def verify_check_results(self) -> CheckResultsReport:
        """Prove DfE's check results as imported: each import's record against its seal, and
        its results (unless retention removed them) against the digest sealed with it; that
        the results the store ever numbered are those its imports recorded (an import removed
        whole, the last one too); and the log of imports beside the store. An import recorded
        before the store sealed them (schema version 7) is counted, not checked. The outreach
        exports' records are proved the same way (`chain.verify_outreach_exports`): which
        families count as sent decides who a later export holds back."""
        sealed, unsealed, problems = chain.verify_check_imports(self._conn, self._key)
        problems += self._verify_import_log()
        _, outreach = chain.verify_outreach_exports(self._conn, self._key)
        problems += outreach
        return CheckResultsReport(not problems, sealed, unsealed, tuple(problems))

    @property
    def import_log(self) -> Path:
        """The append-only log of each check import's seal, beside the store:
        `<store>.imports`."""
        return self.path.with_name(self.path.name + IMPORT_LOG_SUFFIX)

    def _verify_import_log(self) -> list[str]:
        """The imports logged that the store no longer holds with the seal logged: one
        removed whole (the last one too, which the chained seals cannot show) or resealed."""
        held = dict(self._conn.execute("SELECT import_id, seal FROM check_imports").fetchall())
        if not self.import_log.is_file():
            sealed = sum(1 for seal in held.values() if seal)
            if not sealed:
                return []
            return [
                f"{self.import_log}: missing, while the store holds {sealed} sealed check "
                "import(s); every import appends its seal to it, so without it an import "
                "removed whole cannot be found. Restore it from the same backup as the store "
                "(a store copied without it: copy it too)"
            ]
        problems = []
        for number, text in enumerate(self.import_log.read_text("ascii").splitlines(), start=1):
            fields = text.split("\t")
            if len(fields) != 3:
                problems.append(f"{self.import_log} line {number}: not a logged check import")
            elif held.get(fields[0]) != fields[1]:
                problems.append(
                    f"{self.import_log} line {number}: check import {fields[0]}, imported on "
                    f"{fields[2][:10]}, is no longer in the store with the seal it was given "
                    "(removed, or changed)"
                )
        return problems

    def check_exports(self, list_id: str | None = None) -> pl.DataFrame:
        """Every check export (optionally of one list), oldest first."""
        return queries.check_exports(self._conn, list_id)

    def check_export_rows(self, row_keys: Collection[str] | None = None) -> pl.DataFrame:
        """The rows of every check export (optionally only those with these row keys), with
        each row's export and list: ``export_id``, ``list_id``, ``row_number``, ``part``,
        ``row_key``."""
        return queries.check_export_rows(self._conn, row_keys)

    def check_export_field_keys(self, export_id: str) -> dict[int, dict[str, str]]:
        """Each row of a check export (by ``row_number``) with its keys with one identifying
        field left out, by the header left out (`workbench.review.checks.field_keys`); rows
        exported before the store kept them (schema version 12) are not in it."""
        if self.schema_version < FIELD_KEYS_VERSION:
            return {}
        return queries.check_export_field_keys(self._conn, export_id)

    def check_imports(self) -> pl.DataFrame:
        """Every import of DfE's check results, oldest first: ``import_id``, ``export_id``,
        ``imported_at``, ``imported_by``, ``file_name``, ``file_sha256``, ``row_count``,
        ``recorded`` (the results new to the store) and ``results_removed_at`` (when
        :meth:`apply_retention` removed its results; null while held)."""
        return queries.check_imports(self._conn)

    def check_export_items(self, export_id: str) -> pl.DataFrame:
        """Which children (item keys) and decisions each row of a check export rests on."""
        return queries.check_export_items(self._conn, export_id)

    def check_results(self, list_id: str, item_keys: Collection[str] | None = None) -> pl.DataFrame:
        """Every check result about the children of a list (or only those with these item
        keys), one row per child and result, in the order imported (see
        `latest_check_results` for the columns)."""
        self._require_list(list_id)
        return queries.check_results(self._conn, list_id, latest=False, item_keys=item_keys)

    def initiative_check_results(
        self, list_id: str, item_keys: Collection[str] | None = None
    ) -> pl.DataFrame:
        """Every check result about the children of a list (or only those with these item
        keys) from the check exports of any list of its initiative: this one's, and those of
        an earlier run's or a re-run's list about the same children (same item key), in the
        order imported. The columns of `check_results`, and the ``list_id``, ``run_id``,
        ``initiative`` and ``list_created_at`` of the list whose export the result answers.

        What the officer sees beside the child (the review workbook, panel and app): DfE's
        answer about a parent checked from list 1 still holds when a re-run's list 2 is
        reviewed. `check_results` and `latest_check_results` stay the list's own (the
        funnel, `--try-again`)."""
        self._require_list(list_id)
        return queries.initiative_check_results(self._conn, list_id, item_keys)

    def initiative_check_exports(self, list_id: str, item_keys: Collection[str]) -> pl.DataFrame:
        """Every row of a check export, from any list of `list_id`'s initiative, that rests
        on one of these children, oldest first: ``item_key``, ``export_id``, ``exported_at``
        and ``answered`` (a result for the row has been imported)."""
        self._require_list(list_id)
        return queries.initiative_check_exports(self._conn, list_id, item_keys)

    def latest_check_results(self, list_id: str) -> pl.DataFrame:
        """The latest result of DfE's eligibility check per child of a list, by ``item_key``.

        Evidence for the officer to see beside the child, never a decision: ``outcome`` (one
        of `CHECK_OUTCOMES`), ``dfe_outcome`` (DfE's own words), ``tier`` and
        ``eligible_until`` (free school meals, when DfE gives them), ``export_id``,
        ``checked_at`` (when the result was imported), ``imported_by``, and the
        ``decision_id`` and ``decision`` the exported row rested on. A child never checked
        has no row.
        """
        self._require_list(list_id)
        return queries.check_results(self._conn, list_id, latest=True)

    # --- access log ------------------------------------------------------------------------
    def log_access(self, user: str, command: str, detail: str = "") -> None:
        """Append who ran which command on the store, and on what (no personal data). A
        `user` that names no one (`workbench.review.schema.refuse_unnamed_user`) is refused,
        nothing logged."""
        refuse_unnamed_user(user, "log_access")
        self.log_accesses(user, [(command, detail)])

    def log_accesses(self, user: str, entries: Iterable[tuple[str, str]]) -> None:
        """Append several (command, detail) rows for one user at once, all or none: one write
        transaction, not one per row (an export of thousands of children views each). A
        `user` that names no one is refused, nothing logged (`log_access`)."""
        refuse_unnamed_user(user, "log_accesses")
        with self._immediate() as conn:
            at = self._now()
            for command, detail in entries:
                self._append_access(conn, at, user, command, detail)
        self._log_access_head()

    def access_log(self) -> pl.DataFrame:
        """The access log, oldest first."""
        return queries.access_log(self._conn)

    def record_export_files_deleted(self, user: str, exports: Sequence[tuple[str, str]]) -> None:
        """Log that the files of these exports (each ``(kind, ref)`` of
        `workbench.review.retention.EXPORT_FILE_KINDS`) were deleted under retention: one
        sealed access-log line each, in one transaction, naming the export, never a path.
        Subject access then says the file was deleted instead of asking for it. A `user`
        that names no one is refused, nothing logged (`log_access`)."""
        refuse_unnamed_user(user, "record_export_files_deleted")
        entries = [
            (retention.EXPORT_FILE_DELETED, retention.export_file_deleted_detail(kind, ref))
            for kind, ref in exports
        ]
        if entries:
            self.log_accesses(user, entries)

    def export_files_deleted(self) -> dict[tuple[str, str], str]:
        """(kind, ref) -> when the store was told the export's file was deleted under
        retention (:meth:`record_export_files_deleted`)."""
        log = self.access_log().filter(pl.col("command") == retention.EXPORT_FILE_DELETED)
        return retention.export_files_deleted(
            log.sort("seq").select("at", "command", "detail").rows()
        )

    @property
    def access_head_log(self) -> Path:
        """The append-only log of the access log's last line after each write, beside the
        store: `<store>.access` (`workbench.review.access_log`)."""
        return access_head_log(self.path)

    def verify_migrations(self) -> list[str]:
        """What the access log's migration lines show that the schema does not: a version set
        back outside the workbench (`workbench.review.access_log.migration_problems`)."""
        return migration_problems(self._conn)

    def verify_list(self, list_id: str) -> None:
        """Refuse (WorkbenchError) a list whose seal does not hold: nothing that acts on a
        family (outreach, a check export) may rest on items changed behind the store's back
        (an auditor's case: outreach ran on such a list). Stores before version 10 pass."""
        if self.schema_version < SEALED_LISTS_VERSION:
            return
        self._require_list(list_id)
        problem = verify_list(self._conn, self._key, list_id)
        if problem is not None:
            raise WorkbenchError(
                f"{self.path}: {problem}; nothing can rest on it. Run `workbench assure "
                "--store` and restore the store from a backup"
            )

    def verify_lists(self) -> tuple[int, list[str]]:
        """Prove the stored lists (`workbench.review.list_seals`): each list's record against
        its seal, and its items, unless retention removed them, against the digest sealed with
        it. Returns how many lists were proved and the problems, naming lists, never a child."""
        return verify_lists(self._conn, self._key)

    def verify_access_log(self) -> AccessLogReport:
        """Prove the access log: each line sealed since schema version 9 against its seal, and
        `<store>.access` against the lines it logged (lines cut from the end). Lines logged
        before the store sealed them are counted, not checked."""
        return verify_access_log(self._conn, self._key, self.path)

    def _append_access(
        self, conn: sqlite3.Connection, at: str, user: str, command: str, detail: str
    ) -> None:
        if self.schema_version >= SEALED_ACCESS_VERSION:
            append_access(conn, at, user, command, detail, self._key)
            self._access_due = True
        else:  # a store of an earlier schema (only ever in tests of migration)
            conn.execute(
                "INSERT INTO access_log (at, user, command, detail) VALUES (?, ?, ?, ?)",
                (at, user, command, detail),
            )

    def _log_access_head(self) -> None:
        """Append the access log's last line to `<store>.access` once its write committed
        (inside `write_transaction`, at its commit)."""
        if self._joined or not self._access_due:
            return
        self._access_due = False
        self._write_access_head()

    def _write_access_head(self) -> None:
        seq, seal = last_access(self._conn)
        log_access_head(self.path, seq, seal, self._now())
