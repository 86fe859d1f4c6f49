"""The rules in force on a date, in plain English with their sources (`workbench rules`)."""

from __future__ import annotations

from datetime import date

from workbench.rules.model import RuleSet

__all__ = ["describe_rule_set"]


def _wrap(text: str) -> str:
    return " ".join(text.split())


def describe_rule_set(rule_set: RuleSet, on: date) -> str:
    """A plain-English account of `rule_set` as in force on `on` (markdown)."""
    window = rule_set.population.window_on(on)
    lines = [
        f"# {rule_set.title}",
        f"Rule set {rule_set.ref}, as in force on {on:%-d %B %Y}.",
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
        groups = "; ".join(f"`{g.name}` ({_wrap(g.label)})" for g in rule_set.population.age_groups)
        lines.append(f"- Shown separately, in the list's `age_group` column: {groups}.")
    lines.append(f"- Data read: {', '.join(rule_set.sources)}.")
    lines += ["", "## Criteria (a child meets any one)"]
    for criterion in rule_set.criteria_in_force(on):
        lines.append(f"- `{criterion.code}`: {_wrap(criterion.sentence(on))}")
        lines.append(f"  Source: {criterion.reference}")
        if criterion.note:
            lines.append(f"  Note: {_wrap(criterion.note)}")
    ended = [c for c in rule_set.criteria if not c.in_force_on(on)]
    if ended:
        lines += ["", "## Not in force on this date"]
        for criterion in ended:
            span = criterion.in_force
            to = f" to {span.to}" if span and span.to else " onwards"
            lines.append(
                f"- `{criterion.code}` ({criterion.label}): in force from {span.from_}{to}."
            )
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
