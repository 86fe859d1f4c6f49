"""Reviewers' link decisions, applied by the next `assess --store` to the same pair only."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import cast

import openpyxl
import polars as pl
import pytest

from tests.command import workbench
from workbench.errors import UsageError, WorkbenchError
from workbench.paths import looked_for
from workbench.review import ReviewStore, load_key, pseudonym, register_list_file
from workbench.review.excel import export_list_file
from workbench.review.link_decisions import apply_link_decisions, read_link_decisions
from workbench.review.panel import ReviewPanel

# Amy Adams (P1) has a funded place this term and no benefit of her own on the council's
# records; the DWP list names her (D8) with her mother, at another address and without a NINO:
# Splink scores the pair as probable, and the cap on a child living elsewhere (with so few
# children, every such pair) leaves it for a person to review.
FILES = {
    "people.csv": """\
person_id,household_id,forename,surname,date_of_birth,nino,address_line_1,postcode,role
P1,H1,Amy,Adams,2024-03-10,,1 Oak Road,FQ1 1AA,child
P2,H1,Beth,Adams,1990-01-01,TN123456C,1 Oak Road,FQ1 1AA,parent_carer
P4,H2,Dan,Brown,2024-06-01,,2 Elm Street,FQ2 2BB,child
P5,H2,Eve,Brown,1995-02-02,,2 Elm Street,FQ2 2BB,parent_carer
""",
    "benefits.csv": """\
award_id,person_id,benefit,start_date,end_date,net_earned_income,gross_income
A1,P5,income_support,2025-01-01,,,
""",
    "dwp_list.csv": """\
record_id,child_forename,child_surname,child_date_of_birth,parent_forename,parent_surname,parent_nino,address_line_1,postcode
D8,Amy,Adams,2024-03-10,Beth,Adams,,8 Fir Close,FQ8 8HH
""",
    "funded_places.csv": """\
