"""The review store's lists, sealed: what each stored list proposed, proved unchanged.

A decision is about an item of a list, and what the reviewer saw (the tier, the reasons, the
evidence, the proposed match) is that item's stored row; so an item edited, added or removed
behind the package's back must show, as an edited decision does.

Each list is sealed as it is stored (:func:`seal_list`, in the same transaction): an
HMAC-SHA256 under the decision chain's key (:func:`workbench.review.chain.chain_key`) over its
record (:data:`LIST_FIELDS`), the SHA-256 of its items as stored (:func:`list_items_digest`)
and the seal of the list sealed before it (the genesis hash for the first), in
``list_seals``. Lists stored before the store sealed them (schema version 10) are sealed as it
migrates (:func:`seal_unsealed`), their items as they then were. After retention removes a
list's items the record is still proved; its items are no longer there to prove.
:func:`verify_lists` checks them all.

Someone who can write the database but does not hold the pseudonym key cannot rewrite a list
unseen; someone who holds both can (as for decisions).

Example
-------
>>> conn = sqlite3.connect(":memory:")
>>> _ = conn.executescript(
...     "CREATE TABLE lists (list_id TEXT PRIMARY KEY, run_id TEXT, initiative TEXT,"
...     " rule_set TEXT, input_hashes TEXT, created_at TEXT, item_count INTEGER);"
...     "CREATE TABLE list_items (list_id TEXT, item_key TEXT, tier TEXT, reason_codes TEXT,"
...     " evidence TEXT, eligible_from TEXT, link_needs_review INTEGER, proposed_key TEXT);"
...     "CREATE TABLE list_seals (seal_seq INTEGER PRIMARY KEY AUTOINCREMENT, list_id TEXT,"
...     " items_digest TEXT, seal TEXT);"
...     "CREATE TABLE list_item_removals (list_id TEXT, removed_at TEXT);"
...     "CREATE TABLE access_log (seq INTEGER, at TEXT, command TEXT, detail TEXT);"
...     "CREATE TABLE decisions (list_id TEXT)")
>>> _ = conn.execute("INSERT INTO lists VALUES ('l-1', 'r-1', 'two_year_old', 'two_year_old@1',"
...                  " '{}', '2026-09-01T09:00:00.000000Z', 1)")
>>> _ = conn.execute("INSERT INTO list_items VALUES ('l-1', 'pk_1', 'likely', 'x', NULL, NULL,"
...                  " 0, NULL)")
>>> key = bytes(32)
>>> len(seal_list(conn, "l-1", key)), verify_lists(conn, key)
(64, (1, []))
>>> _ = conn.execute("UPDATE list_items SET tier = 'possible'")
>>> verify_lists(conn, key)[1]  # doctest: +ELLIPSIS
['list l-1 (stored 2026-09-01T09:00:00.000000Z): its items were changed, added or removed ...']
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sqlite3
from typing import Any

from workbench.review.chain import seal_record
from workbench.review.schema import GENESIS_HASH

__all__ = [
    "HELD_COLUMN",
    "ITEM_COLUMNS",
    "LIST_FIELDS",
    "list_items_digest",
    "list_seal",
    "seal_list",
    "seal_unsealed",
    "verify_list",
    "verify_lists",
]

LIST_FIELDS = (
    "list_id",
    "run_id",
    "initiative",
    "rule_set",
    "input_hashes",
    "created_at",
    "item_count",
)
"""The fields of a list's record its seal covers, in the table's order."""
ITEM_COLUMNS = (
    "item_key",
    "tier",
    "reason_codes",
    "evidence",
    "eligible_from",
    "link_needs_review",
    "proposed_key",
)
"""The columns of a list's items its digest covers: every column but the list's id."""


HELD_COLUMN = "held_because"
"""Why an item's link was held (from schema version 11): its digest covers it where it is
given, so the digests of lists sealed before the store kept it still hold."""


def _holds_reasons(conn: sqlite3.Connection) -> bool:
    """Whether the store's items have `HELD_COLUMN` (schema version 11 on)."""
    return any(row[1] == HELD_COLUMN for row in conn.execute("PRAGMA table_info(list_items)"))


