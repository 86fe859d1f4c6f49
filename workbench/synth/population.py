"""Households and the people in them: shapes, ages, sexes, origins, names, roles and NINOs.

Everything is drawn for all households at once with numpy and assembled with polars: a
household type decides how many partners, children, grandparents, adult children and sharers
it has; children's ages are spaced like real siblings (twins included), parents are a
generation older than their eldest child, and names, ethnicity and first language follow one
"name origin" per person, mixed where the parents' origins differ.

Roles (`people.role`): `parent_carer` for the adults responsible for dependent
children, `child` for the children, `other` for everyone else (grandparents, lodgers, adult
children, adults without children).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from workbench.synth.names import NamePools
from workbench.synth.places import Area
from workbench.synth.rates import choose, share_table

__all__ = [
    "COIN",
    "HOUSEHOLD_TYPES",
    "Population",
    "build_population",
    "feminine_surname",
    "format_ids",
    "nino_text",
    "person_ids",
]

HOUSEHOLD_TYPES: tuple[str, ...] = (
    "single_adult",
    "single_pensioner",
    "couple_no_children",
    "pensioner_couple",
    "couple_with_children",
    "lone_parent",
    "couple_with_adult_children",
    "lone_parent_adult_children",
    "multi_generational",
    "shared_house",
)
FAMILY_TYPES = ("couple_with_children", "lone_parent", "multi_generational")
COUPLE_TYPES = (
    "couple_no_children",
    "pensioner_couple",
    "couple_with_children",
    "couple_with_adult_children",
)
LONE_PARENT_TYPES = ("lone_parent", "lone_parent_adult_children")
ADULT_CHILDREN_TYPES = ("couple_with_adult_children", "lone_parent_adult_children")
PENSIONER_TYPES = ("single_pensioner", "pensioner_couple")
# The order people of a household are listed (and numbered) in.
MEMBERS: tuple[str, ...] = ("primary", "partner", "grandparent", "child", "adult_child", "sharer")
DAYS_PER_YEAR = 365.25
COIN = 0.5  # an even chance: either parent, either sex
EPOCH = date(1970, 1, 1)

# HMRC NIM39110: first letter never D, F, I, Q, U, V; second never D, F, I, O, Q, U, V;
# BG, GB, KN, NK, NT, TN and ZZ are never allocated.
_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NINO_UNALLOCATED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
NINO_PREFIXES: tuple[str, ...] = tuple(
    a + b for a in _NINO_FIRST for b in _NINO_SECOND if a + b not in _NINO_UNALLOCATED
)
_NINO_DIGITS = 1_000_000
_NINO_SUFFIXES = "ABCD"


@dataclass(frozen=True)
class Population:
    """The council's households and people, with the internal columns the later stages use.

    `people` holds one row per person: `pid` (row number, the person_id's number), `hh`,
    `member`, `role`, `age`, `date_of_birth`, `sex`, `origin`, names, `nino_true` (the NINO the
    person really has, which the DWP knows) and `nino` (what the council's index holds).
    `households` holds one row per household with its type, address and flags.
    """

    households: pl.DataFrame
    people: pl.DataFrame
    spare_ninos: pl.Series
    origins: tuple[str, ...]


def format_ids(prefix: str, numbers: pl.Expr, width: int) -> pl.Expr:
    """Ids like P0000042: a prefix and a zero-padded number."""
    return pl.concat_str(pl.lit(prefix), numbers.cast(pl.String).str.zfill(width))


def feminine_surname(surname: pl.Expr) -> pl.Expr:
    """The form a woman or girl bears of a Polish -ski, -cki or -dzki surname (Kowalska)."""
    return surname.str.replace_all(r"(s|c|dz)ki\b", "${1}ka")


def person_ids(pid: pl.Expr, width: int) -> pl.Expr:
    """The person_id of internal person numbers (0-based `pid`): P0000001 for pid 0."""
    return format_ids("P", pid + 1, width)


def nino_text(codes: np.ndarray) -> pl.Series:
    """NINOs (AB123456C) for integer codes in [0, len(NINO_PREFIXES) * 4 000 000)."""
    per_prefix = _NINO_DIGITS * len(_NINO_SUFFIXES)
    frame = pl.DataFrame(
        {
            "prefix": codes // per_prefix,
            "digits": (codes // len(_NINO_SUFFIXES)) % _NINO_DIGITS,
            "suffix": codes % len(_NINO_SUFFIXES),
        }
    )
    return frame.select(
        pl.concat_str(
            pl.lit(pl.Series(NINO_PREFIXES)).gather("prefix"),
            pl.col("digits").cast(pl.String).str.zfill(6),
            pl.lit(pl.Series(list(_NINO_SUFFIXES))).gather("suffix"),
        )
    ).to_series()


def _repeat(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows of one member kind: each row's household and its rank within the household."""
    hh = np.repeat(np.arange(counts.size, dtype=np.int32), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(hh.size) - np.repeat(starts, counts)
    return hh, rank


def _uniform(rng: np.random.Generator, item: dict[str, Any], size: int) -> np.ndarray:
    return rng.uniform(item["minimum"], item["maximum"], size)


def _where_type(types: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    return np.isin(types, names)


def _member_counts(
    rng: np.random.Generator, types: np.ndarray, rates: dict
) -> dict[str, np.ndarray]:
    """How many of each member kind every household has (the primary adult is always one)."""
    h = rates["households"]
    n = types.size
    family = _where_type(types, FAMILY_TYPES)
    multi = types == "multi_generational"
    lodger = family & (rng.random(n) < h["lodger"]["probability"])
    parents = choose(rng, h["multi_generational_parents"]["share"], n).astype(np.int64)
    return {
        "primary": np.ones(n, dtype=np.int64),
        "partner": np.where(multi, parents - 1, _where_type(types, COUPLE_TYPES)).astype(np.int64),
        "grandparent": np.where(multi, choose(rng, h["grandparents"]["share"], n), 0).astype(
            np.int64
        ),
        "child": np.where(family, choose(rng, h["dependent_children"]["share"], n), 0).astype(
            np.int64
        ),
        "adult_child": np.where(
            _where_type(types, ADULT_CHILDREN_TYPES),
            choose(rng, h["adult_children"]["share"], n),
            0,
        ).astype(np.int64),
        "sharer": (
            np.where(
                types == "shared_house", choose(rng, h["shared_house_adults"]["share"], n) - 1, 0
            )
            + lodger
        ).astype(np.int64),
    }


def _child_ages(
    rng: np.random.Generator, counts: np.ndarray, rates: dict
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ages of dependent children, youngest first, spaced like siblings; twins share an age.

    Returns the children's household, their ages, and each household's eldest child's age.
    """
    a = rates["ages"]
    hh, rank = _repeat(counts)
    spacing = a["birth_spacing"]
    gap = spacing["minimum_years"] + rng.gamma(
        spacing["gamma_shape"], spacing["gamma_scale"], hh.size
    )
    twin = rng.random(hh.size) < a["twins"]["probability"]
    gap = np.where((rank == 0) | twin, 0.0, gap)
    running = np.cumsum(gap)
    offset = running - running[np.arange(hh.size) - rank] if hh.size else running
    span = np.zeros(counts.size)
    np.maximum.at(span, hh, offset)
    limit = a["oldest_dependent_child"]["maximum"]
    # A rare large family whose spacing overruns childhood is squeezed to fit.
    squeeze = np.minimum(1.0, limit / np.maximum(span, limit))
    offset = offset * squeeze[hh]
    span = span * squeeze
    youngest = rng.random(counts.size) ** a["youngest_child"]["power"] * (limit - span)
    eldest = np.where(counts > 0, youngest + span, 0.0)
    return hh, youngest[hh] + offset, eldest


def _primary_ages(
    rng: np.random.Generator, types: np.ndarray, eldest_child: np.ndarray, rates: dict
) -> np.ndarray:
    a = rates["ages"]
    n = types.size
    fb = a["first_birth"]
    first_birth = np.clip(rng.normal(fb["mean"], fb["sd"], n), fb["minimum"], fb["maximum"])
    # Pension ages skew young: density falls linearly from the youngest to the oldest age.
    pensioner = a["pensioner"]
    pension_age = pensioner["minimum"] + (pensioner["maximum"] - pensioner["minimum"]) * (
        1 - np.sqrt(rng.random(n))
    )
    return np.select(
        [
            eldest_child > 0,
            _where_type(types, PENSIONER_TYPES),
            types == "shared_house",
        ],
        [eldest_child + first_birth, pension_age, _uniform(rng, a["shared_house"], n)],
        default=_uniform(rng, a["working_age"], n),
    )


@dataclass(frozen=True)
class _Members:
    """Rows of people before names: household, kind, rank, age, sex, origin."""

    hh: np.ndarray
    member: np.ndarray
    rank: np.ndarray
    age: np.ndarray
    male: np.ndarray
    origin: np.ndarray


def _origins(rng: np.random.Generator, n: int, rates: dict, origins: tuple[str, ...]) -> np.ndarray:
    keys, p = share_table(rates["origins"]["mix"]["share"])
    order = np.array([origins.index(k) for k in keys])
    return order[rng.choice(len(keys), size=n, p=p)].astype(np.int8)


def _members(
    rng: np.random.Generator, types: np.ndarray, rates: dict, origins: tuple[str, ...]
) -> tuple[_Members, dict[str, np.ndarray]]:
    """Every person's household, kind, age, sex and origin; and household-level draws."""
    n = types.size
    a, s = rates["ages"], rates["sex"]
    counts = _member_counts(rng, types, rates)
    child_hh, child_age, eldest_child = _child_ages(rng, counts["child"], rates)
    adult_child_hh, _ = _repeat(counts["adult_child"])
    adult_child_age = _uniform(rng, a["adult_child"], adult_child_hh.size)
    eldest = eldest_child.copy()
    np.maximum.at(eldest, adult_child_hh, adult_child_age)
    primary_age = _primary_ages(rng, types, eldest, rates)

    primary_origin = _origins(rng, n, rates, origins)
    mixed = rng.random(n) < rates["origins"]["mixed_couple"]["probability"]
    partner_origin = np.where(mixed, _origins(rng, n, rates, origins), primary_origin)
    lone = _where_type(types, LONE_PARENT_TYPES)
    primary_male = np.where(
        lone, rng.random(n) >= s["lone_parent_female"]["probability"], rng.random(n) < COIN
    )
    same_sex = rng.random(n) < s["same_sex_couple"]["probability"]
    partner_male = np.where(same_sex, primary_male, ~primary_male)

    rows: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    hh, rank = _repeat(counts["primary"])
    rows.append(("primary", hh, rank, primary_age, primary_male, primary_origin))
    hh, rank = _repeat(counts["partner"])
    gap = a["partner_gap"]
    partner_age = np.maximum(
        primary_age[hh] + rng.normal(gap["mean"], gap["sd"], hh.size), a["working_age"]["minimum"]
    )
    rows.append(("partner", hh, rank, partner_age, partner_male[hh], partner_origin[hh]))
    hh, rank = _repeat(counts["grandparent"])
    gap = a["grandparent_gap"]
    grand_age = primary_age[hh] + np.maximum(
        rng.normal(gap["mean"], gap["sd"], hh.size), gap["minimum"]
    )
    first_grand_male = rng.random(n) < COIN
    grand_male = np.where(rank == 0, first_grand_male[hh], ~first_grand_male[hh])
    rows.append(("grandparent", hh, rank, grand_age, grand_male, primary_origin[hh]))
    # A child of a mixed couple takes either parent's origin for its names.
    child_origin = np.where(rng.random(n) < COIN, partner_origin, primary_origin)
    for kind, hh, ages in (
        ("child", child_hh, child_age),
        ("adult_child", adult_child_hh, adult_child_age),
    ):
        rank = _repeat(counts[kind])[1]
        male = rng.random(hh.size) < s["male_birth"]["probability"]
        rows.append((kind, hh, rank, ages, male, child_origin[hh]))
    hh, rank = _repeat(counts["sharer"])
    sharer_age = _uniform(rng, a["shared_house"], hh.size)
    sharer_origin = _origins(rng, hh.size, rates, origins)
    rows.append(("sharer", hh, rank, sharer_age, rng.random(hh.size) < COIN, sharer_origin))

    members = _Members(
        hh=np.concatenate([r[1] for r in rows]),
        member=np.concatenate([np.full(r[1].size, r[0]) for r in rows]),
        rank=np.concatenate([r[2] for r in rows]),
        age=np.concatenate([r[3] for r in rows]),
        male=np.concatenate([r[4] for r in rows]).astype(bool),
        origin=np.concatenate([r[5] for r in rows]).astype(np.int8),
    )
    household = {
        "primary_origin": primary_origin,
        "partner_origin": partner_origin,
        "has_partner": counts["partner"] > 0,
        "children": counts["child"],
    }
    return members, household


def _surnames(
    rng: np.random.Generator,
    frame: pl.DataFrame,
    household: dict[str, np.ndarray],
    rates: dict,
    pools: NamePools,
) -> pl.Expr:
    """Each person's surname: shared in families, double-barrelled or hyphenated in some."""
    o = rates["origins"]
    n = household["primary_origin"].size
    primary_origin = household["primary_origin"]
    family = pools.text(pools.draw(rng, primary_origin, "surname"))
    second = pools.text(pools.draw(rng, primary_origin, "surname"))
    double = pl.Series(rng.random(n) < o["double_barrelled"]["probability"])
    partner_own = pools.text(pools.draw(rng, household["partner_origin"], "surname"))
    share_p = np.array([o["partner_shares_surname"]["probability"][x] for x in pools.origins])
    shares = rng.random(n) < share_p[primary_origin]
    hyphenate = (
        ~shares
        & household["has_partner"]
        & (rng.random(n) < o["hyphenated_children"]["probability"])
    )
    own = pools.text(pools.draw(rng, frame["origin"].to_numpy(), "surname"))
    table = pl.DataFrame(
        {
            "family": pl.select(
                pl.when(double).then(pl.concat_str(family, pl.lit("-"), second)).otherwise(family)
            ).to_series(),
            "partner_own": partner_own,
            "shares": shares,
            "hyphenate": hyphenate,
        }
    )
    family_of = pl.lit(table["family"]).gather("hh")
    partner_of = pl.lit(table["partner_own"]).gather("hh")
    member = pl.col("member")
    return (
        pl.when(member.is_in(["primary", "grandparent"]))
        .then(family_of)
        .when(member == "partner")
        .then(pl.when(pl.lit(table["shares"]).gather("hh")).then(family_of).otherwise(partner_of))
        .when(member.is_in(["child", "adult_child"]))
        .then(
            pl.when(pl.lit(table["hyphenate"]).gather("hh"))
            .then(pl.concat_str(family_of, pl.lit("-"), partner_of))
            .otherwise(family_of)
        )
        .otherwise(pl.lit(own))
    )


def _female_forms(
    rng: np.random.Generator, frame: pl.DataFrame, rates: dict, pools: NamePools
) -> pl.Expr:
    """Polish feminine surnames (Kowalska); Bibi, Begum or Kaur for some women."""
    o = rates["origins"]
    titles = o["title_surname"]["value"]
    codes = {origin: i for i, origin in enumerate(pools.origins)}
    p = np.zeros(len(pools.origins))
    names = [""] * len(pools.origins)
    for origin, title in titles.items():
        p[codes[origin]] = title["probability"]
        names[codes[origin]] = title["surname"]
    origin = frame["origin"].to_numpy()
    adult = frame["age"].to_numpy() >= rates["ages"]["adult_from"]["nino_age"]
    titled = ~frame["male"].to_numpy() & adult & (rng.random(frame.height) < p[origin])
    feminine = rng.random(frame.height) < o["polish_feminine_surname"]["probability"]
    female = ~pl.col("male")
    return (
        pl.when(pl.lit(pl.Series(titled)))
        .then(pl.lit(pl.Series(names)).gather("origin"))
        .when(female & pl.lit(pl.Series(feminine)))
        .then(feminine_surname(pl.col("surname")))
        .otherwise(pl.col("surname"))
    )


def _forenames(
    rng: np.random.Generator, frame: pl.DataFrame, rates: dict, pools: NamePools
) -> pl.Series:
    british = pools.origins.index("british")
    p = np.array([rates["origins"]["british_forename"]["probability"][x] for x in pools.origins])
    origin = frame["origin"].to_numpy()
    naming = np.where(rng.random(origin.size) < p[origin], british, origin)
    kind = np.where(frame["male"].to_numpy(), "male", "female")
    return pools.text(pools.draw(rng, naming, kind))


def _pick_by_origin(
    rng: np.random.Generator,
    origin: np.ndarray,
    shares: dict[str, dict[str, float]],
    origins: tuple[str, ...],
) -> np.ndarray:
    """One value per row from the `share` table of the row's origin."""
    out = np.empty(origin.size, dtype=object)
    for o, name in enumerate(origins):
        rows = np.flatnonzero(origin == o)
        if rows.size:
            out[rows] = choose(rng, shares[name], rows.size)
    return out


def _ethnicity(
    frame: pl.DataFrame, household: dict[str, np.ndarray], rates: dict, origins: tuple[str, ...]
) -> pl.Series:
    """Ethnicity by origin; children of parents of different origins get a mixed category."""
    o = rates["origins"]
    labels = o["ethnicity"]["value"]
    mixed_labels = o["mixed_ethnicity"]["value"]
    white = np.array([labels[x].startswith("White") for x in origins])
    by_origin = np.array([labels[x] for x in origins], dtype=object)
    hh = frame["hh"].to_numpy()
    first = household["primary_origin"][hh]
    second = household["partner_origin"][hh]
    is_child = np.isin(frame["member"].to_numpy(), ["child", "adult_child"])
    mixed = is_child & household["has_partner"][hh] & (first != second)
    # The category is named by the parent who is not White, when the other is.
    other = np.where(white[first], second, first)
    named = np.array([mixed_labels.get(x, mixed_labels["other"]) for x in origins], dtype=object)
    mixed_label = np.where(white[first] ^ white[second], named[other], mixed_labels["other"])
    return pl.Series(
        np.where(mixed, mixed_label, by_origin[frame["origin"].to_numpy()]), dtype=pl.String
    )


def _ninos(
    rng: np.random.Generator, frame: pl.DataFrame, asylum: np.ndarray, spare: int, rates: dict
) -> tuple[pl.Expr, pl.Expr, pl.Series]:
    """True NINOs (unique, for everyone 16 or over, except most asylum seekers) and the index's."""
    n_rates = rates["nino"]
    adult = frame["age"].to_numpy() >= rates["ages"]["adult_from"]["nino_age"]
    hh = frame["hh"].to_numpy()
    without = asylum[hh] & (
        rng.random(frame.height) < n_rates["asylum_seekers_without_nino"]["probability"]
    )
    holders = np.flatnonzero(adult & ~without)
    space = len(NINO_PREFIXES) * _NINO_DIGITS * len(_NINO_SUFFIXES)
    codes = rng.choice(space, size=holders.size + spare, replace=False)
    true = np.full(frame.height, None, dtype=object)
    true[holders] = nino_text(codes[: holders.size]).to_numpy()
    missing = rng.random(frame.height) < n_rates["missing_in_index"]["probability"]
    true_series = pl.Series(true.tolist(), dtype=pl.String)  # an object array may start with None
    nino = pl.when(pl.lit(pl.Series(missing))).then(None).otherwise(pl.lit(true_series))
    return pl.lit(true_series), nino, nino_text(codes[holders.size :])


def build_population(
    rng: np.random.Generator,
    households: int,
    reference_date: date,
    rates: dict[str, Any],
    pools: NamePools,
    area: Area,
) -> Population:
    """Draw `households` households and their people, living at `area`'s addresses."""
    if set(rates["households"]["types"]["share"]) != set(HOUSEHOLD_TYPES):
        raise ValueError(f"rates.yaml households.types must list exactly {HOUSEHOLD_TYPES}")
    types = choose(rng, rates["households"]["types"]["share"], households)
    members, household = _members(rng, types, rates, pools.origins)
    families = household["children"] > 0
    asylum = families & (
        rng.random(households) < rates["benefits"]["asylum_support"]["probability"]
    )
    reference_days = (reference_date - EPOCH).days

    frame = (
        pl.DataFrame(
            {
                "hh": members.hh,
                "member": members.member,
                "rank": members.rank,
                "age": members.age,
                "male": members.male,
                "origin": members.origin,
            }
        )
        .with_columns(member_order=pl.col("member").replace_strict(MEMBERS, range(len(MEMBERS))))
        .sort("hh", "member_order", "rank")
        .with_columns(pid=pl.int_range(pl.len(), dtype=pl.Int64))
    )
    frame = frame.with_columns(surname=_surnames(rng, frame, household, rates, pools))
    frame = frame.with_columns(
        surname=_female_forms(rng, frame, rates, pools),
        forename=_forenames(rng, frame, rates, pools),
    )
    adult = frame["age"].to_numpy() >= rates["ages"]["oldest_dependent_child"]["maximum"]
    language = rates["origins"]["first_language"]
    origin = frame["origin"].to_numpy()
    first_language = np.where(
        adult,
        _pick_by_origin(rng, origin, language["adults"], pools.origins),
        _pick_by_origin(rng, origin, language["children"], pools.origins),
    )
    nino_true, nino, spare = _ninos(rng, frame, asylum, max(16, households // 20), rates)
    parent_of_children = pl.lit(pl.Series(families)).gather("hh")
    people = frame.with_columns(
        date_of_birth=(
            pl.lit(reference_days) - (pl.col("age") * DAYS_PER_YEAR).floor().cast(pl.Int32)
        ).cast(pl.Date),
        sex=pl.when("male").then(pl.lit("M")).otherwise(pl.lit("F")),
        role=pl.when(pl.col("member") == "child")
        .then(pl.lit("child"))
        .when(pl.col("member").is_in(["primary", "partner"]) & parent_of_children)
        .then(pl.lit("parent_carer"))
        .otherwise(pl.lit("other")),
        ethnicity=_ethnicity(frame, household, rates, pools.origins),
        first_language=pl.Series(first_language, dtype=pl.String),
        nino_true=nino_true,
        nino=nino,
    ).join(
        area.addresses.select("hh", "address_line_1", "postcode", "district"),
        on="hh",
        how="left",
        maintain_order="left",
    )
    people = people.with_columns(_school_urn())
    homes = pl.DataFrame(
        {
            "hh": np.arange(households, dtype=np.int32),
            "household_type": types,
            "primary_origin": household["primary_origin"],
            "children": household["children"],
            "asylum": asylum,
        }
    ).join(area.addresses, on="hh", how="left", maintain_order="left")
    return Population(households=homes, people=people, spare_ninos=spare, origins=pools.origins)


# At school or in its sixth form (Reception to Year 13: free school meals reach the sixth
# form), and the age secondary school starts.
_SCHOOL_AGES, _SECONDARY_FROM = (4, 19), 11


def _school_urn() -> pl.Expr:
    """A pupil's school: the primary or secondary school of their postcode district, with a
    made-up URN (100000 + 2 x district, + 1 for the secondary school). Drawn from no random
    stream, so every other column is as it was before schools were added."""
    age = pl.col("age")
    pupil = (pl.col("member") == "child") & age.is_between(*_SCHOOL_AGES, closed="left")
    urn = 100_000 + 2 * pl.col("district").cast(pl.Int64) + (age >= _SECONDARY_FROM).cast(pl.Int64)
    return pl.when(pupil).then(urn.cast(pl.String)).alias("school_urn")
