"""Who a subject access request is about: the request forms, and the rows that are theirs.

Kept apart from :mod:`workbench.governance.subject_access` (which writes the export) because
finding the subject is a question of its own: checking that the request names one person in
exactly one way, finding their person id or DWP record ids by name and date of birth, and
collecting the DWP-list rows about them (by the exact linkage, the lists searched, or their
NINO), their funded places (by the exact linkage, or named as evidence about them on a list
searched) and their household. The lists searched are read here too, as they can name a
child's DWP row or funded place.

Also here: the other members of the subject's household whose details, when review or an
outreach export shows them, show the subject's too (:meth:`Subject.shown_with`): a parent or
carer is named beside each child of the household, and review lists a child's brothers and
sisters; and the council children whose being proposed as the match of a DWP-list row shows the
subject in the row's record link (:meth:`Subject.proposed_as`: the subject, or a child whose
parent or carer they are). With them, what both `subject_access` and `_sar_exports` write
about those others:
the words that stand for a person withheld (`WITHHELD_CARER`, `WITHHELD_CHILD`), what another
child's details show of the subject (`SHOWN_AS`), a child's evidence with other people's ids
withheld (:func:`own_evidence`), and the day a store or sidecar time falls on
(:func:`on_day`, the day :meth:`Subject.shown_with` is asked about).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast

import polars as pl

from workbench.data import clean
from workbench.data.reading import LoadedData, load_folder
from workbench.eligibility.assess import columns_needed
from workbench.eligibility.terms import birthday
from workbench.errors import UsageError, WorkbenchError
from workbench.linkage.exact import BAND_LINKED, link_exact
from workbench.review.details import record_link_columns, working_parent_flags
from workbench.review.keys import pseudonym
from workbench.review.lists import (
    DWP_KIND,
    PERSON_KIND,
    read_list_file,
    review_candidates,
)
from workbench.rules import available_initiatives, load_rule_set

SUBJECT_TABLES = ("people", "benefits", "child_statuses", "households", "funded_places")
DWP_TABLE = "dwp_list"
PLACES_TABLE = "funded_places"
# The DWP list's address lines: review shows a child known only from the list at them, and an
# outreach export writes the first (`workbench.review.details`, `workbench.review.outreach`).
DWP_ADDRESS = ("address_line_1", "address_line_2", "address_line_3", "address_line_4")
AS_CARER = "a parent or carer"
AS_SIBLING = "another child of the household"
AS_DWP_PARENT = "the parent named on a DWP-list row"
AS_PROPOSED = "the proposed match of a DWP-list row"
AS_PROPOSED_CARER = "a parent or carer of the proposed match of a DWP-list row"
AS_HELD_NAMED = "a child named in why a DWP-list row's link was held"
# How the export names the other people it withholds.
WITHHELD_CARER = "a parent/carer (id withheld)"
WITHHELD_CHILD = "a child in their household (id withheld)"
# A parent's or carer's award in a child's evidence (`workbench.eligibility.assess`): the
# award and the person id.
CARER_AWARD = re.compile(r"award (\S+) of parent/carer (\S+)")
SHOWN_AS = {
    AS_CARER: f"their name, as a parent or carer, and the address, with {WITHHELD_CHILD}",
    AS_SIBLING: f"their name and age, as another child of the household, with {WITHHELD_CHILD}",
    AS_DWP_PARENT: (
        "their name, as the parent named on a DWP-list row, and the row's address, with the "
        "child of that row (id withheld)"
    ),
    AS_PROPOSED: (
        "their name, date of birth, address, postcode and council record id, as the child "
        "proposed as the match of a DWP-list row awaiting a link review, with the names of "
        "their parents or carers (withheld here); the row's child is withheld (it may be "
        "another child)"
    ),
    AS_PROPOSED_CARER: (
        "their name, as a parent or carer of the child proposed as the match of a DWP-list "
        f"row awaiting a link review, with {WITHHELD_CHILD}; the row's child is withheld (it "
        "may be another child)"
    ),
    AS_HELD_NAMED: (
        "their council record id (and their name, when they live in the household of the child "
        "proposed as the row's match: a twin, a brother or sister), named in why the link of a "
        "DWP-list row awaiting review to another council child was held; that child and the "
        "row's child are withheld (the row may be another child's)"
    ),
}
"""What another child's details show of the subject (`Subject.shown_with`), in words."""
# The council children a DWP-list row's hold reason names (the list's `held_because`, as
# `workbench.linkage.probabilistic` writes it: "council record P2", "council records P2, P3";
# review names one of the proposed child's household beside the id: `workbench.review.
# details._held_note`), one clause of the reason each ("; "-joined).
HELD_RECORDS = re.compile(r"council records? (?P<ids>[^\s:;(),]+(?:, [^\s:;(),]+)*)")
# A funded place named as evidence that a child meets a criterion (no note: not a place whose
# link awaits review), as `workbench.eligibility.assess.evidence_text` writes it.
_PLACE_PROOF = re.compile(r"(?:^|; )[A-Za-z0-9_]+: funded_places row ([^;]+)")
# Who counts as a parent or carer when the rule set cannot be read (a list of a rule file no
# longer held): the default role, and the age a National Insurance number is issued at.
_DEFAULT_CARER_ROLE = "parent_carer"
_DEFAULT_ADULT_AGE = 16

