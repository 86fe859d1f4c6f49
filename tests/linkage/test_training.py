"""The linkage model trained on the data it links (issue 16, item 4): u by sampling, m by EM
pulled towards the priors, the priors kept when the data are too few, and the
different-address cap calibrated on the council's own name frequencies."""

from __future__ import annotations

import math
from datetime import date, timedelta

import polars as pl
import pytest

from tests.council import SCHEMAS
from workbench import progress
from workbench.linkage import evaluate_linkage, link_all
from workbench.linkage import probabilistic as stage
from workbench.linkage.model import LinkageModel, load_settings, save_settings
from workbench.linkage.probabilistic import (
    MIN_CHILDREN_FOR_NAMES,
    MIN_ROWS_FOR_M,
    link_probabilistic,
    trained_settings,
)
from workbench.linkage.settings import PRIOR_STRENGTH, linkage_settings
from workbench.synth import generate_council

progress.set_enabled(False)

DOB = date(2024, 3, 4)


def m_values(settings: dict) -> dict[tuple[str, str], float]:
    return {
        (c["output_column_name"], level["label_for_charts"]): level["m_probability"]
        for c in settings["comparisons"]
        for level in c["comparison_levels"]
        if not level.get("is_null_level")
    }


def prior_m(source: str) -> dict[tuple[str, str], float]:
    creator = linkage_settings(source, probability_two_random_records_match=0.001)
    return m_values(creator.get_settings("duckdb").as_dict())


@pytest.fixture(scope="module")
def council() -> dict[str, pl.DataFrame]:
    return generate_council(households=3_000, seed=7)


def test_a_list_too_small_to_learn_from_keeps_the_priors():
    people = pl.DataFrame(
        [{"person_id": "P1", "household_id": "H1", "forename": "Ada", "surname": "Lee",
          "date_of_birth": DOB, "nino": None, "postcode": "FQ1 1AA", "role": "child"}],
        schema=SCHEMAS["people"],
    )  # fmt: skip
    places = pl.DataFrame(
        {"record_id": ["F1"], "child_forename": ["Ada"], "child_surname": ["Lee"],
         "child_date_of_birth": [DOB], "postcode": ["FQ1 1AA"], "term_start": [date(2026, 9, 1)]}
    )  # fmt: skip
    settings = trained_settings({"people": people, "funded_places": places}, source="funded_places")
    assert m_values(settings) == prior_m("funded_places")


def test_m_is_learned_from_a_list_big_enough_and_stays_a_distribution(council):
    assert council["funded_places"].height >= MIN_ROWS_FOR_M
    settings = trained_settings(council, source="funded_places")
    learned, prior = m_values(settings), prior_m("funded_places")
    assert learned.keys() == prior.keys()
    changed = [key for key in learned if abs(learned[key] - prior[key]) > 1e-3]
    assert ("date_of_birth", "exact") in changed and ("forename", "exact") in changed
    for comparison in settings["comparisons"]:
        total = sum(
            level["m_probability"]
            for level in comparison["comparison_levels"]
            if not level.get("is_null_level")
        )
        assert total == pytest.approx(1.0, abs=1e-6), comparison["output_column_name"]
    # Pulled towards the prior: a level EM found almost never (a slip of a few letters in a
    # hyphen) keeps at least its prior's share of the pull.
    rows = council["funded_places"].height
    floor = PRIOR_STRENGTH / (rows + PRIOR_STRENGTH)
    for key, value in learned.items():
        assert value >= floor * prior[key] - 1e-9, key


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_training_is_deterministic_and_a_model_can_forbid_it(council, tmp_path):
    first = trained_settings(council, source="funded_places", seed=3)
    assert trained_settings(council, source="funded_places", seed=3) == first
    folder = save_settings(tmp_path / "model", estimate_u=False, estimate_m=False)
    model = load_settings(folder)
    assert (model.estimate_u, model.estimate_m) == (False, False)
    fixed = trained_settings(council, source="funded_places", model=model)
    assert m_values(fixed) == prior_m("funded_places")


def u_bits(settings: dict) -> dict[tuple[str, str], float]:
    return {
        (c["output_column_name"], level["label_for_charts"]): math.log2(level["u_probability"])
        for c in settings["comparisons"]
        for level in c["comparison_levels"]
        if not level.get("is_null_level")
    }


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_u_from_the_sampled_pairs_hardly_depends_on_the_seed(council):
    """u is estimated from `_MAX_U_PAIRS` random pairs: another seed draws other pairs, but
    the common levels' weights move by a fraction of a bit (a rare level may move more)."""
    first, second = (
        u_bits(trained_settings(council, source="funded_places", seed=s)) for s in (1, 2)
    )
    for key in [("date_of_birth", "exact"), ("date_of_birth", "a day apart"),
                ("postcode", "same district"), ("forename", "similar")]:  # fmt: skip
        assert abs(first[key] - second[key]) < 0.5, key


