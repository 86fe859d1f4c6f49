"""The lists other organisations send the council: the DWP list and providers' funded places.

Both are drawn from the synthetic population, then written the way their senders write them
(the DWP's address layout, providers' typing) with errors from `workbench.synth.corrupt`, and
each row's truth goes to the ground truth: which person it is (empty for a child the council's
index does not hold) and which corruptions it carries.

`qualifying_households` is a rough stand-in for the eligibility rules, used only to decide who
the synthetic DWP list and providers would hold; the workbench's own rules live elsewhere and
are not imported here (the synthetic data must not be built from the code it tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from workbench.synth.awards import Awards
from workbench.synth.corrupt import corrupt
from workbench.synth.names import NamePools
from workbench.synth.places import Area
from workbench.synth.population import EPOCH, Population, feminine_surname, person_ids
from workbench.synth.rates import choose, share_table

__all__ = ["Lists", "build_lists", "term_starts"]

MEANS_TESTED_ROUTES = (
    "income_support",
    "jsa_income_based",
    "esa_income_related",
    "pension_credit_guarantee",
)
CHILD_STATUS_ROUTES = ("looked_after", "ehc_plan")
LEFT_CARE = ("special_guardianship_order", "child_arrangements_order", "adoption_order")
_ADDRESS = ("house_label", "stem", "street_type", "abbreviation", "flats", "locality", "postcode")
GROUND_TRUTH_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "record_id": pl.String,
        "person_id": pl.String,
        "parent_person_id": pl.String,
        "corruption_level": pl.Int64,
        "corruptions": pl.String,
        "messy": pl.String,
    }
)


@dataclass(frozen=True)
class Lists:
    """The DWP list, funded places, providers and the ground truth of both lists."""

    dwp_list: pl.DataFrame
    funded_places: pl.DataFrame
    providers: pl.DataFrame
    ground_truth: pl.DataFrame


def term_starts(reference_date: date, rates: dict[str, Any]) -> list[date]:
    """The funding periods' first days up to `reference_date`, the last `count` of them."""
    terms = rates["funded_places"]["terms"]
    starts = sorted(
        date(year, month, day)
        for year in range(reference_date.year - terms["count"], reference_date.year + 1)
        for month, day in terms["starts"]
    )
    return [s for s in starts if s <= reference_date][-terms["count"] :]


def _active(on: date) -> pl.Expr:
    return (pl.col("start_date") <= on) & (
        pl.col("end_date").is_null() | (pl.col("end_date") >= on)
    )


def qualifying_households(
    population: Population, awards: Awards, on: date, rates: dict[str, Any]
) -> pl.DataFrame:
    """Households where a parent/carer has an award meeting an economic criterion on `on`.

    Returns `hh`, `route` and `claimant`, the parent/carer holding the household's best
    award: `low_income` (a qualifying award) before `income_missing` (UC without an income)
    before `above` (UC a little over the line, which the DWP list sometimes holds); asylum
    support comes last among qualifying awards, as the DWP does not hold it (`asylum` says
    when it is the only one).
    """
    limits = rates["thresholds"]
    dwp = rates["dwp_list"]["coverage"]
    closed = rates["benefits"]["dates"]["tax_credits_closed"]
    uc_line = limits["universal_credit"]["two_year_old"]
    carers = population.people.filter(pl.col("role") == "parent_carer").select("pid", "hh")
    awards_on = awards.benefits.filter(_active(on)).join(carers, on="pid", how="inner")
    wtc = awards_on.filter(pl.col("benefit") == "working_tax_credit").select("hh").unique()
    income = pl.col("net_earned_income")
    tax_credit_era = pl.lit(on <= closed)
    route = (
        pl.when(pl.col("benefit").is_in([*MEANS_TESTED_ROUTES, "asylum_support"]))
        .then(pl.lit("low_income"))
        .when((pl.col("benefit") == "universal_credit") & (income <= uc_line))
        .then(pl.lit("low_income"))
        .when((pl.col("benefit") == "universal_credit") & income.is_null())
        .then(pl.lit("income_missing"))
        .when((pl.col("benefit") == "universal_credit") & (income <= dwp["above_threshold_up_to"]))
        .then(pl.lit("above"))
        .when(
            tax_credit_era
            & (pl.col("benefit") == "child_tax_credit")
            & (pl.col("gross_income") <= limits["tax_credits"]["two_year_old"])
            & ~pl.col("hh").is_in(wtc["hh"].implode())
        )
        .then(pl.lit("low_income"))
        .when(tax_credit_era & (pl.col("benefit") == "wtc_run_on"))
        .then(pl.lit("low_income"))
    )
    ranked = pl.col("route").replace_strict(["low_income", "income_missing", "above"], [0, 1, 2])
    return (
        awards_on.with_columns(route=route, asylum=pl.col("benefit") == "asylum_support")
        .filter(pl.col("route").is_not_null())
        .sort("hh", ranked, "asylum", "pid")
        .group_by("hh", maintain_order=True)
        .agg(
            pl.col("pid").first().alias("claimant"),
            pl.col("route").first(),
            pl.col("asylum").first(),
        )
    )


