"""Disclosure control across tables published together, and its audit as an attacker would.

Tables that share a population are *linked*: take-up by postcode district and take-up by
ward count the same children, and where a ward cuts across a district a reader who knows
the geography can subtract one table from the other. Protecting each table on its own
(`workbench.stats.disclosure`) does not stop that. This module looks at the whole set.

The attacker's knowledge is written as a `LinkedTables` model: unknown whole numbers (at
least zero) for the counts nobody publishes (children by district *and* ward, by status, and
so on), every published cell as a sum of them, and what the attacker knows besides (a
child with no council record has no postcode; every child meets at least one criterion).
`workbench.stats.table_links` writes that model for the `workbench stats` tables.

`audit` then does what an attacker would: for every hidden cell, it finds the smallest and
largest value consistent with everything published, by integer programming (scipy's
`milp`, the HiGHS solver). A published cell constrains the unknowns to its value (or to the
range its rounding allows); a hidden cell is known to be at least 1 where zeros are shown,
and at least 0 where its table hides them, or where it is a count whose 0 is hidden beside
another hidden cell (children funded beside a hidden count of eligible children, in every
table: `zero_beside`). That lower bound of 0 is legitimate because every table lists every
row its frame defines whatever its count (`workbench.stats.takeup.frame_labels`): a row
listed only while a child was in it would tell a reader it is at least 1. A hidden cell
the model alone fixes (a child with no council record is never funded) discloses nothing and
needs no protection. This is the audit tau-Argus and R's sdcTable (``attack()``) run; like
them it ignores what the attacker might guess from *which* cells were chosen.

`protect_linked` keeps hiding more cells until every hidden cell keeps a protection
interval (largest minus smallest value) of at least ``protection`` (default: the threshold),
or reports that the set cannot be protected. It hides the cells the attacker's bounds rest
on (the published cells with a non-zero dual value in the linear relaxation), smallest
first, the grand totals last: sdcTable's ``protectLinkedTables`` shares suppressions of
common cells between tables; an audit-driven search also catches cells that are linked
through a sum rather than shared.

Example
-------
Districts and wards: ward ``W1`` is part of district ``D1``, ward ``W2`` takes the rest of
``D1`` and all of ``D2``.

>>> model = LinkedTables()
>>> d1_w1, d1_w2, d2_w2 = (model.variable(name) for name in ("D1/W1", "D1/W2", "D2/W2"))
>>> model.cell(("area", "D1", "n"), {d1_w1: 1, d1_w2: 1})
>>> model.cell(("area", "D2", "n"), {d2_w2: 1})
>>> model.cell(("ward", "W1", "n"), {d1_w1: 1})
>>> model.cell(("ward", "W2", "n"), {d1_w2: 1, d2_w2: 1})
>>> values = {("area", "D1", "n"): 12, ("area", "D2", "n"): 30,
...     ("ward", "W1", "n"): 10, ("ward", "W2", "n"): 32}
>>> shown = {**values, ("area", "D1", "n"): None}  # D1 hidden, but...
>>> audit(model, shown)[("area", "D1", "n")]
Interval(low=12, high=12)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Set
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, linprog, milp

from workbench.errors import WorkbenchError

__all__ = [
    "Interval",
    "LinkedProtection",
    "LinkedTables",
    "audit",
    "protect_linked",
]

Key = TypeVar("Key", bound=Hashable)
"""A cell's key, e.g. ``(table, label, measure)``: one type for every cell of a model."""
Terms = Mapping[int, int]
"""A linear expression over the model's unknowns: ``{variable index: coefficient}``."""
ZerosHidden = bool | Callable[[Any], bool]
"""Whether hidden cells may be zeros: for all cells, or per cell by its key."""
ZeroBeside = Callable[[Any], Any]
"""The cell (key) whose hiding hides a 0 of the cell given too, or None: a table that shows
zeros still hides a funded 0 beside a hidden eligible count."""

_INFINITY = float("inf")


@dataclass(frozen=True)
class Interval:
    """The values a hidden cell can take given everything published; ``high`` may be inf."""

    low: int
    high: float

    @property
    def width(self) -> float:
        """``high - low``: 0 means the cell is disclosed exactly."""
        return self.high - self.low


