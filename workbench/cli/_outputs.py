"""One check for every command that writes a file: never over a file it reads.

Each command names what it writes (`Output`: an option such as ``--out``, the file it
gives, and the files written beside it, such as a list's ``FILE.manifest.json``) and what it
reads (`Input`: the data folder's tables and the files a source profile maps, the profile, a
rule file, a review store and its logs, a list and its manifest, ...), and
`refuse_writing_over_inputs` stops it, before anything is read or written, when one would
land on the other: a usage error (exit 2) naming the option and the file.

Paths are compared as the file system resolves them, so ``./D/people.csv``,
``D/../D/people.csv`` and a symbolic (or hard) link to the file all count as the file. In a
data folder, a file named as one of its tables (``people.csv``, ``dwp_list.xlsx``, ...) is
refused even when it is not there yet: the next command would read it as council data.

Example
-------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "people.csv").write_text("person_id\\n")
>>> refuse_writing_over_inputs(
...     [output_file("--out", folder / "list.csv", "the list")], data_folder_inputs(folder)
... )
>>> refuse_writing_over_inputs(
...     [output_file("--out", folder / "people.csv", "the list")], data_folder_inputs(folder)
... )  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
workbench.errors.UsageError: --out .../people.csv: the list would be written over the people ...
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import UsageError, WorkbenchError
from workbench.paths import project_path

__all__ = [
    "Input",
    "Output",
    "data_folder_inputs",
    "file_inputs",
    "folder_inputs",
    "list_inputs",
    "output_file",
    "output_folder",
    "refuse_writing_over_inputs",
    "store_inputs",
]

# A review store's files besides the database: its logs (`workbench.review.store`) and the
# files SQLite keeps beside a database while it is open.
_STORE_FILES = {
    ".heads": "the review store's log of its decision chain",
    ".imports": "the review store's log of DfE check imports",
    ".access": "the review store's log of its access log's seals",
    "-wal": "the review store's write-ahead log",
    "-shm": "the review store's shared-memory file",
    "-journal": "the review store's journal",
}
_LIST_FILES = {
    ".manifest.json": "the list's manifest",
}


@dataclass(frozen=True)
class Input:
    """A file a command reads, and what it is, in words (``the people table of the data
    folder D``)."""

    path: Path
    what: str
    data_folder: Path | None = None
    """For a data folder (``path`` the folder itself): where a file named like a table would
    be read as one."""
    pattern: str | None = None
    """For the files a source profile reads as a table: the file name pattern (a glob, as
    the profile writes it) in the folder ``path``; any file it matches is read."""


@dataclass(frozen=True)
class Output:
    """What one output option writes: its own file (or files, in a folder) and those beside.

    ``files`` holds ``(path, what)``; a path whose name has ``*`` is a pattern for files
    written in that folder (``NAME-part*.csv``, the tables of ``stats --out``)."""

    option: str
    given: Path
    what: str
    files: tuple[tuple[Path, str], ...] = field(default=())
    folder: bool = False
    """Whether the option names a folder the files are written in."""


def output_file(option: str, path: Path, what: str, *beside: tuple[Path, str]) -> Output:
    """An option naming a file (``--out FILE``), with the files written beside it."""
    return Output(option, path, what, ((path, what), *beside))


def output_folder(option: str, folder: Path, what: str, names: Iterable[str]) -> Output:
    """An option naming a folder, and the names (or patterns) of the files written in it."""
    return Output(option, folder, what, tuple((folder / name, what) for name in names), True)


def file_inputs(path: Path | None, what: str) -> list[Input]:
    """One file a command reads (nothing when the option was not given)."""
    return [] if path is None else [Input(project_path(path), what)]


def folder_inputs(folder: Path | None, what: str) -> list[Input]:
    """Every file in a folder a command reads all of (a linkage model, an extract)."""
    if folder is None:
        return []
    folder = project_path(folder)
    if not folder.is_dir():
        return file_inputs(folder, what)
    return [
        Input(path, f"{what} ({path.name})") for path in sorted(folder.rglob("*")) if path.is_file()
    ]


def store_inputs(store: Path | None) -> list[Input]:
    """A review store and the files beside it (its logs), which every command using it reads
    and writes only through the store: as given, a relative one from the working directory,
    where the command opens it (never the project root's, `INPUT_PARAMETERS`)."""
    if store is None:
        return []
    beside = [
        Input(store.with_name(store.name + suffix), what) for suffix, what in _STORE_FILES.items()
    ]
    return [Input(store, "the review store (--store)"), *beside]


def list_inputs(list_file: Path | None, option: str = "--list") -> list[Input]:
    """A list written by `workbench assess`, the files beside it, and the data folder its
    manifest names (read for who each child is)."""
    if list_file is None:
        return []
    from workbench.eligibility.assess import unlisted_path

    path = project_path(list_file)
    found = [
        Input(path, f"the list ({option})"),
        *(Input(path.with_name(path.name + s), what) for s, what in _LIST_FILES.items()),
        Input(unlisted_path(path), "the list's DWP-list rows not listed"),
    ]
    return found + data_folder_inputs(_manifest_folder(path))


def data_folder_inputs(folder: Path | None, profile: Path | None = None) -> list[Input]:
    """The files a data folder's tables are read from: every table file in it (whether or
    not this command reads that table: it is the council's data all the same), the files a
    source profile maps, and the profile (by default the active one, ``--profile``)."""
    if folder is None:
        return []
    folder = project_path(folder)
    found = [Input(folder, f"the data folder {folder}", data_folder=folder)]
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            table = _table_named(path)
            if table is not None and path.is_file():
                found.append(Input(path, f"the {table} table of the data folder {folder}"))
    return found + _profile_inputs(folder, profile)


def refuse_writing_over_inputs(outputs: Sequence[Output], inputs: Iterable[Input]) -> None:
    """A UsageError, naming the option and the file, when a file an output option would write
    is one the command reads, or lies in a data folder under a table's name.

    Checked before any work: nothing is read or written when it fails."""
    read = [entry for entry in inputs if entry.data_folder is None]
    folders = [entry.data_folder for entry in inputs if entry.data_folder is not None]
    for output in outputs:
        for target, what in output.files:
            for entry in read:
                if _lands_on(target, entry):
                    raise UsageError(_message(output, target, what, entry))
            table = _table_named(target)
            if table is None or "*" in target.name:
                continue
            for folder in folders:
                if _same(target.parent, folder):
                    raise UsageError(
                        f"{output.option} {output.given}: {_written(output, target, what)} "
                        f"in the data folder {folder} under the name of its {table} table, "
                        "so the next command would read it as the council's data. Give "
                        f"{output.option} a file outside the data folder, or another name."
                    )


# --- helpers -------------------------------------------------------------------------------------


def _message(output: Output, target: Path, what: str, entry: Input) -> str:
    if entry.pattern is not None:
        shown = f" ({entry.path / entry.pattern})"
    else:
        shown = "" if _spelled_alike(entry.path, target) else f" ({entry.path})"
    return (
        f"{output.option} {output.given}: {_written(output, target, what)} over "
        f"{entry.what}{shown}, which this command reads. Give {output.option} another "
        f"{'folder' if output.folder else 'file'}."
    )


def _written(output: Output, target: Path, what: str) -> str:
    """``the list would be written``, or what is written beside it and where."""
    if target == output.given:
        return f"{what} would be written"
    if "*" in target.name:
        return f"{what} would be written in {target.parent}"
    return f"{what} would be written to {target}"


def _lands_on(target: Path, entry: Input) -> bool:
    """Whether writing ``target`` (a file, or a pattern of names in a folder) writes the
    file ``entry`` is, or one it matches (a profile's pattern)."""
    path = entry.path
    if entry.pattern is not None:
        if "*" in target.name:
            return False  # the workbench's own names (take_up.csv, ...): not worth guessing
        inside = os.path.relpath(_resolved(target), _resolved(path))
        return not inside.startswith("..") and fnmatch.fnmatchcase(inside, entry.pattern)
    if "*" not in target.name:
        return _same(target, path)
    names = {path.name, _resolved(path).name}
    return _same(target.parent, path.parent) and any(
        fnmatch.fnmatchcase(name, target.name) for name in names
    )


def _same(a: Path, b: Path) -> bool:
    """The same file or folder: the same inode when both exist (hard links too), else the
    same path once resolved (a file not written yet)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return _resolved(a) == _resolved(b)


def _resolved(path: Path) -> Path:
    return Path(os.path.abspath(path)).resolve()


def _spelled_alike(a: Path, b: Path) -> bool:
    return os.path.normpath(a) == os.path.normpath(b)


def _table_named(path: Path) -> str | None:
    """The data contract's table a file of this name is read as, in a data folder
    (`workbench.data.reading.table_named`: `DWP list.csv` is the DWP list)."""
    from workbench.data.reading import table_named

    return table_named(path)


def _profile_inputs(folder: Path, profile: Path | None) -> list[Input]:
    """The profile (``--profile``, or the one the environment names) and the files it maps
    in ``folder``; nothing when there is none, or it cannot be read (the command says why)."""
    from workbench.data.profiles import PROFILE_ENV, load_profile

    named = profile or (Path(os.environ[PROFILE_ENV]) if os.environ.get(PROFILE_ENV) else None)
    if named is None:
        return []
    found = [Input(named, "the source profile (--profile)")]
    try:
        loaded = load_profile(named)
    except WorkbenchError:
        return found
    for table, source in sorted(loaded.tables.items()):
        if source.file is None or not folder.is_dir():
            continue
        for path in sorted(folder.glob(source.file)):
            if path.is_file():
                found.append(Input(path, f"the file the profile reads as the {table} table"))
        # A file written under the pattern would be a second match: the table unreadable.
        what = f"the name the profile reads the {table} table from"
        found.append(Input(folder, what, pattern=source.file))
    return found


def _manifest_folder(list_file: Path) -> Path | None:
    """The data folder a list's manifest says it was made from, or None."""
    manifest = list_file.with_name(list_file.name + ".manifest.json")
    try:
        folder = json.loads(manifest.read_text(encoding="utf-8")).get("data")
    except (OSError, ValueError, AttributeError):
        return None
    return Path(folder) if isinstance(folder, str) and folder else None
