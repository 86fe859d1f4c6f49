"""The exact linkage pre-pass: DWP-list and funded-place rows linked to the person index.

`link_exact` links a source row to a person only on exact agreement, and only when exactly
one person agrees: it never guesses. What it leaves `not_linked` (twins the names do not
separate, duplicates in the index, typos) is for the probabilistic stage or for a person.

The rules, in the council's words:

- **DWP list** (`dwp_list`). A row links to a child who
  (a) has the row's `child_date_of_birth` and lives in the household of a parent or carer
  whose NINO is the row's `parent_nino`, and whose forename is not plainly another than the
  row's (`forenames_differ_wholly`: a slip, a nickname or the names swapped are no bar; Zara
  for Yusuf is, since a brother or sister, or a twin the council does not hold, would share
  the parent and birthday: the probabilistic stage scores such a row and holds it for a
  person) (method `parent_nino_and_child_dob`), or
  (b) has the row's child forename, surname and date of birth and the same postcode
  (method `child_name_dob_postcode`).
  Parents and carers are the people with role `parent_carer`; when the people table has no
  `role` column, any other member of the household holding the NINO (a NINO is issued at 16,
  so holding one already marks an adult). When the rules together find several children
  (twins with one date of birth), the one whose names agree too is taken, if there is exactly
  one and no other candidate has evidence it lacks (a NINO pointing one way and names another
  is a conflict for a person). At most one DWP row links to a child: when two would, neither
  does. A row that repeats an earlier row (the same child's names, date of birth and postcode,
  and the same parent NINO: the row given again, or two releases of the list put together)
  does not claim the child beside it: the earlier row links as if alone, and
  `repeated_list_rows` names the repeats (`assess` lists the child once and accounts for each
  repeat as not listed).
- **Funded places** (`funded_places`). A row links to the child with its forename, surname and
  date of birth; when several agree, the one at the row's postcode, if there is exactly one
  (method `child_name_dob_postcode` when the postcode agrees, else `child_name_dob`). A row
  at another postcode links too: a family who moved since the council's records is the
  commoner case (an out-of-area namesake born the same day is an open question:
  docs/linkage.md).
  A child may hold several places in one term (`PLACE_KEY`): the disadvantaged 15 hours with
  working-parent hours on top, or hours split between two providers. So a child has at most
  one linked row per term, provider and funding stream. A row repeating an earlier row of the
  place (the same child's names, date of birth and postcode: the row entered twice,
  `repeated_places` finds them) claims nothing: the earlier links as if alone. When rows of one
  place at different postcodes claim the same child, the one at the child's postcode links,
  and with none there, none does (a namesake elsewhere is as likely). When rows
  of several places of one term claim the child, those whose postcode is the child's link,
  and the others do not (another child's row whose names were mistyped into this child's is
  not taken for a second place).

Names are compared ignoring case, surrounding space and repeated spaces; postcodes and NINOs
after `workbench.data.clean` normalises them. Dates of birth must be equal.

Speed: the name and postcode keys are built only for people born on a day some source row
names (a few per cent of the index), NINOs only for the people of their households, and every
step is a join or a window over a lazy frame.

Example
-------
>>> import datetime as dt
>>> people = pl.LazyFrame({
...     "person_id": ["P1", "P2"], "household_id": ["H1", "H1"],
...     "forename": ["Ada", "Mo"], "surname": ["Lee", "Lee"],
...     "date_of_birth": [dt.date(1990, 5, 1), dt.date(2024, 3, 2)],
...     "nino": ["AB123456C", None], "postcode": ["FQ1 1AA", "FQ1 1AA"],
...     "role": ["parent_carer", "child"],
... })
>>> dwp = pl.LazyFrame({
...     "record_id": ["D1"], "child_forename": ["MO"], "child_surname": ["Lee"],
...     "child_date_of_birth": [dt.date(2024, 3, 2)], "parent_forename": ["Ada"],
...     "parent_surname": ["Lee"], "parent_nino": ["ab 12 34 56 c"], "postcode": [None],
... })
>>> links = link_exact({"people": people, "dwp_list": dwp}).collect()
>>> links.select("record_id", "person_id", "band", "method").row(0)
('D1', 'P2', 'linked', 'parent_nino_and_child_dob')
"""

from __future__ import annotations

import csv
import functools
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import polars as pl

from workbench.data import clean
from workbench.data.schema import TABLES
from workbench.errors import UsageError

