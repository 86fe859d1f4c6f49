"""A source profile proposed from a council's extract, for a person to check
(`workbench profile suggest DIR`).

Each file of the folder is matched to the contract table whose columns explain most of it;
each of its columns to a contract column by its header (normalised, and through the known
spellings in `workbench/reference/profile_suggest.yaml`: `DOB`, `NI Number`, `Post Code`) AND
by what its values look like (dates and their format, NINOs, postcodes, money with `£`, yes/no
flags however many ways they are spelled, ids), one column per contract column (scipy's
assignment solver picks the best set); a `Surname, Forename` column is split, two columns for
one NINO are coalesced. An optional column the rules read that no column was found for, while
the file has columns not read, is listed to check. The distinct values of a coded column
(counted as a value map reads them: case and spacing aside) are mapped onto the contract's
values (`Universal Credit` -> universal_credit, `JSA(IB)` -> jsa_income_based, `Parent/Carer`
-> parent_carer); a value it is unsure of is left out, with a comment, so that its rows are
quarantined until a person decides: so is one that names a value only in part (`JSA` may be
contribution-based, which does not qualify: the `qualifiers` of the knowledge file), and a
short code spelled a little like another (`CP Plan` is no `EHC Plan`).

A workbook's table is looked for on each of its sheets (the one whose columns fit a table
best; the first on a tie), and the header of a sheet or CSV file among its first ten rows when
the first looks like a title (`sheet:` and `header_row:` are proposed, to check). A file
matched to no table is listed with the table it comes closest to and the required columns it
lacks, each with the column not read whose header is most like it.

An amount the contract holds as pounds a year (take-home pay, gross or annual income) is
marked *check*, however sure its header, when the file has a column not read that suggests a
period (`Pay Period`, `Frequency`, `Monthly`): some amounts may be a month's or a week's, to
convert in the extract before loading (`validate --profile` warns of it too).

A delimited text file whose amount columns show a decimal comma (`12,50`, `1.234,56`) and
none a decimal point is proposed `number_format: '1.234,56'`, to check; an amount column whose
values leave it open (only `1.234`-like amounts, which read two ways, or amounts written both
ways) is listed to check (`number_style`).

The profile is written as YAML with a comment on every entry saying how sure the suggestion is
(*sure*, *likely*, *check*) and why. It holds headers and codes only: the values of names,
dates, NINOs and the like are looked at to tell what a column holds, never written, and the
special-category columns (sex, ethnicity, first language) are matched by their header alone.

Example
-------
>>> suggestion = suggest_profile("data/extract")  # doctest: +SKIP
>>> suggestion.write("profile.yaml")  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import polars as pl
import yaml
from scipy.optimize import linear_sum_assignment

from workbench.data import clean
from workbench.data.checks import BOOLEAN_WORDS, EUROPEAN_NUMBERS, TIMES_OF_DAY, UK_NUMBERS
from workbench.data.mapping import YEARLY_AMOUNTS, period_caution, period_columns, read_by_rules
from workbench.data.profiles import (
    EXAMPLE_PROFILES,
    TEXT_SUFFIXES,
    date_format_from,
    default_separator,
    one_column_twice,
    parse_profile,
    sheet_first_column,
    value_key,
    workbook_sheets,
)
from workbench.data.reading import (
    SEPARATOR_WORDS,
    SEPARATOR_YAML,
    format_of,
    header_row_among,
    is_utf8,
    looks_like_title,
    open_text,
    read_with_headers,
    xlsx_header_row,
)
from workbench.data.schema import TABLES, Column, Table
from workbench.errors import DataFileError

__all__ = [
    "KNOWLEDGE",
    "ColumnFacts",
    "ColumnSuggestion",
    "ProfileSuggestion",
    "TableSuggestion",
    "ValueSuggestion",
    "describe_column",
    "number_style",
    "suggest_profile",
    "suggest_value",
]

# Known spellings of headers and values, and the thresholds of a suggestion.
KNOWLEDGE = EXAMPLE_PROFILES.parent / "profile_suggest.yaml"

Certainty = Literal["sure", "likely", "check"]

# What values look like, tried in order (a NINO is never taken for an id).
_DATES: tuple[tuple[str, str], ...] = (
    (r"^\d{4}-\d{1,2}-\d{1,2}$", "%Y-%m-%d"),
    (r"^\d{1,2}/\d{1,2}/\d{4}$", "%d/%m/%Y"),
    (r"^\d{1,2}-\d{1,2}-\d{4}$", "%d-%m-%Y"),
    (r"^\d{1,2}\.\d{1,2}\.\d{4}$", "%d.%m.%Y"),
    (r"^\d{1,2}-[A-Za-z]{3}-\d{4}$", "%d-%b-%Y"),
    (r"^\d{1,2} [A-Za-z]{3} \d{4}$", "%d %b %Y"),
    (r"^\d{1,2} [A-Za-z]{4,9} \d{4}$", "%d %B %Y"),
)
# A date cell of an Excel file, as its text reads: the loader takes it as a date whatever the
# column's format (`workbench.data.checks`), so the date alone is the format.
_EXCEL_DATE_CELL = (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?$", "%Y-%m-%d")
# Each date followed by a time of day, as database exports write dates (`05/03/2024 00:00`):
# a profile's date_format reads the time and keeps the date.
_DATE_SHAPES: tuple[tuple[str, str], ...] = _DATES + tuple(
    (pattern.removesuffix("$") + time_shape, strftime + time)
    for pattern, strftime in _DATES
    for time_shape, time in TIMES_OF_DAY
)
_SHAPES: tuple[tuple[str, str], ...] = (
    ("nino", r"^[A-Za-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-Da-d]$"),
    ("postcode", r"^[A-Za-z]{1,2}\d[A-Za-z\d]? *\d[A-Za-z]{2}$"),
    ("money", r"^-?£ ?-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"),
    ("number", r"^-?\d+(?:\.\d+)?$"),
    # Amounts written the European way (`1.234,56`, `12,50`): the file wants number_format.
    ("money", r"^-?£? ?-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$"),
    ("id", r"^[A-Za-z0-9][A-Za-z0-9_/.\-]*$"),
    ("name", r"^[A-Za-z][A-Za-z'’ .\-]*$"),
)
# How a column of amounts writes its numbers, told from values that read one way only: a
# decimal comma or points between several groups of thousands (the European way), or commas
# between thousands or a point before other than three digits (the contract's way). `1.234`
# reads both ways (£1.234, or £1,234): alone, it tells nothing (`number_style`).
_EUROPEAN_ONLY = r"^-?£? ?-?(?:\d{1,3}(?:\.\d{3})*,\d+|\d{1,3}(?:\.\d{3}){2,})$"
_POINT_ONLY = r"^-?£? ?-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.(?:\d{1,2}|\d{4,}))$"
_THREE_DECIMALS = r"^-?£? ?-?\d{1,3}\.\d{3}$"
_AMOUNTS = ("money", "number")
# What each contract type accepts: a column whose values look otherwise is unlikely to be it.
_FITS: dict[str, set[str]] = {
    "date": {"date"},
    "decimal": {"money", "number"},
    "boolean": {"flag"},
    "enum": {"code", "name", "text", "id", "flag", "number"},
    "nino": {"nino"},
    "postcode": {"postcode"},
    "id": {"id", "number", "code"},
    "name": {"name", "text", "code"},
    "text": {"text", "name", "code", "id", "number"},
}
# Kinds that say what a column is by themselves, whatever its header.
_TELLING = {"nino", "postcode"}
_IDS = {"person_id", "household_id", "award_id", "status_id", "record_id", "provider_id"}
_UNFIT = 0.3  # a header's score when the values do not fit the column


@functools.cache
def _knowledge() -> dict[str, Any]:
    return cast(dict[str, Any], yaml.safe_load(KNOWLEDGE.read_text(encoding="utf-8")))


def _threshold(name: str) -> float:
    return float(_knowledge()["thresholds"][name])


def _words(text: str) -> str:
    """Lower-case words and digits, one space apart ("Parent/Carer" -> "parent carer")."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _header_words(header: str) -> str:
    """A header's words, without a trailing bracketed qualifier ("NINO (legacy)" -> "nino")."""
    bare = re.sub(r"\s*\([^()]*\)\s*$", "", header)
    return _words(bare) or _words(header)


