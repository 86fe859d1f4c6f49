"""Wards from postcodes: a council's own lookup file, for take-up by ward.

A ward lookup is a CSV or ``.xlsx`` file with a ``postcode`` and a ``ward`` column (and
optionally ``ward_code``). Each ``postcode`` is a full postcode (``FQ1 2AB``), a postcode
sector (``FQ1 2``) or a district (``FQ1``), so a council can list the few postcodes that
cross a ward boundary and cover the rest by sector or district. A person's postcode is
matched to the most precise entry: full postcode first, then sector, then district. A
postcode that matches nothing (or is missing, or is not shaped like a postcode) is in ward
``unknown``, never guessed.

Example
-------
>>> import polars as pl
>>> lookup = pl.DataFrame({"postcode": ["FQ1 2AB", "FQ1 2", "FQ1"],
...     "level": ["postcode", "sector", "district"],
...     "ward": ["Ashcombe", "Brackenhurst", "Dunmere"], "ward_code": [None, None, None]},
...     schema_overrides={"ward_code": pl.String})
>>> people = pl.DataFrame({"person_id": ["C1", "C2", "C3", "C4"],
...     "postcode": ["fq1 2ab", "FQ1 2XY", "FQ1 5AA", "FQ9 1AA"]})
>>> match_wards(people, lookup).get_column("ward").to_list()
['Ashcombe', 'Brackenhurst', 'Dunmere', 'unknown']
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import polars.selectors as cs

from workbench.errors import DataFileError, UsageError

__all__ = [
    "LEVELS",
    "LOOKUP_COLUMNS",
    "UNKNOWN",
    "load_ward_lookup",
    "match_summary",
    "match_wards",
]

UNKNOWN = "unknown"
"""The ward of a child whose postcode is missing or matches no entry of the lookup."""
LEVELS = ("postcode", "sector", "district")
"""How precise a lookup entry is, most precise first: the order postcodes are matched in."""
LOOKUP_COLUMNS = ("postcode", "level", "ward", "ward_code")
"""The columns `load_ward_lookup` returns."""
_REQUIRED = ("postcode", "ward")
_OPTIONAL = ("ward_code",)
_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_SHAPES = {
    "postcode": re.compile(rf"^({_OUTWARD}) ?([0-9][A-Z]{{2}})$"),
    "sector": re.compile(rf"^({_OUTWARD}) ([0-9])$"),
    "district": re.compile(rf"^({_OUTWARD})$"),
}
_FULL_POSTCODE = rf"^{_OUTWARD}[0-9][A-Z]{{2}}$"  # with the space removed
_HEADER_ROWS = 1  # rows are numbered as a spreadsheet shows them: the header is row 1
_SHAPE_HELP = "a full postcode (FQ1 2AB), a postcode sector (FQ1 2) or a district (FQ1)"


def load_ward_lookup(path: str | Path) -> pl.DataFrame:
    """Read and check a ward lookup file (CSV or ``.xlsx``).

    Parameters
    ----------
    path
        A ``.csv`` (UTF-8, header row) or ``.xlsx`` (first sheet, header row) file with
        columns ``postcode`` and ``ward``, and optionally ``ward_code``. Headers are matched
        ignoring case and surrounding spaces; other columns are ignored.

    Returns
    -------
    pl.DataFrame
        `LOOKUP_COLUMNS`: ``postcode`` as written in its standard form (upper case, one
        space: ``FQ1 2AB``, ``FQ1 2``, ``FQ1``), ``level`` (``postcode``, ``sector`` or
        ``district``), ``ward`` and ``ward_code`` (null when not given), sorted by level
        (most precise first), then postcode.

    Raises
    ------
    DataFileError
        The file is missing, unreadable, lacks a column or has no rows; or a row (numbered
        as a spreadsheet shows it) has an empty or malformed postcode, an empty ward, a
        postcode listed twice, or a ward code that disagrees with another row's.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "wards.csv"
    >>> _ = path.write_text("postcode,ward\\nfq1 2,Ashcombe\\nFQ2,Dunmere\\n")
    >>> load_ward_lookup(path).select("postcode", "level", "ward").rows()
    [('FQ1 2', 'sector', 'Ashcombe'), ('FQ2', 'district', 'Dunmere')]
    """
    path = Path(path)
    raw = _read(path)
    rows = raw.get_column("postcode").to_list()
    wards = raw.get_column("ward").to_list()
    codes = raw.get_column("ward_code").to_list()
    entries: list[tuple[str, str, str, str | None]] = []
    first_row: dict[str, int] = {}
    seen_codes: dict[tuple[str, str], tuple[str, int]] = {}
    for index, (written, ward, code) in enumerate(zip(rows, wards, codes, strict=True)):
        row = index + _HEADER_ROWS + 1
        postcode, level = _standard_postcode(path, row, written)
        ward = _required_text(path, row, "ward", ward)
        if postcode in first_row:
            raise DataFileError(
                path,
                f"{postcode!r} is listed twice (first at row {first_row[postcode]}): give each "
                "postcode, sector or district once, with one ward",
                row=row,
                column="postcode",
            )
        first_row[postcode] = row
        code = code.strip() if isinstance(code, str) and code.strip() else None
        if code is not None:
            _check_code(path, row, ward, code, seen_codes)
        entries.append((postcode, level, ward, code))
    lookup = pl.DataFrame(entries, schema=dict.fromkeys(LOOKUP_COLUMNS, pl.String), orient="row")
    order = {level: i for i, level in enumerate(LEVELS)}
    return lookup.sort(pl.col("level").replace_strict(order, return_dtype=pl.Int8), "postcode")


def match_wards(
    people: pl.DataFrame, lookup: pl.DataFrame, *, postcode: str = "postcode"
) -> pl.DataFrame:
    """Add each row's ``ward``, ``ward_code`` and ``ward_matched_by`` from a lookup.

    Parameters
    ----------
    people
        Any frame with a postcode column (spaces and case do not matter).
    lookup
        From `load_ward_lookup`.
    postcode
        The postcode column's name.

    Returns
    -------
    pl.DataFrame
        ``people`` (row order kept) with ``ward`` (`UNKNOWN` when nothing matched),
        ``ward_code`` and ``ward_matched_by`` (the level that matched, null when none).
    """
    _check_lookup(lookup)
    if postcode not in people.columns:
        raise UsageError(
            f"Matching wards needs a {postcode!r} column; the table has {people.columns}."
        )
    keyed = people.with_columns(_keys(pl.col(postcode)))
    for level in LEVELS:
        entries = lookup.filter(pl.col("level") == level).select(
            pl.col("postcode").alias(f"_key_{level}"),
            pl.col("ward").alias(f"_ward_{level}"),
            pl.col("ward_code").alias(f"_code_{level}"),
        )
        keyed = keyed.join(entries, on=f"_key_{level}", how="left", maintain_order="left")
    matched_by = pl.coalesce(
        pl.when(pl.col(f"_ward_{level}").is_not_null()).then(pl.lit(level)) for level in LEVELS
    )
    return keyed.with_columns(
        pl.coalesce(f"_ward_{level}" for level in LEVELS).fill_null(UNKNOWN).alias("ward"),
        pl.coalesce(
            pl.when(pl.col(f"_ward_{level}").is_not_null()).then(pl.col(f"_code_{level}"))
            for level in LEVELS
        ).alias("ward_code"),
        matched_by.alias("ward_matched_by"),
    ).drop(cs.matches("^_(key|ward|code)_.*$"))


def match_summary(postcodes: pl.Series, lookup: pl.DataFrame) -> dict[str, int]:
    """How the distinct postcodes of a people table matched: by level, unmatched, missing.

    Counts distinct postcodes (after upper-casing and removing spaces), not people, so the
    summary says how well the lookup covers the data without counting any family.

    Examples
    --------
    >>> lookup = pl.DataFrame({"postcode": ["FQ1"], "level": ["district"], "ward": ["Dunmere"],
    ...     "ward_code": [None]}, schema_overrides={"ward_code": pl.String})
    >>> match_summary(pl.Series(["FQ1 1AA", "fq11aa", "FQ2 1AA", None]), lookup)
    {'postcode': 0, 'sector': 0, 'district': 1, 'unmatched': 1, 'missing': 1}
    """
    compact = postcodes.cast(pl.String).str.to_uppercase().str.replace_all(r"\s", "")
    missing = int((compact.is_null() | (compact == "")).sum())
    distinct = compact.filter(compact.is_not_null() & (compact != "")).unique()
    matched = match_wards(pl.DataFrame({"postcode": distinct}), lookup)
    levels = matched.get_column("ward_matched_by")
    counts = {level: int((levels == level).sum()) for level in LEVELS}
    return {**counts, "unmatched": int(levels.is_null().sum()), "missing": missing}


# --- helpers -------------------------------------------------------------------------------------


def _read(path: Path) -> pl.DataFrame:
    """The file's rows as text, with columns ``postcode``, ``ward`` and ``ward_code``."""
    if not path.is_file():
        raise DataFileError(path, f"no ward lookup file here: expected a {_WHAT}")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise DataFileError(
            path, f"cannot read a {suffix or 'suffix-less'} file: expected a {_WHAT}"
        )
    try:
        if suffix == ".csv":
            frame = pl.read_csv(path, infer_schema=False)
        else:
            frame = pl.read_excel(path, engine="calamine", infer_schema_length=0)
    except Exception as error:  # any reader failure is the file's fault, said in one line
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataFileError(path, f"cannot be read ({detail}): expected a {_WHAT}") from error
    headers = {
        " ".join(name.strip().lower().replace("-", " ").split()): name for name in frame.columns
    }
    headers = {key.replace(" ", "_"): name for key, name in headers.items()}
    for column in _REQUIRED:
        if column not in headers:
            raise DataFileError(
                path,
                f"no {column!r} column; the file has {frame.columns}. Expected a {_WHAT}",
                column=column,
            )
    if frame.is_empty():
        raise DataFileError(path, f"has a header but no rows: expected a {_WHAT}")
    return frame.select(
        pl.col(headers[name]).cast(pl.String).alias(name)
        if name in headers
        else pl.lit(None, pl.String).alias(name)
        for name in (*_REQUIRED, *_OPTIONAL)
    )


