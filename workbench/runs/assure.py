"""The checks an auditor runs on a run folder and the decision store: `workbench assure`.

The workbench proposes; people decide. :func:`assure` proves it for the files under the paths
given (run folders, lists, outreach and check exports) and, with ``store``, the review store:

1. **lists claim no decision**: every candidate list (a file beside a ``.manifest.json`` whose
   command is ``assess``) says ``review_status = pending_review`` on every row, and is as
   assess wrote it: its rows as many as the manifest's ``candidates``, it and its DWP rows not
   listed with the SHA-256 the manifest's ``outputs`` records (a list edited by hand fails).
   The manifest is not keyed, so a list edited together with its manifest passes that; with
   ``store``, each list the store holds is also compared with the store's record of it, as
   `review outreach` and `check export` compare it (`check_same_items`): rows that are not
   its children, or give one another tier, reasons or link flag, fail, said in counts. A
   list the store does not hold (or whose children retention removed) is named as compared
   with its manifest only.
2. **outreach traced to decisions**: every row of every outreach export (a file beside an
   ``.outreach.json``) rests on a decision in the store that is ``contact``, about that child
   on that list, still the child's latest outcome decision on any list of its initiative, by
   the named reviewer, and names the child its item key (the keyed pseudonym of the child
   decided about: a row changed to another child fails); a link it relies on is the child's
   latest link decision and ``link_confirmed``; and the row is as the export wrote it (its
   keyed digest, recorded in the sidecar: a name, date of birth, parent or address changed in
   the file fails, as does a row added or removed). An export whose sidecar predates the
   digests *warns* (``--strict``: fails): its rows' details cannot be verified. A CSV with an
   outreach export's header and no sidecar beside it cannot be traced and fails. An export of
   the lists found that the store records but whose file was never put in place (the process
   stopped after recording it, leaving its hidden partial file ``.FILE.partial``) fails: its
   families count as sent and were not (`review outreach` with the same ``--out`` finishes it).
   With ``store``, each outreach export of the lists found whose file is not at the path the
   store recorded (moved, e.g. to a secure mailbox after sending, or deleted by hand) is named
   (its number, list, when and by whom, and that path) and *warns* (``--strict``: fails); one
   whose file `workbench retention --store` told the store it deleted is named as such.
3. **check exports traced to decisions**: every row of every file written for DfE's
   eligibility checking service (`workbench check export`: ``NAME-part1.csv``, ... beside
   ``NAME.check.json``) rests on at least one child's decision in the store, as the export
   required: about that child on that list, one of the decisions the export chose (``contact``
   or ``check`` unless ``--decision`` said otherwise), the child's latest outcome decision when
   the export was recorded (on any list of the initiative), by a named reviewer, and listed in
   the store's record of the export; and the row's details are those sent (their keyed
   pseudonym, the store's ``row_key``: a parent's name, date of birth or NINO changed in the
   file fails). A file with DfE's template header and no sidecar cannot be traced and fails,
   as does a file the sidecar (or the store's record of the export) names that is not there,
   or holds fewer rows than the store records in it (naming the file). With ``store``, each
   check export of the lists found whose sidecar is not under the paths given (the store
   records its files' name, not their folder) is named and *warns* (``--strict``: fails),
   unless retention told the store it deleted its files (then named as such).
4. **decision chain intact**: the store's hash chain verifies, and the chain head each outreach
   or check export recorded is still in the chain (no decision removed since), or is the head
   of a run of decisions removed under retention (a checkpoint's ``head_hash``; noted in the
   detail).
5. **stored lists and logs as sealed**: each stored list matches its seal (its record, and its
   items unless retention removed them: `ReviewStore.verify_lists`), so an item a reviewer
   decided on was not changed since, and is held as the store recorded it (its items as many
   as it was stored with, a list emptied by retention matched by the sealed access log);
   each migration of an older store is a sealed line of the access log
   (`ReviewStore.verify_migrations`); each import of DfE's check results matches its seal
   (its record, and its results unless retention removed them:
   `ReviewStore.verify_check_results`); and the access log's lines are sealed and intact
   (`ReviewStore.verify_access_log`), which "details seen before each decision" and subject
   access rest on.
6. **restricted files owner-only**: lists, manifests, the DWP-list rows beside a list
   (``STEM.dwp_not_listed.csv``: DWP record ids, dates of birth, matched person ids; brought
   along with a list given by itself), outreach and check exports, DfE's
   results files (a CSV with a check template's identifying columns and ``Outcome``:
   parents' names, dates of birth and National Insurance numbers), workbooks and anything
   under a ``restricted/`` folder have no group or other permissions (0600; folders 0700).
   The folder each list is in, open to others, *warns* (``--strict``: fails): they can list
   it and read a copy saved there later; it may be a folder the list was written into, not
   one the workbench made.
   With ``store``, each review workbook of the lists found that the access log records (by
   its name since 7 December 2026, not its folder) and that is not under the paths given is
   named and *warns* (``--strict``: fails): its mode cannot be checked; one whose file
   retention told the store it deleted is named as such.
7. **shareable outputs hold no personal data**: files under a ``shareable/`` folder, and every
   file in (or under) a folder `workbench stats --out` published (one holding a
   ``stats_manifest.json`` outside every report run: the folder goes out whole), hold no
   NINO, full postcode, pseudonymous key, person or record id of the lists found, nor a
   name from an outreach export, nor a table of people row by row. Findings name the file,
   line and kind, never the value (at most three a file, then how many more, so that every
   file is named).
8. **record links traced to decisions**: every list row linked by a reviewer's decision
   (``link_method`` ``reviewer_confirmed``, applied by ``assess --store``) is named among the
   decisions its manifest says were applied, and each of those is in the store: a
   ``link_confirmed`` or ``link_rejected`` by a named reviewer, about that DWP-list row, whose
   item proposed that child (for a confirmation).

9. **rules checked for each list's term**: the rule file each list was made with had been
   checked against published sources for the term the list targets (its manifest's
   ``rules_checked_through``, on or after its ``term_start``); otherwise it *warns*
   (``--strict``: fails): a criterion, threshold or rate may have changed since.
10. **report outputs as the run wrote them**: in each report run found (a ``manifest.json``
   written by `workbench report`, a failed run's too), every file its manifest's ``outputs``
   lists is there with the SHA-256 recorded, and nothing under ``shareable/`` or
   ``restricted/`` is there that the manifest does not list (a table edited, a file added,
   moved or deleted since the run fails; so does a manifest whose hashes were edited, or that
   records none). ``notebook.ipynb`` and ``report.html`` are hashed too; the manifest cannot
   hash itself. An earlier run a rerun of the same inputs kept whole
   (``<run folder>-replaced-<UTC time>``, `workbench.runs.rerun`) was kept because a file was
   added or edited since: those files are named in one line as not the run's, and *warn*
   (``--strict``: fail), as does a list edited there under check 1. A hidden
   ``.<run folder>.partial`` (or ``.previous``) folder a killed run left, found under the
   paths given, is not a run: none of its files is counted by any check, and this check names
   it in one line (*warns*; only a note while a run holds its lock). Each table a
   ``stats_manifest.json`` lists as published (under a run's ``shareable/``, or one
   `workbench stats` wrote elsewhere) is there with the SHA-256 it records, and no file is
   named as a table it says was withheld (a table edited and rehashed in the run's manifest
   fails). In a folder `workbench stats --out` wrote, a file its stats manifest does not list
   as published fails, as a file added to a report run does (:func:`_unlisted_in_stats` says
   why). A file of such a folder given by itself brings the folder's stats manifest. In a
   reports folder searched (the folder holding a run found), a file outside
   every run folder that no workbench command writes there (not a run's lock, retention's
   log, a list, export or other file assure checks as one of its kinds, or a file of a
   stats folder in it), such as an index page put there by hand, is named and *warns*
   (``--strict``: fails): it would be published with the folder unchecked.

With ``store``, four checks of how the decisions were made follow, per list and reviewer
(:mod:`workbench.governance.review_quality`); each passes or *warns* (``--strict``: fails)
against thresholds the council can set:

11. **review pace**: no more than 6 decisions a minute, sustained over 60 seconds (the line
    counts reviewers as people and lists apart, not pairs of them);
12. **no long runs of identical decisions**: fewer than 50 of one decision in a row;
13. **no contact to already-funded children**: no ``contact`` decision about a child whose list
    row (from the list files found under the paths) says ``already_funded``, on a list of an
    offer whose funded place is the offer taken up (the two-year-old offer; the early years
    pupil premium's and disability access fund's lists, whose place is the offer's condition,
    and free school meals', which reads no places, are named as not applicable);
14. **child's details seen before each decision**: a ``review view`` of the child on the list
    logged under the name of the reviewer who recorded the decision (spaces and capitals
    aside) came first; for a decision imported from a workbook, that is the view its export
    logged when the reviewer exported it under that name. One imported by someone who never
    had the child's details logged (a colleague's exported workbook) is counted without.

Example
-------
>>> import tempfile
>>> report = assure([Path(tempfile.mkdtemp())], store=None)
>>> report.ok, [c.name for c in report.checks if not c.ok]
(False, ['lists claim no decision'])
"""

from __future__ import annotations

import csv
import json
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, cast

import polars as pl

from workbench.data.checks import QUARANTINE_SCHEMA
from workbench.dates import long_time
from workbench.eligibility.assess import unlisted_path
from workbench.errors import WorkbenchError
from workbench.governance.retention import RUN_FOLDER, UNFINISHED_RUN, run_in_progress
from workbench.governance.review_quality import (
    ReviewQuality,
    ReviewThresholds,
    already_funded_items,
    review_quality,
)
from workbench.provenance import code_version, file_sha256, run_id
from workbench.review.check_results import looks_like_results
from workbench.review.checks import (
    CHECK_DECISIONS,
    CHECK_FORMAT,
    CHECK_SUFFIX,
    DEFAULT_CHOSEN,
    TEMPLATES,
    CheckTemplate,
    export_headers,
    export_paths,
    header_line_of,
    named_files,
    sent_row_key,
)
from workbench.review.keys import load_key, pseudonym
from workbench.review.link_decisions import METHOD_REVIEWER_CONFIRMED
from workbench.review.lists import (
    CHANGED_SINCE_WRITTEN,
    DWP_KIND,
    MANIFEST_SUFFIX,
    PERSON_KIND,
    changed_since_written,
    read_list_file,
    review_candidates,
)
from workbench.review.outreach import check_registered_file, check_same_items, stored_list_id
from workbench.review.outreach_files import (
    SIDECAR_SUFFIX,
    digests_seal,
    finish_command,
    interrupted_exports,
    looks_like_outreach,
    row_digests,
    sidecar_path,
)
from workbench.review.store import GENESIS_HASH, LINK_DECISIONS, OUTCOME_DECISIONS, ReviewStore
from workbench.runs.rerun import NOT_PUBLISHED_REPLACED, REPLACED_SUFFIX, checkpoint_of, replaced_at
from workbench.spreadsheet import restored

__all__ = [
    "CHAIN",
    "CHECKS_TRACED",
    "FUNDED_CONTACTS",
    "IDENTICAL_RUNS",
    "LINKS_TRACED",
    "LISTS_PENDING",
    "MODES",
    "OUTPUTS",
    "OUTREACH_TRACED",
    "REVIEW_CHECKS",
    "REVIEW_PACE",
    "RULES_CHECKED",
    "SEALED",
    "SHAREABLE",
    "VIEWED_FIRST",
    "AssuranceReport",
    "Check",
    "assure",
    "format_report",
]

LISTS_PENDING = "lists claim no decision"
OUTREACH_TRACED = "outreach traced to decisions"
CHECKS_TRACED = "check exports traced to decisions"
CHAIN = "decision chain intact"
SEALED = "stored lists and logs as sealed"
MODES = "restricted files owner-only"
SHAREABLE = "shareable outputs hold no personal data"
LINKS_TRACED = "record links traced to decisions"
RULES_CHECKED = "rules checked for each list's term"
OUTPUTS = "report outputs as the run wrote them"
REVIEW_PACE = "review pace"
IDENTICAL_RUNS = "no long runs of identical decisions"
FUNDED_CONTACTS = "no contact to already-funded children"
VIEWED_FIRST = "child's details seen before each decision"
REVIEW_CHECKS = (REVIEW_PACE, IDENTICAL_RUNS, FUNDED_CONTACTS, VIEWED_FIRST)

PENDING = "pending_review"
RESTRICTED_DIR, SHAREABLE_DIR = "restricted", "shareable"
NOT_PUBLISHED = "shareable-of-a-failed-run"  # `workbench.runs.report.NOT_PUBLISHED`
# The executed notebook and its HTML, beside them in a report run (`workbench.runs.report`).
RENDERED = ("notebook.ipynb", "report.html")
REPORT_MANIFEST = "manifest.json"  # a report run's (`workbench report`), in the run folder
STATS_MANIFEST = "stats_manifest.json"  # `workbench.stats.report_publish.MANIFEST_NAME`
QUARANTINE_HEADER = ",".join(QUARANTINE_SCHEMA.names())
GROUP_OTHER_BITS = 0o077
MAX_SHOWN = 10
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".md", ".html", ".htm", ".json", ".svg", ".xml")
# As people write them: in any case, with or without spaces (AB 12 34 56 C, sw1a1aa).
_NINO = re.compile(
    r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]\b",
    re.IGNORECASE,
)
_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})\b", re.IGNORECASE)
_PSEUDONYM = re.compile(r"\bpk_[0-9a-f]{24}\b")
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_EVIDENCE_PERSON = re.compile(r"of parent/carer ([A-Za-z0-9_-]+)")
_CHECK_PART = re.compile(r"^(?P<stem>.+)-part(?P<part>[0-9]+)\.csv$")
_CHECK_HEADERS = {t.header_line() for t in TEMPLATES.values()}


@dataclass(frozen=True)
class Check:
    """One check's verdict and what it found (files, rows and kinds; never personal data).

    A check that passed with ``warning`` found something for the auditor to read (the review
    quality checks), which does not fail the run.
    """

    name: str
    ok: bool
    detail: str
    warning: bool = False

    @property
    def result(self) -> str:
        """``PASS``, ``WARN`` or ``FAIL``."""
        return "FAIL" if not self.ok else "WARN" if self.warning else "PASS"


