"""Read a data folder into typed tables, a quarantine of rejected rows, and warnings.

A data folder holds one file per canonical table (`workbench.schema.TABLES`), named by the
table: `people.csv`, `benefits.parquet`, `dwp_list.xlsx`. `load_folder` reads each file once,
checks every row against the schema in one vectorised pass, and splits it three ways:

- accepted rows, typed (string -> `pl.String`, date -> `pl.Date`, decimal -> `pl.Float64`,
  enum -> `pl.String` holding one of the allowed values, lower-case);
- the quarantine: one row per rejected input row, with the file, the row number, the column
  and the raw value of its first problem, and a reason listing every problem;
- warnings: accepted rows with a note that does not reject them (a postcode or NINO that is
  not in UK shape is kept as given, normalised).

Row numbers are as a spreadsheet shows them: the header is row 1 and the first data row is
row 2. Parquet files are numbered the same way (their first record is row 2), so a row number
means the same thing whatever the format.

Dates are ISO `YYYY-MM-DD` or UK `dd/mm/yyyy` (four-digit years), one format per column per
file: the format that reads the most values wins (ties: ISO) and values in the other format
are quarantined as mixed, never guessed row by row. Cells that Excel itself stores as dates
are dates whatever the column's text format; a parquet column already typed Date is taken as
it is.

Headers match columns ignoring case, surrounding space, and spaces or hyphens in place of
underscores ("Date of Birth" reads as date_of_birth). Columns the schema does not declare
are never read, nor special-category columns unless `equality_monitoring=True`.

Enum columns come back as `pl.String`, not `pl.Enum`: in polars 2.1 comparing an Enum with an
unknown literal is silently false (no typo protection), and String columns join and concatenate
with frames built elsewhere without dtype mismatches.

Decimals accept plain numbers (`15400`, `-12.5`, `.5`) and money as people type it (`£15,400.50`:
one leading pound sign, commas only in thousands groups); anything else, including `1e5`,
`NaN` and `15,40`, is "not a number".

Speed: every check is a polars expression run once over the whole file; a column of names or
postcodes already in normal form (most are) is scanned, not rewritten (a postcode or NINO in
UK shape is normal: one scan serves both the normalising and the warning), an enum column
already lower-case is not rewritten, and ids in increasing order are known distinct from one
comparison per row. On 3.6M people rows plus 1.2M awards, loading takes about 1.6x a bare
`pl.read_csv` of the same files.

Example
-------
>>> data = load_folder("data_samples/council_small")  # doctest: +SKIP
>>> data.tables["people"].schema["date_of_birth"]  # doctest: +SKIP
Date
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from workbench import clean, progress
from workbench.errors import DataFileError, UsageError, WorkbenchError
from workbench.schema import TABLES, Column, Table

__all__ = [
    "DATE_FORMATS",
    "FORMATS",
    "QUARANTINE_KINDS",
    "QUARANTINE_SCHEMA",
    "DateFormat",
    "FileReport",
    "LoadedData",
    "combine_loaded",
    "find_table_file",
    "load_folder",
    "quarantine_kind",
]

FORMATS: dict[str, str] = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}
FIRST_DATA_ROW = 2  # spreadsheet numbering: the header is row 1
QUARANTINE_SCHEMA = pl.Schema(
    {
        "table": pl.String,
        "file": pl.String,
        "row": pl.Int64,
        "column": pl.String,
        "value": pl.String,
        "reason": pl.String,
    }
)
DTYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "date": pl.Date(),
    "decimal": pl.Float64(),
    "enum": pl.String(),
}


@dataclass(frozen=True)
class DateFormat:
    """A date format a column may use: its label for people, strftime form, and shape."""

    label: str
    strftime: str
    # chrono alone would read "5/1/20" as the year 20 AD: the shape insists on four digits.
    shape: str


ISO_DATE = DateFormat("YYYY-MM-DD", "%Y-%m-%d", r"^\d{4}-\d{1,2}-\d{1,2}$")
UK_DATE = DateFormat("dd/mm/yyyy", "%d/%m/%Y", r"^\d{1,2}/\d{1,2}/\d{4}$")
# In order of preference: a tie in a column goes to the first.
DATE_FORMATS: tuple[DateFormat, ...] = (ISO_DATE, UK_DATE)
# calamine renders an Excel date cell as text like "2026-09-01 00:00:00".
_EXCEL_DATE_CELL = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?$"
_MONEY = r"^-?£?(?:\d{1,3}(?:,\d{3})+|\d+|\d{1,3}(?:,\d{3})+\.\d+|\d*\.\d+)$"
_MONEY_NOISE = r"[£,]"
_BINARY_SNIFF_BYTES = 8192
# A duplicated id's reason lists this many of its rows, then says how many there are.
_ROWS_LISTED = 10

# Reason kinds for summaries, matched against the first problem of a reason, in order.
QUARANTINE_KINDS: tuple[tuple[str, str], ...] = (
    ("required field is empty", "empty required field"),
    ("mixed date formats", "mixed date formats"),
    ("no such date", "impossible date"),
    ("not a date", "bad date"),
    ("not a number", "not a number"),
    ("is not one of", "unknown value"),
    ("appears on", "duplicate id"),
    ("is before", "end before start"),
)

_ROW = "__row"
_BAD = "__bad"


@dataclass(frozen=True)
class FileReport:
    """What happened to one input file: rows read, accepted and quarantined."""

    table: str
    file: Path
    format: str
    read: int
    accepted: int
    quarantined: int


@dataclass(frozen=True)
class LoadedData:
    """A data folder, loaded: typed accepted rows per table, the quarantine and the warnings.

    `quarantine` and `warnings` have the columns of `QUARANTINE_SCHEMA` (table, file, row,
    column, value, reason); `file` is the file's name, `value` the cell as the file wrote it.
    `ignored` lists files in the folder that are not canonical tables.
    """

    folder: Path
    tables: dict[str, pl.DataFrame]
    quarantine: pl.DataFrame
    warnings: pl.DataFrame
    reports: dict[str, FileReport]
    ignored: tuple[Path, ...] = field(default=())

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

    def files(self) -> list[Path]:
        """The files actually read, sorted by name (for input hashes)."""
        return sorted((r.file for r in self.reports.values()), key=lambda p: p.name)


# --- finding the files ------------------------------------------------------------------------


def _scan_folder(folder: Path) -> tuple[dict[str, list[Path]], list[Path]]:
    """Candidate files per canonical table, and the other (ignored) files, both sorted."""
    if not folder.is_dir():
        raise DataFileError(
            folder, "is not a folder: expected a folder holding people.csv, benefits.csv, ..."
        )
    found: dict[str, list[Path]] = {}
    ignored: list[Path] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        table = path.stem.lower()
        if table in TABLES and path.suffix.lower() in FORMATS:
            found.setdefault(table, []).append(path)
        else:
            ignored.append(path)
    return found, ignored


def _one_file(table: str, paths: list[Path]) -> Path:
    if len(paths) > 1:
        names = " and ".join(p.name for p in paths)
        raise DataFileError(
            paths[0].parent,
            f"table '{table}' is given twice ({names}): keep exactly one file per table",
        )
    return paths[0]


def find_table_file(folder: str | Path, table: str) -> Path | None:
    """The file holding `table` in `folder` (`.csv`, `.parquet` or `.xlsx`), or None.

    Raises DataFileError when the table is given in two formats, UsageError for a table name
    that is not canonical.
    """
    if table not in TABLES:
        raise UsageError(f"unknown table '{table}': canonical tables are {', '.join(TABLES)}")
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


def _header_key(header: str) -> str:
    """How a header is matched to a column: case, surrounding space and `-`/space runs ignored."""
    return "_".join(header.strip().lower().replace("-", " ").split())


Reader = Callable[[list[str]], pl.DataFrame]


def _open_csv(path: Path) -> tuple[list[str], Reader]:
    with open(path, "rb") as handle:
        if b"\x00" in handle.read(_BINARY_SNIFF_BYTES):
            raise DataFileError(
                path, "is not a CSV text file (it holds binary data): save it as CSV UTF-8"
            )
    headers = pl.read_csv(path, n_rows=0, infer_schema=False).columns

    def read(names: list[str]) -> pl.DataFrame:
        return pl.read_csv(path, columns=names, infer_schema=False)

    return headers, read


def _open_parquet(path: Path) -> tuple[list[str], Reader]:
    headers = list(pl.read_parquet_schema(path))

    def read(names: list[str]) -> pl.DataFrame:
        return pl.read_parquet(path, columns=names)

    return headers, read


def _open_xlsx(path: Path) -> tuple[list[str], Reader]:
    # infer_schema_length=0: every cell as text, so ids like 007 keep their zeros.
    sheet = pl.read_excel(path, engine="calamine", infer_schema_length=0)
    return sheet.columns, lambda names: sheet.select(names)


_OPENERS: dict[str, Callable[[Path], tuple[list[str], Reader]]] = {
    "csv": _open_csv,
    "parquet": _open_parquet,
    "xlsx": _open_xlsx,
}


def _unreadable(path: Path, fmt: str, error: Exception) -> DataFileError:
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    advice = {
        "csv": "expected comma-separated UTF-8 text with a header row (Excel: Save As CSV UTF-8)",
        "parquet": "expected a parquet file",
        "xlsx": "expected an Excel .xlsx workbook with a header row on its first sheet",
    }[fmt]
    return DataFileError(path, f"cannot be read as {fmt} ({detail}): {advice}")


def _match_headers(
    path: Path, table: Table, headers: list[str], wanted: tuple[str, ...]
) -> dict[str, str]:
    """Map each wanted column to the file's header for it; a DataFileError if a required one
    is missing or two headers claim the same column."""
    by_key: dict[str, list[str]] = {}
    for header in headers:
        by_key.setdefault(_header_key(header), []).append(header)
    matched: dict[str, str] = {}
    missing: list[str] = []
    for name in wanted:
        hits = by_key.get(name, [])
        if len(hits) > 1:
            raise DataFileError(
                path,
                f"headers {', '.join(repr(h) for h in hits)} all read as '{name}': keep one",
                column=name,
            )
        if hits:
            matched[name] = hits[0]
        elif table.column(name).required and not _numbered_by_loader(table, name):
            missing.append(name)
    if missing:
        raise _missing_columns(path, missing, headers)
    return matched


def _missing_columns(path: Path, missing: list[str], headers: list[str]) -> DataFileError:
    first = missing[0]
    keys = {_header_key(h): h for h in headers}
    close = difflib.get_close_matches(first, list(keys), n=1, cutoff=0.6)
    hint = f"; found '{keys[close[0]]}': did you mean '{first}'?" if close else ""
    others = f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else ""
    shown = ", ".join(headers) if headers else "none"
    return DataFileError(
        path,
        f"required column '{first}' is missing{hint}{others}. Columns in the file: {shown}. "
        "Add or rename the column and run again",
        column=first,
    )


def _numbered_by_loader(table: Table, column: str) -> bool:
    # The DWP sometimes sends its list without row ids (CONTRACT §1 dwp_list).
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


def _read_raw(path: Path, fmt: str, table: Table, wanted: tuple[str, ...]) -> pl.DataFrame:
    """The wanted columns of one file under their canonical names, plus the row number."""
    try:
        headers, read = _OPENERS[fmt](path)
        matched = _match_headers(path, table, headers, wanted)
        raw = read(list(matched.values())).rename({v: k for k, v in matched.items()})
    except WorkbenchError:
        raise
    except Exception as error:  # polars, fastexcel and OS errors alike mean "cannot read"
        raise _unreadable(path, fmt, error) from error
    present = [table.column(name) for name in wanted if name in matched]
    raw = raw.select(
        pl.int_range(FIRST_DATA_ROW, pl.len() + FIRST_DATA_ROW, dtype=pl.Int64).alias(_ROW),
        *(_as_loaded(c, raw.schema[c.name]) for c in present),
    )
    if table.id_column not in raw.columns:
        raw = raw.with_columns(pl.format("dwp-row-{}", pl.col(_ROW)).alias(table.id_column))
    return raw


# --- checking the rows ------------------------------------------------------------------------


def _clean_name(column: str) -> str:
    return f"__clean_{column}"


def _value_name(column: str) -> str:
    return f"__value_{column}"


def _candidate_name(column: str, fmt: DateFormat) -> str:
    return f"__date_{DATE_FORMATS.index(fmt)}_{column}"


def _cell_date_name(column: str) -> str:
    return f"__cell_{column}"


_NORMALISERS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "postcode": clean.postcode,
    "nino": clean.nino,
    "name": clean.name,
}
# A value in one of these shapes matches `clean.ALREADY_NORMAL` for its normaliser too (UK
# postcodes and NINOs are upper-case, single-spaced): `_normalised` relies on it.
_SHAPES: dict[str, tuple[Callable[[pl.Expr], pl.Expr], str]] = {
    "postcode": (
        clean.is_uk_postcode,
        "postcode not in UK shape (like SW1A 1AA): kept as given, normalised",
    ),
    "nino": (
        clean.is_nino,
        "NINO not in UK shape (like AB123456C): kept as given, normalised",
    ),
}


def _shape_note_name(column: str) -> str:
    return f"__off_shape_{column}"


def _normalised(raw: pl.DataFrame, columns: list[Column], normalise: bool) -> list[pl.Series]:
    """Each text column stripped (blank -> null) and, if `normalise`, normalised, as
    `__clean_<column>`, rewriting only the values that change: in council data most do not,
    and one scan costs less than rewriting (and holding a second copy of) every string.

    A value is left as it is when it is already in normal form (`clean.ALREADY_NORMAL`), or,
    for plain text, has no surrounding space and is not blank. A column with a UK shape
    (postcode, NINO) is scanned once for the shape instead: a value in shape is in normal
    form too, so only the few others are normalised (a value already normal comes back
    unchanged), and their shape is checked again. The result, `__off_shape_<column>`, is the
    warning `_warnings_for` would otherwise compute.
    """
    text = [c for c in columns if raw.schema[c.name] == pl.String and _tidied(c, normalise)]
    if not text:
        return []
    kinds = {c.name: c.normalise if normalise else None for c in text}
    untidy = (
        raw.lazy().select(_needs_normalising(c, kinds[c.name]).alias(c.name) for c in text)
    ).collect()
    result = []
    for column in text:
        kind = kinds[column.name]
        values = raw[column.name]
        where = untidy[column.name].arg_true()
        fixed = None
        if where.len():
            normaliser = _NORMALISERS[kind] if kind else _stripped
            gathered = values.gather(where).to_frame().lazy()
            fixed = gathered.select(normaliser(pl.col(column.name))).collect()
            values = values.clone().scatter(where, fixed.to_series())
        result.append(values.alias(_clean_name(column.name)))
        if kind in _SHAPES:
            result.append(_off_shape(column, len(values), where, fixed))
    return result


def _tidied(column: Column, normalise: bool) -> bool:
    """Whether a text column is tidied at all: without normalising, an optional column that
    would be normalised (a postcode, a NINO) is left exactly as written, for a caller that
    normalises it where it compares it; a required one is still stripped, so that a blank
    one is caught."""
    return normalise or column.normalise is None or column.required


def _stripped(value: pl.Expr) -> pl.Expr:
    return value.str.strip_chars().replace("", None)


def _needs_normalising(column: Column, kind: str | None) -> pl.Expr:
    """True for the values `_normalised` rewrites (for a shaped column: those out of shape;
    for an enum column: those not one of its values as written, which are all tidy)."""
    value = pl.col(column.name)
    if column.dtype == "enum" and all(a == a.strip() for a in column.allowed or ()):
        return value.is_not_null() & ~_one_of(value, column.allowed or ())
    if kind is None:
        return value.is_not_null() & ((value.str.strip_chars() != value) | (value == ""))
    if kind in _SHAPES:
        return value.is_not_null() & ~_SHAPES[kind][0](value)
    return ~(value.is_null() | value.str.contains(clean.ALREADY_NORMAL[kind]))


def _off_shape(
    column: Column, rows: int, where: pl.Series, fixed: pl.DataFrame | None
) -> pl.Series:
    """Whether each normalised value is out of the column's UK shape: only the rows `where`
    can be (`fixed` holds their normalised values)."""
    notes = pl.Series(_shape_note_name(column.name), [False], dtype=pl.Boolean).new_from_index(
        0, rows
    )
    if fixed is None:
        return notes
    value = pl.col(column.name)
    off = fixed.select(value.is_not_null() & ~_SHAPES[column.normalise][0](value)).fill_null(False)
    return notes.scatter(where, off.to_series())


def _cleaned(
    raw: pl.DataFrame, columns: list[Column], fmt: str, normalise: bool = True
) -> pl.DataFrame:
    """Every text cell stripped (blank -> null) and, if `normalise`, normalised; Excel date
    cells as dates.

    Adds `__clean_<column>` for each text column and, for xlsx, `__cell_<column>` holding the
    date of each cell Excel itself stores as a date.
    """
    cells = [
        _excel_date_cells(c.name)
        for c in columns
        if c.dtype == "date" and fmt == "xlsx" and raw.schema[c.name] == pl.String
    ]
    frame = raw.with_columns(_normalised(raw, columns, normalise))
    return frame.lazy().with_columns(cells).collect() if cells else frame


def _excel_date_cells(name: str) -> pl.Expr:
    written = pl.col(_clean_name(name))
    cell = written.str.slice(0, 10).str.to_date(ISO_DATE.strftime, strict=False, cache=False)
    is_cell = written.str.contains(_EXCEL_DATE_CELL)
    return pl.when(is_cell).then(cell).alias(_cell_date_name(name))


def _written(name: str, columns: Iterable[str]) -> pl.Expr:
    """A date column's text as typed, leaving out cells Excel stores as dates."""
    text = pl.col(_clean_name(name))
    cell = _cell_date_name(name)
    return pl.when(pl.col(cell).is_null()).then(text) if cell in columns else text


