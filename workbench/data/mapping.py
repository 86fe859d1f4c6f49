"""What a source profile does to a council's extract, column by column (the mapping view of
`workbench validate DIR --profile FILE`).

For each table the profile maps: its file, and for each contract column the source column(s)
it comes from, with a few example values before and after, MASKED (`value_shape`: `Hussain`
shows as `Aa…`, `01/04/1990` as `99/99/9999`, so that a person sees a format change without
seeing anyone's data); for a value map, every spelling in the file with its rows and the
contract value it becomes, and the spellings the map lacks (their rows are quarantined).

The view is for the terminal only: example values are personal data even masked in part, and
nothing here writes a file.

Example
-------
>>> value_shape("SW1A 1AA"), value_shape("Hussain"), value_shape("£12,277.01")
('AA9A 9AA', 'Aa…', '£99,999.99')
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from workbench.data.checks import FIRST_DATA_ROW, DateFormat, check_rows
from workbench.data.database import DatabaseTable, read_query
from workbench.data.profiles import Profile, header_key, load_profile, value_key
from workbench.data.reading import format_of, read_with_headers
from workbench.data.schema import TABLES, Table

__all__ = [
    "ColumnMapping",
    "TableMapping",
    "describe_mapping",
    "mapping_lines",
    "period_caution",
    "period_columns",
    "period_warnings",
    "read_by_rules",
    "value_shape",
]

_EXAMPLES = 3

# The contract's amounts that are pounds a year (`workbench.data.schema`): an extract that
# gives some of them a month or a week (Universal Credit's assessment period is a month) must
# convert them before loading, or a monthly figure is read as a year's. Savings are an amount
# held, not a year's, and hours are no money.
YEARLY_AMOUNTS = frozenset(
    {
        ("benefits", "net_earned_income"),
        ("benefits", "gross_income"),
        ("households", "annual_income"),
    }
)
# Words of a header that say a period or frequency (`Pay Period`, `Frequency`, `Paid per`,
# `Monthly/Annual`, `Assessment Period`); a word ending in `period` or `frequency` too
# (`PayPeriod`, `pay_frequency` once split).
_PERIOD_WORDS = frozenset(
    {
        "period",
        "periods",
        "frequency",
        "freq",
        "per",
        "monthly",
        "weekly",
        "fortnightly",
        "4weekly",
        "month",
        "months",
        "week",
        "weeks",
    }
)


def period_columns(headers: Iterable[str]) -> tuple[str, ...]:
    """The `headers` that suggest a period or frequency (`Pay Period`, `Frequency`,
    `PayPeriod`, `Monthly`, `Per`, `Assessment Period`), in their order: beside an amount
    read as pounds a year, such a column says some amounts may be a month's or a week's."""
    found = []
    for header in headers:
        spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", header).lower()
        words = re.findall(r"[a-z0-9]+", spaced.replace("4-weekly", "4weekly"))
        if any(w in _PERIOD_WORDS or w.endswith(("period", "frequency")) for w in words):
            found.append(header)
    return tuple(found)


def period_caution(periods: Iterable[str]) -> str:
    """What to say of yearly amounts read beside the columns `periods` (`period_columns`)."""
    named = list(periods)
    said = (
        f"the column {named[0]} suggests"
        if len(named) == 1
        else f"the columns {', '.join(named)} suggest"
    )
    return (
        f"the contract wants pounds a year, and {said} some figures may be per month or "
        "week: convert them in the extract before loading"
    )


def period_warnings(mapped: Iterable[TableMapping]) -> list[str]:
    """A sentence per table a profile reads pounds a year into (`YEARLY_AMOUNTS`) from a file
    with a column not read that suggests a period (`period_columns`): a monthly take-home pay
    read as a year's puts families under an income limit they are over."""
    sentences = []
    for t in mapped:
        amounts = [c for c in t.columns if (t.table, c.column) in YEARLY_AMOUNTS]
        periods = period_columns(t.unread)
        if not amounts or not periods:
            continue
        read = " and ".join(f"{t.table}.{c.column} from {c.source}" for c in amounts)
        sentences.append(f"{t.file}: the profile reads {read}; {period_caution(periods)}")
    return sentences


_SAMPLE_ROWS = 200  # rows checked to show values after: enough to find three filled in
_SHOWN = 24  # a masked value is cut after this many characters


def _masked(character: str) -> str:
    """Any letter (Zoë's ë, Łukasz's Ł too) as `A` or `a`, any digit as `9`; others kept."""
    if character.isdigit():
        return "9"
    if character.isalpha():
        return "A" if character.isupper() else "a"
    return character


