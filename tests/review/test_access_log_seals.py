"""The access log is sealed: a line removed, edited or inserted behind the store's back shows.

An auditor deleted a "review view" line with sqlite3 and `assure` still passed "details seen
before each decision", which rests on that log, as subject access does.
"""

from __future__ import annotations

import re
import sqlite3
import stat
from pathlib import Path

import polars as pl
import pytest

import workbench.review.store as store_module
from workbench.errors import WorkbenchError
from workbench.governance.access import record_access
from workbench.review import ReviewStore
from workbench.review.access_log import access_seal

KEY = bytes(range(32))


def logged(path: Path) -> ReviewStore:
    """A store whose access log holds four lines: two written by the store, two by the
    commands' fast path (`record_access`), each followed by its line in `<store>.access`."""
    with ReviewStore(path, key=KEY) as store:
        store.log_access("A. Officer", "review view", "list l-1, child pk_1")
        store.log_accesses("A. Officer", [("review export", "list l-1"), ("review view", "x")])
    record_access("assess", "data /srv/extract, initiative two_year_old", store=path, key=KEY)
    return ReviewStore(path, key=KEY)


def on_the_database(path: Path, *statements: str) -> None:
    """Run statements on the store with raw sqlite3, behind the store's back."""
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def behind_the_stores_back(path: Path, *statements: str) -> None:
    """Run statements on the access log with raw sqlite3, its append-only triggers dropped."""
    drop = ("DROP TRIGGER access_log_no_update", "DROP TRIGGER access_log_no_delete")
    on_the_database(path, *drop, *statements)


def test_every_line_is_sealed_and_the_last_of_each_write_logged_beside_the_store(tmp_path):
    path = tmp_path / "review.sqlite"
    with logged(path) as store:
        found = store.verify_access_log()
        seals = store._conn.execute("SELECT seq, seal FROM access_log ORDER BY seq").fetchall()
    assert (found.ok, found.sealed, found.unsealed, found.problems) == (True, 4, 0, ())
    log = Path(f"{path}.access")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    # Made empty with the store; then one line per write: its last line's seq and seal.
    assert [line.split("\t")[:2] for line in log.read_text().splitlines()] == [
        [str(seq), seal] for seq, seal in [seals[0], seals[2], seals[3]]
    ]
    # Each seal covers the line's fields and the seal before it, under the chain's key.
    from workbench.review.chain import chain_key

    first = ("2000", "A. Officer", "review view", "list l-1, child pk_1")
    assert access_seal(*first, "0" * 64, chain_key(KEY)) != seals[0][1]  # another time
    assert len({seal for _, seal in seals}) == 4


def test_a_line_removed_from_the_middle_fails_naming_it_and_the_line_after_it(tmp_path):
    path = tmp_path / "review.sqlite"
    logged(path).close()
    behind_the_stores_back(path, "DELETE FROM access_log WHERE seq = 2")
    with ReviewStore(path, key=KEY) as store:
        missing, after = store.verify_access_log().problems
    assert missing == "access log line(s) 2: removed (the numbers are missing)"
    assert re.fullmatch(
        r"access log line 3 \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\): its seal does not match: "
        "the line was changed, a line before it was removed or inserted, or it was written "
        "with another pseudonym key",
        after,
    )


def test_a_line_edited_fails_named_by_number_and_time_only(tmp_path):
    # An auditor wrote a child's name and a fake "PASS" into a line's user: the problem
    # printed them as written.
    path = tmp_path / "review.sqlite"
    logged(path).close()
    behind_the_stores_back(
        path,
        "UPDATE access_log SET user = 'Ann Lee, 1 Mill Lane' || char(10) || 'PASS' WHERE seq = 3",
    )
    with ReviewStore(path, key=KEY) as store:
        (problem,) = store.verify_access_log().problems
    assert problem.startswith("access log line 3 (") and "its seal does not match" in problem
    assert "Ann Lee" not in problem and "\n" not in problem


def test_the_last_line_removed_is_found_by_the_log_beside_the_store(tmp_path):
    path = tmp_path / "review.sqlite"
    logged(path).close()
    behind_the_stores_back(
        path,
        "DELETE FROM access_log WHERE seq = 4",
        "UPDATE sqlite_sequence SET seq = 3 WHERE name = 'access_log'",
    )
    with ReviewStore(path, key=KEY) as store:
        assert store.verify_access_log().problems == (
            f"{path}.access line 3: access log line 4, logged on "
            f"{store.access_log()['at'][0][:10]}, is gone from the store",
        )
    # The log removed too, to hide the cut: its absence is found.
    Path(f"{path}.access").unlink()
    with ReviewStore(path, key=KEY) as store:
        (problem,) = store.verify_access_log().problems
    assert problem.startswith(
        f"{path}.access: missing, while the store's access log holds 3 sealed line(s)"
    )


def test_a_command_with_another_key_is_refused_and_an_unsealed_line_fails(tmp_path):
    # A command run with another key file wrote a line no check could ever prove again.
    path = tmp_path / "review.sqlite"
    logged(path).close()
    with pytest.raises(WorkbenchError, match="the decision chain is keyed with another key"):
        record_access("assess", "data /srv/other", store=path, key=bytes(32))
    behind_the_stores_back(
        path,
        "INSERT INTO access_log (at, user, command, detail) "
        "VALUES ('2026-01-01T00:00:00.000000Z', 'C. Nobody', 'validate', 'data /srv/x')",
    )
    with ReviewStore(path, key=KEY) as store:
        assert store.access_log().height == 5
        problems = store.verify_access_log().problems
    assert problems == (
        "access log line 5 (2026-01-01T00:00:00Z): not sealed, though written after the log "
        "was sealed",
    )


