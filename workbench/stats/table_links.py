"""How the `workbench stats` tables are linked, and their protection as one published set.

Every take-up, equality and funnel table of one term counts the same children: those on the
list in the ``likely`` tier. What a reader can work out from them together is written here
as a `workbench.stats.linked.LinkedTables` model, and `protect_set` hides cells across the
tables until the audit finds every hidden count keeps its protection interval.

The model, in the reader's terms. Each child is *funded*, *not funded* or *without a council
record* (a DWP-list child linked to no one: not funded, postcode, age and equality fields
unknown, meeting the DWP-list criterion alone, and the funnel's ``on_dwp_list`` stage). The
three totals are unknown; every one-way table splits each of them across its categories.
Take-up by postcode district and by ward are one split of districts *and* wards, where a
district and a ward can share children only where the ward lookup (or the data) puts a
postcode of the district in the ward. Criteria overlap (a child meeting two counts twice):
each criterion counts at most every child and together at least every child. The funnel's
stages split the DWP-list criterion's children; the trend's row for this term repeats the
overall take-up, and its other terms are other children. Age bands come from the date of
birth every council record has, so only children without a record have an unknown age.

The rule set's groups (free school meals' *targeted*, *no recourse to public funds* and
*expanded*) are tied to the criteria as the rules say: a child is in the first group, in
file order, any of whose reason codes it meets (`workbench.eligibility.engine`), so it meets
one at least of its group's codes and none of an earlier group's; a child in no group
(``unknown``) meets only codes of no group. A reader of the rules knows too that some
criteria imply others (Universal Credit with low earnings is Universal Credit): `GroupLinks`.
Without the link, published group and criterion counts let a reader pin a hidden group.

The linkage report's tables (`KINDS` ``linkage_*``) are another population: the rows of
each source (``dwp_list``, ``funded_places``) by band, and, against a ground truth, the
children of each source who truly have a row (``true``), are given one (``predicted``) and are
given exactly their own rows (``correct``), counting the ``linked`` band alone as matches or
the ``linked`` and ``clerical_review`` bands together (`workbench.linkage.evaluate`, child
level). A child is given at most one DWP row, in whichever band (`workbench.linkage`), so
the DWP children predicted are the DWP rows in the bands counted, exactly; a child may hold
several funded places, so the funded-place children predicted are at most the rows. The rest
follows from the definitions: each child true has a row, each child correct is predicted and
true, and a child predicted, or correct, with the clerical band and not without it (or the
other way round) has a clerical-review row of their own.

Tables of other reports about the same children (`PublishedElsewhere`) are in the model
too, their cells fixed as that report publishes them (this set can neither hide a cell it
shows nor show one it hides), and every cell it hides must keep the protection interval
against this set as well. The take-up report's outcome funnel counts every child of each
list of its campaign, all tiers, at one stage each: a list's stages add up to the children
it lists, the ``Total`` the eligibility report (``02``) publishes for it by tier, where a
possible tier under the threshold hides that Total (its likely tier is public). Published
exactly, the funnel's Total less 02's likely tier would be the possible tier (a tester's
attack: 119 less 115 gave 4), so `eligibility_list_tables` works out each list's table by
tier as 02 publishes it (`protect_list_summary`, with 02's rules) for `protect_set` to
protect against (kind ``list_tiers``): the funnel's Total, and a stage with it, are hidden.

`protect_set` checks the model fits the true counts before trusting it (a model claiming
something false would make the audit wrong) and refuses a table it has no model for.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from workbench.errors import WorkbenchError
from workbench.stats.disclosure import TOTAL, DisclosureRules, ProtectedTable
from workbench.stats.linked import Interval, LinkedTables, protect_linked
from workbench.stats.outcomes import LIST_STAGE_SEPARATOR
from workbench.stats.takeup import UNKNOWN

__all__ = [
    "ELIGIBILITY_LIST_REPORT",
    "KINDS",
    "LIST_TIERS",
    "NOT_FUNDED",
    "PREDICTED_NOT_CORRECT",
    "REMAINDERS",
    "TRUE_NOT_CORRECT",
    "GroupLinks",
    "PublishedElsewhere",
    "SetProtection",
    "eligibility_list_tables",
    "every_tier",
    "group_links",
    "possible_area_wards",
    "protect_list_summary",
    "protect_published",
    "protect_set",
    "stats_model",
    "zero_beside",
]

KINDS = {
    "headline": "the children overall (one row, and its Total)",
    "partition": "each child in one category (area, ward, age band, sex, tier, ...)",
    "criteria": "each child under every criterion it meets, at least one",
    "reasons": "each child under every reason it meets; some meet none (tier possible)",
    "funnel": "the DWP-list children by the furthest stage they reached",
    "trend": "this term's children overall beside other terms' (other children)",
    "outcomes": "a campaign's listed children (earlier lists: other children) by furthest stage",
    "outcomes_by_list": "each list's children of the campaign by furthest stage, list by list",
    "linkage_bands": "each linkage source's rows by band (a two-way table: source by band)",
    "linkage_quality": "each source's children true, predicted, correct: the linked band",
    "linkage_quality_with_clerical": "the same with the clerical-review band counted too",
    "list_tiers": "a campaign list's children by tier, as another report publishes them "
    "(`PublishedElsewhere`): the outcome tables' children of that list",
}
"""How a table splits the children, for `protect_set`'s ``kinds``."""


_STATUSES = ("funded", "not_funded", "no_record")
NOT_FUNDED = "not_funded"
"""The measure nobody publishes but anyone can work out: ``eligible`` less ``funded``. The
model has a cell of it wherever a table has both; a small one is audited like a hidden cell."""
PREDICTED_NOT_CORRECT = "predicted_not_correct"
TRUE_NOT_CORRECT = "true_not_correct"
REMAINDERS = {
    NOT_FUNDED: ("eligible", "funded"),
    PREDICTED_NOT_CORRECT: ("predicted", "correct"),
    TRUE_NOT_CORRECT: ("true", "correct"),
}
"""Each number anyone can work out by one subtraction where a row publishes both counts
(``eligible - funded``; in the linkage quality tables, the children given wrong rows and the
children not found right): audited, when small, like a hidden cell, never published."""
_RECORD_DIMENSIONS = ("area", "ward", "age_band", "sex", "ethnicity", "first_language")
"""Dimensions read from the people table: a child with no council record is ``unknown``."""
_DATE_OF_BIRTH_DIMENSIONS = ("age_band",)
"""Dimensions every council record has (the date of birth is required)."""
_PARTITIONS = ("take_up_by_age_band", "take_up_by_group", "take_up_by_area", "take_up_by_ward")
_GEOGRAPHY = ("take_up_by_area", "take_up_by_ward")
_HEADLINE = "take_up"
_GROUPS = "take_up_by_group"
_CRITERIA = "take_up_by_criterion"
_DWP_LIST = "dwp_list"
_IMPLYING_KINDS = ("active_award", "award_with_income_test")
_LINKAGE_BANDS = "linkage_bands"
_LINKED, _CLERICAL = "linked", "clerical_review"
_LINKAGE_QUALITY = {
    "linkage_quality": (_LINKED,),
    "linkage_quality_with_clerical": (_LINKED, _CLERICAL),
}
"""The linkage quality kinds, and the bands each counts as matches."""
_QUALITY_MEASURES = {
    "true": {"true": 1},
    "predicted": {"predicted": 1},
    "correct": {"correct": 1},
    PREDICTED_NOT_CORRECT: {"predicted": 1, "correct": -1},
    TRUE_NOT_CORRECT: {"true": 1, "correct": -1},
}
"""A linkage quality table's cells, as its counts by source."""

_INFINITY = float("inf")
Key = tuple[str, str, str]
"""A cell: ``(table, row label, measure)``."""

if TYPE_CHECKING:
    from typing import TypedDict, Unpack

    from workbench.rules.model import RuleSet

    class _Links(TypedDict, total=False):
        """`protect_set`'s keywords that `protect_published` passes on."""

        term_start: date | None
        area_wards: Iterable[tuple[str, str]]
        uses_dwp_list: bool
        kinds: Mapping[str, str] | None
        keep: Callable[[Key], bool] | None
        groups: GroupLinks | RuleSet | None
        elsewhere: Sequence[PublishedElsewhere]


