"""The one assessment pipeline: a data folder, or data already loaded, to an `Assessment`.

`assess` is the only place an assessment is assembled: it chooses the rule set (rules are those
in force on the first day of the term), loads only the tables and columns that rule set reads
(purpose limitation), links the DWP list and funded places, runs the engine
(`workbench.eligibility.engine`) and records what makes the run reproducible (the inputs' SHA-256,
the parameters, the rule-set version, the code version and the environment). The command line
(`assess`, `explain`, `stats`), the demo and every notebook call it.

`Assessment.write` writes the candidate list (CSV or parquet by suffix, owner-only) with its
run id, the manifest beside it, and, when the rule set reads the DWP list, the list's rows not
listed with their reasons. In CSV, list columns are joined: `reason_codes` with `;` and
`evidence` as one readable sentence per proof, joined with `; `. Parquet keeps them as lists.

Example
-------
>>> from datetime import date
>>> found = assess("data_samples/council_small", "two_year_old",
...                term_start=date(2026, 9, 1), as_of=date(2026, 8, 1))  # doctest: +SKIP
>>> found.candidates.height, found.run_id  # doctest: +SKIP
(23, 'r-...')
"""

from __future__ import annotations

import importlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from workbench import progress
from workbench.data.database import database_record
from workbench.data.reading import LoadedData, combine_loaded, load_folder
from workbench.data.schema import TABLES
from workbench.errors import UsageError, WorkbenchError
from workbench.paths import project_path
from workbench.private_files import check_folder_for, private_folder_for, write_private
from workbench.provenance import code_context, file_sha256, input_hashes, model_hashes, run_id
from workbench.spreadsheet import neutralised

if TYPE_CHECKING:
    from workbench.eligibility.engine import EngineResult
    from workbench.eligibility.explain import Explanation
    from workbench.linkage.model import LinkageModel
    from workbench.review.link_decisions import AppliedLinkDecisions, StoredLinkDecisions
    from workbench.rules.model import RuleSet

__all__ = [
    "LINKAGE_MODES",
    "LIST_SUFFIXES",
    "OPTIONAL_COLUMNS_CHECKED",
    "Assessment",
    "WrittenList",
    "as_day",
    "assess",
    "check_list_path",
    "columns_needed",
    "columns_used",
    "evidence_text",
    "link",
    "linkage_model_record",
    "list_summary",
    "load",
    "partly_met",
    "rule_set",
    "unlisted_path",
    "write_list",
]

LIST_SUFFIXES = (".csv", ".parquet")
LINKAGE_MODES = ("exact", "probabilistic")
# Optional columns a value can break (a date, a number, a value from a list, true or false),
# per table: read from every table an assessment reads, whether or not its rule set uses them,
# so that a row `workbench validate` quarantines is quarantined by `assess` too and counts for
# nothing (the data contract), rather than a list resting on it. Those the rule set does not
# use (`columns_used`) are dropped once checked: the assessment never holds them. Text columns
# (names, NINOs, postcodes, addresses) break no row and are read only where used. None is
# special category.
OPTIONAL_COLUMNS_CHECKED: dict[str, tuple[str, ...]] = {
    name: tuple(
        c.name
        for c in table.columns
        if not c.required
        and not c.special_category
        and c.dtype in ("date", "decimal", "enum", "boolean")
    )
    for name, table in TABLES.items()
}
REVIEW_STATUS = "every row pending_review: no decision has been made"


# --- checking what the caller gave -------------------------------------------------------------


