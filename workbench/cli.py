"""The `workbench` command: thin wrappers over package functions, one function per command.

Exit codes (for schedulers): 0 success; 1 bad input (a one-line error naming file, row and
column); 2 the command line itself is wrong; 3 the command ran but its checks failed
(`validate --strict` with quarantined rows, `assure` with a failed check).
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Annotated

import typer

from workbench import progress
from workbench.errors import UsageError, WorkbenchError

app = typer.Typer(
    name="workbench",
    help="Eligibility Workbench: candidate lists for human review, never decisions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

EXIT_BAD_INPUT = 1
EXIT_CHECKS_FAILED = 3

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages on stderr.")]


def parse_date(value: str, option: str) -> date:
    """An ISO date from the command line, or a UsageError naming the option."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} must be an ISO date like 2026-09-01; got {value!r}") from None


@app.callback()
def _root(quiet: Quiet = False) -> None:
    progress.set_enabled(not quiet)


# --- commands -------------------------------------------------------------------------------
# Each command parses its options, calls one package function and prints its result.
# Add new commands below this line, one function each, with no logic of their own.


@app.command("schema")
def schema_command() -> None:
    """Print the data contract: every canonical table and column, generated from the schema."""
    from workbench.schema import contract_markdown

    typer.echo(contract_markdown())


def main() -> None:
    """Entry point: a WorkbenchError becomes one line on stderr and exit code 1."""
    try:
        app()
    except WorkbenchError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)


__all__ = ["app", "main", "parse_date"]
