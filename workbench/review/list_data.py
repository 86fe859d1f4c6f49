"""The council's data a list was made from, read again after review: which folder, whether its
files are still the list's, and who each child's parents and carers are.

A list carries ids, never names. Whatever shows or sends a family's details (the review panel
and workbook's details, `workbench.review.details`; the outreach export,
`workbench.review.outreach`; DfE's bulk-check file, `workbench.review.checks`) reads them from
the data folder the list was made from (`list_data_folder`), after checking that each file is
the very one the list's manifest hashed (`check_inputs`), or that a database's query returned
the very rows (`check_read_inputs`): a changed folder is refused, so nothing is read about
other families than the ones reviewed. The parents and carers of a child are the household's
as the rule set defines them (`household_carers`, `carer_names`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from workbench.data.database import ROWS_HASH, DatabaseTable
from workbench.data.profiles import active_profile
from workbench.data.reading import LoadedData, find_table_file, load_folder
from workbench.eligibility.terms import birthday
from workbench.errors import WorkbenchError
from workbench.provenance import file_sha256
from workbench.review.lists import ListFile
from workbench.rules import load_rule_set

__all__ = [
    "carer_names",
    "check_inputs",
    "check_read_inputs",
    "household_carers",
    "list_data_folder",
    "places_not_known",
]


def list_data_folder(listed: ListFile, data: str | Path | None = None) -> Path:
    """The data folder a list was made from: `data` when given, else the one its manifest
    names; a WorkbenchError saying to give it (--data) when the manifest names none."""
    folder = data or listed.data_folder
    if not folder:
        raise WorkbenchError(
            f"{listed.path}: its manifest names no data folder (a list written before the "
            "workbench recorded it); give the folder the list was made from with --data"
        )
    return Path(folder)


def check_inputs(data: Path, listed: ListFile, tables: list[str]) -> None:
    """The contact details must come from the very files the list was made from."""
    profiles = sorted(n for n in listed.input_hashes if n.endswith((".yaml", ".yml")))
    hint = (
        f" (the list was read through the source profile {profiles[0]}: give it with --profile)"
        if profiles and active_profile() is None
        else ""
    )
    for table in tables:
        found = find_table_file(data, table)
        if found is None:
            raise WorkbenchError(
                f"{data}: has no {table} file; expected the data folder the list "
                f"{listed.path.name} was made from{hint}"
            )
        if isinstance(found, DatabaseTable):
            continue  # its rows are known once read: `check_read_inputs`
        if listed.input_hashes.get(found.name) != file_sha256(found):
            raise WorkbenchError(
                f"{found}: is not the file the list {listed.path.name} was made from (its "
                "SHA-256 differs from the list's manifest); give --data the folder of that run"
            )


def check_read_inputs(loaded: LoadedData, listed: ListFile) -> None:
    """The tables read from a database (a profile's queries) must have returned the very rows
    the list was made from: their hash, of the query and its rows, against the manifest's."""
    for name, report in loaded.reports.items():
        source = report.file
        if not isinstance(source, DatabaseTable):
            continue
        if listed.input_hashes.get(source.name) == file_sha256(source):
            continue
        made = (listed.manifest.get("database") or {}).get(name) or {}
        why = "the database has changed since"
        if made.get("rows_hash") not in (None, ROWS_HASH):
            why = (
                f"or the workbench hashes rows otherwise since it was made ({made['rows_hash']} "
                f"then, {ROWS_HASH} now)"
            )
        raise WorkbenchError(
            f"{source}: returns other rows than those the list {listed.path.name} was made "
            f"from (their SHA-256 differs from the list's manifest): {why}; make the list again"
        )


def household_carers(
    people: pl.DataFrame, children: pl.DataFrame, initiative: str, as_of: date
) -> pl.DataFrame:
    """Each child's parents and carers as the rule set defines them, one row per pair:
    ``person_id`` (the child) and the carer's row of ``people`` with its columns prefixed
    ``carer_`` (``carer_person_id``, ``carer_forename``, ...), sorted by child then carer."""
    rule = load_rule_set(initiative).parent_carers
    if "role" in people.columns:
        carers = people.filter(pl.col("role") == rule.role)
    else:
        adult = birthday(pl.col("date_of_birth"), 12 * rule.adult_age_without_role)
        carers = people.filter(adult <= as_of)
    carers = carers.select(
        pl.col("household_id"), pl.all().exclude("household_id").name.prefix("carer_")
    )
    return (
        children.select("person_id", "household_id")
        .join(carers, on="household_id")
        .filter(pl.col("carer_person_id") != pl.col("person_id"))
        .sort("person_id", "carer_person_id")
    )


def carer_names(
    people: pl.DataFrame, children: pl.DataFrame, initiative: str, as_of: date
) -> pl.DataFrame:
    """Each child's parents and carers as one text (``parent_carers``), ``Forename Surname``
    joined by ``; ``, one row per child with any (`household_carers`)."""
    return (
        household_carers(people, children, initiative, as_of)
        .with_columns(
            pl.concat_str("carer_forename", "carer_surname", separator=" ").alias("carer_name")
        )
        .group_by("person_id", maintain_order=True)
        .agg(pl.col("carer_name").str.join("; ").alias("parent_carers"))
    )


def places_not_known(data: Path, listed: ListFile) -> bool:
    """Whether the list's rules read funded places and its data folder's headcount holds none
    for its term (or there is no headcount): ``already_funded`` could not say then, and a
    child shown as not funded may well have a place. What the outreach export's caution, the
    review panel's and the review workbook's rest on."""
    term = listed.term_start
    rule_set = load_rule_set(listed.rule_set.split("@", 1)[0])
    if term is None or "funded_places" not in rule_set.sources:
        return False
    found = find_table_file(data, "funded_places")
    if found is None:
        return True
    if not isinstance(found, DatabaseTable):
        recorded = listed.input_hashes.get(found.name)
        if recorded is None:  # the headcount came in after the list was made
            return True
        if recorded != file_sha256(found):
            return False  # another headcount since: what the list's was cannot be told
    loaded = load_folder(data, tables=["funded_places"])
    check_read_inputs(loaded, listed)
    return term not in set(loaded.tables["funded_places"]["term_start"].to_list())
