"""The review app in a real browser: Voilà serving the review panel, driven by Chromium.

Voilà starts once for the module on a free port, over a hand-made list of six children in a
fresh store; each test decides on different children, so the tests do not depend on order.
The browser tests are skipped (with the reason) only when Debian's Chromium or Playwright is
missing; `make test` installs Chromium where it can.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as widgets
import polars as pl
import pytest

from workbench.errors import DataFileError, UsageError, WorkbenchError
from workbench.review import ReviewStore, pseudonym
from workbench.review.app import (
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
CONTROL_ROLES = {"textbox", "combobox", "button", "checkbox", "listbox", "spinbutton", "slider"}

LIST_CSV = """
person_id,dwp_record_id,initiative,tier,reason_codes,eligible_from,already_funded,review_status,eligible_to,evidence,link_needs_review,rule_set,run_id
P001,,two_year_old,likely,income_support,2026-09-01,false,pending_review,2027-08-31,income_support: award A1 of parent/carer Q1,false,two_year_old@2026.11.1,run-app-1
P002,,two_year_old,likely,universal_credit_low_income,2026-09-01,false,pending_review,2027-08-31,universal_credit_low_income: award A2 of parent/carer Q2,false,two_year_old@2026.11.1,run-app-1
P003,,two_year_old,possible,,2027-01-01,false,pending_review,2027-12-31,,false,two_year_old@2026.11.1,run-app-1
P004,,two_year_old,likely,looked_after,2027-01-01,true,pending_review,2027-12-31,looked_after: status S4 of child P004,false,two_year_old@2026.11.1,run-app-1
P005,,two_year_old,possible,,2027-04-01,false,pending_review,2028-03-31,,false,two_year_old@2026.11.1,run-app-1
,D0007,two_year_old,likely,dwp_list,2026-09-01,false,pending_review,2027-08-31,dwp_list: DWP list row D0007,true,two_year_old@2026.11.1,run-app-1
"""  # noqa: E501
MANIFEST = {"run_id": "run-app-1", "rule_set": "two_year_old@2026.11.1", "inputs": {}}


def write_list(folder: Path) -> Path:
    """The hand-made list and the manifest `assess` would write beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    listed = folder / "list.csv"
    listed.write_text(textwrap.dedent(LIST_CSV).lstrip("\n"), encoding="utf-8")
    (folder / "list.csv.manifest.json").write_text(json.dumps(MANIFEST), encoding="utf-8")
    return listed


def item_of(person_id: str) -> str:
    return pseudonym("person", person_id, bytes.fromhex(KEY_HEX))


def decisions_about(store_path: Path, person_id: str) -> pl.DataFrame:
    with ReviewStore(store_path) as store:
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


def test_sigterm_stops_voila_and_frees_the_port(tmp_path: Path):
    listed, store = write_list(tmp_path), tmp_path / "review.sqlite"
    ReviewStore(store, key=bytes.fromhex(KEY_HEX)).close()
    port = free_port()
    env = {**os.environ, "WORKBENCH_KEY": KEY_HEX, "WORKBENCH_REVIEW_TOKEN": "ab" * 16}
    command = [sys.executable, "-m", "workbench", "--quiet", "review", "serve"]
    command += ["--store", str(store), "--list", str(listed), "--port", str(port)]
    serving = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        first = serving.stdout.readline()
        assert first.startswith("Review app for list l-") and first.endswith(
            f"http://127.0.0.1:{port}/\n"
        ), first  # a token from the environment is not printed
        serving.send_signal(signal.SIGTERM)
        assert serving.wait(timeout=30) == 0
    finally:
        serving.kill()
    with socket.socket() as probe:  # nothing listens there any more: Voilà went with it
        assert probe.connect_ex(("127.0.0.1", port)) != 0


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
    }
    assert str(files.config) in files.notebook.read_text(encoding="utf-8")
    assert "P001" not in files.notebook.read_text(encoding="utf-8")  # no personal data in it
    monkeypatch.setenv("WORKBENCH_KEY", "22" * 32)
    with pytest.raises(WorkbenchError, match="pseudonym key differs"):
        prepare_review_app(store, listed, folder=tmp_path / "app2")


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
    children = page.get_by_role("listbox", name="Child")
    label = next(t for t in children.locator("option").all_inner_texts() if t.startswith(person_id))
    children.select_option(label=label)
    page.get_by_role("heading", name=f"{person_id}:").wait_for()


def ready(page, text: str) -> None:
    """Wait until the kernel holds the decision and reason a click would record.

    A busy kernel makes the browser hold back a control's change while it sends a click at
    once: wait on the line the kernel writes, never on the page's own controls.
    """
    page.get_by_text(f"To record: {text}").wait_for()


