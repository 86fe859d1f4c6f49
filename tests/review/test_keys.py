"""Pseudonymous keys: the secret's source, its key file's permissions, stable keys."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.errors import WorkbenchError
from workbench.review import (
    KEY_ENV,
    KEY_FILE_ENV,
    PSEUDONYM_PATTERN,
    load_key,
    pseudonym,
    pseudonym_expr,
)

KEY_A = bytes(range(32))
KEY_B = bytes(range(1, 33))


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_key_file_is_created_on_first_use_owner_only_with_32_random_bytes(tmp_path: Path):
    key_file = tmp_path / "config" / "workbench" / "pseudonym.key"
    key = load_key(key_file)
    assert len(key) == 32
    assert key_file.read_text() == key.hex() + "\n"
    assert mode_of(key_file) == 0o600
    assert mode_of(key_file.parent) == 0o700
    assert [p.name for p in key_file.parent.iterdir()] == ["pseudonym.key"]  # no temp left


def test_second_load_reads_the_same_key(tmp_path: Path):
    key_file = tmp_path / "pseudonym.key"
    assert load_key(key_file) == load_key(key_file)


def test_a_new_key_is_said_on_stderr_naming_its_file_and_an_existing_one_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # A mistyped WORKBENCH_KEY_FILE makes a new key: the user is told where, and how to
    # point at the key they meant.
    key_file = tmp_path / "pseudonym.kye"
    monkeypatch.setenv(KEY_FILE_ENV, str(key_file))
    load_key()
    said = capsys.readouterr().err
    assert said.startswith(f"note: made a new pseudonym key at {key_file} (there was none);")
    assert "set WORKBENCH_KEY_FILE to it (or WORKBENCH_KEY)" in said
    load_key()
    assert capsys.readouterr().err == ""


def test_two_new_key_files_hold_different_keys(tmp_path: Path):
    assert load_key(tmp_path / "one.key") != load_key(tmp_path / "two.key")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_key_file_open_to_other_users_is_refused_with_a_chmod_hint(tmp_path: Path, mode: int):
    key_file = tmp_path / "pseudonym.key"
    key = load_key(key_file)
    key_file.chmod(mode)
    with pytest.raises(WorkbenchError, match=r"chmod 600") as caught:
        load_key(key_file)
    assert f"mode {mode:04o}" in str(caught.value)
    assert key.hex() not in str(caught.value)


def test_a_key_in_a_folder_others_can_write_to_is_refused(tmp_path: Path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # anyone could swap the key file for their own
    with pytest.raises(WorkbenchError, match=r"reached through .*shared, which other users"):
        load_key(shared / "pseudonym.key")
    assert not (shared / "pseudonym.key").exists()  # refused before anything is created


def test_a_key_linked_from_a_world_writable_folder_is_refused(tmp_path: Path):
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)
    real = mine / "pseudonym.key"
    load_key(real)
    public = tmp_path / "public"
    public.mkdir()
    public.chmod(0o1777)  # sticky, like /tmp
    link = public / "pseudonym.key"
    link.symlink_to(real)
    assert load_key(link) == load_key(real)  # the user's own link in a sticky folder is safe
    if os.getuid() == 0:  # a link another user put there is not
        os.chown(link, 65534, 65534, follow_symlinks=False)
        with pytest.raises(WorkbenchError, match="which other users can write to"):
            load_key(link)
    open_target = tmp_path / "open"
    open_target.mkdir()
    open_target.chmod(0o777)
    moved = open_target / "pseudonym.key"
    real.rename(moved)
    (mine / "pseudonym.key").symlink_to(moved)  # the link is safe, its target is not
    with pytest.raises(WorkbenchError, match=r"reached through .*open, which other users"):
        load_key(mine / "pseudonym.key")


def test_environment_key_wins_over_the_key_file(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "ab" * 32)
    assert load_key(tmp_path / "pseudonym.key") == bytes.fromhex("ab" * 32)
    assert not (tmp_path / "pseudonym.key").exists()


def test_key_file_environment_variable_names_the_file(tmp_path: Path, monkeypatch):
    key_file = tmp_path / "elsewhere.key"
    monkeypatch.setenv(KEY_FILE_ENV, str(key_file))
    key = load_key()
    assert key_file.read_text() == key.hex() + "\n"


def test_default_key_file_is_under_the_home_config_folder(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    key = load_key()
    key_file = tmp_path / ".config" / "workbench" / "pseudonym.key"
    assert key_file.read_text() == key.hex() + "\n"
    assert mode_of(key_file) == 0o600


@pytest.mark.parametrize(
    ("value", "expected"),
    [("not-hex-at-all", "must be hex digits"), ("abcd", "at least 16 bytes")],
)
def test_bad_environment_key_is_refused_without_echoing_it(monkeypatch, value, expected):
    monkeypatch.setenv(KEY_ENV, value)
    with pytest.raises(WorkbenchError, match=expected) as caught:
        load_key()
    assert value not in str(caught.value)
    assert KEY_ENV in str(caught.value)


def test_corrupt_key_file_is_refused_naming_the_file(tmp_path: Path):
    key_file = tmp_path / "pseudonym.key"
    key_file.write_text("zz\n")
    key_file.chmod(0o600)
    with pytest.raises(WorkbenchError, match=r"pseudonym\.key: the pseudonym key must be hex"):
        load_key(key_file)


def test_pseudonym_is_hmac_sha256_of_kind_and_value():
    expected = hmac.new(KEY_A, b"person:P000123", hashlib.sha256).hexdigest()[:24]
    assert pseudonym("person", "P000123", KEY_A) == "pk_" + expected
    assert pseudonym("person", "P000123", bytes(32)) == "pk_0cd036477a8f185b25e77ff7"


def test_pseudonym_is_stable_for_one_key_and_differs_between_keys_and_kinds():
    assert pseudonym("person", "P1", KEY_A) == pseudonym("person", "P1", KEY_A)
    assert pseudonym("person", "P1", KEY_A) != pseudonym("person", "P1", KEY_B)
    assert pseudonym("person", "P1", KEY_A) != pseudonym("dwp_record", "P1", KEY_A)


def test_pseudonym_expr_agrees_with_pseudonym_and_keeps_nulls():
    frame = pl.DataFrame({"person_id": ["P1", None, "P2"], "tier": ["a", "b", "c"]})
    out = frame.with_columns(pseudonym_expr("person_id", "person", KEY_A).alias("item_key"))
    assert out["item_key"].to_list() == [
        pseudonym("person", "P1", KEY_A),
        None,
        pseudonym("person", "P2", KEY_A),
    ]
    assert out.schema["item_key"] == pl.String


def test_pseudonym_expr_on_an_empty_frame_gives_an_empty_string_column():
    frame = pl.DataFrame({"person_id": []}, schema={"person_id": pl.String})
    out = frame.select(pseudonym_expr("person_id", "person", KEY_A))
    assert out.schema == pl.Schema({"person_id": pl.String})
    assert out.height == 0


@given(kind=st.sampled_from(["person", "dwp_record"]), value=st.text(max_size=30))
def test_every_pseudonym_has_the_documented_shape_and_is_repeatable(kind: str, value: str):
    key = pseudonym(kind, value, KEY_A)
    assert PSEUDONYM_PATTERN.match(key)
    assert key == pseudonym(kind, value, KEY_A)
