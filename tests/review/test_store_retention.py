"""Retention inside the review store: pseudonymous evidence, list items and decisions removed only
through ReviewStore.apply_retention, the chain bridged by sealed checkpoints, and the wiring into
`plan_retention` / `apply_retention`."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench.review.store as store_module
from workbench.errors import WorkbenchError
from workbench.governance import Period, apply_retention, plan_retention
from workbench.governance.retention import cut_off
from workbench.review import ReviewStore, pseudonym
from workbench.review.lists import pseudonymous_evidence, register_list

KEY = bytes(range(32))
K1, K2, K3 = (pseudonym("person", f"P{i}", KEY) for i in (1, 2, 3))
START = datetime(2018, 1, 1, tzinfo=UTC)


class Clock:
    """A clock the test sets before each write."""

    def __init__(self, moment: datetime = START) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def items(*keys: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "item_key": list(keys),
            "tier": ["likely"] * len(keys),
            "reason_codes": [["x"]] * len(keys),
        }
    )


def raw(store: ReviewStore) -> sqlite3.Connection:
    return sqlite3.connect(store.path, isolation_level=None)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock):
    with ReviewStore(tmp_path / "review.sqlite", clock=clock) as opened:
        yield opened


def add_list(store: ReviewStore, clock: Clock, day: str, run: str) -> str:
    clock.moment = at(day)
    return store.add_list(run, "two_year_old", "two_year_old@1", {}, items(K1, K2, K3))


def decide(store: ReviewStore, clock: Clock, list_id: str, day: str, key: str = K1) -> str:
    clock.moment = at(day)
    return store.record_decision(list_id, key, "defer", "A. Officer").decision_id


# --- evidence in the store ----------------------------------------------------------------------
EVIDENCE_TEXT = (
    "universal_credit_low_income: award A12 of parent/carer P3; "
    "disability_living_allowance: award A7 of the child; ehc_plan: status S4; "
    "tax_credits_low_income (income missing): award A13 of parent/carer P3; "
    "dwp_list: DWP list row D9; already_funded: funded_places row F1; "
    "left_care (no care before the order): status S5; "
    "no_recourse_to_public_funds: households row H1"
)


def p(kind: str, value: str) -> str:
    return pseudonym(kind, value, KEY)


EXPECTED_EVIDENCE = (
    f"universal_credit_low_income: award {p('award', 'A12')} of parent/carer {p('person', 'P3')}; "
    f"disability_living_allowance: award {p('award', 'A7')} of the child; "
    f"ehc_plan: status {p('status', 'S4')}; "
    f"tax_credits_low_income (income missing): award {p('award', 'A13')} of parent/carer "
    f"{p('person', 'P3')}; dwp_list: DWP list row {p('dwp', 'D9')}; "
    f"already_funded: funded_places row {p('funded_places', 'F1')}; "
    f"left_care (no care before the order): status {p('status', 'S5')}; "
    f"no_recourse_to_public_funds: households row {p('households', 'H1')}"
)


def test_evidence_keeps_codes_and_tables_and_pseudonymises_every_id():
    assert pseudonymous_evidence(EVIDENCE_TEXT, KEY) == EXPECTED_EVIDENCE
    assert pseudonymous_evidence(None, KEY) is None


def test_a_list_written_before_the_order_wording_changed_still_reads():
    text = pseudonymous_evidence("left_care (no care record): status S5", KEY)
    assert text == f"left_care (no care record): status {p('status', 'S5')}"


def test_a_proof_in_an_unknown_shape_is_withheld_whole():
    text = pseudonymous_evidence("looked_after: file of P3; P3 said so; ehc_plan: status S4", KEY)
    withheld = "(proof withheld: not in a form the workbench writes)"
    assert text == f"looked_after: {withheld}; {withheld}; ehc_plan: status {p('status', 'S4')}"


def engine_evidence() -> pl.DataFrame:
    """The same evidence as the engine gives it: a list of structs per row."""
    proofs = [
        ("universal_credit_low_income", "benefits", "A12", "P3", "met"),
        ("disability_living_allowance", "benefits", "A7", None, "met"),
        ("ehc_plan", "child_statuses", "S4", None, "met"),
        ("tax_credits_low_income", "benefits", "A13", "P3", "income_missing"),
        ("dwp_list", "dwp_list", "D9", None, "met"),
        ("already_funded", "funded_places", "F1", None, "met"),
        ("left_care", "child_statuses", "S5", None, "care_history_missing"),
        ("no_recourse_to_public_funds", "households", "H1", None, "met"),
    ]
    names = ("reason_code", "table", "record_id", "parent_carer_id", "status")
    return pl.DataFrame(
        {
            "person_id": ["P1"],
            "tier": ["likely"],
            "reason_codes": [["universal_credit_low_income"]],
            "evidence": [[dict(zip(names, proof, strict=True)) for proof in proofs]],
        }
    )


@pytest.mark.parametrize("form", ["engine", "csv"])
def test_the_store_holds_evidence_without_any_id_in_clear(store, form):
    candidates = engine_evidence()
    if form == "csv":
        candidates = candidates.with_columns(pl.lit(EVIDENCE_TEXT).alias("evidence"))
    list_id = register_list(store, candidates, "r-1", "two_year_old@1", {}, KEY)
    assert store.items(list_id)["evidence"].to_list() == [EXPECTED_EVIDENCE]
    with raw(store) as conn:
        dump = "\n".join(conn.iterdump())
    assert [v for v in ("A12", "A7", "A13", "S4", "P3", "D9", "F1", "'P1'") if v in dump] == []


# --- removal of list items -----------------------------------------------------------------------
def test_old_lists_lose_their_items_but_keep_their_row_and_count(store, clock):
    old = add_list(store, clock, "2019-09-01", "r-old")
    new = add_list(store, clock, "2021-09-01", "r-new")
    decide(store, clock, old, "2019-10-01")
    clock.moment = at("2022-01-01")
    done = store.apply_retention(at("2020-09-01"), at("2000-01-01"), user="records.officer")
    assert (done.lists, done.list_items, done.decisions, done.checkpoints) == (1, 3, 0, 0)
    assert store.items(old).height == 0 and store.items(new).height == 3
    assert store.lists().select("run_id", "item_count", "items_removed_at").rows() == [
        ("r-old", 3, "2022-01-01T00:00:00.000000Z"),
        ("r-new", 3, None),
    ]
    # The decision outlives its list's items, keyed by its pseudonym; the chain still holds.
    assert store.decisions()["item_key"].to_list() == [K1]
    assert store.verify_chain().ok
    assert store.progress(old)["decided"] == 1
    with pytest.raises(WorkbenchError, match=r"items of list .* were removed under the retention"):
        store.record_decision(old, K2, "contact", "A. Officer")


def test_applying_again_removes_nothing_more_and_logs_each_run(store, clock):
    old = add_list(store, clock, "2019-09-01", "r-old")
    decide(store, clock, old, "2019-10-01")
    clock.moment = at("2026-01-01")
    first = store.apply_retention(at("2025-01-01"), at("2020-01-02"), user="records.officer")
    again = store.apply_retention(at("2025-01-01"), at("2020-01-02"), user="records.officer")
    assert (first.list_items, first.decisions, again.list_items, again.decisions) == (3, 1, 0, 0)
    retention = store.access_log().filter(pl.col("command") == "retention")
    assert retention.select("at", "user", "detail").rows() == [
        (
            "2026-01-01T00:00:00.000000Z",
            "records.officer",
            "removed 3 list items of 1 lists created before 2025-01-01T00:00:00.000000Z; "
            "1 decisions recorded before 2020-01-02T00:00:00.000000Z, bridged by 1 chain "
            "checkpoints",
        ),
        (
            "2026-01-01T00:00:00.000000Z",
            "records.officer",
            "removed 0 list items of 0 lists created before 2025-01-01T00:00:00.000000Z; "
            "0 decisions recorded before 2020-01-02T00:00:00.000000Z, bridged by 0 chain "
            "checkpoints",
        ),
    ]


# --- refused outside the method ------------------------------------------------------------------
@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM decisions",
        "DELETE FROM list_items",
        "DELETE FROM lists",
        "DELETE FROM chain_checkpoints",
        "DELETE FROM list_item_removals",
        "DELETE FROM access_log",
        "UPDATE decisions SET reviewer = 'B'",
        "UPDATE chain_checkpoints SET count = 9",
    ],
)
def test_raw_deletes_and_updates_are_still_refused_after_retention(store, clock, statement):
    old = add_list(store, clock, "2019-09-01", "r-old")
    add_list(store, clock, "2021-09-01", "r-new")
    for day in ("2019-10-01", "2019-10-02", "2021-10-01"):
        decide(store, clock, old, day)
    store.apply_retention(at("2020-01-01"), at("2019-10-02"), user="records.officer")
    before = "\n".join(raw(store).iterdump())
    with raw(store) as conn, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(statement)
    assert "\n".join(raw(store).iterdump()) == before
    assert raw(store).execute("SELECT count(*) FROM retention_window").fetchone() == (0,)


def test_a_delete_through_a_window_opened_by_hand_still_breaks_the_chain(store, clock):
    list_id = add_list(store, clock, "2019-09-01", "r-1")
    for day in ("2019-10-01", "2019-10-02", "2019-10-03"):
        decide(store, clock, list_id, day)
    with raw(store) as conn:
        conn.execute("INSERT INTO retention_window VALUES (1, 'now')")
        conn.execute("DELETE FROM decisions WHERE seq = 2")
        conn.execute("DELETE FROM retention_window")
    report = store.verify_chain()
    assert (report.ok, report.first_bad_seq) == (False, 3)
    with pytest.raises(WorkbenchError, match=r"chain does not verify .* removes nothing"):
        store.apply_retention(at("2030-01-01"), at("2030-01-01"), user="records.officer")
    assert store.items(list_id).height == 3 and store.decisions().height == 2
    assert raw(store).execute("SELECT count(*) FROM retention_window").fetchone() == (0,)


def test_cut_offs_must_be_timezone_aware_and_the_user_named(store):
    with pytest.raises(WorkbenchError, match="before_lists must be a timezone-aware datetime"):
        store.apply_retention(datetime(2020, 1, 1), at("2020-01-01"), user="R. Keeper")
    with pytest.raises(WorkbenchError, match="needs the user's name"):
        store.apply_retention(at("2020-01-01"), at("2020-01-01"), user=" ")


# --- the chain after removal ---------------------------------------------------------------------
def five_decisions(store: ReviewStore, clock: Clock) -> str:
    list_id = add_list(store, clock, "2019-09-01", "r-1")
    for number in range(1, 6):
        decide(store, clock, list_id, f"2019-10-0{number}")
    return list_id


def tamper(store: ReviewStore, statement: str) -> None:
    with raw(store) as conn:
        for trigger in ("decisions_no_update", "decisions_no_delete"):
            conn.execute(f"DROP TRIGGER {trigger}")
        for trigger in ("chain_checkpoints_no_update", "chain_checkpoints_no_delete"):
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute(statement)


def test_removal_keeps_the_head_and_a_new_decision_chains_on(store, clock):
    list_id = five_decisions(store, clock)
    head = store.verify_chain().head
    store.apply_retention(at("2000-01-01"), at("2019-10-04"), user="records.officer")
    report = store.verify_chain()
    assert (report.ok, report.checked, report.removed, report.head) == (True, 2, 3, head)
    assert report.message == (
        "2 decisions, chain intact; 3 earlier decisions removed under retention, bridged by 1 "
        "checkpoints"
    )
    [checkpoint] = store.checkpoints()
    assert (checkpoint.seq_from, checkpoint.seq_upto, checkpoint.count) == (1, 3, 3)
    assert checkpoint.from_hash == store_module.GENESIS_HASH
    assert store.decisions()["prev_hash"][0] == checkpoint.head_hash
    decide(store, clock, list_id, "2026-01-01")
    assert store.verify_chain().ok


def test_removing_every_decision_leaves_the_head_for_the_next_to_chain_from(store, clock):
    list_id = five_decisions(store, clock)
    head = store.verify_chain().head
    store.apply_retention(at("2000-01-01"), at("2030-01-01"), user="records.officer")
    assert store.verify_chain() == store_module.ChainReport(
        True,
        0,
        None,
        "0 decisions, chain intact; 5 earlier decisions removed under retention, bridged by 1 "
        "checkpoints",
        head,
        5,
    )
    clock.moment = at("2030-02-01")
    new = store.record_decision(list_id, K2, "contact", "B. Officer")
    assert (new.seq, new.prev_hash) == (6, head)
    assert store.verify_chain().ok


@pytest.mark.parametrize(
    ("statement", "first_bad_seq", "message"),
    [
        ("UPDATE decisions SET reviewer = 'B' WHERE seq = 5", 5, "edited after recording"),
        ("DELETE FROM decisions WHERE seq = 4", 5, "removed, inserted or reordered"),
        ("DELETE FROM decisions WHERE seq = 5", 5, "after seq 4 up to 5 were removed"),
        ("UPDATE chain_checkpoints SET count = 2", 1, "edited after retention"),
        ("UPDATE chain_checkpoints SET head_hash = 'f'", 1, "edited after retention"),
        ("DELETE FROM chain_checkpoints", None, "checkpoints after 0 up to 1 were removed"),
    ],
)
def test_tampering_after_removal_is_still_found(store, clock, statement, first_bad_seq, message):
    five_decisions(store, clock)
    store.apply_retention(at("2000-01-01"), at("2019-10-04"), user="records.officer")
    tamper(store, statement)
    report = store.verify_chain()
    assert (report.ok, report.first_bad_seq) == (False, first_bad_seq)
    assert message in report.message


def test_a_store_of_schema_1_is_migrated_keeping_its_chain_and_counter(tmp_path, monkeypatch):
    clock = Clock()
    path = tmp_path / "review.sqlite"
    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:1])
    with ReviewStore(path, clock=clock) as old:
        list_id = add_list(old, clock, "2019-09-01", "r-1")
    prev_hash = store_module.GENESIS_HASH
    with sqlite3.connect(path, isolation_level=None) as conn:  # as schema 1's code recorded them
        for number in range(1, 6):
            row = {
                "decision_id": f"d-{number}",
                "list_id": list_id,
                "item_key": K1,
                "reviewer": "A. Officer",
                "decided_at": f"2019-10-0{number}T00:00:00.000000Z",
                "decision": "defer",
                "reason": None,
            }
            digest = store_module.decision_hash(row, prev_hash)
            conn.execute(
                "INSERT INTO decisions (decision_id, list_id, item_key, reviewer, decided_at, "
                "decision, reason, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*row.values(), prev_hash, digest],
            )
            prev_hash = digest
        before = conn.execute("SELECT * FROM decisions ORDER BY seq").fetchall()
    monkeypatch.undo()
    with ReviewStore(path, clock=clock) as store:
        assert store.schema_version == len(store_module.MIGRATIONS)
        assert store.decisions().rows() == before
        assert store.verify_chain().head == prev_hash
        assert store.verify_chain().ok
        # The five plain links stay as they are; the chain is keyed after them.
        assert store._conn.execute(
            "SELECT since_seq, since_checkpoint FROM chain_key"
        ).fetchone() == (5, 0)
        assert store._conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'decisions'"
        ).fetchone() == (5,)
        clock.moment = at("2021-01-01")
        store.apply_retention(at("2020-01-01"), at("2000-01-01"), user="records.officer")
        assert store.items(list_id).height == 0 and store.decisions().height == 5


# --- the invariant --------------------------------------------------------------------------------
moments = st.datetimes(
    min_value=datetime(2018, 1, 2), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    decided=st.lists(st.tuples(moments, st.sampled_from([K1, K2, K3])), min_size=1, max_size=12),
    data=st.data(),
)
def test_exactly_the_decisions_before_each_cut_off_go_and_the_chain_holds(decided, data):
    # Dates are drawn in any order (a clock can be set back), so removals can leave gaps.
    times = [moment for moment, _ in decided]
    cut_offs = st.sampled_from(times) | moments
    first, second = sorted(data.draw(st.tuples(cut_offs, cut_offs), label="cut-offs"))
    with tempfile.TemporaryDirectory() as folder:
        clock = Clock()
        with ReviewStore(Path(folder) / "review.sqlite", clock=clock) as store:
            list_id = store.add_list("r-1", "two_year_old", "two_year_old@1", {}, items(K1, K2, K3))
            when = {}
            for moment, key in decided:
                clock.moment = moment
                when[store.record_decision(list_id, key, "defer", "A. Officer").decision_id] = (
                    moment
                )
            head, previous = store.verify_chain().head, None
            for cut in (first, second):
                done = store.apply_retention(START, cut, user="records.officer")
                kept = sorted(d for d, moment in when.items() if moment >= cut)
                assert sorted(store.decisions()["decision_id"].to_list()) == kept
                newly = [
                    m for m in when.values() if m < cut and (previous is None or m >= previous)
                ]
                assert done.decisions == len(newly)
                previous = cut
                report = store.verify_chain()
                assert (report.ok, report.checked, report.head) == (True, len(kept), head)
                assert report.removed == len(when) - len(kept)
            log = store.access_log().filter(pl.col("command") == "retention")["detail"]
            assert log.str.contains(r"^removed 0 list items of 0 lists").all()
            if kept:
                seq = data.draw(st.sampled_from(store.decisions()["seq"].to_list()), label="seq")
                tamper(store, f"UPDATE decisions SET reason = 'edited' WHERE seq = {seq}")
                report = store.verify_chain()
                assert (report.ok, report.first_bad_seq) == (False, seq)


# --- wiring into the retention policy ----------------------------------------------------------
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


@given(
    day=days,
    today=days,
    period=st.builds(
        Period, years=st.integers(0, 8), months=st.integers(0, 30), days=st.integers(1, 400)
    ),
)
def test_cut_off_is_the_first_day_still_within_its_period(day, today, period):
    assert (day < cut_off(period, today)) == (period.expires(day) <= today)


def policy_store(tmp_path: Path) -> tuple[Path, list[str]]:
    """Lists stored in 2024 and 2025; decisions in 2019, 2020 and 2025."""
    clock = Clock()
    path = tmp_path / "review.sqlite"
    with ReviewStore(path, clock=clock) as store:
        old = add_list(store, clock, "2024-09-01", "r-old")
        add_list(store, clock, "2025-09-01", "r-new")
        ids = [decide(store, clock, old, day) for day in ("2019-12-31", "2020-01-01", "2025-01-01")]
    return path, ids


def test_the_plan_gives_the_store_cut_offs_and_apply_removes_through_the_store(tmp_path):
    path, ids = policy_store(tmp_path)
    plan = plan_retention(tmp_path / "reports", None, date(2026, 1, 1), store=path)
    assert plan.store is not None
    assert (plan.store.before_lists, plan.store.before_decisions) == (
        datetime(2025, 1, 2, tzinfo=UTC),
        datetime(2020, 1, 2, tzinfo=UTC),
    )
    due = plan.store.due
    assert (due.lists, due.list_items, due.decisions, due.checkpoints) == (1, 3, 2, 1)
    log = tmp_path / "retention.jsonl"
    deleted = apply_retention(plan, log, user="records.officer")
    assert deleted == {
        "run_folders": 0,
        "restricted_outputs": 0,
        "lists": 0,
        "outreach_exports": 0,
        "check_exports": 0,
        "review_workbooks": 0,
        "dfe_results": 0,
        "quarantine_files": 0,
        "link_outputs": 0,
        "subject_access_exports": 0,
        "decisions": 2,
        "store_list_items": 3,
        "check_results": 0,
    }
    entry = json.loads(log.read_text().splitlines()[-1])  # the closing line
    assert entry["store"] == {
        "lists": 1,
        "list_items": 3,
        "decisions": 2,
        "checkpoints": 1,
        "check_imports": 0,
        "check_results": 0,
        "before_lists": "2025-01-02T00:00:00.000000Z",
        "before_decisions": "2020-01-02T00:00:00.000000Z",
        "before_check_results": "2025-01-02T00:00:00.000000Z",
    }
    with ReviewStore(path) as store:
        assert store.decisions()["decision_id"].to_list() == ids[2:]
        assert store.verify_chain().ok
        assert [len(store.items(i)) for i in store.lists()["list_id"]] == [0, 3]
        logged = store.access_log().filter(pl.col("command") == "retention")
        assert logged["user"].to_list() == ["records.officer"]
    assert all(i not in log.read_text() for i in ids) and K1 not in log.read_text()


def test_a_store_whose_chain_is_broken_stops_the_whole_retention_run(tmp_path):
    path, _ = policy_store(tmp_path)
    folder = tmp_path / "reports" / "2010-01-01-demo-r-0000000000aa"
    (folder / "shareable").mkdir(parents=True)
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("DROP TRIGGER decisions_no_update")
        conn.execute("UPDATE decisions SET reviewer = 'Z' WHERE seq = 1")
    plan = plan_retention(tmp_path / "reports", None, date(2026, 1, 1), store=path)
    with pytest.raises(WorkbenchError, match="chain does not verify"):
        apply_retention(plan, tmp_path / "log.jsonl", user="records.officer")
    assert folder.exists() and not (tmp_path / "log.jsonl").exists()


# --- DfE's check results -------------------------------------------------------------------------
ROW_KEYS = [pseudonym("dfe_check_row", f"parent {n}", KEY) for n in (1, 2)]


def checked(store: ReviewStore, clock: Clock) -> tuple[str, list[str]]:
    """A list whose children K1 and K2 were exported for checking on 2019-10-02, DfE's results
    imported on 2019-11-01 (two) and 2025-03-01 (one, for K2's row): the import ids."""
    list_id = add_list(store, clock, "2019-09-01", "r-1")
    first, second = (decide(store, clock, list_id, "2019-10-01", key) for key in (K1, K2))
    seqs = dict(store.decisions().select("decision_id", "seq").iter_rows())
    clock.moment = at("2019-10-02")
    store.record_check_export(
        {
            "export_id": "cx-0000000000000001",
            "list_id": list_id,
            "template": "childcare",
            "files": 1,
            "not_checkable": 0,
            "rows": [
                {"row_number": 1, "part": 1, "row_key": ROW_KEYS[0],
                 "items": [(K1, first, seqs[first])]},
                {"row_number": 2, "part": 1, "row_key": ROW_KEYS[1],
                 "items": [(K2, second, seqs[second])]},
            ],
        },
        user="A. Officer",
        detail="export cx-0000000000000001",
    )  # fmt: skip
    imports = []
    for day, results in (
        ("2019-11-01", [(1, "eligible"), (2, "may_not_be_eligible")]),
        ("2025-03-01", [(2, "eligible")]),
    ):
        clock.moment = at(day)
        import_id, _ = store.record_check_results(
            "cx-0000000000000001",
            [
                {
                    "row_number": row,
                    "outcome": outcome,
                    "dfe_outcome": outcome.title(),
                    "tier": None,
                    "eligible_until": None,
                }
                for row, outcome in results
            ],
            file_name=f"results-{day}.csv",
            file_sha256="0" * 64,
            user="A. Officer",
        )
        imports.append(import_id)
    return list_id, imports


def test_check_results_imported_before_the_cut_off_go_and_the_import_keeps_its_counts(store, clock):
    list_id, (old, new) = checked(store, clock)
    due = store.retention_due(
        at("2000-01-01"), at("2000-01-01"), before_check_results=at("2020-01-01")
    )
    assert (due.check_imports, due.check_results, due.removed_at) == (1, 2, None)
    assert store.check_results(list_id).height == 3  # retention_due removed nothing
    clock.moment = at("2026-01-01")
    done = store.apply_retention(
        at("2000-01-01"),
        at("2000-01-01"),
        user="records.officer",
        before_check_results=at("2020-01-01"),
    )
    assert (done.check_imports, done.check_results, done.decisions, done.list_items) == (
        1,
        2,
        0,
        0,
    )
    assert done.before_check_results == "2020-01-01T00:00:00.000000Z"
    # Only the 2025 result is left; the 2019 import's row and counts stay.
    assert store.check_results(list_id).select("item_key", "outcome", "checked_at").rows() == [
        (K2, "eligible", "2025-03-01T00:00:00.000000Z")
    ]
    with raw(store) as conn:
        assert conn.execute(
            "SELECT import_id, row_count, recorded FROM check_imports ORDER BY imported_at"
        ).fetchall() == [(old, 2, 2), (new, 1, 1)]
        assert conn.execute("SELECT * FROM check_result_removals").fetchall() == [
            (old, "2026-01-01T00:00:00.000000Z", 2, "records.officer")
        ]
    assert store.access_log().filter(pl.col("command") == "retention")["detail"].to_list() == [
        "removed 0 list items of 0 lists created before 2000-01-01T00:00:00.000000Z; 0 "
        "decisions recorded before 2000-01-01T00:00:00.000000Z, bridged by 0 chain "
        "checkpoints; 2 check results of 1 imports of DfE's results imported before "
        "2020-01-01T00:00:00.000000Z"
    ]
    assert store.verify_chain().ok and store.decisions().height == 2
    again = store.apply_retention(
        at("2000-01-01"), at("2000-01-01"), user="records.officer",
        before_check_results=at("2020-01-01"),
    )  # fmt: skip
    assert (again.check_imports, again.check_results) == (0, 0)


def test_without_a_cut_off_for_them_no_check_result_goes(store, clock):
    list_id, _ = checked(store, clock)
    done = store.apply_retention(at("2030-01-01"), at("2000-01-01"), user="records.officer")
    assert (done.check_imports, done.check_results, done.before_check_results) == (0, 0, None)
    assert store.check_results(list_id).height == 3
    assert "check results" not in done.summary()


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM check_results",
        "DELETE FROM check_imports",
        "DELETE FROM check_result_removals",
        "UPDATE check_results SET outcome = 'eligible'",
        "UPDATE check_result_removals SET result_count = 9",
    ],
)
def test_check_results_leave_only_through_retention(store, clock, statement):
    checked(store, clock)
    store.apply_retention(
        at("2000-01-01"), at("2000-01-01"), user="records.officer",
        before_check_results=at("2020-01-01"),
    )  # fmt: skip
    before = "\n".join(raw(store).iterdump())
    with raw(store) as conn, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(statement)
    assert "\n".join(raw(store).iterdump()) == before


