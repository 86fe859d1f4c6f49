"""Equality monitoring: is the offer reaching every group of eligible children alike?

`equality_table` counts eligible (``likely`` tier) and funded children by one special-category
field of the people table (``sex``, ``ethnicity`` or ``first_language``), with each group's
take-up rate and its Wilson interval, its share of the eligible and of the funded children,
and a *disparity ratio* in the style of Aequitas: the group's rate over the reference group's.
A gap is flagged when the group's interval excludes parity, that is when the reference
group's rate lies outside it.

These fields are read only here, only in aggregate, and never to select anyone: the
eligibility engine does not read them (a test proves that changing them changes no list).
The table has one row per group, never per person; `protect_equality` applies disclosure
control before it is shared.

The groups are fixed in advance (`GROUPS`), not taken from the values found: every table
lists every group, ``unknown`` last, whether or not an eligible child is in it. A group that
appeared only while some child was eligible would tell a reader comparing two runs the group
of a family that left the list, whatever its count showed. So a value is classified first
(`classify`): sex as ``F`` or ``M``; ethnicity in the five high-level groups of the ONS
Census 2021 classification, from its labels, the 2011 labels or DfE's school census codes
(``WBRI``, ``APKN``, ...); first language as DfE publishes it, ``English`` or ``Other than
English``. A value that is blank, refused, not known or not recognised is ``unknown``. Zeros
are hidden in these tables as small counts are (`protect_equality`): a group shown with no
eligible child and later with some, or the reverse, would say the same as a row appearing.

Example
-------
>>> import polars as pl
>>> candidates = pl.DataFrame({
...     "person_id": ["C1", "C2", "C3"], "tier": ["likely"] * 3,
...     "reason_codes": [["ehc_plan"]] * 3, "already_funded": [True, True, False],
... })
>>> people = pl.DataFrame({"person_id": ["C1", "C2", "C3"], "sex": ["F", "F", "M"]})
>>> equality_table(candidates, people, "sex").select("sex", "eligible", "funded").rows()
[('F', 2, 2), ('M', 1, 0), ('unknown', 0, 0)]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import cast

import polars as pl

from workbench.errors import UsageError
from workbench.stats.disclosure import (
    DisclosureRules,
    ProtectedTable,
    protect_table,
    wilson_interval,
)

__all__ = [
    "EQUALITY_COLUMNS",
    "EQUALITY_FIELDS",
    "GROUPS",
    "classify",
    "equality_table",
    "protect_equality",
]

EQUALITY_FIELDS = ("sex", "ethnicity", "first_language")
"""The special-category fields of the people table, read for equality monitoring only."""
GROUPS: dict[str, tuple[str, ...]] = {
    "sex": ("F", "M"),
    # ONS Census 2021, England and Wales: the five high-level ethnic groups (in the order
    # published tables sort them).
    "ethnicity": ("Asian", "Black", "Mixed", "Other", "White"),
    # DfE, Schools, pupils and their characteristics: first language known or believed to be.
    "first_language": ("English", "Other than English"),
}
"""Each field's groups, fixed in advance and always all listed (``unknown`` after them)."""
EQUALITY_COLUMNS = (
    "eligible",
    "funded",
    "rate",
    "ci_lower",
    "ci_upper",
    "eligible_share",
    "funded_share",
    "disparity",
    "is_reference",
    "gap_flagged",
)
"""The columns after the group column, in order."""
UNKNOWN = "unknown"
_LIKELY = "likely"
_NOT_RECORDED = (
    r"^(|not known|unknown|not stated|not recorded|not obtained|information not (yet )?obtained"
    r"|refused|prefer not to say|unclassified|nk|not|ref|refu|nobt)$"
)
# DfE's school census ethnicity codes (main and extended) begin with the group's letter;
# CHNE is Chinese, which ONS 2021 counts among the Asian groups.
_DFE_ETHNICITY_CODE = r"^[WMABO][A-Z]{3}$"
_DFE_CODE_WORDS = ("ARAB", "ASIA", "BRIT", "BLAC", "MIXE", "OTHE", "WHIT", "AFRI")
_ETHNIC_WORDS = {
    "Mixed": r"\bmixed\b|\bmultiple\b|\bwhite and\b|\band white\b",
    "Asian": r"\b(asian|indian|pakistani|bangladeshi|chinese)\b",
    "Black": r"\b(black|african|caribbean|somali|nigerian)\b",
    "White": r"\b(white|irish|gypsy|roma|traveller|british|english|scottish|welsh)\b",
    "Other": r"\b(other|arab)\b",
}
_CANDIDATE_COLUMNS = ("person_id", "tier", "already_funded")


