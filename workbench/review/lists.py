"""From a candidate list to the review store: pseudonymous item keys and a registered list.

A candidate list (what `workbench assess` writes, or ``AssessRun.candidates``) names children
by ``person_id``, or by ``dwp_record_id`` when a DWP-list child matched no one. The store never
holds either: each row becomes an *item* keyed by :func:`workbench.review.pseudonym` of the
person id (kind ``"person"``) or, when there is none, of the DWP record id (kind ``"dwp"``), so
next term's list for the same child finds this term's decisions.

The evidence the store keeps with each item is pseudonymous too
(:func:`pseudonymous_evidence`): reason codes and tables stay readable, every award, status and
DWP record id becomes ``pseudonym(kind, id)`` and every parent/carer id ``pseudonym("person",
id)``. The Excel workbook and the review panel show the evidence from the candidate list itself,
never from the store.

Example
-------
>>> import polars as pl
>>> from workbench.review import pseudonym
>>> candidates = pl.DataFrame({"person_id": ["P1", None], "dwp_record_id": [None, "D9"]})
>>> keys = candidates.select(item_key_expr(bytes(32)))["item_key"].to_list()
>>> keys[0] == pseudonym("person", "P1", bytes(32)), keys[1] == pseudonym("dwp", "D9", bytes(32))
(True, True)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from workbench.dates import long_date
from workbench.eligibility.assess import EVIDENCE_NOTES, evidence_text, unlisted_path
from workbench.errors import DataFileError, WorkbenchError
from workbench.provenance import file_sha256
from workbench.review.keys import pseudonym, pseudonym_expr
from workbench.review.schema import HELD_IDS
from workbench.review.store import ReviewStore
from workbench.spreadsheet import restored

__all__ = [
    "CHANGED_SINCE_WRITTEN",
    "DWP_KIND",
    "PERSON_KIND",
    "LaterList",
    "ListFile",
    "changed_since_written",
    "dwp_row_keys",
    "hold_reasons",
    "item_key_expr",
    "later_list",
    "proposed_keys",
    "pseudonymous_evidence",
    "pseudonymous_held",
    "read_list_file",
    "register_list",
    "register_list_file",
    "review_candidates",
]

PERSON_KIND = "person"
DWP_KIND = "dwp"


LIST_SUFFIXES = (".csv", ".parquet")
MANIFEST_SUFFIX = ".manifest.json"
# The columns of a candidate list that review reads; nothing else is kept (data minimisation).
CANDIDATE_COLUMNS = {
    "person_id": pl.String,
    "dwp_record_id": pl.String,
    "initiative": pl.String,
    "tier": pl.String,
    "reason_codes": pl.List(pl.String),
    "evidence": pl.String,
    "eligible_from": pl.Date,
    "already_funded": pl.Boolean,
    "link_needs_review": pl.Boolean,
}


def item_key_expr(key: bytes) -> pl.Expr:
    """The pseudonymous item key of each candidate row, as the column ``item_key``.

    The person id's key when there is one, else the DWP record id's key; null when neither.
    """
    return pl.coalesce(
        pseudonym_expr("person_id", PERSON_KIND, key),
        pseudonym_expr("dwp_record_id", DWP_KIND, key),
    ).alias("item_key")


def _as_reason_list(frame: pl.DataFrame) -> pl.Expr:
    column = pl.col("reason_codes")
    if isinstance(frame.schema["reason_codes"], pl.List):
        return column.cast(pl.List(pl.String))
    # In CSV the codes are joined with ';' and an empty cell means none.
    text = column.cast(pl.String).fill_null("")
    return (
        pl.when(text == "")
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(text.str.split(";"))
    )


def _as_evidence_text(frame: pl.DataFrame) -> pl.Expr:
    if "evidence" not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    if isinstance(frame.schema["evidence"], pl.List):
        return evidence_text()
    return pl.col("evidence").cast(pl.String)


def _as_bool(frame: pl.DataFrame, name: str) -> pl.Expr:
    if name not in frame.columns:
        return pl.lit(False)
    if frame.schema[name] == pl.Boolean:
        return pl.col(name).fill_null(False)
    return pl.col(name).cast(pl.String).str.to_lowercase().is_in(["true", "1", "yes"])


def _as_date(frame: pl.DataFrame, name: str) -> pl.Expr:
    if name not in frame.columns:
        return pl.lit(None, dtype=pl.Date)
    if frame.schema[name] == pl.Date:
        return pl.col(name)
    return pl.col(name).cast(pl.String).str.to_date("%Y-%m-%d", strict=False)


# One proof sentence as `evidence_text` writes it (workbench.eligibility.assess): "code: proof" or
# "code (income missing): proof" or "code (no care before the order): proof" (EVIDENCE_NOTES).
# Each proof shape names the pseudonym kind of its id.
_SENTENCE = re.compile(
    rf"^(?P<code>[A-Za-z0-9_]+(?: \((?:{'|'.join(EVIDENCE_NOTES)})\))?): (?P<proof>.+)$"
)
_PROOFS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^award (?P<award>.+?) of parent/carer (?P<person>.+)$"),
        "award {} of parent/carer {}",
    ),
    (re.compile(r"^award (?P<award>.+) of the child$"), "award {} of the child"),
    (re.compile(r"^status (?P<status>.+)$"), "status {}"),
    (re.compile(rf"^DWP list row (?P<{DWP_KIND}>.+)$"), "DWP list row {}"),
)
_TABLE_ROW = re.compile(r"^(?P<table>[a-z_]+) row (?P<id>.+)$")
WITHHELD_PROOF = "(proof withheld: not in a form the workbench writes)"


def _pseudonymous_proof(proof: str, keyed: Callable[[str, str], str]) -> str:
    for pattern, shape in _PROOFS:
        found = pattern.match(proof)
        if found:
            return shape.format(*(keyed(kind, value) for kind, value in found.groupdict().items()))
    found = _TABLE_ROW.match(proof)
    if found:
        return f"{found['table']} row {keyed(found['table'], found['id'])}"
    return WITHHELD_PROOF


def pseudonymous_evidence(evidence: str | None, key: bytes) -> str | None:
    """The evidence text with every record and person id replaced by its pseudonymous key.

    Reason codes, tables and the shape of each proof stay readable; award, status and other
    record ids become ``pseudonym(kind, id, key)`` (kinds ``award``, ``status``, ``dwp`` for a
    DWP list row, else the table's name) and parent/carer ids ``pseudonym("person", id,
    key)``. A proof in a shape the workbench does not write is withheld whole, so no id can
    slip through in clear.

    Examples
    --------
    >>> text = pseudonymous_evidence("income_support: award A12 of parent/carer P3", bytes(32))
    >>> text == (f"income_support: award {pseudonym('award', 'A12', bytes(32))} of "
    ...          f"parent/carer {pseudonym('person', 'P3', bytes(32))}")
    True
    >>> pseudonymous_evidence("looked_after: see file 7", bytes(32))
    'looked_after: (proof withheld: not in a form the workbench writes)'
    """
    if evidence is None:
        return None
    cache: dict[tuple[str, str], str] = {}

    def keyed(kind: str, value: str) -> str:
        if (kind, value) not in cache:
            cache[kind, value] = pseudonym(kind, value, key)
        return cache[kind, value]

    sentences = []
    for sentence in evidence.split("; "):
        found = _SENTENCE.match(sentence)
        if found is None:
            sentences.append(WITHHELD_PROOF)
        else:
            sentences.append(f"{found['code']}: {_pseudonymous_proof(found['proof'], keyed)}")
    return "; ".join(sentences)


def pseudonymous_held(held: str | None, key: bytes) -> str | None:
    """Why the linkage held a row's link (the list's ``held_because``) as the store keeps it:
    every council record id it names replaced by ``pseudonym("person", id, key)`` and the
    DWP-list row that took a child by ``pseudonym("dwp", id, key)`` (`HELD_IDS`); the words
    stay as `workbench link` wrote them.

    >>> text = pseudonymous_held("a twin, council records P2, P3 (the same birthday)", bytes(32))
    >>> text == (f"a twin, council records {pseudonym('person', 'P2', bytes(32))}, "
    ...          f"{pseudonym('person', 'P3', bytes(32))} (the same birthday)")
    True
    """
    if not held:
        return None

    def keyed(found: re.Match[str]) -> str:
        if found["row"] is not None:
            return f"{found['row_lead']}{pseudonym(DWP_KIND, found['row'], key)}"
        ids = [pseudonym(PERSON_KIND, i, key) for i in found["ids"].split(", ")]
        return f"{found['lead']}{', '.join(ids)}"

    return HELD_IDS.sub(keyed, held)


def hold_reasons(candidates: pl.DataFrame, link_needs_review: pl.Series, key: bytes) -> pl.Series:
    """For each row whose record link awaits review, why the linkage held it (the list's
    ``held_because``) in pseudonymous form (:func:`pseudonymous_held`), else null: the
    ``held_because`` the store keeps, so that subject access finds from the store alone a
    view or a workbook of the row that named a child in why."""
    if "held_because" not in candidates.columns:
        return pl.repeat(None, candidates.height, dtype=pl.String, eager=True).alias("held_because")
    held = candidates["held_because"].cast(pl.String)
    kept = [
        pseudonymous_held(text, key) if waiting else None
        for text, waiting in zip(held, link_needs_review, strict=True)
    ]
    return pl.Series("held_because", kept, dtype=pl.String)


def review_candidates(candidates: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """The candidate list in the one shape review works with, with its ``item_key`` first.

    Accepts the engine's frame (lists and structs) or a list read back from CSV (``;``-joined
    reason codes, evidence as text). Returns ``item_key`` and the columns of
    ``CANDIDATE_COLUMNS``: reason codes as a list, evidence as one readable text, dates as
    dates, flags as booleans (missing flags are false).

    Raises
    ------
    WorkbenchError
        When ``person_id``, ``tier`` or ``reason_codes`` is missing, or a row has neither a
        person id nor a DWP record id.
    """
    missing = [c for c in ("person_id", "tier", "reason_codes") if c not in candidates.columns]
    if missing:
        raise WorkbenchError(
            f"the candidate list lacks column(s) {', '.join(missing)}; expected a list written "
            "by `workbench assess` (person_id, dwp_record_id, tier, reason_codes, ...)"
        )
    frame = candidates.with_columns(
        pl.col("person_id").cast(pl.String),
        (
            pl.col("dwp_record_id").cast(pl.String)
            if "dwp_record_id" in candidates.columns
            else pl.lit(None, dtype=pl.String).alias("dwp_record_id")
        ),
    )
    shaped = frame.select(
        item_key_expr(key),
        pl.col("person_id"),
        pl.col("dwp_record_id"),
        (pl.col("initiative") if "initiative" in frame.columns else pl.lit(None))
        .cast(pl.String)
        .alias("initiative"),
        pl.col("tier").cast(pl.String),
        _as_reason_list(frame).alias("reason_codes"),
        _as_evidence_text(frame).alias("evidence"),
        _as_date(frame, "eligible_from").alias("eligible_from"),
        _as_bool(frame, "already_funded").alias("already_funded"),
        _as_bool(frame, "link_needs_review").alias("link_needs_review"),
    )
    unnamed = shaped["item_key"].is_null().arg_true()
    if unnamed.len():
        raise WorkbenchError(
            f"candidate list, row {unnamed[0] + 1}: neither person_id nor dwp_record_id is "
            "filled; every listed child needs one of them"
        )
    return shaped


def register_list(
    store: ReviewStore,
    candidates: pl.DataFrame,
    run_id: str,
    rule_set_ref: str,
    input_hashes: Mapping[str, str],
    key: bytes,
) -> str:
    """Put a candidate list into the review store (once per run) and return its ``list_id``.

    The initiative is the rule set's id (``rule_set_ref`` is ``id@version``). Registering the
    same run again returns the same ``list_id``. The store gets each row's evidence, and why
    the linkage held a row's link (:func:`hold_reasons`), only in pseudonymous form
    (:func:`pseudonymous_evidence`, :func:`pseudonymous_held`): it holds no person or record id
    in clear.

    Examples
    --------
    >>> import tempfile
    >>> candidates = pl.DataFrame({"person_id": ["P1"], "tier": ["likely"],
    ...                            "reason_codes": [["income_support"]]})
    >>> with ReviewStore(Path(tempfile.mkdtemp()) / "review.sqlite") as store:
    ...     first = register_list(store, candidates, "r-1", "two_year_old@1", {}, bytes(32))
    ...     again = register_list(store, candidates, "r-1", "two_year_old@1", {}, bytes(32))
    ...     first == again, store.items(first)["tier"].to_list()
    (True, ['likely'])
    """
    initiative = rule_set_ref.split("@", 1)[0]
    items = review_candidates(candidates, key)
    named = set(items["initiative"].drop_nulls().unique().to_list())
    if named - {initiative}:
        raise WorkbenchError(
            f"the candidate list is for {sorted(named)} but its rule set is {rule_set_ref!r}; "
            "expected every row's initiative to be the rule set's"
        )
    stored_evidence = [pseudonymous_evidence(text, key) for text in items["evidence"]]
    return store.add_list(
        run_id,
        initiative,
        rule_set_ref,
        input_hashes,
        items.select(
            "item_key", "tier", "reason_codes", "eligible_from", "link_needs_review"
        ).with_columns(
            pl.Series("evidence", stored_evidence, dtype=pl.String),
            proposed_keys(candidates, items["link_needs_review"], key),
            hold_reasons(candidates, items["link_needs_review"], key),
        ),
    )


def dwp_row_keys(candidates: pl.DataFrame, key: bytes) -> dict[str, str]:
    """For each council child of the list with a DWP-list row, their item key -> the key
    the DWP-list row has when listed on its own (`earlier_decisions_text`)."""
    both = candidates.filter(
        pl.col("person_id").is_not_null() & pl.col("dwp_record_id").is_not_null()
    )
    keyed = both.select("item_key", pseudonym_expr("dwp_record_id", DWP_KIND, key))
    return dict(keyed.iter_rows())


def proposed_keys(candidates: pl.DataFrame, link_needs_review: pl.Series, key: bytes) -> pl.Series:
    """For each row whose record link awaits review, the pseudonymous key of the council
    child proposed as its match (``probable_person_id``), else null: the ``proposed_key`` the
    store keeps, so that a reviewer's link decision is applied to that pair only."""
    if "probable_person_id" not in candidates.columns:
        return pl.repeat(None, candidates.height, dtype=pl.String, eager=True).alias("proposed_key")
    keyed = candidates.select(
        pseudonym_expr("probable_person_id", PERSON_KIND, key)  # a CSV list reads it back as text
    ).to_series()
    return pl.select(pl.when(link_needs_review).then(keyed)).to_series().alias("proposed_key")


