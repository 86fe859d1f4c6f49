"""Review quality for the auditor: `assure --store` warns, per list and reviewer, about a pace
too fast to read, long runs of one decision, contacts to already-funded children and decisions
made without the child's details opened; each at its threshold and not below."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from tests.command import workbench
from workbench.errors import DataFileError
from workbench.governance.review_quality import (
    ReviewQuality,
    load_review_thresholds,
    review_quality,
)
from workbench.review import ReviewStore, load_key, pseudonym, register_list_file
from workbench.review.excel import export_review_workbook
from workbench.review.excel_import import import_review_workbook
from workbench.review.lists import read_list_file
from workbench.review.offers import already_funded_is_take_up
from workbench.review.workbook import COLUMNS
from workbench.runs.assure import (
    FUNDED_CONTACTS,
    IDENTICAL_RUNS,
    REVIEW_PACE,
    VIEWED_FIRST,
    AssuranceReport,
    assure,
    format_report,
)

START = datetime(2026, 9, 14, 9, 0, tzinfo=UTC)
CHILDREN = [f"P{n:03d}" for n in range(1, 61)]
FUNDED = "P002"  # the one child on the list with a funded place already
PLACE_REQUIRED = ("early_years_pupil_premium", "disability_access_fund")


class Clock:
    """The store's clock, moved on by the test: seconds after 09:00 on 14 September 2026."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def at(self, seconds: float) -> Clock:
        self.now = START + timedelta(seconds=seconds)
        return self


class Review:
    """A hand-made list of 60 children (P002 already funded) registered in a store."""

    def __init__(self, folder: Path, initiative: str = "two_year_old") -> None:
        self.folder = folder
        self.key = load_key()  # the test session's key file, as the command would read it
        self.clock = Clock()
        self.store = ReviewStore(folder / "review.sqlite", clock=self.clock)
        self.list_path = folder / f"{initiative}.csv"
        pl.DataFrame(
            {
                "person_id": CHILDREN,
                "dwp_record_id": [None] * len(CHILDREN),
                "initiative": [initiative] * len(CHILDREN),
                "tier": ["likely"] * len(CHILDREN),
                "reason_codes": ["dwp_list"] * len(CHILDREN),
                # As assess writes them: the early years pupil premium and the disability
                # access fund list only children with a funded place for the term; free
                # school meals reads no places, so its already_funded is always false.
                "already_funded": [
                    initiative in PLACE_REQUIRED
                    or (child == FUNDED and initiative == "two_year_old")
                    for child in CHILDREN
                ],
                "review_status": ["pending_review"] * len(CHILDREN),
            }
        ).write_csv(self.list_path)
        manifest = {"command": "assess", "run_id": "r-1", "rule_set": f"{initiative}@1"}
        Path(f"{self.list_path}.manifest.json").write_text(json.dumps(manifest | {"inputs": {}}))
        for path in (self.list_path, Path(f"{self.list_path}.manifest.json")):
            path.chmod(0o600)
        self.list_id, _ = register_list_file(self.store, self.list_path, self.key)

    def view(self, child: str, reviewer: str, at: float, by_id: bool = False) -> None:
        """What the review app logs when an officer opens a child's details: the child by
        its item key (`by_id`: by person id, as logs written before 6 December 2026 did)."""
        self.clock.at(at)
        named = child if by_id else pseudonym("person", child, self.key)
        self.store.log_access(reviewer, "review view", f"list {self.list_id}, child {named}")

    def decide(self, child: str, decision: str, reviewer: str, at: float, view: bool = True):
        if view:
            self.view(child, reviewer, at)
        self.clock.at(at)
        reason = "moved away" if decision == "not_eligible" else None
        item = pseudonym("person", child, self.key)
        self.store.record_decision(self.list_id, item, decision, reviewer, reason)

    def report(self, **options) -> AssuranceReport:
        self.store.close()
        try:
            return assure([self.folder], store=self.store.path, **options)
        finally:
            self.store = ReviewStore(self.store.path, clock=self.clock)


@pytest.fixture
def review(tmp_path: Path):
    opened = Review(tmp_path / "run")
    yield opened
    opened.store.close()


def quality(report: AssuranceReport) -> ReviewQuality:
    """The report's review quality, which `assure --store` always gives."""
    assert report.review is not None
    return report.review