__all__ = [
    "AS_CARER",
    "AS_DWP_PARENT",
    "AS_HELD_NAMED",
    "AS_PROPOSED",
    "AS_PROPOSED_CARER",
    "AS_SIBLING",
    "CARER_AWARD",
    "DWP_ADDRESS",
    "HELD_RECORDS",
    "PLACES_TABLE",
    "SHOWN_AS",
    "WITHHELD_CARER",
    "WITHHELD_CHILD",
    "Listed",
    "NameSearch",
    "Subject",
    "checked_request",
    "find_dwp_child",
    "find_person",
    "find_subject",
    "held_names",
    "on_day",
    "own_evidence",
    "own_held",
    "read_lists",
    "resolve",
    "subject_named",
]


def find_person(data: str | Path, *, forename: str, surname: str, date_of_birth: date) -> list[str]:
    """The person ids in `data` with these names (case and spacing ignored) and date of birth.

    Examples
    --------
    >>> find_person(Path("data"), forename="Ada", surname="Lovelace",
    ...             date_of_birth=date(2024, 3, 1))  # doctest: +SKIP
    ['P000123']
    """
    people = load_folder(data, tables=["people"], columns={"people": ()}).tables["people"]

    def same(column: str, value: str) -> pl.Expr:
        squeeze = " ".join(value.split()).casefold()
        return pl.col(column).str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase() == (
            squeeze
        )

    found = people.filter(
        same("forename", forename),
        same("surname", surname),
        pl.col("date_of_birth") == date_of_birth,
    )
    return sorted(found["person_id"].to_list())


def find_dwp_child(
    data: str | Path, *, forename: str, surname: str, date_of_birth: date
) -> list[str]:
    """The DWP record ids in `data` of a child with these names and date of birth whom the
    exact linkage ties to no one in the people file: a child the workbench knows only from
    the DWP list. Names are compared as the linkage compares them (`workbench.data.clean`, case
    ignored); a child it ties to a person is found by that person's id instead.

    Examples
    --------
    >>> find_dwp_child(Path("data"), forename="Ada", surname="Lovelace",
    ...                date_of_birth=date(2024, 3, 1))  # doctest: +SKIP
    ['D-202']
    """
    named = _dwp_children_named(data, forename, surname, date_of_birth)
    return sorted(record for record, person in named.items() if person is None)


def _dwp_children_named(
    data: str | Path, forename: str, surname: str, date_of_birth: date
) -> dict[str, str | None]:
    """The DWP record ids of a child with these names and date of birth (compared as the
    linkage compares them), each with the person id the exact linkage ties it to (None: no
    one)."""
    loaded = load_folder(
        data, tables=["people", DWP_TABLE], columns=_columns(["people", DWP_TABLE])
    )
    dwp = loaded.tables.get(DWP_TABLE)
    if dwp is None:
        return {}
    found = dwp.filter(
        _name_key(pl.col("child_forename")) == _name_key(pl.lit(forename, dtype=pl.String)),
        _name_key(pl.col("child_surname")) == _name_key(pl.lit(surname, dtype=pl.String)),
        pl.col("child_date_of_birth") == date_of_birth,
    )
    links = _exact_links(loaded)
    linked = dict(zip(links["record_id"], links["person_id"], strict=True))
    return {record: linked.get(record) for record in sorted(found["record_id"].to_list())}


