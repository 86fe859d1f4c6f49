"""Run All in JupyterLab: each notebook executed as Jupyter runs it, with the kernel's working
directory in `notebooks/` and the parameters as committed (the data path relative to the
project), except the run folder, which is a temporary one here."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest

from workbench.paths import PROJECT_ROOT, project_path

pytestmark = pytest.mark.slow  # every notebook run as JupyterLab's Run All would: make test-slow

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"


def test_relative_paths_in_notebooks_are_the_project_s(monkeypatch, tmp_path):
    assert NOTEBOOKS.parent == PROJECT_ROOT
    monkeypatch.chdir(NOTEBOOKS)
    assert project_path("data_samples/council_small") == PROJECT_ROOT / "data_samples/council_small"
    assert project_path("reports/scratch") == PROJECT_ROOT / "reports/scratch"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    assert project_path("mine") == Path("mine")  # found from the working directory first
    assert project_path(tmp_path / "x") == tmp_path / "x"


@pytest.mark.parametrize("notebook", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_run_all_in_the_notebooks_folder_works_on_the_samples(notebook, tmp_path):
    executed = tmp_path / notebook
    papermill.execute_notebook(
        str(NOTEBOOKS / notebook),
        str(executed),
        parameters={"output_dir": str(tmp_path / "run")},
        kernel_name="python3",
        cwd=str(NOTEBOOKS),
        progress_bar=False,
    )
    cells = nbformat.read(executed, as_version=4).cells
    errors = [
        o for c in cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert errors == []
    written = {p.relative_to(tmp_path / "run").parts[0] for p in (tmp_path / "run").rglob("*")}
    assert written <= {"shareable", "restricted"}
    assert not (NOTEBOOKS / "reports").exists() and not (NOTEBOOKS / "data_samples").exists()