def as_day(value: date | str, parameter: str) -> date:
    """A date given as a `date` or an ISO string (`"2026-09-01"`, as notebook parameters
    are), or a UsageError naming `parameter`."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise UsageError(f"must be an ISO date like 2026-09-01; got {value!r}", parameter=parameter)


def check_list_path(out: str | Path) -> Path:
    """`out` as a Path, or a UsageError if it is not a `.csv` or `.parquet` file name."""
    out = Path(out)
    if out.suffix.lower() not in LIST_SUFFIXES:
        raise UsageError(f"must end in .csv or .parquet; got {out.name!r}", parameter="out")
    check_folder_for(out)
    return out


def _check_linkage(linkage: str) -> None:
    if linkage not in LINKAGE_MODES:
        raise UsageError(
            f"must be one of {', '.join(LINKAGE_MODES)}; got {linkage!r}", parameter="linkage"
        )


def columns_used(rule_set: RuleSet) -> dict[str, tuple[str, ...]]:
    """The optional columns `rule_set` uses, per table it reads (data minimisation: nothing
    else is kept), worked out from its rules over every date, not from a list kept by hand.

    - ``people.nino``: only to link the DWP list (a parent's NINO and the child's date of
      birth), when a criterion matches children to it;
    - ``people.postcode``, and the DWP list's ``parent_nino`` and ``postcode`` and the funded
      places' ``postcode``: only to link those rows to children, when it reads them;
    - ``people.role``: to find the parents and carers (a parent's or carer's criterion), to
      count a household's children (household limits), and to link (the linkage takes only a
      ``child`` as a row's child, and only a ``parent_carer``'s NINO as vouching for one);
    - ``benefits.end_date`` when a criterion reads awards (active on the evidence date), and
      the incomes its income tests name; ``child_statuses.end_date`` for an active status;
    - the households' flag, income and London columns for household limits, and savings when
      a limit has a savings limit.

    Examples
    --------
    >>> columns_used(rule_set("disability_access_fund"))["people"]
    ('postcode', 'role')
    >>> columns_used(rule_set("free_school_meals"))["people"]
    ('role',)
    """
    criteria = rule_set.criteria
    kinds = {c.kind for c in criteria}
    sources = set(rule_set.sources)
    links_dwp = "dwp_list" in sources and any(
        c.kind == "list_match" and c.matched_list == "dwp_list" for c in criteria
    )
    links = links_dwp or "funded_places" in sources
    limits = [c for c in criteria if c.kind == "household_limits"]
    wanted: dict[str, set[str]] = {
        "people": {
            *(["nino"] if links_dwp else []),
            *(["postcode"] if links else []),
            *(
                ["role"]
                if links or limits or any(c.applies_to == "parent_carer" for c in criteria)
                else []
            ),
        },
        "benefits": {
            *(["end_date"] if any(c.table == "benefits" for c in criteria) else []),
            *(c.income for c in criteria if c.income is not None),
        },
        "child_statuses": {"end_date"} if "active_status" in kinds else set(),
        "households": {
            *(c.flag for c in limits if c.flag is not None),
            *(["annual_income", "in_london"] if limits else []),
            *(["savings"] if any(e.savings is not None for c in limits for e in c.limits) else []),
        },
        "dwp_list": {"parent_nino", "postcode"} if links_dwp else set(),
        "funded_places": {"postcode"},
    }
    return {
        name: tuple(c for c in TABLES[name].column_names if c in wanted.get(name, ()))
        for name in rule_set.sources
    }


def columns_needed(
    rules: RuleSet | Iterable[RuleSet], tables: Iterable[str] | None = None
) -> dict[str, tuple[str, ...]]:
    """The optional columns to load for assessing with `rules` (one rule set, or several: the
    columns any of them needs), per table of `tables` (default: the tables they read): those
    used (`columns_used`), and those only checked (`OPTIONAL_COLUMNS_CHECKED`).

    Examples
    --------
    >>> columns_needed(rule_set("disability_access_fund"))["benefits"]
    ('end_date', 'net_earned_income', 'gross_income')
    """
    from workbench.rules.model import RuleSet  # a pydantic model: iterable itself

    chosen = [rules] if isinstance(rules, RuleSet) else list(rules)
    used = [columns_used(r) for r in chosen]
    names = list(dict.fromkeys(t for r in chosen for t in r.sources)) if tables is None else tables
    needed = {}
    for name in names:
        wanted = {c for u in used for c in u.get(name, ())}
        wanted |= set(OPTIONAL_COLUMNS_CHECKED.get(name, ()))
        needed[name] = tuple(c for c in TABLES[name].column_names if c in wanted)
    return needed


# --- the public steps --------------------------------------------------------------------------


def load(
    folder: str | Path,
    *,
    tables: Iterable[str] | None = None,
    columns: Mapping[str, Iterable[str]] | None = None,
    profile: str | Path | None = None,
) -> LoadedData:
    """Load a data folder for exploring: typed accepted rows, the quarantine and warnings.

    Parameters
    ----------
    folder
        A folder holding one file per canonical table (``people.csv``, ``benefits.parquet``,
        ...). A relative path is read from the working directory, then from the project
        root, so a notebook opened in ``notebooks/`` finds ``data_samples/...``.
    tables
        The tables to read (default: every canonical table present).
    columns
        Optional columns to read, per table (default: every optional column except the
        special-category ones, which are read only for aggregate equality tables).
    profile
        A source profile (YAML, `workbench.data.profiles`) when the folder holds a council's
        own extract rather than the contract's files; relative paths as for ``folder``.
        Default: the one `--profile` or ``WORKBENCH_PROFILE`` names, else none.

    Returns
    -------
    LoadedData
        ``tables`` (polars DataFrames), ``quarantine``, ``warnings`` and a report per file;
        for every file, ``accepted + quarantined == read``; ``profile`` is the profile read
        through.

    Examples
    --------
    >>> data = load("data_samples/council_small", tables=["people"])
    >>> sorted(data.tables)
    ['people']
    >>> report = data.reports["people"]
    >>> report.read == report.accepted + report.quarantined
    True
    """
    chosen = project_path(profile) if profile is not None else None
    return load_folder(project_path(folder), tables=tables, columns=columns, profile=chosen)


def rule_set(initiative: str | Path, *, on: date | str | None = None) -> RuleSet:
    """An initiative's rule set (``two_year_old``, ``free_school_meals``, ...) or a rule file.

    Given ``on``, the first day of a term, it is checked that the rule set covers that term.

    Examples
    --------
    >>> rules = rule_set("two_year_old", on="2026-09-01")
    >>> rules.id
    'two_year_old'
    >>> [c.code for c in rules.criteria_in_force(date(2026, 9, 1))][:2]
    ['income_support', 'jsa_income_based']
    """
    from workbench.rules import load_rule_set

    rules = load_rule_set(initiative)
    if on is not None:
        rules.check_date(as_day(on, "on"))
    return rules


# --- the assessment ----------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class Assessment:
    """One initiative assessed for one term: the candidate list, its evidence and the run.

    Made by `assess`. Nothing in it is a decision: every row is ``pending_review`` until a
    person records a decision (`workbench.ReviewStore`).

    Attributes
    ----------
    result
        The engine's result (`workbench.eligibility.engine.EngineResult`).
    data
        The data the assessment read (only the tables and columns its rule set reads).
    linkage
        ``exact`` or ``probabilistic``.
    link_decisions
        The reviewers' link decisions applied to the links (`assess(..., store=...)`), or
        None when no review store was given.
    linkage_model
        A council's own linkage model the links were made with (`assess(..., model=...)`):
        its folder and the model read from it; None for the package's own settings.
    """

    result: EngineResult
    data: LoadedData
    linkage: str
    link_decisions: AppliedLinkDecisions | None = None
    # A council's own rule file (`--rules`), hashed among the inputs: the package's own rule
    # files are the code's, and its version names them.
    rules_file: Path | None = None
    linkage_model: tuple[Path, LinkageModel] | None = None
    _provenance: tuple[dict[str, str], str, str | None, dict[str, Any]] | None = field(
        default=None, repr=False
    )

    @property
    def candidates(self) -> pl.DataFrame:
        """The candidate list (`workbench.eligibility.engine.CANDIDATE_SCHEMA`), one row per child
        (or DWP-list row matched to no one)."""
        return self.result.candidates

    @property
    def evidence(self) -> pl.DataFrame:
        """One row per listed child and proof: the award, status or list row, and whose."""
        return self.result.evidence

    @property
    def links(self) -> pl.DataFrame:
        """The links of DWP-list and funded-place rows to people that the assessment used."""
        return self.result.links

    @property
    def rule_set(self) -> RuleSet:
        return self.result.rule_set

    @property
    def term_start(self) -> date:
        return self.result.term_start

    @property
    def as_of(self) -> date:
        return self.result.as_of

    @property
    def parameters(self) -> dict[str, str]:
        """The parameters that decide the output, as the manifest records them."""
        parameters = {
            "initiative": self.rule_set.id,
            "term_start": self.term_start.isoformat(),
            "as_of": self.as_of.isoformat(),
        }
        parameters["linkage"] = self.linkage  # every manifest says how rows were linked
        if self.link_decisions is not None:  # they change the list: part of the run's identity
            parameters["link_decisions"] = self.link_decisions.digest()
        if self.linkage_model is not None:  # its files' SHA-256 are among the inputs
            linked, clerical = self.linkage_model[1].thresholds
            parameters["linkage_thresholds"] = f"linked {linked}, clerical_review {clerical}"
        return parameters

    @cached_property
    def _context(self) -> tuple[dict[str, str], str, str | None, dict[str, Any]]:
        if self._provenance is not None:
            return self._provenance
        return (input_hashes(self.data.files()), *code_context())

    @cached_property
    def inputs(self) -> dict[str, str]:
        """The SHA-256 of each file read, by file name, and of the rule file as
        ``rules:<name>`` (a council's own, or the package's): two lists made with rule files
        that differ are different runs, whatever their id and version say."""
        from workbench.rules import rules_folder

        rules = self.rules_file or rules_folder() / f"{self.rule_set.id}.yaml"
        model = {} if self.linkage_model is None else model_hashes(self.linkage_model[0])
        if not rules.is_file():  # a rule set made in memory
            return {**self._context[0], **model}
        return {**self._context[0], f"rules:{rules.name}": file_sha256(rules), **model}

    @property
    def code_version(self) -> str:
        return self._context[1]

    @property
    def run_id(self) -> str:
        """The same exactly when the inputs, parameters, rule set and code are."""
        return run_id(self.inputs, self.parameters, self.rule_set.ref, self.code_version)

    def summary(self) -> dict[str, pl.DataFrame]:
        """Counts (no one named): children by ``tier`` and by ``reason`` code (a child counts
        once per code). Every reason code of the criteria in force for the term (the ones
        checked) is a row, in the rule file's order, 0 where no child meets it: a criterion
        no child met is told from one not checked for the term (`list_summary`)."""
        checked = self.rule_set.criteria_in_force(self.term_start)
        return list_summary(self.candidates, codes=[c.code for c in checked])

    def explain(self, person_id: str) -> Explanation:
        """Why `person_id` is or is not listed, criterion by criterion (`print` it, or
        `.to_text()`). Given the id of a DWP-list row instead, the UsageError says what
        became of the row (listed, with which child, or not listed and why)."""
        from workbench.eligibility.explain import explain_assessed

        tables = {name: self.data.lazy(name) for name in self.data.tables}
        try:
            found = explain_assessed(self.result, tables, person_id=person_id)
            return replace(
                found,
                household_quarantined=self._household_quarantined(person_id),
                records_quarantined=self._records_quarantined(person_id, found.parent_carers),
            )
        except UsageError:
            row = self._dwp_row(person_id) or self._quarantined_person(person_id)
            if row is None:
                raise
            raise UsageError(row) from None

    def _household_quarantined(self, person_id: str) -> tuple[str, ...]:
        """The people file's quarantined rows that hold the person's household id, each
        "file row N (reason)"; their own row is accepted, so never among them."""
        from workbench.data.quarantine import quarantined_record

        people = self.data.tables["people"]
        household = people.filter(pl.col("person_id") == person_id)["household_id"]
        if household.is_empty() or household[0] is None:
            return ()
        rows = quarantined_record(self.data, "people", "household_id", household[0])
        return tuple(
            f"{file} row {row} ({reason})"
            for file, row, reason in rows.select("file", "row", "reason").iter_rows()
        )

    def _records_quarantined(self, child: str, carers: tuple[str, ...]) -> tuple[str, ...]:
        """The quarantined rows of the awards and statuses of the child, and of the awards of
        their parents and carers, each "file row N, of <whose> (reason)": not read, so they
        count for nothing (`workbench.runs.list_warnings.records_quarantined`)."""
        from workbench.data.quarantine import quarantined_values

        whose = {child: "the child"} | {carer: f"parent/carer {carer}" for carer in carers}
        found = []
        for table, theirs in (("benefits", whose), ("child_statuses", {child: "the child"})):
            held = quarantined_values(self.data, table, "person_id").filter(
                pl.col("held").is_in(list(theirs))
            )
            if held.is_empty():
                continue
            rows = self.data.quarantine.filter(pl.col("table") == table).join(
                held, on="row", how="inner"
            )
            found += [
                f"{file} row {row}, of {theirs[person]} ("
                + (reason if not column or reason.startswith(column) else f"{column}: {reason}")
                + ")"
                for file, row, person, column, reason in rows.sort("row")
                .select("file", "row", "held", "column", "reason")
                .iter_rows()
            ]
        return tuple(found)

    def _quarantined_person(self, person_id: str) -> str | None:
        """That the people file holds `person_id` only on quarantined rows, with why, in a
        sentence; None when no quarantined row holds it."""
        from workbench.data.quarantine import quarantined_record

        rows = quarantined_record(self.data, "people", "person_id", person_id)
        if rows.is_empty():
            return None
        numbers = rows["row"].to_list()
        where = (
            f"row {numbers[0]} holds it but was"
            if len(numbers) == 1
            else f"rows {', '.join(map(str, numbers[:-1]))} and {numbers[-1]} hold it but were"
        )
        reasons = [
            reason
            if column is None or column in reason
            else f"{column}{'' if value is None else f' {value!r}'}: {reason}"
            for column, value, reason in rows.select("column", "value", "reason").iter_rows()
        ]
        why = (
            reasons[0]
            if len(set(reasons)) == 1
            else "; ".join(f"row {n}: {r}" for n, r in zip(numbers, reasons, strict=True))
        )
        return (
            f"no person {person_id!r} among the people the rules read: {rows['file'][0]} {where} "
            f"quarantined ({why}), and a quarantined row counts for nothing. Correct it in the "
            "extract and run again; `workbench validate --quarantine-out FILE` lists every such row"
        )

    def _dwp_row(self, record_id: str) -> str | None:
        """What became of the DWP-list row `record_id`, in a sentence; None when the list has
        no such row (or the rule set reads none)."""
        unlisted = self.not_listed()
        if unlisted is None:
            return None
        row = f"{record_id!r} is a row of the DWP list, not a person"
        on_list = self.candidates.filter(pl.col("dwp_record_id") == record_id)
        if not on_list.is_empty():
            child, tier = on_list["person_id"][0], on_list["tier"][0]
            has_proposal = "probable_person_id" in on_list.columns
            proposed = on_list["probable_person_id"][0] if has_proposal else None
            if child is None and proposed is not None:
                chance = on_list["match_probability"][0]
                scored = "" if chance is None else f", scored {chance:.3f}"
                caution = on_list["link_caution"][0] if "link_caution" in on_list.columns else None
                # Why the linkage held the link (a twin, a namesake elsewhere, ...): lists
                # written before they said have no held_because.
                held = on_list["held_because"][0] if "held_because" in on_list.columns else None
                return (
                    f"{row}: it is listed on its own, {tier}, with council child {proposed} "
                    f"proposed as its match{scored}: the link awaits review (link_needs_review) "
                    "and counts only once an officer confirms it (link_confirmed); to see the "
                    f"child, explain --person {proposed}"
                    + ("" if held is None else f". Held for review because: {held}")
                    + ("" if caution is None else f". Caution: {caution}")
                )
            if child is None:
                caution = on_list["link_caution"][0] if "link_caution" in on_list.columns else None
                return (
                    f"{row}: it is listed on its own, {tier} (no child in the council's data "
                    "matched it)" + ("" if caution is None else f". Caution: {caution}")
                )
            return (
                f"{row}: it is listed with child {child}, {tier}; to see why, explain the "
                f"child: --person {child}"
            )
        not_listed = unlisted.filter(pl.col("record_id") == record_id)
        if not_listed.is_empty():
            return None
        return f"{row}: it is not listed: {not_listed['reason'][0]}"

    def not_listed(self) -> pl.DataFrame | None:
        """The DWP-list rows not on the list, each with its reason (None when the rule set
        reads no DWP list)."""
        from workbench.eligibility.engine import unlisted_list_rows

        if "dwp_list" not in self.data.tables:
            return None
        return unlisted_list_rows({"dwp_list": self.data.tables["dwp_list"]}, self.result)

    def write(self, out: str | Path) -> WrittenList:
        """Write the list to `out` (``.csv`` or ``.parquet``, owner-only), its manifest beside
        it and the DWP-list rows not listed; returns where they are."""
        out = check_list_path(out)
        with _writing(out):
            return self._write(out)

    def _write(self, out: Path) -> WrittenList:
        run = self.run_id
        manifest = out.with_name(out.name + ".manifest.json")
        try:  # a full disk: one line naming the file, not a traceback
            write_list(self.candidates, out, run)
        except OSError as error:  # written whole or not at all: an earlier list stands
            raise WorkbenchError(
                f"{out}: cannot be written ({error.strerror or error}); a list written before "
                "at this path, if any, is left as it was with its manifest"
            ) from None
        try:
            accounted = self._write_unlisted(out)
        except OSError as error:  # the list is this run's, the manifest an earlier one's
            _remove_list(out, manifest)
            raise WorkbenchError(
                f"{unlisted_path(out)}: cannot be written ({error.strerror or error}), so the "
                "list was not kept either: a list must have its manifest"
            ) from None
        record = self._manifest(run, accounted)
        places = record.get("funded_places_accounted")
        # What was written, so that a list (or its DWP rows not listed) changed afterwards is
        # refused by review and failed by `workbench assure`.
        record["outputs"] = {"list": {"file": out.name, "sha256": file_sha256(out)}}
        if accounted is not None:
            unlisted = unlisted_path(out)
            record["outputs"]["dwp_not_listed"] = {
                "file": unlisted.name,
                "sha256": file_sha256(unlisted),
            }
        try:
            write_private(
                manifest, lambda p: p.write_text(json.dumps(record, indent=2, sort_keys=True))
            )
        except OSError as error:
            # A list without its manifest cannot be traced or checked: it does not stay, nor
            # an earlier manifest that would describe it wrongly.
            _remove_list(out, manifest)
            raise WorkbenchError(
                f"{manifest}: cannot be written ({error.strerror or type(error).__name__}), "
                f"so the list was not kept either: a list must have its manifest"
            ) from None
        return WrittenList(
            out=out,
            manifest=manifest,
            run_id=run,
            dwp_list_accounted=accounted,
            funded_places_accounted=places,
        )

    def _write_unlisted(self, out: Path) -> dict | None:
        """Every DWP-list row accounted for: listed, not listed (with the reason, in a
        restricted file beside the list) or quarantined; the manifest's counts."""
        unlisted = self.not_listed()
        if unlisted is None:
            return None
        path = unlisted_path(out)
        # The rows set aside as bad data too, with why: a child DWP says may be eligible is
        # never left where no officer sees it (the workbook's "DWP rows not listed").
        table = neutralised(pl.concat([unlisted, self._set_aside_list_rows()]))
        write_private(path, lambda p: table.write_csv(p, date_format="%Y-%m-%d"))
        report = self.data.reports["dwp_list"]
        listed = self.candidates["dwp_record_id"].drop_nulls().n_unique()
        if listed + unlisted.height + report.quarantined != report.read:
            raise RuntimeError(
                f"internal error: DWP list rows {report.read} read != {listed} listed + "
                f"{unlisted.height} not listed + {report.quarantined} quarantined"
            )
        return {
            "read": report.read,
            "listed": listed,
            "not_listed": unlisted.height,
            "quarantined": report.quarantined,
            "not_listed_file": path.name,
        }

    def _set_aside_list_rows(self) -> pl.DataFrame:
        """The quarantined rows of the DWP list in the shape of `not_listed`: the record id
        as the file holds it and, as the reason, why the row was set aside."""
        from workbench.data.quarantine import quarantined_values
        from workbench.eligibility.engine import UNLISTED_SCHEMA

        rows = self.data.quarantine.filter(
            pl.col("table") == "dwp_list", pl.col("row").is_not_null()
        )
        if rows.is_empty():
            return pl.DataFrame(schema=UNLISTED_SCHEMA)
        file = self.data.reports["dwp_list"].file
        name = file.name if isinstance(file, Path) else "the DWP list"
        # A row failing several columns has one reason naming each ("child_forename: required
        # field is empty; child_surname: ..."): its column is not named again before it.
        problem = (
            pl.when(
                pl.col("column").is_null()
                | pl.col("reason").str.starts_with(pl.format("{}: ", "column"))
            )
            .then(pl.col("reason"))
            .otherwise(pl.format("{}: {}", "column", "reason"))
        )
        why = rows.group_by("row", maintain_order=True).agg(problem.str.join("; ").alias("why"))
        ids = quarantined_values(self.data, "dwp_list", "record_id")
        reason = pl.format(
            "set aside as bad data ({} row {}: {}): not assessed, so not listed; correct the "
            "row, or check it with DWP, and run again",
            pl.lit(name),
            "row",
            "why",
        )
        return (
            why.join(ids, on="row", how="left")
            .sort("row")
            .select(
                pl.col("held").alias("record_id"),
                *(pl.lit(None, UNLISTED_SCHEMA[c]).alias(c) for c in list(UNLISTED_SCHEMA)[1:-1]),
                reason.alias("reason"),
            )
        )

    def _manifest(self, run: str, accounted: dict | None) -> dict[str, Any]:
        from workbench.linkage.places import places_accounted

        _, code_version, commit, env = self._context
        return {
            "run_id": run,
            "command": "assess",
            "parameters": self.parameters,
            "rule_set": self.rule_set.ref,
            # The last term start the rule file was checked for (None: it does not say); a
            # later term_start is warned about.
            "rules_checked_through": (
                None if (through := self.rule_set.checked_through) is None else str(through)
            ),
            # The folder read, so review can show who each child is from the same files
            # (their SHA-256 above must still match).
            "data": str(self.data.folder.resolve()),
            "inputs": self.inputs,
            # Tables read by a query: connection NAME, query SHA-256, rows (never the URI).
            **({"database": db} if (db := database_record(self.data)) else {}),
            "rows": {
                name: {"read": r.read, "accepted": r.accepted, "quarantined": r.quarantined}
                for name, r in self.data.reports.items()
            },
            "candidates": self.candidates.height,
            **({} if accounted is None else {"dwp_list_accounted": accounted}),
            # Every funded-place row: linked, awaiting review, not linked, ..., or quarantined.
            **(
                {}
                if (places := places_accounted(self)) is None
                else {"funded_places_accounted": places}
            ),
            **(
                {}
                if self.link_decisions is None
                else {"link_decisions": self.link_decisions.manifest()}
            ),
            **({} if self.linkage_model is None else {"linkage_model": self._model_record()}),
            "code_version": code_version,
            "git_commit": commit,
            "environment": env,
            "review_status": REVIEW_STATUS,
        }

    def _model_record(self) -> dict[str, Any]:
        assert self.linkage_model is not None
        return linkage_model_record(*self.linkage_model)

    def __repr__(self) -> str:  # counts only: a repr never names anyone
        return (
            f"<Assessment {self.rule_set.ref}, term starting {self.term_start}, evidence of "
            f"{self.as_of}, {self.linkage} linkage: {self.candidates.height} candidate(s), "
            "all pending review>"
        )


