"""The Excel round trip: a review workbook out to an early years officer, decisions back in.

:func:`export_review_workbook` writes one row per child of a stored list: what the workbench
found (locked), what was decided about the child before, and three columns for the officer
(``decision`` from a drop-down, ``reviewer``, ``reason``). A hidden ``checksum`` column holds,
for every locked cell, an HMAC tag under the pseudonym key, so the import can name the exact
cell that was edited. :func:`import_review_workbook` checks every row before recording
anything and records all decisions in one transaction, or none.

The workbook's layout and checksum are `workbench.review.workbook`; the import half is
`workbench.review.excel_import`.

Example
-------
>>> import tempfile
>>> import polars as pl
>>> from workbench.review import ReviewStore
>>> from workbench.review.lists import register_list
>>> folder = Path(tempfile.mkdtemp())
>>> candidates = pl.DataFrame({"person_id": ["P1"], "tier": ["likely"],
...                            "reason_codes": [["income_support"]]})
>>> with ReviewStore(folder / "review.sqlite") as store:
...     list_id = register_list(store, candidates, "r-1", "two_year_old@1", {}, bytes(32))
...     book = export_review_workbook(store, list_id, candidates, folder / "review.xlsx",
...                                   key=bytes(32), user="A. Officer")
>>> oct(book.stat().st_mode & 0o777)
'0o600'

The round trip back is the example of `workbench.review.excel_import`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import xlsxwriter

from workbench.dates import long_date
from workbench.errors import UsageError, WorkbenchError
from workbench.private_files import check_folder_for, private_folder_for, write_private
from workbench.review.details import (
    VIEW_COMMAND,
    ChildDetails,
    already_funded_words,
    check_result_lines,
    decision_meanings,
    evidence_lines,
    group_columns,
    read_child_details,
    record_link_columns,
    record_link_text,
    view_detail,
    why_listed_lines,
    working_parent_flags,
)
from workbench.review.list_data import list_data_folder, places_not_known
from workbench.review.lists import (
    LaterList,
    dwp_row_keys,
    later_list,
    read_list_file,
    register_list_file,
    review_candidates,
)
from workbench.review.offers import checked_by_dfe, offered_decisions, reads_dwp_list
from workbench.review.schema import (
    decision_label,
    recorded_user,
)
from workbench.review.store import DECISIONS, REASON_REQUIRED, ReviewStore
from workbench.review.workbook import (
    ABOUT_SHEET,
    CHECKSUM_COLUMN,
    EDITABLE_COLUMNS,
    FORMAT,
    GROUP_COLUMNS,
    LAYOUT_FORMAT,
    LOCKED_COLUMNS,
    META_SHEET,
    REVIEW_SHEET,
    WRAPPED,
    export_seal,
    layout_columns,
    row_checksum,
)
from workbench.rules import load_rule_set
from workbench.rules.model import RuleSet

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

__all__ = [
    "WorkbookLayout",
    "checked_by_dfe",
    "export_list_file",
    "export_review_workbook",
    "workbook_layout",
]

# --- plain English ---------------------------------------------------------------------


@dataclass(frozen=True)
class _RuleWords:
    rule_set: RuleSet | None
    on: date


def _rule_words(initiative: str, on: date) -> _RuleWords:
    """The rule set the reasons are worded from (thresholds of ``on``)."""
    try:
        rule_set = load_rule_set(initiative)
    except WorkbenchError:  # a list of an initiative this workbench has no rules for
        return _RuleWords(None, on)
    return _RuleWords(rule_set, on)


@dataclass(frozen=True)
class WorkbookLayout:
    """What a list's workbook shows and offers, by its offer's rules (`workbook_layout`)."""

    initiative: str
    locked: tuple[str, ...]
    """The locked columns, in order (`workbench.review.workbook.layout_columns`)."""
    decisions: tuple[str, ...]
    """The decisions its drop-down offers, in `DECISIONS` order."""
    dfe_checked: bool
    """DfE's services check the offer (`checked_by_dfe`): ``check`` and ``dfe_checks`` shown."""
    dwp_links: bool
    """The offer's rules read the DWP list, or the list has a DWP-list row: ``dwp_record_id``
    shown and the link decisions offered."""

    @property
    def format(self) -> str:
        """The two-year-old offer's full layout is format 7, exactly as before; any other
        layout is `LAYOUT_FORMAT`, its columns named in the hidden sheet."""
        return FORMAT if self.locked == tuple(LOCKED_COLUMNS) else LAYOUT_FORMAT

    @property
    def columns(self) -> list[str]:
        """Every column of the Review sheet: the locked, the officer's, the hidden checksum."""
        return [*self.locked, *EDITABLE_COLUMNS, CHECKSUM_COLUMN]


