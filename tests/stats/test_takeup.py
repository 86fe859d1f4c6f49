"""Take-up, the outreach funnel, the trend and the national figures, on hand-made lists."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from workbench.errors import DataFileError, UsageError
from workbench.rules import load_rule_set
from workbench.stats.disclosure import DisclosureRules, wilson_interval
from workbench.stats.equality import equality_table, protect_equality
from workbench.stats.takeup import (
    FUNNEL_STAGES,
    age_band_labels,
    area_ward_pairs,
    funnel,
    hide_suppressed,
    national_caveats,
    national_comparison,
    national_take_up,
    protect,
    take_up,
    trend,
)
from workbench.stats.wards import load_ward_lookup

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

TERM = date(2026, 9, 1)
CANDIDATE_SCHEMA: dict[str, PolarsDataType] = {
    "person_id": pl.String,
    "dwp_record_id": pl.String,
    "tier": pl.String,
    "reason_codes": pl.List(pl.String),
    "already_funded": pl.Boolean,
}


def candidate_list(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=CANDIDATE_SCHEMA, orient="row")


@pytest.fixture
def candidates() -> pl.DataFrame:
    return candidate_list(
        [
            ("C1", None, "likely", ["income_support"], True),
            ("C2", "D2", "likely", ["ehc_plan", "income_support"], False),
            ("C3", None, "likely", ["universal_credit_low_income"], False),
            ("C4", "D4", "likely", ["looked_after"], True),
            ("C5", None, "possible", [], True),  # possible tier: not counted as eligible
            (None, "D9", "likely", ["dwp_list"], False),  # DWP row matched to no one
        ]
    )


@pytest.fixture
def people() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "person_id": ["C1", "C2", "C3", "C4", "C5"],
            "postcode": ["FQ1 1AA", "fq1 2bb", "FQ31AA", None, "FQ2 1AA"],
            "date_of_birth": [
                date(2024, 8, 31),  # 24 months on 1 Sep 2026 (25 less a day)
                date(2024, 9, 1),  # exactly 24 months
                date(2024, 3, 2),  # 29 months: one day short of 30
                date(2024, 3, 1),  # exactly 30 months
                date(2024, 6, 1),
            ],
        }
    )


def test_overall_take_up_counts_the_likely_tier_only(candidates: pl.DataFrame) -> None:
    assert take_up(candidates).rows() == [("all", 5, 2, 0.4)]


def test_take_up_by_area_uses_the_postcode_district_and_unknown_last(
    candidates: pl.DataFrame, people: pl.DataFrame
) -> None:
    table = take_up(candidates, people, by="area")
    assert table.columns == ["area", "eligible", "funded", "rate"]
    assert table.rows() == [
        ("FQ1", 2, 1, 0.5),
        ("FQ3", 1, 0, 0.0),
        ("unknown", 2, 1, 0.5),  # C4 has no postcode; D9 is on no one's record
    ]


def test_only_a_postcode_shaped_like_a_uk_one_gives_an_area(candidates: pl.DataFrame) -> None:
    # Free text typed into the postcode field must never become a published row label: the
    # audit's case would have published area "C/ONADIAHUSSAIN12ELMROADFQ2".
    people = pl.DataFrame(
        {
            "person_id": ["C1", "C2", "C3", "C4"],
            "postcode": [
                "C/O Nadia Hussain 12 Elm Road FQ2 1UJ",  # an address: unknown
                " fq2  1uj ",  # cleaned as the data contract cleans it: FQ2
                "FQ1 2",  # a sector alone is not a postcode: unknown
                "FQ1",  # nor is a district alone
            ],
        }
    )
    table = take_up(candidates, people, by="area")
    assert table.rows() == [("FQ2", 1, 0, 0.0), ("unknown", 4, 2, 0.5)]


def test_a_free_text_postcode_is_in_the_unknown_area_and_ward_together(
    candidates: pl.DataFrame, wards: pl.DataFrame
) -> None:
    people = pl.DataFrame(
        {"person_id": ["C1", "C2"], "postcode": ["Flat 2, 1 High St FQ1 1AA", "FQ1 1AA"]}
    )
    assert take_up(candidates, people, by="ward", wards=wards).select(
        "ward", "eligible"
    ).rows() == [
        ("Ashcombe", 1),
        ("Brackenhurst", 0),  # every ward of the lookup is listed
        ("Dunmere", 0),
        ("unknown", 4),
    ]
    # The (district, ward) pairs the audit across tables is told of agree with both tables.
    assert area_ward_pairs(candidates, people, wards) == {
        ("FQ1", "Ashcombe"),
        ("unknown", "unknown"),
    }


def test_take_up_by_criterion_counts_a_child_under_each_criterion_met(
    candidates: pl.DataFrame,
) -> None:
    assert take_up(candidates, by="criterion").rows() == [
        ("dwp_list", 1, 0, 0.0),
        ("ehc_plan", 1, 0, 0.0),
        ("income_support", 2, 1, 0.5),
        ("looked_after", 1, 1, 1.0),
        ("universal_credit_low_income", 1, 0, 0.0),
    ]


def test_take_up_by_age_band_uses_whole_months_on_the_first_day_of_term(
    candidates: pl.DataFrame, people: pl.DataFrame
) -> None:
    table = take_up(candidates, people, by="age_band", term_start=TERM)
    assert table.rows() == [("24-29", 3, 1, 1 / 3), ("30-35", 1, 1, 1.0), ("unknown", 1, 0, 0.0)]


def test_age_bands_are_sorted_by_age_not_as_text(candidates: pl.DataFrame) -> None:
    born = pl.DataFrame(
        {"person_id": ["C1", "C2"], "date_of_birth": [date(2026, 3, 1), date(2025, 9, 1)]}
    )
    table = take_up(candidates, born, by="age_band", term_start=TERM, band_months=4)
    assert table.get_column("age_band").to_list() == ["4-7", "12-15", "unknown"]


# Each offer's age bands: a band at either end of the age window holding fewer than half a
# band's dates of birth (91 or fewer for six months) is merged into the band beside it.
FSM_MIDDLE = [f"{m}-{m + 5}" for m in range(60, 210, 6)]  # 60-65 ... 204-209: whole bands
EARLY_YEARS_BANDS = ["9-17", "18-23", "24-29", "30-35", "36-41", "42-47", "48-53", "54-60"]


@pytest.mark.parametrize(
    ("offer", "term", "bands"),
    [
        # The window lets a child in at 36 months only when their third birthday is the first
        # day of term: one date of birth (2023-09-01 for September), counted in 30-36.
        ("two_year_old", date(2026, 1, 1), ["24-29", "30-36"]),
        ("two_year_old", date(2026, 4, 1), ["24-29", "30-36"]),
        ("two_year_old", date(2026, 9, 1), ["24-29", "30-36"]),
        # A spring term starting on the 4th lets in four birthdays at 36 months.
        ("two_year_old", date(2027, 1, 4), ["24-29", "30-36"]),
        # Free school meals: reception to year 13. In September the oldest band would hold
        # one date of birth (2008-09-01, 216 months); in January the youngest (52-53 months,
        # born July and August 2021) is too few, in April the oldest (222-223 months).
        ("free_school_meals", date(2026, 9, 1), ["48-53", "54-59", *FSM_MIDDLE, "210-216"]),
        ("free_school_meals", date(2026, 1, 1), ["52-59", *FSM_MIDDLE, "210-215", "216-220"]),
        ("free_school_meals", date(2026, 4, 1), ["55-59", *FSM_MIDDLE, "210-215", "216-223"]),
        # The early years pupil premium and the disability access fund, from nine months old
        # to five: the youngest band holds about 90 dates of birth (9 to 11 months), the
        # oldest one (a fifth birthday on the first day of term); each is merged.
        ("early_years_pupil_premium", date(2026, 9, 1), EARLY_YEARS_BANDS),
        ("early_years_pupil_premium", date(2026, 1, 1), EARLY_YEARS_BANDS),
        ("disability_access_fund", date(2026, 9, 1), EARLY_YEARS_BANDS),
        ("disability_access_fund", date(2026, 4, 1), EARLY_YEARS_BANDS),
    ],
)
def test_no_age_band_holds_a_sliver_of_birthdays(offer: str, term: date, bands: list[str]) -> None:
    assert age_band_labels(load_rule_set(offer), term) == bands


def test_a_child_turning_three_on_the_first_day_of_term_is_counted_in_the_band_beside(
    candidates: pl.DataFrame, people: pl.DataFrame
) -> None:
    # C1 is 24 months old; C4 is born on 1 September 2023: 36 months on the first day of
    # term, the only date of birth of a band 36-41, which would publish "eligible c, funded
    # 0" about that one day's children.
    born = people.with_columns(
        pl.when(pl.col("person_id") == "C4")
        .then(date(2023, 9, 1))
        .otherwise(pl.col("date_of_birth"))
        .alias("date_of_birth")
    )
    labels = age_band_labels(load_rule_set("two_year_old"), TERM)
    table = take_up(candidates, born, by="age_band", term_start=TERM, labels=labels)
    assert table.rows() == [("24-29", 3, 1, 1 / 3), ("30-36", 1, 1, 1.0), ("unknown", 1, 0, 0.0)]
    # Without the rules' bands, fixed six-month bands (a library caller's choice).
    plain = take_up(candidates, born, by="age_band", term_start=TERM)
    assert plain.get_column("age_band").to_list() == ["24-29", "36-41", "unknown"]


def test_age_bands_that_overlap_are_refused(candidates: pl.DataFrame, people: pl.DataFrame) -> None:
    with pytest.raises(UsageError, match="age bands '24-30' and '30-36' overlap"):
        take_up(candidates, people, by="age_band", term_start=TERM, labels=["24-30", "30-36"])


@pytest.fixture
def wards(tmp_path: Path) -> pl.DataFrame:
    path = tmp_path / "wards.csv"
    path.write_text(
        "postcode,ward\nFQ1 1AA,Ashcombe\nFQ1 2,Brackenhurst\nFQ1,Dunmere\n", encoding="utf-8"
    )
    return load_ward_lookup(path)


def test_take_up_by_ward_matches_postcode_then_sector_then_district(
    candidates: pl.DataFrame, people: pl.DataFrame, wards: pl.DataFrame
) -> None:
    table = take_up(candidates, people, by="ward", wards=wards)
    assert table.columns == ["ward", "eligible", "funded", "rate"]
    assert table.rows() == [
        ("Ashcombe", 1, 1, 1.0),  # C1, FQ1 1AA: its own entry beats district FQ1
        ("Brackenhurst", 1, 0, 0.0),  # C2, fq1 2bb: sector FQ1 2
        ("Dunmere", 0, 0, None),  # no child's postcode is in it: listed all the same
        # C3 (FQ3: not in the lookup), C4 (no postcode) and D9 (no record)
        ("unknown", 3, 1, 1 / 3),
    ]


def test_every_ward_of_the_lookup_is_listed_with_no_child_in_it_too(
    candidates: pl.DataFrame, people: pl.DataFrame, wards: pl.DataFrame
) -> None:
    # A ward listed only while a child lived in it would tell a reader comparing two runs
    # the ward of a family that left.
    moved = people.with_columns(pl.lit("FQ1 9ZZ").alias("postcode"))
    assert take_up(candidates, moved, by="ward", wards=wards).select("ward", "eligible").rows() == [
        ("Ashcombe", 0),
        ("Brackenhurst", 0),
        ("Dunmere", 4),
        ("unknown", 1),
    ]
    everyone_placed = candidates.filter(pl.col("person_id").is_not_null())
    placed = take_up(everyone_placed, moved.drop_nulls("postcode"), by="ward", wards=wards)
    assert placed.filter(pl.col("ward") == "unknown").rows() == [("unknown", 0, 0, None)]


def test_every_label_given_is_listed_and_unknown_always_where_a_record_can_be_missing(
    candidates: pl.DataFrame, people: pl.DataFrame
) -> None:
    criteria = take_up(candidates, by="criterion", labels=["asylum_support", "ehc_plan"])
    assert criteria.rows()[:2] == [("asylum_support", 0, 0, None), ("dwp_list", 1, 0, 0.0)]
    assert "unknown" not in criteria.get_column("criterion").to_list()  # a reason is always met
    placed = candidates.filter(pl.col("person_id").is_in(["C1", "C2"]))
    areas = take_up(placed, people, by="area", labels=["FQ1", "FQ2", "FQ3"])
    assert areas.rows() == [
        ("FQ1", 2, 1, 0.5),
        ("FQ2", 0, 0, None),
        ("FQ3", 0, 0, None),
        ("unknown", 0, 0, None),
    ]
    bands = take_up(placed, people, by="age_band", term_start=TERM, labels=["24-29", "30-35"])
    assert bands.rows() == [("24-29", 2, 1, 0.5), ("30-35", 0, 0, None)]
    grouped = placed.with_columns(pl.Series("eligibility_group", ["targeted", "targeted"]))
    groups = take_up(grouped, by="group", labels=["targeted", "expanded", "unknown"])
    assert groups.rows() == [
        ("expanded", 0, 0, None),
        ("targeted", 2, 1, 0.5),
        ("unknown", 0, 0, None),
    ]


def test_a_family_leaving_changes_no_row_of_the_published_criteria():
    # The disclosure tester's case: a family on asylum support leaves between two runs. Its
    # row vanishing told a reader its criterion, with rounding and hidden zeros alike.
    from workbench.stats.report_publish import protect_stats_table

    before = candidate_list(
        [(f"C{i}", None, "likely", ["income_support"], i < 20) for i in range(40)]
        + [("C99", None, "likely", ["asylum_support"], False)]
    )
    after = before.filter(pl.col("person_id") != "C99")
    labels = ["asylum_support", "income_support"]
    rules = DisclosureRules(round_to=5)
    published = [
        protect_stats_table(
            "take_up_by_criterion", take_up(run, by="criterion", labels=labels), rules
        )
        .wide("eligible")
        .rows()
        for run in (before, after)
    ]
    assert published[0] == published[1] == [("asylum_support", "c"), ("income_support", "40")]


def test_take_up_of_an_empty_list_is_an_empty_table() -> None:
    table = take_up(candidate_list([]), by="criterion")
    assert table.is_empty()
    assert table.columns == ["criterion", "eligible", "funded", "rate"]


NO_BIRTHS = pl.DataFrame({"person_id": ["C1"]})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "region"}, "by must be None or one of"),
        ({"by": "ward", "people": NO_BIRTHS}, r"needs the ward lookup: wards=load_ward_lookup"),
        ({"by": "area", "wards": pl.DataFrame()}, "wards are used only with by='ward'"),
        ({"by": "area"}, "needs the people table"),
        ({"by": "age_band", "people": NO_BIRTHS}, "needs term_start"),
        ({"by": "age_band", "people": NO_BIRTHS, "term_start": TERM}, "'date_of_birth'"),
        ({"by": "age_band", "people": NO_BIRTHS, "term_start": TERM, "band_months": 0}, "whole"),
    ],
)
def test_take_up_explains_what_it_needs(
    candidates: pl.DataFrame, kwargs: dict, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        take_up(candidates, **kwargs)


def test_take_up_names_the_missing_candidate_columns() -> None:
    with pytest.raises(UsageError, match=r"\['reason_codes', 'already_funded'\]"):
        take_up(pl.DataFrame({"person_id": ["C1"], "tier": ["likely"]}))


# --- funnel -------------------------------------------------------------------------------------


@pytest.fixture
def dwp_candidates() -> pl.DataFrame:
    return candidate_list(
        [
            ("C1", "D1", "likely", ["dwp_list"], True),  # reviewed, contacted, funded
            ("C2", "D2", "likely", ["dwp_list"], False),  # reviewed, contacted
            ("C3", "D3", "likely", ["dwp_list"], True),  # reviewed (already in touch), funded
            ("C4", "D4", "likely", ["dwp_list"], False),  # linked, not reviewed
            ("C5", None, "likely", ["income_support"], True),  # not on the DWP list
            (None, "D6", "likely", ["dwp_list"], False),  # not linked
        ]
    )


@pytest.fixture
def links() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": ["dwp_list"] * 5 + ["funded_places"] * 2,
            "record_id": ["D1", "D2", "D3", "D4", "D6", "F1", "F3"],
            "person_id": ["C1", "C2", "C3", "C4", None, "C1", "C3"],
            "band": ["linked"] * 4 + ["not_linked"] + ["linked"] * 2,
        }
    )


@pytest.fixture
def decisions() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "person_id": ["C1", "C2", "C3", "C5"],
            "decision": ["contact", "contact", "already_in_touch", "contact"],
        }
    )


def test_funnel_counts_each_stage_within_the_one_before(
    dwp_candidates: pl.DataFrame, links: pl.DataFrame, decisions: pl.DataFrame
) -> None:
    table = funnel(dwp_candidates, links, decisions)
    assert table.get_column("stage").dtype == pl.Enum(list(FUNNEL_STAGES))
    assert table.with_columns(pl.col("^share_.*$").round(4)).rows() == [
        ("on_dwp_list", 5, None, 1.0),
        ("linked", 4, 0.8, 0.8),
        ("reviewed", 3, 0.75, 0.6),
        ("contacted", 2, 0.6667, 0.4),
        ("funded", 1, 0.5, 0.2),  # C3 is funded too, but was never contacted
    ]


def test_funnel_without_decisions_goes_from_linked_to_funded(
    dwp_candidates: pl.DataFrame, links: pl.DataFrame
) -> None:
    table = funnel(dwp_candidates, links.lazy())
    assert table.select("stage", "count").rows() == [
        ("on_dwp_list", 5),
        ("linked", 4),
        ("funded", 2),
    ]


def test_a_link_awaiting_clerical_review_does_not_count_as_linked(
    dwp_candidates: pl.DataFrame, links: pl.DataFrame
) -> None:
    clerical = links.with_columns(
        band=pl.when(pl.col("record_id") == "D4").then(pl.lit("clerical_review")).otherwise("band")
    )
    assert funnel(dwp_candidates, clerical).get_column("count").to_list() == [5, 3, 2]


def test_funnel_of_a_list_without_dwp_children_is_all_zeros(links: pl.DataFrame) -> None:
    only_council = candidate_list([("C5", None, "likely", ["income_support"], True)])
    table = funnel(only_council, links)
    assert table.rows() == [
        ("on_dwp_list", 0, None, None),
        ("linked", 0, None, None),
        ("funded", 0, None, None),
    ]


def test_funnel_refuses_two_standing_decisions_for_one_child(
    dwp_candidates: pl.DataFrame, links: pl.DataFrame
) -> None:
    twice = pl.DataFrame({"person_id": ["C1", "C1"], "decision": ["contact", "defer"]})
    with pytest.raises(UsageError, match="at most one standing outcome decision"):
        funnel(dwp_candidates, links, twice)


def test_link_decisions_are_not_review_outcomes(
    dwp_candidates: pl.DataFrame, links: pl.DataFrame
) -> None:
    link_only = pl.DataFrame({"person_id": ["C1"], "decision": ["link_confirmed"]})
    counts = funnel(dwp_candidates, links, link_only).get_column("count").to_list()
    assert counts == [5, 4, 0, 0, 0]


# --- trend and national figures -----------------------------------------------------------------


def test_trend_is_one_row_per_term_oldest_first(candidates: pl.DataFrame) -> None:
    spring = candidate_list([("C1", None, "likely", ["ehc_plan"], False)])
    table = trend({TERM: candidates, date(2026, 4, 1): spring})
    assert table.rows() == [(date(2026, 4, 1), 1, 0, 0.0), (TERM, 5, 2, 0.4)]


def test_a_term_with_no_eligible_child_is_a_row_of_zeros(candidates: pl.DataFrame) -> None:
    nobody = candidate_list([("C1", None, "possible", [], False)])
    table = trend({TERM: candidates, date(2026, 4, 1): nobody})
    assert table.rows() == [(date(2026, 4, 1), 0, 0, None), (TERM, 5, 2, 0.4)]
    rates = protect(table, rules=DisclosureRules(threshold=1)).wide("rate").rows()
    assert rates == [("2026-04-01", "z"), ("2026-09-01", "40.0")]  # terms are not added up


def test_trend_needs_terms_keyed_by_date(candidates: pl.DataFrame) -> None:
    with pytest.raises(UsageError, match="at least one"):
        trend({})
    with pytest.raises(UsageError, match="keyed by term start dates"):
        trend({"2026-09-01": candidates})  # type: ignore[dict-item]  # deliberately wrong: the check is what is tested


def test_national_take_up_comes_from_the_packaged_file() -> None:
    table = national_take_up()
    assert table.select("year", "rate", "comparable").rows() == [
        (2019, 0.68, True),
        (2023, 0.74, True),
        (2024, 0.75, True),
        (2025, 0.65, False),
        (2026, 0.716, False),
    ]
    assert (
        table.filter(pl.col("year") == 2026)
        .get_column("note")
        .item()
        .startswith("85,629 of 119,598")
    )
    assert (
        table.filter(pl.col("year") == 2025)
        .get_column("note")
        .item()
        .startswith("Not comparable with earlier years")
    )
    assert table.get_column("source").unique().to_list() == [
        "https://explore-education-statistics.service.gov.uk/find-statistics/"
        "education-provision-children-under-5"
    ]
    assert any("overstated" in caveat for caveat in national_caveats())


def test_national_comparison_puts_the_latest_january_on_or_before_each_term() -> None:
    table = national_comparison([TERM, date(2024, 1, 1), date(2023, 9, 1), date(2018, 9, 1)])
    assert table.columns == [
        "term_start",
        "england_year",
        "england_rate",
        "comparable",
        "note",
        "source",
    ]
    assert table.select("term_start", "england_year", "england_rate", "comparable").rows() == [
        (date(2018, 9, 1), None, None, None),  # before DfE's first figure here
        (date(2023, 9, 1), 2023, 0.74, True),
        (date(2024, 1, 1), 2024, 0.75, True),  # the January count of the term's own month
        (TERM, 2026, 0.716, False),  # January 2026, comparable with 2025 only
    ]


def test_national_comparison_needs_dates() -> None:
    with pytest.raises(UsageError, match="needs term start dates"):
        national_comparison(["2026-09-01"])  # type: ignore[list-item]  # deliberately wrong: the check is what is tested


def test_national_take_up_reads_a_given_file(tmp_path: Path) -> None:
    path = tmp_path / "national.yaml"
    path.write_text(
        "values:\n  2030: {rate: 0.5, comparable: true}\ncaveats: []\n"
        "reference:\n  - {title: t, href: https://example.org}\n",
        encoding="utf-8",
    )
    assert national_take_up(path).select("year", "rate", "note").rows() == [(2030, 0.5, None)]


def test_a_broken_national_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "national.yaml"
    path.write_text("values: {}\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"national\.yaml"):
        national_take_up(path)


# --- disclosure control for publication ---------------------------------------------------------


def test_protect_hides_a_small_area_and_a_complement() -> None:
    table = pl.DataFrame(
        {
            "area": ["FQ1", "FQ2", "FQ3"],
            "eligible": [40, 3, 25],
            "funded": [30, 0, 15],
            "rate": [0.75, 0.0, 0.6],
        }
    )
    protected = protect(table)
    assert protected.safe
    assert protected.wide("eligible").rows() == [
        ("FQ1", "40"),
        ("FQ2", "c"),
        ("FQ3", "c"),
        ("Total", "68"),
    ]
    assert protected.wide("rate").rows() == [
        ("FQ1", "75.0"),
        ("FQ2", "c"),
        ("FQ3", "c"),
        ("Total", "66.2"),
    ]


def test_protect_hides_a_row_whose_children_not_funded_are_few() -> None:
    # FQ2: 25 eligible, 20 funded, so 5 not funded, found by one subtraction. Its funded count
    # is hidden, then FQ3's (the smallest other) so that the Total does not give FQ2's back.
    table = pl.DataFrame(
        {"area": ["FQ1", "FQ2", "FQ3"], "eligible": [40, 25, 30], "funded": [30, 20, 15]}
    )
    protected = protect(table.with_columns(rate=pl.col("funded") / pl.col("eligible")))
    assert protected.safe
    assert protected.wide("eligible").get_column("eligible").to_list() == ["40", "25", "30", "95"]
    assert protected.wide("funded").get_column("funded").to_list() == ["30", "c", "c", "65"]
    assert protected.wide("rate").get_column("rate").to_list() == ["75.0", "c", "c", "68.4"]
    assert any("eligible but not funded" in note for note in protected.notes)


def test_protect_hides_the_total_funded_when_few_children_overall_are_not_funded() -> None:
    # 70 eligible, 62 funded: 8 not funded overall (and 5 and 3 by area).
    table = pl.DataFrame({"area": ["FQ1", "FQ2"], "eligible": [40, 30], "funded": [35, 27]})
    protected = protect(table.with_columns(rate=pl.col("funded") / pl.col("eligible")))
    assert protected.safe
    assert protected.wide("funded").get_column("funded").to_list() == ["c", "c", "c"]
    assert protected.wide("eligible").get_column("eligible").to_list() == ["40", "30", "70"]


@pytest.mark.parametrize(("suppress_zeros", "shown"), [(False, "12"), (True, "c")])
def test_all_funded_is_shown_unless_zeros_are_hidden(suppress_zeros, shown) -> None:
    # FQ1: every one of its 12 children funded (none left); FQ2: 20 of 30.
    table = pl.DataFrame({"area": ["FQ1", "FQ2"], "eligible": [12, 30], "funded": [12, 20]})
    rules = DisclosureRules(suppress_zeros=suppress_zeros)
    protected = protect(table.with_columns(rate=pl.col("funded") / pl.col("eligible")), rules=rules)
    assert protected.wide("funded").rows()[0] == ("FQ1", shown)


def test_a_funded_count_larger_than_the_eligible_count_is_refused() -> None:
    table = pl.DataFrame({"area": ["FQ1", "FQ2"], "eligible": [12, 30], "funded": [13, 20]})
    with pytest.raises(UsageError, match="'funded' counts part of 'eligible'"):
        protect(table.with_columns(rate=pl.col("funded") / pl.col("eligible")))


def test_age_bands_are_published_in_order_of_age_not_as_text() -> None:
    # School-age bands: "102-107" sorts before "48-53" as text.
    table = pl.DataFrame(
        {
            "age_band": ["48-53", "54-59", "102-107", "unknown"],
            "eligible": [20, 30, 40, 12],
            "funded": [10, 12, 20, 5],
        }
    )
    protected = protect(table, rules=DisclosureRules(threshold=3))
    assert protected.wide("eligible").rows() == [
        ("48-53", "20"),
        ("54-59", "30"),
        ("102-107", "40"),
        ("unknown", "12"),
        ("Total", "102"),
    ]


def test_take_up_by_age_band_counts_school_ages_youngest_first() -> None:
    candidates = candidate_list(
        [
            ("C1", None, "likely", ["income_support"], True),
            ("C2", None, "likely", ["income_support"], False),
        ]
    )
    people = pl.DataFrame(
        {"person_id": ["C1", "C2"], "date_of_birth": [date(2018, 3, 1), date(2022, 9, 1)]}
    )
    table = take_up(candidates, people, by="age_band", term_start=TERM)
    assert table.rows() == [("48-53", 1, 0, 0.0), ("102-107", 1, 1, 1.0)]
    shown = protect(table, rules=DisclosureRules(threshold=1)).wide("eligible").rows()
    assert shown == [("48-53", "1"), ("102-107", "1"), ("Total", "2")]


def test_protect_publishes_eligible_alone_when_take_up_is_not_measured() -> None:
    table = pl.DataFrame({"criterion": ["ehc_plan", "income_support"], "eligible": [4, 30]})
    protected = protect(table)
    assert protected.table.get_column("measure").unique().to_list() == ["eligible"]
    # No Total (criteria overlap), so nothing to subtract the 4 from: 30 stays published.
    assert protected.wide("eligible").rows() == [("ehc_plan", "c"), ("income_support", "30")]
    assert protected.notes[-1].startswith("No Total row: a child who meets several criteria")


def test_protect_notes_that_criteria_overlap(candidates: pl.DataFrame) -> None:
    notes = protect(take_up(candidates, by="criterion")).notes
    assert notes[-1] == (
        "No Total row: a child who meets several criteria is counted under each, so the rows "
        "add up to more than the children. The children, each counted once, are in take_up."
    )


def test_protect_publishes_the_funnel_as_where_each_child_got_to() -> None:
    table = pl.DataFrame(
        {
            "stage": pl.Series(list(FUNNEL_STAGES), dtype=pl.Enum(list(FUNNEL_STAGES))),
            "count": [60, 50, 45, 30, 12],
        }
    )
    protected = protect(table)
    assert protected.row == "furthest_stage"
    assert protected.wide("count").rows() == [
        ("on_dwp_list", "c"),  # 10: the smallest other cell, hidden so 5 cannot be found
        ("linked", "c"),  # 5 stopped here
        ("reviewed", "15"),
        ("contacted", "18"),
        ("funded", "12"),
        ("Total", "60"),
    ]


def test_a_tiny_list_cannot_be_published(candidates: pl.DataFrame) -> None:
    assert not protect(take_up(candidates)).safe


def test_hide_suppressed_keeps_published_rows_with_published_counts() -> None:
    table = pl.DataFrame(
        {
            "area": ["FQ1", "FQ2", "FQ3", "FQ4"],
            "eligible": [41, 3, 27, 52],
            "funded": [29, 0, 17, 38],
            "rate": [29 / 41, 0.0, 17 / 27, 38 / 52],
        }
    )
    protected = protect(table, rules=DisclosureRules(threshold=10, round_to=5))
    assert hide_suppressed(table, protected).rows() == [
        ("FQ1", 40, 30, 30 / 40),  # counts as published (rounded), and the rate from them
        ("FQ4", 50, 40, 40 / 50),
    ]


def test_hide_suppressed_works_an_equality_table_out_again_from_the_published_counts():
    # A chart drawn from unrounded rates and intervals beside rounded counts would give the
    # exact counts away: everything drawn comes from the published counts.
    ids = [f"C{i}" for i in range(81)]
    funded = [i % 3 > 0 for i in range(81)]
    candidates = pl.DataFrame({"person_id": ids, "tier": ["likely"] * 81, "already_funded": funded})
    people = pl.DataFrame({"person_id": ids, "sex": ["F"] * 43 + ["M"] * 38})
    table = equality_table(candidates, people, "sex")
    assert table.select("sex", "eligible", "funded").rows() == [
        ("F", 43, 28),
        ("M", 38, 26),
        ("unknown", 0, 0),
    ]
    table = table.head(2)  # the groups compared; the unknown group's hidden 0 aside

    shown = hide_suppressed(table, protect_equality(table, rules=DisclosureRules(round_to=5)))

    # Published: F 30 of 45, M 25 of 40; totals 55 of 80.
    published = pl.DataFrame({"sex": ["F", "M"], "eligible": [45, 40], "funded": [30, 25]})
    lower, upper = wilson_interval("funded", "eligible")
    expected = published.select(
        "sex",
        "eligible",
        "funded",
        (pl.col("funded") / pl.col("eligible")).alias("rate"),
        lower,
        upper,
        (pl.col("eligible") / 80).alias("eligible_share"),
        (pl.col("funded") / 55).alias("funded_share"),
    )
    assert_frame_equal(shown.select(expected.columns), expected)
    reference = 30 / 45
    assert shown.get_column("disparity").to_list() == [1.0, (25 / 40) / reference]
    gap = not (expected["ci_lower"][1] <= reference <= expected["ci_upper"][1])
    assert shown.get_column("gap_flagged").to_list() == [False, gap]


def test_hide_suppressed_of_a_fully_hidden_table_is_empty() -> None:
    table = pl.DataFrame(
        {"area": ["FQ1", "FQ2"], "eligible": [3, 9], "funded": [1, 2], "rate": [1 / 3, 2 / 9]}
    )
    shown = hide_suppressed(table, protect(table))
    assert shown.is_empty()
    assert shown.columns == table.columns


def test_hide_suppressed_drops_small_groups_from_an_equality_table() -> None:
    ids = [f"C{i}" for i in range(40)]
    candidates = pl.DataFrame(
        {
            "person_id": ids,
            "tier": ["likely"] * 40,
            "already_funded": [i < 10 or 20 <= i < 28 or i >= 38 for i in range(40)],
        }
    )
    people = pl.DataFrame({"person_id": ids, "sex": ["F"] * 20 + ["M"] * 18 + [None] * 2})
    table = equality_table(candidates, people, "sex")
    assert table.select("sex", "eligible", "funded").rows() == [
        ("F", 20, 10),
        ("M", 18, 8),
        ("unknown", 2, 2),
    ]
    shown = hide_suppressed(table, protect_equality(table))
    # unknown (2 children) is hidden, and M as its complement
    assert shown.select("sex", "eligible", "funded").rows() == [("F", 20, 10)]
    assert shown.columns == table.columns


def test_hide_suppressed_needs_the_protected_row_first() -> None:
    table = pl.DataFrame({"area": ["FQ1"], "eligible": [40], "funded": [30], "rate": [0.75]})
    with pytest.raises(UsageError, match="first column is 'area'"):
        hide_suppressed(table.select("eligible", "area"), protect(table))


# --- on a synthetic council ---------------------------------------------------------------------


def test_take_up_on_a_synthetic_council_adds_up() -> None:
    from workbench.eligibility.engine import assessment
    from workbench.rules import load_rule_set
    from workbench.synth import generate_council

    tables = generate_council(households=3000, seed=11)
    found = assessment(
        {
            name: tables[name]
            for name in ("people", "benefits", "child_statuses", "dwp_list", "funded_places")
        },
        load_rule_set("two_year_old"),
        term_start=TERM,
        as_of=date(2026, 8, 1),
    )
    likely = found.candidates.filter(pl.col("tier") == "likely")
    by_area = take_up(found.candidates, tables["people"], by="area")
    assert by_area.get_column("eligible").sum() == likely.height
    assert by_area.get_column("funded").sum() == likely.get_column("already_funded").sum()
    counts = funnel(found.candidates, found.links).get_column("count").to_list()
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == found.candidates.get_column("dwp_record_id").is_not_null().sum()


# --- invariants ---------------------------------------------------------------------------------

candidate_rows = st.lists(
    st.tuples(
        st.sampled_from(["likely", "possible"]),
        st.lists(
            st.sampled_from(["income_support", "ehc_plan", "dwp_list"]),
            min_size=1,
            max_size=3,
            unique=True,
        ),
        st.booleans(),
        st.sampled_from(["FQ1 1AA", "FQ2 2BB", "fq3 3cc", None]),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(rows=candidate_rows)
def test_rates_are_proportions_and_funded_never_exceeds_eligible(rows: list[tuple]) -> None:
    ids = [f"C{i}" for i in range(len(rows))]
    frame = candidate_list(
        [
            (pid, None, tier, codes, funded)
            for pid, (tier, codes, funded, _) in zip(ids, rows, strict=True)
        ]
    )
    people = pl.DataFrame(
        {"person_id": ids, "postcode": [row[3] for row in rows]},
        schema={"person_id": pl.String, "postcode": pl.String},
    )
    likely = sum(row[0] == "likely" for row in rows)
    for by in (None, "area", "criterion"):
        table = take_up(frame, people, by=by)
        assert (table.get_column("funded") <= table.get_column("eligible")).all()
        assert table.get_column("rate").is_between(0.0, 1.0).all()
        if by != "criterion":
            assert table.get_column("eligible").sum() == likely


WARD_LOOKUP = pl.DataFrame(
    {
        "postcode": ["FQ1 1AA", "FQ1 1", "FQ2", "FQ3 3"],
        "level": ["postcode", "sector", "district", "sector"],
        "ward": ["Ashcombe", "Brackenhurst", "Brackenhurst", "Cold Harbour"],
        "ward_code": [None, None, None, None],
    },
    schema_overrides={"ward_code": pl.String},
)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["likely", "possible"]),
            st.booleans(),
            st.sampled_from(
                [
                    "FQ1 1AA",
                    "fq1 1ab",
                    "FQ1 2AB",
                    "FQ2 9ZZ",
                    "FQ3 3CC",
                    "FQ33CD",
                    "FQ4 4DD",
                    "FQ1",
                    None,
                ]
            ),
            st.booleans(),  # whether the child is in the people table at all
        ),
        max_size=40,
    )
)
def test_ward_totals_equal_area_totals(rows: list[tuple]) -> None:
    ids = [f"C{i}" for i in range(len(rows))]
    frame = candidate_list(
        [
            (pid, None, tier, ["ehc_plan"], funded)
            for pid, (tier, funded, _, _) in zip(ids, rows, strict=True)
        ]
    )
    people = pl.DataFrame(
        {
            "person_id": [pid for pid, row in zip(ids, rows, strict=True) if row[3]],
            "postcode": [row[2] for row in rows if row[3]],
        },
        schema={"person_id": pl.String, "postcode": pl.String},
    )
    by_ward = take_up(frame, people, by="ward", wards=WARD_LOOKUP)
    by_area = take_up(frame, people, by="area")
    overall = take_up(frame)
    for count in ("eligible", "funded"):
        total = overall.get_column(count).sum()
        assert by_ward.get_column(count).sum() == by_area.get_column(count).sum() == total
    assert by_ward.get_column("ward").is_unique().all()
    # A child of unknown area, or of a district the lookup does not cover, has no ward.
    unplaced = by_area.filter(pl.col("area").is_in(["unknown", "FQ4"])).get_column("eligible")
    no_ward = by_ward.filter(pl.col("ward") == "unknown").get_column("eligible")
    assert no_ward.sum() >= unplaced.sum()
