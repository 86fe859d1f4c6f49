"""Eligibility checks through DfE's services: the bulk-check CSV for the children chosen.

The workbench never confirms eligibility; DfE's checking services do ("Manage eligibility for
childcare support" for the two-year-old offer and EYPP, "Manage eligibility for free school
meals"). :func:`export_checks` writes the file an officer uploads to DfE's bulk check, for the
children whose **latest outcome decision** on a list is ``contact`` or ``check`` (or the
decisions asked for), and records in the review store which decisions each row rests on.
`workbench.review.check_results` reads DfE's results back.

What DfE's services accept (their public repositories, read for this module; see
``docs/dfe_checks.md`` for the files):

- Exactly the template's headers, in order: ``Parent Last Name,Parent Date of Birth,Parent
  National Insurance number`` (``BulkCheckTemplate.csv`` of both services; the parsers compare
  the header row with these names). Free school meals' enhanced template adds the parent's
  first name and the child's names, date of birth and school URN (from `people.school_urn`,
  empty where the council's data gives none or not six digits: `N/A` is no school).
- Dates as the template's example row writes them, ``DD/MM/YYYY`` (the services parse dates
  in the en-GB culture; ``YYYY-MM-DD`` is accepted too and is what results come back in).
- At most ``BulkEligibilityCheckLimit`` rows a file (250 for childcare; 1,000 for free school
  meals by default here, as DfE's FSM bulk-check guide configures it) and under 10 MB.
- A surname with no digits; a National Insurance number of two letters, six digits and a
  letter A-D (``DataValidation.BeAValidNi``; one without its last letter is not checkable).

One row is written per parent (a parent of two chosen children is checked once; the sidecar
and the store tie the row to both children's decisions). A child who cannot be checked (no
parent or carer, none with a National Insurance number, a child known only from the DWP list,
whose rows give no parent's date of birth) is never dropped silently: each is written with
the reason to ``<stem>.not_checkable.csv`` (owner-only) and counted in the command's output.
So is a child listed only for a status of the child's (looked after, left care, an EHC plan:
the rule set's criteria read from ``child_statuses``, `dfe_checks_reasons`): DfE's services
check a parent's benefits only, so they cannot confirm such a child's eligibility, and nothing
about the household (the carer may be a foster carer) is sent. A child with a parent's benefit among
their reasons as well is sent.

A child DfE has already answered is not sent again by default: one whose latest check result,
from any check export of any list of the same initiative
(`ReviewStore.initiative_check_results`), is DfE's answer (anything but a technical error,
"Try again" / "Error", which `try_again` sends again) is left out, counted by outcome in the
command's output and the sidecar, and listed by item key in the sidecar (not in the
not-checkable file: the child was checked, and the answer shows beside the child in review).
DfE's services limit uploads (``BulkUploadAttemptLimit``, 10 an hour), and a row sent again
makes an older results file answer the newer export too. ``recheck`` sends them again (a
parent's circumstances changed); each such round is its own export, naming the exports whose
answers it sends again (``recheck_of``). A child already sent whose answer has not been
imported yet (their latest check export has no result for their row) is left out too, and
counted (``awaiting_answer``), unless this is that very export written again; ``recheck``
sends them again.

Files (``--out checks.csv``): ``checks-part1.csv``, ``checks-part2.csv``, ... (DfE's
template, owner-only), ``checks.not_checkable.csv`` and ``checks.check.json`` (the sidecar:
the export id, the list, the decisions chosen, each row's file, line and the decisions it
rests on, the counts, the decision chain's head; no personal data). The store records the
export under the same id (rows by a keyed pseudonym of the parent's details, never the details)
and the access.

Example
-------
>>> TEMPLATES["childcare"].header_line()
'Parent Last Name,Parent Date of Birth,Parent National Insurance number'
>>> dfe_date(date(1990, 1, 31))
'31/01/1990'
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from workbench.data.clean import URN_PATTERN
from workbench.data.reading import load_folder
from workbench.eligibility.assess import EVIDENCE_NOTES, partly_met
from workbench.errors import UsageError, WorkbenchError
from workbench.private_files import check_folder_for, private_folder_for, write_private
from workbench.review.keys import pseudonym
from workbench.review.list_data import (
    check_inputs,
    check_read_inputs,
    household_carers,
    list_data_folder,
)
from workbench.review.lists import ListFile, read_list_file, review_candidates
from workbench.review.outreach import check_registered_file, check_same_items, stored_list_id
from workbench.review.schema import OUTCOME_DECISIONS, recorded_user
from workbench.review.store import ReviewStore
from workbench.rules import load_rule_set
from workbench.spreadsheet import FORMULA_START

if TYPE_CHECKING:
    from workbench.review.chain import ChainReport
    from workbench.rules.model import Criterion, RuleSet

__all__ = [
    "ANSWERED_COLUMNS",
    "CHECK_DECISIONS",
    "CHECK_FORMAT",
    "CHECK_SUFFIX",
    "CHILDCARE_OUTCOMES",
    "DATE_HEADERS",
    "DEFAULT_CHOSEN",
    "FSM_OUTCOMES",
    "MAX_FILE_BYTES",
    "NOT_CHECKABLE_COLUMNS",
    "NOT_CHECKABLE_SUFFIX",
    "SERVICE_TEMPLATES",
    "TECHNICAL_ERROR",
    "TEMPLATES",
    "CheckExport",
    "CheckTemplate",
    "dfe_checks_reasons",
    "dfe_date",
    "export_checks",
    "export_headers",
    "export_paths",
    "field_keys",
    "header_line_of",
    "named_files",
    "outcome_name",
    "row_key",
    "sent_row_key",
]

CHECK_FORMAT = "workbench-dfe-check-1"
CHECK_SUFFIX = ".check.json"  # NAME.check.json: the sidecar of an export written as NAME.csv
NOT_CHECKABLE_SUFFIX = ".not_checkable.csv"
CHECK_DECISIONS = ("contact", "check")
"""The outcome decisions that allow a family's parent to be sent to DfE's check: a family
decided ``not_eligible``, ``defer`` or ``already_in_touch`` is not sent."""
DEFAULT_CHOSEN = CHECK_DECISIONS
SERVICE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "two_year_old": ("childcare",),
    "early_years_pupil_premium": ("childcare",),
    "free_school_meals": ("fsm", "fsm-enhanced"),
}
"""Which of DfE's templates (`TEMPLATES`) may check a list of each initiative, the first by
default: the childcare service checks two-year-olds and EYPP, the free school meals service
free school meals. No service checks the Disability Access Fund (it rests on the child's
Disability Living Allowance, which the provider sees)."""
TECHNICAL_ERROR = "technical_error"
"""DfE could not check the row ("Try again", "Error"): `export_checks(try_again=True)`.
Any other result is DfE's answer: `export_checks` leaves such a child out unless ``recheck``."""
MAX_FILE_BYTES = 10 * 1024 * 1024 - 1
"""DfE's services refuse an upload of 10 MB (10 * 1024 * 1024 bytes) or more."""
ROW_KEY_KIND = "dfe_check_row"
FIELD_KEY_KIND = "dfe_check_row_but_one"
PARENT_LAST_NAME = "Parent Last Name"
PARENT_DOB = "Parent Date of Birth"
PARENT_NINO = "Parent National Insurance number"
PARENT_FIRST_NAME = "Parent First Name"
CHILD_FIRST_NAME = "Child First Name"
CHILD_LAST_NAME = "Child Last Name"
CHILD_DOB = "Child Date of Birth"
CHILD_URN = "Child School Urn"
DATE_HEADERS = (PARENT_DOB, CHILD_DOB)
"""The headers whose values are dates (written ``DD/MM/YYYY``)."""
_NINO_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{6}[A-D]$")
_EVIDENCE_CARER = re.compile(r"of parent/carer ([^;]+?)(?:;|$)")


