"""Compare candidate lists from different implementations, whatever their container.

A list may come as a polars or pandas frame or as a CSV/parquet file; reason codes as a
`;`-joined string or a list; dates as dates, timestamps or ISO text; flags as booleans or
`true`/`True` text; "nothing" as null, NaN or an empty string. `canonical_rows` turns any of
these into the same sorted tuples, so that two lists are the same exactly when their rows are.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

# The contract's columns (CONTRACT §3) that every implementation must agree on.
LIST_COLUMNS: tuple[str, ...] = (
    "person_id",
    "dwp_record_id",
    "initiative",
    "tier",
    "reason_codes",
    "eligible_from",
    "already_funded",
)

Row = tuple[Any, ...]


def _missing(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _text(value: Any) -> str | None:
    return None if _missing(value) else str(value)


def _reasons(value: Any) -> str:
    if _missing(value):
        return ""
    if isinstance(value, str):
        return ";".join(sorted(value.split(";")))
    return ";".join(sorted(str(v) for v in value))


def _day(value: Any) -> str | None:
    if _missing(value):
        return None
    if isinstance(value, datetime):  # also pandas Timestamp
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def _flag(value: Any) -> bool | None:
    if _missing(value):
        return None
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


_CANONICAL = {
    "person_id": _text,
    "dwp_record_id": _text,
    "initiative": _text,
    "tier": _text,
    "reason_codes": _reasons,
    "eligible_from": _day,
    "already_funded": _flag,
}


def _columns(frame: Any) -> dict[str, list[Any]]:
    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    if isinstance(frame, pl.DataFrame):
        return {c: frame[c].to_list() for c in frame.columns}
    return {c: frame[c].tolist() for c in frame.columns}  # pandas


def read_list(path: Path) -> pl.DataFrame:
    """A list written as CSV (all text) or parquet."""
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    return pl.read_csv(path, infer_schema=False)


def canonical_rows(frame: Any, columns: tuple[str, ...] = LIST_COLUMNS) -> list[Row]:
    """The rows of a list (polars or pandas frame, or a file path) as sorted plain tuples of
    `columns`; a column the list lacks reads as missing everywhere."""
    if isinstance(frame, str | Path):
        frame = read_list(Path(frame))
    data = _columns(frame)
    height = len(next(iter(data.values()), []))
    values = [[_CANONICAL[c](v) for v in data.get(c, [None] * height)] for c in columns]
    rows = list(zip(*values, strict=True)) if values else []
    return sorted(rows, key=lambda row: tuple((v is None, str(v)) for v in row))


@dataclass(frozen=True)
class ListDifference:
    """How two lists differ: rows only in one or the other (a few of each shown)."""

    left: str
    right: str
    left_rows: int
    right_rows: int
    only_left: list[Row]
    only_right: list[Row]

    @property
    def same(self) -> bool:
        return not self.only_left and not self.only_right

    def summary(self, shown: int = 5) -> str:
        if self.same:
            return f"{self.left} and {self.right}: the same {self.left_rows} rows"
        return (
            f"{self.left} ({self.left_rows} rows) and {self.right} ({self.right_rows} rows) "
            f"differ: {len(self.only_left)} rows only in {self.left}, e.g. "
            f"{self.only_left[:shown]}; {len(self.only_right)} only in {self.right}, e.g. "
            f"{self.only_right[:shown]}"
        )


def compare_lists(
    left: Any,
    right: Any,
    names: tuple[str, str] = ("left", "right"),
    columns: tuple[str, ...] = LIST_COLUMNS,
) -> ListDifference:
    """Compare two lists (frames or files) on `columns`, as multisets of rows."""
    a, b = canonical_rows(left, columns), canonical_rows(right, columns)
    in_a, in_b = Counter(a), Counter(b)
    only_left = sorted((in_a - in_b).elements(), key=str)
    only_right = sorted((in_b - in_a).elements(), key=str)
    return ListDifference(names[0], names[1], len(a), len(b), only_left, only_right)
