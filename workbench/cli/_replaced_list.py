"""What `workbench assess --out FILE` does with a list of another run already at FILE.

`assess` may write over its ``--out`` (scheduled runs rewrite one file each term), but a list
officers have reviewed must not vanish under them: its decisions, outreach and check exports
are keyed to its run, and `review outreach` refuses a list of another run. So, before the new
list is written over one of another run (a list with its ``FILE.manifest.json`` beside it):

- when a review store is known (``--store``, else the store every command logs access in,
  `workbench.governance.access.default_store`: ``WORKBENCH_STORE``) and the earlier run is
  registered in it, the earlier list, its manifest and its ``STEM.dwp_not_listed.csv`` are
  kept beside it under ``STEM-replaced-<YYYYMMDDTHHMMSSZ>`` names, as a report's rerun keeps
  its earlier folder (`workbench.runs.rerun`), and stderr says where;
- otherwise stderr says in one line that the earlier list of run X was replaced.

Example
-------
>>> kept_name(Path("lists/two.csv"), datetime(2026, 9, 1, 6, 15, tzinfo=UTC)).name
'two-replaced-20260901T061500Z.csv'
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from workbench.runs.rerun import REPLACED

__all__ = ["earlier_run", "keep_or_note", "kept_name", "registered"]


def earlier_run(out: Path) -> str | None:
    """The run id of the list at `out` (from its manifest), or None when there is no list
    with a readable manifest there."""
    manifest = out.with_name(out.name + ".manifest.json")
    if not out.is_file():
        return None
    try:
        run = json.loads(manifest.read_text(encoding="utf-8")).get("run_id")
    except (OSError, ValueError, AttributeError):
        return None
    return run if isinstance(run, str) and run else None


def registered(store: Path, run: str) -> bool:
    """Whether a list of `run` is registered in the review store at `store` (read only: a
    store that is not there, or cannot be read, holds none)."""
    if not store.is_file():
        return False
    try:
        connection = sqlite3.connect(f"{store.absolute().as_uri()}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT 1 FROM lists WHERE run_id = ?", (run,)).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return False
    return row is not None


def kept_name(out: Path, now: datetime) -> Path:
    """The name the earlier list at `out` is kept under when replaced at `now` (UTC): one no
    other file has (`-2`, `-3`... after it within one second)."""
    stem = f"{out.stem}-{REPLACED}-{now.strftime('%Y%m%dT%H%M%SZ')}"
    kept, number = out.with_name(stem + out.suffix), 1
    while any(p.exists() or p.is_symlink() for p in _with_beside(kept)):
        number += 1
        kept = out.with_name(f"{stem}-{number}{out.suffix}")
    return kept


def _with_beside(path: Path) -> list[Path]:
    from workbench.eligibility.assess import unlisted_path

    return [path, path.with_name(path.name + ".manifest.json"), unlisted_path(path)]


def keep_or_note(out: Path, earlier: str, new: str, store: Path, store_named: str) -> str:
    """Keep the list of run `earlier` at `out` when `store` registers that run (renamed, with
    the files beside it), and say what happened in one line for stderr; `new` is the run
    about to be written there, `store_named` how the store was given (for the message)."""
    if not registered(store, earlier):
        return (
            f"note: --out {out} held the list of run {earlier}, replaced by this run's list ({new})"
        )
    kept = kept_name(out, datetime.now(UTC))
    for source, target in zip(_with_beside(out), _with_beside(kept), strict=True):
        if source.exists() or source.is_symlink():
            source.rename(target)
    return (
        f"note: --out {out} held the list of run {earlier}, registered in the review store "
        f"{store_named}: it is kept as {kept} (with its manifest beside it), and this run's "
        f"list ({new}) written to {out}"
    )
