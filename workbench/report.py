"""`workbench report`: run a parameterised notebook with papermill into a report folder.

A report run executes one notebook from `notebooks/` (the first code cell tagged `parameters`
holds its defaults) with the data folder and parameters given, and writes:

    reports/<YYYY-MM-DD>-<notebook>-<run id>/
      notebook.ipynb   the executed notebook: the record, with the injected parameters
      report.html      the rendering for readers: code hidden, nothing loaded from the network
      manifest.json    inputs' SHA-256, parameters, rule set, versions, commit, times, status
      shareable/       aggregates that passed disclosure control
      restricted/      anything about individuals (folder 0700, files 0600)

The notebook is given `data` and `output_dir` as parameters and writes into
`output_dir/shareable` and `output_dir/restricted`. The run id comes from what decides the
output (the data folder's canonical files, the notebook, the parameters and the bytes of any
file they name, such as a ward lookup, the rule set and the package version), so the same
inputs give the same folder name, byte-identical tables and a manifest that differs only in
its times.

A run is written into a hidden `.<name>.partial` folder and renamed into place only when the
notebook ran to the end. A failed run becomes `<name>-failed/` with its partial output kept
for diagnosis and `status: failed` in its manifest; the last good report is never touched.

Example
-------
>>> run = run_report("02_eligibility_list", data=Path("data_samples/council_small"),
...                  parameters={"term_start": "2026-09-01"})  # doctest: +SKIP
>>> run.html  # doctest: +SKIP
PosixPath('reports/2026-09-01-02_eligibility_list-r-0123456789ab/report.html')
"""

from __future__ import annotations

import ast
import difflib
import html
import json
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import nbformat
import papermill
import polars as pl
from jinja2 import DictLoader
from nbconvert import HTMLExporter
from papermill.exceptions import PapermillExecutionError
from papermill.translators import papermill_translators

from workbench import __version__, progress
from workbench.errors import UsageError, WorkbenchError
from workbench.io import LoadedData, find_table_file
from workbench.run import environment, file_sha256, git_commit, input_hashes, run_id
from workbench.schema import TABLES

__all__ = [
    "NOTEBOOKS",
    "RESTRICTED",
    "SHAREABLE",
    "ReadableTable",
    "ReportFailed",
    "ReportRun",
    "RunIdentity",
    "available_notebooks",
    "canonical_inputs",
    "data_profile",
    "identify",
    "parameter_files",
    "parameter_inputs",
    "parse_parameters",
    "readable",
    "remote_resources",
    "render_html",
    "resolve_notebook",
    "run_report",
]

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
SHAREABLE = "shareable"
RESTRICTED = "restricted"
# Parameters the runner injects itself: a caller gives the data folder as `data=`.
INJECTED = ("data", "output_dir")
# Parameters naming a file that is never hashed into a manifest: a pseudonym key is a secret,
# and even its fingerprint does not belong in a record that is shown and shared.
SECRET_PARAMETERS = ("key_file",)
_PRIVATE_DIR = 0o700
_PRIVATE_FILE = 0o600


@dataclass(frozen=True)
class ReportRun:
    """Where a report run went: its folder, HTML rendering and manifest, and whether it ran."""

    run_dir: Path
    html: Path | None
    manifest: Path
    ok: bool


class ReportFailed(WorkbenchError):
    """A notebook stopped with an error; `run` is the kept `-failed` folder."""

    def __init__(self, message: str, run: ReportRun) -> None:
        self.run = run
        super().__init__(message)


# --- finding notebooks and checking parameters -------------------------------------------------


def available_notebooks(folder: Path = NOTEBOOKS) -> list[str]:
    """The names of the package's notebooks, sorted (`01_explore_data`, ...)."""
    return sorted(p.stem for p in folder.glob("*.ipynb")) if folder.is_dir() else []


