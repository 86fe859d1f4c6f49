"""DfE's bulk-check results back into the review store: evidence beside a decision, never one.

:func:`import_check_results` reads the results file DfE's service gives for an uploaded
bulk-check file (`workbench.review.checks`): the same columns as sent plus ``Outcome`` (and,
from the free school meals service, ``Eligibility End Date`` and a tier). Each row is matched
to the row of the check export it answers by the keyed pseudonym of its identifying fields,
then recorded as a check result tied to that export.

All or nothing: every row is checked first, and if anything is wrong nothing is recorded and
every problem is listed by row (as a spreadsheet numbers them: the header is row 1) and
column: a missing header, an outcome DfE does not give, a date that is not one, a row never
exported, a row of another export or of another list's export, a row given twice. Importing
the same file again records nothing twice. A result never changes a decision: the officer
sees it beside the child (`ReviewStore.latest_check_results`) and decides what follows.

DfE's words, as their services write them into the results file (see ``docs/dfe_checks.md``):

========================================  =================================
DfE's outcome                               stored as
========================================  =================================
Eligible                                  ``eligible``
Eligible targeted / Eligible expanded     ``eligible`` (tier ``targeted`` / ``expanded``)
May not be eligible / Not eligible        ``may_not_be_eligible``
Information does not match records        ``information_does_not_match``
Technical error / Try again / Error /     ``technical_error``
System error - try again later
========================================  =================================

Example
-------
>>> outcome_of("Eligible expanded")
('eligible', 'expanded')
>>> outcome_of("information does not match records")
('information_does_not_match', None)
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from workbench.errors import WorkbenchError
from workbench.governance.access import current_user
from workbench.review.checks import DATE_HEADERS, TEMPLATES, CheckTemplate, row_key
from workbench.review.schema import CHECK_OUTCOMES
from workbench.review.store import ReviewStore

__all__ = [
    "DFE_OUTCOMES",
    "END_DATE",
    "OUTCOME",
    "TIER",
    "CheckImportError",
    "CheckImported",
    "ResultProblem",
    "import_check_results",
    "outcome_of",
]

OUTCOME = "Outcome"
END_DATE = "Eligibility End Date"
TIER = "Tier"
TIERS = ("targeted", "expanded")
DFE_OUTCOMES = {
    "eligible": "eligible",
    "may not be eligible": "may_not_be_eligible",
    "not eligible": "may_not_be_eligible",
    "information does not match records": "information_does_not_match",
    "technical error": "technical_error",
    "try again": "technical_error",
    "error": "technical_error",
    "system error - try again later": "technical_error",
}
"""DfE's outcome strings (case and spacing aside) and what the store calls them."""
MAX_LISTED_PROBLEMS = 50
_IDENTIFYING = ", ".join(TEMPLATES["childcare"].identifying)


@dataclass(frozen=True)
class ResultProblem:
    """One thing wrong in a results file, at its row as a spreadsheet numbers it."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column '{self.column}': {self.message}"


class CheckImportError(WorkbenchError):
    """A results file has problems; nothing was recorded. ``problems`` lists them all."""

    def __init__(self, path: Path, problems: list[ResultProblem]) -> None:
        self.problems = problems
        shown = [f"  - {problem}" for problem in problems[:MAX_LISTED_PROBLEMS]]
        if len(problems) > MAX_LISTED_PROBLEMS:
            shown.append(f"  ... and {len(problems) - MAX_LISTED_PROBLEMS} more")
        super().__init__(
            f"{path}: {len(problems)} problem(s) found, so nothing was recorded. Import the "
            "file exactly as DfE's service gave it, for rows this workbench exported:\n"
            + "\n".join(shown)
        )


@dataclass(frozen=True)
class CheckImported:
    """What an import recorded: ``rows`` results read, ``recorded`` new ones, by outcome."""

    export_id: str
    list_id: str
    import_id: str
    rows: int
    recorded: int
    by_outcome: tuple[tuple[str, int], ...]
    exported_rows: int
    answered_rows: int


def outcome_of(text: str) -> tuple[str, str | None] | None:
    """DfE's outcome words as (stored outcome, tier or None); None for words DfE never uses."""
    words = " ".join(text.split()).casefold()
    if words in DFE_OUTCOMES:
        return DFE_OUTCOMES[words], None
    for tier in TIERS:
        if words == f"eligible {tier}":
            return "eligible", tier
    return None


