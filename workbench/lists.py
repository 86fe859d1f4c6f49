"""Candidate lists: one assessment run from a data folder to a written list.

`assess_folder` is what `workbench assess` does: load only the tables the rule set declares,
validate them (rows that break the contract go to the quarantine and count for nothing), run
the engine, and write the list (CSV or parquet by suffix) with a run id, owner-only, beside a
manifest that records the inputs' SHA-256, the parameters, the rule-set version and the code.

In CSV, list columns are joined: `reason_codes` with `;` (CONTRACT §3) and `evidence` as one
readable sentence per proof, joined with `; `. Parquet keeps them as lists.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

import workbench
from workbench import progress
from workbench.errors import UsageError
from workbench.io import LoadedData, combine_loaded, load_folder
from workbench.private_files import write_private
from workbench.run import environment, git_commit, input_hashes, run_id
from workbench.spreadsheet import neutralised

if TYPE_CHECKING:
    from workbench.eligibility import Assessment
    from workbench.rules.model import RuleSet

__all__ = [
    "AssessRun",
    "assess_folder",
    "columns_needed",
    "evidence_text",
    "list_summary",
    "write_list",
]

LIST_SUFFIXES = (".csv", ".parquet")
LINKAGE_MODES = ("exact", "probabilistic")
# The optional columns assessing and linking read (data minimisation: nothing else is loaded;
# names, addresses beyond the postcode and special-category fields are never read here).
OPTIONAL_COLUMNS_USED = {
    "people": ("nino", "postcode", "role"),
    "benefits": ("end_date", "net_earned_income", "gross_income"),
    "child_statuses": ("end_date",),
    "dwp_list": ("parent_nino", "postcode"),
    "funded_places": ("postcode",),
    "households": ("no_recourse_to_public_funds", "annual_income", "savings", "in_london"),
}


@dataclass(frozen=True)
class AssessRun:
    """A finished run: where the list is, what was found, and what was read."""

    out: Path
    manifest: Path
    run_id: str
    assessment: Assessment
    loaded: LoadedData

    @property
    def candidates(self) -> pl.DataFrame:
        return self.assessment.candidates


def evidence_text() -> pl.Expr:
    """The evidence list as one readable string per row, e.g.
    `income_support: award A12 of parent/carer P3; dwp_list: DWP list row D9`."""
    item = pl.element()
    field = item.struct.field
    whose = (
        pl.when(field("parent_carer_id").is_not_null())
        .then(pl.lit(" of parent/carer ") + field("parent_carer_id"))
        .otherwise(pl.lit(" of the child"))
    )
    proof = (
        pl.when(field("table") == "benefits")
        .then(pl.lit("award ") + field("record_id") + whose)
        .when(field("table") == "child_statuses")
        .then(pl.lit("status ") + field("record_id"))
        .when(field("table") == "dwp_list")
        .then(pl.lit("DWP list row ") + field("record_id"))
        .otherwise(field("table") + pl.lit(" row ") + field("record_id"))
    )
    sentence = (
        pl.when(field("status") == "income_missing")
        .then(field("reason_code") + pl.lit(" (income missing): ") + proof)
        .when(field("status") == "care_history_missing")
        .then(field("reason_code") + pl.lit(" (no care record): ") + proof)
        .otherwise(field("reason_code") + pl.lit(": ") + proof)
    )
    return pl.col("evidence").list.eval(sentence).list.join("; ")


def probabilistic_links(
    tables: dict[str, pl.LazyFrame], rule_set, term_start: date
) -> pl.DataFrame | None:
    """Links for an assessment from the exact pass then Splink: the DWP list (when the rule
    set may read it) and the funded places the assessment reads
    (`workbench.eligibility.link_sources`)."""
    from workbench.eligibility import link_sources
    from workbench.linkage import link_all

    sources = link_sources(tables, rule_set, term_start)
    if len(sources) == 1:
        return None
    with progress.step("Linking the DWP list and funded places (exact, then Splink)"):
        return link_all({k: v.collect() for k, v in sources.items()})


def columns_needed(tables: list[str]) -> dict[str, tuple[str, ...]]:
    """The optional columns to load for an assessment reading `tables`."""
    return {name: OPTIONAL_COLUMNS_USED.get(name, ()) for name in tables}


def write_list(candidates: pl.DataFrame, path: str | Path, run: str) -> Path:
    """Write a candidate list to `.csv` or `.parquet` (by suffix), owner-only, with `run_id`."""
    path = Path(path)
    if path.suffix.lower() not in LIST_SUFFIXES:
        raise UsageError(f"--out must end in .csv or .parquet; got {path.name!r}")
    if not path.parent.exists():
        # A new folder for a list of individuals is made owner-only.
        path.parent.mkdir(parents=True, mode=0o700)
    table = candidates.with_columns(pl.lit(run).alias("run_id"))
    if path.suffix.lower() == ".csv":
        table = table.with_columns(
            # No reason codes (the possible tier) is an empty field, not a quoted "".
            pl.when(pl.col("reason_codes").list.len() > 0).then(
                pl.col("reason_codes").list.join(";")
            ),
            evidence_text().alias("evidence"),
        )
        table = neutralised(table)  # a cell that would run as a formula in a spreadsheet
        write_private(path, lambda p: table.write_csv(p, date_format="%Y-%m-%d"))
    else:
        write_private(path, lambda p: table.write_parquet(p))
    return path


def unlisted_path(out: Path) -> Path:
    """Where the DWP-list rows not on the list `out` are reported (restricted, like it)."""
    return out.with_name(f"{out.stem}.dwp_not_listed.csv")


def _write_unlisted(loaded: LoadedData, found: Assessment, out: Path) -> dict | None:
    """Every DWP-list row accounted for: listed, not listed (with the reason, in a restricted
    file beside the list) or quarantined; returns the manifest's counts, None when the rule
    set reads no DWP list."""
    from workbench.eligibility import unlisted_list_rows

    if "dwp_list" not in loaded.tables:
        return None
    unlisted = unlisted_list_rows({"dwp_list": loaded.tables["dwp_list"]}, found)
    path = unlisted_path(out)
    table = neutralised(unlisted)
    write_private(path, lambda p: table.write_csv(p, date_format="%Y-%m-%d"))
    report = loaded.reports["dwp_list"]
    listed = found.candidates["dwp_record_id"].drop_nulls().n_unique()
    counts = {
        "read": report.read,
        "listed": listed,
        "not_listed": unlisted.height,
        "quarantined": report.quarantined,
        "not_listed_file": path.name,
    }
    if listed + unlisted.height + report.quarantined != report.read:
        raise RuntimeError(
            f"internal error: DWP list rows {report.read} read != {listed} listed + "
            f"{unlisted.height} not listed + {report.quarantined} quarantined"
        )
    return counts


def list_summary(candidates: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Counts for the console: by tier, and by reason code (a child counts once per code)."""
    by_tier = candidates.group_by("tier").len("children").sort("tier")
    by_reason = (
        candidates.select("reason_codes")
        .explode("reason_codes")
        .drop_nulls()
        .group_by(pl.col("reason_codes").alias("reason_code"))
        .len("children")
        .sort("children", "reason_code", descending=[True, False])
    )
    return {"tier": by_tier, "reason": by_reason}


