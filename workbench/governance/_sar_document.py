"""The subject access export as a document: blocks and facts, rendered and written privately.

Kept apart from :mod:`workbench.governance.subject_access` so that what the export says
(the section writers there) is separate from how it is laid out (Markdown, HTML, the CSV
appendix) and written (owner-only, atomically).

Times are shown as people read them (:func:`when_text`, "7 December 2026 at 09:14 UTC"): a
table cell or field that is a time (ISO 8601, as the store and the sidecars record it) is
shown so in Markdown and HTML, and kept as recorded in the CSV appendix, for machines.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from workbench.dates import RECORDED_TIME as _TIME
from workbench.dates import long_date
from workbench.dates import long_time as when_text


def day_text(at: str | date | None) -> str:
    """The day of a recorded time, or a date, as the answer shows it: '7 December 2026'.

    >>> day_text("2027-10-01T09:05:00.000000Z"), day_text(date(2026, 12, 7))
    ('1 October 2027', '7 December 2026')
    """
    if at is None or at == "":
        return ""
    return long_date(at if isinstance(at, date) else date.fromisoformat(at[:10]))


def _shown(value: str) -> str:
    """A cell as Markdown and HTML show it: a time as people read it (`when_text`)."""
    return when_text(value) if _TIME.match(value) else value


@dataclass
class SarDocument:
    """The export as blocks (rendered to Markdown or HTML) and facts (the CSV appendix)."""

    blocks: list[tuple] = field(default_factory=list)
    facts: list[tuple[str, str, str, str]] = field(default_factory=list)

    def heading(self, level: int, text: str) -> None:
        self.blocks.append(("h", level, text))

    def para(self, text: str) -> None:
        self.blocks.append(("p", text))

    def bullets(self, items: Sequence[str]) -> None:
        self.blocks.append(("ul", list(items)))

    def table(self, section: str, record: str, frame: pl.DataFrame) -> None:
        """A table of records; each cell also becomes a fact of the appendix."""
        text = frame.select(pl.all().cast(pl.String).fill_null(""))
        shown = [tuple(_shown(v) for v in row) for row in text.rows()]
        self.blocks.append(("table", text.columns, shown))
        for number, row in enumerate(text.iter_rows(named=True), start=1):
            for name, value in row.items():
                self.facts.append((section, f"{record} {number}", name, value))

    def fields(self, section: str, record: str, values: dict[str, object]) -> None:
        """One record as field | value rows."""
        rows = [(k, "" if v is None else str(v)) for k, v in values.items()]
        self.blocks.append(("table", ["field", "value"], [(k, _shown(v)) for k, v in rows]))
        self.facts += [(section, record, k, v) for k, v in rows]


def _md(value: object) -> str:
    """Text as Markdown shows it, never as HTML: a name like `<img src=x onerror=...>` is
    written with `&lt;` so that no Markdown viewer runs or fetches anything."""
    return html.escape(str(value), quote=False)


def sar_markdown(doc: SarDocument) -> str:
    lines: list[str] = []
    for block in doc.blocks:
        if block[0] == "h":
            lines += ["#" * block[1] + " " + _md(block[2]), ""]
        elif block[0] == "p":
            lines += [_md(block[1]), ""]
        elif block[0] == "ul":
            lines += [f"- {_md(item)}" for item in block[1]] + [""]
        else:
            cell = lambda v: _md(v).replace("|", "\\|").replace("\n", " ")  # noqa: E731
            lines += ["| " + " | ".join(block[1]) + " |", "|" + "---|" * len(block[1])]
            lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in block[2]] + [""]
    return "\n".join(lines)


def sar_html(doc: SarDocument) -> str:
    e = html.escape
    parts = []
    for block in doc.blocks:
        if block[0] == "h":
            parts.append(f"<h{block[1]}>{e(block[2])}</h{block[1]}>")
        elif block[0] == "p":
            parts.append(f"<p>{e(block[1])}</p>")
        elif block[0] == "ul":
            parts.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in block[1]) + "</ul>")
        else:
            head = "".join(f"<th>{e(c)}</th>" for c in block[1])
            body = "".join(
                "<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>" for row in block[2]
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    style = "body{font-family:sans-serif;max-width:60rem;margin:2rem auto}td,th{border:1px solid"
    style += " #bbb;padding:.2rem .5rem}table{border-collapse:collapse}"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Subject access'
        f"</title><style>{style}</style></head><body>{''.join(parts)}</body></html>"
    )


def appendix_path(out: Path) -> Path:
    """Where the CSV appendix of an export written to `out` goes: beside it, named after the
    whole of its name (``sar.md`` -> ``sar.md-appendix.csv``), so that ``sar.md`` and
    ``sar.html`` each keep their own.

    >>> appendix_path(Path("dp/sar.html"))
    PosixPath('dp/sar.html-appendix.csv')
    """
    return out.with_name(f"{out.name}-appendix.csv")