def find_subject(
    data: str | Path, *, forename: str, surname: str, date_of_birth: date
) -> tuple[str | None, list[str]]:
    """Who a request by name and date of birth is about: (person id, []) for the one person in
    the people file with them, or (None, DWP record ids) for a child known only from the DWP
    list (:func:`find_person`, :func:`find_dwp_child`).

    Refused (a UsageError naming every candidate by id) when more than one could be meant: two
    people, or a person and a DWP-list row with these names and date of birth that the linkage
    ties to no one or to someone else, or DWP-list rows tied to someone else: the requester may
    be either, and must not be sent the other's data. The DP team then asks by ``--person`` or
    ``--dwp-record``.
    """
    found = subject_named(data, forename=forename, surname=surname, date_of_birth=date_of_birth)
    if found is None:
        raise UsageError(
            f"no one in the people file or the DWP list of {data} has that name and date of "
            "birth (names compared ignoring case and spacing)"
        )
    return found


def subject_named(
    data: str | Path, *, forename: str, surname: str, date_of_birth: date
) -> tuple[str | None, list[str]] | None:
    """As :func:`find_subject`, but None (not a refusal) when no one in the people file or
    the DWP list has these names and date of birth: `subject_access` then writes an answer
    saying so, and what was searched."""
    people = find_person(data, forename=forename, surname=surname, date_of_birth=date_of_birth)
    if len(people) > 1:
        raise UsageError(
            f"{len(people)} people in {data} have that name and date of birth ("
            f"{', '.join(people)}); expected exactly one. Use --person with the id from the "
            "people file"
        )
    rows = _dwp_children_named(data, forename, surname, date_of_birth)
    others = {r: p for r, p in rows.items() if not people or p != people[0]}
    unlinked = [r for r, p in others.items() if p is None]
    if people and not others:
        return people[0], []
    if not people and others and len(unlinked) == len(others):
        return None, unlinked
    if not people and not others:
        return None
    candidates = [f"person {people[0]} in the people file"] if people else []
    if unlinked:
        candidates.append(
            f"the child of DWP-list record(s) {', '.join(unlinked)}, linked to no one in the "
            "people file"
        )
    candidates += [
        f"the child of DWP-list record {r}, linked to person {p}"
        for r, p in others.items()
        if p is not None
    ]
    ask = "--person with the person id"
    if unlinked:
        ask += f", or --dwp-record {' --dwp-record '.join(unlinked)} for the child known only "
        ask += "from the DWP list"
    raise UsageError(
        f"more than one child in {data} has that name and date of birth: "
        + "; ".join(candidates)
        + ". The requester may be either, and must not be sent the other's data: check which "
        f"they are (their address, their parent's name), then ask by {ask}"
    )


def checked_request(
    person_id: str | None,
    dwp_records: Sequence[str],
    nino: str | None,
    named: NameSearch | None = None,
) -> tuple[str | None, tuple[str, ...]]:
    """The person id (stripped) and DWP record ids, refusing anything but exactly one form."""
    if person_id is not None:
        person_id = person_id.strip()
        if not person_id:
            raise UsageError("--person is empty; expected a person id from the people file")
    records = tuple(dict.fromkeys(r.strip() for r in dwp_records if r.strip()))
    given = [person_id is not None, bool(records), nino is not None, named is not None]
    if sum(given) != 1:
        raise UsageError(
            "name the person in exactly one way: a person id, the DWP record ids of a child "
            "matched to no one, a parent's NINO, or names and a date of birth"
        )
    if named is not None and not (named.forename.strip() and named.surname.strip()):
        raise UsageError("the forename or surname is empty; expected the person's names")
    return person_id, records


@dataclass(frozen=True)
class NameSearch:
    """A request by names and date of birth (`workbench subject-access --forename F --surname
    S --dob DATE`): found as :func:`find_subject` finds it."""

    forename: str
    surname: str
    date_of_birth: date

    def __str__(self) -> str:
        names = " ".join(f"{self.forename} {self.surname}".split())
        return f"{names}, born {self.date_of_birth.isoformat()}"


