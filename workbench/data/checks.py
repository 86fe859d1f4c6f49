"""Check one file's rows against its table's schema: typed values, rules, quarantine, warnings.

`workbench.data.reading` reads a file's wanted columns as text (or as the types a parquet file
already holds) and runs the expressions built here over the whole file in one vectorised pass: every
text cell is tidied (`_cleaned`), every date column read in its file's format (`_read_dates`),
every value typed (`_typed`), and every rule a row can break (`_rules`) evaluated as one
boolean column. A row that breaks a rule is quarantined (`_quarantine_rows`: its first
problem's column and raw value, and a reason listing every problem); a note that does not
reject a row (a postcode or NINO not in UK shape) is a warning (`_warning_rows`).

Dates are ISO `YYYY-MM-DD` or UK `dd/mm/yyyy` (four-digit years), one format per column per
file: the format that reads the most values wins (ties: ISO) and values in the other format
are quarantined as mixed, never guessed row by row. Cells that Excel itself stores as dates
are dates whatever the column's text format; a parquet column already typed Date is taken as
it is.

Enum columns come back as `pl.String`, not `pl.Enum`: in polars 2.1 comparing an Enum with an
unknown literal is silently false (no typo protection), and String columns join and concatenate
with frames built elsewhere without dtype mismatches.

Decimals accept plain numbers (`15400`, `-12.5`, `.5`) and money as people type it (`£15,400.50`:
one leading pound sign, perhaps with a space after it, a minus sign before or after it,
`-£50`, `£-50` or `£ -50`, commas only in thousands groups); anything else, including `1e5`,
`NaN` and `15,40`, is "not a number", and only that: a range is judged of numbers alone (`£-50`
is a number, below the plausible range). An accounting negative (`(1,234.00)`, as Excel's
accounting format writes one) is not read either, but named as what it is: below zero, so
outside money's plausible range.

A file read through a source profile may say how it writes numbers (`number_format`, beside
its file): ``1,234.56`` (a decimal point, as the contract writes them) or ``1.234,56`` (a point
between thousands and a decimal comma, as European number formats write them: `£1.234,56`,
`12,5`). A delimited text file read through a profile that does not say so has its money
columns' values with three decimal places after one to three digits (`1.234`) quarantined as
ambiguous: £1.234 as the contract reads it, £1,234 as a European export means it; nothing
guesses which. A contract file (no profile) reads `1.234` as it always has: 1.234.

Booleans (`households`' flags) accept, ignoring case and surrounding space, `true`/`false`,
`yes`/`no`, `y`/`n`, `t`/`f` and `1`/`0`; a parquet Boolean or 0/1 integer column is read as
that text first. Anything else is quarantined with the value shown.

Speed: every check is a polars expression run once over the whole file, and a text column is
scanned, not rewritten, where its values are already tidy (most are): only the values that
would change are rewritten (for plain text, those with surrounding space or blank; for names,
postcodes and NINOs, those not in normal form, a postcode or NINO in UK shape being normal,
so one scan serves both the normalising and the warning; for an enum, those not one of its
values as written, compared one by one when there are few). A date a parquet file already
types is never formatted as text, and ids in increasing order are known distinct from one
comparison per row. A caller that normalises the values it compares (`workbench assess`:
the linkage does) may load without normalising, which skips postcodes and NINOs altogether.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from workbench.data import clean
from workbench.data.schema import Column, Table
from workbench.errors import DataFileError

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

__all__ = [
    "BLANK_ROW",
    "BOOLEAN_WORDS",
    "DATE_FORMATS",
    "DTYPES",
    "EUROPEAN_NUMBERS",
    "FIRST_DATA_ROW",
    "ISO_DATE",
    "NUMBER_FORMATS",
    "QUARANTINE_SCHEMA",
    "THREE_DECIMALS_SAID",
    "TIMES_OF_DAY",
    "UK_DATE",
    "UK_NUMBERS",
    "CheckedRows",
    "DateFormat",
    "check_rows",
    "first_match",
    "renumbered",
]

# The polars type of each schema dtype, as accepted rows carry it.
DTYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "date": pl.Date(),
    "decimal": pl.Float64(),
    "enum": pl.String(),
    "boolean": pl.Boolean(),
}
_BAD = "__bad"

BOOLEAN_WORDS: dict[str, bool] = {
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "t": True,
    "f": False,
    "1": True,
    "0": False,
}
# What a profile's value map writes for a boolean column: a code it lacks is not read.
_CONTRACT_BOOLEANS: dict[str, bool] = {"true": True, "false": False}

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
# A date cell Excel wrote as a number: its serial, days since 1899-12-30 (five digits: 1927
# to 2173; four could be a year), a time of day as a fraction.
_EXCEL_SERIAL = r"^\d{5}(?:\.\d+)?$"
_EXCEL_EPOCH = date(1899, 12, 30)
# A minus sign before or after the pound sign: `-£50` and `£-50` are both minus fifty pounds;
# one space may follow the pound sign, as Excel's accounting format writes it (`£ 1,200.00`).
_AMOUNT = r"(?:\d{1,3}(?:,\d{3})+|\d+|\d{1,3}(?:,\d{3})+\.\d+|\d*\.\d+)"
_MONEY = rf"^(?:£ ?-|-?(?:£ ?)?){_AMOUNT}$"
# An accounting negative, as Excel's accounting format writes one: `(1,234.00)`, `(£50)`.
# Not read (a minus sign is how a number says it is below zero), but named as what it is.
_ACCOUNTING = rf"^(?:£ ?)?\((?:£ ?)?{_AMOUNT}\)$"
_MONEY_NOISE = r"[£, ]"
# How a file writes its numbers (a source profile's `number_format`): a decimal point, commas
# between thousands (the contract's way), or a decimal comma, points between thousands.
UK_NUMBERS = "1,234.56"
EUROPEAN_NUMBERS = "1.234,56"
NUMBER_FORMATS: tuple[str, ...] = (UK_NUMBERS, EUROPEAN_NUMBERS)
# (Groups of thousands start with a digit other than 0: `0.125` is no amount written so.)
_AMOUNT_EUROPEAN = r"(?:[1-9]\d{0,2}(?:\.\d{3})+|\d+|[1-9]\d{0,2}(?:\.\d{3})+,\d+|\d*,\d+)"
_MONEY_EUROPEAN = rf"^(?:£ ?-|-?(?:£ ?)?){_AMOUNT_EUROPEAN}$"
_MONEY_NOISE_EUROPEAN = r"[£. ]"
# An amount that reads two ways: one to three digits (not a lone 0), a point, three digits.
# £1.234 with a decimal point, £1,234 with a point between thousands.
_THREE_DECIMALS = r"^(?:£ ?-|-?(?:£ ?)?)[1-9]\d{0,2}\.\d{3}$"
# Said in the reason of such an amount (and matched by the summaries).
THREE_DECIMALS_SAID = "has three decimal places, so it reads two ways"
# A time of day after a date (its shape, and the strftime that reads it), for the reason of a
# date so written: `05/03/2024 00:00`, `2024-03-05T10:30:00`, `2024-03-05 00:00:00.000`.
TIMES_OF_DAY: tuple[tuple[str, str], ...] = tuple(
    (rf"{sep}\d{{1,2}}:\d{{2}}{seconds}$", f"{sep}%H:%M{directive}")
    for sep in (" ", "T")
    for seconds, directive in (("", ""), (r":\d{2}", ":%S"), (r":\d{2}\.\d+", ":%S%.f"))
)
# A duplicated id's reason lists this many of its rows, then says how many there are.
_ROWS_LISTED = 10

# A reported row's number as a spreadsheet shows it (the header is row 1). Rows are numbered
# only when reported (`_numbered_rows`), not as a column of every row read.
FIRST_DATA_ROW = 2
_ROW = "__row"


def _clean_name(column: str) -> str:
    return f"__clean_{column}"


def _value_name(column: str) -> str:
    return f"__value_{column}"


def _candidate_name(column: str, fmt: DateFormat) -> str:
    index = DATE_FORMATS.index(fmt) if fmt in DATE_FORMATS else "fixed"
    return f"__date_{index}_{column}"


def _cell_date_name(column: str) -> str:
    return f"__cell_{column}"


_NORMALISERS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "postcode": clean.postcode,
    "nino": clean.nino,
    "name": clean.name,
    "urn": clean.urn,
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
    "urn": (
        clean.is_urn,
        "school URN not six digits (like 100001): kept as given, normalised",
    ),
}


def _shape_note_name(column: str) -> str:
    return f"__off_shape_{column}"


def _normalised(
    raw: pl.DataFrame, columns: list[Column], normalise: bool
) -> tuple[list[pl.Series], dict[str, bool]]:
    """Each text column stripped (blank -> null) and, if `normalise`, normalised, as
    `__clean_<column>`, rewriting only the values that change: in council data most do not,
    and one scan costs less than rewriting (and holding a second copy of) every string.

    A value is left as it is when it is already in normal form (`clean.ALREADY_NORMAL`), or,
    for plain text, has no surrounding space and is not blank. A column with a UK shape
    (postcode, NINO) is scanned once for the shape instead: a value in shape is in normal
    form too, so only the few others are normalised (a value already normal comes back
    unchanged), and their shape is checked again. The result, `__off_shape_<column>`, is the
    warning `_warnings_for` would otherwise compute.

    The same scan settles, for each enum column whose allowed values are all lower-case,
    whether every value, once tidied, is one of them (returned by column name, for
    `_already_allowed`): the values it leaves alone are allowed as written, and only the few
    it tidies need looking at.
    """
    text = [c for c in columns if raw.schema[c.name] == pl.String and _tidied(c, normalise)]
    if not text:
        return [], {}
    kinds = {c.name: c.normalise if normalise else None for c in text}
    untidy = (
        raw.lazy().select(_needs_normalising(c, kinds[c.name]).alias(c.name) for c in text)
    ).collect()
    result = []
    allowed: dict[str, bool] = {}
    for column in text:
        kind = kinds[column.name]
        values = raw[column.name]
        where = untidy[column.name].arg_true()
        fixed = None
        if where.len() and kind is None and not _scanned_as_enum(column):
            # The scan flagged a superset (`_edge_may_be_space`): keep the values it changes.
            gathered = values.gather(where)
            stripped = gathered.to_frame().select(_stripped(pl.col(column.name))).to_series()
            changed = stripped.ne_missing(gathered).arg_true()
            where = where.gather(changed)
            if where.len():
                values = values.clone().scatter(where, stripped.gather(changed))
        elif where.len():
            normaliser = _NORMALISERS[kind] if kind else _stripped
            untidied = values.gather(where).to_frame().lazy()
            fixed = untidied.select(normaliser(pl.col(column.name))).collect()
            values = values.clone().scatter(where, fixed.to_series())
        result.append(values.alias(_clean_name(column.name)))
        if kind in _SHAPES:
            result.append(_off_shape(column, len(values), where, fixed))
        if _scanned_as_enum(column) and _lower_case_enum(column):
            allowed[column.name] = fixed is None or _all_allowed(fixed.to_series(), column)
    return result, allowed


def _scanned_as_enum(column: Column) -> bool:
    """Whether `_needs_normalising` tests the column's values against its allowed ones."""
    return column.dtype == "enum" and all(a == a.strip() for a in column.allowed or ())


