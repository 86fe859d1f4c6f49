"""Eligibility checks through DfE: the bulk-check export, DfE's results back, the funnel.

A round trip on a synthetic council: a list, decisions recorded through the store, the check
export (its header line compared byte for byte with DfE's template), a results file made as
DfE's service writes one, the import, and the outcome funnel's exact counts. Then bad results
files: refused whole, every problem listed by row and column, nothing recorded.
"""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import polars as pl
import pytest

import workbench as wb
from tests.lists import rewritten
from workbench.errors import UsageError, WorkbenchError
from workbench.review import ReviewStore, pseudonym, register_list_file
from workbench.review.check_results import (
    END_DATE,
    TIER,
    CheckImportError,
    import_check_results,
    outcome_of,
)
from workbench.review.checks import TEMPLATES, export_checks, export_paths
from workbench.review.store import CheckResultsReport
from workbench.stats.outcomes import OutcomeLists
from workbench.stats.report import write_stats
from workbench.synth import generate_council, write_council

KEY = bytes(range(32))
TERM = date(2026, 4, 1)
NEXT_TERM = date(2026, 9, 1)
DFE = Path(__file__).parent / "dfe_templates"
# DfE's results file: UTF-8 with a byte-order mark (CsvHelper's StreamWriter with
# UTF8Encoding(true)), dates as the service stores them (yyyy-MM-dd), the columns sent plus
# Outcome (BulkCheckController.WriteCsvToMemory, Models/BulkExport.cs).
RESULT_HEADER = (*TEMPLATES["childcare"].headers, "Outcome")


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    """A synthetic council with no two-year-old place for the next term yet, and the
    two-year-old list for the summer term (2026-04-01) assessed from it."""
    folder = tmp_path_factory.mktemp("council")
    tables = generate_council(8000, 7)
    tables["funded_places"] = tables["funded_places"].filter(
        ~((pl.col("term_start") == NEXT_TERM) & (pl.col("funding_stream") == "two_year_old"))
    )
    # Each child's school, as a council's pupil data gives it (some spaced, as typed).
    urn = pl.lit("1") + pl.col("person_id").str.slice(-5)
    tables["people"] = tables["people"].with_columns(
        pl.when(pl.col("role") == "child")
        .then(pl.when(pl.col("person_id").str.ends_with("7")).then(" " + urn).otherwise(urn))
        .alias("school_urn")
    )
    write_council(tables, folder / "data", "csv")
    found = wb.assess(folder / "data", "two_year_old", term_start=TERM, as_of=TERM)
    return folder / "data", found.write(folder / "run" / "two_year_old.csv").out


def _children(data: Path, listed: Path) -> dict[str, list[str]]:
    """Children of the list by what their household offers a check: a parent with a NINO
    (each in its own household, still two on the first day of next term), or none."""
    people = pl.read_csv(data / "people.csv", infer_schema=False)
    candidates = pl.read_csv(listed, infer_schema=False)
    carers = people.filter(pl.col("role") == "parent_carer")
    with_nino = carers.filter(pl.col("nino").is_not_null())["household_id"].unique()
    children = candidates.filter(pl.col("person_id").is_not_null()).join(
        people.select("person_id", "household_id"), on="person_id"
    )
    checkable = (
        children.filter(pl.col("household_id").is_in(with_nino.implode()))
        .unique("household_id", keep="first", maintain_order=True)
        .sort("person_id")
    )
    # Still two next term, with no place next term yet (a place of another stream would be
    # the one the one-to-one linkage gives the child).
    places = pl.read_csv(data / "funded_places.csv", infer_schema=False)
    placed = (
        places.filter(pl.col("term_start") == NEXT_TERM.isoformat())
        .join(
            people,
            left_on=["child_forename", "child_surname", "child_date_of_birth"],
            right_on=["forename", "surname", "date_of_birth"],
        )
        .get_column("person_id")
    )
    stays = (pl.col("eligible_to") > NEXT_TERM.isoformat()) & ~pl.col("person_id").is_in(
        placed.implode()
    )
    households_with_carers = carers["household_id"].unique()
    no_nino = children.filter(
        ~pl.col("household_id").is_in(with_nino.implode())
        & pl.col("household_id").is_in(households_with_carers.implode())
    ).sort("person_id")
    return {
        "stays": checkable.filter(stays)["person_id"].to_list(),
        "leaves": checkable.filter(~stays)["person_id"].to_list(),
        "no_nino": no_nino["person_id"].to_list(),
    }


@pytest.fixture
def reviewed(council, tmp_path):
    """The list registered, and decisions recorded through the store."""
    data, listed = council
    picks = _children(data, listed)
    assert len(picks["stays"]) >= 2 and len(picks["leaves"]) >= 5 and picks["no_nino"], picks
    (a, h), (b, c, d, f, g) = picks["stays"][:2], picks["leaves"][:5]
    e = picks["no_nino"][0]
    (tmp_path / "out").mkdir()
    store = ReviewStore(tmp_path / "store" / "review.sqlite", key=KEY)
    list_id, _ = register_list_file(store, listed, KEY)
    plan = {a: "check", b: "check", c: "check", d: "check", e: "check"}
    plan |= {f: "contact", g: "contact", h: "not_eligible"}
    store.record_decisions(
        {
            "list_id": list_id,
            "item_key": pseudonym("person", who, KEY),
            "decision": what,
            "reviewer": "A. Officer",
            "reason": "has a place elsewhere" if what == "not_eligible" else None,
        }
        for who, what in plan.items()
    )
    yield (
        store,
        list_id,
        data,
        listed,
        dict(zip("abcdefgh", (a, b, c, d, e, f, g, h), strict=True)),
        tmp_path,
    )
    store.close()


@pytest.fixture
def fsm_reviewed(council, tmp_path):
    """The free school meals list of the same council, registered, with `check` recorded for
    its first eight children: checked through DfE's free school meals service."""
    data, _ = council
    found = wb.assess(data, "free_school_meals", term_start=NEXT_TERM, as_of=NEXT_TERM)
    listed = found.write(tmp_path / "run" / "free_school_meals.csv").out
    (tmp_path / "out").mkdir()
    store = ReviewStore(tmp_path / "store" / "review.sqlite", key=KEY)
    list_id, _ = register_list_file(store, listed, KEY)
    children = sorted(found.candidates["person_id"].drop_nulls())[:8]
    store.record_decisions(
        {
            "list_id": list_id,
            "item_key": pseudonym("person", who, KEY),
            "decision": "check",
            "reviewer": "A. Officer",
        }
        for who in children
    )
    yield store, list_id, data, listed, {}, tmp_path
    store.close()


# DfE's answer to each child of the reviewed list, one outcome per row in the words its
# services write.
ANSWERS = {
    "a": "Eligible",
    "b": "May not be eligible",
    "c": "Information does not match records",
    "d": "Try again",
    "f": "Eligible",
    "g": "Eligible",
}


def _export(reviewed, **options):
    store, _, data, listed, _, folder = reviewed
    return export_checks(
        store, listed, data, folder / "out" / "checks.csv", key=KEY, user="A. Officer", **options
    )


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))


