"""The review decision store: exact round trips, append-only tables, the hash chain, and
real processes writing at once or killed mid-stream."""

from __future__ import annotations

import hashlib
import hmac
import json
import multiprocessing
import os
import re
import signal
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench.review.store as store_module
from workbench.errors import WorkbenchError
from workbench.review import (
    DECISIONS,
    GENESIS_HASH,
    LINK_DECISIONS,
    OUTCOME_DECISIONS,
    ChainReport,
    Decision,
    ReviewStore,
    chain,
    pseudonym,
)
from workbench.review.keys import load_key

KEY = bytes(range(32))
K1, K2, K3 = (pseudonym("person", f"P{i}", KEY) for i in (1, 2, 3))


def ticking_clock(start: str = "2026-09-01T09:00:00") -> Callable[[], datetime]:
    """A clock that moves on one second each time it is read."""
    moment = datetime.fromisoformat(start).replace(tzinfo=UTC)

    def now() -> datetime:
        nonlocal moment
        moment += timedelta(seconds=1)
        return moment

    return now


def make_items(*item_keys: str) -> pl.DataFrame:
    n = len(item_keys)
    return pl.DataFrame(
        {
            "item_key": list(item_keys),
            "tier": ["likely", "possible", "likely"][:n],
            "reason_codes": [["income_support", "dwp_list"], [], ["looked_after"]][:n],
            "evidence": ["income_support award active on 2026-08-01", None, "status active"][:n],
            "eligible_from": [date(2026, 9, 1), date(2027, 1, 1), None][:n],
            "link_needs_review": [False, True, False][:n],
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ReviewStore]:
    with ReviewStore(tmp_path / "store" / "review.sqlite", clock=ticking_clock()) as opened:
        yield opened


@pytest.fixture
def list_id(store: ReviewStore) -> str:
    return store.add_list(
        "r-aaa", "two_year_old", "two_year_old@2026.1", {"people.csv": "ab"}, make_items(K1, K2, K3)
    )


def raw(store: ReviewStore) -> sqlite3.Connection:
    return sqlite3.connect(store.path, isolation_level=None)


def chain_key_here() -> bytes:
    """The chain key, derived here from the tests' pseudonym key (WORKBENCH_KEY_FILE)."""
    pseudonym_key = bytes.fromhex(Path(os.environ["WORKBENCH_KEY_FILE"]).read_text().strip())
    return hmac.new(pseudonym_key, b"workbench decision chain v1", hashlib.sha256).digest()


def expected_hash(decision: Decision, key: bytes | None = None) -> str:
    """The chain hash recomputed here, independently of the package: HMAC-SHA256 under the
    chain key (as anyone holding the pseudonym key could), or plain SHA-256 with
    ``key=b""`` (as someone with only the database could)."""
    payload = {
        "decision_id": decision.decision_id,
        "list_id": decision.list_id,
        "item_key": decision.item_key,
        "reviewer": decision.reviewer,
        "decided_at": decision.decided_at,
        "decision": decision.decision,
        "reason": decision.reason,
        "prev_hash": decision.prev_hash,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if key == b"":
        return hashlib.sha256(text.encode()).hexdigest()
    return hmac.new(key or chain_key_here(), text.encode(), hashlib.sha256).hexdigest()


# --- the file --------------------------------------------------------------------------------
def test_new_store_is_owner_only_in_a_new_owner_only_folder_and_in_wal_mode(store):
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    with raw(store) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert store._conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert store._conn.execute("PRAGMA busy_timeout").fetchone() == (10_000,)


def test_reopening_a_store_applies_each_migration_once(store):
    store.close()
    with ReviewStore(store.path) as again:
        assert again.schema_version == len(store_module.MIGRATIONS)
        rows = again._conn.execute("SELECT version FROM schema_version").fetchall()
    assert rows == [(version,) for version in range(1, len(store_module.MIGRATIONS) + 1)]


def test_a_file_that_is_not_a_store_is_refused_with_one_clear_error(tmp_path: Path):
    bad = tmp_path / "notes.sqlite"
    bad.write_bytes(b"this is not a database, it is a note" * 100)
    with pytest.raises(WorkbenchError, match=r"notes\.sqlite: cannot be used as a review store"):
        ReviewStore(bad)


# --- lists -----------------------------------------------------------------------------------
def test_list_items_round_trip_exactly(store, list_id):
    assert store.items(list_id).equals(make_items(K1, K2, K3).sort("item_key"))


def test_lists_record_run_rules_inputs_and_count(store, list_id):
    assert store.lists().rows(named=True) == [
        {
            "list_id": list_id,
            "run_id": "r-aaa",
            "initiative": "two_year_old",
            "rule_set": "two_year_old@2026.1",
            "input_hashes": '{"people.csv": "ab"}',
            "created_at": "2026-09-01T09:00:02.000000Z",
            "item_count": 3,
            "items_removed_at": None,
        }
    ]


def test_reason_codes_given_as_joined_text_are_stored_the_same(store):
    items = make_items(K1).with_columns(pl.lit("dwp_list;income_support").alias("reason_codes"))
    list_id = store.add_list("r-b", "two_year_old", "rs", {}, items)
    assert store.items(list_id)["reason_codes"].to_list() == [["dwp_list", "income_support"]]


def test_adding_the_same_run_and_initiative_twice_returns_the_same_list(store, list_id):
    again = store.add_list(
        "r-aaa", "two_year_old", "two_year_old@2026.1", {}, make_items(K1, K2, K3)
    )
    assert again == list_id
    assert store.lists().height == 1
    assert store._conn.execute("SELECT count(*) FROM list_items").fetchone() == (3,)


def test_the_same_run_with_a_different_list_is_refused(store, list_id):
    with pytest.raises(WorkbenchError, match="already has a two_year_old list with 3 items"):
        store.add_list("r-aaa", "two_year_old", "two_year_old@2026.1", {}, make_items(K1))


def test_an_item_key_that_is_not_a_pseudonym_is_refused_and_not_echoed(store):
    items = make_items(K1, K2).with_columns(pl.Series("item_key", [K1, "P000123"]))
    with pytest.raises(WorkbenchError, match="row 2: item_key must be a pseudonymous key") as e:
        store.add_list("r-b", "two_year_old", "rs", {}, items)
    assert "P000123" not in str(e.value)
    assert store.lists().height == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (pl.Series("item_key", [K1, K1]), "row 2: item_key .* appears twice"),
        (pl.Series("tier", ["likely", None]), "row 2: tier is empty"),
        (pl.Series("eligible_from", ["2026-09-01", "01/09/2026"]), "row 2: eligible_from must"),
        (pl.Series("reason_codes", [["a;b"], []]), "row 1: reason_codes has an empty code"),
    ],
)
def test_bad_list_items_are_refused_naming_the_row(store, change, message):
    with pytest.raises(WorkbenchError, match=message):
        store.add_list("r-b", "i", "rs", {}, make_items(K1, K2).with_columns(change))
    assert store.lists().height == 0