@dataclass(frozen=True)
class CheckTemplate:
    """One of DfE's bulk-check templates: its headers, row limit and where it comes from."""

    name: str
    service: str
    headers: tuple[str, ...]
    row_limit: int
    source: str
    identifying: tuple[str, ...]
    """The headers that identify a row (DfE returns them as sent; the URN is not one)."""
    outcomes: tuple[str, ...] = ()
    """The ``Outcome`` words the template's service writes into its results file, and no
    others (`CHILDCARE_OUTCOMES`, `FSM_OUTCOMES`): the two services' templates have the same
    headers, so a results file is told apart only by its words."""

    def header_line(self) -> str:
        """The header row exactly as DfE's template file has it."""
        return ",".join(self.headers)


_BASIC = (PARENT_LAST_NAME, PARENT_DOB, PARENT_NINO)
_ENHANCED = (
    PARENT_FIRST_NAME,
    PARENT_LAST_NAME,
    PARENT_DOB,
    PARENT_NINO,
    CHILD_FIRST_NAME,
    CHILD_LAST_NAME,
    CHILD_DOB,
    CHILD_URN,
)
CHILDCARE_OUTCOMES = (
    "Eligible",
    "May not be eligible",
    "Information does not match records",
    "Try again",
)
"""The outcomes DfE's childcare service writes into a bulk check's results file
(check-childcare-eligibility-admin: ``Boundary/Responses/CheckEligibilityBulkResponse.cs``,
``GetStatusDescription``): no tier, no end date."""
FSM_OUTCOMES = (
    "Eligible",
    "Eligible targeted",
    "Eligible expanded",
    "Not eligible",
    "Information does not match records",
    "Error",
)
"""The outcomes DfE's free school meals service writes (check-free-school-meals-eligibility-admin:
``Models/Extensions.cs``, ``GetFsmStatusDescriptionBulkCheck``): ``Eligible``, with the tier in
the words under the expanded criteria (``Eligible targeted`` / ``Eligible expanded``); its
guidance calls ``Error`` a *technical error*, but the file says ``Error``."""
TEMPLATES = {
    "childcare": CheckTemplate(
        "childcare",
        "Manage eligibility for childcare support (two-year-olds, EYPP)",
        _BASIC,
        250,
        "DFE-Digital/check-childcare-eligibility-admin: "
        "CheckChildcareEligibility.Admin/wwwroot/documents/BulkCheckTemplate.csv, "
        "Usecases/ParseBulkCheckFileUseCase.cs, appsettings.json (BulkEligibilityCheckLimit)",
        _BASIC,
        CHILDCARE_OUTCOMES,
    ),
    "fsm": CheckTemplate(
        "fsm",
        "Manage eligibility for free school meals",
        _BASIC,
        1000,
        "DFE-Digital/check-free-school-meals-eligibility-admin: "
        "CheckYourEligibility.Admin/wwwroot/documents/BulkCheckTemplate.csv, "
        "Domain/Constants/BulkCheck/BulkCheckConstants.cs, docs/FSM_BASIC_BULK_CHECK_README.md",
        _BASIC,
        FSM_OUTCOMES,
    ),
    "fsm-enhanced": CheckTemplate(
        "fsm-enhanced",
        "Manage eligibility for free school meals (enhanced template)",
        _ENHANCED,
        1000,
        "DFE-Digital/check-free-school-meals-eligibility-admin: "
        "CheckYourEligibility.Admin/wwwroot/documents/BulkCheckTemplate_Enhanced.csv, "
        "Domain/Constants/BulkCheck/BulkCheckConstants.cs (enhancedHeaders)",
        _ENHANCED[:-1],
        FSM_OUTCOMES,
    ),
}
"""DfE's bulk-check templates by the name ``--template`` takes."""

NOT_CHECKABLE_COLUMNS = (
    "list_id",
    "item_key",
    "person_id",
    "dwp_record_id",
    "decision",
    "decision_id",
    "reason",
)
ANSWERED_COLUMNS = (
    "item_key",
    "person_id",
    "dwp_record_id",
    "decision",
    "decision_id",
    "outcome",
    "export_id",
    "list_id",
)
"""The columns of `CheckExport.answered`: the children left out as already answered by DfE,
with the latest result's outcome (ours) and the export (and its list) it answered."""


def _no_answered() -> pl.DataFrame:
    return pl.DataFrame(schema=dict.fromkeys(ANSWERED_COLUMNS, pl.String))


