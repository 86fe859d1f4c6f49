"""A new folder for files about individuals is owner-only, every level of it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from workbench.private_files import PRIVATE_FOLDER_MODE, private_folder_for


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_folder_made_for_a_private_file_is_owner_only_and_others_are_left(tmp_path):
    existing = tmp_path / "reports"
    existing.mkdir(mode=0o755)
    existing.chmod(0o755)
    before = os.umask(0o022)  # a usual umask: folders 0755 unless made otherwise
    try:
        private_folder_for(existing / "a" / "b" / "c" / "list.parquet")
    finally:
        os.umask(before)
    made = [existing / "a", existing / "a" / "b", existing / "a" / "b" / "c"]
    assert [_mode(folder) for folder in made] == [PRIVATE_FOLDER_MODE] * 3
    assert _mode(existing) == 0o755  # an existing folder is left as it is
    private_folder_for(existing / "a" / "list.csv")  # all there: nothing changes
    assert _mode(existing / "a") == PRIVATE_FOLDER_MODE


def test_a_new_store_key_or_quarantine_is_made_in_owner_only_folders_at_every_level(
    tmp_path, monkeypatch
):
    import polars as pl

    from workbench.data.quarantine import write_quarantine
    from workbench.review import ReviewStore
    from workbench.review.keys import load_key

    before = os.umask(0o022)
    try:
        with ReviewStore(tmp_path / "s1" / "s2" / "review.sqlite"):
            pass
        monkeypatch.delenv("WORKBENCH_KEY", raising=False)
        load_key(tmp_path / "k1" / "k2" / "review.key")
        write_quarantine(pl.DataFrame({"table": ["people"]}), tmp_path / "q1" / "q2" / "q.csv")
    finally:
        os.umask(before)
    for top in ("s1", "k1", "q1"):
        made = [tmp_path / top, tmp_path / top / top.replace("1", "2")]
        assert [_mode(folder) for folder in made] == [PRIVATE_FOLDER_MODE] * 2, top