def resolve_notebook(notebook: str | Path, folder: Path = NOTEBOOKS) -> Path:
    """A notebook by name (`02_eligibility_list`, with or without `.ipynb`), by its number
    (`02`, when one notebook has it) or by path.

    Examples
    --------
    >>> resolve_notebook("02_eligibility_list").name
    '02_eligibility_list.ipynb'
    >>> resolve_notebook("04").name
    '04_take_up_report.ipynb'
    """
    given = Path(notebook)
    if given.suffix == ".ipynb" and given.is_file():
        return given
    by_name = folder / f"{given.stem if given.suffix == '.ipynb' else given.name}.ipynb"
    if given.parent == Path(".") and by_name.is_file():
        return by_name
    known = available_notebooks(folder)
    numbered = [name for name in known if name.split("_", 1)[0] == str(notebook)]
    if given.parent == Path(".") and len(numbered) == 1:
        return folder / f"{numbered[0]}.ipynb"
    hint = difflib.get_close_matches(given.stem, known, n=1)
    raise UsageError(
        f"No notebook {str(notebook)!r}: expected a path to an .ipynb file or one of "
        f"{', '.join(known) or '(none)'} from {folder}."
        + (f" Did you mean {hint[0]!r}?" if hint else "")
    )


def parse_parameters(pairs: Iterable[str] | None) -> dict[str, str]:
    """`NAME=VALUE` strings from the command line as a dict (values stay text).

    Examples
    --------
    >>> parse_parameters(["term_start=2026-09-01", "initiative=two_year_old"])
    {'term_start': '2026-09-01', 'initiative': 'two_year_old'}
    """
    parameters: dict[str, str] = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-p expects NAME=VALUE, e.g. -p term_start=2026-09-01; got {pair!r}.")
        parameters[name.strip()] = value
    return parameters


