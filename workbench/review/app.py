"""The review app: the review panel served as a web page for early years officers.

`workbench review serve` checks the decision store and the list, writes a one-cell notebook
and a small JSON configuration into a private folder, and runs Voilà over it: each browser
page gets its own kernel running :func:`review_app`, which asks for the reviewer's name once
(or takes it from the sign-in in front of Voilà) and shows :class:`ReviewPanel`. No code is
shown; Jupyter's token authentication is always on; Voilà listens on localhost unless told
otherwise. Every page writes to the same SQLite store, whose write transactions and hash
chain keep simultaneous decisions from being lost or duplicated.

Example
-------
>>> reviewer_from_login({"JUPYTERHUB_USER": "a.officer"}, user_header=None)
'a.officer'
>>> reviewer_from_login({"HTTP_X_FORWARDED_USER": "b.officer"}, user_header="X-Forwarded-User")
'b.officer'
>>> reviewer_from_login({}, user_header=None) is None
True
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import nbformat

from workbench.errors import UsageError, WorkbenchError
from workbench.review.details import read_child_details
from workbench.review.keys import load_key
from workbench.review.list_data import list_data_folder, places_not_known
from workbench.review.lists import read_list_file, register_list_file, review_candidates
from workbench.review.panel import PANEL_STYLE, ReviewPanel, error_summary
from workbench.review.schema import NAME_WANTED, names_someone, why_not_a_name
from workbench.review.store import ReviewStore, existing_store

__all__ = [
    "APP_NOTEBOOK",
    "JUPYTERHUB_LINES",
    "PAGE_HEADERS",
    "SERVER_CONFIG_FOLDER",
    "AppFiles",
    "ReviewServer",
    "prepare_review_app",
    "review_app",
    "reviewer_from_login",
    "serve_review_app",
    "start_review_app",
]

APP_NOTEBOOK = "review_app.ipynb"
APP_CONFIG = "review_app.json"
VOILA_CONFIG = "voila.json"
SERVER_CONFIG_FOLDER = "jupyter_config"
"""Inside an app folder: ``jupyter_server_config.json`` for a Jupyter server that serves the
app through Voilà's server extension (JupyterHub's single-user servers): the page headers
(`PAGE_HEADERS`) and the app's template, read when ``JUPYTER_CONFIG_PATH`` names the folder."""
JUPYTERHUB_LINES = "jupyterhub_config_lines.py"
HUB_USER_ENV = "JUPYTERHUB_USER"  # set by JupyterHub in each signed-in user's server
IDLE_KERNEL_SECONDS = 180
"""How long a kernel with no page connected to it (and idle) is kept: each page's kernel holds
about 160 MB, and a tester's 12 page loads held 1.9 GB for the 15 minutes this was. A page
closed or reloaded asks Voilà to shut its kernel down at once (`VOILA_HOOKS`); this frees one
whose page could not ask (a browser that crashed, a laptop shut, a network gone) within about
four minutes (the culler looks every minute). A page still open is never culled
(``cull_connected`` stays False), however long the officer reads."""
VOILA_HOOKS = "voila_hooks"
"""Inside an app folder being served: ``voila.py``, Voilà's configuration in Python
(`VOILA_HOOKS_TEXT`), found through ``JUPYTER_CONFIG_PATH``. Not beside ``voila.json``: in
Voilà's working folder, a ``voila.py`` is what ``python -m voila`` would run instead of Voilà."""
VOILA_HOOKS_TEXT = '''"""The review app's Voilà hook, written by `workbench review serve` (code,
which voila.json cannot hold)."""


def set_xsrf_cookie(handler, notebook, cwd):
    """Give the page Jupyter's `_xsrf` cookie as it loads, as every Jupyter page gets it.

    As a page closes, Voilà asks the server to shut its kernel down with a POST that carries
    the `_xsrf` cookie's value (its beforeunload handler). Voilà's own page handler never
    asks for the XSRF token, so the cookie was never set and the server refused the request
    (403): a closed page's kernel (about 160 MB) stayed until the idle cull. Asking for the
    token sets the cookie; the check is tornado's, unchanged (another site can neither read
    the cookie nor send a request carrying its value).
    """
    handler.xsrf_token
    return None


c = get_config()  # noqa: F821 (traitlets' config files are given get_config)
c.VoilaConfiguration.prelaunch_hook = set_xsrf_cookie
'''
"""``voila.py`` in `VOILA_HOOKS`: the hook that sets Jupyter's ``_xsrf`` cookie on the page as
it loads, so that Voilà's own request to shut a page's kernel down as the page closes is
accepted. Jupyter's check of that cookie stays on for every request."""
STARTUP_SECONDS = 90  # Voilà imports jupyter_server and friends; slow disks take a while
MIN_TOKEN_CHARS = 32  # 128 bits as hex; the default token is 48 hex characters (192 bits)
STOP_SECONDS = 15
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)  # both stop Voilà and wait for the port
TEMPLATE = "workbench"
TEMPLATE_ROOT = Path(__file__).with_name("jupyter")
"""Holds ``voila/templates/workbench``: Voilà's lab page without its CDN links, in British
English, moving the focus to an error summary when one appears."""
PAGE_HEADERS = {
    # Nothing is loaded from anywhere but the app itself: Voilà's page template links icon
    # fonts on a public CDN, which would tell that CDN who opens the app and when.
    "Content-Security-Policy": "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline' 'unsafe-eval'",  # Voilà's own inline scripts
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",  # the kernel's websocket, on this origin
            "frame-ancestors 'self'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    ),
    "Referrer-Policy": "no-referrer",  # the address (with its token) never leaves in a link
}
"""Headers on every response of the review app."""


