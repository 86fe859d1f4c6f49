"""Finding the report notebooks, checking the parameters given for one, and a run's identity.

`workbench.runs.report.run_report` runs a notebook; this module finds it (`available_notebooks`,
`resolve_notebook`), reads the defaults in its cell tagged `parameters` and checks and types
the values given against them (`parse_parameters` for the command line), and works out what
decides a run's output (`canonical_inputs`, `parameter_files`, `parameter_inputs`) and the
run id made from it (`identify`, `RunIdentity`). Import these names from here,
`workbench.runs.parameters`, as the command line (`workbench.cli`) and the tests do:
`workbench.runs.report` imports the few it uses itself and re-exports none of them (its
`__all__` is the runner's own names: `run_report`, `ReportRun`, `ReportFailed`, ...).
"""

from __future__ import annotations

import ast
import difflib
import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import cast

import nbformat
from papermill.translators import papermill_translators

from workbench import __version__
from workbench.data.profiles import active_profile
from workbench.data.reading import find_table_file
from workbench.data.schema import TABLES
from workbench.errors import UsageError
from workbench.paths import PROJECT_ROOT, project_path
from workbench.provenance import code_changes, code_version, file_sha256, input_hashes, run_id
from workbench.review.chain import stored_chain_end
from workbench.runs.evidence_dates import date_warnings

__all__ = [
    "DATE_LIST_PARAMETERS",
    "DATE_PARAMETERS",
    "FROM_ASSESSED",
    "INJECTED",
    "MAKES_ITS_STORE",
    "NOTEBOOKS",
    "REPORT_DATES",
    "SECRET_PARAMETERS",
    "Assessed",
    "RunIdentity",
    "access_stores",
    "assessed",
    "available_notebooks",
    "canonical_inputs",
    "check_kernel",
    "check_store_keys",
    "clock_today",
    "date_warnings",
    "dates_to_give",
    "identify",
    "manifest_path",
    "notebook_language",
    "parameter_files",
    "parameter_inputs",
    "parse_parameters",
    "resolve_notebook",
]

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"
# Parameters the runner injects itself: a caller gives the data folder as `data=`.
INJECTED = ("data", "output_dir")
# Parameters naming a file that is never hashed into a manifest: a pseudonym key is a secret,
# and even its fingerprint does not belong in a record that is shown and shared.
SECRET_PARAMETERS = ("key_file",)


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
        if name.strip() in parameters:
            raise UsageError(
                f"-p {name.strip()} is given twice ({parameters[name.strip()]!r} and "
                f"{value!r}); give each parameter once."
            )
        parameters[name.strip()] = value
    return parameters


def notebook_language(notebook: nbformat.NotebookNode) -> str:
    """The notebook's language; Python when it does not say (a notebook written by hand)."""
    metadata = notebook.metadata
    return (
        metadata.get("language_info", {}).get("name")
        or metadata.get("kernelspec", {}).get("language")
        or "python"
    )


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return cast(list[str], cell.get("metadata", {}).get("tags", []))


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
    translator = papermill_translators.find_translator(kernel, notebook_language(notebook))
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
    raise UsageError(f"Parameter {name!r} must be {_TYPE_WORDS[type_name]}; got {value!r}.")


_TYPE_WORDS = {"int": "a whole number", "float": "a number", "bool": "true or false"}


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
            raise UsageError(f"Parameter {name!r} is set by the runner; {_INJECTED_HINTS[name]}.")
        if name not in checked:
            hint = difflib.get_close_matches(name, checked, n=1)
            raise UsageError(
                f"{path.name} has no parameter {name!r}; it takes {', '.join(checked) or 'none'}."
                + (f" Did you mean {hint[0]!r}?" if hint else "")
            )
        checked[name] = _coerced(name, value, declared[name]["inferred_type_name"])
        if (name, value) in RELATIVE_DATES:
            continue  # worked out below, once the initiative is known
        _check_shared(name, checked[name])
    for name, word in RELATIVE_DATES:
        if checked.get(name) == word:
            checked[name] = _relative_date(word, checked.get("initiative")).isoformat()
    for name, other in NEEDS.items():
        if str(checked.get(name) or "").strip() and not str(checked.get(other) or "").strip():
            raise UsageError(
                f"Parameter {name!r} needs {other!r} too: give the review store the lists were "
                f"registered in as -p {other}=FILE."
            )
    _check_unused_by_exact_linkage(checked)
    if path.stem in ONLY_READS_ITS_STORE:
        _check_store_read(path.stem, checked.get("store"))
    _check_store_keys(path.stem, checked, takes_key_file="key_file" in declared)
    _check_trend_terms(checked)
    _check_outcome_lists(checked)
    return dict(sorted(checked.items()))


_INJECTED_HINTS = {
    "data": "give the data folder as --data",
    "output_dir": "give the folder the run folders go in as --reports",
}


