"""A fast seeded council at scale in the contract's shape: people and benefits only.

The council of issue 20, on which the tuned DuckDB query (`reference_duckdb_tuned.py`) was
measured against `workbench assess`. It was first written as `gen.py` beside that query
(in a folder shared by the project's sessions, not part of the repository); this is the same
generator, drawing the same numbers in the same order, so a council of N households here is
the one `gen.py DIR N` wrote.

Per household: 1-3 adults (role `parent_carer`, aged 18-70) and 0-4 children (role `child`,
aged 0-6), all of one made-up name; about 3.6 people a household. Awards: 0.8 a household,
held by random adults, five in twelve universal credit (with net earned income drawn from a
gamma distribution), the rest income support, income-based JSA, income-related ESA, pension
credit guarantee, housing benefit, council tax reduction or child tax credit (the last three
qualify for nothing: tax credits are closed); 60% ongoing. Disability living allowance, ongoing,
on about 2% of children. Dates are relative to 15 August 2026; the random generator is seeded
with the number of households.

Unlike `workbench synth` it writes no households, child statuses, DWP list or funded places,
no NINOs or postcodes, and nothing messy: it exercises only the rules the tuned query covers
(parents' benefits, the universal credit income test, DLA, the age window), at the speed of
numpy and polars (a million households in a few seconds). The random numbers are drawn by
numpy, all at once, as `gen.py` drew them; the text (ids, names, roles, benefits) is made from
them by polars, which keeps it compactly: at 16 million households (England, about 57 million
people) the generator peaks at 7.2 GiB, where numpy's own text would have needed over 20.

Run: ``python -m benchmarks.perf_council OUT_DIR HOUSEHOLDS [--format csv|parquet]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import polars as pl

REFERENCE_DAY = np.datetime64("2026-08-15")
AWARDS_PER_HOUSEHOLD = 0.8
DLA_SHARE_OF_CHILDREN = 0.02
ONGOING_SHARE = 0.6
# Drawn uniformly: five universal credit in twelve (the first five).
UNIVERSAL_CREDIT_KINDS = 5
AWARD_KINDS = np.array(
    ["universal_credit"] * 5
    + [
        "income_support",
        "jsa_income_based",
        "esa_income_related",
        "pension_credit_guarantee",
        "housing_benefit",
        "council_tax_reduction",
        "child_tax_credit",
    ]
)


def _days(values: np.ndarray) -> np.ndarray:
    return values.astype("timedelta64[D]")


def _ids(prefix: str, numbers: pl.Expr) -> pl.Expr:
    return pl.lit(prefix) + numbers.cast(pl.String)


def _either(condition: pl.Expr, yes: str, no: str) -> pl.Expr:
    return pl.when(condition).then(pl.lit(yes)).otherwise(pl.lit(no))


def council(households: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The people and benefits tables of a council of `households` households."""
    rng = np.random.default_rng(households)
    adults_per_household = rng.choice([1, 2, 2, 2, 3], households)
    children_per_household = rng.choice([0, 0, 1, 1, 2, 2, 3, 4], households)
    numbers = np.arange(households)
    adult_household = np.repeat(numbers, adults_per_household)
    child_household = np.repeat(numbers, children_per_household)
    adult_birth = REFERENCE_DAY - _days(rng.integers(18 * 365, 70 * 365, adult_household.size))
    child_birth = REFERENCE_DAY - _days(rng.integers(0, 6 * 365, child_household.size))
    adults, children = adult_household.size, child_household.size
    # Text is made by polars from numbers (numpy's fixed-width text takes 4 bytes a character
    # and its int-to-text more: about 20 GiB at 16M households, against polars' few GiB).
    people = pl.DataFrame(
        {
            "number": np.arange(adults + children),
            "household": np.concatenate([adult_household, child_household]),
            "date_of_birth": np.concatenate([adult_birth, child_birth]),
        }
    ).select(
        _ids("P", pl.col("number")).alias("person_id"),
        _ids("H", pl.col("household")).alias("household_id"),
        _either(pl.col("number") < adults, "Alex", "Sam").alias("forename"),
        pl.lit("Example").alias("surname"),
        "date_of_birth",
        _either(pl.col("number") < adults, "parent_carer", "child").alias("role"),
    )
    del adult_household, child_household, adult_birth, child_birth, numbers

    awards = int(households * AWARDS_PER_HOUSEHOLD)
    holder = rng.integers(0, adults, awards)
    kind = rng.integers(0, AWARD_KINDS.size, awards)  # an index into AWARD_KINDS
    start = REFERENCE_DAY - _days(rng.integers(-30, 3 * 365, awards))
    end = start + _days(rng.integers(30, 4 * 365, awards))
    ongoing = rng.random(awards) < ONGOING_SHARE
    income = np.round(rng.gamma(2.0, 7000.0, awards), 2)
    dla = int(children * DLA_SHARE_OF_CHILDREN)
    dla_child = adults + rng.integers(0, children, dla)
    dla_start = REFERENCE_DAY - _days(rng.integers(0, 400, dla))
    # A DLA award's end date is a placeholder: every DLA award is ongoing (set null below).
    end_dates = np.concatenate([end, end[:dla] if dla <= awards else end[:0]])[: awards + dla]
    benefit_names = pl.Series([*AWARD_KINDS, "disability_living_allowance"])
    benefits = pl.DataFrame(
        {
            "number": np.arange(awards + dla),
            "person": np.concatenate([holder, dla_child]),
            "benefit": np.concatenate([kind, np.full(dla, AWARD_KINDS.size)]),
            "start_date": np.concatenate([start, dla_start]),
            "end_date": pl.Series(end_dates),
            "net_earned_income": np.concatenate(
                [np.where(kind < UNIVERSAL_CREDIT_KINDS, income, np.nan), np.full(dla, np.nan)]
            ),
            "ongoing": np.concatenate([ongoing, np.ones(dla, bool)]),
        }
    ).select(
        _ids("B", pl.col("number")).alias("award_id"),
        _ids("P", pl.col("person")).alias("person_id"),
        pl.col("benefit").replace_strict(
            list(range(benefit_names.len())), benefit_names, return_dtype=pl.String
        ),
        "start_date",
        pl.when(pl.col("ongoing")).then(None).otherwise(pl.col("end_date")).alias("end_date"),
        pl.col("net_earned_income").fill_nan(None),
    )
    return people, benefits


def write_council(out: Path, households: int, fmt: str = "csv") -> dict[str, int]:
    """Write people and benefits (`fmt`: csv or parquet) to `out`; the rows written."""
    people, benefits = council(households)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in (("people", people), ("benefits", benefits)):
        if fmt == "parquet":
            frame.write_parquet(out / f"{name}.parquet")
        else:
            frame.write_csv(out / f"{name}.csv")
    return {"people": people.height, "benefits": benefits.height}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("households", type=int)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    args = parser.parse_args(argv)
    rows = write_council(args.out, args.households, args.format)
    print(f"{rows['people']} people, {rows['benefits']} awards")


if __name__ == "__main__":
    main()
