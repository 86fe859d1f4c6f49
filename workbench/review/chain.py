"""The review store's hash chain: what a decision is, how it is hashed, and how the chain is
checked.

Each decision carries the SHA-256 of the one before it (:func:`decision_hash`), so
:func:`verify_chain` finds any decision edited, removed or inserted behind the package's back;
runs of decisions removed under retention (:mod:`workbench.review.retention`) are bridged by
sealed checkpoints (:class:`Checkpoint`, ``chain_checkpoints``), each seal covering the one
before. The functions take a connection; the store's methods
(:meth:`ReviewStore.verify_chain <workbench.review.store.ReviewStore.verify_chain>`) are the
public way in.

Examples
--------
>>> row = {"decision_id": "d-1", "list_id": "l-1", "item_key": "pk_" + "a" * 24,
...        "reviewer": "A. Officer", "decided_at": "2026-09-01T09:00:00.000000Z",
...        "decision": "contact", "reason": None}
>>> len(decision_hash(row, GENESIS_HASH))
64
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, astuple, dataclass, fields
from pathlib import Path
from typing import Any

from workbench.review.schema import GENESIS_HASH

_SQLITE_HEADER = b"SQLite format 3\x00"

__all__ = [
    "CHECKPOINT_COLUMNS",
    "CHECK_IMPORT_FIELDS",
    "DECISION_COLUMNS",
    "OUTREACH_EXPORT_FIELDS",
    "PLAIN",
    "ChainReport",
    "Checkpoint",
    "Decision",
    "Keying",
    "as_dict",
    "bridge",
    "broken_checkpoint",
    "chain_end",
    "chain_head",
    "chain_key",
    "check_import_seal",
    "check_results_digest",
    "checkpoint_seal",
    "checkpoints",
    "decision_hash",
    "key_fingerprint",
    "last_import_seal",
    "last_outreach_seal",
    "outreach_export_seal",
    "outreach_items_digest",
    "seal_record",
    "sequence_counter",
    "verify_chain",
    "verify_check_imports",
    "verify_outreach_exports",
]

DECISION_COLUMNS = (
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


CHECKPOINT_COLUMNS = tuple(f.name for f in fields(Checkpoint))


@dataclass(frozen=True)
class Keying:
    """Which links of the chain are keyed, and with what.

    A store keyed from its start has ``since_seq`` and ``since_checkpoint`` 0; one written
    before keying existed keeps its earlier links as plain SHA-256 and keys those after.
    ``key`` is None when the store's chain is not keyed (nothing after is keyed either).
    """

    key: bytes | None = None
    since_seq: int = 0
    since_checkpoint: int = 0

    def for_decision(self, seq: int) -> bytes | None:
        return self.key if self.key is not None and seq > self.since_seq else None

    def for_checkpoint(self, checkpoint: int) -> bytes | None:
        if self.key is not None and checkpoint > self.since_checkpoint:
            return self.key
        return None


PLAIN = Keying()
"""A chain of plain SHA-256 links (a store written before keys, or a test of the format)."""
_CHAIN_KEY_LABEL = b"workbench decision chain v1"


def chain_key(pseudonym_key: bytes) -> bytes:
    """The key the decision chain is keyed with, derived from the pseudonym key (so no second
    secret needs keeping), and unlike it: knowing one does not give the other's outputs."""
    return hmac.new(pseudonym_key, _CHAIN_KEY_LABEL, hashlib.sha256).digest()


def key_fingerprint(key: bytes) -> str:
    """A name for a chain key that reveals nothing of it (16 hex digits)."""
    return hmac.new(key, b"fingerprint", hashlib.sha256).hexdigest()[:16]


def _digest(canonical: str, key: bytes | None) -> str:
    data = canonical.encode("utf-8")
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def checkpoint_seal(fields_: Mapping[str, Any], prev_seal: str, key: bytes | None = None) -> str:
    """SHA-256 (hex) of the canonical JSON of a checkpoint's fields and the previous seal;
    HMAC-SHA256 under ``key`` when the chain is keyed."""
    payload = {name: fields_[name] for name in CHECKPOINT_COLUMNS[1:9]} | {"prev_seal": prev_seal}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return _digest(canonical, key)


# The fields of a check import its seal covers, in the table's order (`check_imports`).
CHECK_IMPORT_FIELDS = (
    "import_id",
    "export_id",
    "imported_at",
    "imported_by",
    "file_name",
    "file_sha256",
    "row_count",
    "recorded",
)


