"""Retention: the policy file, the plan (what is due on a day) and the deletion with its log."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.errors import DataFileError, WorkbenchError
from workbench.governance import (
    KINDS,
    Period,
    apply_retention,
    load_policy,
    plan_retention,
)

RUN_A = "r-0000000000aa"
RUN_B = "r-0000000000bb"
LIST_RUN = "r-00000000001c"


def _plus_years(day: date, years: int) -> date:
    """An independent oracle for 'n years later' (29 February -> 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _plus_months(day: date, months: int) -> date:
    """An independent oracle for 'n months later' (31 August + 3 months -> 30 November)."""
    year, month = divmod(day.month - 1 + months, 12)
    for last in (31, 30, 29, 28):
        try:
            return date(day.year + year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError(day)


def _write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _list(path: Path, term_start: str | None, run_id: str = LIST_RUN) -> Path:
    _write(path, "person_id,tier\nP1,likely\n")
    parameters = {"term_start": term_start} if term_start else {}
    manifest = {"run_id": run_id, "parameters": parameters}
    _write(path.with_name(path.name + ".manifest.json"), json.dumps(manifest))
    return path


def _run_folder(reports: Path, day: date, run: str, term: date | None = None) -> Path:
    folder = reports / f"{day.isoformat()}-demo-{run}"
    _write(folder / "summary.md", "counts only")
    _write(folder / "shareable" / "two_year_old_by_reason.csv", "tier,children\n")
    _write(folder / "restricted" / "data" / "people.csv", "person_id\nP1\n")
    if term is not None:
        _list(folder / "restricted" / "two_year_old.csv", term.isoformat(), run)
    return folder


# --- the policy ---------------------------------------------------------------------------------


def test_the_default_policy_says_how_long_each_kind_is_kept_and_asks_the_council_to_confirm():
    policy = load_policy()
    assert sorted(policy.periods) == sorted(KINDS)
    assert {k: str(p.keep) for k, p in policy.periods.items()} == {
        "run_folders": "7 years",
        "restricted_outputs": "1 year",
        "lists": "1 year",
        "outreach_exports": "6 months",
        "check_exports": "3 months",
        "review_workbooks": "3 months",
        "dfe_results": "3 months",
        "quarantine_files": "1 year",
        "link_outputs": "1 year",
        "subject_access_exports": "1 year",
        "decisions": "6 years",
        "check_results": "1 year",
    }
    assert {p.confirm for p in policy.periods.values()} == {"council-to-confirm"}
    assert policy.defaulted == ()
    assert policy.periods["lists"].from_ == "term_start"
    assert policy.periods["decisions"].from_ == "decided_at"
    assert policy.periods["check_exports"].from_ == "exported_at"
    assert policy.periods["check_results"].from_ == "imported_at"
    assert policy.periods["review_workbooks"].from_ == "exported_at"
    assert "National Insurance numbers" in policy.periods["check_exports"].reason
    assert "review store" in policy.periods["check_results"].reason
    assert policy.periods["dfe_results"].from_ == "imported_at"
    assert policy.periods["quarantine_files"].from_ == "written_at"
    assert policy.periods["link_outputs"].from_ == "written_at"
    assert policy.periods["subject_access_exports"].from_ == "exported_at"
    assert "National Insurance numbers" in policy.periods["dfe_results"].reason
    assert "ICO" in policy.periods["subject_access_exports"].reason


@pytest.mark.parametrize(
    ("start", "period", "expected"),
    [
        (date(2024, 2, 29), Period(years=1), date(2025, 2, 28)),
        (date(2024, 2, 29), Period(years=4), date(2028, 2, 29)),
        (date(2025, 8, 31), Period(months=6), date(2026, 2, 28)),
        (date(2025, 12, 15), Period(months=1), date(2026, 1, 15)),
        (date(2026, 9, 1), Period(days=30), date(2026, 10, 1)),
        (date(2026, 9, 1), Period(years=1, months=2, days=3), date(2027, 11, 4)),
    ],
)
def test_a_period_ends_on_the_same_day_later_clamped_to_the_month(start, period, expected):
    assert period.expires(start) == expected


POLICY = """\
version: "1"
periods:
  run_folders: {keep: {years: 2}, from: run_date, confirm: confirmed, reason: "kept two years"}
  restricted_outputs:
    {keep: {months: 3}, from: run_date, confirm: confirmed, reason: "kept three months"}
  lists: {keep: {months: 3}, from: term_start, confirm: confirmed, reason: "kept three months"}
  outreach_exports:
    keep: {days: 10}
    from: run_date
    confirm: confirmed
    reason: "kept ten days"
    patterns: ["outreach*.csv"]
  check_exports:
    {keep: {days: 30}, from: exported_at, confirm: confirmed, reason: "kept thirty days"}
  review_workbooks:
    {keep: {days: 20}, from: exported_at, confirm: confirmed, reason: "kept twenty days"}
  decisions: {keep: {years: 6}, from: decided_at, confirm: confirmed, reason: "kept six years"}
  check_results:
    {keep: {months: 6}, from: imported_at, confirm: confirmed, reason: "kept six months"}
"""
# A council's policy copied before check exports, results and workbooks had periods of their own.
POLICY_BEFORE_CHECKS = "\n".join(
    line
    for line in POLICY.splitlines()
    if not line.startswith(
        (
            "  check_",
            "  review_workbooks",
            "    {keep: {days: 30}",
            "    {keep: {days: 20}",
            "    {keep: {months: 6}",
        )
    )
)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace("  decisions:", "  old_decisions:"),
            "periods: missing the kind(s) decisions (decisions: decisions in the review store, "
            "from decided_at)",
        ),
        (
            lambda t: (
                t + "  letters: {keep: {years: 1}, from: run_date, confirm: confirmed, "
                'reason: "kept one year"}\n'
            ),
            "periods: unknown kind(s) letters; expected exactly the kinds run_folders, "
            "restricted_outputs, lists, outreach_exports, check_exports, review_workbooks, "
            "dfe_results, quarantine_files, link_outputs, subject_access_exports, decisions, "
            "check_results",
        ),
        (
            lambda t: t.replace("{keep: {years: 2}", "{keep: {years: 0}"),
            "periods.run_folders.keep: a period needs years, months or days; got none",
        ),
        (
            lambda t: t.replace("{years: 2}", "{yeers: 2}"),
            "periods.run_folders.keep.yeers: Extra inputs are not permitted",
        ),
        (
            lambda t: t.replace("from: term_start", "from: list_date"),
            "periods.lists.from: Input should be 'run_date', 'term_start', 'exported_at', "
            "'decided_at', 'imported_at' or 'written_at'",
        ),
        (
            lambda t: t.replace('patterns: ["outreach*.csv"]', "patterns: []"),
            "periods: outreach_exports needs `patterns`",
        ),
    ],
)
def test_a_broken_policy_file_is_refused_naming_the_field(tmp_path, edit, message):
    path = _write(tmp_path / "policy.yaml", edit(POLICY))
    with pytest.raises(DataFileError) as caught:
        load_policy(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_a_policy_copied_before_check_exports_is_refused_saying_what_to_add(tmp_path):
    path = _write(tmp_path / "policy.yaml", POLICY_BEFORE_CHECKS)
    assert "check_" not in path.read_text() and "decisions:" in path.read_text()
    assert "review_workbooks" not in path.read_text()
    with pytest.raises(DataFileError) as caught:
        load_policy(path)
    assert str(caught.value) == (
        f"{path}: periods: missing the kind(s) check_exports, review_workbooks, check_results "
        "(check_exports: the files `workbench check export` writes for DfE's eligibility "
        "checking service (names, dates of birth, National Insurance numbers), from "
        "exported_at; review_workbooks: the workbooks `workbench review export` writes for "
        "officers (children's names, dates of birth, addresses and parents), from "
        "exported_at; check_results: DfE's check results imported into the review store, "
        "from imported_at). A policy names a period for every kind (run_folders, "
        "restricted_outputs, lists, outreach_exports, check_exports, review_workbooks, "
        "decisions, check_results; those added since, dfe_results, quarantine_files, "
        "link_outputs, subject_access_exports, take the package default's when missing); a "
        "policy copied before the workbench knew these kinds "
        "lacks them: add check_exports, review_workbooks, check_results under `periods` with "
        "`keep`, `from`, `confirm` and `reason`, as in workbench/governance/retention.yaml, "
        "with the period your council agrees. See workbench/governance/retention.yaml for the "
        "expected shape"
    )
    # Adding one kind names only those still missing.
    two_missing = POLICY_BEFORE_CHECKS + (
        "\n  check_results: {keep: {months: 6}, from: imported_at, confirm: confirmed, "
        'reason: "kept six months"}\n'
    )
    with pytest.raises(
        DataFileError, match=r"missing the kind\(s\) check_exports, review_workbooks \(check_"
    ):
        load_policy(_write(tmp_path / "two.yaml", two_missing))


def test_a_policy_that_is_not_a_mapping_or_missing_is_refused(tmp_path):
    with pytest.raises(DataFileError, match="a retention policy is a mapping"):
        load_policy(_write(tmp_path / "p.yaml", "- just a list\n"))
    with pytest.raises(DataFileError, match="cannot read the retention policy"):
        load_policy(tmp_path / "absent.yaml")


def test_a_custom_policy_is_loaded_from_its_file(tmp_path):
    policy = load_policy(_write(tmp_path / "policy.yaml", POLICY))
    assert policy.source == str(tmp_path / "policy.yaml")
    assert str(policy.periods["outreach_exports"].keep) == "10 days"


# --- the plan ---------------------------------------------------------------------------------


def _rows(plan, root: Path) -> list[tuple[str, str, str, str, bool]]:
    return [
        (
            i.kind,
            i.path.relative_to(root).as_posix(),
            i.created.isoformat(),
            i.expires.isoformat(),
            i.due(plan.today),
        )
        for i in plan.items
    ]


def test_the_plan_dates_each_thing_from_its_folder_name_or_its_lists_term(tmp_path):
    reports = tmp_path / "reports"
    _run_folder(reports, date(2025, 6, 1), RUN_A, term=date(2025, 9, 1))
    _run_folder(reports, date(2026, 1, 5), RUN_B)
    _write(reports / "2026-01-05-demo-r-0000000000bb" / "restricted" / "outreach_jan.csv")
    _write(reports / "notes.txt")  # not a run folder: never touched
    _write(reports / "not-a-run" / "file.csv")
    plan = plan_retention(
        reports, load_policy(_write(tmp_path / "p.yaml", POLICY)), date(2026, 2, 1)
    )
    assert _rows(plan, reports) == [
        ("run_folders", "2025-06-01-demo-r-0000000000aa", "2025-06-01", "2027-06-01", False),
        # restricted/ is held until the list inside it may go (3 months after its term)
        (
            "restricted_outputs",
            "2025-06-01-demo-r-0000000000aa/restricted",
            "2025-06-01",
            "2025-12-01",
            True,
        ),
        (
            "lists",
            "2025-06-01-demo-r-0000000000aa/restricted/two_year_old.csv",
            "2025-09-01",
            "2025-12-01",
            True,
        ),
        ("run_folders", "2026-01-05-demo-r-0000000000bb", "2026-01-05", "2028-01-05", False),
        (
            "restricted_outputs",
            "2026-01-05-demo-r-0000000000bb/restricted",
            "2026-01-05",
            "2026-04-05",
            False,
        ),
        (
            "outreach_exports",
            "2026-01-05-demo-r-0000000000bb/restricted/outreach_jan.csv",
            "2026-01-05",
            "2026-01-15",
            True,
        ),
    ]
    # The list goes with its restricted/ folder, so only the folder is deleted.
    assert [i.path.name for i in plan.due] == ["restricted", "outreach_jan.csv"]
    held = plan.items[1]
    assert held.reason.endswith("Held until 2025-12-01 by a lists item inside.")
    assert held.run_id == RUN_A and plan.items[2].run_id == RUN_A


def test_an_earlier_run_a_rerun_kept_whole_is_dated_by_its_name_as_a_run_folder(tmp_path):
    # `workbench report` keeps an earlier run of the same inputs holding an analyst's file as
    # `<run folder>-replaced-<UTC time>` (a failed one too): its personal data has a period.
    reports = tmp_path / "reports"
    for name in (
        "2025-06-01-demo-r-0000000000aa-replaced-20250601T061500Z",
        "2025-06-01-demo-r-0000000000bb-failed-replaced-20250601T061500Z-2",
    ):
        folder = _run_folder(reports, date(2025, 6, 1), RUN_A)
        folder.rename(reports / name)
    plan = plan_retention(
        reports, load_policy(_write(tmp_path / "p.yaml", POLICY)), date(2026, 2, 1)
    )
    assert [row for row in _rows(plan, reports) if row[0] != "outreach_exports"] == [
        (
            "run_folders",
            "2025-06-01-demo-r-0000000000aa-replaced-20250601T061500Z",
            "2025-06-01",
            "2027-06-01",
            False,
        ),
        (
            "restricted_outputs",
            "2025-06-01-demo-r-0000000000aa-replaced-20250601T061500Z/restricted",
            "2025-06-01",
            "2025-09-01",
            True,
        ),
        (
            "run_folders",
            "2025-06-01-demo-r-0000000000bb-failed-replaced-20250601T061500Z-2",
            "2025-06-01",
            "2027-06-01",
            False,
        ),
        (
            "restricted_outputs",
            "2025-06-01-demo-r-0000000000bb-failed-replaced-20250601T061500Z-2/restricted",
            "2025-06-01",
            "2025-09-01",
            True,
        ),
    ]
    assert [i.run_id for i in plan.items if i.kind == "run_folders"] == [RUN_A, RUN_B]


def test_lists_elsewhere_are_found_by_their_manifest_and_dated_by_term_or_file(tmp_path):
    elsewhere = tmp_path / "lists"
    _list(elsewhere / "autumn" / "fsm.parquet", "2025-01-06")
    undated = _list(elsewhere / "undated.csv", None)
    stamp = datetime(2025, 3, 4, 12, tzinfo=UTC).timestamp()
    os.utime(undated, (stamp, stamp))
    _write(elsewhere / "no_manifest.csv")  # not a list written by assess: not covered
    plan = plan_retention(tmp_path / "reports", None, date(2026, 3, 4), list_roots=[elsewhere])
    assert _rows(plan, elsewhere) == [
        ("lists", "autumn/fsm.parquet", "2025-01-06", "2026-01-06", True),
        ("lists", "undated.csv", "2025-03-04", "2026-03-04", True),
    ]
    assert plan.notes == [f"{tmp_path / 'reports'} does not exist: no run folders to plan for"]


def test_a_lists_dwp_rows_not_listed_go_with_it_and_one_left_alone_is_found(tmp_path):
    elsewhere = tmp_path / "lists"
    listed = _list(elsewhere / "run1" / "two.csv", "2025-01-06")
    beside = _write(elsewhere / "run1" / "two.dwp_not_listed.csv", "record_id\nD1\n")
    # Left by a version that deleted the list without it: found on its own.
    left = _write(elsewhere / "run0" / "two.dwp_not_listed.csv", "record_id\nD2\n")
    stamp = datetime(2025, 3, 4, 12, tzinfo=UTC).timestamp()
    os.utime(left, (stamp, stamp))
    plan = plan_retention(tmp_path / "reports", None, date(2026, 3, 4), list_roots=[elsewhere])
    assert _rows(plan, elsewhere) == [
        ("lists", "run0/two.dwp_not_listed.csv", "2025-03-04", "2026-03-04", True),
        ("lists", "run1/two.csv", "2025-01-06", "2026-01-06", True),
    ]
    assert plan.items[1].also == (beside,)
    deleted = apply_retention(plan, tmp_path / "retention.jsonl")
    assert deleted["lists"] == 2
    assert not any(p.is_file() for p in elsewhere.rglob("*")), list(elsewhere.rglob("*"))
    assert not listed.exists()


def test_a_symbolic_link_that_looks_like_a_run_folder_is_not_followed(tmp_path):
    outside = _run_folder(tmp_path / "elsewhere", date(2010, 1, 1), RUN_A)
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / outside.name).symlink_to(outside, target_is_directory=True)
    plan = plan_retention(reports, None, date(2030, 1, 1))
    assert plan.items == []