@dataclass(frozen=True)
class CheckExport:
    """What a check export wrote and recorded.

    ``rows`` counts the rows sent to DfE (one per parent); ``children`` the children they
    cover; ``not_checkable`` holds each chosen child that could not be checked, with the
    reason (no names: ``person_id`` or ``dwp_record_id``).
    """

    export_id: str
    list_id: str
    template: str
    files: tuple[Path, ...]
    sidecar: Path
    not_checkable_file: Path
    chosen: int
    rows: int
    children: int
    not_checkable: pl.DataFrame
    already_recorded: bool
    try_again_of: tuple[str, ...] = ()
    """With ``try_again``: the exports whose technical errors this one sends again."""
    answered: pl.DataFrame = field(default_factory=_no_answered)
    """The chosen children left out because DfE has already answered their check (their
    latest result, from any list of the initiative, is not a technical error): ``item_key``,
    ``person_id``, ``dwp_record_id``, ``decision``, ``decision_id``, ``outcome`` (ours),
    ``export_id`` and ``list_id`` of the export answered. Empty with ``recheck``."""
    rechecked: int = 0
    """With ``recheck``: the children sent again whose latest result was DfE's answer."""
    awaiting: int = 0
    """The chosen children left out because an earlier export sent them and DfE's answer has
    not been imported yet (``awaiting_exports`` names those exports). 0 with ``recheck``."""
    awaiting_exports: tuple[str, ...] = ()
    recheck_of: tuple[str, ...] = ()
    """With ``recheck``: the exports whose answers this one sends again."""

    @property
    def answered_by_outcome(self) -> dict[str, int]:
        """How many children were left out as already answered, by outcome as the export's
        service says it (`outcome_name`: free school meals' ``not_eligible``)."""
        return _named_by_service(_by_outcome(self.answered), TEMPLATES[self.template])


def dfe_date(day: date) -> str:
    """A date as DfE's template writes it: ``DD/MM/YYYY``."""
    return day.strftime("%d/%m/%Y")


def row_key(fields: dict[str, str], template: CheckTemplate, key: bytes) -> str:
    """The keyed pseudonym of a row's identifying fields, as exported or as DfE returns them.

    Names compare without case or extra spaces, National Insurance numbers without spaces,
    dates as dates (``fields`` holds them as ISO text), so a results row matches the row sent.
    """
    return pseudonym(ROW_KEY_KIND, json.dumps(list(_compared(fields, template).values())), key)


def _compared(fields: dict[str, str], template: CheckTemplate) -> dict[str, str]:
    """A row's identifying fields as rows are compared, by header."""
    compared = {}
    for header in template.identifying:
        value = " ".join(str(fields.get(header) or "").split())
        compared[header] = (
            value.replace(" ", "").upper() if header == PARENT_NINO else value.casefold()
        )
    return compared


def field_keys(fields: dict[str, str], template: CheckTemplate, key: bytes) -> dict[str, str]:
    """The keyed pseudonym of a row's identifying fields with each one left out in turn, by
    the header left out (compared as `row_key` compares them): a results row and an exported
    row alike but for one field share that field's key, so the field can be named without the
    store holding any detail.

    >>> sent = {"Parent Last Name": "Smith", "Parent Date of Birth": "1990-01-31",
    ...         "Parent National Insurance number": "AB123456C"}
    >>> given = sent | {"Parent National Insurance number": "AB123456D"}
    >>> mine, theirs = (field_keys(f, TEMPLATES["childcare"], bytes(32)) for f in (sent, given))
    >>> [h for h in mine if mine[h] == theirs[h]]
    ['Parent National Insurance number']
    """
    parts = _compared(fields, template)
    return {
        left_out: pseudonym(
            FIELD_KEY_KIND,
            json.dumps([left_out, [v for h, v in parts.items() if h != left_out]]),
            key,
        )
        for left_out in template.identifying
    }


def sent_row_key(fields: Mapping[str, str], template: CheckTemplate, key: bytes) -> str | None:
    """The keyed pseudonym of a row as a check export's file holds it (dates ``DD/MM/YYYY``):
    `workbench assure` compares it with the one the export recorded, so a row whose parent's
    details were changed in the file is found. None when a date is not one."""
    iso = dict(fields)
    for header in DATE_HEADERS:
        if header in template.identifying:
            try:
                day = datetime.strptime(fields.get(header) or "", "%d/%m/%Y").date()
            except ValueError:
                return None
            iso[header] = day.isoformat()
    return row_key(iso, template, key)


def header_line_of(path: Path) -> str:
    """A file's first line, as a check export's header is compared (retention and `assure`
    find an export's files by it); empty when the file cannot be read."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            return handle.readline(4096).rstrip("\r\n")
    except OSError:
        return ""


def export_paths(out: str | Path) -> tuple[Path, Path]:
    """The sidecar and the not-checkable file written beside a check export ``out``."""
    out = Path(out)
    return (
        out.with_name(f"{out.stem}{CHECK_SUFFIX}"),
        out.with_name(f"{out.stem}{NOT_CHECKABLE_SUFFIX}"),
    )


def export_headers() -> frozenset[str]:
    """The header lines of the CSV files `export_checks` writes: DfE's templates' and the
    not-checkable file's (retention and `assure` find an export's files by them)."""
    return frozenset({t.header_line() for t in TEMPLATES.values()}) | {
        ",".join(NOT_CHECKABLE_COLUMNS)
    }


def named_files(sidecar: Path, record: dict[str, Any]) -> list[Path]:
    """The files a check export's sidecar `record` names, in the sidecar's folder (a name
    with a folder in it is taken by its last part: never outside)."""
    files = record.get("files")
    entries = files if isinstance(files, list) else []
    names = [str(e.get("file")) for e in entries if isinstance(e, dict) and e.get("file")]
    return [sidecar.with_name(Path(name).name) for name in names]


def _part_path(out: Path, part: int) -> Path:
    return out.with_name(f"{out.stem}-part{part}{out.suffix}")


# --- which children, and their parents -------------------------------------------------------
def _chosen_rows(
    store: ReviewStore, list_id: str, shaped: pl.DataFrame, chosen: Collection[str]
) -> pl.DataFrame:
    """The list's children whose latest outcome decision on it is chosen, with ``superseded``:
    the list of the initiative on which the child was decided again since, when so (that
    later decision stands: the child is not checkable from this list)."""
    latest = store.latest_outcomes_for_initiative(list_id).select(
        "item_key",
        pl.col("list_id").alias("standing_list_id"),
        pl.col("decision").alias("standing_decision"),
    )
    here = store.latest_decisions(list_id, among=OUTCOME_DECISIONS).select(
        "item_key", "decision", "decision_id", "seq"
    )
    return (
        shaped.select("item_key", "person_id", "dwp_record_id", "evidence", "reason_codes")
        .join(here, on="item_key", how="inner", maintain_order="left")
        .filter(pl.col("decision").is_in(list(chosen)))
        .join(latest, on="item_key", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("standing_list_id") != list_id)
            .then(pl.format("{} on list {}", "standing_decision", "standing_list_id"))
            .alias("superseded")
        )
        .drop("standing_list_id", "standing_decision")
    )


def _technical_errors(
    store: ReviewStore, list_id: str, rows: pl.DataFrame, spec: CheckTemplate
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The chosen children whose latest DfE result is a technical error ("Try again",
    "Error") from an export of this template, and those results (`try_again`)."""
    latest = store.latest_check_results(list_id)
    templates = dict(store.check_exports(list_id).select("export_id", "template").iter_rows())
    errors = latest.filter(pl.col("outcome") == TECHNICAL_ERROR).with_columns(
        pl.col("export_id").replace_strict(templates, return_dtype=pl.String).alias("template")
    )
    if errors.is_empty():
        raise WorkbenchError(
            f"no child of list {list_id} has a technical error (DfE's 'Try again' or "
            "'Error') as their latest check result, so there is nothing to send again"
        )
    same = errors.filter(pl.col("template") == spec.name)
    if same.is_empty():
        used = " or ".join(sorted(set(errors["template"])))
        raise WorkbenchError(
            f"the technical errors of list {list_id} came from checks with DfE's {used} "
            f"template, not {spec.name}: send them again with --template {used}"
        )
    kept = rows.join(same.select("item_key"), on="item_key", how="semi", maintain_order="left")
    if kept.is_empty():
        raise WorkbenchError(
            f"the {same.height} child(ren) of list {list_id} whose latest check result is a "
            "technical error no longer have a chosen decision as their latest (a later "
            "decision was recorded), so there is nothing to send again"
        )
    return kept, same.join(kept.select("item_key"), on="item_key", how="semi")


