"""Outreach only after review: contact details for exactly the children decided `contact`."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.command import workbench
from workbench.dates import long_date, long_time
from workbench.errors import UsageError, WorkbenchError
from workbench.provenance import input_hashes
from workbench.review import ReviewStore, outreach_files, pseudonym, register_list_file
from workbench.review.outreach import (
    CAUTION_ALREADY_FUNDED,
    CAUTION_FUNDED_PLACE,
    CAUTION_PLACES_NOT_KNOWN,
    CAUTION_SAME_ADDRESS,
    OUTREACH_COLUMNS,
    NothingToSend,
    export_outreach,
    later_list_caution,
    sent_before_caution,
)
from workbench.review.outreach_files import (
    OUTREACH_FORMAT,
    digests_seal,
    interrupted_exports,
    looks_like_outreach,
    row_digests,
    sidecar_path,
)
from workbench.runs import assure

KEY = bytes(range(32))
RUN = "r-outreach0001"
RULE_SET = "two_year_old@2026.11.1"
K = {name: pseudonym("person", name, KEY) for name in ("P1", "P4", "P6", "P8")}
K |= {name: pseudonym("dwp", name, KEY) for name in ("D8", "D9")}

PEOPLE = """\
person_id,household_id,forename,surname,date_of_birth,nino,address_line_1,postcode,role
P1,H1,Amy,Adams,2024-03-10,,1 Oak Road,FQ1 1AA,child
P2,H1,Beth,Adams,1990-01-01,TN123456C,1 Oak Road,FQ1 1AA,parent_carer
P3,H1,Carl,Adams,1989-05-05,,1 Oak Road,FQ1 1AA,parent_carer
P4,H2,Dan,Brown,2024-06-01,,2 Elm Street,FQ2 2BB,child
P5,H2,Eve,Brown,1995-02-02,,2 Elm Street,FQ2 2BB,parent_carer
P6,H3,Finn,Cole,2024-01-20,,3 Ash Lane,FQ3 3CC,child
P7,H3,Gwen,Cole,1950-01-01,,3 Ash Lane,FQ3 3CC,other
"""
BENEFITS = """\
award_id,person_id,benefit,start_date,end_date,net_earned_income,gross_income
A1,P2,income_support,2025-01-01,,,
"""
DWP_LIST = """\
record_id,child_forename,child_surname,child_date_of_birth,parent_forename,parent_surname,parent_nino,address_line_1,postcode
D8,Hana,Irwin,2024-02-02,Ida,Irwin,,8 Fir Close,FQ8 8HH
D9,Jon,Kay,2024-04-04,Kim,Kay,,9 Yew Way,FQ9 9JJ
"""
LIST_HEADER = (
    "person_id,dwp_record_id,initiative,tier,reason_codes,eligible_from,already_funded,"
    "review_status,eligible_to,evidence,link_needs_review,rule_set,run_id"
)
LIST_ROWS = [
    "P1,,two_year_old,likely,income_support,2026-04-01,false,pending_review,2027-04-01,"
    "income_support: award A1 of parent/carer P2,false",
    "P4,,two_year_old,possible,,2026-09-01,false,pending_review,2027-09-01,,false",
    "P6,,two_year_old,likely,looked_after,2026-04-01,false,pending_review,2027-04-01,,false",
    ",D8,two_year_old,likely,dwp_list,2026-04-01,false,pending_review,2027-04-01,"
    "dwp_list: DWP list row D8,true",
    ",D9,two_year_old,likely,dwp_list,2026-09-01,false,pending_review,2027-09-01,"
    "dwp_list: DWP list row D9,false",
]


def write_run(folder: Path, run_id: str = RUN, drop: str = "") -> tuple[Path, Path]:
    """A data folder and the list (with its manifest) `assess` would have written from it;
    without the row of the person `drop` (a re-run that no longer lists them)."""
    data = folder / "data"
    data.mkdir(parents=True)
    for name, text in {"people": PEOPLE, "benefits": BENEFITS, "dwp_list": DWP_LIST}.items():
        (data / f"{name}.csv").write_text(text)
    listed = folder / "two_year_old.csv"
    rows = [f"{row},{RULE_SET},{run_id}" for row in LIST_ROWS if not drop or row[:3] != f"{drop},"]
    listed.write_text("\n".join([LIST_HEADER, *rows]) + "\n")
    listed.chmod(0o600)
    manifest = {
        "run_id": run_id,
        "command": "assess",
        "rule_set": RULE_SET,
        "parameters": {"initiative": "two_year_old", "as_of": "2026-09-01"},
        "inputs": input_hashes(sorted(data.glob("*.csv"))),
        "review_status": "every row pending_review: no decision has been made",
    }
    manifest_path = listed.with_name(listed.name + ".manifest.json")
    manifest_path.write_text(json.dumps(manifest))
    manifest_path.chmod(0o600)
    return data, listed


@pytest.fixture
def run(tmp_path: Path):
    data, listed = write_run(tmp_path / "run")
    with ReviewStore(tmp_path / "store" / "review.sqlite") as store:
        list_id, _ = register_list_file(store, listed, KEY)
        yield store, list_id, data, listed, tmp_path / "run" / "outreach.csv"


def decide(store: ReviewStore, list_id: str, *decisions: tuple[str, str, str | None]) -> dict:
    recorded = store.record_decisions(
        {
            "list_id": list_id,
            "item_key": K[who],
            "decision": what,
            "reviewer": "A. Officer",
            "reason": why,
        }
        for who, what, why in decisions
    )
    return {d.item_key: d for d in recorded}


def export(run, **options):
    store, _, data, listed, out = run
    return export_outreach(store, listed, data, out, key=KEY, user="A. Officer", **options)


def test_a_list_with_no_decisions_at_all_is_refused_and_nothing_written(run):
    with pytest.raises(WorkbenchError, match="no decision has been recorded about any child"):
        export(run)
    assert not run[4].exists()


def behind_its_back(store: ReviewStore, trigger: str, statement: str) -> None:
    """Run `statement` on the store with raw sqlite3, its append-only `trigger` dropped."""
    conn = sqlite3.connect(store.path)
    conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute(statement)
    conn.commit()
    conn.close()


def test_a_list_whose_stored_items_were_changed_is_refused_and_nothing_written(run):
    # An auditor's case: outreach ran on a list whose seal did not verify.
    store, list_id, *_ = run
    decide(store, list_id, ("P1", "contact", None))
    behind_its_back(
        store, "list_items_no_update", "UPDATE list_items SET tier = 'possible' WHERE rowid = 1"
    )
    with pytest.raises(WorkbenchError) as refused:
        export(run)
    assert str(refused.value).startswith(f"{store.path}: list {list_id} (stored ")
    assert "its items were changed, added or removed since it was stored" in str(refused.value)
    assert "nothing can rest on it. Run `workbench assure --store`" in str(refused.value)
    assert not run[4].exists()


def test_a_list_never_registered_for_review_is_refused(tmp_path: Path):
    data, listed = write_run(tmp_path / "run")
    with (
        ReviewStore(tmp_path / "review.sqlite") as store,
        pytest.raises(WorkbenchError, match="is not in the review store"),
    ):
        export_outreach(store, listed, data, tmp_path / "o.csv", key=KEY, user="Al Ash")


def test_only_rows_whose_latest_decision_is_contact_are_exported_with_their_decisions(run):
    store, list_id, *_ = run
    recorded = decide(
        store,
        list_id,
        ("P1", "contact", None),
        ("P4", "not_eligible", "income above the limit"),
        ("P6", "defer", None),
        ("D9", "contact", None),
    )
    result = export(run)
    written = pl.read_csv(result.out, infer_schema=False)
    assert written.columns == list(OUTREACH_COLUMNS)
    one, nine = recorded[K["P1"]], recorded[K["D9"]]
    assert written.rows() == [
        (
            list_id,
            K["P1"],
            "P1",
            None,
            "Amy",
            "Adams",
            "2024-03-10",
            "Beth Adams; Carl Adams",
            "1 Oak Road",
            "FQ1 1AA",
            "contact",
            one.decision_id,
            "A. Officer",
            one.decided_at,
            None,
            None,
        ),
        (
            list_id,
            K["D9"],
            None,
            "D9",
            "Jon",
            "Kay",
            "2024-04-04",
            "Kim Kay",
            "9 Yew Way",
            "FQ9 9JJ",
            "contact",
            nine.decision_id,
            "A. Officer",
            nine.decided_at,
            None,
            None,
        ),
    ]
    assert (result.listed, result.decided, result.exported) == (5, 4, 2)
    assert result.decision_ids == tuple(sorted([one.decision_id, nine.decision_id]))


def test_a_child_without_a_parent_carer_is_exported_with_none_named(run):
    store, list_id, *_ = run
    decide(store, list_id, ("P6", "contact", None))
    written = pl.read_csv(export(run).out, infer_schema=False)
    assert written.select("person_id", "child_forename", "parent_carers").rows() == [
        ("P6", "Finn", None)
    ]


def test_a_later_defer_correction_removes_the_row(run):
    store, list_id, *_ = run
    decide(store, list_id, ("P1", "contact", None), ("D9", "contact", None))
    decide(store, list_id, ("P1", "defer", None))
    written = pl.read_csv(export(run).out, infer_schema=False)
    assert written["item_key"].to_list() == [K["D9"]]


def test_a_later_decision_on_a_rerun_list_holds_the_family_back(run, tmp_path: Path):
    store, list_id, *_ = run
    rerun_data, rerun = write_run(tmp_path / "rerun", run_id="r-outreach0002")
    rerun_id, _ = register_list_file(store, rerun, KEY)
    decide(store, list_id, ("P1", "contact", None), ("P6", "contact", None))
    decide(store, list_id, ("D9", "contact", None))
    decide(store, rerun_id, ("P1", "not_eligible", "moved out of the area"))
    decide(store, rerun_id, ("P6", "contact", None))  # decided again: the later list stands
    result = export(run)
    written = pl.read_csv(result.out, infer_schema=False)
    assert written["item_key"].to_list() == [K["D9"]]
    assert (result.exported, result.held_back_later_decision) == (1, 2)
    assert result.superseded_by == (rerun_id,)
    sidecar = json.loads(result.sidecar.read_text())
    assert sidecar["counts"]["held_back_later_decision"] == 2
    assert sidecar["superseded_by"] == [rerun_id]
    # From the later list, its own decisions stand.
    again = export_outreach(store, rerun, rerun_data, tmp_path / "o2.csv", key=KEY, user="Al Ash")
    assert pl.read_csv(again.out, infer_schema=False)["item_key"].to_list() == [K["P6"]]
    assert again.held_back_later_decision == 0


def test_a_child_a_later_list_no_longer_holds_is_exported_with_a_caution(run, tmp_path: Path):
    # A reliability tester's re-run after a benefit ended: the older list's contact was
    # exported with nothing to say the child had dropped off the offer's later list.
    store, list_id, *_ = run
    _, rerun = write_run(tmp_path / "rerun", run_id="r-outreach0002", drop="P1")
    rerun_id, _ = register_list_file(store, rerun, KEY)
    decide(store, list_id, ("P1", "contact", None), ("P6", "contact", None))
    written = pl.read_csv(export(run).out, infer_schema=False)
    made = store.lists().filter(pl.col("list_id") == rerun_id)["created_at"][0]
    assert dict(written.select("item_key", "caution").iter_rows()) == {
        K["P1"]: later_list_caution(rerun_id, made),
        K["P6"]: None,  # still listed
    }


def test_the_command_says_who_was_held_back_for_a_later_decision_and_where(tmp_path: Path):
    data, listed = write_run(tmp_path / "run")
    _, rerun = write_run(tmp_path / "rerun", run_id="r-outreach0002")
    store_path = tmp_path / "store" / "review.sqlite"
    with ReviewStore(store_path, key=KEY) as store:
        list_id, _ = register_list_file(store, listed, KEY)
        rerun_id, _ = register_list_file(store, rerun, KEY)
        decide(store, list_id, ("P1", "contact", None), ("D9", "contact", None))
        decide(store, rerun_id, ("P1", "not_eligible", "moved out of the area"))
    env = dict(os.environ, WORKBENCH_KEY=KEY.hex(), WORKBENCH_USER="A. Officer")
    command = ("review", "outreach", "--store", str(store_path), "--list", str(listed))
    said = workbench(*command, "--data", str(data), "--out", str(tmp_path / "o.csv"), env=env)
    assert said.returncode == 0, said.stderr
    assert " ".join(said.stdout.split()).startswith(
        f"List {list_id}: 1 of 5 children to contact, written to {tmp_path / 'o.csv'} "
        "(owner-only), each with the decision it rests on; 1 decided `contact` here held back: "
        f"decided again since on list(s) {rerun_id} of this initiative, and the later decision "
        "stands (export from that list if it says `contact`). Record of the export:"
    )


def test_a_later_decision_on_another_initiatives_list_does_not_hold_back(run, tmp_path: Path):
    store, list_id, *_ = run
    _, other = write_run(tmp_path / "other", run_id="r-outreach0003")
    text = other.read_text().replace("two_year_old", "early_years_pupil_premium")
    other.write_text(text)
    manifest = other.with_name(other.name + ".manifest.json")
    document = json.loads(manifest.read_text())
    document["rule_set"] = RULE_SET.replace("two_year_old", "early_years_pupil_premium")
    document["parameters"]["initiative"] = "early_years_pupil_premium"
    manifest.write_text(json.dumps(document))
    other_id, _ = register_list_file(store, other, KEY)
    decide(store, list_id, ("P1", "contact", None))
    decide(store, other_id, ("P1", "not_eligible", "not in a funded place"))
    result = export(run)
    assert (result.exported, result.held_back_later_decision) == (1, 0)


def test_an_export_without_a_named_user_logs_workbench_user(run, monkeypatch):
    store, list_id, data, listed, out = run
    decide(store, list_id, ("P1", "contact", None))
    monkeypatch.setenv("WORKBENCH_USER", "jbloggs")
    result = export_outreach(store, listed, data, out, key=KEY)
    assert store.access_log().select("user", "command").rows()[-1] == (
        "jbloggs",
        "review outreach",
    )
    assert json.loads(result.sidecar.read_text())["exported_by"] == "jbloggs"


def test_when_the_access_log_cannot_be_written_no_contact_file_is_left(run, monkeypatch):
    # A tester's full disk: the contact file and its sidecar were written, then the log line
    # failed, leaving 544 families' addresses on disk with no record of who exported them.
    store, list_id, data, listed, out = run
    decide(store, list_id, ("P1", "contact", None))

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(ReviewStore, "record_outreach_export", full)
    with pytest.raises(sqlite3.OperationalError):
        export_outreach(store, listed, data, out, key=KEY, user="A. Officer")
    assert not out.exists() and not sidecar_path(out).exists()
    assert partials(out) == []  # nor its partial files, written before the store was


def test_a_link_decision_does_not_undo_a_contact_decision(run):
    store, list_id, *_ = run
    decide(store, list_id, ("D8", "contact", None), ("D8", "link_confirmed", None))
    written = pl.read_csv(export(run).out, infer_schema=False)
    assert written["item_key"].to_list() == [K["D8"]]


@pytest.mark.parametrize(
    "link",
    [
        [],
        [("D8", "link_rejected", "another child")],
        [("D8", "link_confirmed", None), ("D8", "link_rejected", "checked again: no")],
    ],
)
def test_a_clerical_dwp_row_without_a_standing_link_confirmed_is_never_exported(run, link):
    store, list_id, _, listed, out = run
    decide(store, list_id, ("D8", "contact", None), *link)
    with pytest.raises(NothingToSend) as refused:
        export(run)
    assert str(refused.value) == (
        f"{listed}: nothing to send: the only child of list {list_id} decided `contact` "
        "cannot be sent now: 1 held back until their DWP link is confirmed (`link_confirmed`). "
        "No file was written and no export recorded"
    )
    result = refused.value.result
    assert (result.exported, result.held_back_unconfirmed_link) == (0, 1)
    assert not out.exists() and not sidecar_path(out).exists()
    assert store.outreach_exports().is_empty()
    # With another family to send, the row is held back and counted in the record.
    decide(store, list_id, ("P1", "contact", None))
    result = export(run)
    assert (result.exported, result.held_back_unconfirmed_link) == (1, 1)
    counts = json.loads(result.sidecar.read_text())["counts"]
    assert (counts["exported"], counts["held_back_unconfirmed_link"]) == (1, 1)


@pytest.mark.parametrize(
    ("before", "after", "column"),
    [
        ("dwp_list: DWP list row D8,true", "dwp_list: DWP list row D8,false", "link_needs_review"),
        ("P4,,two_year_old,possible,", "P4,,two_year_old,likely,", "tier"),
    ],
)
def test_a_list_file_changed_since_it_was_registered_is_refused(run, before, after, column):
    # The same children, but the uncertain link marked certain in the file (or a tier
    # changed): the store's record is what a person reviewed, so nothing is exported.
    store, list_id, _, listed, out = run
    decide(store, list_id, ("D8", "contact", None), ("P4", "contact", None))
    text = listed.read_text()
    assert before in text
    listed.write_text(text.replace(before, after))
    with pytest.raises(WorkbenchError, match=rf"1 of its rows differ .* \({column}\)"):
        export(run)
    assert not out.exists()


def test_a_clerical_dwp_row_with_link_confirmed_is_exported_with_both_decisions(run):
    store, list_id, *_ = run
    recorded = decide(store, list_id, ("D8", "link_confirmed", None))
    contact = decide(store, list_id, ("D8", "contact", None))[K["D8"]]
    result = export(run)
    written = pl.read_csv(result.out, infer_schema=False)
    assert written.select(
        "dwp_record_id", "child_forename", "parent_carers", "decision_id", "link_decision_id"
    ).rows() == [("D8", "Hana", "Ida Irwin", contact.decision_id, recorded[K["D8"]].decision_id)]
    assert result.held_back_unconfirmed_link == 0


def test_export_and_sidecar_are_owner_only_and_the_sidecar_holds_no_personal_data(run):
    store, list_id, *_ = run
    decide(store, list_id, ("P1", "contact", None))
    result = export(run)
    assert stat.S_IMODE(result.out.stat().st_mode) == 0o600
    assert stat.S_IMODE(result.sidecar.stat().st_mode) == 0o600
    assert result.sidecar.name == "outreach.csv.outreach.json"
    text = result.sidecar.read_text()
    for personal in ("P1", "Amy", "Adams", "Oak", "FQ1", "2024-03-10", K["P1"]):
        assert personal not in text
    record = json.loads(text)
    assert record["list_id"] == list_id and record["run_id"] == RUN
    assert record["decision_ids"] == list(result.decision_ids)
    assert record["counts"] == {
        "listed": 5,
        "decided": 1,
        "by_latest_outcome": {
            "contact": 1,
            "check": 0,
            "not_eligible": 0,
            "already_in_touch": 0,
            "defer": 0,
        },
        "exported": 1,
        "held_back_unconfirmed_link": 0,
        "held_back_later_decision": 0,
        "held_back_already_sent": 0,
        "held_back_same_child": 0,
        "caution_funded_place": 0,
        "caution_confirmed_record_differs": 0,
        "caution_already_funded": 0,
        "caution_places_not_known": 0,
        "caution_same_address": 0,
        "caution_dfe_check_since": 0,
        "caution_sent_before": 0,
    }
    assert record["chain_head"] == store.verify_chain().head
    assert not list(result.out.parent.glob(".*partial"))


def test_the_sidecar_records_a_keyed_digest_of_each_row_as_written(tmp_path, monkeypatch):
    # A name written neutralised (a leading "="), a child with no parent or carer (an empty
    # cell): each digest is of the row as the file holds it, and `assure` finds it so.
    monkeypatch.setattr(sys.modules[__name__], "PEOPLE", PEOPLE.replace("Amy,", "=Amy,"))
    data, listed = write_run(tmp_path / "run")
    with ReviewStore(tmp_path / "review.sqlite") as store:
        list_id, _ = register_list_file(store, listed, KEY)
        decide(store, list_id, ("P1", "contact", None), ("P6", "contact", None))
        result = export_outreach(
            store, listed, data, tmp_path / "o.csv", key=KEY, user="A. Officer"
        )
        decisions = assure._decisions(store)
    written = pl.read_csv(result.out, infer_schema=False)
    assert written.select("child_forename", "parent_carers").rows() == [
        ("'=Amy", "Beth Adams; Carl Adams"),
        ("Finn", None),
    ]
    record = json.loads(result.sidecar.read_text())
    # The same format as before it recorded digests (a field added): its readers read it still.
    assert record["format"] == OUTREACH_FORMAT == "workbench-outreach-1"
    assert record["row_digests"] == row_digests(written, KEY)
    assert len(set(record["row_digests"])) == 2
    # Keyed: another key gives other digests, and none is a plain hash of the row's text.
    assert set(row_digests(written, bytes(32))).isdisjoint(record["row_digests"])
    lines = result.out.read_text().splitlines()[1:]
    assert {hashlib.sha256(line.encode()).hexdigest() for line in lines}.isdisjoint(
        record["row_digests"]
    )
    assert looks_like_outreach(written.columns)
    assert assure._outreach_problems(result.out, decisions, KEY) == ([], [], [])


def test_the_export_is_logged_without_personal_data(run):
    store, list_id, *_ = run
    decide(store, list_id, ("P1", "contact", None))
    export(run)
    last = store.access_log().row(-1, named=True)
    assert (last["user"], last["command"]) == ("A. Officer", "review outreach")
    # With the seal of its rows' digests (a keyed digest: no personal data), so that a
    # sidecar stripped of them is found (`workbench assure --store`).
    sidecar = json.loads((run[-1].parent / "outreach.csv.outreach.json").read_text())
    assert last["detail"] == (
        f"list {list_id}: 1 exported to outreach.csv, 0 held back (unconfirmed link), rows "
        f"sealed {digests_seal(sidecar['row_digests'], KEY)}"
    )


def test_data_that_is_not_the_lists_own_is_refused(run):
    store, list_id, data, *_ = run
    decide(store, list_id, ("P1", "contact", None))
    (data / "people.csv").write_text(PEOPLE.replace("1 Oak Road", "7 New Road"))
    with pytest.raises(
        WorkbenchError, match=r"is not the file the list two_year_old\.csv was made"
    ):
        export(run)


def test_without_a_data_folder_the_one_the_lists_manifest_names_is_read(run):
    store, list_id, data, listed, out = run
    decide(store, list_id, ("P1", "contact", None))
    # A manifest naming no folder (a list written before manifests did): say to give one.
    with pytest.raises(WorkbenchError, match=r"its manifest names no data folder.*--data"):
        export_outreach(store, listed, None, out, key=KEY, user="A. Officer")
    assert not out.exists()
    manifest = listed.with_name(listed.name + ".manifest.json")
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "data": str(data)}))
    named = export_outreach(store, listed, None, out, key=KEY, user="A. Officer")
    given = export(run, overwrite=True)
    assert named.exported == given.exported == 1
    assert pl.read_csv(out)["address_line_1"].to_list() == ["1 Oak Road"]


def test_an_existing_export_is_not_overwritten_unless_asked(run):
    store, list_id, *_, out = run
    decide(store, list_id, ("P1", "contact", None))
    out.write_text("earlier export")
    with pytest.raises(UsageError, match="already exists"):
        export(run)
    assert export(run, overwrite=True).exported == 1


def test_a_broken_decision_chain_is_refused(run):
    store, list_id, *_ = run
    decide(store, list_id, ("P1", "defer", None))
    behind_its_back(store, "decisions_no_update", "UPDATE decisions SET decision = 'contact'")
    with pytest.raises(WorkbenchError, match="decision chain does not verify"):
        export(run)


LINK_NEEDS_REVIEW = {"D8"}
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["P1", "P4", "P6", "D8", "D9"]),
        st.sampled_from(["contact", "defer", "already_in_touch", "link_confirmed"]),
    ).filter(lambda step: step[1] != "link_confirmed" or step[0] in LINK_NEEDS_REVIEW),
    min_size=1,
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS)
def test_exported_children_are_exactly_those_a_person_last_decided_to_contact(steps):
    latest: dict[str, str] = {}
    confirmed: set[str] = set()
    for who, what in steps:
        if what == "link_confirmed":
            confirmed.add(who)
        else:
            latest[who] = what
    expected = {
        K[who]
        for who, what in latest.items()
        if what == "contact" and (who not in LINK_NEEDS_REVIEW or who in confirmed)
    }
    with tempfile.TemporaryDirectory() as folder:
        data, listed = write_run(Path(folder) / "run")
        with ReviewStore(Path(folder) / "review.sqlite") as store:
            list_id, _ = register_list_file(store, listed, KEY)
            decide(store, list_id, *[(who, what, None) for who, what in steps])
            out = Path(folder) / "o.csv"
            if not expected:  # no one to send: no file, no export of nobody
                with pytest.raises(NothingToSend) as refused:
                    export_outreach(store, listed, data, out, key=KEY, user="A. Officer")
                assert not out.exists() and store.outreach_exports().is_empty()
                result = refused.value.result
            else:
                result = export_outreach(store, listed, data, out, key=KEY, user="A. Officer")
            exported = (
                set() if not expected else set(pl.read_csv(out, infer_schema=False)["item_key"])
            )
    assert exported == expected
    assert result.held_back_unconfirmed_link == int(
        latest.get("D8") == "contact" and "D8" not in confirmed
    )


def test_an_export_into_a_new_folder_makes_it_owner_only(run):
    store, list_id, data, listed, out = run
    decide(store, list_id, ("P1", "contact", None))
    into = out.parent / "new" / "outreach.csv"
    result = export_outreach(store, listed, data, into, key=KEY, user="A. Officer")
    assert result.exported == 1 and into.exists()
    assert stat.S_IMODE(into.parent.stat().st_mode) == 0o700


def test_a_list_file_with_a_status_typed_into_it_is_not_registered(tmp_path: Path):
    # A status other than pending_review in the file would read as a decision nobody
    # recorded: the list is refused before anything is stored.
    _, listed = write_run(tmp_path / "run")
    text = listed.read_text().replace(
        "P4,,two_year_old,possible,,2026-09-01,false,pending_review",
        "P4,,two_year_old,possible,,2026-09-01,false,approved",
    )
    listed.write_text(text)
    with (
        ReviewStore(tmp_path / "review.sqlite") as store,
        pytest.raises(WorkbenchError, match=r"row 3, column 'review_status': 'approved', not"),
    ):
        register_list_file(store, listed, KEY)
    with ReviewStore(tmp_path / "review.sqlite") as store:
        assert store.lists().height == 0


# --- cautions: what to check before contacting the family -------------------------------------
def with_list_columns(listed: Path, columns: dict[str, dict[str, str]]) -> None:
    """Give the list file columns `assess` writes (`probable_person_id`,
    `funded_place_to_review`), each valued by the row's person_id or DWP record id."""
    frame = pl.read_csv(listed, infer_schema=False)
    who = pl.coalesce("person_id", "dwp_record_id")
    frame = frame.with_columns(
        who.replace_strict(values, default=None, return_dtype=pl.String).alias(name)
        for name, values in columns.items()
    )
    listed.write_text(frame.write_csv())


