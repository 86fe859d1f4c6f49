"""`workbench assure`: a clean run passes; each kind of breach fails the check that names it."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import nbformat
import polars as pl
import pytest
from filelock import FileLock
from nbformat.v4 import new_code_cell, new_notebook

from workbench.dates import long_date, long_time
from workbench.eligibility.assess import assess
from workbench.errors import WorkbenchError
from workbench.provenance import file_sha256
from workbench.review import ReviewStore, register_list_file
from workbench.review.checks import CheckExport, export_checks
from workbench.review.lists import review_candidates
from workbench.review.outreach import export_outreach
from workbench.runs import assure as assure_module
from workbench.runs import report as report_module
from workbench.runs.assure import (
    CHAIN,
    CHECKS_TRACED,
    LINKS_TRACED,
    LISTS_PENDING,
    MODES,
    OUTPUTS,
    OUTREACH_TRACED,
    REVIEW_CHECKS,
    RULES_CHECKED,
    SEALED,
    SHAREABLE,
    AssuranceReport,
    Check,
    assure,
    format_report,
)
from workbench.runs.report import ReportFailed, run_report
from workbench.synth import generate_council, write_council

KEY = bytes(range(32))
ON = date(2026, 9, 1)
ALL_CHECKS = [
    LISTS_PENDING,
    OUTREACH_TRACED,
    CHECKS_TRACED,
    CHAIN,
    SEALED,
    MODES,
    SHAREABLE,
    LINKS_TRACED,
    RULES_CHECKED,
    OUTPUTS,
    *REVIEW_CHECKS,
]

# What the lists check and the review commands say of a list file changed since assess wrote
# it: exactly, with why a list nobody edited may have changed (saved by a spreadsheet program).
LIST_CHANGED = (
    "changed since `workbench assess` wrote it (its SHA-256 is not the one its list's manifest "
    "records; a spreadsheet program that saves it changes it, even with nothing typed); use "
    "the file assess wrote, or run assess again"
)


@dataclass(frozen=True)
class Run:
    folder: Path
    store: Path
    listed: Path
    outreach: Path
    shareable: Path

    def report(self, store: bool = True) -> AssuranceReport:
        return assure([self.folder], store=self.store if store else None, key=KEY)


def _lock(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)


def build_run(root: Path) -> Run:
    """A synthetic council assessed, reviewed (3 contact, 1 defer) and its outreach exported,
    in a run folder laid out as the demo lays one out."""
    folder = root / "run"
    restricted = folder / "restricted"
    write_council(generate_council(1000, 11, ON), restricted / "data", "csv")
    found = assess(restricted / "data", "two_year_old", term_start=ON, as_of=ON)
    result = found.write(restricted / "two_year_old.csv")
    _lock(restricted)
    shareable = folder / "shareable"
    shareable.mkdir()
    by_tier = found.candidates.group_by("tier").len("children").sort("tier")
    by_tier.write_csv(shareable / "two_year_old_by_tier.csv")
    (shareable / "summary.md").write_text("# Candidates\n\n| tier | children |\n|---|---|\n")
    store_path = root / "store" / "review.sqlite"
    outreach = restricted / "outreach.csv"
    with ReviewStore(store_path) as store:
        list_id, listed = register_list_file(store, result.out, KEY)
        # Contacts only to children not already funded (the review-quality check would warn).
        shaped = review_candidates(listed.candidates, KEY).sort(
            "already_funded", maintain_order=True
        )
        keys = shaped["item_key"].to_list()
        named = pl.coalesce("person_id", "dwp_record_id")
        reviewers = ["A. Officer"] * 3 + ["B. Officer"]
        for child, reviewer in zip(shaped.select(named)[:4].to_series(), reviewers, strict=True):
            store.log_access(reviewer, "review view", f"list {list_id}, child {child}")
        store.record_decisions(
            {"list_id": list_id, "item_key": k, "decision": "contact", "reviewer": "A. Officer"}
            for k in keys[:3]
        )
        store.record_decision(list_id, keys[3], "defer", "B. Officer")
        export_outreach(store, result.out, restricted / "data", outreach, key=KEY, user="Al Ash")
    return Run(folder, store_path, result.out, outreach, shareable)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return build_run(tmp_path_factory.mktemp("assure"))


@pytest.fixture
def run(built: Run, tmp_path: Path) -> Iterator[Run]:
    """A fresh copy of the clean run (modes kept) for a test to break."""
    root = built.folder.parent
    shutil.copytree(root, tmp_path / "copy")

    def moved(path: Path) -> Path:
        return tmp_path / "copy" / path.relative_to(root)

    yield Run(
        *(
            moved(p)
            for p in (built.folder, built.store, built.listed, built.outreach, built.shareable)
        )
    )


def test_exports_kept_elsewhere_are_named_from_the_store_not_reported_as_none(run: Run, tmp_path):
    # The auditor names only the list: its outreach export and a check export written to
    # another folder are not among the files, but the store knows of both, so assure says
    # so instead of "no family contacted" or "no family sent to DfE".
    data = run.folder / "restricted" / "data"
    with ReviewStore(run.store) as store:
        sent = export_checks(store, run.listed, data, tmp_path / "elsewhere" / "c.csv", key=KEY)
        at = store.access_log().filter(pl.col("command") == "review outreach")["at"][0]
        by = store.check_exports()["exported_by"][0]
    report = assure([run.listed], store=run.store, key=KEY)
    assert report.ok, format_report(report)
    # The outreach export's file is where the store recorded it: named, not a warning.
    assert report.check(OUTREACH_TRACED).detail == (
        "no outreach export given or found here; the store's access log records 1 of these "
        f"lists ({long_time(at)}: 3 exported to outreach.csv, 0 held back (unconfirmed "
        "link)): name their files too to trace each row to its decision"
    )
    assert not report.check(OUTREACH_TRACED).warning
    # The store records a check export's files' name, not their folder: not found under the
    # paths given, it may have gone anywhere (a warning, naming it).
    check = report.check(CHECKS_TRACED)
    assert check.warning
    assert check.detail.splitlines() == [
        "no check export file given or found here; the store records 1 export(s) of these "
        "lists: name their files or folder too to trace each row to its decision",
        f"the store records check export(s) of these lists whose files were not found (1){GONE}:",
        f"check export {sent.export_id} of list {sent.list_id} ({sent.rows} row(s) in 1 "
        f"file(s), c-part*.csv, exported {at_of(run, 'check export')} by {by}): its sidecar "
        "(c.check.json) is not under the paths given (the store records the files' name, not "
        "their folder)",
    ]
    strict = assure([run.listed], store=run.store, key=KEY, strict=True)
    assert failed(strict) == [CHECKS_TRACED]
    named = assure([run.listed, run.outreach, *sent.files], store=run.store, key=KEY)
    assert named.check(OUTREACH_TRACED).detail.startswith("1 export(s), 3 row(s)")
    assert named.check(CHECKS_TRACED).detail.startswith(f"1 export(s), {sent.rows} row(s)")
    assert not [c.name for c in named.checks if c.warning]
    without_store = assure([run.listed], key=KEY)
    assert without_store.check(OUTREACH_TRACED).detail == (
        "no outreach export found: no family contacted"
    )


GONE = (
    "; retention did not record deleting them: moved since (to a secure mailbox after "
    "sending?) or deleted by hand: find out where they went, or give the folder they are in"
)


def logged_at(run: Run, command: str, last: bool = True) -> str:
    """When the store's access log logged `command` (its last line), as the store holds it."""
    with ReviewStore(run.store) as store:
        log = store.access_log().filter(pl.col("command") == command)
    return str(log["at"][-1 if last else 0])


def at_of(run: Run, command: str, last: bool = True) -> str:
    """When the store's access log logged `command` (its last line), as assure shows it."""
    return long_time(logged_at(run, command, last))


def day_of(run: Run, command: str) -> str:
    """The day the store's access log last logged `command`, as assure shows it."""
    return long_date(date.fromisoformat(logged_at(run, command)[:10]))


def failed(report: AssuranceReport) -> list[str]:
    return [check.name for check in report.checks if not check.ok]


def test_a_clean_run_passes_every_check(run: Run):
    report = run.report()
    assert [c.name for c in report.checks] == ALL_CHECKS
    assert report.ok, format_report(report)
    # With the store, the list is compared with the store's record of it too.
    assert report.check(LISTS_PENDING).detail == (
        "1 list(s), every row pending_review, each as assess wrote it; 1 of them as the store "
        "holds it"
    )
    assert run.report(store=False).check(LISTS_PENDING).detail == (
        "1 list(s), every row pending_review, each as assess wrote it"
    )
    assert report.check(OUTREACH_TRACED).detail == (
        "1 export(s), 3 row(s), each on a named reviewer's latest contact decision when exported, "
        "as the export wrote it"
    )
    assert report.check(CHAIN).detail.startswith("4 decisions, chain intact; head ")
    assert report.check(SHAREABLE).detail == ("2 shareable file(s) scanned, no personal data found")
    assert not [c.name for c in report.checks if c.warning]
    assert report.check(CHECKS_TRACED).detail == "no check export found: no family sent to DfE"
    assert report.check(RULES_CHECKED).detail == "1 list(s) made with rules checked for its term"
    assert report.check(OUTPUTS).detail == (
        "not applicable: no report run (a manifest.json written by `workbench report`) found "
        "under the paths given"
    )
    assert format_report(report).splitlines()[-1] == "All 14 checks passed."


def test_a_list_row_edited_to_contacted_fails_the_lists_check(run: Run):
    frame = pl.read_csv(run.listed, infer_schema=False)
    edited = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("contacted"))
        .otherwise(pl.col("review_status"))
        .alias("review_status")
    )
    edited.write_csv(run.listed)
    report = run.report()
    assert failed(report) == [LISTS_PENDING]
    assert report.check(LISTS_PENDING).detail.splitlines() == [
        f"{run.listed} row 3: review_status is 'contacted'; a list never records a decision "
        "(only the review store does), so every row must be pending_review",
        f"{run.listed}: {LIST_CHANGED}",
    ]


def test_a_list_edited_by_hand_fails_the_lists_check_and_is_refused_for_review(run: Run):
    frame = pl.read_csv(run.listed, infer_schema=False)
    # A row's reasons changed, another deleted: every row still pending_review.
    edited = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("income_support"))
        .otherwise(pl.col("reason_codes"))
        .alias("reason_codes")
    ).slice(0, frame.height - 1)
    edited.write_csv(run.listed)
    report = run.report()
    assert failed(report) == [LISTS_PENDING]
    changed = LIST_CHANGED
    with ReviewStore(run.store) as store:
        list_id = store.lists()["list_id"].item()
    assert report.check(LISTS_PENDING).detail.splitlines() == [
        f"{run.listed}: has {frame.height - 1} row(s) where its manifest counts {frame.height} "
        "candidates; the list was changed since assess wrote it",
        f"{run.listed}: {changed}",
        f"{run.listed}: its {frame.height - 1} rows are not the {frame.height} children of list "
        f"{list_id} in the store; expected the list file that was registered for review (1 "
        "child(ren) of the stored list named by no row)",
    ]
    with ReviewStore(run.store) as store, pytest.raises(WorkbenchError) as refused:
        export_outreach(store, run.listed, None, run.folder / "again.csv", key=KEY, user="Al Ash")
    assert str(refused.value) == f"{run.listed}: {changed}"


def test_a_lists_dwp_rows_not_listed_edited_by_hand_fail_the_lists_check(run: Run):
    beside = run.listed.with_name(run.listed.stem + ".dwp_not_listed.csv")
    beside.write_text(beside.read_text().replace("\n", "\r\n"))  # as a spreadsheet saves it
    report = run.report()
    assert failed(report) == [LISTS_PENDING]
    assert report.check(LISTS_PENDING).detail == f"{beside}: {LIST_CHANGED}"


def _edit_list_and_manifest(run: Run, edit: Callable[[pl.DataFrame], pl.DataFrame]) -> int:
    """Edit the list and write its new SHA-256 and count into its manifest, as someone who
    wants the edit to pass would: the manifest is not keyed. Returns the rows written."""
    edited = edit(pl.read_csv(run.listed, infer_schema=False))
    edited.write_csv(run.listed)
    manifest = run.listed.with_name(run.listed.name + ".manifest.json")
    record = json.loads(manifest.read_text())
    record["outputs"]["list"]["sha256"] = file_sha256(run.listed)
    record["candidates"] = edited.height
    manifest.write_text(json.dumps(record))
    return edited.height


def _first_row(column: str, value: str) -> Callable[[pl.DataFrame], pl.DataFrame]:
    def edit(frame: pl.DataFrame) -> pl.DataFrame:
        first = pl.int_range(pl.len()) == 0
        return frame.with_columns(
            pl.when(first).then(pl.lit(value)).otherwise(column).alias(column)
        )

    return edit


def _stored_list_id(run: Run) -> str:
    with ReviewStore(run.store) as store:
        return str(store.lists()["list_id"].item())


