"""Data commands: the data contract, checking a data folder, and making synthetic councils
(`schema`, `validate`, `demo`, `synth`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workbench.cli._common import (
    EXIT_CHECKS_FAILED,
    DataOption,
    FolderArgument,
    ProfileFile,
    folder_given,
    parse_date,
    use_profile,
)
from workbench.cli._outputs import data_folder_inputs, output_file, refuse_writing_over_inputs
from workbench.errors import DataFileError, UsageError, WorkbenchError
from workbench.governance.access import record_access

if TYPE_CHECKING:
    import polars as pl

    from workbench.data.mapping import TableMapping
    from workbench.data.reading import LoadedData

# `validate --for PURPOSE`: the tables a command reads, checked alone (people is required).
PURPOSES: dict[str, tuple[str, ...]] = {
    "link": ("people", "dwp_list", "funded_places"),
}


def schema_command() -> None:
    """Print the data contract: every canonical table and column, generated from the schema."""
    from workbench.data.schema import contract_markdown

    typer.echo(contract_markdown())


def validate_command(
    folder: FolderArgument = None,
    data_option: DataOption = None,
    quarantine_out: Annotated[
        Path | None,
        typer.Option(
            "--quarantine-out",
            help="Write every quarantined row (file, row, column, value, reason) to this .csv "
            "(or .parquet) file. It holds personal data as given: keep it restricted.",
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Exit 3 when any row is quarantined (blank rows, with nothing in any column "
            "read, and awards or statuses whose code the profile maps to nothing are counted "
            "in the quarantine but do not fail it).",
        ),
    ] = False,
    equality_monitoring: Annotated[
        bool,
        typer.Option(
            "--equality-monitoring",
            help="Also read and check the special-category columns (sex, ethnicity, "
            "first_language), which are otherwise never read.",
        ),
    ] = False,
    purpose: Annotated[
        str | None,
        typer.Option(
            "--for",
            metavar="COMMAND",
            help="Check only the tables this command reads: link (people, dwp_list, "
            "funded_places; no benefits file needed). Default: every table, people and "
            "benefits required.",
        ),
    ] = None,
    profile: ProfileFile = None,
) -> None:
    """Check a data folder against the data contract and report the quarantine."""
    from workbench.data.absent import contract_files_not_read
    from workbench.data.household_size import large_households
    from workbench.data.mapping import period_warnings
    from workbench.data.profiles import one_valued_flags
    from workbench.data.quarantine import (
        ambiguous_amounts,
        dropped_zeros,
        mostly_quarantined,
        quarantined_rows,
        set_aside_rows,
    )
    from workbench.data.reading import load_folder
    from workbench.runs.console import print_validation, write_quarantine

    data = folder_given(folder, data_option, "validate")
    if purpose is not None and purpose not in PURPOSES:
        raise UsageError(f"must be one of {', '.join(PURPOSES)}; got {purpose!r}", parameter="for")
    if quarantine_out is not None:
        refuse_writing_over_inputs(
            [output_file("--quarantine-out", quarantine_out, "the quarantine")],
            data_folder_inputs(data, profile),
        )
    record_access("validate", f"data {data.absolute()}" + (f", for {purpose}" if purpose else ""))
    tables = PURPOSES[purpose] if purpose is not None else None
    use_profile(profile)
    try:
        loaded = load_folder(data, tables=tables, equality_monitoring=equality_monitoring)
    except DataFileError as error:
        raise _with_purpose_hint(error, data) if purpose is None else error from None
    unread = None
    periods: list[str] = []
    if profile is not None:
        mapped = _print_mapping(data, profile, tables, equality_monitoring)
        unread = {t.table: t.unread for t in mapped}
        periods = period_warnings(mapped)
    print_validation(loaded)
    for sentence in [
        *large_households(loaded),
        *_not_read(loaded, tables),
        *contract_files_not_read(loaded),
        *_columns_missing(loaded, unread),
        *mostly_quarantined(loaded),
        *dropped_zeros(loaded),
        *ambiguous_amounts(loaded),
        *one_valued_flags(loaded.profile, loaded.reports),
        *periods,
    ]:
        typer.echo(f"warning: {sentence}", err=True)
    if purpose is not None:
        absent = [t for t in tables or () if t not in loaded.reports]
        if absent:
            typer.echo(f"Not in the folder (optional for {purpose}): {', '.join(absent)}")
    if quarantine_out is not None:
        written = write_quarantine(loaded.quarantine, quarantine_out)
        typer.echo(f"Quarantine written to {written}")
    if strict and quarantined_rows(loaded.quarantine) > set_aside_rows(loaded.quarantine):
        raise typer.Exit(EXIT_CHECKS_FAILED)


def _print_mapping(
    data: Path, profile: Path, tables: tuple[str, ...] | None, equality_monitoring: bool
) -> list[TableMapping]:
    """What each mapping of the profile does, values masked: on the terminal only. Returns
    the mapping of each table the profile maps (with the file's columns no entry reads)."""
    from workbench.data.mapping import describe_mapping, mapping_lines

    mapped = describe_mapping(data, profile, tables=tables, equality_monitoring=equality_monitoring)
    typer.echo(f"What {profile.name} does (example values masked: A/a letters, 9 digits):")
    for line in mapping_lines(mapped):
        typer.echo(line)
    return mapped


def _columns_missing(loaded: LoadedData, unread: dict[str, tuple[str, ...]] | None) -> list[str]:
    """A sentence per optional column the built-in rules read (criteria not ended by today:
    `validate` is given no term) that a file read lacks altogether, or that its profile maps
    nothing to (`workbench.data.absent.missing_columns`)."""
    from datetime import date

    from workbench.data.absent import column_uses, missing_columns
    from workbench.rules.model import available_initiatives, load_rule_set

    rule_sets = [load_rule_set(name) for name in available_initiatives()]
    return missing_columns(loaded, column_uses(rule_sets, today=date.today()), unread)


def _not_read(loaded: LoadedData, tables: tuple[str, ...] | None) -> list[str]:
    """A sentence per table absent from the folder while a file there not read looks like it
    (`DWPlist.csv`: `workbench.data.absent.unread_lookalikes`)."""
    from workbench.data.absent import unread_lookalikes
    from workbench.data.schema import TABLES

    return unread_lookalikes(loaded, tables if tables is not None else TABLES)


def _with_purpose_hint(error: DataFileError, data: Path) -> DataFileError:
    """A missing benefits file, when people is there: `link` does not need it, say how to
    check for that alone."""
    from workbench.data.reading import find_table_file

    if not data.is_dir():  # no folder: the error says so, and there is nothing to hint at
        return error
    try:
        hint = find_table_file(data, "benefits") is None and find_table_file(data, "people")
    except WorkbenchError:  # a profile naming no file there: the error is about the folder
        return error
    if not hint or error.file != str(data):
        return error
    error.args = (
        f"{error}; `workbench link` does not need it: to check only the tables link reads "
        f"(people, dwp_list, funded_places), run `workbench validate {data} --for link`",
    )
    return error


def demo_command(
    households: Annotated[
        int, typer.Option("--households", min=10, help="Size of the synthetic council.")
    ] = 20000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the synthetic council.")] = (
        20260901
    ),
    reports: Annotated[
        Path, typer.Option("--reports", help="Where run folders are written.")
    ] = Path("reports"),
) -> None:
    """Run the whole pipeline on a synthetic council and write a report under reports/."""
    from workbench.runs.demo import run_demo

    result = run_demo(reports, households=households, seed=seed)
    for initiative, path in result.lists.items():
        typer.echo(f"{initiative} list (restricted, pending review): {path}")
    typer.echo(f"Demo summary: {result.summary_html}")
    typer.echo(f"Take-up report (HTML): {result.report_html}")


