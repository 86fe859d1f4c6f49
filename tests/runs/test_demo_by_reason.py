"""Children by reason, as `workbench assess` prints them and the demo publishes them: every
criterion checked for the term is a row, 0 (or hidden) where no child meets it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from workbench.eligibility.assess import assess, list_summary
from workbench.rules import load_rule_set
from workbench.stats.table_links import protect_list_summary

SAMPLE = Path(__file__).parents[2] / "data_samples" / "council_small"
LISTED = pl.DataFrame(
    {
        "tier": ["likely", "likely", "possible"],
        "reason_codes": [["uc_low"], ["uc_low", "esa"], []],
    }
)


def test_every_code_given_is_a_row_in_the_order_given_with_0_where_no_child_meets_it():
    summary = list_summary(LISTED, codes=["esa", "nrpf", "uc_low", "looked_after"])
    assert summary["reason"].rows() == [
        ("esa", 1),
        ("nrpf", 0),
        ("uc_low", 2),
        ("looked_after", 0),
    ]
    assert summary["reason"].schema == {"reason_code": pl.String, "children": pl.Int64}
    assert summary["tier"].rows() == [("likely", 2), ("possible", 1)]


def test_a_code_met_that_is_not_among_those_given_is_kept_after_them():
    # Nothing met is dropped: a code the list holds but the rules checked for the term do
    # not name (a list edited, a rule file changed) follows them.
    summary = list_summary(LISTED, codes=["nrpf", "esa"])
    assert summary["reason"].rows() == [("nrpf", 0), ("esa", 1), ("uc_low", 2)]


def test_without_codes_only_the_codes_met_are_listed_most_met_first():
    assert list_summary(LISTED)["reason"].rows() == [("uc_low", 2), ("esa", 1)]


def test_an_assessment_lists_every_criterion_in_force_for_the_term_in_the_rules_order():
    # Free school meals on 1 September 2026: tax credits and their run-on have ended, so they
    # were not checked and are not listed; every criterion in force is, 0 where no child
    # meets it (council_small's list meets four).
    found = assess(
        SAMPLE,
        "free_school_meals",
        term_start=date(2026, 9, 1),
        as_of=date(2026, 9, 1),
        linkage="exact",
    )
    assert found.summary()["reason"].rows() == [
        ("income_support", 0),
        ("jsa_income_based", 0),
        ("esa_income_related", 2),
        ("universal_credit_low_income", 16),
        ("universal_credit", 35),
        ("pension_credit_guarantee", 0),
        ("asylum_support", 0),
        ("pupil_own_benefit", 0),
        ("pupil_universal_credit_low_income", 0),
        ("pupil_universal_credit", 0),
        ("transitional_protection", 0),
        ("no_recourse_to_public_funds", 1),
    ]
    rules = load_rule_set("free_school_meals")
    ended = {"tax_credits_low_income", "wtc_run_on"}
    assert ended <= {c.code for c in rules.criteria}
    assert not ended & set(found.summary()["reason"]["reason_code"])


def summary_of(tiers: dict[str, int], reasons: dict[str, int]) -> dict[str, pl.DataFrame]:
    return {
        "tier": pl.DataFrame(
            {"tier": list(tiers), "children": list(tiers.values())},
            schema={"tier": pl.String, "children": pl.Int64},
        ),
        "reason": pl.DataFrame(
            {"reason_code": list(reasons), "children": list(reasons.values())},
            schema={"reason_code": pl.String, "children": pl.Int64},
        ),
    }


def test_a_reason_no_child_meets_is_hidden_as_the_take_up_reports_criteria_are():
    # The take-up report hides its table by criterion's zeros whatever the rules (children in
    # care, without recourse to public funds, ...): the demo's children by reason, the same
    # criteria, does too. The row is listed, so it is told from a criterion not checked.
    summary = summary_of(
        {"likely": 54}, {"income_support": 20, "looked_after": 0, "universal_credit": 34}
    )
    together = protect_list_summary(summary, uses_dwp_list=False)
    assert together.safe
    reason = together.protected["reason"]
    assert reason.zeros_hidden
    assert reason.wide("children").rows() == [
        ("income_support", "20"),
        ("looked_after", "c"),
        ("universal_credit", "34"),
    ]
    # The tiers' zeros follow the rules: shown (a 0 possible tier says nothing).
    assert together.protected["tier"].wide("children").rows() == [
        ("likely", "54"),
        ("possible", "0"),
        ("Total", "54"),
    ]


def test_a_list_of_no_one_shows_its_reasons_zeros_and_is_published():
    # Its Total of 0 says every reason is 0: hidden, they could be worked out exactly, and
    # the set was withheld (disability access fund on a small council).
    together = protect_list_summary(
        summary_of({}, {"disability_living_allowance": 0}), uses_dwp_list=False
    )
    assert together.safe, together.reason
    assert together.protected["reason"].wide("children").rows() == [
        ("disability_living_allowance", "0")
    ]


@pytest.mark.slow  # the demo's pipeline on a small council (its report run left out)
def test_the_demo_publishes_every_criterion_checked_by_reason(tmp_path, monkeypatch):
    import workbench.runs.report
    from workbench.runs.demo import run_demo

    def no_report(*args: object, **kwargs: object) -> object:
        class Run:
            html = None

        return Run()

    monkeypatch.setattr(workbench.runs.report, "run_report", no_report)
    result = run_demo(tmp_path, households=300)
    shareable = result.run_dir / "shareable"
    term = date(2026, 9, 1)
    # Early years pupil premium lists one child on this council: not safe to publish.
    assert not (shareable / "early_years_pupil_premium_by_reason.csv").exists()
    for initiative in ("free_school_meals", "disability_access_fund"):
        published = pl.read_csv(shareable / f"{initiative}_by_reason.csv", infer_schema=False)
        # By code, as the take-up report's table by criterion lists the same criteria.
        checked = [c.code for c in load_rule_set(initiative).criteria_in_force(term)]
        assert published["reason_code"].to_list() == sorted(checked), initiative
        assert set(published["measure"]) == {"children"}
    # Free school meals: the two reasons met by 10 or more are shown, the others hidden (the
    # criteria no child meets with those a few meet); the list of none, its zero shown.
    fsm = pl.read_csv(shareable / "free_school_meals_by_reason.csv", infer_schema=False)
    assert dict(fsm.select("reason_code", "value").iter_rows()) == {
        "income_support": "c",
        "jsa_income_based": "c",
        "esa_income_related": "c",
        "universal_credit_low_income": "16",
        "universal_credit": "35",
        "pension_credit_guarantee": "c",
        "asylum_support": "c",
        "pupil_own_benefit": "c",
        "pupil_universal_credit_low_income": "c",
        "pupil_universal_credit": "c",
        "transitional_protection": "c",
        "no_recourse_to_public_funds": "c",
    }
    daf = pl.read_csv(shareable / "disability_access_fund_by_reason.csv", infer_schema=False)
    assert daf.select("reason_code", "value").rows() == [("disability_living_allowance", "0")]
    summary = (result.run_dir / "summary.md").read_text()
    assert "every criterion checked for the term (in force on its start) is a row" in summary
    assert "the rows are in the order of their codes" in summary
    assert "Counts from 0 to 9 are shown as c" in summary