@dataclass(frozen=True)
class GroupLinks:
    """How a rule set's groups (``take_up_by_group``) and criteria (``take_up_by_criterion``)
    relate, as anyone reading the rules knows.

    Attributes
    ----------
    groups
        ``(group name, its reason codes)`` in the rule file's order: a child is in the first
        group any of whose codes it meets.
    implies
        ``(a, b)``: every child meeting criterion ``a`` meets ``b`` too, whenever both are in
        force (both are counted in the criterion table).
    """

    groups: tuple[tuple[str, frozenset[str]], ...]
    implies: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def allowed(self, group: str, codes: Iterable[str]) -> tuple[list[str], list[str]]:
        """Of ``codes``, those a child of ``group`` may meet and those it meets one of at least.

        A group the rules do not name (``unknown``: in no group) meets only codes of no group.
        """
        earlier: set[str] = set()
        for name, own in self.groups:
            if name == group:
                allowed = [code for code in codes if code not in earlier]
                return allowed, [code for code in allowed if code in own]
            earlier |= own
        allowed = [code for code in codes if code not in earlier]
        return allowed, allowed

    def names(self) -> set[str]:
        return {name for name, _ in self.groups}

    def codes(self) -> set[str]:
        return {code for _, own in self.groups for code in own}


def group_links(rule_set: RuleSet) -> GroupLinks:
    """A rule set's `GroupLinks`: its groups, and the criteria that imply others.

    Criterion ``a`` implies ``b`` when ``b`` is an active award of benefits that include
    all of ``a``'s, for the same person, with no bar, in every age group ``a`` covers, and
    ``a`` is an award (with or without an income test) of them: Universal Credit with
    earnings of £7,400 or less is Universal Credit.

    Examples
    --------
    >>> from workbench.rules import load_rule_set
    >>> links = group_links(load_rule_set("free_school_meals"))
    >>> [name for name, _ in links.groups]
    ['targeted', 'no_recourse_to_public_funds', 'expanded']
    >>> for a, b in sorted(links.implies):
    ...     print(a, "->", b)
    pupil_universal_credit_low_income -> pupil_universal_credit
    universal_credit_low_income -> universal_credit
    """
    implies = set()
    for a in rule_set.criteria:
        for b in rule_set.criteria:
            if (
                a.code != b.code
                and b.kind == "active_award"
                and not b.unless_parent_carer_has
                and a.kind in _IMPLYING_KINDS
                and a.applies_to == b.applies_to
                and set(a.benefits) <= set(b.benefits)
                and (not b.age_groups or (a.age_groups and set(a.age_groups) <= set(b.age_groups)))
            ):
                implies.add((a.code, b.code))
    return GroupLinks(
        groups=tuple((group.name, frozenset(group.codes)) for group in rule_set.groups),
        implies=frozenset(implies),
    )


ELIGIBILITY_LIST_REPORT = "02_eligibility_list"
"""The report that publishes a list's children by tier (``shareable/by_tier.csv``)."""
_BY_TIER_FILE = "by_tier.csv"


@dataclass(frozen=True)
class PublishedElsewhere:
    """A table another report publishes (or would) about children a table of the set counts.

    Its cells are fixed: the set can neither hide a cell it shows nor show one it hides, and
    each cell it hides must keep the protection interval against the set too (`protect_set`
    hides cells of the set until it does). Today: a campaign list's children by tier as
    report 02 publishes them (`eligibility_list_tables`), against the outcome tables.

    Attributes
    ----------
    name
        The table's name in the model: unique among the set's tables.
    report, file
        The report that publishes it and its file in that report's ``shareable/``.
    table
        The table as that report protects it, with its true counts (restricted).
    published
        Whether that report publishes it: a table it cannot make safe is withheld there, and
        then nothing of it is fixed (its counts are still tied to the set's).
    list_label
        The list whose children it counts, as the outcome tables name a list
        (``"<list id> (<term>)"``, `workbench.stats.outcomes.campaign_children`).
    """

    name: str
    report: str
    file: str
    table: ProtectedTable
    published: bool = True
    list_label: str = ""

    def record(self) -> dict[str, str]:
        """What the manifest says of it: the report, its file and the list it counts."""
        return {"report": self.report, "file": self.file, "list": self.list_label}


def eligibility_list_tables(
    tiers: Mapping[str, pl.DataFrame],
    rules: DisclosureRules,
    *,
    uses_dwp_list: bool = True,
) -> tuple[PublishedElsewhere, ...]:
    """Each list's children by tier as report 02 publishes them, to protect against.

    ``tiers`` holds each list's children by tier (``tier``, ``children``: the list's own
    rows, `workbench.stats.outcomes.list_tiers`), by the list's label. Report 02 protects its
    table by tier with `protect_list_summary` under the threshold and rounding it shares with
    the take-up report (``-p threshold``, ``-p round_to``), without hiding zeros (it has no
    such parameter) and with the protection interval of its threshold: so here. A list whose
    table 02 could not make safe is one 02 withholds (``published`` False).

    Example
    -------
    >>> tiers = {"l-1 (2026-09-01)": pl.DataFrame({"tier": ["likely", "possible"],
    ...     "children": [115, 4]})}
    >>> [by_tier] = eligibility_list_tables(tiers, DisclosureRules())
    >>> by_tier.published, by_tier.table.wide("children").rows()
    (True, [('likely', '115'), ('possible', 'c'), ('Total', 'c')])
    """
    own = DisclosureRules(threshold=rules.threshold, round_to=rules.round_to, symbol=rules.symbol)
    found = []
    for label, frame in tiers.items():
        together = protect_list_summary({"tier": frame}, own, uses_dwp_list=uses_dwp_list)
        table = together.protected["tier"]
        found.append(
            PublishedElsewhere(
                name=f"{ELIGIBILITY_LIST_REPORT} {_BY_TIER_FILE} of {label}",
                report=ELIGIBILITY_LIST_REPORT,
                file=_BY_TIER_FILE,
                table=table,
                published=together.safe and table.safe,
                list_label=label,
            )
        )
    return tuple(found)


@dataclass(frozen=True)
class SetProtection:
    """The tables of a published set after disclosure control across them.

    Attributes
    ----------
    protected
        Each table protected, with the cells hidden across tables included.
    intervals
        Each hidden count's interval as the audit found it: ``{(table, row, measure):
        Interval}`` (restricted: the bounds come from the true counts' neighbours).
    added
        The cells hidden because of the other tables, in the order chosen.
    safe
        Whether every hidden count keeps the protection interval; when False the whole set
        must be withheld (``reason`` says why).
    protection
        The interval required.
    reason
        Why the set is not safe (None when it is): the hidden count that could be narrowed
        below ``protection``, never its bounds, so it may be published.
    """

    protected: dict[str, ProtectedTable]
    intervals: dict[Key, Interval]
    added: tuple[Key, ...]
    safe: bool
    protection: int
    reason: str | None = None
    failed: Key | None = None
    """The hidden cell that could not be protected (None when safe)."""
    elsewhere: tuple[PublishedElsewhere, ...] = ()
    """The other reports' tables the set was protected against (published or not)."""
    against: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """For each table of the set, the names of the tables of `elsewhere` it is linked to."""

    def protected_against(self, table: str) -> list[dict[str, str]]:
        """The other reports' published tables ``table`` was protected against, as the
        manifest records them (`PublishedElsewhere.record`)."""
        names = self.against.get(table, ())
        return [e.record() for e in self.elsewhere if e.name in names and e.published]

    def widths(self) -> list[dict]:
        """Each hidden count's table, row, measure and interval width (never its value).

        The numbers worked out by subtraction audited with them (`REMAINDERS`: children not
        funded, ...) are left out: only small ones are audited, so listing one would say that
        its row has few children not funded. So are the other reports' tables (`elsewhere`):
        they are not published here.
        """
        rows = []
        others = {e.name for e in self.elsewhere}
        for (table, label, measure), interval in sorted(self.intervals.items()):
            if measure in REMAINDERS or table in others:
                continue
            width = interval.width
            rows.append(
                {
                    "table": table,
                    "row": label,
                    "measure": measure,
                    "interval_width": None if width == float("inf") else int(width),
                }
            )
        return rows