def _child_routes(awards: Awards, on: date) -> pl.DataFrame:
    """Children meeting a criterion of their own on `on` (DLA, looked after, EHC, left care)."""
    dla = awards.benefits.filter(
        (pl.col("benefit") == "disability_living_allowance") & _active(on)
    ).select("pid")
    status = awards.statuses.filter(
        (pl.col("status").is_in(CHILD_STATUS_ROUTES) & _active(on))
        | (pl.col("status").is_in(LEFT_CARE) & (pl.col("start_date") <= on))
    ).select("pid")
    return pl.concat([dla, status]).unique().sort("pid")


def _dwp_address(frame: pl.DataFrame, upper: bool, town: str) -> pl.DataFrame:
    """The DWP's layout: house and street, [block,] locality, town, across four lines."""
    street_word = pl.when("abbreviate").then("abbreviation").otherwise("street_type")
    street = pl.concat_str("stem", pl.lit(" "), street_word)
    house = pl.concat_str("house_label", pl.lit(" "), street)
    lines = [
        pl.when("flats").then("house_label").otherwise(house),
        pl.when("flats").then(street).otherwise("locality"),
        pl.when("flats").then("locality").otherwise(pl.lit(town.title())),
        pl.when("flats").then(pl.lit(town.title())).otherwise(pl.lit(None, dtype=pl.String)),
    ]
    written = [line.str.to_uppercase() if upper else line for line in lines]
    return frame.with_columns(
        *(line.alias(f"address_line_{i}") for i, line in enumerate(written, start=1))
    )


def _moved_addresses(rng: np.random.Generator, frame: pl.DataFrame, area: Area) -> pl.DataFrame:
    """Another address in the area for each record, in case the family has moved."""
    other = rng.integers(0, area.addresses.height, frame.height)
    moved = area.addresses.select(_ADDRESS)[other]
    return pl.concat([frame, moved.rename({c: f"moved_{c}" for c in _ADDRESS})], how="horizontal")


def new_families(
    rng: np.random.Generator,
    count: int,
    dob_range: tuple[date, date],
    population: Population,
    pools: NamePools,
    area: Area,
    rates: dict[str, Any],
) -> pl.DataFrame:
    """Children (and a parent) the council's index does not hold: new to the area."""
    if count == 0:
        return pl.DataFrame()
    keys, p = share_table(rates["origins"]["mix"]["share"])
    origin = np.array([pools.origins.index(k) for k in keys])[rng.choice(len(keys), count, p=p)]
    male = rng.random(count) < rates["sex"]["male_birth"]["probability"]
    parent_male = rng.random(count) >= rates["sex"]["lone_parent_female"]["probability"]
    low, high = ((d - EPOCH).days for d in dob_range)
    home = area.addresses.select(_ADDRESS)[rng.integers(0, area.addresses.height, count)]
    surname = pools.text(pools.draw(rng, origin, "surname"))
    ninos = population.spare_ninos
    spare = rng.choice(ninos.len(), size=count, replace=count > ninos.len())
    family = pl.DataFrame({"surname": surname, "male": male, "parent_male": parent_male})
    surnames = family.select(
        child=pl.when("male").then("surname").otherwise(feminine_surname(pl.col("surname"))),
        parent=pl.when("parent_male")
        .then("surname")
        .otherwise(feminine_surname(pl.col("surname"))),
    )
    return pl.concat(
        [
            pl.DataFrame(
                {
                    "child_forename": pools.text(
                        pools.draw(rng, origin, np.where(male, "male", "female"))
                    ),
                    "child_surname": surnames["child"],
                    "child_date_of_birth": pl.Series(rng.integers(low, high + 1, count))
                    .cast(pl.Int32)
                    .cast(pl.Date),
                    "parent_forename": pools.text(
                        pools.draw(rng, origin, np.where(parent_male, "male", "female"))
                    ),
                    "parent_surname": surnames["parent"],
                    "parent_nino": ninos.gather(spare),
                    "person_id": pl.Series([None] * count, dtype=pl.String),
                    "parent_person_id": pl.Series([None] * count, dtype=pl.String),
                }
            ),
            home,
        ],
        how="horizontal",
    )


