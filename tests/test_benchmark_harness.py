"""The benchmark harness times contenders as a user's second run: bytecode cache in place."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from benchmarks import run

ROOT = Path(run.__file__).resolve().parent.parent


def test_the_harness_byte_compiles_the_contenders_code_even_when_told_not_to_write_it(
    monkeypatch,
):
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    sources = [
        ROOT / "workbench" / "data" / "reading.py",
        ROOT / "benchmarks" / "reference_duckdb.py",
    ]
    caches = [Path(importlib.util.cache_from_source(str(s))) for s in sources]
    for cache in caches:
        cache.unlink(missing_ok=True)
    run.compile_sources()
    for source, cache in zip(sources, caches, strict=True):
        assert cache.exists(), cache
        assert cache.stat().st_mtime >= source.stat().st_mtime
