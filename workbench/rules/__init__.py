"""Rule sets as data: one YAML file per initiative, validated on load.

A rule file names the initiative, its version, the age window and the criteria, each with a
reason code, who it applies to, its logic kind, dated thresholds and the reference it comes
from. No threshold or date lives in Python: the engine (`workbench.eligibility.engine`) reads them
from here. A schema (pydantic) checks every file on load and says which field is wrong.

Example
-------
>>> from datetime import date
>>> rules = load_rule_set("two_year_old")
>>> rules.ref
'two_year_old@2026.12.4'
>>> [c.code for c in rules.criteria_in_force(date(2026, 9, 1))][:3]
['income_support', 'jsa_income_based', 'esa_income_related']
>>> rules.criterion("universal_credit_low_income").threshold_on(date(2026, 9, 1))
15400.0
"""

from __future__ import annotations

from workbench.rules.model import (
    AgeWindow,
    Criterion,
    DatedValue,
    RuleSet,
    available_initiatives,
    load_rule_set,
    rule_file,
    rules_folder,
)

__all__ = [
    "AgeWindow",
    "Criterion",
    "DatedValue",
    "RuleSet",
    "available_initiatives",
    "load_rule_set",
    "rule_file",
    "rules_folder",
]