def test_a_name_written_straight_into_list_items_is_refused_by_the_schema(store, list_id):
    with raw(store) as conn, pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute(
            "INSERT INTO list_items (list_id, item_key, tier, reason_codes, link_needs_review) "
            "VALUES (?, 'Jane Smith', 'likely', '', 0)",
            (list_id,),
        )


def test_a_name_written_straight_into_the_proposed_match_is_refused_by_the_schema(store, list_id):
    with raw(store) as conn, pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute(
            "INSERT INTO list_items (list_id, item_key, tier, reason_codes, link_needs_review, "
            "proposed_key) VALUES (?, ?, 'likely', '', 1, 'Jane Smith')",
            (list_id, "pk_" + "e" * 24),
        )


# --- decisions -------------------------------------------------------------------------------
def test_decisions_round_trip_exactly_and_chain_from_64_zeros(store, list_id):
    first = store.record_decision(list_id, K1, "contact", "A. Officer")
    second = store.record_decision(list_id, K2, "not_eligible", " B. Officer ", "moved away")
    assert (first.seq, first.list_id, first.item_key, first.reviewer) == (
        1,
        list_id,
        K1,
        "A. Officer",
    )
    assert (first.decision, first.reason) == ("contact", None)
    assert first.decided_at == "2026-09-01T09:00:03.000000Z"
    assert first.prev_hash == GENESIS_HASH == "0" * 64
    assert first.hash == expected_hash(first)
    assert (second.seq, second.reviewer, second.reason) == (2, "B. Officer", "moved away")
    assert second.prev_hash == first.hash
    assert second.hash == expected_hash(second)
    assert store.decisions().rows() == [tuple(vars(d).values()) for d in (first, second)]
    assert store.decisions(item_keys=[K2]).rows() == [tuple(vars(second).values())]
    assert store.decisions(list_id="l-none").height == 0


@pytest.mark.parametrize("decision", ["not_eligible", "link_rejected"])
@pytest.mark.parametrize(
    "reason", [None, "", "   ", "2026-09-14", "45123", "-", "n/a", "NA", "none", "?"]
)
def test_a_reason_is_required_for_not_eligible_and_link_rejected(store, list_id, decision, reason):
    # A date or a number pasted into the reason (a tester's workbook) says no why.
    with pytest.raises(WorkbenchError, match=f"a {decision} decision needs a reason"):
        store.record_decision(list_id, K1, decision, "A. Officer", reason)
    assert store.decisions().height == 0


@pytest.mark.parametrize("decision", ["not_eligible", "link_rejected"])
def test_the_schema_also_refuses_a_missing_reason_written_straight_in(store, list_id, decision):
    with raw(store) as conn, pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute(
            "INSERT INTO decisions (decision_id, list_id, item_key, reviewer, decided_at, "
            "decision, reason, prev_hash, hash) VALUES ('d1', ?, ?, 'A', 't', ?, ' ', 'p', 'h')",
            (list_id, K1, decision),
        )


@pytest.mark.parametrize(
    ("item_key", "decision", "reviewer", "message"),
    [
        (K1, "approve", "A. Officer", "unknown decision 'approve'; expected one of: contact"),
        (K1, "contact", "  ", "the reviewer's name is required"),
        (pseudonym("person", "P9", KEY), "contact", "A. Officer", "is not on list"),
    ],
)
def test_bad_decisions_are_refused(store, list_id, item_key, decision, reviewer, message):
    with pytest.raises(WorkbenchError, match=message):
        store.record_decision(list_id, item_key, decision, reviewer)
    assert store.decisions().height == 0


@pytest.mark.parametrize("decision", LINK_DECISIONS)
def test_a_link_decision_is_refused_where_no_record_link_awaits_review(store, list_id, decision):
    # K1 and K3 are not flagged link_needs_review; K2 is. All or nothing: K2's is not kept.
    with pytest.raises(WorkbenchError) as refused:
        store.record_decisions(
            [{"list_id": list_id, "item_key": key, "decision": decision,
              "reviewer": "A. Officer", "reason": "checked the address"} for key in (K2, K3)]
        )  # fmt: skip
    assert str(refused.value) == (
        f"decision 2: {decision} is for a DWP-list row whose record link awaits review, and "
        f"item {K3!r} of list {list_id!r} has none to confirm or reject; record an outcome "
        "instead"
    )
    assert store.decisions().height == 0
    store.record_decision(list_id, K2, decision, "A. Officer", "checked the address")
    assert store.decisions()["decision"].to_list() == [decision]