# --- applying it --------------------------------------------------------------------------------


def test_apply_deletes_what_is_due_and_logs_counts_and_run_ids_only(tmp_path):
    reports = tmp_path / "reports"
    old = _run_folder(reports, date(2018, 9, 1), RUN_A, term=date(2018, 9, 1))
    recent = _run_folder(reports, date(2025, 6, 1), RUN_B, term=date(2025, 9, 1))
    plan = plan_retention(reports, None, date(2026, 9, 1))
    log = tmp_path / "logs" / "retention.jsonl"
    deleted = apply_retention(plan, log)
    assert deleted == {
        "run_folders": 1,
        "restricted_outputs": 1,
        "lists": 0,
        "outreach_exports": 0,
        "check_exports": 0,
        "review_workbooks": 0,
        "dfe_results": 0,
        "quarantine_files": 0,
        "link_outputs": 0,
        "subject_access_exports": 0,
    }
    assert not old.exists()
    assert not (recent / "restricted").exists()
    assert sorted(p.relative_to(recent).as_posix() for p in recent.rglob("*")) == [
        "shareable",
        "shareable/two_year_old_by_reason.csv",
        "summary.md",
    ]
    entry = _closing(log)
    assert entry.pop("at")
    assert entry == {
        "command": "retention",
        "today": "2026-09-01",
        "policy": "workbench/governance/retention.yaml@2026.12.3",
        "deleted": deleted,
        "files_removed": 8,  # 5 in the old folder, 3 in the recent restricted/
        "run_ids": [RUN_A, RUN_B],
    }
    # Written before anything was deleted: what was due (a crash or a full disk after the
    # deletions still leaves them on record).
    starting = json.loads(log.read_text().splitlines()[0])
    assert starting.pop("at")
    assert starting == {
        "command": "retention",
        "status": "starting",
        "today": "2026-09-01",
        "policy": "workbench/governance/retention.yaml@2026.12.3",
        "due": {"run_folders": 1, "restricted_outputs": 1},
        "store": False,
        "run_ids": [RUN_A, RUN_B],
    }
    assert oct(log.stat().st_mode & 0o777) == "0o600"
    assert "P1" not in log.read_text() and "demo" not in log.read_text()
    apply_retention(plan_retention(reports, None, date(2026, 9, 1)), log)
    assert len(log.read_text().splitlines()) == 4


