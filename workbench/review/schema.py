"""The review store's schema: the decision names it allows and its ordered SQL migrations.

:class:`workbench.review.store.ReviewStore` applies :data:`MIGRATIONS` in order on open and
records how many it has applied in ``schema_version``. Also here: the stored formats both the
store and its retention share (the chain's genesis hash, UTC timestamps as text).

Examples
--------
>>> len(MIGRATIONS), DECISIONS[0]
(13, 'contact')
>>> [s.split()[2] for s in statements(MIGRATIONS[0])][:2]
['lists', 'list_items']
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from workbench.errors import WorkbenchError

__all__ = [
    "BUSY_TIMEOUT_MS",
    "CHECK_OUTCOMES",
    "CHECK_OUTCOME_TEXT",
    "DECISIONS",
    "DECISION_MEANINGS",
    "FIELD_KEYS_VERSION",
    "FILLER_WORDS",
    "GENERIC_NAMES",
    "GENESIS_HASH",
    "HELD_IDS",
    "HELD_REASON_VERSION",
    "KEYED_CHAIN_VERSION",
    "LINK_DECISIONS",
    "LIST_FILES_VERSION",
    "MIGRATIONS",
    "NAME_WANTED",
    "OUTCOME_DECISIONS",
    "PLACEHOLDER_NAMES",
    "PLACEHOLDER_REASONS",
    "PROPOSED_MATCH_VERSION",
    "REASON_MAX_CHARS",
    "REASON_REQUIRED",
    "ROLE_NAMES",
    "SEALED_ACCESS_VERSION",
    "SEALED_IMPORTS_VERSION",
    "SEALED_LISTS_VERSION",
    "configure",
    "decision_kind",
    "decision_label",
    "immediate",
    "is_placeholder",
    "names_someone",
    "reason_too_long",
    "recorded_user",
    "refuse_unnamed_user",
    "same_reviewer",
    "says_why",
    "statements",
    "too_long_message",
    "utc_text",
    "why_not_a_name",
]

OUTCOME_DECISIONS = ("contact", "not_eligible", "already_in_touch", "defer", "check")
LINK_DECISIONS = ("link_confirmed", "link_rejected")
DECISIONS = OUTCOME_DECISIONS + LINK_DECISIONS
REASON_REQUIRED = ("not_eligible", "link_rejected")
# The decisions in words, the one place they are defined: the workbook's About sheet, the
# panel, the web app and the transparency record all say them this way.
DECISION_MEANINGS = {
    "contact": "contact the family about the offer",
    "not_eligible": "the family is not eligible (say why in 'reason')",
    "already_in_touch": "the family is already in touch with us or has a place",
    "defer": "decide later, e.g. when more is known",
    "check": "check eligibility with DfE's service first (`workbench check export`)",
    "link_confirmed": "the DWP-list row and the council's record are the same child",
    "link_rejected": "the DWP-list row and the council's record are not the same child (say why)",
}


def decision_kind(decision: str) -> tuple[str, ...]:
    """The decisions of the same kind as `decision`: the link decisions, or the outcomes.

    >>> decision_kind("defer") == OUTCOME_DECISIONS
    True
    """
    return LINK_DECISIONS if decision in LINK_DECISIONS else OUTCOME_DECISIONS


PLACEHOLDER_REASONS = frozenset(
    {"n a", "na", "none", "nil", "null", "nothing", "no reason", "not applicable", "not known",
     "unknown", "tbc", "tba", "tbd", "etc", "see above", "as above", "ditto", "see notes",
     "see note", "see comments", "test", "testing", "xx", "xxx", "asdf", "ok", "okay", "no",
     "yes", "reason", "other", "misc"}
)  # fmt: skip
"""What people type into a required field to get past it, compared with punctuation, capitals
and spaces set aside (``N/A.``, ``-- n/a --`` and ``(none)`` are ``n a``, ``n a`` and
``none``): no reason, though it holds letters (a tester's ``n/a`` and ``not applicable.``
were taken)."""

FILLER_WORDS = frozenset(
    {"the", "and", "see", "not", "for", "per", "any", "all", "was", "are", "has", "had", "yes",
     "etc", "tbc", "tba", "tbd", "nil", "none", "null", "nothing", "unknown", "test", "testing",
     "asdf", "qwerty", "xxx", "okay", "reason", "notes", "note", "above", "below", "ditto",
     "other", "misc", "comments"}
)  # fmt: skip
"""Words of three letters or more that say nothing about why on their own (`says_why`)."""

REASON_MAX_CHARS = 2000
"""The longest reason the store takes: a few paragraphs. A longer one is refused (the panel,
a workbook's import and the store say so), since a spreadsheet cell holds at most 32,767
characters and the workbook shows a child's earlier reasons together in one cell."""

_WORD = re.compile(r"[^\W\d_]+")  # a run of letters, in any alphabet


def _words(text: str | None) -> list[str]:
    """The runs of letters in `text`, without capitals: punctuation and digits set aside."""
    return [word.casefold() for word in _WORD.findall(text or "")]


def is_placeholder(reason: str | None) -> bool:
    """Whether a reason is a placeholder: with punctuation, digits, capitals and spaces set
    aside it is one of `PLACEHOLDER_REASONS`, or it holds no word of three letters or more
    other than `FILLER_WORDS` (``-``, ``?``, ``...``, a date, ``no``, ``see the notes``).

    >>> [is_placeholder(r) for r in ("N/A.", " (none) ", "?", "-- n/a --", "no", "asdf")]
    [True, True, True, True, True, True]
    >>> [is_placeholder(r) for r in ("moved to Wales", "moved", "not the same child")]
    [False, False, False]
    """
    words = _words(reason)
    return " ".join(words) in PLACEHOLDER_REASONS or not any(
        len(word) >= 3 and word not in FILLER_WORDS for word in words
    )


def says_why(reason: str | None) -> bool:
    """Whether a reason says why in words: it holds a word of three letters or more, and is
    not a placeholder such as ``n/a.`` or ``see notes`` (`is_placeholder`): a date or a
    number pasted into the reason of a decision that needs one is no reason (a tester's
    workbook).

    >>> says_why("moved to Wales"), says_why("2026-09-14"), says_why(None), says_why("n/a")
    (True, False, False, False)
    """
    return reason is not None and not is_placeholder(reason)


def reason_too_long(reason: str | None) -> bool:
    """Whether a reason is longer than `REASON_MAX_CHARS` (spaces at either end aside).

    >>> reason_too_long("moved to Wales"), reason_too_long("x" * 2001)
    (False, True)
    """
    return len((reason or "").strip()) > REASON_MAX_CHARS


def too_long_message(reason: str) -> str:
    """What a refusal of a too-long reason says, wherever it is refused."""
    return (
        f"is {len(reason.strip()):,} characters long; a reason can be at most "
        f"{REASON_MAX_CHARS:,}: say why in a few sentences (the case notes can hold the rest)"
    )


NAME_WANTED = "give your name as colleagues know it, e.g. 'A. Officer'"
"""What a reviewer's name must be, as every refusal of one says it."""

ROLE_NAMES = frozenset(
    {"admin", "administrator", "root", "user", "guest", "system", "officer", "reviewer",
     "review officer", "early years officer", "staff", "team", "council", "tester"}
)  # fmt: skip
"""Role words and accounts' roles: what someone is, or an account shared by whoever does it
(``Officer``, ``admin``, ``root``), no one's name on their own (`why_not_a_name`)."""

PLACEHOLDER_NAMES = frozenset(
    {"n a", "na", "none", "nil", "null", "nobody", "no one", "unknown", "anonymous", "anon",
     "test", "testing", "test user", "default", "me", "myself", "someone", "somebody", "name",
     "my name", "your name", "tbc", "asdf", "xx", "xxx", "abc"}
)  # fmt: skip
"""What people type into a name field to get past it (``n/a``, ``Test User``, ``me``): no
one's name (`why_not_a_name`)."""

GENERIC_NAMES = ROLE_NAMES | PLACEHOLDER_NAMES
"""Placeholders and role words: no one's name on their own (`names_someone`)."""


def why_not_a_name(name: str | None) -> str | None:
    """Why `name` is not a person's name, said to follow "it" or "which" (``is a role
    word``), or None when it can be one (`names_someone`): every refusal of a name says
    which rule refused it.

    >>> [why_not_a_name(n) for n in ("Officer", "n/a", "Test Officer")]
    ['is a role word', 'is a placeholder', 'is only placeholders and role words']
    >>> {why_not_a_name(n) for n in ("x", "R2", "-", "1")}
    {'has no word of two letters or more'}
    >>> [why_not_a_name(n) for n in ("<b>Al</b>", " ", None, "A. Officer")]
    ["holds markup ('<' or '>')", 'is empty', 'is empty', None]
    """
    if name is None or not name.strip():
        return "is empty"
    if "<" in name or ">" in name:
        return "holds markup ('<' or '>')"
    words = _words(name)
    whole = " ".join(words)
    if words and (whole in ROLE_NAMES or all(word in ROLE_NAMES for word in words)):
        return "is a role word"
    if words and (whole in PLACEHOLDER_NAMES or all(w in PLACEHOLDER_NAMES for w in words)):
        return "is a placeholder"
    if not any(len(word) >= 2 for word in words):
        return "has no word of two letters or more"
    if all(word in GENERIC_NAMES for word in words):
        return "is only placeholders and role words"
    return None


def names_someone(name: str | None) -> bool:
    """Whether `name` can be a person's name, as colleagues know it: it holds a word of two
    letters or more (in any alphabet); its words, punctuation and capitals aside, are not
    all placeholders or role words (`GENERIC_NAMES`: ``n/a``, ``admin``, ``Officer``,
    ``Test User``; an initial is a word of its own, so ``A. Officer`` names someone); and it
    holds no ``<`` or ``>`` (markup is no one's name). Two capitals alone (``AB``) pass: they
    cannot be told from a short name written in capitals (``AL`` for Al). Initials and a
    surname (``A. Officer``, ``J Smith``), a short name (``Al``), ``O'Neil``, ``Zoë Ng`` and a
    login name (``a.officer``) are; a single letter, a number or a dash are no one's (a
    tester recorded decisions as ``x``, and every action on a family must trace to a named
    person's decision). A name already recorded is read as it was; this is checked where
    decisions are recorded. `why_not_a_name` says which rule refuses a name.

    >>> [names_someone(n) for n in ("Al", "A. Officer", "J Smith", "O'Neil", "Zoë Ng")]
    [True, True, True, True, True]
    >>> [names_someone(n) for n in ("x", "1", "-", "R2", " ", "", None)]
    [False, False, False, False, False, False, False]
    >>> [names_someone(n) for n in ("n/a", "Officer", "Test User", "root", "<b>Al</b>")]
    [False, False, False, False, False]
    """
    return why_not_a_name(name) is None


def _is_login_name(name: str) -> bool:
    """Whether `name` is who `current_user` says runs the command with `WORKBENCH_USER` unset:
    the login name, taken as it is (``root``, ``analyst1``: the account that ran it)."""
    from workbench.governance.access import current_user

    try:
        return name == current_user()
    except WorkbenchError:  # WORKBENCH_USER set to no one's name: not the login name
        return False


def refuse_unnamed_user(user: str, where: str, *, optional: bool = False) -> None:
    """Refuse (WorkbenchError, before anything is written or logged) `user` given as who
    did something (the access log, the store and the files exported record it) when it names
    no one (`why_not_a_name`: ``admin``, ``n/a``, ``Test User``, a single letter), saying
    why, as a `WORKBENCH_USER` set to such a name is refused (`current_user`). The login name
    the command runs under is taken as it is, as `current_user` takes it. `where` names the
    function refusing; `optional`, that its caller may leave `user` unset.

    >>> refuse_unnamed_user("A. Officer", "export_outreach")
    >>> try:
    ...     refuse_unnamed_user("admin", "export_outreach", optional=True)
    ... except WorkbenchError as error:
    ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
    export_outreach: user 'admin' is not a person's name (it is a role word), and the access
    log and the store record it as who did it: give your own name as colleagues know it, e.g.
    user="A. Officer", or leave user unset to record WORKBENCH_USER, else the login name
    """
    if not user.strip():
        raise WorkbenchError(f"{where} needs the user's name; got an empty user")
    why = why_not_a_name(user)
    if why is None or _is_login_name(user):
        return
    unset = (
        "leave user unset to record WORKBENCH_USER, else the login name"
        if optional
        else "give current_user() (WORKBENCH_USER, else the login name)"
    )
    raise WorkbenchError(
        f"{where}: user {user!r} is not a person's name (it {why}), and the access log and the "
        f"store record it as who did it: give your own name as colleagues know it, e.g. "
        f'user="A. Officer", or {unset}'
    )


def recorded_user(user: str | None, where: str) -> str:
    """Who did something, as the access log, the store and the files exported record it:
    `user` when given, refused when it names no one (`refuse_unnamed_user`); else (None or
    ``""``) `current_user` (`WORKBENCH_USER`, checked, else the login name).

    >>> recorded_user("A. Officer", "export_checks")
    'A. Officer'
    """
    if not user:
        from workbench.governance.access import current_user

        return current_user()
    refuse_unnamed_user(user, where, optional=True)
    return user


def same_reviewer(a: str, b: str) -> bool:
    """Whether two reviewer names are one person's, as people write names: spaces and case
    aside.

    >>> same_reviewer("A.  Officer", "a. officer")
    True
    """
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def decision_label(decision: str) -> str:
    """A decision's name as a person reads it: `already_in_touch` -> `already in touch`."""
    return decision.replace("_", " ")


# What DfE's checking services answered, in the store's words: `workbench.review.checks`
# reads DfE's outcome strings into these. A check result is evidence, never a decision.
CHECK_OUTCOMES = (
    "eligible",
    "may_not_be_eligible",
    "information_does_not_match",
    "technical_error",
)

CHECK_OUTCOME_TEXT = {
    "eligible": (
        "Eligible",
        "DfE's service found the parent eligible: evidence for your decision, not a decision.",
    ),
    "may_not_be_eligible": (
        "May not be eligible",
        "DfE's service did not confirm the parent's eligibility. It checks the parent's "
        "benefits only: a criterion it does not check (see the reasons) may still apply.",
    ),
    "information_does_not_match": (
        "Information does not match DfE's records",
        "Check the parent's surname, date of birth and National Insurance number with the "
        "family before checking again.",
    ),
    "technical_error": (
        "Not checked: a technical error",
        "DfE's service could not check this row: send it again with `workbench check export "
        "--try-again`.",
    ),
}
"""Each check outcome (`CHECK_OUTCOMES`) in words, and what it means for the officer."""

GENESIS_HASH = "0" * 64
BUSY_TIMEOUT_MS = 10_000


def _sql_names(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{name}'" for name in names)


# Released migrations are never edited, so they keep the decision names they were released
# with; migration 4 widens the table's CHECK to today's DECISIONS.
_DECISION_LIST_V1 = _sql_names(
    ("contact", "not_eligible", "already_in_touch", "defer", "link_confirmed", "link_rejected")
)
_DECISION_LIST = _sql_names(DECISIONS)
_REASON_LIST = _sql_names(REASON_REQUIRED)


def _append_only(table: str, actions: tuple[str, ...] = ("UPDATE", "DELETE")) -> str:
    return "\n".join(
        f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table}\n"
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} is refused; "
        f"record a correction as a new row'); END;"
        for action in actions
    )