def _read_as(written: pl.Expr, date_format: DateFormat) -> pl.Expr:
    """The date a text means in `date_format`; null where it is not such a date."""
    # No cache of distinct values: parsing each is about twice as fast as hashing it.
    parsed = written.str.to_date(date_format.strftime, strict=False, cache=False)
    return pl.when(written.str.contains(date_format.shape)).then(parsed)


def _read_dates(
    frame: pl.DataFrame, dates: list[str]
) -> tuple[pl.DataFrame, dict[str, DateFormat]]:
    """Choose each text date column's format, the one that reads most of its values (ties go
    to the first of `DATE_FORMATS`), and add the column read in it as `__date_<i>_<column>`.

    The formats' shapes exclude one another, so once a format reads at least as many values
    as are left unread, no later format can beat it and is not tried: a clean ISO column is
    parsed once.
    """
    if not dates:
        return frame, {}
    columns = set(frame.columns)
    filled = frame.select(_written(n, columns).count().alias(n) for n in dates).row(0, named=True)
    best: dict[str, tuple[int, DateFormat]] = {}
    tried: dict[str, int] = dict.fromkeys(dates, 0)
    for date_format in DATE_FORMATS:
        undecided = [n for n in dates if n not in best or best[n][0] < filled[n] - tried[n]]
        if not undecided:
            break
        # Lazy, even for one expression: eager with_columns does not split the work by chunk.
        frame = (
            frame.lazy()
            .with_columns(
                _read_as(_written(n, columns), date_format).alias(_candidate_name(n, date_format))
                for n in undecided
            )
            .collect()
        )
        counts = frame.select(
            pl.col(_candidate_name(n, date_format)).count().alias(n) for n in undecided
        ).row(0, named=True)
        for name in undecided:
            tried[name] += counts[name]
            if name not in best or counts[name] > best[name][0]:
                best[name] = (counts[name], date_format)
    return frame, {name: chosen for name, (_, chosen) in best.items()}