def shown(report: AssuranceReport, name: str) -> str:
    check = report.check(name)
    return f"{check.result} {check.detail}"


# --- pace --------------------------------------------------------------------------------
def test_ten_decisions_in_30_seconds_warn_on_pace(review: Review):
    for n, child in enumerate(CHILDREN[10:20]):
        review.decide(child, "contact", "A. Officer", at=3 * n)
    report = review.report()
    assert report.ok
    assert shown(report, REVIEW_PACE) == (
        "WARN 1 of 1 reviewer(s) on 1 list(s) recorded more than 6 decisions a minute on a "
        f"list, sustained over 60 s:\nlist {review.list_id}, A. Officer: 10 decisions within 60 s "
        "(10 on the list)"
    )
    table = quality(report).by_reviewer
    # 10 decisions from the first to the last over 27 s: 10 / 0.45 minutes on average
    assert table.select("decisions", "most_in_window").row(0) == (10, 10)
    assert table["per_minute"][0] == pytest.approx(10 / 0.45)


def test_a_seventh_decision_within_a_minute_warns_and_one_a_minute_later_does_not(review: Review):
    for n, child in enumerate(CHILDREN[10:17]):  # 0, 10, ..., 60 s: at most 6 in any 60 s
        review.decide(child, "contact", "A. Officer", at=10 * n)
    for n, child in enumerate(CHILDREN[20:27]):  # 0, 9, ..., 54 s: 7 within 60 s
        review.decide(child, "contact", "B. Officer", at=1000 + 9 * n)
    report = review.report()
    assert quality(report).by_reviewer.select(
        "reviewer", "most_in_window", "pace_warning"
    ).rows() == [
        ("A. Officer", 6, False),
        ("B. Officer", 7, True),
    ]
    assert shown(report, REVIEW_PACE).splitlines()[1:] == [
        f"list {review.list_id}, B. Officer: 7 decisions within 60 s (7 on the list)"
    ]


def test_a_steady_pace_passes(review: Review):
    for n, child in enumerate(CHILDREN[:5]):
        review.decide(child, "contact" if child != FUNDED else "defer", "A. Officer", at=30 * n)
    report = review.report()
    assert shown(report, REVIEW_PACE) == (
        "PASS 1 reviewer(s) on 1 list(s), at most 2 decision(s) by one reviewer on a list in "
        "any 60 s (warns above 6 a minute)"
    )


def _second_list(review: Review) -> str:
    """Another list of the same children (another run) registered in the review's store."""
    second = review.folder / "two_year_old_again.csv"
    pl.read_csv(review.list_path, infer_schema=False).write_csv(second)
    manifest = {"command": "assess", "run_id": "r-2", "rule_set": "two_year_old@1", "inputs": {}}
    Path(f"{second}.manifest.json").write_text(json.dumps(manifest))
    list_id, _ = register_list_file(review.store, second, review.key)
    return list_id


def test_pace_counts_reviewers_as_people_not_as_reviewer_list_pairs(review: Review):
    """Two officers, each on both of two lists: the line said "4 reviewer(s) on a list"."""
    first, second = review.list_id, _second_list(review)
    for n, list_id in enumerate((first, second)):
        review.list_id = list_id
        for m, child in enumerate(CHILDREN[10:13]):
            review.decide(child, "contact", "A. Officer", at=1000 * n + 30 * m)
            review.decide(child, "contact", "B. Officer", at=1000 * n + 30 * m + 10)
    report = review.report()
    assert quality(report).by_reviewer.height == 4  # a row per reviewer per list
    assert shown(report, REVIEW_PACE) == (
        "PASS 2 reviewer(s) on 2 list(s), at most 2 decision(s) by one reviewer on a list in "
        "any 60 s (warns above 6 a minute)"
    )


