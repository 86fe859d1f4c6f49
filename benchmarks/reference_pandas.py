"""The two-year-old offer (CONTRACT.md §2) in straightforward pandas: an independent oracle.

Written from the contract, line by line, without looking at `workbench.eligibility.engine`: the
benchmarks time it against `workbench assess`, and the tests check that it, the DuckDB
reference (`reference_duckdb.py`) and the engine give the same list.

What it covers: the whole candidate list of `workbench assess --initiative two_year_old`
(person_id, dwp_record_id, initiative, tier, reason_codes, eligible_from, already_funded).
The DWP list and funded places are matched to people by the exact rules of the linkage
pre-pass (`workbench.linkage.link_exact`'s docstring), re-implemented here with merges:
a DWP row matched to a child adds `dwp_list` to the child's reasons; the parent's NINO and
the child's date of birth do not match a child whose forename is plainly another than the
row's (`forenames_plainly_different`: not a slip, nor a nickname pair of the linkage's file
`workbench/reference/nicknames.csv`, read here as data, nor alike by Jaro-Winkler, nor
swapped with the surname); a DWP row matched to no one is listed on its own (person_id
empty) when its child is in the age window; a child matched to a funded place of stream
`two_year_old` for `term_start` is `already_funded`; one matched to such a place for an
earlier term has `continued_entitlement`. Rules are those in force on `term_start`; awards
and statuses must be active on `as_of` (CONTRACT §2 rule 6).

Inputs are taken as valid (`workbench validate` checks them): ids are unique, dates are ISO.
The thresholds and dates below are the contract's; they are constants here, and only here,
because an oracle must not read the rule files whose use it checks.

Run: ``python -m benchmarks.reference_pandas --data DIR --term-start 2026-09-01
--as-of 2026-09-01 --out list.csv`` (always CSV: pandas writes parquet only with pyarrow,
which the workbench does not need).
"""

from __future__ import annotations

import argparse
import csv
import functools
import unicodedata
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl

INITIATIVE = "two_year_old"
UC_NET_EARNED_INCOME_LIMIT = 15400.0  # CONTRACT §2 rule 4, universal_credit_low_income
TAX_CREDIT_GROSS_INCOME_LIMIT = 16190.0  # CONTRACT §2 rule 4, tax_credits_low_income
TAX_CREDITS_END = date(2025, 4, 5)  # CONTRACT §2 rule 4: tax credits closed
ADULT_AGE = 16  # CONTRACT §2 rule 3, without a role column
# CONTRACT §2 rule 4, no_recourse_to_public_funds (DOMAIN.md: limits from 1 September 2022)
NRPF_FROM = date(2022, 9, 1)
NRPF_INCOME = {(False, 1): 26500.0, (False, 2): 30600.0, (True, 1): 34500.0, (True, 2): 38600.0}
NRPF_SAVINGS = 16000.0
PARENT_BENEFIT_REASONS = (
    "income_support",
    "jsa_income_based",
    "esa_income_related",
    "pension_credit_guarantee",
    "asylum_support",
)
CHILD_STATUS_REASONS = ("looked_after", "ehc_plan")
CARE_STATUS, EARLIER_CARE_STATUS = "looked_after", "previously_looked_after"
LEFT_CARE_STATUSES = ("special_guardianship_order", "child_arrangements_order", "adoption_order")
# The nickname and variant pairs the linkage reads (data, not rules: Liz for Elizabeth).
NICKNAMES_FILE = Path(__file__).resolve().parents[1] / "workbench" / "reference" / "nicknames.csv"
SIMILAR_FORENAMES = 0.8  # Jaro-Winkler at or above which two forenames are alike
OUTPUT_COLUMNS = [
    "person_id",
    "dwp_record_id",
    "initiative",
    "tier",
    "reason_codes",
    "eligible_from",
    "already_funded",
]