def test_when_the_deletion_log_cannot_be_written_nothing_is_deleted(tmp_path):
    reports = tmp_path / "reports"
    old = _run_folder(reports, date(2010, 1, 1), RUN_A)
    blocked = tmp_path / "not_a_folder"
    blocked.write_text("")  # the log's folder is a file: the log cannot be opened
    plan = plan_retention(reports, None, date(2026, 9, 1))
    with pytest.raises(
        WorkbenchError, match=r"the deletion log cannot be written .*nothing was deleted"
    ):
        apply_retention(plan, blocked / "log.jsonl")
    assert old.exists()


def test_a_stale_plan_is_refused_and_nothing_is_deleted(tmp_path):
    reports = tmp_path / "reports"
    first = _run_folder(reports, date(2010, 1, 1), RUN_A)
    second = _run_folder(reports, date(2011, 1, 1), RUN_B)
    plan = plan_retention(reports, None, date(2026, 1, 1))
    shutil.rmtree(first)
    with pytest.raises(WorkbenchError, match=r"no longer on disk .* plan again"):
        apply_retention(plan, tmp_path / "log.jsonl")
    assert second.exists() and not (tmp_path / "log.jsonl").exists()


def test_the_plan_counts_store_items_and_decisions_past_their_period(tmp_path):
    import polars as pl

    from workbench.review import ReviewStore

    moments = iter([datetime(2019, 1, 1, tzinfo=UTC)] * 3 + [datetime(2025, 1, 1, tzinfo=UTC)] * 3)
    path = tmp_path / "review.sqlite"
    key = "pk_" + "a" * 24
    items = pl.DataFrame({"item_key": [key], "tier": ["likely"], "reason_codes": [["x"]]})
    with ReviewStore(path, clock=lambda: next(moments, datetime(2025, 1, 1, tzinfo=UTC))) as s:
        list_id = s.add_list("r-1", "two_year_old", "two_year_old@1", {}, items)
        s.record_decision(list_id, key, "contact", "A. Officer")
        s.record_decision(list_id, key, "defer", "A. Officer")
        s.record_decision(list_id, key, "contact", "B. Officer")
    plan = plan_retention(tmp_path, None, date(2026, 1, 1), store=path)
    assert plan.notes == [
        "review store: 1 items of 1 lists stored before 2025-01-02 (1 year from when the list "
        "was stored), 1 of 3 decisions recorded before 2020-01-02 (6 years from the "
        "decision), and 0 check results of 0 imports of DfE's results imported before "
        "2025-01-02 (1 year from the import) are past their period. --apply removes them "
        "through the store, which keeps the counts of each list and import and bridges the "
        "decision chain with a sealed checkpoint."
    ]
    assert plan.store is not None
    assert (plan.store.due.lists, plan.store.due.list_items, plan.store.due.decisions) == (1, 1, 1)
    assert plan.store.before_decisions == datetime(2020, 1, 2, tzinfo=UTC)


# --- hidden run folders a stopped report run left ----------------------------------------------

RUN_C = "r-0000000000cc"
RUN_D = "r-0000000000dd"
RUN_E = "r-0000000000ee"


def _unfinished(reports: Path, day: date, run: str, state: str, term: date | None = None) -> Path:
    """What `workbench report` leaves when its run stops part-way: the run folder, hidden as
    `.<folder>.partial` (or `.previous`, the run it was replacing, moved aside)."""
    folder = _run_folder(reports, day, run, term)
    return folder.rename(folder.with_name(f".{folder.name}.{state}"))


def _lock(reports: Path, day: date, run: str) -> Path:
    """The lock `workbench report` holds on a run folder's name while it writes it."""
    return reports / f".{day.isoformat()}-demo-{run}.lock"


def test_a_stopped_runs_hidden_folders_are_dated_by_their_name_and_deleted_when_due(tmp_path):
    reports = tmp_path / "reports"
    old = _unfinished(reports, date(2018, 9, 1), RUN_A, "partial", term=date(2018, 9, 1))
    stray = _lock(reports, date(2018, 9, 1), RUN_A)
    stray.touch()  # left by the killed run: nobody holds it
    replaced = _unfinished(reports, date(2019, 1, 1), RUN_C, "previous")
    middle = _unfinished(reports, date(2024, 6, 1), RUN_D, "partial")
    recent = _unfinished(reports, date(2026, 8, 30), RUN_E, "partial")
    done = _run_folder(reports, date(2026, 3, 1), RUN_B)
    plan = plan_retention(reports, None, date(2026, 9, 1))
    assert _rows(plan, reports) == [
        (
            "run_folders",
            ".2018-09-01-demo-r-0000000000aa.partial",
            "2018-09-01",
            "2025-09-01",
            True,
        ),
        (
            "restricted_outputs",
            ".2018-09-01-demo-r-0000000000aa.partial/restricted",
            "2018-09-01",
            "2019-09-01",
            True,
        ),
        (
            "lists",
            ".2018-09-01-demo-r-0000000000aa.partial/restricted/two_year_old.csv",
            "2018-09-01",
            "2019-09-01",
            True,
        ),
        (
            "run_folders",
            ".2019-01-01-demo-r-0000000000cc.previous",
            "2019-01-01",
            "2026-01-01",
            True,
        ),
        (
            "restricted_outputs",
            ".2019-01-01-demo-r-0000000000cc.previous/restricted",
            "2019-01-01",
            "2020-01-01",
            True,
        ),
        (
            "run_folders",
            ".2024-06-01-demo-r-0000000000dd.partial",
            "2024-06-01",
            "2031-06-01",
            False,
        ),
        # a stopped run's restricted/ is as restricted as a finished run's
        (
            "restricted_outputs",
            ".2024-06-01-demo-r-0000000000dd.partial/restricted",
            "2024-06-01",
            "2025-06-01",
            True,
        ),
        (
            "run_folders",
            ".2026-08-30-demo-r-0000000000ee.partial",
            "2026-08-30",
            "2033-08-30",
            False,
        ),
        (
            "restricted_outputs",
            ".2026-08-30-demo-r-0000000000ee.partial/restricted",
            "2026-08-30",
            "2027-08-30",
            False,
        ),
        ("run_folders", "2026-03-01-demo-r-0000000000bb", "2026-03-01", "2033-03-01", False),
        (
            "restricted_outputs",
            "2026-03-01-demo-r-0000000000bb/restricted",
            "2026-03-01",
            "2027-03-01",
            False,
        ),
    ]
    assert [i.path for i in plan.due] == [old, replaced, middle / "restricted"]
    assert [i.run_id for i in plan.due] == [RUN_A, RUN_C, RUN_D]
    assert [i.lock for i in plan.due] == [
        stray,
        _lock(reports, date(2019, 1, 1), RUN_C),
        _lock(reports, date(2024, 6, 1), RUN_D),
    ]
    assert {i.lock for i in plan.items if done in (i.path, *i.path.parents)} == {None}
    assert plan.notes == [] and plan.in_progress == []
    log = tmp_path / "retention.jsonl"
    deleted = apply_retention(plan, log)
    assert (deleted["run_folders"], deleted["restricted_outputs"], deleted["lists"]) == (2, 1, 0)
    # The stray lock file stays (zero bytes, nothing in it; deleting a lock file a run holds
    # would let a second run in), and no lock file is made for the others.
    assert sorted(p.name for p in reports.iterdir()) == [
        ".2018-09-01-demo-r-0000000000aa.lock",
        ".2024-06-01-demo-r-0000000000dd.partial",
        ".2026-08-30-demo-r-0000000000ee.partial",
        "2026-03-01-demo-r-0000000000bb",
    ]
    assert stray.stat().st_size == 0
    assert (recent / "restricted" / "data" / "people.csv").exists()
    assert sorted(p.relative_to(middle).as_posix() for p in middle.rglob("*")) == [
        "shareable",
        "shareable/two_year_old_by_reason.csv",
        "summary.md",
    ]
    entry = _closing(log)
    assert entry.pop("at")
    assert entry == {
        "command": "retention",
        "today": "2026-09-01",
        "policy": "workbench/governance/retention.yaml@2026.12.3",
        "deleted": deleted,
        "files_removed": 9,  # 5 in the old partial, 3 in the previous, 1 in the restricted/
        "run_ids": [RUN_A, RUN_C, RUN_D],
        "unfinished_runs": {"deleted": 3, "in_progress": 0},
    }
    assert "demo" not in log.read_text() and "partial" not in log.read_text()