def _without_store_it_passes(run: Run) -> None:
    """The edit passes every comparison with the manifest: only the store's record shows it."""
    alone = run.report(store=False).check(LISTS_PENDING)
    assert (alone.ok, alone.detail) == (
        True,
        "1 list(s), every row pending_review, each as assess wrote it",
    )


def test_a_childs_person_id_changed_with_its_manifest_fails_against_the_store(run: Run):
    """An auditor-tester's case: a row's person id changed, the manifest's SHA-256 edited to
    match, passed as "each as assess wrote it" though outreach refused the list."""
    rows = pl.read_csv(run.listed, infer_schema=False)
    first = rows.filter(pl.col("person_id").is_not_null())["person_id"][0]
    _edit_list_and_manifest(
        run,
        lambda frame: frame.with_columns(
            pl.when(pl.col("person_id") == first)
            .then(pl.lit("P9999999"))
            .otherwise("person_id")
            .alias("person_id")
        ),
    )
    _without_store_it_passes(run)
    report = run.report()
    assert report.check(LISTS_PENDING).detail == (
        f"{run.listed}: its {rows.height} rows are not the {rows.height} children of list "
        f"{_stored_list_id(run)} in the store; expected the list file that was registered "
        "for review (1 row(s) name a child not on the stored list; 1 child(ren) of the stored "
        "list named by no row)"
    )
    assert LISTS_PENDING in failed(report)
    assert first not in format_report(report) and "P9999999" not in format_report(report)


def test_a_row_added_to_a_list_with_its_manifest_fails_against_the_store(run: Run):
    rows = pl.read_csv(run.listed, infer_schema=False)
    added = rows.head(1).with_columns(
        pl.lit("P9999998").alias("person_id"), pl.lit(None, dtype=pl.String).alias("dwp_record_id")
    )
    _edit_list_and_manifest(run, lambda frame: pl.concat([frame, added]))
    _without_store_it_passes(run)
    report = run.report()
    assert report.check(LISTS_PENDING).detail == (
        f"{run.listed}: its {rows.height + 1} rows are not the {rows.height} children of list "
        f"{_stored_list_id(run)} in the store; expected the list file that was registered "
        "for review (1 row(s) name a child not on the stored list)"
    )
    assert LISTS_PENDING in failed(report)


def test_a_row_repeated_in_a_list_with_its_manifest_fails_against_the_store(run: Run):
    rows = pl.read_csv(run.listed, infer_schema=False)
    _edit_list_and_manifest(run, lambda frame: pl.concat([frame, frame.tail(1)]))
    _without_store_it_passes(run)
    assert run.report().check(LISTS_PENDING).detail == (
        f"{run.listed}: its {rows.height + 1} rows are not the {rows.height} children of list "
        f"{_stored_list_id(run)} in the store; expected the list file that was registered "
        "for review (1 row(s) name a child an earlier row names)"
    )


def test_a_tier_changed_in_a_list_with_its_manifest_fails_against_the_store(run: Run):
    rows = pl.read_csv(run.listed, infer_schema=False)
    tier = "possible" if rows["tier"][0] != "possible" else "likely"
    _edit_list_and_manifest(run, _first_row("tier", tier))
    _without_store_it_passes(run)
    report = run.report()
    assert report.check(LISTS_PENDING).detail == (
        f"{run.listed}: 1 of its rows differ from list {_stored_list_id(run)} as registered in "
        "the store (tier); the file was changed since it was registered: use the list file "
        "`workbench assess` wrote"
    )
    assert LISTS_PENDING in failed(report)


def test_already_funded_changed_in_a_list_with_its_manifest_fails_against_the_store(run: Run):
    """A tester's case: every row's already_funded set false (a column the store's items do
    not hold), the manifest fixed: assure passed, and outreach dropped its caution. The store
    keeps the registered file's SHA-256, so outreach and assure refuse it."""
    _edit_list_and_manifest(run, lambda frame: frame.with_columns(already_funded=pl.lit("false")))
    _without_store_it_passes(run)
    with ReviewStore(run.store) as store:
        registered = store.list_file_sha256(_stored_list_id(run))
    assert registered is not None
    registered_on = registered[1][:10]
    report = run.report()
    assert report.check(LISTS_PENDING).detail == (
        f"{run.listed}: is not, byte for byte, the file list {_stored_list_id(run)} was "
        f"registered from on {registered_on} (its SHA-256 differs): the file was changed since "
        "it was registered, its manifest too; use the list file `workbench assess` wrote"
    )
    assert LISTS_PENDING in failed(report)


def test_a_list_the_store_does_not_hold_is_said_to_be_compared_with_its_manifest_only(
    run: Run, tmp_path: Path
):
    empty = tmp_path / "empty" / "review.sqlite"
    ReviewStore(empty, key=KEY).close()
    report = assure([run.listed], store=empty, key=KEY)
    check = report.check(LISTS_PENDING)
    assert (check.result, check.detail.splitlines()) == (
        "PASS",
        [
            "1 list(s), every row pending_review, each as assess wrote it; 0 of them as the "
            "store holds it",
            f"{run.listed}: not in the store: compared with its manifest only",
        ],
    )


def test_a_forged_decision_id_in_an_outreach_export_fails_the_outreach_check(run: Run):
    frame = pl.read_csv(run.outreach, infer_schema=False)
    forged = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("d-" + "0" * 32))
        .otherwise(pl.col("decision_id"))
        .alias("decision_id")
    )
    forged.write_csv(run.outreach)
    report = run.report()
    assert failed(report) == [OUTREACH_TRACED]
    assert report.check(OUTREACH_TRACED).detail.splitlines() == [
        f"{run.outreach} row 2: decision_id 'd-{'0' * 32}' is not in the store",
        changed_row(run, 2),
        f"{run.outreach}.outreach.json: its decision ids are not those of the rows of outreach.csv",
    ]


def changed_row(run: Run, number: int) -> str:
    return (
        f"{run.outreach} row {number}: the details in it are not those the export wrote for "
        "this row (changed since): do not contact from this file"
    )


def defer_the_first_row(run: Run) -> None:
    """The child of the outreach export's first row decided `defer` since the export."""
    contacted = pl.read_csv(run.outreach, infer_schema=False).row(0, named=True)
    with ReviewStore(run.store) as store:
        store.record_decision(contacted["list_id"], contacted["item_key"], "defer", "A. Officer")


def test_a_later_correction_warns_that_an_earlier_outreach_export_is_stale(run: Run):
    # The letter went out on the decision that stood then: not a failure (it would be one
    # for ever), but the file is not to be used again; --strict fails on it.
    defer_the_first_row(run)
    report = run.report()
    assert report.ok and report.check(OUTREACH_TRACED).warning
    assert report.check(OUTREACH_TRACED).detail.splitlines() == [
        "1 export(s), 3 row(s), each on a named reviewer's latest contact decision when "
        "exported; but some children were decided again since their export:",
        f"{run.outreach} row 2: the child was decided again since the export (it says defer): "
        "do not contact them again from this file",
    ]
    strict = assure([run.folder], store=run.store, key=KEY, strict=True)
    assert failed(strict) == [OUTREACH_TRACED]


def rerun_list(run: Run, folder: Path) -> str:
    """The run's council assessed again (a day's later evidence) and its list registered in the
    run's store, outside the run folder: a re-run's list of the same children and offer."""
    data = run.folder / "restricted" / "data"
    found = assess(data, "two_year_old", term_start=ON, as_of=ON + timedelta(days=1))
    written = found.write(folder / "two_year_old.csv")
    with ReviewStore(run.store) as store:
        list_id, _ = register_list_file(store, written.out, KEY)
    return list_id


def test_a_later_decision_on_a_rerun_list_warns_that_an_earlier_export_is_stale(
    run: Run, tmp_path: Path
):
    contacted = pl.read_csv(run.outreach, infer_schema=False).row(0, named=True)
    rerun = rerun_list(run, tmp_path / "rerun")
    with ReviewStore(run.store) as store:
        store.record_decision(rerun, contacted["item_key"], "not_eligible", "B. Officer", "moved")
    report = run.report()
    assert report.ok and report.check(OUTREACH_TRACED).warning
    assert report.check(OUTREACH_TRACED).detail.splitlines()[1] == (
        f"{run.outreach} row 2: the child was decided again since the export on list {rerun} "
        "(it says not_eligible): do not contact them again from this file"
    )


def test_an_export_made_after_a_correction_on_the_superseded_decision_fails(run: Run):
    # The file's row names a decision that was not the child's latest when the export was
    # made (the store's time of it): a failure, as before.
    defer_the_first_row(run)
    seals = assure_module._outreach_seals
    later = "9999-12-31T00:00:00Z"  # as if the export had been logged after the correction
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            assure_module,
            "_outreach_seals",
            lambda store: {k: dict.fromkeys(v, later) for k, v in seals(store).items()},
        )
        report = run.report()
    assert failed(report) == [OUTREACH_TRACED]
    assert "is no longer the child's latest outcome decision (a later one says defer)" in (
        report.check(OUTREACH_TRACED).detail
    )


def test_an_outreach_row_changed_to_another_child_fails(run: Run):
    frame = pl.read_csv(run.outreach, infer_schema=False)
    with ReviewStore(run.store) as store:
        listed = store.items(frame["list_id"][0])["item_key"].to_list()
    # Another child of the list, never decided about, under the decided child's item key.
    other = next(
        p
        for p in pl.read_csv(run.listed, infer_schema=False)["person_id"].drop_nulls()
        if p not in frame["person_id"].to_list()
    )
    assert len(listed) > frame.height
    frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(other)).otherwise("person_id")
        .alias("person_id")
    ).write_csv(run.outreach)  # fmt: skip
    report = run.report()
    assert failed(report) == [OUTREACH_TRACED]
    assert report.check(OUTREACH_TRACED).detail.splitlines() == [
        f"{run.outreach} row 2: its person_id / dwp_record_id is not the child its item_key "
        "(the child decided about) names; the row was changed since the export: do not contact "
        "from this file",
        changed_row(run, 2),
    ]


def _edit_outreach(run: Run, column: str, value: str, row: int = 0) -> None:
    frame = pl.read_csv(run.outreach, infer_schema=False)
    edited = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == row)
        .then(pl.lit(value))
        .otherwise(pl.col(column) if column in frame.columns else None)
        .alias(column)
    )
    edited.write_csv(run.outreach)


def test_an_outreach_row_that_does_not_rest_on_its_own_contact_decision_fails(run: Run):
    with ReviewStore(run.store) as store:
        decisions = store.decisions()
    deferred = decisions.filter(pl.col("decision") == "defer")["decision_id"][0]
    rows = pl.read_csv(run.outreach, infer_schema=False)
    others = rows["decision_id"].to_list()
    _edit_outreach(run, "decision_id", others[1], row=0)  # the second child's decision
    _edit_outreach(run, "decision_id", deferred, row=2)  # a decision not to contact
    _edit_outreach(run, "reviewer", "Someone Else", row=1)
    _edit_outreach(run, "link_decision_id", "d-" + "1" * 32, row=1)
    report = run.report()
    assert failed(report) == [OUTREACH_TRACED]
    found = [
        f"{run.outreach} row 2: decision {others[1]} is about another child or list",
        f"{run.outreach} row 2: decision {others[1]} is no longer the child's latest outcome "
        "decision (a later one says contact); do not contact from this file",
        changed_row(run, 2),
        f"{run.outreach} row 3: the reviewer named does not match the store's decision",
        f"{run.outreach} row 3: link decision 'd-{'1' * 32}' is not the child's latest "
        "link_confirmed",
        changed_row(run, 3),
        f"{run.outreach} row 4: decision {deferred} is about another child or list",
        f"{run.outreach} row 4: decision {deferred} is defer, not contact",
        f"{run.outreach} row 4: decision {deferred} is no longer the child's latest outcome "
        "decision (a later one says contact); do not contact from this file",
        f"{run.outreach} row 4: the reviewer named does not match the store's decision",
        changed_row(run, 4),
        f"{run.outreach}.outreach.json: its decision ids are not those of the rows of outreach.csv",
    ]
    shown = report.check(OUTREACH_TRACED).detail.splitlines()
    assert shown == [*found[:10], f"... and {len(found) - 10} more"]
    with ReviewStore(run.store) as store:
        decided = assure_module._decisions(store)
    assert assure_module._outreach_problems(run.outreach, decided, KEY) == (found, [], [])


def test_an_outreach_export_out_of_shape_or_without_its_sidecar_fails(run: Run):
    sidecar = run.outreach.with_name(run.outreach.name + ".outreach.json")
    sidecar.write_text("{", encoding="utf-8")
    assert run.report().check(OUTREACH_TRACED).detail == f"{sidecar}: cannot be read as JSON"
    pl.read_csv(run.outreach, infer_schema=False).drop("reviewer").write_csv(run.outreach)
    report = run.report()
    assert failed(report) == [OUTREACH_TRACED]
    assert report.check(OUTREACH_TRACED).detail == (
        f"{run.outreach}: lacks column(s) reviewer; not an outreach export"
    )