__all__ = [
    "BAND_CLERICAL_REVIEW",
    "BAND_LINKED",
    "BAND_NOT_LINKED",
    "LINKS_SCHEMA",
    "LINK_SOURCES",
    "METHOD_CHILD_NAME_DOB",
    "METHOD_CHILD_NAME_DOB_POSTCODE",
    "METHOD_PARENT_NINO_AND_CHILD_DOB",
    "PLACE_KEY",
    "forenames_differ_wholly",
    "jaro_winkler",
    "link_exact",
    "name_edits",
    "repeated_list_rows",
    "repeated_places",
]

LINK_SOURCES: tuple[str, ...] = ("dwp_list", "funded_places")
PLACE_KEY: tuple[str, ...] = ("term_start", "provider_id", "funding_stream")
"""What one funded place of a child is: a child has at most one per term, provider and
funding stream, but may hold several in a term (DfE's census guidance: the disadvantaged
15 hours first and working-parent hours on top; a place split between two providers)."""
BAND_LINKED = "linked"
BAND_NOT_LINKED = "not_linked"
# The probabilistic stage's middle band (`workbench.linkage.probabilistic`): named here, with
# the others, so that code reading links need not import Splink to know it.
BAND_CLERICAL_REVIEW = "clerical_review"
METHOD_PARENT_NINO_AND_CHILD_DOB = "parent_nino_and_child_dob"
METHOD_CHILD_NAME_DOB_POSTCODE = "child_name_dob_postcode"
METHOD_CHILD_NAME_DOB = "child_name_dob"
# Small frames (the people born on a source row's day): the in-memory engine is faster on them.
_ENGINE: Final = "in-memory"
# An exact link is certain by construction; the probabilistic stage scores the rest.
_EXACT_PROBABILITY = 1.0
_PARENT_CARER = "parent_carer"

LINKS_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "record_id": pl.String,
        "person_id": pl.String,
        "band": pl.String,
        "match_probability": pl.Float64,
        "method": pl.String,
    }
)

# Working columns. `_row` numbers the source rows, so that a row is one row even if an
# unchecked frame repeats a record_id.
_ROW = "_row"
_DOB = "_dob"
_FORENAME = "_forename"
_SURNAME = "_surname"
_POSTCODE = "_postcode"
_NINO = "_nino"
_PARENT_ID = "_parent_id"
_VIA_NINO = "_via_nino"
_VIA_NAME_POSTCODE = "_via_name_postcode"
_NAMES_AGREE = "_names_agree"
_POSTCODE_AGREE = "_postcode_agree"
_CANDIDATES = "_candidates"
_DOMINANT = "_dominant"
_UNLIKE = "_unlike"
_NICKNAMES_FILE = Path(__file__).parents[1] / "reference" / "nicknames.csv"
# The Jaro-Winkler cut-off of the probabilistic model's "similar" name level
# (`workbench.linkage.settings`, not imported: it brings Splink along).
_SIMILAR = 0.8


@functools.cache
def _aliases() -> dict[str, frozenset[str]]:
    """Each name of the nickname file, as names are compared (`_plain`: lower case, accents
    dropped, so Ciarán is found as the compared ciaran) -> the names it may stand for, itself
    included (as `workbench.linkage.settings.nickname_aliases` reads the same file)."""
    found: dict[str, set[str]] = {}
    with _NICKNAMES_FILE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name, alias = _plain(row["name"]), _plain(row["alias"])
            for a, b in ((name, alias), (alias, name)):
                found.setdefault(a, {a}).add(b)
    return {name: frozenset(names) for name, names in found.items()}


