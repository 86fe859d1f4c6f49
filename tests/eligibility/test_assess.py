"""The one assessment pipeline and the analyst's API (`import workbench as wb`): the same list
from a folder or from loaded data, the same bytes as the command line, errors that name the
caller's parameter, and each linkage mode."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest

import workbench as wb
from tests.command import workbench
from tests.council import Council
from workbench import progress
from workbench.eligibility.assess import assess, load
from workbench.errors import RuleFileError, UsageError, WorkbenchError
from workbench.synth import generate_council, write_council

progress.set_enabled(False)
TERM = date(2026, 9, 1)
AS_OF = date(2026, 8, 1)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """Three households: a likely child (Universal Credit, low earnings, on the DWP list), a
    possible one (income missing) and a DWP-list row matched to no one."""
    c = Council()
    c.person("A1", "H1", date(1990, 1, 1), role="parent_carer", nino="AB123456C")
    c.person("C1", "H1", date(2024, 3, 2), role="child")
    c.award("B1", "A1", "universal_credit", net=12000.0)
    c.person("A2", "H2", date(1990, 1, 1), role="parent_carer")
    c.person("C2", "H2", date(2024, 6, 2), role="child")
    c.award("B2", "A2", "universal_credit")
    c.person("A3", "H3", date(1985, 1, 1), role="parent_carer")
    c.person("C3", "H3", date(2021, 1, 1), role="child")  # too old this term
    c.dwp("D1", "NameC1", date(2024, 3, 2), "AB123456C")
    c.dwp("D2", "Zed", date(2024, 1, 9), None)
    out = tmp_path_factory.mktemp("small")
    for name, frame in c.tables().items():
        frame.collect().write_csv(out / f"{name}.csv", date_format="%Y-%m-%d")
    return out


# --- the API -----------------------------------------------------------------------------------


def test_assess_lists_exactly_the_children_and_rows_that_look_eligible(small):
    found = wb.assess(small, "two_year_old", term_start=TERM, as_of=AS_OF)
    assert isinstance(found, wb.Assessment)
    rows = found.candidates.select("person_id", "dwp_record_id", "tier", "reason_codes").rows()
    assert rows == [
        ("C1", "D1", "likely", ["dwp_list", "universal_credit_low_income"]),
        ("C2", None, "possible", []),
        (None, "D2", "likely", ["dwp_list"]),
    ]
    assert set(found.candidates["review_status"]) == {"pending_review"}
    assert found.summary()["tier"].rows() == [("likely", 2), ("possible", 1)]
    evidence = found.evidence.filter(pl.col("person_id") == "C1")
    assert sorted(evidence["record_id"]) == ["B1", "D1"]


def test_dates_may_be_iso_strings_as_notebook_parameters_are(small):
    by_text = wb.assess(small, "two_year_old", term_start="2026-09-01", as_of="2026-08-01")
    by_date = wb.assess(small, "two_year_old", term_start=TERM, as_of=AS_OF)
    assert by_text.candidates.equals(by_date.candidates)
    assert by_text.run_id == by_date.run_id


def test_loaded_data_gives_the_same_list_and_run_id_as_the_folder(small):
    from_folder = wb.assess(small, "two_year_old", term_start=TERM, as_of=AS_OF)
    loaded = wb.load(small)
    assert "dwp_list" in loaded.tables and "forename" in loaded.tables["people"].columns
    from_loaded = wb.assess(loaded, "two_year_old", term_start=TERM, as_of=AS_OF)
    assert from_loaded.candidates.equals(from_folder.candidates)
    assert from_loaded.inputs == from_folder.inputs
    assert from_loaded.run_id == from_folder.run_id
    # Purpose limitation: the assessment keeps only the tables its rules read.
    assert sorted(from_loaded.data.tables) == sorted(from_folder.data.tables)


def test_a_rule_set_object_can_be_assessed_with(small):
    rules = wb.rule_set("free_school_meals", on=TERM)
    found = wb.assess(small, rules, term_start=TERM, as_of=AS_OF)
    assert set(found.candidates["initiative"]) <= {"free_school_meals"}
    assert found.rule_set is rules


def test_write_gives_the_bytes_the_command_line_writes(small, tmp_path):
    written = wb.assess(small, "two_year_old", term_start=TERM, as_of=AS_OF).write(
        tmp_path / "api" / "list.csv"
    )
    done = workbench(
        "assess", "--initiative", "two_year_old", "--data", str(small),
        "--term-start", "2026-09-01", "--as-of", "2026-08-01",
        "--out", str(tmp_path / "cli" / "list.csv"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    cli_list = tmp_path / "cli" / "list.csv"
    assert written.out.read_bytes() == cli_list.read_bytes()
    not_listed = "list.dwp_not_listed.csv"
    assert (tmp_path / "api" / not_listed).read_bytes() == (
        tmp_path / "cli" / not_listed
    ).read_bytes()
    api_manifest = json.loads(written.manifest.read_text())
    cli_manifest = json.loads((tmp_path / "cli" / "list.csv.manifest.json").read_text())
    for record in (api_manifest, cli_manifest):
        record.pop("environment")
    assert api_manifest == cli_manifest
    assert written.dwp_list_accounted == {
        "read": 2, "listed": 2, "not_listed": 0, "quarantined": 0,
        "not_listed_file": not_listed,
    }  # fmt: skip


def test_explain_says_what_the_command_line_says(small):
    found = wb.assess(small, "two_year_old", term_start=TERM, as_of=AS_OF)
    done = workbench(
        "explain", "--initiative", "two_year_old", "--data", str(small), "--person", "C1",
        "--term-start", "2026-09-01", "--as-of", "2026-08-01",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    explained = found.explain("C1")
    assert explained.listed and explained.tier == "likely"
    assert done.stdout == explained.to_text() + "\n"
    assert found.explain("C3").listed is False


def test_explain_given_a_dwp_row_says_what_became_of_it(small, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(small, folder)
    with open(folder / "dwp_list.csv", "a", encoding="utf-8") as handle:
        handle.write("D3,NameC3,Lee,2021-01-01,Ann,Lee,,ZZ1 1ZZ\n")  # a child too old
    found = wb.assess(folder, "two_year_old", term_start=TERM, as_of=AS_OF)
    not_listed = found.not_listed()
    assert not_listed is not None and not_listed["record_id"].to_list() == ["D3"]
    said = {}
    for record_id in ("D1", "D2", "D3", "D9"):
        with pytest.raises(UsageError) as raised:
            found.explain(record_id)
        said[record_id] = str(raised.value)
    row = "is a row of the DWP list, not a person"
    assert said == {
        "D1": f"'D1' {row}: it is listed with child C1, likely; to see why, explain the child: "
        "--person C1",
        "D2": f"'D2' {row}: it is listed on its own, likely (no child in the council's data "
        "matched it)",
        "D3": f"'D3' {row}: it is not listed: " + not_listed["reason"][0],
        "D9": "no person 'D9' in people: expected a person_id from the people table. Check "
        "the id, and whether its row was quarantined (`workbench validate`).",
    }
    assert "past the age window" in said["D3"]
    done = workbench(
        "explain", "--initiative", "two_year_old", "--data", str(folder), "--person", "D3",
        "--term-start", "2026-09-01", "--as-of", "2026-08-01",
    )  # fmt: skip
    # The command line answers it (README: an officer holding DWP's letter asks by the row).
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{said['D3']}\n", "")


def test_take_up_reads_the_assessment_and_its_people(small):
    found = wb.assess(small, "two_year_old", term_start=TERM, as_of=AS_OF)
    assert wb.take_up(found).rows() == [("all", 2, 0, 0.0)]
    by_area = wb.take_up(found, by="area")
    assert by_area["eligible"].sum() == 2


def test_the_repr_counts_and_names_no_one(small):
    found = wb.assess(small, "two_year_old", term_start=TERM, as_of=AS_OF)
    text = repr(found)
    assert "3 candidate(s), all pending review" in text
    assert not any(token in text for token in ("C1", "C2", "D1", "D2", "A1"))


def test_every_public_name_resolves_and_is_listed():
    for name in wb.__all__:
        assert getattr(wb, name) is not None, name
    assert set(wb.__all__) <= set(dir(wb))
    assert wb.ReviewStore.__name__ == "ReviewStore"
    assert callable(wb.run_report) and callable(wb.describe) and callable(wb.link)
    with pytest.raises(AttributeError, match="no attribute 'assess_folder'"):
        _ = wb.assess_folder  # type: ignore[attr-defined]  # deliberately missing: the AttributeError is what is tested


def test_link_links_the_lists_of_a_folder(small):
    links = wb.link(small)
    linked = links.filter(pl.col("band") == "linked").select("source", "record_id", "person_id")
    assert linked.rows() == [("dwp_list", "D1", "C1")]


# --- errors name the caller's parameter ---------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "parameter", "message"),
    [
        (dict(term_start="1 Sept"), "term_start", "term_start must be an ISO date like 2026-09-01"),
        (dict(as_of=20260801), "as_of", "as_of must be an ISO date like 2026-09-01; got 20260801"),
        (dict(linkage="fuzzy"), "linkage", "linkage must be one of exact, probabilistic"),
        (dict(data=42), "data", "data must be a data folder or data from workbench.load"),
    ],
)
def test_a_bad_argument_is_named_as_the_caller_wrote_it(small, call, parameter, message):
    arguments = {"data": small, "term_start": TERM, "as_of": AS_OF, **call}
    data = arguments.pop("data")
    with pytest.raises(UsageError) as raised:
        wb.assess(data, "two_year_old", **arguments)
    assert str(raised.value).startswith(message)
    assert raised.value.parameter == parameter
    assert raised.value.for_flag().startswith("--" + parameter.replace("_", "-") + " ")


def test_a_list_made_outside_the_repository_records_the_packages_commit(small, tmp_path):
    # A scheduling tester's list made from /tmp recorded "git_commit": null.
    from workbench.provenance import git_commit

    repository = git_commit(Path(wb.__file__).parent)
    if repository is None:
        pytest.skip("the package is not in a git checkout here")
    done = workbench(
        "assess", "--initiative", "two_year_old", "--data", str(small),
        "--term-start", "2026-09-01", "--as-of", "2026-08-01", "--linkage", "exact",
        "--out", str(tmp_path / "list.csv"), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "list.csv.manifest.json").read_text())
    assert record["git_commit"] == repository


def test_an_explanation_prints_as_its_words(small):
    found = wb.assess(small, "two_year_old", term_start=TERM, as_of=AS_OF, linkage="exact")
    said = found.explain("C1")
    assert str(said) == said.to_text()
    assert str(said).startswith("Child C1 (born 2 March 2024) is listed")


def test_a_full_disk_is_one_line_naming_the_file_and_leaves_lists_whole(
    small, tmp_path, monkeypatch
):
    # A reliability tester's full disk gave a 65-line traceback without the file's name.
    from workbench.eligibility import assess as assess_module

    found = wb.assess(small, "two_year_old", term_start=TERM, as_of=AS_OF, linkage="exact")
    out = tmp_path / "list.csv"
    earlier = found.write(out)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(assess_module, "write_list", full)
    with pytest.raises(WorkbenchError) as caught:
        found.write(out)
    assert str(caught.value) == (
        f"{out}: cannot be written (No space left on device); a list written before at this "
        "path, if any, is left as it was with its manifest"
    )
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # the earlier pair
    monkeypatch.undo()
    # The list written, its DWP rows not listed not: nothing is left that does not agree.
    monkeypatch.setattr(type(found), "_write_unlisted", full)
    with pytest.raises(WorkbenchError, match="so the list was not kept either"):
        found.write(out)
    assert not out.exists() and not earlier.manifest.exists()


def test_two_runs_writing_one_list_at_once_take_turns(small, tmp_path, monkeypatch):
    # A reliability tester's two scheduled runs to one --out: one crashed on the shared
    # temporary file, the other exited 0 with a manifest describing the first's list.
    import hashlib
    import threading
    import time

    from workbench.eligibility import assess as assess_module

    first = wb.assess(small, "two_year_old", term_start=TERM, as_of=AS_OF, linkage="exact")
    second = wb.assess(small, "two_year_old", term_start=TERM, as_of=TERM, linkage="exact")
    assert first.run_id != second.run_id
    out = tmp_path / "list.csv"
    writing = threading.Event()
    real = assess_module.write_list

    def slow(candidates, path, run):  # the first writer pauses after its list, mid-write
        real(candidates, path, run)
        if run == first.run_id:
            writing.set()
            time.sleep(0.5)

    monkeypatch.setattr(assess_module, "write_list", slow)
    one = threading.Thread(target=first.write, args=(out,))
    one.start()
    assert writing.wait(10)
    second.write(out)  # waits for the first to finish, then writes its own
    one.join()
    record = json.loads((tmp_path / "list.csv.manifest.json").read_text())
    assert record["run_id"] == second.run_id
    assert record["outputs"]["list"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert set(pl.read_csv(out)["run_id"]) == {second.run_id}


def test_write_refuses_a_file_that_is_not_a_list(small, tmp_path):
    found = wb.assess(small, "two_year_old", term_start=TERM, as_of=AS_OF)
    with pytest.raises(UsageError, match=r"^out must end in .csv or .parquet; got 'list.txt'"):
        found.write(tmp_path / "list.txt")
    assert list(tmp_path.iterdir()) == []


def test_loaded_data_without_a_table_the_rules_read_is_refused(small):
    people_only = wb.load(small, tables=["people"])
    with pytest.raises(UsageError, match=r"^data holds no benefits table"):
        wb.assess(people_only, "two_year_old", term_start=TERM, as_of=AS_OF)


def test_a_term_before_the_rules_is_refused():
    with pytest.raises(UsageError, match="rule set starts on"):
        wb.rule_set("two_year_old", on="2001-09-01")


def test_the_command_line_names_its_flags(small, tmp_path):
    done = workbench(
        "assess", "--initiative", "two_year_old", "--data", str(small),
        "--term-start", "2026-09-01", "--as-of", "2026-08-01", "--out", str(tmp_path / "l.csv"),
        "--linkage", "fuzzy",
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == "error: --linkage must be one of exact, probabilistic; got 'fuzzy'\n"


# --- each linkage mode on a synthetic council ---------------------------------------------------


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    folder = tmp_path_factory.mktemp("council") / "data"
    write_council(generate_council(3000, 7), folder, "csv")
    return folder


def run(council, linkage):
    return wb.assess(council, "two_year_old", term_start=TERM, as_of=TERM, linkage=linkage)


def test_probabilistic_linkage_only_adds_links(council):
    exact = run(council, "exact").candidates
    fuzzy = run(council, "probabilistic").candidates
    for listed in (exact, fuzzy):
        people = listed["person_id"].drop_nulls()
        assert people.n_unique() == people.len()
        rows = listed["dwp_record_id"].drop_nulls()
        assert rows.n_unique() == rows.len()
    exact_links = exact.filter(
        pl.col("person_id").is_not_null() & pl.col("dwp_record_id").is_not_null()
    )
    fuzzy_links = fuzzy.filter(
        pl.col("person_id").is_not_null() & pl.col("dwp_record_id").is_not_null()
    )
    pairs = set(exact_links.select("person_id", "dwp_record_id").rows())
    assert pairs <= set(fuzzy_links.select("person_id", "dwp_record_id").rows())
    unmatched_exact = set(exact.filter(pl.col("person_id").is_null())["dwp_record_id"])
    unmatched_fuzzy = set(fuzzy.filter(pl.col("person_id").is_null())["dwp_record_id"])
    assert unmatched_fuzzy <= unmatched_exact
    assert len(unmatched_fuzzy) < len(unmatched_exact)


@pytest.mark.parametrize(
    ("initiative", "rules", "error", "message"),
    [
        ("free_lunch", None, UsageError, "unknown initiative 'free_lunch'"),
        ("two_year_old", "mine.yaml", RuleFileError, "mine.yaml"),
    ],
)
def test_a_missing_rule_file_is_refused_before_any_data_is_read(
    tmp_path, initiative, rules, error, message
):
    # The data folder does not exist: the rule file is what the error names.
    with pytest.raises(WorkbenchError, match=message) as raised:
        wb.assess(
            tmp_path / "no such folder",
            initiative,
            term_start=TERM,
            as_of=TERM,
            rules=tmp_path / rules if rules else None,
        )
    assert isinstance(raised.value, error)


def test_the_type_stub_declares_every_public_name():
    import ast

    stub = ast.parse((Path(wb.__file__).parent / "__init__.pyi").read_text())
    declared = next(
        node.value
        for node in stub.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == "__all__"
    )
    assert sorted(ast.literal_eval(declared)) == sorted(wb.__all__)
    imported = {
        alias.asname
        for node in stub.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert imported == set(wb.__all__) - {"__version__"}


@pytest.mark.parametrize("package", ["linkage", "review", "governance"])
def test_a_packages_lazy_names_are_typed_where_they_are_defined(package):
    """Each name a subpackage loads on first use (`_LAZY`) is imported for type checkers
    (`if TYPE_CHECKING:`) from the module it is loaded from, and from nowhere else."""
    import ast
    import importlib

    module = importlib.import_module(f"workbench.{package}")
    tree = ast.parse(Path(module.__file__ or "").read_text())
    guarded = next(
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )
    typed = {
        alias.name: (node.module or "").rsplit(".", 1)[-1]
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert typed == module._LAZY
    for name, home in typed.items():
        assert getattr(module, name) is getattr(
            importlib.import_module(f"workbench.{package}.{home}"), name
        )
        assert name in module.__all__


def test_a_manifest_that_cannot_be_written_takes_the_list_with_it(small, tmp_path):
    out = tmp_path / "list.csv"
    (tmp_path / "list.csv.manifest.json").mkdir()  # the manifest cannot be written there
    found = wb.assess(small, "two_year_old", term_start=TERM, as_of=AS_OF)
    with pytest.raises(WorkbenchError, match=r"list.csv.manifest.json: cannot be written"):
        found.write(out)
    assert not out.exists() and not (tmp_path / "list.dwp_not_listed.csv").exists()
    done = workbench(
        "assess", "--initiative", "two_year_old", "--data", str(small),
        "--term-start", "2026-09-01", "--as-of", "2026-08-01", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1


def test_a_row_validate_quarantines_for_a_column_assess_does_not_use_counts_for_nothing(
    small, tmp_path
):
    # The data contract: a quarantined row counts for nothing. The DWP list's list_date and a
    # place's hours_per_week are read only to be checked, so `assess` quarantines what
    # `workbench validate` does, and no list rests on such a row.
    folder = tmp_path / "data"
    shutil.copytree(small, folder)
    dwp = pl.read_csv(folder / "dwp_list.csv", infer_schema=False)
    dwp.with_columns(
        pl.when(pl.col("record_id") == "D1").then(pl.lit("2026-02-30")).alias("list_date")
    ).write_csv(folder / "dwp_list.csv")
    places = pl.DataFrame(
        {
            "record_id": ["F1", "F2"],
            "provider_id": ["EY1", "EY1"],
            "term_start": ["2026-09-01", "2026-09-01"],
            "child_forename": ["NameC1", "NameC2"],
            "child_surname": ["Lee", "Lee"],
            "child_date_of_birth": ["2024-03-02", "2024-06-02"],
            "funding_stream": ["two_year_old", "two_year_old"],
            "hours_per_week": ["fifteen", "15"],
        }
    )
    places.write_csv(folder / "funded_places.csv")
    found = assess(folder, "two_year_old", term_start=TERM, as_of=AS_OF, linkage="exact")
    quarantined = found.data.quarantine.select("table", "row", "column").rows()
    assert sorted(quarantined) == [
        ("dwp_list", 2, "list_date"),
        ("funded_places", 2, "hours_per_week"),
    ]
    listed = found.candidates.select("person_id", "dwp_record_id", "already_funded").rows()
    assert listed == [("C1", None, False), ("C2", None, True), (None, "D2", False)]
    checked = load(folder, tables=["dwp_list", "funded_places"]).quarantine
    assert sorted(checked.select("table", "row", "column").rows()) == sorted(quarantined)
