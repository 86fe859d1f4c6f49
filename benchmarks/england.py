"""`make bench-england`: England in one run (issue 20), too long for `make bench`.

A council the size of England, 16 million households (about 57 million people, the perf
council of `benchmarks/perf_council.py`), assessed in one run of `workbench assess` on this
machine, from CSV and from parquet. The council is made the first time and cached under
benchmarks/.cache/ (perf_16000000_csv, perf_16000000_parquet: 3.8 GB and 0.37 GB). Each
contender runs in a process of its own, as `benchmarks.run` runs it (the same command line,
its wall-clock seconds and peak resident memory): `assess`, and the tuned DuckDB query
(`duckdb_tuned`, skipped with --no-tuned), whose list must equal assess's on this council.

Targets: assess's peak memory within the machine's memory (it fits, no streaming needed);
the same list as the tuned query. Results: benchmarks/results/england.json and england.md,
with the machine, the commit and the load average at the start and the end (the machine is
shared: timings are noisy).

Run: ``python -m benchmarks.england`` (``--households 1000000`` for a shorter run).
"""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from benchmarks.run import (
    _GIB,
    _MIB,
    CACHE,
    DEFAULT_AS_OF,
    DEFAULT_SEED,
    DEFAULT_TERM_START,
    DEFAULT_TIMEOUT_SECONDS,
    RESULTS,
    TUNED,
    Measurement,
    TargetCheck,
    _better,
    _cell,
    _load_average,
    _measurement,
    _memory_bytes,
    _met,
    _names,
    compare_outputs,
    compile_sources,
    contender_command,
    ensure_council,
    list_rows,
    log,
    machine,
    machine_sentence,
    output_path,
)

ENGLAND_HOUSEHOLDS = 16_000_000
COUNCIL = "perf"
FORMATS = ("csv", "parquet")
TABLES = ("people", "benefits")
NAME = "england"
# Beside `.complete` in a council's cached folder: how long it took to make.
GENERATED_SECONDS = ".generated_seconds"


def council_facts(folder: Path, fmt: str) -> dict[str, Any]:
    """The rows and bytes of each table of a council's folder."""
    facts: dict[str, Any] = {}
    for table in TABLES:
        path = folder / f"{table}.{fmt}"
        scan = pl.scan_parquet(path) if fmt == "parquet" else pl.scan_csv(path)
        facts[table] = {
            "rows": scan.select(pl.len()).collect().item(),
            "bytes": path.stat().st_size,
        }
    return facts


def remembered_generation(folder: Path, seconds: float) -> float | None:
    """The seconds a council took to make: remembered in its folder when it is made here,
    read back when it is reused (None: made by another harness, which did not say)."""
    memory = folder / GENERATED_SECONDS
    if seconds:
        memory.write_text(f"{seconds:.1f}\n")
        return round(seconds, 1)
    return float(memory.read_text()) if memory.exists() else None


def check_targets(
    results: list[Measurement], comparisons: list[dict[str, Any]], memory: int | None
) -> list[TargetCheck]:
    """Does assess fit in the machine's memory, and list what the tuned query lists?"""
    households, fmt = results[0].households, results[0].format
    assess = next((m for m in results if m.contender == "assess"), None)
    checks = []
    if memory is not None:
        target = f"assess peak memory within the machine's {memory / _GIB:.1f} GiB"
        if assess is not None and assess.status == "ok" and assess.peak_mib is not None:
            value, met = f"{assess.peak_mib / 1024:.1f} GiB", assess.peak_mib * _MIB < memory
        else:
            value, met = "n/a", None
        checks.append(TargetCheck(households, fmt, "assess", target, value, met, COUNCIL))
    tuned = [c for c in comparisons if TUNED in (c["left"], c["right"])]
    same = tuned[0]["same"] if tuned else None
    checks.append(
        TargetCheck(
            households,
            fmt,
            "assess",
            "the same list as the tuned DuckDB query",
            {True: "same", False: "different", None: "n/a"}[same],
            same,
            COUNCIL,
        )
    )
    return checks


def run_format(households: int, fmt: str, args: argparse.Namespace) -> dict[str, Any]:
    """Make or reuse the council in `fmt`, run the contenders on it, compare their lists."""
    folder, seconds = ensure_council(households, DEFAULT_SEED, fmt, args.timeout, COUNCIL)
    cached = not seconds
    generated = remembered_generation(folder, seconds)
    work = CACHE / "runs" / f"{NAME}_{households}_{fmt}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    # Round by round, each contender once a round, as benchmarks.run does: the best time,
    # the least CPU time and the largest peak kept.
    best: dict[str, Measurement] = {}
    names = ("assess", TUNED) if args.tuned else ("assess",)
    for attempt in range(args.repeat):
        for name in names:
            if best.get(name) is not None and best[name].status != "ok":
                continue
            log(f"{households:,} {fmt} {COUNCIL}: {name} (run {attempt + 1} of {args.repeat})")
            out = output_path(work, name, fmt)
            command = contender_command(name, folder, out, args.term_start, args.as_of, 1)
            logs = work / "logs" / f"{name}_{attempt + 1}"
            current = _measurement(households, fmt, name, out, logs, command, args.timeout)
            log(f"  {name}: {current.status} {current.seconds} s, {current.peak_mib} MiB")
            best[name] = _better(best.get(name), current)
    results = [best[name] for name in names]
    for measurement in results:
        measurement.council = COUNCIL
        if measurement.status == "ok" and measurement.output:
            measurement.detail["rows_listed"] = list_rows(Path(measurement.output))
    comparisons = compare_outputs(results)
    return {
        "format": fmt,
        "folder": str(folder.relative_to(CACHE.parent.parent)),
        # When the cached council was reused: the time it took when it was made, if known.
        "generated_seconds": generated,
        "cached": cached,
        "tables": council_facts(folder, fmt),
        "measurements": results,
        "comparisons": comparisons,
        "targets": check_targets(results, comparisons, _memory_bytes()),
    }