def test_pace_warnings_count_the_people_warned_about(review: Review):
    """One officer too fast on both of two lists, another steady: 1 of 2 people, each of the
    fast one's lists named (not "2 of 4 reviewer(s) on a list")."""
    first, second = review.list_id, _second_list(review)
    for n, list_id in enumerate((first, second)):
        review.list_id = list_id
        for m, child in enumerate(CHILDREN[10:20]):
            review.decide(child, "contact", "A. Officer", at=1000 * n + 3 * m)
        for m, child in enumerate(CHILDREN[20:23]):
            review.decide(child, "contact", "B. Officer", at=1000 * n + 30 * m + 500)
    report = review.report()
    assert shown(report, REVIEW_PACE).splitlines() == [
        "WARN 1 of 2 reviewer(s) on 2 list(s) recorded more than 6 decisions a minute on a "
        "list, sustained over 60 s:",
        f"list {first}, A. Officer: 10 decisions within 60 s (10 on the list)",
        f"list {second}, A. Officer: 10 decisions within 60 s (10 on the list)",
    ]
    assert shown(report, IDENTICAL_RUNS) == (
        "PASS longest run of one decision by a reviewer: 10 (warns at 50)"
    )


# --- runs of identical decisions ----------------------------------------------------------
@pytest.mark.parametrize(("run", "warned"), [(49, False), (50, True)])
def test_a_run_of_identical_decisions_warns_at_50_and_not_at_49(review: Review, run, warned):
    children = [c for c in CHILDREN if c != FUNDED]
    for n, child in enumerate(children[:run]):
        review.decide(child, "contact", "A. Officer", at=20 * n)
    review.decide(children[run], "defer", "A. Officer", at=20 * run)
    report = review.report()
    if warned:
        assert shown(report, IDENTICAL_RUNS) == (
            "WARN 1 of 1 reviewer(s) on 1 list(s) recorded 50 or more identical decisions in a "
            f"row on a list:\nlist {review.list_id}, A. Officer: contact 50 times in a row "
            "(51 on the list)"
        )
    else:
        assert shown(report, IDENTICAL_RUNS) == (
            "PASS longest run of one decision by a reviewer: 49 (warns at 50)"
        )
    assert report.ok
    assert [c.name for c in report.checks if c.warning] == ([IDENTICAL_RUNS] if warned else [])


def test_runs_are_counted_per_reviewer_in_the_order_recorded(review: Review):
    # Two reviewers interleaved: each one's own decisions alternate, so no run is longer than 1
    # for A, while B's three defers are one run.
    for n, (child, decision, who) in enumerate(
        [
            ("P010", "contact", "A. Officer"),
            ("P011", "defer", "B. Officer"),
            ("P012", "defer", "A. Officer"),
            ("P013", "defer", "B. Officer"),
            ("P014", "contact", "A. Officer"),
            ("P015", "defer", "B. Officer"),
        ]
    ):
        review.decide(child, decision, who, at=20 * n)
    table = quality(review.report()).by_reviewer
    assert table.select("reviewer", "longest_run", "longest_run_decision").rows() == [
        ("A. Officer", 1, "contact"),
        ("B. Officer", 3, "defer"),
    ]


# --- contacts to already-funded children --------------------------------------------------
def test_a_contact_to_an_already_funded_child_warns(review: Review):
    review.decide(FUNDED, "contact", "A. Officer", at=0)
    review.decide("P003", "contact", "A. Officer", at=30)
    report = review.report()
    assert shown(report, FUNDED_CONTACTS) == (
        "WARN 1 contact decision(s) about children whose list row says already_funded:\n"
        f"list {review.list_id}, A. Officer: 1 contact decision(s) about funded children"
    )
    marked = quality(report).decisions
    assert marked["funded_contact"].to_list() == [True, False]


def test_a_contact_to_an_already_funded_child_is_checked_on_a_two_year_old_list(review: Review):
    review.decide(FUNDED, "contact", "A. Officer", at=0)
    review.decide("P003", "contact", "A. Officer", at=30)
    found = quality(review.report())
    assert (found.lists_with_flags, found.lists_without_flags, found.lists_not_applicable) == (
        (review.list_id,),
        (),
        (),
    )
    assert found.by_reviewer.select(
        "initiative", "contacts_to_funded", "funded_warning"
    ).rows() == [("two_year_old", 1, True)]