@dataclass(frozen=True)
class ListFile:
    """A list written by `workbench assess`, read back with its manifest."""

    path: Path
    candidates: pl.DataFrame
    run_id: str
    rule_set: str
    input_hashes: dict[str, str]
    not_listed: pl.DataFrame | None = None
    """The DWP-list rows the list does not carry, each with its reason (`assess` writes them
    beside the list as ``<stem>.dwp_not_listed.csv``); None for a list without a DWP list."""
    manifest: Mapping[str, Any] = field(default_factory=dict)
    """The manifest as read beside the list, its shape checked (:func:`read_list_file`)."""

    @property
    def parameters(self) -> Mapping[str, str]:
        """The parameters `assess` was run with (each as text), empty when not recorded."""
        return self.manifest.get("parameters") or {}

    @property
    def term_start(self) -> date | None:
        """The term the list was made for, None when its manifest does not say."""
        return _manifest_day(self.parameters.get("term_start"))

    @property
    def as_of(self) -> date | None:
        """The evidence date the list was made as of, None when its manifest does not say."""
        return _manifest_day(self.parameters.get("as_of"))

    @property
    def rules_checked_through(self) -> date | None:
        """The last term start the list's rule file was checked for, None when its manifest
        does not say (a list made before rule files said, or with a council's own)."""
        return _manifest_day(self.manifest.get("rules_checked_through"))

    @property
    def data_folder(self) -> Path | None:
        """The data folder the list was made from, None when its manifest does not name one."""
        folder = self.manifest.get("data")
        return Path(folder) if folder else None