def _results(rows: list[dict[str, str]], outcomes: list[str], path: Path) -> Path:
    """A results file as DfE's service writes one for the rows sent."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(RESULT_HEADER)
    for row, outcome in zip(rows, outcomes, strict=True):
        day, month, year = row["Parent Date of Birth"].split("/")
        writer.writerow(
            [
                row["Parent Last Name"],
                f"{year}-{month}-{day}",
                row["Parent National Insurance number"],
                outcome,
            ]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path


def _row_of(store: ReviewStore, export_id: str, child: str) -> int:
    items = store.check_export_items(export_id)
    return items.filter(pl.col("item_key") == pseudonym("person", child, KEY))["row_number"][0]


# --- the round trip ------------------------------------------------------------------------------
def test_round_trip_export_results_import_and_funnel(reviewed):
    store, list_id, data, listed, who, folder = reviewed
    decisions_before = store.decisions().rows()
    exported = _export(reviewed)

    # DfE's template, byte for byte: the header line of every file is the template's.
    template_header = (DFE / "BulkCheckTemplate.csv").read_bytes().split(b"\n")[0] + b"\n"
    assert (
        template_header
        == b"Parent Last Name,Parent Date of Birth,Parent National Insurance number\n"
    )
    assert len(exported.files) == 1
    body = exported.files[0].read_bytes()
    assert body.startswith(template_header)
    # Seven children decided `check` or `contact`; six with a parent to check, each their own
    # parent: six rows. One cannot be checked, and says why. (h, decided not eligible, is not
    # chosen.)
    assert (exported.chosen, exported.rows, exported.children) == (7, 6, 6)
    assert exported.not_checkable["person_id"].to_list() == [who["e"]]
    # e's household holds no NINO; the DWP list's row linked to e may (a tester's case).
    rows = pl.read_csv(listed, infer_schema=False)
    [dwp_row] = rows.filter(pl.col("person_id") == who["e"])["dwp_record_id"].to_list()
    assert dwp_row is not None  # the council's seed gives e one
    assert exported.not_checkable["reason"][0] == (
        "no parent or carer in the household has a National Insurance number (the DWP list's "
        f"row {dwp_row}, linked to the child, may give the parent's: add it to their row of "
        "people and assess again, or check by hand)"
    )
    sent = _rows(exported.files[0])
    assert all(
        len(r["Parent Date of Birth"]) == 10 and r["Parent Date of Birth"][2] == "/" for r in sent
    )
    for path in (*exported.files, exported.sidecar, exported.not_checkable_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    sidecar = json.loads(exported.sidecar.read_text())
    assert sidecar["export_id"] == exported.export_id and sidecar["counts"]["rows"] == 6
    decided = store.latest_decisions(list_id).filter(pl.col("decision").is_in(["check", "contact"]))
    rests_on = {d["decision_id"] for r in sidecar["rows"] for d in r["rests_on"]}
    assert rests_on == set(decided["decision_id"]) - {
        decided.filter(pl.col("item_key") == pseudonym("person", who["e"], KEY))["decision_id"][0]
    }
    for personal in (sent[0]["Parent Last Name"], sent[0]["Parent National Insurance number"]):
        assert personal not in exported.sidecar.read_text()
    assert store.check_exports(list_id)["row_count"].to_list() == [6]

    by_row = {_row_of(store, exported.export_id, who[k]): k for k in ANSWERS}
    outcomes = [ANSWERS[by_row[n]] for n in range(1, 7)]
    results = _results(sent, outcomes, folder / "dfe" / "two-year-offer-outcomes-20260415.csv")
    imported = import_check_results(store, results, key=KEY, user="A. Officer")
    assert (imported.export_id, imported.rows, imported.recorded) == (exported.export_id, 6, 6)

    latest = store.latest_check_results(list_id)
    outcome = dict(latest.select("item_key", "outcome").iter_rows())
    assert outcome[pseudonym("person", who["b"], KEY)] == "may_not_be_eligible"
    assert outcome[pseudonym("person", who["d"], KEY)] == "technical_error"
    assert latest.filter(pl.col("dfe_outcome") == "Try again")["decision"].to_list() == ["check"]
    # Evidence, never a decision: no decision was added or changed.
    assert store.decisions().rows() == decisions_before
    assert store.verify_chain().ok
    # The same file again records nothing twice.
    assert import_check_results(store, results, key=KEY, user="A. Officer").recorded == 0
    assert store.check_results(list_id).height == 6
    log = store.access_log()
    assert {"check export", "check import"} <= set(log["command"])

    # Next term: two of the children have a funded two-year-old place.
    places = pl.read_csv(data / "funded_places.csv", infer_schema=False)
    people = pl.read_csv(data / "people.csv", infer_schema=False)
    funded = people.filter(pl.col("person_id").is_in([who["a"], who["h"]])).select(
        pl.format("FNEXT{}", pl.col("person_id")).alias("record_id"),
        pl.lit("PR1").alias("provider_id"),
        pl.lit(NEXT_TERM.isoformat()).alias("term_start"),
        pl.col("forename").alias("child_forename"),
        pl.col("surname").alias("child_surname"),
        pl.col("date_of_birth").alias("child_date_of_birth"),
        "postcode",
        pl.lit("two_year_old").alias("funding_stream"),
    )
    pl.concat([places, funded], how="diagonal").write_csv(data / "funded_places.csv")
    try:
        result = write_stats(
            data,
            initiative="two_year_old",
            term_start=NEXT_TERM,
            as_of=NEXT_TERM,
            out=folder / "stats",
            linkage="exact",
            outcomes=OutcomeLists(store.path, (listed,), KEY),
        )
    finally:
        places.write_csv(data / "funded_places.csv")
    raw = dict(result.tables["outcome_funnel"].raw.iter_rows())
    listed_total = store.items(list_id).height
    assert raw == {
        "listed": listed_total - 8,
        "reviewed": 1,  # e: decided `check`, but no parent could be checked
        "checked_eligible": 0,
        "checked_may_not_be_eligible": 1,
        "checked_information_does_not_match": 1,
        "checked_technical_error": 1,
        "contacted": 2,  # f, g: contact stands beyond an eligible check
        "funded_next_term": 2,  # a (checked eligible) and h (decided not eligible)
    }
    # Published only after disclosure control, with its manifest entry like the other tables,
    # naming the table of report 02 it was protected against: the list by tier.
    manifest = json.loads(result.manifest.read_text())
    entry = [t for t in manifest["published"] if t["table"] == "outcome_funnel"]
    assert entry and entry[0]["file"] == "outcome_funnel.csv"
    assert entry[0]["protected_against"] == [
        {"report": "02_eligibility_list", "file": "by_tier.csv", "list": f"{list_id} ({TERM})"}
    ]
    published = pl.read_csv(folder / "stats" / "outcome_funnel.csv", infer_schema=False)
    shown = published.filter(pl.col("value") != "c")
    assert all(int(v) == 0 or int(v) >= 10 for v in shown["value"]), published
    # The list's possible tier is small, so report 02 hides its Total (the likely tier is
    # public): the funnel's Total, the same children, is hidden too, with a stage beside it.
    tiers = dict(store.items(list_id).group_by("tier").len().iter_rows())
    assert 0 < tiers["possible"] < 10 and tiers["likely"] >= 10, tiers
    total = published.filter(pl.col("furthest_stage") == "Total")["value"].to_list()
    assert total == ["c"] and listed_total == tiers["likely"] + tiers["possible"]
    assert published.filter(pl.col("value") == "c").height >= 2


def test_a_technical_error_is_sent_again_alone_and_its_answer_becomes_the_latest(
    reviewed, monkeypatch
):
    store, list_id, data, listed, who, folder = reviewed
    first = _export(reviewed)
    sent = _rows(first.files[0])
    d_row = _row_of(store, first.export_id, who["d"])
    d_key = pseudonym("person", who["d"], KEY)

    def outcome_of_d() -> tuple[str, str]:
        latest = store.latest_check_results(list_id).filter(pl.col("item_key") == d_key)
        return latest["outcome"][0], latest["export_id"][0]

    outcomes = ["Try again" if n == d_row else "Eligible" for n in range(1, len(sent) + 1)]
    import_check_results(
        store, _results(sent, outcomes, folder / "dfe" / "first.csv"), key=KEY, user="A. Officer"
    )
    assert outcome_of_d() == ("technical_error", first.export_id)

    def try_again(name: str):
        out = folder / "out" / f"{name}.csv"
        return export_checks(store, listed, data, out, key=KEY, user="A. Officer", try_again=True)

    # Only d's parent's row, exactly as first sent, in a new export that names the first.
    again = try_again("again")
    assert (again.rows, again.children, again.try_again_of) == (1, 1, (first.export_id,))
    assert again.export_id != first.export_id and not again.already_recorded
    assert _rows(again.files[0]) == [sent[d_row - 1]]
    assert json.loads(again.sidecar.read_text())["try_again_of"] == [first.export_id]
    assert "sent again" in store.access_log()["detail"][-1]

    # DfE says "Try again" once more: the file's one row was sent in both exports, and the
    # results go to the one still awaiting an answer, without --export.
    retry = _results([sent[d_row - 1]], ["Try again"], folder / "dfe" / "again.csv")
    imported = import_check_results(store, retry, key=KEY, user="A. Officer")
    assert (imported.export_id, imported.recorded) == (again.export_id, 1)
    # Sent again a second time: a new export (the results it answers are part of its id),
    # and the same bytes back from DfE are that export's answer.
    third = try_again("third")
    assert third.export_id not in (first.export_id, again.export_id)
    assert third.try_again_of == (again.export_id,)
    imported = import_check_results(store, retry, key=KEY, user="A. Officer")
    assert (imported.export_id, imported.recorded) == (third.export_id, 1)
    # The same file imported once more records nothing, and is not refused as ambiguous.
    imported = import_check_results(store, retry, key=KEY, user="A. Officer")
    assert (imported.export_id, imported.recorded) == (third.export_id, 0)
    assert outcome_of_d() == ("technical_error", third.export_id)

    fourth = try_again("fourth")
    answered = _results([sent[d_row - 1]], ["Eligible"], folder / "dfe" / "answered.csv")
    imported = import_check_results(store, answered, key=KEY, user="A. Officer")
    assert (imported.export_id, imported.recorded) == (fourth.export_id, 1)
    assert outcome_of_d() == ("eligible", fourth.export_id)
    # Every exported row still rests on the decisions it was sent for; nothing was decided.
    assert store.verify_chain().ok
    latest = store.latest_decisions(list_id).filter(pl.col("item_key") == d_key)
    assert latest["decision"].to_list() == ["check"]

    # Nothing left to send again.
    with pytest.raises(WorkbenchError, match=r"no child of list .* technical error"):
        try_again("fifth")


def test_a_child_dfe_has_already_answered_is_left_out_unless_rechecked(reviewed, monkeypatch):
    """DfE's bulk check limits uploads, and an answered row sent again would make its old
    results answer the new export: a new export leaves out the children DfE has answered
    (any outcome but a technical error), counts them, and `recheck` sends them again."""
    from workbench.runs.assure import CHECKS_TRACED, assure

    store, list_id, _, listed, who, folder = reviewed
    first = _export(reviewed)
    sent = _rows(first.files[0])
    by_row = {_row_of(store, first.export_id, who[k]): k for k in ANSWERS}
    outcomes = [ANSWERS[by_row[n]] for n in range(1, len(sent) + 1)]
    import_check_results(
        store, _results(sent, outcomes, folder / "dfe" / "first.csv"), key=KEY, user="A. Officer"
    )
    d_line = sent[_row_of(store, first.export_id, who["d"]) - 1]

    later = export_checks(
        store, listed, None, folder / "out" / "later.csv", key=KEY, user="A. Officer"
    )
    # Only d (a technical error: no answer yet) is sent; e still cannot be checked.
    assert (later.chosen, later.rows, later.children) == (7, 1, 1)
    assert _rows(later.files[0]) == [d_line]
    assert later.not_checkable["person_id"].to_list() == [who["e"]]
    answered = {pseudonym("person", who[k], KEY) for k in "abcfg"}
    assert set(later.answered["item_key"]) == answered
    assert set(later.answered["export_id"]) == {first.export_id}
    assert set(later.answered["list_id"]) == {list_id}
    by_outcome = {"eligible": 3, "information_does_not_match": 1, "may_not_be_eligible": 1}
    assert later.answered_by_outcome == by_outcome
    sidecar = json.loads(later.sidecar.read_text())
    assert sidecar["counts"] | {"not_checkable_by_reason": None} == {
        "chosen": 7,
        "rows": 1,
        "children_in_rows": 1,
        "not_checkable": 1,
        "not_checkable_by_reason": None,
        "already_answered": 5,
        "already_answered_by_outcome": by_outcome,
        "awaiting_answer": 0,
    }
    assert {e["item_key"] for e in sidecar["already_answered"]} == answered
    assert {e["answered_in"] for e in sidecar["already_answered"]} == {first.export_id}
    assert "recheck_of" not in sidecar
    # Not in the not-checkable file: they were checked (DfE's answer shows beside them).
    kept = pl.read_csv(later.not_checkable_file, infer_schema=False)
    assert kept["item_key"].to_list() == [pseudonym("person", who["e"], KEY)]
    assert "5 already answered by DfE left out" in store.access_log()["detail"][-1]

    # Sent again when asked: every row, as a new export (not the first one's id again) that
    # names the export whose answers it sends again; its results are its own.
    again = export_checks(
        store, listed, None, folder / "out" / "again.csv", key=KEY, user="Al Ash", recheck=True
    )
    assert (again.rows, again.children, again.rechecked) == (6, 6, 5)
    assert again.export_id != first.export_id and not again.already_recorded
    assert again.recheck_of == (first.export_id,) and again.answered_by_outcome == {}
    assert sorted(map(str, _rows(again.files[0]))) == sorted(map(str, sent))
    recorded = json.loads(again.sidecar.read_text())
    assert recorded["recheck_of"] == [first.export_id]
    assert (recorded["counts"]["rechecked"], recorded["counts"]["already_answered"]) == (5, 0)
    assert "recheck of" in store.access_log()["detail"][-1]
    answer = _results(_rows(again.files[0]), ["Eligible"] * 6, folder / "dfe" / "again.csv")
    imported = import_check_results(store, answer, key=KEY, user="A. Officer")
    assert (imported.export_id, imported.recorded) == (again.export_id, 6)
    # Every export still traces to the decisions it rests on.
    monkeypatch.setenv("WORKBENCH_KEY", KEY.hex())
    monkeypatch.setenv("WORKBENCH_STORE", str(folder / "access.sqlite"))
    traced = assure([folder / "out"], store=store.path, key=KEY).check(CHECKS_TRACED)
    assert traced.ok, traced.detail

    # Everything chosen answered (f and g, decided `contact`): nothing to send, nothing
    # written. (Those decided `check` include e, who could not be checked: an export of no
    # row lists e as not checkable, as before.)
    with pytest.raises(WorkbenchError, match=r"already answered .* pass --recheck"):
        export_checks(store, listed, None, folder / "none" / "c.csv", key=KEY, chosen=["contact"])
    assert not (folder / "none").exists()
    only_e = export_checks(store, listed, None, folder / "e" / "c.csv", key=KEY, chosen=["check"])
    assert (only_e.rows, only_e.answered_by_outcome) == (0, {"eligible": 4})
    assert only_e.not_checkable["person_id"].to_list() == [who["e"]]


def test_dfes_answer_from_another_list_of_the_offer_leaves_the_child_out(reviewed):
    store, list_id, data, _, who, folder = reviewed
    first = _export(reviewed)
    sent = _rows(first.files[0])
    a_row, d_row = (_row_of(store, first.export_id, who[k]) for k in "ad")
    words = {a_row: "Eligible", d_row: "Try again"}
    outcomes = [words.get(n, "May not be eligible") for n in range(1, len(sent) + 1)]
    import_check_results(
        store, _results(sent, outcomes, folder / "dfe" / "first.csv"), key=KEY, user="A. Officer"
    )
    # A re-run's list of the same offer, a decided `check` on it: DfE answered a's check
    # from the first list, so there is nothing to send.
    rerun = wb.assess(data, "two_year_old", term_start=TERM, as_of=TERM + timedelta(days=1))
    rerun_list = rerun.write(folder / "rerun" / "two.csv").out
    rerun_id, _ = register_list_file(store, rerun_list, KEY)
    store.record_decision(rerun_id, pseudonym("person", who["a"], KEY), "check", "B. Officer")
    out = folder / "out" / "rerun.csv"
    with pytest.raises(WorkbenchError, match=r"already answered the check of every one of the 1"):
        export_checks(store, rerun_list, data, out, key=KEY, user="B. Officer")
    assert not list((folder / "out").glob("rerun*"))
    # d's latest is a technical error: it is sent, a is left out and counted.
    store.record_decision(rerun_id, pseudonym("person", who["d"], KEY), "check", "B. Officer")
    exported = export_checks(store, rerun_list, data, out, key=KEY, user="B. Officer")
    assert _rows(exported.files[0]) == [sent[d_row - 1]]
    assert exported.answered.select("item_key", "outcome", "export_id", "list_id").rows() == [
        (pseudonym("person", who["a"], KEY), "eligible", first.export_id, list_id)
    ]
    assert json.loads(exported.sidecar.read_text())["counts"]["already_answered"] == 1
    rechecked = export_checks(
        store, rerun_list, data, out, key=KEY, user="Bo Birch", recheck=True, overwrite=True
    )
    assert rechecked.rows == 2 and rechecked.recheck_of == (first.export_id,)


def test_a_technical_error_of_another_template_is_named(fsm_reviewed):
    store, *_, folder = fsm_reviewed
    fsm = _export(fsm_reviewed)  # the free school meals list: DfE's fsm template by default
    assert fsm.template == "fsm"
    (folder / "dfe").mkdir()
    fsm_results = _fsm_results(_rows(fsm.files[0]), "Error", folder / "dfe" / "fsm.csv")
    import_check_results(store, fsm_results, key=KEY, user="A. Officer")
    with pytest.raises(WorkbenchError, match="--template fsm"):
        _export(fsm_reviewed, template="fsm-enhanced", try_again=True, overwrite=True)


@pytest.mark.parametrize("template", ["fsm", "fsm-enhanced"])
def test_a_two_year_old_list_goes_only_to_the_childcare_service(reviewed, template):
    # Its families go to the childcare service, never to free school meals' (whose enhanced
    # template would send the child's names too).
    with pytest.raises(
        UsageError, match=r"a list for two_year_old \(DfE's childcare template does"
    ):
        _export(reviewed, template=template)
    assert not list((reviewed[5] / "out").iterdir())


def test_a_free_school_meals_list_goes_only_to_its_service(fsm_reviewed):
    with pytest.raises(
        UsageError, match=r"a list for free_school_meals \(DfE's fsm or fsm-enhanced"
    ):
        _export(fsm_reviewed, template="childcare")
    assert not list((fsm_reviewed[5] / "out").iterdir())


def test_a_disability_access_fund_list_is_not_sent_to_dfe(council, tmp_path):
    data, _ = council
    found = wb.assess(data, "disability_access_fund", term_start=NEXT_TERM, as_of=NEXT_TERM)
    listed = found.write(tmp_path / "run" / "daf.csv").out
    with ReviewStore(tmp_path / "review.sqlite", key=KEY) as store:
        list_id, _ = register_list_file(store, listed, KEY)
        child = found.candidates["person_id"].drop_nulls()[0]
        store.record_decisions(
            [{"list_id": list_id, "item_key": pseudonym("person", child, KEY),
              "decision": "contact", "reviewer": "A. Officer"}]
        )  # fmt: skip
        with pytest.raises(
            WorkbenchError,
            match=(
                r"daf\.csv: a list for disability_access_fund is not checked through DfE's "
                r"services \(they check early_years_pupil_premium, free_school_meals, "
                r"two_year_old\); no family is sent$"
            ),
        ):
            export_checks(store, listed, data, tmp_path / "out" / "c.csv", key=KEY, user="Al Ash")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("decision", ["not_eligible", "defer", "already_in_touch"])
def test_a_family_decided_otherwise_is_never_sent_to_dfe(reviewed, decision):
    with pytest.raises(UsageError, match=r"one that allows a check \(contact or check\); got"):
        _export(reviewed, chosen=[decision])
    assert not list((reviewed[5] / "out").iterdir())


def test_a_family_decided_otherwise_on_a_rerun_list_is_not_sent_from_the_earlier(reviewed):
    store, list_id, data, _, who, folder = reviewed
    rerun = wb.assess(data, "two_year_old", term_start=TERM, as_of=TERM + timedelta(days=1))
    rerun_id, _ = register_list_file(store, rerun.write(folder / "rerun" / "two.csv").out, KEY)
    store.record_decision(
        rerun_id, pseudonym("person", who["a"], KEY), "not_eligible", "B. Officer", "moved away"
    )
    exported = _export(reviewed)
    sent = {e["item_key"] for r in json.loads(exported.sidecar.read_text())["rows"]
            for e in r["rests_on"]}  # fmt: skip
    assert pseudonym("person", who["a"], KEY) not in sent
    assert pseudonym("person", who["b"], KEY) in sent
    refused = exported.not_checkable.filter(pl.col("person_id") == who["a"])
    assert refused.select("decision", "reason").rows() == [
        (
            "check",
            f"decided again since (not_eligible on list {rerun_id}): that later decision "
            "stands, so the child is not checked from this list",
        )
    ]
    assert list_id != rerun_id


def test_the_review_panel_shows_dfes_checks_beside_the_child(reviewed):
    from workbench.review.lists import read_list_file
    from workbench.review.panel import ReviewPanel

    store, list_id, _, listed, who, folder = reviewed
    first = _export(reviewed)
    sent = _rows(first.files[0])
    d_row = _row_of(store, first.export_id, who["d"])
    a_row = _row_of(store, first.export_id, who["a"])
    words = {d_row: "Try again", a_row: "Eligible"}
    outcomes = [words.get(n, "Information does not match records") for n in range(1, 7)]
    results = _results(sent, outcomes, folder / "dfe" / "first.csv")
    import_check_results(store, results, key=KEY, user="B. Officer")
    candidates = read_list_file(listed).candidates
    panel = ReviewPanel(store, list_id, candidates, reviewer="A. Officer", key=KEY)

    def shown(child: str) -> str:
        panel.select(pseudonym("person", child, KEY))
        return panel.detail.value

    day = date.fromisoformat(store.check_results(list_id)["checked_at"][0][:10])
    read_on = f"read on {day.day} {day:%B %Y} by B. Officer, check export {first.export_id}"
    d = shown(who["d"])
    assert "<h3>DfE eligibility checks</h3>" in d
    assert "send it again with `workbench check export --try-again`" in d
    assert (
        f"<li>Not checked: a technical error (DfE&#x27;s words: ‘Try again’); {read_on}</li>" in d
    )
    assert "found the parent eligible" in shown(who["a"])
    assert "surname, date of birth and National Insurance number" in shown(who["b"])
    # A child never checked (decided not eligible) has no such section.
    assert "DfE eligibility checks" not in shown(who["h"])

    # The review workbook shows the same beside each child (column dfe_checks).
    import openpyxl

    from workbench.review.excel import export_review_workbook

    book = export_review_workbook(
        store, list_id, candidates, folder / "review.xlsx", key=KEY, user="A. Officer"
    )
    sheet = openpyxl.load_workbook(book)["Review"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    cells = {r[header.index("person_id")]: r[header.index("dfe_checks")] for r in rows}
    # What it means first, as the review panel says it, then DfE's answer.
    assert cast(str, cells[who["d"]]).split("\n") == [
        "DfE's service could not check this row: send it again with `workbench check export "
        "--try-again`.",
        f"Not checked: a technical error (DfE's words: ‘Try again’); {read_on}",
    ]
    assert (
        cast(str, cells[who["a"]]).split("\n")[1].startswith("Eligible (DfE's words: ‘Eligible’)")
    )
    assert cells[who["h"]] is None

    # Sent again and answered: the newest first, and what it means is the newest's.
    again = export_checks(
        store, listed, None, folder / "out" / "again.csv", key=KEY, user="Al Ash", try_again=True
    )
    answer = _results(_rows(again.files[0]), ["Eligible"], folder / "dfe" / "again.csv")
    import_check_results(store, answer, key=KEY, user="B. Officer")
    d = shown(who["d"])
    assert d.index("<li>Eligible (") < d.index("<li>Not checked: a technical error (")
    assert "found the parent eligible" in d and "--try-again" not in d
    book = export_review_workbook(
        store, list_id, candidates, folder / "review2.xlsx", key=KEY, user="A. Officer"
    )
    sheet = openpyxl.load_workbook(book)["Review"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    cell = cast(
        str,
        next(
            r[header.index("dfe_checks")] for r in rows if r[header.index("person_id")] == who["d"]
        ),
    ).split("\n")
    assert cell[0].startswith("DfE's service found") and cell[1].startswith("Eligible (")
    assert cell[2].startswith("Before: Not checked: a technical error (")


def test_every_check_outcome_has_words_for_the_officer():
    from workbench.review.checks import TECHNICAL_ERROR
    from workbench.review.details import CHECK_OUTCOME_TEXT
    from workbench.review.schema import CHECK_OUTCOMES

    assert set(CHECK_OUTCOME_TEXT) == set(CHECK_OUTCOMES) and TECHNICAL_ERROR in CHECK_OUTCOMES


def _answered_but_d(reviewed, monkeypatch) -> tuple[Any, list, int, list[str]]:
    """The first export, DfE's answer to every row but d's ("Try again"), imported; the
    command's environment set: (export, rows sent, d's row, the command's first arguments)."""
    store, _, _, listed, who, folder = reviewed
    first = _export(reviewed)
    sent = _rows(first.files[0])
    d_row = _row_of(store, first.export_id, who["d"])
    outcomes = ["Try again" if n == d_row else "Eligible" for n in range(1, len(sent) + 1)]
    import_check_results(
        store, _results(sent, outcomes, folder / "dfe" / "first.csv"), key=KEY, user="A. Officer"
    )
    monkeypatch.setenv("WORKBENCH_KEY", KEY.hex())
    monkeypatch.setenv("WORKBENCH_STORE", str(folder / "access.sqlite"))
    monkeypatch.chdir(folder)
    args = ["check", "export", "--store", str(store.path), "--list", str(listed)]
    return first, sent, d_row, args