def protect_set(
    raws: Mapping[str, pl.DataFrame],
    protect_one: Callable[[str, pl.DataFrame, Collection[tuple[str, ...]]], ProtectedTable],
    *,
    rules: DisclosureRules,
    term_start: date | None = None,
    area_wards: Iterable[tuple[str, str]] = (),
    uses_dwp_list: bool = True,
    kinds: Mapping[str, str] | None = None,
    keep: Callable[[Key], bool] | None = None,
    groups: GroupLinks | RuleSet | None = None,
    elsewhere: Sequence[PublishedElsewhere] = (),
) -> SetProtection:
    """Protect tables published together so that none of them undoes another's suppression.

    Parameters
    ----------
    raws
        The tables to publish, by name (`workbench.stats.report.TABLES`), raw counts.
    protect_one
        ``protect_one(name, raw, also_hide)``: one table's own disclosure control, hiding
        ``also_hide`` as well (`workbench.stats.protect` or
        `workbench.stats.protect_equality`).
    rules
        The disclosure rules; ``rules.protection`` is the interval every hidden count keeps.
    term_start
        The term the tables describe (its row of the trend repeats the overall take-up).
    area_wards
        The (postcode district, ward) pairs a reader knows share postcodes, from the ward
        lookup and the data (`possible_area_wards`).
    uses_dwp_list
        Whether the rules use the DWP list (otherwise every child has a council record).
    kinds
        How each table splits the children (`KINDS`), for tables not named as `write_stats`
        names them. A ``linkage_bands`` table is two-way (source by band); its cells are
        ``(table, source, band)``.
    keep
        Which cells must stay published (by default the overall take-up, ``take_up``); a
        cell repeating one of them stays too. A set that cannot be protected without hiding
        them is not safe.
    groups
        The rule set (or its `group_links`) whose groups ``take_up_by_group`` counts: how its
        groups relate to the criteria. By default the packaged rule set whose groups and
        criteria the tables name (`stats_model`).
    elsewhere
        Other reports' tables about the same children (`PublishedElsewhere`: each list of a
        campaign by tier, `eligibility_list_tables`), fixed as those reports publish them: a
        cell they hide keeps the protection interval against this set, which hides more of
        its own cells where needed. Given for a campaign, one for every list of it.
    """
    first = {name: protect_one(name, raw, ()) for name, raw in raws.items()}
    return _protect_from(
        raws,
        protect_one,
        first,
        rules=rules,
        term_start=term_start,
        area_wards=area_wards,
        uses_dwp_list=uses_dwp_list,
        kinds=kinds,
        keep=keep,
        groups=groups,
        elsewhere=elsewhere,
    )


def _protect_from(
    raws: Mapping[str, pl.DataFrame],
    protect_one: Callable[[str, pl.DataFrame, Collection[tuple[str, ...]]], ProtectedTable],
    first: Mapping[str, ProtectedTable],
    *,
    rules: DisclosureRules,
    term_start: date | None = None,
    area_wards: Iterable[tuple[str, str]] = (),
    uses_dwp_list: bool = True,
    kinds: Mapping[str, str] | None = None,
    keep: Callable[[Key], bool] | None = None,
    groups: GroupLinks | RuleSet | None = None,
    elsewhere: Sequence[PublishedElsewhere] = (),
) -> SetProtection:
    """`protect_set` given each table's own protection already (``first``)."""
    model, values = stats_model(
        first,
        term_start=term_start,
        area_wards=area_wards,
        uses_dwp_list=uses_dwp_list,
        kinds=kinds,
        groups=groups,
        elsewhere=elsewhere,
    )
    # The outcome tables count each list's children: those are the tables linked to others'.
    kind_of = {name: (kinds or {}).get(name) or _kind(name) for name in first}
    names = tuple(e.name for e in elsewhere)
    against = {name: names for name, kind in kind_of.items() if kind in _COUNT_LISTS}
    found = _attempt(
        raws, protect_one, first, model, values, rules, keep or _headline, tuple(elsewhere)
    )
    return replace(found, elsewhere=tuple(elsewhere), against=against)


def _attempt(
    raws: Mapping[str, pl.DataFrame],
    protect_one: Callable[[str, pl.DataFrame, Collection[tuple[str, ...]]], ProtectedTable],
    first: Mapping[str, ProtectedTable],
    model: LinkedTables[Key],
    values: Mapping[Key, int],
    rules: DisclosureRules,
    keep: Callable[[Key], bool],
    elsewhere: tuple[PublishedElsewhere, ...] = (),
) -> SetProtection:
    # Another report's tables: their cells as that report hides them, fixed (never chosen).
    others = {e.name: e.table for e in elsewhere}
    fixed = frozenset(key for e in elsewhere if e.published for key in _hidden(e.name, e.table))

    # What is left of a row (eligible less funded, `REMAINDERS`) is published by subtraction
    # where both are shown: a small one must keep the protection interval like a hidden
    # cell, and can never be published, only covered by hiding the counts it is worked out
    # from.
    def zeros_hidden(key: Key) -> bool:
        # Per table: the equality tables hide zeros whatever the rules (`protect_equality`);
        # another report's tables as that report's rules hide them.
        if key[0] in others:
            return others[key[0]].zeros_hidden
        return rules.suppress_zeros or (key[0] in first and first[key[0]].zeros_hidden)

    # Every table hides a funded 0 beside a hidden eligible count, whatever the rules: such a
    # hidden funded count may be 0 (`zero_beside`).
    beside = zero_beside({**first, **others})

    remainders = frozenset(
        key
        for key, value in values.items()
        if key[2] in REMAINDERS and value < rules.threshold and (value != 0 or zeros_hidden(key))
    )
    values = {
        key: value for key, value in values.items() if key[2] not in REMAINDERS or key in remainders
    }
    cache: dict[tuple[str, frozenset], ProtectedTable] = {}

    def protected_with(name: str, also_hide: frozenset) -> ProtectedTable:
        if not also_hide:
            return first[name]
        if (name, also_hide) not in cache:
            cache[(name, also_hide)] = protect_one(name, raws[name], sorted(also_hide))
        return cache[(name, also_hide)]

    def extra_of(cells: frozenset[Key]) -> dict[str, frozenset]:
        return {
            name: frozenset(
                _also_hide(table, label, m)
                for t, label, m in cells
                if t == name and m not in REMAINDERS
            )
            for name, table in first.items()
        }

    def spread(cells: frozenset[Key]) -> frozenset[Key]:
        tables = {name: protected_with(name, hide) for name, hide in extra_of(cells).items()}
        hidden = (key for name, table in tables.items() for key in _hidden(name, table))
        return frozenset(hidden) | remainders | fixed

    kept = [terms for key, terms in model.cells.items() if keep(key)]

    def may_hide(key: Key) -> bool:
        # The headline stays published, and so does a total that repeats it: a set whose
        # protection would need them hidden is not published at all.
        if keep(key) or model.cells[key] in kept or key in remainders or key[0] in others:
            return False
        return zeros_hidden(key) or values[key] != 0

    def cost(key: Key) -> tuple:
        return (TOTAL in key[1:], values[key])  # a two-way table's margins: either label

    result = protect_linked(
        model,
        values,
        spread(frozenset()),
        protection=rules.protection_interval,
        round_to=rules.round_to,
        zeros_hidden=zeros_hidden,
        zero_beside=beside,
        spread=spread,
        may_hide=may_hide,
        cost=cost,
    )
    extra = extra_of(frozenset(result.hidden))
    reason = result.reason
    if result.failed is not None and result.failed[2] in REMAINDERS:
        # Only a small remainder (not funded, ...) is audited: naming its row would say so.
        reason = (
            f"A hidden count ({result.failed[0]}) could be narrowed below the protection "
            f"interval of {rules.protection_interval} from the tables published together, "
            "and hiding more cells does not prevent it."
        )
    return SetProtection(
        protected={name: protected_with(name, hide) for name, hide in extra.items()},
        intervals=result.intervals,
        added=result.added,
        safe=result.safe,
        protection=rules.protection_interval,
        reason=reason,
        failed=result.failed,
    )