def _day(text: str) -> date | None:
    """A date as DfE writes one: ``YYYY-MM-DD`` (with or without a time) or ``DD/MM/YYYY``."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].*)?", text):
            return date.fromisoformat(text[:10])
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
            return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        return None
    return None


def _decoded(path: Path) -> str:
    """The file's text: UTF-8 (a byte-order mark, as DfE writes, is dropped), else
    Windows-1252 as DfE's own parser falls back to."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


@dataclass
class _Parsed:
    number: int
    fields: dict[str, str]
    key: str | None = None
    outcome: str | None = None
    dfe_outcome: str = ""
    tier: str | None = None
    eligible_until: str | None = None


def _canonical_headers(cells: list[str]) -> list[str]:
    """The header row with each known header as the templates spell it, compared without case
    or extra spaces: DfE's files have spelt ``Parent National Insurance Number`` with a
    capital N as well as the template's ``number``. Others are kept, stripped."""
    known = {h for template in TEMPLATES.values() for h in template.headers} | {OUTCOME}
    spelling = {" ".join(h.split()).casefold(): h for h in known}
    return [spelling.get(" ".join(c.split()).casefold(), c.strip()) for c in cells]


def _template_for(headers: list[str], store: ReviewStore, export_id: str | None) -> CheckTemplate:
    if export_id is not None:
        found = store.check_exports().filter(pl.col("export_id") == export_id)
        if found.is_empty():
            raise WorkbenchError(
                f"no check export {export_id!r} in the review store {store.path}; "
                "`workbench check export` prints the id of each export"
            )
        return TEMPLATES[found["template"][0]]
    enhanced = set(TEMPLATES["fsm-enhanced"].headers) - set(TEMPLATES["fsm"].headers)
    return TEMPLATES["fsm-enhanced" if enhanced & set(headers) else "childcare"]


def _read(
    path: Path, store: ReviewStore, export_id: str | None, key: bytes
) -> tuple[CheckTemplate, list[_Parsed], list[ResultProblem]]:
    """Every row of the file parsed and keyed, and every problem found in it alone."""
    if not path.is_file():
        raise WorkbenchError(f"{path}: does not exist; expected the results file DfE gave")
    reader = csv.reader(io.StringIO(_decoded(path), newline=""))
    # Numbered as a spreadsheet shows the rows (the header is row 1), blank rows counted.
    table = [
        (number, row)
        for number, row in enumerate(reader, start=1)
        if any(cell.strip() for cell in row)
    ]
    if not table:
        raise CheckImportError(path, [ResultProblem(1, OUTCOME, "the file is empty")])
    header_row, header_cells = table[0]
    headers = _canonical_headers(header_cells)
    template = _template_for(headers, store, export_id)
    missing = [h for h in (*template.headers, OUTCOME) if h not in headers]
    problems = [
        ResultProblem(
            header_row,
            h,
            "missing header (DfE's results have the template's columns and Outcome)",
        )
        for h in missing
    ]
    duplicated = sorted({h for h in headers if h and headers.count(h) > 1})
    problems += [ResultProblem(header_row, h, "the same header twice") for h in duplicated]
    if problems:
        raise CheckImportError(path, problems)
    parsed = []
    for number, cells in table[1:]:
        fields = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(headers)}
        row = _Parsed(number, fields)
        problems += _parse_row(row, template, key)
        parsed.append(row)
    return template, parsed, problems