@pytest.mark.parametrize("initiative", [*PLACE_REQUIRED, "free_school_meals"])
def test_a_contact_on_a_list_whose_already_funded_is_not_the_offer_is_not_checked(
    tmp_path: Path, initiative
):
    # A tester's case: every child of an early years pupil premium or disability access fund
    # list has a funded place for the term, the offer's condition, so already_funded is true
    # on every row, and assure warned "7 contact decision(s)" about children already funded.
    # Free school meals reads no places: its already_funded (always false) says nothing of
    # whether a child already gets meals, so its lists are not counted as checked either.
    review = Review(tmp_path / "run", initiative)
    review.decide(FUNDED, "contact", "A. Officer", at=0)
    review.decide("P003", "contact", "A. Officer", at=30)
    report = review.report()
    review.store.close()
    assert shown(report, FUNDED_CONTACTS) == (
        "PASS 0 contact decision(s) about children already funded, on 0 list(s) checked "
        f"(warns at 1); not applicable to 1 list(s) of {initiative} (their already_funded is "
        "not the offer already taken up)"
    )
    found = quality(report)
    assert (found.lists_with_flags, found.lists_without_flags, found.lists_not_applicable) == (
        (),
        (),
        (review.list_id,),
    )
    assert found.decisions["funded_contact"].to_list() == [None, None]
    assert found.by_reviewer.select(
        "initiative", "contacts_to_funded", "funded_warning"
    ).rows() == [(initiative, None, False)]


def test_review_quality_is_not_told_a_place_required_list_is_checked(tmp_path: Path):
    # Even given the children of such a list as already funded (a caller's own mapping),
    # review_quality counts the list as one the check is not for, from the store's record.
    review = Review(tmp_path / "run", "early_years_pupil_premium")
    review.decide(FUNDED, "contact", "A. Officer", at=0)
    item = pseudonym("person", FUNDED, review.key)
    found = review_quality(review.store, key=review.key, already_funded={review.list_id: {item}})
    review.store.close()
    assert (found.lists_with_flags, found.lists_not_applicable) == ((), (review.list_id,))
    assert found.decisions["funded_contact"].to_list() == [None]


def test_which_offers_are_checked_follows_the_rule_files():
    assert [
        already_funded_is_take_up(initiative)
        for initiative in (
            "two_year_old@2026.1",
            "early_years_pupil_premium",
            "disability_access_fund",
            "free_school_meals",
            "a_councils_own_offer",
        )
    ] == [True, False, False, False, True]


def test_another_decision_about_a_funded_child_passes(review: Review):
    review.decide(FUNDED, "already_in_touch", "A. Officer", at=0)
    report = review.report()
    assert shown(report, FUNDED_CONTACTS) == (
        "PASS 0 contact decision(s) about children already funded, on 1 list(s) checked "
        "(warns at 1)"
    )


def test_without_the_list_file_the_funded_check_says_it_was_not_done(review: Review):
    review.decide(FUNDED, "contact", "A. Officer", at=0)
    review.store.close()
    elsewhere = review.folder.parent / "elsewhere"
    elsewhere.mkdir()
    report = assure([elsewhere], store=review.store.path)
    review.store = ReviewStore(review.store.path)
    assert shown(report, FUNDED_CONTACTS) == (
        "PASS 0 contact decision(s) about children already funded, on 0 list(s) checked "
        "(warns at 1); not checked: 1 list(s) whose list file is not under the paths given "
        "(give the run folder)"
    )
    assert quality(report).by_reviewer["contacts_to_funded"].to_list() == [None]


# --- decisions without a view -------------------------------------------------------------
def test_a_decision_without_a_view_warns_and_one_with_a_view_does_not(review: Review):
    review.decide("P003", "contact", "A. Officer", at=0)
    review.decide("P004", "contact", "A. Officer", at=30, view=False)
    report = review.report()
    assert shown(report, VIEWED_FIRST) == (
        "WARN 1 of 2 decision(s) made without the child's details opened first (no `review "
        "view` of that child logged under the reviewer's name before deciding):\n"
        f"list {review.list_id}, A. Officer: 1 of 2 decision(s)"
    )
    assert quality(report).decisions["viewed"].to_list() == [True, False]