def test_a_hidden_run_folder_a_report_run_is_writing_is_left_alone_and_said_so(tmp_path):
    from filelock import FileLock

    reports = tmp_path / "reports"
    day = date(2018, 9, 1)
    partial = _unfinished(reports, day, RUN_A, "partial", term=day)
    # While it replaces a run of the same inputs, the run moves that one aside as `.previous`.
    previous = _unfinished(tmp_path / "aside", day, RUN_A, "previous")
    previous = previous.rename(reports / previous.name)
    stopped = _unfinished(reports, date(2019, 1, 1), RUN_C, "partial")
    files = sorted(p for p in reports.rglob("*") if "r-0000000000aa" in str(p))
    lock = _lock(reports, day, RUN_A)
    running = FileLock(lock)  # what `workbench report` holds for the whole run
    running.acquire()
    try:
        plan = plan_retention(reports, None, date(2026, 9, 1))
        assert _rows(plan, reports) == [
            ("run_folders", stopped.name, "2019-01-01", "2026-01-01", True),
            ("restricted_outputs", f"{stopped.name}/restricted", "2019-01-01", "2020-01-01", True),
        ]
        assert plan.in_progress == [partial, previous]
        assert plan.notes == [
            f"{partial} is in progress (a report run holds its lock "
            ".2018-09-01-demo-r-0000000000aa.lock): left alone",
            f"{previous} is in progress (a report run holds its lock "
            ".2018-09-01-demo-r-0000000000aa.lock): left alone",
        ]
        log = tmp_path / "retention.jsonl"
        deleted = apply_retention(plan, log)
        assert running.is_locked  # tested, never taken from the run
    finally:
        running.release()
    assert deleted["run_folders"] == 1 and not stopped.exists()
    assert sorted(p for p in reports.rglob("*") if "r-0000000000aa" in str(p)) == sorted(
        [*files, lock]
    )
    entry = _closing(log)
    assert entry["unfinished_runs"] == {"deleted": 1, "in_progress": 2}
    assert entry["run_ids"] == [RUN_C]
    # Once the run has ended (or was killed: the system drops its lock), it is planned for.
    after = plan_retention(reports, None, date(2026, 9, 1))
    assert [i.path for i in after.due] == [partial, previous]
    assert after.in_progress == [] and after.notes == []


def test_a_plan_made_before_a_report_run_took_the_lock_is_stale(tmp_path):
    from filelock import FileLock

    reports = tmp_path / "reports"
    day = date(2018, 9, 1)
    partial = _unfinished(reports, day, RUN_A, "partial")
    plan = plan_retention(reports, None, date(2026, 9, 1))
    assert [i.path for i in plan.due] == [partial]
    running = FileLock(_lock(reports, day, RUN_A))
    running.acquire()
    try:
        with pytest.raises(WorkbenchError) as caught:
            apply_retention(plan, tmp_path / "log.jsonl")
    finally:
        running.release()
    assert str(caught.value) == (
        "1 item(s) of the retention plan are in a hidden run folder a report run is writing now "
        "(first: a run_folders item); the plan is stale: plan again and apply the new plan"
    )
    assert (partial / "restricted" / "data" / "people.csv").exists()
    assert not (tmp_path / "log.jsonl").exists()


def test_a_hidden_folder_not_named_as_a_run_leaves_one_is_left_alone_and_said_so(tmp_path):
    reports = tmp_path / "reports"
    odd = _write(reports / ".notes.partial" / "restricted" / "people.csv", "person_id\nP1\n")
    no_day = _write(reports / ".2019-02-30-demo-r-0000000000aa.previous" / "summary.md")
    other = _write(reports / ".ipynb_checkpoints" / "x.ipynb")  # not a run's: nothing said
    plan = plan_retention(reports, None, date(2030, 1, 1))
    assert plan.items == [] and plan.in_progress == []
    assert plan.notes == [
        f"{reports / '.2019-02-30-demo-r-0000000000aa.previous'} is not named as a report run "
        "leaves one (.<YYYY-MM-DD>-<notebook>-<run id>.partial or .previous): left alone",
        f"{reports / '.notes.partial'} is not named as a report run leaves one "
        "(.<YYYY-MM-DD>-<notebook>-<run id>.partial or .previous): left alone",
    ]
    apply_retention(plan, tmp_path / "log.jsonl")
    assert odd.exists() and no_day.exists() and other.exists()
    assert "unfinished_runs" not in _closing(tmp_path / "log.jsonl")


# --- the invariant ------------------------------------------------------------------------------

dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


