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
# and one written as the contract writes a flag (neither listed by the maps below).
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
        ("{'Yes': true, 'No': false}", [("H1", True), ("H2", False)]),
        # Inverted, as a tester wrote it: `Y` was read as true all the same, and `true` is
        # still, read as the contract reads it, the opposite of what the council means by Yes.
        ("{'Yes': false, 'No': true}", [("H1", False), ("H2", True)]),
    ],
)
def test_a_flag_code_the_map_lacks_is_quarantined_naming_the_map_and_its_codes(
    register, tmp_path, values, read
):
    profile = _profile(tmp_path, values)
    data = load_folder(register, profile=profile, tables=["people", "households"])
    households = data.tables["households"].sort("household_id")
    assert households.select("household_id", "no_recourse_to_public_funds").rows() == read
    assert data.quarantine.select("row", "column", "value", "reason").rows() == [
        (4, "NRPF", "Y", unmapped("Y")),
        (5, "NRPF", "true", unmapped("true")),
    ]
    # As `validate --profile` shows it: the codes the map lacks are quarantined.
    (mapping,) = describe_mapping(register, profile, tables=["households"])
    flag = next(c for c in mapping.columns if c.column == "no_recourse_to_public_funds")
    assert ("Y", None, 1) in flag.values
    assert ("true", None, 1) in flag.values


def unmapped(code: str) -> str:
    """The reason a code the NRPF map (`'Yes'` and `'No'`) lacks is quarantined for."""
    where = "tables.households.columns.no_recourse_to_public_funds.values"
    return (
        f"'{code}' is not in the profile's value map ({where}, which maps 'Yes' and 'No'): "
        "add it there"
    )


def test_a_flag_cell_written_as_the_contract_writes_it_is_read_only_if_the_map_lists_it(
    make_folder, tmp_path
):
    # Under a value map a cell is read by the map alone, whatever it looks like: `true`,
    # `True` or ` FALSE ` read as the contract reads them would contradict an inverted map.
    register = "Family,NRPF\nH1,Yes\nH2,True\nH3, FALSE \nH4,1\n,true\nH5,No\n"
    people = PEOPLE + "A5,H5,Eve,Fox,1990-01-01\n"
    folder = make_folder({"people.csv": people, "NRPF Register.csv": register})
    profile = _profile(tmp_path, "{'Yes': false, 'No': true}")
    data = load_folder(folder, profile=profile, tables=["people", "households"])
    households = data.tables["households"].sort("household_id")
    assert households.rows() == [("H1", False), ("H5", True)]
    assert data.quarantine.select("row", "column", "value", "reason").rows() == [
        (3, "NRPF", "True", unmapped("True")),
        (4, "NRPF", " FALSE ", unmapped(" FALSE ")),
        (5, "NRPF", "1", unmapped("1")),
        (6, "Family", None, f"Family: required field is empty; NRPF: {unmapped('true')}"),
    ]
    # Listed, `true` is read as the map says.
    listed = _profile(tmp_path, "{'Yes': false, 'No': true, 'true': false, 'false': true}")
    data = load_folder(folder, profile=listed, tables=["people", "households"])
    assert data.tables["households"].sort("household_id").rows() == [
        ("H1", False),
        ("H2", False),
        ("H3", True),
        ("H5", True),
    ]
    assert data.quarantine.select("row", "value").rows() == [(5, "1"), (6, None)]


def test_a_code_written_as_a_contract_value_is_read_only_if_the_map_lists_it(make_folder, tmp_path):
    clients = "Ref,Family,First,Last,Born,Relationship\n"
    clients += "A1,H1,Ann,Lee,1990-01-01,Mother\nA2,H1,Kit,Lee,2024-03-02,child\n"
    folder = make_folder({"clients.csv": clients, "benefits.csv": BENEFITS})
    profile = tmp_path / "roles.yaml"
    profile.write_text(
        "version: 1\n"
        "tables:\n"
        "  people:\n"
        "    file: clients.csv\n"
        "    columns: {person_id: Ref, household_id: Family, forename: First, surname: Last,\n"
        "      date_of_birth: Born, role: {column: Relationship, values: {Mother: parent_carer,\n"
        "      Son: child}}}\n",
        encoding="utf-8",
    )
    data = load_folder(folder, profile=profile, tables=["people"])
    assert data.tables["people"].select("person_id", "role").rows() == [("A1", "parent_carer")]
    assert data.quarantine.select("row", "column", "value", "reason").rows() == [
        (
            3,
            "Relationship",
            "child",
            "'child' is not in the profile's value map (tables.people.columns.role.values, "
            "which maps 'Mother' and 'Son'): add it there",
        )
    ]


def test_a_flag_map_may_write_its_values_as_yes_or_no(register, tmp_path):
    # A map's value of a flag may be said any way the contract reads one: it is read so.
    profile = _profile(tmp_path, "{'Yes': 'Y', 'No': 'n', 'Y': 'yes', 'TRUE': 1}")
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


def _block_profile(folder: Path, codes: list[str]) -> Path:
    """The NRPF register's profile with its value map's codes one a line, from line 9."""
    path = folder / "profile.yaml"
    path.write_text(
        "version: 1\n"
        "tables:\n"
        "  households:\n"
        "    file: NRPF Register.csv\n"
        "    columns:\n"
        "      household_id: Family\n"
        "      no_recourse_to_public_funds:\n"
        "        values:\n" + "".join(f"          {c}\n" for c in codes) + "        column: NRPF\n",
        encoding="utf-8",
    )
    return path


def test_two_codes_alike_but_for_case_mapped_apart_are_refused_naming_both_lines(tmp_path):
    # Codes are matched ignoring case and runs of space: `Yes` and `yes ` are one code, and
    # which of the two a cell is read by would be chance.
    path = _block_profile(tmp_path, ["'Yes': true", "'No': false", "'yes ': false"])
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert str(raised.value) == (
        f"profile {path}: line 11: 'yes ' and 'Yes' (line 9) of "
        "tables.households.columns.no_recourse_to_public_funds.values are the same code (a "
        "value map matches codes ignoring case and runs of space) but map to 'false' and "
        "'true': remove one, or say which is meant"
    )


def test_two_codes_alike_but_for_case_mapped_alike_are_read(register, tmp_path, capsys):
    # Harmless: said nothing of. `'Y'` is true however the map says it.
    path = _block_profile(
        tmp_path,
        ["'Yes': true", "'YES': 'Y'", "'No': false", "'no': 'n'", "'Y': true", "'true': 'yes'"],
    )
    assert load_profile(path).columns["households"]["no_recourse_to_public_funds"].values == {
        "Yes": True,
        "YES": "Y",
        "No": False,
        "no": "n",
        "Y": True,
        "true": "yes",
    }
    data = load_folder(register, profile=path, tables=["people", "households"])
    households = data.tables["households"].sort("household_id")
    assert households["no_recourse_to_public_funds"].to_list() == [True, False, True, True]
    assert data.quarantine.is_empty()
    assert data.warnings.is_empty()
    assert capsys.readouterr().err.count("warning") == 0


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
