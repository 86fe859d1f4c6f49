"""Statistics for sharing: disclosure control (take-up and equality monitoring build on it).

Example
-------
>>> import polars as pl
>>> from workbench.stats import protect_table
>>> counts = pl.DataFrame({"area": ["North", "South"], "count": [12, 30]})
>>> protect_table(counts, row="area", column=None).safe
True
"""

from __future__ import annotations

from workbench.stats.disclosure import (
    NOT_APPLICABLE,
    PRIMARY,
    SECONDARY,
    TOTAL,
    DisclosureRules,
    ProtectedTable,
    protect_table,
    wilson_interval,
    write_protected,
)

__all__ = [
    "NOT_APPLICABLE",
    "PRIMARY",
    "SECONDARY",
    "TOTAL",
    "DisclosureRules",
    "ProtectedTable",
    "protect_table",
    "wilson_interval",
    "write_protected",
]