def test_the_command_sends_a_technical_error_again(reviewed, monkeypatch):
    from typer.testing import CliRunner

    from workbench.cli import app

    _, _, data, _, _, folder = reviewed
    first, sent, d_row, args = _answered_but_d(reviewed, monkeypatch)
    args += ["--data", str(data), "--out", "out/again.csv", "--try-again"]
    done = CliRunner().invoke(app, ["--quiet", *args])
    assert done.exit_code == 0, done.output
    assert "1 row(s) for 1 child(ren)" in done.output
    assert f"sending again the technical errors of {first.export_id}" in done.output
    assert _rows(folder / "out" / "again-part1.csv") == [sent[d_row - 1]]


def test_the_command_says_who_dfe_has_already_answered_and_rechecks_them(reviewed, monkeypatch):
    from typer.testing import CliRunner

    from workbench.cli import app

    _, _, data, _, _, folder = reviewed
    first, sent, d_row, args = _answered_but_d(reviewed, monkeypatch)
    args += ["--data", str(data)]
    done = CliRunner().invoke(app, ["--quiet", *args, "--out", "out/later.csv"])
    assert done.exit_code == 0, done.output
    assert "7 child(ren) chosen; 1 row(s) for 1 child(ren)" in done.output
    assert (
        "5 child(ren) left out: DfE has already answered their check (5 eligible: their "
        "latest check result" in done.output
    )
    assert "pass --recheck" in " ".join(done.output.split())
    assert _rows(folder / "out" / "later-part1.csv") == [sent[d_row - 1]]
    done = CliRunner().invoke(app, ["--quiet", *args, "--out", "out/again.csv", "--recheck"])
    assert done.exit_code == 0, done.output
    assert "6 row(s) for 6 child(ren)" in done.output
    assert (
        f"sending again 5 child(ren) DfE had already answered (--recheck; answers of "
        f"{first.export_id})" in done.output
    )
    assert "left out" not in done.output