# --- what a column holds ----------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnFacts:
    """What one column of a file holds, told from its values without keeping them: its kind
    (`date`, `nino`, `postcode`, `money`, `number`, `flag`, `id`, `code`, `name`, `text`,
    `empty`, or `unread` for a special-category column), a date column's format, the share of
    values with a comma, and for a column of few distinct values (codes) each with its rows."""

    header: str
    rows: int
    filled: int
    distinct: int
    kind: str
    date_format: str | None = None
    share: float = 0.0
    comma_share: float = 0.0
    values: dict[str, int] = field(default_factory=dict)
    # An amounts column's way of writing numbers (`number_style`): None, `1,234.56`,
    # `1.234,56`, `both` (values of each way) or `1.234?` (three decimal places only).
    number_style: str | None = None

    def described(self) -> str:
        """The kind in words, for a comment ("dates written dd/mm/yyyy")."""
        if self.kind == "date":
            return f"dates written {_format_label(self.date_format)}"
        return {
            "nino": "NINOs",
            "postcode": "postcodes",
            "money": "amounts of money",
            "number": "numbers",
            "flag": "yes/no flags",
            "id": "ids",
            "code": f"{self.distinct} distinct values",
            "name": "names or words",
            "text": "text",
            "empty": "empty in this extract",
            "unread": "not read (special category)",
        }[self.kind]


def _format_label(strftime: str | None) -> str:
    """A date format as people read it (`dd/mm/yyyy hh:mm`), as the quarantine labels it."""
    return date_format_from(strftime).label if strftime else ""


def describe_column(
    header: str, values: pl.Series, *, read: bool = True, excel: bool = False
) -> ColumnFacts:
    """What a column holds (`ColumnFacts`), from a sample of its values; `read=False` for a
    column whose values must not be looked at (special category), `excel` for a column of
    an Excel file (whose date cells read as `2024-03-05 00:00:00`, and are dates whatever
    the format). A placeholder (`N/A`, `NULL`, `-`: `clean.PLACEHOLDERS`) says nothing of
    what the column holds: it is left out of the values that tell its kind and of the cells
    counted filled in, but a coded column's placeholder is among its codes (to be mapped, or
    its rows are quarantined).

    Example
    -------
    >>> facts = describe_column("DOB", pl.Series(["01/04/1990", "N/A", "31/12/2001"]))
    >>> facts.kind, facts.date_format, facts.filled
    ('date', '%d/%m/%Y', 2)
    """
    rows = values.len()
    if not read:
        return ColumnFacts(header, rows, 0, 0, "unread")
    text = values.cast(pl.String).str.strip_chars()
    text = text.filter(text.is_not_null() & (text != ""))
    real = text.filter(~text.to_frame().select(clean.is_nothing(pl.first())).to_series())
    if real.is_empty():
        return ColumnFacts(header, rows, 0, 0, "empty")
    counts = text.value_counts(sort=True)
    # Codes are counted as a value map reads them (`profiles.value_key`): `Child`, `child` and
    # `CHILD  ` are one code, mapped by one entry.
    distinct = len({value_key(v) for v in counts[counts.columns[0]].to_list()})
    codes = distinct <= _threshold("codes")
    coded = {v: int(n) for v, n in counts.rows()} if codes else {}
    sample = real.head(int(_threshold("sample")))
    comma = _share(sample.str.contains(","))
    kind, fmt, share = _kind(sample, distinct, real.len(), excel)
    style = number_style(real) if kind in ("money", "number") and not excel else None
    return ColumnFacts(header, rows, real.len(), distinct, kind, fmt, share, comma, coded, style)


def number_style(values: pl.Series) -> str | None:
    """How a column of amounts writes its numbers, told from every value: `1.234,56` when
    some are written only the European way (a decimal comma: `12,50`, `1.234,56`) and none
    only the contract's way, `1,234.56` for the converse, `both` when some are each, `1.234?`
    when only amounts with three decimal places tell anything (`1.234`: £1.234, or £1,234),
    None when nothing does (whole pounds).

    Example
    -------
    >>> number_style(pl.Series(["1.234,56", "12,50", "300"]))
    '1.234,56'
    >>> number_style(pl.Series(["1.234", "300"]))
    '1.234?'
    """
    text = values.str.strip_chars()
    european = bool(text.str.contains(_EUROPEAN_ONLY).any())
    point = bool(text.str.contains(_POINT_ONLY).any())
    if european and point:
        return "both"
    if european:
        return EUROPEAN_NUMBERS
    if point:
        return UK_NUMBERS
    return "1.234?" if bool(text.str.contains(_THREE_DECIMALS).any()) else None


def _share(found: pl.Series) -> float:
    """The share of true values in `found` (0 when it is empty)."""
    # The mean of booleans is a float, or None when there are none: polars types a mean as any
    # value a series may hold.
    return float(cast("float | None", found.mean()) or 0.0)


def _kind(
    sample: pl.Series, distinct: int, filled: int, excel: bool = False
) -> tuple[str, str | None, float]:
    enough = _threshold("shape")
    # A yes/no flag however many spellings it uses (`Y`, `y`, `Yes`, `N`, `no`): the reader
    # takes every word of BOOLEAN_WORDS, whatever its case, as one of the two answers.
    lowered = set(sample.str.strip_chars().str.to_lowercase().unique().to_list())
    if lowered <= set(BOOLEAN_WORDS):
        return "flag", None, 1.0
    for pattern, strftime in ((_EXCEL_DATE_CELL,) if excel else ()) + _DATE_SHAPES:
        share = _share(sample.str.contains(pattern))
        if share >= enough:
            return "date", _day_first(sample, strftime), share
    for kind, pattern in _SHAPES:
        share = _share(sample.str.contains(pattern))
        if share < enough:
            continue
        if kind == "id" and _share(sample.str.contains(r"\d")) < enough:
            continue  # single words without digits: codes or names, not ids
        if kind == "name" and distinct <= _threshold("codes") and distinct * 2 <= filled:
            return "code", None, share
        return kind, None, share
    # Amounts, some written one way and some another (`£1,234.56` beside `12.5`, or `12,50`
    # beside `12.50`): amounts all the same, whose way of writing numbers is to be checked.
    amounts = "|".join(f"(?:{pattern})" for kind, pattern in _SHAPES if kind in _AMOUNTS)
    share = _share(sample.str.contains(amounts))
    if share >= enough:
        return "money", None, share
    if distinct <= _threshold("codes") and distinct * 2 <= filled:
        return "code", None, 1.0
    return "text", None, 1.0


def _day_first(sample: pl.Series, strftime: str) -> str:
    """dd/mm/yyyy unless the values show month first (a middle part above 12 and no first)."""
    if not strftime.startswith("%d-%m") and not strftime.startswith("%d/%m"):
        return strftime
    separator = strftime[2]
    parts = sample.str.split(separator)
    first = parts.list.get(0, null_on_oob=True).cast(pl.Int64, strict=False)
    second = parts.list.get(1, null_on_oob=True).cast(pl.Int64, strict=False)
    if bool((second > 12).any()) and not bool((first > 12).any()):
        return strftime.replace("%d", "%@").replace("%m", "%d").replace("%@", "%m")
    return strftime


# --- how a contract column is named and what it holds -----------------------------------------


def _expected(table: Table, column: Column) -> str:
    """What a contract column's values look like, as a `_FITS` key."""
    if column.dtype != "string":
        return column.dtype
    if column.normalise in ("nino", "postcode"):
        return column.normalise
    if column.name in _IDS:
        return "id"
    return "name" if column.normalise == "name" and "address" not in column.name else "text"


