"""Subject access: everything the workbench holds about one person, for the DP team.

`subject_access` answers a request in one of four forms:

- a council person id (see :func:`find_person` to find it by name and date of birth): their
  records, plus the rows of the DWP list about them as the child (linked to them by the exact
  linkage, :func:`workbench.linkage.link_exact`, or named with them on a list searched) and the
  rows naming them as the parent (the row's `parent_nino` is their NINO, and its
  `parent_surname` their surname, case and spaces aside: a row with their NINO under another
  surname is withheld, and a note for the DP team, not for release, names it);
- the DWP record ids of a child on the DWP list who is matched to no one in the people file
  (see :func:`find_dwp_child` to find them by name and date of birth): such a child has no
  person id, but the workbench holds their row and may have listed them under its record id;
- a parent's or carer's NINO, for a parent known only from the DWP list: the rows naming them;
- names and a date of birth (:class:`NameSearch`), found as :func:`find_subject` finds them
  (refused, naming each, when two could be meant). When no one in the people file or the DWP
  list has them, the answer says "nothing held" and exactly what was searched (the names, the
  date of birth, the data folder's files, the lists and store given), as the record that the
  search was made.

For the subject it gathers:

1. their own rows of the council's data that the workbench reads (`people`, `benefits`,
   `child_statuses`, their household's row of `households`, their funded places, and the DWP
   list): every column the workbench holds about a person, never the special-category ones
   (read only in aggregate, for equality monitoring); of the DWP list, the columns it reads;
2. every candidate list they appeared on (from the list files and their manifests): the
   tier, the reasons in plain English from the rule file, the evidence, the flags. The lists
   searched are those given and every list under the reports folder given (`reports`: a file
   with its ``.manifest.json`` beside it, as retention finds them); the answer names each, and
   each list it knows of but did not search: one found there that cannot be read, and each list
   the review store registers (its `lists` table records the run id and initiative, never the
   file's path) that no list searched is, with whether the store holds an item about them on
   it and how to give its file. Only the lists whose rows name them show their data;
3. the lists where their own records (awards, a DWP-list row naming them as the parent, or
   their household's circumstances) were used as evidence about a child in their household
   (the child is not named);
4. from the review store (found by the pseudonymous keys of their person id and of their
   DWP-list rows as the child): the items held about them and every decision, with the
   reviewer and the time; who opened their details in review, and who opened another child's
   details that showed theirs (a parent's or carer's name and address beside each child of the
   household; a child's name and age beside a brother's or sister's), and who opened the details
   of a DWP-list row awaiting a link review that showed them as the child proposed as its match
   (or as a parent or carer of that child: the record link names the child and their parents
   or carers), or named them in why its link was held (the row withheld, found by the row's
   item key that the view logs, with the `probable_person_id` and `held_because` of the lists
   searched or the store's `proposed_key` and `held_because`, which the store keeps for a list
   registered since it was at schema version 11); and each row of a DfE
   eligibility check about them (resting on their item as the child, or holding their own
   details as the parent, found by the keyed pseudonym a check export gives a parent's
   surname, date of birth and NINO), with DfE's answer: the file sent to DfE that held the
   row (``NAME-part1.csv``, ..., named as the store's access log records the export) and who
   exported it, and DfE's results file each answer was read from (its name and SHA-256, as
   the store records the import), who imported it and when. The enhanced free-school-meals
   template keys the child's details with the parent's, so such a row is found from the
   child's side only;
5. every outreach export that named them, as the child or as a parent or carer of a child in
   it: which file, when, by whom, on which decision. From the export files given (or found
   beside the lists searched) and, from the store's access log, the exports it records, worked
   out from the decisions the store held when each was made when its file is not given;
6. every DfE eligibility check export whose ``NAME.not_checkable.csv`` names them as a child
   who could not be checked, with the reason (and, to a parent or carer of such a child, a
   reason about a parent's or carer's details, the child withheld): which file, which export,
   when and by whom (its sidecar ``NAME.check.json``, else the store's record of the export).
   From the check exports given (any of their files) or found beside the lists searched; the
   sidecar lists the same rows when the file is gone. The store records only how many
   children an export could not check, so an export of a list holding them whose file was not
   searched is named, with its file's name, to be looked at;
7. every review workbook export (`workbench review export`) that held them: their own row (the
   child), or their name beside a child of their household (a parent or carer, another child
   of the household, the parent named on a DWP-list row), their name in the record link of a
   DWP-list row awaiting a link review as the child proposed as its match (or a parent or
   carer of that child; the row withheld), or their DWP-list row on its sheet of rows not
   listed: which file, when, by whom (the store's access log), and what it held,
   from the file when given (or found beside the lists searched: their row's cells, other
   people withheld), else from the store (the children of its list, and whether who they are
   was read: the views logged with the export). An export whose list the store no longer
   holds is named, with its file, as one that cannot be answered from the store.

After retention has removed part of the store (`ReviewStore.apply_retention`), the export never
says "none" or "not yet" where what was removed may have been about the subject: it names a
decision about them that a record the store keeps still names (a check export's row: the
child's key and the decision it rested on), says of each run of decisions removed (a chain
checkpoint) how many went and when, of each list whose items went whether it held them (when a
kept record says so), of DfE's answers removed when, and names each outreach or check export
whose record of the children in it went, for its file to be given.

The DWP list is restricted to early years purposes (Childcare Act 2006, s. 13B); answering a
subject access request about its rows is a legal duty, so it is read here, but only the
subject's rows are written.

Nothing about anyone else is written: a parent or carer in a child's evidence appears only as
"a parent/carer (id withheld)", and a child in a parent's evidence as "a child in their
household (id withheld)". The export says so, and says what the DP team must check before
release. The main file is Markdown (``.md``) or HTML (``.html``), with a CSV appendix beside it
(``<name>.md-appendix.csv`` or ``<name>.html-appendix.csv``: one row per fact); both are
written owner-only (0600). An export never replaces an earlier answer (or its appendix)
unless asked to (`overwrite`), and is never written into the data folder.

This module holds the entry point and sections 1 to 4 of the export (the council's data, the
lists, the review store). Finding the subject (the request forms, :func:`find_person`,
:func:`find_dwp_child`) is in `_sar_subject`, with what the sections share about other people
(the words for a person withheld, a child's evidence with other people's ids withheld); the
export files searched (outreach exports, DfE check exports, review workbooks) and sections 5 to
7, what each held about the subject, are in `_sar_exports`; the document, its renderers and
the owner-only writing (:func:`appendix_path`) are in `_sar_document`. The public names
:func:`find_person`, :func:`find_dwp_child`, :func:`find_subject` and :func:`appendix_path` are
re-exported here, so existing imports from this module keep working.

Example
-------
>>> subject_access("P000123", data=Path("data"), lists=[Path("restricted/two_year_old.csv")],
...                store=Path("review.sqlite"), key=load_key(), out=Path("sar.md"))
... # doctest: +SKIP
PosixPath('sar.md')
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from workbench.data.reading import LoadedData, load_folder
from workbench.eligibility.assess import partly_met
from workbench.errors import DataFileError, UsageError, WorkbenchError
from workbench.governance._sar_document import (
    SarDocument,
    appendix_path,
    day_text,
    sar_html,
    sar_markdown,
    when_text,
)
from workbench.governance._sar_exports import (
    CheckFile,
    OutreachFile,
    Proposal,
    WorkbookFile,
    check_export_names,
    check_files,
    not_checkable_section,
    outreach_files,
    outreach_section,
    proposal_index,
    search_not_checkable,
    search_outreach,
    search_workbooks,
    workbook_files,
    workbook_section,
)
from workbench.governance._sar_subject import (
    AS_HELD_NAMED,
    CARER_AWARD,
    DWP_ADDRESS,
    DWP_TABLE,
    PLACES_TABLE,
    SHOWN_AS,
    SUBJECT_TABLES,
    WITHHELD_CARER,
    WITHHELD_CHILD,
    Listed,
    NameSearch,
    Subject,
    checked_request,
    find_dwp_child,
    find_person,
    find_subject,
    held_names,
    on_day,
    own_evidence,
    own_held,
    read_lists,
    resolve,
    subject_named,
)
from workbench.governance.access import current_user
from workbench.governance.retention import list_files
from workbench.private_files import check_folder_for, private_folder_for, write_private
from workbench.review.chain import Checkpoint
from workbench.review.checks import (
    PARENT_DOB,
    PARENT_LAST_NAME,
    PARENT_NINO,
    TEMPLATES,
    row_key,
)
from workbench.review.details import VIEW_COMMAND, VIEW_DETAIL, link_method_text
from workbench.review.store import ReviewStore
from workbench.rules import load_rule_set
from workbench.spreadsheet import neutralised

__all__ = [
    "SUBJECT_TABLES",
    "NameSearch",
    "appendix_path",
    "check_answer_path",
    "find_dwp_child",
    "find_person",
    "find_subject",
    "subject_access",
]

# What each side of a DWP-list row may see of it: the other side is withheld.
DWP_CHILD_COLUMNS = ("record_id", "child_forename", "child_surname", "child_date_of_birth")
DWP_PARENT_COLUMNS = ("record_id", "parent_forename", "parent_surname", "parent_nino")
OUT_SUFFIXES = (".md", ".html")
_DWP_PROOF = re.compile(r"^([^:]+): DWP list row (.+)$")
_HOUSEHOLD_PROOF = re.compile(r"^([^:]+): households row (.+)$")
THIRD_PARTY_NOTE = (
    "Other people appear only as “a parent/carer (id withheld)” or “a child in their household "
    "(id withheld)”: their ids, names and records are not in this export. If the data "
    "protection team decides that some third-party information should be disclosed (UK GDPR "
    "Art. 15(4); Data Protection Act 2018, Sch. 2, Part 3, para. 16), it must be prepared "
    "separately: ask the workbench's operator, who can look it up with the same commands."
)
CHECK_NOTES = (
    "Reviewers' reasons are free text written by officers: read them before release, as they "
    "may mention other people.",
    "Reviewers are council officers, named as recorded; the team decides whether to release "
    "staff names.",
    "The special-category columns (sex, ethnicity, first_language) are never read about one "
    "person: the workbench uses them only in aggregate, for equality monitoring. The council's "
    "source system holds them.",
    "The DWP list may be used only for early years purposes (Childcare Act 2006, s. 13B): it "
    "was read here to answer this request, and shows only the person's own side of each row "
    "(a child's names and date of birth, or a parent's names and NINO) and its address lines "
    "and postcode (review shows the address of a child known only from the list, and an "
    "outreach export its first line). The DWP extract also holds the list date, which the "
    "workbench reads only to check the row.",
    "A DWP-list row is found as a child's when the exact linkage ties it to them, when a list "
    "searched named it with them, or when it was asked for by record id (a child matched to no "
    "council record); as a parent's when its parent NINO is theirs (and, for someone in the "
    "people file, its parent surname is theirs too: a row with their NINO under another "
    "surname is withheld, for the team to check). A row about the person "
    "that no exact rule ties to them (a misspelt name, a missing NINO) is not found: search the "
    "DWP list by name and date of birth too.",
    "A funded place (the providers' headcount) is found as a child's when the exact linkage "
    "ties it to them (names and date of birth, and the postcode when several children agree) "
    "or a list searched named it as evidence about them. A place that no exact rule ties to "
    "them (a misspelt name) is not found: search the headcount by name and date of birth too.",
    "Their household's row of the households file (no recourse to public funds, income, "
    "savings) is about everyone in the household: decide whether releasing it tells the "
    "requester something about another member that they do not already know.",
    "Rows of the data folder that failed validation (quarantined) are not read about anyone.",
    "A reason a child could not be checked with DfE that is about a parent's or carer's "
    "details (no National Insurance number, one not in its form, no date of birth, a surname "
    "DfE refuses) is shown to each parent or carer of the child: the file does not say which "
    "one it is about, so with two in the household it may be about the other: check before "
    "release.",
)


def _withheld_note(subject: Subject) -> list[str]:
    """The note, for the DP team, naming the DWP-list rows with the subject's NINO under
    another surname (withheld: they may be another family's)."""
    if not subject.withheld_as_parent:
        return []
    rows = subject.withheld_as_parent
    return [
        f"For the data protection team, not for release: {len(rows)} row(s) of the DWP list "
        f"({', '.join(rows)}) carry this person's National Insurance number as the parent's "
        "under another surname, and were withheld from this export (a NINO mistyped on either "
        "side would show another family's names and address): check them by hand, and add "
        "any that are theirs before release."
    ]


# --- the council's data -------------------------------------------------------------------------


def _council_records(doc: SarDocument, data: Path, subject: Subject) -> None:
    loaded = subject.loaded
    doc.heading(2, "1. The council's records that the workbench reads")
    doc.para(
        f"From the data folder {data} (every column the workbench holds about a person, but "
        "never the special-category ones; of the DWP list, the columns the workbench reads; "
        "files read: " + ", ".join(f.name for f in loaded.files()) + ")."
    )
    doc.heading(3, "people")
    if subject.person_id is None:
        doc.para(
            "This person was asked for as someone known only from the DWP list, not by a "
            "person id: the workbench's other records (people, benefits, child statuses, "
            "households, funded places) are keyed by person id, or linked to one, and were not "
            "searched. Ask by person id if they are in the people file."
        )
    else:
        _person_records(doc, loaded, subject.person_id)
        _household_record(doc, subject)
        _place_records(doc, subject)
    _dwp_records(doc, subject)


def _person_records(doc: SarDocument, loaded: LoadedData, person_id: str) -> None:
    people = loaded.tables["people"].filter(pl.col("person_id") == person_id)
    if people.height == 0:
        doc.para("No row of the people file has this person id.")
    for row in people.iter_rows(named=True):
        doc.fields("people", "people row", row)
    for table, noun in (("benefits", "award"), ("child_statuses", "status")):
        plural = {"award": "award(s)", "status": "status episode(s)"}[noun]
        doc.heading(3, table)
        if table not in loaded.tables:
            doc.para(f"The data folder has no {table} file.")
            continue
        own = loaded.tables[table].filter(pl.col("person_id") == person_id)
        if own.height == 0:
            doc.para(f"No {noun} is recorded for this person.")
        else:
            doc.para(f"{own.height} {plural} recorded for this person.")
            doc.table(table, noun, own)


def _household_record(doc: SarDocument, subject: Subject) -> None:
    """The row of the households file of the subject's household: its circumstances, read
    about each child of the household when assessing."""
    doc.heading(3, "households")
    households = subject.loaded.tables.get("households")
    if households is None:
        doc.para("The data folder has no households file.")
        return
    if subject.household_id is None:
        doc.para("This person has no household in the people file.")
        return
    own = households.filter(pl.col("household_id") == subject.household_id)
    if own.height == 0:
        doc.para(f"No row of the households file is about their household {subject.household_id}.")
        return
    doc.para(
        f"The circumstances recorded for their household {subject.household_id}, of which "
        "they are a member: assessing reads them about each child of the household (no "
        "recourse to public funds, within the income and savings limits)."
    )
    for row in own.iter_rows(named=True):
        doc.fields("households", "household row", row)


def _place_records(doc: SarDocument, subject: Subject) -> None:
    """The subject's funded places (the providers' headcount), with how each was found."""
    doc.heading(3, PLACES_TABLE)
    places = subject.loaded.tables.get(PLACES_TABLE)
    if places is None:
        doc.para(f"The data folder has no {PLACES_TABLE} file.")
        return
    own = places.filter(pl.col("record_id").is_in(list(subject.places))).sort(
        "term_start", "record_id"
    )
    if own.height == 0:
        doc.para(
            "No funded place was found for this person (none is linked to them by the exact "
            "linkage, and no list searched named one as evidence about them)."
        )
    else:
        how = [_how_place_found(subject.places[r]) for r in own["record_id"].to_list()]
        doc.para(f"{own.height} funded place(s) recorded for this person by providers.")
        doc.table(PLACES_TABLE, "funded place", own.with_columns(pl.Series("how found", how)))
    missing = sorted(set(subject.places) - set(places["record_id"].to_list()))
    if missing:
        doc.para(
            f"A list searched named funded place(s) {', '.join(missing)} as evidence about "
            f"them, but no row of the {PLACES_TABLE} file has that record id now."
        )


def _how_place_found(method: str | None) -> str:
    """How a funded place was tied to the child, in words."""
    if method is None:
        return "named as evidence about them on a list searched (linked when the list was made)"
    return f"linked to them because {link_method_text(method)}"


def _dwp_records(doc: SarDocument, subject: Subject) -> None:
    """The subject's rows of the DWP list: their own side of each row, the other withheld."""
    doc.heading(3, DWP_TABLE)
    if subject.dwp is None:
        doc.para("The data folder has no dwp_list file.")
        return
    sides = (
        ("as the child", subject.as_child, DWP_CHILD_COLUMNS, "parent", WITHHELD_CARER),
        ("as the parent", subject.as_parent, DWP_PARENT_COLUMNS, "child", WITHHELD_CHILD),
    )
    for side, records, columns, other, withheld in sides:
        rows = subject.dwp.filter(pl.col("record_id").is_in(list(records))).sort("record_id")
        if rows.height == 0:
            continue
        doc.para(f"{rows.height} row(s) of the DWP list about this person {side}.")
        shown = [c for c in (*columns, *DWP_ADDRESS, "postcode") if c in rows.columns]
        doc.table(DWP_TABLE, f"DWP row {side}", rows.select(*shown, pl.lit(withheld).alias(other)))
    if subject.withheld_as_parent:
        doc.para(
            f"{len(subject.withheld_as_parent)} other row(s) of the DWP list carry their "
            "National Insurance number as the parent's under another surname: withheld until "
            "the data protection team has checked them (see the notes above)."
        )
    elif not (subject.as_child or subject.as_parent):
        doc.para("No row of the DWP list was found about this person.")
    missing = sorted(set(subject.as_child) - set(subject.dwp["record_id"].to_list()))
    if missing:
        doc.para(f"No row of the DWP list has record id(s) {', '.join(missing)}.")


# --- lists --------------------------------------------------------------------------------------


def _reasons(rule_ref: str, codes: list[str], as_of: str | None) -> list[str]:
    """Each reason code with its plain-English sentence from the rule file."""
    initiative, _, version = rule_ref.partition("@")
    try:
        rules = load_rule_set(initiative)
        day = date.fromisoformat(as_of) if as_of else rules.valid_from
    except (WorkbenchError, ValueError):
        return [f"{code}" for code in codes]
    out = []
    for code in codes:
        try:
            sentence = rules.criterion(code).sentence(day)
        except WorkbenchError:
            sentence = "(no longer in the rule file)"
        out.append(f"{code}: {sentence}")
    if version and version != rules.version:
        out.append(f"(wording from rule file version {rules.version}; the list used {version})")
    return out


def _tier_text(rule_ref: str, tier: str) -> str:
    try:
        tiers = load_rule_set(rule_ref.partition("@")[0]).tiers
        return f"{tier}: {tiers[tier].strip()}" if tier in tiers else tier
    except (WorkbenchError, KeyError):
        return tier


def _partly_met_text(evidence: str | None) -> str:
    """For a child meeting no reason in full: what it meets in part, and what is missing.

    >>> _partly_met_text("no_care_leaver (no care before the order): status S1")
    'none in full (in part: no_care_leaver (no care before the order))'
    >>> _partly_met_text(None)
    'none'
    """
    partly = [f"{code} ({note})" for code, note in partly_met(evidence)]
    return f"none in full (in part: {'; '.join(partly)})" if partly else "none"


def _as_household_member(evidence: str | None, subject: Subject) -> list[str]:
    """The proofs in another child's evidence that are this person's: their awards, DWP-list
    rows naming them as the parent, and their household's circumstances; the child withheld."""
    out = []
    for proof in (evidence or "").split("; "):
        found = CARER_AWARD.search(proof)
        if found and subject.person_id is not None and found.group(2) == subject.person_id:
            code = proof.split(":", 1)[0]
            out.append(f"{code}: their award {found.group(1)}, for {WITHHELD_CHILD}")
        row = _DWP_PROOF.match(proof)
        if row and row.group(2) in subject.as_parent:
            out.append(
                f"{row.group(1)}: the DWP list row {row.group(2)} naming them as the parent, "
                f"for {WITHHELD_CHILD}"
            )
        home = _HOUSEHOLD_PROOF.match(proof)
        if home and subject.household_id is not None and home.group(2) == subject.household_id:
            out.append(
                f"{home.group(1)}: their household's circumstances (households row "
                f"{home.group(2)}), for {WITHHELD_CHILD}"
            )
    return out


@dataclass(frozen=True)
class StoredList:
    """A list the review store registers (its `lists` table: run id, initiative, when stored,
    how many items; never the file's path), and whether it holds an item about the subject
    (None when retention removed its items)."""

    run_id: str
    initiative: str
    created_at: str
    item_count: int
    items_removed_at: str | None
    holds_them: bool | None


@dataclass(frozen=True)
class KnownLists:
    """The lists the answer knows of besides those it read: the reports folder searched (None:
    none), the lists found there that could not be read (with why), and every list the review
    store registers (None: no store given)."""

    reports: Path | None = None
    unread: list[tuple[Path, str]] = field(default_factory=list)
    stored: list[StoredList] | None = None


def _stored_lists(store: Path, keys: list[str], key: bytes) -> list[StoredList]:
    """Every list the store registers, each with whether it holds an item about the subject."""
    out = []
    with ReviewStore(store, key=key) as review:
        for entry in review.lists().iter_rows(named=True):
            holds: bool | None = None
            if entry["items_removed_at"] is None:
                items = review.items(entry["list_id"])
                holds = not items.filter(pl.col("item_key").is_in(keys)).is_empty()
            out.append(
                StoredList(
                    entry["run_id"],
                    entry["initiative"],
                    entry["created_at"],
                    entry["item_count"],
                    entry["items_removed_at"],
                    holds,
                )
            )
    return out


_GIVE_LIST = "give its file with --list FILE, or the folder holding it with --reports DIR"


def _not_searched(stored: StoredList, reports: Path | None) -> tuple[str, str, str]:
    """A list the store registers that no list searched is: what it is, why it was not
    searched, and what it may hold about the subject, in words."""
    folder = reports.as_posix() if reports is not None else "reports"
    what = (
        f"the {stored.initiative} list of run {stored.run_id}, registered in the review store "
        f"on {day_text(stored.created_at)} ({stored.item_count} items)"
    )
    why = (
        "its file was not given or found: the store records no file's path (a report run "
        f"writes it as {folder}/<date>-<notebook>-{stored.run_id}/restricted/"
        f"{stored.initiative}_list.csv)"
    )
    if stored.holds_them is None:
        held = f"its items were removed under retention on {day_text(stored.items_removed_at)}"
        held += (
            ", so whether it held this person can be said only from its file, which may have "
            f"gone too: if it is still held, {_GIVE_LIST}"
        )
    elif stored.holds_them:
        held = (
            "the store holds an item about this person on it (section 4 shows it); the file "
            "holds more (the reasons in full, how a DWP-list row was matched, a DWP-list row it "
            f"does not carry): {_GIVE_LIST}"
        )
    else:
        held = (
            "the store holds no item about this person on it, but the file may still hold "
            "their records as evidence about a child of their household, or a DWP-list row "
            f"about them it does not carry: {_GIVE_LIST}"
        )
    return what, why, held


def _lists_searched(doc: SarDocument, listed: Sequence[Listed], known: KnownLists) -> None:
    """Which lists were searched (given, or found under the reports folder), and every list the
    answer knows of that was not: found but unreadable, or registered in the review store
    with no file searched."""
    if known.reports is None:
        doc.para(
            "No reports folder was searched: lists are searched when given (--list FILE) or "
            "found under a reports folder (--reports DIR: every list under it, a file with its "
            ".manifest.json beside it)."
        )
    else:
        doc.para(
            f"Every list under the reports folder {known.reports} (a file with its "
            ".manifest.json beside it, as retention finds them) was searched"
            + (", with the lists given." if any(e.found_in is None for e in listed) else ".")
        )
    if listed:
        searched = pl.DataFrame(
            [
                (
                    (entry.path or Path(entry.name)).as_posix(),
                    entry.rule_set,
                    entry.run_id,
                    "given" if entry.found_in is None else f"found under {entry.found_in}",
                )
                for entry in listed
            ],
            schema=dict.fromkeys(("list file", "rule set", "run id", "how"), pl.String),
            orient="row",
        )
        doc.para(f"{len(listed)} list(s) searched:")
        doc.table("lists searched", "list", searched)
    else:
        doc.para("No list was searched.")
    read = {(entry.run_id, entry.initiative) for entry in listed}
    missed = [
        (
            path.as_posix(),
            f"found under {known.reports}, but it cannot be read as a list ({why})",
            "cannot be said: check the file by hand",
        )
        for path, why in known.unread
    ]
    missed += [
        _not_searched(stored, known.reports)
        for stored in known.stored or []
        if (stored.run_id, stored.initiative) not in read
    ]
    if missed:
        doc.para(
            f"{len(missed)} list(s) the workbench knows of were not searched, so what they "
            "hold about this person is not in sections 2 and 3:"
        )
        doc.table(
            "lists not searched",
            "list",
            pl.DataFrame(
                missed,
                schema=dict.fromkeys(("list", "why not searched", "about this person"), pl.String),
                orient="row",
            ),
        )
    elif known.stored is not None:
        doc.para("Every list the review store registers was searched.")
    else:
        doc.para("No review store was searched, so the lists registered in one are not known here.")


def _list_sections(
    doc: SarDocument, listed: Sequence[Listed], subject: Subject, known: KnownLists
) -> None:
    doc.heading(2, "2. Candidate lists this person appeared on")
    _lists_searched(doc, listed, known)
    as_carer: list[tuple[str, list[str]]] = []
    appeared = 0
    theirs = pl.col("person_id").is_null() & pl.col("dwp_record_id").is_in(list(subject.as_child))
    proposed = pl.lit(False)  # a DWP row awaiting review with this person as its match
    if subject.person_id is not None:
        theirs = theirs | (pl.col("person_id") == subject.person_id)
        proposed = (pl.col("probable_person_id") == subject.person_id).fill_null(False)
    for entry in listed:
        for row in entry.rows.filter(theirs).iter_rows(named=True):
            appeared += 1
            _list_row(doc, entry.name, entry.rule_set, entry.run_id, entry.parameters, row)
        for row in entry.rows.filter(proposed & ~theirs.fill_null(False)).iter_rows(named=True):
            appeared += 1
            _proposed_row(doc, entry.name, entry.run_id, row)
        appeared += _held_named_rows(doc, entry, subject, theirs | proposed)
        # Their records in the evidence about someone else: not in their own rows' evidence,
        # shown above (their household's circumstances are evidence about them too).
        others = entry.rows.filter(~theirs.fill_null(False))
        used = [
            proof
            for ev in others["evidence"].to_list()
            for proof in _as_household_member(ev, subject)
        ]
        if used:
            as_carer.append((entry.name, used))
        appeared += _not_listed_rows(doc, entry, subject)
    if not appeared:
        doc.para(f"This person is on none of the {len(listed)} list(s) searched.")
    doc.heading(
        2,
        "3. Lists where this person's records, or their household's, were evidence about "
        "someone else",
    )
    doc.para(
        "A child's evidence can rest on the records of others in the household: a parent's or "
        "carer's award, a DWP-list row naming a parent, the household's circumstances "
        "(households file). Those that are this person's or their household's are shown here; "
        "the child is not named."
    )
    if not as_carer:
        doc.para(
            f"None of the {len(listed)} list(s) searched used this person's records, or their "
            "household's circumstances, as evidence about anyone else."
        )
    for name, used in as_carer:
        doc.heading(3, name)
        doc.bullets(used)
        doc.facts += [("evidence about others", name, "proof", u) for u in used]


def _not_listed_rows(doc: SarDocument, entry: Listed, subject: Subject) -> int:
    """The DWP-list rows about this person as the child that the list does not carry (in its
    `NAME.dwp_not_listed.csv`, set aside as bad data too), each with why; how many."""
    if entry.not_listed is None or not subject.as_child:
        return 0
    rows = entry.not_listed.filter(pl.col("record_id").is_in(list(subject.as_child)))
    for row in rows.iter_rows(named=True):
        doc.heading(3, f"{entry.name}: a DWP-list row about them, not listed")
        values = {"DWP-list row": row["record_id"], "why not listed": row["reason"]}
        doc.fields("lists", entry.name, values)
    return rows.height


def _proposed_row(doc: SarDocument, name: str, run: str, row: dict[str, Any]) -> None:
    """A DWP-list row the linkage proposed as possibly this person, its link awaiting review:
    the proposal is about them, the row's content may be another child's and is withheld."""
    doc.heading(3, f"{name}: proposed as the match of a DWP-list row")
    values = {
        "list file": name,
        "run id": run,
        "what": "the record linkage proposed this person as possibly the child of a DWP-list "
        "row; it is not used as a match unless a person confirms it",
        "match probability": row["match_probability"],
        "DWP-list row": "withheld (it may be another child's)",
    }
    doc.fields("lists", name, values)


def _held_named_rows(doc: SarDocument, entry: Listed, subject: Subject, shown: pl.Expr) -> int:
    """The DWP-list rows of a list, not theirs and not proposed as them (`shown`, above),
    whose link to another council child was held for review naming this person in why (the
    list's `held_because`: a twin of the child proposed, a namesake elsewhere); how many. The
    row and the child proposed are withheld, and the reason shows only what names them."""
    if subject.person_id is None:
        return 0
    rows = [
        row
        for row in entry.rows.filter(~shown.fill_null(False)).iter_rows(named=True)
        if row["link_needs_review"] and subject.person_id in held_names(row.get("held_because"))
    ]
    for row in rows:
        doc.heading(3, f"{entry.name}: named in why a DWP-list row's link was held")
        values: dict[str, object] = {
            "list file": entry.name,
            "run id": entry.run_id,
            "what": "the record linkage proposed another council child as the child of a "
            "DWP-list row, and held the link for a person to review, naming this person in why "
            "(by their council record id); it is not used as a match unless a person confirms it",
            "why it was held, as it names them": own_held(row["held_because"], subject.person_id),
            "DWP-list row": "withheld (it may be another child's)",
            "the child proposed": "withheld (another child)",
        }
        doc.fields("lists", entry.name, values)
    return len(rows)


def _how_matched(row: dict) -> str:
    """How the DWP-list row of a listed child was linked to them, in words: a row listed on
    its own (no person id) was linked to no council record."""
    method = link_method_text(row.get("link_method"))
    if method:
        return method
    if not row.get("person_id"):
        waiting = (
            "; a possible match in the council's records awaits a reviewer's decision"
            if row.get("link_needs_review")
            else ""
        )
        return "not linked to a council record: the child is known only from the DWP list" + waiting
    return "not recorded (a list written before lists said)"


def _place_to_review(places: str) -> str:
    """A listed child's funded places of the term whose link awaits review, in words; the
    places withheld, as they may be another child's."""
    count = len([p for p in places.split(";") if p.strip()])
    return (
        f"{count} funded place(s) of the term may be theirs; the record linkage could not "
        "link them for certain, and a reviewer checks with the provider (the place is "
        "withheld: it may be another child's)"
    )


def _list_row(
    doc: SarDocument,
    name: str,
    rule_ref: str,
    run: str,
    parameters: Mapping[str, str],
    row: dict[str, Any],
) -> None:
    doc.heading(3, name)
    reasons = _reasons(rule_ref, row["reason_codes"], parameters.get("as_of"))
    values = {
        "list file": name,
        "run id": run,
        "rule set": rule_ref,
        "term start": parameters.get("term_start"),
        "evidence date (as of)": parameters.get("as_of"),
        "tier": _tier_text(rule_ref, row["tier"]),
        "reasons": " | ".join(reasons) or _partly_met_text(row["evidence"]),
        "evidence shown": own_evidence(row["evidence"]),
        "eligible from": row["eligible_from"],
        "already funded": row["already_funded"],
        # Lists written before they said so have no working_parent_place.
        **(
            {"working-parent place this term": row["working_parent_place"]}
            if row["working_parent_place"] is not None
            else {}
        ),
        "DWP record matched": row["dwp_record_id"],
        # How the record linkage tied the DWP row to them (UK GDPR Art. 15(1)(h): the logic).
        **({"how it was matched": _how_matched(row)} if row["dwp_record_id"] else {}),
        "link needs review": row["link_needs_review"],
        # A place of the term whose link to them awaits review: it may be another child's.
        **(
            {"funded place awaiting a link review": _place_to_review(row["funded_place_to_review"])}
            if row.get("funded_place_to_review")
            else {}
        ),
        "review status": "pending_review (only a recorded decision changes it)",
    }
    doc.fields("lists", name, values)


# --- the review store ---------------------------------------------------------------------------


_DECISION_COLUMNS = (
    "decided_at",
    "reviewer",
    "decision",
    "reason",
    "initiative",
    "run_id",
    "decision_id",
)
"""What a decision shows: who decided what, when and why, on which list."""


def _store_section(
    doc: SarDocument,
    store: Path,
    subject: Subject,
    key: bytes,
    user: str,
    found: Found,
) -> Exports:
    """Write section 4 and return what sections 5 to 7 show: the outreach exports that named
    the subject, the check exports that could not check them, and the review workbooks that
    held them (those the store records, and the files given or found that it does not)."""
    if not store.is_file():
        raise DataFileError(store, "no review store here; expected a store the workbench wrote")
    keys = subject.item_keys(key)
    named = f"{'item' if len(keys) == 1 else 'items'} {', '.join(keys) or '(none)'}"
    doc.heading(2, "4. The review store: items and decisions about this person")
    with ReviewStore(store, key=key) as review:
        lists = review.lists()
        held = []
        for entry in lists.iter_rows(named=True):
            items = review.items(entry["list_id"]).filter(pl.col("item_key").is_in(keys))
            held += [(entry, r) for r in items.iter_rows(named=True)]
        decisions = review.decisions(item_keys=keys).join(
            lists.select("list_id", "run_id", "initiative"), on="list_id", how="left"
        )
        # A DWP-list row proposed as this child (perhaps another child's row, so the row
        # itself is withheld): what reviewers decided about the proposal is about them too.
        proposals = (
            review.proposal_decisions(keys)
            .filter(~pl.col("item_key").is_in(keys))
            .join(lists.select("list_id", "run_id", "initiative"), on="list_id", how="left")
        )
        checks = _dfe_checks(
            review, keys, _parent_row_keys(subject, key), check_export_names(review, found.checks)
        )
        removed = _removed_under_retention(review, lists, keys, decisions)
        # What the answer rests on, proved first (the log below gets this request's line).
        chain_ok, accesses = review.verify_chain().ok, review.verify_access_log()
        log = review.access_log()
        views = _views(log, lists, subject, keys)
        others = _household_views(log, lists, subject, key)
        proposing = proposal_index(review, lists, found.listed)
        unkept = _held_reasons_unkept(review, lists, found.listed)
        as_proposed = _proposal_views(log, lists, subject, key, proposing)
        held_views = as_proposed.filter(
            pl.col("what it showed of them") == SHOWN_AS[AS_HELD_NAMED]
        ).height
        proposed_views = as_proposed.height - held_views
        exports = found.search(subject, key, review, lists, proposing)
        outreach = exports.outreach[0]
        review.log_access(
            user,
            "subject-access",
            f"{named}: {len(held)} items, {decisions.height} decisions, "
            + (f"{proposals.height} on them as a proposed match, " if proposals.height else "")
            + f"{checks.height} DfE check rows, {views.height} views of their details"
            + (
                f", {others.height} views of others' details showing theirs"
                if others.height
                else ""
            )
            + (
                f", {proposed_views} views of DWP-list rows showing them as the proposed match"
                if proposed_views
                else ""
            )
            + (
                f", {held_views} views of DWP-list rows naming them in why the link was held"
                if held_views
                else ""
            )
            + (f", {outreach.height} outreach export rows naming them" if outreach.height else "")
            + exports.counted(),
        )
    if keys:
        whose = f"for this person, {named} (of their person id, and of each DWP-list row about "
        whose += "them as the child)"
    else:
        whose = "this person, asked for as a parent only, is keyed by none"
    doc.para(
        f"The store keys a listed child by a pseudonymous key, never by name or id: {whose}. "
        f"It holds {len(held)} item(s) and {decisions.height} decision(s) about them."
    )
    if removed.lists:
        doc.bullets(removed.lists)
    for entry, row in held:
        stored = when_text(entry["created_at"])
        name = f"{entry['initiative']} list of run {entry['run_id']} (stored {stored})"
        doc.heading(3, name)
        doc.fields(
            "store items",
            name,
            {
                "tier": row["tier"],
                "reason codes": "; ".join(row["reason_codes"]),
                "evidence": own_evidence(row["evidence"]),
                "eligible from": row["eligible_from"],
                "link needs review": row["link_needs_review"],
            },
        )
    doc.heading(3, "Decisions (oldest first; a correction is a new decision)")
    if not chain_ok:
        doc.para(
            "**Warning: the store's decision chain does not verify**: decisions may have been "
            "changed or removed outside the workbench, so those below may not be all, or not "
            "as recorded. `workbench assure --store` names what is wrong; investigate before "
            "answering."
        )
    if decisions.height == 0 and (removed.decisions or removed.checkpoints):
        doc.para("No decision about this person is held now.")
    elif decisions.height == 0:
        doc.para("No decision has been recorded about this person.")
    else:
        doc.table(
            "decisions",
            "decision",
            decisions.select(_DECISION_COLUMNS),
        )
    if removed.decisions or removed.checkpoints:
        doc.bullets([*removed.decisions, *removed.checkpoints])
    doc.heading(3, "Decisions on them as the proposed match of a DWP-list row")
    if proposals.height == 0 and removed.checkpoints:
        doc.para(
            "No decision on a DWP-list row with this person as its proposed match is held now; "
            "any recorded before the removals under retention above are no longer held and "
            "cannot be listed."
        )
    elif proposals.height == 0:
        doc.para("No DWP-list row was decided on with this person as its proposed match.")
    else:
        doc.para(
            "The linkage proposed this person as the child of a DWP-list row that it could "
            "not link for certain, and a reviewer decided whether the row is them "
            "(`link_confirmed`) or not (`link_rejected`). The row is withheld: when it is "
            "not them, it is about another child."
        )
        doc.table(
            "proposed match decisions",
            "decision",
            proposals.select(_DECISION_COLUMNS),
        )
    doc.heading(3, "Who opened their details in review")
    doc.para(
        "Each time an officer opens a listed child's details to review them (in the review "
        "page, the notebook panel, or an exported workbook, which shows every child), the "
        "store's access log records who, when and on which list."
    )
    if accesses.ok:
        doc.para(
            f"The access log was proved before it was read: its {accesses.sealed} sealed "
            "line(s) are intact"
            + (
                f" ({accesses.unsealed} logged before the store sealed them, proved together)."
                if accesses.unsealed
                else "."
            )
        )
    else:
        doc.para(
            f"**Warning: the store's access log does not verify** ({len(accesses.problems)} "
            "problem(s)): lines may have been removed or changed outside the workbench, so who "
            "opened their details may be more than shown here. `workbench assure --store` "
            "names the problems; investigate before answering."
        )
    if views.height == 0:
        doc.para("No one has opened this person's details in review as a listed child.")
    else:
        doc.table("views", "view", views)
    doc.heading(3, "Who opened another child's details that showed theirs")
    doc.para(
        "A child's details in review show their parents' or carers' names and the address, "
        "and the names and ages of the other children of the household; those of a child "
        "known only from the DWP list, the parent named on its row and the row's address. "
        "Each such view showed this person's details too; the child is not named."
    )
    if others.height == 0:
        doc.para(
            "No one has opened the details of another child that showed this person's "
            "(as a parent or carer, or another child of the household)."
        )
    else:
        doc.table("views as a household member", "view", others)
    doc.heading(
        3, "Who opened the details of a DWP-list row awaiting a link review that showed them"
    )
    doc.para(
        "The details of a DWP-list row whose link to a child in the council's records awaits "
        "review (its record link, in the review page, the notebook panel, or an exported "
        "workbook's record_link column) name the child proposed as its match (their name, date "
        "of birth, address, postcode and council record id) and that child's parents or "
        "carers, for the officer to compare. Each such view showed this person's details "
        "when they were the child proposed, or a parent or carer of that child; the DWP-list "
        "row's child is not named (it may be another child). When the list says why the link "
        "was held for review, the details say it first, and may name another council child by "
        "record id (with their name, for a child of the proposed child's household: a twin, a "
        "brother or sister): a view of one naming this person showed their details too. The "
        "store keeps why each link was held, with every council record id in it as a "
        "pseudonymous key, so such a view is found from the store, whether or not the list was "
        "searched."
    )
    if unkept:
        doc.para(
            "The store keeps why a link was held only for the lists registered in it since "
            f"{unkept[0]}; for a list registered before then, why is known only from its file, "
            "which was not searched, so a view of one of its rows naming this person in why "
            f"cannot be found here ({_GIVE_LIST}): " + "; ".join(unkept[1:]) + "."
        )
    if as_proposed.height == 0:
        doc.para(
            "No one has opened the details of a DWP-list row that showed this person as, or "
            "as a parent or carer of, the child proposed as its match."
        )
    else:
        doc.table("views as a proposed match", "view", as_proposed)
    doc.heading(3, "Eligibility checks through DfE's services")
    doc.para(
        "A check sends a parent's surname, date of birth and National Insurance number to DfE "
        "(`workbench check export`); the store keeps each row sent only as a keyed pseudonym, "
        "and DfE's answer as evidence, never a decision. A check of the person's own details "
        "is shown as about them as the parent; a check of a parent's details for them as the "
        "child names no parent."
    )
    doc.para(
        "Each row below names the file sent to DfE that held it (NAME-part1.csv, ..., in DfE's "
        "template, written owner-only; its name as the store's access log records the export) "
        "and who exported it; and DfE's results file the answer was read from (its name and "
        "SHA-256 as the store records the import), with who imported it and when. Each of "
        "these files held the parent's surname, date of birth and National Insurance number "
        "(the enhanced free-school-meals template, the child's details too): look for them "
        "where they were kept, and in what was sent to and received from DfE."
    )
    if checks.height == 0:
        doc.para("No eligibility check about this person is recorded.")
    else:
        doc.table("dfe checks", "check", checks)
    return exports


_CHECK_COLUMNS = {
    "about them as": pl.String,
    "sent on": pl.String,
    "exported by": pl.String,
    "export": pl.String,
    "file sent to DfE": pl.String,
    "template": pl.String,
    "row": pl.Int64,
    "DfE's answer": pl.String,
    "outcome": pl.String,
    "tier": pl.String,
    "eligible until": pl.String,
    "answer read on": pl.String,
    "read by": pl.String,
    "DfE's results file": pl.String,
    "its SHA-256": pl.String,
}


def _views(
    log: pl.DataFrame, lists: pl.DataFrame, subject: Subject, keys: list[str]
) -> pl.DataFrame:
    """The access log's views of the subject's details in review, oldest first. A view names
    the child by item key; one logged before 6 December 2026 by person id or DWP record id."""
    named = [*keys, *([subject.person_id] if subject.person_id else []), *subject.as_child]
    return (
        log.filter(pl.col("command") == VIEW_COMMAND)
        .with_columns(pl.col("detail").str.extract_groups(VIEW_DETAIL).alias("view"))
        .unnest("view")
        .filter(pl.col("child").is_in(named))
        .join(lists.select("list_id", "run_id", "initiative"), on="list_id", how="left")
        .sort("seq")
        .select(
            pl.col("at").alias("opened at"),
            pl.col("user").alias("opened by"),
            "initiative",
            pl.col("run_id").alias("list of run"),
        )
    )


def _household_views(
    log: pl.DataFrame, lists: pl.DataFrame, subject: Subject, key: bytes
) -> pl.DataFrame:
    """The access log's views of another child's details that showed the subject's too
    (`Subject.shown_with`: as a parent or carer, another child of the household, or the
    parent named on a DWP-list row), oldest first; the child withheld."""
    near = subject.near_keys(key) - {*subject.item_keys(key), subject.person_id}
    views = (
        log.filter(pl.col("command") == VIEW_COMMAND)
        .with_columns(pl.col("detail").str.extract_groups(VIEW_DETAIL).alias("view"))
        .unnest("view")
        .filter(pl.col("child").is_in(list(near)))
        .join(lists.select("list_id", "run_id", "initiative"), on="list_id", how="left")
        .sort("seq")
    )
    shown: dict[tuple[str | None, date], dict[str, str]] = {}
    rows = []
    for view in views.iter_rows(named=True):
        when = (view["initiative"], on_day(view["at"]))
        if when not in shown:
            shown[when] = subject.shown_with(key, *when)
        how = shown[when].get(view["child"])
        if how is not None:
            rows.append(
                (view["at"], view["user"], view["initiative"], view["run_id"], SHOWN_AS[how])
            )
    schema = ["opened at", "opened by", "initiative", "list of run", "what it showed of them"]
    return pl.DataFrame(rows, schema=dict.fromkeys(schema, pl.String), orient="row")


def _proposal_views(
    log: pl.DataFrame,
    lists: pl.DataFrame,
    subject: Subject,
    key: bytes,
    proposals: Mapping[tuple[str, str], Proposal],
) -> pl.DataFrame:
    """The access log's views of a DWP-list row's details whose link awaited review with the
    subject, or a child whose parent or carer they are, proposed as its match
    (`Subject.proposed_as`; the rows from `proposals`), oldest first; the row withheld. A view
    of their own row is in `_views`."""
    own = {*subject.item_keys(key), *subject.as_child}
    views = (
        log.filter(pl.col("command") == VIEW_COMMAND)
        .with_columns(pl.col("detail").str.extract_groups(VIEW_DETAIL).alias("view"))
        .unnest("view")
        .filter(~pl.col("child").is_in(list(own)))
        .join(lists.select("list_id", "run_id", "initiative"), on="list_id", how="left")
        .sort("seq")
    )
    shown: dict[tuple[str | None, date], dict[str, str]] = {}
    rows = []
    for view in views.iter_rows(named=True):
        proposal = proposals.get((view["list_id"], view["child"]))
        if proposal is None:
            continue
        when = (view["initiative"], on_day(view["at"]))
        if when not in shown:
            shown[when] = subject.proposed_as(key, *when)
        how = shown[when].get(proposal.proposed)
        if how is None and proposal.names(subject, key):
            how = AS_HELD_NAMED  # named in why its link was held (a twin, a namesake)
        if how is not None:
            rows.append(
                (view["at"], view["user"], view["initiative"], view["run_id"], SHOWN_AS[how])
            )
    schema = ["opened at", "opened by", "initiative", "list of run", "what it showed of them"]
    return pl.DataFrame(rows, schema=dict.fromkeys(schema, pl.String), orient="row")


def _held_reasons_unkept(
    review: ReviewStore, lists: pl.DataFrame, listed: Sequence[Listed]
) -> list[str]:
    """When the store began keeping why a link was held (`ReviewStore.held_reasons_since`),
    in words, then each list registered before then that holds a DWP-list row awaiting a
    link review with a child proposed, its items held and its file not searched: views of
    its rows cannot be told from the store to have named the subject in why. Empty when
    there is no such list."""
    since = review.held_reasons_since() or ""  # the store was migrated as it was opened
    searched = {(entry.run_id, entry.initiative) for entry in listed}
    unkept = [
        f"the {entry['initiative']} list of run {entry['run_id']} (registered on "
        f"{day_text(entry['created_at'])})"
        for entry in lists.filter(pl.col("items_removed_at").is_null()).iter_rows(named=True)
        if entry["created_at"] < since
        and (entry["run_id"], entry["initiative"]) not in searched
        and review.proposed_matches(entry["list_id"])
    ]
    if not unkept:
        return []
    return [day_text(since), *unkept]


def _parent_row_keys(subject: Subject, key: bytes) -> list[str]:
    """The keyed pseudonyms a check export gives the subject's own details as the parent
    (surname, date of birth and NINO: the childcare and basic free-school-meals templates;
    the enhanced one keys the child's details too, so it is found from the child's side)."""
    if subject.person_id is None:
        return []
    people = subject.loaded.tables["people"]
    if "nino" not in people.columns:
        return []
    rows = people.filter(pl.col("person_id") == subject.person_id).rows(named=True)
    return [
        row_key(
            {
                PARENT_LAST_NAME: row["surname"],
                PARENT_DOB: row["date_of_birth"].isoformat(),
                PARENT_NINO: row["nino"],
            },
            TEMPLATES["childcare"],
            key,
        )
        for row in rows
        if row["nino"] and row["date_of_birth"] is not None
    ]


def _dfe_checks(
    review: ReviewStore,
    item_keys: list[str],
    parent_keys: list[str],
    names: Mapping[str, str],
) -> pl.DataFrame:
    """Every row of a check export about the subject (as the child: a row resting on one of
    their items; as the parent: a row of their own details), with each answer DfE gave: the
    file it was sent in (`names`: export id -> the name its files were written under) and who
    exported it, and the results file each answer was read from and who imported it."""
    exports = review.check_exports()
    sent = []
    for export in exports.iter_rows(named=True):
        items = review.check_export_items(export["export_id"])
        for number in items.filter(pl.col("item_key").is_in(item_keys))["row_number"].unique():
            sent.append(("the child", export, number))
    if parent_keys:
        by_id = {e["export_id"]: e for e in exports.iter_rows(named=True)}
        for row in review.check_export_rows(row_keys=parent_keys).iter_rows(named=True):
            sent.append(("the parent", by_id[row["export_id"]], row["row_number"]))
    # An import whose results retention removed: its answers are no longer held.
    gone: dict[str, list[dict]] = {}
    for done in (
        review.check_imports().filter(pl.col("results_removed_at").is_not_null()).rows(named=True)
    ):
        gone.setdefault(done["export_id"], []).append(
            {
                "dfe_outcome": f"not held: the answers read on {day_text(done['imported_at'])} "
                f"were removed under retention on {day_text(done['results_removed_at'])}",
                "checked_at": done["imported_at"],
            }
        )
    answers: dict[tuple[str, int], list[dict]] = {}
    for list_id in sorted({export["list_id"] for _, export, _ in sent}):
        results = review.check_results(list_id).unique("result_seq").sort("result_seq")
        for result in results.iter_rows(named=True):
            answers.setdefault((result["export_id"], result["row_number"]), []).append(result)
    parts = {
        (row["export_id"], row["row_number"]): row["part"]
        for row in review.check_export_rows().iter_rows(named=True)
    }
    imports = {
        (done["export_id"], done["imported_at"]): done
        for done in review.check_imports().iter_rows(named=True)
    }
    rows = []
    for role, export, number in sent:
        found = answers.get((export["export_id"], number)) or gone.get(export["export_id"], [{}])
        part = parts.get((export["export_id"], number))
        name = names.get(export["export_id"])
        if name is None:
            file = f"part {part} of the export (its name is not recorded)"
        else:
            file = f"{name}-part{part}.csv"
        for answer in found:
            done = imports.get((export["export_id"], answer.get("checked_at")), {})
            rows.append(
                (
                    role,
                    export["exported_at"],
                    export["exported_by"],
                    export["export_id"],
                    file,
                    export["template"],
                    number,
                    answer.get("dfe_outcome") or "no answer read yet",
                    answer.get("outcome"),
                    answer.get("tier"),
                    answer.get("eligible_until"),
                    answer.get("checked_at"),
                    done.get("imported_by"),
                    done.get("file_name"),
                    done.get("file_sha256"),
                )
            )
    return pl.DataFrame(rows, schema=_CHECK_COLUMNS, orient="row")


@dataclass(frozen=True)
class Removed:
    """What section 4 says retention removed that may have been about the subject, in words:
    the lists whose items went, the decisions about them that a surviving record names, and
    each run of decisions removed (a chain checkpoint)."""

    lists: list[str]
    decisions: list[str]
    checkpoints: list[str]


def _removed_under_retention(
    review: ReviewStore, lists: pl.DataFrame, keys: list[str], decisions: pl.DataFrame
) -> Removed:
    """What retention removed that may have been about the subject: never "none" where it
    removed something. A decision about them is named when a record the store keeps (a check
    export's row, an outreach export's row) names one of their item keys with a decision it no
    longer holds; a list whose items went is said to have held them when such a record does."""
    held = set(decisions["decision_id"].to_list())
    checkpoints = review.checkpoints()
    named: dict[str, tuple[int | None, str]] = {}
    on_list: dict[str, str] = {}
    for export in review.check_exports().iter_rows(named=True):
        source = f"the check export {export['export_id']} of {when_text(export['exported_at'])}"
        mine = review.check_export_items(export["export_id"]).filter(pl.col("item_key").is_in(keys))
        for row in mine.iter_rows(named=True):
            on_list.setdefault(export["list_id"], source)
            if row["decision_id"] not in held:
                named.setdefault(row["decision_id"], (row["decision_seq"], source))
    outreach = review.outreach_exported().filter(pl.col("item_key").is_in(keys))
    for row in outreach.iter_rows(named=True):
        source = f"the outreach export {Path(row['file']).name} of {when_text(row['exported_at'])}"
        on_list.setdefault(row["list_id"], source)
        if row["decision_id"] not in held:
            named.setdefault(row["decision_id"], (None, source))
    said_lists = []
    for entry in lists.filter(pl.col("items_removed_at").is_not_null()).iter_rows(named=True):
        what = (
            f"The items of the {entry['initiative']} list of run {entry['run_id']} (stored "
            f"{when_text(entry['created_at'])}, {entry['item_count']} items) were removed under "
            f"retention on {day_text(entry['items_removed_at'])}"
        )
        if entry["list_id"] in on_list:
            what += (
                f": it held an item about this person (recorded by {on_list[entry['list_id']]})."
            )
        else:
            what += ": whether one was about this person can no longer be said from the store."
        said_lists.append(what)
    said = []
    for decision_id, (seq, source) in named.items():
        when = _when_removed(checkpoints, seq)
        if when is None:
            said.append(
                f"A decision about them (decision {decision_id}, recorded by {source}) is no "
                "longer in the store, and no retention checkpoint records removing it: "
                "investigate with `workbench assure --store` before answering."
            )
        else:
            said.append(
                f"A decision about them (decision {decision_id}, recorded by {source}) was held "
                f"and removed under retention {when}."
            )
    runs = [
        f"{cp.count} decision(s) were removed under retention on {day_text(cp.removed_at)} "
        f"(checkpoint {cp.checkpoint}: those recorded before {day_text(cp.before)}); any about "
        "this person recorded before then are no longer held and cannot be listed."
        for cp in checkpoints
    ]
    return Removed(said_lists, said, runs)


def _when_removed(checkpoints: Sequence[Checkpoint], seq: int | None) -> str | None:
    """When retention removed the decision at `seq` (its place in the chain; None when no
    record kept says), in words; None when no checkpoint records removing it."""
    if seq is not None:
        for cp in checkpoints:
            if cp.seq_from <= seq <= cp.seq_upto:
                return f"on {day_text(cp.removed_at)} (checkpoint {cp.checkpoint})"
        return None
    if not checkpoints:
        return None
    if len(checkpoints) == 1:
        return f"on {day_text(checkpoints[0].removed_at)} (checkpoint {checkpoints[0].checkpoint})"
    first, last = checkpoints[0], checkpoints[-1]
    return (
        f"on or before {day_text(last.removed_at)} (checkpoints {first.checkpoint} to "
        f"{last.checkpoint})"
    )


# --- the files searched, and what they hold -----------------------------------------------------


@dataclass(frozen=True)
class Exports:
    """What sections 5 to 7 show (see :func:`search_outreach`, :func:`search_not_checkable`,
    :func:`search_workbooks`)."""

    outreach: tuple[pl.DataFrame, list[tuple[str, bool]]]
    not_checkable: pl.DataFrame
    workbooks: tuple[pl.DataFrame, list[tuple[str, dict[str, str]]], list[tuple[str, bool]]]

    def counted(self) -> str:
        """The access log's words for sections 6 and 7, when they found anything."""
        held = self.workbooks[0]["workbook file"].n_unique() if self.workbooks[0].height else 0
        named = self.not_checkable.filter(pl.col("decision id").is_not_null()).height
        return (f", {named} not-checkable rows naming them" if named else "") + (
            f", {held} review workbooks holding them" if held else ""
        )


@dataclass(frozen=True)
class Found:
    """The export files searched: outreach exports, check exports and review workbooks (given,
    or found beside the lists searched), and the lists searched."""

    outreach: list[OutreachFile]
    checks: list[CheckFile]
    workbooks: list[WorkbookFile]
    listed: list[Listed]

    def search(
        self,
        subject: Subject,
        key: bytes,
        review: ReviewStore | None = None,
        lists: pl.DataFrame | None = None,
        proposals: Mapping[tuple[str, str], Proposal] | None = None,
    ) -> Exports:
        return Exports(
            search_outreach(subject, key, self.outreach, review, lists),
            search_not_checkable(subject, key, self.checks, review, lists),
            search_workbooks(subject, key, self.workbooks, review, lists, self.listed, proposals),
        )

    def searched(self, store: bool) -> tuple[str, str, str]:
        """What sections 5, 6 and 7 say was searched."""
        names = (
            ", ".join(f.path.name for f in self.outreach) or "none",
            ", ".join(f.not_checkable_name for f in self.checks) or "none",
            ", ".join(f.path.name for f in self.workbooks) or "none",
        )
        if store:
            return (
                "the exports the store's access log records; export files given or found: "
                + names[0],
                "the check exports the store records; not-checkable files given or found: "
                + names[1],
                "the workbook exports the store's access log records; workbook files given or "
                "found: " + names[2],
            )
        return (
            f"export files given or found: {names[0]} (no review store was searched, so an "
            "export whose file was not given is not in this export)",
            f"not-checkable files given or found: {names[1]} (no review store was searched, "
            "so a check export whose files were not given is not in this export)",
            f"workbook files given or found: {names[2]} (no review store was searched, so a "
            "workbook whose file was not given is not in this export)",
        )


# --- the export ---------------------------------------------------------------------------------


def check_answer_path(out: str | Path, data: str | Path, overwrite: bool = False) -> Path:
    """`out` as a Path, when an answer may be written there: refused (UsageError) for a name
    not ending in ``.md`` or ``.html``, a folder that is a file, an earlier answer (or its
    appendix) without `overwrite`, and a place in the data folder. `workbench subject-access`
    asks this before it writes its access-log line, so a refused run logs nothing."""
    out = Path(out)
    if out.suffix.lower() not in OUT_SUFFIXES:
        raise UsageError(f"must end in .md or .html; got {out.name!r}", parameter="out")
    check_folder_for(out)
    _check_destination(out, Path(data), overwrite)
    return out


def _check_destination(out: Path, data: Path, overwrite: bool) -> None:
    """Refuse to write over an earlier answer (or its appendix) without `overwrite`, and to
    write an answer into the data folder (the council's data, read by every command)."""
    folder, where = data.resolve(), out.parent.resolve()
    if folder == where or folder in where.parents:
        raise UsageError(
            f"{out} is in the data folder {data}: write the answer outside it (the data folder "
            "holds the council's data, read by every command)"
        )
    if overwrite:
        return
    for path in (out, appendix_path(out)):
        if path.exists() or path.is_symlink():
            raise UsageError(
                f"{path} already exists (an earlier answer?); choose another name, or pass "
                "--overwrite to replace it"
            )


def subject_access(
    person_id: str | None = None,
    *,
    data: str | Path,
    lists: Sequence[str | Path] = (),
    store: str | Path | None = None,
    key: bytes,
    out: str | Path,
    user: str | None = None,
    today: date | None = None,
    dwp_records: Sequence[str] = (),
    nino: str | None = None,
    outreach: Sequence[str | Path] = (),
    checks: Sequence[str | Path] = (),
    workbooks: Sequence[str | Path] = (),
    overwrite: bool = False,
    reports: str | Path | None = None,
    named: NameSearch | None = None,
) -> Path:
    """Write everything the workbench holds about one person, for the DP team; return `out`.

    The person is named in exactly one of four ways: `person_id`, `dwp_records`, `nino` or
    `named` (names and a date of birth).

    Parameters
    ----------
    person_id
        The council's person id (see :func:`find_person` to find it by name and birth date).
        Their DWP-list rows are found too: as the child, those the exact linkage ties to them
        or a list searched names with them; as the parent, those with their NINO.
    data
        The data folder the workbench reads.
    lists
        Candidate lists written by `workbench assess` (each with its manifest).
    reports
        A reports folder: every list under it (a file with its ``.manifest.json`` beside it,
        as retention finds them) is searched too, with the export files beside it; one that
        cannot be read is named as not searched. The answer names each list searched, and
        each list the store registers that no list searched is (the store records no file's
        path), to be given.
    store
        The review store, or None. Reading it is recorded in its access log.
    key
        The pseudonym key (:func:`workbench.review.load_key`); never written anywhere.
    out
        The export (``.md`` or ``.html``); a CSV appendix is written beside it.
    user
        Who ran it, for the access log (default: the login name).
    dwp_records
        Instead of a person id: the DWP record ids of a child on the DWP list matched to no
        one in the people file (see :func:`find_dwp_child`).
    nino
        Instead of a person id: a parent's or carer's NINO, for a parent known only from the
        DWP list; the rows of the DWP list with this parent NINO are theirs.
    outreach
        Outreach exports written by `workbench review outreach` (each the CSV or its
        ``.outreach.json``); those beside the lists searched are found too. Without them, the
        exports the store's access log records are worked out from its decisions.
    checks
        DfE check exports written by `workbench check export` (any of their files: the
        ``NAME.check.json`` sidecar, ``NAME.not_checkable.csv`` or ``NAME.csv``); those beside
        the lists searched are found too. Their not-checkable files name the children who
        could not be checked; the store records only how many.
    workbooks
        Review workbooks written by `workbench review export` (.xlsx); those beside the lists
        searched are found too. Without them, what each workbook export the store's access
        log records held is worked out from the store.
    overwrite
        Replace an export (or its appendix) already at `out`; without it, one is refused.
    named
        Instead of a person id: names and a date of birth, found as :func:`find_subject`
        finds them (refused when two could be meant). When no one in the people file or the
        DWP list has them, the answer says so ("nothing held") and what was searched.

    Raises
    ------
    UsageError
        For an empty person id, not exactly one way of naming the person, an `out` that is not
        ``.md`` / ``.html``, that exists (or its appendix does) without `overwrite`, or that
        lies in the data folder, DWP records the exact linkage ties to a person, or a NINO that a
        person in the people file holds (ask by their person id instead: it finds more).
    DataFileError
        For a data folder, list given, reports folder, outreach export, check export, review
        workbook or store that cannot be read.
    """
    person_id, dwp_records = checked_request(person_id, dwp_records, nino, named)
    out = check_answer_path(out, data, overwrite)
    if store is not None and not Path(store).is_file():
        raise DataFileError(store, "no review store here; expected a store the workbench wrote")
    today = today or datetime.now(UTC).date()
    if named is not None:
        who = subject_named(
            data,
            forename=named.forename,
            surname=named.surname,
            date_of_birth=named.date_of_birth,
        )
        if who is None:
            return _nothing_held(named, Path(data), lists, reports, store, out, today)
        person_id, dwp_records = who[0], tuple(who[1])
    given = [Path(p) for p in lists]
    listed, _ = read_lists(given, key)
    known = KnownLists()
    if reports is not None:
        folder = Path(reports)
        if not folder.is_dir():
            raise DataFileError(folder, "no reports folder here; expected a folder of report runs")
        seen = {p.resolve() for p in given}
        more = [p for p in list_files(folder) if p.resolve() not in seen]
        found_lists, unread = read_lists(more, key, found_in=folder)
        listed += found_lists
        known = KnownLists(folder, unread)
    searched = [entry.path for entry in listed if entry.path is not None]
    found = Found(
        outreach_files([Path(p) for p in outreach], searched),
        check_files([Path(p) for p in checks], searched),
        workbook_files([Path(p) for p in workbooks], searched),
        listed,
    )
    subject = resolve(Path(data), person_id, dwp_records, nino, listed)
    if store is not None:
        known = replace(known, stored=_stored_lists(Path(store), subject.item_keys(key), key))
    doc = SarDocument()
    doc.heading(1, f"Subject access: what the Eligibility Workbench holds about {subject.label}")
    doc.para(
        f"Prepared on {today.isoformat()} for the council's data protection team. Check the "
        "notes below before anything is released to the requester."
    )
    doc.bullets([THIRD_PARTY_NOTE, *CHECK_NOTES, *_withheld_note(subject)])
    _council_records(doc, Path(data), subject)
    _list_sections(doc, listed, subject, known)
    if store is not None:
        exports = _store_section(doc, Path(store), subject, key, user or current_user(), found)
    else:
        doc.heading(2, "4. The review store: items and decisions about this person")
        doc.para("No review store was searched: decisions, if any, are not in this export.")
        exports = found.search(subject, key)
    in_outreach, in_checks, in_workbooks = found.searched(store is not None)
    outreach_section(doc, exports.outreach, in_outreach)
    not_checkable_section(doc, exports.not_checkable, in_checks)
    workbook_section(doc, exports.workbooks, in_workbooks)
    return _write(doc, out)


def _write(doc: SarDocument, out: Path) -> Path:
    """Write the answer (Markdown or HTML by `out`'s suffix) and its CSV appendix, owner-only."""
    text = sar_html(doc) if out.suffix.lower() == ".html" else sar_markdown(doc)
    private_folder_for(out)  # a new folder for a person's records is made owner-only
    write_private(out, lambda p: p.write_text(text, encoding="utf-8", newline=""))
    appendix = neutralised(
        pl.DataFrame(doc.facts, schema=["section", "record", "field", "value"], orient="row")
    ).write_csv()
    write_private(
        appendix_path(out), lambda p: p.write_text(appendix, encoding="utf-8", newline="")
    )
    return out


def _nothing_held(
    named: NameSearch,
    data: Path,
    lists: Sequence[str | Path],
    reports: str | Path | None,
    store: str | Path | None,
    out: Path,
    today: date,
) -> Path:
    """The answer to a request by names and date of birth that no one in the people file or
    the DWP list has: nothing held, and exactly what was searched, as the record that the
    search was made."""
    loaded = load_folder(data, tables=["people", DWP_TABLE], columns={"people": ()})
    files = ", ".join(sorted(f.name for f in loaded.files()))
    doc = SarDocument()
    doc.heading(1, f"Subject access: what the Eligibility Workbench holds about {named}")
    doc.para(
        f"Prepared on {today.isoformat()} for the council's data protection team, as the "
        "record of the search made."
    )
    doc.heading(2, "Nothing held")
    doc.para(
        f"No one in the people file or the DWP list of the data folder {data} has the names "
        f"{' '.join(named.forename.split())} {' '.join(named.surname.split())} and the date of "
        f"birth {named.date_of_birth.isoformat()} (names compared ignoring case and spacing, "
        "as the exact linkage compares them): the workbench holds nothing it can find about "
        "this person."
    )
    doc.heading(2, "What was searched")
    given = [Path(p).as_posix() for p in lists]
    doc.fields(
        "search",
        "the request",
        {
            "forename": named.forename,
            "surname": named.surname,
            "date of birth": named.date_of_birth.isoformat(),
            "data folder": data,
            "files searched": f"{files} (the people file and the DWP list, every row)",
            "lists given": ", ".join(given) or "none",
            "reports folder": reports if reports is not None else "none",
            "review store": store if store is not None else "none",
        },
    )
    doc.para(
        "The lists and the review store hold people only by the ids of the data folder (a "
        "person id, a DWP record id, or a keyed pseudonym of one), never by name, and the "
        "files exported from them (outreach exports, review workbooks, DfE check exports) "
        "name only people on those lists: so nothing was read from them. If the requester "
        "was in an earlier extract of "
        "the council's data (a person since removed from the people file, or known by other "
        "names), ask by --person with their person id from then, or by --nino for a parent "
        "known only from the DWP list."
    )
    return _write(doc, out)