# Columns each table may bring, by kind; dates and money are converted on the way in.
DATE_COLUMNS = {
    "people": ["date_of_birth"],
    "benefits": ["start_date", "end_date"],
    "child_statuses": ["start_date", "end_date"],
    "dwp_list": ["child_date_of_birth"],
    "funded_places": ["child_date_of_birth", "term_start"],
}
MONEY_COLUMNS = {
    "benefits": ["net_earned_income", "gross_income"],
    "households": ["annual_income", "savings"],
}
FLAG_COLUMNS = {"households": ["no_recourse_to_public_funds", "in_london"]}
FLAG_WORDS = {"true": True, "false": False, "yes": True, "no": False, "y": True, "n": False}
FLAG_WORDS |= {"t": True, "f": False, "1": True, "0": False}
OPTIONAL_TEXT = {
    "people": ["nino", "postcode"],
    "dwp_list": ["parent_nino", "postcode"],
    "funded_places": ["postcode", "provider_id"],
}
EMPTY_TABLES = {
    "child_statuses": ["person_id", "status", "start_date", "end_date"],
    "dwp_list": [
        "record_id",
        "child_forename",
        "child_surname",
        "child_date_of_birth",
        "parent_nino",
        "postcode",
    ],
    "funded_places": [
        "record_id",
        "child_forename",
        "child_surname",
        "child_date_of_birth",
        "postcode",
        "term_start",
        "funding_stream",
    ],
    "households": [
        "household_id",
        "no_recourse_to_public_funds",
        "annual_income",
        "savings",
        "in_london",
    ],
}


# --- dates --------------------------------------------------------------------------------------


def birthday(date_of_birth: pd.Series, years: int) -> pd.Series:
    """The day someone born on `date_of_birth` turns `years`; 29 February -> 1 March in a
    common year (the first of the month plus day - 1 days rolls over exactly then)."""
    first = pd.to_datetime(
        pd.DataFrame(
            {"year": date_of_birth.dt.year + years, "month": date_of_birth.dt.month, "day": 1}
        )
    )
    return first + pd.to_timedelta(date_of_birth.dt.day - 1, unit="D")


def first_term_day_after(day: pd.Series) -> pd.Series:
    """The first 1 January, 1 April or 1 September strictly after `day`."""
    year = day.dt.year
    april = pd.to_datetime(pd.DataFrame({"year": year, "month": 4, "day": 1}))
    september = pd.to_datetime(pd.DataFrame({"year": year, "month": 9, "day": 1}))
    january = pd.to_datetime(pd.DataFrame({"year": year + 1, "month": 1, "day": 1}))
    return april.where(day < april, september.where(day < september, january))