def workbook_layout(initiative: str, rule_set: RuleSet | None, dwp_rows: bool) -> WorkbookLayout:
    """The columns and decisions of a workbook of a list of `initiative` (its rules
    `rule_set`; None when the workbench has none: every column is shown). `dwp_rows`: the list
    has a row from the DWP list (its link decisions are then offered whatever the rules).

    - ``dwp_record_id`` and the link decisions (``link_confirmed``, ``link_rejected``) only
      when the rules read the DWP list (their sources name ``dwp_list``) or `dwp_rows`;
    - ``working_parent_place`` only when the rules read funded places and a working-parent
      place does not make a child already funded (the two-year-old offer): elsewhere it
      says nothing ``already_funded`` does not;
    - ``already_funded`` only when the rules read funded places (not for free school meals,
      whose lists can never say a child has one);
    - ``dfe_checks`` and the ``check`` decision only when DfE's services check the offer
      (`checked_by_dfe`);
    - ``eligibility_group`` when the rules have groups (free school meals' targeted and
      expanded), ``age_group`` when they have age groups (infant, ...).

    >>> from workbench.rules import load_rule_set
    >>> daf = workbook_layout("disability_access_fund", load_rule_set("disability_access_fund"),
    ...                       dwp_rows=False)
    >>> daf.decisions, "dwp_record_id" in daf.locked, "dfe_checks" in daf.locked
    (('contact', 'not_eligible', 'already_in_touch', 'defer'), False, False)
    """
    sources = set(rule_set.sources) if rule_set else set()
    dfe_checked = checked_by_dfe(initiative)
    dwp_links = reads_dwp_list(rule_set, dwp_rows)
    # The engine's `WORKING_PARENT` stream: flagged apart only when it is not a place that
    # makes a child already funded.
    working_parent = rule_set is None or (
        "funded_places" in sources
        and "working_parent" not in rule_set.population.already_funded_streams
    )
    dropped = {
        # An offer whose rules read no funded places cannot say a child has one: no column
        # is better than "no" on every row (free school meals). A workbook exported with it
        # still imports: format 8 names its columns.
        "already_funded": rule_set is not None and "funded_places" not in sources,
        "dwp_record_id": not dwp_links,
        "working_parent_place": not working_parent,
        "dfe_checks": not dfe_checked,
    }
    added = {
        "eligibility_group": bool(rule_set and rule_set.groups),
        "age_group": bool(rule_set and rule_set.population.age_groups),
    }
    wanted = [c for c in LOCKED_COLUMNS if not dropped.get(c)] + [c for c in added if added[c]]
    decisions = offered_decisions(initiative, rule_set, dwp_rows)
    return WorkbookLayout(initiative, layout_columns(wanted), decisions, dfe_checked, dwp_links)


def reasons_text(
    codes: list[str], words: _RuleWords, tier: str, group: str = "", age_group: str = ""
) -> str:
    """The ``reasons`` cell: `workbench.review.details.why_listed_lines`, one a line, as the
    review panel's "Why listed" says them (the child's group and age group by their labels
    first)."""
    return "\n".join(why_listed_lines(codes, words.rule_set, words.on, tier, group, age_group))


def decided_elsewhere(store: ReviewStore, list_id: str) -> int:
    """How many children of a list have the decision that stands for them on another list of
    its offer (`ReviewStore.latest_outcomes_for_initiative`)."""
    standing = store.latest_outcomes_for_initiative(list_id)
    return standing.filter(pl.col("list_id") != list_id).height


def links_decided_text(by_decision: Mapping[str, int]) -> str | None:
    """How many DWP-list links a list's decisions settled, by their latest link decision
    (`ReviewStore.progress`'s ``by_decision``); None when none was.

    >>> links_decided_text({"link_confirmed": 2, "link_rejected": 1})
    '3 DWP-list links decided (2 confirmed, 1 rejected)'
    >>> links_decided_text({"contact": 4}) is None
    True
    """
    confirmed = by_decision.get("link_confirmed", 0)
    rejected = by_decision.get("link_rejected", 0)
    if not confirmed + rejected:
        return None
    kinds = [f"{n} {kind}" for n, kind in ((confirmed, "confirmed"), (rejected, "rejected")) if n]
    plural = "s" if confirmed + rejected != 1 else ""
    return f"{confirmed + rejected} DWP-list link{plural} decided ({', '.join(kinds)})"


