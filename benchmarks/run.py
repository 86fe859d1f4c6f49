"""`make bench`: time `workbench assess` and loading against floors and reference implementations.

For each size (households), format (csv, parquet) and council the harness builds the council
(cached under benchmarks/.cache/): `synth`, the workbench's own (`workbench synth`: every
table, every rule exercised), and `perf`, issue 20's (`benchmarks/perf_council.py`: people
and benefits only). It then runs each contender in a process of its own, so that each has its
own wall-clock time and peak memory (the child's `ru_maxrss`, from `os.wait4`):

- `polars_read`: polars' bare `read_csv` / `read_parquet` of every input file (load floor);
- `workbench_load`: `workbench.data.reading.load_folder`, which reads, types and validates;
- `assess`: the full `workbench assess --initiative two_year_old` command;
- `duckdb_reference`, `pandas_reference`: the same rules as one DuckDB query and as plain
  pandas (`reference_duckdb.py`, `reference_pandas.py`);
- `duckdb_tuned`: the speed to beat (issue 20), a tuned DuckDB query of the rules the perf
  council exercises (`reference_duckdb_tuned.py`); the target is assess / duckdb_tuned <= 1;
- `io_floor`: read the inputs and write a list the size of assess's (assess floor).

Before timing, the workbench's and the harness's own modules are byte-compiled: every
contender starts as a user's second run does, with Python's bytecode cache in place, and none
spends its time compiling source (which it would on every run where writing the cache is off,
as with PYTHONDONTWRITEBYTECODE).

It checks that assess and the references give the same list (with `duckdb_tuned`: the same
person_id, tier, reason codes and eligible_from on the perf council; on the synth council the
differences are counted and explained by the rules the tuned query leaves out), checks the
targets, and writes
`benchmarks/results/latest.json` and `latest.md` (`quick.*` with --quick) with the machine's
details. A contender that fails or times out is recorded with its error; the run goes on.

Run: ``python -m benchmarks.run`` (all sizes), ``--sizes 100000 --formats parquet
--councils perf``, or ``--quick`` for a small smoke run.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from benchmarks.compare import compare_lists
from benchmarks.reference_duckdb_tuned import LIST_COLUMNS as TUNED_COLUMNS
from benchmarks.reference_duckdb_tuned import differences_from

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results"

DEFAULT_SIZES = (100_000, 1_000_000, 5_000_000)
QUICK_SIZES = (20_000,)
DEFAULT_FORMATS = ("csv", "parquet")
# synth: `workbench synth`'s council; perf: issue 20's (benchmarks/perf_council.py).
COUNCILS = ("synth", "perf")
DEFAULT_SEED = 20260901
# The synthetic councils are extracts taken on 1 September 2026 (workbench synth's default).
DEFAULT_TERM_START = date(2026, 9, 1)
DEFAULT_AS_OF = date(2026, 9, 1)
# pandas needs roughly 5-10x the CSV size in memory; past this size it is skipped.
DEFAULT_PANDAS_MAX_HOUSEHOLDS = 1_000_000
DEFAULT_TIMEOUT_SECONDS = 3600
_POLL_SECONDS = 0.02
_KIB = 1024
_MIB = 1024 * 1024
_GIB = 1024 * _MIB
_LOG_TAIL_CHARACTERS = 600

# The targets, from the benchmark issues.
LOAD_MAX_RATIO_TO_BARE_READ = 3.0
ASSESS_MAX_RATIO_TO_IO_FLOOR = 2.5
PANDAS_MIN_RATIO_TO_ASSESS = 5.0
# (households up to, peak memory limit of assess in bytes)
ASSESS_MEMORY_LIMITS = ((1_000_000, 2 * _GIB), (5_000_000, 8 * _GIB))

CONTENDERS = (
    "polars_read",
    "workbench_load",
    "assess",
    "duckdb_reference",
    "duckdb_tuned",
    "pandas_reference",
    "io_floor",
)
LISTS = ("assess", "duckdb_reference", "pandas_reference", "duckdb_tuned")
# The tuned query is compared with assess only, on the columns it writes.
TUNED = "duckdb_tuned"


@dataclass
class Measurement:
    """One contender on one council: time, peak memory, and what went wrong, if anything."""

    households: int
    format: str
    contender: str
    status: str  # ok, failed, timeout or skipped
    seconds: float | None = None
    peak_mib: float | None = None
    cpu_seconds: float | None = None  # user + system, the least of the runs: less noisy
    error: str | None = None
    output: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    council: str = "synth"


@dataclass
class TargetCheck:
    households: int
    format: str
    contender: str
    target: str
    value: str
    met: bool | None  # None: could not be checked (a contender failed or was skipped)
    council: str = "synth"


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- running one process ------------------------------------------------------------------------


@dataclass(frozen=True)
class Finished:
    returncode: int | None  # None: killed at the timeout
    seconds: float
    peak_bytes: int
    cpu_seconds: float
    stdout: str
    stderr: str


def run_measured(command: list[str], logs: Path, timeout: float) -> Finished:
    """Run `command` in its own process; its wall time and peak resident memory."""
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / "stdout.txt", logs / "stderr.txt"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT)
        status, usage, timed_out = 0, None, False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                process.kill()
                _, status, usage = os.wait4(process.pid, 0)
                timed_out = True
                break
            time.sleep(_POLL_SECONDS)
        seconds = time.perf_counter() - start
    returncode = None if timed_out else os.waitstatus_to_exitcode(status)
    process.returncode = -1 if returncode is None else returncode  # reaped here, not by Popen
    peak = usage.ru_maxrss * (_KIB if sys.platform != "darwin" else 1)
    return Finished(
        returncode,
        seconds,
        peak,
        usage.ru_utime + usage.ru_stime,
        out_path.read_text(errors="replace"),
        err_path.read_text(errors="replace"),
    )


def _last_json(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def _tail(text: str) -> str:
    text = text.strip()
    return text[-_LOG_TAIL_CHARACTERS:] if text else "(no output)"


# --- the councils -------------------------------------------------------------------------------


def council_folder(households: int, seed: int, fmt: str, council: str = "synth") -> Path:
    if council == "perf":  # seeded by its size
        return CACHE / f"perf_{households}_{fmt}"
    return CACHE / f"council_{households}_seed{seed}_{fmt}"


def ensure_council(
    households: int, seed: int, fmt: str, timeout: float, council: str = "synth"
) -> tuple[Path, float]:
    """The cached council, generated the first time (`workbench synth`, or
    `benchmarks.perf_council` for the perf council)."""
    folder = council_folder(households, seed, fmt, council)
    done = folder / ".complete"
    if done.exists():
        return folder, 0.0
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    log(f"generating a {council} council of {households:,} households ({fmt}) in {folder}")
    synth = [
        workbench_command(),
        "--quiet",
        "synth",
        "--households",
        str(households),
        "--seed",
        str(seed),
        "--format",
        fmt,
        "--out",
        str(partial),
    ]
    perf = [
        sys.executable,
        "-m",
        "benchmarks.perf_council",
        str(partial),
        str(households),
        "--format",
        fmt,
    ]
    command = perf if council == "perf" else synth
    logs = CACHE / "logs" / f"{council}_{households}_{fmt}"
    finished = run_measured(command, logs, timeout)
    if finished.returncode != 0:
        raise RuntimeError(f"{council} council generation failed: {_tail(finished.stderr)}")
    partial.rename(folder)
    done.write_text(" ".join(command[1:]) + "\n")
    return folder, finished.seconds


def workbench_command() -> str:
    """The `workbench` script next to this Python (the project's virtualenv)."""
    beside = Path(sys.executable).parent / "workbench"
    return str(beside) if beside.exists() else (shutil.which("workbench") or "workbench")


# --- the contenders -----------------------------------------------------------------------------


def contender_command(
    name: str, folder: Path, out: Path, term_start: date, as_of: date, list_rows: int
) -> list[str]:
    python = sys.executable
    dates = ["--term-start", term_start.isoformat(), "--as-of", as_of.isoformat()]
    commands = {
        "polars_read": [python, "-m", "benchmarks.contenders", "polars_read", str(folder)],
        "workbench_load": [python, "-m", "benchmarks.contenders", "load", str(folder)],
        "assess": [
            workbench_command(),
            "assess",
            "--initiative",
            "two_year_old",
            "--data",
            str(folder),
            *dates,
            # The references implement the exact pass: compare like with like (the default,
            # exact then Splink, is timed by the linkage benchmark).
            "--linkage",
            "exact",
            "--out",
            str(out),
        ],
        "duckdb_reference": [
            python,
            "-m",
            "benchmarks.reference_duckdb",
            "--data",
            str(folder),
            *dates,
            "--out",
            str(out),
        ],
        "duckdb_tuned": [
            python,
            "-m",
            "benchmarks.reference_duckdb_tuned",
            "--data",
            str(folder),
            *dates,
            "--out",
            str(out),
        ],
        "pandas_reference": [
            python,
            "-m",
            "benchmarks.reference_pandas",
            "--data",
            str(folder),
            *dates,
            "--out",
            str(out),
        ],
        "io_floor": [
            python,
            "-m",
            "benchmarks.contenders",
            "io_floor",
            str(folder),
            str(out),
            str(list_rows),
        ],
    }
    return commands[name]


def output_path(work: Path, name: str, fmt: str) -> Path:
    # pandas writes CSV only (parquet would need pyarrow); the lists are small either way.
    suffix = ".csv" if name == "pandas_reference" else f".{fmt}"
    return work / f"{name}{suffix}"


def list_rows(path: Path) -> int:
    from benchmarks.compare import read_list

    return read_list(path).height


def run_council(
    households: int, fmt: str, args: argparse.Namespace, council: str = "synth"
) -> list[Measurement]:
    """Every contender on one council, each in its own process, `args.repeat` times (best
    time, largest peak kept)."""
    results = _run_council(households, fmt, args, council)
    for measurement in results:
        measurement.council = council
    return results


def _run_council(
    households: int, fmt: str, args: argparse.Namespace, council: str
) -> list[Measurement]:
    try:
        folder, generated = ensure_council(households, args.seed, fmt, args.timeout, council)
    except Exception as error:  # the whole council is lost, but not the run
        return [
            Measurement(households, fmt, name, "failed", error=f"no council: {error}")
            for name in CONTENDERS
        ]
    work = CACHE / "runs" / f"{council}_{households}_{fmt}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    skipped: dict[str, Measurement] = {}
    names = [name for name in CONTENDERS if name in args.contenders]
    for name in names:
        reason = None
        if name == "pandas_reference" and council == "perf":
            reason = (
                "skipped on the perf council: the pandas reference expects the optional "
                "columns (gross_income, ...) it does not write"
            )
        elif name == "pandas_reference" and households > args.pandas_max_households:
            reason = (
                f"skipped above {args.pandas_max_households:,} households "
                "(--pandas-max-households): pandas would need too much memory and time"
            )
        if reason:
            skipped[name] = Measurement(households, fmt, name, "skipped", error=reason)
    # Round by round, each contender once a round: a change in the machine's load falls on
    # every contender alike, rather than on all the runs of one.
    best: dict[str, Measurement] = {}
    rows_listed = 0
    for attempt in range(args.repeat):
        for name in names:
            if name in skipped or best.get(name, _OK).status != "ok":
                continue
            log(f"{households:,} {fmt} {council}: {name} (run {attempt + 1} of {args.repeat})")
            out = output_path(work, name, fmt)
            command = contender_command(
                name, folder, out, args.term_start, args.as_of, max(rows_listed, 1)
            )
            logs = work / "logs" / f"{name}_{attempt + 1}"
            current = _measurement(households, fmt, name, out, logs, command, args.timeout)
            best[name] = _better(best.get(name), current)
            if current.status == "ok" and name in LISTS and not rows_listed and current.output:
                # An unreadable list is recorded when the best run's list is read below.
                with contextlib.suppress(Exception):
                    rows_listed = list_rows(Path(current.output))
    results = [skipped[name] if name in skipped else best[name] for name in names]
    for measurement in results:
        if measurement.status == "ok" and measurement.contender in LISTS and measurement.output:
            try:
                measurement.detail["rows_listed"] = list_rows(Path(measurement.output))
            except Exception as error:  # an unreadable list is recorded, not fatal
                measurement.status = "failed"
                measurement.error = f"its list cannot be read: {error}"
        if measurement.status != "skipped":
            log(
                f"  {council} {measurement.contender}: {measurement.status} "
                f"{measurement.seconds} s, {measurement.peak_mib} MiB"
            )
    if generated:
        for measurement in results:
            measurement.detail["council_generated_seconds"] = round(generated, 2)
    return results


_OK = Measurement(0, "", "", "ok")


def _measurement(
    households: int,
    fmt: str,
    name: str,
    out: Path,
    logs: Path,
    command: list[str],
    timeout: float,
) -> Measurement:
    """One run of one contender."""
    finished = run_measured(command, logs, timeout)
    if finished.returncode is None:
        return Measurement(households, fmt, name, "timeout", error=f"killed after {timeout:.0f} s")
    if finished.returncode != 0:
        return Measurement(
            households,
            fmt,
            name,
            "failed",
            seconds=round(finished.seconds, 3),
            error=f"exit {finished.returncode}: {_tail(finished.stderr)}",
        )
    return Measurement(
        households,
        fmt,
        name,
        "ok",
        seconds=round(finished.seconds, 3),
        peak_mib=round(finished.peak_bytes / _MIB, 1),
        cpu_seconds=round(finished.cpu_seconds, 3),
        output=str(out) if out.exists() else None,
        detail=_last_json(finished.stdout),
    )


def _better(best: Measurement | None, current: Measurement) -> Measurement:
    """The best time and least CPU time of the runs so far, the largest peak; a failure
    ends the contender's runs."""
    if best is None or current.status != "ok":
        return current
    best.seconds = min(best.seconds or 0.0, current.seconds or 0.0)
    best.cpu_seconds = min(best.cpu_seconds or 0.0, current.cpu_seconds or 0.0)
    best.peak_mib = max(best.peak_mib or 0.0, current.peak_mib or 0.0)
    return best


# --- checks -------------------------------------------------------------------------------------


def compare_outputs(results: list[Measurement]) -> list[dict[str, Any]]:
    """Do assess and the references give the same list? One entry per pair compared. The
    tuned query is compared with assess only, on the columns it writes; on a council where
    they differ, the differences are counted and explained (`differences_from`)."""
    lists = {m.contender: m for m in results if m.contender in LISTS and m.output}
    checks = []
    names = [name for name in LISTS if name in lists]
    first = results[0]
    for i, left in enumerate(names):
        for right in names[i + 1 :]:
            if TUNED in (left, right) and left != "assess":
                continue
            columns = TUNED_COLUMNS if TUNED in (left, right) else None
            explained = None
            try:
                difference = compare_lists(
                    Path(lists[left].output or ""),
                    Path(lists[right].output or ""),
                    (left, right),
                    *([columns] if columns else []),
                )
                same, summary = difference.same, difference.summary()
                if columns and not same:
                    explained = differences_from(
                        Path(lists[left].output or ""), Path(lists[right].output or "")
                    )
            except Exception as error:  # recorded: a broken list must not stop the run
                same, summary = False, f"could not compare: {error}"
            checks.append(
                {
                    "households": first.households,
                    "format": first.format,
                    "council": first.council,
                    "left": left,
                    "right": right,
                    "columns": list(columns) if columns else "all the contract's",
                    "same": same,
                    "summary": summary,
                    "explained": explained,
                }
            )
    return checks


def memory_limit(households: int) -> int | None:
    for up_to, limit in ASSESS_MEMORY_LIMITS:
        if households <= up_to:
            return limit
    return None


def check_targets(results: list[Measurement]) -> list[TargetCheck]:
    """The targets for one council, each met, missed, or not checkable."""
    ok = {m.contender: m for m in results if m.status == "ok"}
    households, fmt = results[0].households, results[0].format
    checks: list[TargetCheck] = []

    def ratio_check(
        contender: str, target: str, numerator: str, denominator: str, limit: float
    ) -> None:
        if numerator in ok and denominator in ok:
            ratio = (ok[numerator].seconds or 0.0) / max(ok[denominator].seconds or 0.0, 1e-9)
            checks.append(
                TargetCheck(households, fmt, contender, target, f"{ratio:.2f}x", ratio <= limit)
            )
        else:
            checks.append(TargetCheck(households, fmt, contender, target, "n/a", None))

    ratio_check(
        "workbench_load",
        f"load within {LOAD_MAX_RATIO_TO_BARE_READ:g}x of bare polars read",
        "workbench_load",
        "polars_read",
        LOAD_MAX_RATIO_TO_BARE_READ,
    )
    ratio_check(
        "assess",
        f"assess within {ASSESS_MAX_RATIO_TO_IO_FLOOR:g}x of the I/O floor",
        "assess",
        "io_floor",
        ASSESS_MAX_RATIO_TO_IO_FLOOR,
    )
    ratio_check("assess", "assess no slower than DuckDB", "assess", "duckdb_reference", 1.0)
    ratio_check("assess", "assess no slower than the tuned DuckDB query", "assess", TUNED, 1.0)
    # Shown as a speed-up (pandas seconds / assess seconds), which must reach the target.
    if "assess" in ok and "pandas_reference" in ok:
        speedup = (ok["pandas_reference"].seconds or 0.0) / max(ok["assess"].seconds or 0.0, 1e-9)
        checks.append(
            TargetCheck(
                households,
                fmt,
                "assess",
                f"assess at least {PANDAS_MIN_RATIO_TO_ASSESS:g}x faster than pandas",
                f"{speedup:.2f}x faster",
                speedup >= PANDAS_MIN_RATIO_TO_ASSESS,
            )
        )
    else:
        checks.append(
            TargetCheck(
                households,
                fmt,
                "assess",
                f"assess at least {PANDAS_MIN_RATIO_TO_ASSESS:g}x faster than pandas",
                "n/a",
                None,
            )
        )
    limit = memory_limit(households)
    if limit is not None:
        target = f"assess peak memory under {limit / _GIB:g} GiB"
        if "assess" in ok:
            peak = ok["assess"].peak_mib or 0.0
            checks.append(
                TargetCheck(
                    households, fmt, "assess", target, f"{peak:.0f} MiB", peak * _MIB < limit
                )
            )
        else:
            checks.append(TargetCheck(households, fmt, "assess", target, "n/a", None))
    for check in checks:
        check.council = results[0].council
    return checks


# --- the machine --------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_bytes() -> int | None:
    try:
        import psutil

        return int(psutil.virtual_memory().total)
    except ImportError:
        return None


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _git_commit() -> str | None:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return found.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def _uncommitted_code() -> list[str]:
    """The package's files that differ from the commit (the run measures the working tree)."""
    try:
        found = subprocess.run(
            ["git", "status", "--porcelain", "--", "workbench"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return []
    return [line[3:] for line in found.stdout.splitlines() if line.strip()]


def machine() -> dict[str, Any]:
    memory = _memory_bytes()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "memory_gib": round(memory / _GIB, 1) if memory else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            name: _version(name)
            for name in ("eligibility-workbench", "polars", "duckdb", "pandas", "numpy")
        },
        "git_commit": _git_commit(),
        "uncommitted_code": _uncommitted_code(),
    }


# --- writing the results ------------------------------------------------------------------------


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _met(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "n/a"}[value]


def _council_of(row: dict[str, Any]) -> str:
    return row.get("council", "synth")  # results written before there were two councils


def machine_sentence(m: dict[str, Any]) -> str:
    """ "Run <date> on <cpu>, ...; commit <sha>." for a results file, from `machine()`."""
    uncommitted = m.get("uncommitted_code")
    return (
        f"Run {m['date']} on {m['cpu']}, {m['logical_cores']} logical cores, "
        f"{m['memory_gib']} GiB memory; {m['os']}; Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + (f"; commit {m['git_commit']}" if m["git_commit"] else "")
        + (f" with uncommitted changes to {', '.join(uncommitted)}" if uncommitted else "")
        + "."
    )


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    load = report.get("load_average") or {}
    lines = [
        f"# Benchmark results{' (quick smoke run)' if report['quick'] else ''}",
        "",
        machine_sentence(m),
        "",
        "Councils: `synth` from `workbench synth --seed "
        f"{report['seed']}` (every table); `perf` from `benchmarks/perf_council.py` (issue "
        "20's: people and benefits only, about 3.6 people a household against synth's 2.4). "
        f"Assess for term start {report['term_start']}, as of {report['as_of']}. Seconds are "
        "wall-clock for the whole process (interpreter start included), best of "
        f"{report['repeat']}, the contenders taking turns (one run of each a round); CPU "
        "s is the process's user + system time (least of the runs), less sensitive than "
        "wall-clock to other work on the machine; peak MiB is the process's maximum resident "
        "memory. The floor of workbench_load is polars_read; of assess and the references, "
        "io_floor.",
    ]
    if load:
        lines += [
            "",
            f"Load average (1, 5, 15 min) at the start {load.get('start')}, at the end "
            f"{load.get('end')}: the machine is shared, and timings are noisy.",
        ]
    by_key = {
        (r["households"], r["format"], _council_of(r), r["contender"]): r
        for r in report["measurements"]
    }
    tuned_rows = []
    for (households, fmt, council, contender), r in by_key.items():
        if contender != "assess":
            continue
        tuned = by_key.get((households, fmt, council, "duckdb_tuned"))
        if tuned is None:
            continue
        ratio = ""
        if r["status"] == "ok" and tuned["status"] == "ok" and r["seconds"] and tuned["seconds"]:
            ratio = f"{r['seconds'] / tuned['seconds']:.2f}"
        cpu_ratio = ""
        if ratio and r.get("cpu_seconds") and tuned.get("cpu_seconds"):
            cpu_ratio = f"{r['cpu_seconds'] / tuned['cpu_seconds']:.2f}"
        limit = memory_limit(households)
        peak_met = ""
        if limit is not None and r["peak_mib"] is not None:
            peak_met = _met(r["peak_mib"] * _MIB < limit)
        tuned_rows.append(
            f"| {households:,} | {fmt} | {council} | {_cell(r['seconds'])} | "
            f"{_cell(tuned['seconds'])} | {ratio} | "
            f"{_met(bool(ratio) and float(ratio) <= 1.0) if ratio else 'n/a'} | "
            f"{_cell(r.get('cpu_seconds'))} | {_cell(tuned.get('cpu_seconds'))} | {cpu_ratio} | "
            f"{_cell(r['peak_mib'])} | {_cell(tuned['peak_mib'])} | {peak_met} |"
        )
    if tuned_rows:
        lines += [
            "",
            "## assess against the tuned DuckDB query (issue 20)",
            "",
            "Target: assess seconds / duckdb_tuned seconds <= 1.0; assess peak under 2 GiB "
            "at 1M households, 8 GiB at 5M. Both keep the machine's cores busy, so the CPU "
            "seconds' ratio (user + system, the least of the runs) is the steadier figure on a "
            "shared machine: wall-clock follows it when the machine is quiet.",
            "",
            "| households | format | council | assess s | duckdb_tuned s | ratio | ratio met "
            "| assess CPU s | duckdb_tuned CPU s | CPU ratio | assess peak MiB "
            "| duckdb_tuned peak MiB | peak met |",
            "|---:|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|",
            *tuned_rows,
        ]
    lines += [
        "",
        "## Every contender",
        "",
        "| households | format | council | contender | status | seconds | CPU s | peak MiB "
        "| ratio to floor | target met |",
        "|---:|---|---|---|---|---:|---:|---:|---:|---|",
    ]
    targets: dict[tuple[int, str, str, str], list[bool | None]] = {}
    for check in report["targets"]:
        key = (check["households"], check["format"], _council_of(check), check["contender"])
        targets.setdefault(key, []).append(check["met"])
    floors = {"workbench_load": "polars_read"} | {
        name: "io_floor"
        for name in ("assess", "duckdb_reference", "duckdb_tuned", "pandas_reference")
    }
    for r in report["measurements"]:
        council = _council_of(r)
        floor = by_key.get((r["households"], r["format"], council, floors.get(r["contender"], "")))
        ratio = ""
        if floor and floor["seconds"] and r["seconds"] and r["status"] == "ok":
            ratio = f"{r['seconds'] / floor['seconds']:.2f}x"
        met = targets.get((r["households"], r["format"], council, r["contender"]))
        met_text = "" if not met else _met(None if None in met else all(met))
        lines.append(
            f"| {r['households']:,} | {r['format']} | {council} | {r['contender']} | "
            f"{r['status']} | {_cell(r['seconds'])} | {_cell(r.get('cpu_seconds'))} | "
            f"{_cell(r['peak_mib'])} | {ratio} | "
            f"{met_text} |"
        )
    lines += ["", "## Targets", "", "| households | format | council | target | value | met |"]
    lines.append("|---:|---|---|---|---:|---|")
    for c in report["targets"]:
        lines.append(
            f"| {c['households']:,} | {c['format']} | {_council_of(c)} | {c['target']} | "
            f"{c['value']} | {_met(c['met'])} |"
        )
    lines += [
        "",
        "## Same list?",
        "",
        "The tuned DuckDB query is compared with assess on person_id, tier, reason codes and "
        "eligible_from (the columns it writes); the others on every column of the contract's "
        "list.",
        "",
    ]
    for c in report["comparisons"]:
        lines.append(
            f"- {c['households']:,} {c['format']} {_council_of(c)}: "
            f"{'yes' if c['same'] else 'NO'}: {c['summary']}"
        )
        explained = c.get("explained")
        if explained:
            codes = ", ".join(
                f"{code} {count}"
                for code, count in explained["explained_by_uncovered_reason"].items()
            )
            lines.append(
                f"  - why: {explained['dwp_rows_matched_to_no_one']} of assess's rows are "
                "DWP-list rows matched to no one (the tuned query reads no DWP list); "
                f"{explained['children_listed_differently']} children are listed differently, "
                "explained by a rule the tuned query leaves out (children per reason code: "
                f"{codes or 'none'}); unexplained: {explained['unexplained']}"
                + (
                    f", e.g. {explained['unexplained_examples']}"
                    if explained["unexplained"]
                    else ""
                )
                + "."
            )
    problems = [r for r in report["measurements"] if r["error"]]
    if problems:
        lines += ["", "## Failures and skips", ""]
        for r in problems:
            error = " ".join(r["error"].split())
            lines.append(
                f"- {r['households']:,} {r['format']} {_council_of(r)} {r['contender']}: {error}"
            )
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], name: str) -> tuple[Path, Path]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    json_path, md_path = RESULTS / f"{name}.json", RESULTS / f"{name}.md"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    md_path.write_text(markdown(report))
    return json_path, md_path