def test_check_is_refused_on_a_list_of_an_offer_dfe_does_not_check(store):
    daf = store.add_list(
        "r-bbb", "disability_access_fund", "disability_access_fund@2026.1", {"people.csv": "ab"},
        make_items(K1),
    )  # fmt: skip
    with pytest.raises(WorkbenchError) as refused:
        store.record_decision(daf, K1, "check", "A. Officer")
    assert str(refused.value) == (
        "decision 1: check is not a decision for a disability_access_fund list: DfE's services "
        "do not check it, so `workbench check export` would never send the family; record "
        "another outcome (defer to find out more first)"
    )
    assert store.decisions().height == 0
    fsm = store.add_list(
        "r-bbb", "free_school_meals", "free_school_meals@2026.1", {"people.csv": "ab"},
        make_items(K1),
    )  # fmt: skip
    assert store.record_decision(fsm, K1, "check", "A. Officer").decision == "check"


@pytest.mark.parametrize(
    ("reviewer", "why"),
    [("x", "has no word of two letters or more"), (" 1 ", "has no word of two letters or more"),
     ("-", "has no word of two letters or more"), ("R2", "has no word of two letters or more"),
     ("é.", "has no word of two letters or more"), ("Officer", "is a role word"),
     (" admin ", "is a role word"), ("n/a", "is a placeholder"), ("Test User", "is a placeholder"),
     ("Test Officer", "is only placeholders and role words"),
     ("<b>Al</b>", "holds markup ('<' or '>')")],
)  # fmt: skip
def test_a_reviewer_that_names_no_one_is_refused_by_the_store(store, list_id, reviewer, why):
    """A script recording through the store cannot record decisions as 'x' either: every
    action on a family traces to a named person's decision. The refusal says which rule
    refused the name: a role word is not refused for being short."""
    good = {"list_id": list_id, "item_key": K1, "decision": "contact", "reviewer": "A. Officer"}
    with pytest.raises(WorkbenchError) as raised:
        store.record_decisions([good, good | {"item_key": K2, "reviewer": reviewer}])
    assert str(raised.value) == (
        f"decision 2: reviewer {reviewer.strip()!r} is not a person's name: it {why}; give "
        "your name as colleagues know it, e.g. 'A. Officer'"
    )
    assert store.decisions().height == 0


@pytest.mark.parametrize("reviewer", ["Al", "A. Officer", "J Smith", "O'Neil", "Zoë Ng"])
def test_a_short_or_unusual_name_is_a_name(store, list_id, reviewer):
    assert store.record_decision(list_id, K1, "contact", reviewer).reviewer == reviewer


def test_a_decision_on_an_unknown_list_is_refused(store, list_id):
    with pytest.raises(WorkbenchError, match="no list 'l-nope' in the review store"):
        store.record_decision("l-nope", K1, "contact", "A. Officer")


def test_record_decisions_is_all_or_nothing(store, list_id):
    good = {"list_id": list_id, "item_key": K1, "decision": "contact", "reviewer": "A. Officer"}
    unknown_item = good | {"item_key": pseudonym("person", "P9", KEY)}
    with pytest.raises(WorkbenchError, match=r"decision 3: item .* is not on list"):
        store.record_decisions([good, good | {"item_key": K2}, unknown_item])
    assert store.decisions().height == 0
    recorded = store.record_decisions([good, good | {"item_key": K2}])
    assert [d.seq for d in recorded] == [1, 2]
    assert recorded[1].prev_hash == recorded[0].hash
    assert store.verify_chain().ok


def test_latest_decision_per_item_is_the_last_recorded_so_corrections_stand(store, list_id):
    store.record_decision(list_id, K1, "contact", "A. Officer")
    store.record_decision(list_id, K2, "defer", "A. Officer")
    store.record_decision(list_id, K1, "not_eligible", "B. Officer", "already has a place")
    store.record_decision(list_id, K2, "link_confirmed", "B. Officer")  # K2's link awaits
    latest = store.latest_decisions(list_id)
    assert latest.select("item_key", "decision", "seq").rows() == sorted(
        [(K1, "not_eligible", 3), (K2, "link_confirmed", 4)]
    )
    outcome = store.latest_decisions(list_id, among=OUTCOME_DECISIONS)
    assert outcome.select("item_key", "decision").rows() == sorted(
        [(K1, "not_eligible"), (K2, "defer")]
    )
    link = store.latest_decisions(list_id, among=LINK_DECISIONS)
    assert link.select("item_key", "decision").rows() == [(K2, "link_confirmed")]


