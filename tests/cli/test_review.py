"""`workbench review export` and `import` from the command line: an officer's round trip."""

from __future__ import annotations

import os
from pathlib import Path
from typing import cast

import openpyxl
import polars as pl
import pytest

from tests.command import workbench
from workbench.synth import generate_council, write_council


@pytest.mark.slow  # over 8 s: make test-slow (CI runs both)
def test_export_fill_in_and_import(tmp_path: Path):
    # Its own key, so its own store for the commands' access log (one store, one key).
    env = dict(os.environ, WORKBENCH_KEY_FILE=str(tmp_path / "keys" / "pseudonym.key"))
    env["WORKBENCH_STORE"] = str(tmp_path / "access.sqlite")
    env.pop("WORKBENCH_KEY", None)
    data = tmp_path / "data"
    write_council(generate_council(1500, 3), data, "csv")
    listed, store, book = tmp_path / "list.csv", tmp_path / "review.sqlite", tmp_path / "r.xlsx"
    assess = workbench(
        "assess",
        "--initiative",
        "two_year_old",
        "--data",
        str(data),
        "--term-start",
        "2026-09-01",
        "--as-of",
        "2026-09-01",
        "--out",
        str(listed),
        env=env,
    )
    assert assess.returncode == 0, assess.stderr
    export = workbench(
        "review",
        "export",
        "--store",
        str(store),
        "--list",
        str(listed),
        "--out",
        str(book),
        env=env,
    )
    assert export.returncode == 0, export.stderr
    assert "Nothing has been decided" in export.stdout

    # The DWP-list rows the list does not carry are on their own sheet, read-only, each with
    # its reason, exactly as assess reported them beside the list.
    not_listed = pl.read_csv(tmp_path / "list.dwp_not_listed.csv", infer_schema=False)
    assert not_listed.height > 0
    shown = openpyxl.load_workbook(book)["DWP rows not listed"]
    assert shown.protection.sheet
    assert cast(str, shown.cell(1, 1).value).startswith(
        f"{not_listed.height} row(s) of the DWP list are not on this list"
    )
    assert [c.value for c in shown[3]] == [
        "record_id",
        "child_date_of_birth",
        "eligible_from",
        "eligible_to",
        "reason",
    ]
    rows = [tuple(c.value for c in row) for row in shown.iter_rows(min_row=4)]
    assert (
        rows
        == not_listed.select(
            "record_id", "child_date_of_birth", "eligible_from", "eligible_to", "reason"
        )
        .fill_null("")
        .rows()
    )

    workbook = openpyxl.load_workbook(book)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    decision, reason = header.index("decision") + 1, header.index("reason") + 1
    # A council child on the DWP list says how its DWP row was linked (the list's link_method).
    columns = [header.index(n) for n in ("person_id", "dwp_record_id", "record_link")]
    links = [
        cast(str, row[columns[2]])
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if row[columns[0]] and row[columns[1]]
    ]
    assert links and all(text.startswith("Matched to a row of the DWP list because ")
                         for text in links), links  # fmt: skip
    assert any("National Insurance number" in text for text in links)
    sheet.cell(row=2, column=decision, value="Contact")  # not as the drop-down writes it
    sheet.cell(row=3, column=decision, value="not_eligible")  # no reason: refused
    workbook.save(book)
    refused = workbench(
        "review", "import", str(book), "--store", str(store), "--reviewer", "J Smith", env=env
    )
    assert refused.returncode == 1
    assert "row 3" in refused.stderr and "reason" in refused.stderr

    sheet.cell(row=3, column=reason, value="family moved away")
    workbook.save(book)
    # Under another pseudonym key (the officer's session lacks the council's key file) the
    # store says so at once, in one line, and nothing is recorded; every command that opens
    # the store does the same, before it could blame the list or a locked cell.
    other = dict(env, WORKBENCH_KEY_FILE=str(tmp_path / "other" / "pseudonym.key"))
    other["WORKBENCH_STORE"] = str(tmp_path / "other" / "access.sqlite")
    for args in (
        ("review", "import", str(book), "--store", str(store), "--reviewer", "J Smith"),
        ("review", "export", "--store", str(store), "--list", str(listed), "--out", str(book)),
        ("check", "export", "--store", str(store), "--list", str(listed), "--out", "c.csv"),
    ):
        wrong = workbench(*args, env=other)
        assert wrong.returncode == 1, args
        # The first command finds no key there and makes one, and says so (a mistyped
        # WORKBENCH_KEY_FILE is that): then the store refuses it, in one line.
        said = wrong.stderr.strip().splitlines()
        made = said[0].startswith(f"note: made a new pseudonym key at {tmp_path / 'other'}")
        assert made == (args[1] == "import"), said
        assert len(said) == 1 + made
        assert said[-1].startswith(
            f"error: {store}: the decision chain is keyed with another key (fingerprint "
        ), wrong.stderr
        assert said[-1].endswith(
            "Use the pseudonym key the store was made with: set WORKBENCH_KEY_FILE to it"
        )
    # A name that names no one is refused, saying what is wanted, and nothing is recorded.
    for name in ("x", "1", "-"):
        nameless = workbench(
            "review", "import", str(book), "--store", str(store), "--reviewer", name, env=env
        )
        assert nameless.returncode == 2, nameless.stderr
        assert nameless.stderr == (
            "error: --reviewer must name the person who made the decisions; give your name as "
            f"colleagues know it, e.g. 'A. Officer'; got {name!r}, which has no word of two "
            "letters or more\n"
        )
    done = workbench(
        "review", "import", str(book), "--store", str(store), "--reviewer", "J Smith", env=env
    )
    assert done.returncode == 0, done.stderr
    assert "2 decision(s) recorded for J Smith" in done.stdout
    # How the decision typed otherwise was read, on a line of its own.
    assert "Column 'decision': read 'Contact' as contact (row 2).\n" in done.stdout
    again = workbench(
        "review", "import", str(book), "--store", str(store), "--reviewer", "J Smith", env=env
    )
    assert "0 decision(s) recorded" in again.stdout and "2 already recorded" in again.stdout
    assert "no row in the workbook" not in done.stdout + again.stdout
    # A row deleted in the workbook: the child is named as counted, not passed over.
    sheet.delete_rows(sheet.max_row)
    workbook.save(book)
    fewer = workbench(
        "review", "import", str(book), "--store", str(store), "--reviewer", "J Smith", env=env
    )
    assert fewer.returncode == 0, fewer.stderr
    assert (
        "1 child(ren) of the list have no row in the workbook (rows deleted?): nothing was "
        "recorded for them, and they stay undecided. Export the list again to review them."
    ) in " ".join(fewer.stdout.split())


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_a_list_whose_not_listed_rows_went_missing_is_refused(tmp_path: Path):
    env = dict(os.environ, WORKBENCH_KEY_FILE=str(tmp_path / "keys" / "pseudonym.key"))
    env["WORKBENCH_STORE"] = str(tmp_path / "access.sqlite")
    env.pop("WORKBENCH_KEY", None)
    data = tmp_path / "data"
    write_council(generate_council(1500, 3), data, "csv")
    listed = tmp_path / "list.csv"
    dates = ("--term-start", "2026-09-01", "--as-of", "2026-09-01")
    args = ("--initiative", "two_year_old", "--data", str(data), *dates, "--out", str(listed))
    assert workbench("assess", *args, env=env).returncode == 0
    (tmp_path / "list.dwp_not_listed.csv").unlink()
    export = workbench(
        "review", "export", "--store", str(tmp_path / "review.sqlite"), "--list", str(listed),
        "--out", str(tmp_path / "r.xlsx"), env=env,
    )  # fmt: skip
    assert export.returncode == 1
    assert "list.dwp_not_listed.csv" in export.stderr and "is missing" in export.stderr


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
@pytest.mark.parametrize(
    "command",
    [
        ("review", "import", "FILE", "--reviewer", "A. Officer"),
        ("review", "outreach", "--list", "list.csv", "--out", "contacts.csv"),
        ("check", "export", "--list", "list.csv", "--out", "checks.csv"),
        ("check", "import", "FILE"),
    ],
)
def test_a_command_acting_on_decisions_refuses_a_missing_store_and_makes_none(tmp_path, command):
    # A mistyped --store used to make an empty store there, and the command then found no
    # list and no decision in it; only `review export` (registering a list) makes a store.
    env = dict(os.environ, WORKBENCH_KEY="ab" * 32, WORKBENCH_STORE=str(tmp_path / "a.sqlite"))
    (tmp_path / "FILE").write_text("")
    store = tmp_path / "reveiw" / "review.sqlite"
    args = [str(tmp_path / a) if a in ("FILE", "list.csv") else a for a in command]
    done = workbench(*args, "--store", str(store), cwd=tmp_path, env=env)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(f"error: {store}: no review store there;")
    assert not store.parent.exists()
