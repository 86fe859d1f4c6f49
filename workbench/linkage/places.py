"""Every funded-place row of an assessment accounted for, as every DWP-list row is.

The providers' headcount (`funded_places`) decides three things on a list: whether a child keeps
the two-year-old offer through an earlier term's place (`continued_entitlement`), whether a
listed child is `already_funded` (or on a `working_parent_place`) this term, and, for the early
years pupil premium and the disability access fund, whether a child is listed at all (a
funded place for the term is required). A row that links to no child changes nothing on the
list and says nothing there: the child it is about is simply missing, or shown as not funded.
So each accepted row ends in exactly one of `OUTCOMES` (`place_outcomes`), the counts go in
the list's manifest and reconcile with the rows read (`places_accounted`: read = the outcomes
+ quarantined), and a row the list rests on that links to no child is warned of, naming it by
record id and provider (`unlinked_places`):

- **serious** (fails `--strict`): an earlier term's place of a stream a continued-entitlement
  criterion reads, or a place for the term of a stream that makes a child already funded (or,
  where the initiative lists only children with a place, of any stream), whose child is in the
  age window by the row's own date of birth. A child may be left off the list (the entitlement
  continues only while the place links) or contacted as not funded when they are. The cost is
  a family missed or a needless letter, and the officer cannot see it on the list: serious.
- **note**: another place for the term in the age window linking to no child: a working-parent
  place may leave the list's `working_parent_place` false, and nothing else; a place of another
  stream (a universal 3 and 4 year old place on the two-year-old list, say) changes no column of
  the list, only the child's explanation (`_other_place_effects` words it by the streams).

Rows whose child is outside the age window by the row's own date of birth, rows repeating an
earlier row of the same place (`workbench.linkage.exact.repeated_places`) and rows of other
terms and streams are counted but not warned of: none of them can put a child in the window
on the list or take one off (under exact linkage, a row outside the window is not even compared:
`workbench.eligibility.engine.window_links`).

Example
-------
>>> OUTCOMES[:3]
('linked', 'awaiting_review', 'not_linked')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from workbench.linkage.exact import (
    BAND_CLERICAL_REVIEW,
    BAND_LINKED,
    repeated_places,
)

if TYPE_CHECKING:
    from workbench.eligibility.assess import Assessment

__all__ = [
    "OUTCOMES",
    "PLACE_OUTCOME_SCHEMA",
    "accounted_text",
    "place_outcomes",
    "places_accounted",
    "unlinked_places",
]

OUTCOMES: tuple[str, ...] = (
    "linked",
    "awaiting_review",
    "not_linked",
    "outside_window",
    "repeats",
    "not_for_this_term",
)
"""What became of one accepted funded-place row, in this order of precedence:

