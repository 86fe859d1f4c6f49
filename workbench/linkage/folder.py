"""`workbench link`: a data folder's DWP list and funded places linked to its people, the links
written owner-only with their manifest beside them (`workbench.runs.link_manifest`) and,
given a ground truth, measured (`workbench.linkage.evaluate`).

A quarantined row is in no link: the rows that failed the data checks (people's and the
sources') are written beside the links as `<stem>.quarantine.csv` (owner-only, each with its
file, row, column, value and reason), and the run counts, per source, rows read =
rows in the links + rows quarantined. A source (or people) whose every row is quarantined
stops the run with the commonest problem named: there would be nothing to link.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.data.checks import QUARANTINE_SCHEMA
from workbench.data.quarantine import quarantine_problems, write_quarantine
from workbench.data.reading import quarantine_kind
from workbench.errors import DataFileError, UsageError
from workbench.linkage.exact import LINK_SOURCES
from workbench.private_files import check_folder_for, private_folder_for, write_private

if TYPE_CHECKING:
    from workbench.data.reading import FileReport, LoadedData
    from workbench.linkage.evaluate import LinkageEvaluation
    from workbench.linkage.model import LinkageModel

__all__ = ["LINK_SUFFIXES", "LinkRun", "link_folder", "quarantine_path"]

LINK_SUFFIXES = (".csv", ".parquet")
_TRUTH_TYPES = {"corruption_level": pl.Int64}
_BANDS = ("linked", "clerical_review", "not_linked")


def quarantine_path(out: str | Path) -> Path:
    """Where `link_folder` writes the quarantined rows: `<stem>.quarantine.csv` beside `out`."""
    out = Path(out)
    return out.with_name(f"{out.stem}.quarantine.csv")


@dataclass(frozen=True)
class LinkRun:
    """What `link_folder` did: the links written, the rows read and quarantined per file
    (`reports`, `quarantine`, written to `quarantine_file`), the evaluation when a truth
    was given, and the manifest written beside the links (`manifest_file`, its `run_id`)."""

    out: Path
    links: pl.DataFrame
    evaluation: LinkageEvaluation | None = None
    quality_files: tuple[Path, ...] = ()
    reports: dict[str, FileReport] = field(default_factory=dict)
    quarantine: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=QUARANTINE_SCHEMA))
    quarantine_file: Path | None = None
    manifest_file: Path | None = None
    run_id: str | None = None
    read_as: str | None = None
    """The line naming files read as a table under another name than the contract's
    (`DWP list.csv` as dwp_list: `workbench.runs.console.named_otherwise`), or None."""
    not_read: tuple[str, ...] = ()
    """A sentence per source (dwp_list, funded_places) not read while a file of the folder
    that was not read looks like it (`workbench.data.absent.unread_lookalikes`)."""

    def counts(self) -> pl.DataFrame:
        """Per linked source: rows read, quarantined, in the links, and in each band
        (`read = quarantined + in_links`)."""
        schema = {
            "source": pl.String,
            "read": pl.Int64,
            "quarantined": pl.Int64,
            "in_links": pl.Int64,
            **dict.fromkeys(_BANDS, pl.Int64),
        }
        rows = []
        for source in LINK_SOURCES:
            report = self.reports.get(source)
            if report is None:
                continue
            bands = self.links.filter(pl.col("source") == source)["band"]
            rows.append(
                (source, report.read, report.quarantined, bands.len(),
                 *(int((bands == band).sum()) for band in _BANDS))
            )  # fmt: skip
        return pl.DataFrame(rows, schema=schema, orient="row")

    def summary(self) -> list[str]:
        """What `workbench link` prints: per file, rows read and quarantined; per source,
        rows in the links and in each band; where the links and the quarantine are."""
        lines = [self.read_as] if self.read_as else []
        lines += [f"warning: {said}" for said in self.not_read]
        people = self.reports.get("people")
        if people is not None:
            lines.append(
                f"people: {people.read} read = {people.accepted} to link to + "
                f"{people.quarantined} quarantined (never linked to)"
            )
        counts = self.counts()
        for row in counts.iter_rows(named=True):
            source = row["source"]
            lines.append(
                f"{source}: {row['read']} read = {row['in_links']} in the links + "
                f"{row['quarantined']} quarantined (not in the links)"
            )
            lines += [f"{source}: {row[band]} {band}" for band in _BANDS]
        if counts.is_empty():
            lines.append("no dwp_list or funded_places file in the data folder: nothing to link")
        lines.append(f"links written to {self.out}")
        if self.quarantine_file is not None:
            rows = sum(r.quarantined for r in self.reports.values())
            lines.append(
                f"quarantine ({rows} row(s), in no link) written to {self.quarantine_file} "
                "(owner-only): each row with its file, row number, column and reason"
            )
        return lines

    def manifest_line(self) -> str | None:
        """The line `workbench link` prints last, naming the manifest and the run's id (after
        the evaluation's lines, so that theirs keep their places)."""
        if self.manifest_file is None:
            return None
        return (
            f"manifest written to {self.manifest_file} (run {self.run_id}): the inputs' and "
            "outputs' SHA-256, seed, model and thresholds, code and environment"
        )


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
    model: LinkageModel | str | Path | None = None,
    seed: int = 0,
) -> LinkRun:
    """Link a data folder's `dwp_list` and `funded_places` rows to its `people`; write the
    links to `out` (`.csv` or `.parquet`, owner-only) and their manifest beside them; with
    `truth`, evaluate them and write the aggregate quality tables to `quality_out` when given.

    The rows that fail the data checks are in no link: they are written, with their reasons,
    to `quarantine_path(out)` (owner-only) and counted in the run's `reports`; with `truth`,
    the evaluation says how many true pairs involve them (`LinkageEvaluation.coverage`).

    The manifest, `manifest_path(out)` (`<out>.manifest.json`, owner-only, as `workbench
    link` writes it: `workbench.runs.link_manifest`), records the SHA-256 of every file read
    and written, the seed, the model and its thresholds, the rows per file and band, the code
    and environment; nothing in it depends on the clock, so a rerun of the same inputs writes
    it byte for byte again. The run returned names it (`manifest_file`, `run_id`).

    Parameters
    ----------
    model
        The built-in model when None; a council's model folder (`save_settings`, as `workbench
        link --model` reads it: its files' SHA-256 are recorded); or a `LinkageModel` made in
        Python (recorded as such, with the SHA-256 of its settings).

    Raises
    ------
    UsageError
        `out` has another suffix or its folder does not exist; `quality_out` without `truth`.
    DataFileError
        The data folder, the model folder or the truth file cannot be read, or every row of a
        source file (or of people) is quarantined: the message names the file and its
        commonest problem.
    """
    from workbench.data.absent import unread_lookalikes
    from workbench.data.reading import load_folder
    from workbench.linkage.evaluate import evaluate_linkage
    from workbench.linkage.model import LinkageModel, load_settings
    from workbench.linkage.probabilistic import link_all, link_all_with_pairs
    from workbench.runs.console import named_otherwise
    from workbench.runs.link_manifest import write_link_manifest

    settings: LinkageModel | None
    if model is None or isinstance(model, LinkageModel):
        model_folder, settings = None, model
    else:
        model_folder = Path(model)
        settings = load_settings(model_folder)
    out = Path(out)
    if out.suffix.lower() not in LINK_SUFFIXES:
        raise UsageError(f"must end in .csv or .parquet; got {out.name!r}", parameter="out")
    check_folder_for(out)
    if quality_out is not None and truth is None:
        raise UsageError("--quality-out needs --truth: quality is measured against a truth")
    loaded = load_folder(data, tables=["people", *LINK_SOURCES])
    if not any(source in loaded.tables for source in LINK_SOURCES):
        lookalikes = "".join(f"; {said}" for said in unread_lookalikes(loaded, LINK_SOURCES))
        raise DataFileError(
            loaded.folder,
            "holds neither dwp_list nor funded_places: `workbench link` links their rows to "
            "people, so there is nothing to link; add the DWP list or the providers' headcount"
            + lookalikes,
        )
    private_folder_for(out)  # a new folder for links about children is made owner-only
    held = write_quarantine(loaded.quarantine, quarantine_path(out))
    _refuse_wholly_quarantined(loaded, held)
    # Every pair Splink scored is kept only for the evaluation: at a million households over
    # every term they run to gigabytes, which a run without `truth` does not need.
    if truth is None:
        links, pairs = link_all(loaded.tables, seed=seed, model=settings), None
    else:
        links, pairs = link_all_with_pairs(loaded.tables, seed=seed, model=settings)
    _write_links(links, out)
    run = LinkRun(
        out=out,
        links=links,
        reports=dict(loaded.reports),
        quarantine=loaded.quarantine,
        quarantine_file=held,
        read_as=named_otherwise(loaded),
        not_read=tuple(unread_lookalikes(loaded, LINK_SOURCES)),
    )
    if truth is not None:
        passed = {
            name: loaded.tables[name][column]
            for name, column in (
                ("people", "person_id"),
                *((s, "record_id") for s in LINK_SOURCES),
            )
            if name in loaded.tables
        }
        evaluation = evaluate_linkage(
            links, _read_truth(Path(truth)), scored_pairs=pairs, passed_checks=passed
        )
        written = tuple(evaluation.write(quality_out)) if quality_out is not None else ()
        run = replace(run, evaluation=evaluation, quality_files=written)
    # Last: it records the SHA-256 of every file the run wrote.
    manifest, run_id = write_link_manifest(
        run,
        Path(data),
        seed=seed,
        model=settings,
        model_folder=model_folder,
        truth=None if truth is None else Path(truth),
    )
    return replace(run, manifest_file=manifest, run_id=run_id)


