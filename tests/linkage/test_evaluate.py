"""Linkage evaluation: exact metrics on hand-made links, calibration, the clerical classifier's
keep/refuse rule, and the settings' JSON round trip."""

from __future__ import annotations

import json
from datetime import date
from typing import cast

import numpy as np
import polars as pl
import pytest

from workbench.errors import DataFileError, UsageError
from workbench.linkage.evaluate import (
    comparison_features,
    evaluate_linkage,
    fit_clerical_classifier,
)
from workbench.linkage.folder import link_folder
from workbench.linkage.model import load_settings, save_settings
from workbench.linkage.probabilistic import link_all, link_all_with_pairs, link_probabilistic
from workbench.linkage.quality import linkage_quality
from workbench.synth import generate_council, write_council

# --- hand-made links and truth ------------------------------------------------------------------
# DWP: D1 right; D2 linked to the wrong child; D3 right but only in clerical review; D4 missed;
# D5 is a child the index does not hold, linked to someone anyway.
# Funded places: P1's two terms both linked (right); P2's second term (F4) missed.
LINKS = pl.DataFrame(
    {
        "source": ["dwp_list"] * 5 + ["funded_places"] * 4,
        "record_id": ["D1", "D2", "D3", "D4", "D5", "F1", "F2", "F3", "F4"],
        "person_id": ["P1", "P9", "P3", None, "P5", "P1", "P1", "P2", None],
        "band": ["linked", "linked", "clerical_review", "not_linked", "linked",
                 "linked", "linked", "linked", "not_linked"],
        "match_probability": [0.99, 0.97, 0.7, 0.1, 0.96, 1.0, 1.0, 0.98, 0.2],
        "method": ["splink"] * 5 + ["child_name_dob", "splink", "splink", "splink"],
    }
)  # fmt: skip
TRUTH = pl.DataFrame(
    {
        "source": ["dwp_list"] * 5 + ["funded_places"] * 4,
        "record_id": ["D1", "D2", "D3", "D4", "D5", "F1", "F2", "F3", "F4"],
        "person_id": ["P1", "P2", "P3", "P4", None, "P1", "P1", "P2", "P2"],
        "corruption_level": [0, 1, 1, 2, 0, 0, 1, 0, 2],
    }
)
COUNTS = ("true", "predicted", "correct")


@pytest.fixture(scope="module")
def evaluation():
    return evaluate_linkage(LINKS, TRUTH)


def test_pair_and_child_level_metrics_are_exact(evaluation):
    rows = evaluation.quality.select("level", "bands", *COUNTS, "precision", "recall", "f1")
    assert rows.rows() == [
        ("pair", "linked", 8, 6, 4, 4 / 6, 4 / 8, 4 / 7),
        ("pair", "linked+clerical_review", 8, 7, 5, 5 / 7, 5 / 8, 2 / 3),
        # A child is right only when linked to exactly their rows: P2 lacks F4, P9 is wrong.
        ("child", "linked", 6, 5, 2, 2 / 5, 2 / 6, 4 / 11),
        ("child", "linked+clerical_review", 6, 6, 3, 3 / 6, 3 / 6, 3 / 6),
    ]


def test_pair_level_agrees_with_linkage_quality(evaluation):
    reference = linkage_quality(LINKS, TRUTH, bands=("linked",))
    ours = evaluation.quality.filter((pl.col("level") == "pair") & (pl.col("bands") == "linked"))
    assert ours.select("precision", "recall", "f1").row(0) == reference.select(
        "precision", "recall", "f1"
    ).row(0)


def test_quality_per_source(evaluation):
    linked_children = evaluation.quality_by_source.filter(
        (pl.col("level") == "child") & (pl.col("bands") == "linked")
    )
    assert linked_children.select("source", *COUNTS).rows() == [
        ("dwp_list", 4, 3, 1),
        ("funded_places", 2, 2, 1),
    ]


def test_quality_per_corruption_level(evaluation):
    linked = evaluation.quality_by_corruption.filter(pl.col("bands") == "linked")
    assert linked.select("source", "corruption_level", "level", *COUNTS).rows() == [
        ("dwp_list", 0, "pair", 1, 2, 1),
        ("dwp_list", 0, "child", 1, 2, 1),
        ("dwp_list", 1, "pair", 2, 1, 0),
        ("dwp_list", 1, "child", 2, 1, 0),
        ("dwp_list", 2, "pair", 1, 0, 0),
        ("dwp_list", 2, "child", 1, 0, 0),
        ("funded_places", 0, "pair", 2, 2, 2),
        ("funded_places", 1, "pair", 1, 1, 1),
        ("funded_places", 1, "child", 1, 1, 1),
        # P2's rows are at levels 0 and 2: the child counts at the highest.
        ("funded_places", 2, "pair", 1, 0, 0),
        ("funded_places", 2, "child", 1, 1, 0),
    ]


