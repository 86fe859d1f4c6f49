"""`workbench assess`, `rules` and `demo` from the command line, as the README describes."""

from __future__ import annotations

import json
import os
import stat
from datetime import date
from pathlib import Path
from typing import cast

import polars as pl
import pytest

from tests.command import workbench
from tests.council import Council
from workbench.provenance import file_sha256

CONTRACT_COLUMNS = [
    "person_id",
    "dwp_record_id",
    "initiative",
    "tier",
    "reason_codes",
    "eligible_from",
    "already_funded",
    "review_status",
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A small council as CSV files, as a council would supply it."""
    c = Council()
    c.person("A1", "H1", date(1990, 1, 1), role="parent_carer", nino="AB123456C")
    c.person("C1", "H1", date(2024, 3, 2), role="child")
    c.award("B1", "A1", "universal_credit", net=12000.0)
    c.person("A2", "H2", date(1990, 1, 1), role="parent_carer")
    c.person("C2", "H2", date(2024, 6, 2), role="child")
    c.award("B2", "A2", "universal_credit")  # income missing: possible
    c.status("S2", "C2", "ehc_plan", end=date(2025, 1, 31))  # ended
    c.dwp("D1", "NameC1", date(2024, 3, 2), "AB123456C")
    c.dwp("D2", "Zed", date(2024, 1, 9), None)
    c.funded("F1", "NameC1", date(2024, 3, 2), date(2026, 9, 1), "two_year_old")
    out = tmp_path_factory.mktemp("council")
    for name, frame in c.tables().items():
        frame.collect().write_csv(out / f"{name}.csv", date_format="%Y-%m-%d")
    # A duplicated award id, its line repeated: both are quarantined and count for nothing.
    with open(out / "benefits.csv", "a") as handle:
        handle.write("B9,A2,income_support,2025-01-01,,,\nB9,A2,income_support,2025-01-01,,,\n")
    return out


ARGS = ("--initiative", "two_year_old", "--term-start", "2026-09-01", "--as-of", "2026-09-01")


def test_assess_writes_the_contract_list_as_csv(folder, tmp_path):
    out = tmp_path / "list.csv"
    result = workbench("assess", "--data", str(folder), *ARGS, "--out", str(out))
    assert result.returncode == 0, result.stderr
    listed = pl.read_csv(out, infer_schema=False)
    assert listed.columns[:8] == CONTRACT_COLUMNS
    assert listed.columns[8:] == [
        "eligible_to",
        "evidence",
        "link_needs_review",
        "age_group",
        "rule_set",
        "working_parent_place",
        "eligibility_group",
        "probable_person_id",
        "match_probability",
        "funded_place_to_review",
        "link_method",
        "link_caution",
        "held_because",
        "run_id",
    ]
    assert listed.select(CONTRACT_COLUMNS).rows() == [
        (
            "C1",
            "D1",
            "two_year_old",
            "likely",
            "dwp_list;universal_credit_low_income",
            "2026-04-01",
            "true",
            "pending_review",
        ),
        ("C2", None, "two_year_old", "possible", None, "2026-09-01", "false", "pending_review"),
        (None, "D2", "two_year_old", "likely", "dwp_list", "2026-04-01", "false", "pending_review"),
    ]
    # C1's DWP row was linked on the parent's NINO and the child's date of birth.
    assert listed["link_method"].to_list() == ["parent_nino_and_child_dob", None, None]
    # The exact pass holds nothing for review: no row says why one was held.
    assert listed["held_because"].to_list() == [None, None, None]
    assert listed["evidence"].to_list() == [
        "dwp_list: DWP list row D1; universal_credit_low_income: award B1 of parent/carer A1",
        "universal_credit_low_income (income missing): award B2 of parent/carer A2",
        "dwp_list: DWP list row D2",
    ]
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert "3 candidate(s)" in result.stdout
    assert "Quarantined: 2 row(s)" in result.stdout
    assert "pending_review" in result.stdout


def test_assess_says_how_many_rows_were_kept_with_a_warning(folder, tmp_path):
    out = tmp_path / "list.csv"
    result = workbench("assess", "--data", str(folder), *ARGS, "--out", str(out))
    assert "Warnings:" not in result.stdout
    # A person with no role given: kept, with a warning that `validate` lists.
    warned = tmp_path / "warned"
    warned.mkdir()
    for path in folder.iterdir():
        (warned / path.name).write_bytes(path.read_bytes())
    with open(warned / "people.csv", "a") as handle:
        handle.write("A3,H3,NameA3,Lee,1990-01-01,,FQ1 1AA,\n")
    result = workbench("assess", "--data", str(warned), *ARGS, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Warnings: 1 row(s), kept; see `workbench validate`." in result.stdout


def test_assess_is_reproducible_byte_for_byte(folder, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for out in (first, second):
        assert workbench("assess", "--data", str(folder), *ARGS, "--out", str(out)).returncode == 0
    assert first.read_bytes() == second.read_bytes()
    manifest = json.loads((tmp_path / "a.csv.manifest.json").read_text())
    assert manifest["rule_set"] == "two_year_old@2026.12.4"
    assert set(manifest["inputs"]) == {
        "people.csv",
        "benefits.csv",
        "child_statuses.csv",
        "dwp_list.csv",
        "funded_places.csv",
        "households.csv",
        "rules:two_year_old.yaml",  # the package's rule file, as read
    }
    assert manifest["rows"]["benefits"] == {"read": 4, "accepted": 2, "quarantined": 2}
    assert manifest["parameters"] == {
        "initiative": "two_year_old",
        "term_start": "2026-09-01",
        "as_of": "2026-09-01",
        "linkage": "probabilistic",  # the exact pass then Splink, by default
    }


def test_assess_records_the_linkage_opted_out_to(folder, tmp_path):
    out = tmp_path / "exact.csv"
    done = workbench(
        "assess", "--data", str(folder), *ARGS, "--out", str(out), "--linkage", "exact"
    )
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "exact.csv.manifest.json").read_text())
    assert manifest["parameters"]["linkage"] == "exact"


def test_assess_writes_parquet_by_suffix(folder, tmp_path):
    out = tmp_path / "list.parquet"
    assert workbench("assess", "--data", str(folder), *ARGS, "--out", str(out)).returncode == 0
    listed = pl.read_parquet(out)
    assert listed["reason_codes"].to_list() == [
        ["dwp_list", "universal_credit_low_income"],
        [],
        ["dwp_list"],
    ]
    assert listed.schema["eligible_from"] == pl.Date
    assert listed.schema["already_funded"] == pl.Boolean


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--term-start", "1/9/2026"), 2, "--term-start must be an ISO date"),
        (("--initiative", "free_lunch"), 2, "unknown initiative 'free_lunch'"),
        (("--out", "list.txt"), 2, "--out must end in .csv or .parquet"),
    ],
)
def test_assess_bad_arguments_give_one_line(folder, tmp_path, args, code, message):
    base = dict(zip(ARGS[::2], ARGS[1::2], strict=True))
    base["--out"] = str(tmp_path / "list.csv")
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [item for pair in base.items() for item in pair]
    result = workbench("assess", "--data", str(folder), *flat)
    assert result.returncode == code
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_assess_names_the_file_and_column_when_a_required_column_is_missing(tmp_path):
    (tmp_path / "people.csv").write_text("person_id,household_id,forename,surname\nP1,H1,A,B\n")
    (tmp_path / "benefits.csv").write_text("award_id,person_id,benefit,start_date\n")
    result = workbench("assess", "--data", str(tmp_path), *ARGS, "--out", str(tmp_path / "l.csv"))
    assert result.returncode == 1
    assert "people.csv" in result.stderr and "date_of_birth" in result.stderr


@pytest.mark.parametrize(
    ("initiative", "today", "term"),
    [
        ("two_year_old", date(2026, 12, 7), date(2026, 9, 1)),
        ("two_year_old", date(2027, 2, 10), date(2027, 1, 1)),
        ("two_year_old", date(2027, 1, 1), date(2027, 1, 1)),
        ("free_school_meals", date(2027, 2, 10), date(2026, 9, 1)),
        ("free_school_meals", date(2026, 8, 31), date(2025, 9, 1)),
    ],
)
def test_rules_without_on_are_those_of_the_term_today_is_in(initiative, today, term):
    # A tester read "as in force for the term starting 7 December 2026": today, no term start.
    from workbench.cli._assess import _term_today_is_in
    from workbench.rules import load_rule_set

    assert _term_today_is_in(load_rule_set(initiative), today) == term


def test_rules_on_a_day_no_term_starts_on_warns_naming_the_terms_start():
    # A tester's `rules --on 2026-10-15` printed "the term starting 15 October 2026" unwarned.
    result = workbench("rules", "--initiative", "two_year_old", "--on", "2026-10-15")
    assert result.returncode == 0
    assert " ".join(result.stderr.split()) == (
        "warning: 15 October 2026 is not a term start of the two_year_old rules: shown as in "
        "force on that day. The term it falls in started on 1 September 2026 (--on "
        "2026-09-01), and a list for that term applies the rules in force then"
    )


def test_rules_prints_both_universal_credit_groups_for_september_2026(tmp_path):
    result = workbench("rules", "--initiative", "free_school_meals", "--on", "2026-09-01")
    assert result.returncode == 0
    assert result.stderr == ""
    in_force = result.stdout.split("## Not in force")[0]
    assert "as in force for the term starting 1 September 2026" in in_force
    assert "`universal_credit`: A parent or carer gets Universal Credit, whatever" in in_force
    assert "`universal_credit_low_income`: A parent or carer gets Universal Credit and the " in (
        in_force
    )
    assert "£7,400 a year or less (the targeted group" in in_force
    assert "- `targeted`, targeted (meals, pupil premium and holiday activities)" in result.stdout
    assert "- `expanded`, expanded (meals only, from September 2026)" in result.stdout


def test_rules_before_september_2026_has_no_expanded_group(tmp_path):
    result = workbench("rules", "--initiative", "free_school_meals", "--on", "2026-08-31")
    in_force = result.stdout.split("## Not in force")[0]
    assert "`universal_credit`:" not in in_force
    assert "`expanded`" not in result.stdout


def test_rules_prints_the_funding_block(tmp_path):
    result = workbench("rules", "--initiative", "disability_access_fund", "--on", "2026-09-01")
    assert result.returncode == 0
    assert (
        "- Disability Access Fund (a year, to one provider): £975 (pounds per year) (history: "
        "£615 from 2017-04-01; £800 from 2022-04-01; £828 from 2023-04-01; £910 from "
        "2024-04-01; £938 from 2025-04-01; £975 from 2026-04-01)."
    ) in result.stdout
    eypp = workbench("rules", "--initiative", "early_years_pupil_premium", "--on", "2025-09-01")
    assert "EYPP hourly rate (on up to 15 hours a week, 38 weeks): £1 (pounds per hour)" in (
        eypp.stdout
    )


@pytest.mark.slow
def test_demo_writes_a_report_with_restricted_and_shareable_parts(tmp_path):
    result = workbench("demo", "--households", "300", "--reports", str(tmp_path))
    assert result.returncode == 0, result.stderr
    runs = sorted(p.name for p in tmp_path.iterdir())
    assert len(runs) == 2 and "-04_take_up_report-" in runs[0] and "-demo-" in runs[1]
    run_dir, report_dir = tmp_path / runs[1], tmp_path / runs[0]
    assert result.stdout.strip().splitlines()[-1] == (
        f"Take-up report (HTML): {report_dir / 'report.html'}"
    )
    assert (run_dir / "summary.html").exists()
    assert stat.S_IMODE(os.stat(run_dir / "restricted").st_mode) == 0o700
    for path in (run_dir / "restricted").glob("*.csv"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    shared = {p.name for p in (run_dir / "shareable").iterdir()}
    assert {"validation.csv", "free_school_meals_by_reason.csv", "linkage_quality.csv"} <= shared
    # 300 households give too few two-year-olds for a safe table: it is not published.
    assert "two_year_old_by_reason.csv" not in shared
    summary = (run_dir / "summary.md").read_text()
    assert "Not published" in summary
    # The summary is shareable: no count outside disclosure control (the number of
    # candidates, DWP-list rows listed, or rows of a band a few would differ by).
    assert "candidates for the term" not in summary and "row(s) read =" not in summary
    # The quarantine's kinds without how many rows of each (a tester found 1s and 3s there):
    # the counts are in restricted/.
    problems = summary.split("## Quarantine", 1)[1].split("\n## ", 1)[0]
    assert "| table | column | kind | first_row |" in problems
    counted = pl.read_csv(run_dir / "restricted" / "quarantine_summary.csv")
    assert counted.columns == ["table", "column", "kind", "rows", "first_row"]
    assert cast(int, counted["rows"].min()) < 10
    bands = summary.split("## Links by band", 1)[1].split("\n## ", 1)[0]
    cells = [
        cell.strip()
        for line in bands.splitlines()
        if line.startswith("| ") and not line.startswith("| band")
        for cell in line.strip("|").split("|")[1:]
    ]
    assert cells or "Not published" in bands
    assert all(cell == "c" or int(cell) == 0 or int(cell) >= 10 for cell in cells), cells
    published = pl.read_csv(run_dir / "shareable" / "free_school_meals_by_reason.csv")
    counts = published.filter(pl.col("value") != "c")["value"].cast(pl.Int64)
    assert cast(int, counts.min()) >= 10
    audit = workbench("assure", str(run_dir))
    assert audit.returncode == 0, audit.stdout
    assert "All 10 checks passed." in audit.stdout
    # Shareable tables hold counts only: no person ids.
    for path in (run_dir / "shareable").glob("*.csv"):
        assert "P0" not in path.read_text()


@pytest.mark.slow  # a whole report run: make test-slow (CI runs both)
def test_demo_on_the_smallest_council_allowed_runs_with_no_child_of_the_age(tmp_path):
    # 10 households: no two-year-old, so take-up by criterion has no row; the page crashed
    # on it, leaving a run folder half written under a good run's name.
    result = workbench("demo", "--households", "10", "--reports", str(tmp_path))
    assert result.returncode == 0, result.stderr
    # No folder is left half written, nor any named -failed.
    assert sorted(p.name.split("-", 3)[3].split("-r-")[0] for p in tmp_path.iterdir()) == [
        "04_take_up_report-two_year_old-2026-09-01",
        "demo",
    ]
    assert not any(p.name.endswith("-failed") for p in tmp_path.iterdir())


def test_assess_makes_a_new_output_folder_owner_only(folder, tmp_path):
    out = tmp_path / "new" / "lists" / "list.csv"
    assert workbench("assess", "--data", str(folder), *ARGS, "--out", str(out)).returncode == 0
    assert out.exists()
    assert stat.S_IMODE(os.stat(out.parent).st_mode) == 0o700


def test_assess_refuses_a_list_below_a_file_before_reading_anything(folder, tmp_path):
    (tmp_path / "notes.txt").write_text("")
    out = tmp_path / "notes.txt" / "lists" / "list.csv"
    done = workbench("assess", "--data", str(folder), *ARGS, "--out", str(out))
    assert done.returncode == 2
    assert done.stderr == f"error: --out: {tmp_path / 'notes.txt'} is a file, not a folder\n"
    assert not list(tmp_path.glob("notes.txt*/**"))


SAMPLE = Path(__file__).parents[2] / "data_samples" / "council_small"
STATS = ("stats", "--data", str(SAMPLE), "--initiative", "two_year_old")
TERM_ARGS = ("--term-start", "2026-09-01", "--as-of", "2026-09-01")


def test_stats_refuses_a_threshold_below_the_floor(tmp_path):
    done = workbench(*STATS, *TERM_ARGS, "--out", str(tmp_path / "out"), "--threshold", "1")
    assert done.returncode == 2
    assert done.stderr == (
        "error: The disclosure threshold must be at least 5 for figures that are published "
        "(counts below it are hidden); got 1. The default is 10.\n"
    )
    assert not (tmp_path / "out").exists()


def test_stats_warns_about_a_threshold_below_the_default(tmp_path):
    done = workbench(*STATS, *TERM_ARGS, "--out", str(tmp_path / "out"), "--threshold", "7")
    assert done.returncode == 0, done.stderr
    assert (
        "warning: The threshold 7 is below the default of 10: counts from 7 to 9 will be "
        "published.\n"
    ) in done.stderr
    record = json.loads((tmp_path / "out" / "stats_manifest.json").read_text())
    assert record["disclosure"]["threshold"] == 7


def test_a_term_start_between_the_rules_term_starts_is_a_serious_warning(tmp_path):
    # The first day of school (3 September) given as the term start: the headcount's places
    # for 1 September counted as an earlier term's, and a looked-after child with a place this
    # term was listed for continued entitlement and as not already funded.
    args = (*STATS[1:], "--term-start", "2026-09-03", "--as-of", "2026-09-01")
    done = workbench("assess", *args, "--out", str(tmp_path / "list.csv"), "--strict")
    assert done.returncode == 3
    assert (
        "warning: the term start 2026-09-03 is not a term start of the two_year_old rules (1 "
        "January, 1 April, 1 September): they count funded places by term, so a place the "
        "providers' headcount records for 2026-09-01, the start of the term 2026-09-03 falls "
        "in, counts as an earlier term's (continued entitlement) and no child as already "
        "funded this term. Give 2026-09-01 as the term start\n"
    ) in done.stderr
    right = workbench("assess", *STATS[1:], *TERM_ARGS, "--out", str(tmp_path / "ok.csv"))
    assert "is not a term start" not in right.stderr


@pytest.mark.slow
def test_a_councils_own_rule_file_is_among_the_inputs_and_changes_the_run(tmp_path):
    # The rules tester's copy of the rules with another income limit, same id and version,
    # gave a different list under the same run id and a manifest that did not say so.
    from workbench.rules import rules_folder

    own = tmp_path / "own" / "two_year_old.yaml"
    own.parent.mkdir()
    text = (rules_folder() / "two_year_old.yaml").read_text(encoding="utf-8")
    own.write_text(text.replace("15400", "25400"), encoding="utf-8")
    base = (*STATS[1:], *TERM_ARGS)
    package = workbench("assess", *base, "--out", str(tmp_path / "package.csv"))
    council = workbench("assess", *base, "--rules", str(own), "--out", str(tmp_path / "own.csv"))
    assert package.returncode == council.returncode == 0, council.stderr
    first, second = (
        json.loads((tmp_path / f"{name}.csv.manifest.json").read_text())
        for name in ("package", "own")
    )
    assert first["inputs"]["rules:two_year_old.yaml"] == file_sha256(
        rules_folder() / "two_year_old.yaml"
    )
    assert second["inputs"]["rules:two_year_old.yaml"] == file_sha256(own)
    assert first["run_id"] != second["run_id"]


@pytest.mark.slow  # several stats runs: make test-slow (CI runs both)
def test_stats_hides_zero_counts_when_asked(tmp_path):
    # A group where no child is funded tells each family in it that their child is not: the
    # README said zeros could be hidden, and no option did it. Without the option, a 0 is
    # shown only beside an eligible count that is shown (the wards of the lookup where no
    # child lives); a funded 0 beside a hidden eligible count is hidden whatever it says.
    medium = (
        "--data",
        str(SAMPLE.with_name("council_medium")),
        "--initiative",
        "two_year_old",
        "--ward-lookup",
        str(SAMPLE.with_name("ward_lookup.csv")),
    )

    def zeros(out: Path) -> list[str]:
        return [
            f"{path.name}: {line}"
            for path in sorted(out.glob("*.csv"))
            for line in path.read_text().splitlines()
            if line.endswith(",0,false")
        ]

    shown = workbench("stats", *medium, *TERM_ARGS, "--out", str(tmp_path / "shown"))
    hidden = workbench(
        "stats", *medium, *TERM_ARGS, "--out", str(tmp_path / "hidden"), "--hide-zeros"
    )
    assert shown.returncode == hidden.returncode == 0, hidden.stderr
    assert zeros(tmp_path / "shown") == [
        f"take_up_by_ward.csv: {ward},{measure},0,false"
        for measure in ("eligible", "funded")
        for ward in ("Ashcombe", "Dunmere", "Gorsey Bank", "Holloway Vale")
    ]
    assert zeros(tmp_path / "hidden") == []
    record = json.loads((tmp_path / "hidden" / "stats_manifest.json").read_text())
    assert record["disclosure"]["suppress_zeros"] is True


def test_assess_warns_when_an_unrecorded_london_status_alone_keeps_children_off(tmp_path):
    c = Council()
    # Each NRPF household has one child in the window; income £30,000 is over the one-child
    # limit outside London (£26,500) and within the London one (£34,500).
    for n, london, income in [
        ("1", None, 30000.0),  # not recorded: held to the limits outside London, warned
        ("2", False, 30000.0),  # outside London: rightly not listed, no warning
        ("3", True, 30000.0),  # London: listed
        ("4", None, 40000.0),  # over both limits: nothing to warn about
        ("5", None, 20000.0),  # within both: listed
    ]:
        c.person(f"A{n}", f"H{n}", date(1990, 1, 1), role="parent_carer")
        c.person(f"C{n}", f"H{n}", date(2024, 3, 2), role="child")
        c.household(f"H{n}", nrpf=True, income=income, savings=0.0, london=london)
    # An award of a household with no young child: the benefits file is not empty.
    c.person("A9", "H9", date(1960, 1, 1), role="parent_carer")
    c.award("B9", "A9", "income_support")
    data = written(c, tmp_path / "data")
    out = tmp_path / "list.csv"
    done = workbench("assess", "--data", str(data), *ARGS, "--out", str(out), "--strict")
    assert done.returncode == 0, done.stderr  # a warning, not a failed check
    assert pl.read_csv(out)["person_id"].to_list() == ["C3", "C5"]
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: 1 child(ren) in the age window are not listed under no_recourse_to_public_funds "
        "only because their household's in_london is not recorded: its income is over the limit "
        "outside London but within the London one, and a household not recorded as in London is "
        "held to the limits outside London. If the council is a London borough, record "
        "in_london (the households file, or its profile) and run again"
    ]
    # A households file without the column at all: every household is unrecorded.
    households = pl.read_csv(data / "households.csv").drop("in_london")
    households.write_csv(data / "households.csv")
    again = workbench("assess", "--data", str(data), *ARGS, "--out", str(tmp_path / "b.csv"))
    assert again.returncode == 0, again.stderr
    assert pl.read_csv(tmp_path / "b.csv")["person_id"].to_list() == ["C5"]
    assert "warning: 3 child(ren) in the age window are not listed" in again.stderr


def test_assess_without_roles_warns_of_children_listed_on_a_young_members_award(tmp_path):
    c = Council()
    c.person("A1", "H1", date(1990, 1, 1), role="parent_carer")
    c.person("S1", "H1", date(2010, 5, 1), role="other")  # 16: a carer only for want of roles
    c.person("C1", "H1", date(2024, 3, 2), role="child")
    c.award("B1", "S1", "income_support")
    c.person("A2", "H2", date(1990, 1, 1), role="parent_carer")
    c.person("C2", "H2", date(2024, 3, 2), role="child")
    c.award("B2", "A2", "income_support")
    data = written(c, tmp_path / "data", without_roles=True)
    out = tmp_path / "list.csv"
    done = workbench("assess", "--data", str(data), *ARGS, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert pl.read_csv(out)["person_id"].to_list() == ["C1", "C2"]
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: 1 listed child(ren) rest on an award of a household member under 18: the "
        "people table has no role column, so everyone 16 or over counts as a parent or carer, "
        "and an older brother or sister's own benefit lists a younger child. Check them, or add "
        "the role column (parent_carer, child, other) if your system records it"
    ]
    # With roles recorded, nothing to warn about.
    with_roles = written(c, tmp_path / "with_roles")
    again = workbench("assess", "--data", str(with_roles), *ARGS, "--out", str(out))
    assert "warning:" not in again.stderr


def written(council: Council, data: Path, without_roles: bool = False) -> Path:
    """The council as CSV files in `data` (the people file without its role column)."""
    data.mkdir()
    for name, frame in council.tables().items():
        table = frame.collect()
        if table.is_empty() and name in ("dwp_list", "funded_places"):
            continue  # a council with none leaves the file out: given empty, it is warned of
        if without_roles and name == "people":
            table = table.drop("role")
        table.write_csv(data / f"{name}.csv", date_format="%Y-%m-%d")
    return data


@pytest.mark.slow
def test_assess_and_explain_say_the_headcount_holds_no_place_for_the_term(folder, tmp_path):
    # The council's one place is for September; the spring term's list shows no child funded.
    spring = ("--initiative", "two_year_old", "--term-start", "2027-01-04", "--as-of", "2026-12-01")
    out = tmp_path / "spring.csv"
    done = workbench("assess", "--data", str(folder), *spring, "--out", str(out), "--strict")
    assert done.returncode == 0, done.stderr  # a warning: the list is right by the data given
    said = (
        "No place in funded_places is for the term starting 2027-01-04: its places are for the "
        "terms starting 2026-09-01. Is the term's start written another way in the providers' "
        "headcount (then give that date as the term start), or has its headcount not come in yet?"
    )
    assert f"warning: {said} Until the term's places are read, no child on the list" in (
        done.stderr
    )
    assert not pl.read_csv(out)["already_funded"].any()
    explained = workbench("explain", "--data", str(folder), *spring, "--person", "C1")
    assert explained.returncode == 0, explained.stderr
    assert "Funded place: none matched for the term starting 4 January 2027." in explained.stdout
    assert f"warning: {said}" in explained.stderr
    autumn = workbench("explain", "--data", str(folder), *ARGS, "--person", "C1")
    assert "funded_places" not in autumn.stderr


# On a fixed day, the last evidence date below: none is after it, which `assess` would also
# warn of (on the machine's own clock, the 2027 case said so until 3 March 2027 and then not).
EVIDENCE_CHECKED_ON = date(2027, 3, 3)


@pytest.mark.parametrize(
    ("as_of", "warned"),
    [
        ("2025-01-01", "608 days before the term start (2026-09-01)"),  # a mistyped year
        ("2026-03-02", "183 days before the term start (2026-09-01)"),
        ("2026-03-03", None),  # a list prepared six months ahead: no warning
        ("2026-09-01", None),
        ("2027-03-03", "183 days after the term start (2026-09-01)"),
    ],
)
@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_an_evidence_date_half_a_year_from_the_term_start_is_warned_of(
    folder, tmp_path, monkeypatch, as_of, warned
):
    dates = ("--initiative", "two_year_old", "--term-start", "2026-09-01", "--as-of", as_of)
    given = ("--data", str(folder), *dates, "--out", str(tmp_path / "l.csv"))
    done = assess_in_process(monkeypatch, EVIDENCE_CHECKED_ON, *given)
    assert done.exit_code == 0, done.output
    said = (
        ""
        if warned is None
        else f"warning: the evidence date (--as-of {as_of}) is {warned}: awards and statuses "
        "are tested on that day, not the term's; check the year\n"
    )
    # After the term ended, too: the note `workbench report` gives as well.
    ended = (
        f"warning: The evidence date (--as-of {as_of}) is on or after the next term start "
        "(2027-01-01): the list is for the term starting 2026-09-01, on evidence from after "
        "that term ended. For a later term, give its start as --term-start.\n"
        if as_of >= "2027-01-01"
        else ""
    )
    assert done.stderr == said + ended + QUARANTINED_AWARDS
    explained = workbench("explain", "--data", str(folder), *dates, "--person", "C1")
    assert (explained.returncode, explained.stderr) == (0, said)


def test_a_term_later_than_the_rules_were_checked_for_is_warned_and_fails_strict(
    tmp_path, monkeypatch
):
    c = Council()
    c.person("A1", "H1", date(1990, 1, 1), role="parent_carer")
    c.person("C1", "H1", date(2025, 3, 2), role="child")  # in the window from April 2027
    c.award("B1", "A1", "income_support", start=date(2025, 1, 1))
    data = written(c, tmp_path / "data")
    warning = (
        "warning: two_year_old@2026.12.4 was checked against published sources for terms "
        "starting up to 31 August 2027; the term starting 1 September 2027 is later, so a "
        "criterion, threshold or rate may have changed since. Check DfE's current guidance "
        "and, if anything has changed, use an updated rule file (--rules) or a newer workbench."
    )

    def run(term: str, *more: str) -> tuple[int, list[str], dict]:
        out = tmp_path / f"{term}{''.join(more)}.csv"
        terms = ("--term-start", term, "--as-of", term)
        # On the term's evidence, on its first day: no evidence from a day still to come.
        done = assess_in_process(
            monkeypatch, date.fromisoformat(term),
            "--data", str(data), "--initiative", "two_year_old", *terms, "--out", str(out), *more,
        )  # fmt: skip
        assert pl.read_csv(out)["person_id"].to_list() == ["C1"], done.stderr
        manifest = json.loads(Path(f"{out}.manifest.json").read_text())
        warned = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
        return done.exit_code, warned, manifest

    code, warned, manifest = run("2027-04-01", "--strict")
    assert (code, warned) == (0, [])
    assert manifest["rules_checked_through"] == "2027-08-31"
    # The list is still written: the warning asks a person to check the rules, and --strict
    # (a scheduled run) fails so that someone does.
    assert run("2027-09-01")[:2] == (0, [warning])
    assert run("2027-09-01", "--strict")[:2] == (3, [warning])
    explained = workbench(
        "explain", "--data", str(data), "--initiative", "two_year_old", "--person", "C1",
        "--term-start", "2027-09-01", "--as-of", "2027-09-01", "--linkage", "exact",
    )  # fmt: skip
    assert explained.returncode == 0, explained.stderr
    # The explanation says it among its own lines (it is the document an officer keeps).
    assert explained.stdout.splitlines()[2] == (
        f"Not checked for this term: {warning.removeprefix('warning: ')}"
    )
    assert explained.stderr == ""
    stats = workbench(
        "stats", "--data", str(data), "--initiative", "two_year_old", "--term-start",
        "2027-09-01", "--as-of", "2027-09-01", "--out", str(tmp_path / "stats"),
    )  # fmt: skip
    assert stats.returncode == 0, stats.stderr
    assert f"note: {warning.removeprefix('warning: ')}" in stats.stdout.splitlines()
    record = json.loads((tmp_path / "stats" / "stats_manifest.json").read_text())
    assert warning.removeprefix("warning: ") in record["caveats"]


def test_version_names_the_package_and_each_rule_file_with_how_far_it_was_checked():
    import workbench as package
    from workbench.rules import available_initiatives, load_rule_set

    done = workbench("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"workbench {package.__version__}",
        "rule files:",
        *(
            f"  {load_rule_set(name).ref} (checked for terms starting up to 2027-08-31)"
            for name in available_initiatives()
        ),
    ]


def test_a_place_given_twice_counts_once_and_is_warned_about(tmp_path):
    c = Council()
    c.person("A1", "H1", date(1990, 1, 1), role="parent_carer")
    c.person("C1", "H1", date(2024, 3, 2), role="child", forename="NameC1")
    c.award("B1", "A1", "income_support")
    for record in ("F1", "F2"):  # the same place, entered twice by the provider
        c.funded(record, "NameC1", date(2024, 3, 2), date(2026, 9, 1), "two_year_old")
    data = written(c, tmp_path / "data")
    for linkage in ("exact", "probabilistic"):
        out = tmp_path / f"{linkage}.csv"
        done = workbench(
            "assess", "--data", str(data), *ARGS, "--linkage", linkage, "--out", str(out),
            "--strict",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr  # a warning, not a failed check
        listed = pl.read_csv(out)
        # Before, the exact pass left both rows unlinked: the child read as not funded.
        assert listed.select("person_id", "already_funded").rows() == [("C1", True)]
        assert [line for line in done.stderr.splitlines() if line.startswith("warning:")] == [
            "warning: 1 row(s) of funded_places repeat another row's place (the same child's "
            "names, date of birth and postcode, provider, term and funding stream): a child "
            "holds one place per term, provider and stream, so each is counted once. Ask the "
            "provider whether the child was claimed for twice (record_id F2)"
        ]


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_a_dwp_list_row_given_again_lists_its_child_once(tmp_path):
    c = Council()
    c.person("A1", "H1", date(1990, 1, 1), role="parent_carer", nino="AB123456C")
    c.person("C1", "H1", date(2024, 3, 2), role="child", forename="NameC1")
    c.dwp("D1", "NameC1", date(2024, 3, 2), "AB123456C")
    c.dwp("D2", "Zed", date(2024, 1, 9), None)  # a child the council does not know
    c.dwp("D3", "NameC1", date(2024, 3, 2), "AB123456C")  # D1 again
    c.dwp("D4", "Zed", date(2024, 1, 9), None)  # D2 again
    c.person("A9", "H9", date(1960, 1, 1), role="parent_carer")  # the benefits file not empty
    c.award("B9", "A9", "income_support")
    data = written(c, tmp_path / "data")
    repeat = (
        "repeats row {} of the list (the same child's names, date of birth and postcode, and "
        "parent's NINO): the child is counted once, by that row"
    )
    for linkage in ("exact", "probabilistic"):
        out = tmp_path / f"{linkage}.csv"
        done = workbench(
            "assess", "--data", str(data), *ARGS, "--linkage", linkage, "--out", str(out)
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        # Before, with the exact pass, C1 was listed three times: C1, D1 and D3 on their own.
        assert pl.read_csv(out).select("person_id", "dwp_record_id").rows() == [
            ("C1", "D1"),
            (None, "D2"),
        ]
        unlisted = pl.read_csv(tmp_path / f"{linkage}.dwp_not_listed.csv")
        assert unlisted.select("record_id", "reason").rows() == [
            ("D3", repeat.format("D1")),
            ("D4", repeat.format("D2")),
        ]
        assert "DWP list: 4 row(s) read = 2 listed + 2 not listed + 0 quarantined" in " ".join(
            done.stdout.split()
        )
        assert [line for line in done.stderr.splitlines() if line.startswith("warning:")] == [
            "warning: 2 row(s) of the DWP list repeat an earlier row (the same child's names, "
            "date of birth and postcode, and parent's NINO): each child is listed once, and the "
            "repeats are in the rows not listed. Is the file two releases of the list put "
            "together? (record_id D3, D4)"
        ]


@pytest.mark.slow
def test_explain_answers_a_dwp_list_row_by_its_id(folder):
    # README: given a DWP-list row's id, explain says in one line what became of the row.
    row = "is a row of the DWP list, not a person"
    with_child = workbench("explain", "--data", str(folder), *ARGS, "--person", "D1")
    assert (with_child.returncode, with_child.stderr) == (0, "")
    assert with_child.stdout == (
        f"'D1' {row}: it is listed with child C1, likely; to see why, explain the child: "
        "--person C1\n"
    )
    alone = workbench("explain", "--data", str(folder), *ARGS, "--person", "D2")
    assert (alone.returncode, alone.stderr) == (0, "")
    assert alone.stdout == (
        f"'D2' {row}: it is listed on its own, likely (no child in the council's data matched it)\n"
    )
    unknown = workbench("explain", "--data", str(folder), *ARGS, "--person", "D7")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("error: no person 'D7' in people")


def test_explain_says_an_adult_is_not_a_child_in_the_age_window(folder):
    done = workbench("explain", "--data", str(folder), *ARGS, "--person", "A1")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "Person A1 (born 1 January 1990) is not listed for the term starting 1 September 2026: "
        "not a child in the age window.\n"
        "Rules in force for the term starting 1 September 2026 (rule set "
        "two_year_old@2026.12.4); evidence as on 1 September 2026.\n"
        "Age: 36 on 1 September 2026. The list is for children in the age window, which for "
        "someone born on 1 January 1990 closed on 1 April 1993.\n"
        "No criterion was assessed: each is met by a child in the age window, through the "
        "child's own records or those of the child's parents and carers.\n"
    )
    # A child is still explained criterion by criterion.
    child = workbench("explain", "--data", str(folder), *ARGS, "--person", "C2")
    assert child.stdout.startswith("Child C2 (born 2 June 2024) is listed")
    assert "✗ ehc_plan:" in child.stdout


def assess_in_process(monkeypatch, today: date, *args: str):
    """`workbench assess ARGS` run in this process, on a machine whose clock says `today`."""
    from typer.testing import CliRunner

    from workbench.cli import app

    monkeypatch.setattr("workbench.cli._assess._today", lambda: today)
    return CliRunner().invoke(app, ["--quiet", "assess", *args])


def test_an_evidence_date_after_today_is_a_serious_warning_as_report_says_it(
    folder, tmp_path, monkeypatch
):
    # `workbench report` warned of it (and failed --strict); `assess` said nothing.
    given = ("--data", str(folder), *ARGS, "--out", str(tmp_path / "list.csv"), "--strict")
    done = assess_in_process(monkeypatch, date(2026, 8, 31), *given)
    assert done.exit_code == 3, done.output
    assert (tmp_path / "list.csv").is_file()  # written all the same, as for any warning
    # First, then the list's own (the fixture's quarantined award rows: a note).
    assert done.stderr == (
        "warning: The evidence date (--as-of 2026-09-01) is after today (2026-08-31): the data "
        "cannot yet show what holds on that day (an award may end, a family may move before "
        "then), so the list rests on evidence not held. Give the day the extract was taken.\n"
        + QUARANTINED_AWARDS
    )
    # The day itself is no warning.
    done = assess_in_process(monkeypatch, date(2026, 9, 1), *given)
    assert (done.exit_code, done.stderr) == (0, QUARANTINED_AWARDS)


QUARANTINED_AWARDS = (
    "warning: 1 child(ren) in the age window have a quarantined row of benefits.csv about them "
    "or a parent or carer (row(s) 4, 5): such a row is not read, so what it records counts for "
    "nothing, and the child may be left off the list or listed on less: C2. `workbench explain "
    "--person ID` names the rows; correct them in the extract and run again\n"
)


def test_an_evidence_date_after_the_term_ended_is_a_note_as_report_says_it(
    folder, tmp_path, monkeypatch
):
    dates = ("--term-start", "2026-09-01", "--as-of", "2027-01-01")
    given = ("--data", str(folder), "--initiative", "two_year_old", *dates)
    out = ("--out", str(tmp_path / "list.csv"), "--strict")
    done = assess_in_process(monkeypatch, date(2027, 1, 4), *given, *out)
    assert done.exit_code == 0, done.output  # a note: --strict does not fail on it
    assert done.stderr == (
        "warning: The evidence date (--as-of 2027-01-01) is on or after the next term start "
        "(2027-01-01): the list is for the term starting 2026-09-01, on evidence from after "
        "that term ended. For a later term, give its start as --term-start.\n" + QUARANTINED_AWARDS
    )


def test_assess_says_the_dates_as_report_does_but_the_far_evidence_date_once():
    # The evidence date half a year before the term is said as `assess` reads the dates
    # (`parse_term_dates`), so not again beside the list; report says it with the others.
    from workbench.runs.evidence_dates import date_warnings

    dates = {"initiative": "two_year_old", "term_start": "2027-09-01", "as_of": "2027-01-02"}
    today = date(2026, 12, 7)
    assert date_warnings(dates, today=today, command="assess") == (
        (
            "The evidence date (--as-of 2027-01-02) is after today (2026-12-07): the data "
            "cannot yet show what holds on that day (an award may end, a family may move "
            "before then), so the list rests on evidence not held. Give the day the extract "
            "was taken.",
        ),
        (),
    )
    serious, notes = date_warnings(dates, today=today)
    assert serious[0].startswith("The evidence date (as_of 2027-01-02) is after today")
    assert serious[0].endswith("Give the day the extract was taken, or -p as_of=today.")
    assert notes == (
        "The evidence date (as_of 2027-01-02) is 242 days before the term start (2027-09-01): "
        "awards and statuses are tested on that day, not the term's; check the year.",
    )


def test_assess_prints_every_criterion_checked_by_reason_with_0_where_none_meets_it(
    folder, tmp_path
):
    # A reason no child met was left out of the table, so it read as a criterion not checked.
    # Every criterion in force for the term is a row, in the rule file's order.
    done = workbench("assess", "--data", str(folder), *ARGS, "--out", str(tmp_path / "l.csv"))
    assert done.returncode == 0, done.stderr
    table = done.stdout.split("Candidates by reason", 1)[1].split("List written to", 1)[0]
    rows = [
        tuple(cell.strip() for cell in line.strip().strip("│").split("│"))
        for line in table.splitlines()
        if line.startswith("│")
    ]
    assert rows == [
        ("income_support", "0"),
        ("jsa_income_based", "0"),
        ("esa_income_related", "0"),
        ("universal_credit_low_income", "1"),
        ("pension_credit_guarantee", "0"),
        ("asylum_support", "0"),
        ("disability_living_allowance", "0"),
        ("looked_after", "0"),
        ("ehc_plan", "0"),
        ("left_care", "0"),
        ("continued_entitlement", "0"),
        ("no_recourse_to_public_funds", "0"),
        ("dwp_list", "2"),
    ]
