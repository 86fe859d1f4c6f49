"""Who the child is: read from the list's own data folder at review time, shown in the panel,
logged as a view, and refused when the folder has changed since the list was made."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

import workbench as wb
from tests.council import Council
from tests.lists import rewritten
from workbench.errors import DataFileError, WorkbenchError
from workbench.review import ReviewStore, pseudonym
from workbench.review.details import (
    age_text,
    evidence_lines,
    list_title,
    read_child_details,
    record_link_columns,
    record_link_text,
)
from workbench.review.lists import read_list_file, register_list_file, review_candidates
from workbench.review.panel import ReviewPanel
from workbench.rules import load_rule_set

KEY = bytes(range(32))
TERM = date(2026, 9, 1)
ADDRESSES = {"H1": "1 Mill Lane", "H2": "22 Quay Street"}


def council_folder(folder: Path) -> Path:
    """Two households and a DWP-list child the council does not know, as CSV files."""
    council = Council()
    council.person("Q1", "H1", date(1995, 1, 2), "parent_carer", "QQ123456A", "Jane", "Lee")
    council.person("P1", "H1", date(2024, 5, 31), "child", forename="Amy", surname="Lee")
    council.person("P2", "H1", date(2021, 3, 4), "child", forename="Ben", surname="Lee")
    council.person("Q3", "H2", date(1990, 6, 7), "parent_carer", "QQ654321B", "Sam", "Khan",
                   postcode="FQ2 3CD")  # fmt: skip
    council.person("P3", "H2", date(2024, 2, 10), "child", forename="Ola", surname="Khan",
                   postcode="FQ2 3CD")  # fmt: skip
    council.award("A1", "Q1", "income_support", start=date(2025, 3, 3))
    council.award("A3", "Q3", "universal_credit", start=date(2025, 4, 6), net=9000.0)
    council.dwp("D9", "Zoe", date(2024, 4, 1), "QQ999999C")
    folder.mkdir()
    for name, frame in council.tables().items():
        table = frame.collect()
        if name == "people":
            table = table.with_columns(
                pl.col("household_id").replace_strict(ADDRESSES).alias("address_line_1")
            )
        if name == "dwp_list":
            table = table.with_columns(
                pl.lit("9 Harbour Row").alias("address_line_1"), pl.lit("FQ9 9ZZ").alias("postcode")
            )
        if table.height:
            table.write_csv(folder / f"{name}.csv", date_format="%Y-%m-%d")
    return folder


@pytest.fixture
def listed(tmp_path: Path) -> Path:
    data = council_folder(tmp_path / "data")
    found = wb.assess(data, "two_year_old", term_start=TERM, as_of="2026-08-01", linkage="exact")
    return found.write(tmp_path / "list.csv").out


def key_of(kind: str, value: str) -> str:
    return pseudonym(kind, value, KEY)


def test_the_list_is_named_by_initiative_and_term():
    assert list_title("two_year_old", TERM) == "Two-year-old offer, term starting 1 September 2026"
    assert list_title("free_school_meals", None) == "Free school meals"


@pytest.mark.parametrize(
    ("born", "age"),
    [
        (date(2024, 5, 31), "2 years 3 months"),
        (date(2024, 9, 1), "2 years"),
        (date(2024, 9, 2), "1 year 11 months"),
        (date(2025, 8, 31), "1 year"),
        (date(2025, 12, 1), "9 months"),
    ],
)
def test_age_on_the_first_day_of_term_in_years_and_months(born: date, age: str):
    assert age_text(born, TERM) == age


def test_details_of_every_child_come_from_the_lists_data_folder(listed: Path):
    details = read_child_details(read_list_file(listed), KEY)
    assert details.title == "Two-year-old offer, term starting 1 September 2026"
    assert details.frame.drop("item_key").rows() == [
        ("Amy Lee", date(2024, 5, 31), "2 years 3 months", "Jane Lee", "1 Mill Lane", "FQ1 1AA",
         "FQ1", "Ben Lee (5 years 5 months)", "the council's records", None, None),
        ("Ola Khan", date(2024, 2, 10), "2 years 6 months", "Sam Khan", "22 Quay Street",
         "FQ2 3CD", "FQ2", "none recorded", "the council's records", None, None),
        ("Zoe Lee", date(2024, 4, 1), "2 years 5 months", "Pat Lee", "9 Harbour Row", "FQ9 9ZZ",
         "FQ9", "not known: the child is known only from the DWP list", "the DWP list only",
         None, None),
    ]  # fmt: skip
    assert details.frame["item_key"].to_list() == [
        key_of("person", "P1"),
        key_of("person", "P3"),
        key_of("dwp", "D9"),
    ]


def awaiting_link_review(listed: Path, person: str) -> Path:
    """The list as `assess` writes it when the DWP row D9's link awaits review, `person`
    proposed as its match."""
    frame = pl.read_csv(listed, infer_schema=False)
    d9 = pl.col("dwp_record_id") == "D9"
    frame.with_columns(
        pl.when(d9).then(pl.lit("true")).otherwise("link_needs_review").alias("link_needs_review"),
        pl.when(d9).then(pl.lit(person)).alias("probable_person_id"),
        pl.when(d9).then(pl.lit("0.9731")).alias("match_probability"),
    ).write_csv(listed)
    return rewritten(listed)


def test_a_dwp_row_awaiting_link_review_shows_the_proposed_match(listed: Path):
    found = read_list_file(awaiting_link_review(listed, "P3"))
    details = read_child_details(found, KEY)
    # The record id follows the child's name: it is the child's, not the parent's.
    proposed = (
        "Ola Khan (council record P3), born 10 February 2024, 22 Quay Street, FQ2 3CD; parents "
        "or carers: Sam Khan"
    )
    assert details.frame["probable_match"].to_list() == [None, None, proposed]
    row = {"link_needs_review": True, "probable_person_id": "P3", "match_probability": 0.9731}
    dwp_row = details.row(key_of("dwp", "D9"))
    assert dwp_row is not None
    assert record_link_text(row, dwp_row["probable_match"]).endswith(
        f"Proposed match: {proposed} (match probability 97.31%). "
        "Compare it with the DWP-list row before deciding."
    )


def test_evidence_in_words_names_the_benefit_the_parent_and_the_dates(listed: Path):
    found = read_list_file(listed)
    details = read_child_details(found, KEY)
    rules = load_rule_set("two_year_old")
    evidence = found.candidates["evidence"].to_list()
    assert evidence_lines(evidence[0], rules, details) == [
        f"{rules.criterion('income_support').label}: Income Support award A1 to Jane Lee "
        "(parent or carer), in payment from 3 March 2025"
    ]
    assert evidence_lines(evidence[2], rules, details) == [
        f"{rules.criterion('dwp_list').label}: row D9 of the DWP list"
    ]
    assert evidence_lines(evidence[0], rules) == [  # no data folder: the ids stand in
        f"{rules.criterion('income_support').label}: award A1 to parent or carer Q1"
    ]


def test_a_changed_data_folder_is_refused(listed: Path, tmp_path: Path):
    people = tmp_path / "data" / "people.csv"
    people.write_text(people.read_text().replace("Amy", "Amie"))
    with pytest.raises(WorkbenchError, match=r"people\.csv: is not the file the list list\.csv"):
        read_child_details(read_list_file(listed), KEY)


def test_a_manifest_without_a_data_folder_asks_for_one(listed: Path, tmp_path: Path):
    manifest = listed.with_name(listed.name + ".manifest.json")
    manifest.write_text(manifest.read_text().replace('"data":', '"data_was":'))
    found = read_list_file(listed)
    with pytest.raises(WorkbenchError, match="its manifest names no data folder"):
        read_child_details(found, KEY)
    assert read_child_details(found, KEY, data=tmp_path / "data").frame.height == 3


def open_panel(listed: Path, store: ReviewStore, **options) -> ReviewPanel:
    list_id, found = register_list_file(store, listed, KEY)
    details = read_child_details(found, KEY)
    return ReviewPanel(store, list_id, found.candidates, key=KEY, details=details, **options)


def test_the_panel_shows_who_the_child_is_and_logs_each_view(listed: Path, tmp_path: Path):
    with ReviewStore(tmp_path / "review.sqlite") as store:
        panel = open_panel(listed, store, reviewer="A. Officer")
        list_id = panel.list_id
        assert panel.heading.value == (
            "<h1 class='wb-title'>Two-year-old offer, term starting 1 September 2026</h1>"
        )
        assert [label for label, _ in panel.row_select.options] == [
            "Ola Khan, 2 years 6 months \u00b7 likely \u00b7 Universal Credit, take-home pay "
            "from work \u00a315,400 a year or less",
            "Amy Lee, 2 years 3 months \u00b7 likely \u00b7 Income Support",
            "Zoe Lee, 2 years 5 months \u00b7 likely \u00b7 on the DWP list of potentially "
            "eligible two-year-olds",
        ]
        # No child is picked for the officer: none is shown, and no view logged, on opening.
        assert "Amy Lee" not in panel.detail.value and "Ola Khan" not in panel.detail.value
        assert store.access_log().filter(pl.col("command") == "review view").height == 0
        panel.select(key_of("person", "P1"))
        detail = panel.detail.value
        for term, value in [
            ("Name", "Amy Lee"),
            ("Date of birth", "31 May 2024"),
            ("Age on 1 September 2026", "2 years 3 months"),
            ("Parents or carers", "Jane Lee"),
            ("Address", "1 Mill Lane"),
            ("Postcode", "FQ1 1AA"),
            ("Area (postcode district)", "FQ1"),
            ("Other children in the household", "Ben Lee (5 years 5 months)"),
            ("Already funded", "no"),
            ("Working-parent place", "no"),
        ]:
            assert f"<dt>{term}</dt><dd>{value}</dd>" in detail
        panel.select(key_of("dwp", "D9"))
        assert "<dt>Parents or carers</dt><dd>Pat Lee</dd>" in panel.detail.value
        panel.select(key_of("dwp", "D9"))  # the same child again: one view
        views = store.access_log().filter(pl.col("command") == "review view")
        assert views.select("user", "detail").rows() == [
            # Each child the officer picked, by its key, never by the council's id.
            ("A. Officer", f"list {list_id}, child {key_of('person', 'P1')}"),
            ("A. Officer", f"list {list_id}, child {key_of('dwp', 'D9')}"),
        ]


def test_find_a_child_by_name_and_filter_by_area_and_funding(listed: Path, tmp_path: Path):
    with ReviewStore(tmp_path / "review.sqlite") as store:
        panel = open_panel(listed, store, reviewer="A. Officer")
        assert panel.apply_filters(name="khan")["person_id"].to_list() == ["P3"]
        assert panel.apply_filters(name="zoe lee")["dwp_record_id"].to_list() == ["D9"]
        assert panel.apply_filters(area="FQ2")["person_id"].to_list() == ["P3"]
        assert panel.apply_filters(funded="yes").height == 0
        assert panel.apply_filters(funded="no").height == 3
        panel.find.value = "Amy"  # the widget drives the same filter
        assert panel.visible()["person_id"].to_list() == ["P1"]
        assert [v for _, v in panel.area.options] == ["", "FQ1", "FQ2", "FQ9"]


def test_without_a_name_the_details_wait_and_nothing_is_logged(listed: Path, tmp_path: Path):
    with ReviewStore(tmp_path / "review.sqlite") as store:
        panel = open_panel(listed, store)
        panel.select(key_of("person", "P3"))
        assert "Enter your name in \u2018Your name\u2019 to see who the child is" in (
            panel.detail.value
        )
        assert "Sam Khan" not in panel.detail.value
        assert store.access_log().filter(pl.col("command") == "review view").height == 0
        panel.reviewer.value = "x"  # no one's name: no one to record the view under
        assert (
            "<p class='wb-inset'>\u2018x\u2019 in \u2018Your name\u2019 is not a person's "
            "name; give your name as colleagues know it, e.g. 'A. Officer', to see who the "
            "child is: every view of a child's details is recorded with your name.</p>"
        ) in panel.detail.value
        assert "Sam Khan" not in panel.detail.value
        assert store.access_log().filter(pl.col("command") == "review view").height == 0
        panel.reviewer.value = "B. Officer"
        assert "<dt>Parents or carers</dt><dd>Sam Khan</dd>" in panel.detail.value
        assert store.access_log().filter(pl.col("command") == "review view").height == 1


def panel_text(panel: ReviewPanel) -> str:
    """Everything the panel shows: every widget's text, value and choices."""
    found, todo = [], [panel.widget]
    while todo:
        widget = todo.pop()
        todo.extend(getattr(widget, "children", ()))
        found.append(str(getattr(widget, "value", "") or ""))
        found.extend(str(label) for label, _ in getattr(widget, "options", ()) or ())
    return "\n".join(found)


