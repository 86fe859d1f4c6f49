"""Outreach only after review: contact details for the families a person decided to contact.

:func:`export_outreach` writes the names, date of birth, parents' or carers' names and address
of each child whose **latest outcome decision** on a list is ``contact``, and of no one else.
Each row carries the ``decision_id``, ``reviewer`` and ``decided_at`` it rests on, so
``workbench assure`` can trace every family contacted to a named person's recorded decision.

- A list with no decisions at all is refused: nothing has been reviewed.
- With no family to send (none decided ``contact``, or each held back as below: every one
  already sent, the usual second run of a week), no file is written and no export recorded:
  `NothingToSend` says why, naming the last export that sent them (when, by whom, its file)
  and that ``again`` sends them all again. An empty file could go out as a mail-merge, and
  the audit trail would show an export of nobody.
- A child decided ``contact`` here and decided again since on another list of the same
  initiative (a re-run's, next term's) is held back and counted: the later decision stands
  (`ReviewStore.latest_outcomes_for_initiative`).
- A child whose link to the DWP list is uncertain (``link_needs_review``) is exported only when
  the latest link decision is ``link_confirmed``; otherwise it is held back and counted.
- A family already sent: a child an earlier export of any list of the offer sent (the store
  records each export's rows: `ReviewStore.outreach_exported`) is held back and counted,
  whatever was decided since (a second officer's `contact`, a re-run's list), so a second
  export after more decisions sends only the new ones; ``again`` sends them all again (a
  reminder), ``again_for`` only the children named (a letter returned, a family that moved),
  each row sent again cautioned `sent_before_caution`. The children held back whose address
  now is not the one the earlier export's file holds are named (`_moved_since_sent`). The
  latest export to the very file ``overwrite`` replaces (still there) does not count as sent;
  earlier ones to the same name do.
- One child, one row: a DWP-list row confirmed as a council child who has a row of their own
  on the list, decided ``contact`` too, is held back and counted; the child's own row, with
  the council's details, is the one sent.
- Contact details come from the same data folder the list was made from (the files' SHA-256
  must match the list's manifest): a matched child's from ``people`` (the parents and carers
  as the rule set defines them), a DWP-only child's from the ``dwp_list`` row.
- The last column, ``caution``, says in words what to check before contacting the family, as
  review shows it (empty when nothing): a child the list shows as already funded
  (`CAUTION_ALREADY_FUNDED`), a funded place for the term whose link to the child
  awaits review (the list's ``funded_place_to_review``: `CAUTION_FUNDED_PLACE`), and, for a
  DWP-list row whose link the latest decision confirmed, a council record of the child (the
  list's ``probable_person_id``) whose date of birth, address or postcode differ from the
  row's (`confirmed_record_caution`; the row keeps the DWP row's details until the next
  ``assess --store`` applies the link, and the council's values are not copied into the file),
  and a child whose newest DfE eligibility check was read after the ``contact`` decision and
  did not answer eligible (`dfe_check_caution`: the officer decided before DfE answered).
  The sidecar and the result count both.
- After ``caution``, for a list whose rules have groups (free school meals), the list's
  ``eligibility_group`` and ``age_group`` (`group_columns_for`): a mail-merge writes the
  targeted group's letter apart from the expanded group's, and the sixth-form letter asks
  where the pupil studies. Other offers' files have no such columns.
- The CSV is written owner-only (0600) beside ``FILE.outreach.json`` (the list, the decision
  ids, the counts, the decision chain's head and each row's keyed digest; no personal data),
  crash-safely: hidden partial files first, then the store records the export, then they are
  renamed into place; an export interrupted between is finished by the same export again,
  and refuses any other export of the offer until then. How the files are written, recorded,
  finished and recognised is `workbench.review.outreach_files`'s; where the families'
  details are read from and checked against the list's manifest, `workbench.review.list_data`'s.

Example
-------
>>> from workbench.review.outreach import OUTREACH_COLUMNS
>>> OUTREACH_COLUMNS[:4]
('list_id', 'item_key', 'person_id', 'dwp_record_id')
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from workbench.data.reading import load_folder
from workbench.dates import long_date, long_time
from workbench.errors import UsageError, WorkbenchError
from workbench.provenance import file_sha256
from workbench.review.keys import pseudonym
from workbench.review.list_data import (
    carer_names,
    check_inputs,
    check_read_inputs,
    list_data_folder,
    places_not_known,
)
from workbench.review.lists import (
    PERSON_KIND,
    ListFile,
    later_list,
    read_list_file,
    review_candidates,
)
from workbench.review.offers import already_funded_is_take_up
from workbench.review.outreach_files import (
    OUTREACH_FORMAT,
    InterruptedExport,
    check_destination,
    digests_seal,
    finish_export,
    interrupted_exports,
    refuse_interrupted,
    remove_stale_partials,
    replaced_export,
    row_digests,
    sidecar_path,
    write_and_record,
)
from workbench.review.schema import CHECK_OUTCOME_TEXT, recorded_user
from workbench.review.store import LINK_DECISIONS, OUTCOME_DECISIONS, ReviewStore
from workbench.rules import load_rule_set
from workbench.spreadsheet import neutralised

if TYPE_CHECKING:
    from workbench.review.chain import ChainReport

__all__ = [
    "CAUTION_ALREADY_FUNDED",
    "CAUTION_FUNDED_PLACE",
    "CAUTION_PLACES_NOT_KNOWN",
    "CAUTION_SAME_ADDRESS",
    "GROUP_COLUMNS",
    "OUTREACH_COLUMNS",
    "NothingToSend",
    "OutreachResult",
    "check_same_items",
    "confirmed_record_caution",
    "export_outreach",
    "group_columns_for",
    "sent_before_caution",
    "stored_list_id",
]

CONTACT = "contact"
LINK_CONFIRMED = "link_confirmed"
OUTREACH_COLUMNS = (
    "list_id",
    "item_key",
    "person_id",
    "dwp_record_id",
    "child_forename",
    "child_surname",
    "child_date_of_birth",
    "parent_carers",
    "address_line_1",
    "postcode",
    "decision",
    "decision_id",
    "reviewer",
    "decided_at",
    "link_decision_id",
    "caution",  # last, so that readers of the columns before it read them as before
)
_DETAIL_COLUMNS = OUTREACH_COLUMNS[4:10]
GROUP_COLUMNS = ("eligibility_group", "age_group")
"""Appended after `OUTREACH_COLUMNS` (after ``caution``) for a list whose rules have groups
(`group_columns_for`): free school meals' targeted and expanded groups get different letters."""


def group_columns_for(rule_set_ref: str) -> tuple[str, ...]:
    """The `GROUP_COLUMNS` an outreach export of a list of `rule_set_ref` (``initiative`` or
    ``initiative@version``, as its manifest records it) carries: ``eligibility_group`` when
    the rules have groups, ``age_group`` when they have age groups; none for other offers
    (their files are as they always were) nor for rules the workbench does not hold.

    >>> group_columns_for("free_school_meals@2026.12.7"), group_columns_for("two_year_old")
    (('eligibility_group', 'age_group'), ())
    """
    try:
        rules = load_rule_set(rule_set_ref.split("@", 1)[0])
    except WorkbenchError:
        return ()
    wanted = {
        "eligibility_group": bool(rules.groups),
        "age_group": bool(rules.population.age_groups),
    }
    return tuple(name for name in GROUP_COLUMNS if wanted[name])