- `linked`: linked to a child (the exact pass, Splink, or a person's confirmation);
- `awaiting_review`: Splink's probable match, used only once a person confirms it;
- `not_linked`: linked to no child, though its child is in the age window by the row's date
  of birth (`unlinked_places` warns of it);
- `outside_window`: linked to no child, and its child is outside the age window by the row's
  date of birth;
- `repeats`: repeats an earlier row of the same place (counted once, by that row);
- `not_for_this_term`: not read by this assessment: a place for another term, or an earlier
  term's place of a stream no continued-entitlement criterion reads."""

PLACE_OUTCOME_SCHEMA = pl.Schema(
    {
        "record_id": pl.String,
        "provider_id": pl.String,
        "term_start": pl.Date,
        "funding_stream": pl.String,
        "person_id": pl.String,
        "outcome": pl.String,
    }
)

# A warning names this many rows, for the analyst to find in the file.
_ROWS_SHOWN = 10


def _reads_places(found: Assessment) -> bool:
    return "funded_places" in found.rule_set.sources and "funded_places" in found.data.tables


def _earlier_streams(found: Assessment) -> list[str]:
    """The streams whose earlier terms' places a continued-entitlement criterion in force
    reads."""
    criteria = found.rule_set.criteria_in_force(found.term_start)
    return sorted(
        {s for c in criteria if c.kind == "earlier_funded_place" for s in c.funding_streams}
    )


def place_outcomes(found: Assessment) -> pl.DataFrame | None:
    """Each accepted funded-place row with its `outcome` (`OUTCOMES`) and the child it links
    to (`person_id`, for `linked` and `awaiting_review`), sorted by record id
    (`PLACE_OUTCOME_SCHEMA`); None when the rule set reads no funded places or the folder
    holds none."""
    from workbench.eligibility.terms import in_window

    if not _reads_places(found):
        return None
    term = pl.col("term_start")
    read = (term == found.term_start) | (
        (term < found.term_start) & pl.col("funding_stream").is_in(_earlier_streams(found))
    )
    places = found.data.lazy("funded_places")
    links = (
        found.links.lazy()
        .filter(pl.col("source") == "funded_places")
        .select("record_id", "person_id", "band")
        .unique("record_id", keep="first")
    )
    repeats = repeated_places(places).select("record_id", pl.lit(True).alias("_repeat"))
    window = found.rule_set.population.window_on(found.term_start)
    band = pl.col("band")
    outcome = (
        pl.when(~read)
        .then(pl.lit("not_for_this_term"))
        .when(band == BAND_LINKED)
        .then(pl.lit("linked"))
        .when(band == BAND_CLERICAL_REVIEW)
        .then(pl.lit("awaiting_review"))
        .when(pl.col("_repeat").fill_null(False))
        .then(pl.lit("repeats"))
        .when(in_window(pl.col("child_date_of_birth"), window, found.term_start))
        .then(pl.lit("not_linked"))
        .otherwise(pl.lit("outside_window"))
    )
    kept = pl.col("outcome").is_in(["linked", "awaiting_review"])
    return (
        places.select(
            pl.col("record_id").cast(pl.String),
            pl.col("provider_id").cast(pl.String),
            "term_start",
            pl.col("funding_stream").cast(pl.String),
            "child_date_of_birth",
        )
        .join(links, on="record_id", how="left")
        .join(repeats.lazy(), on="record_id", how="left")
        .with_columns(outcome.alias("outcome"))
        .with_columns(pl.when(kept).then(pl.col("person_id")).alias("person_id"))
        .select(PLACE_OUTCOME_SCHEMA.names())
        .sort("record_id")
        .collect()
        .cast(PLACE_OUTCOME_SCHEMA)
    )


def places_accounted(found: Assessment) -> dict[str, Any] | None:
    """The manifest's `funded_places_accounted`: the rows read, each outcome's count and the
    rows quarantined, which add up to the rows read (a RuntimeError if they do not); None when
    the rule set reads no funded places or the folder holds none."""
    rows = place_outcomes(found)
    if rows is None:
        return None
    report = found.data.reports["funded_places"]
    counts = dict.fromkeys(OUTCOMES, 0) | dict(rows["outcome"].value_counts().iter_rows())
    if sum(counts.values()) + report.quarantined != report.read:
        raise RuntimeError(
            f"internal error: funded-place rows {report.read} read != "
            + " + ".join(f"{n} {k}" for k, n in counts.items())
            + f" + {report.quarantined} quarantined"
        )
    return {"read": report.read, **counts, "quarantined": report.quarantined}


def accounted_text(accounted: dict[str, Any]) -> str:
    """The manifest's `funded_places_accounted` in a sentence, as `assess` prints it."""
    words = {
        "linked": "linked to a child",
        "awaiting_review": "awaiting review",
        "not_linked": "linked to no child in the age window",
        "outside_window": "outside the age window by the row's date of birth",
        "repeats": "repeating another row",
        "not_for_this_term": "for another term or stream",
    }
    parts = " + ".join(f"{accounted.get(k, 0)} {w}" for k, w in words.items())
    return (
        f"Funded places: {accounted['read']} row(s) read = {parts} + "
        f"{accounted['quarantined']} quarantined."
    )


def _named(rows: pl.DataFrame) -> str:
    """The rows as a warning names them: record id, provider and term, the first few."""
    named = [
        f"{record} (provider {provider}, {stream}, term starting {term})"
        for record, provider, stream, term in rows.select(
            "record_id", "provider_id", "funding_stream", "term_start"
        ).iter_rows()
    ]
    more = len(named) - _ROWS_SHOWN
    return "; ".join(named[:_ROWS_SHOWN]) + (f"; and {more} more" if more > 0 else "")


def _resolve(found: Assessment) -> str:
    if found.linkage == "exact":
        return (
            "Under exact linkage a row links only when the child's forename, surname and date "
            "of birth agree exactly with the council's record, so one typo leaves it unlinked: "
            "run with the default linkage (probabilistic), which links such a row or holds it "
            "for review, or correct the row with the provider (or the council's record) and "
            "run again"
        )
    return (
        "Not even a probable match was found: check whether the child is in the council's "
        "records under other details, then correct the row with the provider (or the "
        "council's record) and run again"
    )


def unlinked_places(found: Assessment) -> tuple[list[str], list[str]]:
    """(serious, notes): the funded-place rows the list rests on that link to no child,
    though their child is in the age window by the row's date of birth (see the module
    docstring for which are serious, and why)."""
    rows = place_outcomes(found)
    if rows is None:
        return [], []
    lost = rows.filter(pl.col("outcome") == "not_linked")
    if lost.is_empty():
        return [], []
    population = found.rule_set.population
    term = found.term_start
    earlier = lost.filter(pl.col("term_start") < term)
    this_term = lost.filter(pl.col("term_start") == term)
    owned = this_term.filter(
        pl.lit(population.funded_place_required)
        | pl.col("funding_stream").is_in(list(population.already_funded_streams))
    )
    other = this_term.join(owned, on="record_id", how="anti")
    serious, notes = [], []
    resolve = _resolve(found)
    codes = ", ".join(
        c.code for c in found.rule_set.criteria_in_force(term) if c.kind == "earlier_funded_place"
    )
    if not earlier.is_empty():
        serious.append(
            f"{earlier.height} funded-place row(s) of an earlier term that could carry "
            f"continued entitlement ({codes}) link to no child, though the row's date of "
            f"birth puts its child in the age window for the term starting {term}: "
            f"{_named(earlier)}. A child kept on the list only by such a place is missing "
            f"from it. {resolve}"
        )
    if not owned.is_empty():
        effect = (
            "this initiative lists only children with a funded place for the term, so such a "
            "child is missing from the list"
            if population.funded_place_required
            else "such a child shows as not already funded (already_funded false) and may be "
            "contacted needlessly"
        )
        serious.append(
            f"{owned.height} funded-place row(s) for the term starting {term} link to no "
            f"child, though the row's date of birth puts its child in the age window: "
            f"{_named(owned)}. {effect[0].upper()}{effect[1:]}. {resolve}"
        )
    if not other.is_empty():
        notes.append(
            f"{other.height} other funded-place row(s) for the term starting {term} link to "
            f"no child, though the row's date of birth puts its child in the age window: "
            f"{_named(other)}. {_other_place_effects(other, found)} {resolve}"
        )
    return serious, notes


def _other_place_effects(other: pl.DataFrame, found: Assessment) -> str:
    """What the list may get wrong for the child of an unlinked place for the term that is
    neither of a stream making a child already funded nor required to list them (`other`):
    a working-parent place sets only `working_parent_place` (the engine's `assessment`); a
    place of another stream sets no column of the list, and only the child's explanation
    shows it. In sentences, by the streams of the rows."""
    from workbench.eligibility.engine import WORKING_PARENT

    streams = sorted(set(other["funding_stream"].to_list()))
    if streams == [WORKING_PARENT]:
        return "The list's working_parent_place may be false for such a child."
    owned = found.rule_set.population.already_funded_streams
    counted = (
        f"already_funded counts only {' or '.join(owned)} places"
        if owned
        else "no stream makes a child already_funded"
    )
    rest = " or ".join(s for s in streams if s != WORKING_PARENT)
    quiet = (
        f"changes no column of the list ({counted}), though the child's explanation shows no "
        "funded place matched for the term."
    )
    if WORKING_PARENT not in streams:
        return f"Such a {rest} place {quiet}"
    return (
        f"For a {WORKING_PARENT} row, the list's working_parent_place may be false for its "
        f"child; a {rest} place {quiet}"
    )