record_id,provider_id,term_start,child_forename,child_surname,child_date_of_birth,postcode,funding_stream
F1,EY1,2026-09-01,Amy,Adams,2024-03-10,FQ1 1AA,two_year_old
""",
}
ARGS = ("--initiative", "two_year_old", "--term-start", "2026-09-01", "--as-of", "2026-09-01")
SHOWN: tuple[str, ...]
SHOWN = ("person_id", "dwp_record_id", "already_funded", "link_needs_review", "probable_person_id")
SHOWN += ("link_method",)


def assess(data: Path, out: Path, *options: str):
    result = workbench("assess", "--data", str(data), *ARGS, "--out", str(out), *options)
    return result, pl.read_csv(out, infer_schema=False) if out.exists() else None


@pytest.fixture(scope="module")
def proposed(tmp_path_factory):
    """The data, and the first list: D8 listed on its own, P1 proposed as its match."""
    folder = tmp_path_factory.mktemp("link_decisions")
    data = folder / "data"
    data.mkdir()
    for name, text in FILES.items():
        (data / name).write_text(text)
    result, listed = assess(data, folder / "first.csv")
    assert result.returncode == 0, result.stderr
    assert listed.select(SHOWN).rows() == [
        ("P4", None, "false", "false", None, None),
        (None, "D8", "false", "true", "P1", None),
    ]
    return data, folder / "first.csv"


@pytest.fixture
def store(proposed, tmp_path):
    """A review store holding the first list; yields the store and a function recording a
    decision about D8 on it."""
    _, first = proposed
    key = load_key()
    with ReviewStore(tmp_path / "review.sqlite") as opened:
        list_id, _ = register_list_file(opened, first, key)

        def decide(decision: str, reason: str | None = None):
            item = pseudonym("dwp", "D8", key)
            return opened.record_decision(list_id, item, decision, "A. Officer", reason)

        yield opened, decide


def confirmed_then_assessed(proposed, store, out: Path):
    """Amy's link confirmed, then the list made again with the store into `out`: the
    decision recorded."""
    data, _ = proposed
    opened, decide = store
    decision = decide("link_confirmed")
    result, _ = assess(data, out, "--store", str(opened.path))
    assert result.returncode == 0, result.stderr
    return decision


def test_the_store_keeps_the_child_proposed_with_the_item_awaiting_review(store):
    opened, _ = store
    key = load_key()
    rows = opened._conn.execute("SELECT item_key, proposed_key FROM list_items ORDER BY 1")
    assert sorted(rows.fetchall()) == sorted(
        [
            (pseudonym("person", "P4", key), None),
            (pseudonym("dwp", "D8", key), pseudonym("person", "P1", key)),
        ]
    )


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_a_confirmed_link_lists_the_dwp_row_as_the_child_with_the_childs_place(
    proposed, store, tmp_path
):
    data, _ = proposed
    opened, decide = store
    decision = decide("link_confirmed")
    out = tmp_path / "second.csv"
    result, listed = assess(data, out, "--store", str(opened.path))
    assert result.returncode == 0, result.stderr
    # One row for Amy: the DWP row's reason, and her funded place (already funded: without the
    # decision the DWP row said not funded, and the family would have been contacted).
    assert listed.select(SHOWN).rows() == [
        ("P1", "D8", "true", "false", None, "reviewer_confirmed"),
        ("P4", None, "false", "false", None, None),
    ]
    assert "applied 1 reviewer link decision(s) from the review store: 1 confirmed" in (
        result.stdout
    )
    manifest = json.loads(out.with_name(out.name + ".manifest.json").read_text())
    recorded = manifest["link_decisions"]
    assert recorded["applied"] == [
        {
            "item_key": pseudonym("dwp", "D8", load_key()),
            "decision": "link_confirmed",
            "decision_id": decision.decision_id,
        }
    ]
    assert (recorded["confirmed"], recorded["rejected"], recorded["not_proposed"]) == (1, 0, 0)
    assert recorded["chain_head"] == opened.verify_chain().head
    # The decisions applied are part of the run's identity; the same store gives the same list.
    first = json.loads((proposed[1].parent / "first.csv.manifest.json").read_text())
    assert manifest["run_id"] != first["run_id"]
    again = tmp_path / "again.csv"
    assert assess(data, again, "--store", str(opened.path))[0].returncode == 0
    assert again.read_bytes() == out.read_bytes()


def test_the_next_lists_workbook_shows_the_link_decision_on_the_childs_row(
    proposed, store, tmp_path
):
    opened, _ = store
    out = tmp_path / "second.csv"
    confirmed_then_assessed(proposed, store, out)
    _, book = export_list_file(opened, out, tmp_path / "review.xlsx", key=load_key())
    sheet = openpyxl.load_workbook(book)["Review"]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    amy = next(row for row in rows if row["person_id"] == "P1")
    assert amy["dwp_record_id"] == "D8"
    assert cast(str, amy["earlier_decisions"]).startswith(
        "as the DWP-list row: link confirmed by A. Officer"
    )
    assert "a reviewer confirmed that they are the same child" in cast(str, amy["record_link"])


def test_the_panel_shows_the_dwp_rows_decisions_with_the_child(proposed, store, tmp_path):
    opened, _ = store
    out = tmp_path / "second.csv"
    confirmed_then_assessed(proposed, store, out)
    list_id, listed = register_list_file(opened, out, load_key())
    panel = ReviewPanel(opened, list_id, listed.candidates, key=load_key(), reviewer="B. Officer")
    panel.select(pseudonym("person", "P1", load_key()))
    shown = panel.detail.value
    assert "Earlier decisions about its DWP-list row (listed on its own then)" in shown
    assert "link confirmed" in shown.split("its DWP-list row")[1]
    panel.select(pseudonym("person", "P4", load_key()))
    assert "its DWP-list row" not in panel.detail.value


def test_a_rejected_link_lists_the_row_on_its_own_and_proposes_no_one(proposed, store, tmp_path):
    data, _ = proposed
    opened, decide = store
    decide("link_rejected", "another Amy: the mother's date of birth differs")
    result, listed = assess(data, tmp_path / "second.csv", "--store", str(opened.path))
    assert result.returncode == 0, result.stderr
    assert listed.select(SHOWN).rows() == [
        ("P4", None, "false", "false", None, None),
        (None, "D8", "false", "false", None, None),
    ]
    assert "0 confirmed" in result.stdout and "1 rejected" in result.stdout


def test_the_latest_decision_about_a_pair_stands(proposed, store, tmp_path):
    data, _ = proposed
    opened, decide = store
    decide("link_confirmed")
    decide("link_rejected", "checked again: not her")
    assert opened.link_decisions()["decision"].to_list() == ["link_rejected"]
    _, listed = assess(data, tmp_path / "second.csv", "--store", str(opened.path))
    assert listed.filter(pl.col("dwp_record_id") == "D8")["person_id"].to_list() == [None]


def test_no_decision_about_the_pair_leaves_the_list_as_without_a_store(proposed, store, tmp_path):
    data, first = proposed
    opened, decide = store
    decide("contact")  # an outcome decision: not about the link
    result, listed = assess(data, tmp_path / "second.csv", "--store", str(opened.path))
    assert result.returncode == 0, result.stderr
    assert listed.drop("run_id").equals(pl.read_csv(first, infer_schema=False).drop("run_id"))
    assert "applied 0 reviewer link decision(s)" in result.stdout


def test_a_store_whose_chain_does_not_verify_is_refused_and_nothing_written(
    proposed, store, tmp_path
):
    data, _ = proposed
    opened, decide = store
    decide("link_rejected", "not her")
    conn = sqlite3.connect(opened.path)
    conn.execute("DROP TRIGGER decisions_no_update")
    conn.execute("UPDATE decisions SET decision = 'link_confirmed', reason = NULL")
    conn.commit()
    conn.close()
    out = tmp_path / "second.csv"
    result, _ = assess(data, out, "--store", str(opened.path))
    assert result.returncode != 0
    assert "decision chain does not verify" in result.stderr
    assert "no link decision was applied" in result.stderr
    assert not out.exists()


def test_a_store_is_refused_with_exact_only_linkage_and_a_missing_store_is_named(
    proposed, tmp_path
):
    data, _ = proposed
    shutil.copy(proposed[1], tmp_path / "unused.csv")
    result, _ = assess(data, tmp_path / "a.csv", "--linkage", "exact", "--store", "x.sqlite")
    assert result.returncode != 0 and "exact-only" in result.stderr
    missing = tmp_path / "none.sqlite"
    result, _ = assess(data, tmp_path / "b.csv", "--store", str(missing))
    assert result.returncode != 0 and f"no review store at {missing}" in result.stderr
    assert not missing.exists()  # not created by asking
    # A relative path is looked for in the working folder only (a store is written: its
    # access log), named with it.
    relative = ["--data", str(data), *ARGS, "--out", str(tmp_path / "c.csv")]
    result = workbench("assess", *relative, "--store", "none.sqlite", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        f"no review store at none.sqlite (in the working folder {tmp_path}): --store reads the "
        "link decisions recorded in review"
    ) in " ".join(result.stderr.split())
    # The Python API finds it as it finds any path (the working folder, then the project's).
    with pytest.raises(UsageError) as refused:
        read_link_decisions("none.sqlite", KEY)
    assert str(refused.value).startswith(f"store no review store at {looked_for('none.sqlite')}:")


def test_the_reading_is_logged_as_done_by_the_command_that_read_the_decisions(store):
    # Every reading was logged as `assess`'s, though explain and stats read them too.
    opened, decide = store
    decide("link_confirmed")
    before = opened.access_log().height
    read = read_link_decisions(opened.path, load_key(), command="stats")
    assert read.decisions.height == 1
    read_link_decisions(opened.path, load_key())
    log = opened.access_log().slice(before)
    assert log.select("command", "detail").rows() == [
        ("stats", "read 1 link decision(s) to apply to links"),
        ("assess", "read 1 link decision(s) to apply to links"),
    ]


# --- apply_link_decisions on hand-made links ----------------------------------------------------
KEY = bytes(range(32))


def links(*rows: tuple[str, str, str | None, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [(source, record, person, band, 0.8, "splink") for source, record, person, band in rows],
        schema=["source", "record_id", "person_id", "band", "match_probability", "method"],
        orient="row",
    )


def decisions(*rows: tuple[str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (
                pseudonym("dwp", record, KEY),
                pseudonym("person", person, KEY),
                decision,
                f"d-{n}",
                "A. Officer",
                "2026-12-01T00:00:00Z",
                "l-1",
            )
            for n, (record, person, decision) in enumerate(rows)
        ],
        schema=[
            "item_key",
            "proposed_key",
            "decision",
            "decision_id",
            "reviewer",
            "decided_at",
            "list_id",
        ],
        orient="row",
    )


def test_a_decision_applies_to_its_own_pair_only():
    given = links(
        ("dwp_list", "D1", "P1", "clerical_review"),
        ("dwp_list", "D2", "P2", "clerical_review"),  # now proposed: P2, decided about: P9
        ("dwp_list", "D3", "P3", "linked"),  # now linked by Splink: nothing to apply
        ("funded_places", "D4", "P4", "clerical_review"),  # not a DWP-list row
    )
    applied = apply_link_decisions(
        given,
        decisions(
            ("D1", "P1", "link_confirmed"),
            ("D2", "P9", "link_confirmed"),
            ("D3", "P3", "link_rejected"),
            ("D4", "P4", "link_confirmed"),
            ("D7", "P7", "link_confirmed"),  # an earlier list's row: not counted
        ),
        KEY,
    )
    assert applied.links.select("record_id", "person_id", "band", "method").rows() == [
        ("D1", "P1", "linked", "reviewer_confirmed"),
        ("D2", "P2", "clerical_review", "splink"),
        ("D3", "P3", "linked", "splink"),
        ("D4", "P4", "clerical_review", "splink"),
    ]
    assert applied.applied["decision_id"].to_list() == ["d-0"]
    assert (applied.confirmed, applied.rejected, applied.not_proposed) == (1, 0, 2)


def test_a_confirmation_is_not_applied_when_the_child_is_linked_to_another_row():
    given = links(("dwp_list", "D1", "P1", "clerical_review"), ("dwp_list", "D2", "P1", "linked"))
    applied = apply_link_decisions(given, decisions(("D1", "P1", "link_confirmed")), KEY)
    assert applied.links.equals(given)
    assert (applied.applied.height, applied.already_linked, applied.not_proposed) == (0, 1, 0)
    assert "not applied: this run links the child to another DWP-list row" in " ".join(
        applied.sentences()
    )


def test_a_rejection_unlinks_the_pair():
    given = links(("dwp_list", "D1", "P1", "clerical_review"))
    applied = apply_link_decisions(given, decisions(("D1", "P1", "link_rejected")), KEY)
    assert applied.links.select("person_id", "band", "method").rows() == [
        (None, "not_linked", "splink")
    ]
    assert applied.manifest()["applied"] == [
        {"item_key": pseudonym("dwp", "D1", KEY), "decision": "link_rejected", "decision_id": "d-0"}
    ]


def test_decisions_must_come_from_the_store():
    with pytest.raises(UsageError, match="decisions lacks column"):
        apply_link_decisions(links(), pl.DataFrame({"item_key": []}), KEY)


# --- the store ------------------------------------------------------------------------------------
ITEM = {"tier": ["likely"], "reason_codes": [["dwp_list"]]}


def test_a_proposed_key_must_be_a_pseudonym_and_only_on_an_item_awaiting_review(tmp_path):
    with ReviewStore(tmp_path / "review.sqlite", key=KEY) as opened:
        for proposed, needs_review, message in [
            ("P1", True, "proposed_key must be a pseudonymous key"),
            (pseudonym("person", "P1", KEY), False, "does not await review"),
        ]:
            items = pl.DataFrame(
                {
                    "item_key": [pseudonym("dwp", "D1", KEY)],
                    **ITEM,
                    "link_needs_review": [needs_review],
                    "proposed_key": [proposed],
                }
            )
            with pytest.raises(WorkbenchError, match=message):
                opened.add_list("r-1", "two_year_old", "two_year_old@1", {}, items)
        assert opened.lists().height == 0


def test_link_decisions_on_items_without_a_proposed_match_are_counted_not_applied(tmp_path):
    """A list stored before the store kept the proposed match (or registered without one):
    its link decisions cannot say which pair they were about, so none applies, and the run
    says so until the row is decided again on a list that names the match."""
    with ReviewStore(tmp_path / "review.sqlite", key=KEY) as opened:
        item = pseudonym("dwp", "D1", KEY)
        items = pl.DataFrame({"item_key": [item], **ITEM, "link_needs_review": [True]})
        list_id = opened.add_list("r-1", "two_year_old", "two_year_old@1", {}, items)
        opened.record_decision(list_id, item, "link_confirmed", "A. Officer")
        found = opened.link_decisions()
        assert found.select("item_key", "proposed_key", "decision").rows() == [
            (item, None, "link_confirmed")
        ]
        given = links(("dwp_list", "D1", "P1", "clerical_review"))
        applied = apply_link_decisions(given, found, KEY)
        assert applied.links.equals(given)
        assert (applied.applied.height, applied.no_proposed_match, applied.not_proposed) == (
            0,
            1,
            0,
        )
        assert "recorded on a list stored before the review store kept the child proposed" in (
            " ".join(applied.sentences())
        )
        # Decided again on a list that names the match: applied, and no longer counted.
        again = items.with_columns(pl.lit(pseudonym("person", "P1", KEY)).alias("proposed_key"))
        second = opened.add_list("r-2", "two_year_old", "two_year_old@1", {}, again)
        opened.record_decision(second, item, "link_confirmed", "A. Officer")
        applied = apply_link_decisions(given, opened.link_decisions(), KEY)
        assert (applied.confirmed, applied.no_proposed_match) == (1, 0)


@pytest.mark.slow  # over 8 s: make test-slow (CI runs both)
def test_explain_and_stats_apply_the_same_decisions_as_the_list(proposed, store, tmp_path):
    data, _ = proposed
    opened, decide = store
    decide("link_confirmed")
    asked = ("--data", str(data), *ARGS)
    explained = workbench("explain", *asked, "--person", "P1", "--store", str(opened.path))
    assert explained.returncode == 0, explained.stderr
    assert "Child P1 (born 10 March 2024) is listed" in explained.stdout
    assert (
        "✓ dwp_list: the child is matched to row D8 of the DWP list (a reviewer confirmed the "
        "match: a recorded link_confirmed decision)."
    ) in explained.stdout
    without = workbench("explain", *asked, "--person", "P1")
    assert "Child P1 (born 10 March 2024) is not listed" in without.stdout
    out = tmp_path / "list.csv"
    assert assess(data, out, "--store", str(opened.path))[0].returncode == 0
    listed = json.loads(out.with_name(out.name + ".manifest.json").read_text())
    reads = opened.access_log()["detail"].str.starts_with("read ").sum()
    trend = ("--trend-terms", "2026-01-01,2026-04-01")  # three terms assessed
    done = workbench(
        "stats", *asked, *trend, "--out", str(tmp_path / "stats"), "--store", str(opened.path)
    )
    assert done.returncode == 0, done.stderr
    # The store is read (and its chain verified) once for every term of the trend.
    assert opened.access_log()["detail"].str.starts_with("read ").sum() == reads + 1
    published = json.loads((tmp_path / "stats" / "stats_manifest.json").read_text())
    digest = listed["parameters"]["link_decisions"]
    assert published["parameters"] == {"linkage": "probabilistic", "link_decisions": digest}
    assert "pk_" not in json.dumps(published)  # no pseudonym in a shareable manifest


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_the_list_report_applies_the_decisions_of_its_review_store(proposed, store, tmp_path):
    from workbench.runs.report import run_report

    data, _ = proposed
    opened, decide = store
    decide("link_confirmed")
    run = run_report(
        "02_eligibility_list",
        data=data,
        parameters={
            "term_start": "2026-09-01",
            "as_of": "2026-09-01",
            "review_store": str(opened.path),
        },
        reports=tmp_path / "reports",
    )
    listed = pl.read_csv(run.run_dir / "restricted" / "two_year_old_list.csv", infer_schema=False)
    assert listed.select(SHOWN).rows() == [
        ("P1", "D8", "true", "false", None, "reviewer_confirmed"),
        ("P4", None, "false", "false", None, None),
    ]


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_assure_traces_each_link_made_by_a_decision_and_fails_one_that_is_not(
    proposed, store, tmp_path
):
    from workbench.runs.assure import LINKS_TRACED, assure

    opened, _ = store
    run = tmp_path / "run"
    out = run / "second.csv"
    decision = confirmed_then_assessed(proposed, store, out)
    key = load_key()
    check = assure([run], store=opened.path, key=key).check(LINKS_TRACED)
    assert (check.ok, check.detail) == (
        True,
        "1 list(s), 1 link decision(s) applied, each a named reviewer's decision in the store "
        "about that row and child",
    )
    assert not assure([run], store=None, key=key).check(LINKS_TRACED).ok
    # A manifest naming no decision for the row: the link cannot be traced.
    manifest = out.with_name(out.name + ".manifest.json")
    record = json.loads(manifest.read_text())
    record["link_decisions"]["applied"] = []
    manifest.write_text(json.dumps(record))
    check = assure([run], store=opened.path, key=key).check(LINKS_TRACED)
    assert not check.ok
    assert "the row of DWP record D8 says reviewer_confirmed, but its manifest names no" in (
        check.detail
    )
    # A decision id that the store does not hold as that row's confirmation.
    record["link_decisions"]["applied"] = [
        {"item_key": pseudonym("dwp", "D8", key), "decision": "link_confirmed",
         "decision_id": "d-" + "0" * 32}
    ]  # fmt: skip
    manifest.write_text(json.dumps(record))
    check = assure([run], store=opened.path, key=key).check(LINKS_TRACED)
    assert f"decision d-{'0' * 32}, applied to DWP record D8, is not a link_confirmed" in (
        check.detail
    )
    assert decision.decision_id not in check.detail
    # The right decision, but the list names another child than the one it confirmed.
    record["link_decisions"]["applied"][0]["decision_id"] = decision.decision_id
    manifest.write_text(json.dumps(record))
    assert assure([run], store=opened.path, key=key).check(LINKS_TRACED).ok
    # An entry edited into something that is no decision record is reported, not a crash.
    record["link_decisions"]["applied"].append("d-1")
    manifest.write_text(json.dumps(record))
    check = assure([run], store=opened.path, key=key).check(LINKS_TRACED)
    assert not check.ok
    assert (
        "entry 2 of the manifest's applied link decisions is not a decision record (a JSON string)"
        in (check.detail)
    )
    record["link_decisions"]["applied"].pop()
    manifest.write_text(json.dumps(record))
    out.write_text(out.read_text().replace("P1,D8,", "P4,D8,"))
    check = assure([run], store=opened.path, key=key).check(LINKS_TRACED)
    assert f"decision {decision.decision_id} confirmed DWP record D8 as another child than P4" in (
        check.detail
    )


def test_explain_says_a_dwp_row_awaiting_link_review_has_a_proposed_match(proposed):
    # A tester's case: explain said "no child in the council's data matched it" of a row the
    # list (and the workbook) proposed P1 for, at a probability of 0.997. It says why the
    # linkage held the link too (the list's held_because).
    data, first = proposed
    probability = float(pl.read_csv(first, infer_schema=False)["match_probability"][1])
    done = workbench("explain", "--data", str(data), *ARGS, "--person", "D8")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(
        "'D8' is a row of the DWP list, not a person: it is listed on its own, likely, with "
        f"council child P1 proposed as its match, scored {probability:.3f}: the link awaits "
        "review (link_needs_review) and counts only once an officer confirms it "
        "(link_confirmed); to see the child, explain --person P1. Held for review because: "
        "the child does not live at the row's address and the child's names are common here: "
        "another family's child of those names is plausible"
    )
