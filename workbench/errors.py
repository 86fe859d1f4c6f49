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
    """A command was called with arguments that cannot work (bad date, unknown initiative...)."""


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
