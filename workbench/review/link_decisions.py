"""Reviewers' link decisions, applied to the next run's record links.

When the linkage scores a DWP-list row and a council child as a probable match (the
`clerical_review` band), the list shows the row on its own, flagged `link_needs_review`, with
the child beside it as `probable_person_id`; an officer records `link_confirmed` or
`link_rejected`, and the store keeps, with the item, the pseudonym of the child proposed
(`proposed_key`). `workbench assess --store` then applies each latest decision to **the same
pair, when the run proposes it again**, and to nothing else:

- `link_confirmed`: the pair is linked (method `reviewer_confirmed`), so the row and the child
  are one row of the list: the child's own evidence, places and age group, and the DWP row's
  reason. Not applied when this run already links the child to another DWP-list row.
- `link_rejected`: the pair is not linked, and the row is listed on its own with no probable
  match, so the officer is not asked again.

A decision about a pair the run does not propose (the exact pass or Splink now links the row
to someone, the data changed, another child is proposed) is not applied, and counted. The
store's decision chain must verify first: a decision inserted behind the package's back is
never applied. The manifest names every decision applied (`decision_id`), so each merged row
traces to a named person's recorded decision.

Example
-------
>>> import polars as pl
>>> from workbench.review.keys import pseudonym
>>> key = bytes(32)
>>> links = pl.DataFrame({"source": ["dwp_list"], "record_id": ["D1"], "person_id": ["P1"],
...     "band": ["clerical_review"], "match_probability": [0.7], "method": ["splink"]})
>>> decisions = pl.DataFrame({"item_key": [pseudonym("dwp", "D1", key)],
...     "proposed_key": [pseudonym("person", "P1", key)], "decision": ["link_confirmed"],
...     "decision_id": ["d-1"], "reviewer": ["A. Officer"], "decided_at": ["2026-12-01"],
...     "list_id": ["l-1"]})
>>> applied = apply_link_decisions(links, decisions, key)
>>> applied.links.select("band", "method").row(0), applied.confirmed
(('linked', 'reviewer_confirmed'), 1)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from workbench.errors import UsageError, WorkbenchError
from workbench.governance.access import current_user
from workbench.linkage.exact import BAND_CLERICAL_REVIEW, BAND_LINKED, BAND_NOT_LINKED
from workbench.paths import looked_for, project_path
from workbench.review.keys import pseudonym_expr
from workbench.review.lists import DWP_KIND, PERSON_KIND
from workbench.review.queries import LINK_DECISION_SCHEMA

__all__ = [
    "LINK_DECISION_SOURCE",
    "METHOD_REVIEWER_CONFIRMED",
    "AppliedLinkDecisions",
    "StoredLinkDecisions",
    "apply_link_decisions",
    "read_link_decisions",
]

METHOD_REVIEWER_CONFIRMED = "reviewer_confirmed"
# The one source whose links officers decide: a funded place awaiting review is checked with
# the provider instead (`funded_place_to_review`).
LINK_DECISION_SOURCE = "dwp_list"
_CONFIRMED, _REJECTED = "link_confirmed", "link_rejected"


@dataclass(frozen=True)
class AppliedLinkDecisions:
    """The links with reviewers' decisions applied, and what was applied.

    ``applied`` has one row per decision applied: ``item_key`` (the DWP row's pseudonym),
    ``decision``, ``decision_id``, ``reviewer`` and ``decided_at``. ``not_proposed`` counts
    the store's latest link decisions about this run's DWP-list rows that are about pairs it
    does not propose for review;
    ``already_linked`` the confirmations not applied because the run links the child to
    another DWP-list row.
    """

    links: pl.DataFrame
    applied: pl.DataFrame
    not_proposed: int
    already_linked: int
    chain_head: str | None = field(default=None)
    no_proposed_match: int = 0
    """Link decisions about this run's DWP-list rows recorded on lists stored before the
    store kept the child proposed (schema version 6): never applied."""

    @property
    def confirmed(self) -> int:
        return int((self.applied["decision"] == _CONFIRMED).sum())

    @property
    def rejected(self) -> int:
        return int((self.applied["decision"] == _REJECTED).sum())

    def digest(self) -> str:
        """The SHA-256 of the decisions applied (their ids, sorted): part of the run's
        identity, since they change the list."""
        ids = sorted(self.applied["decision_id"].to_list())
        return hashlib.sha256(json.dumps(ids).encode()).hexdigest()

    def manifest(self) -> dict[str, Any]:
        """What the list's manifest records: counts, the decisions applied (pseudonymous keys
        and decision ids only) and the store's chain head when they were read."""
        return {
            "confirmed": self.confirmed,
            "rejected": self.rejected,
            "not_proposed": self.not_proposed,
            "already_linked": self.already_linked,
            "no_proposed_match": self.no_proposed_match,
            "chain_head": self.chain_head,
            "applied": self.applied.select("item_key", "decision", "decision_id")
            .sort("item_key")
            .to_dicts(),
        }

    def sentences(self) -> list[str]:
        """What was applied, in words, for the console."""
        said = [
            f"applied {self.applied.height} reviewer link decision(s) from the review store: "
            f"{self.confirmed} confirmed (each DWP-list row listed as the child it was "
            f"confirmed to be), {self.rejected} rejected (listed on its own, not proposed "
            "again)"
        ]
        if self.not_proposed:
            said.append(
                f"{self.not_proposed} link decision(s) in the store are about pairs this run "
                "does not propose for review (now linked another way, or another child "
                "proposed): not applied"
            )
        if self.no_proposed_match:
            said.append(
                f"{self.no_proposed_match} link decision(s) about this run's DWP-list rows were "
                "recorded on a list stored before the review store kept the child proposed as "
                "the match: they cannot say which pair they were about, so they were not "
                "applied. Record them again on this run's list (`review export`, then `review "
                "import`, or the panel)"
            )
        if self.already_linked:
            said.append(
                f"{self.already_linked} confirmed link(s) not applied: this run links the "
                "child to another DWP-list row; review both rows"
            )
        return said