def equality_table(
    candidates: pl.DataFrame,
    people: pl.DataFrame | pl.LazyFrame,
    field: str,
    *,
    reference: str | None = None,
    z: float = 1.96,
) -> pl.DataFrame:
    """Eligible and funded children by group of one special-category field, with disparities.

    Parameters
    ----------
    candidates
        A candidate list: ``person_id``, ``tier``, ``already_funded``. Only the ``likely``
        tier counts as eligible.
    people
        The people table with ``person_id`` and ``field``; no other column is read. Values
        are classified by `classify`. A child whose value is blank, refused, not known or not
        recognised, or who has no row (a DWP-list child matched to no one), is ``unknown``.
    field
        ``"sex"``, ``"ethnicity"`` or ``"first_language"``.
    reference
        The group the others are compared with; by default the one with the most eligible
        children (``unknown`` never; on a tie the first in `GROUPS` order; none when no
        group has an eligible child).
    z
        Normal quantile of the Wilson interval: 1.96 for 95%.

    Returns
    -------
    pl.DataFrame
        ``field`` (the group), then `EQUALITY_COLUMNS`: ``eligible`` and ``funded`` (Int64);
        ``rate``, ``ci_lower``, ``ci_upper`` (proportions); ``eligible_share`` and
        ``funded_share`` (the group's share of all eligible / all funded children);
        ``disparity`` (rate over the reference rate, null when that is zero);
        ``is_reference``; ``gap_flagged`` (the reference rate lies outside the group's
        interval; never for the reference group itself). One row for each of the field's
        `GROUPS`, in order, then ``unknown``: a group with no eligible child shows 0.

    Examples
    --------
    >>> candidates = pl.DataFrame({"person_id": [f"C{i}" for i in range(30)],
    ...     "tier": ["likely"] * 30, "already_funded": [True] * 18 + [False] * 12})
    >>> people = pl.DataFrame({"person_id": [f"C{i}" for i in range(30)],
    ...     "first_language": ["English"] * 18 + ["Polish"] * 12})
    >>> table = equality_table(candidates, people, "first_language")
    >>> table.select("first_language", "rate", "disparity", "gap_flagged").rows()[:2]
    [('English', 1.0, 1.0, False), ('Other than English', 0.0, 0.0, True)]
    """
    groups = _groups(candidates, people, field)
    # Every group, in its fixed order, whether or not an eligible child is in it.
    listed = pl.DataFrame({field: [*GROUPS[field], UNKNOWN]})
    counted = listed.join(
        groups.group_by(field).agg(
            pl.len().cast(pl.Int64).alias("eligible"),
            pl.col("already_funded").fill_null(False).sum().cast(pl.Int64).alias("funded"),
        ),
        on=field,
        how="left",
        maintain_order="left",
    ).with_columns(pl.col("eligible", "funded").fill_null(0))
    chosen = _reference(counted, field, reference)
    lower, upper = wilson_interval("funded", "eligible", z=z)
    if chosen is None:
        is_reference, reference_rate = pl.lit(False), pl.lit(None, pl.Float64)
    else:
        is_reference = pl.col(field) == chosen
        reference_rate = pl.col("rate").filter(is_reference).first()
    return (
        counted.with_columns(
            rate=_share(pl.col("funded"), pl.col("eligible")),
            ci_lower=lower,
            ci_upper=upper,
            eligible_share=_share(pl.col("eligible"), pl.col("eligible").sum()),
            funded_share=_share(pl.col("funded"), pl.col("funded").sum()),
        )
        .with_columns(
            disparity=_share(pl.col("rate"), reference_rate),
            is_reference=is_reference,
            gap_flagged=(
                ~is_reference
                & ((reference_rate < pl.col("ci_lower")) | (reference_rate > pl.col("ci_upper")))
            ).fill_null(False),
        )
        .select(field, *EQUALITY_COLUMNS)
    )