def _fsm_results(rows: list[dict[str, str]], outcome: str, path: Path) -> Path:
    """A results file as DfE's free school meals service writes one: every row `outcome`."""
    header = (*TEMPLATES["fsm"].headers, "Outcome")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        day, month, year = row["Parent Date of Birth"].split("/")
        values = {**row, "Parent Date of Birth": f"{year}-{month}-{day}", "Outcome": outcome}
        writer.writerow([values[h] for h in header])
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path


def test_the_parent_checked_is_the_one_whose_award_meets_a_criterion():
    from workbench.review.checks import _pick_parent

    def carer(person_id: str, nino: str = "AB123456C") -> dict:
        return {
            "carer_person_id": person_id,
            "carer_forename": "Jo",
            "carer_surname": "Lee",
            "carer_date_of_birth": date(1990, 1, 1),
            "carer_nino": nino,
        }

    evidence = (
        "income_support: award B2 of parent/carer A2; "
        "universal_credit_low_income (income missing): award B1 of parent/carer A1"
    )
    carers = [carer("A0"), carer("A1"), carer("A2")]
    # A2's award meets the criterion; A1's could not be tested; A0 is named by nothing.
    picked, _ = _pick_parent(carers, evidence)
    assert picked is not None and picked["carer_person_id"] == "A2"
    picked, _ = _pick_parent([carer("A0"), carer("A1")], evidence)
    assert picked is not None and picked["carer_person_id"] == "A1"
    # The one DfE would refuse (no NINO) is passed over.
    refused = [carer("A2", nino=""), *carers[:2]]
    picked, _ = _pick_parent(refused, evidence)
    assert picked is not None and picked["carer_person_id"] == "A1"


def test_a_parent_of_two_chosen_children_is_checked_once():
    from workbench.review.checks import _dfe_rows

    parent = {
        "Parent Last Name": "Adams",
        "Parent Date of Birth": date(1990, 1, 1),
        "Parent National Insurance number": "AB123456C",
    }
    children = [
        {"item_key": "pk_1", "decision_id": "d-1", "seq": 1, "fields": parent},
        {"item_key": "pk_2", "decision_id": "d-2", "seq": 2, "fields": dict(parent)},
        {"item_key": "pk_3", "decision_id": "d-3", "seq": 3,
         "fields": parent | {"Parent Last Name": " ADAMS "}},
    ]  # fmt: skip
    rows = _dfe_rows(children, TEMPLATES["childcare"], KEY)
    assert len(rows) == 1 and [item[0] for item in rows[0]["items"]] == ["pk_1", "pk_2", "pk_3"]
    assert list(rows[0]["fields"].values()) == ["Adams", "01/01/1990", "AB123456C"]


def test_files_are_split_within_the_row_limit(reviewed):
    exported = _export(reviewed, rows_per_file=3)
    assert [len(_rows(p)) for p in exported.files] == [3, 3]
    assert [p.name for p in exported.files] == ["checks-part1.csv", "checks-part2.csv"]
    # Another export, 1 file (its children were sent in the first: --recheck sends them again).
    other = _export(reviewed, chosen=["contact"], overwrite=True, recheck=True)
    assert [p.name for p in other.files] == ["checks-part1.csv"]
    assert not (reviewed[5] / "out" / "checks-part2.csv").exists()  # the earlier one's part
    with pytest.raises(UsageError, match="between 1 and 250"):
        _export(reviewed, rows_per_file=251, overwrite=True)
    with pytest.raises(UsageError, match="already exists"):
        _export(reviewed)


def test_the_fsm_enhanced_template_has_its_headers_and_the_childs_school(fsm_reviewed):
    _export(fsm_reviewed, rows_per_file=3)
    # The same children through the enhanced template: sent again on purpose (--recheck).
    enhanced = _export(fsm_reviewed, template="fsm-enhanced", overwrite=True, recheck=True)
    header = enhanced.files[0].read_bytes().split(b"\n")[0]
    assert header == (DFE / "BulkCheckTemplate_Enhanced.csv").read_bytes().split(b"\n")[0].rstrip(
        b"\r"
    )
    assert len(enhanced.files) == 1  # the stale parts of the earlier export are gone
    # The child's school URN, normalised, from the people table.
    people = pl.read_csv(fsm_reviewed[2] / "people.csv", infer_schema=False)
    sent = pl.read_csv(enhanced.files[0], infer_schema=False)
    schools = sent.join(
        people.with_columns(
            pl.col("date_of_birth").str.to_date().dt.strftime("%d/%m/%Y"),
            pl.col("school_urn").str.strip_chars(),
        ),
        left_on=["Child First Name", "Child Last Name", "Child Date of Birth"],
        right_on=["forename", "surname", "date_of_birth"],
    )
    assert schools.height == sent.height > 0
    assert schools["Child School Urn"].to_list() == schools["school_urn"].to_list()
    assert schools["Child School Urn"].str.contains(r"^1[0-9]{5}$").all()


def test_nothing_chosen_is_refused_and_nothing_written(fsm_reviewed):
    with pytest.raises(WorkbenchError, match="nothing to check"):
        _export(fsm_reviewed, chosen=["contact"])  # every decision there is `check`
    assert not list((fsm_reviewed[5] / "out").iterdir())


def test_a_changed_data_folder_is_refused(reviewed, tmp_path):
    store, _, data, listed, _, folder = reviewed
    changed = tmp_path / "changed"
    changed.mkdir()
    for path in data.iterdir():
        changed.joinpath(path.name).write_bytes(path.read_bytes())
    with changed.joinpath("people.csv").open("a") as handle:
        handle.write("PX,HX,Zed,Zee,1990-01-01,,,,parent_carer\n")
    with pytest.raises(WorkbenchError, match="is not the file the list"):
        export_checks(store, listed, changed, folder / "out" / "checks.csv", key=KEY)


def test_without_a_data_folder_the_one_the_lists_manifest_names_is_read(reviewed):
    store, _, _, listed, _, folder = reviewed
    named = export_checks(store, listed, None, folder / "out" / "named.csv", key=KEY)
    given = _export(reviewed)
    assert [p.read_bytes() for p in named.files] == [p.read_bytes() for p in given.files]


# --- bad results files ---------------------------------------------------------------------------
@pytest.fixture
def exported(reviewed):
    result = _export(reviewed)
    return reviewed, result, _rows(result.files[0])


def _refused(store: ReviewStore, path: Path, **options) -> list[str]:
    before = (store.check_results(store.lists()["list_id"][0]).height, store.access_log().height)
    with pytest.raises(CheckImportError) as raised:
        import_check_results(store, path, key=KEY, **options)
    after = (store.check_results(store.lists()["list_id"][0]).height, store.access_log().height)
    assert after == before  # nothing recorded
    return [str(p) for p in raised.value.problems]