@dataclass
class LinkedTables(Generic[Key]):
    """What an attacker knows about a set of published tables, as a linear model.

    Unknowns are whole numbers of at least zero (`variable`); each cell of every table is a
    sum of them (`cell`); anything else the attacker knows is a constraint (`constrain`).
    """

    names: list[str] = field(default_factory=list)
    cells: dict[Key, dict[int, int]] = field(default_factory=dict)
    constraints: list[tuple[dict[int, int], float, float]] = field(default_factory=list)

    def variable(self, name: str) -> int:
        """Add an unknown count; returns its index for use in `cell` and `constrain`."""
        self.names.append(name)
        return len(self.names) - 1

    def cell(self, key: Key, terms: Terms) -> None:
        """Declare a table cell as the sum ``terms`` of unknowns."""
        if key in self.cells:
            raise WorkbenchError(f"The linked-table model declares cell {key!r} twice.")
        self.cells[key] = {int(v): int(c) for v, c in terms.items() if c}

    def constrain(self, terms: Terms, low: float = 0, high: float = _INFINITY) -> None:
        """Add ``low <= sum(terms) <= high`` (e.g. an equality with ``low == high``)."""
        self.constraints.append(({int(v): int(c) for v, c in terms.items() if c}, low, high))

    def fits(self, values: Mapping[Key, int]) -> bool:
        """Whether some whole-number assignment gives every cell in ``values`` its value.

        A model that does not fit the data claims something false about it: `protect_linked`
        refuses to go on, since its audit would be wrong. Cells of the model not in
        ``values`` (e.g. differences nobody publishes) are left free.
        """
        given = {key: values[key] for key in self.cells if key in values}
        system = _System(self, given, zeros_hidden=True)
        return system.feasible()


@dataclass(frozen=True)
class LinkedProtection:
    """The outcome of `protect_linked`.

    Attributes
    ----------
    hidden
        Every hidden cell key, those hidden by the tables' own rules and those added here.
    added
        The cells hidden here, across tables, in the order they were chosen.
    intervals
        The audit of the final pattern: each hidden cell's interval (restricted: never
        published, since the bounds come close to the true counts).
    safe
        Whether every hidden cell keeps an interval of at least ``protection``.
    reason
        Why the set is not safe (None when it is), in words that may be published: the
        hidden cell that could be narrowed below ``protection``, never its bounds.
    """

    hidden: frozenset
    added: tuple
    intervals: dict
    safe: bool
    reason: str | None = None
    failed: Any = None
    """The hidden cell that could not be protected (None when safe)."""


def audit(
    model: LinkedTables[Key],
    shown: Mapping[Key, int | None],
    *,
    round_to: int | None = None,
    zeros_hidden: ZerosHidden = False,
    zero_beside: ZeroBeside | None = None,
) -> dict[Key, Interval]:
    """Every hidden cell's smallest and largest value consistent with what is published.

    Parameters
    ----------
    model
        The attacker's knowledge of how the tables' cells relate.
    shown
        Each cell's published value, None for a hidden cell. Cells of the model missing here
        are not published at all (e.g. a table withheld).
    round_to
        When published counts are rounded (half up) to a multiple: a published ``v`` then
        means any whole number that rounds to ``v``.
    zeros_hidden
        Whether the rules hide zeros too (otherwise a hidden cell is known to be at least 1):
        for every cell, or a function of the cell's key, for tables some of which do.
    zero_beside
        Given a cell's key, the key of the cell whose hiding hides a 0 of it too (None for
        none): where that cell is hidden, the cell is known only to be at least 0 (a funded
        count beside a hidden eligible count, `workbench.stats.disclosure.ProtectedTable.
        zero_beside`).

    Returns
    -------
    dict
        ``{key: Interval}`` for each hidden cell.

    Raises
    ------
    WorkbenchError
        When the published values contradict the model (the model is wrong for these tables).
    """
    system = _System(
        model, shown, round_to=round_to, zeros_hidden=zeros_hidden, zero_beside=zero_beside
    )
    if not system.feasible():
        raise WorkbenchError(
            "The published tables contradict the model of how they are linked; the audit "
            "cannot be trusted. This is a fault in the workbench: please report it."
        )
    return {key: system.interval(model.cells[key]) for key, value in shown.items() if value is None}