def test_outreach_found_without_a_store_fails_as_untraceable(run: Run):
    report = run.report(store=False)
    assert failed(report) == [OUTREACH_TRACED]
    assert report.check(CHAIN).detail == "not checked: no store given"


DETAILS = (
    "child_forename",
    "child_surname",
    "child_date_of_birth",
    "parent_carers",
    "address_line_1",
    "postcode",
)


@pytest.mark.parametrize(
    "changed",
    [DETAILS, ("child_surname",), ("address_line_1", "postcode"), ("parent_carers",)],
    ids=["another_family", "surname", "address", "parents"],
)
def test_an_outreach_row_rewritten_to_name_or_address_another_family_fails(
    run: Run, changed: tuple[str, ...]
):
    # The ids, item key and decision of a contact decision kept, the family's details
    # replaced by another's (the next row's): the decision is the right one, the family not.
    frame = pl.read_csv(run.outreach, infer_schema=False)
    other = frame.row(1, named=True)
    frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(other[c])).otherwise(c).alias(c)
        for c in changed
    ).write_csv(run.outreach)
    edited = pl.read_csv(run.outreach, infer_schema=False).row(0, named=True)
    assert edited != frame.row(0, named=True)
    report = run.report()
    assert failed(report) == [OUTREACH_TRACED]
    assert report.check(OUTREACH_TRACED).detail == changed_row(run, 2)


def test_outreach_rows_added_removed_or_reordered_fail(run: Run):
    frame = pl.read_csv(run.outreach, infer_schema=False)
    sidecar = f"{run.outreach}.outreach.json"
    decision_ids = f"{sidecar}: its decision ids are not those of the rows of {run.outreach.name}"
    pl.concat([frame, frame.head(1)]).write_csv(run.outreach)
    assert run.report().check(OUTREACH_TRACED).detail.splitlines() == [
        f"{run.outreach} row 5: the export wrote no such row ({run.outreach.name}.outreach.json "
        "records 3 row(s)): it was added since: do not contact from this file",
        decision_ids,
    ]
    frame.head(2).write_csv(run.outreach)
    assert run.report().check(OUTREACH_TRACED).detail.splitlines() == [
        f"{run.outreach}: has 2 row(s) where the export wrote 3 ({run.outreach.name}"
        ".outreach.json): rows were removed since",
        decision_ids,
    ]
    frame.reverse().write_csv(run.outreach)  # every row as written, the first and last swapped
    report = run.report()
    assert failed(report) == [OUTREACH_TRACED]
    assert report.check(OUTREACH_TRACED).detail.splitlines() == [
        f"{run.outreach} row {here}: the details in it are those the export wrote for row "
        f"{there}, not this row (rows were reordered, added or removed since): do not contact "
        "from this file"
        for here, there in ((2, 4), (4, 2))
    ]
    frame.write_csv(run.outreach)  # put back as written, by another program: still passes
    assert run.report().ok


def _edit_sidecar_record(run: Run, edit: Callable[[dict], None]) -> Path:
    sidecar = run.outreach.with_name(run.outreach.name + ".outreach.json")
    record = json.loads(sidecar.read_text())
    edit(record)
    sidecar.write_text(json.dumps(record))
    return sidecar


def test_an_older_outreach_sidecar_without_row_digests_warns_and_fails_under_strict(
    run: Run, monkeypatch: pytest.MonkeyPatch
):
    # As `review outreach` wrote its sidecar before it recorded each row's digest, and the
    # store's access log sealed none.
    monkeypatch.setattr(assure_module, "_outreach_seals", lambda store: {})
    sidecar = _edit_sidecar_record(run, lambda record: record.pop("row_digests"))
    report = run.report()
    assert report.ok and report.check(OUTREACH_TRACED).warning
    note = (
        f"{sidecar}: written before outreach exports recorded a keyed digest of each row, so "
        "the details in the 3 row(s) of outreach.csv cannot be verified as those the export "
        "wrote (names, date of birth, parents, address); export the list again to have them "
        "verified"
    )
    assert report.check(OUTREACH_TRACED).detail.splitlines() == [
        "1 export(s), 3 row(s), each on a named reviewer's latest contact decision when "
        "exported; but the details of some cannot be verified:",
        note,
    ]
    strict = assure([run.folder], store=run.store, key=KEY, strict=True)
    assert failed(strict) == [OUTREACH_TRACED]
    # Its rows still traced to their decisions: a failure there is listed before the note.
    _edit_outreach(run, "reviewer", "Someone Else", row=0)
    assert run.report().check(OUTREACH_TRACED).detail.splitlines() == [
        f"{run.outreach} row 2: the reviewer named does not match the store's decision",
        note,
    ]


def test_an_outreach_sidecar_stripped_of_the_digests_the_store_sealed_fails(run: Run):
    # Stripped, the sidecar would pass as one written before digests (a warning only): the
    # store's access log sealed them when the export was written. Replaced, likewise.
    sidecar = _edit_sidecar_record(run, lambda record: record.pop("row_digests"))
    report = run.report()
    assert failed(report) == [OUTREACH_TRACED]
    assert report.check(OUTREACH_TRACED).detail == (
        f"{sidecar}: records no row digests, though the store's access log sealed those of "
        "this list's outreach exports when they were written (removed since, or an export "
        "written before they were sealed: export the list again), so its rows' details cannot "
        "be verified: do not contact from this file"
    )
    _edit_sidecar_record(run, lambda record: record.update(row_digests=["0" * 64] * 3))
    detail = run.report().check(OUTREACH_TRACED).detail
    assert (
        f"{sidecar}: its row digests are none the store's access log sealed when this list's "
        "outreach exports were written (replaced since): do not contact from this file"
    ) in detail.splitlines()


def test_an_outreach_sidecars_row_digests_edited_into_something_else_fail(run: Run):
    sidecar = _edit_sidecar_record(run, lambda record: record.update(row_digests="all fine"))
    report = run.report()
    assert failed(report) == [OUTREACH_TRACED]
    assert report.check(OUTREACH_TRACED).detail == (
        f"{sidecar}: its row_digests are not the digests an export writes (it was changed "
        "since), so the details in the 3 row(s) of outreach.csv cannot be verified: do not "
        "contact from this file"
    )


def test_an_outreach_export_whose_sidecar_was_deleted_fails_as_untraceable(
    run: Run, tmp_path: Path
):
    Path(f"{run.outreach}.outreach.json").unlink()
    untraced = (
        f"{run.outreach}: has no outreach.csv.outreach.json beside it, so its rows cannot be "
        "traced to decisions: do not contact from this file"
    )
    report = run.report()
    assert failed(report) == [OUTREACH_TRACED]
    assert report.check(OUTREACH_TRACED).detail == untraced
    assert run.report(store=False).check(OUTREACH_TRACED).detail == untraced
    alone = assure([run.outreach], store=run.store, key=KEY)
    assert alone.check(OUTREACH_TRACED).detail == untraced
    # Found by its header wherever it is kept and whatever it is called, and restricted.
    moved = tmp_path / "elsewhere" / "contacts.csv"
    moved.parent.mkdir()
    run.outreach.rename(moved)
    moved.chmod(0o644)
    report = assure([run.folder, moved.parent], store=run.store, key=KEY)
    assert failed(report) == [OUTREACH_TRACED, MODES]
    assert report.check(OUTREACH_TRACED).detail == (
        f"{moved}: has no contacts.csv.outreach.json beside it, so its rows cannot be traced "
        "to decisions: do not contact from this file"
    )


def edit_behind_the_stores_back(path: Path, statement: str) -> None:
    """Drop the append-only trigger with raw sqlite3, change a row, put the trigger back."""
    conn = sqlite3.connect(path)
    trigger = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'decisions_no_update'"
    ).fetchone()[0]
    conn.execute("DROP TRIGGER decisions_no_update")
    conn.execute(statement)
    conn.execute(trigger)
    conn.commit()
    conn.close()


def test_a_decision_edited_directly_in_sqlite_fails_the_chain_check(run: Run):
    edit_behind_the_stores_back(
        run.store, "UPDATE decisions SET reviewer = 'C. Nobody' WHERE decision = 'defer'"
    )
    report = run.report()
    assert failed(report) == [CHAIN]
    assert report.check(CHAIN).detail == (
        f"{run.store}: seq 4: its fields do not match its keyed hash (it was edited after "
        "recording, or rehashed by someone without the key)"
    )


def test_a_review_view_removed_from_the_access_log_fails_the_sealed_check(run: Run):
    """The auditor's case: a deleted "review view" line passed "details seen before each
    decision", which rests on it."""
    conn = sqlite3.connect(run.store)
    conn.execute("DROP TRIGGER access_log_no_delete")
    first = conn.execute("SELECT min(seq) FROM access_log WHERE command = 'review view'")
    seq = first.fetchone()[0]
    conn.execute("DELETE FROM access_log WHERE seq = ?", (seq,))
    conn.commit()
    conn.close()
    report = run.report()
    assert failed(report) == [SEALED]
    detail = report.check(SEALED).detail
    assert f"access log line {seq + 1} (" in detail
    assert "its seal does not match: the line was changed, a line before it was removed" in detail
    assert f"{run.store}.access line " in detail and f"access log line {seq}, logged on " in detail


def test_a_stored_list_item_edited_in_sqlite_fails_the_sealed_check(run: Run):
    """What a reviewer decided on is the item's stored row: before the lists were sealed, a
    tier changed with sqlite3 passed every check."""
    assert "the stored lists: 1 sealed and intact" in run.report().check(SEALED).detail
    conn = sqlite3.connect(run.store)
    conn.execute("DROP TRIGGER list_items_no_update")
    conn.execute("UPDATE list_items SET tier = 'possible' WHERE rowid = 1")
    conn.commit()
    (list_id,) = conn.execute("SELECT list_id FROM lists").fetchone()
    conn.close()
    report = run.report()
    assert failed(report) == [SEALED]
    # The list file is not blamed for the store's change: not compared, and said so.
    assert report.check(LISTS_PENDING).detail.splitlines() == [
        "1 list(s), every row pending_review, each as assess wrote it; 0 of them as the store "
        "holds it",
        f"{run.listed}: list {list_id} in the store does not hold to its seal (see "
        f"{SEALED!r}; or the key is not the store's): compared with its manifest only",
    ]
    assert report.check(SEALED).detail.startswith(f"list {list_id} (stored ") and report.check(
        SEALED
    ).detail.endswith(
        "its items were changed, added or removed since it was stored (outside retention): "
        "what reviewers were shown is not as the list proposed"
    )


def test_decisions_removed_from_the_end_with_the_counter_rewound_fail_the_chain_check(run: Run):
    conn = sqlite3.connect(run.store)
    conn.execute("DROP TRIGGER decisions_no_delete")
    conn.execute("DELETE FROM decisions WHERE seq = 4")
    conn.execute("UPDATE sqlite_sequence SET seq = 3 WHERE name = 'decisions'")
    conn.commit()
    conn.close()
    report = run.report()
    assert failed(report) == [CHAIN]
    logged, exported = report.check(CHAIN).detail.splitlines()
    assert logged.startswith(f"{run.store}.heads line ")
    assert ": the chain ended at seq 4 on " in logged
    assert logged.endswith(", and that decision is gone from the store")
    assert exported == (
        f"{run.outreach}.outreach.json: the chain head recorded at export is no longer in the "
        "store's chain (decisions were removed since)"
    )
    # The head log deleted too, to hide the cut: its absence is found.
    Path(f"{run.store}.heads").unlink()
    missing = run.report().check(CHAIN).detail.splitlines()[0]
    assert missing.startswith(f"{run.store}.heads: missing, while the store holds 3 decision(s)")


def test_an_exported_head_removed_under_store_retention_still_passes_the_chain_check(run: Run):
    head = json.loads(Path(f"{run.outreach}.outreach.json").read_text())["chain_head"]
    later = datetime.now(UTC) + timedelta(days=1)
    with ReviewStore(run.store) as store:
        done = store.apply_retention(datetime(2000, 1, 1, tzinfo=UTC), later, user="records")
        (checkpoint,) = store.checkpoints()
        assert store.decisions().height == 0
    assert (done.decisions, done.checkpoints, done.list_items) == (4, 1, 0)
    assert checkpoint.head_hash == head
    report = run.report()
    assert report.check(CHAIN).ok
    assert report.check(CHAIN).detail.splitlines() == [
        "0 decisions, chain intact; 4 earlier decisions removed under retention, bridged by "
        f"1 checkpoints; head {head[:12]}",
        f"{run.outreach}.outreach.json: the chain head recorded at export was removed under "
        "retention (bridged by checkpoint 1)",
    ]
    assert report.check(SEALED).ok
    assert report.check(SEALED).detail.splitlines() == [
        "the stored lists: 1 sealed and intact",
        "the access log: 6 line(s) sealed and intact",
    ]
    assert failed(report) == [OUTREACH_TRACED]  # its rows rest on decisions no longer held