def test_a_view_after_the_decision_by_another_reviewer_or_of_another_child_does_not_count(
    review: Review,
):
    review.decide("P003", "contact", "A. Officer", at=60, view=False)
    review.view("P003", "A. Officer", at=90)  # after
    review.decide("P004", "contact", "A. Officer", at=120, view=False)
    review.view("P004", "B. Officer", at=100)  # someone else
    review.view("P006", "A. Officer", at=140)  # another child
    review.decide("P005", "contact", "A. Officer", at=150, view=False)
    review.view("P007", "a.  officer", at=160)  # the same name written differently counts
    review.decide("P007", "contact", "A. Officer", at=180, view=False)
    report = review.report()
    assert quality(report).decisions["viewed"].to_list() == [False, False, False, True]
    assert shown(report, VIEWED_FIRST).splitlines()[1:] == [
        f"list {review.list_id}, A. Officer: 3 of 4 decision(s)"
    ]


def test_a_view_logged_by_person_id_as_older_logs_did_counts(review: Review):
    review.view("P003", "A. Officer", at=0, by_id=True)
    review.decide("P003", "contact", "A. Officer", at=30, view=False)
    review.view("P004", "A. Officer", at=60, by_id=True)  # another child's view
    review.decide("P005", "contact", "A. Officer", at=90, view=False)
    assert quality(review.report()).decisions["viewed"].to_list() == [True, False]


def test_every_decision_viewed_first_passes(review: Review):
    review.decide("P003", "contact", "A. Officer", at=0)
    review.decide("P004", "defer", "B. Officer", at=30)
    report = review.report()
    assert shown(report, VIEWED_FIRST) == (
        "PASS 2 of 2 decision(s) made after the reviewer opened the child's details "
        "(warns at 1 without)"
    )


# --- workbooks ----------------------------------------------------------------------------
def _round_trip(
    review: Review, exported_views: bool, filled: int, exporter: str = "a.  officer"
) -> None:
    """Export the list as a workbook (by `exporter`: A. Officer's name, as written in
    WORKBENCH_USER, by default), fill `filled` rows with contact (the funded child left
    out), import as A. Officer."""
    book = review.folder / "review.xlsx"
    candidates = read_list_file(review.list_path).candidates
    review.clock.at(0)
    export_review_workbook(
        review.store, review.list_id, candidates, book, key=review.key, user=exporter
    )
    if exported_views:  # as the export logs them given the data folder: one per child
        for child in CHILDREN:
            review.view(child, exporter, at=0)
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["Review"]
    header = [cell.value for cell in sheet[1]]
    column = COLUMNS.index("decision") + 1
    rows = [r for r in range(2, sheet.max_row + 1) if FUNDED not in str(sheet.cell(r, 1).value)]
    assert header[column - 1] == "decision"
    for row in rows[:filled]:
        sheet.cell(row=row, column=column).value = "contact"
    workbook.save(book)
    review.clock.at(3600)
    import_review_workbook(review.store, book, reviewer="A. Officer", key=review.key)


def test_imported_decisions_are_not_timed_but_their_runs_and_views_are_checked(review: Review):
    _round_trip(review, exported_views=True, filled=55)
    report = review.report()
    row = quality(report).by_reviewer.row(0, named=True)
    assert (row["decisions"], row["imported"], row["most_in_window"]) == (55, 55, 0)
    assert shown(report, REVIEW_PACE) == (
        "PASS 1 reviewer(s) on 1 list(s), at most 0 decision(s) by one reviewer on a list in "
        "any 60 s (warns above 6 a minute); 55 imported from workbooks, not timed"
    )
    assert shown(report, IDENTICAL_RUNS).splitlines()[1:] == [
        f"list {review.list_id}, A. Officer: contact 55 times in a row (55 on the list)"
    ]
    assert report.check(VIEWED_FIRST).result == "PASS"  # the export showed every child


def test_imported_decisions_from_a_workbook_whose_export_logged_no_views_warn(review: Review):
    _round_trip(review, exported_views=False, filled=3)
    report = review.report()
    assert shown(report, VIEWED_FIRST).splitlines()[1:] == [
        f"list {review.list_id}, A. Officer: 3 of 3 decision(s), 3 of them imported from a "
        "workbook with no view of the child logged under their name (exported by someone "
        "else, or without the children's details)"
    ]


