"""Source-profile commands: `workbench profile suggest DIR` proposes a profile for a council's
extract, for a person to check (README: Bring your own data)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.cli._common import DataOption, FolderArgument, folder_given
from workbench.cli._outputs import (
    data_folder_inputs,
    folder_inputs,
    output_file,
    refuse_writing_over_inputs,
)
from workbench.errors import UsageError
from workbench.governance.access import record_access

profile_app = typer.Typer(
    name="profile",
    help="Source profiles: map a council's own extract onto the data contract.",
    no_args_is_help=True,
)


def profile_suggest_command(
    folder: FolderArgument = None,
    data_option: DataOption = None,
    out: Annotated[
        Path,
        typer.Option("--out", help="Where to write the suggested profile (YAML)."),
    ] = Path("suggested_profile.yaml"),
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a file already at --out.")
    ] = False,
) -> None:
    """Propose a profile for an extract: its files matched to tables, columns by header and by
    what their values look like, codes to the contract's values, a text file's encoding and
    separator; every entry commented with how sure it is. Headers and codes only are written;
    check it, then run `workbench validate DIR --profile FILE`."""
    from workbench.data.suggest import suggest_profile

    data = folder_given(folder, data_option, "profile suggest")
    refuse_writing_over_inputs(
        [output_file("--out", out, "the suggested profile")],
        [*folder_inputs(data, "a file of the extract"), *data_folder_inputs(data)],
    )
    if out.exists() and not overwrite:
        raise UsageError(f"--out {out} exists: give another path, or --overwrite to replace it")
    record_access("profile suggest", f"data {data.absolute()}")
    suggestion = suggest_profile(data)
    written = suggestion.write(out)
    for table in suggestion.tables:
        typer.echo(
            f"{table.table} <- {table.file}: {len(table.columns)} column(s), {table.certainty}"
        )
    to_check = suggestion.to_check()
    if to_check:
        typer.echo(f"To check ({len(to_check)}):")
        for note in to_check:
            typer.echo(f"  {note}")
    typer.echo(f"Suggested profile written to {written}: check it, then run")
    typer.echo(f"  workbench validate {data} --profile {written}")
