"""The probabilistic linkage stage: Splink scores what the exact pass could not link.

`link_probabilistic` links one source (`dwp_list` or `funded_places`) to the children of the
person index with the Fellegi-Sunter model of `workbench.linkage.settings`, run by Splink on
an in-memory DuckDB. For the DWP list each candidate child is compared once per parent or
carer of their household (the parent comparison), and the best carer counts. Then:

- **one-to-one**, greedily by probability: a source row links to at most one child, and a
  child to at most one DWP row, and first to one funded-place row per term (so twins whose
  rows are alike are each given one); then (`_further_places`) a child holding a place in a
  term may take the rows of its other places that term (another provider or stream,
  `PLACE_KEY`), only those at its own postcode with its date of birth, as the exact pass does
  (`workbench.linkage.exact`): another child's row with names mistyped into this child's is
  not taken for a second place;
- **bands** by the pair's probability: `linked` at or above the first threshold,
  `clerical_review` at or above the second, `not_linked` below (a person decides the middle
  band through the review store; nothing there is a match until then);
- **a cap on the DWP list** (`_capped`): unless the row's parent NINO agrees with a carer of
  the child's household, a pair is at most `clerical_review`, whatever its probability, when
  the child lives elsewhere (neither postcode nor first address line agrees) and the row
  names another parent or the names are common enough in the council that a namesake is
  plausible, or when the date of birth differs and the row names another parent or another
  forename. (Same names and date at another address may be another family's child, in a
  town with common names; a child at the address born a few days apart with another
  parent may be a cousin, and one with another forename and birthday a brother or sister.)
- **caps on both sources** (`_capped`, `_tied`): a pair whose row's forename is plainly
  another than the child's (NINO or not), a funded place at another postcode under names
  common here, a row scoring another open child exactly as high, or a twin of the chosen
  child scoring at least the clerical threshold when the row's forename names neither: at
  most `clerical_review`. `held_because` says why, in words.

Before scoring, the model is trained on the source's rows (`trained_settings`): u by seeded
random sampling, m by expectation maximisation (on a seeded sample of at most `EM_MAX_ROWS`
rows) pulled towards the priors of `workbench.linkage.settings`; with too few rows the
priors stand.

`link_all` runs the exact pass first and Splink on the rows it left `not_linked`.

Every row carries the pair's `match_weight` and, in `contributions` (a JSON object), each
comparison's share of it in bits (log2 of its Bayes factor, term-frequency adjusted): the
evidence a reviewer reads. For a `not_linked` row these describe its best candidate, whose
person_id is not given; when another row took that child, `held_because` names both.

Determinism: u is re-estimated by Splink's random sampling with `seed`, EM's rows are drawn
with `seed` and EM is deterministic on the same rows (its sums on one thread, over agreement
patterns in a fixed order: `_TrainingDuckDB`); ties in probability are broken by row number
and person_id. Row numbers follow the record ids (`_source_records`), not the file's order,
so the same rows in any order give the same links.
"""

from __future__ import annotations

import copy
import functools
import logging
import math
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast, overload

import polars as pl
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.internals.exceptions import EMTrainingException  # not re-exported by Splink 5

from workbench.data import clean
from workbench.data.schema import TABLES
from workbench.errors import UsageError
from workbench.linkage.exact import (
    BAND_CLERICAL_REVIEW,
    BAND_LINKED,
    BAND_NOT_LINKED,
    LINK_SOURCES,
    PLACE_KEY,
    forenames_differ_wholly,
    link_exact,
    name_edits,
    repeated_list_rows,
    repeated_places,
)
from workbench.linkage.model import LinkageModel
from workbench.linkage.settings import (
    DEFAULT_THRESHOLDS,
    EM_TRAINING_RULES,
    linkage_settings,
    nickname_aliases,
    pulled_to_prior,
)
from workbench.linkage.trained import remembered

# Splink logs every SQL step at INFO, and at WARNING each level that training could not
# estimate (the priors stand for those): the workbench shows its own progress instead. For
# the same reason each linker is made without Splink's settings validation
# (`validate_settings=False`), whose findings are only such warnings: parsing every level's
# SQL for them took a twentieth of a second per linker, four linkers per source.
logging.getLogger("splink").setLevel(logging.ERROR)

__all__ = [
    "BAND_CLERICAL_REVIEW",
    "LINKAGE_RESULT_SCHEMA",
    "METHOD_SPLINK",
    "SCORED_PAIRS_SCHEMA",
    "link_all",
    "link_all_with_pairs",
    "link_probabilistic",
    "trained_settings",
]

METHOD_SPLINK = "splink"
LINKAGE_RESULT_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "record_id": pl.String,
        "person_id": pl.String,
        "band": pl.String,
        "match_probability": pl.Float64,
        "match_weight": pl.Float64,
        "method": pl.String,
        "contributions": pl.String,
        # Why a pair is held for review, or a row lost its best child (`_banded`), in words.
        "held_because": pl.String,
    }
)
# Every (row, child) pair Splink scored, with its best carer's comparison: the comparison
# vectors that calibration and the clerical classifier read (`workbench.linkage.evaluate`).
SCORED_PAIRS_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "record_id": pl.String,
        "person_id": pl.String,
        "match_probability": pl.Float64,
        "match_weight": pl.Float64,
        "contributions": pl.String,
    }
)
# Below this many possible (row, child) pairs random sampling says little about u: the
# settings' starting values are kept.
MIN_PAIRS_FOR_U = 20_000
# Below this many rows (or candidate children) expectation maximisation has too few matches
# to learn from: the priors' m probabilities are kept.
MIN_ROWS_FOR_M = 200
# Random (row, child) pairs sampled for u. Measured on the 1M-household benchmark council
# (three seeds each): at 5e5 every level's log2(u) varies by under 0.7 bits between seeds
# (most by under 0.3), at 2e5 a level seen a few times (same parent NINO, full postcode) can
# go unobserved and fall back to its prior, 8 bits off; 2e6 took four times as long for the
# same links. One chunk: Splink's early stop needs 100 pairs at every level, which the rare
# levels never reach, so its ten chunks and probe only repeated the work.
_MAX_U_PAIRS = 5e5
_U_CHUNKS = 1
# Expectation maximisation learns m from a seeded sample of at most this many rows (its cost
# grows with the rows times the children sharing a date of birth with each); the pull towards
# the priors counts the rows it learned from. On the benchmark council 2,000 rows give the
# same links as every row.
EM_MAX_ROWS = 2_000
_PROBABILITY_FLOOR = 1e-9
_SCORED_SCHEMA = pl.Schema(
    {
        "record_uid": pl.String,
        "person_uid": pl.String,
        "match_weight": pl.Float64,
        "match_probability": pl.Float64,
        "contributions": pl.String,
        "_forename_level": pl.String,
        "_address_level": pl.String,
        "_parent_level": pl.String,
    }
)
_RECORDS, _PEOPLE = "list_records", "people_index"
_ROW, _UID = "_row", "unique_id"
_MONTHS = 12
_ADULT_YEARS = 16  # without a role column, household members this much older are carers
# A funded place's provider and stream, beside its term (`PLACE_KEY`): `_further_places`.
_PLACE_COLUMNS = tuple(c for c in PLACE_KEY if c != "term_start")
_COLUMNS = (
    _UID,
    "forename",
    "forename_aliases",
    "surname",
    "surname_letters",
    "surname_parts",
    "dob",
    "dob_swapped",
    "dob_unordered",
    "dob_text",
    "dob_day",
    "postcode",
    "postcode_sector",
    "postcode_district",
    "parent_forename",
    "parent_aliases",
    "parent_surname",
    "parent_surname_parts",
    "parent_nino",
    "address",
)
_COMPARISONS = ("forename", "surname", "date_of_birth", "postcode", "address", "parent")
# A DWP pair at another address (and no NINO agreement) is capped when at least this many
# namesakes are expected (`_namesakes`; born the same day when the dates agree): one chance
# in a thousand. With fewer candidate children than `MIN_CHILDREN_FOR_NAMES`, every such
# pair is capped.
NAMESAKE_RISK = 1e-3
MIN_CHILDREN_FOR_NAMES = 1_000
# The comparisons whose level the DWP cap reads (`_capped`).
_CAP_COMPARISONS = ("forename", "address", "parent")
_WEIGHT_DIGITS = 6
_SAME_ADDRESS_LEVELS = ("exact", "close spelling")
_OTHER_PARENT_LEVELS = ("same surname", "all other")
_OTHER_FORENAME_LEVELS = ("similar", "all other")
# A forename plainly another (`_capped`), and the levels at which a row's forename names its
# child (`_tied`).
_UNLIKE_FORENAME_LEVEL = "all other"
_NAMING_FORENAME_LEVELS = ("exact", "nickname or alias")
_TWIN_EDITS = 2
# Why a pair is held for review (`held_because`), in words.
_HELD_UNLIKE_FORENAME = (
    "the row's forename is plainly not the council child's (not a slip, a nickname or the "
    "names swapped): it may be a brother or sister, or a twin the council does not hold"
)
_HELD_ELSEWHERE_OTHER_PARENT = (
    "the child does not live at the row's address and the row names another parent"
)
_HELD_ELSEWHERE_COMMON = (
    "the child does not live at the row's address and the child's names are common here: "
    "another family's child of those names is plausible"
)
_HELD_DAY_OFF_OTHER_PARENT = "the date of birth differs and the row names another parent"
_HELD_DAY_OFF_OTHER_FORENAME = (
    "the date of birth differs and the row's forename is no more than similar to the child's"
)
_HELD_PLACE_ELSEWHERE_COMMON = (
    "the place's postcode is not the child's and the child's names are common here: a "
    "namesake elsewhere (or from a neighbouring council) is as likely"
)


