"""DfE's results files read back on a hand-made store: a list of three children, each decided
`check`, one check export of their three parents (recorded as `workbench check export` records
one), and results files typed here as DfE's services write them.

What is checked: the same file imported again is recognised and records nothing; an older
file never replaces a later answer; each export's results are read in its own service's
words only; a re-run's list shows DfE's answers about the same children from the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from workbench.errors import WorkbenchError
from workbench.review import ReviewStore, pseudonym
from workbench.review.check_results import CheckImportError, import_check_results
from workbench.review.checks import TEMPLATES, field_keys, row_key
from workbench.review.excel import export_review_workbook
from workbench.review.lists import register_list
from workbench.review.schema import CHECK_OUTCOME_TEXT

KEY = bytes(range(32))
HEADER = "Parent Last Name,Parent Date of Birth,Parent National Insurance number,Outcome"
# Each child's parent as sent to DfE (row 1, 2, 3 of the export), dates as DfE returns them.
PARENTS = {
    "P1": ("Bloggs", "1990-01-31", "AB123456C"),
    "P2": ("Khan", "1988-07-04", "CD654321A"),
    "P3": ("O'Neill", "1995-12-25", "EF112233B"),
}
CHILDREN = list(PARENTS)


def key_of(child: str) -> str:
    return pseudonym("person", child, KEY)


class Clock:
    """The store's clock: ``clock.day = "2026-04-20"``."""

    def __init__(self) -> None:
        self.day = "2026-04-01"

    def __call__(self) -> datetime:
        return datetime.fromisoformat(f"{self.day}T10:00:00").replace(tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[ReviewStore]:
    with ReviewStore(tmp_path / "review.sqlite", clock=clock, key=KEY) as opened:
        yield opened


def candidates(initiative: str = "two_year_old") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "person_id": CHILDREN,
            "initiative": [initiative] * 3,
            "tier": ["likely"] * 3,
            "reason_codes": [["income_support"]] * 3,
        }
    )


def listed(store: ReviewStore, run_id: str, initiative: str = "two_year_old") -> str:
    return register_list(store, candidates(initiative), run_id, f"{initiative}@1", {}, KEY)


def exported(
    store: ReviewStore,
    list_id: str,
    template: str = "childcare",
    n: int = 1,
    parents: dict[str, tuple[str, str, str]] = PARENTS,
    keys_but_one: bool = True,
) -> str:
    """Each child of the list decided `check`, and their parents sent in one check export
    (rows 1-3 in `PARENTS` order, in ``spring-part1.csv``), keyed as `export_checks` keys
    them (without the keys with one field left out: an export made before the store kept
    them): the export id."""
    decided = store.record_decisions(
        {
            "list_id": list_id,
            "item_key": key_of(child),
            "decision": "check",
            "reviewer": "A. Officer",
        }
        for child in CHILDREN
    )
    spec = TEMPLATES[template]
    rows = []
    for number, (child, decision) in enumerate(zip(CHILDREN, decided, strict=True), start=1):
        surname, born, nino = parents[child]
        fields = {
            "Parent Last Name": surname,
            "Parent Date of Birth": born,
            "Parent National Insurance number": nino,
        }
        rows.append(
            {
                "row_number": number,
                "part": 1,
                "row_key": row_key(fields, spec, KEY),
                "items": [(key_of(child), decision.decision_id, decision.seq)],
            }
            | ({"field_keys": field_keys(fields, spec, KEY)} if keys_but_one else {})
        )
    export_id = f"cx-{n:016d}"
    store.record_check_export(
        {"export_id": export_id, "list_id": list_id, "template": template, "files": 1,
         "not_checkable": 0, "rows": rows},
        user="A. Officer",
        detail=f"list {list_id}: export {export_id}, 3 row(s) for 3 child(ren) in 1 file(s) "
        "(spring-part*.csv), 0 not checkable",
    )  # fmt: skip
    return export_id


def results(path: Path, outcomes: list[str], header: str = HEADER, extra: str = "") -> Path:
    """DfE's results file: UTF-8 with a byte-order mark, CRLF, one row per parent in order
    (`extra` cells appended to each row, for columns added to `header`)."""
    lines = [header]
    for child, outcome in zip(CHILDREN, outcomes, strict=True):
        surname, born, nino = PARENTS[child]
        lines.append(f"{surname},{born},{nino},{outcome}{extra}")
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join([*lines, ""]).encode("utf-8"))
    return path


