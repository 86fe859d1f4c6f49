"""Bad rows of every kind the loader must quarantine, and a manifest of what was injected.

`make_messy` turns clean canonical tables into text tables carrying a handful of each kind of
bad row (rates.yaml `messy.rows_per_kind`): a bad date, an impossible date, a UK date in an
ISO column, an unknown enum value, an empty required field, a duplicated id (a row's id on
another row that differs from it by a day, a pound or a flag: both are quarantined), an end
before its start, text in a decimal column; and postcodes and NINOs in the wrong shape, which
are only warnings.

A bad row is a copy of a real row with one problem, inserted at a random place, so every
quarantined row has exactly one reason and its (row, column) is known; warnings go on
existing rows, which stay accepted. The manifest lists each: table, row (as a spreadsheet
shows it, header = row 1), column, kind (in the loader's words: "bad date", "duplicate id")
and `expected` (`quarantine` or `warning`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, cast

import numpy as np
import polars as pl

from workbench.data.schema import TABLES, Table

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

__all__ = ["MANIFEST_SCHEMA", "Messy", "make_messy"]

MANIFEST_SCHEMA = pl.Schema(
    {
        "table": pl.String,
        "row": pl.Int64,
        "column": pl.String,
        "kind": pl.String,
        "expected": pl.String,
    }
)
FIRST_DATA_ROW = 2  # spreadsheet numbering: the header is row 1
QUARANTINE, WARNING = "quarantine", "warning"

# What people type where a date should be, and dates the calendar does not have.
BAD_DATES = ("not known", "TBC", "31st Jan 2024", "2024.01.31", "2024/01/31", "Sept 2025")
IMPOSSIBLE_DATES = ("2021-02-29", "2023-04-31", "2025-02-30", "2024-13-01", "2022-06-31")
NOT_NUMBERS = ("n/a", "unknown", "£12k", "15 hrs", "1e5", "twelve thousand")
NOT_BOOLEANS = ("maybe", "2", "unknown", "yes please", "-")
UNKNOWN_VALUES: dict[str, tuple[str, ...]] = {
    "role": ("guardian", "carer", "parent"),
    "benefit": ("child_benefit", "pip", "universal credit"),
    "status": ("child_in_need", "child_protection_plan", "cin"),
    "funding_stream": ("30_hours", "eypp", "two year old"),
}
# Wrong shapes that stay wrong after the loader's normalising (case, spaces).
BAD_SHAPES: dict[str, tuple[str, ...]] = {
    "postcode": ("NFA", "FQ1", "UNKNOWN", "FQ12 34AB", "FQ1 2"),
    "nino": ("QQ123456C", "AB12345", "TN123456A", "AB 12 34 56", "NOT KNOWN"),
}
WARNING_KINDS = {"postcode": "postcode shape", "nino": "nino shape"}
# The furthest an injected end date falls before its start.
MAX_DAYS_BEFORE_START = 400

_KEY, _SOURCE, _KIND = "__key", "__source_id", "__kind"
# Original rows are keyed 0, 1, 2...; a copy goes half-way between two, nudged to stay unique.
_BETWEEN, _STEP = 0.5, 1e-6


@dataclass(frozen=True)
class Messy:
    """Text tables with bad rows, the ground truth updated for them, and the manifest."""

    tables: dict[str, pl.DataFrame]
    ground_truth: pl.DataFrame
    manifest: pl.DataFrame


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str]) -> str:
    return options[int(rng.integers(0, len(options)))]


def _columns(table: Table, dtype: str) -> list[str]:
    return [c.name for c in table.columns if c.dtype == dtype]


def _problems(table: Table, frame: pl.DataFrame) -> list[tuple[str, list[str]]]:
    """The kinds of bad row this table can carry, each with the columns it may go in."""
    dates = _columns(table, "date")
    required = [c.name for c in table.columns if c.required and c.name != table.id_column]
    kinds = [
        ("bad date", dates),
        ("impossible date", dates),
        # In a required date column the ISO dates always outnumber the UK ones written here,
        # so the loader reads the column as ISO and quarantines exactly these.
        ("mixed date formats", [c for c in dates if table.column(c).required][:1]),
        ("unknown value", [c for c in _columns(table, "enum") if c in UNKNOWN_VALUES]),
        ("empty required field", required),
        ("duplicate id", [table.id_column]),
        ("end before start", [end for _, end in table.date_order]),
        ("not a number", _columns(table, "decimal")),
        ("not true or false", _columns(table, "boolean")),
        # (The references to a person, of awards and statuses, are not injected: the sample
        # councils stay as they were made.)
        ("unknown household", [c for c, _, other in table.references if other == "household_id"]),
    ]
    return [(kind, columns) for kind, columns in kinds if columns]


def _bad_value(
    rng: np.random.Generator, kind: str, row: dict, column: str, table: Table
) -> str | None:
    """The one bad cell a copied row gets."""
    if kind == "bad date":
        return _pick(rng, BAD_DATES)
    if kind == "impossible date":
        return _pick(rng, IMPOSSIBLE_DATES)
    if kind == "mixed date formats":
        return date.fromisoformat(row[column]).strftime("%d/%m/%Y")
    if kind == "unknown value":
        return _pick(rng, UNKNOWN_VALUES[column])
    if kind == "empty required field":
        return None
    if kind == "duplicate id":
        return cast(str | None, row[column])
    if kind == "not true or false":
        return _pick(rng, NOT_BOOLEANS)
    if kind == "unknown household":  # an id no row of the other table has
        return f"{row[column]}X{int(rng.integers(0, 10**9))}"
    if kind == "end before start":
        start = next(s for s, e in table.date_order if e == column)
        days_before = int(rng.integers(1, MAX_DAYS_BEFORE_START))
        return (date.fromisoformat(row[start]) - timedelta(days=days_before)).isoformat()
    return _pick(rng, NOT_NUMBERS)


def _fresh_ids(frame: pl.DataFrame, id_column: str, count: int) -> list[str]:
    """Ids in the table's own pattern (prefix and width), numbered after every id in use."""
    first = frame[id_column][0]
    prefix = first.rstrip("0123456789")
    width = len(first) - len(prefix)
    # After the highest in use: a table holding some ids only (households) has gaps.
    numbers = frame[id_column].str.strip_prefix(prefix).cast(pl.Int64, strict=False)
    highest = cast("int | None", numbers.max())  # polars types a max as any value it may hold
    start = max(frame.height, highest or 0) + 1
    return [f"{prefix}{str(start + i).zfill(width)}" for i in range(count)]


