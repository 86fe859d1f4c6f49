"""A providers' headcount with no place for the term assessed, and places for days that are no
term's start: a sign of its dates misread (a `date_format` the wrong way round cannot show on
dates all on the 1st), said as a serious warning; a headcount of earlier terms alone is a
note (`workbench.runs.unrecorded`). And a headcount with places for the term beside some
dated on a day that is no term's start (`places_off_term_starts`): serious when such a place
of the term could change the list, a note otherwise."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.command import workbench
from tests.council import Council
from workbench.data.reading import load_folder
from workbench.eligibility.assess import Assessment
from workbench.eligibility.engine import assessment
from workbench.rules import load_rule_set
from workbench.runs.emptiness import misread_terms, places_for_no_term, places_off_term_starts
from workbench.runs.list_warnings import list_warnings
from workbench.runs.unrecorded import places_not_for_the_term

TERM = date(2026, 9, 1)
BORN = date(2024, 3, 2)  # two on the term's start
# The autumn, spring and summer terms' starts read with day and month swapped (as
# `%m/%d/%Y` reads dd/mm/yyyy): 1 January reads the same either way.
SWAPPED = [date(2025, 1, 9), date(2026, 1, 1), date(2026, 1, 4)]


def _folder(terms: list[date], folder: Path) -> Path:
    """A family on income support, its child with a two-year-old place in each of `terms`."""
    c = Council()
    c.person("A1", "H1", date(1990, 1, 1), role="parent_carer")
    c.person("C1", "H1", BORN, role="child")
    c.award("B1", "A1", "income_support")
    for n, start in enumerate(terms):
        c.funded(f"F{n}", "NameC1", BORN, start, "two_year_old")
    folder.mkdir(exist_ok=True)
    for name, frame in c.tables().items():
        rows = frame.collect()
        if rows.height:  # (an empty DWP list would be warned of: a failed extract)
            rows.write_csv(folder / f"{name}.csv", date_format="%Y-%m-%d")
    return folder


def _found(terms: list[date], folder: Path) -> Assessment:
    loaded = load_folder(_folder(terms, folder))
    result = assessment(loaded.tables, load_rule_set("two_year_old"), term_start=TERM, as_of=TERM)
    return Assessment(result=result, data=loaded, linkage="exact")


def test_places_on_swapped_term_starts_are_serious_and_ask_about_the_date_format(tmp_path):
    found = _found(SWAPPED, tmp_path)
    assert found.candidates.select("person_id", "already_funded").rows() == [("C1", False)]
    assert misread_terms(found) == ([date(2025, 1, 9), date(2026, 1, 4)], True)
    sentence = (
        "No place in funded_places is for the term starting 2026-09-01: its places are for the "
        "terms starting 2025-01-09, 2026-01-01 and 2026-01-04. 2025-01-09 and 2026-01-04 are no "
        "term's start in the two_year_old rules (terms start on 1 January, 1 April and "
        "1 September): are the term starts read the wrong way round (date_format)? Read with "
        "day and month swapped, every one is a term start. Until the term's places are read, "
        "no child on the list shows as already funded this term (`already_funded` is false on "
        "every row)."
    )
    assert places_for_no_term(found) == [sentence]
    said = list_warnings(found)
    assert sentence in said.serious
    assert places_not_for_the_term(found) == []  # said once, as serious, not as a note too


def test_places_on_a_day_no_swap_makes_a_term_start_are_serious_without_the_hint(tmp_path):
    # The first day of school (7 September) rather than the term's start: swapped, 9 July.
    found = _found([date(2026, 4, 1), date(2026, 9, 7)], tmp_path)
    assert misread_terms(found) == ([date(2026, 9, 7)], False)
    assert places_for_no_term(found) == [
        "No place in funded_places is for the term starting 2026-09-01: its places are for the "
        "terms starting 2026-04-01 and 2026-09-07. 2026-09-07 is no term's start in the "
        "two_year_old rules (terms start on 1 January, 1 April and 1 September): is the term's "
        "start written another way in the providers' headcount (then give that date as the "
        "term start), or are its dates misread (check the date_format that reads them)? Until "
        "the term's places are read, no child on the list shows as already funded this term "
        "(`already_funded` is false on every row)."
    ]


def test_a_headcount_of_earlier_terms_alone_is_a_note(tmp_path):
    # Every date a term start: the term's headcount may not have come in yet.
    found = _found([date(2026, 1, 1), date(2026, 4, 1)], tmp_path)
    assert misread_terms(found) == ([], False)
    assert places_for_no_term(found) == []
    said = list_warnings(found)
    assert not any("No place in funded_places" in s for s in said.serious)
    assert [s for s in said.notes if s.startswith("No place in funded_places")] == (
        places_not_for_the_term(found)
    )
    assert len(places_not_for_the_term(found)) == 1


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_assess_strict_fails_on_a_headcount_of_misread_term_starts(tmp_path):
    folder = _folder(SWAPPED, tmp_path / "data")
    args = ["assess", "--data", str(folder), "--initiative", "two_year_old"]
    args += ["--term-start", "2026-09-01", "--as-of", "2026-09-01", "--strict"]
    done = workbench(*args, "--out", str(tmp_path / "list.csv"))
    assert done.returncode == 3, done.stderr
    assert "are the term starts read the wrong way round (date_format)?" in done.stderr
    # Of earlier terms alone: said, and not failing --strict.
    earlier = _folder([date(2026, 4, 1)], tmp_path / "earlier")
    args[2] = str(earlier)
    done = workbench(*args, "--out", str(tmp_path / "earlier.csv"))
    assert done.returncode == 0, done.stderr
    assert "No place in funded_places is for the term starting 2026-09-01" in done.stderr


# --- some places dated on a day that is no term start, beside the term's own ----------------

EYPP_INITIATIVE = "early_years_pupil_premium"
ADVICE = (
    "Correct each place's term_start in the providers' headcount to the start of its term "
    "(2026-09-01 for a place of the term starting then) and run again; a data profile cannot "
    "do it (its date_format reads every date of the column alike). `workbench explain "
    "--person ID` names a child's places dated so"
)
DATED = (
    "place(s) in funded_places are dated on a day that is no term's start in the {rules} "
    "rules (terms start on 1 January, 1 April and 1 September): {days}. A place is for the "
    "term whose start it is dated, and the workbench does not guess which term such a place "
    "is for"
)


def _two_places(odd: list[tuple[date, str, date]], folder: Path) -> Path:
    """C1 with a two-year-old place for the term (dated on its start), and a child Cn per
    entry of `odd` (its place's date, stream and the child's date of birth); every family on
    income support."""
    c = Council()
    for n, born in enumerate([BORN, *(b for _, _, b in odd)], start=1):
        c.person(f"A{n}", f"H{n}", date(1990, 1, 1), role="parent_carer")
        c.person(f"C{n}", f"H{n}", born, role="child")
        c.award(f"B{n}", f"A{n}", "income_support")
    c.funded("F1", "NameC1", BORN, TERM, "two_year_old")
    for n, (day, stream, born) in enumerate(odd, start=2):
        c.funded(f"F{n}", f"NameC{n}", born, day, stream)
    folder.mkdir(exist_ok=True)
    for name, frame in c.tables().items():
        rows = frame.collect()
        if rows.height:
            rows.write_csv(folder / f"{name}.csv", date_format="%Y-%m-%d")
    return folder


def _assessed(folder: Path, initiative: str = "two_year_old") -> Assessment:
    loaded = load_folder(folder)
    rules = load_rule_set(initiative)
    result = assessment(loaded.tables, rules, term_start=TERM, as_of=TERM)
    return Assessment(result=result, data=loaded, linkage="exact")


def test_a_place_dated_within_the_term_off_its_start_is_serious_and_names_no_one(tmp_path):
    # The first day of school (7 September) for C2's place, 1 September for C1's: C2 shows as
    # not funded (the list is the engine's, unchanged), and the warning says why.
    found = _assessed(_two_places([(date(2026, 9, 7), "two_year_old", BORN)], tmp_path))
    assert found.candidates.select("person_id", "already_funded").rows() == [
        ("C1", True),
        ("C2", False),
    ]
    sentence = (
        "1 "
        + DATED.format(rules="two_year_old", days="2026-09-07 (1)")
        + ": 1 of them is a two_year_old place of a child in the age window by the row's date "
        "of birth, dated within the term starting 2026-09-01 (on or after it and before "
        "2027-01-01), yet not counted for it: such a child shows as not already funded "
        f"(already_funded false) and may be contacted needlessly. {ADVICE}"
    )
    assert places_off_term_starts(found) == ([sentence], [])
    said = list_warnings(found)
    assert sentence in said.serious
    assert not any("no term's start" in s for s in said.notes)
    assert not any(word in sentence for word in ("C2", "F2", "NameC2"))


def test_for_eypp_the_child_of_such_a_place_is_said_to_be_missing(tmp_path):
    folder = _two_places([(date(2026, 9, 7), "universal_three_four", BORN)], tmp_path)
    found = _assessed(folder, EYPP_INITIATIVE)
    assert found.candidates["person_id"].to_list() == ["C1"]  # C2 left off, as the rules say
    assert places_off_term_starts(found) == (
        [
            "1 "
            + DATED.format(rules=EYPP_INITIATIVE, days="2026-09-07 (1)")
            + ": 1 of them is a place of a child in the age window by the row's date of birth, "
            "dated within the term starting 2026-09-01 (on or after it and before "
            "2027-01-01), yet not counted for it: this initiative lists only children with a "
            f"funded place for the term, so such a child is missing from the list. {ADVICE}"
        ],
        [],
    )


def test_such_places_that_cannot_change_the_terms_list_are_a_note(tmp_path):
    # Another term's (5 January), another stream's (a universal place on the two-year-old
    # list) and a child's past the window by the row's date of birth: none changes this list.
    older = date(2022, 3, 2)
    odd = [
        (date(2027, 1, 5), "two_year_old", BORN),
        (date(2026, 9, 7), "universal_three_four", BORN),
        (date(2026, 9, 7), "two_year_old", older),
    ]
    found = _assessed(_two_places(odd, tmp_path))
    note = (
        "3 "
        + DATED.format(rules="two_year_old", days="2026-09-07 (2) and 2027-01-05 (1)")
        + ". None of them is a two_year_old place of a child in the age window by the row's "
        "date of birth dated within the term starting 2026-09-01 (on or after it and before "
        "2027-01-01), which the list would count for the term; other terms' lists may miss "
        f"them. {ADVICE}"
    )
    assert places_off_term_starts(found) == ([], [note])
    said = list_warnings(found)
    assert note in said.notes
    assert not any("no term's start" in s for s in said.serious)


def test_a_place_dated_on_the_term_start_given_is_for_it_and_not_said(tmp_path):
    # Every place on a term start of the rules: nothing to say.
    found = _assessed(_two_places([(date(2027, 1, 1), "two_year_old", BORN)], tmp_path))
    assert places_off_term_starts(found) == ([], [])


def test_when_no_place_is_for_the_term_the_odd_dates_are_said_once(tmp_path):
    # The existing sentence names them (`places_for_no_term`); not said a second time.
    found = _found(SWAPPED, tmp_path)
    assert places_off_term_starts(found) == ([], [])
    said = list_warnings(found)
    assert [s for s in said.sentences if "no term's start" in s] == places_for_no_term(found)


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_assess_strict_fails_on_a_place_of_the_term_dated_off_its_start(tmp_path):
    folder = _two_places([(date(2026, 9, 7), "universal_three_four", BORN)], tmp_path / "data")
    args = ["assess", "--data", str(folder), "--initiative", EYPP_INITIATIVE]
    args += ["--term-start", "2026-09-01", "--as-of", "2026-09-01", "--strict"]
    done = workbench(*args, "--out", str(tmp_path / "list.csv"))
    assert done.returncode == 3, done.stderr
    assert "so such a child is missing from the list" in done.stderr
