"""The review panel: an ipywidgets view in which an early years officer filters, pages through
and decides on a candidate list held in the review store.

The panel is one self-contained widget (``ReviewPanel(...).widget``), so a notebook shows it
and Voilà serves it without change. Filtering and sorting are polars expressions over the
whole list; only the current page is ever rendered, so a list of tens of thousands of rows
pages as quickly as one of sixty. Decisions go to the :class:`ReviewStore` and nowhere else;
whatever the store refuses is shown in the panel, never raised.

Example
-------
>>> import tempfile
>>> from pathlib import Path
>>> from workbench.review.lists import register_list
>>> candidates = pl.DataFrame({"person_id": ["P1", "P2"], "tier": ["likely", "possible"],
...                            "reason_codes": [["income_support"], []]})
>>> with ReviewStore(Path(tempfile.mkdtemp()) / "review.sqlite") as store:
...     list_id = register_list(store, candidates, "r-1", "two_year_old@1", {}, bytes(32))
...     panel = ReviewPanel(store, list_id, candidates, reviewer="A. Officer", key=bytes(32))
...     panel.select(panel.visible()["item_key"][0])  # none is selected until the officer picks
...     decision = panel.record("contact")
...     decision.reviewer, panel.progress_text()
('A. Officer', '1 of 2 decided, 1 undecided')
"""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import polars as pl

from workbench.dates import long_date
from workbench.eligibility.assess import partly_met
from workbench.errors import UsageError, WorkbenchError
from workbench.review.details import (
    INITIATIVE_NAMES,
    VIEW_COMMAND,
    ChildDetails,
    already_funded_words,
    check_result_lines,
    decision_meanings,
    evidence_lines,
    group_columns,
    postcode_district,
    record_link_columns,
    record_link_text,
    view_detail,
    why_listed_lines,
    working_parent_flags,
)
from workbench.review.excel import WorkbookLayout, workbook_layout
from workbench.review.lists import LaterList, dwp_row_keys, later_list, review_candidates
from workbench.review.offers import offered_decisions
from workbench.review.schema import (
    DECISION_MEANINGS,
    DECISIONS,
    LINK_DECISIONS,
    NAME_WANTED,
    OUTCOME_DECISIONS,
    REASON_REQUIRED,
    decision_kind,
    decision_label,
    names_someone,
    reason_too_long,
    same_reviewer,
    says_why,
    too_long_message,
    why_not_a_name,
)
from workbench.review.store import Decision, ReviewStore
from workbench.rules import load_rule_set
from workbench.rules.model import RuleSet

__all__ = [
    "ACCESSIBLE_WIDGETS_JS",
    "FUNDED_CHOICES",
    "SORTS",
    "ReviewPanel",
    "filter_and_sort",
    "funded_choices",
    "not_listed_html",
    "page_table_html",
]

SORTS = ("tier", "eligible_from", "reason")
TIER_ORDER = ("likely", "possible")
ALL = ""  # the filter value meaning "no filter" (a Dropdown cannot hold None as an option)
_SORT_KEYS = {
    "tier": ["_tier_rank", "eligible_from", "_row"],
    "eligible_from": ["eligible_from", "_tier_rank", "_row"],
    "reason": ["_reasons", "_tier_rank", "_row"],
}
_WIDE = {"description_width": "initial"}


def _panel_frame(
    candidates: pl.DataFrame, key: bytes, details: ChildDetails | None
) -> pl.DataFrame:
    """The list in review's shape plus what the panel filters and sorts by, computed once:
    with ``details``, who each child is (name, age, postcode district) beside each row."""
    shaped = review_candidates(candidates, key)
    extra = candidates.with_columns(
        (
            postcode_district(pl.col("postcode"))
            if "postcode" in candidates.columns
            else pl.lit(None, dtype=pl.String)
        ).alias("area"),
    ).select(
        "area",
        *record_link_columns(candidates),
        working_parent_flags(candidates),
        *group_columns(candidates),
    )
    frame = pl.concat([shaped, extra], how="horizontal")
    if details is not None:
        who = details.frame.select("item_key", "child_name", "age", "postcode_district")
        frame = frame.join(who, on="item_key", how="left", maintain_order="left").with_columns(
            pl.coalesce("postcode_district", "area").alias("area")
        )
    else:
        frame = frame.with_columns(
            pl.lit(None, dtype=pl.String).alias(c)
            for c in ("child_name", "age", "postcode_district")
        )
    tier_rank = pl.col("tier").replace_strict(
        {tier: rank for rank, tier in enumerate(TIER_ORDER)},
        default=len(TIER_ORDER),
        return_dtype=pl.Int8,
    )
    return (
        frame.drop("postcode_district")
        .with_row_index("_row")
        .with_columns(
            tier_rank.alias("_tier_rank"),
            # Rows with no reason code (tier possible) sort last by reason, not first.
            pl.when(pl.col("reason_codes").list.len() > 0)
            .then(pl.col("reason_codes").list.join(";"))
            .alias("_reasons"),
            # What "find a child" matches: the name, and the ids for analysts.
            pl.concat_str(
                "child_name", "person_id", "dwp_record_id", separator=" ", ignore_nulls=True
            )
            .str.to_lowercase()
            .alias("_search"),
        )
    )


def _unnamed(frame: pl.DataFrame) -> pl.DataFrame:
    """A panel frame as shown before the officer is named: no child's name or age, and
    "find a child" matching the ids alone (a name found would tell who is on the list)."""
    return frame.with_columns(
        pl.lit(None, dtype=pl.String).alias("child_name"),
        pl.lit(None, dtype=pl.String).alias("age"),
        pl.concat_str("person_id", "dwp_record_id", separator=" ", ignore_nulls=True)
        .str.to_lowercase()
        .alias("_search"),
    )


FUNDED_CHOICES = {
    "yes": "already funded",
    "no": "not funded",
    "not_known": "not known",
}
"""The "Already funded" filter's values, with the words the panel shows for each: a child
with a funded place this term, a child known to have none, and a child for whom it is not
known (the list's headcount held no places for the term: `places_not_known`)."""


def funded_choices(places_not_known: bool = False) -> list[str]:
    """The "Already funded" filter's values that can find a child: with ``places_not_known``
    no child is known not to be funded, so "not known" replaces "not funded"."""
    return ["yes", "not_known"] if places_not_known else ["yes", "no"]


def _funded_filter(funded: str, places_not_known: bool) -> pl.Expr:
    """The rows whose "Already funded" is ``funded`` (`FUNDED_CHOICES`): funded is known
    (``already_funded`` true), not funded only when the headcount could say so, not known
    otherwise (or when a row's flag is missing)."""
    flag = pl.col("already_funded")
    if funded == "yes":
        return flag.fill_null(False)
    not_funded = ~flag.fill_null(True)
    if funded == "no":
        return not_funded & pl.lit(not places_not_known)
    if funded == "not_known":
        return flag.is_null() | (not_funded & pl.lit(places_not_known))
    raise UsageError(
        f"funded must be one of {', '.join(map(repr, FUNDED_CHOICES))}; got {funded!r}"
    )


