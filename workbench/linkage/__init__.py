"""Record linkage: DWP-list and funded-place rows linked to the council's person index.

Today this is the exact pre-pass (`link_exact`): deterministic, one-to-one, never a guess.
The probabilistic stage (Splink) will score what it leaves `not_linked`.

Example
-------
>>> from workbench.linkage import LINKS_SCHEMA
>>> list(LINKS_SCHEMA)
['source', 'record_id', 'person_id', 'band', 'match_probability', 'method']
"""

from __future__ import annotations

from workbench.linkage.exact import (
    BAND_LINKED,
    BAND_NOT_LINKED,
    LINK_SOURCES,
    LINKS_SCHEMA,
    METHOD_CHILD_NAME_DOB,
    METHOD_CHILD_NAME_DOB_POSTCODE,
    METHOD_PARENT_NINO_AND_CHILD_DOB,
    link_exact,
)

__all__ = [
    "BAND_LINKED",
    "BAND_NOT_LINKED",
    "LINKS_SCHEMA",
    "LINK_SOURCES",
    "METHOD_CHILD_NAME_DOB",
    "METHOD_CHILD_NAME_DOB_POSTCODE",
    "METHOD_PARENT_NINO_AND_CHILD_DOB",
    "link_exact",
]