def _language(notebook: nbformat.NotebookNode) -> str:
    """The notebook's language; Python when it does not say (a notebook written by hand)."""
    metadata = notebook.metadata
    return (
        metadata.get("language_info", {}).get("name")
        or metadata.get("kernelspec", {}).get("language")
        or "python"
    )


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _declared(path: Path, kernel: str) -> dict[str, dict[str, str]]:
    """The notebook's parameters: `{name: {"inferred_type_name": ..., "default": ...}}`."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as error:
        raise UsageError(f"{path} is not a readable notebook: {error}") from None
    tagged = (i for i, cell in enumerate(notebook.cells) if "parameters" in _tags(cell))
    index = next(tagged, None)
    if index is None:
        raise UsageError(
            f"{path.name} has no cell tagged 'parameters': its first code cell must hold the "
            "parameters' defaults, tagged 'parameters', for the runner to set them."
        )
    translator = papermill_translators.find_translator(kernel, _language(notebook))
    return {p.name: p._asdict() for p in translator.inspect(notebook.cells[index])}


def _default(text: str | None) -> object:
    """A default as a value when it is a literal (`"2026-09-01"`, `10`), else its source text."""
    try:
        return ast.literal_eval(text) if text is not None else None
    except (ValueError, SyntaxError):
        return text


def _coerced(name: str, value: object, type_name: str) -> object:
    """A command-line string turned into the type the parameters cell declares."""
    if not isinstance(value, str) or type_name not in {"int", "float", "bool"}:
        return value
    if type_name == "bool":
        if value.lower() in {"true", "false"}:
            return value.lower() == "true"
    else:
        try:
            return int(value) if type_name == "int" else float(value)
        except ValueError:
            pass
    raise UsageError(f"Parameter {name!r} must be a {type_name}; got {value!r}.")


def _checked_parameters(
    path: Path, parameters: Mapping[str, object], kernel: str
) -> dict[str, object]:
    """Every parameter the run uses but `data` and `output_dir`: the notebook's defaults, then
    the values given, checked against its parameters cell and typed by it."""
    declared = _declared(path, kernel)
    missing = [name for name in INJECTED if name not in declared]
    if missing:
        raise UsageError(
            f"{path.name} cannot be run as a report: its parameters cell must declare "
            f"{' and '.join(missing)} (the runner sets them)."
        )
    checked = {
        name: _default(info["default"]) for name, info in declared.items() if name not in INJECTED
    }
    for name, value in parameters.items():
        if name in INJECTED:
            raise UsageError(f"Parameter {name!r} is set by the runner; give the data as --data.")
        if name not in checked:
            hint = difflib.get_close_matches(name, checked, n=1)
            raise UsageError(
                f"{path.name} has no parameter {name!r}; it takes {', '.join(checked) or 'none'}."
                + (f" Did you mean {hint[0]!r}?" if hint else "")
            )
        checked[name] = _coerced(name, value, declared[name]["inferred_type_name"])
    return dict(sorted(checked.items()))


def _check_kernel(kernel: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel:
        known = ", ".join(sorted(KernelSpecManager().find_kernel_specs())) or "none"
        raise UsageError(
            f"No Jupyter kernel {kernel!r}; installed kernels: {known}. "
            "Install one with `python -m ipykernel install --sys-prefix`."
        ) from None


def canonical_inputs(data: str | Path) -> dict[str, str]:
    """SHA-256 of the canonical table files in a data folder, by file name.

    Other files (READMEs, ground truth) do not count: they change nothing a notebook computes.
    """
    files = [find_table_file(data, table) for table in TABLES]
    return input_hashes(f for f in files if f is not None)


def _named_path(value: object) -> Path | None:
    """The existing file or folder a parameter's value names, as an absolute path, else None.

    Only text written as a path counts: with a folder separator or a file suffix
    (`wards.csv`, `reports/run`), so a word such as an initiative's name is never taken for
    a file that happens to bear it. Empty text names nothing: `""` is how notebooks say "none".
    """
    if not isinstance(value, str) or not value.strip():
        return None
    if not (Path(value).suffix or "/" in value or os.sep in value):
        return None
    path = Path(value).absolute()
    return path if path.is_file() or path.is_dir() else None


def parameter_files(parameters: Mapping[str, object]) -> dict[str, Path]:
    """The parameters that name an existing file or folder (a ward lookup, a rule file, a run
    to check), with the absolute path of each, by parameter name; secrets left out.

    A relative path is taken from where the runner is started, as the user typed it.
    """
    named = {name: _named_path(value) for name, value in sorted(parameters.items())}
    return {
        name: path
        for name, path in named.items()
        if path is not None and name not in SECRET_PARAMETERS
    }


def parameter_inputs(parameters: Mapping[str, object]) -> dict[str, str]:
    """SHA-256 of every file a parameter names, keyed `parameter:<name>`; a folder's files are
    keyed `parameter:<name>/<path inside it>`.

    A path alone does not decide a run: a ward lookup edited in place keeps its name, so its
    bytes must go into the run id as the data folder's do. Text that names no existing file
    (a date, an initiative's name, `""`) adds nothing.
    """
    hashes: dict[str, str] = {}
    for name, path in parameter_files(parameters).items():
        if path.is_file():
            hashes[f"parameter:{name}"] = file_sha256(path)
            continue
        for inner in sorted(path.rglob("*")):
            if inner.is_file():
                hashes[f"parameter:{name}/{inner.relative_to(path).as_posix()}"] = file_sha256(
                    inner
                )
    return hashes


@dataclass(frozen=True)
class RunIdentity:
    """What decides a report run's output, and the run id made from it."""

    run_id: str
    notebook_sha256: str
    inputs: dict[str, str]
    parameters: dict[str, object]
    rule_set: str | None
    files: dict[str, Path]


def identify(
    source: Path, data: str | Path, parameters: Mapping[str, object], kernel: str = "python3"
) -> RunIdentity:
    """The run id and manifest inputs of running notebook `source` on `data` with `parameters`.

    The inputs are the data folder's canonical files and every file a parameter names; the
    notebook's own hash joins them in the id (it decides the output as much as the data does)
    but is recorded apart in the manifest.
    """
    checked = _checked_parameters(source, parameters, kernel)
    rule_set = _rule_set_ref(checked)
    inputs = {**canonical_inputs(data), **parameter_inputs(checked)}
    notebook_sha = file_sha256(source)
    identity = {**inputs, f"notebook:{source.name}": notebook_sha}
    return RunIdentity(
        run_id=run_id(identity, checked, rule_set or "", __version__),
        notebook_sha256=notebook_sha,
        inputs=inputs,
        parameters=checked,
        rule_set=rule_set,
        files=parameter_files(checked),
    )


def _rule_set_ref(parameters: Mapping[str, object]) -> str | None:
    if "initiative" not in parameters:
        return None
    from workbench.rules import load_rule_set

    return load_rule_set(str(parameters["initiative"])).ref


# --- the HTML rendering ------------------------------------------------------------------------

# The lab template's cells inside a page of our own: no script tags (the stock page loads
# require.js, MathJax, mermaid and the widget manager from a CDN) and a few lines of house style
# instead of JupyterLab's 250 kB theme, so the report opens offline and stays small.
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1b1b;
max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
h1{font-size:1.8rem}h2{font-size:1.35rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.8rem 0}th,td{border:1px solid #bbb;padding:.25rem .6rem;
text-align:left;vertical-align:top}th{background:#eef2f6}td.num{text-align:right;
font-variant-numeric:tabular-nums}code{background:#f3f3f3;padding:0 .2rem}
pre{white-space:pre-wrap;background:#f7f7f7;padding:.5rem}
.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]{background:#fdd}
img,svg{max-width:100%;height:auto}a.anchor-link{display:none}
"""
_OFFLINE_TEMPLATE = (
    """{%- extends 'lab/base.html.j2' -%}
{%- block header -%}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ nb.metadata.get('title', resources['metadata']['name']) | escape_html }}</title>
<style>"""
    + _STYLE
    + """</style></head>
{%- endblock header -%}
{%- block body_header -%}<body><main>{%- endblock body_header -%}
{%- block body_footer -%}</main></body>{%- endblock body_footer -%}
{%- block footer -%}</html>{%- endblock footer -%}
"""
)
# What would make a reader's browser fetch something: a script, stylesheet, image or font
# from http(s) or a protocol-relative address. Plain links (<a href>) fetch nothing.
_REMOTE = re.compile(
    r"""<(?:script|img|iframe|source|embed)\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|<(?:link|image|use)\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)


