"""Information governance: retention, subject access and the algorithmic transparency record.

The promises a council's privacy notice makes (kept only as long as the asset register says;
people can see what is held about them; no automated decisions) made checkable in software.

Example
-------
>>> from workbench.governance import KINDS, load_policy
>>> policy = load_policy()
>>> sorted(policy.periods) == sorted(KINDS)
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench._lazy import lazy_exports

# Loaded on first use, so that importing `workbench.governance.access` (which every command
# that reads personal data does) stays cheap.
_LAZY = {
    "DEFAULT_POLICY": "retention",
    "KINDS": "retention",
    "Period": "retention",
    "RetentionItem": "retention",
    "RetentionPlan": "retention",
    "RetentionPolicy": "retention",
    "apply_retention": "retention",
    "load_policy": "retention",
    "plan_retention": "retention",
    "appendix_path": "subject_access",
    "find_dwp_child": "subject_access",
    "find_person": "subject_access",
    "find_subject": "subject_access",
    "subject_access": "subject_access",
    "ReviewQuality": "review_quality",
    "ReviewThresholds": "review_quality",
    "already_funded_items": "review_quality",
    "load_review_thresholds": "review_quality",
    "review_quality": "review_quality",
    "ColumnUse": "transparency",
    "column_uses": "transparency",
    "transparency_record": "transparency",
    "current_user": "access",
    "default_store": "access",
    "record_access": "access",
}


if TYPE_CHECKING:  # the lazy names' own types, for type checkers and editors
    from workbench.governance.access import (
        current_user,
        default_store,
        record_access,
    )
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
    from workbench.governance.review_quality import (
        ReviewQuality,
        ReviewThresholds,
        already_funded_items,
        load_review_thresholds,
        review_quality,
    )
    from workbench.governance.subject_access import (
        appendix_path,
        find_dwp_child,
        find_person,
        find_subject,
        subject_access,
    )
    from workbench.governance.transparency import (
        ColumnUse,
        column_uses,
        transparency_record,
    )


def __getattr__(name: str) -> Any:
    return _lazy(name)


_lazy = lazy_exports(__name__, _LAZY, globals())


__all__ = [
    "DEFAULT_POLICY",
    "KINDS",
    "ColumnUse",
    "Period",
    "RetentionItem",
    "RetentionPlan",
    "RetentionPolicy",
    "ReviewQuality",
    "ReviewThresholds",
    "already_funded_items",
    "appendix_path",
    "apply_retention",
    "column_uses",
    "current_user",
    "default_store",
    "find_dwp_child",
    "find_person",
    "find_subject",
    "load_policy",
    "load_review_thresholds",
    "plan_retention",
    "record_access",
    "review_quality",
    "subject_access",
    "transparency_record",
]