def _lower_case_enum(column: Column) -> bool:
    return column.dtype == "enum" and all(a == a.lower() for a in column.allowed or ())


def _all_allowed(values: pl.Series, column: Column) -> bool:
    """Every value is one of the column's allowed values, or empty."""
    value = pl.col(values.name)
    check = (_one_of(value, column.allowed or ()) | value.is_null()).all()
    return bool(values.to_frame().select(check).item())


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
        return value.is_not_null() & _edge_may_be_space(value)
    if kind in _SHAPES:
        return value.is_not_null() & ~_SHAPES[kind][0](value)
    return ~(value.is_null() | value.str.contains(clean.ALREADY_NORMAL[kind]))


def _edge_may_be_space(value: pl.Expr) -> pl.Expr:
    """True for a blank text and for every text that begins or ends with white space, as
    `str.strip_chars` strips it (Unicode White_Space), and for a few others: judged on the
    first two and the last bytes only, twice as fast as stripping every value to compare.

    In UTF-8, white space begins with a byte up to 0x20, with 0xC2 then 0x85 or 0xA0
    (U+0085, U+00A0), or with 0xE1, 0xE2 or 0xE3 (U+1680, U+2000-U+205F, U+3000); it ends
    with a byte up to 0x20 or one of 0x80-0x8A, 0x9F, 0xA0, 0xA8, 0xA9, 0xAF. A text whose
    edges are none of these has none at its edges. The few others flagged (a name ending in
    "é", a dash at the start) are stripped and left as they were; a pound sign (0xC2 0xA3)
    is not flagged, so money written "£1,200" costs nothing more.
    """
    raw = value.cast(pl.Binary)
    first = raw.bin.get(0, null_on_oob=True)
    second = raw.bin.get(1, null_on_oob=True)
    last = raw.bin.get(-1, null_on_oob=True)
    begins = (
        (first <= 0x20)
        | ((first >= 0xE1) & (first <= 0xE3))
        | ((first == 0xC2) & ((second == 0x85) | (second == 0xA0)))
    )
    ends = (
        (last <= 0x20)
        | ((last >= 0x80) & (last <= 0x8A))
        | (last == 0x9F)
        | (last == 0xA0)
        | (last == 0xA8)
        | (last == 0xA9)
        | (last == 0xAF)
    )
    return begins.fill_null(False) | ends.fill_null(False) | first.is_null()


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
    assert column.normalise is not None  # asked only of a column with a UK shape
    value = pl.col(column.name)
    off = fixed.select(value.is_not_null() & ~_SHAPES[column.normalise][0](value)).fill_null(False)
    return notes.scatter(where, off.to_series())