def _header_env(header: str) -> str:
    """The variable Voilà puts a request header in (RFC 3875: ``HTTP_`` + upper, ``-`` as ``_``)."""
    return "HTTP_" + header.upper().replace("-", "_")


def reviewer_from_login(environ: Mapping[str, str], user_header: str | None) -> str | None:
    """The signed-in user's name, when a sign-in in front of the app gives one.

    The trusted proxy header (only when ``user_header`` is configured) comes first, then
    JupyterHub's ``JUPYTERHUB_USER``; None means the app asks for the name.
    """
    names = [environ.get(_header_env(user_header), "")] if user_header else []
    names.append(environ.get(HUB_USER_ENV, ""))
    return next((n.strip() for n in names if n.strip()), None)


def _alert(message: str) -> str:
    return error_summary([message])


def _open_panel(config: Mapping[str, Any], reviewer: str) -> widgets.Widget:
    store = ReviewStore(existing_store(Path(config["store"])))
    listed = read_list_file(config["list_file"])
    key = load_key()
    # Read once for this page: who each child is, from the list's own (unchanged) data folder.
    details = read_child_details(listed, key, config.get("data"))
    # As the outreach export's caution: no places for the term, "already funded: no" says
    # nothing (read from the same folder, checked as the details were).
    unknown = places_not_known(list_data_folder(listed, config.get("data")), listed)
    panel = ReviewPanel(
        store,
        config["list_id"],
        listed.candidates,
        reviewer=reviewer,
        key=key,
        not_listed=listed.not_listed,
        details=details,
        places_not_known=unknown,
    )
    return panel.widget  # the panel's text fields already sync only when left


def _sync_on_change(text: widgets.Text | widgets.Textarea) -> None:
    """Send typed text to the kernel when the field is left, not while typing.

    While typing, ipywidgets holds back value updates until the kernel is idle, but a button
    click is sent at once: typing fast and pressing Record could store half a reason. A field
    that syncs on change (when left, which pressing a button does) has no such race.
    """
    text.continuous_update = False


