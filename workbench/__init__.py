"""Eligibility Workbench: candidate lists for human review, never decisions.

The package proposes families who look eligible for help they are not yet getting (the
two-year-old offer, free school meals, the Early Years Pupil Premium, the Disability Access
Fund), each with the criteria met and the evidence; only a recorded human decision moves a
family on.

The analyst's API (each name is imported on first use, so `import workbench` stays quick):

- `load(folder)`: a data folder, typed, with its quarantine;
- `rule_set(initiative, on=)`: the rules for a term (`print(wb.describe(rules, on))` words
  them); not `rules`, which is the package's rule-file subpackage, `workbench.rules`;
- `assess(data, initiative, term_start=, as_of=, linkage=)`: an `Assessment` with
  ``.candidates`` (a polars DataFrame), ``.evidence``, ``.explain(person_id)``,
  ``.summary()`` and ``.write(out)``;
- `link(data)`: DWP-list and funded-place rows linked to people (exact pass, then Splink);
- `take_up(assessment, by=)`: eligible and funded children and the rate (raw counts: protect
  them with `workbench.stats.protect` before publishing);
- `ReviewStore`: the append-only store of reviewers' decisions;
- `run_report(notebook, data=, parameters=)`: a notebook run with papermill into reports/.

Example
-------
>>> import workbench as wb
>>> found = wb.assess("data_samples/council_small", "two_year_old",
...                   term_start="2026-09-01", as_of="2026-08-01")
>>> found  # doctest: +ELLIPSIS
<Assessment two_year_old@..., term starting 2026-09-01, ... all pending review>
>>> sorted(set(found.candidates["tier"]))
['likely', 'possible']
"""

from __future__ import annotations

from workbench.errors import DataFileError, RuleFileError, UsageError, WorkbenchError

__all__ = [
    "Assessment",
    "DataFileError",
    "ReviewStore",
    "RuleFileError",
    "UsageError",
    "WorkbenchError",
    "__version__",
    "assess",
    "describe",
    "link",
    "load",
    "rule_set",
    "run_report",
    "take_up",
]

# Where each name of the API lives; imported on first use (PEP 562).
_LAZY = {
    "Assessment": "eligibility.assess",
    "assess": "eligibility.assess",
    "link": "eligibility.assess",
    "load": "eligibility.assess",
    "rule_set": "eligibility.assess",
    "describe": "rules.describe",
    "take_up": "stats.takeup",
    "ReviewStore": "review.store",
    "run_report": "runs.report",
}
_HOMES = {"describe": "describe_rule_set"}  # the API's name -> the name in its module


def _package_version() -> str:
    # importlib.metadata costs about 0.05 s to import: only commands that record the
    # version pay for it, and only once.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eligibility-workbench")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0+unknown"


def __getattr__(name: str) -> object:
    """`__version__` and the API's names, looked up on first use (PEP 562)."""
    if name == "__version__":
        value = _package_version()
        globals()["__version__"] = value
        return value
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f"workbench.{_LAZY[name]}")
        value = getattr(module, _HOMES.get(name, name))
        globals()[name] = value
        return value
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
