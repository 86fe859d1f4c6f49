"""Charts that explain linkage scores, in the house theme of `workbench.charts`.

Three pictures, as Splink draws them, each returning an altair chart with its finding in the
title:

- `match_weight_histogram`: how the scored pairs spread over match weight, with the
  clerical-review and linked thresholds marked; drawn from a table of counts per weight bin
  (`match_weight_bins`), so that the counts can pass disclosure control first;
- `waterfall`: for one pair, how each comparison moved the weight from the prior to the
  final match weight (`contributions`, in bits), with the comparison levels when given;
- `calibration_chart`: the observed share of true pairs against the mean match probability
  per bin (`LinkageEvaluation.calibration`), against the diagonal of perfect calibration.

None of them shows a name, a date of birth or an id: comparisons, weights and counts only.

Example
-------
>>> pair = {"match_weight": 3.0, "match_probability": 8 / 9,
...         "contributions": '{"forename": 6.0, "date_of_birth": -1.0}'}
>>> from workbench.charts import title_text
>>> title_text(waterfall(pair))
"Match probability 0.889: child's forename weighs most (+6.0 bits)"
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from typing import Any

import altair as alt
import polars as pl

from workbench.charts import PALETTE, chart_title, with_description
from workbench.errors import UsageError
from workbench.linkage.settings import DEFAULT_THRESHOLDS

__all__ = [
    "COMPARISON_LABELS",
    "WEIGHT_BIN_BITS",
    "calibration_chart",
    "match_weight_bins",
    "match_weight_histogram",
    "probability_to_weight",
    "waterfall",
    "waterfall_steps",
]

# A bin two bits wide: each bin is a fourfold change in the odds of a match.
WEIGHT_BIN_BITS = 2.0
# The comparisons of `workbench.linkage.settings`, in a reviewer's words and chart order.
COMPARISON_LABELS: dict[str, str] = {
    "forename": "child's forename",
    "surname": "child's surname",
    "date_of_birth": "child's date of birth",
    "postcode": "postcode",
    "parent": "parent or carer",
}
PRIOR_LABEL = "prior (before any comparison)"
FINAL_LABEL = "match weight"
_FOR, _AGAINST, _TOTAL = PALETTE[0], PALETTE[3], PALETTE[6]
_CLOSE_GAP = 0.05  # calibration within five points everywhere reads as "close"
_LABEL_LIMIT = 360  # pixels: room for "child's date of birth: day and month swapped"
_TOTAL_LABEL = "Total"  # a protected table's margin (`workbench.stats.disclosure.TOTAL`)
_HIDDEN = "#BBBBBB"  # a hidden bin: grey, beside the blue bars and black rules
_SYMBOL = "c"  # the disclosure-control symbol (`DisclosureRules.symbol`)


def probability_to_weight(probability: float) -> float:
    """The match weight (log2 of the odds, in bits) of a match probability.

    Example
    -------
    >>> probability_to_weight(0.5), round(probability_to_weight(0.95), 3)
    (0.0, 4.248)
    """
    if not 0.0 < probability < 1.0:
        raise UsageError(
            f"a match probability must be strictly between 0 and 1 to have a weight; got "
            f"{probability!r}"
        )
    return math.log2(probability / (1.0 - probability))


def _checked(frame: Any, columns: tuple[str, ...], what: str) -> pl.DataFrame:
    if not isinstance(frame, pl.DataFrame):
        raise UsageError(f"expected the {what} as a polars DataFrame; got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UsageError(
            f"the {what} lacks column(s) {', '.join(missing)}; it has {', '.join(frame.columns)}"
        )
    return frame


def match_weight_bins(
    scored_pairs: pl.DataFrame, *, width: float = WEIGHT_BIN_BITS
) -> pl.DataFrame:
    """Scored pairs counted per match-weight bin: the table `match_weight_histogram` draws.

    Parameters
    ----------
    scored_pairs
        `link_all_with_pairs`'s second frame (any frame with `match_weight`); pairs without
        a weight are not counted.
    width
        Bin width in bits; bins start at whole multiples of it.

    Returns
    -------
    pl.DataFrame
        `bin` (a label such as `"-2 to 0"`), `weight_from`, `weight_to` and `pairs`, sorted
        by weight; only bins holding a pair.

    Example
    -------
    >>> pairs = pl.DataFrame({"match_weight": [-3.5, -0.5, 1.0, 1.5, 9.0]})
    >>> match_weight_bins(pairs).select("bin", "pairs").rows()
    [('-4 to -2', 1), ('-2 to 0', 1), ('0 to 2', 2), ('8 to 10', 1)]
    """
    _checked(scored_pairs, ("match_weight",), "scored pairs")
    if not width > 0:
        raise UsageError(f"the bin width must be a positive number of bits; got {width!r}")
    start = (pl.col("match_weight") / width).floor() * width
    return (
        scored_pairs.filter(pl.col("match_weight").is_not_null())
        .group_by(start.cast(pl.Float64).alias("weight_from"))
        .agg(pl.len().cast(pl.Int64).alias("pairs"))
        .sort("weight_from")
        .with_columns((pl.col("weight_from") + width).alias("weight_to"))
        .select(
            pl.format("{} to {}", _bits_text("weight_from"), _bits_text("weight_to")).alias("bin"),
            "weight_from",
            "weight_to",
            "pairs",
        )
    )


def _bits_text(column: str) -> pl.Expr:
    """A bin edge as text: whole numbers without a decimal point."""
    value = pl.col(column)
    whole = value.round(0) == value
    return (
        pl.when(whole)
        .then(value.cast(pl.Int64).cast(pl.String))
        .otherwise(value.round(1).cast(pl.String))
    )


def match_weight_histogram(
    table: pl.DataFrame,
    *,
    thresholds: tuple[float, float] = DEFAULT_THRESHOLDS,
    width: float = WEIGHT_BIN_BITS,
    hidden: Collection[str] = (),
    symbol: str = _SYMBOL,
) -> alt.LayerChart | alt.FacetChart:
    """Scored pairs by match weight, with the clerical-review and linked thresholds marked.

    Parameters
    ----------
    table
        Either scored pairs (with `match_weight`; binned here by `match_weight_bins`) or a
        bins table as `match_weight_bins` returns it (`weight_from`, `weight_to`, `pairs`).
        A bin whose `pairs` is null is hidden, its count not given.
    thresholds
        `(linked, clerical_review)` match probabilities, drawn as dashed lines at their
        weights.
    width
        Bin width in bits when `table` is scored pairs.
    hidden
        The bins disclosure control hid (their `bin` labels, as `match_weight_bins` writes
        them, e.g. ``"-2 to 0"``; ``"Total"`` when the total is hidden): drawn as grey bands
        the full height of the chart marked with ``symbol``, never as bars (a gap would read
        as no pair), the subtitle counts them, and the title says nothing they would give
        away.
    symbol
        The mark of a hidden count (`workbench.stats.DisclosureRules.symbol`, ``c``).

    The title gives the share of pairs between the thresholds (the reviewers' work), worked
    out from every bin's true count, hidden ones too, but only when it is published anyway:
    when every bin between or across the thresholds is shown. Otherwise the share would give
    the hidden bins' counts away, and the title says that it is not shown.

    Examples
    --------
    >>> bins = pl.DataFrame({"bin": ["-4 to -2", "0 to 2", "8 to 10"],
    ...     "weight_from": [-4.0, 0.0, 8.0], "weight_to": [-2.0, 2.0, 10.0],
    ...     "pairs": [30, 4, 60]})
    >>> chart = match_weight_histogram(bins, thresholds=(0.8, 0.5), hidden=["0 to 2"])
    >>> from workbench.charts import title_text
    >>> title_text(chart).split(";")[0]
    '94 scored pairs'
    """
    if "pairs" in table.columns:
        bins = _checked(table, ("weight_from", "weight_to", "pairs"), "match-weight bins")
    else:
        bins = match_weight_bins(table, width=width)
    bins = bins.select(
        pl.col("weight_from", "weight_to").cast(pl.Float64), pl.col("pairs").cast(pl.Int64)
    )
    label = pl.format("{} to {}", _bits_text("weight_from"), _bits_text("weight_to"))
    bins = bins.with_columns(
        (label.is_in(list(hidden)) | pl.col("pairs").is_null()).alias("hidden")
    )
    if bins["pairs"].fill_null(0).sum() == 0 and bins["pairs"].null_count() == 0:
        raise UsageError("there are no scored pairs to chart: nothing reached Splink")
    linked, clerical = (probability_to_weight(t) for t in thresholds)
    hidden_bins = bins.filter("hidden").select("weight_from", "weight_to")
    subtitle = [
        f"Dashed lines: clerical review from probability {thresholds[1]:g} "
        f"({clerical:+.1f} bits), linked from {thresholds[0]:g} ({linked:+.1f} bits)."
    ]
    if hidden_bins.height:
        subtitle.append(
            f"Grey bands marked {symbol}: {_bins(hidden_bins.height)} whose count disclosure "
            "control hides; a gap is a bin with no pair."
        )
    title = chart_title(
        _histogram_finding(bins, linked, clerical, total_hidden=_TOTAL_LABEL in hidden),
        subtitle,
    )
    shown = bins.filter(~pl.col("hidden")).drop("hidden")
    x = alt.X("weight_from:Q", title="Match weight (bits)", bin="binned")
    bars = (
        alt.Chart(shown)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=x,
            x2="weight_to:Q",
            y=alt.Y("pairs:Q", title="Scored pairs"),
            tooltip=["weight_from", "weight_to", "pairs"],
        )
    )
    marks = pl.DataFrame({"weight": [clerical, linked], "threshold": ["clerical review", "linked"]})
    rules = (
        alt.Chart(marks)
        .mark_rule(color=_TOTAL, strokeDash=[6, 4], strokeWidth=2)
        .encode(x="weight:Q", tooltip=["threshold", alt.Tooltip("weight:Q", format=".2f")])
    )
    layers: list[alt.Chart] = [bars, rules]
    if hidden_bins.height:
        # The full height of the bars shown (published counts), so that the band says "not
        # known" rather than any count; 1 when every bin is hidden.
        top = max(int(shown.select(pl.col("pairs").max()).item() or 0), 1)
        bands = hidden_bins.with_columns(
            pl.lit(0).alias("bottom"), pl.lit(top).alias("top"), pl.lit(symbol).alias("symbol")
        )
        band = alt.Chart(bands).encode(
            x=x, x2="weight_to:Q", tooltip=["weight_from", "weight_to", "symbol"]
        )
        layers[:0] = [
            band.mark_rect(color=_HIDDEN, opacity=0.6).encode(y="bottom:Q", y2="top:Q"),
            band.mark_text(baseline="bottom", dy=-2, color=_TOTAL)
            .encode(x=alt.X("middle:Q"), y="top:Q", text="symbol:N")
            .transform_calculate(middle="(datum.weight_from + datum.weight_to) / 2"),
        ]
    return with_description(alt.layer(*layers, title=title))


def _bins(count: int) -> str:
    return f"{count} bin{'' if count == 1 else 's'}"


def _histogram_finding(
    bins: pl.DataFrame, linked: float, clerical: float, *, total_hidden: bool = False
) -> str:
    """The histogram's title: the share of pairs between the thresholds, true and published.

    Worked out from every bin (hidden ones too, when their counts are given), and stated only
    when the published bins give it anyway: every bin between or across the thresholds shown,
    and the total known and published. A hidden bin there would otherwise be given away.
    """
    inside = (pl.col("weight_from") >= clerical) & (pl.col("weight_to") <= linked)
    # Bins that straddle a threshold are counted with neither side: "about".
    across = (pl.col("weight_from") < clerical) & (pl.col("weight_to") > clerical) | (
        pl.col("weight_from") < linked
    ) & (pl.col("weight_to") > linked)
    concerned = bins.filter(inside | across)
    known_total = not total_hidden and bins["pairs"].null_count() == 0
    total = int(bins["pairs"].sum())
    if concerned["hidden"].any():
        why = (
            "the share between the thresholds is not shown, as disclosure control hides some "
            "of its bins"
        )
        if known_total:
            return f"{total:,} scored pairs; {why}"
        return f"Scored pairs by match weight: {why}"
    middle = int(bins.filter(inside)["pairs"].sum())
    about = "about " if concerned.filter(across)["pairs"].sum() else ""
    if not known_total:
        return (
            f"{about}{middle:,} scored pairs fall between the thresholds, for a person to review"
        ).capitalize()
    share = middle / total
    percent = "under 1%" if 0 < share < 0.005 else f"{share:.0%}"
    return (
        f"{about}{percent} of {total:,} scored pairs fall between the thresholds, for a person "
        "to review"
    ).capitalize()


def _pair(pair_row: Mapping[str, Any] | pl.DataFrame) -> dict[str, Any]:
    if isinstance(pair_row, pl.DataFrame):
        if pair_row.height != 1:
            raise UsageError(f"waterfall draws one pair; got a frame of {pair_row.height} rows")
        pair_row = pair_row.row(0, named=True)
    missing = [k for k in ("match_weight", "contributions") if pair_row.get(k) is None]
    if missing:
        raise UsageError(
            f"waterfall needs a Splink pair with match_weight and contributions; "
            f"{', '.join(missing)} missing (an exact link has no weights to explain)"
        )
    contributions = pair_row["contributions"]
    if isinstance(contributions, str):
        try:
            contributions = json.loads(contributions)
        except ValueError as error:
            raise UsageError(
                f"contributions must be a JSON object of bits per comparison; got {contributions!r}"
            ) from error
    if not isinstance(contributions, Mapping):
        raise UsageError(f"contributions must map comparison to bits; got {contributions!r}")
    return {**pair_row, "contributions": dict(contributions)}


def waterfall_steps(
    pair_row: Mapping[str, Any] | pl.DataFrame, levels: Mapping[str, str] | None = None
) -> pl.DataFrame:
    """The steps of a pair's waterfall: the prior, each comparison, the final weight.

    The prior is what the match weight holds beyond the comparisons (the log-odds that two
    records drawn at random are one child). A comparison with no value (null) adds nothing.

    Returns
    -------
    pl.DataFrame
        `step` (order), `label` (the comparison in words, with its level when `levels`
        names one), `bits` (this step's weight), `start` and `end` (the running total before
        and after), `direction` (`for`, `against` or `total`).

    Example
    -------
    >>> pair = {"match_weight": 3.0, "contributions": '{"forename": 6.0, "parent": null}'}
    >>> waterfall_steps(pair, {"forename": "exact"}).select("label", "bits", "end").rows()
    [('prior (before any comparison)', -3.0, -3.0), ("child's forename: exact", 6.0, 3.0), \
('parent or carer', 0.0, 3.0), ('match weight', 3.0, 3.0)]
    """
    pair = _pair(pair_row)
    bits = {name: float(value or 0.0) for name, value in pair["contributions"].items()}
    order = [c for c in COMPARISON_LABELS if c in bits] + sorted(set(bits) - set(COMPARISON_LABELS))
    final = float(pair["match_weight"])
    prior = final - sum(bits.values())
    levels = dict(levels or {})
    rows = [(PRIOR_LABEL, prior, 0.0, prior, "total")]
    running = prior
    for name in order:
        label = COMPARISON_LABELS.get(name, name.replace("_", " "))
        if levels.get(name):
            label = f"{label}: {levels[name]}"
        step = bits[name]
        rows.append((label, step, running, running + step, "for" if step >= 0 else "against"))
        running += step
    rows.append((FINAL_LABEL, final, 0.0, final, "total"))
    return pl.DataFrame(
        [(i, *row) for i, row in enumerate(rows)],
        schema={
            "step": pl.Int64,
            "label": pl.String,
            "bits": pl.Float64,
            "start": pl.Float64,
            "end": pl.Float64,
            "direction": pl.String,
        },
        orient="row",
    )


def waterfall(
    pair_row: Mapping[str, Any] | pl.DataFrame, *, levels: Mapping[str, str] | None = None
) -> alt.LayerChart | alt.FacetChart:
    """One pair's match weight built up comparison by comparison, as Splink's waterfall.

    Parameters
    ----------
    pair_row
        One scored pair or Splink link: a mapping or a one-row frame with `match_weight`,
        `contributions` (JSON or a mapping of bits per comparison) and, for the title,
        `match_probability`. Nothing else of the row is shown.
    levels
        Optional comparison -> level label (`"day and month swapped"`), shown with the bars.

    Bars for evidence for a match are blue, against vermillion; the prior and the final
    weight are black. The title names the comparison that weighs most.
    """
    steps = waterfall_steps(pair_row, levels)
    pair = _pair(pair_row)
    title = chart_title(_waterfall_finding(steps, pair.get("match_probability")))
    labels = steps["label"].to_list()
    colour = alt.Color(
        "direction:N",
        title=None,
        scale=alt.Scale(domain=["for", "against", "total"], range=[_FOR, _AGAINST, _TOTAL]),
    )
    base = alt.Chart(steps).encode(
        y=alt.Y("label:N", sort=labels, title=None, axis=alt.Axis(labelLimit=_LABEL_LIMIT)),
        tooltip=["label", alt.Tooltip("bits:Q", format="+.2f")],
    )
    bars = base.mark_bar().encode(
        x=alt.X("start:Q", title="Match weight (bits)"), x2="end:Q", color=colour
    )
    text = (
        base.mark_text(align="left", dx=4)
        .encode(x=alt.X("max_end:Q"), text=alt.Text("bits:Q", format="+.1f"))
        .transform_calculate(max_end="max(datum.start, datum.end)")
    )
    zero = alt.Chart(pl.DataFrame({"x": [0.0]})).mark_rule(color=_TOTAL).encode(x="x:Q")
    return with_description(alt.layer(zero, bars, text, title=title))


def _waterfall_finding(steps: pl.DataFrame, probability: float | None) -> str:
    comparisons = steps.filter(pl.col("direction") != "total")
    head = (
        f"Match probability {probability:.3f}"
        if probability is not None
        else f"Match weight {steps['bits'][-1]:+.1f} bits"
    )
    if comparisons.is_empty():
        return f"{head}: no comparison could be made"
    strongest = comparisons.sort(pl.col("bits").abs(), "step", descending=[True, False]).row(
        0, named=True
    )
    name = strongest["label"].split(":")[0]
    return f"{head}: {name} weighs most ({strongest['bits']:+.1f} bits)"


def calibration_chart(
    calibration: pl.DataFrame, *, hidden: Collection[Any] = (), symbol: str = _SYMBOL
) -> alt.LayerChart | alt.FacetChart:
    """Observed share of true pairs against the mean match probability, bin by bin.

    Parameters
    ----------
    calibration
        `LinkageEvaluation.calibration`: `mean_probability`, `observed_share`, `pairs` per
        bin (and `bin`, to name the hidden ones). A bin whose share is null is hidden.
    hidden
        The bins (`bin` values) whose share disclosure control hid: their share and pairs
        are not used.
    symbol
        The mark of a hidden count (`workbench.stats.DisclosureRules.symbol`, ``c``).

    Points on the dashed diagonal are perfectly calibrated; the title gives the largest gap
    of the bins shown. A hidden bin is drawn as a grey vertical line at its mean probability
    marked with ``symbol`` (its share not known, not missing), the line joining the points
    breaks there, and the title and subtitle say how many bins are hidden.
    """
    data = _checked(
        calibration, ("mean_probability", "observed_share", "pairs"), "calibration table"
    ).filter(pl.col("mean_probability").is_not_null())
    if data.is_empty():
        raise UsageError("the calibration table has no bins to chart: no pair was scored")
    is_hidden = pl.col("observed_share").is_null()
    if hidden:
        _checked(calibration, ("bin",), "calibration table with hidden bins")
        is_hidden = is_hidden | pl.col("bin").cast(pl.String).is_in([str(b) for b in hidden])
    data = (
        data.sort("mean_probability")
        .with_columns(is_hidden.alias("hidden"))
        .with_columns(
            # Nothing of a hidden bin but where it lies on the probability axis.
            pl.when(~pl.col("hidden")).then(pl.col("observed_share")).alias("observed_share"),
            pl.when(~pl.col("hidden")).then(pl.col("pairs")).alias("pairs"),
            # The line is drawn in pieces between hidden bins, never across one.
            pl.col("hidden").cum_sum().alias("segment"),
        )
        .select("mean_probability", "observed_share", "pairs", "hidden", "segment")
    )
    shown = data.filter(~pl.col("hidden")).with_columns(
        (pl.col("observed_share") - pl.col("mean_probability")).alias("gap")
    )
    hidden_bins = data.filter("hidden").select("mean_probability")
    subtitle = ["Dashed line: perfect calibration. Point size: scored pairs in the bin."]
    if hidden_bins.height:
        subtitle.append(
            f"Grey lines marked {symbol}: {_bins(hidden_bins.height)} whose share disclosure "
            "control hides."
        )
    title = chart_title(_calibration_finding(shown, hidden=hidden_bins.height), subtitle)
    unit = alt.Scale(domain=[0, 1])
    diagonal = (
        alt.Chart(pl.DataFrame({"p": [0.0, 1.0]}))
        .mark_line(color=_TOTAL, strokeDash=[6, 4], strokeWidth=1.5)
        .encode(x=alt.X("p:Q", scale=unit), y=alt.Y("p:Q", scale=unit))
    )
    layers: list[alt.Chart] = [diagonal]
    if shown.height:
        points = (
            alt.Chart(shown)
            .mark_point(filled=True, opacity=1)
            .encode(
                x=alt.X("mean_probability:Q", title="Mean match probability", scale=unit),
                y=alt.Y("observed_share:Q", title="Share truly the same child", scale=unit),
                size=alt.Size("pairs:Q", title="Scored pairs", legend=None),
                tooltip=[
                    alt.Tooltip("mean_probability:Q", format=".3f"),
                    alt.Tooltip("observed_share:Q", format=".3f"),
                    "pairs",
                ],
            )
        )
        line = (
            alt.Chart(shown)
            .mark_line(color=_FOR)
            .encode(x="mean_probability:Q", y="observed_share:Q", detail="segment:N")
        )
        layers += [line, points]
    if hidden_bins.height:
        marks = hidden_bins.with_columns(
            pl.lit(0.0).alias("bottom"), pl.lit(1.0).alias("top"), pl.lit(symbol).alias("symbol")
        )
        base = alt.Chart(marks).encode(
            x=alt.X("mean_probability:Q", title="Mean match probability", scale=unit)
        )
        layers += [
            base.mark_rule(color=_HIDDEN, strokeWidth=6).encode(
                y=alt.Y("bottom:Q", title="Share truly the same child", scale=unit),
                y2="top:Q",
                tooltip=[alt.Tooltip("mean_probability:Q", format=".3f"), "symbol"],
            ),
            base.mark_text(baseline="bottom", dy=-2, color=_TOTAL).encode(
                y=alt.Y("top:Q", scale=unit), text="symbol:N"
            ),
        ]
    return with_description(alt.layer(*layers, title=title))


def _calibration_finding(data: pl.DataFrame, *, hidden: int = 0) -> str:
    """The calibration chart's title, true of the bins shown: with ``hidden`` bins, it says
    so rather than "every bin"."""
    if data.is_empty():
        every = _bins(hidden)
        return f"Calibration is not shown: disclosure control hides every bin's share ({every})"
    worst = data.sort(pl.col("gap").abs(), "mean_probability", descending=[True, False]).row(
        0, named=True
    )
    if abs(worst["gap"]) < _CLOSE_GAP:
        every = f"every bin shown; {_bins(hidden)} hidden" if hidden else "every bin"
        return (
            "Match probabilities are well calibrated: within "
            f"{_points(worst['gap'])} of the observed share in {every}"
        )
    side = "fewer" if worst["gap"] < 0 else "more"
    finding = (
        f"At probability {worst['mean_probability']:.2f}, {_points(worst['gap'])} {side} pairs "
        "are true matches than the model says"
    )
    if hidden:
        finding += f" (the largest gap of the bins shown; {_bins(hidden)} hidden)"
    return finding


def _points(gap: float) -> str:
    points = round(abs(gap) * 100)
    return f"{points} percentage point{'' if points == 1 else 's'}"