def linkage_model_record(folder: Path, model: LinkageModel) -> dict[str, Any]:
    """A manifest's account of a council's own linkage model (a list's, and `stats`'s under
    `linkage_model`): where it was read from, its thresholds and whether u and m were
    estimated on the run's data. Its files' SHA-256 are among the inputs (`model_hashes`)."""
    linked, clerical = model.thresholds
    return {
        "folder": str(folder.resolve()),
        "thresholds": {"linked": linked, "clerical_review": clerical},
        "estimate_u": model.estimate_u,
        "estimate_m": model.estimate_m,
    }


@dataclass(frozen=True)
class WrittenList:
    """Where `Assessment.write` put the list, its manifest, and the DWP-list and
    funded-place counts (`workbench.linkage.places.places_accounted`)."""

    out: Path
    manifest: Path
    run_id: str
    dwp_list_accounted: dict | None = None
    funded_places_accounted: dict | None = None


def assess(
    data: str | Path | LoadedData,
    initiative: str | RuleSet,
    *,
    term_start: date | str,
    as_of: date | str,
    linkage: str = "probabilistic",
    rules: str | Path | None = None,
    store: str | Path | StoredLinkDecisions | None = None,
    model: str | Path | None = None,
) -> Assessment:
    """Assess everyone in `data` for one initiative and term: who looks eligible, and why.

    Parameters
    ----------
    data
        A data folder (only the tables and columns the rule set reads are loaded: purpose
        limitation), or data already loaded by `load` (it must hold the rule set's tables).
    initiative
        ``two_year_old``, ``free_school_meals``, ``early_years_pupil_premium``,
        ``disability_access_fund``, or a rule set from `rule_set`.
    term_start
        The first day of the term being targeted (a date or an ISO string): the criteria,
        thresholds and age window in force on it apply.
    as_of
        The evidence date: awards and statuses must be active on it.
    linkage
        ``probabilistic`` (the default: the exact pass, then Splink; pairs in the
        clerical-review band are never used: the DWP row is listed on its own with
        ``link_needs_review``) or ``exact`` (a DWP-list or funded-place row links only on
        exact agreement).
    rules
        A rule file to use instead of the package's own for `initiative`.
    store
        A review store: the reviewers' latest `link_confirmed` and `link_rejected` decisions
        recorded there are applied to the same DWP-list pairs when this run proposes them for
        review again (`workbench.review.link_decisions`); or those decisions as already
        read (`read_link_decisions`). Probabilistic linkage only.
    model
        A council's own linkage model folder (`workbench.linkage.save_settings`, as `workbench
        link --model` reads it): its comparisons and `(linked, clerical_review)` thresholds
        link the DWP list and funded places instead of the package's own
        (`DEFAULT_THRESHOLDS`). Its files' SHA-256 are among the run's inputs (``model:<file>``)
        and its thresholds among the parameters. Probabilistic linkage only.

    Returns
    -------
    Assessment
        ``.candidates`` (a polars DataFrame), ``.evidence``, ``.explain(person_id)``,
        ``.summary()``, ``.write(out)``, and the run's ``.run_id`` and ``.inputs``.

    Raises
    ------
    UsageError
        A parameter that cannot work; the message starts with its name.
    DataFileError
        A missing or unreadable data file, or one lacking a required column.
    RuleFileError
        A rule file that breaks the rule-file schema.

    Examples
    --------
    >>> found = assess("data_samples/council_small", "two_year_old",
    ...                term_start="2026-09-01", as_of="2026-08-01")
    >>> found.candidates.columns[:3]
    ['person_id', 'dwp_record_id', 'initiative']
    >>> set(found.candidates["review_status"])
    {'pending_review'}
    >>> found.summary()["tier"].columns
    ['tier', 'children']
    """
    term_start = as_day(term_start, "term_start")
    as_of = as_day(as_of, "as_of")
    _check_linkage(linkage)
    decisions = _link_decisions(store, linkage)
    own_model = _linkage_model(model, linkage)
    settings = None if own_model is None else own_model[1]
    if isinstance(data, LoadedData):
        rule_set = _rule_set(initiative, rules, term_start)
        loaded = _given(data, rule_set)
        found, applied = _engine(loaded, rule_set, term_start, as_of, linkage, decisions, settings)
        return Assessment(
            result=found,
            data=loaded,
            linkage=linkage,
            link_decisions=applied,
            rules_file=_council_rules(initiative, rules),
            linkage_model=own_model,
        )
    if not isinstance(data, str | Path):
        raise UsageError(
            f"must be a data folder or data from workbench.load; got {type(data).__name__}",
            parameter="data",
        )
    folder = project_path(data)
    if isinstance(initiative, str):
        _refuse_missing_rule_file(initiative, rules)
    with ThreadPoolExecutor(max_workers=3) as pool:
        if linkage == "probabilistic":
            # Splink and DuckDB take about 0.2 s to import: done while the tables are read
            # (polars reads without holding the GIL), not after. An import that fails here
            # fails again, with its message, where the linkage needs it.
            pool.submit(importlib.import_module, "workbench.linkage.probabilistic")
        # The rule set first (milliseconds): its rules say which columns to read.
        rule_set = _rule_set(initiative, rules, term_start)
        # Every rule set reads the people table (the rule-file schema requires it), the
        # largest: it is read while the others are.
        people = pool.submit(_load_sources, folder, ["people"], rule_set)
        others = _load_sources(folder, [t for t in rule_set.sources if t != "people"], rule_set)
        loaded = _narrowed(combine_loaded(people.result(), others), rule_set)
        # While the engine runs, which leaves a core free much of the time (loading does
        # not): the files' SHA-256 (hashlib runs without the GIL), the code and environment.
        hashing = pool.submit(input_hashes, loaded.files())
        context = pool.submit(code_context)
        found, applied = _engine(loaded, rule_set, term_start, as_of, linkage, decisions, settings)
        provenance = (hashing.result(), *context.result())
    return Assessment(
        result=found,
        data=loaded,
        linkage=linkage,
        link_decisions=applied,
        rules_file=_council_rules(initiative, rules),
        linkage_model=own_model,
        _provenance=provenance,
    )


