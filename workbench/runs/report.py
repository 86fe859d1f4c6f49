"""`workbench report`: run a parameterised notebook with papermill into a report folder.

A report run executes one notebook from `notebooks/` (the first code cell tagged `parameters`
holds its defaults) with the data folder and parameters given, and writes:

    reports/<YYYY-MM-DD>-<notebook>[-<initiative>][-<term start>]-<run id>/
      notebook.ipynb   the executed notebook: the record, with the injected parameters
      report.html      the rendering for the council's officers: code hidden, nothing loaded
                       from the network; it names no one, but is not disclosure-controlled
                       throughout (exact rows read per file, warnings' counts), so only
                       shareable/ may leave the council's restricted area
      manifest.json    inputs' SHA-256, parameters, rule set, versions, commit, times, status,
                       the SHA-256 of every file above and below (`outputs`)
                       (and, for tables read from a database, the rows' SHA-256; for a
                       notebook that makes a list, the warnings `assess --strict` fails
                       on, and how many notes beside: these may name records, so they are
                       printed on stderr only)
      shareable/       aggregates that passed disclosure control
      restricted/      anything about individuals (folder 0700, files 0600)

A notebook given what was assessed already (05's `run`, 03's `list_file`) is named by that
run's or list's initiative and term, from its manifest, and its manifest records that run's or
list's initiative, dates, rule set and rule file (`workbench.runs.parameters.identify`). Dates
that are probably not what was meant (evidence from a day still to come) are warned of before
a kernel starts (`workbench.runs.parameters.date_warnings`), with the list's warnings. The
kernel is told it runs under the runner (`WORKBENCH_REPORT_RUN`); a notebook run by papermill
directly says at its top that nothing checked it. The notebook is given `data` and
`output_dir` as parameters and writes into
`output_dir/shareable` and `output_dir/restricted`. The run id comes from what decides the
output (the data folder's canonical files, the notebook, the parameters and the bytes of any
file they name, such as a ward lookup, the rule set and the package version), so the same
inputs give the same folder name, byte-identical tables and a manifest that differs only in
its times and the SHA-256 of the executed notebook (which records when each cell ran).

A run is written into a hidden `.<name>.partial` folder and renamed into place only when the
notebook ran to the end. A failed run becomes `<name>-failed/` with its partial output kept
for diagnosis (its `shareable/` renamed `NOT_PUBLISHED`) and `status: failed` in its manifest;
the last good report is never touched.

A rerun of exactly the same inputs (the same folder name) replaces the earlier run, or its
earlier `-failed` folder, and loses nothing (`workbench.runs.rerun`): the earlier folder is
deleted only when it holds just the files its run wrote, as the run wrote them; a file added
or edited since keeps it whole as `<name>-replaced-<UTC time>/`, and `ReportRun.kept_note` (or
the failure's message) says so in one line naming those files. A run killed outright (SIGKILL)
leaves its hidden `.partial` folder; the next run of the same folder name clears it, and
`workbench assure` names it as an unfinished run.

Finding notebooks, checking parameters and the run identity are in
`workbench.runs.parameters`; the HTML rendering in `workbench.runs.html`. The helpers the
notebooks call (`run_folders`, `data_profile`, `readable`) are in `workbench.runs.notebook`.

Example
-------
>>> run = run_report("02_eligibility_list", data=Path("data_samples/council_small"),
...                  parameters={"term_start": "2026-09-01"})  # doctest: +SKIP
>>> run.html  # doctest: +SKIP
PosixPath('reports/2026-09-01-02_eligibility_list-r-0123456789ab/report.html')
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import papermill
from filelock import FileLock, Timeout
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import DeadKernelError
from papermill.exceptions import PapermillExecutionError
from traitlets import default

from workbench import __version__, progress
from workbench.errors import DataFileError, UsageError, WorkbenchError
from workbench.governance.access import STORE_ENV
from workbench.paths import project_path
from workbench.provenance import environment, file_sha256, git_commit
from workbench.review.keys import KEY_FILE_ENV
from workbench.runs import parameters as run_parameters
from workbench.runs.html import render_html
from workbench.runs.list_warnings import ListWarnings, take_over
from workbench.runs.notebook import RUNNER_VARIABLE
from workbench.runs.parameters import (
    RunIdentity,
    assessed,
    check_kernel,
    date_warnings,
    identify,
    notebook_language,
    resolve_notebook,
    secret_files,
    store_parameters,
)
from workbench.runs.rerun import NOT_PUBLISHED_REPLACED, not_as_written, replaced_name

__all__ = [
    "PATH_VARIABLES",
    "RENDERED",
    "RESTRICTED",
    "SHAREABLE",
    "LocalKernelManager",
    "ReportFailed",
    "ReportRun",
    "run_report",
]

SHAREABLE = "shareable"
NOT_PUBLISHED = "shareable-of-a-failed-run"
"""What a failed run's `shareable/` becomes: its tables are not to be published."""
RESTRICTED = "restricted"
# What the runner writes beside them, hashed with them in the manifest's `outputs`.
RENDERED = ("notebook.ipynb", "report.html")
_PRIVATE_DIR = 0o700
_PRIVATE_FILE = 0o600