def test_every_problem_is_listed_by_row_and_column_and_nothing_recorded(exported):
    (store, *_, folder), _, sent = exported
    # A row whose NINO was changed from the one sent (a tester's), one whose surname was, and
    # two parents never sent: the first two are named by the field that differs and where the
    # row sent is, never printing the details; the last two are never exported, together.
    changed = dict(sent[0]) | {"Parent National Insurance number": "AB123456C"}
    renamed = dict(sent[2]) | {"Parent Last Name": "Nobody"}
    stranger = {
        "Parent Last Name": "Nobody",
        "Parent Date of Birth": "01/01/1990",
        "Parent National Insurance number": "AB123456C",
    }
    other = dict(stranger) | {"Parent Last Name": "Popescu", "Parent Date of Birth": "17/04/2001"}
    rows = [sent[0], sent[1], sent[2], sent[1], changed, renamed, stranger, other]
    outcomes = ["Eligible", "Probably fine", *["Eligible"] * 6]
    path = _results(rows, outcomes, folder / "bad.csv")
    logged = store.access_log().height
    with pytest.raises(CheckImportError) as raised:
        import_check_results(store, path, key=KEY)
    export_id = store.check_exports()["export_id"][0]
    assert str(raised.value) == (
        f"{path}: 5 problems found in 6 rows, so nothing was recorded. Import the file "
        "exactly as DfE's service gave it, for rows this workbench exported:\n"
        "  - row 3, column 'Outcome': unknown outcome 'Probably fine'; expected one of "
        "Eligible, May not be eligible, Information does not match records, Try again (DfE's "
        "childcare service's words: this file's rows were matched to check export "
        f"{export_id}, sent with DfE's childcare template)\n"
        "  - row 5, column 'Parent Last Name, Parent Date of Birth, Parent National Insurance "
        "number': the same row as row 3: DfE returns each row it was sent once\n"
        "  - row 6, column 'Parent National Insurance number': differs from the one sent for "
        f"this parent in checks-part1.csv line 2 of check export {export_id} (Parent Last "
        "Name and Parent Date of Birth match), so DfE's answer cannot be tied to that row: DfE "
        "returns each row with the details it was sent\n"
        "  - row 7, column 'Parent Last Name': differs from the one sent for this parent in "
        f"checks-part1.csv line 4 of check export {export_id} (Parent Date of Birth and "
        "Parent National Insurance number match), so DfE's answer cannot be tied to that row: "
        "DfE returns each row with the details it was sent\n"
        "  - rows 8 to 9, column 'Parent Last Name, Parent Date of Birth, Parent National "
        "Insurance number': never exported for checking: no check export in the store sent "
        "this row"
    )
    for row in (*sent[:3], changed, renamed):  # no personal data printed
        day, month, year = row["Parent Date of Birth"].split("/")
        for value in (row["Parent Last Name"], row["Parent National Insurance number"]):
            assert value not in str(raised.value)
        assert f"{year}-{month}-{day}" not in str(raised.value)
    assert store.check_results(store.lists()["list_id"][0]).is_empty()  # nothing recorded
    assert store.access_log().height == logged


def test_problems_are_numbered_by_the_spreadsheets_rows_blank_ones_counted(exported):
    (store, *_, folder), _, sent = exported
    path = _results(sent[:3], ["Eligible", "Eligible", "Maybe"], folder / "blank.csv")
    lines = path.read_bytes().split(b"\r\n")
    # A blank row after the header and one of empty cells before the last row: "Maybe" is
    # on the spreadsheet's row 6 (header row 1, blank 2, rows 3 and 4, empty cells 5).
    path.write_bytes(b"\r\n".join([lines[0], b"", lines[1], lines[2], b",,,", *lines[3:]]))
    assert _refused(store, path) == [
        "row 6, column 'Outcome': unknown outcome 'Maybe'; expected one of Eligible, May not be "
        "eligible, Information does not match records, Try again (DfE's childcare service's "
        "words: this file's rows were matched to check export "
        f"{store.check_exports()['export_id'][0]}, sent with DfE's childcare template)"
    ]


def test_headers_spelt_with_other_case_or_spaces_are_read(exported):
    # DfE's files have spelt the NINO header "Parent National Insurance Number" too.
    (store, *_, folder), result, sent = exported
    path = _results(sent, ["Eligible"] * len(sent), folder / "capitals.csv")
    text = (
        path.read_bytes()
        .decode("utf-8-sig")
        .replace("Parent National Insurance number", "Parent National  Insurance Number")
        .replace("Outcome", "OUTCOME ")
    )
    path.write_bytes(text.encode("utf-8"))
    imported = import_check_results(store, path, key=KEY, user="A. Officer")
    assert (imported.export_id, imported.recorded) == (result.export_id, len(sent))


def test_missing_headers_are_named(exported):
    (store, *_, folder), _, _ = exported
    path = folder / "headers.csv"
    path.write_text("Parent Last Name,Parent DOB,Outcome\nSmith,1990-01-01,Eligible\n")
    assert _refused(store, path) == [
        "row 1, column 'Parent Date of Birth': missing header (DfE's results have the "
        "template's columns and Outcome)",
        "row 1, column 'Parent National Insurance number': missing header (DfE's results have "
        "the template's columns and Outcome)",
    ]


def _another_list(listed: Path, folder: Path) -> Path:
    """The same list as another run's (its run id changed), for a second list in the store."""
    other = folder / "other"
    other.mkdir()
    beside = listed.with_name(listed.stem + ".dwp_not_listed.csv")
    for path in (listed, listed.with_name(listed.name + ".manifest.json"), beside):
        if not path.exists():
            continue
        run_id = json.loads(listed.with_name(listed.name + ".manifest.json").read_text())["run_id"]
        copy = other / path.name
        copy.write_text(path.read_text().replace(run_id, "r-another-run-0001"))
        copy.chmod(0o600)
    return rewritten(other / listed.name)


def test_rows_of_another_export_or_another_list_are_refused(exported):
    (store, list_id, data, listed, who, folder), first, sent = exported
    (folder / "out2").mkdir()
    second = export_checks(
        store, listed, data, folder / "out2" / "c.csv", key=KEY, chosen=["contact"], recheck=True
    )
    assert second.export_id != first.export_id and second.rows == 2
    in_second = {tuple(r.values()) for r in _rows(second.files[0])}
    check_only = [r for r in sent if tuple(r.values()) not in in_second]
    path = _results(check_only[:1], ["Eligible"], folder / "other.csv")
    assert _refused(store, path, export_id=second.export_id) == [
        "row 2, column 'Parent Last Name, Parent Date of Birth, Parent National Insurance "
        f"number': a row of another check export ({first.export_id}) of this list, not of "
        f"export {second.export_id}: import each export's results on their own"
    ]
    # Another list, whose export sent one of the same parents.
    other = _another_list(listed, folder)
    other_id, _ = register_list_file(store, other, KEY)
    store.record_decision(other_id, pseudonym("person", who["f"], KEY), "check", "B. Officer")
    (folder / "out3").mkdir()
    # (The child awaits the first export's answer: sent from this list on purpose, --recheck.)
    third = export_checks(store, other, data, folder / "out3" / "c.csv", key=KEY, recheck=True)
    only_first = [r for r in check_only if tuple(r.values()) not in {
        tuple(x.values()) for x in _rows(third.files[0])}]  # fmt: skip
    path = _results(only_first[:1], ["Eligible"], folder / "another-list.csv")
    assert _refused(store, path, export_id=third.export_id) == [
        "row 2, column 'Parent Last Name, Parent Date of Birth, Parent National Insurance "
        f"number': a row of another list's check export ({first.export_id} of list "
        f"{list_id}), not of export {third.export_id} of list {other_id}"
    ]


def test_a_results_file_that_is_not_one_is_refused(exported):
    (store, *_, folder), _, _ = exported
    empty = folder / "empty.csv"
    empty.write_bytes(b"")
    assert _refused(store, empty) == ["row 1, column 'Outcome': the file is empty"]


def test_a_store_of_schema_3_takes_the_check_decision_after_migrating(tmp_path):
    import sqlite3

    from workbench.review import schema
    from workbench.review import store as store_module

    path = tmp_path / "review.sqlite"
    original = store_module.MIGRATIONS
    store_module.MIGRATIONS = original[:3]
    try:
        with ReviewStore(path, key=KEY) as old:
            items = pl.DataFrame(
                {"item_key": [pseudonym("person", "P1", KEY)], "tier": ["likely"],
                 "reason_codes": [["dwp_list"]]}
            )  # fmt: skip
            list_id = old.add_list("r-1", "two_year_old", "two_year_old@1", {}, items)
            old.record_decision(list_id, items["item_key"][0], "contact", "A. Officer")
            with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint"):
                old.record_decision(list_id, items["item_key"][0], "check", "A. Officer")
    finally:
        store_module.MIGRATIONS = original
    with ReviewStore(path, key=KEY) as store:
        assert store.schema_version == len(schema.MIGRATIONS)
        store.record_decision(list_id, items["item_key"][0], "check", "A. Officer")
        assert store.verify_chain().ok
        assert store.decisions()["decision"].to_list() == ["contact", "check"]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Eligible", ("eligible", None)),
        ("Eligible targeted", ("eligible", "targeted")),
        ("  may not   be eligible ", ("may_not_be_eligible", None)),
        ("Not eligible", ("may_not_be_eligible", None)),
        ("Try again", ("technical_error", None)),
        ("Error", ("technical_error", None)),
        # Free school meals' guidance's name for its `Error`, never in a results file.
        ("Technical error", None),
        # The childcare service's answer to an eligibility-code check, not a bulk check's.
        ("System error - try again later", None),
        ("Code valid", None),
    ],
)
def test_dfe_outcome_words(words, expected):
    assert outcome_of(words) == expected


def test_each_template_takes_only_its_own_services_outcome_words():
    from workbench.review.checks import CHILDCARE_OUTCOMES, FSM_OUTCOMES

    childcare, fsm, enhanced = (TEMPLATES[n] for n in ("childcare", "fsm", "fsm-enhanced"))
    # As docs/dfe_checks.md records DfE's words, and the two services' headers are alike.
    assert childcare.headers == fsm.headers
    assert childcare.outcomes == CHILDCARE_OUTCOMES == (
        "Eligible", "May not be eligible", "Information does not match records", "Try again"
    )  # fmt: skip
    assert fsm.outcomes == enhanced.outcomes == FSM_OUTCOMES == (
        "Eligible", "Eligible targeted", "Eligible expanded", "Not eligible",
        "Information does not match records", "Error",
    )  # fmt: skip
    for words in ("Not eligible", "Eligible expanded", "eligible TARGETED", "Error"):
        assert outcome_of(words, childcare) is None and outcome_of(words, fsm) is not None
    for words in ("May not be eligible", "Try again"):
        assert outcome_of(words, fsm) is None and outcome_of(words, childcare) is not None
    for words in ("Eligible", " information does not  match records"):
        assert outcome_of(words, fsm) == outcome_of(words, childcare) is not None