@pytest.mark.parametrize("which", ["listed", "outreach", "data", "store"])
def test_a_restricted_file_readable_by_others_fails_the_modes_check(run: Run, which: str):
    target = {
        "listed": run.listed,
        "outreach": run.outreach,
        "data": run.folder / "restricted" / "data" / "people.csv",
        "store": run.store,
    }[which]
    target.chmod(0o644)
    report = run.report()
    assert failed(report) == [MODES]
    assert report.check(MODES).detail == (
        f"{target}: mode 0644; expected 0600 (owner only). Run `chmod 600 {target}`"
    )


def test_a_dfe_results_file_readable_by_others_fails_the_modes_check(run: Run):
    """DfE's results files (parents' names, dates of birth, NINOs) are flagged as workbooks
    are: a tester's, given to `check import` at 0644, passed without a word."""
    results = run.folder / "dfe" / "results.csv"
    results.parent.mkdir()
    results.write_bytes(
        b"\xef\xbb\xbfParent Last Name,Parent Date of Birth,Parent National Insurance number,"
        b"Outcome\r\nTurner,1989-11-11,RG653885A,Eligible\r\n"
    )
    results.chmod(0o600)
    assert failed(run.report()) == []
    results.chmod(0o644)
    report = run.report()
    assert failed(report) == [MODES]
    assert report.check(MODES).detail == (
        f"{results}: mode 0644; expected 0600 (owner only). Run `chmod 600 {results}`"
    )


def test_a_restricted_folder_open_to_others_fails_the_modes_check(run: Run):
    folder = run.folder / "restricted"
    folder.chmod(0o755)
    report = run.report()
    assert failed(report) == [MODES]
    assert report.check(MODES).detail.startswith(f"{folder}: mode 0755; expected 0700")


def _list_moved(run: Run, folder: Path) -> Path:
    """The run's list, its manifest and its DWP-list rows not listed, moved out of
    restricted/ into `folder` (owner-only, as assess makes a new folder), modes kept."""
    folder.mkdir(mode=0o700)
    for path in sorted(run.listed.parent.glob(f"{run.listed.stem}.*")):  # the list too
        path.rename(folder / path.name)
    assert sorted(p.name for p in folder.iterdir()) == [
        "two_year_old.csv",
        "two_year_old.csv.manifest.json",
        "two_year_old.dwp_not_listed.csv",
    ]
    return folder / run.listed.name


@pytest.mark.parametrize("given", ["folder", "list"])
def test_a_lists_dwp_rows_not_listed_readable_by_others_fail_the_modes_check(run: Run, given: str):
    """They hold DWP record ids, dates of birth and matched person ids (section 13B of the
    Childcare Act 2006): found at 0644 beside a list outside restricted/, they passed."""
    listed = _list_moved(run, run.folder / "lists")
    unlisted = listed.with_name(f"{listed.stem}.dwp_not_listed.csv")
    assert stat.S_IMODE(unlisted.stat().st_mode) == 0o600  # as assess wrote it
    paths = [run.folder / "lists"] if given == "folder" else [listed]
    assert assure(paths, key=KEY).check(MODES).ok
    unlisted.chmod(0o644)
    check = assure(paths, key=KEY).check(MODES)
    assert (check.result, check.detail) == (
        "FAIL",
        f"{unlisted}: mode 0644; expected 0600 (owner only). Run `chmod 600 {unlisted}`",
    )
    # The list's manifest likewise (it was already checked, given the list or its folder).
    manifest = listed.with_name(listed.name + ".manifest.json")
    manifest.chmod(0o640)
    assert assure(paths, key=KEY).check(MODES).detail.splitlines() == [
        f"{manifest}: mode 0640; expected 0600 (owner only). Run `chmod 600 {manifest}`",
        f"{unlisted}: mode 0644; expected 0600 (owner only). Run `chmod 600 {unlisted}`",
    ]


@pytest.mark.parametrize("given", ["folder", "list"])
def test_a_lists_folder_open_to_others_warns_and_fails_under_strict(run: Run, given: str):
    """Others can list and enter it (a copy saved there later is theirs to read): passed
    without a word. It may be a folder that was there before the list, so it warns."""
    folder = run.folder / "lists"
    listed = _list_moved(run, folder)
    paths = [folder] if given == "folder" else [listed]
    assert assure(paths, key=KEY).check(MODES).detail == "3 file(s) and 1 folder(s) owner-only"
    folder.chmod(0o755)
    chmod = f"{folder}: mode 0755; expected 0700 (owner only). Run `chmod 700 {folder}`"
    check = assure(paths, key=KEY).check(MODES)
    assert (check.result, check.detail.splitlines()) == (
        "WARN",
        [
            "3 file(s) and 0 folder(s) owner-only; 1 folder(s) holding a list not owner-only "
            "(others can list and enter them, and read a copy saved there later):",
            chmod,
        ],
    )
    assert assure(paths, key=KEY, strict=True).check(MODES).result == "FAIL"
    # Beside a file open to others, it is named after the failure.
    unlisted = listed.with_name(f"{listed.stem}.dwp_not_listed.csv")
    unlisted.chmod(0o604)
    check = assure(paths, key=KEY).check(MODES)
    assert (check.result, check.detail.splitlines()) == (
        "FAIL",
        [
            f"{unlisted}: mode 0604; expected 0600 (owner only). Run `chmod 600 {unlisted}`",
            "1 folder(s) holding a list not owner-only (others can list and enter them, and "
            "read a copy saved there later):",
            chmod,
        ],
    )


def person_id(run: Run) -> str:
    return pl.read_csv(run.listed, infer_schema=False)["person_id"].drop_nulls()[0]


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        (lambda run: "TN123456C", "a National Insurance number"),
        (lambda run: "tn 12 34 56 c", "a National Insurance number"),
        (lambda run: "ab123456c", "a National Insurance number"),
        (lambda run: "FQ1 1AA", "a full postcode"),
        (lambda run: "fq11aa", "a full postcode"),
        (lambda run: "Fq1 1aA", "a full postcode"),
        (lambda run: "pk_" + "ab" * 12, "a pseudonymous key"),
        (person_id, "a person or record id from the run's lists"),
    ],
)
def test_a_shareable_csv_holding_personal_data_fails_the_shareable_check(run: Run, cell, kind):
    leak = run.shareable / "by_area.csv"
    leak.write_text(f"area,children\nNorth,12\n{cell(run)},15\n")
    report = run.report()
    assert failed(report) == [SHAREABLE]
    assert report.check(SHAREABLE).detail == f"{leak} line 3: {kind}"


def test_a_childs_name_from_an_outreach_export_in_a_shareable_page_fails(run: Run):
    child = pl.read_csv(run.outreach, infer_schema=False).row(0, named=True)
    page = run.shareable / "notes.html"
    page.write_text(f"<p>Called {child['child_forename']} {child['child_surname']}'s family</p>")
    report = run.report()
    assert failed(report) == [SHAREABLE]
    assert report.check(SHAREABLE).detail == (
        f"{page} line 1: a child's name from an outreach export"
    )


def test_the_findings_never_repeat_the_personal_data_found(run: Run):
    (run.shareable / "leak.csv").write_text("nino\nTN123456C\n")
    assert "TN123456C" not in format_report(run.report())


def test_a_folder_without_a_list_fails_and_a_missing_path_is_refused(tmp_path: Path):
    assert failed(assure([tmp_path], store=None)) == [LISTS_PENDING]
    with pytest.raises(WorkbenchError, match="does not exist"):
        assure([tmp_path / "nowhere"], store=None)
    with pytest.raises(WorkbenchError, match="no review store there"):
        assure([tmp_path], store=tmp_path / "missing.sqlite")


def test_format_report_names_each_failure_and_indents_its_findings():
    report = AssuranceReport(
        [Check("first", True, "fine"), Check("second", False, "one\ntwo")], (Path("run"),)
    )
    assert format_report(report) == (
        "Assurance of: run\nPASS  first: fine\nFAIL  second: one\n      two\n1 of 2 checks failed."
    )


def test_modes_are_what_the_workbench_writes(built: Run):
    """The clean run's own files: the list and the outreach export are 0600 as written."""
    assert stat.S_IMODE(built.outreach.stat().st_mode) == 0o600
    assert stat.S_IMODE(built.listed.stat().st_mode) == 0o600


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_quarantine_file_readable_by_others_fails_the_modes_check(run: Run, suffix: str):
    from workbench.data.reading import load_folder
    from workbench.runs.console import write_quarantine

    loaded = load_folder(run.folder / "restricted" / "data", tables=["people"])
    target = write_quarantine(loaded.quarantine, run.folder / f"quarantine{suffix}")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # written owner-only
    assert failed(run.report()) == []
    target.chmod(0o644)
    report = run.report()
    assert failed(report) == [MODES]
    assert report.check(MODES).detail == (
        f"{target}: mode 0644; expected 0600 (owner only). Run `chmod 600 {target}`"
    )


def test_a_take_up_report_run_without_a_list_is_not_a_failure(tmp_path: Path):
    # `workbench report 04` writes tables and no list: that is what it is meant to do.
    folder = tmp_path / "2026-12-04-04_take_up_report-r-0123456789ab"
    (folder / "shareable").mkdir(parents=True)
    (folder / "restricted").mkdir(mode=0o700)
    (folder / "shareable" / "take_up.csv").write_text("group,eligible\nall,41\n")
    outputs = {"shareable/take_up.csv": file_sha256(folder / "shareable" / "take_up.csv")}
    (folder / "manifest.json").write_text(
        json.dumps({"notebook": {"name": "04_take_up_report", "sha256": "ab"}, "outputs": outputs})
    )
    report = assure([folder])
    assert report.check(LISTS_PENDING).ok
    assert report.check(LISTS_PENDING).detail == (
        "not applicable: the report run(s) found (04_take_up_report) wrote no candidate list"
    )
    assert failed(report) == []


# --- check exports for DfE's checking service -----------------------------------------------------
@dataclass(frozen=True)
class Checked:
    run: Run
    export: CheckExport
    part: Path


def check_export(run: Run, more: int = 25) -> Checked:
    """`check` decided for ``more`` children not yet decided (each viewed first), then the check
    export written into the run's restricted/ folder: the children decided contact or check."""
    restricted = run.folder / "restricted"
    with ReviewStore(run.store) as store:
        list_id = store.lists()["list_id"][0]
        decided = set(store.decisions()["item_key"])
        keys = [k for k in store.items(list_id)["item_key"] if k not in decided][:more]
        store.record_decisions(
            {"list_id": list_id, "item_key": k, "decision": "check", "reviewer": "A. Officer"}
            for k in keys
        )
        export = export_checks(
            store,
            run.listed,
            restricted / "data",
            restricted / "checks.csv",
            key=KEY,
            user="Al Ash",
        )
    assert export.rows >= 2, export
    return Checked(run, export, export.files[0])


@pytest.fixture
def checked(run: Run) -> Checked:
    return check_export(run)


def test_a_check_export_whose_every_row_rests_on_a_decision_passes(checked: Checked):
    report = checked.run.report()
    assert failed(report) == []
    assert report.check(CHECKS_TRACED).detail == (
        f"1 export(s), {checked.export.rows} row(s) for {checked.export.children} child(ren), "
        "each on a named reviewer's decision that allowed the check, the child's latest when "
        "exported"
    )
    # A later decision does not undo a check already sent: the export stays traced.
    sidecar = json.loads(checked.export.sidecar.read_text())
    child = sidecar["rows"][0]["rests_on"][0]["item_key"]
    with ReviewStore(checked.run.store) as store:
        store.record_decision(checked.export.list_id, child, "defer", "B. Officer")
    assert checked.run.report().check(CHECKS_TRACED).ok


def test_a_row_added_to_a_check_export_by_hand_has_no_decision_and_fails(checked: Checked):
    with checked.part.open("a") as part:
        part.write("Smith,01/02/1990,AB123456C\n")
    line = checked.export.rows + 2  # the header is line 1
    report = checked.run.report()
    assert failed(report) == [CHECKS_TRACED]
    assert report.check(CHECKS_TRACED).detail == (
        f"{checked.part} row {line}: checks.check.json records no child's decision for this "
        "row, so it cannot be traced to a person's decision"
    )
    assert "Smith" not in format_report(report) and "AB123456C" not in format_report(report)


@pytest.mark.parametrize("column", [0, 1, 2], ids=["surname", "date_of_birth", "nino"])
def test_a_row_of_a_check_export_changed_by_hand_fails(checked: Checked, column: int):
    lines = checked.part.read_text(encoding="utf-8-sig").splitlines()
    cells = lines[1].split(",")
    cells[column] = ["Zyzzyva", "01/01/1901", "GR412727A"][column]
    lines[1] = ",".join(cells)
    checked.part.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = checked.run.report()
    assert failed(report) == [CHECKS_TRACED]
    assert report.check(CHECKS_TRACED).detail == (
        f"{checked.part} row 2: the details in it are not those the export sent for this row "
        "(the row was changed since): do not send this file"
    )
    assert "Zyzzyva" not in format_report(report) and "GR412727A" not in format_report(report)