def review_app(config_path: str | Path) -> widgets.Widget:
    """The app's page: the reviewer's name (asked once unless the sign-in gives it), then the
    review panel for the configured store and list.

    Problems (a store that has gone, an unreadable list) are shown on the page, never raised.
    """
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    page = widgets.VBox([], layout=widgets.Layout(width="100%"))
    heading = widgets.HTML("<h1 class='wb-title'>Review a candidate list</h1>")
    started = False  # the panel is shown: the name is asked no more

    def show_panel(name: str) -> None:
        try:
            panel = _open_panel(config, name)
        except (WorkbenchError, OSError) as error:
            message.value = _alert(str(error))
            return
        nonlocal started
        started = True
        signed = widgets.HTML(f"<p>Signed in as <strong>{escape(name)}</strong>.</p>")
        page.children = [signed, panel]  # the panel's own heading names the list

    signed_in = reviewer_from_login(os.environ, config.get("user_header"))
    name = widgets.Text(
        description="Your name",
        placeholder="as it should appear on your decisions",
        style={"description_width": "initial"},
    )
    _sync_on_change(name)
    start = widgets.Button(description="Start reviewing", button_style="primary")
    message = widgets.HTML()

    def on_start(_: Any) -> None:
        if started:
            return  # already started: a click after Enter, or Enter twice
        typed = name.value.strip()
        if not typed:
            message.value = _alert("Enter your name: every decision records who made it.")
        elif not names_someone(typed):
            message.value = _alert(
                f"‘{typed}’ is not a person's name: it {why_not_a_name(typed)}; {NAME_WANTED}: "
                "every decision records who made it."
            )
        else:
            show_panel(typed)

    start.on_click(on_start)
    # Enter in "Your name" starts too: the page's enter_starts.js sends the typed name, then
    # clicks "Start reviewing" (ipywidgets' own Enter message arrives before the name does).
    intro = widgets.HTML(
        "<p>Enter your name once: it is recorded with every decision you make on this page.</p>"
    )
    style = widgets.HTML(PANEL_STYLE)
    page.children = [style, heading, message, intro, name, start]
    if signed_in and not names_someone(signed_in):
        # Not a name to record decisions under, nor one to swap for a typed name: the
        # sign-in is what names the officer.
        page.children = [
            style,
            heading,
            widgets.HTML(
                _alert(
                    f"The sign-in gave the name ‘{signed_in}’, which is not a person's name "
                    f"(it {why_not_a_name(signed_in)}), and every decision records who made "
                    "it: ask whoever runs the app to have "
                    "the sign-in give officers' names as colleagues know them, e.g. "
                    "'A. Officer'. No decision can be recorded until it does."
                )
            ),
        ]
    elif signed_in:
        show_panel(signed_in)
    elif config.get("user_header"):
        # Behind a sign-in the name comes from the request, never from the page: a request
        # without it is refused, not asked to type a name anyone could type.
        page.children = [
            style,
            heading,
            widgets.HTML(
                _alert(
                    f"This page is served behind a sign-in, and the request carried no "
                    f"{config['user_header']} header: sign in again, or ask whoever runs the "
                    "app to check the proxy. No decision can be recorded without it."
                )
            ),
        ]
    return page


