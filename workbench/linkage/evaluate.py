"""Linkage measured against a ground truth, and a learned check from reviewers' decisions.

`evaluate_linkage(links, truth)` measures the links (`workbench.linkage.link_all`) against a
truth table (`workbench.synth` writes `ground_truth`) at two levels:

- **pair level**: a pair is (source, record_id, person_id); precision = correct pairs /
  linked pairs, recall = correct pairs / true pairs;
- **child level**: a unit is a child (source, person_id) with the set of rows linked to them;
  a child is right when that set is exactly the set of rows that truly are them (a DWP child:
  the right DWP row, and no other). Precision = right children / children given any row,
  recall = right children / children who truly have a row.

Both for the `linked` band alone and for `linked` + `clerical_review` (what a perfect
reviewer could reach), overall, per source and per corruption level (a child's level is the
highest among its rows), plus a calibration table of the Fellegi-Sunter match probabilities
and the size of the clerical band. Only rows present in `links` are counted. Every table is
aggregate (no names, no ids): the caller applies disclosure control before sharing them.

Given `passed_checks` (the ids of the rows that passed the data checks, as `workbench link`
gives them), a truth-coverage table adds pair-level recall both over every true pair of the
linked sources and over the pairs whose two rows (the source row and the child) passed the
checks, with how many true pairs involve a quarantined row: a quarantined row is never
linked, so recall over all pairs says what the data lost and recall over the checked pairs
what the linkage did.

`fit_clerical_classifier` fits a scikit-learn classifier on comparison vectors (the
per-comparison `contributions`) that reviewers labelled through the review store, and keeps
it only when stratified cross-validation shows it beats the Fellegi-Sunter probability
thresholded at 0.5 on the same folds.

Example
-------
>>> links = pl.DataFrame({"source": ["dwp_list"] * 3, "record_id": ["D1", "D2", "D3"],
...     "person_id": ["P1", "P9", None], "band": ["linked", "linked", "not_linked"],
...     "match_probability": [0.99, 0.97, 0.1], "method": ["splink"] * 3})
>>> truth = pl.DataFrame({"source": ["dwp_list"] * 3, "record_id": ["D1", "D2", "D3"],
...     "person_id": ["P1", "P2", "P3"], "corruption_level": [0, 1, 2]})
>>> evaluation = evaluate_linkage(links, truth)
>>> evaluation.quality.filter(pl.col("bands") == "linked").select("level", "precision").rows()
[('pair', 0.5), ('child', 0.5)]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import polars as pl
from sklearn.calibration import calibration_curve
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, log_loss, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from workbench.errors import UsageError
from workbench.private_files import private_folder_for, write_private
from workbench.spreadsheet import neutralised

__all__ = [
    "EVALUATION_BANDS",
    "ClericalModel",
    "LinkageEvaluation",
    "comparison_features",
    "evaluate_linkage",
    "fit_clerical_classifier",
]

# What counts as a predicted match: the linked band, and linked plus clerical review.
EVALUATION_BANDS: dict[str, tuple[str, ...]] = {
    "linked": ("linked",),
    "linked+clerical_review": ("linked", "clerical_review"),
}
CALIBRATION_BINS = 10
MIN_PAIRS_PER_BIN = 10  # fewer pairs than this per quantile bin: equal-width bins instead
_KEY = ["source", "record_id", "person_id"]
_COUNTS = ("true", "predicted", "correct", "precision", "recall", "f1")
_PROBABILITY_EPS = float(np.finfo(np.float64).eps)


def _require(frame: pl.DataFrame, name: str, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UsageError(
            f"{name} lacks column(s) {', '.join(missing)}; expected {', '.join(columns)} "
            f"(has: {', '.join(frame.columns)})"
        )


def _scores(in_truth: np.ndarray, in_links: np.ndarray) -> dict[str, float | int]:
    # No predicted unit: nothing was wrong (precision 1); no true unit: nothing was missed.
    if in_truth.size == 0:  # no unit at all (nothing linked, nothing true): the same
        return {"true": 0, "predicted": 0, "correct": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    precision, recall, f1, _ = precision_recall_fscore_support(
        in_truth, in_links, average="binary", zero_division=1.0
    )
    return {
        "true": int(in_truth.sum()),
        "predicted": int(in_links.sum()),
        "correct": int((in_truth & in_links).sum()),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
    }


def _grouped(units: pl.DataFrame, by: list[str], labels: dict[str, str]) -> list[dict]:
    groups = units.partition_by(by, as_dict=True) if by else {(): units}
    return [
        {
            **dict(zip(by, key, strict=True)),
            **labels,
            **_scores(group["in_truth"].to_numpy(), group["in_links"].to_numpy()),
        }
        for key, group in groups.items()
    ]


def _pair_units(truth: pl.DataFrame, predicted: pl.DataFrame) -> pl.DataFrame:
    """One row per pair true or predicted, flagged, with the row's corruption level."""
    levels = truth.select("source", "record_id", "corruption_level").unique(
        ["source", "record_id"], keep="first"
    )
    true_pairs = truth.filter(pl.col("person_id").is_not_null()).select(_KEY).unique()
    return (
        true_pairs.with_columns(in_truth=pl.lit(True))
        .join(
            predicted.select(_KEY).unique().with_columns(in_links=pl.lit(True)),
            on=_KEY,
            how="full",
            coalesce=True,
        )
        .with_columns(pl.col("in_truth", "in_links").fill_null(False))
        .join(levels, on=["source", "record_id"], how="left")
    )