def value_shape(value: object) -> str:
    """A value masked to its shape: letters as `A`/`a` with a run of them as one letter and
    `…`, digits as `9` (so dates, postcodes and money keep their format), other characters
    kept; None as `(empty)`."""
    if value is None or str(value) == "":
        return "(empty)"
    shape = "".join(map(_masked, str(value)))
    shape = re.sub(r"A(a{2,})", "Aa…", shape)
    shape = re.sub(r"(?<![Aa])a{2,}", "a…", shape)
    shape = re.sub(r"A{3,}", "A…", shape)
    return shape if len(shape) <= _SHOWN else shape[:_SHOWN] + "…"


@dataclass(frozen=True)
class ColumnMapping:
    """One contract column as the profile reads it: its source (`DOB`, `First Name + Last
    Name`), masked examples (before, after), and for a value map each spelling with the
    contract value it becomes (None: not in the map) and its rows."""

    column: str
    source: str
    date_format: str | None
    examples: tuple[tuple[str, str], ...]
    values: tuple[tuple[str, str | None, int], ...] = ()


@dataclass(frozen=True)
class TableMapping:
    """A table the profile maps: the file, its rows, the columns, and the file's headers
    that no entry reads."""

    table: str
    file: str
    rows: int
    columns: tuple[ColumnMapping, ...]
    unread: tuple[str, ...]


def describe_mapping(
    folder: str | Path,
    profile: Profile | str | Path,
    *,
    tables: Iterable[str] | None = None,
    equality_monitoring: bool = False,
) -> list[TableMapping]:
    """What `profile` does to the extract in `folder`, for each table it maps (of `tables`,
    default all). Special-category columns only with `equality_monitoring`."""
    profile = profile if isinstance(profile, Profile) else load_profile(profile)
    folder = Path(folder)
    mapped = []
    for name in profile.tables:
        if tables is not None and name not in tables:
            continue
        table = TABLES[name]
        path = profile.source_for(name, folder)
        mapped.append(_table_mapping(table, path, profile, equality_monitoring))
    return mapped


_TYPED_DATES = "typed as dates by the source"


def _table_mapping(
    table: Table, path: Path | DatabaseTable, profile: Profile, equality_monitoring: bool
) -> TableMapping:
    if isinstance(path, Path):  # a column twice, left out of `raw`, is refused if read
        raw, headers = read_with_headers(
            path,
            profile.encoding_for(table.name),
            profile.separator_for(table.name, path),
            profile.sheet_for(table.name),
            profile.header_row_for(table.name),
        )
    else:
        raw = _query_as_text(path)
        headers = raw.columns
    wanted = tuple(c.name for c in table.columns_for(equality_monitoring=equality_monitoring))
    plan = profile.plan(table, path, headers, wanted)
    derived = plan.apply(raw.select(plan.columns))
    after = _checked_sample(
        table, derived.head(_SAMPLE_ROWS), path, plan.date_formats, tuple(plan.mapped)
    )
    columns = []
    for name in derived.columns:
        source = plan.labels[name]
        read = _sources(profile, table.name, name, raw.columns)
        values: tuple[tuple[str, str | None, int], ...] = ()
        if name in plan.values and len(read) == 1:
            # Codes: every spelling is listed with its rows, so no examples are needed.
            values = _values(
                raw[read[0]],
                plan.values[name],
                plan.out_of_scope.get(name, frozenset()),
            )
            examples: tuple[tuple[str, str], ...] = ()
        else:
            examples = _examples(raw.head(_SAMPLE_ROWS), read, after, name)
        fmt = plan.date_formats.get(name)
        # A database or parquet column already typed as a date has no written format.
        label = _TYPED_DATES if derived.schema[name].is_temporal() else fmt.label if fmt else None
        columns.append(ColumnMapping(name, source, label, examples, values))
    # A column written twice is not read, unless read for a contract column (refused).
    unread = tuple(
        dict.fromkeys(
            h if headers.count(h) == 1 else f"{h} (twice in the header)"
            for h in headers
            if h not in plan.columns
        )
    )
    return TableMapping(table.name, path.name, raw.height, tuple(columns), unread)


def _query_as_text(source: DatabaseTable) -> pl.DataFrame:
    """A query's result, every column as text but the dates (as the loader reads them)."""
    raw = read_query(source)
    return raw.with_columns(
        pl.col(c).cast(pl.String) for c, t in raw.schema.items() if not t.is_temporal()
    )


def _sources(profile: Profile, table: str, name: str, headers: list[str]) -> list[str]:
    """The file's headers a contract column is read from."""
    by_key = {header_key(h): h for h in reversed(headers)}
    entry = profile.columns.get(table, {}).get(name)
    named = entry.source_columns() if entry is not None else [name]
    return [h if h in headers else by_key[header_key(h)] for h in named]