def test_without_a_name_no_child_is_named_anywhere_in_the_panel(listed: Path, tmp_path: Path):
    # Names (and ages, from the same details) only once a view can be logged under a name:
    # the heading over the details, the table, the Child box and the line saying what a click
    # would record show the ids until then, and a search by name finds no one.
    names = ("Ola", "Amy", "Zoe", "Khan", "Lee", "2 years")
    with ReviewStore(tmp_path / "review.sqlite") as store:
        panel = open_panel(listed, store)
        shown = panel_text(panel)
        assert [n for n in names if n in shown] == []
        panel.select(key_of("person", "P3"))
        assert "<h2 class='wb-child'>P3</h2>" in panel.detail.value
        assert [label.split(" \u00b7 ")[0] for label, _ in panel.row_select.options] == [
            "P3",
            "P1",
            "DWP list row D9",
        ]
        assert "Age on the first day of term" not in panel.table.value
        assert "no decision chosen yet for P3." in panel.ready.value
        assert panel.apply_filters(name="khan").height == 0
        assert panel.table.value == (
            "<p>No children match these filters.</p><p class='wb-inset'>Children are found by "
            "name once your name is in \u2018Your name\u2019 (every view of a child's details "
            "is recorded with your name); until then, by their ids.</p>"
        )
        assert panel.apply_filters(name="p1")["person_id"].to_list() == ["P1"]
        panel.select(key_of("person", "P1"))
        panel.reviewer.value = "x"  # no one's name: still no one to log the view under
        assert [n for n in names if n in panel_text(panel)] == []
        assert store.access_log().filter(pl.col("command") == "review view").height == 0
        panel.reviewer.value = "B. Officer"
        assert "<h2 class='wb-child'>Amy Lee</h2>" in panel.detail.value
        assert panel.row_select.options[0][0].startswith("Amy Lee, 2 years 3 months")
        assert "<td>Amy Lee</td><td>2 years 3 months</td>" in panel.table.value
        assert "no decision chosen yet for Amy Lee." in panel.ready.value
        # A search finds Ola Khan, but shows (and logs) her details only when picked.
        assert panel.apply_filters(name="khan")["person_id"].to_list() == ["P3"]
        assert "Sam Khan" not in panel.detail.value
        views = store.access_log().filter(pl.col("command") == "review view")
        assert views.select("user", "detail").rows() == [
            ("B. Officer", f"list {panel.list_id}, child {key_of('person', 'P1')}"),
        ]