def test_progress_counts_items_by_their_latest_decision(store, list_id):
    assert store.progress(list_id) == {
        "decided": 0,
        "undecided": 3,
        "by_decision": dict.fromkeys(DECISIONS, 0),
    }
    store.record_decision(list_id, K1, "contact", "A. Officer")
    store.record_decision(list_id, K1, "not_eligible", "A. Officer", "moved out of area")
    store.record_decision(list_id, K3, "contact", "A. Officer")
    assert store.progress(list_id) == {
        "decided": 2,
        "undecided": 1,
        "by_decision": dict.fromkeys(DECISIONS, 0) | {"contact": 1, "not_eligible": 1},
    }
    # A link decision decides nothing about what happens next (K2's, the one link awaiting
    # review), and leaves an outcome counted (K2's contact, recorded before it).
    store.record_decision(list_id, K2, "link_confirmed", "A. Officer")
    assert store.progress(list_id) == {
        "decided": 2,
        "undecided": 1,
        "by_decision": dict.fromkeys(DECISIONS, 0)
        | {"contact": 1, "not_eligible": 1, "link_confirmed": 1},
    }
    store.record_decision(list_id, K2, "contact", "A. Officer")
    store.record_decision(list_id, K2, "link_rejected", "A. Officer", "another child")
    assert store.progress(list_id) == {
        "decided": 3,
        "undecided": 0,
        "by_decision": dict.fromkeys(DECISIONS, 0)
        | {"contact": 2, "not_eligible": 1, "link_rejected": 1},
    }


def test_earlier_decisions_follow_a_child_from_last_term_to_this_term(store, list_id):
    store.record_decision(list_id, K1, "contact", "A. Officer")
    store.record_decision(list_id, K2, "defer", "A. Officer")
    next_term = store.add_list("r-bbb", "two_year_old", "rs", {}, make_items(K1, K3))
    store.record_decision(next_term, K1, "already_in_touch", "B. Officer")
    earlier = store.earlier_decisions([K1, K3], before_list_id=next_term)
    assert earlier.select("item_key", "list_id", "run_id", "decision", "reviewer").rows() == [
        (K1, list_id, "r-aaa", "contact", "A. Officer")
    ]
    assert earlier["list_created_at"].to_list() == ["2026-09-01T09:00:02.000000Z"]
    everywhere = store.earlier_decisions([K1])
    assert everywhere["decision"].to_list() == ["contact", "already_in_touch"]


# --- append-only and tamper evidence ---------------------------------------------------------
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE decisions SET decision = 'defer'",
        "DELETE FROM decisions",
        "UPDATE lists SET rule_set = 'other'",
        "DELETE FROM lists",
        "UPDATE list_items SET tier = 'possible'",
        "DELETE FROM list_items",
        "UPDATE access_log SET user = 'someone else'",
        "DELETE FROM access_log",
    ],
)
def test_update_and_delete_are_refused_even_through_a_raw_connection(store, list_id, statement):
    store.record_decision(list_id, K1, "contact", "A. Officer")
    store.log_access("A. Officer", "review export", "list " + list_id)
    before = store.decisions().rows(), store.items(list_id).rows(), store.access_log().rows()
    with raw(store) as conn, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(statement)
    after = store.decisions().rows(), store.items(list_id).rows(), store.access_log().rows()
    assert after == before


def record_five(store: ReviewStore, list_id: str) -> None:
    for key, decision in [(K1, "contact"), (K2, "defer"), (K3, "contact"), (K2, "contact")]:
        store.record_decision(list_id, key, decision, "A. Officer")
    store.record_decision(list_id, K1, "not_eligible", "A. Officer", "moved away")


def tamper(store: ReviewStore, statement: str) -> None:
    with raw(store) as conn:
        conn.execute("DROP TRIGGER decisions_no_update")
        conn.execute("DROP TRIGGER decisions_no_delete")
        conn.execute(statement)


def test_an_untouched_chain_verifies(store, list_id):
    record_five(store, list_id)
    head = store.decisions()["hash"][-1]
    assert store.verify_chain() == ChainReport(True, 5, None, "5 decisions, chain intact", head)


@pytest.mark.parametrize(
    ("statement", "first_bad_seq", "message"),
    [
        ("UPDATE decisions SET decision = 'already_in_touch' WHERE seq = 3", 3, "were edited"),
        ("UPDATE decisions SET reviewer = 'B' WHERE seq = 1", 1, "were edited"),
        ("UPDATE decisions SET decided_at = '2020-01-01' WHERE seq = 5", 5, "were edited"),
        ("DELETE FROM decisions WHERE seq = 2", 3, "removed, inserted or reordered"),
        ("UPDATE decisions SET seq = 9 WHERE seq = 1", 2, "removed, inserted or reordered"),
        ("DELETE FROM decisions WHERE seq = 5", 5, "after seq 4 up to 5 were removed"),
    ],
)
def test_tampering_with_triggers_dropped_is_found_at_the_right_seq(
    store, list_id, statement, first_bad_seq, message
):
    record_five(store, list_id)
    tamper(store, statement)
    report = store.verify_chain()
    assert (report.ok, report.first_bad_seq) == (False, first_bad_seq)
    assert message.replace("were edited", "edited after recording") in report.message


def test_an_edit_that_recomputes_its_own_hash_still_breaks_the_next_link(store, list_id):
    record_five(store, list_id)
    row = store.decisions().filter(pl.col("seq") == 2).row(0)
    forged = replace(Decision(*row), decision="contact")
    tamper(
        store,
        f"UPDATE decisions SET decision = 'contact', hash = '{expected_hash(forged)}' "
        "WHERE seq = 2",
    )
    report = store.verify_chain()
    assert (report.ok, report.checked, report.first_bad_seq) == (False, 3, 3)