# Parameters only probabilistic linkage uses (02's and 04's, as `assess --model` and `--store`
# are refused with `--linkage exact`), with what each is for.
USED_BY_PROBABILISTIC_LINKAGE = {
    "linkage_model": "a linkage model, which scores the pairs Splink compares",
    "review_store": "a review store, whose link decisions apply to the matches Splink proposes",
}


def _check_unused_by_exact_linkage(checked: Mapping[str, object]) -> None:
    """A linkage model or a review store's link decisions given with `linkage` exact, before
    a kernel starts: exact-only linkage never uses them, and the notebook stopped on them
    (exit 4, kept as a failed run)."""
    if checked.get("linkage") != "exact":
        return
    for name, what in USED_BY_PROBABILISTIC_LINKAGE.items():
        value = checked.get(name)
        if isinstance(value, str) and value.strip():
            raise UsageError(
                f"Parameter {name!r} names {value!r}, {what}, which linkage 'exact' never "
                "makes: it is only used by probabilistic linkage. Give -p linkage=probabilistic "
                f"(the default) with it, or leave -p {name} out."
            )


def _check_trend_terms(checked: Mapping[str, object]) -> None:
    """The trend's terms, before a kernel starts: each an earlier term than the one reported,
    given once, and one the rules cover. Each of these stopped the notebook (exit 4, after
    the data was read), and a term equal to the term start was dropped without a word."""
    text, term = checked.get("trend_terms"), checked.get("term_start")
    if not isinstance(text, str) or not text.strip():
        return
    parts = [part.strip() for part in text.split(",")]
    if "" in parts:
        raise UsageError(
            f"Parameter 'trend_terms' has an empty part ({text!r}); give term start dates "
            "separated by commas, like 2026-01-01,2026-04-01."
        )
    days = [date.fromisoformat(part) for part in parts]  # each checked as a date already
    seen: set[date] = set()
    for day in days:
        if day in seen:
            raise UsageError(f"Parameter 'trend_terms' gives {day} twice; give each term once.")
        seen.add(day)
    if not isinstance(term, str) or not term.strip():
        return
    start = date.fromisoformat(term)
    later = [day for day in days if day >= start]
    if later:
        raise UsageError(
            f"Parameter 'trend_terms' holds {', '.join(map(str, later))}, not before the term "
            f"reported (term_start {start}): the trend terms are the earlier terms. Give the "
            "latest term as -p term_start and the earlier ones as -p trend_terms."
        )
    initiative = checked.get("initiative")
    if isinstance(initiative, str) and initiative.strip():
        from workbench.rules import load_rule_set

        rules = load_rule_set(initiative)
        for day in days:
            try:
                rules.check_date(day)
            except UsageError as error:
                raise UsageError(f"Parameter 'trend_terms': {error}") from None


def _check_store_read(notebook: str, value: object) -> None:
    """The review store a notebook only reads (`ONLY_READS_ITS_STORE`: 05's `store`, the
    run's decisions), before a kernel starts: it must be a file that is there. One that is
    not stopped the notebook (exit 4: "no review store there"). A notebook that makes its
    store (`MAKES_ITS_STORE`, 03) is not asked this, nor one of the council's own, which
    says itself what it makes of a store that is not there."""
    if not isinstance(value, str) or not value.strip():
        return
    found = _found("store", value)
    if found.is_file():
        return
    what = "which is a folder, not a review store" if found.is_dir() else "which does not exist"
    raise UsageError(
        f"Parameter 'store' names {value!r}, {what} (looked for {_looked_for('store', value)}): "
        f"{notebook} reads the review store a run's decisions were recorded in and never makes "
        "one. Give that store's file (the one `workbench review --store` or WORKBENCH_STORE "
        'names), or "" to check the run without its decisions.'
    )


def _check_outcome_lists(checked: Mapping[str, object]) -> None:
    """The lists whose outreach 04 counts, before a kernel starts: each with the manifest
    `workbench assess` wrote beside it (`_refuse_a_list_without_its_manifest`: 04 reads the
    list's term from it, and stopped inside the kernel without one), and each for a term
    before the one reported, as its manifest says (the next term's funded places show what
    outreach achieved). A list for the same term stopped the notebook (exit 4). A folder
    is refused too: it has no list's manifest to be refused for, and 04 stopped on it inside
    the kernel (it reads each name given as a list file)."""
    text, term = checked.get("outcome_lists"), checked.get("term_start")
    if not isinstance(text, str):
        return
    for part in (part.strip() for part in text.split(",")):
        if part:
            found = _found("outcome_lists", part).absolute()
            if found.is_dir():
                raise UsageError(
                    f"Parameter 'outcome_lists' names {part!r}, a folder ({found}), not a list "
                    "file: give each list file (CSV) `workbench assess` wrote, with its "
                    "manifest beside it, separated by commas, like "
                    "lists/spring.csv,lists/summer.csv."
                )
            _refuse_a_list_without_its_manifest("outcome_lists", part, found)
    if not isinstance(term, str) or not term.strip():
        return
    start = date.fromisoformat(term)
    for part in (part.strip() for part in text.split(",")):
        if not part:
            continue
        recorded = _read_manifest(manifest_path(_found("outcome_lists", part).absolute()))
        listed = (recorded or {}).get("parameters", {})
        listed_term = listed.get("term_start") if isinstance(listed, dict) else None
        try:
            day = date.fromisoformat(str(listed_term))
        except ValueError:
            continue  # no manifest to say: the notebook reads the list and says what is wrong
        if day >= start:
            raise UsageError(
                f"Parameter 'outcome_lists' names {part!r}, a list for the term starting "
                f"{day}, not before the term reported (term_start {start}): a campaign's "
                "outcomes are counted in the report of a later term, when its funded places "
                "are known. Give the lists of earlier terms."
            )