def synth_command(
    out: Annotated[Path, typer.Option("--out", help="The folder to write the council to.")],
    households: Annotated[
        int, typer.Option("--households", min=1, help="How many households (~2.4 people each).")
    ] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed: the same arguments give the same files.")
    ] = 20260901,
    messy: Annotated[
        bool,
        typer.Option(
            "--messy",
            help="Add a handful of each kind of bad row to every table, listed in "
            "messy_manifest.csv.",
        ),
    ] = False,
    file_format: Annotated[
        str, typer.Option("--format", help="Format of the canonical tables: csv, parquet or xlsx.")
    ] = "csv",
    reference_date: Annotated[
        str,
        typer.Option("--reference-date", help="The day the extracts are taken (ISO date)."),
    ] = "2026-09-01",
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a data folder already at --out.")
    ] = False,
) -> None:
    """Write a synthetic council (people, benefits, statuses, DWP list, funded places) with a
    ground truth for linkage. Only made-up data: nothing real is used."""
    from workbench.synth import check_destination, generate_council, write_council

    on = parse_date(reference_date, "--reference-date")
    check_destination(out, file_format, overwrite)
    tables = generate_council(households, seed, on, messy=messy)
    made_with = (
        f"workbench synth --households {households} --seed {seed}"
        + (" --messy" if messy else "")
        + f" --format {file_format} --reference-date {on.isoformat()} --out {out}"
    )
    written = write_council(tables, out, file_format, overwrite=overwrite, made_with=made_with)
    typer.echo(f"Synthetic council of {households} households: {len(written)} files in {out}")
    if messy:
        for sentence in _mostly_bad(tables):
            typer.echo(f"note: {sentence}", err=True)


def _mostly_bad(tables: dict[str, pl.DataFrame]) -> list[str]:
    """A sentence per table of a messy council whose bad rows (a handful of each kind, at any
    size) are most of it: a small council's DWP list of a row or two, say."""
    import polars as pl

    bad = (
        tables["messy_manifest"]
        .filter(pl.col("expected") == "quarantine")
        .group_by("table")
        .len()
        .sort("table")
    )
    said = []
    for table, rows in bad.iter_rows():
        height = tables[table].height
        if rows > height / 2:
            said.append(
                f"{table} has {rows} bad rows of {height}: too few rows to hide a handful of each "
                "kind among, so validate will say it is mostly quarantined. A council of "
                "5,000 households or more has a realistic share"
            )
    return said
