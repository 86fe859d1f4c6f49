"""Text normalisers and shape checks, as pure polars expressions.

Each function takes a string expression and returns a new one, so the same code cleans a
loaded table (`workbench.data.reading`) and the keys that record linkage compares. The normalisers
turn a value that is blank after cleaning into null: "nothing there" has one spelling.

Example
-------
>>> import polars as pl
>>> from workbench.data import clean
>>> df = pl.DataFrame({"postcode": [" sw1a1aa", "M1  1ae", "  "]})
>>> df.select(clean.postcode(pl.col("postcode"))).to_series().to_list()
['SW1A 1AA', 'M1 1AE', None]
"""

from __future__ import annotations

import re

import polars as pl

# An expression here may use its input several times: run them in a LazyFrame, whose common
# subexpression elimination computes each shared part once.

__all__ = [
    "ALREADY_NORMAL",
    "NINO_PATTERN",
    "NINO_UNALLOCATED_PREFIXES",
    "PLACEHOLDERS",
    "POSTCODE_PATTERN",
    "URN_PATTERN",
    "is_nino",
    "is_nothing",
    "is_uk_postcode",
    "is_urn",
    "name",
    "nino",
    "postcode",
    "urn",
]

# The shape of a normalised UK postcode: outward code (area letters, district digit, optional
# letter or digit), one space, inward code (sector digit, two unit letters). GIR 0AA is the one
# historic exception still in use. Source: ONS/Royal Mail postcode format, as in the National
# Statistics Postcode Lookup user guide.
POSTCODE_PATTERN = r"^(?:GIR 0AA|[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2})$"

# HMRC National Insurance Manual NIM39110: two prefix letters (D, F, I, Q, U, V never used; O
# never second), six digits, a suffix A to D.
NINO_PATTERN = r"^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$"

# A school's Unique Reference Number as Get Information about Schools gives it: six digits,
# 100000 to 999999 (DfE's FSM enhanced bulk check takes the child's school URN).
URN_PATTERN = r"^[1-9][0-9]{5}$"
# NIM39110: prefixes that are never allocated (administrative or temporary numbers).
NINO_UNALLOCATED_PREFIXES: tuple[str, ...] = ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")


def _allocatable_nino_pattern() -> str:
    """NINO_PATTERN without the unallocated prefixes, as one regex (the prefix's second
    letter class narrowed per first letter): one scan instead of a scan and a lookup."""
    first, second = (
        [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if re.fullmatch(cls, c)]
        for cls in ("[A-CEGHJ-PR-TW-Z]", "[A-CEGHJ-NPR-TW-Z]")
    )
    prefixes = "|".join(
        f"{a}[{''.join(b for b in second if a + b not in NINO_UNALLOCATED_PREFIXES)}]"
        for a in first
    )
    return rf"^(?:{prefixes})[0-9]{{6}}[A-D]$"


_NINO_ALLOCATABLE = _allocatable_nino_pattern()

# What a system or a person writes in a cell for "nothing known" (compared ignoring case and
# surrounding space): `N/A` and Excel's `#N/A`, a database's `NULL`, `none`, `unknown`,
# `not known`, and a lone dash or full stop. Such a cell is no value of any column, but it is
# not taken for empty everywhere: in a contract file it is kept as written and checked like
# any value (a NINO `N/A` is warned of as out of shape, a date `unknown` is quarantined), so
# that nothing is made to disappear. Where several cells could give a value (a source
# profile's `coalesce`) it is not filled in: a real value in a later cell is read, and with
# none the value is empty (a required one quarantined, the cells shown). Words that could be
# someone's data ("nil" may be an amount of nothing; "NA" a surname) are not in the list.
PLACEHOLDERS: tuple[str, ...] = ("n/a", "#n/a", "null", "none", "unknown", "not known", "-", ".")
# A cell holding nothing: blank (white space only) or a placeholder.
_NOTHING = (
    r"(?i)^\s*(?:"
    + "|".join(r"\s+".join(map(re.escape, p.split())) for p in PLACEHOLDERS)
    + r")?\s*$"
)

_WHITESPACE = r"\s+"
# The same result as replacing every whitespace run by one space, twice as fast on names that
# are already tidy: only runs of two or more, and single tabs or non-breaking spaces, change.
_UNTIDY_WHITESPACE = r"\s{2,}|[^\S ]"
# Postcode inward codes are always three characters: the space goes before them.
_INWARD_LENGTH = 3