@dataclass(frozen=True)
class AppFiles:
    """The notebook and configuration Voilà serves, in a private folder."""

    folder: Path
    notebook: Path
    config: Path
    list_id: str
    temporary: bool = False  # made by serve for this run: removed when the server stops
    title: str = ""  # the list as officers name it: initiative and term

    @property
    def server_environment(self) -> dict[str, str]:
        """What a Jupyter server serving this app through Voilà's server extension needs in its
        environment (JupyterHub: ``c.Spawner.environment``): where the app's template is, and
        the folder of its server configuration (`SERVER_CONFIG_FOLDER`)."""
        return {
            "JUPYTER_PATH": str(TEMPLATE_ROOT),
            "JUPYTER_CONFIG_PATH": str(self.folder / SERVER_CONFIG_FOLDER),
        }

    def jupyterhub_lines(self) -> str:
        """The lines of ``jupyterhub_config.py`` that serve this app to signed-in officers
        (the pseudonym key is added by whoever runs the hub, from a secret store)."""
        environment = {**self.server_environment, "WORKBENCH_KEY": "<the pseudonym key, hex>"}
        return "\n".join(
            [
                "# The review app, written by `workbench review serve --write-app`.",
                f"c.Spawner.default_url = '/voila/render/{APP_NOTEBOOK}'",
                f"c.Spawner.notebook_dir = {str(self.folder)!r}",
                f"c.Spawner.environment = {environment!r}",
                "",
            ]
        )


def _check_key_fits(store: ReviewStore, list_id: str, candidates: Any, key: bytes) -> None:
    """Refuse a pseudonym key other than the one the list was registered with."""
    keys = set(review_candidates(candidates, key)["item_key"].to_list())
    stored = set(store.items(list_id)["item_key"].to_list())
    if keys and not keys & stored:
        raise WorkbenchError(
            f"list {list_id}: none of its rows match the store's items, so the pseudonym key "
            "differs from the one it was registered with; set WORKBENCH_KEY or "
            "WORKBENCH_KEY_FILE to that key"
        )


def prepare_review_app(
    store: str | Path,
    list_file: str | Path,
    *,
    user_header: str | None = None,
    folder: str | Path | None = None,
    data: str | Path | None = None,
) -> AppFiles:
    """Check the store and list, register the list (once), write the app's notebook and config.

    ``data`` is the data folder the list was made from (default: the one its manifest names);
    its files must be the ones the list was made from, since each page reads who the children
    are from it.

    Raises
    ------
    WorkbenchError
        When the store does not exist, the list or its manifest cannot be read, the
        pseudonym key is not the one the list was registered with, the store's decision
        chain does not verify (e.g. it is keyed with another key), or the data folder is not
        the one the list was made from.
    """
    store_path = existing_store(Path(store).expanduser().resolve())
    list_path = Path(list_file).expanduser().resolve()
    key = load_key()
    with ReviewStore(store_path, key=key) as opened:
        list_id, listed = register_list_file(opened, list_path, key)
        _check_key_fits(opened, list_id, listed.candidates, key)
        chain = opened.verify_chain()  # fail now, not when an officer records a decision
        if not chain.ok:
            raise WorkbenchError(
                f"{store_path}: the decision chain does not verify ({chain.message}); no "
                "decision can be recorded in it. Investigate with `workbench assure --store`"
            )
    # Fail now, not on an officer's page, when the data folder is missing or has changed.
    details = read_child_details(listed, key, data)
    # Absolute: the JupyterHub lines printed for it are read by a hub started elsewhere.
    where = (
        Path(folder).expanduser().absolute()
        if folder
        else Path(tempfile.mkdtemp(prefix="workbench-review-app-"))
    )
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    config = where / APP_CONFIG
    record = {
        "store": str(store_path),
        "list_file": str(list_path),
        "list_id": list_id,
        "user_header": user_header,
        "data": str(details.data.resolve()),
    }
    config.write_text(json.dumps(record, indent=2), encoding="utf-8")
    notebook = where / APP_NOTEBOOK
    cell = nbformat.v4.new_code_cell(
        f"from workbench.review.app import review_app\n\nreview_app({str(config)!r})"
    )
    book = nbformat.v4.new_notebook(
        cells=[cell],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3"},
            "title": f"Review: {details.title} \u2013 Eligibility Workbench",  # the page title
            # Served by any Voilà, the page is the app's own template (no CDN links), and
            # fails rather than fall back to Voilà's when that template cannot be found.
            "voila": {"template": TEMPLATE},
        },
    )
    nbformat.write(book, notebook)
    files = AppFiles(
        where, notebook, config, list_id, temporary=folder is None, title=details.title
    )
    _write_server_config(files)
    return files


