"""What a rerun of exactly the same inputs does with the earlier run's folder: nothing lost.

The same inputs give the same run folder name (`workbench.runs.report`), so a rerun replaces
the earlier run. The earlier folder is deleted only when it holds nothing but the files its
run wrote, each with the SHA-256 its `manifest.json` records (`outputs`; the manifest itself
besides). When someone has put a file there since (an analyst's notes beside `report.html`) or
edited one (a table, the list), the earlier folder is kept whole, renamed

    <run folder>-replaced-<YYYYMMDDTHHMMSSZ>    the UTC time it was replaced (`-2`, `-3`... after
                                                it when two are replaced within one second)

with its ``shareable/`` renamed `NOT_PUBLISHED_REPLACED`, so that nothing is published from
it; `workbench assure` reads it as the run's ``shareable/`` and says which of its files are
not the run's (`replaced_at`). A Jupyter
checkpoint of one of the run's files with its very bytes (`.ipynb_checkpoints/`, written when
someone opens the executed notebook) is the run's.

Example
-------
>>> replaced_at("2026-09-01-02_eligibility_list-r-0123456789ab-replaced-20260901T061500Z")
'20260901T061500Z'
>>> replaced_at("2026-09-01-02_eligibility_list-r-0123456789ab") is None
True
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path, PurePosixPath

from workbench.provenance import file_sha256

__all__ = [
    "NOT_PUBLISHED_REPLACED",
    "REPLACED",
    "REPLACED_SUFFIX",
    "checkpoint_of",
    "not_as_written",
    "replaced_at",
    "replaced_name",
]

REPLACED = "replaced"
NOT_PUBLISHED_REPLACED = "shareable-of-a-replaced-run"
"""What a kept earlier run's ``shareable/`` is renamed, as a failed run's is
(`workbench.runs.report.NOT_PUBLISHED`): a publisher taking ``*/shareable/*`` must not take a
table an analyst edited there, nor tables the rerun has superseded."""
REPLACED_SUFFIX = r"-replaced-(?P<replaced>[0-9]{8}T[0-9]{6}Z)(?:-[0-9]+)?"
"""The end of a kept earlier run's folder name, as a regular expression (retention and assure
read it)."""
_REPLACED = re.compile(REPLACED_SUFFIX + "$")
MANIFEST = "manifest.json"
ADDED = "added since the run"
CHANGED = "changed since the run wrote it"
UNREADABLE = "cannot be read"
UNCHECKED = "cannot be checked: the folder's manifest.json is missing or records no outputs"


def replaced_at(name: str) -> str | None:
    """The UTC time (`YYYYMMDDTHHMMSSZ`) a kept earlier run was replaced, from its folder's
    name; None for any other folder."""
    found = _REPLACED.search(name)
    return found["replaced"] if found else None


def replaced_name(folder: Path, now: datetime) -> Path:
    """The name `folder` is kept under when a rerun replaces it at `now` (UTC): one no other
    folder has."""
    stem = f"{folder.name}-{REPLACED}-{now.strftime('%Y%m%dT%H%M%SZ')}"
    kept, number = folder.with_name(stem), 1
    while kept.exists() or kept.is_symlink():
        number += 1
        kept = folder.with_name(f"{stem}-{number}")
    return kept


def checkpoint_of(name: str) -> str | None:
    """The file a Jupyter checkpoint is a copy of (`.ipynb_checkpoints/notebook-checkpoint.ipynb`
    of `notebook.ipynb`: JupyterLab writes one when an analyst opens the executed notebook),
    else None."""
    path = PurePosixPath(name)
    if path.parent.name != ".ipynb_checkpoints" or not path.stem.endswith("-checkpoint"):
        return None
    original = path.parent.parent / (path.stem.removesuffix("-checkpoint") + path.suffix)
    return original.as_posix()


def _outputs(folder: Path) -> dict[str, str] | None:
    try:
        record = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    outputs = record.get("outputs") if isinstance(record, dict) else None
    if not isinstance(outputs, dict):
        return None
    return {str(name): str(sha) for name, sha in outputs.items()}


def not_as_written(folder: Path) -> dict[str, str]:
    """The files in an earlier run's `folder` that its run did not write, or not as it wrote
    them, by path inside the folder, each with why (`added since the run`, `changed since the
    run wrote it`, ...); empty when every file is the run's own, unchanged. A file the run
    wrote that is missing loses nothing and is not named.

    Examples
    --------
    >>> import tempfile
    >>> run = Path(tempfile.mkdtemp())
    >>> _ = (run / "report.html").write_text("<p>report</p>")
    >>> record = {"outputs": {"report.html": file_sha256(run / "report.html")}}
    >>> _ = (run / "manifest.json").write_text(json.dumps(record))
    >>> not_as_written(run)
    {}
    >>> _ = (run / "notes.docx").write_text("the analyst's notes")
    >>> not_as_written(run)
    {'notes.docx': 'added since the run'}
    """
    outputs = _outputs(folder)
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        name = path.relative_to(folder).as_posix()
        if name == MANIFEST and outputs is not None:
            continue
        if outputs is None:
            found[name] = UNCHECKED
            continue
        try:
            sha = None if path.is_symlink() else file_sha256(path)
        except OSError:
            found[name] = UNREADABLE
            continue
        recorded = outputs.get(name) or outputs.get(checkpoint_of(name) or "")
        if recorded is None or sha is None:
            found[name] = ADDED
        elif sha != recorded:
            found[name] = ADDED if name not in outputs else CHANGED
    return found