def test_bands_count_the_clerical_pairs(evaluation):
    assert evaluation.bands.rows() == [
        ("dwp_list", 5, 3, 1, 1, 1, 1 / 5),
        ("funded_places", 4, 3, 0, 1, 0, 0.0),
    ]
    assert evaluation.bands.columns == [
        "source", "rows", "linked", "clerical_pairs", "not_linked", "clerical_pairs_true",
        "clerical_share",
    ]  # fmt: skip


def test_without_scored_pairs_calibration_uses_the_splink_rows_that_name_a_person(evaluation):
    # D1, D2, D3, D5, F2, F3: six pairs, too few for quantile bins.
    calibration = evaluation.calibration
    assert calibration["strategy"].unique().to_list() == ["uniform"]
    assert calibration["pairs"].sum() == 6
    assert calibration["pairs"].to_list() == [1, 5]
    assert calibration["observed_share"].to_list() == [1.0, 0.6]
    assert calibration["probability_from"].to_list() == pytest.approx([0.6, 0.9])


def test_written_tables_hold_no_person_or_record_ids(evaluation, tmp_path):
    written = evaluation.write(tmp_path)
    assert sorted(p.name for p in written) == [
        "linkage_bands.csv", "linkage_calibration.csv", "linkage_quality.csv",
        "linkage_quality_by_corruption.csv", "linkage_quality_by_source.csv",
    ]  # fmt: skip
    for path in written:
        text = path.read_text()
        assert "person_id" not in text and "record_id" not in text
        assert not any(token in text for token in ("P1", "P9", "D1", "F1"))
    assert pl.read_csv(tmp_path / "linkage_quality.csv").height == 4


def test_summary_has_a_line_per_level_and_band_set(evaluation):
    lines = evaluation.summary()
    assert lines[0] == (
        "pair level, linked: precision 0.6667, recall 0.5000, F1 0.5714 (4 of 8 true, 6 predicted)"
    )
    assert len(lines) == 4


def test_missing_columns_are_named():
    with pytest.raises(UsageError, match="truth lacks column\\(s\\) corruption_level"):
        evaluate_linkage(LINKS, TRUTH.drop("corruption_level"))


# --- calibration --------------------------------------------------------------------------------


def calibration_of(probabilities: list[float], true_from: float) -> pl.DataFrame:
    n = len(probabilities)
    ids = [f"R{i}" for i in range(n)]
    pairs = pl.DataFrame(
        {"source": ["dwp_list"] * n, "record_id": ids, "person_id": ids,
         "match_probability": probabilities}
    )  # fmt: skip
    truth = pairs.select(
        "source",
        "record_id",
        pl.when(pl.col("match_probability") >= true_from).then("person_id").alias("person_id"),
        corruption_level=pl.lit(0),
    )
    links = pairs.with_columns(band=pl.lit("linked"), method=pl.lit("splink"))
    return evaluate_linkage(links, truth, scored_pairs=pairs).calibration


def test_calibration_has_ten_quantile_bins_with_rising_edges():
    calibration = calibration_of([i / 199 for i in range(200)], true_from=0.5)
    assert calibration.height == 10
    assert calibration["strategy"].unique().to_list() == ["quantile"]
    assert calibration["pairs"].to_list() == [20] * 10
    assert calibration["observed_share"].to_list() == [0.0] * 5 + [1.0] * 5
    for column in ("probability_from", "probability_to", "mean_probability"):
        assert cast(float, calibration[column].diff().drop_nulls().min()) > 0
    assert (calibration["probability_from"] <= calibration["mean_probability"]).all()
    assert (calibration["mean_probability"] <= calibration["probability_to"]).all()


def test_calibration_falls_back_to_equal_width_bins_on_few_pairs():
    calibration = calibration_of([0.05, 0.15, 0.95, 0.97], true_from=0.9)
    assert calibration.select("bin", "strategy", "pairs").rows() == [
        (1, "uniform", 1),
        (2, "uniform", 1),
        (3, "uniform", 2),
    ]
    assert calibration["probability_from"].to_list() == pytest.approx([0.0, 0.1, 0.9])
    assert calibration["observed_share"].to_list() == [0.0, 0.0, 1.0]


# --- the clerical classifier --------------------------------------------------------------------