def _bad_copies(
    rng: np.random.Generator, table: Table, frame: pl.DataFrame, per_kind: int
) -> tuple[pl.DataFrame, list[tuple[float, str, str]]]:
    """Copies of random rows, one problem each, keyed to land between the original rows.

    Returns the copies (with their source row's id and their kind) and, for the manifest,
    (key, column, kind) per bad row, the originals of duplicated ids included.
    """
    problems = _problems(table, frame)
    fresh = iter(_fresh_ids(frame, table.id_column, per_kind * len(problems)))
    copies: list[dict] = []
    entries: list[tuple[float, str, str]] = []
    for kind, columns in problems:
        column = _pick(rng, columns)
        candidates = np.flatnonzero(frame[column].is_not_null().to_numpy())
        if kind != "mixed date formats" or candidates.size == 0:
            candidates = np.arange(frame.height)
        # Without replacement where there is room, so a duplicated id appears exactly twice.
        count = min(per_kind, candidates.size) if kind == "duplicate id" else per_kind
        sources = (
            rng.choice(candidates, size=count, replace=False)
            if candidates.size >= count
            else candidates[rng.integers(0, candidates.size, count)]
        )
        for source in sources:
            row = frame.row(int(source), named=True)
            copy = dict(row)
            copy[_SOURCE] = row[table.id_column]
            copy[_KIND] = kind
            copy[column] = _bad_value(rng, kind, row, column, table)
            if kind == "duplicate id":
                _differ(copy, table)
                entries.append((float(source), column, kind))
            elif column != table.id_column:  # an unknown household keeps its bad id
                copy[table.id_column] = next(fresh)
            # Between two original rows; the tiny step keeps every key distinct.
            copy[_KEY] = int(rng.integers(0, frame.height)) + _BETWEEN + len(copies) * _STEP
            entries.append((copy[_KEY], column, kind))
            copies.append(copy)
    schema: dict[str, PolarsDataType] = {
        **frame.schema,
        _SOURCE: pl.String,
        _KIND: pl.String,
        _KEY: pl.Float64,
    }
    return pl.DataFrame(copies, schema=schema, orient="row"), entries


def _differ(copy: dict, table: Table) -> None:
    """Make a duplicated id's copy differ from its original in one more cell, still valid: an
    id given to two different records, which the loader cannot choose between (a row repeated
    exactly is read once). A start or birth date a day earlier, else a sum one more, else a flag
    turned."""
    ends = {end for _, end in table.date_order}
    for column in table.columns:
        value = copy.get(column.name)
        if value is None or column.name == table.id_column:
            continue
        if column.dtype == "date" and column.name not in ends:
            copy[column.name] = (date.fromisoformat(value) - timedelta(days=1)).isoformat()
            return
        if column.dtype == "decimal":
            copy[column.name] = str(float(value) + 1)
            return
        if column.dtype == "boolean" and str(value) in {"true", "false"}:
            copy[column.name] = "false" if str(value) == "true" else "true"
            return
    raise AssertionError(f"{table.name}: no cell to make a duplicated id's copy differ in")