CAUTION_FUNDED_PLACE = (
    "Check with the provider first: a funded place for the term may be this child's (its "
    "record link awaits review)"
)
"""The caution of a row whose child (or the council's record a confirmed link names) has a
funded place for the term whose link awaits review (`funded_place_to_review`): the family may
already have a place, as the review panel and workbook say."""
CAUTION_PLACES_NOT_KNOWN = (
    "Funded places for the term were not in the providers' headcount the list was made from, "
    "so already_funded cannot say: check with the provider first"
)
"""The caution of every row of a list made before the term's headcount came in (no place
in ``funded_places`` is for its term): a child shown as not funded may well have a place."""
CAUTION_SAME_ADDRESS = (
    "Another child at this address is in this file too: one letter may do for the family"
)
"""The caution of rows sharing an address (first line and postcode, compared as
`_address_key` does): brothers and sisters both eligible, one family to write to."""
CAUTION_ALREADY_FUNDED = (
    "Already has a funded place for the term (the list's already_funded): check that the "
    "family still needs contacting"
)
"""The caution of a row the list shows as already funded: an officer may decide `contact`
(to offer more hours, say), but the letter should not invite them to take up a place."""
_CONFIRMED_RECORD_MISSING = (
    "Confirmed as the council's record of this child, which is not in the data folder: check "
    "which details are current before contacting"
)
_DETAIL_SCHEMA = {
    "child_forename": pl.String,
    "child_surname": pl.String,
    "child_date_of_birth": pl.Date,
    "parent_carers": pl.String,
    "address_line_1": pl.String,
    "postcode": pl.String,
}


@dataclass(frozen=True)
class OutreachResult:
    """What an outreach export did.

    ``held_back_unconfirmed_link`` counts children decided ``contact`` but not exported because
    their uncertain record link has not been confirmed by a ``link_confirmed`` decision;
    ``held_back_later_decision`` those decided ``contact`` on this list and decided again
    since on another list of the initiative (``superseded_by`` names those lists): the later
    decision stands, so contact comes, if at all, from the later list. ``caution_*`` count the
    rows exported with a caution (the file's ``caution`` column) of each kind.
    """

    list_id: str
    out: Path
    sidecar: Path
    listed: int
    decided: int
    exported: int
    held_back_unconfirmed_link: int
    decision_ids: tuple[str, ...]
    held_back_later_decision: int = 0
    superseded_by: tuple[str, ...] = ()
    caution_funded_place: int = 0
    """Rows exported with `CAUTION_FUNDED_PLACE`: check with the provider first."""
    caution_confirmed_record_differs: int = 0
    """Rows exported with a `confirmed_record_caution`: the council's record of the child, as
    the link decision confirmed it, has another date of birth, address or postcode."""
    caution_same_address: int = 0
    """Rows exported with `CAUTION_SAME_ADDRESS`: another child of the file lives there."""
    caution_places_not_known: int = 0
    """Rows exported with `CAUTION_PLACES_NOT_KNOWN`: the term's headcount was not in."""
    caution_already_funded: int = 0
    """Rows exported with `CAUTION_ALREADY_FUNDED`: the list shows the child funded."""
    held_back_already_sent: int = 0
    """Children decided ``contact`` whom an earlier export of the offer already sent."""
    already_sent_on: str | None = None
    """When the latest earlier export of those children was made (UTC, ISO), or None."""
    held_back_same_child: int = 0
    """DWP-list rows confirmed as a child whose own row on the list is sent instead."""
    caution_dfe_check_since: int = 0
    """Rows exported with a `dfe_check_caution`: DfE answered other than eligible after the
    ``contact`` decision."""
    finished_export: int | None = None
    """The ``export_seq`` of an export interrupted before its file was written (the process
    killed after the store recorded it) that this call finished by putting its file in place
    (`interrupted_exports`); None for an export made now."""
    interrupted_on: str | None = None
    """When the finished export was recorded (UTC, ISO), or None."""
    removed_partials: tuple[Path, ...] = ()
    """Partial files of `out` left by an export stopped before the store recorded it, removed
    (nothing of them was sent or recorded), before this export was written."""
    caution_sent_before: int = 0
    """Rows sent again on purpose (``again``, ``again_for``), cautioned `sent_before_caution`."""
    again_for_not_held: tuple[str, ...] = ()
    """Ids ``again_for`` named whose child was not held back as already sent (never sent, or
    not to be contacted): it changed nothing for them."""
    held_back_moved: tuple[tuple[str, str], ...] = ()
    """Children held back as already sent whose address or postcode now is not the one the
    latest earlier export wrote: ``(person_id or dwp_record_id, what differs)``, in list
    order (``again_for`` sends them again)."""
    held_back_not_compared: int = 0
    """Children held back as already sent whose address then cannot be compared: the file of
    the export that sent them is gone (or cannot be read as one)."""


class NothingToSend(WorkbenchError):
    """No family of the list is to be sent now, so `export_outreach` wrote no file and
    recorded no export (an export of nobody would show in the audit trail as families
    contacted, and an empty mail-merge could go out). The message says why, in words: no
    child's latest decision is ``contact``; or every child decided ``contact`` was sent by an
    earlier export of the offer (naming the last: when, by whom, its file; ``again`` sends
    them all again), or is held back for another reason, counted.

    ``result`` holds the counts as an export would have (``exported`` 0; its ``out`` and
    ``sidecar`` were not written); ``last_sent_on``, ``last_sent_by`` and ``last_sent_file``
    name the latest earlier export that sent the children held back as already sent (None
    when none was)."""

    def __init__(
        self,
        message: str,
        result: OutreachResult,
        *,
        last_sent_on: str | None = None,
        last_sent_by: str | None = None,
        last_sent_file: Path | None = None,
    ) -> None:
        super().__init__(message)
        self.result = result
        self.last_sent_on = last_sent_on
        self.last_sent_by = last_sent_by
        self.last_sent_file = last_sent_file


# --- which rows ------------------------------------------------------------------------------
def stored_list_id(store: ReviewStore, listed: ListFile) -> str:
    initiative = listed.rule_set.split("@", 1)[0]
    found = store.lists().filter(
        (pl.col("run_id") == listed.run_id) & (pl.col("initiative") == initiative)
    )
    if found.is_empty():
        raise WorkbenchError(
            f"{listed.path}: run {listed.run_id} ({initiative}) is not in the review store "
            f"{store.path}, so no one has reviewed it; export it for review "
            "(`workbench review export`) and record decisions first"
        )
    return str(found["list_id"][0])


_REGISTERED = ("item_key", "tier", "reason_codes", "link_needs_review")
"""What the store holds of each child of a list that outreach and checks act on: a list file
whose rows say otherwise (edited since it was registered) is refused."""


