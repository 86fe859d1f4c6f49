"""One error family for everything a user can get wrong.

The CLI prints a `WorkbenchError` as one line and exits non-zero; anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DataFileError", "RuleFileError", "UsageError", "WorkbenchError"]


class WorkbenchError(Exception):
    """A problem the user can act on. The message says what was expected and what came."""


class UsageError(WorkbenchError):
    """A call with arguments that cannot work (bad date, unknown initiative...).

    Given `parameter`, the message is about that argument and starts with its name, as the
    caller wrote it (`linkage must be one of ...` from `workbench.assess`); the command line
    names its option instead (`--linkage must be one of ...`, `UsageError.for_flag`).

    >>> error = UsageError("must be one of exact, probabilistic; got 'fuzzy'", parameter="linkage")
    >>> str(error)
    "linkage must be one of exact, probabilistic; got 'fuzzy'"
    >>> error.for_flag()
    "--linkage must be one of exact, probabilistic; got 'fuzzy'"
    """

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        self.parameter = parameter
        self.detail = message
        super().__init__(message if parameter is None else _named(parameter, message))

    def for_flag(self, flags: dict[str, str] | None = None) -> str:
        """The message as the command line says it: the parameter named by its option
        (`flags` maps a parameter to an option whose name differs from `--parameter-name`)."""
        if self.parameter is None:
            return str(self)
        flag = (flags or {}).get(self.parameter, "--" + self.parameter.replace("_", "-"))
        return _named(flag, self.detail)


def _named(name: str, message: str) -> str:
    """`out must end in ...`, or `out: the folder ...` for a message that starts with a colon."""
    return f"{name}{message}" if message.startswith(":") else f"{name} {message}"


class DataFileError(WorkbenchError):
    """A whole input file cannot be used: missing, unreadable, or lacking a required column.

    Row-level problems are never raised: they go to the quarantine.
    """

    def __init__(
        self,
        file: str | Path,
        message: str,
        *,
        column: str | None = None,
        row: int | None = None,
    ) -> None:
        self.file = str(file)
        self.column = column
        self.row = row
        where = self.file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")


class RuleFileError(WorkbenchError):
    """A rule file breaks the rule-file schema; the message names the file and the field."""

    def __init__(self, file: str | Path, message: str) -> None:
        self.file = str(file)
        super().__init__(f"{self.file}: {message}")