@dataclass(frozen=True)
class _Rule:
    """One way a row can be rejected: `broken` over all rows, `reason` on rejected rows only."""

    column: str
    broken: pl.Expr
    reason: pl.Expr
    # A reason that already names its column ("award_id A7 appears on rows 3, 9") is not
    # prefixed with it again when a row has several problems.
    names_column: bool = False


@dataclass(frozen=True)
class _Warning:
    """A note on an accepted row that does not reject it."""

    column: str
    noted: pl.Expr
    reason: str


_FEW_VALUES = 6
_DUP_COUNT = "__duplicate_count"
_DUP_ROWS = "__duplicate_rows"


def _text(columns: set[str], name: str) -> pl.Expr:
    """A column's cleaned text, or its typed value as text when the file typed it (parquet)."""
    cleaned = _clean_name(name)
    return pl.col(cleaned) if cleaned in columns else pl.col(name).cast(pl.String)


def _typed(
    column: Column, columns: set[str], chosen: DateFormat | None, lower: set[str]
) -> pl.Expr:
    """A column's value in its schema type (meaningful only where `_fits` holds).

    `lower` names the enum columns whose values are all already allowed (so lower-case).
    """
    name = column.name
    if _clean_name(name) not in columns:
        return pl.col(name)
    cleaned = pl.col(_clean_name(name))
    if column.dtype == "enum":
        return cleaned if name in lower else cleaned.str.to_lowercase()
    if column.dtype == "date":
        assert chosen is not None, "every text date column has a chosen format"
        parsed = pl.col(_candidate_name(name, chosen))
        cell = _cell_date_name(name)
        return pl.coalesce(pl.col(cell), parsed) if cell in columns else parsed
    if column.dtype == "decimal":
        return cleaned.str.replace_all(_MONEY_NOISE, "").cast(pl.Float64, strict=False)
    return cleaned


