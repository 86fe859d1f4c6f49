"""Subject access: everything about one person, every decision about them, nobody else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from workbench.errors import DataFileError, UsageError
from workbench.governance.subject_access import appendix_path, find_person, subject_access
from workbench.lists import assess_folder
from workbench.review import ReviewStore, pseudonym, register_list_file

KEY = bytes(range(32))
TERM = date(2026, 9, 1)

# Two households. Household H1: the child Tobias Ashdown (DLA, an EHC plan) and his mother
# Marigold Quenby (Universal Credit, low income; on the DWP list with him). Household H2:
# Yolanda Ferris and her father Orson Pell (Income Support). Distinct surnames so that a
# leak of any one of them shows.
PEOPLE = """\
person_id,household_id,forename,surname,date_of_birth,nino,postcode,role,ethnicity
C-TOBIAS,H1,Tobias,Ashdown,2024-03-10,,ZZ9 1AA,child,White British
P-MARIGOLD,H1,Marigold,Quenby,1994-06-02,QQ123456A,ZZ9 1AA,parent_carer,White Irish
C-YOLANDA,H2,Yolanda,Ferris,2024-05-01,,ZZ9 2BB,child,Mixed
P-ORSON,H2,Orson,Pell,1990-01-15,QQ654321B,ZZ9 2BB,parent_carer,Asian
"""
BENEFITS = """\
award_id,person_id,benefit,start_date,end_date,net_earned_income,gross_income
AW-MQ1,P-MARIGOLD,universal_credit,2025-01-01,,9000,
AW-TA1,C-TOBIAS,disability_living_allowance,2025-02-01,,,
AW-OP1,P-ORSON,income_support,2024-01-01,,,
"""
STATUSES = """\
status_id,person_id,status,start_date,end_date
ST-TA1,C-TOBIAS,ehc_plan,2025-06-01,
ST-YF1,C-YOLANDA,looked_after,2025-06-01,
"""
DWP = """\
record_id,child_forename,child_surname,child_date_of_birth,parent_forename,parent_surname,parent_nino,postcode
D-101,Tobias,Ashdown,2024-03-10,Marigold,Quenby,QQ123456A,ZZ9 1AA
"""
OTHER_PEOPLE = {
    "H1 parent": ["P-MARIGOLD", "Marigold", "Quenby", "QQ123456A", "AW-MQ1", "1994-06-02"],
    "H2": ["C-YOLANDA", "Yolanda", "Ferris", "P-ORSON", "Orson", "Pell", "QQ654321B"],
    "H2 records": ["AW-OP1", "ST-YF1", "ZZ9 2BB", "1990-01-15", "2024-05-01"],
    "special category": ["White", "Mixed", "Asian", "Irish"],
}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 9, 10, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=5)
        return self.now


@pytest.fixture
def council(tmp_path: Path, make_folder):
    data = make_folder(
        {
            "people.csv": PEOPLE,
            "benefits.csv": BENEFITS,
            "child_statuses.csv": STATUSES,
            "dwp_list.csv": DWP,
        }
    )
    listed = tmp_path / "two_year_old.csv"
    assess_folder(data, initiative="two_year_old", term_start=TERM, as_of=TERM, out=listed)
    store = tmp_path / "review.sqlite"
    with ReviewStore(store, clock=Clock()) as review:
        list_id, _ = register_list_file(review, listed, KEY)
        tobias, yolanda = (
            pseudonym("person", "C-TOBIAS", KEY),
            pseudonym("person", "C-YOLANDA", KEY),
        )
        review.record_decision(list_id, tobias, "contact", "A. Officer")
        review.record_decision(list_id, yolanda, "contact", "C. Officer")
        review.record_decision(
            list_id, tobias, "already_in_touch", "B. Officer", "family already has a place"
        )
        decisions = review.decisions()
    return data, listed, store, decisions


def _texts(out: Path) -> str:
    return out.read_text() + appendix_path(out).read_text()


def test_the_list_is_what_the_fixture_says(council):
    _, listed, _, _ = council
    rows = pl.read_csv(listed, infer_schema=False).select("person_id", "reason_codes")
    assert rows.rows() == [
        ("C-TOBIAS", "disability_living_allowance;dwp_list;ehc_plan;universal_credit_low_income"),
        ("C-YOLANDA", "income_support;looked_after"),
    ]


def test_the_export_holds_every_decision_about_the_child_and_nothing_about_anyone_else(
    council, tmp_path
):
    data, listed, store, decisions = council
    out = subject_access(
        "C-TOBIAS",
        data=data,
        lists=[listed],
        store=store,
        key=KEY,
        out=tmp_path / "sar.md",
        user="dp.officer",
        today=date(2026, 10, 1),
    )
    text = _texts(out)
    mine = decisions.filter(pl.col("item_key") == pseudonym("person", "C-TOBIAS", KEY))
    assert mine.height == 2
    for row in mine.iter_rows(named=True):
        line = (
            f"| {row['decided_at']} | {row['reviewer']} | {row['decision']} | "
            f"{row['reason'] or ''} | two_year_old |"
        )
        assert line in out.read_text()
        assert row["decision_id"] in appendix_path(out).read_text()
    theirs = decisions.filter(pl.col("item_key") != pseudonym("person", "C-TOBIAS", KEY))
    assert theirs["decision_id"].to_list()[0] not in text and "C. Officer" not in text
    for kind, values in OTHER_PEOPLE.items():
        assert [v for v in values if v in text] == [], kind
    # The person's own data is there: their row, their award and status, the reasons.
    for own in ("Tobias", "Ashdown", "2024-03-10", "AW-TA1", "ST-TA1", "D-101", "H1"):
        assert own in text
    assert "The child gets Disability Living Allowance." in text
    assert (
        "ehc_plan: status ST-TA1; universal_credit_low_income: an award of a parent/carer (id "
        "withheld) |" in out.read_text()
    )
    assert "Other people appear only as “a parent/carer (id withheld)”" in text


def test_the_appendix_has_one_row_per_fact(council, tmp_path):
    data, listed, store, _ = council
    out = subject_access(
        "C-TOBIAS",
        data=data,
        lists=[listed],
        store=store,
        key=KEY,
        out=tmp_path / "sar.md",
    )
    appendix = pl.read_csv(appendix_path(out), infer_schema=False)
    assert appendix.columns == ["section", "record", "field", "value"]
    people = appendix.filter(pl.col("section") == "people").select("field", "value").rows()
    assert people == [
        ("person_id", "C-TOBIAS"),
        ("household_id", "H1"),
        ("forename", "Tobias"),
        ("surname", "Ashdown"),
        ("date_of_birth", "2024-03-10"),
        ("nino", ""),
        ("postcode", "ZZ9 1AA"),
        ("role", "child"),
    ]
    decided = appendix.filter(pl.col("section") == "decisions", pl.col("field") == "decision")
    assert decided["value"].to_list() == ["contact", "already_in_touch"]


def test_a_parents_export_shows_their_award_used_for_a_child_who_is_not_named(council, tmp_path):
    data, listed, store, _ = council
    out = subject_access(
        "P-MARIGOLD", data=data, lists=[listed], store=store, key=KEY, out=tmp_path / "p.html"
    )
    text = _texts(out)
    assert (
        "universal_credit_low_income: their award AW-MQ1, for a child in their household "
        "(id withheld)" in text
    )
    assert "This person is on none of the 1 list(s) searched." in text
    assert "No decision has been recorded about this person." in text
    for leak in ("C-TOBIAS", "Tobias", "Ashdown", "AW-TA1", "ST-TA1", "Yolanda", "Orson"):
        assert leak not in text, leak
    assert text.startswith("<!doctype html>")


def test_outputs_are_owner_only_and_the_store_records_the_access(council, tmp_path):
    data, listed, store, _ = council
    out = subject_access(
        "C-TOBIAS",
        data=data,
        lists=[listed],
        store=store,
        key=KEY,
        out=tmp_path / "sar.md",
        user="dp.officer",
    )
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert oct(appendix_path(out).stat().st_mode & 0o777) == "0o600"
    with ReviewStore(store) as review:
        log = review.access_log()
    item = pseudonym("person", "C-TOBIAS", KEY)
    assert log.select("user", "command", "detail").rows() == [
        ("dp.officer", "subject-access", f"item {item}: 1 items, 2 decisions")
    ]


def test_without_a_store_the_export_says_decisions_were_not_searched(council, tmp_path):
    data, listed, _, _ = council
    out = subject_access("C-YOLANDA", data=data, lists=[listed], key=KEY, out=tmp_path / "y.md")
    text = out.read_text()
    assert "No review store was searched" in text
    assert "income_support: A parent or carer gets Income Support." in text
    for leak in ("P-ORSON", "Orson", "Pell", "AW-OP1", "Tobias", "Marigold"):
        assert leak not in _texts(out), leak


def test_bad_arguments_are_refused(council, tmp_path):
    data = council[0]
    with pytest.raises(UsageError, match=r"--out must end in \.md or \.html; got 'sar.pdf'"):
        subject_access("C-TOBIAS", data=data, key=KEY, out=tmp_path / "sar.pdf")
    with pytest.raises(UsageError, match="--person is empty"):
        subject_access("  ", data=data, key=KEY, out=tmp_path / "sar.md")
    with pytest.raises(DataFileError, match="no review store here"):
        subject_access(
            "C-TOBIAS", data=data, store=tmp_path / "none.sqlite", key=KEY, out=tmp_path / "s.md"
        )
    assert not (tmp_path / "none.sqlite").exists()


def test_a_person_is_found_by_name_and_date_of_birth(council):
    data = council[0]
    assert find_person(
        data, forename=" tobias ", surname="ASHDOWN", date_of_birth=date(2024, 3, 10)
    ) == ["C-TOBIAS"]
    assert find_person(data, forename="Tobias", surname="Ashdown", date_of_birth=TERM) == []