@dataclass(frozen=True)
class ReportRun:
    """Where a report run went: its folder, HTML rendering and manifest, and whether it ran."""

    run_dir: Path
    html: Path | None
    manifest: Path
    ok: bool
    warnings: ListWarnings | None = None
    kept: Path | None = None
    """Where the earlier run of the same inputs was kept, when it held files its run did not
    write as it wrote them (`<name>-replaced-<UTC time>`); None when it was replaced."""
    kept_note: str | None = None
    """One line saying so, naming those files and why (for the command's output)."""


def _label(parameters: Mapping[str, object], files: Mapping[str, Path] | None = None) -> str:
    """What a run is of, for its folder's name: `-two_year_old-2026-09-01` from its initiative
    (a rule file's by its name) and term start, when the notebook takes them; '' otherwise.
    Three runs of one notebook for three offers are told apart without opening a manifest.

    A notebook pointed at what was assessed already (05's `run`, 03's `list_file`) is named
    from that run's or list's manifest (`workbench.runs.parameters.assessed`, the reader its
    run's manifest takes them from too): its own initiative and term are then unused defaults.
    """
    given_to = assessed(files or {})
    if given_to is not None:
        parameters = given_to.parameters
    parts = []
    initiative = str(parameters.get("initiative") or "").strip()
    if initiative:
        is_file = initiative.endswith((".yaml", ".yml"))
        parts.append(Path(initiative).stem if is_file else initiative)
    term = str(parameters.get("term_start") or "").strip()
    if term:
        parts.append(term)
    return "".join(f"-{re.sub(r'[^A-Za-z0-9_.-]', '_', part)}" for part in parts)


class ReportFailed(WorkbenchError):
    """A notebook stopped with an error; `run` is the kept `-failed` folder. `bad_input`:
    it stopped on the data, a profile or a rule file (an error naming the file), not on the
    notebook itself: `workbench report` exits 1 for it, as the other commands do."""

    def __init__(self, message: str, run: ReportRun, *, bad_input: bool = False) -> None:
        self.run = run
        self.bad_input = bad_input
        # An earlier failed run of the same inputs kept (`ReportRun.kept_note`) is said too.
        super().__init__(f"{message} {run.kept_note}" if run.kept_note else message)


# The errors a notebook stops with that are about its input, not the notebook.
BAD_INPUT_ERRORS = frozenset({"DataFileError", "ProfileError", "RuleFileError"})


# --- the run folder ----------------------------------------------------------------------------