def _child_units(truth: pl.DataFrame, predicted: pl.DataFrame) -> pl.DataFrame:
    """One row per (child, set of rows) true or predicted: a child linked to exactly their
    true rows is one unit in both; otherwise the true set and the linked set are two units."""
    levels = truth.select("source", "record_id", "corruption_level").unique(
        ["source", "record_id"], keep="first"
    )

    def sets(frame: pl.DataFrame, flag: str) -> pl.DataFrame:
        return (
            frame.filter(pl.col("person_id").is_not_null())
            .select(_KEY)
            .unique()
            .join(levels, on=["source", "record_id"], how="left")
            .group_by("source", "person_id")
            .agg(
                pl.col("record_id").sort().str.join(";").alias("records"),
                pl.col("corruption_level").max(),
            )
            .with_columns(pl.lit(True).alias(flag))
        )

    key = ["source", "person_id", "records"]
    true_sets, linked_sets = sets(truth, "in_truth"), sets(predicted, "in_links")
    units = true_sets.join(linked_sets.drop("corruption_level"), on=key, how="full", coalesce=True)
    # A child's level is the highest among all its rows, true or linked.
    child_level = (
        pl.concat([true_sets, linked_sets], how="diagonal")
        .group_by("source", "person_id")
        .agg(pl.col("corruption_level").max())
    )
    return (
        units.drop("corruption_level")
        .join(child_level, on=["source", "person_id"], how="left")
        .with_columns(pl.col("in_truth", "in_links").fill_null(False))
    )


def _quality(links: pl.DataFrame, truth: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    rows = []
    for label, bands in EVALUATION_BANDS.items():
        predicted = links.filter(pl.col("band").is_in(bands) & pl.col("person_id").is_not_null())
        for level, units in (
            ("pair", _pair_units(truth, predicted)),
            ("child", _child_units(truth, predicted)),
        ):
            rows += _grouped(units, by, {"level": level, "bands": label})
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        **{c: truth.schema[c] for c in by},
        "level": pl.String,
        "bands": pl.String,
        **dict.fromkeys(_COUNTS[:3], pl.Int64),
        **dict.fromkeys(_COUNTS[3:], pl.Float64),
    }
    order = [*by, pl.col("level") == "child", "bands"]
    return pl.DataFrame(rows, schema=schema, orient="row").sort(order, nulls_last=True)