def test_the_plan_removes_check_results_a_year_after_their_import(tmp_path):
    clock = Clock()
    path = tmp_path / "review.sqlite"
    with ReviewStore(path, clock=clock) as store:
        checked(store, clock)
    plan = plan_retention(tmp_path / "reports", None, date(2026, 1, 1), store=path)
    assert plan.store is not None
    assert plan.store.before_check_results == datetime(2025, 1, 2, tzinfo=UTC)
    assert (plan.store.due.check_imports, plan.store.due.check_results) == (1, 2)
    assert plan.notes[-1] == (
        "review store: 3 items of 1 lists stored before 2025-01-02 (1 year from when the list "
        "was stored), 2 of 2 decisions recorded before 2020-01-02 (6 years from the decision), "
        "and 2 check results of 1 imports of DfE's results imported before 2025-01-02 (1 year "
        "from the import) are past their period. --apply removes them through the store, "
        "which keeps the counts of each list and import and bridges the decision chain with a "
        "sealed checkpoint."
    )
    log = tmp_path / "retention.jsonl"
    deleted = apply_retention(plan, log, user="records.officer")
    assert (deleted["check_results"], deleted["decisions"], deleted["store_list_items"]) == (
        2,
        2,
        3,
    )
    entry = json.loads(log.read_text().splitlines()[-1])  # the closing line
    assert (entry["store"]["check_imports"], entry["store"]["check_results"]) == (1, 2)
    assert entry["store"]["before_check_results"] == "2025-01-02T00:00:00.000000Z"
    assert "cx-" not in log.read_text() and "ci-" not in log.read_text()
    with ReviewStore(path) as store:
        assert store.check_results(store.lists()["list_id"][0]).height == 1