# The council's record of D8's child (Hana Irwin of the DWP list: born 2 February 2024, 8 Fir
# Close, FQ8 8HH), in another household, as the linkage proposed it.
def council_child(born: str, address: str, postcode: str) -> str:
    return (
        f"P8,H8,Hana,Irwin,{born},,{address},{postcode},child\n"
        f"P9,H8,Ida,Irwin,1992-07-07,,{address},{postcode},parent_carer\n"
    )


@pytest.fixture
def linked(tmp_path: Path, monkeypatch):
    """A run whose list proposes council child P8 as D8's match, registered; the council
    record's date of birth, address and postcode as the test gives them."""

    def make(council: str, columns: dict[str, dict[str, str]], rows: list[str] = LIST_ROWS):
        module = sys.modules[__name__]
        monkeypatch.setattr(module, "PEOPLE", PEOPLE + council)
        monkeypatch.setattr(module, "LIST_ROWS", rows)
        data, listed = write_run(tmp_path / "run")
        with_list_columns(listed, columns)
        store = ReviewStore(tmp_path / "review.sqlite", key=KEY)
        list_id, _ = register_list_file(store, listed, KEY)
        return store, list_id, data, listed, tmp_path / "run" / "outreach.csv"

    return make


PROPOSED = {"probable_person_id": {"D8": "P8"}}