# A start's words and an end's: `Claim End` is an end_date wherever `Claim Start` is a
# start_date, and the other way round.
_START_END = {"start": "end", "from": "to", "begin": "end", "started": "ended"}
_END_START = {"end": "start", "to": "from", "ended": "started", "ceased": "commenced"}
_OTHER_END = {"start_date": ("end_date", _END_START), "end_date": ("start_date", _START_END)}


def _spellings(column: str) -> list[str]:
    """Every known header for a contract column, as words."""
    known = _knowledge()["columns"]
    own = [_words(column.replace("_", " ")), *(_words(s) for s in known.get(column, []))]
    if column in _OTHER_END:
        other, swap = _OTHER_END[column]
        own += [
            " ".join(swap.get(w, w) for w in _words(s).split())
            for s in known.get(other, [])
            if any(w in swap for w in _words(s).split())
        ]
    for prefix in ("child", "parent"):
        if column.startswith(prefix + "_"):
            base = column.removeprefix(prefix + "_")
            own += [f"{prefix} {s}" for s in _spellings(base)]
    return list(dict.fromkeys(own))


def _name_score(header: str, column: str) -> tuple[float, str]:
    """How like one of the contract column's known headers `header` is (1 for a known one),
    and that spelling."""
    words = _header_words(header)
    best, spelling = 0.0, ""
    for known in _spellings(column):
        if words == known:
            return 1.0, known
        ratio = max(
            difflib.SequenceMatcher(None, words, known).ratio(),
            difflib.SequenceMatcher(
                None, " ".join(sorted(words.split())), " ".join(sorted(known.split()))
            ).ratio(),
        )
        if 0.9 * ratio > best:
            best, spelling = 0.9 * ratio, known
    return best, spelling


@dataclass(frozen=True)
class _Score:
    score: float
    why: str
    name: float = 0.0  # the header's score alone


def _score(table: Table, column: Column, facts: ColumnFacts) -> _Score:
    """How well a file's column fits a contract column, by header and by values."""
    name, spelling = _name_score(facts.header, column.name)
    expected = _expected(table, column)
    fits = facts.kind in _FITS[expected]
    said = (
        f"header '{spelling}'"
        if name >= 1
        else (f"header close to '{spelling}'" if spelling else "no header like it")
    )
    if facts.kind in ("empty", "unread"):
        known = name * (1.0 if facts.kind == "unread" else 0.9)
        return _Score(known, f"{said}; {facts.described()}", name)
    if fits:
        by_values = 0.6 if facts.kind in _TELLING else 0.0
        how = "" if name >= by_values else "matched by its values alone: "
        return _Score(max(name, by_values), f"{said}; {how}{facts.described()}", name)
    return _Score(name * _UNFIT, f"{said}, but its values are {facts.described()}", name)


def _certainty(score: float, facts: ColumnFacts) -> Certainty:
    if score >= _threshold("sure") and facts.kind not in ("empty",):
        return "sure"
    return "likely" if score >= _threshold("likely") else "check"


# --- values -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueSuggestion:
    """One spelling of a coded column: the contract value proposed for it (None: unsure, left
    out), how sure, why, and its rows in the extract (for the terminal, never the file)."""

    spelling: str
    target: str | bool | None
    certainty: Certainty | None
    why: str
    rows: int = 0


def suggest_value(spelling: str, column: Column) -> ValueSuggestion:
    """The contract value a council's spelling most likely means, for an enum or true/false
    column.

    Example
    -------
    >>> from workbench.data.schema import TABLES
    >>> suggest_value("JSA(IB)", TABLES["benefits"].column("benefit")).target
    'jsa_income_based'
    >>> suggest_value("Parent/Carer", TABLES["people"].column("role")).certainty
    'sure'
    """
    words = _words(spelling)
    if column.dtype == "boolean":
        flag = BOOLEAN_WORDS.get(words)
        if flag is None:
            return ValueSuggestion(spelling, None, None, "not a yes/no word")
        return ValueSuggestion(spelling, flag, "sure", "a yes/no word")
    allowed = column.allowed or ()
    for value in allowed:
        if words == value.replace("_", " "):
            return ValueSuggestion(spelling, value, "sure", "the contract value's words")
    known = _knowledge()["values"].get(column.name, {})
    for value, spellings in known.items():
        if words in {_words(s) for s in spellings}:
            return ValueSuggestion(spelling, value, "sure", "a known spelling of it")
    for value in allowed:
        if " " not in words and words == "".join(w[0] for w in value.split("_")):
            if len(words) <= 2:
                # `LA` is as often the local authority as a looked-after child.
                return ValueSuggestion(
                    spelling,
                    None,
                    None,
                    f"two letters could be the initials of {value} or another code: map it "
                    f"to {value} only if the system means that by it",
                )
            return ValueSuggestion(spelling, value, "likely", "its initials")
    # Below, a spelling is proposed by its words or its look alone: one that names the value
    # only in part (`JSA`, `Pension Credit`) is left out, with what to check.
    tokens = set(words.split())
    sharing = [v for v in allowed if tokens and (tokens <= set(v.split("_")))]
    if len(sharing) == 1:
        return _qualified(
            ValueSuggestion(spelling, sharing[0], "likely", "its words are all in it"),
            column.name,
            tokens,
        )
    candidates = {v.replace("_", " "): v for v in allowed}
    candidates |= {_words(s): v for v, spellings in known.items() for s in spellings}
    near = difflib.get_close_matches(words, list(candidates), n=2, cutoff=_threshold("value"))
    targets = {candidates[n] for n in near}
    if len(targets) == 1:
        value = candidates[near[0]]
        # A short word (an acronym, a code) a letter or two off is another code, not a slip:
        # `CP Plan` (child protection) is not `EHC Plan`.
        codes = [w for w in words.split() if len(w) <= _SHORT and w not in near[0].split()]
        if codes:
            why = (
                f"spelled a little like '{near[0]}' ({value}), but '{codes[0].upper()}' is a "
                "short code, and a code spelled otherwise is another code, not a slip: map it only "
                f"if it means {value}"
            )
            return ValueSuggestion(spelling, None, None, why)
        return _qualified(
            ValueSuggestion(spelling, value, "check", f"spelled like '{near[0]}'"),
            column.name,
            tokens,
        )
    return ValueSuggestion(spelling, None, None, "no contract value is close enough to say")


_SHORT = 4  # letters: a word this short is taken as a code or an acronym, never a misspelling


def _qualified(found: ValueSuggestion, column: str, tokens: set[str]) -> ValueSuggestion:
    """`found` when the spelling holds a word that qualifies its value (`income` or `IB` for
    jsa_income_based: `qualifiers` in the knowledge file), else left out with what to check."""
    rule = _knowledge().get("qualifiers", {}).get(column, {}).get(found.target)
    if rule is None or tokens & {_words(w) for w in rule["words"]}:
        return found
    return ValueSuggestion(found.spelling, None, None, " ".join(rule["note"].split()))


def _value_suggestions(facts: ColumnFacts, column: Column) -> tuple[ValueSuggestion, ...]:
    """One suggestion per spelling of the column (spellings the loader reads as one, like
    `Child` and `child `, folded into the commonest)."""
    folded: dict[str, tuple[str, int]] = {}
    for spelling, rows in facts.values.items():
        key = value_key(spelling)
        first, before = folded.get(key, (spelling, 0))
        folded[key] = (first, before + rows)
    found = [replace(suggest_value(s, column), rows=n) for s, n in folded.values()]
    if column.dtype == "boolean":
        found += _other_answers(found)
    order = [*(column.allowed or ()), True, False]

    def place(v: ValueSuggestion) -> tuple[int, str]:
        return (order.index(v.target) if v.target in order else len(order), v.spelling)

    return tuple(sorted(found, key=place))


