"""The floors and the loader, as commands the harness runs one per process.

``python -m benchmarks.contenders polars_read DIR``
    Read every canonical table file in DIR with polars' bare `read_csv` / `read_parquet`:
    the floor for loading.
``python -m benchmarks.contenders load DIR``
    `workbench.data.reading.load_folder(DIR)`: read, type and validate every table, with the
    quarantine.
``python -m benchmarks.contenders io_floor DIR OUT ROWS``
    Read the inputs as `polars_read` does, then write a list of ROWS rows with the contract's
    columns to OUT (.csv or .parquet): the floor for `workbench assess`.

Each prints one JSON line on stdout (rows read, rows written) for the harness to keep.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl

from workbench.data.schema import TABLES

FILE_FORMATS = (".csv", ".parquet")


def table_files(folder: Path) -> dict[str, Path]:
    """The canonical table files in `folder` (the extras synth writes are not inputs)."""
    found = {}
    for table in TABLES:
        for suffix in FILE_FORMATS:
            path = folder / f"{table}{suffix}"
            if path.exists():
                found[table] = path
    return found


def read_bare(folder: Path) -> dict[str, pl.DataFrame]:
    """Every canonical table, read with polars' defaults and nothing else."""
    return {
        # Every CSV column as text: the least work that gets a file into columns (inferring
        # types can fail on ids such as EY605211 that look numeric in the first rows).
        table: pl.read_parquet(path)
        if path.suffix == ".parquet"
        else pl.read_csv(path, infer_schema=False)
        for table, path in table_files(folder).items()
    }


def polars_read(folder: Path) -> dict[str, object]:
    return {"rows": {table: frame.height for table, frame in read_bare(folder).items()}}


def load(folder: Path) -> dict[str, object]:
    from workbench import progress
    from workbench.data.reading import load_folder

    progress.set_enabled(False)
    loaded = load_folder(folder)
    return {
        "rows": {name: report.read for name, report in loaded.reports.items()},
        "quarantined": loaded.quarantine.height,
    }


def io_floor(folder: Path, out: Path, rows: int) -> dict[str, object]:
    tables = read_bare(folder)
    people = tables["people"]
    listed = people.head(rows).select(
        pl.col("person_id").cast(pl.String),
        pl.lit(None, dtype=pl.String).alias("dwp_record_id"),
        pl.lit("two_year_old").alias("initiative"),
        pl.lit("likely").alias("tier"),
        pl.lit("universal_credit_low_income").alias("reason_codes"),
        pl.col("date_of_birth").alias("eligible_from"),
        pl.lit(False).alias("already_funded"),
        pl.lit("pending_review").alias("review_status"),
    )
    if out.suffix == ".parquet":
        listed.write_parquet(out)
    else:
        listed.write_csv(out)
    return {"rows": {t: f.height for t, f in tables.items()}, "written": listed.height}


def main(argv: list[str]) -> None:
    command, folder, *rest = argv
    if command == "polars_read":
        result = polars_read(Path(folder))
    elif command == "load":
        result = load(Path(folder))
    elif command == "io_floor":
        result = io_floor(Path(folder), Path(rest[0]), int(rest[1]))
    else:
        raise SystemExit(f"unknown contender {command!r}: polars_read, load or io_floor")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