def _refuse_delete_outside_retention(table: str) -> str:
    """A DELETE trigger that lets rows go only while the retention window is open."""
    return (
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}\n"
        "WHEN NOT EXISTS (SELECT 1 FROM retention_window)\n"
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE is refused; record a "
        "correction as a new row (only ReviewStore.apply_retention removes expired rows)'); END;"
    )


KEYED_CHAIN_VERSION = 3
"""The migration from which a store's decision chain is keyed."""
PROPOSED_MATCH_VERSION = 6
"""The migration from which list items keep the child proposed as their match."""
SEALED_IMPORTS_VERSION = 7
"""The migration from which check imports are sealed."""
SEALED_ACCESS_VERSION = 9
"""The migration from which the access log's lines are sealed."""
SEALED_LISTS_VERSION = 10
"""The migration from which stored lists are sealed."""
HELD_REASON_VERSION = 11
"""The migration from which list items keep why the linkage held their link for review."""
FIELD_KEYS_VERSION = 12
"""The migration from which check export rows keep a keyed pseudonym of their identifying
fields with each one left out (`field_keys`)."""
LIST_FILES_VERSION = 13
"""The migration from which the store keeps the SHA-256 of the file each list was registered
from (`list_files`)."""

HELD_IDS = re.compile(
    r"(?P<lead>council records? )(?P<ids>[^\s:;(),]+(?:, (?!was taken)[^\s:;(),]+)*)"
    r"|(?P<row_lead>taken by row )(?P<row>[^\s:;(),]+)"
)
"""The ids a hold reason (the linkage's ``held_because``) names: council record ids
(``council record P2``, ``council records P2, P3``) in ``ids``, and the DWP-list row that
took a child (``taken by row D5``) in ``row``. The store keeps a hold reason with each as its
pseudonymous key (`workbench.review.lists.pseudonymous_held`), never in clear.

>>> [m["ids"] or m["row"] for m in HELD_IDS.finditer(
...     "council records P2, P3 score as high; its best match, council record P4, was taken "
...     "by row D5, which scored higher")]
['P2, P3', 'P4', 'D5']
"""