# The other answer of a yes/no spelling: an extract that holds only `N` still needs `Y`.
_ANSWERS = {"y": "n", "yes": "no", "t": "f", "true": "false", "1": "0"}
_ANSWERS |= {no: yes for yes, no in _ANSWERS.items()}


def _other_answers(found: list[ValueSuggestion]) -> list[ValueSuggestion]:
    seen = {value_key(v.spelling) for v in found}
    added = []
    for v in found:
        other = _ANSWERS.get(value_key(v.spelling))
        if v.target is None or other is None or other in seen:
            continue
        spelling = (
            other.upper()
            if v.spelling.isupper()
            else (other.title() if v.spelling.istitle() else other)
        )
        why = f"not in this extract: the other answer to '{v.spelling}'"
        added.append(ValueSuggestion(spelling, not v.target, "likely", why))
        seen.add(other)
    return added


# --- the suggestion ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSuggestion:
    """Where one contract column comes from: the profile entry (a header, or a `coalesce` or
    `split` mapping), how sure, why, a date column's format and a coded column's values."""

    column: str
    entry: str | dict[str, Any]
    certainty: Certainty
    why: str
    date_format: str | None = None
    values: tuple[ValueSuggestion, ...] = ()

    def sources(self) -> list[str]:
        """The file's headers this entry reads."""
        if isinstance(self.entry, str):
            return [self.entry]
        if "coalesce" in self.entry:
            return list(self.entry["coalesce"])
        if "concat" in self.entry:
            return [p for p in self.entry["concat"] if isinstance(p, str)]
        if "split" in self.entry:
            return [self.entry["split"]["column"]]
        return [self.entry["column"]]


@dataclass(frozen=True)
class TableSuggestion:
    """One file matched to a contract table, with its columns; `missing` are required
    columns nothing was found for, `unused` the file's headers no entry reads."""

    table: str
    file: str
    certainty: Certainty
    why: str
    columns: tuple[ColumnSuggestion, ...]
    missing: tuple[str, ...] = ()
    unused: tuple[str, ...] = ()
    date_format: str | None = None
    encoding: str | None = None  # a CSV file not in UTF-8: read as Windows-1252
    separator: str | None = None  # a text file separated otherwise than its name says
    # Optional columns the rules read that no column was found for, while the file has columns
    # not read (`unused`): one of those may hold it (NRPF written Y/y/N/n). (column, the
    # initiatives whose rules read it)
    wanted: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sheet: str | None = None  # a workbook's sheet holding the table, when not the first
    header_row: int | None = None  # the header's row, below a title or notes
    # Headers written twice exactly (`Payment Amount` in columns 3 and 8): neither column is
    # read, nor suggested for any contract column. (header, how its columns are said)
    twice: tuple[tuple[str, str], ...] = ()
    # How a delimited text file writes amounts, when its amount columns say (`1.234,56`),
    # and the amount columns whose values leave it open: (header, `both` or `1.234?`).
    number_format: str | None = None
    amounts_unsure: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ProfileSuggestion:
    """A proposed profile: one `TableSuggestion` per file matched, the date format most date
    columns use, and the files no table explains."""

    folder: Path
    tables: tuple[TableSuggestion, ...]
    date_format: str | None = None
    unmatched: tuple[str, ...] = ()
    # (file, table, the file read for it): an unmatched file that fits a table another file
    # was matched to (people split in two files): only one file per table is read.
    alike: tuple[tuple[str, str, str], ...] = ()
    # (file, its nearest miss): for a file matched to no table, the table it fits best and
    # what it lacks ("closest: benefits (5 of 7 columns); no column found for award_id").
    near: tuple[tuple[str, str], ...] = ()

    def document(self) -> dict[str, Any]:
        """The profile as parsed YAML (`workbench.data.profiles.parse_profile` reads it)."""
        tables: dict[str, dict[str, Any]] = {}
        for table in self.tables:
            columns: dict[str, Any] = {}
            for c in table.columns:
                entry = c.entry
                values = {v.spelling: v.target for v in c.values if v.target is not None}
                own_format = (
                    c.date_format
                    if c.date_format not in (table.date_format or self.date_format, None)
                    else None
                )
                if values or own_format:
                    entry = {"column": entry} if isinstance(entry, str) else dict(entry)
                    if own_format:
                        entry["date_format"] = own_format
                    if values:
                        entry["values"] = values
                columns[c.column] = entry
            tables[table.table] = {"file": table.file}
            if table.sheet:
                tables[table.table]["sheet"] = table.sheet
            if table.header_row:
                tables[table.table]["header_row"] = table.header_row
            if table.encoding:
                tables[table.table]["encoding"] = table.encoding
            if table.separator:
                tables[table.table]["separator"] = table.separator
            if table.number_format:
                tables[table.table]["number_format"] = table.number_format
            tables[table.table]["columns"] = columns
            if table.date_format:
                tables[table.table]["date_format"] = table.date_format
        document: dict[str, Any] = {"version": 1, "description": self.description()}
        if self.date_format:
            document["date_format"] = self.date_format
        document["tables"] = tables
        return document

    def description(self) -> str:
        return f"Suggested from the files in {self.folder.name}: check every entry before use"

    def to_yaml(self) -> str:
        """The profile as YAML, every entry commented with how sure it is and what to check."""
        return _ProfileWriter(self).text()

    def write(self, path: str | Path) -> Path:
        """Write `to_yaml()` to `path` (checked to load first); the path written. A
        DataFileError, and nothing written, when no file was matched to a table."""
        if not self.tables:
            raise DataFileError(self.folder, self.nothing_matched())
        text = self.to_yaml()
        parse_profile(yaml.safe_load(text), path)  # a suggestion that cannot load is a bug
        path = Path(path)
        path.write_text(text, encoding="utf-8")
        return path

    def nothing_matched(self) -> str:
        """Why no profile can be written: no file is like a table, each with its nearest
        miss."""
        near = dict(self.near)
        files = [
            f"{name}: {near.get(name, 'not a table the workbench reads')}"
            for name in self.unmatched
        ]
        return (
            "no file in this folder looks like one of the contract's tables ("
            + ", ".join(TABLES)
            + "), so no profile was written"
            + (f". {'; '.join(files)}" if files else ": the folder holds no file")
        )

    def to_check(self, *, rows: bool = True) -> list[str]:
        """What a person must look at, in sentences: entries not sure, values left out (with
        their rows unless `rows=False`, for a report), required columns not found, files not
        matched. Headers and codes only."""
        notes = []
        for t in self.tables:
            for c in t.columns:
                if c.certainty != "sure":
                    notes.append(
                        f"{t.table}.{c.column} <- {_shown(c.entry)}: {c.certainty} ({c.why})"
                    )
                for v in c.values:
                    if v.target is None:
                        counted = f" ({v.rows} rows)" if rows else ""
                        notes.append(
                            f"{t.table}.{c.column}: '{v.spelling}'{counted} is not mapped: "
                            f"{v.why}; add it or its rows are quarantined"
                        )
                    elif v.certainty != "sure":
                        notes.append(
                            f"{t.table}.{c.column}: '{v.spelling}' -> {_scalar(v.target)}: "
                            f"{v.certainty} ({v.why})"
                        )
            notes += [
                f"{t.table}.{m}: required, and no column of {t.file} looks like it"
                for m in t.missing
            ]
            notes += [f"{t.table}.{name}: {_wanted_note(t, by)}" for name, by in t.wanted]
            if t.sheet:
                notes.append(
                    f"{t.table}: {t.file} is read from its sheet '{t.sheet}' (sheet), its "
                    "first holding no table like it: check it"
                )
            if t.header_row:
                notes.append(
                    f"{t.table}: {t.file}'s header is taken to be row {t.header_row} "
                    "(header_row), the rows above it a title or notes: check it"
                )
            if t.encoding:
                notes.append(f"{t.table}: {_ENCODING_NOTE.format(file=t.file)}")
            if t.separator:
                named = SEPARATOR_WORDS[t.separator][1]
                notes.append(f"{t.table}: {t.file} is read as separated by {named}: check it")
            notes += [f"{t.table}: {t.file}: {_twice_note(said)}" for _, said in t.twice]
            if t.number_format:
                notes.append(f"{t.table}: {_european_note(t)}")
            notes += [f"{t.table}: {_amounts_note(t, h, style)}" for h, style in t.amounts_unsure]
        seconds = {file: (table, read) for file, table, read in self.alike}
        near = dict(self.near)
        notes += [
            f"{name}: looks like a second {seconds[name][0]} file ({seconds[name][1]} is read "
            f"for {seconds[name][0]}); a table is read from one file only: put the two "
            "together in one file first"
            if name in seconds
            else f"{name}: matched to no table" + (f"; {near[name]}" if name in near else "")
            for name in self.unmatched
        ]
        return notes