def _text(schema: pl.Schema, column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String) if column in schema else pl.lit(None, pl.String)


def _name_key(expr: pl.Expr) -> pl.Expr:
    """A name as compared: tidy spacing, lower case, accents dropped (Zoë is Zoe)."""
    plain = clean.name(expr).str.normalize("NFKD").str.replace_all(r"\p{M}", "")
    return plain.str.to_lowercase()


def _address_key(expr: pl.Expr) -> pl.Expr:
    """A first address line as compared: lower case, punctuation dropped, spacing tidied."""
    plain = expr.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", " ").str.strip_chars()
    return pl.when(plain != "").then(plain)


def _parts(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(r"[-\s]+", " ").str.split(" ")


def _features(frame: pl.LazyFrame, aliases: pl.LazyFrame) -> pl.LazyFrame:
    """The frame with the derived columns the comparisons read (`_COLUMNS`), computed from
    forename, surname, dob, postcode and the parent's names."""
    dob = pl.col("dob")
    day, month = dob.dt.day().cast(pl.Int32), dob.dt.month().cast(pl.Int32)
    swappable = (day <= _MONTHS) & (day != month)
    low, high = pl.min_horizontal(day, month), pl.max_horizontal(day, month)
    postcode = pl.col("postcode")
    has_space = postcode.str.contains(" ", literal=True)
    for name, target in (("forename", "forename_aliases"), ("parent_forename", "parent_aliases")):
        frame = frame.join(
            aliases.rename({"name": name, "aliases": target}),
            on=name,
            how="left",
            maintain_order="left",
        ).with_columns(pl.coalesce(target, pl.concat_list(name)).alias(target))
    return frame.with_columns(
        pl.col("surname").str.replace_all(r"[^a-z]", "").alias("surname_letters"),
        _parts(pl.col("surname")).alias("surname_parts"),
        _parts(pl.col("parent_surname")).alias("parent_surname_parts"),
        pl.when(swappable)
        .then(pl.date(dob.dt.year(), pl.min_horizontal(day, _MONTHS), month))
        .alias("dob_swapped"),
        (dob.dt.year().cast(pl.Int32) * 10_000 + low * 100 + high).alias("dob_unordered"),
        dob.dt.to_string("%Y-%m-%d").alias("dob_text"),
        dob.cast(pl.Int32).alias("dob_day"),  # days since 1 January 1970
        pl.when(has_space)
        .then(postcode.str.slice(0, postcode.str.len_chars() - 2))
        .alias("postcode_sector"),
        pl.when(has_space).then(postcode.str.split(" ").list.first()).alias("postcode_district"),
    )


def _source_records(frame: pl.LazyFrame, source: str) -> pl.LazyFrame:
    """A source's rows numbered (`_row`), with the compared fields under common names.

    Numbered in the order of their record ids (then of every compared field, for a frame
    whose ids repeat), not the file's: the row numbers name the rows to Splink, choose EM's
    sample and break ties, so the same rows in any order give the same links."""
    schema = frame.collect_schema()
    compared = frame.select(
        pl.col("record_id").cast(pl.String),
        (pl.col("term_start") if source == "funded_places" else pl.lit(None, pl.Date)).alias(
            "term_start"
        ),
        *(_text(schema, column).alias(column) for column in _PLACE_COLUMNS),
        _name_key(_text(schema, "child_forename")).alias("forename"),
        _name_key(_text(schema, "child_surname")).alias("surname"),
        pl.col("child_date_of_birth").alias("dob"),
        clean.postcode(_text(schema, "postcode")).alias("postcode"),
        _name_key(_text(schema, "parent_forename")).alias("parent_forename"),
        _name_key(_text(schema, "parent_surname")).alias("parent_surname"),
        clean.nino(_text(schema, "parent_nino")).alias("parent_nino"),
        _address_key(_text(schema, "address_line_1")).alias("address"),
    )
    order = compared.collect_schema().names()
    return (
        compared.sort(order, nulls_last=True, maintain_order=True)
        .with_row_index(_ROW)
        .with_columns(pl.col(_ROW).cast(pl.String).alias(_UID))
        .select(_ROW, _UID, *order)
    )


_KEY = "__key"
_INDEX_COLUMNS = (
    "person_id",
    "household_id",
    "role",
    "forename",
    "surname",
    "dob",
    "postcode",
    "nino",
    "address",
)


def _index_people(people: pl.LazyFrame) -> pl.LazyFrame:
    """The people with the compared fields. Names and postcodes repeat (a few thousand
    forenames for hundreds of thousands of people), so each is normalised once per distinct
    value and joined back: about three times faster than normalising every row."""
    schema = people.collect_schema()
    keyed = people.select(
        pl.col("person_id").cast(pl.String),
        "household_id",
        _text(schema, "role").alias("role"),
        _text(schema, "forename").alias("forename"),
        _text(schema, "surname").alias("surname"),
        pl.col("date_of_birth").alias("dob"),
        _text(schema, "postcode").alias("postcode"),
        clean.nino(_text(schema, "nino")).alias("nino"),
        _address_key(_text(schema, "address_line_1")).alias("address"),
    )
    for column, key in (
        ("forename", _name_key),
        ("surname", _name_key),
        ("postcode", clean.postcode),
    ):
        keys = keyed.select(pl.col(column).unique()).with_columns(key(pl.col(column)).alias(_KEY))
        keyed = (
            keyed.join(keys, on=column, how="left", maintain_order="left")
            .drop(column)
            .rename({_KEY: column})
        )
    return keyed.select(_INDEX_COLUMNS)


def _candidate_children(
    people: pl.LazyFrame, records: pl.LazyFrame, with_carers: bool, has_role: bool
) -> pl.LazyFrame:
    """Children born within a year of the source's dates of birth; for the DWP list, one row
    per (child, parent or carer of the household), or one row with no carer."""
    years = records.select(
        pl.col("dob").dt.year().min().alias("first"), pl.col("dob").dt.year().max().alias("last")
    )
    year = pl.col("dob").dt.year()
    children = people.join(years, how="cross").filter(
        year.is_between(pl.col("first") - 1, pl.col("last") + 1)
    )
    if has_role:
        children = children.filter(pl.col("role") == "child")
    children = children.drop("first", "last", "role")
    carers = people.select(
        "household_id",
        pl.col("person_id").alias("carer_id"),
        pl.col("role").alias("carer_role"),
        pl.col("dob").alias("carer_dob"),
        pl.col("forename").alias("parent_forename"),
        pl.col("surname").alias("parent_surname"),
        pl.col("nino").alias("parent_nino"),
    )
    is_carer = (
        pl.col("carer_role") == "parent_carer"
        if has_role
        else pl.col("carer_dob") <= pl.col("dob").dt.offset_by(f"-{_ADULT_YEARS}y")
    )
    paired = (
        children.join(carers, on="household_id")
        .filter((pl.col("carer_id") != pl.col("person_id")) & is_carer)
        .drop("carer_role", "carer_dob")
        if with_carers
        else children.head(0).with_columns(
            pl.lit(None, pl.String).alias(c)
            for c in ("carer_id", "parent_forename", "parent_surname", "parent_nino")
        )
    )
    alone = children.join(paired.select("person_id"), on="person_id", how="anti")
    return pl.concat([paired, alone], how="diagonal_relaxed").with_columns(
        pl.concat_str("person_id", pl.col("carer_id").fill_null(""), separator="|").alias(_UID)
    )


def _relevant_people(
    people: pl.LazyFrame, records: pl.DataFrame, with_carers: bool, has_role: bool
) -> pl.LazyFrame:
    """The people `_candidate_children` can read, before their names are normalised: the
    children born within a year of the source's dates of birth and, for the DWP list, everyone
    in their households. (Normalising the whole index cost most of preparing it.)"""
    year = pl.col("dob").dt.year()
    first, last = records.select(year.min().alias("first"), year.max().alias("last")).row(0)
    if first is None:
        return people.head(0)
    children = pl.col("date_of_birth").dt.year().is_between(first - 1, last + 1)
    if has_role:
        children = children & (pl.col("role").cast(pl.String) == "child")
    if not with_carers:
        return people.filter(children)
    households = people.filter(children).select("household_id").unique()
    return people.join(households, on="household_id", how="semi", maintain_order="left")


def _check(tables: Mapping, source: str, thresholds: tuple[float, float]) -> None:
    if source not in LINK_SOURCES:
        raise UsageError(
            f"link_probabilistic: source must be one of {', '.join(LINK_SOURCES)}; got {source!r}"
        )
    for name in ("people", source):
        if name not in tables:
            raise UsageError(f"link_probabilistic needs the {name} table; it was not given")
    linked, clerical = thresholds
    if not 0.0 < clerical <= linked <= 1.0:
        raise UsageError(
            "thresholds must be (linked, clerical_review) with 0 < clerical_review <= linked "
            f"<= 1; got {thresholds!r}: give e.g. (0.95, 0.5)"
        )
    needed = {
        "people": TABLES["people"].required_columns(),
        source: ("record_id", "child_forename", "child_surname", "child_date_of_birth")
        + (("term_start",) if source == "funded_places" else ()),
    }
    for name, columns in needed.items():
        schema = tables[name].collect_schema()
        missing = [c for c in columns if c not in schema]
        if missing:
            raise UsageError(
                f"link_probabilistic: table '{name}' lacks column(s) {', '.join(missing)}; "
                f"expected the canonical columns as workbench.data.reading loads them "
                f"(has: {', '.join(schema.names())})"
            )


def _prior_settings(source: str, prior: float, model: LinkageModel | None) -> dict[str, Any]:
    if model is None:
        creator = linkage_settings(source, probability_two_random_records_match=prior)
        return cast(dict[str, Any], creator.get_settings("duckdb").as_dict())
    return model.splink_settings(source, prior)


_API = TypeVar("_API", bound=DuckDBAPI)


@overload
def _duckdb() -> DuckDBAPI: ...
@overload
def _duckdb(api: type[_API]) -> _API: ...
def _duckdb(api: type[DuckDBAPI] = DuckDBAPI) -> DuckDBAPI:
    """Splink's DuckDB, without DuckDB's progress bar: in a notebook a query over two seconds
    would show it as a widget, and a report's HTML would then carry the widget's script."""
    db_api = api()
    db_api.duckdb_con.execute("SET enable_progress_bar = false")
    return db_api


# The tables of EM's pairs and their comparison vectors: whole numbers of agreements, the same
# in any order, so computed on every thread.
_EM_PAIR_TABLES = ("__splink__blocked_id_pairs", "__splink__df_comparison_vectors")
_EM_PATTERNS = "__splink__agreement_pattern_counts"


class _TrainingDuckDB(DuckDBAPI):
    """Splink's DuckDB for training, deterministic to the last bit with EM's pairs compared on
    every thread.

    EM's iterations sum match probabilities, and floating-point sums taken in another order
    can differ in the last bits (and with them every weight). Once `em` is set, the queries
    run on one thread, except those making the pairs and their comparison vectors (whole
    numbers, the same in any order: most of EM's time); and the agreement patterns the
    iterations sum over, counted from the vectors in whatever order threads leave them, are
    stored sorted. (A Splink that stopped calling this hook would run EM on one thread
    throughout, as `em` starts it: slower, never different.)"""

    em = False  # set by `start_em`, with `threads`: the connection's own count, for the pairs
    threads = 1

    def _setup_for_execute_sql(self, sql: str, physical_name: str) -> str:
        if self.em:
            pairs = physical_name.startswith(_EM_PAIR_TABLES)
            self.duckdb_con.execute(f"SET threads TO {self.threads if pairs else 1}")
            if physical_name.startswith(_EM_PATTERNS):
                sql = f"SELECT * FROM ({sql}) ORDER BY ALL"
        return super()._setup_for_execute_sql(sql, physical_name)

    def start_em(self) -> None:
        """From now on EM's rules: one thread but for its pairs (see the class)."""
        self.threads = self.duckdb_con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        self.duckdb_con.execute("SET threads TO 1")
        self.em = True


def _trained_settings(
    records: pl.DataFrame,
    candidates: pl.DataFrame,
    n_children: int,
    source: str,
    seed: int,
    model: LinkageModel | None,
) -> dict[str, Any]:
    """The Splink settings trained on every row of the source (not only those the exact pass
    left): u by seeded random sampling, m by expectation maximisation over the pairs of
    `EM_TRAINING_RULES` of a seeded sample of at most `EM_MAX_ROWS` rows, pulled towards the
    priors (`pulled_to_prior`) as far as that sample's size warrants. With too few rows
    (`MIN_ROWS_FOR_M`, `MIN_PAIRS_FOR_U`) the priors stand. The settings' prior, that a row
    and a child drawn at random are one child, is one in `n_children`."""
    prior = min(max(1.0 / n_children, _PROBABILITY_FLOOR), 0.5)
    start = _prior_settings(source, prior, model)
    estimate_u = model is None or model.estimate_u
    estimate_m = model is None or model.estimate_m
    learning = (
        records.sample(EM_MAX_ROWS, seed=seed)
        if EM_MAX_ROWS and records.height > EM_MAX_ROWS
        else records
    )
    rows = min(learning.height, n_children)
    train_u = estimate_u and records.height * n_children >= MIN_PAIRS_FOR_U
    train_m = estimate_m and rows >= MIN_ROWS_FOR_M
    if not (train_u or train_m):
        return start
    # Deterministic, so kept by what decides it (`workbench.linkage.trained`): linking the
    # same folder again reads the model instead of training it.
    decided_by = {
        "start": start,
        "seed": seed,
        "n_children": n_children,
        "train_u": train_u,
        "train_m": train_m,
        "em_max_rows": EM_MAX_ROWS,
        "em_rules": [list(rule) for rule in EM_TRAINING_RULES],
        "u_pairs": _MAX_U_PAIRS,
        "u_chunks": _U_CHUNKS,
    }
    return remembered(
        source,
        [records, candidates],
        decided_by,
        lambda: _train(records, candidates, learning, start, prior, rows, train_u, train_m, seed),
        fits=_are_settings,
    )


def _are_settings(kept: dict[str, Any]) -> bool:
    """Whether a kept model has the shape Splink's settings take: comparisons, each a list of
    comparison levels (what a trained model always has)."""
    comparisons = kept.get("comparisons")
    return (
        isinstance(comparisons, list)
        and bool(comparisons)
        and all(
            isinstance(c, dict) and isinstance(c.get("comparison_levels"), list)
            for c in comparisons
        )
    )


def _em_rule(columns: tuple[str, ...]) -> str:
    """The SQL of an EM training rule: the columns agree, and the left row is the source's and
    the right a candidate child. (Splink's EM pairs a link-only model's two tables by joining
    their concatenation with itself and only then dropping the pairs within one table; on
    the candidate side alone that is every two children born the same day, tens of millions
    at 1M households. Naming each side lets DuckDB join the source's rows to the candidates
    only. The pairs are the same: Splink keeps a link-only pair with its source-ordered left
    side, and "list_records" sorts before "people_index".)"""
    agree = " and ".join(f'l."{column}" = r."{column}"' for column in columns)
    return f"{agree} and l.source_dataset = '{_RECORDS}' and r.source_dataset = '{_PEOPLE}'"


def _train(
    records: pl.DataFrame,
    candidates: pl.DataFrame,
    learning: pl.DataFrame,
    start: dict[str, Any],
    prior: float,
    rows: int,
    train_u: bool,
    train_m: bool,
    seed: int,
) -> dict[str, Any]:
    """`_trained_settings`'s training itself, in Splink."""
    db_api = _duckdb(_TrainingDuckDB)
    people = db_api.register(candidates.to_arrow(), table_name=_PEOPLE)
    every_row = db_api.register(records.to_arrow(), table_name=_RECORDS)
    sampled = (
        every_row
        if learning is records
        else db_api.register(
            learning.to_arrow(), table_name=f"{_RECORDS}_sample", dataset_display_name=_RECORDS
        )
    )

    def linker_for(settings: dict[str, Any], rows: Any) -> Linker:
        return _linker([rows, people], settings)

    linker = linker_for(start, every_row)
    if train_u:
        linker.training.estimate_u_using_random_sampling(
            max_pairs=_MAX_U_PAIRS, seed=seed, num_chunks=_U_CHUNKS
        )
    if sampled is not every_row:
        linker = linker_for(linker.misc.save_model_to_json(), sampled)
    # EM's sums on one thread, over its agreement patterns in a fixed order (`_TrainingDuckDB`):
    # a sum split among threads adds in whatever order they finish. (u's counts are whole
    # numbers, exact in any order.)
    db_api.start_em()
    trained_m = False
    for rule in EM_TRAINING_RULES if train_m else ():
        before = linker.misc.save_model_to_json()
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                _em_rule(rule), estimate_without_term_frequencies=True
            )
            trained_m = True
        except EMTrainingException:
            # No pair of the data agrees on this rule: nothing to learn from it. Splink has
            # already cleared the levels it meant to train, so the model before it is kept.
            linker = linker_for(before, sampled)
    trained = linker.misc.save_model_to_json()
    db_api.duckdb_con.close()
    trained.pop("linker_uid", None)  # a random name Splink gives each linker
    trained["probability_two_random_records_match"] = prior
    return pulled_to_prior(trained, start, rows) if trained_m else trained