def _cleaned(
    raw: pl.DataFrame,
    columns: list[Column],
    fmt: str,
    normalise: bool = True,
    mapped: Collection[str] = (),
) -> tuple[pl.DataFrame, dict[str, bool]]:
    """Every text cell stripped (blank -> null) and, if `normalise`, normalised; Excel date
    cells as dates. The `mapped` columns are left as they are (see `check_rows`).

    Adds `__clean_<column>` for each text column and, for xlsx, `__cell_<column>` holding the
    date of each cell Excel itself stores as a date. Also returns what the tidying scan found
    of enum columns' values (see `_normalised`).
    """
    cells = [
        _excel_date_cells(c.name)
        for c in columns
        if c.dtype == "date" and fmt == "xlsx" and raw.schema[c.name] == pl.String
    ]
    tidied, allowed = _normalised(raw, [c for c in columns if c.name not in mapped], normalise)
    frame = raw.hstack(tidied)  # new columns, already computed: no engine needed
    return (frame.lazy().with_columns(cells).collect() if cells else frame), allowed


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
    frame: pl.DataFrame, dates: list[str], fixed: Mapping[str, DateFormat] | None = None
) -> tuple[pl.DataFrame, dict[str, DateFormat]]:
    """Choose each text date column's format, the one that reads most of its values (ties go
    to the first of `DATE_FORMATS`), and add the column read in it as `__date_<i>_<column>`.
    A column `fixed` gives a format (a source profile's `date_format`) is read in that one.

    The formats' shapes exclude one another, so once a format reads at least as many values
    as are left unread, no later format can beat it and is not tried: a clean ISO column is
    parsed once.
    """
    fixed = {n: f for n, f in (fixed or {}).items() if n in dates}
    if fixed:
        columns = set(frame.columns)
        frame = (
            frame.lazy()
            .with_columns(
                _read_as(_written(n, columns), f).alias(_candidate_name(n, f))
                for n, f in fixed.items()
            )
            .collect()
        )
        dates = [n for n in dates if n not in fixed]
    if not dates:
        return frame, dict(fixed)
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
    return frame, {**fixed, **{name: chosen for name, (_, chosen) in best.items()}}


def _swapped(date_format: DateFormat) -> DateFormat | None:
    """The format with day and month the other way round, for a numeric one written day or
    month first (dd/mm/yyyy, mm/dd/yyyy; not an ISO date, whose order is never in doubt)."""
    strftime = date_format.strftime
    if "%d" not in strftime or "%m" not in strftime or strftime.startswith("%Y"):
        return None
    swapped = strftime.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
    return DateFormat(swapped, swapped, date_format.shape)


def _refuse_swapped_dates(
    frame: pl.DataFrame, formats: Mapping[str, DateFormat], fixed: Collection[str], file: str
) -> None:
    """Stop when a column read day first looks written month first, or the other way round:
    some of its dates exist only the other way round (``12/25/2025`` read day first) and
    none only the way it is read. Its dates with a day up to 12 would be taken with day and
    month swapped, unseen, and only the others quarantined. A column read day first because
    its values chose it (dd/mm/yyyy) and one a profile's date_format fixes are checked
    alike."""
    columns = set(frame.columns)
    checked = {n: (f, o) for n, f in formats.items() if (o := _swapped(f)) is not None}
    if not checked:
        return
    read = {n: pl.col(_candidate_name(n, f)) for n, (f, _) in checked.items()}
    other = {n: _read_as(_written(n, columns), o) for n, (_, o) in checked.items()}
    only_other = {n: read[n].is_null() & other[n].is_not_null() for n in checked}
    only_read = {n: read[n].is_not_null() & other[n].is_null() for n in checked}
    counts = (
        frame.lazy()
        .select(
            *(only_other[n].sum().alias(f"other {n}") for n in checked),
            *(only_read[n].sum().alias(f"read {n}") for n in checked),
        )
        .collect()
        .row(0, named=True)
    )
    for name, (used, swapped) in checked.items():
        if not counts[f"other {name}"] or counts[f"read {name}"]:
            continue
        first = frame.select(only_other[name].arg_true().first()).item()
        if name in fixed:
            looks = (
                f"the dates look written the other way round from the profile's date_format "
                f"'{used.strftime}': {counts[f'other {name}']} exist only as "
                f"'{swapped.strftime}' (this row's is the first) and none only as "
                f"'{used.strftime}'"
            )
            advice = f"Check the profile's date_format (is it '{swapped.strftime}'?)"
        else:
            looks = (
                f"the dates look written month first (mm/dd/yyyy, as in the US): "
                f"{counts[f'other {name}']} exist only that way round (this row's is the "
                "first) and none only day first"
            )
            advice = (
                "Save the dates as YYYY-MM-DD, or read the file through a source profile with "
                "date_format: '%m/%d/%Y'"
            )
        raise DataFileError(
            file,
            f"{looks}, so those with a day up to 12 would be read with day and month swapped. "
            f"{advice}",
            row=int(first) + FIRST_DATA_ROW,
            column=name,
        )


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


