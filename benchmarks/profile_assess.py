"""Where `workbench assess` spends its time: a profile by phase, from outside the package.

Nothing in `workbench/` is instrumented. The phases are timed by doing what `workbench assess
--initiative two_year_old --linkage exact` does, one step after another, with the package's
own (internal) functions, in a fresh process per run:

- `start-up`: a separate process, ``python -c "import workbench.cli"``: the interpreter and
  the command line's imports (beside it, ``python -c pass``, ``import polars``, and every
  import of an assess run, also under ``python -X importtime``, summed by top-level package);
- `imports after the CLI`: what the command imports lazily once it runs (the assessment,
  the engine, the rule-file schema, the console);
- `rules`: the rule file read and checked (`workbench.eligibility.assess._rule_set`);
- `read`: each table's wanted columns read, as text for CSV (`reading._read_raw`), and,
  beside it, `polars read (needed columns)`: polars' bare `read_csv` / `read_parquet` of
  the same columns, the floor of this phase (both after an untimed read of the same, so
  that each finds the file in the page cache and polars warm);
- `validate`: every cell of those columns checked, the quarantine split off
  (`workbench.data.checks.check_rows`);
- `load: people`, `load: the other tables`: read and validate as `assess` runs them
  (`_load_sources`: the other tables on two threads), then `load: reference checks`: the
  two loads combined, each reference to another table checked (`combine_loaded`). The
  `read` and `validate` rows, table by table, are the work of the first two, shown beside;
- `link`: the exact links of the DWP-list and funded-place rows whose child could be in the
  age window (`engine.window_links`, collected);
- `engine`: the rules, the evidence and the list (`engine.assessment`);
- `hash`: the inputs' SHA-256, the code version, the git commit and the environment (in
  `assess` this runs on a second thread while the engine runs);
- `write`: the list, the DWP rows not listed and the manifest (`Assessment.write`);
- `console`: the summary tables the command prints, and its warnings.

In `assess` the people table is read while the rule file is checked and the hashing overlaps
the engine, so the whole command (`assess (whole process)`, timed as `make bench` times it)
would take less than the sum of its phases; where it takes more, the difference is what a
cold process pays (the phases run after side reads that warm the files and the allocator) and
the command line's own work. Each figure is the best of `--repeat` runs.

If the package's internals change, this script follows them: it is a measuring tool, not an
interface.

Run: ``python -m benchmarks.profile_assess`` (1M households, CSV and parquet, both councils,
best of 3); ``--households 100000 --councils perf --formats parquet --repeat 1``. Writes
`benchmarks/results/assess_profile.json` and `.md` (``--name`` for another name).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.run import (
    COUNCILS,
    DEFAULT_AS_OF,
    DEFAULT_SEED,
    DEFAULT_TERM_START,
    RESULTS,
    _load_average,
    compile_sources,
    contender_command,
    ensure_council,
    log,
    machine,
    run_measured,
)

PHASES = (
    "imports after the CLI",
    "rules",
    "polars read (needed columns)",
    "read",
    "validate",
    "load: people",
    "load: the other tables",
    "load: reference checks",
    "link",
    "engine",
    "hash",
    "write",
    "console",
)
# The phases that make up one assess run (the others are shown beside them, not added).
ASSESS_PHASES = (
    "start-up",
    "imports after the CLI",
    "rules",
    "load: people",
    "load: the other tables",
    "load: reference checks",
    "link",
    "engine",
    "hash",
    "write",
    "console",
)
# What an assess run imports: the command line, then (lazily, once it runs) the rest.
ASSESS_IMPORTS = (
    "import workbench.cli, polars, workbench.eligibility.assess, "
    "workbench.eligibility.engine, workbench.rules, workbench.provenance, "
    "workbench.runs.console, workbench.runs.emptiness"
)
STARTUP_COMMANDS = {
    "bare interpreter": "pass",
    "import polars": "import polars",
    "import workbench.cli": "import workbench.cli",
    "every import of an assess run": ASSESS_IMPORTS,
}
IMPORTTIME_TOP = 12
_TIMEOUT = 1800.0


# --- in the child process: one assess, phase by phase -----------------------------------------


def phases(folder: Path, out: Path, term_start: date, as_of: date) -> dict[str, Any]:
    """Run assess's steps one after another on `folder`; seconds per phase."""
    import gc

    gc.set_threshold(100_000, 10, 20)  # as the `workbench` command's entry point does
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    seconds: dict[str, float] = {}
    tables_read: dict[str, dict[str, float]] = defaultdict(dict)

    def timed(name: str, start: float) -> float:
        now = time.perf_counter()
        seconds[name] = seconds.get(name, 0.0) + now - start
        return now

    start = time.perf_counter()
    import workbench.cli  # noqa: F401  (counted in start-up, measured on its own)

    seconds["(CLI import, in this process)"] = time.perf_counter() - start
    start = time.perf_counter()
    import polars as pl

    from workbench import progress
    from workbench.data import reading
    from workbench.data.checks import check_rows
    from workbench.data.schema import TABLES
    from workbench.eligibility import assess as assess_module
    from workbench.eligibility.engine import assessment, window_links
    from workbench.provenance import input_hashes
    from workbench.runs.console import print_assessment
    from workbench.runs.emptiness import silent_emptiness

    progress.set_enabled(False)
    start = timed("imports after the CLI", start)

    rule_set = assess_module._rule_set("two_year_old", None, term_start)
    start = timed("rules", start)

    found, _ = reading._scan_folder(folder)
    wanted_columns = assess_module.columns_needed(rule_set)
    for name in rule_set.sources:
        if name not in found:
            continue
        path = reading._one_file(name, found[name])
        table = TABLES[name]
        fmt = reading.FORMATS[path.suffix.lower()]
        wanted = reading._columns_wanted(table, wanted_columns[name], False)
        headers = (
            pl.read_parquet_schema(path)
            if fmt == "parquet"
            else pl.read_csv(path, n_rows=0).columns
        )
        present = [c for c in wanted if c in headers]

        def bare_read(path: Path = path, fmt: str = fmt, present: list[str] = present) -> None:
            if fmt == "parquet":
                pl.read_parquet(path, columns=present)
            else:
                pl.read_csv(path, columns=present, infer_schema=False)

        bare_read()  # untimed: the file in the page cache, polars' threads and memory warm
        clock = time.perf_counter()
        bare_read()
        clock = step(
            seconds, tables_read[name], "polars read (needed columns)", "polars read", clock
        )
        raw, *_ = reading._read_raw(path, fmt, table, wanted)
        clock = step(seconds, tables_read[name], "read", "read", clock)
        check_rows(table, raw, path.name, fmt, False, number_accepted=bool(table.references))
        step(seconds, tables_read[name], "validate", "validate", clock)
        tables_read[name]["rows"] = raw.height
        del raw

    start = time.perf_counter()
    people = assess_module._load_sources(folder, ["people"], rule_set)
    start = timed("load: people", start)
    others = assess_module._load_sources(
        folder, [t for t in rule_set.sources if t != "people"], rule_set
    )
    start = timed("load: the other tables", start)
    loaded = assess_module._narrowed(reading.combine_loaded(people, others), rule_set)
    start = timed("load: reference checks", start)

    tables = {name: loaded.lazy(name) for name in loaded.tables}
    links = window_links(tables, rule_set, term_start=term_start, as_of=as_of).collect()
    start = timed("link", start)
    result = assessment(tables, rule_set, term_start=term_start, as_of=as_of, links=links)
    start = timed("engine", start)
    provenance = (input_hashes(loaded.files()), *assess_module.code_context())
    start = timed("hash", start)
    found_list = assess_module.Assessment(
        result=result, data=loaded, linkage="exact", _provenance=provenance
    )
    written = found_list.write(out)
    start = timed("write", start)
    with open(os.devnull, "w") as sink:
        from rich.console import Console

        print_assessment(found_list, written, Console(file=sink))
        silent_emptiness(found_list)
    timed("console", start)
    return {
        "seconds": {k: round(v, 4) for k, v in seconds.items()},
        "tables": tables_read,
        "listed": found_list.candidates.height,
        "people": loaded.tables["people"].height,
    }


