"""Subject access: everything the workbench holds about one person, for the DP team.

`subject_access` gathers, for one person id:

1. their own rows of the council's data that the workbench reads (`people`, `benefits`,
   `child_statuses`), loaded as assessing loads them: only the columns the workbench uses,
   never the special-category ones;
2. every candidate list they appeared on (from the list files and their manifests): the
   tier, the reasons in plain English from the rule file, the evidence, the flags;
3. the lists where their own records were used as evidence about a child in their household
   (the child is not named);
4. from the review store (found by the person's pseudonymous key): the items held about them
   and every decision, with the reviewer and the time.

Nothing about anyone else is written: a parent or carer in a child's evidence appears only as
"a parent/carer (id withheld)", and a child in a parent's evidence as "a child in their
household (id withheld)". The export says so, and says what the DP team must check before
release. The main file is Markdown (``.md``) or HTML (``.html``), with a CSV appendix beside it
(``<name>-appendix.csv``: one row per fact); both are written owner-only (0600).

Example
-------
>>> subject_access("P000123", data=Path("data"), lists=[Path("restricted/two_year_old.csv")],
...                store=Path("review.sqlite"), key=load_key(), out=Path("sar.md"))
... # doctest: +SKIP
PosixPath('sar.md')
"""

from __future__ import annotations

import getpass
import html
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from workbench.errors import DataFileError, UsageError, WorkbenchError
from workbench.io import load_folder
from workbench.lists import columns_needed
from workbench.review.keys import pseudonym
from workbench.review.lists import MANIFEST_SUFFIX, read_list_file, review_candidates
from workbench.review.store import ReviewStore
from workbench.rules import load_rule_set

__all__ = ["SUBJECT_TABLES", "appendix_path", "find_person", "subject_access"]

SUBJECT_TABLES = ("people", "benefits", "child_statuses")
OUT_SUFFIXES = (".md", ".html")
WITHHELD_CARER = "a parent/carer (id withheld)"
WITHHELD_CHILD = "a child in their household (id withheld)"
_CARER_AWARD = re.compile(r"award (\S+) of parent/carer (\S+)")
THIRD_PARTY_NOTE = (
    "Other people appear only as “a parent/carer (id withheld)” or “a child in their household "
    "(id withheld)”: their ids, names and records are not in this export. If the data "
    "protection team decides that some third-party information should be disclosed (UK GDPR "
    "Art. 15(4); Data Protection Act 2018, Sch. 2, Part 3, para. 16), it must be prepared "
    "separately: ask the workbench's operator, who can look it up with the same commands."
)
CHECK_NOTES = (
    "Reviewers' reasons are free text written by officers: read them before release, as they "
    "may mention other people.",
    "Reviewers are council officers, named as recorded; the team decides whether to release "
    "staff names.",
    "The special-category columns (sex, ethnicity, first_language) are never read about one "
    "person: the workbench uses them only in aggregate, for equality monitoring. The council's "
    "source system holds them.",
    "A DWP-list row appears here by its record id only; its contents (which name the parent) "
    "are held in the DWP extract. A DWP-list child matched to no council record is held under "
    "the DWP record id, not this person id, and is not found by this search.",
    "Rows of the data folder that failed validation (quarantined) are not read about anyone.",
)


@dataclass
class _Doc:
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


def _markdown(doc: _Doc) -> str:
    lines: list[str] = []
    for block in doc.blocks:
        if block[0] == "h":
            lines += ["#" * block[1] + " " + block[2], ""]
        elif block[0] == "p":
            lines += [block[1], ""]
        elif block[0] == "ul":
            lines += [f"- {item}" for item in block[1]] + [""]
        else:
            cell = lambda v: str(v).replace("|", "\\|").replace("\n", " ")  # noqa: E731
            lines += ["| " + " | ".join(block[1]) + " |", "|" + "---|" * len(block[1])]
            lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in block[2]] + [""]
    return "\n".join(lines)


def _html(doc: _Doc) -> str:
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


def _private_write(path: Path, text: str) -> None:
    """Write owner-only (0600) from the moment the file exists; atomic rename into place."""
    tmp = path.with_name(f".{path.name}.partial")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.replace(tmp, path)


# --- the council's data -------------------------------------------------------------------------


def _load(data: Path):
    return load_folder(data, tables=SUBJECT_TABLES, columns=columns_needed(list(SUBJECT_TABLES)))


def find_person(data: str | Path, *, forename: str, surname: str, date_of_birth: date) -> list[str]:
    """The person ids in `data` with these names (case and spacing ignored) and date of birth.

    Examples
    --------
    >>> find_person(Path("data"), forename="Ada", surname="Lovelace",
    ...             date_of_birth=date(2024, 3, 1))  # doctest: +SKIP
    ['P000123']
    """
    people = load_folder(data, tables=["people"], columns={"people": ()}).tables["people"]

    def same(column: str, value: str) -> pl.Expr:
        squeeze = " ".join(value.split()).casefold()
        return pl.col(column).str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase() == (
            squeeze
        )

    found = people.filter(
        same("forename", forename),
        same("surname", surname),
        pl.col("date_of_birth") == date_of_birth,
    )
    return sorted(found["person_id"].to_list())


