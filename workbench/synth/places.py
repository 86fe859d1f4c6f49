"""The fictional area: districts, sectors, streets, postcodes, addresses and providers.

The postcode area (rates.yaml `places.postcode_area`, "FQ") does not exist in the UK but has
the UK shape. Districts (FQ1, FQ2, ...) hold sectors (FQ1 3), sectors hold streets, and each
run of about 15 consecutive addresses on a street shares a postcode unit (FQ1 3AB), as Royal
Mail units do. Unit letters avoid C, I, K, M, O and V, as real inward codes do. An area has
at most 99 districts (a district number has one or two digits), about 1.4 million households
at the default rates; a larger council continues in further fictional areas
(`places.further_postcode_areas`: FA1, FA2, ...), so every postcode keeps the UK shape.

Example
-------
>>> from workbench.synth.rates import load_rates
>>> area = build_area(np.random.default_rng(1), 50, load_rates())
>>> area.addresses.height
50
>>> area.addresses["postcode"].str.contains(r"^FQ\\d+ \\d[A-Z]{2}$").all()
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import polars as pl

from workbench.errors import UsageError
from workbench.synth.names import DATA_DIR
from workbench.synth.rates import choose

__all__ = ["Area", "build_area", "build_providers"]

# Royal Mail: the letters of an inward code's unit never include C, I, K, M, O or V.
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# A district's number in its area has one or two digits (FQ1 to FQ99).
DISTRICTS_PER_AREA = 99
_UNITS_PER_SECTOR = len(UNIT_LETTERS) ** 2
_SECTOR_DIGITS = 10


def _lookup(values: pl.Series, index: pl.Expr) -> pl.Expr:
    """`values[index]` row by row, for an index expression."""
    return pl.lit(values).gather(index)


@dataclass(frozen=True)
class Area:
    """Streets and one address per household (row i is household i)."""

    streets: pl.DataFrame
    addresses: pl.DataFrame
    districts: int


def _street_table(rng: np.random.Generator, n_streets: int, places: dict[str, Any]) -> pl.DataFrame:
    """Streets with a name, a type (and its abbreviation), a district and a sector."""
    stems = pl.read_csv(DATA_DIR / "street_names.csv")["stem"]
    types = pl.read_csv(DATA_DIR / "street_types.csv")
    n_sectors = max(
        -(-n_streets // places["streets_per_sector"]["value"]),
        places["minimum_districts"]["value"],
    )
    n_districts = max(
        -(-n_sectors // places["sectors_per_district"]["value"]),
        places["minimum_districts"]["value"],
    )
    sector = rng.permutation(n_streets) % n_sectors
    flats = rng.random(n_streets) < places["flats"]["probability"]
    street_type = np.where(
        flats,
        choose(rng, places["flat_block_types"]["share"], n_streets),
        choose(rng, places["street_types"]["share"], n_streets),
    )
    return (
        pl.DataFrame(
            {
                "street": np.arange(n_streets, dtype=np.int32),
                "stem": stems.gather(rng.integers(0, stems.len(), n_streets)),
                "street_type": street_type,
                "flats": flats,
                "sector_index": sector.astype(np.int32),
            }
        )
        .join(types.select("street_type", "abbreviation"), on="street_type", how="left")
        .with_columns(
            district=(pl.col("sector_index") % n_districts + 1).cast(pl.Int32),
            sector_digit=((pl.col("sector_index") // n_districts + 1) % _SECTOR_DIGITS).cast(
                pl.Int32
            ),
        )
        .sort("street")
    )


def _outward_code(n_districts: int, households: int, places: dict[str, Any]) -> pl.Expr:
    """Each district's outward code (FQ1 ... FQ99, then FA1 ...), from its number (1, 2, ...);
    refused before any address is made when the fictional areas cannot hold them all."""
    areas = [places["postcode_area"]["value"], *places["further_postcode_areas"]["values"]]
    if n_districts > DISTRICTS_PER_AREA * len(areas):
        raise UsageError(
            f"is too many: {households:,} households need {n_districts} postcode districts, "
            f"more than the {len(areas)} fictional postcode areas hold ({DISTRICTS_PER_AREA} "
            "districts each). Ask for fewer, or add areas to places.further_postcode_areas in "
            "workbench/synth/rates.yaml",
            parameter="households",
        )
    index = pl.col("district") - 1
    area = _lookup(pl.Series(areas), index // DISTRICTS_PER_AREA)
    return pl.concat_str(area, (index % DISTRICTS_PER_AREA + 1).cast(pl.String))


def build_area(rng: np.random.Generator, households: int, rates: dict[str, Any]) -> Area:
    """Streets for `households` households and each household's address and postcode."""
    places = rates["places"]
    n_streets = max(
        -(-households // places["households_per_street"]["mean"]),
        places["minimum_streets"]["value"],
    )
    streets = _street_table(rng, n_streets, places)
    # An Int32 column's max: polars types a max as any value it may hold.
    n_districts = int(cast("int | None", streets["district"].max()) or 1)
    outward = _outward_code(n_districts, households, places)
    localities = pl.read_csv(DATA_DIR / "localities.csv")["locality"]
    per_unit = places["households_per_unit"]["value"]
    # Codes within a sector are handed out in a scrambled order, so neighbours differ.
    unit_codes = rng.permutation(_UNITS_PER_SECTOR)
    letters = pl.Series([a + b for a in UNIT_LETTERS for b in UNIT_LETTERS]).gather(unit_codes)

    homes = (
        pl.DataFrame(
            {
                "hh": np.arange(households, dtype=np.int32),
                "street": rng.integers(0, n_streets, households, dtype=np.int32),
            }
        )
        .sort("street", "hh")
        .with_columns(house_number=pl.int_range(1, pl.len() + 1).over("street").cast(pl.Int32))
        .join(streets, on="street", how="left", maintain_order="left")
        .with_columns(unit_in_street=(pl.col("house_number") - 1) // per_unit)
    )
    units = (
        homes.select("sector_index", "street", "unit_in_street")
        .unique()
        .sort("sector_index", "street", "unit_in_street")
        .with_columns(unit_rank=pl.int_range(pl.len()).over("sector_index"))
    )
    if units.height and int(units["unit_rank"].max()) >= _UNITS_PER_SECTOR:  # type: ignore[arg-type]
        raise RuntimeError("a postcode sector ran out of unit codes: lower streets_per_sector")
    addresses = (
        homes.join(units, on=["sector_index", "street", "unit_in_street"], how="left")
        .with_columns(
            street_name=pl.concat_str("stem", pl.lit(" "), "street_type"),
            locality=_lookup(localities, (pl.col("district") - 1) % localities.len()),
            postcode=pl.concat_str(
                outward,
                pl.lit(" "),
                pl.col("sector_digit").cast(pl.String),
                _lookup(letters, pl.col("unit_rank")),
            ),
        )
        .with_columns(
            house_label=pl.when("flats")
            .then(pl.format("Flat {}", "house_number"))
            .otherwise(pl.col("house_number").cast(pl.String)),
        )
        .with_columns(
            address_line_1=pl.when("flats")
            .then(pl.format("{}, {}", "house_label", "street_name"))
            .otherwise(pl.format("{} {}", "house_label", "street_name"))
        )
        .select(
            "hh",
            "street",
            "house_label",
            "stem",
            "street_type",
            "abbreviation",
            "flats",
            "street_name",
            "district",
            "locality",
            "address_line_1",
            "postcode",
        )
        .sort("hh")
    )
    return Area(streets=streets, addresses=addresses, districts=n_districts)


def build_providers(rng: np.random.Generator, area: Area, rates: dict[str, Any]) -> pl.DataFrame:
    """Early years providers, every district holding at least one (id, name, type, district)."""
    config = rates["funded_places"]["providers"]
    households = area.addresses.height
    count = max(config["minimum"], households // config["households_per_provider"], area.districts)
    stems = pl.read_csv(DATA_DIR / "provider_names.csv")["stem"]
    provider_type = choose(rng, config["type_share"], count)
    district = (np.arange(count) % area.districts + 1).astype(np.int32)
    # Ofsted's early years register numbers look like EY123456; schools have 6-digit URNs.
    numbers = rng.choice(900_000, size=count, replace=False) + 100_000
    street_stems = area.streets["stem"]
    frame = pl.DataFrame(
        {
            "provider_type": provider_type,
            "district": district,
            "number": numbers,
            "stem": stems.gather(rng.integers(0, stems.len(), count)),
            "school": street_stems.gather(rng.integers(0, street_stems.len(), count)),
        }
    )
    localities = pl.read_csv(DATA_DIR / "localities.csv")["locality"]
    locality = _lookup(localities, (pl.col("district") - 1) % localities.len())
    name = (
        pl.when(pl.col("provider_type") == "day_nursery")
        .then(pl.format("{} Day Nursery", "stem"))
        .when(pl.col("provider_type") == "pre_school")
        .then(pl.format("{} Pre-School", "stem"))
        .when(pl.col("provider_type") == "school_nursery")
        .then(pl.format("{} Primary School Nursery", "school"))
        .otherwise(pl.format("Childminder, {}", locality))
    )
    return (
        frame.with_columns(
            provider_id=pl.when(pl.col("provider_type") == "school_nursery")
            .then(pl.col("number").cast(pl.String))
            .otherwise(pl.format("EY{}", "number")),
            provider_name=name,
        )
        .select("provider_id", "provider_name", "provider_type", "district")
        .sort("provider_id")
    )
