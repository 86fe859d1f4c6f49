"""Source profiles: a council's own extract read onto the data contract, without editing it.

A profile is a YAML file that says, for each contract table, which file it comes from and
which of that file's columns (or which small derivation of them) gives each contract column,
how its dates are written, and how its codes map onto the contract's values::

    version: 1
    date_format: "%d/%m/%Y"            # the default for every date column
    tables:
      people:
        file: "Client Index*.csv"      # a name or a glob inside the data folder: one match
        columns:
          person_id: Client ID         # a column of the file (case and spaces ignored)
          forename: First Name
          date_of_birth: DOB
          postcode: Post Code
          address_line_1: {split: {column: Address, separator: ",", index: 0}}
          role:
            column: Relationship
            values: {Parent/Carer: parent_carer, Mother: parent_carer, Child: child}
      benefits:
        file: benefits_extract.csv
        columns:
          benefit:
            column: Benefit Type
            values: {Universal Credit: universal_credit, UC: universal_credit,
                     JSA(IB): jsa_income_based}

A column entry is either a column name or one of: ``{column: NAME}``, ``{concat: [NAME or
{text: "..."}, ...], separator: " "}``, ``{split: {column, separator, index}}`` (index 0 is the
first part, -1 the last), ``{coalesce: [NAME, ...]}`` (the first filled in: a cell of spaces or
a placeholder such as ``N/A``, ``NULL`` or ``-``, `clean.PLACEHOLDERS`, is not), ``{pad:
{column: NAME, width: N}}`` (a value of digits alone given leading zeros up to N digits: an id
Excel held as a number, ``24`` for ``0000024``) or ``{value: "..."}`` (the same on every row).
Each may add ``values`` (a value map, for enum and true/false columns: the council's spelling,
matched ignoring case and runs of space, to the contract's value) and, for a date column,
``date_format`` (strftime: ``%d``, ``%m``, ``%b``, ``%B``, ``%Y`` and literal separators, then
optionally a time of day, ``%H:%M``, ``%H:%M:%S``, ``%H:%M:%S%.f`` or ``%I:%M %p``, which must
be a real time and is dropped, the date kept; two-digit years are refused as ambiguous).
That is the whole expression language: a profile is data, never code, so reading one cannot
run anything.

A contract column the profile does not name is looked for under its own name, as without a
profile; a table the profile does not name is read from its contract file (``people.csv``).
Money may carry a pound sign and thousands commas (``£15,400.50``, ``£-50``, ``£ 1,200.00``)
with or without a profile.

Nothing is guessed: a value the map does not hold is quarantined with the value shown (even
one the contract itself would read, `true` or `child`: the map may mean otherwise), and
the quarantine names the SOURCE file, its spreadsheet row and the SOURCE column (``DOB``, not
date_of_birth), so that the council can find the cell. A row quarantined for a derived column
shows the source cells it was made from (``3 + x + 2020`` for ``Day + Month + Year``), never
quoting a column also read for a special-category one (`with_source_values`).

A table may instead come from a database: ``connection`` (the name of an environment variable
or a file outside the repository holding a database URI, never the URI itself) and ``query``
(the SQL that returns the table) instead of ``file`` (`workbench.data.database`).

A CSV file is read as UTF-8 (with or without a byte-order mark). One written in Windows-1252,
as Excel's "CSV (Comma delimited)" and many older case-management systems write it, is read
with ``encoding: windows-1252`` beside its ``file``; without it, the first character in
another encoding stops the load, naming its row and column. Nothing guesses the encoding.
A profile may also name delimited text with another separator or name: ``separator: ";"``
(or a tab, ``"\t"``, or a pipe, ``"|"``) for a file separated so, and a ``.txt`` or ``.tsv``
file (a tab by default) is read as such text. ``number_format: "1.234,56"`` beside such a file
reads its money as European number formats write it (a decimal comma, points between
thousands); ``"1,234.56"`` says it writes numbers as the contract does. Unsaid, an amount
with three decimal places (``1.234``: £1.234, or £1,234 written the European way) is
quarantined, never guessed.

Example
-------
>>> profile = parse_profile({"version": 1, "tables": {"people": {"file": "clients.csv",
...     "columns": {"forename": "First Name"}}}}, "example.yaml")
>>> profile.tables["people"].file
'clients.csv'
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal
from xml.etree import ElementTree

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from workbench.data import clean
from workbench.data.checks import (
    BOOLEAN_WORDS,
    FIRST_DATA_ROW,
    ISO_DATE,
    UK_DATE,
    DateFormat,
    first_match,
)
from workbench.data.schema import TABLES, Column, Table
from workbench.errors import DataFileError, WorkbenchError

if TYPE_CHECKING:
    from workbench.data.database import DatabaseTable

__all__ = [
    "EXAMPLE_PROFILES",
    "PROFILE_ENV",
    "ColumnSource",
    "Profile",
    "ProfileError",
    "TablePlan",
    "TableSource",
    "active_profile",
    "duplicated_headers",
    "header_key",
    "header_line",
    "load_profile",
    "made_as",
    "made_in",
    "one_column_twice",
    "one_valued_flags",
    "parse_profile",
    "sheet_first_column",
    "using_profile",
    "value_key",
    "with_placeholder_hints",
    "with_source_values",
    "workbook_sheets",
    "xlsx_first_column",
    "xlsx_header_row",
]

# Where `--profile` puts the profile for the command's duration: every load of a data folder in
# the process (and in a notebook a `report` runs) reads through it.
PROFILE_ENV = "WORKBENCH_PROFILE"
# Worked profiles shipped with the package, to copy and adapt.
EXAMPLE_PROFILES = Path(__file__).parents[1] / "reference" / "profiles"
_SOURCE_KINDS = ("column", "concat", "split", "coalesce", "pad", "value")
# A date format's directives: (the shape of what each reads, its label for people).
_DATE_DIRECTIVES = {
    "d": (r"\d{1,2}", "dd"),
    "m": (r"\d{1,2}", "mm"),
    "Y": (r"\d{4}", "yyyy"),
    "b": ("[A-Za-z]{3}", "Mon"),
    "B": ("[A-Za-z]{3,9}", "Month"),
}
# A time of day after the date, as database and spreadsheet exports write a date
# (`05/03/2024 00:00`): read to check it is a time, then dropped, the date kept (`%.f`: any
# fraction of a second, or none, as `00:00:00.000`).
_TIME_DIRECTIVES = {
    "H": (r"\d{1,2}", "hh"),
    "I": (r"\d{1,2}", "hh"),
    "M": (r"\d{2}", "mm"),
    "S": (r"\d{2}", "ss"),
    "p": ("(?i:am|pm)", "am/pm"),
    ".f": (r"(?:\.\d+)?", ".fff"),
}
_FORMATS = (".csv", ".parquet", ".xlsx")
# Delimited text under another name, read like a CSV file when a profile names it.
TEXT_SUFFIXES = (".txt", ".tsv")
_DELIMITED = (".csv", *TEXT_SUFFIXES)
# What only delimited text may say (a workbook's or parquet file's numbers are numbers).
_TEXT_KEYS = ("encoding", "separator", "number_format")
_SHEET_KEYS = ("sheet", "header_row")  # what an Excel workbook may say (header_row: text too)


class ProfileError(WorkbenchError):
    """A profile that cannot work; the message names the profile file and the entry
    (``tables.people.columns.date_of_birth``)."""

    def __init__(self, profile: str | Path, where: str, message: str) -> None:
        self.profile = str(profile)
        self.where = where
        super().__init__(f"profile {profile}: {where + ': ' if where else ''}{message}")


def header_key(header: str) -> str:
    """How a header is matched to a name: case, surrounding space and `-`/space runs ignored
    ("Date of Birth" and "date_of_birth" match)."""
    return "_".join(header.strip().lower().replace("-", " ").split())


# The coded columns whose codes a value map may map to nothing (`~`): an award or a status
# the rules never read (Carer's Allowance, PIP), which the extract holds anyway. Their rows are
# quarantined as out of scope, counted, and do not fail `validate --strict`; a person, a
# household or a place is never set aside so.
OUT_OF_SCOPE_COLUMNS = frozenset({("benefits", "benefit"), ("child_statuses", "status")})
# What follows a cell the contract would read (`true`, `child`) that a value map does not list,
# between the mapping and the quarantine (`TablePlan.mapped_values`, `relabelled`): the
# checks then quarantine it as a code the map lacks, as the council may mean by it another
# value than the contract does. Said in words, should it ever be shown.
UNLISTED = " (not in the profile's value map)"
NOT_MAPPED_REASON = "'{}' is not in the profile's value map ({}, which maps {}): add it there"
OUT_OF_SCOPE_REASON = (
    "'{}' is out of the rules' scope: the profile maps it to nothing ({}), so the row counts "
    "for nothing"
)


def duplicated_headers(headers: list[str]) -> dict[str, list[int]]:
    """The headers of a file that read as one column (`header_key`: case and spacing aside)
    more than once, each with its columns' numbers (from 1)."""
    numbers: dict[str, list[int]] = {}
    for number, header in enumerate(headers, start=1):
        numbers.setdefault(header_key(header), []).append(number)
    return {key: found for key, found in numbers.items() if len(found) > 1}


