"""Households too large to be one family: a household key that does not tell households apart.

A tester's extract kept the household key in two columns (`Family Area` and `Family Seq`); a
profile that read the first alone put 48,284 people in 3 households, every child's parents
and carers were everyone's, and `assess` listed 633 children instead of 173 without a word.
The engine finds a child's parents and carers through `people.household_id`, so a key that
lumps families together lists children on other families' awards.

`large_households` says so when any household_id is shared by more than `HOUSEHOLD_LIMIT`
people (30: a household of 2-5 is usual, the largest real ones in council data hold about
15, and a house in multiple occupation recorded as one household no more than 20 or so).
`validate` prints it as a warning, `assess` as a serious one (`--strict` exits 3). The
sentence names the largest households by their household_id, as other warnings name a
person_id: ids are the council's record numbers, never names.

Example
-------
>>> people = pl.DataFrame({"person_id": [f"P{i}" for i in range(40)], "household_id": "H1"})
>>> print(households_over(people)[0])
('H1', 40)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from workbench.data.reading import LoadedData

__all__ = [
    "HOUSEHOLD_LIMIT",
    "HOUSEHOLD_REFUSED",
    "households_over",
    "large_households",
    "refuse_lumped_households",
]

# More people than this in one household_id is implausible for a family (see the docstring).
HOUSEHOLD_LIMIT = 30

# More people than this in one household_id is no family at all but a key that lumps families
# together: `assess` refuses it before the engine runs, which would pair each child of it with
# every adult of it (the tester's 24,206-person "household" took 160 s and 17.5 GB, and listed
# 633 children instead of 173).
HOUSEHOLD_REFUSED = 1000

# How many of the largest households a sentence names.
_NAMED = 3


def large_households(data: LoadedData, limit: int = HOUSEHOLD_LIMIT) -> list[str]:
    """One sentence when any household_id of `data`'s people is shared by more than `limit`
    people: how many such ids, and the largest by size (id and count); none otherwise."""
    people = data.tables.get("people")
    if people is None:
        return []
    sizes = households_over(people, limit)
    if not sizes:
        return []
    report = data.reports.get("people")
    file = report.file.name if report is not None else "the people file"
    named = ", ".join(f"{h}: {n:,} people" for h, n in sizes[:_NAMED])
    more = f", and {len(sizes) - _NAMED:,} more" if len(sizes) > _NAMED else ""
    ids = "household_id" if len(sizes) == 1 else "household_ids"
    verb = "is" if len(sizes) == 1 else "are each"
    return [
        f"{len(sizes):,} {ids} of {file} {verb} shared by more than {limit} people "
        f"({named}{more}): "
        "a household so large is most likely not one family. Is the household key split "
        "across two columns (a source profile joins them: household_id: {concat: [Area, Seq], "
        'separator: "-"}), or written as a placeholder? Children are matched to the parents '
        "and carers of their household, so a child of it may be listed on another family's "
        "award"
    ]


def households_over(people: pl.DataFrame, limit: int = HOUSEHOLD_LIMIT) -> list[tuple[str, int]]:
    """(household_id, people) for each household_id of `people` shared by more than `limit`
    people, the largest first (then by id)."""
    if "household_id" not in people.columns:
        return []
    sizes = (
        people.lazy()
        .filter(pl.col("household_id").is_not_null())
        .group_by("household_id")
        .agg(pl.len().alias("people"))
        .filter(pl.col("people") > limit)
        .sort(["people", "household_id"], descending=[True, False])
        .collect()
    )
    return [(str(h), int(n)) for h, n in sizes.rows()]


def refuse_lumped_households(data: LoadedData, limit: int = HOUSEHOLD_REFUSED) -> None:
    """Stop, naming the people file and the largest households, when any household_id of
    `data`'s people is shared by more than `limit` people (`HOUSEHOLD_REFUSED`): the key
    cannot be a household's, and the list made with it would be wrong and slow to make."""
    from workbench.errors import DataFileError

    people = data.tables.get("people")
    if people is None:
        return
    sizes = households_over(people, limit)
    if not sizes:
        return
    report = data.reports.get("people")
    file = report.file if report is not None else data.folder
    if not isinstance(file, Path):  # a database query's table: named as its report names it
        file = Path(str(file))
    named = ", ".join(f"{h!r}: {n:,} people" for h, n in sizes[:_NAMED])
    more = f", and {len(sizes) - _NAMED:,} more" if len(sizes) > _NAMED else ""
    raise DataFileError(
        file,
        f"{len(sizes):,} household_id(s) shared by more than {limit:,} "
        f"people ({named}{more}): no family is so large, so the key does not tell households "
        "apart, and every child would be matched to every adult of it. Is the household key "
        "split across two columns (a source profile joins them: household_id: {concat: [Area, "
        'Seq], separator: "-"}), or written as a placeholder? Correct the key, or the profile, '
        "and run again",
        column="household_id",
    )
