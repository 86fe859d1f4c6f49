"""Tables read from a database through a source profile (issue 19, part 3).

The PostgreSQL tests run against a real server (WORKBENCH_TEST_POSTGRES_URI; .ci/run starts one
with scripts/postgres_for_tests.sh and sets WORKBENCH_REQUIRE_POSTGRES, so that they fail
rather than skip there). The profile checks and the connection problems need no server.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import threading
import time
import uuid
from pathlib import Path

import pytest
import yaml

from tests.command import workbench
from tests.data.extracts import PROFILE as EXTRACT_PROFILE
from tests.data.extracts import write_council_extract
from tests.data.postgres_council import (
    CONNECTION,
    PROFILE,
    drop_schema,
    load_council,
    postgres_council,
    server_uri,
)
from tests.data.test_profiles import assess_both_shapes
from workbench.data.database import ROWS_HASH, DatabaseTable, looks_like_a_secret, read_query
from workbench.data.profiles import ProfileError, load_profile
from workbench.data.reading import load_folder
from workbench.synth import generate_council, write_council

DATES = ["--term-start", "2026-09-01", "--as-of", "2026-08-01"]


def _worked(folder: Path, people: dict) -> Path:
    """The worked PostgreSQL profile with its people entry replaced."""
    document = yaml.safe_load(PROFILE.read_text())
    document["tables"]["people"] = people
    path = folder / "worked.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def _profile(folder: Path, tables: dict, name: str = "db.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump({"version": 1, "tables": tables}, sort_keys=False))
    return path


def _people(query: str = "SELECT * FROM client_index", connection: str = CONNECTION, **more):
    columns = {
        "person_id": "client_id",
        "household_id": {"concat": [{"text": "H"}, "family_ref"], "separator": ""},
        "forename": "first_name",
        "surname": "last_name",
        "date_of_birth": "dob",
        "postcode": "post_code",
        "role": {
            "column": "relationship",
            "values": {"Parent/Carer": "parent_carer", "Child": "child", "Other Adult": "other"},
        },
    }
    return {"connection": connection, "query": query, "columns": columns, **more}


# --- the profile: never a URI or a password ----------------------------------------------------


@pytest.mark.parametrize(
    "connection",
    [
        "postgresql://council:s3cret@db.internal:5432/people",
        "postgres://db.internal/people",
        "mssql://sa:pw@sqlserver:1433/revs",
        "Server=sql01;Database=Revs;User Id=wb;Password=pw",
        "Driver={ODBC Driver 18 for SQL Server};Server=sql01",
        "password=hunter2",
        "council@db.internal",
        "council:hunter2",
    ],
)
def test_a_connection_that_looks_like_a_uri_or_password_is_refused(tmp_path, connection):
    assert looks_like_a_secret(connection)
    path = _profile(tmp_path, {"people": _people(connection=connection)})
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    message = str(raised.value)
    assert message.startswith(f"profile {path}: tables.people.connection: looks like a URI")
    assert "environment variable" in message


@pytest.mark.parametrize("connection", ["COUNCIL_DB", "/etc/workbench/db.uri", "~/db.uri", "x.uri"])
def test_a_variable_or_file_name_is_a_connection(tmp_path, connection):
    assert not looks_like_a_secret(connection)
    profile = load_profile(_profile(tmp_path, {"people": _people(connection=connection)}))
    assert profile.tables["people"].connection == connection


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {**_people(), "file": "people.csv"},
            "tables.people: give exactly one of file and query",
        ),
        ({**_people(), "connection": None}, "tables.people.connection: missing: name the"),
        ({**_people(), "query": "  "}, "tables.people.query: is empty"),
        ({"connection": CONNECTION, "columns": {}}, "tables.people.query: missing"),
    ],
)
def test_a_database_entry_that_cannot_work_is_refused(tmp_path, entry, message):
    path = _profile(tmp_path, {"people": {k: v for k, v in entry.items() if v is not None}})
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert str(raised.value).startswith(f"profile {path}: {message}")


def test_the_worked_postgres_profile_names_a_variable_for_every_table():
    profile = load_profile(PROFILE)
    assert {s.connection for s in profile.tables.values()} == {CONNECTION}
    assert all(s.query and not s.file for s in profile.tables.values())


def test_the_worked_postgres_profile_orders_every_query_by_its_tables_key():
    """Without ORDER BY a database returns rows in no promised order, so a quarantined row's
    number (README, "From a database") would point at another row next run."""
    profile = load_profile(PROFILE)
    ordered_by = {
        name: re.search(r"ORDER BY (\w+)\s*$", spec.query or "").group(1)  # type: ignore[union-attr]
        for name, spec in profile.tables.items()
    }
    assert ordered_by == {
        "people": "client_id",
        "benefits": "award_ref",
        "child_statuses": "episode_id",
        "households": "family_ref",
        "dwp_list": "dwp_ref",
        "funded_places": "headcount_ref",
    }


# --- connection problems: one line naming the entry, nothing written ---------------------------


def _assess(data: Path, profile: Path, out: Path, env: dict | None = None):
    return workbench(
        "assess", "--initiative", "two_year_old", "--data", str(data), *DATES,
        "--out", str(out), "--profile", str(profile),
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def _folder(tmp_path: Path) -> Path:
    """A data folder whose benefits are a contract file (people comes from the database)."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "benefits.csv").write_text("award_id,person_id,benefit,start_date,end_date\n")
    return folder


