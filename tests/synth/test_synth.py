"""Synthetic councils: deterministic, in the canonical shape, realistic, with ground truth."""

from __future__ import annotations

import copy
import hashlib
from datetime import date
from pathlib import Path
from typing import cast

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from workbench.cli import app
from workbench.data import clean
from workbench.data.schema import TABLES
from workbench.errors import RuleFileError, UsageError
from workbench.synth import (
    EXTRA_TABLES,
    alias_lists,
    generate_council,
    load_nicknames,
    load_rates,
    write_council,
)

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = date(2026, 9, 1)
TAX_CREDITS_CLOSED = date(2025, 4, 5)
TAX_CREDITS = ("child_tax_credit", "working_tax_credit", "wtc_run_on")
SAMPLE_SEED = 20260901
SAMPLE_HOUSEHOLDS = 300


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def read_text_tables(folder: Path) -> dict[str, pl.DataFrame]:
    """Every CSV of a folder as text, as the loader would read it."""
    return {p.stem: pl.read_csv(p, infer_schema=False) for p in sorted(folder.glob("*.csv"))}


def age_on(day: date) -> pl.Expr:
    return (pl.lit(day) - pl.col("date_of_birth")).dt.total_days() / 365.25


def active_on(day: date) -> pl.Expr:
    return (pl.col("start_date") <= day) & (
        pl.col("end_date").is_null() | (pl.col("end_date") >= day)
    )


@pytest.fixture(scope="module")
def council() -> dict[str, pl.DataFrame]:
    """A council big enough for rates to show (2,000 households), made once."""
    return generate_council(households=2000, seed=11)


@pytest.fixture(scope="module")
def people(council) -> pl.DataFrame:
    return council["people"].with_columns(age=age_on(REFERENCE))


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_and_arguments_write_byte_identical_files(tmp_path):
    for run in ("first", "second"):
        write_council(generate_council(200, seed=5, messy=True), tmp_path / run)
    assert digests(tmp_path / "first") == digests(tmp_path / "second")


def test_another_seed_writes_different_data(tmp_path):
    write_council(generate_council(200, seed=5), tmp_path / "five")
    write_council(generate_council(200, seed=6), tmp_path / "six")
    five, six = digests(tmp_path / "five"), digests(tmp_path / "six")
    assert all(five[f"{t}.csv"] != six[f"{t}.csv"] for t in ("people", "benefits"))


def test_adding_bad_rows_changes_only_the_rows_the_manifest_warns_about():
    clean_people = generate_council(200, seed=3)["people"].with_columns(pl.all().cast(pl.String))
    messy = generate_council(200, seed=3, messy=True)
    changed = clean_people.join(
        messy["people"], on=clean_people.columns, how="anti", nulls_equal=True
    )
    warned = messy["messy_manifest"].filter(
        (pl.col("table") == "people") & (pl.col("expected") == "warning")
    )
    assert changed.height == warned.height


# --- the canonical shape ----------------------------------------------------------------------


def test_every_file_loads_with_exactly_the_canonical_columns(tmp_path):
    written = write_council(generate_council(200, seed=1), tmp_path)
    tables = read_text_tables(tmp_path)
    assert {p.name for p in written} == {
        *(f"{t}.csv" for t in TABLES),
        "ground_truth.csv",
        "providers.csv",
        "README.md",
    }
    for name, table in TABLES.items():
        assert tables[name].columns == list(table.column_names), name


def test_dates_are_written_in_iso_form(tmp_path):
    write_council(generate_council(200, seed=1), tmp_path)
    people = read_text_tables(tmp_path)["people"]
    assert people["date_of_birth"].str.contains(r"^\d{4}-\d{2}-\d{2}$").all()


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_other_formats_hold_the_same_people(tmp_path, fmt):
    tables = generate_council(60, seed=2)
    write_council(tables, tmp_path, format=fmt)
    path = tmp_path / f"people.{fmt}"
    people = pl.read_parquet(path) if fmt == "parquet" else pl.read_excel(path)
    assert people["person_id"].to_list() == tables["people"]["person_id"].to_list()
    assert (tmp_path / "ground_truth.csv").exists()


