"""The rules in force on a date, in plain English with their sources (`workbench rules`)."""

from __future__ import annotations

from datetime import date

from workbench.dates import long_date
from workbench.rules.model import RuleSet

__all__ = ["describe_rule_set"]


def _wrap(text: str) -> str:
    return " ".join(text.split())


def _amount(value: float | None) -> str:
    if value is None:
        return "ended"
    return f"£{value:,.0f}" if float(value).is_integer() else f"£{value:,.2f}"


def _in_force(rule_set: RuleSet, codes: list[str], on: date) -> bool:
    return any(rule_set.criterion(code).in_force_on(on) for code in codes)


def describe_rule_set(rule_set: RuleSet, on: date) -> str:
    """A plain-English account of `rule_set` as in force for the term starting `on` (markdown).

    Rules are chosen by the term being targeted: the criteria, thresholds and age window below
    are those of a list for the term starting `on`, whenever it is prepared; the awards and
    statuses it counts are those active on the list's evidence date.
    """
    window = rule_set.population.window_on(on)
    lines = [
        f"# {rule_set.title}",
        f"Rule set {rule_set.ref}, as in force for the term starting {long_date(on)}.",
        "",
    ]
    unchecked = rule_set.beyond_checked(on)
    if unchecked:
        lines += [f"**Not checked for this term:** {unchecked}", ""]
    lines += [
        "Which date decides what: the criteria, thresholds and age window are those in force on",
        "the first day of the term targeted (`--term-start`), even when the list is prepared",
        "before it; awards and statuses must be active on the evidence date (`--as-of`).",
        "",
        _wrap(rule_set.summary),
        "",
        f"Legal basis: {rule_set.legal_basis.title} ({rule_set.legal_basis.url})",
        "",
        "## Who is looked at",
        f"- Age: {_wrap(window.text)} (source: {window.reference})",
        f"- Parents and carers: {_wrap(rule_set.parent_carers.text)}",
    ]
    if rule_set.population.funded_place_required:
        lines.append("- Only children matched to a funded place for the term are listed.")
    if rule_set.population.age_groups:
        age_groups = "; ".join(
            f"`{g.name}` ({_wrap(g.label)})" for g in rule_set.population.age_groups
        )
        lines.append(f"- Shown separately, in the list's `age_group` column: {age_groups}.")
    lines.append(f"- Data read: {', '.join(rule_set.sources)}.")
    lines += ["", "## Criteria (a child meets any one)"]
    for criterion in rule_set.criteria_in_force(on):
        lines.append(f"- `{criterion.code}`: {_wrap(criterion.sentence(on))}")
        if criterion.age_groups:
            lines.append(f"  Only for the age group(s): {', '.join(criterion.age_groups)}.")
        lines.append(f"  Source: {criterion.reference}")
        if criterion.note:
            lines.append(f"  Note: {_wrap(criterion.note)}")
        limits = criterion.limits_on(on)
        if limits is not None:
            lines.append(f"  Limits from {limits.from_}: {limits.reference}")
            if limits.check:
                lines.append(f"  To check: {_wrap(limits.check)}")
    ended = [c for c in rule_set.criteria if not c.in_force_on(on)]
    if ended:
        lines += ["", "## Not in force for this term"]
        for criterion in ended:
            span = criterion.in_force
            assert span is not None  # only a criterion with dates can be out of force
            to = f" to {span.to}" if span.to else " onwards"
            lines.append(
                f"- `{criterion.code}` ({criterion.label}): in force from {span.from_}{to}."
            )
    groups = [g for g in rule_set.groups if _in_force(rule_set, g.codes, on)]
    if groups:
        lines += ["", "## Groups (the list's `eligibility_group`: the first that applies)"]
        for group in groups:
            codes = ", ".join(f"`{c}`" for c in group.codes if _in_force(rule_set, [c], on))
            lines.append(f"- `{group.name}`, {group.label}: {_wrap(group.text)} Codes: {codes}.")
    if rule_set.funding:
        lines += ["", "## Funding"]
        for funding in rule_set.funding:
            value = funding.value_on(on)
            shown = "none in force" if value is None else f"{_amount(value)} ({funding.unit})"
            if value is not None and not funding.known_on(on):
                shown = (
                    f"not yet in the rule file for this term (amounts checked up to "
                    f"{long_date(funding.checked_through)}; the last known: {_amount(value)}, "
                    f"{funding.unit})"
                )
            history = "; ".join(f"{_amount(v.value)} from {v.from_}" for v in funding.values)
            lines.append(f"- {funding.name}: {shown} (history: {history}).")
            source = next((v.reference for v in reversed(funding.values) if v.from_ <= on), None)
            if source:
                lines.append(f"  Source: {source}")
            if funding.note:
                lines.append(f"  Note: {_wrap(funding.note)}")
    lines += ["", "## Tiers"]
    lines += [f"- {tier}: {_wrap(text)}" for tier, text in rule_set.tiers.items()]
    if rule_set.notes:
        lines += ["", "## Notes"]
        lines += [f"- {_wrap(note)}" for note in rule_set.notes]
    lines += [
        "",
        "The list only proposes families to contact. Eligibility is confirmed, and every",
        "decision made, by a named person; nothing here decides.",
    ]
    return "\n".join(lines)