def test_a_child_whose_funded_place_awaits_link_review_is_exported_with_a_caution(linked):
    run = linked("", {"funded_place_to_review": {"P4": "FP1;FP2"}})
    store, list_id, *_ = run
    decide(store, list_id, ("P1", "contact", None), ("P4", "contact", None))
    result = export(run)
    written = pl.read_csv(result.out, infer_schema=False)
    assert written.columns[-1] == "caution"
    assert written.select("person_id", "caution").rows() == [
        ("P1", None),
        ("P4", CAUTION_FUNDED_PLACE),
    ]
    assert CAUTION_FUNDED_PLACE == (
        "Check with the provider first: a funded place for the term may be this child's (its "
        "record link awaits review)"
    )
    assert (result.exported, result.caution_funded_place) == (2, 1)
    assert result.caution_confirmed_record_differs == 0
    text = result.sidecar.read_text()
    counts = json.loads(text)["counts"]
    assert (counts["caution_funded_place"], counts["caution_confirmed_record_differs"]) == (1, 0)
    assert "FP1" not in text
    # The caution is in each row's keyed digest: `assure` passes the export as written, and
    # finds a caution removed from the file.
    decisions = assure._decisions(store)
    assert assure._outreach_problems(result.out, decisions, KEY) == ([], [], [])
    result.out.write_text(result.out.read_text().replace(CAUTION_FUNDED_PLACE, ""))
    problems, *_ = assure._outreach_problems(result.out, decisions, KEY)
    assert len(problems) == 1 and " row 3" in problems[0]
    store.close()


@pytest.mark.parametrize(
    ("council", "caution"),
    [
        (
            council_child("2024-02-21", "8 Fir Close", "FQ8 8HH"),
            "Confirmed as the council's record of this child, whose date of birth differs: "
            "check which is current before contacting",
        ),
        (
            council_child("2024-02-21", "22 Cedar Dr", "FQ3 1ZA"),
            "Confirmed as the council's record of this child, whose date of birth, address and "
            "postcode differ: check which is current before contacting",
        ),
        (
            council_child("2024-02-02", "8 Fir Close", "FQ3 1ZA"),
            "Confirmed as the council's record of this child, whose postcode differs: check "
            "which is current before contacting",
        ),
        # Written otherwise, the same: no caution.
        (council_child("2024-02-02", "8 FIR CLOSE.", "fq8  8hh"), None),
    ],
)
def test_a_confirmed_link_to_a_council_record_that_differs_is_cautioned(linked, council, caution):
    run = linked(council, PROPOSED)
    store, list_id, *_ = run
    confirmed = decide(store, list_id, ("D8", "link_confirmed", None))[K["D8"]]
    decide(store, list_id, ("D8", "contact", None))
    result = export(run)
    written = pl.read_csv(result.out, infer_schema=False)
    # The DWP row's details, as the list row is the DWP row until `assess --store` links it.
    assert written.select(
        "person_id",
        "dwp_record_id",
        "child_date_of_birth",
        "address_line_1",
        "postcode",
        "parent_carers",
        "link_decision_id",
        "caution",
    ).rows() == [
        (
            None,
            "D8",
            "2024-02-02",
            "8 Fir Close",
            "FQ8 8HH",
            "Ida Irwin",
            confirmed.decision_id,
            caution,
        )
    ]
    # None of the council record's own values is copied into the file or the sidecar.
    text = result.out.read_text()
    for theirs in ("P8", "2024-02-21", "Cedar", "FQ3", "fq8"):
        assert theirs not in text
    sidecar = result.sidecar.read_text()
    for theirs in ("P8", "Hana", "2024-02", "Fir", "Cedar", "FQ3", "FQ8"):
        assert theirs not in sidecar
    differs = int(caution is not None)
    assert result.caution_confirmed_record_differs == differs
    assert json.loads(sidecar)["counts"]["caution_confirmed_record_differs"] == differs
    decisions = assure._decisions(store)
    assert assure._outreach_problems(result.out, decisions, KEY) == ([], [], [])
    store.close()