# For each normaliser, a pattern matched only by values it returns unchanged. A loader may
# skip normalising a column whose values all match (most columns, in practice), which costs
# one scan instead of several rewrites of every string.
ALREADY_NORMAL: dict[str, str] = {
    "name": r"^\S+(?: \S+)*$",
    "postcode": r"^[A-Z0-9]{1,3}$|^[A-Z0-9]+ [A-Z0-9]{3}$",
    "nino": r"^[A-Z0-9]+$",
    "urn": r"^\S+$",
}


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    # replace() keeps the strings' buffers; a when/then would copy every string.
    return expr.replace("", None)


def postcode(expr: pl.Expr) -> pl.Expr:
    """A postcode upper-cased, with all whitespace removed and one space before the last three.

    Values too short to hold an inward code are returned compacted, without a space. The
    result is not checked: use `is_uk_postcode` on it for that.

    Example
    -------
    >>> pl.select(postcode(pl.lit(" sw1a  1aa "))).item()
    'SW1A 1AA'
    >>> pl.select(postcode(pl.lit("n1"))).item()
    'N1'
    """
    compact = expr.str.to_uppercase().str.replace_all(_WHITESPACE, "")
    # A value of three characters or fewer gets a leading space here, which the strip removes.
    spaced = pl.concat_str(
        compact.str.head(-_INWARD_LENGTH), pl.lit(" "), compact.str.tail(_INWARD_LENGTH)
    ).str.strip_chars()
    return _blank_to_null(spaced)


def nino(expr: pl.Expr) -> pl.Expr:
    """A National Insurance number upper-cased with all whitespace removed.

    Example
    -------
    >>> pl.select(nino(pl.lit(" ab 12 34 56 c"))).item()
    'AB123456C'
    """
    return _blank_to_null(expr.str.to_uppercase().str.replace_all(_WHITESPACE, ""))


def urn(expr: pl.Expr) -> pl.Expr:
    """A school URN with all whitespace removed (a spreadsheet may have padded it).

    Example
    -------
    >>> pl.select(urn(pl.lit(" 100 001 "))).item()
    '100001'
    """
    return _blank_to_null(expr.str.replace_all(_WHITESPACE, ""))


def name(expr: pl.Expr) -> pl.Expr:
    """A name or address line stripped, with runs of whitespace collapsed to one space.

    Case is kept: "McDonald" and "MCDONALD" are for the linkage comparisons to judge.

    Example
    -------
    >>> pl.select(name(pl.lit("  Mary   Ann "))).item()
    'Mary Ann'
    """
    return _blank_to_null(expr.str.replace_all(_UNTIDY_WHITESPACE, " ").str.strip_chars())


def is_nothing(expr: pl.Expr) -> pl.Expr:
    """True where a text cell holds nothing: it is blank (white space only) or one of the
    `PLACEHOLDERS`, ignoring case and surrounding space; null stays null.

    Example
    -------
    >>> cells = pl.Series(["N/A", " null ", "-", "  ", "AB123456C", "Nadia"])
    >>> pl.select(is_nothing(pl.lit(cells))).to_series().to_list()
    [True, True, True, True, False, False]
    """
    return expr.str.contains(_NOTHING)


def is_uk_postcode(expr: pl.Expr) -> pl.Expr:
    """True where a normalised postcode (see `postcode`) has the UK shape; null stays null.

    Example
    -------
    >>> pl.select(is_uk_postcode(pl.lit("SW1A 1AA"))).item()
    True
    """
    return expr.str.contains(POSTCODE_PATTERN)


def is_nino(expr: pl.Expr) -> pl.Expr:
    """True where a normalised NINO (see `nino`) has an allocatable shape; null stays null.

    Example
    -------
    >>> ninos = pl.Series(["AB123456C", "QQ123456C", "GB123456A"])
    >>> pl.select(is_nino(pl.lit(ninos))).to_series().to_list()
    [True, False, False]
    """
    return expr.str.contains(_NINO_ALLOCATABLE)


def is_urn(expr: pl.Expr) -> pl.Expr:
    """True where a normalised school URN (see `urn`) has six digits; null stays null.

    Example
    -------
    >>> pl.select(is_urn(pl.Series(["100001", "12345", "A00001"]))).to_series().to_list()
    [True, False, False]
    """
    return expr.str.contains(URN_PATTERN)