SHARED_NINO = (
    "the same NINO is on another person's row: a NINO is one person's for life, so one of "
    "them is probably wrong (the DWP list and subject access find people by it)"
)
_FEW_VALUES = 6
_DUP_COUNT = "__duplicate_count"
_DUP_ROWS = "__duplicate_rows"
_DIFFERS = "__differs_"
_POSITION = "__position"
_SHARED = "__shared_nino"


def _text(columns: set[str], name: str) -> pl.Expr:
    """A column's cleaned text, or its typed value as text when the file typed it (parquet)."""
    cleaned = _clean_name(name)
    return pl.col(cleaned) if cleaned in columns else pl.col(name).cast(pl.String)


def _typed(
    column: Column,
    columns: set[str],
    chosen: DateFormat | None,
    lower: set[str],
    european: bool = False,
    value_mapped: bool = False,
) -> pl.Expr:
    """A column's value in its schema type (meaningful only where `_fits` holds).

    `lower` names the enum columns whose values are all already allowed (so lower-case);
    `european`, a decimal column written with a decimal comma (`1.234,56`); `value_mapped`,
    a boolean column a profile's value map reads, which holds true or false only.
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
    if column.dtype == "decimal" and european:
        plain = cleaned.str.replace_all(_MONEY_NOISE_EUROPEAN, "").str.replace(",", ".")
        return plain.cast(pl.Float64, strict=False)
    if column.dtype == "decimal":
        return cleaned.str.replace_all(_MONEY_NOISE, "").cast(pl.Float64, strict=False)
    if column.dtype == "boolean":
        # Through a value map, only what the map wrote: `Y` read by the contract's own words
        # could contradict the map (`{'Yes': false, 'No': true}`).
        words = _CONTRACT_BOOLEANS if value_mapped else BOOLEAN_WORDS
        return cleaned.str.to_lowercase().replace_strict(
            words, default=None, return_dtype=pl.Boolean
        )
    return cleaned


def _already_allowed(
    frame: pl.DataFrame, present: list[Column], found: dict[str, bool] | None = None
) -> set[str]:
    """The text enum columns whose every value is one of the allowed ones as written: reading
    them lower-case would change nothing, so they are not rewritten. `found` holds what the
    tidying scan already settled (`_cleaned`); only the other columns are looked at here."""
    found = found or {}
    enums = [
        c
        for c in present
        if _lower_case_enum(c) and _clean_name(c.name) in frame.columns and c.name not in found
    ]
    settled = {name for name, allowed in found.items() if allowed}
    if not enums:
        return settled
    checks = frame.select(
        (
            _one_of(pl.col(_clean_name(c.name)), c.allowed or ())
            | pl.col(_clean_name(c.name)).is_null()
        )
        .all()
        .alias(c.name)
        for c in enums
    ).row(0, named=True)
    return settled | {name for name, allowed in checks.items() if allowed}


def _one_of(value: pl.Expr, allowed: tuple[str, ...]) -> pl.Expr:
    """`value.is_in(allowed)`; for a few values, as comparisons (twice as fast as hashing)."""
    if not allowed or len(allowed) > _FEW_VALUES:
        return value.is_in(allowed)
    return pl.any_horizontal(value == a for a in allowed)


def _fits(column: Column, european: bool = False) -> pl.Expr:
    """Whether a non-empty text cell is a value of the column's type (enum, date, decimal;
    `european`: a decimal written with a decimal comma)."""
    value = pl.col(_value_name(column.name))
    if column.dtype == "enum":
        return _one_of(value, column.allowed or ())
    if column.dtype == "decimal":
        shape = _MONEY_EUROPEAN if european else _MONEY
        return pl.col(_clean_name(column.name)).str.contains(shape) & value.is_not_null()
    return value.is_not_null()


def _date_reason(name: str, chosen: DateFormat, columns: set[str]) -> pl.Expr:
    written = _written(name, columns)
    # A profile's format may read a time of day after the date (`%d/%m/%Y %H:%M`).
    timed = any(d in chosen.strftime for d in ("%H", "%I"))
    impossible = "no such date in the calendar" + (", or no such time of day" if timed else "")
    reason: Then | ChainedThen = pl.when(written.str.contains(chosen.shape)).then(
        pl.lit(f"{impossible} (this column uses {chosen.label})")
    )
    for other in DATE_FORMATS:
        if other != chosen:
            reason = reason.when(_read_as(written, other).is_not_null()).then(
                pl.lit(
                    f"date written as {other.label} but this column uses {chosen.label} "
                    "in this file (mixed date formats)"
                )
            )
    # Excel writes a date cell formatted as a number (General) as its serial: days since
    # 1899-12-30. Named as such, with the date it would be, but never taken as that date.
    serial = written.str.contains(_EXCEL_SERIAL)
    would_be = pl.lit(_EXCEL_EPOCH) + pl.duration(
        days=written.str.extract(r"^(\d+)").cast(pl.Int64, strict=False)
    )
    reason = reason.when(serial).then(
        pl.format(
            "{} is an Excel date number (it would be {}), not a date in this column's format "
            f"({chosen.label}): format the column as dates in the spreadsheet before saving it",
            written,
            would_be.dt.strftime(chosen.strftime),
        )
    )
    if not timed:  # a date then a time of day, as database exports write dates: say how to read it
        date_shape = chosen.shape.removesuffix("$")
        for shape, time in TIMES_OF_DAY:
            reason = reason.when(written.str.contains(date_shape + shape)).then(
                pl.lit(
                    f"not a date in this column's format ({chosen.label}): it has a time after "
                    f"the date, which date_format '{chosen.strftime}{time}' in a source profile "
                    "reads (keeping the date)"
                )
            )
    return reason.otherwise(pl.lit(f"not a date in this column's format ({chosen.label})"))


def _column_rules(
    column: Column,
    columns: set[str],
    chosen: DateFormat | None,
    numbers: Mapping[str, str | None] | None = None,
    where: tuple[str, str] = ("", ""),
    value_mapped: bool = False,
) -> list[_Rule]:
    """Required and type rules of one column, in that order. `numbers`, `where`: as
    `_rules` takes them; `value_mapped`: a profile's value map reads the column."""
    name = column.name
    numbers = numbers or {}
    european = numbers.get(name) == EUROPEAN_NUMBERS
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
        return rules + _plausible_rule(column, columns, european)
    if column.dtype == "enum":
        allowed = ", ".join(column.allowed or ())
        reason = pl.format("'{}' is not one of: " + allowed, pl.col(_clean_name(name)))
    elif column.dtype == "boolean" and value_mapped:
        # Only the map's codes are read (what it writes, true or false): a code it lacks,
        # even `true`, is one of its slips, as an enum's is (`TablePlan.mapped_values`,
        # `workbench.data.profiles.relabelled`).
        reason = pl.format("'{}' is not one of: true, false", pl.col(_clean_name(name)))
    elif column.dtype == "boolean":
        reason = pl.format(
            "'{}' is not true or false (expected true/false, yes/no, y/n or 1/0)",
            pl.col(_clean_name(name)),
        )
    elif column.dtype == "date":
        assert chosen is not None, "every text date column has a chosen format"
        reason = _date_reason(name, chosen, columns)
    else:
        unsaid = name in numbers and numbers[name] is None
        reason = _number_reason(column, european, where if unsaid else None)
    rules.append(_Rule(name, filled & ~_fits(column, european), reason))
    if column.dtype == "decimal" and column.money and name in numbers and numbers[name] is None:
        rules.append(_three_decimals_rule(column, where))
    return rules + _plausible_rule(column, columns, european)


