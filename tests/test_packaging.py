"""The two dependency lists (pip's pyproject.toml, conda's environment.yml) must say the same."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

# pip name -> conda-forge name, where they differ.
CONDA_NAME = {"pandera[polars]": "pandera-polars", "duckdb": "python-duckdb"}
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*(.*)$")


def _split(requirement: str) -> tuple[str, str]:
    match = _REQUIREMENT.match(requirement)
    assert match, f"cannot parse requirement {requirement!r}"
    name, spec = match.groups()
    return name.lower(), spec.replace(" ", "")


def pip_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    pairs = [_split(r) for r in listed]
    return {CONDA_NAME.get(name, name): spec for name, spec in pairs}


def conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pairs = [_split(d) for d in env["dependencies"] if isinstance(d, str)]
    return {name: spec for name, spec in pairs if name not in {"python", "pip"}}


def test_environment_yml_lists_exactly_the_pyproject_dependencies():
    assert conda_requirements() == pip_requirements()


def test_environment_yml_python_matches_requires_python():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert f"python{project['requires-python']}" in env["dependencies"]


def test_workbench_command_is_installed():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["workbench"] == "workbench._entry:main"
