"""Helpers the report notebooks call: the run's folders, a profile of the data loaded, frames
shown as plain tables, protected tables published to shareable/ with an account of what was
hidden, charts saved and shown, and the linkage report's quality tables. Notebooks import them
from here and keep to the story.
"""

from __future__ import annotations

import html
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from workbench.data.reading import LoadedData
from workbench.paths import project_path
from workbench.stats.disclosure import (
    DEFAULT_THRESHOLD,
    TOTAL,
    DisclosureRules,
    ProtectedTable,
    protect_table,
    write_protected,
)

if TYPE_CHECKING:
    from workbench.linkage.evaluate import LinkageEvaluation
    from workbench.stats.table_links import SetProtection

__all__ = [
    "LINKAGE_TABLES",
    "NOT_BY_THE_RUNNER",
    "RUNNER_VARIABLE",
    "Publisher",
    "ReadableTable",
    "RunFolders",
    "data_profile",
    "linkage_quality_table",
    "linkage_tables",
    "published_file_summary",
    "readable",
    "run_folders",
    "svg_chart",
]


def data_profile(data: LoadedData, *, threshold: int = DEFAULT_THRESHOLD) -> pl.DataFrame:
    """One row per column of every table loaded: type, rows, empty cells, and for dates the
    first and last month that each hold at least ``threshold`` rows (the disclosure threshold,
    `workbench.stats.disclosure.DEFAULT_THRESHOLD`).

    The earliest or latest date of a column is one person's (the oldest person's birth
    month, the month one child's care ended), even as a month, so a month with fewer rows is
    never shown: ``first_month`` and ``last_month`` are empty when no month holds that many.
    """
    rows = []
    for table, frame in data.tables.items():
        for column, dtype in frame.schema.items():
            series = frame.get_column(column)
            first, last = _busy_months(series, threshold) if dtype == pl.Date else (None, None)
            rows.append(
                {
                    "table": table,
                    "column": column,
                    "type": str(dtype),
                    "rows": frame.height,
                    "empty": series.null_count(),
                    "first_month": first,
                    "last_month": last,
                }
            )
    schema = {
        "table": pl.String,
        "column": pl.String,
        "type": pl.String,
        "rows": pl.Int64,
        "empty": pl.Int64,
        "first_month": pl.String,
        "last_month": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


@dataclass(frozen=True)
class ReadableTable:
    """A frame shown in a report as a plain table: empty cells blank, text unquoted, numbers
    right-aligned (polars' own rendering quotes text and adds types, meant for analysts)."""

    frame: pl.DataFrame

    def __repr__(self) -> str:
        return repr(self.frame)

    def _repr_html_(self) -> str:
        numeric = [dtype.is_numeric() for dtype in self.frame.dtypes]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.frame.columns)
        body = "".join(
            "<tr>" + "".join(map(_cell, row, numeric)) + "</tr>" for row in self.frame.iter_rows()
        )
        return (
            f'<table class="workbench"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        )


def _cell(value: object, numeric: bool) -> str:
    text = "" if value is None else html.escape(str(value))
    return f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>"


def readable(frame: pl.DataFrame) -> ReadableTable:
    """Wrap a frame so a notebook shows it as a plain table (the last line of a cell)."""
    return ReadableTable(frame)


def _busy_months(dates: pl.Series, threshold: int) -> tuple[str | None, str | None]:
    """The first and last month (``YYYY-MM``) holding at least ``threshold`` of the dates."""
    months = dates.drop_nulls().dt.truncate("1mo").value_counts(name="rows")
    busy = months.filter(pl.col("rows") >= threshold).get_column(dates.name)
    return _month(cast("date | None", busy.min())), _month(cast("date | None", busy.max()))


def _month(day: date | None) -> str | None:
    return None if day is None else day.strftime("%Y-%m")


@dataclass(frozen=True)
class RunFolders:
    """A notebook run's folders: ``shareable/`` for what may be published, ``restricted/``
    (owner-only) for anything that names a person."""

    root: Path
    shareable: Path
    restricted: Path


# Set by `workbench report` (`workbench.runs.report`) for the kernels it runs: the run id.
RUNNER_VARIABLE = "WORKBENCH_REPORT_RUN"

NOT_BY_THE_RUNNER = (
    "**Not run by `workbench report`.** Nothing checked this run's parameters (papermill "
    "ignores a misspelt one, after a warning, and a date left out is the notebook's example) "
    "and no manifest records what it ran on. That is as expected when you explore; a report "
    "to keep, share or schedule must be run with `workbench report NOTEBOOK --data DIR "
    "-p ...`, which refuses those mistakes before a kernel starts."
)


def run_folders(output_dir: str | Path) -> RunFolders:
    """Make (if needed) and return the run folder's ``shareable/`` and ``restricted/``
    (owner-only). A relative `output_dir` is under the project root when the notebook runs in
    ``notebooks/`` (`workbench.paths.project_path`).

    Every report notebook calls it first, so it also says, in the notebook's output, when the
    notebook was not run by `workbench report` (`RUNNER_VARIABLE` unset): papermill used
    directly only warns of a misspelt parameter and runs on the example dates of one left out,
    and writes no manifest (`NOT_BY_THE_RUNNER`)."""
    if not os.environ.get(RUNNER_VARIABLE):
        _say_not_by_the_runner()
    root = project_path(output_dir)
    shareable, restricted = root / "shareable", root / "restricted"
    shareable.mkdir(parents=True, exist_ok=True)
    restricted.mkdir(mode=0o700, parents=True, exist_ok=True)
    restricted.chmod(0o700)
    return RunFolders(root=root, shareable=shareable, restricted=restricted)


def _say_not_by_the_runner() -> None:
    """`NOT_BY_THE_RUNNER` as Markdown in the notebook's output; nothing outside a kernel
    (plain Python: a test, a script)."""
    from IPython import get_ipython
    from IPython.display import Markdown, display

    if get_ipython() is not None:
        display(Markdown(NOT_BY_THE_RUNNER))


@dataclass
class Publisher:
    """Writes protected tables to a run's ``shareable/`` when they are safe, and keeps the
    account a report ends with: what was hidden, and what was written or not.

    Example
    -------
    >>> import tempfile
    >>> counts = pl.DataFrame({"tier": ["likely", "possible"], "children": [12, 3]})
    >>> publisher = Publisher(Path(tempfile.mkdtemp()))
    >>> publisher.publish(protect_table(counts, row="tier", column=None, count="children"),
    ...                   "by_tier.csv")
    True
    >>> print(publisher.summary())  # doctest: +ELLIPSIS
    **Hidden cells**
    <BLANKLINE>
    - ...
    <BLANKLINE>
    **Tables written**
    <BLANKLINE>
    - `shareable/by_tier.csv`
    """

    shareable: Path
    written: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)

    def publish(self, table: ProtectedTable, file_name: str) -> bool:
        """Write `table` as `file_name` when it is safe; True when written."""
        self.hidden.extend(table.notes)
        if table.safe:
            path = write_protected(table, self.shareable / file_name)
            self.written.append(f"- `shareable/{path.name}`")
        else:
            self.written.append(
                f"- `{file_name}` **not published**: the table cannot be made safe."
            )
        return table.safe

    def publish_together(self, tables: SetProtection, files: Mapping[str, str]) -> bool:
        """Write tables protected together (`workbench.stats.table_links.protect_set`), each
        as its file name in ``files``, or none of them when the set is not safe."""
        if not tables.safe:
            self.written.extend(
                f"- `{file_name}` **not published**: with the other tables, {tables.reason}"
                for file_name in files.values()
            )
            return False
        results = [self.publish(tables.protected[name], file) for name, file in files.items()]
        return all(results)

    def summary(self) -> str:
        """Markdown: the cells hidden (or "Nothing hidden.") and the tables written."""
        # A note every table with a rate carries (how differences are hidden) is said once.
        notes = [f"- {note}" for note in dict.fromkeys(self.hidden)] or ["- Nothing hidden."]
        return "\n".join(
            ["**Hidden cells**", "", *notes, "", "**Tables written**", "", *self.written]
        )


