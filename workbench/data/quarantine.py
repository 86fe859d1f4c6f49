"""The quarantine of a data folder: its rows, its problems (one per failing column), the
summary `validate` prints, and the restricted file it is written to.

`LoadedData.quarantine` (`workbench.data.reading`) holds one entry per rejected input row:
its file, row number, the column and raw value of its first problem, and a reason listing
every problem. `quarantine_problems` splits a row that fails several columns into one entry
per failing column, so that every failing column is counted; `quarantined_rows` counts rows,
as `accepted + quarantined = read` does.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from workbench.data.checks import EUROPEAN_NUMBERS, THREE_DECIMALS_SAID, UK_NUMBERS
from workbench.data.profiles import header_line, load_profile
from workbench.data.reading import (
    QUARANTINE_KINDS,
    LoadedData,
    _open,
    lost_zeros,
    quarantine_kind,
    read_as_text,
    zero_matches,
)
from workbench.data.schema import TABLES
from workbench.errors import UsageError, WorkbenchError
from workbench.private_files import private_folder_for, write_private
from workbench.spreadsheet import neutralised

__all__ = [
    "MOSTLY_QUARANTINED",
    "SET_ASIDE_KINDS",
    "ambiguous_amounts",
    "dropped_zeros",
    "mostly_quarantined",
    "quarantine_problems",
    "quarantine_summary",
    "quarantined_record",
    "quarantined_rows",
    "set_aside_rows",
    "write_quarantine",
]

# A file with more than this share of its rows quarantined has almost certainly been read the
# wrong way (a column or value map that does not fit), not merely typed with a few slips: the
# commands say so plainly instead of carrying on with what little was accepted.
MOSTLY_QUARANTINED = 0.5

# The kinds of problem (`quarantine_kind`) of a row naming what another table lacks, and
# what it names.
_REFERENCES = {"unknown person": "person_id", "unknown household": "household_id"}


def quarantine_problems(quarantine: pl.DataFrame) -> pl.DataFrame:
    """The quarantine with one entry per problem: a row that fails several columns (a bad
    date *and* an empty name) gives one entry per failing column, each with that column and
    its own reason. Columns: table, file, row, column, reason. Count rows with
    `quarantined_rows`, not entries: `accepted + quarantined = read` counts rows.

    A row's reason lists its problems joined by "; ", each naming its column ("child_forename:
    required field is empty; child_date_of_birth: no such date ..."); a part that does not
    start with one of the table's columns belongs to the part before it (a value may hold
    "; ").

    Example
    -------
    >>> q = pl.DataFrame({"table": ["people"], "file": ["people.csv"], "row": [3],
    ...     "column": ["forename"], "value": [None], "reason": ["forename: required field is "
    ...     "empty; date_of_birth: not a date in this column's format (YYYY-MM-DD)"]})
    >>> quarantine_problems(q).select("column", "reason").rows()  # doctest: +NORMALIZE_WHITESPACE
    [('forename', 'required field is empty'),
     ('date_of_birth', "not a date in this column's format (YYYY-MM-DD)")]
    """
    columns = ["table", "file", "row", "column", "reason"]
    frame = quarantine.select(columns)
    several = pl.col("reason").str.contains("; ", literal=True).fill_null(False)
    single, multiple = frame.filter(~several), frame.filter(several)
    if multiple.is_empty():
        return frame
    split = []
    # A table read through a source profile names its columns as the source does ("Post
    # Code", "First Name + Surname"): its parts may start with any such name.
    seen = quarantine.group_by("table").agg(pl.col("column").unique()).rows()
    profiled = {
        table
        for table, columns in seen
        if table in TABLES and set(columns) - {None} - set(TABLES[table].column_names)
    }
    for table, file, row, column, reason in multiple.iter_rows():
        names = set(TABLES[table].column_names) if table in TABLES else {column}
        if table in profiled:
            names |= {_source_label(part) for part in reason.split("; ")} - {None}
        problems: list[list[str]] = []
        for part in reason.split("; "):
            named = _named_column(part, names)
            if named is None and problems:
                problems[-1].append(part)
            else:
                problems.append([part])
        if len(problems) == 1:
            split.append((table, file, row, column, reason))
            continue
        for parts in problems:
            text = "; ".join(parts)
            named = _named_column(text, names) or column
            if text.startswith(f"{named}: "):
                text = text[len(named) + 2 :]
            split.append((table, file, row, named, text))
    found = pl.DataFrame(split, schema=frame.schema, orient="row")
    position = {name: i for i, name in enumerate(TABLES)}
    return pl.concat([single, found]).sort(
        pl.col("table").replace_strict(position, default=len(position), return_dtype=pl.Int32),
        "row",
        maintain_order=True,
    )


def _source_label(part: str) -> str | None:
    """The source column a reason's part of a profiled table starts with ("Post Code: ..."):
    text with no quote, colon or semicolon before the first ": " (a quoted value never is),
    and not itself a reason naming its column ("Claim Ref A7 repeats row 131 exactly (the
    same in every column read): only the first is read" starts with its column and value,
    not with a label: taken for one, each id was a column of its own in the summary, a
    line per claim)."""
    head, colon, _ = part.partition(": ")
    if not colon or not head or set(head) & set(":;'\""):
        return None
    return None if any(pattern in head for pattern, _ in QUARANTINE_KINDS) else head


def _named_column(part: str, names: set[str]) -> str | None:
    """The column a reason's part starts with ("benefit: ..." or "end_date 2024-01-01 is
    before ..."), when it is one of `names`."""
    head = part.split(" ", 1)[0]
    head = head[:-1] if head.endswith(":") else head
    if head in names:
        return head
    # A source's column name may hold spaces ("Post Code: ..."): the longest that fits.
    named = [n for n in names if " " in n and part.startswith(f"{n}: ")]
    return max(named, key=len) if named else None