# --- the command --------------------------------------------------------------------------------


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--sizes", type=_numbers, default=None, help="households, e.g. 100000")
    parser.add_argument("--formats", type=_names, default=DEFAULT_FORMATS, help="csv,parquet")
    parser.add_argument("--quick", action="store_true", help="a 20,000-household smoke run")
    parser.add_argument("--contenders", type=_names, default=CONTENDERS)
    parser.add_argument("--councils", type=_names, default=COUNCILS, help="synth,perf")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--term-start", type=date.fromisoformat, default=DEFAULT_TERM_START)
    parser.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF)
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender (best kept)")
    parser.add_argument("--pandas-max-households", type=int, default=DEFAULT_PANDAS_MAX_HOUSEHOLDS)
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, help="seconds per process"
    )
    parser.add_argument("--name", default=None, help="results file name (default: latest)")
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = QUICK_SIZES if args.quick else DEFAULT_SIZES
    unknown = sorted(set(args.contenders) - set(CONTENDERS))
    if unknown:
        parser.error(f"unknown contenders {unknown}: choose from {', '.join(CONTENDERS)}")
    unknown = sorted(set(args.councils) - set(COUNCILS))
    if unknown:
        parser.error(f"unknown councils {unknown}: choose from {', '.join(COUNCILS)}")
    if args.name is None:
        args.name = "quick" if args.quick else "latest"
    return args