def _manifest_day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


# The manifest's optional parts and the JSON type each must have, when present.
_MANIFEST_PARTS: dict[str, tuple[type, str]] = {
    "parameters": (dict, "the parameters assess was run with, each as text"),
    "data": (str, "the data folder the list was made from"),
    "database": (dict, "each table read by a query, with its connection and hashes"),
    "dwp_list_accounted": (dict, "the DWP list's rows, counted"),
    "funded_places_accounted": (dict, "the funded places' rows, counted"),
    "rules_checked_through": (str, "the last term start the rule file was checked for"),
}


def _read_manifest(path: Path) -> dict[str, Any]:
    manifest = path.with_name(path.name + MANIFEST_SUFFIX)
    if not manifest.exists():
        raise DataFileError(
            path,
            f"has no manifest {manifest.name} beside it; expected a list written by "
            "`workbench assess`, which writes one",
        )
    try:
        record = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataFileError(manifest, f"cannot be read as JSON ({error})") from None
    if not isinstance(record, dict):
        raise DataFileError(
            manifest,
            "is not an assess manifest (a JSON object); run `workbench assess` again to write "
            "the list and its manifest",
        )
    missing = [k for k in ("run_id", "rule_set", "inputs") if k not in record]
    if missing:
        raise DataFileError(manifest, f"lacks {', '.join(missing)}; expected an assess manifest")
    if not isinstance(record["inputs"], dict):
        raise DataFileError(manifest, "inputs: expected each input file's name and SHA-256")
    for part, (kind, what) in _MANIFEST_PARTS.items():
        if record.get(part) is not None and not isinstance(record[part], kind):
            raise DataFileError(manifest, f"{part}: expected {what}")
    parameters = record.get("parameters") or {}
    days = [(f"parameters: {n}", parameters.get(n)) for n in ("term_start", "as_of")]
    for where, value in [*days, ("rules_checked_through", record.get("rules_checked_through"))]:
        if value is None:
            continue
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            raise DataFileError(manifest, f"{where} {value!r} is not a date (YYYY-MM-DD)") from None
    return record


