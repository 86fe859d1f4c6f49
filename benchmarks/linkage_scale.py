"""The default linkage at scale: `assess` with the exact pass then Splink, against exact-only,
on a synthetic council of 5M households (`make bench-linkage-scale`; not in `make bench`).

The exact pass leaves its rows to Splink, and Splink's pairs grow as those rows times the
children born on their birthdays: at 5M households about 44 million pairs, where the 1M
council of `make bench` has 1.8 million. This benchmark shows what that costs in time and
memory (`workbench.linkage.probabilistic` scores them in chunks, keeping only the pairs a
link can come from), as a council runs it: whole processes, the trained model kept between
runs (the warm-up round trains it, as a council's first run of an extract does: not counted),
best of ``--repeat`` after it, the two commands taking turns. Every run's list
must be byte-identical to the first's, or the benchmark fails.

Writes ``benchmarks/results/linkage_scale.json`` and ``.md``. The council (about 400 MB of
parquet) is made once, in about a minute, and cached in ``benchmarks/.cache/``.
Run: ``python -m benchmarks.linkage_scale`` or ``--households 2000000 --repeat 1``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.commands import Command, measure, parsed
from benchmarks.run import (
    DEFAULT_SEED,
    DEFAULT_TERM_START,
    DEFAULT_TIMEOUT_SECONDS,
    ensure_council,
    machine,
    machine_sentence,
)
from workbench.linkage.trained import CACHE_ENV

DEFAULT_HOUSEHOLDS = 5_000_000
TERM = DEFAULT_TERM_START.isoformat()
ASSESS = ("assess", "--initiative", "two_year_old", "--data", "{data}", "--term-start", TERM,
          "--as-of", TERM, "--out", "{out}/two_year_old.parquet")  # fmt: skip
COMMANDS = (
    Command("assess (exact)", (*ASSESS, "--linkage", "exact"), writes=True, into_folder=True),
    Command("assess", ASSESS, writes=True, into_folder=True),
)


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# The default linkage at scale",
        "",
        machine_sentence(result["machine"]),
        "",
        f"The synthetic council of {result['households']:,} households (`workbench synth "
        f"--seed {DEFAULT_SEED} --format parquet`), term {TERM}. `assess` with the default "
        "linkage (the exact pass, then Splink) against `--linkage exact`: whole processes, "
        f"best of {result['repeat']} after a warm-up round that trains and keeps the linkage "
        "model, the two taking turns; every run's list byte-identical to the first's. Made by "
        "`python -m benchmarks.linkage_scale` (`make bench-linkage-scale`).",
        "",
        "| command | seconds | CPU s | peak MiB |",
        "|---|---:|---:|---:|",
    ]
    for row in result["runs"]:
        lines.append(
            f"| {row['command']} | {row['seconds']:.2f} | {row['cpu_seconds']:.2f} "
            f"| {row['peak_mib']:,.0f} |"
        )
    exact, default = (row["seconds"] for row in result["runs"])
    lines += ["", f"Ratio (default / exact-only, the model kept): {default / exact:.1f}", ""]
    lines += ["Command lines (DIR the council folder, OUT a new folder):", ""]
    for command in COMMANDS:
        shown = " ".join(command.arguments).format(data="DIR", out="OUT")
        lines.append(f"- {command.name}: `workbench {shown}`")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args = parsed(parser, argv, DEFAULT_HOUSEHOLDS, 2)
    result: dict[str, Any] = {
        "benchmark": "linkage_scale",
        "households": args.households,
        "repeat": args.repeat,
    }
    with tempfile.TemporaryDirectory(prefix="linkage-scale-bench-") as folder:
        work = Path(folder)
        # The commands' processes inherit it: the model trained in the warm-up run is kept.
        os.environ[CACHE_ENV] = str(work / "models")
        data, _ = ensure_council(
            args.households, DEFAULT_SEED, "parquet", timeout=DEFAULT_TIMEOUT_SECONDS
        )
        result["runs"] = measure(data, work / "runs", args.repeat, COMMANDS)
    result["machine"] = machine()
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "linkage_scale.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.results / "linkage_scale.md").write_text(markdown(result))
    print(f"results in {args.results / 'linkage_scale.md'}")
    return result


if __name__ == "__main__":
    main()
