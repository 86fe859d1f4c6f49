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
        "decisions": "6 years",
        "check_results": "1 year",
    }
    assert {p.confirm for p in policy.periods.values()} == {"council-to-confirm"}
    assert policy.periods["lists"].from_ == "term_start"
    assert policy.periods["decisions"].from_ == "decided_at"
    assert policy.periods["check_exports"].from_ == "exported_at"
    assert policy.periods["check_results"].from_ == "imported_at"
    assert policy.periods["review_workbooks"].from_ == "exported_at"
    assert "National Insurance numbers" in policy.periods["check_exports"].reason
    assert "review store" in policy.periods["check_results"].reason


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
            "decisions, check_results",
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
            "'decided_at' or 'imported_at'",
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
        "decisions, check_results); a policy copied before the workbench knew these kinds "
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
    }
    assert not old.exists()
    assert not (recent / "restricted").exists()
    assert sorted(p.relative_to(recent).as_posix() for p in recent.rglob("*")) == [
        "shareable",
        "shareable/two_year_old_by_reason.csv",
        "summary.md",
    ]
    entry = json.loads(log.read_text())
    assert entry.pop("at")
    assert entry == {
        "command": "retention",
        "today": "2026-09-01",
        "policy": "workbench/governance/retention.yaml@2026.12.1",
        "deleted": deleted,
        "files_removed": 8,  # 5 in the old folder, 3 in the recent restricted/
        "run_ids": [RUN_A, RUN_B],
    }
    assert oct(log.stat().st_mode & 0o777) == "0o600"
    assert "P1" not in log.read_text() and "demo" not in log.read_text()
    apply_retention(plan_retention(reports, None, date(2026, 9, 1)), log)
    assert len(log.read_text().splitlines()) == 2


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
    entry = json.loads(log.read_text())
    assert entry.pop("at")
    assert entry == {
        "command": "retention",
        "today": "2026-09-01",
        "policy": "workbench/governance/retention.yaml@2026.12.1",
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
    entry = json.loads(log.read_text())
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
    assert "unfinished_runs" not in json.loads((tmp_path / "log.jsonl").read_text())


# --- the invariant ------------------------------------------------------------------------------

dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    runs=st.lists(st.tuples(dates, st.none() | dates), min_size=1, max_size=5),
    loose=st.lists(dates, max_size=3),
    checks=st.lists(dates, max_size=2),
    data=st.data(),
)
def test_retention_deletes_exactly_what_is_past_its_date(runs, loose, checks, data):
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
        entry = json.loads((root / "log.jsonl").read_text())
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
    entry = json.loads((tmp_path / "log.jsonl").read_text())
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
    entry = json.loads(log.read_text())
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