def _write_server_config(files: AppFiles) -> None:
    """The app's settings for a Jupyter server that serves it through Voilà's server extension
    (JupyterHub): the headers of every page, the template and no tracebacks on the page; and,
    beside them, the JupyterHub lines that point a single-user server at them."""
    folder = files.folder / SERVER_CONFIG_FOLDER
    # Read by every officer's own server, like the notebook beside it: no personal data in it.
    folder.mkdir(exist_ok=True)
    settings = {
        "ServerApp": {"tornado_settings": {"headers": PAGE_HEADERS}},
        "VoilaConfiguration": {"template": TEMPLATE, "show_tracebacks": False},
    }
    (folder / "jupyter_server_config.json").write_text(
        json.dumps(settings, indent=2) + "\n", encoding="utf-8"
    )
    (files.folder / JUPYTERHUB_LINES).write_text(files.jupyterhub_lines(), encoding="utf-8")


@dataclass
class ReviewServer:
    """A running Voilà serving the review app; ``url`` carries the token."""

    process: subprocess.Popen
    url: str
    token: str
    files: AppFiles
    log: Path | None = field(default=None)

    def stop(self) -> None:
        """Stop Voilà (SIGTERM: it shuts its kernels down; SIGKILL to its process group if it
        has not gone within STOP_SECONDS) and remove a temporary app folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)  # its own session: see start
                self.process.wait()
        if self.files.temporary:
            shutil.rmtree(self.files.folder, ignore_errors=True)


def _write_voila_config(files: AppFiles, token: str) -> None:
    """Put the token in ``voila.json`` in the app's private folder (Voilà reads it from its
    working directory), not on the command line where any local user's ``ps`` shows it; with
    it, the headers every page is served with (`PAGE_HEADERS`); and, in `VOILA_HOOKS`,
    ``voila.py`` (`VOILA_HOOKS_TEXT`), which sets the page's ``_xsrf`` cookie as it loads."""
    path = files.folder / VOILA_CONFIG
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    config = {"token": token, "tornado_settings": {"headers": PAGE_HEADERS}}
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"Voila": config}, handle)
    hooks = files.folder / VOILA_HOOKS / "voila.py"
    hooks.parent.mkdir(mode=0o700, exist_ok=True)
    hooks.unlink(missing_ok=True)
    descriptor = os.open(hooks, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(VOILA_HOOKS_TEXT)


def _voila_command(files: AppFiles, host: str, port: int) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "voila",
        str(files.notebook),
        "--no-browser",
        f"--Voila.ip={host}",
        f"--port={port}",
        "--Voila.port_retries=0",  # a busy port is an error, never a silent move elsewhere
        "--VoilaConfiguration.show_tracebacks=False",
        f"--template={TEMPLATE}",
        # Each page holds a kernel; one whose page has gone is shut down after a while.
        # A page still open is never culled (cull_connected stays False).
        f"--MappingKernelManager.cull_idle_timeout={IDLE_KERNEL_SECONDS}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
    ]
    header = json.loads(files.config.read_text(encoding="utf-8")).get("user_header")
    if header:
        command.append(f"--VoilaConfiguration.http_header_envs={json.dumps([header])}")
    return command


_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


def _stop_with_parent(parent: int) -> Callable[[], None] | None:
    """What Voilà's process runs before it starts (Linux): ask the kernel to send it SIGTERM
    when `serve` dies, however it dies (SIGKILL, out of memory), so that a server holding
    children's details and a valid token never outlives the command the officer stopped.
    SIGTERM stops Voilà as `ReviewServer.stop` does: its kernels are shut down with it.
    None elsewhere (no such call)."""
    if not sys.platform.startswith("linux"):
        return None

    def ask() -> None:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # `serve` died before the request was made
            os.kill(os.getpid(), signal.SIGTERM)

    return ask