def protect_linked(
    model: LinkedTables[Key],
    values: Mapping[Key, int],
    hidden: Set,
    *,
    protection: int,
    round_to: int | None = None,
    zeros_hidden: ZerosHidden = False,
    zero_beside: ZeroBeside | None = None,
    spread: Callable[[frozenset], frozenset] | None = None,
    may_hide: Callable[[Key], bool] | None = None,
    cost: Callable[[Key], object] | None = None,
) -> LinkedProtection:
    """Hide more cells until every hidden cell keeps an interval of at least ``protection``.

    Parameters
    ----------
    model
        The attacker's knowledge (see `LinkedTables`); it must fit ``values``.
    values
        The true (unrounded) value of every published cell of the set.
    hidden
        The cells already hidden, by each table's own disclosure control.
    protection
        The smallest interval (largest minus smallest possible value) a hidden cell may
        keep. At least 1: a cell with an interval of 0 is disclosed.
    round_to, zeros_hidden, zero_beside
        As for `audit`.
    spread
        Given the hidden cells, the cells each table's own rules then hide (e.g. secondary
        suppression inside a table after a cell was added here); by default, none more.
    may_hide
        Whether a cell may be chosen to hide (by default any published cell that is not
        zero, unless zeros are hidden).
    cost
        A sort key: among the cells that would do, the one with the lowest is hidden (by
        default the smallest value; pass one that puts totals last).

    Returns
    -------
    LinkedProtection
        The hidden cells and the audit of the final pattern; ``safe`` False (with the reason)
        when no further cell would widen a cell's interval.

    Examples
    --------
    >>> model = LinkedTables()
    >>> north, south = model.variable("north"), model.variable("south")
    >>> model.cell("north", {north: 1})
    >>> model.cell("south", {south: 1})
    >>> model.cell("total", {north: 1, south: 1})
    >>> result = protect_linked(model, {"north": 3, "south": 40, "total": 43}, {"north"},
    ...     protection=10)
    >>> sorted(result.hidden), result.safe, result.intervals["north"]
    (['north', 'south'], True, Interval(low=1, high=42))
    """
    if protection < 1:
        raise WorkbenchError(f"protection must be at least 1; got {protection!r}.")
    if not model.fits(values):
        raise WorkbenchError(
            "The model of how the published tables are linked does not fit their counts, so "
            "an audit would be wrong. This is a fault in the workbench: please report it."
        )
    spread = spread or (lambda cells: cells)
    allowed = may_hide or (lambda key: _zero_may_hide(zeros_hidden, key) or values[key] != 0)
    cost = cost or (lambda key: values[key])
    search = _Search(
        model, values, protection, round_to, zeros_hidden, spread, allowed, cost, zero_beside
    )
    current = spread(frozenset(hidden))
    added: list = []
    # Hiding a cell only takes a constraint away, so an interval never narrows as more cells
    # are hidden: a cell found wide enough need not be solved for again until the end.
    wide: set = set()
    # A cell the model alone fixes (what anyone knows, with nothing published: a child with
    # no council record is never funded) discloses nothing when published or not: hiding it
    # (a zero, where zeros are hidden) is no reason to hide more.
    fixed: dict[Key, bool] = {}

    def known_anyway(key: Key) -> bool:
        if key not in fixed:
            fixed[key] = _fixed_by_model(model, model.cells[key])
        return fixed[key]

    while True:
        intervals = search.intervals(current, skip=wide)
        weak = [
            key
            for key, interval in intervals.items()
            if interval.width < protection and not known_anyway(key)
        ]
        wide |= set(intervals) - set(weak)
        if not weak:
            return LinkedProtection(current, tuple(added), search.intervals(current), safe=True)
        target = weak[0]
        choice = search.widening_cell(current, target)
        if choice is None:
            intervals = search.intervals(current)
            return LinkedProtection(
                current,
                tuple(added),
                intervals,
                safe=False,
                reason=_unprotected_reason(target, protection),
                failed=target,
            )
        added.append(choice)
        current = spread(current | {choice})


# --- the search --------------------------------------------------------------------------------


