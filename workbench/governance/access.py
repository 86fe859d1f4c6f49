"""Who read personal data, and when: every command that reads it writes a line to the access
log, a table in the review store (`ReviewStore.log_access`).

The store is the one the command was given (`--store`: the council's record of what it
read, whatever the default), else the default store, `default_store`: the one named by
`WORKBENCH_STORE`, else `~/.local/share/workbench/review.sqlite` (created owner-only on first
use). The user is `WORKBENCH_USER` (refused when it names no one: `current_user`), else the
login name. The detail names the command's inputs (folders, initiative), never a person.

Each line is sealed, and the last one logged beside the store in `<store>.access`
(`workbench.review.access_log`), so a line removed or edited later shows in `workbench assure
--store`. A store that exists at the current schema version gets its line straight through
`sqlite3` (the same settings, statement and seal as `ReviewStore.log_access`),
so that a command's start does not wait for the whole store module; a new store, one to
migrate or one that cannot be opened goes through `ReviewStore`, which creates, migrates or
explains.

Example
-------
>>> import os, tempfile
>>> os.environ["WORKBENCH_STORE"] = os.path.join(tempfile.mkdtemp(), "review.sqlite")
>>> record_access("assess", "data /srv/extract, initiative two_year_old").name
'review.sqlite'
"""

from __future__ import annotations

import getpass
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from workbench.errors import WorkbenchError

__all__ = ["STORE_ENV", "USER_ENV", "current_user", "default_store", "record_access"]

STORE_ENV = "WORKBENCH_STORE"
USER_ENV = "WORKBENCH_USER"


def default_store() -> Path:
    """The review store of a command given none (its access log, notebook 03's decisions):
    `WORKBENCH_STORE` or the user's data folder."""
    configured = os.environ.get(STORE_ENV)
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "workbench" / "review.sqlite"


def current_user() -> str:
    """Who is running the command: `WORKBENCH_USER`, else the login name.

    The access log, the review store's exports and imports, and the files exported record
    this as who did it, so a `WORKBENCH_USER` set to a name that names no one
    (`workbench.review.schema.names_someone`: ``admin``, ``n/a``, ``root``, ``Test User``,
    markup, a single letter) is refused with a WorkbenchError saying what to set it to. The
    login name, used when `WORKBENCH_USER` is not set, is taken as it is (``jbloggs``,
    ``analyst1``): it is the account that ran the command, whatever it is called.

    >>> os.environ[USER_ENV] = "A. Officer"
    >>> current_user()
    'A. Officer'
    >>> os.environ[USER_ENV] = "admin"
    >>> try:
    ...     current_user()
    ... except WorkbenchError as error:
    ...     print(str(error).split(", and")[0])
    WORKBENCH_USER is 'admin', which is not a person's name (it is a role word)
    >>> del os.environ[USER_ENV]
    """
    name = os.environ.get(USER_ENV, "").strip()
    if name:
        from workbench.review.schema import why_not_a_name

        why = why_not_a_name(name)
        if why is not None:
            raise WorkbenchError(
                f"{USER_ENV} is {name!r}, which is not a person's name (it {why}), and the "
                f"access log and exports record it as who did it: set {USER_ENV} to your own "
                f'name as colleagues know it (e.g. export {USER_ENV}="A. Officer"), or unset '
                "it to be recorded under your login name"
            )
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        return f"uid-{os.getuid()}"


def record_access(
    command: str, detail: str, *, store: Path | None = None, key: bytes | None = None
) -> Path:
    """Append (user, time, command, detail) to the access log of ``store`` (the one a command
    was given; default: `default_store`), sealed under the chain key derived from the
    pseudonym ``key`` (default: `workbench.review.keys.load_key`); return the store's path.

    Raises WorkbenchError when the log cannot be written: a command that reads personal data
    does not run unrecorded.
    """
    path = store or default_store()
    user = current_user()
    try:
        if not _append_to_current_store(path, user, command, detail, key):
            from workbench.review.store import ReviewStore

            # Only a line appended to its access log, sealed under the store's key (another
            # key is refused, as by every command that opens the store).
            with ReviewStore(path, key=key) as review_store:
                review_store.log_access(user, command, detail)
    except OSError as error:
        fix = "Give --store a writable" if store else f"Set {STORE_ENV} to a writable"
        raise WorkbenchError(
            f"cannot write the access log in {path}: {error}. {fix} review store: commands "
            "that read personal data are always logged"
        ) from None
    return path


def _append_to_current_store(
    path: Path, user: str, command: str, detail: str, pseudonym_key: bytes | None
) -> bool:
    """Append the line to a store that exists at this workbench's schema version; False
    (nothing written) for any other store, or one sqlite cannot open, left to `ReviewStore`."""
    from workbench.review.access_log import append_access, log_access_head
    from workbench.review.chain import chain_key, key_fingerprint
    from workbench.review.keys import load_key
    from workbench.review.schema import BUSY_TIMEOUT_MS, MIGRATIONS, configure, utc_text

    if not path.is_file():
        return False
    # The line is sealed as `ReviewStore` seals it.
    key = chain_key(pseudonym_key if pseudonym_key is not None else load_key())
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error:
        return False
    try:
        configure(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
            if version != len(MIGRATIONS):
                conn.execute("ROLLBACK")
                return False
            found = conn.execute("SELECT fingerprint FROM chain_key").fetchone()
            if found is None or found[0] != key_fingerprint(key):
                conn.execute("ROLLBACK")
                return False  # the store says why, as it does for every command
            at = utc_text(datetime.now(UTC))
            seq, seal = append_access(conn, at, user, command, detail, key)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    log_access_head(path, seq, seal, at)
    return True