def _checked_sample(
    table: Table,
    sample: pl.DataFrame,
    path: Path | DatabaseTable,
    formats: Mapping[str, DateFormat],
    value_mapped: tuple[str, ...] = (),
) -> pl.DataFrame:
    """The sample's rows as the loader accepts them, numbered by position (`__at`)."""
    if table.id_column not in sample.columns:
        sample = sample.with_columns(
            pl.format("row-{}", pl.int_range(pl.len())).alias(table.id_column)
        )
    fmt = format_of(path) if isinstance(path, Path) else "database"
    assert fmt is not None  # the profile names only files of a format read
    checked = check_rows(
        table,
        sample,
        path.name,
        fmt,
        number_accepted=True,
        date_formats=formats,
        value_mapped=value_mapped,
    )
    rows = checked.accepted_rows
    at = (rows - FIRST_DATA_ROW) if rows is not None else pl.int_range(0, 0, eager=True)
    return checked.accepted.with_columns(at.alias("__at"))


def _examples(
    raw: pl.DataFrame, read: list[str], after: pl.DataFrame, name: str
) -> tuple[tuple[str, str], ...]:
    """Up to three (before, after) pairs, masked, from rows with the source filled in."""
    if not read:
        return ()
    filled = raw.with_row_index("__at").filter(pl.any_horizontal(pl.col(read).is_not_null()))
    # Under a name of its own: a file header may be the contract's name too.
    checked = after.select("__at", pl.col(name).alias("__after"))
    joined = filled.join(checked, on="__at", how="left")
    examples = []
    for row in joined.head(_EXAMPLES).iter_rows(named=True):
        before = " + ".join(value_shape(row[c]) for c in read)
        value = row["__after"]
        if value is not None and hasattr(value, "isoformat"):
            value = value.isoformat()
        shown = value_shape(value)
        examples.append((before, shown if row["__at"] in set(after["__at"]) else "(quarantined)"))
    return tuple(examples)


def _values(
    source: pl.Series,
    spellings: dict[str, str],
    out_of_scope: frozenset[str] = frozenset(),
) -> tuple[tuple[str, str | None, int], ...]:
    """Each spelling in the file, the contract value it becomes (`OUT_OF_SCOPE` for a code
    the map maps to nothing; None for one it lacks), its rows (most first)."""
    counts = source.drop_nulls().value_counts(sort=True)
    found = []
    for spelling, rows in counts.rows():
        key = value_key(spelling)
        # A code the map does not list is quarantined, even one the contract would read
        # (`true`): the council may mean by it another value than the contract does.
        target = OUT_OF_SCOPE if key in out_of_scope else spellings.get(key)
        found.append((spelling, target, int(rows)))
    return tuple(sorted(found, key=lambda v: (v[1] is None, -v[2], v[0])))


OUT_OF_SCOPE = "(nothing: out of scope, set aside)"
"""What a code a value map maps to nothing becomes, in the mapping view."""


def mapping_lines(mappings: list[TableMapping]) -> list[str]:
    """The view as lines of text, for the terminal."""
    lines = []
    for t in mappings:
        lines.append(f"{t.table} <- {t.file} ({t.rows} rows)")
        for c in t.columns:
            fmt = f" (dates {c.date_format})" if c.date_format else ""
            shown = "; ".join(f"{b} -> {a}" for b, a in c.examples)
            example = f"   e.g. {shown}" if shown else ("" if c.values else "   (empty)")
            lines.append(f"  {c.source} -> {c.column}{fmt}{example}")
            for spelling, target, rows in c.values:
                becomes = target if target is not None else "NOT MAPPED: quarantined"
                lines.append(f"      {spelling!r} -> {becomes}   {rows} rows")
        if t.unread:
            lines.append(f"  not read: {', '.join(t.unread)}")
    return lines


@functools.cache
def read_by_rules() -> dict[tuple[str, str], tuple[str, ...]]:
    """(table, optional column) -> the built-in initiatives whose rules read it
    (`workbench.eligibility.assess.columns_used`)."""
    # Imported here: the rules and the assessment read data through this package.
    from workbench.eligibility.assess import columns_used
    from workbench.rules.model import available_initiatives, load_rule_set

    found: dict[tuple[str, str], list[str]] = {}
    for initiative in available_initiatives():
        for table, columns in columns_used(load_rule_set(initiative)).items():
            for column in columns:
                found.setdefault((table, column), []).append(initiative)
    return {key: tuple(names) for key, names in found.items()}
