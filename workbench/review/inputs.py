"""Checks on what callers hand the review store: a list's items and decision requests.

:meth:`ReviewStore.add_list <workbench.review.store.ReviewStore.add_list>` turns a list's items
into ``list_items`` rows with :func:`item_rows`, and
:meth:`ReviewStore.record_decisions <workbench.review.store.ReviewStore.record_decisions>`
validates each request with :func:`checked_request`, before either opens a transaction. Kept
apart from the store so the rules for what may be stored (pseudonymous keys only, known
decision names, a reason where one is required, a reviewer's name that names someone
(`workbench.review.schema.names_someone`), ISO dates) read in one place; the store's
methods are the public way in.

Examples
--------
>>> checked_request(1, {"list_id": "l-1", "item_key": "pk_" + "a" * 24,
...                      "decision": "defer", "reviewer": " A. Officer "})["reviewer"]
'A. Officer'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import polars as pl

from workbench.errors import WorkbenchError
from workbench.review.keys import PSEUDONYM_PATTERN
from workbench.review.schema import (
    DECISIONS,
    HELD_IDS,
    NAME_WANTED,
    REASON_REQUIRED,
    reason_too_long,
    says_why,
    too_long_message,
    why_not_a_name,
)

__all__ = ["check_decision_names", "checked_request", "item_rows"]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_decision_names(names: Iterable[str]) -> None:
    unknown = sorted(set(names) - set(DECISIONS))
    if unknown:
        raise WorkbenchError(
            f"unknown decision {unknown[0]!r}; expected one of: {', '.join(DECISIONS)}"
        )


def checked_request(position: int, request: Mapping[str, Any]) -> dict[str, Any]:
    """One decision request validated and normalised, or an error naming its position."""
    missing = [k for k in ("list_id", "item_key", "decision", "reviewer") if k not in request]
    if missing:
        raise WorkbenchError(f"decision {position}: missing {', '.join(missing)}")
    decision = request["decision"]
    if decision not in DECISIONS:
        raise WorkbenchError(
            f"decision {position}: unknown decision {decision!r}; "
            f"expected one of: {', '.join(DECISIONS)}"
        )
    reviewer = str(request["reviewer"] or "").strip()
    if not reviewer:
        raise WorkbenchError(
            f"decision {position}: the reviewer's name is required; got an empty reviewer"
        )
    why = why_not_a_name(reviewer)
    if why is not None:
        raise WorkbenchError(
            f"decision {position}: reviewer {reviewer!r} is not a person's name: it {why}; "
            f"{NAME_WANTED}"
        )
    reason = str(request.get("reason") or "").strip() or None
    if reason_too_long(reason):
        raise WorkbenchError(f"decision {position}: the reason {too_long_message(str(reason))}")
    if decision in REASON_REQUIRED and not says_why(reason):
        raise WorkbenchError(
            f"decision {position}: a {decision} decision needs a reason saying why in words; "
            + ("got none" if reason is None else f"{reason!r} says nothing about why")
        )
    return {
        "list_id": request["list_id"],
        "item_key": request["item_key"],
        "reviewer": reviewer,
        "decision": decision,
        "reason": reason,
    }


def item_rows(items: pl.DataFrame) -> list[tuple[Any, ...]]:
    """The rows for list_items, validated: pseudonymous unique keys, tiers, ISO dates."""
    missing = [c for c in ("item_key", "tier", "reason_codes") if c not in items.columns]
    if missing:
        raise WorkbenchError(
            f"list items are missing column(s) {', '.join(missing)}; expected item_key, tier, "
            "reason_codes and optionally evidence, eligible_from, link_needs_review, "
            "proposed_key, held_because"
        )
    frame = items.select(
        pl.col("item_key").cast(pl.String),
        pl.col("tier").cast(pl.String),
        _joined_reasons(items),
        _optional_text(items, "evidence"),
        _optional_text(items, "eligible_from"),
        (
            pl.col("link_needs_review").cast(pl.Boolean).fill_null(False).cast(pl.Int64)
            if "link_needs_review" in items.columns
            else pl.lit(0, dtype=pl.Int64).alias("link_needs_review")
        ),
        _optional_text(items, "proposed_key"),
        _optional_text(items, "held_because"),
    )
    rows = frame.rows()
    seen: set[str] = set()
    for number, (key, tier, reasons, _, eligible_from, review, proposed, held) in enumerate(
        rows, start=1
    ):
        _check_item(number, key, tier, reasons, eligible_from, seen)
        _check_proposed(number, proposed, review)
        _check_held(number, held, review)
        seen.add(key)
    return rows


def _check_held(number: int, held: Any, link_needs_review: int) -> None:
    """Why an item's link was held: only where a link awaits review, and every council record
    id and DWP-list row it names a pseudonym (`workbench.review.lists.pseudonymous_held`)."""
    if held is None:
        return
    where = f"list items, row {number}"
    if not link_needs_review:
        raise WorkbenchError(
            f"{where}: held_because says why a link was held for review, but the item's link "
            "does not await review (link_needs_review is false); give it only with "
            "link_needs_review"
        )
    named = [
        name
        for found in HELD_IDS.finditer(held)
        for name in (found["ids"].split(", ") if found["ids"] else [found["row"]])
    ]
    if not all(PSEUDONYM_PATTERN.match(name) for name in named):
        # The value is not echoed: it may hold a person id that must not reach a log.
        raise WorkbenchError(
            f"{where}: held_because names a council record or a DWP-list row by something "
            "other than a pseudonymous key ('pk_' and 24 hex digits); give it as "
            "workbench.review.lists.pseudonymous_held writes it. Never store names or ids"
        )


def _check_proposed(number: int, proposed: Any, link_needs_review: int) -> None:
    """The proposed match of an item: a pseudonym, and only where a link awaits review."""
    if proposed is None:
        return
    where = f"list items, row {number}"
    if not PSEUDONYM_PATTERN.match(proposed):
        raise WorkbenchError(
            f"{where}: proposed_key must be a pseudonymous key ('pk_' and 24 hex digits); got "
            "something else. Never store names or ids"
        )
    if not link_needs_review:
        raise WorkbenchError(
            f"{where}: proposed_key names a proposed match, but the item's link does not await "
            "review (link_needs_review is false); give it only with link_needs_review"
        )


def _joined_reasons(items: pl.DataFrame) -> pl.Expr:
    """Reason codes as one ';'-joined text; a listed code that is empty or holds ';' is refused."""
    column = pl.col("reason_codes")
    if not isinstance(items.schema["reason_codes"], pl.List):
        return column.cast(pl.String).fill_null("")
    unsplittable = items.select(
        column.list.eval((pl.element() == "") | pl.element().str.contains(";", literal=True))
        .list.any()
        .fill_null(False)
        .arg_true()
    ).to_series()
    if unsplittable.len():
        raise WorkbenchError(
            f"list items, row {unsplittable[0] + 1}: reason_codes has an empty code or a code "
            "holding ';'; expected codes like 'income_support', each non-empty, without ';'"
        )
    return column.list.join(";").fill_null("")


def _optional_text(items: pl.DataFrame, name: str) -> pl.Expr:
    if name not in items.columns:
        return pl.lit(None, dtype=pl.String).alias(name)
    if items.schema[name] == pl.Date:
        return pl.col(name).dt.strftime("%Y-%m-%d")
    return pl.col(name).cast(pl.String)


def _check_item(
    number: int, key: Any, tier: Any, reasons: str, eligible_from: Any, seen: set[str]
) -> None:
    where = f"list items, row {number}"
    if key is None or not PSEUDONYM_PATTERN.match(key):
        # The value is not echoed: it may be a person id that must not reach a log.
        raise WorkbenchError(
            f"{where}: item_key must be a pseudonymous key ('pk_' and 24 hex digits, from "
            "workbench.review.pseudonym); got something else. Never store names or ids"
        )
    if key in seen:
        raise WorkbenchError(f"{where}: item_key {key} appears twice; each item once")
    if not tier:
        raise WorkbenchError(f"{where}: tier is empty; expected e.g. 'likely' or 'possible'")
    if any(code == "" for code in reasons.split(";")) and reasons != "":
        raise WorkbenchError(
            f"{where}: reason_codes has an empty code or a code holding ';'; "
            "expected codes like 'income_support', each non-empty and without ';'"
        )
    if eligible_from is not None:
        try:
            if not _ISO_DATE.match(eligible_from):
                raise ValueError
            date.fromisoformat(eligible_from)
        except ValueError:
            raise WorkbenchError(
                f"{where}: eligible_from must be a date like 2026-09-01; got {eligible_from!r}"
            ) from None
