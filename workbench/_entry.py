"""The `workbench` command's entry point: the command line with less start-up and shut-down.

Two costs of a short command are Python's, not the work's:

- the cyclic garbage collector runs every 700 new container objects by default, and the
  imports a command needs (polars, pydantic, typer) create hundreds of thousands: about a
  fifth of their time went on collections that free nothing. The thresholds are raised
  before anything is imported; the data lives in polars, outside Python's heap, so cycles are
  still collected, just less often;
- at exit the interpreter collects and tears down every module (about 0.1 s after a data
  command). Once the command has finished, its files are written and closed and nothing else
  runs, so the process runs the exit handlers (`atexit`), flushes its output and ends there.
  If another (non-daemon) thread is still alive, or this Python lacks the hook that runs the
  exit handlers, it exits the ordinary way instead;
- (not a cost: a safeguard) a process whose umask lets the group or others write (`umask
  000` in a service's unit) would leave every file it writes outside `restricted/` writable
  by anyone: reports, manifests, the transparency record. The umask is widened to at least
  022 (owner-only files are made 0600 whatever the umask);
- pydantic looks for plugins (third-party hooks that watch every validation) by reading the
  entry points of every installed package the first time a model is built (about 10 ms).
  The command validates only its own rule files and wants no such hooks, so plugins are off
  (`PYDANTIC_DISABLE_PLUGINS=__all__`) unless the variable is already set.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading

# Generation 0 every 100,000 allocations (default 700); the older generations as often
# relative to it as by default, a little less for the oldest.
_THRESHOLDS = (100_000, 10, 20)
_PYDANTIC_PLUGINS = "PYDANTIC_DISABLE_PLUGINS"


def _exit_status(stop: SystemExit) -> int:
    """The status `sys.exit(code)` gives: None is 0, a number itself, anything else printed
    to stderr and 1 (as the interpreter does)."""
    code = stop.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _can_end_quickly() -> bool:
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    return hasattr(atexit, "_run_exitfuncs") and not any(not t.daemon for t in others)


def main() -> None:
    """Run the command line (`workbench.cli.main`), then end the process without teardown."""
    gc.set_threshold(*_THRESHOLDS)
    os.umask(os.umask(0o022) | 0o022)  # never group- or world-writable
    os.environ.setdefault(_PYDANTIC_PLUGINS, "__all__")
    from workbench.cli import main as run

    try:
        run()
        status = 0
    except SystemExit as stop:
        if not _can_end_quickly():
            raise
        status = _exit_status(stop)
    if not _can_end_quickly():
        sys.exit(status)
    atexit._run_exitfuncs()  # what the interpreter would run at exit: logging, finalizers
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