def list_items_digest(conn: sqlite3.Connection, list_id: str) -> str:
    """SHA-256 (hex) of one list's items as stored, in ``item_key`` order: each item's
    `ITEM_COLUMNS`, and its `HELD_COLUMN` after them when it has one (so a hold reason added
    to, changed on or removed from an item shows, and an item without one digests as it did
    before the store kept them)."""
    held = f", {HELD_COLUMN}" if _holds_reasons(conn) else ""
    rows = conn.execute(
        f"SELECT {', '.join(ITEM_COLUMNS)}{held} FROM list_items WHERE list_id = ? "
        "ORDER BY item_key",
        (list_id,),
    ).fetchall()
    shaped = [
        list(row[: len(ITEM_COLUMNS)]) + [v for v in row[len(ITEM_COLUMNS) :] if v is not None]
        for row in rows
    ]
    canonical = json.dumps(shaped, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def list_seal(fields: dict[str, Any], items_digest: str | None, prev_seal: str, key: bytes) -> str:
    """HMAC-SHA256 (hex) under the chain's ``key`` of a list's record (:data:`LIST_FIELDS`),
    the digest of its items (None when they had gone before it was sealed) and the seal of
    the list sealed before it."""
    payload = {name: fields[name] for name in LIST_FIELDS}
    return seal_record(payload | {"items_digest": items_digest, "prev_seal": prev_seal}, key)


def _record(conn: sqlite3.Connection, list_id: str) -> dict[str, Any]:
    values = conn.execute(
        f"SELECT {', '.join(LIST_FIELDS)} FROM lists WHERE list_id = ?", (list_id,)
    ).fetchone()
    return dict(zip(LIST_FIELDS, values, strict=True))


def _last_seal(conn: sqlite3.Connection) -> str:
    found = conn.execute("SELECT seal FROM list_seals ORDER BY seal_seq DESC LIMIT 1").fetchone()
    return GENESIS_HASH if found is None else str(found[0])


def _items_removed(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT list_id FROM list_item_removals")}


def seal_list(conn: sqlite3.Connection, list_id: str, key: bytes) -> str:
    """Seal a stored list, inside the caller's write transaction (the one that stored it);
    return the seal."""
    digest = None if list_id in _items_removed(conn) else list_items_digest(conn, list_id)
    seal = list_seal(_record(conn, list_id), digest, _last_seal(conn), key)
    conn.execute(
        "INSERT INTO list_seals (list_id, items_digest, seal) VALUES (?, ?, ?)",
        (list_id, digest, seal),
    )
    return seal


def seal_unsealed(conn: sqlite3.Connection, key: bytes) -> int:
    """Seal, inside the migration's transaction, every list stored before the store sealed
    them, oldest first; return how many."""
    unsealed = conn.execute(
        "SELECT list_id FROM lists WHERE list_id NOT IN (SELECT list_id FROM list_seals) "
        "ORDER BY rowid"
    ).fetchall()
    for (list_id,) in unsealed:
        seal_list(conn, list_id, key)
    return len(unsealed)


def verify_list(conn: sqlite3.Connection, key: bytes, list_id: str) -> str | None:
    """What is wrong with one stored list's seal (its record, and its items unless retention
    removed them), in a sentence naming the list; None when it holds. What outreach and a
    check export rest on, checked before they write (`verify_lists` checks them all)."""
    found = conn.execute(
        "SELECT seal_seq, items_digest, seal FROM list_seals WHERE list_id = ?", (list_id,)
    ).fetchone()
    fields = _record(conn, list_id)
    if found is None:
        stored = fields["created_at"]
        return f"list {list_id} (stored {stored}): not sealed: stored outside the workbench"
    seq, digest, seal = found
    before = conn.execute(
        "SELECT seal FROM list_seals WHERE seal_seq < ? ORDER BY seal_seq DESC LIMIT 1", (seq,)
    ).fetchone()
    prev = GENESIS_HASH if before is None else str(before[0])
    removed = list_id in _items_removed(conn)
    return _sealed_problem(conn, key, fields, (digest, seal, prev), removed)


SEAL_MISMATCH = "(the seal does not match)"


def _fresh_seal(
    conn: sqlite3.Connection, key: bytes, fields: dict[str, Any], removed: bool, prev: str
) -> str:
    """The seal a list would have been given after `prev`, its items as they stand."""
    digest = None if removed else list_items_digest(conn, fields["list_id"])
    return list_seal(fields, digest, prev, key)


def _sealed_problem(
    conn: sqlite3.Connection,
    key: bytes,
    fields: dict[str, Any],
    sealed: tuple[str | None, str, str],
    removed: bool,
) -> str | None:
    """What is wrong with one list against its seal (`sealed`: the digest sealed with it, the
    seal, the seal before it): its record, then its items unless retention removed them."""
    digest, seal, prev = sealed
    name = f"list {fields['list_id']} (stored {fields['created_at']})"
    if not hmac.compare_digest(list_seal(fields, digest, prev, key), seal):
        return (
            f"{name}: its record was changed since it was stored, or a list sealed before it "
            f"was removed {SEAL_MISMATCH}"
        )
    if not removed and list_items_digest(conn, fields["list_id"]) != digest:
        return (
            f"{name}: its items were changed, added or removed since it was stored (outside "
            "retention): what reviewers were shown is not as the list proposed"
        )
    return None


def verify_lists(conn: sqlite3.Connection, key: bytes) -> tuple[int, list[str]]:
    """Check every stored list: its record against its seal, the seals' order (none removed
    or inserted) and, unless retention removed them, its items against the digest sealed with
    it. Returns how many lists were proved and the problems (naming the list, never a child)."""
    removed = _items_removed(conn)
    seals = conn.execute(
        "SELECT list_id, items_digest, seal FROM list_seals ORDER BY seal_seq"
    ).fetchall()
    records = {
        row[0]: dict(zip(LIST_FIELDS, row, strict=True))
        for row in conn.execute(f"SELECT {', '.join(LIST_FIELDS)} FROM lists")
    }
    problems: list[str] = []
    prev = GENESIS_HASH
    sealed_ids = {row[0] for row in seals}
    unsealed = {i: f for i, f in records.items() if i not in sealed_ids}
    seal_removed: set[str] = set()
    for list_id, digest, seal in seals:
        fields = records.pop(list_id, None)
        if fields is None:
            problems.append(f"list {list_id}: sealed, but the store no longer holds its record")
            prev = seal
            continue
        problem = _sealed_problem(conn, key, fields, (digest, seal, prev), list_id in removed)
        if problem is not None and problem.endswith(SEAL_MISMATCH):
            # An unsealed list whose seal, made afresh, proves this one: that list's seal
            # row was removed, not this list changed (an auditor's case).
            for other, other_fields in unsealed.items():
                bridge = _fresh_seal(conn, key, other_fields, other in removed, prev)
                if _sealed_problem(conn, key, fields, (digest, seal, bridge), list_id in removed):
                    continue
                seal_removed.add(other)
                problem = None
                break
        prev = seal
        if problem is not None:
            problems.append(problem)
    problems += [
        f"list {list_id} (stored {fields['created_at']}): "
        + (
            "its seal was removed outside the workbench (the seal of the list stored after it "
            "shows it was sealed)"
            if list_id in seal_removed
            else "not sealed: stored outside the workbench"
        )
        for list_id, fields in records.items()
    ]
    orphans = conn.execute(
        "SELECT count(*) FROM list_items WHERE list_id NOT IN (SELECT list_id FROM lists)"
    ).fetchone()[0]
    if orphans:
        problems.append(f"{orphans} list item(s) belong to no list the store records")
    reported = {p.split(" ", 2)[1] for p in problems if p.startswith("list l-")}
    return len(seals), problems + _held_as_recorded(conn, reported)


_NAMED_LIST = re.compile(r"\blist (l-[0-9a-f]{16})\b")


def _held_as_recorded(conn: sqlite3.Connection, reported: set[str]) -> list[str]:
    """What the store holds of its lists against what it recorded doing to them (an
    auditor's attacks): each list's items as many as it was stored with; a list whose items
    retention removed holding none, and removed by a retention the sealed access log records
    (at that moment); every list the access log names, and every list a decision is about,
    still held. A list in `reported` (its seal or digest did not match) is not counted."""
    problems = []
    counts = dict(
        conn.execute("SELECT list_id, count(*) FROM list_items GROUP BY list_id").fetchall()
    )
    retentions = {
        row[0] for row in conn.execute("SELECT at FROM access_log WHERE command = 'retention'")
    }
    removals = dict(conn.execute("SELECT list_id, removed_at FROM list_item_removals").fetchall())
    for list_id, created_at, stored in conn.execute(
        "SELECT list_id, created_at, item_count FROM lists ORDER BY rowid"
    ):
        name = f"list {list_id} (stored {created_at})"
        held = counts.get(list_id, 0)
        removed_at = removals.get(list_id)
        if removed_at is None and held != stored and list_id not in reported:
            problems.append(f"{name}: holds {held} item(s) but was stored with {stored}")
        elif removed_at is not None and held:
            problems.append(
                f"{name}: its items were removed under retention, yet it holds {held}: added "
                "since, outside the workbench"
            )
        if removed_at is not None and removed_at not in retentions:
            problems.append(
                f"{name}: recorded as removed under retention on {str(removed_at)[:10]}, but "
                "the access log records no retention then: the record was made outside "
                "`workbench retention`, and its items were not checked"
            )
    held_lists = {row[0] for row in conn.execute("SELECT list_id FROM lists")}
    named: dict[str, int] = {}
    for seq, detail in conn.execute("SELECT seq, detail FROM access_log ORDER BY seq"):
        for list_id in _NAMED_LIST.findall(detail):
            named.setdefault(list_id, seq)
    problems += [
        f"list {list_id}: named in the access log (line {seq} first) but no longer in the "
        "store: removed outside the workbench"
        for list_id, seq in named.items()
        if list_id not in held_lists
    ]
    decided = conn.execute(
        "SELECT list_id, count(*) FROM decisions "
        "WHERE list_id NOT IN (SELECT list_id FROM lists) GROUP BY list_id ORDER BY list_id"
    ).fetchall()
    problems += [
        f"list {list_id}: {count} decision(s) are about it, but the store no longer holds it: "
        "removed outside the workbench"
        for list_id, count in decided
        if list_id not in named
    ]
    return problems
