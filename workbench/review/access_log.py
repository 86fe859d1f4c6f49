"""The review store's access log, sealed: who read personal data, when, with which command.

`assure` proves from this log that each reviewer saw a family's details before deciding, and
subject access tells a person who viewed their record; so a line removed, edited or inserted
behind the package's back must show, as an edited decision does.

Each line is sealed as it is appended (:func:`append_access`): an HMAC-SHA256 under the
decision chain's key (:func:`workbench.review.chain.chain_key`) over its fields
(:data:`ACCESS_FIELDS`) and the seal of the line before it (the genesis hash for the first).
After each write the last line's number and seal are appended to ``<store>.access`` beside the
store (:func:`log_access_head`), which catches lines cut from the end. Lines logged before the
store sealed them (schema version 9) are sealed together as the store migrates
(:func:`start_sealing`): ``access_seal_since`` holds the last of them and the digest of them
all, sealed. :func:`verify_access_log` checks all three.

The seals are keyed with a key derived from the pseudonym key, so someone who can write the
database but does not hold the key cannot rewrite the log unseen; someone who holds both can.

Example
-------
>>> import sqlite3
>>> conn = sqlite3.connect(":memory:")
>>> _ = conn.executescript(
...     "CREATE TABLE access_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT, user TEXT,"
...     " command TEXT, detail TEXT, seal TEXT);"
...     "CREATE TABLE access_seal_since (since_seq INTEGER, lines_digest TEXT, seal TEXT)")
>>> key = bytes(32)
>>> start_sealing(conn, key)
>>> seq, seal = append_access(conn, "2026-09-01T09:00:00.000000Z", "A. Officer", "assess", "", key)
>>> seq, len(seal), verify_access_log(conn, key).problems
(1, 64, ())
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

from workbench.errors import WorkbenchError
from workbench.review.chain import seal_record
from workbench.review.schema import GENESIS_HASH

__all__ = [
    "ACCESS_FIELDS",
    "ACCESS_LOG_SUFFIX",
    "MIGRATE_COMMAND",
    "AccessLogReport",
    "access_head_log",
    "access_seal",
    "append_access",
    "append_line",
    "last_access",
    "log_access_head",
    "migrate_detail",
    "migration_problems",
    "start_sealing",
    "verify_access_log",
]

ACCESS_FIELDS = ("at", "user", "command", "detail")
"""The fields of an access-log line its seal covers, in the table's order."""
ACCESS_LOG_SUFFIX = ".access"
"""Beside the store, the log of the access log's last line after each write."""
MIGRATE_COMMAND = "migrate"
"""The access log's command of a store made earlier migrated to this workbench's schema."""
_MIGRATED = re.compile(r"^schema version (\d+) to (\d+)")


@dataclass(frozen=True)
class AccessLogReport:
    """What :func:`verify_access_log` found: how many lines were proved by their seals
    (``sealed``), how many were logged before the store sealed them (``unsealed``, not
    checked), and the problems (naming lines by number, time, user and command)."""

    sealed: int
    unsealed: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def access_seal(at: str, user: str, command: str, detail: str, prev_seal: str, key: bytes) -> str:
    """HMAC-SHA256 (hex) under the chain's ``key`` of a line's fields and the seal of the
    line before it."""
    fields = dict(zip(ACCESS_FIELDS, (at, user, command, detail), strict=True))
    return seal_record(fields | {"prev_seal": prev_seal}, key)