def decided_text(
    decided: int, children: int, elsewhere: int = 0, links: str | None = None
) -> tuple[str, str | None]:
    """How many children of a list have an outcome decision on it (`ReviewStore.progress`),
    as the About sheet's heading and sentence (None when nothing has been decided); how
    many more have one standing from another list of the offer (a re-run's, an earlier
    term's: `elsewhere`); and the DWP-list links decided on it (`links_decided_text`), which
    are decisions too, though not about what happens next.

    >>> decided_text(0, 250, elsewhere=98)[0]
    'Nothing decided on this list; 98 of its 250 children were decided on another list'
    >>> decided_text(0, 250, links="1 DWP-list link decided (1 confirmed)")[0]
    'No outcome decided on this list; 1 DWP-list link decided (1 confirmed)'
    """
    links_said = (
        f" On this list, {links}: a link decision says only whether a DWP-list row is the "
        "child proposed, not what happens next, so a child with no other decision still "
        "needs one."
        if links
        else ""
    )
    if not decided and elsewhere:
        return (
            f"Nothing decided on this list; {elsewhere} of its {children} children were "
            "decided on another list",
            f"When this workbook was written, no {'outcome ' if links else ''}decision had been "
            f"recorded on this list, but "
            f"{elsewhere} of its {children} children had a decision standing from another list "
            "of this offer (an earlier run's or term's), shown in 'earlier_decisions'. A "
            f"decision you record here is a new one, and stands over the earlier.{links_said}",
        )
    if not decided and links:
        return (
            f"No outcome decided on this list; {links}",
            f"When this workbook was written, none of the {children} children on this list had "
            f"a decision about what happens next.{links_said}",
        )
    if not decided:
        return "Nothing has been decided", None
    return (
        f"{decided} of the {children} children have a decision" + (f"; {links}" if links else ""),
        f"When this workbook was written, {decided} of the {children} children on this list "
        "had a decision recorded on it (shown in 'earlier_decisions', with any on other lists "
        f"of this offer); {children - decided} had none yet. A decision you record for a "
        f"child already decided is a new one, and stands over the earlier.{links_said}",
    )


PLACES_NOT_KNOWN_ABOUT = (
    "Funded places for the term were not in the providers' headcount this list was made from, "
    "so 'already_funded' cannot say whether a child has a place: it says 'not known' rather "
    "than 'no'. A child may well have a place already: check with the provider before "
    "contacting a family (the outreach export carries the same caution)."
)
"""The About sheet's word when `workbench.review.list_data.places_not_known`."""


def _about_lines(
    listed: dict[str, Any],
    rows: int,
    exported: str,
    title: str,
    caution: str | None = None,
    decided: int = 0,
    elsewhere: int = 0,
    links: str | None = None,
    later: str | None = None,
    places_not_known: bool = False,
    layout: WorkbookLayout | None = None,
) -> list[tuple[str, bool]]:
    """The About sheet, line by line: (text, is_heading). `later`: what is said of the offer's
    later list (`LaterList.banner`), when there is one; `places_not_known`: the headcount
    held no places for the term (`PLACES_NOT_KNOWN`); `layout`: the workbook's columns and
    decisions (`workbook_layout`; None: all of them), which the words follow: no word of DfE's
    checking service for an offer it does not check, nor of the DWP list for one that never
    reads it."""
    offered = layout.decisions if layout else DECISIONS
    locked = layout.locked if layout else tuple(LOCKED_COLUMNS)
    reason_needed = " and ".join(d for d in REASON_REQUIRED if d in offered)
    heading, so_far = decided_text(decided, rows, elsewhere, links)
    confirmed = (
        "Eligibility itself is confirmed through the DfE checking service, never by this workbook."
        if "dfe_checks" in locked
        else "DfE's eligibility checking services do not check this offer: eligibility is "
        "confirmed from the evidence itself (the award, or the provider, as the offer's rules "
        "say), never by this workbook."
    )
    funded = already_funded_words(listed["initiative"])
    meanings = decision_meanings(listed["initiative"])
    read = ["tier"]
    if "eligibility_group" in locked:
        read.append("group ('eligibility_group': the reasons say which)")
    if "age_group" in locked:
        read.append("age group ('age_group': the reasons say what it means)")
    read += ["reasons", "evidence", "any earlier decisions"]
    if "dfe_checks" in locked:
        read.append(
            "any answer from DfE's eligibility checking service ('dfe_checks': evidence, not "
            "a decision)"
        )
    return [
        (f"Review list: {title}", True),
        (
            f"{rows} children, found with the rules {listed['rule_set']} (run "
            f"{listed['run_id']}). Exported on {exported} from the workbench's review store "
            f"(list {listed['list_id']}). Who each child is comes from the data folder the "
            "list was made from, read when this workbook was written; opening it counts as "
            "viewing every child in it.",
            False,
        ),
        *([("Check the rules first", True), (caution, False)] if caution else []),
        *(
            [("Already funded is not known", True), (PLACES_NOT_KNOWN_ABOUT, False)]
            if places_not_known
            else []
        ),
        *(
            [
                ("A later list of this offer exists", True),
                (
                    f"{later} Each child not on it is marked so in 'later_list'; deciding "
                    "about one is not refused (you may have reasons), but check first.",
                    False,
                ),
            ]
            if later
            else []
        ),
        (heading, True),
        *([(so_far, False)] if so_far else []),
        (
            "Every row is a child the workbench thinks may be eligible, with the reasons and "
            "the evidence it found. That is a suggestion, not a decision: only the decision you "
            f"record here, once imported, moves a family on. {confirmed}",
            False,
        ),
        *(
            [("What already_funded means here", True), (f"'already_funded': {funded}.", False)]
            if funded and "already_funded" in locked
            else []
        ),
        ("What to do", True),
        (
            f"1. Read each row: {', '.join(read)}, when the family was already sent for "
            "contact ('outreach_sent') and whether the child is missing from a later list of "
            "the offer ('later_list').",
            False,
        ),
        ("2. Choose a decision from the drop-down in the yellow 'decision' column.", False),
        (
            "3. Type your name in 'reviewer' (or leave it empty): the name you import with.",
            False,
        ),
        (f"4. Write a reason in 'reason'. It is required for {reason_needed}.", False),
        ("5. Leave 'decision' empty for a child you have not reviewed: the row is skipped.", False),
        (
            "6. Save the file and import it: workbench review import FILE --store STORE "
            '--reviewer "Your Name". Importing the same file twice records nothing twice.',
            False,
        ),
        ("The decisions", True),
        *[(f"{name}: {meaning}", False) for name, meaning in meanings.items() if name in offered],
        ("Please do not", True),
        (
            "Change the grey columns, add rows or copy rows. The import checks every row first; "
            "if any row has a problem it records nothing and lists each problem by row and column.",
            False,
        ),
        ("Personal data", True),
        (
            "This file names children. Keep it on council systems, do not email it outside the "
            "service, and delete it once it has been imported.",
            False,
        ),
    ]


