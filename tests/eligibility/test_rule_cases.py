"""Rule cases a policy officer can read: one YAML file per initiative in `cases/`, each case a
family (a child, a parent or carer, their awards, statuses, household and funded places), the
term and evidence dates, the expected tier and reason codes, and the source it comes from.
Boundaries are a habit here (PolicyEngine's style): each date edge and each threshold at, just
under and just over.

A case's `family` keys:
- `child_born` (the child in the window, `C`), `parent_born` (default 1985-01-10, `A`);
- `awards`: `{who: parent|child, benefit, start, end, net, gross}`;
- `statuses`: `{status, start, end}` of the child;
- `household`: `{nrpf, income, savings, london}`; `other_children`: how many more children;
- `places`: `{term, stream}` funded places of the child (`link: clerical_review` for a place
  whose link to the child awaits a person's review);
- `dwp`: true when the DWP list has the child (matched by the parent's NINO).
`expect` is `{tier, reason_codes, already_funded, working_parent_place, eligibility_group}`
(`tier: null` when the child is not listed); keys left out are not checked.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml

from tests.council import Council
from workbench.eligibility.engine import assess
from workbench.linkage.exact import link_exact
from workbench.rules import load_rule_set

CASES = Path(__file__).parent / "cases"
_DEFAULT_AWARD_START = date(2020, 1, 1)


def _cases() -> list:
    found = []
    for path in sorted(CASES.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            found.append(
                pytest.param(document["initiative"], case, id=f"{path.stem}: {case['name']}")
            )
    return found


def _council(family: dict) -> Council:
    c = Council()
    c.person("A", "H", family.get("parent_born", date(1985, 1, 10)), "parent_carer", "AB123456C")
    c.person("C", "H", family["child_born"], "child", forename="Kit")
    for n in range(family.get("other_children", 0)):
        c.person(f"K{n}", "H", date(2012, 1, 1 + n), "child")
    for n, award in enumerate(family.get("awards", [])):
        c.award(
            f"B{n}",
            "A" if award.get("who", "parent") == "parent" else "C",
            award["benefit"],
            start=award.get("start", _DEFAULT_AWARD_START),
            end=award.get("end"),
            net=award.get("net"),
            gross=award.get("gross"),
        )
    for n, status in enumerate(family.get("statuses", [])):
        c.status(f"S{n}", "C", status["status"], start=status["start"], end=status.get("end"))
    if "household" in family:
        h = family["household"]
        c.household(
            "H", h.get("nrpf", True), h.get("income"), h.get("savings"), h.get("london", False)
        )
    for n, place in enumerate(family.get("places", [])):
        c.funded(f"F{n}", "Kit", family["child_born"], place["term"], place["stream"])
    if family.get("dwp"):
        c.dwp("D1", "Kit", family["child_born"], "AB123456C")
    return c


def _links(tables: dict, family: dict) -> pl.LazyFrame | None:
    """The exact pass's links, a place marked `link: clerical_review` moved to that band."""
    places = family.get("places", [])
    waiting = [f"F{n}" for n, p in enumerate(places) if p.get("link") == "clerical_review"]
    if not waiting:
        return None
    band = pl.col("band")
    return link_exact(tables).with_columns(
        pl.when(pl.col("record_id").is_in(waiting)).then(pl.lit("clerical_review")).otherwise(band)
        .alias("band")
    )  # fmt: skip


def test_every_initiative_has_cases():
    initiatives = {yaml.safe_load(p.read_text())["initiative"] for p in CASES.glob("*.yaml")}
    assert initiatives == {
        "two_year_old",
        "free_school_meals",
        "early_years_pupil_premium",
        "disability_access_fund",
    }


@pytest.mark.parametrize(("initiative", "case"), _cases())
def test_rule_case(initiative: str, case: dict):
    assert case.get("source"), "every case cites where its rule comes from"
    rules = load_rule_set(initiative)
    tables = _council(case["family"]).tables()
    listed = assess(
        tables,
        rules,
        term_start=case["term_start"],
        as_of=case.get("as_of", case["term_start"]),
        links=_links(tables, case["family"]),
    ).filter(pl.col("person_id") == "C")
    expect = case["expect"]
    if expect["tier"] is None:
        assert listed.is_empty(), listed.select("tier", "reason_codes").rows()
        return
    assert listed.height == 1
    row = listed.row(0, named=True)
    found = {key: row[key] for key in expect}
    assert found == expect
