"""What review offers for a list of each offer: which decisions have a next step there, and
what its ``already_funded`` column means. Read from the offer's rule file, so the workbook
(`workbench.review.excel`), its import, the review panel and app, outreach and `assure` agree.

- `checked_by_dfe`: DfE's eligibility checking services check the offer, so ``check`` is a
  decision with a next step (`workbench check export`).
- `offered_decisions` (`decisions_for`, the rules read from the offer's name): the decisions a
  list's reviewers are offered: no ``check`` where DfE does not check the offer (the
  disability access fund), no record-link decisions where the offer never reads the DWP list
  and the list has no DWP-list row.
- `already_funded_is_take_up`: whether ``already_funded`` says the offer is already taken up
  (the two-year-old offer) rather than being the offer's condition or not known.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.errors import WorkbenchError
from workbench.review.schema import DECISIONS, LINK_DECISIONS

if TYPE_CHECKING:
    from workbench.rules import RuleSet

__all__ = [
    "already_funded_is_take_up",
    "checked_by_dfe",
    "decisions_for",
    "offered_decisions",
    "reads_dwp_list",
]


def _rules(initiative: str) -> RuleSet | None:
    """The workbench's own rules of `initiative` (``initiative`` or ``initiative@version``);
    None for one it does not hold (a council's own, read with ``--rules``)."""
    from workbench.rules import load_rule_set

    try:
        return load_rule_set(initiative.split("@", 1)[0])
    except WorkbenchError:
        return None


def checked_by_dfe(initiative: str) -> bool:
    """Whether DfE's services check a list of `initiative`: the one source of truth is the
    templates `workbench check export` may send it with
    (`workbench.review.checks.SERVICE_TEMPLATES`); a list of any other offer is refused there,
    so review offers no ``check`` decision for it and a workbook's import refuses one.

    >>> checked_by_dfe("free_school_meals"), checked_by_dfe("disability_access_fund@2026.1")
    (True, False)
    """
    from workbench.review.checks import SERVICE_TEMPLATES  # the check export's own table

    return bool(SERVICE_TEMPLATES.get(initiative.split("@", 1)[0]))


def reads_dwp_list(rule_set: RuleSet | None, dwp_rows: bool) -> bool:
    """Whether a list's record links can await review: its rules read the DWP list (their
    sources name ``dwp_list``), or the list has a DWP-list row (`dwp_rows`), or the workbench
    has no rules for it (`rule_set` None: nothing is assumed away)."""
    return rule_set is None or "dwp_list" in rule_set.sources or dwp_rows


def offered_decisions(initiative: str, rule_set: RuleSet | None, dwp_rows: bool) -> tuple[str, ...]:
    """The decisions offered on a list of `initiative` (its rules `rule_set`; `dwp_rows`: the
    list has a DWP-list row), in `DECISIONS` order: ``check`` only where DfE's services check
    the offer (`checked_by_dfe`), the record-link decisions only where links can await review
    (`reads_dwp_list`).

    >>> from workbench.rules import load_rule_set
    >>> offered_decisions("disability_access_fund", load_rule_set("disability_access_fund"),
    ...                   dwp_rows=False)
    ('contact', 'not_eligible', 'already_in_touch', 'defer')
    """
    dfe_checked = checked_by_dfe(initiative)
    links = reads_dwp_list(rule_set, dwp_rows)
    return tuple(
        d for d in DECISIONS if (d != "check" or dfe_checked) and (d not in LINK_DECISIONS or links)
    )


def decisions_for(initiative: str, dwp_rows: bool) -> tuple[str, ...]:
    """`offered_decisions` for a list of `initiative` (``initiative`` or
    ``initiative@version``), its rules read from the workbench's own rule files (every
    decision's kind kept for one it does not hold).

    >>> decisions_for("free_school_meals@2026.1", dwp_rows=False)
    ('contact', 'not_eligible', 'already_in_touch', 'defer', 'check')
    """
    return offered_decisions(initiative.split("@", 1)[0], _rules(initiative), dwp_rows)


def already_funded_is_take_up(initiative: str) -> bool:
    """Whether a list of `initiative` (``initiative`` or ``initiative@version``, as a list's
    manifest records it) says in ``already_funded`` that the offer is already taken up, so
    that a family there may be cautioned before contact and counted by `assure` as a contact
    to an already-funded child. Only when the initiative's rules read the providers' funded
    places (``funded_places`` in ``sources``) without requiring one
    (``population.funded_place_required``): the two-year-old offer. The early years pupil
    premium and the disability access fund are paid to the provider of a funded place, so
    every child of their lists has one and ``already_funded`` is the offer's condition; free
    school meals reads no places, so its ``already_funded`` is always false and says nothing
    of whether a child already gets meals. An initiative the workbench's own rule sets do not
    hold (a council's own, read with ``--rules``) is taken as its list says.

    >>> [already_funded_is_take_up(i) for i in ("two_year_old@2026.1",
    ...     "early_years_pupil_premium", "disability_access_fund", "free_school_meals")]
    [True, False, False, False]
    """
    rules = _rules(initiative)
    if rules is None:
        return True
    return "funded_places" in rules.sources and not rules.population.funded_place_required
