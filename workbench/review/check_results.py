"""DfE's bulk-check results back into the review store: evidence beside a decision, never one.

:func:`import_check_results` reads the results file DfE's service gives for an uploaded
bulk-check file (`workbench.review.checks`): the same columns as sent plus ``Outcome`` (and,
from the free school meals service, ``Eligibility End Date`` and a tier). Each row is matched
to the row of the check export it answers by the keyed pseudonym of its identifying fields,
then recorded as a check result tied to that export.

All or nothing: every row is checked first, and if anything is wrong nothing is recorded and
every problem is listed by row (as a spreadsheet numbers them: the header is row 1) and
column: a missing header, an outcome DfE does not give, an outcome of the other service (the
childcare and basic free school meals templates have the same headers: only the words tell
the files apart, so each export's results must use its own service's words), a date that is
not one, a row never exported (one alike but for one identifying field to a row the export
sent is named by that field and by the file and line of the row sent, from the store's keys
with one field left out, `workbench.review.checks.field_keys`; never by the details), a row
of another export or of another list's export, a row given twice, or a row whose answer is
older than one a later import recorded (see below). The count above them says how many
lines follow (the rows of one problem are on one line) and how many rows they are on. A
result never changes a decision: the officer sees it beside the child
(`ReviewStore.latest_check_results`) and decides what follows.

The same file (by its SHA-256) imported again into the same export is recognised: nothing is
recorded, and the result says when and by whom it was imported
(`CheckImported.already_imported_at`). A file giving a row an answer that an earlier import
recorded for it, while a later import recorded another answer for that row, is older than
that later import: it is refused, naming the row and the later import's file, date and
importer, so an old file never becomes the latest answer. A new answer for a row (one no
import recorded for it, as a technical error checked again) is recorded beside the earlier
ones and becomes the latest.

DfE's words, as their services write them into the results file (see ``docs/dfe_checks.md``;
each template accepts only its own service's, `workbench.review.checks.TEMPLATES`):

==================================  =================  ===================================
DfE's outcome                       service            stored as
==================================  =================  ===================================
Eligible                            both               ``eligible``
Eligible targeted / expanded        free school meals  ``eligible`` (tier in the words)
May not be eligible                 childcare          ``may_not_be_eligible``
Not eligible                        free school meals  ``may_not_be_eligible``
Information does not match records  both               ``information_does_not_match``
Try again                           childcare          ``technical_error``
Error                               free school meals  ``technical_error``
==================================  =================  ===================================

Example
-------
>>> outcome_of("Eligible expanded")
('eligible', 'expanded')
>>> outcome_of("information does not match records")
('information_does_not_match', None)
>>> outcome_of("Not eligible", TEMPLATES["childcare"]) is None  # a free school meals word
True
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
from workbench.private_files import open_to_others
from workbench.review.checks import (
    CHILDCARE_OUTCOMES,
    DATE_HEADERS,
    FSM_OUTCOMES,
    TEMPLATES,
    CheckTemplate,
    field_keys,
    outcome_name,
    row_key,
)
from workbench.review.schema import CHECK_OUTCOMES, recorded_user
from workbench.review.store import ReviewStore, StaleCheckResults
from workbench.rules import load_rule_set
from workbench.spreadsheet import rows_text

__all__ = [
    "DFE_OUTCOMES",
    "END_DATE",
    "OUTCOME",
    "TIER",
    "CheckImportError",
    "CheckImported",
    "ResultProblem",
    "import_check_results",
    "looks_like_results",
    "outcome_label",
    "outcome_of",
    "readable_by_others",
    "tier_differs",
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
    "try again": "technical_error",
    "error": "technical_error",
}
"""DfE's outcome strings (case and spacing aside) and what the store calls them: the words of
both services (`CHILDCARE_OUTCOMES`, `FSM_OUTCOMES`), the tiered ``Eligible targeted`` /
``Eligible expanded`` aside (`outcome_of`). *Technical error* is free school meals'
guidance's name for its ``Error``, never written in a results file."""
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
        # One line per problem, the rows of one problem together (a tester's wrong --export
        # printed 50 lines alike, then "... and 8 more").
        alike: dict[tuple[str, str], list[int]] = {}
        for problem in problems:
            alike.setdefault((problem.column, problem.message), []).append(problem.row)
        lines = [
            f"{rows_text(rows)}, column '{column}': {message}"
            for (column, message), rows in alike.items()
        ]
        shown = [f"  - {line}" for line in lines[:MAX_LISTED_PROBLEMS]]
        if len(lines) > MAX_LISTED_PROBLEMS:
            shown.append(f"  ... and {len(lines) - MAX_LISTED_PROBLEMS} more")
        super().__init__(
            f"{path}: {_problems_found(len(lines), {p.row for p in problems})}, so nothing was "
            "recorded. Import the file exactly as DfE's service gave it, for rows this "
            "workbench exported:\n" + "\n".join(shown)
        )