def test_export_paths_sit_beside_the_out_file():
    sidecar, refused = export_paths("/x/checks.csv")
    assert (sidecar.name, refused.name) == ("checks.check.json", "checks.not_checkable.csv")


@pytest.mark.slow  # over 8 s: make test-slow (CI runs both)
def test_the_take_up_report_shows_the_outcome_funnel(reviewed, monkeypatch):
    from workbench.runs.report import run_report

    store, list_id, data, listed, _, folder = reviewed
    monkeypatch.setenv("WORKBENCH_KEY", KEY.hex())
    monkeypatch.setenv("WORKBENCH_STORE", str(folder / "access.sqlite"))
    run = run_report(
        "04_take_up_report",
        data=data,
        parameters={
            "term_start": NEXT_TERM.isoformat(),
            "as_of": NEXT_TERM.isoformat(),
            "linkage": "exact",
            "outcome_lists": str(listed),
            "outcome_store": str(store.path),
        },
        reports=folder / "reports",
    )
    folder_of_run = run.run_dir
    report = (folder_of_run / "report.html").read_text("utf-8")
    assert "What outreach achieved" in report
    published = pl.read_csv(folder_of_run / "shareable" / "outcome_funnel.csv", infer_schema=False)
    total = published.filter(pl.col("furthest_stage") == "Total")["value"].to_list()
    # The list's possible tier is small: report 02 hides the list's Total, and so does 04
    # (`test_round_trip_export_results_import_and_funnel`), saying what it protected against.
    assert total == ["c"]
    assert "Protected against other reports' tables" in report
    assert (
        f"<code>outcome_funnel</code>: against <code>02_eligibility_list</code>'s "
        f"<code>by_tier.csv</code> of list <code>{list_id} ({TERM})</code>"
    ) in report.replace("&#x27;", "'").replace("&#39;", "'")


def test_a_check_export_falls_under_retention_and_assure_with_all_its_files(reviewed):
    """What `check export` writes is what `retention` dates and deletes and `assure` traces."""
    from datetime import UTC, datetime, timedelta

    from workbench.governance import apply_retention, plan_retention
    from workbench.runs.assure import CHECKS_TRACED, assure

    store, _, _, _, _, folder = reviewed
    exported = _export(reviewed, chosen=("check",), rows_per_file=2)
    sidecar = json.loads(exported.sidecar.read_text())
    assert sidecar["decisions_chosen"] == ["check"]
    report = assure([folder / "out"], store=store.path, key=KEY)
    assert report.check(CHECKS_TRACED).ok, report.check(CHECKS_TRACED).detail
    assert report.check(CHECKS_TRACED).detail == (
        f"1 export(s), {exported.rows} row(s) for {exported.children} child(ren), each on a "
        "named reviewer's decision that allowed the check, the child's latest when exported"
    )
    written = datetime.now(UTC).date()
    kept = plan_retention(folder / "reports", None, written, list_roots=[folder / "out"])
    [item] = kept.items
    assert (item.kind, item.path, item.created) == ("check_exports", exported.sidecar, written)
    assert set(item.also) == {*exported.files, exported.not_checkable_file}
    assert kept.due == []
    later = plan_retention(
        folder / "reports", None, written + timedelta(days=93), list_roots=[folder / "out"]
    )
    apply_retention(later, folder / "log.jsonl")
    assert sorted(p.name for p in (folder / "out").iterdir()) == []


def test_the_results_file_is_removed_once_imported_when_asked_and_kept_on_any_problem(
    reviewed,
):
    # DfE's results file holds the parents' details; once its outcomes are in the store the
    # officer can have it removed. A file that cannot be imported stays where it is.
    import os

    from tests.command import workbench as run

    store, list_id, _, _, _, folder = reviewed
    exported = _export(reviewed)
    sent = _rows(exported.files[0])
    env = {**os.environ, "WORKBENCH_KEY": KEY.hex(), "WORKBENCH_STORE": str(store.path),
           "WORKBENCH_USER": "A. Officer", "XDG_DATA_HOME": str(folder / "home")}  # fmt: skip
    broken = _results(sent, ["Perhaps"] * len(sent), folder / "dfe" / "broken.csv")
    refused = run("check", "import", str(broken), "--store", str(store.path), "--remove-file",
                  env=env)  # fmt: skip
    assert refused.returncode != 0 and "Perhaps" in refused.stderr
    assert broken.exists()

    kept = _results(sent, ["Eligible"] * len(sent), folder / "dfe" / "outcomes.csv")
    reminded = run("check", "import", str(kept), "--store", str(store.path), env=env)
    assert reminded.returncode == 0, reminded.stderr
    assert "still holds parents' names" in reminded.stdout and kept.exists()

    again = _results(sent, ["May not be eligible"] * len(sent), folder / "dfe" / "later.csv")
    removed = run("check", "import", str(again), "--store", str(store.path), "--remove-file",
                  env=env)  # fmt: skip
    assert removed.returncode == 0, removed.stderr
    assert not again.exists() and "removed: its results are in the store" in removed.stdout
    assert set(store.latest_check_results(list_id)["outcome"].drop_nulls()) == {
        "may_not_be_eligible"
    }
    log = store.access_log().filter(pl.col("command") == "check results file removed")
    assert log["detail"].to_list() == ["results later.csv (imported)"]


def test_an_export_into_a_new_folder_makes_it_owner_only(reviewed):
    store, _, data, listed, _, folder = reviewed
    out = folder / "new" / "checks" / "checks.csv"
    result = export_checks(store, listed, data, out, key=KEY, user="A. Officer")
    assert result.rows > 0 and all(path.parent == out.parent for path in result.files)
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    (folder / "a-file").write_text("")
    with pytest.raises(UsageError, match="a-file is a file, not a folder"):
        export_checks(store, listed, data, folder / "a-file" / "c.csv", key=KEY)


UNACCOUNTED = (
    "the store has numbered {numbered} check result(s) but the imports it holds recorded "
    "{claimed}: an import was removed (the last one too), or the store's counter was changed"
)


def _tampered(store: ReviewStore, *statements: str) -> None:
    """Change the store behind the package's back: its append-only triggers dropped first."""
    import sqlite3

    conn = sqlite3.connect(store.path)
    for table in ("check_results", "check_imports"):
        for trigger in ("no_update", "no_delete"):
            conn.execute(f"DROP TRIGGER IF EXISTS {table}_{trigger}")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("statement", "found"),
    [
        ("UPDATE check_results SET outcome = 'eligible' WHERE row_number = 2", "results"),
        ("DELETE FROM check_results WHERE row_number = 1", "results"),
        ("UPDATE check_imports SET imported_by = 'someone else'", "record"),
        ("UPDATE check_imports SET results_digest = NULL", "record"),
    ],
)
def test_check_results_changed_behind_the_stores_back_are_found(
    exported, statement, found, monkeypatch
):
    from workbench.runs.assure import SEALED, assure

    monkeypatch.setenv("WORKBENCH_KEY", KEY.hex())  # assure opens the store with the key
    (store, *_, folder), _, sent = exported
    monkeypatch.setenv("WORKBENCH_STORE", str(folder / "access.sqlite"))
    path = _results(sent[:3], ["Eligible", "May not be eligible", "Eligible"], folder / "r.csv")
    imported = import_check_results(store, path, key=KEY, user="A. Officer")
    assert store.verify_check_results() == CheckResultsReport(True, 1, 0)
    before = assure([folder / "out"], store=store.path, key=KEY).check(SEALED)
    assert before.ok and "DfE's check results: 1 import(s) sealed and intact" in before.detail
    _tampered(store, statement)
    said = {
        "results": f"check import {imported.import_id}: its results were changed or removed "
        "since they were imported (outside retention)",
        "record": f"check import {imported.import_id}: its record was changed since it was "
        "imported, or an import sealed before it was removed (the seal does not match)",
    }[found]
    assert store.verify_check_results() == CheckResultsReport(False, 1, 0, (said,))
    after = assure([folder / "out"], store=store.path, key=KEY).check(SEALED)
    assert not after.ok and said in after.detail


def test_a_sealed_import_removed_whole_before_the_last_is_found(exported):
    (store, *_, folder), _, sent = exported
    ids = []
    for n, outcome in enumerate(["Eligible", "May not be eligible", "Eligible"]):
        path = _results(sent[n : n + 1], [outcome], folder / f"r{n}.csv")
        ids.append(import_check_results(store, path, key=KEY, user="A. Officer").import_id)
    assert store.verify_check_results() == CheckResultsReport(True, 3, 0)
    _tampered(
        store,
        f"DELETE FROM check_results WHERE import_id = '{ids[1]}'",
        f"DELETE FROM check_imports WHERE import_id = '{ids[1]}'",
    )
    found = store.verify_check_results()
    assert (found.ok, found.sealed) == (False, 2)
    assert found.problems[0] == (
        f"check import {ids[2]}: its record was changed since it was imported, or an import "
        "sealed before it was removed (the seal does not match)"
    )
    # ... the results numbered no longer add up to those the imports recorded ...
    assert found.problems[1] == UNACCOUNTED.format(numbered=3, claimed=2)
    # ... and the log beside the store names the one removed.
    assert f".imports line 2: check import {ids[1]}, imported on " in found.problems[2]
    assert len(found.problems) == 3


def test_the_last_import_removed_whole_is_found_by_the_log_beside_the_store(exported):
    (store, *_, folder), _, sent = exported
    ids = []
    for n in range(2):
        path = _results(sent[n : n + 1], ["Eligible"], folder / f"r{n}.csv")
        ids.append(import_check_results(store, path, key=KEY, user="A. Officer").import_id)
    log = store.import_log
    assert log.name == "review.sqlite.imports" and stat.S_IMODE(log.stat().st_mode) == 0o600
    assert [line.split("\t")[0] for line in log.read_text().splitlines()] == ids
    _tampered(
        store,
        f"DELETE FROM check_results WHERE import_id = '{ids[1]}'",
        f"DELETE FROM check_imports WHERE import_id = '{ids[1]}'",
    )
    found = store.verify_check_results()  # the chained seals hold: it was the last
    assert (found.ok, found.sealed) == (False, 1)
    assert found.problems == (
        UNACCOUNTED.format(numbered=2, claimed=1),
        f"{log} line 2: check import {ids[1]}, imported on {log.read_text()[-28:-18]}, is no "
        "longer in the store with the seal it was given (removed, or changed)",
    )