def _answered(store: ReviewStore, list_id: str, rows: pl.DataFrame) -> pl.DataFrame:
    """The chosen children whose latest check result, from any check export of any list of
    the initiative, is DfE's answer (anything but a technical error), with that result's
    ``outcome``, ``export_id``, ``list_id`` and ``result_seq``. A child decided again since
    on another list is not among them: it is not checkable from this list, for that reason."""
    schema = pl.Schema({**dict.fromkeys(ANSWERED_COLUMNS, pl.String), "result_seq": pl.Int64})
    open_rows = rows.filter(pl.col("superseded").is_null())
    if open_rows.is_empty():
        return pl.DataFrame(schema=schema)
    results = store.initiative_check_results(list_id, open_rows["item_key"].to_list())
    latest = (
        results.sort("result_seq")
        .group_by("item_key", maintain_order=True)
        .last()
        .filter(pl.col("outcome") != TECHNICAL_ERROR)
        .select("item_key", "outcome", "export_id", "list_id", "result_seq")
    )
    return (
        open_rows.select("item_key", "person_id", "dwp_record_id", "decision", "decision_id")
        .join(latest, on="item_key", how="inner", maintain_order="left")
        .select(list(schema))
        .cast(schema)
    )


def _awaiting(store: ReviewStore, list_id: str, rows: pl.DataFrame) -> pl.DataFrame:
    """The chosen children whose latest check export (of any list of the initiative) has no
    result imported yet: sent, DfE's answer not read. ``item_key``, ``decision_id`` and the
    ``export_id`` and ``exported_at`` of that export."""
    open_rows = rows.filter(pl.col("superseded").is_null())
    schema = {"item_key": pl.String, "decision_id": pl.String}
    schema |= {"export_id": pl.String, "exported_at": pl.String}
    if open_rows.is_empty():
        return pl.DataFrame(schema=schema)
    sent = store.initiative_check_exports(list_id, open_rows["item_key"].to_list())
    latest = sent.group_by("item_key", maintain_order=True).last().filter(~pl.col("answered"))
    return (
        open_rows.select("item_key", "decision_id")
        .join(latest.drop("answered"), on="item_key", how="inner", maintain_order="left")
        .select(list(schema))
    )


def _by_outcome(answered: pl.DataFrame) -> dict[str, int]:
    if answered.is_empty():
        return {}
    counts = answered.group_by("outcome").len().sort("outcome")
    return dict(counts.iter_rows())


def outcome_name(outcome: str, template: CheckTemplate) -> str:
    """A stored outcome (`workbench.review.schema.CHECK_OUTCOMES`) as the template's service
    says it, for counts: the store calls both services' refusals ``may_not_be_eligible``, but
    free school meals' service says ``Not eligible`` (its ``FSM_OUTCOMES``), so its count is
    ``not_eligible``; the childcare service's ``May not be eligible`` stays.

    >>> outcome_name("may_not_be_eligible", TEMPLATES["fsm"])
    'not_eligible'
    >>> outcome_name("may_not_be_eligible", TEMPLATES["childcare"])
    'may_not_be_eligible'
    """
    if outcome == "may_not_be_eligible" and "Not eligible" in template.outcomes:
        return "not_eligible"
    return outcome


def _named_by_service(by_outcome: Mapping[str, int], template: CheckTemplate) -> dict[str, int]:
    """Counts by outcome with each outcome as the template's service says it (`outcome_name`)."""
    named: dict[str, int] = {}
    for outcome, n in by_outcome.items():
        name = outcome_name(outcome, template)
        named[name] = named.get(name, 0) + n
    return named


def _outcome_words(by_outcome: Mapping[str, int]) -> str:
    """``2 eligible, 1 may not be eligible``: counts by outcome, as the commands print them."""
    return ", ".join(f"{n} {outcome.replace('_', ' ')}" for outcome, n in by_outcome.items())


def dfe_checks_reasons(
    rule_set: RuleSet, codes: Sequence[str], partly: Sequence[str] = ()
) -> str | None:
    """Why a child listed with these reason codes is not sent to DfE's check, or None when it
    is: when no code is one DfE's services can confirm (a parent's or carer's benefit, or a
    match to the DWP list, DWP's own finding about those benefits), the reason, naming the
    criteria by their labels: a child's care status (looked after, left care), EHC plan or
    own Disability Living Allowance, a household with no recourse to public funds, an earlier
    funded place (continued entitlement).

    DfE's services check a parent's benefits only: they cannot confirm anything else, and the
    carer may be a foster carer, so sending their details would be data with no purpose.
    A possible child (no code) is judged by the criteria it meets in part (`partly`, from its
    evidence: `workbench.eligibility.assess.partly_met`): a parent's Universal Credit with the
    income missing is sent; a household with no recourse to public funds whose income is
    missing, or an order with no care record, is not. Decided from the rule set, so a
    council's own rules work; a code the rule set does not know, or a child with no code and
    nothing met in part, is sent, as before.

    >>> from workbench.rules import load_rule_set
    >>> rules = load_rule_set("two_year_old")
    >>> dfe_checks_reasons(rules, ["looked_after"])  # doctest: +NORMALIZE_WHITESPACE
    "listed only for what DfE's services cannot confirm (looked after by a local authority):
    they check a parent's benefits; nothing is sent"
    >>> dfe_checks_reasons(rules, ["looked_after", "universal_credit_low_income"]) is None
    True
    >>> dfe_checks_reasons(rules, ["dwp_list"]) is None
    True
    >>> dfe_checks_reasons(rules, [], ["left_care"]).split(":")[0]
    "listed only for what DfE's services cannot confirm (left care (adoption, special guardianship or child arrangements order), met in part)"
    """  # noqa: E501
    criteria = {criterion.code: criterion for criterion in rule_set.criteria}
    judged = list(codes) or list(partly)
    if not judged or any(code not in criteria for code in judged):
        return None
    found = [criteria[code] for code in judged]
    if any(_dfe_can_confirm(c) for c in found):
        return None
    labels = "; ".join(dict.fromkeys(c.label for c in found))
    in_part = "" if codes else ", met in part"
    return (
        f"listed only for what DfE's services cannot confirm ({labels}{in_part}): they check a "
        "parent's benefits; nothing is sent"
    )