def latest(store: ReviewStore, list_id: str) -> dict[str, str]:
    found = store.latest_check_results(list_id).select("item_key", "dfe_outcome")
    return dict(found.iter_rows())


def refused(store: ReviewStore, path: Path, **options: str) -> list[str]:
    """The problems an import is refused with; nothing recorded, nothing logged."""
    before = (store.check_imports().height, store.access_log().height)
    with pytest.raises(CheckImportError) as raised:
        import_check_results(store, path, key=KEY, user="B. Officer", **options)
    assert (store.check_imports().height, store.access_log().height) == before
    assert str(path) in str(raised.value)  # the file is named
    return [str(problem) for problem in raised.value.problems]


# --- the same file again, and an older one ----------------------------------------------------
def test_a_results_file_imported_again_is_recognised_and_records_nothing(store, clock, tmp_path):
    list_id = listed(store, "r-1")
    export_id = exported(store, list_id)
    good = results(tmp_path / "good.csv", ["Eligible", "Eligible", "Try again"])
    changed = results(
        tmp_path / "changed.csv", ["Information does not match records", "Eligible", "Try again"]
    )
    first = import_check_results(store, good, key=KEY, user="A. Officer")
    assert (first.recorded, first.already_imported_at) == (3, None)
    clock.day = "2026-04-15"
    assert import_check_results(store, changed, key=KEY, user="B. Officer").recorded == 1
    clock.day = "2026-04-20"
    again = import_check_results(store, good, key=KEY, user="C. Officer")
    # It was imported on 1 April by A. Officer: nothing is recorded, and it says so.
    assert (again.export_id, again.recorded, again.import_id) == (export_id, 0, first.import_id)
    assert again.already_imported_at is not None
    assert (again.already_imported_at[:10], again.already_imported_by) == (
        "2026-04-01",
        "A. Officer",
    )
    # The newer answer stands: P1's information does not match (it went back to Eligible).
    assert latest(store, list_id)[key_of("P1")] == "Information does not match records"
    assert store.check_imports().height == 2  # no import recorded for it
    assert store.access_log().select("user", "detail").row(-1) == (
        "C. Officer",
        f"export {export_id}: good.csv already imported on 2026-04-01 by A. Officer (import "
        f"{first.import_id}, the same SHA-256), nothing recorded",
    )
    assert store.verify_check_results().ok


def test_the_command_says_a_results_file_was_already_imported(store, clock, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from workbench.cli import app

    list_id = listed(store, "r-1")
    export_id = exported(store, list_id)
    good = results(tmp_path / "good.csv", ["Eligible", "Eligible", "Try again"])
    import_check_results(store, good, key=KEY, user="A. Officer")
    monkeypatch.setenv("WORKBENCH_KEY", KEY.hex())
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "access.sqlite"))  # the default store
    done = CliRunner().invoke(
        app, ["--quiet", "check", "import", str(good), "--store", str(store.path)]
    )
    assert done.exit_code == 0, done.output
    first = store.check_imports()["import_id"][0]
    assert (
        f"good.csv was already imported on 2026-04-01 by A. Officer into check export "
        f"{export_id} (list {list_id}; import {first}, the same SHA-256): nothing recorded."
    ) in " ".join(done.output.split())
    # The command's access-log line is in the store it was given, not in the default store.
    # (Between the store's own lines of the import above and of this one's reading.)
    logged = store.access_log().filter(pl.col("command") == "check import")["detail"]
    assert logged.to_list() == [logged[0], "results good.csv", logged[2]]
    assert logged[0].endswith("read from good.csv, 3 recorded")
    assert logged[2].endswith("nothing recorded")
    assert not (tmp_path / "access.sqlite").exists()


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600])
def test_the_command_warns_of_a_results_file_other_users_can_read(
    store, tmp_path, monkeypatch, mode
):
    """DfE's results name parents, with their dates of birth and NINOs: a tester's files at
    0644 were read without a word. Read all the same (DfE's file is the council's to keep)."""
    from typer.testing import CliRunner

    from workbench.cli import app

    exported(store, listed(store, "r-1"))
    good = results(tmp_path / "good.csv", ["Eligible", "Eligible", "Try again"])
    good.chmod(mode)
    monkeypatch.setenv("WORKBENCH_KEY", KEY.hex())
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "access.sqlite"))
    done = CliRunner().invoke(
        app, ["--quiet", "check", "import", str(good), "--store", str(store.path)]
    )
    assert done.exit_code == 0, done.output
    assert store.check_imports().height == 1
    warning = (
        f"warning: {good}: mode {mode:04o} lets other users of this computer read it (it holds "
        "parents' names, dates of birth and National Insurance numbers). Run `chmod 600 "
        f"{good}`, and keep DfE's results files owner-only."
    )
    said = " ".join(done.stderr.split())
    assert (warning in said) == (mode != 0o600), said