def test_a_link_rejected_or_unconfirmed_row_is_held_back_not_cautioned(linked):
    run = linked(council_child("2024-02-21", "22 Cedar Dr", "FQ3 1ZA"), PROPOSED)
    store, list_id, *_ = run
    decide(store, list_id, ("D8", "link_confirmed", None), ("D8", "contact", None))
    decide(store, list_id, ("D8", "link_rejected", "checked again: another child"))
    with pytest.raises(NothingToSend, match="1 held back until their DWP link is confirmed"):
        export(run)
    decide(store, list_id, ("D9", "contact", None))
    result = export(run)
    assert (result.exported, result.held_back_unconfirmed_link) == (1, 1)
    assert result.caution_confirmed_record_differs == 0
    store.close()


def test_a_confirmed_childs_own_funded_place_to_review_is_cautioned_on_the_dwp_row(linked):
    # The council's child (P8) is on the list too, with a funded place awaiting link review:
    # the DWP row confirmed as them carries that caution as well.
    row = "P8,,two_year_old,likely,looked_after,2026-04-01,false,pending_review,2027-04-01,,false"
    run = linked(
        council_child("2024-02-21", "8 Fir Close", "FQ8 8HH"),
        PROPOSED | {"funded_place_to_review": {"P8": "FP7"}},
        [*LIST_ROWS, row],
    )
    store, list_id, *_ = run
    decide(store, list_id, ("D8", "link_confirmed", None), ("D8", "contact", None))
    result = export(run)
    assert pl.read_csv(result.out, infer_schema=False)["caution"].to_list() == [
        f"{CAUTION_FUNDED_PLACE}; Confirmed as the council's record of this child, whose date "
        "of birth differs: check which is current before contacting"
    ]
    assert (result.caution_funded_place, result.caution_confirmed_record_differs) == (1, 1)
    store.close()


def test_a_proposed_match_changed_in_the_list_file_since_registration_is_refused(linked):
    run = linked(council_child("2024-02-21", "8 Fir Close", "FQ8 8HH"), PROPOSED)
    store, list_id, _, listed, out = run
    decide(store, list_id, ("D8", "link_confirmed", None), ("D8", "contact", None))
    # The caution would compare the DWP row with a child the decision was not about.
    with_list_columns(listed, {"probable_person_id": {"D8": "P1"}})
    with pytest.raises(WorkbenchError, match=r"proposed match \(probable_person_id\) is not"):
        export(run)
    assert not out.exists()
    store.close()


def test_the_command_says_how_many_rows_carry_a_caution(linked):
    store, list_id, data, listed, out = linked(
        council_child("2024-02-21", "8 Fir Close", "FQ8 8HH"),
        PROPOSED | {"funded_place_to_review": {"P1": "FP1"}},
    )
    with store:
        decide(store, list_id, ("P1", "contact", None), ("P4", "contact", None))
        decide(store, list_id, ("D8", "link_confirmed", None), ("D8", "contact", None))
    env = dict(os.environ, WORKBENCH_KEY=KEY.hex(), WORKBENCH_USER="A. Officer")
    said = workbench(
        *("review", "outreach", "--store", str(store.path), "--list", str(listed)),
        *("--data", str(data), "--out", str(out)),
        env=env,
    )
    assert said.returncode == 0, said.stderr
    assert " ".join(said.stdout.split()).startswith(
        f"List {list_id}: 3 of 5 children to contact, written to {out} (owner-only), each with "
        "the decision it rests on; read the `caution` column before contacting: 1 to check "
        "with the provider first (a funded place for the term may be the child's: its record "
        "link awaits review); 1 confirmed as a council record of the child with another date "
        "of birth, address or postcode (check which is current). Record of the export:"
    )


# --- each family sent once ----------------------------------------------------------------------


def test_a_second_export_sends_only_the_families_not_sent_before(run, tmp_path: Path):
    store, list_id, data, listed, _ = run
    decide(store, list_id, ("P1", "contact", None))
    first = export_outreach(store, listed, data, tmp_path / "week1.csv", key=KEY, user="A. Officer")
    assert first.exported == 1 and first.held_back_already_sent == 0
    decide(store, list_id, ("P4", "contact", None))
    second = export_outreach(
        store, listed, data, tmp_path / "week2.csv", key=KEY, user="A. Officer"
    )
    # P1's letter went out last week on the same decision: only P4 is sent now.
    assert pl.read_csv(second.out, infer_schema=False)["person_id"].to_list() == ["P4"]
    assert (second.exported, second.held_back_already_sent) == (1, 1)
    assert second.already_sent_on == store.outreach_exported()["exported_at"][0]
    assert json.loads(second.sidecar.read_text())["counts"]["held_back_already_sent"] == 1
    # The store records each export's rows: the item and the decision each acted on.
    exported = store.outreach_exported()
    assert exported.select("item_key", "file").rows() == [
        (K["P1"], str((tmp_path / "week1.csv").resolve())),
        (K["P4"], str((tmp_path / "week2.csv").resolve())),
    ]
    # A second officer's `contact` about P1 is no reason for a second letter: held back.
    decide(store, list_id, ("P1", "contact", "re-checked: still eligible"))
    with pytest.raises(NothingToSend) as nothing:
        export_outreach(store, listed, data, tmp_path / "week3.csv", key=KEY, user="Bo Birch")
    third = nothing.value.result
    assert (third.exported, third.held_back_already_sent) == (0, 2)
    assert not (tmp_path / "week3.csv").exists() and store.outreach_exports().height == 2
    # A reminder (or a family that moved) is sent on purpose.
    reminder = export_outreach(
        store, listed, data, tmp_path / "reminder.csv", key=KEY, user="A. Officer", again=True
    )
    assert (reminder.exported, reminder.held_back_already_sent) == (2, 0)


def test_an_export_replaced_by_overwrite_does_not_count_as_sent(run):
    store, list_id, *_ = run
    decide(store, list_id, ("P1", "contact", None))
    export(run)
    # The same file made again (it was not sent yet, or it must be remade): P1 is in it.
    assert export(run, overwrite=True).exported == 1
    assert export(run, overwrite=True).held_back_already_sent == 0


def test_a_failed_write_leaves_no_file_and_says_how_to_export_again(run, monkeypatch):
    store, list_id, *_, out = run
    decide(store, list_id, ("P1", "contact", None))

    def full(path, write):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outreach_files, "write_partial", full)
    with pytest.raises(WorkbenchError, match="Nothing was exported: once there is room, run"):
        export(run)
    assert not out.exists()
    assert partials(out) == []
    monkeypatch.undo()
    assert export(run, overwrite=True).exported == 1


def test_a_dwp_row_confirmed_as_a_child_with_a_row_of_their_own_is_sent_once(linked):
    # D8 is confirmed as council child P8, who is on the list too; both are decided `contact`.
    # One letter: P8's own row, with the council's details; D8's row is held back.
    row = "P8,,two_year_old,likely,looked_after,2026-04-01,false,pending_review,2027-04-01,,false"
    run = linked(council_child("2024-02-02", "8 Fir Close", "FQ8 8HH"), PROPOSED, [*LIST_ROWS, row])
    store, list_id, *_ = run
    decide(store, list_id, ("D8", "link_confirmed", None), ("D8", "contact", None))
    decide(store, list_id, ("P8", "contact", None))
    result = export(run)
    written = pl.read_csv(result.out, infer_schema=False)
    assert written.select("person_id", "dwp_record_id").rows() == [("P8", None)]
    assert (result.exported, result.held_back_same_child) == (1, 1)
    assert json.loads(result.sidecar.read_text())["counts"]["held_back_same_child"] == 1
    # Next week P8 counts as sent, and D8 stays held back: still one letter.
    with pytest.raises(NothingToSend) as nothing:
        export_outreach(
            store, run[3], run[2], run[4].with_name("later.csv"), key=KEY, user="A. Officer"
        )
    assert str(nothing.value) == (
        f"{run[3]}: nothing to send: none of the 2 children of list {list_id} decided "
        "`contact` can be sent now: 1 already sent by an earlier export of the offer, the last "
        f"by A. Officer on {long_time(store.outreach_exports()['exported_at'][0])} (its file: "
        f"{result.out.resolve()}); 1 DWP-list row(s) confirmed as a child whose own row on the "
        "list is the one sent (one letter per child). No file was written and no export "
        "recorded. To send them all again (a reminder), pass --again; --again-for ID sends "
        "again only the family named (a letter returned, a family that moved)"
    )
    later = nothing.value.result
    assert (later.exported, later.held_back_already_sent, later.held_back_same_child) == (0, 1, 1)
    assert not run[4].with_name("later.csv").exists()
    store.close()


def test_overwrite_counts_as_sent_every_export_but_the_file_it_replaces(run, tmp_path: Path):
    # An auditor's case: Carol's file is mailed and deleted; Dave's is written to the same
    # name; Erin's replaces Dave's with --overwrite. Carol's families were sent: not again.
    store, list_id, data, listed, _ = run
    contacts = tmp_path / "contacts.csv"

    def week(overwrite: bool = False):
        return export_outreach(
            store, listed, data, contacts, key=KEY, user="A. Officer", overwrite=overwrite
        )

    decide(store, list_id, ("P1", "contact", None))
    assert week().exported == 1
    contacts.unlink()
    sidecar_path(contacts).unlink()
    decide(store, list_id, ("P4", "contact", None))
    assert pl.read_csv(week().out, infer_schema=False)["person_id"].to_list() == ["P4"]
    decide(store, list_id, ("P6", "contact", None))
    erin = week(overwrite=True)
    assert pl.read_csv(erin.out, infer_schema=False)["person_id"].to_list() == ["P4", "P6"]
    assert erin.held_back_already_sent == 1


