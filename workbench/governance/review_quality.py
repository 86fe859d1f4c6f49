"""Review quality for the auditor: how each reviewer's decisions on each list were made.

Human review is meaningful only when the officer looks at the child and decides. The store
records who decided what and when, and its access log records who opened which child's details
(``review view``: ``list <list_id>, child <item key>``, the child by its keyed pseudonym, or
by person id or DWP record id in logs written before 6 December 2026; logged by the review
app, the notebook panel
and, once per child, by a workbook export). :func:`review_quality` reads both, and the lists'
``already_funded`` flags, and gives one row per list and reviewer:

- **pace**: decisions a minute on average, and the most decisions in any window of
  ``window_seconds`` (the fastest sustained pace);
- **identical runs**: the longest run of one decision in the order recorded;
- **contacts to funded children**: ``contact`` decisions about a child whose list row says
  ``already_funded``, on a list of an offer whose funded place for the term is the offer
  already taken up (the two-year-old offer: :func:`already_funded_is_take_up`); not on a list
  of the early years pupil premium or the disability access fund, whose every child has a
  place (the offer's condition), nor of free school meals, whose rules read no places;
- **decisions without a view**: no ``review view`` of that child on that list, logged under
  the name of the reviewer who recorded the decision (spaces and capitals aside), at or
  before the decision.

A decision imported from a workbook (``workbench review import``) is recorded when the workbook
is imported, not when the officer chose it, so it is not timed. Its view is the one the
workbook's export logged for each child it showed (``review export`` logs a ``review view``
per child under the exporting user, ``WORKBENCH_USER`` or the login name, when it was given
the data folder and so showed who the children are): it counts only when that name is the
reviewer's, as for any view. A decision imported by someone who never had the child's details
logged under their name (a colleague's exported workbook, or one exported under a login name
other than the name they decide under) is counted without a view, and
``imported_without_view`` says how many of a reviewer's are such. The imported decisions are
the ones each ``review import`` line of the access log counts as recorded: the last that
many by that reviewer on that list up to the line. The thresholds are data
(``review_quality.yaml`` beside this module, or the council's own file); crossing one is a
warning for the auditor to read, not a verdict.

Example
-------
>>> import tempfile
>>> from datetime import UTC, datetime
>>> items = pl.DataFrame({"item_key": ["pk_" + "a" * 24], "tier": ["likely"],
...                       "reason_codes": [["income_support"]]})
>>> clock = lambda: datetime(2026, 9, 1, 9, tzinfo=UTC)
>>> with ReviewStore(Path(tempfile.mkdtemp()) / "review.sqlite", clock=clock) as store:
...     list_id = store.add_list("r-1", "two_year_old", "two_year_old@1", {}, items)
...     _ = store.record_decision(list_id, "pk_" + "a" * 24, "contact", "A. Officer")
...     quality = review_quality(store, key=bytes(32))
>>> quality.by_reviewer.select("reviewer", "decisions", "without_view").row(0)
('A. Officer', 1, 1)
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from workbench.errors import DataFileError, WorkbenchError
from workbench.review.details import VIEW_COMMAND, VIEW_DETAIL
from workbench.review.keys import pseudonym_expr
from workbench.review.lists import (
    DWP_KIND,
    PERSON_KIND,
    read_list_file,
    review_candidates,
)
from workbench.review.offers import already_funded_is_take_up
from workbench.review.store import ReviewStore

__all__ = [
    "DEFAULT_THRESHOLDS",
    "IMPORT_COMMAND",
    "VIEW_COMMAND",
    "ReviewQuality",
    "ReviewThresholds",
    "already_funded_items",
    "load_review_thresholds",
    "review_quality",
]

DEFAULT_THRESHOLDS = Path(__file__).with_name("review_quality.yaml")
IMPORT_COMMAND = "review import"
CONTACT = "contact"
# `list L, reviewer R: N recorded, ...`; before 7 December 2026 `list L: N recorded, ...`,
# logged under the reviewer's name rather than the account that ran the import.
_IMPORT_DETAIL = re.compile(
    r"^list (?P<list_id>\S+?)(?:, reviewer (?P<reviewer>.+?))?: (?P<recorded>\d+) recorded"
)
_STORED_TIME = "%Y-%m-%dT%H:%M:%S%.fZ"
SECONDS_A_MINUTE = 60


@dataclass(frozen=True)
class ReviewThresholds:
    """When a reviewer's decisions on a list are worth the auditor's question.

    See ``review_quality.yaml`` for what each means and the defaults.
    """

    decisions_per_minute: float
    window_seconds: int
    identical_run: int
    contacts_to_funded: int
    decisions_without_view: int
    source: str = "workbench/governance/review_quality.yaml"

    @property
    def most_in_window(self) -> float:
        """The most decisions one window may hold without a warning."""
        return self.decisions_per_minute * self.window_seconds / SECONDS_A_MINUTE


def _threshold(raw: dict, name: str, path: Path, whole: bool = False) -> float:
    """A positive threshold (`whole`: a positive whole number)."""
    entry = raw.get(name)
    value = entry.get("value") if isinstance(entry, dict) else None
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
        kind = "a whole number" if whole else "a number"
        raise DataFileError(
            path,
            f"thresholds.{name}.value must be {kind} greater than 0; got {value!r}. See "
            "workbench/governance/review_quality.yaml for the expected shape",
        )
    if value <= 0 or not math.isfinite(value):
        raise DataFileError(path, f"thresholds.{name}.value must be greater than 0; got {value}")
    return value


def _whole_threshold(raw: dict, name: str, path: Path) -> int:
    value = _threshold(raw, name, path, whole=True)
    assert isinstance(value, int)  # `_threshold` refuses anything else when whole
    return value


def load_review_thresholds(path: str | Path | None = None) -> ReviewThresholds:
    """The review-quality thresholds from ``path`` (default: the package's file).

    Raises
    ------
    DataFileError
        When the file cannot be read, or a threshold is missing or not a positive number.

    Examples
    --------
    >>> thresholds = load_review_thresholds()
    >>> thresholds.decisions_per_minute, thresholds.window_seconds, thresholds.identical_run
    (6, 60, 50)
    """
    path = Path(path) if path is not None else DEFAULT_THRESHOLDS
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DataFileError(path, f"cannot read the review-quality thresholds: {error}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("thresholds"), dict):
        raise DataFileError(
            path, "expected a mapping with `thresholds:` (see review_quality.yaml beside it)"
        )
    thresholds = raw["thresholds"]
    source = "workbench/governance/review_quality.yaml" if path == DEFAULT_THRESHOLDS else str(path)
    return ReviewThresholds(
        decisions_per_minute=_threshold(thresholds, "decisions_per_minute", path),
        window_seconds=_whole_threshold(thresholds, "window_seconds", path),
        identical_run=_whole_threshold(thresholds, "identical_run", path),
        contacts_to_funded=_whole_threshold(thresholds, "contacts_to_funded", path),
        decisions_without_view=_whole_threshold(thresholds, "decisions_without_view", path),
        source=source,
    )


@dataclass(frozen=True)
class ReviewQuality:
    """How the decisions in a store were made.

    ``by_reviewer`` has one row per list and reviewer: ``list_id``, ``initiative``,
    ``reviewer``, ``decisions``, ``imported`` (from workbooks, not timed), ``first_decided_at``,
    ``last_decided_at``, ``per_minute`` (timed decisions over the minutes from the first to the
    last; null for fewer than two or no time between), ``most_in_window``, ``longest_run``,
    ``longest_run_decision``, ``contacts_to_funded`` (null when the list's file was not given
    or the check is not for its offer, `lists_not_applicable`),
    ``without_view`` (of them ``imported_without_view``: imported from a workbook by a
    reviewer with no view of the child logged under their name), then one boolean per
    warning: ``pace_warning``, ``run_warning``, ``funded_warning``, ``view_warning``.
    ``decisions`` has one row per decision with ``imported``, ``viewed`` and
    ``funded_contact`` (pseudonymous keys: restricted).
    """

    thresholds: ReviewThresholds
    by_reviewer: pl.DataFrame
    decisions: pl.DataFrame
    lists_with_flags: tuple[str, ...]
    """The lists decided on whose ``already_funded`` flags were checked for contacts."""
    lists_without_flags: tuple[str, ...]
    """The lists decided on whose list file was not given: not checked for contacts."""
    lists_not_applicable: tuple[str, ...] = ()
    """The lists decided on of an offer the check is not for (`already_funded_is_take_up`):
    the early years pupil premium, the disability access fund, free school meals."""


def already_funded_items(
    store: ReviewStore, list_files: Iterable[Path], key: bytes
) -> dict[str, set[str]]:
    """The item keys of the children each list file says are ``already_funded``, by the
    ``list_id`` the store holds the list under (lists the store does not hold are left out).
    A list of an offer the check is not for (`already_funded_is_take_up`: the early years pupil
    premium, the disability access fund, free school meals) is left out: `review_quality`
    counts it among ``lists_not_applicable`` from the store's own record of the list.

    Raises
    ------
    DataFileError
        When a list file or its manifest cannot be read.
    """
    stored = store.lists()
    funded: dict[str, set[str]] = {}
    for path in list_files:
        listed = read_list_file(path, as_written=False)  # assure reports a changed list
        initiative = listed.rule_set.split("@", 1)[0]
        found = stored.filter(
            (pl.col("run_id") == listed.run_id) & (pl.col("initiative") == initiative)
        )
        if found.is_empty():
            continue
        if not already_funded_is_take_up(initiative):
            continue
        shaped = review_candidates(listed.candidates, key)
        keys = shaped.filter(pl.col("already_funded"))["item_key"].to_list()
        funded.setdefault(found["list_id"][0], set()).update(keys)
    return funded


def _imported_seqs(decisions: pl.DataFrame, log: pl.DataFrame) -> list[int]:
    """The decisions each ``review import`` line counts as recorded (a handful of lines)."""
    seqs: list[int] = []
    imports = log.filter(pl.col("command") == IMPORT_COMMAND)
    for user, at, detail in imports.select("user", "at", "detail").iter_rows():
        found = _IMPORT_DETAIL.match(detail)
        if found is None or int(found["recorded"]) == 0:
            continue
        batch = decisions.filter(
            (pl.col("list_id") == found["list_id"])
            & (pl.col("reviewer") == (found["reviewer"] or user))
            & (pl.col("decided_at") <= at)
        )
        seqs += batch.sort("seq").tail(int(found["recorded"]))["seq"].to_list()
    return seqs


def _person(column: str) -> pl.Expr:
    """A name compared as people write it: spaces and capitals aside."""
    return pl.col(column).str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase()


def _views(log: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """Every ``review view`` line as (list, item key, viewer, when). The child is named by
    person id, DWP record id or item key; each reading is tried, and only the real one will
    match a decision."""
    views = (
        log.filter(pl.col("command") == VIEW_COMMAND)
        .with_columns(pl.col("detail").str.extract_groups(VIEW_DETAIL).alias("named"))
        .unnest("named")
        .filter(pl.col("child").is_not_null())
        .select("list_id", "child", _person("user").alias("viewer"), pl.col("at").alias("seen_at"))
    )
    readings = [
        pl.col("child").alias("item_key"),
        pseudonym_expr("child", PERSON_KIND, key).alias("item_key"),
        pseudonym_expr("child", DWP_KIND, key).alias("item_key"),
    ]
    return pl.concat(
        [views.select("list_id", reading, "viewer", "seen_at") for reading in readings]
    ).unique()


def _funded_pairs(already_funded: Mapping[str, Collection[str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(list_id, item) for list_id, items in already_funded.items() for item in items],
        schema={"list_id": pl.String, "item_key": pl.String},
        orient="row",
    )


def _marked(
    store: ReviewStore, key: bytes, already_funded: Mapping[str, Collection[str]]
) -> pl.DataFrame:
    """Each decision with ``imported``, ``viewed`` and ``funded_contact``."""
    log = store.access_log()
    decisions = store.decisions().select(
        "seq", "decision_id", "list_id", "item_key", "reviewer", "decided_at", "decision"
    )
    decisions = decisions.with_columns(
        pl.col("seq").is_in(_imported_seqs(decisions, log)).alias("imported"),
        pl.col("decided_at").str.to_datetime(_STORED_TIME, time_zone="UTC").alias("at"),
    )
    seen = (
        decisions.join(_views(log, key), on=["list_id", "item_key"])
        .filter(
            # The reviewer's own view, a workbook's export by them included: a colleague's
            # export shows the colleague the children, not the reviewer who imports it.
            (pl.col("seen_at") <= pl.col("decided_at")) & (pl.col("viewer") == _person("reviewer"))
        )
        .select("seq")
    )
    funded = _funded_pairs(already_funded).with_columns(pl.lit(True).alias("funded"))
    return (
        decisions.with_columns(pl.col("seq").is_in(seen["seq"].implode()).alias("viewed"))
        .join(funded, on=["list_id", "item_key"], how="left")
        .with_columns(
            pl.when(pl.col("list_id").is_in(list(already_funded)))
            .then((pl.col("decision") == CONTACT) & pl.col("funded").fill_null(False))
            .alias("funded_contact")
        )
        .drop("funded")
        .sort("seq")
    )


def _pace(marked: pl.DataFrame, window_seconds: int) -> pl.DataFrame:
    """Per list and reviewer, over timed decisions: the most in any window and the average."""
    timed = marked.filter(~pl.col("imported")).sort("list_id", "reviewer", "at")
    most = timed.rolling(
        index_column="at", period=f"{window_seconds}s", group_by=["list_id", "reviewer"]
    ).agg(pl.len().alias("in_window"))
    span = (pl.col("at").max() - pl.col("at").min()).dt.total_microseconds() / 60e6
    average = timed.group_by("list_id", "reviewer").agg(
        pl.when((pl.len() > 1) & (span > 0)).then(pl.len() / span).alias("per_minute")
    )
    return average.join(
        most.group_by("list_id", "reviewer").agg(pl.col("in_window").max().alias("most_in_window")),
        on=["list_id", "reviewer"],
    )


def _runs(marked: pl.DataFrame) -> pl.DataFrame:
    """Per list and reviewer, the longest run of one decision in the order recorded (the
    earliest such run on a tie)."""
    runs = (
        marked.sort("seq")
        .with_columns(pl.col("decision").rle_id().over("list_id", "reviewer").alias("run"))
        .group_by("list_id", "reviewer", "run")
        .agg(pl.len().alias("longest_run"), pl.col("decision").first())
    )
    return (
        runs.sort("longest_run", "run", descending=[True, False])
        .group_by("list_id", "reviewer", maintain_order=True)
        .first()
        .select(
            "list_id", "reviewer", "longest_run", pl.col("decision").alias("longest_run_decision")
        )
    )


def _by_reviewer(
    marked: pl.DataFrame, lists: pl.DataFrame, thresholds: ReviewThresholds
) -> pl.DataFrame:
    keys = ["list_id", "reviewer"]
    counts = marked.group_by(keys).agg(
        pl.len().alias("decisions"),
        pl.col("imported").sum().alias("imported"),
        pl.col("decided_at").min().alias("first_decided_at"),
        pl.col("decided_at").max().alias("last_decided_at"),
        pl.col("funded_contact").sum().alias("contacts_to_funded"),
        (~pl.col("viewed")).sum().alias("without_view"),
        (pl.col("imported") & ~pl.col("viewed")).sum().alias("imported_without_view"),
        pl.col("funded_contact").is_null().all().alias("flags_unknown"),
    )
    table = (
        counts.join(_pace(marked, thresholds.window_seconds), on=keys, how="left")
        .join(_runs(marked), on=keys, how="left")
        .join(lists.select("list_id", "initiative"), on="list_id", how="left")
        .with_columns(
            pl.when(~pl.col("flags_unknown")).then(pl.col("contacts_to_funded")),
            pl.col("most_in_window").fill_null(0).cast(pl.UInt32),
        )
    )
    return table.select(
        "list_id",
        "initiative",
        "reviewer",
        "decisions",
        "imported",
        "first_decided_at",
        "last_decided_at",
        "per_minute",
        "most_in_window",
        "longest_run",
        "longest_run_decision",
        "contacts_to_funded",
        "without_view",
        "imported_without_view",
        (pl.col("most_in_window") > thresholds.most_in_window).alias("pace_warning"),
        (pl.col("longest_run") >= thresholds.identical_run).alias("run_warning"),
        (pl.col("contacts_to_funded") >= thresholds.contacts_to_funded)
        .fill_null(False)
        .alias("funded_warning"),
        (pl.col("without_view") >= thresholds.decisions_without_view).alias("view_warning"),
    ).sort("list_id", "reviewer")


def review_quality(
    store: ReviewStore,
    *,
    key: bytes,
    already_funded: Mapping[str, Collection[str]] | None = None,
    thresholds: ReviewThresholds | None = None,
) -> ReviewQuality:
    """How every decision in ``store`` was made, per list and reviewer, against thresholds.

    Parameters
    ----------
    store
        The review store (read only).
    key
        The pseudonym key the lists were registered with: a ``review view`` line naming a
        child by person id or DWP record id is matched through it.
    already_funded
        For each ``list_id``, the item keys of the children its list says are already funded
        (:func:`already_funded_items`). Lists not in it are not checked for contacts to
        funded children, nor is a list of an offer the check is not for
        (:func:`already_funded_is_take_up`), whatever this says of it.
    thresholds
        Default: :func:`load_review_thresholds` of the package's file.

    Returns
    -------
    ReviewQuality
        The table per list and reviewer, and each decision marked.
    """
    if not isinstance(key, bytes) or not key:
        raise WorkbenchError("review_quality needs the pseudonym key (bytes); got none")
    thresholds = thresholds or load_review_thresholds()
    lists = store.lists()
    not_offers = [i for i in lists["initiative"].unique() if not already_funded_is_take_up(i)]
    not_for = set(lists.filter(pl.col("initiative").is_in(not_offers))["list_id"])
    already_funded = {k: v for k, v in (already_funded or {}).items() if k not in not_for}
    marked = _marked(store, key, already_funded)
    decided = set(marked["list_id"].unique().to_list())
    return ReviewQuality(
        thresholds,
        _by_reviewer(marked, lists, thresholds),
        marked.drop("at"),
        tuple(sorted(decided & set(already_funded))),
        tuple(sorted(decided - set(already_funded) - not_for)),
        tuple(sorted(decided & not_for)),
    )
