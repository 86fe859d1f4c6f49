"""Eligibility Workbench: candidate lists for human review, never decisions.

The package proposes families who look eligible for help they are not yet getting (the
two-year-old offer, free school meals, the Early Years Pupil Premium), each with the criteria
met and the evidence; only a recorded human decision moves a family on.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from workbench.errors import DataFileError, RuleFileError, UsageError, WorkbenchError

try:
    __version__ = version("eligibility-workbench")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["DataFileError", "RuleFileError", "UsageError", "WorkbenchError", "__version__"]