def _three_decimals_rule(column: Column, where: tuple[str, str]) -> _Rule:
    """An amount of a file that does not say how it writes numbers, with three decimal
    places after one to three digits (`1.234`): £1.234 with a decimal point, £1,234 with a
    point between thousands, as European number formats write it. Never guessed."""
    written = pl.col(_clean_name(column.name))
    table, file = where
    reason = pl.format(
        f"{column.name} {{}} {THREE_DECIMALS_SAID}: £{{}} if {file} writes a decimal point, "
        f"£{{}} if it writes a point between thousands (as European number formats do). Say "
        f"which beside its file in the profile (tables.{table}.number_format): "
        f"number_format: '{UK_NUMBERS}' or number_format: '{EUROPEAN_NUMBERS}'",
        written,
        written.str.replace_all(r"[£ ]", ""),
        pl.format(
            "{},{}",
            written.str.replace_all(r"[£ ]", "").str.extract(r"^(-?\d+)\."),
            written.str.extract(r"\.(\d{3})$"),
        ),
    )
    return _Rule(column.name, written.str.contains(_THREE_DECIMALS), reason, names_column=True)


def _number_reason(
    column: Column, european: bool = False, unsaid: tuple[str, str] | None = None
) -> pl.Expr:
    """Why a decimal's text is not read: "not a number", or, for an accounting negative
    (`(1,234.00)`: a negative amount as Excel's accounting format writes it), that it is
    one, and, money being never below zero, outside the plausible range too. `unsaid`
    (table, file): a file read through a profile that does not say how it writes numbers,
    where an amount written with a decimal comma (`1.234,56`) is said to be one."""
    written = pl.col(_clean_name(column.name))
    example = "£15.400,50, as the profile's number_format says" if european else "£15,400.50"
    low, high = column.plausible_range or (None, None)
    negative = pl.concat_str(pl.lit("-"), written.str.replace_all(r"[()]", ""))
    if isinstance(low, float) and isinstance(high, float) and low >= 0:
        said = pl.format(
            f"{{}} is written as an accounting negative ({{}}), which is outside the "
            f"plausible range ({low:,.0f} to {high:,.0f})",
            written,
            negative,
        )
    else:
        said = pl.format(
            "not a number: {} is written as an accounting negative; write it as {}",
            written,
            negative,
        )
    reason: Then | ChainedThen = pl.when(written.str.contains(_ACCOUNTING)).then(said)
    if unsaid is not None:
        table, file = unsaid
        reason = reason.when(written.str.contains(_MONEY_EUROPEAN)).then(
            pl.format(
                f"not a number as the contract writes them ({{}} looks written with a "
                f"decimal comma, as European number formats write numbers): if {file} writes "
                f"them so, say number_format: '{EUROPEAN_NUMBERS}' beside its file in the "
                f"profile (tables.{table}.number_format)",
                written,
            )
        )
    return reason.otherwise(pl.lit(f"not a number (expected digits like 15400 or {example})"))


def _plausible_rule(column: Column, columns: set[str], european: bool = False) -> list[_Rule]:
    """A typed date or number outside the column's plausible range (schema).

    The reason begins with the column's name, then the value: a number as the file wrote it
    (`-5`, not `-5.0`), a date as a date. A reason that began with the value would begin
    with `-` for a negative amount, which a spreadsheet takes for a formula: the quarantine
    file would escape it, and show `'-5.0`."""
    bounds = column.plausible_range
    if bounds is None:
        return []
    low, high = bounds
    value = pl.col(_value_name(column.name))
    # Only a value of the right type is judged (NaN and text are "not a number" already):
    # written text is judged only when it is a number as `_fits` reads one, so that a value
    # that is not (`-15,40`, `-1e5`) gets that one reason, not a range it cannot be said to
    # be outside of too.
    typed = value.is_finite() if column.dtype == "decimal" else value.is_not_null()
    if column.dtype == "decimal" and _clean_name(column.name) in columns:
        typed = typed & _fits(column, european)
    broken = typed.fill_null(False) & ~value.is_between(pl.lit(low), pl.lit(high))
    shown = [f"{b:,.0f}" if isinstance(b, float) else str(b) for b in bounds]
    written = _text(columns, column.name) if column.dtype == "decimal" else value.cast(pl.String)
    reason = pl.format(
        f"{column.name} {{}} is outside the plausible range ({shown[0]} to {shown[1]})", written
    )
    return [_Rule(column.name, broken, reason, names_column=True)]


# The reason of a row with nothing in any column read: a blank line, or a spreadsheet's empty
# row saved as commas (`,,,,`). Such a row is given this reason alone, not one "required
# field is empty" per column, and `--strict` does not fail for it (`set_aside_rows`).
BLANK_ROW = "blank row (every column read is empty)"


def _blank_rule(
    table: Table, present: list[Column], columns: set[str], filled_in: Collection[str]
) -> _Rule | None:
    """A row with no column read filled in (the ones the loader filled in not counted), when
    at least two are read: with one, an empty cell is that column's problem."""
    read = [c.name for c in present if c.name not in filled_in]
    if len(read) < 2:
        return None
    cells = [pl.col(_clean_name(n) if _clean_name(n) in columns else n) for n in read]
    filled = [cell.is_not_null() for cell in cells]
    shown = table.id_column if table.id_column in {c.name for c in present} else read[0]
    return _Rule(shown, ~pl.any_horizontal(filled), pl.lit(BLANK_ROW), names_column=True)


