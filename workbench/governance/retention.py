"""Retention: delete run folders, restricted outputs, lists, outreach and check exports, DfE's
results files, quarantine files, link outputs and subject-access exports past their date.

The policy is data (`retention.yaml` beside this module, or a council's own file): for each kind
of output how long it is kept, from which date, and why. `plan_retention` finds what is on disk
and when each thing may go; `apply_retention` deletes exactly what is due and appends one line
to a JSON-lines log with counts and run ids, never a path, a name or an id of a person.

What is found:

- **run folders** ``reports/<YYYY-MM-DD>-<name>-<run id>/`` (also ``...-failed/``, and an
  earlier run a rerun kept whole, ``...-replaced-<UTC time>/``), dated by
  their name; inside each, ``restricted/`` (restricted outputs) and outreach exports. The hidden
  ``reports/.<run folder>.partial/`` (and ``.previous/``) a report run that stopped part-way
  leaves behind is dated and deleted the same way, except while a run holds its lock
  ``reports/.<run folder>.lock``: then it is left alone and a note says it is in progress. A
  hidden ``.partial`` / ``.previous`` folder named otherwise is left alone with a note, and the
  zero-byte lock files are never deleted (removing one a run holds would let a second run in).
  A review store in a run folder (``restricted/review.sqlite``, notebook 03's default before
  it used the default store, so older runs hold one) is listed as ``decisions`` and never
  due: the folders holding it are kept (`_stores_in`);
- **lists**: every ``.csv`` / ``.parquet`` with a ``.manifest.json`` beside it (but links,
  whose manifest is `workbench link`'s), under the reports folder and any other roots given;
  dated by the manifest's ``term_start``, else the run date, else the file's modification
  date. A list is deleted with its manifest and the report of the DWP-list rows it does not
  carry (``NAME.dwp_not_listed.csv``); such a report left without its list is dated by its
  run, else its file.
- **outreach exports**: every file with a ``.outreach.json`` sidecar (what `workbench review
  outreach` writes), dated by its ``exported_at``, and files in run folders matching the
  policy's ``patterns``. An export is deleted with its sidecar.
- **check exports**: what `workbench check export` wrote: each ``NAME.check.json`` sidecar with
  the files it names (``NAME-part1.csv``, ...) and ``NAME.not_checkable.csv``, dated by its
  ``exported_at`` (else the run date or the file's date) and deleted together; and any CSV with
  the header of DfE's bulk-check template (or of a not-checkable file) that no sidecar claims,
  dated by the run date or the file's date.
- **DfE's results files** (``dfe_results``): the CSVs DfE's checking services give back, which
  `workbench check import` reads (parents' names, dates of birth and National Insurance
  numbers): any CSV whose header holds one of DfE's templates' columns and ``Outcome``
  (compared without case or extra spaces, as the import reads them). With a review store, one
  the store records as imported (by its SHA-256) is dated by that import's day (the latest, if
  imported more than once); else by the run date or the file's date.
- **quarantine files** (``quarantine_files``): what `workbench validate --quarantine-out`
  writes and `workbench link` writes beside its links (``<stem>.quarantine.csv``): a CSV whose
  header is the quarantine's columns ``table,file,row,column,value,reason`` (or a parquet file
  with those columns), dated by the run date or the file's date.
- **link outputs** (``link_outputs``): what `workbench link --out` writes (and the links a
  report run keeps in ``restricted/``): a CSV or parquet file with the links' columns
  (``source``, ``record_id``, ``person_id``, ``band``, ``match_probability``, ``method``, with
  or without ``match_weight``, ``contributions`` and ``held_because``), dated by the run date
  or the file's date, and deleted with the manifest beside them.
- **subject-access exports** (``subject_access_exports``): what `workbench subject-access
  --out FILE.md|FILE.html` writes: a ``.md`` whose first line, or an ``.html`` whose title and
  first heading, is the export's ("Subject access: what the Eligibility Workbench holds
  about ..."), dated by the "Prepared on" day it states (else the run date or the file's
  date) and deleted with its appendix ``FILE.md-appendix.csv`` (or ``FILE.html-...``; an
  export written before appendices were named so has ``FILE-appendix.csv``); an appendix (a
  name ending ``-appendix.csv``, header ``section,record,field,value``) left without its
  export is found and dated on its own.

Each is recognised by what is in it (its header, its heading), never by its name alone; a
file that merely shares a name is never touched.

A folder is never deleted while something inside it is still within its period: its date is
pushed back to the latest date inside it, and the reason says so.

With a review store, the plan also gives its cut-offs: the items of lists *stored* before the
``lists`` cut-off (the store dates a list by when it was registered), the decisions *recorded*
before the ``decisions`` cut-off and DfE's check results *imported* before the
``check_results`` cut-off are due. Applying the plan removes them only through
:meth:`ReviewStore.apply_retention <workbench.review.store.ReviewStore.apply_retention>`: list
rows, import rows and their counts stay, each removed run of decisions is replaced by a sealed chain
checkpoint so the chain still verifies, and the store's access log records the counts.

With a review store, the plan also finds which outreach exports, check exports and review
workbooks due are exports the store records (an outreach export by the file it wrote, its list
and rows; a check export by the export id in its sidecar; a workbook by its list and name, as the
access log records its export); applying it tells the store of each whose file was deleted, in
a sealed access-log line naming the export, never the path, and subject access then says the file
was deleted under retention instead of asking for it. Without a store none is told: the plan's
notes and the command's output say so.

Decisions outlive the lists they were about: a decision names the child only by a pseudonymous
key, but its reason is the officer's free text, kept in plain words for the decisions' period.
The rows of each DfE check export (``check_export_rows``, ``check_export_items``) and the
store's access log have no retention period today: the owner has to decide one (the policy has
no kind for them).

A council's policy file names a period for every kind, except that one copied before the
kinds ``dfe_results``, ``quarantine_files``, ``link_outputs`` and ``subject_access_exports``
existed still loads: each of those it lacks takes the package default's period
(`RetentionPolicy.defaulted` names them), and the plan says so in a note, and the log line
names them (kinds only), so that the council adds its own.

Example
-------
>>> from datetime import date
>>> policy = load_policy()
>>> policy.periods["lists"].keep.expires(date(2026, 9, 1))
datetime.date(2027, 9, 1)
"""

from __future__ import annotations

import calendar
import csv
import fnmatch
import functools
import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self

import yaml
from filelock import FileLock, Timeout
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from workbench.errors import DataFileError, WorkbenchError
from workbench.runs.link_manifest import LINK_RUN
from workbench.runs.rerun import REPLACED_SUFFIX

if TYPE_CHECKING:
    from workbench.review.store import RetentionResult

__all__ = [
    "DEFAULT_POLICY",
    "KINDS",
    "Period",
    "RetentionItem",
    "RetentionPlan",
    "RetentionPolicy",
    "StoreRetention",
    "apply_retention",
    "cut_off",
    "list_files",
    "load_policy",
    "plan_retention",
    "run_in_progress",
]

