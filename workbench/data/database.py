"""Tables read from a database: a source profile's ``connection`` and ``query`` (issue 19,
part 3).

A profile's table entry may name, instead of a ``file``, the SQL that returns the table and
the connection to run it on::

    tables:
      people:
        connection: COUNCIL_DB          # an environment variable holding the URI ...
        query: SELECT client_id, forename, dob FROM person_index
      benefits:
        connection: /etc/workbench/revenues.uri   # ... or a file outside the repository
        query: SELECT * FROM benefit_awards

``connection`` is never the URI itself: a profile is shared and hashed into every manifest,
so it holds only the NAME of an environment variable, or the path of a file (outside the data
folder and outside any git repository) whose first line is the URI. A profile whose
``connection`` looks like a URI, a connection string or a password is refused.

The rows then go through exactly the same mapping, checks and quarantine as a file's: the
quarantine's ``file`` is the profile entry (``tables.people.query``) and its ``row`` the row
of the query's result (the first row is 1).

How it reads: ``postgresql://`` through ADBC (``adbc-driver-postgresql``: libpq's binary
COPY protocol into Arrow), ``mssql://`` (SQL Server) through connectorx; both hand Arrow
record batches over one at a time, and only the columns the profile reads are kept of each
batch, so a large table is never held twice. A failure (the variable unset, the server
refusing the connection, an SQL error, a connection dropped half-way) is one
``ProfileError`` naming the profile file and the entry, with the database's own message
(any password in it blanked): nothing is written.

Example
-------
>>> looks_like_a_secret("postgresql://me:pw@db/council"), looks_like_a_secret("COUNCIL_DB")
(True, False)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import polars as pl

from workbench.data.profiles import ProfileError

if TYPE_CHECKING:
    from workbench.data.profiles import Profile, TableSource
    from workbench.data.reading import LoadedData

__all__ = [
    "BATCH_ROWS",
    "ROWS_HASH",
    "DatabaseTable",
    "QueryResult",
    "RowsDigest",
    "check_table_source",
    "connection_uri",
    "database_record",
    "looks_like_a_secret",
    "open_query",
    "read_query",
]

# Rows per record batch asked of connectorx (ADBC's PostgreSQL driver sizes its own, ~16 MB).
BATCH_ROWS = 100_000
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# What a URI, an ODBC/ADO connection string or a password looks like.
_SECRET = re.compile(
    r"://|@|;|\b(password|passwd|pwd|uid|user id|server|data source)\s*=|^\w+:[^/\\]",
    re.IGNORECASE,
)
_SCHEMES = {"postgresql": "adbc", "postgres": "adbc", "mssql": "connectorx"}


def looks_like_a_secret(connection: str) -> bool:
    """Whether a profile's `connection` looks like a URI, a connection string or a password
    rather than the name of an environment variable or a file."""
    return bool(_SECRET.search(connection.strip()))


def check_table_source(profile: Path, where: str, source: TableSource) -> None:
    """The database half of a profile table entry, checked with the profile: exactly one of
    `file` and `query`; `query` with a `connection` that is a name, never the URI."""
    if source.query is None:
        if source.connection is not None:
            raise ProfileError(
                profile,
                f"{where}.query",
                "missing: a table read from a database needs the SQL that returns it "
                "(query: SELECT ...) beside its connection",
            )
        return
    if source.file is not None:
        raise ProfileError(
            profile, where, "give exactly one of file and query: a table comes from one place"
        )
    if not source.query.strip():
        raise ProfileError(profile, f"{where}.query", "is empty: give the SQL returning the table")
    connection = (source.connection or "").strip()
    if not connection:
        raise ProfileError(
            profile,
            f"{where}.connection",
            "missing: name the environment variable (or a file outside the repository) that "
            "holds the database URI, e.g. connection: COUNCIL_DB",
        )
    if looks_like_a_secret(connection):
        raise ProfileError(
            profile,
            f"{where}.connection",
            "looks like a URI, a connection string or a password, which must never be written "
            "in a profile (it is shared and recorded): put the URI in an environment variable "
            "or a file outside the repository, and name that here (connection: COUNCIL_DB)",
        )


@dataclass(frozen=True)
class DatabaseTable:
    """One table a profile reads from a database: where the URI is (`connection`, a name),
    the SQL, and the data folder the command was given (a connection file may not be in it).

    It stands where a table's file would: `name` (``tables.people.query``) names it in the
    quarantine and the manifest's inputs. Its hash there (`sha256`) is of the query's text
    and, once the rows have been read, of the rows it returned (`rows_sha256`), so that a run
    on changed data is another run, as with a changed file.
    """

    profile: Path
    table: str
    connection: str
    query: str
    folder: Path | None = None
    # Filled in by the read (`QueryResult`): {"sha256": the rows' digest}.
    read: dict[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def of(cls, profile: Profile, table: str, folder: Path | None = None) -> DatabaseTable:
        source = profile.tables[table]
        return cls(profile.path, table, source.connection or "", source.query or "", folder)

    @property
    def name(self) -> str:
        return f"tables.{self.table}.query"

    @property
    def query_sha256(self) -> str:
        """The SHA-256 of the query's text (UTF-8)."""
        return hashlib.sha256(self.query.encode("utf-8")).hexdigest()

    @property
    def rows_sha256(self) -> str | None:
        """The SHA-256 of the rows the query returned (`ROWS_HASH`: every column, row by row,
        in order, the same whatever the batches); None before they are read."""
        return self.read.get("sha256")

    @property
    def sha256(self) -> str:
        """The input's hash for the manifest and the run id: of the query and, once read, of
        its rows."""
        rows = self.rows_sha256
        if rows is None:
            return self.query_sha256
        return hashlib.sha256(f"{self.query_sha256}:{rows}".encode()).hexdigest()

    def __str__(self) -> str:
        return f"{self.profile}: {self.name}"

    def error(self, message: str, entry: str = "query") -> ProfileError:
        return ProfileError(self.profile, f"tables.{self.table}.{entry}", message)