@dataclass(frozen=True)
class AssuranceReport:
    """Every check run; ``ok`` when all passed."""

    checks: list[Check]
    paths: tuple[Path, ...] = ()
    store: Path | None = None
    review: ReviewQuality | None = None
    """How the store's decisions were made, per list and reviewer (with ``store`` only)."""

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def check(self, name: str) -> Check:
        """The check called ``name``."""
        return next(c for c in self.checks if c.name == name)


@dataclass
class _Run:
    """What was found under the paths."""

    files: list[Path] = field(default_factory=list)
    dirs: list[Path] = field(default_factory=list)
    lists: list[Path] = field(default_factory=list)
    # The DWP-list rows each list does not carry, beside it (`<stem>.dwp_not_listed.csv`).
    unlisted: list[Path] = field(default_factory=list)
    manifests: list[Path] = field(default_factory=list)
    outreach: list[Path] = field(default_factory=list)  # beside a sidecar, or with its header
    sidecars: list[Path] = field(default_factory=list)
    notebooks: list[str] = field(default_factory=list)  # of the report runs found
    reports: list[Path] = field(default_factory=list)  # the report runs' manifest.json
    check_sidecars: list[Path] = field(default_factory=list)
    check_files: list[Path] = field(default_factory=list)  # parts and not-checkable files
    check_orphans: list[Path] = field(default_factory=list)  # DfE's header, no sidecar
    check_results: list[Path] = field(default_factory=list)  # DfE's results files (`Outcome`)
    # Hidden `.<run folder>.partial` (or `.previous`) folders a killed report run left: not a
    # run's, so nothing in them is among the files above.
    unfinished: list[Path] = field(default_factory=list)


