"""Invariants of loading, on small random councils with random corruptions.

The oracle is independent of the loader: a pandera schema built here from
`workbench.data.schema.TABLES`, and the set of rows the test itself corrupted.
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from workbench.data import clean
from workbench.data.reading import load_folder
from workbench.data.schema import BENEFITS, TABLES, Table

NORMALISERS = {
    "name": clean.name,
    "postcode": clean.postcode,
    "nino": clean.nino,
    "urn": clean.urn,
}
PANDERA_DTYPES = {"string": pl.String, "date": pl.Date, "decimal": pl.Float64, "enum": pl.String}
WRITE = {"iso": "%Y-%m-%d", "uk": "%d/%m/%Y"}
SHAPE = {"iso": r"^\d{4}-\d{1,2}-\d{1,2}$", "uk": r"^\d{1,2}/\d{1,2}/\d{4}$"}
OTHER = {"iso": "uk", "uk": "iso"}
IMPOSSIBLE = {"iso": "2021-02-29", "uk": "31/04/2020"}
PEOPLE_COLUMNS = ["person_id", "household_id", "forename", "surname", "date_of_birth"]
PEOPLE_COLUMNS += ["postcode", "role"]
BENEFIT_COLUMNS = [c.name for c in TABLES["benefits"].columns]
DATE_COLUMNS = {"people": ["date_of_birth"], "benefits": ["start_date", "end_date"]}
CORRUPTIONS = {
    "people": ["bad_date", "impossible_date", "other_format", "blank", "unknown_enum", "dup"],
    "benefits": [
        "bad_date",
        "impossible_date",
        "other_format",
        "blank",
        "unknown_enum",
        "dup",
        "end_before_start",
        "not_a_number",
    ],
}


def _stripped(key: str) -> pl.Expr:
    return pl.col(key).str.strip_chars() == pl.col(key)


def pandera_schema(table: Table, present: list[str]) -> pa.DataFrameSchema:
    """The contract as pandera sees it: types, required, allowed values, unique id, order."""
    columns = {}
    for column in table.columns:
        if column.name not in present:
            continue
        checks = []
        if column.allowed is not None:
            checks.append(pa.Check.isin(list(column.allowed)))
        if column.dtype in ("string", "enum"):
            checks.append(pa.Check(lambda d: d.lazyframe.select(_stripped(d.key))))
            checks.append(pa.Check.str_length(min_value=1))
        columns[column.name] = pa.Column(
            PANDERA_DTYPES[column.dtype],
            nullable=not column.required,
            unique=column.name == table.id_column,
            checks=checks,
        )
    frame_checks = [
        pa.Check(
            lambda d, s=start, e=end: d.lazyframe.select(
                pl.col(e).is_null() | (pl.col(e) >= pl.col(s))
            )
        )
        for start, end in table.date_order
    ]
    return pa.DataFrameSchema(columns, checks=frame_checks, strict=True)


names = st.sampled_from(["Ann", "Ben", " Cy ", "Mary  Ann", "O'Neil"])
days = st.dates(min_value=date(1950, 1, 1), max_value=date(2025, 12, 31))


@st.composite
def councils(draw):
    """Rows of people and benefits as Python values, plus each file's date format."""
    n_people = draw(st.integers(1, 5))
    people = [
        {
            "person_id": f"P{i}",
            "household_id": f"H{draw(st.integers(0, 2))}",
            "forename": draw(names),
            "surname": draw(names),
            "date_of_birth": draw(days),
            "postcode": draw(st.sampled_from(["SW1A 1AA", "m1 1ae", "", "N1"])),
            "role": draw(st.sampled_from(["parent_carer", "child", " Other ", ""])),
        }
        for i in range(n_people)
    ]
    benefits = []
    for j in range(draw(st.integers(1, 5))):
        start = draw(days)
        length = draw(st.none() | st.integers(0, 800))
        benefits.append(
            {
                "award_id": f"A{j}",
                "person_id": f"P{draw(st.integers(0, n_people - 1))}",
                "benefit": draw(st.sampled_from(BENEFITS)),
                "start_date": start,
                "end_date": None if length is None else start + timedelta(days=length),
                "net_earned_income": draw(st.sampled_from(["", "12000", "£15,400.50", "0.5"])),
                "gross_income": draw(st.sampled_from(["", "16190"])),
            }
        )
    formats = {"people": draw(st.sampled_from(["iso", "uk"]))}
    formats["benefits"] = draw(st.sampled_from(["iso", "uk"]))
    corruptions = {
        table: draw(st.lists(st.tuples(st.sampled_from(kinds), st.integers(0, 99)), max_size=4))
        for table, kinds in CORRUPTIONS.items()
    }
    return {"people": people, "benefits": benefits}, formats, corruptions


