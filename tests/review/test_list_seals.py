"""A stored list is sealed: an item edited, added or removed behind the store's back shows.

What a reviewer decided on is the item's stored row (its tier, reasons, evidence and proposed
match). Before, `assure --store` proved the decisions but not the list they were about: an
item's tier or evidence changed with sqlite3 passed.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

import workbench.review.store as store_module
from workbench.errors import WorkbenchError
from workbench.review import ReviewStore
from workbench.review.list_seals import list_items_digest

KEY = bytes(range(32))
KEYS = ["pk_" + c * 24 for c in "abc"]


def items(*keys: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "item_key": list(keys),
            "tier": ["likely"] * len(keys),
            "reason_codes": [["universal_credit"]] * len(keys),
            "evidence": ["award: universal_credit, earnings 1200"] * len(keys),
        }
    )


def stored(path: Path) -> list[str]:
    """A store with two lists (the second of one item), a decision on the first."""
    with ReviewStore(path, key=KEY) as store:
        first = store.add_list(
            "r-1", "two_year_old", "two_year_old@3", {"people": "x"}, items(*KEYS[:2])
        )
        second = store.add_list("r-2", "two_year_old", "two_year_old@3", {}, items(KEYS[2]))
        store.record_decision(first, KEYS[0], "contact", "A. Officer")
    return [first, second]


def behind_the_stores_back(path: Path, *statements: str) -> None:
    """Run statements with raw sqlite3, the append-only triggers and foreign keys off."""
    conn = sqlite3.connect(path)
    for table in ("lists", "list_items", "list_seals"):
        for action in ("update", "delete"):
            conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def problems(path: Path) -> list[str]:
    with ReviewStore(path, key=KEY) as store:
        count, found = store.verify_lists()
    assert count == 2
    return found


def test_stored_lists_are_sealed_and_prove_intact(tmp_path):
    path = tmp_path / "review.sqlite"
    first, second = stored(path)
    with ReviewStore(path, key=KEY) as store:
        assert store.verify_lists() == (2, [])
        seals = store._conn.execute("SELECT list_id, items_digest FROM list_seals").fetchall()
        assert seals == [
            (first, list_items_digest(store._conn, first)),
            (second, list_items_digest(store._conn, second)),
        ]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE list_items SET tier = 'possible' WHERE item_key = '{key}'",
        "UPDATE list_items SET evidence = 'award: housing_benefit' WHERE item_key = '{key}'",
        "DELETE FROM list_items WHERE item_key = '{key}'",
        "INSERT INTO list_items (list_id, item_key, tier, reason_codes, link_needs_review) "
        "VALUES ('{first}', 'pk_dddddddddddddddddddddddd', 'likely', 'x', 0)",
    ],
    ids=["tier edited", "evidence edited", "item removed", "item added"],
)
def test_an_item_changed_added_or_removed_fails_naming_the_list(tmp_path, statement):
    path = tmp_path / "review.sqlite"
    first, _ = stored(path)
    behind_the_stores_back(path, statement.format(key=KEYS[1], first=first))
    (problem,) = problems(path)
    assert problem.startswith(f"list {first} (stored ")
    assert problem.endswith(
        "its items were changed, added or removed since it was stored (outside retention): "
        "what reviewers were shown is not as the list proposed"
    )
    assert "pk_" not in problem


def test_a_lists_record_edited_fails_naming_the_list(tmp_path):
    path = tmp_path / "review.sqlite"
    first, _ = stored(path)
    behind_the_stores_back(
        path, f"UPDATE lists SET rule_set = 'two_year_old@1' WHERE list_id = '{first}'"
    )
    (problem,) = problems(path)
    assert problem.startswith(f"list {first} (stored ")
    assert "its record was changed since it was stored" in problem


def test_a_seal_removed_is_blamed_on_its_own_list_not_the_next(tmp_path):
    """An auditor's case: the seal row of one list deleted failed the list after it ("its
    record was changed") as well as naming the first as never sealed."""
    path = tmp_path / "review.sqlite"
    first, _ = stored(path)
    behind_the_stores_back(path, f"DELETE FROM list_seals WHERE list_id = '{first}'")
    with ReviewStore(path, key=KEY) as store:
        count, found = store.verify_lists()
    assert count == 1
    (problem,) = found
    assert problem.startswith(f"list {first} (stored ")
    assert problem.endswith(
        "): its seal was removed outside the workbench (the seal of the list stored after it "
        "shows it was sealed)"
    )


