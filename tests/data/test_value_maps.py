"""A source profile's value maps: a code the map lacks is quarantined for a true/false flag as
for a coded column, never read by the contract's own words; a key given twice in a profile is
refused; a flag's map that reads every code the same way is warned of."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.command import workbench
from workbench.data.mapping import describe_mapping
from workbench.data.profiles import ProfileError, load_profile, one_valued_flags
from workbench.data.reading import load_folder

PEOPLE = """
person_id,household_id,forename,surname,date_of_birth
A1,H1,Ann,Lee,1990-01-01
A2,H2,Bea,Ray,1990-01-01
A3,H3,Cy,Dunn,1990-01-01
A4,H4,Di,Eze,1990-01-01
"""
BENEFITS = """
award_id,person_id,benefit,start_date
B1,A1,universal_credit,2026-01-01
"""
# The NRPF register as a council's system writes it: one `Y` among the `Yes`/`No` answers,
# and one written as the contract writes a flag.
REGISTER = """
Family,NRPF
H1,Yes
H2,No
H3,Y
H4,true
"""


def _profile(folder: Path, values: str) -> Path:
    path = folder / "profile.yaml"
    path.write_text(
        "version: 1\n"
        "tables:\n"
        "  households:\n"
        "    file: NRPF Register.csv\n"
        "    columns:\n"
        "      household_id: Family\n"
        "      no_recourse_to_public_funds:\n"
        "        column: NRPF\n"
        f"        values: {values}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def register(make_folder) -> Path:
    return make_folder(
        {"people.csv": PEOPLE, "benefits.csv": BENEFITS, "NRPF Register.csv": REGISTER}
    )


@pytest.mark.parametrize(
    ("values", "read"),
    [
        ("{'Yes': true, 'No': false}", [("H1", True), ("H2", False), ("H4", True)]),
        # Inverted, as a tester wrote it: `Y` was read as true all the same.
        ("{'Yes': false, 'No': true}", [("H1", False), ("H2", True), ("H4", True)]),
    ],
)
def test_a_flag_code_the_map_lacks_is_quarantined_naming_the_map_and_its_codes(
    register, tmp_path, values, read
):
    profile = _profile(tmp_path, values)
    data = load_folder(register, profile=profile, tables=["people", "households"])
    households = data.tables["households"].sort("household_id")
    assert households.select("household_id", "no_recourse_to_public_funds").rows() == read
    where = "tables.households.columns.no_recourse_to_public_funds.values"
    assert data.quarantine.rows() == [
        (
            "households",
            "NRPF Register.csv",
            4,
            "NRPF",
            "Y",
            f"'Y' is not in the profile's value map ({where}, which maps 'Yes' and 'No'): "
            "add it there",
        )
    ]
    # As `validate --profile` shows it: the code the map lacks is quarantined.
    (mapping,) = describe_mapping(register, profile, tables=["households"])
    flag = next(c for c in mapping.columns if c.column == "no_recourse_to_public_funds")
    assert ("Y", None, 1) in flag.values
    assert ("true", "true", 1) in flag.values


def test_a_flag_map_may_write_its_values_as_yes_or_no(register, tmp_path):
    # A map's value of a flag may be said any way the contract reads one: it is read so.
    profile = _profile(tmp_path, "{'Yes': 'Y', 'No': 'n', 'Y': 'yes'}")
    data = load_folder(register, profile=profile, tables=["people", "households"])
    households = data.tables["households"].sort("household_id")
    assert households["no_recourse_to_public_funds"].to_list() == [True, False, True, True]
    assert data.quarantine.is_empty()


def test_a_value_map_code_given_twice_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "profile.yaml"
    path.write_text(
        "version: 1\n"
        "tables:\n"
        "  benefits:\n"
        "    file: awards.csv\n"
        "    columns:\n"
        "      benefit:\n"
        "        column: Benefit Type\n"
        "        values:\n"
        "          Universal Credit: universal_credit\n"
        "          UC: universal_credit\n"
        "          Universal Credit: child_tax_credit\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert str(raised.value) == (
        f"profile {path}: line 11: 'Universal Credit' is given twice in one mapping (first at "
        "line 9): YAML would keep only the last silently, so remove one, or say which is meant"
    )


@pytest.mark.parametrize(
    ("written", "key"),
    [
        # On one line, and as YAML reads `Yes` and `yes` (both true): named as written.
        ("{Yes: true, yes: false}", "yes"),
        ("{'Yes': true, 'No': false, 'Yes': false}", "Yes"),
    ],
)
def test_a_flag_code_given_twice_on_one_line_is_refused(tmp_path, written, key):
    path = _profile(tmp_path, written)
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert str(raised.value) == (
        f"profile {path}: line 9: '{key}' is given twice in one mapping (first at line 9): "
        "YAML would keep only the last silently, so remove one, or say which is meant"
    )


def test_a_column_entry_given_twice_is_refused(tmp_path):
    path = tmp_path / "profile.yaml"
    path.write_text(
        "version: 1\n"
        "tables:\n"
        "  people:\n"
        "    file: clients.csv\n"
        "    columns:\n"
        "      forename: First Name\n"
        "      forename: Known As\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileError, match=r"line 7: 'forename' is given twice .* line 6\)"):
        load_profile(path)


def test_a_flag_map_reading_every_code_the_same_way_is_warned_of(register, tmp_path):
    profile = _profile(tmp_path, "{'Yes': true, 'No': true}")
    sentence = (
        "the profile's value map for households.no_recourse_to_public_funds "
        "(tables.households.columns.no_recourse_to_public_funds.values) maps every code ('Yes' "
        "and 'No') to true: every row of households with a code is read as true; if one of "
        "them means the other answer, map it to false"
    )
    assert one_valued_flags(profile) == [sentence]
    assert one_valued_flags(profile, ["people"]) == []  # not a table read
    done = workbench("validate", str(register), "--profile", str(profile))
    assert done.returncode == 0, done.stderr
    assert f"warning: {sentence}" in done.stderr.splitlines()
    # Two codes read two ways, or a single code, are not warned of.
    assert one_valued_flags(_profile(tmp_path, "{'Yes': true, 'No': false}")) == []
    assert one_valued_flags(_profile(tmp_path, "{'Yes': true}")) == []
    assert one_valued_flags(None) == []
