"""Benchmark the review decision store: record 100k decisions in batches, read them back.

A list of ``--items`` children is registered, then ``--decisions`` decisions are recorded in
batches of ``--batch`` (each batch one transaction, as one Excel import records its rows),
cycling over the children and the decision kinds, so most children get several decisions
and the latest one has to be found. Then the store is read back the ways the workbench reads
it: the latest outcome decision per child (what outreach and the review panel use), every
decision, the progress counts, and the whole hash chain verified.

Writes ``benchmarks/results/review_store.json`` and ``.md`` with seconds, rows per second and
the machine's details. The store lives in a temporary folder (on the same disk as the
system's temp dir) with the store's own settings: WAL, ``synchronous=FULL``.

Run: ``python -m benchmarks.review_store`` (100,000 decisions) or ``--decisions 20000``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from benchmarks.run import RESULTS, machine
from workbench.review import OUTCOME_DECISIONS, ReviewStore, pseudonym

DEFAULT_DECISIONS = 100_000
DEFAULT_ITEMS = 20_000
DEFAULT_BATCH = 1_000
KEY = bytes(32)  # a fixed, made-up key: the benchmark's children are made up too
# The decisions recorded, in turn (a reason where the store requires one).
KINDS = (
    ("contact", None),
    ("defer", None),
    ("not_eligible", "income above the limit"),
    ("already_in_touch", None),
    ("link_confirmed", None),
)


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def make_list(store: ReviewStore, items: int) -> tuple[str, list[str]]:
    keys = [pseudonym("person", f"P{n:07d}", KEY) for n in range(items)]
    frame = pl.DataFrame(
        {"item_key": keys, "tier": ["likely"] * items, "reason_codes": [["income_support"]] * items}
    )
    list_id = store.add_list("r-benchmark", "two_year_old", "two_year_old@bench", {}, frame)
    return list_id, keys


def batches(list_id: str, keys: list[str], decisions: int, size: int):
    for start in range(0, decisions, size):
        yield [
            {
                "list_id": list_id,
                "item_key": keys[n % len(keys)],
                "decision": KINDS[(n // len(keys)) % len(KINDS)][0],
                "reason": KINDS[(n // len(keys)) % len(KINDS)][1],
                "reviewer": f"Reviewer {n % 7}",
            }
            for n in range(start, min(start + size, decisions))
        ]


def run_benchmark(decisions: int, items: int, batch: int, folder: Path) -> dict[str, Any]:
    """Every measurement, as a dict ready for JSON."""
    steps: list[dict[str, Any]] = []

    def step(name: str, rows: int, action: Callable[[], Any]) -> Any:
        seconds, result = timed(action)
        steps.append(
            {
                "step": name,
                "rows": rows,
                "seconds": round(seconds, 4),
                "rows_per_second": round(rows / seconds) if seconds else None,
            }
        )
        print(f"{name}: {rows:,} rows in {seconds:.3f}s", flush=True)
        return result

    with ReviewStore(folder / "review.sqlite") as store:
        list_id, keys = step("register a list", items, lambda: make_list(store, items))
        work = list(batches(list_id, keys, decisions, batch))
        step(
            f"record decisions in batches of {batch:,}",
            decisions,
            lambda: [store.record_decisions(requests) for requests in work],
        )
        latest = step(
            "latest outcome decision per child",
            decisions,
            lambda: store.latest_decisions(list_id, among=OUTCOME_DECISIONS),
        )
        every = step("read every decision", decisions, lambda: store.decisions(list_id))
        step("progress counts", decisions, lambda: store.progress(list_id))
        chain = step("verify the hash chain", decisions, store.verify_chain)
    if not chain.ok or every.height != decisions or latest.height > items:
        raise SystemExit(f"the benchmark's store is not as expected: {chain.message}")
    return {
        "benchmark": "review_store",
        "decisions": decisions,
        "items": items,
        "batch": batch,
        "latest_rows": latest.height,
        "store_bytes": (folder / "review.sqlite").stat().st_size,
        "steps": steps,
        "machine": machine(),
    }


def markdown(result: dict[str, Any]) -> str:
    info = result["machine"]
    lines = [
        "# Benchmark: the review decision store",
        "",
        f"Run {info['date']} on {info['cpu']}, {info['logical_cores']} logical cores, "
        f"{info['memory_gib']} GiB memory; {info['os']}; Python {info['python']}; "
        f"commit {info['git_commit']}.",
        "",
        f"{result['decisions']:,} decisions about {result['items']:,} children of one list, "
        f"recorded in batches of {result['batch']:,} (one transaction each, as an Excel import "
        "records its rows), then read back. SQLite in WAL mode with synchronous=FULL; store "
        f"size {result['store_bytes'] / 1024 / 1024:.1f} MiB. The latest outcome decisions "
        f"are {result['latest_rows']:,} rows, one per child, found among all the decisions.",
        "",
        "| step | rows | seconds | rows/s |",
        "|---|---:|---:|---:|",
    ]
    for s in result["steps"]:
        per_second = f"{s['rows_per_second']:,}" if s["rows_per_second"] else ""
        lines.append(f"| {s['step']} | {s['rows']:,} | {s['seconds']:.3f} | {per_second} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=DEFAULT_DECISIONS)
    parser.add_argument("--items", type=int, default=DEFAULT_ITEMS)
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if min(args.decisions, args.items, args.batch) < 1:
        parser.error("--decisions, --items and --batch must each be at least 1")
    with tempfile.TemporaryDirectory(prefix="review-store-bench-") as folder:
        result = run_benchmark(args.decisions, args.items, args.batch, Path(folder))
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "review_store.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.results / "review_store.md").write_text(markdown(result))
    print(f"results in {args.results / 'review_store.md'}")


if __name__ == "__main__":
    main()
