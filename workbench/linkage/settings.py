"""The probabilistic linkage model as data: Splink settings built from small named comparisons.

Each comparison is a short, ordered list of named levels (most specific first), in the words a
reviewer would use: "nickname or alias", "day and month swapped", "same postcode sector". The
levels compare columns that `workbench.linkage.probabilistic` prepares in polars (alias lists,
surname parts, the swapped date of birth, postcode sector and district), so the SQL they need
is plain equality, Jaro-Winkler and array intersection: the same settings run on Splink's
DuckDB backend (the default) and its Spark backend (`splink.SparkAPI`) for national data.

The m and u probabilities given here are the model's priors, written down so that a tiny list
can still be scored and so that the model is readable before any training: m is the share of
true matches at a level, u the share of non-matches. `link_probabilistic` trains the model on
the data it links whenever the data allow: u by seeded random sampling, m by expectation
maximisation over the pairs of `EM_TRAINING_RULES`, each started from these values and pulled
back towards them in proportion to how little data there is (`PRIOR_STRENGTH`).

Example
-------
>>> settings = linkage_settings("dwp_list", probability_two_random_records_match=0.001)
>>> [c.create_output_column_name() for c in settings.comparisons]
['forename', 'surname', 'date_of_birth', 'postcode', 'address', 'parent']
>>> settings.link_type
'link_only'
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from splink import SettingsCreator, block_on
from splink import comparison_level_library as cll
from splink import comparison_library as cl
from splink.internals.comparison_creator import ComparisonCreator  # not re-exported by Splink 5
from splink.internals.comparison_level_creator import (  # not re-exported by Splink 5
    ComparisonLevelCreator,
)

if TYPE_CHECKING:
    from splink.internals.dialects import SplinkDialect

__all__ = [
    "DEFAULT_THRESHOLDS",
    "EM_TRAINING_RULES",
    "NICKNAMES_FILE",
    "PRIOR_STRENGTH",
    "address_comparison",
    "blocking_rules",
    "date_of_birth_comparison",
    "forename_comparison",
    "linkage_settings",
    "nickname_aliases",
    "parent_comparison",
    "postcode_comparison",
    "pulled_to_prior",
    "surname_comparison",
]

NICKNAMES_FILE = Path(__file__).parents[1] / "reference" / "nicknames.csv"
# (linked, clerical review): a pair at or above the first is linked, at or above the second
# goes to a person. Starting values; a council sets its own from the quality report.
DEFAULT_THRESHOLDS: tuple[float, float] = (0.95, 0.5)

# Expectation maximisation estimates m for every comparison but those a rule blocks on: one
# rule holds the date of birth fixed (names, postcode, address, parent are estimated), the
# other the names and postcode (the date of birth is estimated). Not the names alone: pairs
# sharing only names hold namesakes born on other days (another family's child), which EM
# would take for the same child with a wrong date and so learn to forgive any date.
EM_TRAINING_RULES: tuple[tuple[str, ...], ...] = (("dob",), ("forename", "surname", "postcode"))
# How many rows the priors are worth: trained m = (n * m_em + PRIOR_STRENGTH * m_prior) /
# (n + PRIOR_STRENGTH), n the number of rows that could have a match. A list of 1,000 rows
# moves the priors half way to what EM found, one of 9,000 nine tenths of the way. EM sets a
# rare error's m near zero when it meets few of them; the priors keep such a pair in reach.
PRIOR_STRENGTH = 1_000

# Jaro-Winkler cut-offs: 0.92 catches one slip in a name of six letters or more; 0.8 a
# looser resemblance that is weak evidence only.
_CLOSE = 0.92
_SIMILAR = 0.8


class _SharedElement(cll.ArrayIntersectLevel):
    """Splink's `ArrayIntersectLevel(column, 1)` (the two lists share an element), written for
    DuckDB as `list_has_any` instead of the size of `list_intersect`: the same pairs reach the
    level (where the sizes' test is false the other is false or null, which a level's
    condition reads alike: the conditions hold no NOT), without building each intersection,
    a tenth of training's time on the DWP list. Other dialects get Splink's own SQL."""

    def __init__(self, column: str) -> None:
        super().__init__(column, 1)

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        if sql_dialect.sql_dialect_str != "duckdb":
            return super().create_sql(sql_dialect)
        column = self.col_expression
        column.sql_dialect = sql_dialect
        return f"list_has_any({column.name_l}, {column.name_r})"


def _level(level: ComparisonLevelCreator, label: str, m: float, u: float) -> ComparisonLevelCreator:
    return level.configure(label_for_charts=label, m_probability=m, u_probability=u)


def _else(m: float, u: float) -> ComparisonLevelCreator:
    return cll.ElseLevel().configure(label_for_charts="all other", m_probability=m, u_probability=u)


def _swapped() -> ComparisonLevelCreator:
    """Forename and surname written the other way round, each allowing a slip of spelling
    (Jaro-Winkler at least `_CLOSE` both ways): the level both name comparisons share."""
    crossed = " AND ".join(
        f'jaro_winkler_similarity("{a}_l", "{b}_r") >= {_CLOSE}'
        for a, b in (("forename", "surname"), ("surname", "forename"))
    )
    return _level(
        cll.CustomLevel(crossed, base_dialect_str="duckdb"),
        "forename and surname swapped",
        0.01,
        1e-5,
    )


def forename_comparison() -> cl.CustomComparison:
    """Child's forename: exact (term-frequency adjusted), nickname or alias (Liz, Elizabeth,
    Beth share `forename_aliases`), close spelling, forename and surname swapped (each close),
    similar."""
    return cl.CustomComparison(
        output_column_name="forename",
        comparison_description="child's forename",
        comparison_levels=[
            cll.NullLevel("forename"),
            cll.ExactMatchLevel("forename", term_frequency_adjustments=True).configure(
                label_for_charts="exact", m_probability=0.85, u_probability=0.01
            ),
            _level(_SharedElement("forename_aliases"), "nickname or alias", 0.06, 2e-3),
            _level(cll.JaroWinklerLevel("forename", _CLOSE), "close spelling", 0.04, 5e-3),
            _swapped(),
            _level(cll.JaroWinklerLevel("forename", _SIMILAR), "similar", 0.02, 0.03),
            _else(0.02, 0.95),
        ],
    )


def surname_comparison() -> cl.CustomComparison:
    """Child's surname: exact (term-frequency adjusted), the same letters with the hyphen or
    space changed (Smith-Jones, Smith Jones, SmithJones), one part of a double-barrelled name
    (Smith for Smith-Jones), close spelling, forename and surname swapped (each close),
    similar."""
    return cl.CustomComparison(
        output_column_name="surname",
        comparison_description="child's surname",
        comparison_levels=[
            cll.NullLevel("surname"),
            cll.ExactMatchLevel("surname", term_frequency_adjustments=True).configure(
                label_for_charts="exact", m_probability=0.85, u_probability=0.01
            ),
            _level(cll.ExactMatchLevel("surname_letters"), "hyphen or space changed", 0.03, 5e-4),
            _level(_SharedElement("surname_parts"), "one part of the name", 0.04, 2e-3),
            _level(cll.JaroWinklerLevel("surname", _CLOSE), "close spelling", 0.04, 5e-3),
            _swapped(),
            _level(cll.JaroWinklerLevel("surname", _SIMILAR), "similar", 0.02, 0.03),
            _else(0.02, 0.95),
        ],
    )


# The ISO dates' Damerau-Levenshtein distance is at most 1. Between texts of one length that is
# a Hamming distance of at most 1, or of 2 with the two characters swapped, so the costly
# distance is computed only where exactly two characters differ (on the random pairs u is
# estimated on, a sixth of the time of computing it for every pair).
_ONE_CHARACTER_OFF = """CASE
    WHEN length("dob_text_l") != length("dob_text_r")
        THEN damerau_levenshtein("dob_text_l", "dob_text_r") <= 1
    WHEN hamming("dob_text_l", "dob_text_r") <= 1 THEN true
    WHEN hamming("dob_text_l", "dob_text_r") = 2
        THEN damerau_levenshtein("dob_text_l", "dob_text_r") <= 1
    ELSE false
