"""Linkage quality against a known truth: precision, recall and F1 at pair level.

A *pair* is (source, record_id, person_id). The true pairs come from a ground-truth table
(`workbench.synth` writes one: a row with an empty person_id is a child the index does not
hold, and has no true pair). The predicted pairs are the links in the chosen bands. Then
precision = correct / predicted, recall = correct / true, computed with scikit-learn over the
union of both sets of pairs (a pair in neither is not counted, so there are no true
negatives to inflate anything).

Example
-------
>>> links = pl.DataFrame({"source": ["dwp_list"] * 3, "record_id": ["D1", "D2", "D3"],
...     "person_id": ["P1", "P9", None], "band": ["linked", "linked", "not_linked"]})
>>> truth = pl.DataFrame({"source": ["dwp_list"] * 3, "record_id": ["D1", "D2", "D3"],
...     "person_id": ["P1", "P2", "P3"]})
>>> linkage_quality(links, truth).select("precision", "recall").row(0)
(0.5, 0.3333333333333333)
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from sklearn.metrics import f1_score, precision_score, recall_score

from workbench.errors import UsageError

__all__ = ["BAND_SETS", "QUALITY_SCHEMA", "linkage_quality", "quality_by_band"]

# What counts as a predicted match: the linked band alone, the clerical band alone (how good
# the pairs sent to a person are), and both (what a perfect reviewer could reach).
BAND_SETS: dict[str, tuple[str, ...]] = {
    "linked": ("linked",),
    "clerical_review": ("clerical_review",),
    "linked_or_clerical": ("linked", "clerical_review"),
}
_KEY = ["source", "record_id", "person_id"]
QUALITY_SCHEMA = {
    "bands": pl.String,
    "true_pairs": pl.Int64,
    "predicted_pairs": pl.Int64,
    "correct_pairs": pl.Int64,
    "precision": pl.Float64,
    "recall": pl.Float64,
    "f1": pl.Float64,
}


def _check(frame: pl.DataFrame, name: str, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UsageError(
            f"linkage_quality: {name} lacks column(s) {', '.join(missing)}; expected "
            f"{', '.join(columns)} (has: {', '.join(frame.columns)})"
        )


def _scores(union: pl.DataFrame) -> dict[str, float | int]:
    y_true = union["in_truth"].to_numpy()
    y_pred = union["in_links"].to_numpy()
    return {
        "true_pairs": int(y_true.sum()),
        "predicted_pairs": int(y_pred.sum()),
        "correct_pairs": int((y_true & y_pred).sum()),
        # No predicted pair: nothing was wrong (precision 1); no true pair: nothing missed.
        "precision": float(precision_score(y_true, y_pred, zero_division=1.0)),
        "recall": float(recall_score(y_true, y_pred, zero_division=1.0)),
        "f1": float(f1_score(y_true, y_pred, zero_division=1.0)),
    }


def linkage_quality(
    links: pl.DataFrame,
    truth: pl.DataFrame,
    *,
    bands: Sequence[str] = ("linked",),
    by: Sequence[str] = (),
) -> pl.DataFrame:
    """Pair-level precision, recall and F1 of the links in `bands` against `truth`.

    Parameters
    ----------
    links
        Linkage output: source, record_id, person_id, band.
    truth
        Ground truth: source, record_id, person_id (null: no true person), and any columns
        named in `by` (e.g. `corruption_level`). Only rows present in `links` are counted.
    bands
        Which bands count as a predicted match.
    by
        Ground-truth columns to report separately (e.g. `("source", "corruption_level")`).

    Returns
    -------
    pl.DataFrame
        One row per group: the `by` columns, `bands` (joined with `+`), true, predicted and
        correct pair counts, precision, recall, f1.
    """
    _check(links, "links", [*_KEY, "band"])
    _check(truth, "truth", [*_KEY, *by])
    rows = links.select("source", "record_id").unique()
    extra = [c for c in by if c not in ("source", "record_id")]
    attributes = truth.select("source", "record_id", *extra).unique(["source", "record_id"])
    true_pairs = (
        truth.join(rows, on=["source", "record_id"], how="semi")
        .filter(pl.col("person_id").is_not_null())
        .select(_KEY)
        .unique()
        .with_columns(in_truth=pl.lit(True))
    )
    predicted = (
        links.filter(pl.col("band").is_in(list(bands)) & pl.col("person_id").is_not_null())
        .select(_KEY)
        .unique()
        .with_columns(in_links=pl.lit(True))
    )
    union = (
        true_pairs.join(predicted, on=_KEY, how="full", coalesce=True)
        .with_columns(pl.col("in_truth", "in_links").fill_null(False))
        .join(attributes, on=["source", "record_id"], how="left")
    )
    groups = union.partition_by(list(by), as_dict=True, maintain_order=True) if by else {(): union}
    label = "+".join(bands)
    result = [
        {**dict(zip(by, key, strict=True)), "bands": label, **_scores(group)}
        for key, group in sorted(groups.items(), key=lambda item: str(item[0]))
    ]
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        **{c: truth.schema[c] for c in by},
        **QUALITY_SCHEMA,
    }
    return pl.DataFrame(result, schema=schema) if result else pl.DataFrame(schema=schema)


def quality_by_band(
    links: pl.DataFrame, truth: pl.DataFrame, *, by: Sequence[str] = ()
) -> pl.DataFrame:
    """`linkage_quality` for each of `BAND_SETS`: linked, clerical review, and both."""
    return pl.concat(
        [linkage_quality(links, truth, bands=bands, by=by) for bands in BAND_SETS.values()]
    )