def published_file_summary(
    files: pl.DataFrame, rules: DisclosureRules | None = None
) -> ProtectedTable:
    """The rows read from each file (`workbench.runs.console.file_summary`) as they may be
    published: accepted and quarantined rows by file, ``Total`` the rows read, after the
    disclosure control every shareable table has.

    The rows of a file count records about people: a DWP list of 2 families, 4 households'
    circumstances or 3 children's social-care statuses are small counts of families with a
    characteristic, so they are hidden like any other (the report itself shows the exact
    counts to the council's analysts; `workbench validate` prints them). Each file is its own
    table (accepted + quarantined = read): no total over files, which would count different
    things together, is published, so none is protected.

    Examples
    --------
    >>> files = pl.DataFrame({"file": ["people.csv", "dwp_list.csv"], "read": [712, 2],
    ...                       "accepted": [709, 2], "quarantined": [3, 0]})
    >>> published_file_summary(files).wide("rows").rows()  # doctest: +NORMALIZE_WHITESPACE
    [('people.csv', 'c', 'c', '712'), ('dwp_list.csv', 'c', '0', 'c')]
    """
    rules = rules or DisclosureRules()
    parts = []
    for name in files.get_column("file"):
        counts = files.filter(pl.col("file") == name).unpivot(
            on=["accepted", "quarantined"], variable_name="of", value_name="rows"
        )
        table = protect_table(counts, row="of", column=None, count="rows", rules=rules)
        if not table.safe:  # fewer rows than the threshold: every count of the file hidden
            table = _all_hidden(table, rules, f"fewer than {rules.threshold} rows")
        parts.append((name, table))
    if not parts:
        raise ValueError("published_file_summary: no file was read")

    def together(frames: list[pl.DataFrame]) -> pl.DataFrame:
        named = zip(parts, frames, strict=True)
        return pl.concat([f.select(pl.lit(n).alias("file"), pl.all()) for (n, _), f in named])

    notes = [f"{name}: {note}" for name, table in parts for note in table.notes]
    return ProtectedTable(
        table=together([t.table for _, t in parts]),
        mask=together([t.mask for _, t in parts]),
        safe=all(t.safe for _, t in parts),
        notes=notes,
        row="file",
        column="of",
    )


