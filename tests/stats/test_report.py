"""`write_stats`: take-up, funnel and equality tables written only when safe, with a manifest.

The council below is small enough to work out by hand. Term starting 1 September 2026; every
child's parent gets Income Support, so every child in the age window is *likely*.

- FQ1 (postcode FQ1 1AA): children C1-C4, C8 and C9, born 15 March 2024 (29 months on the
  first day of term), girls, White: Irish. C1, C2 and C3 have a funded place; C1, C2 and C4
  are on the DWP list, matched through their parent's NINO.
- FQ2 (FQ2 2BB): children C5-C7 and C10-C13, born 10 November 2023 (33 months), boys, Indian.
  C10-C13 have a funded place; none is on the DWP list.
- DWP row D9: a child matched to no one (area, age band, sex and ethnicity unknown).

So: 14 eligible, 7 funded (50.0%); by area FQ1 6/3, FQ2 7/4, unknown 1/0 (every area's
children not funded, 3, 3 and 1, are at least the threshold of 3 or hidden with the area); the
funnel has 4 on the list, 3 linked, 2 funded. The people file has no ``first_language`` column.

Earlier terms: on 1 January 2026 only the FQ2 children (second birthday 10 November 2025) are in
the age window: 7 eligible, none funded; on 1 April 2026 all fourteen are: 14 eligible, none
funded (the funded places are all for September).

With ``pupils=True`` the council also has school-age children for free school meals: P1-P3 in
FQ1 and P4 in FQ2, born 1 May 2019, whose parents get Universal Credit (every UC household
qualifies from 1 September 2026).

Ward lookup ``WARDS``: FQ1 1AA has its own entry (Ashcombe); the rest of FQ1 is Dunmere by
district; FQ2 is in no entry, so its children are in ward unknown.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.council import Council
from workbench.errors import DataFileError, UsageError
from workbench.provenance import file_sha256
from workbench.rules import rules_folder
from workbench.stats import DisclosureRules
from workbench.stats.report import (
    COUNTS_ONLY_TABLES,
    MANIFEST_NAME,
    OPTIONAL_TABLES,
    TABLES,
    display_frame,
    headline,
    headline_markdown,
    parse_trend_terms,
    write_charts,
    write_stats,
)
from workbench.stats.report_publish import (
    LINKED_WITHHELD_REASON,
    WITHHELD_REASON,
    ZEROS_HIDDEN,
    protect_stats_table,
)

TERM = date(2026, 9, 1)
SMALL = DisclosureRules(threshold=3, protection=1)
FQ1_BORN, FQ2_BORN = date(2024, 3, 15), date(2023, 11, 10)
JANUARY, APRIL = date(2026, 1, 1), date(2026, 4, 1)
WARDS = "postcode,ward,ward_code\nFQ1 1AA,Ashcombe,W1\nFQ1,Dunmere,W3\n"
FQ1_CHILDREN = (1, 2, 3, 4, 8, 9)
CHILDREN = range(1, 14)
FUNDED = (1, 2, 3, 10, 11, 12, 13)
ON_DWP_LIST = (1, 2, 4)
ETHNICITY = {"FQ1 1AA": "White: Irish", "FQ2 2BB": "Asian or Asian British: Indian"}


def write_fixture(
    folder: Path,
    *,
    sex: dict[str, str] | None = None,
    pupils: bool = False,
    more: dict[str, tuple[date, str]] | None = None,
) -> Path:
    """The council above; ``more`` adds, by child id, a household of one parent on Income
    Support and one child (born on the date, living at the postcode), not funded."""
    council = Council()
    for i, (child, (born, postcode)) in enumerate((more or {}).items(), start=50):
        council.person(f"A{i}", f"H{i}", date(1990, 1, 1), "parent_carer", postcode=postcode)
        council.person(child, f"H{i}", born, "child", forename=f"Kid{i}", postcode=postcode)
        council.award(f"B{i}", f"A{i}", "income_support")
    if pupils:
        for i in range(1, 5):
            postcode = "FQ1 1AA" if i <= 3 else "FQ2 2BB"
            council.person(f"Q{i}", f"S{i}", date(1988, 1, 1), "parent_carer", postcode=postcode)
            council.person(f"P{i}", f"S{i}", date(2019, 5, 1), "child", postcode=postcode)
            council.award(f"U{i}", f"Q{i}", "universal_credit", net=20000.0)
    for i in CHILDREN:
        postcode = "FQ1 1AA" if i in FQ1_CHILDREN else "FQ2 2BB"
        born = FQ1_BORN if i in FQ1_CHILDREN else FQ2_BORN
        nino = f"AA{i:06d}A"
        council.person(f"A{i}", f"H{i}", date(1990, 1, 1), "parent_carer", nino, postcode=postcode)
        council.person(f"C{i}", f"H{i}", born, "child", forename=f"Kid{i}", postcode=postcode)
        council.award(f"B{i}", f"A{i}", "income_support")
        if i in ON_DWP_LIST:
            council.dwp(f"D{i}", f"Kid{i}", born, nino)
        if i in FUNDED:
            council.funded(f"F{i}", f"Kid{i}", born, TERM, "two_year_old")
    council.dwp("D9", "Zed", FQ1_BORN, None)
    tables = {name: frame.collect() for name, frame in council.tables().items()}
    sexes = sex or {f"C{i}": "F" if i in FQ1_CHILDREN else "M" for i in CHILDREN}
    tables["people"] = tables["people"].with_columns(
        pl.col("person_id").replace_strict(sexes, default=None).alias("sex"),
        pl.when(pl.col("role") == "child")
        .then(pl.col("postcode").replace_strict(ETHNICITY, default=None))
        .alias("ethnicity"),
    )
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.write_csv(folder / f"{name}.csv")
    return folder


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_fixture(tmp_path_factory.mktemp("council") / "data")


def stats(
    data: Path, out: Path, rules: DisclosureRules = SMALL, initiative="two_year_old", **options
):
    return write_stats(
        data, initiative=initiative, term_start=TERM, as_of=TERM, out=out, rules=rules, **options
    )


@pytest.fixture(scope="module")
def wards(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wards") / "wards.csv"
    path.write_text(WARDS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def full(data, wards, tmp_path_factory):
    """Threshold 3, with the ward lookup and a trend over January, April and September."""
    return stats(data, tmp_path_factory.mktemp("full"), ward_lookup=wards, terms=[JANUARY, APRIL])


@pytest.fixture(scope="module")
def small(data, tmp_path_factory):
    """Threshold 3: most tables can be published."""
    return stats(data, tmp_path_factory.mktemp("out"))


# --- what is published -----------------------------------------------------------------------


def test_take_up_overall_and_by_area_are_written_exactly(small):
    assert (small.out / "take_up.csv").read_text() == (
        "group,measure,value,suppressed\n"
        "all,eligible,14,false\n"
        "Total,eligible,14,false\n"
        "all,funded,7,false\n"
        "Total,funded,7,false\n"
        "all,rate,50.0,false\n"
        "Total,rate,50.0,false\n"
    )
    # unknown's 1 is hidden, and FQ1's 6 with it (the smaller), or 14 - 7 - 6 would give it
    # away. FQ1 and FQ2 each have 3 children not funded: not below the threshold. unknown's
    # funded 0 is hidden beside its hidden eligible count ("unknown, funded 0" told D9's
    # family that none of its group has a place), and FQ1's 3 with it, or 7 - 3 - 4 would
    # give the 0 away.
    assert (small.out / "take_up_by_area.csv").read_text() == (
        "area,measure,value,suppressed\n"
        "FQ1,eligible,c,true\n"
        "FQ2,eligible,7,false\n"
        "unknown,eligible,c,true\n"
        "Total,eligible,14,false\n"
        "FQ1,funded,c,true\n"
        "FQ2,funded,4,false\n"
        "unknown,funded,c,true\n"
        "Total,funded,7,false\n"
        "FQ1,rate,c,true\n"
        "FQ2,rate,57.1,false\n"
        "unknown,rate,c,true\n"
        "Total,rate,50.0,false\n"
    )


def published_notes(result, name: str) -> list[str]:
    record = json.loads(result.manifest.read_text())
    return next(entry["notes"] for entry in record["published"] if entry["table"] == name)


def test_a_district_of_one_household_publishes_no_zero_beside_its_hidden_count(tmp_path):
    # A tester's case: one household with an out-of-area postcode (ZZ9 9ZZ) is a district
    # of its own, listed on every run; "ZZ9,eligible,c" beside "ZZ9,funded,0" told it that
    # its child has no place. The 0 is hidden whatever --hide-zeros says, and FQ1's 3 with
    # it (so that 7 - 4 gives neither), as is unknown's 0 beside D9's hidden 1.
    data = write_fixture(tmp_path / "data", more={"C50": (FQ2_BORN, "ZZ9 9ZZ")})
    result = stats(data, tmp_path / "out")
    assert result.tables["take_up_by_area"].raw.rows()[2] == ("ZZ9", 1, 0, 0.0)
    assert (result.out / "take_up_by_area.csv").read_text() == (
        "area,measure,value,suppressed\n"
        "FQ1,eligible,c,true\n"
        "FQ2,eligible,7,false\n"
        "ZZ9,eligible,c,true\n"
        "unknown,eligible,c,true\n"
        "Total,eligible,15,false\n"
        "FQ1,funded,c,true\n"
        "FQ2,funded,4,false\n"
        "ZZ9,funded,c,true\n"
        "unknown,funded,c,true\n"
        "Total,funded,7,false\n"
        "FQ1,rate,c,true\n"
        "FQ2,rate,57.1,false\n"
        "ZZ9,rate,c,true\n"
        "unknown,rate,c,true\n"
        "Total,rate,46.7,false\n"
    )
    # The shareable manifest counts the hidden zeros and says a hidden funded count may be 0.
    assert published_notes(result, "take_up_by_area")[:2] == [
        "eligible: 3 cell(s) hidden ('c'): counts from 1 to 2, and other cells where needed so "
        "that no hidden count can be worked out from what is published.",
        "funded: 3 cell(s) hidden ('c'): counts from 1 to 2 (0 too where the row's eligible "
        "count is hidden), and other cells where needed so that no hidden count can be worked "
        "out from what is published.",
    ]


def test_a_child_turning_three_on_the_first_day_of_term_has_no_age_band_of_their_own(tmp_path):
    # A tester's case: the window lets a child in at 36 months only when their third birthday
    # is the first day of term, so a band 36-41 held one date of birth (1 September 2023)
    # and published "36-41,eligible,c" and "36-41,funded,0". That child is counted in 30-36.
    data = write_fixture(tmp_path / "data", more={"C50": (date(2023, 9, 1), "FQ2 2BB")})
    result = stats(data, tmp_path / "out")
    assert result.tables["take_up_by_age_band"].raw.rows() == [
        ("24-29", 6, 3, 0.5),
        ("30-36", 8, 4, 0.5),
        ("unknown", 1, 0, 0.0),
    ]
    assert (result.out / "take_up_by_age_band.csv").read_text() == (
        "age_band,measure,value,suppressed\n"
        "24-29,eligible,c,true\n"
        "30-36,eligible,8,false\n"
        "unknown,eligible,c,true\n"
        "Total,eligible,15,false\n"
        "24-29,funded,c,true\n"
        "30-36,funded,c,true\n"
        "unknown,funded,c,true\n"
        "Total,funded,7,false\n"
        "24-29,rate,c,true\n"
        "30-36,rate,c,true\n"
        "unknown,rate,c,true\n"
        "Total,rate,46.7,false\n"
    )


def test_criterion_age_band_and_sex_tables(small):
    criterion = pl.read_csv(small.out / "take_up_by_criterion.csv", infer_schema=False)
    # No Total row: the criteria met add up to 17 for 14 children (take_up counts them once).
    # Every criterion of the rules in force is listed, met by a child or not (a row that came
    # and went would tell a reader comparing two runs the criterion of a family that left);
    # the criteria no child meets are 0, hidden as small counts are in this table.
    eligible = criterion.filter(pl.col("measure") == "eligible").select("criterion", "value")
    assert eligible.rows() == [
        ("asylum_support", "c"),
        ("continued_entitlement", "c"),
        ("disability_living_allowance", "c"),
        ("dwp_list", "4"),
        ("ehc_plan", "c"),
        ("esa_income_related", "c"),
        # 13: published alone it would be safe, but with the other tables a reader could pin
        # it down (the audit across tables).
        ("income_support", "c"),
        ("jsa_income_based", "c"),
        ("left_care", "c"),
        ("looked_after", "c"),
        ("no_recourse_to_public_funds", "c"),
        ("pension_credit_guarantee", "c"),
        ("universal_credit_low_income", "c"),
    ]
    funded = criterion.filter(pl.col("measure") == "funded").select("criterion", "value")
    assert funded.filter(pl.col("value") != "c").rows() == [("income_support", "7")]
    assert funded.filter(pl.col("criterion") == "dwp_list").rows() == [("dwp_list", "c")]  # 2
    age = pl.read_csv(small.out / "take_up_by_age_band.csv", infer_schema=False)
    # Every band of the age window; a child turning 3 on the first day of term is 36 months
    # old and still in it, the one date of birth of a band 36-41, so counted in 30-36 (FQ2's
    # seven, 33 months old, are there too). unknown: D9, on the DWP list only.
    assert age.filter(pl.col("measure") == "eligible").select("age_band", "value").rows() == [
        ("24-29", "c"),
        ("30-36", "7"),
        ("unknown", "c"),
        ("Total", "14"),
    ]
    # D9's funded 0 is hidden beside its hidden eligible count, with more funded counts.
    assert age.filter(pl.col("measure") == "funded").select("age_band", "value").rows() == [
        ("24-29", "c"),
        ("30-36", "c"),
        ("unknown", "c"),
        ("Total", "7"),
    ]
    sex = pl.read_csv(small.out / "equality_by_sex.csv", infer_schema=False)
    # An equality table hides its zeros too (every group is listed, so a 0 turning to a
    # small count would tell the group of a family that moved); the 0 and 3 then cover
    # each other, as two small counts would.
    assert sex.filter(pl.col("measure") == "funded").select("sex", "value").rows() == [
        ("F", "c"),
        ("M", "4"),
        ("unknown", "c"),
        ("Total", "7"),
    ]


def test_funnel_is_published_as_the_furthest_stage_each_child_reached(small):
    # D9 stopped on the list, C4 was linked but is not funded, C1 and C2 are funded.
    assert (small.out / "funnel.csv").read_text() == (
        "furthest_stage,measure,value,suppressed\n"
        "on_dwp_list,count,c,true\n"
        "linked,count,c,true\n"
        "funded,count,c,true\n"
        "Total,count,4,false\n"  # 4: the DWP-list criterion's count, published there too
    )


def test_raw_tables_stay_in_memory_only(small):
    area = small.tables["take_up_by_area"].raw
    assert area.rows() == [("FQ1", 6, 3, 0.5), ("FQ2", 7, 4, 4 / 7), ("unknown", 1, 0, 0.0)]
    assert small.tables["funnel"].raw.select("stage", "count").rows() == [
        ("on_dwp_list", 4),
        ("linked", 3),
        ("funded", 2),
    ]
    assert sorted(p.name for p in small.out.iterdir() if p.suffix != ".csv") == [MANIFEST_NAME]


def test_a_missing_equality_column_is_reported_not_guessed(small):
    assert small.withheld == {
        "equality_by_first_language": (
            "Not available: the people table has no 'first_language' column."
        )
    }
    assert sorted(small.published) == sorted(set(TABLES) - {"equality_by_first_language"})
    assert not (small.out / "equality_by_first_language.csv").exists()


def test_special_category_fields_are_never_held_beside_names(data, tmp_path, monkeypatch):
    import workbench.stats.report as report

    seen = []
    original = report.load_folder

    def spy(*args, **kwargs):
        loaded = original(*args, **kwargs)
        if kwargs.get("equality_monitoring"):
            seen.append(loaded.tables["people"].columns)
        return loaded

    monkeypatch.setattr(report, "load_folder", spy)
    stats(data, tmp_path / "out")
    assert seen == [["person_id", "date_of_birth", "postcode", "sex", "ethnicity"]]


# --- what is withheld ----------------------------------------------------------------------------


def test_with_the_default_threshold_nothing_is_safe_and_nothing_is_written(data, tmp_path):
    out = tmp_path / "stats"
    out.mkdir()
    (out / "take_up_by_area.csv").write_text("left over from an earlier run\n")
    result = stats(data, out, rules=DisclosureRules())
    assert result.published == {}
    assert result.withheld["take_up"] == (
        "Not safe to publish: funded: the grand total is below the threshold of 10, so the "
        "table cannot be made safe and must not be published; combine categories or report a "
        "larger area or period."
    )
    assert result.withheld["funnel"].startswith("Not safe to publish: count: the grand total")
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME]
    assert headline(result) == {"eligible": None, "funded": None, "rate": None}
    assert headline_markdown(result).startswith(
        "**Too few children to publish figures** for the term starting 1 September 2026: "
        "Not safe to publish"
    )


def test_free_school_meals_tables_show_eligible_counts_without_a_rate(tmp_path):
    data = write_fixture(tmp_path / "data", pupils=True)
    result = stats(data, tmp_path / "fsm", initiative="free_school_meals")
    assert not result.measured
    assert result.withheld == {
        "funnel": "Not applicable: the free_school_meals rules do not use the DWP list.",
        "equality_by_first_language": (
            "Not available: the people table has no 'first_language' column."
        ),
    }
    assert (result.out / "take_up.csv").read_text() == (
        "group,measure,value,suppressed\nall,eligible,4,false\nTotal,eligible,4,false\n"
    )
    area = pl.read_csv(result.out / "take_up_by_area.csv", infer_schema=False)
    assert area.select("area", "measure", "value").rows() == [
        ("FQ1", "eligible", "c"),  # 3, or 4 - 1 would give the 1 away
        ("FQ2", "eligible", "c"),  # 1
        ("unknown", "eligible", "0"),  # listed on every run
        ("Total", "eligible", "4"),
    ]
    criterion = pl.read_csv(result.out / "take_up_by_criterion.csv", infer_schema=False)
    shown = criterion.filter(pl.col("value") != "c").select("criterion", "measure", "value")
    assert shown.rows() == [("universal_credit", "eligible", "4")]
    assert criterion.height == 12  # every criterion in force, the others 0 and hidden
    group = pl.read_csv(result.out / "take_up_by_group.csv", infer_schema=False)
    # Every group of the rules, and no unknown: every criterion has a group, so none could be.
    assert group.select("group", "value").rows() == [
        ("expanded", "c"),  # 0
        ("no_recourse_to_public_funds", "c"),  # 0
        ("targeted", "c"),  # 4, hidden to cover the zeros
        ("Total", "4"),
    ]
    assert result.caveats == (
        "Take-up is not measured for free_school_meals: its rules read no funded places, so "
        "the tables show the children who look eligible (likely tier), with no funded count "
        "and no rate.",
    )
    assert headline(result) == {"eligible": "4", "funded": None, "rate": None}
    text = headline_markdown(result)
    assert "of them have a funded place" not in text
    assert text.splitlines()[0] == (
        "- **4** children look eligible (likely tier) for the term starting 1 September 2026."
    )
    assert "No national figure is compared" in text
    take_up = display_frame(result.tables["take_up"])
    assert take_up is not None
    assert take_up.rows() == [("all", "4"), ("Total", "4")]
    record = json.loads(result.manifest.read_text())
    assert record["caveats"] == list(result.caveats)
    assert record["measures"] == ["eligible"]
    shows = {entry["table"]: entry["shows"] for entry in record["published"]}
    assert shows["take_up"] == COUNTS_ONLY_TABLES["take_up"]
    drawn, skipped = write_charts(result)
    assert drawn == {}
    assert skipped["take_up_by_area"] == (
        "Take-up is not measured for this initiative: no rate to draw."
    )


def test_early_years_pupil_premium_reports_counts_by_reason_not_a_rate(data, tmp_path):
    result = stats(data, tmp_path / "eypp", initiative="early_years_pupil_premium")
    assert not result.measured
    # Only the seven children with a funded place (C1-C3 and C10-C13) are listed, all through
    # Income Support.
    raw = result.tables["take_up_by_criterion"].raw
    assert raw.filter(pl.col("eligible") > 0).rows() == [("income_support", 7)]
    assert raw.height == 8  # every criterion of the rules in force, met or not
    criterion = pl.read_csv(result.out / "take_up_by_criterion.csv", infer_schema=False)
    assert criterion.filter(pl.col("value") != "c").select("criterion", "value").rows() == [
        ("income_support", "7"),
    ]
    sex = pl.read_csv(result.out / "equality_by_sex.csv", infer_schema=False)
    assert sex.select("sex", "measure", "value").rows() == [
        ("F", "eligible", "c"),
        ("M", "eligible", "4"),
        ("unknown", "eligible", "c"),  # 0, hidden: every group is listed
        ("Total", "eligible", "7"),
    ]
    assert result.caveats[0].startswith(
        "Take-up is not measured for early_years_pupil_premium: only children with a funded "
        "place are listed, so every one is funded and a rate would always be 100%."
    )


# --- by ward and across terms -----------------------------------------------------------------


def test_take_up_by_ward_follows_the_area_table(full):
    assert list(full.tables) == [
        "take_up",
        "take_up_by_area",
        "take_up_by_ward",
        *[name for name in TABLES if name not in ("take_up", "take_up_by_area")],
        "trend",
        "national_comparison",
    ]
    # The FQ1 children (FQ1 1AA) are Ashcombe by their own entry; FQ2's and D9 are unknown.
    # Alone the table would be safe to show in full; published beside the area table and the
    # others, the audit across tables hides both wards' eligible counts (the unknown ward's 8
    # less FQ2's 7 would otherwise pin down D9's hidden 1), and FQ2's 7 in the area table.
    # Dunmere, the rest of FQ1, holds no child: listed all the same, as every ward is, and
    # its 0s are shown (its eligible 0 is shown). The area table hides unknown's funded 0
    # beside its hidden eligible count, and FQ1's 3 with it: the wards' 3 and 4 would give
    # them away, so they are hidden too.
    assert (full.out / "take_up_by_ward.csv").read_text() == (
        "ward,measure,value,suppressed\n"
        "Ashcombe,eligible,c,true\n"
        "Dunmere,eligible,0,false\n"
        "unknown,eligible,c,true\n"
        "Total,eligible,14,false\n"
        "Ashcombe,funded,c,true\n"
        "Dunmere,funded,0,false\n"
        "unknown,funded,c,true\n"
        "Total,funded,7,false\n"
        "Ashcombe,rate,c,true\n"
        "Dunmere,rate,z,false\n"
        "unknown,rate,c,true\n"
        "Total,rate,50.0,false\n"
    )
    assert full.tables["take_up_by_ward"].shows == OPTIONAL_TABLES["take_up_by_ward"]


def test_the_manifest_records_the_ward_lookup_and_unmatched_postcodes(full, wards):
    record = json.loads(full.manifest.read_text())
    # Distinct postcodes of the people file: FQ1 1AA matched by its own entry, FQ2 2BB by none.
    assert record["ward_lookup"] == {
        "file": "wards.csv",
        "sha256": file_sha256(wards),
        "entries": {"postcode": 1, "sector": 0, "district": 1},
        "people_postcodes": {
            "postcode": 1,
            "sector": 0,
            "district": 0,
            "unmatched": 1,
            "missing": 0,
        },
    }


def test_trend_assesses_each_term_on_the_reports_evidence_rule(full):
    assert full.trend_terms == ((JANUARY, JANUARY), (APRIL, APRIL), (TERM, TERM))
    # The funded places are all for September: January and April have no headcount, so
    # their funded count and rate are not known (blank), not 0.
    # The report's evidence date is its term's start, so each earlier term's is its own.
    assert full.tables["trend"].raw.rows() == [
        (JANUARY, 7, None, None, JANUARY),
        (APRIL, 14, None, None, APRIL),
        (TERM, 14, 7, 0.5, TERM),
    ]
    # No Total row: the September children are the April ones again.
    assert (full.out / "trend.csv").read_text() == (
        "term_start,measure,value,suppressed,evidence_as_of\n"
        "2026-01-01,eligible,7,false,2026-01-01\n"
        "2026-04-01,eligible,14,false,2026-04-01\n"
        "2026-09-01,eligible,14,false,2026-09-01\n"
        "2026-01-01,funded,,false,2026-01-01\n"
        "2026-04-01,funded,,false,2026-04-01\n"
        "2026-09-01,funded,7,false,2026-09-01\n"
        "2026-01-01,rate,,false,2026-01-01\n"
        "2026-04-01,rate,,false,2026-04-01\n"
        "2026-09-01,rate,50.0,false,2026-09-01\n"
    )
    record = json.loads(full.manifest.read_text())
    assert record["trend_terms"] == [
        {"term_start": "2026-01-01", "as_of": "2026-01-01"},
        {"term_start": "2026-04-01", "as_of": "2026-04-01"},
        {"term_start": "2026-09-01", "as_of": "2026-09-01"},
    ]
    notes = {e["table"]: e["notes"] for e in record["published"]}
    assert notes["trend"][-3:] == [
        "No Total row: each term counts its own children, and a child eligible or funded in "
        "two terms would count twice in a sum, so the terms are not added up; each term's rate "
        "is its own.",
        "Funded and the rate are blank for the term(s) starting 2026-01-01, 2026-04-01: the "
        "providers' headcount (funded_places) holds no place for them, so no child could be "
        "counted as funded. A blank is not a zero (a rate of 0.0 would read as no child "
        "funded).",
        "evidence_as_of: the evidence date each term was assessed on (awards and statuses "
        "active on it). A term's figures here can differ from those of its own report when "
        "that report used another evidence date, or the data have changed since.",
    ]
    # This term's headcount was read: no caveat, and the other tables carry no such note.
    assert record["caveats"] == []
    assert not any("blank" in note for note in notes["take_up"])


def test_the_national_comparison_sits_beside_each_term(full):
    national = pl.read_csv(full.out / "national_comparison.csv", infer_schema=False)
    assert national.columns == [
        "term_start",
        "england_year",
        "england_rate_percent",
        "comparable",
        "note",
        "source",
    ]
    assert national.select("term_start", "england_year", "england_rate_percent").rows() == [
        ("2026-01-01", "2026", "71.6"),
        ("2026-04-01", "2026", "71.6"),
        ("2026-09-01", "2026", "71.6"),
    ]
    assert national.get_column("comparable").unique().to_list() == ["false"]
    record = json.loads(full.manifest.read_text())
    entry = next(e for e in record["published"] if e["table"] == "national_comparison")
    assert entry["notes"][0].startswith("England's figures are DfE's published statistics")
    national_display = display_frame(full.tables["national_comparison"])
    assert national_display is not None
    assert national_display.row(0)[:3] == (
        "2026-01-01",
        "2026",
        "71.6",
    )


def test_an_evidence_date_can_be_given_per_term(data, tmp_path):
    # Evidence held on 31 December 2024 predates every award (they start 1 January 2025):
    # only the four DWP-list children (C1, C2, C4 and D9) are likely for April.
    result = stats(data, tmp_path / "out", terms={APRIL: date(2024, 12, 31)})
    assert result.trend_terms == ((APRIL, date(2024, 12, 31)), (TERM, TERM))
    assert result.tables["trend"].raw.rows() == [
        (APRIL, 4, None, None, date(2024, 12, 31)),
        (TERM, 14, 7, 0.5, TERM),
    ]
    record = json.loads(result.manifest.read_text())
    assert record["trend_terms"][0] == {"term_start": "2026-04-01", "as_of": "2024-12-31"}


def test_the_trend_assesses_a_term_on_the_evidence_date_of_its_own_report(tmp_path):
    # A tester: September's report (as_of 1 August) published 168 eligible and 78 funded;
    # the April report's trend re-assessed September on 1 September and published 168 and
    # 79: two published figures for one term, a child apart. Each earlier term is now
    # assessed as far before its start as the report's own evidence date is before its term
    # (the scheduled runs: a month before). Here C6's parent's award starts on 15 March.
    council = Council()
    for i in range(1, 7):
        council.person(f"A{i}", f"H{i}", date(1990, 1, 1), "parent_carer", postcode="FQ2 2BB")
        council.person(f"C{i}", f"H{i}", FQ2_BORN, "child", postcode="FQ2 2BB")
        start = date(2026, 3, 15) if i == 6 else date(2025, 1, 1)
        council.award(f"B{i}", f"A{i}", "income_support", start=start)
        council.funded(f"F{i}", f"Kid{i}", FQ2_BORN, TERM, "two_year_old")
    folder = tmp_path / "data"
    folder.mkdir()
    for name, frame in council.tables().items():
        frame.collect().write_csv(folder / f"{name}.csv")
    march, august = date(2026, 3, 1), date(2026, 8, 1)
    own = write_stats(
        folder, initiative="two_year_old", term_start=APRIL, as_of=march, out=tmp_path / "apr",
        rules=SMALL,
    )  # fmt: skip
    report = write_stats(
        folder, initiative="two_year_old", term_start=TERM, as_of=august, out=tmp_path / "sep",
        rules=SMALL, terms=[APRIL],
    )  # fmt: skip
    assert report.trend_terms == ((APRIL, march), (TERM, august))
    # April's figure in the trend is April's own report's: 5 (C6's award not yet started).
    assert own.tables["take_up"].raw.get_column("eligible").to_list() == [5]
    assert report.tables["trend"].raw.select("term_start", "eligible", "evidence_as_of").rows() == [
        (APRIL, 5, march),
        (TERM, 6, august),
    ]
    trend_csv = pl.read_csv(tmp_path / "sep" / "trend.csv", infer_schema=False)
    assert trend_csv.columns[-1] == "evidence_as_of"
    assert trend_csv.filter(pl.col("measure") == "eligible").select(
        "term_start", "value", "evidence_as_of"
    ).rows() == [("2026-04-01", "5", "2026-03-01"), ("2026-09-01", "6", "2026-08-01")]
    record = json.loads(report.manifest.read_text())
    assert record["trend_terms"] == [
        {"term_start": "2026-04-01", "as_of": "2026-03-01"},
        {"term_start": "2026-09-01", "as_of": "2026-08-01"},
    ]


def test_the_trend_of_an_initiative_without_a_rate_has_no_national_comparison(data, tmp_path):
    result = stats(data, tmp_path / "eypp", initiative="early_years_pupil_premium", terms=[APRIL])
    assert result.tables["trend"].raw.rows() == [(APRIL, 0), (TERM, 7)]
    assert result.withheld["national_comparison"] == (
        "Not applicable: DfE publishes national take-up for the two-year-old offer only."
    )
    assert not (result.out / "national_comparison.csv").exists()


def test_charts_include_the_ward_and_the_trend_with_england(full, tmp_path):
    drawn, skipped = write_charts(full, tmp_path)
    # Every ward's eligible count is hidden (see above): no ward chart.
    assert skipped["take_up_by_ward"] == "Every ward has too few eligible children to show."
    # January and April have no headcount (no rate): only September is drawn.
    assert drawn["trend"].title == "Take-up was 50% in the term from 1 Sep 2026"
    svg = (tmp_path / "trend.svg").read_text()
    assert "England (DfE)" in svg and "This council" in svg


def test_tables_not_asked_for_this_time_are_removed(full, data, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in OPTIONAL_TABLES:
        (out / f"{name}.csv").write_text("left over\n")
    for name in ("take_up_by_ward", "trend"):
        (out / f"{name}.svg").write_text("<svg>old</svg>")
    result = stats(data, out)
    assert set(result.tables) == set(TABLES)
    write_charts(result)
    left = {p.name for p in out.iterdir()}
    assert not any(p.startswith(tuple(OPTIONAL_TABLES)) for p in left)


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ([date(2027, 1, 1)], r"earlier terms than the one reported \(2026-09-01\); got 2027-01-01"),
        ([APRIL, APRIL], "Trend term 2026-04-01 is given twice"),
        (["1/4/2026"], r"terms must be an ISO date like 2026-09-01; got '1/4/2026'"),
        ({APRIL: "April"}, r"terms must be an ISO date like 2026-09-01; got 'April'"),
        ("2026-04-01,1/4/2026", r"terms takes term start dates .* got '1/4/2026'"),
        (date(2026, 4, 1), "must be a list of term start dates"),
        ([date(2010, 1, 1)], "rule set starts on"),
    ],
)
def test_bad_trend_terms_are_refused_before_anything_is_written(data, tmp_path, terms, message):
    with pytest.raises(UsageError, match=message):
        stats(data, tmp_path / "out", terms=terms)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow  # a whole report run: make test-slow (CI runs both)
def test_trend_terms_given_as_iso_text_count_as_the_same_dates(data, tmp_path):
    as_dates = stats(data, tmp_path / "dates", terms=[JANUARY, APRIL]).tables["trend"].raw
    for i, text in enumerate(
        [
            "2026-01-01,2026-04-01",
            ["2026-01-01", "2026-04-01"],
            {"2026-01-01": JANUARY, APRIL: "2026-04-01"},
        ]
    ):
        trend = stats(data, tmp_path / f"text{i}", terms=text).tables["trend"].raw
        assert trend.equals(as_dates)
    assert [row[0] for row in as_dates.rows()] == [JANUARY, APRIL, TERM]


def test_the_reported_term_in_the_trend_terms_is_not_counted_twice(data, tmp_path):
    result = stats(data, tmp_path / "out", terms=[APRIL, TERM])
    assert [row[0] for row in result.tables["trend"].raw.rows()] == [APRIL, TERM]


def test_a_bad_ward_lookup_is_refused_before_anything_is_written(data, tmp_path):
    lookup = tmp_path / "wards.csv"
    lookup.write_text("postcode,ward\nFQ1,Dunmere\nnot a postcode,Ashcombe\n")
    with pytest.raises(DataFileError, match=r"wards\.csv, row 3, column 'postcode'"):
        stats(data, tmp_path / "out", ward_lookup=lookup)
    assert not (tmp_path / "out").exists()


def test_trend_terms_are_read_from_comma_separated_text():
    assert parse_trend_terms(" 2026-01-01,2026-04-01 ") == [JANUARY, APRIL]
    assert parse_trend_terms("") == [] and parse_trend_terms(None) == []
    with pytest.raises(UsageError, match=r"--trend-terms takes term start dates .* got '1/4/2026'"):
        parse_trend_terms("2026-01-01,1/4/2026")
    with pytest.raises(UsageError, match=r"^trend_terms takes .* got ''"):
        parse_trend_terms("2026-01-01,", option="trend_terms")


# --- linkage: exact or probabilistic -----------------------------------------------------------


def with_funded_forename_typo(folder: Path) -> Path:
    """The fixture with funded place F3 typed ``Kdi3`` for Kid3 (two letters swapped)."""
    data = write_fixture(folder)
    places = pl.read_csv(data / "funded_places.csv", infer_schema=False)
    places.with_columns(
        pl.when(pl.col("record_id") == "F3")
        .then(pl.lit("Kdi3"))
        .otherwise(pl.col("child_forename"))
        .alias("child_forename")
    ).write_csv(data / "funded_places.csv")
    return data


def test_a_funded_place_with_a_typo_counts_by_default_and_is_missed_by_exact_linkage(tmp_path):
    data = with_funded_forename_typo(tmp_path / "data")
    exact = stats(data, tmp_path / "exact", linkage="exact")
    probabilistic = stats(data, tmp_path / "probabilistic")
    assert exact.tables["take_up"].raw.rows() == [("all", 14, 6, 6 / 14)]
    assert probabilistic.tables["take_up"].raw.rows() == [("all", 14, 7, 0.5)]
    assert probabilistic.tables["take_up_by_area"].raw.rows() == [
        ("FQ1", 6, 3, 0.5),
        ("FQ2", 7, 4, 4 / 7),
        ("unknown", 1, 0, 0.0),
    ]
    assert (exact.linkage, probabilistic.linkage) == ("exact", "probabilistic")


def test_with_exact_agreement_both_linkages_publish_the_same_tables(small, data, tmp_path):
    result = stats(data, tmp_path / "out", linkage="exact")
    assert result.published.keys() == small.published.keys()
    for name, path in small.published.items():
        assert result.published[name].read_bytes() == path.read_bytes(), name


def test_the_manifest_records_the_linkage(small, data, tmp_path):
    assert json.loads(small.manifest.read_text())["parameters"] == {"linkage": "probabilistic"}
    result = stats(data, tmp_path / "out", linkage="exact", terms=[APRIL])
    record = json.loads(result.manifest.read_text())
    assert record["parameters"] == {"linkage": "exact"}
    assert small.manifest.read_bytes() != result.manifest.read_bytes()


def test_an_unknown_linkage_is_refused_before_anything_is_written(data, tmp_path):
    with pytest.raises(
        UsageError, match=r"^linkage must be one of exact, probabilistic; got 'fuzzy'"
    ):
        stats(data, tmp_path / "out", linkage="fuzzy")
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def synthetic_runs(tmp_path_factory) -> dict[str, object]:
    """A synthetic council of 20,000 households, reported with each linkage (and a trend)."""
    from workbench.synth import generate_council, write_council

    folder = tmp_path_factory.mktemp("synthetic")
    write_council(generate_council(20000, 20260901, TERM), folder / "data")
    return {
        linkage: stats(
            folder / "data", folder / linkage, DisclosureRules(), terms=[APRIL], linkage=linkage
        )
        for linkage in ("exact", "probabilistic")
    }


def test_probabilistic_linkage_finds_funded_places_exact_linkage_misses(synthetic_runs):
    from workbench.synth import load_rates

    design = load_rates()["funded_places"]["two_year_old_take_up"]["probability"]
    overall = {
        linkage: result.tables["take_up"].raw.row(0, named=True)
        for linkage, result in synthetic_runs.items()
    }
    exact, probabilistic = overall["exact"], overall["probabilistic"]
    assert exact["eligible"] > 100 and exact["funded"] > 0
    assert probabilistic["funded"] >= exact["funded"]
    assert abs(probabilistic["rate"] - design) < abs(exact["rate"] - design)
    # Each term of the trend is linked the same way as the term reported.
    trend = synthetic_runs["probabilistic"].tables["trend"].raw
    this_term = trend.filter(pl.col("term_start") == TERM).row(0, named=True)
    assert (this_term["eligible"], this_term["funded"]) == (
        probabilistic["eligible"],
        probabilistic["funded"],
    )
    april = {
        linkage: result.tables["trend"].raw.filter(pl.col("term_start") == APRIL)["funded"].item()
        for linkage, result in synthetic_runs.items()
    }
    assert april["probabilistic"] >= april["exact"]


# --- manifest and reproducibility --------------------------------------------------------------


def test_manifest_lists_published_and_withheld_tables_with_hashes(small, data):
    record = json.loads(small.manifest.read_text())
    assert set(record) == {
        "as_of",
        "caveats",
        "disclosure",
        "initiative",
        "inputs",
        "linked_tables",
        "measures",
        "package_version",
        "parameters",
        "published",
        "rule_set",
        "term_start",
        "trend_terms",
        "ward_lookup",
        "withheld",
    }
    assert record["measures"] == ["eligible", "funded", "rate"]
    assert record["trend_terms"] == []
    assert record["ward_lookup"] is None
    assert record["disclosure"] == {
        "threshold": 3,
        "round_to": None,
        "suppress_zeros": False,
        "symbol": "c",
        # Every mark a table may hold, explained (a tester met a `z` the manifest never named).
        "symbols": {
            "c": (
                "Hidden by disclosure control: a count below the threshold of 3 (1 to 2, or 0 "
                "to 2 in the tables that hide zeros: by criterion, by group and the equality "
                "tables; in every table a funded count of 0 is hidden where the eligible count "
                "of its row is, so there a hidden funded count may be 0), or a count hidden so "
                "that no such count can be worked out from the "
                "others (which of the two is not said), and any rate worked out from a hidden "
                "count."
            ),
            "z": (
                "Not applicable: a rate with nothing to divide it by (no eligible child in the "
                "row), so there is no rate; nothing is hidden."
            ),
            "blank": (
                "Not counted: funded children and the take-up rate (and what is worked out "
                "from them) for a term whose funded places were not read, the providers' "
                "headcount holding none for it (the caveats say so). A blank is not 0."
            ),
        },
        "protection_interval": 1,
    }
    assert record["inputs"] == {
        name: file_sha256(data / name)
        for name in sorted(
            [
                "people.csv",
                "benefits.csv",
                "child_statuses.csv",
                "dwp_list.csv",
                "funded_places.csv",
                "households.csv",
            ]
        )
    } | {  # the rule file, as assess and report record it (a tester found it missing)
        "rules:two_year_old.yaml": file_sha256(rules_folder() / "two_year_old.yaml")
    }
    assert [p["table"] for p in record["published"]] == [
        name for name in TABLES if name != "equality_by_first_language"
    ]
    for entry in record["published"]:
        assert entry["sha256"] == file_sha256(small.out / entry["file"])
        assert entry["shows"] == TABLES[entry["table"]]
    assert record["withheld"] == [
        {
            "table": "equality_by_first_language",
            "shows": TABLES["equality_by_first_language"],
            "reason": "Not available: the people table has no 'first_language' column.",
        }
    ]


def test_an_equality_table_where_every_child_is_in_one_group_is_withheld(tmp_path):
    # Every child of the council is White: Irish. However its cells were hidden, the table
    # would tell a reader the ethnicity of each eligible child; the reason does not name it.
    data = write_fixture(tmp_path / "data")
    people = pl.read_csv(data / "people.csv", infer_schema=False)
    people.with_columns(
        pl.when(pl.col("role") == "child").then(pl.lit("White: Irish")).alias("ethnicity")
    ).write_csv(data / "people.csv")
    result = stats(data, tmp_path / "out")
    assert result.withheld["equality_by_ethnicity"] == (
        "Not safe to publish: eligible: every eligible child whose ethnicity is recorded is in "
        "one group, so the table cannot be made safe: it would tell a reader the ethnicity of "
        "each."
    )
    assert not (result.out / "equality_by_ethnicity.csv").exists()
    assert "equality_by_sex" in result.published
    assert "Irish" not in result.manifest.read_text()


def test_the_shareable_manifest_gives_a_reason_that_tells_nothing_of_the_data(tmp_path):
    # A disclosure tester: "every eligible child whose ethnicity is recorded is in one group"
    # told a reader of the manifest that the other groups hold none. The specific reason is
    # for the council's officers: on the terminal and in the report, never in shareable/.
    data = write_fixture(tmp_path / "data")
    people = pl.read_csv(data / "people.csv", infer_schema=False)
    people.with_columns(
        pl.when(pl.col("role") == "child").then(pl.lit("White: Irish")).alias("ethnicity")
    ).write_csv(data / "people.csv")
    result = stats(data, tmp_path / "out")
    assert "is in one group" in result.withheld["equality_by_ethnicity"]
    assert result.tables["equality_by_ethnicity"].public_reason == WITHHELD_REASON
    record = json.loads(result.manifest.read_text())
    reasons = {entry["table"]: entry["reason"] for entry in record["withheld"]}
    assert reasons == {
        "equality_by_ethnicity": WITHHELD_REASON,
        # A table that does not apply says why: that tells nothing of any child.
        "equality_by_first_language": (
            "Not available: the people table has no 'first_language' column."
        ),
    }
    text = result.manifest.read_text()
    assert "one group" not in text
    assert "recorded" not in text
    assert WITHHELD_REASON.startswith("Withheld: publishing it could disclose a small group.")


def test_the_manifest_lists_no_audited_number_not_funded(small):
    # D9, unknown area, 1 child not funded: audited with the hidden counts, never listed.
    assert ("take_up_by_area", "unknown", "not_funded") in small.linked.intervals
    record = json.loads(small.manifest.read_text())["linked_tables"]
    assert record["hidden_cells"]
    assert "not_funded" not in json.dumps(record)


def test_the_manifest_does_not_say_which_cells_the_other_tables_hid(tmp_path):
    # A cell hidden because of the other tables passed its own table's suppression: naming it
    # said it was 10 or more, and with the row's total, that narrowed it (and the cells hidden
    # beside it) far below the interval. A disclosure tester's case: this council's
    # universal_credit_low_income funded count, 10 or 11 from the files published.
    from workbench.synth import generate_council, write_council

    write_council(generate_council(3000, 20260901), tmp_path / "data")
    result = write_stats(
        tmp_path / "data",
        initiative="two_year_old",
        term_start=TERM,
        as_of=TERM,
        out=tmp_path / "out",
    )
    assert result.linked is not None and result.linked.added  # some were hidden so
    record = json.loads(result.manifest.read_text())["linked_tables"]
    assert sorted(record) == ["hidden_cells", "protection_interval", "reason", "safe"]
    hidden = {(c["table"], c["row"], c["measure"]) for c in record["hidden_cells"]}
    assert set(result.linked.added) <= hidden  # among the hidden cells, not told apart


@pytest.mark.slow  # over 8 s: make test-slow (CI runs both)
def test_a_table_withheld_because_of_the_others_says_so_without_the_hidden_counts_range(
    tmp_path,
):
    # The audit's case: on this synthetic council, with the default rules, hidden counts of
    # several tables (one of them, Punjabi speakers, exactly) could be narrowed from the tables
    # published together. What is published about them (the reasons on the terminal and in
    # the report, and the manifest) names the count and the interval it needed, never how
    # far it could be narrowed.
    from workbench.synth import generate_council, write_council

    write_council(generate_council(2500, 2), tmp_path / "data")
    result = write_stats(
        tmp_path / "data",
        initiative="two_year_old",
        term_start=TERM,
        as_of=date(2026, 8, 1),
        out=tmp_path / "out",
        terms=[APRIL],
    )
    linked = [r for r in result.withheld.values() if "with the other tables" in r]
    assert linked
    for reason in linked:
        assert reason.startswith("Not safe to publish with the other tables. A hidden count (")
        assert reason.endswith(
            ") could be narrowed below the protection interval of 10 from the tables published "
            "together, and hiding more cells does not prevent it."
        )
    manifest = result.manifest.read_text()
    # The manifest is shareable: it names no count (a tester read "(funnel, on_dwp_list,
    # count)" there), only the rule applied in general terms.
    assert "A hidden count (" not in manifest
    withheld = json.loads(manifest)["withheld"]
    linked_names = {n for n, r in result.withheld.items() if "with the other tables" in r}
    assert {e["reason"] for e in withheld if e["table"] in linked_names} == {WITHHELD_REASON}
    assert "between" not in manifest


def test_the_manifest_records_no_interval_width_for_a_set_that_could_not_be_protected():
    # 11 children in two wards of 9 and 2: each hidden count is 1 to 10, narrower than the
    # threshold, and only hiding the headline would widen it. A width would say how closely.
    from workbench.stats.report_publish import _linked_record, protect_stats_table
    from workbench.stats.table_links import protect_set

    raws = {
        "take_up": pl.DataFrame({"group": ["all"], "eligible": [11]}),
        "take_up_by_ward": pl.DataFrame({"ward": ["A", "B"], "eligible": [9, 2]}),
    }
    rules = DisclosureRules()
    linked = protect_set(
        raws,
        lambda name, raw, also_hide: protect_stats_table(name, raw, rules, also_hide),
        rules=rules,
        uses_dwp_list=False,
    )
    assert not linked.safe
    record = _linked_record(linked)
    assert record is not None
    assert record["hidden_cells"] == []
    assert "between" not in json.dumps(record)
    # Nor which count could be pinned down: that is the officers' (terminal and report).
    assert linked.reason is not None and "take_up_by_ward" in linked.reason
    assert record["reason"] == LINKED_WITHHELD_REASON
    assert "take_up_by_ward" not in json.dumps(record)


def test_the_same_inputs_give_byte_identical_files(small, data, tmp_path):
    again = stats(data, tmp_path / "again")
    first = {p.name: p.read_bytes() for p in sorted(small.out.glob("*.csv"))}
    second = {p.name: p.read_bytes() for p in sorted(again.out.glob("*.csv"))}
    assert first == second
    assert small.manifest.read_bytes() == again.manifest.read_bytes()


def test_equality_fields_change_only_the_equality_tables(small, tmp_path):
    swapped = {f"C{i}": "M" if i in FQ1_CHILDREN else "F" for i in CHILDREN}
    result = stats(write_fixture(tmp_path / "data", sex=swapped), tmp_path / "out")
    for name in ("take_up", "take_up_by_area", "take_up_by_criterion", "funnel"):
        assert (result.out / f"{name}.csv").read_bytes() == (small.out / f"{name}.csv").read_bytes()
    sex = pl.read_csv(result.out / "equality_by_sex.csv", infer_schema=False)
    assert sex.filter(pl.col("measure") == "funded").select("sex", "value").rows()[:2] == [
        ("F", "4"),
        ("M", "c"),  # 3, covering the unknown group's hidden 0
    ]


def test_rounding_applies_to_published_counts(data, tmp_path):
    result = stats(data, tmp_path / "out", rules=DisclosureRules(threshold=3, round_to=5))
    # 7 of 14 are published as 5 of 15, and the rate is theirs: 50.0% would give 7 of 14 away.
    assert headline(result) == {"eligible": "15", "funded": "5", "rate": "33.3"}
    for table in result.tables.values():
        if table.protected is None or "rate" not in table.protected.table["measure"]:
            continue
        for eligible, funded, rate in zip(
            *(table.protected.wide(m).to_series(1) for m in ("eligible", "funded", "rate")),
            strict=True,
        ):
            if rate not in ("c", "z"):
                exact = int(funded) / int(eligible) * 100
                assert abs(float(rate) - exact) <= 0.05, table.name
    drawn, _ = write_charts(result, tmp_path / "charts")
    # FQ2's 4 of 7 published as 5 of 5 (FQ1 is hidden, so not drawn)
    assert drawn["take_up_by_area"].title == "Take-up is lowest in FQ2 (100%) of the areas shown"


# --- reading and charts --------------------------------------------------------------------------


def test_headline_and_display_frame_read_the_published_figures(small):
    assert headline(small) == {"eligible": "14", "funded": "7", "rate": "50.0"}
    text = headline_markdown(small)
    assert text.startswith(
        "- **14** children look eligible (likely tier) for the term starting 1 September 2026.\n"
        "- **7** of them have a funded place this term: take-up **50.0%**.\n"
        "- England: **71.6%** (DfE, January 2026). 85,629 of 119,598 eligible two-year-olds "
        "(January 2026). Comparable with 2025, not with the years before it"
    )
    assert "*How far the two compare:* DfE's denominator comes from DWP data" in text
    by_area = display_frame(small.tables["take_up_by_area"])
    assert by_area is not None
    assert by_area.rows() == [
        ("FQ1", "c", "c", "c"),
        ("FQ2", "7", "4", "57.1"),
        ("unknown", "c", "c", "c"),
        ("Total", "14", "7", "50.0"),
    ]
    assert by_area.columns == [
        "area",
        "eligible",
        "funded",
        "take-up %",
    ]
    assert display_frame(small.tables["equality_by_first_language"]) is None


def test_charts_show_only_what_the_tables_publish_in_full(small, tmp_path):
    drawn, skipped = write_charts(small, tmp_path)
    assert sorted(drawn) == ["take_up_by_area"]
    # FQ1 and unknown are hidden: FQ2 is the lowest of the areas shown, not of all.
    assert drawn["take_up_by_area"].title == "Take-up is lowest in FQ2 (57%) of the areas shown"
    assert skipped == {
        "funnel": "Some stages of the funnel have too few children to show.",
        "equality_by_sex": "Too few groups are large enough to compare.",
        "equality_by_ethnicity": "Too few groups are large enough to compare.",
        "equality_by_first_language": (
            "Not available: the people table has no 'first_language' column."
        ),
    }
    svg = (tmp_path / "take_up_by_area.svg").read_text()
    assert svg.startswith("<svg")
    assert "FQ1" not in svg  # hidden in the table, so not drawn
    # The dashed line is the published Total's 7 of 14, not the areas drawn (FQ2's 57%).
    # FQ1 and unknown are hidden, whether for few children or to protect another count: the
    # chart says neither ("few children" was untrue of a cell hidden to protect another).
    description = (
        "Take-up is lowest in FQ2 (57%) of the areas shown. Dashed line: all areas together "
        "(50%). 2 areas not shown: their counts are hidden to protect small numbers."
    )
    assert drawn["take_up_by_area"].description == description
    assert f'aria-label="{description}"' in svg
    assert "few children" not in svg
    figure = drawn["take_up_by_area"]._repr_html_()
    assert figure.startswith(f'<figure role="img" aria-label="{description}"')
    assert "<svg" in figure


def test_the_funnel_is_drawn_when_no_stage_is_hidden(data, tmp_path):
    result = stats(data, tmp_path / "out", rules=DisclosureRules(threshold=1))
    drawn, skipped = write_charts(result)
    assert drawn["funnel"].title == (
        "2 of 4 children on the DWP list are funded; the biggest drop is at "
        "'Linked to our records' (1 fewer)"
    )
    assert drawn["funnel"].path == result.out / "funnel.svg"
    assert "funnel" not in skipped


def test_a_chart_not_drawn_removes_an_earlier_one(small, tmp_path):
    (tmp_path / "funnel.svg").write_text("<svg>old</svg>")
    write_charts(small, tmp_path)
    assert not (tmp_path / "funnel.svg").exists()


# --- bad input -----------------------------------------------------------------------------------


def test_out_must_be_a_folder(data, tmp_path):
    target = tmp_path / "file.csv"
    target.write_text("x\n")
    with pytest.raises(UsageError, match=r"^out must be a folder for the tables") as raised:
        stats(data, target)
    assert raised.value.for_flag().startswith("--out must be a folder")


def test_dates_must_be_dates_or_iso_text(data, tmp_path):
    with pytest.raises(UsageError, match=r"^term_start must be an ISO date like 2026-09-01"):
        write_stats(
            data, initiative="two_year_old", term_start="1 Sept 2026", as_of=TERM, out=tmp_path
        )
    with pytest.raises(UsageError, match=r"^as_of must be an ISO date like 2026-09-01"):
        write_stats(
            data,
            initiative="two_year_old",
            term_start=TERM,
            as_of=None,  # type: ignore[arg-type]  # deliberately wrong: the check is what is tested
            out=tmp_path,
        )
    assert list(tmp_path.iterdir()) == []


# --- the take-up report with wards and a trend -------------------------------------------------


@pytest.mark.slow
def test_take_up_report_shows_wards_and_the_trend_when_asked(tmp_path):
    from workbench.runs.html import remote_resources
    from workbench.runs.report import run_report
    from workbench.synth import generate_council, write_council

    council = tmp_path / "council"
    write_council(generate_council(20000, 20260901, TERM), council)
    lookup = Path(__file__).parents[2] / "data_samples" / "ward_lookup.csv"
    run = run_report(
        "04_take_up_report",
        data=council,
        parameters={"trend_terms": "2026-01-01,2026-04-01", "ward_lookup": str(lookup)},
        reports=tmp_path / "reports",
    )
    assert run.ok
    shareable = run.run_dir / "shareable"
    names = {p.name for p in shareable.iterdir()}
    assert {"take_up_by_ward.csv", "take_up_by_ward.svg", "trend.csv", "trend.svg"} <= names
    assert "national_comparison.csv" in names
    record = json.loads((shareable / MANIFEST_NAME).read_text())
    assert [e["term_start"] for e in record["trend_terms"]] == [
        "2026-01-01",
        "2026-04-01",
        "2026-09-01",
    ]
    assert record["ward_lookup"]["people_postcodes"]["unmatched"] == 0
    trend = pl.read_csv(shareable / "trend.csv", infer_schema=False)
    assert trend.get_column("term_start").unique(maintain_order=True).to_list() == [
        "2026-01-01",
        "2026-04-01",
        "2026-09-01",
    ]
    assert run.html is not None
    html = run.html.read_text()
    assert "Take-up across terms" in html and "By ward" in html
    # 79 of 163 in September: a DWP-list child Splink linked to a council child outside the
    # age window (another date of birth) is listed on its own until an officer confirms it.
    trend_label = re.search(r'aria-label="(Take-up fell[^"]*)"', html)
    assert trend_label is not None
    assert trend_label.group(1) == (
        "Take-up fell from 56% to 48% (1 Jan 2026 to 1 Sep 2026). Each term on the evidence "
        "held on its first day (1 Jan 2026, 1 Apr 2026, 1 Sep 2026). England, January 2026: "
        "72%, not comparable with earlier years."
    )
    assert "England (DfE)" in html
    assert remote_resources(html) == []


@pytest.mark.slow
def test_a_term_the_headcount_does_not_hold_is_a_published_caveat(data, tmp_path):
    # The fixture's places are all for September: in April no child can be counted as funded.
    result = write_stats(
        data, initiative="two_year_old", term_start=APRIL, as_of=APRIL, out=tmp_path, rules=SMALL
    )
    found = (
        "No place in funded_places is for the term starting 2026-04-01: its places are for the "
        "terms starting 2026-09-01. Is the term's start written another way in the providers' "
        "headcount (then give that date as the term start), or has its headcount not come in "
        "yet?"
    )
    sentence = (
        f"{found} Until the term's places are read, funded children and the take-up rate are "
        "left blank (not 0) in every table for the term."
    )
    assert result.caveats == (sentence,)
    assert f"- {sentence}" in headline_markdown(result).splitlines()
    assert json.loads(result.manifest.read_text())["caveats"] == [sentence]
    september = stats(data, tmp_path / "september")
    assert september.caveats == ()


def test_a_rate_with_no_headcount_is_blank_with_the_reason_in_the_tables_notes(data, tmp_path):
    # April: 14 children look eligible, and the headcount holds no place for the term. A rate
    # of 0.0 would say none of them is funded; not known is published blank.
    april = write_stats(
        data, initiative="two_year_old", term_start=APRIL, as_of=APRIL, out=tmp_path, rules=SMALL
    )
    assert (april.out / "take_up.csv").read_text() == (
        "group,measure,value,suppressed\n"
        "all,eligible,14,false\n"
        "Total,eligible,14,false\n"
        "all,funded,,false\n"
        "Total,funded,,false\n"
        "all,rate,,false\n"
        "Total,rate,,false\n"
    )
    area = pl.read_csv(april.out / "take_up_by_area.csv", infer_schema=False)
    assert area.filter(pl.col("measure") == "rate").select("area", "value").rows() == [
        ("FQ1", None),
        ("FQ2", None),
        ("unknown", None),
        ("Total", None),
    ]
    assert april.tables["take_up"].raw.rows() == [("all", 14, None, None)]
    assert headline(april) == {"eligible": "14", "funded": None, "rate": None}
    assert headline_markdown(april).splitlines()[1] == (
        "- How many of them have a funded place is not known yet: see below."
    )
    notes = {e["table"]: e["notes"] for e in json.loads(april.manifest.read_text())["published"]}
    because = (
        "No place in funded_places is for the term starting 2026-04-01: its places are for the "
        "terms starting 2026-09-01. Is the term's start written another way in the providers' "
        "headcount (then give that date as the term start), or has its headcount not come in "
        "yet?"
    )
    blank = (
        f"{because} So funded and the rate are left blank: a blank is not a zero (a rate of 0.0 "
        "would read as no child funded)."
    )
    for name in ("take_up", "take_up_by_area", "take_up_by_criterion", "take_up_by_age_band"):
        assert notes[name][-1] == blank, name
    assert notes["equality_by_sex"][-1] == blank
    assert notes["funnel"][-1] == (
        f"{because} So the funded stage is left out until the term's places are read (a 0 "
        "would read as no child funded)."
    )
    # The funnel had a funded stage of 0, the only 0 beside the blanks of every other table.
    funnel = pl.read_csv(april.out / "funnel.csv", infer_schema=False)
    assert funnel["furthest_stage"].to_list() == ["on_dwp_list", "linked", "Total"]
    drawn, skipped = write_charts(april, tmp_path / "charts")
    assert "take_up_by_area" not in drawn
    assert skipped["take_up_by_area"] == (
        "No funded place was read for the term (see the caveats): funded and the rate are "
        "blank, so there is no rate to draw."
    )


def test_a_data_folder_without_a_headcount_publishes_no_rate(data, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for path in data.iterdir():
        if path.name != "funded_places.csv":
            (folder / path.name).write_bytes(path.read_bytes())
    result = stats(folder, tmp_path / "out")
    assert result.caveats == (
        "The data folder has no funded_places file (the providers' headcount), so no child can "
        "be counted as funded for the term starting 2026-09-01. Until the term's places are "
        "read, funded children and the take-up rate are left blank (not 0) in every table for "
        "the term.",
    )
    rates = pl.read_csv(result.out / "take_up.csv", infer_schema=False)
    assert rates.select("group", "measure", "value").rows() == [
        ("all", "eligible", "14"),
        ("Total", "eligible", "14"),
        ("all", "funded", None),
        ("Total", "funded", None),
        ("all", "rate", None),
        ("Total", "rate", None),
    ]


def test_a_criterion_with_no_child_funded_hides_its_zero():
    # Two testers' case: `left_care, eligible c, funded 0` told each care leaver's family
    # that their child has no place. The tables by criterion and by group hide zeros, as the
    # equality tables do; the others hide a funded 0 beside a hidden eligible count (a
    # district of one household), and keep a 0 beside a shown one unless asked
    # (--hide-zeros).
    raw = pl.DataFrame(
        {"criterion": ["left_care", "universal_credit_low_income"], "eligible": [3, 40]}
    ).with_columns(funded=pl.Series([0, 25]))
    table = protect_stats_table("take_up_by_criterion", raw, DisclosureRules())
    assert table.wide("funded").rows() == [
        ("left_care", "c"),
        ("universal_credit_low_income", "25"),
    ]
    assert table.zeros_hidden
    assert "counts from 0 to 9" in table.notes[0]
    by_area = protect_stats_table(
        "take_up_by_area", raw.rename({"criterion": "area"}), DisclosureRules()
    )
    # The 0 hidden, and the 25 with it: hidden zeros alone would add up to the Total's 0.
    assert by_area.wide("funded").rows() == [
        ("left_care", "c"),
        ("universal_credit_low_income", "c"),
        ("Total", "25"),
    ]
    assert not by_area.zeros_hidden
    twelve = raw.rename({"criterion": "area"}).with_columns(eligible=pl.Series([12, 40]))
    shown = protect_stats_table("take_up_by_area", twelve, DisclosureRules())
    assert shown.wide("eligible").rows()[0] == ("left_care", "12")
    assert shown.wide("funded").rows()[0] == ("left_care", "0")
    assert {"take_up_by_criterion", "take_up_by_group"} == ZEROS_HIDDEN


@pytest.mark.slow
def test_rows_with_no_child_pass_disclosure_control_as_any_count(data, wards, tmp_path):
    # Every row is listed whether or not a child is in it; its 0 is shown (the default) or
    # hidden as a small count (--hide-zeros), never left out. Dunmere, the rest of FQ1,
    # holds no child. (No age band is empty: a child turning 3 on the first day of term is
    # counted in 30-36, with FQ2's children.)
    def eligible(result, name: str) -> dict[str, str]:
        frame = pl.read_csv(result.out / f"{name}.csv", infer_schema=False)
        rows = frame.filter(pl.col("measure") == "eligible").select(frame.columns[0], "value")
        return dict(rows.iter_rows())

    shown = stats(data, tmp_path / "shown", ward_lookup=wards)
    assert list(eligible(shown, "take_up_by_age_band")) == ["24-29", "30-36", "unknown", "Total"]
    assert eligible(shown, "take_up_by_ward")["Dunmere"] == "0"
    hidden = stats(
        data,
        tmp_path / "hidden",
        rules=dataclasses.replace(SMALL, suppress_zeros=True),
        ward_lookup=wards,
    )
    assert eligible(hidden, "take_up_by_ward")["Dunmere"] == "c"
    assert hidden.tables["take_up_by_age_band"].protected.zeros_hidden
