"""Read a data folder into typed tables, a quarantine of rejected rows, and warnings.

A data folder holds one file per canonical table (`workbench.data.schema.TABLES`), named by the
table: `people.csv`, `benefits.parquet`, `dwp_list.xlsx`. `load_folder` reads each file once,
checks every row against the schema in one vectorised pass (`workbench.data.checks`), and splits
it three ways:

- accepted rows, typed (string -> `pl.String`, date -> `pl.Date`, decimal -> `pl.Float64`,
  enum -> `pl.String` holding one of the allowed values, lower-case);
- the quarantine: one row per rejected input row, with the file, the row number, the column
  and the raw value of its first problem, and a reason listing every problem
  (`workbench.data.quarantine` splits it into one entry per failing column, for summaries);
  a row whose reference to another table finds nothing there (an award of a person people
  does not hold: `Table.references`) is quarantined once both tables are loaded
  (`check_references`, also run by `combine_loaded`);
- warnings: accepted rows with a note that does not reject them (a postcode or NINO that is
  not in UK shape is kept as given, normalised; a person whose role is empty).

Row numbers are as a spreadsheet shows them: the header is row 1 and the first data row is
row 2. Parquet files are numbered the same way (their first record is row 2), so a row number
means the same thing whatever the format.

Headers match columns ignoring case, surrounding space, and spaces or hyphens in place of
underscores ("Date of Birth" reads as date_of_birth). Columns the schema does not declare
are never loaded, nor special-category columns unless `equality_monitoring=True`: a CSV row's
fields are all parsed, to find a row with more fields than the header, and the columns not
wanted dropped at once (`_open_csv`).

How dates, enums and decimals are read, and how the checks stay fast, is told in
`workbench.data.checks`. On a 1M-household council (2.4M people, 0.6M awards) loading every table
takes about 1.4x a bare `pl.read_csv` of the same files and 1.5x a bare `pl.read_parquet`
(benchmarks/results/latest.md).

Example
-------
>>> data = load_folder("data_samples/council_small")  # doctest: +SKIP
>>> data.tables["people"].schema["date_of_birth"]  # doctest: +SKIP
Date
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from workbench import progress
from workbench.data import database
from workbench.data.checks import (
    BLANK_ROW,
    DATE_FORMATS,
    FIRST_DATA_ROW,
    QUARANTINE_SCHEMA,
    THREE_DECIMALS_SAID,
    DateFormat,
    check_rows,
    first_match,
    renumbered,
)

# Re-exported: these were defined here before workbench.data.checks held them.
from workbench.data.checks import ISO_DATE as ISO_DATE
from workbench.data.checks import UK_DATE as UK_DATE
from workbench.data.profiles import (
    TEXT_SUFFIXES,
    Profile,
    TablePlan,
    active_profile,
    default_separator,
    duplicated_headers,
    header_key,
    header_line,
    load_profile,
    made_in,
    one_column_twice,
    sheet_first_column,
    with_placeholder_hints,
    with_source_values,
    workbook_sheets,
    xlsx_header_row,
)
from workbench.data.profiles import relabelled as relabelled_by_profile
from workbench.data.schema import TABLES, Column, Table
from workbench.errors import DataFileError, UsageError, WorkbenchError

__all__ = [
    "DATE_FORMATS",
    "FORMATS",
    "QUARANTINE_KINDS",
    "QUARANTINE_SCHEMA",
    "SEPARATOR_WORDS",
    "SEPARATOR_YAML",
    "DateFormat",
    "FileReport",
    "LoadedData",
    "check_references",
    "combine_loaded",
    "find_table_file",
    "format_of",
    "header_row_among",
    "is_utf8",
    "load_folder",
    "looks_like_title",
    "name_key",
    "named_otherwise",
    "open_text",
    "quarantine_kind",
    "read_as_text",
    "read_with_headers",
    "table_named",
    "xlsx_header_row",
]

FORMATS: dict[str, str] = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}
_BINARY_SNIFF_BYTES = 8192

# Reason kinds for summaries, matched against the first problem of a reason, in order.
QUARANTINE_KINDS: tuple[tuple[str, str], ...] = (
    (BLANK_ROW, "blank row"),
    ("required field is empty", "empty required field"),
    ("mixed date formats", "mixed date formats"),
    ("no such date", "impossible date"),
    ("is an Excel date number", "Excel date number"),
    ("not a date", "bad date"),
    ("not a number", "not a number"),
    ("is not one of", "unknown value"),
    ("is out of the rules' scope: the profile maps it to nothing", "out of scope"),
    ("is not in the profile's value map", "unknown value"),
    ("exactly (the same in every column read)", "repeated row"),
    ("appears on", "duplicate id"),
    ("is before", "end before start"),
    ("is not true or false", "not true or false"),
    ("is not a household_id in", "unknown household"),
    ("is not a person_id in", "unknown person"),
    # Under a profile: `Client C9 is not a Client ID (person_id) in clients.csv`.
    ("(household_id) in", "unknown household"),
    ("(person_id) in", "unknown person"),
    ("outside the plausible range", "implausible value"),
    (THREE_DECIMALS_SAID, "amount reads two ways"),
)


# Per table, per contract column a profile derives: how (`concat`, `split`, `coalesce`,
# `pad`, `value`) and from which of the file's columns.
Derivations = dict[str, dict[str, tuple[str, tuple[str, ...]]]]


@dataclass(frozen=True)
class FileReport:
    """What happened to one input file: rows read, accepted and quarantined."""

    table: str
    file: Path | database.DatabaseTable  # or the query a profile reads the table with
    format: str
    read: int
    accepted: int
    quarantined: int


@dataclass(frozen=True)
class LoadedData:
    """A data folder, loaded: typed accepted rows per table, the quarantine and the warnings.

    `quarantine` and `warnings` have the columns of `QUARANTINE_SCHEMA` (table, file, row,
    column, value, reason); `file` is the file's name, `value` the cell as the file wrote it.
    `ignored` lists files in the folder that are not canonical tables. `profile` is the source
    profile the folder was read through, if any (`workbench.data.profiles`): its file counts
    as an input, so manifests record its SHA-256.
    """

    folder: Path
    tables: dict[str, pl.DataFrame]
    quarantine: pl.DataFrame
    warnings: pl.DataFrame
    reports: dict[str, FileReport]
    ignored: tuple[Path, ...] = field(default=())
    # Row numbers of the accepted rows of tables that refer to another one (`Table.references`),
    # until the reference is checked.
    row_numbers: dict[str, pl.Series] = field(default_factory=dict)
    profile: Path | None = None
    # Per table read through the profile, the source's name for each contract column (as the
    # quarantine names it), for the reference checks `combine_loaded` makes after the load.
    source_columns: dict[str, dict[str, str]] = field(default_factory=dict)
    # Per table read through the profile, each column it makes otherwise than by reading one
    # column as it is: how, and from which columns (`TablePlan.derivations`).
    derivations: Derivations = field(default_factory=dict)

    def lazy(self, table: str) -> pl.LazyFrame:
        """The accepted rows of `table` as a LazyFrame; a WorkbenchError if it was not loaded."""
        if table not in self.tables:
            loaded = ", ".join(self.tables) or "none"
            raise WorkbenchError(
                f"table '{table}' was not loaded from {self.folder}: there is no "
                f"{table}.csv, .parquet or .xlsx there, or it was not asked for "
                f"(loaded: {loaded})"
            )
        return self.tables[table].lazy()

    def files(self) -> list[Path | database.DatabaseTable]:
        """The files actually read, and the profile read through, sorted by name (for input
        hashes)."""
        read = [r.file for r in self.reports.values()]
        return sorted([*read, *([self.profile] if self.profile else [])], key=lambda p: p.name)


# --- finding the files ------------------------------------------------------------------------


def name_key(path: Path) -> str:
    """How a file's name is matched to a table: its name without the suffix, case, surrounding
    space and runs of spaces or hyphens read as one underscore (as headers are matched,
    `header_key`), so `DWP list.csv`, `Funded-Places.csv` and `Child Statuses.xlsx` are
    named by their table.

    >>> name_key(Path("DWP list.csv")), name_key(Path("Funded - Places.xlsx"))
    ('dwp_list', 'funded_places')
    """
    return header_key(path.stem)


def table_named(path: Path) -> str | None:
    """The contract's table a file of this name is read as in a data folder (`name_key`, and
    a format the workbench reads: `FORMATS`), or None.

    >>> table_named(Path("DWP list.csv")), table_named(Path("dwp_list.txt"))
    ('dwp_list', None)
    """
    table = name_key(path)
    return table if table in TABLES and path.suffix.lower() in FORMATS else None


def named_otherwise(table: str, path: Path) -> bool:
    """A table's file whose name is not exactly the contract's (`DWP list.csv` for
    dwp_list), which `validate` and `assess` say they read as that table."""
    return path.stem != table


def _scan_folder(folder: Path) -> tuple[dict[str, list[Path]], list[Path]]:
    """Candidate files per canonical table (`table_named`), and the other (ignored) files,
    both sorted."""
    if not folder.is_dir():
        raise DataFileError(
            folder, "is not a folder: expected a folder holding people.csv, benefits.csv, ..."
        )
    found: dict[str, list[Path]] = {}
    ignored: list[Path] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        table = table_named(path)
        if table is not None:
            found.setdefault(table, []).append(path)
        else:
            ignored.append(path)
    return found, ignored


def _one_file(table: str, paths: list[Path]) -> Path:
    if len(paths) > 1:
        names = " and ".join(p.name for p in paths)
        raise DataFileError(
            paths[0].parent,
            f"table '{table}' is given twice ({names}): keep exactly one file per table (a "
            f"file's name is read without case, and spaces or hyphens as underscores)",
        )
    return paths[0]


def find_table_file(
    folder: str | Path, table: str, profile: Profile | str | Path | None = None
) -> Path | database.DatabaseTable | None:
    """The file holding `table` in `folder` (`.csv`, `.parquet` or `.xlsx`), or None; for a
    table the source profile (default: the active one, `--profile`) maps, the file it names
    (or its query).

    Raises DataFileError when the table is given in two formats, UsageError for a table name
    that is not canonical, ProfileError when the profile's file is not there.
    """
    if table not in TABLES:
        raise UsageError(f"unknown table '{table}': canonical tables are {', '.join(TABLES)}")
    chosen = _profile(profile)
    if chosen is not None and table in chosen.tables:
        return chosen.source_for(table, Path(folder))
    found, _ = _scan_folder(Path(folder))
    return _one_file(table, found[table]) if table in found else None


# --- what to read -----------------------------------------------------------------------------


def _tables_wanted(tables: Iterable[str] | None) -> list[str]:
    if tables is None:
        return list(TABLES)
    wanted = set(tables)
    unknown = sorted(wanted - set(TABLES))
    if unknown:
        raise UsageError(
            f"unknown table(s) {', '.join(unknown)}: canonical tables are {', '.join(TABLES)}"
        )
    return [t for t in TABLES if t in wanted]


def _columns_wanted(
    table: Table, asked: Iterable[str] | None, equality_monitoring: bool
) -> tuple[str, ...]:
    """Required columns always; optional ones as asked (default: every one the purpose may see)."""
    allowed = {c.name for c in table.columns_for(equality_monitoring=equality_monitoring)}
    if asked is None:
        chosen = allowed
    else:
        chosen = set(asked)
        for name in sorted(chosen):
            if name not in table.column_names:
                hint = difflib.get_close_matches(name, table.column_names, n=1)
                raise UsageError(
                    f"table {table.name} has no column '{name}'"
                    + (f": did you mean '{hint[0]}'?" if hint else "")
                )
            if name not in allowed:
                raise UsageError(
                    f"column {table.name}.{name} is special category data (UK GDPR Art. 9): "
                    "it is read only for aggregate equality monitoring; pass "
                    "equality_monitoring=True (--equality-monitoring) to load it"
                )
    chosen |= set(table.required_columns())
    return tuple(c for c in table.column_names if c in chosen)


# --- reading one file as text -----------------------------------------------------------------


Reader = Callable[[list[str]], pl.DataFrame]


# A CSV file's columns are parsed whole, so that polars counts every row's fields (`_open_csv`).
_EVERY_FIELD = pl.QueryOptFlags(projection_pushdown=False)

# A CSV file's encodings (a source profile's `encoding`): Python's codec for the header and
# for the checks, which keep an undecodable byte as a surrogate to find its row and column.
_ENCODINGS = {"utf-8": "utf-8-sig", "windows-1252": "cp1252"}


def _open_csv(
    path: Path, encoding: str = "utf-8", separator: str = ",", header_row: int | None = None
) -> tuple[list[str], Reader]:
    with open(path, "rb") as handle:
        start = handle.read(_BINARY_SNIFF_BYTES)
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text", for one
        raise DataFileError(
            path, "is UTF-16 text, which the workbench does not read: save it as CSV UTF-8"
        )
    if b"\x00" in start:
        raise DataFileError(
            path, "is not a CSV text file (it holds binary data): save it as CSV UTF-8"
        )
    if b"\r" in start and b"\n" not in start:
        # Read as one line: "a header but no rows", or every field of the file in an error.
        raise DataFileError(
            path,
            "cannot be read as csv: its lines end in a carriage return alone (as old Mac "
            "programs wrote them), so it reads as one line. Save it again with Windows (CR LF) "
            "or Unix (LF) line endings (Excel: Save As CSV UTF-8)",
        )
    headers = _csv_header(path, encoding, separator, header_row)
    skipped = (header_row or 1) - 1  # rows above the header (a title, notes)

    def read(names: list[str]) -> pl.DataFrame:
        _refuse_read_twice(path, headers, names, skipped + 1)
        try:
            source = path if encoding == "utf-8" else _as_utf8(path, encoding)
            # Every column is parsed, and the wanted ones kept batch by batch: polars checks
            # that no row has more fields than the header only when it parses them all (told
            # to read a few, it skips the rest of each row unseen, and a row shifted by a
            # stray comma would be read shifted). So its projection pushdown is off, and the
            # other columns are dropped as soon as parsed, never held whole. At 1M households
            # that costs assess about 0.1 s (the five columns of people.csv it does not read)
            # and 30 MiB at people's peak, where reading every column at once would add
            # 260 MiB, and a second pass over the file to count fields would take longer.
            # glob=False: the file's own name, which may hold [ ] or * (`clients [Aug].csv`).
            return (
                pl.scan_csv(
                    source,
                    infer_schema=False,
                    separator=separator,
                    glob=False,
                    skip_rows=skipped,
                )
                .select(names)
                .collect(optimizations=_EVERY_FIELD)
            )
        except WorkbenchError:
            raise
        except Exception as error:  # polars' message may quote a row: find the row instead
            problem = _csv_problem(path, headers, encoding, separator, skipped + 1)
            if problem is not None:
                raise problem from None
            raise _unreadable(path, "csv", error) from error

    return headers, read


def _as_utf8(path: Path, encoding: str) -> io.BytesIO:
    """A CSV file in another encoding, as UTF-8 in memory, a few megabytes at a time (polars
    would hold the file, its text and the text encoded again: three copies). A UTF-8 file with
    letters outside ASCII, declared another encoding, is refused: read as Windows-1252 every
    accented letter would come out as two wrong ones (é as Ã©)."""
    out = io.BytesIO()
    decoder = codecs.getincrementaldecoder(_ENCODINGS[encoding])()
    plain, undecodable = True, None
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 22):
                plain = plain and chunk.isascii()
                out.write(decoder.decode(chunk).encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as error:
        plain, undecodable = False, error
    if not plain and is_utf8(path):
        raise DataFileError(
            path,
            f"is UTF-8 text, though the source profile says encoding: {encoding}: remove that "
            "line (read as another encoding, every accented letter would be wrong)",
        )
    if undecodable is not None:
        raise undecodable  # the caller finds the row and column
    out.seek(0)
    return out


def _csv_reader(handle: Iterable[str], separator: str = ",") -> Iterable[list[str]]:
    return csv.reader(handle, delimiter=separator, strict=True)


def open_text(path: Path, encoding: str = "utf-8") -> io.TextIOWrapper:
    """A delimited text file opened as text in `encoding` (``utf-8``, a byte-order mark
    skipped, or ``windows-1252``); a byte it cannot decode is kept as a surrogate."""
    return open(path, encoding=_ENCODINGS[encoding], errors="surrogateescape", newline="")


def _undecoded(value: str) -> bool:
    """Whether `value` holds a byte its encoding could not decode (kept as a surrogate)."""
    return any("\udc80" <= character <= "\udcff" for character in value)


def _undecodable(path: Path, encoding: str, row: int, column: str | None) -> DataFileError:
    if encoding != "utf-8":
        return DataFileError(
            path, f"holds a byte that is not {encoding} text", row=row, column=column
        )
    return DataFileError(
        path,
        "is not UTF-8 text: a character here is written in another encoding (Excel's \"CSV "
        '(Comma delimited)" writes Windows-1252). Save the file as "CSV UTF-8", or read it '
        "through a source profile that says encoding: windows-1252 beside its file",
        row=row,
        column=column,
    )


# Each separator a source profile may give: in words (one, many), and as written in YAML.
SEPARATOR_WORDS = {
    ",": ("a comma", "commas"),
    ";": ("a semicolon", "semicolons"),
    "\t": ("a tab", "tabs"),
    "|": ("a pipe (|)", "pipes (|)"),
}
SEPARATOR_YAML = {",": '","', ";": '";"', "\t": '"\\t"', "|": '"|"'}


def _refuse_another_separator(path: Path, header: str, separator: str) -> None:
    """A header of one column holding another separator: the file is separated by it."""
    found = [s for s in SEPARATOR_WORDS if s != separator and s in header]
    if found:
        (one, many), (_, expected) = SEPARATOR_WORDS[found[0]], SEPARATOR_WORDS[separator]
        raise DataFileError(
            path,
            f"has one column, whose header holds {one}: the file looks separated by {many}, "
            f"not {expected}. Read it through a source profile that says separator: "
            f"{SEPARATOR_YAML[found[0]]} beside its file",
            row=1,
        )


def _csv_header(
    path: Path, encoding: str = "utf-8", separator: str = ",", header_row: int | None = None
) -> list[str]:
    """The header row as written (row `header_row` as a spreadsheet numbers it, a source
    profile's, else the first). A first line that looks like a title above the header (one
    cell filled in, or most left empty) while a later line looks like the header stops the
    load, naming the `header_row` to give. A header of one column holding another separator
    is a file separated by it: said, with the setting. Two columns under one name are kept
    (`duplicated_headers`): a column read must be one (`_match_headers`, `Profile.plan`)."""
    wanted = header_row or 1
    rows: list[list[str]] = []
    try:
        with open_text(path, encoding) as handle:
            for row in itertools.islice(_csv_reader(handle, separator), max(wanted, _LOOKED_AT)):
                rows.append(row)
    except csv.Error:
        if len(rows) < wanted:
            if wanted > 1:
                raise
            rows = [
                pl.read_csv(  # polars says why
                    path, n_rows=0, infer_schema=False, separator=separator, glob=False
                ).columns
            ]
    if len(rows) < wanted:
        raise DataFileError(
            path,
            f"has {len(rows)} rows, so none is row {wanted}, where the source profile's "
            "header_row says the header is",
        )
    headers = rows[wanted - 1]
    if header_row is None:
        _refuse_a_title(path, rows)
    if not any(header.strip() for header in headers):
        raise DataFileError(
            path,
            "has no header: its first line names no column. The first line must name the "
            "columns (person_id, household_id, ...), with one row per record after it",
            row=wanted,
        )
    if any(_undecoded(header) for header in headers):
        raise _undecodable(path, encoding, wanted, None)
    if len(headers) == 1:
        _refuse_another_separator(path, headers[0], separator)
    return headers


# The rows of a file looked at for its header, below a title (`header_row_among`).
_LOOKED_AT = 10


def _filled(row: list[str]) -> list[str]:
    return [cell.strip() for cell in row if cell is not None and str(cell).strip()]


def looks_like_title(row: list[str]) -> bool:
    """Whether a first row looks like a title or a note above a header: one cell filled in,
    or fewer than half of its cells (none filled in is no title: an empty line, nor is one
    cell holding a semicolon, tab or pipe: a header separated by it)."""
    if len(row) == 1 and any(s in str(row[0]) for s in ";\t|"):
        return False
    filled = _filled(row)
    return len(filled) == 1 or 0 < len(filled) * 2 < len(row)


def header_row_among(rows: list[list[str]]) -> int:
    """The row, from 1, of the first rows of a file or sheet that looks most like its header:
    the first with the most cells filled in (at least two), all different; 1 when none has
    two. A title or notes above the header fill fewer cells, and the rows of data come after
    it."""
    best, most = 1, 1
    for number, row in enumerate(rows[:_LOOKED_AT], start=1):
        filled = _filled(row)
        if len(filled) > most and len({header_key(c) for c in filled}) == len(filled):
            best, most = number, len(filled)
    return best


def _refuse_a_title(path: Path, rows: list[list[str]]) -> None:
    """A first line that looks like a title, above a later line that looks like the header:
    a DataFileError naming that line as the header_row to give (the first line read as the
    header would name no column the table needs, or one column many times)."""
    if not rows or not looks_like_title(rows[0]):
        return
    found = header_row_among(rows)
    if found == 1 or len(_filled(rows[found - 1])) <= len(_filled(rows[0])):
        return
    title = _filled(rows[0])
    said = f"('{title[0]}')" if len(title) == 1 else f"({len(title)} of {len(rows[0])} cells)"
    header = _filled(rows[found - 1])
    shown = ", ".join(header[:4]) + (", ..." if len(header) > 4 else "")
    raise DataFileError(
        path,
        f"row 1 looks like a title {said}, not a header, and row {found} looks like the "
        f"header ({shown}): say header_row: {found} beside the table's file in a source "
        "profile (the rows above it are then skipped), or remove the lines above the header",
        row=1,
    )


def _refuse_read_twice(
    path: Path, headers: list[str], names: list[str], row: int, sheet: str | None = None
) -> None:
    """A DataFileError for a column to be read that the file holds twice under one name:
    the reader would read one of them and drop the other unseen."""
    for name in names:
        if headers.count(name) > 1:
            numbers = [n for n, h in enumerate(headers, start=1) if h == name]
            said = one_column_twice(headers, numbers, sheet_first_column(path, sheet))
            raise DataFileError(
                path,
                f"{said}: keep one, or rename the other",
                row=row,
                column=name,
            )


_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar (|)"}


def _csv_problem(
    path: Path, headers: list[str], encoding: str, separator: str = ",", header_row: int = 1
) -> DataFileError | None:
    """The first row polars could not read, found again with Python's csv module: a row with
    more fields than the header, a quote mark inside a value not in quotes, a quote never
    closed, or a value not in the file's encoding. The message names the row (as a spreadsheet
    numbers it: the header is row 1, or `header_row`, below rows that are not looked at) and,
    for a value, its column, and never quotes the row's contents."""
    width = len(headers)
    number = 1
    try:
        with open_text(path, encoding) as handle:
            lines = _Lines(handle)
            for number, row in enumerate(_csv_reader(lines, separator), start=1):
                record = lines.record()
                if number < header_row:
                    continue
                if number > header_row and len(row) > width:
                    return DataFileError(
                        path,
                        f"has {len(row)} fields but the header has {width}: a value holds an "
                        f"unquoted {_SEPARATOR_NAMES.get(separator, repr(separator))}, or the "
                        "row has a column the header does not name",
                        row=number,
                    )
                stray = _stray_quote(record, separator) if '"' in record else None
                if stray is not None:
                    return DataFileError(
                        path,
                        'a quote mark (") is inside a value that is not itself in quotes, so '
                        "the rows after it cannot be read. Put the whole value in quotes and "
                        "write the quote mark twice (as Excel's Save As CSV does), or remove it",
                        row=number,
                        column=headers[stray] if number > header_row and stray < width else None,
                    )
                undecoded = [i for i, value in enumerate(row) if _undecoded(value)]
                if undecoded:
                    return _undecodable(path, encoding, number, headers[undecoded[0]])
    except csv.Error:
        return DataFileError(
            path,
            'a quote (") opens a value that is never closed, or text follows a closing '
            "quote; fix the quoting from this row on",
            row=number + 1,
        )
    return None