def _problems_found(kinds: int, rows: set[int]) -> str:
    """The count line's words: the problems as listed (one line each, the rows of one problem
    together) and the rows they are on, so the count agrees with the lines that follow.

    >>> _problems_found(1, {5}), _problems_found(6, {3, 4, 5, 6, 7, 8, 9, 21})
    ('1 problem found in row 5', '6 problems found in 8 rows')
    """
    found = f"{kinds} problem{'' if kinds == 1 else 's'} found"
    return f"{found} in row {min(rows)}" if len(rows) == 1 else f"{found} in {len(rows)} rows"


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
    already_imported_at: str | None = None
    """When the same file (by its SHA-256) was imported into this export before: nothing was
    recorded now (``import_id`` is that import's)."""
    already_imported_by: str | None = None
    """Who imported it then."""
    warnings: tuple[str, ...] = ()
    """What the officer should check, one line each, by row (free school meals: a row whose
    tier differs from the list's ``eligibility_group`` for the child, `tier_differs`); no
    personal details. The results are recorded all the same."""


def looks_like_results(header_line: str) -> bool:
    """Whether a CSV file's first line is a DfE results file's: a template's identifying
    columns and ``Outcome`` (headers compared as the import compares them). Such a file holds
    parents' names, dates of birth and National Insurance numbers.

    >>> looks_like_results("Parent Last Name,Parent Date of Birth,"
    ...                    "Parent National Insurance number,Outcome")
    True
    >>> looks_like_results("Parent Last Name,Parent Date of Birth,Parent National Insurance number")
    False
    """
    headers = set(_canonical_headers(next(csv.reader([header_line]), [])))
    return OUTCOME in headers and any(set(t.identifying) <= headers for t in TEMPLATES.values())


def readable_by_others(path: Path) -> str | None:
    """What to say of a results file that people other than its owner can read (its mode lets
    group or others read or write it): the file, its mode and the ``chmod`` that fixes it;
    None when it is owner-only (or cannot be read).
    Worded by `workbench.private_files.open_to_others`.
    """
    return open_to_others(
        path,
        "holds parents' names, dates of birth and National Insurance numbers",
        "keep DfE's results files owner-only",
    )


def outcome_label(outcome: str, dfe_outcome: str) -> str | None:
    """A stored result's outcome in the words of the service that answered, where they are
    not the store's (`workbench.review.schema.CHECK_OUTCOME_TEXT`): free school meals' service
    answers ``Not eligible``, which the store keeps as ``may_not_be_eligible`` beside the
    childcare service's ``May not be eligible``. None: the store's words fit.

    >>> outcome_label("may_not_be_eligible", "Not eligible")
    'Not eligible'
    >>> outcome_label("may_not_be_eligible", "May not be eligible") is None
    True
    """
    if outcome == "may_not_be_eligible" and _words(dfe_outcome) == "not eligible":
        return "Not eligible"
    return None


def tier_differs(dfe_tier: str | None, list_group: str | None) -> str | None:
    """What to say when DfE's free school meals tier differs from the list's
    ``eligibility_group`` for the child (None when they agree, or either is not known): the
    tier decides pupil premium and holiday activities.

    >>> tier_differs("targeted", "expanded").split(" (")[0]
    'DfE says targeted, the list says expanded: check which applies'
    >>> tier_differs("targeted", "targeted") is None, tier_differs(None, "expanded") is None
    (True, True)
    >>> tier_differs("targeted", "no_recourse_to_public_funds") is None
    True
    """
    if not dfe_tier or list_group not in TIERS or dfe_tier == list_group:
        return None  # a group that is not one of DfE's tiers (no recourse...) is not compared
    return (
        f"DfE says {dfe_tier}, the list says {list_group}: check which applies (the tier "
        "decides pupil premium and holiday activities)"
    )


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()