def test_the_panel_names_the_proposed_match_only_once_the_officer_is_named(
    listed: Path, tmp_path: Path
):
    with ReviewStore(tmp_path / "review.sqlite") as store:
        panel = open_panel(awaiting_link_review(listed, "P3"), store)
        panel.select(key_of("dwp", "D9"))
        assert "Proposed match: council record P3 (match probability 97.31%)" in (
            panel.detail.value
        )
        assert "Ola Khan" not in panel.detail.value
        panel.reviewer.value = "B. Officer"
        assert (
            "Proposed match: Ola Khan (council record P3), born 10 February 2024, 22 Quay "
            "Street, FQ2 3CD; parents or carers: Sam Khan (match probability 97.31%)"
        ) in panel.detail.value


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("{", "cannot be read as JSON"),
        ('["run_id", "rule_set", "inputs"]', r"is not an assess manifest \(a JSON object\)"),
        ('{"run_id": "r-1", "rule_set": "two_year_old@1"}', "lacks inputs; expected an assess"),
        (
            '{"run_id": "r-1", "rule_set": "two_year_old@1", "inputs": ["people.csv"]}',
            "inputs: expected each input file's name and SHA-256",
        ),
        (
            '{"run_id": "r-1", "rule_set": "two_year_old@1", "inputs": {}, "parameters": []}',
            "parameters: expected the parameters assess was run with",
        ),
        (
            '{"run_id": "r-1", "rule_set": "two_year_old@1", "inputs": {}, "data": 7}',
            "data: expected the data folder the list was made from",
        ),
        (
            '{"run_id": "r-1", "rule_set": "two_year_old@1", "inputs": {}, "database": "x"}',
            "database: expected each table read by a query",
        ),
        (
            '{"run_id": "r-1", "rule_set": "two_year_old@1", "inputs": {}, '
            '"dwp_list_accounted": 3}',
            "dwp_list_accounted: expected the DWP list's rows, counted",
        ),
        (
            '{"run_id": "r-1", "rule_set": "two_year_old@1", "inputs": {}, '
            '"parameters": {"as_of": "1 Sept 2026"}}',
            "parameters: as_of '1 Sept 2026' is not a date",
        ),
        (
            '{"run_id": "r-1", "rule_set": "two_year_old@1", "inputs": {}, '
            '"parameters": {"term_start": 20260901}}',
            "parameters: term_start 20260901 is not a date",
        ),
    ],
)
def test_a_list_whose_manifest_was_edited_out_of_shape_is_refused_naming_it(
    listed: Path, manifest: str, message: str
):
    written = listed.with_name(listed.name + ".manifest.json")
    written.write_text(manifest, encoding="utf-8")
    with pytest.raises(DataFileError, match=rf"list\.csv\.manifest\.json.*{message}"):
        read_list_file(listed)


