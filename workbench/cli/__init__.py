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

import sys

import typer

from workbench.cli._assess import (
    assess_command,
    explain_command,
    link_command,
    report_command,
    rules_command,
    stats_command,
)
from workbench.cli._check import check_app, check_export_command, check_import_command
from workbench.cli._common import EXIT_BAD_INPUT, EXIT_USAGE, app, parse_date
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

app.command("schema")(schema_command)
app.command("validate")(validate_command)
app.add_typer(profile_app, name="profile")
profile_app.command("suggest")(profile_suggest_command)
app.command("assess")(assess_command)
app.command("stats")(stats_command)
app.command("rules")(rules_command)
app.command("demo")(demo_command)
app.command("explain")(explain_command)
app.command("synth")(synth_command)
app.command("link")(link_command)
app.command("report")(report_command)
app.add_typer(review_app, name="review")
review_app.command("export")(review_export_command)
review_app.command("import")(review_import_command)
review_app.command("serve")(review_serve_command)
review_app.command("outreach")(review_outreach_command)
app.add_typer(check_app, name="check")
check_app.command("export")(check_export_command)
check_app.command("import")(check_import_command)
app.command("assure")(assure_command)
app.command("retention")(retention_command)
app.command("subject-access")(subject_access_command)
app.command("transparency")(transparency_command)


def main() -> None:
    """Entry point: a WorkbenchError becomes one line on stderr and exit code 1 (bad input)
    or 2 (a command-line value that cannot work, such as a malformed date)."""
    try:
        app()
    except UsageError as error:
        typer.echo(f"error: {error.for_flag()}", err=True)
        sys.exit(EXIT_USAGE)
    except WorkbenchError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)


__all__ = ["app", "main", "parse_date"]
