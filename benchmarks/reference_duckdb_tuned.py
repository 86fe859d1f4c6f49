"""The speed to beat (issue 20): part of the two-year-old rules as one DuckDB query, tuned.

Written as a DuckDB user who knows the planner would write it, first as `rule_duckdb.py`
beside the council generator `benchmarks/perf_council.py` (in a folder shared by the
project's sessions, not part of the repository); the query here is that one, reading parquet
as well as CSV. Its common table expressions are marked so that `people` and `benefits` are
scanned once (`NOT MATERIALIZED`: each use's filter and projection pushed into the scan) and
the children in the age window are found once (`MATERIALIZED`); left to itself DuckDB
materialises `people`, used twice, and evaluates the window filter per use (2-4x slower).

It covers only the rules the perf council exercises (CONTRACT §2): the age window (rule 1,
children with role `child`), a parent or carer's (role `parent_carer`, in the household)
active income support, income-based JSA, income-related ESA, pension credit guarantee,
asylum support, or universal credit with net earned income up to £15,400 (income missing:
the `possible` tier), and the child's own disability living allowance. It reads no
households, child statuses, DWP list or funded places, so no tax credits, care, EHC plans,
no recourse to public funds, DWP-list or continued-entitlement reasons, no `already_funded`;
it validates nothing, quarantines nothing, writes no evidence and no manifest. On the perf
council its list equals `assess`'s (person_id, tier, reason codes, eligible_from); on
`workbench synth`'s council it lacks what those rules find (the harness counts the
differences and says why).

Run: ``python -m benchmarks.reference_duckdb_tuned --data DIR --term-start 2026-09-01
--as-of 2026-09-01 --out list.csv`` (or ``.parquet``).
"""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

# The codes this query can give (the harness explains a difference from assess with them).
REASON_CODES = (
    "income_support",
    "jsa_income_based",
    "esa_income_related",
    "pension_credit_guarantee",
    "asylum_support",
    "universal_credit_low_income",
    "disability_living_allowance",
)
LIST_COLUMNS = ("person_id", "tier", "reason_codes", "eligible_from")

# CSV columns whose type DuckDB is told (the rest are sniffed).
CSV_TYPES = {
    "people": "{'date_of_birth': 'DATE'}",
    "benefits": "{'start_date': 'DATE', 'end_date': 'DATE', 'net_earned_income': 'DOUBLE'}",
}

QUERY = """
with people as not materialized (select * from {people}),
ben as not materialized (select * from {benefits}),
bd as (select person_id, household_id,
   case when month(date_of_birth)=2 and day(date_of_birth)=29
             and day(date_of_birth + interval 2 year)=28
        then date_of_birth + interval 2 year + interval 1 day
        else date_of_birth + interval 2 year end as b2,
   case when month(date_of_birth)=2 and day(date_of_birth)=29
             and day(date_of_birth + interval 3 year)=28
        then date_of_birth + interval 3 year + interval 1 day
        else date_of_birth + interval 3 year end as b3
   from people where role='child'),
kids as (select person_id, household_id,
   case when month(b2)*100+day(b2)>=901 then make_date(year(b2)+1,1,1)
        when month(b2)*100+day(b2)>=401 then make_date(year(b2),9,1)
        else make_date(year(b2),4,1) end as eligible_from,
   case when month(b3)*100+day(b3)>=901 then make_date(year(b3)+1,1,1)
        when month(b3)*100+day(b3)>=401 then make_date(year(b3),9,1)
        else make_date(year(b3),4,1) end as eligible_to
   from bd),
win as materialized (select * from kids
   where eligible_from <= date '{term}' and date '{term}' < eligible_to),
active as (select * from ben
   where start_date <= date '{as_of}' and (end_date is null or end_date >= date '{as_of}')),
ca as (select p.household_id,
   case when a.benefit in ('income_support','jsa_income_based','esa_income_related',
                           'pension_credit_guarantee','asylum_support') then a.benefit
        when a.benefit='universal_credit' and a.net_earned_income <= 15400
        then 'universal_credit_low_income' end as code,
   a.benefit='universal_credit' and a.net_earned_income is null as unknown
   from people p join active a using (person_id) where p.role='parent_carer'),
ev as (select w.person_id, c.code, c.unknown from win w join ca c using (household_id)
   union all select w.person_id, 'disability_living_allowance', false
   from win w join active a using (person_id) where a.benefit='disability_living_allowance'),
agg as (select person_id, string_agg(distinct code, ';' order by code) as reason_codes,
   bool_or(unknown) as unknown from ev group by person_id)
select w.person_id,
   case when coalesce(reason_codes,'')<>'' then 'likely' else 'possible' end as tier,
   coalesce(reason_codes,'') as reason_codes,
   strftime(w.eligible_from, '%Y-%m-%d') as eligible_from, 'pending_review' as review_status
from win w join agg using (person_id)
where coalesce(reason_codes,'')<>'' or unknown order by person_id
"""


def source(folder: Path, table: str) -> str:
    """The DuckDB relation reading `table` from `folder` (CSV, else parquet)."""
    csv, parquet = folder / f"{table}.csv", folder / f"{table}.parquet"
    if csv.exists():
        return f"read_csv('{csv}', types={CSV_TYPES[table]})"
    if parquet.exists():
        return f"read_parquet('{parquet}')"
    raise FileNotFoundError(f"{folder}: no {table}.csv or {table}.parquet")