def test_an_older_results_file_never_replaces_a_later_answer(store, clock, tmp_path):
    list_id = listed(store, "r-1")
    export_id = exported(store, list_id)
    good = results(tmp_path / "good.csv", ["Eligible", "Eligible", "Try again"])
    import_check_results(store, good, key=KEY, user="A. Officer")
    clock.day = "2026-04-15"
    changed = results(
        tmp_path / "changed.csv", ["Information does not match records", "Eligible", "Eligible"]
    )
    import_check_results(store, changed, key=KEY, user="B. Officer")
    # The first file again, saved anew (other bytes: its SHA-256 is not the one imported).
    copy = tmp_path / "good-copy.csv"
    copy.write_bytes(good.read_bytes().replace(b"\xef\xbb\xbf", b"").replace(b"\r\n", b"\n"))
    clock.day = "2026-04-20"
    said_later = (
        "a later import recorded {!r} since (changed.csv, imported on 2026-04-15 by "
        "B. Officer): this file is older than that one, and its answer would replace the "
        "newer. Import DfE's latest results file; a row checked again is sent in a new "
        "export (`workbench check export --try-again` for a technical error)"
    )
    assert refused(store, copy) == [
        f"row 2, column 'Outcome': 'Eligible' is the answer an earlier import recorded for "
        f"this row of check export {export_id}, and "
        + said_later.format("Information does not match records"),
        f"row 4, column 'Outcome': 'Try again' is the answer an earlier import recorded for "
        f"this row of check export {export_id}, and " + said_later.format("Eligible"),
    ]
    assert latest(store, list_id) == {
        key_of("P1"): "Information does not match records",
        key_of("P2"): "Eligible",
        key_of("P3"): "Eligible",
    }


def test_a_new_answer_for_a_row_is_recorded_and_becomes_the_latest(store, clock, tmp_path):
    list_id = listed(store, "r-1")
    exported(store, list_id)
    first = results(tmp_path / "first.csv", ["Try again", "Eligible", "Eligible"])
    import_check_results(store, first, key=KEY, user="A. Officer")
    clock.day = "2026-04-15"
    answered = results(tmp_path / "answered.csv", ["May not be eligible", "Eligible", "Eligible"])
    imported = import_check_results(store, answered, key=KEY, user="A. Officer")
    assert imported.recorded == 1 and imported.already_imported_at is None
    assert latest(store, list_id)[key_of("P1")] == "May not be eligible"


# --- each service's own words -----------------------------------------------------------------
def test_free_school_meals_words_are_refused_for_a_childcare_export(store, tmp_path):
    list_id = listed(store, "r-1")
    export_id = exported(store, list_id)
    # The free school meals service's file: the same headers, its own words.
    fsm = results(tmp_path / "fsm.csv", ["Not eligible", "Eligible expanded", "Eligible"])
    words = "Eligible, May not be eligible, Information does not match records, Try again"
    matched = f"check export {export_id}, sent with DfE's childcare template"
    assert refused(store, fsm) == [
        f"row {row}, column 'Outcome': '{said}' is an outcome of DfE's free school meals "
        f"service, never of DfE's childcare service: this file's rows were matched to "
        f"{matched}, whose results say one of {words}. Import DfE's childcare service's "
        "results file for that export"
        for row, said in ((2, "Not eligible"), (3, "Eligible expanded"))
    ]
    assert store.check_results(list_id).is_empty()
    # Nor does the childcare service give a tier or an end date.
    dated = results(
        tmp_path / "dated.csv",
        ["Eligible", "Eligible", "Eligible"],
        header=HEADER + ",Eligibility End Date",
        extra=",2027-08-31",
    )
    assert refused(store, dated) == [
        f"row {row}, column 'Eligibility End Date': '2027-08-31', but DfE's childcare service "
        f"gives no eligibility end date: this file's rows were matched to {matched}"
        for row in (2, 3, 4)
    ]


