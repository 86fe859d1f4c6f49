"""Benefit awards and child statuses for the synthetic council's people.

Awards follow household circumstances: Universal Credit is common among lone parents and less
so among couples, with take-home pay spread either side of the £7,400 and £15,400 lines (and
some incomes missing); tax credits are history that ended by 5 April 2025 (many families moved
to UC the next day); pensioners get Pension Credit and Housing Benefit; a few families get
asylum support; Disability Living Allowance is the child's own award. Start and end dates
churn: some awards ended, a few end on the reference date, a few start after it.

Dates are handled as integer days since 1970-01-01 until the frames are built.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import numpy as np
import polars as pl

from workbench.synth.population import DAYS_PER_YEAR, EPOCH, PENSIONER_TYPES, Population
from workbench.synth.rates import choose

__all__ = ["Awards", "build_awards", "days"]


def days(value: date) -> int:
    """A date as days since 1970-01-01."""
    return (value - EPOCH).days


@dataclass(frozen=True)
class Awards:
    """`benefits` (pid, benefit, dates, incomes) and `statuses` (pid, status, dates)."""

    benefits: pl.DataFrame
    statuses: pl.DataFrame


@dataclass
class _Block:
    """Awards of one benefit, as arrays; `end` is meaningful only where `ended`."""

    benefit: str
    pid: np.ndarray
    start: np.ndarray
    end: np.ndarray
    ended: np.ndarray
    net: np.ndarray | None = None
    gross: np.ndarray | None = None


def _between(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A whole day uniformly in [low, high] (high is raised to low where it is below)."""
    high = np.maximum(high, low)
    return cast(
        np.ndarray, low + np.floor(rng.random(low.shape[0]) * (high - low + 1)).astype(np.int64)
    )