def _score(
    records: pl.DataFrame,
    candidates: pl.DataFrame,
    settings: dict[str, Any],
    kept: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """Splink's scored pairs under `settings`: record uid, candidate uid, weight,
    probability, contributions and the address and parent levels reached (`_oriented`).

    The rows are scored in chunks of about `PAIRS_PER_CHUNK` pairs (`_chunks`), each passed
    through `kept` (default: every pair kept) before the next is scored: the pairs grow as
    the rows times the children born on their birthdays, so at five million households the
    pairs of every row at once took 18 GB. A chunk is scored against the children its rows
    can be blocked with (`_reachable`), reading the term frequencies of the whole input
    (Splink's own tables, made once), so every pair scores as it would in one piece."""
    db_api = _duckdb()
    whole = [
        db_api.register(records.to_arrow(), table_name=_RECORDS),
        db_api.register(candidates.to_arrow(), table_name=_PEOPLE),
    ]
    chunks = _chunks(records, candidates)
    if len(chunks) == 1:
        scored = [_predicted(db_api, _linker(whole, settings), settings, kept)]
    else:
        linker = _linker(whole, settings)
        # (Splink keeps them for the connection, where each chunk's linker would find them
        # anyway; registered, each is named as the one to read.)
        frequencies = {
            column: linker.table_management.compute_tf_table(column)
            for column in _frequency_columns(settings)
        }
        rules = _blocking_keys(settings)
        scored = []
        for number, chunk in enumerate(chunks):
            reachable = candidates if rules is None else _reachable(candidates, chunk, rules)
            inputs = [
                db_api.register(
                    chunk.to_arrow(),
                    table_name=f"{_RECORDS}_{number}",
                    dataset_display_name=_RECORDS,
                ),
                db_api.register(
                    reachable.to_arrow(),
                    table_name=f"{_PEOPLE}_{number}",
                    dataset_display_name=_PEOPLE,
                ),
            ]
            linker = _linker(inputs, settings)
            for column, table in frequencies.items():
                linker.table_management.register_term_frequency_lookup(table, column)
            scored.append(_predicted(db_api, linker, settings, kept))
            for table in inputs:
                table.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
    db_api.duckdb_con.close()
    return pl.concat(scored)


def _predicted(
    db_api: DuckDBAPI,
    linker: Linker,
    settings: dict[str, Any],
    kept: Callable[[pl.DataFrame], pl.DataFrame] | None,
) -> pl.DataFrame:
    """The linker's scored pairs (`_oriented`), passed through `kept`."""
    predictions = linker.inference.predict()
    # Only what is read back, each pair oriented row -> child: Splink's output also carries
    # both sides' dataset names, term frequencies and blocking keys, which at a million
    # households (five million pairs over every term) cost gigabytes to copy out.
    record = f"source_dataset_l = '{_RECORDS}'"
    pairs = pl.DataFrame(
        db_api.duckdb_con.sql(
            f"SELECT CASE WHEN {record} THEN unique_id_l ELSE unique_id_r END AS record_uid,"
            f" CASE WHEN {record} THEN unique_id_r ELSE unique_id_l END AS person_uid,"
            f" match_weight, match_probability, COLUMNS('^mw_') FROM {predictions.physical_name}"
        ).to_arrow_table()
    )
    predictions.drop_table_from_database_and_remove_from_cache()
    oriented = _oriented(pairs, settings)
    return oriented if kept is None else kept(oriented)


# About how many pairs Splink scores at once (`_chunks`): each million takes about 0.7 GB while
# DuckDB scores it. A council's rows left by the exact pass are one chunk or two (1.4 million
# pairs for the funded places of the synthetic 1M-household council); 5M households' are 45.
# (At 2M households, chunks of 2 million pairs peaked at 4.5 GB, of 1 million at 2.9 GB, of
# half a million at 2.7 GB, taking 12.8, 13.1 and 14.2 s.)
PAIRS_PER_CHUNK = 1_000_000


def _chunks(records: pl.DataFrame, candidates: pl.DataFrame) -> list[pl.DataFrame]:
    """`records` in chunks of about `PAIRS_PER_CHUNK` pairs, each row's pairs estimated by the
    children who share its birthday (`dob_unordered`, the blocking rule that makes nearly all
    of them); a row is never split. In order of birthday, so that each chunk's rows can be
    blocked with few of the children (`_reachable`). (The rows' order changes nothing: the
    pairs are ordered by weight, row number and child.)"""
    born = candidates.group_by("dob_unordered").len("_pairs").drop_nulls("dob_unordered")
    estimate = (
        records.select("dob_unordered")
        .join(born, on="dob_unordered", how="left", maintain_order="left")["_pairs"]
        .fill_null(0)
    )
    if records.is_empty() or int(estimate.sum()) + records.height <= PAIRS_PER_CHUNK:
        return [records]
    ordered = records.with_columns(estimate.alias("_pairs") + 1).sort(
        "dob_unordered", _UID, nulls_last=True
    )
    chunk = (pl.col("_pairs").cum_sum() - 1) // PAIRS_PER_CHUNK
    return (
        ordered.with_columns(chunk.alias("_chunk"))
        .drop("_pairs")
        .partition_by("_chunk", maintain_order=True, include_key=False)
    )


_AGREES = re.compile(r'^\(?\s*l\."(\w+)"\s*=\s*r\."(\w+)"\s*\)?$')


def _blocking_keys(settings: dict[str, Any]) -> list[list[str]] | None:
    """Each blocking rule's columns when every rule is columns agreeing (``l."x" = r."x"``,
    joined by AND); None when one is anything else (then a chunk is scored against every
    child)."""
    keys = []
    for rule in settings["blocking_rules_to_generate_predictions"]:
        text = rule["blocking_rule"] if isinstance(rule, dict) else str(rule)
        columns = []
        for part in re.split(r"\s+AND\s+", text.strip(), flags=re.IGNORECASE):
            agrees = _AGREES.match(part.strip())
            if agrees is None or agrees.group(1) != agrees.group(2):
                return None
            columns.append(agrees.group(1))
        keys.append(columns)
    return keys


def _reachable(
    candidates: pl.DataFrame, records: pl.DataFrame, rules: list[list[str]]
) -> pl.DataFrame:
    """The candidates some blocking rule pairs with one of `records` (agreeing on each of its
    columns, none null), in their own order."""
    reached = pl.concat(
        [
            candidates.join(
                records.select(columns).drop_nulls().unique(), on=columns, how="semi"
            ).select(_UID)
            for columns in rules
        ]
    )
    return candidates.filter(pl.col(_UID).is_in(reached[_UID].implode()))


def _frequency_columns(settings: dict[str, Any]) -> list[str]:
    """The columns whose term frequencies adjust a level's weight, in the settings' order."""
    columns = [
        level["tf_adjustment_column"]
        for comparison in settings["comparisons"]
        for level in comparison["comparison_levels"]
        if level.get("tf_adjustment_column")
    ]
    return list(dict.fromkeys(columns))


def _linker(inputs: list[Any], settings: dict[str, Any]) -> Linker:
    """Splink's linker of `inputs` under a copy of `settings` (training changes its own)."""
    creator = SettingsCreator.from_path_or_dict(copy.deepcopy(settings))
    return Linker(inputs, creator, log_level=None, validate_settings=False)


def _level_labels(settings: dict[str, Any], name: str) -> dict[float, str]:
    """The match weight of each level of comparison `name` (log2 of m / u, rounded) -> the
    level's label: how a scored pair's level is read back, since Splink's output keeps each
    comparison's weight but not its level. Levels of equal weight share the first label."""
    for comparison in settings["comparisons"]:
        if comparison["output_column_name"] != name:
            continue
        labels: dict[float, str] = {}
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            if level.get("is_null_level") or not m or not u:
                continue
            labels.setdefault(round(math.log2(m / u), _WEIGHT_DIGITS), level["label_for_charts"])
        return labels
    return {}


def _oriented(pairs: pl.DataFrame, settings: dict[str, Any]) -> pl.DataFrame:
    """Splink's scored pairs (`record_uid`, `person_uid`, the weights and each comparison's
    parts) as the links read them: each comparison's weight in bits (`contributions`) and the
    levels the module's cap reads."""
    levels = {
        f"_{name}_level": (
            pl.col(f"mw_{name}")
            .round(_WEIGHT_DIGITS)
            .replace_strict(labels, default=None, return_dtype=pl.String)
            if f"mw_{name}" in pairs.columns
            else pl.lit(None, pl.String)
        )
        for name in _CAP_COMPARISONS
        for labels in [_level_labels(settings, name)]
    }
    # Splink names each comparison's weight mw_<name>, and its term-frequency part
    # mw_tf_adj_<name>; their sum is what the comparison adds to the match weight.
    weights = [
        (
            pl.col(f"mw_{c}")
            + (
                pl.col(f"mw_tf_adj_{c}").fill_null(0.0)
                if f"mw_tf_adj_{c}" in pairs.columns
                else 0.0
            )
        )
        .round(3)
        .alias(c)
        for c in _COMPARISONS
        if f"mw_{c}" in pairs.columns
    ]
    return pairs.select(
        "record_uid",
        "person_uid",
        "match_weight",
        "match_probability",
        # Encoded as JSON only for the pairs kept (`_best_pairs`): most pairs scored are not.
        pl.struct(weights).alias("contributions"),
        **levels,
    )


def _best_pairs(
    scored: pl.DataFrame,
    records: pl.DataFrame,
    candidates: pl.DataFrame,
    exclude: pl.DataFrame | None,
    source: str,
    *,
    kept_from: float | None = None,
) -> pl.DataFrame:
    """One pair per (row, child) whose child `exclude` does not hold (`_excluded`): the best
    carer's, with the row's number and term, numbered by `_order` (best first).

    With `kept_from`, only the pairs a link can come from: those of that probability or more,
    and each row's best (a row left unlinked shows its best pair). Their order is the order
    they have among all the pairs, so the links are the same; sorting the rest, most of the
    pairs scored, is what is saved."""
    pairs = _open_pairs(scored, records, candidates, exclude, source)
    if kept_from is not None:
        pairs = pairs.filter(
            (pl.col("match_probability") >= kept_from)
            | (pl.col("match_weight") == pl.col("match_weight").max().over(_ROW))
        )
    contributions = pl.col("contributions")
    if isinstance(pairs.schema["contributions"], pl.Struct):
        contributions = contributions.struct.json_encode()
    return (
        pairs.sort("match_weight", _ROW, "person_uid", descending=[True, False, False])
        .unique([_ROW, "person_id"], keep="first", maintain_order=True)
        .drop("record_uid", "person_uid")
        .with_columns(contributions)
        .with_row_index("_order")
    )


def _open_pairs(
    scored: pl.DataFrame,
    records: pl.DataFrame,
    candidates: pl.DataFrame,
    exclude: pl.DataFrame | None,
    source: str,
) -> pl.DataFrame:
    """The scored pairs with the row's number and term and the child's person id, but those
    whose child `exclude` holds (`_excluded`)."""
    return (
        scored.join(
            records.select(pl.col(_UID).alias("record_uid"), _ROW, "term_start"), on="record_uid"
        )
        .join(candidates.select(pl.col(_UID).alias("person_uid"), "person_id"), on="person_uid")
        .pipe(_excluded, exclude, source)
    )


def _linkable_pairs(
    records: pl.DataFrame,
    candidates: pl.DataFrame,
    exclude: pl.DataFrame | None,
    source: str,
    clerical: float,
    *,
    every_child: bool = False,
) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """What `_score` keeps of each chunk: the pairs a link can come from, those of `clerical`
    probability or more (a first or further place), and each row's best pair whose child is
    still open (a row left unlinked shows it); with `every_child`, each open child's best pair
    for the row instead (its best carer's: the pairs `_best_pairs` gives for calibration).
    `_best_pairs` then finds in them exactly what it would find in every pair: the rest are
    most of the pairs scored (a child's other carers, the children already linked), and at
    England's size would not fit in memory."""

    def kept(scored: pl.DataFrame) -> pl.DataFrame:
        weight = pl.col("match_weight")
        open_pairs = _open_pairs(scored, records, candidates, exclude, source)
        best = (
            # As `_best_pairs` orders them: the highest weight, then the first child's uid.
            open_pairs.sort(
                "match_weight", _ROW, "person_uid", descending=[True, False, False]
            ).unique([_ROW, "person_id"], keep="first", maintain_order=True)
            if every_child
            else open_pairs.filter(weight == weight.max().over(_ROW))
        ).select("record_uid", "person_uid", pl.lit(True).alias("_best"))
        return (
            scored.join(best, on=["record_uid", "person_uid"], how="left", maintain_order="left")
            .filter((pl.col("match_probability") >= clerical) | pl.col("_best").fill_null(False))
            .drop("_best")
        )

    return kept


def _one_to_one(pairs: pl.DataFrame, child_key: list[str]) -> pl.DataFrame:
    """Greedy one-to-one by probability: a pair is taken when it is the best of its row and
    of its child (`child_key`) among the pairs still open; repeat until none is left. With
    ties broken by `_order` this takes exactly the pairs a one-by-one greedy pass would."""
    taken = []
    open_pairs = pairs
    while open_pairs.height:
        mutual = open_pairs.filter(
            (pl.col("_order") == pl.col("_order").min().over(_ROW))
            & (pl.col("_order") == pl.col("_order").min().over(child_key))
        )
        taken.append(mutual)
        open_pairs = open_pairs.join(mutual.select(_ROW), on=_ROW, how="anti").join(
            mutual.select(child_key), on=child_key, how="anti", nulls_equal=True
        )
    return pl.concat(taken) if taken else pairs.head(0)


def _further_places(
    scored: pl.DataFrame,
    records: pl.DataFrame,
    candidates: pl.DataFrame,
    exclude: pl.DataFrame | None,
    assigned: pl.DataFrame,
    clerical: float,
) -> pl.DataFrame:
    """The funded-place pairs that give a child a further place in a term, much as the exact
    pass would (`workbench.linkage.exact`): a row left unassigned, at the child's own postcode
    and with the child's date of birth (or it with day and month swapped), for a child who
    holds a place that term (linked exactly, in `exclude` with its provider and stream, or
    `assigned`), of another provider or stream than any place the child holds; greedily
    one-to-one per row and per (child, place). Only the names may carry slips. Any other row
    is never taken for a second place: it may be another child's, its names mistyped into this
    child's, or a namesake's at the same address (common names, born weeks apart)."""
    place = ["person_id", *PLACE_KEY]
    rows = records.select(
        _ROW,
        *PLACE_KEY,
        pl.col("postcode").alias("_row_postcode"),
        pl.col("dob").alias("_row_dob"),
        pl.col("dob_swapped").alias("_row_dob_swapped"),
    )
    held = assigned.select(_ROW, "person_id").join(rows.select(_ROW, *PLACE_KEY), on=_ROW)
    if exclude is not None and set(place) <= set(exclude.columns):
        held = pl.concat([held.select(place), exclude.select(place)])
    held = held.select(place).filter(pl.all_horizontal(pl.col(place).is_not_null()))
    if held.is_empty():
        return assigned.head(0)
    children = candidates.select(
        "person_id", pl.col("postcode").alias("_child_postcode"), pl.col("dob").alias("_child_dob")
    )
    open_pairs = (
        _best_pairs(
            scored.filter(pl.col("match_probability") >= clerical),
            records,
            candidates,
            None,
            "funded_places",
        )
        .join(assigned.select(_ROW), on=_ROW, how="anti")
        .join(rows.drop("term_start"), on=_ROW)
        .join(children.unique("person_id"), on="person_id")
        .filter(
            (pl.col("_row_postcode") == pl.col("_child_postcode"))
            & (
                (pl.col("_child_dob") == pl.col("_row_dob"))
                | (pl.col("_child_dob") == pl.col("_row_dob_swapped")).fill_null(False)
            )
        )
        .join(held.select("person_id", "term_start").unique(), on=["person_id", "term_start"])
        .join(held, on=place, how="anti")
    )
    return _one_to_one(open_pairs, place).select(assigned.columns)


def _excluded(pairs: pl.DataFrame, exclude: pl.DataFrame | None, source: str) -> pl.DataFrame:
    """Pairs whose child the exclusion already holds (for funded places, in that term when
    `exclude` has `term_start`)."""
    if exclude is None or exclude.is_empty():
        return pairs
    keys = ["person_id"]
    if source == "funded_places" and "term_start" in exclude.columns:
        keys.append("term_start")
    return pairs.join(exclude.select(keys).unique(), on=keys, how="anti", nulls_equal=True)


def _namesakes(forename: pl.Expr, surname: pl.Expr, dob: pl.Expr) -> list[pl.Expr]:
    """For each candidate child (one row each): `_namesakes`, how many other children of the
    same forename and surname one would expect among the candidates by their own name
    frequencies (n * share(forename) * share(surname)), and `_namesakes_that_day`, how many
    of them born on the child's birthday (divided by the days in the candidates' birth
    range). Both infinite (always common) when the candidates number fewer than
    `MIN_CHILDREN_FOR_NAMES`: too few to say a name is rare."""
    n = pl.len()
    days = pl.max_horizontal((dob.max() - dob.min()).dt.total_days() + 1, 1)
    expected = (n * (pl.len().over(forename) / n) * (pl.len().over(surname) / n)).cast(pl.Float64)
    enough = n >= MIN_CHILDREN_FOR_NAMES
    return [
        pl.when(enough).then(expected).otherwise(float("inf")).alias("_namesakes"),
        pl.when(enough).then(expected / days).otherwise(float("inf")).alias("_namesakes_that_day"),
    ]


def _capped(
    assigned: pl.DataFrame, records: pl.DataFrame, candidates: pl.DataFrame, source: str
) -> pl.DataFrame:
    """`assigned` with `_capped`: true for a pair that may not be `linked` whatever its
    probability, and `_held`: why, in words (null when not capped).

    For either source, a pair is capped when

    - the row's forename is plainly another than the child's (the forename comparison's
      level "all other", and `workbench.linkage.exact.forenames_differ_wholly`, which also
      forgives the names swapped with a slip: not a slip, a nickname or the names swapped),
      whatever else
      agrees, the parent's NINO too: Zara on the list for Yusuf in the council's records,
      same parent, address and birthday, is a brother or sister, or a twin the council
      does not hold, as likely as the child under another name.

    For the DWP list, unless the row's parent NINO (normalised) is a carer's of the child's
    household, a pair is capped too when

    - the child does not live at the row's address (neither the postcode nor the first
      address line, exactly or but for a slip, agrees) and either the row names another
      parent (the parent comparison found at most the same surname among the household's
      carers) or the child's names are common enough here that another child of those
      names is plausible (`_namesakes`: born that day when the dates of birth agree, born
      any day of the candidates' range when they do not): in a town with common names, a
      same-named child elsewhere may be another family's; or
    - the child's date of birth is not the row's (nor it with day and month swapped) and
      either the row names another parent or the forenames are no more than similar: a
      same-named child at the address born a few days apart with another parent may be a
      cousin, and one of another forename and birthday in the family a brother or sister.
      (With the parent's NINO agreeing, the acceptance councils show such pairs are the
      child with two errors far more often than a sibling.)

    For funded places, a pair is capped too when the row's postcode is not the child's (both
    given) and the child's names are common here (`_namesakes`, as above): a child from a
    neighbouring council at a local provider, or a namesake across town, is as likely as the
    council's child, and a wrong link would read as a place the council's child already has.

    The postcode and dates are read from the pair's data, the forename, address and parent
    levels from the comparisons Splink made; a missing value is no agreement.
    """
    children = (
        candidates.group_by("person_id")
        .agg(
            pl.col("dob").first().alias("_child_dob"),
            pl.col("postcode").first().alias("_child_postcode"),
            pl.col("parent_nino").drop_nulls().alias("_carer_ninos"),
            pl.col("forename").first().alias("_child_forename"),
            pl.col("surname").first().alias("_child_surname"),
        )
        .with_columns(
            _namesakes(pl.col("_child_forename"), pl.col("_child_surname"), pl.col("_child_dob"))
        )
    )
    rows = records.select(
        _ROW,
        pl.col("forename").alias("_row_forename"),
        pl.col("surname").alias("_row_surname"),
        pl.col("dob").alias("_row_dob"),
        pl.col("dob_swapped").alias("_row_dob_swapped"),
        pl.col("postcode").alias("_row_postcode"),
        pl.col("parent_nino").alias("_row_nino"),
    )
    child_dob = pl.col("_child_dob")
    same_dob = (pl.col("_row_dob") == child_dob) | (pl.col("_row_dob_swapped") == child_dob)
    same_postcode = (pl.col("_row_postcode") == pl.col("_child_postcode")).fill_null(False)
    same_address = same_postcode | pl.col("_address_level").is_in(_SAME_ADDRESS_LEVELS).fill_null(
        False
    )
    same_nino = pl.col("_carer_ninos").list.contains(pl.col("_row_nino")).fill_null(False)
    other_parent = pl.col("_parent_level").is_in(_OTHER_PARENT_LEVELS).fill_null(False)
    other_forename = pl.col("_forename_level").is_in(_OTHER_FORENAME_LEVELS).fill_null(False)
    unlike_forename = pl.col("_unlike_forename")
    # With the same date of birth the chance of a namesake is one born that day; without it,
    # the pair rests on the names alone, and any namesake in the birth range will do.
    namesakes = (
        pl.when(same_dob.fill_null(False)).then("_namesakes_that_day").otherwise("_namesakes")
    )
    common = namesakes >= NAMESAKE_RISK
    other_day = ~same_dob.fill_null(False)
    if source == "dwp_list":
        elsewhere = ~same_address & (common | other_parent) & ~same_nino
        day_off = other_day & (other_parent | other_forename) & ~same_nino
        reasons = [
            (unlike_forename, _HELD_UNLIKE_FORENAME),
            (elsewhere & other_parent, _HELD_ELSEWHERE_OTHER_PARENT),
            (elsewhere & ~other_parent, _HELD_ELSEWHERE_COMMON),
            (day_off & other_parent, _HELD_DAY_OFF_OTHER_PARENT),
            (day_off & ~other_parent, _HELD_DAY_OFF_OTHER_FORENAME),
        ]
    else:
        reasons = [
            (unlike_forename, _HELD_UNLIKE_FORENAME),
            # Both postcodes given and different: a missing one is no evidence either way.
            (
                (pl.col("_row_postcode") != pl.col("_child_postcode")).fill_null(False) & common,
                _HELD_PLACE_ELSEWHERE_COMMON,
            ),
        ]
    held = pl.concat_str(
        [pl.when(rule).then(pl.lit(words)) for rule, words in reasons],
        separator="; ",
        ignore_nulls=True,
    )
    paired = assigned.join(rows, on=_ROW, how="left").join(children, on="person_id", how="left")
    return (
        paired.join(_unlike_forenames(paired), on=_ROW, how="left")
        .with_columns(pl.col("_unlike_forename").fill_null(False))
        .with_columns(pl.when(held != "").then(held).alias("_held"))
        .with_columns(pl.col("_held").is_not_null().alias("_capped"))
        .drop(
            "_unlike_forename",
            "_row_forename",
            "_row_surname",
            "_child_forename",
            "_child_surname",
            "_row_dob",
            "_row_dob_swapped",
            "_row_postcode",
            "_row_nino",
            "_child_dob",
            "_child_postcode",
            "_carer_ninos",
            "_namesakes",
            "_namesakes_that_day",
        )
    )


def _unlike_forenames(paired: pl.DataFrame) -> pl.DataFrame:
    """Of the assigned pairs whose forename comparison reached "all other" (few), whether their
    forenames are plainly different (`forenames_differ_wholly`): `_row`, `_unlike_forename`.
    Only these few are compared in Python."""
    names = ("_row_forename", "_child_forename", "_row_surname", "_child_surname")
    other = paired.filter(pl.col("_forename_level") == _UNLIKE_FORENAME_LEVEL).select(_ROW, *names)
    unlike = [forenames_differ_wholly(*row[1:]) for row in other.iter_rows()]
    return other.select(_ROW, pl.Series("_unlike_forename", unlike, dtype=pl.Boolean))


def _council_records(ids: pl.Expr) -> pl.Expr:
    """A list of person ids as the hold reason names them: "council record P2" or "council
    records P2, P3"."""
    many = ids.list.len() > 1
    return pl.concat_str(
        pl.when(many).then(pl.lit("council records ")).otherwise(pl.lit("council record ")),
        ids.list.sort().list.join(", "),
    )


def _tied(
    assigned: pl.DataFrame,
    pairs: pl.DataFrame,
    records: pl.DataFrame,
    candidates: pl.DataFrame,
    child_key: list[str],
    clerical: float,
) -> pl.DataFrame:
    """`assigned` with `_capped` true, too (and `_held` saying why), for a pair whose row
    does not tell the child from another child linked to no other row (`child_key`):

    - the other child scores exactly as high: twins the row cannot tell apart (born the same
      day, in the same household, the row's forename like neither): the pair would rest on
      which twin's id sorts first;
    - the other child is a twin of the chosen one (the same date of birth and household),
      scores at least the clerical threshold, the row's forename agrees with the chosen
      child's neither exactly nor as a nickname, and it is like the twin's too (at some level
      of the forename comparison but "all other", or within `_TWIN_EDITS` letters' change):
      "Ila" for twins Isla and Ella leans to Isla by a letter only, and a slip in one twin's
      name may as well be a slip in the other's. (A forename that agrees exactly, Olivia for
      twins Olivia and Amelia, names the child; Emm for twins Emma and Samantha is Emma.)

    A person decides, for funded places too. Twins both on the list are each linked: the
    other twin is taken by the other row.
    """
    chosen = assigned.select(
        _ROW,
        pl.col("person_id").alias("_chosen"),
        pl.col("match_weight").alias("_weight"),
        pl.col("_forename_level").alias("_chosen_forename_level"),
    )
    family = candidates.select("person_id", "household_id", "dob").unique("person_id")
    names = candidates.select("person_id", pl.col("forename").alias("_twin_forename")).unique(
        "person_id"
    )
    rivals = (
        pairs.join(chosen, on=_ROW)
        .join(records.select(_ROW, pl.col("forename").alias("_row_forename")), on=_ROW)
        .join(names, on="person_id", how="left")
        .filter(pl.col("person_id") != pl.col("_chosen"))
        .join(assigned.select(child_key), on=child_key, how="anti", nulls_equal=True)
        .join(family, on="person_id", how="left")
        .join(
            family.rename({"person_id": "_chosen", "household_id": "_home", "dob": "_born"}),
            on="_chosen",
            how="left",
        )
    )
    twin = (
        (pl.col("household_id") == pl.col("_home")) & (pl.col("dob") == pl.col("_born"))
    ).fill_null(False)
    tied = pl.col("match_weight") == pl.col("_weight")
    # The row's forename like the twin's: at some level but "all other", or within two
    # letters' change (Ila for Ella; Emm is Emma's and nothing like Samantha's): only the few
    # twins at "all other" are compared in Python.
    rivals = rivals.with_columns(
        (
            twin
            & (pl.col("match_probability") >= clerical)
            & ~pl.col("_chosen_forename_level").is_in(_NAMING_FORENAME_LEVELS).fill_null(False)
        ).alias("_twin")
    )
    far = rivals.filter(
        pl.col("_twin") & (pl.col("_forename_level") == _UNLIKE_FORENAME_LEVEL).fill_null(False)
    ).select(_ROW, "person_id", "_row_forename", "_twin_forename")
    close = [
        bool(row and other) and name_edits(row, other) <= _TWIN_EDITS
        for row, other in far.select("_row_forename", "_twin_forename").iter_rows()
    ]
    rivals = rivals.join(
        far.select(_ROW, "person_id", pl.Series("_close", close, dtype=pl.Boolean)),
        on=[_ROW, "person_id"],
        how="left",
    )
    like_twin = (pl.col("_forename_level") != _UNLIKE_FORENAME_LEVEL).fill_null(True) | pl.col(
        "_close"
    ).fill_null(False)
    near = pl.col("_twin") & like_twin
    found = (
        rivals.filter(tied | near)
        .group_by(_ROW)
        .agg(
            pl.col("person_id").filter(tied).alias("_tied"),
            pl.col("person_id").filter(~tied).alias("_near"),
        )
    )
    tie_words = pl.when(pl.col("_tied").list.len() > 0).then(
        pl.concat_str(
            _council_records(pl.col("_tied")),
            pl.lit(" scores exactly as high: the row cannot tell the children apart"),
        )
    )
    near_words = pl.when(pl.col("_near").list.len() > 0).then(
        pl.concat_str(
            pl.lit("a twin, "),
            _council_records(pl.col("_near")),
            pl.lit(
                " (the same date of birth and household), also scores at least the review "
                "threshold, and the row's forename is not exactly the chosen child's"
            ),
        )
    )
    held = pl.concat_str(
        [pl.col("_held"), tie_words, near_words], separator="; ", ignore_nulls=True
    )
    return (
        assigned.join(found, on=_ROW, how="left")
        .with_columns(pl.when(held != "").then(held).alias("_held"))
        .with_columns(pl.col("_capped").fill_null(False) | pl.col("_held").is_not_null())
        .drop("_tied", "_near")
    )


def _banded(
    records: pl.DataFrame,
    pairs: pl.DataFrame,
    assigned: pl.DataFrame,
    source: str,
    thresholds: tuple[float, float],
    child_key: list[str],
) -> pl.DataFrame:
    """One row per source row: its assigned pair (`assigned`, with `_capped` and `_held`)
    banded by probability, else its best pair as `not_linked` with no person_id.

    `held_because` says why a `clerical_review` pair is not linked (the caps' `_held`, or a
    probability under the linked threshold), and why a `not_linked` row whose best child
    scored at least the clerical threshold was not given it: another row took that child,
    scoring as high or higher. (Its probability and contributions are that child's.)"""
    linked, clerical = thresholds
    best = pairs.sort("_order").unique(_ROW, keep="first")
    taken = assigned.select(
        *child_key,
        pl.col(_ROW).alias("_winner_row"),
        pl.col("match_probability").alias("_winner_probability"),
    ).join(
        records.select(pl.col(_ROW).alias("_winner_row"), pl.col("record_id").alias("_winner")),
        on="_winner_row",
    )
    fallback = (
        best.join(assigned.select(_ROW), on=_ROW, how="anti")
        .join(taken, on=child_key, how="left", nulls_equal=True)
        .with_columns(
            pl.when(pl.col("_winner").is_not_null() & (pl.col("match_probability") >= clerical))
            .then(
                pl.concat_str(
                    pl.lit("its best match, council record "),
                    pl.col("person_id"),
                    pl.lit(", was taken by row "),
                    pl.col("_winner"),
                    pl.when(pl.col("_winner_probability") > pl.col("match_probability"))
                    .then(pl.lit(", which scored higher"))
                    .otherwise(pl.lit(", which scored as high")),
                    pl.lit(" (the probability and contributions here are this row's with it)"),
                )
            )
            .alias("_held"),
            pl.lit(None, pl.String).alias("person_id"),
        )
    )
    chosen = pl.concat([assigned, fallback], how="diagonal_relaxed").select(
        _ROW,
        "person_id",
        "match_probability",
        "match_weight",
        "contributions",
        "_capped",
        "_held",
    )
    capped = pl.col("_capped").fill_null(False)
    band = (
        pl.when(pl.col("person_id").is_null())
        .then(pl.lit(BAND_NOT_LINKED))
        .when((pl.col("match_probability") >= linked) & ~capped)
        .then(pl.lit(BAND_LINKED))
        .otherwise(pl.lit(BAND_CLERICAL_REVIEW))
    )
    below = pl.concat_str(
        pl.lit("the match probability is below the linked threshold ("),
        pl.lit(_percent_words(linked)),
        pl.lit(")"),
    )
    held = (
        pl.when(pl.col("band") == BAND_LINKED)
        .then(pl.lit(None, pl.String))
        .when((pl.col("band") == BAND_CLERICAL_REVIEW) & ~capped)
        .then(below)
        .otherwise(pl.col("_held"))
    )
    return (
        records.select(_ROW, "record_id")
        .join(chosen, on=_ROW, how="left")
        .sort("record_id", _ROW)
        .with_columns(band.alias("band"))
        .select(
            pl.lit(source).alias("source"),
            "record_id",
            "person_id",
            "band",
            "match_probability",
            "match_weight",
            pl.lit(METHOD_SPLINK).alias("method"),
            "contributions",
            held.alias("held_because"),
        )
        .cast(LINKAGE_RESULT_SCHEMA)
    )


def _percent_words(probability: float) -> str:
    """0.95 -> '95%'."""
    return f"{probability * 100:.4f}".rstrip("0").rstrip(".") + "%"


def _resolved(
    thresholds: tuple[float, float] | None, model: LinkageModel | None
) -> tuple[float, float]:
    """The thresholds given, else the model's, else `DEFAULT_THRESHOLDS`; the model must
    hold DuckDB SQL (a Spark model runs on Spark, not here)."""
    if model is not None and model.sql_dialect != "duckdb":
        raise UsageError(
            f"the linkage model holds {model.sql_dialect} SQL; the workbench runs Splink on "
            "DuckDB: save the model with save_settings(folder, dialect='duckdb')"
        )
    if thresholds is not None:
        return thresholds
    return model.thresholds if model is not None else DEFAULT_THRESHOLDS


def _scored_pairs(pairs: pl.DataFrame, records: pl.DataFrame, source: str) -> pl.DataFrame:
    return (
        pairs.join(records.select(_ROW, "record_id"), on=_ROW)
        .sort("record_id", "match_weight", "person_id", descending=[False, True, False])
        .select(
            pl.lit(source).alias("source"),
            "record_id",
            "person_id",
            "match_probability",
            "match_weight",
            "contributions",
        )
        .cast(SCORED_PAIRS_SCHEMA)
    )


def _prepared(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    source: str,
    training: pl.LazyFrame | None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The rows to link and the rows to train on (`training`, default the same), each with
    the compared fields, and the candidate children (one row per carer for the DWP list)."""
    aliases = nickname_aliases()
    raw = _source_records(tables[source].lazy(), source).collect()
    learn = raw if training is None else _source_records(training, source).collect()
    has_role = "role" in tables["people"].collect_schema()
    # Collected once, and the relevant people before it: the candidates read the index twice
    # (the children, and their carers), and the index reads the relevant people once per
    # normalised column; a lazy plan would compute them again for each reading.
    relevant = _relevant_people(tables["people"].lazy(), learn, source == "dwp_list", has_role)
    people = _index_people(relevant.collect().lazy()).collect()
    candidates = _candidate_children(
        people.lazy(), learn.lazy(), with_carers=source == "dwp_list", has_role=has_role
    )
    records = _features(raw.lazy(), aliases).collect()
    learned = records if training is None else _features(learn.lazy(), aliases).collect()
    # In a fixed order (joins may return their rows in any): training sums over the pairs in
    # the candidates' order, and floating-point sums taken in another order can differ in the
    # last bits, and with them every weight.
    return records, learned, _features(candidates, aliases).collect().sort(_UID)


def trained_settings(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    *,
    source: str,
    seed: int = 0,
    model: LinkageModel | None = None,
) -> dict[str, Any]:
    """The Splink settings dictionary `link_probabilistic` scores `source` with: the priors
    (the model's, else `workbench.linkage.settings`) trained on these tables, u by seeded
    random sampling and m by expectation maximisation pulled towards the priors
    (`workbench.linkage.settings.pulled_to_prior`), each only when the data are enough
    (`MIN_PAIRS_FOR_U`, `MIN_ROWS_FOR_M`) and the model allows it. For reading the trained
    m and u, or saving them as a model trained elsewhere (`estimate_u=False`)."""
    _check(tables, source, DEFAULT_THRESHOLDS)
    records, _, candidates = _prepared(tables, source, None)
    n_children = max(candidates["person_id"].n_unique(), 1)
    if records.is_empty() or candidates.is_empty():
        prior = min(max(1.0 / n_children, _PROBABILITY_FLOOR), 0.5)
        return _prior_settings(source, prior, model)
    return _trained_settings(
        records.select(_COLUMNS), candidates.select(_COLUMNS), n_children, source, seed, model
    )


def _link_source(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    source: str,
    exclude: pl.DataFrame | None,
    thresholds: tuple[float, float],
    seed: int,
    model: LinkageModel | None,
    training: pl.LazyFrame | None = None,
    with_pairs: bool = True,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`link_probabilistic`'s links, and every pair it scored (`SCORED_PAIRS_SCHEMA`; with
    `with_pairs` false, none: `assess` needs the links only).

    The model is trained on `training` (the whole source; default: the rows to link) and
    scores the rows of `tables[source]`."""
    _check(tables, source, thresholds)
    records, learned, candidates = _prepared(tables, source, training)
    _, clerical = thresholds
    if records.is_empty() or candidates.is_empty():
        scored = pl.DataFrame(schema=_SCORED_SCHEMA)
    else:
        people_side = candidates.select(_COLUMNS)
        n_children = candidates["person_id"].n_unique()
        settings = _trained_settings(
            learned.select(_COLUMNS), people_side, n_children, source, seed, model
        )
        kept = _linkable_pairs(
            records, candidates, exclude, source, clerical, every_child=with_pairs
        )
        scored = _score(records.select(_COLUMNS), people_side, settings, kept)
    kept_from = None if with_pairs else clerical
    pairs = _best_pairs(scored, records, candidates, exclude, source, kept_from=kept_from)
    child_key = ["person_id", "term_start"] if source == "funded_places" else ["person_id"]
    assigned = _one_to_one(pairs.filter(pl.col("match_probability") >= clerical), child_key)
    if source == "funded_places":
        further = _further_places(scored, records, candidates, exclude, assigned, clerical)
        assigned = pl.concat([assigned, further])
    assigned = _capped(assigned, records, candidates, source)
    assigned = _tied(assigned, pairs, records, candidates, child_key, clerical)
    links = _banded(records, pairs, assigned, source, thresholds, child_key)
    if not with_pairs:
        return links, pl.DataFrame(schema=SCORED_PAIRS_SCHEMA)
    return links, _scored_pairs(pairs, records, source)


def link_probabilistic(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    *,
    source: str,
    exclude: pl.DataFrame | None = None,
    thresholds: tuple[float, float] | None = None,
    seed: int = 0,
    model: LinkageModel | None = None,
) -> pl.DataFrame:
    """Link each row of `source` to at most one child of the person index, with Splink.

    Parameters
    ----------
    tables
        Canonical tables as `workbench.data.reading` loads them: `people` and the `source` table.
    source
        `dwp_list` or `funded_places`.
    exclude
        Children already linked (column `person_id`, and for funded places optionally
        `term_start`): they are not offered again, so the result stays one-to-one. For
        funded places, with `provider_id` and `funding_stream` too (the place each holds),
        a child may still take a further place of that term (`_further_places`).
    thresholds
        `(linked, clerical_review)` probabilities, with 0 < clerical_review <= linked <= 1;
        default: the model's, else `DEFAULT_THRESHOLDS`.
    seed
        Seeds the random sampling that estimates u: the same inputs give the same links.
    model
        A model reloaded by `workbench.linkage.model.load_settings` (DuckDB dialect); default:
        the settings of `workbench.linkage.settings`.

    Returns
    -------
    pl.DataFrame
        One row per source row, columns of `LINKAGE_RESULT_SCHEMA`, sorted by record_id:
        `person_id` (null when `not_linked`), `band`, the pair's `match_probability` and
        `match_weight`, `method` = `splink`, and `contributions`: a JSON object of each
        comparison's match weight in bits. A child has at most one linked or clerical row
        (funded places: per term, provider and funding stream, `PLACE_KEY`, the second and
        later places of a term only from rows at the child's postcode and date of birth). A
        DWP row is at most `clerical_review` when the module's cap holds (another address
        under common names, or another date of birth with another parent, and no parent NINO
        agreeing).

    Raises
    ------
    UsageError
        An unknown source, a missing table or column, thresholds out of order, or a model
        in another SQL dialect.
    """
    resolved = _resolved(thresholds, model)
    return _link_source(tables, source, exclude, resolved, seed, model, with_pairs=False)[0]


def link_all_with_pairs(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    *,
    thresholds: tuple[float, float] | None = None,
    seed: int = 0,
    model: LinkageModel | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`link_all`'s links, and every (row, child) pair Splink scored (`SCORED_PAIRS_SCHEMA`,
    sorted by source, record_id, then match weight, highest first): the comparison vectors
    for calibration and the clerical classifier. Rows the exact pass linked have no pairs."""
    return _linked(tables, thresholds, seed, model, with_pairs=True)


def _linked(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    thresholds: tuple[float, float] | None,
    seed: int,
    model: LinkageModel | None,
    with_pairs: bool,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`link_all_with_pairs`, the pairs only `with_pairs` (none for `link_all`: sorting some
    hundred thousand pairs nobody reads costs a tenth of a second)."""
    resolved = _resolved(thresholds, model)
    lazy = {name: frame.lazy() for name, frame in tables.items()}
    exact = link_exact(lazy).collect()
    # The empty frame first: with no source to link, the result still has every column.
    results = [
        pl.DataFrame(schema=LINKAGE_RESULT_SCHEMA),
        exact.filter(pl.col("band") == BAND_LINKED),
    ]
    scored = [pl.DataFrame(schema=SCORED_PAIRS_SCHEMA)]

    def linked(source: str) -> tuple[pl.DataFrame, pl.DataFrame]:
        done = exact.filter((pl.col("source") == source) & (pl.col("band") == BAND_LINKED))
        rows = lazy[source].with_columns(pl.col("record_id").cast(pl.String))
        exclude = done.select("person_id")
        if source == "funded_places":
            exclude = done.join(
                rows.select("record_id", *PLACE_KEY).collect(), on="record_id"
            ).select("person_id", *PLACE_KEY)
        # In the source's own order: row numbers break ties between equal pairs, so they must
        # not depend on how a join happens to order its output.
        rest = rows.join(
            done.lazy().select("record_id"), on="record_id", how="anti", maintain_order="left"
        )
        # A row repeating an earlier one (a DWP-list row given again, `repeated_list_rows`; a
        # place given twice, `repeated_places`) does not compete with it for a child here
        # either, nor count twice in training: it stays as the exact pass left it, not linked
        # (a list given twice is linked as the list given once).
        repeated = repeated_list_rows if source == "dwp_list" else repeated_places
        repeats = repeated(rows).select("record_id")
        training = rows.join(repeats.lazy(), on="record_id", how="anti", maintain_order="left")
        rest = rest.join(repeats.lazy(), on="record_id", how="anti", maintain_order="left")
        links, pairs = _link_source(
            {**lazy, source: rest},
            source,
            exclude,
            resolved,
            seed,
            model,
            training=training,
            with_pairs=with_pairs,
        )
        left = exact.filter(pl.col("source") == source).join(repeats, on="record_id", how="semi")
        return pl.concat([links, left], how="diagonal_relaxed"), pairs

    # The sources are linked independently of each other (each to the children the exact pass
    # left), so side by side: one's Python and SQL planning overlaps the other's queries.
    sources = [source for source in LINK_SOURCES if source in lazy]
    _sql_made_once()
    with ThreadPoolExecutor(max_workers=max(len(sources), 1)) as pool:
        for links, pairs in pool.map(linked, sources):
            results.append(links)
            scored.append(pairs)
    links = (
        pl.concat(results, how="diagonal_relaxed")
        .select(LINKAGE_RESULT_SCHEMA.names())
        .cast(LINKAGE_RESULT_SCHEMA)
        .sort("source", "record_id", maintain_order=True)
    )
    return links, pl.concat(scored)


@functools.cache
def _sql_made_once() -> None:
    """Make the settings' SQL once in this thread before the sources' threads do: Splink
    writes some levels through sqlglot, which loads a dialect on first use, and once (CI, a
    stats run) a level came out in sqlglot's generic SQL, which DuckDB does not know
    (`TIME_TO_UNIX`), as if a thread had found the DuckDB dialect half loaded. (That level,
    a day apart, is now plain arithmetic: `settings._A_DAY_APART`; the others still pass
    through sqlglot.)"""
    for source in LINK_SOURCES:
        linkage_settings(source, probability_two_random_records_match=0.5).get_settings("duckdb")


def link_all(
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    *,
    thresholds: tuple[float, float] | None = None,
    seed: int = 0,
    model: LinkageModel | None = None,
) -> pl.DataFrame:
    """The exact pass, then Splink on the rows it left `not_linked`, for every source given.

    Returns one row per source row with the columns of `LINKAGE_RESULT_SCHEMA`, sorted by
    source then record_id; exact links keep their method and probability 1.0, with null
    `match_weight` and `contributions`. `thresholds` and `model` as for `link_probabilistic`.
    """
    return _linked(tables, thresholds, seed, model, with_pairs=False)[0]