def check_schema(tables: dict[str, pl.DataFrame]) -> None:
    """The invariants the loader enforces: nothing here may be quarantined."""
    for name, table in TABLES.items():
        frame = tables[name]
        assert frame.columns == list(table.column_names)
        for column in table.columns:
            values = frame[column.name]
            if column.required:
                assert values.null_count() == 0, f"{name}.{column.name} has empties"
            if column.allowed is not None:
                assert set(values.drop_nulls().to_list()) <= set(column.allowed), column.name
        assert frame[table.id_column].is_unique().all(), f"{name} ids repeat"
        for start, end in table.date_order:
            assert frame.filter(pl.col(end) < pl.col(start)).is_empty(), f"{name} {end}<{start}"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(households=st.integers(1, 80), seed=st.integers(0, 2**32 - 1))
def test_any_seed_and_size_satisfy_the_schema(households, seed):
    check_schema(generate_council(households, seed))


def test_a_large_council_satisfies_the_schema(council):
    check_schema(council)


# --- realism ----------------------------------------------------------------------------------


def test_household_sizes_and_under_fives_are_realistic(people):
    per_household = people.height / people["household_id"].n_unique()
    under_five = (people["age"] < 5).mean()
    assert 2.2 < per_household < 2.6
    assert 0.045 < under_five < 0.075


def test_every_household_with_children_has_a_parent_or_carer(people):
    with_children = people.filter(pl.col("role") == "child")["household_id"].unique()
    with_carers = people.filter(pl.col("role") == "parent_carer")["household_id"].unique()
    assert with_children.is_in(with_carers.implode()).all()


def test_there_are_two_year_olds_whose_parent_has_a_low_income_universal_credit_award(
    council, people
):
    carers = people.filter(pl.col("role") == "parent_carer").select("person_id", "household_id")
    low_income = (
        council["benefits"]
        .filter(
            (pl.col("benefit") == "universal_credit")
            & active_on(REFERENCE)
            & (pl.col("net_earned_income") <= 15400)
        )
        .join(carers, on="person_id")
    )
    two_year_olds = people.filter((pl.col("role") == "child") & pl.col("age").is_between(2, 3))
    assert two_year_olds["household_id"].is_in(low_income["household_id"].implode()).any()


def test_uc_incomes_fall_either_side_of_both_thresholds_and_some_are_missing(council):
    incomes = council["benefits"].filter(pl.col("benefit") == "universal_credit")[
        "net_earned_income"
    ]
    assert incomes.is_null().any()
    for line in (7400, 15400):
        assert (incomes < line).any() and (incomes > line).any()


def test_dla_is_paid_only_for_children(council, people):
    dla = council["benefits"].filter(pl.col("benefit") == "disability_living_allowance")
    holders = dla.join(people, on="person_id")
    assert dla.height > 0
    assert holders.height == dla.height
    assert (holders["role"] == "child").all()


def test_tax_credit_awards_all_end_by_5_april_2025(council):
    awards = council["benefits"].filter(pl.col("benefit").is_in(TAX_CREDITS))
    assert awards.height > 0
    assert awards["end_date"].null_count() == 0
    assert (awards["end_date"] <= TAX_CREDITS_CLOSED).all()


def test_tax_credit_incomes_centre_near_the_16190_line(council):
    gross = council["benefits"].filter(pl.col("benefit") == "child_tax_credit")["gross_income"]
    assert 12000 < gross.median() < 22000
    assert (gross <= 16190).any() and (gross > 16190).any()


def test_awards_churn_around_the_reference_date(council):
    benefits = council["benefits"]
    assert (benefits["end_date"] < REFERENCE).any()
    assert (benefits["end_date"] == REFERENCE).any()
    assert (benefits["start_date"] > REFERENCE).any()


def test_claimants_are_adults_except_for_dla(council, people):
    claims = council["benefits"].filter(pl.col("benefit") != "disability_living_allowance")
    claimants = claims.join(people.select("person_id", "date_of_birth"), on="person_id")
    age_at_start = (pl.col("start_date") - pl.col("date_of_birth")).dt.total_days() / 365.25
    assert claimants.select(age_at_start.min()).item() >= 16