def connection_uri(source: DatabaseTable) -> str:
    """The URI `source.connection` names: an environment variable's value, or the first line
    (not blank, not a ``#`` comment) of a file outside the data folder and any git repository.
    A ProfileError naming the `connection` entry when it cannot be found."""
    name = source.connection
    if _VARIABLE.match(name):
        uri = os.environ.get(name, "").strip()
        if not uri:
            raise source.error(
                f"the environment variable {name} is not set (or empty): set it to the "
                "database URI, e.g. postgresql://user@host:5432/database, or name a file "
                "holding it",
                "connection",
            )
        return uri
    path = Path(name).expanduser()
    if not path.is_absolute():
        path = source.profile.parent / path
    path = path.resolve()
    if not path.is_file():
        raise source.error(
            f"no such file {path} (and '{name}' is not an environment variable's name): "
            "name the variable or the file holding the database URI",
            "connection",
        )
    inside = _inside_data_or_repository(path, source.folder)
    if inside is not None:
        raise source.error(
            f"{path} is inside {inside}: a file holding a database URI (and so perhaps a "
            "password) must be kept outside the data folder and any git repository",
            "connection",
        )
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line.strip()
    raise source.error(f"{path} holds no URI (its first line should be one)", "connection")


def _inside_data_or_repository(path: Path, folder: Path | None) -> str | None:
    if folder is not None and path.is_relative_to(folder.resolve()):
        return f"the data folder {folder}"
    for parent in path.parents:
        if (parent / ".git").exists():
            return f"the git repository {parent}"
    return None


def _scheme(source: DatabaseTable, uri: str) -> str:
    scheme = urlsplit(uri).scheme.lower().split("+")[0]
    if scheme not in _SCHEMES:
        shown = f"'{scheme}://'" if scheme else "no scheme"
        raise source.error(
            f"the URI in {source.connection} has {shown}: the workbench reads postgresql:// "
            "(ADBC) and mssql:// (SQL Server, through connectorx)",
            "connection",
        )
    return scheme


