"""`--linkage` and `--model` of `assess`, `explain`, `stats` and `link`: a mistake in either is
one of the command line (exit 2, as the README keeps 2 for), said naming the option and the
folder before the access-log line is written and before any data is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.linkage.model import save_settings

OFFER = ("--initiative", "two_year_old", "--term-start", "2026-09-01", "--as-of", "2026-09-01")
NO_FOLDER = (
    ": no such folder. Give the linkage model's folder, as save_settings wrote it (bands.json "
    "and one Splink JSON file per source)"
)


def command_line(command: str, data: Path, out: Path) -> list[str]:
    """`command` on `data`, writing to `out` (explain writes nothing)."""
    if command == "link":
        return ["link", "--data", str(data), "--out", str(out / "links.csv")]
    if command == "explain":
        return ["explain", *OFFER, "--data", str(data), "--person", "C1"]
    written = out / ("list.csv" if command == "assess" else "tables")
    return [command, *OFFER, "--data", str(data), "--out", str(written)]


def run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """`workbench --quiet ARGS` in this process, as `main` runs it: exit code, stdout, stderr."""
    from workbench.cli import main

    monkeypatch.setattr("sys.argv", ["workbench", "--quiet", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    said = capsys.readouterr()
    return int(stopped.value.code or 0), said.out, said.err


def files_under(folder: Path) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*"))


@pytest.fixture
def work(tmp_path: Path, monkeypatch) -> Path:
    """A working folder whose default store and key file are not made yet, and an empty data
    folder: reading it would stop the command (exit 1, people.csv missing), so exit 2 with the
    option's message says the options were checked first."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "access" / "review.sqlite"))
    monkeypatch.setenv("WORKBENCH_KEY_FILE", str(tmp_path / "keys" / "pseudonym.key"))
    monkeypatch.delenv("WORKBENCH_KEY", raising=False)
    (tmp_path / "data").mkdir()
    return tmp_path


@pytest.mark.parametrize("command", ["assess", "stats", "explain", "link"])
def test_a_model_folder_that_is_not_there_exits_2_naming_it_before_anything(
    work, monkeypatch, capsys, command
):
    # It exited 1 (bad input) with "no-model/bands.json: not found", after the access-log
    # line had made the default store and key.
    before = files_under(work)
    args = command_line(command, work / "data", work)
    code, out, err = run(monkeypatch, capsys, *args, "--model", str(work / "no-model"))
    assert (code, out) == (2, "")
    assert err == f"error: --model {work / 'no-model'}{NO_FOLDER}\n"
    assert files_under(work) == before == ["data"]


def test_a_relative_model_folder_not_there_names_both_places_looked_in(work, monkeypatch, capsys):
    from workbench.paths import PROJECT_ROOT

    args = command_line("link", work / "data", work)
    code, out, err = run(monkeypatch, capsys, *args, "--model", "no-model")
    assert (code, out) == (2, "")
    if PROJECT_ROOT is None:  # an installed package: the working folder only
        assert err == f"error: --model no-model{NO_FOLDER}\n"
    else:
        assert err == (
            f"error: --model no-model (looked in the working folder {work} and the project "
            f"folder {PROJECT_ROOT}){NO_FOLDER}\n"
        )
    assert files_under(work) == ["data"]


def test_a_model_given_as_a_file_exits_2_saying_it_is_not_a_folder(work, monkeypatch, capsys):
    (work / "bands.json").write_text("{}")
    code, out, err = run(
        monkeypatch, capsys, *command_line("assess", work / "data", work), "--model", "bands.json"
    )
    assert (code, out) == (2, "")
    assert err == (
        "error: --model bands.json: a file, not a folder. Give the linkage model's folder, as "
        "save_settings wrote it (bands.json and one Splink JSON file per source)\n"
    )
    assert files_under(work) == ["bands.json", "data"]


@pytest.mark.parametrize("command", ["assess", "stats", "explain"])
def test_a_model_with_exact_linkage_exits_2_before_the_access_log_line(
    work, monkeypatch, capsys, command
):
    # It logged its access (making the default store and key), then was refused.
    model = save_settings(work / "model")
    before = files_under(work)
    args = command_line(command, work / "data", work)
    code, out, err = run(monkeypatch, capsys, *args, "--linkage", "exact", "--model", str(model))
    assert (code, out) == (2, "")
    assert err == (
        f"error: --model {model} is only used by probabilistic linkage: it scores the pairs "
        "Splink compares, which --linkage exact never makes. Give --linkage probabilistic (the "
        "default) to link with the model, or leave --model out\n"
    )
    assert files_under(work) == before
    assert "access" not in before and "keys" not in before


@pytest.mark.parametrize("command", ["assess", "stats", "explain"])
def test_an_unknown_linkage_exits_2_before_the_access_log_line(work, monkeypatch, capsys, command):
    args = command_line(command, work / "data", work)
    code, out, err = run(monkeypatch, capsys, *args, "--linkage", "fuzzy")
    assert (code, out) == (2, "")
    assert err == "error: --linkage must be one of exact, probabilistic; got 'fuzzy'\n"
    assert files_under(work) == ["data"]


def test_a_model_folder_there_is_read_by_the_linkage(work, monkeypatch, capsys):
    # A folder there without the model's files is bad input (exit 1), said by the linkage.
    (work / "empty-model").mkdir()
    args = command_line("link", work / "data", work)
    code, out, err = run(monkeypatch, capsys, *args, "--model", "empty-model")
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == (
        "error: empty-model/bands.json: not found: a linkage model folder holds bands.json and "
        "one Splink JSON file per source, as save_settings writes them"
    )
