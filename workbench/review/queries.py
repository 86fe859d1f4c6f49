"""Reading the review store: its lists, their items, the decisions and the access log, as
polars frames.

These are the bodies of the store's read methods (:meth:`ReviewStore.lists
<workbench.review.store.ReviewStore.lists>`, ``items``, ``decisions``, ``latest_decisions``,
``earlier_decisions``, ``progress``, ``access_log``); the store itself keeps the connection,
the migrations and every write. Each function takes the store as its first argument; the
store's methods are the public way in and carry the documentation.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from workbench.review.store import ReviewStore
>>> with ReviewStore(Path(tempfile.mkdtemp()) / "review.sqlite") as store:
...     lists(store).columns[:3], access_log(store).height
(['list_id', 'run_id', 'initiative'], 0)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from workbench.review.chain import _DECISION_COLUMNS
from workbench.review.inputs import _check_decision_names
from workbench.review.schema import DECISIONS

if TYPE_CHECKING:
    from workbench.review.store import ReviewStore

__all__ = [
    "access_log",
    "decision_frame",
    "decisions",
    "earlier_decisions",
    "items",
    "latest_decisions",
    "lists",
    "progress",
]

_DECISION_SCHEMA = {name: (pl.Int64 if name == "seq" else pl.String) for name in _DECISION_COLUMNS}
_LIST_SCHEMA = {
    "list_id": pl.String,
    "run_id": pl.String,
    "initiative": pl.String,
    "rule_set": pl.String,
    "input_hashes": pl.String,
    "created_at": pl.String,
    "item_count": pl.Int64,
    "items_removed_at": pl.String,
}
_ITEM_COLUMNS = ("item_key", "tier", "reason_codes", "evidence", "eligible_from")


def lists(store: ReviewStore) -> pl.DataFrame:
    """Every stored list, oldest first (see :meth:`ReviewStore.lists`)."""
    rows = store._conn.execute(
        "SELECT l.list_id, l.run_id, l.initiative, l.rule_set, l.input_hashes, l.created_at, "
        "l.item_count, r.removed_at FROM lists l "
        "LEFT JOIN list_item_removals r USING (list_id) ORDER BY l.rowid"
    )
    return pl.DataFrame(rows.fetchall(), schema=_LIST_SCHEMA, orient="row")


def items(store: ReviewStore, list_id: str) -> pl.DataFrame:
    """The items of one list, sorted by ``item_key`` (see :meth:`ReviewStore.items`)."""
    store._require_list(list_id)
    rows = store._conn.execute(
        "SELECT item_key, tier, reason_codes, evidence, eligible_from, link_needs_review "
        "FROM list_items WHERE list_id = ? ORDER BY item_key",
        (list_id,),
    ).fetchall()
    frame = pl.DataFrame(
        rows,
        schema={**dict.fromkeys(_ITEM_COLUMNS, pl.String), "link_needs_review": pl.Int64},
        orient="row",
    )
    return frame.with_columns(
        pl.when(pl.col("reason_codes") == "")
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(pl.col("reason_codes").str.split(";"))
        .alias("reason_codes"),
        pl.col("eligible_from").str.to_date("%Y-%m-%d"),
        pl.col("link_needs_review").cast(pl.Boolean),
    )


def decisions(
    store: ReviewStore, list_id: str | None = None, item_keys: Collection[str] | None = None
) -> pl.DataFrame:
    """Every decision, in recording order (see :meth:`ReviewStore.decisions`)."""
    where, params = ["1"], []
    if list_id is not None:
        where.append("list_id = ?")
        params.append(list_id)
    if item_keys is not None:
        where.append("item_key IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(item_keys)))
    return decision_frame(
        store._conn, f"SELECT * FROM decisions WHERE {' AND '.join(where)} ORDER BY seq", params
    )


def latest_decisions(
    store: ReviewStore, list_id: str, among: Collection[str] | None = None
) -> pl.DataFrame:
    """The latest decision per item of a list (see :meth:`ReviewStore.latest_decisions`)."""
    store._require_list(list_id)
    kinds = list(DECISIONS if among is None else among)
    _check_decision_names(kinds)
    return decision_frame(
        store._conn,
        "SELECT * FROM decisions WHERE seq IN (SELECT max(seq) FROM decisions "
        "WHERE list_id = ? AND decision IN (SELECT value FROM json_each(?)) "
        "GROUP BY item_key) ORDER BY item_key",
        [list_id, json.dumps(kinds)],
    )


def earlier_decisions(
    store: ReviewStore, item_keys: Collection[str], before_list_id: str | None = None
) -> pl.DataFrame:
    """Decisions about these keys on other lists (see :meth:`ReviewStore.earlier_decisions`)."""
    where, params = "", [json.dumps(list(item_keys))]
    if before_list_id is not None:
        store._require_list(before_list_id)
        where = "AND l.rowid < (SELECT rowid FROM lists WHERE list_id = ?)"
        params.append(before_list_id)
    rows = store._conn.execute(
        "SELECT d.*, l.run_id, l.initiative, l.created_at FROM decisions d "
        "JOIN lists l USING (list_id) "
        f"WHERE d.item_key IN (SELECT value FROM json_each(?)) {where} "
        "ORDER BY d.item_key, d.seq",
        params,
    ).fetchall()
    schema = _DECISION_SCHEMA | {
        "run_id": pl.String,
        "initiative": pl.String,
        "list_created_at": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def progress(store: ReviewStore, list_id: str) -> dict[str, Any]:
    """How far review of a list has got (see :meth:`ReviewStore.progress`)."""
    latest = store.latest_decisions(list_id)
    total = store._conn.execute(
        "SELECT item_count FROM lists WHERE list_id = ?", (list_id,)
    ).fetchone()[0]
    counts = dict(latest.group_by("decision").len().iter_rows())
    return {
        "decided": latest.height,
        "undecided": total - latest.height,
        "by_decision": {name: counts.get(name, 0) for name in DECISIONS},
    }


def decision_frame(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> pl.DataFrame:
    """The decisions a query over the ``decisions`` table returns, with their stored types."""
    rows = conn.execute(sql, params).fetchall()
    return pl.DataFrame(rows, schema=_DECISION_SCHEMA, orient="row")


def access_log(store: ReviewStore) -> pl.DataFrame:
    """The access log, oldest first."""
    rows = store._conn.execute("SELECT seq, at, user, command, detail FROM access_log")
    schema = {"seq": pl.Int64, "at": pl.String, "user": pl.String}
    schema |= {"command": pl.String, "detail": pl.String}
    return pl.DataFrame(rows.fetchall(), schema=schema, orient="row")