def test_a_family_sent_from_an_earlier_list_is_not_sent_again_from_a_rerun(run, tmp_path: Path):
    # A tester's case: P1 was sent from the list; the offer is assessed again, and an officer
    # decides `contact` on the re-run's list. No second letter, unless asked.
    store, list_id, *_ = run
    decide(store, list_id, ("P1", "contact", None))
    assert export(run).exported == 1
    rerun_data, rerun = write_run(tmp_path / "rerun", run_id="r-outreach0002")
    rerun_id, _ = register_list_file(store, rerun, KEY)
    decide(store, rerun_id, ("P1", "contact", None), ("P6", "contact", None))
    later = export_outreach(store, rerun, rerun_data, tmp_path / "o2.csv", key=KEY, user="Al Ash")
    assert pl.read_csv(later.out, infer_schema=False)["person_id"].to_list() == ["P6"]
    assert later.held_back_already_sent == 1


def test_a_child_the_list_shows_already_funded_is_exported_with_a_caution(linked):
    # Two testers' case: `contact` decided on a row whose already_funded is true went out with
    # an empty caution, inviting a family to take up a place they hold.
    rows = [LIST_ROWS[0].replace(",false,pending_review", ",true,pending_review"), *LIST_ROWS[1:]]
    run = linked("", {}, rows)
    store, list_id, *_ = run
    decide(store, list_id, ("P1", "contact", "offer the extra hours"), ("P6", "contact", None))
    result = export(run)
    written = pl.read_csv(result.out, infer_schema=False)
    assert written.select("person_id", "caution").rows() == [
        ("P1", CAUTION_ALREADY_FUNDED),
        ("P6", None),
    ]
    assert CAUTION_ALREADY_FUNDED == (
        "Already has a funded place for the term (the list's already_funded): check that the "
        "family still needs contacting"
    )
    assert result.caution_already_funded == 1
    assert json.loads(result.sidecar.read_text())["counts"]["caution_already_funded"] == 1
    decisions = assure._decisions(store)
    assert assure._outreach_problems(result.out, decisions, KEY) == ([], [], [])
    store.close()


@pytest.mark.parametrize("initiative", ["early_years_pupil_premium", "disability_access_fund"])
def test_a_place_an_offer_requires_is_no_already_funded_caution(tmp_path: Path, initiative):
    # A tester's case: every early years pupil premium and disability access fund child has
    # a funded place for the term, as the offer requires, so each row's already_funded is
    # true; each went out cautioned "Already has a funded place ... check that the family
    # still needs contacting", inviting an officer to drop a child owed the premium.
    data, listed = write_run(tmp_path / "run", run_id="r-outreach0004")
    text = listed.read_text().replace("two_year_old", initiative)
    listed.write_text(text.replace(",false,pending_review", ",true,pending_review"))
    manifest = listed.with_name(listed.name + ".manifest.json")
    document = json.loads(manifest.read_text())
    document["rule_set"] = RULE_SET.replace("two_year_old", initiative)
    document["parameters"]["initiative"] = initiative
    manifest.write_text(json.dumps(document))
    with ReviewStore(tmp_path / "review.sqlite", key=KEY) as store:
        list_id, _ = register_list_file(store, listed, KEY)
        decide(store, list_id, ("P1", "contact", None), ("P6", "contact", None))
        result = export_outreach(
            store, listed, data, tmp_path / "o.csv", key=KEY, user="A. Officer"
        )
    written = pl.read_csv(result.out, infer_schema=False)
    assert written.select("person_id", "child_forename", "decision", "caution").rows() == [
        ("P1", "Amy", "contact", None),
        ("P6", "Finn", "contact", None),
    ]
    assert result.caution_already_funded == 0
    assert json.loads(result.sidecar.read_text())["counts"]["caution_already_funded"] == 0


def test_the_outcome_funnel_counts_the_families_sent_not_the_decisions(run):
    # A tester's case: "contacted" counted latest `contact` decisions, so a family sent a
    # letter and decided otherwise since did not count, and one decided but held back did.
    from datetime import date

    from workbench.stats.outcomes import campaign_children

    store, list_id, _, listed, _ = run
    manifest = listed.with_name(listed.name + ".manifest.json")
    record = json.loads(manifest.read_text())
    record["parameters"]["term_start"] = "2026-09-01"
    manifest.write_text(json.dumps(record))
    decide(store, list_id, ("P1", "contact", None), ("P6", "contact", None))
    export(run)
    decide(store, list_id, ("P6", "not_eligible", "moved away after the letter"))
    decide(store, list_id, ("P4", "contact", None))  # decided, not sent yet
    none = pl.Series("item_key", [], dtype=pl.String)
    counted = campaign_children(store, [listed], KEY, none, date(2027, 1, 1))
    contacted = dict(counted.select("item_key", "contacted").iter_rows())
    assert (contacted[K["P1"]], contacted[K["P6"]], contacted[K["P4"]]) == (True, True, False)


@pytest.mark.parametrize(
    ("places_for", "cautioned"),
    [(None, True), ("2026-04-01", True), ("2026-09-01", False)],
    ids=["no_headcount", "another_terms_headcount", "the_terms_headcount"],
)
def test_a_list_made_before_the_terms_headcount_cautions_every_row(
    tmp_path: Path, places_for: str | None, cautioned: bool
):
    # A tester's case: a spring list made before the term's headcount came in showed every
    # child as not funded; 16 of the families written to very likely held a place.
    data, listed = write_run(tmp_path / "run")
    if places_for is not None:
        (data / "funded_places.csv").write_text(
            "record_id,child_forename,child_surname,child_date_of_birth,postcode,"
            "provider_id,term_start,hours_per_week,funding_stream\n"
            f"F1,Amy,Adams,2024-03-10,FQ1 1AA,EY1,{places_for},15,two_year_old\n"
        )
    manifest = listed.with_name(listed.name + ".manifest.json")
    record = json.loads(manifest.read_text())
    record["parameters"]["term_start"] = "2026-09-01"
    record["inputs"] = input_hashes(sorted(data.glob("*.csv")))
    manifest.write_text(json.dumps(record))
    with ReviewStore(tmp_path / "review.sqlite") as store:
        list_id, _ = register_list_file(store, listed, KEY)
        decide(store, list_id, ("P1", "contact", None), ("P6", "contact", None))
        result = export_outreach(store, listed, data, tmp_path / "o.csv", key=KEY, user="Al Ash")
    cautions = pl.read_csv(result.out, infer_schema=False)["caution"].to_list()
    assert cautions == [CAUTION_PLACES_NOT_KNOWN if cautioned else None] * 2
    assert result.caution_places_not_known == (2 if cautioned else 0)
    assert CAUTION_PLACES_NOT_KNOWN == (
        "Funded places for the term were not in the providers' headcount the list was made "
        "from, so already_funded cannot say: check with the provider first"
    )


def test_brothers_and_sisters_at_one_address_are_cautioned_as_one_family(linked):
    # A tester's case: twins both decided `contact` gave the family two letters. Both rows
    # stay (each child was decided about), each saying another child there is in the file.
    twin = "P8,H1,Ava,Adams,2024-03-10,,1 OAK ROAD.,fq1  1aa,child\n"
    row = (
        "P8,,two_year_old,likely,income_support,2026-04-01,false,pending_review,2027-04-01,"
        "income_support: award A1 of parent/carer P2,false"
    )
    run = linked(twin, {}, [*LIST_ROWS, row])
    store, list_id, *_ = run
    decide(store, list_id, *((who, "contact", None) for who in ("P1", "P6", "P8")))
    result = export(run)
    written = pl.read_csv(result.out, infer_schema=False)
    assert written.select("person_id", "caution").rows() == [
        ("P1", CAUTION_SAME_ADDRESS),
        ("P6", None),
        ("P8", CAUTION_SAME_ADDRESS),
    ]
    assert result.caution_same_address == 2
    store.close()


def test_a_headcount_that_came_in_after_the_list_cautions_and_does_not_stop_outreach(tmp_path):
    # The providers' headcount added to the folder after `assess`: the list could not know of
    # it, so its rows are cautioned, and outreach still runs (only the people file and the DWP
    # list it reads contact details from must be the list's own).
    data, listed = write_run(tmp_path / "run")
    manifest = listed.with_name(listed.name + ".manifest.json")
    record = json.loads(manifest.read_text())
    record["parameters"]["term_start"] = "2026-09-01"
    manifest.write_text(json.dumps(record))
    (data / "funded_places.csv").write_text(
        "record_id,child_forename,child_surname,child_date_of_birth,postcode,"
        "provider_id,term_start,hours_per_week,funding_stream\n"
        "F1,Amy,Adams,2024-03-10,FQ1 1AA,EY1,2026-09-01,15,two_year_old\n"
    )
    with ReviewStore(tmp_path / "review.sqlite") as store:
        list_id, _ = register_list_file(store, listed, KEY)
        decide(store, list_id, ("P1", "contact", None))
        result = export_outreach(store, listed, data, tmp_path / "o.csv", key=KEY, user="Al Ash")
    assert pl.read_csv(result.out, infer_schema=False)["caution"].to_list() == [
        CAUTION_PLACES_NOT_KNOWN
    ]


# --- a process stopped part-way -------------------------------------------------------------
# The store records an export only once its CSV and sidecar are complete on disk, as hidden
# partial files beside `out`; then they are renamed into place. A process killed (SIGKILL, the
# machine losing power) between any two steps leaves what the next export to `out` finishes or
# removes. A KeyboardInterrupt raised at a step stands in for the kill: nothing after it runs.
REAL_RECORD = ReviewStore.record_outreach_export


def killed_after_recording(self, *args, **kwargs):
    REAL_RECORD(self, *args, **kwargs)
    raise KeyboardInterrupt


def killed_before_recording(self, *args, **kwargs):
    raise KeyboardInterrupt


def partials(out: Path) -> list[Path]:
    return [p for p in (partial_of(out), partial_of(sidecar_path(out))) if p.exists()]


