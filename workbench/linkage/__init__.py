"""Record linkage: DWP-list and funded-place rows linked to the council's person index.

The exact pre-pass (`link_exact`) is deterministic, one-to-one and never a guess; the
probabilistic stage (`link_probabilistic`, Splink on DuckDB) scores what it leaves `not_linked`
into three bands: linked, clerical review (used only once a person confirms it) and not linked.
`link_all` runs both; `linkage_quality` measures them against a ground truth.

Example
-------
>>> from workbench.linkage import LINKS_SCHEMA
>>> list(LINKS_SCHEMA)
['source', 'record_id', 'person_id', 'band', 'match_probability', 'method']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench._lazy import lazy_exports
from workbench.linkage.exact import (
    BAND_CLERICAL_REVIEW,
    BAND_LINKED,
    BAND_NOT_LINKED,
    LINK_SOURCES,
    LINKS_SCHEMA,
    METHOD_CHILD_NAME_DOB,
    METHOD_CHILD_NAME_DOB_POSTCODE,
    METHOD_PARENT_NINO_AND_CHILD_DOB,
    link_exact,
)

# The probabilistic stage imports Splink (slow to import): loaded on first use only, so that
# `workbench assess` and the exact pass start quickly.
_LAZY = {
    "LINKAGE_RESULT_SCHEMA": "probabilistic",
    "METHOD_SPLINK": "probabilistic",
    "link_all": "probabilistic",
    "link_probabilistic": "probabilistic",
    "linkage_quality": "quality",
    "quality_by_band": "quality",
    "DEFAULT_THRESHOLDS": "settings",
    "linkage_settings": "settings",
    "SCORED_PAIRS_SCHEMA": "probabilistic",
    "link_all_with_pairs": "probabilistic",
    "trained_settings": "probabilistic",
    "ClericalModel": "evaluate",
    "LinkageEvaluation": "evaluate",
    "evaluate_linkage": "evaluate",
    "fit_clerical_classifier": "evaluate",
    "LinkageModel": "model",
    "link_folder": "folder",
    "load_settings": "model",
    "save_settings": "model",
}


if TYPE_CHECKING:  # the lazy names' own types, for type checkers and editors
    from workbench.linkage.evaluate import (
        ClericalModel,
        LinkageEvaluation,
        evaluate_linkage,
        fit_clerical_classifier,
    )
    from workbench.linkage.folder import link_folder
    from workbench.linkage.model import (
        LinkageModel,
        load_settings,
        save_settings,
    )
    from workbench.linkage.probabilistic import (
        LINKAGE_RESULT_SCHEMA,
        METHOD_SPLINK,
        SCORED_PAIRS_SCHEMA,
        link_all,
        link_all_with_pairs,
        link_probabilistic,
        trained_settings,
    )
    from workbench.linkage.quality import (
        linkage_quality,
        quality_by_band,
    )
    from workbench.linkage.settings import (
        DEFAULT_THRESHOLDS,
        linkage_settings,
    )


def __getattr__(name: str) -> Any:
    return _lazy(name)


_lazy = lazy_exports(__name__, _LAZY, globals())


__all__ = [
    "BAND_CLERICAL_REVIEW",
    "BAND_LINKED",
    "BAND_NOT_LINKED",
    "DEFAULT_THRESHOLDS",
    "LINKAGE_RESULT_SCHEMA",
    "LINKS_SCHEMA",
    "LINK_SOURCES",
    "METHOD_CHILD_NAME_DOB",
    "METHOD_CHILD_NAME_DOB_POSTCODE",
    "METHOD_PARENT_NINO_AND_CHILD_DOB",
    "METHOD_SPLINK",
    "SCORED_PAIRS_SCHEMA",
    "ClericalModel",
    "LinkageEvaluation",
    "LinkageModel",
    "evaluate_linkage",
    "fit_clerical_classifier",
    "link_all",
    "link_all_with_pairs",
    "link_exact",
    "link_folder",
    "link_probabilistic",
    "linkage_quality",
    "linkage_settings",
    "load_settings",
    "quality_by_band",
    "save_settings",
    "trained_settings",
]