REPEATED_HINT = (
    " (the same in every column read: a line repeated, as a join in the extract can write "
    "it; remove the repeat, or a source profile's `repeated_rows: once` reads it once)"
)
"""Said of a duplicated id whose rows are all alike: every row is quarantined (the contract),
and a repeated parent's line costs their child a place on the list, so the way out is said."""


def _duplicate_rules(
    name: str,
    frame: pl.DataFrame,
    present: list[Column],
    repeats_once: bool = False,
    labels: Mapping[str, str] | None = None,
) -> list[_Rule]:
    """A duplicated id: every row carrying it, as the contract says, its reason saying so
    when the rows are alike in every column read (`REPEATED_HINT`), and otherwise naming the
    columns whose values differ between them (`_with_differences`; as `labels` names them, a
    source profile's names, else the contract's). With `repeats_once` (a source profile's
    `repeated_rows: once`), such alike rows are read once: the copies after the first are
    quarantined as repeats and set aside."""
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
    # row, in text order (P0001, P0002) or in natural order, shorter first (P9, P10: numbers
    # without leading zeros), both in one pass. Otherwise distinct hashes as many as ids
    # prove the ids distinct (a collision can only lower the count), which is cheaper than
    # the exact check; a window count is in turn about four times faster than is_duplicated
    # on millions of ids.
    ids = ident.drop_nulls()
    after = ids.shift(-1)
    width, width_after = ids.str.len_bytes(), after.str.len_bytes()
    increasing = frame.lazy().select(
        (ids < after).all().alias("text"),
        ((width < width_after) | ((width == width_after) & (ids < after))).all().alias("natural"),
    )
    if any(increasing.collect().row(0)):
        return [_Rule(name, pl.lit(False), listed, names_column=True)]
    distinct = frame.lazy().select(ids.hash().n_unique() == ident.count())
    if distinct.collect().item():
        return [_Rule(name, pl.lit(False), listed, names_column=True)]
    duplicated = ident.is_not_null() & (pl.len().over(ident) > 1)
    # The duplicated ids, with the file's row of the first, whether their rows are all alike,
    # and, for each other column read, whether it differs between them (ids repeat rarely, so
    # this is a few rows, found once).
    columns = set(frame.columns)
    others = [c.name for c in present if c.name != name]
    cells = {c.name: _text(columns, c.name).str.strip_chars() for c in present}
    groups = (
        frame.lazy()
        .with_row_index(_POSITION)
        .filter(duplicated)
        .group_by(ident.alias("id"))
        .agg(
            pl.col(_POSITION).min().cast(pl.Int64).alias("first"),
            pl.struct(cells.values()).n_unique().alias("variants"),
            *(cells[c].n_unique().gt(1).alias(f"{_DIFFERS}{c}") for c in others),
        )
        .collect()
    )
    exact = groups.filter(pl.col("variants") == 1)
    repeated = ident.is_in(exact["id"].implode())
    listed = _with_differences(listed, ident, groups.filter(pl.col("variants") > 1), labels)
    if not repeats_once:
        hinted = pl.when(repeated).then(pl.concat_str(listed, pl.lit(REPEATED_HINT)))
        return [_Rule(name, duplicated, hinted.otherwise(listed), names_column=True)]
    first_row = ident.replace_strict(
        exact["id"], exact["first"] + FIRST_DATA_ROW, default=None, return_dtype=pl.Int64
    )
    copy = pl.format(
        f"{name} {{}} repeats row {{}} exactly (the same in every column read): only the "
        "first is read, so that no one is counted twice",
        ident,
        first_row,
    )
    return [
        _Rule(name, duplicated & ~repeated, listed, names_column=True),
        _Rule(name, repeated & ~ident.is_first_distinct(), copy, names_column=True),
    ]


def _with_differences(
    listed: pl.Expr, ident: pl.Expr, differing: pl.DataFrame, labels: Mapping[str, str] | None
) -> pl.Expr:
    """A duplicated id's reason `listed`, followed for an id whose rows differ (`differing`:
    one row per such id, a `__differs_<column>` flag per other column read) by the columns
    whose values differ between its rows: "award_id A7 appears on rows 2, 4; they differ in
    person_id, benefit". A benefits extract with a row per payment repeats a claim with its
    earnings changed: the analyst sees which column makes the rows more than one."""
    if differing.is_empty():
        return listed
    flags = [c for c in differing.columns if c.startswith(_DIFFERS)]
    named = {
        c: (labels or {}).get(c.removeprefix(_DIFFERS), c.removeprefix(_DIFFERS)) for c in flags
    }
    texts = [
        ", ".join(named[c] for c in flags if row[c]) for row in differing.iter_rows(named=True)
    ]
    said = pl.Series([f"; they differ in {t}" if t else "" for t in texts], dtype=pl.String)
    differences = ident.replace_strict(differing["id"], said, default="", return_dtype=pl.String)
    return pl.concat_str(listed, differences)


def _order_rule(start: str, end: str, columns: set[str]) -> _Rule:
    broken = pl.col(_value_name(end)) < pl.col(_value_name(start))
    reason = pl.format(
        f"{end} {{}} is before {start} {{}}", _text(columns, end), _text(columns, start)
    )
    return _Rule(end, broken, reason, names_column=True)


def _rules(
    table: Table,
    present: list[Column],
    frame: pl.DataFrame,
    formats: dict[str, DateFormat],
    repeats_once: bool = False,
    labels: Mapping[str, str] | None = None,
    numbers: Mapping[str, str | None] | None = None,
    file: str = "",
    value_mapped: Collection[str] = (),
) -> list[_Rule]:
    """Every rule a row of this file can break, in column order. `numbers` says how the
    file writes each decimal column whose numbers a source profile reads (`check_rows`'
    `number_formats`); `file` names the file in a reason that says what to write in the
    profile; `value_mapped`, the columns a profile's value map reads (`check_rows`)."""
    columns = set(frame.columns)
    names = {c.name for c in present}
    rules: list[_Rule] = []
    for column in present:
        rules += _column_rules(
            column,
            columns,
            formats.get(column.name),
            numbers,
            (table.name, file),
            column.name in value_mapped,
        )
        if column.name == table.id_column:
            rules += _duplicate_rules(column.name, frame, present, repeats_once, labels)
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
    if _notes_shared_ninos(present, columns):
        # A NINO is one person's for life: on two rows, one is probably wrong, and the DWP
        # list's rows (and subject access) that find people by it cannot tell them apart.
        notes.append(_Warning("nino", pl.col(_SHARED), SHARED_NINO))
    return notes