DEFAULT_POLICY = Path(__file__).with_name("retention.yaml")
KINDS = (
    "run_folders",
    "restricted_outputs",
    "lists",
    "outreach_exports",
    "check_exports",
    "review_workbooks",
    "dfe_results",
    "quarantine_files",
    "link_outputs",
    "subject_access_exports",
    "decisions",
    "check_results",
)
DEFAULTED_KINDS = ("dfe_results", "quarantine_files", "link_outputs", "subject_access_exports")
"""The kinds a council's policy may lack (one copied before they existed): the package
default's period is used for each, and the plan says so. Every other kind must be named."""
STORE_KINDS = ("decisions", "check_results")
"""The kinds held in the review store (removed through it); the others are files."""
EXPORT_KINDS = {
    "outreach_exports": "outreach",
    "check_exports": "check",
    "review_workbooks": "workbook",
}
"""The kinds of file the review store records as exports, each with its kind of export
(`workbench.review.retention.EXPORT_FILE_KINDS`): with a store, applying the plan tells it
which of its exports' files were deleted."""
# What each kind is, for a policy file that lacks one (a council's copy made before it existed).
KIND_HINTS = {
    "run_folders": "run folders, from run_date",
    "restricted_outputs": "restricted/ folders, from run_date",
    "lists": "candidate lists, from term_start",
    "outreach_exports": "outreach exports, from exported_at, with patterns",
    "check_exports": (
        "the files `workbench check export` writes for DfE's eligibility checking service "
        "(names, dates of birth, National Insurance numbers), from exported_at"
    ),
    "review_workbooks": (
        "the workbooks `workbench review export` writes for officers (children's names, dates "
        "of birth, addresses and parents), from exported_at"
    ),
    "dfe_results": (
        "the results files DfE's checking services give back, which `workbench check import` "
        "reads (parents' names, dates of birth, National Insurance numbers), from imported_at"
    ),
    "quarantine_files": (
        "the quarantined rows `workbench validate --quarantine-out` and `workbench link` "
        "write (raw personal data as given), from written_at"
    ),
    "link_outputs": (
        "the links `workbench link` writes (each DWP-list or funded-place row with the child it "
        "links to), from written_at"
    ),
    "subject_access_exports": (
        "the exports `workbench subject-access` writes (everything held about one person) with "
        "their CSV appendix, from exported_at"
    ),
    "decisions": "decisions in the review store, from decided_at",
    "check_results": "DfE's check results imported into the review store, from imported_at",
}
RUN_FOLDER = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})-(?P<name>.+)-(?P<run>r-[0-9a-f]+)(-failed)?"
    rf"(?:{REPLACED_SUFFIX})?$"
)
"""A run folder's name; an earlier run a rerun kept whole ends `-replaced-<UTC time>`
(`workbench.runs.rerun`), and is dated by its run's day as the others are."""
# What `workbench report` writes a run into (`.partial`) and moves the run it replaces aside to
# (`.previous`) while its lock `.<run folder>.lock` is held; a run that stopped part-way leaves
# them behind.
UNFINISHED_RUN = re.compile(r"^\.(?P<folder>.+)\.(?P<state>partial|previous)$")
LIST_SUFFIXES = (".csv", ".parquet")
MANIFEST_SUFFIX = ".manifest.json"
# `workbench review outreach` writes FILE.csv beside FILE.csv.outreach.json (its sidecar).
OUTREACH_SUFFIX = ".outreach.json"
RESTRICTED = "restricted"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    """A length of time: years, months and days (at least one of them non-zero)."""

    years: int = Field(default=0, ge=0, le=100)
    months: int = Field(default=0, ge=0, le=1200)
    days: int = Field(default=0, ge=0, le=36500)

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not (self.years or self.months or self.days):
            raise ValueError("a period needs years, months or days; got none")
        return self

    def expires(self, start: date) -> date:
        """The day the period ends (a 29 February start ends on 28 February in a common year).

        Examples
        --------
        >>> Period(years=1).expires(date(2024, 2, 29))
        datetime.date(2025, 2, 28)
        """
        months = start.month - 1 + self.months + 12 * self.years
        year, month = start.year + months // 12, months % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return date(year, month, day) + timedelta(days=self.days)

    def __str__(self) -> str:
        parts = [(self.years, "year"), (self.months, "month"), (self.days, "day")]
        return ", ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n)


def cut_off(period: Period, today: date) -> date:
    """The first day whose period has not ended by ``today``: anything dated before it is due.

    ``day < cut_off(period, today)`` exactly when ``period.expires(day) <= today``.

    Examples
    --------
    >>> cut_off(Period(years=6), date(2026, 9, 1))
    datetime.date(2020, 9, 2)
    >>> cut_off(Period(years=1), date(2025, 2, 28))  # 29 February 2024 ends on 28 February
    datetime.date(2024, 3, 1)
    """
    span = 366 * period.years + 31 * period.months + period.days + 1
    low, high = (today - timedelta(days=span)).toordinal(), (today + timedelta(days=1)).toordinal()
    # period.expires never decreases as the start moves on: find its first day past `today`.
    while low < high:
        middle = (low + high) // 2
        if period.expires(date.fromordinal(middle)) > today:
            high = middle
        else:
            low = middle + 1
    return date.fromordinal(low)


class KindPolicy(_Strict):
    """How long one kind of output is kept, counted from which date, and why."""

    keep: Period
    from_: Literal[
        "run_date", "term_start", "exported_at", "decided_at", "imported_at", "written_at"
    ] = Field(alias="from")
    reason: str = Field(min_length=10)
    confirm: Literal["council-to-confirm", "confirmed"]
    patterns: list[str] = Field(default_factory=list)


@functools.cache
def _default_periods() -> dict:
    """The package default's `periods` as written (not validated): what a council's policy
    lacking one of `DEFAULTED_KINDS` takes."""
    try:
        raw = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    periods = raw.get("periods") if isinstance(raw, dict) else None
    return periods if isinstance(periods, dict) else {}


class RetentionPolicy(_Strict):
    """The retention policy: one `KindPolicy` for each of `KINDS`.

    ``defaulted`` names the kinds of `DEFAULTED_KINDS` the policy file lacked, whose periods
    are the package default's (worked out when the policy is read: never taken from the
    file)."""

    version: str
    periods: dict[str, KindPolicy]
    source: str = "workbench/governance/retention.yaml"
    defaulted: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _default_new_kinds(cls, data: object) -> object:
        if not isinstance(data, dict) or not isinstance(data.get("periods"), dict):
            return data
        periods = dict(data["periods"])
        package = _default_periods()
        missing = [k for k in DEFAULTED_KINDS if k not in periods and k in package]
        periods |= {k: package[k] for k in missing}
        return data | {"periods": periods, "defaulted": tuple(missing)}

    @field_validator("periods")
    @classmethod
    def _every_kind(cls, periods: dict[str, KindPolicy]) -> dict[str, KindPolicy]:
        missing = [k for k in KINDS if k not in periods]
        unknown = sorted(set(periods) - set(KINDS))
        if missing:
            what = "; ".join(f"{k}: {KIND_HINTS[k]}" for k in missing)
            named = [k for k in KINDS if k not in DEFAULTED_KINDS]
            raise ValueError(
                f"missing the kind(s) {', '.join(missing)} ({what}). A policy names a period "
                f"for every kind ({', '.join(named)}; those added since, "
                f"{', '.join(DEFAULTED_KINDS)}, take the package default's when missing); a "
                "policy copied before the workbench "
                f"knew {'these kinds' if len(missing) > 1 else 'this kind'} lacks "
                f"{'them' if len(missing) > 1 else 'it'}: add {', '.join(missing)} under "
                "`periods` with `keep`, `from`, `confirm` and `reason`, as in "
                "workbench/governance/retention.yaml, with the period your council agrees"
            )
        if unknown:
            raise ValueError(
                f"unknown kind(s) {', '.join(unknown)}; expected exactly the kinds "
                f"{', '.join(KINDS)}"
            )
        if not periods["outreach_exports"].patterns:
            raise ValueError("outreach_exports needs `patterns` (file names such as outreach*.csv)")
        return periods