def _council_records(doc: _Doc, data: Path, person_id: str) -> None:
    loaded = _load(data)
    doc.heading(2, "1. The council's records that the workbench reads")
    doc.para(
        f"From the data folder {data} (only the columns the workbench uses; files read: "
        + ", ".join(f.name for f in loaded.files())
        + ")."
    )
    people = loaded.tables["people"].filter(pl.col("person_id") == person_id)
    doc.heading(3, "people")
    if people.height == 0:
        doc.para("No row of the people file has this person id.")
    for row in people.iter_rows(named=True):
        doc.fields("people", "people row", row)
    for table, noun in (("benefits", "award"), ("child_statuses", "status")):
        plural = {"award": "award(s)", "status": "status episode(s)"}[noun]
        doc.heading(3, table)
        if table not in loaded.tables:
            doc.para(f"The data folder has no {table} file.")
            continue
        own = loaded.tables[table].filter(pl.col("person_id") == person_id)
        if own.height == 0:
            doc.para(f"No {noun} is recorded for this person.")
        else:
            doc.para(f"{own.height} {plural} recorded for this person.")
            doc.table(table, noun, own)


# --- lists --------------------------------------------------------------------------------------


def _manifest_parameters(path: Path) -> dict[str, str]:
    try:
        record = json.loads(path.with_name(path.name + MANIFEST_SUFFIX).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return record.get("parameters") or {}


def _reasons(rule_ref: str, codes: list[str], as_of: str | None) -> list[str]:
    """Each reason code with its plain-English sentence from the rule file."""
    initiative, _, version = rule_ref.partition("@")
    try:
        rules = load_rule_set(initiative)
        day = date.fromisoformat(as_of) if as_of else rules.valid_from
    except (WorkbenchError, ValueError):
        return [f"{code}" for code in codes]
    out = []
    for code in codes:
        try:
            sentence = rules.criterion(code).sentence(day)
        except WorkbenchError:
            sentence = "(no longer in the rule file)"
        out.append(f"{code}: {sentence}")
    if version and version != rules.version:
        out.append(f"(wording from rule file version {rules.version}; the list used {version})")
    return out


def _tier_text(rule_ref: str, tier: str) -> str:
    try:
        return f"{tier}: {load_rule_set(rule_ref.partition('@')[0]).tiers[tier].strip()}"
    except (WorkbenchError, KeyError):
        return tier


def _own_evidence(evidence: str | None) -> str:
    """The evidence with other people's award and person ids withheld."""
    return _CARER_AWARD.sub(f"an award of {WITHHELD_CARER}", evidence or "")


def _as_carer(evidence: str | None, person_id: str) -> list[str]:
    """The proofs in a child's evidence that are this person's awards, the child withheld."""
    out = []
    for proof in (evidence or "").split("; "):
        found = _CARER_AWARD.search(proof)
        if found and found.group(2) == person_id:
            code = proof.split(":", 1)[0]
            out.append(f"{code}: their award {found.group(1)}, for {WITHHELD_CHILD}")
    return out


def _list_sections(doc: _Doc, lists: Sequence[Path], person_id: str, key: bytes) -> None:
    doc.heading(2, "2. Candidate lists this person appeared on")
    as_carer: list[tuple[str, list[str]]] = []
    appeared = 0
    for path in lists:
        listed = read_list_file(path)
        rows = review_candidates(listed.candidates, key)
        parameters = _manifest_parameters(Path(path))
        name = f"{Path(path).name} ({listed.rule_set}, run {listed.run_id})"
        for row in rows.filter(pl.col("person_id") == person_id).iter_rows(named=True):
            appeared += 1
            _list_row(doc, name, listed.rule_set, listed.run_id, parameters, row)
        used = [proof for ev in rows["evidence"].to_list() for proof in _as_carer(ev, person_id)]
        if used:
            as_carer.append((name, used))
    if not appeared:
        doc.para(f"This person is on none of the {len(lists)} list(s) searched.")
    doc.heading(2, "3. Lists where this person's records were evidence about someone else")
    if not as_carer:
        doc.para("None of the lists searched used this person's records as evidence.")
    for name, used in as_carer:
        doc.heading(3, name)
        doc.bullets(used)
        doc.facts += [("evidence about others", name, "proof", u) for u in used]


def _list_row(doc, name, rule_ref, run, parameters, row) -> None:
    doc.heading(3, name)
    reasons = _reasons(rule_ref, row["reason_codes"], parameters.get("as_of"))
    values = {
        "list file": name,
        "run id": run,
        "rule set": rule_ref,
        "term start": parameters.get("term_start"),
        "evidence date (as of)": parameters.get("as_of"),
        "tier": _tier_text(rule_ref, row["tier"]),
        "reasons": " | ".join(reasons) or "none (possible: income missing)",
        "evidence shown": _own_evidence(row["evidence"]),
        "eligible from": row["eligible_from"],
        "already funded": row["already_funded"],
        "DWP record matched": row["dwp_record_id"],
        "link needs review": row["link_needs_review"],
        "review status": "pending_review (only a recorded decision changes it)",
    }
    doc.fields("lists", name, values)


# --- the review store ---------------------------------------------------------------------------


def _store_section(doc: _Doc, store: Path, person_id: str, key: bytes, user: str) -> None:
    if not store.is_file():
        raise DataFileError(store, "no review store here; expected a store the workbench wrote")
    item = pseudonym("person", person_id, key)
    doc.heading(2, "4. The review store: items and decisions about this person")
    with ReviewStore(store) as review:
        lists = review.lists()
        held = []
        for entry in lists.iter_rows(named=True):
            items = review.items(entry["list_id"]).filter(pl.col("item_key") == item)
            held += [(entry, r) for r in items.iter_rows(named=True)]
        decisions = review.decisions(item_keys=[item]).join(
            lists.select("list_id", "run_id", "initiative"), on="list_id", how="left"
        )
        review.log_access(
            user, "subject-access", f"item {item}: {len(held)} items, {decisions.height} decisions"
        )
    doc.para(
        f"The store keys this person by a pseudonymous key ({item}), never by name or id. "
        f"It holds {len(held)} item(s) and {decisions.height} decision(s) about them."
    )
    for entry, row in held:
        name = f"{entry['initiative']} list of run {entry['run_id']} (stored {entry['created_at']})"
        doc.heading(3, name)
        doc.fields(
            "store items",
            name,
            {
                "tier": row["tier"],
                "reason codes": "; ".join(row["reason_codes"]),
                "evidence": _own_evidence(row["evidence"]),
                "eligible from": row["eligible_from"],
                "link needs review": row["link_needs_review"],
            },
        )
    doc.heading(3, "Decisions (oldest first; a correction is a new decision)")
    if decisions.height == 0:
        doc.para("No decision has been recorded about this person.")
    else:
        doc.table(
            "decisions",
            "decision",
            decisions.select(
                "decided_at",
                "reviewer",
                "decision",
                "reason",
                "initiative",
                "run_id",
                "decision_id",
            ),
        )


# --- the export ---------------------------------------------------------------------------------


def appendix_path(out: Path) -> Path:
    """Where the CSV appendix of an export written to `out` goes."""
    return out.with_name(f"{out.stem}-appendix.csv")


def subject_access(
    person_id: str,
    *,
    data: str | Path,
    lists: Sequence[str | Path] = (),
    store: str | Path | None = None,
    key: bytes,
    out: str | Path,
    user: str | None = None,
    today: date | None = None,
) -> Path:
    """Write everything the workbench holds about one person, for the DP team; return `out`.

    Parameters
    ----------
    person_id
        The council's person id (see :func:`find_person` to find it by name and birth date).
    data
        The data folder the workbench reads.
    lists
        Candidate lists written by `workbench assess` (each with its manifest).
    store
        The review store, or None. Reading it is recorded in its access log.
    key
        The pseudonym key (:func:`workbench.review.load_key`); never written anywhere.
    out
        The export (``.md`` or ``.html``); a CSV appendix is written beside it.
    user
        Who ran it, for the access log (default: the login name).

    Raises
    ------
    UsageError
        For an empty person id or an `out` that is not ``.md`` / ``.html``.
    DataFileError
        For a data folder, list or store that cannot be read.
    """
    person_id = person_id.strip()
    if not person_id:
        raise UsageError("--person is empty; expected a person id from the people file")
    out = Path(out)
    if out.suffix.lower() not in OUT_SUFFIXES:
        raise UsageError(f"--out must end in .md or .html; got {out.name!r}")
    if not out.parent.is_dir():
        raise UsageError(f"--out: the folder {out.parent} does not exist")
    today = today or datetime.now(UTC).date()
    doc = _Doc()
    doc.heading(1, f"Subject access: what the Eligibility Workbench holds about {person_id}")
    doc.para(
        f"Prepared on {today.isoformat()} for the council's data protection team. Check the "
        "notes below before anything is released to the requester."
    )
    doc.bullets([THIRD_PARTY_NOTE, *CHECK_NOTES])
    _council_records(doc, Path(data), person_id)
    _list_sections(doc, [Path(p) for p in lists], person_id, key)
    if store is not None:
        _store_section(doc, Path(store), person_id, key, user or getpass.getuser())
    else:
        doc.heading(2, "4. The review store: items and decisions about this person")
        doc.para("No review store was searched: decisions, if any, are not in this export.")
    text = _html(doc) if out.suffix.lower() == ".html" else _markdown(doc)
    _private_write(out, text)
    appendix = pl.DataFrame(
        doc.facts, schema=["section", "record", "field", "value"], orient="row"
    ).write_csv()
    _private_write(appendix_path(out), appendix)
    return out