@dataclass(frozen=True)
class StoredLinkDecisions:
    """The review store's link decisions as read for a run (`read_link_decisions`): the latest
    per item and proposed match, the chain head they were read at, and the pseudonym key that
    keys this run's rows as the store keys its items. Read once, applied to each assessment
    (`apply`): a take-up trend assesses several terms with the same decisions."""

    decisions: pl.DataFrame
    chain_head: str
    key: bytes = field(repr=False)

    def apply(self, links: pl.DataFrame) -> AppliedLinkDecisions:
        """`apply_link_decisions` of these decisions to `links`."""
        return apply_link_decisions(links, self.decisions, self.key, self.chain_head)


def read_link_decisions(
    store: str | Path, key: bytes, *, command: str = "assess"
) -> StoredLinkDecisions:
    """The latest link decision per item and proposed match in the review store at `store`
    (a relative path found as `workbench.paths.project_path` finds it;
    `ReviewStore.link_decisions`), read once its decision chain is verified; the reading is
    recorded in the store's access log as done by `command` (`assess`, `explain`, `stats`:
    the command that reads them, as its own line names it).

    Raises
    ------
    UsageError
        When there is no store at `store`.
    WorkbenchError
        When the store's decision chain does not verify.
    """
    from workbench.review.store import ReviewStore  # sqlite and the chain: only when asked

    path = project_path(store)
    if not path.is_file():
        raise no_store_at(looked_for(store))
    with ReviewStore(path, key=key) as opened:
        report = opened.verify_chain()
        if not report.ok:
            raise WorkbenchError(
                f"{path}: the review store's decision chain does not verify ({report.message}); "
                "no link decision was applied. Investigate with `workbench assure --store`"
            )
        decisions = opened.link_decisions()
        opened.log_access(
            current_user(), command, f"read {decisions.height} link decision(s) to apply to links"
        )
    return StoredLinkDecisions(decisions, report.head, key)