def _european_note(t: TableSuggestion) -> str:
    """Why `number_format: '1.234,56'` is proposed for a file."""
    return (
        f"{t.file} writes amounts with a decimal comma (1.234,56), so number_format: "
        f"'{EUROPEAN_NUMBERS}' is proposed: check it"
    )


def _amounts_note(t: TableSuggestion, header: str, style: str) -> str:
    """What to say of an amounts column whose values leave open how the file writes numbers."""
    if style == "both":
        return (
            f"{t.file}'s '{header}' holds amounts written both ways (a decimal comma in some, "
            "a decimal point in others): check the export; rows that read two ways are "
            "quarantined"
        )
    return (
        f"{t.file}'s '{header}' holds amounts with three decimal places (like 1.234: £1.234, "
        f"or £1,234 written the European way) and nothing else tells which: say "
        f"number_format: '{UK_NUMBERS}' or '{EUROPEAN_NUMBERS}' beside its file "
        f"(tables.{t.table}.number_format), or those rows are quarantined"
    )


def _twice_note(said: str) -> str:
    """What to do about a header written twice, which the suggestion leaves out."""
    return (
        f"{said}, so neither is read, nor suggested for any contract column: if it holds "
        "one, keep one of the two in the file (or rename the other) and suggest again"
    )


def _wanted_note(t: TableSuggestion, by: tuple[str, ...]) -> str:
    """What to check of an optional column the rules read that was not found, while the
    file has columns not read."""
    unread = ", ".join(t.unused)
    return (
        f"read by the rules ({', '.join(by)}), but no column of {t.file} was read for it while "
        f"{unread} {'is' if len(t.unused) == 1 else 'are'} not read: if one of them holds it, "
        "map it; left out, it is missing in every row and those rules cannot use it"
    )


def _shown(entry: str | dict[str, Any]) -> str:
    if isinstance(entry, str):
        return entry
    if "coalesce" in entry:
        return " or ".join(entry["coalesce"])
    if "concat" in entry:
        return " and ".join(p for p in entry["concat"] if isinstance(p, str))
    split = entry["split"]
    return f"{split['column']} (part {split['index']})"


_ENCODING_NOTE = (
    "{file} is not UTF-8 text, so it is read as Windows-1252, what Excel's \"CSV (Comma "
    'delimited)" and many older systems write: if the export is made in another encoding, '
    "accented letters in names will read wrong, so ask whoever makes it"
)


_SNIFF_CHARACTERS = 65_536  # of a text file, to tell its separator


@dataclass(frozen=True)
class _TextFile:
    """How a file is read: a delimited text file's encoding and separator, a workbook's
    sheet, and the row of its header, each None when it is the default (UTF-8; a comma, or a
    tab for .tsv; the first sheet; the first row, or a sheet's first row filled in)."""

    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None
    header_row: int | None = None


def _text_file(path: Path) -> _TextFile | None:
    """How to read a delimited text file, told from its bytes: not UTF-8 is taken as
    Windows-1252; the separator is the default (a comma, or a tab for .tsv) when it splits
    the header, else the one of ; tab | , that splits the first lines alike. None for a .txt
    or .tsv file that is no table (notes, a log)."""
    encoding = "utf-8" if is_utf8(path) else "windows-1252"
    with open_text(path, encoding) as handle:
        sample = handle.read(_SNIFF_CHARACTERS)
    separator = default = default_separator(path)
    lines = sample.splitlines()[:_HEADER_ROWS]
    rows = list(csv.reader(lines, delimiter=default)) if lines else []
    header = rows[0] if rows else []
    below = _header_below_title(rows)
    if below is not None:  # a title above the header, which the default separator splits
        return _TextFile(encoding if encoding != "utf-8" else None, None, None, below)
    if len(header) < 2:
        try:
            separator = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            if path.suffix.lower() in TEXT_SUFFIXES:
                return None
    return _TextFile(
        encoding if encoding != "utf-8" else None, separator if separator != default else None
    )


_HEADER_ROWS = 10  # the first rows of a file or sheet looked at for its header


def _header_below_title(rows: list[list[str]]) -> int | None:
    """The row (from 1) holding the header, when the first looks like a title or notes
    (one cell filled in, or most empty) and a later one like a header (`header_row_among`);
    else None. As the loader tells a title above a CSV file's header."""
    if not rows or not looks_like_title(rows[0]):
        return None
    found = header_row_among(rows)
    filled = [len([c for c in row if c.strip()]) for row in rows]
    return found if found > 1 and filled[found - 1] > filled[0] else None


def _workbook_layouts(path: Path) -> list[_TextFile]:
    """Each sheet of a workbook (the first first) and the row of its header, as a profile
    would say them: the sheet's name but for the first, the header's row when rows that
    look like a title or notes are above it."""
    names: list[str | None] = [*workbook_sheets(path)] or [None]
    layouts = []
    for number, name in enumerate(names):
        try:
            top = pl.read_excel(
                path,
                engine="calamine",
                sheet_name=name,
                has_header=False,
                infer_schema_length=0,
                drop_empty_rows=False,
                read_options={"n_rows": _HEADER_ROWS},
            )
        except Exception:  # an empty sheet, or one the reader cannot read: not a table
            continue
        rows = [["" if c is None else str(c) for c in row] for row in top.rows()]
        below = _header_below_title(rows)
        header_row = None if below is None else xlsx_header_row(path, name) + below - 1
        layouts.append(_TextFile(None, None, name if number > 0 else None, header_row))
    return layouts or [_TextFile()]


# A file's headers written twice exactly, each with how its columns are said
# (`one_column_twice`): the reader leaves them out, so nothing is suggested for them.
_Twice = tuple[tuple[str, str], ...]


def _facts(path: Path, fmt: str, layout: _TextFile) -> tuple[list[ColumnFacts], _Twice]:
    frame, headers = read_with_headers(
        path,
        layout.encoding or "utf-8",
        layout.separator,
        layout.sheet,
        layout.header_row,
    )
    first = sheet_first_column(path, layout.sheet) if fmt == "xlsx" else 0
    twice = tuple(
        (
            header,
            one_column_twice(
                headers, [n for n, h in enumerate(headers, start=1) if h == header], first
            ),
        )
        for header in dict.fromkeys(h for h in headers if headers.count(h) > 1)
    )
    facts = [
        describe_column(h, frame[h], read=not _special(h), excel=fmt == "xlsx")
        for h in frame.columns
    ]
    return facts, twice


def _best_sheet(path: Path, fmt: str) -> tuple[list[ColumnFacts], _Twice, _TextFile]:
    """A workbook's columns (and its headers written twice), from the sheet (and its
    header's row) whose columns fit a contract table best: the first sheet unless another
    fits better (a workbook opening on notes)."""
    best: tuple[float, list[ColumnFacts], _Twice, _TextFile] | None = None
    for layout in _workbook_layouts(path):
        try:
            facts, twice = _facts(path, fmt, layout)
        except DataFileError:
            continue
        share = max((_fit(t, path.name, facts).share for t in TABLES.values()), default=0.0)
        if best is None or share > best[0]:
            best = (share, facts, twice, layout)
    if best is None:
        return *_facts(path, fmt, _TextFile()), _TextFile()  # the reader says why not
    return best[1], best[2], best[3]


