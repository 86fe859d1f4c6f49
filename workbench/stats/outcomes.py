"""What outreach achieved: the outcome funnel of reviewed lists, per list and per campaign.

For each child of the lists given (the campaign), from the review store: on the list
(``listed``), ``reviewed`` (an outcome decision recorded), checked through DfE's service (the
latest check result, by outcome), ``contacted`` (sent in an outreach export of the list, as
the store records them; for a list the store records no outreach export of, made before it
recorded them, the latest outcome decision ``contact`` stands in)
and ``funded_next_term`` (matched to a funded place of the offer's own stream for the term of
the report, as ``already_funded`` matches one for the list's term). The stages are not nested
(a family may take up a place without being contacted), so a child is counted once, at the
**furthest stage** it reached in that order; the stages add up to the children listed and no
count can be found by subtracting one stage from another. The campaign counts a child on
several of its lists once, at the furthest stage reached on any of them.

Raw counts for the council's own use; `workbench stats` publishes them only after disclosure
control (`workbench.stats.table_links`, kinds ``outcomes`` and ``outcomes_by_list``). A list's
stages add up to every child it lists, every tier: the Total report 02 publishes for the
list by tier, or hides where its possible tier is small. So each list's children by tier
(`list_tiers`) go with them, and the outcome tables are protected against 02's table of the
list too (`workbench.stats.table_links.eligibility_list_tables`).

Example
-------
>>> children = pl.DataFrame({"list_label": ["l-1"] * 3, "item_key": ["a", "b", "c"],
...     "reviewed": [True, True, False], "check_outcome": ["eligible", None, None],
...     "contacted": [False, True, False], "funded": [False, False, True]})
>>> outcome_funnel(children).rows()
[('listed', 0), ('reviewed', 0), ('checked_eligible', 1), ('checked_may_not_be_eligible', 0), \
('checked_information_does_not_match', 0), ('checked_technical_error', 0), ('contacted', 1), \
('funded_next_term', 1)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.errors import UsageError, WorkbenchError
from workbench.review.keys import pseudonym
from workbench.review.schema import CHECK_OUTCOMES, OUTCOME_DECISIONS

if TYPE_CHECKING:
    from workbench.eligibility.assess import Assessment
    from workbench.review.store import ReviewStore

__all__ = [
    "LIST_STAGE_SEPARATOR",
    "OUTCOME_STAGES",
    "OutcomeLists",
    "campaign_children",
    "funded_item_keys",
    "list_tiers",
    "outcome_funnel",
    "outcome_funnel_by_list",
]

OUTCOME_STAGES = (
    "listed",
    "reviewed",
    *(f"checked_{outcome}" for outcome in CHECK_OUTCOMES),
    "contacted",
    "funded_next_term",
)
"""The stages in order; a child counts at the furthest it reached."""
LIST_STAGE_SEPARATOR = ": "
_CHILD_COLUMNS = ("list_label", "item_key", "reviewed", "check_outcome", "contacted", "funded")


@dataclass(frozen=True)
class OutcomeLists:
    """The lists of a campaign whose outcomes `workbench stats` counts.

    ``store`` is the review store holding their decisions and check results; ``lists`` the
    list files (with their manifests) as `workbench assess` wrote them; ``key`` the pseudonym
    key they were registered with.
    """

    store: Path
    lists: tuple[Path, ...]
    key: bytes


def _stage_expr(stages: Sequence[str]) -> pl.Expr:
    """The furthest stage each child reached, as its index in ``stages``."""
    index = {name: i for i, name in enumerate(stages)}
    furthest = pl.lit(index["listed"])
    furthest = pl.when(pl.col("reviewed")).then(pl.lit(index["reviewed"])).otherwise(furthest)
    for outcome in CHECK_OUTCOMES:
        checked = pl.col("check_outcome") == outcome
        furthest = pl.when(checked).then(pl.lit(index[f"checked_{outcome}"])).otherwise(furthest)
    furthest = pl.when(pl.col("contacted")).then(pl.lit(index["contacted"])).otherwise(furthest)
    if "funded_next_term" in index:
        funded = pl.col("funded")
        furthest = pl.when(funded).then(pl.lit(index["funded_next_term"])).otherwise(furthest)
    return furthest.alias("stage_index")


def _counts(frame: pl.DataFrame, stages: Sequence[str], by: list[str]) -> pl.DataFrame:
    # An enum, so that published tables list the stages in order, not alphabetically.
    index = pl.DataFrame(
        {"stage_index": range(len(stages)), "furthest_stage": list(stages)},
        schema={"stage_index": pl.Int64, "furthest_stage": pl.Enum(list(stages))},
    )
    found = frame.group_by(*by, "stage_index").len("count")
    groups = frame.select(by).unique() if by else pl.DataFrame()
    grid = groups.join(index, how="cross") if by else index
    return (
        grid.join(found, on=[*by, "stage_index"], how="left")
        .with_columns(pl.col("count").fill_null(0).cast(pl.Int64))
        .sort(*by, "stage_index")
    )


def _checked(children: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in _CHILD_COLUMNS if c not in children.columns]
    if missing:
        raise UsageError(
            f"the children need columns {', '.join(_CHILD_COLUMNS)}; missing {', '.join(missing)}"
        )
    return children


def outcome_funnel(children: pl.DataFrame, *, measured: bool = True) -> pl.DataFrame:
    """The campaign's children by furthest stage: ``furthest_stage``, ``count``.

    ``children`` has one row per child and list (`campaign_children`); a child on several
    lists counts once, at the furthest stage reached on any. With ``measured=False`` (no
    funded places for the initiative) the ``funded_next_term`` stage is left out.
    """
    stages = OUTCOME_STAGES if measured else OUTCOME_STAGES[:-1]
    staged = _checked(children).with_columns(_stage_expr(stages))
    furthest = staged.group_by("item_key").agg(pl.col("stage_index").max())
    return _counts(furthest, stages, []).select("furthest_stage", "count")


def outcome_funnel_by_list(children: pl.DataFrame, *, measured: bool = True) -> pl.DataFrame:
    """Each list's children by furthest stage, one row per list and stage: ``list_stage``
    (``"<list>: <stage>"``), ``count``."""
    stages = OUTCOME_STAGES if measured else OUTCOME_STAGES[:-1]
    staged = _checked(children).with_columns(_stage_expr(stages))
    counted = _counts(staged, stages, ["list_label"]).select(
        pl.concat_str(
            "list_label", pl.col("furthest_stage").cast(pl.String), separator=LIST_STAGE_SEPARATOR
        ).alias("list_stage"),
        "count",
    )
    # In list then stage order when published (an enum keeps its declared order).
    order = pl.Enum(counted["list_stage"].to_list())
    return counted.with_columns(pl.col("list_stage").cast(order))


def list_tiers(children: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Each list's children by tier (``tier``, ``children``), by the list's label, in the
    lists' order: what report 02 counts in its table by tier of the list (every child the
    list holds, one row each, as `campaign_children` reads them with their ``tier``).

    Example
    -------
    >>> children = pl.DataFrame({"list_label": ["l-1", "l-1", "l-1"],
    ...     "item_key": ["a", "b", "c"], "tier": ["likely", "possible", "likely"]})
    >>> list_tiers(children)["l-1"].rows()
    [('likely', 2), ('possible', 1)]

    Raises
    ------
    UsageError
        Children without their ``tier``, or a child with none.
    """
    if "tier" not in children.columns:
        raise UsageError("the children need a tier column to count each list by tier")
    if children["tier"].null_count():
        raise UsageError("a child of the campaign's lists has no tier")
    return {
        label: frame.group_by("tier").len("children").sort("tier")
        for (label,), frame in children.group_by("list_label", maintain_order=True)
    }


