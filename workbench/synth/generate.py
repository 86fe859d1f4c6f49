"""Generate a synthetic council and write it as a data folder.

`generate_council` returns the canonical tables (people, benefits, child_statuses, households,
dwp_list, funded_places) with their columns exactly as `workbench.data.schema.TABLES` declares
them, plus
`ground_truth` (who each DWP-list and funded-place row really is, and the errors it carries),
`providers`, and with `messy=True` a `messy_manifest`. The same arguments give the same tables:
every random draw comes from numpy generators seeded from `seed`, one stream per stage, so
adding bad rows (`messy`) leaves the clean data as it was.

`write_council` writes the canonical tables in the chosen format and the others as CSV, with
a README saying what the folder is.

Example
-------
>>> tables = generate_council(households=50, seed=1)
>>> sorted(tables)[:3]
['benefits', 'child_statuses', 'dwp_list']
>>> tables["people"].columns == list(TABLES["people"].column_names)
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from workbench import __version__, progress
from workbench.data.schema import TABLES
from workbench.errors import UsageError
from workbench.synth.awards import Awards, build_awards
from workbench.synth.circumstances import (
    care_histories,
    households_table,
    transitional_protection,
)
from workbench.synth.lists import Lists, build_lists
from workbench.synth.messy import make_messy
from workbench.synth.names import NamePools
from workbench.synth.places import Area, build_area, build_providers
from workbench.synth.population import Population, build_population, format_ids, person_ids
from workbench.synth.rates import load_rates

__all__ = [
    "DEFAULT_REFERENCE_DATE",
    "EXTRA_TABLES",
    "FORMATS",
    "check_destination",
    "generate_council",
    "write_council",
]

DEFAULT_REFERENCE_DATE = date(2026, 9, 1)
FORMATS: tuple[str, ...] = ("csv", "parquet", "xlsx")
# Written alongside the canonical tables, always as CSV; loaders ignore them.
EXTRA_TABLES: tuple[str, ...] = ("ground_truth", "providers", "messy_manifest")
EXCEL_MAX_ROWS = 1_048_576  # including the header row
# A stream per stage; a new stage takes a new stream at the end, so the tables made before it
# stay exactly as they were.
_STREAMS = (
    "population",
    "awards",
    "dwp_list",
    "funded_places",
    "providers",
    "messy",
    "circumstances",
)
_MIN_ID_DIGITS = 7


def _id_width(count: int) -> int:
    return max(_MIN_ID_DIGITS, len(str(count)))


def _canonical(
    population: Population, awards: Awards, lists: Lists, households: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    """The canonical tables, columns in schema order, from the internal frames."""
    people = population.people
    width = _id_width(people.height)
    person_id = person_ids(pl.col("pid"), width)
    tables = {
        "people": people.select(
            person_id.alias("person_id"),
            _household_id(population).alias("household_id"),
            "forename",
            "surname",
            "date_of_birth",
            "nino",
            "address_line_1",
            "postcode",
            "role",
            "school_urn",
            "sex",
            "ethnicity",
            "first_language",
        ),
        "benefits": awards.benefits.with_columns(
            award_id=format_ids(
                "A", pl.int_range(1, pl.len() + 1), _id_width(awards.benefits.height)
            ),
            person_id=person_id,
        ),
        "child_statuses": awards.statuses.with_columns(
            status_id=format_ids(
                "S", pl.int_range(1, pl.len() + 1), _id_width(awards.statuses.height)
            ),
            person_id=person_id,
        ),
        "households": households,
        "dwp_list": lists.dwp_list,
        "funded_places": lists.funded_places,
    }
    return {name: frame.select(TABLES[name].column_names) for name, frame in tables.items()}


def _household_id(population: Population) -> pl.Expr:
    return format_ids("H", pl.col("hh") + 1, _id_width(population.households.height))


def _check_arguments(households: int, seed: int, reference_date: date, rates: dict) -> None:
    if households < 1:
        raise UsageError(f"households must be a whole number of at least 1; got {households}")
    if seed < 0:
        raise UsageError(f"seed must be a whole number of 0 or more; got {seed}")
    closed = rates["benefits"]["dates"]["tax_credits_closed"]
    if reference_date <= closed:
        raise UsageError(
            f"the reference date must be after tax credits closed on {closed.isoformat()} "
            f"(the synthetic history assumes they have ended); got {reference_date.isoformat()}"
        )


def generate_council(
    households: int,
    seed: int,
    reference_date: date = DEFAULT_REFERENCE_DATE,
    messy: bool = False,
    rates: Mapping[str, Any] | None = None,
) -> dict[str, pl.DataFrame]:
    """A synthetic council of `households` households, as of `reference_date`.

    Parameters
    ----------
    households
        How many households (about 2.4 people each).
    seed
        Seeds every random draw: the same arguments give the same tables.
    reference_date
        The day the extracts are taken: ages, award churn and funded terms are relative to it.
    messy
        Add a handful of each kind of bad row to every table, as text, and `messy_manifest`.
    rates
        A rates mapping (default: the packaged `rates.yaml`).

    Returns
    -------
    dict[str, pl.DataFrame]
        The canonical tables (typed; text when `messy`), `ground_truth` and `providers`,
        plus `messy_manifest` when `messy`.
    """
    rates = dict(rates) if rates is not None else load_rates()
    _check_arguments(households, seed, reference_date, rates)
    rng = dict(
        zip(
            _STREAMS,
            (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(_STREAMS))),
            strict=True,
        )
    )
    state: dict[str, Any] = {}

    def area() -> None:
        origins = list(rates["origins"]["mix"]["share"])
        state["pools"] = NamePools.load(origins, rates["origins"]["name_zipf"]["exponent"])
        state["area"] = build_area(rng["population"], households, rates)

    def people() -> None:
        state["population"] = build_population(
            rng["population"], households, reference_date, rates, state["pools"], state["area"]
        )

    def benefits() -> None:
        population: Population = state["population"]
        awards = build_awards(rng["awards"], population, reference_date, rates)
        # Care histories and protection from their own stream (the awards stay as they were).
        extra = [
            care_histories(rng["circumstances"], awards.statuses, population, rates),
            transitional_protection(rng["circumstances"], population, rates),
        ]
        statuses = pl.concat([awards.statuses, *extra]).sort(
            "pid", "start_date", "status", maintain_order=True
        )
        state["awards"] = Awards(benefits=awards.benefits, statuses=statuses)
        state["households"] = households_table(
            rng["circumstances"], population, rates, _household_id(population)
        )

    def lists() -> None:
        population: Population = state["population"]
        area_: Area = state["area"]
        providers = build_providers(rng["providers"], area_, rates)
        state["lists"] = build_lists(
            rng["dwp_list"],
            rng["funded_places"],
            population,
            state["awards"],
            area_,
            state["pools"],
            providers,
            reference_date,
            rates,
            _id_width(population.people.height),
        )

    stages: list[tuple[str, Callable[[], None]]] = [
        ("streets and postcodes", area),
        ("households and people", people),
        ("benefits and statuses", benefits),
        ("DWP list and funded places", lists),
    ]
    for _, run in progress.track(stages, "synthesising a council", total=len(stages)):
        run()
    found: Lists = state["lists"]
    tables = _canonical(state["population"], state["awards"], found, state["households"])
    tables["ground_truth"] = found.ground_truth
    tables["providers"] = found.providers.select("provider_id", "provider_name", "provider_type")
    if messy:
        result = make_messy(
            tables, found.ground_truth, rng["messy"], rates["messy"]["rows_per_kind"]["value"]
        )
        tables.update(result.tables)
        tables["ground_truth"] = result.ground_truth
        tables["messy_manifest"] = result.manifest
    return tables


def _excel(frame: pl.DataFrame, path: Path) -> None:
    """An .xlsx whose bytes depend on the data only (a fixed creation time, no autofit)."""
    from xlsxwriter import Workbook

    if frame.height + 1 > EXCEL_MAX_ROWS:
        raise UsageError(
            f"{path.name} would have {frame.height} rows, more than Excel's "
            f"{EXCEL_MAX_ROWS - 1}: use --format csv or parquet for a council this size"
        )
    with Workbook(str(path)) as workbook:
        workbook.set_properties({"created": datetime(2000, 1, 1)})
        frame.write_excel(workbook=workbook, worksheet=path.stem, autofit=False)


def _areas_sentence(tables: Mapping[str, pl.DataFrame]) -> str:
    """The postcode areas used, which do not exist (a council past about 1.4 million
    households goes on from FQ into further made-up areas)."""
    outward = tables["people"].select(
        pl.col("postcode").str.extract(r"^([A-Z]+)\d", 1).drop_nulls().unique().sort()
    )
    areas = [area for area in outward.to_series().to_list() if area != "FQ"]
    if not areas:
        return 'postcode area "FQ" does not exist.'
    return f"postcode areas FQ, {', '.join(areas)} do not exist."


def _readme(tables: Mapping[str, pl.DataFrame], fmt: str, made_with: str | None) -> str:
    messy = "messy_manifest" in tables
    counts = "\n".join(f"| {name} | {frame.height} |" for name, frame in tables.items())
    how = [] if made_with is None else ["", "Made with:", "", f"    {made_with}"]
    lines = [
        "# A synthetic council (not real people)",
        "",
        "Every person, household, address, award and list row here was made up by",
        f"`workbench synth` (eligibility-workbench {__version__}). No real data was used; the",
        f"{_areas_sentence(tables)} Rates and their sources: `workbench/synth/rates.yaml`.",
        *how,
        "",
        f"Canonical tables are {fmt.upper()} files (`workbench schema` describes them);",
        "`ground_truth.csv` says who each DWP-list and funded-place row really is (empty",
        "person_id: a child the council's index does not hold) and which errors it carries;",
        "`providers.csv` names the providers in `funded_places`.",
    ]
    if messy:
        lines += [
            "",
            "This folder is **messy** on purpose: every table has a handful of each kind of bad",
            "row, listed in `messy_manifest.csv` (table, row as a spreadsheet shows it, column,",
            "kind, and whether the loader should quarantine it or only warn).",
        ]
    lines += ["", "| file | rows |", "|---|---|", counts, ""]
    return "\n".join(lines)


def check_destination(out: str | Path, format: str = "csv", overwrite: bool = False) -> list[Path]:
    """Check that a council can be written to `out`; return the files it would replace.

    Raises UsageError for an unknown format, or a folder already holding a data folder
    (any canonical table, in any format, or a file `write_council` writes) without
    `overwrite`. Call it before generating a large council to fail fast.
    """
    if format not in FORMATS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}; got {format!r}")
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file: --out must name a folder")
    ours = {f"{t}.{f}" for t in TABLES for f in FORMATS} | {f"{t}.csv" for t in EXTRA_TABLES}
    ours.add("README.md")
    existing = sorted(p for p in folder.glob("*") if p.name in ours) if folder.exists() else []
    if existing and not overwrite:
        raise UsageError(
            f"{folder} already holds a data folder ({existing[0].name}, ...): choose an empty "
            "folder, or pass --overwrite to replace it"
        )
    return existing


def write_council(
    tables: Mapping[str, pl.DataFrame],
    out: str | Path,
    format: str = "csv",
    overwrite: bool = False,
    made_with: str | None = None,
) -> list[Path]:
    """Write `generate_council`'s tables to the folder `out`; return the files written.

    Canonical tables go in `format` (csv, parquet or xlsx), the others as CSV, with a
    README.md saying what the folder is (and `made_with`, the command that made it, if
    given). Refuses to write over an existing data folder unless `overwrite`, and then
    removes every file it would write, in any format, so no table is left in two formats.
    The files' bytes depend only on the tables and `made_with`.
    """
    folder = Path(out)
    existing = check_destination(folder, format, overwrite)
    folder.mkdir(parents=True, exist_ok=True)
    for path in existing:
        path.unlink()
    written: list[Path] = []
    for name, frame in progress.track(list(tables.items()), f"writing {folder}", total=len(tables)):
        canonical = name in TABLES
        path = folder / f"{name}.{format if canonical else 'csv'}"
        if not canonical or format == "csv":
            frame.write_csv(path)
        elif format == "parquet":
            frame.write_parquet(path)
        else:
            _excel(frame, path)
        written.append(path)
    readme = folder / "README.md"
    readme.write_text(_readme(tables, format, made_with), encoding="utf-8")
    return sorted([*written, readme])