def linked_quality(council) -> dict[str, float]:
    evaluation = evaluate_linkage(link_all(council, seed=3), council["ground_truth"])
    row = evaluation.quality_by_source.filter(
        (pl.col("level") == "child")
        & (pl.col("bands") == "linked")
        & (pl.col("source") == "funded_places")
    ).row(0, named=True)
    return {"precision": row["precision"], "recall": row["recall"]}


@pytest.mark.slow  # over 8 s: make test-slow (CI runs both)
def test_em_on_a_seeded_sample_of_a_long_list_links_as_well_as_on_every_row(council, monkeypatch):
    """A list longer than `EM_MAX_ROWS` trains m on a seeded sample of its rows: the same
    seed gives the same model, and the links are as good as training on every row."""
    rows = council["funded_places"].height
    monkeypatch.setattr(stage, "EM_MAX_ROWS", rows // 2)
    sampled = trained_settings(council, source="funded_places", seed=3)
    assert trained_settings(council, source="funded_places", seed=3) == sampled
    # Learned, and pulled towards the prior as far as half the rows warrant (within the
    # rescaling that keeps each comparison a distribution).
    assert m_values(sampled) != prior_m("funded_places")
    floor = PRIOR_STRENGTH / (rows // 2 + PRIOR_STRENGTH)
    prior = prior_m("funded_places")
    for key, value in m_values(sampled).items():
        assert value >= 0.95 * floor * prior[key], key
    on_a_sample = linked_quality(council)
    monkeypatch.setattr(stage, "EM_MAX_ROWS", 0)
    assert trained_settings(council, source="funded_places", seed=3) != sampled
    on_every_row = linked_quality(council)
    assert on_a_sample["precision"] >= 0.995
    assert on_a_sample["recall"] >= on_every_row["recall"] - 0.005


def test_a_model_file_without_estimate_m_follows_estimate_u(tmp_path):
    import json

    folder = save_settings(tmp_path / "model", estimate_u=False)
    bands = json.loads((folder / "bands.json").read_text())
    del bands["estimate_m"]
    (folder / "bands.json").write_text(json.dumps(bands))
    assert load_settings(folder).estimate_m is False
    assert LinkageModel().estimate_m is True


# --- the different-address cap, calibrated on the council's names ----------------------------


def many_children(names: list[tuple[str, str]]) -> list[dict]:
    """One child per name, each in a household of their own with a parent, born across two
    years, at postcodes far from FQ9."""
    rows = []
    for i, (forename, surname) in enumerate(names):
        household, postcode = f"H{i}", f"FQ{1 + i % 7} {i % 9}AB"
        rows.append({"person_id": f"C{i}", "household_id": household, "forename": forename,
                     "surname": surname, "date_of_birth": date(2023, 1, 1) + timedelta(i % 730),
                     "nino": None, "postcode": postcode, "role": "child"})  # fmt: skip
        rows.append({"person_id": f"A{i}", "household_id": household, "forename": "Parent",
                     "surname": surname, "date_of_birth": date(1990, 1, 1), "nino": None,
                     "postcode": postcode, "role": "parent_carer"})  # fmt: skip
    return rows


def elizabeth_at_another_address(
    others: list[tuple[str, str]], parent_forename: str = "Ada"
) -> pl.DataFrame:
    people = [
        *many_children(others),
        {"person_id": "E1", "household_id": "HE", "forename": "Elizabeth", "surname": "Lee",
         "date_of_birth": DOB, "nino": None, "postcode": "FQ1 1AA", "role": "child"},
        {"person_id": "E0", "household_id": "HE", "forename": "Ada", "surname": "Lee",
         "date_of_birth": date(1990, 5, 1), "nino": None, "postcode": "FQ1 1AA",
         "role": "parent_carer"},
    ]  # fmt: skip
    dwp = pl.DataFrame(
        [{"record_id": "D1", "child_forename": "Elizabeth", "child_surname": "Lee",
          "child_date_of_birth": DOB, "parent_forename": parent_forename,
          "parent_surname": "Lee",
          "parent_nino": None, "postcode": "FQ9 9ZZ"}],
        schema=SCHEMAS["dwp_list"],
    )  # fmt: skip
    tables = {"people": pl.DataFrame(people, schema=SCHEMAS["people"]), "dwp_list": dwp}
    links = link_probabilistic(tables, source="dwp_list")
    return links.select("person_id", "band")


def test_a_rare_name_at_another_address_links_where_a_common_one_goes_to_a_person():
    count = MIN_CHILDREN_FOR_NAMES + 200
    rare = [(f"Kid{i}", f"Family{i}") for i in range(count)]
    assert elizabeth_at_another_address(rare).rows() == [("E1", "linked")]
    # Forty other Elizabeths and forty other Lees: in this council another Elizabeth Lee
    # born that day is plausible (about two in a thousand), so a person decides.
    common = [
        *(("Elizabeth", f"Family{i}") for i in range(40)),
        *((f"Kid{i}", "Lee") for i in range(40)),
        *rare[80:],
    ]
    assert elizabeth_at_another_address(common).rows() == [("E1", "clerical_review")]


def test_a_rare_name_at_another_address_with_another_parent_goes_to_a_person():
    rare = [(f"Kid{i}", f"Family{i}") for i in range(MIN_CHILDREN_FOR_NAMES + 200)]
    assert elizabeth_at_another_address(rare, parent_forename="Grace").rows() == [
        ("E1", "clerical_review")
    ]


def test_with_too_few_children_to_call_a_name_rare_every_other_address_goes_to_a_person():
    few = [(f"Kid{i}", f"Family{i}") for i in range(MIN_CHILDREN_FOR_NAMES // 2)]
    assert elizabeth_at_another_address(few).rows() == [("E1", "clerical_review")]


def test_a_list_with_nothing_in_common_with_the_index_keeps_the_priors_and_links_nobody():
    # Enough rows to train, but no pair agrees on a date of birth or on the names: EM has
    # nothing to learn from, and says so by an error Splink raises; the priors stand.
    people = pl.DataFrame(
        [{"person_id": f"P{i}", "household_id": f"H{i}", "forename": f"Ann{i}",
          "surname": f"Bee{i}", "date_of_birth": date(2024, 1, 1), "nino": None,
          "postcode": "FQ1 1AA", "role": "child"} for i in range(MIN_ROWS_FOR_M)],
        schema=SCHEMAS["people"],
    )  # fmt: skip
    places = pl.DataFrame(
        {
            "record_id": [f"F{i}" for i in range(MIN_ROWS_FOR_M)],
            "child_forename": [f"Zed{i}" for i in range(MIN_ROWS_FOR_M)],
            "child_surname": [f"Quill{i}" for i in range(MIN_ROWS_FOR_M)],
            "child_date_of_birth": [date(2024, 6, 1) + timedelta(i) for i in range(MIN_ROWS_FOR_M)],
            "postcode": ["ZZ9 9ZZ"] * MIN_ROWS_FOR_M,
            "term_start": [date(2026, 9, 1)] * MIN_ROWS_FOR_M,
        }
    )
    tables = {"people": people, "funded_places": places}
    assert m_values(trained_settings(tables, source="funded_places")) == prior_m("funded_places")
    links = link_probabilistic(tables, source="funded_places")
    assert links["band"].unique().to_list() == ["not_linked"]


@pytest.mark.slow
def test_the_people_table_in_another_row_order_gives_the_same_links_to_the_last_bit(council):
    """The links do not depend on the order of the person index (the candidate children are
    put in a fixed order before training sums over their pairs), and the DWP list and funded
    places, linked side by side, give what each gives alone."""
    shuffled = {**council, "people": council["people"].sample(fraction=1.0, shuffle=True, seed=5)}
    first = link_all(council, seed=3)
    assert link_all(shuffled, seed=3).equals(first)
    alone = link_all({k: v for k, v in council.items() if k != "dwp_list"}, seed=3)
    assert alone.equals(first.filter(pl.col("source") == "funded_places"))


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_em_with_each_side_named_trains_the_model_splinks_own_rule_does(council, monkeypatch):
    # The rule names the source's rows as the left side and the candidates as the right,
    # which lets DuckDB join one to the other rather than the candidates with themselves:
    # the pairs, and so every trained m, must be exactly those of Splink's `block_on`. (This
    # council's DWP list is too short to train on; the rule is the same for both sources.)
    from splink import block_on

    source = "funded_places"

    monkeypatch.setenv("WORKBENCH_LINKAGE_CACHE", "off")
    named = trained_settings(council, source=source)
    monkeypatch.setattr(stage, "_em_rule", lambda columns: block_on(*columns))
    assert m_values(trained_settings(council, source=source)) == m_values(named)
    assert m_values(named) != prior_m(source)


def test_em_compares_pairs_on_every_thread_and_sums_on_one_over_sorted_patterns(
    council, monkeypatch
):
    # EM's sums must not depend on thread timing (the trained weights would differ in the
    # last bits run to run); its pairs and comparison vectors, whole numbers, may use every
    # thread. Seen through the training connection's own hook, as Splink calls it.
    monkeypatch.setenv("WORKBENCH_LINKAGE_CACHE", "off")
    seen = []
    setup = stage._TrainingDuckDB._setup_for_execute_sql

    def spying(self, sql, physical_name):
        made = setup(self, sql, physical_name)
        threads = self.duckdb_con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        seen.append((self.em, physical_name.rsplit("_", 1)[0], threads, made))
        return made

    monkeypatch.setattr(stage._TrainingDuckDB, "_setup_for_execute_sql", spying)
    trained_settings(council, source="funded_places")
    em = [(name, threads, made) for during_em, name, threads, made in seen if during_em]
    every = stage.DuckDBAPI().duckdb_con.execute("SELECT current_setting('threads')").fetchall()[0]
    pairs = [t for name, t, _ in em if name.startswith(stage._EM_PAIR_TABLES)]
    assert pairs and set(pairs) == {every[0]}
    sums = [t for name, t, _ in em if name == "__splink__m_u_counts"]
    assert len(sums) > 2 and set(sums) == {1}
    patterns = [made for name, _, made in em if name == stage._EM_PATTERNS]
    assert patterns and all("ORDER BY ALL" in made for made in patterns)