def test_child_statuses_are_rare_and_only_for_children(council, people):
    statuses = council["child_statuses"].join(people, on="person_id")
    children = people.filter(pl.col("role") == "child").height
    looked_after = statuses.filter(pl.col("status") == "looked_after").height
    assert (statuses["role"] == "child").all()
    assert looked_after / children < 0.03
    assert statuses.filter(pl.col("status") == "ehc_plan").height > looked_after


def test_twins_share_a_birthday_and_a_household(people):
    children = people.filter(pl.col("role") == "child")
    twins = children.filter(pl.len().over("household_id", "date_of_birth") > 1)
    assert twins.height >= 2


def test_names_are_diverse_and_surnames_run_in_families(people):
    assert people["ethnicity"].n_unique() >= 10
    assert people["first_language"].n_unique() >= 8
    assert people["surname"].str.contains("-").any()
    children = people.filter(pl.col("role") == "child").select("household_id", "surname")
    carers = people.filter(pl.col("role") == "parent_carer").select(
        "household_id", pl.col("surname").alias("carer_surname")
    )
    pairs = children.join(carers, on="household_id")
    shares = pairs.with_columns(
        same=pl.col("surname").str.contains(pl.col("carer_surname"), literal=True)
    )
    assert shares.group_by("household_id").agg(pl.col("same").any())["same"].mean() > 0.8


def test_ninos_and_postcodes_have_the_uk_shape_in_one_fictional_area(people):
    ninos = people.select(clean.is_nino(pl.col("nino")).alias("ok")).drop_nulls()["ok"]
    postcodes = people.select(clean.is_uk_postcode(pl.col("postcode")).alias("ok"))["ok"]
    assert ninos.all() and postcodes.all()
    assert people["postcode"].str.starts_with("FQ").all()
    assert people["postcode"].str.extract(r"^(FQ\d+) ").n_unique() >= 4
    assert people["nino"].is_null().any()
    assert people.filter(pl.col("age") < 16)["nino"].is_null().all()


def _many_districts_rates(areas: list[str] | None = None) -> dict:
    """The default rates with one household a street, twelve streets a sector and one
    sector a district: a postcode district per twelve households, so that a small council
    fills several areas."""
    rates = copy.deepcopy(load_rates())
    places = rates["places"]
    places["households_per_street"]["mean"] = 1
    places["streets_per_sector"]["value"] = 12
    places["sectors_per_district"]["value"] = 1
    if areas is not None:
        places["further_postcode_areas"]["values"] = areas
    return rates


def test_a_council_past_99_districts_goes_on_into_further_fictional_areas(tmp_path):
    # A large council (more than about 1.4 million households at the default rates) once
    # numbered its districts on past FQ99 (FQ134 4FP), out of the UK shape.
    tables = generate_council(households=3000, seed=3, rates=_many_districts_rates())
    postcodes = tables["people"].select(
        pl.col("postcode"), outward=pl.col("postcode").str.extract(r"^(\S+) ")
    )
    assert postcodes.select(clean.is_uk_postcode(pl.col("postcode")).all()).item()
    districts = postcodes["outward"].unique()
    assert districts.len() == 250  # each district its own outward code
    areas = districts.str.extract(r"^([A-Z]+)").value_counts().sort("outward")
    assert dict(areas.iter_rows()) == {"FA": 99, "FB": 52, "FQ": 99}
    assert set(districts.str.extract(r"(\d+)$").cast(pl.Int64)) == set(range(1, 100))
    write_council(tables, tmp_path / "big")
    assert "postcode areas FQ, FA, FB do not exist." in (tmp_path / "big" / "README.md").read_text()


def test_a_council_too_big_for_the_fictional_areas_is_refused_with_what_to_do():
    with pytest.raises(UsageError) as refused:
        generate_council(households=1800, seed=3, rates=_many_districts_rates(areas=[]))
    assert refused.value.parameter == "households"
    assert str(refused.value) == (
        "households is too many: 1,800 households need 150 postcode districts, more than the "
        "1 fictional postcode areas hold (99 districts each). Ask for fewer, or add areas to "
        "places.further_postcode_areas in workbench/synth/rates.yaml"
    )


def test_the_command_line_refuses_a_council_too_big_for_the_fictional_areas_at_once(tmp_path):
    # 19 areas of 99 districts of 14,400 households (the default rates) hold 27 million.
    result = CliRunner().invoke(
        app, ["synth", "--households", "30000000", "--out", str(tmp_path / "big")]
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, UsageError)
    assert result.exception.for_flag().startswith(
        "--households is too many: 30,000,000 households need 2084 postcode districts"
    )
    assert not (tmp_path / "big").exists()