def test_a_seal_removed_from_a_list_edited_too_fails_both(tmp_path):
    """The first list's seal removed and its record edited: nothing proves it was sealed as
    it stands, so the list after it fails and the first shows as unsealed."""
    path = tmp_path / "review.sqlite"
    first, second = stored(path)
    behind_the_stores_back(path, f"DELETE FROM list_seals WHERE list_id = '{first}'")
    behind_the_stores_back(
        path, f"UPDATE lists SET rule_set = 'two_year_old@1' WHERE list_id = '{first}'"
    )
    with ReviewStore(path, key=KEY) as store:
        count, found = store.verify_lists()
    assert count == 1
    assert [p.split(": ", 1)[1] for p in found] == [
        "its record was changed since it was stored, or a list sealed before it was removed "
        "(the seal does not match)",
        "not sealed: stored outside the workbench",
    ]
    assert found[0].startswith(f"list {second} ") and found[1].startswith(f"list {first} ")


def test_retention_removing_items_keeps_the_record_proved(tmp_path):
    path = tmp_path / "review.sqlite"
    first, _ = stored(path)
    later = datetime.now(UTC) + timedelta(days=1)
    with ReviewStore(path, key=KEY) as store:
        store.apply_retention(later, later, user="records.officer")
        assert store.items(first).height == 0
        assert store.verify_lists() == (2, [])
    behind_the_stores_back(path, f"UPDATE lists SET item_count = 1 WHERE list_id = '{first}'")
    (problem,) = problems(path)
    assert "its record was changed" in problem


def test_lists_stored_before_seals_are_sealed_as_the_store_migrates(tmp_path, monkeypatch):
    path = tmp_path / "review.sqlite"
    original = store_module.MIGRATIONS
    monkeypatch.setattr(store_module, "MIGRATIONS", original[:9])
    with ReviewStore(path, key=KEY) as old:
        old_list = old.add_list("r-0", "two_year_old", "two_year_old@3", {}, items(KEYS[0]))
    monkeypatch.setattr(store_module, "MIGRATIONS", original)
    with ReviewStore(path, key=KEY) as store:
        new_list = store.add_list("r-1", "two_year_old", "two_year_old@3", {}, items(KEYS[1]))
        sealed = [row[0] for row in store._conn.execute("SELECT list_id FROM list_seals")]
        assert sealed == [old_list, new_list]
        assert store.verify_lists() == (2, [])
    behind_the_stores_back(path, f"DELETE FROM list_items WHERE list_id = '{old_list}'")
    (problem,) = problems(path)
    assert problem.startswith(f"list {old_list} ") and "its items were changed" in problem


# --- an auditor's attacks on the records around the seals ----------------------------------------
def test_a_retention_record_made_by_hand_fails_and_its_items_are_named_unchecked(tmp_path):
    path = tmp_path / "review.sqlite"
    first, _ = stored(path)
    behind_the_stores_back(
        path,
        "INSERT INTO retention_window VALUES (1, '2026-12-07T03:20:00.000000Z')",
        f"UPDATE list_items SET tier = 'possible' WHERE list_id = '{first}'",
        f"INSERT INTO list_item_removals VALUES ('{first}', '2026-12-07T03:20:00.000000Z', 2, "
        "'J Smith')",
        "DELETE FROM retention_window",
    )
    with ReviewStore(path, key=KEY) as store:
        name = f"list {first} (stored {store.lists()['created_at'][0]})"
    assert problems(path) == [
        f"{name}: its items were removed under retention, yet it holds 2: added since, outside "
        "the workbench",
        f"{name}: recorded as removed under retention on 2026-12-07, but the access log "
        "records no retention then: the record was made outside `workbench retention`, and "
        "its items were not checked",
    ]


def test_an_item_put_back_into_a_list_retention_emptied_fails(tmp_path):
    path = tmp_path / "review.sqlite"
    first, _ = stored(path)
    later = datetime.now(UTC) + timedelta(days=1)
    with ReviewStore(path, key=KEY) as store:
        store.apply_retention(later, later, user="records.officer")
    behind_the_stores_back(
        path,
        "INSERT INTO list_items (list_id, item_key, tier, reason_codes, link_needs_review) "
        f"VALUES ('{first}', '{KEYS[0]}', 'likely', 'x', 0)",
    )
    (problem,) = problems(path)
    assert problem.startswith(f"list {first} ") and problem.endswith(
        "its items were removed under retention, yet it holds 1: added since, outside the workbench"
    )


