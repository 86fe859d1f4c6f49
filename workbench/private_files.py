"""Writing a file that holds personal data: the one way the workbench does it.

`write_private` creates a temporary file beside the target, owner-only (0600) from the moment
it exists (whatever the umask), lets the caller fill it, flushes it to disk and renames it
over the target in one step. So a reader never sees half a file, a crash leaves no partial
file under the final name (the temporary is removed), and a symbolic link planted at the
target is replaced, never followed.

Example
-------
>>> import tempfile
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "list.txt"
>>> write_private(path, lambda p: p.write_text("P1"))
>>> oct(path.stat().st_mode & 0o777), path.read_text()
('0o600', 'P1')
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "PRIVATE_FILE_MODE",
    "PRIVATE_FOLDER_MODE",
    "SHAREABLE_FILE_MODE",
    "check_folder_for",
    "fsync_folder",
    "open_to_others",
    "partial_path",
    "private_folder_for",
    "write_partial",
    "write_private",
    "write_replacing",
]

PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700
SHAREABLE_FILE_MODE = 0o644


def check_folder_for(path: str | Path, parameter: str = "out") -> None:
    """Refuse (UsageError about `parameter`) a file to be written where a folder cannot be:
    below a file. A folder that does not exist yet is fine: `private_folder_for` makes it
    when the file is written. Checked before the work, so a long run does not end in an
    error at the last step.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "notes.txt").write_text("x")
    1
    >>> check_folder_for(folder / "new" / "list.csv")
    >>> check_folder_for(folder / "notes.txt" / "list.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    workbench.errors.UsageError: out: .../notes.txt is a file, not a folder
    """
    from workbench.errors import UsageError

    for folder in Path(path).parents:
        if folder.exists():
            if not folder.is_dir():
                raise UsageError(f": {folder} is a file, not a folder", parameter=parameter)
            return


def private_folder_for(path: str | Path) -> None:
    """Make the folder `path` is to be written in, owner-only (0700), with any folders above
    it, when it does not exist yet: a new folder for files about individuals is nobody
    else's to read. An existing folder is left as it is."""
    folder = Path(path).parent
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    # One by one, outermost first: mkdir(parents=True) gives the folders above the default
    # mode, and mkdir's mode is filtered by the umask.
    for new in reversed(missing):
        new.mkdir(mode=PRIVATE_FOLDER_MODE, exist_ok=True)
        new.chmod(PRIVATE_FOLDER_MODE)


def write_private(path: str | Path, write: Callable[[Path], object]) -> None:
    """Write `path` owner-only and atomically; `write(temporary)` fills the file."""
    write_replacing(path, write, PRIVATE_FILE_MODE)


def partial_path(path: str | Path) -> Path:
    """The hidden file beside `path` that it is written into first: ``.NAME.partial``.

    >>> partial_path("/tmp/out/contacts.csv").name
    '.contacts.csv.partial'
    """
    path = Path(path)
    return path.with_name(f".{path.name}.partial")


def write_partial(
    path: str | Path, write: Callable[[Path], object], mode: int = PRIVATE_FILE_MODE
) -> Path:
    """Write `path`'s partial file (`partial_path`), owner-only from the moment it exists,
    filled by `write(partial)`, set to `mode` and flushed to disk, and return it: renamed over
    `path` by the caller (`os.replace`) once whatever must come first is done. Any partial
    file left there before is replaced; one this call began is removed when it fails."""
    partial = partial_path(path)
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    try:
        write(partial)
        os.chmod(partial, mode)  # some writers recreate the file
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return partial


def fsync_folder(folder: str | Path) -> None:
    """Flush a folder's entries to disk, so that a file renamed into it is there after a power
    cut (where the system allows: some cannot open a folder to flush it)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def write_replacing(
    path: str | Path, write: Callable[[Path], object], mode: int = SHAREABLE_FILE_MODE
) -> None:
    """Write `path` atomically with `mode` (a file meant to be shared, such as the
    transparency record, is 0644), replacing whatever is there, a symbolic link included,
    never writing through it. The file is `mode` or tighter from the moment it exists."""
    path = Path(path)
    temporary = write_partial(path, write, mode)
    try:
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def open_to_others(path: Path, holds: str, keep: str) -> str | None:
    """What to say of a file of personal data that people other than its owner can read (its
    mode lets group or others read or write it: saved so, or copied from a shared folder): the
    file, its mode, what it `holds`, the ``chmod`` that fixes it and how to `keep` such files;
    None when it is owner-only (or cannot be read).

    >>> import os, tempfile
    >>> path = Path(tempfile.mkdtemp()) / "review.xlsx"
    >>> _ = path.write_text("x")
    >>> os.chmod(path, 0o644)
    >>> said = open_to_others(path, "holds children's names", "keep them owner-only")
    >>> said.split(": ", 1)[1].split(". Run")[0]
    "mode 0644 lets other users of this computer read it (it holds children's names)"
    >>> os.chmod(path, 0o600)
    >>> open_to_others(path, "holds children's names", "keep them owner-only") is None
    True
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if not mode & 0o077:
        return None
    return (
        f"{path}: mode {mode:04o} lets other users of this computer read it (it {holds}). "
        f"Run `chmod 600 {path}`, and {keep}"
    )
