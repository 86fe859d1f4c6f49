"""Human review: the decision store and the pseudonymous keys it is keyed by.

The workbench proposes; people decide. A list goes into the :class:`ReviewStore` keyed by
pseudonymous keys (never names or ids); reviewers' decisions are appended, never changed, and
hash-chained so tampering shows.

Example
-------
>>> from workbench.review import pseudonym
>>> pseudonym("person", "P000123", bytes(32))
'pk_0cd036477a8f185b25e77ff7'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench._lazy import lazy_exports
from workbench.review.keys import (
    KEY_ENV,
    KEY_FILE_ENV,
    PSEUDONYM_PATTERN,
    default_key_path,
    load_key,
    pseudonym,
    pseudonym_expr,
)
from workbench.review.schema import (
    DECISIONS,
    GENESIS_HASH,
    LINK_DECISIONS,
    OUTCOME_DECISIONS,
    REASON_REQUIRED,
)

# The store, the Excel round trip, the panel (ipywidgets) and outreach load on first use, so
# that the commands that only log access (`workbench.governance.access`, which writes the log
# with the schema module alone) or open the store start quickly.
_LAZY = {
    "ChainReport": "store",
    "Decision": "store",
    "ReviewStore": "store",
    "decision_hash": "store",
    "ImportResult": "excel_import",
    "ReadAs": "excel_import",
    "ReviewImportError": "excel_import",
    "RowProblem": "excel_import",
    "export_list_file": "excel",
    "export_review_workbook": "excel",
    "import_review_workbook": "excel_import",
    "missing_rows_text": "excel_import",
    "item_key_expr": "lists",
    "read_list_file": "lists",
    "register_list": "lists",
    "register_list_file": "lists",
    "NothingToSend": "outreach",
    "OutreachResult": "outreach",
    "export_outreach": "outreach",
    "ReviewPanel": "panel",
}


if TYPE_CHECKING:  # the lazy names' own types, for type checkers and editors
    from workbench.review.excel import (
        export_list_file,
        export_review_workbook,
    )
    from workbench.review.excel_import import (
        ImportResult,
        ReadAs,
        ReviewImportError,
        RowProblem,
        import_review_workbook,
        missing_rows_text,
    )
    from workbench.review.lists import (
        item_key_expr,
        read_list_file,
        register_list,
        register_list_file,
    )
    from workbench.review.outreach import (
        NothingToSend,
        OutreachResult,
        export_outreach,
    )
    from workbench.review.panel import ReviewPanel
    from workbench.review.store import (
        ChainReport,
        Decision,
        ReviewStore,
        decision_hash,
    )


def __getattr__(name: str) -> Any:
    return _lazy(name)


_lazy = lazy_exports(__name__, _LAZY, globals())


__all__ = [
    "DECISIONS",
    "GENESIS_HASH",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "LINK_DECISIONS",
    "OUTCOME_DECISIONS",
    "PSEUDONYM_PATTERN",
    "REASON_REQUIRED",
    "ChainReport",
    "Decision",
    "ImportResult",
    "NothingToSend",
    "OutreachResult",
    "ReadAs",
    "ReviewImportError",
    "ReviewPanel",
    "ReviewStore",
    "RowProblem",
    "decision_hash",
    "default_key_path",
    "export_list_file",
    "export_outreach",
    "export_review_workbook",
    "import_review_workbook",
    "item_key_expr",
    "load_key",
    "missing_rows_text",
    "pseudonym",
    "pseudonym_expr",
    "read_list_file",
    "register_list",
    "register_list_file",
]