def active(frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """CONTRACT §2 rule 2: started on or before as_of, and not ended before it."""
    return (frame["start_date"] <= as_of) & (
        frame["end_date"].isna() | (frame["end_date"] >= as_of)
    )


# --- inputs -------------------------------------------------------------------------------------


def prepare(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Copies with dates as datetime64, money as float, absent optional tables and columns
    added empty (except people.role, whose absence changes rule 3)."""
    prepared: dict[str, pd.DataFrame] = {}
    for name in ("people", "benefits", *EMPTY_TABLES):
        if name in tables:
            frame = tables[name].copy()
        else:
            frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in EMPTY_TABLES[name]})
        for column in OPTIONAL_TEXT.get(name, []):
            if column not in frame.columns:
                frame[column] = pd.Series([None] * len(frame), dtype=object, index=frame.index)
        for column in DATE_COLUMNS.get(name, []):
            if column in frame.columns:
                frame[column] = pd.to_datetime(frame[column])
        for column in MONEY_COLUMNS.get(name, []):
            frame[column] = pd.to_numeric(frame[column])
        for column in FLAG_COLUMNS.get(name, []):
            frame[column] = frame[column].map(
                lambda v: FLAG_WORDS.get(str(v).strip().lower()) if pd.notna(v) else None
            )
        prepared[name] = frame
    return prepared


def read_folder(folder: Path) -> dict[str, pd.DataFrame]:
    """The tables of a data folder (CSV with pandas; parquet through polars, since pandas
    needs pyarrow for parquet)."""
    tables: dict[str, pd.DataFrame] = {}
    for name in ("people", "benefits", *EMPTY_TABLES):
        csv, parquet = folder / f"{name}.csv", folder / f"{name}.parquet"
        if csv.exists():
            # Only empty cells are missing: a surname "Nan" or "Null" is a name.
            tables[name] = pd.read_csv(csv, dtype=str, keep_default_na=False, na_values=[""])
        elif parquet.exists():
            frame = pl.read_parquet(parquet)
            tables[name] = pd.DataFrame({c: s.to_numpy() for c, s in frame.to_dict().items()})
    return tables


# --- exact links (the linkage pre-pass's rules) -------------------------------------------------


def name_key(names: pd.Series) -> pd.Series:
    return names.str.replace(r"\s+", " ", regex=True).str.strip().str.lower().replace("", None)


def nino_key(ninos: pd.Series) -> pd.Series:
    return ninos.str.upper().str.replace(r"\s+", "", regex=True).replace("", None)


def postcode_key(postcodes: pd.Series) -> pd.Series:
    compact = postcodes.str.upper().str.replace(r"\s+", "", regex=True)
    spaced = (compact.str[:-3] + " " + compact.str[-3:]).str.strip()
    return spaced.where(compact.str.len() > 3, compact).replace("", None)


def source_keys(source: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": source["record_id"],
            "dob": source["child_date_of_birth"],
            "forename": name_key(source["child_forename"]),
            "surname": name_key(source["child_surname"]),
            "postcode": postcode_key(source["postcode"]),
        },
        index=source.index,
    )


# A row repeating an earlier one (the same child, and parent or place) claims nothing.
DWP_ROW_KEY = ["forename", "surname", "dob", "postcode", "nino"]
PLACE_ROW_KEY = ["forename", "surname", "dob", "postcode", "term_start", "provider_id",
                 "funding_stream"]  # fmt: skip


# --- forenames plainly different (a DWP row naming a brother, sister or twin) -------------------


def plain(name: str) -> str:
    """Lower case, accents dropped: Chloé and chloe are one name."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", name.lower()) if not unicodedata.combining(c)
    )


@functools.cache
def nickname_pairs() -> frozenset[tuple[str, str]]:
    """(name, alias) of the nickname file, both ways round, in `plain` form."""
    with NICKNAMES_FILE.open(newline="", encoding="utf-8") as handle:
        rows = [(plain(r["name"]), plain(r["alias"])) for r in csv.DictReader(handle)]
    return frozenset(rows) | frozenset((b, a) for a, b in rows)


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity as Winkler's strcmp95 computes it, and DuckDB's
    `jaro_winkler_similarity` (the probabilistic model's name levels): characters match when
    equal and at most max(len) // 2 - 1 apart, each taking the first free match; half the
    matches out of order, rounded down, are transpositions; and a shared prefix of up to four
    characters lifts a Jaro similarity above 0.7 by a tenth of the rest a character."""
    if a == b:
        return 1.0
    reach = max(len(a), len(b)) // 2 - 1
    used = [False] * len(b)
    order_a = []
    for i, x in enumerate(a):
        for j in range(max(i - reach, 0), min(i + reach + 1, len(b))):
            if not used[j] and b[j] == x:
                used[j] = True
                order_a.append(x)
                break
    matches = len(order_a)
    if matches == 0:
        return 0.0
    order_b = [y for y, taken in zip(b, used, strict=True) if taken]
    transpositions = sum(1 for x, y in zip(order_a, order_b, strict=True) if x != y) // 2
    jaro = (matches / len(a) + matches / len(b) + (matches - transpositions) / matches) / 3
    if jaro <= 0.7:
        return jaro
    prefix = 0
    while prefix < min(4, len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    return jaro + 0.1 * prefix * (1 - jaro)


def one_slip(a: str, b: str) -> bool:
    """Whether b is a with at most one letter added, dropped or changed, or two neighbours
    swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) != len(b):
        short, long = sorted((a, b), key=len)
        return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
    differ = [i for i in range(len(a)) if a[i] != b[i]]
    return len(differ) == 1 or (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and (a[differ[0]], a[differ[1]]) == (b[differ[1]], b[differ[0]])
    )


