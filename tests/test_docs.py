from pathlib import Path

from workbench.docs import CONTRACT_END, CONTRACT_START, readme_with_contract

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_data_contract_is_generated_from_the_schema():
    text = README.read_text()
    assert text == readme_with_contract(text), "README data contract is stale: run `make docs`"


def test_readme_contract_section_names_every_required_column():
    section = README.read_text().split(CONTRACT_START)[1].split(CONTRACT_END)[0]
    for column in ("person_id", "household_id", "award_id", "benefit", "child_date_of_birth"):
        assert f"| {column} |" in section