CHANGED_SINCE_WRITTEN = (
    "changed since `workbench assess` wrote it (its SHA-256 is not the one its list's manifest "
    "records; a spreadsheet program that saves it changes it, even with nothing typed); use "
    "the file assess wrote, or run assess again"
)


def changed_since_written(path: Path, manifest: Mapping[str, Any]) -> list[Path]:
    """Which of the files `assess` wrote (the list at `path`, the DWP-list rows it does not
    carry beside it) are not as its manifest's ``outputs`` recorded them
    (`CHANGED_SINCE_WRITTEN` says so). A list written before manifests recorded their
    outputs has nothing to compare."""
    outputs = manifest.get("outputs")
    if not isinstance(outputs, Mapping):
        return []
    files = {"list": path, "dwp_not_listed": unlisted_path(path)}
    changed = []
    for role, written in files.items():
        recorded = outputs.get(role)
        if not isinstance(recorded, Mapping) or not written.is_file():
            continue
        if file_sha256(written) != recorded.get("sha256"):
            changed.append(written)
    return changed


def read_list_file(path: str | Path, *, as_written: bool = True) -> ListFile:
    """Read a candidate list (``.csv`` or ``.parquet``) and the manifest `assess` wrote beside it.

    CSV is read as text (so an id like ``007`` stays ``007``), then shaped by
    :func:`review_candidates` when registered or exported. With `as_written` (the default,
    for everything that acts on a list: review, outreach, checks), a list or DWP-rows file
    changed since assess wrote it is refused (:func:`changed_since_written`); a reader that
    must see every list as it is (subject access, an audit) passes False.
    """
    path = Path(path)
    if path.suffix.lower() not in LIST_SUFFIXES:
        raise DataFileError(path, "a candidate list must be .csv or .parquet (from assess)")
    if not path.exists():
        raise DataFileError(path, "does not exist; expected a list written by `workbench assess`")
    record = _read_manifest(path)
    changed = changed_since_written(path, record) if as_written else []
    if changed:
        raise DataFileError(changed[0], CHANGED_SINCE_WRITTEN)
    try:
        if path.suffix.lower() == ".csv":
            candidates = restored(pl.read_csv(path, infer_schema=False))
        else:
            candidates = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise DataFileError(path, f"cannot be read ({type(error).__name__}: {error})") from None
    if "run_id" in candidates.columns:
        runs = set(candidates["run_id"].drop_nulls().unique().to_list())
        if runs - {record["run_id"]}:
            raise DataFileError(
                path,
                f"its rows say run {sorted(runs)} but its manifest says {record['run_id']}; "
                "the list and manifest do not belong together",
                column="run_id",
            )
    not_listed = None
    if record.get("dwp_list_accounted") is not None:
        beside = unlisted_path(path)
        if record["dwp_list_accounted"].get("not_listed") and not beside.exists():
            raise DataFileError(
                beside,
                "is missing: the list's manifest counts DWP-list rows not listed, reported "
                "here; keep it beside the list",
            )
        if beside.exists():
            not_listed = pl.read_csv(beside, infer_schema=False)
    return ListFile(
        path,
        candidates,
        record["run_id"],
        record["rule_set"],
        record["inputs"],
        not_listed,
        record,
    )