def filter_and_sort(
    frame: pl.DataFrame,
    decided: pl.Series,
    *,
    tier: str | None = None,
    reason: str | None = None,
    area: str | None = None,
    undecided_only: bool = False,
    funded: str | None = None,
    name: str | None = None,
    sort: str = "tier",
    places_not_known: bool = False,
) -> pl.DataFrame:
    """The rows of a panel frame that pass the filters, in the order ``sort`` names.

    ``decided`` holds the item keys with a decision on this list; ``funded`` is ``"yes"``
    (already funded), ``"no"`` (known to have no funded place this term) or ``"not_known"``
    (`FUNDED_CHOICES`; with ``places_not_known``, the headcount held no places for the term,
    no child is known not to be funded); ``name`` finds children whose name (or id) holds
    it, whatever the capitals. Ties keep the list's order.
    """
    if sort not in SORTS:
        raise UsageError(f"sort must be one of {', '.join(SORTS)}; got {sort!r}")
    keep = pl.lit(True)
    if tier:
        keep &= pl.col("tier") == tier
    if reason:
        keep &= pl.col("reason_codes").list.contains(reason)
    if area:
        keep &= pl.col("area") == area
    if undecided_only:
        keep &= ~pl.col("item_key").is_in(decided.implode())
    if funded:
        keep &= _funded_filter(funded, places_not_known)
    if name and name.strip():
        for word in name.strip().lower().split():
            keep &= pl.col("_search").str.contains(word, literal=True)
    return frame.filter(keep).sort(_SORT_KEYS[sort], nulls_last=True)


NOT_LISTED_SHOWN = 200
"""At most this many DWP-list rows not listed are shown in the panel (the workbook has all)."""
NOT_LISTED_HEADINGS = {
    "record_id": "DWP list record",
    "child_date_of_birth": "Child's date of birth",
    "reason": "Why not on this list",
}

PLACES_NOT_KNOWN_SHORT = (
    "the providers' headcount this list was made from held no funded places for the term, so "
    "a child shown as not funded may well have a place: check with the provider first"
)
PLACES_NOT_KNOWN = (
    "Already funded is not known for this list: " + PLACES_NOT_KNOWN_SHORT + ". "
    "Children are shown as ‘not known’ rather than ‘no’."
)
"""What the panel says when `workbench.review.list_data.places_not_known` (the outreach
export's `CAUTION_PLACES_NOT_KNOWN`): at the top, and beside each child's "Already funded"."""


def _long_date_text(value: Any) -> str:
    """An ISO date (text or date) as people read it, ``5 September 2024``; other text as it is."""
    if value is None or value == "":
        return ""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return long_date(day) or str(value)


def not_listed_html(not_listed: pl.DataFrame | None) -> str:
    """The DWP-list rows a list does not carry, with their reasons, for its own section.

    Examples
    --------
    >>> rows = pl.DataFrame({"record_id": ["D7"], "child_date_of_birth": ["2024-09-05"],
    ...     "reason": ["not yet in the age window"]})
    >>> "1 row of the DWP list" in not_listed_html(rows)
    True
    >>> not_listed_html(None)
    ''
    """
    if not_listed is None:
        return ""
    count = not_listed.height
    heading = "<h4>DWP-list rows not on this list</h4>"
    if count == 0:
        return heading + "<p>Every row of the DWP list is on this list.</p>"
    columns = [c for c in NOT_LISTED_HEADINGS if c in not_listed.columns]
    head = "".join(f"<th scope='col'>{_escape(NOT_LISTED_HEADINGS[c])}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{_escape(_long_date_text(v) if c == 'child_date_of_birth' else (v or ''))}</td>"
            for c, v in zip(columns, row, strict=True)
        )
        + "</tr>"
        for row in not_listed.select(columns).head(NOT_LISTED_SHOWN).iter_rows()
    )
    more = (
        f"<p>The first {NOT_LISTED_SHOWN} are shown; the review workbook has all {count}.</p>"
        if count > NOT_LISTED_SHOWN
        else ""
    )
    return (
        f"{heading}<p>{count} row{'s' if count != 1 else ''} of the DWP list "
        f"{'are' if count != 1 else 'is'} not on this list, each with its reason: most are "
        "children not yet (or no longer) in the age window by the date of birth the DWP "
        "gives. Where that date looks wrong, check it with the family.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"
    )


def _escape(value: Any) -> str:
    return "" if value is None else html.escape(str(value))


def _who(row: dict[str, Any]) -> str:
    """The child as the officer knows them: the name when the data folder was read."""
    if row.get("child_name"):
        return str(row["child_name"])
    if row.get("person_id"):
        return str(row["person_id"])
    return f"DWP list row {row.get('dwp_record_id')}"