def _scrubbed(text: str, uri: str) -> str:
    """A driver's message with the URI and its password blanked out, on one line."""
    parts = urlsplit(uri)
    if parts.password:
        for secret in {parts.password, unquote(parts.password)}:
            text = text.replace(secret, "***")
    text = text.replace(uri, "<uri>")
    return " ".join(text.split())


def _detail(error: BaseException, uri: str) -> str:
    return _scrubbed(str(error), uri) or type(error).__name__


def _plain(batch: Any) -> Any:
    """A record batch with extension columns (PostgreSQL's `numeric` comes as text in an
    opaque extension type) as their storage."""
    import pyarrow as pa

    if not any(isinstance(t, pa.BaseExtensionType) for t in batch.schema.types):
        return batch
    arrays = [c.storage if isinstance(c.type, pa.BaseExtensionType) else c for c in batch.columns]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


# How the rows are hashed: polars' row hash (a fixed seed), whose values polars keeps only
# within a version, so the version is part of the method a manifest records.
ROWS_HASH = f"polars {pl.__version__} hash_rows"
_ROW_SEED = 0


class RowsDigest:
    """The SHA-256 of a query's rows as they stream in, the same however they are batched:
    the column names, then a hash of each row in order (`ROWS_HASH`; about 0.1 s a million
    rows, where writing them out as text to hash them takes over 1 s).

    >>> one, two = RowsDigest(["a"]), RowsDigest(["a"])
    >>> frame = pl.DataFrame({"a": ["x", None, "z"]})
    >>> one.update(frame)
    >>> two.update(frame.head(1)); two.update(frame.tail(2))
    >>> one.hexdigest() == two.hexdigest()
    True
    """

    def __init__(self, headers: list[str]) -> None:
        self._digest = hashlib.sha256("\0".join(headers).encode("utf-8"))

    def update(self, frame: pl.DataFrame) -> None:
        self._digest.update(frame.hash_rows(_ROW_SEED).to_numpy().tobytes())

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


class QueryResult:
    """A query running on its connection: its columns (`headers`), then its rows read in
    record batches by calling it with the columns to keep (`result(["a", "b"])`), which also
    closes the connection; `close()` when the rows are not wanted after all."""

    def __init__(self, source: DatabaseTable, engine: str | None = None) -> None:
        self.source = source
        self.uri = connection_uri(source)
        self.engine = engine or _SCHEMES[_scheme(source, self.uri)]
        self.rows = 0
        self._closers: list[Any] = []
        try:
            self._reader = self._open()
        except ProfileError:
            self.close()
            raise
        except Exception as error:
            self.close()
            raise self._failed(error, opening=True) from None
        self.headers: list[str] = list(self._reader.schema.names)

    def _open(self) -> Any:
        if self.engine == "adbc":
            try:
                from adbc_driver_postgresql import dbapi
            except ImportError:
                raise self.source.error(_missing("adbc-driver-postgresql")) from None
            try:
                connection = dbapi.connect(self.uri)
            except Exception as error:
                raise self._failed(error, opening=True, connecting=True) from None
            self._closers.append(connection)
            cursor = connection.cursor()
            self._closers.insert(0, cursor)
            cursor.execute(self.source.query)
            return cursor.fetch_record_batch()
        try:
            import connectorx
        except ImportError:
            raise self.source.error(_missing("connectorx")) from None
        reader = connectorx.read_sql(
            self.uri, self.source.query, return_type="arrow_stream", batch_size=BATCH_ROWS
        )
        self._closers.append(reader)
        return reader

    def _failed(
        self, error: BaseException, *, opening: bool = False, connecting: bool = False
    ) -> ProfileError:
        detail = _detail(error, self.uri)
        lowered = detail.lower()
        if connecting or (opening and self.engine != "adbc" and _cannot_connect(lowered)):
            return self.source.error(
                f"cannot connect to the database {self.source.connection} names ({detail}): "
                "check the server is running and reachable, and the URI's host, port, user "
                "and password",
                "connection",
            )
        if any(w in lowered for w in _LOST):
            return self.source.error(
                f"the connection was lost after {self.rows} row(s) of the result ({detail}); "
                "nothing was written: run again when the database is back"
            )
        if opening:
            return self.source.error(f"the query failed: {detail}")
        return self.source.error(
            f"reading the query's result failed after {self.rows} row(s) ({detail}); nothing "
            "was written"
        )

    def batches(self, columns: list[str] | None = None) -> Iterator[pl.DataFrame]:
        """The result's rows, one record batch at a time (only `columns`, if given)."""
        digest = RowsDigest(self.headers)
        try:
            for batch in self._reader:
                whole = pl.from_arrow(_plain(batch), rechunk=False)
                assert isinstance(whole, pl.DataFrame)
                # Every column the query returns, so that the digest does not depend on the
                # columns a command keeps (a review reads fewer than assess).
                digest.update(whole)
                frame = whole.select(columns) if columns is not None else whole
                self.rows += frame.height
                yield frame
        except ProfileError:
            raise
        except Exception as error:
            raise self._failed(error) from None
        self.source.read.update(sha256=digest.hexdigest(), method=ROWS_HASH)

    def __call__(self, columns: list[str] | None = None) -> pl.DataFrame:
        """Every row of the result (only `columns`), then the connection is closed."""
        try:
            frames = list(self.batches(columns))
        finally:
            self.close()
        if not frames:
            frames = [_empty(self._reader.schema, columns)]
        return pl.concat(frames, how="vertical", rechunk=False)

    def close(self) -> None:
        while self._closers:
            # A connection already lost cannot be closed cleanly.
            with contextlib.suppress(Exception):
                self._closers.pop(0).close()