def check_results_digest(results: Iterable[Sequence[Any]]) -> str:
    """SHA-256 (hex) of one import's results as recorded, in order: each (row_number,
    outcome, dfe_outcome, tier, eligible_until)."""
    canonical = json.dumps([list(r) for r in results], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_import_seal(
    fields_: Mapping[str, Any], results_digest: str, prev_seal: str, key: bytes
) -> str:
    """HMAC-SHA256 (hex) under the chain's ``key`` of a check import's fields
    (`CHECK_IMPORT_FIELDS`), its results' digest and the seal of the import sealed before it
    (`GENESIS_HASH` for the first): what proves an import's record and results unchanged, and
    that no sealed import before it was removed."""
    payload = {name: fields_[name] for name in CHECK_IMPORT_FIELDS}
    return seal_record(payload | {"results_digest": results_digest, "prev_seal": prev_seal}, key)


def seal_record(payload: Mapping[str, Any], key: bytes) -> str:
    """HMAC-SHA256 (hex) under ``key`` of a record as canonical JSON (sorted keys)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return _digest(canonical, key)


def last_import_seal(conn: sqlite3.Connection) -> str:
    """The seal the next check import chains from: the last sealed import's, or
    `GENESIS_HASH`."""
    found = conn.execute(
        "SELECT seal FROM check_imports WHERE seal IS NOT NULL ORDER BY rowid DESC LIMIT 1"
    ).fetchone()
    return GENESIS_HASH if found is None else found[0]


def verify_check_imports(conn: sqlite3.Connection, key: bytes) -> tuple[int, int, list[str]]:
    """Check every sealed check import of the store behind ``conn``: its record against its
    seal and, unless retention removed them, its results against their digest. Returns how
    many imports were sealed, how many were recorded before sealing (not checkable), and the
    problems found (naming the import, never a result)."""
    removed = {row[0] for row in conn.execute("SELECT import_id FROM check_result_removals")}
    columns = ", ".join(CHECK_IMPORT_FIELDS)
    imports = conn.execute(
        f"SELECT {columns}, results_digest, seal FROM check_imports ORDER BY rowid"
    ).fetchall()
    sealed, unsealed, problems, prev = 0, 0, [], GENESIS_HASH
    for *values, digest, seal in imports:
        fields_ = dict(zip(CHECK_IMPORT_FIELDS, values, strict=True))
        if seal is None:
            unsealed += 1
            continue
        sealed += 1
        name = fields_["import_id"]
        expected = None if digest is None else check_import_seal(fields_, digest, prev, key)
        prev = seal
        if expected is None or not hmac.compare_digest(expected, seal):
            problems.append(
                f"check import {name}: its record was changed since it was imported, or an "
                "import sealed before it was removed (the seal does not match)"
            )
            continue
        if name in removed:
            continue
        results = conn.execute(
            "SELECT row_number, outcome, dfe_outcome, tier, eligible_until FROM check_results "
            "WHERE import_id = ? ORDER BY result_seq",
            (name,),
        )
        if check_results_digest(results.fetchall()) != digest:
            problems.append(
                f"check import {name}: its results were changed or removed since they were "
                "imported (outside retention)"
            )
    problems += _unaccounted_results(conn)
    return sealed, unsealed, problems


def _unaccounted_results(conn: sqlite3.Connection) -> list[str]:
    """A problem if the results the store has ever numbered are not those its imports say
    they recorded: an import removed whole (the last one too, which no later seal covers;
    one that recorded nothing is not seen) or the store's counter changed. Retention keeps
    an import's record and its count, so results it removed still add up."""
    numbered = sequence_counter(conn, "check_results")
    claimed = conn.execute("SELECT coalesce(sum(recorded), 0) FROM check_imports").fetchone()[0]
    if numbered == claimed:
        return []
    return [
        f"the store has numbered {numbered} check result(s) but the imports it holds recorded "
        f"{claimed}: an import was removed (the last one too), or the store's counter was "
        "changed"
    ]


def checkpoints(conn: sqlite3.Connection) -> list[Checkpoint]:
    """The chain checkpoints left by retention in the store behind ``conn``, oldest first."""
    rows = conn.execute("SELECT * FROM chain_checkpoints ORDER BY checkpoint")
    return [Checkpoint(*row) for row in rows]


def bridge(
    bridges: Mapping[str, Checkpoint], prev_hash: str, last_seq: int, next_kept: Decision | None
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


def broken_checkpoint(
    checkpoints_: list[Checkpoint], counter: int, keying: Keying = PLAIN
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
        elif (
            checkpoint_seal(asdict(found), prev_seal, keying.for_checkpoint(found.checkpoint))
            != found.seal
        ):
            problem = "its fields do not match its seal (it was edited after retention)"
        if problem:
            message = f"checkpoint {found.checkpoint} (seq {found.seq_from}-{found.seq_upto}): "
            return found.seq_from, message + problem
        prev_seal, last = found.seal, found.checkpoint
    if counter > last:
        return None, f"chain checkpoints after {last} up to {counter} were removed"
    return None


def decision_hash(fields_: Mapping[str, Any], prev_hash: str, key: bytes | None = None) -> str:
    """SHA-256 (hex) of the canonical JSON of a decision's fields and the previous hash;
    HMAC-SHA256 under ``key`` when the chain is keyed."""
    payload = {name: fields_[name] for name in DECISION_COLUMNS[1:8]} | {"prev_hash": prev_hash}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return _digest(canonical, key)


def chain_end(conn: sqlite3.Connection) -> tuple[int, str]:
    """(seq, hash) of the chain's end: the last decision, or the last removed under retention."""
    last = conn.execute("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1")
    removed = conn.execute(
        "SELECT seq_upto, head_hash FROM chain_checkpoints ORDER BY seq_upto DESC LIMIT 1"
    )
    heads = [row for row in (last.fetchone(), removed.fetchone()) if row is not None]
    return tuple(max(heads)) if heads else (0, GENESIS_HASH)


def stored_chain_end(path: str | Path) -> tuple[int, str] | None:
    """`chain_end` of the review store at `path`, read without changing it (a read-only
    connection: no migration, no access-log line), or None when `path` is not a review store
    (not SQLite, or without a decision chain)."""
    file = Path(path)
    with open(file, "rb") as handle:
        if handle.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
            return None
    try:
        conn = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        return chain_end(conn)
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def chain_head(conn: sqlite3.Connection) -> str:
    """The hash the next decision chains from: the last decision's, or the last removed."""
    return chain_end(conn)[1]


def sequence_counter(conn: sqlite3.Connection, table: str) -> int:
    """The last number SQLite handed out for ``table``'s AUTOINCREMENT key (0 if none)."""
    counter = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,))
    found = counter.fetchone()
    return found[0] if found else 0


def verify_chain(conn: sqlite3.Connection, keying: Keying = PLAIN) -> ChainReport:
    """The body of :meth:`ReviewStore.verify_chain` (see there), for the store behind ``conn``,
    its links from ``keying``'s start checked with its key."""
    if conn.execute("SELECT count(*) FROM retention_window").fetchone()[0]:
        return ChainReport(
            False,
            0,
            None,
            "a retention window is left open (retention_window holds a row), which lets any "
            "writer DELETE decisions; only apply_retention opens one, inside its transaction",
        )
    checkpoints_ = checkpoints(conn)
    broken = broken_checkpoint(checkpoints_, sequence_counter(conn, "chain_checkpoints"), keying)
    if broken is not None:
        return ChainReport(False, 0, *broken)
    bridges = {c.from_hash: c for c in checkpoints_}
    prev_hash, checked, last_seq = GENESIS_HASH, 0, 0
    for row in conn.execute("SELECT * FROM decisions ORDER BY seq"):
        stored = Decision(*row)
        checked += 1
        if stored.prev_hash != prev_hash:
            prev_hash, last_seq = bridge(bridges, prev_hash, last_seq, stored)
        problem = None
        if stored.prev_hash != prev_hash:
            problem = "its prev_hash is not the hash of the decision before it "
            problem += "(a decision was removed, inserted or reordered)"
        elif decision_hash(as_dict(stored), prev_hash, keying.for_decision(stored.seq)) != (
            stored.hash
        ):
            problem = "its fields do not match its hash (it was edited after recording)"
            if keying.for_decision(stored.seq) is not None:
                problem = (
                    "its fields do not match its keyed hash (it was edited after recording, "
                    "or rehashed by someone without the key)"
                )
        elif stored.seq != last_seq + 1:
            # Numbers are never reused or skipped (a transaction rolled back gives its
            # numbers back): a gap no checkpoint bridges is decisions removed and the chain
            # rehashed over them.
            gone = (
                f"decision {last_seq + 1} is"
                if stored.seq == last_seq + 2
                else f"decisions {last_seq + 1} to {stored.seq - 1} are"
            )
            problem = (
                f"it follows seq {last_seq}: {gone} missing, and the chain was rehashed over "
                "the gap"
            )
        if problem:
            return ChainReport(False, checked, stored.seq, f"seq {stored.seq}: {problem}")
        prev_hash, last_seq = stored.hash, stored.seq
    prev_hash, last_seq = bridge(bridges, prev_hash, last_seq, None)
    counter = sequence_counter(conn, "decisions")
    if counter > last_seq:
        return ChainReport(
            False,
            checked,
            last_seq + 1,
            f"decisions after seq {last_seq} up to {counter} were removed",
            prev_hash,
        )
    removed = sum(c.count for c in checkpoints_)
    message = f"{checked} decisions, chain intact"
    if checkpoints_:
        message += (
            f"; {removed} earlier decisions removed under retention, bridged by "
            f"{len(checkpoints_)} checkpoints"
        )
    return ChainReport(True, checked, None, message, prev_hash, removed)


def as_dict(decision: Decision) -> dict[str, Any]:
    """A decision's fields by name."""
    return dict(zip([f.name for f in fields(decision)], astuple(decision), strict=True))


# --- outreach exports ---------------------------------------------------------------------------
OUTREACH_EXPORT_FIELDS = (
    "export_seq",
    "list_id",
    "exported_at",
    "exported_by",
    "file",
    "row_count",
    "replaces",
)
"""The fields of an outreach export's record its seal covers, in the table's order."""


def outreach_items_digest(items: Iterable[tuple[str, str]]) -> str:
    """SHA-256 (hex) of an outreach export's rows as recorded: ``(item_key, decision_id)``,
    in any order (they are compared sorted)."""
    canonical = json.dumps(sorted(map(list, items)), separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def outreach_export_seal(
    fields_: Mapping[str, Any], items_digest: str, prev_seal: str, key: bytes
) -> str:
    """HMAC-SHA256 (hex) under the chain's ``key`` of an outreach export's record
    (`OUTREACH_EXPORT_FIELDS`), the digest of its rows and the seal of the export before it
    (`GENESIS_HASH` for the first): a row added to make a family count as sent, or removed to
    have them sent again, shows."""
    payload = {name: fields_[name] for name in OUTREACH_EXPORT_FIELDS}
    return seal_record(payload | {"items_digest": items_digest, "prev_seal": prev_seal}, key)


def last_outreach_seal(conn: sqlite3.Connection) -> str:
    """The seal the next outreach export chains from: the last export's, or `GENESIS_HASH`."""
    found = conn.execute(
        "SELECT seal FROM outreach_exports ORDER BY export_seq DESC LIMIT 1"
    ).fetchone()
    return GENESIS_HASH if found is None else found[0]


def verify_outreach_exports(conn: sqlite3.Connection, key: bytes) -> tuple[int, list[str]]:
    """Check every outreach export of the store behind ``conn``: its record against its seal
    and, unless retention removed them, its rows against their digest. Returns how many
    exports were checked and the problems (naming the export, never a child)."""
    removed = {row[0] for row in conn.execute("SELECT export_seq FROM outreach_item_removals")}
    columns = ", ".join(OUTREACH_EXPORT_FIELDS)
    exports = conn.execute(
        f"SELECT {columns}, items_digest, seal FROM outreach_exports ORDER BY export_seq"
    ).fetchall()
    problems: list[str] = []
    prev = GENESIS_HASH
    for *values, digest, seal in exports:
        fields_ = dict(zip(OUTREACH_EXPORT_FIELDS, values, strict=True))
        name = f"outreach export {fields_['export_seq']} ({fields_['exported_at']})"
        expected = outreach_export_seal(fields_, digest, prev, key)
        prev = seal
        if not hmac.compare_digest(expected, seal):
            problems.append(
                f"{name}: its record was changed since it was made, or an export before it was "
                "removed (the seal does not match)"
            )
            continue
        if fields_["export_seq"] in removed:
            continue
        items = conn.execute(
            "SELECT item_key, decision_id FROM outreach_export_items WHERE export_seq = ?",
            (fields_["export_seq"],),
        ).fetchall()
        if outreach_items_digest(items) != digest:
            problems.append(
                f"{name}: its rows were changed, added or removed since it was made (outside "
                "retention): which families count as sent is not as exported"
            )
    orphans = conn.execute(
        "SELECT count(*) FROM outreach_export_items "
        "WHERE export_seq NOT IN (SELECT export_seq FROM outreach_exports)"
    ).fetchone()[0]
    if orphans:
        problems.append(
            f"{orphans} outreach export row(s) belong to no export the store records: added "
            "outside `review outreach`"
        )
    return len(exports), problems