def compile_sources() -> None:
    """Byte-compile the workbench and the benchmarks (the contenders' own code), so that no
    contender's time includes compiling source; `compileall` writes the cache even where
    Python is told not to (PYTHONDONTWRITEBYTECODE)."""
    for package in ("workbench", "benchmarks"):
        if not compileall.compile_dir(ROOT / package, quiet=1):
            raise RuntimeError(f"byte-compiling {package} failed")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_arguments(argv)
    compile_sources()
    measurements: list[Measurement] = []
    targets: list[TargetCheck] = []
    comparisons: list[dict[str, Any]] = []
    load_before = _load_average()
    for households in args.sizes:
        for fmt in args.formats:
            for council in args.councils:
                results = run_council(households, fmt, args, council)
                if not results:
                    continue
                measurements += results
                targets += check_targets(results)
                comparisons += compare_outputs(results)
    report = {
        "quick": args.quick,
        "seed": args.seed,
        "term_start": args.term_start.isoformat(),
        "as_of": args.as_of.isoformat(),
        "repeat": args.repeat,
        "machine": machine(),
        # Other work on the machine makes timings noisy: its load average (1, 5, 15 minutes)
        # when the run started and ended.
        "load_average": {"start": load_before, "end": _load_average()},
        "councils": list(args.councils),
        "measurements": [asdict(m) for m in measurements],
        "targets": [asdict(t) for t in targets],
        "comparisons": comparisons,
    }
    json_path, md_path = write_report(report, args.name)
    log(f"results written to {json_path} and {md_path}")
    return report


if __name__ == "__main__":
    main()
