"""`validate` and `assess` on a council's extract that changes the list without a word unless
they say so (a tester's cases): the DWP list saved as `DWP list.csv` (read as the DWP list,
and said to be) or as `DWPlist.csv` (not read, and warned of: `--strict` fails), and a
benefits file without its `net_earned_income` column (warned of once, in both commands)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.command import workbench
from tests.council import Council

ARGS = ("--initiative", "two_year_old", "--term-start", "2026-09-01", "--as-of", "2026-08-15")


def council() -> Council:
    """C1 listed on a parent's Universal Credit within the limit, C2 only through the DWP
    list (its parent's NINO and its date of birth)."""
    c = Council()
    c.person("A1", "H1", date(1990, 1, 1), role="parent_carer", nino="AB123456C")
    c.person("C1", "H1", date(2024, 3, 2), role="child")
    c.award("B1", "A1", "universal_credit", net=9000.0)
    c.person("A2", "H2", date(1991, 5, 5), role="parent_carer", nino="CE654321A")
    c.person("C2", "H2", date(2024, 1, 9), role="child")
    c.dwp("D2", "NameC2", date(2024, 1, 9), "CE654321A")
    return c


def written(data: Path, dwp_name: str = "dwp_list.csv", drop: str | None = None) -> Path:
    """The council as CSV files, the DWP list under `dwp_name`, benefits without `drop`."""
    data.mkdir()
    for name, frame in council().tables().items():
        table = frame.collect()
        if table.is_empty():
            continue
        if name == "benefits" and drop is not None:
            table = table.drop(drop)
        file = dwp_name if name == "dwp_list" else f"{name}.csv"
        table.write_csv(data / file, date_format="%Y-%m-%d")
    return data


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


@pytest.mark.slow
def test_a_dwp_list_named_in_words_is_read_as_the_dwp_list_and_said_to_be(tmp_path):
    data = written(tmp_path / "data", "DWP list.csv")
    out = tmp_path / "list.csv"
    done = workbench("assess", "--data", str(data), *ARGS, "--out", str(out), "--strict")
    assert done.returncode == 0, done.stderr
    assert pl.read_csv(out).select("person_id", "reason_codes").rows() == [
        ("C1", "universal_credit_low_income"),
        ("C2", "dwp_list"),
    ]
    said = " ".join(done.stdout.split())  # rich wraps long lines
    assert (
        "Read under another name than the contract's: DWP list.csv as dwp_list (a file's name "
        "is read without case, and spaces or hyphens as underscores)."
    ) in said
    assert "DWP list: 1 row(s) read = 1 listed + 0 not listed + 0 quarantined." in said
    assert warnings(done.stderr) == []
    checked = workbench("validate", str(data))
    assert checked.returncode == 0, checked.stderr
    rows = [[cell.strip() for cell in line.split("│")[1:3]] for line in checked.stdout.splitlines()]
    assert ["dwp_list", "DWP list.csv"] in rows
    assert "Read under another name than the contract's: DWP list.csv as dwp_list" in " ".join(
        checked.stdout.split()
    )
    assert "Ignored" not in checked.stdout
    # A list written over the DWP list's file would be read as council data next time.
    refused = workbench("assess", "--data", str(data), *ARGS, "--out", str(data / "DWP List.csv"))
    assert refused.returncode == 2
    assert "DWP List.csv" in refused.stderr


@pytest.mark.slow
def test_a_dwp_list_not_read_is_warned_of_and_fails_strict(tmp_path):
    data = written(tmp_path / "data", "DWPlist.csv")
    out = tmp_path / "list.csv"
    done = workbench("assess", "--data", str(data), *ARGS, "--out", str(out), "--strict")
    assert done.returncode == 3, done.stderr
    assert pl.read_csv(out)["person_id"].to_list() == ["C1"]
    assert warnings(done.stderr) == [
        f"warning: no dwp_list.csv (or .parquet, .xlsx) in {data}, so no child is listed "
        "through the DWP list (the criterion dwp_list lists no one); "
        f"{data} holds 'DWPlist.csv', not read: is it the DWP list? If so, rename it "
        "dwp_list.csv and run again"
    ]
    checked = workbench("validate", str(data))
    assert checked.returncode == 0, checked.stderr
    assert "Ignored (not a canonical table): DWPlist.csv" in checked.stdout
    assert warnings(checked.stderr) == [
        f"warning: {data} holds no dwp_list.csv (or .parquet, .xlsx) but holds 'DWPlist.csv', "
        "not read: is it the DWP list? If so, rename it dwp_list.csv"
    ]


@pytest.mark.slow
def test_a_benefits_file_without_its_income_column_is_warned_of_once(tmp_path):
    data = written(tmp_path / "data", drop="net_earned_income")
    out = tmp_path / "list.csv"
    done = workbench("assess", "--data", str(data), *ARGS, "--out", str(out), "--strict")
    assert done.returncode == 0, done.stderr  # a note: the list is right by the rules
    assert pl.read_csv(out).select("person_id", "tier").rows() == [
        ("C1", "possible"),
        ("C2", "likely"),
    ]
    assert warnings(done.stderr) == [
        "warning: benefits.csv has no net_earned_income column: every Universal Credit "
        "award's take-home pay is treated as not known, so the criterion "
        "universal_credit_low_income can only mark a child possible, never likely. If the "
        "extract holds it, add it as net_earned_income"
    ]
    checked = workbench("validate", str(data))
    assert checked.returncode == 0, checked.stderr
    assert warnings(checked.stderr) == [
        "warning: benefits.csv has no net_earned_income column: every Universal Credit "
        "award's take-home pay is treated as not known, so the criteria "
        "universal_credit_low_income (early_years_pupil_premium, free_school_meals, "
        "two_year_old) and pupil_universal_credit_low_income "
        "(free_school_meals) can only mark a child possible, never likely. If the extract "
        "holds it, add it as net_earned_income"
    ]
    # With the column there, blank in some rows, nothing is said: each row's evidence says so.
    whole = workbench("validate", str(written(tmp_path / "whole")))
    assert warnings(whole.stderr) == []


def test_link_says_which_file_it_read_as_the_dwp_list(tmp_path):
    from workbench.linkage import link_folder

    run = link_folder(written(tmp_path / "data", "DWP list.csv"), tmp_path / "links.csv")
    assert run.summary()[0] == (
        "Read under another name than the contract's: DWP list.csv as dwp_list (a file's name "
        "is read without case, and spaces or hyphens as underscores)."
    )
    assert run.summary()[1] == "people: 4 read = 4 to link to + 0 quarantined (never linked to)"


def test_link_with_the_dwp_list_under_a_name_it_does_not_read_names_that_file(tmp_path):
    from workbench.errors import DataFileError
    from workbench.linkage import link_folder

    data = written(tmp_path / "data", "DWPlist.csv")
    with pytest.raises(DataFileError) as refused:
        link_folder(data, tmp_path / "links.csv")
    assert str(refused.value) == (
        f"{data}: holds neither dwp_list nor funded_places: `workbench link` links their rows "
        "to people, so there is nothing to link; add the DWP list or the providers' headcount; "
        f"{data} holds no dwp_list.csv (or .parquet, .xlsx) but holds 'DWPlist.csv', not read: "
        "is it the DWP list? If so, rename it dwp_list.csv"
    )


def test_stats_warns_of_a_dwp_list_it_does_not_read_and_of_a_column_missing(tmp_path):
    from workbench.stats.report import write_stats

    data = written(tmp_path / "data", "DWPlist.csv", drop="net_earned_income")
    result = write_stats(
        data, initiative="two_year_old", term_start="2026-09-01", as_of="2026-08-15",
        out=tmp_path / "tables", linkage="exact",
    )  # fmt: skip
    assert list(result.warnings[:2]) == [
        f"no dwp_list.csv (or .parquet, .xlsx) in {data}, so no child is listed through the "
        "DWP list (the criterion dwp_list lists no one); "
        f"{data} holds 'DWPlist.csv', not read: is it the DWP list? If so, rename it "
        "dwp_list.csv and run again",
        "benefits.csv has no net_earned_income column: every Universal Credit award's "
        "take-home pay is treated as not known, so the criterion universal_credit_low_income "
        "can only mark a child possible, never likely. If the extract holds it, add it as "
        "net_earned_income",
    ]
    renamed = write_stats(
        written(tmp_path / "named", "DWP list.csv"), initiative="two_year_old",
        term_start="2026-09-01", as_of="2026-08-15", out=tmp_path / "named_tables",
        linkage="exact",
    )  # fmt: skip
    assert renamed.warnings[0].startswith(
        "Read under another name than the contract's: DWP list.csv as dwp_list"
    )


def test_a_household_of_more_than_thirty_fails_strict_and_stats_warns_of_it(tmp_path):
    """A household key that lumps families together (a key split across two columns read
    half) lists children on other families' awards: assess's warning is serious, and stats,
    whose figures it changes as much, warns of it too."""
    from workbench.eligibility.assess import assess
    from workbench.runs.list_warnings import list_warnings
    from workbench.stats.report import write_stats

    data = written(tmp_path / "data")
    people = pl.read_csv(data / "people.csv", infer_schema=False)
    lodgers = pl.DataFrame(
        {"person_id": [f"L{i:02d}" for i in range(29)], "household_id": "H1"}
    ).with_columns(
        forename=pl.lit("Lodger"), surname=pl.lit("Ray"), date_of_birth=pl.lit("1980-01-01"),
        postcode=pl.lit("FQ1 1AA"), role=pl.lit("other"),
    )  # fmt: skip
    pl.concat([people, lodgers], how="diagonal").write_csv(data / "people.csv")
    said = (
        "1 household_id of people.csv is shared by more than 30 people (H1: 31 people): a "
        "household so large is most likely not one family. Is the household key split across "
        "two columns (a source profile joins them: household_id: {concat: [Area, Seq], "
        'separator: "-"}), or written as a placeholder? Children are matched to the parents '
        "and carers of their household, so a child of it may be listed on another family's "
        "award"
    )
    found = assess(data, "two_year_old", term_start="2026-09-01", as_of="2026-08-15")
    assert said in list_warnings(found).serious
    result = write_stats(
        data, initiative="two_year_old", term_start="2026-09-01", as_of="2026-08-15",
        out=tmp_path / "tables", linkage="exact",
    )  # fmt: skip
    assert said in result.warnings


def test_a_household_key_shared_by_more_than_a_thousand_stops_assess_before_the_engine(
    tmp_path, monkeypatch
):
    """The tester's profile read half a split key: 24,206 people in one "household", 160 s,
    17.5 GB and 633 children listed instead of 173. No family is so large: stopped, naming
    the file, the column and the households."""
    from workbench.data import household_size
    from workbench.eligibility.assess import assess
    from workbench.errors import DataFileError

    data = written(tmp_path / "data")
    assess(data, "two_year_old", term_start="2026-09-01", as_of="2026-08-15")  # 2 each: fine
    # A limit of 1 (the real one is 1,000) makes the council's two households too large.
    monkeypatch.setattr(household_size.refuse_lumped_households, "__defaults__", (1,))
    with pytest.raises(DataFileError) as refused:
        assess(data, "two_year_old", term_start="2026-09-01", as_of="2026-08-15")
    assert str(refused.value) == (
        f"{data / 'people.csv'}, column 'household_id': 2 household_id(s) shared by more than "
        "1 people ('H1': 2 people, 'H2': 2 people): no family is so large, so the key does not "
        "tell households apart, and every child would be matched to every adult of it. Is the "
        "household key split across two columns (a source profile joins them: household_id: "
        '{concat: [Area, Seq], separator: "-"}), or written as a placeholder? Correct the key, '
        "or the profile, and run again"
    )