def test_a_list_read_back_carries_its_manifest_s_term_evidence_date_and_folder(listed: Path):
    written = read_list_file(listed)
    assert written.term_start == date(2026, 9, 1)
    assert written.as_of == date(2026, 8, 1)
    assert written.data_folder == (listed.parent / "data").resolve()
    assert written.manifest["run_id"] == written.run_id


def test_a_list_for_a_term_later_than_its_rules_were_checked_for_is_flagged_to_the_officer(
    listed: Path, tmp_path: Path
):
    import json

    from openpyxl import load_workbook

    from workbench.review.details import rules_caution
    from workbench.review.excel import ABOUT_SHEET, export_review_workbook

    assert read_list_file(listed).rules_checked_through == date(2027, 8, 31)
    assert rules_caution(read_list_file(listed)) is None
    # As if made with a rule file checked only up to the summer before the list's term.
    manifest = listed.with_name(listed.name + ".manifest.json")
    record = json.loads(manifest.read_text())
    record["rules_checked_through"] = "2026-08-31"
    manifest.write_text(json.dumps(record))
    caution = (
        "The rules this list was made with were checked against the published guidance for "
        "terms starting up to 31 August 2026, and this list is for the term starting 1 September "
        "2026. Before contacting a family, ask the person who made the list whether the rules "
        "have changed since."
    )
    found = read_list_file(listed)
    assert rules_caution(found) == caution
    with ReviewStore(tmp_path / "review.sqlite") as store:
        panel = open_panel(listed, store, reviewer="A. Officer")
        assert panel.heading.value == (
            "<h1 class='wb-title'>Two-year-old offer, term starting 1 September 2026</h1>"
            f"<p class='wb-caution' role='alert'>{caution}</p>"
        )
        book = export_review_workbook(
            store,
            panel.list_id,
            found.candidates,
            tmp_path / "review.xlsx",
            key=KEY,
            details=read_child_details(found, KEY),
        )
    opened = load_workbook(book)
    about = [row[0] for row in opened[ABOUT_SHEET].iter_rows(values_only=True)]
    assert about[2:4] == ["Check the rules first", caution]
    active = opened.active
    assert active is not None and active.title == ABOUT_SHEET  # read before any child
    # A manifest whose date is not a date is refused, naming the field.
    record["rules_checked_through"] = "next year"
    manifest.write_text(json.dumps(record))
    with pytest.raises(DataFileError, match="rules_checked_through 'next year' is not a date"):
        read_list_file(listed)