def _edit_sidecar(checked: Checked, edit) -> dict:
    record = json.loads(checked.export.sidecar.read_text())
    edit(record)
    checked.export.sidecar.write_text(json.dumps(record))
    return record


def test_a_check_export_row_resting_on_a_decision_not_in_the_store_fails(checked: Checked):
    def forge(record: dict) -> None:
        record["rows"][1]["rests_on"][0]["decision_id"] = "d-" + "0" * 32

    record = _edit_sidecar(checked, forge)
    report = checked.run.report()
    assert failed(report) == [CHECKS_TRACED]
    assert report.check(CHECKS_TRACED).detail == (
        f"{checked.part} row {record['rows'][1]['line']}: decision_id 'd-{'0' * 32}' is not in "
        "the store"
    )


def test_a_check_export_row_resting_on_a_decision_that_allows_no_check_fails(checked: Checked):
    with ReviewStore(checked.run.store) as store:
        deferred = store.decisions().filter(pl.col("decision") == "defer").row(0, named=True)

    def swap(record: dict) -> None:
        # Even an export that says it chose `defer` (as an older workbench let one) may not
        # send a deferred family.
        record["decisions_chosen"] = ["contact", "check", "defer"]
        record["rows"][0]["rests_on"] = [
            {
                "item_key": deferred["item_key"],
                "decision_id": deferred["decision_id"],
                "decision_seq": deferred["seq"],
            }
        ]

    record = _edit_sidecar(checked, swap)
    where = f"{checked.part} row {record['rows'][0]['line']}"
    report = checked.run.report()
    assert failed(report) == [CHECKS_TRACED]
    assert report.check(CHECKS_TRACED).detail.splitlines() == [
        f"{where}: decision {deferred['decision_id']} is defer, which does not allow a check "
        "(only contact or check does)",
        f"{where}: the store's record of the export does not list decision "
        f"{deferred['decision_id']} for this row",
    ]


def test_check_files_without_their_sidecar_or_store_record_cannot_be_traced(checked: Checked):
    checked.export.sidecar.unlink()
    report = checked.run.report()
    assert failed(report) == [CHECKS_TRACED]
    lines = report.check(CHECKS_TRACED).detail.splitlines()
    assert lines[: len(checked.export.files)] == [
        f"{p}: a file for DfE's checking service with no .check.json sidecar claiming it: its "
        f"{len(pl.read_csv(p, infer_schema=False))} row(s) cannot be traced to a person's "
        "decision"
        for p in checked.export.files
    ]
    # The store's export is named too: its sidecar is nowhere under the paths given.
    assert lines[-1].startswith(f"check export {checked.export.export_id} of list ")
    assert lines[-1].endswith(
        "its sidecar (checks.check.json) is not under the paths given "
        "(the store records the files' name, not their folder)"
    )


def test_a_check_export_found_without_a_store_fails_as_untraceable(checked: Checked):
    report = checked.run.report(store=False)
    assert failed(report) == [OUTREACH_TRACED, CHECKS_TRACED]
    assert report.check(CHECKS_TRACED).detail == (
        "1 check export(s) found but no store given: pass --store so each row can be traced to "
        "its decisions"
    )


@pytest.mark.parametrize("which", ["part", "sidecar", "not_checkable"])
def test_a_check_export_file_readable_by_others_fails_the_modes_check(checked: Checked, which):
    target = {
        "part": checked.part,
        "sidecar": checked.export.sidecar,
        "not_checkable": checked.export.not_checkable_file,
    }[which]
    target.chmod(0o644)
    report = checked.run.report()
    assert failed(report) == [MODES]
    assert report.check(MODES).detail == (
        f"{target}: mode 0644; expected 0600 (owner only). Run `chmod 600 {target}`"
    )


def test_only_the_decisions_the_export_chose_allow_its_rows(checked: Checked):
    record = json.loads(checked.export.sidecar.read_text())
    assert record["decisions_chosen"] == ["contact", "check"]
    with ReviewStore(checked.run.store) as store:
        kinds = dict(store.decisions().select("decision_id", "decision").iter_rows())
    contacted = [
        (row["line"], entry["decision_id"])
        for row in record["rows"]
        for entry in row["rests_on"]
        if kinds[entry["decision_id"]] == "contact"
    ]
    assert contacted  # the three children decided `contact` in the run
    _edit_sidecar(checked, lambda r: r.update(decisions_chosen=["check"]))
    report = checked.run.report()
    assert failed(report) == [CHECKS_TRACED]
    assert report.check(CHECKS_TRACED).detail.splitlines() == [
        f"{checked.export.files[0].parent / name} row {line}: decision {decision} is contact, "
        "which the export did not choose (it sends children whose latest decision is check)"
        for name, line, decision in sorted(
            (row["file"], row["line"], entry["decision_id"])
            for row in record["rows"]
            for entry in row["rests_on"]
            if kinds[entry["decision_id"]] == "contact"
        )
    ]


@pytest.mark.parametrize("on_rerun", [False, True], ids=["same_list", "rerun_list"])
def test_a_later_decision_recorded_as_before_the_export_fails_it(
    checked: Checked, tmp_path: Path, on_rerun: bool
):
    # On the export's list, or on a re-run's list of the same offer: the later one stands.
    list_id = rerun_list(checked.run, tmp_path / "rerun") if on_rerun else checked.export.list_id
    with ReviewStore(checked.run.store) as store:
        exported_at = store.check_exports()["exported_at"][0]
        kinds = dict(store.decisions().select("decision_id", "decision").iter_rows())
    record = json.loads(checked.export.sidecar.read_text())
    # A child decided `check` (a `contact` child's outreach export would fail too).
    row, entry = next(
        (r, e) for r in record["rows"] for e in r["rests_on"] if kinds[e["decision_id"]] == "check"
    )
    moment = datetime.fromisoformat(exported_at.replace("Z", "+00:00")) - timedelta(seconds=1)
    with ReviewStore(checked.run.store, clock=lambda: moment) as store:
        store.record_decision(list_id, entry["item_key"], "not_eligible", "B. Officer", "moved")
        assert store.verify_chain().ok
    report = checked.run.report()
    assert failed(report) == [CHECKS_TRACED]
    where = f" on list {list_id}" if on_rerun else ""
    assert report.check(CHECKS_TRACED).detail == (
        f"{checked.part.parent / row['file']} row {row['line']}: decision "
        f"{entry['decision_id']} was not the child's latest outcome decision when the export "
        f"was made (a later one{where} says not_eligible)"
    )


def test_a_list_for_a_term_later_than_its_rules_were_checked_for_warns(run: Run):
    restricted = run.folder / "restricted"
    later = date(2027, 9, 1)
    found = assess(restricted / "data", "two_year_old", term_start=later, as_of=later)
    written = found.write(restricted / "next_year.csv").out
    _lock(restricted)
    warned = run.report()
    assert warned.ok, format_report(warned)
    check = warned.check(RULES_CHECKED)
    assert (check.result, check.detail.splitlines()) == (
        "WARN",
        [
            "1 of 2 list(s) made for a term later than its rules were checked for: check the "
            "rules against DfE's current guidance before acting on the list:",
            f"{written}: the term starting 2027-09-01, with {found.rule_set.ref}, checked for "
            "terms starting up to 2027-08-31",
        ],
    )
    strict = assure([run.folder], store=run.store, key=KEY, strict=True)
    assert failed(strict) == [RULES_CHECKED]
    # A manifest from before the rule files said how far they were checked: not counted.
    manifest = written.with_name(written.name + ".manifest.json")
    record = json.loads(manifest.read_text())
    del record["rules_checked_through"]
    manifest.write_text(json.dumps(record))
    assert run.report().check(RULES_CHECKED).detail == (
        "1 list(s) made with rules checked for its term; 1 list(s) whose manifest does not say "
        "how far its rules were checked (made before the rule files said, or with a rule file "
        "of the council's that does not)"
    )


# --- a report run's files, as its manifest records them --------------------------------------
@dataclass(frozen=True)
class ReportRuns:
    """Two run folders written by `workbench report`: notebook 02 run to the end, and a
    notebook that wrote a table and a file about individuals, then stopped (`-failed`)."""

    ok: Path
    failed: Path


STOPS = """\
from pathlib import Path
out = Path(output_dir)
(out / "shareable" / "partial.csv").write_text("tier,children\\nlikely,12\\n")
(out / "restricted" / "notes.csv").write_text("note\\nhalf way\\n")
raise RuntimeError("stopped half way")
"""


@pytest.fixture(scope="module")
def report_runs(tmp_path_factory: pytest.TempPathFactory) -> ReportRuns:
    root = tmp_path_factory.mktemp("report_runs")
    data = root / "council"
    write_council(generate_council(5000, 11, ON), data, "csv")
    dates = {"term_start": ON.isoformat(), "as_of": ON.isoformat()}
    ok = run_report("02_eligibility_list", data=data, parameters=dates, reports=root / "r")
    notebook = root / "stops.ipynb"
    parameters = new_code_cell("data = ''\noutput_dir = ''")
    parameters.metadata["tags"] = ["parameters"]
    nbformat.write(new_notebook(cells=[parameters, new_code_cell(STOPS)]), notebook)
    with pytest.raises(ReportFailed) as stopped:
        run_report(notebook, data=data, parameters={}, reports=root / "r")
    return ReportRuns(ok.run_dir, stopped.value.run.run_dir)


def copied(folder: Path, tmp_path: Path) -> Path:
    """A copy of a report run folder (modes kept) for a test to break."""
    return Path(shutil.copytree(folder, tmp_path / folder.name))


@pytest.fixture
def report_run(report_runs: ReportRuns, tmp_path: Path) -> Path:
    return copied(report_runs.ok, tmp_path)


def outputs_of(folder: Path) -> dict[str, str]:
    return json.loads((folder / "manifest.json").read_text())["outputs"]


CHANGED = (
    "changed since the run wrote it (its SHA-256 is not the one the run's manifest.json "
    "records: the file, or the manifest, was edited since); do not rely on it or share it: run "
    "the report again"
)


def test_a_report_runs_files_as_it_wrote_them_pass(report_run: Path):
    # The manifest lists the executed notebook, its HTML and every file under shareable/ and
    # restricted/, those the tests below break among them; it cannot hash itself.
    outputs = outputs_of(report_run)
    on_disk = sorted(
        p.relative_to(report_run).as_posix()
        for part in ("shareable", "restricted")
        for p in (report_run / part).rglob("*")
        if p.is_file()
    )
    assert sorted(outputs) == ["notebook.ipynb", "report.html", *on_disk]
    assert {
        "restricted/two_year_old_list.csv",
        "restricted/two_year_old_list.dwp_not_listed.csv",
        "shareable/by_tier.csv",
    } <= set(outputs)
    assert "manifest.json" not in outputs
    report = assure([report_run])
    assert [c.name for c in report.checks] == ALL_CHECKS[: -len(REVIEW_CHECKS)]
    assert report.ok, format_report(report)
    assert report.check(OUTPUTS).detail == (
        f"1 report run(s), {len(outputs)} file(s) (the executed notebook, its HTML and what is "
        "under shareable/ and restricted/), each with the SHA-256 its manifest records, none "
        "missing or added"
    )
    assert format_report(report).splitlines()[-1] == "All 10 checks passed."


def _person_id(folder: Path) -> str:
    listed = folder / "restricted" / "two_year_old_list.csv"
    return pl.read_csv(listed, infer_schema=False)["person_id"].drop_nulls()[0]


def _count_plus_one(text: str) -> str:
    return re.sub(r",([0-9]+),false", lambda m: f",{int(m[1]) + 1},false", text, count=1)


@pytest.mark.parametrize(
    ("edit", "also_failed"),
    [
        (lambda text, run: text.replace(",c,true", ",3,false", 1), []),
        (lambda text, run: _count_plus_one(text), []),
        (lambda text, run: text + "Ann Lee,children,1,false\n", []),
        (lambda text, run: text + "2024-03-15,children,1,false\n", []),
        (lambda text, run: text + "FQ1 1AA,children,1,false\n", [SHAREABLE]),
        (lambda text, run: text + f"{_person_id(run)},children,1,false\n", [SHAREABLE]),
    ],
    ids=["hidden_count_shown", "count_changed", "name", "date_of_birth", "postcode", "person_id"],
)
def test_a_shareable_table_edited_since_the_run_fails_the_outputs_check(
    report_run: Path, edit: Callable[[str, Path], str], also_failed: list[str]
):
    table = report_run / "shareable" / "by_tier.csv"
    before = table.read_text()
    table.write_text(edit(before, report_run))
    assert table.read_text() != before
    report = assure([report_run])
    # A name or a date of birth is nothing the personal-data scan can tell from a label: only
    # the file's SHA-256 against the manifest's finds it.
    assert failed(report) == [*also_failed, OUTPUTS]
    assert report.check(OUTPUTS).detail == f"{table}: {CHANGED}"


