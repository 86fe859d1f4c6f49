"""Helpers the report notebooks call: the run's folders, a profile of the data loaded, frames
shown as plain tables. Notebooks import them from here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from workbench.data.reading import LoadedData
from workbench.paths import project_path

__all__ = ["ReadableTable", "RunFolders", "data_profile", "readable", "run_folders"]


def data_profile(data: LoadedData) -> pl.DataFrame:
    """One row per column of every table loaded: type, rows, empty cells, and for dates the
    first and last month (months, not days: a single earliest birth date would point to one
    person)."""
    rows = []
    for table, frame in data.tables.items():
        for column, dtype in frame.schema.items():
            series = frame.get_column(column)
            is_date = dtype == pl.Date
            rows.append(
                {
                    "table": table,
                    "column": column,
                    "type": str(dtype),
                    "rows": frame.height,
                    "empty": series.null_count(),
                    "first_month": _month(series.min()) if is_date else None,
                    "last_month": _month(series.max()) if is_date else None,
                }
            )
    schema = {
        "table": pl.String,
        "column": pl.String,
        "type": pl.String,
        "rows": pl.Int64,
        "empty": pl.Int64,
        "first_month": pl.String,
        "last_month": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


@dataclass(frozen=True)
class ReadableTable:
    """A frame shown in a report as a plain table: empty cells blank, text unquoted, numbers
    right-aligned (polars' own rendering quotes text and adds types, meant for analysts)."""

    frame: pl.DataFrame

    def __repr__(self) -> str:
        return repr(self.frame)

    def _repr_html_(self) -> str:
        numeric = [dtype.is_numeric() for dtype in self.frame.dtypes]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.frame.columns)
        body = "".join(
            "<tr>" + "".join(map(_cell, row, numeric)) + "</tr>" for row in self.frame.iter_rows()
        )
        return (
            f'<table class="workbench"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        )


def _cell(value: object, numeric: bool) -> str:
    text = "" if value is None else html.escape(str(value))
    return f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>"


def readable(frame: pl.DataFrame) -> ReadableTable:
    """Wrap a frame so a notebook shows it as a plain table (the last line of a cell)."""
    return ReadableTable(frame)


def _month(day: date | None) -> str | None:
    return None if day is None else day.strftime("%Y-%m")


@dataclass(frozen=True)
class RunFolders:
    """A notebook run's folders: ``shareable/`` for what may be published, ``restricted/``
    (owner-only) for anything that names a person."""

    root: Path
    shareable: Path
    restricted: Path


def run_folders(output_dir: str | Path) -> RunFolders:
    """Make (if needed) and return the run folder's ``shareable/`` and ``restricted/``
    (owner-only). A relative `output_dir` is under the project root when the notebook runs in
    ``notebooks/`` (`workbench.paths.project_path`)."""
    root = project_path(output_dir)
    shareable, restricted = root / "shareable", root / "restricted"
    shareable.mkdir(parents=True, exist_ok=True)
    restricted.mkdir(mode=0o700, parents=True, exist_ok=True)
    restricted.chmod(0o700)
    return RunFolders(root=root, shareable=shareable, restricted=restricted)