def _empty(schema: Any, columns: list[str] | None) -> pl.DataFrame:
    """No rows, with the result's columns (extension types as their storage)."""
    import pyarrow as pa

    names = columns if columns is not None else list(schema.names)
    types = [schema.field(n).type for n in names]
    types = [t.storage_type if isinstance(t, pa.BaseExtensionType) else t for t in types]
    batch = pa.RecordBatch.from_arrays([pa.array([], type=t) for t in types], names=names)
    frame = pl.from_arrow(batch)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _missing(package: str) -> str:
    return f"reading from a database needs {package}: pip install 'eligibility-workbench[database]'"


# What a driver says when the server went away under a running query.
_LOST = (
    "terminating connection",
    "server closed the connection",
    "connection to server was lost",
    "could not receive data",
    "no connection to the server",
    "connection reset",
    "broken pipe",
    "unexpected eof",
)


def _cannot_connect(detail: str) -> bool:
    words = ("connect", "refused", "authentication", "could not translate", "timed out", "login")
    return any(w in detail for w in words)


def open_query(source: DatabaseTable, engine: str | None = None) -> QueryResult:
    """Run `source`'s query (connecting through its `connection`); a ProfileError naming the
    entry when the connection or the query fails. `engine` (``adbc`` or ``connectorx``)
    overrides the one the URI's scheme chooses."""
    return QueryResult(source, engine)


def read_query(source: DatabaseTable, engine: str | None = None) -> pl.DataFrame:
    """Every row and column of `source`'s query result, typed as the database types them."""
    return open_query(source, engine)()


def database_record(data: LoadedData) -> dict[str, dict[str, Any]]:
    """For the manifest: each table read from a database, with the NAME of its connection
    (never the URI), its query's SHA-256 and the rows read; empty when none was."""
    record: dict[str, dict[str, Any]] = {}
    for name, report in data.reports.items():
        source = report.file
        if isinstance(source, DatabaseTable):
            record[name] = {
                "entry": source.name,
                "connection": source.connection,
                "query_sha256": source.query_sha256,
                "rows": report.read,
                "rows_sha256": source.rows_sha256,
                "rows_hash": source.read.get("method"),
            }
    return record


def database_tables(profile: Profile, folder: Path | None = None) -> Mapping[str, DatabaseTable]:
    """The tables `profile` reads from a database."""
    return {
        name: DatabaseTable.of(profile, name, folder)
        for name, source in profile.tables.items()
        if source.query is not None
    }