def link(
    data: str | Path | LoadedData, *, seed: int = 0, model: str | Path | None = None
) -> pl.DataFrame:
    """Link the DWP list's and the funded places' rows to the people table: the exact pass,
    then Splink; one row per source row with its ``band`` (``linked``, ``clerical_review``,
    ``not_linked``) and ``match_probability`` (`workbench.linkage.LINKAGE_RESULT_SCHEMA`).

    `model` is a linkage model folder written by `workbench.linkage.save_settings`; `seed`
    seeds Splink's sampling, so the same seed gives the same links.
    """
    from workbench.linkage import LINK_SOURCES, link_all
    from workbench.linkage.model import load_settings

    loaded = (
        data
        if isinstance(data, LoadedData)
        else load_folder(project_path(data), tables=["people", *LINK_SOURCES])
    )
    settings = None if model is None else load_settings(model)
    return link_all(loaded.tables, seed=seed, model=settings)


# --- the steps behind `assess` -----------------------------------------------------------------


def _remove_list(out: Path, manifest: Path) -> None:
    """A list, its DWP rows not listed and its manifest removed: what a failed write leaves
    must not describe one run with another's files (a folder at a path is left alone)."""
    for path in (out, unlisted_path(out), manifest):
        if not path.is_dir():
            path.unlink(missing_ok=True)


