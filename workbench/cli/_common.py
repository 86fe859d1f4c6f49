"""What every `workbench` command shares: the one `app`, its exit codes, the option types
used by more than one command, and date parsing that names the option it came from.

The commands live in the sibling modules and are registered on `app` by the package's
`__init__`, which fixes the order `workbench --help` lists them in.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from workbench import progress
from workbench.errors import UsageError

app = typer.Typer(
    name="workbench",
    help="Eligibility Workbench: candidate lists for human review, never decisions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_REPORT_FAILED = 4
EXIT_CHECKS_FAILED = 3

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages on stderr.")]


def parse_date(value: str, option: str) -> date:
    """An ISO date from the command line, or a UsageError naming the option."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} must be an ISO date like 2026-09-01; got {value!r}") from None


def parse_term_dates(term_start: str, as_of: str) -> tuple[date, date]:
    """--term-start and --as-of as dates, warning (on stderr) when they are half a year or
    more apart (`workbench.eligibility.terms.evidence_date_far`)."""
    from workbench.eligibility.terms import evidence_date_far

    term, evidence = parse_date(term_start, "--term-start"), parse_date(as_of, "--as-of")
    if far := evidence_date_far(term, evidence):
        typer.echo(f"warning: {far}", err=True)
    return term, evidence


def version_text() -> str:
    """The package's version and each of its rule files' (with the last term it was checked
    for): what support, an auditor or a DPIA asks first, and what every manifest records."""
    import workbench
    from workbench.rules import available_initiatives, load_rule_set

    lines = [f"workbench {workbench.__version__}", "rule files:"]
    for name in available_initiatives():
        rule_set = load_rule_set(name)
        through = rule_set.checked_through
        checked = f" (checked for terms starting up to {through})" if through else ""
        lines.append(f"  {rule_set.ref}{checked}")
    return "\n".join(lines)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(version_text())
        raise typer.Exit()


@app.callback()
def _root(
    quiet: Quiet = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_show_version,
            help="Print the version and the rule files' versions, and exit.",
        ),
    ] = False,
) -> None:
    progress.set_enabled(not quiet)


Initiative = Annotated[
    str,
    typer.Option(
        "--initiative",
        help="two_year_old, free_school_meals, early_years_pupil_premium, disability_access_fund.",
    ),
]
TermStart = Annotated[
    str, typer.Option("--term-start", help="First day of the term being targeted (ISO date).")
]
AsOf = Annotated[
    str,
    typer.Option("--as-of", help="Evidence date: awards and statuses must be active on it."),
]
Linkage = Annotated[
    str,
    typer.Option(
        "--linkage",
        help="probabilistic (default: the exact pass, then Splink, so that a row with a typo "
        "still links; uncertain pairs are flagged for a person to confirm, never used) or "
        "exact (only exact agreement links a DWP-list or funded-place row; a row with a typo "
        "is missed).",
    ),
]
DataDir = Annotated[Path, typer.Option("--data", help="The data folder (people.csv, ...).")]
# For a command whose folder is its argument (`validate DIR`), the same folder as --data, the
# way every other command takes it: either spelling works (`folder_given`).
FolderArgument = Annotated[
    Path | None,
    typer.Argument(
        metavar="DIR",
        help="The folder of data files (the contract's, or a council's extract); or give --data.",
    ),
]
DataOption = Annotated[
    Path | None, typer.Option("--data", help="The folder, as the other commands take it.")
]


def folder_given(positional: Path | None, option: Path | None, command: str) -> Path:
    """The folder a command was given as its argument or as `--data`: one of them, or both
    naming the same folder."""
    if positional is None and option is None:
        raise UsageError(f"give the data folder: `workbench {command} DIR` (or --data DIR)")
    if positional is not None and option is not None and positional != option:
        raise UsageError(f"two folders given, {positional} and --data {option}: give one of them")
    folder = positional if positional is not None else option
    assert folder is not None  # one of them, checked above
    return folder


ProfileFile = Annotated[
    Path | None,
    typer.Option(
        "--profile",
        help="A source profile (YAML): which file of the data folder each table comes from and "
        "how its columns, dates and codes map onto the data contract (README: Bring your own "
        "data). Its SHA-256 is recorded with the inputs.",
    ),
]
Strict = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Exit 3 when most rows of a file are quarantined, the list is empty while the "
        "data has children in the age window, or the term is later than the rule file was "
        "checked for (for scheduled runs).",
    ),
]