def test_a_held_link_says_why_and_names_the_proposed_childs_twin(listed: Path):
    """The linkage's `held_because` reaches the officer: a child of the proposed child's
    household it names by record id is named (the same family); any other stays an id."""
    frame = pl.read_csv(awaiting_link_review(listed, "P1"), infer_schema=False)
    held = (
        "a twin, council record P2 (the same date of birth and household), also scores at "
        "least the review threshold, and the row's forename is not exactly the chosen child's; "
        "council record P3 scores exactly as high: the row cannot tell the children apart"
    )
    frame.with_columns(
        pl.when(pl.col("dwp_record_id") == "D9").then(pl.lit(held)).alias("held_because")
    ).write_csv(listed)
    found = read_list_file(rewritten(listed))
    details = read_child_details(found, KEY)
    note = (
        "Held for review because a twin, Ben Lee (council record P2) (the same date of birth "
        "and household), also scores at least the review threshold, and the row's forename is "
        "not exactly the chosen child's; council record P3 scores exactly as high: the row "
        "cannot tell the children apart."
    )
    assert details.frame["link_note"].to_list() == [None, None, note]
    shown = review_candidates(found.candidates, KEY).with_columns(
        record_link_columns(found.candidates)
    )
    row = shown.filter(pl.col("dwp_record_id") == "D9").row(0, named=True)
    # Why it was held comes first; the score after, in words, never a bare figure beside
    # the proposed match: a twin scores as high as the child.
    awaits = (
        " A probable match with a child in the council's records awaits review: this DWP-list "
        "row is listed on its own until someone records link confirmed or link rejected. "
    )
    score = (
        " The match score is high (97.31%), but that only says the two records are much "
        "alike: a twin's or a namesake's can be too. Decide on the reason it was held, above, "
        "not on the score."
    )
    text = record_link_text(row, details.probable_match(key_of("dwp", "D9")), note)
    assert text == (
        f"{note}{awaits}Proposed match: Amy Lee (council record P1), born 31 May 2024, 1 Mill "
        "Lane, FQ1 1AA; parents or carers: Jane Lee. Compare it with the DWP-list row before "
        f"deciding.{score}"
    )
    # Without the details (no data folder), the list's words, ids only.
    assert record_link_text(row) == (
        f"Held for review because {held}.{awaits}Proposed match: council record P1. Compare it "
        f"with the DWP-list row before deciding.{score}"
    )