def outcome_of(text: str, template: CheckTemplate | None = None) -> tuple[str, str | None] | None:
    """DfE's outcome words as (stored outcome, tier or None); None for words DfE never uses,
    or, given the ``template`` a row was sent with, words its service never writes."""
    words = _words(text)
    if template is not None and words not in {_words(w) for w in template.outcomes}:
        return None
    if words in DFE_OUTCOMES:
        return DFE_OUTCOMES[words], None
    for tier in TIERS:
        if words == f"eligible {tier}":
            return "eligible", tier
    return None


def _service_of(text: str) -> CheckTemplate | None:
    """The first template whose service writes these outcome words (None: neither does)."""
    return next((t for t in TEMPLATES.values() if outcome_of(text, t) is not None), None)


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
    field_keys: dict[str, str] | None = None
    """The row's key with each identifying field left out (`field_keys`): a row never sent
    that is alike but for one field to a row sent is told by it."""
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
    # The outcome is read once the export is known: only its service's words are accepted
    # (`_outcome_problems`).
    row.dfe_outcome = row.fields[OUTCOME]
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
        row.field_keys = field_keys(iso, template, key)
    return problems


_SERVICE_NAMES = {
    "childcare": "DfE's childcare service",
    "fsm": "DfE's free school meals service",
    "fsm-enhanced": "DfE's free school meals service",
}


def _any_service_words() -> str:
    return (
        f"{', '.join(CHILDCARE_OUTCOMES)} ({_SERVICE_NAMES['childcare']}) or "
        f"{', '.join(FSM_OUTCOMES)} ({_SERVICE_NAMES['fsm']})"
    )


def _unknown(row: _Parsed) -> str:
    return f"unknown outcome {row.dfe_outcome!r}" if row.dfe_outcome else "no outcome"


def _gives_tiers(template: CheckTemplate) -> bool:
    """Whether the template's service gives a tier (in its words) and an end date."""
    return any((found := outcome_of(w)) is not None and found[1] for w in template.outcomes)


def _outcome_problems(
    parsed: list[_Parsed], template: CheckTemplate | None, export_id: str | None
) -> list[ResultProblem]:
    """Each row's outcome read with the words of the service of the export it answers
    (`template`; None when no export was found: any service's words). An outcome of the
    other service is named as such: the childcare and basic free school meals templates have
    the same headers, so a results file of one matched to an export of the other is told by
    its words alone. A tier or an end date is refused from a service that gives none."""
    if template is None:
        expected = _any_service_words()
        return [
            ResultProblem(row.number, OUTCOME, f"{_unknown(row)}; expected one of {expected}")
            for row in parsed
            if outcome_of(row.dfe_outcome) is None
        ]
    service = _SERVICE_NAMES[template.name]
    words = ", ".join(template.outcomes)
    matched = f"check export {export_id}, sent with DfE's {template.name} template"
    problems = []
    for row in parsed:
        found = outcome_of(row.dfe_outcome, template)
        other = _service_of(row.dfe_outcome) if found is None else None
        if found is not None:
            row.outcome = found[0]
            row.tier = row.tier or found[1]
        elif other is not None:
            problems.append(
                ResultProblem(
                    row.number,
                    OUTCOME,
                    f"{row.dfe_outcome!r} is an outcome of {_SERVICE_NAMES[other.name]}, never "
                    f"of {service}: this file's rows were matched to {matched}, whose results "
                    f"say one of {words}. Import {service}'s results file for that export",
                )
            )
        else:
            problems.append(
                ResultProblem(
                    row.number,
                    OUTCOME,
                    f"{_unknown(row)}; expected one of {words} ({service}'s words: this file's "
                    f"rows were matched to {matched})",
                )
            )
        if _gives_tiers(template):
            continue
        for column in (TIER, END_DATE):
            if value := row.fields.get(column, ""):
                problems.append(
                    ResultProblem(
                        row.number,
                        column,
                        f"{value!r}, but {service} gives no {column.lower()}: this file's rows "
                        f"were matched to {matched}",
                    )
                )
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
    named = "; ".join(_export_named(store, e) for e in ordered)
    raise WorkbenchError(
        f"the results' rows were sent in more than one check export ({named}); say which one "
        "they answer with --export ID"
    )