def _read_folder(
    folder: Path,
) -> tuple[dict[str, list[ColumnFacts]], list[str], dict[str, _TextFile], dict[str, _Twice]]:
    """Facts about every column of every file the workbench reads in `folder` (a .txt or .tsv
    file too, when it is delimited text); the others; how each text file not read the
    default way is read; each file's headers written twice (left out of its facts)."""
    if not folder.is_dir():
        raise DataFileError(folder, "is not a folder: give the folder holding the extract")
    files: dict[str, list[ColumnFacts]] = {}
    others: list[str] = []
    texts: dict[str, _TextFile] = {}
    doubled: dict[str, _Twice] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        fmt = format_of(path)
        text = _text_file(path) if fmt == "csv" else _TextFile()
        if fmt is None or text is None:
            others.append(path.name)
            continue
        try:
            if fmt == "xlsx":
                files[path.name], twice, text = _best_sheet(path, fmt)
            else:
                files[path.name], twice = _facts(path, fmt, text)
        except DataFileError:
            if path.suffix.lower() not in TEXT_SUFFIXES:
                raise
            others.append(path.name)  # a .txt file that is not a table after all
            continue
        if text != _TextFile():
            texts[path.name] = text
        if twice:
            doubled[path.name] = twice
    return files, others, texts, doubled


def _special(header: str) -> bool:
    """A header named like a special-category column: its values are never read here."""
    special = [c.name for t in TABLES.values() for c in t.columns if c.special_category]
    return any(_name_score(header, name)[0] >= _threshold("likely") for name in special)


@dataclass(frozen=True)
class _Fit:
    table: Table
    file: str
    share: float
    columns: tuple[ColumnSuggestion, ...]
    missing: tuple[str, ...]
    unused: tuple[str, ...]


def _split_names(table: Table, facts: list[ColumnFacts]) -> dict[str, ColumnSuggestion]:
    """`Parent Name` written `Surname, Forename` (or `Forename Surname`) split into the two
    contract columns a table has for it."""
    found: dict[str, ColumnSuggestion] = {}
    for prefix in ("", "child_", "parent_"):
        forename, surname = f"{prefix}forename", f"{prefix}surname"
        if forename not in table.column_names or surname not in table.column_names:
            continue
        said = prefix.replace("_", " ")
        named = {f"{said}name", f"{said}full name", f"{said}names"}
        for f in facts:
            if _header_words(f.header) not in named or f.kind in ("empty", "unread"):
                continue
            if f.comma_share >= _threshold("shape"):
                order = {surname: 0, forename: 1}
                why = (
                    f"'{f.header}' is written 'Surname, Forename' in {f.comma_share:.0%} of "
                    "rows: the part before the comma is taken as the surname"
                )
                certainty: Certainty = "likely"
            else:
                order = {forename: 0, surname: -1}
                why = (
                    f"'{f.header}' is taken as 'Forename Surname': a middle name goes with "
                    "neither, and a two-word surname is cut: check, or export two columns"
                )
                certainty = "check"
            sep = "," if f.comma_share >= _threshold("shape") else " "
            for name, index in order.items():
                entry = {"split": {"column": f.header, "separator": sep, "index": index}}
                found[name] = ColumnSuggestion(name, entry, certainty, why)
    return found


def _fit(table: Table, file: str, facts: list[ColumnFacts]) -> _Fit:
    """The best columns of `file` for `table`: splits, then one column per contract column
    by the assignment solver, then a second column for the same one coalesced."""
    splits = _split_names(table, facts)
    split_headers = {c.sources()[0] for c in splits.values()}
    pool = [f for f in facts if f.header not in split_headers]
    wanted = [c for c in table.columns if c.name not in splits]
    scores = [[_score(table, c, f) for c in wanted] for f in pool]
    matrix = np.array([[s.score for s in row] for row in scores]) if pool else np.zeros((0, 0))
    chosen: dict[str, ColumnSuggestion] = dict(splits)
    used: set[str] = set(split_headers)
    if matrix.size:
        for i, j in zip(*linear_sum_assignment(matrix, maximize=True), strict=True):
            if matrix[i, j] < _threshold("map"):
                continue
            f, column = pool[i], wanted[j]
            chosen[column.name] = _suggested(column, f, float(matrix[i, j]), scores[i][j].why)
            used.add(f.header)
    _coalesce_twins(chosen, pool, wanted, scores, used)
    explained = sum(1 for f in facts if f.header in used)
    missing = tuple(
        c.name
        for c in table.columns
        if c.required
        and c.name not in chosen
        and not (table.name == "dwp_list" and c.name == table.id_column)
    )
    share = explained / max(len(facts), 1) * (0.5 if missing else 1.0)
    ordered = tuple(chosen[c] for c in table.column_names if c in chosen)
    unused = tuple(f.header for f in facts if f.header not in used)
    return _Fit(table, file, share, ordered, missing, unused)


def _suggested(column: Column, facts: ColumnFacts, score: float, why: str) -> ColumnSuggestion:
    """A plain column entry, with the values of a coded column mapped."""
    certainty = _certainty(score, facts)
    values: tuple[ValueSuggestion, ...] = ()
    if column.dtype in ("enum", "boolean"):
        values = _value_suggestions(facts, column)
        if not values and facts.kind not in ("empty", "unread"):
            certainty = "check"
            why += f"; {facts.distinct} distinct values, too many to map as codes"
    date_format = facts.date_format if column.dtype == "date" else None
    return ColumnSuggestion(column.name, facts.header, certainty, why, date_format, values)


def _coalesce_twins(
    chosen: dict[str, ColumnSuggestion],
    pool: list[ColumnFacts],
    wanted: list[Column],
    scores: list[list[_Score]],
    used: set[str],
) -> None:
    """A second column named as surely for the same contract column (`NI Number` and
    `NINO (legacy)`): read the first that is filled in, the fuller column first."""
    by_header = {f.header: f for f in pool}
    for i, f in enumerate(pool):
        if f.header in used:
            continue
        for j, column in enumerate(wanted):
            name, score = scores[i][j].name, scores[i][j].score
            twin = name >= _threshold("sure") and score >= 0.9 * name  # values fit, or none
            if not twin or column.name not in chosen:
                continue
            first = chosen[column.name]
            if not isinstance(first.entry, str) or first.values:
                continue
            twins = sorted([by_header[first.entry], f], key=lambda x: -x.filled)
            entry = {"coalesce": [t.header for t in twins]}
            why = (
                f"'{first.entry}' and '{f.header}' are both named like {column.name}: the "
                "first filled in is read (the fuller column first); check the order"
            )
            chosen[column.name] = ColumnSuggestion(
                column.name, entry, "likely", why, first.date_format
            )
            used.add(f.header)
            break


def _table_why(columns: tuple[ColumnSuggestion, ...], unused: tuple[str, ...], headers: int) -> str:
    """How a file's `headers` columns give the table's `columns`, `unused` not read: counted
    apart, since one column split gives two contract columns, and two coalesced or joined
    (`concat`) give one ("13 contract columns from its 12 columns: forename and surname both
    from Full Name")."""
    found = len(columns)
    split: dict[str, list[str]] = {}
    shared = []
    for c in columns:
        if isinstance(c.entry, dict) and "split" in c.entry:
            split.setdefault(c.entry["split"]["column"], []).append(c.column)
        elif isinstance(c.entry, dict) and ("coalesce" in c.entry or "concat" in c.entry):
            shared.append(f"{c.column} from {_shown(c.entry)}")
    notes = [
        f"{' and '.join(names)} {'both ' if len(names) == 2 else ''}from {header}"
        for header, names in split.items()
        if len(names) > 1
    ] + shared
    if not notes:
        return f"{found} contract columns found in its {headers} columns" + (
            f"; {len(unused)} not read" if unused else ""
        )
    read = headers - len(unused)
    some = f"{read} of its {headers}" if read < headers else f"its {headers}"
    return f"{found} contract columns from {some} columns: {', '.join(notes)}"


