"""The linkage model saved and reloaded as Splink JSON (`workbench.linkage.folder` runs it on a
data folder).

`save_settings(folder)` writes

- `dwp_list.json` and `funded_places.json`: each exactly what Splink's
  `linker.misc.save_model_to_json` writes (a Splink settings dictionary: comparisons with
  their levels and m/u probabilities, blocking rules), in one SQL dialect: `duckdb` (the
  default, what `workbench link` runs) or `spark` (for `splink.SparkAPI`). Splink does not
  translate SQL held in a JSON file, so a file is written for the backend that will read it;
  `workbench.linkage.settings.linkage_settings` builds either from the same named comparisons.
- `bands.json`: the workbench's own part: the `(linked, clerical_review)` thresholds, the SQL
  dialect, whether u and m are re-estimated from each run's data (`estimate_u`,
  `estimate_m`; a file without `estimate_m` follows `estimate_u`), and the Splink version
  that wrote the files.

The prior (`probability_two_random_records_match`) is set on every run to one in the number
of candidate children, so the value in the files is a placeholder.

Example
-------
>>> import tempfile
>>> folder = save_settings(tempfile.mkdtemp(), thresholds=(0.9, 0.4))
>>> model = load_settings(folder)
>>> model.thresholds, sorted(model.sources)
((0.9, 0.4), ['dwp_list', 'funded_places'])
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import splink

from workbench.errors import DataFileError, UsageError
from workbench.linkage.exact import LINK_SOURCES
from workbench.linkage.settings import DEFAULT_THRESHOLDS, linkage_settings

__all__ = [
    "BANDS_FILE",
    "DIALECTS",
    "LinkageModel",
    "load_settings",
    "save_settings",
]

BANDS_FILE = "bands.json"
DIALECTS = ("duckdb", "spark")
_PLACEHOLDER_PRIOR = 1e-4  # replaced on every run by one in the number of candidate children


@dataclass(frozen=True)
class LinkageModel:
    """A reloaded linkage model.

    Attributes
    ----------
    thresholds
        `(linked, clerical_review)` match probabilities.
    sources
        Source name -> Splink settings dictionary (as Splink's JSON holds it).
    sql_dialect
        The SQL dialect of the settings: `duckdb` or `spark`.
    estimate_u
        Re-estimate u from each run's data by seeded random sampling (the default); when
        False the files' u probabilities are used as they are (a model trained elsewhere).
    estimate_m
        Train m on each run's data by expectation maximisation, starting from and pulled
        towards the files' values (the default); when False they are used as they are.
    """

    thresholds: tuple[float, float] = DEFAULT_THRESHOLDS
    sources: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    sql_dialect: str = "duckdb"
    estimate_u: bool = True
    estimate_m: bool = True

    def splink_settings(self, source: str, prior: float) -> dict[str, Any]:
        """The Splink settings dictionary for `source`, with the run's prior set."""
        if source not in self.sources:
            raise UsageError(
                f"the linkage model has no settings for {source!r}; it has "
                f"{', '.join(sorted(self.sources)) or 'none'}: save the model again with "
                "save_settings to include every source"
            )
        return {**self.sources[source], "probability_two_random_records_match": prior}


def _check_thresholds(thresholds: tuple[float, float]) -> tuple[float, float]:
    linked, clerical = (float(t) for t in thresholds)
    if not 0.0 < clerical <= linked <= 1.0:
        raise UsageError(
            "thresholds must be (linked, clerical_review) with 0 < clerical_review <= linked "
            f"<= 1; got {tuple(thresholds)!r}: give e.g. (0.95, 0.5)"
        )
    return linked, clerical


def save_settings(
    folder: str | Path,
    *,
    dialect: str = "duckdb",
    thresholds: tuple[float, float] = DEFAULT_THRESHOLDS,
    estimate_u: bool = True,
    estimate_m: bool = True,
) -> Path:
    """Write the linkage model to `folder` as Splink JSON (one file per source) and
    `bands.json`; return the folder.

    Parameters
    ----------
    folder
        Created when missing; files already there are replaced.
    dialect
        `duckdb` (what the workbench runs) or `spark` (for Splink's `SparkAPI`).
    thresholds
        `(linked, clerical_review)`, 0 < clerical_review <= linked <= 1.
    estimate_u, estimate_m
        Written to `bands.json`: whether a run re-estimates u (and trains m) on its data.
    """
    if dialect not in DIALECTS:
        raise UsageError(f"dialect must be one of {', '.join(DIALECTS)}; got {dialect!r}")
    linked, clerical = _check_thresholds(thresholds)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for source in LINK_SOURCES:
        creator = linkage_settings(source, probability_two_random_records_match=_PLACEHOLDER_PRIOR)
        settings = creator.get_settings(dialect).as_dict()
        (folder / f"{source}.json").write_text(json.dumps(settings, indent=2) + "\n")
    bands = {
        "thresholds": {"linked": linked, "clerical_review": clerical},
        "sql_dialect": dialect,
        "estimate_u": estimate_u,
        "estimate_m": estimate_m,
        "splink_version": splink.__version__,
        "sources": list(LINK_SOURCES),
    }
    (folder / BANDS_FILE).write_text(json.dumps(bands, indent=2) + "\n")
    return folder


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise DataFileError(
            path,
            "not found: a linkage model folder holds bands.json and "
            "one Splink JSON file per source, as save_settings writes them",
        )
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise DataFileError(path, f"is not valid JSON ({error})") from error


def load_settings(folder: str | Path) -> LinkageModel:
    """Read a model folder written by `save_settings`.

    Raises
    ------
    DataFileError
        A file is missing, is not JSON, or lacks a field it needs.
    """
    folder = Path(folder)
    bands = _read_json(folder / BANDS_FILE)
    try:
        thresholds = (
            bands["thresholds"]["linked"],
            bands["thresholds"]["clerical_review"],
        )
        dialect, estimate_u, names = bands["sql_dialect"], bands["estimate_u"], bands["sources"]
    except (KeyError, TypeError) as error:
        raise DataFileError(
            folder / BANDS_FILE,
            f"lacks {error}: expected thresholds.linked, thresholds.clerical_review, "
            "sql_dialect, estimate_u and sources",
        ) from error
    try:
        thresholds = _check_thresholds(thresholds)
    except UsageError as error:
        raise DataFileError(folder / BANDS_FILE, str(error)) from error
    sources = {name: _read_json(folder / f"{name}.json") for name in names}
    for name, settings in sources.items():
        if not isinstance(settings, dict) or "comparisons" not in settings:
            raise DataFileError(
                folder / f"{name}.json", "is not a Splink settings dictionary (no comparisons)"
            )
    return LinkageModel(
        thresholds=thresholds,
        sources=sources,
        sql_dialect=dialect,
        estimate_u=bool(estimate_u),
        estimate_m=bool(bands.get("estimate_m", estimate_u)),
    )
