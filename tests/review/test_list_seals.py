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


def test_a_seal_removed_fails_for_the_list_after_it_or_as_unsealed(tmp_path):
    path = tmp_path / "review.sqlite"
    first, second = stored(path)
    behind_the_stores_back(path, f"DELETE FROM list_seals WHERE list_id = '{first}'")
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