_WHAT = (
    "CSV or .xlsx file with a header row and columns 'postcode' (a full postcode, a sector "
    "like 'FQ1 2' or a district like 'FQ1') and 'ward', optionally 'ward_code'"
)


def _required_text(path: Path, row: int, column: str, value: str | None) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text:
        raise DataFileError(path, f"is empty: every row needs a {column}", row=row, column=column)
    return text


def _standard_postcode(path: Path, row: int, value: str | None) -> tuple[str, str]:
    """The entry in standard form (``FQ1 2AB``, ``FQ1 2``, ``FQ1``) and its level."""
    text = " ".join(_required_text(path, row, "postcode", value).upper().split())
    for level, shape in _SHAPES.items():
        found = shape.match(text)
        if found:
            return " ".join(found.groups()), level
    raise DataFileError(path, f"{value!r} is not {_SHAPE_HELP}", row=row, column="postcode")


def _check_code(
    path: Path, row: int, ward: str, code: str, seen: dict[tuple[str, str], tuple[str, int]]
) -> None:
    """One code per ward and one ward per code: ``seen`` maps each to the other, with its row."""
    for key, kind, other in (
        (("ward", ward), "ward", code),
        (("ward_code", code), "ward_code", ward),
    ):
        before = seen.setdefault(key, (other, row))
        if before[0] != other:
            column = "ward_code" if kind == "ward" else "ward"
            raise DataFileError(
                path,
                f"{kind} {key[1]!r} has {column} {other!r} here but {before[0]!r} at row "
                f"{before[1]}: each ward has one code, and each code one ward",
                row=row,
                column=column,
            )


def _check_lookup(lookup: pl.DataFrame) -> None:
    if not isinstance(lookup, pl.DataFrame) or not set(LOOKUP_COLUMNS) <= set(lookup.columns):
        got = lookup.columns if isinstance(lookup, pl.DataFrame) else type(lookup).__name__
        raise UsageError(
            f"Expected a ward lookup from load_ward_lookup (columns {list(LOOKUP_COLUMNS)}); "
            f"got {got}."
        )


def _keys(postcode: pl.Expr) -> list[pl.Expr]:
    """The full-postcode, sector and district keys of a postcode (null when not full-shaped)."""
    compact = postcode.cast(pl.String).str.to_uppercase().str.replace_all(r"\s", "")
    full = compact.str.contains(_FULL_POSTCODE).fill_null(False)
    length = compact.str.len_chars().cast(pl.Int64)
    outward = compact.str.head(length - 3)
    inward = compact.str.tail(3)
    return [
        pl.when(full).then(pl.concat_str(outward, pl.lit(" "), inward)).alias("_key_postcode"),
        pl.when(full)
        .then(pl.concat_str(outward, pl.lit(" "), inward.str.head(1)))
        .alias("_key_sector"),
        pl.when(full).then(outward).alias("_key_district"),
    ]
