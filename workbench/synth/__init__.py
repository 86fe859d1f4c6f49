"""Synthetic councils: realistic, seeded, with ground truth for linkage and messy variants.

Only synthetic data, ever: names, addresses and awards are drawn from the lists and rates in
this package (`rates.yaml` holds every rate with its source).

Example
-------
>>> from workbench.synth import generate_council
>>> tables = generate_council(households=20, seed=7)
>>> tables["people"]["person_id"].is_unique().all()
True
"""

from __future__ import annotations

from workbench.synth.generate import (
    DEFAULT_REFERENCE_DATE,
    EXTRA_TABLES,
    FORMATS,
    check_destination,
    generate_council,
    write_council,
)
from workbench.synth.names import NICKNAMES_FILE, alias_lists, load_nicknames
from workbench.synth.rates import RATES_FILE, load_rates

__all__ = [
    "DEFAULT_REFERENCE_DATE",
    "EXTRA_TABLES",
    "FORMATS",
    "NICKNAMES_FILE",
    "RATES_FILE",
    "alias_lists",
    "check_destination",
    "generate_council",
    "load_nicknames",
    "load_rates",
    "write_council",
]