def protect_published(
    raws: Mapping[str, pl.DataFrame],
    protect_one: Callable[[str, pl.DataFrame, Collection[tuple[str, ...]]], ProtectedTable],
    *,
    rules: DisclosureRules,
    **links: Unpack[_Links],
) -> tuple[dict[str, ProtectedTable], SetProtection | None, dict[str, str]]:
    """Each table's own control, then control across the safe ones published together.

    When the set cannot be protected, the table holding the count that cannot be is withheld
    and the rest are protected again without it; when that table is the overall take-up, the
    set is withheld whole. When the count is another report's (``elsewhere``), the table of
    the set linked to it that is withheld is the last of them (the outcome funnel by list,
    then the campaign's).

    Parameters
    ----------
    raws, protect_one, rules
        As for `protect_set`.
    **links
        `protect_set`'s ``term_start``, ``area_wards``, ``uses_dwp_list``, ``kinds``, ``keep``,
        ``groups``, ``elsewhere``. A ``take_up_by_group`` whose groups no rule set describes
        (none given, and no packaged one fits) is withheld: how it links to the criteria is
        not known.

    Returns
    -------
    tuple
        Every table protected (withheld ones too, for the record), the protection of the set
        published (None when no table is safe on its own), and why each table withheld
        because of the others was withheld.
    """
    own = {name: protect_one(name, raw, ()) for name, raw in raws.items()}
    publishable = {name: raws[name] for name, table in own.items() if table.safe}
    withheld: dict[str, str] = {}
    if _GROUPS in publishable and links.get("groups") is None:
        found = _packaged_groups({name: own[name] for name in publishable})
        if found is None:
            withheld[_GROUPS] = (
                "Not safe to publish with the other tables: no rule set describes its groups, "
                "so how they relate to the criteria published beside them is not known."
            )
            del publishable[_GROUPS]
        else:
            links = {**links, "groups": found}
    while publishable:
        first = {name: own[name] for name in publishable}
        linked = _protect_from(publishable, protect_one, first, rules=rules, **links)
        if linked.safe:
            return {**own, **linked.protected}, linked, withheld
        culprit = linked.failed[0] if linked.failed else _HEADLINE
        # The reason names the count and the interval it needed, never its bounds.
        reason = f"Not safe to publish with the other tables. {linked.reason}"
        if culprit in {e.name for e in linked.elsewhere}:
            linked_to = [name for name in publishable if culprit in linked.against.get(name, ())]
            culprit = linked_to[-1] if linked_to else _HEADLINE
            reason = (
                f"Not safe to publish with what another report publishes about the same "
                f"children. {linked.reason}"
            )
        if culprit == _HEADLINE or culprit not in publishable:
            withheld.update(dict.fromkeys(publishable, reason))
            return own, linked, withheld
        withheld[culprit] = reason
        del publishable[culprit]
    return own, None, withheld


def _headline(key: Key) -> bool:
    return key[0] == _HEADLINE


def zero_beside(tables: Mapping[str, ProtectedTable]) -> Callable[[Key], Key | None]:
    """For the audit (`workbench.stats.linked.audit`'s ``zero_beside``): given a cell, the
    cell of its row whose hiding hides a 0 of it too, as its table says
    (`workbench.stats.disclosure.ProtectedTable.zero_beside`): ``(table, row, "eligible")``
    for ``(table, row, "funded")``. A reader seeing both hidden knows the funded count only
    to be 0 or more, even in a table whose other zeros are shown.

    Example
    -------
    >>> table = pl.DataFrame({"area": ["FQ1", "FQ2"], "eligible": [3, 40], "funded": [0, 20]})
    >>> from workbench.stats.takeup import protect
    >>> beside = zero_beside({"take_up_by_area": protect(table)})
    >>> beside(("take_up_by_area", "FQ1", "funded")), beside(("take_up_by_area", "FQ1", "eligible"))
    (('take_up_by_area', 'FQ1', 'eligible'), None)
    """
    wholes = {
        name: dict(table.zero_beside) for name, table in tables.items() if table.column is None
    }

    def beside(key: Key) -> Key | None:
        whole = wholes.get(key[0], {}).get(key[2])
        return None if whole is None else (key[0], key[1], whole)

    return beside


LIST_TIERS = ("likely", "possible")
"""Every tier a rule file defines (`workbench.rules.model.RuleSet.tiers`), in the order a
table of children by tier lists them."""


def every_tier(tiers: pl.DataFrame, listed: Sequence[str] = LIST_TIERS) -> pl.DataFrame:
    """Children by tier with every tier of ``listed`` as a row, 0 where no child is in it,
    in that order (any other tier after them): a table whose rows come and go with the
    children in them tells a reader comparing two runs about the families that moved.

    Example
    -------
    >>> every_tier(pl.DataFrame({"tier": ["possible"], "children": [3]})).rows()
    [('likely', 0), ('possible', 3)]
    """
    counts = dict(tiers.select("tier", "children").iter_rows())
    order = [*listed, *sorted(set(counts) - set(listed))]
    return pl.DataFrame(
        {"tier": order, "children": [int(counts.get(tier) or 0) for tier in order]},
        schema={"tier": pl.String, "children": pl.Int64},
    )


def protect_list_summary(
    summary: Mapping[str, pl.DataFrame],
    rules: DisclosureRules | None = None,
    *,
    uses_dwp_list: bool = True,
    tiers: Sequence[str] = LIST_TIERS,
) -> SetProtection:
    """Protect a list's children by tier and by reason (`workbench.Assessment.summary`) together.

    A summary of the tiers alone (``{"tier": ...}``) is protected alone: report 02 publishes
    only the tiers, leaving children by reason to the take-up report (`workbench.stats`).
    Every tier of ``tiers`` (by default both a rule file defines) is a row, 0 where no child
    is in it, on every run (`every_tier`): a report for a term with no child listed
    published only its ``Total``.

    The tiers split the listed children; the reasons overlap (a child meeting two counts
    under each), so each reason counts at most every child, and a child with an income
    missing (tier possible) may meet none. The tiers have a ``Total`` (the children listed);
    the reasons have none, since reasons added up count a child once per reason met.

    The reasons are every criterion checked (`workbench.Assessment.summary`), 0 where no child
    meets one, and their zeros are hidden as small counts are, whatever the rules, as the
    take-up report's table by criterion hides them (`workbench.stats.report_publish.
    ZEROS_HIDDEN`: children in or leaving care, without recourse to public funds, disabled):
    the row is there, so a criterion checked is told from one that was not, and ``c`` there
    means 0 to the threshold less one. A list of no one shows its reasons' zeros: its Total
    of 0 says them anyway, and hiding them would withhold the set. The tiers' zeros follow
    the rules.

    The likely tier is never hidden: it is the take-up report's eligible children, published
    there whatever this table shows. A possible tier from 1 to the threshold less one would be
    the ``Total`` less it, so the ``Total`` is hidden with it (a set that could only be
    protected by hiding the likely tier is not published).

    Examples
    --------
    >>> summary = {
    ...     "tier": pl.DataFrame({"tier": ["likely"], "children": [54]}),
    ...     "reason": pl.DataFrame({"reason_code": ["esa", "nrpf", "uc", "uc_low"],
    ...         "children": [2, 1, 35, 16]}),
    ... }
    >>> protected = protect_list_summary(summary, uses_dwp_list=False).protected
    >>> protected["reason"].wide("children").rows()
    [('esa', 'c'), ('nrpf', 'c'), ('uc', '35'), ('uc_low', '16')]
    >>> summary["reason"] = pl.DataFrame({"reason_code": ["esa", "looked_after", "uc"],
    ...     "children": [20, 0, 34]})
    >>> protected = protect_list_summary(summary, uses_dwp_list=False).protected
    >>> protected["reason"].wide("children").rows()
    [('esa', '20'), ('looked_after', 'c'), ('uc', '34')]
    """
    from workbench.stats.disclosure import protect_table

    rules = rules or DisclosureRules()
    rows = {"tier": "tier", "reason": "reason_code"}
    summary = {**summary, "tier": every_tier(summary["tier"], tiers)}
    by_tier = summary["tier"]
    possible = by_tier.filter(pl.col("tier") == "possible").get_column("children").sum()
    # The likely tier is public (see above): a small possible tier is covered by the Total.
    cover = [("children", TOTAL)] if rules.is_small(int(possible)) else []
    # A reason no child meets is hidden as a small count (see above), unless no one is listed.
    reason_rules = replace(rules, suppress_zeros=True) if by_tier["children"].sum() else rules

    def protect_one(
        name: str, raw: pl.DataFrame, also_hide: Collection[tuple[str, ...]]
    ) -> ProtectedTable:
        return protect_table(
            raw,
            row=rows[name],
            column=None,
            count="children",
            rules=reason_rules if name == "reason" else rules,
            also_hide=[*also_hide, *cover] if name == "tier" else also_hide,
            margins=name == "tier",
        )

    kinds = {"tier": "partition", "reason": "reasons"}
    return protect_set(
        {name: summary[name] for name in rows if name in summary},
        protect_one,
        rules=rules,
        uses_dwp_list=uses_dwp_list,
        kinds={name: kind for name, kind in kinds.items() if name in summary},
        # The likely tier's count is public whatever this table shows: the take-up report
        # (`stats`, notebook 04) publishes it as the term's eligible children.
        keep=lambda key: key == ("tier", "likely", "children"),
    )