def one_column_twice(headers: list[str], numbers: list[int], first_column: int = 0) -> str:
    """How two columns under one name are said: "columns 4 and 6 ('surname') are one
    column twice". For a sheet (`first_column` given: the sheet's column of the first
    header, from 1, `xlsx_first_column`) the columns are named by their letters as the
    spreadsheet shows them: "columns D and F" of a table starting in column A, "columns E
    and G" of one starting in column B."""
    written = list(dict.fromkeys(headers[n - 1] for n in numbers))
    both = " and ".join(repr(w) for w in written)
    counted = " and ".join(
        column_letters(first_column + n - 1) if first_column else str(n) for n in numbers
    )
    many = "twice" if len(numbers) == 2 else f"{len(numbers)} times"
    return f"columns {counted} ({both}) are one column {many}"


def value_key(value: str) -> str:
    """How a value is matched to a value map's spelling: case and runs of space ignored."""
    return " ".join(value.lower().split())


# --- the file's shape, checked with pydantic ----------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A literal piece of a `concat`: ``{text: "-"}``."""

    text: str


class Split(_Strict):
    """The `index`-th part of `column` cut at `separator` (0 the first, -1 the last)."""

    column: str = Field(min_length=1)
    separator: str = Field(min_length=1)
    index: int


class Pad(_Strict):
    """`column` with each value of digits alone given leading zeros up to `width` digits:
    ids Excel held as numbers (`24` for `0000024`), read as the other files write them."""

    column: str = Field(min_length=1)
    width: int = Field(ge=2, le=30)