# --- finding the files -----------------------------------------------------------------------
def _walk(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    files: set[Path] = set()
    dirs: set[Path] = set()
    for path in paths:
        if not path.exists():
            raise WorkbenchError(f"{path}: does not exist; expected a run folder or a file of one")
        if path.is_file():
            files.add(path)
            # A list or an export given by itself brings its manifest or record along.
            for suffix in (MANIFEST_SUFFIX, SIDECAR_SUFFIX):
                companion = path.with_name(path.name + suffix)
                if companion.exists():
                    files.add(companion)
            # And a list its DWP-list rows not listed (DWP record ids, dates of birth).
            unlisted = unlisted_path(path)
            if path.with_name(path.name + MANIFEST_SUFFIX).exists() and unlisted.is_file():
                files.add(unlisted)
            part = _CHECK_PART.match(path.name)
            if part:  # a check export's file brings its sidecar
                companion = path.with_name(part["stem"] + CHECK_SUFFIX)
                if companion.exists():
                    files.add(companion)
            # A file of a folder `workbench stats --out` published brings its stats manifest:
            # it is checked as published, against what the manifest lists.
            if (stats := path.with_name(STATS_MANIFEST)).is_file():
                files.add(stats)
            continue
        dirs.add(path)
        for found in path.rglob("*"):
            (dirs if found.is_dir() else files).add(found)
    return sorted(files), sorted(dirs)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _unfinished_run(path: Path, roots: set[Path]) -> Path | None:
    """The hidden folder a report run writes into (`.<run folder>.partial`) or moves the run
    it replaces aside to (`.previous`) that `path` was found in under the folders searched
    (`roots`: the folders given, and those of the files given), or is; None when it is in
    none. Those folders, and what is in them, are checked as given (the assurance notebook
    checks the list it writes into its own run's `.partial` folder, with its manifest)."""
    for folder in (path, *path.parents):
        if folder in roots:
            return None
        found = UNFINISHED_RUN.match(folder.name)
        if found and RUN_FOLDER.match(found["folder"]):
            return folder
    return None


def _find(paths: Iterable[Path]) -> _Run:
    run = _Run()
    given = set(paths)
    files, dirs = _walk(given)
    roots = {p if p.is_dir() else p.parent for p in given}
    # A half-written run is not a report: its lists and tables are nobody's yet (named apart).
    unfinished = {p: _unfinished_run(p, roots) for p in [*files, *dirs]}
    run.unfinished = sorted({u for u in unfinished.values() if u is not None})
    run.files = [p for p in files if unfinished[p] is None]
    run.dirs = [d for d in dirs if unfinished[d] is None]
    for path in run.files:
        if path.name.endswith(MANIFEST_SUFFIX):
            run.manifests.append(path)
            record = _read_json(path) or {}
            listed = path.with_name(path.name.removesuffix(MANIFEST_SUFFIX))
            if record.get("command") == "assess" and listed.exists():
                run.lists.append(listed)
        elif path.name == REPORT_MANIFEST:  # a report run's (`workbench report`)
            notebook = (_read_json(path) or {}).get("notebook")
            if isinstance(notebook, dict) and isinstance(notebook.get("name"), str):
                run.notebooks.append(notebook["name"])
            # One edited past reading (or past naming its notebook) is still a run's manifest
            # when it sits beside the run's output folders: checked, not passed over.
            beside = any((path.parent / d).is_dir() for d in (SHAREABLE_DIR, RESTRICTED_DIR))
            if isinstance(notebook, dict) or beside:
                run.reports.append(path)
        elif path.name.endswith(SIDECAR_SUFFIX):
            run.sidecars.append(path)
            exported = path.with_name(path.name.removesuffix(SIDECAR_SUFFIX))
            if exported.exists():
                run.outreach.append(exported)
        elif path.name.endswith(CHECK_SUFFIX):
            record = _read_json(path) or {}
            if record.get("format") == CHECK_FORMAT:
                run.check_sidecars.append(path)
    run.unlisted = [u for u in map(unlisted_path, run.lists) if u in run.files]
    # An outreach export whose sidecar was deleted still holds names and addresses: found by
    # its header, so that it fails as untraceable instead of passing as "no family contacted".
    run.outreach += [
        p
        for p in run.files
        if p.suffix.lower() == ".csv"
        and p not in run.outreach
        and p not in run.lists
        and looks_like_outreach(_header_columns(p))
    ]
    run.outreach.sort()
    _find_check_files(run)
    return run


def _header_columns(path: Path) -> list[str]:
    """The column names a CSV file's first line gives (none when it cannot be read)."""
    return next(csv.reader([header_line_of(path)]), [])


def _find_check_files(run: _Run) -> None:
    """The files of each check export found, and files with DfE's template header (or a
    not-checkable file's) that no check export's sidecar claims."""
    claimed: set[Path] = set()
    for sidecar in run.check_sidecars:
        stem = sidecar.name.removesuffix(CHECK_SUFFIX)
        for path in (*_part_files(sidecar), export_paths(sidecar.with_name(f"{stem}.csv"))[1]):
            if path.is_file():
                claimed.add(path)
    run.check_files = sorted(claimed)
    headers = export_headers()
    run.check_orphans = [
        p
        for p in run.files
        if p.suffix.lower() == ".csv"
        and p not in claimed
        and p not in run.lists
        and p not in run.outreach
        and header_line_of(p) in headers
    ]
    # DfE's results files given to `check import` (parents' names, dates of birth, NINOs).
    run.check_results = [
        p
        for p in run.files
        if p.suffix.lower() == ".csv"
        and p not in claimed
        and p not in run.check_orphans
        and p not in run.lists
        and p not in run.outreach
        and looks_like_results(header_line_of(p))
    ]


def _part_files(sidecar: Path) -> list[Path]:
    """The files a check export's sidecar names, in its folder."""
    return named_files(sidecar, _read_json(sidecar) or {})


def _shown(problems: list[str]) -> str:
    lines = problems[:MAX_SHOWN]
    if len(problems) > MAX_SHOWN:
        lines.append(f"... and {len(problems) - MAX_SHOWN} more")
    return "\n".join(lines)


def _read_table(path: Path, columns: list[str] | None = None) -> pl.DataFrame:
    if path.suffix.lower() == ".parquet":
        return pl.read_parquet(path, columns=columns)
    return restored(pl.read_csv(path, columns=columns, infer_schema=False))


# --- 1. lists ------------------------------------------------------------------------------
def _list_problems(path: Path) -> tuple[list[str], list[str], bool]:
    """What is wrong with a list: the rows that claim a decision, and how it is not as assess
    wrote it (unreadable, no review_status column, rows added or removed, bytes changed); and
    whether it could be read as a list (so compared with the store's record of it)."""
    try:
        frame = _read_table(path)
    except (OSError, pl.exceptions.PolarsError) as error:
        return [], [f"{path}: cannot be read ({type(error).__name__})"], False
    if "review_status" not in frame.columns:
        return [], [f"{path}: has no review_status column; a list written by assess has one"], False
    wrong = frame.with_row_index("row", offset=2).filter(
        pl.col("review_status").cast(pl.String).fill_null("") != PENDING
    )
    problems = [
        f"{path} row {row}: review_status is {status!r}; a list never records a decision "
        "(only the review store does), so every row must be pending_review"
        for row, status in wrong.select("row", "review_status").iter_rows()
    ]
    manifest = _read_json(path.with_name(path.name + MANIFEST_SUFFIX)) or {}
    counted = manifest.get("candidates")
    changed = []
    if isinstance(counted, int) and counted != frame.height:
        changed.append(
            f"{path}: has {frame.height} row(s) where its manifest counts {counted} candidates; "
            "the list was changed since assess wrote it"
        )
    changed += [f"{p}: {CHANGED_SINCE_WRITTEN}" for p in changed_since_written(path, manifest)]
    return problems, changed, True


NOT_STORED = "not in the store: compared with its manifest only"


def _against_store(path: Path, store: ReviewStore, key: bytes) -> tuple[str | None, str | None]:
    """The list at `path` compared with the store's record of it, as `review outreach` and
    `check export` compare it before acting on it (`check_same_items`): ``(problem, note)``.
    A problem says how its rows differ, in counts (never whose); a note says why it could not
    be compared: a list never registered in the store, or whose items retention removed, is
    compared with its manifest only. Its manifest is not keyed: a list edited together with
    its manifest (its ``outputs`` SHA-256 and counts) passes that comparison, not this one."""
    try:
        listed = read_list_file(path, as_written=False)  # changed bytes are said apart
    except WorkbenchError as error:
        return f"{error}; so it cannot be compared with the store's record of the list", None
    try:
        list_id = stored_list_id(store, listed)
    except WorkbenchError:
        return None, f"{path}: {NOT_STORED}"
    [removed] = store.lists().filter(pl.col("list_id") == list_id)["items_removed_at"].to_list()
    if removed is not None:
        return None, (
            f"{path}: list {list_id}'s children were removed from the store under retention "
            f"({long_time(removed)}): compared with its manifest only"
        )
    try:
        store.verify_list(list_id)  # the list as stored first, as outreach does
    except WorkbenchError:
        return None, (
            f"{path}: list {list_id} in the store does not hold to its seal (see {SEALED!r}; "
            "or the key is not the store's): compared with its manifest only"
        )
    try:
        shaped = review_candidates(listed.candidates, key)
    except WorkbenchError as error:
        return f"{path}: {error}; so it cannot be compared with list {list_id} in the store", None
    try:
        check_same_items(store, list_id, shaped, path)
    except WorkbenchError as error:
        return f"{error}{_count_difference(shaped['item_key'].to_list(), store, list_id)}", None
    if path not in changed_since_written(path, listed.manifest):  # else said: changed since
        try:
            check_registered_file(store, list_id, path)  # its manifest changed to match
        except WorkbenchError as error:
            return str(error), None
    return None, None


def _count_difference(keys: list[str], store: ReviewStore, list_id: str) -> str:
    """How a list file's rows differ from the children the store holds of its list, in
    counts (never whose): rows naming a child the list does not hold, children of the list
    no row names, rows naming a child an earlier row names (empty when none differ)."""
    stored = set(store.items(list_id)["item_key"].to_list())
    counts = [
        (sum(1 for k in keys if k not in stored), "row(s) name a child not on the stored list"),
        (len(stored - set(keys)), "child(ren) of the stored list named by no row"),
        (len(keys) - len(set(keys)), "row(s) name a child an earlier row names"),
    ]
    said = [f"{n} {what}" for n, what in counts if n]
    return f" ({'; '.join(said)})" if said else ""


def _kept_folder(path: Path) -> Path | None:
    """The earlier run folder a rerun kept whole (`<run folder>-replaced-<UTC time>`,
    `workbench.runs.rerun`) that `path` is in, else None."""
    return next((p for p in path.parents if replaced_at(p.name) and RUN_FOLDER.match(p.name)), None)


KEPT_LIST = (
    "not the run's list any more: it is in an earlier run kept whole when a rerun of the same "
    "inputs replaced it (`-replaced-`), for files added or edited since; the rerun's list is "
    "the run's"
)


def _check_lists(
    run: _Run, strict: bool = False, store: ReviewStore | None = None, key: bytes | None = None
) -> Check:
    """Check 1. With ``store``, each list is compared with the store's record of it too
    (`_against_store`); one not in the store is named as compared with its manifest only."""
    if not run.lists and run.notebooks:
        return Check(
            LISTS_PENDING,
            True,
            "not applicable: the report run(s) found "
            f"({', '.join(sorted(set(run.notebooks)))}) wrote no candidate list",
        )
    if not run.lists:
        return Check(
            LISTS_PENDING,
            False,
            "found no candidate list (a .csv or .parquet beside a .manifest.json written by "
            "assess) under the paths given; point assure at a run folder"
            + (
                f" (an unfinished run's are not counted: see {OUTPUTS!r})" if run.unfinished else ""
            ),
        )
    problems, kept, notes, compared = [], [], [], 0
    for path in run.lists:
        pending, changed, readable = _list_problems(path)
        if store is not None and readable:
            assert key is not None  # loaded with the store
            differs, note = _against_store(path, store, key)
            changed += [differs] if differs else []
            notes += [note] if note else []
            compared += differs is None and note is None
        # A decision claimed fails wherever the list is; an edit, in a kept folder, is why
        # the folder was kept: said, not taken for the run's list tampered with.
        problems += pending
        if changed and _kept_folder(path) is not None:
            kept += [f"{line}; {KEPT_LIST}" for line in changed]
        else:
            problems += changed
    if problems:
        return Check(LISTS_PENDING, False, _shown(problems + kept + notes))
    passed = f"{len(run.lists)} list(s), every row pending_review, each as assess wrote it"
    if store is not None:
        passed += f"; {compared} of them as the store holds it"
    if kept:
        passed = f"{len(run.lists)} list(s), every row pending_review; not as assess wrote it:"
        return Check(LISTS_PENDING, not strict, _shown([passed, *kept, *notes]), not strict)
    return Check(LISTS_PENDING, True, _shown([passed, *notes]))


# --- 2. outreach ---------------------------------------------------------------------------
def _latest_ids(decisions: pl.DataFrame, among: tuple[str, ...]) -> dict[tuple[str, str], str]:
    latest = (
        decisions.filter(pl.col("decision").is_in(among))
        .sort("seq")
        .group_by("list_id", "item_key")
        .agg(pl.col("decision_id").last())
    )
    return {(a, b): c for a, b, c in latest.iter_rows()}


def _row_problems(
    where: str,
    row: dict[str, Any],
    by_id: dict[str, dict[str, Any]],
    latest: dict,
    link: dict,
    trace: _Trace,
) -> Iterator[str]:
    child = (row.get("list_id") or "", row.get("item_key") or "")
    stored = by_id.get(row.get("decision_id") or "")
    if stored is None:
        yield f"{where}: decision_id {row.get('decision_id')!r} is not in the store"
        return
    if (stored["list_id"], stored["item_key"]) != child:
        yield f"{where}: decision {stored['decision_id']} is about another child or list"
    if stored["decision"] != "contact":
        yield f"{where}: decision {stored['decision_id']} is {stored['decision']}, not contact"
    if latest.get(child) != stored["decision_id"]:
        newer = by_id.get(latest.get(child, ""), {}).get("decision", "?")
        yield (
            f"{where}: decision {stored['decision_id']} is no longer the child's latest "
            f"outcome decision (a later one says {newer}); do not contact from this file"
        )
    else:
        later = trace.later_outcomes(stored["list_id"], stored["item_key"], stored["seq"])
        if later:
            yield (
                f"{where}: decision {stored['decision_id']} no longer stands: the child was "
                f"decided again since{_on_list(later[-1], stored['list_id'])} (it says "
                f"{later[-1]['decision']}); do not contact from this file"
            )
    if not stored["reviewer"].strip() or (row.get("reviewer") or "") != stored["reviewer"]:
        yield f"{where}: the reviewer named does not match the store's decision"
    link_id = row.get("link_decision_id")
    if link_id:
        linked = by_id.get(link_id)
        if linked is None or linked["decision"] != "link_confirmed" or link.get(child) != link_id:
            yield f"{where}: link decision {link_id!r} is not the child's latest link_confirmed"


def _sidecar_problems(
    exported: Path, record: dict[str, Any] | None, frame: pl.DataFrame
) -> list[str]:
    sidecar = sidecar_path(exported)
    if record is None:
        return [f"{sidecar}: cannot be read as JSON"]
    if sorted(record.get("decision_ids", [])) != sorted(frame["decision_id"].to_list()):
        return [f"{sidecar}: its decision ids are not those of the rows of {exported.name}"]
    return []


@dataclass(frozen=True)
class _Written:
    """An outreach export's rows compared with the digests its sidecar recorded of them."""

    by_row: dict[int, str]  # row number (as `where` counts: header line 1) -> why it differs
    problems: list[str]  # of the file: rows removed, digests missing or not digests
    notes: list[str]  # an older sidecar, with no digests: the rows' details unverified


def _written_problems(
    exported: Path, record: dict[str, Any] | None, written: pl.DataFrame, key: bytes
) -> _Written:
    """Each row of an outreach export compared with the keyed digest its sidecar records of the
    row as written (`row_digests`): a row whose details differ, a row added, rows removed."""
    sidecar = sidecar_path(exported)
    if record is None:
        return _Written({}, [], [])  # said by `_sidecar_problems`
    recorded = record.get("row_digests")
    unverified = (
        f"so the details in the {written.height} row(s) of {exported.name} cannot be verified"
    )
    if recorded is None:
        # Written before exports recorded row digests. Not a failure by itself (the export was
        # sound when made, and failing it would fail every earlier run, which the rules and
        # report-output checks do not do for what their older records lack), but a warning, as
        # for rules not checked for a list's term (`--strict` fails it): the sidecar is not
        # sealed, so one stripped of its digests looks just like an older one, and passing it
        # silently would let through the very edit these digests exist to find.
        return _Written(
            {},
            [],
            [
                f"{sidecar}: written before outreach exports recorded a keyed digest of each "
                f"row, {unverified} as those the export wrote (names, date of birth, parents, "
                "address); export the list again to have them verified"
            ],
        )
    if not (isinstance(recorded, list) and all(isinstance(d, str) for d in recorded)):
        return _Written(
            {},
            [
                f"{sidecar}: its row_digests are not the digests an export writes (it was "
                f"changed since), {unverified}: do not contact from this file"
            ],
            [],
        )
    by_row: dict[int, str] = {}
    # Where each digest was written (its first row), to say where a moved row came from.
    rows_written = {d: n for n, d in reversed(list(enumerate(recorded, start=2)))}
    for index, digest in enumerate(row_digests(written, key)):
        where = f"{exported} row {index + 2}"
        if index >= len(recorded):
            by_row[index + 2] = (
                f"{where}: the export wrote no such row ({sidecar.name} records "
                f"{len(recorded)} row(s)): it was added since: do not contact from this file"
            )
        elif digest != recorded[index]:
            by_row[index + 2] = (
                f"{where}: the details in it are those the export wrote for row "
                f"{rows_written[digest]}, not this row (rows were reordered, added or removed "
                "since): do not contact from this file"
                if digest in rows_written
                else f"{where}: the details in it are not those the export wrote for this row "
                "(changed since): do not contact from this file"
            )
    removed = (
        [
            f"{exported}: has {written.height} row(s) where the export wrote {len(recorded)} "
            f"({sidecar.name}): rows were removed since"
        ]
        if len(recorded) > written.height
        else []
    )
    return _Written(by_row, removed, [])


def _identity_problem(where: str, row: dict[str, Any], key: bytes) -> str | None:
    """Why an outreach row's child is not the one its item key names (a row edited to another
    child keeps the key of the child decided about), else None."""
    person, record = row.get("person_id"), row.get("dwp_record_id")
    named = pseudonym(PERSON_KIND, person, key) if person else None
    if named is None and record:
        named = pseudonym(DWP_KIND, record, key)
    if named == row.get("item_key"):
        return None
    return (
        f"{where}: its person_id / dwp_record_id is not the child its item_key (the child "
        "decided about) names; the row was changed since the export: do not contact from this file"
    )


def _outreach_problems(
    path: Path, decisions: pl.DataFrame, key: bytes, exported_at: str | None = None
) -> tuple[list[str], list[str], list[str]]:
    """One outreach export's rows traced to their decisions and compared with what the export
    wrote: the problems, notes (an older sidecar's rows whose details cannot be verified) and
    the rows whose child was decided again since the export (`exported_at`, the store's time
    of it: each row must rest on the latest decision then; None, unknown: now)."""
    try:
        written = pl.read_csv(path, infer_schema=False)  # as the file holds it
    except (OSError, pl.exceptions.PolarsError) as error:
        return [f"{path}: cannot be read as CSV ({type(error).__name__})"], [], []
    frame = restored(written)
    needed = ["list_id", "item_key", "decision_id", "reviewer"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        return [f"{path}: lacks column(s) {', '.join(missing)}; not an outreach export"], [], []
    record = _read_json(sidecar_path(path))
    compared = _written_problems(path, record, written, key)
    by_id = {row["decision_id"]: row for row in decisions.iter_rows(named=True)}
    then = (
        decisions if exported_at is None else decisions.filter(pl.col("decided_at") <= exported_at)
    )
    latest = _latest_ids(then, OUTCOME_DECISIONS)
    link = _latest_ids(then, LINK_DECISIONS)
    trace = _Trace.of(then)
    now_latest, now_trace = _latest_ids(decisions, OUTCOME_DECISIONS), _Trace.of(decisions)
    problems: list[str] = []
    since: list[str] = []
    for number, row in enumerate(frame.iter_rows(named=True), start=2):
        where = f"{path} row {number}"
        found = list(_row_problems(where, row, by_id, latest, link, trace))
        problems += found
        if not found and exported_at is not None:
            since += _decided_since(where, row, by_id, now_latest, now_trace)
        if (identity := _identity_problem(where, row, key)) is not None:
            problems.append(identity)
        if number in compared.by_row:
            problems.append(compared.by_row[number])
    problems += compared.problems + _sidecar_problems(path, record, frame)
    return problems, compared.notes, since


def _decided_since(
    where: str, row: dict[str, Any], by_id: dict[str, dict[str, Any]], latest: dict, trace: _Trace
) -> list[str]:
    """The row's child decided again since the export (it was right then): not to be
    contacted again from the file."""
    stored = by_id[row["decision_id"]]
    later = trace.later_outcomes(stored["list_id"], stored["item_key"], stored["seq"])
    if not later:
        return []
    on = _on_list(later[-1], stored["list_id"])
    return [
        f"{where}: the child was decided again since the export{on} (it says "
        f"{later[-1]['decision']}): do not contact them again from this file"
    ]


_SEALED = re.compile(
    r"^list (?P<list_id>\S+): \d+ exported to .+, rows sealed (?P<seal>[0-9a-f]+)$"
)


def _outreach_seals(store: ReviewStore) -> dict[str, dict[str, str]]:
    """List id -> the seals of the row digests the store's access log recorded for the
    outreach exports of that list (`export_outreach`), each with when it was logged."""
    log = store.access_log().filter(pl.col("command") == "review outreach")
    seals: dict[str, dict[str, str]] = {}
    for at, detail in log.select("at", "detail").iter_rows():
        found = _SEALED.match(detail or "")
        if found:
            seals.setdefault(found["list_id"], {})[found["seal"]] = at
    return seals


def _export_time(path: Path, seals: dict[str, dict[str, str]], key: bytes) -> str | None:
    """When the store logged the export whose rows this file holds (matched by its rows'
    seal, so a file renamed is the same export), by the store's clock; None when unknown."""
    record = _read_json(sidecar_path(path)) or {}
    digests = record.get("row_digests")
    if not isinstance(digests, list) or not all(isinstance(d, str) for d in digests):
        return None
    return seals.get(str(record.get("list_id") or ""), {}).get(digests_seal(digests, key))


def _seal_problem(path: Path, seals: dict[str, dict[str, str]], key: bytes) -> str | None:
    """Why an outreach export's sidecar does not hold row digests the store's access log
    sealed when an export of its list was written (stripped, to pass as an export written
    before there were any, or replaced), else None; None too when the log sealed none for the
    list (exports written before exports were sealed). Matched by list, not by file name: a
    file renamed is the same export."""
    record = _read_json(sidecar_path(path)) or {}
    sealed = seals.get(str(record.get("list_id") or ""))
    if not sealed:
        return None
    digests = record.get("row_digests")
    if digests is not None and not (
        isinstance(digests, list) and all(isinstance(d, str) for d in digests)
    ):
        return None  # not digests at all: `_written_problems` says so
    if digests is None:
        return (
            f"{sidecar_path(path)}: records no row digests, though the store's access log "
            "sealed those of this list's outreach exports when they were written (removed "
            "since, or an export written before they were sealed: export the list again), so "
            "its rows' details cannot be verified: do not contact from this file"
        )
    if digests_seal(digests, key) not in sealed:
        return (
            f"{sidecar_path(path)}: its row digests are none the store's access log sealed "
            "when this list's outreach exports were written (replaced since): do not contact "
            "from this file"
        )
    return None


def _interrupted_outreach(run: _Run, store: ReviewStore | None, key: bytes | None) -> list[str]:
    """An outreach export of the lists found, or whose partial file is among the files found,
    that the store records but whose file was never put in place (the process stopped between
    recording it and renaming its partial file: `interrupted_exports`): its families count as
    sent and were not. Without a store, an outreach export's partial file found is named."""
    found = set(run.files)
    partials = [
        p
        for p in run.files
        if p.name.startswith(".")
        and p.name.lower().endswith(".csv.partial")
        and looks_like_outreach(_header_columns(p))
    ]
    if store is None:
        return [
            f"{p}: the partial file of an outreach export that stopped before its file was "
            "written (its families may count as sent); pass --store to tell whether the store "
            "recorded it"
            for p in partials
        ]
    assert key is not None  # loaded with the store
    lists = set(_stored_list_ids(run, store))
    problems = []
    interrupted = interrupted_exports(store, key)
    claimed = {export.partial for export in interrupted}
    problems += [
        f"{p}: the partial file of an outreach export that stopped before the store recorded "
        "it: nothing was sent from it, but it holds names and addresses: remove it (the next "
        "export to the same file does)"
        for p in partials
        if p.resolve() not in claimed
    ]
    for export in interrupted:
        if export.list_id not in lists and export.partial not in found:
            continue
        if export.problem is None:
            problems.append(
                f"{export.file}: {export.describe()}: the store counts its {export.rows} "
                f"families as sent, but no file holds them (its rows are in {export.partial.name}"
                f" beside it); {finish_command(export)}"
            )
        else:
            problems.append(
                f"{export.partial}: is left from {export.describe()}, but is not that export: "
                f"{export.problem}; its {export.rows} families count as sent and no file holds "
                "them: find out what became of the file, and send them again (`review "
                "outreach --again`) if they were never sent"
            )
    return problems


def _check_outreach(
    run: _Run, store: ReviewStore | None, key: bytes | None, strict: bool = False
) -> Check:
    stopped = _interrupted_outreach(run, store, key)
    if stopped and not run.outreach:
        return Check(OUTREACH_TRACED, False, _shown(stopped))
    if not run.outreach:
        recorded = _recorded_outreach(run, store)
        if recorded:
            return Check(
                OUTREACH_TRACED,
                True,
                "no outreach export given or found here; the store's access log records "
                f"{len(recorded)} of these lists ({'; '.join(recorded)}): name their files "
                "too to trace each row to its decision",
            )
        return Check(OUTREACH_TRACED, True, "no outreach export found: no family contacted")
    # A file found by its header alone has no sidecar naming the decisions it rests on.
    traced = [p for p in run.outreach if sidecar_path(p).is_file()]
    problems = stopped + [
        f"{p}: has no {sidecar_path(p).name} beside it, so its rows cannot be traced to "
        "decisions: do not contact from this file"
        for p in run.outreach
        if p not in traced
    ]
    if store is None:
        if traced:
            problems.append(
                f"{len(traced)} outreach export(s) found but no store given: pass --store "
                "so each row can be traced to its decision"
            )
        return Check(OUTREACH_TRACED, False, _shown(problems))
    decisions = _decisions(store)
    assert key is not None  # loaded with the store
    seals = _outreach_seals(store)
    notes: list[str] = []
    since: list[str] = []
    for path in traced:
        exported_at = _export_time(path, seals, key)
        found, noted, changed = _outreach_problems(path, decisions, key, exported_at)
        sealed = _seal_problem(path, seals, key)
        problems += found + ([sealed] if sealed else [])
        notes += [] if sealed else noted
        since += changed
    if problems:
        return Check(OUTREACH_TRACED, False, _shown(problems + notes))
    rows = sum(pl.read_csv(p, infer_schema=False).height for p in traced)
    summary = (
        f"{len(traced)} export(s), {rows} row(s), each on a named reviewer's latest contact "
        "decision when exported"
    )
    if not notes and not since:
        return Check(OUTREACH_TRACED, True, f"{summary}, as the export wrote it")
    # An older sidecar's rows, or children decided again since the export (rightly sent
    # then; not to be contacted again from the file): a warning (`--strict`: a failure).
    lines = [f"{summary}; but the details of some cannot be verified:", *notes] if notes else []
    if since:
        opening = "and" if notes else f"{summary}; but"
        lines += [f"{opening} some children were decided again since their export:", *since]
    return Check(OUTREACH_TRACED, not strict, _shown(lines), warning=not strict)


# --- 3. check exports ----------------------------------------------------------------------
@dataclass(frozen=True)
class _Trace:
    """What the store says about decisions, for tracing a check export's rows."""

    by_id: dict[str, dict[str, Any]]
    # Each child's outcome decisions on every list of an initiative, in the chain's order:
    # a later decision on another list of the same offer (a re-run's) stands over an earlier.
    outcomes: dict[tuple[str, str], list[dict[str, Any]]]
    initiatives: dict[str, str]  # list_id -> initiative

    @classmethod
    def of(cls, decisions: pl.DataFrame) -> _Trace:
        by_id = {row["decision_id"]: row for row in decisions.iter_rows(named=True)}
        outcomes: dict[tuple[str, str], list[dict[str, Any]]] = {}
        initiatives = dict(decisions.select("list_id", "initiative").unique().iter_rows())
        for row in decisions.sort("seq").iter_rows(named=True):
            if row["decision"] in OUTCOME_DECISIONS:
                outcomes.setdefault((row["initiative"], row["item_key"]), []).append(row)
        return cls(by_id, outcomes, initiatives)

    def later_outcomes(self, list_id: str, item_key: str, seq: int) -> list[dict[str, Any]]:
        """The child's outcome decisions recorded after `seq` on any list of the initiative
        of `list_id`, in the chain's order."""
        child = (self.initiatives.get(list_id, ""), item_key)
        return [d for d in self.outcomes.get(child, []) if d["seq"] > seq]


def _decisions(store: ReviewStore) -> pl.DataFrame:
    """Every decision in the store, with its list's initiative."""
    initiatives = store.lists().select("list_id", "initiative")
    return store.decisions().join(initiatives, on="list_id", how="left", maintain_order="left")


def _on_list(decision: dict[str, Any], list_id: str) -> str:
    """' on list L' when a decision was recorded on another list than `list_id`, else ''."""
    return "" if decision["list_id"] == list_id else f" on list {decision['list_id']}"


@dataclass(frozen=True)
class _Export:
    """One check export's sidecar and the store's record of it."""

    list_id: str
    chosen: tuple[str, ...]
    exported_at: str | None  # as the store recorded it; None when it did not
    recorded: set[tuple[Any, str, str]] | None  # (row, item_key, decision_id) in the store
    row_keys: dict[Any, str] | None = None  # row -> the keyed pseudonym of the parent's details
    template: CheckTemplate | None = None
    export_id: str = ""
    parts: dict[int, int] | None = None  # part number -> the rows the store records in it


def _rests_on_problems(
    where: str, entry: Any, row_number: Any, export: _Export, trace: _Trace
) -> Iterator[str]:
    """Why one child's decision a check export's row rests on does not allow the check."""
    if not isinstance(entry, dict):
        yield f"{where}: a decision it rests on is not recorded in the sidecar's form"
        return
    decision_id, item_key = str(entry.get("decision_id") or ""), str(entry.get("item_key") or "")
    stored = trace.by_id.get(decision_id)
    if stored is None:
        yield f"{where}: decision_id {decision_id!r} is not in the store"
        return
    if (stored["list_id"], stored["item_key"]) != (export.list_id, item_key):
        yield f"{where}: decision {decision_id} is about another child or list"
        return
    if stored["decision"] not in CHECK_DECISIONS:
        yield (
            f"{where}: decision {decision_id} is {stored['decision']}, which does not allow a "
            f"check (only {' or '.join(CHECK_DECISIONS)} does)"
        )
    elif stored["decision"] not in export.chosen:
        yield (
            f"{where}: decision {decision_id} is {stored['decision']}, which the export did "
            f"not choose (it sends children whose latest decision is "
            f"{' or '.join(export.chosen)})"
        )
    if not str(stored["reviewer"] or "").strip():
        yield f"{where}: decision {decision_id} names no reviewer"
    if entry.get("decision_seq") != stored["seq"]:
        yield (
            f"{where}: the sidecar records decision {decision_id} at seq "
            f"{entry.get('decision_seq')!r}, the store at seq {stored['seq']}"
        )
    later = [
        d
        for d in trace.later_outcomes(export.list_id, item_key, stored["seq"])
        if export.exported_at is None or d["decided_at"] <= export.exported_at
    ]
    if later:
        yield (
            f"{where}: decision {decision_id} was not the child's latest outcome decision when "
            f"the export was made (a later one{_on_list(later[-1], export.list_id)} says "
            f"{later[-1]['decision']})"
        )
    if export.recorded is not None and (row_number, item_key, decision_id) not in export.recorded:
        yield (
            f"{where}: the store's record of the export does not list decision {decision_id} "
            "for this row"
        )


def _csv_rows(path: Path) -> int | None:
    """The number of data rows in a CSV file, or None when it cannot be read."""
    try:
        return pl.read_csv(path, infer_schema=False).height
    except (OSError, pl.exceptions.PolarsError):
        return None


def _export_of(sidecar: Path, record: dict[str, Any], store: ReviewStore) -> tuple[_Export, str]:
    """The export a sidecar records, with the store's record of it (and a problem, if none)."""
    export_id = str(record.get("export_id") or "")
    asked = record.get("decisions_chosen")
    names = asked if isinstance(asked, list) and asked else DEFAULT_CHOSEN
    chosen = tuple(d for d in names if d in OUTCOME_DECISIONS)
    stored = store.check_exports().filter(pl.col("export_id") == export_id)
    list_id = str(record.get("list_id") or "")
    if stored.is_empty():
        problem = f"{sidecar}: check export {export_id or '(no id)'} is not recorded in the store"
        return _Export(list_id, chosen, None, None), problem
    items = store.check_export_items(export_id)
    recorded = set(items.select("row_number", "item_key", "decision_id").iter_rows())
    rows = store.check_export_rows().filter(pl.col("export_id") == export_id)
    row_keys = dict(rows.select("row_number", "row_key").iter_rows())
    template = TEMPLATES.get(stored["template"][0])
    parts = {part: 0 for part in range(1, int(stored["file_count"][0] or 0) + 1)}
    for part in rows["part"].to_list():
        parts[part] = parts.get(part, 0) + 1
    exported = _Export(
        list_id, chosen, stored["exported_at"][0], recorded, row_keys, template, export_id, parts
    )
    return exported, ""


def _part_number(path: Path) -> int | None:
    """The number of a check export's file (``NAME-part2.csv``: 2), else None."""
    found = _CHECK_PART.match(path.name)
    return int(found["part"]) if found else None


def _parts_problems(sidecar: Path, files: list[Path], export: _Export) -> list[str]:
    """The files of a check export that are not there, or are not all the store recorded
    (a part deleted, moved, or left out of the sidecar since): each names the part."""
    problems = []
    named = {_part_number(path) for path in files}
    for path in files:
        if not (path.is_file() or path.is_symlink()):
            problems.append(
                f"{path}: missing; {sidecar.name} lists it among the files of check export "
                f"{export.export_id or '(no id)'} (deleted or moved since): the rows in it "
                "cannot be traced, and the families in it may not have been sent"
            )
    stem = sidecar.name.removesuffix(CHECK_SUFFIX)
    for part, rows in sorted((export.parts or {}).items()):
        if part not in named:
            problems.append(
                f"{sidecar.with_name(f'{stem}-part{part}.csv')}: the store records it among "
                f"the files of check export {export.export_id} ({rows} row(s)), but "
                f"{sidecar.name} does not list it (the sidecar was edited since)"
            )
    return problems


def _part_rows_problem(path: Path, sent: int, export: _Export) -> str | None:
    """Why a check export's file holds fewer rows than the store records for it (rows
    removed since; a row added has no decision and is said row by row), else None."""
    part = _part_number(path)
    recorded = (export.parts or {}).get(part) if part is not None else None
    if recorded is None or sent >= recorded:
        return None
    return (
        f"{path}: has {sent} row(s) where check export {export.export_id} wrote {recorded} "
        "to it (the store's record): rows were removed since; do not send this file"
    )


def _sent_rows(path: Path) -> list[dict[str, str]] | None:
    """A check export file's rows as text, or None when it cannot be read as CSV."""
    try:
        return pl.read_csv(path, infer_schema=False, encoding="utf8-lossy").rows(named=True)
    except (OSError, pl.exceptions.PolarsError):
        return None


def _changed_row(
    where: str, fields: dict[str, Any], row: Any, export: _Export, key: bytes
) -> str | None:
    """Why a check export file's row is not the one the store recorded as sent (its parent's or
    child's details changed in the file), else None."""
    recorded = (export.row_keys or {}).get(row)
    if recorded is None or export.template is None:
        return None
    text = {name: value or "" for name, value in fields.items()}
    if sent_row_key(text, export.template, key) == recorded:
        return None
    return (
        f"{where}: the details in it are not those the export sent for this row (the row was "
        "changed since): do not send this file"
    )


def _check_export_problems(
    sidecar: Path, store: ReviewStore, trace: _Trace, key: bytes
) -> tuple[list[str], int, int]:
    """Every row of one check export traced to its decisions: the problems, rows and children."""
    record = _read_json(sidecar) or {}
    export, problem = _export_of(sidecar, record, store)
    problems = [problem] if problem else []
    by_line: dict[tuple[str, Any], dict[str, Any]] = {}
    for row in record.get("rows") or []:
        if isinstance(row, dict):
            by_line[(Path(str(row.get("file", ""))).name, row.get("line"))] = row
    rows = children = 0
    files = _part_files(sidecar)
    problems += _parts_problems(sidecar, files, export)
    for path in files:
        if not path.is_file():
            continue  # said by `_parts_problems`
        sent = _sent_rows(path)
        if sent is None:
            problems.append(f"{path}: cannot be read as CSV")
            continue
        if (removed := _part_rows_problem(path, len(sent), export)) is not None:
            problems.append(removed)
        for line, fields in enumerate(sent, start=2):
            where, row = f"{path} row {line}", by_line.get((path.name, line)) or {}
            rests_on = row.get("rests_on") or []
            rows += 1
            if (changed := _changed_row(where, fields, row.get("row"), export, key)) is not None:
                problems.append(changed)
            if not rests_on:
                problems.append(
                    f"{where}: {sidecar.name} records no child's decision for this row, so it "
                    "cannot be traced to a person's decision"
                )
                continue
            children += len(rests_on)
            for entry in rests_on:
                problems += _rests_on_problems(where, entry, row.get("row"), export, trace)
    return problems, rows, children


def _check_check_exports(run: _Run, store: ReviewStore | None, key: bytes | None) -> Check:
    sent = [p for p in run.check_orphans if header_line_of(p) in _CHECK_HEADERS]
    if not run.check_sidecars and not sent:
        recorded = _recorded_check_exports(run, store)
        if recorded:
            # Each named below, with whether retention deleted its files (`_export_files`).
            return Check(
                CHECKS_TRACED,
                True,
                "no check export file given or found here; the store records "
                f"{len(recorded)} export(s) of these lists: name their files or folder too to "
                "trace each row to its decision",
            )
        return Check(CHECKS_TRACED, True, "no check export found: no family sent to DfE")
    if store is None:
        return Check(
            CHECKS_TRACED,
            False,
            f"{len(run.check_sidecars) + len(sent)} check export(s) found but no store given: "
            "pass --store so each row can be traced to its decisions",
        )
    trace = _Trace.of(_decisions(store))
    problems = [
        f"{path}: a file for DfE's checking service with no .check.json sidecar claiming it: "
        f"its {_csv_rows(path) or 0} row(s) cannot be traced to a person's decision"
        for path in sent
    ]
    rows = children = 0
    for sidecar in run.check_sidecars:
        assert key is not None  # loaded with the store
        found, more_rows, more_children = _check_export_problems(sidecar, store, trace, key)
        problems += found
        rows, children = rows + more_rows, children + more_children
    if problems:
        return Check(CHECKS_TRACED, False, _shown(problems))
    return Check(
        CHECKS_TRACED,
        True,
        f"{len(run.check_sidecars)} export(s), {rows} row(s) for {children} child(ren), each "
        "on a named reviewer's decision that allowed the check, the child's latest when exported",
    )


def _stored_list_ids(run: _Run, store: ReviewStore) -> list[str]:
    """The store's ids of the lists found (by their manifests' run ids)."""
    run_ids = {(_read_json(manifest) or {}).get("run_id") for manifest in run.manifests}
    lists = store.lists().filter(pl.col("run_id").is_in(sorted(run_ids - {None})))
    return lists["list_id"].to_list()


def _recorded_outreach(run: _Run, store: ReviewStore | None) -> list[str]:
    """The outreach exports of the lists found that the store's access log records (when,
    and the file's name), so that none is reported as "no family contacted" because its
    file was kept elsewhere."""
    if store is None:
        return []
    prefixes = tuple(f"list {list_id}: " for list_id in _stored_list_ids(run, store))
    log = store.access_log().filter(pl.col("command") == "review outreach")
    return [
        f"{long_time(row['at'])}: {row['detail'].split(': ', 1)[1].split(', rows sealed ')[0]}"
        for row in log.iter_rows(named=True)
        if prefixes and row["detail"].startswith(prefixes)
    ]


def _recorded_check_exports(run: _Run, store: ReviewStore | None) -> list[str]:
    """The store's check exports of the lists found, so that none is reported as "no family
    sent to DfE" because its files were kept elsewhere."""
    if store is None:
        return []
    lists = _stored_list_ids(run, store)
    return store.check_exports().filter(pl.col("list_id").is_in(lists))["export_id"].to_list()


# --- export files the store records, where it recorded them -------------------------------
@dataclass
class _Placed:
    """Exports of the lists found that the store records, whose files are not where it
    recorded them: `gone` (moved, or deleted by hand: a warning) and `deleted` (deleted under
    retention, as `workbench retention --store` told the store: a note), in words."""

    gone: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be looked for


@dataclass
class _ExportFiles:
    """`_Placed` for each kind of export: outreach, DfE check exports, review workbooks."""

    outreach: _Placed = field(default_factory=_Placed)
    checks: _Placed = field(default_factory=_Placed)
    workbooks: _Placed = field(default_factory=_Placed)


def _when(at: str | None, by: str | None) -> str:
    return f"exported {long_time(at)} by {by or '(no one named)'}"


def _deleted_on(at: str) -> str:
    return (
        f"deleted under retention on {long_time(at[:10])} (`workbench retention --store` told "
        "the store)"
    )


def _export_files(run: _Run, store: ReviewStore | None, key: bytes | None) -> _ExportFiles:
    """The exports of the lists found (outreach, DfE check exports, review workbooks) that
    the store records, whose files are not where it recorded them and that retention did not
    record deleting; and those it did. An outreach export is looked for at the path the store
    recorded; a check export (the store records its files' name, not their folder) by its
    sidecar among the files found; a workbook (the access log names the file since 7 December
    2026, not its folder) by its name among the files found, the last export of each name per
    list (an earlier one of that name was written over by it)."""
    found = _ExportFiles()
    if store is None:
        return found
    assert key is not None  # loaded with the store
    lists = set(_stored_list_ids(run, store))
    deleted = store.export_files_deleted()
    # Outreach: the file the store recorded (its resolved path).
    exports = store.outreach_exports().filter(pl.col("list_id").is_in(sorted(lists)))
    unfinished = {export.seq for export in interrupted_exports(store, key)}  # said as failed
    last_at: dict[str, int] = {}
    for row in store.outreach_exports().iter_rows(named=True):
        last_at[row["file"]] = max(last_at.get(row["file"], 0), row["export_seq"])
    for row in exports.iter_rows(named=True):
        seq, file = row["export_seq"], Path(row["file"])
        if row["replaced"] or not row["row_count"] or seq in unfinished:
            continue  # never sent (a later export replaced it), or held no family
        written_over = last_at[row["file"]] != seq
        if (file.exists() or file.is_symlink()) and not written_over:
            continue
        what = (
            f"outreach export {seq} of list {row['list_id']} ({row['row_count']} row(s), "
            f"{_when(row['exported_at'], row['exported_by'])})"
        )
        if (at := deleted.get(("outreach", str(seq)))) is not None:
            found.outreach.deleted.append(f"{what}: its file {file} was {_deleted_on(at)}")
            continue
        since = (
            f" (a later export, {last_at[row['file']]}, was written there since)"
            if written_over
            else ""
        )
        found.outreach.gone.append(f"{what}: not at {file}, where the store recorded it{since}")
    # Check exports: by their sidecars found (the store records no folder).
    here = {str((_read_json(s) or {}).get("export_id") or "") for s in run.check_sidecars}
    from workbench.governance._sar_exports import check_export_names

    names = check_export_names(store)
    checks = store.check_exports().filter(pl.col("list_id").is_in(sorted(lists)))
    for row in checks.iter_rows(named=True):
        export_id = row["export_id"]
        if export_id in here:
            continue
        name = names.get(export_id)
        what = (
            f"check export {export_id} of list {row['list_id']} ({row['row_count']} row(s) in "
            f"{row['file_count']} file(s)"
            + (f", {name}-part*.csv" if name else "")
            + f", {_when(row['exported_at'], row['exported_by'])})"
        )
        if (at := deleted.get(("check", export_id))) is not None:
            found.checks.deleted.append(f"{what}: its files were {_deleted_on(at)}")
            continue
        found.checks.gone.append(
            f"{what}: its sidecar ({name or 'NAME'}{CHECK_SUFFIX}) is not under the paths given "
            "(the store records the files' name, not their folder)"
        )
    # Review workbooks: by the name the access log gives (the store records no folder).
    from workbench.governance._sar_exports import WORKBOOK_COMMAND, WORKBOOK_DETAIL

    log = store.access_log().filter(pl.col("command") == WORKBOOK_COMMAND).sort("seq")
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    unnamed = 0
    for entry in log.iter_rows(named=True):
        book = WORKBOOK_DETAIL.match(entry["detail"] or "")
        if book is None or book["list_id"] not in lists:
            continue
        if book["file"] is None:
            unnamed += 1
            continue
        latest[(book["list_id"], book["file"])] = entry
    on_disk = {path.name for path in run.files}
    for (list_id, name), entry in latest.items():
        if name in on_disk:
            continue
        what = (
            f"review workbook {name} of list {list_id} (access log line {entry['seq']}, "
            f"{_when(entry['at'], entry['user'])})"
        )
        if (at := deleted.get(("workbook", str(entry["seq"])))) is not None:
            found.workbooks.deleted.append(f"{what}: {_deleted_on(at)}")
            continue
        found.workbooks.gone.append(
            f"{what}: not under the paths given (the access log names the file, not its folder)"
        )
    if unnamed:
        found.workbooks.notes.append(
            f"{unnamed} review workbook export(s) of these lists logged before the access log "
            "named the file (7 December 2026): not looked for"
        )
    return found


GONE_HEAD = {
    "outreach": "the store records outreach export(s) of these lists whose file is not where "
    "it recorded it",
    "checks": "the store records check export(s) of these lists whose files were not found",
    "workbooks": "the store's access log records review workbook export(s) of these lists "
    "whose file was not found",
}
GONE_WHY = (
    "; retention did not record deleting them: moved since (to a secure mailbox after "
    "sending?) or deleted by hand: find out where they went, or give the folder they are in"
)


def _with_export_files(check: Check, placed: _Placed, kind: str, strict: bool) -> Check:
    """A check with the exports of `kind` whose files are not where the store recorded them
    named below its finding (*warns*; ``strict``: fails) and those deleted under retention
    noted."""
    lines = [*placed.deleted, *placed.notes]
    if placed.gone:
        lines = [f"{GONE_HEAD[kind]} ({len(placed.gone)}){GONE_WHY}:", *placed.gone, *lines]
    if not lines:
        return check
    detail = "\n".join([check.detail, _shown(lines)])
    if not placed.gone:
        return Check(check.name, check.ok, detail, check.warning)
    ok = check.ok and not strict
    return Check(check.name, ok, detail, warning=ok)


# --- 4. chain ------------------------------------------------------------------------------
def _check_chain(run: _Run, store: ReviewStore | None) -> Check:
    if store is None:
        return Check(CHAIN, True, "not checked: no store given")
    report = store.verify_chain()
    if not report.ok:
        return Check(CHAIN, False, f"{store.path}: {report.message}")
    hashes = set(store.decisions()["hash"].to_list()) | {GENESIS_HASH}
    retained = {c.head_hash: c.checkpoint for c in store.checkpoints()}
    # The head log beside the store, then the heads recorded by outreach exports.
    problems, notes = store.verify_head_log(), []
    for sidecar in [*run.sidecars, *run.check_sidecars]:
        head = (_read_json(sidecar) or {}).get("chain_head")
        if head is None or head in hashes:
            continue
        if head in retained:
            notes.append(
                f"{sidecar}: the chain head recorded at export was removed under retention "
                f"(bridged by checkpoint {retained[head]})"
            )
        else:
            problems.append(
                f"{sidecar}: the chain head recorded at export is no longer in the store's "
                "chain (decisions were removed since)"
            )
    if problems:
        return Check(CHAIN, False, _shown(problems))
    return Check(CHAIN, True, _shown([f"{report.message}; head {report.head[:12]}", *notes]))


# --- 5. sealed -----------------------------------------------------------------------------
def _check_sealed(store: ReviewStore | None) -> Check:
    """The store's lists, migrations, imports of DfE's results and access log against their
    seals."""
    if store is None:
        return Check(SEALED, True, "not checked: no store given")
    notes: list[str] = []
    # The lists: what each reviewer was shown and decided on is the item's stored row.
    lists_sealed, list_problems = store.verify_lists()
    problems = list_problems + store.verify_migrations()
    if lists_sealed and not list_problems:
        notes.append(f"the stored lists: {lists_sealed} sealed and intact")
    results = store.verify_check_results()
    problems += results.problems
    # The access log: "details seen before each decision" and subject access rest on it.
    accesses = store.verify_access_log()
    problems += accesses.problems
    if accesses.sealed or accesses.unsealed:
        notes.append(
            f"the access log: {accesses.sealed} line(s) sealed"
            + (" and intact" if accesses.ok else "")
            + (
                f"; {accesses.unsealed} logged before the store sealed them (not checked)"
                if accesses.unsealed
                else ""
            )
        )
    if results.sealed or results.unsealed:
        notes.append(
            f"DfE's check results: {results.sealed} import(s) sealed and intact"
            + (
                f"; {results.unsealed} recorded before the store sealed them (not checked)"
                if results.unsealed
                else ""
            )
        )
    if problems:
        return Check(SEALED, False, _shown(problems))
    if not notes:
        notes.append("nothing sealed yet: no list, result import or access-log line")
    return Check(SEALED, True, _shown(notes))


# --- 6. modes ------------------------------------------------------------------------------
def _is_quarantine(path: Path) -> bool:
    """A quarantine file (`workbench validate --quarantine-out`), wherever it was written: it
    holds ids, dates of birth and raw values as given."""
    try:
        if path.suffix.lower() == ".csv":
            with open(path, encoding="utf-8", errors="replace") as handle:
                return handle.readline().rstrip("\r\n") == QUARANTINE_HEADER
        if path.suffix.lower() == ".parquet":
            return list(pl.read_parquet_schema(path)) == QUARANTINE_SCHEMA.names()
    except (OSError, pl.exceptions.PolarsError):
        return False
    return False


def _is_restricted(path: Path, run: _Run, store_path: Path | None) -> bool:
    return (
        RESTRICTED_DIR in path.resolve().parts
        or _is_quarantine(path)
        or path in run.lists
        or path in run.unlisted
        or path in run.manifests
        or path in run.outreach
        or path in run.sidecars
        or path in run.check_sidecars
        or path in run.check_files
        or path in run.check_orphans
        or path in run.check_results
        or path.suffix.lower() == ".xlsx"
        or (store_path is not None and path.resolve() == store_path.resolve())
    )


def _open_to_others(path: Path, expected: int) -> str | None:
    """Why `path` is not owner-only (its mode, and the `chmod` that fixes it), else None."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & GROUP_OTHER_BITS:
        return None
    return (
        f"{path}: mode {mode:04o}; expected {expected:04o} (owner only). "
        f"Run `chmod {expected:o} {path}`"
    )


def _check_modes(run: _Run, store_path: Path | None, strict: bool = False) -> Check:
    """Check 6. A file or a ``restricted/`` folder (which the workbench makes owner-only)
    open to others fails. The folder a list is in, open to others, *warns* (``strict``:
    fails): its files are checked themselves, but others can list them and read a copy saved
    there later (a spreadsheet program's, 0644 under the usual umask); it may be a folder the
    list was written into, not one the workbench made (assess makes a new one 0700)."""
    files = [p for p in run.files if _is_restricted(p, run, store_path)]
    if store_path is not None and store_path.exists() and store_path not in files:
        files.append(store_path)
    dirs = [d for d in run.dirs if RESTRICTED_DIR in d.resolve().parts]
    holding = sorted({p.absolute().parent for p in run.lists} - {d.absolute() for d in dirs})
    problems = [
        line
        for path, expected in [(f, 0o600) for f in files] + [(d, 0o700) for d in dirs]
        if (line := _open_to_others(path, expected)) is not None
    ]
    open_folders = [line for d in holding if (line := _open_to_others(d, 0o700)) is not None]
    said = [f"{len(open_folders)} {LIST_FOLDERS_OPEN}:", *open_folders] if open_folders else []
    if problems:
        return Check(MODES, False, _shown(problems + said))
    folders = len(dirs) + len(holding) - len(open_folders)
    owner_only = f"{len(files)} file(s) and {folders} folder(s) owner-only"
    if said:
        warned = _shown([f"{owner_only}; {said[0]}", *said[1:]])
        return Check(MODES, not strict, warned, warning=not strict)
    return Check(MODES, True, owner_only)


LIST_FOLDERS_OPEN = (
    "folder(s) holding a list not owner-only (others can list and enter them, and read a copy "
    "saved there later)"
)


# --- 7. shareable --------------------------------------------------------------------------
def _known_ids(run: _Run) -> set[str]:
    """Person and record ids of every list (and outreach export) found."""
    ids: set[str] = set()
    for path in [*run.lists, *run.outreach]:
        try:
            frame = _read_table(path)
        except (OSError, pl.exceptions.PolarsError):
            continue
        for column in ("person_id", "dwp_record_id"):
            if column in frame.columns:
                ids |= set(frame[column].cast(pl.String).drop_nulls().to_list())
        if "evidence" in frame.columns and frame.schema["evidence"] == pl.String:
            for text in frame["evidence"].drop_nulls().to_list():
                ids |= set(_EVIDENCE_PERSON.findall(text))
    return ids - {""}


def _known_names(run: _Run) -> set[str]:
    """Full names ("Forename Surname") of the children in outreach exports."""
    names: set[str] = set()
    for path in run.outreach:
        frame = restored(pl.read_csv(path, infer_schema=False))
        if {"child_forename", "child_surname"} <= set(frame.columns):
            full = frame.select(pl.concat_str("child_forename", "child_surname", separator=" "))
            names |= set(full.to_series().drop_nulls().to_list())
    return names


def _shareable_text(path: Path) -> str | None:
    if path.suffix.lower() == ".parquet":
        return pl.read_parquet(path).write_csv()
    if path.suffix.lower() in TEXT_SUFFIXES:
        return path.read_text(encoding="utf-8", errors="replace")
    return None


def _line_findings(line: str, ids: set[str], names: set[str]) -> list[str]:
    kinds = []
    if _NINO.search(line):
        kinds.append("a National Insurance number")
    if _POSTCODE.search(line):
        kinds.append("a full postcode")
    if _PSEUDONYM.search(line):
        kinds.append("a pseudonymous key")
    if ids and any(token in ids for token in _TOKEN.findall(line)):
        kinds.append("a person or record id from the run's lists")
    if any(name in line for name in names):
        kinds.append("a child's name from an outreach export")
    return kinds


# A column of a row-level file about people: a published table counts groups, and has none
# of these (its rows are areas, tiers, ethnic groups...). Compared as a header is normalised:
# lower case, any run of other characters than letters and digits one underscore.
_PERSONAL_COLUMNS = frozenset(
    {
        "forename", "surname", "first_name", "last_name", "full_name", "name",
        "child_forename", "child_surname", "parent_forename", "parent_surname",
        "date_of_birth", "dob", "child_date_of_birth", "birth_date",
        "nino", "parent_nino", "ni_number", "national_insurance_number",
        "address", "address_line_1", "address_line_2", "address_line_3", "address_line_4",
        "person_id", "dwp_record_id", "item_key",
    }
)  # fmt: skip


def _personal_columns(header: str) -> list[str]:
    """The columns of a CSV header line that hold personal data row by row."""
    cells = next(csv.reader([header]), [])
    keys = [re.sub(r"[^0-9a-z]+", "_", cell.strip().lower()).strip("_") for cell in cells]
    return [cell for cell, key in zip(cells, keys, strict=True) if key in _PERSONAL_COLUMNS]


MAX_PER_FILE = 3  # findings shown for one file; the rest counted, so every file is named


def _file_findings(path: Path, text: str, ids: set[str], names: set[str]) -> list[str]:
    """What one shareable file holds, by line: at most `MAX_PER_FILE` findings, then how many
    more (a list copied in whole would give one for each child)."""
    problems = []
    header = text.split("\n", 1)[0]
    if path.suffix.lower() in (".csv", ".parquet") and (found := _personal_columns(header)):
        problems.append(
            f"{path} line 1: column(s) {', '.join(found)}: a table of people, row by row, "
            "not of counts"
        )
    for number, line in enumerate(text.splitlines(), start=1):
        problems += [f"{path} line {number}: {kind}" for kind in _line_findings(line, ids, names)]
    if len(problems) > MAX_PER_FILE:
        last = problems[-1].removeprefix(f"{path} line ").split(":", 1)[0]
        more = len(problems) - MAX_PER_FILE
        problems = [*problems[:MAX_PER_FILE], f"{path}: {more} more finding(s), to line {last}"]
    return problems


def _check_shareable(run: _Run) -> Check:
    """Check 7: the files under a shareable/ folder, and every file in (or under) a folder
    `workbench stats --out` published (a stats manifest's, outside every report run): that
    folder is what the council shares, so a file put there since goes out with the tables."""
    published = _published_by_stats(run)
    files = sorted({p for p in run.files if SHAREABLE_DIR in p.resolve().parts} | set(published))
    ids, names = _known_ids(run), _known_names(run)
    problems, unscanned, leaked = [], [], set()
    for path in files:
        text = _shareable_text(path)
        if text is None:
            unscanned.append(path.name)
            continue
        found = _file_findings(path, text, ids, names)
        problems += found
        if found and path in published and not _of_a_report(published[path]):
            leaked.add(published[path])
    problems += [
        f"{folder}: `workbench stats --out` published this folder (its {STATS_MANIFEST}): "
        "every file in it is shared with its tables"
        for folder in sorted(leaked)
    ]
    if problems:
        return Check(SHAREABLE, False, "\n".join(problems))
    detail = f"{len(files) - len(unscanned)} shareable file(s) scanned"
    # A report run's shareable/ found without its run is shareable/ all the same.
    alone = {path: folder for path, folder in published.items() if not _of_a_report(folder)}
    if alone:
        folders = len(set(alone.values()))
        detail += (
            f" ({len(alone)} of them in {folders} folder(s) `workbench stats --out` published)"
        )
    detail += ", no personal data found"
    if unscanned:
        detail += f"; not scanned (not text): {', '.join(sorted(unscanned))}"
    return Check(SHAREABLE, True, detail)


# --- 9. the rules each list was made with --------------------------------------------------
def _check_rules(run: _Run, strict: bool) -> Check:
    """Each list's rule file was checked for the list's term (its manifest says how far)."""
    if not run.lists:
        return Check(RULES_CHECKED, True, "not applicable: no candidate list found")
    beyond, unsaid = [], 0
    for listed in run.lists:
        record = _read_json(listed.with_name(listed.name + MANIFEST_SUFFIX)) or {}
        through = record.get("rules_checked_through")
        term = (record.get("parameters") or {}).get("term_start")
        if not (isinstance(through, str) and isinstance(term, str)):
            unsaid += 1
        elif term > through:  # ISO dates: in order as text
            beyond.append(
                f"{listed}: the term starting {term}, with {record.get('rule_set')}, checked for "
                f"terms starting up to {through}"
            )
    not_said = (
        f"; {unsaid} list(s) whose manifest does not say how far its rules were checked "
        "(made before the rule files said, or with a rule file of the council's that does not)"
        if unsaid
        else ""
    )
    if not beyond:
        checked = len(run.lists) - unsaid
        return Check(
            RULES_CHECKED, True, f"{checked} list(s) made with rules checked for its term{not_said}"
        )
    summary = (
        f"{len(beyond)} of {len(run.lists)} list(s) made for a term later than its rules were "
        "checked for: check the rules against DfE's current guidance before acting on the "
        f"list{not_said}:"
    )
    return Check(RULES_CHECKED, not strict, _shown([summary, *beyond]), warning=not strict)


# --- 10. report outputs --------------------------------------------------------------------
def _output_files(folder: Path) -> dict[str, Path]:
    """Every file in a report run's folder now but its manifest, by path inside the folder (as
    `workbench report` keys its manifest's ``outputs``): the run writes only its notebook, its
    HTML and what is under shareable/ and restricted/, so any other file (a list copied to the
    folder's world-readable top, a new subfolder) was added since."""
    return {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.rglob("*"))
        if (path.is_file() or path.is_symlink()) and path != folder / REPORT_MANIFEST
    }


RETENTION_LOG = "retention-log.jsonl"  # `workbench retention --apply`'s, in the reports folder


def _retained(manifest: Path, record: dict[str, Any]) -> str | None:
    """When `workbench retention` deleted the run's restricted/ folder (its whole folder gone,
    and a line of the reports folder's deletion log naming the run among those whose
    restricted outputs it deleted), the day it did; else None."""
    folder, run_id = manifest.parent, record.get("run_id")
    log = folder.parent / RETENTION_LOG
    if (folder / RESTRICTED_DIR).exists() or not isinstance(run_id, str) or not log.is_file():
        return None
    try:
        lines = log.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        deleted = entry.get("deleted") if isinstance(entry, dict) else None
        if (
            isinstance(deleted, dict)
            and deleted.get("restricted_outputs")
            and run_id in (entry.get("run_ids") or [])
        ):
            return str(entry.get("today") or entry.get("at") or "")[:10]
    return None


def _is_output_name(name: str) -> bool:
    """Whether a manifest's ``outputs`` entry names a file a run writes: under shareable/ or
    restricted/ of the run folder (a failed run's shareable/ renamed), never outside it."""
    if name in RENDERED:
        return True
    parts = PurePosixPath(name).parts
    folders = (SHAREABLE_DIR, RESTRICTED_DIR, NOT_PUBLISHED)
    return len(parts) > 1 and parts[0] in folders and ".." not in parts


def _as_run_wrote(name: str) -> str:
    """A kept earlier run's file's path as its run wrote it, before the rerun renamed its
    shareable/ (`NOT_PUBLISHED_REPLACED`).

    >>> _as_run_wrote("shareable-of-a-replaced-run/take_up.csv"), _as_run_wrote("report.html")
    ('shareable/take_up.csv', 'report.html')
    """
    parts = PurePosixPath(name).parts
    if len(parts) > 1 and parts[0] == NOT_PUBLISHED_REPLACED:
        return PurePosixPath(SHAREABLE_DIR, *parts[1:]).as_posix()
    return name


def _sha256(path: Path) -> str | None:
    try:
        return file_sha256(path)
    except OSError:
        return None


@dataclass
class _Outputs:
    """One report run's files against its manifest: what fails, how many files are as the run
    wrote them, and, in an earlier run a rerun kept whole, the files added or changed since
    (`kept`: why the folder was kept, said rather than failed)."""

    problems: list[str]
    intact: int = 0
    kept: dict[str, str] = field(default_factory=dict)


ADDED = "added since the run"
CHANGED_SINCE_RUN = "changed since the run wrote it"


def _outputs_problems(manifest: Path) -> _Outputs:
    """Each file one report run's manifest lists, and each under its shareable/ and
    restricted/ and its executed notebook and HTML, compared."""
    record = _read_json(manifest)
    if record is None:
        return _Outputs(
            [
                f"{manifest}: cannot be read as JSON, so the files the run wrote cannot be "
                "checked against it"
            ]
        )
    identity = _run_id_problem(manifest, record)
    outputs = record.get("outputs")
    if outputs is None:
        return _Outputs(
            [
                f"{manifest}: records no SHA-256 of the files the run wrote (no outputs), so its "
                "shareable/ and restricted/ files cannot be checked; every manifest `workbench "
                "report` writes records them, so this one was edited since or was not written "
                "by it"
            ]
        )
    if not isinstance(outputs, dict):
        return _Outputs(
            [
                f"{manifest}: its outputs are not the run's files with their SHA-256 (the "
                "manifest was edited), so the files the run wrote cannot be checked against it"
            ]
        )
    kept_whole = replaced_at(manifest.parent.name) is not None
    kept: dict[str, str] = {}
    folder, found = manifest.parent, _output_files(manifest.parent)
    if kept_whole:  # its shareable/ renamed as the rerun kept it (`workbench.runs.rerun`)
        found = {_as_run_wrote(name): path for name, path in found.items()}
    hashes = {name: _sha256(path) for name, path in found.items()}
    problems: list[tuple[str, str]] = []  # (where, finding), to be shown in order of path
    intact = 0
    retained = _retained(manifest, record)
    for name, recorded in outputs.items():
        if retained and PurePosixPath(name).parts[0] == RESTRICTED_DIR and name not in found:
            continue  # deleted with restricted/ when its retention period ended
        if not _is_output_name(name):
            problems.append(
                (
                    name,
                    f"{manifest}: lists {name!r} among the files the run wrote, but a run "
                    "writes only under shareable/ and restricted/ (the manifest was edited)",
                )
            )
        elif name not in found:
            problems.append(
                (
                    name,
                    f"{folder / name}: missing; the run's manifest.json lists it among the "
                    "files the run wrote (deleted or moved since the run)",
                )
            )
        elif hashes[name] is None:
            problems.append((name, f"{found[name]}: cannot be read, so it cannot be checked"))
        elif hashes[name] != recorded and kept_whole:
            kept[name] = CHANGED_SINCE_RUN
        elif hashes[name] != recorded:
            problems.append(
                (
                    name,
                    f"{found[name]}: changed since the run wrote it (its SHA-256 is not the one "
                    "the run's manifest.json records: the file, or the manifest, was edited "
                    "since); do not rely on it or share it: run the report again",
                )
            )
        else:
            intact += 1
    # A run made before the runner hashed its notebook and HTML vouches for neither.
    unrecorded = set(RENDERED) if set(RENDERED).isdisjoint(outputs) else set()
    for name in sorted(set(found) - set(outputs) - unrecorded):
        copies = sorted(
            o for o, h in outputs.items() if hashes[name] is not None and h == hashes[name]
        )
        if checkpoint_of(name) in copies:
            continue  # Jupyter's checkpoint of a file it opened, the very bytes the run wrote
        copy = f"; it is a copy of {' or '.join(copies)}" if copies else ""
        if kept_whole:
            kept[name] = ADDED + copy.replace(";", ",")
            continue
        problems.append(
            (
                name,
                f"{found[name]}: not written by the run (the run's manifest.json does not list "
                f"it): added since the run{copy}",
            )
        )
    # The tables a stats manifest under shareable/ lists, against the SHA-256 it records of
    # each (a table edited with the run's manifest rehashed over it; a withheld one added).
    said = {name for name, _ in problems} | set(kept)
    for name in [n for n in found if PurePosixPath(n).name == STATS_MANIFEST]:
        for path, finding in _stats_problems(found[name]):
            table = path.relative_to(folder).as_posix()
            table = _as_run_wrote(table) if kept_whole else table
            if table in said:
                continue
            if kept_whole:
                kept[table] = "not as its stats_manifest.json records it"
            else:
                problems.append((table, finding))
    found_problems = [finding for _, finding in sorted(problems)]
    return _Outputs(
        ([identity] if identity else []) + found_problems, intact, dict(sorted(kept.items()))
    )


def _stats_problems(manifest: Path) -> list[tuple[Path, str]]:
    """Each table a stats manifest (`workbench stats`, or a report's, under shareable/)
    lists as published, against the SHA-256 it records (a table missing or changed since),
    and a file named as a table it says was withheld by disclosure control (put there
    since): (the file, the finding)."""
    record = _read_json(manifest)
    published = None if record is None else record.get("published")
    if not isinstance(published, list):
        return [
            (
                manifest,
                f"{manifest}: does not list the tables published with their SHA-256 (cannot be "
                "read, or was edited since), so they cannot be checked against it",
            )
        ]
    problems: list[tuple[Path, str]] = []
    for number, entry in enumerate(published, start=1):
        name = entry.get("file") if isinstance(entry, dict) else None
        recorded = entry.get("sha256") if isinstance(entry, dict) else None
        if not (isinstance(name, str) and name and isinstance(recorded, str)):
            problems.append(
                (
                    manifest,
                    f"{manifest}: entry {number} of its published tables names no file with "
                    "its SHA-256 (edited since)",
                )
            )
            continue
        path = manifest.with_name(PurePosixPath(name).name)
        digest = _sha256(path) if path.is_file() else None
        if not path.is_file():
            problems.append(
                (
                    path,
                    f"{path}: missing; {manifest.name} lists it among the tables published "
                    "(deleted or moved since)",
                )
            )
        elif digest != recorded:
            problems.append(
                (
                    path,
                    f"{path}: changed since it was published (its SHA-256 is not the one "
                    f"{manifest.name} records): do not rely on it or share it: run the report "
                    "again",
                )
            )
    withheld = (record or {}).get("withheld")
    for entry in withheld if isinstance(withheld, list) else []:
        table = entry.get("table") if isinstance(entry, dict) else None
        path = manifest.with_name(f"{PurePosixPath(str(table)).name}.csv")
        if isinstance(table, str) and table and (path.exists() or path.is_symlink()):
            problems.append(
                (
                    path,
                    f"{path}: {manifest.name} says table {table} was withheld (not published), "
                    "but a file of its name is here: put there since; do not share it",
                )
            )
    return problems


def _loose_stats(run: _Run) -> list[Path]:
    """The stats manifests found outside every report run (`workbench stats --out`)."""
    folders = {m.parent for m in run.reports}
    return [p for p in run.files if p.name == STATS_MANIFEST and folders.isdisjoint(p.parents)]


def _reports_furniture(name: str) -> bool:
    """Whether a file at the top of a reports folder is one a workbench command writes there
    beside the run folders: a run's lock, or retention's log."""
    lock = _RUN_LOCK.match(name)
    return name == RETENTION_LOG or (lock is not None and bool(RUN_FOLDER.match(lock["folder"])))


def _published_by_stats(run: _Run) -> dict[Path, Path]:
    """Each file found in (or under) a folder holding a stats manifest outside every report
    run, with the nearest such folder: `workbench stats --out` published that folder, so
    every file in it goes out with its tables. Not the files of a report run found under it
    (its manifest.json says what the run wrote, and its restricted/ stays inside), nor a
    run's lock or retention's log at its top (a stats folder that is a reports folder too)."""
    folders = {m.parent for m in _loose_stats(run)}
    runs = {m.parent for m in run.reports}
    held: dict[Path, Path] = {}
    for path in run.files:
        folder = next((f for f in path.parents if f in folders), None)
        if folder is None or not runs.isdisjoint(path.parents):
            continue
        if path.parent == folder and _reports_furniture(path.name):
            continue
        held[path] = folder
    return held


def _of_a_report(folder: Path) -> bool:
    """Whether a stats manifest's folder is a report run's shareable/ (notebook 04 writes
    one there, beside the charts it draws), found without the run's manifest.json (the
    folder given by itself, or a run being written): the run's manifest lists its files."""
    folder = folder.resolve()
    run = folder.parent.name
    unfinished = UNFINISHED_RUN.match(run)
    return folder.name in (SHAREABLE_DIR, NOT_PUBLISHED, NOT_PUBLISHED_REPLACED) and bool(
        RUN_FOLDER.match(unfinished["folder"] if unfinished else run)
    )


def _stats_listed(manifest: Path) -> dict[str, str] | None:
    """The files a stats manifest lists as published, with the SHA-256 it records of each
    (its own name with none); None when it cannot be read as listing them (said apart)."""
    record = _read_json(manifest)
    published = None if record is None else record.get("published")
    if not isinstance(published, list):
        return None
    listed = {STATS_MANIFEST: ""}
    for entry in published:
        if isinstance(entry, dict) and isinstance(name := entry.get("file"), str):
            listed[PurePosixPath(name).name] = str(entry.get("sha256"))
    return listed


def _unlisted_in_stats(run: _Run, named: set[Path]) -> list[tuple[Path, str]]:
    """Each file in a folder `workbench stats --out` published that its stats manifest does
    not list as published (and that is not already ``named``: a withheld table's file).

    It fails, as a file added to a report run since the run does (a run's folder is what a
    council publishes from, and its manifest says what it wrote): this folder is itself the
    publication, as a run's shareable/ is, so the file would go out with the tables unchecked
    by disclosure control. (A file at the top of a reports folder only warns: that folder is
    not itself published, and nothing in it says what belongs there.) A report run's
    shareable/ found without its run is left to the run's manifest, which lists the charts
    beside its tables; Jupyter's checkpoint of a table, the very bytes published, is no
    file added."""
    found: list[tuple[Path, str]] = []
    listings: dict[Path, dict[str, str] | None] = {}
    for path, folder in sorted(_published_by_stats(run).items()):
        if path in named or _of_a_report(folder):
            continue
        if folder not in listings:
            listings[folder] = _stats_listed(folder / STATS_MANIFEST)
        listed = listings[folder]
        if listed is None:
            continue  # a manifest that lists nothing readable: its own finding says so
        name = path.relative_to(folder).as_posix()
        original = checkpoint_of(name)
        if name in listed or (original in listed and _sha256(path) == listed[original]):
            continue
        found.append(
            (
                path,
                f"{path}: in {folder}, which `workbench stats --out` published, but not a "
                f"table its {STATS_MANIFEST} lists as published: put there since, it would be "
                "shared with the tables without disclosure control; remove it (or run "
                "`workbench stats` again)",
            )
        )
    return found


# What a reports folder holds at its top, besides run folders (and their hidden `.partial`
# and `.previous` folders): a run's lock, and retention's log.
_RUN_LOCK = re.compile(r"^\.(?P<folder>.+)\.lock$")
# A review store's files beside it (`workbench.cli._outputs._STORE_FILES`).
_STORE_FILES = (".heads", ".imports", ".access", "-wal", "-shm", "-journal")


def _loose_files(run: _Run, store_path: Path | None) -> list[str]:
    """Files in a reports folder found (the folder holding a report run found, itself
    among the folders searched) outside every run folder that no workbench command writes
    there and assure does not check as one of its kinds (a list, an export, a results file, a
    workbook, the store): an index page or a table put there by hand, which may be
    published with the reports though nothing checked it."""
    searched = set(run.dirs)
    reports = sorted({m.parent.parent for m in run.reports} | {u.parent for u in run.unfinished})
    store_names = set()
    if store_path is not None:
        store_names = {store_path.name, *(store_path.name + s for s in _STORE_FILES)}
    published = _published_by_stats(run)  # checked as `workbench stats --out` published them
    loose = []
    for folder in (r for r in reports if r in searched):
        for path in run.files:
            try:
                top = path.relative_to(folder).parts[0]
            except ValueError:
                continue
            if (
                (top != path.name and RUN_FOLDER.match(top))
                or _reports_furniture(top)
                or path.name in store_names
                or path.name == STATS_MANIFEST
                or path in published
                or _is_restricted(path, run, None)
            ):
                continue
            loose.append(
                f"{path}: in the reports folder {folder}, outside every run folder: written "
                "by no workbench command there and not checked by assure (put there by hand?); "
                "if the folder is published, this is too"
            )
    return loose


def _run_id_problem(manifest: Path, record: dict[str, Any]) -> str | None:
    """Why the run id the manifest's record of the run's inputs, parameters, notebook, rule
    set and version gives is not the run's (its ``run_id`` and its folder's name), else None:
    those were edited since (a parameter changed to say the report was made for another term
    or initiative). `workbench report` makes the run id of exactly these."""
    notebook = record.get("notebook")
    inputs, parameters = record.get("inputs"), record.get("parameters")
    if not (
        isinstance(notebook, dict)
        and isinstance(notebook.get("name"), str)
        and isinstance(notebook.get("sha256"), str)
        and isinstance(inputs, dict)
        and isinstance(parameters, dict)
    ):
        return None  # a manifest edited past reading: the outputs' problems say so
    identity = {**inputs, f"notebook:{notebook['name']}.ipynb": notebook["sha256"]}
    changes = record.get("code_changes")
    version = code_version(
        str(record.get("package_version")), changes if isinstance(changes, str) else None
    )
    made = run_id(identity, parameters, record.get("rule_set") or "", version)
    named = RUN_FOLDER_ID.search(manifest.parent.name)
    stated = {record.get("run_id"), named.group(1) if named else None}
    if stated == {made}:
        return None
    return (
        f"{manifest}: its inputs, parameters, notebook, rule set or version are not those the "
        f"run was made with (they give run id {made}, not the run's {record.get('run_id')}): "
        "the manifest was edited since, so it does not say what the report was made from"
    )


RUN_FOLDER_ID = re.compile(rf"-(r-[0-9a-f]+)(?:-failed)?(?:{REPLACED_SUFFIX})?$")
_KEPT_SUFFIX = re.compile(f"{REPLACED_SUFFIX}$")
MAX_NAMED = 10  # files named in the line about an earlier run kept whole


def _kept_line(folder: Path, kept: dict[str, str]) -> str:
    """One line for an earlier run a rerun kept whole: when, why, and the files not its run's."""
    time = replaced_at(folder.name) or ""
    when = f"{time[:4]}-{time[4:6]}-{time[6:8]} {time[9:11]}:{time[11:13]}:{time[13:15]} UTC"
    named = [f"{name} ({why})" for name, why in list(kept.items())[:MAX_NAMED]]
    if len(kept) > MAX_NAMED:
        named.append(f"and {len(kept) - MAX_NAMED} more")
    return (
        f"{folder}: an earlier run, kept whole instead of deleted when a rerun of the same "
        f"inputs replaced it ({when}, by {_KEPT_SUFFIX.sub('', folder.name)}), for files its "
        f"run did not write as it wrote them, which are not the run's outputs: "
        f"{'; '.join(named)}"
    )


def _unfinished_line(folder: Path) -> tuple[str, bool]:
    """One line for a hidden folder a report run writes into (`.partial`) or moves the run it
    replaces aside to (`.previous`), and whether the auditor should act (False while a run
    holds its lock: it is being written now)."""
    found = UNFINISHED_RUN.match(folder.name)
    named = RUN_FOLDER.match(found["folder"]) if found else None
    if found is None or named is None:  # only such folders are found as unfinished
        return f"{folder}: a hidden run folder, not checked", True
    lock = folder.with_name(f".{found['folder']}.lock")
    if (busy := run_in_progress(lock)) is not None:
        return f"{folder}: being written by a report run now ({busy}): not checked", False
    run_folder = folder.with_name(found["folder"])
    if found["state"] == "previous":
        what = (
            f"the earlier run a rerun of the same inputs was replacing when its process was "
            f"killed (SIGKILL, a power cut): not counted as a run; it may hold personal data "
            f"(restricted/): remove it (rm -r) if {run_folder.name} is in place, else rename it "
            "back to that name"
        )
    else:
        what = (
            "an unfinished run, left by a `workbench report` process killed before it finished "
            "(SIGKILL, a power cut): not a report, so its files are not counted as a run's "
            "lists or outputs; it may hold personal data (restricted/): remove it (rm -r), or "
            "run the report again with exactly the same inputs on the day in its name "
            f"({named['date']}), which clears it before writing {run_folder.name}"
        )
    return f"{folder}: {what}", True


def _check_outputs(run: _Run, strict: bool = False, store_path: Path | None = None) -> Check:
    """Check 9, with a line for each earlier run a rerun kept whole (its files added or edited
    since are not the run's: *warns*) and each hidden run folder a killed run left (not a
    report, not checked as one: *warns*; one being written now: a note)."""
    unfinished = [_unfinished_line(folder) for folder in run.unfinished]
    unfinished += [(line, True) for line in _loose_files(run, store_path)]
    to_act = any(act for _, act in unfinished)
    loose = [(path, _stats_problems(path)) for path in _loose_stats(run)]
    named = {path for _, found in loose for path, _ in found}
    unlisted = _unlisted_in_stats(run, named)
    stats_problems = [
        finding
        for _, finding in sorted(
            [found for _, founds in loose for found in founds] + unlisted, key=lambda f: f[0]
        )
    ]
    alone = sum(not _of_a_report(path.parent) for path, _ in loose)
    stats = (
        f"; {len(loose)} stats manifest(s) outside a report run, each table it lists as "
        "published with the SHA-256 it records"
        + (
            f", and, in {'each' if alone == len(loose) else f'the {alone}'} folder "
            "`workbench stats --out` published, no file it does not list"
            if alone
            else ""
        )
        if loose
        else ""
    )
    if not run.reports:
        detail = (
            "not applicable: no report run (a manifest.json written by `workbench report`) "
            "found under the paths given"
        )
        if stats_problems:
            return Check(OUTPUTS, False, _shown(stats_problems))
        if not unfinished:
            return Check(OUTPUTS, True, detail + stats)
        lines = [f"{detail}{stats}; not a report run:", *(line for line, _ in unfinished)]
        warn = to_act and not strict
        return Check(OUTPUTS, not (to_act and strict), _shown(lines), warning=warn)
    problems: list[str] = list(stats_problems)
    kept: list[str] = []
    files = 0
    for manifest in run.reports:
        found = _outputs_problems(manifest)
        problems += found.problems
        files += found.intact
        if found.kept:
            kept.append(_kept_line(manifest.parent, found.kept))
    said = kept + [line for line, _ in unfinished]
    if problems:
        return Check(OUTPUTS, False, _shown(problems + said))
    records = [_read_json(m) or {} for m in run.reports]
    failed = sum(record.get("status") == "failed" for record in records)
    of_them = [f"{failed} of them failed: their output is partial"] if failed else []
    if kept:
        of_them.append(
            f"{len(kept)} of them an earlier run kept whole when a rerun of the same inputs "
            "replaced it"
        )
    retained = [
        f"{m.parent.name} on {day}"
        for m, record in zip(run.reports, records, strict=True)
        if (day := _retained(m, record)) is not None
    ]
    deleted = (
        f"; restricted/ deleted when its retention period ended ({RETENTION_LOG}): "
        + ", ".join(retained)
        if retained
        else ""
    )
    runs = f"{len(run.reports)} report run(s)" + (f" ({'; '.join(of_them)})" if of_them else "")
    summary = (
        f"{runs}, {files} file(s) (the executed notebook, its HTML and what is under shareable/ "
        "and restricted/), each with the SHA-256 its manifest records, none missing"
    )
    if not said:
        return Check(OUTPUTS, True, f"{summary} or added{deleted}{stats}")
    lines = [f"{summary}{deleted}{stats}; not the runs' own:", *said]
    act = bool(kept) or to_act
    return Check(OUTPUTS, not (act and strict), _shown(lines), warning=act and not strict)


# --- 11-14. review quality ----------------------------------------------------------------
def _reviewer_lines(flagged: pl.DataFrame, say: Callable[[dict[str, Any]], str]) -> list[str]:
    return [
        f"list {row['list_id']}, {row['reviewer']}: {say(row)}" for row in flagged.rows(named=True)
    ]


def _people(table: pl.DataFrame) -> int:
    """How many people the rows of a table by list and reviewer name (each once, however
    many lists they decided on)."""
    return table["reviewer"].n_unique()


def _people_on_lists(table: pl.DataFrame) -> str:
    """``N reviewer(s) on M list(s)``: people and lists counted apart (a table by list and
    reviewer has a row for each reviewer on each list)."""
    return f"{_people(table)} reviewer(s) on {table['list_id'].n_unique()} list(s)"


def _verdict(
    name: str,
    flagged: pl.DataFrame,
    summary: str,
    say: Callable[[dict[str, Any]], str],
    strict: bool,
) -> Check:
    lines = _reviewer_lines(flagged, say)
    warned = bool(lines)
    return Check(name, not (warned and strict), _shown([summary, *lines]), warned and not strict)


def _pace_check(quality: ReviewQuality, strict: bool) -> Check:
    table, limits = quality.by_reviewer, quality.thresholds
    window, rate = limits.window_seconds, f"{limits.decisions_per_minute:g}"
    imported = int(table["imported"].sum())
    untimed = f"; {imported} imported from workbooks, not timed" if imported else ""
    flagged = table.filter(pl.col("pace_warning"))
    if flagged.is_empty():
        most = int(cast("int | None", table["most_in_window"].max()) or 0)
        summary = (
            f"{_people_on_lists(table)}, at most {most} decision(s) by one reviewer on a list "
            f"in any {window} s (warns above {rate} a minute){untimed}"
        )
    else:
        summary = (
            f"{_people(flagged)} of {_people_on_lists(table)} recorded more than {rate} "
            f"decisions a minute on a list, sustained over {window} s{untimed}:"
        )
    return _verdict(
        REVIEW_PACE,
        flagged,
        summary,
        lambda row: (
            f"{row['most_in_window']} decisions within {window} s ({row['decisions']} on the list)"
        ),
        strict,
    )


def _runs_check(quality: ReviewQuality, strict: bool) -> Check:
    table, at_least = quality.by_reviewer, quality.thresholds.identical_run
    flagged = table.filter(pl.col("run_warning"))
    if flagged.is_empty():
        longest = int(cast("int | None", table["longest_run"].max()) or 0)
        summary = f"longest run of one decision by a reviewer: {longest} (warns at {at_least})"
    else:
        summary = (
            f"{_people(flagged)} of {_people_on_lists(table)} recorded {at_least} or more "
            "identical decisions in a row on a list:"
        )
    return _verdict(
        IDENTICAL_RUNS,
        flagged,
        summary,
        lambda row: (
            f"{row['longest_run_decision']} {row['longest_run']} times in a row "
            f"({row['decisions']} on the list)"
        ),
        strict,
    )


def _funded_check(quality: ReviewQuality, strict: bool) -> Check:
    table, at_least = quality.by_reviewer, quality.thresholds.contacts_to_funded
    flagged = table.filter(pl.col("funded_warning"))
    checked, unchecked = len(quality.lists_with_flags), len(quality.lists_without_flags)
    missing = (
        f"; not checked: {unchecked} list(s) whose list file is not under the paths given "
        "(give the run folder)"
        if unchecked
        else ""
    )
    if quality.lists_not_applicable:
        offers = quality.by_reviewer.filter(
            pl.col("list_id").is_in(list(quality.lists_not_applicable))
        )["initiative"]
        missing += (
            f"; not applicable to {len(quality.lists_not_applicable)} list(s) of "
            f"{', '.join(sorted(set(offers.drop_nulls())))} (their already_funded is not the "
            "offer already taken up)"
        )
    if flagged.is_empty():
        contacts = int(table["contacts_to_funded"].fill_null(0).sum())
        summary = (
            f"{contacts} contact decision(s) about children already funded, on {checked} "
            f"list(s) checked (warns at {at_least}){missing}"
        )
    else:
        summary = (
            f"{int(flagged['contacts_to_funded'].sum())} contact decision(s) about children "
            f"whose list row says already_funded{missing}:"
        )
    return _verdict(
        FUNDED_CONTACTS,
        flagged,
        summary,
        lambda row: f"{row['contacts_to_funded']} contact decision(s) about funded children",
        strict,
    )


def _viewed_check(quality: ReviewQuality, strict: bool) -> Check:
    table, at_least = quality.by_reviewer, quality.thresholds.decisions_without_view
    flagged = table.filter(pl.col("view_warning"))
    total, unseen = int(table["decisions"].sum()), int(table["without_view"].sum())
    if flagged.is_empty():
        summary = (
            f"{total - unseen} of {total} decision(s) made after the reviewer opened the child's "
            f"details (warns at {at_least} without)"
        )
    else:
        summary = (
            f"{unseen} of {total} decision(s) made without the child's details opened first "
            "(no `review view` of that child logged under the reviewer's name before deciding):"
        )

    def say(row: dict[str, Any]) -> str:
        text = f"{row['without_view']} of {row['decisions']} decision(s)"
        if imported := row["imported_without_view"]:
            # A workbook someone else exported (or one exported without the data folder).
            text += (
                f", {imported} of them imported from a workbook with no view of the child "
                "logged under their name (exported by someone else, or without the children's "
                "details)"
            )
        return text

    return _verdict(VIEWED_FIRST, flagged, summary, say, strict)


def _review_checks(quality: ReviewQuality, strict: bool) -> list[Check]:
    if quality.by_reviewer.is_empty():
        return [Check(name, True, "no decisions in the store") for name in REVIEW_CHECKS]
    return [
        _pace_check(quality, strict),
        _runs_check(quality, strict),
        _funded_check(quality, strict),
        _viewed_check(quality, strict),
    ]


# --- the report ----------------------------------------------------------------------------
def assure(
    paths: list[Path],
    *,
    store: Path | None = None,
    key: bytes | None = None,
    review_thresholds: ReviewThresholds | None = None,
    strict: bool = False,
) -> AssuranceReport:
    """Run every check on the files under ``paths`` and, when given, the review store.

    Parameters
    ----------
    paths
        Run folders, or files of one (lists, outreach and check exports, shareable tables).
    store
        The review store (SQLite). Without it the decision chain and the review quality are
        not checked and any outreach or check export found fails, as it cannot be traced.
    key
        The pseudonym key the lists were registered with (default: :func:`load_key`); used
        for the review-quality checks and to trace record links made by reviewers'
        decisions.
    review_thresholds
        When the review-quality checks warn (default: the package's
        ``workbench/governance/review_quality.yaml``).
    strict
        A warning (review quality, a list's rules not checked for its term, an outreach
        export whose rows' details cannot be verified) fails its check.

    Returns
    -------
    AssuranceReport
        One :class:`Check` per check, in the order of the module's docstring (the
        review-quality checks only with ``store``), and the review-quality table.

    Raises
    ------
    WorkbenchError
        When a path or the store does not exist, or the store cannot be opened.
    """
    paths = [Path(p) for p in paths]
    run = _find(paths)
    if store is not None and not Path(store).exists():
        raise WorkbenchError(f"{store}: no review store there; give --store the store's file")
    # Opened whatever its key: the chain check says so, beside every other finding.
    opened = ReviewStore(store, key_must_match=False) if store is not None else None
    quality = None
    if opened is not None and key is None:
        key = load_key()
    try:
        placed = _export_files(run, opened, key)
        checks = [
            _check_lists(run, strict, opened, key),
            _with_export_files(
                _check_outreach(run, opened, key, strict), placed.outreach, "outreach", strict
            ),
            _with_export_files(
                _check_check_exports(run, opened, key), placed.checks, "checks", strict
            ),
            _check_chain(run, opened),
            _check_sealed(opened),
            _with_export_files(
                _check_modes(run, Path(store) if store is not None else None, strict),
                placed.workbooks,
                "workbooks",
                strict,
            ),
            _check_shareable(run),
            _check_links(run, opened, key),
            _check_rules(run, strict),
            _check_outputs(run, strict, Path(store) if store is not None else None),
        ]
        if opened is not None:
            assert key is not None
            funded = already_funded_items(opened, run.lists, key)
            quality = review_quality(
                opened, key=key, already_funded=funded, thresholds=review_thresholds
            )
            checks += _review_checks(quality, strict)
    finally:
        if opened is not None:
            opened.close()
    return AssuranceReport(
        checks, tuple(paths), Path(store) if store is not None else None, quality
    )


# --- 8. record links made by a reviewer's decision ---------------------------------------
_JSON_KINDS = {
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    list: "array",
    type(None): "null",
}


def _applied_links(listed: Path) -> list[Any] | None:
    """The link decisions a list's manifest says were applied (each a record, unless the
    manifest was edited by hand); None when none were asked."""
    record = _read_json(listed.with_name(listed.name + MANIFEST_SUFFIX)) or {}
    applied = (record.get("link_decisions") or {}).get("applied")
    return applied if isinstance(applied, list) else None


def _confirmed_rows(listed: Path) -> pl.DataFrame:
    """The list's rows linked by a reviewer's decision (person and DWP record ids)."""
    frame = _read_table(listed)
    if "link_method" not in frame.columns:
        return pl.DataFrame(schema={"person_id": pl.String, "dwp_record_id": pl.String})
    return frame.filter(pl.col("link_method").cast(pl.String) == METHOD_REVIEWER_CONFIRMED).select(
        pl.col("person_id").cast(pl.String), pl.col("dwp_record_id").cast(pl.String)
    )


def _link_problems(
    listed: Path,
    entries: list[Any],
    confirmed: pl.DataFrame,
    store: ReviewStore,
    by_id: dict[str, dict[str, Any]],
    key: bytes,
) -> list[str]:
    # A hand-edited manifest may hold anything: what is not a decision record is a problem.
    problems = [
        f"{listed}: entry {n} of the manifest's applied link decisions is not a decision "
        f"record (a JSON {_JSON_KINDS.get(type(entry), 'value')})"
        for n, entry in enumerate(entries, start=1)
        if not isinstance(entry, dict)
    ]
    applied = [entry for entry in entries if isinstance(entry, dict)]
    named = {(a.get("item_key"), a.get("decision")): a.get("decision_id") for a in applied}
    for person, record in confirmed.iter_rows():
        item = pseudonym(DWP_KIND, record or "", key)
        decision_id = named.get((item, "link_confirmed"))
        if decision_id is None:
            problems.append(
                f"{listed}: the row of DWP record {record} says reviewer_confirmed, but its "
                "manifest names no link_confirmed decision about that row"
            )
            continue
        stored = by_id.get(decision_id)
        if stored is None or stored["item_key"] != item or stored["decision"] != "link_confirmed":
            problems.append(
                f"{listed}: decision {decision_id}, applied to DWP record {record}, is not a "
                "link_confirmed about that row in the store"
            )
        elif store.proposed_match(stored["list_id"], item) != pseudonym(PERSON_KIND, person, key):
            problems.append(
                f"{listed}: decision {decision_id} confirmed DWP record {record} as another "
                f"child than {person} (the item's proposed match differs)"
            )
    for entry in applied:
        decision_id = entry.get("decision_id")
        stored = None if decision_id is None else by_id.get(decision_id)
        if stored is None or stored["decision"] not in LINK_DECISIONS:
            problems.append(
                f"{listed}: the manifest's applied decision {decision_id} is not a "
                "link decision in the store"
            )
        elif stored["item_key"] != entry.get("item_key") or stored["decision"] != entry.get(
            "decision"
        ):
            problems.append(
                f"{listed}: the manifest's applied decision {entry['decision_id']} is about "
                "another row, or is another decision, in the store"
            )
    return problems


def _check_links(run: _Run, store: ReviewStore | None, key: bytes | None) -> Check:
    # Each list and its manifest read once: (list, decisions applied, rows they linked).
    found = [(at, _applied_links(at) or [], _confirmed_rows(at)) for at in run.lists]
    made = [(listed, applied, rows) for listed, applied, rows in found if applied or len(rows)]
    if not made:
        return Check(LINKS_TRACED, True, "no record link made by a reviewer's decision")
    if store is None:
        return Check(
            LINKS_TRACED,
            False,
            f"{len(made)} list(s) applied reviewers' link decisions but no store was given: "
            "pass --store so each can be traced to its decision",
        )
    key = key if key is not None else load_key()
    by_id = {row["decision_id"]: row for row in store.decisions().iter_rows(named=True)}
    problems = [p for entry in made for p in _link_problems(*entry, store, by_id, key)]
    if problems:
        return Check(LINKS_TRACED, False, _shown(problems))
    decisions = sum(len(applied) for _, applied, _ in made)
    return Check(
        LINKS_TRACED,
        True,
        f"{len(made)} list(s), {decisions} link decision(s) applied, each a named reviewer's "
        "decision in the store about that row and child",
    )


def format_report(report: AssuranceReport) -> str:
    """The report as text: one line per check (PASS, WARN or FAIL), its findings indented below.

    Examples
    --------
    >>> print(format_report(AssuranceReport([Check("a check", True, "all well")])))
    Assurance of: (no paths)
    PASS  a check: all well
    All 1 checks passed.
    """
    where = ", ".join(str(p) for p in report.paths) or "(no paths)"
    lines = [f"Assurance of: {where}" + (f" (store {report.store})" if report.store else "")]
    for check in report.checks:
        first, *rest = check.detail.splitlines() or [""]
        lines.append(f"{check.result}  {check.name}: {first}")
        lines += [f"      {line}" for line in rest]
    failed = sum(not c.ok for c in report.checks)
    warned = sum(c.ok and c.warning for c in report.checks)
    also = f" ({warned} with warnings for the auditor)" if warned else ""
    if failed:
        lines.append(f"{failed} of {len(report.checks)} checks failed{also}.")
    else:
        lines.append(f"All {len(report.checks)} checks passed{also}.")
    return "\n".join(lines)