def test_a_linked_child_whose_dwp_row_gives_other_names_says_which(tmp_path: Path):
    """An automatic link shows the council child's name; the DWP row's own name for the
    child, when it is another (Amelia for Amy), is said in the record link."""
    data = council_folder(tmp_path / "data")
    dwp = pl.read_csv(data / "dwp_list.csv", infer_schema=False)
    pl.concat(
        [
            dwp,
            dwp.with_columns(
                record_id=pl.lit("D1"),
                child_forename=pl.lit("Amelia"),
                child_date_of_birth=pl.lit("2024-05-31"),
                parent_nino=pl.lit("QQ123456A"),
            ),
        ]
    ).write_csv(data / "dwp_list.csv")
    found = wb.assess(data, "two_year_old", term_start=TERM, as_of="2026-08-01", linkage="exact")
    listed = read_list_file(found.write(tmp_path / "list.csv").out)
    details = read_child_details(listed, KEY)
    amy = key_of("person", "P1")
    assert details.link_note(amy) == "DWP's row names the child Amelia Lee."
    assert [details.link_note(key_of("person", "P3")), details.link_note(key_of("dwp", "D9"))] == [
        None,
        None,
    ]
    shown = review_candidates(listed.candidates, KEY).with_columns(
        record_link_columns(listed.candidates)
    )
    row = shown.filter(pl.col("person_id") == "P1").row(0, named=True)
    assert record_link_text(row, None, details.link_note(amy)) == (
        "Matched to a row of the DWP list because the parent's National Insurance number and "
        "the child's date of birth agree. DWP's row names the child Amelia Lee."
    )