def _writing(out: Path) -> Any:
    """A lock held while a list, its manifest and its DWP rows not listed are written to
    `out`: two runs writing the same list at once (two scheduled runs) take turns, so the
    list and its manifest are always one run's. Kept in the temporary folder, keyed by the
    list's path and the user, so that no file appears beside the list (a report run's folder
    holds only what the run wrote)."""
    import hashlib
    import tempfile

    from filelock import FileLock

    where = hashlib.sha256(str(out.resolve()).encode("utf-8")).hexdigest()[:24]
    name = f"workbench-list-{os.getuid() if hasattr(os, 'getuid') else 0}-{where}.lock"
    return FileLock(Path(tempfile.gettempdir()) / name, mode=0o600)


# Where the package's rule files are (`workbench.rules.RULES_FOLDER`), without importing the
# rule-file schema: the people table starts loading before the schema is imported.
_RULES_FOLDER = Path(__file__).parents[1] / "rules"


def _refuse_missing_rule_file(initiative: str, rules_path: str | Path | None) -> None:
    """Fail at once, before any data is read, when the rule file named does not exist."""
    path = Path(rules_path) if rules_path is not None else _RULES_FOLDER / f"{initiative}.yaml"
    if not path.is_file():
        from workbench.rules import load_rule_set

        load_rule_set(rules_path or initiative)  # raises the usual error, naming the file


