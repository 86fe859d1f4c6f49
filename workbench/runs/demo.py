"""`workbench demo`: the whole pipeline on a synthetic council, end to end, in one command.

It makes a synthetic council, loads and validates it, assesses every initiative, links the DWP
list and funded places (exact pass, then Splink) and measures the links against the synthetic
ground truth, works out take-up by area with a chart, and writes a run folder under `reports/`:

    reports/<date>-demo-<run id>/
      summary.html, summary.md   what was read, quarantined, listed and linked (no count outside
                                 disclosure control; the quarantine's counts in restricted/)
      shareable/                 aggregate tables that passed disclosure control, and charts
      restricted/                the synthetic input folder and the candidate lists (mode 0600)

Only synthetic data is used; the folder layout is the one a real run uses, so the demo also
shows where personal data would go.
"""

from __future__ import annotations

import dataclasses
import html
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from workbench import __version__
from workbench.data.reading import load_folder
from workbench.private_files import write_private
from workbench.provenance import run_id
from workbench.runs.console import file_summary, quarantine_summary
from workbench.runs.notebook import published_file_summary
from workbench.stats import ProtectedTable, protect_table, write_protected

__all__ = ["DemoResult", "run_demo"]


@dataclass(frozen=True)
class DemoResult:
    run_dir: Path
    summary_html: Path
    lists: dict[str, Path]
    report_html: Path | None = None


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _lock(folder: Path) -> None:
    """Everything under a restricted folder owner-only: folders 0700, files 0600."""
    for path in folder.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    folder.chmod(0o700)


def _html_table(frame: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.iter_rows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _md_table(frame: pl.DataFrame) -> str:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * frame.width]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join(lines)


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;line-height:1.5;"
    "color:#1b1b1b}table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #bbb;"
    "padding:.3rem .6rem;text-align:left}th{background:#eef2f6}td:last-child{text-align:right}"
)


Section = tuple[str, str, pl.DataFrame | None, str | None]


def _write_summary(run_dir: Path, sections: list[Section]) -> Path:
    """summary.md and summary.html: each section a title, a sentence, a table and/or an image
    (a file under shareable/, referenced relatively so the page opens offline)."""
    md = ["# Eligibility Workbench demo", ""]
    body = ["<h1>Eligibility Workbench demo</h1>"]
    for title, text, frame, image in sections:
        md += [f"## {title}", "", text, ""]
        body += [f"<h2>{html.escape(title)}</h2>", f"<p>{html.escape(text)}</p>"]
        if image is not None:
            md += [f"![{title}]({image})", ""]
            body.append(f'<img src="{html.escape(image)}" alt="{html.escape(title)}">')
        if frame is not None:
            md += [_md_table(frame), ""]
            body.append(_html_table(frame))
    (run_dir / "summary.md").write_text("\n".join(md))
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Eligibility Workbench demo</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>"
    )
    target = run_dir / "summary.html"
    target.write_text(page)
    return target


def _published(
    protected: ProtectedTable, name: str, shareable: Path
) -> tuple[pl.DataFrame | None, str]:
    """Write a protected table to shareable/ if it is safe; the table to show and a note."""
    if not protected.safe:
        return None, "Not published: " + " ".join(protected.notes)
    write_protected(protected, shareable / name)
    measures = protected.table["measure"].unique(maintain_order=True).to_list()
    if not measures:  # a table without margins, of no one
        return None, "No child is listed, so there is nothing to count."
    shown = protected.wide(measures[0])
    for measure in measures[1:]:
        shown = shown.join(protected.wide(measure), on=shown.columns[0], how="left")
    note = " ".join(protected.notes) or "No cell needed hiding."
    # A table whose zeros are hidden too (children by reason) says so: there, c may be 0.
    small = "0" if protected.zeros_hidden else "1"
    return (
        shown,
        f"Counts from {small} to 9 are shown as c, and cells that would reveal them too. {note}",
    )