def _newer_kind(folder: Path, kind: str, number: int, day: date) -> list[Path]:
    """A file of one of the newest kinds, by hand, written (or prepared) on `day`."""
    if kind == "subject_access_exports":
        export = _write(
            folder / f"sar{number}.md",
            "# Subject access: what the Eligibility Workbench holds about person P1\n\n"
            f"Prepared on {day.isoformat()} for the council's data protection team.\n",
        )
        return [
            export,
            _write(folder / f"sar{number}.md-appendix.csv", "section,record,field,value\n"),
        ]
    header = {
        "dfe_results": RESULTS_HEADER,
        "quarantine_files": "table,file,row,column,value,reason",
        "link_outputs": "source,record_id,person_id,band,match_probability,method",
    }[kind]
    return [_aged(_write(folder / f"{kind}{number}.csv", f"{header}\n"), day)]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    runs=st.lists(st.tuples(dates, st.none() | dates), min_size=1, max_size=5),
    loose=st.lists(dates, max_size=3),
    checks=st.lists(dates, max_size=2),
    others=st.lists(
        st.tuples(
            st.sampled_from(
                ("dfe_results", "quarantine_files", "link_outputs", "subject_access_exports")
            ),
            dates,
        ),
        max_size=3,
    ),
    data=st.data(),
)
def test_retention_deletes_exactly_what_is_past_its_date(runs, loose, checks, others, data):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        reports, elsewhere = root / "reports", root / "lists"
        ends: dict[Path, date] = {}
        for number, (run_date, term) in enumerate(runs):
            folder = _run_folder(reports, run_date, f"r-{number:012x}", term)
            list_end = _plus_years(term, 1) if term else run_date
            restricted_end = max(_plus_years(run_date, 1), list_end)
            ends[folder / "summary.md"] = max(_plus_years(run_date, 7), restricted_end)
            ends[folder / "restricted" / "data" / "people.csv"] = restricted_end
            if term:
                ends[folder / "restricted" / "two_year_old.csv"] = list_end
        for number, term in enumerate(loose):
            ends[_list(elsewhere / f"list{number}.csv", term.isoformat())] = _plus_years(term, 1)
        lists = set(ends)
        for number, exported in enumerate(checks):  # every file of an export ends together
            for path in _check_export(elsewhere, f"check{number}", f"{exported}T09:00:00Z"):
                ends[path] = _plus_months(exported, 3)
        for number, (kind, day) in enumerate(others):
            for path in _newer_kind(elsewhere / "other", kind, number, day):
                ends[path] = _plus_months(day, 3) if kind == "dfe_results" else _plus_years(day, 1)
        bystander = _write(reports / "README.txt")
        # Often plan on the very day something expires, or the day before: the boundary.
        boundary = [d + timedelta(days=shift) for d in ends.values() for shift in (-1, 0)]
        today = data.draw(st.sampled_from(boundary) | dates, label="today")

        plan = plan_retention(reports, None, today, list_roots=[elsewhere])
        apply_retention(plan, root / "log.jsonl")

        assert sorted(p for p, end in ends.items() if end <= today and p.exists()) == []
        assert sorted(p for p, end in ends.items() if end > today and not p.exists()) == []
        assert bystander.exists()
        for path, end in ends.items():
            if path in lists and path.name.endswith("csv") and path.parent.name != "data":
                assert path.with_name(path.name + ".manifest.json").exists() == (end > today)
        entry = _closing(root / "log.jsonl")
        assert sum(entry["deleted"].values()) == len(plan.due)


def test_outreach_exports_are_found_by_their_sidecar_and_dated_by_their_export(tmp_path):
    exports = tmp_path / "outreach"
    contact = _write(exports / "autumn_contacts.csv", "person_id,forename\nP1,Ann\n")
    sidecar = _write(
        exports / "autumn_contacts.csv.outreach.json",
        json.dumps({"run_id": LIST_RUN, "exported_at": "2026-01-10T09:00:00Z"}),
    )
    plan = plan_retention(tmp_path / "reports", None, date(2026, 7, 10), list_roots=[exports])
    assert _rows(plan, exports) == [
        ("outreach_exports", "autumn_contacts.csv", "2026-01-10", "2026-07-10", True)
    ]
    assert load_policy().periods["outreach_exports"].from_ == "exported_at"
    apply_retention(plan, tmp_path / "log.jsonl")
    assert not contact.exists() and not sidecar.exists()
    entry = _closing(tmp_path / "log.jsonl")
    assert entry["deleted"]["outreach_exports"] == 1 and entry["run_ids"] == [LIST_RUN]


# --- check exports for DfE's checking service -----------------------------------------------------
DFE_HEADER = "Parent Last Name,Parent Date of Birth,Parent National Insurance number"
NOT_CHECKABLE_HEADER = "list_id,item_key,person_id,dwp_record_id,decision,decision_id,reason"


def _check_export(folder: Path, name: str, exported_at: str | None, parts: int = 2) -> list[Path]:
    """The files `workbench check export --out FOLDER/NAME.csv` writes, by hand: the parts,
    the not-checkable file and the sidecar (last)."""
    files = [
        _write(folder / f"{name}-part{n}.csv", f"{DFE_HEADER}\nSmith,01/02/1990,AB12345{n}C\n")
        for n in range(1, parts + 1)
    ]
    files.append(_write(folder / f"{name}.not_checkable.csv", f"{NOT_CHECKABLE_HEADER}\n"))
    record = {
        "format": "workbench-dfe-check-1",
        "command": "check export",
        "export_id": "cx-00000000000000aa",
        "run_id": LIST_RUN,
        "files": [{"file": f.name, "rows": 1} for f in files[:parts]],
    }
    if exported_at is not None:
        record["exported_at"] = exported_at
    files.append(_write(folder / f"{name}.check.json", json.dumps(record)))
    return files


def test_check_exports_are_dated_by_their_sidecar_and_deleted_with_all_their_files(tmp_path):
    exports = tmp_path / "checks"
    today = date(2026, 12, 4)
    old = _check_export(exports, "autumn", (today - timedelta(days=400)).isoformat() + "T09:00:00Z")
    new = _check_export(exports, "winter", (today - timedelta(days=10)).isoformat() + "T09:00:00Z")
    plan = plan_retention(tmp_path / "reports", None, today, list_roots=[exports])
    assert _rows(plan, exports) == [
        ("check_exports", "autumn.check.json", "2025-10-30", "2026-01-30", True),
        ("check_exports", "winter.check.json", "2026-11-24", "2027-02-24", False),
    ]
    assert [p.name for p in plan.items[0].also] == [
        "autumn-part1.csv",
        "autumn-part2.csv",
        "autumn.not_checkable.csv",
    ]
    assert "three months" in plan.items[0].reason.casefold()
    log = tmp_path / "log.jsonl"
    deleted = apply_retention(plan, log)
    assert deleted["check_exports"] == 1
    assert [p.exists() for p in old] == [False] * 4
    assert [p.exists() for p in new] == [True] * 4
    entry = _closing(log)
    assert (entry["files_removed"], entry["run_ids"]) == (4, [LIST_RUN])
    assert "autumn" not in log.read_text() and "AB12345" not in log.read_text()


