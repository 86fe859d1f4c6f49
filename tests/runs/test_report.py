"""The report runner's pieces that need no kernel: names, parameters, hashes, HTML, profiles.

Notebooks actually executed by papermill are in test_notebooks.py.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path
from typing import cast

import nbformat
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests.command import workbench
from workbench import __version__
from workbench.data.reading import load_folder
from workbench.errors import DataFileError, UsageError, WorkbenchError
from workbench.provenance import code_changes, code_version, file_sha256, run_id
from workbench.rules import load_rule_set, rules_folder
from workbench.rules.model import RULES_FOLDER
from workbench.runs.html import remote_resources, render_html
from workbench.runs.notebook import data_profile, readable
from workbench.runs.parameters import (
    NOTEBOOKS,
    _relative_date,
    available_notebooks,
    canonical_inputs,
    identify,
    parameter_file_lists,
    parameter_files,
    parameter_inputs,
    parse_parameters,
    resolve_notebook,
)
from workbench.runs.report import run_report

SAMPLE = Path(__file__).parents[2] / "data_samples" / "council_small"
PEOPLE = """\
person_id,household_id,forename,surname,date_of_birth,postcode
P1,H1,Ann,Lee,2024-03-15,
P2,H1,Bob,Lee,1990-11-02,FQ1 1AA
"""
BENEFITS = """\
award_id,person_id,benefit,start_date,end_date
A1,P2,universal_credit,2025-01-01,
"""


def write_notebook(path: Path, parameters: str | None, *body: str) -> Path:
    """A small notebook: an optional parameters cell, then code cells."""
    cells = []
    if parameters is not None:
        cell = new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        cells.append(cell)
    cells += [new_code_cell(source) for source in body]
    nbformat.write(new_notebook(cells=cells), path)
    return path


# --- command-line parameters ------------------------------------------------------------------


def test_parameters_from_the_command_line_are_name_value_text():
    pairs = ["term_start=2026-09-01", "initiative=two_year_old", "note=a=b"]
    assert parse_parameters(pairs) == {
        "term_start": "2026-09-01",
        "initiative": "two_year_old",
        "note": "a=b",
    }
    assert parse_parameters(None) == {}


def test_a_parameter_given_twice_is_refused_naming_both_values():
    with pytest.raises(UsageError) as caught:
        parse_parameters(["term_start=2026-09-01", "as_of=2026-08-01", "term_start=2027-01-04"])
    assert str(caught.value) == (
        "-p term_start is given twice ('2026-09-01' and '2027-01-04'); give each parameter once."
    )


@pytest.mark.parametrize("pair", ["term_start", "=2026-09-01", " =x"])
def test_a_parameter_without_a_name_and_value_is_refused(pair):
    with pytest.raises(UsageError, match="-p expects NAME=VALUE"):
        parse_parameters([pair])


@given(
    name=st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True),
    value=st.text(max_size=30),
)
def test_any_name_and_value_come_back_as_given(name, value):
    assert parse_parameters([f"{name}={value}"]) == {name: value}


# --- finding notebooks ------------------------------------------------------------------------


def test_notebooks_are_found_by_name_with_or_without_suffix():
    expected = NOTEBOOKS / "02_eligibility_list.ipynb"
    assert resolve_notebook("02_eligibility_list") == expected
    assert resolve_notebook("02_eligibility_list.ipynb") == expected
    assert {"01_explore_data", "02_eligibility_list"} <= set(available_notebooks())


def test_a_notebook_is_found_by_its_number_when_only_one_has_it(tmp_path):
    assert resolve_notebook("04") == NOTEBOOKS / "04_take_up_report.ipynb"
    for name in ("01_one", "01_two", "02_three"):
        write_notebook(tmp_path / f"{name}.ipynb", "data = 'x'\noutput_dir = 'y'")
    assert resolve_notebook("02", folder=tmp_path) == tmp_path / "02_three.ipynb"
    with pytest.raises(UsageError, match="No notebook '01'"):
        resolve_notebook("01", folder=tmp_path)
    with pytest.raises(UsageError, match="No notebook '09'"):
        resolve_notebook("09")


def test_a_notebook_is_found_by_path(tmp_path):
    path = write_notebook(tmp_path / "mine.ipynb", "data = 'x'\noutput_dir = 'y'")
    assert resolve_notebook(path) == path
    assert resolve_notebook(str(path)) == path


def test_a_misspelt_notebook_name_gets_a_hint():
    with pytest.raises(UsageError, match="Did you mean '02_eligibility_list'"):
        resolve_notebook("02_eligibilty_list")


# --- refused before anything is written --------------------------------------------------------


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"term_strat": "2026-09-01"}, "has no parameter 'term_strat'.*Did you mean 'term_start'"),
        ({"data": "elsewhere"}, "'data' is set by the runner; give the data folder as --data"),
        (
            {"output_dir": "elsewhere"},
            "'output_dir' is set by the runner; give the folder the run folders go in as --reports",
        ),
    ],
)
def test_bad_parameters_are_refused_before_anything_is_written(tmp_path, parameters, message):
    reports = tmp_path / "reports"
    with pytest.raises(UsageError, match=message):
        run_report("02_eligibility_list", data=SAMPLE, parameters=parameters, reports=reports)
    assert not reports.exists()


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
@pytest.mark.parametrize(
    ("parameter", "message"),
    [
        ("term_start=1/9/2026", "'term_start' must be an ISO date like 2026-09-01; got '1/9/2026'"),
        ("as_of=2026-02-30", "'as_of' must be an ISO date like 2026-09-01; got '2026-02-30'"),
        (
            "trend_terms=2026-01-01,spring",
            "'trend_terms' must be an ISO date like 2026-09-01 (several separated by commas); "
            "got 'spring'",
        ),
        ("linkage=fuzzy", "'linkage' must be one of exact, probabilistic; got 'fuzzy'"),
        (
            "threshold=2",
            "'threshold' must be at least 5 (counts below it are hidden in published figures); "
            "got 2",
        ),
        (
            "round_to=-5",
            "'round_to' must be 0 (no rounding) or the multiple to round published counts to, "
            "e.g. 5; got -5",
        ),
        (
            "ward_lookup=no_such_wards.csv",
            "'ward_lookup' names 'no_such_wards.csv', which does not exist (looked for "
            f'{Path("no_such_wards.csv").absolute()}); give an existing file, or "" for none',
        ),
        (
            "review_store=missing/review.sqlite",
            "'review_store' names 'missing/review.sqlite', which does not exist (looked for "
            f'{Path("missing/review.sqlite").absolute()}); give an existing file, or "" for '
            "none",
        ),
        (  # a council's own linkage model folder (it failed in the kernel)
            "linkage_model=missing/model",
            "'linkage_model' names 'missing/model', which does not exist (looked for "
            f'{Path("missing/model").absolute()}); give an existing file, or "" for none',
        ),
        (  # each of several lists (it failed in the kernel, naming ".")
            f"outcome_lists={SAMPLE / 'people.csv'},missing/list.csv",
            "'outcome_lists' names 'missing/list.csv', which does not exist (looked for "
            f'{Path("missing/list.csv").absolute()}); give an existing file, or "" for none',
        ),
        (
            f"outcome_lists={SAMPLE / 'people.csv'}",
            "'outcome_lists' needs 'outcome_store' too: give the review store the lists were "
            "registered in as -p outcome_store=FILE",
        ),
        (
            "initiative=free_lunch",
            "'initiative' must be one of disability_access_fund, early_years_pupil_premium, "
            "free_school_meals, two_year_old or a rule file (.yaml); got 'free_lunch'",
        ),
        # A tester's cases: a trend term after the term reported failed in the kernel (exit
        # 4, after the data was read); one equal to it was dropped without a word.
        (
            "trend_terms=2026-04-01,2027-01-01",
            "'trend_terms' holds 2027-01-01, not before the term reported (term_start "
            "2026-09-01): the trend terms are the earlier terms. Give the latest term as -p "
            "term_start and the earlier ones as -p trend_terms",
        ),
        (
            "trend_terms=2026-09-01",
            "'trend_terms' holds 2026-09-01, not before the term reported (term_start "
            "2026-09-01): the trend terms are the earlier terms. Give the latest term as -p "
            "term_start and the earlier ones as -p trend_terms",
        ),
        (
            "trend_terms=2026-01-01,2026-01-01",
            "'trend_terms' gives 2026-01-01 twice; give each term once",
        ),
        (
            "trend_terms=2026-04-01,",
            "'trend_terms' has an empty part ('2026-04-01,'); give term start dates separated "
            "by commas, like 2026-01-01,2026-04-01",
        ),
    ],
)
def test_a_malformed_shared_parameter_exits_2_before_a_kernel_starts(tmp_path, parameter, message):
    named = parameter.split("=")[0]
    dates = [a for d in ("term_start", "as_of") if d != named for a in ("-p", f"{d}=2026-09-01")]
    done = workbench(
        "report", "04", "--data", str(SAMPLE), "--reports", str(tmp_path / "r"), "-p", parameter,
        *dates,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == f"error: Parameter {message}.\n"
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("notebook", "given", "missing"),
    [
        ("02", (), "-p term_start=YYYY-MM-DD and -p as_of=YYYY-MM-DD"),
        ("04", ("-p", "term_start=next"), "-p as_of=YYYY-MM-DD"),
        ("05", ("-p", "as_of=today"), "-p term_start=YYYY-MM-DD"),
    ],
)
def test_a_report_that_assesses_must_be_given_its_dates(tmp_path, notebook, given, missing):
    """A scheduling tester's run without `-p as_of` silently reported on the notebook's
    example date, 1 September 2026, four months stale."""
    done = workbench(
        "report", notebook, "--data", str(SAMPLE), "--reports", str(tmp_path / "r"), *given
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {notebook}: give {missing}. The notebook's own dates ")
    assert "-p term_start=next -p as_of=today" in done.stderr
    assert not (tmp_path / "r").exists()


def test_the_assurance_report_of_a_run_needs_no_dates(tmp_path):
    from workbench.runs.parameters import dates_to_give

    assert dates_to_give("05", {"run": str(tmp_path)}, "python3") == []
    assert dates_to_give("03", {"list_file": "list.csv"}, "python3") == []  # assessed already
    assert dates_to_give("03", {}, "python3") == ["term_start", "as_of"]
    assert dates_to_give("05", {}, "python3") == ["term_start", "as_of"]
    assert dates_to_give("01", {}, "python3") == []
    assert dates_to_give("06", {}, "python3") == []


@pytest.mark.slow
def test_a_scheduled_run_under_quiet_prints_nothing_on_stderr(tmp_path):
    done = workbench("report", "01", "--data", str(SAMPLE), "--reports", str(tmp_path / "r"))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith("Report: ")


def test_command_line_text_is_typed_by_the_parameters_cell(tmp_path):
    notebook = write_notebook(
        tmp_path / "typed.ipynb",
        "data: str = 'x'\noutput_dir: str = 'y'\nthreshold: int = 10  # smallest count shown",
    )
    with pytest.raises(UsageError, match="Parameter 'threshold' must be a whole number; got 'ten'"):
        run_report(notebook, data=SAMPLE, parameters={"threshold": "ten"}, reports=tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_a_notebook_without_a_parameters_cell_is_refused(tmp_path):
    notebook = write_notebook(tmp_path / "plain.ipynb", None, "print('hello')")
    with pytest.raises(UsageError, match="no cell tagged 'parameters'"):
        run_report(notebook, data=SAMPLE, parameters={}, reports=tmp_path / "r")


def test_a_notebook_that_does_not_take_the_output_dir_is_refused(tmp_path):
    notebook = write_notebook(tmp_path / "half.ipynb", "data = 'x'")
    with pytest.raises(UsageError, match="must declare output_dir"):
        run_report(notebook, data=SAMPLE, parameters={}, reports=tmp_path / "r")


def test_an_unknown_kernel_is_refused_naming_the_installed_ones(tmp_path):
    with pytest.raises(
        UsageError, match=r"No Jupyter kernel 'cobol'; installed kernels: .*python3"
    ):
        run_report(
            "01_explore_data", data=SAMPLE, parameters={}, reports=tmp_path / "r", kernel="cobol"
        )
    assert not (tmp_path / "r").exists()


def test_an_unknown_initiative_is_refused_before_running(tmp_path):
    with pytest.raises(WorkbenchError, match="fairy_godmother"):
        run_report(
            "02_eligibility_list",
            data=SAMPLE,
            parameters={"initiative": "fairy_godmother"},
            reports=tmp_path / "r",
        )
    assert not (tmp_path / "r").exists()


def test_a_missing_data_folder_is_refused_before_running(tmp_path):
    with pytest.raises(DataFileError, match="is not a folder"):
        run_report(
            "01_explore_data", data=tmp_path / "nowhere", parameters={}, reports=tmp_path / "r"
        )
    assert not (tmp_path / "r").exists()


# --- input hashes --------------------------------------------------------------------------------


def test_every_table_like_file_of_the_folder_counts_as_an_input(make_folder):
    # A tester changed ground_truth.csv (which notebook 06 reads) and got another report under
    # the same run id; a README still changes nothing.
    folder = make_folder(
        {
            "people.csv": PEOPLE,
            "benefits.csv": BENEFITS,
            "README.md": "made up\n",
            "ground_truth.csv": "a,b\n1,2\n",
        }
    )
    assert canonical_inputs(folder) == {
        "benefits.csv": hashlib.sha256(BENEFITS.encode()).hexdigest(),
        "ground_truth.csv": hashlib.sha256(b"a,b\n1,2\n").hexdigest(),
        "people.csv": hashlib.sha256(PEOPLE.encode()).hexdigest(),
    }


# --- files named by parameters -----------------------------------------------------------------

WARDS = "postcode,ward\nFQ1 1,Fernley Central\nFQ1 2,Ashcombe\n"
WARDS_MOVED = "postcode,ward\nFQ1 1,Ashcombe\nFQ1 2,Ashcombe\n"
TAKE_UP = NOTEBOOKS / "04_take_up_report.ipynb"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_ward_lookup_edited_in_place_gives_a_new_run_id(tmp_path):
    lookup = tmp_path / "wards.csv"
    parameters = {"ward_lookup": str(lookup)}
    lookup.write_text(WARDS)
    first = identify(TAKE_UP, SAMPLE, parameters)
    lookup.write_text(WARDS_MOVED)
    edited = identify(TAKE_UP, SAMPLE, parameters)
    lookup.write_text(WARDS)
    restored = identify(TAKE_UP, SAMPLE, parameters)

    assert first.parameters["ward_lookup"] == edited.parameters["ward_lookup"] == str(lookup)
    assert edited.run_id != first.run_id
    assert restored.run_id == first.run_id
    assert first.inputs == {
        **canonical_inputs(SAMPLE),
        "parameter:ward_lookup": sha(WARDS),
        **_package_rules(first.parameters["initiative"]),
    }
    assert edited.inputs["parameter:ward_lookup"] == sha(WARDS_MOVED)


@pytest.mark.parametrize(
    ("notebook", "parameters"),
    [
        ("01_explore_data", {}),
        ("02_eligibility_list", {"initiative": "free_school_meals", "term_start": "2026-09-01"}),
        ("04_take_up_report", {"ward_lookup": "", "trend_terms": "2026-01-01,2026-04-01"}),
    ],
)
def test_without_a_file_parameter_the_run_id_is_made_as_before(
    tmp_path, monkeypatch, notebook, parameters
):
    # Run from a folder with files in it: "" must not be taken for the current folder.
    (tmp_path / "stray.csv").write_text("a\n1\n")
    monkeypatch.chdir(tmp_path)
    source = resolve_notebook(notebook)
    identity = identify(source, SAMPLE, parameters)
    rule_set = (
        load_rule_set(cast(str, identity.parameters["initiative"])).ref
        if "initiative" in identity.parameters
        else ""
    )
    notebook_sha = hashlib.sha256(source.read_bytes()).hexdigest()
    # The notebook's rule file is an input, as `assess` records it (no file parameter).
    rules = _package_rules(identity.parameters.get("initiative"))
    before = {**canonical_inputs(SAMPLE), **rules, f"notebook:{source.name}": notebook_sha}
    assert identity.inputs == {**canonical_inputs(SAMPLE), **rules}
    assert identity.files == {}
    code = code_version(__version__, identity.code_changes)  # edited code: another run id
    assert identity.run_id == run_id(before, identity.parameters, rule_set, code)


def _package_rules(initiative: object) -> dict[str, str]:
    if initiative is None:
        return {}
    path = rules_folder() / f"{initiative}.yaml"
    return {f"rules:{path.name}": hashlib.sha256(path.read_bytes()).hexdigest()}


@pytest.mark.parametrize(
    ("today", "initiative", "term"),
    [
        (date(2026, 8, 1), "two_year_old", date(2026, 9, 1)),  # the README's three firings
        (date(2026, 12, 1), "two_year_old", date(2027, 1, 1)),
        (date(2027, 3, 1), "two_year_old", date(2027, 4, 1)),
        (date(2026, 9, 1), "two_year_old", date(2027, 1, 1)),  # after today, not on it
        (date(2026, 12, 1), "free_school_meals", date(2027, 9, 1)),  # its rules: September
    ],
)
def test_next_is_the_first_of_the_rules_term_starts_after_today(today, initiative, term):
    assert _relative_date("next", initiative, today) == term
    assert _relative_date("today", initiative, today) == today


def test_a_scheduled_run_may_give_the_term_as_next_and_the_evidence_as_today(monkeypatch):
    # The README's crontab line gave fixed dates, so every later firing listed the same term.
    monkeypatch.setattr("workbench.runs.parameters.clock_today", lambda: date(2026, 12, 7))
    source = resolve_notebook("02_eligibility_list")
    named = identify(source, SAMPLE, {"term_start": "next", "as_of": "today"})
    assert (named.parameters["term_start"], named.parameters["as_of"]) == (
        "2027-01-01",
        "2026-12-07",
    )
    # The run is the run of those dates: its id is theirs.
    dated = identify(source, SAMPLE, {k: named.parameters[k] for k in ("term_start", "as_of")})
    assert dated.run_id == named.run_id


def test_a_rule_file_edited_in_place_gives_a_new_run_id(tmp_path, monkeypatch):
    # A scheduling tester changed the package's income limit, same id and version: the same
    # run id came back, and the report of another list replaced the first.
    folder = tmp_path / "rules"
    shutil.copytree(rules_folder(), folder)
    monkeypatch.setattr("workbench.rules.model.RULES_FOLDER", folder)
    parameters = {"initiative": "two_year_old", "term_start": "2026-09-01"}
    first = identify(resolve_notebook("02_eligibility_list"), SAMPLE, parameters)
    rules = folder / "two_year_old.yaml"
    rules.write_text(rules.read_text().replace("15400", "30000"))
    edited = identify(resolve_notebook("02_eligibility_list"), SAMPLE, parameters)
    assert edited.rule_set == first.rule_set  # the same id and version
    assert edited.inputs["rules:two_year_old.yaml"] == sha(rules.read_text())
    assert edited.run_id != first.run_id


def test_only_parameters_naming_existing_files_are_hashed_and_never_a_key(tmp_path, monkeypatch):
    (tmp_path / "pseudonym.key").write_text("ab" * 32)
    # A file that happens to bear an initiative's name is not what `initiative` means.
    (tmp_path / "two_year_old").write_text("not a rule file")
    monkeypatch.chdir(tmp_path)
    assert (
        parameter_inputs(
            {
                "ward_lookup": "",
                "term_start": "2026-09-01",
                "initiative": "two_year_old",
                "threshold": 10,
                "out": str(tmp_path / "out" / "not_written_yet.csv"),
                "key_file": str(tmp_path / "pseudonym.key"),
            }
        )
        == {}
    )


def test_a_folder_parameter_contributes_every_file_in_it(tmp_path):
    run = tmp_path / "run"
    (run / "restricted").mkdir(parents=True)
    (run / "restricted" / "list.csv").write_text("child\nC1\n")
    (run / "manifest.json").write_text("{}\n")
    assert parameter_inputs({"run": str(run)}) == {
        "parameter:run/manifest.json": sha("{}\n"),
        "parameter:run/restricted/list.csv": sha("child\nC1\n"),
    }


def test_a_rule_file_edited_without_a_new_version_gives_a_new_run_id(tmp_path):
    rules = tmp_path / "free_school_meals.yaml"
    shutil.copy(RULES_FOLDER / "free_school_meals.yaml", rules)
    notebook = NOTEBOOKS / "02_eligibility_list.ipynb"
    first = identify(notebook, SAMPLE, {"initiative": str(rules)})
    rules.write_text(rules.read_text() + "# reviewed by the legal team\n")
    edited = identify(notebook, SAMPLE, {"initiative": str(rules)})
    assert first.rule_set == edited.rule_set == load_rule_set("free_school_meals").ref
    assert first.inputs["parameter:initiative"] != edited.inputs["parameter:initiative"]
    assert edited.inputs["parameter:initiative"] == hashlib.sha256(rules.read_bytes()).hexdigest()
    assert first.run_id != edited.run_id


def test_a_report_run_records_the_ward_lookup_hash_and_reads_it_by_a_relative_path(
    tmp_path, monkeypatch
):
    notebook = write_notebook(
        tmp_path / "wards.ipynb",
        'data: str = "d"\noutput_dir: str = "o"\nward_lookup: str = ""',
        "from pathlib import Path\n"
        'Path(output_dir, "shareable", "lookup.csv").write_bytes(Path(ward_lookup).read_bytes())',
    )
    (tmp_path / "wards.csv").write_text(WARDS)
    monkeypatch.chdir(tmp_path)
    run = run_report(
        notebook, data=SAMPLE, parameters={"ward_lookup": "wards.csv"}, reports=Path("r")
    )
    record = json.loads(run.manifest.read_text())
    assert record["parameters"] == {"ward_lookup": "wards.csv"}
    assert record["inputs"] == {**canonical_inputs(SAMPLE), "parameter:ward_lookup": sha(WARDS)}
    assert record["run_id"] == identify(notebook, SAMPLE, {"ward_lookup": "wards.csv"}).run_id
    assert (run.run_dir / "shareable" / "lookup.csv").read_text() == WARDS


# --- the HTML rendering ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ('<script src="https://cdn.example/x.js"></script>', ['<script src="https://']),
        ("<script src='//cdn.example/x.js'></script>", ["<script src='//"]),
        (
            '<link rel="stylesheet" href="http://fonts.example/css">',
            ['<link rel="stylesheet" href="http://'],
        ),
        ('<style>@import url("https://fonts.example/a.css");</style>', ['@import url("https://']),
        ("<style>body{background:url(https://x.example/a.png)}</style>", ["url(https://"]),
        ('<img alt="chart" src="http://x.example/a.png">', ['<img alt="chart" src="http://']),
        (
            '<svg><image xlink:href="https://x.example/a.png"/></svg>',
            ['<image xlink:href="https://'],
        ),
        ('<a href="https://www.legislation.gov.uk/uksi/2014/2147">SI 2014/2147</a>', []),
        ('<img src="data:image/png;base64,iVBORw0KGgo=">', []),
        ("<p>Source: https://www.gov.uk/free-school-meals</p>", []),
    ],
)
def test_remote_resources_are_what_a_browser_would_fetch(html, found):
    assert remote_resources(html) == found


def test_the_html_hides_code_and_prompts_and_loads_nothing_remote(tmp_path):
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# Take-up\nSee [the rules](https://www.gov.uk/x)."),
            new_code_cell(
                "secret_helper_call()",
                execution_count=1,
                outputs=[
                    new_output(
                        "execute_result",
                        data={"text/html": "<table><tr><td>42</td></tr></table>"},
                        execution_count=1,
                    )
                ],
            ),
        ],
        metadata={"title": "Take-up report"},
    )
    nbformat.write(notebook, tmp_path / "done.ipynb")
    html = render_html(tmp_path / "done.ipynb", tmp_path / "report.html").read_text()
    assert "<title>Take-up report</title>" in html
    assert "<td>42</td>" in html
    assert '<a href="https://www.gov.uk/x">the rules</a>' in html
    assert "secret_helper_call" not in html
    assert "In [" not in html and "Out[" not in html
    assert "<script" not in html
    assert remote_resources(html) == []


def test_an_output_that_loads_a_remote_script_is_not_rendered(tmp_path):
    chart = '<div id="vis"></div><script src="https://cdn.jsdelivr.net/npm/vega@5"></script>'
    notebook = new_notebook(
        cells=[
            new_code_cell(
                "chart",
                execution_count=1,
                outputs=[new_output("display_data", data={"text/html": chart})],
            )
        ]
    )
    nbformat.write(notebook, tmp_path / "chart.ipynb")
    with pytest.raises(WorkbenchError, match=r"would load .*https:.* from the network"):
        render_html(tmp_path / "chart.ipynb", tmp_path / "report.html")
    assert not (tmp_path / "report.html").exists()


# --- what notebooks show -------------------------------------------------------------------------


def test_the_profile_gives_rows_empty_cells_and_months_per_column(make_folder):
    loaded = load_folder(make_folder({"people.csv": PEOPLE, "benefits.csv": BENEFITS}))
    assert data_profile(loaded).rows() == [
        ("people", "person_id", "String", 2, 0, None, None),
        ("people", "household_id", "String", 2, 0, None, None),
        ("people", "forename", "String", 2, 0, None, None),
        ("people", "surname", "String", 2, 0, None, None),
        # No month holds 10 rows (the disclosure threshold): a month of one row is one person's.
        ("people", "date_of_birth", "Date", 2, 0, None, None),
        ("people", "postcode", "String", 2, 1, None, None),
        ("benefits", "award_id", "String", 1, 0, None, None),
        ("benefits", "person_id", "String", 1, 0, None, None),
        ("benefits", "benefit", "String", 1, 0, None, None),
        ("benefits", "start_date", "Date", 1, 0, None, None),
        ("benefits", "end_date", "Date", 1, 1, None, None),
    ]
    # With a threshold of 1, every month with a row may be shown.
    profile = data_profile(loaded, threshold=1).filter(pl.col("column") == "date_of_birth")
    assert profile.select("first_month", "last_month").row(0) == ("1990-11", "2024-03")


def test_the_profile_shows_no_month_that_fewer_than_the_threshold_share(make_folder):
    # The oldest person (born October 1929) and the youngest (June 2025) are alone in their
    # months: the first and last months shown are those of at least 10 people.
    born = (
        ["1929-10-03"]
        + [f"1990-01-{day:02d}" for day in range(1, 11)]
        + [f"2024-03-{day:02d}" for day in range(1, 13)]
        + ["2025-06-30"]
    )
    people = "person_id,household_id,forename,surname,date_of_birth,postcode\n" + "".join(
        f"P{i},H{i},Ann,Lee,{day},FQ1 1AA\n" for i, day in enumerate(born)
    )
    loaded = load_folder(make_folder({"people.csv": people, "benefits.csv": BENEFITS}))
    profile = data_profile(loaded).filter(pl.col("column") == "date_of_birth")
    assert profile.select("rows", "first_month", "last_month").row(0) == (24, "1990-01", "2024-03")
    # A month needs the threshold itself: with 11, only March 2024 has enough.
    eleven = data_profile(loaded, threshold=11).filter(pl.col("column") == "date_of_birth")
    assert eleven.select("first_month", "last_month").row(0) == ("2024-03", "2024-03")


def test_a_readable_table_escapes_text_blanks_gaps_and_right_aligns_numbers():
    frame = pl.DataFrame({"area": ["<North>", None], "children": [12, None]})
    assert readable(frame)._repr_html_() == (
        '<table class="workbench"><thead><tr><th>area</th><th>children</th></tr></thead>'
        '<tbody><tr><td>&lt;North&gt;</td><td class="num">12</td></tr>'
        '<tr><td></td><td class="num"></td></tr></tbody></table>'
    )


def test_a_parameter_naming_a_huge_folder_is_refused_not_hashed(tmp_path, monkeypatch):
    import workbench.runs.parameters as parameters

    monkeypatch.setattr(parameters, "MAX_FOLDER_FILES", 3)  # as -p ward_lookup=/usr would be
    for number in range(5):
        (tmp_path / f"f{number}.txt").write_text("x")
    with pytest.raises(UsageError, match=r"^Parameter 'ward_lookup' names the folder .* more"):
        parameter_inputs({"ward_lookup": str(tmp_path)})


def test_a_review_store_gives_the_same_run_id_until_a_decision_is_recorded(tmp_path):
    # Reading a store logs the reading in it: its bytes change on every run, its decision
    # chain only when someone decides.
    from workbench.review.store import ReviewStore

    store = tmp_path / "review.sqlite"
    key = "pk_" + "0" * 24
    items = pl.DataFrame({"item_key": [key], "tier": ["likely"], "reason_codes": ["A"]})
    with ReviewStore(store) as opened:
        list_id = opened.add_list("r-1", "two_year_old", "two_year_old@1", {}, items)
    parameters = {"ward_lookup": "", "review_store": str(store)}
    first = identify(TAKE_UP, SAMPLE, parameters)
    with ReviewStore(store) as opened:
        opened.log_access("An Analyst", "report", "read the store")
    read_again = identify(TAKE_UP, SAMPLE, parameters)
    with ReviewStore(store) as opened:
        opened.record_decision(list_id, key, "contact", "A Reviewer")
        seq, head = opened.head()
    decided = identify(TAKE_UP, SAMPLE, parameters)

    assert read_again.run_id == first.run_id
    assert decided.run_id != first.run_id
    assert decided.inputs["parameter:review_store"] == f"review-store-chain:{seq}:{head}"
    assert first.inputs["parameter:review_store"] != decided.inputs["parameter:review_store"]


def test_a_parameter_file_that_is_not_a_review_store_is_hashed_by_its_bytes(tmp_path):
    import sqlite3

    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    assert parameter_inputs({"review_store": str(other)}) == {
        "parameter:review_store": hashlib.sha256(other.read_bytes()).hexdigest()
    }


def test_a_data_folder_changed_while_the_notebook_ran_fails_the_run(make_folder, tmp_path):
    from workbench.runs.report import ReportFailed

    data = make_folder({"people.csv": PEOPLE, "benefits.csv": BENEFITS})
    # A new extract lands in the folder while the notebook runs.
    notebook = write_notebook(
        tmp_path / "slow.ipynb",
        "data = ''\noutput_dir = ''",
        "from pathlib import Path\n"
        "people = Path(data) / 'people.csv'\n"
        "people.write_text(people.read_text() + 'P3,H1,Cy,Lee,2024-01-01,\\n')\n"
        "(Path(output_dir) / 'shareable' / 'take_up.csv').write_text('group,eligible\\n')",
    )
    reports = tmp_path / "r"
    with pytest.raises(ReportFailed) as caught:
        run_report(notebook, data=data, parameters={}, reports=reports)
    assert f"{data}: changed while the notebook ran" in str(caught.value)
    assert caught.value.run.run_dir.name.endswith("-failed")
    assert [p.name.endswith("-failed") for p in reports.iterdir()] == [True]  # no report
    # Its tables are kept, but not where a publisher takes shareable tables from.
    kept = caught.value.run.run_dir
    assert not (kept / "shareable").exists()
    assert (kept / "shareable-of-a-failed-run" / "take_up.csv").is_file()
    from workbench.runs import assure, report

    assert assure.NOT_PUBLISHED == report.NOT_PUBLISHED  # assure reads the run as it is kept


def test_the_kernel_is_not_interrupted_at_shutdown():
    # jupyter_client interrupts a kernel before asking it to shut down; one reached between
    # two messages logged "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel" on the
    # runner's stderr, and a scheduled run under --quiet printed it (a CI run failed on it).
    import asyncio

    from workbench.runs.report import LocalKernelManager

    manager = LocalKernelManager(kernel_name="python3")
    with pytest.raises(RuntimeError, match="No kernel is running"):
        asyncio.run(manager._async_interrupt_kernel())  # running: interrupted as before
    manager.shutting_down = True
    assert asyncio.run(manager._async_interrupt_kernel()) is None  # shutting down: not


def test_several_outcome_lists_given_relative_are_read_and_hashed_each(tmp_path, monkeypatch):
    # A tester's case: `-p outcome_lists=work/a.csv,work/b.csv` passed the check before the run,
    # then failed in the kernel (which runs in the run folder) as "does not exist"; nor did the
    # lists' bytes go into the run id. Each is made absolute and hashed, in the order given.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "a.csv").write_text("person_id\nP1\n")
    (tmp_path / "work" / "b.csv").write_text("person_id\nP2\n")
    given = {"outcome_lists": "work/a.csv, work/b.csv"}
    assert parameter_file_lists(given) == {
        "outcome_lists": (tmp_path / "work" / "a.csv", tmp_path / "work" / "b.csv")
    }
    assert "outcome_lists" not in parameter_files(given)
    hashes = parameter_inputs(given)
    assert hashes["parameter:outcome_lists[1]"] == file_sha256(tmp_path / "work" / "a.csv")
    assert hashes["parameter:outcome_lists[2]"] == file_sha256(tmp_path / "work" / "b.csv")


@pytest.mark.slow  # a whole report run: make test-slow (CI runs both)
def test_the_eligibility_report_takes_the_linkage_and_records_it(tmp_path):
    # A tester: the README says every manifest records the linkage, and report 02's did not
    # (it had no such parameter, so it always linked with Splink).
    from workbench.eligibility.assess import assess

    # The medium council: its lists differ by linkage (43 children linked exactly, 42 with
    # Splink), so the list shows which was used.
    medium = SAMPLE.parent / "council_medium"
    dates = {"term_start": "2026-09-01", "as_of": "2026-09-01"}
    for linkage in ("exact", "probabilistic"):
        run = run_report(
            "02", data=medium, parameters={**dates, "linkage": linkage}, reports=tmp_path / "r"
        )
        record = json.loads(run.manifest.read_text())
        assert record["parameters"]["linkage"] == linkage
        (listed,) = (run.run_dir / "restricted").glob("*_list.csv")
        found = assess(medium, "two_year_old", term_start=date(2026, 9, 1),
                       as_of=date(2026, 9, 1), linkage=linkage)  # fmt: skip
        columns = ["person_id", "dwp_record_id"]
        assert pl.read_csv(listed).select(columns).rows() == found.candidates.select(columns).rows()


def test_uncommitted_changes_to_the_code_are_in_the_run_id(tmp_path):
    # A tester edited the package in place: another table, the same run id and commit.
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "disclosure.py").write_text('SUPPRESSED = "c"\n')
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    assert code_changes(tmp_path) is None
    (tmp_path / "disclosure.py").write_text('SUPPRESSED = "X"\n')
    edited = code_changes(tmp_path)
    assert edited is not None and len(edited) == 16
    assert code_changes(tmp_path) == edited  # the same edit, the same digest
    assert code_version("0.1.0", edited) == f"0.1.0+changes.{edited}"
    assert code_changes(tmp_path / "nowhere") is None  # no repository


# --- a notebook given what was assessed already ------------------------------------------------

FSM_MADE = {
    "initiative": "free_school_meals",
    "term_start": "2027-01-01",
    "as_of": "2026-12-01",
    "linkage": "exact",
}


def write_assessed_list(folder: Path, name: str = "fsm.csv", **parameters: str) -> Path:
    """A list file and the manifest `assess` writes beside it (what the runner reads of it)."""
    folder.mkdir(parents=True, exist_ok=True)
    listed = folder / name
    listed.write_text("person_id\n")
    manifest = {
        "parameters": {**FSM_MADE, **parameters},
        "rule_set": "free_school_meals@2026.12.7",
        "inputs": {"people.csv": sha("p"), "rules:free_school_meals.yaml": sha("rules as made")},
    }
    (folder / f"{name}.manifest.json").write_text(json.dumps(manifest))
    return listed


@pytest.mark.parametrize(("notebook", "parameter"), [("03", "list_file"), ("05", "run")])
def test_a_notebook_given_a_list_records_what_the_list_was_made_for(tmp_path, notebook, parameter):
    # A tester's case: report 03 on a free-school-meals list recorded the notebook's unused
    # defaults (two_year_old, 2026-09-01, the two-year-old rule file's hash) in its manifest.
    listed = write_assessed_list(tmp_path)
    found = identify(resolve_notebook(notebook), SAMPLE, {parameter: str(listed)})
    assert {name: found.parameters.get(name) for name in FSM_MADE} == {
        "initiative": "free_school_meals",
        "term_start": "2027-01-01",
        "as_of": "2026-12-01",
        "linkage": "exact" if notebook == "03" else None,  # 05 takes no linkage
    }
    assert found.rule_set == "free_school_meals@2026.12.7"
    rules = {name: digest for name, digest in found.inputs.items() if name.startswith("rules:")}
    assert rules == {"rules:free_school_meals.yaml": sha("rules as made")}
    # The same parameter given as the list records it is accepted, and changes nothing.
    again = identify(
        resolve_notebook(notebook), SAMPLE, {parameter: str(listed), "term_start": "2027-01-01"}
    )
    assert again.run_id == found.run_id


def test_a_notebook_given_a_run_folder_records_what_the_run_was_made_for(tmp_path):
    run = tmp_path / "2026-12-07-02_eligibility_list-free_school_meals-2027-01-01-r-1"
    run.mkdir()
    (run / "manifest.json").write_text(
        json.dumps(
            {
                "parameters": {**FSM_MADE, "threshold": 10},
                "rule_set": "free_school_meals@2026.12.7",
                "inputs": {"rules:free_school_meals.yaml": sha("rules")},
            }
        )
    )
    found = identify(resolve_notebook("05"), SAMPLE, {"run": str(run)})
    assert (found.parameters["initiative"], found.parameters["term_start"]) == (
        "free_school_meals",
        "2027-01-01",
    )
    assert found.parameters["as_of"] == "2026-12-01"
    assert "threshold" not in found.parameters  # only what 05 takes
    assert found.rule_set == "free_school_meals@2026.12.7"
    assert found.inputs["rules:free_school_meals.yaml"] == sha("rules")


def test_a_run_folder_without_a_manifest_records_none_of_the_notebook_s_unused_defaults(
    tmp_path,
):
    folder = tmp_path / "lists"
    folder.mkdir()
    (folder / "hand_made.csv").write_text("person_id\n")
    found = identify(resolve_notebook("05"), SAMPLE, {"run": str(folder)})
    assert [name for name in FSM_MADE if name in found.parameters] == []
    assert found.rule_set is None
    assert [name for name in found.inputs if name.startswith("rules:")] == []


@pytest.mark.slow
@pytest.mark.parametrize(("notebook", "parameter"), [("03", "list_file"), ("05", "run")])
@pytest.mark.parametrize("manifest", [None, "[]"])
def test_a_list_without_its_manifest_exits_2_before_a_kernel_starts(
    tmp_path, notebook, parameter, manifest
):
    # A tester's case: report 03 stopped inside the kernel (exit 1, a failed run kept), and
    # 05 checked it as "no candidate list" found.
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "hand.csv").write_text("person_id\n")
    if manifest is not None:
        (tmp_path / "lists" / "hand.csv.manifest.json").write_text(manifest)
    done = workbench(
        "report", notebook, "--data", str(SAMPLE), "--reports", str(tmp_path / "r"),
        "-p", f"{parameter}=lists/hand.csv", cwd=tmp_path,
    )  # fmt: skip
    what = "is not there" if manifest is None else "cannot be read as one (a JSON object)"
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: Parameter {parameter!r} names lists/hand.csv, a list whose manifest "
        f"{tmp_path / 'lists' / 'hand.csv.manifest.json'} {what}: a report reads what the "
        "list was made for (initiative, term, evidence date, rule set) from it. Give the list "
        "as `workbench assess` wrote it, with its manifest beside it (FILE.manifest.json), or "
        "make the list again with `workbench assess`.\n"
    )
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("manifest", [None, "[]"])
def test_an_outcome_list_without_its_manifest_exits_2_before_a_kernel_starts(tmp_path, manifest):
    # 04 read each outcome list's term from its manifest inside the kernel, and stopped there
    # without one; the check before the run let it through (the run's own check is reused).
    write_assessed_list(tmp_path / "lists", term_start="2026-04-01")  # one as assess wrote it
    (tmp_path / "lists" / "hand.csv").write_text("person_id\n")
    if manifest is not None:
        (tmp_path / "lists" / "hand.csv.manifest.json").write_text(manifest)
    (tmp_path / "review.sqlite").write_bytes(b"")
    done = workbench(
        "report", "04", "--data", str(SAMPLE), "--reports", str(tmp_path / "r"),
        "-p", "term_start=2026-09-01", "-p", "as_of=2026-09-01",
        "-p", "outcome_lists=lists/fsm.csv, lists/hand.csv", "-p", "outcome_store=review.sqlite",
        cwd=tmp_path,
    )  # fmt: skip
    what = "is not there" if manifest is None else "cannot be read as one (a JSON object)"
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "error: Parameter 'outcome_lists' names lists/hand.csv, a list whose manifest "
        f"{tmp_path / 'lists' / 'hand.csv.manifest.json'} {what}: a report reads what the "
        "list was made for (initiative, term, evidence date, rule set) from it. Give the list "
        "as `workbench assess` wrote it, with its manifest beside it (FILE.manifest.json), or "
        "make the list again with `workbench assess`.\n"
    )
    assert not (tmp_path / "r").exists()


def test_outcome_lists_with_their_manifests_pass_the_check_before_the_run(tmp_path):
    first = write_assessed_list(tmp_path, "spring.csv", term_start="2026-04-01")
    second = write_assessed_list(tmp_path, "summer.csv", term_start="2026-06-01")
    (tmp_path / "review.sqlite").write_bytes(b"")
    found = identify(
        resolve_notebook("04"),
        SAMPLE,
        {
            "term_start": "2026-09-01",
            "outcome_lists": f"{first},{second}",
            "outcome_store": str(tmp_path / "review.sqlite"),
        },
    )
    assert found.file_lists == {"outcome_lists": (first, second)}


@pytest.mark.parametrize("folder", [False, True])
def test_a_review_store_that_is_not_there_exits_2_before_notebook_05_starts(tmp_path, folder):
    # 05 reads the store the run's decisions are in and never makes one: a store that is not
    # there stopped it inside the kernel ("no review store there", exit 4, a failed run kept).
    if folder:
        (tmp_path / "review.sqlite").mkdir()
    done = workbench(
        "report", "05", "--data", str(SAMPLE), "--reports", str(tmp_path / "r"),
        "-p", "term_start=2026-09-01", "-p", "as_of=2026-09-01", "-p", "store=review.sqlite",
        cwd=tmp_path,
    )  # fmt: skip
    what = "which is a folder, not a review store" if folder else "which does not exist"
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: Parameter 'store' names 'review.sqlite', {what} (looked for "
        f"{tmp_path / 'review.sqlite'}): 05_assurance reads the review store a run's decisions "
        "were recorded in and never makes one. Give that store's file (the one `workbench "
        'review --store` or WORKBENCH_STORE names), or "" to check the run without its '
        "decisions.\n"
    )
    assert not (tmp_path / "r").exists()


def test_notebook_03_may_be_given_a_store_it_will_make(tmp_path):
    # 03 registers its list in the store it names, making it when it is not there.
    store = tmp_path / "new" / "review.sqlite"
    dates = {"term_start": "2026-09-01", "as_of": "2026-09-01"}
    found = identify(resolve_notebook("03"), SAMPLE, {**dates, "store": str(store)})
    assert found.parameters["store"] == str(store)
    with pytest.raises(UsageError, match=r"'store' names .*, which does not exist"):
        identify(resolve_notebook("05"), SAMPLE, {**dates, "store": str(store)})
    store.parent.mkdir()
    store.write_bytes(b"")
    assert identify(resolve_notebook("05"), SAMPLE, {**dates, "store": str(store)}).parameters[
        "store"
    ] == str(store)


@pytest.mark.parametrize(
    ("notebook", "parameter", "given"),
    [
        ("03", "list_file", "initiative=two_year_old"),
        ("05", "run", "term_start=2026-08-01"),
        ("03", "list_file", "as_of=today"),  # a word: what it became
    ],
)
def test_a_parameter_contradicting_the_list_given_exits_2_before_a_kernel_starts(
    tmp_path, monkeypatch, capsys, notebook, parameter, given
):
    # A tester: `-p initiative=free_school_meals` with a two-year-old list was accepted and
    # recorded, the notebook using neither. Run on the project's clock, which `as_of=today`
    # is worked out on: the real one could pass midnight between the run and the check.
    write_assessed_list(tmp_path / "lists")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("workbench.runs.parameters.clock_today", lambda: date(2026, 12, 7))
    code, out, err = report_main(
        monkeypatch, capsys, notebook, "--data", str(SAMPLE), "--reports", str(tmp_path / "r"),
        "-p", f"{parameter}=lists/fsm.csv", "-p", given,
    )  # fmt: skip
    name, value = given.split("=")
    value = "2026-12-07" if value == "today" else value
    assert (code, out) == (2, "")
    assert err == (
        f"error: Parameter {name!r} ({value}) does not fit lists/fsm.csv, a list made with "
        f"initiative=free_school_meals, term_start=2027-01-01, as_of=2026-12-01, linkage=exact (as "
        f"its manifest records): a notebook given -p {parameter}= reports on what it was made "
        f"for. Leave -p {name} out, or give the list made for {name}={value}.\n"
    )
    assert not (tmp_path / "r").exists()


def test_the_folder_name_and_the_manifest_read_the_list_alike(tmp_path):
    from workbench.runs.report import _label

    listed = write_assessed_list(tmp_path)
    found = identify(resolve_notebook("03"), SAMPLE, {"list_file": str(listed)})
    assert _label(found.parameters, found.files) == "-free_school_meals-2027-01-01"
    assert _label(found.parameters) == "-free_school_meals-2027-01-01"


def test_a_folder_given_by_a_relative_path_is_handed_to_the_kernel_absolute(tmp_path, monkeypatch):
    # A tester's case: `-p run=lists` passed the runner's check (the folder was there) and was
    # then handed to the kernel as given; the kernel, in the run folder, looked for it from
    # the project root ("/tmp/tnb/lists: does not exist", exit 4). A file name worked.
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "a.csv").write_text("person_id\n")
    monkeypatch.chdir(tmp_path)
    assert parameter_files({"run": "lists", "store": "review", "initiative": "lists"}) == {
        "run": tmp_path / "lists"
    }
    found = identify(resolve_notebook("05"), SAMPLE, {"run": "lists"})
    assert found.files == {"run": tmp_path / "lists"}
    assert found.inputs["parameter:run/a.csv"] == sha("person_id\n")


def test_an_outcome_list_for_the_term_reported_exits_2_before_a_kernel_starts(tmp_path):
    # A tester's case: it failed in the kernel (exit 4) after 26 seconds.
    write_assessed_list(tmp_path / "lists", "two.csv", term_start="2026-09-01")
    write_assessed_list(tmp_path / "lists", "earlier.csv", term_start="2026-04-01")
    (tmp_path / "review.sqlite").write_bytes(b"")
    done = workbench(
        "report", "04", "--data", str(SAMPLE), "--reports", str(tmp_path / "r"),
        "-p", "term_start=2026-09-01", "-p", "as_of=2026-09-01",
        "-p", "outcome_lists=lists/earlier.csv,lists/two.csv", "-p", "outcome_store=review.sqlite",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == (
        "error: Parameter 'outcome_lists' names 'lists/two.csv', a list for the term starting "
        "2026-09-01, not before the term reported (term_start 2026-09-01): a campaign's "
        "outcomes are counted in the report of a later term, when its funded places are known. "
        "Give the lists of earlier terms.\n"
    )
    assert not (tmp_path / "r").exists()


def test_a_folder_given_as_an_outcome_list_exits_2_before_a_kernel_starts(tmp_path):
    # A folder passed the manifest check (only a file is a list there to be refused) and the
    # notebook stopped on it inside the kernel.
    write_assessed_list(tmp_path / "lists", "spring.csv", term_start="2026-04-01")
    (tmp_path / "review.sqlite").write_bytes(b"")
    done = workbench(
        "report", "04", "--data", str(SAMPLE), "--reports", str(tmp_path / "r"),
        "-p", "term_start=2026-09-01", "-p", "as_of=2026-09-01",
        "-p", "outcome_lists=lists/spring.csv,lists", "-p", "outcome_store=review.sqlite",
        cwd=tmp_path,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: Parameter 'outcome_lists' names 'lists', a folder ({tmp_path / 'lists'}), not "
        "a list file: give each list file (CSV) `workbench assess` wrote, with its manifest "
        "beside it, separated by commas, like lists/spring.csv,lists/summer.csv.\n"
    )
    assert not (tmp_path / "r").exists()
    with pytest.raises(UsageError, match=r"^Parameter 'outcome_lists' names '/.*/lists', a folder"):
        identify(
            resolve_notebook("04"),
            SAMPLE,
            {
                "outcome_lists": str(tmp_path / "lists"),
                "outcome_store": str(tmp_path / "review.sqlite"),
            },
        )


# --- review stores and pseudonym keys ----------------------------------------------------------

ANOTHER_KEY = bytes(range(32))


def access_lines(store: Path, key: bytes | None = None) -> list[tuple[str, str]]:
    from workbench.review.store import ReviewStore

    with ReviewStore(store, key=key) as opened:
        return opened.access_log().select("command", "detail").rows()


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
@pytest.mark.parametrize(
    ("notebook", "parameters", "named", "fix"),
    [
        (
            "05",
            ("store",),
            "store",
            "Set WORKBENCH_KEY_FILE to the key file the store was made with",
        ),
        (
            "03",
            ("store",),
            "store",
            "Give the key file the store was made with as -p key_file (or set "
            "WORKBENCH_KEY_FILE to it)",
        ),
        (
            "04",
            ("review_store", "outcome_store"),  # one store under two names: said once
            "review_store",
            "Set WORKBENCH_KEY_FILE to the key file the store was made with",
        ),
        (
            "04",
            ("outcome_store",),
            "outcome_store",
            "Set WORKBENCH_KEY_FILE to the key file the store was made with",
        ),
    ],
)
def test_a_store_made_under_another_key_exits_2_before_a_kernel_starts(
    tmp_path, notebook, parameters, named, fix
):
    # A tester's case: report 05 given a store made with another key file stopped with the
    # store's own "keyed with another key" (exit 1) as the run logged its access there.
    import os

    from workbench.review.store import ReviewStore

    ReviewStore(tmp_path / "theirs.sqlite", key=ANOTHER_KEY).close()
    given = [part for name in parameters for part in ("-p", f"{name}=theirs.sqlite")]
    done = workbench(
        "report", notebook, "--data", str(SAMPLE), "--reports", str(tmp_path / "r"),
        "-p", "term_start=2026-09-01", "-p", "as_of=2026-09-01", *given, cwd=tmp_path,
    )  # fmt: skip
    key_file = Path(os.environ["WORKBENCH_KEY_FILE"]).absolute()
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: Parameter {named!r} names 'theirs.sqlite' ({tmp_path / 'theirs.sqlite'}), a "
        "review store keyed with another pseudonym key than this run's (the key file "
        f"{key_file}, from WORKBENCH_KEY_FILE): it refuses an access-log line sealed under "
        f"another key, and under it every child has another pseudonym. {fix}, or give the "
        "store made under this key.\n"
    )
    assert not (tmp_path / "r").exists()
    assert access_lines(tmp_path / "theirs.sqlite", ANOTHER_KEY) == []  # nothing logged
    # The same check before a run started from Python, where nothing logs first.
    with pytest.raises(UsageError, match=rf"^Parameter {named!r} names .* keyed with another"):
        identify(
            resolve_notebook(notebook),
            SAMPLE,
            {name: str(tmp_path / "theirs.sqlite") for name in parameters},
        )


def test_a_store_under_the_run_s_key_or_not_a_keyed_store_passes_the_key_check(tmp_path):
    from workbench.review.store import ReviewStore
    from workbench.runs.parameters import check_store_keys

    ReviewStore(tmp_path / "ours.sqlite").close()  # this run's key (WORKBENCH_KEY_FILE)
    (tmp_path / "empty.sqlite").write_bytes(b"")  # the store says what it makes of these
    (tmp_path / "notes.sqlite").write_text("notes, not a database\n" * 50)
    for name in ("ours", "empty", "notes"):
        assert check_store_keys("05", {"store": str(tmp_path / f"{name}.sqlite")}) is None
    # Nothing is left beside the store by reading its key's fingerprint (-wal, -shm).
    assert sorted(p.name for p in tmp_path.glob("ours.sqlite*")) == [
        "ours.sqlite",
        "ours.sqlite.access",
        "ours.sqlite.heads",
        "ours.sqlite.imports",
    ]
    # A store under another key given with WORKBENCH_KEY: that is the key to set.
    ReviewStore(tmp_path / "theirs.sqlite", key=ANOTHER_KEY).close()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WORKBENCH_KEY", "11" * 32)
        with pytest.raises(UsageError) as refused:
            check_store_keys("05", {"store": str(tmp_path / "theirs.sqlite")})
    assert str(refused.value).endswith(
        "than this run's (the key in WORKBENCH_KEY): it refuses an access-log line sealed "
        "under another key, and under it every child has another pseudonym. Set WORKBENCH_KEY "
        "to the key the store was made with (it is used over any key file), or give the store "
        "made under this key."
    )


def test_a_key_file_not_there_yet_is_the_working_folder_s(tmp_path, monkeypatch):
    # Handed to the kernel as given, a new key file was made from the run folder, or the
    # project root (`project_path`), not where the run was started.
    from workbench.runs.parameters import check_store_keys, secret_files

    monkeypatch.chdir(tmp_path)
    assert secret_files({"key_file": "keys/new.key"}) == {"key_file": tmp_path / "keys/new.key"}
    assert check_store_keys("03", {"key_file": "keys/new.key", "store": "new.sqlite"}) == (
        tmp_path / "keys" / "new.key"
    )
    assert not (tmp_path / "keys").exists()  # made by its first user, never by a check
    assert check_store_keys("05", {"key_file": "keys/new.key"}) is None  # 05 takes none


def test_a_key_file_not_there_yet_with_a_keyed_store_exits_2_and_makes_no_key(tmp_path):
    from workbench.review.store import ReviewStore

    ReviewStore(tmp_path / "review.sqlite").close()
    done = workbench(
        "report", "03", "--data", str(SAMPLE), "--reports", str(tmp_path / "r"),
        "-p", "term_start=2026-09-01", "-p", "as_of=2026-09-01",
        "-p", "store=review.sqlite", "-p", "key_file=new.key", cwd=tmp_path,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: Parameter 'key_file' names 'new.key', which does not exist (looked for "
        f"{tmp_path / 'new.key'}). Parameter 'store' names 'review.sqlite' "
        f"({tmp_path / 'review.sqlite'}), a review store keyed with a key already: a new key "
        "made now could not open it (every child would get another pseudonym). Give the key "
        "file the store was made with as -p key_file, or name a new store as -p store to "
        "start one under a new key.\n"
    )
    assert not (tmp_path / "new.key").exists()
    assert not (tmp_path / "r").exists()
    assert access_lines(tmp_path / "review.sqlite") == []


@pytest.mark.slow  # a whole report run: make test-slow (CI runs both)
def test_report_03_given_a_new_key_file_logs_and_keys_its_new_store_under_it(tmp_path):
    # A tester's case: the runner's access-log line made the store under the default key,
    # and 03, opening it with the key file it made, was refused ("another key").
    from workbench.review import load_key
    from workbench.review.store import ReviewStore

    done = workbench(
        "report", "03", "--data", str(SAMPLE), "--reports", str(tmp_path / "r"),
        "-p", "term_start=2026-09-01", "-p", "as_of=2026-09-01",
        "-p", "store=review.sqlite", "-p", "key_file=keys/new.key", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    key_file = tmp_path / "keys" / "new.key"
    assert done.stderr.startswith(f"note: made a new pseudonym key at {key_file} (there was")
    key = load_key(key_file)
    asked = (
        f"notebook 03, data {SAMPLE}, term_start=2026-09-01, as_of=2026-09-01, store=review.sqlite"
    )
    assert access_lines(tmp_path / "review.sqlite", key)[0] == ("report", asked)
    with ReviewStore(tmp_path / "review.sqlite", key=key) as opened:
        assert opened.lists().get_column("initiative").to_list() == ["two_year_old"]
    [manifest] = (tmp_path / "r").glob("*/manifest.json")
    assert json.loads(manifest.read_text())["status"] == "ok"


@pytest.mark.slow  # a whole report run: make test-slow (CI runs both)
def test_report_04_logs_its_reading_of_the_review_store_as_the_report(tmp_path):
    # Its reading of the link decisions was logged as `stats`, a command no one ran.
    from workbench.review.store import ReviewStore

    ReviewStore(tmp_path / "review.sqlite").close()
    done = workbench(
        "report", "04", "--data", str(SAMPLE), "--reports", str(tmp_path / "r"),
        "-p", "term_start=2026-09-01", "-p", "as_of=2026-09-01",
        "-p", "review_store=review.sqlite", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert access_lines(tmp_path / "review.sqlite") == [
        (
            "report",
            f"notebook 04, data {SAMPLE}, term_start=2026-09-01, as_of=2026-09-01, "
            "review_store=review.sqlite",
        ),
        ("report", "read 0 link decision(s) to apply to links"),
    ]


def report_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """`workbench --quiet report ARGS` run in this process as `main` runs it (a UsageError is
    exit 2), on the clock `clock_today` says: its exit code, stdout and stderr."""
    import signal
    import sys

    from workbench.cli import main

    monkeypatch.setattr("sys.argv", ["workbench", "--quiet", "report", *args])
    handler = signal.getsignal(signal.SIGTERM)  # the command turns SIGTERM into Ctrl-C
    try:
        with pytest.raises(SystemExit) as stopped:
            main()
    finally:
        signal.signal(signal.SIGTERM, handler)
        sys.stdout.flush()
    said = capsys.readouterr()
    return cast(int, stopped.value.code), said.out, said.err


def files_under(folder: Path) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*"))


MAKES_A_STORE_AND_A_KEY = (
    "03", "--data", str(SAMPLE), "--reports", "r", "-p", "term_start=2026-09-01",
    "-p", "as_of=2026-09-01", "-p", "store=new.sqlite", "-p", "key_file=new.key",
)  # fmt: skip


@pytest.mark.parametrize(
    ("notebook", "given", "message"),
    [
        (
            MAKES_A_STORE_AND_A_KEY,
            ("-p", "reviewr=An Officer"),
            "03_review.ipynb has no parameter 'reviewr'; it takes initiative, term_start, as_of, "
            "list_file, linkage, store, reviewer, key_file. Did you mean 'reviewer'?",
        ),
        (
            MAKES_A_STORE_AND_A_KEY,
            ("-p", "linkage=fuzzy"),
            "Parameter 'linkage' must be one of exact, probabilistic; got 'fuzzy'.",
        ),
        (  # the dates are checked before the line too
            ("03", "--data", str(SAMPLE), "--reports", "r", "-p", "store=new.sqlite"),
            (),
            "03: give -p term_start=YYYY-MM-DD and -p as_of=YYYY-MM-DD.",
        ),
        (  # logged in the default store, which would be made with the default key
            ("02", "--data", str(SAMPLE), "--reports", "r", "-p", "term_start=2026-09-01"),
            ("-p", "as_of=2026-09-01", "-p", "threshold=3"),
            "Parameter 'threshold' must be at least 5",
        ),
        (
            MAKES_A_STORE_AND_A_KEY,
            ("--kernel", "no-such-kernel"),
            "No Jupyter kernel 'no-such-kernel'",
        ),
        (
            ("no_such_notebook", "--data", str(SAMPLE), "--reports", "r"),
            ("-p", "key_file=new.key"),
            "No notebook 'no_such_notebook'",
        ),
    ],
)
def test_a_report_refused_leaves_the_folder_as_it_was(
    tmp_path, monkeypatch, capsys, notebook, given, message
):
    # The access-log line was written before the parameters were checked: a run then refused
    # (exit 2) had made 03's new store, its key file, or the default store and key.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "default" / "review.sqlite"))
    monkeypatch.setenv("WORKBENCH_KEY_FILE", str(tmp_path / "keys" / "default.key"))
    monkeypatch.delenv("WORKBENCH_KEY", raising=False)
    (tmp_path / "notes.txt").write_text("already here\n")
    before = files_under(tmp_path)
    code, out, err = report_main(monkeypatch, capsys, *notebook, *given)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {message}"), err
    assert files_under(tmp_path) == before == ["notes.txt"]


def test_a_report_that_passes_its_checks_logs_before_it_writes_anything(
    tmp_path, monkeypatch, capsys
):
    # What the refused runs above would have written, written by a run that passes its
    # checks: the line (and 03's new store and key with it) before the run's own files.
    from workbench.review import load_key
    from workbench.runs import report

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "default" / "review.sqlite"))
    monkeypatch.setenv("WORKBENCH_KEY_FILE", str(tmp_path / "keys" / "default.key"))
    monkeypatch.delenv("WORKBENCH_KEY", raising=False)
    seen = []

    def run(source, data, parameters, kernel, identity, final, *rest):
        seen.append(files_under(tmp_path))  # no kernel: the files there when the run starts
        return report.ReportRun(final, final / "report.html", final / "manifest.json", ok=True)

    monkeypatch.setattr(report, "_run", run)
    code, out, err = report_main(monkeypatch, capsys, *MAKES_A_STORE_AND_A_KEY)
    assert code == 0, err
    assert err.startswith(f"note: made a new pseudonym key at {tmp_path / 'new.key'}")
    store = ["new.sqlite", "new.sqlite.access", "new.sqlite.heads", "new.sqlite.imports"]
    [(*written, reports, lock)] = seen
    assert written == ["new.key", *store]
    assert (reports, lock) == ("r", f"r/.{Path(out.split()[1]).parent.name}.lock")  # held
    asked = f"notebook 03, data {SAMPLE}, term_start=2026-09-01, as_of=2026-09-01, store=new.sqlite"
    assert access_lines(tmp_path / "new.sqlite", load_key(tmp_path / "new.key")) == [
        ("report", asked)
    ]


# --- dates that are probably not what was meant -----------------------------------------------


@pytest.mark.parametrize(
    ("term_start", "as_of", "serious", "notes"),
    [
        ("2027-01-01", "2026-12-07", 0, 0),  # the coming term, on today's evidence
        ("2026-09-01", "2026-12-06", 0, 0),  # within the term
        ("2026-09-01", "2026-12-08", 1, 0),  # tomorrow's evidence
        ("2026-09-01", "2026-12-31", 1, 0),  # still before the next term (1 January)
        ("2026-09-01", "2027-01-01", 1, 1),  # the next term's first day
        ("2025-12-06", "2025-12-06", 0, 0),  # a year and a day ago: a report run again
        ("2024-09-01", "2026-12-07", 0, 1),  # long ago, on today's evidence
        ("2026-09-01", "2026-03-02", 0, 1),  # 183 days before the term, as assess warns
        ("2026-09-01", "2026-03-03", 0, 0),
    ],
)
def test_dates_that_are_probably_mistakes_are_warned_of(term_start, as_of, serious, notes):
    from workbench.runs.parameters import date_warnings

    found = date_warnings(
        {"initiative": "two_year_old", "term_start": term_start, "as_of": as_of},
        today=date(2026, 12, 7),
    )
    assert (len(found[0]), len(found[1])) == (serious, notes)


def test_the_warnings_on_dates_say_what_is_wrong_and_what_to_give():
    from workbench.runs.parameters import date_warnings

    serious, notes = date_warnings(
        {"initiative": "two_year_old", "term_start": "2024-09-01", "as_of": "2027-06-01"},
        today=date(2026, 12, 7),
    )
    assert serious == (
        "The evidence date (as_of 2027-06-01) is after today (2026-12-07): the data cannot yet "
        "show what holds on that day (an award may end, a family may move before then), so "
        "the list rests on evidence not held. Give the day the extract was taken, or -p "
        "as_of=today.",
    )
    assert notes == (
        "The evidence date (as_of 2027-06-01) is on or after the next term start (2025-01-01): "
        "the report is about the term starting 2024-09-01, on evidence from after that term "
        "ended. For a later term, give its start as -p term_start.",
    )
    # Without rules to say when the next term starts, four months on.
    _, notes = date_warnings(
        {"term_start": "2026-11-15", "as_of": "2027-03-01"}, today=date(2027, 6, 1)
    )
    assert notes[0].startswith(
        "The evidence date (as_of 2027-03-01) is on or after the next term start (2027-03-01)"
    )


DATED = 'data: str = "d"\noutput_dir: str = "o"\nterm_start: str = "x"\nas_of: str = "y"'


def report_in_process(monkeypatch, today: date, *args: str):
    """`workbench report ARGS` run in this process, on a machine whose clock says `today`
    (`as_of=today` and the evidence date's warning both read it)."""
    import signal

    from typer.testing import CliRunner

    from workbench.cli import app

    monkeypatch.setattr("workbench.runs.parameters.clock_today", lambda: today)
    handler = signal.getsignal(signal.SIGTERM)  # the command turns SIGTERM into Ctrl-C
    try:
        return CliRunner().invoke(app, ["--quiet", "report", *args])
    finally:
        signal.signal(signal.SIGTERM, handler)


AFTER_TODAY = (
    "The evidence date (as_of 2026-09-01) is after today (2026-08-31): the data cannot yet "
    "show what holds on that day (an award may end, a family may move before then), so the "
    "list rests on evidence not held. Give the day the extract was taken, or -p as_of=today."
)


@pytest.mark.slow  # over 8 s: make test-slow (CI runs both)
def test_a_run_on_evidence_after_today_warns_records_it_and_fails_strict(tmp_path, monkeypatch):
    notebook = write_notebook(tmp_path / "dated.ipynb", DATED, "1")
    given = (str(notebook), "--data", str(SAMPLE), "--reports", str(tmp_path / "r"))
    dates = ("-p", "term_start=2026-09-01", "-p", "as_of=2026-09-01")
    done = report_in_process(monkeypatch, date(2026, 8, 31), *given, *dates, "--strict")
    assert done.exit_code == 3, done.output
    assert done.stderr == f"warning: {AFTER_TODAY}\n"
    [manifest] = (tmp_path / "r").glob("*/manifest.json")
    record = json.loads(manifest.read_text())
    assert record["status"] == "ok"
    assert record["warnings"] == {"serious": [AFTER_TODAY], "notes": 0}
    # Today's evidence for the coming term, on the same clock: nothing to say.
    given = (str(notebook), "--data", str(SAMPLE), "--reports", str(tmp_path / "r2"))
    today = ("-p", "term_start=2026-09-01", "-p", "as_of=today")
    done = report_in_process(monkeypatch, date(2026, 8, 31), *given, *today)
    assert (done.exit_code, done.stderr) == (0, ""), done.output
    [manifest] = (tmp_path / "r2").glob("*/manifest.json")
    record = json.loads(manifest.read_text())
    assert record["parameters"]["as_of"] == "2026-08-31"
    assert "warnings" not in record


# --- papermill used directly -------------------------------------------------------------------


def test_a_notebook_run_without_the_runner_says_so_at_its_top(tmp_path):
    # A tester ran papermill directly: `-p treshold 5` was only warned of, and a notebook left
    # without its dates ran on the examples, writing no manifest. Run by the runner, no word.
    import papermill

    from workbench.runs.notebook import NOT_BY_THE_RUNNER

    notebook = write_notebook(
        tmp_path / "folders.ipynb",
        'data: str = "d"\noutput_dir: str = "o"',
        "from workbench.runs.notebook import run_folders\nfolders = run_folders(output_dir)",
    )

    def said(executed: Path) -> list[str]:
        cells = nbformat.read(executed, as_version=4).cells
        outputs = [o for c in cells if c.cell_type == "code" for o in c.outputs]
        return [o.get("data", {}).get("text/markdown", "") for o in outputs]

    papermill.execute_notebook(
        str(notebook),
        str(tmp_path / "direct.ipynb"),
        parameters={"output_dir": str(tmp_path / "direct")},
        kernel_name="python3",
        language="python",
        progress_bar=False,
    )
    assert said(tmp_path / "direct.ipynb") == [NOT_BY_THE_RUNNER]
    assert NOT_BY_THE_RUNNER.startswith("**Not run by `workbench report`.** ")
    run = run_report(notebook, data=SAMPLE, parameters={}, reports=tmp_path / "r")
    assert said(run.run_dir / "notebook.ipynb") == []
    assert "WORKBENCH_REPORT_RUN" not in __import__("os").environ  # set for the run only


def test_relative_store_and_key_file_variables_reach_the_kernel_from_where_the_run_started(
    tmp_path, monkeypatch
):
    # The kernel runs in the run folder: a relative WORKBENCH_KEY_FILE was read from there, a
    # new key in the run (as a relative WORKBENCH_STORE was, before it was made absolute).
    notebook = write_notebook(
        tmp_path / "env.ipynb",
        'data: str = "d"\noutput_dir: str = "o"',
        "import json, os\nfrom pathlib import Path\n"
        "names = ('WORKBENCH_STORE', 'WORKBENCH_KEY_FILE')\n"
        "seen = {name: os.environ.get(name) for name in names}\n"
        "(Path(output_dir) / 'restricted' / 'env.json').write_text(json.dumps(seen))",
    )
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("WORKBENCH_STORE", "review.sqlite")
    monkeypatch.setenv("WORKBENCH_KEY_FILE", "keys/pseudonym.key")
    run = run_report(notebook, data=SAMPLE, parameters={}, reports=tmp_path / "r")
    seen = json.loads((run.run_dir / "restricted" / "env.json").read_text())
    assert seen == {
        "WORKBENCH_STORE": str(tmp_path / "work" / "review.sqlite"),
        "WORKBENCH_KEY_FILE": str(tmp_path / "work" / "keys" / "pseudonym.key"),
    }
    # As given again once the run is over.
    import os

    assert (os.environ["WORKBENCH_STORE"], os.environ["WORKBENCH_KEY_FILE"]) == (
        "review.sqlite",
        "keys/pseudonym.key",
    )