def jaro_winkler(a: str, b: str) -> float:
    """The Jaro-Winkler similarity of two strings (prefix scale 0.1 over at most four
    characters, applied above a Jaro similarity of 0.7), as the probabilistic model's
    name levels measure it.

    >>> round(jaro_winkler("martha", "marhta"), 4)
    0.9611
    """
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    taken_b = [False] * len(b)
    matched_a = []
    for i, char in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not taken_b[j] and b[j] == char:
                taken_b[j] = True
                matched_a.append(char)
                break
    if not matched_a:
        return 0.0
    matched_b = [char for j, char in enumerate(b) if taken_b[j]]
    # Half the out-of-order matches, rounded down, as DuckDB's jaro_winkler_similarity (which
    # the probabilistic model's comparisons use) counts them: Sean and Sinead score 0.825.
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) // 2
    m = len(matched_a)
    jaro = (m / len(a) + m / len(b) + (m - transpositions) / m) / 3
    if jaro <= 0.7:
        return jaro
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def name_edits(a: str, b: str) -> int:
    """How many single-letter changes turn one name into the other: a letter added, dropped or
    changed, or two neighbours swapped (the optimal string alignment distance).

    >>> name_edits("mia", "mai"), name_edits("iy", "ivy"), name_edits("ila", "ella")
    (1, 1, 2)
    """
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def _plain(name: str) -> str:
    """A name as the probabilistic model compares it: lower case, accents dropped."""
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def forenames_differ_wholly(
    forename: str | None,
    other_forename: str | None,
    surname: str | None = None,
    other_surname: str | None = None,
) -> bool:
    """Whether two children's forenames are plainly different names: not the same, not
    nicknames or aliases of each other (`workbench/reference/nicknames.csv`), not a slip (one
    letter added, dropped, changed or swapped with its neighbour: Iy, Mai for Ivy, Mia, which
    short names' Jaro-Winkler misses) or a resemblance (Jaro-Winkler below 0.8), and not the
    forename and surname swapped (each at
    least similar to the other: Sharma Dyepak for Deepak Sharma). The probabilistic model's
    forename comparison reaches its level "all other" for them (and for a few it does not
    call swapped, a slip beside the swap). A missing forename is no evidence: never plainly
    different.

    >>> forenames_differ_wholly("Zara", "Yusuf"), forenames_differ_wholly("Liz", "Elizabeth")
    (True, False)
    """
    if not forename or not other_forename:
        return False
    a, b = _plain(forename), _plain(other_forename)
    if a == b or jaro_winkler(a, b) >= _SIMILAR or name_edits(a, b) <= 1:
        return False
    aliases = _aliases()
    if b in aliases.get(a, ()):
        return False
    if surname and other_surname:
        s, t = _plain(surname), _plain(other_surname)
        if jaro_winkler(a, t) >= _SIMILAR and jaro_winkler(s, b) >= _SIMILAR:
            return False
    return True


def _forenames_differ_wholly(
    forename: str, other_forename: str, surname: str, other_surname: str
) -> pl.Expr:
    """`forenames_differ_wholly` of each row's four name columns (computed for the few pairs
    the parent's NINO finds)."""
    return pl.struct(forename, other_forename, surname, other_surname).map_elements(
        lambda names: forenames_differ_wholly(*names.values()), return_dtype=pl.Boolean
    )


def _optional(schema: pl.Schema, column: str) -> pl.Expr:
    """A text column, or nulls when the frame lacks it (an all-empty column built by hand
    may have dtype Null: the cast makes it text)."""
    return pl.col(column).cast(pl.String) if column in schema else pl.lit(None, dtype=pl.String)


def _name_key(expr: pl.Expr) -> pl.Expr:
    return clean.name(expr).str.to_lowercase()


def _check_columns(name: str, schema: pl.Schema, needed: tuple[str, ...]) -> None:
    missing = [c for c in needed if c not in schema]
    if missing:
        raise UsageError(
            f"link_exact: table '{name}' lacks column(s) {', '.join(missing)}; expected the "
            "canonical columns as workbench.data.reading loads them "
            f"(has: {', '.join(schema.names())})"
        )


def _source_keys(frame: pl.LazyFrame, name: str) -> pl.LazyFrame:
    """A source's rows numbered, with its child's name keys, date of birth and postcode."""
    schema = frame.collect_schema()
    needed = ("record_id", "child_forename", "child_surname", "child_date_of_birth")
    _check_columns(name, schema, (*needed, "term_start") if name == "funded_places" else needed)
    extra = {
        "dwp_list": [clean.nino(_optional(schema, "parent_nino")).alias(_NINO)],
        "funded_places": [
            pl.col("term_start"),
            *(_optional(schema, c).alias(c) for c in PLACE_KEY[1:]),
        ],
    }[name]
    return frame.with_row_index(_ROW).select(
        _ROW,
        pl.col("record_id").cast(pl.String),
        pl.col("child_date_of_birth").alias(_DOB),
        _name_key(_optional(schema, "child_forename")).alias(_FORENAME),
        _name_key(_optional(schema, "child_surname")).alias(_SURNAME),
        clean.postcode(_optional(schema, "postcode")).alias(_POSTCODE),
        *extra,
    )