def _workbook(path: Path, exported_at: str | None, sheets=("Review", "About", "workbench")):
    """A workbook shaped as `workbench review export` writes one (its hidden sheet's keys)."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(str(path)) as book:
        for name in sheets:
            sheet = book.add_worksheet(name)
            if name == "Review":
                sheet.write_row(0, 0, ["item_key", "child_name", "decision"])
                sheet.write_row(1, 0, ["pk_0", "Ann Example", ""])
            if name == "workbench":
                meta = [("format", "workbench-review-4"), ("list_id", "l-1")]
                meta += [("exported_at", exported_at)] if exported_at else []
                for row, pair in enumerate(meta):
                    sheet.write_row(row, 0, pair)
    return path


def test_review_workbooks_are_dated_by_their_export_and_other_workbooks_left_alone(tmp_path):
    today = date(2026, 12, 4)
    reports, elsewhere = tmp_path / "reports", tmp_path / "officers"
    folder = _run_folder(reports, date(2026, 11, 20), RUN_A)
    _workbook(folder / "restricted" / "review.xlsx", "2026-08-01")  # past 20 days
    _workbook(elsewhere / "autumn.xlsx", "2026-11-01")  # past
    _workbook(elsewhere / "winter.xlsx", "2026-11-30")  # kept
    undated = _workbook(elsewhere / "older.xlsx", None)  # written before the date was kept
    os.utime(undated, (datetime(2026, 11, 25, tzinfo=UTC).timestamp(),) * 2)
    _workbook(elsewhere / "budget.xlsx", None, sheets=("Sheet1",))  # not the workbench's
    policy = load_policy(_write(tmp_path / "policy.yaml", POLICY))
    plan = plan_retention(reports, policy, today, list_roots=[elsewhere])
    books = [i for i in plan.items if i.kind == "review_workbooks"]
    assert [(i.path.name, i.created.isoformat(), i.expires.isoformat(), i.due(today))
            for i in books] == [
        ("autumn.xlsx", "2026-11-01", "2026-11-21", True),
        ("older.xlsx", "2026-11-25", "2026-12-15", False),
        ("winter.xlsx", "2026-11-30", "2026-12-20", False),
        ("review.xlsx", "2026-08-01", "2026-08-21", True),
    ]  # fmt: skip
    assert books[-1].run_id == RUN_A and "twenty days" in books[0].reason
    apply_retention(plan, tmp_path / "log.jsonl")
    assert sorted(p.name for p in elsewhere.iterdir()) == [
        "budget.xlsx",
        "older.xlsx",
        "winter.xlsx",
    ]
    assert not (folder / "restricted" / "review.xlsx").exists()


def test_check_files_without_a_sidecar_are_found_by_dfe_s_header_and_hold_their_folder(tmp_path):
    reports = tmp_path / "reports"
    folder = _run_folder(reports, date(2026, 1, 5), RUN_B)
    restricted = folder / "restricted"
    _check_export(restricted, "checks", "2026-11-24T10:00:00Z", parts=1)
    lost = _write(restricted / "copy-part1.csv", f"{DFE_HEADER}\nJones,03/04/1991,CD123456A\n")
    left = _write(restricted / "old.not_checkable.csv", f"{NOT_CHECKABLE_HEADER}\n")
    _write(restricted / "other.csv", "Parent Last Name,Notes\nJones,none\n")  # not DfE's header
    undated = _check_export(tmp_path / "elsewhere", "spring", None, parts=1)
    stamp = datetime(2026, 3, 4, 12, tzinfo=UTC).timestamp()
    os.utime(undated[-1], (stamp, stamp))
    plan = plan_retention(reports, None, date(2026, 12, 4), list_roots=[tmp_path / "elsewhere"])
    assert [row for row in _rows(plan, tmp_path) if row[0] != "run_folders"] == [
        ("check_exports", "elsewhere/spring.check.json", "2026-03-04", "2026-06-04", True),
        (
            "restricted_outputs",
            "reports/2026-01-05-demo-r-0000000000bb/restricted",
            "2026-01-05",
            "2027-02-24",
            False,
        ),
        (
            "check_exports",
            "reports/2026-01-05-demo-r-0000000000bb/restricted/checks.check.json",
            "2026-11-24",
            "2027-02-24",
            False,
        ),
        (
            "check_exports",
            "reports/2026-01-05-demo-r-0000000000bb/restricted/copy-part1.csv",
            "2026-01-05",
            "2026-04-05",
            True,
        ),
        (
            "check_exports",
            "reports/2026-01-05-demo-r-0000000000bb/restricted/old.not_checkable.csv",
            "2026-01-05",
            "2026-04-05",
            True,
        ),
    ]
    [held] = [i for i in plan.items if i.path == restricted]
    assert held.reason.endswith("Held until 2027-02-24 by a check_exports item inside.")
    deleted = apply_retention(plan, tmp_path / "log.jsonl")
    assert deleted["check_exports"] == 3
    assert not lost.exists() and not left.exists() and not undated[0].exists()
    assert (restricted / "checks-part1.csv").exists() and (restricted / "other.csv").exists()


# --- a council's policy copied before the newest kinds ------------------------------------------

NEW_KINDS = ("dfe_results", "quarantine_files", "link_outputs", "subject_access_exports")


def test_a_policy_copied_before_the_newest_kinds_loads_with_the_package_default_said_so(tmp_path):
    # POLICY names the kinds up to check_results: a council's copy made before DfE's results
    # files, quarantine files, link outputs and subject-access exports had periods.
    assert not any(kind in POLICY for kind in NEW_KINDS)
    policy = load_policy(_write(tmp_path / "policy.yaml", POLICY))
    package = load_policy()
    assert policy.defaulted == NEW_KINDS
    assert {k: policy.periods[k] for k in NEW_KINDS} == {k: package.periods[k] for k in NEW_KINDS}
    assert str(policy.periods["lists"].keep) == "3 months"  # the council's own periods stay
    stamp = datetime(2025, 1, 2, 12, tzinfo=UTC).timestamp()
    held = _write(tmp_path / "out" / "q.csv", "table,file,row,column,value,reason\n")
    os.utime(held, (stamp, stamp))
    plan = plan_retention(tmp_path / "none", policy, date(2026, 1, 2), list_roots=[held.parent])
    assert plan.notes[0] == (
        f"the retention policy {tmp_path / 'policy.yaml'} (version 1) names no period for "
        "dfe_results, quarantine_files, link_outputs, subject_access_exports: the package "
        "default's are used (dfe_results: 3 months from the imported at, council-to-confirm; "
        "quarantine_files: 1 year from the written at, council-to-confirm; link_outputs: 1 year "
        "from the written at, council-to-confirm; subject_access_exports: 1 year from the "
        "exported at, council-to-confirm). Add them under `periods` with the period your "
        "council agrees, as in workbench/governance/retention.yaml."
    )
    assert [(i.kind, i.expires, i.due(plan.today)) for i in plan.items] == [
        ("quarantine_files", date(2026, 1, 2), True)
    ]
    apply_retention(plan, tmp_path / "log.jsonl")
    entry = _closing(tmp_path / "log.jsonl")
    assert entry["policy_defaults"] == list(NEW_KINDS) and entry["policy"] == f"{policy.source}@1"
    assert not held.exists()

    # A policy naming one of them keeps its own period; only those it lacks are defaulted,
    # and `defaulted` is worked out, never read from the file.
    def named(*kinds: str) -> str:
        return "".join(
            f"  {k}: {{keep: {{days: 5}}, from: written_at, confirm: confirmed, "
            f'reason: "kept five days"}}\n'
            for k in kinds
        )

    own = "defaulted: []\n" + POLICY + named("link_outputs")
    policy = load_policy(_write(tmp_path / "own.yaml", own))
    assert policy.defaulted == ("dfe_results", "quarantine_files", "subject_access_exports")
    assert str(policy.periods["link_outputs"].keep) == "5 days"
    every = "defaulted: [lists]\n" + POLICY + named(*NEW_KINDS)
    policy = load_policy(_write(tmp_path / "every.yaml", every))
    assert policy.defaulted == ()
    assert "names no period" not in " ".join(plan_retention(tmp_path, policy, date.today()).notes)


# --- DfE's results files, quarantine files, link outputs, subject-access exports ----------------

RESULTS_HEADER = f"{DFE_HEADER},Outcome"


def _aged(path: Path, day: date) -> Path:
    stamp = datetime.combine(day, datetime.min.time(), UTC).timestamp() + 12 * 3600
    os.utime(path, (stamp, stamp))
    return path


def test_dfe_results_files_are_found_by_their_header_and_dated_by_their_run_or_file(tmp_path):
    reports, downloads = tmp_path / "reports", tmp_path / "downloads"
    folder = _run_folder(reports, date(2026, 1, 5), RUN_B)
    in_run = _write(
        folder / "restricted" / "outcomes.csv",
        f"{RESULTS_HEADER}\nSmith,1990-02-01,AB123456C,Eligible\n",
    )
    # As DfE gives them: a byte-order mark, `\r\n`, a header spelt with a capital N; the
    # enhanced template's results with an end date and a tier.
    bom = downloads / "two-year-offer-outcomes.csv"
    bom.parent.mkdir()
    bom.write_bytes(
        b"\xef\xbb\xbfParent Last Name,Parent Date of Birth,Parent National Insurance Number,"
        b"Outcome\r\nPell,1990-01-15,QQ654321B,Eligible\r\n"
    )
    from workbench.review.checks import TEMPLATES

    enhanced = _write(
        downloads / "fsm.csv",
        f"{TEMPLATES['fsm-enhanced'].header_line()},Outcome,Eligibility End Date,Tier\n",
    )
    sent = _write(downloads / "sent-part1.csv", f"{DFE_HEADER}\nSmith,01/02/1990,AB123456C\n")
    other = _write(downloads / "survey.csv", "Parent Last Name,Outcome\nSmith,Happy\n")
    for path in (bom, enhanced, sent, other):
        _aged(path, date(2026, 3, 1))
    plan = plan_retention(reports, None, date(2026, 6, 1), list_roots=[downloads])
    found = [row for row in _rows(plan, tmp_path) if row[0] not in ("run_folders",)]
    assert found == [
        ("dfe_results", "downloads/fsm.csv", "2026-03-01", "2026-06-01", True),
        ("check_exports", "downloads/sent-part1.csv", "2026-03-01", "2026-06-01", True),
        (
            "dfe_results",
            "downloads/two-year-offer-outcomes.csv",
            "2026-03-01",
            "2026-06-01",
            True,
        ),
        (
            "restricted_outputs",
            "reports/2026-01-05-demo-r-0000000000bb/restricted",
            "2026-01-05",
            "2027-01-05",
            False,
        ),
        (
            "dfe_results",
            "reports/2026-01-05-demo-r-0000000000bb/restricted/outcomes.csv",
            "2026-01-05",
            "2026-04-05",
            True,
        ),
    ]
    assert plan.items[0].reason.endswith(
        "Dated by its run or its file: no review store given records importing it."
    )
    log = tmp_path / "log.jsonl"
    deleted = apply_retention(plan, log)
    assert deleted["dfe_results"] == 3 and deleted["check_exports"] == 1
    assert not in_run.exists() and not bom.exists() and not enhanced.exists()
    assert other.exists()
    assert "outcomes" not in log.read_text() and "Pell" not in log.read_text()


# The family of tests/governance/test_subject_access.py, cut down: Yolanda's father Orson is
# checked with DfE.
SAR_PEOPLE = """\
person_id,household_id,forename,surname,date_of_birth,nino,postcode,role
C-YOLANDA,H2,Yolanda,Ferris,2024-05-01,,ZZ9 2BB,child
P-ORSON,H2,Orson,Pell,1990-01-15,QQ654321B,ZZ9 2BB,parent_carer
"""
SAR_BENEFITS = """\
award_id,person_id,benefit,start_date,end_date,net_earned_income,gross_income
AW-OP1,P-ORSON,income_support,2024-01-01,,,
"""
SAR_STATUSES = """\
status_id,person_id,status,start_date,end_date
ST-YF1,C-YOLANDA,looked_after,2025-06-01,
"""


@pytest.fixture
def checked(tmp_path, make_folder):
    """A list, a check export of it and DfE's results imported on 2026-09-10 (the store's
    clock), with the results file, and a copy of it saved again (not the same bytes)."""
    from workbench.eligibility.assess import assess
    from workbench.review import ReviewStore, pseudonym, register_list_file
    from workbench.review.check_results import import_check_results
    from workbench.review.checks import export_checks
    from workbench.review.keys import load_key

    key = load_key()  # the machine's, as `workbench retention --store` opens the store with
    data = make_folder(
        {"people.csv": SAR_PEOPLE, "benefits.csv": SAR_BENEFITS, "child_statuses.csv": SAR_STATUSES}
    )
    term = date(2026, 9, 1)
    listed = tmp_path / "lists" / "two_year_old.csv"
    listed.parent.mkdir()
    assess(data, "two_year_old", term_start=term, as_of=term).write(listed)
    store = tmp_path / "review.sqlite"
    imported = datetime(2026, 9, 10, 9, 0, tzinfo=UTC)
    with ReviewStore(store, clock=lambda: imported, key=key) as review:
        list_id, _ = register_list_file(review, listed, key)
        review.record_decision(list_id, pseudonym("person", "C-YOLANDA", key), "contact", "A. Ode")
        export_checks(review, listed, data, tmp_path / "checks" / "c.csv", key=key)
        results = tmp_path / "downloads" / "outcomes.csv"
        results.parent.mkdir()
        results.write_bytes(
            b"\xef\xbb\xbfParent Last Name,Parent Date of Birth,Parent National "
            b"Insurance number,Outcome\r\nPell,1990-01-15,QQ654321B,Eligible\r\n"
        )
        import_check_results(review, results, key=key, user="A. Officer")
    resaved = _write(
        results.with_name("outcomes (1).csv"),
        f"{RESULTS_HEADER}\nPell,1990-01-15,QQ654321B,Eligible\n",
    )
    for path in (results, resaved):
        _aged(path, date(2026, 11, 1))
    return data, store, results, resaved


def test_a_dfe_results_file_the_store_imported_is_dated_by_its_import(checked, tmp_path):
    _, store, results, resaved = checked
    roots = [results.parent]
    without = plan_retention(tmp_path / "reports", None, date(2026, 12, 10), list_roots=roots)
    assert [(i.path.name, i.created) for i in without.items if i.kind == "dfe_results"] == [
        ("outcomes (1).csv", date(2026, 11, 1)),
        ("outcomes.csv", date(2026, 11, 1)),
    ]
    plan = plan_retention(
        tmp_path / "reports", None, date(2026, 12, 10), list_roots=roots, store=store
    )
    assert [
        (i.path.name, i.created.isoformat(), i.expires.isoformat(), i.due(plan.today))
        for i in plan.items
        if i.kind == "dfe_results"
    ] == [
        # saved again: not the file imported (another SHA-256), so dated by the file
        ("outcomes (1).csv", "2026-11-01", "2027-02-01", False),
        ("outcomes.csv", "2026-09-10", "2026-12-10", True),
    ]
    assert plan.items[1].reason.endswith("Dated by its import into the review store.")
    deleted = apply_retention(plan, tmp_path / "log.jsonl")
    assert deleted["dfe_results"] == 1
    assert not results.exists() and resaved.exists()


def test_quarantine_files_and_link_outputs_are_found_by_their_columns(tmp_path):
    from tests.linkage.test_folder import folder as link_data
    from workbench.data.quarantine import write_quarantine
    from workbench.data.reading import load_folder
    from workbench.linkage.folder import link_folder, quarantine_path

    data = link_data(tmp_path)
    out = tmp_path / "out"
    links_csv = link_folder(data, out / "links.csv").out  # and links.quarantine.csv beside it
    links_parquet = link_folder(data, out / "parquet" / "links.parquet").out
    # Each with its manifest beside it (as `workbench link` writes): links all the same, not
    # lists, and deleted with it.
    assert (out / "links.csv.manifest.json").is_file()
    loaded = load_folder(data, tables=["people", "dwp_list"])
    assert loaded.quarantine.height > 0
    validated = write_quarantine(loaded.quarantine, out / "validate" / "held.csv")
    validated_parquet = write_quarantine(loaded.quarantine, out / "validate" / "held.parquet")
    reports = tmp_path / "reports"
    run = _run_folder(reports, date(2026, 1, 5), RUN_B)
    kept_links = run / "restricted" / "links.parquet"  # as notebook 06 keeps them
    shutil.copy(links_parquet, kept_links)
    lookalikes = [
        _write(out / "not-links.csv", "source,record_id,person_id,band,notes\n"),
        _write(out / "not-held.csv", "table,file,row,column,value,reason,extra\n"),
        _write(out / "broken.parquet", "not parquet"),
    ]
    written = [
        links_csv,
        quarantine_path(links_csv),
        links_parquet,
        quarantine_path(links_parquet),
        validated,
        validated_parquet,
        *lookalikes,
    ]
    for path in written:
        _aged(path, date(2025, 3, 4))
    plan = plan_retention(reports, None, date(2026, 3, 4), list_roots=[out])
    assert [row for row in _rows(plan, tmp_path) if row[0] != "run_folders"] == [
        ("link_outputs", "out/links.csv", "2025-03-04", "2026-03-04", True),
        ("quarantine_files", "out/links.quarantine.csv", "2025-03-04", "2026-03-04", True),
        ("link_outputs", "out/parquet/links.parquet", "2025-03-04", "2026-03-04", True),
        (
            "quarantine_files",
            "out/parquet/links.quarantine.csv",
            "2025-03-04",
            "2026-03-04",
            True,
        ),
        ("quarantine_files", "out/validate/held.csv", "2025-03-04", "2026-03-04", True),
        ("quarantine_files", "out/validate/held.parquet", "2025-03-04", "2026-03-04", True),
        (
            "restricted_outputs",
            "reports/2026-01-05-demo-r-0000000000bb/restricted",
            "2026-01-05",
            "2027-01-05",
            False,
        ),
        (
            "link_outputs",
            "reports/2026-01-05-demo-r-0000000000bb/restricted/links.parquet",
            "2026-01-05",
            "2027-01-05",
            False,
        ),
    ]
    assert plan.items[-1].run_id == RUN_B
    log = tmp_path / "log.jsonl"
    deleted = apply_retention(plan, log)
    assert (deleted["link_outputs"], deleted["quarantine_files"]) == (2, 4)
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == sorted(
        p.name for p in lookalikes
    )
    assert kept_links.exists()
    assert "links" not in log.read_text() and "Khan" not in log.read_text()


def test_the_columns_of_every_links_frame_the_workbench_writes_are_recognised(tmp_path):
    from workbench.governance.retention import _header_cells, _is_links
    from workbench.linkage.exact import LINKS_SCHEMA
    from workbench.linkage.probabilistic import LINKAGE_RESULT_SCHEMA

    for schema in (LINKS_SCHEMA, LINKAGE_RESULT_SCHEMA):
        import polars as pl

        path = tmp_path / "links.parquet"
        pl.DataFrame(schema=schema).write_parquet(path)
        assert _is_links(_header_cells(path)), list(schema)


KEY = bytes(range(32))


def _sar(folder: Path, name: str, today: date, make_folder) -> Path:
    from workbench.governance.subject_access import subject_access

    data = make_folder({"people.csv": SAR_PEOPLE, "benefits.csv": SAR_BENEFITS})
    return subject_access("C-YOLANDA", data=data, key=KEY, out=folder / name, today=today)


def test_subject_access_exports_are_dated_by_their_day_and_go_with_their_appendix(
    tmp_path, make_folder
):
    from workbench.governance.subject_access import appendix_path

    dp = tmp_path / "dp"
    old_md = _sar(dp, "ferris.md", date(2025, 1, 10), make_folder)
    old_html = _sar(dp, "ferris.html", date(2025, 1, 11), make_folder)
    new_md = _sar(dp / "2026", "request-7.md", date(2026, 1, 10), make_folder)
    assert old_html.read_text().startswith("<!doctype html>")
    _aged(old_md, date(2025, 1, 10))  # written the day before the html
    _aged(old_html, date(2025, 1, 11))
    # Written before each kept its own appendix: lee.md and lee.html share lee-appendix.csv.
    lee_md = _sar(dp / "old", "lee.md", date(2025, 1, 10), make_folder)
    lee_html = _sar(dp / "old", "lee.html", date(2025, 1, 11), make_folder)
    appendix_path(lee_md).unlink()
    shared = appendix_path(lee_html).rename(dp / "old" / "lee-appendix.csv")
    _aged(lee_md, date(2025, 1, 10))
    _aged(lee_html, date(2025, 1, 11))
    orphan = _sar(dp / "gone", "old.md", date(2024, 6, 1), make_folder)
    orphan.unlink()  # the export deleted by hand, its appendix left
    _aged(appendix_path(orphan), date(2024, 6, 1))
    notes = _write(dp / "notes.md", "# Subject access: how we answer requests\n")
    other = _write(dp / "budget-appendix.csv", "section,amount\nA,1\n")
    plan = plan_retention(tmp_path / "reports", None, date(2026, 1, 10), list_roots=[dp])
    assert _rows(plan, dp) == [
        ("subject_access_exports", "2026/request-7.md", "2026-01-10", "2027-01-10", False),
        ("subject_access_exports", "ferris.html", "2025-01-11", "2026-01-11", False),
        ("subject_access_exports", "ferris.md", "2025-01-10", "2026-01-10", True),
        ("subject_access_exports", "gone/old.md-appendix.csv", "2024-06-01", "2025-06-01", True),
        ("subject_access_exports", "old/lee.html", "2025-01-11", "2026-01-11", False),
        ("subject_access_exports", "old/lee.md", "2025-01-10", "2026-01-10", True),
    ]
    # Each export goes with its own appendix; of two sharing one, the later export keeps it.
    assert [i.also for i in plan.items] == [
        (appendix_path(new_md),),
        (appendix_path(old_html),),
        (appendix_path(old_md),),
        (),
        (shared,),
        (),
    ]
    log = tmp_path / "log.jsonl"
    deleted = apply_retention(plan, log)
    assert deleted["subject_access_exports"] == 3
    assert _closing(log)["files_removed"] == 4
    assert not old_md.exists() and not appendix_path(old_md).exists()
    assert not appendix_path(orphan).exists() and not lee_md.exists()
    kept = (old_html, appendix_path(old_html), new_md, appendix_path(new_md), notes, other)
    for path in (*kept, lee_html, shared):
        assert path.exists(), path
    # A day later the html goes, with the appendix.
    apply_retention(plan_retention(tmp_path / "r", None, date(2026, 1, 11), list_roots=[dp]), log)
    assert not old_html.exists() and not appendix_path(old_html).exists()
    assert not lee_html.exists() and not shared.exists()
    assert "ferris" not in log.read_text() and "Yolanda" not in log.read_text()


def test_a_newer_kind_inside_restricted_holds_the_folder_back(tmp_path, make_folder):
    reports = tmp_path / "reports"
    run = _run_folder(reports, date(2025, 1, 5), RUN_A)
    export = _sar(run / "restricted", "sar.md", date(2025, 11, 1), make_folder)
    policy = load_policy(_write(tmp_path / "policy.yaml", POLICY))  # restricted/: 3 months
    plan = plan_retention(reports, policy, date(2026, 9, 1))
    assert _rows(plan, reports) == [
        ("run_folders", run.name, "2025-01-05", "2027-01-05", False),
        ("restricted_outputs", f"{run.name}/restricted", "2025-01-05", "2026-11-01", False),
        (
            "subject_access_exports",
            f"{run.name}/restricted/sar.md",
            "2025-11-01",
            "2026-11-01",
            False,
        ),
    ]
    assert plan.items[1].reason.endswith(
        "Held until 2026-11-01 by a subject_access_exports item inside."
    )
    assert plan.items[2].run_id == RUN_A
    apply_retention(plan, tmp_path / "log.jsonl")
    assert export.exists()
    later = plan_retention(reports, policy, date(2026, 11, 1))
    assert [i.path for i in later.due] == [run / "restricted"]
    apply_retention(later, tmp_path / "log.jsonl")
    assert not (run / "restricted").exists() and (run / "summary.md").exists()


def test_the_command_lists_the_newest_kinds_and_says_which_periods_were_defaulted(tmp_path):
    from tests.command import workbench

    out = tmp_path / "out"
    held = _aged(_write(out / "held.csv", "table,file,row,column,value,reason\n"), date(2025, 1, 2))
    export = _newer_kind(out, "subject_access_exports", 1, date(2026, 1, 5))[0]
    policy = _write(tmp_path / "policy.yaml", POLICY)
    args = ("retention", "--reports", str(tmp_path / "reports"), "--lists", str(out))
    dry = workbench(*args, "--policy", str(policy), "--today", "2026-01-02")
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[:2] == [
        f"delete quarantine_files       2026-01-02  {held}",
        f"keep   subject_access_exports 2027-01-05  {export}",
    ]
    assert lines[2].startswith(
        f"the retention policy {policy} (version 1) names no period for dfe_results, "
        "quarantine_files, link_outputs, subject_access_exports: the package default's are used"
    )
    log = tmp_path / "log.jsonl"
    applied = workbench(*args, "--today", "2027-01-05", "--apply", "--log", str(log))
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines()[-1] == (
        "Deleted 0 run_folders, 0 restricted_outputs, 0 lists, 0 outreach_exports, "
        "0 check_exports, 0 review_workbooks, 0 dfe_results, 1 quarantine_files, "
        "0 link_outputs, 1 subject_access_exports (a folder counts once, with all inside it). "
        "Logged."
    )
    assert sorted(p.name for p in out.iterdir()) == []
    assert "held" not in log.read_text() and "sar1" not in log.read_text()


def _closing(log):
    """The deletion log's last line: what the last `--apply` deleted."""
    return json.loads(log.read_text().splitlines()[-1])


def test_a_review_store_in_a_run_folder_keeps_the_folder(tmp_path):
    # Notebook 03's default store was the run's restricted/review.sqlite (older runs hold one):
    # its decisions are kept six years from each decision, never deleted with the run's
    # one-year restricted/ folder.
    from workbench.review import ReviewStore

    reports = tmp_path / "reports"
    run = _run_folder(reports, date(2025, 1, 5), RUN_A)
    store = run / "restricted" / "review.sqlite"
    ReviewStore(store, key=bytes(32)).close()
    plan = plan_retention(reports, None, date(2033, 1, 1))
    assert [(i.kind, i.path, i.due(plan.today)) for i in plan.items] == [
        ("run_folders", run, False),
        ("restricted_outputs", run / "restricted", False),
        ("decisions", store, False),
    ]
    assert plan.items[1].reason.endswith("Held until 9999-12-31 by a decisions item inside.")
    assert "removed through the store (retention --store FILE)" in plan.items[2].reason
    apply_retention(plan, tmp_path / "log.jsonl")
    assert store.is_file() and (run / "restricted" / "data" / "people.csv").is_file()