def _council_rules(initiative: str | RuleSet, rules_path: str | Path | None) -> Path | None:
    """The rule file assessed with when it is not the package's own (`--rules`)."""
    if not isinstance(initiative, str) or rules_path is None:
        return None
    return project_path(rules_path)


def _rule_set(
    initiative: str | RuleSet, rules_path: str | Path | None, term_start: date
) -> RuleSet:
    """The rule set to assess with, checked against the parameters (rules are chosen by the
    term being targeted)."""
    from workbench.rules import load_rule_set

    if isinstance(initiative, str):
        rule_set = load_rule_set(rules_path or initiative)
        if rules_path is not None and rule_set.id != initiative:
            raise UsageError(
                f"file is for {rule_set.id!r}, not initiative {initiative!r}", parameter="rules"
            )
    else:
        rule_set = initiative
    rule_set.check_date(term_start)
    return rule_set


def _load_sources(folder: Path, tables: list[str], rule_set: RuleSet) -> LoadedData:
    """`tables` with the optional columns `rule_set` uses or only checks (`columns_needed`);
    names, postcodes and NINOs as written: the linkage normalises the few it compares."""
    columns = columns_needed(rule_set, tables)
    return load_folder(folder, tables=tables, columns=columns, normalise=False)


def _narrowed(data: LoadedData, rule_set: RuleSet) -> LoadedData:
    """`data` with only the columns `rule_set` uses: the required ones and `columns_used`.
    The columns read only to be checked have done their work (their rows are quarantined)."""
    used = columns_used(rule_set)
    tables = {}
    for name, frame in data.tables.items():
        keep = {*TABLES[name].required_columns(), *used.get(name, ())}
        tables[name] = frame.select([c for c in frame.columns if c in keep])
    return replace(data, tables=tables)