def _dfe_can_confirm(criterion: Criterion) -> bool:
    """A parent's or carer's benefit, or a match to the DWP list (DWP's own finding)."""
    if criterion.table == "dwp_list":
        return True
    return criterion.applies_to == "parent_carer" and criterion.table == "benefits"


_NO_NINO = "no parent or carer in the household has a National Insurance number"


def _parent_problem(carer: dict[str, Any]) -> str | None:
    """Why DfE's service would refuse this parent's row, or None when it would take it."""
    nino = "".join(str(carer.get("carer_nino") or "").split()).upper()
    surname = str(carer.get("carer_surname") or "").strip()
    if not nino:
        return _NO_NINO
    if not _NINO_SHAPE.match(nino):
        return "the parent's National Insurance number is not in the form AB123456C"
    if carer.get("carer_date_of_birth") is None:
        return "the parent's date of birth is not known"
    if not surname:
        return "the parent's surname is not known"
    if any(ch.isdigit() for ch in surname):
        return "the parent's surname contains a digit, which DfE's service refuses"
    if re.match(FORMULA_START, surname) or re.match(
        FORMULA_START, str(carer.get("carer_forename") or "")
    ):
        return "the parent's name begins with =, +, - or @ (a spreadsheet would run it)"
    return None


def _pick_parent(carers: list[dict[str, Any]], evidence: str | None) -> tuple[dict | None, str]:
    """The parent to check a child with: one whose award meets a criterion first, then one
    whose award could not be tested (its income missing), then the others, each by id; the
    first DfE would accept. Else None and the reason."""
    met: set[str] = set()
    untested: set[str] = set()
    for sentence in (evidence or "").split("; "):
        noted = any(f" ({note}): " in sentence for note in EVIDENCE_NOTES)
        (untested if noted else met).update(_EVIDENCE_CARER.findall(sentence))

    def rank(carer: dict[str, Any]) -> tuple[int, str]:
        who = carer["carer_person_id"]
        return (0 if who in met else 1 if who in untested else 2), who

    ordered = sorted(carers, key=rank)
    if not ordered:
        return None, "no parent or carer in the child's household"
    problems = []
    for carer in ordered:
        problem = _parent_problem(carer)
        if problem is None:
            return carer, ""
        problems.append(problem)
    with_nino = [p for p in problems if not p.startswith("no parent or carer")]
    return None, (with_nino or problems)[0]


def _people(data: Path, listed: ListFile) -> pl.DataFrame:
    """The people table of the list's own data folder (its SHA-256 must match)."""
    check_inputs(data, listed, ["people"])
    people = load_folder(
        data, tables=["people"], columns={"people": ("nino", "role", "school_urn")}
    )
    check_read_inputs(people, listed)
    return people.tables["people"]


def _checkable(
    rows: pl.DataFrame, data: Path, listed: ListFile, template: CheckTemplate
) -> tuple[list[dict], list[dict]]:
    """Each chosen child with the fields of its DfE row, or with why it cannot be checked."""
    person_ids = rows.filter(pl.col("person_id").is_not_null())["person_id"]
    by_child: dict[str, list[dict]] = {}
    child_rows: dict[str, dict] = {}
    if person_ids.len():
        people = _people(data, listed)
        as_of = listed.as_of or datetime.now(UTC).date()
        initiative = listed.rule_set.split("@", 1)[0]
        children = people.filter(pl.col("person_id").is_in(person_ids.implode()))
        child_rows = {r["person_id"]: r for r in children.iter_rows(named=True)}
        for pair in household_carers(people, children, initiative, as_of).iter_rows(named=True):
            by_child.setdefault(pair["person_id"], []).append(pair)
    rule_set = load_rule_set(listed.rule_set.split("@", 1)[0])
    checkable, refused = [], []
    for row in rows.iter_rows(named=True):
        later = row.pop("superseded", None)
        codes = row.pop("reason_codes", None) or []
        if later is not None:
            reason = (
                f"decided again since ({later}): that later decision stands, so the child is "
                "not checked from this list"
            )
            refused.append(row | {"reason": reason})
            continue
        partly = [code for code, _ in partly_met(row["evidence"])] if not codes else []
        if (not_for_dfe := dfe_checks_reasons(rule_set, codes, partly)) is not None:
            refused.append(row | {"reason": not_for_dfe})
            continue
        child = child_rows.get(row["person_id"]) if row["person_id"] else None
        if row["person_id"] is None:
            reason = (
                "known only from the DWP list, which gives no parent's date of birth; "
                "check by hand or once the child is linked to the council's records"
            )
            refused.append(row | {"reason": reason})
            continue
        if child is None:
            refused.append(row | {"reason": "the child has no accepted row in people"})
            continue
        parent, reason = _pick_parent(by_child.get(row["person_id"], []), row["evidence"])
        if parent is None:
            if reason == _NO_NINO and row.get("dwp_record_id"):
                # A tester's case: the linked DWP row carries a parent's NINO the council's
                # records lack. Not joined here (it names a parent the council may not hold):
                # said, so that an officer can add it or check by hand.
                reason += (
                    f" (the DWP list's row {row['dwp_record_id']}, linked to the child, may give "
                    "the parent's: add it to their row of people and assess again, or check by "
                    "hand)"
                )
            refused.append(row | {"reason": reason})
            continue
        fields = {
            PARENT_FIRST_NAME: str(parent["carer_forename"]).strip(),
            PARENT_LAST_NAME: str(parent["carer_surname"]).strip(),
            PARENT_DOB: parent["carer_date_of_birth"],
            PARENT_NINO: "".join(str(parent["carer_nino"]).split()).upper(),
            CHILD_FIRST_NAME: str(child["forename"]).strip(),
            CHILD_LAST_NAME: str(child["surname"]).strip(),
            CHILD_DOB: child["date_of_birth"],
            # Only a URN in its shape (six digits): a placeholder the people file keeps as
            # given (`N/A`, `NULL`) is no school, and sent to DfE as none.
            CHILD_URN: _urn(child.get("school_urn")),
        }
        checkable.append(row | {"fields": {h: fields[h] for h in template.headers}})
    return checkable, refused