def forenames_plainly_different(
    forename: object, other: object, surname: object, other_surname: object
) -> bool:
    """The exact pass's bar on the NINO rule: the two children's forenames are not the same,
    nor a nickname pair, nor a slip apart, nor alike (Jaro-Winkler 0.8 or more), nor the
    forename and surname swapped (each alike to the other's other name). A missing forename
    proves nothing: never plainly different."""
    if not isinstance(forename, str) or not isinstance(other, str) or not forename or not other:
        return False
    a, b = plain(forename), plain(other)
    if one_slip(a, b) or jaro_winkler(a, b) >= SIMILAR_FORENAMES or (a, b) in nickname_pairs():
        return False
    if isinstance(surname, str) and isinstance(other_surname, str) and surname and other_surname:
        swapped = (
            jaro_winkler(a, plain(other_surname)) >= SIMILAR_FORENAMES
            and jaro_winkler(plain(surname), b) >= SIMILAR_FORENAMES
        )
        return not swapped
    return True


def dwp_keys(dwp: pd.DataFrame) -> pd.DataFrame:
    keys = source_keys(dwp)
    keys["nino"] = nino_key(dwp["parent_nino"])
    return keys


def only_one(pairs: pd.DataFrame, evidence: list[str]) -> pd.DataFrame:
    """Per record, its single candidate, or the single candidate that meets every kind of
    evidence any candidate of the record meets."""
    by_record = pairs.groupby("record_id")
    count = by_record["person_id"].transform("size")
    dominant = pd.Series(True, index=pairs.index)
    for kind in evidence:
        dominant &= pairs[kind] | ~by_record[kind].transform("any")
    dominant_count = dominant.groupby(pairs["record_id"]).transform("sum")
    return pairs[(count == 1) | (dominant & (dominant_count == 1))]


def dwp_links(people: pd.DataFrame, dwp: pd.DataFrame, has_role: bool) -> pd.DataFrame:
    """record_id -> person_id for DWP rows matched to exactly one child."""
    keys = dwp_keys(dwp)
    keys = keys[~keys.duplicated(subset=DWP_ROW_KEY)]
    kids = people[people["date_of_birth"].isin(keys["dob"])]
    kids = pd.DataFrame(
        {
            "person_id": kids["person_id"],
            "household_id": kids["household_id"],
            "dob": kids["date_of_birth"],
            "forename": name_key(kids["forename"]),
            "surname": name_key(kids["surname"]),
            "postcode": postcode_key(kids["postcode"]),
        }
    )
    holders = people[people["role"] == "parent_carer"] if has_role else people
    holders = pd.DataFrame(
        {
            "carer_id": holders["person_id"],
            "household_id": holders["household_id"],
            "nino": nino_key(holders["nino"]),
        }
    ).dropna(subset=["nino"])

    by_nino = keys.dropna(subset=["nino"]).merge(holders, on="nino")
    by_nino = by_nino.merge(kids, on=["household_id", "dob"], suffixes=("", "_person"))
    by_nino = by_nino[by_nino["person_id"] != by_nino["carer_id"]]
    by_nino = pd.DataFrame(
        {
            "record_id": by_nino["record_id"],
            "person_id": by_nino["person_id"],
            "via_nino": True,
            "via_name_postcode": False,
            "names_agree": (
                (by_nino["forename"] == by_nino["forename_person"])
                & (by_nino["surname"] == by_nino["surname_person"])
            ).fillna(False),
            "unlike": pd.Series(
                [
                    forenames_plainly_different(*names)
                    for names in zip(
                        by_nino["forename"],
                        by_nino["forename_person"],
                        by_nino["surname"],
                        by_nino["surname_person"],
                        strict=True,
                    )
                ],
                index=by_nino.index,
                dtype=bool,
            ),
        }
    )
    by_name = keys.dropna(subset=["forename", "surname", "postcode"]).merge(
        kids, on=["dob", "forename", "surname", "postcode"]
    )
    by_name = pd.DataFrame(
        {
            "record_id": by_name["record_id"],
            "person_id": by_name["person_id"],
            "via_nino": False,
            "via_name_postcode": True,
            "names_agree": True,
            "unlike": False,
        }
    )
    flags = {"via_nino": bool, "via_name_postcode": bool, "names_agree": bool, "unlike": bool}
    pairs = (
        pd.concat([by_nino, by_name])
        .astype(flags)
        .groupby(["record_id", "person_id"], as_index=False)
        .any()
    )
    chosen = only_one(pairs, ["via_nino", "via_name_postcode", "names_agree"])
    # The NINO and birthday alone do not make a child whose forename is plainly another the
    # row's (a brother, sister or twin the council does not hold is as likely); the pair stays
    # a candidate above, so that a conflict it makes is still one.
    chosen = chosen[~(chosen["unlike"] & ~chosen["via_name_postcode"])]
    per_child = chosen.groupby("person_id")["record_id"].transform("size")
    return chosen.loc[per_child == 1, ["record_id", "person_id"]]


