"""CSV cells a spreadsheet would run as a formula, made inert, and read back exactly; and a
spreadsheet's row numbers in words (`rows_text`), for messages about a file's rows.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is taken by Excel,
LibreOffice and Google Sheets as a formula (OWASP, "CSV Injection"): a name such as
`=HYPERLINK("http://x","y")` in a council's extract would run when an officer opens the list.
Every CSV the workbench writes for a person to open goes through `neutralised`: such a text
cell gets one leading apostrophe (`'=HYPERLINK(...)`), which spreadsheets show as text. Numbers,
dates and parquet files are left alone.

The change can be undone exactly: `restored` removes one leading apostrophe from a cell that
begins with apostrophes followed by one of those characters. To keep that exact, a value that
already begins that way (`'=x`) gets one more apostrophe too. The workbench reads its own CSVs
back through `restored`.

Example
-------
>>> frame = pl.DataFrame({"name": ["=1+1", "Ada", "-2", "'=x"], "n": [-1, 2, 3, 4]})
>>> neutralised(frame)["name"].to_list()
["'=1+1", 'Ada', "'-2", "''=x"]
>>> restored(neutralised(frame)).equals(frame)
True
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

__all__ = ["FORMULA_START", "neutralised", "restored", "rows_text"]

# Apostrophes, then a character a spreadsheet starts a formula with.
FORMULA_START = r"^'*[=+\-@\t\r]"
_ESCAPED = r"^'+[=+\-@\t\r]"


def _text_columns(frame: pl.DataFrame) -> list[str]:
    return [name for name, dtype in frame.schema.items() if dtype == pl.String]


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every text cell that a spreadsheet would read as a formula prefixed by an
    apostrophe; other cells and non-text columns unchanged."""
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in _text_columns(frame)
    )


def restored(frame: pl.DataFrame) -> pl.DataFrame:
    """The inverse of `neutralised`, for a CSV the workbench wrote, read back as text."""
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_ESCAPED))
        .then(pl.col(name).str.slice(1))
        .otherwise(pl.col(name))
        .alias(name)
        for name in _text_columns(frame)
    )


def rows_text(rows: Iterable[int]) -> str:
    """Row numbers in words, in order, runs joined: ``row 4``, ``rows 2 to 5 and 9``. One
    line can then name every row a message is about (a check import's problem, a workbook's
    decision read as another spelling).

    >>> rows_text([4]), rows_text([9, 2, 3, 4, 5, 11, 12, 4])
    ('row 4', 'rows 2 to 5, 9 and 11 to 12')
    """
    runs: list[list[int]] = []
    for row in sorted(set(rows)):
        if runs and row == runs[-1][-1] + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    parts = [f"{run[0]}" if len(run) == 1 else f"{run[0]} to {run[-1]}" for run in runs]
    if len(parts) == 1 and len(runs[0]) == 1:
        return f"row {parts[0]}"
    return "rows " + (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1])