def _urn(value: object) -> str:
    """A school URN as sent to DfE: the six digits, or empty when the value is not one.

    Examples
    --------
    >>> _urn(" 100001 "), _urn("NULL"), _urn("N/A"), _urn(None), _urn("12345")
    ('100001', '', '', '', '')
    """
    text = "" if value is None else str(value).strip()
    return text if re.fullmatch(URN_PATTERN, text) else ""


# --- the rows and files -------------------------------------------------------------------------
def _dfe_rows(checkable: list[dict], template: CheckTemplate, key: bytes) -> list[dict]:
    """One row per distinct identifying fields (a parent of two children is checked once),
    in list order, with the children and decisions it rests on."""
    rows: dict[str, dict] = {}
    for child in checkable:
        iso = {h: v.isoformat() if isinstance(v, date) else v for h, v in child["fields"].items()}
        found = row_key(iso, template, key)
        text = {h: dfe_date(v) if isinstance(v, date) else v for h, v in child["fields"].items()}
        entry = rows.setdefault(
            found,
            {
                "row_key": found,
                "field_keys": field_keys(iso, template, key),
                "fields": text,
                "items": [],
            },
        )
        entry["items"].append((child["item_key"], child["decision_id"], child["seq"]))
    for number, entry in enumerate(rows.values(), start=1):
        entry["row_number"] = number
    return list(rows.values())


def _csv_bytes(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _parts(rows: list[dict], template: CheckTemplate, per_file: int) -> list[list[dict]]:
    """The rows split into files of at most ``per_file`` rows and under DfE's 10 MB."""
    parts: list[list[dict]] = []
    size = 0
    header = len(template.header_line().encode()) + 1
    for row in rows:
        line = len(_csv_bytes([], [list(row["fields"].values())]))
        if not parts or len(parts[-1]) >= per_file or size + line > MAX_FILE_BYTES:
            parts.append([])
            size = header
        parts[-1].append(row)
        size += line
    return _numbered(parts)


def _numbered(parts: list[list[dict]]) -> list[list[dict]]:
    """Each row given its file (``part``, from 1) and line (from 2, below the header)."""
    for number, part in enumerate(parts, start=1):
        for line, row in enumerate(part, start=2):
            row["part"], row["line"] = number, line
    return parts


def _recorded_parts(rows: list[dict], part_of: dict[str, int]) -> list[list[dict]]:
    """The rows in the files an export recorded (``part_of``: each row key's part)."""
    parts: list[list[dict]] = [[] for _ in range(max(part_of.values(), default=0))]
    for row in rows:
        parts[part_of[row["row_key"]] - 1].append(row)
    return _numbered(parts)


def _check_destination(out: Path, overwrite: bool) -> None:
    if out.suffix.lower() != ".csv":
        raise UsageError(f"must end in .csv; got {out.name!r}", parameter="out")
    check_folder_for(out)
    existing = [
        p
        for p in (*export_paths(out), *out.parent.glob(f"{out.stem}-part*{out.suffix}"))
        if p.exists()
    ]
    if existing and not overwrite:
        raise UsageError(
            f"{existing[0]} already exists; choose another name, or pass --overwrite to "
            "replace the files of an earlier check export"
        )


def _rows_per_file(template: CheckTemplate, rows_per_file: int | None) -> int:
    if rows_per_file is None:
        return template.row_limit
    if isinstance(rows_per_file, bool) or not isinstance(rows_per_file, int):
        raise UsageError(
            f"must be a whole number; got {rows_per_file!r}", parameter="rows_per_file"
        )
    if not 1 <= rows_per_file <= template.row_limit:
        raise UsageError(
            f"must be between 1 and {template.row_limit} (DfE's limit for the {template.name} "
            f"template); got {rows_per_file}",
            parameter="rows_per_file",
        )
    return rows_per_file


def _known_template(name: str | None) -> None:
    if name is not None and name not in TEMPLATES:
        raise UsageError(
            f"must be one of {', '.join(TEMPLATES)}; got {name!r}", parameter="template"
        )


def _template(name: str | None, listed: ListFile) -> CheckTemplate:
    """The template `name`, or the list's service's default; refused when it is not one the
    list's initiative is checked with (`SERVICE_TEMPLATES`)."""
    _known_template(name)
    initiative = listed.rule_set.split("@", 1)[0]
    allowed = SERVICE_TEMPLATES.get(initiative, ())
    if not allowed:
        raise WorkbenchError(
            f"{listed.path}: a list for {initiative} is not checked through DfE's services "
            f"(they check {', '.join(sorted(SERVICE_TEMPLATES))}); no family is sent"
        )
    if name is not None and name not in allowed:
        raise UsageError(
            f"{name} does not check {listed.path}, a list for {initiative} (DfE's "
            f"{' or '.join(allowed)} template does): its families' details go only to the "
            f"service for their initiative; give --template {allowed[0]} or leave it out",
            parameter="template",
        )
    return TEMPLATES[name or allowed[0]]


def _chosen_names(chosen: Collection[str]) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(chosen))
    unknown = [n for n in names if n not in CHECK_DECISIONS]
    if unknown or not names:
        raise UsageError(
            f"must be one that allows a check ({' or '.join(CHECK_DECISIONS)}); got "
            f"{', '.join(map(repr, unknown)) or 'none'}: a family decided otherwise is not "
            "sent to DfE",
            parameter="decision",
        )
    return names


