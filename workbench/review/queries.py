"""Reading the review store: its lists, their items, the decisions and the access log, as
polars frames.

These are the bodies of the store's read methods (:meth:`ReviewStore.lists
<workbench.review.store.ReviewStore.lists>`, ``items``, ``decisions``, ``latest_decisions``,
``earlier_decisions``, ``link_decisions``, ``progress``, ``access_log``); the store itself
keeps the connection, the migrations and every write. Each function takes the store's
connection (the store checks that a list exists before asking about it); the store's methods
are the public way in and carry the documentation.

Examples
--------
>>> import sqlite3
>>> from workbench.review.schema import MIGRATIONS, statements
>>> conn = sqlite3.connect(":memory:")
>>> for migration in MIGRATIONS:
...     for statement in statements(migration):
...         _ = conn.execute(statement)
>>> lists(conn).columns[:3], access_log(conn).height
(['list_id', 'run_id', 'initiative'], 0)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from typing import Any

import polars as pl

from workbench.review.chain import DECISION_COLUMNS
from workbench.review.inputs import check_decision_names
from workbench.review.schema import DECISIONS, LINK_DECISIONS, OUTCOME_DECISIONS

__all__ = [
    "CHECK_IMPORT_SCHEMA",
    "CHECK_RESULT_SCHEMA",
    "DECISION_SCHEMA",
    "INITIATIVE_CHECK_RESULT_SCHEMA",
    "ITEM_COLUMNS",
    "LINK_DECISION_SCHEMA",
    "LIST_SCHEMA",
    "access_log",
    "check_export_field_keys",
    "check_export_items",
    "check_export_rows",
    "check_exports",
    "check_imports",
    "check_results",
    "decided_since",
    "decision_frame",
    "decisions",
    "earlier_decisions",
    "initiative_check_results",
    "items",
    "last_seq",
    "latest_decisions",
    "latest_outcomes_for_initiative",
    "link_decisions",
    "lists",
    "progress",
]

DECISION_SCHEMA = {name: (pl.Int64 if name == "seq" else pl.String) for name in DECISION_COLUMNS}
LIST_SCHEMA = {
    "list_id": pl.String,
    "run_id": pl.String,
    "initiative": pl.String,
    "rule_set": pl.String,
    "input_hashes": pl.String,
    "created_at": pl.String,
    "item_count": pl.Int64,
    "items_removed_at": pl.String,
}
ITEM_COLUMNS = ("item_key", "tier", "reason_codes", "evidence", "eligible_from")


def lists(conn: sqlite3.Connection) -> pl.DataFrame:
    """Every stored list, oldest first (see :meth:`ReviewStore.lists`)."""
    rows = conn.execute(
        "SELECT l.list_id, l.run_id, l.initiative, l.rule_set, l.input_hashes, l.created_at, "
        "l.item_count, r.removed_at FROM lists l "
        "LEFT JOIN list_item_removals r USING (list_id) ORDER BY l.rowid"
    )
    return pl.DataFrame(rows.fetchall(), schema=LIST_SCHEMA, orient="row")


def items(conn: sqlite3.Connection, list_id: str) -> pl.DataFrame:
    """The items of one list, sorted by ``item_key`` (see :meth:`ReviewStore.items`)."""
    rows = conn.execute(
        "SELECT item_key, tier, reason_codes, evidence, eligible_from, link_needs_review "
        "FROM list_items WHERE list_id = ? ORDER BY item_key",
        (list_id,),
    ).fetchall()
    frame = pl.DataFrame(
        rows,
        schema={**dict.fromkeys(ITEM_COLUMNS, pl.String), "link_needs_review": pl.Int64},
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
    conn: sqlite3.Connection, list_id: str | None = None, item_keys: Collection[str] | None = None
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
        conn, f"SELECT * FROM decisions WHERE {' AND '.join(where)} ORDER BY seq", params
    )


def latest_decisions(
    conn: sqlite3.Connection, list_id: str, among: Collection[str] | None = None
) -> pl.DataFrame:
    """The latest decision per item of a list (see :meth:`ReviewStore.latest_decisions`)."""
    kinds = list(DECISIONS if among is None else among)
    check_decision_names(kinds)
    return decision_frame(
        conn,
        "SELECT * FROM decisions WHERE seq IN (SELECT max(seq) FROM decisions "
        "WHERE list_id = ? AND decision IN (SELECT value FROM json_each(?)) "
        "GROUP BY item_key) ORDER BY item_key",
        [list_id, json.dumps(kinds)],
    )


def latest_outcomes_for_initiative(conn: sqlite3.Connection, list_id: str) -> pl.DataFrame:
    """The latest outcome decision about each item of a list on any list of its initiative
    (see :meth:`ReviewStore.latest_outcomes_for_initiative`)."""
    return decision_frame(
        conn,
        "SELECT * FROM decisions WHERE seq IN (SELECT max(d.seq) FROM decisions d "
        "JOIN lists l USING (list_id) "
        "WHERE l.initiative = (SELECT initiative FROM lists WHERE list_id = ?) "
        "AND d.decision IN (SELECT value FROM json_each(?)) "
        "AND d.item_key IN (SELECT item_key FROM list_items WHERE list_id = ?) "
        "GROUP BY d.item_key) ORDER BY item_key",
        [list_id, json.dumps(list(OUTCOME_DECISIONS)), list_id],
    )


def decided_since(
    conn: sqlite3.Connection, list_id: str, item_keys: Collection[str], after_seq: int
) -> pl.DataFrame:
    """Decisions about these keys recorded after `after_seq` that a decision on this list
    would have to reckon with (see :meth:`ReviewStore.decided_since`)."""
    return decision_frame(
        conn,
        "SELECT d.* FROM decisions d JOIN lists l USING (list_id) "
        "WHERE d.seq > ? AND d.item_key IN (SELECT value FROM json_each(?)) "
        "AND (d.list_id = ? OR (l.initiative = (SELECT initiative FROM lists WHERE list_id = ?) "
        "AND d.decision IN (SELECT value FROM json_each(?)))) ORDER BY d.seq",
        [after_seq, json.dumps(list(item_keys)), list_id, list_id,
         json.dumps(list(OUTCOME_DECISIONS))],
    )  # fmt: skip


def last_seq(conn: sqlite3.Connection) -> int:
    """The number of the latest decision recorded, 0 for none."""
    return int(conn.execute("SELECT coalesce(max(seq), 0) FROM decisions").fetchone()[0])


def earlier_decisions(
    conn: sqlite3.Connection, item_keys: Collection[str], before_list_id: str | None = None
) -> pl.DataFrame:
    """Decisions about these keys on other lists (see :meth:`ReviewStore.earlier_decisions`)."""
    where, params = "", [json.dumps(list(item_keys))]
    if before_list_id is not None:
        where = "AND l.rowid < (SELECT rowid FROM lists WHERE list_id = ?)"
        params.append(before_list_id)
    rows = conn.execute(
        "SELECT d.*, l.run_id, l.initiative, l.created_at FROM decisions d "
        "JOIN lists l USING (list_id) "
        f"WHERE d.item_key IN (SELECT value FROM json_each(?)) {where} "
        "ORDER BY d.item_key, d.seq",
        params,
    ).fetchall()
    schema = DECISION_SCHEMA | {
        "run_id": pl.String,
        "initiative": pl.String,
        "list_created_at": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


LINK_DECISION_SCHEMA = {
    "item_key": pl.String,
    "proposed_key": pl.String,
    "decision": pl.String,
    "decision_id": pl.String,
    "reviewer": pl.String,
    "decided_at": pl.String,
    "list_id": pl.String,
}


def link_decisions(conn: sqlite3.Connection) -> pl.DataFrame:
    """The latest link decision per item and proposed match (see
    :meth:`ReviewStore.link_decisions`)."""
    rows = conn.execute(
        "SELECT item_key, proposed_key, decision, decision_id, reviewer, decided_at, list_id "
        "FROM (SELECT d.item_key, i.proposed_key, d.decision, d.decision_id, d.reviewer, "
        "d.decided_at, d.list_id, row_number() OVER "
        "(PARTITION BY d.item_key, i.proposed_key ORDER BY d.seq DESC) AS latest "
        "FROM decisions d JOIN list_items i USING (list_id, item_key) "
        "WHERE d.decision IN (SELECT value FROM json_each(?))) "
        "WHERE latest = 1 ORDER BY item_key, proposed_key",
        [json.dumps(list(LINK_DECISIONS))],
    ).fetchall()
    return pl.DataFrame(rows, schema=LINK_DECISION_SCHEMA, orient="row")


def proposal_decisions(conn: sqlite3.Connection, proposed_keys: Collection[str]) -> pl.DataFrame:
    """Every link decision on an item whose proposed match is one of ``proposed_keys`` (see
    :meth:`ReviewStore.proposal_decisions`)."""
    return decision_frame(
        conn,
        "SELECT d.* FROM decisions d JOIN list_items i USING (list_id, item_key) "
        "WHERE i.proposed_key IN (SELECT value FROM json_each(?)) "
        "AND d.decision IN (SELECT value FROM json_each(?)) ORDER BY d.seq",
        [json.dumps(list(proposed_keys)), json.dumps(list(LINK_DECISIONS))],
    )


def progress(conn: sqlite3.Connection, list_id: str) -> dict[str, Any]:
    """How far review of a list has got (see :meth:`ReviewStore.progress`)."""
    # An item is decided by an outcome decision; a link decision alone settles only whether
    # the DWP-list row is the child, not what happens next. Each kind is counted by the
    # item's latest decision of that kind (a child decided `contact` whose link was then
    # confirmed counts under both).
    outcome = latest_decisions(conn, list_id, OUTCOME_DECISIONS)
    link = latest_decisions(conn, list_id, LINK_DECISIONS)
    total = conn.execute("SELECT item_count FROM lists WHERE list_id = ?", (list_id,)).fetchone()[0]
    counts = dict(pl.concat([outcome, link]).group_by("decision").len().iter_rows())
    return {
        "decided": outcome.height,
        "undecided": total - outcome.height,
        "by_decision": {name: counts.get(name, 0) for name in DECISIONS},
    }


def decision_frame(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> pl.DataFrame:
    """The decisions a query over the ``decisions`` table returns, with their stored types."""
    rows = conn.execute(sql, params).fetchall()
    return pl.DataFrame(rows, schema=DECISION_SCHEMA, orient="row")


def access_log(conn: sqlite3.Connection) -> pl.DataFrame:
    """The access log, oldest first."""
    rows = conn.execute("SELECT seq, at, user, command, detail FROM access_log")
    schema = {"seq": pl.Int64, "at": pl.String, "user": pl.String}
    schema |= {"command": pl.String, "detail": pl.String}
    return pl.DataFrame(rows.fetchall(), schema=schema, orient="row")


# --- checks through DfE's services -----------------------------------------------------------
OUTREACH_EXPORTED_SCHEMA = {
    "decision_id": pl.String,
    "item_key": pl.String,
    "list_id": pl.String,
    "exported_at": pl.String,
    "exported_by": pl.String,
    "file": pl.String,
    "export_seq": pl.Int64,
    "replaced": pl.Boolean,
}
OUTREACH_EXPORTS_SCHEMA = {
    "export_seq": pl.Int64,
    "list_id": pl.String,
    "exported_at": pl.String,
    "exported_by": pl.String,
    "file": pl.String,
    "row_count": pl.Int64,
    "replaces": pl.Int64,
    "replaced": pl.Boolean,
    "rows_removed_at": pl.String,
}
CHECK_EXPORT_SCHEMA = {
    "export_id": pl.String,
    "list_id": pl.String,
    "template": pl.String,
    "exported_at": pl.String,
    "exported_by": pl.String,
    "row_count": pl.Int64,
    "file_count": pl.Int64,
    "not_checkable": pl.Int64,
}
CHECK_IMPORT_SCHEMA = {
    "import_id": pl.String,
    "export_id": pl.String,
    "imported_at": pl.String,
    "imported_by": pl.String,
    "file_name": pl.String,
    "file_sha256": pl.String,
    "row_count": pl.Int64,
    "recorded": pl.Int64,
    "results_removed_at": pl.String,
}
CHECK_RESULT_SCHEMA = {
    "item_key": pl.String,
    "outcome": pl.String,
    "dfe_outcome": pl.String,
    "tier": pl.String,
    "eligible_until": pl.String,
    "export_id": pl.String,
    "row_number": pl.Int64,
    "checked_at": pl.String,
    "imported_by": pl.String,
    "decision_id": pl.String,
    "decision": pl.String,
    "result_seq": pl.Int64,
}


def check_exports(conn: sqlite3.Connection, list_id: str | None) -> pl.DataFrame:
    """Every check export, oldest first (see :meth:`ReviewStore.check_exports`)."""
    where, params = ("WHERE list_id = ?", [list_id]) if list_id is not None else ("", [])
    rows = conn.execute(f"SELECT * FROM check_exports {where} ORDER BY rowid", params)
    return pl.DataFrame(rows.fetchall(), schema=CHECK_EXPORT_SCHEMA, orient="row")


def check_export_rows(
    conn: sqlite3.Connection, row_keys: Collection[str] | None = None
) -> pl.DataFrame:
    """Rows of check exports with their list (see :meth:`ReviewStore.check_export_rows`)."""
    where, params = "", []
    if row_keys is not None:
        where = "WHERE r.row_key IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(list(row_keys)))
    rows = conn.execute(
        "SELECT r.export_id, e.list_id, r.row_number, r.part, r.row_key "
        f"FROM check_export_rows r JOIN check_exports e USING (export_id) {where} "
        "ORDER BY e.rowid, r.row_number",
        params,
    ).fetchall()
    schema = {"export_id": pl.String, "list_id": pl.String, "row_number": pl.Int64}
    schema |= {"part": pl.Int64, "row_key": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def check_export_field_keys(conn: sqlite3.Connection, export_id: str) -> dict[int, dict[str, str]]:
    """A check export's rows' keys with one field left out (see
    :meth:`ReviewStore.check_export_field_keys`)."""
    rows = conn.execute(
        "SELECT row_number, field_keys FROM check_export_rows "
        "WHERE export_id = ? AND field_keys IS NOT NULL ORDER BY row_number",
        (export_id,),
    ).fetchall()
    return {number: json.loads(keys) for number, keys in rows}


def check_imports(conn: sqlite3.Connection) -> pl.DataFrame:
    """Every import of check results, oldest first (see :meth:`ReviewStore.check_imports`)."""
    rows = conn.execute(
        "SELECT i.import_id, i.export_id, i.imported_at, i.imported_by, i.file_name, "
        "i.file_sha256, i.row_count, i.recorded, r.removed_at FROM check_imports i "
        "LEFT JOIN check_result_removals r USING (import_id) ORDER BY i.rowid"
    ).fetchall()
    return pl.DataFrame(rows, schema=CHECK_IMPORT_SCHEMA, orient="row")


def check_export_items(conn: sqlite3.Connection, export_id: str) -> pl.DataFrame:
    """The children and decisions each row of an export rests on, by row then item key."""
    rows = conn.execute(
        "SELECT row_number, item_key, decision_id, decision_seq FROM check_export_items "
        "WHERE export_id = ? ORDER BY row_number, item_key",
        (export_id,),
    ).fetchall()
    schema = {"row_number": pl.Int64, "item_key": pl.String}
    schema |= {"decision_id": pl.String, "decision_seq": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def check_results(
    conn: sqlite3.Connection,
    list_id: str,
    *,
    latest: bool,
    item_keys: Collection[str] | None = None,
) -> pl.DataFrame:
    """Check results per child of a list (see :meth:`ReviewStore.latest_check_results`),
    optionally of some children only."""
    params: list[str] = [list_id]
    only = ""
    if item_keys is not None:
        only = " AND x.item_key IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(list(item_keys)))
    joined = (
        "FROM check_results c JOIN check_imports i USING (import_id) "
        "JOIN check_exports e ON e.export_id = c.export_id "
        "JOIN check_export_items x ON x.export_id = c.export_id "
        "AND x.row_number = c.row_number "
        "LEFT JOIN decisions d ON d.decision_id = x.decision_id "
        f"WHERE e.list_id = ?{only}"
    )
    if latest:
        keep = (
            "AND c.result_seq = (SELECT max(c2.result_seq) FROM check_results c2 "
            "JOIN check_export_items x2 ON x2.export_id = c2.export_id "
            "AND x2.row_number = c2.row_number JOIN check_exports e2 "
            "ON e2.export_id = c2.export_id WHERE e2.list_id = e.list_id "
            "AND x2.item_key = x.item_key)"
        )
        order = "ORDER BY x.item_key"
    else:
        keep, order = "", "ORDER BY c.result_seq, x.item_key"
    rows = conn.execute(
        "SELECT x.item_key, c.outcome, c.dfe_outcome, c.tier, c.eligible_until, c.export_id, "
        "c.row_number, i.imported_at, i.imported_by, x.decision_id, d.decision, c.result_seq "
        f"{joined} {keep} {order}",
        params,
    ).fetchall()
    return pl.DataFrame(rows, schema=CHECK_RESULT_SCHEMA, orient="row")


INITIATIVE_CHECK_RESULT_SCHEMA = CHECK_RESULT_SCHEMA | {
    "list_id": pl.String,
    "run_id": pl.String,
    "initiative": pl.String,
    "list_created_at": pl.String,
}


def initiative_check_results(
    conn: sqlite3.Connection, list_id: str, item_keys: Collection[str] | None = None
) -> pl.DataFrame:
    """Check results about the children of a list (or these of them) from the exports of
    every list of its initiative (see :meth:`ReviewStore.initiative_check_results`)."""
    params: list[str] = [list_id]
    children = "SELECT item_key FROM list_items WHERE list_id = ?"
    if item_keys is not None:
        children = "SELECT value FROM json_each(?)"
        params = [json.dumps(list(item_keys))]
    rows = conn.execute(
        "SELECT x.item_key, c.outcome, c.dfe_outcome, c.tier, c.eligible_until, c.export_id, "
        "c.row_number, i.imported_at, i.imported_by, x.decision_id, d.decision, c.result_seq, "
        "l.list_id, l.run_id, l.initiative, l.created_at "
        "FROM check_results c JOIN check_imports i USING (import_id) "
        "JOIN check_exports e ON e.export_id = c.export_id "
        "JOIN lists l ON l.list_id = e.list_id "
        "JOIN check_export_items x ON x.export_id = c.export_id "
        "AND x.row_number = c.row_number "
        "LEFT JOIN decisions d ON d.decision_id = x.decision_id "
        "WHERE l.initiative = (SELECT initiative FROM lists WHERE list_id = ?) "
        f"AND x.item_key IN ({children}) ORDER BY c.result_seq, x.item_key",
        [list_id, *params],
    ).fetchall()
    return pl.DataFrame(rows, schema=INITIATIVE_CHECK_RESULT_SCHEMA, orient="row")


_REPLACED = (
    "EXISTS (SELECT 1 FROM outreach_exports later WHERE later.replaces = e.export_seq) AS replaced"
)


def outreach_exported(conn: sqlite3.Connection) -> pl.DataFrame:
    """Every row of every outreach export, oldest first (see
    :meth:`ReviewStore.outreach_exported`)."""
    rows = conn.execute(
        "SELECT i.decision_id, i.item_key, e.list_id, e.exported_at, e.exported_by, e.file, "
        f"e.export_seq, {_REPLACED} FROM outreach_export_items i "
        "JOIN outreach_exports e USING (export_seq) ORDER BY e.export_seq, i.rowid"
    ).fetchall()
    return pl.DataFrame(rows, schema=OUTREACH_EXPORTED_SCHEMA, orient="row")


def outreach_exports(conn: sqlite3.Connection) -> pl.DataFrame:
    """Every outreach export, oldest first (see :meth:`ReviewStore.outreach_exports`)."""
    rows = conn.execute(
        "SELECT e.export_seq, e.list_id, e.exported_at, e.exported_by, e.file, e.row_count, "
        f"e.replaces, {_REPLACED}, r.removed_at FROM outreach_exports e "
        "LEFT JOIN outreach_item_removals r USING (export_seq) ORDER BY e.export_seq"
    ).fetchall()
    return pl.DataFrame(rows, schema=OUTREACH_EXPORTS_SCHEMA, orient="row")


def initiative_check_exports(
    conn: sqlite3.Connection, list_id: str, item_keys: Collection[str]
) -> pl.DataFrame:
    """Every row of a check export of any list of `list_id`'s initiative resting on one of
    these children, oldest first, and whether a result for the row has been recorded (see
    :meth:`ReviewStore.initiative_check_exports`)."""
    rows = conn.execute(
        "SELECT i.item_key, i.export_id, e.exported_at, "
        "EXISTS (SELECT 1 FROM check_results r WHERE r.export_id = i.export_id "
        "AND r.row_number = i.row_number) "
        "FROM check_export_items i JOIN check_exports e USING (export_id) "
        "JOIN lists l ON l.list_id = e.list_id "
        "WHERE l.initiative = (SELECT initiative FROM lists WHERE list_id = ?) "
        "AND i.item_key IN (SELECT value FROM json_each(?)) "
        "ORDER BY e.rowid, i.row_number",
        (list_id, json.dumps(list(item_keys))),
    ).fetchall()
    schema = {"item_key": pl.String, "export_id": pl.String, "exported_at": pl.String}
    return pl.DataFrame(rows, schema=schema | {"answered": pl.Boolean}, orient="row")
