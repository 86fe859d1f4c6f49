"""The two-year-old offer (CONTRACT.md §2) as one DuckDB SQL query: an independent oracle.

Written from the contract, line by line, without looking at `workbench.eligibility.engine`, and
separately from `reference_pandas.py`; the tests check that the three give the same list.
It covers the same ground as the pandas reference: the whole candidate list of `workbench
assess --initiative two_year_old`, with the DWP list and funded places matched to people by
the exact rules of the linkage pre-pass (see `workbench.linkage.link_exact`; the parent's
NINO and the child's date of birth match no child whose forename is plainly another than the
row's: not a slip, by DuckDB's `damerau_levenshtein`, nor alike, by its
`jaro_winkler_similarity`, nor a nickname pair of `workbench/reference/nicknames.csv`, read as
data, nor the forename and surname swapped), a DWP row matched to no one listed on its own
when its child is in the age window, a child matched to a
`two_year_old` funded place for `term_start` marked `already_funded` and one matched to such a
place for an earlier term given `continued_entitlement`. Rules are those in force on
`term_start`, awards and statuses active on `as_of` (CONTRACT §2 rule 6).

The query is a chain of CTEs. Hints: the inputs used more than once are `NOT MATERIALIZED`
(DuckDB then pushes each use's filter and projection into the scan instead of holding the
whole table); the children in the age window are `MATERIALIZED` (small, and used by every
criterion). Inputs are taken as valid (`workbench validate` checks them): ids are unique.
Thresholds and dates are the contract's, as constants here only: an oracle must not read the
rule files whose use it checks.

Run: ``python -m benchmarks.reference_duckdb --data DIR --term-start 2026-09-01
--as-of 2026-09-01 --out list.csv`` (or ``.parquet``).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

INITIATIVE = "two_year_old"
UC_NET_EARNED_INCOME_LIMIT = 15400  # CONTRACT §2 rule 4, universal_credit_low_income
TAX_CREDIT_GROSS_INCOME_LIMIT = 16190  # CONTRACT §2 rule 4, tax_credits_low_income
TAX_CREDITS_END = date(2025, 4, 5)  # CONTRACT §2 rule 4: tax credits closed
ADULT_AGE = 16  # CONTRACT §2 rule 3, without a role column
NRPF_FROM = date(2022, 9, 1)  # CONTRACT §2 rule 4, no_recourse_to_public_funds (DOMAIN.md)
NRPF_INCOME_OUTSIDE_LONDON = (26500, 30600)  # one child, two or more
NRPF_INCOME_LONDON = (34500, 38600)
NRPF_SAVINGS = 16000
# The nickname and variant pairs the linkage reads (data, not rules: Liz for Elizabeth).
NICKNAMES_FILE = Path(__file__).resolve().parents[1] / "workbench" / "reference" / "nicknames.csv"
SIMILAR_FORENAMES = 0.8  # Jaro-Winkler at or above which two forenames are alike

# The columns the query reads, with their SQL types; absent optional tables and columns are
# read as empty (except people.role, whose absence changes rule 3).
COLUMNS: dict[str, dict[str, str]] = {
    "people": {
        "person_id": "VARCHAR",
        "household_id": "VARCHAR",
        "forename": "VARCHAR",
        "surname": "VARCHAR",
        "date_of_birth": "DATE",
        "nino": "VARCHAR",
        "postcode": "VARCHAR",
        "role": "VARCHAR",
    },
    "benefits": {
        "person_id": "VARCHAR",
        "benefit": "VARCHAR",
        "start_date": "DATE",
        "end_date": "DATE",
        "net_earned_income": "DOUBLE",
        "gross_income": "DOUBLE",
    },
    "child_statuses": {
        "person_id": "VARCHAR",
        "status": "VARCHAR",
        "start_date": "DATE",
        "end_date": "DATE",
    },
    "dwp_list": {
        "record_id": "VARCHAR",
        "child_forename": "VARCHAR",
        "child_surname": "VARCHAR",
        "child_date_of_birth": "DATE",
        "parent_nino": "VARCHAR",
        "postcode": "VARCHAR",
    },
    "funded_places": {
        "record_id": "VARCHAR",
        "child_forename": "VARCHAR",
        "child_surname": "VARCHAR",
        "child_date_of_birth": "DATE",
        "postcode": "VARCHAR",
        "term_start": "DATE",
        "provider_id": "VARCHAR",
        "funding_stream": "VARCHAR",
    },
    "households": {
        "household_id": "VARCHAR",
        "no_recourse_to_public_funds": "BOOLEAN",
        "annual_income": "DOUBLE",
        "savings": "DOUBLE",
        "in_london": "BOOLEAN",
    },
}

QUERY = """
WITH
people_in AS NOT MATERIALIZED (SELECT * FROM people),
benefits_in AS NOT MATERIALIZED (SELECT * FROM benefits),
statuses_in AS NOT MATERIALIZED (SELECT * FROM child_statuses),
-- Each row numbered in the file's order: a row repeating an earlier one (the same child, and
-- parent or place) claims nothing, and a repeated DWP-list row is not listed on its own.
dwp_in AS MATERIALIZED (SELECT *, row_number() OVER () AS file_row FROM dwp_list),
funded_in AS MATERIALIZED (
    -- The term's places, and the two-year-old places of earlier terms (continued entitlement).
    SELECT * FROM (SELECT *, row_number() OVER () AS file_row FROM funded_places)
    WHERE term_start = {term} OR (term_start < {term} AND funding_stream = 'two_year_old')
),
households_in AS NOT MATERIALIZED (SELECT * FROM households),