def test_a_file_added_to_shareable_since_the_run_fails_the_outputs_check(report_run: Path):
    added = report_run / "shareable" / "by_ward.csv"
    added.write_text("ward,children\nNorth,12\n")
    report = assure([report_run])
    assert failed(report) == [OUTPUTS]
    assert report.check(OUTPUTS).detail == (
        f"{added}: not written by the run (the run's manifest.json does not list it): added "
        "since the run"
    )


def test_a_restricted_list_copied_into_shareable_is_named_as_a_copy(report_run: Path):
    copy = report_run / "shareable" / "extra.csv"
    shutil.copyfile(report_run / "restricted" / "two_year_old_list.csv", copy)
    report = assure([report_run])
    assert failed(report) == [SHAREABLE, OUTPUTS]
    assert report.check(OUTPUTS).detail == (
        f"{copy}: not written by the run (the run's manifest.json does not list it): added "
        "since the run; it is a copy of restricted/two_year_old_list.csv"
    )


def test_a_restricted_file_deleted_since_the_run_fails_the_outputs_check(report_run: Path):
    gone = report_run / "restricted" / "two_year_old_list.dwp_not_listed.csv"
    gone.unlink()
    report = assure([report_run])
    # The list's own check compares the files that are there: only this one finds the gap.
    assert failed(report) == [OUTPUTS]
    assert report.check(OUTPUTS).detail == (
        f"{gone}: missing; the run's manifest.json lists it among the files the run wrote "
        "(deleted or moved since the run)"
    )


def test_files_added_to_the_run_folders_top_or_a_new_folder_fail(report_run: Path):
    # The auditor's tester put a copy of the list (and the whole people file) at the run
    # folder's world-readable top and in a new subfolder: all 10 checks passed.
    top = report_run / "two_year_old_list copy.csv"
    shutil.copyfile(report_run / "restricted" / "two_year_old_list.csv", top)
    (report_run / "extract").mkdir()
    people = report_run / "extract" / "people.csv"
    people.write_text("person_id,forename,ethnicity\nP1,Ann,White British\n")
    report = assure([report_run])
    assert failed(report) == [OUTPUTS]
    assert report.check(OUTPUTS).detail.splitlines() == [
        f"{people}: not written by the run (the run's manifest.json does not list it): added "
        "since the run",
        f"{top}: not written by the run (the run's manifest.json does not list it): added "
        "since the run; it is a copy of restricted/two_year_old_list.csv",
    ]


def test_jupyters_checkpoint_of_the_executed_notebook_is_not_an_added_file(report_run: Path):
    # An analyst opens notebook.ipynb in JupyterLab, which keeps a copy beside it: the very
    # bytes the run wrote pass; a checkpoint that differs is a file added since, as any other.
    checkpoints = report_run / ".ipynb_checkpoints"
    checkpoints.mkdir()
    copy = checkpoints / "notebook-checkpoint.ipynb"
    shutil.copyfile(report_run / "notebook.ipynb", copy)
    report = assure([report_run])
    assert failed(report) == [], format_report(report)
    copy.write_text(copy.read_text().replace("likely", "LIKELY", 1))
    assert failed(assure([report_run])) == [OUTPUTS]


def test_a_shareable_table_of_people_row_by_row_fails_the_scan(report_run: Path):
    # Names, dates of birth and ethnicity, one child a row: nothing the line scan knew.
    table = report_run / "shareable" / "children.csv"
    table.write_text("Forename,Surname,Date of birth,Ethnicity\nAnn,Lee,2024-03-15,White British\n")
    report = assure([report_run])
    assert failed(report) == [SHAREABLE, OUTPUTS]
    assert report.check(SHAREABLE).detail == (
        f"{table} line 1: column(s) Forename, Surname, Date of birth: a table of people, row "
        "by row, not of counts"
    )


def test_restricted_outputs_deleted_by_retention_are_not_missing(report_run: Path):
    # Run folders are kept 7 years, restricted/ 1: for 6 years every run failed as tampered.
    from workbench.governance.retention import apply_retention, load_policy, plan_retention

    run_date = date.fromisoformat(report_run.name[:10])
    reports = report_run.parent
    plan = plan_retention(reports, load_policy(), run_date + timedelta(days=400))
    assert {i.kind for i in plan.due} >= {"restricted_outputs"}
    assert report_run not in {i.path for i in plan.due}
    log = reports / "retention-log.jsonl"
    apply_retention(plan, log)
    assert not (report_run / "restricted").exists()
    report = assure([report_run])
    assert failed(report) == [], format_report(report)
    assert report.check(OUTPUTS).detail.endswith(
        "none missing or added; restricted/ deleted when its retention period ended "
        f"(retention-log.jsonl): {report_run.name} on {run_date + timedelta(days=400)}"
    )
    # Without the deletion log's word for it, the folder is missing, as before.
    log.unlink()
    assert failed(assure([report_run])) == [OUTPUTS]


def _edit_manifest(folder: Path, edit: Callable[[dict], object]) -> None:
    manifest = folder / "manifest.json"
    record = json.loads(manifest.read_text())
    edit(record)
    manifest.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")


def test_a_manifest_whose_output_hash_was_edited_fails_the_outputs_check(report_run: Path):
    # The manifest cannot record its own SHA-256; an edited hash no longer matches its file.
    _edit_manifest(report_run, lambda r: r["outputs"].update({"shareable/by_tier.csv": "0" * 64}))
    report = assure([report_run])
    assert failed(report) == [OUTPUTS]
    assert report.check(OUTPUTS).detail == f"{report_run / 'shareable' / 'by_tier.csv'}: {CHANGED}"


@pytest.mark.parametrize(
    "edit",
    [
        lambda r: r["parameters"].update({"term_start": "2027-01-04"}),
        lambda r: r["inputs"].update({"people.csv": "0" * 64}),
        lambda r: r.update({"rule_set": "two_year_old@2025.1.1"}),
    ],
    ids=["parameter", "input", "rule_set"],
)
def test_a_manifest_whose_record_of_the_run_was_edited_fails(
    report_run: Path, edit: Callable[[dict], object]
):
    # The auditor's tester changed the manifest's parameters and assure passed: the run id is
    # made from exactly what the manifest records, so it is worked out again and compared.
    manifest = report_run / "manifest.json"
    run = json.loads(manifest.read_text())["run_id"]
    _edit_manifest(report_run, edit)
    report = assure([report_run])
    assert failed(report) == [OUTPUTS]
    [line] = report.check(OUTPUTS).detail.splitlines()
    assert line.startswith(
        f"{manifest}: its inputs, parameters, notebook, rule set or version are not those the "
        "run was made with (they give run id r-"
    )
    assert line.endswith(
        f", not the run's {run}): the manifest was edited since, so it does not say what the "
        "report was made from"
    )


def test_a_manifest_edited_to_record_no_outputs_or_past_reading_fails(report_run: Path):
    # Every run `workbench report` writes records its outputs: one without cannot be checked,
    # and deleting them must not make a tampered run pass.
    manifest = report_run / "manifest.json"
    _edit_manifest(report_run, lambda r: r.pop("outputs"))
    (report_run / "shareable" / "by_tier.csv").write_text("tier,children\nlikely,3\n")
    report = assure([report_run])
    assert failed(report) == [OUTPUTS]
    assert report.check(OUTPUTS).detail == (
        f"{manifest}: records no SHA-256 of the files the run wrote (no outputs), so its "
        "shareable/ and restricted/ files cannot be checked; every manifest `workbench report` "
        "writes records them, so this one was edited since or was not written by it"
    )
    manifest.write_text("{")
    unread = assure([report_run])
    assert failed(unread) == [OUTPUTS]
    assert unread.check(OUTPUTS).detail == (
        f"{manifest}: cannot be read as JSON, so the files the run wrote cannot be checked "
        "against it"
    )


def test_a_failed_runs_partial_output_is_checked_the_same(report_runs: ReportRuns, tmp_path):
    run = copied(report_runs.failed, tmp_path)
    assert run.name.endswith("-failed")
    assert json.loads((run / "manifest.json").read_text())["status"] == "failed"
    assert sorted(outputs_of(run)) == [
        "notebook.ipynb",
        "report.html",
        "restricted/notes.csv",
        "shareable-of-a-failed-run/partial.csv",  # a failed run's tables: not to publish
    ]
    report = assure([run])
    assert failed(report) == [], format_report(report)
    assert report.check(OUTPUTS).detail == (
        "1 report run(s) (1 of them failed: their output is partial), 4 file(s) (the "
        "executed notebook, its HTML and what is under shareable/ and restricted/), each with "
        "the SHA-256 its manifest records, none missing or added"
    )
    table = run / "shareable-of-a-failed-run" / "partial.csv"
    table.write_text("tier,children\nlikely,13\n")
    (run / "restricted" / "notes.csv").unlink()
    report = assure([run])
    assert failed(report) == [OUTPUTS]
    assert report.check(OUTPUTS).detail.splitlines() == [
        f"{run / 'restricted' / 'notes.csv'}: missing; the run's manifest.json lists it among "
        "the files the run wrote (deleted or moved since the run)",
        f"{table}: {CHANGED}",
    ]


def test_assure_hashes_what_the_runner_renders():
    assert assure_module.RENDERED == report_module.RENDERED


def test_an_edited_report_or_executed_notebook_fails_the_outputs_check(report_run: Path):
    html, notebook = report_run / "report.html", report_run / "notebook.ipynb"
    html.write_text(html.read_text().replace("Headline", "Headlines"))
    notebook.write_text(notebook.read_text().replace("pending", "approved"))
    report = assure([report_run])
    assert failed(report) == [OUTPUTS]
    assert report.check(OUTPUTS).detail.splitlines() == [
        f"{notebook}: {CHANGED}",
        f"{html}: {CHANGED}",
    ]


def test_a_run_that_hashed_no_notebook_or_html_is_checked_for_the_rest(report_run: Path):
    # A manifest written before the runner hashed them: they are not taken for added files.
    _edit_manifest(
        report_run,
        lambda r: [r["outputs"].pop(name) for name in ("notebook.ipynb", "report.html")],
    )
    report = assure([report_run])
    assert failed(report) == [], format_report(report)
    (report_run / "report.html").write_text("edited")
    assert assure([report_run]).ok
    (report_run / "shareable" / "by_tier.csv").write_text("tier,children\nlikely,99\n")
    assert failed(assure([report_run])) == [OUTPUTS]


def test_every_report_run_under_the_paths_is_checked_against_its_own_manifest(
    report_runs: ReportRuns, tmp_path
):
    # A reports/ folder given whole: each run's outputs are keyed from its own folder.
    ok, stopped = copied(report_runs.ok, tmp_path), copied(report_runs.failed, tmp_path)
    files = len(outputs_of(ok)) + len(outputs_of(stopped))
    assert assure([tmp_path]).check(OUTPUTS).detail == (
        f"2 report run(s) (1 of them failed: their output is partial), {files} file(s) (the "
        "executed notebook, its HTML and what is under shareable/ and restricted/), each with "
        "the SHA-256 its manifest records, none missing or added"
    )
    (stopped / "shareable-of-a-failed-run" / "by_tier.csv").write_bytes(
        (ok / "shareable" / "by_tier.csv").read_bytes()
    )
    report = assure([tmp_path])
    assert report.check(OUTPUTS).detail == (
        f"{stopped / 'shareable-of-a-failed-run' / 'by_tier.csv'}: not written by the run "
        "(the run's manifest.json does not list it): added since the run"
    )


# --- an earlier run a rerun kept whole; a hidden run a killed process left -------------------
KEPT_AT = "20261207T051634Z"


def _kept_whole(report_runs: ReportRuns, tmp_path: Path) -> Path:
    """The run as a rerun of the same inputs keeps it: `<run folder>-replaced-<UTC time>`."""
    run = copied(report_runs.ok, tmp_path)
    return run.rename(run.with_name(f"{run.name}-replaced-{KEPT_AT}"))