def check_same_items(store: ReviewStore, list_id: str, shaped: pl.DataFrame, path: Path) -> None:
    """Refuse a list file that is not the one registered as `list_id`: other children, or the
    same children with another tier, reasons or link flag (a link marked certain in the file
    but uncertain in the store would let an unconfirmed link be contacted or checked). Any
    other byte changed is `check_registered_file`'s, checked after the checks that say what
    changed."""
    stored_items = store.items(list_id)
    stored = set(stored_items["item_key"].to_list())
    if set(shaped["item_key"].to_list()) != stored or shaped.height != len(stored):
        raise WorkbenchError(
            f"{path}: its {shaped.height} rows are not the {len(stored)} children of list "
            f"{list_id} in the store; expected the list file that was registered for review"
        )

    def registered(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select(
            "item_key",
            pl.col("tier").cast(pl.String),
            pl.col("reason_codes").list.sort(),
            pl.col("link_needs_review").cast(pl.Boolean).fill_null(False),
        ).sort("item_key")

    mine, theirs = registered(shaped), registered(stored_items)
    changed = mine.join(theirs, on=list(_REGISTERED), how="anti", nulls_equal=True)
    if changed.height:
        columns = [
            column
            for column in _REGISTERED[1:]
            if not mine.get_column(column).equals(theirs.get_column(column))
        ]
        raise WorkbenchError(
            f"{path}: {changed.height} of its rows differ from list {list_id} as registered "
            f"in the store ({', '.join(columns)}); the file was changed since it was "
            "registered: use the list file `workbench assess` wrote"
        )


def check_registered_file(store: ReviewStore, list_id: str, path: Path) -> None:
    """Refuse a list file that is not, byte for byte, the one `list_id` was registered from
    (`ReviewStore.list_file_sha256`; nothing to compare for a list registered before the
    store kept it): a column the store's items do not hold (``already_funded`` set false to
    drop outreach's caution, say), changed with the manifest's hash to match."""
    registered = store.list_file_sha256(list_id)
    if registered is not None and file_sha256(path) != registered[0]:
        raise WorkbenchError(
            f"{path}: is not, byte for byte, the file list {list_id} was registered from on "
            f"{registered[1][:10]} (its SHA-256 differs): the file was changed since it was "
            "registered, its manifest too; use the list file `workbench assess` wrote"
        )


def _latest(store: ReviewStore, list_id: str, among: tuple[str, ...], prefix: str) -> pl.DataFrame:
    return store.latest_decisions(list_id, among=among).select(
        "item_key",
        pl.col("decision").alias(f"{prefix}decision"),
        pl.col("decision_id").alias(f"{prefix}decision_id"),
        pl.col("reviewer").alias(f"{prefix}reviewer"),
        pl.col("decided_at").alias(f"{prefix}decided_at"),
    )


def _not_sent_twice(
    rows: pl.DataFrame, sent: pl.DataFrame, *, again: bool, again_for: frozenset[str] = frozenset()
) -> tuple[pl.DataFrame, str | None]:
    """`rows` with ``held_back_sent`` (exportable, but an earlier export of a list of the
    offer sent the child: ``sent``'s rows; not when ``again``, nor for a child whose person id
    or DWP record id is in ``again_for``) and ``held_back_same`` (a confirmed DWP-list row
    whose child's own row is sent now, or was), taken out of ``exportable``; ``sent_on``, when
    the latest earlier export sent the child (null for none); and when the latest of the
    earlier exports of the children held back was made."""
    latest = sent.group_by("item_key").agg(pl.col("exported_at").max().alias("sent_on"))
    rows = rows.join(latest, on="item_key", how="left", maintain_order="left")
    chosen = pl.col("person_id").is_in(list(again_for)) | pl.col("dwp_record_id").is_in(
        list(again_for)
    )
    resent = pl.lit(again) | chosen.fill_null(False)
    sent_before = pl.col("exportable") & pl.col("sent_on").is_not_null() & ~resent
    rows = rows.with_columns(sent_before.alias("held_back_sent")).with_columns(
        pl.col("exportable") & ~pl.col("held_back_sent")
    )
    own = rows.filter(
        pl.col("person_id").is_not_null() & (pl.col("exportable") | pl.col("held_back_sent"))
    )["person_id"]
    same = pl.col("exportable") & _CONFIRMED & pl.col("probable_person_id").is_in(own.implode())
    rows = rows.with_columns(same.alias("held_back_same")).with_columns(
        pl.col("exportable") & ~pl.col("held_back_same")
    )
    when = rows.filter("held_back_sent")["sent_on"].max()
    return rows, cast("str | None", when)


def sent_before_caution(sent_on: str) -> str:
    """The caution of a row sent again (``--again``, ``--again-for``): an earlier export of
    the offer sent the family on that day.

    Example
    -------
    >>> sent_before_caution("2026-10-02T09:30:00Z")
    'Sent before on 2 October 2026 (an earlier outreach export): this is a second letter'
    """
    return (
        f"Sent before on {long_date(date.fromisoformat(sent_on[:10]))} (an earlier outreach "
        "export): this is a second letter"
    )


def _sent_again(rows: pl.DataFrame) -> pl.DataFrame:
    """The exported rows with `sent_before_caution` added to the caution of each the offer
    sent before (sent again on purpose), and ``caution_sent`` set."""
    said = pl.Series(
        [sent_before_caution(on) if on else None for on in rows["sent_on"].to_list()],
        dtype=pl.String,
    )
    return rows.with_columns(
        pl.when(said.is_null())
        .then(pl.col("caution"))
        .otherwise(pl.concat_str(pl.col("caution"), said, separator="; ", ignore_nulls=True))
        .alias("caution"),
        pl.col("sent_on").is_not_null().alias("caution_sent"),
    )


def _check_again_for(rows: pl.DataFrame, again_for: frozenset[str], path: Path) -> tuple[str, ...]:
    """Refuse an id ``--again-for`` names that no row of the list has (a person id or DWP
    record id, as the list gives them); the ids of rows that are not held back as sent without
    it (never sent, or not to be contacted), which it changes nothing for, sorted."""
    ids = set(rows["person_id"].drop_nulls()) | set(rows["dwp_record_id"].drop_nulls())
    unknown = sorted(again_for - ids)
    if unknown:
        raise UsageError(
            f"names {', '.join(unknown)}, which no row of {path.name} has as its person_id or "
            "dwp_record_id; give the ids as the list has them",
            parameter="again_for",
        )
    resent = rows.filter(pl.col("exportable") & pl.col("sent_on").is_not_null())
    named = set(resent["person_id"].drop_nulls()) | set(resent["dwp_record_id"].drop_nulls())
    return tuple(sorted(again_for - named))


def _moved_since_sent(
    held: pl.DataFrame, sent: pl.DataFrame, data: Path, listed: ListFile
) -> tuple[tuple[tuple[str, str], ...], int]:
    """Of the children held back as already sent, those whose address (first line, postcode,
    compared as `_address_key` does) is not the one the latest earlier export that sent them
    wrote: ``(id, what differs)`` in list order; and how many could not be compared, that
    export's file being gone (sent and deleted) or no longer an outreach export's. The store
    keeps no address, so the earlier file is the only record of what was sent."""
    if held.is_empty():
        return (), 0
    latest = (
        sent.filter(pl.col("item_key").is_in(held["item_key"].implode()))
        .sort("export_seq")
        .group_by("item_key")
        .last()
    )
    then: dict[str, tuple[str | None, str | None]] = {}
    for file, keys in latest.group_by("file").agg("item_key").iter_rows():
        path = Path(file)
        if not path.is_file():
            continue
        try:
            written = pl.read_csv(path, infer_schema=False)
        except (OSError, pl.exceptions.PolarsError):
            continue
        if not {"item_key", "address_line_1", "postcode"} <= set(written.columns):
            continue
        for item_key, line, postcode in written.select(
            "item_key", "address_line_1", "postcode"
        ).iter_rows():
            if item_key in keys:
                then[item_key] = (line, postcode)
    now = _with_details(held, data, listed)
    moved = []
    for row in now.iter_rows(named=True):
        if row["item_key"] not in then:
            continue
        line, postcode = then[row["item_key"]]
        differ = [
            label
            for label, before, current in (
                ("address", line, row["address_line_1"]),
                ("postcode", postcode, row["postcode"]),
            )
            if _address_key(before) != _address_key(current)
        ]
        if differ:
            moved.append((row["person_id"] or row["dwp_record_id"], " and ".join(differ)))
    return tuple(moved), held.height - len(then)


def contact_rows(store: ReviewStore, list_id: str, shaped: pl.DataFrame) -> pl.DataFrame:
    """The list's rows (in list order) with their latest outcome and link decisions, and
    ``exportable``: latest outcome ``contact``, still standing (no later outcome decision
    about the child on another list of the initiative: ``superseded`` names that list) and,
    for an uncertain link, ``link_confirmed``. ``held_back`` is decided ``contact`` but
    waiting for the link's confirmation; ``held_back_later`` decided ``contact`` here but
    decided again on another list since."""
    outcome = _latest(store, list_id, OUTCOME_DECISIONS, "")
    link = _latest(store, list_id, LINK_DECISIONS, "link_")
    standing = store.latest_outcomes_for_initiative(list_id).select(
        "item_key",
        pl.col("decision_id").alias("standing_decision_id"),
        pl.col("list_id").alias("standing_list_id"),
        pl.col("decision").alias("standing_decision"),
    )
    rows = (
        shaped.join(outcome, on="item_key", how="left", maintain_order="left")
        .join(link, on="item_key", how="left", maintain_order="left")
        .join(standing, on="item_key", how="left", maintain_order="left")
    )
    confirmed = pl.col("link_decision") == LINK_CONFIRMED
    link_ok = (~pl.col("link_needs_review") | confirmed).fill_null(False)
    contact = (pl.col("decision") == CONTACT).fill_null(False)
    later = (pl.col("standing_decision_id") != pl.col("decision_id")).fill_null(False)
    return rows.with_columns(
        (contact & ~later & link_ok).alias("exportable"),
        (contact & ~later & ~link_ok).alias("held_back"),
        (contact & later).alias("held_back_later"),
        pl.when(later).then(pl.col("standing_list_id")).alias("superseded"),
        pl.when(pl.col("link_needs_review")).then(pl.col("link_decision_id")),
    ).drop("standing_decision_id", "standing_list_id")


# --- what to check first --------------------------------------------------------------------
def _list_column(candidates: pl.DataFrame, name: str) -> pl.Series:
    """A text column of the list as written (an empty cell as null), or nulls for a list
    written before the column existed."""
    if name not in candidates.columns:
        return pl.Series(name, [None] * candidates.height, dtype=pl.String)
    text = candidates[name].cast(pl.String).str.strip_chars()
    return pl.select(pl.when(text != "").then(text)).to_series().alias(name)


def _with_record_links(shaped: pl.DataFrame, candidates: pl.DataFrame) -> pl.DataFrame:
    """`shaped` (`review_candidates` of `candidates`, row for row) with what review shows of
    each row's record links: ``probable_person_id`` (for a DWP-list row whose link awaits
    review, the council's child proposed as its match), ``funded_place_to_review`` (a council
    child's funded places of the term whose link awaits review) and ``match_places``: the
    ``funded_place_to_review`` of the proposed child's own row on this list, if it has one."""
    frame = shaped.with_columns(
        _list_column(candidates, "probable_person_id"),
        _list_column(candidates, "funded_place_to_review"),
        *(_list_column(candidates, name) for name in GROUP_COLUMNS),
    ).with_columns(pl.when("link_needs_review").then(pl.col("probable_person_id")).name.keep())
    places = frame.filter(
        pl.col("person_id").is_not_null() & pl.col("funded_place_to_review").is_not_null()
    ).select(
        pl.col("person_id").alias("probable_person_id"),
        pl.col("funded_place_to_review").alias("match_places"),
    )
    return frame.join(
        places.unique("probable_person_id", keep="first"),
        on="probable_person_id",
        how="left",
        maintain_order="left",
    )


_CONFIRMED = (pl.col("link_needs_review") & (pl.col("link_decision") == LINK_CONFIRMED)).fill_null(
    False
) & pl.col("probable_person_id").is_not_null()
"""A DWP-list row whose link awaited review, its latest link decision ``link_confirmed``, with
the council's child it confirms named (`_with_record_links`)."""


def _check_confirmed_pairs(
    store: ReviewStore, list_id: str, rows: pl.DataFrame, key: bytes, path: Path
) -> None:
    """Refuse a list file whose proposed match of a confirmed row is not the child the store
    holds as the one the decision was about (``proposed_key``; a store from before it kept
    the proposed match holds none, and the file is taken as it is): the caution would compare
    the row with another child."""
    for item_key, person in rows.filter(_CONFIRMED).select("item_key", "probable_person_id").rows():
        held = store.proposed_match(list_id, item_key)
        if held is not None and held != pseudonym(PERSON_KIND, person, key):
            raise WorkbenchError(
                f"{path}: a row's proposed match (probable_person_id) is not the child list "
                f"{list_id} was registered with (the link decision is about that one); the file "
                "was changed since it was registered: use the list file `workbench assess` wrote"
            )


def confirmed_record_caution(differ: list[str]) -> str:
    """The caution of a DWP-list row confirmed as a council record of the child whose details
    named in `differ` are other than the row's.

    Examples
    --------
    >>> confirmed_record_caution(["postcode"]).split(", ", 1)[1]
    'whose postcode differs: check which is current before contacting'
    >>> confirmed_record_caution(["date of birth", "address", "postcode"]).split(":")[0][49:]
    'whose date of birth, address and postcode differ'
    """
    fields = differ[0] if len(differ) == 1 else f"{', '.join(differ[:-1])} and {differ[-1]}"
    verb = "differs" if len(differ) == 1 else "differ"
    return (
        f"Confirmed as the council's record of this child, whose {fields} {verb}: check which "
        "is current before contacting"
    )


def _address_key(value: str | None) -> str | None:
    """An address line or postcode as compared: lower case, punctuation and spacing dropped
    (``22 Cedar Dr.`` is ``22 CEDAR DR``); None for none."""
    plain = re.sub(r"[^a-z0-9]+", "", (value or "").lower())
    return plain or None


def later_list_caution(list_id: str, created_at: str) -> str:
    """The caution of a child a later list of the same offer does not hold."""
    return (
        f"Not on the offer's later list {list_id} (made {created_at[:10]}): their "
        "circumstances may have changed since; check before contacting"
    )


def _not_on_later_list(store: ReviewStore, list_id: str) -> tuple[frozenset[str], str | None]:
    """The item keys of `list_id` that the latest later list of the same initiative does not
    hold (a re-run after a benefit ended or a family moved), and that list's caution; none
    when no later list was registered, or its items were removed by retention
    (`workbench.review.lists.later_list`, which the panel and workbook warn by too)."""
    later = later_list(store, list_id)
    if later is None:
        return frozenset(), None
    return later.not_on_it, later_list_caution(later.list_id, later.created_at)


def _with_cautions(
    rows: pl.DataFrame,
    dropped: frozenset[str] = frozenset(),
    dropped_caution: str | None = None,
    *,
    take_up: bool = True,
) -> pl.DataFrame:
    """The exported rows, their details read (`_with_details`), with ``caution`` and, for the
    counts, ``caution_place`` and ``caution_record``; a child in `dropped` (not on the offer's
    later list) is cautioned with `dropped_caution`. Without `take_up` (a list whose
    ``already_funded`` does not say the offer is taken up, `already_funded_is_take_up`) it
    gives no `CAUTION_ALREADY_FUNDED`."""
    cautions, places, records, funded = [], [], [], []
    for row in rows.iter_rows(named=True):
        confirmed = bool(row["__confirmed"])
        place = bool(row["funded_place_to_review"] or (confirmed and row["match_places"]))
        already = bool(row["already_funded"]) and take_up
        said = [CAUTION_ALREADY_FUNDED] if already else []
        said += [CAUTION_FUNDED_PLACE] if place else []
        if dropped_caution is not None and row["item_key"] in dropped:
            said.append(dropped_caution)
        differ: list[str] = []
        if confirmed and not row["council_found"]:
            said.append(_CONFIRMED_RECORD_MISSING)
        elif confirmed:
            if row["child_date_of_birth"] != row["council_date_of_birth"]:
                differ.append("date of birth")
            for label, mine, theirs in (
                ("address", "address_line_1", "council_address_line_1"),
                ("postcode", "postcode", "council_postcode"),
            ):
                if _address_key(row[mine]) != _address_key(row[theirs]):
                    differ.append(label)
            if differ:
                said.append(confirmed_record_caution(differ))
        cautions.append("; ".join(said) or None)
        places.append(place)
        records.append(bool(differ) or (confirmed and not row["council_found"]))
        funded.append(already)
    return rows.with_columns(
        pl.Series("caution", cautions, dtype=pl.String),
        pl.Series("caution_place", places, dtype=pl.Boolean),
        pl.Series("caution_record", records, dtype=pl.Boolean),
        pl.Series("caution_funded", funded, dtype=pl.Boolean),
    )


def dfe_check_caution(outcome: str, dfe_outcome: str, read_on: date) -> str:
    """The caution of a row whose child's newest DfE eligibility check was read after the
    ``contact`` decision the row rests on, and did not answer eligible.

    Example
    -------
    >>> dfe_check_caution("may_not_be_eligible", "Not eligible", date(2026, 10, 2)).split(": ")[0]
    "DfE's check, read on 2 October 2026 after this decision, answered ‘Not eligible’"
    """
    meaning = CHECK_OUTCOME_TEXT.get(outcome, ("", "Read it before contacting the family."))[1]
    return (
        f"DfE's check, read on {long_date(read_on)} after this decision, answered "
        f"‘{dfe_outcome}’: {meaning}"
    )


def _checked_since_decision(store: ReviewStore, list_id: str, rows: pl.DataFrame) -> pl.DataFrame:
    """The rows with `dfe_check_caution` added to the caution of each child whose newest DfE
    check (from any list of the offer) was read after the row's decision and did not answer
    eligible, and ``caution_dfe`` set: what the officer decided on did not include it."""
    results = store.initiative_check_results(list_id, rows["item_key"].to_list())
    newest = (
        results.sort("result_seq")
        .group_by("item_key", maintain_order=True)
        .last()
        .select(
            "item_key",
            pl.col("outcome").alias("__outcome"),
            pl.col("dfe_outcome").alias("__dfe"),
            pl.col("checked_at").alias("__checked"),
        )
    )
    joined = rows.join(newest, on="item_key", how="left", maintain_order="left")
    since = (
        (pl.col("__checked") > pl.col("decided_at").cast(pl.String))
        & (pl.col("__outcome") != "eligible")
    ).fill_null(False)
    said = [
        dfe_check_caution(outcome, dfe_outcome, date.fromisoformat(checked[:10]))
        if flagged
        else None
        for outcome, dfe_outcome, checked, flagged in joined.select(
            "__outcome", "__dfe", "__checked", since.alias("__since")
        ).iter_rows()
    ]
    extra = pl.Series(said, dtype=pl.String)
    return joined.with_columns(
        pl.when(extra.is_null())
        .then(pl.col("caution"))
        .otherwise(pl.concat_str(pl.col("caution"), extra, separator="; ", ignore_nulls=True))
        .alias("caution"),
        since.alias("caution_dfe"),
    ).drop("__outcome", "__dfe", "__checked")


# --- contact details (from the list's data folder: `workbench.review.list_data`) -------------
def _missing(kind: str, wanted: pl.Series, found: pl.Series, source: str) -> None:
    absent = wanted.filter(~wanted.is_in(found.implode()))
    if absent.len():
        raise WorkbenchError(
            f"{absent.len()} child(ren) to contact have no accepted row in {source} (first "
            f"{kind} {absent[0]}); check the data folder's quarantine (`workbench validate`)"
        )


def _person_details(
    people: pl.DataFrame, person_ids: pl.Series, initiative: str, as_of: date
) -> pl.DataFrame:
    children = people.filter(pl.col("person_id").is_in(person_ids.implode()))
    _missing("person_id", person_ids, children["person_id"], "people")
    optional = [
        (pl.col(c) if c in people.columns else pl.lit(None, pl.String)).alias(c)
        for c in ("address_line_1", "postcode")
    ]
    return (
        children.select(
            "person_id",
            pl.col("forename").alias("child_forename"),
            pl.col("surname").alias("child_surname"),
            pl.col("date_of_birth").alias("child_date_of_birth"),
            *optional,
        )
        .join(carer_names(people, children, initiative, as_of), on="person_id", how="left")
        .select("person_id", *_DETAIL_COLUMNS)
    )


def _dwp_details(dwp: pl.DataFrame, record_ids: pl.Series) -> pl.DataFrame:
    rows = dwp.filter(pl.col("record_id").is_in(record_ids.implode()))
    _missing("record_id", record_ids, rows["record_id"], "dwp_list")
    optional = [
        (pl.col(c) if c in dwp.columns else pl.lit(None, pl.String)).alias(c)
        for c in ("address_line_1", "postcode")
    ]
    return rows.select(
        pl.col("record_id").alias("dwp_record_id"),
        "child_forename",
        "child_surname",
        "child_date_of_birth",
        pl.concat_str("parent_forename", "parent_surname", separator=" ").alias("parent_carers"),
        *optional,
    )


def _council_records(people: pl.DataFrame, confirmed: pl.DataFrame) -> pl.DataFrame:
    """For each confirmed row (`_CONFIRMED`), the council's record of the child it confirms:
    date of birth, address line and postcode (``council_``), ``council_found`` false when the
    data folder's people do not hold it."""
    optional = [
        (pl.col(c) if c in people.columns else pl.lit(None, pl.String)).alias(f"council_{c}")
        for c in ("address_line_1", "postcode")
    ]
    records = people.select(
        pl.col("person_id").alias("probable_person_id"),
        pl.col("date_of_birth").alias("council_date_of_birth"),
        *optional,
        pl.lit(True).alias("council_found"),
    ).unique("probable_person_id", keep="first")
    return (
        confirmed.select("item_key", "probable_person_id")
        .join(records, on="probable_person_id", how="left")
        .drop("probable_person_id")
    )


_COUNCIL_SCHEMA = {
    "council_date_of_birth": pl.Date,
    "council_address_line_1": pl.String,
    "council_postcode": pl.String,
    "council_found": pl.Boolean,
}


def _same_address(rows: pl.DataFrame) -> pl.DataFrame:
    """`rows` whose address (first line and postcode, both given) another row shares, with
    `CAUTION_SAME_ADDRESS` added to their caution and ``caution_address`` set."""
    keys = [
        pl.col(column).map_elements(_address_key, return_dtype=pl.String)
        for column in ("address_line_1", "postcode")
    ]
    address = pl.concat_str(keys, separator="|")  # null when either is missing
    shared = (address.is_not_null() & (address.count().over(address) > 1)).fill_null(False)
    return rows.with_columns(shared.alias("caution_address")).with_columns(
        pl.when("caution_address")
        .then(
            pl.concat_str(
                pl.col("caution"), pl.lit(CAUTION_SAME_ADDRESS), separator="; ", ignore_nulls=True
            )
        )
        .otherwise(pl.col("caution"))
        .alias("caution")
    )


def _with_details(rows: pl.DataFrame, data: Path, listed: ListFile) -> pl.DataFrame:
    """The exportable rows with their contact details, read from the list's data folder, and
    for each confirmed row (`_CONFIRMED`, ``__confirmed``) the council's record it confirms
    (`_council_records`), for its caution."""
    rows = rows.with_columns(_CONFIRMED.alias("__confirmed"))
    people_ids = rows.filter(pl.col("person_id").is_not_null())["person_id"]
    dwp_ids = rows.filter(pl.col("person_id").is_null())["dwp_record_id"]
    confirmed = rows.filter("__confirmed")
    need_people = people_ids.len() or confirmed.height
    tables = (["people"] if need_people else []) + (["dwp_list"] if dwp_ids.len() else [])
    if not tables:
        return rows.with_columns(
            pl.lit(None, dtype).alias(c)
            for c, dtype in {**_DETAIL_SCHEMA, **_COUNCIL_SCHEMA}.items()
        )
    check_inputs(data, listed, tables)
    loaded = load_folder(
        data,
        tables=tables,
        columns={
            "people": ("address_line_1", "postcode", "role"),
            "dwp_list": ("address_line_1", "postcode"),
        },
    )
    check_read_inputs(loaded, listed)
    parts = []
    if people_ids.len():
        as_of = listed.as_of or datetime.now(UTC).date()
        initiative = listed.rule_set.split("@", 1)[0]
        details = _person_details(loaded.tables["people"], people_ids, initiative, as_of)
        parts.append(rows.filter(pl.col("person_id").is_not_null()).join(details, on="person_id"))
    if dwp_ids.len():
        details = _dwp_details(loaded.tables["dwp_list"], dwp_ids)
        parts.append(rows.filter(pl.col("person_id").is_null()).join(details, on="dwp_record_id"))
    order = rows.select("item_key").with_row_index("__order")
    detailed = pl.concat(parts).join(order, on="item_key").sort("__order").drop("__order")
    council = pl.DataFrame(schema=_COUNCIL_SCHEMA | {"item_key": pl.String})
    if confirmed.height:
        council = _council_records(loaded.tables["people"], confirmed)
    return detailed.join(council, on="item_key", how="left", maintain_order="left").with_columns(
        pl.col("council_found").fill_null(False)
    )


# --- nothing to send ---------------------------------------------------------------------------
def _nothing_to_send(
    listed: ListFile,
    list_id: str,
    rows: pl.DataFrame,
    sent: pl.DataFrame,
    out: Path,
    *,
    moved: tuple[tuple[str, str], ...],
    not_compared: int,
    again_for_not_held: tuple[str, ...],
) -> NothingToSend:
    """Why no row of the list is to be sent now (`rows`, as `_not_sent_twice` marks them,
    none ``exportable``), in words, as the error `export_outreach` raises before writing
    anything: no child decided ``contact``, or each held back (already sent, naming the
    latest export that sent them; an unconfirmed link; a later decision; the same child's own
    row), with what to do."""
    contact = int((rows["decision"] == CONTACT).fill_null(False).sum())
    sent_back = int(rows["held_back_sent"].sum())
    link = int(rows["held_back"].sum())
    later = int(rows["held_back_later"].sum())
    same = int(rows["held_back_same"].sum())
    superseded = tuple(sorted(rows["superseded"].drop_nulls().unique().to_list()))
    decided = int(rows["decision"].is_not_null().sum())
    result = OutreachResult(
        list_id=list_id,
        out=out,
        sidecar=sidecar_path(out),
        listed=rows.height,
        decided=decided,
        exported=0,
        held_back_unconfirmed_link=link,
        decision_ids=(),
        held_back_later_decision=later,
        superseded_by=superseded,
        held_back_already_sent=sent_back,
        held_back_same_child=same,
        again_for_not_held=again_for_not_held,
        held_back_moved=moved,
        held_back_not_compared=not_compared,
    )
    nothing = "No file was written and no export recorded"
    if out.exists():
        nothing += f" ({out}, already there, was left as it was)"
    if not contact:
        outcomes = rows["decision"].drop_nulls().value_counts(sort=True)
        counted = ", ".join(
            f"{n} `{name}`" for name, n in sorted(outcomes.iter_rows(), key=lambda r: (-r[1], r[0]))
        )
        so_far = (
            f"{decided} of its {rows.height} children {'has' if decided == 1 else 'have'} "
            f"one: {counted}"
            if decided
            else f"none of its {rows.height} children has one yet, only record-link decisions"
        )
        return NothingToSend(
            f"{listed.path}: nothing to send: no child of list {list_id} has `contact` as their "
            f"latest outcome decision ({so_far}). {nothing}: outreach sends only the families a "
            "person decided to contact; record `contact` decisions first",
            result,
        )
    last = None
    if sent_back:
        held = rows.filter("held_back_sent")["item_key"].implode()
        by_export = sent.filter(pl.col("item_key").is_in(held)).sort("export_seq")
        last = by_export.row(-1, named=True)
        exports = by_export["export_seq"].n_unique()
        file = Path(last["file"])
        where = f"its file: {file}" if file.is_file() else f"its file, {file}, is gone"
        earlier = "an earlier export" if exports == 1 else f"{exports} earlier exports"
        sent_words = (
            f"sent by {earlier} of the offer, the last by {last['exported_by']} on "
            f"{long_time(last['exported_at'])} ({where})"
        )
    if sent_back == contact:
        said = (
            f"{listed.path}: nothing new to send since the last export: "
            + (
                f"the only child of list {list_id} decided `contact` was already {sent_words}"
                if contact == 1
                else f"all {contact} children of list {list_id} decided `contact` were "
                f"already {sent_words}"
            )
            + f". {nothing}"
        )
    else:
        reasons = []
        if sent_back:
            reasons.append(f"{sent_back} already {sent_words}")
        if link:
            reasons.append(f"{link} held back until their DWP link is confirmed (`link_confirmed`)")
        if later:
            reasons.append(
                f"{later} decided again since on list(s) {', '.join(superseded)} of this "
                "initiative, where the later decision stands (export from that list if it says "
                "`contact`)"
            )
        if same:
            reasons.append(
                f"{same} DWP-list row(s) confirmed as a child whose own row on the list is "
                "the one sent (one letter per child)"
            )
        who = (
            f"the only child of list {list_id} decided `contact` cannot"
            if contact == 1
            else f"none of the {contact} children of list {list_id} decided `contact` can"
        )
        said = f"{listed.path}: nothing to send: {who} be sent now: {'; '.join(reasons)}. {nothing}"
    advice = []
    if moved:
        advice.append(
            f"{len(moved)} of those already sent {'has' if len(moved) == 1 else 'have'} "
            "another address now than the one the "
            f"earlier export wrote: {', '.join(f'{who} ({what})' for who, what in moved)}"
        )
    if not_compared:
        advice.append(
            f"{not_compared} of those already sent could not be compared with the address they "
            "were sent to (that export's file is gone)"
        )
    if again_for_not_held:
        advice.append(
            f"--again-for {', '.join(again_for_not_held)}: not held back as already sent "
            "(never sent, or not to be contacted), so it changed nothing for them"
        )
    if sent_back:
        advice.append(
            "to send them all again (a reminder), pass --again; --again-for ID sends again "
            "only the family named (a letter returned, a family that moved)"
        )
    if advice:
        text = "; ".join(advice)
        said += ". " + text[0].upper() + text[1:]
    return NothingToSend(
        said,
        result,
        last_sent_on=None if last is None else last["exported_at"],
        last_sent_by=None if last is None else last["exported_by"],
        last_sent_file=None if last is None else Path(last["file"]),
    )


# --- the export ------------------------------------------------------------------------------
def _sidecar(
    listed: ListFile,
    list_id: str,
    rows: pl.DataFrame,
    exported: pl.DataFrame,
    chain: ChainReport,
    user: str,
    digests: list[str],
) -> dict[str, Any]:
    outcomes = rows["decision"].drop_nulls().value_counts()
    return {
        "format": OUTREACH_FORMAT,
        "command": "review outreach",
        "list_id": list_id,
        "run_id": listed.run_id,
        "rule_set": listed.rule_set,
        "list_file": listed.path.name,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "exported_by": user,
        "decision_ids": sorted(exported["decision_id"].to_list()),
        "link_decision_ids": sorted(exported["link_decision_id"].drop_nulls().to_list()),
        "counts": {
            "listed": rows.height,
            "decided": int(rows["decision"].is_not_null().sum()),
            "by_latest_outcome": {
                name: dict(outcomes.iter_rows()).get(name, 0) for name in OUTCOME_DECISIONS
            },
            "exported": exported.height,
            "held_back_unconfirmed_link": int(rows["held_back"].sum()),
            "held_back_later_decision": int(rows["held_back_later"].sum()),
            "held_back_already_sent": int(rows["held_back_sent"].sum()),
            "held_back_same_child": int(rows["held_back_same"].sum()),
            "caution_funded_place": int(exported["caution_place"].sum()),
            "caution_confirmed_record_differs": int(exported["caution_record"].sum()),
            "caution_already_funded": int(exported["caution_funded"].sum()),
            "caution_places_not_known": int(exported["caution_no_places"].sum()),
            "caution_same_address": int(exported["caution_address"].sum()),
            "caution_dfe_check_since": int(exported["caution_dfe"].sum()),
            "caution_sent_before": int(exported["caution_sent"].sum()),
        },
        "superseded_by": sorted(rows["superseded"].drop_nulls().unique().to_list()),
        "chain_head": chain.head,
        "chain_checked": chain.checked,
        "row_digests": digests,
    }


def _finished(export: InterruptedExport, out: Path, record: dict[str, Any]) -> OutreachResult:
    """What an interrupted export put in place now (`finish_export`) holds, from its sidecar's
    `record`."""
    counts = record.get("counts", {})
    return OutreachResult(
        list_id=export.list_id,
        out=out,
        sidecar=sidecar_path(out),
        listed=counts.get("listed", 0),
        decided=counts.get("decided", 0),
        exported=export.rows,
        held_back_unconfirmed_link=counts.get("held_back_unconfirmed_link", 0),
        decision_ids=tuple(record.get("decision_ids", ())),
        held_back_later_decision=counts.get("held_back_later_decision", 0),
        superseded_by=tuple(record.get("superseded_by", ())),
        caution_funded_place=counts.get("caution_funded_place", 0),
        caution_confirmed_record_differs=counts.get("caution_confirmed_record_differs", 0),
        caution_same_address=counts.get("caution_same_address", 0),
        caution_places_not_known=counts.get("caution_places_not_known", 0),
        caution_already_funded=counts.get("caution_already_funded", 0),
        held_back_already_sent=counts.get("held_back_already_sent", 0),
        held_back_same_child=counts.get("held_back_same_child", 0),
        caution_dfe_check_since=counts.get("caution_dfe_check_since", 0),
        caution_sent_before=counts.get("caution_sent_before", 0),
        finished_export=export.seq,
        interrupted_on=export.exported_at,
    )


def export_outreach(
    store: ReviewStore,
    list_file: str | Path,
    data: str | Path | None,
    out: str | Path,
    *,
    key: bytes,
    user: str | None = None,
    overwrite: bool = False,
    again: bool = False,
    again_for: Collection[str] = (),
) -> OutreachResult:
    """Write contact details for the children whose latest outcome decision is ``contact``.

    Parameters
    ----------
    store
        The review store holding the list's decisions.
    list_file
        The list written by `workbench assess` (with its manifest), registered for review.
    data
        The data folder the list was made from (its files' SHA-256 must match the manifest);
        None for the one the list's manifest names.
    out
        The ``.csv`` to write (owner-only); ``out.outreach.json`` is written beside it.
    key
        The pseudonym key the list was registered with; each row's digest in the sidecar is
        keyed with it too (`row_digests`).
    user
        Who exports, for the store's access log (default: `WORKBENCH_USER`, else the login name).
        A name given that names no one (``admin``, ``n/a``, a single letter) is refused,
        saying why, before anything is written or logged, as `WORKBENCH_USER` is
        (`workbench.review.schema.recorded_user`).
    overwrite
        Replace an existing ``out`` (the export that wrote it does not count as sent).
    again
        Send again the families an earlier export of the offer already sent (a reminder, a
        family that moved); by default they are held back and counted.
    again_for
        Send again only these families an earlier export already sent: each a child's
        ``person_id`` or ``dwp_record_id`` as the list gives it (one the list does not have is
        refused). A row sent again either way is cautioned `sent_before_caution`.

    Returns
    -------
    OutreachResult
        Rows listed, decided and exported, children held back for an unconfirmed link, and
        the decision ids the export rests on.

    Raises
    ------
    NothingToSend
        When no family is to be sent (none decided ``contact``, or every one held back:
        already sent, an unconfirmed link, ...): nothing is written or recorded, and the
        message says why and what to do (``again``); its ``result`` holds the counts.
    WorkbenchError
        When the list is not in the store or has no decisions at all, the store's decision
        chain does not verify, or the data folder is not the one the list was made from.
    UsageError
        When ``out`` is not a ``.csv``, or is already there and not ``overwrite``.
    """
    user = recorded_user(user, "export_outreach")
    out = Path(out)
    sidecar = sidecar_path(out)
    interrupted = interrupted_exports(store, key)
    mine = next((i for i in interrupted if i.file == out.resolve()), None)
    # An interrupted export with --overwrite replaced a file still there: finished, not refused.
    check_destination(out, overwrite or mine is not None)
    listed = read_list_file(list_file)
    data = list_data_folder(listed, data)
    list_id = stored_list_id(store, listed)
    lists = store.lists()
    initiative = lists.filter(pl.col("list_id") == list_id)["initiative"].item()
    offer = lists.filter(pl.col("initiative") == initiative)["list_id"].to_list()
    if mine is not None and mine.problem is None and mine.list_id in offer:
        return _finished(mine, out, finish_export(mine, out))
    refuse_interrupted([i for i in interrupted if i.list_id in offer or i is mine])
    shaped = review_candidates(listed.candidates, key)
    store.verify_list(list_id)  # the list as stored first: then the file against it
    check_same_items(store, list_id, shaped, listed.path)
    if store.decisions(list_id).is_empty():
        raise WorkbenchError(
            f"{listed.path}: no decision has been recorded about any child of list {list_id}; "
            "outreach needs a person's `contact` decision for each family: review the list first"
        )
    chain = store.verify_chain()
    if not chain.ok:
        raise WorkbenchError(
            f"{store.path}: the decision chain does not verify ({chain.message}); no outreach "
            "can rest on it. Run `workbench assure` and restore the store from a backup"
        )
    rows = contact_rows(store, list_id, _with_record_links(shaped, listed.candidates))
    replaces = replaced_export(store.outreach_exports(), out, overwrite=overwrite)
    # Sent from any list of the offer (a re-run's, the same list's): by child, whatever the
    # decision since, so that a second officer's `contact` or a re-run's sends no second letter.
    # An export recorded whose file is gone, with no partial file, counts as sent: its file
    # was put in place, as exports are recorded only once their partial files are complete on
    # disk and the partial is renamed, never removed, after (`interrupted_exports`: one
    # stopped between is finished or refused above). Its file was sent and then deleted (after
    # mailing, or by retention), which is the usual case and must not send a second letter;
    # or it was recorded by a version of the workbench that recorded before writing and was
    # stopped between, which nothing left can tell apart. So it is not silent: the command
    # says when the export that sent the families held back was made (`already_sent_on`) and
    # how many of them cannot be compared with its file, gone (`held_back_not_compared`), so
    # an officer who knows it was never sent sends them with --again-for or --again.
    sent = store.outreach_exported().filter(
        ~pl.col("replaced"),
        pl.col("export_seq") != (replaces or 0),
        pl.col("list_id").is_in(offer),
    )
    chosen = frozenset(again_for)
    rows, sent_on = _not_sent_twice(rows, sent, again=again, again_for=chosen)
    not_resent = _check_again_for(rows, chosen, listed.path)
    exportable = rows.filter("exportable")
    moved, not_compared = _moved_since_sent(rows.filter("held_back_sent"), sent, data, listed)
    _check_confirmed_pairs(store, list_id, exportable, key, listed.path)
    check_registered_file(store, list_id, listed.path)
    if exportable.is_empty():  # an export of nobody: no file, no export in the store
        raise _nothing_to_send(
            listed,
            list_id,
            rows,
            sent,
            out,
            moved=moved,
            not_compared=not_compared,
            again_for_not_held=not_resent,
        )
    cautioned = _with_cautions(
        _with_details(exportable, data, listed),
        *_not_on_later_list(store, list_id),
        take_up=already_funded_is_take_up(listed.rule_set),
    )
    cautioned = _checked_since_decision(store, list_id, _same_address(cautioned))
    if exportable.height and places_not_known(data, listed):
        cautioned = cautioned.with_columns(
            pl.concat_str(
                pl.lit(CAUTION_PLACES_NOT_KNOWN),
                pl.col("caution"),
                separator="; ",
                ignore_nulls=True,
            ).alias("caution"),
            pl.lit(True).alias("caution_no_places"),
        )
    else:
        cautioned = cautioned.with_columns(pl.lit(False).alias("caution_no_places"))
    cautioned = _sent_again(cautioned)
    exported = cautioned.select(
        pl.lit(list_id).alias("list_id"), *OUTREACH_COLUMNS[1:], *group_columns_for(listed.rule_set)
    )
    safe = neutralised(exported)  # names and addresses that would run as formulas
    text = safe.write_csv(date_format="%Y-%m-%d")
    # Each row's digest as the file holds it, read back as `workbench assure` will read it.
    digests = row_digests(pl.read_csv(text.encode("utf-8"), infer_schema=False), key)
    record = _sidecar(listed, list_id, rows, cautioned, chain, user, digests)
    held = record["counts"]["held_back_unconfirmed_link"]
    removed = remove_stale_partials(out)  # left before the store recorded its export: never sent
    write_and_record(
        store,
        out,
        text,
        record,
        list_id=list_id,
        items=exported.select("item_key", "decision_id").rows(),
        user=user,
        detail=(
            f"list {list_id}: {exported.height} exported to {out.name}, {held} held back "
            f"(unconfirmed link), rows sealed {digests_seal(digests, key)}"
        ),
        replaces=replaces,
    )
    return OutreachResult(
        list_id=list_id,
        out=out,
        sidecar=sidecar,
        listed=rows.height,
        decided=record["counts"]["decided"],
        exported=exported.height,
        held_back_unconfirmed_link=held,
        decision_ids=tuple(record["decision_ids"]),
        held_back_later_decision=record["counts"]["held_back_later_decision"],
        superseded_by=tuple(record["superseded_by"]),
        caution_funded_place=record["counts"]["caution_funded_place"],
        caution_confirmed_record_differs=record["counts"]["caution_confirmed_record_differs"],
        caution_already_funded=record["counts"]["caution_already_funded"],
        caution_places_not_known=record["counts"]["caution_places_not_known"],
        caution_same_address=record["counts"]["caution_same_address"],
        held_back_already_sent=record["counts"]["held_back_already_sent"],
        already_sent_on=sent_on,
        held_back_same_child=record["counts"]["held_back_same_child"],
        caution_dfe_check_since=record["counts"]["caution_dfe_check_since"],
        removed_partials=removed,
        caution_sent_before=record["counts"]["caution_sent_before"],
        again_for_not_held=not_resent,
        held_back_moved=moved,
        held_back_not_compared=not_compared,
    )