def test_a_store_of_schema_4_keeps_its_check_results_and_can_then_remove_them(
    tmp_path, monkeypatch
):
    clock = Clock()
    path = tmp_path / "review.sqlite"
    original = store_module.MIGRATIONS
    monkeypatch.setattr(store_module, "MIGRATIONS", original[:4])
    with ReviewStore(path, clock=clock) as old:
        list_id, _ = checked(old, clock)
        conn = raw(old)
        conn.execute("INSERT INTO retention_window VALUES (1, 'now')")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):  # even in a window
            conn.execute("DELETE FROM check_results")
        conn.execute("DELETE FROM retention_window")
        conn.close()
    monkeypatch.setattr(store_module, "MIGRATIONS", original)
    with ReviewStore(path, clock=clock) as store:
        assert store.schema_version == len(store_module.MIGRATIONS)
        assert store.check_results(list_id).height == 3
        # Imported before results were sealed: counted, not checked (and not failed).
        found = store.verify_check_results()
        assert (found.ok, found.sealed, found.unsealed) == (True, 0, 2)
        done = store.apply_retention(
            at("2000-01-01"), at("2000-01-01"), user="records.officer",
            before_check_results=at("2030-01-01"),
        )  # fmt: skip
        assert (done.check_imports, done.check_results) == (2, 3)
        assert store.check_results(list_id).height == 0 and store.verify_chain().ok


