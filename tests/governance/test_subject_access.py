"""Subject access: everything about one person, every decision about them, nobody else."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path

import polars as pl
import pytest
import yaml

from tests.command import workbench
from tests.lists import rewritten
from workbench.dates import long_date
from workbench.eligibility.assess import assess
from workbench.errors import DataFileError, UsageError
from workbench.governance.retention import (
    DEFAULT_POLICY,
    apply_retention,
    load_policy,
    plan_retention,
)
from workbench.governance.subject_access import (
    NameSearch,
    appendix_path,
    find_dwp_child,
    find_person,
    find_subject,
    subject_access,
)
from workbench.review import ReviewStore, pseudonym, register_list_file
from workbench.review.check_results import import_check_results
from workbench.review.checks import export_checks
from workbench.review.details import VIEW_COMMAND, view_detail
from workbench.review.excel import export_list_file
from workbench.review.outreach import export_outreach
from workbench.review.outreach_files import sidecar_path
from workbench.review.workbook import exported_on
from workbench.runs.assure import assure, format_report

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
    """The store's clock, five minutes on at each reading, from `start`."""

    def __init__(self, start: datetime = datetime(2026, 9, 10, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

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
    assess(data, "two_year_old", term_start=TERM, as_of=TERM).write(listed)
    store = tmp_path / "review.sqlite"
    with ReviewStore(store, clock=Clock(), key=KEY) as review:
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


def shown(at: str) -> str:
    """A time the store recorded (ISO 8601, UTC) as the answer shows it in Markdown and HTML:
    "10 September 2026 at 09:15 UTC" (the appendix keeps it as recorded)."""
    moment = datetime.fromisoformat(at)
    assert moment.utcoffset() == timedelta(0), at
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M} UTC"


def test_times_are_shown_as_people_read_them_and_kept_as_recorded_in_the_appendix(
    council, tmp_path
):
    data, listed, store, decisions = council
    out = subject_access("C-TOBIAS", data=data, lists=[listed], store=store, key=KEY,
                         out=tmp_path / "t.md")  # fmt: skip
    first = decisions.filter(pl.col("reviewer") == "A. Officer").row(0, named=True)
    assert first["decided_at"] == "2026-09-10T09:15:00.000000Z"
    assert (
        f"| 10 September 2026 at 09:15 UTC | A. Officer | contact |  | two_year_old | "
        f"{log_run(store)} | {first['decision_id']} |" in out.read_text()
    )
    assert ("decision 1", "decided_at", "2026-09-10T09:15:00.000000Z") in _facts(out, "decisions")
    html = subject_access("C-TOBIAS", data=data, lists=[listed], store=store, key=KEY,
                          out=tmp_path / "t.html")  # fmt: skip
    assert "<td>10 September 2026 at 09:15 UTC</td><td>A. Officer</td>" in html.read_text()
    assert "2026-09-10T09:15:00" not in html.read_text()


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
            f"| {shown(row['decided_at'])} | {row['reviewer']} | {row['decision']} | "
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
    # How the linkage tied the DWP row to the child: the logic of the automated matching.
    assert (
        "| how it was matched | the parent's National Insurance number and the child's date of "
        "birth agree |" in out.read_text()
    )
    yolanda = subject_access("C-YOLANDA", data=data, lists=[listed], key=KEY, out=tmp_path / "y.md")
    assert "DWP record matched" in yolanda.read_text()  # empty: no DWP row, and no method
    assert "how it was matched" not in yolanda.read_text()


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
    with ReviewStore(store, key=KEY) as review:
        log = review.access_log()
    # Tobias is searched by his person id and by his DWP-list row (D-101, linked to him).
    person, row = pseudonym("person", "C-TOBIAS", KEY), pseudonym("dwp", "D-101", KEY)
    assert log.select("user", "command", "detail").rows() == [
        (
            "dp.officer",
            "subject-access",
            f"items {person}, {row}: 1 items, 2 decisions, 0 DfE check rows, "
            "0 views of their details",
        )
    ]


def test_the_export_says_who_opened_the_childs_details_and_no_one_elses(council, tmp_path):
    data, listed, store, _ = council
    tobias, yolanda = pseudonym("person", "C-TOBIAS", KEY), pseudonym("person", "C-YOLANDA", KEY)
    with ReviewStore(store, clock=Clock(), key=KEY) as review:
        list_id = review.lists()["list_id"][0]
        review.log_access("A. Officer", "review view", f"list {list_id}, child {tobias}")
        review.log_access("C. Officer", "review view", f"list {list_id}, child {yolanda}")
        # As a view was logged before 6 December 2026: by person id.
        review.log_access("B. Officer", "review view", f"list {list_id}, child C-TOBIAS")
        log = review.access_log()
    out = subject_access(
        "C-TOBIAS", data=data, lists=[listed], store=store, key=KEY, out=tmp_path / "sar.md"
    )
    at = log.filter(pl.col("user") != "C. Officer")["at"].to_list()
    text = out.read_text()
    assert f"| {shown(at[0])} | A. Officer | two_year_old |" in text
    assert f"| {shown(at[1])} | B. Officer | two_year_old |" in text
    assert "C. Officer" not in _texts(out)  # Yolanda's view is not Tobias's
    # Orson is not listed, but Yolanda's details show him as her parent: C. Officer's view of
    # them showed his name and address (Yolanda is not named).
    orson = subject_access("P-ORSON", data=data, store=store, key=KEY, out=tmp_path / "o.md")
    text = orson.read_text()
    assert "No one has opened this person's details in review as a listed child." in text
    at = log.filter(pl.col("user") == "C. Officer")["at"][0]
    assert (
        f"| {shown(at)} | C. Officer | two_year_old | {log_run(store)} | their name, as a "
        "parent or "
        "carer, and the address, with a child in their household (id withheld) |" in text
    )
    assert "A. Officer" not in text and "B. Officer" not in text  # Tobias is not his child
    for leak in ("Yolanda", "Ferris", "C-YOLANDA", yolanda):
        assert leak not in _texts(orson), leak


def test_the_export_proves_the_access_log_and_warns_when_it_does_not_verify(council, tmp_path):
    # An auditor deleted an officer's view of the child; the answer listed the others and
    # said nothing.
    data, listed, copy, _ = council  # the test's own store
    tobias = pseudonym("person", "C-TOBIAS", KEY)
    with ReviewStore(copy, clock=Clock(), key=KEY) as review:
        list_id = review.lists()["list_id"][0]
        for officer in ("A. Officer", "B. Officer", "C. Officer"):
            review.log_access(officer, "review view", f"list {list_id}, child {tobias}")
    args = {"data": data, "lists": [listed], "store": copy, "key": KEY}
    text = subject_access("C-TOBIAS", **args, out=tmp_path / "a.md").read_text()
    assert "The access log was proved before it was read: its " in text
    assert "does not verify" not in text
    conn = sqlite3.connect(copy)
    conn.execute("DROP TRIGGER access_log_no_delete")
    conn.execute("DELETE FROM access_log WHERE user = 'B. Officer'")
    conn.commit()
    conn.close()
    text = subject_access("C-TOBIAS", **args, out=tmp_path / "b.md").read_text()
    assert "**Warning: the store's access log does not verify** (3 problem(s)): lines may " in (
        text  # the line missing, the line after it, and the log beside the store's line
    )
    views = text.split("### Who opened their details in review")[1].split("###")[0]
    assert "| C. Officer |" in views and "| B. Officer |" not in views


def log_run(store: Path) -> str:
    """The run id of the one list in the store."""
    with ReviewStore(store, key=KEY) as review:
        return str(review.lists()["run_id"][0])


def test_an_export_into_a_new_folder_makes_it_owner_only(council, tmp_path):
    data, listed, _, _ = council
    out = tmp_path / "new" / "sar" / "tobias.md"
    subject_access("C-TOBIAS", data=data, lists=[listed], key=KEY, out=out)
    assert oct(out.parent.stat().st_mode & 0o777) == "0o700"
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    (tmp_path / "a-file").write_text("")
    with pytest.raises(UsageError, match="a-file is a file, not a folder"):
        subject_access(
            "C-TOBIAS", data=data, lists=[listed], key=KEY, out=tmp_path / "a-file" / "t.md"
        )


def test_an_earlier_answer_is_never_written_over_without_overwrite(council, tmp_path):
    # `--out sar/michael.md` replaced an earlier answer; x.md and x.html shared x-appendix.csv.
    data, listed, _, _ = council
    args = {"data": data, "lists": [listed], "key": KEY}
    first = subject_access("C-TOBIAS", **args, out=tmp_path / "sar" / "x.md")
    before = first.read_text()
    with pytest.raises(UsageError) as refused:
        subject_access("C-YOLANDA", **args, out=first)
    assert str(refused.value) == (
        f"{first} already exists (an earlier answer?); choose another name, or pass "
        "--overwrite to replace it"
    )
    assert first.read_text() == before
    # The same name as HTML has its own appendix: both answers stay whole.
    html = subject_access("C-YOLANDA", **args, out=tmp_path / "sar" / "x.html")
    assert (appendix_path(first).name, appendix_path(html).name) == (
        "x.md-appendix.csv",
        "x.html-appendix.csv",
    )
    assert "Tobias" in appendix_path(first).read_text()
    assert "Yolanda" in appendix_path(html).read_text()
    assert "Tobias" not in appendix_path(html).read_text()
    # An appendix left at the name (its answer deleted by hand) is refused too.
    first.unlink()
    with pytest.raises(UsageError, match=r"x\.md-appendix\.csv already exists"):
        subject_access("C-YOLANDA", **args, out=first)
    again = subject_access("C-YOLANDA", **args, out=first, overwrite=True)
    assert "Yolanda" in again.read_text() and "Tobias" not in _texts(again)
    # Never into the data folder, whatever its name, even with overwrite.
    for inside in (data / "answer.md", data / "sar" / "answer.md"):
        with pytest.raises(UsageError, match=f"is in the data folder {data}: write the answer"):
            subject_access("C-TOBIAS", **args, out=inside, overwrite=True)
        assert not inside.exists()
    assert not (data / "sar").exists()
    # The command refuses as the function does, and takes --overwrite.
    env = dict(os.environ, WORKBENCH_KEY=KEY.hex(), WORKBENCH_STORE=str(tmp_path / "log.sqlite"))
    args_cli = ("subject-access", "--person", "C-TOBIAS", "--data", str(data), "--out", str(html))
    refused_cli = workbench(*args_cli, env=env)
    assert refused_cli.returncode == 2
    assert "already exists (an earlier answer?)" in " ".join(refused_cli.stderr.split())
    assert "Yolanda" in html.read_text()
    assert not (tmp_path / "log.sqlite").exists()  # refused before the access log's line
    replaced = workbench(*args_cli, "--overwrite", env=env)
    assert replaced.returncode == 0, replaced.stderr
    assert f"and {appendix_path(html)} (owner-only)" in " ".join(replaced.stdout.split())
    assert "Tobias" in html.read_text() and "Yolanda" not in _texts(html)
    # A refused run logs nothing: the log keeps the one line of the run that wrote.
    assert workbench(*args_cli, env=env).returncode == 2
    with ReviewStore(tmp_path / "log.sqlite", key=KEY) as log:
        logged = log.access_log().filter(pl.col("command") == "subject-access")
    assert logged["detail"].to_list() == [f"data {data}, one person's record"]


def test_dfe_checks_are_shown_to_the_child_and_to_the_parent_checked_and_no_one_else(
    council, tmp_path
):
    # Yolanda's latest decision is `contact`: her father Orson's details go to DfE's check,
    # and DfE answers. The store holds that row as a pseudonym, with the answer: it is about
    # Yolanda (the check rests on her item) and about Orson (his own details), so each one's
    # export shows it, without naming the other; Tobias's and Marigold's show none.
    data, listed, store, _ = council
    with ReviewStore(store, clock=Clock(), key=KEY) as review:
        sent = export_checks(review, listed, data, tmp_path / "checks" / "c.csv", key=KEY)
        assert (sent.rows, sent.children) == (1, 1)
        results = tmp_path / "dfe" / "outcomes.csv"
        results.parent.mkdir()
        results.write_bytes(
            b"\xef\xbb\xbf" + b"Parent Last Name,Parent Date of Birth,Parent National "
            b"Insurance number,Outcome\r\nPell,1990-01-15,QQ654321B,Eligible\r\n"
        )
        import_check_results(review, results, key=KEY, user="A. Officer")
        exported_at, exported_by = (
            review.check_exports().select("exported_at", "exported_by").row(0)
        )
        read_at = review.check_results(review.lists()["list_id"][0])["checked_at"][0]
    sha = hashlib.sha256(results.read_bytes()).hexdigest()
    header = (
        "| about them as | sent on | exported by | export | file sent to DfE | template | row | "
        "DfE's answer | outcome | tier | eligible until | answer read on | read by | DfE's "
        "results file | its SHA-256 |"
    )
    # The files that held the parent's details (the tester's case: the answer named the
    # export's id only): the part file sent, who exported it, DfE's file read back, who read it.
    row = (
        f"| {exported_by} | {sent.export_id} | c-part1.csv | childcare | 1 | Eligible | eligible "
        f"|  |  | {shown(read_at)} | A. Officer | outcomes.csv | {sha} |"
    )
    for person, role in (("C-YOLANDA", "the child"), ("P-ORSON", "the parent")):
        out = subject_access(person, data=data, store=store, key=KEY, out=tmp_path / f"{person}.md")
        text = out.read_text()
        assert header in text and f"| {role} | {shown(exported_at)} {row}" in text, person
        assert (
            "Each row below names the file sent to DfE that held it (NAME-part1.csv, ..., in "
            "DfE's template, written owner-only; its name as the store's access log records the "
            "export) and who exported it; and DfE's results file the answer was read from (its "
            "name and SHA-256 as the store records the import), with who imported it and when."
        ) in text
        assert "Marigold" not in text and "QQ123456A" not in text
        if person == "C-YOLANDA":  # her father is checked, and not named
            assert "Pell" not in _texts(out) and "QQ654321B" not in _texts(out)
    for person in ("C-TOBIAS", "P-MARIGOLD"):
        out = subject_access(person, data=data, store=store, key=KEY, out=tmp_path / f"{person}.md")
        assert "No eligibility check about this person is recorded." in out.read_text()
        assert sent.export_id not in _texts(out)
    with ReviewStore(store, key=KEY) as review:
        details = review.access_log().filter(pl.col("command") == "subject-access")["detail"]
    views = ", 0 views of their details"
    assert details.to_list()[-4:] == [
        f"item {pseudonym('person', 'C-YOLANDA', KEY)}: 1 items, 1 decisions, 1 DfE check rows"
        + views,
        f"item {pseudonym('person', 'P-ORSON', KEY)}: 0 items, 0 decisions, 1 DfE check rows"
        + views,
        f"items {pseudonym('person', 'C-TOBIAS', KEY)}, {pseudonym('dwp', 'D-101', KEY)}: "
        "1 items, 2 decisions, 0 DfE check rows" + views,
        f"item {pseudonym('person', 'P-MARIGOLD', KEY)}: 0 items, 0 decisions, 0 DfE check rows"
        + views,
    ]


def test_without_a_store_the_export_says_decisions_were_not_searched(council, tmp_path):
    data, listed, _, _ = council
    out = subject_access("C-YOLANDA", data=data, lists=[listed], key=KEY, out=tmp_path / "y.md")
    text = out.read_text()
    assert "No review store was searched" in text
    assert "income_support: A parent or carer gets Income Support." in text
    for leak in ("P-ORSON", "Orson", "Pell", "AW-OP1", "Tobias", "Marigold"):
        assert leak not in _texts(out), leak


def _report_run(listed: Path, reports: Path, run: str) -> Path:
    """The list as a report run keeps it: reports/<date>-<notebook>-<run>/restricted/."""
    restricted = reports / f"2026-09-01-02_eligibility_list-{run}" / "restricted"
    restricted.mkdir(parents=True)
    for made in listed.parent.glob(f"{listed.stem}.*"):
        (restricted / made.name.replace(listed.stem, "two_year_old_list")).write_bytes(
            made.read_bytes()
        )
    return restricted / "two_year_old_list.csv"


def test_every_list_known_is_searched_or_named_as_not_searched(council, tmp_path):
    # The tester's case: without --list, section 2 said "on none of the 0 list(s) searched"
    # while section 4 showed the child on a stored list, and the report run's list naming
    # him was never mentioned.
    data, listed, store, _ = council
    with ReviewStore(store, key=KEY) as review:
        stored = review.lists().row(0, named=True)
    run = stored["run_id"]
    alone = subject_access("C-TOBIAS", data=data, store=store, key=KEY, out=tmp_path / "a.md")
    text = alone.read_text()
    assert _between(text, "## 2. Candidate lists this person appeared on\n\n", "## 3.") == (
        "No reports folder was searched: lists are searched when given (--list FILE) or found "
        "under a reports folder (--reports DIR: every list under it, a file with its "
        ".manifest.json beside it).\n\n"
        "No list was searched.\n\n"
        "1 list(s) the workbench knows of were not searched, so what they hold about this "
        "person is not in sections 2 and 3:\n\n"
        "| list | why not searched | about this person |\n|---|---|---|\n"
        f"| the two_year_old list of run {run}, registered in the review store on 10 September "
        "2026 (2 items) | its file was not given or found: the store records no file's path (a "
        f"report run writes it as reports/&lt;date&gt;-&lt;notebook&gt;-{run}/restricted/"
        "two_year_old_list.csv) | the store holds an item about this person on it (section 4 "
        "shows it); the file holds more (the reasons in full, how a DWP-list row was matched, "
        "a DWP-list row it does not carry): give its file with --list FILE, or the folder "
        "holding it with --reports DIR |\n\n"
        "This person is on none of the 0 list(s) searched.\n\n"
    )
    # Marigold is on no list as the child, but the file uses her award about Tobias.
    marigold = subject_access("P-MARIGOLD", data=data, store=store, key=KEY, out=tmp_path / "m.md")
    assert (
        "| the store holds no item about this person on it, but the file may still hold their "
        "records as evidence about a child of their household, or a DWP-list row about them it "
        "does not carry: give its file with --list FILE, or the folder holding it with "
        "--reports DIR |" in marigold.read_text()
    )
    # Given the reports folder, the run's list is found and searched; a list there that cannot
    # be read is named; the stored list is no longer "not searched".
    reports = tmp_path / "reports"
    found = _report_run(listed, reports, run)
    (reports / "old.csv").write_text("person_id\nC-TOBIAS\n")
    (reports / "old.csv.manifest.json").write_text("{}")
    searched = subject_access(
        "C-TOBIAS", data=data, store=store, key=KEY, out=tmp_path / "r.md", reports=reports
    )
    text = searched.read_text()
    shown = f"2026-09-01-02_eligibility_list-{run}/restricted/two_year_old_list.csv"
    rule_set = stored["rule_set"]
    assert _between(text, "## 2. Candidate lists this person appeared on\n\n", "\n### ") == (
        f"Every list under the reports folder {reports} (a file with its .manifest.json beside "
        "it, as retention finds them) was searched.\n\n"
        "1 list(s) searched:\n\n"
        "| list file | rule set | run id | how |\n|---|---|---|---|\n"
        f"| {found} | {rule_set} | {run} | found under {reports} |\n\n"
        "1 list(s) the workbench knows of were not searched, so what they hold about this "
        "person is not in sections 2 and 3:\n\n"
        "| list | why not searched | about this person |\n|---|---|---|\n"
        f"| {reports / 'old.csv'} | found under {reports}, but it cannot be read as a list "
        f"({reports / 'old.csv.manifest.json'}: lacks run_id, rule_set, inputs; expected an "
        "assess manifest) | cannot be said: check the file by hand |\n"
    )
    assert f"### {shown} ({rule_set}, run {run})\n" in text
    assert "| DWP record matched | D-101 |" in text
    # Given too, a list is searched once, as given; every stored list is then searched.
    both = subject_access(
        "C-YOLANDA", data=data, store=store, key=KEY, out=tmp_path / "y.md", reports=reports,
        lists=[found],
    )  # fmt: skip
    text = both.read_text()
    assert f"| {found} | {rule_set} | {run} | given |\n\n" in text
    assert "Every list the review store registers was searched." not in text  # old.csv unread
    assert text.count(f"### {found.name} ({rule_set}, run {run})\n") == 1
    (reports / "old.csv.manifest.json").unlink()
    text = subject_access(
        "C-YOLANDA", data=data, store=store, key=KEY, out=tmp_path / "y2.md", reports=reports,
    ).read_text()  # fmt: skip
    assert "1 list(s) searched:" in text
    assert "Every list the review store registers was searched.\n\n" in text
    for leak in ("Tobias", "C-TOBIAS", "D-101", "Marigold"):
        assert leak not in _texts(tmp_path / "y2.md"), leak
    with pytest.raises(DataFileError, match="no reports folder here"):
        subject_access(
            "C-TOBIAS", data=data, key=KEY, out=tmp_path / "x.md", reports=tmp_path / "none"
        )


def test_bad_arguments_are_refused(council, tmp_path):
    data = council[0]
    with pytest.raises(UsageError, match=r"^out must end in \.md or \.html; got 'sar.pdf'"):
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


def test_a_search_by_name_that_finds_no_one_is_answered_nothing_held(council, tmp_path):
    # The tester's case: an unknown NINO was answered "nothing held", an unknown name and date
    # of birth refused as a wrong command line, with no record that the search was made.
    data, listed, store, _ = council
    nobody = NameSearch(" Tobias ", "Ashdown", date(2024, 3, 11))  # a day out
    out = subject_access(
        data=data, lists=[listed], store=store, key=KEY, out=tmp_path / "n.md", named=nobody,
        today=date(2026, 10, 1),
    )  # fmt: skip
    assert out.read_text() == (
        "# Subject access: what the Eligibility Workbench holds about Tobias Ashdown, born "
        "2024-03-11\n\n"
        "Prepared on 2026-10-01 for the council's data protection team, as the record of the "
        "search made.\n\n"
        "## Nothing held\n\n"
        f"No one in the people file or the DWP list of the data folder {data} has the names "
        "Tobias Ashdown and the date of birth 2024-03-11 (names compared ignoring case and "
        "spacing, as the exact linkage compares them): the workbench holds nothing it can find "
        "about this person.\n\n"
        "## What was searched\n\n"
        "| field | value |\n|---|---|\n"
        "| forename |  Tobias  |\n| surname | Ashdown |\n| date of birth | 2024-03-11 |\n"
        f"| data folder | {data} |\n"
        "| files searched | dwp_list.csv, people.csv (the people file and the DWP list, every "
        "row) |\n"
        f"| lists given | {listed.as_posix()} |\n| reports folder | none |\n"
        f"| review store | {store} |\n\n"
        "The lists and the review store hold people only by the ids of the data folder (a "
        "person id, a DWP record id, or a keyed pseudonym of one), never by name, and the files "
        "exported from them (outreach exports, review workbooks, DfE check exports) name only "
        "people on those lists: so nothing was read from them. If the requester was in an "
        "earlier extract of the council's data (a person since removed from the people file, "
        "or known by other names), ask by --person with their person id from then, or by "
        "--nino for a parent known only from the DWP list.\n"
    )
    assert _facts(out, "search")[:3] == [
        ("the request", "forename", " Tobias "),
        ("the request", "surname", "Ashdown"),
        ("the request", "date of birth", "2024-03-11"),
    ]
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    # Found, the search answers as the person id does.
    found = subject_access(
        data=data, lists=[listed], key=KEY, out=tmp_path / "t.md",
        named=NameSearch("tobias", "ASHDOWN", date(2024, 3, 10)), today=date(2026, 10, 1),
    )  # fmt: skip
    by_id = subject_access(
        "C-TOBIAS", data=data, lists=[listed], key=KEY, out=tmp_path / "i.md",
        today=date(2026, 10, 1),
    )  # fmt: skip
    assert found.read_text() == by_id.read_text()
    with pytest.raises(UsageError, match="name the person in exactly one way"):
        subject_access("C-TOBIAS", data=data, key=KEY, out=tmp_path / "x.md", named=nobody)


def test_a_search_by_name_refuses_when_a_dwp_only_child_shares_it(make_folder, tmp_path):
    # Another Tobias Ashdown born the same day, on the DWP list with another mother and linked
    # to no one: the search picked the council's Tobias, and would have sent the requester
    # his data if they were the other child.
    other = "D-909,Tobias,Ashdown,2024-03-10,Kim,Other,QQ999999D,ZZ9 7QQ\n"
    data = make_folder(
        {"people.csv": PEOPLE, "benefits.csv": BENEFITS, "dwp_list.csv": DWP + other}
    )
    born = date(2024, 3, 10)
    with pytest.raises(UsageError) as asked:  # as the answer asks it: refused, no file
        subject_access(
            data=data, key=KEY, out=tmp_path / "two.md", named=NameSearch("Tobias", "Ashdown", born)
        )
    assert not (tmp_path / "two.md").exists()
    with pytest.raises(UsageError) as refused:
        find_subject(data, forename="tobias", surname="Ashdown", date_of_birth=born)
    assert str(asked.value) == str(refused.value)
    assert str(refused.value) == (
        f"more than one child in {data} has that name and date of birth: person C-TOBIAS in the "
        "people file; the child of DWP-list record(s) D-909, linked to no one in the people "
        "file. The requester may be either, and must not be sent the other's data: check which "
        "they are (their address, their parent's name), then ask by --person with the person "
        "id, or --dwp-record D-909 for the child known only from the DWP list"
    )
    # A DWP-list row with this name tied to someone else (by the parent's NINO and the date of
    # birth, to Yolanda, the row's forename a slip of hers): not the one asked for, and not
    # "no one".
    theirs = "D-910,Yolande,Ashdown,2024-05-01,Orson,Pell,QQ654321B,ZZ9 2BB\n"
    data = make_folder(
        {"people.csv": PEOPLE, "benefits.csv": BENEFITS, "dwp_list.csv": DWP + theirs}
    )
    with pytest.raises(UsageError) as refused:
        find_subject(data, forename="Yolande", surname="Ashdown", date_of_birth=date(2024, 5, 1))
    assert str(refused.value).startswith(
        f"more than one child in {data} has that name and date of birth: the child of DWP-list "
        "record D-910, linked to person C-YOLANDA. The requester"
    )
    # The council's Tobias alone (his own DWP-list row is linked to him): found.
    data = make_folder({"people.csv": PEOPLE, "benefits.csv": BENEFITS, "dwp_list.csv": DWP})
    assert find_subject(data, forename="Tobias", surname="Ashdown", date_of_birth=born) == (
        "C-TOBIAS",
        [],
    )
    with pytest.raises(UsageError, match=r"^2 people in .* \(C-TOBIAS, P-TWIN\); expected"):
        twin = PEOPLE + "P-TWIN,H1,Tobias,Ashdown,2024-03-10,,ZZ9 1AA,child,\n"
        find_subject(
            make_folder({"people.csv": twin}), forename="Tobias", surname="Ashdown",
            date_of_birth=born,
        )  # fmt: skip


# --- the DWP list -------------------------------------------------------------------------------

# Two families known only from the DWP list (no one in the people file): Wren Halloway, given
# twice (D-202, and D-204 as a supplier might write it again: odd case, spacing, NINO and
# postcode; listed once, by D-202), with her mother Juniper; and Ezra Quillon with his mother
# Rosalind (D-303).
DWP_ONLY = """\
D-202,Wren,Halloway,2024-04-20,Juniper,Halloway,QQ111111C,ZZ9 3CC
D-204,  WREN ,halloway,2024-04-20,Juniper,Halloway,qq 11 11 11 c,zz93cc
D-303,Ezra,Quillon,2024-02-14,Rosalind,Quillon,QQ222222D,ZZ9 4DD
"""
WREN = date(2024, 4, 20)
QUILLONS = ["D-303", "Ezra", "Quillon", "Rosalind", "QQ222222D", "ZZ9 4DD", "E. Officer"]
COUNCIL_FAMILIES = ["C-TOBIAS", "Tobias", "Marigold", "D-101", "Yolanda", "A. Officer"]


def _facts(out: Path, section: str) -> list[tuple[str, str, str]]:
    appendix = pl.read_csv(appendix_path(out), infer_schema=False).fill_null("")
    return appendix.filter(pl.col("section") == section).drop("section").rows()


@pytest.fixture
def dwp_council(tmp_path: Path, make_folder):
    data = make_folder(
        {
            "people.csv": PEOPLE,
            "benefits.csv": BENEFITS,
            "child_statuses.csv": STATUSES,
            "dwp_list.csv": DWP + DWP_ONLY,
        }
    )
    listed = tmp_path / "two_year_old.csv"
    assess(data, "two_year_old", term_start=TERM, as_of=TERM).write(listed)
    store = tmp_path / "review.sqlite"
    with ReviewStore(store, clock=Clock(), key=KEY) as review:
        list_id, _ = register_list_file(review, listed, KEY)
        review.record_decision(
            list_id, pseudonym("person", "C-TOBIAS", KEY), "contact", "A. Officer"
        )
        review.record_decision(
            list_id, pseudonym("dwp", "D-202", KEY), "contact", "D. Officer", "letter sent"
        )
        review.record_decision(list_id, pseudonym("dwp", "D-303", KEY), "contact", "E. Officer")
    return data, listed, store


def test_the_dwp_only_children_are_listed_by_record_id(dwp_council):
    rows = pl.read_csv(dwp_council[1], infer_schema=False).select("person_id", "dwp_record_id")
    assert rows.rows() == [
        ("C-TOBIAS", "D-101"),
        ("C-YOLANDA", None),
        (None, "D-202"),
        (None, "D-303"),
    ]


def test_a_dwp_only_child_is_found_by_name_and_date_of_birth(dwp_council):
    data = dwp_council[0]
    assert find_dwp_child(data, forename=" wren ", surname="HALLOWAY", date_of_birth=WREN) == [
        "D-202",
        "D-204",
    ]
    assert find_person(data, forename="Wren", surname="Halloway", date_of_birth=WREN) == []
    assert find_dwp_child(data, forename="Wren", surname="Halloway", date_of_birth=TERM) == []
    # Tobias's row is linked to him: he is found by his person id, not here.
    tobias = date(2024, 3, 10)
    assert find_dwp_child(data, forename="Tobias", surname="Ashdown", date_of_birth=tobias) == []


def test_a_dwp_only_childs_export_holds_their_rows_lists_and_decisions_only(dwp_council, tmp_path):
    data, listed, store = dwp_council
    out = subject_access(
        data=data,
        dwp_records=["D-202", "D-204"],
        lists=[listed],
        store=store,
        key=KEY,
        out=tmp_path / "wren.md",
        user="dp.officer",
    )
    withheld = "a parent/carer (id withheld)"
    assert _facts(out, "dwp_list") == [
        ("DWP row as the child 1", "record_id", "D-202"),
        ("DWP row as the child 1", "child_forename", "Wren"),
        ("DWP row as the child 1", "child_surname", "Halloway"),
        ("DWP row as the child 1", "child_date_of_birth", "2024-04-20"),
        ("DWP row as the child 1", "postcode", "ZZ9 3CC"),
        ("DWP row as the child 1", "parent", withheld),
        ("DWP row as the child 2", "record_id", "D-204"),
        ("DWP row as the child 2", "child_forename", "WREN"),
        ("DWP row as the child 2", "child_surname", "halloway"),
        ("DWP row as the child 2", "child_date_of_birth", "2024-04-20"),
        ("DWP row as the child 2", "postcode", "ZZ9 3CC"),
        ("DWP row as the child 2", "parent", withheld),
    ]
    shown = ("DWP record matched", "evidence shown", "eligible from")
    assert [(f, v) for _, f, v in _facts(out, "lists") if f in shown] == [
        ("evidence shown", "dwp_list: DWP list row D-202"),
        ("eligible from", "2026-09-01"),
        ("DWP record matched", "D-202"),
    ]
    # D-204 repeats D-202: not listed, and why, from the list's NAME.dwp_not_listed.csv.
    not_listed = [(f, v) for _, f, v in _facts(out, "lists") if f == "why not listed"]
    [(_, why)] = not_listed
    assert why.startswith("repeats row D-202 of the list")
    assert ("DWP-list row", "D-204") in [(f, v) for _, f, v in _facts(out, "lists")]
    decided = [(f, v) for _, f, v in _facts(out, "decisions") if f in ("reviewer", "reason")]
    assert decided == [("reviewer", "D. Officer"), ("reason", "letter sent")]
    assert _facts(out, "people") == []
    text = _texts(out)
    for leak in ("Juniper", "QQ111111C", "qq 11", *QUILLONS, *COUNCIL_FAMILIES):
        assert leak not in text, leak
    with ReviewStore(store, key=KEY) as review:
        detail = review.access_log()["detail"].to_list()
    keys = f"{pseudonym('dwp', 'D-202', KEY)}, {pseudonym('dwp', 'D-204', KEY)}"
    # Both ids are looked up; the list holds one item (D-204 repeats D-202).
    assert detail == [
        f"items {keys}: 1 items, 1 decisions, 0 DfE check rows, 0 views of their details"
    ]


def test_a_dwp_only_parent_is_found_by_nino_with_the_child_withheld(dwp_council, tmp_path):
    data, listed, store = dwp_council
    out = subject_access(
        nino="qq 111111 c", data=data, lists=[listed], store=store, key=KEY, out=tmp_path / "j.md"
    )
    withheld = "a child in their household (id withheld)"
    assert _facts(out, "dwp_list") == [
        ("DWP row as the parent 1", "record_id", "D-202"),
        ("DWP row as the parent 1", "parent_forename", "Juniper"),
        ("DWP row as the parent 1", "parent_surname", "Halloway"),
        ("DWP row as the parent 1", "parent_nino", "QQ111111C"),
        ("DWP row as the parent 1", "postcode", "ZZ9 3CC"),
        ("DWP row as the parent 1", "child", withheld),
        ("DWP row as the parent 2", "record_id", "D-204"),
        ("DWP row as the parent 2", "parent_forename", "Juniper"),
        ("DWP row as the parent 2", "parent_surname", "Halloway"),
        ("DWP row as the parent 2", "parent_nino", "QQ111111C"),
        ("DWP row as the parent 2", "postcode", "ZZ9 3CC"),
        ("DWP row as the parent 2", "child", withheld),
    ]
    assert [v for _, _, v in _facts(out, "evidence about others")] == [
        f"dwp_list: the DWP list row D-202 naming them as the parent, for {withheld}",
    ]
    text = _texts(out)
    assert "This person is on none of the 1 list(s) searched." in text
    assert "No decision has been recorded about this person." in text
    for leak in ("Wren", "WREN", "2024-04-20", "D. Officer", *QUILLONS, *COUNCIL_FAMILIES):
        assert leak not in text, leak


def test_a_person_id_finds_the_dwp_row_linked_to_them_as_child_or_naming_them_as_parent(
    council, tmp_path
):
    data, listed, _, _ = council
    child = subject_access("C-TOBIAS", data=data, lists=[listed], key=KEY, out=tmp_path / "c.md")
    assert _facts(child, "dwp_list") == [
        ("DWP row as the child 1", "record_id", "D-101"),
        ("DWP row as the child 1", "child_forename", "Tobias"),
        ("DWP row as the child 1", "child_surname", "Ashdown"),
        ("DWP row as the child 1", "child_date_of_birth", "2024-03-10"),
        ("DWP row as the child 1", "postcode", "ZZ9 1AA"),
        ("DWP row as the child 1", "parent", "a parent/carer (id withheld)"),
    ]
    parent = subject_access("P-MARIGOLD", data=data, lists=[listed], key=KEY, out=tmp_path / "p.md")
    assert _facts(parent, "dwp_list") == [
        ("DWP row as the parent 1", "record_id", "D-101"),
        ("DWP row as the parent 1", "parent_forename", "Marigold"),
        ("DWP row as the parent 1", "parent_surname", "Quenby"),
        ("DWP row as the parent 1", "parent_nino", "QQ123456A"),
        ("DWP row as the parent 1", "postcode", "ZZ9 1AA"),
        ("DWP row as the parent 1", "child", "a child in their household (id withheld)"),
    ]
    assert "dwp_list: the DWP list row D-101 naming them as the parent" in _texts(parent)
    for leak in ("Tobias", "Ashdown", "2024-03-10"):
        assert leak not in _texts(parent), leak
    orson = subject_access("P-ORSON", data=data, key=KEY, out=tmp_path / "o.md")
    assert _facts(orson, "dwp_list") == []
    assert "No row of the DWP list was found about this person." in orson.read_text()


def test_dwp_requests_that_a_person_id_answers_better_are_refused(dwp_council, tmp_path):
    data, out = dwp_council[0], tmp_path / "s.md"
    with pytest.raises(UsageError, match="DWP record D-101 is linked to person C-TOBIAS"):
        subject_access(data=data, dwp_records=["D-202", "D-101"], key=KEY, out=out)
    with pytest.raises(UsageError, match=r"NINO QQ123456A is held by person\(s\) P-MARIGOLD"):
        subject_access(data=data, nino="qq123456a", key=KEY, out=out)
    with pytest.raises(UsageError, match="name the person in exactly one way"):
        subject_access("C-TOBIAS", data=data, nino="QQ111111C", key=KEY, out=out)
    with pytest.raises(UsageError, match="name the person in exactly one way"):
        subject_access(data=data, dwp_records=[" "], key=KEY, out=out)
    assert not out.exists()


def test_a_name_that_is_a_formula_is_inert_in_the_appendix(tmp_path, make_folder):
    data = make_folder(
        {
            "people.csv": PEOPLE.replace("Tobias,Ashdown", "=HYPERLINK(x),@SUM(1)"),
            "benefits.csv": BENEFITS,
        }
    )
    out = subject_access("C-TOBIAS", data=data, lists=[], key=KEY, out=tmp_path / "sar.md")
    text = appendix_path(out).read_text()
    assert "people,people row,forename,'=HYPERLINK(x)" in text
    assert "people,people row,surname,'@SUM(1)" in text


def test_a_person_whose_nino_another_person_holds_is_refused(make_folder, tmp_path):
    # Orson's NINO typed for Marigold as well: the DWP row carrying it is Marigold's
    # household's, and an export for Orson must not show it.
    shared = PEOPLE.replace("QQ654321B", "QQ123456A")
    data = make_folder({"people.csv": shared, "benefits.csv": BENEFITS, "dwp_list.csv": DWP})
    with pytest.raises(UsageError) as refused:
        subject_access("P-ORSON", data=data, key=KEY, out=tmp_path / "o.md")
    message = str(refused.value)
    assert message.startswith(
        "person P-ORSON's NINO is also recorded for person(s) P-MARIGOLD in the people file"
    )
    assert "QQ123456A" not in message  # the message names ids, not the NINO
    assert not (tmp_path / "o.md").exists()


def test_a_dwp_row_with_the_parents_nino_under_another_surname_is_withheld(make_folder, tmp_path):
    # Marigold's NINO mistyped on another family's DWP-list row (the Fenwicks'): the answer
    # showed Ida Fenwick's name and address as Marigold's, and her child as Marigold's.
    fenwick = "D-515,Nell,Fenwick,2024-08-08,Ida,Fen Wick,QQ123456A,ZZ9 6FF\n"
    spaced = "D-516,Tobias,Ashdown,2024-03-10,Marigold, quen by ,QQ123456A,ZZ9 1AA\n"
    data = make_folder(
        {"people.csv": PEOPLE, "benefits.csv": BENEFITS, "dwp_list.csv": DWP + fenwick + spaced}
    )
    out = subject_access("P-MARIGOLD", data=data, key=KEY, out=tmp_path / "m.md")
    text = out.read_text()
    # Her own rows (her surname, case and spaces aside) are shown; the Fenwicks' is not.
    assert [v for _, f, v in _facts(out, "dwp_list") if f == "record_id"] == ["D-101", "D-516"]
    assert (
        "- For the data protection team, not for release: 1 row(s) of the DWP list (D-515) carry "
        "this person's National Insurance number as the parent's under another surname, and "
        "were withheld from this export (a NINO mistyped on either side would show another "
        "family's names and address): check them by hand, and add any that are theirs before "
        "release." in text
    )
    assert (
        "1 other row(s) of the DWP list carry their National Insurance number as the parent's "
        "under another surname: withheld until the data protection team has checked them (see "
        "the notes above)." in text
    )
    for leak in ("Fenwick", "Fen Wick", "Nell", "Ida", "ZZ9 6FF"):
        assert leak not in _texts(out), leak
    assert "D-515" not in appendix_path(out).read_text()
    # Nor is it evidence of hers about a child of her household.
    assert "D-515" not in text.split("## 3.")[1]


def test_the_markdown_export_carries_no_html_from_names(make_folder, tmp_path):
    hostile = PEOPLE.replace("Tobias,Ashdown", '<img src=x onerror=alert(1)>,"<b>Ash</b>"')
    data = make_folder({"people.csv": hostile, "benefits.csv": BENEFITS})
    out = subject_access("C-TOBIAS", data=data, key=KEY, out=tmp_path / "t.md")
    text = out.read_text()
    assert "<img" not in text and "<b>" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def propose_yolanda_for_d303(listed: Path) -> pl.DataFrame:
    """The list as `assess` writes it when Ezra's DWP row (D-303) awaits review with Yolanda
    proposed as its match (the list read before the change is returned)."""
    frame = pl.read_csv(listed, infer_schema=False)
    d303 = pl.col("dwp_record_id") == "D-303"
    frame.with_columns(
        pl.when(d303)
        .then(pl.lit("true"))
        .otherwise("link_needs_review")
        .alias("link_needs_review"),
        pl.when(d303).then(pl.lit("C-YOLANDA")).alias("probable_person_id"),
        pl.when(d303).then(pl.lit("0.91")).alias("match_probability"),
    ).write_csv(listed)
    rewritten(listed)
    return frame


def test_a_proposed_link_is_shown_to_the_child_proposed_without_the_dwp_row(dwp_council, tmp_path):
    data, listed, _ = dwp_council
    frame = propose_yolanda_for_d303(listed)
    out = subject_access("C-YOLANDA", data=data, lists=[listed], key=KEY, out=tmp_path / "y.md")
    assert [(field, value) for _, field, value in _facts(out, "lists")[-4:]] == [
        ("run id", frame["run_id"][0]),
        ("what", "the record linkage proposed this person as possibly the child of a DWP-list "
         "row; it is not used as a match unless a person confirms it"),
        ("match probability", "0.91"),
        ("DWP-list row", "withheld (it may be another child's)"),
    ]  # fmt: skip
    for leak in QUILLONS:
        assert leak not in _texts(out), leak
    # Nobody else is told of the proposal.
    tobias = subject_access("C-TOBIAS", data=data, lists=[listed], key=KEY, out=tmp_path / "t.md")
    assert "proposed as the match" not in _texts(tobias)


def test_a_decision_on_a_proposed_link_is_shown_to_the_child_proposed(dwp_council, tmp_path):
    data, listed, _ = dwp_council
    propose_yolanda_for_d303(listed)
    store = tmp_path / "proposals.sqlite"
    with ReviewStore(store, clock=Clock(), key=KEY) as review:
        list_id, _ = register_list_file(review, listed, KEY)
        row = pseudonym("dwp", "D-303", KEY)
        review.record_decision(list_id, row, "link_rejected", "F. Officer", "another mother")
    out = subject_access(
        "C-YOLANDA", data=data, lists=[listed], store=store, key=KEY, out=tmp_path / "y.md"
    )
    decided = [(field, value) for _, field, value in _facts(out, "proposed match decisions")]
    assert ("reviewer", "F. Officer") in decided
    assert ("decision", "link_rejected") in decided
    assert ("reason", "another mother") in decided
    for leak in [*QUILLONS, row]:
        assert leak not in _texts(out), leak
    with ReviewStore(store, key=KEY) as review:
        assert "1 on them as a proposed match" in review.access_log()["detail"][-1]
    tobias = subject_access(
        "C-TOBIAS", data=data, lists=[listed], store=store, key=KEY, out=tmp_path / "t.md"
    )
    assert "F. Officer" not in _texts(tobias)
    assert "No DWP-list row was decided on with this person" in _texts(tobias)


# --- households, funded places, outreach --------------------------------------------------------

# Household H1 again, now with its address, and household H3: Pippa Larkspur and her mother
# Saffron Vane, with no recourse to public funds (the households file). Tobias has two funded
# places (an earlier term's two-year-old place, and working-parent hours this term); Pippa one
# of her own, which must not show in his export.
PEOPLE_WITH_ADDRESSES = """\
person_id,household_id,forename,surname,date_of_birth,nino,address_line_1,postcode,role,ethnicity
C-TOBIAS,H1,Tobias,Ashdown,2024-03-10,,4 Quarry Lane,ZZ9 1AA,child,White British
P-MARIGOLD,H1,Marigold,Quenby,1994-06-02,QQ123456A,4 Quarry Lane,ZZ9 1AA,parent_carer,White Irish
C-PIPPA,H3,Pippa,Larkspur,2024-05-05,,7 Heron Row,ZZ9 5EE,child,Mixed
P-SAFFRON,H3,Saffron,Vane,1992-02-02,QQ333333E,7 Heron Row,ZZ9 5EE,parent_carer,Asian
"""
HOUSEHOLDS = """\
household_id,no_recourse_to_public_funds,annual_income,savings,in_london
H3,true,12000,1000,false
"""
PLACES = """\
record_id,provider_id,term_start,child_forename,child_surname,child_date_of_birth,postcode,funding_stream,hours_per_week
FP-OLD,PRV-7,2026-04-13,Tobias,Ashdown,2024-03-10,ZZ9 1AA,two_year_old,15
FP-WP,PRV-8,2026-09-01,Tobias,Ashdown,2024-03-10,ZZ9 1XX,working_parent,15
FP-PIPPA,PRV-8,2026-09-01,Pippa,Larkspur,2024-05-05,ZZ9 5EE,working_parent,15
"""
H3_FAMILY = ["C-PIPPA", "Pippa", "Larkspur", "P-SAFFRON", "Saffron", "Vane", "QQ333333E"]


@pytest.fixture
def household_council(tmp_path: Path, make_folder):
    data = make_folder(
        {
            "people.csv": PEOPLE_WITH_ADDRESSES,
            "benefits.csv": BENEFITS,
            "child_statuses.csv": STATUSES,
            "dwp_list.csv": DWP,
            "households.csv": HOUSEHOLDS,
            "funded_places.csv": PLACES,
        }
    )
    listed = tmp_path / "lists" / "two_year_old.csv"
    listed.parent.mkdir()
    assess(data, "two_year_old", term_start=TERM, as_of=TERM).write(listed)
    return data, listed


def test_the_household_fixture_lists_what_it_says(household_council):
    rows = pl.read_csv(household_council[1], infer_schema=False)
    assert rows.select("person_id", "reason_codes", "evidence").rows() == [
        (
            "C-PIPPA",
            "no_recourse_to_public_funds",
            "no_recourse_to_public_funds: households row H3",
        ),
        (
            "C-TOBIAS",
            "continued_entitlement;disability_living_allowance;dwp_list;ehc_plan;"
            "universal_credit_low_income",
            "continued_entitlement: funded_places row FP-OLD; disability_living_allowance: "
            "award AW-TA1 of the child; dwp_list: DWP list row D-101; ehc_plan: status ST-TA1; "
            "universal_credit_low_income: award AW-MQ1 of parent/carer P-MARIGOLD",
        ),
    ]


def test_a_childs_export_holds_their_funded_places_and_every_people_column(
    household_council, tmp_path
):
    data, listed = household_council
    out = subject_access("C-TOBIAS", data=data, lists=[listed], key=KEY, out=tmp_path / "t.md")
    places = [(record, field, value) for record, field, value in _facts(out, "funded_places")]
    assert [v for _, f, v in places if f == "record_id"] == ["FP-OLD", "FP-WP"]
    assert ("funded place 2", "funding_stream", "working_parent") in places
    assert ("funded place 2", "provider_id", "PRV-8") in places
    assert (
        "funded place 2",
        "how found",
        "linked to them because the child's names and date of birth agree, in the same "
        "postcode sector",
    ) in places
    assert ("working-parent place this term", "True") in [
        (f, v) for _, f, v in _facts(out, "lists")
    ]
    # Every column of their people row the workbench holds: the address too (the review page,
    # the workbook and outreach show it), but not the special-category ones.
    people = dict((f, v) for _, f, v in _facts(out, "people"))
    assert people["address_line_1"] == "4 Quarry Lane"
    assert "ethnicity" not in people
    text = _texts(out)
    for leak in ["FP-PIPPA", *H3_FAMILY, "7 Heron Row", "White", "Mixed", "Asian", "H3"]:
        assert leak not in text, leak
    # Their household has no row of the households file; Pippa's has, and it is in hers.
    assert "No row of the households file is about their household H1." in text
    pippa = subject_access("C-PIPPA", data=data, lists=[listed], key=KEY, out=tmp_path / "p.md")
    assert [(f, v) for _, f, v in _facts(pippa, "households")] == [
        ("household_id", "H3"),
        ("no_recourse_to_public_funds", "True"),
        ("annual_income", "12000.0"),
        ("savings", "1000.0"),
        ("in_london", "False"),
    ]
    assert [v for _, f, v in _facts(pippa, "funded_places") if f == "record_id"] == ["FP-PIPPA"]


def test_a_parents_export_shows_their_household_used_as_evidence_for_their_child(
    household_council, tmp_path
):
    data, listed = household_council
    out = subject_access("P-SAFFRON", data=data, lists=[listed], key=KEY, out=tmp_path / "s.md")
    assert [(f, v) for _, f, v in _facts(out, "households")][:2] == [
        ("household_id", "H3"),
        ("no_recourse_to_public_funds", "True"),
    ]
    assert [v for _, _, v in _facts(out, "evidence about others")] == [
        "no_recourse_to_public_funds: their household's circumstances (households row H3), "
        "for a child in their household (id withheld)"
    ]
    text = _texts(out)
    assert "None of the 1 list(s) searched used" not in text
    for leak in ("C-PIPPA", "Pippa", "Larkspur", "2024-05-05", "FP-PIPPA"):
        assert leak not in text, leak
    # Marigold's household is not H3: its circumstances are not hers.
    marigold = subject_access(
        "P-MARIGOLD", data=data, lists=[listed], key=KEY, out=tmp_path / "m.md"
    )
    assert [v for _, _, v in _facts(marigold, "evidence about others")] == [
        "dwp_list: the DWP list row D-101 naming them as the parent, for a child in their "
        "household (id withheld)",
        "universal_credit_low_income: their award AW-MQ1, for a child in their household "
        "(id withheld)",
    ]
    assert "H3" not in _texts(marigold)


def test_outreach_exports_naming_the_child_or_the_parent_are_in_the_export(
    household_council, tmp_path
):
    # Pippa is decided `contact` and exported for outreach (the file kept away from the list);
    # Tobias is decided `not_eligible` and is not. Afterwards Pippa is decided `defer`: the
    # export was made on the decision that stood then.
    data, listed = household_council
    store = tmp_path / "review.sqlite"
    pippa, tobias = pseudonym("person", "C-PIPPA", KEY), pseudonym("person", "C-TOBIAS", KEY)
    with ReviewStore(store, clock=Clock(), key=KEY) as review:
        list_id, _ = register_list_file(review, listed, KEY)
        contact = review.record_decision(list_id, pippa, "contact", "A. Officer")
        review.record_decision(list_id, tobias, "not_eligible", "B. Officer", "no longer two")
        sent = export_outreach(
            review, listed, data, tmp_path / "outreach" / "contacts.csv", key=KEY, user="O. Fficer"
        )
        assert sent.exported == 1
        review.record_decision(list_id, pippa, "defer", "A. Officer", "family moved")
        exported_at = review.access_log().filter(pl.col("command") == "review outreach")["at"][0]
        run = review.lists()["run_id"][0]
    head = f"| {shown(exported_at)} | O. Fficer | contacts.csv | two_year_old | {run} |"
    decision = f"| {contact.decision_id} | A. Officer | {shown(contact.decided_at)} |"
    # From the store alone: its record of the export's rows and the decisions they rest on.
    child = subject_access("C-PIPPA", data=data, store=store, key=KEY, out=tmp_path / "c.md")
    assert (
        f"{head} the child: their names, date of birth and address {decision} the store's "
        "record of the export (the export file was not given) |" in child.read_text()
    )
    # From the file given: her mother is named in the row, as a parent or carer.
    mother = subject_access(
        "P-SAFFRON",
        data=data,
        store=store,
        key=KEY,
        outreach=[sent.out],
        out=tmp_path / "m.md",
    )
    assert (
        f"{head} a parent or carer of a child in their household (id withheld): their name, "
        f"and the address {decision} the export file contacts.csv |" in mother.read_text()
    )
    for leak in ("C-PIPPA", "Pippa", "Larkspur", pippa):
        assert leak not in _texts(mother), leak
    # The file alone (no store), found by its sidecar given.
    alone = subject_access(
        "P-SAFFRON", data=data, key=KEY, outreach=[sidecar_path(sent.out)], out=tmp_path / "a.md"
    )
    assert (
        "the export file contacts.csv (the review store not searched)"
        in _facts(alone, "outreach exports")[-1]
    )
    # Tobias and his mother are in no export.
    for person in ("C-TOBIAS", "P-MARIGOLD"):
        out = subject_access(
            person,
            data=data,
            store=store,
            key=KEY,
            outreach=[sent.out],
            out=tmp_path / f"{person}.md",
        )
        assert "No outreach export searched named this person." in out.read_text(), person
        assert "O. Fficer" not in _texts(out)
    with ReviewStore(store, key=KEY) as review:
        details = review.access_log().filter(pl.col("command") == "subject-access")["detail"]
    assert details[0].endswith(", 1 outreach export rows naming them")
    # The command takes the file too (`--outreach`), as the data protection team runs it.
    env = dict(os.environ, WORKBENCH_KEY=KEY.hex(), WORKBENCH_STORE=str(tmp_path / "log.sqlite"))
    given = workbench(
        "subject-access", "--person", "P-SAFFRON", "--data", str(data), "--store", str(store),
        "--outreach", str(sent.out), "--out", str(tmp_path / "cli.md"), env=env,
    )  # fmt: skip
    assert given.returncode == 0, given.stderr
    assert "the export file contacts.csv |" in (tmp_path / "cli.md").read_text()


def test_a_family_held_back_as_already_sent_is_not_said_to_be_in_the_later_export(
    household_council, tmp_path
):
    # Pippa is sent in week 1; week 2's export (of Tobias, decided since) holds her back
    # (already sent on the same decision). From the store alone, the access shows week 1's
    # export and not week 2's, though her `contact` decision stood at both.
    data, listed = household_council
    store = tmp_path / "review.sqlite"
    pippa = pseudonym("person", "C-PIPPA", KEY)
    with ReviewStore(store, clock=Clock(), key=KEY) as review:
        list_id, _ = register_list_file(review, listed, KEY)
        review.record_decision(list_id, pippa, "contact", "A. Officer")
        export_outreach(review, listed, data, tmp_path / "week1.csv", key=KEY, user="O. Fficer")
        tobias = pseudonym("person", "C-TOBIAS", KEY)
        review.record_decision(list_id, tobias, "contact", "A. Officer")
        # (An export of nobody is not made: week 2 sends Tobias, and holds Pippa back.)
        week2 = export_outreach(
            review, listed, data, tmp_path / "week2.csv", key=KEY, user="O. Fficer"
        )
        assert (week2.exported, week2.held_back_already_sent) == (1, 1)
    child = subject_access("C-PIPPA", data=data, store=store, key=KEY, out=tmp_path / "c.md")
    text = child.read_text()
    assert "| week1.csv |" in text
    assert "week2.csv" not in text


def test_an_outreach_export_beside_a_list_searched_is_found(household_council, tmp_path):
    data, listed = household_council
    store = tmp_path / "review.sqlite"
    with ReviewStore(store, clock=Clock(), key=KEY) as review:
        list_id, _ = register_list_file(review, listed, KEY)
        review.record_decision(
            list_id, pseudonym("person", "C-PIPPA", KEY), "contact", "A. Officer"
        )
        export_outreach(review, listed, data, listed.with_name("contacts.csv"), key=KEY)
    out = subject_access("C-PIPPA", data=data, lists=[listed], key=KEY, out=tmp_path / "p.md")
    facts = dict((f, v) for _, f, v in _facts(out, "outreach exports"))
    assert facts["export file"] == "contacts.csv"
    assert facts["decided by"] == "A. Officer"
    assert facts["known from"] == "the export file contacts.csv (the review store not searched)"


def test_a_dwp_only_childs_listing_says_it_was_linked_to_no_council_record(dwp_council, tmp_path):
    data, listed, _ = dwp_council
    out = subject_access(
        data=data, dwp_records=["D-202"], lists=[listed], key=KEY, out=tmp_path / "w.md"
    )
    assert (
        "how it was matched",
        "not linked to a council record: the child is known only from the DWP list",
    ) in [(f, v) for _, f, v in _facts(out, "lists")]
    assert "a list written before lists said" not in _texts(out)


# --- check exports' children not checkable, and review workbooks --------------------------------

# Ulrike Stanmore lives alone and is on no list: no export holds her.
ULRIKE = "P-ULRIKE,H9,Ulrike,Stanmore,1980-07-07,QQ444444A,1 Elm Row,ZZ9 9ZZ,parent_carer,White\n"
NOT_IN_THE_FILES = ("Tobias", "Ashdown", "Marigold", "Quenby", "Ulrike", "Stanmore")


@pytest.fixture
def exports_council(tmp_path: Path, make_folder):
    """The household council with the DWP-only families, every child decided `contact`, a
    check export written beside the list (Pippa is not checkable: her mother's NINO ends in
    E; Wren and Ezra are known only from the DWP list; Tobias is checked with his mother's
    details) and a review workbook written elsewhere."""
    data = make_folder(
        {
            "people.csv": PEOPLE_WITH_ADDRESSES + ULRIKE,
            "benefits.csv": BENEFITS,
            "child_statuses.csv": STATUSES,
            "dwp_list.csv": DWP + DWP_ONLY,
            "households.csv": HOUSEHOLDS,
            "funded_places.csv": PLACES,
        }
    )
    listed = tmp_path / "lists" / "two_year_old.csv"
    listed.parent.mkdir()
    assess(data, "two_year_old", term_start=TERM, as_of=TERM).write(listed)
    store = tmp_path / "review.sqlite"
    book = tmp_path / "books" / "review.xlsx"
    with ReviewStore(store, clock=Clock(), key=KEY) as review:
        list_id, _ = register_list_file(review, listed, KEY)
        decided = {
            who: review.record_decision(list_id, pseudonym(kind, who, KEY), "contact", "A. Officer")
            for who, kind in (
                ("C-PIPPA", "person"),
                ("C-TOBIAS", "person"),
                ("D-202", "dwp"),
                ("D-303", "dwp"),
            )
        }
        sent = export_checks(
            review, listed, data, listed.with_name("checks.csv"), key=KEY, user="K. Checker"
        )
        export_list_file(review, listed, book, key=KEY, user="W. Orkbook", data=data)
        run = review.lists()["run_id"][0]
        exported_at = review.access_log().filter(pl.col("command") == "review export")["at"][0]
    return data, listed, store, sent, book, decided, run, exported_at


def test_the_exports_fixture_is_what_it_says(exports_council):
    _, listed, store, sent, _, _, _, _ = exports_council
    assert sent.not_checkable.select("person_id", "dwp_record_id").rows() == [
        ("C-PIPPA", None),
        (None, "D-202"),
        (None, "D-303"),
    ]
    assert (sent.rows, sent.children) == (1, 1)  # Tobias, with his mother's details
    assert sent.not_checkable_file == listed.with_name("checks.not_checkable.csv")
    with ReviewStore(store, key=KEY) as review:
        list_id = review.lists()["list_id"][0]
        logged = review.access_log().filter(pl.col("command") == "review export")["detail"]
    assert logged.to_list() == [f"list {list_id}: 4 rows exported to review.xlsx"]


def _not_checkable_row(sent, run: str, decision_id: str, reason: str, known: str) -> list:
    record = json.loads(sent.sidecar.read_text())
    return [
        ("not checkable row 1", "made at", record["exported_at"]),
        ("not checkable row 1", "made by", "K. Checker"),
        ("not checkable row 1", "check export", sent.export_id),
        ("not checkable row 1", "initiative", "two_year_old"),
        ("not checkable row 1", "list of run", run),
        ("not checkable row 1", "template", "childcare"),
        ("not checkable row 1", "not-checkable file", "checks.not_checkable.csv"),
        ("not checkable row 1", "about them as", "the child"),
        ("not checkable row 1", "decision", "contact" if decision_id else ""),
        ("not checkable row 1", "decision id", decision_id),
        ("not checkable row 1", "reason", reason),
        ("not checkable row 1", "known from", known),
    ]


DWP_ONLY_REASON = (
    "known only from the DWP list, which gives no parent's date of birth; check by hand or once "
    "the child is linked to the council's records"
)


def test_a_child_not_checkable_is_in_the_export_with_the_reason_and_no_one_else_is(
    exports_council, tmp_path
):
    data, listed, store, sent, _, decided, run, _ = exports_council
    wren = decided["D-202"].decision_id
    # Found beside the list searched: her row of the not-checkable file, with the export.
    out = subject_access(
        data=data, dwp_records=["D-202"], lists=[listed], store=store, key=KEY,
        out=tmp_path / "wren.md",
    )  # fmt: skip
    assert _facts(out, "not checkable") == _not_checkable_row(
        sent, run, wren, DWP_ONLY_REASON, "the file checks.not_checkable.csv"
    )
    text = _texts(out)
    for leak in (*QUILLONS, decided["D-303"].decision_id, pseudonym("dwp", "D-303", KEY)):
        assert leak not in text, leak
    for leak in (decided["C-PIPPA"].decision_id, "C-PIPPA", "the parent's National"):
        assert leak not in text, leak
    # Given by any of its files, without the list: the same.
    for given in (sent.sidecar, sent.not_checkable_file, sent.files[0]):
        alone = subject_access(
            data=data,
            dwp_records=["D-202"],
            checks=[given],
            key=KEY,
            out=tmp_path / f"{given.name}.md",
        )
        assert _facts(alone, "not checkable") == _not_checkable_row(
            sent, run, wren, DWP_ONLY_REASON, "the file checks.not_checkable.csv"
        ), given.name
    # Pippa is listed only for her household's no recourse to public funds, which DfE's
    # services cannot confirm: her row's reason is about her alone, so her mother's export
    # shows no row of the file (her details were never looked at for it).
    mother = subject_access(
        "P-SAFFRON", data=data, lists=[listed], store=store, key=KEY, out=tmp_path / "m.md"
    )
    assert _facts(mother, "not checkable") == []
    for leak in ("C-PIPPA", "Pippa", decided["C-PIPPA"].decision_id, "D-202", "Wren"):
        assert leak not in _texts(mother), leak
    pippa = subject_access("C-PIPPA", data=data, lists=[listed], key=KEY, out=tmp_path / "p.md")
    assert [
        v for _, f, v in _facts(pippa, "not checkable") if f in ("about them as", "reason")
    ] == [
        "the child",
        "listed only for what DfE's services cannot confirm (no recourse to public funds, "
        "within the income and savings limits): they check a parent's benefits; nothing is "
        "sent",
    ]
    assert "Saffron" not in _texts(pippa) and "QQ333333E" not in _texts(pippa)
    # Tobias was checked (his row went to DfE), his mother and Ulrike are in no such file.
    for person in ("C-TOBIAS", "P-MARIGOLD", "P-ULRIKE"):
        out = subject_access(
            person, data=data, lists=[listed], store=store, key=KEY, out=tmp_path / f"{person}.md"
        )
        assert _facts(out, "not checkable") == [], person
        assert (
            "No check export searched listed this person as a child who could not be checked."
            in out.read_text()
        )
        assert DWP_ONLY_REASON not in _texts(out) and "AB123456C" not in _texts(out)
    with ReviewStore(store, key=KEY) as review:
        details = review.access_log().filter(pl.col("command") == "subject-access")["detail"]
    assert details[0].endswith(
        ", 1 not-checkable rows naming them, 1 review workbooks holding them"
    )


def test_a_check_export_whose_file_is_not_searched_is_named_from_the_store(
    exports_council, tmp_path
):
    data, _, store, sent, _, decided, run, _ = exports_council
    with ReviewStore(store, key=KEY) as review:
        stored = review.check_exports().row(0, named=True)
    # No list searched and no file given: the store knows the export left children of her
    # list unchecked (not who), and the name its files were written under.
    out = subject_access(
        data=data, dwp_records=["D-202"], store=store, key=KEY, out=tmp_path / "w.md"
    )
    assert _facts(out, "not checkable") == [
        ("not checkable row 1", "made at", stored["exported_at"]),
        ("not checkable row 1", "made by", "K. Checker"),
        ("not checkable row 1", "check export", sent.export_id),
        ("not checkable row 1", "initiative", "two_year_old"),
        ("not checkable row 1", "list of run", run),
        ("not checkable row 1", "template", "childcare"),
        ("not checkable row 1", "not-checkable file", "checks.not_checkable.csv"),
        ("not checkable row 1", "about them as", "the child, if among them"),
        ("not checkable row 1", "decision", ""),
        ("not checkable row 1", "decision id", ""),
        ("not checkable row 1", "reason", ""),
        (
            "not checkable row 1",
            "known from",
            "not searched: the store records that some children chosen for this export of a "
            "list holding this person could not be checked, not who; give its file "
            "checks.not_checkable.csv with --check to see whether they are among them",
        ),
    ]
    # Tobias's row went to DfE, and Ulrike is on no list: no such line for them.
    for person in ("C-TOBIAS", "P-ULRIKE"):
        out = subject_access(person, data=data, store=store, key=KEY, out=tmp_path / f"{person}.md")
        assert _facts(out, "not checkable") == [], person
    # The not-checkable file gone, its sidecar lists the same children and reasons.
    sent.not_checkable_file.unlink()
    out = subject_access(
        data=data, dwp_records=["D-202"], checks=[sent.sidecar], key=KEY, out=tmp_path / "s.md"
    )
    expected = _not_checkable_row(
        sent,
        run,
        decided["D-202"].decision_id,
        DWP_ONLY_REASON,
        "the sidecar checks.check.json (the file checks.not_checkable.csv was not found beside it)",
    )
    expected[8] = ("not checkable row 1", "decision", "")  # the sidecar does not say which
    assert _facts(out, "not checkable") == expected
    with pytest.raises(DataFileError, match="no check export here"):
        subject_access(
            "P-ULRIKE", data=data, checks=[tmp_path / "none.csv"], key=KEY, out=tmp_path / "x.md"
        )


HELD_AS_CHILD = (
    "their row: their names, date of birth, age, address and postcode (beside the names of their "
    "parents or carers and of the other children of the household, withheld here), the tier, "
    "reasons and evidence, when eligible from, the record link, the decisions about them so far "
    "and DfE's check answers"
)
SHOWN_AS_CARER = (
    "their name, as a parent or carer, and the address, with a child in their household (id "
    "withheld)"
)


def _workbook_row(exported_at: str, run: str, about: str, what: str, known: str) -> list:
    values = [
        ("exported at", exported_at),
        ("exported by", "W. Orkbook"),
        ("workbook file", "review.xlsx"),
        ("initiative", "two_year_old"),
        ("list of run", run),
        ("about them as", about),
        ("what it held of them", what),
        ("known from", known),
    ]
    return [("workbook row 1", field, value) for field, value in values]


def test_review_workbooks_that_held_the_person_are_in_the_export_and_no_one_else_is(
    exports_council, tmp_path
):
    data, listed, store, _, book, _, run, exported_at = exports_council
    from_file = "the workbook file review.xlsx"
    from_store = (
        "the store's record of the export (its list's children, and the views of their details "
        "logged with it; the workbook file review.xlsx was not given or found)"
    )
    # Pippa, from the file given: the summary, then her row's cells, other people withheld.
    out = subject_access(
        "C-PIPPA", data=data, store=store, workbooks=[book], key=KEY, out=tmp_path / "p.md"
    )
    facts = _facts(out, "review workbooks")
    assert facts[:8] == _workbook_row(exported_at, run, "the child", HELD_AS_CHILD, from_file)
    cells = {f: v for r, f, v in facts[8:] if r == "review.xlsx: their row"}
    assert len(cells) == len(facts) - 8
    assert {k: cells[k] for k in ("person_id", "child_name", "address", "tier")} == {
        "person_id": "C-PIPPA",
        "child_name": "Pippa Larkspur",
        "address": "7 Heron Row",
        "tier": "likely",
    }
    assert cells["parent_carers"] == (
        "withheld here: the names of their parents or carers (a parent/carer (id withheld))"
    )
    assert cells["earlier_decisions"] == "contact by A. Officer on 2026-09-10 (this list)"
    assert cells["evidence_as_written"] == "no_recourse_to_public_funds: households row H3"
    for leak in ("Saffron", "Vane", "QQ333333E", "P-SAFFRON", *NOT_IN_THE_FILES, "Wren"):
        assert leak not in _texts(out), leak
    # From the store alone: the same export, worked out from the list's children.
    store_only = subject_access("C-PIPPA", data=data, store=store, key=KEY, out=tmp_path / "s.md")
    assert _facts(store_only, "review workbooks") == _workbook_row(
        exported_at, run, "the child", HELD_AS_CHILD, from_store
    )
    # Her mother: named beside her in the row (the export read who each child is).
    for given, known in (([book], from_file), ([], from_store)):
        mother = subject_access(
            "P-SAFFRON",
            data=data,
            store=store,
            workbooks=given,
            key=KEY,
            out=tmp_path / f"m{len(given)}.md",
        )
        assert _facts(mother, "review workbooks") == _workbook_row(
            exported_at, run, "a parent or carer", SHOWN_AS_CARER, known
        )
        for leak in ("C-PIPPA", "Pippa", "Larkspur", pseudonym("person", "C-PIPPA", KEY)):
            assert leak not in _texts(mother), leak
    # Wren's repeated DWP-list row D-204 is on the workbook's sheet of rows not listed.
    wren = subject_access(
        data=data, dwp_records=["D-204"], lists=[listed], workbooks=[book], key=KEY,
        out=tmp_path / "w.md",
    )  # fmt: skip
    summary = [(f, v) for r, f, v in _facts(wren, "review workbooks") if r == "workbook row 1"]
    assert summary == [
        ("exported at", str(exported_on(book)[1])),  # the day it records: no store searched
        ("exported by", ""),
        ("workbook file", "review.xlsx"),
        ("initiative", ""),
        ("list of run", ""),
        ("about them as", "the child of a DWP-list row not listed"),
        (
            "what it held of them",
            "their DWP-list row, on the sheet 'DWP rows not listed': its record id, the child's "
            "date of birth, the dates eligible from and to, and why it is not listed",
        ),
        ("known from", "the workbook file review.xlsx (the review store not searched)"),
    ]
    assert [(r, f, v) for r, f, v in _facts(wren, "review workbooks") if r != "workbook row 1"] == [
        ("review.xlsx: the child of a DWP-list row not listed", "record_id", "D-204"),
        (
            "review.xlsx: the child of a DWP-list row not listed",
            "child_date_of_birth",
            "2024-04-20",
        ),
        ("review.xlsx: the child of a DWP-list row not listed", "eligible_from", "2026-09-01"),
        ("review.xlsx: the child of a DWP-list row not listed", "eligible_to", "2027-09-01"),
        (
            "review.xlsx: the child of a DWP-list row not listed",
            "reason",
            next(v for _, f, v in _facts(wren, "lists") if f == "why not listed"),
        ),
    ]
    # Ulrike is in no workbook; neither is the list's other child's family in Pippa's.
    for given in ([book], []):
        ulrike = subject_access(
            "P-ULRIKE",
            data=data,
            store=store,
            workbooks=given,
            key=KEY,
            out=tmp_path / f"u{len(given)}.md",
        )
        assert _facts(ulrike, "review workbooks") == []
        assert "No review workbook searched held this person." in ulrike.read_text()
        assert "W. Orkbook" not in _texts(ulrike)
    # The command takes both kinds of file (`--check`, `--workbook`).
    env = dict(os.environ, WORKBENCH_KEY=KEY.hex(), WORKBENCH_STORE=str(tmp_path / "log.sqlite"))
    ran = workbench(
        "subject-access", "--person", "C-PIPPA", "--data", str(data), "--store", str(store),
        "--workbook", str(book), "--check", str(listed.with_name("checks.check.json")),
        "--out", str(tmp_path / "cli.md"), env=env,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    text = (tmp_path / "cli.md").read_text()
    assert f"| {from_file} |" in text and "| the file checks.not_checkable.csv |" in text


def test_a_workbook_export_logged_without_its_file_name_is_worked_out_from_the_store(
    exports_council, tmp_path
):
    # Logged as exports were before the log named the file, and without reading the data
    # folder (no view of each child logged with it): her row held her ids, not who she is.
    data, _, store, _, _, _, run, _ = exports_council
    with ReviewStore(store, key=KEY) as review:
        list_id = review.lists()["list_id"][0]
        review.log_accesses("Old Exporter", [("review export", f"list {list_id}: 4 rows")])
        at = review.access_log()["at"][-1]
    out = subject_access("C-PIPPA", data=data, store=store, key=KEY, out=tmp_path / "p.md")
    rows = [(f, v) for r, f, v in _facts(out, "review workbooks") if r == "workbook row 2"]
    assert rows == [
        ("exported at", at),
        ("exported by", "Old Exporter"),
        ("workbook file", "(its name was not recorded)"),
        ("initiative", "two_year_old"),
        ("list of run", run),
        ("about them as", "the child"),
        (
            "what it held of them",
            "their row, by its ids and pseudonymous key (who they are was not read: the export "
            "was given no data folder): the tier, reasons and evidence, when eligible from, the "
            "record link, the decisions about them so far and DfE's check answers",
        ),
        (
            "known from",
            "the store's record of the export (its list's children, and the views of their "
            "details logged with it; the workbook's file name was not recorded)",
        ),
    ]
    # Her mother's name was not in it: who each child is was not read.
    mother = subject_access("P-SAFFRON", data=data, store=store, key=KEY, out=tmp_path / "m.md")
    assert "Old Exporter" not in _texts(mother)


# --- a council child proposed as the match of a DWP-list row ------------------------------------


@pytest.fixture
def proposal_council(tmp_path: Path, make_folder):
    """The exports council's families, with Ezra's DWP-list row D-303 awaiting a link review
    and Pippa proposed as its match (her mother Saffron named beside her in its record link):
    a workbook exported with who each child is (a view of every row logged with it), and
    V. Iewer opening D-303's details in the panel. Tobias, Marigold and Ulrike are proposed
    for nothing."""
    return _council_with_d303_proposed(tmp_path, make_folder, PEOPLE_WITH_ADDRESSES + ULRIKE)


def _council_with_d303_proposed(
    tmp_path: Path, make_folder, people: str, held_because: str | None = None
) -> tuple[Path, Path, Path, Path, str]:
    """The exports council on `people`, its list with D-303's link to Pippa awaiting review
    (held for `held_because`, when given), a workbook exported with who each child is, and
    V. Iewer opening D-303's details: (data, list, store, workbook, run id)."""
    data = make_folder(
        {
            "people.csv": people,
            "benefits.csv": BENEFITS,
            "child_statuses.csv": STATUSES,
            "dwp_list.csv": DWP + DWP_ONLY,
            "households.csv": HOUSEHOLDS,
            "funded_places.csv": PLACES,
        }
    )
    listed = tmp_path / "lists" / "two_year_old.csv"
    listed.parent.mkdir()
    assess(data, "two_year_old", term_start=TERM, as_of=TERM).write(listed)
    d303 = pl.col("dwp_record_id") == "D-303"
    pl.read_csv(listed, infer_schema=False).with_columns(
        pl.when(d303)
        .then(pl.lit("true"))
        .otherwise("link_needs_review")
        .alias("link_needs_review"),
        pl.when(d303).then(pl.lit("C-PIPPA")).alias("probable_person_id"),
        pl.when(d303).then(pl.lit("0.91")).alias("match_probability"),
        *([pl.when(d303).then(pl.lit(held_because)).alias("held_because")] if held_because else []),
    ).write_csv(listed)
    rewritten(listed)
    store = tmp_path / "review.sqlite"
    book = tmp_path / "books" / "review.xlsx"
    with ReviewStore(store, clock=Clock(), key=KEY) as review:
        list_id, _ = register_list_file(review, listed, KEY)
        export_list_file(review, listed, book, key=KEY, user="W. Orkbook", data=data)
        ezra = {"item_key": pseudonym("dwp", "D-303", KEY)}
        review.log_access("V. Iewer", VIEW_COMMAND, view_detail(list_id, ezra))
        run = review.lists()["run_id"][0]
    return data, listed, store, book, run


def test_the_proposal_fixture_is_what_it_says(proposal_council):
    _, listed, store, book, run = proposal_council
    rows = pl.read_csv(listed, infer_schema=False).filter(pl.col("link_needs_review") == "true")
    assert rows.select("dwp_record_id", "probable_person_id").rows() == [("D-303", "C-PIPPA")]
    cells = _review_sheet(book)
    assert cells[5]["dwp_record_id"] == "D-303"  # row 5 of the Review sheet
    assert cells[5]["record_link"].endswith(NEW_PROPOSED_CELL)
    with ReviewStore(store, key=KEY) as review:
        views = review.access_log().filter(pl.col("command") == VIEW_COMMAND)
        assert views.select("at", "user").rows()[-2:] == [
            ("2026-09-10T09:15:00.000000Z", "W. Orkbook"),
            ("2026-09-10T09:25:00.000000Z", "V. Iewer"),
        ]
        assert run == review.lists()["run_id"][0]


# The record link of D-303's row as workbooks are exported now (the council record id after
# the child's name: it is the child's), and as they were before 8 December 2026 (the id last,
# where it read as the parent's). Workbooks of both kinds are kept, and subject access reads
# both.
NEW_PROPOSED_CELL = (
    "Proposed match: Pippa Larkspur (council record C-PIPPA), born 5 May 2024, 7 Heron Row, "
    "ZZ9 5EE; parents or carers: Saffron Vane (match probability 91%). Compare it with the "
    "DWP-list row before deciding."
)
OLD_PROPOSED_CELL = (
    "Proposed match: Pippa Larkspur, born 5 May 2024, 7 Heron Row, ZZ9 5EE; parents or "
    "carers: Saffron Vane (council record C-PIPPA) (match probability 91%). Compare it with the "
    "DWP-list row before deciding."
)


def _pippa_as_proposed(child: Path, row: int) -> list[tuple[str, str]]:
    """What Pippa's subject access says of workbook row `row`, where she is the proposed
    match of D-303's row."""
    wanted = f"review.xlsx: the proposed match of a DWP-list row (row {row})"
    return [(f, v) for r, f, v in _facts(child, "review workbooks") if r == wanted]


def _expected_pippa_as_proposed(row: int) -> list[tuple[str, str]]:
    return [
        ("Review sheet row", str(row)),
        ("the row", "a DWP-list row awaiting a link review, listed on its own: its child is "
         "withheld (it may be another child)"),
        ("proposed match shown (record_link)",
         "Pippa Larkspur, born 5 May 2024, 7 Heron Row, ZZ9 5EE (council record C-PIPPA)"),
        ("their parents or carers shown",
         "withheld here: the names of their parents or carers (a parent/carer (id withheld))"),
        ("match probability", "91%"),
    ]  # fmt: skip


@pytest.mark.parametrize("cell", [NEW_PROPOSED_CELL, OLD_PROPOSED_CELL], ids=["now", "before"])
def test_the_proposed_match_is_read_from_a_record_link_cell_of_either_form(
    proposal_council, tmp_path, cell
):
    from openpyxl import load_workbook

    data, _, store, book, _ = proposal_council
    workbook = load_workbook(book)
    sheet = workbook["Review"]
    column = [c.value for c in sheet[1]].index("record_link") + 1
    text = str(sheet.cell(5, column).value)
    assert text.endswith(NEW_PROPOSED_CELL)  # as exported
    sheet.cell(5, column).value = text.replace(NEW_PROPOSED_CELL, cell)
    workbook.save(book)
    child = subject_access(
        "C-PIPPA", data=data, store=store, workbooks=[book], key=KEY, out=tmp_path / "c.md"
    )
    assert _pippa_as_proposed(child, row=5) == _expected_pippa_as_proposed(row=5)
    # Her mother, named in the cell as the proposed child's parent, is told of it too.
    mother = subject_access(
        "P-SAFFRON", data=data, store=store, workbooks=[book], key=KEY, out=tmp_path / "m.md"
    )
    held = [v for _, f, v in _facts(mother, "review workbooks") if f == "what it held of them"]
    assert f"{AS_PROPOSED_PARENT} (the record_link cell of row 5 of the Review sheet)" in held


def _review_sheet(book: Path) -> dict[int, dict[str, str]]:
    """The rows of a workbook's Review sheet by their row number."""
    from openpyxl import load_workbook

    sheet = load_workbook(book, read_only=True)["Review"]
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    return {n: dict(zip(rows[0], row, strict=True)) for n, row in enumerate(rows[1:], start=2)}


AS_PROPOSED_CHILD = (
    "their name, date of birth, address, postcode and council record id, as the child proposed "
    "as the match of a DWP-list row awaiting a link review, with the names of their parents or "
    "carers (withheld here); the row's child is withheld (it may be another child)"
)
AS_PROPOSED_PARENT = (
    "their name, as a parent or carer of the child proposed as the match of a DWP-list row "
    "awaiting a link review, with a child in their household (id withheld); the row's child "
    "is withheld (it may be another child)"
)


def _views_of(at: str, who: str, run: str, what: str) -> list:
    values = [
        ("opened at", at),
        ("opened by", who),
        ("initiative", "two_year_old"),
        ("list of run", run),
        ("what it showed of them", what),
    ]
    return [(field, value) for field, value in values]


def test_the_child_proposed_as_a_dwp_rows_match_is_told_of_each_workbook_and_view_showing_it(
    proposal_council, tmp_path
):
    data, listed, store, book, run = proposal_council
    out = subject_access(
        "C-PIPPA", data=data, store=store, workbooks=[book], key=KEY, out=tmp_path / "p.md"
    )
    # Section 4: each view of D-303's details (the workbook's, then the panel's).
    views = _facts(out, "views as a proposed match")
    assert views == [
        ("view 1", f, v)
        for f, v in _views_of("2026-09-10T09:15:00.000000Z", "W. Orkbook", run, AS_PROPOSED_CHILD)
    ] + [
        ("view 2", f, v)
        for f, v in _views_of("2026-09-10T09:25:00.000000Z", "V. Iewer", run, AS_PROPOSED_CHILD)
    ]
    # Section 7: the workbook, her own row and D-303's row 5, with what its record link showed.
    from_file = "the workbook file review.xlsx"
    facts = _facts(out, "review workbooks")
    assert [(f, v) for r, f, v in facts if r == "workbook row 2"] == [
        (f, v)
        for _, f, v in _workbook_row(
            "2026-09-10T09:15:00.000000Z",
            run,
            "the proposed match of a DWP-list row",
            f"{AS_PROPOSED_CHILD} (the record_link cell of row 5 of the Review sheet)",
            from_file,
        )
    ]
    shown = [(f, v) for r, f, v in facts if r == "review.xlsx: the proposed match of a DWP-list "
             "row (row 5)"]  # fmt: skip
    assert shown == _expected_pippa_as_proposed(row=5)
    # Her own row's record link names D-303 as perhaps her: the row is withheld there too.
    own = {f: v for r, f, v in facts if r == "review.xlsx: their row"}
    assert own["record_link"] == (
        "No record linkage: found from the council's own records. DWP-list row(s) (withheld "
        "here: they may be another child's) on this list may be this child: the link awaits "
        "review, so decide them together."
    )
    assert (
        f"| 10 September 2026 at 09:25 UTC | V. Iewer | two_year_old | {run} | "
        f"{AS_PROPOSED_CHILD} |" in out.read_text()
    )
    for leak in (*QUILLONS, "Saffron", "Vane", pseudonym("dwp", "D-303", KEY)):
        assert leak not in _texts(out), leak
    with ReviewStore(store, key=KEY) as review:
        logged = review.access_log()["detail"][-1]
    assert ", 2 views of DWP-list rows showing them as the proposed match" in logged
    # From the store alone (the file not given), and from a view logged by the DWP record id
    # (as views were logged before 6 December 2026) of the list searched.
    with ReviewStore(store, clock=Clock(datetime(2026, 9, 11, 9, 0, tzinfo=UTC)), key=KEY) as r:
        r.log_access("O. Lder", VIEW_COMMAND, f"list {r.lists()['list_id'][0]}, child D-303")
    stored = subject_access(
        "C-PIPPA", data=data, store=store, lists=[listed], key=KEY, out=tmp_path / "s.html"
    )
    assert _facts(stored, "views as a proposed match")[-5:] == [
        ("view 3", f, v)
        for f, v in _views_of("2026-09-11T09:05:00.000000Z", "O. Lder", run, AS_PROPOSED_CHILD)
    ]
    assert [(f, v) for r, f, v in _facts(stored, "review workbooks") if r == "workbook row 2"][
        6:
    ] == [
        ("what it held of them",
         f"{AS_PROPOSED_CHILD} (the record_link column of the row of that DWP-list row)"),
        ("known from", "the store's record of the export (its list's children, and the views "
         "of their details logged with it; the workbook file review.xlsx was not given or "
         "found)"),
    ]  # fmt: skip
    html = stored.read_text()
    assert (
        "<h3>Who opened the details of a DWP-list row awaiting a link review that showed "
        "them</h3>" in html
    )
    assert f"<td>O. Lder</td><td>two_year_old</td><td>{run}</td><td>" in html
    assert f"<td>{escape(AS_PROPOSED_CHILD)}</td>" in html
    for leak in (*QUILLONS, "Saffron", "Vane"):
        assert leak not in _texts(stored), leak


def test_a_parent_of_the_child_proposed_is_told_and_no_one_else_is(proposal_council, tmp_path):
    data, _, store, book, run = proposal_council
    mother = subject_access(
        "P-SAFFRON", data=data, store=store, workbooks=[book], key=KEY, out=tmp_path / "m.md"
    )
    assert _facts(mother, "views as a proposed match") == [
        ("view 1", f, v)
        for f, v in _views_of("2026-09-10T09:15:00.000000Z", "W. Orkbook", run, AS_PROPOSED_PARENT)
    ] + [
        ("view 2", f, v)
        for f, v in _views_of("2026-09-10T09:25:00.000000Z", "V. Iewer", run, AS_PROPOSED_PARENT)
    ]
    rows = [
        (r, f, v) for r, f, v in _facts(mother, "review workbooks") if f == "what it held of them"
    ]
    assert rows == [
        ("workbook row 1", "what it held of them", SHOWN_AS_CARER),
        ("workbook row 2", "what it held of them",
         f"{AS_PROPOSED_PARENT} (the record_link cell of row 5 of the Review sheet)"),
    ]  # fmt: skip
    assert ("workbook row 2", "about them as", "a parent or carer of the proposed match of a "
            "DWP-list row") in _facts(mother, "review workbooks")  # fmt: skip
    for leak in ("C-PIPPA", "Pippa", "Larkspur", "2024-05-05", *QUILLONS):
        assert leak not in _texts(mother), leak
    # Not the proposed match, nor a parent or carer of it: no such line.
    for person in ("C-TOBIAS", "P-MARIGOLD", "P-ULRIKE"):
        out = subject_access(
            person, data=data, store=store, workbooks=[book], key=KEY, out=tmp_path / f"{person}.md"
        )
        assert _facts(out, "views as a proposed match") == [], person
        about = [v for _, f, v in _facts(out, "review workbooks") if f == "about them as"]
        assert not [a for a in about if "proposed" in a], person
        assert (
            "No one has opened the details of a DWP-list row that showed this person as, or as "
            "a parent or carer of, the child proposed as its match." in out.read_text()
        )


# --- after retention ----------------------------------------------------------------------------


def later() -> Clock:
    """The store's clock a year on, when retention removes what is past its period."""
    return Clock(datetime(2027, 10, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def retained_council(exports_council, tmp_path):
    """The exports council after DfE answered Tobias's check and Pippa was exported for
    outreach (the file kept away from the list), then retention removed the list's items, every
    decision and DfE's results (the records of the exports, and the check export's rows, stay)."""
    data, listed, store, sent, _, decided, run, _ = exports_council
    results = tmp_path / "dfe" / "outcomes.csv"
    results.parent.mkdir()
    results.write_bytes(
        b"\xef\xbb\xbf" + b"Parent Last Name,Parent Date of Birth,Parent National "
        b"Insurance number,Outcome\r\nQuenby,1994-06-02,QQ123456A,Eligible\r\n"
    )
    with ReviewStore(store, clock=Clock(), key=KEY) as review:
        import_check_results(review, results, key=KEY, user="A. Officer")
        outreach = export_outreach(
            review, listed, data, tmp_path / "outreach" / "contacts.csv", key=KEY, user="O. Fficer"
        )
    cut = datetime(2027, 9, 1, tzinfo=UTC)
    with ReviewStore(store, clock=later(), key=KEY) as review:
        done = review.apply_retention(cut, cut, user="records.officer", before_check_results=cut)
        assert (done.lists, done.decisions, done.check_results, done.outreach_rows) == (1, 4, 1, 4)
    return data, listed, store, sent, decided, run, outreach


def _between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def test_after_retention_the_answer_says_what_was_removed_and_never_none(
    retained_council, tmp_path
):
    # The tester's case: a year on, retention removed the list's items, every decision and
    # DfE's answers; the answer said "No decision has been recorded", "no answer read yet",
    # "No outreach export searched named this person" and, for a child whose check export's
    # file was not searched, "No check export searched listed this person".
    data, _, store, sent, decided, run, outreach = retained_council
    with ReviewStore(store, key=KEY) as review:
        list_id, stored = review.lists()["list_id"][0], review.lists()["created_at"][0]
        check = review.check_exports().row(0, named=True)
        read = review.check_imports()["imported_at"][0]
        made = review.outreach_exports()["exported_at"][0]
    removed = "removed under retention on 1 October 2027"
    run_of = f"- {4} decision(s) were {removed} (checkpoint 1: those recorded before 1 September "
    run_of += "2027); "
    run_of += "any about this person recorded before then are no longer held and cannot be listed."
    the_list = (
        f"- The items of the two_year_old list of run {run} (stored {shown(stored)}, 4 items) were "
        f"{removed}"
    )
    tobias = subject_access("C-TOBIAS", data=data, store=store, key=KEY, out=tmp_path / "t.md")
    text = tobias.read_text()
    by_check = f"the check export {sent.export_id} of {shown(check['exported_at'])}"
    assert f"{the_list}: it held an item about this person (recorded by {by_check})." in text
    assert _between(text, "### Decisions (oldest", "### Decisions on them") == (
        " first; a correction is a new decision)\n\n"
        "No decision about this person is held now.\n\n"
        f"- A decision about them (decision {decided['C-TOBIAS'].decision_id}, recorded by "
        f"{by_check}) was held and {removed} (checkpoint 1).\n"
        f"{run_of}\n\n"
    )
    assert (
        "No decision on a DWP-list row with this person as its proposed match is held now; any "
        "recorded before the removals under retention above are no longer held and cannot be "
        "listed." in text
    )
    sha = hashlib.sha256((tmp_path / "dfe" / "outcomes.csv").read_bytes()).hexdigest()
    assert (
        f"| the child | {shown(check['exported_at'])} | K. Checker | {sent.export_id} | "
        f"checks-part1.csv | childcare | 1 | not held: the answers read on 10 September 2026 "
        f"were {removed} |  |  |  | {shown(read)} | A. Officer | outcomes.csv | {sha} |" in text
    )
    for said in ("No decision has been recorded", "no answer read yet", "No outreach export "
                 "searched named this person"):  # fmt: skip
        assert said not in text, said
    # Pippa: her outreach export's rows went with the decisions, and her check export's file
    # was not searched; the store no longer says whether she was on its list.
    pippa = subject_access("C-PIPPA", data=data, store=store, key=KEY, out=tmp_path / "p.md")
    text = pippa.read_text()
    assert f"{the_list}: whether one was about this person can no longer be said from the " in text
    assert _between(text, "## 5. Outreach", "## 6.").split("Searched: ")[1] == (
        "the exports the store's access log records; export files given or found: none.\n\n"
        "No outreach export searched is known to have named this person, but the store cannot "
        "say so of every one (below).\n\n"
        "The store no longer holds what these exports held, so whether they named this person "
        "cannot be said from it; if a file still exists, give it with --outreach: the export "
        f"contacts.csv of list {list_id}, made at {shown(made)} by O. Fficer (4 row(s); the "
        "store's "
        f"record of its rows was {removed}).\n\n"
    )
    assert [(f, v) for _, f, v in _facts(pippa, "not checkable")][-6:] == [
        ("not-checkable file", "checks.not_checkable.csv"),
        ("about them as", "the child, if among them"),
        ("decision", ""),
        ("decision id", ""),
        ("reason", ""),
        (
            "known from",
            "not searched: the store records that some children chosen for this export could "
            "not be checked, not who, and no longer holds the children of its list (removed "
            "under retention on 1 October 2027), so whether this person was on it cannot be said; "
            "give its file checks.not_checkable.csv with --check to see whether they are among "
            "them",
        ),
    ]
    assert "No check export searched listed this person" not in text
    # Given the files, the answer is from them again.
    again = subject_access(
        "C-PIPPA", data=data, store=store, key=KEY, outreach=[outreach.out],
        checks=[sent.sidecar], out=tmp_path / "p2.md",
    )  # fmt: skip
    text = again.read_text()
    assert "| the child: their names, date of birth and address |" in text
    assert "the export file contacts.csv |" in text
    assert ("known from", "the file checks.not_checkable.csv") in [
        (f, v) for _, f, v in _facts(again, "not checkable")
    ]
    assert "not searched:" not in _texts(again)


# --- export files deleted under retention -------------------------------------------------------

EXPORT_KINDS = ("outreach_exports", "check_exports", "review_workbooks")


@pytest.fixture
def exported_council(exports_council, tmp_path):
    """The exports council with Pippa exported for outreach too (the file kept away from the
    list), and a retention policy keeping those three exports' files one day and everything
    else (the list file, the store's rows) a hundred years."""
    data, listed, store, sent, book, _, run, exported_at = exports_council
    clock = Clock(datetime(2026, 9, 11, 9, 0, tzinfo=UTC))
    with ReviewStore(store, clock=clock, key=KEY) as review:
        outreach = export_outreach(
            review, listed, data, tmp_path / "outreach" / "contacts.csv", key=KEY, user="O. Fficer"
        )
    policy = yaml.safe_load(DEFAULT_POLICY.read_text())
    for kind, rule in policy["periods"].items():
        rule["keep"] = {"days": 1} if kind in EXPORT_KINDS else {"years": 100}
    short = tmp_path / "policy.yaml"
    short.write_text(yaml.safe_dump(policy))
    return data, listed, store, sent, book, run, exported_at, outreach, short


def _retention(tmp_path: Path, policy: Path, *store: str):
    """`workbench retention --apply` two days on (the exports' files due), over the folders of
    the list, the outreach export and the workbook; with ``--store STORE`` when given."""
    env = dict(os.environ, WORKBENCH_KEY=KEY.hex(), WORKBENCH_USER="records.officer")
    folders = [str(tmp_path / name) for name in ("lists", "outreach", "books")]
    return workbench(
        "retention", "--apply", "--reports", str(tmp_path / "reports"), "--policy", str(policy),
        "--lists", folders[0], "--lists", folders[1], "--lists", folders[2], *store,
        "--today", (date.today() + timedelta(days=2)).isoformat(),
        "--log", str(tmp_path / "retention-log.jsonl"), env=env,
    )  # fmt: skip


def _deleted_lines(store: Path) -> list[tuple[str, str, str]]:
    with ReviewStore(store, key=KEY) as review:
        log = review.access_log().filter(pl.col("command") == "retention deleted file")
    return log.select("at", "user", "detail").rows()


def _deleted_on(store: Path) -> str:
    """'deleted under retention on DAY', the day the store was told (its clock, now)."""
    (day,) = {at[:10] for at, _, _ in _deleted_lines(store)}
    return f"deleted under retention on {long_date(date.fromisoformat(day))}"


def test_an_export_file_deleted_by_retention_with_the_store_is_said_to_be_deleted(
    exported_council, tmp_path, monkeypatch
):
    # The tester's case: after `workbench retention` deleted the outreach export, the check
    # export and the workbook, the answer asked for each with --outreach, --check and
    # --workbook as "not given". Told by `retention --store`, it says when each was deleted.
    data, listed, store, sent, book, run, exported_at, outreach, policy = exported_council
    with ReviewStore(store, key=KEY) as review:
        made = review.outreach_exports()["exported_at"][0]
        logged = review.access_log().filter(pl.col("command") == "review export")["seq"][0]
        check = review.check_exports().row(0, named=True)
    done = _retention(tmp_path, policy, "--store", str(store))
    assert done.returncode == 0, done.stderr
    assert not (outreach.out.exists() or sent.sidecar.exists() or book.exists())
    assert (
        "review store: 3 of the 3 outreach export(s), check export(s) or review workbook(s) "
        "past their date are exports it records; --apply tells it their files were deleted (a "
        "sealed line of its access log for each, naming the export, never a path), and "
        "subject access says so\n" in done.stdout
    )
    assert done.stdout.endswith(
        "The review store was told that the files of 3 of its exports were deleted: subject "
        "access says so.\n"
    )
    lines = _deleted_lines(store)
    assert [(user, detail) for _, user, detail in lines] == [
        ("records.officer", f"review export logged as access log line {logged}: its file was "
         "deleted under retention"),
        ("records.officer", f"check export {sent.export_id}: its files were deleted under "
         "retention"),
        ("records.officer", "outreach export 1: its file was deleted under retention"),
    ]  # fmt: skip
    on = _deleted_on(store)
    # Pippa's outreach row, from the store's record of the export.
    pippa = subject_access("C-PIPPA", data=data, store=store, key=KEY, out=tmp_path / "p.md")
    text = pippa.read_text()
    assert (
        f"| {shown(made)} | O. Fficer | contacts.csv | two_year_old | {run} | the child: their "
        "names, date of birth and address | "
    ) in text
    assert f"| the store's record of the export (its file was {on}) |" in text
    assert "the export file was not given" not in text
    # The check export that could not check some children of her list, whose file is gone.
    assert [(f, v) for _, f, v in _facts(pippa, "not checkable")] == [
        ("made at", check["exported_at"]),
        ("made by", "K. Checker"),
        ("check export", sent.export_id),
        ("initiative", "two_year_old"),
        ("list of run", run),
        ("template", "childcare"),
        ("not-checkable file", "checks.not_checkable.csv"),
        ("about them as", "the child, if among them"),
        ("decision", ""),
        ("decision id", ""),
        ("reason", ""),
        (
            "known from",
            "not searched: the store records that some children chosen for this export of a "
            "list holding this person could not be checked, not who; its files were "
            f"{on}, so whether they are among them can no longer be said",
        ),
    ]
    # The workbook, worked out from the store.
    assert _facts(pippa, "review workbooks") == _workbook_row(
        exported_at,
        run,
        "the child",
        HELD_AS_CHILD,
        "the store's record of the export (its list's children, and the views of their "
        f"details logged with it; the workbook file review.xlsx was {on})",
    )
    assert "--check" not in text and "--workbook" not in text and "--outreach" not in text
    # The store still proves itself: the lines are sealed as every other.
    with ReviewStore(store, key=KEY) as review:
        assert review.verify_access_log().ok
    monkeypatch.setenv("WORKBENCH_KEY", KEY.hex())  # the store's key, as the council runs it
    report = assure([listed], store=store, key=KEY)
    assert report.ok, format_report(report)
    record = json.loads((tmp_path / "retention-log.jsonl").read_text().splitlines()[-1])
    assert record["store"]["export_files_deleted"] == 3
    assert "exports_store_not_told" not in record


def test_without_the_store_retention_says_it_was_not_told_and_the_answer_asks_for_the_files(
    exported_council, tmp_path
):
    data, _, store, sent, book, _, _, outreach, policy = exported_council
    done = _retention(tmp_path, policy)
    assert done.returncode == 0, done.stderr
    assert not (outreach.out.exists() or sent.sidecar.exists() or book.exists())
    assert (
        "no review store given (--store): 3 outreach export(s), check export(s) or review "
        "workbook(s) are past their date, and a review store recording them is not told their "
        "files are deleted, so subject access asks for them as files not given. Give --store "
        "to tell it\n" in done.stdout
    )
    assert done.stdout.endswith(
        "The review store was not told (no --store) that the files of 3 outreach export(s), "
        "check export(s) or review workbook(s) were deleted: subject access asks for them as "
        "files not given.\n"
    )
    assert _deleted_lines(store) == []
    record = json.loads((tmp_path / "retention-log.jsonl").read_text().splitlines()[-1])
    assert record["exports_store_not_told"] == 3 and "store" not in record
    # The answer is today's: each file not given, asked for.
    pippa = subject_access("C-PIPPA", data=data, store=store, key=KEY, out=tmp_path / "p.md")
    text = pippa.read_text()
    assert "| the store's record of the export (the export file was not given) |" in text
    assert _facts(pippa, "not checkable")[-1][2] == (
        "not searched: the store records that some children chosen for this export of a list "
        "holding this person could not be checked, not who; give its file "
        "checks.not_checkable.csv with --check to see whether they are among them"
    )
    assert _facts(pippa, "review workbooks")[-1][2] == (
        "the store's record of the export (its list's children, and the views of their details "
        "logged with it; the workbook file review.xlsx was not given or found)"
    )
    assert "deleted under retention" not in text


def test_after_the_stores_rows_went_too_a_deleted_file_is_not_asked_for(exported_council, tmp_path):
    # A year on, retention removed the list's items and the outreach export's rows from the
    # store as well: what the exports held cannot be said, and their files are not asked for.
    data, _, store, _, _, _, _, _, policy = exported_council
    with ReviewStore(store, key=KEY) as review:
        list_id = review.lists()["list_id"][0]
        made = review.outreach_exports()["exported_at"][0]
        logged = review.access_log().filter(pl.col("command") == "review export")["at"][0]
    assert _retention(tmp_path, policy, "--store", str(store)).returncode == 0
    on = _deleted_on(store)
    cut = datetime(2027, 9, 1, tzinfo=UTC)
    with ReviewStore(store, clock=later(), key=KEY) as review:
        review.apply_retention(cut, cut, user="records.officer", before_check_results=cut)
    pippa = subject_access("C-PIPPA", data=data, store=store, key=KEY, out=tmp_path / "p.md")
    text = pippa.read_text()
    assert _between(text, "## 5. Outreach", "## 6.").split("Searched: ")[1] == (
        "the exports the store's access log records; export files given or found: none.\n\n"
        "No outreach export searched is known to have named this person, but the store cannot "
        "say so of every one (below).\n\n"
        "The store no longer holds what these exports held, and their files were deleted under "
        "retention, so whether they named this person can no longer be said: the export "
        f"contacts.csv of list {list_id}, made at {shown(made)} by O. Fficer (4 row(s); the "
        "store's record of its rows was removed under retention on 1 October 2027; its file "
        f"was {on}).\n\n"
    )
    assert _between(text, "## 7. Review workbooks", "\n## ").endswith(
        "No review workbook searched held this person.\n\n"
        "The store no longer holds the children of these exports' lists, and their files were "
        "deleted (all under retention), so whether they held this person can no longer be "
        f"said: the workbook review.xlsx of list {list_id}, exported at {shown(logged)} by "
        f"W. Orkbook (its file was {on}).\n"
    )
    assert "give it with --" not in text


def test_retention_tells_the_store_only_of_the_files_it_records(
    exported_council, tmp_path, monkeypatch
):
    # The outreach export's folder moved (found by its name, list and rows), and a copy of the
    # export under another name: the store records no such file, and is not told of it.
    _, _, store, sent, _, _, _, outreach, policy = exported_council
    monkeypatch.setenv("WORKBENCH_KEY", KEY.hex())
    moved = tmp_path / "moved"
    (tmp_path / "outreach").rename(moved)
    for name in ("contacts.csv", "contacts.csv.outreach.json"):
        (moved / name.replace("contacts", "copy")).write_bytes((moved / name).read_bytes())
    with ReviewStore(store, key=KEY) as review:
        logged = review.access_log().filter(pl.col("command") == "review export")["seq"][0]
    roots = [tmp_path / "lists", moved, tmp_path / "books"]
    today = date.today() + timedelta(days=2)
    plan = plan_retention(
        tmp_path / "reports", load_policy(policy), today, list_roots=roots, store=store
    )
    assert [i.path.name for i in plan.export_items] == [
        "review.xlsx",
        "checks.check.json",
        "contacts.csv",
        "copy.csv",
    ]
    assert plan.store is not None
    assert [(path.name, kind, ref) for path, kind, ref in plan.store.exports] == [
        ("review.xlsx", "workbook", str(logged)),
        ("checks.check.json", "check", sent.export_id),
        ("contacts.csv", "outreach", "1"),
    ]
    assert plan.notes[-1].startswith("review store: 3 of the 4 outreach export(s), ")
    apply_retention(plan, tmp_path / "log.jsonl", user="records.officer")
    assert not (moved / "copy.csv").exists() and not outreach.out.exists()
    assert [detail for _, _, detail in _deleted_lines(store)][-1] == (
        "outreach export 1: its file was deleted under retention"
    )
    assert len(_deleted_lines(store)) == 3


# --- a council child named in why a DWP-list row's link was held --------------------------------

POPPY = "C-POPPY,H3,Poppy,Larkspur,2024-05-05,,7 Heron Row,ZZ9 5EE,child,Mixed\n"
# Why the linkage held D-303's link to Pippa, as `workbench link` writes it: Tobias (another
# household) scores as high, and Pippa's twin Poppy is close behind.
HELD = (
    "council record C-TOBIAS scores exactly as high: the row cannot tell the children apart; "
    "a twin, council record C-POPPY (the same date of birth and household), also scores at "
    "least the review threshold, and the row's forename is not exactly the chosen child's"
)


@pytest.fixture
def held_council(tmp_path: Path, make_folder):
    """The proposal council with Pippa's twin Poppy, and D-303's link to Pippa held for
    review naming Tobias and Poppy in why (`held_because`): a workbook exported with who
    each child is (Poppy named beside her id, as Pippa's household's; Tobias by id), and
    V. Iewer opening D-303's details in the panel."""
    return _council_with_d303_proposed(
        tmp_path, make_folder, PEOPLE_WITH_ADDRESSES + POPPY + ULRIKE, held_because=HELD
    )


def test_the_match_score_of_a_held_row_is_read_from_its_sentence(held_council, tmp_path):
    """A held row's record link gives the score after the proposed match ("The match score
    is high (91%), ..."), not beside it: the child proposed is told it all the same."""
    data, _, store, book, _ = held_council
    cell = _review_sheet(book)[6]["record_link"]
    assert "Compare it with the DWP-list row before deciding. The match score is high (91%)" in cell
    child = subject_access(
        "C-PIPPA", data=data, store=store, workbooks=[book], key=KEY, out=tmp_path / "c.md"
    )
    assert _pippa_as_proposed(child, row=6) == _expected_pippa_as_proposed(row=6)
    # Not named in why it was held as well: she is its proposed match.
    assert "a child named in why a DWP-list row's link was held" not in _texts(child)


AS_HELD_NAMED = (
    "their council record id (and their name, when they live in the household of the child "
    "proposed as the row's match: a twin, a brother or sister), named in why the link of a "
    "DWP-list row awaiting review to another council child was held; that child and the row's "
    "child are withheld (the row may be another child's)"
)
AS_HELD_BY_RECORD = (
    "their council record id, named in why the link of a DWP-list row awaiting review to "
    "another council child was held; that child and the row's child are withheld (the row may "
    "be another child's)"
)
HELD_ROW = (
    "a DWP-list row awaiting a link review, listed on its own: its child, and the child "
    "proposed as its match, are withheld (the row may be another child's)"
)


def _held_list_facts(out: Path) -> list[tuple[str, str]]:
    """The fields of section 2 on a DWP-list row whose hold reason names the subject."""
    facts = _facts(out, "lists")
    return [(f, v) for _, f, v in facts if f in ("what", "why it was held, as it names them")]


@pytest.mark.parametrize(
    ("person", "shown", "what", "why", "leaks"),
    [
        # Pippa's twin, of her household: the workbook and the panel named her.
        (
            "C-POPPY",
            "Poppy Larkspur (council record C-POPPY)",
            AS_HELD_NAMED,
            "a twin, council record C-POPPY (the same date of birth and household), also scores "
            "at least the review threshold, and the row's forename is not exactly the chosen "
            "child's",
            ("Pippa", "C-PIPPA", "Tobias", "C-TOBIAS", "Saffron"),
        ),
        # Another family's child: by record id only.
        (
            "C-TOBIAS",
            "council record C-TOBIAS",
            AS_HELD_BY_RECORD,
            "council record C-TOBIAS scores exactly as high: the row cannot tell the children "
            "apart",
            ("Pippa", "C-PIPPA", "Poppy", "C-POPPY", "same date of birth and household", "Saffron"),
        ),
    ],
)
def test_a_child_named_in_why_a_held_rows_link_was_held_is_told_of_it(
    held_council, tmp_path, person, shown, what, why, leaks
):
    data, listed, store, book, run = held_council
    out = subject_access(
        person,
        data=data,
        store=store,
        lists=[listed],
        workbooks=[book],
        key=KEY,
        out=tmp_path / "p.md",
    )
    # Section 2: the row of the list searched, its reason as far as it names them.
    assert _held_list_facts(out) == [
        (
            "what",
            "the record linkage proposed another council child as the child of a DWP-list row, "
            "and held the link for a person to review, naming this person in why (by their "
            "council record id); it is not used as a match unless a person confirms it",
        ),
        ("why it was held, as it names them", why),
    ]
    # Section 4: each view of D-303's details (the workbook's, then the panel's).
    views = _facts(out, "views as a proposed match")
    assert views == [
        ("view 1", f, v)
        for f, v in _views_of("2026-09-10T09:15:00.000000Z", "W. Orkbook", run, AS_HELD_NAMED)
    ] + [
        ("view 2", f, v)
        for f, v in _views_of("2026-09-10T09:25:00.000000Z", "V. Iewer", run, AS_HELD_NAMED)
    ]
    # Section 7: the workbook's row 6, with what its record link showed of them.
    facts = _facts(out, "review workbooks")
    named = "a child named in why a DWP-list row's link was held"
    assert ("about them as", named) in [(f, v) for _, f, v in facts]
    assert (
        "what it held of them",
        f"{what} (the record_link cell of row 6 of the Review sheet)",
    ) in [(f, v) for _, f, v in facts]
    assert [(f, v) for r, f, v in facts if r == f"review.xlsx: {named} (row 6)"] == [
        ("Review sheet row", "6"),
        ("the row", HELD_ROW),
        ("named in why its link was held (record_link)", shown),
    ]
    for leak in (*QUILLONS, *leaks):
        assert leak not in _texts(out), leak
    with ReviewStore(store, key=KEY) as review:
        logged = review.access_log()["detail"][-1]
    assert ", 2 views of DWP-list rows naming them in why the link was held" in logged
    assert "showing them as the proposed match" not in logged
    # The workbook's file not given: from the store and the list searched.
    stored = subject_access(
        person, data=data, store=store, lists=[listed], key=KEY, out=tmp_path / "s.md"
    )
    held = [v for _, f, v in _facts(stored, "review workbooks") if f == "what it held of them"]
    assert f"{AS_HELD_NAMED} (the record_link column of the row of that DWP-list row)" in held


def test_no_one_else_is_named_in_why_a_link_was_held(held_council, tmp_path):
    """Pippa's mother (told as a parent of the child proposed) and Ulrike are not named in
    why D-303's link was held: no such line."""
    data, listed, store, book, _ = held_council
    for person in ("P-SAFFRON", "P-ULRIKE", "P-MARIGOLD"):
        out = subject_access(
            person,
            data=data,
            store=store,
            lists=[listed],
            workbooks=[book],
            key=KEY,
            out=tmp_path / f"{person}.md",
        )
        assert _held_list_facts(out) == [], person
        text = _texts(out)
        assert "named in why" not in text, person
        assert AS_HELD_NAMED not in text and AS_HELD_BY_RECORD not in text, person


def _section_4(out: Path) -> str:
    """The words of section 4 of a Markdown answer."""
    text = out.read_text()
    return text.split("## 4. ")[1].split("\n## 5. ")[0]


HELD_FROM_STORE = (
    "The store keeps why each link was held, with every council record id in it as a "
    "pseudonymous key, so such a view is found from the store, whether or not the list was "
    "searched."
)


@pytest.mark.parametrize("person", ["C-POPPY", "C-TOBIAS"])
def test_a_child_named_in_why_a_link_was_held_is_found_from_the_store_alone(
    held_council, tmp_path, person
):
    """Neither the list nor the workbook given: the store keeps why D-303's link was held, so
    the views and the workbook that named them are found all the same."""
    data, _, store, _, run = held_council
    out = subject_access(person, data=data, store=store, key=KEY, out=tmp_path / "p.md")
    assert _held_list_facts(out) == []  # no list searched
    assert _facts(out, "views as a proposed match") == [
        ("view 1", f, v)
        for f, v in _views_of("2026-09-10T09:15:00.000000Z", "W. Orkbook", run, AS_HELD_NAMED)
    ] + [
        ("view 2", f, v)
        for f, v in _views_of("2026-09-10T09:25:00.000000Z", "V. Iewer", run, AS_HELD_NAMED)
    ]
    section = _section_4(out)
    assert HELD_FROM_STORE in section
    assert "registered before then" not in section
    held = [v for _, f, v in _facts(out, "review workbooks") if f == "what it held of them"]
    assert f"{AS_HELD_NAMED} (the record_link column of the row of that DWP-list row)" in held
    other = {"C-POPPY": "C-TOBIAS", "C-TOBIAS": "C-POPPY"}[person]
    keys = [pseudonym("person", i, KEY) for i in ("C-PIPPA", other)]
    for leak in (*QUILLONS, "Pippa", "C-PIPPA", other, "Saffron", *keys):
        assert leak not in _texts(out), leak
    with ReviewStore(store, key=KEY) as review:
        logged = review.access_log()["detail"][-1]
    assert ", 2 views of DWP-list rows naming them in why the link was held" in logged


def test_a_list_registered_before_the_store_kept_why_is_named_for_its_file(
    tmp_path, make_folder, monkeypatch
):
    """A store that registered the list before it kept why links were held (schema version
    10) opens, migrates and answers; views naming the child in why cannot be told from it, and
    section 4 names the list, for its file to be given. Given, they are found."""
    import workbench.review.store as store_module

    original = store_module.MIGRATIONS
    monkeypatch.setattr(store_module, "MIGRATIONS", original[:10])
    data, listed, store, _, run = _council_with_d303_proposed(
        tmp_path, make_folder, PEOPLE_WITH_ADDRESSES + POPPY + ULRIKE, held_because=HELD
    )
    monkeypatch.setattr(store_module, "MIGRATIONS", original)
    with ReviewStore(store, clock=Clock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC)), key=KEY) as r:
        assert r.schema_version == len(original)
        assert r.hold_reasons(r.lists()["list_id"][0]) == {}
    out = subject_access("C-POPPY", data=data, store=store, key=KEY, out=tmp_path / "p.md")
    assert _facts(out, "views as a proposed match") == []
    assert (
        "The store keeps why a link was held only for the lists registered in it since 7 "
        "December 2026; for a list registered before then, why is known only from its file, "
        "which was not searched, so a view of one of its rows naming this person in why cannot "
        "be found here (give its file with --list FILE, or the folder holding it with --reports "
        f"DIR): the two_year_old list of run {run} (registered on 10 September 2026)."
    ) in _section_4(out)
    searched = subject_access(
        "C-POPPY", data=data, store=store, lists=[listed], key=KEY, out=tmp_path / "s.md"
    )
    assert len(_facts(searched, "views as a proposed match")) == 10
    assert "registered before then" not in _section_4(searched)


def test_a_free_school_meals_workbook_row_gives_its_groups_to_the_subject():
    # Format 8's own columns (free school meals' eligibility_group and age_group) are the
    # subject's data as much as the tier beside them.
    from workbench.governance._sar_exports import _own_cells

    row = {"person_id": "C-1", "tier": "likely", "eligibility_group": "targeted",
           "age_group": "infant", "decision": "contact", "checksum": "x"}  # fmt: skip
    assert _own_cells(row) == {
        "person_id": "C-1",
        "tier": "likely",
        "eligibility_group": "targeted",
        "age_group": "infant",
        "decision": "contact",
    }