def protect_equality(
    table: pl.DataFrame,
    *,
    rules: DisclosureRules | None = None,
    also_hide: Collection[tuple[str, ...]] = (),
) -> ProtectedTable:
    """Disclosure control for an `equality_table` before it is shared.

    Publishes ``eligible``, ``funded`` and the take-up ``rate`` by group (``eligible`` alone
    for a table without ``funded``: an initiative whose take-up is not measured); intervals
    and disparity ratios of a small group would reveal its counts, so they stay restricted.
    ``also_hide`` names more cells to hide, as for `workbench.stats.protect_table`. Zeros
    are hidden as small counts are, whatever ``rules.suppress_zeros`` says: every group is
    listed (`GROUPS`), so a 0 would say as much as a row that appears.

    A table where one recorded group holds every eligible child, every funded child or every
    child not funded ("all or nothing") cannot be made safe, however its cells are hidden: it
    tells a reader that group for each such child (the other groups show none, or are not
    listed at all). Children whose field is not recorded (``unknown``) are left aside.

    Examples
    --------
    >>> table = pl.DataFrame({"sex": ["F", "M"], "eligible": [40, 35], "funded": [30, 20]})
    >>> protect_equality(table).wide("funded").rows()
    [('F', '30'), ('M', '20'), ('Total', '50')]
    >>> everyone_funded_is_f = table.with_columns(funded=pl.Series([30, 0]))
    >>> protect_equality(everyone_funded_is_f).safe
    False
    """
    if not isinstance(table, pl.DataFrame) or not table.columns:
        raise UsageError("protect_equality expects the DataFrame equality_table returned.")
    field = table.columns[0]
    # Zeros are hidden here whatever the rules: with every group listed, a group's 0 turning
    # to a hidden count (or back) would tell a reader the group of the family that moved.
    rules = dataclasses.replace(rules or DisclosureRules(), suppress_zeros=True)
    protected = protect_table(
        table,
        row=field,
        column=None,
        count="eligible",
        rates={"rate": ("funded", "eligible")} if "funded" in table.columns else None,
        rules=rules,
        also_hide=also_hide,
    )
    whole = _all_in_one_group(table)
    if whole is None:
        return protected
    note = (
        f"{whole}: every {whole.replace('_', ' ')} child whose {field} is recorded is in one "
        f"group, so the table cannot be made safe: it would tell a reader the {field} of each."
    )
    return dataclasses.replace(protected, safe=False, notes=[*protected.notes, note])


def _all_in_one_group(table: pl.DataFrame) -> str | None:
    """The first of eligible, funded and not funded whose children with a recorded group are
    all in one group (None when none is)."""
    field = table.columns[0]
    known = table.filter(pl.col(field).cast(pl.String) != UNKNOWN)
    measures = [pl.col("eligible")]
    if "funded" in table.columns:
        measures += [pl.col("funded"), (pl.col("eligible") - pl.col("funded")).alias("not_funded")]
    counts = known.select(measures)
    for name in counts.columns:
        column = counts.get_column(name)
        if column.sum() > 0 and (column > 0).sum() == 1:
            return name
    return None