@dataclass(frozen=True)
class Subject:
    """Who a request is about, and which rows of the DWP list and funded places are theirs.

    `as_child` are the DWP rows whose child is the subject, `as_parent` those whose parent is
    (their NINO, and, asked for by person id, their surname: `withheld_as_parent` holds the
    rows with their NINO under another surname);
    `places` their funded places, each record id with the exact linkage's method (None for a
    place a list searched named as evidence about them); `household_id` their household in the
    people file (None when they are not in it); `loaded` is the data folder as read (the DWP
    list, households and funded places among it when the folder has them).
    """

    label: str
    person_id: str | None
    as_child: tuple[str, ...]
    as_parent: tuple[str, ...]
    loaded: LoadedData
    household_id: str | None = None
    places: dict[str, str | None] = field(default_factory=dict)
    withheld_as_parent: tuple[str, ...] = ()
    """The DWP-list rows carrying the subject's NINO as the parent's under another surname
    (a NINO mistyped on either side): not theirs for certain, so never shown; the DP team
    checks them by hand."""

    @property
    def dwp(self) -> pl.DataFrame | None:
        return self.loaded.tables.get(DWP_TABLE)

    def item_keys(self, key: bytes) -> list[str]:
        """The review store's keys for the subject: of the person id, and of each DWP row as
        the child (a list names a child matched to no one by the row's record id)."""
        keys = [pseudonym(PERSON_KIND, self.person_id, key)] if self.person_id else []
        return keys + [pseudonym(DWP_KIND, record, key) for record in self.as_child]

    def shown_with(self, key: bytes, initiative: str | None, on: date) -> dict[str, str]:
        """The children whose details, shown in review (or, for a parent or carer, written to
        an outreach export) on a list of `initiative` on day `on`, show the subject's too:
        each child's store key (and, for access logs written before 6 December 2026, its
        person id or DWP record id) -> how the subject is shown with them: `AS_CARER` (named
        among the child's parents or carers, with the address), `AS_SIBLING` (review names the
        household's other children, with their ages) or `AS_DWP_PARENT` (a child known only
        from a DWP-list row naming the subject as the parent: its names and address shown).

        Parents and carers are those the rule set defines, as review and outreach name them
        (`workbench.review.list_data.household_carers`); the household's children as review
        counts them (role `child`, or, without roles, under the rule set's adult age)."""
        shown = dict.fromkeys(self._dwp_children(key), AS_DWP_PARENT)
        household = self._household()
        me = (
            household.filter(pl.col("person_id") == self.person_id)
            if household.height
            else household
        )
        if me.height == 0:
            return shown
        role, age = _carer_rule(initiative)
        if "role" in household.columns:
            carer, young = pl.col("role") == role, pl.col("role") == "child"
        else:
            adult = birthday(pl.col("date_of_birth"), 12 * age) <= on
            carer, young = adult, ~adult
        if me.filter(carer.fill_null(False)).height:
            how = AS_CARER
        elif me.filter(young.fill_null(False)).height:
            how = AS_SIBLING
        else:
            return shown
        return shown | dict.fromkeys(self._household_children(key), how)

    def proposed_as(self, key: bytes, initiative: str | None, on: date) -> dict[str, str]:
        """The council children who, proposed as the match of a DWP-list row whose link
        awaits review, show the subject in the row's details (the record link, as
        `workbench.review.details.record_link_text` words it, in the review page, the panel
        and a workbook's `record_link` column) on a list of `initiative` on day `on`: each
        child's store key and person id -> `AS_PROPOSED` (the subject: their name, date of
        birth, address and council record id) or `AS_PROPOSED_CARER` (a child of their
        household whose parents or carers are named beside them, the subject among them, as
        :meth:`shown_with` finds them). None for a subject not in the people file."""
        if self.person_id is None:
            return {}
        shown = {
            child: AS_PROPOSED_CARER
            for child, how in self.shown_with(key, initiative, on).items()
            if how == AS_CARER
        }
        own = (pseudonym(PERSON_KIND, self.person_id, key), self.person_id)
        return shown | dict.fromkeys(own, AS_PROPOSED)

    def near_keys(self, key: bytes) -> set[str]:
        """Every key `shown_with` may return, whatever the rule set: of the other members of
        the subject's household and of the DWP-list rows naming them as the parent."""
        return {*self._dwp_children(key), *self._household_children(key)}

    def _household(self) -> pl.DataFrame:
        """The rows of the people file of the subject's household (none without one)."""
        people = self.loaded.tables["people"]
        if self.person_id is None or self.household_id is None:
            return people.clear()
        return people.filter(pl.col("household_id") == self.household_id)

    def _household_children(self, key: bytes) -> list[str]:
        """The store keys and ids of the other members of the subject's household."""
        household = self._household()
        if household.is_empty():
            return []
        others = household.filter(pl.col("person_id") != self.person_id)["person_id"]
        return [name for o in others.to_list() for name in (pseudonym(PERSON_KIND, o, key), o)]

    def _dwp_children(self, key: bytes) -> list[str]:
        """The store keys and record ids of the DWP-list rows naming the subject as the
        parent (a list names the child of a row linked to no one by the row)."""
        return [name for r in self.as_parent for name in (pseudonym(DWP_KIND, r, key), r)]