def test_childcare_words_are_refused_for_a_free_school_meals_export(store, tmp_path):
    list_id = listed(store, "r-1", "free_school_meals")
    export_id = exported(store, list_id, template="fsm")
    childcare = results(tmp_path / "cc.csv", ["May not be eligible", "Try again", "Error"])
    words = (
        "Eligible, Eligible targeted, Eligible expanded, Not eligible, Information does not "
        "match records, Error"
    )
    assert refused(store, childcare) == [
        f"row {row}, column 'Outcome': '{said}' is an outcome of DfE's childcare service, "
        "never of DfE's free school meals service: this file's rows were matched to check "
        f"export {export_id}, sent with DfE's fsm template, whose results say one of {words}. "
        "Import DfE's free school meals service's results file for that export"
        for row, said in ((2, "May not be eligible"), (3, "Try again"))
    ]
    # Its own words are read, the tier with them.
    own = results(tmp_path / "fsm.csv", ["Not eligible", "Eligible targeted", "Error"])
    assert import_check_results(store, own, key=KEY, user="A. Officer").recorded == 3
    found = store.latest_check_results(list_id).sort("row_number")
    assert found.select("outcome", "tier").rows() == [
        ("may_not_be_eligible", None),
        ("eligible", "targeted"),
        ("technical_error", None),
    ]


@pytest.mark.parametrize(
    ("template", "initiative", "words"),
    [
        (
            "childcare",
            "two_year_old",
            "Eligible, May not be eligible, Information does not match records, Try again "
            "(DfE's childcare service's words",
        ),
        (
            "fsm",
            "free_school_meals",
            "Eligible, Eligible targeted, Eligible expanded, Not eligible, Information does not "
            "match records, Error (DfE's free school meals service's words",
        ),
    ],
)
def test_an_unknown_outcome_lists_the_words_of_the_exports_service(
    store, tmp_path, template, initiative, words
):
    list_id = listed(store, "r-1", initiative)
    export_id = exported(store, list_id, template=template)
    odd = results(tmp_path / "odd.csv", ["Eligible", "Technical error", ""])
    matched = f"this file's rows were matched to check export {export_id}, sent with DfE's"
    assert refused(store, odd) == [
        f"row 3, column 'Outcome': unknown outcome 'Technical error'; expected one of {words}: "
        f"{matched} {template} template)",
        f"row 4, column 'Outcome': no outcome; expected one of {words}: {matched} {template} "
        "template)",
    ]