def test_a_list_removed_whole_fails_by_the_access_log_or_its_decisions(tmp_path):
    path = tmp_path / "review.sqlite"
    first, second = stored(path)
    with ReviewStore(path, key=KEY) as store:
        store.log_access("A. Officer", "review export", f"list {second}: 1 rows")
    remove = [
        f"DELETE FROM {table} WHERE list_id = '{{}}'" for table in ("list_items", "list_seals")
    ] + ["DELETE FROM lists WHERE list_id = '{}'"]
    behind_the_stores_back(path, *(s.format(second) for s in remove))  # foreign keys off
    with ReviewStore(path, key=KEY) as store:
        count, found = store.verify_lists()
    assert (count, found) == (
        1,
        [
            f"list {second}: named in the access log (line 1 first) but no longer in the "
            "store: removed outside the workbench"
        ],
    )
    behind_the_stores_back(path, *(s.format(first) for s in remove))
    with ReviewStore(path, key=KEY) as store:
        assert store.verify_lists()[1][-1] == (
            f"list {first}: 1 decision(s) are about it, but the store no longer holds it: "
            "removed outside the workbench"
        )


def old_store(path: Path, monkeypatch) -> str:
    """A store of schema version 9 (before the lists were sealed) with a list of two items."""
    original = store_module.MIGRATIONS
    monkeypatch.setattr(store_module, "MIGRATIONS", original[:9])
    with ReviewStore(path, key=KEY) as old:
        list_id = old.add_list("r-0", "two_year_old", "two_year_old@3", {}, items(*KEYS[:2]))
    monkeypatch.setattr(store_module, "MIGRATIONS", original)
    return list_id


def test_a_schema_set_back_and_migrated_again_fails(tmp_path, monkeypatch):
    """An auditor's attack: versions 10 on deleted, list_seals, held_because, field_keys and
    list_files dropped, items edited; the next opening migrated the store again and sealed the
    edited items as they stood."""
    path = tmp_path / "review.sqlite"
    old_store(path, monkeypatch)
    with ReviewStore(path, key=KEY) as store:
        migrated = store.access_log().filter(pl.col("command") == "migrate")
        assert migrated["detail"].to_list() == [
            f"schema version 9 to {len(store_module.MIGRATIONS)}; 1 stored list(s) sealed as "
            "they stood"
        ]
        assert store.verify_migrations() == [] and store.verify_access_log().ok
    behind_the_stores_back(
        path,
        "DELETE FROM schema_version WHERE version >= 10",
        "DROP TABLE list_seals",
        "ALTER TABLE list_items DROP COLUMN held_because",
        "ALTER TABLE check_export_rows DROP COLUMN field_keys",
        "DROP TABLE list_files",
        "UPDATE list_items SET tier = 'possible'",
    )
    with ReviewStore(path, key=KEY) as store:
        assert store.verify_lists() == (1, [])  # sealed afresh as it stood
        first, again = store.access_log().filter(pl.col("command") == "migrate")["seq"]
        assert store.verify_migrations() == [
            f"access log lines {first} and {again} both record the store migrated to schema "
            f"version {len(store_module.MIGRATIONS)}: its schema was set back in between, "
            "outside the workbench, and what that version seals was sealed again as it then "
            "stood"
        ]


def test_an_older_store_opened_with_another_key_is_refused_and_left_as_it_was(
    tmp_path, monkeypatch
):
    # An auditor's case: `assure` (which opens a store whatever its key) sealed an old
    # store's lists under the wrong key, and the honest store failed for good after.
    path = tmp_path / "review.sqlite"
    old_store(path, monkeypatch)
    with pytest.raises(WorkbenchError, match="keyed with another key"):
        ReviewStore(path, key=bytes(32), key_must_match=False)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (9,)
    conn.close()
    with ReviewStore(path, key=KEY) as store:
        assert store.verify_lists() == (1, [])


def test_a_list_short_of_items_when_sealed_at_migration_fails(tmp_path, monkeypatch):
    path = tmp_path / "review.sqlite"
    list_id = old_store(path, monkeypatch)
    behind_the_stores_back(path, f"DELETE FROM list_items WHERE item_key = '{KEYS[1]}'")
    with ReviewStore(path, key=KEY) as store:
        assert store.verify_lists()[1] == [
            f"list {list_id} (stored {store.lists()['created_at'][0]}): holds 1 item(s) but "
            "was stored with 2"
        ]