def _already_allowed(frame: pl.DataFrame, present: list[Column]) -> set[str]:
    """The text enum columns whose every value is one of the allowed ones as written: reading
    them lower-case would change nothing, so they are not rewritten."""
    enums = [
        c
        for c in present
        if c.dtype == "enum"
        and _clean_name(c.name) in frame.columns
        and all(a == a.lower() for a in c.allowed or ())
    ]
    if not enums:
        return set()
    checks = frame.select(
        (
            _one_of(pl.col(_clean_name(c.name)), c.allowed or ())
            | pl.col(_clean_name(c.name)).is_null()
        )
        .all()
        .alias(c.name)
        for c in enums
    ).row(0, named=True)
    return {name for name, allowed in checks.items() if allowed}


def _one_of(value: pl.Expr, allowed: tuple[str, ...]) -> pl.Expr:
    """`value.is_in(allowed)`; for a few values, as comparisons (twice as fast as hashing)."""
    if not allowed or len(allowed) > _FEW_VALUES:
        return value.is_in(allowed)
    return pl.any_horizontal(value == a for a in allowed)


def _fits(column: Column) -> pl.Expr:
    """Whether a non-empty text cell is a value of the column's type (enum, date, decimal)."""
    value = pl.col(_value_name(column.name))
    if column.dtype == "enum":
        return _one_of(value, column.allowed or ())
    if column.dtype == "decimal":
        return pl.col(_clean_name(column.name)).str.contains(_MONEY) & value.is_not_null()
    return value.is_not_null()


