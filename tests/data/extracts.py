"""A synthetic council written as a council's own system might export it: other file and
column names, UK dates, pound signs and thousands commas, benefits and roles spelled out.

`write_council_extract` writes the tables of `workbench.synth.generate_council` in this shape;
`workbench/reference/profiles/council_extract.yaml` reads them back onto the contract. Only
made-up data, as every synthetic council.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from workbench.data.profiles import EXAMPLE_PROFILES

PROFILE = EXAMPLE_PROFILES / "council_extract.yaml"

# The council's spelling of each contract value (the profile maps them back).
BENEFIT_NAMES = {
    "universal_credit": "Universal Credit",
    "income_support": "Income Support",
    "jsa_income_based": "JSA(IB)",
    "esa_income_related": "ESA(IR)",
    "child_tax_credit": "Child Tax Credit",
    "working_tax_credit": "Working Tax Credit",
    "wtc_run_on": "WTC Run-On",
    "pension_credit_guarantee": "Pension Credit (Guarantee)",
    "asylum_support": "Asylum Support",
    "disability_living_allowance": "DLA",
    "housing_benefit": "Housing Benefit",
    "council_tax_reduction": "Council Tax Reduction",
}
ROLE_NAMES = {"parent_carer": "Parent/Carer", "child": "Child", "other": "Other Adult"}
STATUS_NAMES = {
    "looked_after": "CLA",
    "previously_looked_after": "Post-LAC",
    "ehc_plan": "EHC Plan",
    "special_guardianship_order": "SGO",
    "child_arrangements_order": "CAO",
    "adoption_order": "Adoption Order",
    "fsm_transitional_protection": "FSM Protection",
}
STREAM_NAMES = {
    "two_year_old": "2YO Disadvantaged",
    "universal_three_four": "3&4 Universal",
    "working_parent": "Working Parent",
}


def _uk(column: str, fmt: str = "%d/%m/%Y") -> pl.Expr:
    return pl.col(column).dt.to_string(fmt)


def _money(column: str) -> pl.Expr:
    """`£12,277.01` (pounds with thousands commas; the same number as the contract file)."""
    return pl.col(column).map_elements(lambda v: f"£{v:,}", return_dtype=pl.String)


def _spelled(column: str, names: Mapping[str, str]) -> pl.Expr:
    return pl.col(column).replace_strict(names, default=pl.col(column))


def _flag(column: str) -> pl.Expr:
    return pl.col(column).replace_strict({True: "Y", False: "N"}, return_dtype=pl.String)


def council_extract(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The council-style files (by file name) for a synthetic council's tables."""
    people, benefits = tables["people"], tables["benefits"]
    files = {
        "Client Index.csv": people.select(
            pl.col("person_id").alias("Client ID"),
            pl.col("household_id").str.strip_prefix("H").alias("Family Ref"),
            pl.col("forename").alias("First Name"),
            pl.col("surname").alias("Last Name"),
            _uk("date_of_birth").alias("DOB"),
            pl.col("nino").alias("NI Number"),
            pl.lit(None, dtype=pl.String).alias("NINO (legacy)"),
            pl.col("address_line_1").alias("Address 1"),
            pl.col("postcode").alias("Post Code"),
            _spelled("role", ROLE_NAMES).alias("Relationship"),
            pl.col("school_urn").alias("School URN"),
            pl.col("sex").alias("Gender"),
            pl.col("ethnicity").alias("Ethnic Origin"),
            pl.col("first_language").alias("Main Language"),
        ),
        "Benefits Extract.csv": benefits.select(
            pl.col("award_id").alias("Award Ref"),
            pl.col("person_id").alias("Client ID"),
            _spelled("benefit", BENEFIT_NAMES).alias("Benefit Type"),
            _uk("start_date").alias("Start Date"),
            _uk("end_date").alias("End Date"),
            _money("net_earned_income").alias("Net Earnings (annual)"),
            _money("gross_income").alias("Gross Income (annual)"),
        ),
    }
    if "child_statuses" in tables:
        files["Social Care Episodes.csv"] = tables["child_statuses"].select(
            pl.col("status_id").alias("Episode ID"),
            pl.col("person_id").alias("Child ID"),
            _spelled("status", STATUS_NAMES).alias("Legal Status"),
            _uk("start_date", "%d-%b-%Y").alias("Episode Start"),
            _uk("end_date", "%d-%b-%Y").alias("Episode End"),
        )
    if "households" in tables:
        files["Household Circumstances.csv"] = tables["households"].select(
            pl.col("household_id").str.strip_prefix("H").alias("Family Ref"),
            _flag("no_recourse_to_public_funds").alias("NRPF"),
            _money("annual_income").alias("Annual Income"),
            _money("savings").alias("Savings"),
            _flag("in_london").alias("London Borough"),
        )
    if "dwp_list" in tables:
        dwp = tables["dwp_list"]
        files["DWP 2YO List.csv"] = dwp.select(
            pl.col("record_id").alias("DWP Ref"),
            pl.col("child_forename").alias("Child First Name"),
            pl.col("child_surname").alias("Child Surname"),
            _uk("child_date_of_birth").alias("Child DOB"),
            pl.concat_str("parent_surname", "parent_forename", separator=", ").alias("Parent Name"),
            pl.col("parent_nino").alias("Parent NINO"),
            *(pl.col(f"address_line_{i}").alias(f"Address Line {i}") for i in range(1, 5)),
            pl.col("postcode").alias("Postcode"),
            _uk("list_date").alias("Date of List"),
        )
    if "funded_places" in tables:
        files["Provider Headcount.csv"] = tables["funded_places"].select(
            pl.col("record_id").alias("Headcount Ref"),
            pl.col("provider_id").alias("Setting URN"),
            _uk("term_start").alias("Term Start"),
            pl.col("child_forename").alias("Child Forename"),
            pl.col("child_surname").alias("Child Surname"),
            _uk("child_date_of_birth").alias("Child DOB"),
            pl.col("postcode").alias("Child Postcode"),
            _spelled("funding_stream", STREAM_NAMES).alias("Funding Type"),
            pl.col("hours_per_week").alias("Funded Hours"),
        )
    return files


def write_council_extract(tables: Mapping[str, pl.DataFrame], out: Path) -> list[Path]:
    """Write `council_extract(tables)` into the folder `out` as CSV; the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in council_extract(tables).items():
        frame.write_csv(out / name)
        written.append(out / name)
    return written