def _dwp_sentence(accounted: dict | None, listed: Path) -> str:
    """Where every DWP-list row is accounted for. Not the counts: the rows listed are the
    list's DWP-list children, which a published table may hide (counts only in restricted/)."""
    if not accounted:
        return ""
    return (
        "Every DWP-list row is accounted for (rows read = listed + not listed + quarantined): "
        f"the counts are in the list's manifest, restricted/{listed.name}.manifest.json, and "
        "each row not listed is in a restricted file beside the list with its reason."
    )


def _links_by_band(links: pl.DataFrame) -> tuple[pl.DataFrame | None, str]:
    """Rows per source and band under disclosure control (a band of a few DWP-list rows,
    differenced from the rows read, would count children on it)."""
    counts = links.group_by("band", "source").len("count")
    protected = protect_table(counts, row="band", column="source")
    if not protected.safe:
        return None, "Not published: " + " ".join(protected.notes)
    note = " ".join(protected.notes) or "No cell needed hiding."
    return protected.wide("count"), f"Counts from 1 to 9 are shown as c. {note}"


def run_demo(
    reports: str | Path = "reports",
    *,
    households: int = 20000,
    seed: int = 20260901,
    reference_date: date = date(2026, 9, 1),
) -> DemoResult:
    """Run the pipeline on a synthetic council and return where the results are."""
    from workbench.charts import save_chart, take_up_by_area
    from workbench.eligibility.assess import assess
    from workbench.linkage import link_all, linkage_quality
    from workbench.rules import available_initiatives
    from workbench.stats.report import display_frame, write_stats
    from workbench.stats.table_links import protect_list_summary
    from workbench.synth import generate_council, write_council

    parameters = {"households": households, "seed": seed, "reference_date": reference_date}
    rid = run_id({}, parameters, "demo", __version__)
    today = datetime.now(UTC).date().isoformat()
    run_dir = _private_dir(Path(reports) / f"{today}-demo-{rid}")
    restricted = _private_dir(run_dir / "restricted")
    shareable = run_dir / "shareable"
    shareable.mkdir(exist_ok=True)

    data_dir = restricted / "data"
    council = generate_council(households, seed, reference_date, messy=True)
    write_council(council, data_dir, "csv", overwrite=True, made_with="workbench demo")
    _lock(restricted)

    loaded = load_folder(data_dir)
    files = file_summary(loaded)
    shown, note = _published(published_file_summary(files), "validation.csv", shareable)
    sections: list[Section] = [
        (
            "Data read",
            f"A synthetic council of {households} households (seed {seed}, with a few "
            "deliberately broken rows to show the quarantine), extracts taken on "
            f"{reference_date.isoformat()}. Rows accepted and quarantined per file, Total "
            f"the rows read, as published: {note}",
            shown,
            None,
        )
    ]
    if loaded.quarantine.height:
        # The kinds of problem and where each is first met; how many rows of each (a few, some
        # of them 1) only in restricted/: the summary holds no count outside disclosure control.
        problems = quarantine_summary(loaded.quarantine)
        write_private(restricted / "quarantine_summary.csv", problems.write_csv)
        sections.append(
            (
                "Quarantine",
                "The kinds of problem rows were set aside for, and the first row of each. A "
                "quarantined row counts for nothing. How many rows of each kind: "
                "restricted/quarantine_summary.csv.",
                problems.drop("rows"),
                None,
            )
        )

    lists: dict[str, Path] = {}
    accounted: dict[str, dict | None] = {}
    for initiative in available_initiatives():
        result = assess(
            data_dir,
            initiative,
            term_start=reference_date,
            as_of=reference_date,
            # As the take-up report links them: a funded place whose row has a typo counts.
            linkage="probabilistic",
        )
        written = result.write(restricted / f"{initiative}.csv")  # owner-only
        lists[initiative] = written.out
        accounted[initiative] = written.dwp_list_accounted
        if initiative == "two_year_old":
            continue  # its figures come from the take-up tables below, protected as a set
        # By tier and by reason, protected together (a reader could use one on the other).
        together = protect_list_summary(
            result.summary(), uses_dwp_list="dwp_list" in result.rule_set.sources
        )
        protected = together.protected["reason"]
        if not together.safe:
            assert together.reason is not None  # an unsafe set says why
            protected = dataclasses.replace(protected, safe=False, notes=[together.reason])
        shown, note = _published(protected, f"{initiative}_by_reason.csv", shareable)
        sections.append(
            (
                f"Candidates: {initiative}",
                f"The candidate list for the term starting {reference_date.isoformat()} "
                f"(restricted/{written.out.name}) is all pending review: nothing has been "
                "decided. Children by reason: every criterion checked for the term (in force "
                "on its start) is a row, whether or not a child meets it (a child can meet "
                "several, so no total is given: the rows add up to reasons met, not children). "
                "As in the take-up report's table by criterion, the rows are in the order of "
                "their codes and a criterion no child meets is hidden with the small counts "
                f"(unless no child is listed). {note}",
                shown,
                None,
            )
        )

    # The two-year-old offer's take-up tables exactly as the take-up report publishes them
    # (the same set, protected together), so the two folders never disagree on a hidden cell.
    stats = write_stats(
        data_dir,
        initiative="two_year_old",
        term_start=reference_date,
        as_of=reference_date,
        out=shareable / "two_year_old_take_up",
    )
    for name, title, words in (
        (
            "take_up_by_criterion",
            "Candidates: two_year_old",
            f"The candidate list for the term starting {reference_date.isoformat()} "
            f"(restricted/{lists['two_year_old'].name}) is all pending review: nothing has "
            "been decided. Likely-tier children by reason (a child can meet several, so the "
            "total counts reasons), and those matched to a funded place. "
            + _dwp_sentence(accounted.get("two_year_old"), lists["two_year_old"]),
        ),
        (
            "take_up_by_area",
            "Two-year-old offer: take-up by area",
            "Likely-tier children and those matched to a funded place this term, by postcode "
            "district.",
        ),
    ):
        table = stats.tables[name]
        image = None
        if table.published:
            shown = display_frame(table)
            assert table.protected is not None  # a published take-up table is protected
            note = " ".join(table.protected.notes) or "No cell needed hiding."
            published = table.shown_rows()
            # A row of no child (listed on every run) has no rate to draw.
            drawable = published is not None and published.get_column("rate").drop_nulls().len()
            if name == "take_up_by_area" and published is not None and drawable:
                chart = shareable / "two_year_old_take_up_by_area.svg"
                save_chart(take_up_by_area(published), chart)
                image = "shareable/two_year_old_take_up_by_area.svg"
        else:
            shown, note = None, f"Not published: {table.reason}"
        sections.append((title, f"{words} {note}", shown, image))

    sources = {"people": loaded.tables["people"]}
    for name in ("dwp_list", "funded_places"):
        if name in loaded.tables:
            sources[name] = loaded.tables[name]
    links = link_all(sources)
    quality = linkage_quality(links, council["ground_truth"], bands=("linked",), by=("source",))
    quality = quality.select(
        "source",
        *(pl.col(c).round(3) for c in ("precision", "recall", "f1")),
    )
    quality.write_csv(shareable / "linkage_quality.csv")
    bands, bands_note = _links_by_band(links)
    sections.append(
        (
            "Linkage quality",
            "DWP-list and funded-place rows linked to the council's people (exact pass, then "
            "Splink), measured against the synthetic ground truth. Pairs in the clerical-review "
            "band are never used until a person confirms them.",
            quality,
            None,
        )
    )
    sections.append(("Links by band", f"Rows per band and source. {bands_note}", bands, None))
    _lock(restricted)
    summary = _write_summary(run_dir, sections)
    os.chmod(summary, 0o644)
    # The scheduled report as a council would run it: the take-up notebook through papermill.
    from workbench.runs.report import run_report

    report = run_report(
        "04_take_up_report",
        data=data_dir,
        parameters={
            "initiative": "two_year_old",
            "term_start": reference_date.isoformat(),
            "as_of": reference_date.isoformat(),
        },
        reports=Path(reports),
    )
    return DemoResult(run_dir=run_dir, summary_html=summary, lists=lists, report_html=report.html)