def test_decisions_removed_and_the_chain_rehashed_over_them_leave_a_gap_that_is_found(
    store, list_id
):
    record_five(store, list_id)
    rows = store.decisions().filter(pl.col("seq") != 2).rows()
    with raw(store) as conn:
        conn.execute("DROP TRIGGER decisions_no_update")
        conn.execute("DROP TRIGGER decisions_no_delete")
        conn.execute("DELETE FROM decisions WHERE seq = 2")
        prev = rows[0][-1]  # seq 1's hash
        for row in rows[1:]:  # rehash 3, 4, 5 as if 2 had never been
            digest = expected_hash(replace(Decision(*row), prev_hash=prev, hash=""))
            conn.execute(
                "UPDATE decisions SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, row[0])
            )
            prev = digest
    report = store.verify_chain()
    assert (report.ok, report.first_bad_seq) == (False, 3)
    assert report.message == (
        "seq 3: it follows seq 1: decision 2 is missing, and the chain was rehashed over the gap"
    )


def test_a_retention_window_left_open_fails_the_chain(store, list_id):
    record_five(store, list_id)
    with raw(store) as conn:
        conn.execute("INSERT INTO retention_window VALUES (1, '2026-09-01T00:00:00Z')")
    report = store.verify_chain()
    assert not report.ok
    assert report.message.startswith("a retention window is left open")


def logged_heads(store: ReviewStore) -> list[tuple[int, str]]:
    lines = store.head_log.read_text().splitlines()
    return [(int(line.split("\t")[0]), line.split("\t")[1]) for line in lines]


def test_a_new_store_has_its_logs_from_the_start_so_a_crash_is_not_a_deletion(tmp_path):
    # A reliability tester's crash after an import's commit, before the first head line:
    # with no log at all, `assure` called the store tampered. Made empty with the store, the
    # log compares only the lines it holds.
    with ReviewStore(tmp_path / "s" / "review.sqlite") as made:
        assert made.head_log.read_text() == made.import_log.read_text() == ""
        assert stat.S_IMODE(made.head_log.stat().st_mode) == 0o600
        list_id = made.add_list("r-aaa", "two_year_old", "two_year_old@2026.1", {}, make_items(K1))
        with made.write_transaction():
            made.record_decision(list_id, K1, "contact", "A. Officer")
            made._head_due = False  # the process dies before the line is written
        assert made.verify_head_log() == []
        made.head_log.unlink()  # deleted: said
        assert made.verify_head_log()[0].endswith("(a store copied without it: copy it too)")


def test_writes_in_a_write_transaction_commit_together_and_log_the_head_after(store, list_id):
    """What `write_transaction` holds (an import's check, its decisions, its access-log line)
    commits together or not at all, and the head is logged only once committed: a head
    logged for a decision rolled back would later look like a decision removed."""
    with store.write_transaction():
        assert store.latest_decisions(list_id).height == 0  # a check, under the write lock
        store.record_decision(list_id, K1, "contact", "A. Officer")
        store.log_access("A. Officer", "review import", "one")
        assert logged_heads(store) == []  # not committed yet (made empty with the store)
        with raw(store) as other:  # another connection cannot write meanwhile
            other.execute("PRAGMA busy_timeout = 0")
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
    assert [seq for seq, _ in logged_heads(store)] == [1]
    with pytest.raises(WorkbenchError, match="refused"), store.write_transaction():
        store.record_decision(list_id, K2, "defer", "A. Officer")
        store.log_access("A. Officer", "review import", "two")
        raise WorkbenchError("refused: stale")
    assert store.decisions()["item_key"].to_list() == [K1]
    assert store.access_log()["detail"].to_list() == ["one"]
    assert [seq for seq, _ in logged_heads(store)] == [1]
    store.record_decision(list_id, K3, "defer", "A. Officer")  # seq 2: the rollback freed it
    assert store.verify_head_log() == [] and store.verify_chain().ok
    opened = store.write_transaction()
    with pytest.raises(WorkbenchError, match="already open"), opened, store.write_transaction():
        pass


def test_every_write_logs_the_chain_head_outside_the_store(store, list_id):
    record_five(store, list_id)
    hashes = store.decisions()["hash"].to_list()
    assert logged_heads(store) == list(zip(range(1, 6), hashes, strict=True))
    assert stat.S_IMODE(store.head_log.stat().st_mode) == 0o600
    assert store.head() == (5, hashes[-1])
    assert store.verify_head_log() == []


def test_decisions_cut_from_the_end_with_the_sequence_rewound_are_found_by_the_head_log(
    store, list_id
):
    record_five(store, list_id)
    tamper(store, "DELETE FROM decisions WHERE seq >= 4")
    with raw(store) as conn:
        conn.execute("UPDATE sqlite_sequence SET seq = 3 WHERE name = 'decisions'")
    assert store.verify_chain().ok  # the chain alone cannot tell
    problems = store.verify_head_log()
    assert [p.split(": ", 1)[1][:40] for p in problems] == [
        "the chain ended at seq 4 on 2026-09-01, ",
        "the chain ended at seq 5 on 2026-09-01, ",
    ]


def test_a_head_log_deleted_from_beside_a_store_with_decisions_is_found(store, list_id):
    assert store.verify_head_log() == []  # nothing recorded, nothing to log
    record_five(store, list_id)
    store.head_log.unlink()
    assert store.verify_head_log() == [
        f"{store.head_log}: missing, while the store holds 5 decision(s); every write appends "
        "the chain's head to it, so without it decisions cut from the end cannot be found. "
        "Restore it from the same backup as the store (a store copied without it: copy it too)"
    ]


def test_the_last_decision_edited_and_rehashed_is_found_by_the_head_log(store, list_id):
    record_five(store, list_id)
    row = store.decisions().filter(pl.col("seq") == 5).row(0)
    forged = replace(Decision(*row), decision="contact", reason=None)
    tamper(
        store,
        f"UPDATE decisions SET decision = 'contact', reason = NULL, hash = "
        f"'{expected_hash(forged)}' WHERE seq = 5",
    )
    assert store.verify_chain().ok
    assert store.verify_head_log() == [
        f"{store.head_log} line 5: decision 5 has another hash than when it was logged: it was "
        "edited and the chain rehashed"
    ]