# The dates a notebook's assessment rests on. Its parameters cell gives them example values so
# that an analyst's Run All works; a command-line run must give them (`dates_to_give`): a
# scheduled report left with the examples would report on that term, on that day's evidence,
# for ever, and say nothing.
REPORT_DATES = ("term_start", "as_of")
# Parameters naming what was assessed already: a notebook given one does not assess.
_ASSESSED = ("run", "list_file")
# What a notebook given one of them reports on as that run's or list's manifest records it:
# its own values are then unused defaults. A run recorded them, and so said that a reviewed
# list for free school meals was a two-year-old one (a tester's case).
FROM_ASSESSED = ("initiative", "term_start", "as_of", "linkage")


def dates_to_give(notebook: str | Path, given: Mapping[str, object], kernel: str) -> list[str]:
    """Which of `REPORT_DATES` the notebook takes that ``given`` leaves out; none for a
    notebook pointed at what was assessed already, a run folder (05_assurance's ``run``) or
    a list (03_review's ``list_file``), which carry their own."""
    declared = _declared(resolve_notebook(notebook), kernel)
    if any(name in declared and str(given.get(name) or "").strip() for name in _ASSESSED):
        return []
    return [name for name in REPORT_DATES if name in declared and name not in given]


# Dates a scheduled run gives in words, worked out when the run starts (today, on this
# machine's clock): the evidence date as today, and the term as the first of the rules' term
# starts after today, so that one crontab line lists the coming term at each firing.
RELATIVE_DATES = (("as_of", "today"), ("term_start", "next"))


def clock_today() -> date:
    """Today on this machine's clock: what `as_of=today` and `term_start=next` are worked out
    from, and what `workbench report` compares the evidence date with (`date_warnings`); one
    clock for both, which a test sets to a fixed day."""
    return date.today()


def _relative_date(word: str, initiative: object, today: date | None = None) -> date:
    """`today`, or the first term start of `initiative`'s rules (two-year-old's when none is
    given) after today (`clock_today` when not given)."""
    today = today or clock_today()
    if word == "today":
        return today
    from workbench.rules import load_rule_set

    rules = load_rule_set(str(initiative or "two_year_old"))
    starts = rules.population.window_on(today).starts.month_days
    return min(
        date(year, month, first)
        for year in (today.year, today.year + 1)
        for month, first in starts
        if date(year, month, first) > today
    )


# Parameters the notebooks share, checked before a kernel starts, so that a value that cannot
# work stops the run with exit code 2 and one line, rather than a failed notebook (exit 4).
DATE_PARAMETERS = ("term_start", "as_of")
DATE_LIST_PARAMETERS = ("trend_terms",)
# Parameters naming a file or folder that must exist when given ("" is how a notebook says
# "none"); a review store a notebook may create (03's `store`) is not among them.
EXISTING_PATH_PARAMETERS = (
    "ward_lookup",
    "review_store",
    "outcome_store",
    "list_file",
    "run",
    "review_thresholds",
    "linkage_model",  # 02's and 04's: a council's own linkage model folder (assess --model)
)
# Parameters naming several such files, separated by commas.
EXISTING_PATH_LIST_PARAMETERS = ("outcome_lists",)
# A parameter that needs another given with it (the store the lists were registered in).
NEEDS = {"outcome_lists": "outcome_store"}


def _choices(name: str) -> tuple[str, ...]:
    if name == "initiative":
        from workbench.rules import available_initiatives

        return tuple(available_initiatives())
    if name == "linkage":
        from workbench.eligibility.assess import LINKAGE_MODES

        return LINKAGE_MODES
    return ()