def render(rows: list[dict], fmt: str) -> list[dict[str, str]]:
    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, date):
            return value.strftime(WRITE[fmt])
        return str(value)

    return [{k: cell(v) for k, v in row.items()} for row in rows]


def corrupt(table: str, rows: list[dict], cells: list[dict[str, str]], fmt: str, plan) -> set[int]:
    """Apply the corruptions to `cells`; return the indexes of the rows actually corrupted."""
    spec = TABLES[table]
    required = [c for c in spec.required_columns() if c in cells[0]]
    corrupted: set[int] = set()
    for kind, pick in plan:
        i = pick % len(cells)
        date_column = DATE_COLUMNS[table][pick % len(DATE_COLUMNS[table])]
        if kind == "bad_date":
            cells[i][date_column] = "soon"
        elif kind == "impossible_date":
            cells[i][date_column] = IMPOSSIBLE[fmt]
        elif kind == "other_format":
            value = rows[i][date_column] or rows[i]["start_date"]
            cells[i][date_column] = value.strftime(WRITE[OTHER[fmt]])
        elif kind == "blank":
            column = required[pick % len(required)]
            cells[i][column] = "  "
            if column == spec.id_column:
                continue  # a later "dup" may give the row an id again: the final cells decide
        elif kind == "unknown_enum":
            cells[i]["role" if table == "people" else "benefit"] = "kid"
        elif kind == "dup":
            if len(cells) < 2:
                continue
            cells[i][spec.id_column] = cells[(i + 1) % len(cells)][spec.id_column]
            # Which rows end up sharing an id is read from the final cells
            # (`rows_sharing_an_id`): a later "dup" can make this row's new id unique again.
            continue
        elif kind == "end_before_start":
            cells[i]["end_date"] = (rows[i]["start_date"] - timedelta(days=1)).strftime(WRITE[fmt])
        elif kind == "not_a_number":
            cells[i]["net_earned_income"] = "lots"
        corrupted.add(i)
    _keep_the_file_format_in_the_majority(table, cells, fmt)
    return corrupted


def _is_date(text: str, fmt: str) -> bool:
    if not re.match(SHAPE[fmt], text):
        return False
    try:
        datetime.strptime(text, WRITE[fmt])
    except ValueError:
        return False
    return True


def _keep_the_file_format_in_the_majority(table: str, cells: list[dict[str, str]], fmt: str):
    """A date in the other format is only a corruption while the file's own format wins the
    column (more readable values); otherwise turn it into plain garbage, still corrupt."""
    for column in DATE_COLUMNS[table]:
        own = sum(_is_date(row[column], fmt) for row in cells)
        other = [row for row in cells if _is_date(row[column], OTHER[fmt])]
        if len(other) >= own:
            for row in other:
                row[column] = "soon"


def write_csv(path: Path, cells: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(cells[0]))
        writer.writeheader()
        writer.writerows(cells)


def rows_sharing_an_id(table: str, cells: list[dict[str, str]]) -> set[int]:
    """Rows whose id another row has, and rows whose id is blank (a "dup" copying a blanked
    id blanks this row's too)."""
    ids = [row[TABLES[table].id_column].strip() for row in cells]
    return {i for i, ident in enumerate(ids) if not ident or ids.count(ident) > 1}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(council=councils())
