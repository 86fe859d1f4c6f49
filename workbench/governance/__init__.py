"""Information governance: retention, subject access and the algorithmic transparency record.

The promises a council's privacy notice makes (kept only as long as the asset register says;
people can see what is held about them; no automated decisions) made checkable in software.

Example
-------
>>> policy = load_policy()
>>> sorted(policy.periods) == sorted(KINDS)
True
"""

from __future__ import annotations

from workbench.governance.retention import (
    DEFAULT_POLICY,
    KINDS,
    Period,
    RetentionItem,
    RetentionPlan,
    RetentionPolicy,
    apply_retention,
    load_policy,
    plan_retention,
)
from workbench.governance.subject_access import appendix_path, find_person, subject_access
from workbench.governance.transparency import ColumnUse, column_uses, transparency_record

__all__ = [
    "DEFAULT_POLICY",
    "KINDS",
    "ColumnUse",
    "Period",
    "RetentionItem",
    "RetentionPlan",
    "RetentionPolicy",
    "appendix_path",
    "apply_retention",
    "column_uses",
    "find_person",
    "load_policy",
    "plan_retention",
    "subject_access",
    "transparency_record",
]
