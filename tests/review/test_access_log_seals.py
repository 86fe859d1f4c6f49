"""The access log is sealed: a line removed, edited or inserted behind the store's back shows.

An auditor deleted a "review view" line with sqlite3 and `assure` still passed "details seen
before each decision", which rests on that log, as subject access does.
"""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import workbench.review.store as store_module
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


def behind_the_stores_back(path: Path, *statements: str) -> None:
    """Run statements on the access log with raw sqlite3, its append-only triggers dropped."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER access_log_no_update")
    conn.execute("DROP TRIGGER access_log_no_delete")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


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


def test_a_line_removed_from_the_middle_fails_on_the_line_after_it(tmp_path):
    path = tmp_path / "review.sqlite"
    logged(path).close()
    behind_the_stores_back(path, "DELETE FROM access_log WHERE seq = 1")
    with ReviewStore(path, key=KEY) as store:
        found = store.verify_access_log()
    problem, logged_line = found.problems
    assert logged_line.startswith(f"{path}.access line 1: access log line 1, logged on ")
    assert problem.startswith("access log line 2 (")
    assert problem.endswith(
        ", A. Officer, review export): its seal does not match: the line was changed, a line "
        "before it was removed or inserted, or it was written with another pseudonym key"
    )


def test_a_line_edited_fails_and_the_lines_after_it_still_verify(tmp_path):
    path = tmp_path / "review.sqlite"
    logged(path).close()
    behind_the_stores_back(path, "UPDATE access_log SET user = 'B. Other' WHERE seq = 3")
    with ReviewStore(path, key=KEY) as store:
        found = store.verify_access_log()
    assert len(found.problems) == 1 and found.problems[0].startswith("access log line 3 (")
    assert ", B. Other, review view): its seal does not match" in found.problems[0]


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


def test_a_line_written_with_another_key_or_unsealed_fails(tmp_path):
    path = tmp_path / "review.sqlite"
    logged(path).close()
    record_access("assess", "data /srv/other", store=path, key=bytes(32))
    behind_the_stores_back(
        path,
        "INSERT INTO access_log (at, user, command, detail) "
        "VALUES ('2026-01-01T00:00:00.000000Z', 'C. Nobody', 'validate', 'data /srv/x')",
    )
    with ReviewStore(path, key=KEY) as store:
        problems = store.verify_access_log().problems
    assert [p.split(" (")[0] for p in problems] == ["access log line 5", "access log line 6"]
    assert "written with another pseudonym key" in problems[0]
    assert problems[1].endswith(
        "C. Nobody, validate): not sealed, though written after the log was sealed"
    )


def test_the_record_of_when_sealing_began_removed_fails(tmp_path):
    path = tmp_path / "review.sqlite"
    logged(path).close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER access_seal_since_no_delete")
    conn.execute("DELETE FROM access_seal_since")
    conn.commit()
    conn.close()
    with ReviewStore(path, key=KEY) as store:
        assert store.verify_access_log().problems == (
            "the record of when the access log began to be sealed (table access_seal_since) "
            "was removed: the access log cannot be trusted",
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
        assert (found.ok, found.sealed, found.unsealed) == (True, 1, 2)
        assert store.access_log()["detail"].to_list() == ["a", "b", "c"]


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