def _children(people: pl.LazyFrame, birth_dates: pl.LazyFrame) -> pl.LazyFrame:
    """People born on a day some source row names, with their name and postcode keys."""
    schema = people.collect_schema()
    dates = birth_dates.collect(engine=_ENGINE)
    # A date range first: a cheap comparison that leaves only the youngest few per cent.
    born = pl.col("date_of_birth").is_between(dates[_DOB].min(), dates[_DOB].max())
    nearby = people.filter(born) if dates[_DOB].null_count() < dates.height else people
    return nearby.join(dates.lazy(), left_on="date_of_birth", right_on=_DOB, how="semi").select(
        "person_id",
        "household_id",
        pl.col("date_of_birth").alias(_DOB),
        _name_key(_optional(schema, "forename")).alias(_FORENAME),
        _name_key(_optional(schema, "surname")).alias(_SURNAME),
        clean.postcode(_optional(schema, "postcode")).alias(_POSTCODE),
    )


def _agree(column: str) -> pl.Expr:
    """Both sides hold the same, non-null value (null never agrees)."""
    return (pl.col(column) == pl.col(f"{column}_person")).fill_null(False)


def _parent_carers(people: pl.LazyFrame, children: pl.LazyFrame) -> pl.LazyFrame:
    """The people whose NINO can vouch for a child of their household: only households with
    a child some source row may name are looked at, so few NINOs need normalising."""
    schema = people.collect_schema()
    households = children.select("household_id").unique().collect(engine=_ENGINE)
    # One filter, the household test included: only the few carers found are copied out of
    # the index, not every parent or carer first (hundreds of thousands at 1M households).
    keep = pl.col("household_id").is_in(households.to_series().implode())
    if "role" in schema:
        keep = (_optional(schema, "role") == _PARENT_CARER) & keep
    if "nino" in schema:
        keep = pl.col("nino").is_not_null() & keep
    near = people.filter(keep)
    return near.select(
        pl.col("person_id").alias(_PARENT_ID),
        "household_id",
        clean.nino(_optional(schema, "nino")).alias(_NINO),
    ).filter(pl.col(_NINO).is_not_null())


def _dwp_pairs(dwp: pl.LazyFrame, people: pl.LazyFrame, children: pl.LazyFrame) -> pl.LazyFrame:
    """Every (DWP row, person) pair that either DWP rule finds, with what agrees, and
    `_UNLIKE`: the child's forename is plainly another than the row's
    (`forenames_differ_wholly`: Zara for Yusuf, not Liz for Elizabeth nor a slip)."""
    by_nino = (
        dwp.join(_parent_carers(people, children), on=_NINO)
        .join(children, on=["household_id", _DOB], suffix="_person")
        .filter(pl.col("person_id") != pl.col(_PARENT_ID))
        .select(
            _ROW,
            "person_id",
            pl.lit(True).alias(_VIA_NINO),
            # Rule (b) finds this pair itself when it holds: the group_by below merges them.
            pl.lit(False).alias(_VIA_NAME_POSTCODE),
            (_agree(_FORENAME) & _agree(_SURNAME)).alias(_NAMES_AGREE),
            (
                (pl.col(_FORENAME) != pl.col(f"{_FORENAME}_person")).fill_null(False)
                & _forenames_differ_wholly(
                    _FORENAME, f"{_FORENAME}_person", _SURNAME, f"{_SURNAME}_person"
                )
            ).alias(_UNLIKE),
        )
    )
    by_name = (
        dwp.join(children, on=[_DOB, _FORENAME, _SURNAME], suffix="_person")
        .filter(_agree(_POSTCODE))
        .select(
            _ROW,
            "person_id",
            pl.lit(False).alias(_VIA_NINO),
            pl.lit(True).alias(_VIA_NAME_POSTCODE),
            pl.lit(True).alias(_NAMES_AGREE),
            pl.lit(False).alias(_UNLIKE),
        )
    )
    return (
        pl.concat([by_nino, by_name])
        .group_by(_ROW, "person_id")
        .agg(pl.col(_VIA_NINO, _VIA_NAME_POSTCODE, _NAMES_AGREE, _UNLIKE).any())
    )