def _check_shared(name: str, value: object) -> None:
    """A shared parameter's value checked as the notebooks will use it."""
    if name == "threshold" and isinstance(value, int):
        from workbench.stats.disclosure import MINIMUM_THRESHOLD

        if value < MINIMUM_THRESHOLD:  # the floor for published figures, before the run starts
            raise UsageError(
                f"Parameter 'threshold' must be at least {MINIMUM_THRESHOLD} (counts below it "
                f"are hidden in published figures); got {value}."
            )
    if name == "round_to" and isinstance(value, int) and value < 0:
        raise UsageError(
            "Parameter 'round_to' must be 0 (no rounding) or the multiple to round published "
            f"counts to, e.g. 5; got {value}."
        )
    if not isinstance(value, str):
        return
    named = [value] if name in EXISTING_PATH_PARAMETERS else []
    if name in EXISTING_PATH_LIST_PARAMETERS:
        named = [part.strip() for part in value.split(",")]
    for part in named:
        if part.strip() and not _found(name, part).exists():
            raise UsageError(
                f"Parameter {name!r} names {part!r}, which does not exist (looked for "
                f'{_looked_for(name, part)}); give an existing file, or "" for none.'
            )
    dates = [value] if name in DATE_PARAMETERS else []
    if name in DATE_LIST_PARAMETERS:
        dates = [part.strip() for part in value.split(",") if part.strip()]
    for text in dates:
        try:
            date.fromisoformat(text)
        except ValueError:
            raise UsageError(
                f"Parameter {name!r} must be an ISO date like 2026-09-01"
                + (" (several separated by commas)" if name in DATE_LIST_PARAMETERS else "")
                + f"; got {text!r}."
            ) from None
    choices = _choices(name)
    rule_file = name == "initiative" and Path(value).suffix.lower() in (".yaml", ".yml")
    if choices and value not in choices and not rule_file:
        raise UsageError(
            f"Parameter {name!r} must be one of {', '.join(choices)}"
            + (" or a rule file (.yaml)" if name == "initiative" else "")
            + f"; got {value!r}."
        )