def possible_area_wards(
    lookup: pl.DataFrame, observed: Iterable[tuple[str, str]], areas: Iterable[str] = ()
) -> set:
    """The (district, ward) pairs a reader of the ward lookup knows may share children.

    A lookup entry (full postcode, sector or district) puts its district in its ward; a
    district with no district-wide entry may also have postcodes in no ward (``unknown``);
    a child with no postcode is ``unknown`` in both. ``areas`` are the districts the table by
    area lists (with no child in some): one the lookup does not cover by district has its
    postcodes in no ward. The pairs seen in the data are added, so the model always fits it.

    Examples
    --------
    >>> lookup = pl.DataFrame({"postcode": ["FQ1"], "level": ["district"], "ward": ["Ash"]})
    >>> sorted(possible_area_wards(lookup, [], areas=["FQ1", "FQ7"]))
    [('FQ1', 'Ash'), ('FQ7', 'unknown'), ('unknown', 'unknown')]
    """
    pairs = {(UNKNOWN, UNKNOWN), *observed}
    entries = lookup.select("postcode", "level", "ward").rows()
    covered = {postcode for postcode, level, _ in entries if level == "district"}
    for postcode, _, ward in entries:
        district = postcode.split(" ")[0]
        pairs.add((district, ward))
        if district not in covered:
            pairs.add((district, UNKNOWN))
    pairs.update((area, UNKNOWN) for area in areas if area not in covered)
    return pairs


# --- the model ---------------------------------------------------------------------------------


def stats_model(
    tables: Mapping[str, ProtectedTable],
    *,
    term_start: date | None = None,
    area_wards: Iterable[tuple[str, str]] = (),
    uses_dwp_list: bool = True,
    kinds: Mapping[str, str] | None = None,
    groups: GroupLinks | RuleSet | None = None,
    elsewhere: Sequence[PublishedElsewhere] = (),
) -> tuple[LinkedTables[Key], dict[Key, int]]:
    """The reader's model of the stats tables (and the linkage report's, `KINDS`), and every
    count cell's true value.

    ``groups`` says how ``take_up_by_group``'s groups relate to the criteria (a rule set or
    its `group_links`); by default, the packaged rule set whose groups and criteria the
    tables name. ``elsewhere``: other reports' tables, one for every list of a campaign
    (kind ``list_tiers``), in the model too, their counts among the values where that
    report publishes them.

    Raises
    ------
    WorkbenchError
        A table with no model here (a new table must say how it links to the others), a
        ``take_up_by_group`` whose groups no rule set describes, or a list of the outcome
        tables that ``elsewhere`` (when given) has no table of.
    """
    builder = _Builder(uses_dwp_list)
    values: dict[Key, int] = {}
    for other in elsewhere:
        if other.name in tables or other.name in builder.lists_by_name:
            raise WorkbenchError(f"Two tables of the linked-table model are named {other.name!r}.")
        counts = _counts(other.name, other.table)
        if other.published:
            values.update(counts)
        listed = sum(value for (_, row, _), value in counts.items() if row != TOTAL)
        builder.list_tiers(other.name, _labels(counts), other.list_label, listed)
    kind_of = {name: (kinds or {}).get(name) or _kind(name) for name in tables}
    links = _group_links(tables, kind_of, groups)
    geography = [name for name in _GEOGRAPHY if name in tables]
    # A campaign's outcomes come before its lists' (they are constrained by the campaign's).
    order = sorted(tables, key=lambda name: kind_of[name] == "outcomes_by_list")
    for name, table in ((name, tables[name]) for name in order):
        kind = kind_of[name]
        counts = _counts(name, table, two_way=kind == _LINKAGE_BANDS)
        values.update(counts)
        labels = _labels(counts)
        if name in geography and len(geography) == 2:
            continue  # both geographies at once, below
        if name == _GROUPS and links is not None:
            builder.groups(name, labels, links)
        elif kind == "headline":
            builder.headline(name, labels)
        elif kind == "partition":
            builder.partition(name, table.row, labels)
        elif kind in ("criteria", "reasons"):
            builder.criteria(name, labels, at_least_one=kind == "criteria")
        elif kind == "funnel":
            builder.funnel(name, labels)
        elif kind == "trend":
            builder.trend(name, labels, None if term_start is None else term_start.isoformat())
        elif kind == "outcomes":
            campaign = sum(value for (_, row, _), value in counts.items() if row != TOTAL)
            builder.outcomes(name, labels, campaign)
        elif kind == "outcomes_by_list":
            builder.outcomes_by_list(name, labels, _disjoint_lists(values, kind_of))
        elif kind == _LINKAGE_BANDS:
            builder.linkage_bands(name, labels)
        elif kind in _LINKAGE_QUALITY:
            builder.linkage_quality(name, labels, _LINKAGE_QUALITY[kind])
        else:
            raise WorkbenchError(
                f"No disclosure model for the table {name!r}: say how it links to the others "
                "(one of the KINDS in workbench.stats.table_links) before publishing it."
            )
    if len(geography) == 2:
        builder.geography(
            {name: _labels(_counts(name, tables[name])) for name in _GEOGRAPHY}, set(area_wards)
        )
    if links is not None and kind_of.get(_CRITERIA) == "criteria":
        builder.link_groups(_GROUPS, _CRITERIA, links)
    builder.link_linkage()
    return builder.model, values


def _group_links(
    tables: Mapping[str, ProtectedTable],
    kind_of: Mapping[str, str | None],
    groups: GroupLinks | RuleSet | None,
) -> GroupLinks | None:
    """How ``take_up_by_group`` links to the criteria (None when it is not published)."""
    if kind_of.get(_GROUPS) != "partition":
        return None
    if groups is None:
        found = _packaged_groups(tables)
        if found is None:
            raise WorkbenchError(
                f"No disclosure model for the table {_GROUPS!r}: no packaged rule set has its "
                "groups and criteria; pass the rule set as groups= (how its groups relate to "
                "the criteria)."
            )
        return found
    return groups if isinstance(groups, GroupLinks) else group_links(groups)


def _packaged_groups(tables: Mapping[str, ProtectedTable]) -> GroupLinks | None:
    """The `group_links` of the one packaged rule set whose groups include every group of
    ``take_up_by_group`` and whose criteria every criterion of ``take_up_by_criterion``
    (None when none, or several differing ones, do)."""
    from workbench.rules.model import available_initiatives, load_rule_set

    def named(table: str) -> set[str]:
        if table not in tables:
            return set()
        return set(_labels(_counts(table, tables[table]))) - {TOTAL, UNKNOWN}

    group_names, criteria = named(_GROUPS), named(_CRITERIA)
    found = set()
    for initiative in available_initiatives():
        rule_set = load_rule_set(initiative)
        codes = {criterion.code for criterion in rule_set.criteria}
        names = {group.name for group in rule_set.groups}
        if rule_set.groups and group_names <= names and criteria <= codes:
            found.add(group_links(rule_set))
    return found.pop() if len(found) == 1 else None