def test_loading_splits_every_row_exactly_into_accepted_and_quarantined(tmp_path_factory, council):
    rows, formats, plan = council
    folder = tmp_path_factory.mktemp("council")
    expected: dict[str, set[int]] = {}
    written: dict[str, int] = {}
    people: set[str] = set()  # the person_ids of people's accepted rows
    for table in ("people", "benefits"):
        cells = render(rows[table], formats[table])
        corrupted = corrupt(table, rows[table], cells, formats[table], plan[table])
        write_csv(folder / f"{table}.csv", cells)
        broken = corrupted | rows_sharing_an_id(table, cells)
        if table == "people":
            people = {row["person_id"].strip() for i, row in enumerate(cells) if i not in broken}
        else:  # an award of a person not accepted from people counts for nothing
            broken |= {i for i, row in enumerate(cells) if row["person_id"].strip() not in people}
        # Spreadsheet numbering: the header is row 1.
        expected[table] = {i + 2 for i in broken}
        written[table] = len(cells)

    data = load_folder(folder)

    for table in ("people", "benefits"):
        report = data.reports[table]
        assert report.read == written[table]
        assert report.accepted + report.quarantined == report.read
        accepted = data.tables[table]
        assert accepted.height == report.accepted
        pandera_schema(TABLES[table], accepted.columns).validate(accepted, lazy=True)
        assert accepted[TABLES[table].id_column].is_duplicated().sum() == 0
        quarantined = data.quarantine.filter(pl.col("table") == table)
        assert quarantined.height == report.quarantined
        assert set(quarantined["row"].to_list()) == expected[table]
        assert quarantined["row"].is_duplicated().sum() == 0
    assert set(data.tables["benefits"]["person_id"]) <= set(data.tables["people"]["person_id"])


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_values_already_in_normal_form_are_left_unchanged_by_their_normaliser(data):
    # The loader skips normalising such values: that is only safe if the normaliser would
    # have returned them unchanged.
    kind = data.draw(st.sampled_from(sorted(clean.ALREADY_NORMAL)))
    pattern = clean.ALREADY_NORMAL[kind]
    values = data.draw(st.lists(st.from_regex(pattern, fullmatch=True), min_size=1, max_size=20))
    frame = pl.DataFrame({"value": values}, schema={"value": pl.String})
    checked = frame.lazy().select(
        pl.col("value").str.contains(pattern).alias("normal"),
        NORMALISERS[kind](pl.col("value")).alias("normalised"),
    )
    result = checked.collect()
    assert result["normal"].all()
    assert result["normalised"].to_list() == values


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.none(),
            st.sampled_from(["parent_carer", "child", "other", "Child", " other ", "", "   "]),
            st.text(alphabet="abcdeChild _\t", max_size=8),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_the_tidying_scan_settles_enum_columns_as_a_fresh_check_would(values):
    # `_already_allowed` takes the scan's verdict on enum columns instead of testing every
    # value again: it must be the verdict a fresh test of the tidied column gives.
    from workbench.data import checks

    role = TABLES["people"].column("role")
    raw = pl.DataFrame({"role": values}, schema={"role": pl.String})
    frame, found = checks._cleaned(raw, [role], "csv", normalise=False)
    assert set(found) == {"role"}
    fresh = checks._already_allowed(frame, [role])
    assert checks._already_allowed(frame, [role], found) == fresh
    tidied = [None if v is None or not v.strip() else v.strip() for v in values]
    assert role.allowed is not None
    every_allowed = all(v is None or v in role.allowed for v in tidied)
    assert fresh == ({"role"} if every_allowed else set())


@settings(max_examples=200, deadline=None)
@given(
    numbers=st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=40),
    order=st.sampled_from(["as drawn", "natural", "text"]),
    padded=st.booleans(),
    alike=st.booleans(),
)
@pytest.mark.slow
def test_a_duplicated_id_is_quarantined_whatever_order_the_ids_come_in(
    numbers, order, padded, alike
):
    # The duplicate check skips its hashing when the ids are in increasing order, in text
    # order (P007, P010) or natural order (P9, P10); ids out of order, or one repeated next
    # to itself, must still be caught. Oracle: the rows whose id is written more than once,
    # alike or not (the contract); when they are alike in every column (`alike`) and a source
    # profile says `repeated_rows: once`, only the copies after the first.
    from collections import Counter

    from workbench.data.checks import check_rows

    if order == "natural":
        numbers = sorted(numbers)
    ids = [f"P{n:03d}" if padded else f"P{n}" for n in numbers]
    if order == "text":
        ids = sorted(ids)
    raw = pl.DataFrame(
        {
            "person_id": ids,
            "household_id": ["H1"] * len(ids) if alike else [f"H{i}" for i in range(len(ids))],
            "date_of_birth": ["2024-01-31"] * len(ids),
            "role": ["child"] * len(ids),
        }
    )
    counts = Counter(ids)
    for once in (False, True):
        checked = check_rows(
            TABLES["people"], raw, "people.csv", "csv", normalise=False, repeats_once=once
        )
        if alike and once:
            repeated = {i for i, id_ in enumerate(ids) if id_ in ids[:i]}
            kept = list(dict.fromkeys(ids))
        else:
            repeated = {i for i, id_ in enumerate(ids) if counts[id_] > 1}
            kept = [i for i in ids if counts[i] == 1]
        assert set(checked.quarantine["row"].to_list()) == {i + 2 for i in repeated}
        assert checked.accepted["person_id"].to_list() == kept


