"""Shared test helpers: small, generic, hand-made data only."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import polars as pl
import pytest
from hypothesis import settings

# No per-example deadline: a timing is not a property, and on a shared 2-core machine (CI
# running the suite on both cores) a first example can take twice the default 200 ms and
# fail as "flaky". Speed is shown by `make bench`, never by a test.
settings.register_profile("workbench", deadline=None)
settings.load_profile("workbench")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests are slow too: `make test` leaves them to `make test-slow` (CI)."""
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.slow)


FileContent = str | bytes | pl.DataFrame


def write_file(path: Path, content: FileContent) -> Path:
    """Write text (dedented), raw bytes, or a frame in the format its suffix names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    elif path.suffix == ".parquet":
        content.write_parquet(path)
    elif path.suffix == ".xlsx":
        content.write_excel(path)
    else:
        content.write_csv(path)
    return path


@pytest.fixture
def make_folder(tmp_path: Path) -> Callable[..., Path]:
    """A function that writes files into a new folder under tmp_path and returns the folder.

    Example: ``folder = make_folder({"people.csv": "person_id,...\\nP1,..."})``
    """
    count = 0

    def make(files: Mapping[str, FileContent], name: str | None = None) -> Path:
        nonlocal count
        count += 1
        folder = tmp_path / (name or f"data{count}")
        folder.mkdir(parents=True)
        for file_name, content in files.items():
            write_file(folder / file_name, content)
        return folder

    return make


@pytest.fixture(autouse=True, scope="session")
def _access_log_in_a_temporary_store(tmp_path_factory) -> None:
    """Commands log access to a review store: in tests, a temporary one (never the user's)."""
    import os

    folder = tmp_path_factory.mktemp("workbench-store")
    os.environ.setdefault("WORKBENCH_STORE", str(folder / "review.sqlite"))
    os.environ.setdefault("WORKBENCH_KEY_FILE", str(folder / "keys" / "pseudonym.key"))
    # Made now, so that no command's stderr in a test carries the note of a new key.
    from workbench.review import ReviewStore
    from workbench.review.keys import load_key

    load_key()
    # And the store, under that key: a test that runs a command with a key of its own gives
    # it a store of its own (a store's access log is sealed under one key, and another key is
    # refused), rather than make this one under its key for the tests after it.
    ReviewStore(os.environ["WORKBENCH_STORE"]).close()
    # Every test trains its linkage model (the cache of trained models has its own tests).
    os.environ.setdefault("WORKBENCH_LINKAGE_CACHE", "off")
