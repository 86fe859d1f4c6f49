"""Run identity: a file's SHA-256 is the standard digest of its bytes, however it is read."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from workbench.provenance import file_sha256, input_hashes


@pytest.mark.parametrize("size", [0, 1, 4095, (1 << 20) + 7, 3 * (1 << 20)])
def test_file_sha256_is_the_sha256_of_the_bytes(tmp_path: Path, size: int):
    content = os.urandom(size)
    path = tmp_path / "people.csv"
    path.write_bytes(content)
    assert file_sha256(path) == hashlib.sha256(content).hexdigest()


def test_a_file_that_is_not_a_regular_file_is_hashed_as_read(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as handle:
            handle.write(b"person_id\nP1\n")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert file_sha256(fifo) == hashlib.sha256(b"person_id\nP1\n").hexdigest()
    finally:
        writer.join()


def test_input_hashes_are_keyed_by_file_name_in_name_order(tmp_path: Path):
    (tmp_path / "people.csv").write_text("a\n")
    (tmp_path / "benefits.csv").write_text("b\n")
    hashes = input_hashes([tmp_path / "people.csv", tmp_path / "benefits.csv"])
    assert list(hashes) == ["benefits.csv", "people.csv"]
    assert hashes["people.csv"] == hashlib.sha256(b"a\n").hexdigest()


def test_a_linkage_model_folder_is_hashed_by_its_json_files_in_name_order(tmp_path: Path):
    from workbench.provenance import model_hashes

    (tmp_path / "dwp_list.json").write_text('{"a": 1}')
    (tmp_path / "bands.json").write_text("{}")
    (tmp_path / "README.txt").write_text("not the model")
    (tmp_path / "old.json").mkdir()  # a folder, whatever its name
    assert list(model_hashes(tmp_path).items()) == [
        ("model:bands.json", hashlib.sha256(b"{}").hexdigest()),
        ("model:dwp_list.json", hashlib.sha256(b'{"a": 1}').hexdigest()),
    ]


def test_the_code_context_is_the_package_s_version_commit_and_environment():
    import workbench
    from workbench import provenance
    from workbench.eligibility import assess

    package = Path(workbench.__file__).parent
    version, commit, env = provenance.code_context()
    changes = provenance.code_changes(package)
    assert version == provenance.code_version(workbench.__version__, changes)
    assert commit == provenance.git_commit(package)
    assert env == provenance.environment()
    # Provenance helpers, kept with the others: the assessment no longer offers them.
    assert {"code_context", "model_hashes"} & set(assess.__all__) == set()