# --- the DWP list, funded places and the ground truth -----------------------------------------


def test_ground_truth_covers_every_list_row_and_points_at_real_people(council):
    truth = council["ground_truth"]
    for source in ("dwp_list", "funded_places"):
        ids = truth.filter(pl.col("source") == source)["record_id"]
        assert council[source]["record_id"].is_in(ids.implode()).all()
        assert ids.is_unique().all()
    known = truth["person_id"].drop_nulls()
    assert known.is_in(council["people"]["person_id"].implode()).all()


def test_some_dwp_list_children_are_not_in_the_index(council):
    truth = council["ground_truth"].filter(pl.col("source") == "dwp_list")
    missing = truth["person_id"].is_null().mean()
    assert 0 < missing < 0.2


def test_uncorrupted_dwp_rows_name_their_child_exactly(council):
    truth = council["ground_truth"].filter(
        (pl.col("source") == "dwp_list") & (pl.col("corruption_level") == 0)
    )
    rows = (
        council["dwp_list"]
        .join(truth, on="record_id")
        .join(council["people"], on="person_id", how="inner")
    )
    assert rows.height > 0
    assert (rows["child_forename"] == rows["forename"]).all()
    assert (rows["child_surname"] == rows["surname"]).all()
    assert (rows["child_date_of_birth"] == rows["date_of_birth"]).all()


def test_dwp_children_are_about_two_at_the_list_date(council):
    truth = council["ground_truth"].filter(pl.col("source") == "dwp_list")
    rows = council["dwp_list"].join(truth, on="record_id").join(council["people"], on="person_id")
    months = (pl.col("list_date") - pl.col("date_of_birth")).dt.total_days() / 30.44
    youngest, oldest = rows.select(months.min().alias("min"), months.max().alias("max")).row(0)
    assert youngest >= 17 and oldest <= 37


def test_corruption_levels_are_recorded_and_match_the_corruptions_listed(council):
    truth = council["ground_truth"]
    counted = (
        truth["corruptions"]
        .fill_null("")
        .str.split(";")
        .list.eval(pl.element().filter(pl.element() != ""))
    )
    assert (counted.list.len() == truth["corruption_level"]).all()
    assert truth.filter(pl.col("source") == "dwp_list")["corruption_level"].max() >= 2


def test_funded_places_cover_the_four_terms_with_plausible_hours(council):
    places = council["funded_places"]
    assert sorted(places["term_start"].unique().to_list()) == [
        date(2025, 9, 1),
        date(2026, 1, 1),
        date(2026, 4, 1),
        date(2026, 9, 1),
    ]
    streams = TABLES["funded_places"].column("funding_stream").allowed
    assert streams is not None
    assert set(places["funding_stream"].unique()) == set(streams)
    assert set(places["hours_per_week"].unique()) <= {15.0, 30.0}
    thirty = places.filter(pl.col("hours_per_week") == 30)
    assert (thirty["funding_stream"] != "two_year_old").all()


def test_providers_file_names_every_provider_in_funded_places(council):
    assert (
        council["funded_places"]["provider_id"]
        .is_in(council["providers"]["provider_id"].implode())
        .all()
    )


# --- messy councils ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def messy_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("messy")
    write_council(generate_council(300, seed=4, messy=True), folder)
    return folder


def test_messy_manifest_lists_every_kind_of_bad_row_in_every_table(messy_folder):
    manifest = pl.read_csv(messy_folder / "messy_manifest.csv")
    kinds = manifest.group_by("table").agg(pl.col("kind").unique())
    by_table = {t: set(k) for t, k in kinds.iter_rows()}
    everywhere = {"bad date", "impossible date", "mixed date formats", "duplicate id"}
    for name in TABLES:
        if name == "households":  # no dates there
            continue
        assert everywhere <= by_table[name], name
    assert {"duplicate id", "not a number", "not true or false", "unknown household"} == (
        by_table["households"]
    )
    assert {"end before start", "unknown value", "not a number"} <= by_table["benefits"]
    assert {"postcode shape", "nino shape"} <= by_table["people"]