def _refuse_wholly_quarantined(loaded: LoadedData, held: Path) -> None:
    """A DataFileError naming the first source (then people) whose every row was
    quarantined, with its commonest problem: linking it would give nothing."""
    empty = [
        name
        for name in (*LINK_SOURCES, "people")
        if name in loaded.reports
        and loaded.reports[name].read > 0
        and loaded.reports[name].accepted == 0
    ]
    if not empty:
        return
    report = loaded.reports[empty[0]]
    others = "".join(f"; so was every row of {loaded.reports[n].file.name}" for n in empty[1:])
    nothing = "no one to link to" if report.table == "people" else "nothing to link"
    raise DataFileError(
        str(report.file),
        f"every one of its {report.read} row(s) was quarantined, so there is {nothing} "
        f"(commonest problem: {_commonest(loaded.quarantine, report.table, report.read)})"
        f"{others}; each row and its reasons are in {held}",
    )


def _commonest(quarantine: pl.DataFrame, table: str, read: int) -> str:
    """The column that fails on the most rows of `table` (ties: the first in the file), and
    how (`quarantine_kind`, commonest first, then by name): `child_date_of_birth on 9 of the
    12 rows: bad date, impossible date`."""
    problems = quarantine_problems(quarantine.filter(pl.col("table") == table)).with_columns(
        quarantine_kind(pl.col("reason")).alias("kind")
    )
    by_column = (
        problems.group_by("column", maintain_order=True)
        .agg(pl.col("row").n_unique().alias("rows"))
        .sort("rows", descending=True, maintain_order=True)
    )
    column, rows = by_column.row(0)
    kinds = (
        problems.filter(pl.col("column") == column)
        .group_by("kind")
        .agg(pl.col("row").n_unique().alias("rows"))
        .sort(["rows", "kind"], descending=[True, False])
    )["kind"]
    return f"{column} on {rows} of the {read} rows: {', '.join(kinds)}"
