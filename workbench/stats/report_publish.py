"""Publishing the `workbench stats` tables: what each one shows, its CSV and the manifest.

`workbench.stats.report.write_stats` works the tables out; this module holds what they are
(`TABLES`, `OPTIONAL_TABLES`, `COUNTS_ONLY_TABLES`), what was done with them (`StatsTable`,
`StatsResult`), and the writing: each table passes disclosure control and is written as CSV
only when safe (a stale CSV is removed when it is withheld), then ``stats_manifest.json``
lists what was published and what was withheld. Every public name here is also importable
from `workbench.stats.report`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench import __version__
from workbench.data.database import database_record
from workbench.data.reading import LoadedData
from workbench.provenance import file_sha256, input_hashes, model_hashes
from workbench.stats.disclosure import (
    NOT_APPLICABLE,
    DisclosureRules,
    ProtectedTable,
    protect_table,
    write_protected,
)
from workbench.stats.equality import EQUALITY_FIELDS, protect_equality
from workbench.stats.table_links import SetProtection
from workbench.stats.takeup import hide_suppressed, national_caveats, protect
from workbench.stats.wards import LEVELS, match_summary

if TYPE_CHECKING:
    from workbench.linkage.model import LinkageModel

__all__ = [
    "COUNTS_ONLY_TABLES",
    "LINKED_WITHHELD_REASON",
    "MANIFEST_NAME",
    "OPTIONAL_TABLES",
    "TABLES",
    "WITHHELD_REASON",
    "StatsResult",
    "StatsTable",
    "national_csv",
    "protect_stats_table",
    "publish_table",
    "symbol_notes",
    "ward_record",
    "write_manifest",
]

MANIFEST_NAME = "stats_manifest.json"
TABLES = {
    "take_up": "Eligible (likely tier) and funded children and the take-up rate, overall.",
    "take_up_by_area": "Take-up by postcode district (unknown: no postcode or no record).",
    "take_up_by_criterion": "Take-up by criterion met; a child meeting several counts in each, "
    "so there is no Total row (take_up counts each child once).",
    "take_up_by_age_band": "Take-up by age in whole months on the first day of term, youngest "
    "first.",
    "funnel": "Where each DWP-list child got to: on the list, linked to our records, funded.",
    **{
        f"equality_by_{field}": f"Eligible and funded children and take-up by {field}, "
        "for equality monitoring (aggregate only)."
        for field in EQUALITY_FIELDS
    },
}
"""Every table `write_stats` writes or withholds, in the order reported, with what it shows."""
OPTIONAL_TABLES = {
    "take_up_by_group": "Take-up by eligibility group (free school meals: targeted, which still "
    "brings pupil premium and holiday activities, and expanded, meals only).",
    "take_up_by_ward": "Take-up by ward, from the council's ward lookup (unknown: no postcode, "
    "no record, or a postcode the lookup does not cover).",
    "trend": "Take-up term by term: this term and the earlier terms asked for, each assessed "
    "on its own evidence date; no Total row (the terms are not added up).",
    "national_comparison": "England's take-up of the two-year-old offer (DfE, each January) "
    "beside each term of the trend: published national figures, not the council's data.",
    "outcome_funnel": "What outreach achieved for a campaign (the earlier lists given): each "
    "child listed counted once, at the furthest stage reached: listed, reviewed, checked "
    "through DfE's service (by outcome), contacted, funded this term (the term after the "
    "lists').",
    "outcome_funnel_by_list": "The outcome funnel list by list (a child on two lists counts "
    "in each): rows are '<list> (<term>): <furthest stage>'.",
}
"""Tables `write_stats` considers only when asked: by ward (``ward_lookup``), across terms
(``terms``), the outcomes of earlier lists (``outcomes``). ``take_up_by_ward`` follows
``take_up_by_area``; the others come last."""
COUNTS_ONLY_TABLES = {
    "take_up": "Children who look eligible (likely tier), overall; take-up is not measured "
    "for this initiative (see the caveats).",
    "take_up_by_area": "Children who look eligible by postcode district (unknown: no postcode "
    "or no record).",
    "take_up_by_ward": "Children who look eligible by ward, from the council's ward lookup.",
    "take_up_by_criterion": "Children who look eligible by reason (criterion met); a child "
    "meeting several counts in each, so there is no Total row (take_up counts each child "
    "once).",
    "take_up_by_group": "Children who look eligible by eligibility group (free school meals: "
    "targeted, which still brings pupil premium and holiday activities, and expanded, meals "
    "only); a child in both is counted in the targeted group.",
    "take_up_by_age_band": "Children who look eligible by age in whole months on the first "
    "day of term.",
    "trend": "Children who look eligible term by term, each term assessed on its own evidence "
    "date; no Total row (the terms are not added up).",
    **{
        f"equality_by_{field}": f"Children who look eligible by {field}, for equality "
        "monitoring (aggregate only)."
        for field in EQUALITY_FIELDS
    },
}
"""What a table shows when take-up is not measured (``eligible`` only, no rate)."""
_UNSAFE_MARKERS = ("cannot be made safe", "could still be worked out")
WITHHELD_REASON = (
    "Withheld: publishing it could disclose a small group. The rule applied: a table is "
    "published only when every count below the threshold is hidden, no hidden count can be "
    "worked out, or narrowed below the protection interval, from this table and the others "
    "published with it, and no table tells a reader the group of every child it counts."
)
"""What the shareable manifest says of every table withheld by disclosure control, whatever
the specific reason: the reason itself tells a reader something of the data (that one group
holds every child, that a total is small, which count could be pinned down). The specific
reason is the council's officers' (`StatsTable.reason`: on the terminal and in the report)."""
LINKED_WITHHELD_REASON = (
    "The tables published together could not all be protected: a hidden count could be "
    "narrowed below the protection interval from them."
)
"""What the shareable manifest's ``linked_tables`` says when the set could not be protected,
without naming the count (`SetProtection.reason` does, for the officers)."""
_RATE_MEASURES = ("eligible", "funded", "rate")
_NATIONAL_NOTE = (
    "England's figures are DfE's published statistics, not the council's data: no disclosure "
    "control applies. The row for a term is the latest January count on or before it."
)


@dataclass(frozen=True)
class StatsTable:
    """One table: its raw counts (restricted use), its protected form, and where it went.

    Attributes
    ----------
    name
        The table's name (a key of `TABLES`); the CSV is ``<name>.csv``.
    raw
        Unrounded counts, for the council's own use only (never written by `write_stats`).
    protected
        After disclosure control; None when the table does not apply (``reason`` says why).
    path
        The CSV written, or None when the table was withheld.
    reason
        Why the table was withheld; None when it was published. Specific (the count or group
        concerned), so for the council's officers only: ``stats_manifest.json`` gives
        `public_reason`.
    shows
        What the table shows, in words (as in `TABLES`, `OPTIONAL_TABLES` or
        `COUNTS_ONLY_TABLES`).

    A table with ``protected`` None and a ``path`` holds published national figures
    (``national_comparison``), which need no disclosure control.
    """

    name: str
    raw: pl.DataFrame
    protected: ProtectedTable | None
    path: Path | None
    reason: str | None
    shows: str = ""
    by_disclosure_control: bool = False
    """Whether disclosure control withheld it (not a table that does not apply)."""

    @property
    def published(self) -> bool:
        """Whether the table was written (it passed disclosure control)."""
        return self.path is not None

    @property
    def public_reason(self) -> str | None:
        """Why it was withheld, as the shareable manifest says it: a table withheld by
        disclosure control gets `WITHHELD_REASON`, which tells nothing of the data; one that
        does not apply (no DWP list, no such column) its own reason."""
        if self.reason is None:
            return None
        return WITHHELD_REASON if self.by_disclosure_control else self.reason

    def shown_rows(self) -> pl.DataFrame | None:
        """The raw rows the published table shows in full (for charts), or None if withheld.

        A row with any hidden measure is left out; counts are the published (possibly
        rounded) ones. Not for the funnel, whose published form is a different table.
        """
        if not self.published or self.protected is None or "funnel" in self.name:
            return None
        return hide_suppressed(self.raw, self.protected)


@dataclass(frozen=True)
class StatsResult:
    """What `write_stats` did: the tables, the folder and its manifest."""

    out: Path
    manifest: Path
    initiative: str
    rule_set: str
    term_start: date
    as_of: date
    rules: DisclosureRules
    tables: dict[str, StatsTable]
    caveats: tuple[str, ...] = ()
    # Said on the terminal, not published: files of the data folder mostly quarantined.
    warnings: tuple[str, ...] = ()
    measured: bool = True
    """Whether take-up (funded children and a rate) is measured for the initiative."""
    trend_terms: tuple[tuple[date, date], ...] = ()
    """Each term of the trend with its evidence date, oldest first; empty without a trend."""
    ward_lookup: dict | None = None
    """The ward lookup used: file, SHA-256, entries by level and how the people's postcodes
    matched (distinct postcodes, not people); None when none was given."""
    linkage: str = "probabilistic"
    """How funded places and DWP-list rows were linked: ``exact`` or ``probabilistic``."""
    linked: SetProtection | None = None
    link_decisions: str | None = None
    """The digest of the reviewers' link decisions applied (`assess(..., store=...)`), or
    None when none were asked for."""
    """Disclosure control across the tables published together, and its audit."""
    rules_file: Path | None = None
    """The rule file the tables were made with, hashed among the manifest's inputs as
    ``rules:<name>`` (as `assess` and `report` record it)."""
    linkage_model: tuple[Path, LinkageModel] | None = None
    """A council's own linkage model the rows were linked with (`write_stats(...,
    model=...)`): its folder and the model read from it; None for the package's settings."""

    @property
    def published(self) -> dict[str, Path]:
        """The CSV written for each published table, by name."""
        return {name: t.path for name, t in self.tables.items() if t.path is not None}

    @property
    def withheld(self) -> dict[str, str]:
        """Why each table that was not written was withheld, by name."""
        return {name: t.reason for name, t in self.tables.items() if t.reason is not None}


# --- writing -------------------------------------------------------------------------------------


ZEROS_HIDDEN = frozenset({"take_up_by_criterion", "take_up_by_group"})
"""Tables whose zeros are hidden as small counts are, whatever the rules (the equality
tables' are too): their groups are sensitive circumstances."""


def protect_stats_table(
    name: str,
    raw: pl.DataFrame,
    rules: DisclosureRules,
    also_hide: Collection[tuple[str, ...]] = (),
) -> ProtectedTable:
    """One table's own disclosure control (hiding ``also_hide`` as well).

    The tables by criterion and by group hide zeros too, whatever the rules: their groups are
    children in care, leaving care, without recourse to public funds, disabled, and a 0 funded
    beside a hidden count of eligible children would tell each such family that their child
    has no place (the equality tables do the same, `workbench.stats.protect_equality`). Every
    other take-up table hides that 0 too, beside a hidden eligible count (a district of one
    household), and shows a 0 beside a shown one unless the rules hide zeros
    (`workbench.stats.protect_table`).
    """
    if name.startswith("outcome_funnel"):
        return protect_table(raw, row=raw.columns[0], column=None, rules=rules, also_hide=also_hide)
    if name in ZEROS_HIDDEN:
        rules = dataclasses.replace(rules, suppress_zeros=True)
    equality = name.startswith("equality_")
    return (protect_equality if equality else protect)(raw, rules=rules, also_hide=also_hide)


def publish_table(
    name: str,
    raw: pl.DataFrame,
    reason: str | None,
    out: Path,
    rules: DisclosureRules,
    measured: bool,
    protected: ProtectedTable | None = None,
    *,
    not_applicable: bool = False,
) -> StatsTable:
    """Write one table when safe (protecting it unless given); remove a stale CSV otherwise.

    ``reason`` withholds it: disclosure control's (across the tables), or, with
    ``not_applicable``, why the table does not apply (the manifest then gives it as it is).
    """
    path = out / f"{name}.csv"
    shows = _shows(name, measured)
    if name == "national_comparison" and reason is None:
        national_csv(raw).write_csv(path)
        return StatsTable(name, raw, protected=None, path=path, reason=None, shows=shows)
    if reason is None:
        if protected is None:
            protected = protect_stats_table(name, raw, rules)
        if protected.safe:
            write_protected(protected, path)
            return StatsTable(name, raw, protected=protected, path=path, reason=None, shows=shows)
        reason = _unsafe_reason(protected)
        not_applicable = False
    path.unlink(missing_ok=True)
    return StatsTable(
        name,
        raw,
        protected=protected,
        path=None,
        reason=reason,
        shows=shows,
        by_disclosure_control=not not_applicable,
    )


def _shows(name: str, measured: bool) -> str:
    if not measured and name in COUNTS_ONLY_TABLES:
        return COUNTS_ONLY_TABLES[name]
    return TABLES.get(name) or OPTIONAL_TABLES[name]


def national_csv(table: pl.DataFrame) -> pl.DataFrame:
    """England's rate as a percentage to one decimal, like the other published rates."""
    return table.with_columns((pl.col("england_rate") * 100).round(1).alias("england_rate")).rename(
        {"england_rate": "england_rate_percent"}
    )


def ward_record(path: str | Path, wards: pl.DataFrame, people: pl.DataFrame) -> dict:
    """The lookup's file, hash, entries by level, and how the people's postcodes matched."""
    levels = wards.get_column("level")
    return {
        "file": Path(path).name,
        "sha256": file_sha256(path),
        "entries": {level: int((levels == level).sum()) for level in LEVELS},
        "people_postcodes": match_summary(people.get_column("postcode"), wards),
    }


def _unsafe_reason(protected: ProtectedTable) -> str:
    problems = [n for n in protected.notes if any(m in n for m in _UNSAFE_MARKERS)]
    return "Not safe to publish: " + (problems or protected.notes)[0]


BLANK = "blank"
"""How `symbol_notes` names an empty cell (there is no mark to name it by)."""


def symbol_notes(rules: DisclosureRules) -> dict[str, str]:
    """What each mark a published table may hold means, in words for its reader: the
    suppression symbol (``c``), ``z`` and an empty cell. ``stats_manifest.json`` lists them
    under ``disclosure``, and report 04 says them in its notes.

    Example
    -------
    >>> list(symbol_notes(DisclosureRules()))
    ['c', 'z', 'blank']
    >>> symbol_notes(DisclosureRules())["z"]
    'Not applicable: a rate with nothing to divide it by (no eligible child in the row), so \
there is no rate; nothing is hidden.'
    """
    small = f"1 to {rules.threshold - 1}"
    zeros = f"0 to {rules.threshold - 1}"
    where_zeros = (
        f"{zeros}: zeros are hidden too"
        if rules.suppress_zeros
        else f"{small}, or {zeros} in the tables that hide zeros: by criterion, by group and "
        "the equality tables; in every table a funded count of 0 is hidden where the eligible "
        "count of its row is, so there a hidden funded count may be 0"
    )
    return {
        rules.symbol: (
            f"Hidden by disclosure control: a count below the threshold of {rules.threshold} "
            f"({where_zeros}), or a count hidden so that no such count can be worked out from "
            "the others (which of the two is not said), and any rate worked out from a hidden "
            "count."
        ),
        NOT_APPLICABLE: (
            "Not applicable: a rate with nothing to divide it by (no eligible child in the "
            "row), so there is no rate; nothing is hidden."
        ),
        BLANK: (
            "Not counted: funded children and the take-up rate (and what is worked out from "
            "them) for a term whose funded places were not read, the providers' headcount "
            "holding none for it (the caveats say so). A blank is not 0."
        ),
    }


def write_manifest(result: StatsResult, loaded: LoadedData) -> Path:
    published, withheld = [], []
    for name, table in result.tables.items():
        if table.path is not None:
            notes = (
                table.protected.notes
                if table.protected is not None
                else [_NATIONAL_NOTE, *national_caveats()]
            )
            entry: dict[str, object] = {
                "table": name,
                "file": table.path.name,
                "sha256": file_sha256(table.path),
                "shows": table.shows,
                "notes": notes,
            }
            # Other reports' tables about the same children (02's by tier of each list).
            against = [] if result.linked is None else result.linked.protected_against(name)
            if against:
                entry["protected_against"] = against
            published.append(entry)
        else:
            # The specific reason is the officers' (terminal, report): it tells of the data.
            withheld.append({"table": name, "shows": table.shows, "reason": table.public_reason})
    rules = result.rules
    record = {
        "initiative": result.initiative,
        "rule_set": result.rule_set,
        "term_start": result.term_start.isoformat(),
        "as_of": result.as_of.isoformat(),
        "parameters": {
            "linkage": result.linkage,
            **({} if result.link_decisions is None else {"link_decisions": result.link_decisions}),
            **_thresholds(result.linkage_model),
        },
        "caveats": list(result.caveats),
        "measures": list(_RATE_MEASURES if result.measured else _RATE_MEASURES[:1]),
        "trend_terms": [
            {"term_start": term.isoformat(), "as_of": evidence.isoformat()}
            for term, evidence in result.trend_terms
        ],
        "ward_lookup": result.ward_lookup,
        "disclosure": {
            "threshold": rules.threshold,
            "round_to": rules.round_to,
            "suppress_zeros": rules.suppress_zeros,
            "symbol": rules.symbol,
            "symbols": symbol_notes(rules),
            "protection_interval": rules.protection_interval,
        },
        "linked_tables": _linked_record(result.linked),
        "inputs": input_hashes(loaded.files())
        | (
            {f"rules:{result.rules_file.name}": file_sha256(result.rules_file)}
            if result.rules_file is not None and result.rules_file.is_file()
            else {}
        )
        # As a list's manifest records a council's own linkage model: its files' SHA-256.
        | ({} if result.linkage_model is None else model_hashes(result.linkage_model[0])),
        **_model_record(result.linkage_model),
        **({"database": db} if (db := database_record(loaded)) else {}),
        "package_version": __version__,
        "published": published,
        "withheld": withheld,
    }
    text = json.dumps(record, indent=2, sort_keys=True) + "\n"
    result.manifest.write_text(text, encoding="utf-8")
    return result.manifest


def _thresholds(model: tuple[Path, LinkageModel] | None) -> dict[str, str]:
    """A council's own linkage model's thresholds, as a list's manifest gives them under
    ``parameters``; nothing for the package's settings (manifests made before are kept)."""
    if model is None:
        return {}
    linked, clerical = model[1].thresholds
    return {"linkage_thresholds": f"linked {linked}, clerical_review {clerical}"}


def _model_record(model: tuple[Path, LinkageModel] | None) -> dict[str, object]:
    """``linkage_model`` as a list's manifest records it (`linkage_model_record`: thresholds,
    whether u and m were estimated), but the folder by its name only, as the ward lookup's
    file is: this manifest is published with the tables, and a path on the council's machine
    is nobody's business there, nor should it make the same figures' manifest differ (the
    model's files are known by their SHA-256 among the inputs). Nothing for the package's
    settings."""
    if model is None:
        return {}
    from workbench.eligibility.assess import linkage_model_record

    folder, settings = model
    return {"linkage_model": linkage_model_record(folder, settings) | {"folder": folder.name}}


def _linked_record(linked: SetProtection | None) -> dict | None:
    """The audit across the published tables: each hidden count's interval width, no value.

    When the set could not be protected, no width is recorded: a width below the protection
    interval would say how closely the count can be narrowed; nor is the count named (the
    reason is `LINKED_WITHHELD_REASON`; `SetProtection.reason`, naming it, is for the
    officers, on the terminal and in the report). Nor does it
    say which cells were hidden because of the other tables: such a cell passed its own
    table's suppression, so naming it says it is not small, and with a row's total that
    narrows it, and the others hidden beside it, far below the interval (a tester's attack:
    the ethnicity table's hidden groups to 1-4 children each).
    """
    if linked is None:
        return None
    return {
        "protection_interval": linked.protection,
        "safe": linked.safe,
        "reason": None if linked.safe else LINKED_WITHHELD_REASON,
        "hidden_cells": linked.widths() if linked.safe else [],
    }