def test_messy_manifest_rows_hold_what_it_says(messy_folder):
    tables = read_text_tables(messy_folder)
    manifest = pl.read_csv(messy_folder / "messy_manifest.csv")
    for table, row, column, kind, _ in manifest.iter_rows():
        frame = tables[table]
        cell = frame[column][row - 2]
        if kind == "empty required field":
            assert cell is None
        elif kind == "duplicate id":
            assert (frame[column] == cell).sum() == 2
        elif kind == "unknown value":
            allowed = TABLES[table].column(column).allowed
            assert allowed is not None
            assert cell not in allowed
        elif kind == "mixed date formats":
            assert "/" in cell


def test_messy_ground_truth_still_covers_every_list_row(messy_folder):
    tables = read_text_tables(messy_folder)
    truth = tables["ground_truth"]
    for source in ("dwp_list", "funded_places"):
        assert tables[source]["record_id"].is_in(truth["record_id"].implode()).all()


def test_loader_quarantines_exactly_the_rows_the_messy_manifest_lists(messy_folder):
    from workbench.data.reading import load_folder, quarantine_kind

    loaded = load_folder(messy_folder)
    manifest = pl.read_csv(messy_folder / "messy_manifest.csv")
    listed = manifest.filter(pl.col("expected") == "quarantine").select(
        "table", "row", "column", "kind"
    )
    # Besides, an award or a status of a person whose every row in people is quarantined (a
    # duplicated person_id) names no person people accepts: it is quarantined as well.
    tables = read_text_tables(messy_folder)
    people = tables["people"].with_row_index("row", offset=2)
    bad_rows = listed.filter(pl.col("table") == "people")["row"].implode()
    accepted = people.filter(~pl.col("row").is_in(bad_rows))["person_id"].implode()
    followed = [
        tables[table]
        .with_row_index("row", offset=2)
        .filter(~pl.col("person_id").is_in(accepted))
        .select(
            pl.lit(table).alias("table"),
            pl.col("row").cast(pl.Int64),
            pl.lit("person_id").alias("column"),
            pl.lit("unknown person").alias("kind"),
        )
        .join(listed, on=["table", "row"], how="anti")  # already quarantined for its own fault
        for table in ("benefits", "child_statuses")
    ]
    assert sum(frame.height for frame in followed) > 0  # the messy council has some
    expected = pl.concat([listed, *followed]).sort("table", "row")
    found = loaded.quarantine.select(
        "table", "row", "column", quarantine_kind(pl.col("reason")).alias("kind")
    ).sort("table", "row")
    assert found.to_dicts() == expected.to_dicts()
    warned = manifest.filter(pl.col("expected") == "warning").select("table", "row", "column")
    assert loaded.warnings.select("table", "row", "column").sort("table", "row").to_dicts() == (
        warned.sort("table", "row").to_dicts()
    )


def test_a_clean_council_loads_with_nothing_quarantined(tmp_path):
    from workbench.data.reading import load_folder

    write_council(generate_council(300, seed=4), tmp_path)
    loaded = load_folder(tmp_path)
    assert loaded.quarantine.is_empty() and loaded.warnings.is_empty()


# --- rates, nicknames, the command line and the samples ---------------------------------------


def test_every_rate_has_a_source():
    rates = load_rates()
    for section, items in rates.items():
        for name, item in items.items():
            assert item["source"].strip(), f"{section}.{name}"