def _date_reason(name: str, chosen: DateFormat, columns: set[str]) -> pl.Expr:
    written = _written(name, columns)
    reason = pl.when(written.str.contains(chosen.shape)).then(
        pl.lit(f"no such date in the calendar (this column uses {chosen.label})")
    )
    for other in DATE_FORMATS:
        if other != chosen:
            reason = reason.when(_read_as(written, other).is_not_null()).then(
                pl.lit(
                    f"date written as {other.label} but this column uses {chosen.label} "
                    "in this file (mixed date formats)"
                )
            )
    return reason.otherwise(pl.lit(f"not a date in this column's format ({chosen.label})"))


def _column_rules(column: Column, columns: set[str], chosen: DateFormat | None) -> list[_Rule]:
    """Required and type rules of one column, in that order."""
    name = column.name
    value = pl.col(_value_name(name))
    # Whether the cell holds something: its cleaned text, or a value a typed file gave (not
    # cast to text, which for a date would format millions of them to test for null).
    filled = pl.col(_clean_name(name) if _clean_name(name) in columns else name).is_not_null()
    rules: list[_Rule] = []
    if column.required:
        rules.append(_Rule(name, ~filled, pl.lit("required field is empty")))
    if column.dtype == "string":
        return rules
    if _clean_name(name) not in columns:
        if column.dtype == "decimal":
            bad = value.is_nan() | value.is_infinite()
            rules.append(_Rule(name, bad, pl.lit("not a number (NaN or infinite)")))
        return rules
    if column.dtype == "enum":
        allowed = ", ".join(column.allowed or ())
        reason = pl.format("'{}' is not one of: " + allowed, pl.col(_clean_name(name)))
    elif column.dtype == "date":
        assert chosen is not None, "every text date column has a chosen format"
        reason = _date_reason(name, chosen, columns)
    else:
        reason = pl.lit("not a number (expected digits like 15400 or £15,400.50)")
    rules.append(_Rule(name, filled & ~_fits(column), reason))
    return rules