@dataclass
class _Search(Generic[Key]):
    model: LinkedTables[Key]
    values: Mapping[Key, int]
    protection: int
    round_to: int | None
    zeros_hidden: ZerosHidden
    spread: Callable[[frozenset], frozenset]
    allowed: Callable[[Key], bool]
    cost: Callable[[Key], object]
    zero_beside: ZeroBeside | None = None

    def system(self, hidden: frozenset) -> _System[Key]:
        shown = {
            key: (None if key in hidden else _rounded(value, self.round_to))
            for key, value in self.values.items()
        }
        return _System(
            self.model,
            shown,
            round_to=self.round_to,
            zeros_hidden=self.zeros_hidden,
            zero_beside=self.zero_beside,
        )

    def intervals(self, hidden: frozenset, skip: Set = frozenset()) -> dict[Key, Interval]:
        system = self.system(hidden)
        return {
            key: system.interval(self.model.cells[key])
            for key in sorted(hidden, key=repr)
            if key not in skip
        }

    def hopeless(self, hidden: frozenset) -> bool:
        """Whether a hidden cell repeats a cell that stays published (so it can never widen)."""
        kept = [
            self.model.cells[key]
            for key in self.values
            if key not in hidden and not self.allowed(key)
        ]
        return any(self.model.cells[key] in kept for key in hidden)

    def widening_cell(self, hidden: frozenset, target: Key) -> Key | None:
        """The published cell to hide next so that ``target``'s interval widens.

        Cells the attacker's bounds rest on come first (non-zero duals), cheapest first; the
        first that makes the interval wide enough wins, else the one that widens it most,
        else (when the bounds rest on several cells together) the cheapest of them. A cell
        whose hiding would leave a hidden cell repeating one that must stay published is
        never chosen.
        """
        system = self.system(hidden)
        terms = self.model.cells[target]
        binding = system.binding_cells(terms)
        shown = [key for key in self.values if key not in hidden and self.allowed(key)]
        order = sorted(shown, key=lambda key: (key not in binding, self.cost(key), repr(key)))
        best, best_width = None, system.interval(terms).width
        fallback = None
        for key in order:
            if key not in binding:
                break  # the bounds' own cells were tried
            trial = self.spread(hidden | {key})
            if self.hopeless(trial):
                continue
            fallback = fallback or key
            width = self.system(trial).interval(terms).width
            if width >= self.protection:
                return key
            if width > best_width:
                best, best_width = key, width
        if best is not None:
            return best
        if fallback is not None:
            # No one cell widens it: the bounds rest on several cells at once. Hide the
            # cheapest of them and look again (each round hides one more cell, so this ends).
            return fallback
        return next((k for k in order if not self.hopeless(self.spread(hidden | {k}))), None)


def _unprotected_reason(key: Hashable, protection: int) -> str:
    """Why a set of tables is not safe, in words that may be published.

    It names the hidden count and the protection interval it needed, never how far it could
    be narrowed: the bounds (or their width) would tell a reader the count itself, or nearly.
    The bounds stay in `LinkedProtection.intervals`, which is never published.
    """
    return (
        f"A hidden count ({_describe(key)}) could be narrowed below the protection interval "
        f"of {protection} from the tables published together, and hiding more cells does not "
        "prevent it."
    )


def _describe(key: Hashable) -> str:
    if isinstance(key, tuple):
        return ", ".join(str(part) for part in key)
    return repr(key)


# --- the integer programs ----------------------------------------------------------------------


