"""Hand-made councils for the engine's tests: a few lines per household, typed as loaded."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

SCHEMAS: dict[str, dict[str, Any]] = {
    "people": {
        "person_id": pl.String,
        "household_id": pl.String,
        "forename": pl.String,
        "surname": pl.String,
        "date_of_birth": pl.Date,
        "nino": pl.String,
        "postcode": pl.String,
        "role": pl.String,
    },
    "benefits": {
        "award_id": pl.String,
        "person_id": pl.String,
        "benefit": pl.String,
        "start_date": pl.Date,
        "end_date": pl.Date,
        "net_earned_income": pl.Float64,
        "gross_income": pl.Float64,
    },
    "child_statuses": {
        "status_id": pl.String,
        "person_id": pl.String,
        "status": pl.String,
        "start_date": pl.Date,
        "end_date": pl.Date,
    },
    "dwp_list": {
        "record_id": pl.String,
        "child_forename": pl.String,
        "child_surname": pl.String,
        "child_date_of_birth": pl.Date,
        "parent_forename": pl.String,
        "parent_surname": pl.String,
        "parent_nino": pl.String,
        "postcode": pl.String,
    },
    "funded_places": {
        "record_id": pl.String,
        "provider_id": pl.String,
        "term_start": pl.Date,
        "child_forename": pl.String,
        "child_surname": pl.String,
        "child_date_of_birth": pl.Date,
        "postcode": pl.String,
        "funding_stream": pl.String,
    },
    "households": {
        "household_id": pl.String,
        "no_recourse_to_public_funds": pl.Boolean,
        "annual_income": pl.Float64,
        "savings": pl.Float64,
        "in_london": pl.Boolean,
    },
}


class Council:
    """Build a council row by row: `household(...)` adds a parent and children."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in SCHEMAS}

    def person(
        self,
        person_id: str,
        household: str,
        born: date,
        role: str | None = None,
        nino: str | None = None,
        forename: str | None = None,
        surname: str = "Lee",
        postcode: str = "FQ1 1AA",
    ) -> str:
        self.rows["people"].append(
            {
                "person_id": person_id,
                "household_id": household,
                "forename": forename or f"Name{person_id}",
                "surname": surname,
                "date_of_birth": born,
                "nino": nino,
                "postcode": postcode,
                "role": role,
            }
        )
        return person_id

    def award(
        self,
        award_id: str,
        person_id: str,
        benefit: str,
        start: date = date(2025, 1, 1),
        end: date | None = None,
        net: float | None = None,
        gross: float | None = None,
    ) -> None:
        self.rows["benefits"].append(
            {
                "award_id": award_id,
                "person_id": person_id,
                "benefit": benefit,
                "start_date": start,
                "end_date": end,
                "net_earned_income": net,
                "gross_income": gross,
            }
        )

    def status(
        self,
        status_id: str,
        person_id: str,
        status: str,
        start: date = date(2025, 1, 1),
        end: date | None = None,
    ) -> None:
        self.rows["child_statuses"].append(
            {
                "status_id": status_id,
                "person_id": person_id,
                "status": status,
                "start_date": start,
                "end_date": end,
            }
        )

    def dwp(self, record_id: str, child: str, born: date, parent_nino: str | None) -> None:
        self.rows["dwp_list"].append(
            {
                "record_id": record_id,
                "child_forename": child,
                "child_surname": "Lee",
                "child_date_of_birth": born,
                "parent_forename": "Pat",
                "parent_surname": "Lee",
                "parent_nino": parent_nino,
                "postcode": None,
            }
        )

    def funded(
        self, record_id: str, child: str, born: date, term: date, stream: str, provider: str = "EY1"
    ) -> None:
        self.rows["funded_places"].append(
            {
                "record_id": record_id,
                "provider_id": provider,
                "term_start": term,
                "child_forename": child,
                "child_surname": "Lee",
                "child_date_of_birth": born,
                "postcode": "FQ1 1AA",
                "funding_stream": stream,
            }
        )

    def household(
        self,
        household_id: str,
        nrpf: bool | None = True,
        income: float | None = None,
        savings: float | None = None,
        london: bool | None = False,
    ) -> None:
        self.rows["households"].append(
            {
                "household_id": household_id,
                "no_recourse_to_public_funds": nrpf,
                "annual_income": income,
                "savings": savings,
                "in_london": london,
            }
        )

    def tables(self, *, with_role: bool = True) -> dict[str, pl.LazyFrame]:
        frames = {
            name: pl.DataFrame(rows, schema=SCHEMAS[name]).lazy()
            for name, rows in self.rows.items()
        }
        if not with_role:
            frames["people"] = frames["people"].drop("role")
        return frames


def rows(listed: pl.DataFrame) -> list[tuple]:
    """The contract's columns as tuples, reason codes joined, for exact comparison."""
    return [
        (
            r["person_id"],
            r["dwp_record_id"],
            r["tier"],
            ";".join(r["reason_codes"]),
            r["eligible_from"],
            r["already_funded"],
        )
        for r in listed.iter_rows(named=True)
    ]