def _duplicate_rule(name: str, frame: pl.DataFrame) -> _Rule:
    ident = _text(set(frame.columns), name)
    listed = (
        pl.when(pl.col(_DUP_COUNT) > _ROWS_LISTED)
        .then(
            pl.format(
                f"{name} {{}} appears on {{}} rows, the first {_ROWS_LISTED} being {{}}",
                ident,
                pl.col(_DUP_COUNT),
                pl.col(_DUP_ROWS),
            )
        )
        .otherwise(pl.format(f"{name} {{}} appears on rows {{}}", ident, pl.col(_DUP_ROWS)))
    )
    # Ids in strictly increasing order (as most exports are) are distinct: one comparison per
    # row. Otherwise distinct hashes as many as ids prove the ids distinct (a collision can
    # only lower the count), which is cheaper than the exact check; a window count is in turn
    # about four times faster than is_duplicated on millions of ids.
    ids = ident.drop_nulls()
    increasing = frame.lazy().select((ids < ids.shift(-1)).all())
    if increasing.collect().item():
        return _Rule(name, pl.lit(False), listed, names_column=True)
    distinct = frame.lazy().select(ids.hash().n_unique() == ident.count())
    if distinct.collect().item():
        return _Rule(name, pl.lit(False), listed, names_column=True)
    duplicated = ident.is_not_null() & (pl.len().over(ident) > 1)
    return _Rule(name, duplicated, listed, names_column=True)


def _order_rule(start: str, end: str, columns: set[str]) -> _Rule:
    broken = pl.col(_value_name(end)) < pl.col(_value_name(start))
    reason = pl.format(
        f"{end} {{}} is before {start} {{}}", _text(columns, end), _text(columns, start)
    )
    return _Rule(end, broken, reason, names_column=True)


def _rules(
    table: Table, present: list[Column], frame: pl.DataFrame, formats: dict[str, DateFormat]
) -> list[_Rule]:
    """Every rule a row of this file can break, in column order."""
    columns = set(frame.columns)
    names = {c.name for c in present}
    rules: list[_Rule] = []
    for column in present:
        rules += _column_rules(column, columns, formats.get(column.name))
        if column.name == table.id_column:
            rules.append(_duplicate_rule(column.name, frame))
        rules += [
            _order_rule(start, end, columns)
            for start, end in table.date_order
            if end == column.name and start in names
        ]
    return rules