class LocalKernelManager(AsyncKernelManager):
    """The notebook's kernel reached over local sockets in Jupyter's owner-only runtime folder
    (IPC), not TCP: nothing listens on the network, and ipykernel has no unencrypted-transport
    warning to print into a scheduled run's log.

    Asynchronous, as nbclient's own default is: with the blocking manager, nbclient's wait for
    output blocks its event loop, so its once-a-second check that the kernel is alive never
    runs and a kernel killed mid-run (out of memory, SIGKILL) hangs the run for ever."""

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"

    async def _async_interrupt_kernel(self) -> None:
        """No interrupt at shutdown: jupyter_client sends one before the shutdown request, and
        a kernel it reaches between two messages logs "[IPKernelApp] ERROR | KeyboardInterrupt
        caught in kernel" on the runner's stderr (a scheduled run's log said so of a good
        run). The shutdown request, then SIGTERM and SIGKILL, still stop it."""
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()


def _without_kernel_died(record: logging.LogRecord) -> bool:
    """nbclient logs a dead kernel through papermill's logger before raising; the run's own
    one-line failure says it (and where the run is kept), so the log line is not printed too."""
    return not record.getMessage().startswith("Kernel died")


logging.getLogger("papermill").addFilter(_without_kernel_died)


@contextmanager
def _only_run(final: Path) -> Iterator[None]:
    """Hold the lock on one report folder name for the run, or stop: a second run of exactly
    the same inputs (a scheduled run overlapping a manual one) would clear the first one's
    half-written `.partial` folder. The operating system drops the lock of a killed process,
    so a crashed run leaves nothing stale; the lock file is removed at the end."""
    path = final.with_name(f".{final.name}.lock")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(path, timeout=0)
        lock.acquire()
    except Timeout:
        raise UsageError(
            f"{final} is being written now by another run of exactly these inputs (the same "
            "notebook, data and parameters, today); this run stopped and changed nothing. Its "
            "report will be there when that run ends."
        ) from None
    except OSError as error:
        raise _unwritable(final.parent, error) from None
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        lock.release()


# The environment variables naming a file the kernel reads: the review store (notebook 03's
# default store is the command line's, `workbench.governance.access.default_store`) and the
# pseudonym key file (`workbench.review.keys.load_key`).
PATH_VARIABLES = (STORE_ENV, KEY_FILE_ENV)


@contextmanager
def _paths_from_here() -> Iterator[None]:
    """`PATH_VARIABLES` as absolute paths while a notebook runs: its kernel runs in the run
    folder, where a relative one (``review.sqlite``, ``keys/pseudonym.key``, meant from where
    the run was started) would be a new store, or a new key, inside the run."""
    earlier = {name: os.environ.get(name) for name in PATH_VARIABLES}
    for name, configured in earlier.items():
        if configured and not Path(configured).is_absolute():
            os.environ[name] = str(Path(configured).absolute())
    try:
        yield
    finally:
        for name, configured in earlier.items():
            if configured is not None:
                os.environ[name] = configured