def _context() -> tuple[str, str | None, dict]:
    """The code version, the git commit and the environment, for the manifest: gathered on a
    second thread while the engine runs (the git subprocess releases the GIL)."""
    return workbench.__version__, git_commit(), environment()


# Where the package's rule files are (`workbench.rules.RULES_FOLDER`), without importing the
# rule-file schema: the people table starts loading before the schema is imported.
_RULES_FOLDER = Path(__file__).parent / "rules"


def _refuse_missing_rule_file(initiative: str, rules_path: str | Path | None) -> None:
    """Fail at once, before any data is read, when the rule file named does not exist."""
    path = Path(rules_path) if rules_path is not None else _RULES_FOLDER / f"{initiative}.yaml"
    if not path.is_file():
        from workbench.rules import load_rule_set

        load_rule_set(rules_path or initiative)  # raises the usual error, naming the file


def _rule_set(initiative: str, rules_path: str | Path | None, term_start: date) -> RuleSet:
    """The rule set to assess with, checked against the command's options (rules are chosen
    by the term being targeted)."""
    from workbench.rules import load_rule_set

    rule_set = load_rule_set(rules_path or initiative)
    if rules_path is not None and rule_set.id != initiative:
        raise UsageError(f"--rules file is for {rule_set.id!r}, not --initiative {initiative!r}")
    rule_set.check_date(term_start)
    return rule_set


