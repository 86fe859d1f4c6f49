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
from workbench.stats.equality import (
    EQUALITY_COLUMNS,
    EQUALITY_FIELDS,
    equality_table,
    protect_equality,
)
from workbench.stats.takeup import (
    FUNNEL_STAGES,
    NATIONAL_TAKE_UP_FILE,
    funnel,
    hide_suppressed,
    national_caveats,
    national_comparison,
    national_take_up,
    protect,
    take_up,
    trend,
)
from workbench.stats.wards import load_ward_lookup, match_summary, match_wards

__all__ = [
    "EQUALITY_COLUMNS",
    "EQUALITY_FIELDS",
    "FUNNEL_STAGES",
    "NATIONAL_TAKE_UP_FILE",
    "NOT_APPLICABLE",
    "PRIMARY",
    "SECONDARY",
    "TOTAL",
    "DisclosureRules",
    "ProtectedTable",
    "equality_table",
    "funnel",
    "hide_suppressed",
    "load_ward_lookup",
    "match_summary",
    "match_wards",
    "national_caveats",
    "national_comparison",
    "national_take_up",
    "protect",
    "protect_equality",
    "protect_table",
    "take_up",
    "trend",
    "wilson_interval",
    "write_protected",
]