def _calibration(scored: pl.DataFrame, truth: pl.DataFrame, n_bins: int) -> pl.DataFrame:
    """Observed share of true pairs against mean match probability, per probability bin
    (scikit-learn's `calibration_curve`, quantile bins when there are enough pairs)."""
    schema = {
        "bin": pl.Int64,
        "strategy": pl.String,
        "probability_from": pl.Float64,
        "probability_to": pl.Float64,
        "pairs": pl.Int64,
        "mean_probability": pl.Float64,
        "observed_share": pl.Float64,
    }
    true_pairs = truth.filter(pl.col("person_id").is_not_null()).select(_KEY).unique()
    labelled = scored.join(
        true_pairs.with_columns(is_true=pl.lit(True)), on=_KEY, how="left"
    ).select(pl.col("match_probability"), pl.col("is_true").fill_null(False))
    if labelled.is_empty():
        return pl.DataFrame(schema=schema)
    y_prob = labelled["match_probability"].to_numpy()
    y_true = labelled["is_true"].to_numpy().astype(int)
    strategy = "quantile" if len(y_prob) >= n_bins * MIN_PAIRS_PER_BIN else "uniform"
    observed, predicted = calibration_curve(y_true, y_prob, n_bins=n_bins, strategy=strategy)
    # The same edges and bin ids as calibration_curve, for the edges and counts it omits.
    edges = (
        np.percentile(y_prob, np.linspace(0, 100, n_bins + 1))
        if strategy == "quantile"
        else np.linspace(0.0, 1.0, n_bins + 1)
    )
    counts = np.bincount(np.searchsorted(edges[1:-1], y_prob), minlength=n_bins)
    filled = np.flatnonzero(counts)
    rows = [
        (i + 1, strategy, float(edges[b]), float(edges[b + 1]), int(counts[b]), float(p), float(o))
        for i, (b, p, o) in enumerate(zip(filled, predicted, observed, strict=True))
    ]
    return pl.DataFrame(rows, schema=schema, orient="row")