def funded_links(people: pd.DataFrame, funded: pd.DataFrame) -> pd.DataFrame:
    """record_id, person_id of the funded-place rows (of one term) matched to one child."""
    keys = source_keys(funded)
    keys[PLACE_ROW_KEY[4:]] = funded[PLACE_ROW_KEY[4:]]
    keys = keys[~keys.duplicated(subset=PLACE_ROW_KEY)].dropna(subset=["forename", "surname"])
    kids = people[people["date_of_birth"].isin(keys["dob"])]
    kids = pd.DataFrame(
        {
            "person_id": kids["person_id"],
            "dob": kids["date_of_birth"],
            "forename": name_key(kids["forename"]),
            "surname": name_key(kids["surname"]),
            "postcode_person": postcode_key(kids["postcode"]),
        }
    )
    pairs = keys.merge(kids, on=["dob", "forename", "surname"])
    pairs["postcode_agree"] = (pairs["postcode"] == pairs["postcode_person"]).fillna(False)
    pairs = pairs.groupby(["record_id", "person_id"], as_index=False)["postcode_agree"].any()
    chosen = only_one(pairs, ["postcode_agree"])
    per_child = chosen.groupby("person_id")["record_id"].transform("size")
    return chosen.loc[per_child == 1, ["record_id", "person_id"]]


# --- the offer ----------------------------------------------------------------------------------