def _only_one(pairs: pl.LazyFrame, evidence: tuple[str, ...]) -> pl.LazyFrame:
    """Per source row, its one candidate; or, among several, the one candidate that meets every
    kind of `evidence` that any candidate of the row meets. Rows with neither keep none: two
    candidates with different evidence (a NINO points one way, names another) are a conflict
    for a person to settle, not a choice to make here."""
    dominant = pl.all_horizontal(pl.col(e) | ~pl.col(e).any().over(_ROW) for e in evidence)
    # Two steps: polars evaluates a window nested in another window group by group (slow).
    return (
        pairs.with_columns(pl.len().over(_ROW).alias(_CANDIDATES), dominant.alias(_DOMINANT))
        .filter(
            (pl.col(_CANDIDATES) == 1)
            | (pl.col(_DOMINANT) & (pl.col(_DOMINANT).sum().over(_ROW) == 1))
        )
        .drop(_CANDIDATES, _DOMINANT)
    )


# What makes a DWP-list row the repeat of an earlier one: the same child and parent.
_DWP_ROW_KEY = (_FORENAME, _SURNAME, _DOB, _POSTCODE, _NINO)


def _link_dwp(dwp: pl.LazyFrame, people: pl.LazyFrame, children: pl.LazyFrame) -> pl.LazyFrame:
    """The linked DWP rows: row number, person_id, method. A repeated row (`_DWP_ROW_KEY`)
    claims nothing: its first row links as if alone."""
    first = dwp.filter(pl.int_range(pl.len()).over(_DWP_ROW_KEY) == 0)
    return (
        _only_one(
            _dwp_pairs(first, people, children), (_VIA_NINO, _VIA_NAME_POSTCODE, _NAMES_AGREE)
        )
        # The parent's NINO and the date of birth do not link a child whose forename is plainly
        # another than the row's: a brother or sister born the same day, or a twin the council
        # does not hold, is as likely. (Still a candidate above, so that a conflict stays one.)
        # The probabilistic stage scores the row and holds such a pair for a person.
        .filter(~(pl.col(_UNLIKE) & ~pl.col(_VIA_NAME_POSTCODE)))
        # At most one DWP row per child: two rows claiming one child is a question for a person.
        .filter(pl.len().over("person_id") == 1)
        .select(
            _ROW,
            "person_id",
            pl.when(pl.col(_VIA_NINO))
            .then(pl.lit(METHOD_PARENT_NINO_AND_CHILD_DOB))
            .otherwise(pl.lit(METHOD_CHILD_NAME_DOB_POSTCODE))
            .alias("method"),
        )
    )


# What makes a funded-place row the repeat of an earlier one: the same child and place.
_PLACE_ROW_KEY = (_FORENAME, _SURNAME, _DOB, _POSTCODE, *PLACE_KEY)


def _link_funded(funded: pl.LazyFrame, children: pl.LazyFrame) -> pl.LazyFrame:
    """The linked funded-place rows: row number, person_id, method. A repeated row
    (`_PLACE_ROW_KEY`) claims nothing: its first row links as if alone."""
    first = funded.filter(pl.int_range(pl.len()).over(_PLACE_ROW_KEY) == 0)
    pairs = (
        first.join(children, on=[_DOB, _FORENAME, _SURNAME], suffix="_person")
        .select(
            _ROW,
            *PLACE_KEY,
            "person_id",
            _agree(_POSTCODE).alias(_POSTCODE_AGREE),
        )
        .unique([_ROW, "person_id"], keep="any")
    )
    place = [*PLACE_KEY, "person_id"]
    return (
        _only_one(pairs, (_POSTCODE_AGREE,))
        # One place per term, provider and stream: of rows of one place claiming one child at
        # different postcodes (repeats are gone), the one at the child's postcode; with none
        # there, a namesake elsewhere is as likely, a question for a person.
        .filter((pl.len().over(place) == 1) | pl.col(_POSTCODE_AGREE))
        # Several places of one term: only the rows at the child's own postcode.
        .filter((pl.len().over("term_start", "person_id") == 1) | pl.col(_POSTCODE_AGREE))
        .select(
            _ROW,
            "person_id",
            pl.when(pl.col(_POSTCODE_AGREE))
            .then(pl.lit(METHOD_CHILD_NAME_DOB_POSTCODE))
            .otherwise(pl.lit(METHOD_CHILD_NAME_DOB))
            .alias("method"),
        )
    )


