"""A synthetic council loaded into PostgreSQL as a council's database might hold it, for the
database tests and benchmark (issue 19, part 3).

`postgres_council(tables)` is the council-style extract of `tests/data/extracts.py` with the
column names a database would use (``client_id``, ``dob``) and the types it would give them:
dates as ``date``, money as ``numeric(12,2)``, flags as ``boolean``; the DWP list stays text,
as the DWP sends it. `workbench/reference/profiles/council_postgres.yaml` reads the tables
back onto the contract. `load_council` writes them into a schema of their own (ADBC's bulk
ingest, PostgreSQL's binary COPY) and `schema_uri` gives the URI that reads them
(``search_path`` set through libpq's ``options``).

The server: WORKBENCH_TEST_POSTGRES_URI (scripts/postgres_for_tests.sh starts one and prints
it). Without it the tests skip, saying why; with WORKBENCH_REQUIRE_POSTGRES=1 (CI) they fail.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import quote

import polars as pl
import pytest

from tests.data.extracts import council_extract
from workbench.data.profiles import EXAMPLE_PROFILES

PROFILE = EXAMPLE_PROFILES / "council_postgres.yaml"
URI_ENV = "WORKBENCH_TEST_POSTGRES_URI"
REQUIRE_ENV = "WORKBENCH_REQUIRE_POSTGRES"
# The variable the worked profile names.
CONNECTION = "WORKBENCH_DATABASE"

_TABLES = {
    "Client Index.csv": "client_index",
    "Benefits Extract.csv": "benefit_awards",
    "Social Care Episodes.csv": "care_episodes",
    "Household Circumstances.csv": "household_circumstances",
    "DWP 2YO List.csv": "dwp_two_year_old_list",
    "Provider Headcount.csv": "provider_headcount",
}


def snake(header: str) -> str:
    """`Net Earnings (annual)` -> `net_earnings_annual`."""
    return "_".join(re.findall(r"[a-z0-9]+", header.lower()))


def _money(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Decimal(12, 2))


def postgres_council(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The database tables (by table name) for a synthetic council's contract tables."""
    files = council_extract(tables)
    typed: dict[str, dict[str, pl.Series | pl.DataFrame]] = {
        "Client Index.csv": {"DOB": tables["people"]["date_of_birth"]},
        "Benefits Extract.csv": {
            "Start Date": tables["benefits"]["start_date"],
            "End Date": tables["benefits"]["end_date"],
            "Net Earnings (annual)": tables["benefits"].select(_money("net_earned_income")),
            "Gross Income (annual)": tables["benefits"].select(_money("gross_income")),
        },
    }
    if "child_statuses" in tables:
        statuses = tables["child_statuses"]
        typed["Social Care Episodes.csv"] = {
            "Episode Start": statuses["start_date"],
            "Episode End": statuses["end_date"],
        }
    if "households" in tables:
        households = tables["households"]
        typed["Household Circumstances.csv"] = {
            "NRPF": households["no_recourse_to_public_funds"],
            "Annual Income": households.select(_money("annual_income")),
            "Savings": households.select(_money("savings")),
            "London Borough": households["in_london"],
        }
    if "funded_places" in tables:
        places = tables["funded_places"]
        typed["Provider Headcount.csv"] = {
            "Term Start": places["term_start"],
            "Child DOB": places["child_date_of_birth"],
        }
    database = {}
    for file, frame in files.items():
        for header, values in typed.get(file, {}).items():
            series = values.to_series() if isinstance(values, pl.DataFrame) else values
            frame = frame.with_columns(series.alias(header))
        database[_TABLES[file]] = frame.rename(snake)
    return database


def server_uri() -> str:
    """The test server's URI; skips the test (fails it, under WORKBENCH_REQUIRE_POSTGRES)
    when there is none or it cannot be reached."""
    uri = os.environ.get(URI_ENV, "").strip()
    required = os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0")
    problem = None
    if not uri:
        problem = (
            f"no PostgreSQL server: set {URI_ENV} (scripts/postgres_for_tests.sh starts one and "
            "prints it)"
        )
    else:
        try:
            from adbc_driver_postgresql import dbapi

            with dbapi.connect(uri) as connection, connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchall()
        except Exception as error:
            problem = f"the PostgreSQL server in {URI_ENV} cannot be reached ({error})"
    if problem is not None:
        if required:
            pytest.fail(f"{problem}; {REQUIRE_ENV} is set, so this is a failure")
        pytest.skip(problem)
    return uri


def schema_uri(uri: str, schema: str) -> str:
    """`uri` with `schema` first on the search path (libpq's `options`)."""
    joiner = "&" if "?" in uri else "?"
    return f"{uri}{joiner}options={quote(f'-csearch_path={schema}')}"


def load_council(uri: str, schema: str, database: Mapping[str, pl.DataFrame]) -> str:
    """Write the tables into a fresh `schema`; the URI reading them."""
    from adbc_driver_postgresql import dbapi

    with dbapi.connect(uri) as connection:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            cursor.execute(f"CREATE SCHEMA {schema}")
        connection.commit()
        for name, frame in database.items():
            frame.write_database(
                f"{schema}.{name}", connection, engine="adbc", if_table_exists="replace"
            )
        connection.commit()
    return schema_uri(uri, schema)


def drop_schema(uri: str, schema: str) -> None:
    from adbc_driver_postgresql import dbapi

    with dbapi.connect(uri) as connection, connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        connection.commit()
