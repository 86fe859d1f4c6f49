"""The errors real lists carry, applied to records whose truth is known.

Each corruption is a small named building block: where it can apply, and what it does, as
polars expressions over a frame of records. `corrupt` draws a corruption level per record
(how many corruptions it gets), picks that many applicable corruptions at random, weighted,
applies them in a fixed order and reports which were applied, so linkage quality can be
measured level by level against the ground truth.

Records use these columns (a frame may lack the parent and address ones): `child_forename`,
`child_surname`, `child_date_of_birth`, `parent_forename`, `parent_surname`, `parent_nino`,
`postcode`, `abbreviate` (write the street type short), and `moved_*` copies of the address
columns holding another address in the area, used when a family has moved.

Example
-------
>>> from datetime import date
>>> frame = pl.DataFrame({"child_forename": ["Elizabeth"], "child_surname": ["Smith-Jones"],
...     "child_date_of_birth": [date(2024, 3, 5)], "postcode": ["FQ1 2AB"],
...     "moved_postcode": ["FQ2 1XY"]})
>>> out = corrupt(frame, np.random.default_rng(1), {"hyphen_changed": 1.0}, {1: 1.0})
>>> out["child_surname"].item() in {"Smith Jones", "SmithJones"}
True
>>> out["corruptions"].item()
'hyphen_changed'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from workbench.synth.names import alias_lists
from workbench.synth.population import COIN
from workbench.synth.rates import share_table

__all__ = ["CORRUPTIONS", "Corruption", "corrupt"]

_U1, _U2, _U3 = "__u1", "__u2", "__u3"
_ALPHABET = pl.Series(list("abcdefghijklmnopqrstuvwxyz"))
_TYPO_KINDS = 4  # substitute, delete, transpose, insert
_MIN_TYPO_LENGTH = 3  # a slip needs a letter after the first and one more
_MONTHS = 12
_NAME_COLUMNS = ("child_forename", "child_surname", "parent_forename", "parent_surname")
_NON_ASCII = r"[^\x00-\x7F]"
# Letters NFKD does not decompose, spelt as English-language systems store them.
_UNDECOMPOSED = {"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "ß": "ss"}
_SPACE_SHARE = 0.6  # of hyphen changes, how many become a space rather than nothing
_CASE_SHARE = 0.4  # of postcode format changes, lower case / no space / both at these cuts
_NO_SPACE_CUT = 0.8

Transform = Callable[[set[str]], dict[str, pl.Expr]]


@dataclass(frozen=True)
class Corruption:
    """One kind of error: the columns it needs, where it applies, and its rewrite."""

    name: str
    needs: tuple[str, ...]
    applies: Callable[[set[str]], pl.Expr]
    rewrite: Transform


def _u(name: str) -> pl.Expr:
    return pl.col(name)


def _typo(column: str) -> Corruption:
    """One keyboard slip inside a name (never its first letter): substitute, delete, swap or
    insert a letter; the result always differs from the original."""

    def rewrite(_: set[str]) -> dict[str, pl.Expr]:
        s = pl.col(column)
        n = s.str.len_chars().cast(pl.Int64)
        p = (_u(_U1) * (n - 1)).floor().cast(pl.Int64) + 1
        letter = pl.lit(_ALPHABET).gather((_u(_U3) * _ALPHABET.len()).floor().cast(pl.Int64))
        head, here, after = s.str.slice(0, p), s.str.slice(p, 1), s.str.slice(p + 1)
        delete = pl.concat_str(head, after)
        kind = (_u(_U2) * _TYPO_KINDS).floor()
        typed = (
            pl.when(kind == 0)
            .then(pl.concat_str(head, letter, after))
            .when(kind == 1)
            .then(delete)
            .when(kind == 2)
            .then(pl.concat_str(head, s.str.slice(p + 1, 1), here, s.str.slice(p + 2)))
            .otherwise(pl.concat_str(head, letter, s.str.slice(p)))
        )
        return {column: pl.when(typed == s).then(delete).otherwise(typed)}

    return Corruption(
        f"typo_{column}",
        (column,),
        lambda _: pl.col(column).str.len_chars() >= _MIN_TYPO_LENGTH,
        rewrite,
    )


def _nickname(column: str, label: str) -> Corruption:
    aliases = f"__aliases_{column}"

    def rewrite(_: set[str]) -> dict[str, pl.Expr]:
        count = pl.col(aliases).list.len()
        return {column: pl.col(aliases).list.get((_u(_U1) * count).floor().cast(pl.Int64))}

    return Corruption(
        f"nickname_{label}", (column,), lambda _: pl.col(aliases).is_not_null(), rewrite
    )


def _swap_names(_: set[str]) -> dict[str, pl.Expr]:
    return {"child_forename": pl.col("child_surname"), "child_surname": pl.col("child_forename")}


def _shorten(_: set[str]) -> dict[str, pl.Expr]:
    parts = pl.col("child_surname").str.split("-")
    return {
        "child_surname": pl.when(_u(_U1) < COIN)
        .then(parts.list.first())
        .otherwise(parts.list.last())
    }


def _hyphen(columns: set[str]) -> dict[str, pl.Expr]:
    joiner = pl.when(_u(_U1) < _SPACE_SHARE).then(pl.lit(" ")).otherwise(pl.lit(""))
    return {
        c: pl.col(c).str.replace_all("-", joiner, literal=True)
        for c in ("child_surname", "parent_surname")
        if c in columns
    }


def _ascii(columns: set[str]) -> dict[str, pl.Expr]:
    def plain(expr: pl.Expr) -> pl.Expr:
        stripped = expr.str.normalize("NFKD").str.replace_all(r"\p{M}", "")
        return stripped.str.replace_many(list(_UNDECOMPOSED), list(_UNDECOMPOSED.values()))

    return {c: plain(pl.col(c)) for c in _NAME_COLUMNS if c in columns}


def _any_non_ascii(columns: set[str]) -> pl.Expr:
    return pl.any_horizontal(
        pl.col(c).str.contains(_NON_ASCII).fill_null(False) for c in _NAME_COLUMNS if c in columns
    )


def _swap_day_month(_: set[str]) -> dict[str, pl.Expr]:
    dob = pl.col("child_date_of_birth")
    return {"child_date_of_birth": pl.date(dob.dt.year(), dob.dt.day(), dob.dt.month())}


def _day_month_swappable(_: set[str]) -> pl.Expr:
    dob = pl.col("child_date_of_birth")
    day = dob.dt.day().cast(pl.Int32)
    return (day <= _MONTHS) & (day != dob.dt.month().cast(pl.Int32))


def _off_by_one(_: set[str]) -> dict[str, pl.Expr]:
    step = pl.when(_u(_U1) < COIN).then(pl.lit(-1)).otherwise(pl.lit(1))
    return {"child_date_of_birth": pl.col("child_date_of_birth") + pl.duration(days=step)}


def _moved(columns: set[str]) -> dict[str, pl.Expr]:
    return {c[len("moved_") :]: pl.col(c) for c in columns if c.startswith("moved_")}


def _postcode_format(_: set[str]) -> dict[str, pl.Expr]:
    code = pl.col("postcode")
    lower = code.str.to_lowercase()
    return {
        "postcode": pl.when(_u(_U1) < _CASE_SHARE)
        .then(lower)
        .when(_u(_U1) < _NO_SPACE_CUT)
        .then(code.str.replace_all(" ", "", literal=True))
        .otherwise(lower.str.replace_all(" ", "", literal=True))
    }


def _always(_: set[str]) -> pl.Expr:
    return pl.lit(True)


def _contains_hyphen(*names: str) -> Callable[[set[str]], pl.Expr]:
    def applies(columns: set[str]) -> pl.Expr:
        return pl.any_horizontal(
            pl.col(c).str.contains("-", literal=True).fill_null(False)
            for c in names
            if c in columns
        )

    return applies


CORRUPTIONS: tuple[Corruption, ...] = (
    _typo("child_forename"),
    _typo("child_surname"),
    _typo("parent_forename"),
    _nickname("child_forename", "child"),
    _nickname("parent_forename", "parent"),
    Corruption("names_swapped", ("child_forename", "child_surname"), _always, _swap_names),
    Corruption(
        "surname_shortened", ("child_surname",), _contains_hyphen("child_surname"), _shorten
    ),
    Corruption(
        "hyphen_changed",
        ("child_surname",),
        _contains_hyphen("child_surname", "parent_surname"),
        _hyphen,
    ),
    Corruption("diacritics_dropped", ("child_forename",), _any_non_ascii, _ascii),
    Corruption(
        "dob_day_month_swapped", ("child_date_of_birth",), _day_month_swappable, _swap_day_month
    ),
    Corruption("dob_off_by_one", ("child_date_of_birth",), _always, _off_by_one),
    Corruption("postcode_moved", ("moved_postcode",), _always, _moved),
    Corruption(
        "parent_nino_missing",
        ("parent_nino",),
        lambda _: pl.col("parent_nino").is_not_null(),
        lambda _: {"parent_nino": pl.lit(None, dtype=pl.String)},
    ),
    Corruption(
        "address_abbreviated",
        ("abbreviate",),
        lambda _: pl.col("street_type") != pl.col("abbreviation"),
        lambda _: {"abbreviate": pl.lit(True)},
    ),
    Corruption("postcode_format", ("postcode",), _always, _postcode_format),
)
# Two corruptions of the same part that would undo or hide each other: keep the first.
_EXCLUSIVE = (("surname_shortened", "hyphen_changed"),)


def _with_aliases(frame: pl.DataFrame) -> pl.DataFrame:
    aliases = alias_lists()
    for column in ("child_forename", "parent_forename"):
        if column in frame.columns:
            frame = frame.join(
                aliases.rename({"name": column, "aliases": f"__aliases_{column}"}),
                on=column,
                how="left",
                maintain_order="left",
            )
    return frame


def _choose(
    rng: np.random.Generator,
    applicable: np.ndarray,
    weights: np.ndarray,
    levels: np.ndarray,
    names: list[str],
) -> np.ndarray:
    """Which corruptions each record gets: `level` of the applicable ones, drawn by weight
    without replacement (Efraimidis-Spirakis keys)."""
    keys = rng.random(applicable.shape) ** (1.0 / weights)
    keys = np.where(applicable, keys, -1.0)
    order = np.argsort(-keys, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(order.shape[1])[None, :], axis=1)
    chosen = applicable & (rank < levels[:, None])
    for first, second in _EXCLUSIVE:
        if first in names and second in names:
            chosen[:, names.index(second)] &= ~chosen[:, names.index(first)]
    return chosen


def corrupt(
    frame: pl.DataFrame,
    rng: np.random.Generator,
    weights: Mapping[str, float],
    level_share: Mapping[int, float],
) -> pl.DataFrame:
    """Apply corruptions to records; add `corruption_level` and `corruptions` (names, `;`).

    Only corruptions named in `weights` whose needed columns the frame has are used. A record
    whose level asks for more corruptions than apply to it gets those that do; its
    `corruption_level` counts what was applied.
    """
    columns = set(frame.columns)
    usable = [c for c in CORRUPTIONS if c.name in weights and set(c.needs) <= columns]
    names = [c.name for c in usable]
    work = _with_aliases(frame)
    n = work.height
    if not usable or n == 0:
        return frame.with_columns(
            corruption_level=pl.lit(0, dtype=pl.Int64), corruptions=pl.lit("", dtype=pl.String)
        )
    applicable = (
        work.select(c.applies(columns).fill_null(False).alias(c.name) for c in usable)
        .to_numpy()
        .astype(bool)
    )
    keys, p = share_table(level_share)
    levels = np.asarray(keys, dtype=np.int64)[rng.choice(len(keys), size=n, p=p)]
    chosen = _choose(rng, applicable, np.array([weights[c] for c in names], float), levels, names)
    for k, corruption in enumerate(usable):
        mask = pl.Series("__do", chosen[:, k])
        if not mask.any():
            continue
        work = work.with_columns(
            mask,
            pl.Series(_U1, rng.random(n)),
            pl.Series(_U2, rng.random(n)),
            pl.Series(_U3, rng.random(n)),
        )
        rewrites = corruption.rewrite(set(work.columns))
        work = work.with_columns(
            pl.when("__do").then(expr).otherwise(pl.col(column)).alias(column)
            for column, expr in rewrites.items()
        )
    applied = pl.DataFrame({name: chosen[:, k] for k, name in enumerate(names)})
    labels = pl.concat_str(
        [pl.when(pl.col(name)).then(pl.lit(name)) for name in names],
        separator=";",
        ignore_nulls=True,
    )
    summary = applied.select(
        corruption_level=pl.sum_horizontal(names).cast(pl.Int64), corruptions=labels
    )
    return pl.concat([work.select(frame.columns), summary], how="horizontal")