def test_decisions_imported_from_a_colleagues_exported_workbook_were_not_seen(review: Review):
    """The export showed the children to whoever exported it: a tester's imported decisions
    counted as seen when any user had viewed. Only the reviewer's own views count."""
    _round_trip(review, exported_views=True, filled=3, exporter="B. Colleague")
    review.decide(CHILDREN[50], "defer", "A. Officer", at=4000)  # viewed in the app first
    report = review.report()
    row = quality(report).by_reviewer.row(0, named=True)
    assert (row["decisions"], row["without_view"], row["imported_without_view"]) == (4, 3, 3)
    assert shown(report, VIEWED_FIRST).splitlines() == [
        "WARN 3 of 4 decision(s) made without the child's details opened first (no `review "
        "view` of that child logged under the reviewer's name before deciding):",
        f"list {review.list_id}, A. Officer: 3 of 4 decision(s), 3 of them imported from a "
        "workbook with no view of the child logged under their name (exported by someone "
        "else, or without the children's details)",
    ]
    # B. Colleague's own view of a child counts for B. Colleague's decisions only.
    decided = quality(report).decisions.filter(pl.col("imported"))
    assert decided["viewed"].to_list() == [False, False, False]


def test_web_decisions_after_an_import_are_timed(review: Review):
    _round_trip(review, exported_views=True, filled=2)
    for n, child in enumerate(CHILDREN[40:47]):
        review.decide(child, "defer", "A. Officer", at=4000 + 5 * n)
    row = quality(review.report()).by_reviewer.row(0, named=True)
    assert (row["decisions"], row["imported"], row["most_in_window"]) == (9, 2, 7)


# --- thresholds, strictness, the command ---------------------------------------------------
def test_strict_makes_a_warning_fail(review: Review):
    review.decide("P003", "contact", "A. Officer", at=0, view=False)
    report = review.report(strict=True)
    assert not report.ok
    assert [c.name for c in report.checks if not c.ok] == [VIEWED_FIRST]
    assert format_report(report).splitlines()[-1] == "1 of 14 checks failed."


def test_the_report_says_how_many_checks_warned(review: Review):
    review.decide("P003", "contact", "A. Officer", at=0, view=False)
    text = format_report(review.report())
    assert f"WARN  {VIEWED_FIRST}: 1 of 1 decision(s)" in text
    assert text.splitlines()[-1] == "All 14 checks passed (1 with warnings for the auditor)."


def test_no_decisions_pass_every_review_check(review: Review):
    report = review.report()
    assert report.ok and not [c for c in report.checks if c.warning]
    assert report.check(REVIEW_PACE).detail == "no decisions in the store"


def test_a_councils_thresholds_file_is_used(review: Review, tmp_path: Path):
    text = (Path(__file__).parents[2] / "workbench/governance/review_quality.yaml").read_text()
    own = tmp_path / "thresholds.yaml"
    own.write_text(text.replace("value: 50", "value: 3"))
    for n, child in enumerate(CHILDREN[2:5]):
        review.decide(child, "contact", "A. Officer", at=30 * n)
    thresholds = load_review_thresholds(own)
    assert (thresholds.identical_run, thresholds.source) == (3, str(own))
    report = review.report(review_thresholds=thresholds)
    assert report.check(IDENTICAL_RUNS).warning


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("value: 50", "thresholds.identical_run.value must be a whole number greater than 0; "),
        ("value: 6\n", "thresholds.decisions_per_minute.value must be greater than 0; got -1"),
    ],
)
def test_a_bad_threshold_is_refused_naming_the_file_and_field(tmp_path: Path, edit, message):
    text = (Path(__file__).parents[2] / "workbench/governance/review_quality.yaml").read_text()
    bad = tmp_path / "thresholds.yaml"
    bad.write_text(text.replace(edit, "value: many" if "50" in edit else "value: -1\n"))
    with pytest.raises(DataFileError, match=f"^{bad}: {message}"):
        load_review_thresholds(bad)


def test_the_command_warns_without_failing_and_fails_with_strict(review: Review, tmp_path: Path):
    review.decide(FUNDED, "contact", "A. Officer", at=0)
    review.store.close()
    args = ["assure", str(review.folder), "--store", str(review.store.path)]
    warned = workbench(*args)
    assert warned.returncode == 0, warned.stderr
    assert f"WARN  {FUNDED_CONTACTS}: 1 contact decision(s)" in warned.stdout
    strict = workbench(*args, "--strict")
    assert strict.returncode == 3
    assert f"FAIL  {FUNDED_CONTACTS}: " in strict.stdout
    review.store = ReviewStore(review.store.path)