def test_an_earlier_run_kept_whole_by_a_rerun_is_said_not_failed(
    report_runs: ReportRuns, tmp_path: Path
):
    kept = _kept_whole(report_runs, tmp_path)
    assert assure([kept]).ok  # its own files as its run wrote them: its name is no finding
    (kept / "notes.docx").write_text("the analyst's notes")
    table = kept / "shareable" / "by_tier.csv"
    table.write_text(table.read_text().replace(",c,", ",9,", 1))
    listed = kept / "restricted" / "two_year_old_list.csv"
    rows = pl.read_csv(listed, infer_schema=False)
    rows.with_columns(pl.lit("checked by hand").alias("notes")).write_csv(listed)
    report = assure([kept])
    assert failed(report) == [], format_report(report)
    outputs = report.check(OUTPUTS)
    assert outputs.warning
    intact = len(outputs_of(kept)) - 2
    assert outputs.detail.splitlines() == [
        "1 report run(s) (1 of them an earlier run kept whole when a rerun of the same inputs "
        f"replaced it), {intact} file(s) (the executed notebook, its HTML and what is under "
        "shareable/ and restricted/), each with the SHA-256 its manifest records, none missing; "
        "not the runs' own:",
        f"{kept}: an earlier run, kept whole instead of deleted when a rerun of the same inputs "
        f"replaced it (2026-12-07 05:16:34 UTC, by {report_runs.ok.name}), for files its run did "
        "not write as it wrote them, which are not the run's outputs: notes.docx (added since "
        "the run); restricted/two_year_old_list.csv (changed since the run wrote it); "
        "shareable/by_tier.csv (changed since the run wrote it)",
    ]
    lists = report.check(LISTS_PENDING)
    assert lists.warning
    assert lists.detail.splitlines() == [
        "1 list(s), every row pending_review; not as assess wrote it:",
        f"{listed}: {assure_module.CHANGED_SINCE_WRITTEN}; not the run's list any more: it is "
        "in an earlier run kept whole when a rerun of the same inputs replaced it "
        "(`-replaced-`), for files added or edited since; the rerun's list is the run's",
    ]
    assert failed(assure([kept], strict=True)) == [LISTS_PENDING, OUTPUTS]

    # A decision written into the list fails wherever the list is.
    rows.with_columns(pl.lit("contact").alias("review_status")).write_csv(listed)
    assert failed(assure([kept])) == [LISTS_PENDING]


def test_a_kept_runs_missing_file_or_edited_manifest_still_fails(
    report_runs: ReportRuns, tmp_path: Path
):
    kept = _kept_whole(report_runs, tmp_path)
    (kept / "shareable" / "by_tier.csv").unlink()
    report = assure([kept])
    assert failed(report) == [OUTPUTS]
    assert report.check(OUTPUTS).detail == (
        f"{kept / 'shareable' / 'by_tier.csv'}: missing; the run's manifest.json lists it among "
        "the files the run wrote (deleted or moved since the run)"
    )


def _unfinished(report_runs: ReportRuns, reports: Path, state: str = "partial") -> Path:
    """What a `workbench report` process killed mid-run leaves: its hidden run folder, half
    written (no manifest.json yet, its restricted/ files not yet made owner-only)."""
    hidden = Path(shutil.copytree(report_runs.ok, reports / f".{report_runs.ok.name}.{state}"))
    (hidden / "manifest.json").unlink()
    (hidden / "restricted" / "two_year_old_list.csv").chmod(0o644)
    return hidden


def test_a_killed_runs_hidden_folder_is_named_not_counted_as_a_run(
    report_runs: ReportRuns, tmp_path: Path
):
    reports = tmp_path / "reports"
    good = copied(report_runs.ok, reports)
    hidden = _unfinished(report_runs, reports)
    report = assure([reports])
    assert failed(report) == [], format_report(report)
    # The good run's list only, its files only: none of the hidden folder's (nor their modes).
    assert report.check(LISTS_PENDING).detail == (
        "1 list(s), every row pending_review, each as assess wrote it"
    )
    assert report.check(MODES).detail == assure([good]).check(MODES).detail
    outputs = report.check(OUTPUTS)
    assert outputs.warning
    assert outputs.detail.splitlines() == [
        f"1 report run(s), {len(outputs_of(good))} file(s) (the executed notebook, its HTML and "
        "what is under shareable/ and restricted/), each with the SHA-256 its manifest records, "
        "none missing; not the runs' own:",
        f"{hidden}: an unfinished run, left by a `workbench report` process killed before it "
        "finished (SIGKILL, a power cut): not a report, so its files are not counted as a run's "
        "lists or outputs; it may hold personal data (restricted/): remove it (rm -r), or run "
        f"the report again with exactly the same inputs on the day in its name "
        f"({good.name[:10]}), which clears it before writing {good.name}",
    ]
    assert failed(assure([reports], strict=True)) == [OUTPUTS]

    # A run writing it now holds its lock: said, nothing for the auditor to act on.
    with FileLock(reports / f".{good.name}.lock"):
        writing = assure([reports]).check(OUTPUTS)
    assert writing.ok and not writing.warning
    assert writing.detail.splitlines()[1] == (
        f"{hidden}: being written by a report run now (a report run holds its lock "
        f".{good.name}.lock): not checked"
    )


def test_a_killed_runs_hidden_folder_alone_is_no_list_and_no_report(
    report_runs: ReportRuns, tmp_path: Path
):
    reports = tmp_path / "reports"
    previous = _unfinished(report_runs, reports, "previous")
    report = assure([reports])
    assert failed(report) == [LISTS_PENDING]
    assert report.check(LISTS_PENDING).detail == (
        "found no candidate list (a .csv or .parquet beside a .manifest.json written by assess) "
        "under the paths given; point assure at a run folder (an unfinished run's are not "
        "counted: see 'report outputs as the run wrote them')"
    )
    assert report.check(OUTPUTS).detail.splitlines() == [
        "not applicable: no report run (a manifest.json written by `workbench report`) found "
        "under the paths given; not a report run:",
        f"{previous}: the earlier run a rerun of the same inputs was replacing when its process "
        "was killed (SIGKILL, a power cut): not counted as a run; it may hold personal data "
        f"(restricted/): remove it (rm -r) if {report_runs.ok.name} is in place, else rename it "
        "back to that name",
    ]
    assert report.check(OUTPUTS).warning
    # Given itself (as the assurance notebook gives the list it writes in its own run), it is
    # checked as given.
    given = assure([previous])
    assert given.check(LISTS_PENDING).detail == (
        "1 list(s), every row pending_review, each as assess wrote it"
    )
    listed = assure([previous / "restricted" / "two_year_old_list.csv"])  # with its manifest
    assert listed.check(LISTS_PENDING).detail == given.check(LISTS_PENDING).detail
    assert given.check(OUTPUTS).detail == (
        "not applicable: no report run (a manifest.json written by `workbench report`) found "
        "under the paths given"
    )


# --- export files the store records, where it recorded them ----------------------------------
def test_an_outreach_export_moved_from_where_the_store_recorded_it_warns(tmp_path: Path):
    fresh = build_run(tmp_path)
    mailbox = tmp_path / "mailbox"
    mailbox.mkdir()
    for path in (fresh.outreach, fresh.outreach.with_name("outreach.csv.outreach.json")):
        path.rename(mailbox / path.name)
    with ReviewStore(fresh.store) as store:
        export = store.outreach_exports().row(0, named=True)
    report = fresh.report()
    assert report.ok, format_report(report)
    check = report.check(OUTREACH_TRACED)
    assert check.warning
    assert check.detail.splitlines()[1:] == [
        f"the store records outreach export(s) of these lists whose file is not where it "
        f"recorded it (1){GONE}:",
        f"outreach export {export['export_seq']} of list {export['list_id']} (3 row(s), "
        f"exported {long_time(export['exported_at'])} by Al Ash): not at "
        f"{fresh.outreach.resolve()}, where the store recorded it",
    ]
    assert re.search(
        r"exported \d{1,2} [A-Z][a-z]+ 20\d\d at \d\d:\d\d UTC by Al Ash\)", check.detail
    )
    assert failed(assure([fresh.folder], store=fresh.store, key=KEY, strict=True)) == [
        OUTREACH_TRACED
    ]
    # Deleted under retention (`workbench retention --store` told the store): said, not a
    # warning.
    with ReviewStore(fresh.store) as store:
        store.record_export_files_deleted("R. Keeper", [("outreach", str(export["export_seq"]))])
    told = day_of(fresh, "retention deleted file")
    check = fresh.report().check(OUTREACH_TRACED)
    assert check.ok and not check.warning
    assert check.detail.splitlines()[1:] == [
        f"outreach export {export['export_seq']} of list {export['list_id']} (3 row(s), "
        f"exported {long_time(export['exported_at'])} by Al Ash): its file "
        f"{fresh.outreach.resolve()} was deleted under retention on {told} (`workbench "
        "retention --store` told the store)"
    ]


def test_a_check_export_deleted_under_retention_is_named_not_warned(run: Run, tmp_path: Path):
    data = run.folder / "restricted" / "data"
    with ReviewStore(run.store) as store:
        sent = export_checks(store, run.listed, data, tmp_path / "c.csv", key=KEY, user="Al Ash")
        store.record_export_files_deleted("R. Keeper", [("check", sent.export_id)])
    told = day_of(run, "retention deleted file")
    check = assure([run.listed], store=run.store, key=KEY).check(CHECKS_TRACED)
    assert check.ok and not check.warning
    assert check.detail.splitlines()[1:] == [
        f"check export {sent.export_id} of list {sent.list_id} ({sent.rows} row(s) in 1 "
        f"file(s), c-part*.csv, exported {at_of(run, 'check export')} by Al Ash): its files were "
        f"deleted under retention on {told} (`workbench retention --store` told the store)"
    ]


def test_a_review_workbook_not_where_it_was_exported_warns(run: Run, tmp_path: Path):
    from workbench.review.excel import export_review_workbook
    from workbench.review.lists import read_list_file

    with ReviewStore(run.store) as store:
        list_id = store.lists()["list_id"][0]
        book = export_review_workbook(
            store, list_id, read_list_file(run.listed).candidates, tmp_path / "r.xlsx",
            key=KEY, user="A. Officer",
        )  # fmt: skip
        seq = store.access_log().filter(pl.col("command") == "review export")["seq"][-1]
    when = at_of(run, "review export")
    # Given with the run, the workbook is found: nothing to say.
    assert not assure([run.folder, book], store=run.store, key=KEY).check(MODES).warning
    report = run.report()
    check = report.check(MODES)
    assert report.ok and check.warning
    assert check.detail.splitlines()[1:] == [
        "the store's access log records review workbook export(s) of these lists whose file "
        f"was not found (1){GONE}:",
        f"review workbook r.xlsx of list {list_id} (access log line {seq}, exported {when} by "
        "A. Officer): not under the paths given (the access log names the file, not its folder)",
    ]
    assert failed(assure([run.folder], store=run.store, key=KEY, strict=True)) == [MODES]
    with ReviewStore(run.store) as store:
        store.record_export_files_deleted("R. Keeper", [("workbook", str(seq))])
    told = day_of(run, "retention deleted file")
    check = run.report().check(MODES)
    assert check.ok and not check.warning
    assert check.detail.splitlines()[1:] == [
        f"review workbook r.xlsx of list {list_id} (access log line {seq}, exported {when} by "
        f"A. Officer): deleted under retention on {told} (`workbench retention --store` "
        "told the store)"
    ]
    # Without a store, nothing is known of exports.
    assert assure([run.folder], key=KEY).check(MODES).detail.count("\n") == 0


def test_a_check_exports_part_deleted_or_cut_short_fails_naming_it(run: Run):
    checked = check_export(run)
    rows = checked.export.rows
    lines = checked.part.read_text(encoding="utf-8-sig").splitlines()
    checked.part.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    report = run.report()
    assert failed(report) == [CHECKS_TRACED]
    assert report.check(CHECKS_TRACED).detail == (
        f"{checked.part}: has {rows - 1} row(s) where check export {checked.export.export_id} "
        f"wrote {rows} to it (the store's record): rows were removed since; do not send this "
        "file"
    )
    checked.part.unlink()
    report = run.report()
    assert failed(report) == [CHECKS_TRACED]
    assert report.check(CHECKS_TRACED).detail == (
        f"{checked.part}: missing; checks.check.json lists it among the files of check export "
        f"{checked.export.export_id} (deleted or moved since): the rows in it cannot be traced, "
        "and the families in it may not have been sent"
    )
    # Left out of the sidecar too: the store's record of the export still names it.
    _edit_sidecar(checked, lambda record: record.update(files=[], rows=[]))
    report = run.report()
    assert failed(report) == [CHECKS_TRACED]
    assert report.check(CHECKS_TRACED).detail == (
        f"{checked.part}: the store records it among the files of check export "
        f"{checked.export.export_id} ({rows} row(s)), but checks.check.json does not list it "
        "(the sidecar was edited since)"
    )


# --- published tables against their stats manifest; the top of a reports folder --------------
def _stats_folder(folder: Path) -> Path:
    """Tables and a stats manifest as `workbench stats --out` writes them: one published, one
    withheld."""
    folder.mkdir(parents=True, exist_ok=True)
    table = folder / "take_up.csv"
    table.write_text("group,eligible\nall,41\n")
    record = {
        "published": [{"table": "take_up", "file": "take_up.csv", "sha256": file_sha256(table)}],
        "withheld": [{"table": "take_up_by_area", "reason": "Withheld"}],
    }
    (folder / "stats_manifest.json").write_text(json.dumps(record))
    return table


