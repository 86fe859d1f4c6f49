"""What `workbench validate` shows: per-file counts, quarantine and warning summaries.

The summaries are polars frames (testable, reusable in notebooks); `print_validation` renders
them as rich tables on stdout.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from rich.console import Console
from rich.table import Table

from workbench.data.quarantine import (
    quarantine_summary,
    quarantined_rows,
    set_aside_rows,
    write_quarantine,
)
from workbench.data.reading import LoadedData

if TYPE_CHECKING:
    from workbench.eligibility.assess import Assessment, WrittenList

__all__ = [
    "file_summary",
    "named_otherwise",
    "print_assessment",
    "print_validation",
    "quarantine_summary",
    "warnings_summary",
    "write_quarantine",
]


def file_summary(data: LoadedData) -> pl.DataFrame:
    """One row per file read: table, file, format, read, accepted, quarantined."""
    return pl.DataFrame(
        [
            {
                "table": r.table,
                "file": r.file.name,
                "format": r.format,
                "read": r.read,
                "accepted": r.accepted,
                "quarantined": r.quarantined,
            }
            for r in data.reports.values()
        ],
        schema={
            "table": pl.String,
            "file": pl.String,
            "format": pl.String,
            "read": pl.Int64,
            "accepted": pl.Int64,
            "quarantined": pl.Int64,
        },
    )


def warnings_summary(warnings: pl.DataFrame) -> pl.DataFrame:
    """Warnings counted by table, column and reason."""
    return warnings.group_by("table", "column", "reason", maintain_order=True).agg(
        pl.len().cast(pl.Int64).alias("rows")
    )


def named_otherwise(data: LoadedData) -> str | None:
    """The line saying which files were read as a table under a name that is not the
    contract's (`DWP list.csv` as dwp_list: `workbench.data.reading.table_named`), or None.
    Files a source profile maps are not counted: the profile names them."""
    from workbench.data.reading import named_otherwise as otherwise

    read = [
        f"{r.file.name} as {r.table}"
        for r in data.reports.values()
        if r.table not in data.source_columns
        and isinstance(r.file, Path)
        and otherwise(r.table, r.file)
    ]
    if not read:
        return None
    return (
        f"Read under another name than the contract's: {', '.join(read)} (a file's name is read "
        "without case, and spaces or hyphens as underscores)."
    )


def _rich_table(title: str, frame: pl.DataFrame) -> Table:
    table = Table(title=title, title_justify="left")
    for name, dtype in frame.schema.items():
        table.add_column(name, justify="right" if dtype.is_numeric() else "left")
    for row in frame.iter_rows():
        table.add_row(*("" if v is None else str(v) for v in row))
    return table


def print_validation(data: LoadedData, console: Console | None = None) -> None:
    """Print the per-file counts, the quarantine and warning summaries and ignored files."""
    out = console or Console()
    out.print(_rich_table(f"Data folder {data.folder}", file_summary(data)))
    renamed = named_otherwise(data)
    if renamed:
        out.print(renamed, highlight=False)
    quarantined = quarantined_rows(data.quarantine)
    if quarantined:
        summary = quarantine_summary(data.quarantine)
        out.print(_rich_table("Quarantined rows", summary))
        several = (
            " A row with several problems is counted under each."
            if summary["rows"].sum() > quarantined
            else ""
        )
        aside = set_aside_rows(data.quarantine)
        of_them = (
            f", {aside} of them set aside (blank rows, exact repeats of a row, or codes the "
            "profile maps to nothing)"
            if aside
            else ""
        )
        out.print(f"Quarantined: {quarantined} row(s){of_them}.{several}", highlight=False)
    else:
        out.print(f"Quarantined: {quarantined} row(s).", highlight=False)
    if data.warnings.height:
        out.print(_rich_table("Warnings (rows kept)", warnings_summary(data.warnings)))
    out.print(f"Warnings: {data.warnings.height} row(s), kept.", highlight=False)
    if data.ignored:
        names = ", ".join(p.name for p in data.ignored)
        out.print(f"Ignored (not a canonical table): {names}", highlight=False)


def print_assessment(
    found: Assessment, written: WrittenList, console: Console | None = None
) -> None:
    """The short summary `workbench assess` prints: rows read and quarantined, candidates by
    tier and by reason, and where the list is. Counts only: no one is named."""
    out = console or Console()
    out.print(_rich_table(f"Data folder {found.data.folder}", file_summary(found.data)))
    renamed = named_otherwise(found.data)
    if renamed:
        out.print(renamed, highlight=False)
    quarantined = quarantined_rows(found.data.quarantine)
    if quarantined:
        out.print(
            f"Quarantined: {quarantined} row(s), which count for nothing; see "
            "`workbench validate --quarantine-out FILE`.",
            highlight=False,
        )
    if found.data.warnings.height:
        out.print(
            f"Warnings: {found.data.warnings.height} row(s), kept; see `workbench validate`.",
            highlight=False,
        )
    summary = found.summary()
    out.print(
        f"{found.rule_set.ref}: {found.candidates.height} candidate(s) for the term starting "
        f"{found.term_start}, on the evidence of {found.as_of}.",
        highlight=False,
    )
    out.print(_rich_table("Candidates by tier", summary["tier"]))
    out.print(
        _rich_table(
            "Candidates by reason: every criterion checked for the term (a child counts once "
            "per reason met)",
            summary["reason"],
        )
    )
    out.print(
        f"List written to {written.out} (run {written.run_id}; manifest "
        f"{written.manifest.name}). Every row is pending_review: nothing has been decided.",
        highlight=False,
    )
    accounted = written.dwp_list_accounted
    if accounted:
        out.print(
            f"DWP list: {accounted['read']} row(s) read = {accounted['listed']} listed + "
            f"{accounted['not_listed']} not listed + {accounted['quarantined']} quarantined. "
            f"The rows not listed and the quarantined ones, each with its reason, are in "
            f"{accounted['not_listed_file']} (restricted): every row the department sent is "
            "accounted for.",
            highlight=False,
        )
    if places := written.funded_places_accounted:
        from workbench.linkage.places import accounted_text

        out.print(accounted_text(places), highlight=False)