class _System(Generic[Key]):
    """The constraints for one pattern of shown and hidden cells, ready to solve."""

    def __init__(
        self,
        model: LinkedTables[Key],
        shown: Mapping[Key, int | None],
        *,
        round_to: int | None = None,
        zeros_hidden: ZerosHidden = False,
        zero_beside: ZeroBeside | None = None,
    ) -> None:
        self.round_to = round_to
        self.zeros_hidden = zeros_hidden
        self.size = len(model.names)
        rows: list[dict[int, int]] = []
        low: list[float] = []
        high: list[float] = []
        self.row_of: dict[Key, int] = {}
        for key, value in shown.items():
            terms = model.cells[key]
            if value is None:
                rows.append(terms)
                zero = _zero_may_hide(zeros_hidden, key) or _beside_hidden(zero_beside, key, shown)
                low.append(0 if zero else 1)
                high.append(_INFINITY)
                continue
            self.row_of[key] = len(rows)
            rows.append(terms)
            lo, hi = _published_range(value, round_to)
            low.append(lo)
            high.append(hi)
        for terms, lo, hi in model.constraints:
            rows.append(terms)
            low.append(lo)
            high.append(hi)
        matrix = np.zeros((len(rows), self.size))
        for i, terms in enumerate(rows):
            for variable, coefficient in terms.items():
                matrix[i, variable] = coefficient
        self.matrix = matrix
        self.low = np.array(low, dtype=float)
        self.high = np.array(high, dtype=float)

    def _constraint(self) -> LinearConstraint:
        return LinearConstraint(self.matrix, self.low, self.high)

    def _solve(self, objective: np.ndarray) -> OptimizeResult:
        return milp(
            objective,
            constraints=self._constraint(),
            integrality=np.ones(self.size),
            bounds=Bounds(0, np.inf),
        )

    def feasible(self) -> bool:
        if self.size == 0:
            return bool(np.all(self.low <= 0) and np.all(self.high >= 0))
        return bool(self._solve(np.zeros(self.size)).status == 0)

    def interval(self, terms: Terms) -> Interval:
        objective = np.zeros(self.size)
        for variable, coefficient in terms.items():
            objective[variable] = coefficient
        lowest = self._solve(objective)
        highest = self._solve(-objective)
        if lowest.status != 0:
            raise WorkbenchError(f"The disclosure audit could not be solved: {lowest.message}")
        low = round(lowest.fun)
        if highest.status == 0:
            return Interval(low, round(-highest.fun))
        if highest.status in (3, 4) and self._unbounded(-objective):
            return Interval(low, _INFINITY)  # nothing published limits the cell from above
        raise WorkbenchError(f"The disclosure audit could not be solved: {highest.message}")

    def _unbounded(self, objective: np.ndarray) -> bool:
        """Whether the linear relaxation is unbounded (the integer program's status may only
        say "infeasible or unbounded", and the system is known to be feasible)."""
        a_ub, b_ub, _ = self._inequalities()
        return bool(linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=(0, None)).status == 3)

    def _inequalities(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The constraints as ``A x <= b`` for `linprog`, with each row's original index."""
        finite_low, finite_high = np.isfinite(self.low), np.isfinite(self.high)
        a_ub = np.vstack([self.matrix[finite_high], -self.matrix[finite_low]])
        b_ub = np.concatenate([self.high[finite_high], -self.low[finite_low]])
        rows = np.concatenate([np.flatnonzero(finite_high), np.flatnonzero(finite_low)])
        return a_ub, b_ub, rows

    def binding_cells(self, terms: Terms) -> set[Key]:
        """Published cells whose constraint bounds ``terms`` (non-zero dual) in the LP."""
        objective = np.zeros(self.size)
        for variable, coefficient in terms.items():
            objective[variable] = coefficient
        binding: set[Key] = set()
        a_ub, b_ub, rows = self._inequalities()
        published = {row: key for key, row in self.row_of.items()}
        for sign in (1, -1):
            result = linprog(sign * objective, A_ub=a_ub, b_ub=b_ub, bounds=(0, None))
            if result.status != 0:
                continue
            for row, dual in zip(rows, result.ineqlin.marginals, strict=True):
                if abs(dual) > 1e-9 and row in published:
                    binding.add(published[row])
        return binding


def _fixed_by_model(model: LinkedTables, terms: Terms) -> bool:
    """Whether the model alone, with no cell published, gives the sum ``terms`` one value."""
    if not terms:
        return True
    system = _System(model, {}, zeros_hidden=True)
    if system.matrix.shape[0] == 0:
        return False  # nothing bounds it
    return system.interval(terms).width == 0


def _zero_may_hide(zeros_hidden: ZerosHidden, key: Any) -> bool:
    """Whether a hidden cell may be a zero (its table hides zeros)."""
    return zeros_hidden(key) if callable(zeros_hidden) else zeros_hidden


def _beside_hidden(zero_beside: ZeroBeside | None, key: Any, shown: Mapping[Any, Any]) -> bool:
    """Whether a hidden cell may be a 0 because the cell its 0 is hidden beside is hidden."""
    if zero_beside is None:
        return False
    beside = zero_beside(key)
    return beside is not None and beside in shown and shown[beside] is None


def _rounded(value: int, round_to: int | None) -> int:
    """A true count as published: rounded half up to a multiple of ``round_to`` when asked."""
    if round_to is None:
        return value
    return (value + round_to // 2) // round_to * round_to


def _published_range(value: int, round_to: int | None) -> tuple[float, float]:
    """The true counts that publish as ``value``: itself, or those rounding to it (half up)."""
    if round_to is None or round_to == 1:
        return value, value
    # v = round_to * floor(x / round_to + 1/2)  <=>  v - round_to/2 <= x < v + round_to/2
    low = -(-(2 * value - round_to) // 2)  # ceil(v - r/2)
    high = -(-(2 * value + round_to) // 2) - 1  # ceil(v + r/2) - 1
    return max(low, 0), high