def _parse_row(row: _Parsed, template: CheckTemplate, key: bytes) -> list[ResultProblem]:
    problems = []
    iso = dict(row.fields)
    for header in DATE_HEADERS:
        if header in template.identifying:
            day = _day(row.fields[header])
            if day is None:
                problems.append(
                    ResultProblem(row.number, header, "not a date (DD/MM/YYYY or YYYY-MM-DD)")
                )
            else:
                iso[header] = day.isoformat()
    row.dfe_outcome = row.fields[OUTCOME]
    found = outcome_of(row.dfe_outcome)
    if found is None:
        expected = "Eligible, May not be eligible, Information does not match records, " + (
            "Technical error"
        )
        what = f"unknown outcome {row.dfe_outcome!r}" if row.dfe_outcome else "no outcome"
        problems.append(ResultProblem(row.number, OUTCOME, f"{what}; expected one of {expected}"))
    else:
        row.outcome, row.tier = found
    tier = row.fields.get(TIER, "")
    if tier:
        if tier.casefold() not in TIERS:
            problems.append(
                ResultProblem(
                    row.number, TIER, f"unknown tier {tier!r}; expected targeted or expanded"
                )
            )
        else:
            row.tier = tier.casefold()
    end = row.fields.get(END_DATE, "")
    if end:
        day = _day(end)
        if day is None:
            problems.append(ResultProblem(row.number, END_DATE, "not a date"))
        else:
            row.eligible_until = day.isoformat()
    if not any(p.column in DATE_HEADERS for p in problems):
        row.key = row_key(iso, template, key)
    return problems


def _target_export(
    store: ReviewStore, rows: pl.DataFrame, export_id: str | None, sha256: str
) -> str:
    """The export the results answer: the one that sent the most of their rows. When several
    sent them all (a technical error sent again is in its first export and in the new one):
    the one whose rows await an answer, if only one does; or else, the same file imported
    again, the latest that recorded it (nothing is recorded twice)."""
    if export_id is not None:
        return export_id
    matched = rows.group_by("export_id").agg(pl.col("row_key").n_unique().alias("n"))
    if matched.is_empty():
        return ""
    top = matched["n"].max()
    tied = set(matched.filter(pl.col("n") == top)["export_id"])
    if len(tied) == 1:
        return str(tied.pop())
    ordered = [e for e in store.check_exports()["export_id"] if e in tied]  # oldest first
    waiting = [e for e in ordered if not _answered(store, rows, e)]
    if len(waiting) == 1:
        return str(waiting[0])
    same_file = store.check_imports().filter(pl.col("file_sha256") == sha256)["export_id"]
    imported = [e for e in ordered if e in set(same_file)]
    if not waiting and imported:
        return str(imported[-1])
    raise WorkbenchError(
        f"the results' rows were sent in more than one check export ({', '.join(ordered)}); "
        "say which one they answer with --export"
    )


def _answered(store: ReviewStore, rows: pl.DataFrame, export_id: str) -> bool:
    """Whether any of the file's rows in this export has a result already."""
    mine = rows.filter(pl.col("export_id") == export_id)
    results = store.check_results(mine["list_id"][0]).filter(pl.col("export_id") == export_id)
    return bool(results["row_number"].is_in(mine["row_number"].implode()).any())


