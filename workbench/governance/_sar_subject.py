"""Who a subject access request is about: the request forms, and the rows that are theirs.

Kept apart from :mod:`workbench.governance.subject_access` (which writes the export) because
finding the subject is a question of its own: checking that the request names one person in
exactly one way, finding their person id or DWP record ids by name and date of birth, and
collecting the DWP-list rows about them (by the exact linkage, the lists searched, or their
NINO). The lists searched are read here too, as they can name a child's DWP row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import cast

import polars as pl

from workbench.data import clean
from workbench.data.reading import LoadedData, load_folder
from workbench.eligibility.assess import columns_needed
from workbench.errors import UsageError
from workbench.linkage.exact import BAND_LINKED, link_exact
from workbench.review.details import record_link_columns
from workbench.review.keys import pseudonym
from workbench.review.lists import (
    DWP_KIND,
    PERSON_KIND,
    read_list_file,
    review_candidates,
)
from workbench.rules import available_initiatives, load_rule_set

SUBJECT_TABLES = ("people", "benefits", "child_statuses")
DWP_TABLE = "dwp_list"

__all__ = [
    "Listed",
    "Subject",
    "checked_request",
    "find_dwp_child",
    "find_person",
    "read_lists",
    "resolve",
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
    loaded = load_folder(
        data, tables=["people", DWP_TABLE], columns=_columns(["people", DWP_TABLE])
    )
    dwp = loaded.tables.get(DWP_TABLE)
    if dwp is None:
        return []

    found = dwp.filter(
        _name_key(pl.col("child_forename")) == _name_key(pl.lit(forename, dtype=pl.String)),
        _name_key(pl.col("child_surname")) == _name_key(pl.lit(surname, dtype=pl.String)),
        pl.col("child_date_of_birth") == date_of_birth,
    )
    linked = _exact_links(loaded)["record_id"].to_list()
    return sorted(found.filter(~pl.col("record_id").is_in(linked))["record_id"].to_list())


def checked_request(
    person_id: str | None, dwp_records: Sequence[str], nino: str | None
) -> tuple[str | None, tuple[str, ...]]:
    """The person id (stripped) and DWP record ids, refusing anything but exactly one form."""
    if person_id is not None:
        person_id = person_id.strip()
        if not person_id:
            raise UsageError("--person is empty; expected a person id from the people file")
    records = tuple(dict.fromkeys(r.strip() for r in dwp_records if r.strip()))
    given = [person_id is not None, bool(records), nino is not None]
    if sum(given) != 1:
        raise UsageError(
            "name the person in exactly one way: a person id, the DWP record ids of a child "
            "matched to no one, or a parent's NINO"
        )
    return person_id, records


@dataclass(frozen=True)
class Subject:
    """Who a request is about, and which rows of the DWP list are theirs.

    `as_child` are the DWP rows whose child is the subject, `as_parent` those whose parent is;
    `loaded` is the data folder as read (the DWP list among it when the folder has one).
    """

    label: str
    person_id: str | None
    as_child: tuple[str, ...]
    as_parent: tuple[str, ...]
    loaded: LoadedData

    @property
    def dwp(self) -> pl.DataFrame | None:
        return self.loaded.tables.get(DWP_TABLE)

    def item_keys(self, key: bytes) -> list[str]:
        """The review store's keys for the subject: of the person id, and of each DWP row as
        the child (a list names a child matched to no one by the row's record id)."""
        keys = [pseudonym(PERSON_KIND, self.person_id, key)] if self.person_id else []
        return keys + [pseudonym(DWP_KIND, record, key) for record in self.as_child]


@dataclass(frozen=True)
class Listed:
    """A candidate list searched: its name in the export, its rows as review reads them."""

    name: str
    rule_set: str
    run_id: str
    parameters: dict[str, str]
    rows: pl.DataFrame


def read_lists(lists: Sequence[Path], key: bytes) -> list[Listed]:
    out = []
    for path in lists:
        listed = read_list_file(path, as_written=False)  # everything held, as it is
        name = f"{path.name} ({listed.rule_set}, run {listed.run_id})"
        rows = review_candidates(listed.candidates, key).with_columns(
            *record_link_columns(listed.candidates)
        )
        parameters = dict(listed.parameters)
        out.append(Listed(name, listed.rule_set, listed.run_id, parameters, rows))
    return out


def _columns(tables: list[str]) -> dict[str, tuple[str, ...]]:
    """The optional columns of `tables` that assessing reads for some initiative (used, or
    read only to be checked): rule set by rule set, what the subject's data is read for."""
    rule_sets = [load_rule_set(name) for name in available_initiatives()]
    return columns_needed(rule_sets, tables)


def _load(data: Path) -> LoadedData:
    """The subject's tables and the DWP list, with only the columns assessing reads."""
    tables = [*SUBJECT_TABLES, DWP_TABLE]
    return load_folder(data, tables=tables, columns=_columns(tables))


def _linkable(loaded: LoadedData) -> dict[str, pl.LazyFrame]:
    return {name: loaded.tables[name].lazy() for name in ("people", DWP_TABLE)}


def _exact_links(loaded: LoadedData) -> pl.DataFrame:
    """DWP record id -> person id, for the rows the exact linkage ties to one person."""
    return (
        link_exact(_linkable(loaded))
        .filter(pl.col("band") == BAND_LINKED)
        .select("record_id", "person_id")
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
    links = (
        _exact_links(loaded)
        if dwp is not None
        else pl.DataFrame(schema={"record_id": pl.String, "person_id": pl.String})
    )
    if person_id is not None:
        as_child = set(links.filter(pl.col("person_id") == person_id)["record_id"].to_list())
        as_child |= _records_named(listed, person_id)
        parent_ninos = _ninos_of(people, person_id)
        _refuse_shared_nino(people, person_id, parent_ninos)
        label = person_id
    elif dwp_records:
        _refuse_linked(links, dwp_records)
        as_child, parent_ninos = set(dwp_records), []
        label = f"the child of DWP-list record(s) {', '.join(dwp_records)}"
    else:
        parent_ninos = [_refuse_known_nino(people, nino)]
        as_child = set()
        label = f"the parent or carer with NINO {parent_ninos[0]}"
    as_parent: list[str] = []
    if dwp is not None and parent_ninos and "parent_nino" in dwp.columns:
        as_parent = dwp.filter(pl.col("parent_nino").is_in(parent_ninos))["record_id"].to_list()
    return Subject(label, person_id, tuple(sorted(as_child)), tuple(sorted(as_parent)), loaded)


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
        record, person = linked.row(0)
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