def load_policy(path: str | Path | None = None) -> RetentionPolicy:
    """Load and validate a retention policy (the package default when `path` is None).

    Raises
    ------
    DataFileError
        When the file cannot be read or breaks the schema; the message names the field.

    Examples
    --------
    >>> load_policy().periods["decisions"].keep.years
    6
    """
    path = Path(path) if path is not None else DEFAULT_POLICY
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DataFileError(path, f"cannot read the retention policy: {error}") from None
    if not isinstance(raw, dict):
        raise DataFileError(
            path, f"a retention policy is a mapping with version and periods; got {raw!r:.40}"
        )
    source = "workbench/governance/retention.yaml" if path == DEFAULT_POLICY else str(path)
    try:
        return RetentionPolicy.model_validate(raw | {"source": source})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        message = first["msg"].removeprefix("Value error, ")
        raise DataFileError(
            path,
            f"{where}: {message}{more}. See workbench/governance/retention.yaml "
            "for the expected shape",
        ) from None


@dataclass(frozen=True)
class RetentionItem:
    """One thing on disk the policy covers, and the day it may be deleted."""

    path: Path
    kind: str
    created: date
    expires: date
    reason: str
    run_id: str | None = None
    also: tuple[Path, ...] = ()
    """Files deleted with it (a check export's part files and not-checkable file)."""
    lock: Path | None = None
    """For a hidden run folder a stopped run left (``.partial``, ``.previous``) and anything in
    it, the lock a report run holds while writing it: checked again before deleting."""

    def due(self, today: date) -> bool:
        return self.expires <= today


@dataclass(frozen=True)
class StoreRetention:
    """The review store's part of a plan: the cut-offs from the policy and what is due.

    List items of lists stored before ``before_lists``, decisions recorded before
    ``before_decisions`` and DfE's check results imported before ``before_check_results`` (all
    midnight UTC) are due; ``due`` holds the counts.
    """

    path: Path
    before_lists: datetime
    before_decisions: datetime
    due: RetentionResult
    before_check_results: datetime | None = None
    exports: tuple[tuple[Path, str, str], ...] = ()
    """The files due (`RetentionPlan.export_items`) that are exports the store records: each
    file's path (a check export's sidecar), its kind of export and the export's reference in
    the store (`workbench.review.retention.EXPORT_FILE_KINDS`). Applying the plan tells the
    store of those deleted."""

    def note(self, policy: RetentionPolicy, decisions_held: int) -> str:
        """One line for the plan: counts and cut-off dates only."""
        lists_keep = policy.periods["lists"].keep
        decisions_keep = policy.periods["decisions"].keep
        results_keep = policy.periods["check_results"].keep
        results = ""
        if self.before_check_results is not None:
            results = (
                f", and {self.due.check_results} check results of {self.due.check_imports} "
                f"imports of DfE's results imported before {self.before_check_results.date()} "
                f"({results_keep} from the import)"
            )
        return (
            f"review store: {self.due.list_items} items of {self.due.lists} lists stored before "
            f"{self.before_lists.date()} ({lists_keep} from when the list was stored), "
            f"{self.due.decisions} of {decisions_held} decisions recorded before "
            f"{self.before_decisions.date()} ({decisions_keep} from the decision){results} are "
            "past their period. --apply removes them through the store, which keeps the counts "
            "of each list and import and bridges the decision chain with a sealed checkpoint."
        )


@dataclass(frozen=True)
class RetentionPlan:
    """Everything found, sorted by path; `due` is what `apply_retention` deletes.

    ``store`` is the review store's part (None when no store was given); ``in_progress`` the
    hidden run folders left alone because a report run is writing them now.
    """

    root: Path
    today: date
    policy: RetentionPolicy
    items: list[RetentionItem]
    notes: list[str] = field(default_factory=list)
    store: StoreRetention | None = None
    in_progress: list[Path] = field(default_factory=list)

    @property
    def due(self) -> list[RetentionItem]:
        """Items past their date, leaving out those inside a folder that is itself due."""
        due = [i for i in self.items if i.due(self.today)]
        folders = [i.path for i in due if i.kind in ("run_folders", "restricted_outputs")]
        return [i for i in due if not any(f in i.path.parents for f in folders)]

    @property
    def kept(self) -> list[RetentionItem]:
        return [i for i in self.items if not i.due(self.today)]

    @property
    def export_items(self) -> list[RetentionItem]:
        """The outreach exports, check exports and review workbooks that applying the plan
        deletes: those due, and those inside a folder due (deleted with it)."""
        due = self.due
        folders = [i.path for i in due if i.kind in ("run_folders", "restricted_outputs")]
        return [
            i
            for i in self.items
            if i.kind in EXPORT_KINDS and (i in due or any(f in i.path.parents for f in folders))
        ]

    def table(self) -> list[tuple[str, str, str, str, str]]:
        """Rows for printing: action, kind, path, created, expires."""
        return [
            (
                "delete" if i.due(self.today) else "keep",
                i.kind,
                str(i.path),
                i.created.isoformat(),
                i.expires.isoformat(),
            )
            for i in self.items
        ]