def classify(field: str, value: pl.Expr | None = None) -> pl.Expr:
    """A field's values as its `GROUPS` (``unknown`` for blank, refused or not recognised).

    Examples
    --------
    >>> values = ["White: Irish", "APKN", "Any other mixed background", "Chinese", "Refused", ""]
    >>> frame = pl.DataFrame({"ethnicity": values})
    >>> frame.select(classify("ethnicity")).get_column("ethnicity").to_list()
    ['White', 'Asian', 'Mixed', 'Asian', 'unknown', 'unknown']
    >>> frame = pl.DataFrame({"first_language": ["English", "ENB", "Polish", "NOT", None]})
    >>> frame.select(classify("first_language")).get_column("first_language").to_list()
    ['English', 'English', 'Other than English', 'unknown', 'unknown']
    """
    if field not in GROUPS:
        raise UsageError(f"Equality monitoring is by one of {list(GROUPS)}; got {field!r}.")
    raw = (pl.col(field) if value is None else value).cast(pl.String).str.strip_chars()
    text = raw.str.to_lowercase()
    unknown = pl.lit(UNKNOWN)
    if field == "sex":
        group = (
            pl.when(text.is_in(["f", "female", "girl"]))
            .then(pl.lit("F"))
            .when(text.is_in(["m", "male", "boy"]))
            .then(pl.lit("M"))
            .otherwise(unknown)
        )
    elif field == "first_language":
        group = (
            pl.when(text.str.contains(_NOT_RECORDED))
            .then(unknown)
            .when(text.is_in(["eng", "enb"]) | text.str.starts_with("english"))
            .then(pl.lit("English"))
            .otherwise(pl.lit("Other than English"))
        )
    else:
        code = raw.str.contains(_DFE_ETHNICITY_CODE) & ~raw.is_in(_DFE_CODE_WORDS)
        letters = {"W": "White", "M": "Mixed", "A": "Asian", "B": "Black", "O": "Other"}
        # The first rule that holds decides, as a chain of when/then would.
        rules = [
            (text.str.contains(_NOT_RECORDED), UNKNOWN),
            (raw == "CHNE", "Asian"),
            *((code & raw.str.starts_with(letter), name) for letter, name in letters.items()),
            *((text.str.contains(words), name) for name, words in _ETHNIC_WORDS.items()),
        ]
        group = pl.coalesce(
            [*(pl.when(holds).then(pl.lit(name)) for holds, name in rules), unknown]
        )
    return pl.when(raw.is_null()).then(unknown).otherwise(group).alias(field)


def _groups(
    candidates: pl.DataFrame, people: pl.DataFrame | pl.LazyFrame, field: str
) -> pl.DataFrame:
    """Each likely child with its group (``unknown`` when blank or not in the people table)."""
    if field not in EQUALITY_FIELDS:
        raise UsageError(
            f"Equality monitoring is by one of {list(EQUALITY_FIELDS)}; got {field!r}."
        )
    if not isinstance(candidates, pl.DataFrame):
        raise UsageError(f"Expected candidates as a DataFrame; got {type(candidates).__name__}.")
    missing = [c for c in _CANDIDATE_COLUMNS if c not in candidates.columns]
    if missing:
        raise UsageError(
            f"The candidate list lacks column(s) {missing}; it has {candidates.columns}."
        )
    names = people.lazy().collect_schema().names()
    if "person_id" not in names or field not in names:
        raise UsageError(
            f"Equality monitoring by {field!r} needs the people table's 'person_id' and "
            f"{field!r} columns; it has {names}. Load it with equality_monitoring=True."
        )
    likely = candidates.filter(pl.col("tier") == _LIKELY).select(*_CANDIDATE_COLUMNS)
    # Only the id and the one field are read (data minimisation), and only the likely
    # children's rows are cleaned and deduplicated, not the council's whole population.
    values = (
        people.lazy()
        .select("person_id", field)
        .filter(pl.col("person_id").is_in(likely.get_column("person_id").implode()))
        .select("person_id", pl.col(field).cast(pl.String).str.strip_chars())
        .unique("person_id", keep="first")
        .collect()
    )
    return likely.join(values, on="person_id", how="left").with_columns(classify(field))


def _reference(counted: pl.DataFrame, field: str, reference: str | None) -> str | None:
    known = counted.filter(pl.col(field) != UNKNOWN, pl.col("eligible") > 0)
    if reference is not None:
        if reference not in known.get_column(field).to_list():
            groups = known.get_column(field).to_list()
            raise UsageError(
                f"Reference group {reference!r} has no eligible children; the groups that do "
                f"are {groups}. Choose one of them, or leave reference unset for the largest."
            )
        return reference
    if known.is_empty():
        return None
    # A stable sort keeps the fixed order (`GROUPS`) among groups of the same size.
    largest = known.sort("eligible", descending=True, maintain_order=True)[field].first()
    return cast("str | None", largest)  # the groups are strings (`GROUPS`)


def _share(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    return pl.when(whole > 0).then(part.cast(pl.Float64) / whole)