def test_the_import_log_deleted_is_found(exported):
    # A reliability tester deleted <store>.imports and `assure --store` still passed.
    (store, *_, folder), _, sent = exported
    path = _results(sent[:1], ["Eligible"], folder / "r.csv")
    import_check_results(store, path, key=KEY, user="A. Officer")
    store.import_log.unlink()
    assert store.verify_check_results() == CheckResultsReport(
        False,
        1,
        0,
        (
            f"{store.import_log}: missing, while the store holds 1 sealed check import(s); "
            "every import appends its seal to it, so without it an import removed whole "
            "cannot be found. Restore it from the same backup as the store (a store copied "
            "without it: copy it too)",
        ),
    )


@pytest.mark.parametrize("keep_results", [False, True])
def test_the_last_import_removed_with_its_log_line_is_still_found(exported, keep_results):
    """Removed with its line of the log beside the store, the last import leaves the store's
    count of the results it numbered: it no longer adds up to those its imports recorded
    (its results left behind, or not)."""
    (store, *_, folder), _, sent = exported
    ids = []
    for n in range(2):
        path = _results(sent[2 * n : 2 * n + 2], ["Eligible"] * 2, folder / f"r{n}.csv")
        ids.append(import_check_results(store, path, key=KEY, user="A. Officer").import_id)
    assert store.verify_check_results() == CheckResultsReport(True, 2, 0)
    gone = [f"DELETE FROM check_imports WHERE import_id = '{ids[1]}'"]
    if not keep_results:
        gone.insert(0, f"DELETE FROM check_results WHERE import_id = '{ids[1]}'")
    _tampered(store, "PRAGMA foreign_keys = OFF", *gone)
    log = store.import_log
    log.write_text(log.read_text().splitlines(keepends=True)[0])
    assert store.verify_check_results() == CheckResultsReport(
        False, 1, 0, (UNACCOUNTED.format(numbered=4, claimed=2),)
    )


def test_an_imports_record_is_still_proved_once_retention_removed_its_results(exported):
    from datetime import UTC, datetime, timedelta

    (store, list_id, *_, folder), _, sent = exported
    path = _results(sent[:2], ["Eligible", "Eligible"], folder / "r.csv")
    import_check_results(store, path, key=KEY, user="A. Officer")
    now = datetime.now(UTC)
    done = store.apply_retention(
        now - timedelta(days=3650), now - timedelta(days=3650), user="records.officer",
        before_check_results=now + timedelta(days=1),
    )  # fmt: skip
    assert done.check_results == 2 and store.check_results(list_id).height == 0
    assert store.verify_check_results() == CheckResultsReport(True, 1, 0)
    _tampered(store, "UPDATE check_imports SET recorded = 1")
    assert not store.verify_check_results().ok


def _enhanced_results(rows: list[dict[str, str]], extra: list[dict[str, str]], path: Path) -> Path:
    """A results file as DfE's free school meals service writes one for the enhanced
    template: the columns sent, Outcome, and its Tier and Eligibility End Date."""
    header = (*TEMPLATES["fsm-enhanced"].headers, "Outcome", TIER, END_DATE)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row, more in zip(rows, extra, strict=True):
        writer.writerow([{**row, **more}.get(h, "") for h in header])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path


def test_fsm_results_keep_dfes_tier_and_eligibility_end_date(fsm_reviewed):
    reviewed = fsm_reviewed
    store, list_id, *_, folder = reviewed
    enhanced = _export(reviewed, template="fsm-enhanced")
    sent = _rows(enhanced.files[0])
    assert len(sent) >= 3
    answers = [
        {"Outcome": "Eligible", TIER: "Targeted", END_DATE: "31/08/2027"},
        {"Outcome": "eligible  EXPANDED", TIER: "", END_DATE: "2027-07-31T00:00:00"},
    ] + [{"Outcome": "Not eligible", TIER: "", END_DATE: ""}] * (len(sent) - 2)
    path = _enhanced_results(sent, answers, folder / "dfe" / "fsm-enhanced.csv")
    imported = import_check_results(store, path, key=KEY, user="A. Officer")
    assert (imported.export_id, imported.recorded) == (enhanced.export_id, len(sent))
    results = (
        store.check_results(list_id)
        .filter(pl.col("export_id") == enhanced.export_id)
        .sort("row_number")
        .select("row_number", "outcome", "dfe_outcome", "tier", "eligible_until")
    )
    assert results.rows()[:3] == [
        (1, "eligible", "Eligible", "targeted", "2027-08-31"),
        (2, "eligible", "eligible  EXPANDED", "expanded", "2027-07-31"),
        (3, "may_not_be_eligible", "Not eligible", None, None),
    ]


def test_fsm_results_with_a_tier_or_end_date_dfe_never_gives_are_refused(fsm_reviewed):
    reviewed = fsm_reviewed
    store, *_, folder = reviewed
    enhanced = _export(reviewed, template="fsm-enhanced")
    sent = _rows(enhanced.files[0])
    answers = [
        {"Outcome": "Eligible", TIER: "Universal", END_DATE: "31/08/2027"},
        {"Outcome": "Eligible", TIER: "targeted", END_DATE: "end of August"},
    ] + [{"Outcome": "Eligible", TIER: "", END_DATE: ""}] * (len(sent) - 2)
    path = _enhanced_results(sent, answers, folder / "dfe" / "odd.csv")
    assert _refused(store, path) == [
        "row 2, column 'Tier': unknown tier 'Universal'; expected targeted or expanded",
        "row 3, column 'Eligibility End Date': not a date",
    ]


@pytest.mark.parametrize(
    ("nino", "problem"),
    [
        ("AB123456C", None),
        ("ab 12 34 56 c", None),
        ("AB123456", "not in the form AB123456C"),  # DfE's service wants the last letter
        ("AB123456E", "not in the form AB123456C"),
        ("", "no parent or carer in the household has a National Insurance number"),
    ],
)
def test_a_parent_is_checkable_only_with_a_whole_national_insurance_number(nino, problem):
    from workbench.review.checks import _parent_problem

    carer = {"carer_nino": nino, "carer_surname": "Lee", "carer_date_of_birth": date(1990, 1, 1)}
    found = _parent_problem(carer)
    assert found == problem if problem is None else problem in str(found)


def test_an_export_is_recorded_before_any_file_for_dfe_is_written(reviewed, monkeypatch):
    # Stopped while writing (here: the first file cannot be written), no file is left that
    # the store does not know; the store's record is completed by writing the export again.
    import workbench.review.checks as checks

    store, list_id, *_, folder = reviewed

    def stopped(path, write):
        raise OSError("the disk is full")

    monkeypatch.setattr(checks, "write_private", stopped)
    with pytest.raises(OSError, match="disk is full"):
        _export(reviewed)
    assert not list((folder / "out").glob("checks-part*.csv"))
    recorded = store.check_exports().filter(pl.col("list_id") == list_id)
    assert recorded.height == 1
    monkeypatch.undo()
    again = _export(reviewed, overwrite=True)
    assert again.already_recorded and again.export_id == recorded["export_id"][0]
    assert [p.name for p in again.files] == ["checks-part1.csv"] and again.sidecar.exists()


def test_the_same_export_written_again_keeps_the_files_it_recorded(reviewed):
    # Asked again with another --rows-per-file, the same children and decisions are the
    # same export: its files are those the store recorded, so store, sidecar and files agree.
    store, *_ = reviewed
    first = _export(reviewed, rows_per_file=3)
    again = _export(reviewed, overwrite=True)
    assert again.export_id == first.export_id and again.already_recorded
    assert [p.name for p in again.files] == ["checks-part1.csv", "checks-part2.csv"]
    assert [_rows(p) for p in again.files] == [_rows(p) for p in first.files]
    recorded = store.check_exports().filter(pl.col("export_id") == first.export_id)
    sidecar = json.loads(again.sidecar.read_text())
    assert recorded["file_count"].to_list() == [2] == [len(sidecar["files"])]


def test_a_child_sent_whose_answer_is_not_imported_yet_is_not_sent_twice(reviewed):
    # Week 1's export went to DfE; before its results are imported, more children are decided
    # `check` and a second export is made: it holds only the new ones.
    store, _, data, listed, _, folder = reviewed
    first = _export(reviewed, chosen=["contact"])
    assert first.rows == 2
    later = export_checks(store, listed, data, folder / "out" / "later.csv", key=KEY)
    sent_first = {tuple(r.values()) for r in _rows(first.files[0])}
    assert not sent_first & {tuple(r.values()) for r in _rows(later.files[0])}
    assert (later.awaiting, later.awaiting_exports) == (2, (first.export_id,))
    sidecar = json.loads(later.sidecar.read_text())
    assert sidecar["counts"]["awaiting_answer"] == 2
    assert {e["sent_in"] for e in sidecar["awaiting_answer"]} == {first.export_id}
    counts = sidecar["counts"]
    assert counts["chosen"] == counts["children_in_rows"] + counts["not_checkable"] + 2
    # Nothing new to send (only the child who cannot be checked is left, in its file).
    third = export_checks(store, listed, data, folder / "out" / "third.csv", key=KEY)
    assert (third.rows, third.awaiting) == (0, 2 + later.children)
    assert third.not_checkable.height == later.not_checkable.height
    # The same export written again (its files lost before upload) is not held back.
    again = _export(reviewed, chosen=["contact"], overwrite=True)
    assert again.export_id == first.export_id and again.already_recorded
    # Once DfE's answers are imported, they are answered, no longer awaited.
    outcomes = ["Eligible"] * len(first_rows := _rows(first.files[0]))
    import_check_results(
        store, _results(first_rows, outcomes, folder / "dfe" / "w1.csv"), key=KEY, user="Al Ash"
    )
    later_rows = _rows(later.files[0])
    import_check_results(
        store,
        _results(later_rows, ["Eligible"] * len(later_rows), folder / "dfe" / "w2.csv"),
        key=KEY,
        user="Al Ash",
    )
    fourth = export_checks(store, listed, data, folder / "out" / "fourth.csv", key=KEY)
    assert (fourth.rows, fourth.awaiting) == (0, 0)
    assert fourth.answered_by_outcome == {"eligible": 2 + later.children}


def test_an_export_of_children_all_awaiting_an_answer_says_what_to_do(reviewed):
    store, list_id, data, listed, _, folder = reviewed
    first = _export(reviewed)
    with pytest.raises(WorkbenchError) as caught:
        export_checks(store, listed, data, folder / "out" / "c.csv", key=KEY, chosen=["contact"])
    assert str(caught.value).endswith(
        f"2 of the 2 child(ren) of list {list_id} chosen were sent in check export(s) "
        f"{first.export_id} and DfE's answer has not been imported yet, so there is nothing to "
        "send: import the results first (`workbench check import`). If those files were never "
        "uploaded, pass --recheck (and --overwrite) to write them again"
    )
    assert not (folder / "out" / "c-part1.csv").exists()