# A warning names this many of the people it counts, for the analyst to find in the file.
_IDS_SHOWN = 5


def _unset_roles(
    table: Table, present: list[Column], frame: pl.DataFrame, columns: set[str]
) -> list[_Warning]:
    """A note on each accepted person whose role is empty, when the file has a role column
    (with none, every household member of the adult age counts as a parent or carer). Such a
    person is neither a parent or carer nor one of the household's children: silently, their
    awards would count for no child. The reason counts them and names the first few."""
    if table.name != "people" or "role" not in {c.name for c in present}:
        return []
    unset = pl.col(_value_name("role")).is_null() & ~pl.col(_BAD)
    ident = _text(columns, table.id_column)
    count, first = (
        frame.lazy()
        .select(unset.sum(), ident.filter(unset).head(_IDS_SHOWN + 1).implode())
        .collect()
        .row(0)
    )
    if not count:
        return []
    shown = ", ".join(first[:_IDS_SHOWN]) + (", ..." if len(first) > _IDS_SHOWN else "")
    people = "1 person" if count == 1 else f"{count} people"
    reason = (
        f"role is empty for {people} ({table.id_column} {shown}): a person without a role is "
        "neither a parent or carer nor a child of their household, so their awards count for "
        "no other child; record parent_carer, child or other"
    )
    return [_Warning("role", unset, reason)]


def _notes_shared_ninos(present: list[Column], columns: set[str]) -> bool:
    found = {_clean_name("nino"), _shape_note_name("nino")}
    return any(c.name == "nino" for c in present) and found <= columns


def _hash(value: pl.Expr) -> pl.Expr:
    return value.hash()


def _shared_ninos(frame: pl.DataFrame) -> pl.Expr:
    """True on each accepted row whose NINO another accepted row has too.

    A placeholder ("NOT KNOWN") is no one's NINO (it is already noted as out of shape), and a
    quarantined row counts for nothing. Most councils' NINOs are all distinct, and a window
    count over millions of them costs seconds (1.3 s at 12 million people), so the few
    repeated are found first by sorting their 64-bit hashes (0.2 s): every row of a shared
    NINO has the same hash, so none is missed, and the exact count, on those rows alone,
    drops any two NINOs whose hashes merely collide.
    """
    value = pl.col(_value_name("nino"))
    # `_normalised` found the NINOs out of shape already.
    counted = value.is_not_null() & ~pl.col(_shape_note_name("nino")) & ~pl.col(_BAD)
    hashes = frame.lazy().select(pl.when(counted).then(_hash(value))).collect().to_series()
    ordered = hashes.drop_nulls().sort()
    repeated = ordered.filter(ordered == ordered.shift(1)).unique()
    if repeated.is_empty():
        return pl.lit(False)
    positions = hashes.is_in(repeated.implode()).arg_true()
    candidates = frame.select(_value_name("nino"))[positions]
    shared = positions.filter(candidates.select(pl.len().over(_value_name("nino")) > 1).to_series())
    return pl.int_range(pl.len(), dtype=pl.get_index_type()).is_in(shared.implode())


def _flag(index: int) -> str:
    return f"__rule_{index}"


def _note(index: int) -> str:
    return f"__warn_{index}"


def first_match(pairs: list[tuple[pl.Expr, pl.Expr]]) -> Then | ChainedThen:
    """The value paired with the first true condition, row by row."""
    (condition, value), *rest = pairs
    chained: Then | ChainedThen = pl.when(condition).then(value)
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
    first_reason = first_match([(f, r.reason) for f, r in zip(flags, rules, strict=True)])
    return rejected.select(
        pl.lit(table.name).alias("table"),
        pl.lit(file).alias("file"),
        pl.col(_ROW).alias("row"),
        first_match([(f, pl.lit(r.column)) for f, r in zip(flags, rules, strict=True)]).alias(
            "column"
        ),
        first_match(
            [(f, pl.col(r.column).cast(pl.String)) for f, r in zip(flags, rules, strict=True)]
        ).alias("value"),
        pl.when(pl.sum_horizontal(flags) > 1).then(every).otherwise(first_reason).alias("reason"),
    ).sort("row")


def _numbered_rows(
    frame: pl.DataFrame, where: pl.Expr, columns: Iterable[str] | None = None
) -> pl.DataFrame:
    """The rows (of `columns`, default all) where `where` holds, with their number in the
    file as `_ROW`."""
    where = where.fill_null(False)
    rows = frame.lazy().filter(where)
    if columns is not None:
        rows = rows.select(columns)
    # A lazy filter (polars' default, streaming, engine) copies only the rows kept; an eager
    # select, an index or the in-memory engine would first copy whole columns of millions.
    # In one chunk: polars 2.1 panics ("assertion failed: i < self.len()") evaluating a
    # string function inside a when/then chain over text columns left in several chunks by
    # the filter (a tester's people file: a blank surname and an Excel date number 4,600
    # rows apart stopped `validate` with no file or row named). These rows are the few
    # reported, so the copy is small.
    kept = rows.collect().rechunk()
    positions = frame.select(where.arg_true()).to_series()
    return kept.hstack([(positions.cast(pl.Int64) + FIRST_DATA_ROW).alias(_ROW)])