def _load_sources(folder: Path, tables: list[str]) -> LoadedData:
    # Names, postcodes and NINOs as written: the linkage normalises the few it compares.
    return load_folder(folder, tables=tables, columns=columns_needed(tables), normalise=False)


def _loaded(
    pool: ThreadPoolExecutor,
    folder: Path,
    initiative: str,
    rules_path: str | Path | None,
    term_start: date,
) -> tuple[RuleSet, LoadedData]:
    """The rule set and the tables it reads, loaded and checked."""
    # Every rule set reads the people table (the rule-file schema requires it), the largest:
    # it is read while the rule file is checked.
    people = pool.submit(_load_sources, folder, ["people"])
    rule_set = _rule_set(initiative, rules_path, term_start)
    others = _load_sources(folder, [t for t in rule_set.sources if t != "people"])
    return rule_set, combine_loaded(people.result(), others)


def _assessed(
    loaded: LoadedData, rule_set: RuleSet, term_start: date, as_of: date, linkage: str
) -> Assessment:
    from workbench.eligibility import assessment, window_links

    with progress.step(f"Assessing {rule_set.id} for the term starting {term_start}"):
        tables = {name: loaded.lazy(name) for name in loaded.tables}
        if linkage == "probabilistic":
            links = probabilistic_links(tables, rule_set, term_start)
        else:  # only the rows a child in the window could be linked to: the same list
            links = window_links(tables, rule_set, term_start=term_start, as_of=as_of)
        return assessment(tables, rule_set, term_start=term_start, as_of=as_of, links=links)


def assess_folder(
    data: str | Path,
    *,
    initiative: str,
    term_start: date,
    as_of: date,
    out: str | Path,
    rules_path: str | Path | None = None,
    linkage: str = "exact",
) -> AssessRun:
    """Load, validate and assess a data folder; write the list and its manifest.

    `linkage` is `exact` (the deterministic pre-pass only: a DWP-list or funded-place row is
    matched only on exact agreement) or `probabilistic` (the pre-pass, then Splink; pairs in
    the clerical-review band are never used as matches: the DWP row is listed on its own with
    `link_needs_review`).
    """
    if linkage not in LINKAGE_MODES:
        raise UsageError(f"--linkage must be one of {', '.join(LINKAGE_MODES)}; got {linkage!r}")
    out = Path(out)
    if out.suffix.lower() not in LIST_SUFFIXES:
        raise UsageError(f"--out must end in .csv or .parquet; got {out.name!r}")
    _refuse_missing_rule_file(initiative, rules_path)
    with ThreadPoolExecutor(max_workers=2) as pool:
        rule_set, loaded = _loaded(pool, Path(data), initiative, rules_path, term_start)
        # While the engine runs, which leaves a core free much of the time (loading does
        # not): the files' SHA-256 (hashlib runs without the GIL), the code and environment.
        hashing = pool.submit(input_hashes, loaded.files())
        context = pool.submit(_context)
        found = _assessed(loaded, rule_set, term_start, as_of, linkage)
        hashes = hashing.result()
        code_version, commit, env = context.result()
    parameters = {
        "initiative": rule_set.id,
        "term_start": term_start.isoformat(),
        "as_of": as_of.isoformat(),
    }
    if linkage != "exact":
        parameters["linkage"] = linkage
    run = run_id(hashes, parameters, rule_set.ref, code_version)
    write_list(found.candidates, out, run)
    unlisted = _write_unlisted(loaded, found, out)
    manifest = out.with_name(out.name + ".manifest.json")
    record = {
        "run_id": run,
        "command": "assess",
        "parameters": parameters,
        "rule_set": rule_set.ref,
        "inputs": hashes,
        "rows": {
            name: {"read": r.read, "accepted": r.accepted, "quarantined": r.quarantined}
            for name, r in loaded.reports.items()
        },
        "candidates": found.candidates.height,
        **({} if unlisted is None else {"dwp_list_accounted": unlisted}),
        "code_version": code_version,
        "git_commit": commit,
        "environment": env,
        "review_status": "every row pending_review: no decision has been made",
    }
    write_private(manifest, lambda p: p.write_text(json.dumps(record, indent=2, sort_keys=True)))
    return AssessRun(out=out, manifest=manifest, run_id=run, assessment=found, loaded=loaded)