def _lines_digest(conn: sqlite3.Connection, upto: int) -> str:
    """SHA-256 (hex) of every line up to seq `upto`, in order, as stored."""
    rows = conn.execute(
        "SELECT seq, at, user, command, detail FROM access_log WHERE seq <= ? ORDER BY seq",
        (upto,),
    ).fetchall()
    canonical = json.dumps([list(row) for row in rows], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _since_seal(since: int, digest: str, key: bytes) -> str:
    return seal_record({"since_seq": since, "lines_digest": digest}, key)


def start_sealing(conn: sqlite3.Connection, key: bytes) -> None:
    """Record, inside the migration's transaction, where sealing starts: the last line logged
    so far and the digest of every line up to it, sealed under the chain's ``key``."""
    since = conn.execute("SELECT coalesce(max(seq), 0) FROM access_log").fetchone()[0]
    digest = _lines_digest(conn, since)
    conn.execute(
        "INSERT INTO access_seal_since VALUES (?, ?, ?)",
        (since, digest, _since_seal(since, digest, key)),
    )


def last_access(conn: sqlite3.Connection) -> tuple[int, str]:
    """(seq, seal) of the last line of the log; the seal is the genesis hash when there is no
    line, or the last was logged before the store sealed them."""
    found = conn.execute("SELECT seq, seal FROM access_log ORDER BY seq DESC LIMIT 1").fetchone()
    if found is None:
        return 0, GENESIS_HASH
    return found[0], found[1] or GENESIS_HASH


def append_access(
    conn: sqlite3.Connection, at: str, user: str, command: str, detail: str, key: bytes
) -> tuple[int, str]:
    """Append one sealed line to the access log, inside the caller's write transaction;
    return its (seq, seal) for :func:`log_access_head` once the transaction commits."""
    if not user.strip():
        raise WorkbenchError("log_access needs the user's name; got an empty user")
    seal = access_seal(at, user, command, detail, last_access(conn)[1], key)
    cursor = conn.execute(
        "INSERT INTO access_log (at, user, command, detail, seal) VALUES (?, ?, ?, ?, ?)",
        (at, user, command, detail, seal),
    )
    return int(cursor.lastrowid or 0), seal


def access_head_log(store: Path) -> Path:
    """``<store>.access``: the append-only log of the access log's last line."""
    return store.with_name(store.name + ACCESS_LOG_SUFFIX)


def append_line(path: Path, line: str, *, create: bool = True) -> None:
    """Append one line to a log beside the store, owner-only, never rewriting it; with
    ``create`` False, nothing when the log is not there (a log deleted is not made anew by
    the next command, which would hide that it was: its absence is reported)."""
    # Not fsynced: a line lost in a crash only leaves that entry unchecked (only logged
    # entries are compared), and an fsync per write would double the cost of recording.
    flags = os.O_WRONLY | os.O_APPEND | (os.O_CREAT if create else 0)
    try:
        descriptor = os.open(path, flags, 0o600)
    except FileNotFoundError:
        if create:
            raise
        return
    try:
        os.write(descriptor, line.encode("ascii"))
    finally:
        os.close(descriptor)


def log_access_head(store: Path, seq: int, seal: str, at: str) -> None:
    """Append the access log's last line (seq, seal, time) to ``<store>.access``, after its
    transaction committed; nothing when the log is not there (made with the store, or as it
    migrated: its absence is reported, not hidden)."""
    append_line(access_head_log(store), f"{seq}\t{seal}\t{at}\n", create=False)


def verify_access_log(
    conn: sqlite3.Connection, key: bytes, store: Path | None = None
) -> AccessLogReport:
    """Prove the access log of the store behind ``conn``: the lines logged before the store
    sealed them against their sealed digest; each line written since against its seal (a
    line edited, removed from the middle, inserted, or written with another key fails, and
    the lines after it are still checked) and the numbers missing between them; and, given
    the ``store``'s path, ``<store>.access``: each line it logged still there with its seal,
    and the log's last line among them (lines cut from the end). Lines are named by number
    and time only: a line's other fields are what may have been tampered with."""
    try:
        found = conn.execute(
            "SELECT since_seq, lines_digest, seal FROM access_seal_since"
        ).fetchall()
    except sqlite3.OperationalError:
        found = None
    if not found or len(found) > 1:
        what = "removed" if not found else "given twice"
        return AccessLogReport(
            0,
            0,
            (
                f"the record of when the access log began to be sealed (table "
                f"access_seal_since) was {what}: the access log cannot be trusted",
            ),
        )
    ((since, digest, since_seal),) = found
    problems: list[str] = []
    unsealed = conn.execute("SELECT count(*) FROM access_log WHERE seq <= ?", (since,))
    unsealed_count = int(unsealed.fetchone()[0])
    expected = _since_seal(since, _lines_digest(conn, since), key)
    if not hmac.compare_digest(expected, since_seal) or not hmac.compare_digest(
        _since_seal(since, digest, key), since_seal
    ):
        problems.append(
            f"the {unsealed_count} line(s) logged before the access log was sealed (up to line "
            f"{since}) were changed, added or removed since, or the record of where sealing "
            "began was moved (their sealed digest does not match)"
        )
    rows = conn.execute(
        "SELECT seq, at, user, command, detail, seal FROM access_log WHERE seq > ? ORDER BY seq",
        (since,),
    ).fetchall()
    prev, prev_seq = GENESIS_HASH, since
    for seq, at, user, command, detail, seal in rows:
        name = f"access log line {seq} ({_shown(at)})"
        if seq > prev_seq + 1 and prev_seq > since:
            missing = f"{prev_seq + 1}" + (f" to {seq - 1}" if seq - 1 > prev_seq + 1 else "")
            problems.append(f"access log line(s) {missing}: removed (the numbers are missing)")
        prev_seq = seq
        if seal is None:
            problems.append(f"{name}: not sealed, though written after the log was sealed")
            prev = GENESIS_HASH
            continue
        if not hmac.compare_digest(access_seal(at, user, command, detail, prev, key), seal):
            problems.append(
                f"{name}: its seal does not match: the line was changed, a line before it was "
                "removed or inserted, or it was written with another pseudonym key"
            )
        prev = seal
    if store is not None:
        problems += _verify_head_log(conn, store, sealed=len(rows))
    return AccessLogReport(len(rows), unsealed_count, tuple(problems))


def _shown(at: object) -> str:
    """A line's time as shown in a problem: its first 19 printable characters (a tampered
    field may hold anything)."""
    text = "".join(c for c in str(at) if c.isprintable())[:19]
    return f"{text}Z" if len(text) == 19 else repr(text)


def _verify_head_log(conn: sqlite3.Connection, store: Path, *, sealed: int) -> list[str]:
    """The lines logged in ``<store>.access`` that the access log no longer holds with the
    seal logged; the log's last line not logged (lines cut from the end, the log emptied or
    replaced); a missing log while the store holds sealed lines."""
    log = access_head_log(store)
    if not log.is_file():
        if not sealed:
            return []
        return [
            f"{log}: missing, while the store's access log holds {sealed} sealed line(s); "
            "every write appends its last line to it, so without it lines cut from the end "
            "cannot be found. Restore it from the same backup as the store (a store copied "
            "without it: copy it too)"
        ]
    held = dict(conn.execute("SELECT seq, seal FROM access_log WHERE seal IS NOT NULL"))
    problems = []
    logged: dict[int, str] = {}
    for number, text in enumerate(log.read_text("ascii", errors="replace").splitlines(), 1):
        fields = text.split("\t")
        if len(fields) != 3 or not fields[0].isdigit():
            problems.append(f"{log} line {number}: not a logged access-log line")
            continue
        seq, seal = int(fields[0]), fields[1]
        logged[seq] = seal
        if seq not in held:
            problems.append(
                f"{log} line {number}: access log line {seq}, logged on {_shown(fields[2])[:10]}, "
                "is gone from the store"
            )
        elif not hmac.compare_digest(held[seq], seal):
            problems.append(
                f"{log} line {number}: access log line {seq} has another seal than the one "
                "logged: the line or the log was changed"
            )
    if held:
        last = max(held)
        if last not in logged:
            problems.append(
                f"{log}: the access log's last line ({last}) is not logged there: lines after "
                "it were cut and the log emptied or replaced, or a crash came between the "
                "line and its log (the next command logs its own line)"
            )
    return problems


def migrate_detail(before: int, after: int, sealed_lists: int) -> str:
    """The access log's detail of a migration (`MIGRATE_COMMAND`).

    >>> migrate_detail(9, 10, 2)
    'schema version 9 to 10; 2 stored list(s) sealed as they stood'
    """
    said = f"schema version {before} to {after}"
    return said + (f"; {sealed_lists} stored list(s) sealed as they stood" if sealed_lists else "")


def migration_problems(conn: sqlite3.Connection) -> list[str]:
    """What the access log's migration lines say the store went through that its schema does
    not show: migrated to a version it is not at now, or to the same version twice (its
    schema set back in between, outside the workbench, and the lists sealed afresh as they
    then stood: an auditor's attack). Empty when none (a store made at this version has no
    such line)."""
    current = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
    lines = conn.execute(
        "SELECT seq, detail FROM access_log WHERE command = ? ORDER BY seq", (MIGRATE_COMMAND,)
    ).fetchall()
    problems: list[str] = []
    seen: dict[int, int] = {}
    for seq, detail in lines:
        found = _MIGRATED.match(detail)
        if found is None:
            continue  # a changed line fails its seal (verify_access_log)
        to = int(found.group(2))
        if to > current:
            problems.append(
                f"access log line {seq} records the store migrated to schema version {to}, but "
                f"it is at version {current}: its schema was set back outside the workbench"
            )
        elif to in seen:
            problems.append(
                f"access log lines {seen[to]} and {seq} both record the store migrated to "
                f"schema version {to}: its schema was set back in between, outside the "
                "workbench, and what that version seals was sealed again as it then stood"
            )
        seen.setdefault(to, seq)
    return problems