def test_a_published_table_changed_since_its_stats_manifest_fails(tmp_path: Path):
    table = _stats_folder(tmp_path / "stats")
    assert assure([table.parent]).check(OUTPUTS).detail == (
        "not applicable: no report run (a manifest.json written by `workbench report`) found "
        f"under the paths given; {STATS_CHECKED}"
    )
    table.write_text("group,eligible\nall,42\n")
    (table.parent / "take_up_by_area.csv").write_text("area,eligible\nFQ1,3\n")
    report = assure([table.parent])
    assert not report.check(OUTPUTS).ok
    assert report.check(OUTPUTS).detail.splitlines() == [
        f"{table}: changed since it was published (its SHA-256 is not the one "
        "stats_manifest.json records): do not rely on it or share it: run the report again",
        f"{table.parent / 'take_up_by_area.csv'}: stats_manifest.json says table "
        "take_up_by_area was withheld (not published), but a file of its name is here: put "
        "there since; do not share it",
    ]


def test_a_shareable_table_rehashed_in_the_run_manifest_fails_on_its_stats_manifest(
    report_run: Path,
):
    table = _stats_folder(report_run / "shareable")
    written = {
        f"shareable/{name}": file_sha256(report_run / "shareable" / name)
        for name in ("take_up.csv", "stats_manifest.json")
    }  # as a run that published them records them
    _edit_manifest(report_run, lambda record: record["outputs"].update(written))
    assert assure([report_run]).check(OUTPUTS).ok
    table.write_text("group,eligible\nall,3\n")
    # Rehashed in the run's manifest: only the stats manifest's record tells.
    _edit_manifest(
        report_run,
        lambda record: record["outputs"].update({"shareable/take_up.csv": file_sha256(table)}),
    )
    report = assure([report_run])
    assert failed(report) == [OUTPUTS]
    assert report.check(OUTPUTS).detail == (
        f"{table}: changed since it was published (its SHA-256 is not the one "
        "stats_manifest.json records): do not rely on it or share it: run the report again"
    )


def test_a_page_put_at_the_top_of_a_reports_folder_is_named(
    report_runs: ReportRuns, tmp_path: Path
):
    reports = tmp_path / "reports"
    folder = Path(shutil.copytree(report_runs.ok, reports / report_runs.ok.name))
    (reports / f".{folder.name}.lock").write_text("")
    (reports / "retention-log.jsonl").write_text("")
    assert assure([reports]).check(OUTPUTS).detail.endswith("none missing or added")
    index = reports / "index.html"
    index.write_text("<h1>Reports</h1>")
    (reports / "published").mkdir()
    copy = reports / "published" / "by_tier.csv"
    shutil.copyfile(folder / "shareable" / "by_tier.csv", copy)
    report = assure([reports])
    check = report.check(OUTPUTS)
    assert check.ok and check.warning
    assert check.detail.splitlines()[1:] == [
        f"{path}: in the reports folder {reports}, outside every run folder: written by no "
        "workbench command there and not checked by assure (put there by hand?); if the "
        "folder is published, this is too"
        for path in (index, copy)
    ]
    assert not assure([reports], strict=True).check(OUTPUTS).ok
    # Given the run folder alone, the reports folder is not searched.
    assert not assure([folder]).check(OUTPUTS).warning


# --- a folder `workbench stats --out` published: every file in it is shared ------------------
@pytest.fixture(scope="module")
def stats_published(report_runs: ReportRuns, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tables `workbench stats --out` writes for the council of the report runs (all 8
    published since a 0 beside a hidden count is hidden too, which protects the table that
    was withheld), beside notebook 02's run of the same data and its list."""
    from workbench.stats.report import write_stats

    out = tmp_path_factory.mktemp("stats") / "st"
    data = report_runs.ok.parent.parent / "council"
    write_stats(data, initiative="two_year_old", term_start=ON, as_of=ON, out=out, linkage="exact")
    return out


STATS_FILES = 9  # 8 tables (every one published: none withheld) and stats_manifest.json


@pytest.fixture
def stats_run(stats_published: Path, report_run: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A fresh copy of the stats folder, and the list of the report run beside it."""
    return Path(shutil.copytree(stats_published, tmp_path / "st")), _list_of(report_run)


def _list_of(report_run: Path) -> Path:
    return report_run / "restricted" / "two_year_old_list.csv"


PUBLISHED_UNTOUCHED = (
    f"{STATS_FILES} shareable file(s) scanned ({STATS_FILES} of them in 1 folder(s) `workbench "
    "stats --out` published), no personal data found"
)
STATS_CHECKED = (
    "1 stats manifest(s) outside a report run, each table it lists as published with the "
    "SHA-256 it records, and, in each folder `workbench stats --out` published, no file it "
    "does not list"
)


def _unlisted(path: Path, folder: Path) -> str:
    return (
        f"{path}: in {folder}, which `workbench stats --out` published, but not a table its "
        "stats_manifest.json lists as published: put there since, it would be shared with the "
        "tables without disclosure control; remove it (or run `workbench stats` again)"
    )


def _published_line(folder: Path) -> str:
    return (
        f"{folder}: `workbench stats --out` published this folder (its stats_manifest.json): "
        "every file in it is shared with its tables"
    )


def test_an_untouched_stats_folder_passes_with_every_file_scanned(stats_run: tuple[Path, Path]):
    folder, listed = stats_run
    assert len(list(folder.iterdir())) == STATS_FILES
    report = assure([folder, listed])
    assert report.ok, format_report(report)
    assert report.check(SHAREABLE).detail == PUBLISHED_UNTOUCHED
    assert report.check(OUTPUTS).detail == (
        "not applicable: no report run (a manifest.json written by `workbench report`) found "
        f"under the paths given; {STATS_CHECKED}"
    )


def test_ids_and_a_postcode_put_in_a_stats_folder_fail_named_by_file_and_line(
    stats_run: tuple[Path, Path],
):
    # The auditor's tester added the person_id of every listed child, and a full postcode, to
    # the folder `workbench stats --out` published: "0 shareable file(s) scanned", all passed.
    from typer.testing import CliRunner

    from workbench.cli import app

    folder, listed = stats_run
    people = pl.read_csv(listed, infer_schema=False).select("person_id", "initiative")
    ids, t3 = folder / "ids.csv", folder / "t3.csv"
    people.write_csv(ids)
    t3.write_text("postcode,count\nFQ3 2JF,1\n")
    with_id = [n for n, p in enumerate(people["person_id"], start=2) if p]
    assert len(with_id) > 4
    report = assure([folder, listed])
    assert failed(report) == [SHAREABLE, OUTPUTS]
    assert report.check(SHAREABLE).detail.splitlines() == [
        f"{ids} line 1: column(s) person_id: a table of people, row by row, not of counts",
        f"{ids} line {with_id[0]}: a person or record id from the run's lists",
        f"{ids} line {with_id[1]}: a person or record id from the run's lists",
        f"{ids}: {len(with_id) - 2} more finding(s), to line {with_id[-1]}",
        f"{t3} line 2: a full postcode",
        _published_line(folder),
    ]
    assert report.check(OUTPUTS).detail.splitlines() == [
        _unlisted(ids, folder),
        _unlisted(t3, folder),
    ]
    for strict in ([], ["--strict"]):
        result = CliRunner().invoke(app, ["assure", *strict, str(folder), str(listed)])
        assert result.exit_code == 3, result.output
        assert f"FAIL  shareable outputs hold no personal data: {ids} line 1: " in result.output
        assert f"      {t3} line 2: a full postcode\n" in result.output
        assert "2 of 10 checks failed." in result.output
    # Each file given by itself brings the folder's stats manifest: checked as published.
    report = assure([t3, listed])
    assert failed(report) == [SHAREABLE, OUTPUTS]
    assert report.check(SHAREABLE).detail.splitlines() == [
        f"{t3} line 2: a full postcode",
        _published_line(folder),
    ]
    assert report.check(OUTPUTS).detail == _unlisted(t3, folder)
    alone = assure([folder / "take_up.csv", listed])
    assert alone.ok, format_report(alone)
    assert alone.check(SHAREABLE).detail == (
        "2 shareable file(s) scanned (2 of them in 1 folder(s) `workbench stats --out` "
        "published), no personal data found"
    )


def test_a_file_under_a_stats_folder_or_a_stats_folder_in_it_is_published_too(
    stats_run: tuple[Path, Path],
):
    folder, listed = stats_run
    inner = Path(shutil.copytree(folder, folder / "by_term" / "autumn"))
    (folder / "by_term" / "notes.md").write_text("Children counted: 41\n")
    report = assure([folder, listed])
    assert report.check(SHAREABLE).detail == (
        f"{2 * STATS_FILES + 1} shareable file(s) scanned ({2 * STATS_FILES + 1} of them in 2 "
        "folder(s) `workbench stats --out` published), no personal data found"
    )
    # The nested folder's tables are its own manifest's; the page is neither manifest's.
    assert report.check(OUTPUTS).detail == _unlisted(folder / "by_term" / "notes.md", folder)
    (inner / "take_up.csv").write_text("group,eligible\nFQ1 1AA,41\n")
    report = assure([folder, listed])
    assert report.check(SHAREABLE).detail.splitlines() == [
        f"{inner / 'take_up.csv'} line 2: a full postcode",
        _published_line(inner),
    ]


def test_a_stats_folder_in_a_reports_folder_is_checked_as_published_not_as_loose(
    stats_published: Path, report_runs: ReportRuns, tmp_path: Path
):
    reports = tmp_path / "reports"
    run = Path(shutil.copytree(report_runs.ok, reports / report_runs.ok.name))
    folder = Path(shutil.copytree(stats_published, reports / "stats"))
    run_shareable = sum(1 for p in (run / "shareable").rglob("*") if p.is_file())
    report = assure([reports])
    assert report.ok, format_report(report)
    assert not report.check(OUTPUTS).warning
    assert report.check(OUTPUTS).detail.endswith(f"none missing or added; {STATS_CHECKED}")
    assert report.check(SHAREABLE).detail == (
        f"{run_shareable + STATS_FILES} shareable file(s) scanned ({STATS_FILES} of them in 1 "
        "folder(s) `workbench stats --out` published), no personal data found"
    )
    # A table put in the stats folder fails (the folder is a publication); one put at the
    # reports folder's top warns (it is not, unless the whole folder is published).
    added, index = folder / "by_ward.csv", reports / "index.html"
    added.write_text("ward,children\nNorth,12\n")
    index.write_text("<h1>Reports</h1>")
    report = assure([reports])
    assert failed(report) == [OUTPUTS]
    assert report.check(OUTPUTS).detail.splitlines() == [
        _unlisted(added, folder),
        f"{index}: in the reports folder {reports}, outside every run folder: written by no "
        "workbench command there and not checked by assure (put there by hand?); if the "
        "folder is published, this is too",
    ]


def test_stats_written_into_a_reports_folder_leave_its_runs_to_their_manifests(
    stats_published: Path, report_runs: ReportRuns, tmp_path: Path
):
    # `workbench stats --out reports`: the folder is published with the tables, but each run
    # in it says for itself what it wrote (its restricted/ list is no leak of the stats).
    reports = Path(shutil.copytree(stats_published, tmp_path / "reports"))
    run = Path(shutil.copytree(report_runs.ok, reports / report_runs.ok.name))
    (reports / f".{run.name}.lock").write_text("")
    (reports / "retention-log.jsonl").write_text("")
    report = assure([reports])
    assert report.ok, format_report(report)
    run_shareable = sum(1 for p in (run / "shareable").rglob("*") if p.is_file())
    assert report.check(SHAREABLE).detail.startswith(
        f"{run_shareable + STATS_FILES} shareable file(s) scanned ({STATS_FILES} of them in 1 "
        "folder(s) `workbench stats --out` published), no personal data found"
    )
    copy = reports / "two_year_old_list.csv"
    shutil.copyfile(_list_of(run), copy)
    report = assure([reports])
    assert failed(report) == [SHAREABLE, OUTPUTS]
    assert report.check(SHAREABLE).detail.splitlines()[-1] == _published_line(reports)
    assert _unlisted(copy, reports) in report.check(OUTPUTS).detail.splitlines()


def test_a_report_runs_shareable_given_alone_leaves_its_charts_to_the_runs_manifest(
    report_run: Path,
):
    # Notebook 04 writes its stats manifest into shareable/ beside the charts it draws, which
    # the run's manifest.json lists, not the stats manifest: given alone, they are not named.
    _stats_folder(report_run / "shareable")
    (report_run / "shareable" / "take_up.svg").write_text("<svg></svg>")
    shared = sum(1 for p in (report_run / "shareable").rglob("*") if p.is_file())
    assert assure([report_run / "shareable"]).check(SHAREABLE).detail == (
        f"{shared} shareable file(s) scanned, no personal data found"
    )
    check = assure([report_run / "shareable"]).check(OUTPUTS)
    assert check.ok, check.detail
    assert check.detail == (
        "not applicable: no report run (a manifest.json written by `workbench report`) found "
        "under the paths given; 1 stats manifest(s) outside a report run, each table it lists "
        "as published with the SHA-256 it records"
    )