def remote_resources(html: str) -> list[str]:
    """Every place in `html` that would load something over the network (empty when offline).

    Examples
    --------
    >>> remote_resources('<script src="https://cdn.example/x.js"></script><a href="https://a.b">')
    ['<script src="https://']
    """
    return [match.group(0) for match in _REMOTE.finditer(html)]


def render_html(notebook: Path, target: Path) -> Path:
    """Render an executed notebook as self-contained HTML with the code and prompts hidden."""
    exporter = HTMLExporter(
        extra_loaders=[DictLoader({"workbench_offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="workbench_offline.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    body, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    remote = remote_resources(body)
    if remote:
        raise WorkbenchError(
            f"The HTML rendering of {notebook.name} would load {remote[0]!r} from the network; "
            "reports must open offline. Render charts as SVG or PNG instead."
        )
    target.write_text(body, encoding="utf-8")
    return target


# --- helpers the notebooks call ----------------------------------------------------------------


def data_profile(data: LoadedData) -> pl.DataFrame:
    """One row per column of every table loaded: type, rows, empty cells, and for dates the
    first and last month (months, not days: a single earliest birth date would point to one
    person)."""
    rows = []
    for table, frame in data.tables.items():
        for column, dtype in frame.schema.items():
            series = frame.get_column(column)
            is_date = dtype == pl.Date
            rows.append(
                {
                    "table": table,
                    "column": column,
                    "type": str(dtype),
                    "rows": frame.height,
                    "empty": series.null_count(),
                    "first_month": _month(series.min()) if is_date else None,
                    "last_month": _month(series.max()) if is_date else None,
                }
            )
    schema = {
        "table": pl.String,
        "column": pl.String,
        "type": pl.String,
        "rows": pl.Int64,
        "empty": pl.Int64,
        "first_month": pl.String,
        "last_month": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


@dataclass(frozen=True)
class ReadableTable:
    """A frame shown in a report as a plain table: empty cells blank, text unquoted, numbers
    right-aligned (polars' own rendering quotes text and adds types, meant for analysts)."""

    frame: pl.DataFrame

    def __repr__(self) -> str:
        return repr(self.frame)

    def _repr_html_(self) -> str:
        numeric = [dtype.is_numeric() for dtype in self.frame.dtypes]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.frame.columns)
        body = "".join(
            "<tr>" + "".join(map(_cell, row, numeric)) + "</tr>" for row in self.frame.iter_rows()
        )
        return (
            f'<table class="workbench"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        )


def _cell(value: object, numeric: bool) -> str:
    text = "" if value is None else html.escape(str(value))
    return f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>"


def readable(frame: pl.DataFrame) -> ReadableTable:
    """Wrap a frame so a notebook shows it as a plain table (the last line of a cell)."""
    return ReadableTable(frame)


def _month(day: date | None) -> str | None:
    return None if day is None else day.strftime("%Y-%m")


# --- the run folder ----------------------------------------------------------------------------


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
    """SHA-256 of every file the notebook wrote, by path inside the run folder."""
    return {
        path.relative_to(run_dir).as_posix(): file_sha256(path)
        for part in (SHAREABLE, RESTRICTED)
        for path in sorted((run_dir / part).rglob("*"))
        if path.is_file()
    }


def _write_manifest(path: Path, record: Mapping[str, object]) -> Path:
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def _install(partial: Path, final: Path) -> None:
    """Rename a finished run into place, replacing an earlier run of exactly the same inputs."""
    if final.exists():
        previous = _fresh(final.with_name(f".{final.name}.previous"))
        final.rename(previous)
        partial.rename(final)
        shutil.rmtree(previous)
    else:
        partial.rename(final)


def _keep_failed(
    partial: Path, failed: Path, record: dict[str, object], error: Exception
) -> ReportRun:
    """Mark a stopped run failed and move it aside as `<name>-failed/`, output kept as it was."""
    _fresh(failed)
    _lock_restricted(partial / RESTRICTED)
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
    html = _failed_html(partial)
    partial.rename(failed)
    return ReportRun(
        run_dir=failed,
        html=failed / html.name if html else None,
        manifest=failed / "manifest.json",
        ok=False,
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
        f"{error.ename}: {error.evalue}. "
        f"Partial output kept in {failed}; the last good report is untouched. "
        f"Open {failed / 'notebook.ipynb'} to see the error in place."
    )


def run_report(
    notebook: str | Path,
    *,
    data: Path,
    parameters: Mapping[str, object],
    reports: Path = Path("reports"),
    kernel: str = "python3",
) -> ReportRun:
    """Run a notebook with papermill into `reports/<date>-<notebook>-<run id>/`.

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

    Returns
    -------
    ReportRun
        The run folder, its HTML rendering and manifest; `ok` is True.

    Raises
    ------
    UsageError
        Unknown notebook or parameter, or a value of the wrong type; nothing is written.
    ReportFailed
        The notebook stopped with an error; the message names the cell, and the run is kept
        as `<name>-failed/` with `status: failed` in its manifest.
    """
    started_at = _now()
    source = resolve_notebook(notebook)
    name = source.stem
    _check_kernel(kernel)
    identity = identify(source, data, parameters, kernel)
    rid = identity.run_id
    folder_name = f"{datetime.now(UTC).date().isoformat()}-{name}-{rid}"
    final = Path(reports) / folder_name
    partial = _fresh(final.with_name(f".{folder_name}.partial"))
    _prepare(partial)
    record: dict[str, object] = {
        "run_id": rid,
        "notebook": {"name": name, "sha256": identity.notebook_sha256},
        "data": str(data),
        "inputs": identity.inputs,
        "parameters": identity.parameters,
        "rule_set": identity.rule_set,
        "package_version": __version__,
        "git_commit": git_commit(Path(__file__).parent),
        "environment": environment(),
        "started_at": started_at,
    }
    executed = partial / "notebook.ipynb"
    # The notebook runs inside the run folder: the files hashed are handed to it by absolute
    # path, so a relative path reads the very file that went into the run id.
    injected = {
        **identity.parameters,
        **{name: str(path) for name, path in identity.files.items()},
        "data": str(Path(data).resolve()),
        "output_dir": str(partial.resolve()),
    }
    try:
        with progress.step(f"Running notebook {name} ({rid})"):
            papermill.execute_notebook(
                str(source),
                str(executed),
                parameters=injected,
                kernel_name=kernel,
                language=_language(nbformat.read(source, as_version=4)),
                cwd=str(partial),
                progress_bar=False,
                log_output=False,
            )
        render_html(executed, partial / "report.html")
    except Exception as error:
        failed = _keep_failed(partial, final.with_name(f"{folder_name}-failed"), record, error)
        if isinstance(error, PapermillExecutionError):
            raise ReportFailed(_failure_message(name, error, failed.run_dir), failed) from None
        if isinstance(error, WorkbenchError):
            raise ReportFailed(f"{error} The run is kept in {failed.run_dir}.", failed) from None
        raise
    _lock_restricted(partial / RESTRICTED)
    record |= {"status": "ok", "outputs": _output_hashes(partial), "finished_at": _now()}
    _write_manifest(partial / "manifest.json", record)
    _install(partial, final)
    return ReportRun(
        run_dir=final, html=final / "report.html", manifest=final / "manifest.json", ok=True
    )
