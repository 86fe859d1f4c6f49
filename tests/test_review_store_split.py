"""The review store split into chain, inputs and queries: the old import paths still hold, and
the new modules' docstring examples run."""

from __future__ import annotations

import doctest
import hashlib

import polars as pl
import pytest

import workbench.review.chain as chain_module
import workbench.review.inputs as inputs_module
import workbench.review.queries as queries_module
import workbench.review.store as store_module
from workbench.errors import WorkbenchError


@pytest.mark.parametrize(
    ("name", "home"),
    [
        ("Decision", chain_module),
        ("ChainReport", chain_module),
        ("decision_hash", chain_module),
        ("_DECISION_COLUMNS", chain_module),
        ("_as_dict", chain_module),
        ("_checked_request", inputs_module),
        ("_item_rows", inputs_module),
        ("_check_decision_names", inputs_module),
        ("_ISO_DATE", inputs_module),
        ("_DECISION_SCHEMA", queries_module),
        ("_LIST_SCHEMA", queries_module),
        ("_ITEM_COLUMNS", queries_module),
    ],
)
def test_moved_names_are_the_same_objects_from_the_store(name, home):
    assert getattr(store_module, name) is getattr(home, name)


def test_every_name_in_the_stores_all_is_importable_from_it():
    assert sorted(name for name in store_module.__all__ if not hasattr(store_module, name)) == []


def test_decision_hash_is_unchanged_by_the_move():
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
    with store_module.ReviewStore(tmp_path / "review.sqlite") as store:
        list_id = store.add_list("r-1", "two_year_old", "two_year_old@1", {}, items)
        with pytest.raises(WorkbenchError, match="no list 'l-missing' in the review store"):
            store.latest_decisions("l-missing")
        with pytest.raises(WorkbenchError, match="unknown decision 'maybe'; expected one of"):
            store.latest_decisions(list_id, among=["contact", "maybe"])
        assert store.progress(list_id) == {
            "decided": 0,
            "undecided": 1,
            "by_decision": dict.fromkeys(store_module.DECISIONS, 0),
        }


@pytest.mark.parametrize("module", [chain_module, inputs_module, queries_module])
def test_docstring_examples_run(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