def _table_formats(columns: tuple[ColumnSuggestion, ...]) -> list[str]:
    return [c.date_format for c in columns if c.date_format]


def suggest_profile(folder: str | Path) -> ProfileSuggestion:
    """Propose a profile for the extract in `folder`: each file matched to the contract
    table that explains most of its columns (each table to one file), its columns and the
    values of its coded columns mapped, every entry with how sure it is and why.

    Nothing is written; `ProfileSuggestion.write` writes the YAML for a person to check.
    """
    folder = Path(folder)
    files, others, texts, doubled = _read_folder(folder)
    fits = [_fit(table, name, facts) for name, facts in files.items() for table in TABLES.values()]
    fits.sort(key=lambda f: (-f.share, list(TABLES).index(f.table.name), f.file))
    taken_tables: set[str] = set()
    taken_files: set[str] = set()
    kept: list[_Fit] = []
    for fit in fits:
        if fit.share < _threshold("table") or fit.table.name in taken_tables:
            continue
        if fit.file in taken_files:
            continue
        kept.append(fit)
        taken_tables.add(fit.table.name)
        taken_files.add(fit.file)
    formats = Counter(f for fit in kept for f in _table_formats(fit.columns))
    overall = formats.most_common(1)[0][0] if formats else None
    tables = []
    for fit in sorted(kept, key=lambda f: list(TABLES).index(f.table.name)):
        own = set(_table_formats(fit.columns))
        table_format = own.pop() if len(own) == 1 and overall not in own | {None} else None
        certainty: Certainty = (
            "sure" if fit.share >= 0.9 else ("likely" if fit.share >= 0.7 else "check")
        )
        why = _table_why(fit.columns, fit.unused, len(files[fit.file]))
        mapped = {c.column for c in fit.columns}
        wanted = tuple(
            (name, read_by_rules()[(fit.table.name, name)])
            for name in fit.table.column_names
            if fit.unused and name not in mapped and (fit.table.name, name) in read_by_rules()
        )
        number_format, amounts_unsure = _amounts(fit, files[fit.file], folder / fit.file)
        tables.append(
            TableSuggestion(
                fit.table.name,
                fit.file,
                certainty,
                why,
                fit.columns,
                fit.missing,
                fit.unused,
                table_format,
                texts.get(fit.file, _TextFile()).encoding,
                texts.get(fit.file, _TextFile()).separator,
                wanted,
                texts.get(fit.file, _TextFile()).sheet,
                texts.get(fit.file, _TextFile()).header_row,
                doubled.get(fit.file, ()),
                number_format,
                amounts_unsure,
            )
        )
    tables = [_keys_checked(t, files[t.file], folder, texts) for t in tables]
    tables = [_periods_checked(t) for t in tables]
    unmatched = tuple(sorted(set(files) - taken_files) + others)
    read_for = {fit.table.name: fit.file for fit in kept}
    alike: dict[str, tuple[str, str, str]] = {}
    for fit in fits:  # best first: each unmatched file's best fit to a table already read
        if (
            fit.file in unmatched
            and fit.file not in alike
            and fit.table.name in read_for
            and fit.share >= _threshold("table")
        ):
            alike[fit.file] = (fit.file, fit.table.name, read_for[fit.table.name])
    near: dict[str, str] = {}
    for fit in fits:  # best first: each unmatched file's nearest miss
        if fit.file in unmatched and fit.file not in alike and fit.file not in near:
            near[fit.file] = _near_miss(fit, files[fit.file])
    return ProfileSuggestion(
        folder,
        tuple(tables),
        overall,
        unmatched,
        tuple(alike.values()),
        tuple((name, near[name]) for name in unmatched if name in near),
    )


# Key columns and how many different values they must hold, as a share of the rows with one:
# an id of one row per record (every person once in people, every household once in
# households) nearly all different; people's household_id one per household, and a
# household of more than 10 people on average is no family (`workbench.data.household_size`).
_KEYS = {("people", "person_id"): 0.9, ("households", "household_id"): 0.9}
_PEOPLE_PER_HOUSEHOLD = 10


def _too_few(table: str, column: str, distinct: int, filled: int) -> bool:
    """A key column with far fewer different values than it must have (`_KEYS`)."""
    if (table, column) in _KEYS:
        return distinct < _KEYS[(table, column)] * filled
    if (table, column) == ("people", "household_id"):
        return distinct * _PEOPLE_PER_HOUSEHOLD < filled
    return False


def _keys_checked(
    t: TableSuggestion, facts: list[ColumnFacts], folder: Path, texts: dict[str, _TextFile]
) -> TableSuggestion:
    """`t` with each key column of far fewer different values than it must have (`_too_few`:
    `Family Area` for a household, 3 values in 48,284 rows) marked `check`, saying why; when a
    column not read next to it in the file completes it (`Family Area` and `Family Seq`), the
    two joined are proposed instead (`concat`), to check."""
    by_header = {f.header: f for f in facts}
    headers = [f.header for f in facts]
    changed: dict[str, ColumnSuggestion] = {}
    unused = list(t.unused)
    frame: pl.DataFrame | None = None
    for c in t.columns:
        f = by_header.get(c.entry) if isinstance(c.entry, str) else None
        if f is None or f.kind in ("empty", "unread"):
            continue
        if not _too_few(t.table, c.column, f.distinct, f.filled):
            continue
        why = (
            f"only {f.distinct:,} different values in {f.filled:,} rows, too few for "
            f"{t.table}.{c.column}: is the key split across columns? A profile joins them: "
            "{concat: [A, B], separator: '-'}"
        )
        if frame is None:
            layout = texts.get(t.file, _TextFile())
            frame, _ = read_with_headers(
                folder / t.file,
                layout.encoding or "utf-8",
                layout.separator,
                layout.sheet,
                layout.header_row,
            )
        at = headers.index(f.header)
        near = sorted(
            (h for h in unused if by_header[h].kind in ("number", "id", "code")),
            key=lambda h: (abs(headers.index(h) - at), headers.index(h)),
        )
        for other in near:
            joined = frame.select(
                pl.concat_str(
                    [pl.col(f.header).str.strip_chars(), pl.col(other).str.strip_chars()],
                    separator="-",
                )
            ).to_series()
            joined = joined.filter(joined.is_not_null())
            if joined.is_empty() or _too_few(t.table, c.column, joined.n_unique(), len(joined)):
                continue
            why = (
                f"'{f.header}' alone has only {f.distinct:,} different values in {f.filled:,} "
                f"rows, too few for {t.table}.{c.column}: the key looks split across columns; "
                f"with '{other}' it has {joined.n_unique():,}"
            )
            # In the file's order: `Family Area-Family Seq`, as the council writes the key.
            entry = {"concat": sorted([f.header, other], key=headers.index), "separator": "-"}
            changed[c.column] = ColumnSuggestion(c.column, entry, "check", why)
            unused.remove(other)
            break
        else:
            changed[c.column] = replace(c, certainty="check", why=why)
    if not changed:
        return t
    columns = tuple(changed.get(c.column, c) for c in t.columns)
    # A column joined into the key is read now: the table's count says so, and with no
    # column left unread, none is pointed to for a column the rules read.
    return replace(
        t,
        why=_table_why(columns, tuple(unused), len(facts)),
        columns=columns,
        unused=tuple(unused),
        wanted=t.wanted if unused else (),
    )