def register_list_file(store: ReviewStore, path: str | Path, key: bytes) -> tuple[str, ListFile]:
    """Register a written list in the store from its manifest (if not there yet), with the
    SHA-256 of the file (kept from the first registration).

    Returns the ``list_id`` and the list as read.
    """
    listed = read_list_file(path)
    _check_pending(listed)
    list_id = register_list(
        store, listed.candidates, listed.run_id, listed.rule_set, listed.input_hashes, key
    )
    # The file itself, byte for byte: a column the items do not hold, changed later with its
    # manifest, is found by `workbench.review.outreach.check_same_items`.
    store.record_list_file(list_id, file_sha256(listed.path))
    return list_id, listed


_PENDING = "pending_review"


def _check_pending(listed: ListFile) -> None:
    """Refuse a list file with a row whose ``review_status`` is not ``pending_review``: `assess`
    writes every row pending, and a decision lives in the store, never in the list (a status
    typed into the file would read as a decision nobody recorded)."""
    if "review_status" not in listed.candidates.columns:
        return
    status = listed.candidates.get_column("review_status").cast(pl.String)
    other = (status.fill_null("") != _PENDING).arg_true()
    if other.len():
        row = int(other[0])
        raise WorkbenchError(
            f"{listed.path}, row {row + 2}, column 'review_status': {status[row]!r}, not "
            f"{_PENDING!r}; every row of a list `workbench assess` writes is pending review, and "
            "decisions are recorded in the review store, never in the list: use the list file "
            "assess wrote"
        )


