"""Trained linkage models remembered by what they were trained on.

Training Splink (u by sampling, m by expectation maximisation) is most of the time a
probabilistic linkage takes, and it is deterministic: the same rows, seed, priors and
versions give the same m and u to the last bit. `assess`, `stats`, `explain` and the
notebooks link the same folder again and again, so the trained settings are kept in a cache
folder, one JSON file per training, named by the SHA-256 of everything that decides it:

- the rows trained on and the candidate children (every column, polars' row hash with a
  fixed seed), and the number of children;
- the source, the seed, the priors (the starting settings, with any saved model's values),
  the sampling and EM limits;
- the versions of the workbench, Splink, DuckDB and polars.

A changed row, rule or version is another name, so a stale model is never read. The files
hold Splink settings with m and u probabilities (aggregates over the whole person index):
no person's data. The folder is ``$WORKBENCH_LINKAGE_CACHE``, else
``$XDG_CACHE_HOME/workbench/linkage`` (``~/.cache/workbench/linkage``); set the variable to
``off`` to train every time. A folder that cannot be written is not an error: the model is
trained, and not kept. The folder keeps the `KEEP_MODELS` models used last (a model read is
used again); older ones are removed when a new one is kept, so it never grows without end.

Example
-------
>>> import tempfile, os
>>> before = os.environ.get("WORKBENCH_LINKAGE_CACHE")
>>> os.environ["WORKBENCH_LINKAGE_CACHE"] = tempfile.mkdtemp()
>>> frame = pl.DataFrame({"a": [1, 2]})
>>> calls = []
>>> train = lambda: calls.append(1) or {"m": 0.5}
>>> remembered("dwp_list", [frame], {"seed": 0}, train)
{'m': 0.5}
>>> remembered("dwp_list", [frame], {"seed": 0}, train), len(calls)
({'m': 0.5}, 1)
>>> if before is None: del os.environ["WORKBENCH_LINKAGE_CACHE"]
... else: os.environ["WORKBENCH_LINKAGE_CACHE"] = before
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any, cast

import polars as pl

import workbench

__all__ = ["CACHE_ENV", "KEEP_MODELS", "cache_folder", "remembered", "training_key"]

CACHE_ENV = "WORKBENCH_LINKAGE_CACHE"
KEEP_MODELS = 100  # about 10 KB each: a council's sources over a couple of years of runs
_OFF = "off"
_PARTIAL = ".partial"
_ABANDONED_SECONDS = 3600  # a partial file this old was left by a run that stopped


def cache_folder() -> Path | None:
    """Where trained models are kept; None when the cache is off."""
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen.lower() == _OFF:
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "workbench" / "linkage"


def _frame_digest(frame: pl.DataFrame) -> str:
    digest = hashlib.sha256(json.dumps([[n, str(t)] for n, t in frame.schema.items()]).encode())
    digest.update(frame.hash_rows(seed=0).to_numpy().tobytes())
    return digest.hexdigest()


def training_key(source: str, frames: Sequence[pl.DataFrame], parameters: dict[str, Any]) -> str:
    """The SHA-256 naming one training: `frames` (in order), `parameters` (JSON-able) and the
    versions of the libraries that train."""
    versions = {name: version(name) for name in ("splink", "duckdb", "polars")} | {
        "workbench": workbench.__version__
    }
    described = {
        "source": source,
        "frames": [_frame_digest(f) for f in frames],
        "parameters": parameters,
        "versions": versions,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def remembered(
    source: str,
    frames: Sequence[pl.DataFrame],
    parameters: dict[str, Any],
    train: Callable[[], dict[str, Any]],
    fits: Callable[[dict[str, Any]], bool] = lambda kept: True,
) -> dict[str, Any]:
    """The settings `train()` gives for these inputs: read from the cache when this training
    was done before, else trained and kept.

    A kept file that is not a JSON object, or whose object `fits` refuses (the caller's check
    that it has the shape `train()` gives), is trained again and replaced, as is one that
    cannot be read: the cache is never trusted further than that."""
    folder = cache_folder()
    if folder is None:
        return train()
    path = folder / f"{source}-{training_key(source, frames, parameters)}.json"
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = None
    if isinstance(kept, dict) and fits(kept):
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: among the last to be removed
        return kept
    # As JSON holds it (lists, not tuples), so a model trained now and one read back are
    # the same value.
    text = json.dumps(train())
    partial = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=folder, suffix=".partial", delete=False
        ) as handle:
            partial = Path(handle.name)
            handle.write(text)
        os.replace(partial, path)
    except OSError:  # an unwritable cache: trained, not kept
        if partial is not None:
            partial.unlink(missing_ok=True)
    else:
        _prune(folder)
    return cast(dict[str, Any], json.loads(text))


def _prune(folder: Path) -> None:
    """Remove all but the `KEEP_MODELS` models used last, and partial files a stopped run left.
    Another run removing the same file at the same time is no error."""
    now = time.time()
    models = []
    for entry in folder.iterdir():
        with contextlib.suppress(OSError):
            used = entry.stat().st_mtime
            if entry.suffix == _PARTIAL and now - used > _ABANDONED_SECONDS:
                entry.unlink(missing_ok=True)
            elif entry.suffix == ".json":
                models.append((used, entry.name, entry))
    models.sort(reverse=True)
    for _, _, entry in models[KEEP_MODELS:]:
        with contextlib.suppress(OSError):
            entry.unlink(missing_ok=True)