def test_access_log_keeps_who_ran_what(store):
    store.log_access("A. Officer", "review export", "list l-1")
    assert store.access_log().rows() == [
        (1, "2026-09-01T09:00:02.000000Z", "A. Officer", "review export", "list l-1")
    ]
    with pytest.raises(WorkbenchError, match="needs the user's name"):
        store.log_access(" ", "review export")


def test_several_accesses_are_logged_at_once_or_not_at_all(store):
    store.log_accesses("A. Officer", [("review export", "list l-1: 2 rows"), ("view", "P1")])
    assert store.access_log().rows() == [
        (1, "2026-09-01T09:00:02.000000Z", "A. Officer", "review export", "list l-1: 2 rows"),
        (2, "2026-09-01T09:00:02.000000Z", "A. Officer", "view", "P1"),
    ]

    def stopped_halfway():
        yield ("view", "P2")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.log_accesses("A. Officer", stopped_halfway())
    assert store.access_log().height == 2  # P2's row went with the transaction


@settings(max_examples=15, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from([K1, K2, K3]), st.sampled_from(DECISIONS)).filter(
            lambda step: step[0] == K2 or step[1] not in LINK_DECISIONS  # K2's link awaits
        ),
        min_size=1,
        max_size=12,
    )
)
def test_any_run_of_decisions_chains_and_latest_is_the_last_per_item(steps):
    with tempfile.TemporaryDirectory() as folder, ReviewStore(Path(folder) / "s.sqlite") as store:
        list_id = store.add_list("r", "two_year_old", "rs", {}, make_items(K1, K2, K3))
        for key, decision in steps:
            store.record_decision(list_id, key, decision, "A. Officer", "because")
        assert store.verify_chain().checked == len(steps)
        assert store.verify_chain().ok
        last = {key: decision for key, decision in steps}
        latest = store.latest_decisions(list_id).select("item_key", "decision").rows()
        assert latest == sorted(last.items())
        outcome = {key for key, decision in steps if decision in OUTCOME_DECISIONS}
        assert store.progress(list_id)["decided"] == len(outcome)


# --- real processes --------------------------------------------------------------------------
WORKERS, PER_WORKER = 4, 50


def record_many(path: str, list_id: str, worker: int, start) -> None:
    """A reviewer process: wait for the others, then record PER_WORKER decisions one by one."""
    with ReviewStore(path) as store:
        start.wait()
        for i in range(PER_WORKER):
            store.record_decision(list_id, (K1, K2, K3)[i % 3], "contact", f"worker-{worker}")


def record_until_killed(path: str, list_id: str, sender) -> None:
    """A reviewer process that reports each decision id once its transaction has committed."""
    with ReviewStore(path) as store:
        for i in range(100_000):
            decision = store.record_decision(list_id, (K1, K2, K3)[i % 3], "defer", "worker")
            sender.send(decision.decision_id)


def test_four_processes_recording_at_once_lose_nothing_and_never_fork_the_chain(store, list_id):
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(WORKERS)
    workers = [
        context.Process(target=record_many, args=(str(store.path), list_id, n, start))
        for n in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0] * WORKERS
    recorded = store.decisions()
    assert recorded.height == WORKERS * PER_WORKER
    assert recorded["seq"].to_list() == list(range(1, WORKERS * PER_WORKER + 1))
    assert recorded["decision_id"].n_unique() == recorded["prev_hash"].n_unique() == 200
    assert dict(recorded.group_by("reviewer").len().iter_rows()) == {
        f"worker-{n}": PER_WORKER for n in range(WORKERS)
    }
    assert store.verify_chain() == ChainReport(
        True, 200, None, "200 decisions, chain intact", recorded["hash"][-1]
    )


def test_a_process_killed_mid_stream_keeps_every_decision_it_reported(store, list_id):
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=record_until_killed, args=(str(store.path), list_id, sender))
    child.start()
    sender.close()  # so the parent sees end-of-file once the child is gone
    reported = [receiver.recv() for _ in range(40)]
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=30)
    assert child.exitcode == -signal.SIGKILL
    while True:  # what the child sent before it died also counts as reported
        try:
            reported.append(receiver.recv())
        except EOFError:
            break
    stored = set(store.decisions()["decision_id"].to_list())
    assert set(reported) <= stored
    assert len(stored) - len(reported) in (0, 1)  # at most one committed but not yet reported
    report = store.verify_chain()
    assert (report.ok, report.checked) == (True, len(stored))
    assert store.record_decision(list_id, K1, "contact", "after the crash").seq == len(stored) + 1


def test_decision_hash_is_the_sha256_of_the_canonical_json():
    row = {
        "decision_id": "d-1",
        "list_id": "l-1",
        "item_key": "pk_" + "a" * 24,
        "reviewer": "A. Officer",
        "decided_at": "2026-09-01T09:00:00.000000Z",
        "decision": "contact",
        "reason": None,
    }
    assert store_module.decision_hash(row, "0" * 64) == (
        hashlib.sha256(
            b'{"decided_at":"2026-09-01T09:00:00.000000Z","decision":"contact",'
            b'"decision_id":"d-1","item_key":"pk_aaaaaaaaaaaaaaaaaaaaaaaa","list_id":"l-1",'
            b'"prev_hash":"' + b"0" * 64 + b'","reason":null,"reviewer":"A. Officer"}'
        ).hexdigest()
    )