def _warning_rows(
    frame: pl.DataFrame, kept: pl.Expr, table: Table, file: str, notes: list[_Warning]
) -> pl.DataFrame:
    """One row per note on a row `kept` (accepted)."""
    frames = [
        _numbered_rows(frame, kept & pl.col(_note(i)), [note.column])
        .lazy()
        .select(
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


# --- one file's rows, checked --------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedRows:
    """One file's rows split: ``accepted`` (typed, the table's columns), ``quarantine`` and
    ``warnings`` (`QUARANTINE_SCHEMA`), ``read`` rows in all, and, when asked for, the file's
    row numbers of the accepted rows (``accepted_rows``, for checks against other tables)."""

    accepted: pl.DataFrame
    quarantine: pl.DataFrame
    warnings: pl.DataFrame
    read: int
    accepted_rows: pl.Series | None = None


def renumbered(checked: CheckedRows, by: int) -> CheckedRows:
    """Checked rows numbered `by` further on (back, when negative): a query's result, whose
    first row is 1, not 2; a sheet whose header is below empty rows."""
    shift = pl.col("row") + by
    rows = checked.accepted_rows
    return replace(
        checked,
        quarantine=checked.quarantine.with_columns(shift),
        warnings=checked.warnings.with_columns(shift),
        accepted_rows=rows + by if rows is not None else None,
    )


def check_rows(
    table: Table,
    raw: pl.DataFrame,
    file: str,
    fmt: str,
    normalise: bool = True,
    *,
    number_accepted: bool = False,
    date_formats: Mapping[str, DateFormat] | None = None,
    mapped: Collection[str] = (),
    filled_in: Collection[str] = (),
    repeats_once: bool = False,
    labels: Mapping[str, str] | None = None,
    number_formats: Mapping[str, str | None] | None = None,
    value_mapped: Collection[str] = (),
) -> CheckedRows:
    """Check `raw` (a file's wanted columns, as text or as a parquet file types them) against
    `table`'s schema in one vectorised pass; `file` names the file in the quarantine and
    `fmt` is its format (``csv``, ``parquet`` or ``xlsx``). `date_formats` fixes the format of
    some date columns (a source profile's); the others' is chosen from their values. `mapped`
    names enum columns a source profile's value map wrote every value of (each one of the
    column's values, or empty): they are not tidied or tested against their values again,
    only for being filled in when required. `filled_in` names columns the loader filled in
    rather than read (a DWP list's numbered ids): a row with nothing in the others is blank.
    `repeats_once` reads once the rows of a duplicated id that are alike in every column
    read (a source profile's `repeated_rows: once`); otherwise every row of a duplicated id
    is quarantined, as the contract says. `labels` names the columns as the file does (a
    source profile's), where a reason lists several (the columns a duplicated id's rows
    differ in); by default, by their contract names. `number_formats` says, for the
    decimal columns of a delimited text file a source profile reads, how it writes numbers
    (`UK_NUMBERS`, `EUROPEAN_NUMBERS`), or None where the profile does not say: then a money
    value with three decimal places after one to three digits (`1.234`) is quarantined as
    reading two ways. A column not named is read as the contract writes numbers.
    `value_mapped` names the columns a source profile's value map reads: a boolean one
    takes only `true` or `false` (what the map writes; a cell so written that the map does
    not list is marked not to be read, `TablePlan.mapped_values`), so that a code the map
    lacks (`Y`, `true`) is quarantined, not read by the contract's own words.

    Example
    -------
    >>> from workbench.data.schema import TABLES
    >>> raw = pl.DataFrame({"person_id": ["P1", "P1"], "household_id": ["H1", "H1"],
    ...     "forename": ["Ann", "Bo"], "surname": ["Lee", "Lee"],
    ...     "date_of_birth": ["2024-03-15", "2024-13-01"]})
    >>> checked = check_rows(TABLES["people"], raw, "people.csv", "csv")
    >>> checked.read, checked.accepted.height, checked.quarantine["row"].to_list()
    (2, 0, [2, 3])
    """
    present = [c for c in table.columns if c.name in raw.columns]
    written = {c.name for c in present if c.name in mapped and c.dtype == "enum"}
    frame, allowed = _cleaned(raw, present, fmt, normalise, written)
    dates = [c.name for c in present if c.dtype == "date" and _clean_name(c.name) in frame.columns]
    frame, formats = _read_dates(frame, dates, date_formats)
    _refuse_swapped_dates(frame, formats, date_formats or {}, file)
    columns = set(frame.columns)
    rules = _rules(
        table, present, frame, formats, repeats_once, labels, number_formats, file, value_mapped
    )
    blank = _blank_rule(table, present, columns, filled_in)
    if blank is not None:  # a blank row has that one problem, not one per required column
        # (flags are set in order, so each later rule reads the blank rule's flag)
        rules = [blank, *(replace(r, broken=r.broken & ~pl.col(_flag(0))) for r in rules)]
    notes = _warnings_for(present, columns) if normalise else []
    lower = _already_allowed(frame, present, allowed)
    frame = (
        frame.lazy()
        .with_columns(
            _typed(
                c,
                columns,
                formats.get(c.name),
                lower,
                (number_formats or {}).get(c.name) == EUROPEAN_NUMBERS,
                c.name in value_mapped,
            ).alias(_value_name(c.name))
            for c in present
        )
        .with_columns(
            rule.broken.fill_null(False).alias(_flag(i)) for i, rule in enumerate(rules[:1])
        )
        .with_columns(
            rule.broken.fill_null(False).alias(_flag(i)) for i, rule in enumerate(rules) if i
        )
        .with_columns(pl.any_horizontal(_flag(i) for i in range(len(rules))).alias(_BAD))
        .collect()
    )
    notes += _unset_roles(table, present, frame, columns)
    # Notes after the verdict: a note may count only the rows accepted (a shared NINO).
    # (Lazily: an eager select on the collected frame, in many chunks, would first copy every
    # column of it into one chunk: 23 s and 4.6 GiB more at 12 million people.)
    if notes:
        shared = _shared_ninos(frame) if _notes_shared_ninos(present, columns) else pl.lit(False)
        noted = (
            frame.lazy()
            .with_columns(shared.alias(_SHARED))
            .select(note.noted.fill_null(False).alias(_note(i)) for i, note in enumerate(notes))
            .collect()
        )
        frame = frame.hstack(noted.get_columns())
    # Filter lazily so that only the columns each output needs are gathered: the frame holds
    # every intermediate column, and copying them all would cost more than the checks.
    accepted = (
        frame.lazy()
        .filter(~pl.col(_BAD))
        .select(pl.col(_value_name(c.name)).cast(DTYPES[c.dtype]).alias(c.name) for c in present)
        .collect()
    )
    rejected = _numbered_rows(frame, pl.col(_BAD))
    numbers = None
    if number_accepted:
        positions = frame.select((~pl.col(_BAD)).arg_true()).to_series()
        numbers = (positions.cast(pl.Int64) + FIRST_DATA_ROW).alias("row")
    return CheckedRows(
        accepted=accepted,
        quarantine=_quarantine_rows(rejected, table, file, rules, columns),
        warnings=_warning_rows(frame, ~pl.col(_BAD), table, file, notes),
        read=frame.height,
        accepted_rows=numbers,
    )