def _given(data: LoadedData, rule_set: RuleSet) -> LoadedData:
    """Loaded data narrowed to the tables the rule set reads and the columns it uses (purpose
    limitation)."""
    for required in ("people", "benefits"):
        if required in rule_set.sources and required not in data.tables:
            raise UsageError(
                f"holds no {required} table, which the {rule_set.id} rules read; load it "
                f"with workbench.load({str(data.folder)!r})",
                parameter="data",
            )
    keep = [name for name in data.tables if name in rule_set.sources]
    # Everything else the load knows is kept: the profile read through (its hash is an input
    # of the run's manifest) and the source's column names (which the notes name).
    given = replace(
        data,
        tables={name: data.tables[name] for name in keep},
        quarantine=data.quarantine.filter(pl.col("table").is_in(keep)),
        warnings=data.warnings.filter(pl.col("table").is_in(keep)),
        reports={name: data.reports[name] for name in keep if name in data.reports},
        row_numbers={k: v for k, v in data.row_numbers.items() if k in keep},
        source_columns={k: v for k, v in data.source_columns.items() if k in keep},
        derivations={k: v for k, v in data.derivations.items() if k in keep},
    )
    return _narrowed(given, rule_set)


def _link_decisions(
    store: str | Path | StoredLinkDecisions | None, linkage: str
) -> StoredLinkDecisions | None:
    """The review store's link decisions, read before any data (a store that cannot be used
    fails at once), or as already read (`workbench.review.link_decisions.read_link_decisions`)."""
    if store is None:
        return None
    refuse_exact_linkage_with_a_store(linkage)
    from workbench.review.keys import load_key
    from workbench.review.link_decisions import StoredLinkDecisions, read_link_decisions

    if isinstance(store, StoredLinkDecisions):
        return store
    return read_link_decisions(store, load_key())


def refuse_exact_linkage_with_a_store(linkage: str) -> None:
    """A UsageError (about `store`) when `linkage` is exact-only: a review store is given for
    its link decisions, which only Splink's proposed matches can take."""
    if linkage == "exact":
        raise UsageError(
            "link decisions apply to the matches Splink proposes for review, which exact-only "
            "linkage never makes: use linkage 'probabilistic' (the default) with a store",
            parameter="store",
        )


def _linkage_model(model: str | Path | None, linkage: str) -> tuple[Path, LinkageModel] | None:
    """A council's own linkage model folder and the model read from it, read before any data
    (a model that cannot be used fails at once); None when none is given."""
    if model is None:
        return None
    if linkage != "probabilistic":
        raise UsageError(
            "a linkage model scores the pairs Splink compares, which exact-only linkage never "
            "does: use linkage 'probabilistic' (the default) with a model",
            parameter="model",
        )
    from workbench.linkage.model import load_settings

    folder = project_path(model)
    return folder, load_settings(folder)


def _engine(
    loaded: LoadedData,
    rule_set: RuleSet,
    term_start: date,
    as_of: date,
    linkage: str,
    decisions: StoredLinkDecisions | None = None,
    model: LinkageModel | None = None,
) -> tuple[EngineResult, AppliedLinkDecisions | None]:
    from workbench.data.household_size import refuse_lumped_households
    from workbench.eligibility.engine import assessment, hold_probable_links, window_links

    refuse_lumped_households(loaded)  # before the engine pairs each child with every adult
    applied = None
    with progress.step(f"Assessing {rule_set.id} for the term starting {term_start}"):
        tables = {name: loaded.lazy(name) for name in loaded.tables}
        links: pl.LazyFrame | pl.DataFrame | None
        if linkage == "probabilistic":
            links = _probabilistic_links(tables, rule_set, term_start, model)
            if decisions is not None and links is not None:
                # The links Splink made to a council child outside the age window are
                # proposals until a person confirms them: held first, so that a reviewer's
                # decision about such a pair meets it (`hold_probable_links`).
                held = hold_probable_links(
                    tables, rule_set, links, term_start=term_start, as_of=as_of
                )
                applied = decisions.apply(held.collect())
                links = applied.links
        else:  # only the rows a child in the window could be linked to: the same list
            links = window_links(tables, rule_set, term_start=term_start, as_of=as_of)
        found = assessment(tables, rule_set, term_start=term_start, as_of=as_of, links=links)
        return found, applied


def _probabilistic_links(
    tables: dict[str, pl.LazyFrame],
    rule_set: RuleSet,
    term_start: date,
    model: LinkageModel | None = None,
) -> pl.DataFrame | None:
    """Links from the exact pass then Splink (with a council's own `model`, else the
    package's settings): the DWP list (when the rule set may read it) and the funded places
    the assessment reads (`workbench.eligibility.engine.link_sources`)."""
    from workbench.eligibility.engine import link_sources
    from workbench.linkage import link_all

    sources = link_sources(tables, rule_set, term_start)
    if len(sources) == 1:
        return None
    with progress.step("Linking the DWP list and funded places (exact, then Splink)"):
        return link_all({k: v.collect() for k, v in sources.items()}, model=model)