def page_table_html(
    rows: pl.DataFrame,
    selected: str | None,
    show_area: bool,
    labels: dict[str, str] | None = None,
    places_not_known: bool = False,
    show_funded: bool = True,
    show_link: bool = True,
) -> str:
    """An HTML table of one page's rows (one ``<tr class="wb-row">`` per row): the child (by
    name when known, with age), the tier, the reasons by their rule-file labels (``labels``:
    code -> label), and what is known and decided (already funded "not known" rather than
    "no" when the headcount held no places for the term: ``places_not_known``; no "Already
    funded" column without ``show_funded``: an offer whose rules read no funded places; no
    "Link" column without ``show_link``: a list whose workbook has no record links to review,
    as free school meals', whose rules never read the DWP list)."""
    labels = labels or {}
    named = rows["child_name"].is_not_null().any() if "child_name" in rows.columns else False
    headings = [
        "Child",
        "Tier",
        "Reasons",
        "Could be eligible from",
        "Already funded",
        "Link",
        "Decision",
    ]
    if named:
        headings.insert(1, "Age on the first day of term")
    if show_area:
        headings.insert(-3, "Area")
    shown = {"Already funded": show_funded, "Link": show_link}
    dropped = {at for at, heading in enumerate(headings) if not shown.get(heading, True)}
    headings = [heading for at, heading in enumerate(headings) if at not in dropped]
    head = "".join(f'<th scope="col">{h}</th>' for h in headings)
    body = []
    for row in rows.iter_rows(named=True):
        reasons = [labels.get(code, code) for code in row["reason_codes"]]
        partly = [f"{labels.get(c, c)} ({note})" for c, note in partly_met(row["evidence"])]
        cells = [
            _who(row),
            row["tier"],
            "; ".join(reasons) or "; ".join(partly) or "none",
            long_date(row["eligible_from"]),
            "yes" if row["already_funded"] else ("not known" if places_not_known else "no"),
            "needs review" if row["link_needs_review"] else "",
            decision_label(row["decision"] or "") or "not yet decided",
        ]
        if named:
            cells.insert(1, row.get("age") or "")
        if show_area:
            cells.insert(-3, row["area"])
        cells = [cell for at, cell in enumerate(cells) if at not in dropped]
        current = row["item_key"] == selected
        attributes = (
            ' class="wb-row wb-current" aria-current="true"' if current else ' class="wb-row"'
        )
        tds = "".join(f"<td>{_escape(c)}</td>" for c in cells)
        body.append(f'<tr{attributes} data-item-key="{row["item_key"]}">{tds}</tr>')
    if not body:
        return "<p>No children match these filters.</p>"
    return (
        '<table class="wb-review"><caption>Children on this page</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _decisions_html(title: str, frame: pl.DataFrame, with_list: bool) -> str:
    if frame.is_empty():
        return f"<h4>{title}</h4><p>None.</p>"
    items = []
    for row in frame.iter_rows(named=True):
        where = (
            f" (run {_escape(row['run_id'])}, {_escape(row['initiative'])})" if with_list else ""
        )
        because = f": {_escape(row['reason'])}" if row["reason"] else ""
        items.append(
            f"<li>{_escape(decision_label(row['decision']))}{because} by "
            f"{_escape(row['reviewer'])} on {_escape(row['decided_at'][:10])}{where}</li>"
        )
    return f"<h4>{title}</h4><ul>{''.join(items)}</ul>"


def _checks_html(
    results: pl.DataFrame, list_id: str | None = None, list_group: str | None = None
) -> str:
    """DfE's eligibility checks of the child's parent, newest first, with what the newest
    means for the officer (a check from another list of the offer says which; a free school
    meals tier other than the child's `list_group` is said first); nothing when the child was
    never checked."""
    lines, advice = check_result_lines(results, list_id, list_group)
    if not lines:
        return ""
    items = "".join(f"<li>{_escape(line)}</li>" for line in lines)
    return (
        f"<h3>DfE eligibility checks</h3><p class='wb-inset'>{_escape(advice)}</p><ul>{items}</ul>"
    )


# What makes the widgets usable with a screen reader (their radio buttons a named group), for
# the review app's page and for JupyterLab alike: ipywidgets offers no way to say it.
ACCESSIBLE_WIDGETS_JS = (
    Path(__file__)
    .with_name("jupyter")
    .joinpath("voila", "templates", "workbench", "accessible_widgets.js")
)


class ReviewPanel:
    """Review one stored list: filter, sort, page, read the evidence, record decisions.

    In a notebook, ``display(panel)`` shows it with the script of `ACCESSIBLE_WIDGETS_JS`
    (JupyterLab runs it: the decision radios become a group a screen reader names);
    ``panel.widget`` is the panel alone, as the review app, whose page has the script, shows it.

    Parameters
    ----------
    store
        The review store holding the list.
    list_id
        The list under review (from ``register_list``).
    candidates
        The candidate list as ``assess`` wrote it (engine frame or read back from CSV); a
        ``postcode`` column adds the area filter, a ``link_method`` column the match method.
    reviewer
        The officer's name, as colleagues know it (else `UsageError` saying why:
        `workbench.review.schema.why_not_a_name`); when None, the panel asks for it once per
        session, and a typed name that names no one is refused in the panel. Until a name
        is given, with ``details`` too, no child's name or age is shown anywhere in the panel
        (table, Child box, headings) and "find a child" matches ids only: who a child is is
        shown only when the view can be logged under the officer's name.
    rule_set
        A rule set or an initiative name, for the plain-English reasons; by default the
        list's initiative.
    key
        The pseudonym secret the list was registered with (so rows find their store items).
    page_size
        Rows per page.
    as_of
        The date whose thresholds the reasons quote; by default the day the list was stored.
    places_not_known
        True when the providers' headcount the list was made from held no funded place for its
        term (`workbench.review.list_data.places_not_known`, as the outreach export's
        caution): "already funded: no" cannot be relied on, and the panel says so at the top
        and beside each child's "Already funded".
    """

    def __init__(
        self,
        store: ReviewStore,
        list_id: str,
        candidates: pl.DataFrame,
        *,
        reviewer: str | None = None,
        rule_set: RuleSet | str | None = None,
        key: bytes,
        page_size: int = 25,
        as_of: date | None = None,
        not_listed: pl.DataFrame | None = None,
        details: ChildDetails | None = None,
        places_not_known: bool = False,
    ) -> None:
        if page_size < 1:
            raise UsageError(f"page_size must be a positive number of rows; got {page_size}")
        if reviewer and reviewer.strip() and not names_someone(reviewer):
            raise UsageError(
                f"must be a person's name; {NAME_WANTED}; got {reviewer.strip()!r}, which "
                f"{why_not_a_name(reviewer)}",
                parameter="reviewer",
            )
        self.store, self.list_id, self.page_size = store, list_id, page_size
        self._details = details
        self._places_not_known = places_not_known
        self._frame = _panel_frame(candidates, key, details)
        # What the table, the Child box, the headings and the search use until the officer is
        # named: who a child is is shown only when the view can be logged under a name.
        self._frame_unnamed = _unnamed(self._frame) if details is not None else self._frame
        # A council child with a DWP-list row: the row's key while it was listed on its own,
        # whose decisions (a link confirmed, above all) are shown with the child's.
        self._dwp_keys = dwp_row_keys(self._frame, key)
        self._not_listed = not_listed
        self._has_area = "postcode" in candidates.columns or details is not None
        self._filters: dict[str, Any] = {"sort": "tier", "undecided_only": False}
        self._visible = self._frame
        self._page, self._syncing = 1, False
        # No child is selected until the officer picks one: showing a child's details logs a
        # view of them under the officer's name (subject access tells the family), so none is
        # shown (nor logged) for a child the officer never chose.
        self._selected: str | None = None
        # The child a decision was just recorded for, until the officer does anything else: a
        # second click of a double-click, with nothing chosen, is ignored (`_on_record_click`).
        self._just_recorded: str | None = None
        self._workbook: WorkbookLayout | None = None  # `_offer_decisions`
        self._funded_meaning: str | None = None
        self._shows_funded = True
        self._shows_link = True
        self._logged: set[str] = set()
        self._viewing: tuple[str, str] | None = None  # (reviewer, item) last logged as viewed
        # The store's latest decision when the selected child's details were last shown: a
        # colleague's decision about the child since then is not overridden unseen (`record`).
        self._shown_upto = 0
        self._latest = pl.DataFrame(schema={"item_key": pl.String, "decision": pl.String})
        # The reviewer's name, held here, not read back from the page: a disabled field can
        # still be changed by a message sent over the page's websocket. Given (a sign-in),
        # it is fixed from the start; typed, it is fixed by the first decision recorded.
        self._reviewer = reviewer.strip() if reviewer and reviewer.strip() else None
        self._build_widgets(reviewer)
        self._rule_set, self._as_of = self._reasons_source(rule_set, as_of)
        self._labels = {c.code: c.label for c in self._rule_set.criteria} if self._rule_set else {}
        self._offer_decisions()
        caution = self._details.caution if self._details else None
        # A later list of the offer (a re-run of `assess`): said at the top, and a decision
        # about a child it does not hold is warned of before it is saved (`record`).
        self._later = self._later_list()
        self._confirming: tuple[str, str] | None = None  # (child, decision) warned of once
        banner = self._later.banner(self._frame.height) if self._later else None
        self.heading.value = (
            f"<h1 class='wb-title'>{_escape(self.title)}</h1>"
            + (f"<p class='wb-caution' role='alert'>{_escape(caution)}</p>" if caution else "")
            + (
                f"<p class='wb-caution wb-places-not-known'>{_escape(PLACES_NOT_KNOWN)}</p>"
                if places_not_known
                else ""
            )
            + (f"<p class='wb-caution wb-later-list'>{_escape(banner)}</p>" if banner else "")
        )
        if reviewer:
            self._log_open(reviewer)
        self._load_latest()
        self._refresh()

    def _ipython_display_(self) -> None:
        """``display(panel)``: the accessibility script, then the panel."""
        from IPython.display import Javascript, display

        display(Javascript(ACCESSIBLE_WIDGETS_JS.read_text(encoding="utf-8")), self.widget)

    # --- setup -------------------------------------------------------------------------------
    def _build_widgets(self, reviewer: str | None) -> None:
        self._build_filters()
        self._build_review_controls(reviewer)
        self._connect()
        self.widget = self._layout()

    def _build_filters(self) -> None:
        def choices(values: list[str], everything: str) -> list[tuple[str, str]]:
            return [(everything, ALL)] + [(v.replace("_", " "), v) for v in values]

        frame = self._frame
        tiers = sorted(frame["tier"].unique().to_list(), key=lambda t: (t not in TIER_ORDER, t))
        reasons = frame["reason_codes"].explode().drop_nulls().unique().sort().to_list()
        areas = frame["area"].drop_nulls().unique().sort().to_list()
        self.tier = widgets.Dropdown(options=choices(tiers, "all tiers"), description="Tier")
        self.reason = widgets.Dropdown(
            options=choices(reasons, "all reasons"), description="Reason", style=_WIDE
        )
        self.area = widgets.Dropdown(
            options=[("all areas", ALL)] + [(a, a) for a in areas],
            description="Area (postcode district)",
            style=_WIDE,
        )
        if not self._has_area:
            self.area.layout.display = "none"
        self.undecided_only = widgets.Checkbox(description="Not yet decided only", indent=False)
        # Without the term's headcount no child is known not to be funded: "not known".
        self.funded = widgets.Dropdown(
            options=[("all children", ALL)]
            + [(FUNDED_CHOICES[v], v) for v in funded_choices(self._places_not_known)],
            description="Already funded",
            style=_WIDE,
        )
        # Sent when the field is left or Enter is pressed, not at every key.
        self.find = widgets.Text(
            description="Find a child by name",
            placeholder="forename or surname",
            style=_WIDE,
            continuous_update=False,
        )
        self.sort = widgets.Dropdown(
            options=[("tier", "tier"), ("eligible from", "eligible_from"), ("reason", "reason")],
            description="Sort by",
            style=_WIDE,
        )

    def _build_review_controls(self, reviewer: str | None) -> None:
        self.previous_button = widgets.Button(description="Previous page", tooltip="Previous page")
        self.next_button = widgets.Button(description="Next page", tooltip="Next page")
        self.page_number = widgets.BoundedIntText(value=1, min=1, max=1, description="Page")
        self.page_label = widgets.Label()
        self.table = widgets.HTML()
        self.row_select = widgets.Select(
            description="Child", rows=min(self.page_size, 10), layout=widgets.Layout(width="auto")
        )
        self.detail = widgets.HTML()
        # No decision is chosen until the officer chooses one, and none stays chosen after a
        # save: a default would be recorded by anyone pressing the button without reading.
        self.decision = widgets.RadioButtons(
            options=[(decision_label(d).capitalize(), d) for d in DECISIONS],
            value=None,
            description="Decision",
            layout=widgets.Layout(width="auto"),
        )
        self.decision_hints = widgets.HTML(_decision_hints())
        # continuous_update=False: the text reaches the kernel when the field is left, never
        # after a button click that was sent first (typing fast then pressing Enter).
        needed = " and ".join(decision_label(d) for d in REASON_REQUIRED)
        self.reason_text = widgets.Textarea(
            description=f"Reason (required for {needed})",
            style=_WIDE,
            rows=4,
            layout=widgets.Layout(width="100%"),
            continuous_update=False,
        )
        self.reviewer = widgets.Text(
            value=reviewer or "",
            description="Your name",
            disabled=bool(reviewer),
            style=_WIDE,
            continuous_update=False,
        )
        self.record_button = widgets.Button(
            description="Record decision", button_style="primary", tooltip="Record decision"
        )
        # What a click will record, as the kernel holds it. The browser may hold back a
        # control's change while an earlier message is unanswered (a busy kernel), but sends
        # a click at once: this line shows the officer (and the tests) what the kernel has.
        self.ready = widgets.HTML()
        self.heading = widgets.HTML()
        self.error = widgets.HTML()
        self.status = widgets.HTML()
        self.progress_bar = widgets.IntProgress(min=0, max=1, description="Reviewed")
        self.progress_label = widgets.Label()
        self.not_listed = widgets.HTML(not_listed_html(self._not_listed))

    def _layout(self) -> widgets.VBox:
        filters = [self.find, self.tier, self.reason, self.area, self.funded]
        return widgets.VBox(
            [
                widgets.HTML(PANEL_STYLE),
                self.heading,
                self.error,
                widgets.HTML("<h2>Find children</h2>"),
                widgets.HBox(filters, layout=widgets.Layout(flex_flow="row wrap")),
                widgets.HBox([self.undecided_only, self.sort]),
                widgets.HBox(
                    [self.previous_button, self.page_number, self.next_button, self.page_label]
                ),
                self.table,
                self.row_select,
                self.detail,
                widgets.HTML("<h2>Your decision</h2>"),
                self.reviewer,
                self.decision,
                self.decision_hints,
                self.reason_text,
                self.ready,
                self.record_button,
                self.status,
                widgets.HBox([self.progress_bar, self.progress_label]),
                self.not_listed,
            ],
            layout=widgets.Layout(width="100%"),
        )

    def _connect(self) -> None:
        for control in (
            self.tier,
            self.reason,
            self.area,
            self.undecided_only,
            self.funded,
            self.find,
            self.sort,
        ):
            control.observe(self._on_filter_change, names="value")
        # A name given shows who the children are (table, Child box, details); none hides it.
        self.reviewer.observe(lambda _: self._refresh(), names="value")
        self.page_number.observe(self._on_page_number, names="value")
        self.row_select.observe(self._on_row_select, names="value")
        self.previous_button.on_click(lambda _: self.page(self._page - 1))
        self.next_button.on_click(lambda _: self.page(self._page + 1))
        self.record_button.on_click(self._on_record_click)
        self.decision.observe(self._on_form_change, names="value")
        self.reason_text.observe(self._on_form_change, names="value")

    def _on_form_change(self, _change: dict[str, Any]) -> None:
        if not self._syncing:
            self._just_recorded = None  # the officer is choosing again
        self._render_ready()

    def _on_record_click(self, _button: Any) -> None:
        """'Record decision' pressed: record what the form holds, except that a click arriving
        just after a decision was recorded, with nothing chosen since (the second click of a
        double-click), does nothing: the "Recorded ..." line stays in view, no error shown."""
        nothing_chosen = self.decision.value is None and not (self.reason_text.value or "").strip()
        if nothing_chosen and self._just_recorded is not None:
            return
        self.record(self.decision.value, self.reason_text.value)

    def _clear_form(self) -> None:
        """No decision chosen, no reason: what the form holds for a child the officer has just
        come to (set quietly: this is not the officer choosing)."""
        with self._quietly():
            self.decision.value, self.reason_text.value = None, ""

    def _move_to(self, item_key: str | None) -> None:
        """Make `item_key` (or none) the selected child. The form is for one child: a choice
        not yet recorded (a decision, a reason) is cleared, and the officer told, whenever
        the selected child changes, so it is never recorded against another child."""
        if item_key == self._selected:
            return
        previous, self._selected, self._confirming = self._selected, item_key, None
        decision, reason = self.decision.value, (self.reason_text.value or "").strip()
        if decision is None and not reason:
            return
        self._clear_form()
        chosen = decision_label(decision) if decision else "no decision"
        because = f", reason \u201c{reason}\u201d" if reason else ""
        about = f" for {_who(self._row(previous))}" if previous is not None else ""
        self.status.value = (
            f'<p class="wb-inset" role="status">Your unrecorded choice{_escape(about)} '
            f"({_escape(chosen)}{_escape(because)}) was cleared when you moved to another "
            "child: nothing was recorded. Choose again for the child you are on.</p>"
        )

    def _render_ready(self) -> None:
        """Say what 'Record decision' would record now."""
        if self._selected is None:
            self.ready.value = ""
            return
        reason = (self.reason_text.value or "").strip()
        because = f", reason: \u201c{_escape(reason)}\u201d" if reason else ", no reason given"
        if self.decision.value is None:
            self.ready.value = (
                f'<p aria-live="polite">To record: no decision chosen yet for '
                f"{_escape(self._row_name())}.</p>"
            )
            return
        warned = (
            " Not on the offer's later list: you will be asked to check before it is saved."
            if self.not_on_later_list(self._selected)
            else ""
        )
        self.ready.value = (
            f'<p aria-live="polite">To record: <strong>'
            f"{_escape(decision_label(self.decision.value))}</strong> for "
            f"{_escape(self._row_name())}{because}.{warned}</p>"
        )

    def _reasons_source(
        self, rule_set: RuleSet | str | None, as_of: date | None
    ) -> tuple[RuleSet | None, date]:
        """The rule set and date the reasons are worded from; the panel still works without."""
        day = as_of or date.today()
        self.title = self._details.title if self._details else "Review a candidate list"
        try:
            stored = self.store.lists().filter(pl.col("list_id") == self.list_id)
            if stored.is_empty():
                raise WorkbenchError(f"no list {self.list_id!r} in the review store")
            if self._details is None:
                initiative = stored["initiative"][0]
                self.title = INITIATIVE_NAMES.get(initiative, initiative.replace("_", " "))
            if as_of is None:
                day = date.fromisoformat(stored["created_at"][0][:10])
            if isinstance(rule_set, RuleSet):
                return rule_set, day
            return load_rule_set(rule_set or stored["initiative"][0]), day
        except (WorkbenchError, sqlite3.Error) as error:
            self._show_error(f"{error}; reasons are shown as codes")
            return (rule_set if isinstance(rule_set, RuleSet) else None), day

    def _offer_decisions(self) -> None:
        """Offer only the decisions with a next step for the list's offer
        (`workbench.review.offers.offered_decisions`): no ``check`` where DfE's services do not
        check it, no record-link decisions where no link can await review. Every decision is
        offered for a list the store does not hold. Also what the list's workbook shows
        (`workbench.review.excel.workbook_layout`), whose columns the child's summary follows,
        and what ``already_funded`` means on the offer (`already_funded_words`)."""
        stored = self.store.lists().filter(pl.col("list_id") == self.list_id)
        initiative = self._rule_set.id if self._rule_set else None
        if not stored.is_empty():
            initiative = stored["initiative"][0]
        dwp_rows = self._frame["dwp_record_id"].is_not_null().any()
        # What the workbook of the list shows, whose rules the child's summary follows.
        self._workbook = (
            workbook_layout(initiative, self._rule_set, bool(dwp_rows)) if initiative else None
        )
        self._funded_meaning = already_funded_words(initiative) if initiative else None
        self._shows_funded = self._workbook is None or "already_funded" in self._workbook.locked
        self._shows_link = self._workbook is None or self._workbook.dwp_links
        if self._funded_meaning:  # yes on every row, or never known: nothing to filter by
            self.funded.layout.display = "none"
        self.offered = (
            offered_decisions(initiative, self._rule_set, bool(dwp_rows))
            if initiative
            else DECISIONS
        )
        if self.offered != DECISIONS:
            self.decision.options = [(decision_label(d).capitalize(), d) for d in self.offered]
            self.decision.value = None  # none is chosen until the officer chooses one
        if initiative:  # each decision's meaning for the offer, as the workbook says it
            self.decision_hints.value = _decision_hints(self.offered, decision_meanings(initiative))

    def _later_list(self) -> LaterList | None:
        """The offer's later list, if one is in the store (`workbench.review.lists.later_list`);
        the panel still works without."""
        try:
            return later_list(self.store, self.list_id)
        except (WorkbenchError, sqlite3.Error) as error:
            self._show_error(f"{error}; whether a later list of this offer exists is not known")
            return None

    def not_on_later_list(self, item_key: str | None) -> bool:
        """Whether the child is missing from the offer's later list (False when none exists)."""
        return self._later is not None and item_key in self._later.not_on_it

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Change widgets without their observers acting on it."""
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    # --- filters and pages ------------------------------------------------------------------
    def apply_filters(
        self,
        tier: str | None = None,
        reason: str | None = None,
        area: str | None = None,
        undecided_only: bool = False,
        sort: str = "tier",
        funded: str | None = None,
        name: str | None = None,
    ) -> pl.DataFrame:
        """Filter and sort the list (None means no filter), go to page 1; return the rows.

        ``funded`` is ``"yes"`` (already funded), ``"no"`` (known not to be) or, when the
        list's headcount held no places for the term (``places_not_known``), ``"not_known"``
        instead of ``"no"`` (`funded_choices`); ``name`` finds a child by name.
        """
        wanted = {"tier": tier, "reason": reason, "area": area, "sort": sort, "funded": funded}
        controls = {
            "tier": self.tier,
            "reason": self.reason,
            "area": self.area,
            "sort": self.sort,
            "funded": self.funded,
        }
        for control, value in wanted.items():
            allowed = [v for _, v in controls[control].options]
            if (value or ALL) not in allowed:
                shown = ", ".join(repr(v) for v in allowed if v != ALL)
                raise UsageError(f"{control} must be one of {shown} (or None); got {value!r}")
        with self._quietly():
            for control, value in wanted.items():
                controls[control].value = value or ALL
            self.undecided_only.value = bool(undecided_only)
            self.find.value = name or ""
        self._read_filters()
        self._page = 1
        self._refresh()
        return self.visible()

    def _read_filters(self) -> None:
        self._filters = {
            "tier": self.tier.value or None,
            "reason": self.reason.value or None,
            "area": self.area.value or None,
            "undecided_only": bool(self.undecided_only.value),
            "funded": self.funded.value or None,
            "name": self.find.value.strip() or None,
            "sort": self.sort.value,
        }

    def _on_filter_change(self, _change: dict[str, Any]) -> None:
        if not self._syncing:
            self._read_filters()
            self._page = 1
            self._refresh()

    def visible(self) -> pl.DataFrame:
        """Every row that passes the filters, in order (all pages), with its ``item_key``."""
        return self._visible.drop("_row", "_tier_rank", "_reasons", "_search")

    @property
    def page_count(self) -> int:
        return max(1, -(-self._visible.height // self.page_size))

    def page_rows(self) -> pl.DataFrame:
        """The rows of the current page, with each row's latest ``decision`` on this list."""
        rows = self.visible().slice((self._page - 1) * self.page_size, self.page_size)
        return rows.join(self._latest, on="item_key", how="left", maintain_order="left")

    def page(self, n: int) -> pl.DataFrame:
        """Show page ``n`` (1 is the first; out of range goes to the first or last page)."""
        self._page = min(max(1, int(n)), self.page_count)
        self._render_page()
        return self.page_rows()

    def _on_page_number(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.page(change["new"])

    def _refresh(self) -> None:
        """Re-filter (the decisions may have changed), re-render the page and the progress."""
        self._visible = filter_and_sort(
            self._rows(),
            self._latest["item_key"],
            **self._filters,
            places_not_known=self._places_not_known,
        )
        self._page = min(self._page, self.page_count)
        self._render_page()
        self._render_progress()

    def _render_page(self) -> None:
        rows = self.page_rows()
        keys = rows["item_key"].to_list()
        if self._selected not in keys:
            self._move_to(None)  # never a child the officer did not pick
        with self._quietly():
            self.page_number.max = self.page_count
            self.page_number.value = self._page
            self.row_select.options = [
                (_option_text(r, self._labels), r["item_key"]) for r in rows.iter_rows(named=True)
            ]
            self.row_select.value = self._selected
        self.previous_button.disabled = self._page <= 1
        self.next_button.disabled = self._page >= self.page_count
        self.page_label.value = _page_words(
            self._page, self.page_count, self.page_size, self._visible.height, self._frame.height
        )
        self.table.value = page_table_html(
            rows,
            self._selected,
            self._has_area,
            self._labels,
            self._places_not_known,
            self._shows_funded,
            self._shows_link,
        ) + self._unnamed_search_note(rows)
        self._render_detail()

    def _unnamed_search_note(self, rows: pl.DataFrame) -> str:
        """Why a search by name found no one, while the officer is not named."""
        if not rows.is_empty() or not self._filters.get("name") or self._details is None:
            return ""
        if self._shown() is not None:
            return ""
        return (
            "<p class='wb-inset'>Children are found by name once your name is in "
            "‘Your name’ (every view of a child's details is recorded with your "
            "name); until then, by their ids.</p>"
        )

    # --- the selected row --------------------------------------------------------------------
    def select(self, item_key: str) -> None:
        """Show one row's details; a visible row's page is shown too."""
        position = self._visible["item_key"].index_of(item_key)
        if position is None and self._frame["item_key"].index_of(item_key) is None:
            raise UsageError(f"item {item_key!r} is not on this list; expected a row's item_key")
        self._move_to(item_key)
        self._just_recorded = None
        if position is not None:
            self.page(position // self.page_size + 1)
        else:
            with self._quietly():
                self.row_select.value = None
            self._render_detail()

    def _on_row_select(self, change: dict[str, Any]) -> None:
        if not self._syncing and change["new"] is not None:
            self._move_to(change["new"])
            self._just_recorded = None
            self.table.value = page_table_html(
                self.page_rows(),
                self._selected,
                self._has_area,
                self._labels,
                self._places_not_known,
                self._shows_funded,
                self._shows_link,
            )
            self._render_detail()

    def _render_detail(self) -> None:
        self._render_ready()
        if self._selected is None:
            self.detail.value = "<p>Select a child to see who they are and why they are listed.</p>"
            return
        row = self._row(self._selected)
        # The workbook's own words (its `reasons` cell): the group and age group first.
        reasons = why_listed_lines(
            row["reason_codes"],
            self._rule_set,
            self._as_of,
            row["tier"],
            row["eligibility_group"] or "",
            row["age_group"] or "",
        )
        later = (
            f"<p class='wb-caution wb-later-list'>{_escape(self._later.caution())}.</p>"
            if self._later is not None and self.not_on_later_list(self._selected)
            else ""
        )
        parts = [
            f"<h2 class='wb-child'>{_escape(_who(row))}</h2>",
            later,
            self._who_html(row),
            "<h3>Why listed</h3><ul>" + "".join(f"<li>{_escape(r)}</li>" for r in reasons),
            "</ul><h3>Evidence</h3><ul>"
            + (
                "".join(
                    f"<li>{_escape(p)}</li>"
                    for p in evidence_lines(row["evidence"], self._rule_set, self._shown())
                )
                or "<li>none recorded</li>"
            )
            + "</ul>",
            f"<h3>Record link</h3><p>{_escape(record_link_text(row, *self._link_words(row)))}</p>",
            _codes_html(row),
        ]
        try:
            self._shown_upto = self.store.last_seq()  # before the decisions shown are read
            here = self.store.decisions(self.list_id, [self._selected])
            # Other lists' too, a later one's (a re-run's) as well: its outcome would stand.
            others = self.store.earlier_decisions([self._selected])
            others = others.filter(pl.col("list_id") != self.list_id)
            parts.append(_decisions_html("Decisions on this list", here, with_list=False))
            parts.append(_decisions_html("Decisions on other lists", others, True))
            if dwp := self._dwp_keys.get(self._selected):
                as_row = self.store.earlier_decisions([dwp], before_list_id=self.list_id)
                if not as_row.is_empty():
                    title = "Earlier decisions about its DWP-list row (listed on its own then)"
                    parts.append(_decisions_html(title, as_row, True))
            # From every list of the offer, as the decisions: a re-run's list shows the
            # checks made from the first.
            checks = self.store.initiative_check_results(self.list_id, [self._selected])
            group = self._row(self._selected).get("eligibility_group")
            parts.append(_checks_html(checks, self.list_id, group))
        except (WorkbenchError, sqlite3.Error) as error:
            self._show_error(str(error))
        self.detail.value = "".join(parts)

    def _link_words(self, row: dict[str, Any]) -> tuple[str | None, str | None]:
        """The proposed match and the link's note (`ChildDetails.link_note`) in words, once
        the officer's name is known (the view of the row's details, logged by `_who_html`,
        covers it)."""
        shown = self._shown()
        if shown is None:
            return None, None
        return shown.probable_match(row["item_key"]), shown.link_note(row["item_key"])

    def _shown(self) -> ChildDetails | None:
        """The details, once the officer's name is known (each view is logged with it)."""
        return self._details if names_someone(self._name()) else None

    def _name(self) -> str:
        """The reviewer's name: given or fixed (`_reviewer`), else as typed so far."""
        return self._reviewer or self.reviewer.value.strip()

    def _who_html(self, row: dict[str, Any]) -> str:
        """Who the child is, as a summary list; each showing is recorded as a view."""
        known = [
            ("Tier", row["tier"]),
            (
                "Could be eligible from",
                long_date(row["eligible_from"]) or "a date not recorded",
            ),
        ]
        # As the workbook's columns (`workbook_layout`): already funded only where the rules
        # read funded places, said as the offer means it; a working-parent place only where
        # it does not make a child already funded (the two-year-old offer).
        if self._shows_funded:
            known.append(("Already funded", self._funded_words(row["already_funded"], long=True)))
        if self._workbook is None or "working_parent_place" in self._workbook.locked:
            known.append(
                (
                    "Working-parent place",
                    "yes (still listed: the disadvantaged 15 hours come first)"
                    if row["working_parent_place"]
                    else "no",
                )
            )
        if self._details is None:
            return _summary_list(known)
        name = self._name()
        if not name:
            return (
                "<p class='wb-inset'>Enter your name in ‘Your name’ to see who the "
                "child is: every view of a child's details is recorded with your name.</p>"
                + _summary_list(known)
            )
        if not names_someone(name):
            return (
                f"<p class='wb-inset'>‘{_escape(name)}’ in ‘Your name’ is not a person's "
                f"name; {NAME_WANTED}, to see who the child is: every view of a "
                "child's details is recorded with your name.</p>" + _summary_list(known)
            )
        details = self._details.row(row["item_key"]) or {}
        self._log_view(name, row)
        term = long_date(self._details.term_start)
        who = [
            ("Name", details.get("child_name")),
            ("Date of birth", long_date(details.get("date_of_birth"))),
            (f"Age on {term}" if term else "Age", details.get("age")),
            ("Parents or carers", details.get("parent_carers") or "none recorded"),
            ("Address", details.get("address")),
            ("Postcode", details.get("postcode")),
            ("Area (postcode district)", details.get("postcode_district")),
            ("Other children in the household", details.get("household_children")),
            ("Known from", details.get("known_from")),
        ]
        return _summary_list(who + known)

    def _funded_words(self, funded: bool | None, long: bool = False) -> str:
        """ "Already funded" in words: not known when the headcount held no places for the term."""
        if long and funded and self._funded_meaning:  # a place is the offer's condition
            return self._funded_meaning
        if funded:
            return "yes, a funded place this term" if long else "yes"
        if self._places_not_known:
            return f"not known: {PLACES_NOT_KNOWN_SHORT}" if long else "not known"
        return "no"

    def _log_view(self, name: str, row: dict[str, Any]) -> None:
        """Record a view of the child's details once each time the officer comes to them."""
        if self._viewing == (name, row["item_key"]):
            return
        try:
            self.store.log_access(name, VIEW_COMMAND, view_detail(self.list_id, row))
            self._viewing = (name, row["item_key"])
        except (WorkbenchError, sqlite3.Error) as error:
            self._show_error(str(error))

    # --- decisions and progress --------------------------------------------------------------
    def record(self, decision: str | None, reason: str | None = None) -> Decision | None:
        """Record a decision about the selected row by the panel's reviewer, then clear the
        form (no decision chosen, no reason) for the next child.

        Returns the stored decision, or None when nothing was recorded: every problem (no row
        selected, no reviewer, no decision chosen, a missing reason, the store refusing) is
        shown in the panel's error summary, never raised.
        """
        self.error.value = ""
        reason = (reason or "").strip() or None
        name = self._name()
        problems = []
        if self._selected is None:
            problems.append("Select a child first: no child is selected.")
        if not name:
            problems.append("Enter your name in ‘Your name’: every decision records who made it.")
        elif not names_someone(name):
            problems.append(
                f"‘{name}’ in ‘Your name’ is not a person's name; {NAME_WANTED}: every decision "
                "records who made it."
            )
        if decision is None:
            problems.append("Choose a decision: none is chosen until you choose one.")
        elif decision not in self.offered:
            problems.append(
                f"Choose another decision: {decision_label(decision)} has no next step for "
                f"this offer ({_no_next_step(decision)}), so it is not offered here."
            )
        elif reason is not None and reason_too_long(reason):
            problems.append(f"Shorten the reason: it {too_long_message(reason)}.")
        elif decision in REASON_REQUIRED and not says_why(reason):
            problems.append(
                f"Say why in Reason, in words: a {decision_label(decision)} decision needs a "
                "reason." + (f" ‘{reason}’ says nothing about why." if reason else "")
            )
        if decision in LINK_DECISIONS and decision in self.offered and self._selected is not None:
            row = self._frame.row(self._frame["item_key"].index_of(self._selected), named=True)
            if not row["link_needs_review"]:
                problems.append(
                    f"Choose an outcome: {decision_label(decision)} is for a DWP-list row whose "
                    "record link awaits review, and this child's has none to confirm or reject."
                )
        if problems:
            self._show_error(*problems)
            return None
        assert self._selected is not None and decision is not None  # else a problem above
        if self._unconfirmed(self._selected, decision):
            return None
        overridden: dict[str, Any] | None = None
        try:
            # Checked and recorded in one write transaction, as a workbook's import is: no
            # decision can land between the check and the write it allows.
            with self.store.write_transaction():
                overridden = self._decided_since_shown(decision, name)
                already = None if overridden else self._already_recorded(decision, reason, name)
                if overridden is None and already is None:
                    self._log_open(name)
                    recorded = self.store.record_decision(
                        self.list_id, self._selected, decision, name, reason
                    )
        except (WorkbenchError, sqlite3.Error) as error:
            self._show_error(str(error))
            return None
        if overridden is not None:
            self._render_detail()  # shows the decision, and counts it as seen from now on
            elsewhere = overridden["list_id"] != self.list_id
            where = " on another list of this offer" if elsewhere else ""
            self._show_error(
                f"{overridden['reviewer']} recorded {decision_label(overridden['decision'])} "
                f"for this child at {overridden['decided_at'][11:16]} on "
                f"{overridden['decided_at'][:10]}{where}, after their details were shown here; "
                "nothing was recorded. Read it below, then choose again if you still want "
                "to record a decision."
            )
            return None
        self._reviewer = name  # entered once per session: the page cannot change it now
        self.reviewer.value, self.reviewer.disabled = name, True
        self._clear_form()  # the next child starts blank
        self._just_recorded = self._selected
        if already is not None:
            self.status.value = (
                f'<p class="wb-success" role="status">Already recorded: '
                f"{_escape(decision_label(decision))} for {_escape(self._row_name())} by "
                f"{_escape(already['reviewer'])} at {_escape(already['decided_at'][11:16])} on "
                f"{_escape(already['decided_at'][:10])}, with the same reason; nothing new was "
                "recorded.</p>"
            )
            self._render_ready()
            return None
        self.status.value = (
            f'<p class="wb-success" role="status">Recorded {_escape(decision_label(decision))} '
            f"for {_escape(self._row_name())} by {_escape(name)}.</p>"
        )
        self._load_latest()
        self._refresh()
        return recorded

    def _unconfirmed(self, item_key: str, decision: str) -> bool:
        """Warn, once, before a decision about a child the offer's later list does not hold is
        saved (their circumstances may have changed since): True when warned now and nothing
        is to be recorded. Pressing 'Record decision' again with the same decision records it:
        not refused, since an officer may have reasons."""
        if not self.not_on_later_list(item_key) or self._confirming == (item_key, decision):
            self._confirming = None
            return False
        assert self._later is not None  # else the child is on no later list
        self._confirming = (item_key, decision)
        self.error.value = error_summary(
            [
                f"{self._row_name()} is not on the offer's later {self._later.named}: their "
                "circumstances may have changed since (a benefit ended, a family moved). "
                f"Nothing was recorded. Check before deciding; to record "
                f"{decision_label(decision)} all the same, press ‘Record decision’ again."
            ],
            title="Check before recording",
        )
        return True

    def _already_recorded(
        self, decision: str, reason: str | None, reviewer: str
    ) -> dict[str, Any] | None:
        """The selected child's latest decision of `decision`'s kind on this list when it is
        this very decision, with this reason, by this reviewer (a second click, a second
        press after a pause): recording it again would add nothing, so it is not recorded,
        as a workbook imported twice records nothing twice. None otherwise."""
        assert self._selected is not None
        here = self.store.decisions(self.list_id, [self._selected])
        kind = here.filter(pl.col("decision").is_in(decision_kind(decision)))
        if kind.is_empty():
            return None
        last = kind.row(-1, named=True)
        same = (last["decision"], last["reason"]) == (decision, reason)
        return last if same and same_reviewer(last["reviewer"], reviewer) else None

    def _decided_since_shown(self, decision: str, reviewer: str) -> dict[str, Any] | None:
        """The last decision about the selected child, recorded since its details were shown,
        that `decision` by `reviewer` would silently override: one of its kind (an outcome, or
        the record link) by anyone, or any by someone else; None when there is none."""
        assert self._selected is not None
        since = self.store.decided_since(self.list_id, [self._selected], self._shown_upto)
        kind = decision_kind(decision)
        found = [
            row
            for row in since.iter_rows(named=True)
            if row["decision"] in kind or not same_reviewer(row["reviewer"], reviewer)
        ]
        return found[-1] if found else None

    def _row_name(self) -> str:
        assert self._selected is not None
        return _who(self._row(self._selected))

    def _rows(self) -> pl.DataFrame:
        """The list as it may be shown now: with the children's names and ages once the
        officer is named (`_shown`), without them before."""
        return self._frame if self._shown() is not None else self._frame_unnamed

    def _row(self, item_key: str) -> dict[str, Any]:
        """One row of `_rows`, by its item key."""
        rows = self._rows()
        return rows.row(rows["item_key"].index_of(item_key), named=True)

    def _log_open(self, name: str) -> None:
        if name not in self._logged:
            try:
                self.store.log_access(name, "review-panel", f"list {self.list_id}")
                self._logged.add(name)
            except (WorkbenchError, sqlite3.Error) as error:
                self._show_error(str(error))

    def _load_latest(self) -> None:
        try:
            # The outcome: a child whose only decision is about its DWP-list link is still
            # undecided (and shown as such, and kept by "undecided only").
            latest = self.store.latest_decisions(self.list_id, among=OUTCOME_DECISIONS)
            self._latest = latest.select("item_key", "decision")
        except (WorkbenchError, sqlite3.Error) as error:
            self._show_error(str(error))

    def _progress(self) -> dict[str, Any] | None:
        try:
            return self.store.progress(self.list_id)
        except (WorkbenchError, sqlite3.Error) as error:
            self._show_error(str(error))
            return None

    def progress_text(self) -> str:
        """``"12 of 60 decided, 48 undecided"`` from the store."""
        return _progress_sentence(self._progress())

    def _render_progress(self) -> None:
        counts = self._progress()
        if counts is not None:
            self.progress_bar.max = max(1, counts["decided"] + counts["undecided"])
            self.progress_bar.value = counts["decided"]
        self.progress_label.value = _progress_sentence(counts)

    def _show_error(self, *messages: str) -> None:
        self.error.value = error_summary(messages)


def _page_words(page: int, pages: int, size: int, shown: int, listed: int) -> str:
    """Where the page is, in words: the rows it shows of those the filters keep, and of how
    many on the list when the filters keep fewer.

    >>> _page_words(2, 96, 25, 2389, 2389)
    'Page 2 of 96 · rows 26 to 50 of 2,389'
    >>> _page_words(1, 3, 25, 60, 2389)
    'Page 1 of 3 · rows 1 to 25 of 60 that match (2,389 on the list)'
    >>> _page_words(1, 1, 25, 1, 6), _page_words(1, 1, 25, 6, 6)
    ('Page 1 of 1 · 1 row that matches (6 on the list)', 'Page 1 of 1 · 6 rows')
    >>> _page_words(1, 1, 25, 0, 60)
    'Page 1 of 1 · no rows match (60 on the list)'
    """
    where = f"Page {page} of {pages} · "
    of_list = f" ({listed:,} on the list)"
    if shown == 0:
        return where + "no rows match" + of_list
    if pages == 1:
        rows = f"{shown:,} row{'s' if shown != 1 else ''}"
        match = " that matches" if shown == 1 else " that match"
    else:
        first, last = (page - 1) * size + 1, min(page * size, shown)
        rows, match = f"rows {first:,} to {last:,} of {shown:,}", " that match"
    return where + rows + ("" if shown == listed else match + of_list)


def _progress_sentence(counts: dict[str, Any] | None) -> str:
    if counts is None:
        return "progress unknown (see the error above)"
    total = counts["decided"] + counts["undecided"]
    return f"{counts['decided']} of {total} decided, {counts['undecided']} undecided"


PANEL_STYLE = """<style>
.wb-title { font-size: 2rem; margin: 0 0 0.5em; }
.wb-review { border-collapse: collapse; width: 100%; }
.wb-review th, .wb-review td { border-bottom: 1px solid #b1b4b6; padding: 0.4em 0.6em;
  text-align: left; vertical-align: top; }
.wb-review caption { text-align: left; font-weight: bold; }
.wb-current { background: #f3f2f1; font-weight: bold; }
dl.wb-summary-list { display: grid !important; grid-template-columns: minmax(12em, 30%) 1fr;
  margin: 0 0 1em; max-width: 60em; }
dl.wb-summary-list > dt, dl.wb-summary-list > dd { display: block !important; float: none;
  width: auto; border-bottom: 1px solid #b1b4b6; margin: 0; padding: 0.4em 0.6em 0.4em 0; }
.wb-summary-list dt { font-weight: bold; }
.wb-error-summary { border: 5px solid #d4351c; padding: 1em; margin: 0 0 1em; color: #0b0c0c; }
.wb-error-summary h2 { margin-top: 0; font-size: 1.5rem; }
.wb-error-summary li { color: #d4351c; font-weight: bold; }
.wb-error-summary:focus { outline: 3px solid #ffdd00; outline-offset: 0; }
.wb-success { border-left: 5px solid #00703c; padding-left: 0.6em; }
.wb-inset { border-left: 5px solid #b1b4b6; padding-left: 0.6em; }
/* GOV.UK's warning text: the rules the whole list rests on, read before any child. */
.wb-caution { border-left: 5px solid #0b0c0c; padding: 0.4em 0.6em; font-weight: bold;
  max-width: 60em; color: #0b0c0c; }
.widget-radio-box label { font-size: 1.05rem; padding: 0.2em 0; }
.wb-hints { margin: 0; color: #505a5f; }
/* A visible focus (GOV.UK's yellow and black) on every control, by keyboard or mouse. */
body :focus, #rendered_cells :focus, #rendered_cells input:focus, #rendered_cells textarea:focus {
  outline: 3px solid #ffdd00 !important; outline-offset: 0;
  box-shadow: 0 0 0 3px #ffdd00, 0 0 0 6px #0b0c0c !important; }
</style>"""
"""The panel's look (GOV.UK Design System colours and patterns), inline: nothing is fetched."""


def error_summary(messages: tuple[str, ...] | list[str], title: str = "There is a problem") -> str:
    """GOV.UK's error summary: a box headed "There is a problem" (or `title`: "Check before
    recording" for a warning that asks to be confirmed), announced at once by screen readers
    (``role="alert"``); the review app moves the focus to it.

    Examples
    --------
    >>> "There is a problem" in error_summary(["Choose a decision"])
    True
    >>> error_summary([])
    ''
    """
    if not messages:
        return ""
    items = "".join(f"<li>{_escape(m)}</li>" for m in messages)
    return (
        '<div class="wb-error-summary" role="alert" tabindex="-1" '
        'aria-labelledby="wb-error-summary-title">'
        f'<h2 id="wb-error-summary-title">{_escape(title)}</h2>'
        f"<ul>{items}</ul></div>"
    )


def _decision_hints(
    decisions: tuple[str, ...] = DECISIONS, meanings: Mapping[str, str] = DECISION_MEANINGS
) -> str:
    items = "".join(
        f"<li><strong>{_escape(decision_label(d).capitalize())}</strong>: "
        f"{_escape(meanings.get(d, ''))}</li>"
        for d in decisions
    )
    return f'<ul class="wb-hints" aria-label="What each decision means">{items}</ul>'


def _no_next_step(decision: str) -> str:
    """Why `decision` is not offered on a list (`workbench.review.offers.offered_decisions`)."""
    if decision == "check":
        return "DfE's eligibility checking services do not check it: `check export` refuses it"
    return "it never reads the DWP list, so no record link awaits review on it"


def _summary_list(rows: list[tuple[str, Any]]) -> str:
    """GOV.UK's summary list: a term and its value per row."""
    items = "".join(
        f"<dt>{_escape(term)}</dt><dd>{_escape(value) or 'not recorded'}</dd>"
        for term, value in rows
    )
    return f'<dl class="wb-summary-list">{items}</dl>'


def _codes_html(row: dict[str, Any]) -> str:
    """The codes and ids behind the words, for analysts, folded away."""
    codes = ", ".join(row["reason_codes"]) or "none"
    ids = ", ".join(
        f"{name} {row[name]}" for name in ("person_id", "dwp_record_id") if row.get(name)
    )
    return (
        "<details><summary>Codes for analysts</summary>"
        f"<p>Reason codes: {_escape(codes)}. {_escape(ids)}.</p>"
        f"<p>Evidence as written: {_escape(row['evidence'] or 'none')}</p></details>"
    )


def _option_text(row: dict[str, Any], labels: dict[str, str]) -> str:
    """A child in the Child list: name and age when known, else the id; tier and reasons."""
    who = _who(row) + (f", {row['age']}" if row.get("age") else "")
    reasons = "; ".join(labels.get(code, code) for code in row["reason_codes"])
    return f"{who} \u00b7 {row['tier']}" + (f" \u00b7 {reasons}" if reasons else "")