def _wait_until_up(process: subprocess.Popen, base: str, log: Path | None) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            lines = log.read_text(encoding="utf-8", errors="replace").split("\n") if log else []
            last = next((line.strip() for line in reversed(lines) if line.strip()), "")
            said = f": {last}" if last else "; see its messages above"
            raise WorkbenchError(
                f"Voilà stopped while starting at {base} (exit {process.returncode}){said}. "
                "Is the port in use? Choose another with --port."
            )
        try:
            with urllib.request.urlopen(base + "login", timeout=2):
                pass
        except urllib.error.HTTPError:
            pass  # it answered
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
            continue
        # The port was free when Voilà started, so the answer is this Voilà's, unless it has
        # just died and another program took the port: only a live process counts.
        time.sleep(0.5)
        if process.poll() is None:
            return
    raise WorkbenchError(f"Voilà did not answer at {base} within {STARTUP_SECONDS} s")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_host(host: str, allow_remote: bool) -> None:
    """Only localhost, unless the caller says a proxy in front terminates TLS: the app speaks
    plain HTTP, so any other address would carry its token and the children's details in
    clear over the network."""
    if not _is_loopback(host) and not allow_remote:
        where = "every interface" if host in ("0.0.0.0", "::", "") else host
        raise UsageError(
            f"{host!r} would serve the app on {where} over plain HTTP; it listens on "
            "localhost only, behind a sign-in proxy that terminates TLS (docs/review_app.md). "
            "If such a proxy reaches it over the network, say so with --allow-remote "
            "(allow_remote=True from Python)",
            parameter="host",
        )