# --- the list file -----------------------------------------------------------------------------


# The notes `evidence_text` puts after a reason code met only in part (the possible tier), and
# the one lists written before 2026-12 carried for an order ("no care record"): what readers of
# a list file accept.
EVIDENCE_NOTES: tuple[str, ...] = (
    "income missing",
    "income or savings missing",
    "no care before the order",
    "no care record",
    "link awaiting review",
)
_PARTLY_MET = re.compile(rf"(?:^|; )([A-Za-z0-9_]+) \(({'|'.join(EVIDENCE_NOTES)})\): ")


def partly_met(evidence: str | None) -> list[tuple[str, str]]:
    """The reason codes a `possible` child meets in part, with what is missing, read from its
    evidence text (`evidence_text`), each once, in order.

    Examples
    --------
    >>> partly_met("no_recourse_to_public_funds (income or savings missing): households row H3")
    [('no_recourse_to_public_funds', 'income or savings missing')]
    >>> partly_met("income_support: award A1 of parent/carer P1")
    []
    """
    found = _PARTLY_MET.findall(evidence or "")
    return list(dict.fromkeys((code, note) for code, note in found))


def evidence_text() -> pl.Expr:
    """The evidence list as one readable string per row, e.g.
    `income_support: award A12 of parent/carer P3; dwp_list: DWP list row D9`."""
    item = pl.element()
    field_ = item.struct.field
    whose = (
        pl.when(field_("parent_carer_id").is_not_null())
        .then(pl.lit(" of parent/carer ") + field_("parent_carer_id"))
        .otherwise(pl.lit(" of the child"))
    )
    proof = (
        pl.when(field_("table") == "benefits")
        .then(pl.lit("award ") + field_("record_id") + whose)
        .when(field_("table") == "child_statuses")
        .then(pl.lit("status ") + field_("record_id"))
        .when(field_("table") == "dwp_list")
        .then(pl.lit("DWP list row ") + field_("record_id"))
        .otherwise(field_("table") + pl.lit(" row ") + field_("record_id"))
    )
    sentence = (
        pl.when((field_("status") == "income_missing") & (field_("table") == "households"))
        .then(field_("reason_code") + pl.lit(" (income or savings missing): ") + proof)
        .when(field_("status") == "income_missing")
        .then(field_("reason_code") + pl.lit(" (income missing): ") + proof)
        .when(field_("status") == "care_history_missing")
        .then(field_("reason_code") + pl.lit(" (no care before the order): ") + proof)
        .when(field_("status") == "place_to_review")
        .then(field_("reason_code") + pl.lit(" (link awaiting review): ") + proof)
        .otherwise(field_("reason_code") + pl.lit(": ") + proof)
    )
    return pl.col("evidence").list.eval(sentence).list.join("; ")


def write_list(candidates: pl.DataFrame, out: str | Path, run: str) -> Path:
    """Write a candidate list to `.csv` or `.parquet` (by suffix), owner-only, with `run_id`."""
    out = check_list_path(out)
    private_folder_for(out)  # a new folder for a list of individuals is made owner-only
    table = candidates.with_columns(pl.lit(run).alias("run_id"))
    if out.suffix.lower() == ".csv":
        table = table.with_columns(
            # No reason codes (the possible tier) is an empty field, not a quoted "".
            pl.when(pl.col("reason_codes").list.len() > 0).then(
                pl.col("reason_codes").list.join(";")
            ),
            evidence_text().alias("evidence"),
        )
        table = neutralised(table)  # a cell that would run as a formula in a spreadsheet
        write_private(out, lambda p: table.write_csv(p, date_format="%Y-%m-%d"))
    else:
        write_private(out, lambda p: table.write_parquet(p))
    return out


def unlisted_path(out: Path) -> Path:
    """Where the DWP-list rows not on the list `out` are reported (restricted, like it)."""
    return out.with_name(f"{out.stem}.dwp_not_listed.csv")


def list_summary(
    candidates: pl.DataFrame, codes: Iterable[str] | None = None
) -> dict[str, pl.DataFrame]:
    """Counts of a list (no one named): children by ``tier``, and by ``reason_code`` (a child
    counts once per code it meets), as `workbench assess` prints them and the demo publishes
    them (`Assessment.summary`).

    Given ``codes`` (the reason codes of the criteria checked, in the rule file's order),
    every one is a row in that order, 0 where no child meets it, and any other code met
    after them (sorted), so nothing met is dropped: a reader tells a criterion no child met
    from one that was not checked. Without ``codes``, only the codes met, most met first.

    Example
    -------
    >>> listed = pl.DataFrame({"tier": ["likely", "likely"],
    ...                        "reason_codes": [["uc_low"], ["uc_low", "esa"]]})
    >>> list_summary(listed, codes=["esa", "nrpf", "uc_low"])["reason"].rows()
    [('esa', 1), ('nrpf', 0), ('uc_low', 2)]
    >>> list_summary(listed)["reason"].rows()
    [('uc_low', 2), ('esa', 1)]
    """
    by_tier = candidates.group_by("tier").len("children").sort("tier")
    met = (
        candidates.select("reason_codes")
        .explode("reason_codes")
        .drop_nulls()
        .group_by(pl.col("reason_codes").alias("reason_code"))
        .len("children")
        .with_columns(pl.col("children").cast(pl.Int64))
    )
    if codes is None:
        by_reason = met.sort("children", "reason_code", descending=[True, False])
        return {"tier": by_tier, "reason": by_reason}
    counts = dict(met.iter_rows())
    order = list(dict.fromkeys(codes))
    order += sorted(set(counts) - set(order))
    by_reason = pl.DataFrame(
        {"reason_code": order, "children": [counts.get(code, 0) for code in order]},
        schema={"reason_code": pl.String, "children": pl.Int64},
    )
    return {"tier": by_tier, "reason": by_reason}
