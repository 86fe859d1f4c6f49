"""The subject access export as a document: blocks and facts, rendered and written privately.

Kept apart from :mod:`workbench.governance.subject_access` so that what the export says
(the section writers there) is separate from how it is laid out (Markdown, HTML, the CSV
appendix) and written (owner-only, atomically).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl


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
        self.blocks.append(("table", text.columns, text.rows()))
        for number, row in enumerate(text.iter_rows(named=True), start=1):
            for name, value in row.items():
                self.facts.append((section, f"{record} {number}", name, value))

    def fields(self, section: str, record: str, values: dict[str, object]) -> None:
        """One record as field | value rows."""
        rows = [(k, "" if v is None else str(v)) for k, v in values.items()]
        self.blocks.append(("table", ["field", "value"], rows))
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