-- Rule 1: the age window. A birthday is the first of the birth month in the later year plus
-- (day - 1) days, which puts a 29 February birthday on 1 March in a common year.
aged AS (
    SELECT person_id, household_id, {role_column}
        make_date(year(date_of_birth) + 2, month(date_of_birth), 1)
            + (day(date_of_birth) - 1)::INTEGER AS second_birthday,
        make_date(year(date_of_birth) + 3, month(date_of_birth), 1)
            + (day(date_of_birth) - 1)::INTEGER AS third_birthday,
        make_date(year(date_of_birth) + {adult_age}, month(date_of_birth), 1)
            + (day(date_of_birth) - 1)::INTEGER AS adult_birthday
    FROM people_in
),
windowed AS (
    SELECT person_id, household_id,
        {first_term_after_second} AS eligible_from,
        {first_term_after_third} AS eligible_to
    FROM aged
),
children AS MATERIALIZED (
    SELECT person_id, household_id, eligible_from FROM windowed
    WHERE eligible_from <= {term} AND {term} < eligible_to
),

-- Rule 3: parents and carers.
carers AS (
    SELECT person_id AS carer_id, household_id FROM aged WHERE {carer_condition}
),
child_carers AS (
    SELECT c.person_id, k.carer_id
    FROM children c JOIN carers k USING (household_id)
    WHERE k.carer_id <> c.person_id
),

-- Rule 2: active awards and statuses.
active_awards AS NOT MATERIALIZED (
    SELECT * FROM benefits_in
    WHERE start_date <= {as_of} AND (end_date IS NULL OR end_date >= {as_of})
),
carer_awards AS MATERIALIZED (
    SELECT cc.person_id, a.benefit, a.net_earned_income, a.gross_income
    FROM child_carers cc JOIN active_awards a ON a.person_id = cc.carer_id
),
with_wtc AS (
    SELECT DISTINCT person_id FROM carer_awards WHERE benefit = 'working_tax_credit'
),