def export_checks(
    store: ReviewStore,
    list_file: str | Path,
    data: str | Path | None,
    out: str | Path,
    *,
    key: bytes,
    template: str | None = None,
    chosen: Collection[str] = DEFAULT_CHOSEN,
    rows_per_file: int | None = None,
    user: str | None = None,
    overwrite: bool = False,
    try_again: bool = False,
    recheck: bool = False,
) -> CheckExport:
    """Write DfE's bulk-check CSV for the children whose latest outcome decision is chosen.

    Parameters
    ----------
    store
        The review store holding the list's decisions; the export is recorded in it.
    list_file
        The list written by `workbench assess` (with its manifest), registered for review.
    data
        The data folder the list was made from (its files' SHA-256 must match the manifest);
        None for the one the list's manifest names.
    out
        ``NAME.csv``: the files are ``NAME-part1.csv``, ... with ``NAME.check.json`` and
        ``NAME.not_checkable.csv`` beside them, all owner-only.
    key
        The pseudonym key the list was registered with.
    template
        ``childcare``, ``fsm`` or ``fsm-enhanced`` (`TEMPLATES`): one the list's initiative
        is checked with (`SERVICE_TEMPLATES`); default: its service's first.
    chosen
        The latest outcome decisions to check, among `CHECK_DECISIONS` (default both:
        ``contact`` and ``check``).
    rows_per_file
        At most this many rows a file (default and maximum: the template's DfE limit).
    user
        Who exports, for the store (default: `WORKBENCH_USER`, else the login name).
        A name given that names no one (``admin``, ``n/a``, a single letter) is refused,
        saying why, before anything is written or logged, as `WORKBENCH_USER` is
        (`workbench.review.schema.recorded_user`).
    overwrite
        Replace the files of an earlier export at ``out``.
    try_again
        Only the chosen children whose latest DfE result is a technical error ("Try again",
        "Error") from an export of this template: a new export of just those rows, to send
        again. Its results, imported, become those children's latest.
    recheck
        Send again the children DfE has already answered: those whose latest check result,
        from any export of any list of the initiative, is not a technical error (by default
        they are left out, counted in `CheckExport.answered` and the sidecar). For a parent
        whose circumstances changed; each such round is its own export (``recheck_of``).

    Raises
    ------
    WorkbenchError
        When the list is not in the store, no child's latest decision is chosen (with
        ``try_again``: none has a technical error of this template as their latest result),
        the decision chain does not verify, or the data folder is not the one the list was
        made from; or when every child chosen has DfE's answer as their latest check result
        (without ``recheck``: nothing is left to send).
    """
    user = recorded_user(user, "export_checks")
    out = Path(out)
    chosen = _chosen_names(chosen)
    _known_template(template)
    _check_destination(out, overwrite)
    listed = read_list_file(list_file)
    spec = _template(template, listed)
    per_file = _rows_per_file(spec, rows_per_file)
    data = list_data_folder(listed, data)
    list_id = stored_list_id(store, listed)
    shaped = review_candidates(listed.candidates, key)
    store.verify_list(list_id)  # the list as stored first: then the file against it
    check_same_items(store, list_id, shaped, listed.path)
    check_registered_file(store, list_id, listed.path)
    rows = _chosen_rows(store, list_id, shaped, chosen)
    if rows.is_empty():
        raise WorkbenchError(
            f"{listed.path}: no child of list {list_id} has {' or '.join(chosen)} as their "
            "latest decision, so there is nothing to check; record `check` (or `contact`) "
            "decisions first"
        )
    retried = None
    if try_again:
        rows, retried = _technical_errors(store, list_id, rows, spec)
    chosen_count = rows.height
    answered = _answered(store, list_id, rows)
    resent = answered.clear()
    # Sent before, DfE's answer not imported yet: not sent twice (--recheck sends them again,
    # as for an export whose files were never uploaded; the same export keeps its id).
    awaiting = _awaiting(store, list_id, rows.join(answered, on="item_key", how="anti"))
    if recheck:
        resent, answered, awaiting = answered, answered.clear(), awaiting.clear()
    rows = rows.join(answered.select("item_key"), on="item_key", how="anti")

    def planned(rows: pl.DataFrame) -> tuple[list, list, str]:
        """The rows for DfE, the children not checkable, and the export's id."""
        checkable, refused = _checkable(rows, data, listed, spec)
        dfe_rows = _dfe_rows(checkable, spec, key)
        decision_ids = sorted(item[1] for row in dfe_rows for item in row["items"])
        identity: list[Any] = [list_id, spec.name, decision_ids, [r["row_key"] for r in dfe_rows]]
        if retried is not None:
            # Each sending again is its own export: the results it answers are in its id.
            identity.append(sorted(retried["result_seq"].to_list()))
        if resent.height:
            # So is each sending again of DfE's answers (--recheck): the same choice sent
            # again is not the first export, and its results are not that export's.
            identity.append({"recheck": sorted(resent["result_seq"].to_list())})
        digest = hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:16]
        return dfe_rows, refused, f"cx-{digest}"

    plan = planned(rows) if rows.height else None
    if plan is not None:  # this very export written again (--overwrite) is not a second one
        awaiting = awaiting.filter(pl.col("export_id") != plan[2])
    if awaiting.height:
        rows = rows.join(awaiting.select("item_key"), on="item_key", how="anti")
        plan = planned(rows) if rows.height else None
    if rows.is_empty() and awaiting.height:
        exports = ", ".join(sorted(set(awaiting["export_id"])))
        also = f" ({answered.height} more DfE has already answered)" if answered.height else ""
        raise WorkbenchError(
            f"{listed.path}: {awaiting.height} of the {chosen_count} child(ren) of list "
            f"{list_id} chosen were sent in check export(s) {exports} and DfE's answer has not "
            f"been imported yet{also}, so there is nothing to send: import the results first "
            "(`workbench check import`). If those files were never uploaded, pass --recheck "
            "(and --overwrite) to write them again"
        )
    if rows.is_empty():
        raise WorkbenchError(
            f"{listed.path}: DfE has already answered the check of every one of the "
            f"{answered.height} child(ren) of list {list_id} chosen "
            f"({_outcome_words(_named_by_service(_by_outcome(answered), spec))}: their latest "
            "check result, from a "
            "check export of this list or another of the offer), so there is "
            "nothing to send: DfE's service limits uploads, and an answered row sent "
            "again makes its old results answer the new export too. To send them again "
            "(e.g. after a parent's circumstances changed), pass --recheck"
        )
    chain = store.verify_chain()
    if not chain.ok:
        raise WorkbenchError(
            f"{store.path}: the decision chain does not verify ({chain.message}); no check "
            "can rest on it. Run `workbench assure` and restore the store from a backup"
        )
    assert plan is not None  # rows is not empty here
    dfe_rows, refused, export_id = plan
    parts = _parts(dfe_rows, spec, per_file)
    try_again_of = () if retried is None else tuple(sorted(set(retried["export_id"])))
    recheck_of = tuple(sorted(set(resent["export_id"])))
    recorded = store.check_export_rows().filter(pl.col("export_id") == export_id)
    if recorded.height:
        # The same export written again: in the files the store recorded, whatever
        # --rows-per-file says now, so that the store, the sidecar and the files agree.
        parts = _recorded_parts(dfe_rows, dict(recorded.select("row_key", "part").iter_rows()))
    files = [_part_path(out, number) for number in range(1, len(parts) + 1)]
    children = sum(len(r["items"]) for r in dfe_rows)
    # Recorded before any file is written: a file for DfE's service that the store does not
    # know (the process stopped in between) would be one no import or audit could trace.
    # Stopped after recording instead, the same export written again (--overwrite) has the
    # same id and writes the files.
    new = store.record_check_export(
        {
            "export_id": export_id,
            "list_id": list_id,
            "template": spec.name,
            "files": len(files),
            "not_checkable": len(refused),
            "rows": dfe_rows,
        },
        user=user,
        detail=f"list {list_id}: export {export_id}, {len(dfe_rows)} row(s) for {children} "
        f"child(ren) in {len(files)} file(s) ({out.stem}-part*.csv), {len(refused)} not "
        "checkable"
        + (f", {answered.height} already answered by DfE left out" if answered.height else "")
        + (f", technical errors of {', '.join(try_again_of)} sent again" if try_again_of else "")
        + (
            f", {resent.height} answered by DfE sent again (recheck of {', '.join(recheck_of)})"
            if recheck_of
            else ""
        ),
    )
    private_folder_for(out)  # a new folder for files about families is made owner-only
    for path, part in zip(files, parts, strict=True):
        body = _csv_bytes(spec.headers, [list(r["fields"].values()) for r in part])
        write_private(path, functools.partial(Path.write_bytes, data=body))
    for stale in out.parent.glob(f"{out.stem}-part*{out.suffix}"):
        if stale not in files and stale.stem.removeprefix(f"{out.stem}-part").isdigit():
            stale.unlink()
    sidecar, not_checkable_file = export_paths(out)
    not_checkable = pl.DataFrame(
        [
            {
                "list_id": list_id,
                "item_key": r["item_key"],
                "person_id": r["person_id"],
                "dwp_record_id": r["dwp_record_id"],
                "decision": r["decision"],
                "decision_id": r["decision_id"],
                "reason": r["reason"],
            }
            for r in refused
        ],
        schema=dict.fromkeys(NOT_CHECKABLE_COLUMNS, pl.String),
    )
    write_private(not_checkable_file, lambda p: not_checkable.write_csv(p))
    record = _sidecar(
        export_id, listed, list_id, spec, files, dfe_rows, refused, chain, user, chosen, answered
    )
    record["awaiting_answer"] = [
        {"item_key": r["item_key"], "decision_id": r["decision_id"], "sent_in": r["export_id"]}
        for r in awaiting.iter_rows(named=True)
    ]
    record["counts"]["awaiting_answer"] = awaiting.height
    record["counts"]["chosen"] += awaiting.height
    if retried is not None:
        record["try_again_of"] = list(try_again_of)
    if recheck:
        record["recheck_of"] = list(recheck_of)
        record["counts"]["rechecked"] = resent.height
    write_private(sidecar, lambda p: p.write_text(json.dumps(record, indent=2, sort_keys=True)))
    return CheckExport(
        export_id=export_id,
        list_id=list_id,
        template=spec.name,
        files=tuple(files),
        sidecar=sidecar,
        not_checkable_file=not_checkable_file,
        chosen=chosen_count,
        rows=len(dfe_rows),
        children=children,
        not_checkable=not_checkable,
        already_recorded=not new,
        try_again_of=try_again_of,
        answered=answered.select(ANSWERED_COLUMNS),
        rechecked=resent.height,
        recheck_of=recheck_of,
        awaiting=awaiting.height,
        awaiting_exports=tuple(sorted(set(awaiting["export_id"]))),
    )