def query(folder: Path, term_start: date, as_of: date) -> str:
    return QUERY.format(
        people=source(folder, "people"),
        benefits=source(folder, "benefits"),
        term=term_start.isoformat(),
        as_of=as_of.isoformat(),
    )


def write_list(folder: Path, term_start: date, as_of: date, out: Path) -> None:
    """Run the query on `folder` and write the list to `out` (.csv or .parquet)."""
    options = "format parquet" if out.suffix == ".parquet" else "header, delimiter ','"
    duckdb.sql(f"copy ({query(folder, term_start, as_of)}) to '{out}' ({options})")


# --- why its list differs from assess's -------------------------------------------------------


def _codes_by_person(path: Path) -> dict[str, dict[str, Any]]:
    """assess's list: person -> tier, eligible_from, reason codes met, and the codes whose
    income (or care record) is missing (from the evidence), as CSV or parquet."""
    if path.suffix == ".parquet":
        frame = pl.read_parquet(path).filter(pl.col("person_id").is_not_null())
        rows = frame.select(
            "person_id",
            "tier",
            pl.col("eligible_from").cast(pl.String),
            "reason_codes",
            pl.col("evidence").list.eval(pl.element().struct.field("reason_code")).alias("all"),
        ).to_dicts()
    else:
        frame = pl.read_csv(path, infer_schema=False).filter(pl.col("person_id").is_not_null())
        rows = [
            {
                "person_id": r["person_id"],
                "tier": r["tier"],
                "eligible_from": r["eligible_from"],
                "reason_codes": (r["reason_codes"] or "").split(";") if r["reason_codes"] else [],
                # One sentence per proof: "<code>[ (income missing)]: <proof>", joined by "; ".
                "all": [
                    item.split(":", 1)[0].split(" (", 1)[0]
                    for item in (r["evidence"] or "").split("; ")
                    if item
                ],
            }
            for r in frame.to_dicts()
        ]
    return {
        r["person_id"]: {
            "tier": r["tier"],
            "eligible_from": r["eligible_from"],
            "met": set(r["reason_codes"] or []),
            "evidence": set(r["all"] or []),
        }
        for r in rows
    }


def differences_from(assess_list: Path, tuned_list: Path, shown: int = 5) -> dict[str, Any]:
    """How the tuned query's list differs from assess's, and how much of it its narrower rules
    explain.

    Each child on either list is projected onto the rules the query covers: assess's reason
    codes among `REASON_CODES` (likely when any), else `possible` when its evidence has a
    covered criterion with income missing. A difference is explained when that projection is
    the tuned row, or when assess lists the child for an uncovered reason only and the query
    lists it as possible (a parent's universal credit with income missing, which assess does
    not show beside a reason met). DWP-list rows matched to no one (no person_id) are explained:
    the query reads no DWP list. Anything else is unexplained, with examples.
    """
    mine = _codes_by_person(assess_list)
    assess_rows = pl.read_parquet(assess_list) if assess_list.suffix == ".parquet" else None
    if assess_rows is None:
        assess_rows = pl.read_csv(assess_list, infer_schema=False)
    dwp_only = assess_rows.filter(pl.col("person_id").is_null()).height
    tuned = pl.read_csv(tuned_list, infer_schema=False) if tuned_list.suffix == ".csv" else None
    if tuned is None:
        tuned = pl.read_parquet(tuned_list)
    theirs = {
        r["person_id"]: (
            r["tier"],
            str(r["eligible_from"]),
            tuple(sorted((r["reason_codes"] or "").split(";"))) if r["reason_codes"] else (),
        )
        for r in tuned.to_dicts()
    }
    covered = set(REASON_CODES)
    explained: Counter[str] = Counter()
    unexplained: list[dict[str, Any]] = []
    differing = 0
    for person in sorted(set(mine) | set(theirs)):
        row = mine.get(person)
        own = (row["tier"], str(row["eligible_from"]), tuple(sorted(row["met"]))) if row else None
        other = theirs.get(person)
        if own == other:
            continue
        differing += 1
        projected = None
        if row is not None:
            met = tuple(sorted(row["met"] & covered))
            if met:
                projected = ("likely", str(row["eligible_from"]), met)
            elif row["evidence"] & covered - row["met"]:
                projected = ("possible", str(row["eligible_from"]), ())
        uncovered = sorted((row["met"] | row["evidence"]) - covered) if row else []
        if projected == other or (
            row is not None and uncovered and other is not None and other[0] == "possible"
        ):
            for code in uncovered or ["(none)"]:
                explained[code] += 1
        else:
            unexplained.append({"person_id": person, "assess": own, "tuned": other})
    return {
        "assess_rows": assess_rows.height,
        "tuned_rows": tuned.height,
        "dwp_rows_matched_to_no_one": dwp_only,
        "children_listed_differently": differing,
        "explained_by_uncovered_reason": dict(explained.most_common()),
        "unexplained": len(unexplained),
        "unexplained_examples": unexplained[:shown],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--term-start", type=date.fromisoformat, required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    write_list(args.data, args.term_start, args.as_of, args.out)


if __name__ == "__main__":
    main()
