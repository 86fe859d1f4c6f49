"""Eligibility Workbench: candidate lists for human review, never decisions.

The package proposes families who look eligible for help they are not yet getting (the
two-year-old offer, free school meals, the Early Years Pupil Premium), each with the criteria
met and the evidence; only a recorded human decision moves a family on.
"""

from __future__ import annotations

from workbench.errors import DataFileError, RuleFileError, UsageError, WorkbenchError

__all__ = ["DataFileError", "RuleFileError", "UsageError", "WorkbenchError", "__version__"]


def _package_version() -> str:
    # importlib.metadata costs about 0.05 s to import: only commands that record the
    # version pay for it, and only once.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eligibility-workbench")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0+unknown"


def __getattr__(name: str) -> str:
    """`__version__`, looked up on first use (PEP 562)."""
    if name == "__version__":
        value = _package_version()
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