# Ordered migrations: the store records how many it has applied in `schema_version` and
# applies the rest on open. Never edit a released script; append a new one.
MIGRATIONS: tuple[str, ...] = (
    f"""
    CREATE TABLE lists (
        list_id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        initiative TEXT NOT NULL,
        rule_set TEXT NOT NULL,
        input_hashes TEXT NOT NULL,
        created_at TEXT NOT NULL,
        item_count INTEGER NOT NULL,
        UNIQUE (run_id, initiative)
    );
    CREATE TABLE list_items (
        list_id TEXT NOT NULL REFERENCES lists (list_id),
        item_key TEXT NOT NULL
            CHECK (length(item_key) = 27 AND item_key GLOB 'pk_[0-9a-f]*'),
        tier TEXT NOT NULL,
        reason_codes TEXT NOT NULL,
        evidence TEXT,
        eligible_from TEXT,
        link_needs_review INTEGER NOT NULL CHECK (link_needs_review IN (0, 1)),
        PRIMARY KEY (list_id, item_key)
    );
    CREATE TABLE decisions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        decision_id TEXT NOT NULL UNIQUE,
        list_id TEXT NOT NULL,
        item_key TEXT NOT NULL,
        reviewer TEXT NOT NULL CHECK (length(trim(reviewer)) > 0),
        decided_at TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ({_DECISION_LIST_V1})),
        reason TEXT,
        prev_hash TEXT NOT NULL UNIQUE,
        hash TEXT NOT NULL UNIQUE,
        CHECK (decision NOT IN ({_REASON_LIST}) OR length(trim(coalesce(reason, ''))) > 0),
        FOREIGN KEY (list_id, item_key) REFERENCES list_items (list_id, item_key)
    );
    CREATE INDEX decisions_by_item ON decisions (item_key, seq);
    CREATE INDEX decisions_by_list ON decisions (list_id, item_key, seq);
    CREATE TABLE access_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        command TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    {_append_only("lists")}
    {_append_only("list_items")}
    {_append_only("decisions")}
    {_append_only("access_log")}
    """,
    # 2: controlled retention. `retention_window` holds a row only inside the one transaction
    # of ReviewStore.apply_retention (never committed), and the DELETE triggers of list_items
    # and decisions let rows go only then. Decisions are rebuilt without their foreign key to
    # list_items, because they outlive the items they were about (in pseudonymous form); the
    # table's sequence counter is carried over so verify_chain still sees removals from the end.
    # A removed run of decisions is replaced by a sealed checkpoint the chain is bridged by.
    f"""
    CREATE TABLE retention_window (
        slot INTEGER PRIMARY KEY CHECK (slot = 1),
        opened_at TEXT NOT NULL
    );
    CREATE TABLE list_item_removals (
        list_id TEXT PRIMARY KEY REFERENCES lists (list_id),
        removed_at TEXT NOT NULL,
        item_count INTEGER NOT NULL CHECK (item_count > 0),
        user TEXT NOT NULL CHECK (length(trim(user)) > 0)
    );
    CREATE TABLE chain_checkpoints (
        checkpoint INTEGER PRIMARY KEY AUTOINCREMENT,
        seq_from INTEGER NOT NULL,
        seq_upto INTEGER NOT NULL CHECK (seq_upto >= seq_from),
        from_hash TEXT NOT NULL,
        head_hash TEXT NOT NULL,
        count INTEGER NOT NULL CHECK (count > 0),
        before TEXT NOT NULL,
        removed_at TEXT NOT NULL,
        user TEXT NOT NULL CHECK (length(trim(user)) > 0),
        prev_seal TEXT NOT NULL UNIQUE,
        seal TEXT NOT NULL UNIQUE
    );
    DROP TRIGGER decisions_no_update;
    DROP TRIGGER decisions_no_delete;
    DROP INDEX decisions_by_item;
    DROP INDEX decisions_by_list;
    CREATE TABLE decisions_v2 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        decision_id TEXT NOT NULL UNIQUE,
        list_id TEXT NOT NULL REFERENCES lists (list_id),
        item_key TEXT NOT NULL
            CHECK (length(item_key) = 27 AND item_key GLOB 'pk_[0-9a-f]*'),
        reviewer TEXT NOT NULL CHECK (length(trim(reviewer)) > 0),
        decided_at TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ({_DECISION_LIST_V1})),
        reason TEXT,
        prev_hash TEXT NOT NULL UNIQUE,
        hash TEXT NOT NULL UNIQUE,
        CHECK (decision NOT IN ({_REASON_LIST}) OR length(trim(coalesce(reason, ''))) > 0)
    );
    INSERT INTO decisions_v2 SELECT * FROM decisions ORDER BY seq;
    DELETE FROM sqlite_sequence WHERE name = 'decisions_v2';
    INSERT INTO sqlite_sequence (name, seq)
        SELECT 'decisions_v2', seq FROM sqlite_sequence WHERE name = 'decisions';
    DROP TABLE decisions;
    ALTER TABLE decisions_v2 RENAME TO decisions;
    CREATE INDEX decisions_by_item ON decisions (item_key, seq);
    CREATE INDEX decisions_by_list ON decisions (list_id, item_key, seq);
    CREATE INDEX decisions_by_time ON decisions (decided_at);
    {_append_only("decisions", ("UPDATE",))}
    {_refuse_delete_outside_retention("decisions")}
    DROP TRIGGER list_items_no_delete;
    {_refuse_delete_outside_retention("list_items")}
    {_append_only("list_item_removals")}
    {_append_only("chain_checkpoints")}
    """,
    # 3: a keyed chain. Decisions after `since_seq` and checkpoints after `since_checkpoint`
    # are chained with HMAC-SHA256 under a key held outside the store (derived from the
    # pseudonym key), so nobody with the database file alone can rehash them. `fingerprint`
    # names the key without revealing it. One row, written when the migration is applied.
    f"""
    CREATE TABLE chain_key (
        slot INTEGER PRIMARY KEY CHECK (slot = 1),
        since_seq INTEGER NOT NULL,
        since_checkpoint INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        keyed_at TEXT NOT NULL
    );
    {_append_only("chain_key")}
    """,
    # 4: eligibility checks through DfE's services. The decision `check` is allowed (the
    # decisions table is rebuilt as in migration 2, its sequence counter carried over, so the
    # chain verifies as before). A check export (`workbench check export`) records which rows
    # it sent and which decisions each rests on; `row_key` is a keyed pseudonym of the row's
    # parent details (never the details). A check result (`workbench check import`) is DfE's
    # answer for one exported row: evidence beside the decision, never a decision itself.
    f"""
    DROP TRIGGER decisions_no_update;
    DROP TRIGGER decisions_no_delete;
    DROP INDEX decisions_by_item;
    DROP INDEX decisions_by_list;
    DROP INDEX decisions_by_time;
    CREATE TABLE decisions_v4 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        decision_id TEXT NOT NULL UNIQUE,
        list_id TEXT NOT NULL REFERENCES lists (list_id),
        item_key TEXT NOT NULL
            CHECK (length(item_key) = 27 AND item_key GLOB 'pk_[0-9a-f]*'),
        reviewer TEXT NOT NULL CHECK (length(trim(reviewer)) > 0),
        decided_at TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ({_DECISION_LIST})),
        reason TEXT,
        prev_hash TEXT NOT NULL UNIQUE,
        hash TEXT NOT NULL UNIQUE,
        CHECK (decision NOT IN ({_REASON_LIST}) OR length(trim(coalesce(reason, ''))) > 0)
    );
    INSERT INTO decisions_v4 SELECT * FROM decisions ORDER BY seq;
    DELETE FROM sqlite_sequence WHERE name = 'decisions_v4';
    INSERT INTO sqlite_sequence (name, seq)
        SELECT 'decisions_v4', seq FROM sqlite_sequence WHERE name = 'decisions';
    DROP TABLE decisions;
    ALTER TABLE decisions_v4 RENAME TO decisions;
    CREATE INDEX decisions_by_item ON decisions (item_key, seq);
    CREATE INDEX decisions_by_list ON decisions (list_id, item_key, seq);
    CREATE INDEX decisions_by_time ON decisions (decided_at);
    {_append_only("decisions", ("UPDATE",))}
    {_refuse_delete_outside_retention("decisions")}
    CREATE TABLE check_exports (
        export_id TEXT PRIMARY KEY,
        list_id TEXT NOT NULL REFERENCES lists (list_id),
        template TEXT NOT NULL,
        exported_at TEXT NOT NULL,
        exported_by TEXT NOT NULL CHECK (length(trim(exported_by)) > 0),
        row_count INTEGER NOT NULL CHECK (row_count >= 0),
        file_count INTEGER NOT NULL CHECK (file_count >= 0),
        not_checkable INTEGER NOT NULL CHECK (not_checkable >= 0)
    );
    CREATE TABLE check_export_rows (
        export_id TEXT NOT NULL REFERENCES check_exports (export_id),
        row_number INTEGER NOT NULL CHECK (row_number > 0),
        part INTEGER NOT NULL CHECK (part > 0),
        row_key TEXT NOT NULL CHECK (length(row_key) = 27 AND row_key GLOB 'pk_[0-9a-f]*'),
        PRIMARY KEY (export_id, row_number),
        UNIQUE (export_id, row_key)
    );
    CREATE INDEX check_export_rows_by_key ON check_export_rows (row_key);
    CREATE TABLE check_export_items (
        export_id TEXT NOT NULL,
        row_number INTEGER NOT NULL,
        item_key TEXT NOT NULL
            CHECK (length(item_key) = 27 AND item_key GLOB 'pk_[0-9a-f]*'),
        decision_id TEXT NOT NULL,
        decision_seq INTEGER NOT NULL,
        PRIMARY KEY (export_id, item_key),
        FOREIGN KEY (export_id, row_number) REFERENCES check_export_rows (export_id, row_number)
    );
    CREATE TABLE check_imports (
        import_id TEXT PRIMARY KEY,
        export_id TEXT NOT NULL REFERENCES check_exports (export_id),
        imported_at TEXT NOT NULL,
        imported_by TEXT NOT NULL CHECK (length(trim(imported_by)) > 0),
        file_name TEXT NOT NULL,
        file_sha256 TEXT NOT NULL,
        row_count INTEGER NOT NULL,
        recorded INTEGER NOT NULL
    );
    CREATE TABLE check_results (
        result_seq INTEGER PRIMARY KEY AUTOINCREMENT,
        import_id TEXT NOT NULL REFERENCES check_imports (import_id),
        export_id TEXT NOT NULL,
        row_number INTEGER NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ({_sql_names(CHECK_OUTCOMES)})),
        dfe_outcome TEXT NOT NULL,
        tier TEXT,
        eligible_until TEXT,
        FOREIGN KEY (export_id, row_number) REFERENCES check_export_rows (export_id, row_number)
    );
    CREATE INDEX check_results_by_row ON check_results (export_id, row_number, result_seq);
    {_append_only("check_exports")}
    {_append_only("check_export_rows")}
    {_append_only("check_export_items")}
    {_append_only("check_imports")}
    {_append_only("check_results")}
    """,
    # 5: retention of DfE's check results. The results of an import go when their period has run
    # from when they were imported (ReviewStore.apply_retention, inside its retention window, as
    # list items do); the import's row stays with its counts, and `check_result_removals` records
    # when its results went, how many and by whom.
    f"""
    CREATE TABLE check_result_removals (
        import_id TEXT PRIMARY KEY REFERENCES check_imports (import_id),
        removed_at TEXT NOT NULL,
        result_count INTEGER NOT NULL CHECK (result_count > 0),
        user TEXT NOT NULL CHECK (length(trim(user)) > 0)
    );
    DROP TRIGGER check_results_no_delete;
    {_refuse_delete_outside_retention("check_results")}
    {_append_only("check_result_removals")}
    """,
    # 6: the match a link decision is about. For an item whose record link awaits review, the
    # pseudonym of the council child proposed as its match (`proposed_key`), so that a later
    # `assess --store` applies a reviewer's `link_confirmed` or `link_rejected` to that same
    # pair, and to no other. Null on every other item, and on items stored before version 6.
    """
    ALTER TABLE list_items ADD COLUMN proposed_key TEXT
        CHECK (proposed_key IS NULL
               OR (length(proposed_key) = 27 AND proposed_key GLOB 'pk_[0-9a-f]*'));
    """,
    # 7: DfE's check results sealed. Each import keeps the SHA-256 of its results as recorded
    # (`results_digest`) and a seal: an HMAC under the chain's key over the import's own fields,
    # that digest and the previous import's seal (`workbench.review.chain.check_import_seal`).
    # So a result edited or removed outside retention, an import's record changed, or a sealed
    # import removed before the last, shows when the store is verified, as an edited decision
    # does; after retention removes an import's results, its record is still proved (retention
    # never removes an import's record). Null for imports recorded before version 7.
    """
    ALTER TABLE check_imports ADD COLUMN results_digest TEXT;
    ALTER TABLE check_imports ADD COLUMN seal TEXT;
    """,
    # 8: outreach exports. Each `review outreach` export (its list, when, by whom, the file it
    # wrote) and, for each row, the child's item key and the `contact` decision it acted on:
    # a later export holds back a family already sent on the same decision, unless asked to
    # send again. An export that replaced another's file (`--overwrite`), or that voids one
    # whose file could not be written, names it (`replaces`): that one was never sent. An
    # export's rows go with the decisions they rest on (`ReviewStore.apply_retention`, which
    # records it in `outreach_item_removals`); its own row stays, with its count. Each export
    # is sealed as DfE's check imports are: an HMAC under the chain's key over its fields, the
    # digest of its rows and the previous export's seal (`workbench.review.chain`).
    f"""
    CREATE TABLE outreach_exports (
        export_seq INTEGER PRIMARY KEY AUTOINCREMENT,
        list_id TEXT NOT NULL REFERENCES lists (list_id),
        exported_at TEXT NOT NULL,
        exported_by TEXT NOT NULL CHECK (length(trim(exported_by)) > 0),
        file TEXT NOT NULL,
        row_count INTEGER NOT NULL CHECK (row_count >= 0),
        replaces INTEGER REFERENCES outreach_exports (export_seq),
        items_digest TEXT NOT NULL,
        seal TEXT NOT NULL
    );
    CREATE TABLE outreach_export_items (
        export_seq INTEGER NOT NULL REFERENCES outreach_exports (export_seq),
        item_key TEXT NOT NULL
            CHECK (length(item_key) = 27 AND item_key GLOB 'pk_[0-9a-f]*'),
        decision_id TEXT NOT NULL,
        PRIMARY KEY (export_seq, item_key)
    );
    CREATE INDEX outreach_export_items_by_decision ON outreach_export_items (decision_id);
    CREATE TABLE outreach_item_removals (
        export_seq INTEGER PRIMARY KEY REFERENCES outreach_exports (export_seq),
        removed_at TEXT NOT NULL,
        item_count INTEGER NOT NULL CHECK (item_count >= 0),
        user TEXT NOT NULL CHECK (length(trim(user)) > 0)
    );
    {_append_only("outreach_exports")}
    {_append_only("outreach_export_items", ("UPDATE",))}
    {_refuse_delete_outside_retention("outreach_export_items")}
    {_append_only("outreach_item_removals")}
    """,
    # 9: the access log sealed. Each line from now on carries a seal: an HMAC under the chain's
    # key over its fields and the seal of the line before it (`workbench.review.access_log`),
    # so a line edited, removed from the middle or inserted shows when the store is verified,
    # as an edited decision does; `<store>.access` beside the store logs the last line's seal
    # after each write, so lines cut from the end show too. `access_seal_since` holds the last
    # line logged before this version (`since_seq`) and, sealed with it under the chain's key,
    # the digest of every line up to it (written by `ReviewStore` as it migrates): those lines
    # are not sealed one by one, but none can be added, edited or removed, nor `since_seq`
    # moved, unseen.
    f"""
    ALTER TABLE access_log ADD COLUMN seal TEXT;
    CREATE TABLE access_seal_since (
        since_seq INTEGER NOT NULL,
        lines_digest TEXT NOT NULL,
        seal TEXT NOT NULL
    );
    {_append_only("access_seal_since")}
    """,
    # 10: the lists sealed. Each stored list gets a seal (`workbench.review.list_seals`): an
    # HMAC under the chain's key over its record, the SHA-256 of its items as stored and the
    # seal of the list sealed before it, so an item edited, added or removed behind the
    # package's back (what a reviewer was shown and decided on) shows when the store is
    # verified. Lists stored before this version are sealed as the store migrates (by
    # `ReviewStore`), their items as they then were; a list whose items retention had removed
    # has no digest (its record is still sealed).
    f"""
    CREATE TABLE list_seals (
        seal_seq INTEGER PRIMARY KEY AUTOINCREMENT,
        list_id TEXT NOT NULL UNIQUE REFERENCES lists (list_id),
        items_digest TEXT,
        seal TEXT NOT NULL UNIQUE
    );
    {_append_only("list_seals")}
    """,
    # 11: why the linkage held an item's link for review (the list's `held_because`: a twin of
    # the child proposed, a namesake elsewhere), for an item whose link awaits review, with
    # every council record id and DWP-list row it names as its pseudonymous key
    # (`HELD_IDS`), never in clear: subject access finds, from the store alone, a view or a
    # workbook of such a row that named a child in why. Null on every other item, and on items
    # stored before version 11. A list's seal covers it where it is given
    # (`workbench.review.list_seals`), so the seals of lists stored before still hold.
    """
    ALTER TABLE list_items ADD COLUMN held_because TEXT;
    """,
    # 12: each check export row keeps, beside its `row_key`, the keyed pseudonym of its
    # identifying fields with each one left out in turn (`field_keys`: JSON, by the header
    # left out; `workbench.review.checks.field_keys`), never the details: a results row whose
    # National Insurance number (say) differs from the one sent is told from a row never
    # sent, and the field named (`workbench check import`). Null on rows exported before.
    """
    ALTER TABLE check_export_rows ADD COLUMN field_keys TEXT
        CHECK (field_keys IS NULL OR json_valid(field_keys));
    """,
    # 13: the SHA-256 of the list file a list was registered from (`workbench review export`),
    # so a file changed since in a column the items do not hold (``already_funded``, say),
    # its manifest's hash changed to match, is refused by outreach, check export and `assure
    # --store` (`workbench.review.outreach.check_same_items`). None for lists stored before.
    """
    CREATE TABLE list_files (
        list_id TEXT PRIMARY KEY REFERENCES lists (list_id),
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        registered_at TEXT NOT NULL
    );
    """,
)


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction on ``conn`` (opened with ``isolation_level=None``), holding the
    write lock from its first statement: committed at the end, rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def configure(conn: sqlite3.Connection) -> None:
    """The settings every connection to a store uses: wait for the write lock, write-ahead
    log, every commit on disk before it returns, foreign keys enforced."""
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise sqlite3.DatabaseError(f"could not switch to WAL journal mode (got {mode})")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")


def statements(script: str) -> Iterator[str]:
    """Split a SQL script into whole statements (trigger bodies hold ';' of their own)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement in a migration: {buffer.strip()[:60]}")


def utc_text(moment: datetime) -> str:
    """A timezone-aware moment as the UTC ISO 8601 text the store keeps (microseconds, ``Z``)."""
    if moment.tzinfo is None:
        raise WorkbenchError("the store's clock must return timezone-aware datetimes (UTC)")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
