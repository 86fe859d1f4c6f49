"""Relative paths a notebook or a call is given, found as a person means them.

A notebook's kernel runs in `notebooks/`, a command in wherever it was started: a relative path
such as ``data_samples/council_small`` or ``reports/scratch`` is read from the working
directory when it is there, otherwise from the project root (the folder holding
``pyproject.toml`` and ``notebooks/`` beside the package, in a source checkout). An installed
package has no project root: relative paths are then the working directory's.

Example
-------
>>> project_path("/tmp/data")
PosixPath('/tmp/data')
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PROJECT_ROOT", "looked_for", "project_path"]


def _project_root() -> Path | None:
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir() else None


PROJECT_ROOT = _project_root()


def project_path(path: str | Path) -> Path:
    """`path` itself when it is absolute or exists from the working directory; otherwise the
    same path under the project root (when there is one)."""
    path = Path(path)
    if path.is_absolute() or path.exists() or PROJECT_ROOT is None:
        return path
    return PROJECT_ROOT / path


def looked_for(path: str | Path) -> str:
    """Where `project_path` looked for `path`, for a message saying it is not there: the
    relative path as given with both folders tried, or else the path itself.

    Example
    -------
    >>> looked_for("/tmp/no-such-store.sqlite")
    '/tmp/no-such-store.sqlite'
    """
    path = Path(path)
    if path.is_absolute() or PROJECT_ROOT is None or Path.cwd() == PROJECT_ROOT:
        return str(path)
    return (
        f"{path} (looked in the working folder {Path.cwd()} and the project folder {PROJECT_ROOT})"
    )
