"""A DWP list or a providers' headcount given with its header only is a failed extract, never a
quiet term: `assess` warns of it and `--strict` fails (exit 3), when the rules read it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.command import workbench
from tests.council import Council
from workbench.eligibility.assess import assess
from workbench.runs.emptiness import empty_lists
from workbench.runs.list_warnings import list_warnings

TERM = date(2026, 9, 1)
EMPTY_DWP = (
    "dwp_list.csv has no rows (only its header): no child DWP names is listed from it, nor "
    "linked to a council child. DWP's list of families who may be eligible for the two-year-old "
    "offer is never empty for a council, so the extract or the download most likely failed. "
    "Check the file; if there truly is none this term, leave the file out of the data folder "
    "rather than give it empty"
)
EMPTY_PLACES = (
    "funded_places.csv has no rows (only its header): no child shows as already funded, and "
    "no earlier place continues an entitlement. The providers' headcount is never empty for a "
    "council, so the extract most likely failed. Check the file; if there truly is none this "
    "term, leave the file out of the data folder rather than give it empty"
)


def council(folder: Path, *, emptied: tuple[str, ...] = ()) -> Path:
    """A child on Income Support, a DWP row and a funded place; the files named in `emptied`
    keep only their header."""
    c = Council()
    c.person("A1", "H1", date(1990, 1, 1), role="parent_carer", nino="AB123456C")
    c.person("C1", "H1", date(2024, 3, 2), role="child")
    c.award("B1", "A1", "income_support")
    c.dwp("D1", "NameC1", date(2024, 3, 2), "AB123456C")
    c.funded("F1", "NameC1", date(2024, 3, 2), TERM, "two_year_old")
    folder.mkdir()
    for name, frame in c.tables().items():
        path = folder / f"{name}.csv"
        frame.collect().write_csv(path, date_format="%Y-%m-%d")
        if name in emptied:
            path.write_text(path.read_text().splitlines()[0] + "\n")
    return folder


@pytest.mark.parametrize(
    ("emptied", "said"),
    [
        ((), []),
        (("dwp_list",), [EMPTY_DWP]),
        (("funded_places",), [EMPTY_PLACES]),
        (("dwp_list", "funded_places"), [EMPTY_DWP, EMPTY_PLACES]),
    ],
)
def test_a_list_the_rules_read_given_with_its_header_only_is_serious(tmp_path, emptied, said):
    data = council(tmp_path / "data", emptied=emptied)
    found = assess(data, "two_year_old", term_start=TERM, as_of=TERM, linkage="exact")
    assert found.candidates["person_id"].to_list() == ["C1"]
    assert empty_lists(found) == said
    warned = list_warnings(found)
    assert [s for s in warned.serious if s in said] == said
    assert not any(s in warned.notes for s in said)


def test_a_list_the_rules_do_not_read_is_not_said(tmp_path):
    # Free school meals reads neither the DWP list nor the headcount.
    data = council(tmp_path / "data", emptied=("dwp_list", "funded_places"))
    found = assess(data, "free_school_meals", term_start=TERM, as_of=TERM, linkage="exact")
    assert empty_lists(found) == []


def test_assess_strict_fails_on_a_dwp_list_with_its_header_only(tmp_path):
    data = council(tmp_path / "data", emptied=("dwp_list",))
    out = tmp_path / "list.csv"
    dates = ("--term-start", "2026-09-01", "--as-of", "2026-09-01")
    args = ("assess", "--initiative", "two_year_old", "--data", str(data), *dates)
    done = workbench(*args, "--out", str(out), "--linkage", "exact")
    assert done.returncode == 0, done.stderr
    assert f"warning: {EMPTY_DWP}\n" in done.stderr
    strict = workbench(*args, "--out", str(out), "--linkage", "exact", "--strict")
    assert strict.returncode == 3, strict.stderr
    assert f"warning: {EMPTY_DWP}\n" in strict.stderr