def test_a_store_logged_before_seals_counts_its_lines_and_seals_the_next(tmp_path, monkeypatch):
    path = tmp_path / "review.sqlite"
    original = store_module.MIGRATIONS
    monkeypatch.setattr(store_module, "MIGRATIONS", original[:8])
    with ReviewStore(path, key=KEY) as old:
        old.log_accesses("A. Officer", [("review view", "a"), ("review view", "b")])
    monkeypatch.setattr(store_module, "MIGRATIONS", original)
    with ReviewStore(path, key=KEY) as store:
        store.log_access("A. Officer", "review view", "c")
        found = store.verify_access_log()
        assert (found.ok, found.sealed, found.unsealed) == (True, 2, 2)
        assert store.access_log()["detail"].to_list() == [
            "a",
            "b",
            f"schema version 8 to {len(original)}",
            "c",
        ]


def test_retentions_own_line_is_sealed_too(tmp_path):
    from datetime import UTC, datetime

    path = tmp_path / "review.sqlite"
    with ReviewStore(path, key=KEY) as store:
        early = datetime(2000, 1, 1, tzinfo=UTC)
        store.apply_retention(early, early, user="records.officer")
        assert store.access_log()["command"].to_list() == ["retention"]
        found = store.verify_access_log()
    assert (found.ok, found.sealed) == (True, 1)
    assert Path(f"{path}.access").read_text().startswith("1\t")


def test_lines_before_sealing_cannot_be_added_to_nor_the_start_moved(tmp_path):
    """An auditor inserted a 'review view' at seq -5 with a plain INSERT (no trigger in the
    way): it was counted as logged before sealing, not checked, and passed subject access
    and "details seen before each decision"; moving since_seq switched every check off."""
    path = tmp_path / "review.sqlite"
    logged(path).close()
    on_the_database(
        path,
        "INSERT INTO access_log (seq, at, user, command, detail) VALUES "
        "(-5, '2026-12-07T01:13:00.000000Z', 'E. Snoop', 'review view', 'list l-1, child x')",
    )
    with ReviewStore(path, key=KEY) as store:
        (problem,) = store.verify_access_log().problems
    assert problem == (
        "the 1 line(s) logged before the access log was sealed (up to line 0) were changed, "
        "added or removed since, or the record of where sealing began was moved (their sealed "
        "digest does not match)"
    )
    fresh = tmp_path / "fresh.sqlite"
    logged(fresh).close()
    on_the_database(
        fresh,
        "DROP TRIGGER access_seal_since_no_update",
        "UPDATE access_seal_since SET since_seq = 100000",
    )
    with ReviewStore(fresh, key=KEY) as store:
        found = store.verify_access_log()
    assert (found.sealed, found.unsealed) == (0, 4)
    assert found.problems[0].startswith("the 4 line(s) logged before the access log was sealed")


@pytest.mark.parametrize(
    "statements",
    [
        ("DROP TRIGGER access_seal_since_no_delete", "DELETE FROM access_seal_since"),
        ("DROP TABLE access_seal_since",),  # a crash of `assure` before (the auditor's)
    ],
)
def test_the_record_of_when_sealing_began_removed_fails(tmp_path, statements):
    path = tmp_path / "review.sqlite"
    logged(path).close()
    on_the_database(path, *statements)
    with ReviewStore(path, key=KEY) as store:
        assert store.verify_access_log().problems == (
            "the record of when the access log began to be sealed (table access_seal_since) "
            "was removed: the access log cannot be trusted",
        )


def test_the_log_beside_the_store_emptied_or_deleted_does_not_hide_a_cut(tmp_path):
    path = tmp_path / "review.sqlite"
    logged(path).close()
    behind_the_stores_back(path, "DELETE FROM access_log WHERE seq >= 3")
    Path(f"{path}.access").write_text("")
    with ReviewStore(path, key=KEY) as store:
        assert store.verify_access_log().problems == (
            f"{path}.access: the access log's last line (2) is not logged there: lines after it "
            "were cut and the log emptied or replaced, or a crash came between the line and "
            "its log (the next command logs its own line)",
        )
    # Deleted, it is not made anew by the next command, which would hide that it was.
    Path(f"{path}.access").unlink()
    record_access("validate", "data /srv/x", store=path, key=KEY)
    assert not Path(f"{path}.access").exists()
    with ReviewStore(path, key=KEY) as store:
        store.log_access("A. Officer", "review view", "y")
        gap, problem = store.verify_access_log().problems
    assert gap == "access log line(s) 3 to 4: removed (the numbers are missing)"
    assert problem.startswith(f"{path}.access: missing, while the store's access log holds 4")


def test_lines_written_in_one_write_transaction_are_logged_beside_the_store_at_commit(tmp_path):
    # A tester's case: after every workbook import (one write transaction) `assure --store`
    # failed "the access log's last line is not logged there", and subject access warned.
    path = tmp_path / "review.sqlite"
    key = "pk_" + "a" * 24
    items = pl.DataFrame({"item_key": [key], "tier": ["likely"], "reason_codes": [["x"]]})
    with ReviewStore(path, key=KEY) as store:
        list_id = store.add_list("r-1", "two_year_old", "two_year_old@3", {}, items)
        with store.write_transaction():
            store.record_decision(list_id, key, "contact", "A. Officer")
            store.log_access("A. Officer", "review import", "list l-1, 1 decision")
        assert store.verify_access_log().problems == ()
        last = store._conn.execute("SELECT seq, seal FROM access_log ORDER BY seq DESC").fetchone()
    logged = Path(f"{path}.access").read_text().splitlines()[-1].split("\t")[:2]
    assert logged == [str(last[0]), last[1]]