def _periods_checked(t: TableSuggestion) -> TableSuggestion:
    """`t` with each amount the contract holds as pounds a year (`YEARLY_AMOUNTS`) marked
    `check` when a column not read suggests a period (`Pay Period` beside a monthly `Take Home
    Pay`): read as it is, a month's pay is taken for a year's (the same test as `validate`'s
    warning, `workbench.data.mapping.period_columns`)."""
    periods = period_columns(t.unused)
    if not periods:
        return t
    columns = tuple(
        replace(c, certainty="check", why=f"{c.why}; but {period_caution(periods)}")
        if (t.table, c.column) in YEARLY_AMOUNTS
        else c
        for c in t.columns
    )
    return replace(t, columns=columns)


def _amounts(
    fit: _Fit, facts: list[ColumnFacts], path: Path
) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """For a delimited text file, the number_format its amount columns show (`1.234,56`,
    proposed when one column is written so and none the other way), and the amount columns
    that leave it open ((header, style): written both ways, or three decimal places only,
    which are quarantined until the profile says). Workbooks and parquet say their own."""
    if format_of(path) != "csv":
        return None, ()
    by_header = {f.header: f for f in facts}
    styles = {
        c.entry: by_header[c.entry].number_style
        for c in fit.columns
        if fit.table.column(c.column).dtype == "decimal"
        and isinstance(c.entry, str)
        and c.entry in by_header
    }
    found = set(styles.values())
    european = EUROPEAN_NUMBERS in found and UK_NUMBERS not in found and "both" not in found
    unsure = tuple(
        (header, style)
        for header, style in styles.items()
        if style == "both" or (style == "1.234?" and not european)
    )
    return (EUROPEAN_NUMBERS if european else None), unsure


def _near_miss(fit: _Fit, facts: list[ColumnFacts]) -> str:
    """The table a file matched to no table fits best, and what it lacks: the required
    columns no column was found for, each with the column not read whose header is most like
    it, if one is at all ("no column found for award_id ('Claim Ref' could be it)"), else
    how few of its columns the table explains."""
    table = fit.table
    if not fit.columns:
        return "none of its columns is like a column of the contract's tables"
    said = f"closest: {table.name} ({len(fit.columns)} of {len(table.columns)} columns)"
    if fit.missing:
        lacking = []
        for name in fit.missing:
            column = table.column(name)
            scored = [(_score(table, column, f).name, f.header) for f in facts]
            scored = [(n, h) for n, h in scored if h in fit.unused and n >= _CLOSE_ENOUGH]
            best = max(scored, key=lambda x: x[0], default=None)
            lacking.append(name + (f" ('{best[1]}' could be it)" if best else ""))
        return f"{said}; no column found for {', '.join(lacking)}"
    read = len(facts) - len(fit.unused)
    return f"{said}; only {read} of its {len(facts)} columns are the table's"


_CLOSE_ENOUGH = 0.5  # a header's score to be named as what a missing column could be


# --- the YAML, with comments ------------------------------------------------------------------


def _scalar(value: object) -> str:
    """One YAML scalar, quoted when it must be."""
    return (
        yaml.safe_dump(value, default_flow_style=True, width=10**6).removesuffix("\n...\n").strip()
    )


def _flow(value: object) -> str:
    """A mapping or list on one line (`{split: {column: Name, ...}}`, `[A, B]`)."""
    dumped = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False)
    return dumped.strip()


_COMMENT_AT = 44


class _ProfileWriter:
    """Writes a `ProfileSuggestion` as commented YAML, one entry a line where it fits."""

    def __init__(self, suggestion: ProfileSuggestion) -> None:
        self.suggestion = suggestion
        self.lines: list[str] = []

    def line(self, text: str, comment: str = "") -> None:
        if comment and not text.strip():
            text = f"{text}# {comment}"
        elif comment:
            text = f"{text.ljust(_COMMENT_AT - 1)} # {comment}"
        self.lines.append(text.rstrip())

    def text(self) -> str:
        s = self.suggestion
        for note in (
            f"A source profile suggested by `workbench profile suggest` from {s.folder.name}.",
            "Check every entry before use: the comment on each says how sure the suggestion is",
            "(sure: a known header and values that fit; likely: a close header or a known",
            "pattern; check: a guess) and why. Values the suggestion was unsure of are left out,",
            "so their rows are quarantined until you add them. Then see what each mapping does:",
            f"  workbench validate {s.folder} --profile THIS_FILE",
            "README: Bring your own data; the language: workbench/data/profiles.py.",
        ):
            self.line("", note)
        self.line("version: 1")
        self.line(f"description: {_scalar(s.description())}")
        if s.date_format:
            self.line(
                f"date_format: {_scalar(s.date_format)}",
                f"{_format_label(s.date_format)}, as most date columns are written",
            )
        self.line("tables:")
        for table in s.tables:
            self.table(table)
        if s.unmatched:
            self.line("", f"Not matched to any table: {', '.join(s.unmatched)}")
        for file, near in s.near:
            self.line("", f"  {file}: {near}")
        for file, alike, read in s.alike:
            self.line("", f"{file} looks like a second {alike} file ({read} is read for it)")
        return "\n".join(self.lines) + "\n"

    def table(self, t: TableSuggestion) -> None:
        self.line(f"  {t.table}:")
        self.line(f"    file: {_scalar(t.file)}", f"{t.certainty}: {t.why}")
        if t.sheet:
            self.line(
                f"    sheet: {_scalar(t.sheet)}", "check: the first sheet holds no table like it"
            )
        if t.header_row:
            self.line(
                f"    header_row: {t.header_row}",
                "check: the rows above it look like a title or notes",
            )
        if t.encoding:
            self.line(
                f"    encoding: {_scalar(t.encoding)}",
                "check: not UTF-8, so read as Windows-1252 (Excel's CSV (Comma delimited))",
            )
        if t.separator:
            self.line(
                f"    separator: {SEPARATOR_YAML[t.separator]}",
                f"check: its lines split alike on {SEPARATOR_WORDS[t.separator][1]}",
            )
        if t.date_format:
            self.line(f"    date_format: {_scalar(t.date_format)}", _format_label(t.date_format))
        if t.number_format:
            self.line(
                f"    number_format: '{t.number_format}'",
                "check: amounts are written with a decimal comma",
            )
        self.line("    columns:")
        default = t.date_format or self.suggestion.date_format
        for c in t.columns:
            self.column(c, default)
        for name in t.missing:
            self.line("      ", f"{name}: ???   required, and no column looks like it: map it")
        if t.unused:
            self.line("      ", f"not read: {', '.join(t.unused)}")
        for _, said in t.twice:
            self.line("      ", f"not read: {_twice_note(said)}")
        for header, style in t.amounts_unsure:
            self.line("      ", f"check: {_amounts_note(t, header, style)}")
        for name, by in t.wanted:
            self.line(
                "      ",
                f"{name}: ???   read by the rules ({', '.join(by)}), and no column looks like "
                "it: check the columns not read",
            )

    def column(self, c: ColumnSuggestion, default: str | None) -> None:
        comment = f"{c.certainty}: {c.why}"
        own_format = c.date_format if c.date_format not in (default, None) else None
        mapped = [v for v in c.values if v.target is not None]
        if not mapped and not own_format and not any(v.target is None for v in c.values):
            shown = _scalar(c.entry) if isinstance(c.entry, str) else _flow(c.entry)
            self.line(f"      {c.column}: {shown}", comment)
            return
        self.line(f"      {c.column}:")
        if isinstance(c.entry, str):
            self.line(f"        column: {_scalar(c.entry)}", comment)
        else:
            key, value = next(iter(c.entry.items()))
            self.line(f"        {key}: {_flow(value)}", comment)
        if own_format:
            self.line(f"        date_format: {_scalar(own_format)}", _format_label(own_format))
        if not c.values:
            return
        self.line("        values:")
        for v in mapped:
            self.line(
                f"          {_scalar(v.spelling)}: {_scalar(v.target)}", f"{v.certainty}: {v.why}"
            )
        for v in c.values:
            if v.target is None:
                self.line(
                    "          ",
                    f"{_scalar(v.spelling)}: ???   not mapped: {v.why}; add it, or its rows "
                    "are quarantined",
                )