def _unwritable(reports: Path, error: OSError, partial: Path | None = None) -> WorkbenchError:
    """A one-line error for a reports folder that cannot be written (no permission, no space).
    A half-written run folder is removed (`partial`): it could not be kept as a failed run,
    and it may hold lists about children no one would look for in a hidden folder."""
    removed = ""
    if partial is not None and partial.exists():
        shutil.rmtree(partial, ignore_errors=True)
        removed = "; the half-written run was removed"
    return WorkbenchError(
        f"{reports}: cannot write the report there ({error.strerror or error}"
        f"{f': {error.filename}' if error.filename else ''}){removed}; the last good report "
        "is untouched"
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _fresh(path: Path) -> Path:
    """`path`, emptied of anything a crashed or failed earlier run left there."""
    if path.exists():
        shutil.rmtree(path)
    return path


def _prepare(partial: Path) -> None:
    partial.mkdir(parents=True)
    (partial / SHAREABLE).mkdir()
    (partial / RESTRICTED).mkdir(mode=_PRIVATE_DIR)
    (partial / RESTRICTED).chmod(_PRIVATE_DIR)  # mkdir's mode is masked by the umask


def _lock_restricted(folder: Path) -> None:
    """Whatever a notebook wrote about individuals: owner-only, however it was written."""
    for path in sorted(folder.rglob("*")):
        path.chmod(_PRIVATE_DIR if path.is_dir() else _PRIVATE_FILE)
    folder.chmod(_PRIVATE_DIR)


def _output_hashes(run_dir: Path) -> dict[str, str]:
    """SHA-256 of every file the notebook wrote and of the executed notebook and its HTML, by
    path inside the run folder (`workbench assure` compares them with the files)."""
    rendered = [run_dir / name for name in RENDERED]
    written = [
        path
        for part in (SHAREABLE, RESTRICTED, NOT_PUBLISHED)
        for path in sorted((run_dir / part).rglob("*"))
    ]
    return {
        path.relative_to(run_dir).as_posix(): file_sha256(path)
        for path in [*rendered, *written]
        if path.is_file()
    }


def _databases_read(run_dir: Path) -> dict[str, object]:
    """What the notebook read from a database, gathered from the manifests it wrote (a list's,
    the stats'): per table, the connection's name, the query's and the rows' SHA-256. The run
    id is made before the notebook runs, from the query text alone; this is the record of the
    rows themselves. A table read twice with different rows lists both records."""
    found: dict[str, list[object]] = {}
    for path in sorted(run_dir.rglob("*manifest*.json")):
        try:
            block = json.loads(path.read_text(encoding="utf-8")).get("database")
        except (OSError, ValueError, AttributeError):
            continue
        for table, read in (block or {}).items() if isinstance(block, dict) else ():
            seen = found.setdefault(table, [])
            if read not in seen:
                seen.append(read)
    return {table: reads[0] if len(reads) == 1 else reads for table, reads in found.items()}


def _write_manifest(path: Path, record: Mapping[str, object]) -> Path:
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


MAX_NAMED = 5  # files named in the line that says an earlier run was kept


def _install(
    partial: Path, final: Path, *, now: datetime | None = None
) -> tuple[Path | None, str | None]:
    """Rename a finished (or failed) run into place as `final`, replacing an earlier run of
    exactly the same inputs and losing nothing: the earlier folder is deleted when it holds
    only its run's files as the run wrote them (`workbench.runs.rerun.not_as_written`), else
    kept whole as `<name>-replaced-<UTC time>`. Where it was kept (None when it was deleted or
    there was none) and one line saying so, naming the files it was kept for."""
    if not (final.exists() or final.is_symlink()):
        partial.rename(final)
        return None, None
    found = not_as_written(final)
    if not found:
        previous = _fresh(final.with_name(f".{final.name}.previous"))
        final.rename(previous)
        partial.rename(final)
        shutil.rmtree(previous)
        return None, None
    kept = replaced_name(final, now or datetime.now(UTC))
    final.rename(kept)
    partial.rename(final)
    renamed = ""
    if (kept / SHAREABLE).is_dir() and not (kept / SHAREABLE).is_symlink():
        # Nothing is published from it: a table there may have been edited, and the rerun's
        # shareable/ supersedes it (`workbench assure` reads it as the run's shareable/).
        (kept / SHAREABLE).rename(kept / NOT_PUBLISHED_REPLACED)
        renamed = f" (its {SHAREABLE}/ renamed {NOT_PUBLISHED_REPLACED}/: publish nothing from it)"
    named = [f"{name} ({why})" for name, why in list(found.items())[:MAX_NAMED]]
    if len(found) > MAX_NAMED:
        named.append(f"and {len(found) - MAX_NAMED} more")
    return kept, (
        f"The earlier run of these inputs was not deleted: it held files its run did not write "
        f"as it wrote them ({'; '.join(named)}), so it is kept whole as {kept}{renamed}."
    )


class Stopped(Exception):
    """A run stopped from outside (SIGINT or SIGTERM), as its manifest records it."""


STOPPED = "interrupted or terminated (SIGINT or SIGTERM) before it finished"


def _kept(failed: Path) -> str:
    return f"Partial output kept in {failed}; the last good report is untouched."


def _keep_failed(
    partial: Path, failed: Path, record: dict[str, object], error: Exception
) -> ReportRun:
    """Mark a stopped run failed and move it aside as `<name>-failed/`, output kept as it was
    (an earlier failed run of the same inputs replaced, or kept as `_install` says)."""
    _lock_restricted(partial / RESTRICTED)
    # A failed run's tables are not published: a dashboard taking */shareable/*.csv took a
    # failed run's too, as if ready (a tester's case). Kept for diagnosis under another name.
    if (partial / SHAREABLE).is_dir():
        (partial / SHAREABLE).rename(partial / NOT_PUBLISHED)
    html = _failed_html(partial)
    index = getattr(error, "cell_index", None)
    record |= {
        "status": "failed",
        "error": {
            # counted from 1 in the executed notebook, as the error message says
            "cell": None if index is None else index + 1,
            "execution_count": getattr(error, "exec_count", None),
            "ename": getattr(error, "ename", type(error).__name__),
            "evalue": getattr(error, "evalue", str(error)),
        },
        "outputs": _output_hashes(partial),
        "finished_at": _now(),
    }
    _write_manifest(partial / "manifest.json", record)
    kept, note = _install(partial, failed)
    return ReportRun(
        run_dir=failed,
        html=failed / html.name if html else None,
        manifest=failed / "manifest.json",
        ok=False,
        kept=kept,
        kept_note=note,
    )


def _failed_html(partial: Path) -> Path | None:
    """The HTML of a stopped run, showing the error where it happened, when it can be made."""
    executed, html = partial / "notebook.ipynb", partial / "report.html"
    if html.exists() or not executed.exists():
        return html if html.exists() else None
    try:
        return render_html(executed, html)
    except (WorkbenchError, ValueError):
        return None


def _failure_message(name: str, error: PapermillExecutionError, failed: Path) -> str:
    first_line = next((line for line in error.source.splitlines() if line.strip()), "")
    return (
        f"Notebook {name} failed at cell In [{error.exec_count}] (cell {error.cell_index + 1} "
        f"of the executed notebook, starting {first_line.strip()!r}) with "
        f"{error.ename}: {error.evalue}. {_kept(failed)} "
        f"Open {failed / 'notebook.ipynb'} to see the error in place."
    )


def _steady_injected_id(executed: Path, partial: Path, final: Path) -> None:
    """Give the cell papermill injects the parameters in a fixed id in place of its random
    one, so that the same inputs render a byte-identical report.html; and name the run folder
    the run is kept in where the notebook was given (or printed) the hidden `.partial` folder
    it ran in, which is gone once the run is in place."""
    notebook = nbformat.read(executed, as_version=4)
    for cell in notebook.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
    nbformat.write(notebook, executed)
    text = executed.read_text(encoding="utf-8")
    ran_in, kept_in = str(partial.resolve()), str(final.resolve())
    if ran_in in text:
        executed.write_text(text.replace(ran_in, kept_in), encoding="utf-8")


def _joined(before: ListWarnings, handed: ListWarnings | None) -> ListWarnings | None:
    """The runner's own warnings, then those the notebook handed over; None when there are
    neither (a notebook that makes no list, on dates that warn of nothing)."""
    if handed is None:
        return before if before.sentences else None
    return ListWarnings(
        serious=(*before.serious, *handed.serious), notes=(*before.notes, *handed.notes)
    )


@contextmanager
def _runner_said(rid: str) -> Iterator[None]:
    """Tell the kernel (it inherits the runner's environment) that `workbench report` runs
    it, for the duration of the run: a notebook run without it (papermill used directly) says
    so at its top (`workbench.runs.notebook.run_folders`), as its parameters went unchecked."""
    earlier = os.environ.get(RUNNER_VARIABLE)
    os.environ[RUNNER_VARIABLE] = rid
    try:
        yield
    finally:
        if earlier is None:
            os.environ.pop(RUNNER_VARIABLE, None)
        else:
            os.environ[RUNNER_VARIABLE] = earlier


def _dead_kernel_message(name: str, failed: Path) -> str:
    return (
        f"Notebook {name} stopped: its kernel died (killed from outside the run, most "
        f"often by the system for want of memory; the machine's log says which). {_kept(failed)}"
    )


def run_report(
    notebook: str | Path,
    *,
    data: str | Path,
    parameters: Mapping[str, object],
    reports: str | Path = Path("reports"),
    kernel: str = "python3",
    before_writing: Callable[[], None] | None = None,
) -> ReportRun:
    """Run a notebook with papermill into a run folder under `reports/`.

    Parameters
    ----------
    notebook
        A notebook name from `notebooks/` (`02_eligibility_list`) or a path to an .ipynb file.
    data
        The data folder; the notebook gets it as its `data` parameter.
    parameters
        Values for the notebook's other parameters, checked against its parameters cell
        (text from the command line is turned into the declared int, float or bool).
    reports
        Where run folders are written.
    kernel
        The Jupyter kernel to run the notebook in.
    before_writing
        Called once every check has passed (the notebook, kernel and parameters, another run
        of the same inputs under way) and before the run writes anything of its own:
        `workbench report` writes its access-log line there, so that a run refused writes no
        line, and makes no key file or review store with it. The data's files have been
        hashed for the run id by then (their bytes, not what they say).

    Returns
    -------
    ReportRun
        The run folder, its HTML rendering and manifest; `ok` is True.

    Raises
    ------
    UsageError
        Unknown notebook or parameter, or a value of the wrong type; nothing is written and
        `before_writing` is not called.
    ReportFailed
        The notebook stopped with an error; the message names the cell, and the run is kept
        as `<name>-failed/` with `status: failed` in its manifest.
    """
    started_at = _now()
    data = project_path(data)  # as `workbench.load` finds it: working directory, project root
    source = resolve_notebook(notebook)
    name = source.stem
    check_kernel(kernel)
    identity = identify(source, data, parameters, kernel)
    rid = identity.run_id
    day = datetime.now(UTC).date().isoformat()
    folder_name = f"{day}-{name}{_label(identity.parameters, identity.files)}-{rid}"
    final = Path(reports) / folder_name
    # Dates that are probably not what was meant (evidence from a day still to come), said
    # before a kernel starts; a notebook given a run or list reports on that one's own dates.
    before = ListWarnings()
    if assessed(identity.files) is None:
        today = run_parameters.clock_today()  # the clock `as_of=today` was worked out on
        before = ListWarnings(*date_warnings(identity.parameters, today=today))
    with _only_run(final):
        if before_writing is not None:
            before_writing()
        return _run(source, data, parameters, kernel, identity, final, started_at, before)


def _run(
    source: Path,
    data: str | Path,
    parameters: Mapping[str, object],
    kernel: str,
    identity: RunIdentity,
    final: Path,
    started_at: str,
    before: ListWarnings,
) -> ReportRun:
    """The run itself, holding the lock on `final`: notebook into `.partial`, then into place.
    `before`: what the runner warned of before the kernel started (`date_warnings`)."""
    name, rid = source.stem, identity.run_id
    try:
        partial = _fresh(final.with_name(f".{final.name}.partial"))
        _prepare(partial)
    except OSError as error:
        raise _unwritable(final.parent, error) from None
    record: dict[str, object] = {
        "run_id": rid,
        "notebook": {"name": name, "sha256": identity.notebook_sha256},
        "data": str(data),
        "inputs": identity.inputs,
        "parameters": identity.parameters,
        "rule_set": identity.rule_set,
        "package_version": __version__,
        # Uncommitted changes to the package (their digest; null when none): in the run id.
        "code_changes": identity.code_changes,
        "git_commit": git_commit(Path(__file__).parent),
        "environment": environment(),
        "started_at": started_at,
    }
    if before.sentences:  # recorded in a failed run's manifest too
        record["warnings"] = {"serious": list(before.serious), "notes": len(before.notes)}
    executed = partial / "notebook.ipynb"
    # The notebook runs inside the run folder: the files hashed are handed to it by absolute
    # path, so a relative path reads the very file that went into the run id.
    injected = {
        **identity.parameters,
        **{name: str(path) for name, path in identity.files.items()},
        **{name: ",".join(map(str, paths)) for name, paths in identity.file_lists.items()},
        **{n: str(path) for n, path in store_parameters(identity.parameters).items()},
        **{n: str(path) for n, path in secret_files(identity.parameters).items()},
        "data": str(Path(data).resolve()),
        "output_dir": str(partial.resolve()),
    }
    try:
        with (
            progress.step(f"Running notebook {name} ({rid})"),
            _paths_from_here(),
            _runner_said(rid),
        ):
            papermill.execute_notebook(
                str(source),
                str(executed),
                parameters=injected,
                kernel_name=kernel,
                language=notebook_language(nbformat.read(source, as_version=4)),
                cwd=str(partial),
                progress_bar=False,
                log_output=False,
                kernel_manager_class=LocalKernelManager,
            )
        _steady_injected_id(executed, partial, final)
        # Only what the run started from: a store the notebook created (03's `store`) was
        # not an input.
        after = identify(source, data, parameters, kernel).inputs
        if any(after.get(name) != digest for name, digest in identity.inputs.items()):
            raise DataFileError(
                data,
                "changed while the notebook ran (a file's SHA-256 differs from the run's "
                "start), so the report could not say which data it came from; run it again "
                "once the extract is in place",
            )
        render_html(executed, partial / "report.html")
    except BaseException as error:
        # Ctrl-C, or SIGTERM as `workbench report` turns it into one (a service stopped): the
        # run is kept as failed too, never left as the hidden `.partial` folder.
        stopped = isinstance(error, KeyboardInterrupt)
        try:
            failed = _keep_failed(
                partial,
                final.with_name(f"{final.name}-failed"),
                record,
                error if isinstance(error, Exception) else Stopped(STOPPED),
            )
        except OSError as unwritten:
            raise _unwritable(final.parent, unwritten, partial) from None
        if stopped:
            message = f"Notebook {name} stopped: {STOPPED}. {_kept(failed.run_dir)}"
            raise ReportFailed(message, failed) from None
        if not isinstance(error, Exception):
            raise
        if isinstance(error, PapermillExecutionError):
            raise ReportFailed(
                _failure_message(name, error, failed.run_dir),
                failed,
                bad_input=error.ename in BAD_INPUT_ERRORS,
            ) from None
        if isinstance(error, DeadKernelError):
            raise ReportFailed(_dead_kernel_message(name, failed.run_dir), failed) from None
        if isinstance(error, WorkbenchError):
            said = str(error).rstrip(".")
            raise ReportFailed(f"{said}. The run is kept in {failed.run_dir}.", failed) from None
        if isinstance(error, OSError):
            message = f"{_unwritable(final.parent, error)}. The run is kept in {failed.run_dir}."
            raise ReportFailed(message, failed) from None
        raise
    try:
        _lock_restricted(partial / RESTRICTED)
        warnings = _joined(before, take_over(partial))
        if warnings is not None:
            record["warnings"] = {"serious": warnings.serious, "notes": len(warnings.notes)}
        record |= {"status": "ok", "outputs": _output_hashes(partial), "finished_at": _now()}
        if databases := _databases_read(partial):
            record["database"] = databases
        _write_manifest(partial / "manifest.json", record)
        kept, note = _install(partial, final)
    except OSError as error:
        raise _unwritable(final.parent, error, partial) from None
    return ReportRun(
        run_dir=final,
        html=final / "report.html",
        manifest=final / "manifest.json",
        ok=True,
        warnings=warnings,
        kept=kept,
        kept_note=note,
    )