# --- a re-run's list shows DfE's answers from the first ---------------------------------------
def test_a_rerun_lists_workbook_shows_dfes_answers_about_the_same_children(store, clock, tmp_path):
    first = listed(store, "r-1")
    export_id = exported(store, first)
    answers = results(tmp_path / "r.csv", ["Eligible", "May not be eligible", "Try again"])
    import_check_results(store, answers, key=KEY, user="A. Officer")
    # Another offer's list of the same children: its checks are not this offer's.
    other = listed(store, "r-1", "free_school_meals")
    exported(store, other, template="fsm", n=2)
    fsm = results(tmp_path / "fsm.csv", ["Not eligible", "Not eligible", "Not eligible"])
    import_check_results(store, fsm, key=KEY, user="A. Officer")
    clock.day = "2026-04-02"
    rerun = listed(store, "r-2")

    assert store.latest_check_results(rerun).is_empty()  # the re-run's own: none
    shown = store.initiative_check_results(rerun)
    assert shown.select("item_key", "dfe_outcome", "list_id", "run_id").rows() == [
        (key_of("P1"), "Eligible", first, "r-1"),
        (key_of("P2"), "May not be eligible", first, "r-1"),
        (key_of("P3"), "Try again", first, "r-1"),
    ]
    assert store.initiative_check_results(rerun, [key_of("P2")]).height == 1

    book = export_review_workbook(
        store, rerun, candidates(), tmp_path / "rerun.xlsx", key=KEY, user="A. Officer"
    )
    sheet = openpyxl.load_workbook(book)["Review"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    cells = {r[header.index("person_id")]: r[header.index("dfe_checks")] for r in rows}
    where = "from another list of this offer (two_year_old list of 2026-04-01, run r-1)"
    assert cells["P1"] == (
        "DfE's service found the parent eligible: evidence for your decision, not a decision.\n"
        "Eligible (DfE's words: ‘Eligible’); read on 1 April 2026 by A. Officer, check export "
        f"{export_id}, {where}"
    )
    assert all(str(cells[child]).endswith(f", {where}") for child in CHILDREN)
    # The first list's own workbook says nothing of another list.
    book = export_review_workbook(
        store, first, candidates(), tmp_path / "first.xlsx", key=KEY, user="A. Officer"
    )
    sheet = openpyxl.load_workbook(book)["Review"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert all("another list" not in str(r[header.index("dfe_checks")]) for r in rows)


def test_a_problem_on_many_rows_is_one_line_naming_them_all(tmp_path):
    # A tester's wrong --export printed 50 lines alike, then "... and 8 more".
    from workbench.review.check_results import ResultProblem

    wrong = "a row of another check export (cx-1) of this list, not of export cx-2"
    problems = [ResultProblem(row, "Parent Last Name", wrong) for row in range(2, 60)]
    problems.insert(3, ResultProblem(5, "Outcome", "blank: expected DfE's outcome"))
    error = CheckImportError(tmp_path / "r.csv", problems)
    assert str(error).splitlines() == [
        f"{tmp_path / 'r.csv'}: 2 problems found in 58 rows, so nothing was recorded. Import "
        "the file exactly as DfE's service gave it, for rows this workbench exported:",
        f"  - rows 2 to 59, column 'Parent Last Name': {wrong}",
        "  - row 5, column 'Outcome': blank: expected DfE's outcome",
    ]
    assert len(error.problems) == 59  # each still there, row by row


def test_the_count_says_the_problems_listed_and_the_rows_they_are_on(tmp_path):
    # A tester read "8 problem(s) found" above 6 lines: rows of one problem were counted apart.
    from workbench.review.check_results import ResultProblem

    one = CheckImportError(tmp_path / "r.csv", [ResultProblem(4, "Outcome", "no outcome")])
    assert str(one).splitlines()[0].startswith(f"{tmp_path / 'r.csv'}: 1 problem found in row 4,")
    header = [ResultProblem(1, h, "missing header") for h in ("Outcome", "Parent Last Name")]
    assert ": 2 problems found in row 1, so" in str(CheckImportError(tmp_path / "r.csv", header))
    many = [ResultProblem(row, "Outcome", f"unknown outcome 'x{row}'") for row in range(2, 62)]
    many += [ResultProblem(row, "Outcome", "no outcome") for row in (70, 71)]
    lines = str(CheckImportError(tmp_path / "r.csv", many)).splitlines()
    assert lines[0].startswith(f"{tmp_path / 'r.csv'}: 61 problems found in 62 rows, so")
    assert lines[1] == "  - row 2, column 'Outcome': unknown outcome 'x2'"
    assert lines[50] == "  - row 51, column 'Outcome': unknown outcome 'x51'"
    assert lines[51:] == ["  ... and 11 more"]  # 50 listed and 11 more: the 61 counted


# --- a row that differs from the row sent in one field ------------------------------------------
def rows_file(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """DfE's results file with these rows (surname, date of birth, NINO, outcome) in order."""
    lines = [HEADER, *(",".join(row) for row in rows)]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join([*lines, ""]).encode("utf-8"))
    return path


ONE_FIELD_CHANGED = [
    ("Bloggs", "1990-01-31", "AB123456C", "Eligible"),  # row 1 as sent
    ("KHAN", "1988-07-04", "ZZ999999D", "Eligible"),  # row 2's NINO changed (surname's case too)
    ("O'Neill", "1995-12-26", "EF112233B", "Try again"),  # row 3's date of birth changed
    ("Nobody", "1990-01-01", "AB123456D", "Eligible"),  # never sent
    ("Popescu", "2001-04-17", "NY267317D", "Eligible"),  # never sent (another parent)
]
NEVER_SENT = (
    "column 'Parent Last Name, Parent Date of Birth, Parent National Insurance number': never "
    "exported for checking: no check export in the store sent this row"
)


def test_a_row_changed_in_one_field_names_the_field_and_the_row_sent(store, tmp_path):
    """A tester's results file with a NINO changed from the one exported: the field that
    differs is named, and where the row sent is, not the details; rows never sent are said
    never exported, together, as before. Nothing is recorded or logged."""
    export_id = exported(store, listed(store, "r-1"))
    path = rows_file(tmp_path / "changed.csv", ONE_FIELD_CHANGED)
    logged = store.access_log().height
    with pytest.raises(CheckImportError) as raised:
        import_check_results(store, path, key=KEY, user="B. Officer")
    assert str(raised.value) == (
        f"{path}: 3 problems found in 4 rows, so nothing was recorded. Import the file exactly "
        "as DfE's service gave it, for rows this workbench exported:\n"
        "  - row 3, column 'Parent National Insurance number': differs from the one sent for "
        f"this parent in spring-part1.csv line 3 of check export {export_id} (Parent Last Name "
        "and Parent Date of Birth match), so DfE's answer cannot be tied to that row: DfE "
        "returns each row with the details it was sent\n"
        "  - row 4, column 'Parent Date of Birth': differs from the one sent for this parent in "
        f"spring-part1.csv line 4 of check export {export_id} (Parent Last Name and Parent "
        "National Insurance number match), so DfE's answer cannot be tied to that row: DfE "
        "returns each row with the details it was sent\n"
        f"  - rows 5 to 6, {NEVER_SENT}"
    )
    for detail in ("ZZ999999D", "CD654321A", "1995-12-2", "Khan", "KHAN", "O'Neill"):
        assert detail not in str(raised.value)
    assert store.check_imports().height == 0 and store.access_log().height == logged


def test_a_row_changed_in_one_field_of_an_export_without_the_keys_is_never_exported(
    store, tmp_path
):
    """An export made before the store kept each row's keys with one field left out (schema
    version 12) cannot tell a changed row from one never sent: said never exported, or
    changed since."""
    export_id = exported(store, listed(store, "r-1"), keys_but_one=False)
    path = rows_file(tmp_path / "changed.csv", ONE_FIELD_CHANGED)
    assert refused(store, path) == [
        f"row {row}, {NEVER_SENT} (or one was changed since: check export {export_id} was made "
        "before the store could name a field changed in a row)"
        for row in (3, 4, 5, 6)
    ]


def test_a_row_one_field_from_two_rows_sent_names_both(store, tmp_path):
    """Two parents sent alike but for their NINO (both Smith, born the same day), and a row
    alike to both but for its NINO: it cannot be tied to either, and both are named."""
    parents = {
        "P1": ("Smith", "1990-01-31", "AB123456C"),
        "P2": ("Smith", "1990-01-31", "CD654321A"),
        "P3": PARENTS["P3"],
    }
    export_id = exported(store, listed(store, "r-1"), parents=parents)
    path = rows_file(
        tmp_path / "twins.csv",
        [
            ("Smith", "1990-01-31", "AB123456C", "Eligible"),
            ("Smith", "1990-01-31", "EF999999A", "Eligible"),
            ("O'Neill", "1995-12-25", "EF112233B", "Eligible"),
        ],
    )
    assert refused(store, path) == [
        "row 3, column 'Parent Last Name, Parent Date of Birth, Parent National Insurance "
        "number': differs in one field from each of 2 rows sent (its Parent National Insurance "
        f"number from spring-part1.csv line 2 of check export {export_id}; its Parent National "
        f"Insurance number from spring-part1.csv line 3 of check export {export_id}), so DfE's "
        "answer cannot be tied to any of them: DfE returns each row with the details it was sent"
    ]


def test_a_store_migrated_keeps_the_keys_for_exports_made_after(tmp_path, monkeypatch):
    """A store of schema version 11 migrates: its exports have no keys with one field left
    out (a changed row is said never exported), the exports made after have them."""
    import workbench.review.store as store_module

    path = tmp_path / "old.sqlite"
    original = store_module.MIGRATIONS
    monkeypatch.setattr(store_module, "MIGRATIONS", original[:11])
    with ReviewStore(path, clock=Clock(), key=KEY) as old:
        before = exported(old, listed(old, "r-1"))
    monkeypatch.setattr(store_module, "MIGRATIONS", original)
    with ReviewStore(path, clock=Clock(), key=KEY) as store:
        assert store.schema_version == len(original) == 13
        after = exported(store, listed(store, "r-2"), n=2)
        assert store.check_export_field_keys(before) == {}
        kept = store.check_export_field_keys(after)
        assert sorted(kept) == [1, 2, 3]
        assert all(set(keys) == set(TEMPLATES["childcare"].identifying) for keys in kept.values())
        assert store.verify_migrations() == []
        changed = rows_file(tmp_path / "changed.csv", ONE_FIELD_CHANGED[:3])
        assert refused(store, changed, export_id=before) == [
            f"row {row}, {NEVER_SENT} (or one was changed since: check export {before} was "
            "made before the store could name a field changed in a row)"
            for row in (3, 4)
        ]
        assert [p.split(":")[0] for p in refused(store, changed, export_id=after)] == [
            "row 3, column 'Parent National Insurance number'",
            "row 4, column 'Parent Date of Birth'",
        ]


def test_an_import_by_a_user_naming_no_one_records_and_logs_nothing(store, tmp_path):
    """`user="admin"` from Python is refused as `WORKBENCH_USER=admin` is, saying why."""
    list_id = listed(store, "r-1")
    exported(store, list_id)
    good = results(tmp_path / "good.csv", ["Eligible", "Eligible", "Try again"])
    before = store.access_log().height
    with pytest.raises(WorkbenchError) as raised:
        import_check_results(store, good, key=KEY, user="admin")
    assert str(raised.value) == (
        "import_check_results: user 'admin' is not a person's name (it is a role word), and the "
        "access log and the store record it as who did it: give your own name as colleagues "
        'know it, e.g. user="A. Officer", or leave user unset to record WORKBENCH_USER, else '
        "the login name"
    )
    assert store.check_imports().height == 0 and store.access_log().height == before
    assert latest(store, list_id) == {}


# --- free school meals in its own words, and its tier ------------------------------------------
def _import_command(store: ReviewStore, path: Path, monkeypatch) -> tuple[str, str]:
    """`workbench check import` run on the file: (its output, its warnings)."""
    from typer.testing import CliRunner

    from workbench.cli import app

    monkeypatch.setenv("WORKBENCH_KEY", KEY.hex())
    monkeypatch.setenv("WORKBENCH_STORE", str(path.parent / "access.sqlite"))
    path.chmod(0o600)
    done = CliRunner().invoke(
        app, ["--quiet", "check", "import", str(path), "--store", str(store.path)]
    )
    assert done.exit_code == 0, done.output
    return " ".join(done.stdout.split()), " ".join(done.stderr.split())


def test_free_school_meals_not_eligible_is_said_in_its_services_words(store, tmp_path, monkeypatch):
    """A tester's case: DfE's 'Not eligible' was reported as childcare's 'may not be
    eligible' in the summary and the workbook."""
    fsm = listed(store, "r-1", "free_school_meals")
    export_id = exported(store, fsm, template="fsm")
    answers = results(tmp_path / "fsm.csv", ["Not eligible", "Eligible", "Not eligible"])
    said, warned = _import_command(store, answers, monkeypatch)
    assert (
        f"Check export {export_id} (list {fsm}): 3 result(s) read (1 eligible, 2 not eligible), "
        "3 recorded"
    ) in said
    assert warned == ""
    book = export_review_workbook(
        store,
        fsm,
        candidates("free_school_meals"),
        tmp_path / "fsm.xlsx",
        key=KEY,
        user="A. Officer",
    )
    sheet = openpyxl.load_workbook(book)["Review"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    cells = {r[header.index("person_id")]: r[header.index("dfe_checks")] for r in rows}
    assert str(cells["P1"]).splitlines()[1].split(";")[0] == (
        "Not eligible (DfE's words: ‘Not eligible’)"
    )
    # The childcare service's words stay its own.
    two = listed(store, "r-2")
    exported(store, two, n=2)
    childcare = results(tmp_path / "cc.csv", ["May not be eligible", "Eligible", "Try again"])
    imported = import_check_results(store, childcare, key=KEY, user="A. Officer")
    assert imported.by_outcome == (
        ("eligible", 1),
        ("may_not_be_eligible", 1),
        ("technical_error", 1),
    )
    book = export_review_workbook(
        store, two, candidates(), tmp_path / "cc.xlsx", key=KEY, user="A. Officer"
    )
    sheet = openpyxl.load_workbook(book)["Review"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    cells = {r[header.index("person_id")]: r[header.index("dfe_checks")] for r in rows}
    assert str(cells["P1"]).splitlines()[1].split(";")[0] == (
        "May not be eligible (DfE's words: ‘May not be eligible’)"
    )


def test_a_tier_other_than_the_lists_group_is_warned_of_by_row(store, tmp_path, monkeypatch):
    """DfE's tier decides pupil premium and holiday activities: a row whose tier is not the
    list's eligibility_group for the child is said, by row, without personal details, and
    recorded all the same."""
    # P1 targeted (income support), P2 expanded (any Universal Credit), P3 targeted.
    frame = candidates("free_school_meals").with_columns(
        pl.Series(
            "reason_codes",
            [["income_support"], ["universal_credit"], ["universal_credit_low_income"]],
        )
    )
    fsm = register_list(store, frame, "r-1", "free_school_meals@1", {}, KEY)
    export_id = exported(store, fsm, template="fsm")
    answers = results(
        tmp_path / "tiers.csv", ["Eligible targeted", "Eligible targeted", "eligible EXPANDED"]
    )
    said, warned = _import_command(store, answers, monkeypatch)
    where = f"for the child this row was sent for (check export {export_id}, list {fsm})"
    then = (
        "check which applies; the tier decides pupil premium and holiday activities. The "
        "result is recorded."
    )
    assert warned == (
        f"warning: row 3: DfE says targeted, the list says expanded {where}: {then} "
        f"warning: row 4: DfE says expanded, the list says targeted {where}: {then}"
    )
    assert "3 result(s) read (3 eligible), 3 recorded" in said
    assert store.latest_check_results(fsm).sort("row_number")["tier"].to_list() == [
        "targeted",
        "targeted",
        "expanded",
    ]
    # No tier, or one that agrees: nothing to say.
    again = results(tmp_path / "agree.csv", ["Eligible targeted", "Eligible", "Not eligible"])
    assert import_check_results(store, again, key=KEY, user="A. Officer").warnings == ()


def test_the_workbook_says_first_where_dfes_tier_differs_from_the_childs_group(
    store, tmp_path, monkeypatch
):
    frame = candidates("free_school_meals").with_columns(
        pl.Series("reason_codes", [["income_support"], ["universal_credit"], ["income_support"]]),
        pl.Series("eligibility_group", ["targeted", "expanded", "targeted"]),
    )
    fsm = register_list(store, frame, "r-1", "free_school_meals@1", {}, KEY)
    exported(store, fsm, template="fsm")
    answers = results(tmp_path / "t.csv", ["Eligible targeted", "Eligible targeted", "Eligible"])
    _import_command(store, answers, monkeypatch)
    book = export_review_workbook(store, fsm, frame, tmp_path / "t.xlsx", key=KEY, user="Al Bo")
    header, *rows = list(openpyxl.load_workbook(book)["Review"].iter_rows(values_only=True))
    advice = {
        r[header.index("person_id")]: str(r[header.index("dfe_checks")]).splitlines()[0]
        for r in rows
    }
    eligible = CHECK_OUTCOME_TEXT["eligible"][1]
    assert advice == {
        "P1": eligible,
        "P2": "DfE says targeted, the list says expanded: check which applies (the tier "
        f"decides pupil premium and holiday activities). {eligible}",
        "P3": eligible,  # no tier in DfE's answer: nothing to compare
    }
