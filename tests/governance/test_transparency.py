"""The transparency record is generated from the rule files, schema, lists and policy: it lists
every criterion in force and every column the code reads, checked against those sources."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from workbench.data.schema import TABLES
from workbench.eligibility.assess import columns_needed, columns_used
from workbench.governance import load_policy
from workbench.governance.transparency import (
    OTHER_USES,
    REVIEW_ONLY,
    column_uses,
    transparency_record,
)
from workbench.rules import available_initiatives, load_rule_set, rules_folder
from workbench.stats.disclosure import DisclosureRules

DAYS = [date(2019, 9, 1), date(2024, 9, 1), date(2026, 9, 1)]


def _section(record: str, heading: str) -> str:
    """The text from `heading` to the next heading of the same or a higher level."""
    start = record.index(heading)
    level = heading.split(" ", 1)[0]
    rest = record[start + len(heading) :]
    ends = [
        rest.index("\n" + h + " ")
        for h in ("#" * n for n in range(1, len(level) + 1))
        if "\n" + h + " " in rest
    ]
    return rest[: min(ends)] if ends else rest


def _rows(section: str) -> list[str]:
    return [line for line in section.splitlines() if line.startswith("| `")]


@pytest.mark.parametrize("day", DAYS)
def test_every_criterion_in_force_is_listed_under_its_rule_set_with_its_sentence_and_source(day):
    record = transparency_record(day)
    for initiative in available_initiatives():
        rules = load_rule_set(initiative)
        section = _section(record, f"#### {rules.title} (`{rules.id}`, version {rules.version})")
        expected = [
            f"| `{c.code}` | {c.applies_to} | {' '.join(c.sentence(day).split())} | {c.reference} |"
            for c in rules.criteria_in_force(day)
        ]
        assert _rows(section) == expected
        absent = [c.code for c in rules.criteria if not c.in_force_on(day)]
        for code in absent:
            assert f"`{code}` (" in section.split("Not in force for the term starting")[1]
        if not absent:
            assert "Not in force for the term starting" not in section


def test_the_record_says_how_far_each_rule_file_was_checked_and_warns_past_it():
    checked = transparency_record(date(2027, 4, 1))
    later = transparency_record(date(2027, 9, 1))
    for initiative in available_initiatives():
        rules = load_rule_set(initiative)
        heading = f"#### {rules.title} (`{rules.id}`, version {rules.version})"
        line = "- **Checked against published sources:** for terms starting up to 2027-08-31"
        assert line in _section(checked, heading).splitlines()
        assert "Not checked for this term" not in _section(checked, heading)
        note = rules.beyond_checked(date(2027, 9, 1))
        assert _section(later, heading).split("\n\n")[1] == f"**Not checked for this term:** {note}"


def test_the_tax_credit_criteria_are_in_force_before_april_2025_and_not_after():
    before = _section(transparency_record(date(2024, 9, 1)), "#### Free early education")
    after = _section(transparency_record(date(2026, 9, 1)), "#### Free early education")
    assert (
        "| `tax_credits_low_income` | parent_carer | A parent or carer gets Child Tax Credit"
        in (before)
    )
    assert "£16,190 a year or less" in before
    assert "| `tax_credits_low_income` |" not in after
    assert (
        "Not in force for the term starting 2026-09-01: `tax_credits_low_income` (Child Tax "
        "Credit without Working Tax Credit, gross income £16,190 a year or less); `wtc_run_on` "
        "(Working Tax Credit run-on)." in after
    )


def test_every_column_the_code_reads_is_listed_with_its_use():
    record = transparency_record(date(2026, 9, 1))
    rows = _rows(_section(record, "#### 4.2 Every column, and what reads it"))
    assert len(rows) == sum(len(t.columns) for t in TABLES.values())
    by_column = {row.split(" | ")[0].strip("| `"): row.split(" | ")[1] for row in rows}
    rule_sets = [load_rule_set(name) for name in available_initiatives()]
    read = {
        f"{table}.{column}"
        for table, optional in columns_needed(rule_sets).items()
        for column in (*TABLES[table].required_columns(), *optional)
    }
    used = {
        f"{table}.{column}"
        for rules in rule_sets
        for table, optional in columns_used(rules).items()
        for column in (*TABLES[table].required_columns(), *optional)
    }
    checked = {"dwp_list.list_date", "funded_places.hours_per_week"}  # read, never used
    assert read - used == checked
    assert {c for c, use in by_column.items() if use == "assessment"} == read - checked
    assert {c for c, use in by_column.items() if use.startswith("checked when")} == checked
    special = {
        f"{t.name}.{c.name}" for t in TABLES.values() for c in t.columns if c.special_category
    }
    assert special == {"people.sex", "people.ethnicity", "people.first_language"}
    assert {c for c, use in by_column.items() if use.startswith("equality")} == special
    for column in set(by_column) - read - special:
        expected = REVIEW_ONLY if column in OTHER_USES else "checked by validate only"
        assert by_column[column] == expected, column
    # Nothing special-category is ever read for assessment.
    assert not {c.split(".")[1] for c in read} & {c.split(".")[1] for c in special}


def test_what_review_outreach_and_dfe_checks_read_is_stated():
    # The auditor found people.address_line_1 "checked by validate only" though officers see
    # it and the contact file holds it, and people.school_urn though DfE's check is sent it.
    from workbench.review import details

    read = {f"people.{c}" for c in details._PEOPLE_COLUMNS}
    read |= {f"dwp_list.{c}" for c in details._DWP_COLUMNS}
    read |= {"people.nino", "people.school_urn"}  # check export's people columns
    assert read <= set(OTHER_USES), read - set(OTHER_USES)
    for name in OTHER_USES:
        table, column = name.split(".")
        assert column in TABLES[table].column_names, name
    record = transparency_record(date(2026, 9, 1))
    assert (
        "| `people.address_line_1` | review, contact and DfE checks only | - | shown to the "
        "officer reviewing the child; in `review outreach`'s contact file | First line"
    ) in record
    assert "`people.school_urn`, `dwp_list.address_line_1`" in _section(record, "## DPIA helper")


def test_columns_follow_what_assess_loads_not_a_copy(monkeypatch):
    from workbench.governance import transparency

    def with_hours(rules):
        found = columns_used(rules)
        return {**found, "funded_places": ("postcode", "hours_per_week")}

    monkeypatch.setattr(transparency, "columns_used", with_hours)
    rows = {u.table + "." + u.column: u.use for u in column_uses([load_rule_set("two_year_old")])}
    assert rows["funded_places.hours_per_week"] == "assessment"
    assert rows["dwp_list.list_date"] == "checked when assessing, never used"
    assert rows["dwp_list.address_line_2"] == REVIEW_ONLY  # shown to the officer
    assert rows["people.school_urn"] == REVIEW_ONLY  # sent to DfE's enhanced FSM check


def test_columns_are_stated_rule_set_by_rule_set():
    # A NINO only for the DWP list, a postcode only to link a record, an income only for an
    # income test: the record names the initiatives that use each, and those only checking.
    uses = {
        f"{u.table}.{u.column}": u
        for u in column_uses([load_rule_set(name) for name in available_initiatives()])
    }
    assert uses["people.nino"].initiatives == ("two_year_old",)
    assert "free_school_meals" not in uses["people.postcode"].initiatives
    assert uses["people.role"].initiatives == tuple(sorted(available_initiatives()))
    income = uses["benefits.net_earned_income"]
    assert "disability_access_fund" not in income.initiatives
    assert income.checked_by == ("disability_access_fund",)
    assert uses["households.savings"].initiatives == ("two_year_old",)
    assert uses["households.savings"].checked_by == ("free_school_meals",)
    record = transparency_record(date(2026, 9, 1))
    assert (
        "| `people.nino` | assessment | two_year_old | a parent's, sent to DfE's checks "
        "(childcare and early years; free school meals) | National Insurance number"
    ) in record
    assert (
        "| `benefits.gross_income` | assessment | early_years_pupil_premium, free_school_meals, "
        "two_year_old; checked when assessing, never used: disability_access_fund |" in record
    )


def test_the_dwp_list_restriction_is_stated_from_the_restricted_sources_file():
    record = transparency_record(date(2026, 9, 1))
    raw = yaml.safe_load((rules_folder() / "_restricted_sources.yaml").read_text())
    policy = raw["sources"]["dwp_list"]
    section = _section(record, "#### 4.3 Sources restricted by law")
    assert "- `dwp_list`: may be used only for early_years_provision (Deciding eligibility" in (
        section
    )
    assert (
        "by the initiatives disability_access_fund, early_years_pupil_premium, two_year_old "
        "(initiatives declaring it: two_year_old)." in section
    )
    assert "- `dwp_free_school_meals`: may be used only for school" in section
    assert "Not in force: off until it commences" in section
    assert " ".join(policy["text"].split()) in section
    assert policy["reference"] in section


def test_disclosure_control_and_retention_come_from_their_configuration():
    record = transparency_record(date(2026, 9, 1), disclosure=DisclosureRules(threshold=5))
    assert "counts from 1 to 4 are suppressed (threshold 5) and shown as `c`" in record
    assert "secondary suppression" in record
    default = transparency_record(date(2026, 9, 1))
    assert "counts from 1 to 9 are suppressed (threshold 10)" in default
    policy = load_policy()
    for kind, rule in policy.periods.items():
        assert (
            f"| {kind} | {rule.keep} | {rule.from_.replace('_', ' ')} | council-to-confirm |"
            in (default)
        )


def test_the_record_does_not_claim_rounding_stops_comparing_two_runs():
    # A disclosure tester: rounding to 5 is deterministic, so one family leaving moves a
    # cell across a rounding boundary about one time in five, and the two rounded values
    # then give the exact counts. The record must say so, and what else to do.
    section = _section(
        transparency_record(date(2026, 9, 1)), "### 6. What is published and how it is protected"
    )
    text = " ".join(section.split())
    assert "publish rounded counts" not in text
    assert "reduces this risk but does not remove it" in text
    assert "publishes less often" in text
    assert "coarser tables" in text
    assert "ONS cell-key method" in text
    assert "the workbench does not offer one" in text


def test_the_record_has_the_atrs_structure_and_human_oversight():
    record = transparency_record(date(2026, 9, 1))
    headings = [line for line in record.splitlines() if line.startswith(("# ", "## ", "### "))]
    assert headings == [
        "# Algorithmic transparency record: Eligibility Workbench",
        "## Tier 1: summary",
        "## Tier 2: detail",
        "### 1. Owner and responsibility",
        "### 2. Scope and benefits",
        "### 3. Decision-making process and human oversight",
        "### 4. Data",
        "### 5. Logic: the rules in force for the term starting 2026-09-01",
        "### 6. What is published and how it is protected",
        "### 7. Risks and mitigations",
        "## DPIA helper",
        "### Data items",
        "### Lawful basis (to be confirmed by the DPO)",
        "### Retention (from workbench/governance/retention.yaml, version 2026.12.3)",
        "### Access and security",
        "### Recipients",
    ]
    oversight = _section(record, "### 3. Decision-making process and human oversight")
    assert "`review_status = pending_review`" in oversight
    assert "with their name and the time" in oversight
    assert "UK GDPR Art. 6(1)(e) public task" in record and "Art. 9(2)(g)" in record
    for risk in ("Wrong record match", "Stale data", "Bias", "Automated decision-making"):
        assert f"| {risk}" in record
    assert transparency_record(date(2026, 9, 1)) == record


def test_a_new_rule_file_appears_in_the_record_without_code_changes(tmp_path: Path):
    folder = tmp_path / "rules"
    folder.mkdir()
    raw = yaml.safe_load((rules_folder() / "free_school_meals.yaml").read_text())
    raw["id"], raw["title"], raw["valid_from"] = "holiday_food", "Holiday food", "2027-01-01"
    (folder / "holiday_food.yaml").write_text(yaml.safe_dump(raw))
    shutil.copy(rules_folder() / "two_year_old.yaml", folder)
    record = transparency_record(date(2026, 9, 1), rules=folder)
    assert (
        "Not in force for the term starting 2026-09-01: this rule file starts on 2027-01-01."
        in _section(record, "#### Holiday food (`holiday_food`")
    )
    assert "- **Holiday food** (`holiday_food`, not in force until 2027-01-01)" in record
    data = record.split("### 4. Data")[1].replace("dwp_free_school_meals", "(policy entry)")
    assert "two_year_old" in record and "free_school_meals" not in data


def test_the_record_says_what_the_officer_sees_and_how_the_review_is_checked():
    from workbench.governance.review_quality import load_review_thresholds
    from workbench.governance.transparency import SHOWN_TO_REVIEWER

    record = transparency_record(date(2026, 9, 1))
    seen = _section(record, "#### 3.1 What the officer sees when reviewing")
    assert "never copied into the list or the review store" in seen
    assert len(SHOWN_TO_REVIEWER) == 6
    assert "| the child's name | `people.forename`, `people.surname` |" in seen
    assert "| the address, postcode and postcode district | `people.address_line_1`" in seen
    for _, named in SHOWN_TO_REVIEWER:
        for source in named:
            table, column = source.split(".")
            assert table == "list" or column in TABLES[table].column_names
    checked = _section(record, "#### 3.2 How the review itself is checked")
    default_words = "more than 6 decisions a minute (sustained over 60 seconds), 50 or more"
    assert default_words in checked
    own = load_review_thresholds()
    custom = transparency_record(
        date(2026, 9, 1),
        review_thresholds=type(own)(3, 120, 20, 1, 1, source="our_thresholds.yaml"),
    )
    custom_words = "more than 3 decisions a minute (sustained over 120 seconds), 20 or more"
    assert custom_words in custom
    assert "thresholds from our_thresholds.yaml" in custom


def test_the_record_names_dfes_services_as_they_are_now_and_every_file_about_individuals():
    record = transparency_record(date(2026, 9, 1))
    assert "Eligibility Checking Service" not in record  # replaced by DfE's two services
    assert (
        'DfE\'s checking services ("Manage eligibility for childcare support" for early years, '
        '"Manage eligibility for free school meals" for free school meals)'
    ) in record
    written = _section(record, "#### 4.4 What the tool writes")
    for kind in ("the quarantine files", "`workbench link`", "`FILE-STEM.dwp_not_listed.csv`"):
        assert kind in written, kind