def _written_as(store: ReviewStore, export_id: str) -> list[str]:
    """The files an export was written as, from the store's access log of it
    (``spring2-part*.csv``): the same export may have been written again, elsewhere."""
    log = store.access_log().filter(pl.col("command") == "check export")
    written: list[str] = []
    for detail in log["detail"].to_list():
        found = re.search(rf"export {re.escape(export_id)}, .*\(([^()]*-part\*\.csv)\)", detail)
        if found and found.group(1) not in written:
            written.append(found.group(1))
    return written


def _export_named(store: ReviewStore, export_id: str) -> str:
    """An export by its id, with the files and day the officer knows it by (from the store's
    access log of the export: `cx-...: spring2-part*.csv, exported 2027-01-05`)."""
    files = " or ".join(_written_as(store, export_id)) or None
    exports = store.check_exports().filter(pl.col("export_id") == export_id)
    day = exports["exported_at"][0][:10] if exports.height else None
    said = [part for part in (files, f"exported {day}" if day else None) if part]
    return f"{export_id}: {', '.join(said)}" if said else export_id


def _answered(store: ReviewStore, rows: pl.DataFrame, export_id: str) -> bool:
    """Whether any of the file's rows in this export has a result already."""
    mine = rows.filter(pl.col("export_id") == export_id)
    results = store.check_results(mine["list_id"][0]).filter(pl.col("export_id") == export_id)
    return bool(results["row_number"].is_in(mine["row_number"].implode()).any())


def _sent_but_one(store: ReviewStore, export_id: str) -> dict[tuple[str, str], list[str]]:
    """The rows an export sent, where its files hold them (``two_year_old-part1.csv line 3 of
    check export cx-...``, or ``line 3 of part 1 of ...`` when the store's access log does not
    name its files), by each key with one identifying field left out and that field
    (`field_keys`); empty for an export made before the store kept those keys."""
    kept = store.check_export_field_keys(export_id)
    if not kept:
        return {}
    written = _written_as(store, export_id)
    sent = store.check_export_rows().filter(pl.col("export_id") == export_id)
    places = {}
    for part, numbers in sorted(
        sent.group_by("part").agg(pl.col("row_number").sort()).iter_rows(), key=lambda r: r[0]
    ):
        for line, number in enumerate(numbers, start=2):  # below the header
            where = (
                f"{written[0].replace('*', str(part))} line {line}"
                if written
                else f"line {line} of part {part}"
            )
            places[number] = f"{where} of check export {export_id}"
    alike: dict[tuple[str, str], list[str]] = {}
    for number, keys in kept.items():
        for header, without in keys.items():
            alike.setdefault((header, without), []).append(places[number])
    return alike


def _differs_in_one(
    row: _Parsed, template: CheckTemplate, sent: dict[tuple[str, str], list[str]]
) -> ResultProblem | None:
    """A row never sent that is alike but for one identifying field to a row the export sent:
    the field named (its column) and where the row sent is, never the details."""
    found = [
        (header, place)
        for header in template.identifying
        for place in sent.get((header, (row.field_keys or {}).get(header, "")), [])
    ]
    if not found:
        return None
    if len(found) == 1:
        header, place = found[0]
        others = [h for h in template.identifying if h != header]  # two at least
        alike = ", ".join(others[:-1]) + " and " + others[-1]
        return ResultProblem(
            row.number,
            header,
            f"differs from the one sent for this parent in {place} ({alike} match), so DfE's "
            "answer cannot be tied to that row: DfE returns each row with the details it was sent",
        )
    each = "; ".join(f"its {header} from {place}" for header, place in found)
    return ResultProblem(
        row.number,
        _IDENTIFYING,
        f"differs in one field from each of {len(found)} rows sent ({each}), so DfE's answer "
        "cannot be tied to any of them: DfE returns each row with the details it was sent",
    )


