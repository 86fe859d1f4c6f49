"""The analyst's other commands at scale: `validate` and `stats` on the 1M-household council.

`make bench`'s main comparison times `assess`; an analyst also checks the extract
(`workbench validate`) and writes the take-up, funnel and equality tables for publication
(`workbench stats`, which assesses the term, then counts and protects). Each command is run
as a council runs it, as a whole process (interpreter start included), on the cached
synthetic council (seed 20260901, `benchmarks.run`'s cache), from parquet and from CSV:

- ``validate``: every table read and checked, the quarantine counted;
- ``stats (exact)``: ``stats --linkage exact``;
- ``stats``: the default linkage (the exact pass, then Splink), the trained model kept in a
  cache folder made for the run (the first run trains: not counted, as a council's second
  run of the same extract does not train).

Best of ``--repeat`` (default 3), the commands taking turns. Each run of ``stats`` must write
byte-identical tables and manifest to the first (the same inputs give the same figures), or
the benchmark fails. Seconds are wall-clock, CPU s user + system, peak the process's maximum
resident memory.

Writes ``benchmarks/results/commands.json`` and ``.md``.
Run: ``python -m benchmarks.commands`` or ``--households 100000 --repeat 2``.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.run import (
    DEFAULT_SEED,
    DEFAULT_TERM_START,
    DEFAULT_TIMEOUT_SECONDS,
    RESULTS,
    Finished,
    ensure_council,
    log,
    machine,
    machine_sentence,
    run_measured,
    workbench_command,
)
from workbench.linkage.trained import CACHE_ENV

DEFAULT_HOUSEHOLDS = 1_000_000
TERM = DEFAULT_TERM_START.isoformat()


@dataclass(frozen=True)
class Command:
    name: str
    arguments: tuple[str, ...]
    writes: bool  # its outputs are compared run to run
    into_folder: bool = False  # `{out}` is a folder made for it (the command writes files in it)


COMMANDS = (
    Command("validate", ("validate", "{data}"), writes=False),
    Command(
        "stats (exact)",
        ("stats", "--initiative", "two_year_old", "--data", "{data}", "--term-start", TERM,
         "--as-of", TERM, "--out", "{out}", "--linkage", "exact"),
        writes=True,
    ),
    Command(
        "stats",
        ("stats", "--initiative", "two_year_old", "--data", "{data}", "--term-start", TERM,
         "--as-of", TERM, "--out", "{out}"),
        writes=True,
    ),
)  # fmt: skip


def command_line(command: Command, data: Path, out: Path) -> list[str]:
    filled = [a.format(data=data, out=out) for a in command.arguments]
    return [workbench_command(), "--quiet", *filled]


def same_outputs(first: Path, again: Path) -> bool:
    """Whether two output folders hold the same files, byte for byte."""
    names = sorted(p.name for p in first.iterdir())
    if names != sorted(p.name for p in again.iterdir()):
        return False
    _, mismatch, errors = filecmp.cmpfiles(first, again, names, shallow=False)
    return not mismatch and not errors


def measure(
    data: Path, work: Path, repeat: int, commands: tuple[Command, ...] = COMMANDS
) -> list[dict[str, Any]]:
    """Every command's best run on one council folder (the commands taking turns)."""
    best: dict[str, Finished] = {}
    firsts: dict[str, Path] = {}
    for round_number in range(repeat + 1):  # round 0 warms the caches and trains the model
        for command in commands:
            out = work / f"{command.name.replace(' ', '_')}-{round_number}"
            if command.into_folder:
                out.mkdir(parents=True)
            finished = run_measured(
                command_line(command, data, out), work / "logs" / out.name, DEFAULT_TIMEOUT_SECONDS
            )
            if finished.returncode != 0:
                raise SystemExit(f"{command.name} failed on {data}: {finished.stderr[-2000:]}")
            if command.writes:
                if command.name not in firsts:
                    firsts[command.name] = out
                elif not same_outputs(firsts[command.name], out):
                    raise SystemExit(f"{command.name}: run {round_number} wrote other outputs")
                else:
                    shutil.rmtree(out)
            if round_number == 0:
                continue
            log(f"{command.name} on {data.name}: {finished.seconds:.2f} s")
            kept = best.get(command.name)
            if kept is None or finished.seconds < kept.seconds:
                best[command.name] = finished
    return [
        {
            "command": command.name,
            "line": " ".join(command.arguments),
            "seconds": round(best[command.name].seconds, 3),
            "cpu_seconds": round(best[command.name].cpu_seconds, 3),
            "peak_mib": round(best[command.name].peak_bytes / 2**20, 1),
        }
        for command in commands
    ]


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# The analyst's other commands at scale",
        "",
        machine_sentence(result["machine"]),
        "",
        f"The synthetic council of {result['households']:,} households (`workbench synth "
        f"--seed {DEFAULT_SEED}`), term {TERM}. Whole process, best of {result['repeat']} after a "
        "warm-up run (which also trains and keeps the linkage model, as a council's first run "
        "of an extract does), the commands taking turns. Every run of `stats` wrote "
        "byte-identical tables and manifest. Made by `python -m benchmarks.commands`.",
        "",
        "| format | command | seconds | CPU s | peak MiB |",
        "|---|---|---:|---:|---:|",
    ]
    for fmt, rows in result["formats"].items():
        for row in rows:
            lines.append(
                f"| {fmt} | {row['command']} | {row['seconds']:.2f} | {row['cpu_seconds']:.2f} "
                f"| {row['peak_mib']:,.0f} |"
            )
    lines += ["", "Command lines (DIR the council folder, OUT a new folder):", ""]
    for command in COMMANDS:
        shown = " ".join(command.arguments).format(data="DIR", out="OUT")
        lines.append(f"- {command.name}: `workbench {shown}`")
    return "\n".join(lines) + "\n"


def parsed(
    parser: argparse.ArgumentParser, argv: list[str] | None, households: int, repeat: int
) -> argparse.Namespace:
    """`parser`'s arguments with the council's size, the repeats and the results folder."""
    parser.add_argument("--households", type=int, default=households)
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.households < 1 or args.repeat < 1:
        parser.error("--households and --repeat must each be at least 1")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default="parquet,csv")
    args = parsed(parser, argv, DEFAULT_HOUSEHOLDS, 3)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    result: dict[str, Any] = {
        "benchmark": "commands",
        "households": args.households,
        "repeat": args.repeat,
        "formats": {},
    }
    with tempfile.TemporaryDirectory(prefix="commands-bench-") as folder:
        work = Path(folder)
        # The commands' processes inherit it: the model trained in the warm-up run is kept.
        os.environ[CACHE_ENV] = str(work / "models")
        for fmt in formats:
            data, _ = ensure_council(
                args.households, DEFAULT_SEED, fmt, timeout=DEFAULT_TIMEOUT_SECONDS
            )
            result["formats"][fmt] = measure(data, work / fmt, args.repeat)
    result["machine"] = machine()
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "commands.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.results / "commands.md").write_text(markdown(result))
    print(f"results in {args.results / 'commands.md'}")
    return result


if __name__ == "__main__":
    main()