def _warnings(
    rng: np.random.Generator, table: Table, frame: pl.DataFrame, per_kind: int, keep: set[int]
) -> tuple[pl.DataFrame, list[tuple[float, str, str]]]:
    """Postcodes and NINOs in the wrong shape, on existing rows (not those in `keep`)."""
    entries: list[tuple[float, str, str]] = []
    free = np.setdiff1d(np.arange(frame.height), np.fromiter(keep, dtype=np.int64, count=len(keep)))
    for column in table.columns:
        if column.normalise not in BAD_SHAPES or free.size == 0:
            continue
        rows = rng.choice(free, size=min(per_kind, free.size), replace=False)
        free = np.setdiff1d(free, rows)
        values = [_pick(rng, BAD_SHAPES[column.normalise]) for _ in rows]
        frame = frame.with_columns(frame[column.name].scatter(rows, values))
        entries += [(float(r), column.name, WARNING_KINDS[column.normalise]) for r in sorted(rows)]
    return frame, entries


def _truth_for(
    name: str, copies: pl.DataFrame, truth: pl.DataFrame, warned: dict[str, str], table: Table
) -> pl.DataFrame:
    """The ground truth with bad copies added and duplicated or warned records marked."""
    source = truth.filter(pl.col("source") == name)
    new = (
        copies.filter(pl.col(_KIND) != "duplicate id")
        .select(pl.col(table.id_column).alias("new_id"), pl.col(_SOURCE).alias("record_id"), _KIND)
        .join(source.drop("messy"), on="record_id", how="left", maintain_order="left")
        .select(
            *(
                pl.col("new_id").alias(c) if c == "record_id" else pl.col(c)
                for c in source.columns
                if c != "messy"
            ),
            pl.col(_KIND).alias("messy"),
        )
    )
    marks = {
        **warned,
        **dict(copies.filter(pl.col(_KIND) == "duplicate id").select(_SOURCE, _KIND).iter_rows()),
    }
    marked = source.with_columns(
        messy=pl.col("record_id").replace_strict(
            marks, default=pl.col("messy"), return_dtype=pl.String
        )
    )
    return pl.concat([marked, new.select(source.columns)])


def make_messy(
    tables: dict[str, pl.DataFrame],
    ground_truth: pl.DataFrame,
    rng: np.random.Generator,
    per_kind: int,
) -> Messy:
    """Inject `per_kind` bad rows of each kind into every non-empty canonical table."""
    out: dict[str, pl.DataFrame] = {}
    manifest: list[pl.DataFrame] = []
    truth_parts = [ground_truth.filter(~pl.col("source").is_in(["dwp_list", "funded_places"]))]
    for name, table in TABLES.items():
        if name not in tables:
            continue
        frame = tables[name].with_columns(pl.all().cast(pl.String))
        if frame.is_empty():
            out[name] = frame
            if name in ("dwp_list", "funded_places"):
                truth_parts.append(ground_truth.filter(pl.col("source") == name))
            continue
        copies, entries = _bad_copies(rng, table, frame, per_kind)
        duplicated = {int(k) for k, _, kind in entries if kind == "duplicate id" and k == int(k)}
        frame, warned = _warnings(rng, table, frame, per_kind, duplicated)
        combined = (
            pl.concat(
                [
                    frame.with_columns(pl.int_range(pl.len()).cast(pl.Float64).alias(_KEY)),
                    copies.drop(_SOURCE, _KIND),
                ]
            )
            .sort(_KEY)
            .with_columns(pl.int_range(FIRST_DATA_ROW, pl.len() + FIRST_DATA_ROW).alias("__row"))
        )
        rows = dict(combined.select(_KEY, "__row").iter_rows())
        listed = [(rows[k], c, kind, QUARANTINE) for k, c, kind in entries]
        listed += [(rows[k], c, kind, WARNING) for k, c, kind in warned]
        manifest.append(
            pl.DataFrame([(name, *entry) for entry in listed], schema=MANIFEST_SCHEMA, orient="row")
        )
        out[name] = combined.drop(_KEY, "__row")
        if name in ("dwp_list", "funded_places"):
            warned_ids = {frame[table.id_column][int(k)]: kind for k, _, kind in warned}
            truth_parts.append(_truth_for(name, copies, ground_truth, warned_ids, table))
    return Messy(
        tables=out,
        ground_truth=pl.concat(truth_parts),
        manifest=pl.concat([pl.DataFrame(schema=MANIFEST_SCHEMA), *manifest]).sort(
            "table", "row", "column"
        ),
    )
