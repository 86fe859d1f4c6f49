"""Ward lookup files: reading and checking them, and matching postcodes to wards."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from workbench.errors import DataFileError, UsageError
from workbench.stats.wards import LOOKUP_COLUMNS, load_ward_lookup, match_summary, match_wards

ROOT = Path(__file__).parents[2]
SAMPLE_LOOKUP = ROOT / "data_samples" / "ward_lookup.csv"


def write(tmp_path: Path, text: str, name: str = "wards.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def lookup(tmp_path: Path) -> pl.DataFrame:
    return load_ward_lookup(
        write(
            tmp_path,
            "postcode,ward,ward_code\n"
            "FQ1,Dunmere,W3\n"
            "fq1 2,Brackenhurst,W2\n"
            "FQ12AB,Ashcombe,W1\n"
            "FQ2 1,Cold Harbour,W4\n",
        )
    )


def test_a_lookup_is_read_in_standard_form_most_precise_first(lookup: pl.DataFrame) -> None:
    assert lookup.columns == list(LOOKUP_COLUMNS)
    assert lookup.rows() == [
        ("FQ1 2AB", "postcode", "Ashcombe", "W1"),
        ("FQ1 2", "sector", "Brackenhurst", "W2"),
        ("FQ2 1", "sector", "Cold Harbour", "W4"),
        ("FQ1", "district", "Dunmere", "W3"),
    ]


def test_headers_are_matched_ignoring_case_and_spaces_and_ward_code_is_optional(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, " Postcode ,WARD,notes\nFQ3 4, Elmsworth  Park ,x\n")
    assert load_ward_lookup(path).rows() == [("FQ3 4", "sector", "Elmsworth Park", None)]


def test_an_excel_lookup_is_read_like_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "wards.xlsx"
    pl.DataFrame(
        {"postcode": ["FQ1 2", "FQ1"], "ward": ["Brackenhurst", "Dunmere"], "ward_code": ["", "W3"]}
    ).write_excel(path)
    assert load_ward_lookup(path).rows() == [
        ("FQ1 2", "sector", "Brackenhurst", None),
        ("FQ1", "district", "Dunmere", "W3"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("postcode,name\nFQ1,Dunmere\n", r"wards\.csv, column 'ward': no 'ward' column"),
        ("postcode,ward\n", r"wards\.csv: has a header but no rows"),
        (
            "postcode,ward\nFQ1,Dunmere\n,Ashcombe\n",
            r"wards\.csv, row 3, column 'postcode': is empty",
        ),
        ("postcode,ward\nFQ1,\n", r"wards\.csv, row 2, column 'ward': is empty"),
        (
            "postcode,ward\nFQ1,Dunmere\nFQ1 2A,Ashcombe\n",
            r"row 3, column 'postcode': 'FQ1 2A' is not a full postcode \(FQ1 2AB\), a postcode "
            r"sector \(FQ1 2\) or a district \(FQ1\)",
        ),
        (
            "postcode,ward\nFQ1 2,Brackenhurst\nFQ1,Dunmere\nfq1  2,Ashcombe\n",
            r"row 4, column 'postcode': 'FQ1 2' is listed twice \(first at row 2\)",
        ),
        (
            "postcode,ward,ward_code\nFQ1,Dunmere,W3\nFQ2,Dunmere,W9\n",
            r"row 3, column 'ward_code': ward 'Dunmere' has ward_code 'W9' here but 'W3' at row 2",
        ),
        (
            "postcode,ward,ward_code\nFQ1,Dunmere,W3\nFQ2,Ashcombe,W3\n",
            r"row 3, column 'ward': ward_code 'W3' has ward 'Ashcombe' here but 'Dunmere' at row 2",
        ),
    ],
)
def test_a_bad_lookup_is_refused_naming_file_row_and_column(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(DataFileError, match=message):
        load_ward_lookup(write(tmp_path, text))


def test_a_missing_or_unsupported_file_says_what_is_expected(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"nowhere\.csv: no ward lookup file here: expected"):
        load_ward_lookup(tmp_path / "nowhere.csv")
    with pytest.raises(DataFileError, match=r"cannot read a \.json file: expected a CSV or \.xlsx"):
        load_ward_lookup(write(tmp_path, "{}", name="wards.json"))


def test_postcodes_match_the_full_postcode_then_the_sector_then_the_district(
    lookup: pl.DataFrame,
) -> None:
    people = pl.DataFrame(
        {
            "person_id": ["P1", "P2", "P3", "P4", "P5", "P6", "P7"],
            "postcode": ["fq12ab", "FQ1 2XY", "FQ1 9AA", "FQ2 1AA", "FQ2 2AA", None, "FQ1"],
        }
    )
    matched = match_wards(people, lookup)
    assert matched.columns == ["person_id", "postcode", "ward", "ward_code", "ward_matched_by"]
    assert matched.select("person_id", "ward", "ward_code", "ward_matched_by").rows() == [
        ("P1", "Ashcombe", "W1", "postcode"),
        ("P2", "Brackenhurst", "W2", "sector"),
        ("P3", "Dunmere", "W3", "district"),
        ("P4", "Cold Harbour", "W4", "sector"),
        ("P5", "unknown", None, None),  # FQ2 has no district entry, FQ2 2 no sector entry
        ("P6", "unknown", None, None),  # no postcode
        ("P7", "unknown", None, None),  # not a full postcode: never guessed
    ]


def test_matching_needs_a_lookup_and_a_postcode_column(lookup: pl.DataFrame) -> None:
    with pytest.raises(UsageError, match="Expected a ward lookup from load_ward_lookup"):
        match_wards(pl.DataFrame({"postcode": ["FQ1 1AA"]}), pl.DataFrame({"ward": ["x"]}))
    with pytest.raises(UsageError, match="needs a 'postcode' column"):
        match_wards(pl.DataFrame({"post_code": ["FQ1 1AA"]}), lookup)


def test_the_match_summary_counts_distinct_postcodes_not_people(lookup: pl.DataFrame) -> None:
    postcodes = pl.Series(
        ["FQ1 2AB", "fq1 2ab", "FQ1 2XY", "FQ1 9AA", "FQ1 9AB", "FQ5 1AA", None, ""]
    )
    assert match_summary(postcodes, lookup) == {
        "postcode": 1,
        "sector": 1,
        "district": 2,
        "unmatched": 1,
        "missing": 2,
    }


def test_the_sample_lookup_covers_every_postcode_of_the_sample_council() -> None:
    lookup = load_ward_lookup(SAMPLE_LOOKUP)
    assert lookup.filter(pl.col("level") == "postcode").rows() == [
        ("FQ1 1JX", "postcode", "Ashcombe", "FQW02")
    ]
    people = pl.read_csv(ROOT / "data_samples" / "council_small" / "people.csv", infer_schema=False)
    summary = match_summary(people.get_column("postcode"), lookup)
    assert summary["unmatched"] == 0 and summary["missing"] == 0
    assert summary["postcode"] == 1