class _Lines:
    """A text file's lines as the csv module reads them, keeping those of the last record
    it read (a quoted value may hold line breaks)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self._taken: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._taken.append(line)
        return line

    def record(self) -> str:
        """The text of the record read since the last call."""
        text = "".join(self._taken)
        self._taken.clear()
        return text


def _stray_quote(record: str, separator: str, quote: str = '"') -> int | None:
    """The index of the first field of a CSV record that holds a quote mark without being
    quoted (`O"Brien`, not `"O""Brien"`), or None. Python's csv module reads such a quote
    as a letter; polars, as the start of a quoted value that runs on over the next rows.

    Example
    -------
    >>> _stray_quote('P1,O"Brien,2020-01-01', ","), _stray_quote('P1,"O""Brien",x', ",")
    (1, None)
    """
    field, start, quoted, i = 0, True, False, 0
    while i < len(record):
        character = record[i]
        if quoted:
            if character == quote and record[i + 1 : i + 2] == quote:
                i += 1  # a quote mark written twice inside quotes is one
            elif character == quote:
                quoted = False
        elif character == separator:
            field, start = field + 1, True
            i += 1
            continue
        elif character == quote:
            if not start:
                return field
            quoted = True
        start = False
        i += 1
    return None


def _open_parquet(path: Path) -> tuple[list[str], Reader]:
    # glob=False: the file's own name, which may hold [ ] or * (`extract [Aug].parquet`).
    headers = list(pl.scan_parquet(path, glob=False).collect_schema())

    def read(names: list[str]) -> pl.DataFrame:
        return pl.read_parquet(path, columns=names, glob=False)

    return headers, read


def _open_xlsx(
    path: Path, sheet_name: str | None = None, header_row: int | None = None
) -> tuple[list[str], Reader]:
    # infer_schema_length=0: every cell as text, so ids like 007 keep their zeros; empty rows
    # kept, each a row as the spreadsheet numbers them (a blank row is quarantined as one).
    # `header_row` as the spreadsheet numbers it (the reader counts from 0).
    if sheet_name is not None:
        _check_sheet(path, sheet_name)
    sheet = pl.read_excel(
        path,
        engine="calamine",
        sheet_name=sheet_name,
        infer_schema_length=0,
        drop_empty_rows=False,
        read_options={} if header_row is None else {"header_row": header_row - 1},
    )
    headers = _xlsx_headers(path, sheet_name, header_row, sheet.columns)
    # Each header read once, to the reader's name for its column (a header twice is refused).
    named = dict(zip(headers, sheet.columns, strict=True))

    def read(names: list[str]) -> pl.DataFrame:
        if any(headers.count(name) > 1 for name in names):
            row = header_line(path, sheet_name, header_row)
            _refuse_read_twice(path, headers, names, row, sheet_name)
        return sheet.select(pl.col(named[name]).alias(name) for name in names)

    return headers, read


def _xlsx_headers(
    path: Path, sheet_name: str | None, header_row: int | None, columns: list[str]
) -> list[str]:
    """A sheet's headers as written: the reader names the second of two columns under one
    name apart itself (`Payment Amount_1`), and would read the first unseen as the only one;
    written as in the sheet, a column twice is refused when read and left out when not, as in
    a CSV file (`duplicated_headers`). The header row is read again only when a column's name
    may be such a renaming (another's, then `_` and a number)."""
    present = set(columns)
    renamed = [_RENAMED.fullmatch(c) for c in columns]
    if not any(m is not None and m.group(1) in present for m in renamed):
        return columns
    try:
        written = pl.read_excel(
            path,
            engine="calamine",
            sheet_name=sheet_name,
            has_header=False,
            infer_schema_length=0,
            drop_empty_rows=False,
            read_options={"n_rows": 1}
            if header_row is None
            else {"n_rows": 1, "skip_rows": header_row - 1},
        ).row(0)
    except Exception:  # (read a moment ago): the reader's names, as before
        return columns
    if len(written) != len(columns):
        return columns
    return [
        cell
        if isinstance(cell, str) and m is not None and m.group(1) == cell and cell != column
        else column
        for column, cell, m in zip(columns, written, renamed, strict=True)
    ]


# How the Excel reader names a column apart from an earlier one of the same name: `X_1`, `X_2`
# (and `X_1_1` for a column written `X_1` when `X_1` is already taken).
_RENAMED = re.compile(r"(.+)_\d+")


def _check_sheet(path: Path, sheet_name: str) -> None:
    """A DataFileError naming the workbook's sheets when it has none called `sheet_name`."""
    names = workbook_sheets(path)
    if names and sheet_name not in names:  # (none: the reader says why it cannot read it)
        shown = ", ".join(f"'{n}'" for n in names)
        raise DataFileError(
            path, f"has no sheet '{sheet_name}' (the profile's sheet); its sheets: {shown}"
        )


def _open_database(source: database.DatabaseTable) -> tuple[list[str], Reader]:
    result = database.open_query(source)  # reads its rows when called, then disconnects
    return result.headers, result


_OPENERS: dict[str, Callable[[Path], tuple[list[str], Reader]]] = {
    "csv": _open_csv,
    "parquet": _open_parquet,
    "xlsx": _open_xlsx,
}


def is_utf8(path: str | Path) -> bool:
    """Whether a file's bytes are all UTF-8 text (read a megabyte at a time)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _open(
    path: Path | database.DatabaseTable,
    fmt: str,
    encoding: str = "utf-8",
    separator: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
) -> tuple[list[str], Reader]:
    if isinstance(path, database.DatabaseTable):  # a profile's query (fmt "database")
        return _open_database(path)
    if path.stat().st_size == 0:
        raise DataFileError(
            path,
            "the file is empty (0 bytes): it should hold a header naming the columns, then "
            "one row per record; check that the extract ran and was saved",
        )
    if fmt == "xlsx":
        return _open_xlsx(path, sheet, header_row)
    if fmt != "csv":
        return _OPENERS[fmt](path)
    return _open_csv(path, encoding, separator or default_separator(path), header_row)


def format_of(path: Path) -> str | None:
    """How a file is read: ``csv`` (delimited text: .csv, and .txt or .tsv, which only a source
    profile names), ``parquet`` or ``xlsx``; None for any other file."""
    suffix = path.suffix.lower()
    return FORMATS.get(suffix) or ("csv" if suffix in TEXT_SUFFIXES else None)


def read_as_text(
    path: str | Path,
    encoding: str = "utf-8",
    separator: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    columns: list[str] | None = None,
) -> pl.DataFrame:
    """Every column of one data file (`.csv`, `.parquet` or `.xlsx`; `.txt` or `.tsv` text) as
    text, under its own headers: a council's extract looked at before it is mapped
    (`workbench profile suggest`, the mapping view of `validate --profile`); `encoding` and
    `separator` are a text file's (default UTF-8, and a comma, or a tab for .tsv); `columns`,
    only those (each a header of the file). A column written twice in the header is left out
    (`read_with_headers` lists it). A DataFileError when it cannot be read."""
    return read_with_headers(path, encoding, separator, sheet, header_row, columns)[0]


def read_with_headers(
    path: str | Path,
    encoding: str = "utf-8",
    separator: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    columns: list[str] | None = None,
) -> tuple[pl.DataFrame, list[str]]:
    """`read_as_text`'s frame, and the file's headers as written, a column written twice
    (left out of the frame) included."""
    path = Path(path)
    fmt = format_of(path)
    if fmt is None:
        raise DataFileError(
            path,
            "is not a format the workbench reads (.csv, .txt or .tsv delimited text, .parquet, "
            ".xlsx)",
        )
    try:
        headers, read = _open(path, fmt, encoding, separator, sheet, header_row)
        once = [h for h in headers if headers.count(h) == 1]  # a column twice is not read
        frame = read(once if columns is None else [c for c in once if c in columns])
    except WorkbenchError:
        raise
    except Exception as error:  # polars, fastexcel and OS errors alike mean "cannot read"
        raise _unreadable(path, fmt, error) from error
    return frame.select(pl.all().cast(pl.String)), headers


def _unreadable(path: Path | database.DatabaseTable, fmt: str, error: Exception) -> DataFileError:
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    advice = {
        "csv": "expected comma-separated UTF-8 text with a header row (Excel: Save As CSV UTF-8)",
        "parquet": "expected a parquet file",
        "xlsx": "expected an Excel .xlsx workbook with a header row on its first sheet",
        "database": "check the types the query returns",
    }[fmt]
    return DataFileError(str(path), f"cannot be read as {fmt} ({detail}): {advice}")


def _match_headers(
    path: Path,
    table: Table,
    headers: list[str],
    wanted: tuple[str, ...],
    row: int = 1,
    sheet: str | None = None,
) -> dict[str, str]:
    """Map each wanted column to the file's header for it; a DataFileError if a required one
    is missing or two headers claim the same column (naming the header's `row`)."""
    by_key: dict[str, list[str]] = {}
    for header in headers:
        by_key.setdefault(header_key(header), []).append(header)
    twice = duplicated_headers(headers)
    matched: dict[str, str] = {}
    missing: list[str] = []
    for name in wanted:
        hits = by_key.get(name, [])
        if len(hits) > 1:  # (a column twice that is not read is left out, unseen)
            raise DataFileError(
                path,
                f"{one_column_twice(headers, twice[name], sheet_first_column(path, sheet))}: "
                "keep one, or rename the other",
                row=row,
                column=name,
            )
        if hits:
            matched[name] = hits[0]
        elif table.column(name).required and not _numbered_by_loader(table, name):
            missing.append(name)
    if missing:
        raise _missing_columns(path, table, missing, headers)
    return matched


def _missing_columns(
    path: Path, table: Table, missing: list[str], headers: list[str]
) -> DataFileError:
    """The first missing column, with a header that may be it misspelt: never a header that
    is already another of the table's columns (`provider_id` is not a misspelt `record_id`)."""
    first = missing[0]
    keys = {header_key(h): h for h in headers if header_key(h) not in table.column_names}
    close = difflib.get_close_matches(first, list(keys), n=1, cutoff=0.6)
    hint = f"; found '{keys[close[0]]}': did you mean '{first}'?" if close else ""
    others = f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else ""
    shown = ", ".join(headers) if headers else "none"
    return DataFileError(
        path,
        f"required column '{first}' is missing{hint}{others}; columns in the file: {shown}"
        f"{_other_sheets(path)}. Add or rename the column and run again",
        column=first,
    )


def _other_sheets(path: Path) -> str:
    """For a workbook of several sheets: that only the first is read, and the others' names."""
    names = workbook_sheets(path)
    if len(names) < 2:
        return ""
    others = ", ".join(f"'{n}'" for n in names[1:])
    return (
        f" (only the workbook's first sheet, '{names[0]}', is read; it also has {others}: "
        "put the table on the first sheet, save that sheet as CSV, or name it in a source "
        "profile: sheet)"
    )


def _numbered_by_loader(table: Table, column: str) -> bool:
    # The DWP sometimes sends its list without row ids (the contract lets `dwp_list` lack them).
    return table.name == "dwp_list" and column == table.id_column


def _as_loaded(column: Column, dtype: pl.DataType) -> pl.Expr:
    """Text, except a date or number a typed file (parquet) already holds as one."""
    expr = pl.col(column.name)
    if column.dtype == "date" and dtype == pl.Date:
        return expr
    if column.dtype == "date" and isinstance(dtype, pl.Datetime):
        return expr.dt.date()
    if column.dtype == "decimal" and dtype.is_numeric():
        return expr.cast(pl.Float64)
    return expr if dtype == pl.String else expr.cast(pl.String)


def _read_raw(
    path: Path | database.DatabaseTable,
    fmt: str,
    table: Table,
    wanted: tuple[str, ...],
    profile: Profile | None = None,
) -> tuple[pl.DataFrame, TablePlan | None, frozenset[str], frozenset[str], pl.DataFrame]:
    """The wanted columns of one file under their canonical names (a DWP list without row
    ids numbered `dwp-row-<row>-<fingerprint>`: `_numbered_ids`), read through `profile`
    when it maps the table (then also the profile's plan for it, and the columns its value
    maps wrote every value of), the columns filled in here rather than read (the numbered
    ids), and the file's columns the profile's derived columns come from, as read (for the
    quarantine to show: `with_source_values`; none without a profile)."""
    plan: TablePlan | None = None
    read: Reader | None = None
    mapped: frozenset[str] = frozenset()
    sources = pl.DataFrame()
    through = profile if profile is not None and table.name in profile.tables else None
    encoding, separator = "utf-8", None
    sheet = through.sheet_for(table.name) if through is not None else None
    header_row = through.header_row_for(table.name) if through is not None else None
    if through is not None and fmt == "csv":
        assert isinstance(path, Path)  # a query's format is "database"
        encoding = through.encoding_for(table.name)
        separator = through.separator_for(table.name, path)
    # Each wanted column's header in the file; None for a profile's, read under its own name.
    matched: dict[str, str] | dict[str, None]
    try:
        headers, read = _open(path, fmt, encoding, separator, sheet, header_row)
        if through is not None:
            plan = through.plan(table, path, headers, wanted)
            # Only the columns the plan needs are read, and turned into the contract's
            # columns lazily (a plain mapping is a rename: nothing is copied).
            source = read(plan.columns)
            raw, mapped = plan.mapped_values(source)
            sources = source.select(plan.shown_columns)  # no copy: the same columns
            matched = dict.fromkeys(raw.columns)
        else:
            assert isinstance(path, Path)  # only a table a profile maps is read by a query
            row = header_line(path, sheet, header_row)
            matched = _match_headers(path, table, headers, wanted, row, sheet)
            raw = read(list(matched.values())).rename({v: k for k, v in matched.items()})
    except WorkbenchError:
        raise
    except Exception as error:  # polars, fastexcel and OS errors alike mean "cannot read"
        raise _unreadable(path, fmt, error) from error
    finally:
        getattr(read, "close", lambda: None)()  # a query's connection, if still open
    present = [table.column(name) for name in wanted if name in matched]
    # Lazy: a profile's derived columns come out chunked unlike the read ones, and an eager
    # select would first copy every column into one chunk (a quarter second at 1M people).
    raw = raw.lazy().select(_as_loaded(c, raw.schema[c.name]) for c in present).collect()
    filled_in: frozenset[str] = frozenset()
    if table.id_column not in raw.columns:
        numbered = _numbered_ids(raw, 1 if fmt == "database" else FIRST_DATA_ROW)
        raw = raw.with_columns(numbered.alias(table.id_column))
        filled_in = frozenset({table.id_column})
    return raw, plan, mapped, filled_in, sources


# The columns a numbered DWP-list row's id is fingerprinted from (`_numbered_ids`).
_FINGERPRINTED = ("child_forename", "child_surname", "child_date_of_birth")


def _numbered_ids(raw: pl.DataFrame, first: int) -> pl.Series:
    """Ids for a DWP list that gives none: ``dwp-row-<row>-<fingerprint>``, the row as a
    spreadsheet shows it, and six hex digits of the SHA-256 of the child's names and date
    of birth as written. The row alone would name another child in the next release of the
    list, and a decision recorded about this row (kept under its id) would be shown against
    that child; with the fingerprint, a row of another child has another id."""
    parts = [
        raw.get_column(c).cast(pl.String).fill_null("").to_list() if c in raw.columns else None
        for c in _FINGERPRINTED
    ]
    texts = zip(*(p if p is not None else [""] * raw.height for p in parts), strict=True)
    ids = [
        f"dwp-row-{first + n}-{hashlib.sha256(chr(31).join(t).encode()).hexdigest()[:6]}"
        for n, t in enumerate(texts)
    ]
    return pl.Series(ids, dtype=pl.String)


# --- loading one table ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Loaded:
    accepted: pl.DataFrame
    quarantine: pl.DataFrame
    warnings: pl.DataFrame
    report: FileReport
    row_numbers: pl.Series | None = None
    plan: TablePlan | None = None


def _load_table(
    table: Table,
    path: Path | database.DatabaseTable,
    wanted: tuple[str, ...],
    normalise: bool = True,
    profile: Profile | None = None,
) -> _Loaded:
    """Read one file and split its rows into accepted, quarantined and warned."""
    fmt = format_of(path) if isinstance(path, Path) else "database"
    assert fmt is not None  # the folder's scan and the profile take only files of a format read
    raw, plan, mapped, filled_in, sources = _read_raw(path, fmt, table, wanted, profile)
    sheet = profile.sheet_for(table.name) if profile is not None else None
    header_row = profile.header_row_for(table.name) if profile is not None else None
    # check_rows numbers the rows from a header on row 1: as a spreadsheet shows them, they
    # are further on by the rows above the header (a title, notes, empty rows), and a query's
    # result, whose first row is 1, one back.
    below = (
        -1 if isinstance(path, database.DatabaseTable) else header_line(path, sheet, header_row) - 1
    )
    # Small tables that refer to another keep their accepted rows' numbers for the check.
    try:
        checked = check_rows(
            table,
            raw,
            path.name,
            fmt,
            normalise,
            number_accepted=bool(table.references),
            date_formats=plan.date_formats if plan is not None else None,
            mapped=mapped,
            filled_in=filled_in,
            repeats_once=profile is not None and profile.reads_repeats_once(table.name),
            labels=plan.labels if plan is not None else None,
            # Only delimited text writes numbers as text in a locale's way: a workbook's and
            # a parquet file's numbers are numbers.
            number_formats=plan.number_formats if plan is not None and fmt == "csv" else None,
            value_mapped=tuple(plan.mapped) if plan is not None else (),
        )
    except DataFileError as error:  # (month-first dates) named as the source names the column
        raise _renamed_and_renumbered(error, plan, below) from None
    if plan is not None:  # before renumbering: the rows are numbered as check_rows did
        quarantine = with_source_values(checked.quarantine, plan, sources)
        quarantine = with_placeholder_hints(quarantine, table, plan, raw)
        checked = replace(checked, quarantine=quarantine)
    del sources
    if below:
        checked = renumbered(checked, below)
    report = FileReport(
        table.name, path, fmt, checked.read, checked.accepted.height, checked.quarantine.height
    )
    if report.accepted + report.quarantined != report.read:
        raise RuntimeError(
            f"internal error loading {path}: {report.accepted} accepted + "
            f"{report.quarantined} quarantined != {report.read} read"
        )
    return _Loaded(
        checked.accepted, checked.quarantine, checked.warnings, report, checked.accepted_rows, plan
    )


def _renamed_and_renumbered(
    error: DataFileError, plan: TablePlan | None, below: int
) -> DataFileError:
    """An error `check_rows` raised about a row, naming its row as a spreadsheet shows it
    (`below` further on, as the quarantine is renumbered) and its column as the source
    names it (the profile's)."""
    label = plan.labels.get(error.column or "") if plan is not None else None
    column = label if label is not None else error.column
    if column == error.column and not (below and error.row is not None):
        return error
    message = str(error).removeprefix(
        str(DataFileError(error.file, "", column=error.column, row=error.row))
    )
    row = error.row + below if error.row is not None else None
    return DataFileError(error.file, message, column=column, row=row)


def _missing_table(folder: Path, table: str, ignored: list[Path]) -> DataFileError:
    near = [p.name for p in ignored if name_key(p) == table]
    found = f"; found {', '.join(near)}, which is not a format the workbench reads" if near else ""
    return DataFileError(
        folder,
        f"required table '{table}' is missing: expected {table}.csv, {table}.parquet or "
        f"{table}.xlsx in this folder{found}",
    )


def _load_one(
    name: str,
    path: Path | database.DatabaseTable,
    plan: tuple[str, ...],
    normalise: bool,
    profile: Profile | None,
) -> _Loaded:
    with progress.step(f"reading {path.name}"):
        return _load_table(TABLES[name], path, plan, normalise, profile)


def _size(path: Path | database.DatabaseTable) -> float:
    # A table read from a database (workbench.data.database) first: its size is unknown.
    return path.stat().st_size if isinstance(path, Path) else float("inf")


def _check_profile_headers(
    files: dict[str, Path | database.DatabaseTable],
    plans: dict[str, tuple[str, ...]],
    profile: Profile,
) -> None:
    """Every file `profile` maps, its header checked against the profile's entries before any
    file's rows are read: a column the file lacks (`D.O.B` for `DOB`) stops the command at
    once, not after the other files are read. Headers only: a text file's first lines, a
    workbook's first rows (a query's columns are checked as it is read)."""
    for name, path in files.items():
        if name not in profile.tables or not isinstance(path, Path):
            continue
        fmt = format_of(path)
        if fmt is None or path.stat().st_size == 0:
            continue  # the reader says why
        sheet, header_row = profile.sheet_for(name), profile.header_row_for(name)
        if fmt == "xlsx":
            if sheet is not None:
                _check_sheet(path, sheet)
            top = pl.read_excel(
                path,
                engine="calamine",
                sheet_name=sheet,
                infer_schema_length=0,
                read_options={"n_rows": 1}
                | ({} if header_row is None else {"header_row": header_row - 1}),
            )
            headers = _xlsx_headers(path, sheet, header_row, top.columns)
        elif fmt == "csv":
            encoding = profile.encoding_for(name)
            separator = profile.separator_for(name, path)
            headers = _csv_header(path, encoding, separator, header_row)
        else:
            headers, _ = _open(path, fmt)
        profile.plan(TABLES[name], path, headers, plans[name])


def _load_tables(
    files: dict[str, Path | database.DatabaseTable],
    plans: dict[str, tuple[str, ...]],
    normalise: bool,
    profile: Profile | None = None,
) -> dict[str, _Loaded]:
    """Load the files on two threads, largest first: polars releases the GIL, and the
    single-threaded stretches of one table's checks overlap another table's reading."""
    order = sorted(files, key=lambda name: _size(files[name]), reverse=True)
    if len(order) < 2:
        return {
            name: _load_one(name, files[name], plans[name], normalise, profile) for name in order
        }
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(_load_one, name, files[name], plans[name], normalise, profile)
            for name in order
        }
        done = {name: future.result() for name, future in futures.items()}
    return {name: done[name] for name in files}


def load_folder(
    folder: str | Path,
    *,
    tables: Iterable[str] | None = None,
    columns: Mapping[str, Iterable[str]] | None = None,
    equality_monitoring: bool = False,
    normalise: bool = True,
    profile: Profile | str | Path | None = None,
    keep: Mapping[str, Iterable[str]] | None = None,
) -> LoadedData:
    """Load a data folder: accepted typed rows per table, the quarantine and warnings.

    Parameters
    ----------
    folder
        A folder holding one file per canonical table (`people.csv`, `benefits.parquet`, ...).
    tables
        The tables to read (default: every canonical table present). `people` and `benefits`
        must be present when asked for; an optional table that is absent is simply left out.
    columns
        Optional columns to read, per table (default: every optional column the purpose may
        see). Required columns are always read, so the required-field rules always hold.
        Optional columns the file lacks are absent from the frame, so a caller can tell
        "no role column" from "role empty".
    equality_monitoring
        Read the special-category columns (sex, ethnicity, first_language). Without it they
        are never read, and asking for them in `columns` is a UsageError.
    normalise
        Normalise names, postcodes and NINOs (`workbench.data.clean`) and warn of postcodes and
        NINOs out of UK shape (the default). False leaves them as written (required ones,
        the names, only stripped, blank -> null, like any text) and computes no warnings of
        shape: for a caller that normalises the few values it compares (the linkage does),
        which saves a scan of every name, postcode and NINO in the file. The quarantine is the
        same either way, and so is the warning of people whose role is empty.
    profile
        A source profile (`workbench.data.profiles`, a path or a loaded `Profile`) that says
        which file of the folder each table comes from and how its columns, dates and codes
        map onto the contract. Default: the one `--profile` names (the WORKBENCH_PROFILE
        environment variable), if any. Tables it does not map are read as contract files.
        The quarantine then names the source file and the source column.
    keep
        Per table, the only columns its accepted rows keep: the others (required ones too)
        are read to check each row, so the same rows are accepted as in any other load, then
        dropped before the frame is returned. For a purpose that must not hold them beside
        what it reads, e.g. names beside special-category fields (`workbench.stats`).

    Returns
    -------
    LoadedData
        For every file read, `accepted + quarantined == read`.

    Raises
    ------
    DataFileError
        A required table is missing, a table is given in two formats, a file is empty or
        cannot be read (a CSV row with more fields than the header, a stray quote mark), or
        it lacks a required column. The message names the file, and the row or column.
    UsageError
        An unknown table or column is asked for, or a special-category column without
        `equality_monitoring`.
    """
    root = Path(folder)
    chosen = _profile(profile)
    found, ignored = _scan_folder(root)
    wanted = _tables_wanted(tables)
    asked = dict(columns or {})
    kept = {name: tuple(names) for name, names in (keep or {}).items()}
    unknown = sorted(set(asked) - set(TABLES))
    if unknown:
        raise UsageError(
            f"columns asked for unknown table(s) {', '.join(unknown)}: "
            f"canonical tables are {', '.join(TABLES)}"
        )
    plans = {
        name: _columns_wanted(TABLES[name], asked.get(name), equality_monitoring)
        for name in TABLES
        if name in wanted or name in asked
    }
    for name, names in kept.items():
        extra = sorted(set(names) - set(plans.get(name, ())))
        if name not in wanted or extra:
            raise UsageError(
                f"keep names columns not read from table {name}: {', '.join(extra) or name}"
            )
    profiled = {
        name: chosen.source_for(name, root)
        for name in wanted
        if chosen is not None and name in chosen.tables
    }
    # Not ignored: a file the profile reads, whether or not its table is read this time (the
    # people table is read alone while the others are, and their loads are combined).
    ignored = [p for p in ignored if p not in profiled.values() and not _profile_reads(chosen, p)]
    for name in wanted:
        if TABLES[name].required and name not in found and name not in profiled:
            raise _missing_table(root, name, ignored)
    files = {
        name: profiled[name] if name in profiled else _one_file(name, found[name])
        for name in wanted
        if name in found or name in profiled
    }

    if chosen is not None:
        _check_profile_headers(files, plans, chosen)
    loaded = _load_tables(files, plans, normalise, chosen)
    people = loaded.get("people")
    if people is not None and people.report.read == 0:
        raise DataFileError(
            str(people.report.file),
            "has a header but no rows: with no people no child can be assessed or listed; "
            "check that the extract ran",
            row=2,
        )
    parts = list(loaded.values())
    checked = check_references(
        LoadedData(
            folder=root,
            tables={name: part.accepted for name, part in loaded.items()},
            quarantine=pl.concat(
                [pl.DataFrame(schema=QUARANTINE_SCHEMA), *(p.quarantine for p in parts)]
            ),
            warnings=pl.concat(
                [pl.DataFrame(schema=QUARANTINE_SCHEMA), *(p.warnings for p in parts)]
            ),
            reports={name: part.report for name, part in loaded.items()},
            ignored=tuple(ignored),
            row_numbers={
                name: part.row_numbers
                for name, part in loaded.items()
                if part.row_numbers is not None
            },
            profile=chosen.path if chosen is not None else None,
            source_columns={n: dict(p.plan.labels) for n, p in loaded.items() if p.plan},
            derivations={n: dict(p.plan.derivations) for n, p in loaded.items() if p.plan},
        )
    )
    if kept:
        tables = {
            name: frame.select(c for c in frame.columns if c in kept[name])
            if name in kept
            else frame
            for name, frame in checked.tables.items()
        }
        checked = replace(checked, tables=tables)
    return _in_source_terms(checked, loaded)


def _profile_reads(profile: Profile | None, path: Path) -> bool:
    """`path` is a file a table of `profile` names (`tables.<table>.file`, a pattern)."""
    if profile is None:
        return False
    patterns = [t.file for t in profile.tables.values() if t.file is not None]
    return any(path in path.parent.glob(pattern) for pattern in patterns)


def _profile(profile: Profile | str | Path | None) -> Profile | None:
    if isinstance(profile, Profile):
        return profile
    return load_profile(profile) if profile is not None else active_profile()


def _in_source_terms(data: LoadedData, loaded: Mapping[str, _Loaded]) -> LoadedData:
    """The quarantine and warnings of tables read through a profile, naming the source's
    columns (`DOB`, not date_of_birth) and the profile's value maps."""
    plans = {name: part.plan for name, part in loaded.items() if part.plan is not None}
    if not plans:
        return data
    return replace(
        data,
        quarantine=relabelled_by_profile(data.quarantine, plans, placeholders=False),
        warnings=relabelled_by_profile(data.warnings, plans),
        source_columns={name: dict(plan.labels) for name, plan in plans.items()},
    )


def check_references(data: LoadedData) -> LoadedData:
    """Quarantine the accepted rows whose reference to another table finds nothing there
    (`Table.references`: an award, a status or a `households` row whose person_id or
    household_id is not one of people's accepted rows), with file, row, column and reason;
    `accepted + quarantined = read` still holds. A table whose other table is not in this load
    waits for `combine_loaded`."""
    tables, reports = dict(data.tables), dict(data.reports)
    numbers, found = dict(data.row_numbers), [data.quarantine]
    ready = [
        name for name in numbers if all(other in tables for _, other, _ in TABLES[name].references)
    ]
    absent = _absent_all(
        [
            (
                tables[name].get_column(column),
                tables[other].get_column(other_column),
                (other, other_column),
            )
            for name in ready
            for column, other, other_column in TABLES[name].references
        ]
    )
    for name in ready:
        checks = TABLES[name].references
        flags = [absent.pop(0) for _ in checks]
        if not any(flag.any() for flag in flags):
            numbers.pop(name)
            continue
        frame = tables[name].with_columns(
            numbers.pop(name), *(flag.alias(f"__absent_{i}") for i, flag in enumerate(flags))
        )
        labels = data.source_columns.get(name, {})
        unknown = pl.any_horizontal(pl.col(f"__absent_{i}") for i in range(len(checks)))
        made = [
            column
            for (column, _, _), flag in zip(checks, flags, strict=True)
            if flag.any() and column in data.derivations.get(name, {})
        ]
        bad, shown = _with_source_cells(data, name, frame.filter(unknown), made)
        reasons = []
        for i, (column, other, other_column) in enumerate(checks):
            other_file = reports[other].file.name if other in reports else other
            # A value may be in the other file on a row quarantined there: said, when any is.
            or_quarantined = (
                ", or is only on rows quarantined there"
                if other in reports and reports[other].quarantined
                else ""
            )
            # Named as the files name them: under a profile, `Client ID` in clients.csv, with
            # the contract's name beside it (the reason's kind is told by it).
            other_label = data.source_columns.get(other, {}).get(other_column, other_column)
            if other_label != other_column:
                other_label = f"{other_label} ({other_column})"
            # An id the other file's profile entry builds is no column of that file: named
            # by the contract, with what it is made of there (`'P' + Client No`).
            built = None
            if other_column in data.derivations.get(other, {}):
                kind, parts = data.derivations[other][other_column]
                # (A profile that cannot be read again, made in Python: said more briefly.)
                built = made_in(data.profile, other, other_column) or (
                    f"{kind} of {' and '.join(parts)}" if parts else kind
                )
            other_said = f"{other_label} in {other_file}"
            if built is not None:  # (a `{text: ...}` piece's braces kept for pl.format)
                built = built.replace("{", "{{").replace("}", "}}")
                other_said = f"{other_column} in {other_file} (made there as {built})"
            label = labels.get(column, column)
            # An id the profile makes (`{concat: [{text: P}, Client No]}`) is shown as its
            # source cells, which the council can find, and the id made of them.
            ours, ids = f"{label} {{}}", [pl.col(column)]
            if column in shown:
                made_of = pl.coalesce(shown[column], column)  # (a file changed: as made)
                ours, ids = f"{label} {{}} ({column} {{}})", [made_of, *ids]
            text = f"{ours} is not a {other_said}{or_quarantined}"
            said = pl.format(text, *ids)
            # Ids alike but for leading zeros (`0000024` and `24`): Excel's doing, said.
            matches = zero_matches(
                frame.filter(flags[i]).get_column(column), tables[other][other_column]
            )
            if not matches.is_empty():
                lost = lost_zeros(
                    matches,
                    (name, column, labels.get(column, column), reports[name].file.name),
                    (
                        other,
                        other_column,
                        data.source_columns.get(other, {}).get(other_column, other_column),
                        other_file,
                    ),
                    data.derivations,
                )
                match = pl.col(column).replace_strict(
                    matches["value"], matches["match"], default=None, return_dtype=pl.String
                )
                said = (
                    pl.when(match.is_not_null())
                    .then(
                        pl.format(
                            f"{text}, though {{}} is once leading zeros are ignored: "
                            + lost.replace("{", "{{").replace("}", "}}"),
                            *ids,
                            match,
                        )
                    )
                    .otherwise(said)
                )
            reasons.append((pl.col(f"__absent_{i}"), label, column, said))
        pairs = [(flag, pl.lit(label)) for flag, label, _, _ in reasons]
        texts = [(flag, said) for flag, _, _, said in reasons]
        cells = [
            (flag, pl.coalesce(shown.get(c, c), c).cast(pl.String)) for flag, _, c, _ in reasons
        ]
        report = reports[name]
        found.append(
            bad.select(
                pl.lit(name).alias("table"),
                pl.lit(report.file.name).alias("file"),
                pl.col("row"),
                first_match(pairs).alias("column"),
                first_match(cells).alias("value"),
                first_match(texts).alias("reason"),
            )
        )
        tables[name] = frame.filter(~unknown).select(tables[name].columns)
        reports[name] = replace(
            report,
            accepted=report.accepted - bad.height,
            quarantined=report.quarantined + bad.height,
        )
    position = {name: i for i, name in enumerate(TABLES)}
    quarantine = (
        pl.concat(found).sort(
            pl.col("table").replace_strict(position, return_dtype=pl.Int32),
            "row",
            maintain_order=True,
        )
        if len(found) > 1
        else data.quarantine
    )
    return replace(data, tables=tables, reports=reports, quarantine=quarantine, row_numbers=numbers)


def _with_source_cells(
    data: LoadedData, table: str, rows: pl.DataFrame, columns: list[str]
) -> tuple[pl.DataFrame, dict[str, str]]:
    """`rows` (rows of `table` failing a reference check, numbered ``row`` as the file shows
    them) with, for each of `columns` (ids a source profile makes otherwise than by reading
    one column as it is), the source cells it was made from, read again from the file
    (`workbench.data.quarantine.read_again`); and the column holding each id's cells. The
    quarantine shows a cell as the file holds it (``0000811``), not the id made of it
    (``P0000811``), so that the council can find it. Nothing is added when the file cannot
    be read again (a database query's table): the id made is shown."""
    if rows.is_empty() or not columns or data.profile is None:
        return rows, {}
    from workbench.data.quarantine import SOURCE_CELLS, read_again

    again = read_again(data, table, columns)
    if again is None:
        return rows, {}
    shown = {c: c + SOURCE_CELLS for c in columns if c + SOURCE_CELLS in again.columns}
    cells = again.select(
        pl.col("row").cast(rows.schema["row"]), *(pl.col(s) for s in shown.values())
    )
    return rows.join(cells, on="row", how="left", maintain_order="left"), shown


def zero_matches(values: pl.Series, known: pl.Series) -> pl.DataFrame:
    """The distinct `values` (ids found nowhere in `known`) that equal a value of `known`
    once leading zeros are ignored on both sides (`0000024` and `24`): ``value`` and
    ``match``, one known value each. Asked only of the ids a reference check did not find,
    so `known` is read once, and only when some are missing."""
    key = "__key"
    missing = (
        values.cast(pl.String).drop_nulls().unique().to_frame("value")
        .with_columns(pl.col("value").str.strip_chars_start("0").alias(key))
        .filter(pl.col(key) != "")
    )  # fmt: skip
    if missing.is_empty():
        return pl.DataFrame(schema={"value": pl.String, "match": pl.String})
    found = (
        known.cast(pl.String).drop_nulls().to_frame("match").lazy()
        .with_columns(pl.col("match").str.strip_chars_start("0").alias(key))
        .filter(pl.col(key).is_in(missing.get_column(key).implode()))
        .unique(key, keep="first", maintain_order=True)
        .collect()
    )  # fmt: skip
    return missing.join(found, on=key).select("value", "match").sort("value")


def lost_zeros(
    matches: pl.DataFrame,
    referring: tuple[str, str, str, str],
    referred: tuple[str, str, str, str],
    derivations: Derivations | None = None,
) -> str:
    """What to do about ids that match once leading zeros are ignored (`zero_matches`):
    the side written shorter lost its zeros (Excel holds an id typed as a number so, and
    writes it so), named as its file names the column, with the profile entry that pads it
    back. `referring` and `referred` are each (table, contract column, column as the file
    names it, file); `derivations`, how a profile makes its derived columns
    (`LoadedData.derivations`): a column made by `concat`, `split` or `coalesce` of several
    columns is not one `pad` can read, so the advice names the file's columns it is made
    from and says the export (or the derivation) must keep the zeros."""
    value, match = matches.row(0)
    table, column, label, file = referred if len(match) < len(value) else referring
    widths = matches.select(
        pl.max_horizontal(pl.col("value").str.len_chars(), pl.col("match").str.len_chars())
    ).to_series()
    width = int(widths.mode().max())  # type: ignore[arg-type]
    kind, sources = (derivations or {}).get(table, {}).get(column, ("column", (label,)))
    if kind in ("column", "pad") or (kind == "coalesce" and len(sources) == 1):
        padded = sources[0]
        return (
            f"Excel may have dropped the zeros from {padded} in {file}: format that column as "
            f"text and export again, or read it through a source profile as tables.{table}."
            f"columns.{column}: {{pad: {{column: {padded}, width: {width}}}}}"
        )
    named = " and ".join(sources) if sources else label
    those = "that column" if len(sources) == 1 else "those columns"
    return (
        f"Excel may have dropped the zeros from {named} in {file}: format {those} as text and "
        f"export again. The profile makes {column} from {label} by {kind} "
        f"(tables.{table}.columns.{column}), and pad reads one column as it is, so it cannot "
        "give the zeros back there: the export (or whatever makes the column) must keep them"
    )


# Fewer referring values than the referred-to column's rows divided by this are looked up one
# by one (a binary search each, when the column is known to be in order; else in a hash of
# them); more are merged with it.
_FEW = 20


def _absent_all(pairs: list[tuple[pl.Series, pl.Series, tuple[str, str]]]) -> list[pl.Series]:
    """`_absent` of each (values, known, known's table and column), two at a time, the most
    values first: each is one thread's work in polars, and at 1M households the awards take
    about as long as the households and the statuses together. Whether a referred-to column
    is in order is found once (people's person_id serves awards and statuses), and only for
    a pair with many values, which needs it."""
    in_order: dict[tuple[str, str], bool] = {}
    for values, known, where in pairs:
        if values.len() * _FEW >= known.len() and where not in in_order:
            in_order[where] = known.null_count() == 0 and known.is_sorted()

    def absent(index: int) -> pl.Series:
        values, known, where = pairs[index]
        return _absent(values, known, in_order.get(where, False))

    largest = sorted(range(len(pairs)), key=lambda i: pairs[i][0].len(), reverse=True)
    if len(pairs) < 2:
        return [absent(i) for i in largest]
    with ThreadPoolExecutor(max_workers=2) as pool:
        found = dict(zip(largest, pool.map(absent, largest), strict=True))
    return [found[i] for i in range(len(pairs))]


def _absent(values: pl.Series, known: pl.Series, in_order: bool | None = None) -> pl.Series:
    """Whether each of `values` is none of `known`'s (an empty value is not absent): exactly,
    never by a hash that two values could share. `in_order` says whether `known` is in order
    without empty values, when the caller knows it already.

    `known` is a column of the referred-to table (people: millions of rows), which an export
    most often gives in order of its ids. Then a few `values` (statuses) are looked up in it
    by binary search, and many (awards), put in order if they are not, are merged with it by
    an as-of join, one pass over each: at 1M households about 30 ms for the 0.6M awards
    against 2.4M people, where hashing either side's values costs three to five times as
    long. A `known` out of order, or not known to be in order (`in_order` False: finding out
    would cost more than a few values save), is probed once against a few `values` (no
    distinct values taken first: that costs more than it saves), and `values` against the few
    found; many are anti-joined with it (`_joined_absent`, a hash join on every core, which
    compares the values themselves).

    Example
    -------
    >>> _absent(pl.Series(["P2", "P9", "P1"]), pl.Series(["P1", "P2", "P3"])).to_list()
    [False, True, False]
    """
    if values.is_empty():
        return pl.Series(values.name, [], dtype=pl.Boolean)
    if in_order is None:
        in_order = known.null_count() == 0 and known.is_sorted()
    if values.null_count() or not in_order:
        if values.len() * _FEW < known.len():  # a few: probe once, then look them up
            present = known.filter(known.is_in(values.drop_nulls().implode()))
            return (values.is_not_null() & ~values.is_in(present.implode())).alias(values.name)
        return _joined_absent(values, known)
    if values.len() * _FEW < known.len():
        # The first known value not before each value: the value itself when it is known.
        at = known.search_sorted(values, side="left").clip(0, known.len() - 1)
        return known.gather(at).ne_missing(values).alias(values.name)
    order = None if values.is_sorted() else values.arg_sort()
    absent = _merged(values if order is None else values.gather(order), known)
    if order is None:
        return absent.alias(values.name)
    unsorted = pl.Series(values.name, [False], dtype=pl.Boolean).new_from_index(0, values.len())
    return unsorted.scatter(order, absent)


# A referred-to column held in pieces of at least this many rows on average is merged piece
# by piece (`_merged`).
_PIECE_ROWS = 40_000


def _merged(values: pl.Series, known: pl.Series) -> pl.Series:
    """`_absent` of `values` in order against `known` in order, by as-of joins. A join needs
    each side in one piece, and people's ids are held in pieces (polars' chunks): a few dozen
    from parquet at 1M households, where putting them in one would cost 25 ms and 40-50 MiB
    at the peak of the run, so the values are cut where each piece starts and each run is
    merged with its piece; a couple of hundred small ones from CSV, where so many joins
    would cost more than putting them in one (at a time when the CSV run's peak is behind)."""
    pieces = [piece for piece in known.get_chunks() if piece.len()]
    if len(pieces) < 2 or known.len() < _PIECE_ROWS * len(pieces):
        return _as_of_absent(values, known)
    starts = pl.Series([piece[0] for piece in pieces[1:]], dtype=known.dtype)
    ends = [*values.search_sorted(starts, side="left").to_list(), values.len()]
    found, begin = [], 0
    for piece, end in zip(pieces, ends, strict=True):
        if end > begin:
            found.append(_as_of_absent(values.slice(begin, end - begin), piece))
        begin = end
    return pl.concat(found)


def _joined_absent(values: pl.Series, known: pl.Series) -> pl.Series:
    """`_absent` by an anti join (polars' hash join, on every core): the positions of the
    values found in none of `known`'s rows. For `known` out of order (ids that sort as text
    out of their numeric order, ``P10`` before ``P2``): at 1M households 0.13 s for 0.8M
    awards against 3.6M people, where probing one side's values with the other's (`is_in`)
    took 0.4 s on one core."""
    key, at = "__key", "__at"
    left = values.to_frame(key).with_row_index(at).filter(pl.col(key).is_not_null())
    missing = left.join(known.to_frame(key), on=key, how="anti").get_column(at)
    absent = pl.Series(values.name, [False], dtype=pl.Boolean).new_from_index(0, values.len())
    return absent.scatter(missing, True) if missing.len() else absent


def _as_of_absent(values: pl.Series, known: pl.Series) -> pl.Series:
    """`_absent` of `values` in order against `known` in order (both checked by the caller)."""
    key, match = "__key", "__match"
    left = values.to_frame(key).set_sorted(key)
    right = pl.DataFrame({key: known, match: known}).set_sorted(key)
    # The last known value not after each value: the value itself when it is known.
    matched = left.join_asof(right, on=key, check_sortedness=False, allow_parallel=False)
    return matched.select(pl.col(match).ne_missing(pl.col(key))).to_series()


def combine_loaded(*parts: LoadedData) -> LoadedData:
    """Loads of one folder's different tables as one load, tables in canonical order (as one
    `load_folder` of them all would give)."""
    folders = {part.folder for part in parts}
    if len(folders) != 1:
        raise ValueError(f"combine_loaded: loads of different folders {sorted(map(str, folders))}")
    names = [name for name in TABLES if any(name in part.tables for part in parts)]
    repeated = [n for n in names if sum(n in part.tables for part in parts) > 1]
    if repeated:
        raise ValueError(f"combine_loaded: table(s) {repeated} loaded twice")
    owner = {name: part for part in parts for name in part.tables}
    position = {name: i for i, name in enumerate(TABLES)}

    def rows(frames: list[pl.DataFrame]) -> pl.DataFrame:
        # Per table in canonical order; each load keeps its own rows' order.
        both = pl.concat([pl.DataFrame(schema=QUARANTINE_SCHEMA), *frames])
        return both.sort(
            pl.col("table").replace_strict(position, return_dtype=pl.Int32), maintain_order=True
        )

    return check_references(
        LoadedData(
            folder=parts[0].folder,
            tables={name: owner[name].tables[name] for name in names},
            quarantine=rows([part.quarantine for part in parts]),
            warnings=rows([part.warnings for part in parts]),
            reports={name: owner[name].reports[name] for name in names},
            ignored=parts[0].ignored,
            row_numbers={k: v for part in parts for k, v in part.row_numbers.items()},
            profile=next((part.profile for part in parts if part.profile), None),
            source_columns={k: v for part in parts for k, v in part.source_columns.items()},
            derivations={k: v for part in parts for k, v in part.derivations.items()},
        )
    )


def quarantine_kind(reason: pl.Expr) -> pl.Expr:
    """The kind of a quarantine reason's first problem ("bad date", "duplicate id", ...).

    Example
    -------
    >>> pl.select(quarantine_kind(pl.lit("required field is empty"))).item()
    'empty required field'
    """
    first = reason.str.split("; ").list.first()
    pairs = [(first.str.contains(p, literal=True), pl.lit(k)) for p, k in QUARANTINE_KINDS]
    return first_match(pairs).otherwise(pl.lit("other"))