def _kind(name: str) -> str | None:
    """How a `write_stats` table splits the children, from its name."""
    if name == _HEADLINE:
        return "headline"
    if name in _PARTITIONS or name.startswith("equality_by_"):
        return "partition"
    return {
        "take_up_by_criterion": "criteria",
        "funnel": "funnel",
        "trend": "trend",
        "outcome_funnel": "outcomes",
        "outcome_funnel_by_list": "outcomes_by_list",
    }.get(name)


_COUNT_LISTS = ("outcomes", "outcomes_by_list")
"""The kinds of table that count the children of a campaign's lists, every tier."""


def _disjoint_lists(values: Mapping[Key, int], kinds: Mapping[str, str | None]) -> bool:
    """Whether the campaign's lists share no child: its children are then the lists' added
    up, stage by stage (a reader seeing the two totals agree knows it)."""
    totals = {"outcomes": 0, "outcomes_by_list": 0}
    for (table, label, _), value in values.items():
        kind = kinds.get(table)
        if kind in totals and label != TOTAL:
            totals[kind] += value
    return totals["outcomes"] == totals["outcomes_by_list"]


class _Builder:
    """Adds each table's cells to one model over shared totals by status."""

    def __init__(self, uses_dwp_list: bool) -> None:
        self.model: LinkedTables[Key] = LinkedTables()
        self.totals = {status: self.model.variable(f"children {status}") for status in _STATUSES}
        if not uses_dwp_list:
            self.model.constrain({self.totals["no_record"]: 1}, 0, 0)
        self._dwp: dict[str, int] | None = None
        self._campaign: dict[str, int] = {}
        self._list_sizes: dict[str, tuple[dict[int, int], int]] = {}
        """Each campaign list's children (the sum of its tiers' unknowns) and how many, by
        the list's label, from another report's table by tier (`list_tiers`)."""
        self.lists_by_name: dict[str, str] = {}
        """The list each of those tables counts, by the table's name."""
        self._parts: dict[str, dict[str, dict[str, int]]] = {}
        """Each partition's and criterion table's unknowns, by label and status."""
        self._bands: dict[str, dict[str, int]] | None = None
        """The linkage bands' unknowns: rows by source and band."""
        self._quality: dict[tuple[str, ...], dict[str, dict[str, int]]] = {}
        """Each linkage quality table's unknowns by source and count, by the bands counted."""
        self._true: dict[str, int] = {}
        """Each source's children who truly have a row (the same in every quality table)."""

    # cells by measure: eligible counts every status, funded the funded ones
    def _cell(
        self, table: str, label: str, measures: Iterable[str], parts: Mapping[str, int]
    ) -> None:
        self._sum_cell(table, label, measures, [parts])

    def _sum_cell(
        self,
        table: str,
        label: str,
        measures: Iterable[str],
        parts_list: Iterable[Mapping[str, int]],
    ) -> None:
        """A cell counting the children of every one of ``parts_list`` (unknowns by status)."""
        parts_list = list(parts_list)
        for measure in measures:
            terms: dict[int, int] = {}
            for parts in parts_list:
                for status in _statuses(measure):
                    if status in parts:
                        terms[parts[status]] = terms.get(parts[status], 0) + 1
            self.model.cell((table, label, measure), terms)

    def _total_cells(self, table: str, labels: Mapping[str, list[str]]) -> None:
        if TOTAL in labels:
            self._cell(table, TOTAL, labels[TOTAL], self.totals)

    def headline(self, table: str, labels: Mapping[str, list[str]]) -> None:
        for label, measures in labels.items():
            self._cell(table, label, measures, self.totals)

    def _split(
        self, name: str, categories: Iterable[str], allowed: Callable[[str, str], bool]
    ) -> dict[str, dict[str, int]]:
        """Unknowns for each category and status, adding up to the totals."""
        parts: dict[str, dict[str, int]] = {}
        for category in categories:
            parts[category] = {
                status: self.model.variable(f"{name}={category} {status}")
                for status in _STATUSES
                if allowed(category, status)
            }
        for status in _STATUSES:
            terms = {parts[c][status]: 1 for c in parts if status in parts[c]}
            terms[self.totals[status]] = -1
            self.model.constrain(terms, 0, 0)
        return parts

    def partition(
        self,
        table: str,
        dimension: str,
        labels: Mapping[str, list[str]],
        allowed: Callable[[str, str], bool] | None = None,
    ) -> None:
        categories = [label for label in labels if label != TOTAL]
        parts = self._split(table, categories, allowed or _allowed(dimension))
        self._parts[table] = parts
        for label in categories:
            self._cell(table, label, labels[label], parts[label])
        self._total_cells(table, labels)

    def groups(self, table: str, labels: Mapping[str, list[str]], links: GroupLinks) -> None:
        """The rule set's groups: a partition where a child without a council record (it
        meets the DWP-list criterion alone) can only be in the first group of that code."""
        unnamed = sorted(set(labels) - links.names() - {TOTAL, UNKNOWN})
        if unnamed:
            raise WorkbenchError(
                f"No disclosure model for the table {table!r}: the rules given have no group "
                f"{unnamed[0]!r}."
            )
        home = next((name for name, codes in links.groups if _DWP_LIST in codes), UNKNOWN)

        def allowed(group: str, status: str) -> bool:
            return status != "no_record" or group == home

        self.partition(table, "group", labels, allowed)

    def link_groups(self, groups: str, criteria: str, links: GroupLinks) -> None:
        """Tie each group's children to the criteria they can meet, as the rules say.

        For each group and status, how many of its children meet each criterion (unknowns
        adding up, across groups, to the criterion's count): none for a criterion of an
        earlier group (that child would be in the earlier group), at most every child of the
        group, and together at least every child for the group's own criteria; a criterion
        implying another is met by no more of the group's children than the other. Children
        without a record meet the DWP-list criterion alone (`groups`).
        """
        group_parts, criterion_parts = self._parts[groups], self._parts[criteria]
        codes = list(criterion_parts)
        for status in ("funded", "not_funded"):
            by_criterion: dict[str, dict[int, int]] = {code: {} for code in codes}
            for group, parts in group_parts.items():
                children = parts[status]
                allowed, own = links.allowed(group, codes)
                meet = {
                    code: self.model.variable(f"{group} meeting {code} {status}")
                    for code in allowed
                }
                for code, variable in meet.items():
                    by_criterion[code][variable] = 1
                    self.model.constrain({variable: 1, children: -1}, -_INFINITY, 0)
                self.model.constrain({**{meet[code]: 1 for code in own}, children: -1}, 0)
                for a, b in links.implies:
                    if a in meet and b in meet:
                        self.model.constrain({meet[a]: 1, meet[b]: -1}, -_INFINITY, 0)
                    elif a in meet and b in codes:  # b is an earlier group's: none meets a
                        self.model.constrain({meet[a]: 1}, 0, 0)
            for code, terms in by_criterion.items():
                self.model.constrain({**terms, criterion_parts[code][status]: -1}, 0, 0)

    def geography(self, tables: Mapping[str, Mapping[str, list[str]]], pairs: set) -> None:
        areas = [label for label in tables["take_up_by_area"] if label != TOTAL]
        wards = [label for label in tables["take_up_by_ward"] if label != TOTAL]
        unknown_area, unknown_ward = UNKNOWN in areas, UNKNOWN in wards
        parts: dict[tuple[str, str], dict[str, int]] = {}
        for area, ward in sorted(pairs):
            if area not in areas or ward not in wards:
                continue
            no_record = area == UNKNOWN and ward == UNKNOWN
            parts[(area, ward)] = {
                status: self.model.variable(f"area={area} ward={ward} {status}")
                for status in _STATUSES
                if status != "no_record" or no_record
            }
        if not (unknown_area and unknown_ward):
            self.model.constrain({self.totals["no_record"]: 1}, 0, 0)
        for status in _STATUSES:
            terms = {p[status]: 1 for p in parts.values() if status in p}
            terms[self.totals[status]] = -1
            self.model.constrain(terms, 0, 0)
        for table, index in (("take_up_by_area", 0), ("take_up_by_ward", 1)):
            labels = tables[table]
            for label, measures in labels.items():
                if label == TOTAL:
                    continue
                inside = [p for pair, p in parts.items() if pair[index] == label]
                self._sum_cell(table, label, measures, inside)
            self._total_cells(table, labels)

    def _dwp_parts(self) -> dict[str, int]:
        """The DWP-list criterion's children by status (shared by criteria and funnel)."""
        if self._dwp is None:
            self._dwp = {
                "funded": self.model.variable("dwp_list funded"),
                "not_funded": self.model.variable("dwp_list not_funded"),
                "no_record": self.totals["no_record"],
            }
            for status in ("funded", "not_funded"):
                self.model.constrain({self._dwp[status]: 1, self.totals[status]: -1}, -_INFINITY, 0)
        return self._dwp

    def criteria(
        self, table: str, labels: Mapping[str, list[str]], *, at_least_one: bool = True
    ) -> None:
        criteria = [label for label in labels if label != TOTAL]
        parts: dict[str, dict[str, int]] = {}
        for criterion in criteria:
            if criterion == "dwp_list":
                parts[criterion] = self._dwp_parts()
                continue
            parts[criterion] = {
                status: self.model.variable(f"{table}={criterion} {status}")
                for status in ("funded", "not_funded")
            }
            for status, variable in parts[criterion].items():  # at most every child
                self.model.constrain({variable: 1, self.totals[status]: -1}, -_INFINITY, 0)
        if "dwp_list" not in parts:  # children without a record meet only the DWP criterion
            self.model.constrain({self.totals["no_record"]: 1}, 0, 0)
        for status in ("funded", "not_funded") if at_least_one else ():
            terms = {p[status]: 1 for p in parts.values()}  # every child meets one at least
            terms[self.totals[status]] = -1
            self.model.constrain(terms, 0)
        self._parts[table] = parts
        for criterion in criteria:
            self._cell(table, criterion, labels[criterion], parts[criterion])
        if TOTAL in labels:
            self._sum_cell(table, TOTAL, labels[TOTAL], parts.values())

    def funnel(self, table: str, labels: Mapping[str, list[str]]) -> None:
        dwp = self._dwp_parts()
        stages = [label for label in labels if label != TOTAL]
        if stages[:1] != ["on_dwp_list"] or len(stages) < 2:
            raise WorkbenchError(f"No disclosure model for a funnel with stages {stages}.")
        variables = {"on_dwp_list": dwp["no_record"]}
        if stages == ["on_dwp_list", "linked", "funded"]:
            variables["linked"] = dwp["not_funded"]
            variables["funded"] = dwp["funded"]
        else:
            # Review stages split the linked children, and a funded child may stop before;
            # without a funded stage (a term whose places were not read) the stages after the
            # first split every linked child, funded or not.
            for stage in stages[1:]:
                variables[stage] = self.model.variable(f"funnel {stage}")
            terms = {variables[stage]: 1 for stage in stages[1:]}
            terms.update({dwp["funded"]: -1, dwp["not_funded"]: -1})
            self.model.constrain(terms, 0, 0)
            if "funded" in variables:
                self.model.constrain({variables["funded"]: 1, dwp["funded"]: -1}, -_INFINITY, 0)
        for stage in stages:
            self.model.cell((table, stage, "count"), {variables[stage]: 1})
        if TOTAL in labels:
            self.model.cell((table, TOTAL, "count"), {v: 1 for v in variables.values()})

    def trend(self, table: str, labels: Mapping[str, list[str]], this_term: str | None) -> None:
        terms_parts = []
        for label, measures in labels.items():
            if label == TOTAL:
                continue
            if label == this_term:
                parts = self.totals
            else:
                parts = {
                    status: self.model.variable(f"{table}={label} {status}")
                    for status in ("funded", "not_funded")
                }
            self._cell(table, label, measures, parts)
            terms_parts.append(parts)
        if TOTAL in labels:
            self._sum_cell(table, TOTAL, labels[TOTAL], terms_parts)

    def list_tiers(
        self, table: str, labels: Mapping[str, list[str]], list_label: str, listed: int
    ) -> None:
        """A campaign list's children by tier (another report's table, `PublishedElsewhere`):
        the tiers split the list's children (``listed`` of them), every tier, whom the
        outcome tables count."""
        if list_label in self._list_sizes:
            raise WorkbenchError(f"Two tables by tier of the list {list_label!r} were given.")
        tiers = [label for label in labels if label != TOTAL]
        parts = {tier: self.model.variable(f"{table}={tier}") for tier in tiers}
        for tier, variable in parts.items():
            for measure in labels[tier]:
                self.model.cell((table, tier, measure), {variable: 1})
        for measure in labels.get(TOTAL, []):
            self.model.cell((table, TOTAL, measure), dict.fromkeys(parts.values(), 1))
        self._list_sizes[list_label] = (dict.fromkeys(parts.values(), 1), listed)
        self.lists_by_name[table] = list_label

    def outcomes(self, table: str, labels: Mapping[str, list[str]], children: int = 0) -> None:
        """A campaign's children by furthest stage: children of earlier lists, so unknowns
        of their own, tied to this term's tables by nothing a reader knows exactly.

        With the lists' tables by tier (`list_tiers`, one for every list): the campaign's
        children are each list's children at least, and all of them together at most,
        exactly when the lists share no child (``children``, the campaign's, is the lists'
        added up); with one list, its children."""
        stages = [label for label in labels if label != TOTAL]
        self._campaign = {stage: self.model.variable(f"{table}={stage}") for stage in stages}
        for stage, variable in self._campaign.items():
            self.model.cell((table, stage, "count"), {variable: 1})
        if TOTAL in labels:
            self.model.cell((table, TOTAL, "count"), dict.fromkeys(self._campaign.values(), 1))
        if not self._list_sizes:
            return
        campaign = dict.fromkeys(self._campaign.values(), 1)
        everyone = {v: -1 for terms, _ in self._list_sizes.values() for v in terms}
        if children == self._listed_children():  # no child on two lists
            self.model.constrain({**campaign, **everyone}, 0, 0)
            return
        self.model.constrain({**campaign, **everyone}, -_INFINITY, 0)
        for terms, _ in self._list_sizes.values():
            self.model.constrain({**campaign, **{v: -1 for v in terms}}, 0)

    def _listed_children(self) -> int:
        return sum(size for _, size in self._list_sizes.values())

    def outcomes_by_list(self, table: str, labels: Mapping[str, list[str]], disjoint: bool) -> None:
        """Each list's children by furthest stage (``"<list>: <stage>"``). With the campaign
        published too: when the lists share no child, each stage of the campaign is the
        lists' added up; otherwise the campaign counts no more children than the lists
        together and no fewer than any one of them."""
        rows = [label for label in labels if label != TOTAL]
        variables = {row: self.model.variable(f"{table}={row}") for row in rows}
        for row, variable in variables.items():
            self.model.cell((table, row, "count"), {variable: 1})
        if TOTAL in labels:
            self.model.cell((table, TOTAL, "count"), dict.fromkeys(variables.values(), 1))
        lists: dict[str, dict[int, int]] = {}
        for row, variable in variables.items():
            lists.setdefault(row.rsplit(LIST_STAGE_SEPARATOR, 1)[0], {})[variable] = -1
        if self._list_sizes:  # a list's stages add up to its children, its tiers' Total
            for label, terms in lists.items():
                if label not in self._list_sizes:
                    raise WorkbenchError(
                        f"No table by tier of the list {label!r} of the table {table!r} was "
                        "given: the other reports' tables must cover every list of it."
                    )
                self.model.constrain({**terms, **self._list_sizes[label][0]}, 0, 0)
        if not self._campaign:
            return
        stage_of = {row: row.rsplit(LIST_STAGE_SEPARATOR, 1)[-1] for row in rows}
        if disjoint:
            for stage, total in self._campaign.items():
                terms = {v: 1 for row, v in variables.items() if stage_of[row] == stage}
                self.model.constrain({**terms, total: -1}, 0, 0)
            return
        campaign = dict.fromkeys(self._campaign.values(), 1)
        self.model.constrain(
            {**dict.fromkeys(variables.values(), 1)} | {v: -1 for v in self._campaign.values()}, 0
        )
        for terms in lists.values():
            self.model.constrain({**campaign, **terms}, 0)

    # --- the linkage report's tables ----------------------------------------------------------

    def linkage_bands(self, table: str, labels: Mapping[str, list[str]]) -> None:
        """Each source's rows by band: a two-way table with its margins (see `_counts`)."""
        if self._bands is not None:
            raise WorkbenchError(f"No disclosure model for a second table of bands ({table!r}).")
        sources = [label for label in labels if label != TOTAL]
        bands = sorted({band for label in sources for band in labels[label]} - {TOTAL})
        rows = {
            source: {band: self.model.variable(f"{table} {source} {band}") for band in bands}
            for source in sources
        }
        self._bands = rows
        for label, columns in labels.items():
            for column in columns:
                self.model.cell(
                    (table, label, column),
                    {
                        rows[source][band]: 1
                        for source in (sources if label == TOTAL else [label])
                        for band in (bands if column == TOTAL else [column])
                    },
                )

    def linkage_quality(
        self, table: str, labels: Mapping[str, list[str]], matches: tuple[str, ...]
    ) -> None:
        """Children by source, true, predicted and correct with ``matches`` the bands counted
        (`workbench.linkage.evaluate`, child level): a correct child is predicted and true.
        The children true are the same in every quality table."""
        if matches in self._quality:
            raise WorkbenchError(
                f"No disclosure model for a second quality table of the bands {matches} "
                f"({table!r})."
            )
        sources = [label for label in labels if label != TOTAL]
        counts: dict[str, dict[str, int]] = {}
        for source in sources:
            if source not in self._true:
                self._true[source] = self.model.variable(f"{source} true")
            counts[source] = {
                "true": self._true[source],
                "predicted": self.model.variable(f"{table} {source} predicted"),
                "correct": self.model.variable(f"{table} {source} correct"),
            }
            for whole in ("predicted", "true"):
                self.model.constrain({counts[source][whole]: 1, counts[source]["correct"]: -1}, 0)
        self._quality[matches] = counts
        for label, measures in labels.items():
            for measure in measures:
                if measure not in _QUALITY_MEASURES:
                    raise WorkbenchError(
                        f"No disclosure model for the measure {measure!r} of the table {table!r}."
                    )
                terms: dict[int, int] = {}
                for source in sources if label == TOTAL else [label]:
                    for part, sign in _QUALITY_MEASURES[measure].items():
                        terms[counts[source][part]] = sign
                self.model.cell((table, label, measure), terms)

    def link_linkage(self) -> None:
        """Tie the linkage quality tables to the bands and to each other (the module's
        docstring says why each holds)."""
        bands = self._bands
        if bands is not None and self._quality:
            for source in sorted(set(bands).union(*self._quality.values())):
                self._link_to_bands(source, bands.get(source, {}))
        linked, both = self._quality.get((_LINKED,)), self._quality.get((_LINKED, _CLERICAL))
        if linked is None or both is None:
            return
        for source in sorted(set(linked) & set(both)):
            one, two = linked[source], both[source]
            self.model.constrain({two["predicted"]: 1, one["predicted"]: -1}, 0)
            if bands is not None:
                # A child predicted, or correct, with the clerical band and not without it, or
                # correct without it and not with it, has a clerical-review row of their own.
                row = bands.get(source, {})
                clerical = {row[_CLERICAL]: 1} if _CLERICAL in row else {}
                for measure, sign in (("predicted", 1), ("correct", 1), ("correct", -1)):
                    terms = {two[measure]: -sign, one[measure]: sign}
                    self.model.constrain({**clerical, **terms}, 0)
            if source == _DWP_LIST:
                # A DWP child's one row is in one band: right (or wrong) without the clerical
                # band, they are right (or wrong) with it.
                self.model.constrain({two["correct"]: 1, one["correct"]: -1}, 0)
                wrong = {two["predicted"]: 1, two["correct"]: -1}
                self.model.constrain({**wrong, one["predicted"]: -1, one["correct"]: 1}, 0)

    def _link_to_bands(self, source: str, row: Mapping[str, int]) -> None:
        """A source's children in the quality tables against its rows by band (``row``)."""
        if source in self._true:  # each child true has a row of their own
            self.model.constrain({**dict.fromkeys(row.values(), 1), self._true[source]: -1}, 0)
        for matches, quality in self._quality.items():
            counted = {row[band]: 1 for band in matches if band in row}
            if source not in quality:  # no child predicted: no row in the bands counted
                self.model.constrain(counted, 0, 0)
                continue
            # A child is given at most one DWP row, and may hold several funded places.
            high = 0 if source == _DWP_LIST else _INFINITY
            self.model.constrain({**counted, quality[source]["predicted"]: -1}, 0, high)