def quarantined_rows(quarantine: pl.DataFrame) -> int:
    """How many input rows a quarantine (or `quarantine_problems`) holds: each (table, row)
    once, however many entries it has."""
    if quarantine.is_empty():
        return 0
    return int(quarantine.select(pl.struct("table", "row").n_unique()).item())


SET_ASIDE_KINDS = ("blank row", "out of scope", "repeated row")
"""The kinds of quarantined row that are no slip to fix: a blank row
(`workbench.data.checks.BLANK_ROW`), an award or status whose code the profile maps to
nothing (out of the rules' scope), and an exact copy of an earlier row, read once as a source
profile's `repeated_rows: once` asks."""


def set_aside_rows(quarantine: pl.DataFrame) -> int:
    """How many of a quarantine's rows are set aside rather than wrong (`SET_ASIDE_KINDS`,
    with no other problem): `validate --strict` counts them but does not fail for them, and
    a file is not called mostly quarantined for them."""
    if quarantine.is_empty():
        return 0
    aside = quarantine_kind(pl.col("reason")).is_in(SET_ASIDE_KINDS)
    alone = ~pl.col("reason").str.contains("; ", literal=True)
    rows = quarantine.filter(aside & alone).select(pl.struct("table", "row").n_unique())
    return int(rows.item())


def quarantine_summary(quarantine: pl.DataFrame) -> pl.DataFrame:
    """Quarantined rows counted by table, column and kind of problem, with the first row.

    Every failing column of a row counts (`quarantine_problems`): a row with a bad date and
    an empty name is counted under both, so the groups' rows may add up to more than the
    rows quarantined (`quarantined_rows`). Groups come in the quarantine's order (tables as
    in the schema, then by first row).

    Example
    -------
    >>> q = pl.DataFrame({"table": ["people"], "file": ["people.csv"], "row": [3],
    ...                   "column": ["forename"], "value": [None],
    ...                   "reason": ["required field is empty"]})
    >>> quarantine_summary(q).row(0)
    ('people', 'forename', 'empty required field', 1, 3)
    """
    return (
        quarantine_problems(quarantine)
        .lazy()
        .group_by(
            "table", "column", quarantine_kind(pl.col("reason")).alias("kind"), maintain_order=True
        )
        .agg(
            pl.col("row").n_unique().cast(pl.Int64).alias("rows"),
            pl.col("row").min().alias("first_row"),
        )
        .collect()
    )