def funded_item_keys(found: Assessment, key: bytes) -> pl.Series:
    """The item keys of the children funded, for the assessment's term, by a place of the
    offer's own stream: each funded person's key, and the key of any DWP-list row linked to
    them (a child listed from the DWP list alone)."""
    tables = found.data.tables
    if "funded_places" not in tables:
        return pl.Series("item_key", [], dtype=pl.String)
    streams = found.rule_set.population.already_funded_streams
    places = tables["funded_places"].filter(
        (pl.col("term_start") == found.term_start) & pl.col("funding_stream").is_in(streams)
    )
    linked = found.links.filter((pl.col("band") == "linked") & pl.col("person_id").is_not_null())
    people = (
        linked.filter(pl.col("source") == "funded_places")
        .join(places.select("record_id"), on="record_id", how="semi")
        .get_column("person_id")
        .unique()
    )
    dwp_rows = linked.filter(
        (pl.col("source") == "dwp_list") & pl.col("person_id").is_in(people.implode())
    ).get_column("record_id")
    keys = [pseudonym("person", p, key) for p in people.to_list()]
    keys += [pseudonym("dwp", r, key) for r in dwp_rows.to_list()]
    return pl.Series("item_key", sorted(set(keys)), dtype=pl.String)


def campaign_children(
    store: ReviewStore, lists: Sequence[str | Path], key: bytes, funded: pl.Series, term: date
) -> pl.DataFrame:
    """One row per child and list of the campaign, with what happened (`outcome_funnel`'s
    input) and the child's ``tier`` on the list (`list_tiers`), read from the review store;
    the lists must be for terms before ``term``.

    Raises
    ------
    WorkbenchError
        A list not registered in the store, or one whose term is not before ``term`` (its
        next term's funded places are not in the data yet).
    """
    from workbench.review.lists import read_list_file
    from workbench.review.outreach import stored_list_id

    frames = []
    for path in lists:
        listed = read_list_file(path)
        list_id = stored_list_id(store, listed)
        listed_term = listed.term_start
        if listed_term is None or listed_term >= term:
            raise WorkbenchError(
                f"{listed.path}: its term ({listed_term}) is not before the term of the report "
                f"({term}); count a campaign's outcomes in the stats of the term after its lists"
            )
        items = store.items(list_id).select("item_key", "tier")
        latest = store.latest_decisions(list_id, among=OUTCOME_DECISIONS)
        exports = store.outreach_exports().filter(pl.col("list_id") == list_id)
        sent = store.outreach_exported().filter(pl.col("list_id") == list_id, ~pl.col("replaced"))
        contacted = (
            pl.col("item_key").is_in(sent["item_key"].implode())
            if exports.height  # letters sent, not decisions: a family decided since counts
            else (pl.col("decision") == "contact").fill_null(False)
        )
        checks = store.latest_check_results(list_id).select(
            "item_key", pl.col("outcome").alias("check_outcome")
        )
        frames.append(
            items.join(latest.select("item_key", "decision"), on="item_key", how="left")
            .join(checks, on="item_key", how="left")
            .select(
                pl.lit(f"{list_id} ({listed_term})").alias("list_label"),
                "item_key",
                pl.col("decision").is_not_null().alias("reviewed"),
                "check_outcome",
                contacted.alias("contacted"),
                pl.col("item_key").is_in(funded.implode()).alias("funded"),
                "tier",
            )
        )
    if not frames:
        raise UsageError("a campaign needs at least one list", parameter="outcome_lists")
    return pl.concat(frames)
