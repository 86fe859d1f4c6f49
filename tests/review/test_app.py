"""The review app in a real browser: Voilà serving the review panel, driven by Chromium.

Voilà starts once for the module on a free port, over a hand-made list of six children in a
fresh store; each test decides on different children, so the tests do not depend on order.
The browser tests are skipped (with the reason) only when Debian's Chromium or Playwright is
missing; `make test` installs Chromium where it can.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as widgets
import polars as pl
import pytest

from workbench.errors import DataFileError, UsageError, WorkbenchError
from workbench.provenance import file_sha256
from workbench.review import DECISIONS, REASON_REQUIRED, ReviewStore, pseudonym
from workbench.review.app import (
    PAGE_HEADERS,
    STOP_SECONDS,
    ReviewServer,
    prepare_review_app,
    review_app,
    reviewer_from_login,
    start_review_app,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KEY_HEX = "11" * 32
REPORTS = Path(__file__).resolve().parents[2] / "reports"
CONTROL_ROLES = {
    "textbox",
    "combobox",
    "button",
    "checkbox",
    "listbox",
    "spinbutton",
    "slider",
    "radio",
}

LIST_CSV = """
person_id,dwp_record_id,initiative,tier,reason_codes,eligible_from,already_funded,review_status,eligible_to,evidence,link_needs_review,rule_set,run_id
P001,,two_year_old,likely,income_support,2026-09-01,false,pending_review,2027-08-31,income_support: award A1 of parent/carer Q1,false,two_year_old@2026.11.1,run-app-1
P002,,two_year_old,likely,universal_credit_low_income,2026-09-01,false,pending_review,2027-08-31,universal_credit_low_income: award A2 of parent/carer Q2,false,two_year_old@2026.11.1,run-app-1
P003,,two_year_old,possible,,2027-01-01,false,pending_review,2027-12-31,,false,two_year_old@2026.11.1,run-app-1
P004,,two_year_old,likely,looked_after,2027-01-01,true,pending_review,2027-12-31,looked_after: status S4 of child P004,false,two_year_old@2026.11.1,run-app-1
P005,,two_year_old,possible,,2027-04-01,false,pending_review,2028-03-31,,false,two_year_old@2026.11.1,run-app-1
,D0007,two_year_old,likely,dwp_list,2026-09-01,false,pending_review,2027-08-31,dwp_list: DWP list row D0007,true,two_year_old@2026.11.1,run-app-1
"""  # noqa: E501
# The data folder the list was made from: who the children are, read by the app at review time.
DATA = {
    "people.csv": """
        person_id,household_id,forename,surname,date_of_birth,nino,address_line_1,postcode,role
        Q1,H1,Jane,Lee,1994-03-02,QQ123456A,1 Mill Lane,FQ1 1AA,parent_carer
        P001,H1,Amy,Lee,2024-06-15,,1 Mill Lane,FQ1 1AA,child
        Q2,H2,Tom,Okafor,1990-01-20,QQ223456A,22 Quay Street,FQ2 3CD,parent_carer
        P002,H2,Ben,Okafor,2024-07-01,,22 Quay Street,FQ2 3CD,child
        Q3,H3,Sara,Smith,1991-05-05,,3 Hill Road,FQ3 1EF,parent_carer
        P003,H3,Cara,Smith,2024-10-20,,3 Hill Road,FQ3 1EF,child
        Q4,H4,Raj,Patel,1988-08-08,,4 Elm Close,FQ2 9GH,parent_carer
        P004,H4,Dev,Patel,2024-11-11,,4 Elm Close,FQ2 9GH,child
        Q5,H5,Mia,Jones,1993-12-12,,5 Bay View,FQ1 4JK,parent_carer
        P005,H5,Eve,Jones,2025-01-10,,5 Bay View,FQ1 4JK,child
        P006,H5,Gus,Jones,2022-02-02,,5 Bay View,FQ1 4JK,child
    """,
    "benefits.csv": """
        award_id,person_id,benefit,start_date,end_date,net_earned_income,gross_income
        A1,Q1,income_support,2025-01-01,,,
        A2,Q2,universal_credit,2025-02-01,,9000,
    """,
    "child_statuses.csv": """
        status_id,person_id,status,start_date,end_date
        S4,P004,looked_after,2025-05-01,
    """,
    "dwp_list.csv": """
        record_id,child_forename,child_surname,child_date_of_birth,parent_forename,parent_surname,parent_nino,address_line_1,postcode
        D0007,Finn,Walsh,2024-05-05,Kate,Walsh,QQ923456A,7 Dock Road,FQ7 7AB
    """,
}
NAMES = {
    "P001": "Amy Lee",
    "P002": "Ben Okafor",
    "P003": "Cara Smith",
    "P004": "Dev Patel",
    "P005": "Eve Jones",
    "D0007": "Finn Walsh",
}
TITLE = "Two-year-old offer, term starting 1 September 2026"
REASON_LABEL = "Reason (required for {})".format(
    " and ".join(d.replace("_", " ") for d in REASON_REQUIRED)
)


def write_list(folder: Path) -> Path:
    """The hand-made list, its data folder and the manifest `assess` would write beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    data.mkdir(exist_ok=True)
    for name, text in DATA.items():
        (data / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    listed = folder / "list.csv"
    listed.write_text(textwrap.dedent(LIST_CSV).lstrip("\n"), encoding="utf-8")
    manifest = {
        "run_id": "run-app-1",
        "rule_set": "two_year_old@2026.11.1",
        "parameters": {"term_start": "2026-09-01", "as_of": "2026-08-01"},
        "data": str(data),
        "inputs": {name: file_sha256(data / name) for name in DATA},
    }
    (folder / "list.csv.manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return listed


def item_of(person_id: str) -> str:
    return pseudonym("person", person_id, bytes.fromhex(KEY_HEX))


def decisions_about(store_path: Path, person_id: str) -> pl.DataFrame:
    with ReviewStore(store_path, key=bytes.fromhex(KEY_HEX)) as store:
        list_id = store.lists()["list_id"][0]
        return store.decisions(list_id, [item_of(person_id)])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- without a browser: what the server refuses and where the name comes from --------------
def test_reviewer_name_comes_from_the_trusted_header_then_jupyterhub():
    environ = {"HTTP_X_FORWARDED_USER": " b.officer ", "JUPYTERHUB_USER": "hub.user"}
    assert reviewer_from_login(environ, "X-Forwarded-User") == "b.officer"
    assert reviewer_from_login(environ, None) == "hub.user"  # header not trusted unless named
    assert reviewer_from_login({"HTTP_X_FORWARDED_USER": "  "}, "X-Forwarded-User") is None


def test_serve_refuses_without_a_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WORKBENCH_KEY", KEY_HEX)
    listed = write_list(tmp_path)
    with pytest.raises(WorkbenchError, match="no review store there"):
        start_review_app(tmp_path / "missing.sqlite", listed, port=free_port())
    assert not (tmp_path / "missing.sqlite").exists()


def test_serve_refuses_without_a_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WORKBENCH_KEY", KEY_HEX)
    ReviewStore(tmp_path / "review.sqlite").close()
    with pytest.raises(DataFileError, match="does not exist"):
        start_review_app(tmp_path / "review.sqlite", tmp_path / "list.csv", port=free_port())


def test_behind_a_sign_in_a_request_without_the_header_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("WORKBENCH_KEY", KEY_HEX)
    listed, store = write_list(tmp_path), tmp_path / "review.sqlite"
    ReviewStore(store).close()
    files = prepare_review_app(
        store, listed, folder=tmp_path / "app", user_header="X-Forwarded-User"
    )
    monkeypatch.delenv("HTTP_X_FORWARDED_USER", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    page = review_app(files.config)
    texts = [w for w in _all(page) if isinstance(w, widgets.Text)]
    assert texts == []  # no name field to type into
    alert = "".join(w.value for w in _all(page) if isinstance(w, widgets.HTML))
    assert "carried no X-Forwarded-User header" in alert
    monkeypatch.setenv("HTTP_X_FORWARDED_USER", "a.officer")
    signed = "".join(w.value for w in _all(review_app(files.config)) if isinstance(w, widgets.HTML))
    assert "Signed in as <strong>a.officer</strong>" in signed


def test_a_sign_in_or_a_typed_name_that_names_no_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("WORKBENCH_KEY", KEY_HEX)
    listed, store = write_list(tmp_path), tmp_path / "review.sqlite"
    ReviewStore(store).close()
    behind = prepare_review_app(
        store, listed, folder=tmp_path / "app", user_header="X-Forwarded-User"
    )
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("HTTP_X_FORWARDED_USER", " x ")
    page = review_app(behind.config)
    assert [w for w in _all(page) if isinstance(w, widgets.Text)] == []  # none to type into
    alert = "".join(w.value for w in _all(page) if isinstance(w, widgets.HTML))
    assert (
        "The sign-in gave the name \u2018x\u2019, which is not a person&#x27;s name (it has no "
        "word of two letters or more), and every decision records who made it: ask whoever "
        "runs the app to have the sign-in give officers&#x27; names as colleagues know them, "
        "e.g. &#x27;A. Officer&#x27;. No decision can be recorded until it does."
    ) in alert
    assert "Signed in as" not in alert
    # Asked for a name, the page refuses one that names no one, and opens for a name.
    monkeypatch.delenv("HTTP_X_FORWARDED_USER")
    asked = review_app(prepare_review_app(store, listed, folder=tmp_path / "asked").config)
    (name,) = [w for w in _all(asked) if isinstance(w, widgets.Text)]
    (start,) = [w for w in _all(asked) if isinstance(w, widgets.Button)]
    name.value = "-"
    start.click()
    said = "".join(w.value for w in _all(asked) if isinstance(w, widgets.HTML))
    assert (
        "\u2018-\u2019 is not a person&#x27;s name: it has no word of two letters or more; give "
        "your name as colleagues know it, e.g. &#x27;A. Officer&#x27;: every decision records "
        "who made it."
    ) in said
    assert "Signed in as" not in said
    name.value = "Officer"  # a role word is refused as one, not for being short
    start.click()
    said = "".join(w.value for w in _all(asked) if isinstance(w, widgets.HTML))
    assert (
        "\u2018Officer\u2019 is not a person&#x27;s name: it is a role word; give your name as "
        "colleagues know it, e.g. &#x27;A. Officer&#x27;: every decision records who made it."
    ) in said
    assert "Signed in as" not in said
    name.value = "Zoë Ng"
    start.click()
    said = "".join(w.value for w in _all(asked) if isinstance(w, widgets.HTML))
    assert "Signed in as <strong>Zoë Ng</strong>" in said


def test_a_second_click_of_start_reviewing_opens_nothing_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("WORKBENCH_KEY", KEY_HEX)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    listed, store = write_list(tmp_path), tmp_path / "review.sqlite"
    ReviewStore(store).close()
    page = review_app(prepare_review_app(store, listed, folder=tmp_path / "app").config)
    (name,) = [w for w in _all(page) if isinstance(w, widgets.Text)]
    (start,) = [w for w in _all(page) if isinstance(w, widgets.Button)]
    name.value = "Zoë Ng"
    start.click()
    shown = page.children
    start.click()  # Enter then a click, or a double-click: the panel is not opened twice
    assert page.children == shown
    with ReviewStore(store, key=bytes.fromhex(KEY_HEX)) as opened:
        assert opened.access_log()["command"].to_list() == ["review-panel"]


def test_the_panel_says_already_funded_is_not_known_without_the_terms_headcount(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # The hand-made data folder has no providers' headcount: `review outreach` cautions each
    # row, and the panel says so too (a tester saw "Already funded: no" and no warning).
    monkeypatch.setenv("WORKBENCH_KEY", KEY_HEX)
    monkeypatch.setenv("JUPYTERHUB_USER", "a.officer")
    listed, store = write_list(tmp_path), tmp_path / "review.sqlite"
    ReviewStore(store).close()
    page = review_app(prepare_review_app(store, listed, folder=tmp_path / "app").config)
    said = "".join(w.value for w in _all(page) if isinstance(w, widgets.HTML))
    assert "Already funded is not known for this list" in said
    assert "<td>not known</td>" in said


def test_a_kernel_whose_page_has_gone_is_freed_within_minutes(tmp_path: Path, monkeypatch):
    from workbench.review.app import IDLE_KERNEL_SECONDS, _voila_command

    monkeypatch.setenv("WORKBENCH_KEY", KEY_HEX)
    listed, store = write_list(tmp_path), tmp_path / "review.sqlite"
    ReviewStore(store).close()
    command = _voila_command(prepare_review_app(store, listed, folder=tmp_path / "app"), "::1", 1)
    assert IDLE_KERNEL_SECONDS == 180
    assert [c for c in command if "MappingKernelManager" in c] == [
        "--MappingKernelManager.cull_idle_timeout=180",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",  # an open page's kernel is never culled
    ]


def _all(root: widgets.Widget):
    yield root
    for child in getattr(root, "children", ()):
        yield from _all(child)


def test_serve_refuses_an_empty_token_or_a_bad_port(tmp_path: Path):
    with pytest.raises(UsageError, match=r"^token must not be empty"):
        start_review_app(tmp_path / "review.sqlite", tmp_path / "list.csv", token=" ")
    with pytest.raises(UsageError, match=r"^port must be between 1 and 65535; got 0"):
        start_review_app(tmp_path / "review.sqlite", tmp_path / "list.csv", port=0)


def test_serve_refuses_a_busy_port_before_starting_voila(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # Another server on the port must never be taken for the app: refused before Voilà starts.
    monkeypatch.setenv("WORKBENCH_KEY", KEY_HEX)
    listed, store = write_list(tmp_path), tmp_path / "review.sqlite"
    ReviewStore(store).close()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(WorkbenchError) as stopped:
            start_review_app(store, listed, port=port, log=tmp_path / "voila.log")
    message = str(stopped.value)
    assert message.startswith(f"port {port} on 127.0.0.1 is in use")
    assert message.endswith("choose another with --port, or stop what is listening there")
    assert not (tmp_path / "voila.log").exists()  # Voilà was never started


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "review.council.example"])
def test_serve_refuses_a_host_beyond_localhost_without_allow_remote(tmp_path: Path, host: str):
    with pytest.raises(UsageError) as refused:
        start_review_app(tmp_path / "review.sqlite", tmp_path / "list.csv", host=host)
    assert refused.value.parameter == "host"
    assert "over plain HTTP" in str(refused.value)
    assert "--allow-remote" in refused.value.for_flag()


@pytest.mark.parametrize("token", ["a", "0123456789abcdef", "x" * 31])
def test_serve_refuses_a_token_shorter_than_128_bits(tmp_path: Path, token: str):
    with pytest.raises(UsageError, match=r"^token must be at least 32 characters"):
        start_review_app(tmp_path / "review.sqlite", tmp_path / "list.csv", token=token)


def children_of(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def serve_in_a_process(tmp_path: Path, port: int) -> subprocess.Popen:
    """`workbench review serve` on a new list and store, as an officer's machine runs it."""
    listed, store = write_list(tmp_path), tmp_path / "review.sqlite"
    ReviewStore(store, key=bytes.fromhex(KEY_HEX)).close()
    env = {**os.environ, "WORKBENCH_KEY": KEY_HEX, "WORKBENCH_REVIEW_TOKEN": "ab" * 16}
    command = [sys.executable, "-m", "workbench", "--quiet", "review", "serve"]
    command += ["--store", str(store), "--list", str(listed), "--port", str(port)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_voila_and_serve_exits_once_the_port_is_free(tmp_path: Path, stop: int):
    port = free_port()
    serving = serve_in_a_process(tmp_path, port)
    try:
        assert serving.stdout is not None
        first = serving.stdout.readline()
        assert first.startswith(f"Review app for {TITLE} (list l-") and first.endswith(
            f"http://127.0.0.1:{port}/\n"
        ), first  # a token from the environment is not printed
        [voila] = children_of(serving.pid)
        assert is_running(voila)
        serving.send_signal(stop)
        # At worst Voilà takes STOP_SECONDS to go (then its process group is killed) and the
        # port as long again to come free: the bound is that, with room for a busy machine.
        # (A 30 s bound, the worst case itself, failed once in CI with the tests in parallel.)
        assert serving.wait(timeout=2 * STOP_SECONDS + 15) == 0
    finally:
        serving.kill()
    assert not is_running(voila)  # Voilà went with it, and with it the token
    with socket.socket() as probe:  # nothing listens there any more
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    with socket.socket() as again:  # and the port can be served again at once
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


def not_ended(pid: int) -> bool:
    """Running, an orphan's exit not yet collected by whoever adopted it counting as ended."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_PDEATHSIG)")
def test_voila_and_its_kernels_go_when_serve_is_killed(tmp_path: Path):
    port = free_port()
    serving = serve_in_a_process(tmp_path, port)
    try:
        assert serving.stdout is not None
        assert serving.stdout.readline().startswith(f"Review app for {TITLE}")
        [voila] = children_of(serving.pid)
        serving.kill()  # SIGKILL: `serve` can do nothing itself
        serving.wait()
        deadline = time.monotonic() + 2 * STOP_SECONDS + 15
        while not_ended(voila) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not not_ended(voila)  # and with it the token and the children's details
    finally:
        serving.kill()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_serve_refuses_a_data_folder_that_has_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("WORKBENCH_KEY", KEY_HEX)
    listed, store = write_list(tmp_path), tmp_path / "review.sqlite"
    ReviewStore(store).close()
    people = tmp_path / "data" / "people.csv"
    people.write_text(people.read_text().replace("Amy", "Amie"))
    with pytest.raises(WorkbenchError, match=r"people\.csv: is not the file the list list\.csv"):
        prepare_review_app(store, listed, folder=tmp_path / "app")


def test_an_app_written_to_a_relative_folder_gives_jupyterhub_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # JupyterHub reads the lines from its own working folder: `--write-app app` must not
    # print `notebook_dir = 'app'`.
    listed, store = write_list(tmp_path), tmp_path / "review.sqlite"
    monkeypatch.setenv("WORKBENCH_KEY", KEY_HEX)
    monkeypatch.chdir(tmp_path)
    ReviewStore(store).close()
    files = prepare_review_app(store, listed, folder="app")
    assert files.folder == tmp_path / "app"
    hub: dict = {}
    exec(files.jupyterhub_lines(), {"c": _Config(hub)})
    assert hub["notebook_dir"] == str(tmp_path / "app")
    assert hub["environment"]["JUPYTER_CONFIG_PATH"] == str(tmp_path / "app" / "jupyter_config")
    assert str(tmp_path / "app" / "review_app.json") in files.notebook.read_text()


def test_prepare_refuses_a_key_other_than_the_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    listed, store = write_list(tmp_path), tmp_path / "review.sqlite"
    monkeypatch.setenv("WORKBENCH_KEY", KEY_HEX)
    ReviewStore(store).close()
    files = prepare_review_app(store, listed, folder=tmp_path / "app")
    config = json.loads(files.config.read_text(encoding="utf-8"))
    assert config == {
        "store": str(store.resolve()),
        "list_file": str(listed.resolve()),
        "list_id": files.list_id,
        "user_header": None,
        "data": str((tmp_path / "data").resolve()),
    }
    notebook = files.notebook.read_text(encoding="utf-8")
    assert str(files.config) in notebook
    assert "P001" not in notebook and "Amy" not in notebook  # no personal data in it
    assert (
        f"Review: {TITLE} \u2013 Eligibility Workbench" in json.loads(notebook)["metadata"]["title"]
    )
    monkeypatch.setenv("WORKBENCH_KEY", "22" * 32)
    with pytest.raises(WorkbenchError, match="the decision chain is keyed with another key"):
        prepare_review_app(store, listed, folder=tmp_path / "app2")


@pytest.mark.slow  # a server started and stopped: make test-slow (CI runs both)
def test_a_written_app_served_by_jupyterhub_loads_nothing_from_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # `--write-app` is for JupyterHub, whose single-user server is a Jupyter server running
    # Voilà as an extension: with only the environment the written lines set, the page is the
    # app's own template (no CDN links) with the app's headers, as `review serve` gives it.
    listed, store = write_list(tmp_path), tmp_path / "review.sqlite"
    monkeypatch.setenv("WORKBENCH_KEY", KEY_HEX)
    monkeypatch.delenv("JUPYTER_PATH", raising=False)
    monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)
    ReviewStore(store).close()
    environment = dict(os.environ)
    folder = tmp_path / "app"
    written = subprocess.run(
        [sys.executable, "-m", "workbench", "review", "serve", "--store", str(store),
         "--list", str(listed), "--write-app", str(folder)],
        env=environment, capture_output=True, text=True,
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    lines = (folder / "jupyterhub_config_lines.py").read_text(encoding="utf-8")
    assert lines in written.stdout
    hub: dict = {}
    exec(lines, {"c": _Config(hub)})  # what JupyterHub would do with them
    assert hub["default_url"] == "/voila/render/review_app.ipynb"
    assert hub["notebook_dir"] == str(folder)
    assert hub["environment"]["WORKBENCH_KEY"] == "<the pseudonym key, hex>"
    metadata = json.loads((folder / "review_app.ipynb").read_text(encoding="utf-8"))["metadata"]
    assert metadata["voila"] == {"template": "workbench"}
    token, port = "ab" * 24, free_port()
    served = {**environment, **hub["environment"], "WORKBENCH_KEY": KEY_HEX}
    command = [
        sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(command, cwd=folder, env=served, stdout=log, stderr=log)
    try:
        url = f"http://127.0.0.1:{port}/voila/render/review_app.ipynb?token={token}"
        for _ in range(240):
            try:
                with urllib.request.urlopen(url, timeout=60) as response:
                    headers, page = response.headers, response.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                time.sleep(0.25)
        else:
            pytest.fail(
                "the Jupyter server did not answer: " + (tmp_path / "server.log").read_text()
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert headers["Content-Security-Policy"] == PAGE_HEADERS["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "/voila/templates/workbench/static/" in page
    assert "cdn.jsdelivr.net" not in page and "font-awesome" not in page.lower()


class _Config:
    """A stand-in for JupyterHub's config object: `c.Spawner.<name> = value` lands in `seen`."""

    def __init__(self, seen: dict) -> None:
        self.Spawner = type(
            "Spawner", (), {"__setattr__": lambda _, k, v: seen.__setitem__(k, v)}
        )()


# --- in a browser -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ReviewServer, Path]]:
    folder = tmp_path_factory.mktemp("review_app")
    listed, store = write_list(folder), folder / "review.sqlite"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_KEY", KEY_HEX)
        ReviewStore(store).close()  # the store's chain is keyed with the app's key
        server = start_review_app(store, listed, port=free_port(), log=folder / "voila.log")
    try:
        yield server, store
    finally:
        server.stop()
    assert server.process.returncode is not None and not server.files.folder.exists()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def signed_in_page(browser, url: str, name: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url)
    sign_in(page, name)
    return page


def sign_in(page, name: str) -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Start reviewing").click()
    page.get_by_text(f"Signed in as {name}.").wait_for()


def choose_child(page, person_id: str) -> None:
    """Pick a child in the Child list by name, as an officer does."""
    name = NAMES[person_id]
    children = page.get_by_role("listbox", name="Child")
    # ipywidgets writes the option's spaces as no-break spaces; its value keeps plain ones.
    texts = [t.replace("\xa0", " ") for t in children.locator("option").all_inner_texts()]
    children.select_option(value=next(t for t in texts if t.startswith(f"{name},")))
    page.get_by_role("heading", name=name, exact=True).wait_for()


def ready(page, text: str) -> None:
    """Wait until the kernel holds the decision and reason a click would record.

    A busy kernel makes the browser hold back a control's change while it sends a click at
    once: wait on the line the kernel writes, never on the page's own controls.
    """
    page.get_by_text(f"To record: {text}").wait_for()


def decision_cell(page, person_id: str):
    return page.locator("tr.wb-row", has_text=NAMES[person_id]).locator("td").last


def summary(page) -> dict[str, str]:
    """The child's summary list, term by value."""
    terms = page.locator("dl.wb-summary-list dt").all_inner_texts()
    values = page.locator("dl.wb-summary-list dd").all_inner_texts()
    return dict(zip(terms, values, strict=True))


REASON = re.compile(r"^Reason \(required for")


def rows_shown(page, names: list[str]) -> None:
    """The table lists exactly these children (first column), waiting for it to catch up: the
    line "Page 1 of 1 · N rows that match" and the table are two widgets, updated one after the
    other (a fresh clone's CI once read the table before it changed)."""
    from playwright.sync_api import expect

    expect(page.locator("tr.wb-row td:first-child")).to_have_text(names)


@pytest.mark.browser
def test_officer_finds_a_child_by_name_sees_who_they_are_and_decides(served, browser):
    server, store = served
    page = signed_in_page(browser, server.url, "A. Officer")
    assert page.title() == f"Review: {TITLE} \u2013 Eligibility Workbench"
    assert page.get_by_role("heading", level=1).inner_text() == TITLE
    find = page.get_by_role("textbox", name="Find a child by name")
    find.fill("jones")
    find.press("Enter")
    page.get_by_text("Page 1 of 1 · 1 row that matches (6 on the list)").wait_for()
    rows_shown(page, ["Eve Jones"])
    choose_child(page, "P005")
    shown = summary(page)
    assert {k: shown[k] for k in ("Name", "Age on 1 September 2026", "Parents or carers")} == {
        "Name": "Eve Jones",
        "Age on 1 September 2026": "1 year 7 months",
        "Parents or carers": "Mia Jones",
    }
    assert (shown["Address"], shown["Postcode"], shown["Area (postcode district)"]) == (
        "5 Bay View",
        "FQ1 4JK",
        "FQ1",
    )
    assert shown["Other children in the household"] == "Gus Jones (4 years 6 months)"

    page.get_by_role("radio", name="Not eligible").check()
    reason = page.get_by_role("textbox", name=REASON)
    reason.fill("family moved out of the area")
    reason.press("Tab")  # the text reaches the kernel when the field is left
    ready(page, "not eligible for Eve Jones, reason: \u201cfamily moved out of the area\u201d.")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("Recorded not eligible for Eve Jones by A. Officer.").wait_for()
    page.get_by_text("To record: no decision chosen yet").wait_for()  # the form is reset
    assert not page.get_by_role("radio", name="Not eligible").is_checked()
    assert page.get_by_role("textbox", name=REASON).input_value() == ""

    page.reload()
    sign_in(page, "A. Officer")
    page.get_by_role("combobox", name="Tier").select_option(label="possible")
    page.get_by_text("Page 1 of 1 · 2 rows that match (6 on the list)").wait_for()
    rows_shown(page, ["Cara Smith", "Eve Jones"])
    assert decision_cell(page, "P005").inner_text() == "not eligible"
    page.get_by_role("checkbox", name="Not yet decided only").check()
    page.get_by_text("Page 1 of 1 · 1 row that matches (6 on the list)").wait_for()
    page.context.close()
    stored = decisions_about(store, "P005")
    assert stored.select("decision", "reviewer", "reason").rows() == [
        ("not_eligible", "A. Officer", "family moved out of the area")
    ]
    with ReviewStore(store, key=bytes.fromhex(KEY_HEX)) as opened:
        views = opened.access_log().filter(pl.col("command") == "review view")["detail"]
    assert any(v.endswith(f", child {item_of('P005')}") for v in views.to_list())


@pytest.mark.browser
def test_recording_without_a_decision_shows_an_error_summary_with_the_focus(served, browser):
    server, store = served
    page = signed_in_page(browser, server.url, "G. Officer")
    choose_child(page, "P003")
    page.get_by_role("button", name="Record decision").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "There is a problem" in alert.inner_text()
    assert "Choose a decision" in alert.inner_text()
    page.wait_for_function("document.activeElement.classList.contains('wb-error-summary')")
    page.keyboard.press("Tab")  # the focus is visible: GOV.UK's yellow outline
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert outline == "rgb(255, 221, 0)", outline
    REPORTS.mkdir(exist_ok=True)
    choose_child(page, "P002")
    # The whole page; docs/review_page.png is a copy (the test does not rewrite the docs).
    page.set_viewport_size({"width": 1280, "height": 2900})
    page.screenshot(path=str(REPORTS / "review_page.png"))
    page.context.close()
    assert decisions_about(store, "P003").height == 0


@pytest.mark.browser
def test_two_officers_deciding_at_once_lose_nothing(served, browser):
    server, store = served
    first = signed_in_page(browser, server.url, "B. Officer")
    second = signed_in_page(browser, server.url, "C. Officer")
    choose_child(first, "P001")
    choose_child(second, "P002")
    for page, name in ((first, "Amy Lee"), (second, "Ben Okafor")):
        page.get_by_role("radio", name="Contact").check()
        ready(page, f"contact for {name}, no reason given.")
    record = first.get_by_role("button", name="Record decision")
    record_too = second.get_by_role("button", name="Record decision")
    record.click()  # both kernels write without waiting for each other
    record_too.click()
    first.get_by_text("Recorded contact for Amy Lee by B. Officer.").wait_for()
    second.get_by_text("Recorded contact for Ben Okafor by C. Officer.").wait_for()

    first.reload()
    sign_in(first, "B. Officer")
    assert decision_cell(first, "P002").inner_text() == "contact"  # the other's decision shows
    first.context.close()
    second.context.close()
    assert decisions_about(store, "P001").select("decision", "reviewer").rows() == [
        ("contact", "B. Officer")
    ]
    assert decisions_about(store, "P002").select("decision", "reviewer").rows() == [
        ("contact", "C. Officer")
    ]
    with ReviewStore(store, key=bytes.fromhex(KEY_HEX)) as opened:
        assert opened.verify_chain().ok


@pytest.mark.browser
def test_a_page_whose_kernel_died_says_so_and_records_nothing(served, browser):
    # Voilà restarts a killed kernel, but the page's widgets were the dead one's: a click
    # would record nothing and say nothing. The page says so, and nothing on it can be used.
    server, store = served
    page = signed_in_page(browser, server.url, "K. Officer")
    choose_child(page, "P003")
    page.get_by_role("radio", name="Contact").check()
    ready(page, "contact for Cara Smith, no reason given.")
    kernel = json.loads(page.locator("#jupyter-config-data").inner_text())["kernelId"]
    [pid] = [
        int(p)
        for p in subprocess.run(
            ["pgrep", "-f", kernel], capture_output=True, text=True, check=True
        ).stdout.split()
    ]
    os.kill(pid, signal.SIGKILL)  # the out-of-memory killer

    alert = page.get_by_role("alert").filter(has_text="This page has stopped working")
    alert.wait_for(timeout=30_000)
    assert "would not be recorded" in alert.inner_text()
    assert "Reload the page" in alert.inner_text()
    page.wait_for_function("document.activeElement.classList.contains('wb-kernel-lost')")
    # Everything but the message is inert: a click never reaches the button.
    with pytest.raises(Exception, match="Timeout"):
        page.get_by_role("button", name="Record decision").click(timeout=2_000)
    page.context.close()
    assert decisions_about(store, "P003").height == 0


@pytest.mark.browser
def test_a_page_whose_app_has_stopped_says_so(tmp_path: Path, browser, monkeypatch):
    # `review serve` ended (or the server restarted) while an officer's page was open: the
    # page asks the app for its kernel every few seconds, and says when it cannot.
    monkeypatch.setenv("WORKBENCH_KEY", KEY_HEX)
    listed, store = write_list(tmp_path), tmp_path / "review.sqlite"
    ReviewStore(store).close()
    server = start_review_app(store, listed, port=free_port(), log=tmp_path / "voila.log")
    try:
        page = signed_in_page(browser, server.url, "S. Officer")
        choose_child(page, "P003")
    finally:
        server.stop()
    alert = page.get_by_role("alert").filter(has_text="This page has lost the review app")
    alert.wait_for(timeout=30_000)
    assert "would not be recorded" in alert.inner_text()
    page.wait_for_function("document.activeElement.classList.contains('wb-kernel-lost')")
    page.context.close()


@pytest.mark.browser
def test_every_control_has_an_accessible_name(served, browser):
    server, _ = served
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url)
    page.get_by_role("button", name="Start reviewing").wait_for()
    assert controls(context, page) == [("button", "Start reviewing"), ("textbox", "Your name")]
    sign_in(page, "E. Officer")
    needed = " and ".join(d.replace("_", " ") for d in REASON_REQUIRED)
    radios = [("radio", d.replace("_", " ").capitalize()) for d in DECISIONS]
    assert controls(context, page) == sorted(
        [
            ("button", "Next page"),
            ("button", "Previous page"),
            ("button", "Record decision"),
            ("checkbox", "Not yet decided only"),
            ("combobox", "Already funded"),
            ("combobox", "Area (postcode district)"),
            ("combobox", "Reason"),
            ("combobox", "Sort by"),
            ("combobox", "Tier"),
            ("listbox", "Child"),
            ("spinbutton", "Page"),
            ("textbox", "Find a child by name"),
            ("textbox", f"Reason (required for {needed})"),
            ("textbox", "Your name"),
            *radios,
        ]
    )
    context.close()


def controls(context, page) -> list[tuple[str, str]]:
    """Every control Chromium's accessibility tree shows, with its computed name."""
    tree = context.new_cdp_session(page).send("Accessibility.getFullAXTree")
    found = [
        (node["role"]["value"], node.get("name", {}).get("value", ""))
        for node in tree["nodes"]
        if not node.get("ignored") and node.get("role", {}).get("value") in CONTROL_ROLES
    ]
    return sorted(found)


FOCUSED_NAME = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "";
  if (e.labels && e.labels.length) return e.labels[0].innerText.trim();
  return (e.getAttribute("aria-label") || e.innerText || "").trim();
}"""


def tab_to(page, name: str, presses: int = 60) -> None:
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_NAME) == name:
            return
    raise AssertionError(f"Tab never reached a control named {name!r}")


@pytest.mark.browser
def test_an_officer_can_sign_in_and_decide_with_the_keyboard_alone(served, browser):
    server, store = served
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url)
    page.get_by_role("button", name="Start reviewing").wait_for()
    tab_to(page, "Your name")
    page.keyboard.type("D. Officer")
    tab_to(page, "Start reviewing")
    page.keyboard.press("Enter")
    page.get_by_text("Signed in as D. Officer.").wait_for()

    tab_to(page, "Find a child by name")
    page.keyboard.type("patel")
    page.keyboard.press("Enter")
    page.get_by_text("Page 1 of 1 · 1 row that matches (6 on the list)").wait_for()
    tab_to(page, "Child")  # the officer picks the child: none is picked for them
    page.keyboard.press("ArrowDown")
    page.get_by_role("heading", name="Dev Patel", exact=True).wait_for()
    tab_to(page, "Already in touch")
    page.keyboard.press("Space")
    tab_to(page, REASON_LABEL)
    page.keyboard.type("the family has a place arranged")
    tab_to(page, "Record decision")
    ready(
        page, "already in touch for Dev Patel, reason: \u201cthe family has a place arranged\u201d."
    )
    page.keyboard.press("Enter")
    page.get_by_text("Recorded already in touch for Dev Patel by D. Officer.").wait_for()
    context.close()
    assert decisions_about(store, "P004").select("decision", "reviewer", "reason").rows() == [
        ("already_in_touch", "D. Officer", "the family has a place arranged")
    ]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def status_of(url: str, **headers: str) -> tuple[int, str, str]:
    """The status, Location header and body of a GET, without following redirects."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, "", response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers.get("Location", ""), ""


@pytest.mark.browser
def test_a_request_without_the_token_is_refused(served):
    server, _ = served
    base = server.url.split("?")[0]
    assert status_of(base)[:2] == (302, "/login?next=%2F")
    assert status_of(base + "?token=wrong")[:2] == (302, "/login?next=%2F%3Ftoken%3Dwrong")
    assert status_of(base + "api/kernels")[:2] == (302, "/login?next=%2Fapi%2Fkernels")
    assert status_of(base + "voila/files/review_app.json")[0] == 403  # config never served
    assert status_of(server.url)[0] == 200
    # A sign-in proxy can add the token itself, so officers never see it:
    assert status_of(base, Authorization=f"token {server.token}")[0] == 200
    assert status_of(base, Authorization="token wrong")[0] == 302
    assert server.token not in " ".join(server.process.args)  # not shown by `ps`
    assert (server.files.folder / "voila.json").stat().st_mode & 0o777 == 0o600
    assert server.log.stat().st_mode & 0o777 == 0o600  # Voilà's log is owner-only
    assert server.token not in server.log.read_text(encoding="utf-8")


def kernel_status(server: ReviewServer, kernel: str) -> int:
    """200 while the kernel runs, 404 once it has been shut down."""
    url = server.url.split("?")[0] + f"api/kernels/{kernel}"
    return status_of(url, Authorization=f"token {server.token}")[0]


@pytest.mark.browser
def test_a_kernel_is_shut_down_only_by_a_request_with_the_pages_xsrf_cookie(served):
    """As a page closes, Voilà posts its kernel's shutdown with the value of the page's
    `_xsrf` cookie (Jupyter's check against another site's request). The page gets the
    cookie as it loads; a request without its value is still refused, and the kernel kept."""
    server, _ = served
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(server.url, timeout=120) as response:
        page = response.read().decode("utf-8")
    found = re.search(r'"kernelId": "([0-9a-f-]{36})"', page)
    assert found is not None
    kernel = found.group(1)
    cookies = {cookie.name: cookie.value or "" for cookie in jar}
    assert "_xsrf" in cookies, cookies.keys()
    shutdown = server.url.split("?")[0] + f"voila/api/shutdown/{kernel}"

    def post(xsrf: str) -> int:
        form = urllib.parse.urlencode({"_xsrf": xsrf}).encode()
        try:
            with opener.open(urllib.request.Request(shutdown, data=form), timeout=30) as done:
                return done.status
        except urllib.error.HTTPError as refused:
            return refused.code

    assert post("") == 403  # what Voilà sent when the page had no cookie
    assert post("2|00000000|" + "0" * 32 + "|1") == 403  # a guess at it
    assert kernel_status(server, kernel) == 200
    assert post(cookies["_xsrf"]) == 204
    assert kernel_status(server, kernel) == 404
    hooks = server.files.folder / "voila_hooks" / "voila.py"
    assert hooks.stat().st_mode & 0o777 == 0o600
    assert status_of(server.url.split("?")[0] + "voila/files/voila_hooks/voila.py")[0] == 403


@pytest.mark.browser
def test_a_closed_page_has_its_kernel_shut_down_at_once(served, browser):
    """Each page's kernel holds about 160 MB: closing the page frees it within seconds, not
    at the idle cull minutes later."""
    server, _ = served
    page = signed_in_page(browser, server.url, "C. Officer")
    kernel = json.loads(page.locator("#jupyter-config-data").inner_text())["kernelId"]
    assert kernel_status(server, kernel) == 200
    page.close(run_before_unload=True)
    deadline = time.monotonic() + 20
    while kernel_status(server, kernel) == 200 and time.monotonic() < deadline:
        time.sleep(0.25)
    assert kernel_status(server, kernel) == 404
    page.context.close()


@pytest.mark.browser
def test_the_page_loads_nothing_from_outside_and_sends_no_referrer(served, browser):
    server, _ = served
    base = server.url.split("?")[0]
    context = browser.new_context()
    page = context.new_page()
    answered: list[str] = []
    failed: dict[str, str] = {}
    page.on("response", lambda response: answered.append(response.url))
    page.on("requestfailed", lambda request: failed.update({request.url: request.failure}))
    response = page.goto(server.url)
    sign_in(page, "F. Officer")
    choose_child(page, "P001")
    page_html = page.content()
    context.close()
    assert answered and [url for url in answered if not url.startswith(base)] == []
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "https:" not in policy
    # The app's template drops Voilà's links to a CDN: nothing outside is even asked for.
    assert {url: why for url, why in failed.items() if not url.startswith(base)} == {}
    assert "cdn.jsdelivr.net" not in page_html


def test_serving_a_store_keyed_with_another_key_is_refused_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    listed, store = write_list(tmp_path), tmp_path / "review.sqlite"
    ReviewStore(store, key=b"\x02" * 32).close()  # made with another pseudonym key
    monkeypatch.setenv("WORKBENCH_KEY", KEY_HEX)
    with pytest.raises(WorkbenchError, match="the decision chain is keyed with another key"):
        prepare_review_app(store, listed, folder=tmp_path / "app")


@pytest.mark.browser
def test_enter_in_your_name_starts_reviewing(served, browser):
    server, _ = served
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url)
    name = page.get_by_label("Your name")
    name.fill("L. Officer")
    name.press("Enter")
    page.get_by_text("Signed in as L. Officer.").wait_for()
    assert page.get_by_role("alert").count() == 0  # not "Enter your name"
    context.close()


@pytest.mark.browser
def test_without_javascript_the_page_says_what_to_do(served, browser):
    server, _ = served
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url)
    alert = page.get_by_role("alert")
    assert alert.get_by_role("heading").inner_text() == "This review page needs JavaScript"
    assert "workbench review export" in alert.inner_text()
    assert not page.get_by_text("Running").is_visible()  # no spinner turning for ever
    context.close()


@pytest.mark.browser
def test_a_child_chosen_then_left_for_the_next_page_gets_no_decision(served, browser):
    # A tester's case: a choice made for one child, then "Next page", then "Record decision",
    # was recorded against a child picked by the app. Here: another child picked instead.
    server, store = served
    before = [decisions_about(store, p).height for p in ("P002", "P003")]  # other tests'
    page = signed_in_page(browser, server.url, "H. Officer")
    choose_child(page, "P003")
    page.get_by_role("radio", name="Not eligible").check()
    reason = page.get_by_role("textbox", name=REASON)
    reason.fill("family moved to Leeds")
    reason.press("Tab")
    ready(page, "not eligible for Cara Smith, reason: \u201cfamily moved to Leeds\u201d.")
    choose_child(page, "P002")
    page.get_by_text("Your unrecorded choice for Cara Smith").wait_for()
    assert not page.get_by_role("radio", name="Not eligible").is_checked()
    assert page.get_by_role("textbox", name=REASON).input_value() == ""
    page.get_by_role("button", name="Record decision").click()
    page.get_by_role("alert").filter(has_text="Choose a decision").wait_for()
    page.context.close()
    assert [decisions_about(store, p).height for p in ("P002", "P003")] == before


@pytest.mark.browser
def test_the_decision_radios_are_a_group_named_decision(served, browser):
    # A screen reader announces the group's name before the choices (WCAG 1.3.1); ipywidgets
    # leaves the description "Decision" beside the radios, connected to nothing.
    server, _ = served
    page = signed_in_page(browser, server.url, "F. Officer")
    group = page.get_by_role("radiogroup", name="Decision", exact=True)
    radios = group.get_by_role("radio").all()
    assert [r.evaluate("e => e.labels[0].innerText.trim()") for r in radios] == [
        d.replace("_", " ").capitalize() for d in DECISIONS
    ]
    page.context.close()
