"""The algorithmic transparency record, generated from what the code actually uses.

`transparency_record` writes a record in the structure of the UK Algorithmic Transparency
Recording Standard (ATRS): Tier 1 (a plain summary) and Tier 2 (owner, scope, the decision
process and human oversight, data, logic, publication and disclosure control, risks), then a
DPIA helper. Its facts are generated, never typed: the tables and columns from the schema and
the columns each rule set reads (`workbench.eligibility.assess.columns_used`, worked out from
its rules), the criteria in force from every rule file, the restricted sources from
`_restricted_sources.yaml`, the disclosure threshold from `workbench.stats.disclosure`, and
retention from the retention policy. So it cannot drift from what the code does; the council
fills in the placeholders in [brackets].

Example
-------
>>> from datetime import date
>>> record = transparency_record(date(2026, 9, 1))
>>> record.splitlines()[0]
'# Algorithmic transparency record: Eligibility Workbench'
>>> "`universal_credit_low_income`" in record
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from workbench import __version__
from workbench.data.schema import TABLES
from workbench.eligibility.assess import OPTIONAL_COLUMNS_CHECKED, columns_used
from workbench.errors import WorkbenchError
from workbench.governance.retention import RetentionPolicy, load_policy
from workbench.governance.review_quality import ReviewThresholds, load_review_thresholds
from workbench.review.schema import OUTCOME_DECISIONS, decision_label
from workbench.rules import RuleSet, available_initiatives, load_rule_set, rules_folder
from workbench.rules.model import restricted_sources
from workbench.stats.disclosure import DisclosureRules

__all__ = ["SHOWN_TO_REVIEWER", "ColumnUse", "column_uses", "transparency_record"]

ASSESSMENT = "assessment"
EQUALITY = "equality monitoring only (aggregate)"
VALIDATION = "checked by validate only"
CHECKED = "checked when assessing, never used"

# What the review app, the review workbook and the notebook panel show an officer about each
# child, and where it comes from (`table.column` of the data folder, or a column of the
# candidate list). Read from the data folder the list was made from (its hashes must match the
# list's manifest) when the child's details are opened; never copied into the list or the store.
SHOWN_TO_REVIEWER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("the child's name", ("people.forename", "people.surname")),
    (
        "the child's date of birth, and age on the first day of term",
        ("people.date_of_birth",),
    ),
    (
        "the parents' or carers' names",
        ("people.forename", "people.surname", "people.role", "people.household_id"),
    ),
    ("the address, postcode and postcode district", ("people.address_line_1", "people.postcode")),
    (
        "what the council already knows: a funded place for the term, a working-parent place, "
        "the names and ages of the other children of the household",
        ("list.already_funded", "list.working_parent_place", "people.household_id"),
    ),
    (
        "why the child is listed: the criteria met in plain English, the evidence and the rule "
        "with its legal source",
        ("list.reason_codes", "list.evidence", "list.rule_set"),
    ),
)
LIST_COLUMNS = ("already_funded", "working_parent_place", "reason_codes", "evidence", "rule_set")

# What reads a column besides the rules: the officer's view of a child (SHOWN_TO_REVIEWER and
# its DWP-list twin), the contact file `review outreach` writes for the families an officer
# decided to contact, and the files `check export` sends to DfE. A column no rule set uses but
# one of these reads is `REVIEW_ONLY`, never "checked by validate only".
REVIEW_ONLY = "review, contact and DfE checks only"
_SHOWN = "shown to the officer reviewing the child"
_CONTACT = "in `review outreach`'s contact file"
OTHER_USES: dict[str, tuple[str, ...]] = {
    "people.forename": (_SHOWN, _CONTACT, "sent to DfE's checks"),
    "people.surname": (_SHOWN, _CONTACT, "sent to DfE's checks"),
    "people.date_of_birth": (_SHOWN, _CONTACT, "sent to DfE's checks"),
    "people.address_line_1": (_SHOWN, _CONTACT),
    "people.postcode": (_SHOWN, _CONTACT),
    "people.role": (_SHOWN, _CONTACT, "to choose whose details DfE's checks are sent"),
    "people.nino": (
        "a parent's, sent to DfE's checks (childcare and early years; free school meals)",
    ),
    "people.school_urn": ("sent to DfE's enhanced free school meals check",),
    **{
        f"dwp_list.{column}": (_SHOWN, _CONTACT)
        for column in (
            "child_forename",
            "child_surname",
            "child_date_of_birth",
            "parent_forename",
            "parent_surname",
            "address_line_1",
            "postcode",
        )
    },
    **{f"dwp_list.address_line_{n}": (_SHOWN,) for n in (2, 3, 4)},
}


def _shown_sources() -> list[str]:
    """Every source named in SHOWN_TO_REVIEWER, checked against the schema and the list."""
    sources = sorted({s for _, named in SHOWN_TO_REVIEWER for s in named})
    for source in sources:
        table, column = source.split(".", 1)
        known = LIST_COLUMNS if table == "list" else TABLES[table].column_names
        if column not in known:
            raise WorkbenchError(f"the transparency record names {source}, which does not exist")
    return sources


@dataclass(frozen=True)
class ColumnUse:
    """One input column and what the workbench reads it for: `initiatives` read it for `use`;
    `checked_by` read it only to check it (a column some rule sets use and others only
    check)."""

    table: str
    column: str
    use: str
    initiatives: tuple[str, ...]
    meaning: str
    checked_by: tuple[str, ...] = ()
    also: tuple[str, ...] = ()  # OTHER_USES


def _rule_sets(folder: Path | None) -> list[RuleSet]:
    return [load_rule_set(name, folder) for name in available_initiatives(folder)]


def column_uses(rule_sets: list[RuleSet]) -> list[ColumnUse]:
    """Every column of every canonical table, with what reads it, rule set by rule set.

    A column is read for ``assessment`` by the rule sets that declare its table and use it:
    every required column, and the optional ones `columns_used` finds in their rules. A rule
    set that reads the table without using the column reads it only to be checked (its row
    quarantined when the value breaks the contract, then the column dropped) when it is in
    `OPTIONAL_COLUMNS_CHECKED`, and otherwise not at all. A special-category column is read
    only for aggregate equality monitoring. A column the rules do not use but the officer's
    view, the contact file or DfE's checks read is `REVIEW_ONLY`; any other column is only
    checked by `workbench validate`. Each column's `also` says what else reads it
    (`OTHER_USES`).
    """
    uses = []
    used = {rs.id: columns_used(rs) for rs in rule_sets}
    by: tuple[str, ...]
    for table in TABLES.values():
        readers = [rs.id for rs in rule_sets if table.name in rs.sources]
        checkable = OPTIONAL_COLUMNS_CHECKED.get(table.name, ())
        for column in table.columns:
            users = tuple(
                r for r in readers if column.required or column.name in used[r][table.name]
            )
            checkers = tuple(r for r in readers if r not in users and column.name in checkable)
            checked_by: tuple[str, ...] = ()
            if column.special_category:
                use, by = EQUALITY, ()
            elif users:
                use, by, checked_by = ASSESSMENT, users, checkers
            elif f"{table.name}.{column.name}" in OTHER_USES:
                use, by = REVIEW_ONLY, ()
            elif checkers:
                use, by = CHECKED, checkers
            else:
                use, by = VALIDATION, ()
            also = OTHER_USES.get(f"{table.name}.{column.name}", ())
            uses.append(
                ColumnUse(table.name, column.name, use, by, column.meaning, checked_by, also)
            )
    return uses


def _one_line(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _tier1(rule_sets: list[RuleSet]) -> list[str]:
    titles = "; ".join(rs.title for rs in rule_sets)
    return [
        "## Tier 1: summary",
        "",
        "- **Name:** Eligibility Workbench ([council name])",
        "- **Description:** Finds families who look eligible for help they are not yet getting "
        f"({titles}) from the council's benefit, household, social-care and provider data, and "
        "lists them, with the reasons and evidence, for early years and education officers to "
        "review. It never decides: every row it writes is `pending_review`.",
        "- **Website:** [the council's page about the tool and its privacy notice]",
        "- **Contact email:** [team email]; data protection: [DPO email]",
        "- **How the tool is used:** Each term an analyst runs it on an extract of the "
        "council's data. Officers review the candidate list: for each family they see the "
        "criteria met, the evidence and the rule with its legal source, and record a decision "
        f"({', '.join(decision_label(d) for d in OUTCOME_DECISIONS)}) with their name. "
        "Families are then "
        "invited to apply; eligibility is confirmed through DfE's checking services (\"Manage "
        'eligibility for childcare support" for early years, "Manage eligibility for free '
        'school meals" for free school meals), never by this tool. Only counts, with small '
        "numbers suppressed, are published.",
        "",
    ]


def _owner() -> list[str]:
    return [
        "### 1. Owner and responsibility",
        "",
        "- **Organisation:** [council]",
        "- **Team:** [early years / children's services team]",
        "- **Senior responsible owner:** [name, role]",
        "- **Information asset owner:** [name, role]",
        "- **Data protection officer:** [name]",
        "- **Supplier:** none; the council runs the open-source Eligibility Workbench "
        f"(version {__version__}) itself. [Say who maintains the council's installation.]",
        "",
    ]


def _scope(rule_sets: list[RuleSet], on: date) -> list[str]:
    lines = ["### 2. Scope and benefits", "", f"Initiatives with a rule file on {on}:", ""]
    for rs in rule_sets:
        state = "in force" if rs.valid_from <= on else f"not in force until {rs.valid_from}"
        lines.append(f"- **{rs.title}** (`{rs.id}`, {state}): {_one_line(rs.summary)}")
    lines += [
        "",
        "**Benefits:** more eligible children take up the help they are entitled to; officers "
        "spend their time on families rather than on matching spreadsheets; every list can be "
        "reproduced and explained.",
        "",
        "**Out of scope:** deciding eligibility (DfE's checking service does), contacting "
        "families automatically, and any use of the DWP list outside early years.",
        "",
    ]
    return lines


def _shown_to_reviewer() -> list[str]:
    _shown_sources()
    lines = [
        "#### 3.1 What the officer sees when reviewing",
        "",
        "So that the review is a real one, the officer sees who the family is before deciding. "
        "Everything below is read from the council's data folder the list was made from at the "
        "moment the officer opens the child's details (a changed folder is refused) and is "
        "never copied into the list or the review store. Each opening is recorded in the "
        "store's access log (`review view`: who, which list, and which child by its "
        "pseudonymous key, never by name or id); exporting a review "
        "workbook records one for every child it holds.",
        "",
        "| shown | from |",
        "|---|---|",
    ]
    for shown, named in SHOWN_TO_REVIEWER:
        lines.append(f"| {shown} | {', '.join(f'`{n}`' for n in named)} |")
    return [*lines, ""]


def _review_quality(thresholds: ReviewThresholds) -> list[str]:
    return [
        "#### 3.2 How the review itself is checked",
        "",
        "`workbench assure --store` reports, for each list and reviewer, how the decisions "
        "were made, and warns the auditor when a reviewer recorded more than "
        f"{thresholds.decisions_per_minute:g} decisions a minute (sustained over "
        f"{thresholds.window_seconds} seconds), {thresholds.identical_run} or more identical "
        f"decisions in a row, {thresholds.contacts_to_funded} or more `contact` decisions about "
        "children already funded, or "
        f"{thresholds.decisions_without_view} or more decisions without having opened the "
        f"child's details first (thresholds from {thresholds.source}; the council sets its "
        "own). Notebook 05 shows the same table. A warning is a question for the service, "
        "not proof of careless review.",
        "",
    ]


def _oversight(thresholds: ReviewThresholds) -> list[str]:
    return [
        "### 3. Decision-making process and human oversight",
        "",
        "- **Lists, never decisions.** The tool proposes candidates; every row it writes has "
        "`review_status = pending_review`. Nothing happens to a family because of the tool alone.",
        "- **A named person decides.** An officer who can see the evidence records a decision "
        "(`contact`, `check`, `not_eligible`, `already_in_touch`, `defer`; `link_confirmed` or "
        "`link_rejected` for a record link) with their name and the time; `not_eligible` and "
        "`link_rejected` need a written reason. The officer can overrule the tool.",
        "- **Decisions are kept and cannot be altered.** They are appended to a review store "
        "where triggers refuse changes and each decision carries the hash of the one before, "
        "so any edit shows; a correction is a new decision.",
        "- **Uncertain matches go to a person.** A record link in the clerical-review band is "
        "never used as a match; it is flagged `link_needs_review` until an officer confirms it, "
        "shown the two records side by side (the DWP-list row and the council's child proposed "
        "as its match) with the match probability. Only that officer's recorded decision, "
        "applied by the next run to the same pair (`assess --store`), links the two records.",
        "- **UK GDPR Article 22 (Articles 22A-22D after the Data (Use and Access) Act 2025):** "
        "the tool makes no decision based solely on automated processing; the human review is "
        "meaningful because the reviewer sees who the family is, the evidence and the rule, "
        "and can overrule it (3.1), and how the decisions were made is checked (3.2).",
        "",
        *_shown_to_reviewer(),
        *_review_quality(thresholds),
    ]


def _data(rule_sets: list[RuleSet], folder: Path | None) -> list[str]:
    lines = [
        "### 4. Data",
        "",
        "#### 4.1 Tables read",
        "",
        "| table | meaning | read by |",
        "|---|---|---|",
    ]
    for table in TABLES.values():
        readers = [rs.id for rs in rule_sets if table.name in rs.sources]
        lines.append(
            f"| `{table.name}` | {_one_line(table.meaning)} | {', '.join(readers) or 'none'} |"
        )
    lines += [
        "",
        "#### 4.2 Every column, and what reads it",
        "",
        f"`{ASSESSMENT}`: read to assess and link, by the initiatives named (names, dates of "
        "birth, NINOs and postcodes only to match records; an initiative that links no record "
        "reads no NINO or postcode). "
        f"`{CHECKED}`: read only so that a row with a value that breaks the data contract is "
        "set aside as `workbench validate` sets it aside, then dropped: never used. "
        f"`{EQUALITY}`: special category data, read only with `--equality-monitoring`, reported "
        f"only in aggregate and never used to select anyone. `{REVIEW_ONLY}`: not used to "
        "assess anyone, but read to show the officer who the family is, to write the contact "
        f"file, or to send to DfE's checks. `{VALIDATION}`: checked for "
        "quality by `workbench validate`, not used to assess anyone. *Also* says what else "
        "reads a column once a list is made.",
        "",
        "| column | read for | initiatives | also | meaning |",
        "|---|---|---|---|---|",
    ]
    for use in column_uses(rule_sets):
        who = ", ".join(use.initiatives) or "-"
        if use.checked_by:
            who += f"; {CHECKED}: {', '.join(use.checked_by)}"
        also = "; ".join(use.also) or "-"
        lines.append(
            f"| `{use.table}.{use.column}` | {use.use} | {who} | {also} | "
            f"{_one_line(use.meaning)} |"
        )
    lines += ["", "#### 4.3 Sources restricted by law", ""]
    policy = restricted_sources(folder)
    for source, entry in policy.sources.items():
        allowed = [rs.id for rs in rule_sets if source in rs.sources]
        purposes = "; ".join(
            f"{name} ({_one_line(policy.purposes[name]['text'])})" for name in entry["purposes"]
        )
        state = ""
        if entry.get("switchable"):
            commenced = entry.get("commenced")
            state = (
                f" In force from {commenced}."
                if commenced
                else " Not in force: off until it commences (the council records the date)."
            )
        lines.append(
            f"- `{source}`: may be used only for {purposes}, by the initiatives "
            f"{', '.join(policy.initiatives(source)) or 'none yet'} "
            f"(initiatives declaring it: {', '.join(allowed) or 'none'}). "
            f"{_one_line(entry['text'])} Source: {entry.get('reference', '[reference]')}.{state} "
            "A rule file that declares it for any other purpose or initiative is refused when it "
            "is loaded; the package's own policy always decides."
        )
    lines += [
        "",
        "#### 4.4 What the tool writes",
        "",
        "- Candidate lists (one row per listed child: person id, tier, reason codes, evidence, "
        "dates, flags) and their manifests (inputs' SHA-256, parameters, rule-set version, code "
        "version): restricted, owner-only (0600).",
        "- The review store: list items keyed by pseudonymous keys (HMAC-SHA256 under a secret "
        "key that never leaves its file), with tier, reason codes and the evidence text (record "
        "and parent/carer ids only as pseudonymous keys); decisions with reviewer and time; "
        "each outreach and DfE check export with the pseudonymous keys of the children (and, "
        "for checks, of the parents' details) it sent and the decisions each rested on; DfE's "
        "answers; an access log. Retention removes list items, decisions, the rows of outreach "
        "exports and DfE's answers after their periods; the exports' own records (counts), the "
        "rows of DfE check exports and the access log are kept.",
        "- Files about individuals, restricted and owner-only (0600): the review workbooks, the "
        "outreach contact files (names, date of birth, parents' names, address), the files "
        "sent to DfE's checks (parents' surname, date of birth and National Insurance number; "
        "the enhanced free school meals check adds names, the child's date of birth and school), "
        "DfE's results files until imported, and subject-access exports; each dated and "
        "deleted by `workbench retention`.",
        "- Files about individuals written as the data is read, restricted and owner-only "
        "(0600): the quarantine files (each row set aside, with its cells and the reason), the "
        "record links `workbench link` writes (ids and match probabilities), and the DWP-list "
        "rows a list does not carry (`FILE-STEM.dwp_not_listed.csv` beside the list: DWP record "
        "ids, children's dates of birth and the council ids they matched; deleted with the "
        "list).",
        "- Shareable tables: counts only, after disclosure control (section 6).",
        "",
    ]
    return lines


def _criteria_table(rs: RuleSet, on: date) -> list[str]:
    lines = ["| reason code | applies to | criterion | source |", "|---|---|---|---|"]
    for c in rs.criteria_in_force(on):
        lines.append(
            f"| `{c.code}` | {c.applies_to} | {_one_line(c.sentence(on))} | {c.reference} |"
        )
    return lines


def _logic(rule_sets: list[RuleSet], on: date) -> list[str]:
    lines = [
        "### 5. Logic: the rules in force for the term starting " + on.isoformat(),
        "",
        "Which date decides what: the criteria, thresholds and age windows are those in force on "
        "the first day of the term a list targets, even when it is prepared before that day; "
        "awards and statuses must be active on the list's evidence date.",
        "",
    ]
    for rs in rule_sets:
        lines += [f"#### {rs.title} (`{rs.id}`, version {rs.version})", ""]
        if on < rs.valid_from:
            lines += [
                f"Not in force for the term starting {on}: this rule file starts on "
                f"{rs.valid_from}.",
                "",
            ]
            continue
        window = rs.population.window_on(on)
        unchecked = rs.beyond_checked(on)
        lines += [
            *([f"**Not checked for this term:** {unchecked}", ""] if unchecked else []),
            f"- **Legal basis:** {rs.legal_basis.title} ({rs.legal_basis.url})",
            f"- **Age window:** {_one_line(window.text)} ({window.reference})",
            f"- **Parents and carers:** {_one_line(rs.parent_carers.text)}",
            *(
                [
                    f"- **Checked against published sources:** for terms starting up to "
                    f"{rs.checked_through}"
                ]
                if rs.checked_through
                else []
            ),
            "",
            *_criteria_table(rs, on),
            "",
        ]
        out = [c for c in rs.criteria if not c.in_force_on(on)]
        if out:
            lines += [
                f"Not in force for the term starting {on}: "
                + "; ".join(f"`{c.code}` ({_one_line(c.label)})" for c in out)
                + ".",
                "",
            ]
        lines += [f"- **Tier `{tier}`:** {_one_line(text)}" for tier, text in rs.tiers.items()]
        lines += [f"- **Note:** {_one_line(note)}" for note in rs.notes] + [""]
    return lines


def _publication(rules: DisclosureRules) -> list[str]:
    rounding = f"rounded to the nearest {rules.round_to}" if rules.round_to else "not rounded"
    return [
        "### 6. What is published and how it is protected",
        "",
        "- Published: counts of candidates by tier and reason, take-up and funnel figures, "
        "equality monitoring tables. Never a row about a person.",
        f"- Disclosure control: counts from 1 to {rules.threshold - 1} are suppressed (threshold "
        f"{rules.threshold}) and shown as `{rules.symbol}`; so is a 0 funded beside a hidden "
        "count of eligible children; rates built on them too; secondary "
        "suppression across rows and columns, and across the tables of one report that share "
        "a total, so that no hidden count can be recovered by subtraction within a report; "
        f"totals from unrounded counts; counts are {rounding} by default. A table "
        "whose total is itself small is not published.",
        "- Limits: suppression protects each report on its own, with one exception: report "
        "04's counts of a list are protected against the table by tier report 02 publishes "
        "for that list (when both use the same threshold and rounding). Other reports that "
        "count the same children differently, or two runs whose data differ by one family, "
        "can be subtracted from each other. Rounding counts "
        "(`--round-to 5`, `-p round_to=5`) reduces this risk but does not remove it: rounding "
        "is deterministic, so when a family leaves, about one of its counts in five crosses a "
        "rounding boundary, and the two rounded values then give the exact count before and "
        "after. Where more than one report, or more than one run, of the same children is "
        "published, the council rounds, publishes less often (once a term, not every week), "
        "publishes coarser tables (postcode districts rather than wards, fewer age bands) and "
        "does not publish a run whose data differ from a published one by a few families. A "
        "perturbation method such as the ONS cell-key method (a small, fixed noise for each "
        "count) would remove the risk; the workbench does not offer one.",
        "- Personal data stays in `restricted/` folders (0700, files 0600) on the council's "
        "systems; retention is in the DPIA helper below.",
        "",
    ]


RISKS = (
    (
        "Wrong record match (a family linked to another's benefits or DWP row)",
        "An exact pass first (parent's NINO and child's date of birth, or the child's names, "
        "date of birth and postcode), then a probabilistic model for the rest; pairs in its "
        "clerical-review band are never used and are flagged `link_needs_review` for an "
        "officer, who sees the proposed match; link decisions recorded.",
    ),
    (
        "Stale data (an award ended since the extract)",
        "Every list states its evidence date (`as_of`) and the inputs' hashes; awards must be "
        "active on that date; eligibility is confirmed through DfE's checking service before "
        "any place is funded.",
    ),
    (
        "Bias: some groups missed or over-listed",
        "Equality monitoring (aggregate, disclosure-controlled) compares listed and funded "
        "children by sex, ethnicity (the five ONS 2021 high-level groups) and first language "
        "(English or other), every group always listed and zeros hidden; special category "
        "data never selects anyone.",
    ),
    (
        "Automated decision-making",
        "Lists only; a named officer decides with the evidence in front of them and can "
        "overrule; decisions are recorded, append-only and hash-chained.",
    ),
    (
        "Unlawful use of the DWP list (s13B Childcare Act 2006)",
        "Rule files declare their sources; any initiative outside early years that names the "
        "DWP list is refused when loaded.",
    ),
    (
        "Personal data kept too long or seen by the wrong people",
        "Retention policy applied by `workbench retention`; restricted outputs owner-only; "
        "pseudonymous review store; access log.",
    ),
    (
        "Review in name only (decisions recorded without looking at the family)",
        "The officer sees the child, the family and what the council already knows before "
        "deciding; every opening is logged; `workbench assure --store` warns about a pace too "
        "fast to read, long runs of one decision, contacts to funded children and decisions "
        "without a view.",
    ),
    (
        "Rules out of date",
        "Thresholds and dates are dated, cited values in rule files; this record lists the "
        "rules in force on its date and is regenerated, never edited.",
    ),
)


def _risks() -> list[str]:
    lines = ["### 7. Risks and mitigations", "", "| risk | mitigation |", "|---|---|"]
    lines += [f"| {risk} | {mitigation} |" for risk, mitigation in RISKS]
    return [*lines, ""]


def _dpia(rule_sets: list[RuleSet], policy: RetentionPolicy) -> list[str]:
    def named(use: str) -> str:
        return ", ".join(f"`{u.table}.{u.column}`" for u in column_uses(rule_sets) if u.use == use)

    lines = [
        "## DPIA helper",
        "",
        "What a data protection impact assessment asks, filled in from the configuration. "
        "Items in [brackets] are for the DPO to confirm.",
        "",
        "### Data items",
        "",
        f"- Personal data read to assess: {named(ASSESSMENT)}.",
        f"- Special category data (aggregate equality monitoring only): {named(EQUALITY)}.",
        "- Personal data read only to show officers who a family is, to write the contact file "
        f"of the families they decided to contact, or to send to DfE's checks: "
        f"{named(REVIEW_ONLY)}.",
        "- Data subjects: children in the age windows of the initiatives, their parents and "
        "carers, other adults in their households (when the data has no roles).",
        "",
        "### Lawful basis (to be confirmed by the DPO)",
        "",
        "- Personal data: [UK GDPR Art. 6(1)(e) public task: the duties to secure free early "
        "education and to provide free school meals; confirm with the DPO].",
        "- Special category data: [UK GDPR Art. 9(2)(g) substantial public interest, DPA 2018 "
        "Sch. 1 para. 8 equality of opportunity or treatment; confirm with the DPO].",
        "- DWP list: shared under s13A Childcare Act 2006; use restricted by s13B (section 4.3).",
        "",
        f"### Retention (from {policy.source}, version {policy.version})",
        "",
        "| kind | kept for | counted from | status | reason |",
        "|---|---|---|---|---|",
    ]
    for kind, rule in policy.periods.items():
        lines.append(
            f"| {kind} | {rule.keep} | {rule.from_.replace('_', ' ')} | {rule.confirm} | "
            f"{_one_line(rule.reason)} |"
        )
    lines += [
        "",
        "List items, decisions and DfE's check results in the review store are removed only "
        "by `workbench retention --apply --store`, through the store itself: list and import "
        "rows keep their counts, "
        "removed decisions are replaced by a sealed checkpoint so the decision chain still "
        "verifies, and the store's access log records the counts.",
        "",
        "### Access and security",
        "",
        "- Restricted outputs and the review store are created owner-only (files 0600, "
        "folders 0700); the pseudonym key is read from its own file (0600) or the environment "
        "and never written to any output; reading personal data is recorded in the store's "
        "access log, each line sealed (keyed to the pseudonym key), so a line removed or "
        "changed outside the workbench is found by `workbench assure --store` and flagged in "
        "a subject access answer; each stored list is sealed the same way, so an item a "
        "reviewer decided on, changed afterwards, is found too.",
        "",
        "### Recipients",
        "",
        "- Council officers who review lists: [early years team, admissions / FSM team].",
        "- Families, when invited to apply (only their own details).",
        "- DfE's checking services (Manage eligibility for childcare support; Manage eligibility "
        "for free school meals): [the details the council submits to confirm eligibility].",
        "- The public and partners: disclosure-controlled counts only.",
        "- No other recipient; no data leaves the council's systems otherwise.",
        "",
    ]
    return lines


def transparency_record(
    on: date,
    *,
    rules: Path | None = None,
    policy: RetentionPolicy | None = None,
    disclosure: DisclosureRules | None = None,
    review_thresholds: ReviewThresholds | None = None,
) -> str:
    """The ATRS record and DPIA helper as Markdown, for the rules in force on `on`.

    Parameters
    ----------
    on
        The date whose rules, thresholds and age windows are described.
    rules
        A folder of rule files (default: the package's).
    policy
        The retention policy (default: the package's).
    disclosure
        The disclosure-control settings (default: threshold 10).
    review_thresholds
        When `workbench assure` warns about review quality (default: the package's).

    Raises
    ------
    RuleFileError
        When a rule file breaks the schema.
    """
    rule_sets = _rule_sets(rules)
    if not rule_sets:
        raise WorkbenchError(f"no rule files in {rules or rules_folder()}; expected *.yaml")
    policy = policy or load_policy()
    lines = [
        "# Algorithmic transparency record: Eligibility Workbench",
        "",
        f"Generated on the rules in force for the term starting {on.isoformat()} by "
        "Eligibility Workbench "
        f"{__version__}, from its rule files, schema, disclosure settings and retention policy "
        "(UK Algorithmic Transparency Recording Standard structure). Do not edit the generated "
        "parts: run `workbench transparency` again. Fill in the [placeholders].",
        "",
        *_tier1(rule_sets),
        "## Tier 2: detail",
        "",
        *_owner(),
        *_scope(rule_sets, on),
        *_oversight(review_thresholds or load_review_thresholds()),
        *_data(rule_sets, rules),
        *_logic(rule_sets, on),
        *_publication(disclosure or DisclosureRules()),
        *_risks(),
        *_dpia(rule_sets, policy),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"