def _manifest(path: Path, suffix: str = MANIFEST_SUFFIX) -> dict:
    try:
        record = json.loads(path.with_name(path.name + suffix).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _file_date(path: Path) -> date:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date()


def _walk(folder: Path) -> Iterator[Path]:
    """Every file under `folder`, never following symbolic links."""
    for here, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            yield Path(here) / name


def _item(
    path: Path, kind: str, created: date, policy: RetentionPolicy, run_id: str | None = None
) -> RetentionItem:
    rule = policy.periods[kind]
    reason = f"{rule.reason.strip()} ({rule.keep} from the {rule.from_.replace('_', ' ')}; "
    reason += f"{rule.confirm})"
    return RetentionItem(path, kind, created, rule.keep.expires(created), reason, run_id)


def _list_item(path: Path, policy: RetentionPolicy, run_date: date | None) -> RetentionItem:
    record = _manifest(path)
    term = (record.get("parameters") or {}).get("term_start")
    try:
        created = date.fromisoformat(term) if term else (run_date or _file_date(path))
    except (TypeError, ValueError):
        created = run_date or _file_date(path)
    run = record.get("run_id") if isinstance(record.get("run_id"), str) else None
    unlisted = _unlisted(path)
    also = (unlisted,) if unlisted.exists() else ()
    return replace(_item(path, "lists", created, policy, run), also=also)


def _unlisted(listed: Path) -> Path:
    """The DWP-list rows not on a list, reported beside it (`assess`): they go with it."""
    from workbench.eligibility.assess import unlisted_path

    return unlisted_path(listed)


_UNLISTED_SUFFIX = ".dwp_not_listed.csv"


def _outreach_item(
    path: Path, policy: RetentionPolicy, run_date: date | None, run_id: str | None
) -> RetentionItem:
    record = _manifest(path, OUTREACH_SUFFIX)
    try:
        created = date.fromisoformat(str(record.get("exported_at", ""))[:10])
    except ValueError:
        created = run_date or _file_date(path)
    run = record.get("run_id") if isinstance(record.get("run_id"), str) else run_id
    return _item(path, "outreach_exports", created, policy, run)


def _workbook_item(
    path: Path,
    exported: date | None,
    policy: RetentionPolicy,
    run_date: date | None,
    run_id: str | None,
) -> RetentionItem:
    created = exported or run_date or _file_date(path)
    return _item(path, "review_workbooks", created, policy, run_id)


def _beside(path: Path, suffix: str) -> bool:
    return path.with_name(path.name + suffix).is_file()


def is_list_file(path: Path) -> bool:
    """Whether `path` is a list `workbench assess` wrote: a ``.csv`` / ``.parquet`` with a
    ``.manifest.json`` beside it, but for links, whose manifest (`workbench link`'s) names
    the command ``link``."""
    return (
        path.suffix.lower() in LIST_SUFFIXES
        and _beside(path, MANIFEST_SUFFIX)
        and _manifest(path).get("command") != LINK_RUN
    )


def list_files(folder: str | Path) -> list[Path]:
    """Every list under `folder` (a reports folder, say) as retention finds them
    (:func:`is_list_file`), folder by folder, by name; symbolic links to folders are not
    followed and hidden folders (a report run's unfinished ``.partial``) are not searched.
    Empty when `folder` is not a folder.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("a.csv", "a.csv.manifest.json", "notes.csv"):
    ...     _ = (folder / name).write_text("x")
    >>> [p.name for p in list_files(folder)]
    ['a.csv']
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return [path for path in _walk(folder) if is_list_file(path)]


def _check_record(path: Path) -> dict | None:
    """The record in a check export's sidecar, or None when `path` is not one.

    `workbench check export --out NAME.csv` writes NAME-part1.csv, ... beside NAME.check.json
    (its sidecar) and NAME.not_checkable.csv (`workbench.review.checks`, imported only when
    retention runs: it brings the loader along)."""
    from workbench.review.checks import CHECK_FORMAT, CHECK_SUFFIX

    if not path.name.endswith(CHECK_SUFFIX):
        return None
    try:
        record = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != CHECK_FORMAT:
        return None
    return record


def _check_files(sidecar: Path, record: dict) -> tuple[Path, ...]:
    """The files a check export's sidecar names, its parts by pattern and its not-checkable
    file, as far as they exist (never the sidecar itself, never outside its folder)."""
    from workbench.review.checks import CHECK_SUFFIX, NOT_CHECKABLE_SUFFIX, named_files

    stem = sidecar.name.removesuffix(CHECK_SUFFIX)
    named = set(named_files(sidecar, record))
    parts = {
        p
        for p in sidecar.parent.glob(f"{glob.escape(stem)}-part*.csv")
        if p.name.removeprefix(f"{stem}-part").removesuffix(".csv").isdigit()
    }
    extra = {sidecar.with_name(stem + NOT_CHECKABLE_SUFFIX)}
    found = {p for p in named | parts | extra if p.is_file() and not p.is_symlink()}
    return tuple(sorted(found - {sidecar}))


def _check_item(
    sidecar: Path,
    record: dict,
    policy: RetentionPolicy,
    run_date: date | None,
    run_id: str | None,
) -> RetentionItem:
    try:
        created = date.fromisoformat(str(record.get("exported_at", ""))[:10])
    except ValueError:
        created = run_date or _file_date(sidecar)
    run = record.get("run_id") if isinstance(record.get("run_id"), str) else run_id
    item = _item(sidecar, "check_exports", created, policy, run)
    return replace(item, also=_check_files(sidecar, record))


# What `workbench subject-access` writes (`workbench.governance.subject_access`): its first
# heading, the day it states, and its appendix's header and name (`appendix_path`).
SAR_HEADING = "Subject access: what the Eligibility Workbench holds about "
SAR_HTML_TITLE = "<title>Subject access</title>"
SAR_PREPARED = re.compile(r"Prepared on (\d{4}-\d{2}-\d{2}) for the council")
SAR_APPENDIX_SUFFIX = "-appendix.csv"
SAR_APPENDIX_HEADER = ("section", "record", "field", "value")
SAR_SUFFIXES = (".md", ".html")
# `workbench link` writes `link_all`'s columns: `LINKS_SCHEMA`'s and these (named here, not
# imported: `workbench.linkage.probabilistic` brings Splink along).
LINK_EXTRA_COLUMNS = ("match_weight", "contributions", "held_because")
_SAR_HEAD_BYTES = 65536


def _header_cells(path: Path) -> tuple[str, ...]:
    """The columns of a CSV's header row (a byte-order mark dropped), or of a parquet file's
    schema; empty when the file cannot be read as one."""
    if path.suffix.lower() == ".parquet":
        import polars as pl

        try:
            return tuple(pl.read_parquet_schema(path))
        except (OSError, pl.exceptions.PolarsError):
            return ()
    from workbench.review.checks import header_line_of

    line = header_line_of(path)
    return tuple(next(csv.reader([line]), [])) if line else ()


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()


def _is_dfe_results(cells: tuple[str, ...]) -> bool:
    """Whether a header row is that of DfE's results for a bulk check: one of the templates'
    columns and ``Outcome``, compared without case or extra spaces (as `workbench check
    import` reads them; DfE's files have spelt a header with another capital)."""
    from workbench.review.check_results import OUTCOME
    from workbench.review.checks import TEMPLATES

    found = {_words(c) for c in cells}
    return any({_words(h) for h in (*t.headers, OUTCOME)} <= found for t in TEMPLATES.values())


def _is_quarantine(cells: tuple[str, ...]) -> bool:
    from workbench.data.checks import QUARANTINE_SCHEMA

    return cells == tuple(QUARANTINE_SCHEMA)


def _is_links(cells: tuple[str, ...]) -> bool:
    """Whether the columns are those of `workbench link`'s links: every column of
    `LINKS_SCHEMA`, and nothing but them and `LINK_EXTRA_COLUMNS`."""
    from workbench.linkage.exact import LINKS_SCHEMA

    return set(LINKS_SCHEMA) <= set(cells) <= {*LINKS_SCHEMA, *LINK_EXTRA_COLUMNS}


def _sar_export(path: Path) -> tuple[bool, date | None]:
    """Whether `path` is an export `workbench subject-access` wrote (its first heading), and
    the day it says it was prepared on (None when it says none)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(_SAR_HEAD_BYTES)
    except OSError:
        return False, None
    if path.suffix.lower() == ".md":
        found = head.startswith(f"# {SAR_HEADING}")
    else:
        found = SAR_HTML_TITLE in head and f"<h1>{SAR_HEADING}" in head
    if not found:
        return False, None
    prepared = SAR_PREPARED.search(head)
    try:
        return True, date.fromisoformat(prepared[1]) if prepared else None
    except ValueError:
        return True, None


def _sar_appendix(path: Path) -> bool:
    """Whether `path` is a subject-access export's CSV appendix: its name and its header."""
    return path.name.endswith(SAR_APPENDIX_SUFFIX) and _header_cells(path) == SAR_APPENDIX_HEADER


def _sar_items(
    paths: list[Path], policy: RetentionPolicy, run_date: date | None, run_id: str | None
) -> Iterator[RetentionItem]:
    """The subject-access exports among `paths`, each with its appendix beside it (deleted
    together): ``NAME.md-appendix.csv`` for ``NAME.md``. Exports written before appendices
    were named so share ``NAME-appendix.csv`` between ``NAME.md`` and ``NAME.html``: the
    export written last (its appendix replaced the other's) takes it; the other goes alone."""
    found = []
    for path in paths:
        if path.suffix.lower() in SAR_SUFFIXES:
            is_export, prepared = _sar_export(path)
            if is_export:
                found.append((path, prepared))
    owner: dict[Path, Path] = {}
    for path, _ in sorted(found, key=lambda f: (f[0].stat().st_mtime, str(f[0]))):
        owner[path.with_name(f"{path.stem}{SAR_APPENDIX_SUFFIX}")] = path  # the last wins
    for path, prepared in found:
        created = prepared or run_date or _file_date(path)
        own = path.with_name(f"{path.name}{SAR_APPENDIX_SUFFIX}")
        shared = path.with_name(f"{path.stem}{SAR_APPENDIX_SUFFIX}")
        if own.is_file() and _sar_appendix(own):
            also: tuple[Path, ...] = (own,)
        elif owner.get(shared) == path and shared.is_file() and _sar_appendix(shared):
            also = (shared,)
        else:
            also = ()
        item = _item(path, "subject_access_exports", created, policy, run_id)
        yield replace(item, also=also)


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _results_item(
    path: Path,
    policy: RetentionPolicy,
    run_date: date | None,
    run_id: str | None,
    imports: Mapping[str, date],
) -> RetentionItem:
    """One of DfE's results files: dated by the day the review store recorded importing it
    (by its SHA-256), else by its run or its file."""
    imported = imports.get(_sha256(path) or "") if imports else None
    item = _item(path, "dfe_results", imported or run_date or _file_date(path), policy, run_id)
    how = (
        "Dated by its import into the review store."
        if imported
        else "Dated by its run or its file: no review store given records importing it."
    )
    return replace(item, reason=f"{item.reason} {how}")


def _recognised(
    path: Path,
    policy: RetentionPolicy,
    run_date: date | None,
    run_id: str | None,
    imports: Mapping[str, date],
) -> RetentionItem | None:
    """The item for a CSV or parquet file that no sidecar or manifest claims, by its header:
    a check export's file, DfE's results, a quarantine, links or a subject-access appendix
    left alone; None for any other file."""
    from workbench.review.checks import export_headers

    suffix = path.suffix.lower()
    if suffix not in LIST_SUFFIXES or path.name.endswith(MANIFEST_SUFFIX):
        return None
    cells = _header_cells(path)
    if not cells:
        return None
    created = run_date or _file_date(path)
    if suffix == ".csv" and ",".join(cells) in export_headers():
        # A check export's file without its sidecar.
        return _item(path, "check_exports", created, policy, run_id)
    if suffix == ".csv" and _is_dfe_results(cells):
        return _results_item(path, policy, run_date, run_id, imports)
    if _is_quarantine(cells):
        return _item(path, "quarantine_files", created, policy, run_id)
    if _is_links(cells):
        return _item(path, "link_outputs", created, policy, run_id)
    if suffix == ".csv" and _sar_appendix(path):
        # An appendix whose export is gone.
        return _item(path, "subject_access_exports", created, policy, run_id)
    return None


def _files_in(
    folder: Path,
    policy: RetentionPolicy,
    run_date: date | None,
    run_id: str | None,
    imports: Mapping[str, date] | None = None,
) -> Iterator[RetentionItem]:
    """What the policy covers under `folder` (its run's date and id, when it is in one).
    `imports` maps the SHA-256 of each results file the review store records as imported to
    the day it was (last) imported."""
    from workbench.review.workbook import exported_on

    imports = imports or {}
    patterns = policy.periods["outreach_exports"].patterns
    paths = list(_walk(folder))
    claimed: set[Path] = set()
    for path in paths:
        record = _check_record(path)
        if record is not None:
            item = _check_item(path, record, policy, run_date, run_id)
            claimed |= {path, *item.also}
            yield item
    for path in paths:
        if is_list_file(path):
            item = _list_item(path, policy, run_date)
            claimed |= {path, *item.also}
            yield item
    for item in _sar_items([p for p in paths if p not in claimed], policy, run_date, run_id):
        claimed |= {item.path, *item.also}
        yield item
    for path in paths:
        if path in claimed:
            continue
        if path.name.endswith(_UNLISTED_SUFFIX):
            # A list's DWP rows left behind by a version that deleted the list alone.
            yield _item(path, "lists", run_date or _file_date(path), policy, run_id)
        elif _beside(path, OUTREACH_SUFFIX) or any(fnmatch.fnmatch(path.name, p) for p in patterns):
            yield _outreach_item(path, policy, run_date, run_id)
        elif path.suffix.lower() == ".xlsx" and (workbook := exported_on(path))[0]:
            yield _workbook_item(path, workbook[1], policy, run_date, run_id)
        elif (found := _recognised(path, policy, run_date, run_id, imports)) is not None:
            yield found


def _run_name(name: str) -> tuple[date, str] | None:
    """The run date and run id in a run folder's name, or None when it is not one."""
    found = RUN_FOLDER.match(name)
    if not found:
        return None
    try:
        return date.fromisoformat(found["date"]), found["run"]
    except ValueError:
        return None


def _run_items(
    folder: Path,
    policy: RetentionPolicy,
    run_date: date,
    run: str,
    imports: Mapping[str, date],
) -> list[RetentionItem]:
    """A run folder, its restricted/ folder and what is in it."""
    items = [_item(folder, "run_folders", run_date, policy, run)]
    restricted = folder / RESTRICTED
    if restricted.is_dir() and not restricted.is_symlink():
        items.append(_item(restricted, "restricted_outputs", run_date, policy, run))
    items.extend(_files_in(folder, policy, run_date, run, imports))
    items.extend(_stores_in(folder, run_date, run))
    return items


def _stores_in(folder: Path, run_date: date, run: str) -> list[RetentionItem]:
    """A review store in a run folder (``restricted/review.sqlite``, notebook 03's default
    before it used the default store):
    never deleted as a file, so the folders holding it are kept (`_held_back`). Its decisions
    are kept six years from when each was recorded and removed through the store
    (``retention --store``), which a folder's date cannot stand for."""
    found = []
    for path in sorted(folder.rglob("*.sqlite")):
        if path.is_file() and not path.is_symlink():
            reason = (
                "a review store: its decisions are kept for their own period from when each "
                "was recorded and removed through the store (retention --store FILE), never "
                "with the run folder, which is kept while it holds the store; move the store "
                "(with its .heads, .imports and .access files) out of the run folder"
            )
            found.append(RetentionItem(path, "decisions", run_date, date.max, reason, run))
    return found


def run_in_progress(lock: Path) -> str | None:
    """Why a hidden run folder must be left alone now: a report run holds its `lock` (or the
    lock cannot be tested); None when no run holds it. The lock is taken only to test it and
    released at once; a lock file that is not there is not made (no run holds it)."""
    if not (lock.exists() or lock.is_symlink()):
        return None
    test = FileLock(lock, timeout=0)
    try:
        test.acquire()
    except Timeout:
        return f"a report run holds its lock {lock.name}"
    except OSError as error:
        return f"its lock {lock.name} cannot be tested ({error.strerror or error})"
    test.release()
    return None


def _run_folders(
    root: Path, policy: RetentionPolicy, imports: Mapping[str, date]
) -> tuple[list[RetentionItem], list[Path], list[str]]:
    """Run folders under `root` and what is in them, with the hidden ones a report run that
    stopped part-way left (``.<run folder>.partial``, ``.<run folder>.previous``), dated by the
    same name. A hidden one a run is writing now is left out: the items, those folders and a
    note for each of them and for each hidden one named otherwise."""
    items: list[RetentionItem] = []
    in_progress: list[Path] = []
    notes: list[str] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        unfinished = UNFINISHED_RUN.match(folder.name)
        found = _run_name(unfinished["folder"] if unfinished else folder.name)
        if unfinished and not found:
            notes.append(
                f"{folder} is not named as a report run leaves one "
                "(.<YYYY-MM-DD>-<notebook>-<run id>.partial or .previous): left alone"
            )
        if not found:
            continue
        run_date, run = found
        if not unfinished:
            items.extend(_run_items(folder, policy, run_date, run, imports))
            continue
        lock = root / f".{unfinished['folder']}.lock"
        if (busy := run_in_progress(lock)) is not None:
            in_progress.append(folder)
            notes.append(f"{folder} is in progress ({busy}): left alone")
            continue
        found_items = _run_items(folder, policy, run_date, run, imports)
        items.extend(replace(i, lock=lock) for i in found_items)
    return items, in_progress, notes


def _held_back(items: list[RetentionItem]) -> list[RetentionItem]:
    """A folder is kept until the latest date of anything inside it."""
    out = []
    for item in items:
        inner = [i for i in items if item.path in i.path.parents and i.expires > item.expires]
        if inner:
            latest = max(inner, key=lambda i: i.expires)
            reason = f"{item.reason} Held until {latest.expires} by a {latest.kind} item inside."
            item = replace(item, expires=latest.expires, reason=reason)
        out.append(item)
    return out


def plan_retention(
    root: str | Path,
    policy: RetentionPolicy | None = None,
    today: date | None = None,
    *,
    list_roots: tuple[Path, ...] | list[Path] = (),
    store: str | Path | None = None,
) -> RetentionPlan:
    """What the policy keeps and deletes on `today`: run folders under `root`, their
    restricted outputs and outreach exports, and lists (with manifests), outreach exports
    (with sidecars), check exports, review workbooks, DfE's results files, quarantine files,
    link outputs and subject-access exports under `root` and `list_roots`.

    When the policy lacks kinds of `DEFAULTED_KINDS` (a council's copy made before they
    existed), the first note says which take the package default's period.

    Parameters
    ----------
    root
        The reports folder (``reports/``). A folder that does not exist gives an empty plan.
        Hidden run folders a stopped run left there (``.partial``, ``.previous``) are planned
        for as run folders, except one a report run is writing now (``in_progress``, noted).
    policy
        From :func:`load_policy`; the package default when None.
    today
        The day to plan for (default: today, UTC).
    list_roots
        Other folders to search for lists written by `workbench assess` (and the other files
        above).
    store
        A review store: its list items, decisions and DfE's check results past their period
        are counted in
        ``store`` (and a line in ``notes``); :func:`apply_retention` removes them. DfE's
        results files it records as imported (by their SHA-256) are dated by that import.

    Examples
    --------
    >>> import tempfile
    >>> reports = Path(tempfile.mkdtemp())
    >>> (reports / "2019-09-01-demo-r-0123456789ab" / "shareable").mkdir(parents=True)
    >>> plan = plan_retention(reports, load_policy(), date(2026, 9, 2))
    >>> [(i.kind, i.expires.isoformat()) for i in plan.due]
    [('run_folders', '2026-09-01')]
    """
    root = Path(root)
    policy = policy or load_policy()
    today = today or datetime.now(UTC).date()
    items: list[RetentionItem] = []
    notes: list[str] = [_defaulted_note(policy)] if policy.defaulted else []
    in_progress: list[Path] = []
    store_part: StoreRetention | None = None
    imports: dict[str, date] = {}
    held = 0
    if store is not None:  # read first: DfE's results files are dated by their import
        store_part, held, imports = _store_retention(Path(store), policy, today)
    if root.is_dir():
        items, in_progress, found_notes = _run_folders(root, policy, imports)
        notes += found_notes
    else:
        notes.append(f"{root} does not exist: no run folders to plan for")
    seen = {i.path for i in items}
    for extra in [root, *map(Path, list_roots)]:
        if not extra.is_dir():
            continue
        for item in _files_in(extra, policy, None, None, imports):
            if item.path not in seen and (
                item.kind in _FOUND_ANYWHERE or _beside(item.path, OUTREACH_SUFFIX)
            ):
                items.append(item)
                seen.add(item.path)
    items = sorted(_held_back(items), key=lambda i: str(i.path))
    if store_part is not None:
        notes.append(store_part.note(policy, held))
    plan = RetentionPlan(root, today, policy, items, notes, store_part, in_progress)
    return _with_exports(plan)


def _with_exports(plan: RetentionPlan) -> RetentionPlan:
    """The plan with the exports the store records among the files due, and a note saying
    whether the store will be told their files were deleted (without a store it cannot be)."""
    exports = plan.export_items
    if not exports:
        return plan
    what = "outreach export(s), check export(s) or review workbook(s)"
    if plan.store is None:
        note = (
            f"no review store given (--store): {len(exports)} {what} are past their date, and "
            "a review store recording them is not told their files are deleted, so subject "
            "access asks for them as files not given. Give --store to tell it"
        )
        return replace(plan, notes=[*plan.notes, note])
    found = _recorded_exports(plan.store.path, exports)
    note = (
        f"review store: {len(found)} of the {len(exports)} {what} past their date are exports "
        "it records; --apply tells it their files were deleted (a sealed line of its access "
        "log for each, naming the export, never a path), and subject access says so"
    )
    return replace(plan, store=replace(plan.store, exports=found), notes=[*plan.notes, note])


def _recorded_exports(store: Path, items: list[RetentionItem]) -> tuple[tuple[Path, str, str], ...]:
    """Which of `items` (outreach exports, check exports, review workbooks) are exports the
    review store records: (the item's path, kind of export, the export's reference)."""
    import polars as pl

    from workbench.governance._sar_exports import WORKBOOK_COMMAND, WORKBOOK_DETAIL
    from workbench.review.store import ReviewStore

    with ReviewStore(store) as review:
        outreach = review.outreach_exports().sort("export_seq").to_dicts()
        rows = review.outreach_exported().group_by("export_seq").agg(pl.col("decision_id").sort())
        checks = set(review.check_exports()["export_id"].to_list())
        log = review.access_log().filter(pl.col("command") == WORKBOOK_COMMAND).sort("seq")
    held = {seq: list(ids) for seq, ids in rows.iter_rows()}
    books = [
        (seq, found["list_id"], found["file"])
        for seq, detail in log.select("seq", "detail").iter_rows()
        if (found := WORKBOOK_DETAIL.match(detail or ""))
    ]
    out: list[tuple[Path, str, str]] = []
    for item in items:
        ref: str | None = None
        if item.kind == "outreach_exports":
            ref = _outreach_export(item.path, outreach, held)
        elif item.kind == "check_exports":
            record = _check_record(item.path)
            export_id = str((record or {}).get("export_id") or "")
            ref = export_id if export_id in checks else None
        else:
            list_id = _workbook_list(item.path)
            seqs = [seq for seq, of, name in books if of == list_id and name == item.path.name]
            ref = str(seqs[-1]) if list_id and seqs else None
        if ref is not None:
            out.append((item.path, EXPORT_KINDS[item.kind], ref))
    return tuple(out)


def _outreach_export(
    path: Path, exports: list[dict[str, Any]], held: Mapping[int, list[str]]
) -> str | None:
    """The store's ``export_seq`` of the outreach export whose file `path` is: the last
    recorded under its path (else, the folder moved, under its name and its sidecar's list)
    whose rows are those its sidecar lists (when both are known); None when none is."""
    record = _manifest(path, OUTREACH_SUFFIX)
    list_id = record.get("list_id")
    mine = [e for e in exports if list_id is None or e["list_id"] == list_id]
    where = str(path.resolve())
    same = [e for e in mine if e["file"] == where]
    if not same and list_id is not None:
        same = [e for e in mine if Path(e["file"]).name == path.name]
    ids = record.get("decision_ids")
    if isinstance(ids, list):
        listed = sorted(map(str, ids))
        same = [
            e
            for e in same
            if e["rows_removed_at"] is not None or held.get(e["export_seq"], []) == listed
        ]
    return str(same[-1]["export_seq"]) if same else None


def _workbook_list(path: Path) -> str | None:
    """The list a review workbook was exported from, as its hidden sheet records it."""
    from openpyxl import load_workbook

    from workbench.review.workbook import META_SHEET

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        return None
    try:
        meta = {
            str(row[0]): row[1]
            for row in book[META_SHEET].iter_rows(max_col=2, values_only=True)
            if row and row[0] is not None
        }
    except KeyError:
        return None
    finally:
        book.close()
    return str(meta["list_id"]) if meta.get("list_id") else None


# The kinds found outside run folders too (outreach exports only by their sidecar there).
_FOUND_ANYWHERE = (
    "lists",
    "check_exports",
    "review_workbooks",
    "dfe_results",
    "quarantine_files",
    "link_outputs",
    "subject_access_exports",
)


def _defaulted_note(policy: RetentionPolicy) -> str:
    """The plan's note that the policy lacked kinds and which periods were used instead."""
    used = "; ".join(
        f"{kind}: {rule.keep} from the {rule.from_.replace('_', ' ')}, {rule.confirm}"
        for kind, rule in ((k, policy.periods[k]) for k in policy.defaulted)
    )
    one = len(policy.defaulted) == 1
    return (
        f"the retention policy {policy.source} (version {policy.version}) names no period for "
        f"{', '.join(policy.defaulted)}: the package default's "
        f"{'is' if one else 'are'} used ({used}). Add "
        f"{'it' if one else 'them'} under `periods` with the period your council agrees, as in "
        "workbench/governance/retention.yaml."
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _store_retention(
    store: Path, policy: RetentionPolicy, today: date
) -> tuple[StoreRetention, int, dict[str, date]]:
    """The store's cut-offs on `today` and what is due, with the number of decisions held
    and, by SHA-256, the day each results file of DfE's was last imported."""
    from workbench.review.store import ReviewStore

    if not store.is_file():
        raise DataFileError(store, "no review store here; expected a file the workbench wrote")
    before_lists = _midnight(cut_off(policy.periods["lists"].keep, today))
    before_decisions = _midnight(cut_off(policy.periods["decisions"].keep, today))
    before_results = _midnight(cut_off(policy.periods["check_results"].keep, today))
    with ReviewStore(store) as review:
        due = review.retention_due(
            before_lists, before_decisions, before_check_results=before_results
        )
        held = review.decisions().height
        imported = review.check_imports().select("file_sha256", "imported_at").rows()
    imports: dict[str, date] = {}
    for sha256, at in imported:
        try:
            day = date.fromisoformat(str(at)[:10])
        except ValueError:
            continue
        imports[str(sha256)] = max(day, imports.get(str(sha256), day))
    part = StoreRetention(store, before_lists, before_decisions, due, before_results)
    return part, held, imports


def _require_store(part: StoreRetention) -> None:
    """The plan's store is still there (opening a missing one would make a new, empty one)."""
    if not part.path.is_file():
        raise WorkbenchError(
            f"{part.path}: the review store of the retention plan is gone; plan again"
        )


def _check_store(part: StoreRetention) -> None:
    """Refuse a plan whose store is gone or whose decision chain does not verify, before
    anything is logged or deleted (`ReviewStore.apply_retention` checks again, at once
    with its removals)."""
    from workbench.review.store import ReviewStore

    _require_store(part)
    with ReviewStore(part.path) as review:
        chain = review.verify_chain()
    if not chain.ok:
        raise WorkbenchError(
            f"{part.path}: the decision chain does not verify ({chain.message}); retention "
            "removes nothing from a store whose chain is broken. Investigate with "
            "`workbench assure --store` first"
        )


def _apply_store(part: StoreRetention, user: str | None) -> dict:
    """Remove the store's due items and decisions; the counts for the log."""
    from workbench.governance.access import current_user
    from workbench.review.store import ReviewStore

    _require_store(part)
    with ReviewStore(part.path) as review:
        done = review.apply_retention(
            part.before_lists,
            part.before_decisions,
            user=user or current_user(),
            before_check_results=part.before_check_results,
        )
    return {
        "lists": done.lists,
        "list_items": done.list_items,
        "decisions": done.decisions,
        "checkpoints": done.checkpoints,
        "check_imports": done.check_imports,
        "check_results": done.check_results,
        "before_lists": done.before_lists,
        "before_decisions": done.before_decisions,
        "before_check_results": done.before_check_results,
    }


def _tell_store(part: StoreRetention, user: str | None) -> int:
    """Tell the store which of its exports' files (`StoreRetention.exports`) are gone now;
    how many."""
    from workbench.governance.access import current_user
    from workbench.review.store import ReviewStore

    gone = list(
        dict.fromkeys(
            (kind, ref)
            for path, kind, ref in part.exports
            if not (path.exists() or path.is_symlink())
        )
    )
    if not gone:
        return 0
    try:
        with ReviewStore(part.path) as review:
            review.record_export_files_deleted(user or current_user(), gone)
    except (OSError, sqlite3.Error) as error:
        raise WorkbenchError(
            f"{part.path}: the files of {len(gone)} export(s) it records were deleted, but the "
            f"review store could not be told ({error}): subject access will ask for them as "
            "files not given"
        ) from None
    return len(gone)


def _delete(item: RetentionItem) -> int:
    """Delete one item; the number of files removed."""
    path = item.path
    if path.is_symlink():
        path.unlink()
        return 1
    if path.is_dir():
        count = sum(1 for _ in _walk(path))
        shutil.rmtree(path)
        return count
    removed = 0
    sidecars = (path.with_name(path.name + s) for s in (MANIFEST_SUFFIX, OUTREACH_SUFFIX))
    for target in (path, *item.also, *sidecars):
        if target.exists():
            target.unlink()
            removed += 1
    return removed


def apply_retention(
    plan: RetentionPlan, log_path: str | Path, *, user: str | None = None
) -> dict[str, int]:
    """Delete exactly `plan.due` and append one JSON line to `log_path`.

    With a store in the plan, its due list items, decisions and check results are removed
    first, through
    :meth:`ReviewStore.apply_retention <workbench.review.store.ReviewStore.apply_retention>`
    with the plan's cut-offs, by ``user`` (default: `WORKBENCH_USER`, else the login name),
    which the store's access log records. Then the files are deleted and the store is told
    which of its exports' files went (`StoreRetention.exports`: a sealed access-log line for
    each, naming the export, never the path, through
    :meth:`ReviewStore.record_export_files_deleted
    <workbench.review.store.ReviewStore.record_export_files_deleted>`), so that subject access
    says the file was deleted instead of asking for it; without a store none is told. The log
    line holds the time, the day planned for, the
    policy's source and version, the counts deleted per kind, the files removed, the run ids
    touched, with a store its counts and cut-offs (``store``; with ``export_files_deleted``,
    the exports whose deleted files it was told of, when any export was due), without one the
    number of exports deleted that no store was told of (``exports_store_not_told``, when
    any), and, when the plan found hidden
    run folders of stopped runs, how many of the items deleted were in them and how many such
    folders were left alone in progress (``unfinished_runs``), and, when the policy lacked
    kinds whose package default was used, those kinds (``policy_defaults``): no paths, no
    names.

    Returns
    -------
    dict
        Items deleted per kind (every file kind present, 0 when none; a check export counts
        once, with its files, and a subject-access export once, with its appendix); with a
        store also ``decisions``, ``store_list_items`` and ``check_results``.

    Raises
    ------
    WorkbenchError
        When a due item is no longer where the plan found it, or a report run has started
        writing a hidden run folder since the plan (plan again, then apply), or the store's
        decision chain does not verify (then nothing at all is deleted), or the store cannot
        be told which of its exports' files were deleted (they were).
    """
    due = plan.due
    gone = [i for i in due if not i.path.exists() and not i.path.is_symlink()]
    if gone:
        raise WorkbenchError(
            f"{len(gone)} item(s) of the retention plan are no longer on disk (first: a "
            f"{gone[0].kind} item); the plan is stale: plan again and apply the new plan"
        )
    held = {lock for lock in {i.lock for i in due} if lock and run_in_progress(lock) is not None}
    if busy := [i for i in due if i.lock in held]:
        raise WorkbenchError(
            f"{len(busy)} item(s) of the retention plan are in a hidden run folder a report run "
            f"is writing now (first: a {busy[0].kind} item); the plan is stale: plan again and "
            "apply the new plan"
        )
    if plan.store is not None:
        _check_store(plan.store)  # refused before the log says anything is starting
    log_path = Path(log_path)
    counts = Counter(i.kind for i in due)
    # Before anything is deleted, a line saying what is about to be: when the log cannot be
    # written (a full disk, a folder not writable), nothing is deleted, and deletions whose
    # closing line could not be written are still on record.
    _append_line(
        log_path,
        {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": "retention",
            "status": "starting",
            "today": plan.today.isoformat(),
            "policy": f"{plan.policy.source}@{plan.policy.version}",
            "due": {kind: counts[kind] for kind in KINDS if counts.get(kind)},
            "store": plan.store is not None,
            "run_ids": sorted({i.run_id for i in due if i.run_id}),
        },
    )
    # The store goes first: if its chain does not verify, nothing is deleted anywhere.
    store_counts = _apply_store(plan.store, user) if plan.store is not None else None
    files = 0
    try:
        for item in due:
            files += _delete(item)
    finally:  # the store is told of each export's file deleted, even if a later one failed
        told = _tell_store(plan.store, user) if plan.store is not None else 0
    deleted = {kind: counts.get(kind, 0) for kind in KINDS if kind not in STORE_KINDS}
    if store_counts is not None:
        deleted |= {
            "decisions": store_counts["decisions"],
            "store_list_items": store_counts["list_items"],
            "check_results": store_counts["check_results"],
        }
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "retention",
        "today": plan.today.isoformat(),
        "policy": f"{plan.policy.source}@{plan.policy.version}",
        "deleted": deleted,
        "files_removed": files,
        "run_ids": sorted({i.run_id for i in due if i.run_id}),
    }
    if store_counts is not None:
        if plan.export_items:
            store_counts["export_files_deleted"] = told
        entry["store"] = store_counts
    elif plan.export_items:
        entry["exports_store_not_told"] = len(plan.export_items)
    if plan.policy.defaulted:
        entry["policy_defaults"] = list(plan.policy.defaulted)
    unfinished = sum(1 for i in due if i.lock is not None)
    if unfinished or plan.in_progress:
        entry["unfinished_runs"] = {"deleted": unfinished, "in_progress": len(plan.in_progress)}
    _append_line(log_path, entry)
    return deleted


def _append_line(log_path: Path, entry: dict[str, Any]) -> None:
    """Append `entry` to the deletion log as a JSON line, on disk before it returns; a
    WorkbenchError naming the log when it cannot be written."""
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry, sort_keys=True) + "\n")
            log.flush()
            os.fsync(log.fileno())
    except OSError as error:
        raise WorkbenchError(
            f"{log_path}: the deletion log cannot be written ({error.strerror or error}); "
            + (
                "nothing was deleted"
                if entry.get("status") == "starting"
                else "the deletions were made and its line before them records what was due"
            )
        ) from None