def test_results_of_rows_sent_in_two_exports_name_the_exports_files(reviewed):
    # A tester's case: "sent in more than one check export (cx-27d1..., cx-4a29...); say which
    # one with --export" gave only ids an officer never sees; the files and day go with them.
    store, _, data, listed, _, folder = reviewed
    first = _export(reviewed)
    again = export_checks(
        store, listed, data, folder / "out" / "spring2.csv", key=KEY, user="Al Ash", recheck=True
    )
    assert again.export_id == first.export_id  # the same choice, sent again: the same export
    chosen = export_checks(
        store, listed, data, folder / "out" / "fewer.csv", key=KEY, user="Al Ash",
        chosen=["contact"], recheck=True,
    )  # fmt: skip
    sent = _rows(chosen.files[0])
    path = _results(sent, ["Eligible"] * len(sent), folder / "dfe" / "answers.csv")
    with pytest.raises(WorkbenchError) as raised:
        import_check_results(store, path, key=KEY, user="Al Ash")
    day = store.check_exports()["exported_at"][0][:10]
    assert (
        f"({first.export_id}: checks-part*.csv or spring2-part*.csv, exported {day}; "
        f"{chosen.export_id}: "
        f"fewer-part*.csv, exported {day}); say which one they answer with --export ID"
    ) in str(raised.value)


def test_outreach_cautions_a_contact_decided_before_dfe_answered_other_than_eligible(reviewed):
    """A tester's case: contact decisions made before the check, whose answer was "does not
    match", went out with an empty caution; the officer never saw DfE's answer."""
    from workbench.review.outreach import export_outreach

    store, list_id, data, listed, who, folder = reviewed
    exported = _export(reviewed)
    by_row = {_row_of(store, exported.export_id, who[k]): k for k in ANSWERS}
    answers = ANSWERS | {"f": "Information does not match records"}
    sent = _rows(exported.files[0])
    results = _results(sent, [answers[by_row[n]] for n in range(1, 7)], folder / "r.csv")
    import_check_results(store, results, key=KEY, user="A. Officer")
    # c's answer (does not match) was in when c was decided `contact`: no caution.
    store.record_decision(list_id, pseudonym("person", who["c"], KEY), "contact", "B. Officer")
    result = export_outreach(store, listed, data, folder / "contacts.csv", key=KEY, user="Bo Birch")
    caution = dict(
        pl.read_csv(result.out, infer_schema=False).select("item_key", "caution").iter_rows()
    )
    f, c, g = (pseudonym("person", who[k], KEY) for k in "fcg")
    assert result.caution_dfe_check_since == 1
    assert "DfE's check, read on " in caution[f]
    assert caution[f].endswith(
        "after this decision, answered ‘Information does not match records’: Check the "
        "parent's surname, date of birth and National Insurance number with the family before "
        "checking again."
    )
    assert "DfE" not in (caution[c] or "") and "DfE" not in (caution[g] or "")
    sidecar = json.loads(result.sidecar.read_text())
    assert sidecar["counts"]["caution_dfe_check_since"] == 1


def test_an_export_by_a_user_naming_no_one_is_refused_and_nothing_written(reviewed):
    """`user="admin"` from Python is refused as `WORKBENCH_USER=admin` is, saying why, before
    a file is written or the export recorded."""
    store, _, data, listed, _, folder = reviewed
    logged = store.access_log().height
    with pytest.raises(WorkbenchError) as refused:
        export_checks(store, listed, data, folder / "out" / "checks.csv", key=KEY, user="admin")
    assert str(refused.value) == (
        "export_checks: user 'admin' is not a person's name (it is a role word), and the access "
        "log and the store record it as who did it: give your own name as colleagues know it, "
        'e.g. user="A. Officer", or leave user unset to record WORKBENCH_USER, else the login '
        "name"
    )
    assert not list((folder / "out").iterdir())
    assert store.check_exports().height == 0 and store.access_log().height == logged


# --- a child listed for a care status only -----------------------------------------------------
def test_a_child_listed_for_care_status_only_is_not_sent_and_said_why(council, tmp_path):
    """A tester's case: a looked-after child's carer (perhaps a foster carer) was sent to DfE,
    whose services check a parent's benefits only. A child with a parent's benefit among
    their reasons as well is still sent."""
    data, listed = council
    a, b, c = _children(data, listed)["stays"][:3]
    folder = tmp_path / "care"
    folder.mkdir()
    for path in (listed, listed.with_name(listed.name + ".manifest.json")):
        (folder / path.name).write_bytes(path.read_bytes())
    beside = listed.with_name(listed.stem + ".dwp_not_listed.csv")
    if beside.exists():
        (folder / beside.name).write_bytes(beside.read_bytes())
    copy = folder / listed.name
    frame = (
        pl.read_csv(copy, infer_schema=False)
        .with_columns(
            pl.when(pl.col("person_id") == a)
            .then(pl.lit("looked_after;left_care"))
            .when(pl.col("person_id") == b)
            .then(pl.lit("looked_after;universal_credit_low_income"))
            .otherwise(pl.col("reason_codes"))
            .alias("reason_codes"),
            # c possible: an order with no care record (`partly_met` reads the evidence).
            pl.when(pl.col("person_id") == c)
            .then(pl.lit("left_care (no care before the order): status S1"))
            .otherwise(pl.col("evidence"))
            .alias("evidence"),
        )
        .with_columns(
            pl.when(pl.col("person_id") == c)
            .then(pl.lit(None))
            .otherwise(pl.col("reason_codes"))
            .alias("reason_codes"),
            pl.when(pl.col("person_id") == c)
            .then(pl.lit("possible"))
            .otherwise(pl.col("tier"))
            .alias("tier"),
        )
    )
    frame.write_csv(copy)
    rewritten(copy)
    with ReviewStore(tmp_path / "store" / "review.sqlite", key=KEY) as store:
        list_id, _ = register_list_file(store, copy, KEY)
        store.record_decisions(
            {
                "list_id": list_id,
                "item_key": pseudonym("person", who, KEY),
                "decision": "check",
                "reviewer": "A. Officer",
            }
            for who in (a, b, c)
        )
        out = tmp_path / "out" / "care.csv"
        done = export_checks(store, copy, data, out, key=KEY, user="A. Officer")
    reason = (
        "listed only for what DfE's services cannot confirm (looked after by a local "
        "authority; left care (adoption, special guardianship or child arrangements order)): "
        "they check a parent's benefits; nothing is sent"
    )
    in_part = (
        "listed only for what DfE's services cannot confirm (left care (adoption, special "
        "guardianship or child arrangements order), met in part): they check a parent's "
        "benefits; nothing is sent"
    )
    assert sorted(done.not_checkable.select("person_id", "reason").rows()) == sorted(
        [(a, reason), (c, in_part)]
    )
    assert (done.chosen, done.rows, done.children) == (3, 1, 1)
    # Nothing about a's household is in the file for DfE: b's parent alone.
    people = pl.read_csv(data / "people.csv", infer_schema=False)
    household = people.filter(pl.col("person_id") == a)["household_id"][0]
    ninos = people.filter((pl.col("household_id") == household) & pl.col("nino").is_not_null())[
        "nino"
    ].to_list()
    assert ninos
    sent = done.files[0].read_text()
    assert not any(nino.replace(" ", "") in sent.replace(" ", "") for nino in ninos)
    assert len(_rows(done.files[0])) == 1
    record = json.loads(done.sidecar.read_text())
    assert record["counts"]["not_checkable_by_reason"] == {reason: 1, in_part: 1}
    assert sorted(pl.read_csv(done.not_checkable_file)["reason"].to_list()) == sorted(
        [reason, in_part]
    )


def test_which_reasons_dfe_checks_comes_from_the_rule_set():
    from workbench.review.checks import dfe_checks_reasons
    from workbench.rules import load_rule_set

    two = load_rule_set("two_year_old")
    said = "they check a parent's benefits; nothing is sent"
    assert dfe_checks_reasons(two, ["ehc_plan", "looked_after"]) == (
        "listed only for what DfE's services cannot confirm (education, health and care plan; "
        f"looked after by a local authority): {said}"
    )
    # Nor the child's own Disability Living Allowance, a household with no recourse to public
    # funds, or an earlier funded place: none is a parent's benefit.
    assert dfe_checks_reasons(
        two, ["disability_living_allowance", "no_recourse_to_public_funds", "continued_entitlement"]
    ) == (
        "listed only for what DfE's services cannot confirm (Disability Living Allowance "
        f"(child); {two.criterion('no_recourse_to_public_funds').label}; "
        f"{two.criterion('continued_entitlement').label}): {said}"
    )
    # A parent's benefit or the DWP list (DWP's own finding), with anything else; no reason
    # (a possible child: an income missing); a code the rules do not know: sent.
    for sent in (
        ["income_support"],
        ["dwp_list"],
        ["looked_after", "dwp_list"],
        ["no_recourse_to_public_funds", "universal_credit_low_income"],
        [],
        ["unknown"],
    ):
        assert dfe_checks_reasons(two, sent) is None, sent
    # A possible child (no code) is judged by what it meets in part: a parent's Universal
    # Credit with the income missing is DfE's to confirm; an order with no care record, or a
    # household with no recourse to public funds whose income is missing, is not.
    assert dfe_checks_reasons(two, [], ["universal_credit_low_income"]) is None
    assert dfe_checks_reasons(two, [], ["left_care"]) == (
        "listed only for what DfE's services cannot confirm (left care (adoption, special "
        f"guardianship or child arrangements order), met in part): {said}"
    )
    assert dfe_checks_reasons(two, [], ["no_recourse_to_public_funds"]) == (
        "listed only for what DfE's services cannot confirm "
        f"({two.criterion('no_recourse_to_public_funds').label}, met in part): {said}"
    )
    assert dfe_checks_reasons(two, ["income_support"], ["left_care"]) is None  # codes decide
    # A council's own rules: its own code for a child status is read from the rule set.
    own = two.model_copy(
        update={
            "criteria": [
                c.model_copy(update={"code": "in_care", "label": "in our care"})
                for c in two.criteria
                if c.code == "looked_after"
            ]
            + [c for c in two.criteria if c.code == "income_support"]
        }
    )
    assert dfe_checks_reasons(own, ["in_care"]) == (
        f"listed only for what DfE's services cannot confirm (in our care): {said}"
    )
    assert dfe_checks_reasons(own, ["in_care", "income_support"]) is None