def test_queries_refuse_an_unknown_list_and_unknown_decision_names(tmp_path):
    items = pl.DataFrame(
        {"item_key": ["pk_" + "a" * 24], "tier": ["likely"], "reason_codes": [["x"]]}
    )
    with ReviewStore(tmp_path / "review.sqlite") as store:
        list_id = store.add_list("r-1", "two_year_old", "two_year_old@1", {}, items)
        with pytest.raises(WorkbenchError, match="no list 'l-missing' in the review store"):
            store.latest_decisions("l-missing")
        with pytest.raises(WorkbenchError, match="unknown decision 'maybe'; expected one of"):
            store.latest_decisions(list_id, among=["contact", "maybe"])
        assert store.progress(list_id) == {
            "decided": 0,
            "undecided": 1,
            "by_decision": dict.fromkeys(DECISIONS, 0),
        }


def test_a_dangling_link_at_the_store_path_is_refused_not_written_through(tmp_path):
    target = tmp_path / "elsewhere" / "planted.sqlite"
    target.parent.mkdir()
    link = tmp_path / "review.sqlite"
    link.symlink_to(target)
    with pytest.raises(WorkbenchError, match=r"is a symbolic link to .*planted\.sqlite"):
        store_module.ReviewStore(link)
    assert not target.exists()


# --- the keyed chain ----------------------------------------------------------------------------


def test_a_decision_rehashed_by_someone_without_the_key_is_found(store, list_id):
    record_five(store, list_id)
    row = store.decisions().filter(pl.col("seq") == 5).row(0)
    forged = replace(Decision(*row), decision="contact", reason=None)
    plain = expected_hash(forged, key=b"")  # all that the database alone allows
    tamper(
        store,
        f"UPDATE decisions SET decision = 'contact', reason = NULL, hash = '{plain}' WHERE seq = 5",
    )
    report = store.verify_chain()
    assert (report.ok, report.first_bad_seq) == (False, 5)
    assert report.message == (
        "seq 5: its fields do not match its keyed hash (it was edited after recording, or "
        "rehashed by someone without the key)"
    )


def test_every_link_is_an_hmac_under_a_key_derived_from_the_pseudonym_key(store, list_id):
    record_five(store, list_id)
    for decision in [Decision(*row) for row in store.decisions().rows()]:
        assert decision.hash == expected_hash(decision)
        assert decision.hash != expected_hash(decision, key=b"")


def test_a_store_keyed_with_another_key_is_refused_when_opened(store, list_id):
    record_five(store, list_id)
    store.close()
    other = chain.key_fingerprint(chain.chain_key(b"\x01" * 32))
    with pytest.raises(WorkbenchError) as raised:
        ReviewStore(store.path, key=b"\x01" * 32)
    assert str(raised.value) == (
        f"{store.path}: the decision chain is keyed with another key (fingerprint "
        f"{chain.key_fingerprint(chain.chain_key(load_key()))}; this machine's key has {other}). "
        "Use the pseudonym key the store was made with: set WORKBENCH_KEY_FILE to it"
    )
    with ReviewStore(store.path) as same:
        assert same.verify_chain().ok


def test_a_store_opened_with_another_key_neither_verifies_nor_records(store, list_id):
    record_five(store, list_id)
    store.close()
    with ReviewStore(store.path, key=b"\x01" * 32, key_must_match=False) as other:
        report = other.verify_chain()
        assert not report.ok
        assert report.message.startswith("the decision chain is keyed with another key")
        with pytest.raises(WorkbenchError, match="keyed with another key"):
            other.record_decision(list_id, K1, "contact", "A. Officer")
    with ReviewStore(store.path) as same:
        assert same.verify_chain().ok


def test_a_store_whose_keying_record_was_removed_fails(store, list_id):
    record_five(store, list_id)
    with raw(store) as conn:
        conn.execute("DROP TRIGGER chain_key_no_delete")
        conn.execute("DELETE FROM chain_key")
    report = store.verify_chain()
    assert not report.ok
    assert report.message.startswith("the record of the decision chain's key")


# --- why a link was held ----------------------------------------------------------------------
HELD = "a twin, council record {} (the same date of birth and household), also scores"


def held_items(held: str | None, link_needs_review: bool = True) -> pl.DataFrame:
    return make_items(K1).with_columns(
        pl.lit(link_needs_review).alias("link_needs_review"),
        pl.lit(K2 if link_needs_review else None, dtype=pl.String).alias("proposed_key"),
        pl.lit(held, dtype=pl.String).alias("held_because"),
    )


def test_why_a_link_was_held_is_kept_with_the_item_and_sealed(store):
    list_id = store.add_list("r-h", "i", "rs", {}, held_items(HELD.format(K3)))
    assert store.hold_reasons(list_id) == {K1: HELD.format(K3)}
    assert store.held_reasons_since() == "2026-09-01T09:00:01.000000Z"
    with raw(store) as conn:
        conn.execute("DROP TRIGGER list_items_no_update")
        conn.execute("UPDATE list_items SET held_because = NULL")
    (problem,) = store.verify_lists()[1]
    assert "its items were changed, added or removed" in problem