def step(
    seconds: dict[str, float], table: dict[str, float], phase: str, key: str, since: float
) -> float:
    """Add the time since `since` to `phase` and to one table's `key`; the clock now."""
    now = time.perf_counter()
    seconds[phase] = seconds.get(phase, 0.0) + now - since
    table[key] = round(now - since, 4)
    return now


# --- in the harness: start-up, the phases, the whole command --------------------------------


def _best_wall(command: list[str], repeat: int, logs: Path) -> float:
    best = None
    for attempt in range(repeat):
        finished = run_measured(command, logs / f"run_{attempt + 1}", _TIMEOUT)
        if finished.returncode != 0:
            raise RuntimeError(f"{command} failed: {finished.stderr[-600:]}")
        best = finished.seconds if best is None else min(best, finished.seconds)
    return round(best or 0.0, 4)


def startup(repeat: int, logs: Path) -> dict[str, Any]:
    """Wall-clock seconds of a bare interpreter, of importing polars, the CLI and everything
    an assess run imports, and the last by top-level package (`-X importtime`: each module's
    own time, summed by the package it belongs to)."""
    env_python = sys.executable
    walls = {
        name: _best_wall([env_python, "-c", code], repeat, logs / name.replace(" ", "_"))
        for name, code in STARTUP_COMMANDS.items()
    }
    found = subprocess.run(
        [env_python, "-X", "importtime", "-c", ASSESS_IMPORTS],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"PYDANTIC_DISABLE_PLUGINS": "__all__"},
    )
    by_package: dict[str, int] = defaultdict(int)
    pattern = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")
    for line in found.stderr.splitlines():
        match = pattern.match(line)
        if match:  # each module's own time, to its top-level package
            by_package[match.group(4).split(".")[0]] += int(match.group(1))
    top = sorted(by_package.items(), key=lambda item: -item[1])[:IMPORTTIME_TOP]
    return {
        "seconds": walls,
        "importtime_top_seconds": {name: round(us / 1e6, 4) for name, us in top},
        "importtime_total_seconds": round(sum(by_package.values()) / 1e6, 4),
    }