-- The exact links (the linkage pre-pass's rules).
source_dobs AS (
    SELECT child_date_of_birth AS dob FROM dwp_in
    UNION SELECT child_date_of_birth FROM funded_in
),
people_keys AS (
    SELECT person_id, household_id, date_of_birth AS dob,
        {name_key_forename} AS forename, {name_key_surname} AS surname,
        {postcode_key_people} AS postcode
    FROM people_in WHERE date_of_birth IN (SELECT dob FROM source_dobs)
),
nino_holders AS (
    SELECT person_id AS carer_id, household_id, {nino_key_people} AS nino
    FROM people_in WHERE nino IS NOT NULL {holder_condition}
),
dwp_keys_all AS (
    SELECT *, row_number() OVER (
        PARTITION BY forename, surname, dob, postcode, nino ORDER BY file_row) AS copy
    FROM (
        SELECT record_id, file_row, child_date_of_birth AS dob,
            {name_key_child_forename} AS forename, {name_key_child_surname} AS surname,
            {postcode_key_source} AS postcode, {nino_key_dwp} AS nino
        FROM dwp_in
    )
),
dwp_keys AS (SELECT * FROM dwp_keys_all WHERE copy = 1),
dwp_repeats AS (SELECT record_id FROM dwp_keys_all WHERE copy > 1),
dwp_by_nino AS (
    -- The child's forenames as compared for likeness: lower case, accents dropped.
    SELECT d.record_id, c.person_id,
        coalesce(c.forename = d.forename AND c.surname = d.surname, FALSE) AS names_agree,
        strip_accents(d.forename) AS row_forename, strip_accents(c.forename) AS child_forename,
        strip_accents(d.surname) AS row_surname, strip_accents(c.surname) AS child_surname
    FROM dwp_keys d
    JOIN nino_holders h ON h.nino = d.nino
    JOIN people_keys c ON c.household_id = h.household_id AND c.dob = d.dob
    WHERE c.person_id <> h.carer_id
),
dwp_pairs AS (
    -- unlike: the forenames are plainly different names (Zara for Yusuf): not a slip of one
    -- letter, not alike, not a nickname pair, not the forename and surname swapped.
    SELECT p.record_id, p.person_id, TRUE AS via_nino, FALSE AS via_name_postcode,
        p.names_agree,
        coalesce(
            damerau_levenshtein(p.row_forename, p.child_forename) > 1
            AND jaro_winkler_similarity(p.row_forename, p.child_forename) < {similar}
            AND n.name IS NULL
            AND NOT coalesce(
                jaro_winkler_similarity(p.row_forename, p.child_surname) >= {similar}
                AND jaro_winkler_similarity(p.row_surname, p.child_forename) >= {similar},
                FALSE),
            FALSE) AS unlike
    FROM dwp_by_nino p
    LEFT JOIN nickname_pairs n ON n.name = p.row_forename AND n.alias = p.child_forename
    UNION ALL
    SELECT d.record_id, c.person_id, FALSE, TRUE, TRUE, FALSE
    FROM dwp_keys d
    JOIN people_keys c ON c.dob = d.dob AND c.forename = d.forename
        AND c.surname = d.surname AND c.postcode = d.postcode
),
dwp_candidates AS (
    SELECT record_id, person_id, bool_or(via_nino) AS via_nino,
        bool_or(via_name_postcode) AS via_name_postcode, bool_or(names_agree) AS names_agree,
        bool_or(unlike) AS unlike
    FROM dwp_pairs GROUP BY record_id, person_id
),
dwp_scored AS (
    SELECT *, count(*) OVER w AS candidates,
        (via_nino OR NOT bool_or(via_nino) OVER w)
        AND (via_name_postcode OR NOT bool_or(via_name_postcode) OVER w)
        AND (names_agree OR NOT bool_or(names_agree) OVER w) AS dominant
    FROM dwp_candidates WINDOW w AS (PARTITION BY record_id)
),
dwp_chosen AS (
    SELECT record_id, person_id, via_name_postcode, unlike FROM dwp_scored
    QUALIFY candidates = 1
        OR (dominant AND sum(dominant::INTEGER) OVER (PARTITION BY record_id) = 1)
),
dwp_links AS (
    -- The NINO and birthday alone do not make a child whose forename is plainly another the
    -- row's (a brother, sister or twin the council lacks is as likely), though the pair was a
    -- candidate above (a conflict it makes stays one). Then at most one row per child.
    SELECT record_id, person_id FROM dwp_chosen
    WHERE NOT (unlike AND NOT via_name_postcode)
    QUALIFY count(*) OVER (PARTITION BY person_id) = 1
),
funded_keys AS (
    SELECT * FROM (
        SELECT record_id, child_date_of_birth AS dob,
            {name_key_child_forename} AS forename, {name_key_child_surname} AS surname,
            {postcode_key_source} AS postcode, term_start, provider_id, funding_stream, file_row
        FROM funded_in
    )
    QUALIFY row_number() OVER (
        PARTITION BY forename, surname, dob, postcode, term_start, provider_id, funding_stream
        ORDER BY file_row) = 1
),
funded_candidates AS (
    SELECT f.record_id, c.person_id, bool_or(coalesce(c.postcode = f.postcode, FALSE))
        AS postcode_agree
    FROM funded_keys f
    JOIN people_keys c ON c.dob = f.dob AND c.forename = f.forename AND c.surname = f.surname
    GROUP BY f.record_id, c.person_id
),
funded_chosen AS (
    SELECT record_id, person_id FROM (
        SELECT *, count(*) OVER w AS candidates,
            (postcode_agree OR NOT bool_or(postcode_agree) OVER w) AS dominant
        FROM funded_candidates WINDOW w AS (PARTITION BY record_id)
    )
    QUALIFY candidates = 1
        OR (dominant AND sum(dominant::INTEGER) OVER (PARTITION BY record_id) = 1)
),
funded_links AS (
    -- At most one place per child and term.
    SELECT c.person_id, f.term_start, f.funding_stream
    FROM funded_chosen c JOIN funded_in f USING (record_id)
    QUALIFY count(*) OVER (PARTITION BY c.person_id, f.term_start) = 1
),
funded_now AS (
    SELECT person_id FROM funded_links
    WHERE term_start = {term} AND funding_stream = 'two_year_old'
),

-- Left care: an order with a care episode that began before it, or an earlier-care record.
orders AS (
    SELECT c.person_id, s.start_date
    FROM children c JOIN statuses_in s ON s.person_id = c.person_id
    WHERE s.status IN ('special_guardianship_order', 'child_arrangements_order',
                       'adoption_order')
        AND s.start_date <= {as_of}
),
cared AS (
    SELECT o.person_id FROM orders o JOIN statuses_in s ON s.person_id = o.person_id
    WHERE s.status = 'looked_after' AND s.start_date < o.start_date
    UNION
    SELECT o.person_id FROM orders o JOIN statuses_in s ON s.person_id = o.person_id
    WHERE s.status = 'previously_looked_after' AND s.start_date <= {as_of}
),

-- No recourse to public funds: the household's children counted, limits by area and size.
nrpf AS (
    SELECT c.person_id, h.annual_income, h.savings,
        CASE WHEN coalesce(h.in_london, FALSE)
            THEN (CASE WHEN kids >= 2 THEN {london_two} ELSE {london_one} END)
            ELSE (CASE WHEN kids >= 2 THEN {outside_two} ELSE {outside_one} END)
        END AS income_limit
    FROM children c
    JOIN households_in h USING (household_id)
    LEFT JOIN (
        -- the child assessed counts itself, whatever its role
        SELECT household_id, count(*) AS kids FROM aged WHERE {young_condition}
        GROUP BY household_id
    ) USING (household_id)
    WHERE {term} >= {nrpf_from} AND h.no_recourse_to_public_funds
),

-- Rule 4: criteria and reason codes.
reasons AS (
    SELECT person_id, benefit AS reason FROM carer_awards
    WHERE benefit IN ('income_support', 'jsa_income_based', 'esa_income_related',
                      'pension_credit_guarantee', 'asylum_support')
    UNION ALL
    SELECT person_id, 'universal_credit_low_income' FROM carer_awards
    WHERE benefit = 'universal_credit' AND net_earned_income <= {uc_limit}
    UNION ALL
    SELECT person_id, 'tax_credits_low_income' FROM carer_awards
    WHERE {term} <= {tax_credits_end} AND benefit = 'child_tax_credit'
        AND gross_income <= {tax_credit_limit}
        AND person_id NOT IN (SELECT person_id FROM with_wtc)
    UNION ALL
    SELECT person_id, 'wtc_run_on' FROM carer_awards
    WHERE {term} <= {tax_credits_end} AND benefit = 'wtc_run_on'
    UNION ALL
    SELECT c.person_id, 'disability_living_allowance'
    FROM children c JOIN active_awards a ON a.person_id = c.person_id
    WHERE a.benefit = 'disability_living_allowance'
    UNION ALL
    SELECT c.person_id, s.status
    FROM children c JOIN statuses_in s ON s.person_id = c.person_id
    WHERE s.status IN ('looked_after', 'ehc_plan')
        AND s.start_date <= {as_of} AND (s.end_date IS NULL OR s.end_date >= {as_of})
    UNION ALL
    SELECT person_id, 'left_care' FROM cared
    UNION ALL
    SELECT c.person_id, 'continued_entitlement'
    FROM children c JOIN funded_links f USING (person_id)
    WHERE f.term_start < {term} AND f.funding_stream = 'two_year_old'
    UNION ALL
    SELECT person_id, 'no_recourse_to_public_funds' FROM nrpf
    WHERE annual_income <= income_limit AND savings <= {nrpf_savings}
    UNION ALL
    SELECT c.person_id, 'dwp_list' FROM children c JOIN dwp_links l USING (person_id)
),
coded AS (
    SELECT person_id, array_to_string(list_sort(list_distinct(list(reason))), ';')
        AS reason_codes
    FROM reasons GROUP BY person_id
),

-- Rule 5: tiers.
income_missing AS (
    SELECT DISTINCT person_id FROM carer_awards
    WHERE (benefit = 'universal_credit' AND net_earned_income IS NULL)
        OR ({term} <= {tax_credits_end} AND benefit = 'child_tax_credit'
            AND gross_income IS NULL AND person_id NOT IN (SELECT person_id FROM with_wtc))
    UNION
    SELECT person_id FROM orders WHERE person_id NOT IN (SELECT person_id FROM cared)
    UNION
    SELECT person_id FROM nrpf
    WHERE (annual_income IS NULL OR savings IS NULL)
        AND NOT coalesce(annual_income > income_limit, FALSE)
        AND NOT coalesce(savings > {nrpf_savings}, FALSE)
),
listed AS (
    SELECT c.person_id, l.record_id AS dwp_record_id,
        CASE WHEN k.person_id IS NOT NULL THEN 'likely' ELSE 'possible' END AS tier,
        coalesce(k.reason_codes, '') AS reason_codes,
        c.eligible_from,
        c.person_id IN (SELECT person_id FROM funded_now) AS already_funded
    FROM children c
    LEFT JOIN coded k USING (person_id)
    LEFT JOIN dwp_links l USING (person_id)
    WHERE k.person_id IS NOT NULL OR c.person_id IN (SELECT person_id FROM income_missing)
),
dwp_only AS (
    SELECT NULL::VARCHAR AS person_id, record_id AS dwp_record_id, 'likely' AS tier,
        'dwp_list' AS reason_codes, eligible_from, FALSE AS already_funded
    FROM (
        SELECT record_id,
            make_date(year(child_date_of_birth) + 2, month(child_date_of_birth), 1)
                + (day(child_date_of_birth) - 1)::INTEGER AS second_birthday,
            make_date(year(child_date_of_birth) + 3, month(child_date_of_birth), 1)
                + (day(child_date_of_birth) - 1)::INTEGER AS third_birthday
        FROM dwp_in WHERE record_id NOT IN (SELECT record_id FROM dwp_links)
            AND record_id NOT IN (SELECT record_id FROM dwp_repeats)
    ) AS unmatched,
    LATERAL (SELECT {first_term_after_second} AS eligible_from,
                    {first_term_after_third} AS eligible_to)
    WHERE eligible_from <= {term} AND {term} < eligible_to
)
SELECT person_id, dwp_record_id, '{initiative}' AS initiative, tier, reason_codes,
    eligible_from, already_funded
FROM (SELECT * FROM listed UNION ALL SELECT * FROM dwp_only)
ORDER BY person_id NULLS LAST, dwp_record_id
"""


def _date(day: date) -> str:
    return f"DATE '{day.isoformat()}'"


def _first_term_after(day: str) -> str:
    """The first 1 January, 1 April or 1 September strictly after `day`."""
    april = f"make_date(year({day}), 4, 1)"
    september = f"make_date(year({day}), 9, 1)"
    return (
        f"CASE WHEN {day} < {april} THEN {april} WHEN {day} < {september} THEN {september} "
        f"ELSE make_date(year({day}) + 1, 1, 1) END"
    )


def _name_key(column: str) -> str:
    return f"nullif(lower(trim(regexp_replace({column}, '\\s+', ' ', 'g'))), '')"


def _nino_key(column: str) -> str:
    return f"nullif(upper(regexp_replace({column}, '\\s+', '', 'g')), '')"


def _postcode_key(column: str) -> str:
    compact = f"upper(regexp_replace({column}, '\\s+', '', 'g'))"
    return (
        f"nullif(CASE WHEN length({compact}) > 3 THEN left({compact}, length({compact}) - 3) "
        f"|| ' ' || right({compact}, 3) ELSE {compact} END, '')"
    )


def query(term_start: date, as_of: date, has_role: bool) -> str:
    """The SQL for the list, over tables named people, benefits, child_statuses, households,
    dwp_list and funded_places."""
    return QUERY.format(
        term=_date(term_start),
        as_of=_date(as_of),
        tax_credits_end=_date(TAX_CREDITS_END),
        uc_limit=UC_NET_EARNED_INCOME_LIMIT,
        tax_credit_limit=TAX_CREDIT_GROSS_INCOME_LIMIT,
        adult_age=ADULT_AGE,
        initiative=INITIATIVE,
        role_column="role," if has_role else "",
        carer_condition=(
            "role = 'parent_carer'" if has_role else f"adult_birthday <= {_date(as_of)}"
        ),
        young_condition=("role = 'child'" if has_role else f"adult_birthday > {_date(as_of)}"),
        nrpf_from=_date(NRPF_FROM),
        outside_one=NRPF_INCOME_OUTSIDE_LONDON[0],
        outside_two=NRPF_INCOME_OUTSIDE_LONDON[1],
        london_one=NRPF_INCOME_LONDON[0],
        london_two=NRPF_INCOME_LONDON[1],
        nrpf_savings=NRPF_SAVINGS,
        holder_condition="AND role = 'parent_carer'" if has_role else "",
        first_term_after_second=_first_term_after("second_birthday"),
        first_term_after_third=_first_term_after("third_birthday"),
        name_key_forename=_name_key("forename"),
        name_key_surname=_name_key("surname"),
        name_key_child_forename=_name_key("child_forename"),
        name_key_child_surname=_name_key("child_surname"),
        postcode_key_people=_postcode_key("postcode"),
        postcode_key_source=_postcode_key("postcode"),
        nino_key_people=_nino_key("nino"),
        nino_key_dwp=_nino_key("parent_nino"),
        similar=SIMILAR_FORENAMES,
    )


def _typed_views(con: duckdb.DuckDBPyConnection, sources: Mapping[str, str]) -> bool:
    """A view per table with the query's columns and types, over `sources` (table -> a SQL
    relation such as `read_csv('...')`); returns whether people has a role column."""
    has_role = False
    for table, columns in COLUMNS.items():
        if table in sources:
            present = {
                row[0] for row in con.sql(f"DESCRIBE SELECT * FROM {sources[table]}").fetchall()
            }
        else:
            present = set()
        if table == "people":
            has_role = "role" in present
        selected = [
            f"CAST({name} AS {sql_type}) AS {name}"
            if name in present
            else f"CAST(NULL AS {sql_type}) AS {name}"
            for name, sql_type in columns.items()
            if name in present or not (table == "people" and name == "role")
        ]
        relation = sources.get(table)
        body = (
            f"SELECT {', '.join(selected)} FROM {relation}"
            if relation
            else (f"SELECT {', '.join(selected)} WHERE FALSE")
        )
        con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS {body}")
    # Each pair both ways round, compared as the query compares forenames.
    plain = "strip_accents(lower({}))"
    con.execute(
        "CREATE OR REPLACE TEMP VIEW nickname_pairs AS "
        f"SELECT {plain.format('name')} AS name, {plain.format('alias')} AS alias "
        f"FROM read_csv('{NICKNAMES_FILE}', header = true, all_varchar = true) "
        f"UNION SELECT {plain.format('alias')}, {plain.format('name')} "
        f"FROM read_csv('{NICKNAMES_FILE}', header = true, all_varchar = true)"
    )
    return has_role


def two_year_old(tables: Mapping[str, Any], term_start: date, as_of: date) -> Any:
    """The list as a pandas DataFrame, from in-memory tables (pandas frames DuckDB can scan),
    sorted by person_id (empty last) then dwp_record_id; reason_codes joined with ';'."""
    con = duckdb.connect()
    sources = {}
    for table, frame in tables.items():
        con.register(f"input_{table}", frame)
        sources[table] = f"input_{table}"
    has_role = _typed_views(con, sources)
    return con.sql(query(term_start, as_of, has_role)).df()


def folder_sources(folder: Path) -> dict[str, str]:
    """table -> read_csv/read_parquet relation for each table file in `folder`."""
    sources = {}
    for table in COLUMNS:
        csv, parquet = folder / f"{table}.csv", folder / f"{table}.parquet"
        if csv.exists():
            sources[table] = f"read_csv('{csv}', header = true, all_varchar = true)"
        elif parquet.exists():
            sources[table] = f"read_parquet('{parquet}')"
    return sources


def write_list(folder: Path, term_start: date, as_of: date, out: Path) -> None:
    """Read `folder`, run the query, write the list to `out` (.csv or .parquet)."""
    con = duckdb.connect()
    has_role = _typed_views(con, folder_sources(folder))
    fmt = "parquet" if out.suffix == ".parquet" else "csv"
    con.execute(f"COPY ({query(term_start, as_of, has_role)}) TO '{out}' (FORMAT {fmt})")


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