def _write_about_sheet(
    book: xlsxwriter.Workbook,
    sheet: Worksheet,
    listed: dict[str, Any],
    rows: int,
    exported: str,
    title: str,
    caution: str | None = None,
    decided: int = 0,
    elsewhere: int = 0,
    links: str | None = None,
    later: str | None = None,
    places_not_known: bool = False,
    layout: WorkbookLayout | None = None,
) -> None:
    heading = book.add_format({"bold": True, "font_size": 12})
    body = book.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 110)
    lines = _about_lines(
        listed, rows, exported, title, caution, decided, elsewhere, links, later,
        places_not_known, layout,
    )  # fmt: skip
    for number, (text, is_heading) in enumerate(lines):
        sheet.write_string(number, 0, text, heading if is_heading else body)
    sheet.protect()


def _decision_validation(decisions: tuple[str, ...] = DECISIONS) -> dict[str, Any]:
    return {
        "validate": "list",
        "source": list(decisions),
        "input_title": "Your decision",
        "input_message": f"Choose one of: {', '.join(decisions)}. Leave empty if not reviewed.",
        "error_title": "Not a decision",
        "error_message": f"The decision must be one of: {', '.join(decisions)}.",
    }


# --- export ------------------------------------------------------------------------------
def _decision_line(row: dict[str, Any], list_id: str) -> str:
    # The decision in words, as the review panel says it (`decision_label`).
    text = f"{decision_label(row['decision'])} by {row['reviewer']} on {row['decided_at'][:10]}"
    if row["reason"]:
        text += f": {row['reason']}"
    if row["list_id"] == list_id:
        return text + " (this list)"
    # The run names the list: two lists of one day (a re-run) are told apart by it.
    made = row["list_created_at"][:10]
    return text + f" ({row['initiative']} list of {made}, run {row['run_id']})"