def partial_of(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial")


def test_an_export_killed_after_it_was_recorded_is_finished_by_running_it_again(run, monkeypatch):
    # The tester's case: killed after the store recorded the export, before its file was
    # written; the retry wrote "0 of 5 children to contact ... held back: already sent".
    store, list_id, _, _, out = run
    decided = decide(store, list_id, ("P1", "contact", None), ("P4", "contact", None))
    monkeypatch.setattr(ReviewStore, "record_outreach_export", killed_after_recording)
    with pytest.raises(KeyboardInterrupt):
        export(run)
    monkeypatch.undo()
    assert not out.exists() and not sidecar_path(out).exists()
    assert partials(out) == [partial_of(out), partial_of(sidecar_path(out))]
    assert stat.S_IMODE(partial_of(out).stat().st_mode) == 0o600
    recorded = store.outreach_exports()
    assert recorded.select("export_seq", "row_count").rows() == [(1, 2)]

    finished = export(run)
    assert (finished.finished_export, finished.interrupted_on) == (1, recorded["exported_at"][0])
    assert (finished.exported, finished.out, finished.removed_partials) == (2, out, ())
    written = pl.read_csv(out, infer_schema=False)
    assert written.select("person_id", "decision_id").rows() == [
        ("P1", decided[K["P1"]].decision_id),
        ("P4", decided[K["P4"]].decision_id),
    ]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(sidecar_path(out).read_text())["row_digests"] == row_digests(written, KEY)
    assert partials(out) == []
    assert store.outreach_exports().height == 1  # finished, not exported again
    # The families are sent now: the next export holds them back, and writes nothing.
    with pytest.raises(NothingToSend, match=r"^.*: nothing new to send since the last export: "):
        export_outreach(store, run[3], run[2], out.with_name("later.csv"), key=KEY, user="Al Ash")
    assert store.outreach_exports().height == 1 and not out.with_name("later.csv").exists()


def test_an_overwrite_killed_between_its_sidecar_and_its_file_is_finished(run, monkeypatch):
    # With --overwrite the earlier file is still there when the new sidecar is put in place.
    store, list_id, _, _, out = run
    decide(store, list_id, ("P1", "contact", None))
    export(run)
    decide(store, list_id, ("P4", "contact", None))
    real_replace = os.replace

    def replace(source, target, *args, **kwargs):
        if Path(target) == out:
            raise KeyboardInterrupt
        real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        export(run, overwrite=True)
    monkeypatch.undo()
    assert pl.read_csv(out, infer_schema=False)["person_id"].to_list() == ["P1"]  # the old
    assert partials(out) == [partial_of(out)]
    # The same export again, even without --overwrite, puts the new file in place.
    finished = export(run)
    assert (finished.finished_export, finished.exported) == (2, 2)
    written = pl.read_csv(out, infer_schema=False)
    assert written["person_id"].to_list() == ["P1", "P4"]
    assert json.loads(sidecar_path(out).read_text())["row_digests"] == row_digests(written, KEY)
    assert partials(out) == []


def test_another_export_of_the_offer_is_refused_while_one_is_interrupted(run, monkeypatch):
    store, list_id, data, listed, out = run
    decide(store, list_id, ("P1", "contact", None))
    monkeypatch.setattr(ReviewStore, "record_outreach_export", killed_after_recording)
    with pytest.raises(KeyboardInterrupt):
        export(run)
    monkeypatch.undo()
    at = store.outreach_exports()["exported_at"][0]
    other = out.with_name("other.csv")
    with pytest.raises(WorkbenchError) as refused:
        export_outreach(store, listed, data, other, key=KEY, user="Al Ash")
    assert str(refused.value) == (
        f"{out.resolve()}: export 1 of list {list_id} to {out.resolve()}, interrupted on "
        f"{long_time(at)} before its file was written: the store counts its 1 "
        "families as sent, but no file holds them; finish it first: run `workbench review "
        f"outreach` again with --out {out.resolve()} (and the list of {list_id} it was made "
        "from), which puts its file in place"
    )
    assert re.search(
        r"interrupted on \d{1,2} [A-Z][a-z]+ 20\d\d at \d\d:\d\d UTC before", str(refused.value)
    )
    assert not other.exists() and store.outreach_exports().height == 1


def test_assure_fails_an_interrupted_export_and_names_the_fix(run, monkeypatch):
    store, list_id, _, _, out = run
    decide(store, list_id, ("P1", "contact", None))
    monkeypatch.setattr(ReviewStore, "record_outreach_export", killed_after_recording)
    with pytest.raises(KeyboardInterrupt):
        export(run)
    monkeypatch.undo()
    at = store.outreach_exports()["exported_at"][0]
    report = assure.assure([out.parent], store=store.path, key=KEY)
    check = report.check(assure.OUTREACH_TRACED)
    assert not check.ok
    assert check.detail == (
        f"{out.resolve()}: export 1 of list {list_id} to {out.resolve()}, interrupted on "
        f"{long_time(at)} before its file was written: the store counts its 1 "
        "families as sent, but no file holds them (its rows are in .outreach.csv.partial "
        "beside it); finish it first: run `workbench review outreach` again with --out "
        f"{out.resolve()} (and the list of {list_id} it was made from), which puts its file in "
        "place"
    )
    export(run)  # finished: assure passes
    check = assure.assure([out.parent], store=store.path, key=KEY).check(assure.OUTREACH_TRACED)
    assert check.ok, check.detail


def test_a_partial_file_that_is_not_the_recorded_export_is_refused(run, monkeypatch):
    store, list_id, _, _, out = run
    decide(store, list_id, ("P1", "contact", None), ("P4", "contact", None))
    monkeypatch.setattr(ReviewStore, "record_outreach_export", killed_after_recording)
    with pytest.raises(KeyboardInterrupt):
        export(run)
    monkeypatch.undo()
    partial = partial_of(out)
    rows = partial.read_text().splitlines()
    partial.write_text("\n".join(rows[:2]) + "\n")  # P4's row gone
    with pytest.raises(WorkbenchError, match="is not that export: its rows are not the 2"):
        export(run)
    assert not out.exists()
    check = assure.assure([out.parent], store=store.path, key=KEY).check(assure.OUTREACH_TRACED)
    assert not check.ok
    assert check.detail.startswith(f"{partial.resolve()}: is left from export 1 of list")


def test_an_interrupted_export_whose_rows_retention_removed_names_the_day(run, monkeypatch):
    store, list_id, *_ = run
    decide(store, list_id, ("P1", "contact", None))
    monkeypatch.setattr(ReviewStore, "record_outreach_export", killed_after_recording)
    with pytest.raises(KeyboardInterrupt):
        export(run)
    monkeypatch.undo()
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    store.apply_retention(tomorrow, tomorrow, user="R. Keeper")
    removed = store.outreach_exports()["rows_removed_at"][0]
    [stopped] = interrupted_exports(store, KEY)
    day = long_date(date.fromisoformat(removed[:10]))
    assert stopped.problem == f"the store's rows of export 1 were removed by retention on {day}"
    assert re.search(r" on \d{1,2} [A-Z][a-z]+ 20\d\d$", stopped.problem)


def test_a_partial_file_left_before_the_export_was_recorded_is_removed(run, monkeypatch):
    store, list_id, _, _, out = run
    decide(store, list_id, ("P1", "contact", None))
    monkeypatch.setattr(ReviewStore, "record_outreach_export", killed_before_recording)
    with pytest.raises(KeyboardInterrupt):
        export(run)
    monkeypatch.undo()
    assert partials(out) == [partial_of(out), partial_of(sidecar_path(out))]
    assert store.outreach_exports().is_empty()
    check = assure.assure([out.parent], store=store.path, key=KEY).check(assure.OUTREACH_TRACED)
    assert (check.ok, check.detail) == (
        False,
        f"{partial_of(out)}: the partial file of an outreach export that stopped before the "
        "store recorded it: nothing was sent from it, but it holds names and addresses: remove "
        "it (the next export to the same file does)",
    )
    result = export(run)
    assert result.removed_partials == (partial_of(out), partial_of(sidecar_path(out)))
    assert (result.finished_export, result.exported) == (None, 1)
    assert pl.read_csv(out, infer_schema=False)["person_id"].to_list() == ["P1"]
    assert partials(out) == [] and store.outreach_exports().height == 1


def test_an_export_whose_file_cannot_be_put_in_place_is_voided(run, monkeypatch):
    store, list_id, *_, out = run
    decide(store, list_id, ("P1", "contact", None))
    real_replace = os.replace

    def replace(source, target, *args, **kwargs):
        if Path(target) == out:
            raise OSError(5, "Input/output error")
        real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(WorkbenchError, match="Nothing was exported: once there is room, run"):
        export(run)
    monkeypatch.undo()
    assert not out.exists() and not sidecar_path(out).exists() and partials(out) == []
    assert export(run).exported == 1  # the voided export counts as not sent


def test_the_command_finishes_an_export_killed_after_it_was_recorded(tmp_path: Path):
    # A real kill: the process ends (os._exit) the moment the store has recorded the export.
    data, listed = write_run(tmp_path / "run")
    store_path = tmp_path / "store" / "review.sqlite"
    with ReviewStore(store_path, key=KEY) as store:
        list_id, _ = register_list_file(store, listed, KEY)
        decide(store, list_id, ("P1", "contact", None), ("D9", "contact", None))
    out = tmp_path / "o.csv"
    env = dict(os.environ, WORKBENCH_KEY=KEY.hex(), WORKBENCH_USER="A. Officer")
    command = (
        *("review", "outreach", "--store", str(store_path), "--list", str(listed)),
        *("--data", str(data), "--out", str(out)),
    )
    killer = (
        "import os, sys\n"
        "from workbench.review.store import ReviewStore\n"
        "real = ReviewStore.record_outreach_export\n"
        "def record(self, *args, **kwargs):\n"
        "    real(self, *args, **kwargs)\n"
        "    os._exit(137)\n"
        "ReviewStore.record_outreach_export = record\n"
        "from workbench._entry import main\n"
        f"sys.argv = ['workbench', '--quiet', *{list(command)!r}]\n"
        "main()\n"
    )
    killed = subprocess.run([sys.executable, "-c", killer], env=env, capture_output=True)
    assert killed.returncode == 137, killed.stderr
    assert not out.exists() and partials(out)
    with ReviewStore(store_path, key=KEY) as store:
        at = store.outreach_exports()["exported_at"][0]
    said = workbench(*command, env=env)
    assert said.returncode == 0, said.stderr
    assert " ".join(said.stdout.split()) == (
        f"Export 1 to {out}, interrupted on {long_time(at)} before its file was "
        f"written, is now written: it holds 2 families (list {list_id}), as the export made them "
        "then, owner-only; read its `caution` column before contacting. Record of the export: "
        f"{sidecar_path(out)}."
    )
    assert pl.read_csv(out, infer_schema=False)["dwp_record_id"].to_list() == [None, "D9"]


# --- sending chosen families again -----------------------------------------------------------
def test_again_for_sends_the_named_families_again_with_a_caution(run, tmp_path: Path):
    store, list_id, data, listed, _ = run
    decide(store, list_id, *((who, "contact", None) for who in ("P1", "P4", "D9")))
    first = export_outreach(store, listed, data, tmp_path / "week1.csv", key=KEY, user="Al Ash")
    assert first.exported == 3 and first.caution_sent_before == 0
    at = store.outreach_exports()["exported_at"][0]
    # P4's letter came back (the family moved) and D9's needs a reminder: only they go again.
    again = export_outreach(
        store, listed, data, tmp_path / "week2.csv", key=KEY, user="Al Ash", again_for=["P4", "D9"]
    )
    written = pl.read_csv(again.out, infer_schema=False)
    caution = sent_before_caution(at)
    assert written.select("person_id", "dwp_record_id", "caution").rows() == [
        ("P4", None, caution),
        (None, "D9", caution),
    ]
    assert caution.startswith(f"Sent before on {long_date(date.fromisoformat(at[:10]))} (an")
    assert (again.exported, again.held_back_already_sent, again.caution_sent_before) == (2, 1, 2)
    assert again.again_for_not_held == ()
    assert json.loads(again.sidecar.read_text())["counts"]["caution_sent_before"] == 2
    # --again sends every family again, each cautioned with the day it was last sent.
    later = store.outreach_exports()["exported_at"][1]
    everyone = export_outreach(
        store, listed, data, tmp_path / "week3.csv", key=KEY, user="Al Ash", again=True
    )
    assert pl.read_csv(everyone.out, infer_schema=False).select("person_id", "caution").rows() == [
        ("P1", sent_before_caution(at)),
        ("P4", sent_before_caution(later)),
        (None, sent_before_caution(later)),
    ]
    # An id naming a child not held back as sent changes nothing, and says so.
    decide(store, list_id, ("P6", "contact", None))
    named = export_outreach(
        store, listed, data, tmp_path / "week4.csv", key=KEY, user="Al Ash", again_for=["P6", "D8"]
    )
    assert pl.read_csv(named.out, infer_schema=False)["person_id"].to_list() == ["P6"]
    assert named.again_for_not_held == ("D8", "P6")
    assert named.caution_sent_before == 0


def test_again_for_an_id_not_on_the_list_is_refused_and_nothing_written(run):
    store, list_id, *_, out = run
    decide(store, list_id, ("P1", "contact", None))
    with pytest.raises(UsageError) as refused:
        export(run, again_for=["P1", "P99"])
    assert str(refused.value) == (
        "again_for names P99, which no row of two_year_old.csv has as its person_id or "
        "dwp_record_id; give the ids as the list has them"
    )
    assert refused.value.for_flag().startswith("--again-for names P99")
    assert not out.exists() and store.outreach_exports().is_empty()


def moved_rerun(tmp_path: Path, monkeypatch) -> tuple[Path, Path, Path, Path]:
    """The store, a run and its re-run, in which P1's family moved (to 5 New Street): P1 and P4
    decided `contact` on both and sent from the first (its export is week1.csv); P6 decided
    `contact` on the re-run only, so that the re-run has a family to send."""
    data, listed = write_run(tmp_path / "run")
    monkeypatch.setattr(
        sys.modules[__name__],
        "PEOPLE",
        PEOPLE.replace("1 Oak Road,FQ1 1AA", "5 New Street,FQ5 5EE"),
    )
    rerun_data, rerun = write_run(tmp_path / "rerun", run_id="r-outreach0002")
    store_path = tmp_path / "store" / "review.sqlite"
    with ReviewStore(store_path, key=KEY) as store:
        list_id, _ = register_list_file(store, listed, KEY)
        rerun_id, _ = register_list_file(store, rerun, KEY)
        decide(store, list_id, ("P1", "contact", None), ("P4", "contact", None))
        export_outreach(store, listed, data, tmp_path / "week1.csv", key=KEY, user="Al Ash")
        decide(store, rerun_id, *((who, "contact", None) for who in ("P1", "P4", "P6")))
    return store_path, rerun_data, rerun, tmp_path / "week1.csv"


def test_a_family_held_back_as_sent_whose_address_changed_is_named(tmp_path, monkeypatch):
    store_path, data, rerun, week1 = moved_rerun(tmp_path, monkeypatch)
    with ReviewStore(store_path, key=KEY) as store:
        result = export_outreach(store, rerun, data, tmp_path / "week2.csv", key=KEY, user="Al Ash")
        assert (result.exported, result.held_back_already_sent) == (1, 2)
        assert result.held_back_moved == (("P1", "address and postcode"),)
        assert result.held_back_not_compared == 0
        # Next week nothing is new, and the refusal names the family that moved.
        with pytest.raises(NothingToSend) as nothing:
            export_outreach(store, rerun, data, tmp_path / "week3.csv", key=KEY, user="Bo Birch")
        last = store.outreach_exports().row(-1, named=True)
        assert str(nothing.value) == (
            f"{rerun}: nothing new to send since the last export: all 3 children of list "
            f"{last['list_id']} decided `contact` were already sent by 2 earlier exports of the "
            f"offer, the last by Al Ash on {long_time(last['exported_at'])} (its file: "
            f"{(tmp_path / 'week2.csv').resolve()}). No file was written and no export "
            "recorded. 1 of those already sent has another address now than the one the "
            "earlier export wrote: P1 (address and postcode); to send them all again (a "
            "reminder), pass --again; --again-for ID sends again only the family named (a "
            "letter returned, a family that moved)"
        )
        assert nothing.value.result.held_back_moved == (("P1", "address and postcode"),)
        # The first export's file deleted: what was sent cannot be compared, and is counted.
        week1.unlink()
        with pytest.raises(NothingToSend) as gone:
            export_outreach(store, rerun, data, tmp_path / "week3.csv", key=KEY, user="Al Ash")
        assert (gone.value.result.held_back_moved, gone.value.result.held_back_not_compared) == (
            (),
            2,
        )
        assert str(gone.value).endswith(
            "No file was written and no export recorded. 2 of those already sent could not be "
            "compared with the address they were sent to (that export's file is gone); to send "
            "them all again (a reminder), pass --again; --again-for ID sends again only the "
            "family named (a letter returned, a family that moved)"
        )
        assert store.outreach_exports().height == 2 and not (tmp_path / "week3.csv").exists()


def test_the_command_names_families_that_moved_since_sent_and_sends_them_again(
    tmp_path, monkeypatch
):
    store_path, data, rerun, _ = moved_rerun(tmp_path, monkeypatch)
    env = dict(os.environ, WORKBENCH_KEY=KEY.hex(), WORKBENCH_USER="A. Officer")
    command = (
        *("review", "outreach", "--store", str(store_path), "--list", str(rerun)),
        *("--data", str(data)),
    )
    said = workbench(*command, "--out", str(tmp_path / "week2.csv"), env=env)
    assert said.returncode == 0, said.stderr
    text = " ".join(said.stdout.split())
    with ReviewStore(store_path, key=KEY) as store:
        sent = str(store.outreach_exported()["exported_at"][0])  # week1's, which sent them
    assert (
        "; 2 held back: already sent by an earlier export of the offer (the last on "
        f"{long_time(sent)}); " in text
    )
    assert re.search(r"\(the last on \d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2} UTC\)", text)
    assert text.endswith(
        "--again sends them again, --again-for ID the family named; 1 of those held back as "
        "already sent has another address now than the one the earlier export wrote: P1 "
        "(address and postcode) (--again-for ID sends them again). Record of the export: "
        f"{tmp_path / 'week2.csv.outreach.json'}."
    )
    out = tmp_path / "week3.csv"
    said = workbench(*command, "--out", str(out), "--again-for", "P1", env=env)
    assert said.returncode == 0, said.stderr
    written = pl.read_csv(out, infer_schema=False)
    assert written.select("person_id", "address_line_1").rows() == [("P1", "5 New Street")]
    assert written["caution"][0].startswith("Sent before on ")
    assert (
        "; read the `caution` column before contacting: 1 sent before, sent again on purpose; "
        "2 held back: already sent"
    ) in " ".join(said.stdout.split())


def test_an_export_by_a_user_naming_no_one_is_refused_and_nothing_written_or_logged(run):
    """`user="admin"` from Python is refused as `WORKBENCH_USER=admin` is, saying why, before
    the file, its sidecar, the store's record of the export or its log line is written."""
    store, list_id, data, listed, out = run
    decide(store, list_id, ("P1", "contact", None))
    logged = store.access_log().height
    with pytest.raises(WorkbenchError) as refused:
        export_outreach(store, listed, data, out, key=KEY, user="admin")
    assert str(refused.value) == (
        "export_outreach: user 'admin' is not a person's name (it is a role word), and the "
        "access log and the store record it as who did it: give your own name as colleagues "
        'know it, e.g. user="A. Officer", or leave user unset to record WORKBENCH_USER, else '
        "the login name"
    )
    assert not out.exists() and not outreach_files.sidecar_path(out).exists()
    assert store.outreach_exports().height == 0 and store.access_log().height == logged


# --- nothing to send: no file, no export of nobody ---------------------------------------------


def outreach_command(store_path: Path, listed: Path, data: Path, out: Path, *more: str):
    env = dict(os.environ, WORKBENCH_KEY=KEY.hex(), WORKBENCH_USER="A. Officer")
    return workbench(
        *("review", "outreach", "--store", str(store_path), "--list", str(listed)),
        *("--data", str(data), "--out", str(out), *more),
        env=env,
    )


def test_a_second_run_with_every_family_already_sent_writes_nothing_and_records_nothing(tmp_path):
    # The tester's case: every family decided `contact` was sent last week; the command run
    # again wrote a header-only file and recorded an export of nobody, which an officer might
    # mail-merge and the audit trail showed as an export.
    data, listed = write_run(tmp_path / "run")
    store_path = tmp_path / "store" / "review.sqlite"
    with ReviewStore(store_path, key=KEY) as store:
        list_id, _ = register_list_file(store, listed, KEY)
        decided = decide(store, list_id, ("P1", "contact", None), ("D9", "contact", None))
        decide(store, list_id, ("P4", "defer", None))
    week1 = tmp_path / "out" / "week1.csv"
    first = outreach_command(store_path, listed, data, week1)
    # The first run writes exactly as before.
    assert (first.returncode, first.stderr) == (0, "")
    assert " ".join(first.stdout.split()) == (
        f"List {list_id}: 2 of 5 children to contact, written to {week1} (owner-only), each "
        f"with the decision it rests on. Record of the export: {sidecar_path(week1)}."
    )
    written = pl.read_csv(week1, infer_schema=False)
    assert written.select("person_id", "dwp_record_id", "decision_id").rows() == [
        ("P1", None, decided[K["P1"]].decision_id),
        (None, "D9", decided[K["D9"]].decision_id),
    ]
    sent_file = week1.read_bytes(), sidecar_path(week1).read_bytes()
    with ReviewStore(store_path, key=KEY) as store:
        exports = store.outreach_exports()
        logged = store.access_log().height
    assert exports.select("export_seq", "row_count", "exported_by").rows() == [(1, 2, "A. Officer")]

    week2 = tmp_path / "out" / "week2.csv"
    second = outreach_command(store_path, listed, data, week2)
    assert (second.returncode, second.stdout) == (1, "")
    assert second.stderr == (
        f"error: {listed}: nothing new to send since the last export: all 2 children of list "
        f"{list_id} decided `contact` were already sent by an earlier export of the offer, the "
        f"last by A. Officer on {long_time(exports['exported_at'][0])} (its file: "
        f"{week1.resolve()}). No file was written and no export recorded. To send them all "
        "again (a reminder), pass --again; --again-for ID sends again only the family named (a "
        "letter returned, a family that moved)\n"
    )
    assert not week2.exists() and not sidecar_path(week2).exists()
    assert sorted(p.name for p in week2.parent.iterdir()) == [
        "week1.csv",
        "week1.csv.outreach.json",
    ]
    assert (week1.read_bytes(), sidecar_path(week1).read_bytes()) == sent_file
    with ReviewStore(store_path, key=KEY) as store:
        assert store.outreach_exports().equals(exports)  # no export row of nobody
        assert store.access_log().height == logged  # nor a log line of an export

    # --again, as the message says, sends them all again.
    again = outreach_command(store_path, listed, data, week2, "--again")
    assert again.returncode == 0, again.stderr
    assert pl.read_csv(week2, infer_schema=False)["person_id"].to_list() == ["P1", None]


def test_the_only_family_already_sent_is_named_as_the_only_child(run):
    store, list_id, data, listed, out = run
    decide(store, list_id, ("P1", "contact", None))
    export(run)
    made = store.outreach_exports().row(0, named=True)
    # --again-for a child never sent changes nothing, and is said to.
    with pytest.raises(NothingToSend) as nothing:
        export_outreach(
            store, listed, data, out.with_name("o2.csv"), key=KEY, user="Bo Birch", again_for=["P4"]
        )
    assert str(nothing.value) == (
        f"{listed}: nothing new to send since the last export: the only child of list "
        f"{list_id} decided `contact` was already sent by an earlier export of the offer, the "
        f"last by A. Officer on {long_time(made['exported_at'])} (its file: {out.resolve()}). "
        "No file was written and no export recorded. --again-for P4: not held back as already "
        "sent (never sent, or not to be contacted), so it changed nothing for them; to send "
        "them all again (a reminder), pass --again; --again-for ID sends again only the family "
        "named (a letter returned, a family that moved)"
    )
    error = nothing.value
    assert (error.last_sent_on, error.last_sent_by, error.last_sent_file) == (
        made["exported_at"],
        "A. Officer",
        out.resolve(),
    )
    assert (error.result.exported, error.result.held_back_already_sent) == (0, 1)
    assert error.result.again_for_not_held == ("P4",)
    assert not out.with_name("o2.csv").exists() and store.outreach_exports().height == 1


def test_a_first_run_with_no_family_decided_contact_writes_nothing_and_records_nothing(tmp_path):
    data, listed = write_run(tmp_path / "run")
    store_path = tmp_path / "store" / "review.sqlite"
    with ReviewStore(store_path, key=KEY) as store:
        list_id, _ = register_list_file(store, listed, KEY)
        decide(store, list_id, ("P1", "defer", None), ("P4", "not_eligible", "income too high"))
        decide(store, list_id, ("P6", "defer", None), ("D8", "link_confirmed", None))
        logged = store.access_log().height
    out = tmp_path / "out" / "contacts.csv"
    done = outreach_command(store_path, listed, data, out)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"error: {listed}: nothing to send: no child of list {list_id} has `contact` as their "
        "latest outcome decision (3 of its 5 children have one: 2 `defer`, 1 `not_eligible`). "
        "No file was written and no export recorded: outreach sends only the families a "
        "person decided to contact; record `contact` decisions first\n"
    )
    assert not out.exists() and not sidecar_path(out).exists()
    with ReviewStore(store_path, key=KEY) as store:
        assert store.outreach_exports().is_empty() and store.outreach_exported().is_empty()
        assert store.access_log().height == logged