def vectors(n: int, seed: int = 0) -> tuple[pl.DataFrame, np.ndarray]:
    """Comparison vectors where the date of birth decides and the Fellegi-Sunter probability
    follows the postcode alone: a model that a learned check should beat."""
    rng = np.random.default_rng(seed)
    match = rng.random(n) < 0.5
    dob = np.where(match, 8.0, -8.0) + rng.normal(0, 1, n)
    postcode = rng.normal(0, 3, n)
    contributions = [
        json.dumps({"date_of_birth": round(d, 3), "postcode": round(p, 3), "parent": None})
        for d, p in zip(dob, postcode, strict=True)
    ]
    probability = 1 / (1 + np.exp(-postcode))
    frame = pl.DataFrame({"contributions": contributions, "match_probability": probability})
    return frame, match


def test_comparison_features_read_every_comparison_named():
    frame = pl.DataFrame(
        {"contributions": ['{"forename":5.5,"parent":null}', '{"forename":-1.0,"dob":2.0}']}
    )
    features = comparison_features(frame)
    assert features.columns == ["dob", "forename", "parent"]
    assert features.rows() == [(0.0, 5.5, 0.0), (2.0, -1.0, 0.0)]


def test_a_classifier_that_beats_fellegi_sunter_on_every_fold_is_kept():
    frame, match = vectors(200)
    model = fit_clerical_classifier(frame, ["link_confirmed" if m else "link_rejected"
                                            for m in match])  # fmt: skip
    assert model.keep, model.reason
    assert model.reason.startswith("kept: beats the Fellegi-Sunter model by at least 0.02 F1")
    assert model.features == ("date_of_birth", "parent", "postcode")
    assert model.cross_validation.height == 10
    fresh, fresh_match = vectors(50, seed=1)
    predicted = model.predict_proba(fresh) >= 0.5
    assert (predicted == fresh_match).all()


def test_too_few_labels_are_refused_with_the_reason():
    frame, match = vectors(20)
    model = fit_clerical_classifier(frame, match)
    assert not model.keep
    assert model.reason == (
        "only 20 labelled pairs; at least 50 are needed before cross-validation can show "
        "anything: keep using the Fellegi-Sunter model"
    )
    assert model.estimator is None
    with pytest.raises(UsageError, match="the clerical classifier is not used: only 20"):
        model.predict_proba(frame)


def test_too_few_rejections_are_refused():
    frame, _ = vectors(60)
    labels = [True] * 55 + [False] * 5
    model = fit_clerical_classifier(frame, labels)
    assert not model.keep
    assert model.reason.startswith("55 confirmed and 5 rejected pairs; at least 10 of each")


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (["link_confirmed"] * 3, "3 labels for 60 comparison vectors"),
        (["yes"] * 60, "labels must be link_confirmed / link_rejected or True / False"),
    ],
)
def test_bad_labels_say_what_was_expected(labels, message):
    frame, _ = vectors(60)
    with pytest.raises(UsageError, match=message):
        fit_clerical_classifier(frame, labels)


# --- a synthetic council ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def council() -> dict[str, pl.DataFrame]:
    return generate_council(households=2000, seed=11)


@pytest.fixture(scope="module")
def linked(council) -> tuple[pl.DataFrame, pl.DataFrame]:
    return link_all_with_pairs(council)


def truth_labels(pairs: pl.DataFrame, truth: pl.DataFrame) -> pl.Series:
    key = ["source", "record_id", "person_id"]
    true_pairs = truth.filter(pl.col("person_id").is_not_null()).select(key).unique()
    marked = pairs.join(true_pairs.with_columns(true=pl.lit(True)), on=key, how="left")
    return marked["true"].fill_null(False)


def test_scored_pairs_are_every_candidate_splink_scored(council, linked):
    links, pairs = linked
    assert link_all(council).equals(links)
    splink_rows = links.filter(pl.col("method") == "splink")
    assert pairs.select("source", "record_id").unique().height <= splink_rows.height
    named = splink_rows.filter(pl.col("person_id").is_not_null()).select(
        "source", "record_id", "person_id", "match_probability"
    )
    assert named.join(pairs, on=["source", "record_id", "person_id"], how="anti").is_empty()


def test_on_a_synthetic_council_truth_labels_do_not_justify_a_classifier(council, linked):
    # Ground truth standing in for reviewers: Fellegi-Sunter is already near perfect, so a
    # learned check gains less than the margin and is not kept.
    _, pairs = linked
    model = fit_clerical_classifier(pairs, truth_labels(pairs, council["ground_truth"]))
    assert not model.keep
    assert model.reason.startswith("not kept: does not beat the Fellegi-Sunter model by 0.02")
    means = model.cross_validation.group_by("model").agg(pl.col("f1").mean()).sort("model")
    assert means["model"].to_list() == ["classifier", "fellegi_sunter"]
    assert cast(float, means["f1"].min()) >= 0.95