def decision_cell(page, person_id: str):
    return page.locator("tr.wb-row", has_text=person_id).locator("td").last


@pytest.mark.browser
def test_officer_filters_records_a_decision_and_finds_it_after_reload(served, browser):
    server, store = served
    page = signed_in_page(browser, server.url, "A. Officer")
    page.get_by_role("combobox", name="Tier").select_option(label="possible")
    page.get_by_text("Page 1 of 1 · 2 rows shown of 6").wait_for()
    assert page.locator("tr.wb-row td:first-child").all_inner_texts() == ["P003", "P005"]

    choose_child(page, "P005")
    page.get_by_role("combobox", name="Decision").select_option(label="not eligible")
    reason = page.get_by_role("textbox", name="Reason (required")
    reason.fill("family moved out of the area")
    reason.press("Tab")  # the text reaches the kernel when the field is left
    ready(page, "not eligible for P005, reason: \u201cfamily moved out of the area\u201d.")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("Recorded not eligible for P005 by A. Officer.").wait_for()

    page.reload()
    sign_in(page, "A. Officer")
    assert decision_cell(page, "P005").inner_text() == "not eligible"
    REPORTS.mkdir(exist_ok=True)
    page.screenshot(path=str(REPORTS / "review_app.png"))
    page.context.close()
    stored = decisions_about(store, "P005")
    assert stored.select("decision", "reviewer", "reason").rows() == [
        ("not_eligible", "A. Officer", "family moved out of the area")
    ]


@pytest.mark.browser
def test_two_officers_deciding_at_once_lose_nothing(served, browser):
    server, store = served
    first = signed_in_page(browser, server.url, "B. Officer")
    second = signed_in_page(browser, server.url, "C. Officer")
    choose_child(first, "P001")
    choose_child(second, "P002")
    record = first.get_by_role("button", name="Record decision")
    record_too = second.get_by_role("button", name="Record decision")
    record.click()  # both kernels write without waiting for each other
    record_too.click()
    first.get_by_text("Recorded contact for P001 by B. Officer.").wait_for()
    second.get_by_text("Recorded contact for P002 by C. Officer.").wait_for()

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
def test_every_control_has_an_accessible_name(served, browser):
    server, _ = served
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url)
    page.get_by_role("button", name="Start reviewing").wait_for()
    assert controls(context, page) == [("button", "Start reviewing"), ("textbox", "Your name")]
    sign_in(page, "E. Officer")
    assert controls(context, page) == [
        ("button", "Next page"),
        ("button", "Previous page"),
        ("button", "Record decision"),
        ("checkbox", "Undecided only"),
        ("combobox", "Decision"),
        ("combobox", "Reason"),
        ("combobox", "Sort by"),
        ("combobox", "Tier"),
        ("listbox", "Child"),
        ("spinbutton", "Page"),
        ("textbox", "Reason (required for not eligible and link rejected)"),
        ("textbox", "Your name"),
    ]
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


def tab_to(page, name: str, presses: int = 40) -> None:
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

    tab_to(page, "Child")  # the list of children: P001, P002, D0007, P004, ...
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.get_by_role("heading", name="P004:").wait_for()
    tab_to(page, "Decision")
    page.keyboard.press("ArrowDown")  # contact -> not eligible
    page.keyboard.press("ArrowDown")  # -> already in touch
    tab_to(page, "Reason (required for not eligible and link rejected)")
    page.keyboard.type("the family has a place arranged")
    tab_to(page, "Record decision")
    ready(page, "already in touch for P004, reason: \u201cthe family has a place arranged\u201d.")
    page.keyboard.press("Enter")
    page.get_by_text("Recorded already in touch for P004 by D. Officer.").wait_for()
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
    context.close()
    assert answered and [url for url in answered if not url.startswith(base)] == []
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "https:" not in policy
    # Voilà's template still links a CDN stylesheet; the policy stops the browser fetching it.
    outside = {url: why for url, why in failed.items() if not url.startswith(base)}
    assert outside and all("csp" in why for why in outside.values()), outside


def test_serving_a_store_keyed_with_another_key_is_refused_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    listed, store = write_list(tmp_path), tmp_path / "review.sqlite"
    ReviewStore(store, key=b"\x02" * 32).close()  # made with another pseudonym key
    monkeypatch.setenv("WORKBENCH_KEY", KEY_HEX)
    with pytest.raises(WorkbenchError, match="the decision chain is keyed with another key"):
        prepare_review_app(store, listed, folder=tmp_path / "app")