def test_no_outcome_decision_yet_says_only_link_decisions_were_recorded(run):
    store, list_id, _, listed, out = run
    decide(store, list_id, ("D8", "link_confirmed", None))
    with pytest.raises(NothingToSend) as nothing:
        export(run)
    assert str(nothing.value) == (
        f"{listed}: nothing to send: no child of list {list_id} has `contact` as their latest "
        "outcome decision (none of its 5 children has one yet, only record-link decisions). "
        "No file was written and no export recorded: outreach sends only the families a person "
        "decided to contact; record `contact` decisions first"
    )
    assert (nothing.value.result.listed, nothing.value.result.decided) == (5, 0)
    assert not out.exists() and store.outreach_exports().is_empty()


def test_nothing_to_send_with_overwrite_leaves_the_file_there_as_it_was(run):
    store, list_id, *_, out = run
    decide(store, list_id, ("P1", "defer", None))
    out.write_text("an officer's own notes\n")
    with pytest.raises(NothingToSend) as nothing:
        export(run, overwrite=True)
    assert (
        f"No file was written and no export recorded ({out}, already there, was left as it "
        "was): outreach sends only"
    ) in str(nothing.value)
    assert out.read_text() == "an officer's own notes\n"
    assert not sidecar_path(out).exists() and store.outreach_exports().is_empty()