def _bands(links: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Per source: rows, rows in each band, the clerical share, and clerical pairs the truth
    confirms."""
    true_pairs = truth.filter(pl.col("person_id").is_not_null()).select(_KEY).unique()
    marked = links.join(true_pairs.with_columns(is_true=pl.lit(True)), on=_KEY, how="left")
    band = pl.col("band")
    return (
        marked.group_by("source")
        .agg(
            pl.len().cast(pl.Int64).alias("rows"),
            (band == "linked").sum().cast(pl.Int64).alias("linked"),
            (band == "clerical_review").sum().cast(pl.Int64).alias("clerical_pairs"),
            (band == "not_linked").sum().cast(pl.Int64).alias("not_linked"),
            ((band == "clerical_review") & pl.col("is_true").fill_null(False))
            .sum()
            .cast(pl.Int64)
            .alias("clerical_pairs_true"),
        )
        .with_columns((pl.col("clerical_pairs") / pl.col("rows")).alias("clerical_share"))
        .sort("source")
    )


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0  # nothing true: nothing was missed


def _coverage(
    links: pl.DataFrame, truth: pl.DataFrame, passed_checks: Mapping[str, Iterable[str]]
) -> pl.DataFrame:
    """Per source and overall (`source` = "all"), per band set: the true pairs of the linked
    sources, how many involve a row that did not pass the checks (the source row or the
    child quarantined, or not in the data), how many passed, the correct pairs, and recall
    over all true pairs and over the pairs that passed."""
    sources = links["source"].unique().sort().to_list()
    true_pairs = (
        truth.filter(pl.col("source").is_in(sources) & pl.col("person_id").is_not_null())
        .select(_KEY)
        .unique()
    )
    people = passed_checks.get("people")
    person_passed = (
        pl.col("person_id").is_in(pl.Series(list(people), dtype=pl.String).implode())
        if people is not None
        else pl.lit(True)
    )
    rows = [
        frame.select(pl.lit(source).alias("source"), pl.col("record_id").cast(pl.String))
        for source in sources
        for frame in [
            pl.DataFrame(
                {"record_id": list(passed_checks[source])}, schema={"record_id": pl.String}
            )
            if source in passed_checks
            else links.filter(pl.col("source") == source).select("record_id")
        ]
    ]
    passed_rows = pl.concat(
        [pl.DataFrame(schema={"source": pl.String, "record_id": pl.String}), *rows]
    ).unique()
    marked = true_pairs.join(
        passed_rows.with_columns(row_passed=pl.lit(True)), on=["source", "record_id"], how="left"
    ).with_columns(passed=pl.col("row_passed").fill_null(False) & person_passed)
    records = []
    for label, bands in EVALUATION_BANDS.items():
        predicted = (
            links.filter(pl.col("band").is_in(bands) & pl.col("person_id").is_not_null())
            .select(_KEY)
            .unique()
            .with_columns(correct=pl.lit(True))
        )
        scored = marked.join(predicted, on=_KEY, how="left").with_columns(
            pl.col("correct").fill_null(False)
        )
        for source in [*sources, "all"]:
            group = scored if source == "all" else scored.filter(pl.col("source") == source)
            true, passed = group.height, int(group["passed"].sum())
            correct = int(group["correct"].sum())
            records.append(
                (source, label, true, true - passed, passed, correct, _ratio(correct, true),
                 _ratio(correct, passed))
            )  # fmt: skip
    schema = {
        "source": pl.String,
        "bands": pl.String,
        "true_pairs": pl.Int64,
        "pairs_quarantined": pl.Int64,
        "pairs_passed": pl.Int64,
        "correct": pl.Int64,
        "recall_all": pl.Float64,
        "recall_passed": pl.Float64,
    }
    return pl.DataFrame(records, schema=schema, orient="row")


@dataclass(frozen=True)
class LinkageEvaluation:
    """Linkage quality against a ground truth; every table is aggregate.

    Attributes
    ----------
    quality, quality_by_source, quality_by_corruption
        level (`pair` or `child`), bands (`linked` or `linked+clerical_review`), true,
        predicted and correct counts, precision, recall, f1; by source, and by source and
        corruption level.
    calibration
        Per probability bin: edges, pairs, mean match probability, observed share of true
        pairs.
    bands
        Per source: rows, linked, clerical_pairs, not_linked, clerical_pairs_true,
        clerical_share.
    coverage
        Only when `evaluate_linkage` was given `passed_checks`: per source and overall
        (`all`), per band set, true_pairs, pairs_quarantined (a row of the pair did not pass
        the data checks), pairs_passed, correct, recall_all (over every true pair) and
        recall_passed (over the pairs that passed).
    """

    quality: pl.DataFrame
    quality_by_source: pl.DataFrame
    quality_by_corruption: pl.DataFrame
    calibration: pl.DataFrame
    bands: pl.DataFrame
    coverage: pl.DataFrame | None = None

    def to_tables(self) -> dict[str, pl.DataFrame]:
        """The tables by file stem: `linkage_quality`, `linkage_quality_by_source`, ...
        (and `linkage_truth_coverage` when there is one)."""
        tables = {
            "linkage_quality": self.quality,
            "linkage_quality_by_source": self.quality_by_source,
            "linkage_quality_by_corruption": self.quality_by_corruption,
            "linkage_calibration": self.calibration,
            "linkage_bands": self.bands,
        }
        if self.coverage is not None:
            tables["linkage_truth_coverage"] = self.coverage
        return tables

    def write(self, folder: str | Path) -> list[Path]:
        """Write each table as `<stem>.csv` in `folder` (created owner-only when missing).

        The files are owner-only (0600), like the links: their counts of pairs come from a
        ground truth (a clerical sample of the council's own records) and are small, with no
        disclosure control, so they are not for sharing as they are.
        """
        folder = Path(folder)
        written = []
        for stem, table in self.to_tables().items():
            path = folder / f"{stem}.csv"
            private_folder_for(path)
            write_private(path, neutralised(table).write_csv)
            written.append(path)
        return written

    def summary(self) -> list[str]:
        """One line per level and band set, for a terminal; with a coverage table, then the
        true pairs involving quarantined rows and recall over all pairs and over the pairs
        that passed the checks, one line per band set."""
        lines = [
            f"{r['level']} level, {r['bands']}: precision {r['precision']:.4f}, recall "
            f"{r['recall']:.4f}, F1 {r['f1']:.4f} ({r['correct']} of {r['true']} true, "
            f"{r['predicted']} predicted)"
            for r in self.quality.iter_rows(named=True)
        ]
        if self.coverage is None:
            return lines
        overall = self.coverage.filter(pl.col("source") == "all")
        first = overall.row(0, named=True)
        lines.append(
            f"truth pairs: {first['true_pairs']}; {first['pairs_quarantined']} involve a "
            "quarantined row (or one not in the data), which no link can reach; "
            f"{first['pairs_passed']} have both rows past the checks"
        )
        lines += [
            f"pair level, {r['bands']}: recall {r['recall_all']:.4f} over all "
            f"{r['true_pairs']} truth pairs, {r['recall_passed']:.4f} over the "
            f"{r['pairs_passed']} whose rows passed the checks ({r['correct']} correct)"
            for r in overall.iter_rows(named=True)
        ]
        return lines


def evaluate_linkage(
    links: pl.DataFrame,
    truth: pl.DataFrame,
    *,
    scored_pairs: pl.DataFrame | None = None,
    n_bins: int = CALIBRATION_BINS,
    passed_checks: Mapping[str, Iterable[str]] | None = None,
) -> LinkageEvaluation:
    """Measure `links` against `truth`.

    Parameters
    ----------
    links
        `link_all` output: source, record_id, person_id, band, match_probability, method.
    truth
        source, record_id, person_id (null: the index does not hold this child) and
        corruption_level. Rows absent from `links` are ignored.
    scored_pairs
        Every pair Splink scored (`link_all_with_pairs`): the calibration uses them. Without
        them it uses the Splink rows of `links` that name a person (linked and clerical).
    n_bins
        Calibration bins.
    passed_checks
        The ids of the rows that passed the data checks, by table: ``people`` (person_id),
        and per source (record_id; a source left out: its rows in `links`). Given, the
        evaluation has a `coverage` table: recall over every true pair of the linked sources
        and over the pairs whose two rows passed, and how many involve a row that did not.
    """
    _require(links, "links", [*_KEY, "band", "match_probability", "method"])
    _require(truth, "truth", [*_KEY, "corruption_level"])
    coverage = None if passed_checks is None else _coverage(links, truth, passed_checks)
    present = links.select("source", "record_id").unique()
    truth = truth.join(present, on=["source", "record_id"], how="semi")
    if scored_pairs is None:
        scored = links.filter(
            (pl.col("method") == "splink") & pl.col("person_id").is_not_null()
        ).select(*_KEY, "match_probability")
    else:
        _require(scored_pairs, "scored_pairs", [*_KEY, "match_probability"])
        scored = scored_pairs.select(*_KEY, "match_probability")
    return LinkageEvaluation(
        quality=_quality(links, truth, []),
        quality_by_source=_quality(links, truth, ["source"]),
        quality_by_corruption=_quality(links, truth, ["source", "corruption_level"]),
        calibration=_calibration(scored, truth, n_bins),
        bands=_bands(links, truth),
        coverage=coverage,
    )


# --- a learned check from reviewers' clerical decisions ----------------------------------------

MIN_LABELS = 50  # fewer labelled pairs than this: cross-validation says nothing useful
MIN_PER_CLASS = 10  # and at least this many confirmed and this many rejected
CV_FOLDS = 5
KEEP_MARGIN = 0.02  # the classifier's mean F1 must beat Fellegi-Sunter's by this much
_LABELS = {"link_confirmed": 1, "link_rejected": 0, True: 1, False: 0}
_ESTIMATORS = ("logistic_regression", "gradient_boosting")


def comparison_features(comparison_vectors: pl.DataFrame) -> pl.DataFrame:
    """One Float64 column per comparison named in the `contributions` JSON (its match weight
    in bits), sorted by name; a comparison absent from a pair counts 0 (no evidence).

    Example
    -------
    >>> pairs = pl.DataFrame({"contributions": ['{"dob": 7.5, "postcode": null}',
    ...                                         '{"dob": -3.0, "postcode": 2.0}']})
    >>> comparison_features(pairs).rows()
    [(7.5, 0.0), (-3.0, 2.0)]
    """
    _require(comparison_vectors, "comparison_vectors", ["contributions"])
    text = comparison_vectors["contributions"]
    names = sorted(
        set(
            text.str.extract_all(r'"(\w+)"\s*:')
            .explode()
            .drop_nulls()
            .str.extract(r'"(\w+)"')
            .to_list()
        )
    )
    if not names:
        raise UsageError(
            "comparison_vectors: no comparison found in 'contributions'; expected JSON objects "
            'of match weights per comparison, e.g. {"forename": 5.5}, as link_all writes them'
        )
    dtype = pl.Struct(dict.fromkeys(names, pl.Float64))
    return (
        comparison_vectors.select(pl.col("contributions").str.json_decode(dtype))
        .unnest("contributions")
        .fill_null(0.0)
    )


def _as_labels(labels: Any, height: int) -> np.ndarray:
    values = list(labels)
    if len(values) != height:
        raise UsageError(
            f"fit_clerical_classifier: {len(values)} labels for {height} comparison vectors; "
            "give one label per pair"
        )
    unknown = sorted({repr(v) for v in values if v not in _LABELS})
    if unknown:
        raise UsageError(
            f"fit_clerical_classifier: labels must be link_confirmed / link_rejected or "
            f"True / False; got {', '.join(unknown[:5])}"
        )
    return np.array([_LABELS[v] for v in values], dtype=int)


def _estimator(kind: str, seed: int) -> Any:
    if kind == "gradient_boosting":
        return HistGradientBoostingClassifier(random_state=seed)
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _fold_scores(y: np.ndarray, probability: np.ndarray) -> tuple[float, float]:
    clipped = np.clip(probability, _PROBABILITY_EPS, 1 - _PROBABILITY_EPS)
    predicted = (probability >= 0.5).astype(int)
    f1 = float(f1_score(y, predicted, zero_division=0.0))
    return f1, float(log_loss(y, clipped, labels=[0, 1]))


@dataclass(frozen=True)
class ClericalModel:
    """A classifier of clerical pairs learned from reviewers' decisions, and whether to use it.

    Attributes
    ----------
    keep
        True only when cross-validation showed it beats the Fellegi-Sunter probability
        (thresholded at 0.5) by `KEEP_MARGIN` in mean F1 without a worse mean log-loss.
    reason
        Why it is kept or refused, with the figures.
    features
        The comparison names it reads from `contributions`.
    cross_validation
        Per fold and model (`classifier`, `fellegi_sunter`): f1 and log_loss.
    estimator
        The scikit-learn estimator fitted on every label; None when not kept.
    """

    keep: bool
    reason: str
    features: tuple[str, ...] = ()
    cross_validation: pl.DataFrame = field(default_factory=pl.DataFrame)
    estimator: Any = None

    def predict_proba(self, comparison_vectors: pl.DataFrame) -> np.ndarray:
        """The probability that each pair is a match; refused when the model is not kept."""
        if not self.keep:
            raise UsageError(f"the clerical classifier is not used: {self.reason}")
        found = comparison_features(comparison_vectors)
        matrix = found.select(
            pl.col(n) if n in found.columns else pl.lit(0.0).alias(n) for n in self.features
        ).to_numpy()
        return cast(np.ndarray, self.estimator.predict_proba(matrix)[:, 1])


def _refusal(y: np.ndarray, min_labels: int, min_per_class: int) -> str | None:
    confirmed, rejected = int(y.sum()), int(len(y) - y.sum())
    if len(y) < min_labels:
        return (
            f"only {len(y)} labelled pairs; at least {min_labels} are needed before "
            "cross-validation can show anything: keep using the Fellegi-Sunter model"
        )
    if min(confirmed, rejected) < min_per_class:
        return (
            f"{confirmed} confirmed and {rejected} rejected pairs; at least {min_per_class} "
            "of each are needed: keep using the Fellegi-Sunter model"
        )
    return None


def fit_clerical_classifier(
    comparison_vectors: pl.DataFrame,
    labels: Sequence[Any] | pl.Series | np.ndarray,
    *,
    estimator: str = "logistic_regression",
    folds: int = CV_FOLDS,
    margin: float = KEEP_MARGIN,
    min_labels: int = MIN_LABELS,
    min_per_class: int = MIN_PER_CLASS,
    seed: int = 0,
) -> ClericalModel:
    """Fit a classifier on reviewed comparison vectors; keep it only if it beats Splink.

    Parameters
    ----------
    comparison_vectors
        One row per reviewed pair: `contributions` (JSON) and `match_probability`, as
        `link_all` writes them.
    labels
        One per row: `link_confirmed` / `link_rejected` (the review store's link decisions)
        or True / False.
    estimator
        `logistic_regression` (standardised, the default) or `gradient_boosting`.
    folds, margin, min_labels, min_per_class, seed
        Stratified k-fold cross-validation (shuffled with `seed`); the F1 margin to beat;
        the fewest labels, and of each class, to try at all.

    Returns
    -------
    ClericalModel
        `keep` is False, with the reason, when there are too few labels or cross-validation
        does not show the classifier beating the Fellegi-Sunter probability on the same folds.
    """
    _require(comparison_vectors, "comparison_vectors", ["contributions", "match_probability"])
    if estimator not in _ESTIMATORS:
        raise UsageError(f"estimator must be one of {', '.join(_ESTIMATORS)}; got {estimator!r}")
    y = _as_labels(labels, comparison_vectors.height)
    refusal = _refusal(y, min_labels, min_per_class)
    if refusal:
        return ClericalModel(keep=False, reason=refusal)
    features = comparison_features(comparison_vectors)
    x = features.to_numpy()
    baseline = comparison_vectors["match_probability"].fill_null(0.0).to_numpy()
    splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(x, y)
    rows = []
    for fold, (train, test) in enumerate(splits, start=1):
        fitted = _estimator(estimator, seed).fit(x[train], y[train])
        probability = fitted.predict_proba(x[test])[:, 1]
        rows.append((fold, "classifier", *_fold_scores(y[test], probability)))
        rows.append((fold, "fellegi_sunter", *_fold_scores(y[test], baseline[test])))
    table = pl.DataFrame(
        rows,
        schema={"fold": pl.Int64, "model": pl.String, "f1": pl.Float64, "log_loss": pl.Float64},
        orient="row",
    )
    means = {
        m: g.select("f1", "log_loss").mean().row(0)
        for (m,), g in table.partition_by("model", as_dict=True).items()
    }
    (f1, loss), (f1_fs, loss_fs) = means["classifier"], means["fellegi_sunter"]
    figures = (
        f"mean F1 {f1:.4f} against {f1_fs:.4f}, mean log-loss {loss:.4f} against "
        f"{loss_fs:.4f} over {folds} folds"
    )
    keep = f1 >= f1_fs + margin and loss <= loss_fs
    reason = (
        f"kept: beats the Fellegi-Sunter model by at least {margin} F1 ({figures})"
        if keep
        else f"not kept: does not beat the Fellegi-Sunter model by {margin} F1 without a "
        f"worse log-loss ({figures})"
    )
    return ClericalModel(
        keep=keep,
        reason=reason,
        features=tuple(features.columns),
        cross_validation=table,
        estimator=_estimator(estimator, seed).fit(x, y) if keep else None,
    )