def _match_problems(
    parsed: list[_Parsed],
    rows: pl.DataFrame,
    export_id: str,
    list_id: str,
    template: CheckTemplate,
    sent: dict[tuple[str, str], list[str]],
) -> list[ResultProblem]:
    """Rows never exported (one alike but for one field to a row the export sent named as
    such, `_differs_in_one`), of another export or list, or given twice."""
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
        if not homes and (near := _differs_in_one(row, template, sent)) is not None:
            problems.append(near)
            continue
        if not homes:
            message = "never exported for checking: no check export in the store sent this row"
            if not sent:  # an export made before the store kept the keys with one field left out
                message += (
                    f" (or one was changed since: check export {export_id} was made before the "
                    "store could name a field changed in a row)"
                )
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
        A name given that names no one (``admin``, ``n/a``, a single letter) is refused,
        saying why, before anything is written or logged, as `WORKBENCH_USER` is
        (`workbench.review.schema.recorded_user`).

    Returns
    -------
    CheckImported
        What was read and recorded. For a file imported into the same export before (the
        same SHA-256), nothing is recorded: ``already_imported_at`` and
        ``already_imported_by`` say when and by whom, ``import_id`` is that import's.

    Raises
    ------
    CheckImportError
        Listing every problem by row and column; nothing was recorded. Among them: an
        outcome the export's service never writes (the other service's words named as
        such), and a row answered as an earlier import answered it when a later import has
        answered it otherwise since (the file is older than that import).
    WorkbenchError
        For a file that does not exist, an unknown ``export_id``, or rows sent in several
        exports equally (say which with ``export_id``).
    """
    user = recorded_user(user, "import_check_results")
    path = Path(results)
    template, parsed, problems = _read(path, store, export_id, key)
    keys = [row.key for row in parsed if row.key is not None]
    rows = store.check_export_rows(keys)
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    target = _target_export(store, rows, export_id, sha256)
    if not target:
        problems += _outcome_problems(parsed, None, None)
        problems.append(
            ResultProblem(
                2 if parsed else 1,
                _IDENTIFYING,
                "no row of the file was ever exported for checking from this store",
            )
        )
        raise CheckImportError(path, sorted(problems, key=lambda p: (p.row, p.column)))
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
    # Each export's results in its own service's words (the templates' headers alike).
    problems += _outcome_problems(parsed, TEMPLATES[exported_template], target)
    # Rows the export never sent are compared field by field with those it did, in the
    # store's keys with one field left out.
    sent_keys = set(rows.filter(pl.col("export_id") == target)["row_key"])
    unsent = any(row.key is not None and row.key not in sent_keys for row in parsed)
    sent = _sent_but_one(store, target) if unsent else {}
    problems += _match_problems(parsed, rows, target, list_id, template, sent)
    if not parsed:
        problems.append(ResultProblem(1, OUTCOME, "the file has headers but no rows"))
    if problems:
        raise CheckImportError(path, sorted(problems, key=lambda p: (p.row, p.column)))
    numbers = dict(
        rows.filter(pl.col("export_id") == target).select("row_key", "row_number").iter_rows()
    )
    warnings = _tier_warnings(store, parsed, numbers, target, list_id)
    before = store.check_imports().filter(
        (pl.col("export_id") == target) & (pl.col("file_sha256") == sha256)
    )
    if not before.is_empty():
        earlier = before.row(0, named=True)
        return _already_imported(store, path, earlier, list_id, parsed, user, warnings)
    try:
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
            user=user,
        )
    except StaleCheckResults as refused:
        at = {numbers[row.key]: row.number for row in parsed if row.key is not None}
        raise CheckImportError(
            path,
            [
                ResultProblem(
                    at[found["row_number"]],
                    OUTCOME,
                    f"{found['given']!r} is the answer an earlier import recorded for this row "
                    f"of check export {target}, and a later import recorded "
                    f"{found['dfe_outcome']!r} since ({found['file_name']}, imported on "
                    f"{found['imported_at'][:10]} by {found['imported_by']}): this file is "
                    "older than that one, and its answer would replace the newer. Import DfE's "
                    "latest results file; a row checked again is sent in a new export "
                    "(`workbench check export --try-again` for a technical error)",
                )
                for found in sorted(refused.rows, key=lambda r: at[r["row_number"]])
            ],
        ) from None
    return _imported(store, target, list_id, import_id, parsed, recorded, warnings=warnings)


def _list_groups(store: ReviewStore, list_id: str) -> dict[str, str]:
    """Each child's ``eligibility_group`` on a list (item key: group), from the reason codes
    the store holds and the groups of the list's rule set, as `workbench assess` gives it
    (the first group, in file order, any of whose codes the child meets); empty for rules
    without groups."""
    stored = store.lists().filter(pl.col("list_id") == list_id)
    groups = load_rule_set(stored["initiative"][0]).groups if stored.height else []
    if not groups:
        return {}
    found = {}
    for item_key, codes in store.items(list_id).select("item_key", "reason_codes").iter_rows():
        met = set(codes or [])
        group = next((g.name for g in groups if met & set(g.codes)), None)
        if group is not None:
            found[item_key] = group
    return found


def _tier_warnings(
    store: ReviewStore,
    parsed: list[_Parsed],
    numbers: dict[str, int],
    export_id: str,
    list_id: str,
) -> tuple[str, ...]:
    """One line per results row whose tier (free school meals: ``Eligible targeted`` /
    ``Eligible expanded``, or the Tier column) differs from the list's ``eligibility_group``
    of a child the row was sent for: the row, DfE's tier and the list's group, no details."""
    tiered = [row for row in parsed if row.tier and row.outcome == "eligible"]
    if not tiered:
        return ()
    groups = _list_groups(store, list_id)
    items = store.check_export_items(export_id)
    children: dict[int, list[str]] = {}
    for number, item_key in items.select("row_number", "item_key").iter_rows():
        children.setdefault(number, []).append(item_key)
    warnings = []
    for row in tiered:
        said = sorted(
            {
                groups[item]
                for item in children.get(numbers[row.key or ""], [])
                if tier_differs(row.tier, groups.get(item)) is not None
            }
        )
        if said:
            warnings.append(
                f"row {row.number}: DfE says {row.tier}, the list says {' or '.join(said)} for "
                f"the child this row was sent for (check export {export_id}, list {list_id}): "
                "check which applies; the tier decides pupil premium and holiday activities. "
                "The result is recorded"
            )
    return tuple(warnings)


def _imported(
    store: ReviewStore,
    export_id: str,
    list_id: str,
    import_id: str,
    parsed: list[_Parsed],
    recorded: int,
    earlier: dict[str, str] | None = None,
    warnings: tuple[str, ...] = (),
) -> CheckImported:
    exported_with = store.check_exports().filter(pl.col("export_id") == export_id)
    template = TEMPLATES[exported_with["template"][0]]
    counts: dict[str, int] = {}
    for name in CHECK_OUTCOMES:  # in the service's own words (free school meals: not eligible)
        if n := sum(1 for row in parsed if row.outcome == name):
            said = outcome_name(name, template)
            counts[said] = counts.get(said, 0) + n
    exported = store.check_export_rows().filter(pl.col("export_id") == export_id).height
    answered = (
        store.check_results(list_id)
        .filter(pl.col("export_id") == export_id)
        .get_column("row_number")
        .n_unique()
    )
    return CheckImported(
        export_id=export_id,
        list_id=list_id,
        import_id=import_id,
        rows=len(parsed),
        recorded=recorded,
        by_outcome=tuple(counts.items()),
        exported_rows=exported,
        answered_rows=answered,
        already_imported_at=earlier["imported_at"] if earlier else None,
        already_imported_by=earlier["imported_by"] if earlier else None,
        warnings=warnings,
    )


def _already_imported(
    store: ReviewStore,
    path: Path,
    earlier: dict[str, str],
    list_id: str,
    parsed: list[_Parsed],
    user: str,
    warnings: tuple[str, ...] = (),
) -> CheckImported:
    """The same file (its SHA-256) imported into the same export before: nothing recorded,
    the reading logged, and when and by whom it was imported said."""
    store.log_access(
        user,
        "check import",
        f"export {earlier['export_id']}: {path.name} already imported on "
        f"{earlier['imported_at'][:10]} by {earlier['imported_by']} (import "
        f"{earlier['import_id']}, the same SHA-256), nothing recorded",
    )
    return _imported(
        store, earlier["export_id"], list_id, earlier["import_id"], parsed, 0, earlier, warnings
    )
