"""The probabilistic linkage stage: hand-made pairs, one-to-one, bands, and measured quality."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import polars as pl
import pytest

from tests.council import SCHEMAS
from workbench.errors import UsageError
from workbench.linkage import probabilistic
from workbench.linkage.exact import PLACE_KEY
from workbench.linkage.probabilistic import (
    LINKAGE_RESULT_SCHEMA,
    link_all,
    link_all_with_pairs,
    link_probabilistic,
)
from workbench.linkage.quality import linkage_quality, quality_by_band
from workbench.linkage.settings import linkage_settings, nickname_aliases
from workbench.synth import generate_council

ELIZABETH_DOB = date(2024, 3, 4)
PARENT_DOB = date(1990, 5, 1)
TERM = date(2026, 9, 1)

PEOPLE_SCHEMA = SCHEMAS["people"]
DWP_SCHEMA = SCHEMAS["dwp_list"]
FUNDED_SCHEMA = {
    "record_id": pl.String,
    "child_forename": pl.String,
    "child_surname": pl.String,
    "child_date_of_birth": pl.Date,
    "postcode": pl.String,
    "term_start": pl.Date,
    "provider_id": pl.String,
    "funding_stream": pl.String,
}


def person(pid: str, household: str, forename: str, surname: str, **fields: Any) -> dict:
    row = {
        "person_id": pid,
        "household_id": household,
        "forename": forename,
        "surname": surname,
        "date_of_birth": ELIZABETH_DOB,
        "nino": None,
        "postcode": "FQ1 1AA",
        "role": "child",
    }
    return row | fields


# Two families: Ada Lee with Elizabeth (born 4 March 2024) in FQ1 1AA; Sam Okafor with
# Chidi (born 10 June 2023) in FQ3 2BD.
PEOPLE = [
    person("P1", "H1", "Ada", "Lee", date_of_birth=PARENT_DOB, nino="AB123456C",
           role="parent_carer"),
    person("P2", "H1", "Elizabeth", "Lee"),
    person("P3", "H2", "Sam", "Okafor", date_of_birth=PARENT_DOB, nino="CE654321A",
           postcode="FQ3 2BD", role="parent_carer"),
    person("P4", "H2", "Chidi", "Okafor", date_of_birth=date(2023, 6, 10), postcode="FQ3 2BD"),
]  # fmt: skip


def dwp_row(record_id: str, forename: str, surname: str, dob: date, **fields: Any) -> dict:
    row = {
        "record_id": record_id,
        "child_forename": forename,
        "child_surname": surname,
        "child_date_of_birth": dob,
        "parent_forename": "Ada",
        "parent_surname": "Lee",
        "parent_nino": None,
        "postcode": "FQ1 1AA",
    }
    return row | fields


def tables(dwp: list[dict] | None = None, funded: list[dict] | None = None, people=PEOPLE):
    found: dict[str, pl.DataFrame] = {"people": pl.DataFrame(people, schema=PEOPLE_SCHEMA)}
    if dwp is not None:
        found["dwp_list"] = pl.DataFrame(dwp, schema=DWP_SCHEMA)
    if funded is not None:
        found["funded_places"] = pl.DataFrame(funded, schema=FUNDED_SCHEMA)
    return found


def outcome(links: pl.DataFrame) -> dict[str, tuple[str | None, str]]:
    """record_id -> (person_id, band)."""
    return {r["record_id"]: (r["person_id"], r["band"]) for r in links.iter_rows(named=True)}


# --- hand-made pairs ----------------------------------------------------------------------------


def test_nickname_aliases_hold_both_directions_and_the_name_itself():
    aliases = nickname_aliases().collect()
    liz = aliases.filter(pl.col("name") == "liz")["aliases"].item().to_list()
    assert liz == ["elizabeth", "liz"]
    assert "liz" in aliases.filter(pl.col("name") == "elizabeth")["aliases"].item().to_list()
    # Names as compared: the file's Ciarán is found for the compared ciaran.
    ciaran = aliases.filter(pl.col("name") == "ciaran")["aliases"].item().to_list()
    assert ciaran == ["ciaran", "kieran"]


def test_nickname_with_day_and_month_swapped_still_links_to_the_right_child():
    # "Liz" for Elizabeth, born 3 April for 4 March, no NINO: the exact pass cannot link it.
    row = dwp_row("D1", "Liz", "Lee", date(2024, 4, 3))
    links = link_probabilistic(tables(dwp=[row]), source="dwp_list")
    assert outcome(links) == {"D1": ("P2", "linked")}
    weights = json.loads(links["contributions"].item())
    assert sorted(weights) == [
        "address", "date_of_birth", "forename", "parent", "postcode", "surname"
    ]  # fmt: skip
    assert weights["forename"] > 0 and weights["date_of_birth"] > 0


def test_a_same_named_child_born_the_same_day_at_another_address_goes_to_a_person():
    # Names, date of birth and parent's names agree, but the DWP has the family at another
    # address and gives no NINO: in a town with common names this may be another family's
    # child, so a person decides, whatever the model's probability.
    row = dwp_row("D1", "Elizabeth", "Lee", ELIZABETH_DOB, postcode="FQ9 9ZZ")
    links = link_probabilistic(tables(dwp=[row]), source="dwp_list")
    assert outcome(links) == {"D1": ("P2", "clerical_review")}
    assert links["match_probability"].item() >= 0.99  # the model alone would have linked it
    # With the parent's NINO agreeing, it links.
    row = dwp_row("D1", "Elizabeth", "Lee", ELIZABETH_DOB, postcode="FQ9 9ZZ",
                  parent_nino="AB 12 34 56 C")  # fmt: skip
    links = link_probabilistic(tables(dwp=[row]), source="dwp_list")
    assert outcome(links) == {"D1": ("P2", "linked")}


def test_names_swapped_with_a_slip_still_link_and_both_name_comparisons_say_so():
    # Issue 16: the date of birth and postcode agree, forename and surname are written the
    # other way round and one is misspelt. Before, this scored 0.22 and was not linked.
    row = dwp_row("D1", "Lee", "Elizabth", ELIZABETH_DOB)
    links = link_probabilistic(tables(dwp=[row]), source="dwp_list")
    assert outcome(links) == {"D1": ("P2", "linked")}
    weights = json.loads(links["contributions"].item())
    assert weights["forename"] > 5 and weights["surname"] > 5


def test_the_same_first_address_line_keeps_a_mistyped_postcode_at_the_same_address():
    # The postcode has a slip but the street address agrees: the child lives there, so the
    # different-address cap does not hold the pair back.
    people = [p | {"address_line_1": "12 Mill Lane"} for p in PEOPLE]
    schema = PEOPLE_SCHEMA | {"address_line_1": pl.String}
    moved = dwp_row("D1", "Elizabeth", "Lee", ELIZABETH_DOB, postcode="FQ9 9ZZ")
    dwp_schema = DWP_SCHEMA | {"address_line_1": pl.String}
    found = {"people": pl.DataFrame(people, schema=schema)}
    for address, band in (("12, Mill lane", "linked"), ("7 Quay Street", "clerical_review")):
        found["dwp_list"] = pl.DataFrame([moved | {"address_line_1": address}], schema=dwp_schema)
        links = link_probabilistic(found, source="dwp_list")
        assert outcome(links) == {"D1": ("P2", band)}, address
        assert json.loads(links["contributions"].item())["address"] != 0


def test_a_brother_or_sister_is_not_linked_on_the_family_alone():
    # Elizabeth's household, parent and address agree; the DWP child is Oliver, born in
    # June: another child of the family (one the council does not know yet), not Elizabeth.
    # The model alone would link them.
    people = [p | {"address_line_1": "12 Mill Lane"} for p in PEOPLE]
    found = {"people": pl.DataFrame(people, schema=PEOPLE_SCHEMA | {"address_line_1": pl.String})}
    row = dwp_row("D1", "Oliver", "Lee", date(2024, 6, 10), address_line_1="12 Mill Lane")
    found["dwp_list"] = pl.DataFrame([row], schema=DWP_SCHEMA | {"address_line_1": pl.String})
    links = link_probabilistic(found, source="dwp_list")
    assert outcome(links) == {"D1": ("P2", "clerical_review")}
    assert links["match_probability"].item() >= 0.95


def test_a_same_named_child_of_another_age_and_family_is_not_linked():
    # The DWP's Elizabeth Lee is older, lives elsewhere, with another parent.
    row = dwp_row(
        "D1", "Elizabeth", "Lee", date(2023, 11, 20),
        parent_forename="Grace", parent_surname="Mensah", postcode="FQ4 7XY",
    )  # fmt: skip
    links = link_probabilistic(tables(dwp=[row]), source="dwp_list")
    assert outcome(links) == {"D1": (None, "not_linked")}
    assert json.loads(links["contributions"].item())["date_of_birth"] < 0


def test_a_different_child_in_a_different_household_is_not_linked():
    row = dwp_row(
        "D1", "Chidi", "Okafor", date(2021, 1, 15),
        parent_forename="Grace", parent_surname="Mensah", postcode="FQ4 7XY",
    )  # fmt: skip
    links = link_probabilistic(tables(dwp=[row]), source="dwp_list")
    assert outcome(links) == {"D1": (None, "not_linked")}


def test_result_has_one_row_per_source_row_with_the_documented_columns():
    rows = [dwp_row("D2", "Liz", "Lee", ELIZABETH_DOB), dwp_row("D1", "Zed", "Q", date(2020, 1, 1))]
    links = link_probabilistic(tables(dwp=rows), source="dwp_list")
    assert links.schema == LINKAGE_RESULT_SCHEMA
    assert links["record_id"].to_list() == ["D1", "D2"]
    assert links["method"].to_list() == ["splink", "splink"]


def test_two_rows_for_one_child_link_only_the_better_one():
    better = dwp_row("D1", "Elizabeth", "Lee", ELIZABETH_DOB, parent_nino="AB123456C")
    worse = dwp_row("D2", "Liz", "Lee", date(2024, 3, 5))
    links = link_probabilistic(tables(dwp=[better, worse]), source="dwp_list")
    assert outcome(links) == {"D1": ("P2", "linked"), "D2": (None, "not_linked")}


def test_excluded_child_is_not_offered_again():
    row = dwp_row("D1", "Liz", "Lee", ELIZABETH_DOB)
    exclude = pl.DataFrame({"person_id": ["P2"]})
    links = link_probabilistic(tables(dwp=[row]), source="dwp_list", exclude=exclude)
    assert outcome(links) == {"D1": (None, "not_linked")}


def test_a_funded_place_links_once_per_term_for_each_child():
    places = [
        {"record_id": "F1", "child_forename": "Elisabeth", "child_surname": "Lee",
         "child_date_of_birth": ELIZABETH_DOB, "postcode": "FQ1 1AA", "term_start": TERM},
        {"record_id": "F2", "child_forename": "Elisabeth", "child_surname": "Lee",
         "child_date_of_birth": ELIZABETH_DOB, "postcode": "FQ1 1AA",
         "term_start": date(2027, 1, 1)},
    ]  # fmt: skip
    links = link_probabilistic(tables(funded=places), source="funded_places")
    assert outcome(links) == {"F1": ("P2", "linked"), "F2": ("P2", "linked")}


def place(record_id: str, stream: str, forename: str = "Elisabeth", **fields: Any) -> dict:
    """A funded place of this term at provider EY1, names mistyped (the exact pass leaves it)."""
    row = {"record_id": record_id, "child_forename": forename, "child_surname": "Lee",
           "child_date_of_birth": ELIZABETH_DOB, "postcode": "FQ1 1AA", "term_start": TERM,
           "provider_id": "EY1", "funding_stream": stream}  # fmt: skip
    return row | fields


def test_a_child_takes_a_further_place_in_a_term_only_at_its_own_postcode_and_birthday():
    # The disadvantaged 15 hours with working-parent hours on top, both rows mistyped: both
    # link, as the exact pass links both when they agree exactly.
    places = [place("F1", "two_year_old"), place("F2", "working_parent")]
    links = link_probabilistic(tables(funded=places), source="funded_places")
    assert outcome(links) == {"F1": ("P2", "linked"), "F2": ("P2", "linked")}
    # Hours split between two providers, the same.
    split = [place("F1", "two_year_old"), place("F2", "two_year_old", provider_id="EY2")]
    links = link_probabilistic(tables(funded=split), source="funded_places")
    assert outcome(links) == {"F1": ("P2", "linked"), "F2": ("P2", "linked")}
    # A second row at another postcode may be another child's, names mistyped: not taken.
    elsewhere = [place("F1", "two_year_old"), place("F2", "working_parent", postcode="FQ9 9ZZ")]
    links = link_probabilistic(tables(funded=elsewhere), source="funded_places")
    assert outcome(links) == {"F1": ("P2", "linked"), "F2": (None, "not_linked")}
    # So may one at the address born weeks apart: a namesake (common names), not taken.
    born_apart = [
        place("F1", "two_year_old", forename="Elizabeth"),
        place("F2", "working_parent", forename="Elizabeth", child_date_of_birth=date(2024, 4, 20)),
    ]
    links = link_probabilistic(tables(funded=born_apart), source="funded_places")
    assert outcome(links) == {"F1": ("P2", "linked"), "F2": (None, "not_linked")}
    # Day and month swapped is the child's date of birth with a slip: taken.
    swapped = [
        place("F1", "two_year_old"),
        place("F2", "working_parent", child_date_of_birth=date(2024, 4, 3)),
    ]
    links = link_probabilistic(tables(funded=swapped), source="funded_places")
    assert outcome(links) == {"F1": ("P2", "linked"), "F2": ("P2", "linked")}


def test_one_place_of_a_child_links_once_in_a_term():
    # The same place (term, provider, stream) twice: one row links, the other is left.
    places = [place("F1", "two_year_old"), place("F2", "two_year_old", forename="Elizabth")]
    links = link_probabilistic(tables(funded=places), source="funded_places")
    assert outcome(links) == {"F1": ("P2", "linked"), "F2": (None, "not_linked")}


def test_a_child_the_exact_pass_linked_in_a_term_takes_only_another_place():
    places = [place("F1", "two_year_old"), place("F2", "working_parent")]
    # The exact pass linked the child's disadvantaged place (exclude names it): the
    # working-parent row may still link, the same place again may not.
    held = {"person_id": "P2", "term_start": TERM, "provider_id": "EY1"}
    exclude = pl.DataFrame([held | {"funding_stream": "two_year_old"}])
    links = link_probabilistic(tables(funded=places), source="funded_places", exclude=exclude)
    assert outcome(links) == {"F1": (None, "not_linked"), "F2": ("P2", "linked")}
    # Without the place it holds, the child is not offered again that term.
    exclude = pl.DataFrame({"person_id": ["P2"], "term_start": [TERM]})
    links = link_probabilistic(tables(funded=places), source="funded_places", exclude=exclude)
    assert outcome(links) == {"F1": (None, "not_linked"), "F2": (None, "not_linked")}


def test_twins_whose_rows_are_alike_each_get_one_place():
    twins = [
        *PEOPLE,
        person("P5", "H1", "Ava", "Lee", date_of_birth=date(2024, 5, 5)),
        person("P6", "H1", "Eva", "Lee", date_of_birth=date(2024, 5, 5)),
    ]
    rows = [
        place("F1", "two_year_old", forename="Ava", child_surname="Lea",
              child_date_of_birth=date(2024, 5, 5)),
        place("F2", "working_parent", forename="Eva", child_surname="Lea",
              child_date_of_birth=date(2024, 5, 5)),
    ]  # fmt: skip
    links = link_probabilistic(tables(funded=rows, people=twins), source="funded_places")
    assert outcome(links) == {"F1": ("P5", "linked"), "F2": ("P6", "linked")}


TWINS = [
    *PEOPLE,
    person("P5", "H1", "Ava", "Lee", date_of_birth=date(2024, 5, 5)),
    person("P6", "H1", "Eva", "Lee", date_of_birth=date(2024, 5, 5)),
]


@pytest.mark.parametrize("forename", ["Zoe", "Aveline"])
def test_a_row_that_cannot_tell_twins_apart_goes_to_a_person(forename):
    # Ada's twins, born the same day: a row naming neither scores both exactly alike. Linking
    # it would rest on which twin's id sorts first.
    row = dwp_row("D1", forename, "Lee", date(2024, 5, 5), parent_nino="AB123456C")
    links = link_probabilistic(tables(dwp=[row], people=TWINS), source="dwp_list")
    assert outcome(links) == {"D1": ("P5", "clerical_review")}
    place_row = place("F1", "two_year_old", forename=forename, child_date_of_birth=date(2024, 5, 5))
    links = link_probabilistic(tables(funded=[place_row], people=TWINS), source="funded_places")
    assert outcome(links) == {"F1": ("P5", "clerical_review")}


def test_a_row_naming_one_twin_and_rows_for_both_twins_link():
    named = dwp_row("D1", "Eva", "Lee", date(2024, 5, 5), parent_nino="AB123456C")
    links = link_probabilistic(tables(dwp=[named], people=TWINS), source="dwp_list")
    assert outcome(links) == {"D1": ("P6", "linked")}
    # Two rows alike, one for each twin, no forename: whichever way round, each twin is on the
    # list.
    both = [
        dwp_row(record, "", "Lee", date(2024, 5, 5), parent_nino="AB123456C")
        | {"child_forename": None}
        for record in ("D1", "D2")
    ]
    links = link_probabilistic(tables(dwp=both, people=TWINS), source="dwp_list")
    assert outcome(links) == {"D1": ("P5", "linked"), "D2": ("P6", "linked")}
    # Naming a child plainly neither twin (Zoe for Ava and Eva): a third child, perhaps; a
    # person decides.
    both = [{**row, "child_forename": "Zoe"} for row in both]
    links = link_probabilistic(tables(dwp=both, people=TWINS), source="dwp_list")
    assert outcome(links) == {"D1": ("P5", "clerical_review"), "D2": ("P6", "clerical_review")}


def test_a_probability_between_the_thresholds_goes_to_clerical_review():
    row = dwp_row("D1", "Liz", "Lee", date(2024, 4, 3))
    probability = link_probabilistic(tables(dwp=[row]), source="dwp_list")[
        "match_probability"
    ].item()
    links = link_probabilistic(tables(dwp=[row]), source="dwp_list", thresholds=(1.0, probability))
    assert outcome(links) == {"D1": ("P2", "clerical_review")}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"source": "benefits"}, "source must be one of dwp_list, funded_places"),
        ({"source": "dwp_list", "thresholds": (0.5, 0.9)}, "thresholds must be"),
        ({"source": "funded_places"}, "needs the funded_places table"),
    ],
)
def test_bad_arguments_say_what_was_expected(arguments, message):
    with pytest.raises(UsageError, match=message):
        link_probabilistic(tables(dwp=[]), **arguments)


def test_a_source_without_a_required_column_is_named_in_the_error():
    found = tables(dwp=[dwp_row("D1", "Liz", "Lee", ELIZABETH_DOB)])
    found["dwp_list"] = found["dwp_list"].drop("child_surname")
    with pytest.raises(UsageError, match="table 'dwp_list' lacks column\\(s\\) child_surname"):
        link_probabilistic(found, source="dwp_list")


def test_link_all_takes_exact_links_first_and_scores_the_rest():
    exact = dwp_row(
        "D1", "Chidi", "Okafor", date(2023, 6, 10),
        parent_nino="CE654321A", parent_forename="Sam", parent_surname="Okafor", postcode="FQ3 2BD",
    )  # fmt: skip
    fuzzy = dwp_row("D2", "Liz", "Lee", date(2024, 4, 3))
    links = link_all(tables(dwp=[exact, fuzzy]))
    assert links.schema == LINKAGE_RESULT_SCHEMA
    assert links.select("record_id", "person_id", "band", "method").rows() == [
        ("D1", "P4", "linked", "parent_nino_and_child_dob"),
        ("D2", "P2", "linked", "splink"),
    ]


# --- quality ------------------------------------------------------------------------------------


def test_linkage_quality_counts_pairs_per_band_and_group():
    links = pl.DataFrame(
        {
            "source": ["dwp_list"] * 4,
            "record_id": ["D1", "D2", "D3", "D4"],
            "person_id": ["P1", "P9", "P3", None],
            "band": ["linked", "linked", "clerical_review", "not_linked"],
        }
    )
    truth = pl.DataFrame(
        {
            "source": ["dwp_list"] * 4,
            "record_id": ["D1", "D2", "D3", "D4"],
            "person_id": ["P1", "P2", "P3", None],
            "corruption_level": [0, 1, 1, 0],
        }
    )
    linked = linkage_quality(links, truth, by=["corruption_level"])
    counts = ("corruption_level", "true_pairs", "predicted_pairs", "correct_pairs")
    assert linked.select(counts).rows() == [(0, 1, 1, 1), (1, 2, 1, 0)]
    both = quality_by_band(links, truth).filter(pl.col("bands") == "linked+clerical_review")
    assert both.select("precision", "recall").row(0) == (2 / 3, 2 / 3)


# --- a synthetic council ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def council() -> dict[str, pl.DataFrame]:
    return generate_council(households=2000, seed=11)


@pytest.fixture(scope="module")
def linked_council(council) -> pl.DataFrame:
    return link_all(council)


def test_synthetic_council_links_with_high_precision_and_recall(council, linked_council):
    # Measured at seed 11: precision 1.0, recall 1.0 (linked band, 450 true pairs); seeds
    # 1-6 gave precision 1.0 and recall 0.979-1.0.
    quality = linkage_quality(linked_council, council["ground_truth"]).row(0, named=True)
    assert quality["precision"] >= 0.99
    assert quality["recall"] >= 0.97


def test_synthetic_council_links_are_one_to_one(council, linked_council):
    matched = linked_council.filter(pl.col("band") != "not_linked")
    assert matched.select("source", "record_id").is_unique().all()
    dwp = matched.filter(pl.col("source") == "dwp_list")
    assert dwp["person_id"].is_unique().all()
    places = council["funded_places"].select("record_id", *PLACE_KEY)
    funded = matched.filter(pl.col("source") == "funded_places").join(places, on="record_id")
    # A child has one linked row per term, provider and stream.
    assert funded.select("person_id", *PLACE_KEY).is_unique().all()


def test_synthetic_council_every_row_is_reported_once(council, linked_council):
    expected = council["dwp_list"].height + council["funded_places"].height
    assert linked_council.height == expected
    assert set(linked_council["band"]) <= {"linked", "clerical_review", "not_linked"}


def test_same_inputs_and_seed_give_the_same_links(council, linked_council):
    assert link_all(council).equals(linked_council)


def counting_chunks(monkeypatch, pairs: int) -> list[int]:
    """Chunks of about `pairs` pairs; the list returned gets how many each scoring made."""
    made: list[int] = []
    chunks = probabilistic._chunks

    def counted(records: pl.DataFrame, candidates: pl.DataFrame) -> list[pl.DataFrame]:
        made.append(len(found := chunks(records, candidates)))
        return found

    monkeypatch.setattr(probabilistic, "PAIRS_PER_CHUNK", pairs)
    monkeypatch.setattr(probabilistic, "_chunks", counted)
    return made


@pytest.mark.slow  # over 8 s: make test-slow (CI runs both)
@pytest.mark.parametrize("reachable", [True, False], ids=["reachable children", "every child"])
def test_rows_scored_in_chunks_link_and_score_as_in_one_piece(council, monkeypatch, reachable):
    # At England's size the pairs of every row at once do not fit in memory, so the rows are
    # scored a chunk at a time: against the children they can be blocked with (or every child,
    # when a blocking rule is not columns agreeing), with the whole input's term frequencies.
    whole_links, whole_pairs = link_all_with_pairs(council)
    made = counting_chunks(monkeypatch, 30)
    if not reachable:
        monkeypatch.setattr(probabilistic, "_blocking_keys", lambda settings: None)
    links, pairs = link_all_with_pairs(council)
    assert made[1] >= 5  # the funded places left by the exact pass (106 rows, 309 pairs)
    assert links.equals(whole_links)
    assert pairs.equals(whole_pairs)
    assert link_all(council).equals(whole_links)  # keeping of each chunk only what links


@pytest.mark.slow
def test_keeping_of_each_chunk_only_what_links_and_calibrates_changes_nothing(council, monkeypatch):
    # Of each chunk only the pairs a link can come from are kept (with the pairs: each open
    # child's best for the row), not the other carers' nor the children already linked.
    kept_links, kept_pairs = link_all_with_pairs(council)
    kept = link_all(council)
    monkeypatch.setattr(probabilistic, "_linkable_pairs", lambda *args, **kwargs: None)
    links, pairs = link_all_with_pairs(council)
    assert kept_links.equals(links)
    assert kept_pairs.equals(pairs)
    assert kept.equals(link_all(council))


def test_the_dwp_list_scored_in_chunks_links_as_in_one_piece(council, monkeypatch):
    whole = link_probabilistic(council, source="dwp_list")
    made = counting_chunks(monkeypatch, 3)
    assert link_probabilistic(council, source="dwp_list").equals(whole)
    assert made == [9]  # its 12 rows in nine chunks


def test_chunks_keep_each_row_whole_in_birthday_order(monkeypatch):
    records = pl.DataFrame(
        {"unique_id": ["r1", "r2", "r3", "r4"], "dob_unordered": ["b", "a", "a", None]}
    )
    candidates = pl.DataFrame({"dob_unordered": ["a", "a", "b", "b", "b", None]})
    # Each row's pairs, estimated as the children sharing its birthday, and one: r1 4, r2 and
    # r3 3 each, r4 1 (no birthday); 11 in all.
    monkeypatch.setattr(probabilistic, "PAIRS_PER_CHUNK", 11)
    assert probabilistic._chunks(records, candidates) == [records]
    monkeypatch.setattr(probabilistic, "PAIRS_PER_CHUNK", 4)
    chunks = probabilistic._chunks(records, candidates)
    assert [chunk["unique_id"].to_list() for chunk in chunks] == [["r2"], ["r3"], ["r1", "r4"]]
    assert all(chunk.columns == records.columns for chunk in chunks)


@pytest.mark.parametrize("source", ["dwp_list", "funded_places"])
def test_the_blocking_rules_are_read_as_the_columns_that_must_agree(source):
    settings = linkage_settings(source, probability_two_random_records_match=0.01)
    keys = [["dob_unordered"], ["postcode"], ["forename", "surname"]]
    keys += [["parent_nino"]] if source == "dwp_list" else []
    assert probabilistic._blocking_keys(settings.get_settings("duckdb").as_dict()) == keys


@pytest.mark.parametrize(
    "rule",
    [
        'l."postcode" = r."address"',
        'substr(l."postcode", 1, 3) = substr(r."postcode", 1, 3)',
        'l."forename" = r."forename" OR l."surname" = r."surname"',
        'l."dob" = r."dob" AND l."postcode" != r."postcode"',
    ],
)
def test_a_blocking_rule_other_than_columns_agreeing_is_not_read(rule):
    rules = [{"blocking_rule": 'l."postcode" = r."postcode"'}, {"blocking_rule": rule}]
    assert probabilistic._blocking_keys({"blocking_rules_to_generate_predictions": rules}) is None


@pytest.mark.parametrize("source", ["dwp_list", "funded_places"])
def test_a_source_given_twice_links_as_the_source_given_once(council, linked_council, source):
    # Two releases of the DWP list, or two copies of the headcount, put together: every row
    # again under another id. Each repeat stays not linked, and competes with and trains on
    # nothing: the first rows link as before.
    rows = council[source]
    again = rows.with_columns(("R2-" + pl.col("record_id")).alias("record_id"))
    twice = link_all({**council, source: pl.concat([rows, again])})
    repeats = twice.filter(pl.col("record_id").str.starts_with("R2-"))
    assert repeats.height == rows.height
    assert repeats["band"].unique().to_list() == ["not_linked"]
    assert repeats["person_id"].null_count() == rows.height
    assert twice.filter(~pl.col("record_id").str.starts_with("R2-")).equals(linked_council)
