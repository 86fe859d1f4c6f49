"""Benchmark reading tables from PostgreSQL through a profile against ``COPY ... TO STDOUT``.

A synthetic council (``--households``, default 1,000,000) is loaded into PostgreSQL as
`tests/data/postgres_council.py` shapes it (typed dates, numeric money), then its people and
benefits are read three ways, each the best of ``--repeat``:

- ``copy``: ``psql -c "COPY (query) TO STDOUT"`` into /dev/null, whole table, the same query
  text as the profile's: the floor, what the server can send;
- ``workbench_read``: the workbench's database path (`workbench.data.database.read_query`:
  ADBC record batches into polars), every column the query returns;
- ``workbench_load``: `load_folder` through the worked profile, the read plus the mapping,
  checks and quarantine, for context.

The target (issue 19): ``workbench_read`` within 2x of ``copy``. The server is the one in
WORKBENCH_TEST_POSTGRES_URI, or the one scripts/postgres_for_tests.sh starts; with neither,
the results say "skipped: no PostgreSQL".

Writes ``benchmarks/results/database.json`` and ``.md``.
Run: ``python -m benchmarks.database`` or ``--households 200000``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.run import RESULTS, machine

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_HOUSEHOLDS = 1_000_000
SEED = 20260901
SCHEMA = "wb_benchmark"
TABLES = ("people", "benefits")


def server() -> str | None:
    uri = os.environ.get("WORKBENCH_TEST_POSTGRES_URI", "").strip()
    if uri:
        return uri
    script = ROOT / "scripts" / "postgres_for_tests.sh"
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return None
    line = done.stdout.strip().splitlines()[-1]
    return line.split("=", 1)[1] if "=" in line else None


def best(repeat: int, action: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def run_benchmark(households: int, repeat: int) -> dict[str, Any]:
    from tests.data.postgres_council import (
        CONNECTION,
        PROFILE,
        drop_schema,
        load_council,
        postgres_council,
    )
    from workbench.data.database import DatabaseTable, read_query
    from workbench.data.profiles import load_profile
    from workbench.data.reading import load_folder
    from workbench.synth import generate_council

    uri = server()
    if uri is None:
        return {"skipped": "no PostgreSQL", "households": households}
    start = time.perf_counter()
    tables = generate_council(households, SEED)
    synth_s = time.perf_counter() - start
    database = postgres_council({name: tables[name] for name in TABLES})
    start = time.perf_counter()
    os.environ[CONNECTION] = load_council(uri, SCHEMA, database)
    load_s = time.perf_counter() - start
    profile = load_profile(PROFILE)
    sources = {name: DatabaseTable.of(profile, name) for name in TABLES}
    rows = {name: read_query(source).height for name, source in sources.items()}
    result: dict[str, Any] = {
        "households": households,
        "rows": rows,
        "synthesis_s": round(synth_s, 2),
        "load_into_postgres_s": round(load_s, 2),
        "repeat": repeat,
        "seconds": {},
    }
    try:
        for name, source in sources.items():
            query = " ".join(source.query.split())

            def copy(query: str = query) -> None:
                with open(os.devnull, "wb") as sink:
                    subprocess.run(
                        ["psql", "-X", "-q", os.environ[CONNECTION], "-c",
                         f"COPY ({query}) TO STDOUT"],
                        stdout=sink, check=True,
                    )  # fmt: skip

            result["seconds"][name] = {
                "copy": round(best(repeat, copy), 3),
                "workbench_read": round(best(repeat, functools.partial(read_query, source)), 3),
            }
        with tempfile.TemporaryDirectory() as empty:
            result["seconds"]["people+benefits"] = {
                "copy": round(sum(s["copy"] for s in result["seconds"].values()), 3),
                "workbench_read": round(
                    sum(s["workbench_read"] for s in result["seconds"].values()), 3
                ),
                "workbench_load": round(
                    best(
                        repeat,
                        lambda: load_folder(empty, profile=profile, tables=list(TABLES)),
                    ),
                    3,
                ),
            }
    finally:
        drop_schema(uri, SCHEMA)
    for timing in result["seconds"].values():
        timing["read_vs_copy"] = round(timing["workbench_read"] / timing["copy"], 2)
        if "workbench_load" in timing:
            timing["load_vs_copy"] = round(timing["workbench_load"] / timing["copy"], 2)
    result["machine"] = machine()
    return result


def markdown(result: dict[str, Any]) -> str:
    if "skipped" in result:
        return f"# Reading from PostgreSQL\n\nskipped: {result['skipped']}\n"
    lines = [
        "# Reading from PostgreSQL: the workbench's database path against COPY TO STDOUT",
        "",
        f"{result['households']:,} households ({result['rows']['people']:,} people, "
        f"{result['rows']['benefits']:,} awards); best of {result['repeat']}. Target: the "
        "read within 2x of COPY.",
        "",
        "| table | COPY (query) TO STDOUT, s | workbench read, s | read / COPY "
        "| workbench load (read + checks), s | load / COPY |",
        "|---|---|---|---|---|---|",
    ]
    for name, t in result["seconds"].items():
        load = t.get("workbench_load", "")
        ratio = t.get("load_vs_copy", "")
        lines.append(
            f"| {name} | {t['copy']} | {t['workbench_read']} | {t['read_vs_copy']}x "
            f"| {load} | {f'{ratio}x' if ratio != '' else ''} |"
        )
    lines += ["", f"Machine: {json.dumps(result['machine'])}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=DEFAULT_HOUSEHOLDS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result = run_benchmark(args.households, args.repeat)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "database.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.results / "database.md").write_text(markdown(result))
    print(f"results in {args.results / 'database.md'}")


if __name__ == "__main__":
    main()