def test_synthetic_council_quality_in_the_linked_band(council, linked):
    links, pairs = linked
    evaluation = evaluate_linkage(links, council["ground_truth"], scored_pairs=pairs)
    child = evaluation.quality_by_source.filter(
        (pl.col("level") == "child") & (pl.col("bands") == "linked")
    )
    dwp = child.filter(pl.col("source") == "dwp_list").row(0, named=True)
    assert dwp["precision"] >= 0.995 and dwp["recall"] >= 0.98
    bands = evaluation.bands.filter(pl.col("source") == "dwp_list").row(0, named=True)
    assert bands["clerical_share"] < 0.03
    assert evaluation.calibration["pairs"].sum() == pairs.height


# --- settings as Splink JSON --------------------------------------------------------------------


def test_settings_json_round_trip_gives_the_same_links(council, linked, tmp_path):
    folder = save_settings(tmp_path / "model")
    assert sorted(p.name for p in folder.iterdir()) == [
        "bands.json", "dwp_list.json", "funded_places.json",
    ]  # fmt: skip
    splink_dict = json.loads((folder / "dwp_list.json").read_text())
    names = [c["output_column_name"] for c in splink_dict["comparisons"]]
    assert names == ["forename", "surname", "date_of_birth", "postcode", "address", "parent"]
    model = load_settings(folder)
    assert model.thresholds == (0.95, 0.5)
    assert link_all(council, model=model).equals(linked[0])


def test_thresholds_saved_with_the_model_are_used(tmp_path):
    # Liz for Elizabeth, born 3 April for 4 March: probable, not certain.
    people = pl.DataFrame(
        {"person_id": ["P1"], "household_id": ["H1"], "forename": ["Elizabeth"],
         "surname": ["Lee"], "date_of_birth": [date(2024, 3, 4)], "role": ["child"]}
    )  # fmt: skip
    dwp = pl.DataFrame(
        {"record_id": ["D1"], "child_forename": ["Liz"], "child_surname": ["Lee"],
         "child_date_of_birth": [date(2024, 4, 3)], "parent_forename": ["Ada"],
         "parent_surname": ["Lee"]}
    )  # fmt: skip
    tables = {"people": people, "dwp_list": dwp}
    model = load_settings(save_settings(tmp_path, thresholds=(1.0, 0.01)))
    links = link_probabilistic(tables, source="dwp_list", model=model)
    assert links.select("person_id", "band").row(0) == ("P1", "clerical_review")


def test_a_spark_model_holds_spark_sql_and_is_refused_on_duckdb(tmp_path, council):
    folder = save_settings(tmp_path, dialect="spark")
    text = (folder / "dwp_list.json").read_text()
    assert "jaro_winkler(" in text and "jaro_winkler_similarity" not in text
    model = load_settings(folder)
    assert model.sql_dialect == "spark"
    with pytest.raises(UsageError, match="holds spark SQL"):
        link_all(council, model=model)


def test_a_broken_model_folder_names_the_file(tmp_path):
    save_settings(tmp_path)
    (tmp_path / "funded_places.json").unlink()
    with pytest.raises(DataFileError, match=r"funded_places\.json: not found"):
        load_settings(tmp_path)
    with pytest.raises(UsageError, match="dialect must be one of duckdb, spark"):
        save_settings(tmp_path, dialect="postgres")


# --- a data folder, as `workbench link` runs it -------------------------------------------------


def test_link_folder_writes_owner_only_links_and_the_quality_tables(council, linked, tmp_path):
    write_council(council, tmp_path / "data")
    run = link_folder(
        tmp_path / "data",
        tmp_path / "links.csv",
        truth=tmp_path / "data" / "ground_truth.csv",
        quality_out=tmp_path / "quality",
    )
    assert (tmp_path / "links.csv").stat().st_mode & 0o777 == 0o600
    written = pl.read_csv(tmp_path / "links.csv", infer_schema=False)
    assert written.height == linked[0].height
    assert written["band"].to_list() == linked[0]["band"].to_list()
    assert run.evaluation is not None
    assert len(run.quality_files) == 6  # and linkage_truth_coverage
    # Small counts of pairs from the council's truth, with no disclosure control: owner-only.
    assert (tmp_path / "quality").stat().st_mode & 0o777 == 0o700
    assert {path.stat().st_mode & 0o777 for path in run.quality_files} == {0o600}
    quality = pl.read_csv(tmp_path / "quality" / "linkage_quality.csv")
    assert cast(float, quality.filter(pl.col("level") == "child")["precision"].min()) >= 0.99


def test_link_folder_refuses_a_quality_folder_without_a_truth(tmp_path):
    with pytest.raises(UsageError, match="--quality-out needs --truth"):
        link_folder(tmp_path, tmp_path / "links.csv", quality_out=tmp_path / "q")
    with pytest.raises(UsageError, match=r"^out must end in \.csv or \.parquet"):
        link_folder(tmp_path, tmp_path / "links.txt")
