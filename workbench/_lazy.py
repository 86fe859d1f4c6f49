"""Names a package re-exports but imports only on first use (PEP 562 `__getattr__`).

Heavy parts (Splink, ipywidgets, the governance reports) stay out of the start-up of commands
that do not need them. Used by `workbench.linkage`, `workbench.review` and
`workbench.governance`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, homes: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: `homes` maps each lazy name to the submodule that
    defines it. On first use the submodule is imported and every name it provides is bound in
    `namespace`, so a function named like its submodule (`subject_access`) is the function,
    not the submodule that importing it set on the package."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f"{package}.{home}")
        for other, where in homes.items():
            if where == home:
                namespace[other] = getattr(module, other)
        return namespace[name]

    return __getattr__