def _warnings_for(present: list[Column], columns: set[str]) -> list[_Warning]:
    notes = []
    for column in present:
        if column.normalise in _SHAPES and _clean_name(column.name) in columns:
            shape, reason = _SHAPES[column.normalise]
            value = pl.col(_value_name(column.name))
            noted = value.is_not_null() & ~shape(value)
            if _shape_note_name(column.name) in columns:  # `_normalised` found them already
                noted = pl.col(_shape_note_name(column.name))
            notes.append(_Warning(column.name, noted, reason))
    return notes


def _flag(index: int) -> str:
    return f"__rule_{index}"


def _note(index: int) -> str:
    return f"__warn_{index}"


def _first(pairs: list[tuple[pl.Expr, pl.Expr]]) -> pl.Expr:
    """The value paired with the first true condition, row by row."""
    (condition, value), *rest = pairs
    chained = pl.when(condition).then(value)
    for condition, value in rest:
        chained = chained.when(condition).then(value)
    return chained


def _quarantine_rows(
    rejected: pl.DataFrame, table: Table, file: str, rules: list[_Rule], columns: set[str]
) -> pl.DataFrame:
    """One row per rejected row: its first problem's column and raw value, every reason."""
    if rejected.is_empty():
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    ident = _text(columns, table.id_column)
    rejected = rejected.with_columns(
        pl.len().over(ident).alias(_DUP_COUNT),
        pl.col(_ROW)
        .sort()
        .head(_ROWS_LISTED)
        .cast(pl.String)
        .str.join(", ")
        .over(ident)
        .alias(_DUP_ROWS),
    )
    flags = [pl.col(_flag(i)) for i in range(len(rules))]
    every = pl.concat_str(
        [
            pl.when(flag).then(
                rule.reason
                if rule.names_column
                else pl.concat_str(pl.lit(f"{rule.column}: "), rule.reason)
            )
            for flag, rule in zip(flags, rules, strict=True)
        ],
        separator="; ",
        ignore_nulls=True,
    )
    first_reason = _first([(f, r.reason) for f, r in zip(flags, rules, strict=True)])
    return rejected.select(
        pl.lit(table.name).alias("table"),
        pl.lit(file).alias("file"),
        pl.col(_ROW).alias("row"),
        _first([(f, pl.lit(r.column)) for f, r in zip(flags, rules, strict=True)]).alias("column"),
        _first(
            [(f, pl.col(r.column).cast(pl.String)) for f, r in zip(flags, rules, strict=True)]
        ).alias("value"),
        pl.when(pl.sum_horizontal(flags) > 1).then(every).otherwise(first_reason).alias("reason"),
    ).sort("row")


def _warning_rows(
    accepted: pl.LazyFrame, table: Table, file: str, notes: list[_Warning]
) -> pl.DataFrame:
    frames = [
        accepted.filter(pl.col(_note(i))).select(
            pl.lit(table.name).alias("table"),
            pl.lit(file).alias("file"),
            pl.col(_ROW).alias("row"),
            pl.lit(note.column).alias("column"),
            pl.col(note.column).cast(pl.String).alias("value"),
            pl.lit(note.reason).alias("reason"),
        )
        for i, note in enumerate(notes)
    ]
    if not frames:
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    return pl.concat(frames).sort("row", maintain_order=True).collect()


@dataclass(frozen=True)
class _Loaded:
    accepted: pl.DataFrame
    quarantine: pl.DataFrame
    warnings: pl.DataFrame
    report: FileReport