END"""


# Dates of birth a day apart, on the days since 1 January 1970 the features hold (`dob_day`):
# plain arithmetic, the same in every SQL dialect. (Splink's own date difference is written
# through sqlglot's date functions, and once a run got it in sqlglot's generic SQL,
# `TIME_TO_UNIX`, which DuckDB does not know.)
_A_DAY_APART = 'abs("dob_day_l" - "dob_day_r") <= 1'


def date_of_birth_comparison() -> cl.CustomComparison:
    """Child's date of birth: exact, day and month swapped (3 April for 4 March), a day
    apart, one character of the ISO date different. Weighs heavily: a same-named child of
    another age is another child."""
    return cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_description="child's date of birth",
        comparison_levels=[
            cll.NullLevel("dob"),
            _level(cll.ExactMatchLevel("dob"), "exact", 0.94, 2e-3),
            _level(
                cll.CustomLevel('"dob_l" = "dob_swapped_r"', base_dialect_str="duckdb"),
                "day and month swapped",
                0.02,
                5e-4,
            ),
            _level(
                cll.CustomLevel(_A_DAY_APART, base_dialect_str="duckdb"),
                "a day apart",
                0.02,
                4e-3,
            ),
            _level(
                cll.CustomLevel(_ONE_CHARACTER_OFF, base_dialect_str="duckdb"),
                "one character off",
                0.01,
                0.01,
            ),
            _else(0.01, 0.98),
        ],
    )


def postcode_comparison() -> cl.CustomComparison:
    """Postcode (after `workbench.data.clean.postcode`): full, same sector (FQ1 2), same district
    (FQ1). Families move: a different postcode is weak evidence against, not a veto."""
    return cl.CustomComparison(
        output_column_name="postcode",
        comparison_description="postcode",
        comparison_levels=[
            cll.NullLevel("postcode"),
            _level(cll.ExactMatchLevel("postcode"), "full postcode", 0.85, 6e-3),
            _level(cll.ExactMatchLevel("postcode_sector"), "same sector", 0.05, 0.1),
            _level(cll.ExactMatchLevel("postcode_district"), "same district", 0.05, 0.25),
            _else(0.05, 0.64),
        ],
    )


def address_comparison() -> cl.CustomComparison:
    """The first address line (lower case, punctuation and spacing tidied): exact, close
    spelling (one slip in a street name), similar. Null when either side has none: the
    person index and funded places often hold no address, and absence is no evidence."""
    return cl.CustomComparison(
        output_column_name="address",
        comparison_description="first line of the address",
        comparison_levels=[
            cll.NullLevel("address"),
            _level(cll.ExactMatchLevel("address"), "exact", 0.8, 1e-3),
            _level(cll.JaroWinklerLevel("address", _CLOSE), "close spelling", 0.1, 3e-3),
            _level(cll.JaroWinklerLevel("address", _SIMILAR), "similar", 0.04, 0.05),
            _else(0.06, 0.946),
        ],
    )


def parent_comparison() -> cl.CustomComparison:
    """The DWP parent against one parent or carer of the candidate child's household: NINO,
    forename (or alias) and surname, surname only. Null when the child has no carer on the
    index: absence is no evidence either way."""
    same_forename = cll.Or(cll.ExactMatchLevel("parent_forename"), _SharedElement("parent_aliases"))
    same_surname = cll.Or(
        cll.ExactMatchLevel("parent_surname"), _SharedElement("parent_surname_parts")
    )
    return cl.CustomComparison(
        output_column_name="parent",
        comparison_description="parent or carer",
        comparison_levels=[
            cll.NullLevel("parent_surname"),
            _level(cll.ExactMatchLevel("parent_nino"), "same NINO", 0.7, 1e-4),
            _level(cll.And(same_forename, same_surname), "same names", 0.22, 1e-3),
            _level(same_surname, "same surname", 0.04, 0.01),
            _else(0.04, 0.989),
        ],
    )


def blocking_rules(source: str) -> list:
    """Which pairs are scored at all: the same date of birth up to a day/month swap, the same
    postcode, the same names, and for the DWP list the same parent NINO."""
    rules = [block_on("dob_unordered"), block_on("postcode"), block_on("forename", "surname")]
    if source == "dwp_list":
        rules.append(block_on("parent_nino"))
    return rules


def linkage_settings(
    source: str, *, probability_two_random_records_match: float
) -> SettingsCreator:
    """The Splink settings linking `source` rows (`dwp_list` or `funded_places`) to children.

    The address and parent comparisons are used for the DWP list only: providers send
    neither.
    """
    comparisons: list[ComparisonCreator | dict[str, Any]] = [
        forename_comparison(),
        surname_comparison(),
        date_of_birth_comparison(),
        postcode_comparison(),
    ]
    if source == "dwp_list":
        comparisons += [address_comparison(), parent_comparison()]
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking_rules(source),
        probability_two_random_records_match=probability_two_random_records_match,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
    )


def nickname_aliases(path: str | Path | None = None) -> pl.LazyFrame:
    """For each name in the nickname file, the names it may stand for (both directions of
    every pair, and itself), as the `aliases` list; every name as the model compares names
    (lower case, accents dropped), so the file's Ciarán is found for a compared ciaran.

    Example
    -------
    >>> aliases = nickname_aliases().collect()
    >>> aliases.filter(pl.col("name") == "liz")["aliases"].item().to_list()
    ['elizabeth', 'liz']
    """
    pairs = pl.scan_csv(path or NICKNAMES_FILE, infer_schema=False).select(
        pl.col("name", "alias")
        .str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.to_lowercase()
    )
    both = pl.concat(
        [
            pairs,
            pairs.select(name="alias", alias="name"),
            pairs.select("name", alias="name"),
            pairs.select(name="alias", alias="alias"),
        ]
    ).unique()
    return both.group_by("name").agg(pl.col("alias").sort().alias("aliases")).sort("name")


def pulled_to_prior(
    trained: dict[str, Any], prior: dict[str, Any], rows: int, strength: float = PRIOR_STRENGTH
) -> dict[str, Any]:
    """`trained` (a Splink settings dictionary, changed in place and returned) with each
    level's m pulled back towards the `prior` settings' m: m = (rows * m_trained + strength *
    m_prior) / (rows + strength). A level training could not estimate (never observed, or
    blocked on) takes its prior, and each comparison's m are then scaled to sum to one.

    Example
    -------
    >>> def one(m):
    ...     return {"comparisons": [{"output_column_name": "dob", "comparison_levels": [
    ...         {"is_null_level": True}, {"m_probability": m}, {"m_probability": 1 - m}]}]}
    >>> pulled = pulled_to_prior(one(0.98), one(0.9), rows=3_000)
    >>> levels = pulled["comparisons"][0]["comparison_levels"][1:]
    >>> [round(level["m_probability"], 4) for level in levels]
    [0.96, 0.04]
    """
    weight = rows / (rows + strength)
    by_name = {c["output_column_name"]: c for c in prior["comparisons"]}
    for comparison in trained["comparisons"]:
        prior_levels = by_name[comparison["output_column_name"]]["comparison_levels"]
        for level, start in zip(comparison["comparison_levels"], prior_levels, strict=True):
            if level.get("is_null_level") or start.get("m_probability") is None:
                continue
            learned = level.get("m_probability")
            if learned is None or not math.isfinite(learned):
                learned = start["m_probability"]
            level["m_probability"] = weight * learned + (1 - weight) * start["m_probability"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        total = sum(lv["m_probability"] for lv in levels if lv.get("m_probability") is not None)
        for level in levels:
            if level.get("m_probability") is not None and total > 0:
                level["m_probability"] /= total
    return trained
