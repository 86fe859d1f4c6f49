"""`workbench demo`: the whole pipeline on a synthetic council, end to end, in one command.

It makes a synthetic council, loads and validates it, assesses every initiative, and writes a
run folder under `reports/`:

    reports/<date>-demo-<run id>/
      summary.html, summary.md   what was read, quarantined and listed (counts only)
      shareable/                 aggregate tables (small counts suppressed)
      restricted/                the synthetic input folder and the candidate lists (mode 0600)

Only synthetic data is used; the folder layout is the one a real run uses, so the demo also
shows where personal data would go.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from workbench import __version__
from workbench.io import load_folder
from workbench.reporting import file_summary, quarantine_summary
from workbench.run import run_id

__all__ = ["DemoResult", "run_demo"]

# Counts below this are shown as "c" in the demo summary (DOMAIN: threshold 10, GSS symbol c).
SUPPRESS_BELOW = 10


@dataclass(frozen=True)
class DemoResult:
    run_dir: Path
    summary_html: Path
    lists: dict[str, Path]


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _restrict(path: Path) -> Path:
    path.chmod(0o600)
    return path


def _suppressed(counts: pl.DataFrame, column: str = "children") -> pl.DataFrame:
    """Counts under the threshold replaced by 'c' (primary suppression only: demo figures)."""
    return counts.with_columns(
        pl.when(pl.col(column) < SUPPRESS_BELOW)
        .then(pl.lit("c"))
        .otherwise(pl.col(column).cast(pl.String))
        .alias(column)
    )


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


def _write_summary(run_dir: Path, sections: list[tuple[str, str, pl.DataFrame]]) -> Path:
    md = ["# Eligibility Workbench demo", ""]
    body = ["<h1>Eligibility Workbench demo</h1>"]
    for title, text, frame in sections:
        md += [f"## {title}", "", text, "", _md_table(frame), ""]
        body += [
            f"<h2>{html.escape(title)}</h2>",
            f"<p>{html.escape(text)}</p>",
            _html_table(frame),
        ]
    (run_dir / "summary.md").write_text("\n".join(md))
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Eligibility Workbench demo</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>"
    )
    target = run_dir / "summary.html"
    target.write_text(page)
    return target


def run_demo(
    reports: str | Path = "reports",
    *,
    households: int = 2000,
    seed: int = 20260901,
    reference_date: date = date(2026, 9, 1),
) -> DemoResult:
    """Run the pipeline on a synthetic council and return where the results are."""
    from workbench.lists import assess_folder
    from workbench.rules import available_initiatives
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

    loaded = load_folder(data_dir)
    files = file_summary(loaded)
    files.write_csv(shareable / "validation.csv")
    sections = [
        (
            "Data read",
            f"A synthetic council of {households} households (seed {seed}, with a few "
            "deliberately broken rows to show the quarantine), "
            f"extracts taken on {reference_date.isoformat()}. Rows read, accepted and "
            "quarantined per file.",
            files.select("file", "read", "accepted", "quarantined"),
        )
    ]
    if loaded.quarantine.height:
        sections.append(
            ("Quarantine", "Rows set aside, by problem.", quarantine_summary(loaded.quarantine))
        )

    lists: dict[str, Path] = {}
    for initiative in available_initiatives():
        result = assess_folder(
            data_dir,
            initiative=initiative,
            term_start=reference_date,
            as_of=reference_date,
            out=restricted / f"{initiative}.csv",
        )
        lists[initiative] = _restrict(result.out)
        by_reason = (
            result.candidates.explode("reason_codes")
            .group_by("tier", "reason_codes")
            .agg(pl.len().alias("children"))
            .rename({"reason_codes": "reason_code"})
            .sort("tier", "reason_code")
        )
        _suppressed(by_reason).write_csv(shareable / f"{initiative}_by_reason.csv")
        sections.append(
            (
                f"Candidates: {initiative}",
                f"{result.candidates.height} candidates for the term starting "
                f"{reference_date.isoformat()}, all pending review (a child can meet several "
                f"criteria). Counts under {SUPPRESS_BELOW} are shown as c.",
                _suppressed(by_reason),
            )
        )
    summary = _write_summary(run_dir, sections)
    os.chmod(summary, 0o644)
    return DemoResult(run_dir=run_dir, summary_html=summary, lists=lists)