def earlier_decisions_text(
    store: ReviewStore,
    list_id: str,
    item_keys: list[str],
    dwp_keys: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every decision about these children so far, latest first, one line each.

    Decisions on other lists (last term's, and a re-run's made since, whose outcome would
    stand over one recorded here) and on this list itself are all shown.
    `dwp_keys` gives, for an item that is a council child with a DWP-list row, the key the
    row had while it was listed on its own: the decisions about it then (a `link_confirmed`
    above all, which made the two one row) are shown too, marked as the DWP-list row's.
    """
    aliases = {dwp: item for item, dwp in (dwp_keys or {}).items() if dwp != item}
    asked = [*item_keys, *aliases]
    earlier = store.earlier_decisions(asked).filter(pl.col("list_id") != list_id)
    here = store.decisions(list_id, asked).join(
        store.lists().select("list_id", "run_id", "initiative", "created_at"), on="list_id"
    )
    here = here.rename({"created_at": "list_created_at"}).select(earlier.columns)
    lines: dict[str, list[str]] = {}
    for row in pl.concat([earlier, here]).sort("seq", descending=True).iter_rows(named=True):
        line = _decision_line(row, list_id)
        if row["item_key"] in aliases:
            line = f"as the DWP-list row: {line}"
        lines.setdefault(aliases.get(row["item_key"], row["item_key"]), []).append(line)
    return {item: _fit_cell("\n".join(found)) for item, found in lines.items()}


CELL_MAX_CHARS = 32_767
"""The most characters a spreadsheet cell holds (Excel's limit; XlsxWriter cuts the rest)."""
CUT_MARK = "\n... (cut: see the review store for the rest)"


def _fit_cell(text: str) -> str:
    """`text` whole when a cell holds it, else cut to fit with `CUT_MARK` at its end, so a cut
    is never silent (the newest lines come first, and stay).

    >>> _fit_cell("a" * 40_000).endswith("(cut: see the review store for the rest)")
    True
    >>> len(_fit_cell("a" * 40_000)) == CELL_MAX_CHARS, _fit_cell("moved")
    (True, 'moved')
    """
    if len(text) <= CELL_MAX_CHARS:
        return text
    return text[: CELL_MAX_CHARS - len(CUT_MARK)] + CUT_MARK


def outreach_sent_text(
    store: ReviewStore,
    list_id: str,
    item_keys: list[str],
    dwp_keys: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """When each of these children was sent for contact, newest first, one line each: every
    outreach export of a list of the offer that sent the child (`ReviewStore.outreach_exported`),
    as `workbench review outreach` counts them (an export whose file was replaced before it
    was sent does not). `dwp_keys` as for `earlier_decisions_text`: a send of the child's
    DWP-list row, while it was listed on its own, is shown too, marked as the row's."""
    lists = store.lists()
    initiative = lists.filter(pl.col("list_id") == list_id)["initiative"].item()
    offer = lists.filter(pl.col("initiative") == initiative).select(
        "list_id", "run_id", pl.col("created_at").alias("list_created_at")
    )
    aliases = {dwp: item for item, dwp in (dwp_keys or {}).items() if dwp != item}
    sent = (
        store.outreach_exported()
        .filter(~pl.col("replaced"), pl.col("item_key").is_in([*item_keys, *aliases]))
        .join(offer, on="list_id", maintain_order="left")
        .sort("export_seq", descending=True, maintain_order=True)
    )
    lines: dict[str, list[str]] = {}
    for row in sent.iter_rows(named=True):
        made = row["list_created_at"][:10]
        where = "this list" if row["list_id"] == list_id else f"list of {made}, run {row['run_id']}"
        line = (
            f"sent for contact on {long_date(date.fromisoformat(row['exported_at'][:10]))} by "
            f"{row['exported_by']} (outreach export {row['export_seq']}, {where})"
        )
        if row["item_key"] in aliases:
            line = f"as the DWP-list row: {line}"
        lines.setdefault(aliases.get(row["item_key"], row["item_key"]), []).append(line)
    return {item: "\n".join(found) for item, found in lines.items()}


_NO_DETAILS = "(not read: no data folder given)"


def _who(details: ChildDetails | None, item_key: str) -> dict[str, str]:
    """Who the child is, as the workbook's cells show it."""
    found = details.row(item_key) if details else None
    if found is None:
        blank = _NO_DETAILS if details is None else "(not found in the data folder)"
        return {"child_name": blank} | dict.fromkeys(
            ("date_of_birth", "age_on_first_day_of_term", "parent_carers", "address",
             "postcode", "area", "other_children_in_household"),
            "",
        )  # fmt: skip
    return {
        "child_name": found["child_name"] or "",
        "date_of_birth": long_date(found["date_of_birth"]),
        "age_on_first_day_of_term": found["age"] or "",
        "parent_carers": found["parent_carers"] or "none recorded",
        "address": found["address"] or "",
        "postcode": found["postcode"] or "",
        "area": found["postcode_district"] or "",
        "other_children_in_household": found["household_children"] or "",
    }


def _dfe_checks_text(
    results: pl.DataFrame, list_id: str, groups: dict[str, str | None]
) -> dict[str, str]:
    """Per child (item key), DfE's checks as the workbook shows them, in the review panel's
    order: what the newest result means for the officer (starting with where DfE's tier
    differs from the child's group on the list, `groups`), the newest result, then the
    earlier results (`ReviewStore.initiative_check_results` rows: a result from another
    list's export of the offer says which list)."""
    text = {}
    for (item_key,), rows in results.partition_by("item_key", as_dict=True).items():
        (newest, *earlier), advice = check_result_lines(rows, list_id, groups.get(item_key))
        lines = [advice] if advice else []
        text[item_key] = "\n".join([*lines, newest, *(f"Before: {e}" for e in earlier)])
    return text


def _sheet_rows(
    store: ReviewStore,
    list_id: str,
    candidates: pl.DataFrame,
    words: _RuleWords,
    key: bytes,
    details: ChildDetails | None = None,
    later: LaterList | None = None,
    places_not_known: bool = False,
) -> list[dict[str, str]]:
    """The locked values of every row, as the text the workbook shows (`later`: the offer's
    later list, whose absentees' `later_list` cell says so; `places_not_known`: the
    headcount held no places for the term, so `already_funded` says "not known", not "no")."""
    item_keys, dwp_keys = candidates["item_key"].to_list(), dwp_row_keys(candidates, key)
    earlier = earlier_decisions_text(store, list_id, item_keys, dwp_keys)
    sent = outreach_sent_text(store, list_id, item_keys, dwp_keys)
    # DfE's answers about the same children from other lists of the offer too (a re-run's
    # list shows the checks made from the first), as `earlier_decisions` shows decisions.
    groups = (
        dict(zip(item_keys, candidates["eligibility_group"].to_list(), strict=True))
        if "eligibility_group" in candidates.columns
        else {}
    )
    checks = _dfe_checks_text(store.initiative_check_results(list_id), list_id, groups)
    rows = []
    for row in candidates.iter_rows(named=True):
        proofs = evidence_lines(row["evidence"], words.rule_set, details)
        rows.append(
            {
                "item_key": row["item_key"],
                "person_id": row["person_id"] or "",
                "dwp_record_id": row["dwp_record_id"] or "",
                **_who(details, row["item_key"]),
                "tier": row["tier"],
                "eligibility_group": row.get("eligibility_group") or "",
                "age_group": row.get("age_group") or "",
                "reasons": reasons_text(
                    row["reason_codes"],
                    words,
                    row["tier"],
                    row.get("eligibility_group") or "",
                    row.get("age_group") or "",
                ),
                "evidence": "\n".join(proofs),
                "eligible_from": long_date(row["eligible_from"]),
                "already_funded": (
                    "yes" if row["already_funded"] else ("not known" if places_not_known else "no")
                ),
                "working_parent_place": "yes" if row.get("working_parent_place") else "no",
                "later_list": (
                    later.caution() if later and row["item_key"] in later.not_on_it else ""
                ),
                "record_link": record_link_text(
                    row,
                    details.probable_match(row["item_key"]) if details else None,
                    details.link_note(row["item_key"]) if details else None,
                ),
                "earlier_decisions": earlier.get(row["item_key"], ""),
                "dfe_checks": checks.get(row["item_key"], ""),
                "outreach_sent": sent.get(row["item_key"], ""),
                "reason_codes": ";".join(row["reason_codes"]),
                "evidence_as_written": row["evidence"] or "",
            }
        )
    return rows


def _check_same_list(store: ReviewStore, list_id: str, candidates: pl.DataFrame) -> None:
    stored = set(store.items(list_id)["item_key"].to_list())
    given = candidates["item_key"].to_list()
    if set(given) != stored or len(given) != len(stored):
        raise WorkbenchError(
            f"the candidate list given has {len(given)} rows but list {list_id} holds "
            f"{len(stored)} children, {len(stored - set(given))} of them not in the rows given; "
            "expected the same list that was registered (export the list file of that run)"
        )


def _check_destination(path: Path, overwrite: bool) -> None:
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"--out must end in .xlsx; got {path.name!r}")
    check_folder_for(path)
    if path.exists() and not overwrite:
        raise UsageError(
            f"{path} already exists and may hold an officer's decisions; choose another name, "
            "or pass --overwrite to replace it"
        )


def export_review_workbook(
    store: ReviewStore,
    list_id: str,
    candidates: pl.DataFrame,
    path: str | Path,
    *,
    key: bytes,
    user: str | None = None,
    overwrite: bool = False,
    not_listed: pl.DataFrame | None = None,
    details: ChildDetails | None = None,
    places_not_known: bool = False,
) -> Path:
    """Write the review workbook of a stored list, owner-only (mode 0600).

    Parameters
    ----------
    store, list_id
        The store and the list (from :func:`workbench.review.lists.register_list`).
    candidates
        The candidate list the store's list was registered from (engine frame or read back
        from CSV/parquet): it gives the ids and evidence the store does not hold.
    path
        The ``.xlsx`` to write; an existing file is refused unless ``overwrite``.
    key
        The pseudonym key (:func:`workbench.review.load_key`); it also seals each row.
    user
        Who exported, for the store's access log (default: `WORKBENCH_USER`, else the login name).
        A name given that names no one (``admin``, ``n/a``, a single letter) is refused,
        saying why, before anything is written or logged, as `WORKBENCH_USER` is
        (`workbench.review.schema.recorded_user`).
    not_listed
        The DWP-list rows the list does not carry, with their reasons (`ListFile.not_listed`):
        shown, read-only, on their own sheet so that a date of birth typed wrong on either
        side is seen by a person.
    details
        Who each child is (:func:`workbench.review.details.read_child_details`); without it
        those columns say they were not read. Writing them counts as a view of every child
        (one ``review view`` line each in the store's access log).
    places_not_known
        True when the providers' headcount the list was made from held no funded place for
        its term (`workbench.review.list_data.places_not_known`, as the outreach export's
        caution): ``already_funded`` says "not known", and the About sheet (opened first)
        says why.

    Returns
    -------
    Path
        The workbook written.
    """
    user = recorded_user(user, "export_review_workbook")
    path = Path(path)
    _check_destination(path, overwrite)
    shaped = review_candidates(candidates, key).with_columns(
        working_parent_flags(candidates),
        *record_link_columns(candidates),
        *group_columns(candidates),
    )
    _check_same_list(store, list_id, shaped)
    listed = store.lists().filter(pl.col("list_id") == list_id).row(0, named=True)
    # Thresholds as they stood when the list was stored (close to the run's evidence date).
    words = _rule_words(listed["initiative"], date.fromisoformat(listed["created_at"][:10]))
    layout = workbook_layout(
        listed["initiative"], words.rule_set, bool(shaped["dwp_record_id"].is_not_null().any())
    )
    # The last decision seen, read before the rows show the decisions: one recorded while
    # they are built comes after it, so a row about that child is stale when imported
    # (read after, it would be neither shown nor stale, and the workbook could override it).
    # The store's last, not this list's: the import also counts a decision on another list
    # of the offer after it (`ReviewStore.decided_since`), and the workbook shows those
    # recorded before it in `earlier_decisions`, as the review panel does.
    decided_upto = store.last_seq()
    progress = store.progress(list_id)
    decided, links = progress["decided"], links_decided_text(progress["by_decision"])
    elsewhere = decided_elsewhere(store, list_id)
    later = later_list(store, list_id)  # a re-run's list since: its absentees are marked
    rows = _sheet_rows(store, list_id, shaped, words, key, details, later, places_not_known)
    title = details.title if details else listed["initiative"].replace("_", " ")
    # The file's name too: subject access names the workbook that held a person, and says
    # which file to look for when it is not given (`workbench.governance.subject_access`).
    logged = [("review export", f"list {list_id}: {len(rows)} rows exported to {path.name}")]
    if details is not None:  # the workbook shows every child: each counts as viewed
        for row in shaped.select("item_key").iter_rows(named=True):
            logged.append((VIEW_COMMAND, view_detail(list_id, row)))
    # Logged before the workbook exists: when the log cannot be written, no workbook naming
    # children is left behind unrecorded.
    store.log_accesses(user, logged)
    private_folder_for(path)  # a new folder for a workbook naming children is made owner-only
    write_private(
        path,
        lambda temporary: _write_workbook(
            temporary,
            listed,
            rows,
            key,
            decided_upto,
            not_listed,
            title,
            details.caution if details else None,
            decided,
            elsewhere,
            links,
            later.banner(len(rows)) if later else None,
            places_not_known,
            layout,
        ),
    )
    return path


def _write_workbook(
    path: Path,
    listed: dict[str, Any],
    rows: list[dict[str, str]],
    key: bytes,
    decided_upto: int,
    not_listed: pl.DataFrame | None = None,
    title: str = "",
    caution: str | None = None,
    decided: int = 0,
    elsewhere: int = 0,
    links: str | None = None,
    later: str | None = None,
    places_not_known: bool = False,
    layout: WorkbookLayout | None = None,
) -> None:
    layout = layout or workbook_layout(listed["initiative"], None, dwp_rows=True)
    options = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(str(path), options) as book:
        review = book.add_worksheet(REVIEW_SHEET)
        info = book.add_worksheet(ABOUT_SHEET)
        if not_listed is not None:
            _write_not_listed_sheet(book, book.add_worksheet(NOT_LISTED_SHEET), not_listed)
        meta = book.add_worksheet(META_SHEET)
        _write_review_sheet(book, review, listed["list_id"], rows, key, layout)
        exported = datetime.now(UTC).date().isoformat()
        _write_about_sheet(
            book, info, listed, len(rows), exported, title, caution, decided, elsewhere, links,
            later, places_not_known, layout,
        )  # fmt: skip
        # Format 8 names its locked columns, and its seal binds them.
        named = layout.locked if layout.format == LAYOUT_FORMAT else None
        meta.write_string(0, 0, "format")
        meta.write_string(0, 1, layout.format)
        meta.write_string(1, 0, "list_id")
        meta.write_string(1, 1, listed["list_id"])
        meta.write_string(2, 0, "decided_upto")
        meta.write_string(2, 1, str(decided_upto))
        meta.write_string(3, 0, "seal")
        meta.write_string(3, 1, export_seal(key, listed["list_id"], decided_upto, named))
        meta.write_string(4, 0, "exported_at")  # for retention (`review_workbooks`)
        meta.write_string(4, 1, exported)
        if named is not None:
            meta.write_string(5, 0, "columns")
            meta.write_string(5, 1, ",".join(named))
        meta.protect()
        meta.very_hidden()
        # Opened at the About sheet when the whole list needs a word first (`rules_caution`,
        # or a later list of the offer).
        (info if caution or later or places_not_known else review).activate()


def _write_review_sheet(
    book: xlsxwriter.Workbook,
    sheet: Worksheet,
    list_id: str,
    rows: list[dict[str, str]],
    key: bytes,
    layout: WorkbookLayout,
) -> None:
    header = book.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True})
    header_edit = book.add_format({"bold": True, "bg_color": "#FFE699", "border": 1})
    locked = book.add_format({"valign": "top", "font_color": "#404040"})
    locked_wrap = book.add_format({"valign": "top", "text_wrap": True, "font_color": "#404040"})
    editable = book.add_format({"valign": "top", "locked": False, "bg_color": "#FFF2CC"})
    editable_wrap = book.add_format(
        {"valign": "top", "locked": False, "bg_color": "#FFF2CC", "text_wrap": True}
    )
    columns = layout.columns
    widths = LOCKED_COLUMNS | GROUP_COLUMNS | EDITABLE_COLUMNS | {CHECKSUM_COLUMN: 10}
    for number, name in enumerate(columns):
        is_editable = name in EDITABLE_COLUMNS
        wrap = name in WRAPPED
        cell = (editable_wrap if wrap else editable) if is_editable else None
        options = {"hidden": True} if name == CHECKSUM_COLUMN else {}
        sheet.set_column(number, number, widths[name], cell, options)
        sheet.write_string(0, number, name, header_edit if is_editable else header)
    for index, values in enumerate(rows, start=1):
        for number, name in enumerate(layout.locked):
            style = locked_wrap if name in WRAPPED else locked
            # An empty value is a blank cell (as Excel saves one); the import reads both as "".
            if values[name]:
                sheet.write_string(index, number, values[name], style)
            else:
                sheet.write_blank(index, number, None, style)
        for name in EDITABLE_COLUMNS:
            number = columns.index(name)
            sheet.write_blank(index, number, None, editable_wrap if name in WRAPPED else editable)
        sheet.write_string(
            index,
            columns.index(CHECKSUM_COLUMN),
            row_checksum(key, list_id, values, layout.locked),
        )
    last = len(columns) - 2  # the filter covers every column but the hidden checksum
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), last)
    if rows:
        column = columns.index("decision")
        sheet.data_validation(1, column, len(rows), column, _decision_validation(layout.decisions))
    # No sorting: on a protected sheet Excel sorts only a range without locked cells, so the
    # one sort it would allow moves the decisions away from their children (a tester's case:
    # three decisions imported onto three other children, without a word). Filtering is safe.
    sheet.protect(
        "",
        {
            "autofilter": True,
            "sort": False,
            "format_columns": True,
            "format_rows": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )


NOT_LISTED_SHEET = "DWP rows not listed"
NOT_LISTED_COLUMNS = ("record_id", "child_date_of_birth", "eligible_from", "eligible_to", "reason")


def _write_not_listed_sheet(
    book: xlsxwriter.Workbook, sheet: Worksheet, not_listed: pl.DataFrame
) -> None:
    """The DWP-list rows not on the list, read-only: what a person should look at."""
    heading = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    count = not_listed.height
    sheet.write_string(
        0,
        0,
        f"{count} row(s) of the DWP list are not on this list, each with its reason. Most are "
        "children not yet (or no longer) in the age window by the date of birth the DWP gives; "
        "where that date looks wrong, check it with the family. Nothing here is decided."
        if count
        else "Every row of the DWP list is on this list.",
    )
    columns = [c for c in NOT_LISTED_COLUMNS if c in not_listed.columns]
    for number, name in enumerate(columns):
        sheet.set_column(number, number, 70 if name == "reason" else 18)
        sheet.write_string(2, number, name, heading)
    for index, row in enumerate(not_listed.select(columns).iter_rows(), start=3):
        for number, value in enumerate(row):
            sheet.write_string(index, number, "" if value is None else str(value), wrap)
    sheet.protect()


def export_list_file(
    store: ReviewStore,
    list_file: str | Path,
    out: str | Path,
    *,
    key: bytes,
    user: str | None = None,
    overwrite: bool = False,
    data: str | Path | None = None,
) -> tuple[str, Path]:
    """What `workbench review export` does: register a list written by `assess` from its
    manifest (when not registered yet) and write its review workbook, with who each child
    is read from ``data`` (by default the data folder the manifest names; refused when its
    files are not the ones the list was made from). A ``user`` given that names no one is
    refused before the list is registered (`export_review_workbook`), as is an ``out`` that
    is there already (without ``overwrite``) before any personal data is read.

    Returns the ``list_id`` and the workbook's path.
    """
    user = recorded_user(user, "export_list_file")
    _check_destination(Path(out), overwrite)
    details = read_child_details(read_list_file(list_file), key, data)
    unknown = _places_not_known(list_file, data)
    list_id, listed = register_list_file(store, list_file, key)
    written = export_review_workbook(
        store,
        list_id,
        listed.candidates,
        out,
        key=key,
        user=user,
        overwrite=overwrite,
        not_listed=listed.not_listed,
        details=details,
        places_not_known=unknown,
    )
    return list_id, written


def _places_not_known(list_file: str | Path, data: str | Path | None) -> bool:
    """`workbench.review.list_data.places_not_known` for a list file and its data folder."""
    listed = read_list_file(list_file)
    return places_not_known(list_data_folder(listed, data), listed)