class ColumnSource(_Strict):
    """Where one contract column comes from: exactly one of the six sources, then
    optionally a value map and a date format."""

    column: str | None = Field(default=None, min_length=1)
    concat: list[str | Text] | None = Field(default=None, min_length=1)
    separator: str = " "
    split: Split | None = None
    coalesce: list[str] | None = Field(default=None, min_length=1)
    pad: Pad | None = None
    value: str | None = None
    values: dict[str, str | bool | None] | None = Field(default=None, min_length=1)
    date_format: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ColumnSource:
        given = [k for k in _SOURCE_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            shown = ", ".join(given) if given else "none"
            raise ValueError(f"give exactly one of {', '.join(_SOURCE_KINDS)}; got {shown}")
        return self

    def source_columns(self) -> list[str]:
        """The file's columns this entry reads, in order."""
        if self.column is not None:
            return [self.column]
        if self.concat is not None:
            return [p for p in self.concat if isinstance(p, str)]
        if self.split is not None:
            return [self.split.column]
        if self.pad is not None:
            return [self.pad.column]
        return list(self.coalesce or [])


def made_as(source: ColumnSource) -> str:
    """How a column entry makes its value, in words, for a reason naming an id a profile
    builds: ``'P' + Client No`` for ``{concat: [{text: P}, Client No], separator: ''}``.

    Example
    -------
    >>> made_as(ColumnSource(concat=[Text(text="H"), "Area", "Seq"], separator="-"))
    "'H' + Area + Seq, with '-' between"
    >>> made_as(ColumnSource(pad=Pad(column="Person Ref", width=7)))
    'Person Ref given leading zeros up to 7 digits'
    """
    if source.concat is not None:
        parts = " + ".join(f"'{p.text}'" if isinstance(p, Text) else p for p in source.concat)
        return parts + (f", with '{source.separator}' between" if source.separator else "")
    if source.split is not None:
        split = source.split
        return f"part {split.index} of {split.column}, cut at '{split.separator}'"
    if source.pad is not None:
        return f"{source.pad.column} given leading zeros up to {source.pad.width} digits"
    if source.coalesce is not None and len(source.coalesce) > 1:
        return f"the first filled in of {_and(source.coalesce)}"
    if source.value is not None:
        return f"'{source.value}' on every row"
    return source.source_columns()[0]


def made_in(profile: Path | None, table: str, column: str) -> str | None:
    """How the profile at `profile` makes `table`'s `column`, in words (`made_as`), when it
    makes it otherwise than by reading one column as it is; None when it reads it so, or
    when the profile cannot be read again (one built in Python, never saved)."""
    if profile is None:
        return None
    try:
        source = load_profile(profile).columns.get(table, {}).get(column)
    except WorkbenchError:
        return None
    return made_as(source) if source is not None and source.column is None else None


class TableSource(_Strict):
    """One contract table: the file it comes from and its columns."""

    file: str | None = Field(default=None, min_length=1)
    # A CSV file's text encoding: UTF-8 (the default, with or without a byte-order mark) or
    # Windows-1252, what Excel's "CSV (Comma delimited)" and many older systems write.
    encoding: Literal["utf-8", "windows-1252"] | None = None
    # The character between values: a comma (the default; a tab for a .tsv file), a
    # semicolon, a tab or a pipe, as some systems export.
    separator: Literal[",", ";", "\t", "|"] | None = None
    # How the file writes numbers: a decimal point and commas between thousands (the
    # contract's way), or a decimal comma and points between thousands, as European number
    # formats do. Unsaid, an amount with three decimal places (`1.234`) reads two ways, and
    # is quarantined as such (`workbench.data.checks`).
    number_format: Literal["1,234.56", "1.234,56"] | None = None
    # An Excel workbook's sheet holding the table, by name (default: the first sheet), for a
    # workbook that opens on a notes sheet.
    sheet: str | None = Field(default=None, min_length=1)
    # The row holding the header, as a spreadsheet numbers it, for a sheet or a CSV file with
    # a title or notes above its header (default: a sheet's first row with anything in it, a
    # CSV file's first line); the rows above it are skipped.
    header_row: int | None = Field(default=None, ge=1)
    # Rows of one id alike in every column read (a line the extract's join repeated): each
    # quarantined, as the contract says of a duplicated id (the default), or read `once`.
    repeated_rows: Literal["quarantine", "once"] | None = None
    # Or from a database (workbench.data.database): the connection's NAME and the SQL.
    connection: str | None = None
    query: str | None = None
    date_format: str | None = None
    columns: dict[str, Any] = Field(default_factory=dict)


class _ProfileFile(_Strict):
    version: Literal[1]
    description: str = ""
    date_format: str | None = None
    tables: dict[str, TableSource] = Field(min_length=1)


# --- the profile, checked against the contract ------------------------------------------------


# The mapping works on a table already in memory: polars' in-memory engine does it about a
# third faster than the default (streaming) one (`benchmarks/profile_read.py`, 1M households).
_ENGINE: Final = "in-memory"


@dataclass(frozen=True)
class TablePlan:
    """How one table is read through a profile, once the file's headers are known.

    `columns` are the file's headers to read; `expressions` turn them into the contract's
    columns (as text, or as a typed file holds a plainly mapped column), before the value
    maps `spellings` (contract column -> as the profile writes it -> contract value) are
    applied by `apply`; `labels` say how the source names each contract column (for the
    quarantine); `date_formats` are the formats the profile fixes; `mapped` names the profile
    entry of each value-mapped column; `shown` how a derived column's source cells are shown
    in the quarantine.
    """

    path: Path | DatabaseTable
    columns: list[str]
    expressions: list[pl.Expr]
    labels: dict[str, str]
    date_formats: dict[str, DateFormat]
    mapped: dict[str, str]
    spellings: dict[str, dict[str, str]] = field(default_factory=dict)
    # The codes a value map maps to nothing (`~`), keyed as values are matched: awards or
    # statuses out of the rules' scope, quarantined as such (`relabelled`), not as slips.
    out_of_scope: dict[str, frozenset[str]] = field(default_factory=dict)
    # For each derived column (concat, split, coalesce), its source cells as the quarantine
    # shows them (`with_source_values`), over the file's columns `shown_columns`.
    shown: dict[str, pl.Expr] = field(default_factory=dict)
    # For each column the profile makes otherwise than by reading one column as it is, how
    # (`concat`, `split`, `coalesce`, `pad`, `value`) and from which of the file's columns:
    # the advice on lost leading zeros names the column `pad` can read (`lost_zeros`).
    derivations: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    # For each money column read, how the file writes numbers (the table's `number_format`),
    # or None where the profile does not say (`workbench.data.checks.check_rows`).
    number_formats: dict[str, str | None] = field(default_factory=dict)
    # For each value-mapped column, the codes its map lists, as the profile writes them (those
    # mapped to nothing too): a quarantined code the map lacks is shown beside them.
    codes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # For each value-mapped column, the contract's own values (`true` and `false`, or an
    # enum's): a cell written as one of them that the map does not list is not read as it
    # (`mapped_values`), but quarantined as any code the map lacks.
    contract_values: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def shown_columns(self) -> list[str]:
        """The file's columns the derived columns' source cells are shown from."""
        return sorted({c for e in self.shown.values() for c in e.meta.root_names()})

    @property
    def values(self) -> dict[str, dict[str, str]]:
        """The value maps keyed as values are matched: ignoring case and runs of space."""
        return {n: {value_key(k): v for k, v in m.items()} for n, m in self.spellings.items()}

    def apply(self, raw: pl.DataFrame) -> pl.DataFrame:
        """The file's columns `raw` as the contract's columns: `mapped_values`' table."""
        return self.mapped_values(raw)[0]

    def mapped_values(self, raw: pl.DataFrame) -> tuple[pl.DataFrame, frozenset[str]]:
        """The file's columns `raw` as the contract's columns, in one lazy select, and the
        value-mapped columns whose every value the map wrote (each one of the contract's
        values, or empty: the checks need not test them again).

        The spellings the profile writes are replaced in that select. When a mapped column
        then holds a value the profile does not write exactly, the mapped columns' distinct
        values are found (a coded column has a few): matching every row ignoring case and
        space would cost more than reading the file. Only when a value is written otherwise
        (another case, inner spaces) is the select made again with it in the map; a value
        the profile does not map stays as written, for the checks to quarantine. One the
        map does not list that the contract would read (`true` beside a map of `Yes` and
        `No`, which may mean the opposite: `{'Yes': false, 'No': true}`) is written with
        `UNLISTED` after it, so that the checks quarantine it too; `relabelled` takes the
        mark off again, the quarantine showing the cell as written.
        """
        if not self.spellings:
            return raw.lazy().select(self.expressions).collect(engine=_ENGINE), frozenset()
        by_name = {e.meta.output_name(): e for e in self.expressions}
        # Most often every value is written as the profile writes it: mapped strictly, each
        # mapped column then has no more empty values than its source, and nothing else is
        # needed (finding the distinct values costs a fifth of the mapping again).
        exact = (
            raw.lazy()
            .select(
                e.replace_strict(self.spellings[n], default=None, return_dtype=pl.String).alias(n)
                if n in self.spellings
                else e
                for n, e in by_name.items()
            )
            .collect(engine=_ENGINE)
        )
        if all(
            exact.get_column(n).null_count()
            == raw.get_column(by_name[n].meta.root_names()[0]).null_count()
            for n in self.spellings
        ):
            return exact, frozenset(self.spellings)
        written = {n: {k: v for k, v in m.items() if k != v} for n, m in self.spellings.items()}
        table, distinct = pl.collect_all(
            [
                raw.lazy().select(self._replaced(by_name, written)),
                raw.lazy().select(by_name[n].unique().implode() for n in self.spellings),
            ],
            engine=_ENGINE,
        )
        found = {}
        for name, keyed in self.values.items():
            seen = [v for v in distinct[name][0] if v is not None]
            found[name] = {
                v: keyed[value_key(v)]
                for v in seen
                if value_key(v) in keyed and v != keyed[value_key(v)]
            }
            listed = keyed.keys() | self.out_of_scope.get(name, frozenset())
            own = self.contract_values.get(name, frozenset())
            found[name] |= {
                v: v + UNLISTED
                for v in seen
                if value_key(v) not in listed and v.strip().lower() in own
            }
        if all(set(found[n]) <= set(written[n]) for n in self.spellings):
            return table, frozenset()
        remapped = raw.lazy().select(self._replaced(by_name, found)).collect(engine=_ENGINE)
        return remapped, frozenset()

    @staticmethod
    def _replaced(by_name: dict[str, pl.Expr], maps: dict[str, dict[str, str]]) -> list[pl.Expr]:
        return [e.replace(maps[n]).alias(n) if maps.get(n) else e for n, e in by_name.items()]


@dataclass(frozen=True)
class Profile:
    """A checked profile: its file, SHA-256 and one `TableSource` per table it maps."""

    path: Path
    sha256: str
    tables: dict[str, TableSource]
    columns: dict[str, dict[str, ColumnSource]]
    date_format: str | None = None
    description: str = ""
    _formats: dict[tuple[str, str], DateFormat] = field(default_factory=dict, repr=False)

    def error(self, where: str, message: str) -> ProfileError:
        return ProfileError(self.path, where, message)

    def file_for(self, table: str, folder: Path) -> Path:
        """The one file in `folder` that the profile's `tables.<table>.file` names."""
        pattern = self.tables[table].file or ""
        matches = sorted(
            p for p in folder.glob(pattern) if p.is_file() and not p.name.startswith(".")
        )
        where = f"tables.{table}.file"
        if not matches:
            present = sorted(p.name for p in folder.iterdir() if p.is_file())
            near = difflib.get_close_matches(pattern, present, n=1, cutoff=0.5)
            hint = f": did you mean '{near[0]}'?" if near else ""
            raise self.error(where, f"no file matches '{pattern}' in {folder}{hint}")
        if len(matches) > 1:
            names = ", ".join(p.name for p in matches)
            raise self.error(
                where, f"'{pattern}' matches {len(matches)} files ({names}): name exactly one"
            )
        suffix = matches[0].suffix.lower()
        if suffix not in _FORMATS + TEXT_SUFFIXES:
            raise self.error(
                where,
                f"{matches[0].name} is not a format the workbench reads (.csv, .txt or .tsv "
                "delimited text, .parquet, .xlsx)",
            )
        for key in _TEXT_KEYS:
            if getattr(self.tables[table], key) is not None and suffix not in _DELIMITED:
                raise self.error(
                    f"tables.{table}.{key}",
                    f"{matches[0].name} is not a CSV file: {key} is for delimited text only "
                    "(parquet and Excel files say their own); remove it",
                )
        if self.tables[table].sheet is not None and suffix != ".xlsx":
            raise self.error(
                f"tables.{table}.sheet",
                f"{matches[0].name} is not an Excel workbook: sheet is for .xlsx files only; "
                "remove it",
            )
        if self.tables[table].header_row is not None and suffix not in (".xlsx", *_DELIMITED):
            raise self.error(
                f"tables.{table}.header_row",
                f"{matches[0].name} is not an Excel workbook or delimited text: header_row is "
                "for .xlsx and .csv (.txt, .tsv) files only; remove it",
            )
        return matches[0]

    def sheet_for(self, table: str) -> str | None:
        """The sheet of `table`'s Excel workbook the profile names; None: the first."""
        source = self.tables.get(table)
        return source.sheet if source is not None else None

    def reads_repeats_once(self, table: str) -> bool:
        """Whether `table`'s rows repeated exactly are read once (`repeated_rows: once`)."""
        source = self.tables.get(table)
        return source is not None and source.repeated_rows == "once"

    def header_row_for(self, table: str) -> int | None:
        """The row of `table`'s sheet holding its header, as the profile says (spreadsheet
        numbering); None: the first row with anything in it."""
        source = self.tables.get(table)
        return source.header_row if source is not None else None

    def encoding_for(self, table: str) -> str:
        """The text encoding of `table`'s CSV file: ``utf-8`` unless the profile says."""
        source = self.tables.get(table)
        return source.encoding if source is not None and source.encoding else "utf-8"

    def separator_for(self, table: str, path: Path) -> str:
        """The separator of `table`'s delimited text file `path`: the profile's, else a tab
        for a .tsv file and a comma for any other."""
        source = self.tables.get(table)
        if source is not None and source.separator:
            return source.separator
        return default_separator(path)

    def source_for(self, table: str, folder: Path) -> Path | DatabaseTable:
        """Where `tables.<table>` comes from: the file in `folder` it names, or its query
        (`workbench.data.database.DatabaseTable`)."""
        if self.tables[table].query is not None:
            from workbench.data.database import DatabaseTable

            return DatabaseTable.of(self, table, folder)
        return self.file_for(table, folder)

    def plan(
        self, table: Table, path: Path | DatabaseTable, headers: list[str], wanted: tuple[str, ...]
    ) -> TablePlan:
        """The columns to read from `path` and how to turn them into `wanted` contract columns;
        a ProfileError naming the entry whose column the file lacks."""
        by_key: dict[str, str] = {}
        for written in headers:
            by_key.setdefault(header_key(written), written)
        entries = self.columns.get(table.name, {})

        twice = duplicated_headers(headers)

        def header(name: str, where: str) -> str:
            if name in headers and headers.count(name) == 1:
                return name  # named exactly as written: one column, though another reads alike
            if header_key(name) in twice:
                raise _read_twice(name, twice[header_key(name)], where)
            if header_key(name) in by_key:
                return by_key[header_key(name)]
            near = difflib.get_close_matches(name, headers, n=1, cutoff=0.6)
            hint = f": did you mean '{near[0]}'?" if near else ""
            shown = ", ".join(headers) if headers else "none"
            sheets = _sheet_hint(path, self.tables[table.name].sheet, table.name)
            raise self.error(
                where,
                f"column '{name}' is not in {path.name}{hint} (its columns: {shown}){sheets}",
            )

        def _read_twice(name: str, numbers: list[int], where: str) -> DataFileError:
            """A column the profile reads that the file holds twice under one name."""
            column = where.rsplit(".", 1)[-1]
            written = list(dict.fromkeys(headers[n - 1] for n in numbers))
            fix = (
                "keep one in the file, or rename the other"
                if len(written) == 1
                else "name one in the profile exactly as written ("
                + " or ".join(repr(w) for w in written)
                + "), or keep one in the file"
            )
            source = self.tables[table.name]
            return DataFileError(
                path if isinstance(path, Path) else path.name,
                f"{one_column_twice(headers, numbers, sheet_first_column(path, source.sheet))}"
                ", and the profile reads it for "
                f"{column} ({where}): {fix}",
                row=header_line(path, source.sheet, source.header_row),
                column=headers[numbers[0] - 1],
            )

        read: list[str] = []
        expressions: list[pl.Expr] = []
        labels: dict[str, str] = {}
        formats: dict[str, DateFormat] = {}
        mapped: dict[str, str] = {}
        spellings: dict[str, dict[str, str]] = {}
        out_of_scope: dict[str, frozenset[str]] = {}
        shown: dict[str, pl.Expr] = {}
        derivations: dict[str, tuple[str, tuple[str, ...]]] = {}
        number_formats: dict[str, str | None] = {}
        codes: dict[str, tuple[str, ...]] = {}
        contract_values: dict[str, frozenset[str]] = {}
        # A column read for a special-category contract column is never quoted.
        hidden = {
            c if c in headers else by_key[header_key(c)]
            for n, entry in entries.items()
            if table.column(n).special_category
            for c in entry.source_columns()
            if c in headers or header_key(c) in by_key
        }
        for name in wanted:
            column = table.column(name)
            where = f"tables.{table.name}.columns.{name}"
            source = entries.get(name)
            if source is None:
                if header_key(name) not in by_key:
                    if column.required and not _numbered_by_loader(table, name):
                        raise self.error(
                            where,
                            f"required column '{name}' is not mapped and {path.name} has no "
                            f"column of that name: map it to one of its columns",
                        )
                    continue
                source = ColumnSource(column=by_key[header_key(name)])
            found = [header(c, where) for c in source.source_columns()]
            read += [c for c in found if c not in read]
            expression, label = _derived(source, found, name)
            if source.values is not None:
                spellings[name] = {
                    str(k): _contract_value(v, column)
                    for k, v in source.values.items()
                    if v is not None
                }
                nothing = {value_key(str(k)) for k, v in source.values.items() if v is None}
                if nothing:
                    out_of_scope[name] = frozenset(nothing)
                mapped[name] = f"{where}.values"
                codes[name] = tuple(str(k) for k in source.values)
                contract_values[name] = frozenset(
                    column.allowed or () if column.dtype == "enum" else ("true", "false")
                )
            expressions.append(expression.alias(name))
            labels[name] = label
            if source.column is None:
                kind = next(k for k in _SOURCE_KINDS if getattr(source, k) is not None)
                derivations[name] = (kind, tuple(found))
            if source.column is None and source.value is None:
                joiner = " or " if source.coalesce is not None else " + "
                shown[name] = _source_cells(found, joiner, hidden)
            if (table.name, name) in self._formats:
                formats[name] = self._formats[(table.name, name)]
            if column.money:
                number_formats[name] = self.tables[table.name].number_format
        return TablePlan(
            path,
            read,
            expressions,
            labels,
            formats,
            mapped,
            spellings,
            out_of_scope,
            shown,
            derivations,
            number_formats,
            codes,
            contract_values,
        )


def default_separator(path: Path) -> str:
    """A tab for a .tsv file, a comma for any other delimited text."""
    return "\t" if path.suffix.lower() == ".tsv" else ","


def _numbered_by_loader(table: Table, column: str) -> bool:
    # The DWP sometimes sends its list without row ids (the contract lets `dwp_list` lack them).
    return table.name == "dwp_list" and column == table.id_column


def _text(name: str) -> pl.Expr:
    """A column as text (the checks strip it and read a blank as empty, as for any column;
    an empty CSV cell is already null)."""
    return pl.col(name).cast(pl.String)


def _derived(source: ColumnSource, found: list[str], name: str) -> tuple[pl.Expr, str]:
    """A contract column's expression over the file's columns `found`, and its label."""
    if source.column is not None:
        # Plain: as the file holds it (a typed parquet column stays typed), for the checks.
        expression = pl.col(found[0])
        return (expression.cast(pl.String) if source.values else expression), found[0]
    if source.concat is not None:
        columns = iter(found)
        parts = [
            pl.lit(p.text) if isinstance(p, Text) else _text(next(columns)) for p in source.concat
        ]
        if len(found) == 1:  # empty when its column is: a constant piece alone is no value
            # pl.format is null when a part is, as concat_str is, and a third faster.
            escaped = source.separator.replace("{", "{{").replace("}", "}}")
            return pl.format(escaped.join(["{}"] * len(parts)), *parts), found[0]
        joined = pl.concat_str(parts, separator=source.separator, ignore_nulls=True)
        # Empty when every column is: a constant piece alone is not a value.
        filled = pl.any_horizontal(pl.col(c).is_not_null() for c in found)
        return pl.when(filled).then(joined), " + ".join(found)
    if source.split is not None:
        part = _text(found[0]).str.split(source.split.separator)
        picked = part.list.get(source.split.index, null_on_oob=True).str.strip_chars()
        return pl.when(picked != "").then(picked), f"{found[0]} (part {source.split.index})"
    if source.pad is not None:
        # Digits alone (`24`, as Excel holds an id typed as a number) padded with zeros to
        # the width; anything else (`A24`, `24.5`, a longer number) as written, to be checked.
        written = _text(found[0]).str.strip_chars()
        digits = written.str.contains(r"^\d+$")
        padded = pl.when(digits).then(written.str.zfill(source.pad.width)).otherwise(written)
        return pl.when(written != "").then(padded), found[0]
    if source.coalesce is not None:
        # The first filled-in: a cell of spaces is empty here as everywhere (it would be
        # taken, then blanked by the checks, and the next column's value lost), and so is a
        # placeholder (`N/A`, `NULL`, `-`: `clean.PLACEHOLDERS`), which would hide a real
        # value in a later column. With nothing else in any column the contract column is
        # empty: a required one is quarantined as such, its cells shown (`TablePlan.shown`).
        texts = [_text(c) for c in found]
        return pl.coalesce([pl.when(~clean.is_nothing(t)).then(t) for t in texts]), (
            " or ".join(found)
        )
    return pl.lit(source.value, dtype=pl.String), f"{name} (the profile's value)"


def _contract_value(value: str | bool, column: Column) -> str:
    """What a value map writes: for a flag, `true` or `false` however the profile says it
    (`true`, `'Y'`, `'no'`: the checks read only those two through a map)."""
    if column.dtype == "boolean":
        return str(BOOLEAN_WORDS[str(value).strip().lower()]).lower()
    return str(value).lower() if isinstance(value, bool) else value


# How the quarantine shows a source cell it must not quote, and an empty one beside others.
NOT_QUOTED = "(special category: not shown)"
EMPTY_CELL = "(empty)"


def _source_cells(found: list[str], joiner: str, hidden: set[str]) -> pl.Expr:
    """A derived column's source cells as the quarantine shows them: one cell as written
    (`Surname, Forename` for a split); several joined as the label joins their columns
    (`3 + x + 2020` for `Day + Month + Year`, `N/A or (empty)` for `NI Number or NINO
    (legacy)`), an empty cell as `(empty)`; empty when every cell is. A column `hidden`
    (read for a special-category column) is never quoted."""
    cells = [
        pl.when(pl.col(c).is_not_null()).then(pl.lit(NOT_QUOTED)) if c in hidden else _text(c)
        for c in found
    ]
    if len(cells) == 1:
        return cells[0]
    filled = [cell.str.strip_chars() != "" for cell in cells]
    parts = [
        pl.when(f).then(cell).otherwise(pl.lit(EMPTY_CELL))
        for f, cell in zip(filled, cells, strict=True)
    ]
    return pl.when(pl.any_horizontal(filled)).then(pl.concat_str(parts, separator=joiner))


def with_source_values(
    quarantine: pl.DataFrame, plan: TablePlan, sources: pl.DataFrame
) -> pl.DataFrame:
    """The quarantine of one file read through `plan` (rows numbered from the file's first
    row, as `check_rows` numbers them), each row quarantined for a derived column showing as
    its value the source cells the column was made from (`TablePlan.shown`), not the derived
    value: a split that found no part, or a coalesce of placeholders, is empty, and the
    analyst must see what the file holds. `sources` holds the file's `shown_columns`."""
    if quarantine.is_empty() or not plan.shown:
        return quarantine
    derived = quarantine.get_column("column").is_in(list(plan.shown))
    if not derived.any():
        return quarantine
    positions = quarantine.get_column("row") - FIRST_DATA_ROW
    cells = sources.select(plan.shown_columns)[positions]
    column, value = "\0column", "\0value"
    shown = first_match([(pl.col(column) == n, e) for n, e in plan.shown.items()])
    values = (
        cells.with_columns(
            quarantine.get_column("column").alias(column),
            quarantine.get_column("value").alias(value),
        )
        .select(shown.otherwise(pl.col(value)).cast(pl.String))
        .to_series()
    )
    return quarantine.with_columns(values.alias("value"))


# --- the quarantine in the source's terms ---------------------------------------------------


def _is_placeholder(value: pl.Expr) -> pl.Expr:
    return value.str.strip_chars().str.to_lowercase().is_in(clean.PLACEHOLDERS)


def _optional_plain(table: Table, plan: TablePlan) -> list[str]:
    """The optional contract columns `plan` reads from one of the file's columns as it is
    (not derived): where a placeholder is read as written, and quarantined when the column
    is typed."""
    return [
        name
        for name in plan.labels
        if name in table.column_names and not table.column(name).required and name not in plan.shown
    ]


def with_placeholder_hints(
    quarantine: pl.DataFrame, table: Table, plan: TablePlan, raw: pl.DataFrame
) -> pl.DataFrame:
    """The quarantine of one file read through `plan` (rows numbered as `check_rows` numbers
    them, contract columns named as the contract does), each row quarantined for a
    placeholder (`N/A`, `NULL`, `-`: `clean.PLACEHOLDERS`) in one or more optional columns
    read as they are (`raw`: the contract's columns as read) saying so of every such
    column, as the file names it, with the profile entry that reads it as empty: a tester's
    row with `N/A` in its earnings and `-` in its savings was told only of the earnings.

    Example of a reason so added to (for one column: "... ('N/A' looks like a placeholder
    for not known: to read it as empty, map the column as {coalesce: [Earnings]}, and the
    rest of the row is read)")::

        net_earned_income: not a number (...); savings: not a number (...) ('N/A' in
        Earnings and '-' in Savings look like placeholders for not known: to read them as
        empty, map net_earned_income: {coalesce: [Earnings]} and savings: {coalesce:
        [Savings]}, and the rest of the row is read)
    """
    optional = [c for c in _optional_plain(table, plan) if c in raw.columns]
    if quarantine.is_empty() or not optional:
        return quarantine
    positions = quarantine.get_column("row") - FIRST_DATA_ROW
    cells = raw.select(pl.col(c).cast(pl.String) for c in optional)[positions]
    reason, column = pl.col("reason"), pl.col("column")
    # A column's placeholder counts where the reason has that column's problem: its first
    # (the row's `column`), or one of several, each named ("savings: not a number ...").
    flags = cells.with_columns(
        quarantine.get_column("column"), quarantine.get_column("reason")
    ).select(
        (
            _is_placeholder(pl.col(c)).fill_null(False)
            & (
                (column == c)
                | reason.str.starts_with(f"{c}: ")
                | reason.str.contains(f"; {c}: ", literal=True)
            )
        ).alias(c)
        for c in optional
    )
    reasons = quarantine.get_column("reason").to_list()
    for i in flags.select(pl.any_horizontal(optional)).to_series().arg_true().to_list():
        found = [(plan.labels[c], cells[c][i], c) for c in optional if flags[c][i]]
        if len(found) == 1:
            label, value, _ = found[0]
            reasons[i] = (
                f"{reasons[i]} ('{value}' looks like a placeholder for not known: to read it "
                f"as empty, map the column as {{coalesce: [{label}]}}, and the rest of the row "
                "is read)"
            )
            continue
        values = _and([f"'{value}' in {label}" for label, value, _ in found])
        entries = _and([f"{name}: {{coalesce: [{label}]}}" for label, _, name in found])
        reasons[i] = (
            f"{reasons[i]} ({values} look like placeholders for not known: to read them as "
            f"empty, map {entries}, and the rest of the row is read)"
        )
    return quarantine.with_columns(pl.Series("reason", reasons, dtype=pl.String))


def one_valued_flags(path: str | Path | None, tables: Iterable[str] | None = None) -> list[str]:
    """A sentence per true/false column (of `tables`, default all) whose value map in the
    profile at `path` maps two or more codes and every one to the same value (`{'Yes': true,
    'No': true}`): every row with a code is read so, which a slip in the map does silently."""
    if path is None:
        return []
    profile = load_profile(path)
    said = []
    for table, entries in profile.columns.items():
        if tables is not None and table not in tables:
            continue
        for name, source in entries.items():
            column = TABLES[table].column(name)
            if column.dtype != "boolean" or not source.values or len(source.values) < 2:
                continue
            read = {_contract_value(v, column) for v in source.values.values() if v is not None}
            if len(read) != 1:
                continue
            (value,) = read
            other = "false" if value == "true" else "true"
            codes = _and([f"'{c}'" for c in source.values])
            said.append(
                f"the profile's value map for {table}.{name} (tables.{table}.columns.{name}"
                f".values) maps every code ({codes}) to {value}: every row of {table} with a "
                f"code is read as {value}; if one of them means the other answer, map it to "
                f"{other}"
            )
    return said


def _keyed_in(value: pl.Expr, keys: list[str]) -> pl.Expr:
    """Whether a code, keyed as value maps match (`value_key`), is one of `keys`."""
    if not keys:
        return pl.lit(False)
    keyed = value.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()
    return keyed.is_in(keys)


def _group_text(name: str, reason: str, *fills: str) -> str:
    """A regex replacement for `relabelled`'s part of a reason: `name: ` and `reason` with
    the captured code for its first `{}` and `fills` for the others (`$` written `$$`)."""
    escaped = [f.replace("$", "$$") for f in fills]
    return "${1}" + name + ": " + reason.replace("$", "$$").format("${2}", *escaped)


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def relabelled(
    quarantine: pl.DataFrame, plans: Mapping[str, TablePlan], placeholders: bool = True
) -> pl.DataFrame:
    """A quarantine (or warnings) frame naming each problem's column as the source does
    (`DOB` for date_of_birth, `First Name + Surname` for a concatenation), and saying which
    value map lacked a value; for the tables in `plans`. Its `file` is the source file already.
    With `placeholders`, a row whose column holds a placeholder says how to read it as empty
    (for warnings: the quarantine says it when the file is read, `with_placeholder_hints`).
    """
    if quarantine.is_empty():
        return quarantine
    frame = quarantine.lazy()
    column, reason = pl.col("column"), pl.col("reason")
    # One step per label, each over the last step's columns: nesting them in one expression
    # would grow it exponentially.
    for table, plan in plans.items():
        ours = pl.col("table") == table
        if plan.mapped:
            # A cell the map does not list, marked so that it is quarantined
            # (`TablePlan.mapped_values`): shown and said as the file writes it.
            frame = frame.with_columns(
                pl.when(ours)
                .then(pl.col(c).str.replace_all(UNLISTED, "", literal=True))
                .otherwise(pl.col(c))
                .alias(c)
                for c in ("value", "reason")
            )
        for name, where in plan.mapped.items():
            # "'Carers' is not one of: a, b, ..." (or, for a flag, "true, false") -> the map
            # to add the spelling to, and the codes it has.
            listed = _and([f"'{c}'" for c in plan.codes.get(name, ())] or ["no code"])
            unknown = pl.format(NOT_MAPPED_REASON, pl.col("value"), pl.lit(where), pl.lit(listed))
            single = reason.str.starts_with("'") & reason.str.contains("is not one of: ")
            # A code the map maps to nothing: out of the rules' scope, not a slip to fix.
            nothing = list(plan.out_of_scope.get(name, ()))
            unplaced = pl.format(OUT_OF_SCOPE_REASON, pl.col("value"), pl.lit(where))
            # With other problems, the column's own part of the reason ("DOB: ...; role:
            # 'Step-parent' is not one of: ...") is said the same way.
            part = rf"(^|; ){re.escape(name)}: '(.*?)' is not one of: [^;]*"
            code = reason.str.extract(part, 2)
            frame = frame.with_columns(
                pl.when(ours & (column == name) & single & _keyed_in(pl.col("value"), nothing))
                .then(unplaced)
                .when(ours & (column == name) & single)
                .then(unknown)
                .when(ours & code.is_not_null() & _keyed_in(code, nothing))
                .then(reason.str.replace(part, _group_text(name, OUT_OF_SCOPE_REASON, where)))
                .when(ours & code.is_not_null())
                .then(reason.str.replace(part, _group_text(name, NOT_MAPPED_REASON, where, listed)))
                .otherwise(reason)
                .alias("reason")
            )
        for name, label in plan.labels.items():
            if label == name:
                continue
            prefix = f"{name}: "
            # A reason about the row's own column may begin with its name and the value
            # ("net_earned_income £-50 is outside ...", "person_id C1 appears on rows ..."):
            # it names the source's column too.
            own = f"{name} "
            renamed = (
                pl.when(reason.str.starts_with(prefix))
                .then(pl.lit(f"{label}: ") + reason.str.slice(len(prefix)))
                .when((column == name) & reason.str.starts_with(own))
                .then(pl.lit(f"{label} ") + reason.str.slice(len(own)))
                .otherwise(reason)
                .str.replace_all(f"; {prefix}", f"; {label}: ", literal=True)
            )
            frame = frame.with_columns(
                pl.when(ours).then(renamed).otherwise(reason).alias("reason")
            )
        if placeholders:
            # A placeholder in an optional column read as it is ("NINO: n/a") noted: say how
            # to read it as empty. (The quarantine's are said of every such column of a row
            # when the file is read: `with_placeholder_hints`.)
            optional = _optional_plain(TABLES[table], plan)
            placeholder = _is_placeholder(pl.col("value"))
            hint = pl.format(
                "{} ('{}' looks like a placeholder for not known: to read it as empty, map the "
                "column as {{coalesce: [{}]}}, and the rest of the row is read)",
                reason,
                pl.col("value"),
                column.replace_strict(plan.labels, default=column),
            )
            frame = frame.with_columns(
                pl.when(ours & column.is_in(optional) & placeholder)
                .then(hint)
                .otherwise(reason)
                .alias("reason")
            )
        labels = dict(plan.labels)
        frame = frame.with_columns(
            pl.when(ours).then(column.replace(labels)).otherwise(column).alias("column")
        )
    return frame.collect()


# --- loading and checking a profile -----------------------------------------------------------


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _first_problem(error: ValidationError, prefix: str = "") -> tuple[str, str]:
    problem = error.errors()[0]
    loc = tuple(
        p for p in problem["loc"] if p not in ("str", "Text", "function-after[_one_source()]")
    )
    message = problem["msg"].removeprefix("Value error, ")
    if "[key]" in loc and isinstance(problem.get("input"), bool | int | float):
        # A value map's code that YAML read as a flag or a number (Yes, No, 1, 2): what it
        # became is no use to the reader, who wrote something else.
        loc = loc[: loc.index("[key]") - 1]
        read_as = "true or false" if isinstance(problem["input"], bool) else "a number"
        message = (
            f"a code YAML reads as {read_as}, not as text (Yes, No, On, Off, 1, 2...): "
            "write every code in quotes, as 'Yes': true or '1': parent_carer"
        )
    where = _location(loc)
    if prefix:
        where = f"{prefix}.{where}" if where else prefix
    more = len(error.errors()) - 1
    return where, message + (f" (and {more} more problem(s))" if more else "")


def date_format_from(strftime: str) -> DateFormat:
    """A `DateFormat` for a profile's strftime pattern; a ValueError saying what is allowed.

    The date may be followed by a time of day (`%d/%m/%Y %H:%M`, `%Y-%m-%d %H:%M:%S%.f`,
    `%d/%m/%Y %I:%M %p`), as exports from databases and spreadsheets write dates: a value
    must hold a real time to be read (`25:00` is not a date in the format), and the date is
    kept, the time dropped (the contract's dates are days: a date of birth, an award's
    start or end)."""
    if strftime == UK_DATE.strftime:
        return UK_DATE
    if strftime == ISO_DATE.strftime:
        return ISO_DATE
    shape, label, i = "", "", 0
    used: set[str] = set()
    while i < len(strftime):
        char = strftime[i]
        if char == "%":
            directive = strftime[i + 1 : i + 3 if strftime[i + 1 : i + 2] == "." else i + 2]
            if directive == "y":
                raise ValueError(
                    f"'{strftime}': two-digit years (%y) are ambiguous (1925 or 2025?): "
                    "export four-digit years and use %Y"
                )
            found = _DATE_DIRECTIVES.get(directive) or _TIME_DIRECTIVES.get(directive)
            if found is None:
                raise ValueError(
                    f"'{strftime}': %{directive} is not allowed; use %d, %m, %b, %B and %Y "
                    "with literal separators, like %d/%m/%Y or %d-%b-%Y, then optionally a "
                    "time, like %d/%m/%Y %H:%M or %d/%m/%Y %H:%M:%S"
                )
            shape += found[0]
            label += found[1]
            used.add(directive)
            i += 1 + len(directive)
            continue
        shape += re.escape(char)
        label += char
        i += 1
    if not {"d", "Y"} <= used or not used & {"m", "b", "B"}:
        raise ValueError(f"'{strftime}': a date format needs a day (%d), a month and a year (%Y)")
    _check_time(strftime, used & set(_TIME_DIRECTIVES))
    return DateFormat(label, strftime, f"^{shape}$")


def _check_time(strftime: str, used: set[str]) -> None:
    """A time in a date format is an hour and minutes (and maybe seconds), on a 24-hour clock
    or a 12-hour one with am/pm: what polars can read."""
    if not used:
        return
    if len(used & {"H", "I"}) != 1 or "M" not in used:
        raise ValueError(
            f"'{strftime}': a time needs an hour and minutes: %H:%M (or %H:%M:%S), or %I:%M %p "
            "for a 12-hour clock with am/pm"
        )
    if ("I" in used) != ("p" in used):
        raise ValueError(
            f"'{strftime}': a 12-hour clock (%I) needs am/pm (%p), and am/pm a 12-hour clock: "
            "use %I:%M %p, or %H:%M for a 24-hour clock"
        )
    if ".f" in used and "S" not in used:
        raise ValueError(f"'{strftime}': a fraction of a second (%.f) needs the seconds (%S)")


def parse_profile(
    document: object,
    path: str | Path,
    sha256: str | None = None,
    lines: Mapping[tuple[str, str], Mapping[str, int]] | None = None,
) -> Profile:
    """Check a profile's parsed YAML against the profile schema and the data contract
    (`sha256`: of the file's bytes, as the manifest records it; default: of the document;
    `lines`: where each value map's codes are in the file, `_value_map_lines`, for the
    errors about them)."""
    path = Path(path)
    try:
        parsed = _ProfileFile.model_validate(document)
    except ValidationError as error:
        raise ProfileError(path, *_first_problem(error)) from None
    sha = sha256 or hashlib.sha256(yaml.safe_dump(document, sort_keys=True).encode()).hexdigest()
    columns: dict[str, dict[str, ColumnSource]] = {}
    formats: dict[tuple[str, str], DateFormat] = {}
    for name, source in parsed.tables.items():
        where = f"tables.{name}"
        if name not in TABLES:
            near = difflib.get_close_matches(name, list(TABLES), n=1)
            hint = f": did you mean '{near[0]}'?" if near else ""
            raise ProfileError(
                path, where, f"not a contract table{hint} (tables: {', '.join(TABLES)})"
            )
        _check_source(path, where, source)
        table = TABLES[name]
        columns[name] = {}
        for column_name, entry in source.columns.items():
            column_where = f"{where}.columns.{column_name}"
            column = _contract_column(path, column_where, table, column_name)
            checked = _column_source(path, column_where, entry)
            at = (lines or {}).get((name, column_name))
            _check_column(path, column_where, column, checked, name, at)
            columns[name][column_name] = checked
        for column in table.columns:  # the column's own format, else the table's, else all
            if column.dtype != "date":
                continue
            own = columns[name].get(column.name)
            chosen = [
                (f"{where}.columns.{column.name}.date_format", own.date_format if own else None),
                (f"{where}.date_format", source.date_format),
                ("date_format", parsed.date_format),
            ]
            origin, fmt = next(((o, f) for o, f in chosen if f is not None), ("", None))
            if fmt is not None:
                formats[(name, column.name)] = _date_format(path, origin, fmt)
    if parsed.date_format is not None:
        _date_format(path, "date_format", parsed.date_format)
    return Profile(
        path=path,
        sha256=sha,
        tables=dict(parsed.tables),
        columns=columns,
        date_format=parsed.date_format,
        description=parsed.description,
        _formats=formats,
    )


def workbook_sheets(path: Path) -> list[str]:
    """The sheets of an Excel workbook, in order; none for a file that is not one, or that
    cannot be read (where this is asked, a hint, the file was read a moment ago)."""
    if path.suffix.lower() != ".xlsx":
        return []
    try:
        import fastexcel

        return list(fastexcel.read_excel(path).sheet_names)
    except Exception:  # fastexcel's errors and OS errors alike
        return []


_SHEET_XML = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def xlsx_header_row(path: Path, sheet_name: str | None = None) -> int:
    """The row of the sheet (default: the first) that holds its header, as the spreadsheet
    numbers it: 1,
    unless empty rows come first, which the reader passes over (the quarantine's row numbers
    are counted from it). Read from the sheet's XML up to that row, not the whole workbook;
    1 for a workbook laid out otherwise than Excel lays it out (the rows are then numbered
    from the header, as before)."""
    try:
        return _first_filled_row(path, sheet_name)
    except (KeyError, ValueError, OSError, ElementTree.ParseError, zipfile.BadZipFile):
        return 1


def _holds_text(element: ElementTree.Element) -> bool:
    """Whether a sheet's XML element (a row or a cell) holds a value that is not blank."""
    return any(
        (v.text or "").strip()
        for v in element.iter()
        if v.tag in (f"{_SHEET_XML}v", f"{_SHEET_XML}t")
    )


def _sheet_target(book: zipfile.ZipFile, sheet_name: str | None) -> str | None:
    """The part of a workbook holding the sheet (default: the first); None if it has none."""
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    sheets = workbook.findall(f"{_SHEET_XML}sheets/{_SHEET_XML}sheet")
    named = [s for s in sheets if sheet_name is None or s.get("name") == sheet_name]
    first = named[0] if named else None
    relations = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    if first is None:
        return None
    target = next(
        (r.get("Target", "") for r in relations if r.get("Id") == first.get(_RELATIONS)), ""
    )
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _first_filled_row(path: Path, sheet_name: str | None = None) -> int:
    with zipfile.ZipFile(path) as book:
        target = _sheet_target(book, sheet_name)
        if target is None:
            return 1
        with book.open(target) as sheet:
            for _, element in ElementTree.iterparse(sheet):
                if element.tag == f"{_SHEET_XML}row":
                    filled = _holds_text(element)
                    if filled:
                        return int(element.get("r", "1"))
                    element.clear()
    return 1


def column_letters(number: int) -> str:
    """A spreadsheet's name for its column `number` (from 1): A, ..., Z, AA, AB, ...

    Example
    -------
    >>> column_letters(1), column_letters(26), column_letters(28)
    ('A', 'Z', 'AB')
    """
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _column_number(reference: str) -> int:
    """The column of a cell reference (`C7` -> 3)."""
    number = 0
    for character in reference:
        if not character.isalpha():
            break
        number = number * 26 + ord(character.upper()) - ord("A") + 1
    return number


def xlsx_first_column(path: Path, sheet_name: str | None = None) -> int:
    """The sheet's column (from 1) where the reader's table starts: the first column with
    anything in it (the reader passes over empty columns on the left, as over empty rows
    above), so that a header's position can be told as the spreadsheet's letter. Read from
    the sheet's XML; 1 for a workbook laid out otherwise than Excel lays it out."""
    try:
        with zipfile.ZipFile(path) as book:
            target = _sheet_target(book, sheet_name)
            if target is None:
                return 1
            first = 0
            with book.open(target) as sheet:
                for _, element in ElementTree.iterparse(sheet):
                    if element.tag == f"{_SHEET_XML}c":
                        filled = _holds_text(element)
                        number = _column_number(element.get("r", ""))
                        if filled and number and (not first or number < first):
                            first = number
                    elif element.tag == f"{_SHEET_XML}row":
                        element.clear()
            return first or 1
    except (KeyError, ValueError, OSError, ElementTree.ParseError, zipfile.BadZipFile):
        return 1


def sheet_first_column(path: Path | DatabaseTable, sheet: str | None = None) -> int:
    """For a workbook, the sheet's column where its table starts (`xlsx_first_column`), so
    that `one_column_twice` names columns by their letters; 0 for any other file."""
    if isinstance(path, Path) and path.suffix.lower() == ".xlsx":
        return xlsx_first_column(path, sheet)
    return 0


def header_line(
    path: Path | DatabaseTable, sheet: str | None = None, header_row: int | None = None
) -> int:
    """The row holding a file's header as a spreadsheet shows it: `header_row`, a profile's,
    if given; else a workbook's first row filled in (`xlsx_header_row`), any other file's 1."""
    if header_row is not None:
        return header_row
    if isinstance(path, Path) and path.suffix.lower() == ".xlsx":
        return xlsx_header_row(path, sheet)
    return 1


def _sheet_hint(path: Path | DatabaseTable, sheet: str | None, table: str) -> str:
    """For a workbook of several sheets read from its first: the others, and how to name
    one (`tables.<table>.sheet`)."""
    names = workbook_sheets(path) if isinstance(path, Path) and sheet is None else []
    if len(names) < 2:
        return ""
    others = ", ".join(f"'{n}'" for n in names[1:])
    return (
        f"; only its first sheet, '{names[0]}', was read, and it also has {others}: name the "
        f"table's sheet as tables.{table}.sheet (sheet: '{names[1]}')"
    )


def _check_source(path: Path, where: str, source: TableSource) -> None:
    from workbench.data.database import check_table_source

    check_table_source(path, where, source)
    if source.query is not None:
        for key in (*_TEXT_KEYS, *_SHEET_KEYS):
            if getattr(source, key) is not None:
                raise ProfileError(
                    path,
                    f"{where}.{key}",
                    "is for a CSV file; a query's rows come from the database: remove it",
                )
        return
    if source.file is None:
        raise ProfileError(
            path,
            f"{where}.file",
            "missing: name the file (or a glob like 'Clients*.csv'), or give a query and its "
            "connection",
        )
    pattern = Path(source.file)
    if pattern.is_absolute() or ".." in pattern.parts:
        raise ProfileError(
            path,
            f"{where}.file",
            f"'{source.file}' must be a name inside the data folder (no absolute path or ..)",
        )


def _contract_column(path: Path, where: str, table: Table, name: str) -> Column:
    if name in table.column_names:
        return table.column(name)
    near = difflib.get_close_matches(name, table.column_names, n=1)
    hint = f": did you mean '{near[0]}'?" if near else ""
    raise ProfileError(
        path,
        where,
        f"{table.name} has no column '{name}'{hint} (its columns: {', '.join(table.column_names)})",
    )


def _column_source(path: Path, where: str, entry: object) -> ColumnSource:
    if isinstance(entry, str):
        entry = {"column": entry}
    if not isinstance(entry, dict):
        raise ProfileError(
            path, where, f"expected a column name or a mapping (column: ...); got {entry!r}"
        )
    try:
        return ColumnSource.model_validate(entry)
    except ValidationError as error:
        raise ProfileError(path, *_first_problem(error, where)) from None


def _check_column(
    path: Path,
    where: str,
    column: Column,
    source: ColumnSource,
    table: str,
    lines: Mapping[str, int] | None = None,
) -> None:
    """Check one column entry against the contract column it gives; `lines` are its value
    map's codes' lines in the profile file, when read from one (`_value_map_lines`)."""
    if source.date_format is not None and column.dtype != "date":
        raise ProfileError(
            path, f"{where}.date_format", f"{column.name} is a {column.dtype}, not a date"
        )
    if source.values is None:
        return
    if column.dtype not in ("enum", "boolean"):
        raise ProfileError(
            path,
            f"{where}.values",
            f"a value map is for coded columns (enums and true/false); {column.name} is a "
            f"{column.dtype}",
        )
    seen: dict[str, tuple[str, str]] = {}
    for spelling, target in source.values.items():
        if target is None and (table, column.name) not in OUT_OF_SCOPE_COLUMNS:
            raise ProfileError(
                path,
                f"{where}.values.{spelling}",
                "only a code of an award (benefits.benefit) or a status (child_statuses.status) "
                "may be mapped to nothing (~), as out of the rules' scope; "
                f"{column.name} needs a value for every code",
            )
        shown = (
            "~" if target is None else str(target).lower() if isinstance(target, bool) else target
        )
        if target is not None and column.dtype == "enum" and shown not in (column.allowed or ()):
            near = difflib.get_close_matches(shown, column.allowed or (), n=1)
            hint = f": did you mean '{near[0]}'?" if near else ""
            raise ProfileError(
                path,
                f"{where}.values.{spelling}",
                f"'{shown}' is not a value of {column.name}{hint} "
                f"(its values: {', '.join(column.allowed or ())})",
            )
        if column.dtype == "boolean" and shown.lower() not in BOOLEAN_WORDS:
            raise ProfileError(
                path, f"{where}.values.{spelling}", f"'{shown}' is not true or false"
            )
        # Codes are matched ignoring case and runs of space (`value_key`): two keys alike so
        # are one code. Mapped alike (`'Yes': true`, `'yes': 'Y'`) they are harmless; mapped
        # apart, which one a cell is read by would be chance, so the profile is refused.
        meant = "~" if target is None else _contract_value(target, column)
        key = value_key(spelling)
        if key in seen and seen[key][1] != meant:
            first, read = seen[key]
            said = (
                "are the same code (a value map matches codes ignoring case and runs of "
                f"space) but map to '{meant}' and '{read}': remove one, or say which is meant"
            )
            if lines and spelling in lines and first in lines:
                raise ProfileError(
                    path,
                    f"line {lines[spelling]}",
                    f"'{spelling}' and '{first}' (line {lines[first]}) of {where}.values {said}",
                )
            raise ProfileError(
                path, f"{where}.values.{spelling}", f"'{spelling}' and '{first}' {said}"
            )
        seen.setdefault(key, (spelling, meant))


def _value_map_lines(text: str) -> dict[tuple[str, str], dict[str, int]]:
    """For each value map of a profile's YAML `text` (`tables.<table>.columns.<column>
    .values`), the line of each of its codes, as written; what is not laid out so is left
    out (the profile's shape is checked elsewhere)."""

    def entries(node: yaml.Node | None) -> dict[str, tuple[int, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            return {}
        return {
            k.value: (k.start_mark.line + 1, v)
            for k, v in node.value
            if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge"
        }

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    found: dict[tuple[str, str], dict[str, int]] = {}
    for table, (_, source) in entries(entries(root).get("tables", (0, None))[1]).items():
        columns = entries(source).get("columns", (0, None))[1]
        for column, (_, entry) in entries(columns).items():
            codes = entries(entries(entry).get("values", (0, None))[1])
            if codes:
                found[(table, column)] = {code: line for code, (line, _) in codes.items()}
    return found


def _date_format(path: Path, where: str, strftime: str) -> DateFormat:
    try:
        return date_format_from(strftime)
    except ValueError as error:
        raise ProfileError(path, where, str(error)) from None


class _DuplicateKey(yaml.YAMLError):
    """A key given twice in one mapping of a profile (`_UniqueKeyLoader`)."""

    def __init__(self, key: object, line: int, first: int) -> None:
        self.key, self.line, self.first = key, line, first
        super().__init__(f"{key!r} at line {line}, first at line {first}")


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping: YAML keeps the last
    silently, and in a value map (`Universal Credit: universal_credit`, then `Universal
    Credit: child_tax_credit`) that reads every row of the code as the last says."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` merges a mapping in: its keys may be overridden
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = seen.get(key)
            except TypeError:  # a key that cannot be a dictionary's: the loader says so
                continue
            if first is not None:  # as written (`Yes`, not YAML's reading of it, True)
                written = key_node.value if isinstance(key_node, yaml.ScalarNode) else key
                raise _DuplicateKey(written, line, first)
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def load_profile(path: str | Path) -> Profile:
    """Read and check a profile file; a ProfileError names the file and the entry (or, for a
    key given twice in one mapping, the line)."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, "no such profile file: give the path of a YAML profile")
    written = path.read_bytes()
    try:
        text = written.decode("utf-8")
        document = yaml.load(text, Loader=_UniqueKeyLoader)
    except _DuplicateKey as twice:
        raise ProfileError(
            path,
            f"line {twice.line}",
            f"'{twice.key}' is given twice in one mapping (first at line {twice.first}): YAML "
            "would keep only the last silently, so remove one, or say which is meant",
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ProfileError(path, "", f"is not valid YAML ({detail})") from None
    sha = hashlib.sha256(written).hexdigest()
    return parse_profile(document, path, sha, _value_map_lines(text))


def active_profile() -> Profile | None:
    """The profile `--profile` (or the environment variable WORKBENCH_PROFILE) names."""
    named = os.environ.get(PROFILE_ENV, "").strip()
    if not named:
        return None
    path = Path(named)
    if not path.is_file():
        return load_profile(path)  # says so
    stat = path.stat()
    # A command loads its data folder more than once (assess: people, then the rest).
    return _cached_profile(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _cached_profile(path: Path, modified: int, size: int) -> Profile:
    return load_profile(path)


@contextmanager
def using_profile(path: str | Path | None) -> Iterator[Profile | None]:
    """Read every data folder through the profile at `path` while the block runs (nothing
    when None); the profile is checked first, so a bad one stops before any data is read."""
    if path is None:
        yield None
        return
    profile = load_profile(path)
    before = os.environ.get(PROFILE_ENV)
    os.environ[PROFILE_ENV] = str(Path(path).absolute())
    try:
        yield profile
    finally:
        if before is None:
            os.environ.pop(PROFILE_ENV, None)
        else:
            os.environ[PROFILE_ENV] = before
