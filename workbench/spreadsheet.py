"""CSV cells a spreadsheet would run as a formula, made inert, and read back exactly.

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

import polars as pl

__all__ = ["FORMULA_START", "neutralised", "restored"]

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
