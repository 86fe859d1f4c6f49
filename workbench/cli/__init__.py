"""The `workbench` command: thin wrappers over package functions, one function per command.

Exit codes (for schedulers): 0 success; 1 bad input (a one-line error naming file, row and
column); 2 the command line itself is wrong; 3 the command ran but its checks failed
(`validate --strict` with quarantined rows, `assure` with a failed check); 4 a report's notebook
failed (its run is kept as <folder>-failed/).

Layout: `_common` holds `app`, the exit codes, shared option types and `parse_date`; `_data`,
`_assess`, `_review`, `_check` and `_governance` hold the commands, one function each with no
logic of their own. They are registered below, in the order `workbench --help` lists them: add a new
command to its group's module and register it here.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable

import typer

# typer 0.28 carries its own copy of click (pinned <0.29 in pyproject.toml): its errors, not
# the separately installed click's, are what a command line raises.
from typer._click import exceptions as click

from workbench.cli._assess import (
    assess_command,
    explain_command,
    link_command,
    report_command,
    rules_command,
    stats_command,
)
from workbench.cli._check import check_app, check_export_command, check_import_command
from workbench.cli._common import (
    EXIT_BAD_INPUT,
    EXIT_USAGE,
    app,
    parse_date,
    resolving_inputs,
)
from workbench.cli._data import demo_command, schema_command, synth_command, validate_command
from workbench.cli._governance import (
    retention_command,
    subject_access_command,
    transparency_command,
)
from workbench.cli._profile import profile_app, profile_suggest_command
from workbench.cli._review import (
    assure_command,
    review_app,
    review_export_command,
    review_import_command,
    review_outreach_command,
    review_serve_command,
)
from workbench.errors import UsageError, WorkbenchError


def _register(group: typer.Typer, name: str, command: Callable[..., object]) -> None:
    """Add `command` to `group` as `name`, its help its docstring with each paragraph on one
    line (typer would keep the docstring's own line breaks), listed in `--help` by the first."""
    doc = inspect.getdoc(command)
    assert doc is not None  # every command has one: it is its help
    paragraphs = [" ".join(p.split()) for p in doc.split("\n\n")]
    group.command(name, help="\n\n".join(paragraphs), short_help=paragraphs[0])(
        resolving_inputs(command)
    )


_register(app, "schema", schema_command)
_register(app, "validate", validate_command)
app.add_typer(profile_app, name="profile")
_register(profile_app, "suggest", profile_suggest_command)
_register(app, "assess", assess_command)
_register(app, "stats", stats_command)
_register(app, "rules", rules_command)
_register(app, "demo", demo_command)
_register(app, "explain", explain_command)
_register(app, "synth", synth_command)
_register(app, "link", link_command)
_register(app, "report", report_command)
app.add_typer(review_app, name="review")
_register(review_app, "export", review_export_command)
_register(review_app, "import", review_import_command)
_register(review_app, "serve", review_serve_command)
_register(review_app, "outreach", review_outreach_command)
app.add_typer(check_app, name="check")
_register(check_app, "export", check_export_command)
_register(check_app, "import", check_import_command)
_register(app, "assure", assure_command)
_register(app, "retention", retention_command)
_register(app, "subject-access", subject_access_command)
_register(app, "transparency", transparency_command)


def main() -> None:
    """Entry point: every error is one line on stderr. Exit code 2 for a command line that
    cannot work (a missing or unknown option, a malformed date), 1 for bad input (a
    WorkbenchError naming file, row and column); `workbench` or a command group on its own
    prints its help."""
    try:
        status = app(standalone_mode=False)
    except click.NoArgsIsHelpError as error:  # typer printed the help as it built the error
        sys.exit(error.exit_code)
    except click.UsageError as error:
        typer.echo(f"error: {_one_line(error.format_message())}{_help_hint(error)}", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as error:
        typer.echo(f"error: {_one_line(error.format_message())}", err=True)
        sys.exit(error.exit_code)
    except UsageError as error:
        typer.echo(f"error: {error.for_flag()}", err=True)
        sys.exit(EXIT_USAGE)
    except WorkbenchError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    # Outside click's standalone mode a command's `typer.Exit(code)` comes back as its code.
    sys.exit(status if isinstance(status, int) else 0)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _help_hint(error: click.UsageError) -> str:
    """Where to look next, as click's own usage message says it: "(see 'workbench assess
    --help')"."""
    if error.ctx is None:
        return ""
    return f" (see '{error.ctx.command_path} --help')"


__all__ = ["app", "main", "parse_date"]
