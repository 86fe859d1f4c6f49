"""The review panel in JupyterLab itself, driven by Chromium: `display(panel)` makes its
decision radios a group a screen reader names, as the review app's page does.

JupyterLab starts on a free port over a folder holding the app tests' hand-made list and a
notebook showing the panel twice: first as `panel.widget` alone (no script: the radios are no
named group), then as `display(panel)`. Skipped, with the reason, as the app's browser tests
are (no Debian Chromium or no Playwright).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.review.test_app import KEY_HEX, browser, free_port, write_list  # noqa: F401
from workbench.review import DECISIONS

pytestmark = pytest.mark.browser

STARTUP_SECONDS = 90


def _notebook(store: Path, listed: Path) -> dict:
    def cell(source: str) -> dict:
        return {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": source,
        }

    setup = (
        "from workbench.review import ReviewPanel, ReviewStore, load_key, register_list_file\n"
        "key = load_key()\n"
        f"store = ReviewStore({str(store)!r}, key=key)\n"
        f"list_id, listed = register_list_file(store, {str(listed)!r}, key)\n"
        "panel = ReviewPanel(store, list_id, listed.candidates, reviewer='F. Officer', key=key)\n"
        "display(panel.widget)"
    )
    return {
        "cells": [cell(setup), cell("display(panel)")],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("lab")
    listed = write_list(root / "review")
    (root / "panel.ipynb").write_text(json.dumps(_notebook(root / "review.sqlite", listed)))
    port, token = free_port(), secrets.token_hex(24)
    env = {
        **os.environ,
        "WORKBENCH_KEY": KEY_HEX,
        # JupyterLab's own settings and workspaces in the test's folder, not the user's.
        "JUPYTER_CONFIG_DIR": str(root / ".jupyter"),
        "JUPYTERLAB_SETTINGS_DIR": str(root / ".jupyter" / "lab" / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / ".jupyter" / "lab" / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(root / ".jupyter" / "runtime"),
    }
    log = (root / "lab.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={token}",
            "--LabApp.news_url=None",  # no network
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",  # no PyPI lookups
            *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    pytest.fail(f"JupyterLab did not start:\n{(root / 'lab.log').read_text()}")
                time.sleep(0.5)
        yield f"{base}/lab/tree/panel.ipynb?token={token}", root
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _run(page, cell) -> None:
    """Run one cell as a person does (click into it, Shift+Enter), again if the keypress was
    lost while the page was still starting (its prompt still reads [ ])."""
    from playwright.sync_api import expect

    prompt = cell.locator(".jp-InputPrompt")
    for _ in range(5):
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        try:
            expect(prompt).not_to_have_text("[ ]:", timeout=5_000)
            return
        except AssertionError:
            continue
    pytest.fail(f"the cell did not run: {cell.inner_text()}")


def test_display_panel_names_the_decision_radios_in_jupyterlab(jupyterlab, browser):  # noqa: F811
    url, _ = jupyterlab
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    cells = page.locator(".jp-Notebook .jp-Cell")
    cells.first.wait_for()
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()

    _run(page, cells.nth(0))
    cells.nth(0).locator(".widget-radio").wait_for()
    assert cells.nth(0).get_by_role("radiogroup").count() == 0  # ipywidgets alone: no group

    _run(page, cells.nth(1))
    group = cells.nth(1).get_by_role("radiogroup", name="Decision", exact=True)
    group.wait_for()
    assert group.get_by_role("radio").count() == len(DECISIONS)
    # The script names every panel on the page, the one shown before it too.
    assert cells.nth(0).get_by_role("radiogroup", name="Decision", exact=True).count() == 1
    context.close()