def _dwp_list(
    rng: np.random.Generator,
    population: Population,
    awards: Awards,
    area: Area,
    pools: NamePools,
    reference_date: date,
    rates: dict[str, Any],
    width: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    d = rates["dwp_list"]
    list_date = reference_date - timedelta(days=d["timing"]["days_before_reference_date"])
    youngest = pl.lit(list_date).dt.offset_by(f"-{d['ages']['minimum_months']}mo")
    oldest = pl.lit(list_date).dt.offset_by(f"-{d['ages']['maximum_months']}mo")
    people = population.people
    households = qualifying_households(population, awards, list_date, rates).filter(
        ~pl.col("asylum")
    )
    cover = d["coverage"]
    keep = pl.Series(rng.random(households.height))
    households = households.filter(
        pl.when(pl.col("route") == "low_income")
        .then(keep < cover["eligible"])
        .when(pl.col("route") == "income_missing")
        .then(keep < cover["income_missing"])
        .otherwise(keep < cover["above_threshold"])
    )
    parent = people.select(
        pl.col("pid").alias("claimant"),
        pl.col("forename").alias("parent_forename"),
        pl.col("surname").alias("parent_surname"),
        pl.col("nino_true").alias("parent_nino"),
    )
    children = (
        people.filter(
            (pl.col("role") == "child")
            & pl.col("date_of_birth").is_between(oldest, youngest, closed="right")
        )
        .join(households.select("hh", "claimant"), on="hh", how="inner")
        .join(parent, on="claimant", how="left")
        .join(area.addresses.select("hh", *_ADDRESS), on="hh", how="left")
        .sort("pid")
        .select(
            pl.col("forename").alias("child_forename"),
            pl.col("surname").alias("child_surname"),
            pl.col("date_of_birth").alias("child_date_of_birth"),
            "parent_forename",
            "parent_surname",
            "parent_nino",
            person_ids(pl.col("pid"), width).alias("person_id"),
            person_ids(pl.col("claimant"), width).alias("parent_person_id"),
            *_ADDRESS,
        )
    )
    outsiders = rng.binomial(children.height, d["not_in_index"]["probability"])
    if children.height and outsiders == 0:
        outsiders = 1  # keep one such child in any non-empty list, however small
    dob_range = (
        pl.select(oldest).item() + timedelta(days=1),
        pl.select(youngest).item(),
    )
    new = new_families(rng, outsiders, dob_range, population, pools, area, rates)
    records = pl.concat([children, new.select(children.columns)]) if new.height else children
    records = records[rng.permutation(records.height)]
    records = _moved_addresses(rng, records.with_columns(abbreviate=pl.lit(False)), area)
    corrupted = corrupt(records, rng, d["corruptions"]["weight"], d["corruption_level"]["share"])
    upper = bool(rng.random() < d["always"]["address_upper_case"])
    town = rates["places"]["post_town"]["value"]
    written = _dwp_address(corrupted, upper, town).with_columns(
        record_id=pl.format("DWP{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(6)),
        list_date=pl.lit(list_date),
    )
    truth = written.select(
        pl.lit("dwp_list").alias("source"),
        "record_id",
        "person_id",
        "parent_person_id",
        "corruption_level",
        "corruptions",
        pl.lit(None, dtype=pl.String).alias("messy"),
    )
    return written, truth


def _windows(dob: pl.Expr, term: date) -> tuple[pl.Expr, pl.Expr]:
    """Whether a child is in the two-year-old window, or the 3-4 window, for `term`."""

    def next_term_after(birthday: pl.Expr) -> pl.Expr:
        year = birthday.dt.year()
        return (
            pl.when(birthday < pl.date(year, 4, 1))
            .then(pl.date(year, 4, 1))
            .when(birthday < pl.date(year, 9, 1))
            .then(pl.date(year, 9, 1))
            .otherwise(pl.date(year + 1, 1, 1))
        )

    eligible_from = next_term_after(dob.dt.offset_by("2y"))
    three = next_term_after(dob.dt.offset_by("3y"))
    # Reception starts the September after the fourth birthday.
    school = pl.date(dob.dt.year() + pl.when(dob.dt.month() >= 9).then(5).otherwise(4), 9, 1)
    term_ = pl.lit(term)
    return (eligible_from <= term_) & (term_ < three), (three <= term_) & (term_ < school)


def _funded_places(
    rng: np.random.Generator,
    population: Population,
    awards: Awards,
    area: Area,
    pools: NamePools,
    providers: pl.DataFrame,
    reference_date: date,
    rates: dict[str, Any],
    width: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    f = rates["funded_places"]
    terms = term_starts(reference_date, rates)
    people = population.people
    kids = people.filter(
        (pl.col("role") == "child")
        & (pl.col("date_of_birth") > pl.lit(terms[0]).dt.offset_by("-5y"))
        & (pl.col("date_of_birth") < pl.lit(terms[-1]).dt.offset_by("-2y"))
    ).select("pid", "hh", "district", "forename", "surname", "date_of_birth")
    n = kids.height
    low_districts = (
        rng.permutation(area.districts)[
            : round(area.districts * f["low_take_up_districts"]["share_of_districts"])
        ]
        + 1
    )
    p_two = np.where(
        np.isin(kids["district"].to_numpy(), low_districts),
        f["low_take_up_districts"]["probability"],
        f["two_year_old_take_up"]["probability"],
    )
    draws = pl.DataFrame(
        {
            "pid": kids["pid"],
            "takes_two": rng.random(n) < p_two,
            "delay": choose(rng, f["start_delay"]["share"], n).astype(np.int64),
            "switches": rng.random(n) < f["working_parent"]["eligible_family_uses_it"],
            "takes_working": rng.random(n) < f["working_parent"]["take_up"],
            "takes_three": rng.random(n) < f["universal_three_four"]["take_up"],
            "thirty_working": rng.random(n) < f["working_parent"]["thirty_hours"],
            "thirty_three": rng.random(n) < f["universal_three_four"]["thirty_hours"],
        }
    )
    per_term = []
    for index, term in enumerate(terms):
        economic = qualifying_households(population, awards, term, rates).filter(
            pl.col("route") == "low_income"
        )
        own = _child_routes(awards, term)
        two, three = _windows(pl.col("date_of_birth"), term)
        per_term.append(
            kids.select(
                "pid",
                pl.lit(index).alias("term_index"),
                pl.lit(term).alias("term_start"),
                two.alias("in_two"),
                three.alias("in_three"),
                (
                    pl.col("hh").is_in(economic["hh"].implode())
                    | pl.col("pid").is_in(own["pid"].implode())
                ).alias("qualifies"),
            )
        )
    grid = pl.concat(per_term).join(draws, on="pid", how="left", maintain_order="left")
    first = (
        grid.filter(pl.col("in_two") & pl.col("qualifies"))
        .group_by("pid")
        .agg(pl.col("term_index").min().alias("first_qualifying"))
    )
    grid = grid.join(first, on="pid", how="left", maintain_order="left")
    standard, extended = f["hours"]["standard"], f["hours"]["extended"]
    thirty_from = pl.lit(f["working_parent"]["thirty_hours_from"])
    qualified = pl.col("first_qualifying").is_not_null()
    two_year_old = (
        pl.col("in_two")
        & qualified
        & pl.col("takes_two")
        & ~pl.col("switches")
        & (pl.col("term_index") >= pl.col("first_qualifying") + pl.col("delay"))
    )
    working = pl.col("in_two") & (
        (qualified & pl.col("switches")) | (~qualified & pl.col("takes_working"))
    )
    stream = (
        pl.when(two_year_old)
        .then(pl.lit("two_year_old"))
        .when(working)
        .then(pl.lit("working_parent"))
        .when(pl.col("in_three") & pl.col("takes_three"))
        .then(pl.lit("universal_three_four"))
    )
    hours = (
        pl.when(pl.col("funding_stream") == "working_parent")
        .then(
            pl.when(pl.col("thirty_working") & (pl.col("term_start") >= thirty_from))
            .then(pl.lit(extended))
            .otherwise(pl.lit(standard))
        )
        .when(pl.col("funding_stream") == "universal_three_four")
        .then(pl.when("thirty_three").then(pl.lit(extended)).otherwise(pl.lit(standard)))
        .otherwise(pl.lit(standard))
        .cast(pl.Float64)
    )
    places = (
        grid.with_columns(funding_stream=stream)
        .filter(pl.col("funding_stream").is_not_null())
        .with_columns(hours_per_week=hours)
        .select("pid", "term_start", "funding_stream", "hours_per_week")
    )

    # Each child attends one provider in their district and is typed once by it.
    funded = places.select("pid").unique().sort("pid").join(kids, on="pid", how="left")
    typed = funded.join(area.addresses.select("hh", *_ADDRESS), on="hh", how="left").select(
        "pid",
        "district",
        pl.col("forename").alias("child_forename"),
        pl.col("surname").alias("child_surname"),
        pl.col("date_of_birth").alias("child_date_of_birth"),
        "postcode",
        person_ids(pl.col("pid"), width).alias("person_id"),
    )
    outsiders = rng.binomial(typed.height, f["outside_area"]["probability"])
    last = terms[-1]
    new = new_families(
        rng,
        outsiders,
        (date(last.year - 4, last.month, 2), date(last.year - 3, last.month, 1)),
        population,
        pools,
        area,
        rates,
    )
    if new.height:
        new_ids = np.arange(-new.height, 0, dtype=np.int64)
        districts = rng.integers(1, area.districts + 1, new.height)
        typed = pl.concat(
            [
                typed,
                new.select(
                    pl.Series("pid", new_ids),
                    pl.Series("district", districts, dtype=pl.Int32),
                    "child_forename",
                    "child_surname",
                    "child_date_of_birth",
                    "postcode",
                    "person_id",
                ),
            ]
        )
        places = pl.concat(
            [
                places,
                pl.DataFrame(
                    {
                        "pid": new_ids,
                        "term_start": [last] * new.height,
                        "funding_stream": ["universal_three_four"] * new.height,
                        "hours_per_week": [float(standard)] * new.height,
                    }
                ),
            ]
        )
    typed = _moved_addresses(rng, typed, area).drop(
        [f"moved_{c}" for c in _ADDRESS if c != "postcode"]
    )
    typed = corrupt(typed, rng, f["record_errors"]["weight"], f["record_errors"]["level"]["share"])
    choice = _provider_choice(rng, typed["district"].to_numpy(), providers)
    typed = typed.with_columns(provider_id=pl.Series(choice, dtype=pl.String))
    rows = (
        places.join(typed, on="pid", how="left")
        .sort("term_start", "provider_id", "pid")
        .with_columns(
            record_id=pl.format("FP{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7))
        )
    )
    truth = rows.select(
        pl.lit("funded_places").alias("source"),
        "record_id",
        "person_id",
        pl.lit(None, dtype=pl.String).alias("parent_person_id"),
        "corruption_level",
        "corruptions",
        pl.lit(None, dtype=pl.String).alias("messy"),
    )
    return rows, truth


def _provider_choice(
    rng: np.random.Generator, district: np.ndarray, providers: pl.DataFrame
) -> np.ndarray:
    """A provider in each child's district (any provider when the district has none)."""
    ids = providers["provider_id"].to_numpy()
    by_district = providers["district"].to_numpy()
    u = rng.random(district.size)
    chosen = ids[np.floor(u * ids.size).astype(np.int64)]
    for d in np.unique(district):
        local = ids[by_district == d]
        rows = np.flatnonzero(district == d)
        if local.size:
            chosen[rows] = local[np.floor(u[rows] * local.size).astype(np.int64)]
    return chosen


def build_lists(
    rng_dwp: np.random.Generator,
    rng_places: np.random.Generator,
    population: Population,
    awards: Awards,
    area: Area,
    pools: NamePools,
    providers: pl.DataFrame,
    reference_date: date,
    rates: dict[str, Any],
    width: int,
) -> Lists:
    """The DWP list and funded places with their ground truth (`width`: person_id digits)."""
    dwp, dwp_truth = _dwp_list(
        rng_dwp, population, awards, area, pools, reference_date, rates, width
    )
    places, places_truth = _funded_places(
        rng_places, population, awards, area, pools, providers, reference_date, rates, width
    )
    truth = pl.concat([dwp_truth, places_truth]).cast(GROUND_TRUTH_SCHEMA)
    return Lists(dwp_list=dwp, funded_places=places, providers=providers, ground_truth=truth)
