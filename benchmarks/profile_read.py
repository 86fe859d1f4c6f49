"""Reading a council's extract through a source profile, against reading the contract files.

The synthetic council of ``--households`` households (seed 20260901, the bench cache's) is
read two ways, alternating, each the best of ``--repeat`` in one warm process:

- ``contract``: its contract CSV files (`workbench synth --format csv`);
- ``profile``: the same tables written as a council's own system exports them (other file and
  column names, UK dates, ``£12,277.01`` amounts, benefits and roles spelled out:
  ``tests/data/extracts.py``), read through the worked profile
  ``workbench/reference/profiles/council_extract.yaml``.

Both are `load_folder` of the tables the two-year-old rule set reads, with the columns
``assess`` asks for: the read, the profile's mapping, every check and the quarantine. Each
table is also timed alone. The target (issue 19): through the profile at most 10% over the
contract files at 1M households. The lists are checked equal too: the same accepted rows.

Writes ``benchmarks/results/profile_read.json`` and ``.md``.
Run: ``python -m benchmarks.profile_read`` or ``--households 100000``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

import polars as pl

from benchmarks.run import CACHE, RESULTS, _load_average, ensure_council, log, machine

DEFAULT_HOUSEHOLDS = 1_000_000
SEED = 20260901
TARGET = 1.10
RULE_SET = "two_year_old"


def extract_folder(households: int) -> Path:
    """The council-style extract of the cached council (written the first time)."""
    from tests.data.extracts import write_council_extract

    folder = CACHE / f"extract_{households}_seed{SEED}"
    if (folder / ".complete").exists():
        return folder
    source, _ = ensure_council(households, SEED, "parquet", timeout=3600)
    log(f"writing the council-style extract of {households:,} households in {folder}")
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    tables = {p.stem: pl.read_parquet(p) for p in sorted(source.glob("*.parquet"))}
    write_council_extract(tables, partial)
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    (folder / ".complete").write_text(f"{households} households, seed {SEED}\n")
    return folder


def _timed(action) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run_benchmark(households: int, repeat: int) -> dict[str, Any]:
    from tests.data.extracts import PROFILE
    from workbench.data.profiles import load_profile
    from workbench.data.reading import load_folder
    from workbench.eligibility.assess import columns_needed
    from workbench.rules import load_rule_set

    contract, _ = ensure_council(households, SEED, "csv", timeout=3600)
    extract = extract_folder(households)
    profile = load_profile(PROFILE)
    rules = load_rule_set(RULE_SET)
    tables = list(rules.sources)
    columns = columns_needed(rules, tables)
    ways = {"contract": (contract, None), "profile": (extract, profile)}

    def load(way: str, names: list[str]):
        folder, chosen = ways[way]
        return load_folder(folder, tables=names, columns=columns, normalise=False, profile=chosen)

    groups = {"all": tables, **{name: [name] for name in tables}}
    # Per group: each way's {"wall_s", "cpu_s"}, then the profile's ratios to the contract.
    best: dict[str, dict[str, Any]] = {}
    rows: dict[str, int] = {}
    same: dict[str, bool] = {}
    for group, names in groups.items():
        loaded = {}
        for _ in range(repeat):
            for way in ways:  # alternating: the machine's load falls on both alike
                wall, cpu, loaded[way] = _timed(lambda w=way, n=names: load(w, n))
                seen = best.setdefault(group, {}).setdefault(way, {"wall_s": wall, "cpu_s": cpu})
                seen["wall_s"], seen["cpu_s"] = min(seen["wall_s"], wall), min(seen["cpu_s"], cpu)
        if group == "all":
            for name in names:
                mine, theirs = (loaded[w].tables[name] for w in ways)
                rows[name] = mine.height
                same[name] = mine.sort(mine.columns).equals(theirs.sort(mine.columns))
    for timing in best.values():
        for way in timing.values():
            way["wall_s"], way["cpu_s"] = round(way["wall_s"], 3), round(way["cpu_s"], 3)
        timing["ratio"] = round(timing["profile"]["wall_s"] / timing["contract"]["wall_s"], 3)
        timing["cpu_ratio"] = round(timing["profile"]["cpu_s"] / timing["contract"]["cpu_s"], 3)
    return {
        "households": households,
        "seed": SEED,
        "rule_set": RULE_SET,
        "repeat": repeat,
        "rows": rows,
        "same_tables": same,
        "seconds": best,
        "target": {"ratio_at_most": TARGET, "met": best["all"]["ratio"] <= TARGET},
        "machine": machine(),
        "load_average_at_end": _load_average(),
    }


def markdown(result: dict[str, Any]) -> str:
    seconds = result["seconds"]
    lines = [
        "# Reading through a source profile",
        "",
        f"Run {result['machine']['date']}, commit {result['machine']['git_commit']}; "
        f"{result['households']:,} households "
        f"(seed {result['seed']}); best of {result['repeat']}, alternating, one warm process; "
        f"load average at the end {result['load_average_at_end']} (a shared 2-core "
        "machine: the CPU seconds are the steadier figure).",
        "",
        "`load_folder` of the tables the two-year-old rule set reads, with the columns "
        "`assess` asks for (read, mapping, checks, quarantine): the contract CSV files against "
        "the council-style extract through `workbench/reference/profiles/council_extract.yaml`. "
        "Made by `python -m benchmarks.profile_read` (`make bench`).",
        "",
        "| tables | contract s | profile s | ratio | contract CPU s | profile CPU s | CPU ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for group, timing in seconds.items():
        contract, profile = timing["contract"], timing["profile"]
        lines.append(
            f"| {group} | {contract['wall_s']} | {profile['wall_s']} | {timing['ratio']} | "
            f"{contract['cpu_s']} | {profile['cpu_s']} | {timing['cpu_ratio']} |"
        )
    target = result["target"]
    lines += [
        "",
        "## Target",
        "",
        "| target | value | met |",
        "|---|---:|---|",
        f"| all tables through the profile within {target['ratio_at_most']}x of the contract "
        f"files | {seconds['all']['ratio']}x | {'yes' if target['met'] else 'no'} |",
        "",
        "## Same tables?",
        "",
    ]
    for name, equal in result["same_tables"].items():
        shown = "yes" if equal else "NO"
        lines.append(f"- {name}: {shown} ({result['rows'][name]:,} rows accepted)")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=DEFAULT_HOUSEHOLDS)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--name", default="profile_read", help="results file name")
    arguments = parser.parse_args(argv)
    result = run_benchmark(arguments.households, arguments.repeat)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{arguments.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{arguments.name}.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