def _carer_rule(initiative: str | None) -> tuple[str, int]:
    """Who is a parent or carer under the initiative's rule set: the role, and the adult age
    when the people file has no roles (the defaults when the rule set cannot be read)."""
    try:
        if initiative is not None:
            rule = load_rule_set(initiative).parent_carers
            return rule.role, rule.adult_age_without_role
    except WorkbenchError:
        pass
    return _DEFAULT_CARER_ROLE, _DEFAULT_ADULT_AGE


def on_day(at: str | None) -> date:
    """The day of a store or sidecar time (ISO 8601, UTC); today for none."""
    return date.fromisoformat(at[:10]) if at else datetime.now(UTC).date()


def held_names(held: str | None) -> set[str]:
    """The council record ids a hold reason (`held_because`, or the words review shows for
    it) names (`HELD_RECORDS`).

    >>> sorted(held_names("council records P2, P3 score exactly as high; a twin, council "
    ...                   "record P9 (the same date of birth and household), also scores"))
    ['P2', 'P3', 'P9']
    """
    return {i for found in HELD_RECORDS.finditer(held or "") for i in found["ids"].split(", ")}


def own_held(held: str, person_id: str) -> str:
    """The clauses of a hold reason (`held_because`, "; "-joined) that name `person_id`,
    every other council record id in them withheld.

    >>> own_held("council record C7 scores exactly as high: the row cannot tell the children "
    ...          "apart; a twin, council records C2, C3 (the same date of birth)", "C3")
    'a twin, council records (id withheld), C3 (the same date of birth)'
    """

    def withheld(found: re.Match[str]) -> str:
        ids = [i if i == person_id else "(id withheld)" for i in found["ids"].split(", ")]
        return found[0][: found.start("ids") - found.start()] + ", ".join(ids)

    clauses = [c for c in held.split("; ") if person_id in held_names(c)]
    return "; ".join(HELD_RECORDS.sub(withheld, clause) for clause in clauses)


def own_evidence(evidence: str | None) -> str:
    """The evidence with other people's award and person ids withheld."""
    return CARER_AWARD.sub(f"an award of {WITHHELD_CARER}", evidence or "")


@dataclass(frozen=True)
class Listed:
    """A candidate list searched: its name in the export, its rows as review reads them."""

    name: str
    rule_set: str
    run_id: str
    parameters: dict[str, str]
    rows: pl.DataFrame
    not_listed: pl.DataFrame | None = None
    """The DWP-list rows the list does not carry, each with why (`NAME.dwp_not_listed.csv`)."""
    path: Path | None = None
    found_in: Path | None = None
    """The reports folder the list was found under; None for a list given."""

    @property
    def initiative(self) -> str:
        return self.rule_set.split("@", 1)[0]


def read_lists(
    lists: Sequence[Path], key: bytes, found_in: Path | None = None
) -> tuple[list[Listed], list[tuple[Path, str]]]:
    """The lists, read; and, for lists found under `found_in` (not given), each one that could
    not be read, with why (a list given that cannot be read is refused: DataFileError)."""
    out = []
    unread = []
    for path in lists:
        try:
            out.append(_read_list(path, key, found_in))
        except WorkbenchError as error:
            if found_in is None:
                raise
            unread.append((path, str(error)))
    return out, unread