_EDGE_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            " \t\n\r\x0b\x0c\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000"
            "\u180e\u200b\u2060\ufeffé€£–ÿ aZ9"
        ),
        st.characters(exclude_categories=["Cs"]),
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(st.none(), _EDGE_TEXT), min_size=1, max_size=25))
@example(values=["\xa0x", "x\xa0", "\x85x", "\u3000x", "x\u2000", " ", "", "é", "Zoë", None])
@example(values=["\u1680x", "x\u1680", "x\u200a", "x\u2028", "x\u2029", "x\u202f", "x\u205f"])
@example(values=["\u205fx", "\u202fx", "x\u3000", "x\x85", "£1,200", "\xa0", "\u3000"])
def test_the_tidying_scan_strips_exactly_what_stripping_every_value_would(values):
    # The scan judges a value by its first and last bytes only and strips the few it flags:
    # the result must be every value stripped (blank -> empty), as polars strips them.
    from workbench.data import checks

    column = TABLES["people"].column("person_id")
    raw = pl.DataFrame({"person_id": values}, schema={"person_id": pl.String})
    frame, _ = checks._cleaned(raw, [column], "csv", normalise=False)
    oracle = raw.select(pl.col("person_id").str.strip_chars().replace("", None))
    assert frame[checks._clean_name("person_id")].to_list() == oracle.to_series().to_list()


# Each written NINO and the person it names (None: no one's, a placeholder or out of shape).
_NINOS = {
    "AB123456C": "AB123456C",
    "ab 12 34 56 c": "AB123456C",
    "CE654321A": "CE654321A",
    "JH000001D": "JH000001D",
    "NOT KNOWN": None,
    "QQ123456C": None,
}


@settings(max_examples=200, deadline=None)
@pytest.mark.slow
@given(
    rows=st.lists(
        st.tuples(st.one_of(st.none(), st.sampled_from(sorted(_NINOS))), st.booleans()),
        min_size=1,
        max_size=30,
    ),
    colliding=st.booleans(),
)
@example(rows=[("AB123456C", True), ("ab 12 34 56 c", True), ("AB123456C", False)], colliding=False)
@example(rows=[("NOT KNOWN", True), ("NOT KNOWN", True), ("CE654321A", True)], colliding=False)
@example(rows=[("CE654321A", True), ("JH000001D", True), ("AB123456C", True)], colliding=True)
def test_a_nino_is_noted_as_shared_exactly_when_another_accepted_row_has_it(rows, colliding):
    # Oracle: counted in Python, over the rows kept (a row without a date of birth is
    # quarantined and counts for nothing), by the person each written NINO names. The
    # check finds repeated NINOs by their hashes first: `colliding` gives every NINO the
    # same hash, so that the exact count after it must tell them apart.
    import contextlib
    from collections import Counter
    from unittest import mock

    from workbench.data import checks
    from workbench.data.checks import SHARED_NINO, check_rows

    raw = pl.DataFrame(
        {
            "person_id": [f"P{i}" for i in range(len(rows))],
            "household_id": ["H1"] * len(rows),
            "date_of_birth": ["1990-01-31" if kept else None for _, kept in rows],
            "nino": [nino for nino, _ in rows],
        }
    )
    same_hash = mock.patch.object(checks, "_hash", lambda value: value.str.len_bytes())
    with same_hash if colliding else contextlib.nullcontext():
        checked = check_rows(TABLES["people"], raw, "people.csv", "csv")
    named = [_NINOS[nino] if nino is not None and kept else None for nino, kept in rows]
    counts = Counter(n for n in named if n is not None)
    expected = [i + 2 for i, n in enumerate(named) if n is not None and counts[n] > 1]
    shared = checked.warnings.filter(pl.col("reason") == SHARED_NINO)
    assert shared["row"].to_list() == expected
    assert set(shared["column"]) <= {"nino"}