def no_store_at(where: str) -> UsageError:
    """The error for a store to read link decisions from that is not there, `where` saying
    where it was looked for (`read_link_decisions`; `workbench assess --store` looks in the
    working folder only)."""
    return UsageError(
        f"no review store at {where}: --store reads the link decisions recorded in review (a "
        "store is made by the first `workbench review export` or `review serve`); give the "
        "store they were recorded in, or leave --store out",
        parameter="store",
    )


def apply_link_decisions(
    links: pl.DataFrame, decisions: pl.DataFrame, key: bytes, chain_head: str | None = None
) -> AppliedLinkDecisions:
    """`links` (`workbench.linkage.LINKAGE_RESULT_SCHEMA` columns) with each decision of
    `decisions` (`ReviewStore.link_decisions`) applied to the DWP-list pair it is about, when
    the links propose that pair for review (see the module docstring). Rows are otherwise
    unchanged and keep their order."""
    missing = [c for c in LINK_DECISION_SCHEMA if c not in decisions.columns]
    if missing:
        raise UsageError(
            f"lacks column(s) {', '.join(missing)}; expected ReviewStore.link_decisions()",
            parameter="decisions",
        )
    rows = links.filter(pl.col("source") == LINK_DECISION_SOURCE).with_columns(
        pseudonym_expr("record_id", DWP_KIND, key).alias("item_key")
    )
    proposed = rows.filter(pl.col("band") == BAND_CLERICAL_REVIEW).select(
        "record_id",
        "person_id",
        "item_key",
        pseudonym_expr("person_id", PERSON_KIND, key).alias("proposed_key"),
    )
    keyed = decisions.filter(pl.col("proposed_key").is_not_null())
    decided = proposed.join(
        keyed.select(LINK_DECISION_SCHEMA.keys()), on=["item_key", "proposed_key"]
    )
    # Decisions about this run's DWP-list rows (not earlier lists' rows) that it does not apply.
    about_these_rows = keyed.join(rows.select("item_key"), on="item_key", how="semi").height
    # Recorded before the store kept the proposed match, and not decided again since.
    unkeyed = (
        decisions.filter(pl.col("proposed_key").is_null())
        .join(rows.select("item_key"), on="item_key", how="semi")
        .join(keyed.select("item_key"), on="item_key", how="anti")
        .height
    )
    taken = links.filter(
        (pl.col("source") == LINK_DECISION_SOURCE) & (pl.col("band") == BAND_LINKED)
    ).select("person_id")
    clash = (pl.col("decision") == _CONFIRMED) & pl.col("person_id").is_in(
        taken["person_id"].implode()
    )
    already_linked = int(decided.select(clash.sum()).item())
    decided = decided.filter(~clash)
    changes = decided.select(
        pl.lit(LINK_DECISION_SOURCE).alias("source"),
        "record_id",
        pl.when(pl.col("decision") == _CONFIRMED)
        .then(pl.lit(BAND_LINKED))
        .otherwise(pl.lit(BAND_NOT_LINKED))
        .alias("_band"),
        pl.when(pl.col("decision") == _CONFIRMED).then(pl.col("person_id")).alias("_person"),
        pl.when(pl.col("decision") == _CONFIRMED)
        .then(pl.lit(METHOD_REVIEWER_CONFIRMED))
        .alias("_method"),
    )
    updated = (
        links.join(changes, on=["source", "record_id"], how="left", maintain_order="left")
        .with_columns(
            pl.coalesce("_band", "band").alias("band"),
            # A rejected pair is linked to no one: its person is cleared, not kept.
            pl.when(pl.col("_band").is_not_null())
            .then(pl.col("_person"))
            .otherwise(pl.col("person_id"))
            .alias("person_id"),
            pl.coalesce("_method", "method").alias("method"),
        )
        .select(links.columns)
    )
    return AppliedLinkDecisions(
        links=updated,
        applied=decided.select("item_key", "decision", "decision_id", "reviewer", "decided_at"),
        not_proposed=about_these_rows - decided.height - already_linked,
        already_linked=already_linked,
        chain_head=chain_head,
        no_proposed_match=unkeyed,
    )