def _read_list(path: Path, key: bytes, found_in: Path | None) -> Listed:
    listed = read_list_file(path, as_written=False)  # everything held, as it is
    # A list found under a reports folder is named by its place in it (many are named alike).
    shown = path.relative_to(found_in).as_posix() if found_in is not None else path.name
    name = f"{shown} ({listed.rule_set}, run {listed.run_id})"
    working_parent = (
        working_parent_flags(listed.candidates)
        if "working_parent_place" in listed.candidates.columns
        else pl.lit(None, pl.Boolean).alias("working_parent_place")
    )
    rows = review_candidates(listed.candidates, key).with_columns(
        *record_link_columns(listed.candidates), working_parent
    )
    parameters = dict(listed.parameters)
    return Listed(
        name,
        listed.rule_set,
        listed.run_id,
        parameters,
        rows,
        listed.not_listed,
        path=path,
        found_in=found_in,
    )


def _columns(tables: list[str]) -> dict[str, tuple[str, ...]]:
    """The optional columns of `tables` that assessing reads for some initiative (used, or
    read only to be checked): rule set by rule set, what the subject's data is read for."""
    rule_sets = [load_rule_set(name) for name in available_initiatives()]
    return columns_needed(rule_sets, tables)


def _load(data: Path) -> LoadedData:
    """The subject's tables with every column the workbench holds about a person (all but the
    special-category ones, which are never read about one person), and the DWP list with the
    columns the workbench reads of it: those assessing reads, and the address lines review and
    outreach show."""
    dwp = (*_columns([DWP_TABLE])[DWP_TABLE], *DWP_ADDRESS)
    return load_folder(data, tables=[*SUBJECT_TABLES, DWP_TABLE], columns={DWP_TABLE: dwp})


def _exact_links(loaded: LoadedData, source: str = DWP_TABLE) -> pl.DataFrame:
    """Record id -> person id, and the rule that linked them (`method`), for the rows of
    `source` (the DWP list or the funded places) the exact linkage ties to one person; none
    when the data folder has no such file."""
    tables = {n: loaded.tables[n].lazy() for n in ("people", source) if n in loaded.tables}
    return (
        link_exact(tables)
        .filter(pl.col("band") == BAND_LINKED)
        .select("record_id", "person_id", "method")
        .collect()
    )


def _nino(value: str | None) -> str | None:
    return cast(str | None, pl.select(clean.nino(pl.lit(value, dtype=pl.String))).item())


def _name_key(expr: pl.Expr) -> pl.Expr:
    """A name as the exact linkage compares it: cleaned, case ignored."""
    return clean.name(expr).str.to_lowercase()


def _records_named(listed: Sequence[Listed], person_id: str) -> set[str]:
    """The DWP record ids that lists searched matched to this person (any linkage)."""
    found: set[str] = set()
    for entry in listed:
        rows = entry.rows.filter(pl.col("person_id") == person_id)
        found |= set(rows["dwp_record_id"].drop_nulls().to_list())
    return found


def _places_named(listed: Sequence[Listed], person_id: str) -> set[str]:
    """The funded places that lists searched named as evidence about this person (linked to
    them by any linkage; not a place whose link awaits review)."""
    found: set[str] = set()
    for entry in listed:
        rows = entry.rows.filter(pl.col("person_id") == person_id)
        for evidence in rows["evidence"].drop_nulls().to_list():
            found |= {record.strip() for record in _PLACE_PROOF.findall(evidence)}
    return found


def _places_of(
    loaded: LoadedData, listed: Sequence[Listed], person_id: str
) -> dict[str, str | None]:
    """The person's funded places: those the exact linkage ties to them (with its method),
    then those a list searched named as evidence about them (None: no exact rule ties them)."""
    if PLACES_TABLE not in loaded.tables:
        return {}
    links = _exact_links(loaded, PLACES_TABLE).filter(pl.col("person_id") == person_id)
    found: dict[str, str | None] = dict(zip(links["record_id"], links["method"], strict=True))
    for record in sorted(_places_named(listed, person_id)):
        found.setdefault(record, None)
    return found


