"""Linkage acceptance (issue 4): every comparison level on hand-made pairs, quality on a seeded
synthetic council written to `benchmarks/results/linkage_quality.json`, and no wrong family
reaching a list through an uncertain link that no person has confirmed."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from splink import DuckDBAPI, Linker

from tests.council import SCHEMAS, Council
from workbench import progress
from workbench.eligibility.assess import assess
from workbench.linkage import evaluate_linkage, link_all, link_all_with_pairs
from workbench.linkage import probabilistic as stage
from workbench.linkage.settings import linkage_settings, nickname_aliases
from workbench.synth import generate_council, write_council

progress.set_enabled(False)

RESULTS = Path(__file__).parents[2] / "benchmarks" / "results" / "linkage_quality.json"
COUNCIL_HOUSEHOLDS = 20_000
COUNCIL_SEED = 20260901
# Issue 4's targets, in the linked band at the default corruption.
MIN_CHILD_PRECISION = 0.995
MIN_CHILD_RECALL = 0.98
# DWP-list rows whose parent NINO agrees with no carer go to clerical review when the child
# lives elsewhere under a name common in the council, or was born on another day and the row
# names another parent (issue 16): such rows are decided by a person, so the DWP list's
# recall in the linked band may be lower than with clerical review. On this council the
# trained model holds back none (it held back 4 of 168 true pairs before training, 0.976).
MIN_DWP_RECALL_LINKED = 0.98
MIN_DWP_RECALL_WITH_CLERICAL = 0.99
MAX_CLERICAL_SHARE = 0.03
TERM = date(2026, 9, 1)

# --- hand-made pairs, one per comparison level ------------------------------------------------

CHILD_DOB = date(2024, 3, 4)
PARENT = {"forename": "Ada", "surname": "Lee", "nino": "AB123456C"}
# The index child and the DWP row agree on everything; each case changes one thing.
INDEX_CHILD = {"forename": "Elizabeth", "surname": "Lee", "dob": CHILD_DOB, "postcode": "FQ1 1AA"}
DWP_ROW = {
    "child_forename": "Elizabeth",
    "child_surname": "Lee",
    "child_date_of_birth": CHILD_DOB,
    "parent_forename": "Ada",
    "parent_surname": "Lee",
    "parent_nino": None,
    "postcode": "FQ1 1AA",
}
# (comparison, expected level, index child changes, DWP row changes)
LEVEL_CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    ("forename", "exact", {}, {}),
    ("forename", "nickname or alias", {}, {"child_forename": "Liz"}),
    ("forename", "close spelling", {}, {"child_forename": "Elizabth"}),
    ("forename", "forename and surname swapped", {},
     {"child_forename": "Lee", "child_surname": "Elizabeth"}),
    ("forename", "similar", {}, {"child_forename": "Elspeth"}),
    ("forename", "all other", {}, {"child_forename": "Chidi"}),
    ("surname", "exact", {}, {}),
    ("surname", "hyphen or space changed", {"surname": "Smith-Jones"},
     {"child_surname": "Smith Jones"}),
    ("surname", "one part of the name", {"surname": "Smith-Jones"}, {"child_surname": "Smith"}),
    ("surname", "close spelling", {"surname": "Robinson"}, {"child_surname": "Robinsen"}),
    ("surname", "similar", {"surname": "Robinson"}, {"child_surname": "Robertson"}),
    ("surname", "all other", {}, {"child_surname": "Okafor"}),
    ("date_of_birth", "exact", {}, {}),
    ("date_of_birth", "day and month swapped", {}, {"child_date_of_birth": date(2024, 4, 3)}),
    ("date_of_birth", "a day apart", {}, {"child_date_of_birth": date(2024, 3, 5)}),
    ("date_of_birth", "one character off", {}, {"child_date_of_birth": date(2024, 3, 14)}),
    ("date_of_birth", "all other", {}, {"child_date_of_birth": date(2023, 11, 20)}),
    ("postcode", "full postcode", {}, {}),
    ("postcode", "same sector", {}, {"postcode": "FQ1 1ZZ"}),
    ("postcode", "same district", {}, {"postcode": "FQ1 7BD"}),
    ("postcode", "all other", {}, {"postcode": "FQ9 2AB"}),
    ("postcode", "postcode is NULL", {}, {"postcode": None}),
    ("parent", "same NINO", {}, {"parent_nino": "AB123456C"}),
    ("parent", "same names", {}, {}),
    ("parent", "same surname", {}, {"parent_forename": "Pat"}),
    ("parent", "all other", {}, {"parent_forename": "Sam", "parent_surname": "Okafor"}),
]  # fmt: skip


def level_weights(source: str) -> dict[str, dict[float | None, str]]:
    """Per comparison, each level's starting weight log2(m/u) (rounded) -> its label; the
    null level (weight 0, no evidence) under the key None."""
    settings = linkage_settings(source, probability_two_random_records_match=0.01)
    found: dict[str, dict[float | None, str]] = {}
    for comparison in settings.get_settings("duckdb").as_dict()["comparisons"]:
        levels: dict[float | None, str] = {}
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                levels[None] = level["label_for_charts"]
            else:
                weight = math.log2(level["m_probability"] / level["u_probability"])
                levels[round(weight, 6)] = level["label_for_charts"]
        found[comparison["output_column_name"]] = levels
    return found


def test_every_level_has_its_own_starting_weight():
    # What lets a pair's level be read back from its weight in `comparison_levels`.
    settings = linkage_settings("dwp_list", probability_two_random_records_match=0.01)
    comparisons = settings.get_settings("duckdb").as_dict()["comparisons"]
    for comparison in comparisons:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        weights = level_weights("dwp_list")[comparison["output_column_name"]]
        assert len(weights) == len(levels) + 1, comparison["output_column_name"]


def index_people(child: dict[str, Any]) -> pl.DataFrame:
    rows = [
        ("P1", "H1", PARENT["forename"], PARENT["surname"], date(1990, 5, 1), PARENT["nino"],
         "FQ1 1AA", "parent_carer"),
        ("P2", "H1", child["forename"], child["surname"], child["dob"], None, child["postcode"],
         "child"),
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=SCHEMAS["people"], orient="row")


def comparison_levels(dwp_row: dict[str, Any], people: pl.DataFrame) -> dict[str, str]:
    """The level each comparison of the DWP settings gives the one (row, child) pair, read
    from Splink's per-comparison weights before term-frequency adjustment (`mw_<name>`).

    The columns are prepared by the stage's own feature step, so what is tested is the
    settings together with the features they read."""
    dwp = pl.DataFrame([{"record_id": "D1", **dwp_row}], schema=SCHEMAS["dwp_list"])
    aliases = nickname_aliases()
    raw = stage._source_records(dwp.lazy(), "dwp_list").collect()
    children = stage._candidate_children(
        stage._index_people(people.lazy()), raw.lazy(), with_carers=True, has_role=True
    )
    records = stage._features(raw.lazy(), aliases).collect().select(stage._COLUMNS)
    candidates = stage._features(children, aliases).collect().select(stage._COLUMNS)
    db_api = DuckDBAPI()
    linker = Linker(
        [
            db_api.register(records.to_arrow(), table_name="dwp_rows"),
            db_api.register(candidates.to_arrow(), table_name="children"),
        ],
        linkage_settings("dwp_list", probability_two_random_records_match=0.01),
        log_level=None,
    )
    scored = pl.DataFrame(linker.inference.predict().as_pyarrow_table())
    db_api.duckdb_con.close()
    assert scored.height == 1, "the hand-made pair must pass a blocking rule"
    levels = {}
    for comparison, by_weight in level_weights("dwp_list").items():
        weight = round(scored[f"mw_{comparison}"].item(), 6)
        # A null comparison weighs 0; so does a level whose m equals its u, which wins.
        levels[comparison] = by_weight.get(weight) or (by_weight[None] if weight == 0 else "?")
    return levels


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
@pytest.mark.parametrize(
    ("comparison", "level", "child", "row"),
    LEVEL_CASES,
    ids=[f"{c}-{lv}" for c, lv, _, _ in LEVEL_CASES],
)
def test_a_hand_made_pair_lands_in_its_comparison_level(comparison, level, child, row):
    people = index_people(INDEX_CHILD | child)
    assert comparison_levels(DWP_ROW | row, people)[comparison] == level


def test_a_child_with_no_carer_on_the_index_has_a_null_parent_comparison():
    people = index_people(INDEX_CHILD).filter(pl.col("role") == "child")
    assert comparison_levels(DWP_ROW, people)["parent"] == "parent_surname is NULL"


def test_scored_pairs_carry_the_level_weight_of_each_comparison():
    # The public path: a tiny list keeps the starting u, so a level without term-frequency
    # adjustment contributes exactly log2(m/u) to the scored pair.
    row = DWP_ROW | {"record_id": "D1", "child_date_of_birth": date(2024, 4, 3)}
    tables = {
        "people": index_people(INDEX_CHILD),
        "dwp_list": pl.DataFrame([row], schema=SCHEMAS["dwp_list"]),
    }
    _, pairs = link_all_with_pairs(tables)
    contributions = json.loads(pairs.filter(pl.col("person_id") == "P2")["contributions"].item())
    weights = {label: w for w, label in level_weights("dwp_list")["date_of_birth"].items()}
    parent = {label: w for w, label in level_weights("dwp_list")["parent"].items()}
    swapped, same_names = weights["day and month swapped"], parent["same names"]
    assert swapped is not None and same_names is not None  # neither is the null level
    assert contributions["date_of_birth"] == round(swapped, 3)
    assert contributions["parent"] == round(same_names, 3)


# --- quality on a seeded synthetic council ---------------------------------------------------


@pytest.fixture(scope="module")
def council() -> dict[str, pl.DataFrame]:
    return generate_council(households=COUNCIL_HOUSEHOLDS, seed=COUNCIL_SEED)


@pytest.fixture(scope="module")
def measured(council) -> dict[str, Any]:
    """Link the council, measure it, and write the figures to the results file."""
    links, pairs = link_all_with_pairs(council)
    evaluation = evaluate_linkage(links, council["ground_truth"], scored_pairs=pairs)
    figures = quality_figures(evaluation, council)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    return figures


def quality_figures(evaluation, council) -> dict[str, Any]:
    def child_linked(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter((pl.col("level") == "child") & (pl.col("bands") == "linked"))

    overall = child_linked(evaluation.quality).row(0, named=True)
    with_clerical = evaluation.quality_by_source.filter(
        (pl.col("level") == "child")
        & (pl.col("bands") == "linked+clerical_review")
        & (pl.col("source") == "dwp_list")
    ).row(0, named=True)
    by_source = {
        r["source"]: {k: r[k] for k in ("true", "predicted", "correct", "precision", "recall")}
        for r in child_linked(evaluation.quality_by_source).iter_rows(named=True)
    }
    bands = {r["source"]: r for r in evaluation.bands.iter_rows(named=True)}
    dwp = bands["dwp_list"]
    return {
        "what": "child-level linkage quality in the linked band, synthetic council, default "
        "corruption (tests/linkage/test_acceptance.py)",
        "households": COUNCIL_HOUSEHOLDS,
        "seed": COUNCIL_SEED,
        "dwp_rows": council["dwp_list"].height,
        "funded_place_rows": council["funded_places"].height,
        "child_precision": overall["precision"],
        "child_recall": overall["recall"],
        "child_f1": overall["f1"],
        "by_source": by_source,
        "dwp_recall_with_clerical": with_clerical["recall"],
        "dwp_clerical_rows": dwp["clerical_pairs"],
        "dwp_clerical_share": dwp["clerical_share"],
        "funded_places_clerical_share": bands["funded_places"]["clerical_share"],
        "targets": {
            "min_child_precision": MIN_CHILD_PRECISION,
            "min_child_recall": MIN_CHILD_RECALL,
            "min_dwp_recall_linked": MIN_DWP_RECALL_LINKED,
            "min_dwp_recall_with_clerical": MIN_DWP_RECALL_WITH_CLERICAL,
            "max_dwp_clerical_share": MAX_CLERICAL_SHARE,
        },
    }


def test_child_level_precision_in_the_linked_band_meets_the_target(measured):
    assert measured["child_precision"] >= MIN_CHILD_PRECISION
    for source, figures in measured["by_source"].items():
        assert figures["precision"] >= MIN_CHILD_PRECISION, source


def test_child_level_recall_in_the_linked_band_meets_the_target(measured):
    assert measured["child_recall"] >= MIN_CHILD_RECALL
    assert measured["by_source"]["funded_places"]["recall"] >= MIN_CHILD_RECALL
    assert measured["by_source"]["dwp_list"]["recall"] >= MIN_DWP_RECALL_LINKED
    assert measured["dwp_recall_with_clerical"] >= MIN_DWP_RECALL_WITH_CLERICAL


def test_clerical_band_is_under_three_percent_of_dwp_rows(measured):
    assert measured["dwp_clerical_share"] < MAX_CLERICAL_SHARE


def test_the_figures_file_holds_what_was_measured(measured):
    written = json.loads(RESULTS.read_text())
    assert written == measured
    assert written["dwp_rows"] > 0 and written["by_source"]["dwp_list"]["true"] > 0


# --- no wrong family through an unconfirmed uncertain link -------------------------------------

UNKNOWN_CHILD_DOB = date(2024, 3, 7)  # the DWP child: unknown to the council
OTHER_CHILDREN = 100  # other families' children: the prior is one in the children indexed
OTHER_DISTRICT = "FQ9 2AB"
AMELIAS_POSTCODE = "FQ1 1AA"


def wrong_family_council(postcode: str = OTHER_DISTRICT) -> Council:
    """A DWP child unknown to the council whose best candidate is Amelia Lee of another
    family: the same names, a date of birth one digit off, no NINO, another parent forename,
    and the DWP row's `postcode` (by default another postcode district).

    At Amelia's own postcode the model alone would link them with a probability near 1 (a
    same-named child three days apart at the same address looks like the same child); the
    stage caps such a pair at `clerical_review`, because neither the date of birth nor a
    parent NINO agrees."""
    council = Council()
    council.person(
        "P1", "H1", date(1990, 5, 1), role="parent_carer", nino="AB123456C", forename="Ada"
    )
    council.person("P2", "H1", date(2024, 3, 4), role="child", forename="Amelia")
    # Amelia's family is on Universal Credit: she is listed, but for that reason only.
    council.award("A1", "P1", "universal_credit", net=5000.0)
    for i in range(OTHER_CHILDREN):
        council.person(
            f"F{i:03d}",
            f"G{i:03d}",
            date(2023, 1, 1) + timedelta(days=7 * i),
            role="child",
            forename=f"Child{i}",
            surname=f"Family{i}",
            postcode=f"FQ{2 + i % 5} {i % 9}AB",
        )
    council.rows["dwp_list"].append(
        {
            "record_id": "D1",
            "child_forename": "Amelia",
            "child_surname": "Lee",
            "child_date_of_birth": UNKNOWN_CHILD_DOB,
            "parent_forename": "Pat",
            "parent_surname": "Lee",
            "parent_nino": None,
            "postcode": postcode,
        }
    )  # fmt: skip
    return council


@pytest.mark.parametrize("postcode", [OTHER_DISTRICT, AMELIAS_POSTCODE])
def test_the_wrong_child_is_only_a_clerical_candidate(postcode):
    tables = {k: v.collect() for k, v in wrong_family_council(postcode).tables().items()}
    links = link_all({"people": tables["people"], "dwp_list": tables["dwp_list"]})
    assert links.select("record_id", "person_id", "band").rows() == [
        ("D1", "P2", "clerical_review")
    ]


def test_at_the_same_postcode_only_the_cap_keeps_the_wrong_child_out_of_the_linked_band():
    # The model is sure (the trap); the band is not. Amelia's date of birth with day and month
    # swapped, or her parent's NINO (as DWP may write it), lifts the cap in the Splink stage.
    tables = {k: v.collect() for k, v in wrong_family_council(AMELIAS_POSTCODE).tables().items()}
    links = link_all({"people": tables["people"], "dwp_list": tables["dwp_list"]})
    assert links["match_probability"].item() >= 0.95
    assert links.select("person_id", "band", "method").rows() == [
        ("P2", "clerical_review", "splink")
    ]
    row = tables["dwp_list"].row(0, named=True)
    for change in ({"child_date_of_birth": date(2024, 4, 3)}, {"parent_nino": "ab 12 34 56 c"}):
        dwp = pl.DataFrame([row | change], schema=tables["dwp_list"].schema)
        links = link_all({"people": tables["people"], "dwp_list": dwp})
        assert links.select("person_id", "band", "method").rows() == [("P2", "linked", "splink")], (
            change
        )


@pytest.mark.parametrize("postcode", [OTHER_DISTRICT, AMELIAS_POSTCODE])
def test_no_wrong_family_reaches_a_list_through_an_unconfirmed_uncertain_link(tmp_path, postcode):
    tables = {k: v.collect() for k, v in wrong_family_council(postcode).tables().items()}
    write_council(tables, tmp_path / "data", "csv")
    listed = assess(
        tmp_path / "data", "two_year_old", term_start=TERM, as_of=TERM, linkage="probabilistic"
    ).candidates
    dwp_rows = listed.filter(pl.col("dwp_record_id") == "D1")
    assert dwp_rows.select("person_id", "link_needs_review").rows() == [(None, True)]
    assert "dwp_list" in dwp_rows["reason_codes"].item().to_list()
    wrong_child = listed.filter(pl.col("person_id") == "P2")
    assert wrong_child.select("dwp_record_id", "link_needs_review").rows() == [(None, False)]
    assert wrong_child["reason_codes"].item().to_list() == ["universal_credit_low_income"]
