"""Stable pseudonymous keys: the same person gets the same key every term, and nobody can
turn a key back into a person without the secret.

A key is ``"pk_"`` followed by the first 24 hex digits of HMAC-SHA256 over ``"kind:value"``
under a secret kept outside the repository: the environment variable ``WORKBENCH_KEY`` (hex),
or else a key file (``~/.config/workbench/pseudonym.key`` unless ``WORKBENCH_KEY_FILE`` or the
caller names another) created on first use with 32 random bytes and mode 0600. The secret is
never printed, logged or written into any output.

Example
-------
>>> key = bytes(32)
>>> pseudonym("person", "P000123", key)
'pk_0cd036477a8f185b25e77ff7'
>>> pseudonym("person", "P000123", key) == pseudonym("person", "P000123", key)
True
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
import sys
from pathlib import Path

import polars as pl

from workbench.errors import WorkbenchError
from workbench.private_files import private_folder_for

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "PSEUDONYM_PATTERN",
    "default_key_path",
    "load_key",
    "pseudonym",
    "pseudonym_expr",
]

KEY_ENV = "WORKBENCH_KEY"
KEY_FILE_ENV = "WORKBENCH_KEY_FILE"
PSEUDONYM_PREFIX = "pk_"
PSEUDONYM_HEX_DIGITS = 24
PSEUDONYM_PATTERN = re.compile(r"^pk_[0-9a-f]{24}$")

# 32 random bytes is what we create; 16 bytes (128 bits) is the least we accept from a user.
NEW_KEY_BYTES = 32
MIN_KEY_BYTES = 16


def default_key_path() -> Path:
    """The key file used when neither the caller nor ``WORKBENCH_KEY_FILE`` names one."""
    return Path.home() / ".config" / "workbench" / "pseudonym.key"


def _parse_hex_key(text: str, source: str) -> bytes:
    """The secret bytes from hex text; the error names the source, never the text itself."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise WorkbenchError(
            f"{source}: the pseudonym key must be hex digits (like the output of "
            f"`python -c 'import secrets; print(secrets.token_hex(32))'`); got something else"
        ) from None
    if len(key) < MIN_KEY_BYTES:
        raise WorkbenchError(
            f"{source}: the pseudonym key must be at least {MIN_KEY_BYTES} bytes "
            f"({2 * MIN_KEY_BYTES} hex digits); got {len(key)} bytes"
        )
    return key


def _check_private(path: Path) -> None:
    """Refuse a key file that other users could read or write."""
    if os.name != "posix":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise WorkbenchError(
            f"{path}: the pseudonym key file is open to other users (mode {mode:04o}); "
            f"expected mode 0600 (owner only). Run `chmod 600 {path}` and try again."
        )


def _safe_folders(path: Path) -> None:
    """Refuse a key path that others could redirect: a folder on the way to it (as written,
    and through any symlink) that other users can write to, unless it is sticky (like /tmp)
    and the entry below it is the user's or root's, which others then cannot replace."""
    if os.name != "posix":
        return
    me = os.getuid()
    for route in dict.fromkeys([path.absolute(), path.resolve()]):
        for child in [route, *route.parents][:-1]:
            folder = child.parent
            try:
                mode = folder.stat().st_mode
            except FileNotFoundError:
                continue  # made by the user (0700) when the key is created
            if not mode & stat.S_IWOTH:
                continue
            try:
                owner = child.lstat().st_uid
            except FileNotFoundError:
                owner = me  # not there yet: the user creates it
            if mode & stat.S_ISVTX and owner in (me, 0):
                continue
            raise WorkbenchError(
                f"{path}: the pseudonym key is reached through {folder}, which other users "
                f"can write to (mode {stat.S_IMODE(mode):04o}), so they could put their own "
                "key (or a link to one) in its place; keep the key in a folder only you can "
                "write to (the default is ~/.workbench)"
            )


def _create_key_file(path: Path) -> None:
    """Write a new random key to ``path`` with mode 0600, atomically and without overwriting,
    and say so on stderr: a key made because ``WORKBENCH_KEY_FILE`` was mistyped would give
    every child other pseudonyms (a review store made with the right key refuses it, but a
    new one would not know), so the user is told where the new key is.

    The key is written to a private temporary file that is then hard-linked into place, so a
    second process creating the same file at the same moment never reads a half-written key:
    whichever link lands first wins and the other process reads it.
    """
    private_folder_for(path)  # every new folder above it owner-only, not only the innermost
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(NEW_KEY_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return  # another process made it first: that key is the one used, and not new
    finally:
        temporary.unlink(missing_ok=True)
    print(
        f"note: made a new pseudonym key at {path} (there was none); keep it, with backups: "
        "lists, review stores and workbooks are keyed with it. If you meant an existing key, "
        f"set {KEY_FILE_ENV} to it (or {KEY_ENV}) and delete this one.",
        file=sys.stderr,
    )


def load_key(path: Path | None = None) -> bytes:
    """The secret behind pseudonymous keys.

    Parameters
    ----------
    path
        The key file; when None, ``WORKBENCH_KEY_FILE`` or else :func:`default_key_path`.
        Ignored when ``WORKBENCH_KEY`` is set.

    Returns
    -------
    bytes
        From ``WORKBENCH_KEY`` (hex) when set; else from the key file, which is created with
        32 random bytes (hex) and mode 0600 when it does not exist.

    Raises
    ------
    WorkbenchError
        When the key is not hex or too short, the key file is readable by group or others, or
        a folder on the way to it (or to a link's target) is writable by others.

    Examples
    --------
    >>> import os, tempfile
    >>> key_file = Path(tempfile.mkdtemp()) / "pseudonym.key"
    >>> len(load_key(key_file)) if KEY_ENV not in os.environ else 32
    32
    >>> oct(key_file.stat().st_mode & 0o777) if key_file.exists() else '0o600'
    '0o600'
    """
    from_env = os.environ.get(KEY_ENV)
    if from_env:
        return _parse_hex_key(from_env, f"environment variable {KEY_ENV}")
    if path is None:
        path = Path(os.environ[KEY_FILE_ENV]) if os.environ.get(KEY_FILE_ENV) else None
    path = Path(path or default_key_path()).expanduser()
    _safe_folders(path)
    if not path.exists():
        _create_key_file(path)
    _check_private(path)
    return _parse_hex_key(path.read_text(encoding="ascii"), str(path))


def pseudonym(kind: str, value: str, key: bytes) -> str:
    """The pseudonymous key of one identifier: ``"pk_"`` + 24 hex digits of HMAC-SHA256.

    ``kind`` keeps keys of different namespaces apart: a person id and a DWP record id that
    happen to be spelt alike get different keys.

    Examples
    --------
    >>> pseudonym("person", "P1", b"k" * 32) != pseudonym("dwp_record", "P1", b"k" * 32)
    True
    """
    digest = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:PSEUDONYM_HEX_DIGITS]


def pseudonym_expr(column: str, kind: str, key: bytes) -> pl.Expr:
    """An expression giving the pseudonymous key of every value of ``column``; null stays null.

    Examples
    --------
    >>> frame = pl.DataFrame({"person_id": ["P1", None]})
    >>> out = frame.select(pseudonym_expr("person_id", "person", bytes(32)))
    >>> out["person_id"][0].startswith("pk_"), out["person_id"][1]
    (True, None)
    """

    def keys_of(values: pl.Series) -> pl.Series:
        return pl.Series(
            values.name,
            [None if v is None else pseudonym(kind, str(v), key) for v in values.to_list()],
            dtype=pl.String,
        )

    return pl.col(column).map_batches(keys_of, return_dtype=pl.String)