def _match_problems(
    parsed: list[_Parsed], rows: pl.DataFrame, export_id: str, list_id: str
) -> list[ResultProblem]:
    """Rows never exported, of another export or list, or given twice."""
    problems = []
    by_key: dict[str, list[tuple[str, str]]] = {}
    for found_export, found_list, found_key in rows.select(
        "export_id", "list_id", "row_key"
    ).iter_rows():
        by_key.setdefault(found_key, []).append((found_export, found_list))
    seen: dict[str, int] = {}
    for row in parsed:
        if row.key is None:
            continue
        if row.key in seen:
            problems.append(
                ResultProblem(
                    row.number,
                    _IDENTIFYING,
                    f"the same row as row {seen[row.key]}: DfE returns each row it was sent once",
                )
            )
            continue
        seen[row.key] = row.number
        homes = by_key.get(row.key, [])
        if any(e == export_id for e, _ in homes):
            continue
        if not homes:
            message = "never exported for checking: no check export in the store sent this row"
        else:
            other_export, other_list = homes[-1]
            if other_list == list_id:
                message = (
                    f"a row of another check export ({other_export}) of this list, not of "
                    f"export {export_id}: import each export's results on their own"
                )
            else:
                message = (
                    f"a row of another list's check export ({other_export} of list "
                    f"{other_list}), not of export {export_id} of list {list_id}"
                )
        problems.append(ResultProblem(row.number, _IDENTIFYING, message))
    return problems


def import_check_results(
    store: ReviewStore,
    results: str | Path,
    *,
    key: bytes,
    export_id: str | None = None,
    user: str | None = None,
) -> CheckImported:
    """Read DfE's results for one check export into the store, all or nothing.

    Parameters
    ----------
    store
        The review store the export was recorded in.
    results
        The results CSV as DfE's service gave it.
    key
        The pseudonym key the export was made with.
    export_id
        The check export the results answer; by default the one their rows were sent in.
    user
        Who imports, for the store's access log (default: `WORKBENCH_USER`, else the login name).

    Raises
    ------
    CheckImportError
        Listing every problem by row and column; nothing was recorded.
    WorkbenchError
        For a file that does not exist, an unknown ``export_id``, or rows sent in several
        exports equally (say which with ``export_id``).
    """
    path = Path(results)
    template, parsed, problems = _read(path, store, export_id, key)
    keys = [row.key for row in parsed if row.key is not None]
    rows = store.check_export_rows(keys)
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    target = _target_export(store, rows, export_id, sha256)
    if not target:
        problems.append(
            ResultProblem(
                2 if parsed else 1,
                _IDENTIFYING,
                "no row of the file was ever exported for checking from this store",
            )
        )
        raise CheckImportError(path, problems)
    export = store.check_exports().filter(pl.col("export_id") == target)
    list_id, exported_template = export["list_id"][0], export["template"][0]
    if TEMPLATES[exported_template].headers != template.headers:
        raise CheckImportError(
            path,
            [
                ResultProblem(
                    1, h, f"missing header: export {target} used DfE's {exported_template} template"
                )
                for h in TEMPLATES[exported_template].headers
                if h not in template.headers
            ]
            or [ResultProblem(1, OUTCOME, f"export {target} used another template")],
        )
    problems += _match_problems(parsed, rows, target, list_id)
    if not parsed:
        problems.append(ResultProblem(1, OUTCOME, "the file has headers but no rows"))
    if problems:
        raise CheckImportError(path, sorted(problems, key=lambda p: (p.row, p.column)))
    numbers = dict(
        rows.filter(pl.col("export_id") == target).select("row_key", "row_number").iter_rows()
    )
    import_id, recorded = store.record_check_results(
        target,
        [
            {
                "row_number": numbers[row.key],
                "outcome": row.outcome,
                "dfe_outcome": row.dfe_outcome,
                "tier": row.tier,
                "eligible_until": row.eligible_until,
            }
            for row in parsed
        ],
        file_name=path.name,
        file_sha256=sha256,
        user=user or current_user(),
    )
    counts = {name: sum(1 for row in parsed if row.outcome == name) for name in CHECK_OUTCOMES}
    exported = store.check_export_rows().filter(pl.col("export_id") == target).height
    answered = (
        store.check_results(list_id)
        .filter(pl.col("export_id") == target)
        .get_column("row_number")
        .n_unique()
    )
    return CheckImported(
        export_id=target,
        list_id=list_id,
        import_id=import_id,
        rows=len(parsed),
        recorded=recorded,
        by_outcome=tuple((name, n) for name, n in counts.items() if n),
        exported_rows=exported,
        answered_rows=answered,
    )