def _all_hidden(table: ProtectedTable, rules: DisclosureRules, why: str) -> ProtectedTable:
    """`table` with every count hidden (a zero too when zeros are), published as that."""
    hidden = pl.col("value") != "0" if not rules.suppress_zeros else pl.lit(True)

    def hide(frame: pl.DataFrame) -> pl.DataFrame:
        marked = frame.with_columns(
            hidden.alias("suppressed"),
            pl.when(hidden).then(pl.lit("primary")).alias("suppression"),
        )
        if "value" in frame.columns:
            marked = marked.with_columns(
                pl.when(hidden).then(pl.lit(rules.symbol)).otherwise("value").alias("value")
            )
        return marked

    masked = hide(table.table)
    note = f"{why}, so every count is hidden ('{rules.symbol}')."
    return ProtectedTable(
        table=masked,
        mask=masked.drop("value"),
        safe=True,
        notes=[note],
        row=table.row,
        column=table.column,
    )


def svg_chart(chart: Any, path: str | Path) -> Any:
    """Save an altair chart as SVG at `path` (offline, `workbench.charts.save_chart`) and
    return it for the notebook to show."""
    from IPython.display import SVG

    from workbench.charts import save_chart

    return SVG(filename=str(save_chart(chart, path)))


LINKAGE_TABLES = {
    "linkage_bands": "linkage_bands",
    "linkage_quality_linked": "linkage_quality",
    "linkage_quality_linked_and_clerical": "linkage_quality_with_clerical",
}
"""The linkage report's tables (each published as ``<name>.csv``) and how each links to the
others, as `workbench.stats.table_links.KINDS` names it."""
_QUALITY_BANDS = {
    "linkage_quality_linked": "linked",
    "linkage_quality_linked_and_clerical": "linked+clerical_review",
}