def _statuses(measure: str) -> tuple[str, ...]:
    """The children a count measure counts: the funded ones, those not funded (with or
    without a council record), or every child."""
    if measure == NOT_FUNDED:
        return ("not_funded", "no_record")
    return ("funded",) if measure == "funded" else _STATUSES


def _allowed(dimension: str) -> Callable[[str, str], bool]:
    """Which (category, status) pairs can hold children in a partition by ``dimension``."""

    def allowed(category: str, status: str) -> bool:
        if status == "no_record" and dimension in _RECORD_DIMENSIONS:
            return category == UNKNOWN
        if category == UNKNOWN and dimension in _DATE_OF_BIRTH_DIMENSIONS:
            return status == "no_record"
        return True

    return allowed


def _counts(name: str, table: ProtectedTable, *, two_way: bool = False) -> dict[Key, int]:
    """A table's count cells' true values, with each of `REMAINDERS` (``not_funded``:
    eligible less funded, ...) in each row that has both its counts.

    With ``two_way``, a two-way table of one count: a cell is ``(table, row label, column
    label)``, the column label in place of the measure.
    """
    if table.counts is None or (table.column is not None and not two_way):
        raise WorkbenchError(f"No disclosure model for the table {name!r} (not one-way counts).")
    if table.column is not None:
        if table.counts.get_column("measure").n_unique() > 1:
            raise WorkbenchError(
                f"No disclosure model for the table {name!r} (a two-way table of several counts)."
            )
        columns = table.counts.select(table.row, table.column, "raw").iter_rows()
        return {(name, str(label), str(column)): int(raw) for label, column, raw in columns}
    counts = {
        (name, str(label), measure): int(raw)
        for label, measure, raw in table.counts.select(table.row, "measure", "raw").iter_rows()
    }
    for remainder, (whole, part) in REMAINDERS.items():
        for (_, label, measure), value in list(counts.items()):
            if measure == part and (name, label, whole) in counts:
                counts[(name, label, remainder)] = counts[(name, label, whole)] - value
    return counts


def _hidden(name: str, table: ProtectedTable) -> Iterable[Key]:
    """The table's hidden count cells as the model names them (see `_counts`)."""
    measures: list[str] | pl.Series = (
        [] if table.counts is None else table.counts.get_column("measure").unique()
    )
    cells = table.mask.filter(pl.col("suppressed") & pl.col("measure").is_in(list(measures)))
    if table.column is not None:
        rows = cells.select(table.row, table.column).iter_rows()
        return [(name, str(label), str(column)) for label, column in rows]
    rows = cells.select(table.row, "measure").iter_rows()
    return [(name, str(label), measure) for label, measure in rows]


def _also_hide(table: ProtectedTable, label: str, measure: str) -> tuple[str, ...]:
    """A cell of the model (see `_counts`) as `protect_table`'s ``also_hide`` names it."""
    if table.column is None or table.counts is None:
        return (measure, label)
    return (table.counts.get_column("measure")[0], label, measure)


def _labels(counts: Mapping[Key, int]) -> dict[str, list[str]]:
    labels: dict[str, list[str]] = {}
    for _, label, measure in counts:
        labels.setdefault(label, []).append(measure)
    return labels