def write_quarantine(quarantine: pl.DataFrame, path: str | Path) -> Path:
    """Write the quarantine to `.csv` (or `.parquet`); it holds raw personal data as given."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in {".csv", ".parquet"}:
        raise UsageError(f"--quarantine-out must end in .csv or .parquet; got {target.name!r}")
    private_folder_for(target)  # a new folder for it is owner-only, as the file
    # Owner-only and atomic like the lists: it holds raw values, ids and dates of birth.
    if suffix == ".csv":
        write_private(target, neutralised(quarantine).write_csv)
    else:
        write_private(target, quarantine.write_parquet)
    return target


def mostly_quarantined(data: LoadedData, share: float = MOSTLY_QUARANTINED) -> list[str]:
    """One plain sentence per file with more than `share` of its rows quarantined: how many,
    the commonest problem and its first row, and where to look (the quarantine, the profile).

    Example
    -------
    >>> from workbench.data.reading import load_folder
    >>> data = load_folder("data_samples/council_small")  # doctest: +SKIP
    >>> mostly_quarantined(data)  # doctest: +SKIP
    []
    """
    found = []
    for report in data.reports.values():
        if not report.read or report.quarantined <= share * report.read:
            continue
        rows = data.quarantine.filter(pl.col("table") == report.table)
        if report.quarantined - set_aside_rows(rows) <= share * report.read:
            continue  # mostly blank rows or codes out of scope: read as meant
        commonest = quarantine_summary(rows).sort("rows", descending=True, maintain_order=True)
        column, kind, first = commonest.select("column", "kind", "first_row").row(0)
        look = (
            f"; check how the profile {data.profile.name} maps table {report.table} "
            f"(tables.{report.table})"
            if data.profile is not None
            else "; check the file's columns against `workbench schema`"
        )
        referred = _REFERENCES.get(kind)
        zeros = _leading_zeros(rows, kind) if referred is not None else None
        if zeros is not None:
            # Most of them name ids the other file holds once leading zeros are ignored: the
            # zeros are the cause, not two extracts that do not go together.
            count, advice = zeros
            other = data.reports.get("people")
            index = other.file.name if other is not None else "the people file"
            look = (
                f"; the likely cause is leading zeros: {count} of these rows name a {referred} "
                f"that {index} holds once leading zeros are ignored. {advice}"
            )
        elif referred is not None:
            # Rows naming people (or households) the person index does not have: most often
            # two extracts that do not go together, not a file read the wrong way.
            other = data.reports.get("people")
            index = other.file.name if other is not None else "the people file"
            look = (
                f"; check that {report.file.name} and {index} come from the same system and "
                f"the same extract: each {referred} of {report.file.name} should be one in "
                f"{index}"
                + (look.replace("; check", " (and check", 1) + ")" if data.profile else "")
            )
        found.append(
            f"{report.file.name}: {report.quarantined} of {report.read} rows "
            f"({report.quarantined / report.read:.0%}) are quarantined and count for nothing; "
            f"the commonest problem is {kind} in column '{column}' (first at row {first}). "
            f"See `workbench validate --quarantine-out FILE` for every row{look}"
        )
    return found


# How a reference's reason says the id is found once leading zeros are ignored, before the
# advice (`workbench.data.reading.lost_zeros`).
_ZEROS_IGNORED = " once leading zeros are ignored: "


def _leading_zeros(rows: pl.DataFrame, kind: str) -> tuple[int, str] | None:
    """When most of a file's quarantined rows of `kind` (an unknown person or household)
    name an id found once leading zeros are ignored: how many do, and the advice their
    reasons give; else None."""
    ours = rows.filter(quarantine_kind(pl.col("reason")) == kind)
    zeros = ours.filter(pl.col("reason").str.contains(_ZEROS_IGNORED, literal=True))
    if zeros.height * 2 <= ours.height:
        return None
    advice = zeros.get_column("reason")[0].split(_ZEROS_IGNORED, 1)[1].split("; ")[0]
    return zeros.height, advice


def dropped_zeros(data: LoadedData) -> list[str]:
    """One plain sentence per reference (an award's person, a household's) whose ids not
    found in the other file match ids there once leading zeros are ignored: how many, one
    pair, and what to do (`workbench.data.reading.lost_zeros`). A people workbook holding its
    ids as numbers (`24`) beside extracts writing `0000024` quarantined every social-care
    row, and nothing said why.

    Example
    -------
    >>> dropped_zeros(load_folder("data_samples/council_small"))  # doctest: +SKIP
    []
    """
    found = []
    kinds = quarantine_kind(pl.col("reason")).is_in(list(_REFERENCES))
    referring = data.quarantine.filter(kinds)
    for name, report in data.reports.items():
        for column, other, other_column in TABLES[name].references:
            if other not in data.tables or other not in data.reports:
                continue
            label = data.source_columns.get(name, {}).get(column, column)
            ours = referring.filter((pl.col("table") == name) & (pl.col("column") == label))
            if ours.is_empty():
                continue
            values = ours.get_column("value")
            if column in data.derivations.get(name, {}):
                # Shown as its source cells (`0000811`): the ids made of them are compared.
                made = quarantined_values(data, name, column)
                made = made.join(ours.select("row"), on="row", how="semi")
                values = made.get_column("held") if not made.is_empty() else values
            matches = zero_matches(values, data.tables[other].get_column(other_column))
            if matches.is_empty():
                continue
            other_file = data.reports[other].file.name
            other_label = data.source_columns.get(other, {}).get(other_column, other_column)
            lost = lost_zeros(
                matches,
                (name, column, label, report.file.name),
                (other, other_column, other_label, other_file),
                data.derivations,
            )
            value, match = matches.row(0)
            found.append(
                f"{report.file.name}: {matches.height} of the {values.n_unique()} {label} ids "
                f"not found in {other_file} match ids there once leading zeros are ignored "
                f"({value} and {match}): {lost}"
            )
    return found


def ambiguous_amounts(data: LoadedData) -> list[str]:
    """One plain sentence per file and money column whose rows were quarantined for an
    amount with three decimal places (`1.234`: £1.234, or £1,234 as European number formats
    write it) because the profile does not say how the file writes numbers: how many, the
    first, and the line to add. When most of the file's rows are so, the file is said to
    look written the European way: a tester's extract had thousands, one reason each.

    Example
    -------
    >>> ambiguous_amounts(load_folder("extract", profile="profile.yaml"))  # doctest: +SKIP
    ['awards.csv: 3 of 4 rows have three decimal places in Earnings ...']
    """
    problems = quarantine_problems(data.quarantine)
    ours = problems.filter(pl.col("reason").str.contains(THREE_DECIMALS_SAID, literal=True))
    found = []
    for (table, file, column), group in ours.group_by(
        "table", "file", "column", maintain_order=True
    ):
        report = data.reports.get(str(table))
        if report is None:
            continue
        rows = group.get_column("row")
        count, first = rows.n_unique(), int(rows.sort()[0])
        value = data.quarantine.filter(
            (pl.col("table") == table) & (pl.col("row") == first) & (pl.col("column") == column)
        ).get_column("value")
        shown = f"{value[0]}, " if value.len() and value[0] is not None else ""
        said = (
            f"{file}: {count} of {report.read} rows have three decimal places in {column} "
            f"({shown}first at row {first}), which reads two ways: £1.234, or £1,234 as "
            "European number formats write it. "
        )
        if count * 2 > report.read:
            said += (
                f"Most of the file is written so: it looks written with points between "
                f"thousands; if it is, say number_format: '{EUROPEAN_NUMBERS}' beside its file "
                f"in the profile (tables.{table}.number_format), else number_format: "
                f"'{UK_NUMBERS}'"
            )
        else:
            said += (
                f"Say which beside its file in the profile (tables.{table}.number_format): "
                f"number_format: '{UK_NUMBERS}' (a decimal point) or number_format: "
                f"'{EUROPEAN_NUMBERS}' (a decimal comma)"
            )
        found.append(said + "; until then those rows are quarantined")
    return found


def quarantined_record(data: LoadedData, table: str, column: str, value: str) -> pl.DataFrame:
    """The quarantine's rows of `table` whose `column` (a contract column, such as a
    person_id) holds `value` in the file: a record the tables lack because its row was set
    aside, found by reading that one column of the file again (`explain` on such a person).

    Under a source profile `value` is the value the profile makes (``P0000811``, of a cell
    of ``0000811``), as the accepted rows hold it (`quarantined_values`). Empty when no
    quarantined row holds it, or when the column cannot be read back: a table from a
    database query, or a file the profile no longer fits.
    """
    rows = data.quarantine.filter(pl.col("table") == table)
    held = quarantined_values(data, table, column).filter(pl.col("held") == value)
    return rows.join(held.select("row"), on="row", how="semi").sort("row")


def quarantined_values(data: LoadedData, table: str, column: str) -> pl.DataFrame:
    """For each quarantined row of `table` (``row``, as the quarantine numbers it), the value
    its `column` (a contract column) would have had (``held``, stripped), read again from the
    file: the cell as written or, under a source profile, the value the profile makes of the
    row's cells (``P0000811`` of a ``Client No`` of ``0000811`` under ``{concat: [{text: P},
    Client No]}``), as the accepted rows' ids are made, so that the two can be compared.
    Empty when it cannot be read back (as `quarantined_record`)."""
    empty = pl.DataFrame(schema={"row": pl.Int64, "held": pl.String})
    rows = data.quarantine.filter(pl.col("table") == table)
    if rows.is_empty():
        return empty
    again = read_again(data, table, [column])
    if again is None or column not in again.columns:
        return empty
    held = again.select("row", pl.col(column).alias("held"))
    return held.join(rows.select("row").unique(), on="row", how="semi").sort("row")


SOURCE_CELLS = " cells"
"""The ending of `read_again`'s columns holding a contract column's source cells."""


def _text(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.String)


def read_again(data: LoadedData, table: str, columns: list[str]) -> pl.DataFrame | None:
    """Every row of `table`'s file read again: ``row``, numbered as the quarantine numbers
    it, and for each contract column of `columns` the file can give, its value as the load
    made it (as text, stripped; under a source profile, its expression applied: a `concat`'s
    pieces joined, a `pad`'s zeros added) and, under the column's name followed by
    `SOURCE_CELLS`, the source cells it was made from as the quarantine shows them (``000 +
    0737`` for ``Family Area + Family Seq``; a column read for a special-category one is not
    quoted: `workbench.data.profiles.with_source_values`). None when the file cannot be read
    again: a database query's table, a file gone or changed so that the profile no longer
    fits it.

    The quarantine keeps a row's cells only for the column it failed; this is how another
    of its columns (the household of a person quarantined for a date) is found; None too
    when the profile cannot be read again (one made in Python, never saved)."""
    report = data.reports.get(table)
    if report is None or not isinstance(report.file, Path):
        return None
    path = report.file
    try:  # (a profile made in Python and never saved cannot be read again)
        profile = load_profile(data.profile) if data.profile is not None else None
    except WorkbenchError:
        return None
    through = profile if profile is not None and table in profile.tables else None
    encoding, separator, sheet, header_row = "utf-8", None, None, None
    if through is not None:
        sheet, header_row = through.sheet_for(table), through.header_row_for(table)
        if report.format == "csv":
            encoding = through.encoding_for(table)
            separator = through.separator_for(table, path)
    try:
        if through is not None:
            headers, read = _open(path, report.format, encoding, separator, sheet, header_row)
            plan = through.plan(TABLES[table], path, headers, tuple(columns))
            source = read(plan.columns)
            made = plan.apply(source)
            # A column read as it is shows its cell; one the profile makes, the cells it is
            # made from; one the profile gives a `value`, that value.
            made = made.select(_text(c).str.strip_chars() for c in made.columns)
            cells = source.select(
                (plan.shown[c] if c in plan.shown else _text(plan.labels[c])).alias(c)
                for c in made.columns
                if c in plan.shown or c not in plan.derivations
            )
            given = made.select(c for c in made.columns if c not in cells.columns)
            found = pl.concat(
                [
                    made,
                    pl.concat([cells, given], how="horizontal").select(
                        _text(c).alias(c + SOURCE_CELLS) for c in made.columns
                    ),
                ],
                how="horizontal",
            )
        else:
            written = read_as_text(path, columns=columns)
            found = written.select(
                pl.col(c).str.strip_chars() for c in columns if c in written.columns
            )
            found = found.with_columns(pl.col(c).alias(c + SOURCE_CELLS) for c in found.columns)
    except WorkbenchError:
        return None
    except Exception:  # polars, fastexcel and OS errors alike: cannot be read again
        return None
    header = header_line(path, sheet, header_row)
    return found.with_row_index("row", offset=header + 1).with_columns(pl.col("row").cast(pl.Int64))
