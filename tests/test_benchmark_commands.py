"""`benchmarks.commands` fails a run whose outputs differ from the first run's."""

from __future__ import annotations

from pathlib import Path

from benchmarks.commands import COMMANDS, command_line, same_outputs


def _folder(path: Path, files: dict[str, bytes]) -> Path:
    path.mkdir()
    for name, content in files.items():
        (path / name).write_bytes(content)
    return path


def test_outputs_are_the_same_only_when_every_file_is_byte_identical(tmp_path: Path):
    first = _folder(tmp_path / "a", {"take_up.csv": b"x,1\n", "stats_manifest.json": b"{}"})
    same = _folder(tmp_path / "b", {"take_up.csv": b"x,1\n", "stats_manifest.json": b"{}"})
    changed = _folder(tmp_path / "c", {"take_up.csv": b"x,2\n", "stats_manifest.json": b"{}"})
    fewer = _folder(tmp_path / "d", {"take_up.csv": b"x,1\n"})
    assert same_outputs(first, same)
    assert not same_outputs(first, changed)
    assert not same_outputs(first, fewer)


def test_each_command_line_names_the_council_and_its_own_output_folder(tmp_path: Path):
    lines = {c.name: command_line(c, tmp_path / "data", tmp_path / "out") for c in COMMANDS}
    assert lines["validate"][-3:] == ["--quiet", "validate", str(tmp_path / "data")]
    assert lines["stats (exact)"][-2:] == ["--linkage", "exact"]
    assert "--linkage" not in lines["stats"]
    for name in ("stats", "stats (exact)"):
        assert lines[name][lines[name].index("--out") + 1] == str(tmp_path / "out")