def _load_table(
    table: Table, path: Path, wanted: tuple[str, ...], normalise: bool = True
) -> _Loaded:
    """Read one file and split its rows into accepted, quarantined and warned."""
    fmt = FORMATS[path.suffix.lower()]
    raw = _read_raw(path, fmt, table, wanted)
    present = [c for c in table.columns if c.name in raw.columns]
    frame = _cleaned(raw, present, fmt, normalise)
    dates = [c.name for c in present if c.dtype == "date" and _clean_name(c.name) in frame.columns]
    frame, formats = _read_dates(frame, dates)
    columns = set(frame.columns)
    rules = _rules(table, present, frame, formats)
    notes = _warnings_for(present, columns) if normalise else []
    lower = _already_allowed(frame, present)
    frame = (
        frame.lazy()
        .with_columns(
            _typed(c, columns, formats.get(c.name), lower).alias(_value_name(c.name))
            for c in present
        )
        .with_columns(
            *(rule.broken.fill_null(False).alias(_flag(i)) for i, rule in enumerate(rules)),
            *(note.noted.fill_null(False).alias(_note(i)) for i, note in enumerate(notes)),
        )
        .with_columns(pl.any_horizontal(_flag(i) for i in range(len(rules))).alias(_BAD))
        .collect()
    )

    # Filter lazily so that only the columns each output needs are gathered: the frame holds
    # every intermediate column, and copying them all would cost more than the checks.
    checked = frame.lazy()
    accepted = (
        checked.filter(~pl.col(_BAD))
        .select(pl.col(_value_name(c.name)).cast(DTYPES[c.dtype]).alias(c.name) for c in present)
        .collect()
    )
    rejected = checked.filter(pl.col(_BAD)).collect()
    quarantine = _quarantine_rows(rejected, table, path.name, rules, columns)
    warnings = _warning_rows(checked.filter(~pl.col(_BAD)), table, path.name, notes)
    report = FileReport(table.name, path, fmt, frame.height, accepted.height, quarantine.height)
    if report.accepted + report.quarantined != report.read:
        raise RuntimeError(
            f"internal error loading {path}: {report.accepted} accepted + "
            f"{report.quarantined} quarantined != {report.read} read"
        )
    return _Loaded(accepted, quarantine, warnings, report)


# --- the folder -------------------------------------------------------------------------------


def _missing_table(folder: Path, table: str, ignored: list[Path]) -> DataFileError:
    near = [p.name for p in ignored if p.stem.lower() == table]
    found = f"; found {', '.join(near)}, which is not a format the workbench reads" if near else ""
    return DataFileError(
        folder,
        f"required table '{table}' is missing: expected {table}.csv, {table}.parquet or "
        f"{table}.xlsx in this folder{found}",
    )


def _load_one(name: str, path: Path, plan: tuple[str, ...], normalise: bool) -> _Loaded:
    with progress.step(f"reading {path.name}"):
        return _load_table(TABLES[name], path, plan, normalise)


def _load_tables(
    files: dict[str, Path], plans: dict[str, tuple[str, ...]], normalise: bool
) -> dict[str, _Loaded]:
    """Load the files on two threads, largest first: polars releases the GIL, and the
    single-threaded stretches of one table's checks overlap another table's reading."""
    order = sorted(files, key=lambda name: files[name].stat().st_size, reverse=True)
    if len(order) < 2:
        return {name: _load_one(name, files[name], plans[name], normalise) for name in order}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(_load_one, name, files[name], plans[name], normalise)
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
        Normalise names, postcodes and NINOs (`workbench.clean`) and warn of postcodes and
        NINOs out of UK shape (the default). False leaves them as written (required ones,
        the names, only stripped, blank -> null, like any text) and computes no warnings: for
        a caller that normalises the few values it compares (the linkage does), which saves
        a scan of every name, postcode and NINO in the file. The quarantine is the same
        either way.

    Returns
    -------
    LoadedData
        For every file read, `accepted + quarantined == read`.

    Raises
    ------
    DataFileError
        A required table is missing, a table is given in two formats, a file cannot be read,
        or it lacks a required column. The message names the file and the column.
    UsageError
        An unknown table or column is asked for, or a special-category column without
        `equality_monitoring`.
    """
    root = Path(folder)
    found, ignored = _scan_folder(root)
    wanted = _tables_wanted(tables)
    asked = dict(columns or {})
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
    for name in wanted:
        if TABLES[name].required and name not in found:
            raise _missing_table(root, name, ignored)
    files = {name: _one_file(name, found[name]) for name in wanted if name in found}

    loaded = _load_tables(files, plans, normalise)
    parts = list(loaded.values())
    return LoadedData(
        folder=root,
        tables={name: part.accepted for name, part in loaded.items()},
        quarantine=pl.concat(
            [pl.DataFrame(schema=QUARANTINE_SCHEMA), *(p.quarantine for p in parts)]
        ),
        warnings=pl.concat([pl.DataFrame(schema=QUARANTINE_SCHEMA), *(p.warnings for p in parts)]),
        reports={name: part.report for name, part in loaded.items()},
        ignored=tuple(ignored),
    )


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

    return LoadedData(
        folder=parts[0].folder,
        tables={name: owner[name].tables[name] for name in names},
        quarantine=rows([part.quarantine for part in parts]),
        warnings=rows([part.warnings for part in parts]),
        reports={name: owner[name].reports[name] for name in names},
        ignored=parts[0].ignored,
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
    return _first(pairs).otherwise(pl.lit("other"))
