"""`workbench link`: a data folder's DWP list and funded places linked to its people, the links
written owner-only and, given a ground truth, measured (`workbench.linkage.evaluate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.errors import DataFileError, UsageError
from workbench.linkage.exact import LINK_SOURCES
from workbench.private_files import write_private

if TYPE_CHECKING:
    from workbench.linkage.evaluate import LinkageEvaluation
    from workbench.linkage.model import LinkageModel

__all__ = ["LINK_SUFFIXES", "LinkRun", "link_folder"]

LINK_SUFFIXES = (".csv", ".parquet")
_TRUTH_TYPES = {"corruption_level": pl.Int64}


@dataclass(frozen=True)
class LinkRun:
    """What `link_folder` did: the links written, and the evaluation when a truth was given."""

    out: Path
    links: pl.DataFrame
    evaluation: LinkageEvaluation | None = None
    quality_files: tuple[Path, ...] = ()


def _write_links(frame: pl.DataFrame, path: Path) -> None:
    """The links as CSV or parquet, owner-only and atomically."""
    if path.suffix.lower() == ".csv":
        write_private(path, frame.write_csv)
    else:
        write_private(path, frame.write_parquet)


def _read_truth(path: Path) -> pl.DataFrame:
    if not path.is_file():
        raise DataFileError(path, "not found: give the ground_truth.csv `workbench synth` wrote")
    if path.suffix.lower() == ".parquet":
        return pl.read_parquet(path)
    frame = pl.read_csv(path, infer_schema=False)
    return frame.with_columns(pl.col(c).cast(t) for c, t in _TRUTH_TYPES.items() if c in frame)


def link_folder(
    data: str | Path,
    out: str | Path,
    *,
    truth: str | Path | None = None,
    quality_out: str | Path | None = None,
    model: LinkageModel | None = None,
    seed: int = 0,
) -> LinkRun:
    """Link a data folder's `dwp_list` and `funded_places` rows to its `people`; write the
    links to `out` (`.csv` or `.parquet`, owner-only); with `truth`, evaluate them and write
    the aggregate quality tables to `quality_out` when given.

    Raises
    ------
    UsageError
        `out` has another suffix or its folder does not exist; `quality_out` without `truth`.
    DataFileError
        The data folder or the truth file cannot be read.
    """
    from workbench.data.reading import load_folder
    from workbench.linkage.evaluate import evaluate_linkage
    from workbench.linkage.probabilistic import link_all_with_pairs

    out = Path(out)
    if out.suffix.lower() not in LINK_SUFFIXES:
        raise UsageError(f"must end in .csv or .parquet; got {out.name!r}", parameter="out")
    if not out.parent.exists():
        raise UsageError(f": the folder {out.parent} does not exist", parameter="out")
    if quality_out is not None and truth is None:
        raise UsageError("--quality-out needs --truth: quality is measured against a truth")
    loaded = load_folder(data, tables=["people", *LINK_SOURCES])
    links, pairs = link_all_with_pairs(loaded.tables, seed=seed, model=model)
    _write_links(links, out)
    if truth is None:
        return LinkRun(out=out, links=links)
    evaluation = evaluate_linkage(links, _read_truth(Path(truth)), scored_pairs=pairs)
    written = tuple(evaluation.write(quality_out)) if quality_out is not None else ()
    return LinkRun(out=out, links=links, evaluation=evaluation, quality_files=written)