def use_profile(profile: Path | None) -> None:
    """Read every data folder through `profile` for the rest of the command (nothing when
    None; each command is its own process, and a notebook a `report` runs inherits it); a
    profile that cannot work stops the command before any data is read."""
    if profile is not None:
        from workbench.data.profiles import PROFILE_ENV, load_profile

        load_profile(profile)
        os.environ[PROFILE_ENV] = str(profile.absolute())


# The parameters of the commands that name files or folders a command only reads (the data
# folder, a profile, a rule file, a list, ...): a relative one is found as the Python API finds
# it (`workbench.paths.project_path`: from the working directory, then from the project root).
# Outputs (`--out`, `--write-app`, `--reports`, ...) and review stores, which a command may
# create or write, stay relative to the working directory. A linkage model (`--model`) is found
# the same way by `_assess.model_folder`, which refuses one not there as a mistake of the
# command line (exit 2), not of the input (exit 1).
INPUT_PARAMETERS = (
    "folder",
    "data_option",
    "data",
    "rules",
    "profile",
    "ward_lookup",
    "outcome_list",
    "truth",
    "paths",
    "review_thresholds",
    "policy",
    "list_file",
    "list_files",
    "outreach_files",
    "check_files",
    "workbook_files",
    "workbook",
    "results",
)


def store_named(store: Path) -> str:
    """A `--store` path as a message names it: a relative one with the working folder, the
    one place it is read from (a store is written, its access log at least, so it is never
    looked for in the project root as an input is).

    Example
    -------
    >>> store_named(Path("/srv/review.sqlite"))
    '/srv/review.sqlite'
    """
    return str(store) if store.is_absolute() else f"{store} (in the working folder {Path.cwd()})"


def input_path(path: Path, option: str) -> Path:
    """`path` as a command reads it: itself when absolute or there from the working directory,
    else the same path under the project root when it is there (`workbench.paths.project_path`);
    a relative path found in neither is an error saying where it was looked for.

    Example
    -------
    >>> input_path(Path("/tmp"), "--data")
    PosixPath('/tmp')
    """
    from workbench.errors import WorkbenchError
    from workbench.paths import PROJECT_ROOT, looked_for, project_path

    found = project_path(path)
    if found.exists() or path.is_absolute() or PROJECT_ROOT is None:
        return found
    if Path.cwd().resolve() == PROJECT_ROOT.resolve():
        return path  # one place to look: the command's own message says what is missing
    named = f"{option} " if option else ""
    raise WorkbenchError(f"{named}{looked_for(path)}: no such file or folder")


def resolving_inputs(command: Callable[..., object]) -> Callable[..., object]:
    """`command` with its input paths (`INPUT_PARAMETERS`) found by `input_path` before it
    runs; its signature, which typer reads for the options, unchanged."""
    signature = inspect.signature(command, eval_str=True)
    names = [name for name in INPUT_PARAMETERS if name in signature.parameters]
    if not names:
        return command

    @functools.wraps(command)
    def run(*args: object, **kwargs: object) -> object:
        bound = signature.bind(*args, **kwargs)
        for name in names:
            value = bound.arguments.get(name)
            option = _option_name(signature.parameters[name])
            if isinstance(value, Path):
                bound.arguments[name] = input_path(value, option)
            elif isinstance(value, list | tuple):
                bound.arguments[name] = [
                    input_path(item, option) if isinstance(item, Path) else item for item in value
                ]
        return command(*bound.args, **bound.kwargs)

    return run


def _option_name(parameter: inspect.Parameter) -> str:
    """The option as typed (``--ward-lookup``); '' for an argument (``validate DIR``)."""
    for meta in getattr(parameter.annotation, "__metadata__", ()):
        if isinstance(meta, typer.models.ArgumentInfo):
            return ""
        declared = [getattr(meta, "default", None), *(getattr(meta, "param_decls", None) or ())]
        names = [d for d in declared if isinstance(d, str) and d.startswith("--")]
        if names:
            return names[0]
    return "--" + parameter.name.replace("_", "-")