def exported_in_2019(store: ReviewStore, clock: Clock, file: str) -> None:
    """A list of 2019, a decision about K1 on it, and an outreach export sending K1."""
    listed = add_list(store, clock, "2019-09-01", "r-old")
    decide(store, clock, listed, "2019-10-01")
    [decision] = store.decisions()["decision_id"].to_list()
    clock.moment = at("2019-10-02")
    store.record_outreach_export(listed, file, [(K1, decision)], user="Al Ash", detail="x")


def test_outreach_export_rows_go_with_the_decisions_they_rest_on(store, clock):
    # An auditor's case: the rows of outreach exports (a child's key and the decision sent on)
    # outlived every retention period. They go with the decisions; the export's own row stays.
    exported_in_2019(store, clock, "/x/2019.csv")
    new = add_list(store, clock, "2021-09-01", "r-new")
    decide(store, clock, new, "2021-10-01")
    latest = store.decisions()["decision_id"].to_list()[-1]
    clock.moment = at("2021-10-02")
    store.record_outreach_export(new, "/x/2021.csv", [(K1, latest)], user="Al Ash", detail="x")
    assert store.retention_due(at("2000-01-01"), at("2020-01-02")).outreach_rows == 1
    with raw(store) as conn, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM outreach_export_items")
    clock.moment = at("2026-01-01")
    done = store.apply_retention(at("2000-01-01"), at("2020-01-02"), user="records.officer")
    assert done.outreach_rows == 1
    assert store.outreach_exported()["file"].to_list() == ["/x/2021.csv"]
    assert store.outreach_exports()["row_count"].to_list() == [1, 1]  # the counts stay
    [line] = store.access_log().filter(pl.col("command") == "retention")["detail"].to_list()
    assert "; 1 outreach export rows of exports made before then" in line