# --- a later list of the same offer -----------------------------------------------------------
@dataclass(frozen=True)
class LaterList:
    """The latest list of a list's offer (initiative) registered in the store after it: a
    re-run of `assess` (a week later, say), or next term's. ``not_on_it`` holds the item keys
    of the earlier list that it does not hold: children whose circumstances may have changed
    since (a benefit ended, a family moved), whom a decision on the earlier list would act on
    unchecked. The store records no term, so a later term's list counts too, as it does for
    `workbench review outreach`, whose ``caution`` column names the same children."""

    list_id: str
    run_id: str
    created_at: str
    not_on_it: frozenset[str]

    @property
    def named(self) -> str:
        """The list as the panel and the workbook name it: its id, run and day stored.

        >>> LaterList("l-2", "r-9", "2026-12-14T09:00:00Z", frozenset()).named
        'list l-2 (run r-9, stored on 14 December 2026)'
        """
        day = date.fromisoformat(self.created_at[:10])
        return f"list {self.list_id} (run {self.run_id}, stored on {long_date(day)})"

    def caution(self) -> str:
        """What is said of a child not on the later list, beside the child.

        >>> LaterList("l-2", "r-9", "2026-12-14T09:00:00Z", frozenset()).caution()[:60]
        "Not on the offer's later list l-2 (run r-9, stored on 14 Dec"
        """
        return (
            f"Not on the offer's later {self.named}: their circumstances may have changed since "
            "(a benefit ended, a family moved); check before deciding"
        )

    def banner(self, children: int) -> str:
        """What is said of the whole list, once (the panel's heading, the About sheet)."""
        gone = len(self.not_on_it)
        held = (
            f"{gone} of this list's {children} children {'is' if gone == 1 else 'are'} not on "
            "it: their circumstances may have changed since (a benefit ended, a family moved), "
            "so check before deciding about them"
            if gone
            else f"every one of this list's {children} children is on it"
        )
        return (
            f"A later list of this offer exists: {self.named}. Decide from it where you can "
            f"(a decision there is the newer, and stands); {held}."
        )


def later_list(store: ReviewStore, list_id: str) -> LaterList | None:
    """The latest list of `list_id`'s offer registered after it whose items are still held
    (`LaterList`); None when there is none. What `workbench.review.outreach` cautions a
    child by (its ``_not_on_later_list``), for the review panel and workbook to say before
    anyone decides."""
    lists = store.lists()
    this = lists.filter(pl.col("list_id") == list_id)
    if this.is_empty():
        return None
    mine = this.row(0, named=True)
    later = lists.filter(
        (pl.col("initiative") == mine["initiative"])
        & (pl.col("created_at") > mine["created_at"])
        & pl.col("items_removed_at").is_null()
    )
    if later.is_empty():
        return None
    latest = later.sort("created_at").row(-1, named=True)
    held = set(store.items(latest["list_id"])["item_key"].to_list())
    gone = frozenset(set(store.items(list_id)["item_key"].to_list()) - held)
    return LaterList(latest["list_id"], latest["run_id"], latest["created_at"], gone)
