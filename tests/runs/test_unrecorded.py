"""What `assess` warns about beside its list: children left off, or listed, only because of
something the data does not record or a person has not yet reviewed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from tests.council import Council
from workbench.data.reading import load_folder
from workbench.eligibility.assess import Assessment
from workbench.eligibility.engine import assessment
from workbench.linkage import LINKS_SCHEMA
from workbench.rules import load_rule_set
from workbench.runs.unrecorded import earlier_places_to_review

RULES = load_rule_set("two_year_old")
TERM = date(2026, 9, 1)
IN_WINDOW = date(2024, 3, 2)


def found_with(links: list[tuple], tmp_path: Path) -> Assessment:
    """Three families, none meeting a criterion, assessed with the links given."""
    c = Council()
    for n in "123":
        c.person(f"A{n}", f"H{n}", date(1990, 1, 1), role="parent_carer")
        c.person(f"C{n}", f"H{n}", IN_WINDOW, role="child")
    c.award("B3", "A3", "income_support")  # C3 is listed anyway
    c.funded("F1", "NameC1", IN_WINDOW, date(2026, 4, 1), "two_year_old")
    c.funded("F2", "NameC2", IN_WINDOW, date(2026, 4, 1), "working_parent")
    c.funded("F3", "NameC3", IN_WINDOW, date(2026, 4, 1), "two_year_old")
    for name, frame in c.tables().items():
        frame.collect().write_csv(tmp_path / f"{name}.csv", date_format="%Y-%m-%d")
    loaded = load_folder(tmp_path)
    frame = pl.DataFrame(links, schema=LINKS_SCHEMA, orient="row")
    result = assessment(loaded.tables, RULES, term_start=TERM, as_of=TERM, links=frame)
    return Assessment(result=result, data=loaded, linkage="probabilistic")


def test_a_child_an_earlier_place_awaiting_review_may_keep_entitled_is_pointed_out(tmp_path):
    found = found_with(
        [
            ("funded_places", "F1", "C1", "clerical_review", 0.9, "splink"),  # pointed out
            ("funded_places", "F2", "C2", "clerical_review", 0.9, "splink"),  # another stream
            ("funded_places", "F3", "C3", "clerical_review", 0.9, "splink"),  # listed anyway
        ],
        tmp_path,
    )
    assert found.candidates["person_id"].to_list() == ["C3"]
    assert earlier_places_to_review(found) == [
        "1 child(ren) in the age window are not listed, yet a funded place of an earlier term "
        "awaits link review with each proposed as its child: confirmed, it would meet "
        "continued_entitlement. Review those links (`workbench link` lists the clerical_review "
        "rows)"
    ]


def test_a_confirmed_earlier_place_lists_the_child_and_needs_no_warning(tmp_path):
    found = found_with([("funded_places", "F1", "C1", "linked", 1.0, "child_name_dob")], tmp_path)
    assert found.candidates["person_id"].to_list() == ["C1", "C3"]
    assert earlier_places_to_review(found) == []