def _check_port_free(host: str, port: int) -> None:
    """Refuse a port something else already listens on, before Voilà starts: its answer
    must never be taken for the app's."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As Voilà binds: a port left in TIME_WAIT by a server just stopped is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host or "0.0.0.0", port))
        except OSError as error:
            raise WorkbenchError(
                f"port {port} on {host} is in use ({error.strerror}); choose another with "
                "--port, or stop what is listening there"
            ) from None


def _url_host(host: str) -> str:
    """The address the app is really reached at, for the banner."""
    if host in ("0.0.0.0", "::", ""):
        return socket.getfqdn()
    return f"[{host}]" if ":" in host else host


def _wait_port_free(host: str, port: int, seconds: float = STOP_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            _check_port_free(host, port)
            return
        except WorkbenchError:
            time.sleep(0.2)


def start_review_app(
    store: str | Path,
    list_file: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8866,
    token: str | None = None,
    user_header: str | None = None,
    log: str | Path | None = None,
    allow_remote: bool = False,
    data: str | Path | None = None,
) -> ReviewServer:
    """Start Voilà serving the review app and return once it answers (see serve_review_app)."""
    if not 0 < port < 65536:
        raise UsageError(f"must be between 1 and 65535; got {port}", parameter="port")
    if token is not None and not token.strip():
        raise UsageError(
            "must not be empty: the app is never served without one", parameter="token"
        )
    if token is not None and len(token.strip()) < MIN_TOKEN_CHARS:
        raise UsageError(
            f"must be at least {MIN_TOKEN_CHARS} characters (128 bits as hex, e.g. from "
            f"`python -c 'import secrets; print(secrets.token_hex(16))'`); got "
            f"{len(token.strip())}. Leave it out for a random one",
            parameter="token",
        )
    _check_host(host, allow_remote)
    _check_port_free(host, port)
    files = prepare_review_app(store, list_file, user_header=user_header, data=data)
    token = token or secrets.token_hex(24)
    _write_voila_config(files, token)
    log_path = Path(log) if log else None
    output = None
    if log_path:  # owner-only: the log holds the addresses pages asked for
        output = os.fdopen(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
    found = [str(TEMPLATE_ROOT), os.environ.get("JUPYTER_PATH", "")]
    configs = [str(files.folder / VOILA_HOOKS), os.environ.get("JUPYTER_CONFIG_PATH", "")]
    process = subprocess.Popen(
        _voila_command(files, host, port),
        cwd=files.folder,
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
        env={
            **os.environ,
            "JUPYTER_PATH": os.pathsep.join(p for p in found if p),
            "JUPYTER_CONFIG_PATH": os.pathsep.join(p for p in configs if p),
        },
        # Its own session: a Ctrl-C at the terminal reaches `serve` alone, which stops Voilà
        # itself (SIGTERM, then the whole group if need be) and waits for the port.
        start_new_session=True,
        preexec_fn=_stop_with_parent(os.getpid()),
    )
    if output:
        output.close()
    base = f"http://{_url_host(host)}:{port}/"
    server = ReviewServer(process, f"{base}?token={token}", token, files, log_path)
    try:
        _wait_until_up(process, base, log_path)
    except BaseException:  # a failure, or SIGTERM/Ctrl-C while starting: Voilà goes too
        server.stop()
        raise
    return server


def serve_review_app(
    store: str | Path,
    list_file: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8866,
    token: str | None = None,
    open_browser: bool = False,
    user_header: str | None = None,
    allow_remote: bool = False,
    data: str | Path | None = None,
) -> None:
    """Serve the review app until interrupted (Ctrl-C, SIGINT or SIGTERM), printing the address
    (with its token); returns once Voilà has stopped and the port is free.

    Parameters
    ----------
    store
        An existing review store (SQLite); the app refuses to start without one.
    list_file
        A list written by `workbench assess` (with its manifest); registered in the store.
    host, port
        Where Voilà listens: localhost by default, so only a sign-in proxy on the same
        machine (or the officer's own browser) can reach it.
    token
        The Jupyter token every request must carry; a random one when None.
    open_browser
        Open the address in this machine's browser.
    user_header
        A request header set by a trusted sign-in proxy (e.g. ``X-Forwarded-User``) whose
        value is taken as the reviewer's name.
    allow_remote
        Listen on an address other than localhost: only behind a proxy that terminates TLS.
    data
        The data folder the list was made from (default: the one its manifest names).
    """
    # SIGTERM stops Voilà as Ctrl-C does, from the start: a signal while Voilà is starting
    # stops it too (start_review_app), never leaving it serving with the token.
    previous = {number: signal.signal(number, _interrupt) for number in STOP_SIGNALS}
    server = None
    try:
        server = start_review_app(
            store,
            list_file,
            host=host,
            port=port,
            token=token,
            user_header=user_header,
            allow_remote=allow_remote,
            data=data,
        )
        if not _is_loopback(host):
            print(
                f"Listening on {host}:{port} over plain HTTP: only a TLS proxy may reach it.",
                flush=True,
            )
        if token is None:
            print(f"Review app for {_named(server.files)}: {server.url}", flush=True)
            print(
                "Keep the address private: its token is the key to the app. Ctrl-C stops.",
                flush=True,
            )
        else:  # the caller has the token: it is not printed where logs would keep it
            address = server.url.split("?", 1)[0]
            print(f"Review app for {_named(server.files)}: {address}", flush=True)
            print("Open it with the token you gave (?token=...). Ctrl-C stops.", flush=True)
        if open_browser:
            webbrowser.open(server.url)
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for number in STOP_SIGNALS:  # a second signal must not cut the stopping short
            signal.signal(number, signal.SIG_IGN)
        if server is not None:
            server.stop()
            _wait_port_free(host, port)
        for number, handler in previous.items():
            signal.signal(number, handler)


def _named(files: AppFiles) -> str:
    """``Two-year-old offer, term starting 1 September 2026 (list l-...)``."""
    return f"{files.title} (list {files.list_id})" if files.title else f"list {files.list_id}"


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
