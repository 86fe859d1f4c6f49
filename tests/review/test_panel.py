"""The review panel driven as an officer would, without a browser: widget values set, buttons
clicked, and the store read back."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import ipywidgets as widgets
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.errors import UsageError
from workbench.review import ReviewStore, pseudonym
from workbench.review.lists import register_list
from workbench.review.panel import ReviewPanel
from workbench.rules import load_rule_set

KEY = bytes(range(32))
EVIDENCE = pl.List(
    pl.Struct(
        {f: pl.String for f in ("reason_code", "table", "record_id", "parent_carer_id", "status")}
    )
)
DATES = [date(2027, 1, 1), date(2026, 4, 1), date(2026, 9, 1)]  # by i % 3
AREAS = {1: "ZZ1 1AA", 2: "ZZ2 2BB", 3: "zz3 3cc"}  # rows 1-20, 21-40, 41-60


def reasons_of(i: int) -> list[str]:
    if i % 4 == 0:
        return []
    if i % 5 == 0:
        return ["dwp_list"]
    if i % 3 == 0:
        return ["ehc_plan", "income_support"]
    return ["income_support"]


def proof(i: int, code: str) -> dict[str, str | None]:
    if code == "dwp_list":
        return dict(reason_code=code, table="dwp_list", record_id=f"D{i}", parent_carer_id=None)
    if code == "ehc_plan":
        return dict(
            reason_code=code, table="child_statuses", record_id=f"S{i}", parent_carer_id=None
        )
    return dict(reason_code=code, table="benefits", record_id=f"A{i}", parent_carer_id=f"M{i}")


def sixty_children() -> pl.DataFrame:
    """Children P01..P60: every 4th possible (no reason), the rest likely with set reasons."""
    rows = range(1, 61)
    return pl.DataFrame(
        {
            "person_id": [f"P{i:02d}" for i in rows],
            "dwp_record_id": [None] * 60,
            "initiative": ["two_year_old"] * 60,
            "tier": ["possible" if i % 4 == 0 else "likely" for i in rows],
            "reason_codes": [reasons_of(i) for i in rows],
            "eligible_from": [DATES[i % 3] for i in rows],
            "already_funded": [i % 10 == 0 for i in rows],
            "evidence": [
                [proof(i, code) | {"status": "met"} for code in reasons_of(i)] for i in rows
            ],
            "link_needs_review": [False] * 60,
            "postcode": [AREAS[(i - 1) // 20 + 1] for i in rows],
        },
        schema_overrides={"evidence": EVIDENCE, "reason_codes": pl.List(pl.String)},
    )


def ids(*numbers: int) -> list[str]:
    return [f"P{i:02d}" for i in numbers]


def key_of(person_id: str) -> str:
    return pseudonym("person", person_id, KEY)


def ticking_clock() -> Callable[[], datetime]:
    moment = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)

    def now() -> datetime:
        nonlocal moment
        moment += timedelta(seconds=1)
        return moment

    return now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ReviewStore]:
    with ReviewStore(tmp_path / "review.sqlite", clock=ticking_clock()) as opened:
        yield opened


@pytest.fixture
def children() -> pl.DataFrame:
    return sixty_children()


@pytest.fixture
def list_id(store: ReviewStore, children: pl.DataFrame) -> str:
    return register_list(store, children, "r-2026-09", "two_year_old@2026.1", {}, KEY)


def open_panel(store, list_id, candidates, **options) -> ReviewPanel:
    options.setdefault("rule_set", "two_year_old")
    return ReviewPanel(store, list_id, candidates, key=KEY, **options)


@pytest.fixture
def panel(store: ReviewStore, list_id: str, children: pl.DataFrame) -> ReviewPanel:
    return open_panel(store, list_id, children, reviewer="A. Officer")


def table_rows(html_text: str) -> int:
    return len(re.findall(r'<tr class="wb-row[ "]', html_text))


def all_widgets(root: widgets.Widget) -> Iterator[widgets.Widget]:
    yield root
    for child in getattr(root, "children", ()):
        yield from all_widgets(child)


# --- filters, sorting, pages ---------------------------------------------------------------


def test_tier_filter_sorts_by_eligible_from_within_the_tier(panel: ReviewPanel) -> None:
    visible = panel.apply_filters(tier="possible")
    assert visible["person_id"].to_list() == ids(
        4, 16, 28, 40, 52, 8, 20, 32, 44, 56, 12, 24, 36, 48, 60
    )


def test_reason_filter_keeps_rows_holding_that_code(panel: ReviewPanel) -> None:
    visible = panel.apply_filters(reason="dwp_list")
    assert visible["person_id"].to_list() == ids(10, 25, 55, 5, 35, 50, 15, 30, 45)


def test_area_is_the_postcode_district_whatever_the_case(panel: ReviewPanel) -> None:
    assert [v for _, v in panel.area.options] == ["", "ZZ1", "ZZ2", "ZZ3"]
    visible = panel.apply_filters(reason="ehc_plan", area="ZZ3", sort="reason")
    assert visible["person_id"].to_list() == ids(42, 51, 54, 57)


def test_sort_by_eligible_from_pages_in_order(panel: ReviewPanel) -> None:
    panel.apply_filters(sort="eligible_from")
    first = panel.page(1)["person_id"].to_list()
    # 1 April: likely then possible; then the first five likely from 1 September.
    april_likely = ids(1, 7, 10, 13, 19, 22, 25, 31, 34, 37, 43, 46, 49, 55, 58)
    assert first == april_likely + ids(4, 16, 28, 40, 52) + ids(2, 5, 11, 14, 17)
    last = panel.page(3)["person_id"].to_list()
    assert last == ids(42, 45, 51, 54, 57, 12, 24, 36, 48, 60)
    assert panel.page_label.value == "Page 3 of 3 · rows 51 to 60 of 60"
    assert panel.next_button.disabled and not panel.previous_button.disabled


def test_sort_by_reason_puts_rows_without_a_reason_last(panel: ReviewPanel) -> None:
    visible = panel.apply_filters(sort="reason")["person_id"].to_list()
    assert visible[:9] == ids(5, 10, 15, 25, 30, 35, 45, 50, 55)
    assert visible[-15:] == ids(4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60)


def test_page_out_of_range_goes_to_the_nearest_page(panel: ReviewPanel) -> None:
    assert panel.page(99)["person_id"].len() == 10
    assert panel.page_number.value == 3
    assert panel.page(0)["person_id"].len() == 25
    assert panel.page_number.value == 1


def test_filter_widgets_drive_the_same_filter(panel: ReviewPanel) -> None:
    panel.tier.value = "likely"
    panel.reason.value = "dwp_list"
    assert panel.visible()["person_id"].to_list() == ids(10, 25, 55, 5, 35, 50, 15, 30, 45)
    assert table_rows(panel.table.value) == 9
    panel.next_button.click()  # one page only: stays on it
    assert panel.page_number.value == 1


def test_next_button_and_page_number_move_pages(panel: ReviewPanel) -> None:
    panel.next_button.click()
    # Tier sort: 15 likely from 1 April, then likely from 1 September (P02, P05, ... P41, ...)
    assert panel.page_rows()["person_id"].to_list()[:6] == ids(41, 47, 50, 53, 59, 3)
    panel.page_number.value = 3
    assert table_rows(panel.table.value) == 10
    assert panel.row_select.value is None  # no child is picked for the officer


def test_unknown_filter_values_are_refused_with_the_choices(panel: ReviewPanel) -> None:
    with pytest.raises(UsageError, match="tier must be one of 'likely', 'possible'"):
        panel.apply_filters(tier="maybe")
    with pytest.raises(UsageError, match="sort must be one of 'tier'"):
        panel.apply_filters(sort="name")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tier=st.sampled_from([None, "likely", "possible"]),
    reason=st.sampled_from([None, "dwp_list", "ehc_plan", "income_support"]),
    area=st.sampled_from([None, "ZZ1", "ZZ2", "ZZ3"]),
    sort=st.sampled_from(["tier", "eligible_from", "reason"]),
)
def test_pages_together_are_exactly_the_rows_the_filters_keep(
    panel: ReviewPanel, tier, reason, area, sort
) -> None:
    visible = panel.apply_filters(tier=tier, reason=reason, area=area, sort=sort)
    expected = {
        f"P{i:02d}"
        for i in range(1, 61)
        if (tier is None or ("possible" if i % 4 == 0 else "likely") == tier)
        and (reason is None or reason in reasons_of(i))
        and (area is None or AREAS[(i - 1) // 20 + 1].upper().startswith(area + " "))
    }
    paged = [pid for n in range(1, panel.page_count + 1) for pid in panel.page(n)["person_id"]]
    assert paged == visible["person_id"].to_list()
    assert set(paged) == expected and len(paged) == len(expected)
    sort_key = {
        "tier": pl.col("tier") == "possible",
        "eligible_from": pl.col("eligible_from"),
        "reason": pl.col("reason_codes").list.len() == 0,  # rows without a reason come last
    }[sort]
    assert visible.select(sort_key).to_series().is_sorted()


# --- recording decisions --------------------------------------------------------------------


def test_recording_through_the_widgets_writes_one_decision_by_the_reviewer(
    store: ReviewStore, list_id: str, children: pl.DataFrame
) -> None:
    panel = open_panel(store, list_id, children)
    assert panel.reviewer.value == "" and not panel.reviewer.disabled
    panel.reviewer.value = "B. Officer"
    panel.row_select.value = key_of("P07")
    panel.decision.value = "contact"
    panel.record_button.click()
    recorded = store.decisions(list_id)
    assert recorded.select("item_key", "decision", "reviewer", "reason").rows() == [
        (key_of("P07"), "contact", "B. Officer", None)
    ]
    assert panel.error.value == ""
    assert panel.reviewer.disabled  # entered once per session
    assert panel.progress_text() == "1 of 60 decided, 59 undecided"
    assert panel.progress_label.value == "1 of 60 decided, 59 undecided"
    assert (panel.progress_bar.value, panel.progress_bar.max) == (1, 60)
    assert "<td>contact</td>" in panel.table.value
    assert store.access_log().select("user", "command").rows() == [("B. Officer", "review-panel")]


def test_a_name_changed_behind_the_disabled_field_is_not_recorded(
    store: ReviewStore, list_id: str, children: pl.DataFrame
) -> None:
    # A signed-in reviewer's field is disabled in the browser, but a widget update sent over
    # the page's websocket still changes its value: the panel must not read it back.
    panel = open_panel(store, list_id, children, reviewer="A. Officer")
    assert panel.reviewer.disabled
    panel.reviewer.value = "Mallory"  # as a forged comm message would set it
    panel.select(key_of("P07"))
    panel.record("contact")
    # A name typed once is fixed by the first decision in the same way.
    typed = open_panel(store, list_id, children)
    typed.reviewer.value = "B. Officer"
    typed.select(key_of("P08"))
    typed.record("defer")
    typed.reviewer.value = "Mallory"
    typed.select(key_of("P09"))
    typed.record("defer")
    assert store.decisions(list_id)["reviewer"].to_list() == [
        "A. Officer",
        "B. Officer",
        "B. Officer",
    ]


def test_a_link_decision_on_a_child_without_a_link_awaiting_review_is_refused(
    store: ReviewStore, list_id: str, panel: ReviewPanel
) -> None:
    panel.select(key_of("P03"))
    assert panel.record("link_confirmed") is None
    assert (
        "Choose an outcome: link confirmed is for a DWP-list row whose record link awaits "
        "review, and this child&#x27;s has none to confirm or reject."
    ) in panel.error.value
    assert store.decisions(list_id).height == 0


def test_not_eligible_without_a_reason_shows_the_error_and_writes_nothing(
    store: ReviewStore, list_id: str, panel: ReviewPanel
) -> None:
    panel.select(key_of("P03"))
    panel.decision.value = "not_eligible"
    panel.reason_text.value = "   "
    panel.record_button.click()
    assert "Say why in Reason, in words: a not eligible decision needs a reason." in (
        panel.error.value
    )
    assert 'role="alert"' in panel.error.value and "There is a problem" in panel.error.value
    assert store.decisions(list_id).height == 0
    assert panel.progress_text() == "0 of 60 decided, 60 undecided"
    panel.reason_text.value = "Family moved out of the area"
    panel.record_button.click()
    assert panel.error.value == ""
    assert store.decisions(list_id)["reason"].to_list() == ["Family moved out of the area"]
    assert (panel.reason_text.value, panel.decision.value) == ("", None)  # ready for the next


def test_no_decision_is_chosen_until_the_officer_chooses_one(
    store: ReviewStore, list_id: str, panel: ReviewPanel
) -> None:
    assert panel.decision.value is None
    panel.select(key_of("P03"))
    assert "To record: no decision chosen yet for P03." in panel.ready.value
    panel.record_button.click()
    assert "Choose a decision: none is chosen until you choose one." in panel.error.value
    assert store.decisions(list_id).height == 0
    panel.decision.value = "contact"
    panel.record_button.click()
    assert panel.decision.value is None  # reset: the next child needs its own choice
    panel.select(key_of("P05"))
    panel.record_button.click()
    assert store.decisions(list_id)["item_key"].to_list() == [key_of("P03")]


def test_no_reviewer_name_shows_the_error_and_writes_nothing(
    store: ReviewStore, list_id: str, children: pl.DataFrame
) -> None:
    panel = open_panel(store, list_id, children)
    assert panel.record("contact") is None
    assert "Enter your name" in panel.error.value
    assert store.decisions(list_id).height == 0


@pytest.mark.parametrize("name", ["x", "1", " - "])
def test_a_typed_name_that_names_no_one_is_refused_in_the_panel(
    store: ReviewStore, list_id: str, children: pl.DataFrame, name: str
) -> None:
    panel = open_panel(store, list_id, children)
    panel.select(key_of("P01"))
    panel.reviewer.value = name
    assert panel.record("contact") is None
    assert (
        f"<li>\u2018{name.strip()}\u2019 in \u2018Your name\u2019 is not a person&#x27;s name; "
        "give your name as colleagues know it, e.g. &#x27;A. Officer&#x27;: every decision "
        "records who made it.</li>"
    ) in panel.error.value
    assert store.decisions(list_id).height == 0
    assert store.access_log().height == 0  # not even the panel's opening, under no name
    assert not panel.reviewer.disabled  # the officer can still type their name
    panel.reviewer.value = "Al"
    assert panel.record("contact") is not None
    assert store.decisions(list_id)["reviewer"].to_list() == ["Al"]


@pytest.mark.parametrize(
    ("name", "why"),
    [("x", "has no word of two letters or more"), ("1", "has no word of two letters or more"),
     ("-", "has no word of two letters or more"), ("Officer", "is a role word"),
     ("admin", "is a role word"), ("n/a", "is a placeholder")],
)  # fmt: skip
def test_a_given_name_that_names_no_one_is_refused_when_the_panel_opens(
    store: ReviewStore, list_id: str, children: pl.DataFrame, name: str, why: str
) -> None:
    with pytest.raises(UsageError) as refused:
        open_panel(store, list_id, children, reviewer=name)
    assert str(refused.value) == (
        "reviewer must be a person's name; give your name as colleagues know it, e.g. "
        f"'A. Officer'; got {name!r}, which {why}"
    )
    assert store.access_log().height == 0


def test_a_store_refusal_is_shown_not_raised(store: ReviewStore, children: pl.DataFrame) -> None:
    list_id = register_list(store, children.head(59), "r-short", "two_year_old@2026.1", {}, KEY)
    panel = open_panel(store, list_id, children, reviewer="A. Officer")
    panel.select(key_of("P60"))
    assert panel.record("contact") is None
    assert f"is not on list &#x27;{list_id}&#x27;" in panel.error.value
    assert store.decisions().height == 0


def test_undecided_only_drops_rows_as_they_are_decided(panel: ReviewPanel) -> None:
    panel.apply_filters(reason="dwp_list", undecided_only=True)
    panel.select(key_of("P25"))
    decision = panel.record("defer")
    assert decision is not None
    assert (decision.item_key, decision.decision) == (key_of("P25"), "defer")
    assert panel.visible()["person_id"].to_list() == ids(10, 55, 5, 35, 50, 15, 30, 45)
    assert panel.progress_text() == "1 of 60 decided, 59 undecided"


def test_a_link_decision_alone_leaves_the_child_undecided(
    store: ReviewStore, children: pl.DataFrame
) -> None:
    # Whether the DWP-list row is the child says nothing about what happens next: the child
    # stays in "undecided only", shows no decision, and is not counted decided. (P25's link
    # awaits review here: the store takes a link decision only about such a child.)
    children = children.with_columns(link_needs_review=pl.col("person_id") == "P25")
    list_id = register_list(store, children, "r-2026-09", "two_year_old@2026.1", {}, KEY)
    panel = open_panel(store, list_id, children, reviewer="A. Officer")
    panel.apply_filters(reason="dwp_list", undecided_only=True)
    before = panel.visible()["person_id"].to_list()
    store.record_decision(list_id, key_of("P25"), "link_confirmed", "A. Officer")
    panel.apply_filters(reason="dwp_list", undecided_only=True)
    assert panel.visible()["person_id"].to_list() == before
    shown = panel.page_rows().filter(pl.col("item_key") == key_of("P25"))
    assert shown["decision"].to_list() == [None]
    assert panel.progress_text() == "0 of 60 decided, 60 undecided"


def test_a_correction_is_a_second_decision_and_progress_counts_the_item_once(
    store: ReviewStore, list_id: str, panel: ReviewPanel
) -> None:
    panel.select(key_of("P01"))
    panel.record("contact")
    panel.record("already_in_touch")
    assert store.decisions(list_id)["decision"].to_list() == ["contact", "already_in_touch"]
    assert panel.progress_text() == "1 of 60 decided, 59 undecided"
    assert "already in touch by A. Officer" in panel.detail.value


def test_a_colleagues_decision_since_the_child_was_shown_is_not_overridden_unseen(
    store: ReviewStore, list_id: str, panel: ReviewPanel
) -> None:
    # Two officers on one child: B decides while A has the child's details open.
    panel.select(key_of("P01"))
    store.record_decision(list_id, key_of("P01"), "not_eligible", "B. Officer", "Moved away")
    assert panel.record("contact") is None
    assert store.decisions(list_id)["decision"].to_list() == ["not_eligible"]  # nothing more
    assert "B. Officer recorded not eligible for this child at 09:00 on 2026-09-01" in (
        panel.error.value
    )
    assert "nothing was recorded" in panel.error.value
    assert "not eligible: Moved away by B. Officer" in panel.detail.value  # now shown
    # Having seen it, A may decide: a correction is a new decision.
    assert panel.record("contact") is not None
    assert store.decisions(list_id)["reviewer"].to_list() == ["B. Officer", "A. Officer"]


def test_a_colleagues_outcome_on_a_rerun_list_since_shown_is_not_overridden_unseen(
    store: ReviewStore, list_id: str, panel: ReviewPanel, children: pl.DataFrame
) -> None:
    panel.select(key_of("P01"))
    rerun = register_list(store, children, "r-2026-09b", "two_year_old@2026.1", {}, KEY)
    store.record_decision(rerun, key_of("P01"), "defer", "B. Officer")
    assert panel.record("contact") is None
    assert "on another list of this offer" in panel.error.value
    # One's own decision made here does not stop one's own correction.
    panel.select(key_of("P02"))
    panel.record("defer")
    assert panel.record("contact") is not None  # one's own correction


# --- the selected row -----------------------------------------------------------------------


def test_a_possible_child_shows_what_it_meets_in_part_and_what_is_missing(
    store: ReviewStore,
) -> None:
    # P04 is possible through its household's income or savings (no recourse to public
    # funds); the table says so, not "(income missing)" as for every possible child before.
    nrpf = {"reason_code": "no_recourse_to_public_funds", "table": "households"}
    children = sixty_children().with_columns(
        pl.when(pl.col("person_id") == "P04")
        .then(
            pl.lit(
                [nrpf | {"record_id": "H4", "parent_carer_id": None, "status": "income_missing"}],
                dtype=EVIDENCE,
            )
        )
        .otherwise(pl.col("evidence"))
        .alias("evidence")
    )
    listed = register_list(store, children, "r-2026-09", "two_year_old@2026.1", {}, KEY)
    panel = open_panel(store, listed, children, reviewer="A. Officer")
    panel.select(key_of("P04"))
    label = load_rule_set("two_year_old").criterion("no_recourse_to_public_funds").label
    cells = re.findall(r"<td>([^<]*)</td>", panel.table.value)
    assert f"{label} (income or savings missing)" in cells
    assert "none" in cells  # P08: possible, with nothing met even in part
    assert "(income missing)" not in panel.table.value


def test_detail_shows_plain_english_reasons_and_evidence(panel: ReviewPanel) -> None:
    panel.select(key_of("P03"))
    rules = load_rule_set("two_year_old")
    assert rules.criterion("income_support").sentence(date(2026, 9, 1)) in panel.detail.value
    assert "Income Support: A parent or carer gets Income Support." in panel.detail.value
    ehc = rules.criterion("ehc_plan").label
    assert f"<li>{ehc}: record S3</li>" in panel.detail.value
    assert "<li>Income Support: award A3 to parent or carer M3</li>" in panel.detail.value
    assert "No record linkage" in panel.detail.value
    assert "Reason codes: ehc_plan, income_support. person_id P03." in panel.detail.value


def test_selecting_a_row_on_another_page_shows_that_page(panel: ReviewPanel) -> None:
    panel.select(key_of("P60"))
    assert panel.page_number.value == 3
    assert panel.row_select.value == key_of("P60")
    assert f'aria-current="true" data-item-key="{key_of("P60")}"' in panel.table.value
    with pytest.raises(UsageError, match="is not on this list"):
        panel.select(key_of("P99"))


def test_earlier_decisions_from_a_previous_list_are_shown(
    store: ReviewStore, children: pl.DataFrame
) -> None:
    spring = register_list(store, children, "r-2026-04", "two_year_old@2026.1", {}, KEY)
    store.record_decision(spring, key_of("P02"), "not_eligible", "C. Officer", "Moved to Leeds")
    autumn = register_list(store, children, "r-2026-09", "two_year_old@2026.1", {}, KEY)
    panel = open_panel(store, autumn, children, reviewer="A. Officer")
    panel.select(key_of("P02"))
    earlier = panel.detail.value.split("Decisions on other lists")[1]
    assert "not eligible: Moved to Leeds by C. Officer on 2026-09-01 (run r-2026-04" in earlier
    assert "<h4>Decisions on this list</h4><p>None.</p>" in panel.detail.value
    assert panel.progress_text() == "0 of 60 decided, 60 undecided"
    panel.select(key_of("P01"))
    assert "Moved to Leeds" not in panel.detail.value


def test_a_later_lists_decision_is_shown_on_the_earlier_list(
    store: ReviewStore, children: pl.DataFrame
) -> None:
    # A re-run's list decided first: its outcome stands over one recorded on the earlier list
    # now, so the officer reviewing the earlier list sees it.
    earlier = register_list(store, children, "r-2026-09a", "two_year_old@2026.1", {}, KEY)
    rerun = register_list(store, children, "r-2026-09b", "two_year_old@2026.1", {}, KEY)
    store.record_decision(rerun, key_of("P02"), "not_eligible", "C. Officer", "Moved to Leeds")
    panel = open_panel(store, earlier, children, reviewer="A. Officer")
    panel.select(key_of("P02"))
    others = panel.detail.value.split("Decisions on other lists")[1]
    assert "not eligible: Moved to Leeds by C. Officer on 2026-09-01 (run r-2026-09b" in others


def test_link_explanation_for_a_dwp_row_awaiting_review(store: ReviewStore) -> None:
    candidates = pl.DataFrame(
        {
            "person_id": [None, "P1"],
            "dwp_record_id": ["D7", None],
            "tier": ["likely", "likely"],
            "reason_codes": [["dwp_list"], ["dwp_list"]],
            "link_needs_review": [True, False],
            "link_method": ["splink", "child_name_dob"],
        }
    )
    list_id = register_list(store, candidates, "r-1", "two_year_old@2026.1", {}, KEY)
    panel = open_panel(store, list_id, candidates, reviewer="A. Officer")
    panel.select(pseudonym("dwp", "D7", KEY))
    assert "DWP list row D7" in panel.detail.value
    assert "awaits review" in panel.detail.value
    assert "scored the two records as the same child" in panel.detail.value
    panel.select(key_of("P1"))
    assert (
        "Matched to a row of the DWP list because the child&#x27;s names and date of birth agree, "
        "in the same postcode sector." in panel.detail.value
    )
    panel.decision.value = "link_rejected"
    panel.record_button.click()
    assert "a link rejected decision needs a reason" in panel.error.value


def test_a_rerun_lists_panel_shows_dfes_checks_of_the_same_child_from_the_first_list(
    store: ReviewStore, list_id: str, children: pl.DataFrame
) -> None:
    """DfE's answer about P01's parent, checked from the first list, is shown on the re-run's
    list too, saying which list it came from (as the decisions on other lists are)."""
    decided = store.record_decision(list_id, key_of("P01"), "check", "A. Officer")
    store.record_check_export(
        {"export_id": "cx-0000000000000001", "list_id": list_id, "template": "childcare",
         "files": 1, "not_checkable": 0,
         "rows": [{"row_number": 1, "part": 1, "row_key": pseudonym("dfe_check_row", "1", KEY),
                   "items": [(key_of("P01"), decided.decision_id, decided.seq)]}]},
        user="A. Officer",
        detail="export cx-0000000000000001",
    )  # fmt: skip
    store.record_check_results(
        "cx-0000000000000001",
        [{"row_number": 1, "outcome": "eligible", "dfe_outcome": "Eligible", "tier": None,
          "eligible_until": None}],
        file_name="results.csv",
        file_sha256="0" * 64,
        user="B. Officer",
    )  # fmt: skip
    rerun = register_list(store, children, "r-2026-09b", "two_year_old@2026.1", {}, KEY)
    panel = open_panel(store, rerun, children, reviewer="A. Officer")
    panel.select(key_of("P01"))
    shown = panel.detail.value
    assert "<h3>DfE eligibility checks</h3>" in shown
    assert "found the parent eligible" in shown
    assert (
        "check export cx-0000000000000001, from another list of this offer (two_year_old list "
        "of 2026-09-01, run r-2026-09)</li>"
    ) in shown
    panel.select(key_of("P02"))  # never checked
    assert "DfE eligibility checks" not in panel.detail.value
    # On the first list itself, no other list is named.
    first = open_panel(store, list_id, children, reviewer="A. Officer")
    first.select(key_of("P01"))
    assert "found the parent eligible" in first.detail.value
    assert "another list" not in first.detail.value


# --- scale and accessibility ----------------------------------------------------------------


def test_twenty_thousand_rows_render_only_the_page(store: ReviewStore) -> None:
    n = 20_000
    candidates = pl.select(
        person_id=pl.format("C{}", pl.int_range(n).cast(pl.String).str.zfill(5)),
        tier=pl.when(pl.int_range(n) % 3 == 0).then(pl.lit("possible")).otherwise(pl.lit("likely")),
        reason_codes=pl.when(pl.int_range(n) % 3 == 0)
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(pl.lit(["income_support"])),
    )
    list_id = register_list(store, candidates, "r-big", "two_year_old@2026.1", {}, KEY)
    panel = open_panel(store, list_id, candidates, reviewer="A. Officer", page_size=50)
    assert table_rows(panel.table.value) == 50
    assert len(panel.row_select.options) == 50
    assert panel.page_label.value == "Page 1 of 400 · rows 1 to 50 of 20,000"
    last = panel.page(400)
    assert table_rows(panel.table.value) == 50
    assert last["person_id"][-1] == "C19998"  # possible rows last: 0, 3, ..., 19998
    panel.apply_filters(tier="possible")
    assert panel.page_count == 134 and table_rows(panel.table.value) == 50


def test_every_control_has_a_description(panel: ReviewPanel) -> None:
    display_only = (widgets.HTML, widgets.Label, widgets.Box)
    controls = [w for w in all_widgets(panel.widget) if not isinstance(w, display_only)]
    assert len(controls) == 16
    for control in controls:
        assert control.description.strip(), type(control).__name__
    buttons = [w for w in controls if isinstance(w, widgets.Button)]
    assert [b.description for b in buttons] == ["Previous page", "Next page", "Record decision"]


def test_area_filter_is_hidden_without_postcodes(
    store: ReviewStore, children: pl.DataFrame
) -> None:
    without = children.drop("postcode")
    list_id = register_list(store, without, "r-np", "two_year_old@2026.1", {}, KEY)
    panel = open_panel(store, list_id, without, reviewer="A. Officer")
    assert panel.area.layout.display == "none"
    assert '<th scope="col">Area</th>' not in panel.table.value
    assert "ZZ1" not in panel.table.value


def test_an_unknown_list_is_shown_not_raised(store: ReviewStore, children: pl.DataFrame) -> None:
    panel = open_panel(store, "l-0000000000000000", children, reviewer="A. Officer")
    assert "no list &#x27;l-0000000000000000&#x27;" in panel.error.value
    assert panel.progress_text() == "progress unknown (see the error above)"
    assert table_rows(panel.table.value) == 25
    assert panel.record("contact") is None
    assert store.decisions().height == 0


def test_dwp_list_rows_not_on_the_list_have_their_own_section(store, list_id, children):
    not_listed = pl.DataFrame(
        {
            "record_id": ["D0090", "D0091"],
            "child_date_of_birth": ["2024-09-05", "2022-01-02"],
            "reason": [
                "not yet in the age window by its date of birth on the list",
                "past the age window by its date of birth on the list",
            ],
        }
    )
    shown = open_panel(store, list_id, children, not_listed=not_listed).not_listed.value
    assert "<h4>DWP-list rows not on this list</h4>" in shown
    assert "2 rows of the DWP list are not on this list, each with its reason" in shown
    # Headed and dated in words, as the rest of the panel.
    assert (
        "<thead><tr><th scope='col'>DWP list record</th><th scope='col'>Child&#x27;s date of "
        "birth</th><th scope='col'>Why not on this list</th></tr></thead>"
    ) in shown
    assert re.findall(r"<td>(D\d+)</td><td>([^<]+)</td>", shown) == [
        ("D0090", "5 September 2024"),
        ("D0091", "2 January 2022"),
    ]
    assert open_panel(store, list_id, children).not_listed.value == ""  # no DWP list
    empty = open_panel(store, list_id, children, not_listed=not_listed.clear())
    assert "Every row of the DWP list is on this list." in empty.not_listed.value


def test_a_long_not_listed_section_shows_the_first_rows_and_says_so(store, list_id, children):
    many = pl.DataFrame({"record_id": [f"D{i:04d}" for i in range(250)], "reason": ["x"] * 250})
    shown = open_panel(store, list_id, children, not_listed=many).not_listed.value
    assert shown.count("<tr><td>") == 200
    assert "The first 200 are shown; the review workbook has all 250." in shown


# --- a later list of the offer (a re-run of assess) -----------------------------------------
def test_a_later_list_is_said_and_a_decision_about_a_child_not_on_it_is_warned_of_first(
    store: ReviewStore, list_id: str, children: pl.DataFrame
) -> None:
    """A tester re-ran `assess` a week later and recorded `contact` on the first list for a
    child no longer listed (her Universal Credit ended): nothing warned."""
    from html import escape

    kept = children.filter(pl.col("person_id") != "P03")
    rerun = register_list(store, kept, "r-2026-09-b", "two_year_old@2026.1", {}, KEY)
    panel = open_panel(store, list_id, children, reviewer="A. Officer")
    named = f"list {rerun} (run r-2026-09-b, stored on 1 September 2026)"
    assert (
        escape(
            f"A later list of this offer exists: {named}. Decide from it where you can (a decision "
            "there is the newer, and stands); 1 of this list's 60 children is not on it: their "
            "circumstances may have changed since (a benefit ended, a family moved), so check "
            "before deciding about them."
        )
        in panel.heading.value
    )
    panel.select(key_of("P03"))
    assert (
        escape(
            f"Not on the offer's later {named}: their circumstances may have changed since (a "
            "benefit ended, a family moved); check before deciding."
        )
        in panel.detail.value
    )
    panel.decision.value = "contact"
    assert "Not on the offer's later list: you will be asked to check" in panel.ready.value
    panel.record_button.click()
    assert store.decisions(list_id).height == 0  # warned, not saved
    assert "Check before recording" in panel.error.value
    assert (
        escape(
            f"P03 is not on the offer's later {named}: their circumstances may have changed since "
            "(a benefit ended, a family moved). Nothing was recorded. Check before deciding; to "
            "record contact all the same, press ‘Record decision’ again."
        )
        in panel.error.value
    )
    panel.record_button.click()  # not refused: the officer may have reasons
    assert store.decisions(list_id).select("item_key", "decision").rows() == [
        (key_of("P03"), "contact")
    ]
    assert panel.error.value == ""
    # Another decision about the same child is warned of again; a child on the later list's
    # is recorded at once.
    assert panel.record("defer") is None
    assert panel.record("check") is None  # another decision: warned of afresh
    panel.select(key_of("P04"))
    assert panel.record("defer") is not None
    assert "later list" not in panel.detail.value
    # The later list's own panel has no later list to speak of.
    assert "later list" not in open_panel(store, rerun, kept, reviewer="A. Officer").heading.value


# --- the form belongs to the child it was filled in for --------------------------------------


def test_no_child_is_selected_until_the_officer_picks_one(
    store: ReviewStore, list_id: str, panel: ReviewPanel
) -> None:
    assert (panel.row_select.value, panel.ready.value) == (None, "")
    assert panel.detail.value == (
        "<p>Select a child to see who they are and why they are listed.</p>"
    )
    panel.next_button.click()
    panel.apply_filters(reason="dwp_list")
    assert panel.row_select.value is None and 'aria-current="true"' not in panel.table.value
    assert panel.record("contact") is None
    assert "Select a child first: no child is selected." in panel.error.value
    assert store.decisions(list_id).height == 0


@pytest.mark.parametrize("move", ["next page", "child list", "search", "filter"])
def test_a_choice_not_recorded_is_cleared_when_the_officer_moves_to_another_child(
    store: ReviewStore, list_id: str, panel: ReviewPanel, move: str
) -> None:
    # A tester chose "not eligible" for the 4th child, typed why, pressed "Next page", then
    # "Record decision": it was recorded for the first child of page 2, with that reason.
    panel.undecided_only.value = True
    panel.row_select.value = panel.page_rows()["item_key"][3]  # P13
    panel.decision.value = "not_eligible"
    panel.reason_text.value = "family moved to Leeds"
    if move == "next page":
        panel.next_button.click()
    elif move == "child list":
        panel.row_select.value = panel.page_rows()["item_key"][5]
    elif move == "search":
        panel.find.value = "P50"
    else:
        panel.tier.value = "possible"
    assert (panel.decision.value, panel.reason_text.value) == (None, "")
    assert panel.status.value == (
        '<p class="wb-inset" role="status">Your unrecorded choice for P13 (not eligible, '
        "reason \u201cfamily moved to Leeds\u201d) was cleared when you moved to another child: "
        "nothing was recorded. Choose again for the child you are on.</p>"
    )
    panel.record_button.click()
    assert store.decisions(list_id).height == 0


def test_moving_with_nothing_chosen_says_nothing(panel: ReviewPanel) -> None:
    panel.select(key_of("P03"))
    panel.next_button.click()
    panel.select(key_of("P05"))
    assert panel.status.value == ""


def test_a_double_click_records_once_and_keeps_the_recorded_line(
    store: ReviewStore, list_id: str, panel: ReviewPanel
) -> None:
    panel.select(key_of("P03"))
    panel.decision.value = "contact"
    panel.record_button.click()
    panel.record_button.click()  # the second click of a double-click: nothing chosen now
    assert panel.error.value == ""
    assert panel.status.value == (
        '<p class="wb-success" role="status">Recorded contact for P03 by A. Officer.</p>'
    )
    assert store.decisions(list_id)["item_key"].to_list() == [key_of("P03")]
    # With "not yet decided only" the child leaves the page: the second click is ignored too.
    panel.undecided_only.value = True
    panel.select(key_of("P05"))
    panel.decision.value = "defer"
    panel.record_button.click()
    panel.record_button.click()
    assert panel.error.value == "" and "Recorded defer for P05" in panel.status.value
    # Once the officer is on another child, a click with nothing chosen asks for a choice.
    panel.select(key_of("P07"))
    panel.record_button.click()
    assert "Choose a decision" in panel.error.value
    assert store.decisions(list_id).height == 2


def test_the_same_decision_again_by_the_same_reviewer_is_not_recorded_twice(
    store: ReviewStore, list_id: str, panel: ReviewPanel
) -> None:
    panel.select(key_of("P03"))
    assert panel.record("not_eligible", "moved to Leeds") is not None
    assert panel.record("not_eligible", " moved to Leeds ") is None
    assert panel.status.value == (
        '<p class="wb-success" role="status">Already recorded: not eligible for P03 by '
        "A. Officer at 09:00 on 2026-09-01, with the same reason; nothing new was recorded.</p>"
    )
    assert panel.error.value == ""
    # Another reason, or another decision, is a correction: recorded.
    assert panel.record("not_eligible", "moved to York") is not None
    assert panel.record("contact") is not None
    assert store.decisions(list_id)["decision"].to_list() == [
        "not_eligible",
        "not_eligible",
        "contact",
    ]


def test_a_reason_longer_than_the_limit_is_refused_in_the_panel(
    store: ReviewStore, list_id: str, panel: ReviewPanel
) -> None:
    panel.select(key_of("P03"))
    assert panel.record("not_eligible", "moved " * 10_000) is None
    assert (
        "Shorten the reason: it is 59,999 characters long; a reason can be at most 2,000: "
        "say why in a few sentences (the case notes can hold the rest)."
    ) in panel.error.value
    assert store.decisions(list_id).height == 0
    assert panel.record("not_eligible", "m" * 2000) is not None


@pytest.mark.parametrize("reason", ["N/A.", "(none)", "-- n/a --", "not applicable.", "no", "xx"])
def test_a_placeholder_reason_with_punctuation_is_refused_in_the_panel(
    store: ReviewStore, list_id: str, panel: ReviewPanel, reason: str
) -> None:
    panel.select(key_of("P03"))
    assert panel.record("not_eligible", reason) is None
    assert "a not eligible decision needs a reason." in panel.error.value
    assert store.decisions(list_id).height == 0


# --- what "already funded" can say -----------------------------------------------------------


def test_without_the_terms_headcount_already_funded_is_not_known_not_no(
    store: ReviewStore, list_id: str, children: pl.DataFrame
) -> None:
    panel = open_panel(store, list_id, children, reviewer="A. Officer", places_not_known=True)
    assert (
        "<p class='wb-caution wb-places-not-known'>Already funded is not known for this list: "
        "the providers&#x27; headcount this list was made from held no funded places for the "
        "term, so a child shown as not funded may well have a place: check with the provider "
        "first. Children are shown as \u2018not known\u2019 rather than \u2018no\u2019.</p>"
    ) in panel.heading.value
    panel.select(key_of("P03"))
    assert (
        "<dt>Already funded</dt><dd>not known: the providers&#x27; headcount this list was made "
        "from held no funded places for the term"
    ) in panel.detail.value
    assert "<dt>Could be eligible from</dt>" in panel.detail.value
    row = re.search(r'<tr class="wb-row wb-current"[^>]*>(.*?)</tr>', panel.table.value)
    assert row is not None and "<td>not known</td>" in row.group(1)
    assert "<td>yes</td>" in panel.table.value  # P10 has a place: that is known
    assert '<th scope="col">Could be eligible from</th>' in panel.table.value
    usual = open_panel(store, list_id, children, reviewer="A. Officer")
    usual.select(key_of("P03"))
    assert "wb-places-not-known" not in usual.heading.value
    assert "<dt>Already funded</dt><dd>no</dd>" in usual.detail.value


def test_not_funded_means_known_not_funded_and_not_known_is_its_own_choice(
    store: ReviewStore, list_id: str, children: pl.DataFrame
) -> None:
    """P10, P20, ... P60 have a place. With the term's headcount, the other 54 are known not
    funded; without it (no places for the term), nobody is known not funded: "not funded"
    gives way to "not known", which finds those 54, and the funded six stay funded."""
    funded = ids(10, 20, 30, 40, 50, 60)
    others = [p for p in ids(*range(1, 61)) if p not in funded]
    usual = open_panel(store, list_id, children, reviewer="A. Officer")
    assert usual.funded.options == (
        ("all children", ""),
        ("already funded", "yes"),
        ("not funded", "no"),
    )
    assert sorted(usual.apply_filters(funded="no")["person_id"].to_list()) == others
    assert sorted(usual.apply_filters(funded="yes")["person_id"].to_list()) == funded
    with pytest.raises(
        UsageError, match=re.escape("funded must be one of 'yes', 'no' (or None); got 'not_known'")
    ):
        usual.apply_filters(funded="not_known")
    unknown = open_panel(store, list_id, children, reviewer="A. Officer", places_not_known=True)
    assert unknown.funded.options == (
        ("all children", ""),
        ("already funded", "yes"),
        ("not known", "not_known"),
    )
    assert sorted(unknown.apply_filters(funded="not_known")["person_id"].to_list()) == others
    assert sorted(unknown.apply_filters(funded="yes")["person_id"].to_list()) == funded
    with pytest.raises(
        UsageError, match=re.escape("funded must be one of 'yes', 'not_known' (or None); got 'no'")
    ):
        unknown.apply_filters(funded="no")
    # The widget drives the same filter.
    unknown.funded.value = "not_known"
    assert unknown.visible().height == 54
    assert "<td>not known</td>" in unknown.table.value and "<td>no</td>" not in unknown.table.value


def test_the_funded_filter_alone_never_counts_an_unknown_place_as_none() -> None:
    """`filter_and_sort` as the panel calls it: "no" finds none of the rows whose funding is
    not known, "not_known" none whose funding is known, and a row without the flag (null) is
    not known either way."""
    from workbench.review.panel import _panel_frame, filter_and_sort

    frame = _panel_frame(sixty_children().head(10), KEY, None).with_columns(
        pl.when(pl.col("person_id") == "P01")
        .then(None)
        .otherwise(pl.col("already_funded"))
        .alias("already_funded")
    )
    none = pl.Series("item_key", [], pl.String)

    def found(funded: str, places_not_known: bool) -> list[str]:
        rows = filter_and_sort(frame, none, funded=funded, places_not_known=places_not_known)
        return sorted(rows["person_id"].to_list())

    assert found("yes", False) == found("yes", True) == ["P10"]
    assert found("no", False) == ids(2, 3, 4, 5, 6, 7, 8, 9)
    assert found("no", True) == []
    assert found("not_known", False) == ["P01"]
    assert found("not_known", True) == ids(1, 2, 3, 4, 5, 6, 7, 8, 9)
    with pytest.raises(UsageError, match="funded must be one of 'yes', 'no', 'not_known'"):
        found("maybe", False)


def offer_panel(store: ReviewStore, initiative: str, dwp: bool = False) -> ReviewPanel:
    """A panel of three children on a list of `initiative` (P01 a DWP-list row when `dwp`)."""
    children = (
        sixty_children()
        .head(3)
        .with_columns(
            initiative=pl.lit(initiative),
            dwp_record_id=pl.Series([("D1" if dwp else None), None, None], dtype=pl.String),
        )
    )
    listed = register_list(store, children, "r-offer", f"{initiative}@2026.1", {}, KEY)
    return open_panel(store, listed, children, rule_set=initiative, reviewer="A. Officer")


@pytest.mark.parametrize(
    ("initiative", "dwp", "offered"),
    [
        ("two_year_old", False, ["contact", "not_eligible", "already_in_touch", "defer",
                                 "check", "link_confirmed", "link_rejected"]),
        ("free_school_meals", False, ["contact", "not_eligible", "already_in_touch", "defer",
                                      "check"]),
        ("early_years_pupil_premium", False, ["contact", "not_eligible", "already_in_touch",
                                              "defer", "check"]),
        ("disability_access_fund", False, ["contact", "not_eligible", "already_in_touch",
                                           "defer"]),
        ("disability_access_fund", True, ["contact", "not_eligible", "already_in_touch",
                                          "defer", "link_confirmed", "link_rejected"]),
    ],
)  # fmt: skip
def test_the_panel_offers_only_decisions_with_a_next_step_for_the_offer(
    store: ReviewStore, initiative: str, dwp: bool, offered: list[str]
) -> None:
    panel = offer_panel(store, initiative, dwp)
    assert [value for _, value in panel.decision.options] == offered
    assert panel.decision.value is None  # still nothing chosen until the officer chooses
    hints = re.findall(r"<strong>([^<]+)</strong>", panel.decision_hints.value)
    assert len(hints) == len(offered)
    assert ("Check" in hints) == ("check" in offered)
    # The page's "Link" column only where a record link can await review (as the workbook's
    # dwp_record_id column), and every row's cells under their headings.
    headings = re.findall(r'<th scope="col">([^<]+)</th>', panel.table.value)
    assert ("Link" in headings) == ("link_confirmed" in offered)
    first_row = panel.table.value.split('<tr class="wb-row')[1].split("</tr>")[0]
    assert first_row.count("<td") == len(headings)


def test_a_check_decision_on_a_list_dfe_does_not_check_is_refused(store: ReviewStore) -> None:
    # Recorded from code (the drop-down does not offer it): nothing is written.
    panel = offer_panel(store, "disability_access_fund")
    panel.select(key_of("P01"))
    assert panel.record("check") is None
    assert (
        "Choose another decision: check has no next step for this offer "
        "(DfE&#x27;s eligibility checking services do not check it: `check export` refuses "
        "it), so it is not offered here."
    ) in panel.error.value
    assert store.decisions(panel.list_id).height == 0
    assert panel.record("contact") is not None


def test_a_link_decision_on_a_list_that_reads_no_dwp_list_is_refused_once(
    store: ReviewStore,
) -> None:
    panel = offer_panel(store, "free_school_meals")
    panel.select(key_of("P01"))
    assert panel.record("link_confirmed") is None
    assert panel.error.value.count("Choose") == 1
    assert (
        "link confirmed has no next step for this offer (it never reads the DWP list, so no "
        "record link awaits review on it)"
    ) in panel.error.value
    assert store.decisions(panel.list_id).height == 0


# --- words that fit the offer ----------------------------------------------------------------


def summary(panel: ReviewPanel) -> dict[str, str]:
    """The selected child's summary list, term by term."""
    return dict(re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", panel.detail.value))


def why_listed(panel: ReviewPanel) -> list[str]:
    """The selected child's "Why listed" lines, as the page shows them (unescaped)."""
    found = re.search(r"<h3>Why listed</h3><ul>(.*?)</ul>", panel.detail.value)
    assert found is not None
    return [html.unescape(li) for li in re.findall(r"<li>(.*?)</li>", found[1])]


def test_a_possible_child_of_the_early_years_pupil_premium_reads_as_the_workbook_says(
    store: ReviewStore,
) -> None:
    # A tester's case: P04 is possible through a child arrangements order with no care
    # before it, and the panel said "an income is missing (tier possible)". The workbook's
    # `reasons` cell is the panel's "Why listed" now: "No criterion met yet." and the tier's
    # meaning, which names both causes; the evidence says which.
    left_care = {"reason_code": "left_care", "table": "child_statuses", "record_id": "S4"}
    children = (
        sixty_children()
        .head(4)
        .with_columns(
            initiative=pl.lit("early_years_pupil_premium"),
            already_funded=pl.lit(True),
            evidence=pl.when(pl.col("person_id") == "P04")
            .then(
                pl.lit(
                    [left_care | {"parent_carer_id": None, "status": "care_history_missing"}],
                    dtype=EVIDENCE,
                )
            )
            .otherwise(pl.col("evidence")),
        )
    )
    listed = register_list(store, children, "r-eypp", "early_years_pupil_premium@1", {}, KEY)
    panel = open_panel(
        store, listed, children, rule_set="early_years_pupil_premium", reviewer="A. Officer"
    )
    panel.select(key_of("P04"))
    rules = load_rule_set("early_years_pupil_premium")
    assert why_listed(panel) == ["No criterion met yet. " + rules.tiers["possible"]]
    assert "an income is missing" not in panel.detail.value
    label = rules.criterion("left_care").label
    assert f"<li>{html.escape(label)} (no care before the order): record S4</li>" in (
        panel.detail.value
    )
    # Every child has a place, as the offer requires: said so, and no working-parent place
    # (the workbook has no such column for the offer).
    assert summary(panel) == {
        "Tier": "possible",
        "Could be eligible from": "1 April 2026",
        "Already funded": "yes on every row: a funded place this term is the condition of the "
        "Early Years Pupil Premium (the provider of the place claims the money), so it does "
        "not mean the offer is taken up",
    }
    assert panel.funded.layout.display == "none"  # every child is: nothing to filter by


def test_a_free_school_meals_child_shows_the_group_and_age_group_first(
    store: ReviewStore,
) -> None:
    children = (
        sixty_children()
        .head(2)
        .with_columns(
            initiative=pl.lit("free_school_meals"),
            reason_codes=pl.lit(["universal_credit"], dtype=pl.List(pl.String)),
            eligibility_group=pl.Series(["expanded", "targeted"]),
            age_group=pl.Series(["sixth_form", "infant"]),
            working_parent_place=pl.lit(True),
        )
    )
    listed = register_list(store, children, "r-fsm", "free_school_meals@1", {}, KEY)
    panel = open_panel(store, listed, children, rule_set="free_school_meals", reviewer="A. Officer")
    panel.select(key_of("P01"))
    rules = load_rule_set("free_school_meals")
    uc = rules.criterion("universal_credit")
    assert why_listed(panel) == [
        "Group: expanded (meals only, from September 2026).",
        "Age group: Years 12 and 13: eligible only in a school sixth form (not an FE college): "
        "check where the pupil studies.",
        f"{uc.label}: {uc.sentence(date(2026, 9, 1))}",
    ]
    # Free school meals reads no funded places, nor has working-parent places: neither is
    # said, as the workbook has neither column.
    assert summary(panel) == {"Tier": "likely", "Could be eligible from": "1 April 2026"}
    # Nor in the table ("no" on every row), nor as a filter that could find no one funded;
    # nor a "Link" column (its rules never read the DWP list: no link awaits review).
    assert "Already funded" not in panel.table.value
    assert '<th scope="col">Link</th>' not in panel.table.value
    assert re.findall(r"<td>([^<]*)</td>", panel.table.value)[:6] == [
        "P01", "likely", uc.label, "1 April 2026", "ZZ1", "not yet decided",
    ]  # fmt: skip
    assert panel.funded.layout.display == "none"
    panel.select(key_of("P02"))
    assert why_listed(panel)[:2] == [
        "Group: targeted (meals, pupil premium and holiday activities).",
        "Age group: Reception to Year 2: universal infant free school meals apply anyway; "
        "benefits-related eligibility still brings pupil premium funding.",
    ]
    assert why_listed(panel)[2].startswith(
        "Also met, though the child counts in the targeted group: "
    )


def test_the_two_year_old_offer_still_shows_a_working_parent_place(store: ReviewStore) -> None:
    children = sixty_children().head(2).with_columns(working_parent_place=pl.lit(True))
    listed = register_list(store, children, "r-2yo", "two_year_old@1", {}, KEY)
    panel = open_panel(store, listed, children, reviewer="A. Officer")
    assert '<th scope="col">Already funded</th>' in panel.table.value
    assert panel.funded.layout.display != "none"
    panel.select(key_of("P01"))
    assert summary(panel) == {
        "Tier": "likely",
        "Could be eligible from": "1 April 2026",
        "Already funded": "no",
        "Working-parent place": "yes (still listed: the disadvantaged 15 hours come first)",
    }


@pytest.mark.parametrize(
    ("initiative", "in_touch"),
    [
        ("two_year_old", "the family is already in touch with us or has a place"),
        ("free_school_meals",
         "the family is already in touch with us, or the child already gets free school meals"),
        ("disability_access_fund",
         "the family is already in touch with us, or the provider already claims the Disability "
         "Access Fund for the child (every child here has a funded place: that is the offer's "
         "condition, so a place alone is no reason to choose this)"),
    ],
)  # fmt: skip
def test_the_panel_says_what_already_in_touch_means_for_the_offer(
    store: ReviewStore, initiative: str, in_touch: str
) -> None:
    # As the workbook's About sheet says it: a place is no reason to choose it where every
    # child has one.
    panel = offer_panel(store, initiative)
    hints = dict(re.findall(r"<strong>([^<]+)</strong>: ([^<]*)</li>", panel.decision_hints.value))
    assert hints["Already in touch"] == in_touch.replace("'", "&#x27;")