def profile_council(
    folder: Path, fmt: str, council: str, args: argparse.Namespace, work: Path
) -> dict[str, Any]:
    runs = []
    for attempt in range(args.repeat):
        out = work / f"{council}_{fmt}_{attempt}" / f"list.{fmt}"
        command = [
            sys.executable,
            "-m",
            "benchmarks.profile_assess",
            "--phases-of",
            str(folder),
            "--out",
            str(out),
        ]
        log(f"profile {council} {fmt}: phases (run {attempt + 1} of {args.repeat})")
        finished = run_measured(command, work / "logs" / f"{council}_{fmt}_{attempt}", _TIMEOUT)
        if finished.returncode != 0:
            raise RuntimeError(f"phases failed: {finished.stderr[-600:]}")
        runs.append(json.loads(finished.stdout.strip().splitlines()[-1]))
    best = {
        phase: min(run["seconds"][phase] for run in runs)
        for phase in runs[0]["seconds"]
        if all(phase in run["seconds"] for run in runs)
    }
    tables = {
        name: {
            key: min(run["tables"][name][key] for run in runs) for key in runs[0]["tables"][name]
        }
        for name in runs[0]["tables"]
    }
    out = work / f"{council}_{fmt}_whole" / f"list.{fmt}"
    whole_command = contender_command("assess", folder, out, DEFAULT_TERM_START, DEFAULT_AS_OF, 1)
    log(f"profile {council} {fmt}: the whole command")
    whole = _best_wall(whole_command, args.repeat, work / "logs" / f"{council}_{fmt}_whole")
    return {
        "council": council,
        "format": fmt,
        "folder": str(folder),
        "people": runs[0]["people"],
        "listed": runs[0]["listed"],
        "seconds": best,
        "tables": tables,
        "assess_whole_process_seconds": whole,
    }