def linkage_quality_table(
    evaluation: LinkageEvaluation,
    bands: str,
    *,
    rules: DisclosureRules | None = None,
    also_hide: Collection[tuple[str, ...]] = (),
) -> ProtectedTable:
    """Child-level precision and recall by source for the bands counted as matches
    (``linked`` or ``linked+clerical_review``), protected on its own: rates come from the
    counts, and a small count hides its rates with it. Published beside the bands, it must be
    protected with them (`linkage_tables`): its DWP-list children predicted are the DWP rows
    in those bands."""
    return _protect_quality(
        _quality_counts(evaluation, bands), rules or DisclosureRules(), also_hide
    )


def linkage_tables(
    links: pl.DataFrame,
    evaluation: LinkageEvaluation | None = None,
    *,
    rules: DisclosureRules | None = None,
) -> SetProtection:
    """The linkage report's tables protected together (`LINKAGE_TABLES`), so that none gives
    away a count another hides: the rows of each source by band and, with an evaluation
    against a ground truth, child-level quality counting the linked band, and the linked and
    clerical-review bands, as matches (`linkage_quality_table`).

    A child is given at most one DWP row, so a quality table's DWP children predicted are
    the DWP rows in the bands it counts, and the rows of a band hidden in one table would
    follow by subtraction from the others; how each table links to the others is in
    `workbench.stats.table_links` (its ``linkage_*`` kinds). The rows of each source (the
    bands' ``Total`` column) stay published, as the ``01_explore_data`` report's
    ``validation.csv`` publishes the rows accepted from each file (`published_file_summary`:
    hidden there too when under the threshold). When protecting the set would need them
    hidden, the set is not safe (``reason`` says why) and none of it may be published.
    """
    from workbench.stats.table_links import protect_set

    rules = rules or DisclosureRules()
    raws = {
        "linkage_bands": links.group_by("source", "band").agg(pl.len().cast(pl.Int64).alias("rows"))
    }
    if evaluation is not None:
        raws |= {name: _quality_counts(evaluation, bands) for name, bands in _QUALITY_BANDS.items()}

    def protect_one(
        name: str, raw: pl.DataFrame, also_hide: Collection[tuple[str, ...]]
    ) -> ProtectedTable:
        if name != "linkage_bands":
            return _protect_quality(raw, rules, also_hide)
        return protect_table(
            raw, row="source", column="band", count="rows", rules=rules, also_hide=also_hide
        )

    return protect_set(
        raws,
        protect_one,
        rules=rules,
        kinds={name: LINKAGE_TABLES[name] for name in raws},
        keep=lambda key: key[0] == "linkage_bands" and key[2] == TOTAL,
    )


def _quality_counts(evaluation: LinkageEvaluation, bands: str) -> pl.DataFrame:
    """Child-level counts by source (true, predicted, correct) for ``bands`` as matches."""
    child = evaluation.quality_by_source.filter(
        (pl.col("level") == "child") & (pl.col("bands") == bands)
    )
    return child.select("source", "true", "predicted", "correct")


def _protect_quality(
    counts: pl.DataFrame, rules: DisclosureRules, also_hide: Collection[tuple[str, ...]]
) -> ProtectedTable:
    return protect_table(
        counts,
        row="source",
        column=None,
        count="true",
        rates={"precision": ("correct", "predicted"), "recall": ("correct", "true")},
        rules=rules,
        also_hide=also_hide,
    )