def test_a_mix_of_reasons_is_each_counted_when_nothing_can_be_sent(run, tmp_path: Path):
    store, list_id, data, listed, out = run
    _, rerun = write_run(tmp_path / "rerun", run_id="r-outreach0002")
    rerun_id, _ = register_list_file(store, rerun, KEY)
    decide(store, list_id, ("P1", "contact", None), ("P6", "contact", None))
    export(run)
    decide(store, list_id, ("D8", "contact", None), ("P4", "contact", None))
    decide(store, rerun_id, ("P4", "not_eligible", "moved out of the area"))
    made = store.outreach_exports().row(0, named=True)
    with pytest.raises(NothingToSend) as nothing:
        export_outreach(store, listed, data, tmp_path / "o2.csv", key=KEY, user="Al Ash")
    assert str(nothing.value) == (
        f"{listed}: nothing to send: none of the 4 children of list {list_id} decided "
        "`contact` can be sent now: 2 already sent by an earlier export of the offer, the last "
        f"by A. Officer on {long_time(made['exported_at'])} (its file: {out.resolve()}); 1 held "
        "back until their DWP link is confirmed (`link_confirmed`); 1 decided again since on "
        f"list(s) {rerun_id} of this initiative, where the later decision stands (export from "
        "that list if it says `contact`). No file was written and no export recorded. To send "
        "them all again (a reminder), pass --again; --again-for ID sends again only the family "
        "named (a letter returned, a family that moved)"
    )
    result = nothing.value.result
    assert (
        result.held_back_already_sent,
        result.held_back_unconfirmed_link,
        result.held_back_later_decision,
        result.superseded_by,
    ) == (2, 1, 1, (rerun_id,))
    assert store.outreach_exports().height == 1


def test_an_outreach_file_other_than_csv_or_one_already_there_is_a_wrong_command_line(tmp_path):
    # Outreach writes CSV only (a mail-merge reads it); an Excel name is refused before
    # anything is read, as is a file already there without --overwrite: exit 2, as for any
    # output the command line gets wrong.
    data, listed = write_run(tmp_path / "run")
    store_path = tmp_path / "store" / "review.sqlite"
    with ReviewStore(store_path, key=KEY) as store:
        list_id, _ = register_list_file(store, listed, KEY)
        decide(store, list_id, ("P1", "contact", None))
    out = tmp_path / "run" / "outreach.csv"
    xlsx = out.with_suffix(".xlsx")
    done = outreach_command(store_path, listed, data, xlsx)
    assert (done.returncode, done.stderr) == (
        2,
        "error: --out must end in .csv; got 'outreach.xlsx'\n",
    )
    assert not xlsx.exists()
    out.write_text("earlier\n")
    done = outreach_command(store_path, listed, data, out)
    assert (done.returncode, done.stderr) == (
        2,
        f"error: {out} already exists; choose another name, or pass --overwrite to replace it\n",
    )
    assert out.read_text() == "earlier\n"
    # An earlier export's sidecar alone (its file sent, then deleted) is not written over.
    out.unlink()
    sidecar = out.with_name("outreach.csv.outreach.json")
    sidecar.write_text("{}")
    done = outreach_command(store_path, listed, data, out)
    assert (done.returncode, done.stderr) == (
        2,
        f"error: {sidecar} already exists (the record of an earlier export to outreach.csv, "
        "whose file is gone); choose another name, or pass --overwrite to replace it\n",
    )
    assert (sidecar.read_text(), out.exists()) == ("{}", False)
    with ReviewStore(store_path, key=KEY) as reopened:
        assert reopened.outreach_exports().is_empty()


def test_a_free_school_meals_export_keeps_the_groups_apart_after_the_columns_as_before(
    tmp_path: Path,
):
    # A tester's case: the free school meals file had no group, so a mail-merge could not
    # write the targeted group's letter (pupil premium, holiday activities) apart from the
    # expanded group's (meals only), nor ask a sixth former's family where the pupil studies.
    data, listed = write_run(tmp_path / "run", run_id="r-outreach0005")
    header, *rows = listed.read_text().replace("two_year_old", "free_school_meals").splitlines()
    groups = {"P1,": ",targeted,infant", "P6,": ",expanded,sixth_form"}
    listed.write_text(
        "\n".join(
            [f"{header},eligibility_group,age_group"]
            + [row + groups.get(row[:3], ",,") for row in rows]
        )
        + "\n"
    )
    manifest = listed.with_name(listed.name + ".manifest.json")
    document = json.loads(manifest.read_text())
    document["rule_set"] = RULE_SET.replace("two_year_old", "free_school_meals")
    document["parameters"]["initiative"] = "free_school_meals"
    manifest.write_text(json.dumps(document))
    with ReviewStore(tmp_path / "review.sqlite", key=KEY) as store:
        list_id, _ = register_list_file(store, listed, KEY)
        decide(store, list_id, ("P1", "contact", None), ("P6", "contact", None))
        result = export_outreach(
            store, listed, data, tmp_path / "o.csv", key=KEY, user="A. Officer"
        )
        decisions = assure._decisions(store)
        # The sealed rows are the file's, group columns and all.
        assert assure._outreach_problems(result.out, decisions, KEY) == ([], [], [])
    written = pl.read_csv(result.out, infer_schema=False)
    assert written.columns == [*OUTREACH_COLUMNS, "eligibility_group", "age_group"]
    assert written.select("person_id", "eligibility_group", "age_group").rows() == [
        ("P1", "targeted", "infant"),
        ("P6", "expanded", "sixth_form"),
    ]