# --- the results --------------------------------------------------------------------------------


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    start = report["startup"]
    lines = [
        "# Where `workbench assess` spends its time",
        "",
        f"Run {m['date']} on {m['cpu']}, {m['logical_cores']} logical cores, "
        f"{m['memory_gib']} GiB; Python {m['python']}; polars {m['versions']['polars']}; "
        f"commit {m['git_commit']}"
        + (
            f" with uncommitted changes to {', '.join(m['uncommitted_code'])}"
            if m.get("uncommitted_code")
            else ""
        )
        + f". {report['households']:,} households; best of "
        f"{report['repeat']} per figure; load average (1, 5, 15 min) at the start "
        f"{report['load_average']['start']}, at the end {report['load_average']['end']} "
        "(a shared 2-core machine: timings are noisy).",
        "",
        "Made by `python -m benchmarks.profile_assess` (`make bench`): assess's steps run one "
        "after another with the package's own functions, nothing instrumented; see its "
        "docstring for what each phase is. In the command the people table is read while the "
        "rule file is checked and the hashing overlaps the engine, so the whole process takes "
        "less than the sum of its phases; but the phases run in a process already warm (the "
        "side reads beside the loads touch the files and the memory allocator first), so where "
        "the whole process takes more than the sum, the difference is what a cold process pays "
        "(first-touch memory, the overlapped threads contending for 2 cores) and the command "
        "line's own work (argument parsing, the access log, exit).",
        "",
        "## Start-up (separate processes, wall-clock)",
        "",
        "| command | seconds |",
        "|---|---:|",
        *(
            f"| {name}: `python -c '{STARTUP_COMMANDS[name]}'` | {value} |"
            for name, value in start["seconds"].items()
        ),
        "",
        "`python -X importtime` of every import of an assess run: "
        f"{start['importtime_total_seconds']} s in all (one run, summed per top-level "
        "package, each module's own time; importtime's overhead included):",
        "",
        "| package | seconds |",
        "|---|---:|",
        *(f"| {k} | {v} |" for k, v in start["importtime_top_seconds"].items()),
    ]
    for council in report["councils"]:
        seconds = council["seconds"]
        startup_seconds = start["seconds"]["import workbench.cli"]
        steps = {"start-up": startup_seconds} | {p: seconds.get(p, 0.0) for p in ASSESS_PHASES[1:]}
        total = sum(steps.values())
        lines += [
            "",
            f"## {council['council']} council, {council['format']} "
            f"({council['people']:,} people, {council['listed']:,} listed)",
            "",
            "| phase | seconds | share of the sum |",
            "|---|---:|---:|",
        ]
        for phase, value in steps.items():
            lines.append(f"| {phase} | {value:.3f} | {value / total:.0%} |")
            if phase == "load: reference checks":
                for inner in ("read", "validate", "polars read (needed columns)"):
                    lines.append(
                        f"| &nbsp;&nbsp;beside the loads, alone: {inner} | "
                        f"{seconds.get(inner, 0.0):.3f} | |"
                    )
        lines += [
            f"| **sum of the phases** | **{total:.3f}** | |",
            f"| **assess (whole process)** | **{council['assess_whole_process_seconds']:.3f}** | |",
            "| whole process minus the sum | "
            f"{council['assess_whole_process_seconds'] - total:+.3f} | |",
            "",
            "| table | rows | polars read s | read s | validate s |",
            "|---|---:|---:|---:|---:|",
            *(
                f"| {name} | {t['rows']:,} | {t['polars read']:.3f} | {t['read']:.3f} | "
                f"{t['validate']:.3f} |"
                for name, t in council["tables"].items()
            ),
        ]
    return "\n".join(lines) + "\n"


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--formats", type=_names, default=("csv", "parquet"))
    parser.add_argument("--councils", type=_names, default=COUNCILS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--name", default="assess_profile")
    parser.add_argument("--phases-of", type=Path, help=argparse.SUPPRESS)  # the child's part
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phases_of is not None:
        print(json.dumps(phases(args.phases_of, args.out, DEFAULT_TERM_START, DEFAULT_AS_OF)))
        return None
    compile_sources()
    load_before = _load_average()
    with tempfile.TemporaryDirectory(prefix="assess_profile_") as scratch:
        work = Path(scratch)
        log("profile: start-up")
        report: dict[str, Any] = {
            "households": args.households,
            "repeat": args.repeat,
            "machine": machine(),
            "startup": startup(args.repeat, work / "logs" / "startup"),
            "councils": [],
        }
        for fmt in args.formats:
            for council in args.councils:
                folder, _ = ensure_council(args.households, args.seed, fmt, _TIMEOUT, council)
                report["councils"].append(profile_council(folder, fmt, council, args, work))
    report["load_average"] = {"start": load_before, "end": _load_average()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    json_path, md_path = RESULTS / f"{args.name}.json", RESULTS / f"{args.name}.md"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    md_path.write_text(markdown(report))
    log(f"profile written to {json_path} and {md_path}")
    return report


if __name__ == "__main__":
    main()