@pytest.mark.parametrize(
    ("held", "waiting", "message"),
    [
        (
            HELD.format("P2"),
            True,
            "list items, row 1: held_because names a council record or a DWP-list row by "
            "something other than a pseudonymous key",
        ),
        (
            f"its best match, council record {K3}, was taken by row D5, which scored higher",
            True,
            "list items, row 1: held_because names a council record or a DWP-list row by "
            "something other than a pseudonymous key",
        ),
        (
            HELD.format(K3),
            False,
            "list items, row 1: held_because says why a link was held for review, but the "
            "item's link does not await review",
        ),
    ],
)
def test_a_hold_reason_naming_an_id_in_clear_or_without_a_review_is_refused(
    store, held, waiting, message
):
    with pytest.raises(WorkbenchError, match=re.escape(message)) as refused:
        store.add_list("r-h", "i", "rs", {}, held_items(held, waiting))
    assert "P2" not in str(refused.value) and "D5" not in str(refused.value)
    assert store.lists().height == 0


def test_an_older_store_without_hold_reasons_opens_migrates_and_keeps_them_after(
    tmp_path, monkeypatch
):
    path = tmp_path / "review.sqlite"
    original = store_module.MIGRATIONS
    monkeypatch.setattr(store_module, "MIGRATIONS", original[:10])
    with ReviewStore(path, clock=ticking_clock(), key=KEY) as old:
        before = old.add_list("r-0", "i", "rs", {}, held_items(None))
        assert old.hold_reasons(before) == {} and old.held_reasons_since() is None
    monkeypatch.setattr(store_module, "MIGRATIONS", original)
    with ReviewStore(path, clock=ticking_clock("2026-10-01T09:00:00"), key=KEY) as store:
        assert store.schema_version == len(original) == 13
        assert store.held_reasons_since() == "2026-10-01T09:00:01.000000Z"
        assert store.hold_reasons(before) == {}
        after = store.add_list("r-1", "i", "rs", {}, held_items(HELD.format(K3)))
        assert store.hold_reasons(after) == {K1: HELD.format(K3)}
        assert store.proposed_matches(before) == store.proposed_matches(after) == {K1: K2}
        assert store.verify_lists() == (2, [])
        assert store.verify_migrations() == []


# --- who did it: a name given that names no one is refused -------------------------------------
def refused_store_user(where: str, name: str, why: str) -> str:
    return (
        f"{where}: user {name!r} is not a person's name (it {why}), and the access log and the "
        "store record it as who did it: give your own name as colleagues know it, e.g. "
        'user="A. Officer", or give current_user() (WORKBENCH_USER, else the login name)'
    )


def test_the_stores_writes_refuse_a_user_naming_no_one_and_write_nothing(
    store, list_id, monkeypatch
):
    monkeypatch.delenv("WORKBENCH_USER", raising=False)
    monkeypatch.setenv("LOGNAME", "jbloggs")
    decision = store.record_decision(list_id, K1, "contact", "A. Officer")
    export = {"export_id": "ce-1", "list_id": list_id, "template": "childcare", "files": 1,
              "not_checkable": 0, "rows": []}  # fmt: skip
    later = datetime.now(UTC) + timedelta(days=1)
    writes = [
        ("log_access", lambda: store.log_access("admin", "review export", "x")),
        ("log_accesses", lambda: store.log_accesses("admin", [("review export", "x")])),
        ("record_export_files_deleted",
         lambda: store.record_export_files_deleted("admin", [("outreach", "1")])),
        ("record_outreach_export", lambda: store.record_outreach_export(
            list_id, "/x/o.csv", [(K1, decision.decision_id)], user="admin", detail="x")),
        ("record_check_export",
         lambda: store.record_check_export(export, user="admin", detail="x")),
        ("apply_retention", lambda: store.apply_retention(later, later, user="admin")),
    ]  # fmt: skip
    for where, write in writes:
        with pytest.raises(WorkbenchError) as refused:
            write()
        assert str(refused.value) == refused_store_user(where, "admin", "is a role word")
    with pytest.raises(WorkbenchError) as refused:
        store.record_check_results("ce-1", [], file_name="r.csv", file_sha256="0", user="n/a")
    assert str(refused.value) == refused_store_user(
        "record_check_results", "n/a", "is a placeholder"
    )
    assert store.access_log().height == 0
    assert store.outreach_exports().height == store.check_exports().height == 0
    assert store.items(list_id).height == 3 and store.decisions().height == 1
    # The login name the command runs under is taken as it is, as `current_user` takes it.
    monkeypatch.setenv("LOGNAME", "admin")
    store.log_access("admin", "review export", "by the account")
    assert store.access_log()["user"].to_list() == ["admin"]


def test_a_store_copied_without_its_logs_is_refused_by_the_commands_that_act_on_it(store, list_id):
    # A copy of review.sqlite alone: an outreach or check export from it would be recorded in
    # no store the council audits, and assure could not check it.
    from workbench.review.store import existing_store

    assert existing_store(store.path) == store.path  # new: its logs are there, if empty
    store.record_decision(list_id, K1, "contact", "A. Officer")
    store.log_access("A. Officer", "review view", "one child")
    Path(f"{store.path}.heads").unlink()
    with pytest.raises(WorkbenchError) as refused:
        existing_store(store.path)
    assert str(refused.value) == (
        f"{store.path}: its log review.sqlite.heads is missing, while it holds 1 decision(s); "
        "a store copied or restored without its logs cannot be checked (`workbench assure "
        "--store`), so nothing is done with it. Restore them from the same backup as the "
        "store, or copy them with it"
    )
    Path(f"{store.path}.access").unlink()
    with pytest.raises(WorkbenchError, match=r"its log review\.sqlite\.heads and "
                       r"review\.sqlite\.access are missing, while it holds 1 decision\(s\) "
                       r"and \d+ access-log line\(s\);"):  # fmt: skip
        existing_store(store.path)
