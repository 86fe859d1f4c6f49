"""Statistical disclosure control for every table that leaves the council.

UK official statistics practice (the ONS "10-5 rule", GSS symbols): counts from 1 up to the
threshold (default 10) are hidden (*primary* suppression), and so are rates built on them.
Then, so that no hidden count can be recovered by one subtraction from a published total,
every row and column (the margins included) that hides exactly one cell has a second cell
hidden (*secondary* suppression): the smallest non-zero cell, preferring one that also covers
another such line; a line's total only when nothing else is left; the grand total last.
A rate's numerator is part of its denominator (funded children of the eligible): where what is
left (eligible but not funded) is small, one subtraction would publish it, so the numerator is
hidden there too before secondary suppression (zero left, "all funded", only when the rules
hide zeros). A numerator of 0 beside a hidden denominator is hidden too, whatever the rules
say of zeros: "eligible c, funded 0" would tell each family of a small group that their child
has no place (the "all or nothing" cell of official statistics practice). A zero beside a
shown denominator stays shown unless the rules hide zeros.
Totals are worked out from unrounded counts; rounding, when asked for, is applied last to the
published counts, and rates are then worked out from the counts as published, so that a rate
never tells a reader more than the rounded counts it is built on. A hidden cell shows ``c``;
a rate with a zero denominator shows ``z`` (not applicable). A table whose grand total is
itself small cannot be made safe, and `write_protected` refuses to write it.

Example
-------
>>> import polars as pl
>>> counts = pl.DataFrame({"area": ["North", "South", "West"], "count": [3, 40, 52]})
>>> protected = protect_table(counts, row="area", column=None)
>>> protected.wide("count").rows()
[('North', 'c'), ('South', 'c'), ('West', '52'), ('Total', '95')]
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from workbench.errors import UsageError, WorkbenchError
from workbench.spreadsheet import neutralised

__all__ = [
    "DEFAULT_THRESHOLD",
    "MINIMUM_THRESHOLD",
    "NOT_APPLICABLE",
    "PRIMARY",
    "SECONDARY",
    "TOTAL",
    "DisclosureRules",
    "ProtectedTable",
    "protect_table",
    "wilson_interval",
    "write_protected",
]

DEFAULT_THRESHOLD = 10
"""Counts below 10 are hidden unless a person chooses otherwise (the ONS 10-5 rule)."""
MINIMUM_THRESHOLD = 5
"""The lowest threshold `DisclosureRules.for_publication` accepts."""
TOTAL = "Total"
"""The row/column label of the margins."""
NOT_APPLICABLE = "z"
"""GSS symbol for a rate with no denominator."""
PRIMARY = "primary"
SECONDARY = "secondary"

_OUTPUT_COLUMNS = ("measure", "value", "suppressed", "suppression")
_WORKING_COLUMNS = ("raw", "denominator", "suppression", "blank")
_RATE_SCALE = 1000  # a percentage to one decimal place is a whole number of tenths of a percent

Cell = tuple[int, int]


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class DisclosureRules:
    """How a table is protected before it is shared.

    Parameters
    ----------
    threshold
        Counts from 1 to ``threshold - 1`` are suppressed. Zero is shown unless
        ``suppress_zeros``.
    round_to
        When given (e.g. 5), published counts are rounded to the nearest multiple, half up,
        after suppression; totals are summed from unrounded counts and then rounded, and
        rates are worked out from the rounded counts (a rate from unrounded ones, beside
        them, would give the exact counts away).
    suppress_zeros
        Also hide zero counts (for tables where a zero reveals something about a group).
    symbol
        What a suppressed cell shows.
    protection
        For tables published together (`workbench.stats.linked`): the smallest interval
        (largest minus smallest possible value) a reader may be able to narrow a hidden count
        to from everything published. None (the default) means ``threshold``.

    Examples
    --------
    >>> DisclosureRules(threshold=5, round_to=5).round_to
    5
    """

    threshold: int = 10
    round_to: int | None = None
    suppress_zeros: bool = False
    symbol: str = "c"
    protection: int | None = None

    def __post_init__(self) -> None:
        if not _is_whole(self.threshold) or self.threshold < 1:
            raise UsageError(
                "The disclosure threshold must be a whole number of at least 1 (counts below it "
                f"are suppressed). Got {self.threshold!r} instead."
            )
        if self.round_to is not None and (not _is_whole(self.round_to) or self.round_to < 1):
            raise UsageError(
                "round_to must be a whole number of at least 1 (e.g. 5), or None for no "
                f"rounding. Got {self.round_to!r} instead."
            )
        if not isinstance(self.symbol, str) or not self.symbol:
            raise UsageError(f"The suppression symbol must be non-empty text. Got {self.symbol!r}.")
        if self.protection is not None and (not _is_whole(self.protection) or self.protection < 1):
            raise UsageError(
                "protection must be a whole number of at least 1 (the interval a hidden count "
                f"keeps), or None for the threshold. Got {self.protection!r} instead."
            )

    @property
    def protection_interval(self) -> int:
        """The interval every hidden count keeps: ``protection``, or else ``threshold``."""
        return self.threshold if self.protection is None else self.protection

    @classmethod
    def for_publication(
        cls,
        threshold: int = 10,
        round_to: int | None = None,
        protection: int | None = None,
        hide_zeros: bool = False,
    ) -> DisclosureRules:
        """Rules given by a person for figures that leave the council, with a floor.

        ``hide_zeros`` hides zero counts as small ones (a group where no child is funded tells
        each child's family that their child is not; see `DisclosureRules.suppress_zeros`).

        A threshold below `MINIMUM_THRESHOLD` (5: no UK producer publishes counts under 5)
        is refused; between it and the default of 10 it is allowed, and `warnings` says so.
        The library's own `DisclosureRules` takes any threshold, for tests on tiny tables.

        Examples
        --------
        >>> DisclosureRules.for_publication(threshold=7).warnings()
        ['The threshold 7 is below the default of 10: counts from 7 to 9 will be published.']
        >>> DisclosureRules.for_publication(threshold=1)
        Traceback (most recent call last):
        ...
        workbench.errors.UsageError: The disclosure threshold must be at least 5 for figures ...
        """
        if _is_whole(threshold) and threshold < MINIMUM_THRESHOLD:
            raise UsageError(
                f"The disclosure threshold must be at least {MINIMUM_THRESHOLD} for figures "
                f"that are published (counts below it are hidden); got {threshold}. The "
                f"default is {DEFAULT_THRESHOLD}."
            )
        return cls(
            threshold=threshold,
            round_to=round_to,
            protection=protection,
            suppress_zeros=hide_zeros,
        )

    def warnings(self) -> list[str]:
        """What about these rules is weaker than the defaults, in words for the person."""
        found = []
        if self.threshold < DEFAULT_THRESHOLD:
            found.append(
                f"The threshold {self.threshold} is below the default of {DEFAULT_THRESHOLD}: "
                f"counts from {self.threshold} to {DEFAULT_THRESHOLD - 1} will be published."
            )
        if self.protection is not None and self.protection < self.threshold:
            found.append(
                f"The protection interval {self.protection} is below the threshold "
                f"{self.threshold}: a reader may narrow a hidden count to {self.protection + 1} "
                "possible values."
            )
        return found

    def is_small(self, count: int) -> bool:
        """Whether a count must be hidden by primary suppression."""
        return self.suppress_zeros if count == 0 else count < self.threshold


@dataclass(frozen=True)
class ProtectedTable:
    """A table after disclosure control, in long format (one row per cell and measure).

    Attributes
    ----------
    table
        The row (and column) label as text, margins labelled ``"Total"``; ``measure`` (the
        count or rate name); ``value`` as published (a number as text, the suppression symbol,
        or ``z``); ``suppressed``; ``suppression`` (``'primary'``, ``'secondary'`` or null).
    mask
        The same cells without ``value``: which are hidden and why.
    safe
        False when the table cannot be made safe; it must not be published.
    notes
        Plain-English notes for the reader (what was hidden and why, rounding).
    row, column
        The names of the table's dimensions (``column`` is None for a one-way table).
    """

    table: pl.DataFrame
    mask: pl.DataFrame
    safe: bool
    notes: list[str]
    row: str
    column: str | None = None
    counts: pl.DataFrame | None = None
    """The count cells' unrounded values (``raw``), keyed like ``table``: restricted, for
    auditing the published set (`workbench.stats.linked`); never written."""
    zeros_hidden: bool = False
    """Whether a zero was hidden as a small count is (`DisclosureRules.suppress_zeros`): a
    reader then knows a hidden count only to be 0 or more, not 1 or more."""
    zero_beside: tuple[tuple[str, str], ...] = ()
    """``(part, whole)`` count measures (a rate's numerator and denominator, ``("funded",
    "eligible")``): a 0 of ``part`` is hidden wherever ``whole`` is hidden in its row, whatever
    `zeros_hidden` says, so a reader knows such a hidden ``part`` only to be 0 or more."""

    def wide(self, measure: str) -> pl.DataFrame:
        """One measure laid out as it would be printed: rows down, columns across, totals last.

        Examples
        --------
        >>> counts = pl.DataFrame({"age": ["2", "3"], "count": [20, 30]})
        >>> protect_table(counts, row="age", column=None).wide("count").columns
        ['age', 'count']
        """
        cells = self.table.filter(pl.col("measure") == measure)
        if self.table.is_empty() and self.column is None:  # nothing counted, no margin
            return pl.DataFrame(schema={self.row: pl.String, measure: pl.String})
        if cells.is_empty():
            known = self.table.get_column("measure").unique(maintain_order=True).to_list()
            raise UsageError(f"No measure {measure!r} in this table; it has {known}.")
        if self.column is None:
            return cells.select(self.row, pl.col("value").alias(measure))
        return cells.pivot(on=self.column, index=self.row, values="value")


@dataclass(frozen=True)
class _Line:
    """A row or column of the grid: its cells (margin included) and its margin cell."""

    cells: tuple[Cell, ...]
    margin: Cell


def protect_table(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    row: str,
    column: str | None,
    count: str = "count",
    rates: Mapping[str, tuple[str, str]] | None = None,
    rules: DisclosureRules = DisclosureRules(),  # frozen, so sharing one default is safe
    also_hide: Collection[tuple[str, ...]] = (),
    margins: bool = True,
) -> ProtectedTable:
    """Add margins to a table of counts and hide what could identify a family.

    Parameters
    ----------
    frame
        Long table of counts: one row per category (``row``) or pair of categories (``row``,
        ``column``); missing pairs count as zero. Counts are whole, non-negative numbers.
    row, column
        The dimension columns; ``column=None`` for a one-way table.
    count
        The count column to protect and publish.
    rates
        ``{name: (numerator, denominator)}``: percentages to one decimal place from the counts
        as published (rounded, when ``rules.round_to`` asks). The numerator and denominator
        are count columns of ``frame``; each is protected and published like ``count``, and
        the rate is hidden wherever either is. The numerator counts part of the denominator
        (it is never larger): where the rest (denominator less numerator) would be small, the
        numerator is hidden too, or a subtraction would publish the rest. A numerator of 0
        is hidden wherever its denominator is (after secondary suppression, which then
        protects it like a small count), whatever ``rules.suppress_zeros`` says: a 0 beside
        a hidden count says "none of this small group".
        In a one-way table a numerator may be empty (null) in a row where it was not
        counted (take-up in a term whose funded places were not read): that row's
        numerator and rate are published blank, never as 0, and so is the numerator's
        ``Total`` (the measured rows alone do not add up to one).
    rules
        Threshold, rounding, zeros and symbol.
    also_hide
        Cells to hide as well, before secondary suppression, as ``(count measure, row
        label)`` or ``(count measure, row label, column label)`` (``"Total"`` for a margin):
        what disclosure control across linked tables (`workbench.stats.linked`) adds.
    margins
        False for a one-way table whose rows do not add up to a total (a child counted in
        several rows: criteria met, terms): no ``Total`` row is published, and so no cell
        is hidden to protect one from it (the audit across tables, `workbench.stats.linked`,
        still bounds every hidden count from everything published).

    Returns
    -------
    ProtectedTable
        Cells ordered row by row (categories sorted, ``Total`` last unless ``margins`` is
        False), measures in the order ``count``, the other counts, then the rates.

    Examples
    --------
    >>> counts = pl.DataFrame(
    ...     {"area": ["N", "N", "S", "S"], "sex": ["F", "M", "F", "M"], "count": [4, 30, 25, 41]}
    ... )
    >>> protect_table(counts, row="area", column="sex").wide("count").rows()
    [('N', 'c', 'c', '34'), ('S', 'c', 'c', '66'), ('Total', '29', '71', '100')]
    """
    rates = dict(rates or {})
    counts = _count_measures(count, rates)
    if not margins and column is not None:
        raise UsageError("margins=False is for one-way tables (column=None) only.")
    frame, uncounted = _uncounted(frame, row, column, rates)
    data = _validated(frame, row, column, counts)
    parts_of = [(numerator, denominator) for numerator, denominator in rates.values()]
    working, notes, safe = _protect_counts(
        data, row, column, counts, rules, also_hide, parts_of, uncounted, margins=margins
    )
    parts = [_finish(working[name], name, _published_count(rules), rules) for name in counts]
    for name, (numerator, denominator) in rates.items():
        cells = _rate_cells(working[numerator], working[denominator], rules)
        parts.append(_finish(cells, name, _percent_text(), rules))
    if rules.round_to is not None:
        notes.append(
            f"Counts are rounded to the nearest {rules.round_to}; totals are worked out from "
            "unrounded counts, so rounded cells may not add up to the totals; rates are worked "
            "out from the rounded counts as published."
        )
    table = pl.concat(parts, how="vertical")
    keys = [row] if column is None else [row, column]
    raw = pl.concat(
        [
            working[name]
            .filter(~pl.col("blank"))
            .select(*keys, pl.lit(name).alias("measure"), "raw")
            for name in counts
        ]
    )
    if not margins:
        table, raw = table.filter(pl.col(row) != TOTAL), raw.filter(pl.col(row) != TOTAL)
    mask = table.select(*keys, "measure", "suppressed", "suppression")
    return ProtectedTable(
        table=table,
        mask=mask,
        safe=safe,
        notes=notes,
        row=row,
        column=column,
        counts=raw,
        zeros_hidden=rules.suppress_zeros,
        zero_beside=tuple((part, whole) for part, whole in parts_of if part != whole),
    )


def write_protected(table: ProtectedTable, path: str | Path) -> Path:
    """Write a protected table as CSV, refusing one that could not be made safe.

    The CSV has the dimension columns, ``measure``, ``value`` and ``suppressed``. Which hidden
    cells are small (primary) and which were hidden to protect them (secondary) is not
    written: GSS practice marks both ``c``, and knowing a cell is primary bounds it below the
    threshold.

    Raises
    ------
    WorkbenchError
        When ``table.safe`` is False (the notes say why).
    UsageError
        When ``path`` does not end in ``.csv``.
    """
    path = Path(path)
    if not table.safe:
        raise WorkbenchError(
            f"Refusing to write {path}: the table is not safe to publish. " + " ".join(table.notes)
        )
    if path.suffix.lower() != ".csv":
        raise UsageError(f"A protected table is written as CSV; expected a .csv path, got {path}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralised(table.table.drop("suppression")).write_csv(path)
    return path


def wilson_interval(
    successes: str | pl.Expr, trials: str | pl.Expr, z: float = 1.96
) -> tuple[pl.Expr, pl.Expr]:
    """The Wilson score interval for a proportion, as two expressions (null when trials is 0).

    Parameters
    ----------
    successes, trials
        Column names or expressions of counts.
    z
        The normal quantile: 1.96 for a 95% interval.

    Returns
    -------
    tuple of pl.Expr
        ``(ci_lower, ci_upper)`` as proportions between 0 and 1.

    Examples
    --------
    >>> lower, upper = wilson_interval("funded", "eligible")
    >>> frame = pl.DataFrame({"funded": [5], "eligible": [10]})
    >>> frame.select(lower.round(4), upper.round(4)).row(0)
    (0.2366, 0.7634)
    """
    if isinstance(z, bool) or not isinstance(z, int | float) or not z > 0:
        raise UsageError(f"z must be a positive number (1.96 for 95%). Got {z!r} instead.")
    k = _as_expr(successes).cast(pl.Float64)
    n = _as_expr(trials).cast(pl.Float64)
    p = k / n
    z2 = z * z
    scale = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / scale
    half_width = z * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt() / scale
    has_trials = n > 0
    lower = pl.when(has_trials).then((centre - half_width).clip(0.0, 1.0))
    upper = pl.when(has_trials).then((centre + half_width).clip(0.0, 1.0))
    return lower.alias("ci_lower"), upper.alias("ci_upper")


def _protect_counts(
    data: pl.DataFrame,
    row: str,
    column: str | None,
    counts: list[str],
    rules: DisclosureRules,
    also_hide: Collection[tuple[str, ...]],
    parts_of: Sequence[tuple[str, str]] = (),
    uncounted: Mapping[str, Collection[str]] | None = None,
    *,
    margins: bool = True,
) -> tuple[dict[str, pl.DataFrame], list[str], bool]:
    """Each count measure's cells with margins and suppression kinds, the notes, and safety.

    ``parts_of`` pairs a count with the count it is part of (a rate's numerator and
    denominator): where what is left (the denominator less the numerator, e.g. children
    eligible but not funded) is small, one of the two is hidden too, or one subtraction would
    publish it (`_hide_small_remainders`). ``uncounted`` names, per count, the row labels
    where it was not counted: those cells (and the count's margin) are blank, never hidden
    nor published. Without ``margins`` no line must hide two cells: its total is not
    published.
    """
    row_labels = _labels(data, row)
    column_labels = _labels(data, column) if column is not None else []
    extra = _extra_cells(also_hide, counts, row_labels, column_labels, two_way=column is not None)
    two_way = column is not None
    lines = _lines(len(row_labels), len(column_labels), two_way=two_way) if margins else []
    grid_keys = _grid_keys(row_labels, column_labels, row, column)
    grand_total = (len(row_labels), len(column_labels))
    values = {name: _grid(data, row, column, name, row_labels, column_labels) for name in counts}
    blank = {
        name: {(row_labels.index(label), 0) for label in labels} | {grand_total}
        for name, labels in (uncounted or {}).items()
        if labels
    }
    kinds = {name: _primary(values[name], rules, extra.get(name, set())) for name in counts}
    _hide_small_remainders(values, kinds, parts_of, rules, blank)
    whole_of = {part: whole for part, whole in parts_of if part != whole}
    # A whole's hidden cells are final before its parts' zeros beside them are hidden.
    for name in _wholes_first(counts, whole_of):
        if name in whole_of:
            _hide_zeros_beside(values[name], kinds[name], kinds[whole_of[name]], blank.get(name))
        _secondary(values[name], lines, kinds[name])
    working: dict[str, pl.DataFrame] = {}
    notes: list[str] = []
    safe = True
    for name in counts:
        # Cells not published (blank, or a margin not printed) are neither hidden nor shown.
        unpublished = blank.get(name, set()) | (set() if margins else {grand_total})
        shown = {cell: kind for cell, kind in kinds[name].items() if cell not in unpublished}
        working[name] = _cells(grid_keys, values[name], shown, blank.get(name, set()))
        notes.extend(_count_notes(name, shown, rules, whole_of.get(name)))
        if grand_total in blank.get(name, set()):
            continue  # no total of it is published: no line to subtract from
        problem = _unsafe_reason(name, values[name], grand_total, kinds[name], lines, rules)
        if problem is not None:
            safe = False
            notes.append(problem)
    if parts_of:
        notes.append(_remainder_note(rules))
    return working, notes, safe


# --- suppression on a grid of Python ints ------------------------------------------------------
# The input is already an aggregate (tens or hundreds of cells) and secondary suppression is
# an iterative search, so it runs on a small dict rather than as polars expressions.


def _lines(n_rows: int, n_columns: int, *, two_way: bool) -> list[_Line]:
    """Every line whose cells must not hide exactly one value; the last index is the margin."""
    if not two_way:
        return [_Line(tuple((i, 0) for i in range(n_rows + 1)), (n_rows, 0))]
    rows = [
        _Line(tuple((i, j) for j in range(n_columns + 1)), (i, n_columns))
        for i in range(n_rows + 1)
    ]
    columns = [
        _Line(tuple((i, j) for i in range(n_rows + 1)), (n_rows, j)) for j in range(n_columns + 1)
    ]
    return rows + columns


def _primary(values: dict[Cell, int], rules: DisclosureRules, extra: set[Cell]) -> dict[Cell, str]:
    """The small cells (``primary``) and ``extra`` (``secondary``): ``{cell: kind}``."""
    kinds = {cell: PRIMARY for cell, value in values.items() if rules.is_small(value)}
    kinds.update({cell: SECONDARY for cell in extra if cell not in kinds})
    return kinds


def _hide_small_remainders(
    values: Mapping[str, dict[Cell, int]],
    kinds: Mapping[str, dict[Cell, str]],
    parts_of: Sequence[tuple[str, str]],
    rules: DisclosureRules,
    blank: Mapping[str, Collection[Cell]] | None = None,
) -> None:
    """Hide a part (or, when it is none, its whole) where whole less part is small.

    A table publishing 12 eligible and 10 funded in a row publishes that 2 children there
    are not funded: a count below the threshold, found by one subtraction. Where both are
    shown and the difference is small (zero only when the rules hide zeros: "all funded"),
    the part is hidden, as a secondary cell; secondary suppression then protects it like any
    other. A part left blank (not counted) publishes no difference.
    """
    for part, whole in parts_of:
        for cell, total in values[whole].items():
            if cell in (blank or {}).get(part, ()):
                continue
            left = total - values[part][cell]
            if left < 0:
                raise UsageError(
                    f"{part!r} counts part of {whole!r}, so it cannot be larger; a cell has "
                    f"{values[part][cell]} {part} of {total}."
                )
            if cell in kinds[part] or cell in kinds[whole] or not rules.is_small(left):
                continue
            kinds[part if values[part][cell] > 0 else whole][cell] = SECONDARY


def _wholes_first(counts: Sequence[str], whole_of: Mapping[str, str]) -> list[str]:
    """``counts`` with each whole before the parts of it (``whole_of``), else in order."""
    ordered: list[str] = []

    def add(name: str, seen: frozenset[str] = frozenset()) -> None:
        if name in ordered or name in seen:
            return
        if name in whole_of:
            add(whole_of[name], seen | {name})
        ordered.append(name)

    for name in counts:
        add(name)
    return ordered


def _hide_zeros_beside(
    part: dict[Cell, int],
    kinds: dict[Cell, str],
    whole_kinds: Mapping[Cell, str],
    blank: Collection[Cell] | None = None,
) -> None:
    """Hide, in place, each 0 of a part whose whole is hidden in the same cell.

    "12 eligible, hidden; 0 funded" tells each family of the group that their child has no
    place, whatever the count hidden beside it: the 0 is hidden as a small count is
    (``primary``), and secondary suppression then protects it. A part left blank (not
    counted) publishes nothing.
    """
    for cell in whole_kinds:
        if part.get(cell) == 0 and cell not in kinds and cell not in (blank or ()):
            kinds[cell] = PRIMARY


def _secondary(values: dict[Cell, int], lines: list[_Line], kinds: dict[Cell, str]) -> None:
    """Secondary suppression, in place: hide more until no line hides exactly one cell."""
    while (line := _exposed(lines, kinds, values)) is not None:
        complement = _complement(line, values, kinds, lines)
        if complement is None:
            break  # nothing left to hide in this line; the caller marks the table unsafe
        kinds[complement] = SECONDARY


def _extra_cells(
    also_hide: Collection[tuple[str, ...]],
    counts: list[str],
    row_labels: list[str],
    column_labels: list[str],
    *,
    two_way: bool,
) -> dict[str, set[Cell]]:
    """``also_hide`` as grid cells by measure; an unknown measure or label is refused."""
    rows = {label: i for i, label in enumerate([*row_labels, TOTAL])}
    columns = {label: j for j, label in enumerate([*column_labels, TOTAL])}
    cells: dict[str, set[Cell]] = {}
    for item in also_hide:
        size = 3 if two_way else 2
        if not isinstance(item, tuple) or len(item) != size:
            raise UsageError(
                f"also_hide takes (measure, row label{', column label' if two_way else ''}) "
                f"tuples; got {item!r}."
            )
        measure, label, *rest = item
        if measure not in counts or label not in rows or (rest and rest[0] not in columns):
            raise UsageError(f"also_hide names no cell of this table: {item!r}.")
        cells.setdefault(measure, set()).add((rows[label], columns[rest[0]] if rest else 0))
    return cells


def _exposed(
    lines: list[_Line], kinds: dict[Cell, str], values: Mapping[Cell, int]
) -> _Line | None:
    """The first line that one subtraction would reveal a hidden cell of: one hiding exactly
    one cell, or one whose hidden cells are all 0 beside a shown total that is not (hidden
    zeros add up to 0, so each is 0: a 0 hidden beside a hidden count needs a count that is
    not 0 hidden with it)."""
    for line in lines:
        hidden = [cell for cell in line.cells if cell in kinds]
        if len(hidden) == 1:
            return line
        if (
            hidden
            and line.margin not in kinds
            and values[line.margin] > 0
            and all(values[cell] == 0 for cell in hidden)
        ):
            return line
    return None


def _complement(
    line: _Line, values: dict[Cell, int], kinds: dict[Cell, str], lines: list[_Line]
) -> Cell | None:
    """The cell to hide next in an exposed line, or None when nothing is left to hide.

    A cell that also covers another exposed line comes first, so fewer cells are lost; then
    the smallest non-zero shown cell; the line's total only when nothing else will do, and the
    grand total (the headline figure, last in grid order) last of all.
    """
    grand_total = max(values)
    candidates = [
        cell
        for cell in line.cells
        if cell not in kinds and (cell == line.margin or values[cell] > 0)
    ]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda cell: (
            cell == grand_total,
            not _fixes_another(cell, line, lines, kinds),
            cell == line.margin,
            values[cell],
            cell,
        ),
    )


def _fixes_another(cell: Cell, line: _Line, lines: list[_Line], kinds: dict[Cell, str]) -> bool:
    """Whether hiding ``cell`` also covers another line that hides exactly one cell."""
    return any(
        other is not line and cell in other.cells and sum(c in kinds for c in other.cells) == 1
        for other in lines
    )


# --- from frames to grids and back -------------------------------------------------------------


def _count_measures(count: str, rates: dict[str, tuple[str, str]]) -> list[str]:
    """The count columns to protect: ``count`` first, then rate parts in order of appearance."""
    names = [count]
    for rate, parts in rates.items():
        if not (isinstance(parts, Sequence) and len(parts) == 2):
            raise UsageError(
                f"Rate {rate!r} must be given as (numerator, denominator) column names; "
                f"got {parts!r}."
            )
        names.extend(part for part in parts if part not in names)
    clash = sorted(set(rates) & set(names))
    if clash:
        raise UsageError(f"Rate names {clash} are also count columns; give the rates new names.")
    return names


def _validated(
    frame: pl.DataFrame | pl.LazyFrame,
    row: str,
    column: str | None,
    counts: list[str],
) -> pl.DataFrame:
    """The dimension and count columns, after checking the table can be protected at all."""
    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    if not isinstance(frame, pl.DataFrame):
        raise UsageError(f"protect_table expects a polars DataFrame; got {type(frame).__name__}.")
    keys = [row] if column is None else [row, column]
    if column == row:
        raise UsageError(f"row and column must be different columns; both are {row!r}.")
    reserved = sorted(set(keys) & set(_OUTPUT_COLUMNS))
    if reserved:
        raise UsageError(f"Dimension columns may not be called {reserved}; rename them first.")
    missing = [name for name in [*keys, *counts] if name not in frame.columns]
    if missing:
        raise UsageError(
            f"protect_table expected column(s) {missing}; the table has {frame.columns}. "
            "Check the names passed as row=, column=, count= and rates=."
        )
    data = frame.select(*keys, *counts)
    for name in counts:
        _check_counts(data, name)
    for key in keys:
        _check_labels(data, key)
    if data.select(pl.struct(keys).is_duplicated().any()).item():
        raise UsageError(
            f"Expected one row per {' and '.join(keys)}; some appear more than once. "
            "Aggregate the counts first (group_by(...).agg(pl.sum(...)))."
        )
    return data


def _uncounted(
    frame: pl.DataFrame | pl.LazyFrame,
    row: str,
    column: str | None,
    rates: Mapping[str, tuple[str, str]],
) -> tuple[pl.DataFrame | pl.LazyFrame, dict[str, set[str]]]:
    """The rows of a one-way table where a rate's numerator is empty (not counted), by
    numerator, and the table with those cells as 0 for the suppression to work on (they are
    published blank). A two-way table, or a column that is not there, is left to
    `_validated` to refuse."""
    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    if column is not None or not isinstance(frame, pl.DataFrame) or row not in frame.columns:
        return frame, {}
    uncounted: dict[str, set[str]] = {}
    for numerator, _ in rates.values():
        if numerator not in frame.columns or not frame.get_column(numerator).null_count():
            continue
        empty = frame.filter(pl.col(numerator).is_null()).get_column(row).cast(pl.String)
        uncounted[numerator] = set(empty.to_list())
        frame = frame.with_columns(pl.col(numerator).fill_null(0))
    return frame, uncounted


def _check_counts(data: pl.DataFrame, name: str) -> None:
    series = data.get_column(name)
    if not series.dtype.is_integer():
        raise UsageError(f"Count column {name!r} must hold whole numbers; it is {series.dtype}.")
    if series.null_count() or (series < 0).any():
        raise UsageError(
            f"Count column {name!r} must hold non-negative counts with no gaps; "
            "fill missing counts with 0 on purpose before protecting the table."
        )


def _check_labels(data: pl.DataFrame, key: str) -> None:
    series = data.get_column(key)
    if series.null_count():
        raise UsageError(
            f"Column {key!r} has empty categories; label them (e.g. 'Unknown') before "
            "protecting the table."
        )
    if (series.cast(pl.String) == TOTAL).any():
        raise UsageError(f"Column {key!r} has a category called {TOTAL!r}, kept for the margins.")


def _labels(data: pl.DataFrame, key: str) -> list[str]:
    """Categories in their natural order (numbers numerically, enums in declared order)."""
    return data.get_column(key).unique().sort().cast(pl.String).to_list()


def _grid_keys(
    row_labels: list[str], column_labels: list[str], row: str, column: str | None
) -> pl.DataFrame:
    """The labels of every cell in grid order: categories then ``Total``, row by row."""
    rows = [*row_labels, TOTAL]
    if column is None:
        return pl.DataFrame({row: rows}, schema={row: pl.String})
    columns = [*column_labels, TOTAL]
    return pl.DataFrame(
        {row: [r for r in rows for _ in columns], column: [c for _ in rows for c in columns]},
        schema={row: pl.String, column: pl.String},
    )


def _grid(
    data: pl.DataFrame,
    row: str,
    column: str | None,
    name: str,
    row_labels: list[str],
    column_labels: list[str],
) -> dict[Cell, int]:
    """Counts by (row index, column index) with the margins summed from unrounded counts."""
    row_index = {label: i for i, label in enumerate(row_labels)}
    column_index = {label: j for j, label in enumerate(column_labels)}
    rows = data.get_column(row).cast(pl.String).to_list()
    columns = data.get_column(column).cast(pl.String).to_list() if column else [None] * len(rows)
    n_rows, n_columns = len(row_labels), (len(column_labels) if column else 0)
    width = n_columns + 1
    values = {(i, j): 0 for i in range(n_rows + 1) for j in range(width)}
    for r, c, v in zip(rows, columns, data.get_column(name).to_list(), strict=True):
        i, j = row_index[r], (column_index[c] if column else 0)
        values[(i, j)] += v
        values[(n_rows, j)] += v
        if column:
            values[(i, n_columns)] += v
            values[(n_rows, n_columns)] += v
    return values


def _unsafe_reason(
    name: str,
    values: Mapping[Cell, int],
    grand_total: Cell,
    kinds: dict[Cell, str],
    lines: list[_Line],
    rules: DisclosureRules,
) -> str | None:
    """Why the table cannot be published, or None when it can."""
    if rules.is_small(values[grand_total]):
        return (
            f"{name}: the grand total is below the threshold of {rules.threshold}, so the "
            "table cannot be made safe and must not be published; combine categories or "
            "report a larger area or period."
        )
    if _exposed(lines, kinds, values) is not None:
        return f"{name}: a hidden cell could still be worked out from the totals."
    return None


def _cells(
    keys: pl.DataFrame,
    values: dict[Cell, int],
    kinds: dict[Cell, str],
    blank: Collection[Cell] = (),
) -> pl.DataFrame:
    """The cell labels with their unrounded count (``raw``), ``suppression`` and whether the
    cell is left ``blank`` (not counted), in grid order."""
    cells = sorted(values)
    return keys.with_columns(
        pl.Series("raw", [values[cell] for cell in cells], dtype=pl.Int64),
        pl.Series("suppression", [kinds.get(cell) for cell in cells], dtype=pl.String),
        pl.Series("blank", [cell in blank for cell in cells], dtype=pl.Boolean),
    )


def _rounded(count: pl.Expr, rules: DisclosureRules) -> pl.Expr:
    """A count as published: rounded half up to ``round_to`` when asked."""
    if rules.round_to is None:
        return count
    return (count + rules.round_to // 2) // rules.round_to * rules.round_to


def _published_count(rules: DisclosureRules) -> pl.Expr:
    """A shown count as text, rounded half up to ``round_to`` when asked."""
    return _rounded(pl.col("raw"), rules).cast(pl.String)


def _rate_cells(
    numerator: pl.DataFrame, denominator: pl.DataFrame, rules: DisclosureRules
) -> pl.DataFrame:
    """Numerator over denominator cell by cell, both as published (rounded when the rules
    round); hidden where either is (primary wins). A rate from unrounded counts beside the
    rounded counts would narrow them back to the exact ones."""
    kind_num = numerator.get_column("suppression")
    kind_den = denominator.get_column("suppression")
    either_primary = (kind_num == PRIMARY).fill_null(False) | (kind_den == PRIMARY).fill_null(False)
    either_hidden = kind_num.is_not_null() | kind_den.is_not_null()
    return numerator.with_columns(
        _rounded(pl.col("raw"), rules),
        _rounded(pl.lit(denominator.get_column("raw")), rules).alias("denominator"),
        suppression=pl.when(either_primary)
        .then(pl.lit(PRIMARY))
        .when(either_hidden)
        .then(pl.lit(SECONDARY)),
    )


def _percent_text() -> pl.Expr:
    """``raw / denominator`` as a percentage with one decimal (half away from zero), or z."""
    tenths = (
        (pl.col("raw").cast(pl.Float64) * _RATE_SCALE / pl.col("denominator"))
        .round(0, mode="half_away_from_zero")
        .cast(pl.Int64)
    )
    return (
        pl.when(pl.col("denominator") == 0)
        .then(pl.lit(NOT_APPLICABLE))
        .otherwise(pl.format("{}.{}", tenths // 10, tenths % 10))
    )


def _finish(frame: pl.DataFrame, name: str, shown: pl.Expr, rules: DisclosureRules) -> pl.DataFrame:
    """Attach measure, published value and the suppressed flag; drop working columns."""
    blank = pl.col("blank")
    frame = frame.with_columns(
        suppression=pl.when(blank).then(pl.lit(None, dtype=pl.String)).otherwise("suppression")
    )
    hidden = pl.col("suppression").is_not_null()
    return frame.with_columns(
        measure=pl.lit(name, dtype=pl.String),
        # A blank cell (not counted) is empty: never the symbol, never a 0 that reads as none.
        value=pl.when(blank)
        .then(pl.lit(None, dtype=pl.String))
        .when(hidden)
        .then(pl.lit(rules.symbol))
        .otherwise(shown),
        suppressed=hidden,
    ).select(*[c for c in frame.columns if c not in _WORKING_COLUMNS], *_OUTPUT_COLUMNS)


def _count_notes(
    name: str, kinds: dict[Cell, str], rules: DisclosureRules, whole: str | None = None
) -> list[str]:
    """What was hidden, without saying which hidden cells are the small ones.

    Saying how many hidden cells are primary would tell a reader that, in a table where all
    are, every hidden count is below the threshold: a narrower interval than the audit
    (`workbench.stats.linked`) allows for. For a part of another count (``whole``: funded
    of eligible) the note says a 0 beside a hidden ``whole`` is hidden too, whether or not
    one was: saying it only when one was would tell a reader that some group has none.
    """
    if not kinds:
        return []
    smallest = "0" if rules.suppress_zeros else "1"
    beside = (
        f" (0 too where the row's {whole} count is hidden)"
        if whole is not None and not rules.suppress_zeros
        else ""
    )
    return [
        f"{name}: {len(kinds)} cell(s) hidden ({rules.symbol!r}): counts from {smallest} to "
        f"{rules.threshold - 1}{beside}, and other cells where needed so that no hidden count "
        "can be worked out from what is published."
    ]


def _remainder_note(rules: DisclosureRules) -> str:
    """Said of every table with a rate, whether or not a cell was hidden so: saying it only
    when one was would tell a reader that some row's difference is small."""
    smallest = "0" if rules.suppress_zeros else "1"
    return (
        "Where a count less the count it is part of (e.g. children eligible but not funded) "
        f"would be from {smallest} to {rules.threshold - 1}, one of the two is hidden too, so "
        "that it cannot be worked out by subtraction."
    )


def _as_expr(value: str | pl.Expr) -> pl.Expr:
    return pl.col(value) if isinstance(value, str) else value