def resolve(
    data: Path,
    person_id: str | None,
    dwp_records: Sequence[str],
    nino: str | None,
    listed: Sequence[Listed],
) -> Subject:
    loaded = _load(data)
    dwp = loaded.tables.get(DWP_TABLE)
    people = loaded.tables["people"]
    links = _exact_links(loaded)
    household_id: str | None = None
    places: dict[str, str | None] = {}
    if person_id is not None:
        as_child = set(links.filter(pl.col("person_id") == person_id)["record_id"].to_list())
        as_child |= _records_named(listed, person_id)
        parent_ninos = _ninos_of(people, person_id)
        _refuse_shared_nino(people, person_id, parent_ninos)
        label = person_id
        households = people.filter(pl.col("person_id") == person_id)["household_id"]
        household_id = next(iter(households.drop_nulls().to_list()), None)
        places = _places_of(loaded, listed, person_id)
    elif dwp_records:
        _refuse_linked(links, dwp_records)
        as_child, parent_ninos = set(dwp_records), []
        label = f"the child of DWP-list record(s) {', '.join(dwp_records)}"
    else:
        parent_ninos = [_refuse_known_nino(people, nino)]
        as_child = set()
        label = f"the parent or carer with NINO {parent_ninos[0]}"
    as_parent: list[str] = []
    withheld: list[str] = []
    if dwp is not None and parent_ninos and "parent_nino" in dwp.columns:
        carrying = dwp.filter(pl.col("parent_nino").is_in(parent_ninos))
        surnames = _surnames_of(people, person_id)
        if surnames and "parent_surname" in carrying.columns:
            same = _squeezed(pl.col("parent_surname")).is_in(surnames).fill_null(False)
            withheld = sorted(carrying.filter(~same)["record_id"].to_list())
            carrying = carrying.filter(same)
        as_parent = carrying["record_id"].to_list()
    return Subject(
        label,
        person_id,
        tuple(sorted(as_child)),
        tuple(sorted(as_parent)),
        loaded,
        household_id=household_id,
        places=places,
        withheld_as_parent=tuple(withheld),
    )


def _squeezed(expr: pl.Expr) -> pl.Expr:
    """A name with case and spaces aside (``Van Der Berg`` and ``vanderberg`` agree)."""
    return expr.str.replace_all(r"\s+", "").str.to_lowercase()


def _surnames_of(people: pl.DataFrame, person_id: str | None) -> list[str]:
    """The person's surnames in the people file, case and spaces aside (none for a request
    by NINO or DWP record)."""
    if person_id is None or "surname" not in people.columns:
        return []
    rows = people.filter(pl.col("person_id") == person_id).select(_squeezed(pl.col("surname")))
    return rows.to_series().drop_nulls().to_list()


def _ninos_of(people: pl.DataFrame, person_id: str) -> list[str]:
    if "nino" not in people.columns:
        return []
    return people.filter(pl.col("person_id") == person_id)["nino"].drop_nulls().to_list()


def _refuse_shared_nino(people: pl.DataFrame, person_id: str, ninos: list[str]) -> None:
    """Refuse when the person's NINO is also another person's: the DWP rows carrying it
    cannot be told apart, and the export would show another household's data."""
    if not ninos:
        return
    others = sorted(
        people.filter(pl.col("nino").is_in(ninos) & (pl.col("person_id") != person_id))[
            "person_id"
        ].to_list()
    )
    if others:
        raise UsageError(
            f"person {person_id}'s NINO is also recorded for person(s) {', '.join(others)} in "
            "the people file, so the DWP-list rows carrying it cannot be told apart and the "
            "export could show another household's data; correct the NINO in the people file "
            "first (`workbench validate` lists shared NINOs)"
        )


def _refuse_linked(links: pl.DataFrame, records: Sequence[str]) -> None:
    linked = links.filter(pl.col("record_id").is_in(list(records))).sort("record_id")
    if linked.height:
        record, person = linked.row(0)[:2]
        raise UsageError(
            f"DWP record {record} is linked to person {person} in the people file: ask by "
            f"that person id, which finds this record too"
        )


def _refuse_known_nino(people: pl.DataFrame, nino: str | None) -> str:
    value = _nino(nino)
    if value is None:
        raise UsageError("the NINO is empty; expected a National Insurance number")
    if "nino" in people.columns:
        held = sorted(people.filter(pl.col("nino") == value)["person_id"].to_list())
        if held:
            raise UsageError(
                f"NINO {value} is held by person(s) {', '.join(held)} in the people file: ask "
                "by person id, which finds the DWP rows with this NINO too"
            )
    return value