def _churn(
    rng: np.random.Generator, start: np.ndarray, reference: int, churn: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ends for awards starting on `start`: ended, ending on the reference date, starting
    after it, or ongoing, in the shares of rates.yaml `benefits.churn`."""
    n = start.shape[0]
    u = rng.random(n)
    cut_ended = churn["ended"]
    cut_on = cut_ended + churn["ends_on_reference_date"]
    cut_future = cut_on + churn["starts_after_reference_date"]
    ended = u < cut_ended
    on_reference = (u >= cut_ended) & (u < cut_on)
    future = (u >= cut_on) & (u < cut_future)
    end = np.where(on_reference, reference, _between(rng, start, np.full(n, reference - 1)))
    future_start = reference + 1 + rng.integers(0, churn["future_start_within_days"], n)
    start = np.where(future, future_start, np.minimum(start, reference))
    return start, np.maximum(end, start), ended | on_reference


def _earnings(rng: np.random.Generator, n: int, rates: dict[str, Any]) -> np.ndarray:
    """UC take-home pay a year: none, log-normal, exactly on a threshold, or missing (NaN)."""
    e = rates["benefits"]["uc_earnings"]
    pay = np.round(e["median"] * np.exp(rng.normal(0.0, e["sigma"], n)), 2)
    thresholds = np.array(rates["thresholds"]["universal_credit"]["values"], dtype=float)
    u = rng.random(n)
    pay = np.where(u < e["no_earnings"], 0.0, pay)
    at = rng.random(n) < e["exactly_at_threshold"]
    pay = np.where(at, thresholds[rng.integers(0, thresholds.size, n)], pay)
    return np.where(rng.random(n) < e["missing"], np.nan, pay)


@dataclass(frozen=True)
class _Frame:
    """Household and person arrays the award rules read."""

    n: int
    types: np.ndarray
    children: np.ndarray
    asylum: np.ndarray
    primary: np.ndarray  # pid of each household's primary adult
    partner: np.ndarray  # pid of the first partner, -1 when none
    eldest_child_dob: np.ndarray  # days; 0 when no children
    pid: np.ndarray
    hh: np.ndarray
    member: np.ndarray
    rank: np.ndarray
    age: np.ndarray
    dob: np.ndarray


def _frame(population: Population) -> _Frame:
    people = population.people
    homes = population.households
    n = homes.height
    pid = people["pid"].to_numpy()
    hh = people["hh"].to_numpy()
    member = people["member"].to_numpy()
    dob = people["date_of_birth"].cast(pl.Int64).to_numpy()
    primary = np.zeros(n, dtype=np.int64)
    primary[hh[member == "primary"]] = pid[member == "primary"]
    partner = np.full(n, -1, dtype=np.int64)
    first_partner = (member == "partner") & (people["rank"].to_numpy() == 0)
    partner[hh[first_partner]] = pid[first_partner]
    eldest = np.full(n, np.iinfo(np.int64).max)
    is_child = member == "child"
    np.minimum.at(eldest, hh[is_child], dob[is_child])
    return _Frame(
        n=n,
        types=homes["household_type"].to_numpy(),
        children=homes["children"].to_numpy(),
        asylum=homes["asylum"].to_numpy(),
        primary=primary,
        partner=partner,
        eldest_child_dob=np.where(homes["children"].to_numpy() > 0, eldest, 0),
        pid=pid,
        hh=hh,
        member=member,
        rank=people["rank"].to_numpy(),
        age=people["age"].to_numpy(),
        dob=dob,
    )


def _adult_from(f: _Frame, pids: np.ndarray, years: float) -> np.ndarray:
    return cast(np.ndarray, f.dob[pids] + int(years * DAYS_PER_YEAR))


def _claim_floor(f: _Frame, pids: np.ndarray, earliest: int, rates: dict[str, Any]) -> np.ndarray:
    """The earliest day these people could have claimed: `earliest`, or their 18th birthday."""
    return cast(
        np.ndarray,
        np.maximum(earliest, _adult_from(f, pids, rates["ages"]["working_age"]["minimum"])),
    )


def _universal_credit(
    rng: np.random.Generator, f: _Frame, reference: int, rates: dict[str, Any]
) -> tuple[list[_Block], dict[str, np.ndarray]]:
    """UC for households (and other adults), with earlier claims, legacy benefits before
    UC and tax credits for the families moved across when tax credits closed."""
    b = rates["benefits"]
    d = b["dates"]
    uc = b["universal_credit"]
    adult = rates["ages"]["working_age"]["minimum"]
    p_type = np.array([uc["probability"][t] for t in f.types])
    on_uc = rng.random(f.n) < p_type
    use_partner = (f.partner >= 0) & (rng.random(f.n) < uc["partner_claimant"])
    claimant = np.where(use_partner, f.partner, f.primary)
    families = f.children > 0
    closed = days(d["tax_credits_closed"])
    at_closure = rng.random(f.n) < b["tax_credits"]["ended_at_closure"]
    tc_end = np.where(
        at_closure,
        closed,
        _between(rng, np.full(f.n, days(d["migration_earliest"])), np.full(f.n, closed - 1)),
    )
    # Only a family with a child before its tax credits ended can have claimed them.
    migrated = on_uc & families & (rng.random(f.n) < b["migrated_from_tax_credits"]["probability"])
    migrated &= f.eldest_child_dob < tc_end - d["minimum_award_days"]
    earliest = np.maximum(days(d["uc_earliest"]), _adult_from(f, claimant, adult))
    start = np.where(migrated, tc_end + 1, _between(rng, earliest, np.full(f.n, reference)))
    start, end, ended = _churn(rng, start, reference, b["churn"])
    rows = np.flatnonzero(on_uc)
    blocks = [
        _Block(
            "universal_credit",
            claimant[rows],
            start[rows],
            end[rows],
            ended[rows],
            net=_earnings(rng, rows.size, rates),
        )
    ]

    # An earlier claim that ended before this one began.
    minimum = d["minimum_award_days"]
    earlier = on_uc & (rng.random(f.n) < b["churn"]["previous_claim"])
    earlier &= start - 3 * minimum > earliest
    rows = np.flatnonzero(earlier)
    first = _between(rng, earliest[rows], start[rows] - 3 * minimum)
    blocks.append(
        _Block(
            "universal_credit",
            claimant[rows],
            first,
            _between(rng, first + minimum, start[rows] - minimum),
            np.ones(rows.size, bool),
            net=_earnings(rng, rows.size, rates),
        )
    )

    # Income Support, income-based JSA or income-related ESA before moving to UC.
    legacy = b["legacy_before_uc"]
    before = on_uc & ~migrated & (rng.random(f.n) < legacy["probability"])
    legacy_floor = np.maximum(days(d["legacy_earliest"]), _adult_from(f, claimant, adult))
    before &= start - 2 * minimum > legacy_floor
    rows = np.flatnonzero(before)
    kinds = choose(rng, legacy["share"], rows.size)
    legacy_start = _between(rng, legacy_floor[rows], start[rows] - 2 * minimum)
    for kind in legacy["share"]:
        pick = kinds == kind
        blocks.append(
            _Block(
                kind,
                claimant[rows][pick],
                legacy_start[pick],
                start[rows][pick] - 1,
                np.ones(int(pick.sum()), bool),
            )
        )

    # Other adults (adult children, lodgers, sharers) claim on their own.
    others = np.flatnonzero(np.isin(f.member, ["adult_child", "sharer"]))
    others = others[rng.random(others.size) < uc["other_adult"]]
    low = np.maximum(days(d["uc_earliest"]), _adult_from(f, f.pid[others], adult))
    o_start, o_end, o_ended = _churn(
        rng, _between(rng, low, np.full(others.size, reference)), reference, b["churn"]
    )
    blocks.append(
        _Block(
            "universal_credit",
            f.pid[others],
            o_start,
            o_end,
            o_ended,
            net=_earnings(rng, others.size, rates),
        )
    )
    state = {
        "on_uc": on_uc,
        "migrated": migrated,
        "tc_end": tc_end,
        "claimant": claimant,
        "uc_start": start,
        "uc_end": end,
        "uc_ended": ended,
    }
    return blocks, state


def _tax_credits(
    rng: np.random.Generator, f: _Frame, state: dict[str, np.ndarray], rates: dict[str, Any]
) -> list[_Block]:
    """Child and Working Tax Credit history, every award ending by the closure date."""
    b = rates["benefits"]
    d = b["dates"]
    tc = b["tax_credits"]
    closed = days(d["tax_credits_closed"])
    minimum = d["minimum_award_days"]
    families = (f.children > 0) & (f.eldest_child_dob < closed - 2 * minimum)
    history = state["migrated"] | (
        families & ~state["on_uc"] & (rng.random(f.n) < tc["history_with_children"])
    )
    low = np.maximum(days(d["legacy_earliest"]), f.eldest_child_dob)
    end = np.where(
        state["migrated"],
        state["tc_end"],
        np.where(
            rng.random(f.n) < tc["ended_at_closure"],
            closed,
            _between(rng, low + 2 * minimum, np.full(f.n, closed - 1)),
        ),
    )
    start = _between(rng, low, end - minimum)
    ctc_only = rng.random(f.n) < tc["ctc_only"]
    median = np.where(ctc_only, tc["ctc_only_median"], tc["ctc_wtc_median"])
    gross = np.round(median * np.exp(rng.normal(0.0, tc["sigma"], f.n)), 2)
    gross = np.where(rng.random(f.n) < tc["income_missing"], np.nan, gross)

    rows = np.flatnonzero(history)
    claimant = f.primary[rows]
    done = np.ones(rows.size, bool)
    blocks = [_Block("child_tax_credit", claimant, start[rows], end[rows], done, gross=gross[rows])]
    working = rows[~ctc_only[rows]]
    # Some working families lost their hours: WTC stopped early and the 4-week run-on followed.
    run_on_days = tc["run_on_days"]
    run_on = (rng.random(working.size) < tc["run_on"]) & (
        end[working] - start[working] > 2 * run_on_days
    )
    wtc_end = np.where(
        run_on, _between(rng, start[working] + 1, end[working] - run_on_days), end[working]
    )
    blocks.append(
        _Block(
            "working_tax_credit",
            f.primary[working],
            start[working],
            wtc_end,
            np.ones(working.size, bool),
            gross=gross[working],
        )
    )
    ro = working[run_on]
    blocks.append(
        _Block(
            "wtc_run_on",
            f.primary[ro],
            wtc_end[run_on] + 1,
            wtc_end[run_on] + run_on_days,
            np.ones(ro.size, bool),
        )
    )
    # Working Tax Credit alone, for some working households without children.
    childless = np.isin(f.types, ["single_adult", "couple_no_children"])
    floor = _claim_floor(f, f.primary, days(d["legacy_earliest"]), rates)
    childless &= floor < closed - 2 * minimum
    alone = np.flatnonzero(childless & (rng.random(f.n) < tc["wtc_without_children"]))
    a_end = _between(rng, floor[alone] + 2 * minimum, np.full(alone.size, closed))
    a_start = _between(rng, floor[alone], a_end - minimum)
    a_gross = np.round(tc["ctc_wtc_median"] * np.exp(rng.normal(0.0, tc["sigma"], alone.size)), 2)
    blocks.append(
        _Block(
            "working_tax_credit",
            f.primary[alone],
            a_start,
            a_end,
            np.ones(alone.size, bool),
            gross=a_gross,
        )
    )
    return blocks


def _ongoing(
    rng: np.random.Generator,
    benefit: str,
    pids: np.ndarray,
    earliest: np.ndarray,
    reference: int,
    rates: dict[str, Any],
) -> _Block:
    start = _between(rng, earliest, np.full(pids.size, reference))
    start, end, ended = _churn(rng, start, reference, rates["benefits"]["churn"])
    return _Block(benefit, pids, start, end, ended)


def _other_benefits(
    rng: np.random.Generator,
    f: _Frame,
    state: dict[str, np.ndarray],
    reference: int,
    rates: dict[str, Any],
) -> list[_Block]:
    """ESA and IS still in payment, Pension Credit, asylum support, DLA, HB and CTR."""
    b = rates["benefits"]
    d = b["dates"]
    legacy_earliest = days(d["legacy_earliest"])
    pension_age = rates["ages"]["pensioner"]["minimum"]
    working_age = ~np.isin(f.types, PENSIONER_TYPES) & ~state["on_uc"]
    blocks: list[_Block] = []

    esa = np.flatnonzero(working_age & (rng.random(f.n) < b["esa_still_in_payment"]["probability"]))
    blocks.append(
        _ongoing(
            rng,
            "esa_income_related",
            f.primary[esa],
            _claim_floor(f, f.primary[esa], legacy_earliest, rates),
            reference,
            rates,
        )
    )
    lone = working_age & (f.types == "lone_parent")
    income_support = np.flatnonzero(
        lone & (rng.random(f.n) < b["income_support_still_in_payment"]["probability"])
    )
    blocks.append(
        _ongoing(
            rng,
            "income_support",
            f.primary[income_support],
            np.maximum(legacy_earliest, f.eldest_child_dob[income_support]),
            reference,
            rates,
        )
    )

    # Pension Credit: the primary adult, or the first grandparent, once over pension age.
    older = ((f.member == "primary") | ((f.member == "grandparent") & (f.rank == 0))) & (
        f.age >= pension_age
    )
    pc = np.flatnonzero(
        older & (rng.random(f.pid.size) < b["pension_credit_guarantee"]["probability"])
    )
    blocks.append(
        _ongoing(
            rng,
            "pension_credit_guarantee",
            f.pid[pc],
            np.maximum(legacy_earliest, _adult_from(f, f.pid[pc], pension_age)),
            reference,
            rates,
        )
    )

    asylum = np.flatnonzero(f.asylum)
    a_start = reference - rng.integers(
        d["minimum_award_days"], b["asylum_support"]["started_within_days"], asylum.size
    )
    blocks.append(
        _Block("asylum_support", f.primary[asylum], a_start, a_start, np.zeros(asylum.size, bool))
    )

    dla = b["disability_living_allowance"]
    child = (f.member == "child") & (f.age <= dla["maximum_age"])
    p_dla = np.where(
        f.age < rates["ages"]["school_age"]["minimum"], dla["under_five"], dla["school_age"]
    )
    gets = np.flatnonzero(child & (rng.random(f.pid.size) < p_dla))
    dla_start = _between(rng, f.dob[gets] + d["minimum_award_days"], np.full(gets.size, reference))
    dla_ended = rng.random(gets.size) < dla["ended"]
    blocks.append(
        _Block(
            "disability_living_allowance",
            f.pid[gets],
            dla_start,
            _between(rng, dla_start, np.full(gets.size, reference - 1)),
            dla_ended,
        )
    )

    hb = b["housing_benefit"]
    pensioners = np.isin(f.types, PENSIONER_TYPES)
    p_hb = np.where(pensioners, hb["pensioner"], np.where(working_age, hb["working_age"], 0.0))
    gets = np.flatnonzero(rng.random(f.n) < p_hb)
    blocks.append(
        _ongoing(
            rng,
            "housing_benefit",
            f.primary[gets],
            _claim_floor(f, f.primary[gets], legacy_earliest, rates),
            reference,
            rates,
        )
    )

    # Council Tax Reduction runs alongside UC for most UC households.
    ctr = b["council_tax_reduction"]
    with_uc = np.flatnonzero(state["on_uc"] & (rng.random(f.n) < ctr["with_means_tested_benefit"]))
    blocks.append(
        _Block(
            "council_tax_reduction",
            state["claimant"][with_uc],
            state["uc_start"][with_uc],
            state["uc_end"][with_uc],
            state["uc_ended"][with_uc],
        )
    )
    rest = np.flatnonzero(~state["on_uc"] & (rng.random(f.n) < ctr["others"]))
    blocks.append(
        _ongoing(
            rng,
            "council_tax_reduction",
            f.primary[rest],
            _claim_floor(f, f.primary[rest], legacy_earliest, rates),
            reference,
            rates,
        )
    )
    return blocks


def _statuses(
    rng: np.random.Generator, f: _Frame, reference: int, rates: dict[str, Any]
) -> pl.DataFrame:
    """Looked after, EHC plans and orders out of care, at their small real-world rates."""
    s = rates["child_statuses"]
    minimum = rates["benefits"]["dates"]["minimum_award_days"]
    children = np.flatnonzero(f.member == "child")
    school_age = f.age[children] >= rates["ages"]["school_age"]["minimum"]
    p = {
        "looked_after": np.full(children.size, s["looked_after"]["probability"]),
        "ehc_plan": np.where(school_age, s["ehc_plan"]["school_age"], s["ehc_plan"]["under_five"]),
        "special_guardianship_order": np.full(
            children.size, s["special_guardianship_order"]["probability"]
        ),
        "child_arrangements_order": np.full(
            children.size, s["child_arrangements_order"]["probability"]
        ),
        "adoption_order": np.full(children.size, s["adoption_order"]["probability"]),
    }
    frames = []
    for status, probability in p.items():
        rows = children[rng.random(children.size) < probability]
        start = _between(rng, f.dob[rows] + minimum, np.full(rows.size, reference))
        ended = rng.random(rows.size) < s[status].get("ended", 0.0)
        end = _between(rng, start, np.full(rows.size, reference - 1))
        frames.append(
            pl.DataFrame(
                {
                    "pid": f.pid[rows],
                    "status": np.full(rows.size, status),
                    "start": start,
                    "end": end,
                    "ended": ended,
                },
                schema={
                    "pid": pl.Int64,
                    "status": pl.String,
                    "start": pl.Int64,
                    "end": pl.Int64,
                    "ended": pl.Boolean,
                },
            )
        )
    return (
        pl.concat(frames)
        .select(
            "pid",
            "status",
            pl.col("start").cast(pl.Int32).cast(pl.Date).alias("start_date"),
            pl.when("ended").then(pl.col("end").cast(pl.Int32).cast(pl.Date)).alias("end_date"),
        )
        .sort("pid", "start_date", "status", maintain_order=True)
    )


def _block_frame(block: _Block) -> pl.DataFrame:
    n = block.pid.size
    nan = np.full(n, np.nan)
    return pl.DataFrame(
        {
            "pid": block.pid.astype(np.int64),
            "benefit": np.full(n, block.benefit),
            "start": block.start.astype(np.int64),
            "end": block.end.astype(np.int64),
            "ended": block.ended.astype(bool),
            "net_earned_income": nan if block.net is None else block.net.astype(float),
            "gross_income": nan if block.gross is None else block.gross.astype(float),
        },
        schema={
            "pid": pl.Int64,
            "benefit": pl.String,
            "start": pl.Int64,
            "end": pl.Int64,
            "ended": pl.Boolean,
            "net_earned_income": pl.Float64,
            "gross_income": pl.Float64,
        },
    )


def build_awards(
    rng: np.random.Generator, population: Population, reference_date: date, rates: dict[str, Any]
) -> Awards:
    """Every benefit award and child status of the population, as of `reference_date`."""
    f = _frame(population)
    reference = days(reference_date)
    uc_blocks, state = _universal_credit(rng, f, reference, rates)
    blocks = (
        uc_blocks
        + _tax_credits(rng, f, state, rates)
        + _other_benefits(rng, f, state, reference, rates)
    )
    benefits = (
        pl.concat([_block_frame(b) for b in blocks])
        .select(
            "pid",
            "benefit",
            pl.col("start").cast(pl.Int32).cast(pl.Date).alias("start_date"),
            pl.when("ended").then(pl.col("end").cast(pl.Int32).cast(pl.Date)).alias("end_date"),
            pl.col("net_earned_income").fill_nan(None),
            pl.col("gross_income").fill_nan(None),
        )
        .sort("pid", "start_date", "benefit", maintain_order=True)
    )
    return Awards(benefits=benefits, statuses=_statuses(rng, f, reference, rates))
