"""Name pools for the synthetic council, and the nickname file record linkage shares.

`data/names.csv` lists forenames (female, male) and surnames by origin, most common first;
a name is drawn with weight `1 / rank ** exponent` (rates.yaml `origins.name_zipf`), so common
names repeat as they do in real registers. Names are drawn as integer codes into one pooled
list and turned into text once, by polars, which keeps a million households fast.

`workbench/reference/nicknames.csv` pairs a name with an alias: `kind` is `nickname` (Liz for
Elizabeth, Mo for Mohammed) or `variant` (spellings and transliterations: Mohammed, Muhammad,
Mohamed). A pair holds both ways.

Example
-------
>>> pools = NamePools.load(["british", "polish"], exponent=0.8)
>>> rng = np.random.default_rng(1)
>>> codes = pools.draw(rng, np.array([0, 1]), "surname")
>>> pools.text(codes).to_list()  # doctest: +SKIP
['Smith', 'Nowak']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from workbench.errors import RuleFileError

__all__ = ["DATA_DIR", "KINDS", "NICKNAMES_FILE", "NamePools", "alias_lists", "load_nicknames"]

DATA_DIR = Path(__file__).with_name("data")
NICKNAMES_FILE = Path(__file__).parents[1] / "reference" / "nicknames.csv"
KINDS: tuple[str, ...] = ("female", "male", "surname")


@dataclass(frozen=True)
class NamePools:
    """Every name of every origin in one list, with a cumulative weight table per pool."""

    origins: tuple[str, ...]
    names: pl.Series
    starts: np.ndarray  # [origin, kind] -> first code of the pool
    cdfs: tuple[tuple[np.ndarray, ...], ...]  # [origin][kind] -> cumulative weights

    @classmethod
    def load(cls, origins: Sequence[str], exponent: float) -> NamePools:
        """Read `data/names.csv` for these origins (in this order); each needs all three kinds."""
        table = pl.read_csv(DATA_DIR / "names.csv", infer_schema=False)
        pieces: list[pl.Series] = []
        starts = np.zeros((len(origins), len(KINDS)), dtype=np.int64)
        cdfs: list[tuple[np.ndarray, ...]] = []
        offset = 0
        for o, origin in enumerate(origins):
            per_kind: list[np.ndarray] = []
            for k, kind in enumerate(KINDS):
                pool = table.filter((pl.col("origin") == origin) & (pl.col("kind") == kind))
                if pool.is_empty():
                    raise RuleFileError(
                        DATA_DIR / "names.csv", f"no {kind} names for origin '{origin}'"
                    )
                weights = 1.0 / np.arange(1, pool.height + 1) ** exponent
                per_kind.append(np.cumsum(weights) / weights.sum())
                starts[o, k] = offset
                offset += pool.height
                pieces.append(pool["name"])
            cdfs.append(tuple(per_kind))
        return cls(tuple(origins), pl.concat(pieces).rename("name"), starts, tuple(cdfs))

    def draw(
        self, rng: np.random.Generator, origin: np.ndarray, kind: str | np.ndarray
    ) -> np.ndarray:
        """One name code per row: `origin` holds origin indices, `kind` a kind or one per row."""
        kinds = np.broadcast_to(
            np.asarray([KINDS.index(kind)]) if isinstance(kind, str) else _kind_codes(kind),
            origin.shape,
        )
        u = rng.random(len(origin))
        codes = np.empty(origin.shape[0], dtype=np.int64)
        for o in range(len(self.origins)):
            for k in range(len(KINDS)):
                rows = np.flatnonzero((origin == o) & (kinds == k))
                if rows.size:
                    rank = np.searchsorted(self.cdfs[o][k], u[rows], side="right")
                    codes[rows] = self.starts[o, k] + np.minimum(rank, self.cdfs[o][k].size - 1)
        return codes

    def text(self, codes: np.ndarray) -> pl.Series:
        """The names the codes stand for."""
        return self.names.gather(codes)


def _kind_codes(kinds: np.ndarray) -> np.ndarray:
    return np.select([kinds == k for k in KINDS], list(range(len(KINDS))), default=-1)


def load_nicknames(path: str | Path | None = None) -> pl.DataFrame:
    """The nickname and variant pairs (name, alias, kind), as written in the file."""
    return pl.read_csv(path or NICKNAMES_FILE, infer_schema=False)


def alias_lists(path: str | Path | None = None) -> pl.DataFrame:
    """For each name, every alias it may be written as (both directions), sorted.

    Example
    -------
    >>> lists = alias_lists()
    >>> lists.filter(pl.col("name") == "Peggy")["aliases"].to_list()
    [['Margaret']]
    """
    pairs = load_nicknames(path).select("name", "alias")
    both = pl.concat([pairs, pairs.select(name="alias", alias="name")]).unique()
    return both.group_by("name").agg(pl.col("alias").sort().alias("aliases")).sort("name")