def _count(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def markdown(report: dict[str, Any]) -> str:
    m, load = report["machine"], report["load_average"]
    england = " (England's size)" if report["households"] == ENGLAND_HOUSEHOLDS else ""
    lines = [
        "# England in one run (issue 20)",
        "",
        machine_sentence(m),
        "",
        f"The perf council of `benchmarks/perf_council.py` at {report['households']:,} "
        f"households{england}; `workbench assess --initiative two_year_old --linkage "
        f"exact` for term start {report['term_start']}, as of {report['as_of']}, as "
        "`benchmarks.run` runs it. Seconds are wall-clock for the whole process, best of "
        f"{report['repeat']} (the contenders taking turns); CPU s is user + system time (least "
        "of the runs); peak MiB is the process's maximum resident memory (largest of the runs).",
        "",
        f"Load average (1, 5, 15 min) at the start {load['start']}, at the end {load['end']}: "
        "the machine (2 cores) is shared, and timings are noisy.",
        "",
        "## The council",
        "",
        "| format | people | awards | people file MB | benefits file MB | generated in s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for f in report["formats"]:
        people, benefits = f["tables"]["people"], f["tables"]["benefits"]
        generated = _cell(f["generated_seconds"]) + (" (cached)" if f["cached"] else "")
        lines.append(
            f"| {f['format']} | {people['rows']:,} | {benefits['rows']:,} | "
            f"{people['bytes'] / 1e6:,.1f} | {benefits['bytes'] / 1e6:,.1f} | {generated} |"
        )
    lines += [
        "",
        "## Time and memory",
        "",
        "| format | contender | status | seconds | CPU s | peak MiB | rows listed |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for f in report["formats"]:
        for r in f["measurements"]:
            lines.append(
                f"| {f['format']} | {r['contender']} | {r['status']} | {_cell(r['seconds'])} | "
                f"{_cell(r['cpu_seconds'])} | {_cell(r['peak_mib'])} | "
                f"{_count(r['detail'].get('rows_listed'))} |"
            )
    lines += ["", "## Targets", "", "| format | target | value | met |", "|---|---|---:|---|"]
    for f in report["formats"]:
        for c in f["targets"]:
            lines.append(f"| {f['format']} | {c['target']} | {c['value']} | {_met(c['met'])} |")
    comparisons = [c for f in report["formats"] for c in f["comparisons"]]
    if comparisons:
        lines += [
            "",
            "## Same list?",
            "",
            "assess against the tuned DuckDB query, on person_id, tier, reason codes and "
            "eligible_from (the columns the query writes).",
            "",
        ]
        for c in comparisons:
            lines.append(f"- {c['format']}: {'yes' if c['same'] else 'NO'}: {c['summary']}")
    problems = [r for f in report["formats"] for r in f["measurements"] if r["error"]]
    if problems:
        lines += ["", "## Failures", ""]
        lines += [
            f"- {r['format']} {r['contender']}: {' '.join(r['error'].split())}" for r in problems
        ]
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], name: str = NAME) -> tuple[Path, Path]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    json_path, md_path = RESULTS / f"{name}.json", RESULTS / f"{name}.md"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    md_path.write_text(markdown(report))
    return json_path, md_path


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.england", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--households", type=int, default=ENGLAND_HOUSEHOLDS)
    parser.add_argument("--formats", type=_names, default=FORMATS, help="csv,parquet")
    parser.add_argument(
        "--no-tuned", dest="tuned", action="store_false", help="skip the tuned DuckDB query"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender (best kept)")
    parser.add_argument("--term-start", type=date.fromisoformat, default=DEFAULT_TERM_START)
    parser.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF)
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, help="seconds per process"
    )
    parser.add_argument("--name", default=NAME, help="results file name (default: england)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_arguments(argv)
    compile_sources()
    load_before = _load_average()
    formats = [run_format(args.households, fmt, args) for fmt in args.formats]
    report = {
        "households": args.households,
        "council": COUNCIL,
        "repeat": args.repeat,
        "term_start": args.term_start.isoformat(),
        "as_of": args.as_of.isoformat(),
        "machine": machine(),
        "load_average": {"start": load_before, "end": _load_average()},
        "formats": [
            f
            | {
                "measurements": [asdict(m) for m in f["measurements"]],
                "targets": [asdict(t) for t in f["targets"]],
            }
            for f in formats
        ],
    }
    json_path, md_path = write_report(report, args.name)
    log(f"results written to {json_path} and {md_path}")
    return report


if __name__ == "__main__":
    main()
