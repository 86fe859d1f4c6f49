"""Circumstances the 2026-27 rules read: care histories behind orders, free-school-meals
transitional protection, and the `households` table (no recourse to public funds).

Drawn from their own random stream, after the people, awards and statuses: the tables made
before them are exactly as they were.

- An adoption, special guardianship or child arrangements order gets a care history at the
  rates of `care_history`: a `looked_after` episode that ended the day before the order
  began, or a `previously_looked_after` record (care held by another authority), or none
  (most child arrangements orders: the child was never in care).
- A share of school-age children has a `fsm_transitional_protection` status.
- A share of households has a `households` row: families with no recourse to public funds,
  incomes spread around the limits, some savings above them, some values missing; a few
  other households with the flag false.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from workbench.synth.awards import days
from workbench.synth.population import Population

__all__ = ["care_histories", "households_table", "transitional_protection"]

_STATUS_SCHEMA = pl.Schema(
    {"pid": pl.Int64, "status": pl.String, "start_date": pl.Date, "end_date": pl.Date}
)


def care_histories(
    rng: np.random.Generator, statuses: pl.DataFrame, population: Population, rates: dict
) -> pl.DataFrame:
    """Care records for the children with an order (`statuses`' columns), at their rates."""
    c = rates["care_history"]
    orders = (
        statuses.filter(
            pl.col("status").is_in([o for o in c["looked_after_before"] if o != "source"])
        )
        .group_by("pid")
        .agg(pl.col("status").first(), pl.col("start_date").min())
        .sort("pid")
        .join(population.people.select("pid", "date_of_birth"), on="pid")
    )
    n = orders.height
    shares = {k: c[k] for k in ("looked_after_before", "previously_looked_after")}
    rate = {k: {o: v for o, v in s.items() if o != "source"} for k, s in shares.items()}
    before = orders["status"].replace_strict(rate["looked_after_before"]).to_numpy()
    earlier = orders["status"].replace_strict(rate["previously_looked_after"]).to_numpy()
    draw = rng.random(n)
    length = rng.integers(c["episode_days"]["minimum"], c["episode_days"]["maximum"] + 1, n)
    start = np.array([days(d) for d in orders["start_date"]], dtype=np.int64)
    born = np.array([days(d) for d in orders["date_of_birth"]], dtype=np.int64)
    care_start = np.maximum(start - length, born)
    looked_after = (draw < before) & (care_start < start)
    previously = ~looked_after & (draw < before + earlier)
    frames = [
        pl.DataFrame(
            {
                "pid": orders["pid"].filter(pl.Series(looked_after)),
                "status": "looked_after",
                "start_date": care_start[looked_after],
                "end_date": start[looked_after] - 1,
            }
        ),
        pl.DataFrame(
            {
                "pid": orders["pid"].filter(pl.Series(previously)),
                "status": "previously_looked_after",
                "start_date": start[previously],
                "end_date": None,
            }
        ),
    ]
    return pl.concat(
        [
            f.with_columns(
                pl.col("start_date").cast(pl.Int32).cast(pl.Date),
                pl.col("end_date").cast(pl.Int32).cast(pl.Date),
            ).cast(_STATUS_SCHEMA)
            for f in frames
        ]
    )


def transitional_protection(
    rng: np.random.Generator, population: Population, rates: dict
) -> pl.DataFrame:
    """`fsm_transitional_protection` statuses for a share of school-age children."""
    t = rates["transitional_protection"]["protected"]
    school = population.people.filter(
        (pl.col("member") == "child") & (pl.col("age") >= rates["ages"]["school_age"]["minimum"])
    ).select("pid")
    chosen = school.filter(pl.Series(rng.random(school.height) < t["school_age"]))
    return chosen.select(
        "pid",
        pl.lit("fsm_transitional_protection").alias("status"),
        pl.lit(t["start"], pl.Date).alias("start_date"),
        pl.lit(None, pl.Date).alias("end_date"),
    ).cast(_STATUS_SCHEMA)


def households_table(
    rng: np.random.Generator, population: Population, rates: dict[str, Any], household_id: pl.Expr
) -> pl.DataFrame:
    """The `households` table: a row for the families the council knows to have no recourse
    to public funds, and a few others; `household_id` formats the internal `hh` number."""
    h = rates["households_table"]
    hh = population.households.select("hh").sort("hh")
    draw = rng.random(hh.height)
    share = h["recorded"]
    nrpf = draw < share["nrpf"]
    recorded = draw < share["nrpf"] + share["recorded_not_nrpf"]
    n = hh.height
    income = rng.uniform(h["income"]["minimum"], h["income"]["maximum"], n).round(0)
    limit = h["savings"]["limit"]
    above = rng.random(n) < h["savings"]["above_limit"]
    savings = np.where(
        above, rng.uniform(limit + 1, 2 * limit, n), rng.uniform(0, limit / 4, n)
    ).round(0)
    no_income = rng.random(n) < h["missing"]["income"]
    no_savings = rng.random(n) < h["missing"]["savings"]
    frame = pl.DataFrame(
        {
            "hh": hh["hh"],
            "no_recourse_to_public_funds": nrpf,
            "annual_income": np.where(no_income | ~nrpf, np.nan, income),
            "savings": np.where(no_savings | ~nrpf, np.nan, savings),
            "in_london": np.full(n, bool(share["in_london"])),
        }
    ).filter(pl.Series(recorded))
    return frame.select(
        household_id.alias("household_id"),
        "no_recourse_to_public_funds",
        pl.col("annual_income").fill_nan(None),
        pl.col("savings").fill_nan(None),
        "in_london",
    )