def test_outreach_export_records_are_sealed_and_retention_keeps_them_proved(store, clock):
    # An auditor's case: a row added to outreach_export_items made a family count as sent
    # (never written to), one removed had them sent again, and `assure` said nothing.
    listed = add_list(store, clock, "2019-09-01", "r-old")
    decide(store, clock, listed, "2019-10-01")
    decide(store, clock, listed, "2019-10-01", key=K2)
    first, second = store.decisions()["decision_id"].to_list()
    clock.moment = at("2019-10-02")
    store.record_outreach_export(listed, "/x/a.csv", [(K1, first)], user="Al Ash", detail="x")
    store.record_outreach_export(listed, "/x/b.csv", [(K2, second)], user="Al Ash", detail="x")
    assert store.verify_check_results().ok
    with raw(store) as conn:
        conn.execute("INSERT INTO outreach_export_items VALUES (1, ?, ?)", (K3, second))
    problems = store.verify_check_results().problems
    assert problems == (
        "outreach export 1 (2019-10-02T00:00:00.000000Z): its rows were changed, added or "
        "removed since it was made (outside retention): which families count as sent is not as "
        "exported",
    )
    with raw(store) as conn:
        conn.execute("DROP TRIGGER outreach_export_items_no_delete")
        conn.execute("DELETE FROM outreach_export_items WHERE item_key = ?", (K3,))
        conn.execute("DELETE FROM outreach_export_items WHERE item_key = ?", (K2,))
    assert [p.split(":")[0] for p in store.verify_check_results().problems] == [
        "outreach export 2 (2019-10-02T00"
    ]


def test_retention_of_outreach_rows_leaves_the_seals_verifying(store, clock):
    exported_in_2019(store, clock, "/x/a.csv")
    clock.moment = at("2026-01-01")
    store.apply_retention(at("2000-01-01"), at("2020-01-02"), user="records.officer")
    assert store.outreach_exported().is_empty()
    assert store.verify_check_results().ok, store.verify_check_results().problems