def _banded(source: str, rows: pl.LazyFrame, linked: pl.LazyFrame) -> pl.LazyFrame:
    """One output row per source row: linked ones with their person, the rest not linked."""
    is_linked = pl.col("person_id").is_not_null()
    return (
        rows.select(_ROW, "record_id")
        .join(linked, on=_ROW, how="left")
        .sort("record_id", _ROW)
        .select(
            pl.lit(source).alias("source"),
            "record_id",
            "person_id",
            pl.when(is_linked)
            .then(pl.lit(BAND_LINKED))
            .otherwise(pl.lit(BAND_NOT_LINKED))
            .alias("band"),
            pl.when(is_linked).then(pl.lit(_EXACT_PROBABILITY)).alias("match_probability"),
            "method",
        )
    )


def link_exact(tables: Mapping[str, pl.LazyFrame]) -> pl.LazyFrame:
    """Link each DWP-list and funded-place row to one person, exactly, or mark it not linked.

    Parameters
    ----------
    tables
        Canonical typed tables as `workbench.data.reading` loads them: `people` (required), and
        `dwp_list` and `funded_places` when the council has them (either may be absent).
        Optional columns (`nino`, `postcode`, `role`, `parent_nino`) may be absent too.

    Returns
    -------
    pl.LazyFrame
        One row per source row, with the columns of `LINKS_SCHEMA`: `source` (`dwp_list` or
        `funded_places`), `record_id`, `person_id` (null when not linked), `band` (`linked`
        or `not_linked`), `match_probability` (1.0 when linked, else null) and `method` (the
        rule that linked it, else null). Sorted by source, then record_id. A person is linked
        to at most one DWP row, and to at most one funded-place row per term, provider and
        funding stream (`PLACE_KEY`).

    Raises
    ------
    UsageError
        `people` is missing, or a table lacks a required column.
    """
    if "people" not in tables:
        raise UsageError("link_exact needs the people table: the person index to link to")
    people = tables["people"]
    _check_columns("people", people.collect_schema(), TABLES["people"].required_columns())
    sources = {name: _source_keys(tables[name], name) for name in LINK_SOURCES if name in tables}
    if not sources:
        return pl.LazyFrame(schema=LINKS_SCHEMA)

    birth_dates = pl.concat([keys.select(_DOB) for keys in sources.values()]).unique()
    # Computed once for both sources: a few per cent of the people.
    children = _children(people, birth_dates).collect(engine=_ENGINE).lazy()
    linkers = {
        "dwp_list": lambda keys: _link_dwp(keys, people, children),
        "funded_places": lambda keys: _link_funded(keys, children),
    }
    return pl.concat(
        [_banded(name, keys, linkers[name](keys)) for name, keys in sources.items()]
    ).cast(LINKS_SCHEMA)


def repeated_places(funded: pl.LazyFrame) -> pl.DataFrame:
    """The funded-place rows that repeat an earlier row's place for the same child: the same
    child's names (compared as the exact pass compares them), date of birth and postcode, and
    the same term, provider and funding stream (`PLACE_KEY`). The exact pass links none of
    these: the first row of each links as if alone. Their `record_id` and `term_start`, in the
    file's order."""
    # Only rows sharing a date of birth and a place can repeat one another (a few): their names
    # and postcodes are compared as the exact pass compares them, the others' never built.
    schema = funded.collect_schema()
    place = [_optional(schema, c) if c in PLACE_KEY[1:] else pl.col(c) for c in PLACE_KEY]
    shared = funded.filter(pl.len().over(pl.col("child_date_of_birth"), *place) > 1)
    keys = _source_keys(shared, "funded_places")
    return (
        keys.filter(pl.int_range(pl.len()).over(_PLACE_ROW_KEY) > 0)
        .sort(_ROW)
        .select("record_id", "term_start")
        .collect(engine=_ENGINE)
    )


def repeated_list_rows(dwp: pl.LazyFrame) -> pl.DataFrame:
    """The DWP-list rows that repeat an earlier row: the same child's names (compared as the
    exact pass compares them), date of birth and postcode, and the same parent NINO. Their
    `record_id` and the earlier row's (`first_record_id`), in the file's order. The exact pass
    links only the first; `assess` lists the child once and accounts for each repeat."""
    keys = _source_keys(dwp, "dwp_list")
    return (
        keys.with_columns(pl.col("record_id").first().over(_DWP_ROW_KEY).alias("first_record_id"))
        .filter(pl.int_range(pl.len()).over(_DWP_ROW_KEY) > 0)
        .sort(_ROW)
        .select("record_id", "first_record_id")
        .collect(engine=_ENGINE)
    )