def _sidecar(
    export_id: str,
    listed: ListFile,
    list_id: str,
    spec: CheckTemplate,
    files: list[Path],
    dfe_rows: list[dict],
    refused: list[dict],
    chain: ChainReport,
    user: str,
    chosen: Sequence[str] = DEFAULT_CHOSEN,
    answered: pl.DataFrame | None = None,
) -> dict[str, Any]:
    answered = answered if answered is not None else _no_answered()
    reasons: dict[str, int] = {}
    for row in refused:
        reasons[row["reason"]] = reasons.get(row["reason"], 0) + 1
    return {
        "format": CHECK_FORMAT,
        "command": "check export",
        "export_id": export_id,
        "list_id": list_id,
        "run_id": listed.run_id,
        "rule_set": listed.rule_set,
        "list_file": listed.path.name,
        "template": spec.name,
        "service": spec.service,
        "template_source": spec.source,
        "headers": list(spec.headers),
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "exported_by": user,
        "decisions_chosen": list(chosen),
        "files": [
            {"file": path.name, "rows": sum(1 for r in dfe_rows if r["part"] == n)}
            for n, path in enumerate(files, start=1)
        ],
        "rows": [
            {
                "row": r["row_number"],
                "file": files[r["part"] - 1].name,
                "line": r["line"],
                "row_key": r["row_key"],
                "rests_on": [
                    {"item_key": item, "decision_id": decision, "decision_seq": seq}
                    for item, decision, seq in r["items"]
                ],
            }
            for r in dfe_rows
        ],
        "not_checkable": [
            {"item_key": r["item_key"], "decision_id": r["decision_id"], "reason": r["reason"]}
            for r in refused
        ],
        # Left out: DfE has already answered their check (its answer is kept in the store,
        # under the export named); no outcome by child here, only the counts.
        "already_answered": [
            {
                "item_key": r["item_key"],
                "decision_id": r["decision_id"],
                "answered_in": r["export_id"],
            }
            for r in answered.iter_rows(named=True)
        ],
        "counts": {
            "chosen": len(refused) + sum(len(r["items"]) for r in dfe_rows) + answered.height,
            "rows": len(dfe_rows),
            "children_in_rows": sum(len(r["items"]) for r in dfe_rows),
            "not_checkable": len(refused),
            "not_checkable_by_reason": dict(sorted(reasons.items())),
            "already_answered": answered.height,
            "already_answered_by_outcome": _by_outcome(answered),
        },
        "chain_head": chain.head,
        "chain_checked": chain.checked,
    }