def test_a_rate_without_a_source_is_refused(tmp_path):
    bad = tmp_path / "rates.yaml"
    bad.write_text("households:\n  lodger:\n    probability: 0.02\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"households\.lodger has no source"):
        load_rates(bad)


def test_shares_that_do_not_sum_to_one_are_refused(tmp_path):
    bad = tmp_path / "rates.yaml"
    bad.write_text(
        "households:\n  grandparents:\n    source: x\n    share: {1: 0.6, 2: 0.3}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError, match=r"sum to 0\.9, expected 1"):
        load_rates(bad)


def test_nicknames_hold_the_common_forms_both_ways():
    pairs = set(load_nicknames().select("name", "alias").iter_rows())
    for pair in [
        ("Elizabeth", "Liz"),
        ("Elizabeth", "Beth"),
        ("Alexander", "Alex"),
        ("William", "Bill"),
        ("Margaret", "Peggy"),
        ("Mohammed", "Mo"),
        ("Mohammed", "Muhammad"),
        ("Mohammed", "Mohamed"),
    ]:
        assert pair in pairs
    lists = dict(alias_lists().iter_rows())
    assert "Margaret" in lists["Peggy"] and "Peggy" in lists["Margaret"]


def test_a_council_needs_at_least_one_household():
    with pytest.raises(UsageError, match="at least 1"):
        generate_council(0, seed=1)


def test_cli_writes_a_council_and_refuses_to_overwrite_it(tmp_path):
    out = tmp_path / "council"
    args = ["synth", "--households", "40", "--seed", "3", "--out", str(out)]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert (out / "people.csv").exists() and (out / "ground_truth.csv").exists()
    again = CliRunner().invoke(app, args)
    assert again.exit_code != 0
    assert isinstance(again.exception, UsageError)
    replaced = CliRunner().invoke(app, [*args, "--overwrite", "--format", "parquet"])
    assert replaced.exit_code == 0, replaced.output
    assert (out / "people.parquet").exists() and not (out / "people.csv").exists()


def test_a_small_messy_council_says_which_tables_are_mostly_bad_rows(tmp_path):
    def notes(households: int) -> list[str]:
        out = tmp_path / str(households)
        args = ["synth", "--households", str(households), "--seed", "1", "--messy"]
        done = CliRunner().invoke(app, [*args, "--out", str(out)])
        assert done.exit_code == 0, done.output
        return [line for line in done.stderr.splitlines() if line.startswith("note:")]

    assert notes(2000) == [
        "note: dwp_list has 18 bad rows of 33: too few rows to hide a handful of each kind "
        "among, so validate will say it is mostly quarantined. A council of 5,000 households "
        "or more has a realistic share"
    ]
    assert notes(5000) == []


def test_extra_tables_are_not_canonical_so_loaders_ignore_them():
    assert not set(EXTRA_TABLES) & set(TABLES)


@pytest.mark.parametrize(
    ("sample", "households", "messy"),
    [
        ("council_small", SAMPLE_HOUSEHOLDS, False),
        ("council_messy", SAMPLE_HOUSEHOLDS, True),
        ("council_medium", 5000, False),
    ],
)
def test_data_samples_are_what_make_samples_generates(tmp_path, sample, households, messy):
    write_council(generate_council(households, SAMPLE_SEED, messy=messy), tmp_path)
    committed = digests(ROOT / "data_samples" / sample)
    regenerated = digests(tmp_path)
    committed.pop("README.md")
    regenerated.pop("README.md")
    assert committed == regenerated


def test_the_2026_27_cases_come_out_at_their_rates():
    tables = generate_council(5000, seed=11)
    statuses = tables["child_statuses"]
    orders = statuses.filter(
        pl.col("status").is_in(
            ["adoption_order", "special_guardianship_order", "child_arrangements_order"]
        )
    )
    care = statuses.filter(pl.col("status").is_in(["looked_after", "previously_looked_after"]))
    without = orders.join(care, on="person_id", how="anti")
    assert orders.height and without.height  # orders with no care record exist
    assert 0 < without.height < orders.height
    protected = statuses.filter(pl.col("status") == "fsm_transitional_protection")
    school_age = tables["people"].filter(pl.col("role") == "child").height
    assert 0 < protected.height < 0.03 * school_age
    households = tables["households"]
    assert households.columns == list(TABLES["households"].column_names)
    nrpf = households.filter(pl.col("no_recourse_to_public_funds"))
    assert 10 <= nrpf.height <= 60  # 0.6% of 5,000 households
    assert nrpf["annual_income"].null_count() > 0 and cast(float, nrpf["savings"].max()) > 16000
    places = tables["funded_places"]
    streams = places.group_by("funding_stream").len()
    assert set(streams["funding_stream"]) == {
        "two_year_old",
        "working_parent",
        "universal_three_four",
    }
    two = places.filter(pl.col("funding_stream") == "two_year_old")
    earlier = two.filter(pl.col("term_start") < date(2026, 9, 1))
    assert earlier.height > 0  # places in earlier terms: continued entitlement
