"""`write_stats`: take-up, funnel and equality tables written only when safe, with a manifest.

The council below is small enough to work out by hand. Term starting 1 September 2026; every
child's parent gets Income Support, so every child in the age window is *likely*.

- FQ1 (postcode FQ1 1AA): children C1-C4, born 15 March 2024 (29 months on the first day of
  term), girls, White: Irish. C1, C2 and C3 have a funded place; C1, C2 and C4 are on the DWP
  list, matched through their parent's NINO.
- FQ2 (FQ2 2BB): children C5-C7, born 10 November 2023 (33 months), boys, White: Irish; none
  funded, none on the DWP list.
- DWP row D9: a child matched to no one (area, age band and sex unknown).

So: 8 eligible, 3 funded (37.5%); by area FQ1 4/3, FQ2 3/0, unknown 1/0; the funnel has 4 on
the list, 3 linked, 2 funded. The people file has no ``first_language`` column.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.council import Council
from workbench.errors import UsageError
from workbench.run import file_sha256
from workbench.stats import DisclosureRules
from workbench.stats.report import (
    MANIFEST_NAME,
    TABLES,
    display_frame,
    headline,
    headline_markdown,
    write_charts,
    write_stats,
)

TERM = date(2026, 9, 1)
SMALL = DisclosureRules(threshold=3)
FQ1_BORN, FQ2_BORN = date(2024, 3, 15), date(2023, 11, 10)


def write_fixture(folder: Path, *, sex: dict[str, str] | None = None) -> Path:
    council = Council()
    for i in range(1, 8):
        postcode = "FQ1 1AA" if i <= 4 else "FQ2 2BB"
        born = FQ1_BORN if i <= 4 else FQ2_BORN
        nino = f"AA00000{i}A"
        council.person(f"A{i}", f"H{i}", date(1990, 1, 1), "parent_carer", nino, postcode=postcode)
        council.person(f"C{i}", f"H{i}", born, "child", forename=f"Kid{i}", postcode=postcode)
        council.award(f"B{i}", f"A{i}", "income_support")
        if i in (1, 2, 4):
            council.dwp(f"D{i}", f"Kid{i}", born, nino)
        if i in (1, 2, 3):
            council.funded(f"F{i}", f"Kid{i}", born, TERM, "two_year_old")
    council.dwp("D9", "Zed", FQ1_BORN, None)
    tables = {name: frame.collect() for name, frame in council.tables().items()}
    sexes = sex or {f"C{i}": "F" if i <= 4 else "M" for i in range(1, 8)}
    tables["people"] = tables["people"].with_columns(
        pl.col("person_id").replace_strict(sexes, default=None).alias("sex"),
        pl.when(pl.col("role") == "child").then(pl.lit("White: Irish")).alias("ethnicity"),
    )
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.write_csv(folder / f"{name}.csv")
    return folder


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_fixture(tmp_path_factory.mktemp("council") / "data")


def stats(data: Path, out: Path, rules: DisclosureRules = SMALL, initiative="two_year_old"):
    return write_stats(
        data, initiative=initiative, term_start=TERM, as_of=TERM, out=out, rules=rules
    )


@pytest.fixture(scope="module")
def small(data, tmp_path_factory):
    """Threshold 3: most tables can be published."""
    return stats(data, tmp_path_factory.mktemp("out"))


# --- what is published -----------------------------------------------------------------------


def test_take_up_overall_and_by_area_are_written_exactly(small):
    assert (small.out / "take_up.csv").read_text() == (
        "group,measure,value,suppressed,suppression\n"
        "all,eligible,8,false,\n"
        "Total,eligible,8,false,\n"
        "all,funded,3,false,\n"
        "Total,funded,3,false,\n"
        "all,rate,37.5,false,\n"
        "Total,rate,37.5,false,\n"
    )
    # unknown's 1 is hidden, and FQ2's 3 with it, or 8 - 4 - 3 would give it away.
    assert (small.out / "take_up_by_area.csv").read_text() == (
        "area,measure,value,suppressed,suppression\n"
        "FQ1,eligible,4,false,\n"
        "FQ2,eligible,c,true,secondary\n"
        "unknown,eligible,c,true,primary\n"
        "Total,eligible,8,false,\n"
        "FQ1,funded,3,false,\n"
        "FQ2,funded,0,false,\n"
        "unknown,funded,0,false,\n"
        "Total,funded,3,false,\n"
        "FQ1,rate,75.0,false,\n"
        "FQ2,rate,c,true,secondary\n"
        "unknown,rate,c,true,primary\n"
        "Total,rate,37.5,false,\n"
    )


def test_criterion_age_band_and_sex_tables(small):
    criterion = pl.read_csv(small.out / "take_up_by_criterion.csv", infer_schema=False)
    assert criterion.filter(pl.col("measure") != "rate").select("criterion", "value").rows() == [
        ("dwp_list", "4"),
        ("income_support", "7"),
        ("Total", "11"),
        ("dwp_list", "c"),  # 2 funded
        ("income_support", "c"),  # 3, hidden as the total would give the 2 away
        ("Total", "5"),
    ]
    age = pl.read_csv(small.out / "take_up_by_age_band.csv", infer_schema=False)
    assert age.filter(pl.col("measure") == "eligible").select("age_band", "value").rows() == [
        ("24-29", "4"),
        ("30-35", "c"),
        ("unknown", "c"),
        ("Total", "8"),
    ]
    sex = pl.read_csv(small.out / "equality_by_sex.csv", infer_schema=False)
    assert sex.filter(pl.col("measure") == "funded").select("sex", "value").rows() == [
        ("F", "3"),
        ("M", "0"),
        ("unknown", "0"),
        ("Total", "3"),
    ]


def test_funnel_is_published_as_the_furthest_stage_each_child_reached(small):
    # D9 stopped on the list, C4 was linked but is not funded, C1 and C2 are funded.
    assert (small.out / "funnel.csv").read_text() == (
        "furthest_stage,measure,value,suppressed,suppression\n"
        "on_dwp_list,count,c,true,primary\n"
        "linked,count,c,true,primary\n"
        "funded,count,c,true,primary\n"
        "Total,count,4,false,\n"
    )


def test_raw_tables_stay_in_memory_only(small):
    area = small.tables["take_up_by_area"].raw
    assert area.rows() == [("FQ1", 4, 3, 0.75), ("FQ2", 3, 0, 0.0), ("unknown", 1, 0, 0.0)]
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


# --- what is withheld ----------------------------------------------------------------------------


def test_with_the_default_threshold_nothing_is_safe_and_nothing_is_written(data, tmp_path):
    out = tmp_path / "stats"
    out.mkdir()
    (out / "take_up_by_area.csv").write_text("left over from an earlier run\n")
    result = stats(data, out, rules=DisclosureRules())
    assert result.published == {}
    assert result.withheld["take_up"] == (
        "Not safe to publish: eligible: the grand total is below the threshold of 10, so the "
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


def test_initiatives_without_the_dwp_list_or_funded_places_say_so(data, tmp_path):
    result = stats(data, tmp_path / "fsm", initiative="free_school_meals")
    assert result.withheld["funnel"] == (
        "Not applicable: the free_school_meals rules do not use the DWP list."
    )
    assert result.caveats == (
        "Funded places are not measured for free_school_meals: its rules read no funded "
        "places, so every funded count is 0 and the take-up rates say nothing.",
    )
    record = json.loads(result.manifest.read_text())
    assert record["caveats"] == list(result.caveats)
    assert "No national figure is compared" in headline_markdown(result)


# --- manifest and reproducibility --------------------------------------------------------------


def test_manifest_lists_published_and_withheld_tables_with_hashes(small, data):
    record = json.loads(small.manifest.read_text())
    assert set(record) == {
        "as_of",
        "caveats",
        "disclosure",
        "initiative",
        "inputs",
        "package_version",
        "published",
        "rule_set",
        "term_start",
        "withheld",
    }
    assert record["disclosure"] == {
        "threshold": 3,
        "round_to": None,
        "suppress_zeros": False,
        "symbol": "c",
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
            ]
        )
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


def test_the_same_inputs_give_byte_identical_files(small, data, tmp_path):
    again = stats(data, tmp_path / "again")
    first = {p.name: p.read_bytes() for p in sorted(small.out.glob("*.csv"))}
    second = {p.name: p.read_bytes() for p in sorted(again.out.glob("*.csv"))}
    assert first == second
    assert small.manifest.read_bytes() == again.manifest.read_bytes()


def test_equality_fields_change_only_the_equality_tables(small, tmp_path):
    swapped = {f"C{i}": "M" if i <= 4 else "F" for i in range(1, 8)}
    result = stats(write_fixture(tmp_path / "data", sex=swapped), tmp_path / "out")
    for name in ("take_up", "take_up_by_area", "take_up_by_criterion", "funnel"):
        assert (result.out / f"{name}.csv").read_bytes() == (small.out / f"{name}.csv").read_bytes()
    sex = pl.read_csv(result.out / "equality_by_sex.csv", infer_schema=False)
    assert sex.filter(pl.col("measure") == "funded").select("sex", "value").rows()[:2] == [
        ("F", "0"),
        ("M", "3"),
    ]


def test_rounding_applies_to_published_counts(data, tmp_path):
    result = stats(data, tmp_path / "out", rules=DisclosureRules(threshold=3, round_to=5))
    assert headline(result) == {"eligible": "10", "funded": "5", "rate": "37.5"}


# --- reading and charts --------------------------------------------------------------------------


def test_headline_and_display_frame_read_the_published_figures(small):
    assert headline(small) == {"eligible": "8", "funded": "3", "rate": "37.5"}
    text = headline_markdown(small)
    assert text.startswith(
        "- **8** children look eligible (likely tier) for the term starting 1 September 2026.\n"
        "- **3** of them have a funded place this term: take-up **37.5%**.\n"
        "- England: **65%** (DfE, January 2025). Not comparable with earlier years"
    )
    assert "*How far the two compare:* DfE's denominator comes from DWP data" in text
    assert display_frame(small.tables["take_up_by_area"]).rows() == [
        ("FQ1", "4", "3", "75.0"),
        ("FQ2", "c", "0", "c"),
        ("unknown", "c", "0", "c"),
        ("Total", "8", "3", "37.5"),
    ]
    assert display_frame(small.tables["take_up_by_area"]).columns == [
        "area",
        "eligible",
        "funded",
        "take-up %",
    ]
    assert display_frame(small.tables["equality_by_first_language"]) is None


def test_charts_show_only_what_the_tables_publish_in_full(small, tmp_path):
    drawn, skipped = write_charts(small, tmp_path)
    assert sorted(drawn) == ["take_up_by_area"]
    assert drawn["take_up_by_area"].title == "Take-up is lowest in FQ1 (75%)"
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
    assert "FQ2" not in svg  # hidden in the table, so not drawn
    figure = drawn["take_up_by_area"]._repr_html_()
    assert figure.startswith('<figure role="img" aria-label="Take-up is lowest in FQ1 (75%)"')
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
    with pytest.raises(UsageError, match="--out must be a folder for the tables"):
        stats(data, target)


def test_dates_must_be_dates(data, tmp_path):
    with pytest.raises(UsageError, match="term_start and as_of must be dates"):
        write_stats(
            data, initiative="two_year_old", term_start="2026-09-01", as_of=TERM, out=tmp_path
        )