def two_year_old(tables: Mapping[str, pd.DataFrame], term_start: date, as_of: date) -> pd.DataFrame:
    """The candidate list for `term_start` on the evidence of `as_of` (CONTRACT §2 and §3),
    sorted by person_id then dwp_record_id; reason_codes joined with ';' ('' when none)."""
    t = prepare(tables)
    term, evidence_day = pd.Timestamp(term_start), pd.Timestamp(as_of)
    # Rule 6: the rules of the term targeted, the evidence of as_of.
    tax_credits_open = term_start <= TAX_CREDITS_END
    people = t["people"]
    has_role = "role" in people.columns

    # Rule 1: the age window.
    dob = people["date_of_birth"]
    eligible_from = first_term_day_after(birthday(dob, 2))
    eligible_to = first_term_day_after(birthday(dob, 3))
    in_window = (eligible_from <= term) & (term < eligible_to)
    children = pd.DataFrame(
        {
            "person_id": people["person_id"],
            "household_id": people["household_id"],
            "eligible_from": eligible_from,
        }
    )[in_window]

    # Rule 3: parents and carers.
    if has_role:
        carers = people[people["role"] == "parent_carer"]
    else:
        carers = people[birthday(dob, ADULT_AGE) <= evidence_day]
    carers = carers[["person_id", "household_id"]].rename(columns={"person_id": "carer_id"})
    child_carers = children[["person_id", "household_id"]].merge(carers, on="household_id")
    child_carers = child_carers[child_carers["carer_id"] != child_carers["person_id"]]

    # Rule 2: active awards and statuses.
    benefits = t["benefits"]
    awards = benefits[active(benefits, evidence_day)].rename(columns={"person_id": "claimant_id"})
    carer_awards = child_carers[["person_id", "carer_id"]].merge(
        awards, left_on="carer_id", right_on="claimant_id"
    )
    with_wtc = set(carer_awards.loc[carer_awards["benefit"] == "working_tax_credit", "person_id"])

    # Rule 4: criteria and reason codes, as (person_id, reason) rows.
    reasons: list[pd.DataFrame] = []

    def add(person_ids: pd.Series, reason: str | pd.Series) -> None:
        reasons.append(pd.DataFrame({"person_id": person_ids, "reason": reason}))

    for benefit in PARENT_BENEFIT_REASONS:
        add(carer_awards.loc[carer_awards["benefit"] == benefit, "person_id"], benefit)
    uc = carer_awards[carer_awards["benefit"] == "universal_credit"]
    add(
        uc.loc[uc["net_earned_income"] <= UC_NET_EARNED_INCOME_LIMIT, "person_id"],
        "universal_credit_low_income",
    )
    ctc = carer_awards[carer_awards["benefit"] == "child_tax_credit"]
    if tax_credits_open:
        low = ctc[(ctc["gross_income"] <= TAX_CREDIT_GROSS_INCOME_LIMIT)]
        add(low.loc[~low["person_id"].isin(with_wtc), "person_id"], "tax_credits_low_income")
        add(
            carer_awards.loc[carer_awards["benefit"] == "wtc_run_on", "person_id"],
            "wtc_run_on",
        )
    dla = awards[awards["benefit"] == "disability_living_allowance"]
    add(
        children.loc[children["person_id"].isin(dla["claimant_id"]), "person_id"],
        "disability_living_allowance",
    )

    statuses = t["child_statuses"]
    current = statuses[active(statuses, evidence_day)]
    for status in CHILD_STATUS_REASONS:
        holders = current.loc[current["status"] == status, "person_id"]
        add(children.loc[children["person_id"].isin(holders), "person_id"], status)
    # Left care: an order with a care episode that began before it, or an earlier-care record.
    orders = statuses[
        statuses["status"].isin(LEFT_CARE_STATUSES) & (statuses["start_date"] <= evidence_day)
    ][["person_id", "start_date"]]
    care = statuses[statuses["status"] == CARE_STATUS][["person_id", "start_date"]]
    before = orders.merge(care, on="person_id", suffixes=("", "_care"))
    before = before[before["start_date_care"] < before["start_date"]]
    earlier_care = statuses[
        (statuses["status"] == EARLIER_CARE_STATUS) & (statuses["start_date"] <= evidence_day)
    ]
    cared = set(before["person_id"]) | (set(orders["person_id"]) & set(earlier_care["person_id"]))
    add(children.loc[children["person_id"].isin(cared), "person_id"], "left_care")
    order_only = set(orders["person_id"]) - cared

    # Funded places: linked one term at a time (a child has at most one row per term).
    funded = t["funded_places"]
    place_links = [
        funded_links(people, rows).merge(rows[["record_id", "term_start", "funding_stream"]])
        for _, rows in funded[
            (funded["term_start"] == term)
            | ((funded["term_start"] < term) & (funded["funding_stream"] == "two_year_old"))
        ].groupby("term_start")
    ]
    places = (
        pd.concat(place_links)
        if place_links
        else pd.DataFrame(columns=["record_id", "person_id", "term_start", "funding_stream"])
    )
    two_year_places = places[places["funding_stream"] == "two_year_old"]
    continued = two_year_places.loc[two_year_places["term_start"] < term, "person_id"]
    add(children.loc[children["person_id"].isin(continued), "person_id"], "continued_entitlement")

    # No recourse to public funds, within the limits (children counted in the household).
    households = t["households"]
    nrpf_missing: set = set()
    if term_start >= NRPF_FROM and len(households):
        flagged = households[households["no_recourse_to_public_funds"].fillna(False).astype(bool)]
        members = people[people["household_id"].isin(flagged["household_id"])]
        if has_role:
            young = members["role"] == "child"
        else:
            young = birthday(members["date_of_birth"], ADULT_AGE) > evidence_day
        counts = members[young].groupby("household_id").size().rename("kids")
        flagged = flagged.merge(counts, left_on="household_id", right_index=True, how="left")
        london = flagged["in_london"].fillna(False).astype(bool)
        several = flagged["kids"].fillna(0).clip(lower=1) >= 2  # the child counts itself
        limit = pd.Series(
            [NRPF_INCOME[(lo, 2 if sev else 1)] for lo, sev in zip(london, several, strict=True)],
            index=flagged.index,
            dtype=float,
        )
        income, savings = flagged["annual_income"], flagged["savings"]
        over = (income > limit).fillna(False) | (savings > NRPF_SAVINGS).fillna(False)
        within = (income <= limit).fillna(False) & (savings <= NRPF_SAVINGS).fillna(False)
        unknown = (income.isna() | savings.isna()) & ~over
        in_house = children.merge(flagged[within], on="household_id")["person_id"]
        add(in_house, "no_recourse_to_public_funds")
        nrpf_missing = set(children.merge(flagged[unknown], on="household_id")["person_id"])

    dwp = t["dwp_list"]
    links = dwp_links(people, dwp, has_role)
    add(children.loc[children["person_id"].isin(links["person_id"]), "person_id"], "dwp_list")

    reason_rows = pd.concat(reasons).drop_duplicates()
    coded = (
        reason_rows.sort_values("reason")
        .groupby("person_id")["reason"]
        .agg(";".join)
        .rename("reason_codes")
    )

    # Rule 5: tiers.
    missing_uc = uc.loc[uc["net_earned_income"].isna(), "person_id"]
    missing_ctc = (
        ctc.loc[ctc["gross_income"].isna() & ~ctc["person_id"].isin(with_wtc), "person_id"]
        if tax_credits_open
        else pd.Series([], dtype=object)
    )
    possible = set(missing_uc) | set(missing_ctc) | order_only | nrpf_missing
    listed = children.merge(coded, left_on="person_id", right_index=True, how="left")
    listed["tier"] = "likely"
    listed.loc[listed["reason_codes"].isna(), "tier"] = "possible"
    listed = listed[(listed["tier"] == "likely") | listed["person_id"].isin(possible)]
    listed["reason_codes"] = listed["reason_codes"].fillna("")
    listed = listed.merge(
        links.rename(columns={"record_id": "dwp_record_id"}), on="person_id", how="left"
    )

    funded_now = set(two_year_places.loc[two_year_places["term_start"] == term, "person_id"])
    listed["already_funded"] = listed["person_id"].isin(funded_now)

    # DWP rows matched to no one, whose child is in the window, are listed on their own.
    repeated = dwp_keys(dwp).duplicated(subset=DWP_ROW_KEY)
    unmatched = dwp[~dwp["record_id"].isin(links["record_id"]) & ~repeated]
    unmatched_from = first_term_day_after(birthday(unmatched["child_date_of_birth"], 2))
    unmatched_to = first_term_day_after(birthday(unmatched["child_date_of_birth"], 3))
    unmatched_in = (unmatched_from <= term) & (term < unmatched_to)
    dwp_only = pd.DataFrame(
        {
            "person_id": None,
            "dwp_record_id": unmatched["record_id"],
            "tier": "likely",
            "reason_codes": "dwp_list",
            "eligible_from": unmatched_from,
            "already_funded": False,
        }
    )[unmatched_in]

    result = pd.concat([listed, dwp_only], ignore_index=True)
    result["initiative"] = INITIATIVE
    result["eligible_from"] = pd.to_datetime(result["eligible_from"]).dt.date
    result["already_funded"] = result["already_funded"].astype(bool)
    return result[OUTPUT_COLUMNS].sort_values(["person_id", "dwp_record_id"]).reset_index(drop=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--term-start", type=date.fromisoformat, required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    listed = two_year_old(read_folder(args.data), args.term_start, args.as_of)
    listed.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