def check_kernel(kernel: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel:
        known = ", ".join(sorted(KernelSpecManager().find_kernel_specs())) or "none"
        raise UsageError(
            f"No Jupyter kernel {kernel!r}; installed kernels: {known}. "
            "Install one with `python -m ipykernel install --sys-prefix`."
        ) from None


# --- run identity ------------------------------------------------------------------------------


def canonical_inputs(data: str | Path) -> dict[str, str]:
    """SHA-256 of the data folder's files a notebook may read, by file name: every table-like
    file at its top (CSV, text, Excel, parquet), whether or not the contract names it, and a
    source profile (`--profile`) with the files it names.

    Not only the contract's tables: notebook 06 reads `ground_truth.csv`, and notebook 07 an
    extract's files under any name, so a change to either gave a different report under the
    same run id (a tester's case). Other files (a README) do not count.
    """
    folder = Path(data)
    files = [find_table_file(data, table) for table in TABLES]
    profile = active_profile()
    read = [f for f in files if f is not None] + ([profile.path] if profile else [])
    if folder.is_dir():
        read += [
            f
            for f in sorted(folder.iterdir())
            if f.is_file() and not f.name.startswith(".") and f.suffix.lower() in _EXTRACT_SUFFIXES
        ]
    return input_hashes(read)  # by file name: a table's file once


_EXTRACT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet")


# Parameters naming a review store: a store is written (decisions, its access log), so a
# relative one is the working directory's, as `--store` is, never the project root's.
STORE_PARAMETERS = ("store", "review_store", "outcome_store")


def _found(name: str, value: str) -> Path:
    """Where a parameter's relative path is read from: a store from the working directory, any
    other file as the Python API reads it (`workbench.paths.project_path`: the working
    directory, then the project root)."""
    return Path(value) if name in STORE_PARAMETERS else project_path(value)


def _looked_for(name: str, value: str) -> str:
    """Where `_found` looked, for a message saying a file is not there."""
    if name in STORE_PARAMETERS or Path(value).is_absolute():
        return str(Path(value).absolute())
    if PROJECT_ROOT is None or Path.cwd().resolve() == PROJECT_ROOT.resolve():
        return str(Path(value).absolute())
    return f"{Path(value).absolute()}, then {PROJECT_ROOT / value}"


# Notebooks that make the review store their `store` names when none is there (03 registers
# its list in it); any other notebook's stores are read, and never made by asking.
MAKES_ITS_STORE = ("03_review",)
# Notebooks that only read the review store their `store` names, and cannot run on one that
# is not there: the runner refuses it before a kernel starts (`_check_store_read`).
ONLY_READS_ITS_STORE = ("05_assurance",)


def access_stores(
    notebook: str | Path, given: Mapping[str, object], kernel: str = "python3"
) -> tuple[Path, ...]:
    """The review stores `workbench report`'s access-log line goes in, as a command given
    `--store` logs in it: each store the notebook takes (`STORE_PARAMETERS`, in that order)
    that `given` names, as an absolute path from the working folder, once, when a store is
    there or the notebook makes it (`MAKES_ITS_STORE`). Empty when it names none: the line
    goes in the default store (`workbench.governance.access.default_store`)."""
    source = resolve_notebook(notebook)
    declared = _declared(source, kernel)
    named = store_parameters({k: v for k, v in given.items() if k in declared})
    found: list[Path] = []
    for name in STORE_PARAMETERS:
        path = named.get(name)
        if path is None or path in found:
            continue
        if path.is_file() or (name == "store" and source.stem in MAKES_ITS_STORE):
            found.append(path)
    return tuple(found)


def store_parameters(parameters: Mapping[str, object]) -> dict[str, Path]:
    """The review stores the parameters name (`STORE_PARAMETERS`), existing or not (notebook
    03 creates its `store`), as absolute paths from the working directory: a notebook runs in
    its run folder, where a relative one would be a new store in the project or the run."""
    return {
        name: Path(value).absolute()
        for name, value in parameters.items()
        if name in STORE_PARAMETERS and isinstance(value, str) and value.strip()
    }


def secret_files(parameters: Mapping[str, object]) -> dict[str, Path]:
    """The files the secret parameters name (`SECRET_PARAMETERS`: a pseudonym key file), as
    absolute paths: handed to a notebook, which runs in its run folder, never hashed. An
    existing one is found as `parameter_files` finds a file; one not there yet is the working
    folder's (where the run was started), as a new store is: 03 makes it there
    (`workbench.review.keys.load_key`), never in the run folder or the project."""
    found: dict[str, Path] = {}
    for name in SECRET_PARAMETERS:
        value = parameters.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        path = _named_path(value, name)
        found[name] = path if path is not None else Path(value).expanduser().absolute()
    return found


def check_store_keys(
    notebook: str | Path, given: Mapping[str, object], kernel: str = "python3"
) -> Path | None:
    """Before a kernel starts, and before `workbench report` writes its access-log line: each
    review store the notebook opens that is there and keyed (each of `STORE_PARAMETERS` it
    takes that `given` names; 03's default store when its `store` names none) must be
    keyed with the pseudonym key this run uses, or a UsageError names the parameter, the
    store, the key used and what to give. Under another key the store refuses the run's
    access-log line (exit 1, the line unwritten) or the notebook's reading of it.

    The key is `WORKBENCH_KEY`, else the notebook's `key_file` (03), else `WORKBENCH_KEY_FILE`
    or the default key file (`workbench.review.keys.load_key`). A key file that is not there
    yet is never made here: with a keyed store to open it is refused (a new key could not
    open it); without one, it is made by its first user, the runner's access-log line or 03.

    Returns the key file `key_file` names (absolute, existing or not; `secret_files`), which
    the runner's line is sealed under as 03 seals its store, or None when it names none."""
    source = resolve_notebook(notebook)
    declared = _declared(source, kernel)
    taken = {name: value for name, value in given.items() if name in declared}
    return _check_store_keys(source.stem, taken, takes_key_file="key_file" in declared)


def _check_store_keys(
    notebook: str, taken: Mapping[str, object], *, takes_key_file: bool
) -> Path | None:
    """`check_store_keys` of the parameters a notebook takes (`taken`)."""
    key_file = secret_files(taken).get("key_file")
    opened = [
        (name, str(taken.get(name) or ""), path, fingerprint)
        for name, path in _stores_opened(notebook, taken)
        if (fingerprint := _stored_fingerprint(path)) is not None
    ]
    if not opened:
        return key_file
    from workbench.review.chain import chain_key, key_fingerprint

    key, used = _key_used(key_file)
    for name, text, path, fingerprint in opened:
        store = (
            f"Parameter {name!r} names {text!r} ({path})"
            if text.strip()
            else f"Parameter {name!r} names no store, so {notebook} opens the default "
            f"review store {path} (WORKBENCH_STORE, else ~/.local/share/workbench/review.sqlite)"
        )
        if key is None and key_file is not None:
            raise UsageError(
                f"Parameter 'key_file' names {taken['key_file']!r}, which does not exist "
                f"(looked for {key_file}). {store}, a review store keyed with a key already: "
                "a new key made now could not open it (every child would get another "
                "pseudonym). Give the key file the store was made with as -p key_file, or "
                "name a new store as -p store to start one under a new key."
            )
        if key is None or fingerprint != key_fingerprint(chain_key(key)):
            raise UsageError(
                f"{store}, a review store keyed with another pseudonym key than this run's "
                f"({used}): it refuses an access-log line sealed under another key, and "
                f"under it every child has another pseudonym. {_key_hint(takes_key_file)}, "
                "or give the store made under this key."
            )
    return key_file


def _stores_opened(notebook: str, taken: Mapping[str, object]) -> list[tuple[str, Path]]:
    """The review stores a notebook opens, by parameter: each of `STORE_PARAMETERS` named
    (once, under its first name), and 03's default store when its `store` names none."""
    named = store_parameters(taken)
    if notebook in MAKES_ITS_STORE and "store" not in named:
        from workbench.governance.access import default_store

        named = {"store": default_store().absolute(), **named}
    found: list[tuple[str, Path]] = []
    for name in STORE_PARAMETERS:
        path = named.get(name)
        if path is not None and path not in [seen for _, seen in found]:
            found.append((name, path))
    return found


def _stored_fingerprint(path: Path) -> str | None:
    """The fingerprint of the key a review store's decision chain is keyed with, read without
    changing the store (one SELECT: no migration, no access-log line); None when there is no
    store there, or it is not a keyed review store (it then says so itself). Not a read-only
    connection: closing one leaves the store's -wal and -shm files behind."""
    from workbench.review.schema import BUSY_TIMEOUT_MS  # as long as the store waits

    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error:
        return None
    try:
        found = conn.execute("SELECT fingerprint FROM chain_key").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return str(found[0]) if found else None


def _key_used(key_file: Path | None) -> tuple[bytes | None, str]:
    """The pseudonym key a run uses (`workbench.review.keys.load_key`'s choice, `key_file`
    first), and which it is, in words; the key is None when its file is not there yet (it is
    never made here)."""
    from workbench.review.keys import KEY_ENV, KEY_FILE_ENV, default_key_path, load_key

    if os.environ.get(KEY_ENV):
        return load_key(), f"the key in {KEY_ENV}"
    if key_file is not None:
        path, used = key_file, f"the key file {key_file}, from -p key_file"
    elif os.environ.get(KEY_FILE_ENV):
        path = Path(os.environ[KEY_FILE_ENV]).expanduser().absolute()
        used = f"the key file {path}, from {KEY_FILE_ENV}"
    else:
        path = default_key_path()
        used = f"the default key file {path}"
    if not path.is_file():
        return None, f"{used}, which is not there yet"
    return load_key(path), used


def _key_hint(takes_key_file: bool) -> str:
    """What to give for a store keyed with another key than the run's."""
    from workbench.review.keys import KEY_ENV, KEY_FILE_ENV

    if os.environ.get(KEY_ENV):
        return f"Set {KEY_ENV} to the key the store was made with (it is used over any key file)"
    if takes_key_file:
        return (
            "Give the key file the store was made with as -p key_file (or set "
            f"{KEY_FILE_ENV} to it)"
        )
    return f"Set {KEY_FILE_ENV} to the key file the store was made with"


def _named_path(value: object, name: str = "") -> Path | None:
    """The existing file or folder a parameter's value names, as an absolute path, else None.

    A parameter that only ever names a file or folder (`_PATH_PARAMETERS`: `run`, `store`,
    ...) names one however it is written: `-p run=lists`, a folder in the working directory,
    was handed to the kernel as given and looked for beside the notebook (a tester's case).
    For any other, only text written as a path counts: with a folder separator or a file
    suffix (`wards.csv`, `reports/run`), so a word such as an initiative's name is never taken
    for a file that happens to bear it. Empty text names nothing: `""` is how notebooks say
    "none".
    """
    if not isinstance(value, str) or not value.strip():
        return None
    if name not in _PATH_PARAMETERS and not (Path(value).suffix or "/" in value or os.sep in value):
        return None
    path = _found(name, value).absolute()
    return path if path.is_file() or path.is_dir() else None


# Parameters that only ever name a file or folder.
_PATH_PARAMETERS = frozenset(
    {
        *EXISTING_PATH_PARAMETERS,
        *EXISTING_PATH_LIST_PARAMETERS,
        *STORE_PARAMETERS,
        *SECRET_PARAMETERS,
    }
)


def parameter_files(parameters: Mapping[str, object]) -> dict[str, Path]:
    """The parameters that name an existing file or folder (a ward lookup, a rule file, a run
    to check), with the absolute path of each, by parameter name; secrets left out. A
    parameter naming several (`EXISTING_PATH_LIST_PARAMETERS`) is in `parameter_file_lists`.

    A relative path is read as the Python API reads it: from where the runner is started,
    then from the project root (`workbench.paths.project_path`); a review store only from
    where the runner is started (`STORE_PARAMETERS`).
    """
    named = {
        name: _named_path(value, name)
        for name, value in sorted(parameters.items())
        if name not in EXISTING_PATH_LIST_PARAMETERS
    }
    return {
        name: path
        for name, path in named.items()
        if path is not None and name not in SECRET_PARAMETERS
    }


def parameter_file_lists(parameters: Mapping[str, object]) -> dict[str, tuple[Path, ...]]:
    """The parameters that name several existing files, separated by commas (`outcome_lists`),
    with the absolute path of each, in the order given; a relative one found as for
    `parameter_files`."""
    found: dict[str, tuple[Path, ...]] = {}
    for name in EXISTING_PATH_LIST_PARAMETERS:
        value = parameters.get(name)
        if isinstance(value, str) and value.strip():
            parts = (_named_path(part.strip(), name) for part in value.split(","))
            found[name] = tuple(path for path in parts if path is not None)
    return found


def parameter_inputs(parameters: Mapping[str, object]) -> dict[str, str]:
    """SHA-256 of every file a parameter names, keyed `parameter:<name>`; a folder's files are
    keyed `parameter:<name>/<path inside it>`.

    A path alone does not decide a run: a ward lookup edited in place keeps its name, so its
    bytes must go into the run id as the data folder's do. Text that names no existing file
    (a date, an initiative's name, `""`) adds nothing. A review store (`review_store`) is
    identified by where its decision chain ends instead of by its bytes: reading it writes a
    line to its access log, which would give the same run a new id each time; a new decision
    moves the chain's end.
    """
    hashes: dict[str, str] = {}
    for name, paths in parameter_file_lists(parameters).items():
        for number, path in enumerate(paths, start=1):
            if path.is_file():  # each list's bytes, in the order given
                hashes[f"parameter:{name}[{number}]"] = file_sha256(path)
    for name, path in parameter_files(parameters).items():
        if path.is_file():
            end = stored_chain_end(path)
            hashes[f"parameter:{name}"] = (
                file_sha256(path) if end is None else f"review-store-chain:{end[0]}:{end[1]}"
            )
            continue
        for inner in _folder_files(name, path):
            hashes[f"parameter:{name}/{inner.relative_to(path).as_posix()}"] = file_sha256(inner)
    return hashes


# A folder a parameter names (a run to check) is hashed whole; a parameter naming a folder
# like /usr by mistake must not hash all of it.
MAX_FOLDER_FILES = 1_000
MAX_FOLDER_BYTES = 4 * 2**30


def _folder_files(name: str, folder: Path) -> list[Path]:
    """The files under `folder` (links not followed), or a UsageError when there are more
    than a run folder ever holds."""
    found: list[Path] = []
    size = 0
    for root, _dirs, files in os.walk(folder, followlinks=False):
        for file_name in files:
            inner = Path(root) / file_name
            if inner.is_symlink() or not inner.is_file():
                continue
            found.append(inner)
            size += inner.stat().st_size
            if len(found) > MAX_FOLDER_FILES or size > MAX_FOLDER_BYTES:
                raise UsageError(
                    f"Parameter {name!r} names the folder {folder}, which holds more than "
                    f"{MAX_FOLDER_FILES:,} files or {MAX_FOLDER_BYTES // 2**30} GiB: every "
                    "file a parameter names is hashed into the run id, so name the file itself "
                    "(or the run folder to check)."
                )
    return sorted(found)


@dataclass(frozen=True)
class RunIdentity:
    """What decides a report run's output, and the run id made from it."""

    run_id: str
    notebook_sha256: str
    inputs: dict[str, str]
    parameters: dict[str, object]
    rule_set: str | None
    files: dict[str, Path]
    file_lists: dict[str, tuple[Path, ...]] = field(default_factory=dict)
    code_changes: str | None = None
    """The digest of uncommitted changes to the package (`provenance.code_changes`)."""


def identify(
    source: Path, data: str | Path, parameters: Mapping[str, object], kernel: str = "python3"
) -> RunIdentity:
    """The run id and manifest inputs of running notebook `source` on `data` with `parameters`.

    The inputs are the data folder's canonical files and every file a parameter names; the
    notebook's own hash joins them in the id (it decides the output as much as the data does)
    but is recorded apart in the manifest.

    A notebook given what was assessed already (05's `run`, 03's `list_file`) reports on what
    that run or list was made for: its initiative, term start, evidence date and linkage
    (`FROM_ASSESSED`), its rule set and its rule file's SHA-256 are taken from its manifest,
    and a parameter given that contradicts them is refused (`UsageError`); one its manifest
    does not record is left out, never recorded as the notebook's unused default.
    """
    checked = _checked_parameters(source, parameters, kernel)
    given_to = assessed(parameter_files(checked))
    if given_to is not None:
        named = parameters.get(given_to.parameter) or given_to.path
        _refuse_a_list_without_its_manifest(given_to.parameter, named, given_to.path)
    if given_to is None:
        rule_set, rules = _rule_set_ref(checked), _rule_file(checked)
    else:  # a run or list: what it was made for, as its manifest records it
        checked = _as_assessed(checked, parameters, given_to)
        rule_set, rules = given_to.rule_set, given_to.rule_inputs
    inputs = {**canonical_inputs(data), **parameter_inputs(checked), **rules}
    notebook_sha = file_sha256(source)
    identity = {**inputs, f"notebook:{source.name}": notebook_sha}
    changes = code_changes(Path(__file__).parents[1])
    return RunIdentity(
        run_id=run_id(identity, checked, rule_set or "", code_version(__version__, changes)),
        code_changes=changes,
        notebook_sha256=notebook_sha,
        inputs=inputs,
        parameters=checked,
        rule_set=rule_set,
        files=parameter_files(checked),
        file_lists=parameter_file_lists(checked),
    )


def _rule_file(parameters: Mapping[str, object]) -> dict[str, str]:
    """The package rule file the notebook's initiative reads, as ``rules:<name>`` and its
    SHA-256, as `assess` records it: a rule file edited in place makes another run."""
    if "initiative" not in parameters:
        return {}
    from workbench.rules import rules_folder

    path = rules_folder() / f"{parameters['initiative']}.yaml"
    return {f"rules:{path.name}": file_sha256(path)} if path.is_file() else {}


def _rule_set_ref(parameters: Mapping[str, object]) -> str | None:
    if "initiative" not in parameters:
        return None
    from workbench.rules import load_rule_set

    return load_rule_set(str(parameters["initiative"])).ref


# --- what was assessed already -----------------------------------------------------------------


def manifest_path(path: Path) -> Path:
    """Where a run folder (`manifest.json` in it) or a list (`FILE.manifest.json` beside it)
    keeps its manifest."""
    return path / "manifest.json" if path.is_dir() else path.with_name(path.name + ".manifest.json")


def _read_manifest(path: Path) -> dict[str, object] | None:
    """A manifest's record; None when there is none or it cannot be read as one."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


@dataclass(frozen=True)
class Assessed:
    """What a notebook was given that was assessed already (05's `run`, 03's `list_file`),
    and what its manifest records; `manifest` is None when it has none that can be read."""

    parameter: str
    path: Path
    manifest: Mapping[str, object] | None

    @property
    def parameters(self) -> dict[str, object]:
        """The parameters it was made with (initiative, term start, ...); {} when unknown."""
        recorded = (self.manifest or {}).get("parameters")
        return dict(recorded) if isinstance(recorded, dict) else {}

    @property
    def rule_set(self) -> str | None:
        """The rule set it was made with (`id@version`), as its manifest records it."""
        recorded = (self.manifest or {}).get("rule_set")
        return recorded if isinstance(recorded, str) else None

    @property
    def rule_inputs(self) -> dict[str, str]:
        """The SHA-256 of the rule file it was made with, as `rules:<name>`."""
        inputs = (self.manifest or {}).get("inputs")
        if not isinstance(inputs, dict):
            return {}
        return {k: str(v) for k, v in inputs.items() if str(k).startswith("rules:")}

    def describe(self, given: str) -> str:
        """What it is for, in a sentence's words: "lists/two.csv, a list made with
        initiative=two_year_old, term_start=2026-09-01, as_of=2026-08-01 (as its manifest
        records)"."""
        kind = "run" if self.path.is_dir() else "list"
        if self.manifest is None:
            return (
                f"{given}, a {kind} with no manifest that can be read "
                f"({manifest_path(self.path)}) to say what it was made for"
            )
        recorded = self.parameters
        made = [f"{name}={recorded[name]}" for name in FROM_ASSESSED if name in recorded]
        if not made:
            return f"{given}, a {kind} whose manifest records none of {', '.join(FROM_ASSESSED)}"
        return f"{given}, a {kind} made with {', '.join(made)} (as its manifest records)"


def assessed(files: Mapping[str, Path]) -> Assessed | None:
    """What was assessed already among the files the parameters name (`parameter_files`),
    with its manifest; None when the notebook was given none. The one reader of a run's or
    list's manifest for a report: its run folder's name (`report._label`) and its manifest's
    initiative, dates and rule set (`identify`)."""
    for name in _ASSESSED:
        if name in files:
            return Assessed(name, files[name], _read_manifest(manifest_path(files[name])))
    return None


def _refuse_a_list_without_its_manifest(parameter: str, named: object, path: Path) -> None:
    """A UsageError, before a kernel starts, for a list (03's `list_file`, 05's `run`, each of
    04's `outcome_lists`) at `path` with no manifest beside it that can be read: the notebook
    reads what the list was made for from it, and stopped inside the kernel without one.
    `named`: the list as the parameter gave it, for the message. A run folder is not refused:
    05 checks a folder of lists, and says what it finds."""
    manifest = manifest_path(path)
    if not path.is_file() or _read_manifest(manifest) is not None:
        return
    what = "cannot be read as one (a JSON object)" if manifest.exists() else "is not there"
    raise UsageError(
        f"Parameter {parameter!r} names {named}, a list whose manifest {manifest} "
        f"{what}: a report reads what the list was made for (initiative, term, evidence date, "
        "rule set) from it. Give the list as `workbench assess` wrote it, with its manifest "
        "beside it (FILE.manifest.json), or make the list again with `workbench assess`."
    )


def _as_assessed(
    checked: Mapping[str, object], given: Mapping[str, object], found: Assessed
) -> dict[str, object]:
    """`checked` with `FROM_ASSESSED` as `found`'s manifest records them; a parameter given
    (on the command line) that differs refused, before a kernel starts."""
    recorded = found.parameters
    result = dict(checked)
    for name in FROM_ASSESSED:
        if name not in checked:
            continue  # the notebook does not take it
        value = recorded.get(name)
        if name in given and not _same_value(name, checked[name], value):
            raise UsageError(
                f"Parameter {name!r} ({checked[name]}) does not fit "
                f"{found.describe(str(given.get(found.parameter) or found.path))}: a notebook "
                f"given -p {found.parameter}= reports on what it was made for. Leave -p {name} "
                f"out, or give the {'run' if found.path.is_dir() else 'list'} made for "
                f"{name}={checked[name]}."
            )
        if value is None:
            del result[name]  # unknown: never the notebook's unused default
        else:
            result[name] = value
    return dict(sorted(result.items()))


def _same_value(name: str, value: object, recorded: object) -> bool:
    """Whether a parameter given says what the manifest records: a rule file (.yaml) given as
    the initiative says its rule set's id, which is what a list records."""
    if recorded is None:
        return False
    if str(value) == str(recorded):
        return True
    if name == "initiative" and Path(str(value)).suffix.lower() in (".yaml", ".yml"):
        from workbench.rules import load_rule_set

        return load_rule_set(str(value)).id == recorded
    return False