def _nothing_written(out: Path) -> bool:
    return not out.parent.exists() or not any(out.parent.iterdir())


def test_an_unset_connection_variable_is_named(tmp_path):
    profile = _profile(tmp_path, {"people": _people(connection="WORKBENCH_NO_SUCH_DB")})
    out = tmp_path / "out" / "two.csv"
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_NO_SUCH_DB"}
    done = workbench(
        "assess", "--initiative", "two_year_old", "--data", str(_folder(tmp_path)), *DATES,
        "--out", str(out), "--profile", str(profile), env=env,
    )  # fmt: skip
    assert done.returncode != 0
    assert (
        f"profile {profile}: tables.people.connection: the environment variable "
        "WORKBENCH_NO_SUCH_DB is not set"
    ) in done.stderr
    assert "Traceback" not in done.stderr
    assert _nothing_written(out)


def test_a_missing_connection_file_and_one_inside_the_data_folder_are_refused(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    outside = tmp_path / "nowhere.uri"
    profile = load_profile(_profile(tmp_path, {"people": _people(connection=str(outside))}))
    with pytest.raises(ProfileError, match=r"tables\.people\.connection: no such file"):
        load_folder(data, profile=profile, tables=["people"])
    inside = data / "db.uri"
    inside.write_text("postgresql://x@127.0.0.1:1/x\n")
    profile = load_profile(_profile(tmp_path, {"people": _people(connection=str(inside))}))
    with pytest.raises(ProfileError, match=r"tables\.people\.connection: .* is inside the data"):
        load_folder(data, profile=profile, tables=["people"])


def test_a_refused_connection_is_one_clear_line(tmp_path):
    profile = _profile(tmp_path, {"people": _people()})
    out = tmp_path / "out" / "two.csv"
    # Port 1 on the loopback: nothing listens there, the connection is refused at once.
    uri = "postgresql://wb:pw@127.0.0.1:1/wb"
    done = _assess(_folder(tmp_path), profile, out, {CONNECTION: uri})
    assert done.returncode != 0
    line = done.stderr.strip().splitlines()[-1]
    assert f"profile {profile}: tables.people.connection: cannot connect to the database" in line
    assert "Connection refused" in line
    assert "pw@" not in done.stderr  # the password is never shown
    assert _nothing_written(out)


def test_a_uri_with_another_scheme_is_refused(tmp_path):
    profile = load_profile(_profile(tmp_path, {"people": _people()}))
    os.environ[CONNECTION] = "mysql://wb@127.0.0.1/wb"
    try:
        with pytest.raises(ProfileError, match=r"the workbench reads postgresql:// .* mssql://"):
            load_folder(tmp_path, profile=profile, tables=["people"])
    finally:
        del os.environ[CONNECTION]


# --- PostgreSQL, for real ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> str:
    return server_uri()


@pytest.fixture(scope="module")
def council(server, tmp_path_factory):
    """A synthetic council as contract CSV files, as the council-style extract and in
    PostgreSQL (a schema of its own); the URI reading it is in WORKBENCH_DATABASE. 3,000
    households: enough for `stats` to publish tables past disclosure control."""
    tables = generate_council(3000, 20260901)
    root = tmp_path_factory.mktemp("database")
    write_council(tables, root / "contract")
    write_council_extract(tables, root / "extract")
    (root / "database").mkdir()  # the data folder: every table comes from the database
    schema = f"wb_{uuid.uuid4().hex[:10]}"
    uri = load_council(server, schema, postgres_council(tables))
    before = os.environ.get(CONNECTION)
    os.environ[CONNECTION] = uri
    yield root, schema
    if before is None:
        os.environ.pop(CONNECTION, None)
    else:
        os.environ[CONNECTION] = before
    drop_schema(server, schema)


def test_tables_from_postgres_load_as_the_contract_files_do(council):
    root, _ = council
    plain = load_folder(root / "contract", equality_monitoring=True)
    queried = load_folder(root / "database", profile=PROFILE, equality_monitoring=True)
    assert list(queried.tables) == list(plain.tables)
    for name, table in plain.tables.items():
        assert queried.tables[name].equals(table), name
    assert queried.quarantine.is_empty() and queried.warnings.equals(plain.warnings)
    people = queried.reports["people"]
    assert (people.format, people.file.name) == ("database", "tables.people.query")


def test_assess_from_postgres_gives_the_same_list_as_contract_files(council, tmp_path):
    root, _ = council
    lists = assess_both_shapes(root / "contract", root / "database", PROFILE, tmp_path)
    assert lists["contract"].read_bytes() != b""
    manifest = json.loads((lists["extract"].parent / "two.csv.manifest.json").read_text())
    profile = load_profile(PROFILE)
    query = profile.tables["people"].query or ""
    assert manifest["inputs"]["council_postgres.yaml"] == profile.sha256
    query_sha = hashlib.sha256(query.encode()).hexdigest()
    record = manifest["database"]["people"]
    assert record == {
        "entry": "tables.people.query",
        "connection": CONNECTION,
        "query_sha256": query_sha,
        "rows": manifest["rows"]["people"]["read"],
        "rows_sha256": record["rows_sha256"],
        "rows_hash": ROWS_HASH,
    }
    # The input's hash is of the query and the rows it returned: changed data, another run.
    assert len(record["rows_sha256"]) == 64
    both = hashlib.sha256(f"{query_sha}:{record['rows_sha256']}".encode()).hexdigest()
    assert manifest["inputs"]["tables.people.query"] == both
    text = json.dumps(manifest)
    assert "postgresql://" not in text and "workbench:workbench" not in text


@pytest.mark.slow  # over 8 s: make test-slow (CI runs both)
def test_the_same_from_the_council_style_extract_and_from_postgres(council, tmp_path):
    # The three shapes: contract CSV, the council's extract through its profile, and
    # PostgreSQL through its profile give byte-identical lists but for the run id.
    root, _ = council
    extract = assess_both_shapes(root / "contract", root / "extract", EXTRACT_PROFILE, tmp_path)
    queried = _assess(root / "database", PROFILE, tmp_path / "pg" / "two.csv")
    assert queried.returncode == 0, queried.stderr

    def rows(path: Path) -> list[list[str]]:
        with open(path, newline="", encoding="utf-8") as handle:
            return [r[:-1] for r in csv.reader(handle)]

    assert rows(tmp_path / "pg" / "two.csv") == rows(extract["extract"])


@pytest.mark.slow  # over 8 s: make test-slow (CI runs both)
def test_stats_from_postgres_are_byte_identical_to_contract_files(council, tmp_path):
    root, _ = council
    outs = {}
    for name, data, extra in (
        ("contract", root / "contract", []),
        ("database", root / "database", ["--profile", str(PROFILE)]),
    ):
        outs[name] = tmp_path / name
        done = workbench(
            "stats", "--initiative", "two_year_old", "--data", str(data), *DATES,
            "--out", str(outs[name]), *extra,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    tables = sorted(p.name for p in outs["contract"].glob("*.csv"))
    assert tables and tables == sorted(p.name for p in outs["database"].glob("*.csv"))
    for table in tables:
        assert (outs["contract"] / table).read_bytes() == (outs["database"] / table).read_bytes()
    manifests = [json.loads((o / "stats_manifest.json").read_text()) for o in outs.values()]
    for key in ("published", "withheld", "linked_tables"):
        assert manifests[0][key] == manifests[1][key], key
    assert set(manifests[1]["database"]) >= {"people", "benefits"}


@pytest.mark.slow
def test_report_from_postgres_writes_the_same_list_as_contract_files(council, tmp_path):
    root, _ = council
    runs = {}
    for name, data, extra in (
        ("contract", root / "contract", []),
        ("database", root / "database", ["--profile", str(PROFILE)]),
    ):
        reports = tmp_path / name
        done = workbench(
            "report", "02", "--data", str(data), "--reports", str(reports),
            "-p", "term_start=2026-09-01", "-p", "as_of=2026-08-01", *extra,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        (runs[name],) = [p for p in reports.iterdir() if p.is_dir()]
    # The run's manifest records the rows read, as the list's own manifest does.
    run_manifest = json.loads((runs["database"] / "manifest.json").read_text())
    (listed,) = runs["database"].rglob("*.manifest.json")
    assert run_manifest["database"] == json.loads(listed.read_text())["database"]
    assert run_manifest["database"]["people"]["rows_sha256"]
    assert "database" not in json.loads((runs["contract"] / "manifest.json").read_text())
    written = sorted(
        p.relative_to(runs["contract"])
        for p in runs["contract"].rglob("*.csv")
        if "manifest" not in p.name
    )
    assert written
    for path in written:
        contract = _without_run_id(runs["contract"] / path)
        assert contract == _without_run_id(runs["database"] / path), path


def _without_run_id(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if rows and "run_id" in rows[0]:
        at = rows[0].index("run_id")
        rows = [r[:at] + r[at + 1 :] for r in rows]
    return rows


def test_a_row_the_checks_refuse_is_quarantined_by_query_row_and_source_column(council, tmp_path):
    root, _ = council
    query = (
        "SELECT * FROM (SELECT * FROM client_index ORDER BY client_id LIMIT 5) AS p "
        "UNION ALL SELECT 'X1', '1', 'Ann', 'Lee', NULL, NULL, NULL, NULL, 'FQ1 1AA', "
        "'Child', NULL, NULL, NULL, NULL "
        "UNION ALL SELECT 'X2', '1', 'Bo', 'Lee', DATE '2024-05-06', NULL, NULL, NULL, "
        "'FQ1 1AA', 'Step-parent', NULL, NULL, NULL, NULL"
    )
    profile = _profile(tmp_path, {"people": _people(query)})
    data = load_folder(root / "database", profile=profile, tables=["people"])
    quarantine = data.quarantine.select("file", "row", "column", "value", "reason").rows()
    where = "tables.people.columns.role.values"
    assert quarantine == [  # the rows of the query's result, the columns as the query names them
        ("tables.people.query", 6, "dob", None, "required field is empty"),
        (
            "tables.people.query",
            7,
            "relationship",
            "Step-parent",
            f"'Step-parent' is not in the profile's value map ({where}, which maps "
            "'Parent/Carer', 'Child' and 'Other Adult'): add it there",
        ),
    ]
    assert data.reports["people"].read == 7


def test_an_unknown_column_in_the_profile_names_the_entry_and_the_result(council, tmp_path):
    root, _ = council
    profile = _worked(tmp_path, _people("SELECT client_id, family_ref FROM client_index"))
    out = tmp_path / "out" / "two.csv"
    done = _assess(root / "database", profile, out)
    assert done.returncode != 0
    assert (
        f"profile {profile}: tables.people.columns.forename: column 'first_name' is not in "
        "tables.people.query"
    ) in done.stderr
    assert "(its columns: client_id, family_ref)" in done.stderr
    assert _nothing_written(out)


def test_a_failing_query_shows_the_databases_error(council, tmp_path):
    root, _ = council
    profile = _worked(tmp_path, _people("SELECT no_such_column FROM client_index"))
    out = tmp_path / "out" / "two.csv"
    done = _assess(root / "database", profile, out)
    assert done.returncode != 0
    assert f"profile {profile}: tables.people.query: the query failed:" in done.stderr
    assert 'column "no_such_column" does not exist' in done.stderr
    assert _nothing_written(out)


def test_a_connection_file_outside_the_repository_holds_the_uri(council, tmp_path):
    root, _ = council
    secret = tmp_path / "secrets" / "council.uri"
    secret.parent.mkdir()
    secret.write_text(f"# the council's database\n{os.environ[CONNECTION]}\n")
    profile = load_profile(_profile(tmp_path, {"people": _people(connection=str(secret))}))
    data = load_folder(root / "database", profile=profile, tables=["people"])
    assert data.reports["people"].accepted > 0


def test_a_connection_dropped_mid_read_stops_the_run_and_writes_nothing(council, server, tmp_path):
    root, _ = council
    marker = f"wb_drop_{uuid.uuid4().hex[:8]}"
    # Rows come slowly (5 ms each, about 40 s in all), so the read is under way when the
    # server ends the session from another connection.
    query = (
        f"SELECT /* {marker} */ p.* FROM client_index AS p "
        "WHERE pg_sleep(0.005 + 0 * length(p.client_id)) IS NOT NULL"  # per row, not once
    )
    profile = _worked(tmp_path, _people(query))
    out = tmp_path / "out" / "two.csv"
    killed: list[int] = []

    def terminate() -> None:
        from adbc_driver_postgresql import dbapi

        # autocommit: pg_stat_activity is a snapshot taken once per transaction.
        with dbapi.connect(server, autocommit=True) as connection, connection.cursor() as cursor:
            for _ in range(200):
                time.sleep(0.1)
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE query LIKE '%{marker}%' AND pid <> pg_backend_pid()"
                )
                killed.extend(r[0] for r in cursor.fetchall())
                if killed:
                    return

    thread = threading.Thread(target=terminate)
    thread.start()
    done = _assess(root / "database", profile, out)
    thread.join()
    assert killed, f"the slow query was never seen running: {done.stderr}"
    assert done.returncode != 0
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: profile {profile}: tables.people.query: ") or (
        f"profile {profile}: tables.people.query: " in line
    )
    assert "the connection was lost" in line and "nothing was written" in line, line
    assert _nothing_written(out)


def test_the_sql_server_path_connectorx_reads_postgres_the_same(council, server):
    # SQL Server (mssql://) is read through connectorx; here the same code reads PostgreSQL.
    _, schema = council
    source = DatabaseTable(
        Path("p.yaml"), "benefits", CONNECTION, f"SELECT * FROM {schema}.benefit_awards"
    )
    os.environ["WORKBENCH_PLAIN_URI"] = server
    try:
        plain = DatabaseTable(source.profile, "benefits", "WORKBENCH_PLAIN_URI", source.query)
        by_adbc = read_query(plain, engine="adbc")
        by_connectorx = read_query(plain, engine="connectorx")
    finally:
        del os.environ["WORKBENCH_PLAIN_URI"]
    assert by_adbc.height > 0
    assert by_connectorx.columns == by_adbc.columns
    for name in ("award_ref", "client_id", "benefit_type", "start_date", "end_date"):
        assert by_connectorx[name].to_list() == by_adbc[name].to_list(), name


def test_validate_shows_what_the_profile_does_to_each_query(council):
    root, _ = council
    done = workbench("validate", str(root / "database"), "--profile", str(PROFILE))
    assert done.returncode == 0, done.stderr
    assert "people <- tables.people.query (" in done.stdout
    assert "'Universal Credit' -> universal_credit" in done.stdout
    # The database types its dates: no written format is claimed for them (the DWP list's
    # query returns its dates as text, written dd/mm/yyyy).
    lines = done.stdout.splitlines()
    (birth,) = [line for line in lines if line.strip().startswith("dob -> date_of_birth")]
    assert "(dates typed as dates by the source)" in birth, birth
    dwp = [line for line in lines if "child_dob -> child_date_of_birth" in line]
    assert ["dd/mm/yyyy" in line for line in dwp] == [True, False], dwp  # DWP list, headcount


@pytest.mark.slow  # over 8 s: make test-slow (CI runs both)
def test_changed_rows_make_another_run_and_a_review_of_the_old_list_is_refused(server, tmp_path):
    # Reproducibility: a table's input hash covers the rows the query returned, not only its
    # text, so changed data is another run; a review reads who the children are from the
    # database and refuses rows other than those the list was made from.
    from adbc_driver_postgresql import dbapi

    schema = f"wb_{uuid.uuid4().hex[:10]}"
    uri = load_council(server, schema, postgres_council(generate_council(1000, 20261204)))
    env = {CONNECTION: uri}
    folder = tmp_path / "data"
    folder.mkdir()
    try:
        first = tmp_path / "first" / "two.csv"
        assert _assess(folder, PROFILE, first, env).returncode == 0
        export = (
            "review", "export", "--store", str(tmp_path / "r.sqlite"), "--list", str(first),
            "--profile", str(PROFILE),
        )  # fmt: skip
        fine = workbench(*export, "--out", str(tmp_path / "a.xlsx"), env={**os.environ, **env})
        assert fine.returncode == 0, fine.stderr
        with dbapi.connect(server, autocommit=True) as connection, connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {schema}.client_index SET first_name = first_name || 'x' "
                f"WHERE client_id = (SELECT min(client_id) FROM {schema}.client_index)"
            )
        refused = workbench(*export, "--out", str(tmp_path / "b.xlsx"), env={**os.environ, **env})
        assert refused.returncode != 0
        assert "tables.people.query: returns other rows than those the list" in refused.stderr
        assert not (tmp_path / "b.xlsx").exists()
        second = tmp_path / "second" / "two.csv"
        assert _assess(folder, PROFILE, second, env).returncode == 0
        runs = [json.loads(p.with_name("two.csv.manifest.json").read_text())["run_id"]
                for p in (first, second)]  # fmt: skip
        assert runs[0] != runs[1]
    finally:
        drop_schema(server, schema)
