"""What the rules in force read that a data folder does not hold: a table with no file, or an
optional column missing from a whole file. Both otherwise change a list without a word (a
tester's cases: a DWP list saved as `DWPlist.csv` was not read, and the list had 9 fewer
children; a benefits file without `net_earned_income` moved 125 children from likely to
possible).

- `missing_columns`: a sentence per optional column (`workbench.data.schema`) that a criterion
  in force reads and that a file read lacks altogether (or that its source profile maps
  nothing to), naming the file, the column and what the rules then do. A blank cell is the
  row's own business (the evidence says "income missing"); a column missing from every row is
  the extract's, said once. `validate` says it for the built-in rules' criteria that have not
  ended, `assess` for its rule set's criteria in force on the term start.
- `contract_files_not_read`: a sentence per file named as a contract table
  (`benefits.csv`) that is not read because the source profile reads that table from another
  file: a stale extract beside the new one, or the one that was meant.
- `absent_tables`: a sentence per table that a criterion in force reads and that the folder
  does not hold, naming the files there that are not read, with a hint when one of them looks
  like it (`DWPlist.csv`, `DWP list 2026.csv`, `funded places.tsv`).

Which criterion reads which column is worked out from the criteria's kinds, as the engine
reads them (`workbench.eligibility.engine`): an optional column a file lacks reads as empty in
every row (`rule_tables`). people.role is not among them: a rule set says how it reads a
household without roles (`parent_carers.adult_age_without_role`), and
`workbench.runs.unrecorded.roles_not_recorded` names the children listed on a young member's
award for want of them.

Example
-------
>>> from workbench.rules import load_rule_set
>>> uses = column_uses([load_rule_set("two_year_old")], date(2026, 9, 1))
>>> print(uses[("benefits", "net_earned_income")][0])  # doctest: +NORMALIZE_WHITESPACE
every Universal Credit award's take-home pay is treated as not known, so the criterion
universal_credit_low_income can only mark a child possible, never likely
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.data.reading import FORMATS, LoadedData, name_key
from workbench.data.schema import TABLES

if TYPE_CHECKING:
    from workbench.rules.model import Criterion, RuleSet

__all__ = [
    "TABLE_NAMES",
    "absent_tables",
    "column_uses",
    "contract_files_not_read",
    "looks_like",
    "missing_columns",
    "rules_not_ended",
    "unread_lookalikes",
]

# Plain-English names of the tables, as a sentence says them.
TABLE_NAMES = {
    "people": "the people file",
    "benefits": "the benefit awards",
    "child_statuses": "the child statuses",
    "households": "the households file",
    "dwp_list": "the DWP list",
    "funded_places": "the providers' headcount of funded places",
}

# Words that, in a file's name, suggest a table (`looks_like`), besides its own name.
_TABLE_WORDS = {
    "people": ("people", "person", "client"),
    "benefits": ("benefit", "award"),
    # A social-care extract of looked-after episodes and plans (`Social Care Episodes.csv`).
    "child_statuses": ("status", "socialcare", "episode", "lookedafter", "ehcp"),
    "households": ("household", "nrpf"),
    "dwp_list": ("dwp",),
    "funded_places": ("funded", "headcount", "place"),
}

# Files that may hold a table, by suffix: what `absent_tables` names when a table is absent
# (a README is not).
_TABLE_LIKE = (*FORMATS, ".txt", ".tsv", ".xls", ".ods", ".json")

_BENEFIT_NAMES = {
    "universal_credit": "Universal Credit",
    "income_support": "Income Support",
    "jsa_income_based": "income-based Jobseeker's Allowance",
    "esa_income_related": "income-related Employment and Support Allowance",
    "child_tax_credit": "Child Tax Credit",
    "working_tax_credit": "Working Tax Credit",
    "wtc_run_on": "Working Tax Credit run-on",
    "pension_credit_guarantee": "guarantee Pension Credit",
    "asylum_support": "asylum support",
    "disability_living_allowance": "Disability Living Allowance",
    "housing_benefit": "Housing Benefit",
    "council_tax_reduction": "Council Tax Reduction",
}
_INCOME_NAMES = {"net_earned_income": "take-home pay", "gross_income": "gross income"}

# Per (table, column): what the rules do when the column is missing from every row, with
# `{codes}` for the criteria it changes. Keyed by a second part where one column changes
# criteria in different ways (an income test that makes a child possible or leaves it off).
_POSSIBLE = "can only mark a child possible, never likely"
_NOTHING = "can list no child"


def rules_not_ended(rule_sets: Iterable[RuleSet], today: date) -> list[tuple[RuleSet, Criterion]]:
    """The criteria of `rule_sets` in force on `today` or later (not ended): what `validate`,
    which is given no term, checks a folder for."""
    return [
        (r, c)
        for r in rule_sets
        for c in r.criteria
        if c.in_force is None or c.in_force.to is None or c.in_force.to >= today
    ]


def _in_force(rule_set: RuleSet, on: date) -> list[tuple[RuleSet, Criterion]]:
    return [(rule_set, c) for c in rule_set.criteria_in_force(on)]


def _uses(c: Criterion) -> list[tuple[str, str, str]]:
    """(table, column, what its absence does, with `{codes}`) for what `c` reads."""
    uses: list[tuple[str, str, str]] = []
    if c.table == "benefits":
        uses.append(
            (
                "benefits",
                "end_date",
                "every award reads as still in payment (no end date), so an award that has "
                "ended still counts for {codes}",
            )
        )
    if c.kind == "award_with_income_test" and c.income is not None:
        awards = " or ".join(_BENEFIT_NAMES.get(b, b) for b in c.benefits)
        income = _INCOME_NAMES.get(c.income, c.income)
        then = _POSSIBLE if c.missing_income == "possible" else _NOTHING
        uses.append(
            (
                "benefits",
                c.income,
                f"every {awards} award's {income} is treated as not known, so {{codes}} {then}",
            )
        )
    if c.kind == "active_status":
        uses.append(
            (
                "child_statuses",
                "end_date",
                "every status reads as ongoing (no end date), so a status that has ended still "
                "counts for {codes}",
            )
        )
    if c.kind == "household_limits" and c.flag is not None:
        then = _POSSIBLE if c.missing_income == "possible" else _NOTHING
        uses.append(
            (
                "households",
                c.flag,
                "no household reads as having no recourse to public funds, so {codes} " + _NOTHING,
            )
        )
        uses.append(
            (
                "households",
                "annual_income",
                f"every household's income is treated as not known, so {{codes}} {then}",
            )
        )
        if any(limits.savings is not None for limits in c.limits):
            uses.append(
                (
                    "households",
                    "savings",
                    f"every household's savings are treated as not known, so {{codes}} {then}",
                )
            )
        uses.append(
            (
                "households",
                "in_london",
                "every household is held to the limits outside London, so a London family "
                "within London's limits but over the others is not listed under {codes}",
            )
        )
    if c.kind == "list_match" and c.matched_list == "dwp_list":
        for table, column, what in (
            ("dwp_list", "parent_nino", "a parent's National Insurance number"),
            ("people", "nino", "a parent's National Insurance number"),
            ("dwp_list", "postcode", "the postcode"),
            ("people", "postcode", "the postcode"),
        ):
            uses.append(
                (
                    table,
                    column,
                    f"the DWP list's rows are matched to children without {what}, so fewer "
                    "match and fewer children are listed under {codes}",
                )
            )
    if c.kind == "earlier_funded_place":
        for table in ("funded_places", "people"):
            uses.append(
                (
                    table,
                    "postcode",
                    "the funded places are matched to children without the postcode, so "
                    "fewer match and fewer children are listed under {codes}",
                )
            )
    return uses


def column_uses(
    rule_sets: Iterable[RuleSet], on: date | None = None, *, today: date | None = None
) -> dict[tuple[str, str], list[str]]:
    """Per (table, optional column) the criteria read, what its absence from every row does:
    one clause per way it changes them, naming the criteria. `on`: the criteria in force on
    that term start (one rule set, as `assess` reads it: codes alone); None: those of every
    rule set not ended by `today` (as `validate` checks: each code with its initiative)."""
    chosen = list(rule_sets)
    if on is not None:
        pairs = [pair for r in chosen for pair in _in_force(r, on)]
    else:
        pairs = rules_not_ended(chosen, today or date.today())
    several = len({r.id for r, _ in pairs}) > 1 or on is None
    # Per column, per effect, per criterion code: the initiatives whose criterion it is.
    found: dict[tuple[str, str], dict[str, dict[str, list[str]]]] = {}
    for rule_set, criterion in pairs:
        for table, column, effect in _uses(criterion):
            if TABLES[table].column(column).required:
                continue
            codes = found.setdefault((table, column), {}).setdefault(effect, {})
            ids = codes.setdefault(criterion.code, [])
            if rule_set.id not in ids:
                ids.append(rule_set.id)
    return {
        key: [
            effect.format(
                codes=_codes(
                    [f"{c} ({', '.join(sorted(i))})" if several else c for c, i in codes.items()]
                )
            )
            for effect, codes in effects.items()
        ]
        for key, effects in found.items()
    }


def _codes(codes: list[str]) -> str:
    """`the criterion a`, `the criteria a and b`, `the criteria a, b and c`."""
    if len(codes) == 1:
        return f"the criterion {codes[0]}"
    return f"the criteria {', '.join(codes[:-1])} and {codes[-1]}"


def unread_lookalikes(data: LoadedData, tables: Iterable[str]) -> list[str]:
    """A sentence per table of `tables` that `data` did not read while a file of its folder
    that was not read looks like it (`looks_like`): what `validate`, which knows no rules,
    says of `DWPlist.csv`."""
    said = []
    for table in tables:
        if table in data.reports:
            continue
        near = [p for p in data.ignored if p.suffix.lower() in _TABLE_LIKE and looks_like(p, table)]
        if near:
            names = ", ".join(repr(p.name) for p in near)
            said.append(
                f"{data.folder} holds no {table}.csv (or .parquet, .xlsx) but holds {names}, not "
                f"read: is it {TABLE_NAMES[table]}? If so, {_rename(near[0], table)}"
            )
    return said


def contract_files_not_read(data: LoadedData) -> list[str]:
    """A sentence per file of `data`'s folder named as a contract table (`table_named`:
    `benefits.csv`, `DWP list.csv`) that is not read because `data`'s source profile reads
    that table from another file (a file read alone is the table's only one: two are
    refused). Not in `data.ignored`, which holds the files named as no table."""
    from workbench.data.reading import table_named

    said: list[str] = []
    if data.profile is None or not data.folder.is_dir():
        return said
    for path in sorted(data.folder.iterdir()):
        table = table_named(path) if path.is_file() else None
        report = data.reports.get(table) if table is not None else None
        if report is None or report.file == path:
            continue
        said.append(
            f"{path.name} is in {data.folder} but the profile {data.profile.name} reads {table} "
            f"from {report.file.name}: {path.name} is not read (move it out of the folder if "
            "it is an old extract, or map it in the profile if it is the one meant)"
        )
    return said


def _rename(path: Path, table: str) -> str:
    """How to make `path` the file of `table`."""
    if path.suffix.lower() in FORMATS:
        return f"rename it {table}{path.suffix.lower()}"
    return f"save it as {table}.csv (or .parquet, .xlsx)"


def missing_columns(
    data: LoadedData,
    uses: dict[tuple[str, str], list[str]],
    unread: dict[str, tuple[str, ...]] | None = None,
) -> list[str]:
    """A sentence per optional column of `uses` (`column_uses`) missing from the whole file of
    a table `data` read (for a table read through a source profile: that the profile maps
    nothing to), naming the file, the column and what the rules then do. `unread`: per table
    read through the profile, the file's columns no entry reads (`validate --profile` knows
    them), for a hint; without it the sentence says where to see them."""
    said = []
    profile = data.profile
    for table in TABLES:
        if table not in data.tables or table not in data.reports:
            continue
        frame = data.tables[table]
        file = data.reports[table].file.name
        mapped = table in data.source_columns
        for column in TABLES[table].column_names:
            effects = uses.get((table, column))
            if not effects or column in frame.columns:
                continue
            if mapped and profile is not None:
                others = (unread or {}).get(table)
                if others is None:
                    hint = (
                        f". `workbench validate --profile {profile.name}` lists the file's "
                        "columns not read"
                    )
                elif others:
                    hint = f"; {file} has {', '.join(others)} not read: if one holds it, map it"
                else:
                    hint = ""
                start = f"the profile {profile.name} maps no column of {file} to {table}.{column}"
            else:
                hint = f". If the extract holds it, add it as {column}"
                start = f"{file} has no {column} column"
            said.append(f"{start}: {'; and '.join(effects)}{hint}")
    return said


def looks_like(path: Path, table: str) -> bool:
    """A file not read whose name suggests `table`: it holds one of the table's words
    (`DWPlist.csv`, `DWP list Aug 2026.xlsx` for the DWP list), or reads like its name give or
    take a letter (`dwp_lsit.csv`)."""
    key = re.sub(r"[^a-z0-9]", "", name_key(path))
    plain = table.replace("_", "")
    if plain in key or any(word in key for word in _TABLE_WORDS[table]):
        return True
    return difflib.SequenceMatcher(None, key, plain).ratio() >= 0.8


def absent_tables(data: LoadedData, rule_set: RuleSet, on: date) -> tuple[list[str], list[str]]:
    """(serious, notes): a sentence per table a criterion of `rule_set` in force on `on` reads
    that `data`'s folder does not hold (no file named by it, nor one its profile maps), naming
    the files there not read. Serious when one of them looks like the table (`looks_like`): it
    is most likely the table under another name, and the list is short of its children; a note
    when the files not read look like no table (one may still be it); nothing when every file
    there is read (the council does not hold the table, or left it out on purpose)."""
    needs: dict[str, list[str]] = {}
    for criterion in rule_set.criteria_in_force(on):
        if criterion.table != "people":
            needs.setdefault(criterion.table, []).append(criterion.code)
    serious, notes = [], []
    folder = data.folder
    absent = [t for t in TABLES if t in needs and t in rule_set.sources and t not in data.reports]
    others = [p for p in data.ignored if p.suffix.lower() in _TABLE_LIKE]
    # A file like one absent table is said there, not as a file of no table under the others.
    unlike = [p for p in others if not any(looks_like(p, t) for t in absent)]
    for table in absent:
        near = [p for p in others if looks_like(p, table)]
        sentence = (
            f"no {table}.csv (or .parquet, .xlsx) in {folder}, so no child is listed through "
            f"{TABLE_NAMES[table]} ({_codes(needs[table])} lists no one)"
        )
        if near:
            names = ", ".join(repr(p.name) for p in near)
            rename = _rename(near[0], table)
            mapped = f", or map it in {data.profile.name}" if data.profile is not None else ""
            serious.append(
                f"{sentence}; {folder} holds {names}, not read: is it {TABLE_NAMES[table]}? "
                f"If so, {rename}{mapped} and run again"
            )
        elif unlike:
            names = ", ".join(repr(p.name) for p in unlike)
            notes.append(f"{sentence}; {folder} holds {names}, not read as any table")
    return serious, notes
